/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include "test-pair.h"

#define UC_RTR_MASK (RDO_QP_ATTR_AV | RDO_QP_ATTR_PATH_MTU | \
                     RDO_QP_ATTR_DEST_QPN | RDO_QP_ATTR_RQ_PSN)
#define RC_RTR_MASK (UC_RTR_MASK | RDO_QP_ATTR_MAX_DEST_RD_ATOMIC | \
                     RDO_QP_ATTR_MIN_RNR_TIMER)
#define RC_RTS_MASK (RDO_QP_ATTR_SQ_PSN | RDO_QP_ATTR_TIMEOUT | \
                     RDO_QP_ATTR_RETRY_CNT | RDO_QP_ATTR_RNR_RETRY | \
                     RDO_QP_ATTR_MAX_RD_ATOMIC)

static void side_init(PairSide *s, const RdoConfig *cfg, int index,
                      uint16_t mod_count, uint16_t mod_usec)
{
    RdoConfig c = cfg ? *cfg : test_host_default_config();
    struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_SET_GID, .obj = 0 };
    struct rdo_cqp_cmd reg = { .opcode = RDO_CMD_REG_MR, .obj = 1 };
    uint32_t pages = PAIR_MR_LEN / 4096;
    uint64_t *list;

    c.mac[5] = 0x10 + index;
    memcpy(s->mac, c.mac, 6);
    s->d = td_new(&c);
    td_start(s->d);
    /* GID ::ffff:10.0.0.(1+index) */
    memset(s->gid, 0, 16);
    s->gid[10] = s->gid[11] = 0xff;
    s->gid[12] = 10;
    s->gid[15] = 1 + index;
    memcpy(cmd.u.set_gid.gid, s->gid, 16);
    cmd.u.set_gid.valid = 1;
    g_assert_cmpuint(td_cmd(s->d, &cmd).status, ==, RDO_CQP_OK);
    td_create_pd(s->d, 0);
    if (mod_count || mod_usec) {
        struct rdo_cqp_cmd cq = td_cmd_of(RDO_CMD_CREATE_CQ, 0);

        s->cq = td_alloc(s->d, sizeof(struct rdo_cqe) << PAIR_CQ_LOG, 4096);
        cq.u.create_cq.ring_addr = s->cq;
        cq.u.create_cq.log_size = PAIR_CQ_LOG;
        cq.u.create_cq.moderation_count = mod_count;
        cq.u.create_cq.moderation_usec = mod_usec;
        g_assert_cmpuint(td_cmd(s->d, &cq).status, ==, RDO_CQP_OK);
    } else {
        s->cq = td_create_cq(s->d, 0, PAIR_CQ_LOG, 0, 0);
    }

    s->mr_list = td_alloc(s->d, pages * 8, 8);
    list = td_ptr(s->d, s->mr_list);
    for (uint32_t i = 0; i < pages; i++) {
        list[i] = td_alloc(s->d, 4096, 4096);
    }
    reg.u.reg_mr.iova = PAIR_MR_IOVA;
    reg.u.reg_mr.length = PAIR_MR_LEN;
    reg.u.reg_mr.page_list = s->mr_list;
    reg.u.reg_mr.num_pages = pages;
    reg.u.reg_mr.page_shift = 12;
    reg.u.reg_mr.key = 0x40 + index;
    reg.u.reg_mr.access = RDO_ACCESS__ALL;
    reg.u.reg_mr.pdn = 0;
    s->mr_key = td_cmd(s->d, &reg).result;
    g_assert_cmpuint(s->mr_key, ==, RDO_MR_KEY(1, 0x40 + index));
}

Pair *pair_new_moderated(const RdoConfig *cfg, uint16_t mod_count,
                         uint16_t mod_usec)
{
    Pair *p = g_new0(Pair, 1);

    side_init(&p->s[0], cfg, 0, mod_count, mod_usec);
    side_init(&p->s[1], cfg, 1, mod_count, mod_usec);
    return p;
}

