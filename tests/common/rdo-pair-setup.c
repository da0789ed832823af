/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Two adapters back to back, for every harness (rdo-pair-setup.h). */
#include <string.h>
#include <glib.h>
#include "rdo-pair-setup.h"

void rdo_pair_side_init(RdoPairSide *s, const RdoPairOps *ops, void *host,
                        const RdoPairLayout *layout, RdoPairQp *qp,
                        uint32_t nqp)
{
    s->ops = ops;
    s->host = host;
    s->layout = layout;
    s->qp = qp;
    s->nqp = nqp;
    s->qp_on_srq = false;
    s->qp_srqn = 0;
}

uint8_t rdo_pair_cmd(RdoPairSide *s, struct rdo_cqp_cmd cmd, uint32_t *result)
{
    return s->ops->cmd(s->host, &cmd, result);
}

void rdo_pair_cmd_ok(RdoPairSide *s, struct rdo_cqp_cmd cmd)
{
    uint8_t status = rdo_pair_cmd(s, cmd, NULL);

    if (status != RDO_CQP_OK) {
        g_test_message("command 0x%02x on object %u: status %u", cmd.opcode,
                       cmd.obj, status);
    }
    g_assert_cmpuint(status, ==, RDO_CQP_OK);
}

void rdo_pair_side_setup(RdoPairSide *s, int k)
{
    const RdoPairLayout *l = s->layout;
    uint32_t pages = (l->mr_len + RDO_PAGE_SIZE - 1) / RDO_PAGE_SIZE;
    g_autofree uint64_t *entries = g_new(uint64_t, pages);
    struct rdo_cqp_cmd reg;
    uint32_t key = 0;

    rdo_gid_v4(s->gid, 1 + k);
    rdo_pair_cmd_ok(s, rdo_cmd_set_gid(0, s->gid, 1));
    if (l->gid6) {
        rdo_gid_v6(s->gid6, 1 + k);
        rdo_pair_cmd_ok(s, rdo_cmd_set_gid(1, s->gid6, 1));
    }
    rdo_pair_cmd_ok(s, rdo_cmd_create_pd(l->pdn, l->pd_flags));
    s->cq = s->ops->alloc(s->host, sizeof(struct rdo_cqe) << l->cq_log);
    s->cq_ci = 0;
    rdo_pair_cmd_ok(s, rdo_cmd_create_cq_moderated(l->cqn, s->cq, l->cq_log,
                                                   0, 0, l->mod_count,
                                                   l->mod_usec));

    /* One contiguous buffer; its page list names its pages in order. */
    s->mr_list = s->ops->alloc(s->host, pages * sizeof(uint64_t));
    s->mr_addr = s->ops->alloc(s->host, (uint64_t)pages * RDO_PAGE_SIZE);
    for (uint32_t i = 0; i < pages; i++) {
        entries[i] = GUINT64_TO_LE(s->mr_addr + (uint64_t)i * RDO_PAGE_SIZE);
    }
    s->ops->write(s->host, s->mr_list, entries, pages * sizeof(uint64_t));
    reg = rdo_cmd_reg_mr(l->mr_index, 0x40 + k, l->pdn, l->mr_iova, l->mr_len,
                         s->mr_list, pages);
    reg.u.reg_mr.access = RDO_ACCESS__ALL;
    g_assert_cmpuint(rdo_pair_cmd(s, reg, &key), ==, RDO_CQP_OK);
    /* A VF's keys carry its function number in bits 31:28. */
    g_assert_cmphex(key & ~(0xfu << RDO_MR_KEY_FN_SHIFT), ==,
                    RDO_MR_KEY(l->mr_index, 0x40 + k));
    s->mr_key = key;
}

uint8_t rdo_pair_modify(RdoPairSide *s, uint32_t qpn, uint8_t state,
                        uint32_t mask, const struct rdo_cmd_modify_qp *attrs)
{
    return rdo_pair_cmd(s, rdo_cmd_modify_qp_attrs(qpn, state, mask, attrs),
                        NULL);
}

