/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stddef.h>
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

static void op_push_ram_write(void *host, uint16_t page, uint32_t offset,
                              const void *buf, size_t len)
{
    TestDriver *d = host;

    g_assert_nonnull(d->h->push_ram);
    memcpy(d->h->push_ram + ((size_t)page << RDO_DB_PAGE_SHIFT) + offset,
           buf, len);
}

static const RdoPairOps pair_ops = {
    .cmd = op_cmd, .alloc = op_alloc, .write = op_write, .read = op_read,
    .doorbell = op_doorbell, .push_ram_write = op_push_ram_write,
};

RdoPairLayout pair_layout(uint16_t mod_count, uint16_t mod_usec)
{
    return (RdoPairLayout){
        .pdn = 0, .cqn = 0, .cq_log = PAIR_CQ_LOG,
        .mod_count = mod_count, .mod_usec = mod_usec,
        .mr_index = 1, .mr_iova = PAIR_MR_IOVA, .mr_len = PAIR_MR_LEN,
        .sq_log = PAIR_SQ_LOG, .sq_shift = 8,
        .rq_log = PAIR_RQ_LOG, .rq_shift = 6,
        .max_inline = 128, .qkey = 0x1234,
    };
}

void pair_side_attach(PairSide *s, TestDriver *d, const uint8_t mac[6],
                      const RdoPairLayout *layout, int index)
{
    uint32_t nslots = MAX(PAIR_QPS, d->h->core.cfg.max_qp);

    s->d = d;
    td_start(s->d);
    s->slots = g_new0(PairQp, nslots);
    rdo_pair_side_init(&s->rdo, &pair_ops, s->d, layout, s->slots, nslots);
    memcpy(s->mac, mac, 6);
    rdo_pair_side_setup(&s->rdo, index);
}

void pair_side_init(PairSide *s, const RdoConfig *cfg,
                    const RdoPairLayout *layout, int index)
{
    RdoConfig c = cfg ? *cfg : test_host_default_config();

    c.mac[5] = 0x10 + index;
    pair_side_attach(s, td_new(&c), c.mac, layout, index);
}

void pair_side_free(PairSide *s)
{
    td_free(s->d);
    g_free(s->slots);
}

static Pair *pair_new_full(const RdoConfig *cfg0, const RdoConfig *cfg1,
                           uint16_t mod_count, uint16_t mod_usec,
                           uint32_t pd_flags)
{
    Pair *p = g_new0(Pair, 1);

    p->layout = pair_layout(mod_count, mod_usec);
    p->layout.pd_flags = pd_flags;
    test_frames_init(&p->passing);
    pair_side_init(&p->s[0], cfg0, &p->layout, 0);
    pair_side_init(&p->s[1], cfg1, &p->layout, 1);
    /* The wire takes timed frames: no wake-up of the sender per frame. */
    test_host_timed_frames(p->s[0].d->h);
    test_host_timed_frames(p->s[1].d->h);
    return p;
}

Pair *pair_new_moderated(const RdoConfig *cfg, uint16_t mod_count,
                         uint16_t mod_usec)
{
    return pair_new_full(cfg, cfg, mod_count, mod_usec, 0);
}

Pair *pair_new(const RdoConfig *cfg)
{
    return pair_new_full(cfg, cfg, 0, 0, 0);
}

Pair *pair_new2(const RdoConfig *cfg0, const RdoConfig *cfg1)
{
    return pair_new_full(cfg0, cfg1, 0, 0, 0);
}

Pair *pair_new_kernel(const RdoConfig *cfg)
{
    return pair_new_full(cfg, cfg, 0, 0, RDO_PD_F_KERNEL);
}