Pair *pair_new(const RdoConfig *cfg)
{
    return pair_new_moderated(cfg, 0, 0);
}

void pair_free(Pair *p)
{
    if (p->pcap) {
        fclose(p->pcap);
    }
    td_free(p->s[0].d);
    td_free(p->s[1].d);
    g_free(p);
}

void pair_capture(Pair *p, const char *name)
{
    const char *dir = g_getenv("RDO_TEST_PCAP_DIR");
    /* pcap: magic, version 2.4, zone, accuracy, snaplen, Ethernet */
    const uint32_t hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 };
    g_autofree char *path = NULL;

    if (!dir) {
        return;
    }
    path = g_strdup_printf("%s/%s.pcap", dir, name);
    p->pcap = fopen(path, "wb");
    g_assert_nonnull(p->pcap);
    fwrite(hdr, sizeof(hdr), 1, p->pcap);
}

static void capture(Pair *p, uint64_t now_ns, const void *frame, uint32_t len)
{
    uint32_t rec[4] = { now_ns / 1000000000u, (now_ns / 1000) % 1000000, len, len };

    if (p->pcap) {
        fwrite(rec, sizeof(rec), 1, p->pcap);
        fwrite(frame, len, 1, p->pcap);
    }
}

uint8_t pair_modify(PairSide *s, uint32_t qpn, uint8_t state, uint32_t mask,
                    const struct rdo_cmd_modify_qp *attrs)
{
    struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_MODIFY_QP, .obj = qpn };

    if (attrs) {
        cmd.u.modify_qp = *attrs;
    }
    cmd.u.modify_qp.state = state;
    cmd.u.modify_qp.mask = mask;
    return td_cmd(s->d, &cmd).status;
}

/* A QP; fed by the shared send queue ssq_qpn if that is not 0. */
static void create_qp(PairSide *s, PairQp *q, uint32_t qpn, uint8_t type,
                      uint32_t ssq_qpn)
{
    struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_CREATE_QP, .obj = qpn };
    struct rdo_cmd_create_qp *a = &cmd.u.create_qp;

    q->qpn = qpn;
    q->type = type;
    a->type = type;
    a->send_cqn = a->recv_cqn = 0;
    if (ssq_qpn) {
        a->flags = RDO_QP_F_SHARED_SQ;
        a->ssq_qpn = ssq_qpn;
    } else {
        a->sq_addr = q->sq = td_alloc(s->d, 256u << PAIR_SQ_LOG, 4096);
        a->sq_log_size = PAIR_SQ_LOG;
        a->sq_wqe_shift = 8;
        a->max_inline = 128;
    }
    if (type != RDO_QPT_SSQ) {
        a->rq_addr = q->rq = td_alloc(s->d, 64u << PAIR_RQ_LOG, 4096);
        a->rq_log_size = PAIR_RQ_LOG;
        a->rq_wqe_shift = 6;
    }
    g_assert_cmpuint(td_cmd(s->d, &cmd).status, ==, RDO_CQP_OK);
}

void pair_create_ssq(Pair *p, int i)
{
    PairSide *s = &p->s[0];

    create_qp(s, &s->qp[i], 2 + i, RDO_QPT_SSQ, 0);
    for (uint8_t st = RDO_QPS_INIT; st <= RDO_QPS_RTS; st++) {
        g_assert_cmpuint(pair_modify(s, 2 + i, st, 0, NULL), ==, RDO_CQP_OK);
    }
}

void pair_connect(Pair *p, int i, uint8_t type, uint8_t mtu_code)
{
    pair_connect_fed(p, i, type, mtu_code, 0);
}

/* Creates QP `qpn` in slot `q` of side `s` and takes it to RTS towards
 * (dmac, dgid, dest_qpn), sending from sq_psn and expecting rq_psn. */