void rdo_pair_create_qp(RdoPairSide *s, int i, uint32_t qpn, uint8_t type,
                        uint32_t ssq_qpn)
{
    const RdoPairLayout *l = s->layout;
    RdoPairQp *q;
    struct rdo_cqp_cmd cmd;
    struct rdo_cmd_create_qp *a = &cmd.u.create_qp;

    g_assert_cmpint(i, >=, 0);
    g_assert_cmpuint(i, <, s->nqp);
    q = &s->qp[i];
    memset(q, 0, sizeof(*q));
    q->qpn = qpn;
    q->type = type;
    if (!ssq_qpn) {
        q->sq = s->ops->alloc(s->host, 1ull << (l->sq_log + l->sq_shift));
    }
    if (type != RDO_QPT_SSQ && !s->qp_on_srq) {
        q->rq = s->ops->alloc(s->host, 1ull << (l->rq_log + l->rq_shift));
    }
    cmd = rdo_cmd_create_qp(qpn, type, l->pdn, l->cqn, q->sq, q->rq);
    if (type != RDO_QPT_SSQ && s->qp_on_srq) {
        rdo_cmd_qp_geometry(&cmd, l->sq_log, l->sq_shift, 0, 0);
        a->flags |= RDO_QP_F_SRQ;
        a->srqn = s->qp_srqn;
        a->max_inline = l->max_inline;
    } else if (ssq_qpn) {
        a->flags = RDO_QP_F_SHARED_SQ;
        a->ssq_qpn = ssq_qpn;
        rdo_cmd_qp_geometry(&cmd, 0, 0, l->rq_log, l->rq_shift);
    } else {
        rdo_cmd_qp_geometry(&cmd, l->sq_log, l->sq_shift, l->rq_log,
                            l->rq_shift);
        a->max_inline = l->max_inline;
    }
    rdo_pair_cmd_ok(s, cmd);
}

void rdo_pair_connect_one(RdoPairSide *s, int i, uint32_t qpn, uint8_t type,
                          uint32_t ssq_qpn, const RdoPairPath *path)
{
    struct rdo_cmd_modify_qp m;

    rdo_pair_create_qp(s, i, qpn, type, ssq_qpn);
    memset(&m, 0, sizeof(m));
    m.qkey = qpn == RDO_GSI_QPN ? RDO_GSI_QKEY : s->layout->qkey;
    m.access = RDO_ACCESS__ALL;
    memcpy(m.dmac, path->dmac, 6);
    memcpy(m.dgid, path->dgid, 16);
    m.sgid_index = path->sgid_index;
    m.hop_limit = 64;
    m.traffic_class = path->traffic_class;
    m.path_mtu = path->path_mtu;
    m.dest_qpn = path->dest_qpn;
    m.sq_psn = path->sq_psn;
    m.rq_psn = path->rq_psn;
    m.max_dest_rd_atomic = 4;
    m.min_rnr_timer = 1;
    m.timeout = path->timeout;
    m.retry_cnt = 7;
    m.rnr_retry = 7;
    m.max_rd_atomic = 4;
    m.port = path->port;
    for (uint8_t to = RDO_QPS_INIT; to <= RDO_QPS_RTS; to++) {
        uint32_t mask = rdo_cmd_modify_mask(type, to);
        uint8_t status;

        if (to == RDO_QPS_INIT && path->port) {
            mask |= RDO_QP_ATTR_PORT;
        }
        status = rdo_pair_modify(s, qpn, to, mask, &m);

        if (status != RDO_CQP_OK) {
            g_test_message("QP %u to state %u: status %u", qpn, to, status);
        }
        g_assert_cmpuint(status, ==, RDO_CQP_OK);
    }
}

