/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include "test-pair.h"

/* The harness over the core (RdoPairOps): memory is the TestHost's. */
static uint8_t op_cmd(void *host, struct rdo_cqp_cmd *cmd, uint32_t *result)
{
    struct rdo_cqp_comp c = td_cmd(host, cmd);

    if (result) {
        *result = c.result;
    }
    return c.status;
}

static uint64_t op_alloc(void *host, uint64_t len)
{
    return td_alloc(host, len, 4096);
}

static void op_write(void *host, uint64_t addr, const void *buf, size_t len)
{
    memcpy(td_ptr(host, addr), buf, len);
}

static void op_read(void *host, uint64_t addr, void *buf, size_t len)
{
    memcpy(buf, td_ptr(host, addr), len);
}

static void op_doorbell(void *host, uint16_t page, uint32_t reg, uint64_t value)
{
    td_doorbell(host, page, reg, value);
}

static const RdoPairOps pair_ops = {
    .cmd = op_cmd, .alloc = op_alloc, .write = op_write, .read = op_read,
    .doorbell = op_doorbell,
};

static void side_init(Pair *p, const RdoConfig *cfg, int index)
{
    PairSide *s = &p->s[index];
    RdoConfig c = cfg ? *cfg : test_host_default_config();

    c.mac[5] = 0x10 + index;
    s->d = td_new(&c);
    td_start(s->d);
    rdo_pair_side_init(&s->rdo, &pair_ops, s->d, &p->layout, s->slots,
                       PAIR_QPS);
    memcpy(s->mac, c.mac, 6);
    rdo_pair_side_setup(&s->rdo, index);
}

static Pair *pair_new_full(const RdoConfig *cfg, uint16_t mod_count,
                           uint16_t mod_usec, uint32_t pd_flags)
{
    Pair *p = g_new0(Pair, 1);

    p->layout = (RdoPairLayout){
        .pdn = 0, .pd_flags = pd_flags, .cqn = 0, .cq_log = PAIR_CQ_LOG,
        .mod_count = mod_count, .mod_usec = mod_usec,
        .mr_index = 1, .mr_iova = PAIR_MR_IOVA, .mr_len = PAIR_MR_LEN,
        .sq_log = PAIR_SQ_LOG, .sq_shift = 8,
        .rq_log = PAIR_RQ_LOG, .rq_shift = 6,
        .max_inline = 128, .qkey = 0x1234,
    };
    side_init(p, cfg, 0);
    side_init(p, cfg, 1);
    return p;
}

Pair *pair_new_moderated(const RdoConfig *cfg, uint16_t mod_count,
                         uint16_t mod_usec)
{
    return pair_new_full(cfg, mod_count, mod_usec, 0);
}

Pair *pair_new(const RdoConfig *cfg)
{
    return pair_new_full(cfg, 0, 0, 0);
}

Pair *pair_new_kernel(const RdoConfig *cfg)
{
    return pair_new_full(cfg, 0, 0, RDO_PD_F_KERNEL);
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
    return rdo_pair_modify(&s->rdo, qpn, state, mask, attrs);
}

void pair_create_ssq(Pair *p, int i)
{
    rdo_pair_create_ssq(&p->s[0].rdo, i);
}

void pair_connect(Pair *p, int i, uint8_t type, uint8_t mtu_code)
{
    pair_connect_fed(p, i, type, mtu_code, 0);
}

void pair_connect_fed(Pair *p, int i, uint8_t type, uint8_t mtu_code,
                      uint32_t ssq_qpn)
{
    rdo_pair_connect(&p->s[0].rdo, &p->s[1].rdo, i, type, mtu_code,
                     PAIR_TIMEOUT, 0, ssq_qpn);
}

void pair_connect_loopback(Pair *p, int i, int j, uint8_t type,
                           uint8_t mtu_code)
{
    rdo_pair_connect_loopback(&p->s[0].rdo, i, j, type, mtu_code,
                              PAIR_TIMEOUT);
}

uint8_t *pair_mr_ptr(PairSide *s, uint64_t iova)
{
    return td_ptr(s->d, rdo_pair_mr_addr(&s->rdo, iova));
}

void pair_fill(PairSide *s, uint64_t iova, uint32_t len, uint32_t seed)
{
    rdo_pair_fill(&s->rdo, iova, len, seed);
}

void pair_post_send(PairSide *s, int i, const struct rdo_send_wqe *w,
                    const struct rdo_sge *sge, int num_sge,
                    const struct rdo_ud_seg *ud)
{
    rdo_pair_post_send(&s->rdo, i, w, sge, num_sge, ud, NULL);
}

void pair_push_send(PairSide *s, int i, const struct rdo_send_wqe *w,
                    const struct rdo_sge *sge, int num_sge)
{
    rdo_pair_push_send(&s->rdo, i, w, sge, num_sge);
}

void pair_post_recv_sges(PairSide *s, int i, uint64_t wr_id,
                         const struct rdo_sge *sge, int num_sge)
{
    rdo_pair_post_recv_sges(&s->rdo, i, wr_id, sge, num_sge);
}