static void connect_one(PairSide *s, PairQp *q, uint32_t qpn, uint8_t type,
                        uint8_t mtu_code, uint32_t ssq_qpn,
                        const uint8_t *dmac, const uint8_t *dgid,
                        uint32_t dest_qpn, uint32_t sq_psn, uint32_t rq_psn)
{
    struct rdo_cmd_modify_qp m = { 0 };

    create_qp(s, q, qpn, type, ssq_qpn);
    m.qkey = qpn == RDO_GSI_QPN ? RDO_GSI_QKEY : 0x1234;
    m.access = RDO_ACCESS__ALL;
    g_assert_cmpuint(pair_modify(s, qpn, RDO_QPS_INIT,
                                 type == RDO_QPT_UD ? RDO_QP_ATTR_QKEY
                                                    : RDO_QP_ATTR_ACCESS,
                                 &m), ==, RDO_CQP_OK);
    memcpy(m.dmac, dmac, 6);
    memcpy(m.dgid, dgid, 16);
    m.path_mtu = mtu_code;
    m.dest_qpn = dest_qpn;
    m.sq_psn = sq_psn;
    m.rq_psn = rq_psn;
    m.max_dest_rd_atomic = 4;
    m.min_rnr_timer = 1;
    m.timeout = 8;          /* ~1 ms */
    m.retry_cnt = 7;
    m.rnr_retry = 7;
    m.max_rd_atomic = 4;
    if (type == RDO_QPT_UD) {
        g_assert_cmpuint(pair_modify(s, qpn, RDO_QPS_RTR, 0, &m), ==, RDO_CQP_OK);
        g_assert_cmpuint(pair_modify(s, qpn, RDO_QPS_RTS, RDO_QP_ATTR_SQ_PSN, &m),
                         ==, RDO_CQP_OK);
        return;
    }
    g_assert_cmpuint(pair_modify(s, qpn, RDO_QPS_RTR,
                                 type == RDO_QPT_RC ?
                                 RC_RTR_MASK : UC_RTR_MASK, &m), ==, RDO_CQP_OK);
    g_assert_cmpuint(pair_modify(s, qpn, RDO_QPS_RTS,
                                 type == RDO_QPT_RC ?
                                 RC_RTS_MASK : RDO_QP_ATTR_SQ_PSN, &m),
                     ==, RDO_CQP_OK);
}

void pair_connect_fed(Pair *p, int i, uint8_t type, uint8_t mtu_code,
                      uint32_t ssq_qpn)
{
    for (int k = 0; k < 2; k++) {
        PairSide *s = &p->s[k], *peer = &p->s[1 - k];
        PairQp *q = &s->qp[i];
        /* A test may ask for the GSI (QP 1) by setting the slot's qpn. */
        uint32_t qpn = q->qpn == RDO_GSI_QPN ? RDO_GSI_QPN : 2 + i;

        /* Side 0 starts just before the 24-bit PSN wraps. */
        connect_one(s, q, qpn, type, mtu_code, k == 0 ? ssq_qpn : 0,
                    peer->mac, peer->gid, qpn,
                    k == 0 ? 0xFFFFF0 : 0x123, k == 0 ? 0x123 : 0xFFFFF0);
    }
}

void pair_connect_loopback(Pair *p, int i, int j, uint8_t type,
                           uint8_t mtu_code)
{
    PairSide *s = &p->s[0];

    connect_one(s, &s->qp[i], 2 + i, type, mtu_code, 0, s->mac, s->gid,
                2 + j, 0xFFFFF0, 0x123);
    connect_one(s, &s->qp[j], 2 + j, type, mtu_code, 0, s->mac, s->gid,
                2 + i, 0x123, 0xFFFFF0);
}