void rdo_pair_connect(RdoPairSide *a, RdoPairSide *b, int i, uint8_t type,
                      uint8_t path_mtu, uint8_t timeout, uint8_t sgid_index,
                      uint32_t ssq_qpn)
{
    RdoPairSide *sides[2] = { a, b };

    for (int k = 0; k < 2; k++) {
        RdoPairSide *s = sides[k], *peer = sides[1 - k];
        /* A test may ask for the GSI (QP 1) by setting the slot's qpn. */
        uint32_t qpn = s->qp[i].qpn == RDO_GSI_QPN ? RDO_GSI_QPN : 2 + i;
        RdoPairPath path = {
            .dmac = peer->mac,
            .dgid = sgid_index ? peer->gid6 : peer->gid,
            .sgid_index = sgid_index,
            .dest_qpn = qpn,
            /* Side a's requests start just before the 24-bit PSN wraps. */
            .sq_psn = k == 0 ? 0xfffff0 : 0x123,
            .rq_psn = k == 0 ? 0x123 : 0xfffff0,
            .path_mtu = path_mtu,
            .timeout = timeout,
        };

        rdo_pair_connect_one(s, i, qpn, type, k == 0 ? ssq_qpn : 0, &path);
    }
}

void rdo_pair_connect_loopback(RdoPairSide *s, int i, int j, uint8_t type,
                               uint8_t path_mtu, uint8_t timeout)
{
    RdoPairPath path = {
        .dmac = s->mac, .dgid = s->gid, .dest_qpn = 2 + j,
        .sq_psn = 0xfffff0, .rq_psn = 0x123,
        .path_mtu = path_mtu, .timeout = timeout,
    };

    rdo_pair_connect_one(s, i, 2 + i, type, 0, &path);
    path.dest_qpn = 2 + i;
    path.sq_psn = 0x123;
    path.rq_psn = 0xfffff0;
    rdo_pair_connect_one(s, j, 2 + j, type, 0, &path);
}

void rdo_pair_create_ssq(RdoPairSide *s, int i)
{
    rdo_pair_create_qp(s, i, 2 + i, RDO_QPT_SSQ, 0);
    for (uint8_t to = RDO_QPS_INIT; to <= RDO_QPS_RTS; to++) {
        g_assert_cmpuint(rdo_pair_modify(s, 2 + i, to, 0, NULL), ==,
                         RDO_CQP_OK);
    }
}

uint64_t rdo_pair_mr_addr(RdoPairSide *s, uint64_t iova)
{
    g_assert_cmphex(iova, >=, s->layout->mr_iova);
    g_assert_cmphex(iova, <, s->layout->mr_iova + s->layout->mr_len);
    return s->mr_addr + (iova - s->layout->mr_iova);
}

void rdo_pair_write(RdoPairSide *s, uint64_t iova, const void *buf,
                    uint32_t len)
{
    if (len) {
        rdo_pair_mr_addr(s, iova + len - 1);
        s->ops->write(s->host, rdo_pair_mr_addr(s, iova), buf, len);
    }
}

void rdo_pair_read(RdoPairSide *s, uint64_t iova, void *buf, uint32_t len)
{
    if (len) {
        rdo_pair_mr_addr(s, iova + len - 1);
        s->ops->read(s->host, rdo_pair_mr_addr(s, iova), buf, len);
    }
}

void rdo_pair_fill(RdoPairSide *s, uint64_t iova, uint32_t len, uint32_t seed)
{
    g_autofree uint8_t *buf = g_malloc(len ? len : 1);

    for (uint32_t i = 0; i < len; i++) {
        buf[i] = rdo_pattern_byte(i, seed);
    }
    rdo_pair_write(s, iova, buf, len);
}

struct rdo_sge rdo_pair_sge(RdoPairSide *s, uint64_t iova, uint32_t len)
{
    return rdo_sge(iova, len, s->mr_key);
}

struct rdo_ud_seg rdo_pair_ud_dest(RdoPairSide *to, int i)
{
    return rdo_ud_dest(to->qp[i].qpn, to->layout->qkey, to->mac, to->gid);
}