void pair_post_recv(PairSide *s, int i, uint64_t wr_id, uint64_t iova,
                    uint32_t len)
{
    rdo_pair_post_recv(&s->rdo, i, wr_id, iova, len);
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
    return rdo_pair_cq_ready(&s->rdo);
}

/* The later of the two sides' clocks (commands move one side's alone). */
static uint64_t pair_now(Pair *p)
{
    return MAX(p->s[0].d->h->now_ns, p->s[1].d->h->now_ns);
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
    uint64_t end = pair_now(p) + limit_ns;

    while (pair_cq_ready(&p->s[who]) < cqes) {
        if (!pair_step(p, end)) {
            return false;
        }
    }
    return true;
}

void pair_run(Pair *p, uint64_t limit_ns)
{
    uint64_t end = pair_now(p) + limit_ns;

    while (pair_step(p, end)) {
    }
}

struct rdo_cqe pair_poll(PairSide *s)
{
    struct rdo_cqe e;

    if (!rdo_pair_poll(&s->rdo, &e)) {
        memset(&e, 0, sizeof(e));
        e.wr_id = PAIR_NO_CQE;
    }
    return e;
}

uint32_t pair_cnt(PairSide *s, uint32_t reg)
{
    return test_reg_read(s->d->h, reg);
}

struct rdo_sge pair_sge_of(PairSide *s, uint64_t iova, uint32_t len)
{
    return rdo_pair_sge(&s->rdo, iova, len);
}

void pair_expect_cqe(PairSide *s, uint64_t wr_id, uint8_t opcode,
                     uint8_t status)
{
    struct rdo_cqe e = pair_poll(s);

    g_assert_cmphex(e.wr_id, ==, wr_id);
    g_assert_cmpuint(e.status, ==, status);
    g_assert_cmphex(e.opcode, ==, opcode);
}

void pair_assert_same(PairSide *a, uint64_t a_iova, PairSide *b,
                      uint64_t b_iova, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        if (*pair_mr_ptr(a, a_iova + i) != *pair_mr_ptr(b, b_iova + i)) {
            g_error("byte %u of %u differs", i, len);
        }
    }
}

void pair_region_pages(PairSide *s, PairRegion *r)
{
    uint64_t run = td_alloc(s->d, 2 * PAIR_REGION_PAGES * RDO_PAGE_SIZE,
                            RDO_PAGE_SIZE);

    for (int i = 0; i < PAIR_REGION_PAGES; i++) {
        r->pages[i] = run + (uint64_t)(2 * (PAIR_REGION_PAGES - 1 - i)) *
                            RDO_PAGE_SIZE;
    }
    r->list = td_alloc(s->d, sizeof(r->pages), 8);
    memcpy(td_ptr(s->d, r->list), r->pages, sizeof(r->pages));
    r->iova = 0x7f3a12345123ull;
    r->length = PAIR_REGION_PAGES * RDO_PAGE_SIZE - 0x123 - 0x45;
}

uint8_t *pair_region_ptr(PairSide *s, const PairRegion *r, uint64_t va)
{
    uint64_t off = va - r->iova + (r->iova & (RDO_PAGE_SIZE - 1));

    g_assert_cmpuint(off >> RDO_PAGE_SHIFT, <, PAIR_REGION_PAGES);
    return td_ptr(s->d, r->pages[off >> RDO_PAGE_SHIFT] +
                        (off & (RDO_PAGE_SIZE - 1)));
}

void pair_region_check(PairSide *a, uint64_t a_iova, PairSide *b,
                       const PairRegion *r, uint64_t va, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        if (*pair_mr_ptr(a, a_iova + i) != *pair_region_ptr(b, r, va + i)) {
            g_error("byte %u of %u differs", i, len);
        }
    }
}

void pair_expect_refused(Pair *p, int i, const char *what,
                         struct rdo_send_wqe w, uint8_t opcode, uint8_t status,
                         uint32_t vendor_err, enum rdo_guest_err cls)
{
    PairSide *a = &p->s[0];
    uint32_t before = a->d->h->class_count[cls];
    struct rdo_send_wqe send = rdo_wqe(RDO_WR_SEND, w.wr_id + 0x100);
    struct rdo_cqe e;

    pair_connect(p, i, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_post_send(a, i, &w, NULL, 0, NULL);
    pair_post_send(a, i, &send, NULL, 0, NULL);
    g_assert_true(pair_run_cqes(p, 0, 2, PAIR_SEC));
    e = pair_poll(a);
    g_test_message("%s: status %u vendor_err %u", what, e.status,
                   e.vendor_err);
    g_assert_cmphex(e.wr_id, ==, w.wr_id);
    g_assert_cmphex(e.opcode, ==, opcode);
    g_assert_cmpuint(e.status, ==, status);
    g_assert_cmpuint(e.vendor_err, ==, vendor_err);
    g_assert_cmpuint(a->d->h->class_count[cls], ==, before + 1);
    pair_expect_cqe(a, send.wr_id, RDO_CQE_SEND, RDO_WC_WR_FLUSH_ERR);
}