uint8_t *pair_mr_ptr(PairSide *s, uint64_t iova)
{
    uint64_t off = iova - PAIR_MR_IOVA;
    uint64_t *list = td_ptr(s->d, s->mr_list);

    g_assert_cmpuint(off, <, PAIR_MR_LEN);
    return (uint8_t *)td_ptr(s->d, list[off / 4096]) + off % 4096;
}

void pair_fill(PairSide *s, uint64_t iova, uint32_t len, uint32_t seed)
{
    for (uint32_t i = 0; i < len; i++) {
        *pair_mr_ptr(s, iova + i) = (uint8_t)((i * 131u + seed * 7u) ^ (i >> 9));
    }
}

/* Writes a WQE into the next ring slot; returns the slot. */
static uint8_t *write_wqe(PairSide *s, int i, const struct rdo_send_wqe *w,
                          const struct rdo_sge *sge, int num_sge,
                          const struct rdo_ud_seg *ud)
{
    PairQp *q = &s->qp[i];
    uint8_t *slot = td_ptr(s->d, q->sq + ((q->sq_pi & ((1u << PAIR_SQ_LOG) - 1)) << 8));
    struct rdo_send_wqe h = *w;
    size_t off = sizeof(h);

    memset(slot, 0, 256);
    if (ud) {
        memcpy(slot + off, ud, sizeof(*ud));
        off += sizeof(*ud);
    }
    if (!(h.flags & RDO_WQE_F_INLINE)) {
        h.num_sge = num_sge;
        if (num_sge) {
            memcpy(slot + off, sge, num_sge * sizeof(*sge));
        }
    }
    memcpy(slot, &h, sizeof(h));
    q->sq_pi++;
    return slot;
}

void pair_post_send(PairSide *s, int i, const struct rdo_send_wqe *w,
                    const struct rdo_sge *sge, int num_sge,
                    const struct rdo_ud_seg *ud)
{
    write_wqe(s, i, w, sge, num_sge, ud);
    td_doorbell(s->d, 0, RDO_DB_SQ, RDO_DB_VALUE(s->qp[i].qpn, 0, s->qp[i].sq_pi));
}

void pair_push_send(PairSide *s, int i, const struct rdo_send_wqe *w,
                    const struct rdo_sge *sge, int num_sge)
{
    uint8_t *slot = write_wqe(s, i, w, sge, num_sge, NULL);
    uint32_t len = sizeof(*w) + num_sge * sizeof(*sge);

    for (uint32_t k = 0; k < len / 8; k++) {
        uint64_t v;

        memcpy(&v, slot + 8 * k, 8);
        td_doorbell(s->d, 0, RDO_DB_PUSH_DATA + 8 * k, v);
    }
    td_doorbell(s->d, 0, RDO_DB_PUSH_TRIGGER,
                RDO_DB_VALUE(s->qp[i].qpn, (len / 8) << RDO_DB_FLAGS_SHIFT,
                             s->qp[i].sq_pi));
}

void pair_post_recv_sges(PairSide *s, int i, uint64_t wr_id,
                         const struct rdo_sge *sge, int num_sge)
{
    PairQp *q = &s->qp[i];
    uint8_t *slot = td_ptr(s->d, q->rq + ((q->rq_pi & ((1u << PAIR_RQ_LOG) - 1)) << 6));
    struct rdo_recv_wqe h = { .wr_id = wr_id, .num_sge = num_sge };

    g_assert_cmpuint(sizeof(h) + num_sge * sizeof(*sge), <=, 64);
    memcpy(slot, &h, sizeof(h));
    memcpy(slot + sizeof(h), sge, num_sge * sizeof(*sge));
    q->rq_pi++;
    td_doorbell(s->d, 0, RDO_DB_RQ, RDO_DB_VALUE(q->qpn, 0, q->rq_pi));
}

void pair_post_recv(PairSide *s, int i, uint64_t wr_id, uint64_t iova,
                    uint32_t len)
{
    struct rdo_sge sge = { iova, len, s->mr_key };

    pair_post_recv_sges(s, i, wr_id, &sge, 1);
}