void pair_free(Pair *p)
{
    if (p->pcap) {
        fclose(p->pcap);
    }
    test_frames_destroy(&p->passing);
    pair_side_free(&p->s[0]);
    pair_side_free(&p->s[1]);
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

    fwrite(rec, sizeof(rec), 1, p->pcap);
    fwrite(frame, len, 1, p->pcap);
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

uint32_t pair_ssq_fan(Pair *p, int i, int n)
{
    pair_create_ssq(p, i);
    for (int c = 0; c < n; c++) {
        pair_connect_fed(p, c, RDO_QPT_RC, RDO_MTU_4096 - 2, 2 + i);
    }
    return 2 + i;
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

void pair_post_rdma(Pair *p, int i, uint8_t opcode, uint64_t wr_id,
                    uint64_t src, uint64_t dst, uint32_t len)
{
    struct rdo_send_wqe w = { .opcode = opcode, .wr_id = wr_id,
                              .flags = RDO_WQE_F_SIGNALED };
    struct rdo_sge sge = pair_sge_of(&p->s[0], src, len);

    w.remote_addr = dst;
    w.rkey = p->s[1].mr_key;
    pair_post_send(&p->s[0], i, &w, &sge, 1, NULL);
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

/* One frame from side k over the wire (capture, tamper) to the other. */
static void pass(Pair *p, int k, const uint8_t *data, size_t len)
{
    TestHost *from = p->s[k].d->h, *to = p->s[1 - k].d->h;

    if (p->pcap) {
        capture(p, from->now_ns, data, len);
    }
    if (p->tamper) {
        uint8_t buf[PAIR_FRAME_MAX];
        size_t m = MIN(len, sizeof(buf));
        bool again = false;

        memcpy(buf, data, m);
        if (p->tamper(p, k, buf, &m, &again, p->tamper_opaque)) {
            rdo_core_receive(&to->core, buf, m);
            if (again) {
                rdo_core_receive(&to->core, buf, m);
            }
        }
    } else {
        rdo_core_receive(&to->core, data, len);
    }
}

/*
 * Side k's timed frames whose time has come, in order: they leave before
 * what the side's wake-ups at that time sent, as a release at the start
 * of the wake-up would have. The receiver's answers go to its own logs.
 */
static unsigned deliver_timed(Pair *p, int k)
{
    TestHost *from = p->s[k].d->h;
    TestFrameRing *r = &from->timed;
    unsigned moved = 0;

    while (r->count && r->front_ns <= from->now_ns) {
        const TestFrameAt *at = &r->at[r->first];

        /* The receiver never adds to the sender's ring: data stays put. */
        pass(p, k, r->data + at->off, at->len);
        test_ring_pop(r);
        moved++;
    }
    return moved;
}

/* Hands each side's frames to the other; returns how many moved. Out of
 * line: pair_step's steps without a frame stay light. */
static __attribute__((noinline)) unsigned deliver(Pair *p)
{
    unsigned moved = 0;

    for (int k = 0; k < 2; k++) {
        TestHost *from = p->s[k].d->h;
        /* Counted before the copy below: a load from a struct just copied
         * whole waits for the copy's store (no forwarding), at every step. */
        guint n = test_frames_count(&from->frames);
        TestFrames sent;

        moved += deliver_timed(p, k);
        if (!n) {
            continue;
        }
        sent = from->frames;
        /* The receiver's answers go to its own log, never this one; the
         * swap keeps both logs' space for reuse. */
        from->frames = p->passing;
        for (guint i = 0; i < n; i++) {
            size_t len;
            const uint8_t *data = test_frames_get(&sent, i, &len);

            pass(p, k, data, len);
        }
        moved += n;
        test_frames_reset(&sent);
        p->passing = sent;
    }
    p->frames += moved;
    return moved;
}

/*
 * One step: deliver frames, or advance time to the next wake-up. Each
 * side's state is read once: whether anything is to be delivered (then
 * deliver, in its order) and, if not, when its next timed frame leaves
 * and its wake-up is due (the step's work from them; four steps a frame
 * of a stream, most with nothing to deliver). A time of 0 is "none"
 * (as wakeup_ns and TestFrameRing.front_ns keep it): minus one, it is the
 * largest, so the earliest and "due" need no test of it.
 * A step that only moves the clock to a timed frame's time (no wake-up
 * due then) is followed by one that delivers it; with `then_deliver` it
 * delivers at once. Only for a caller that does nothing between the two
 * (pair_step_until_write: the clock alone writes no host memory): a
 * bench's post or poll there would come after the delivery, not before.
 */
static inline bool step(Pair *p, uint64_t end, bool then_deliver)
{
    TestHost *a = p->s[0].d->h, *b = p->s[1].d->h;
    uint64_t now = a->now_ns, front_m1, next_m1;

    /* One virtual clock for both, as QEMU's devices share theirs: a
     * command run on one side alone (td_cmd) moved that side's clock, and
     * the other catches up before anything crosses the wire. Otherwise a
     * frame reaches a side whose clock is ahead, its timed work waits for
     * that side's future while the sender's timers run out. */
    if (now != b->now_ns) {
        now = MAX(now, b->now_ns);
        a->now_ns = b->now_ns = now;
    }
    /* Something to deliver: a timed frame due (the clocks are one), a
     * frame in a log. deliver() moves at least that one. */
    front_m1 = MIN(a->timed.front_ns - 1, b->timed.front_ns - 1);
    if (front_m1 < now ||
        test_frames_count(&a->frames) || test_frames_count(&b->frames)) {
        deliver(p);
        return true;
    }
    /* The earliest of the timed fronts and wake-ups set; +1 wraps "none"
     * back to 0. */
    next_m1 = MIN(front_m1, MIN(a->wakeup_ns - 1, b->wakeup_ns - 1));
    if (next_m1 == UINT64_MAX || next_m1 >= end) {
        return false;
    }
    if (next_m1 >= now) {
        now = next_m1 + 1;
        a->now_ns = b->now_ns = now;
    }
    if (a->wakeup_ns - 1 < now) {
        a->wakeup_ns = 0;
        a->wakeups++;
        rdo_core_wakeup(&a->core);
        then_deliver = false;
    }
    /* b's clock after a's wake-up: a wake-up does not move the clock. */
    if (b->wakeup_ns - 1 < b->now_ns) {
        b->wakeup_ns = 0;
        b->wakeups++;
        rdo_core_wakeup(&b->core);
        then_deliver = false;
    }
    /* No wake-up was due, so the earliest was a timed front: due now. */
    if (then_deliver) {
        deliver(p);
    }
    return true;
}

bool pair_step(Pair *p, uint64_t end)
{
    return step(p, end, false);
}

bool pair_step_until_write(Pair *p, const PairSide *s, uint64_t writes,
                           uint64_t limit_ns)
{
    const TestHost *h = s->d->h, *a = p->s[0].d->h;

    do {
        if (!step(p, a->now_ns + limit_ns, true)) {
            return false;
        }
    } while (h->dma_writes == writes);
    return true;
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
    uint8_t log = s->layout->cq_log;
    const uint8_t *owner = td_ptr(s->d, rdo_ring_slot(s->cq, s->cq_ci, log, 5) +
                                        offsetof(struct rdo_cqe, owner));
    /* Copied from memory not just written: a CQE built on the stack and
     * read back whole stalled every poll (stores cannot forward). */
    static const struct rdo_cqe none = { .wr_id = PAIR_NO_CQE };
    struct rdo_cqe e;

    /* Most polls find nothing (the loops poll after every step): the
     * owner byte first, straight from guest memory. */
    if (!rdo_owner_is_sw(*owner, s->cq_ci, log) || !rdo_pair_poll(&s->rdo, &e)) {
        return none;
    }
    return e;
}

void pair_assert_fetch_add_once(PairSide *a, uint64_t a_iova, PairSide *b,
                                uint64_t b_iova)
{
    uint64_t old, now;

    memcpy(&old, pair_mr_ptr(a, a_iova), 8);
    memcpy(&now, pair_mr_ptr(b, b_iova), 8);
    g_assert_cmphex(old, ==, 0x1111111111111111ull);
    g_assert_cmphex(now, ==, 0x1212121212121212ull);
}

struct rdo_cqe pair_poll_success(PairSide *s, uint64_t below)
{
    struct rdo_cqe e = pair_poll(s);

    if (e.wr_id != PAIR_NO_CQE && (e.status != RDO_WC_SUCCESS || e.wr_id >= below)) {
        g_error("wr_id %" G_GUINT64_FORMAT " (of %" G_GUINT64_FORMAT "), CQE "
                "opcode %u on QP %u: status %u vendor_err %u", e.wr_id, below,
                e.opcode, e.qpn, e.status, e.vendor_err);
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

struct rdo_qp_attr pair_query_qp(PairSide *s, uint32_t qpn)
{
    struct rdo_cqp_cmd cmd = td_cmd_of(RDO_CMD_QUERY_QP, qpn);
    uint64_t out = td_alloc(s->d, sizeof(struct rdo_qp_attr), 8);
    struct rdo_qp_attr a;

    cmd.out_addr = out;
    g_assert_cmpuint(td_cmd(s->d, &cmd).status, ==, RDO_CQP_OK);
    memcpy(&a, td_ptr(s->d, out), sizeof(a));
    return a;
}