void rdo_pair_write_wqe(RdoPairSide *s, int i, const struct rdo_send_wqe *w,
                        const struct rdo_sge *sge, int num_sge,
                        const struct rdo_ud_seg *ud, const void *inline_data,
                        uint8_t *slot_out)
{
    const RdoPairLayout *l = s->layout;
    RdoPairQp *q = &s->qp[i];
    size_t size = 1u << l->sq_shift;
    uint8_t slot[1u << RDO_WQE_SHIFT_MAX];
    size_t used;

    g_assert_cmpuint(size, <=, sizeof(slot));
    used = rdo_build_send_slot(slot, size, w, sge, num_sge, ud, inline_data);
    g_assert_cmpuint(used, >, 0);
    /* What the provider writes: the WQE's bytes, not the whole slot. */
    s->ops->write(s->host, rdo_ring_slot(q->sq, q->sq_pi, l->sq_log,
                                         l->sq_shift), slot, used);
    q->sq_pi++;
    if (slot_out) {
        memcpy(slot_out, slot, size);
    }
}

void rdo_pair_post_send(RdoPairSide *s, int i, const struct rdo_send_wqe *w,
                        const struct rdo_sge *sge, int num_sge,
                        const struct rdo_ud_seg *ud, const void *inline_data)
{
    RdoPairQp *q = &s->qp[i];

    rdo_pair_write_wqe(s, i, w, sge, num_sge, ud, inline_data, NULL);
    s->ops->doorbell(s->host, 0, RDO_DB_SQ, RDO_DB_VALUE(q->qpn, 0, q->sq_pi));
}

void rdo_pair_push_send(RdoPairSide *s, int i, const struct rdo_send_wqe *w,
                        const struct rdo_sge *sge, int num_sge)
{
    RdoPairQp *q = &s->qp[i];
    g_autofree uint8_t *slot = g_malloc(1u << s->layout->sq_shift);
    uint32_t len = sizeof(*w) + num_sge * sizeof(*sge);

    rdo_pair_write_wqe(s, i, w, sge, num_sge, NULL, NULL, slot);
    for (uint32_t k = 0; k < len / 8; k++) {
        uint64_t v;

        memcpy(&v, slot + 8 * k, 8);
        s->ops->doorbell(s->host, 0, RDO_DB_PUSH_DATA + 8 * k, v);
    }
    s->ops->doorbell(s->host, 0, RDO_DB_PUSH_TRIGGER,
                     RDO_DB_VALUE(q->qpn, (len / 8) << RDO_DB_FLAGS_SHIFT,
                                  q->sq_pi));
}

uint64_t rdo_pair_ram_push_prepare(RdoPairSide *s, int i,
                                   const struct rdo_send_wqe *w,
                                   const struct rdo_sge *sge, int num_sge,
                                   const void *inline_data, uint32_t slot)
{
    RdoPairQp *q = &s->qp[i];
    uint32_t stride = 1u << s->layout->sq_shift;
    g_autofree uint8_t *buf = g_malloc0(stride + RDO_PUSH_RAM_SEAL_SIZE);
    uint32_t len = sizeof(*w) + (inline_data ? (w->inline_len + 7) & ~7u
                                             : num_sge * sizeof(*sge));
    uint32_t span = rdo_push_ram_wqe_span(len);
    uint64_t trigger;

    g_assert_true(rdo_push_ram_fits(len) && span <= stride);
    rdo_pair_write_wqe(s, i, w, sge, num_sge, NULL, inline_data, buf);
    trigger = rdo_push_ram_trigger(q->qpn, slot, len, q->sq_pi);
    /* The seal right after the WQE (the driver's barrier, then the trigger). */
    memset(buf + len, 0, span - len);
    for (int b = 0; b < RDO_PUSH_RAM_SEAL_SIZE; b++) {
        buf[span + b] = trigger >> (8 * b);
    }
    s->ops->push_ram_write(s->host, 0, RDO_PUSH_RAM_SLOT_OFFSET(slot), buf,
                           span + RDO_PUSH_RAM_SEAL_SIZE);
    return trigger;
}

void rdo_pair_ram_push_send(RdoPairSide *s, int i, const struct rdo_send_wqe *w,
                            const struct rdo_sge *sge, int num_sge,
                            uint32_t slot)
{
    s->ops->doorbell(s->host, 0, RDO_DB_PUSH_RAM,
                     rdo_pair_ram_push_prepare(s, i, w, sge, num_sge, NULL,
                                               slot));
}