/* Hands each side's frames to the other; returns how many moved. */
static unsigned deliver(Pair *p)
{
    unsigned moved = 0;

    for (int k = 0; k < 2; k++) {
        TestHost *from = p->s[k].d->h, *to = p->s[1 - k].d->h;
        GPtrArray *frames = from->frames;

        from->frames = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
        for (guint i = 0; i < frames->len; i++) {
            gsize len;
            const void *data = g_bytes_get_data(frames->pdata[i], &len);

            capture(p, from->now_ns, data, len);
            if (p->tamper) {
                uint8_t buf[PAIR_FRAME_MAX];
                size_t n = MIN(len, sizeof(buf));
                bool again = false;

                memcpy(buf, data, n);
                if (p->tamper(p, k, buf, &n, &again, p->tamper_opaque)) {
                    rdo_core_receive(&to->core, buf, n);
                    if (again) {
                        rdo_core_receive(&to->core, buf, n);
                    }
                }
            } else {
                rdo_core_receive(&to->core, data, len);
            }
            moved++;
        }
        g_ptr_array_unref(frames);
    }
    p->frames += moved;
    return moved;
}

uint32_t pair_cq_ready(PairSide *s)
{
    uint32_t n = 0;

    for (;;) {
        uint32_t i = s->cq_ci + n;
        struct rdo_cqe *e = td_ptr(s->d, s->cq + (i & ((1u << PAIR_CQ_LOG) - 1)) * 32);

        if (!rdo_owner_is_sw(e->owner, i, PAIR_CQ_LOG)) {
            return n;
        }
        n++;
    }
}

/* One step: deliver frames, or advance time to the next wake-up. */
bool pair_step(Pair *p, uint64_t end)
{
    TestHost *a = p->s[0].d->h, *b = p->s[1].d->h;
    uint64_t next;

    if (deliver(p)) {
        return true;
    }
    next = a->wakeup_ns && (!b->wakeup_ns || a->wakeup_ns < b->wakeup_ns) ?
           a->wakeup_ns : b->wakeup_ns;
    if (!next || next > end) {
        return false;
    }
    for (int k = 0; k < 2; k++) {
        TestHost *h = p->s[k].d->h;

        if (next > h->now_ns) {
            h->now_ns = next;
        }
    }
    for (int k = 0; k < 2; k++) {
        TestHost *h = p->s[k].d->h;

        if (h->wakeup_ns && h->wakeup_ns <= h->now_ns) {
            h->wakeup_ns = 0;
            rdo_core_wakeup(&h->core);
        }
    }
    return true;
}

bool pair_run_cqes(Pair *p, int who, uint32_t cqes, uint64_t limit_ns)
{
    uint64_t end = p->s[0].d->h->now_ns + limit_ns;

    while (pair_cq_ready(&p->s[who]) < cqes) {
        if (!pair_step(p, end)) {
            return false;
        }
    }
    return true;
}

void pair_run(Pair *p, uint64_t limit_ns)
{
    uint64_t end = p->s[0].d->h->now_ns + limit_ns;

    while (pair_step(p, end)) {
    }
}

struct rdo_cqe pair_poll(PairSide *s)
{
    struct rdo_cqe e;

    if (!pair_cq_ready(s)) {
        memset(&e, 0, sizeof(e));
        e.wr_id = PAIR_NO_CQE;
        return e;
    }
    memcpy(&e, td_ptr(s->d, s->cq + (s->cq_ci & ((1u << PAIR_CQ_LOG) - 1)) * 32),
           sizeof(e));
    s->cq_ci++;
    td_doorbell(s->d, 0, RDO_DB_CQ, RDO_DB_VALUE(0, 0, s->cq_ci));
    return e;
}

uint32_t pair_cnt(PairSide *s, uint32_t reg)
{
    return test_reg_read(s->d->h, reg);
}