void rdo_pair_post_recv_sges(RdoPairSide *s, int i, uint64_t wr_id,
                             const struct rdo_sge *sge, int num_sge)
{
    const RdoPairLayout *l = s->layout;
    RdoPairQp *q = &s->qp[i];
    size_t size = 1u << l->rq_shift;
    g_autofree uint8_t *slot = g_malloc(size);

    g_assert_true(rdo_build_recv_slot(slot, size, wr_id, sge, num_sge));
    s->ops->write(s->host, rdo_ring_slot(q->rq, q->rq_pi, l->rq_log,
                                         l->rq_shift), slot, size);
    q->rq_pi++;
    s->ops->doorbell(s->host, 0, RDO_DB_RQ, RDO_DB_VALUE(q->qpn, 0, q->rq_pi));
}

void rdo_pair_post_recv(RdoPairSide *s, int i, uint64_t wr_id, uint64_t iova,
                        uint32_t len)
{
    struct rdo_sge sge = rdo_pair_sge(s, iova, len);

    rdo_pair_post_recv_sges(s, i, wr_id, &sge, 1);
}

void rdo_pair_create_srq(RdoPairSide *s, RdoPairSrq *q, uint32_t srqn,
                         uint8_t log_size)
{
    const RdoPairLayout *l = s->layout;

    memset(q, 0, sizeof(*q));
    q->srqn = srqn;
    q->log_size = log_size;
    q->ring = s->ops->alloc(s->host, 1ull << (log_size + l->rq_shift));
    rdo_pair_cmd_ok(s, rdo_cmd_create_srq(srqn, q->ring, log_size, l->rq_shift,
                                          l->pdn));
}

void rdo_pair_post_srq_recv(RdoPairSide *s, RdoPairSrq *q, uint64_t wr_id,
                            uint64_t iova, uint32_t len)
{
    size_t size = 1u << s->layout->rq_shift;
    g_autofree uint8_t *slot = g_malloc(size);
    struct rdo_sge sge = rdo_pair_sge(s, iova, len);

    g_assert_true(rdo_build_recv_slot(slot, size, wr_id, &sge, 1));
    s->ops->write(s->host, rdo_ring_slot(q->ring, q->pi, q->log_size,
                                         s->layout->rq_shift), slot, size);
    q->pi++;
    s->ops->doorbell(s->host, 0, RDO_DB_SRQ, RDO_DB_VALUE(q->srqn, 0, q->pi));
}

/* The owner byte of CQE `index`. */
static uint8_t cqe_owner(RdoPairSide *s, uint32_t index)
{
    uint8_t owner;

    s->ops->read(s->host, rdo_ring_slot(s->cq, index, s->layout->cq_log, 5) +
                 offsetof(struct rdo_cqe, owner), &owner, 1);
    return owner;
}

uint32_t rdo_pair_cq_ready(RdoPairSide *s)
{
    uint32_t log = s->layout->cq_log, n = 0;

    while (n < (1u << log) &&
           rdo_owner_is_sw(cqe_owner(s, s->cq_ci + n), s->cq_ci + n, log)) {
        n++;
    }
    return n;
}

bool rdo_pair_poll(RdoPairSide *s, struct rdo_cqe *cqe)
{
    uint32_t log = s->layout->cq_log;
    struct rdo_cqe e;

    s->ops->read(s->host, rdo_ring_slot(s->cq, s->cq_ci, log, 5), &e,
                 sizeof(e));
    if (!rdo_owner_is_sw(e.owner, s->cq_ci, log)) {
        return false;
    }
    *cqe = e;
    s->cq_ci++;
    s->ops->doorbell(s->host, 0, RDO_DB_CQ,
                     RDO_DB_VALUE(s->layout->cqn, 0, s->cq_ci));
    return true;
}

void rdo_scat_init(RdoScat *r, RdoPairSide *s, uint32_t npages, uint8_t shift,
                   uint64_t iova_base, uint64_t first, uint64_t short_end)
{
    uint64_t ps = 1ull << shift;
    uint32_t slots = 2 * npages;

    g_assert_cmpuint(npages, <=, RDO_SCAT_PAGES_MAX);
    g_assert_cmpuint(slots % 7, !=, 0);
    g_assert_cmpuint(first, <, ps);
    memset(r, 0, sizeof(*r));
    r->s = s;
    r->shift = shift;
    r->npages = npages;
    r->pool_len = slots * ps;
    /* alloc aligns to 4 KiB only: room to align to a bigger page. */
    r->pool = s->ops->alloc(s->host, r->pool_len + ps - RDO_PAGE_SIZE);
    r->pool = (r->pool + ps - 1) & ~(ps - 1);
    for (uint32_t i = 0; i < npages; i++) {
        r->pages[i] = r->pool + ((7 * i + 3) % slots) * ps;
    }
    r->list = s->ops->alloc(s->host, npages * 8);
    s->ops->write(s->host, r->list, r->pages, npages * 8);
    r->iova = iova_base + first;
    r->length = npages * ps - first - short_end;
    r->shadow = g_malloc(r->pool_len);
    for (uint64_t i = 0; i < r->pool_len; i++) {
        r->shadow[i] = rdo_pattern_byte(i, 0x5eed);
    }
    s->ops->write(s->host, r->pool, r->shadow, r->pool_len);
}

void rdo_scat_free(RdoScat *r)
{
    g_free(r->shadow);
    r->shadow = NULL;
}

void rdo_scat_reg(RdoScat *r, uint32_t index, uint8_t key)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_reg_mr(index, key, r->s->layout->pdn,
                                            r->iova, r->length, r->list,
                                            r->npages);

    cmd.u.reg_mr.page_shift = r->shift;
    cmd.u.reg_mr.access = RDO_ACCESS_LOCAL_WRITE | RDO_ACCESS_REMOTE;
    rdo_pair_cmd_ok(r->s, cmd);
    r->key = RDO_MR_KEY(index, key);
}

uint64_t rdo_scat_off(const RdoScat *r, uint64_t va)
{
    uint64_t ps = 1ull << r->shift;
    uint64_t off = va - r->iova + (r->iova & (ps - 1));

    g_assert_cmpuint(va, >=, r->iova);
    g_assert_cmpuint(va, <, r->iova + r->length);
    return r->pages[off >> r->shift] - r->pool + (off & (ps - 1));
}

void rdo_scat_expect(RdoScat *r, uint64_t va, const void *data, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        r->shadow[rdo_scat_off(r, va + i)] = ((const uint8_t *)data)[i];
    }
}

void rdo_scat_set(RdoScat *r, uint64_t va, const void *data, uint32_t len)
{
    rdo_scat_expect(r, va, data, len);
    r->s->ops->write(r->s->host, r->pool, r->shadow, r->pool_len);
}

void rdo_scat_put(RdoScat *r, uint64_t va, uint32_t len, uint32_t seed)
{
    g_autofree uint8_t *buf = g_malloc(len ? len : 1);

    for (uint32_t i = 0; i < len; i++) {
        buf[i] = rdo_pattern_byte(i, seed);
    }
    rdo_scat_set(r, va, buf, len);
}

uint8_t *rdo_scat_get(const RdoScat *r, uint64_t va, uint32_t len)
{
    uint8_t *b = g_malloc(len ? len : 1);

    for (uint32_t i = 0; i < len; i++) {
        b[i] = r->shadow[rdo_scat_off(r, va + i)];
    }
    return b;
}

void rdo_scat_assert(const RdoScat *r, const char *what)
{
    g_autofree uint8_t *pool = g_malloc(r->pool_len);
    uint64_t i = 0;

    r->s->ops->read(r->s->host, r->pool, pool, r->pool_len);
    if (!memcmp(pool, r->shadow, r->pool_len)) {
        return;
    }
    while (pool[i] == r->shadow[i]) {
        i++;
    }
    g_error("%s: pool byte 0x%llx (slot %llu, offset 0x%llx) is 0x%02x, "
            "not 0x%02x", what, (unsigned long long)i,
            (unsigned long long)(i >> r->shift),
            (unsigned long long)(i & ((1ull << r->shift) - 1)),
            pool[i], r->shadow[i]);
}
