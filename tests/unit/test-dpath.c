/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Data-path mechanisms, two adapter cores back to back: host DMAs cut at
 * cache lines (D16) with their counters in the DP window, the per-QP
 * notification delay (D12), buffered receive (D10).
 */
#include <inttypes.h>
#include <string.h>
#include "test-pair.h"
#include "timing-work.h"
#include "timing/timing.h"
#include "ctx/ctx.h"

/* A value of the data-path window (DP_SEL, DP_DATA), 64 bits. */
static uint64_t dp_read(PairSide *s, uint32_t index)
{
    TestHost *h = s->d->h;
    uint64_t lo, hi;

    test_reg_write(h, RDO_REG_DP_SEL, index);
    lo = test_reg_read(h, RDO_REG_DP_DATA);
    test_reg_write(h, RDO_REG_DP_SEL, index | RDO_DP_SEL_HI);
    hi = test_reg_read(h, RDO_REG_DP_DATA);
    return hi << 32 | lo;
}

typedef struct Cut {
    uint64_t head, tail, lines;
} Cut;

/* The pieces of [addr, addr + len) counted line by line, as the spec
 * words them: a piece that starts inside a line is a head, one that
 * starts on a line and ends inside it a tail, a whole line a line. */
static Cut expect_cut(uint64_t addr, uint64_t len, uint32_t line)
{
    Cut c = { 0, 0, 0 };

    for (uint64_t l = addr - addr % line; l < addr + len; l += line) {
        uint64_t s = MAX(l, addr), e = MIN(l + line, addr + len);

        if (s == l && e == l + line) {
            c.lines++;
        } else if (s != l) {
            c.head++;
        } else {
            c.tail++;
        }
    }
    return c;
}

static Cut dp_cut(PairSide *s)
{
    return (Cut){ dp_read(s, RDO_DP_DMA_HEAD_PIECES),
                  dp_read(s, RDO_DP_DMA_TAIL_PIECES),
                  dp_read(s, RDO_DP_DMA_FULL_LINES) };
}

/* Guest-physical address of a byte of a side's MR. */
static uint64_t mr_phys(PairSide *s, uint64_t iova)
{
    return TEST_HOST_MEM_BASE + (pair_mr_ptr(s, iova) - s->d->h->mem);
}

/*
 * Every DMA the host saw is one piece: inside one line, or whole lines;
 * and the counters are those pieces. Returns them.
 */
static Cut check_log(PairSide *s, uint32_t line)
{
    GArray *log = s->d->h->dma_log;
    Cut c = { 0, 0, 0 };

    for (guint i = 0; i < log->len; i++) {
        TestDma *d = &g_array_index(log, TestDma, i);
        uint64_t end = d->addr + d->len;

        g_assert_cmpuint(d->len, >, 0);
        if (d->addr % line == 0 && end % line == 0) {
            c.lines += d->len / line;
        } else {
            g_assert_cmpuint(d->addr / line, ==, (end - 1) / line);
            if (d->addr % line) {
                c.head++;
            } else {
                c.tail++;
            }
        }
    }
    return c;
}

static bool logged(PairSide *s, uint64_t addr, uint64_t len, bool write)
{
    GArray *log = s->d->h->dma_log;

    for (guint i = 0; i < log->len; i++) {
        TestDma *d = &g_array_index(log, TestDma, i);

        if (d->addr == addr && d->len == len && d->write == write) {
            return true;
        }
    }
    return false;
}

typedef struct CutRun {
    Cut a, b;                   /* each side's counters after the WRITE */
} CutRun;

/*
 * One RDMA WRITE of `len` bytes from A's MR at `src` to B's at `dst`, the
 * host cache line `line`: the data arrives, every host DMA is one piece,
 * the counters match the pieces, and B's placement of the payload is cut
 * exactly where the test computes from its address.
 */
/* Posts one RDMA WRITE on A's first QP and expects its completion. */
static void dp_write_once(Pair *p, const struct rdo_send_wqe *w,
                          const struct rdo_sge *sge)
{
    pair_post_send(&p->s[0], 0, w, sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(&p->s[0], w->wr_id, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
}

static CutRun cut_write(uint32_t line, uint64_t src, uint64_t dst,
                        uint32_t len)
{
    RdoConfig cfg = test_host_default_config();
    Pair *p;
    PairSide *a, *b;
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 7);
    struct rdo_sge sge;
    uint64_t phys, end;
    Cut la, lb;
    CutRun r;

    cfg.cache_line = line;
    p = pair_new(&cfg);
    a = &p->s[0];
    b = &p->s[1];
    g_assert_cmpuint(dp_read(a, RDO_DP_CACHE_LINE), ==, line);
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_fill(a, src, len, 3);
    a->d->h->dma_log = g_array_new(FALSE, FALSE, sizeof(TestDma));
    b->d->h->dma_log = g_array_new(FALSE, FALSE, sizeof(TestDma));
    sge = pair_sge_of(a, src, len);
    w.remote_addr = dst;
    w.rkey = b->mr_key;
    dp_write_once(p, &w, &sge);
    pair_assert_same(a, src, b, dst, len);
    r.a = dp_cut(a);
    r.b = dp_cut(b);
    /* The counters ran from the start; the log from the WRITE on. */
    la = check_log(a, line);
    lb = check_log(b, line);
    g_assert_cmpuint(la.head, <=, r.a.head);
    g_assert_cmpuint(lb.lines, <=, r.b.lines);
    /* The payload's pieces, where its address says (one MR page here). */
    phys = mr_phys(b, dst);
    end = phys + len;
    for (uint64_t at = phys; at < end;) {
        uint64_t next = MIN(end, at - at % line + line);
        uint64_t body_end = end - end % line;

        if (at % line == 0 && body_end > at) {
            next = body_end;    /* the whole lines as one piece */
        }
        g_assert_true(logged(b, at, next - at, true));
        at = next;
    }
    pair_free(p);
    return r;
}

static void check_cut_delta(uint32_t line, uint64_t off_src, uint64_t off_dst)
{
    const uint32_t len = 1000;
    uint64_t src = PAIR_SRC + 0x100, dst = PAIR_DST + 0x100;
    CutRun al = cut_write(line, src, dst, len);
    CutRun un = cut_write(line, src + off_src, dst + off_dst, len);
    Cut es0 = expect_cut(src, len, line), es1 = expect_cut(src + off_src, len, line);
    Cut ed0 = expect_cut(dst, len, line), ed1 = expect_cut(dst + off_dst, len, line);

    g_test_message("line %u: B heads %" PRIu64 "/%" PRIu64 " tails %" PRIu64
                   "/%" PRIu64 " lines %" PRIu64 "/%" PRIu64
                   " (aligned/unaligned)", line, al.b.head, un.b.head,
                   al.b.tail, un.b.tail, al.b.lines, un.b.lines);
    /* Everything else both sides do is the same in the two runs: the
     * difference is the payload's, computed from its addresses. */
    g_assert_cmpint(un.a.head - al.a.head, ==, es1.head - es0.head);
    g_assert_cmpint(un.a.tail - al.a.tail, ==, es1.tail - es0.tail);
    g_assert_cmpint(un.a.lines - al.a.lines, ==, es1.lines - es0.lines);
    g_assert_cmpint(un.b.head - al.b.head, ==, ed1.head - ed0.head);
    g_assert_cmpint(un.b.tail - al.b.tail, ==, ed1.tail - ed0.tail);
    g_assert_cmpint(un.b.lines - al.b.lines, ==, ed1.lines - ed0.lines);
    /* 1000 bytes from 0x100: no head; from 0x105 one, a line fewer. */
    g_assert_cmpuint(ed1.head, ==, 1);
    g_assert_cmpuint(ed0.head, ==, 0);
}

static void test_dma_cut_64(void)
{
    check_cut_delta(64, 0x5, 0x23);
}

static void test_dma_cut_128(void)
{
    check_cut_delta(128, 0x41, 0x7f);
}

/* Reads of side s's MR page list in its host log: their pieces, each a
 * whole 64-byte line of the list (the writes on arrival's copy) or one
 * entry (8 bytes inside a line: a placement's look at an entry its run's
 * copy no longer holds). `line_reads`: the whole lines. */
static Cut list_reads(PairSide *s, uint32_t line, unsigned *line_reads)
{
    GArray *log = s->d->h->dma_log;
    uint64_t list_end = s->mr_list + (PAIR_MR_LEN / RDO_PAGE_SIZE) * 8;
    Cut c = { 0, 0, 0 };

    *line_reads = 0;
    for (guint i = 0; i < log->len; i++) {
        TestDma *d = &g_array_index(log, TestDma, i);

        if (d->write || d->addr < s->mr_list || d->addr >= list_end) {
            continue;
        }
        if (d->len == RDO_MR_LIST_LINE) {
            g_assert_cmpuint(d->addr % RDO_MR_LIST_LINE, ==, 0);
            (*line_reads)++;
        } else {
            g_assert_cmpuint(d->len, ==, 8);
        }
        if (d->addr % line == 0 && d->len % line == 0) {
            c.lines += d->len / line;
        } else if (d->addr % line) {
            c.head++;
        } else {
            c.tail++;
        }
    }
    return c;
}

/* The pages of [off, off + len), an offset into the MR's pages. */
static unsigned pages_of(uint64_t off, uint64_t len)
{
    return (off + len - 1) / RDO_PAGE_SIZE - off / RDO_PAGE_SIZE + 1;
}

/*
 * A WRITE that B writes to memory as its packets arrive (its MR's context
 * cached) reads its page list a 64-byte line at a time into the host's
 * copy, uncounted; the placement at the end of the round is the model's
 * read of the line (timed and counted once, through the translation B
 * holds) and takes the pages from the copy. B's counters are exactly the
 * pieces of the DMAs in its log apart from the page-list reads, plus the
 * one line the model reads (the message's four or five entries lie in one
 * line of the list, another than the message before's); in the timing
 * model the data flow books that line and each page's write at the
 * placement. Four 4 KiB packets, page-aligned (one page each) or 2 KiB
 * into a page (two each). Issue 20's double read (both reads were
 * counted), then its line reads (mttline).
 */
static void check_list_read_once(bool timing, uint64_t in_page)
{
    RdoConfig cfg = test_host_default_config();
    const uint32_t len = 4 * 4096, line = cfg.cache_line;
    uint64_t dst = PAIR_DST + in_page;
    /* The second WRITE's entries: 16 pages on, in another list line. */
    uint64_t dst2 = dst + 16 * RDO_PAGE_SIZE;
    uint64_t mr_off = dst2 - PAIR_MR_IOVA;
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 7);
    unsigned packet_pages = 0, line_reads;
    uint64_t data_before = 0;
    struct rdo_sge sge;
    Cut before, after, logged_cut, list_cut;
    PairSide *a, *b;
    Pair *p;

    cfg.tm.on = timing;
    p = pair_new(&cfg);
    a = &p->s[0];
    b = &p->s[1];
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096);
    pair_fill(a, PAIR_SRC, len, 5);
    sge = pair_sge_of(a, PAIR_SRC, len);
    w.remote_addr = dst;
    w.rkey = b->mr_key;
    /* The first WRITE brings B's MR context into its cache. */
    dp_write_once(p, &w, &sge);
    g_assert_nonnull(rdo_mr_cached(&b->d->h->core, b->mr_key));

    pair_fill(a, PAIR_SRC, len, 6);
    before = dp_cut(b);
    if (timing) {
        data_before = b->d->h->core.st->tm->flows[RDO_FLOW_DATA].requests;
    }
    b->d->h->dma_log = g_array_new(FALSE, FALSE, sizeof(TestDma));
    w.wr_id = 8;
    w.remote_addr = dst2;
    dp_write_once(p, &w, &sge);
    pair_assert_same(a, PAIR_SRC, b, dst2, len);
    after = dp_cut(b);

    for (uint32_t at = 0; at < len; at += 4096) {
        packet_pages += pages_of(mr_off + at, 4096);
    }
    list_cut = list_reads(b, line, &line_reads);
    logged_cut = check_log(b, line);
    g_test_message("timing %d, %" PRIu64 " into a page: %u packet pages, "
                   "%u page-list lines read by the host, counted pieces %"
                   PRIu64 " partial, %" PRIu64 " lines", timing, in_page,
                   packet_pages, line_reads,
                   after.head + after.tail - before.head - before.tail,
                   after.lines - before.lines);
    /* The model's line: a full line with a 64-byte cache line, a head or
     * tail piece with a 128-byte one. */
    g_assert_cmpuint(after.lines - before.lines, ==,
                     logged_cut.lines - list_cut.lines +
                     (line == RDO_MR_LIST_LINE));
    g_assert_cmpuint(after.head + after.tail - before.head - before.tail, ==,
                     logged_cut.head + logged_cut.tail - list_cut.head -
                     list_cut.tail + (line != RDO_MR_LIST_LINE));
    /* The host read the line once; one packet a run (timing) needs no
     * entry again. */
    g_assert_cmpuint(line_reads, ==, 1);
    if (timing) {
        g_assert_cmpuint(list_cut.head + list_cut.tail + list_cut.lines, ==,
                         1);
        /* The placement's bus time: the line once, a write per page of
         * each placement (a packet each here). */
        g_assert_cmpuint(b->d->h->core.st->tm->flows[RDO_FLOW_DATA].requests -
                         data_before, ==, 1 + packet_pages);
    }
    pair_free(p);
}

static void test_list_read_once(void)
{
    check_list_read_once(false, 0);
    check_list_read_once(false, 2048);
    check_list_read_once(true, 0);
    check_list_read_once(true, 2048);
}

/* Bad line sizes refused; a DP_SEL past the window refused, kept. */
static void test_dma_bad_input(void)
{
    RdoConfig cfg = test_host_default_config();
    const char *why = NULL;
    Pair *p;

    cfg.cache_line = 96;
    g_assert_false(rdo_config_valid(&cfg, &why));
    g_assert_cmpstr(why, ==, "cache-line must be 64 or 128");
    cfg.cache_line = 256;
    g_assert_false(rdo_config_valid(&cfg, &why));
    cfg.cache_line = 128;
    g_assert_true(rdo_config_valid(&cfg, &why));

    p = pair_new(NULL);
    test_reg_write(p->s[0].d->h, RDO_REG_DP_SEL, RDO_DP_DMA_TRANSFERS);
    test_reg_write(p->s[0].d->h, RDO_REG_DP_SEL, RDO_DP__COUNT);
    g_assert_cmpuint(p->s[0].d->h->last_class, ==, RDO_GE_REG_BAD_VALUE);
    g_assert_cmpuint(test_reg_read(p->s[0].d->h, RDO_REG_DP_SEL), ==,
                     RDO_DP_DMA_TRANSFERS);
    g_assert_cmpuint(test_reg_read(p->s[0].d->h, RDO_REG_DP_DATA), >, 0);
    pair_free(p);
}

typedef struct NotifyRun {
    uint32_t cqes, irqs;
    double lat_ns;              /* SEND posted to the interrupt reporting it */
    uint32_t lat_max_ns;
} NotifyRun;

/* B's interrupt handler: EQ 0 drained and re-armed, the CQ polled (each
 * receive's latency from its SEND's post), receives posted again, the CQ
 * re-armed. */
static void notify_irq(PairSide *b, const uint64_t *post_ns, NotifyRun *r,
                       double *lat_sum)
{
    TestDriver *d = b->d;
    struct rdo_cqe e;

    while (td_eq0_next(d).type) {
    }
    td_doorbell(d, 0, RDO_DB_EQ, RDO_DB_VALUE(0, RDO_DB_EQ_ARM, d->eq0_ci));
    while ((e = pair_poll(b)).wr_id != PAIR_NO_CQE) {
        uint64_t lat = d->h->now_ns - post_ns[r->cqes];

        g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
        g_assert_cmpuint(e.wr_id, ==, r->cqes);     /* in order */
        g_assert_cmpuint(e.byte_len, ==, 64);
        *lat_sum += lat;
        r->lat_max_ns = MAX(r->lat_max_ns, lat);
        pair_post_recv(b, 0, r->cqes + 64, PAIR_DST + (r->cqes % 64) * 64, 64);
        r->cqes++;
    }
    td_doorbell(d, 0, RDO_DB_CQ, RDO_DB_VALUE(0, RDO_DB_CQ_ARM_NEXT, b->cq_ci));
}

/*
 * `msgs` 64-byte SENDs, `window` not yet reported to B, into B's RC QP with a notification
 * delay of `delay_us` (0: none), timing on; B takes its receive
 * completions on interrupts only. `solicited`: every SEND marked so.
 */
static NotifyRun notify_run(uint16_t delay_us, bool solicited, uint32_t msgs,
                            uint32_t window)
{
    RdoConfig cfg = work_config(true, 100, RDO_DEFAULT_QPC_CACHE, 0);
    Pair *p = pair_new(&cfg);
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_sge sge = pair_sge_of(a, PAIR_SRC, 64);
    uint64_t *post_ns = g_new0(uint64_t, msgs);
    uint32_t posted = 0, irqs = 0;
    NotifyRun r = { 0 };
    double lat_sum = 0;

    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    if (delay_us) {
        struct rdo_cmd_modify_qp m = { .notify_delay_usec = 4096 };

        /* Beyond the limit: refused, the QP as it was. */
        g_assert_cmpuint(pair_modify(b, b->qp[0].qpn, RDO_QPS_RTS,
                                     RDO_QP_ATTR_NOTIFY_DELAY, &m), ==,
                         RDO_CQP_BAD_PARAM);
        m.notify_delay_usec = delay_us;
        g_assert_cmpuint(pair_modify(b, b->qp[0].qpn, RDO_QPS_RTS,
                                     RDO_QP_ATTR_NOTIFY_DELAY, &m), ==,
                         RDO_CQP_OK);
    }
    for (uint32_t i = 0; i < 64; i++) {
        pair_post_recv(b, 0, i, PAIR_DST + i * 64, 64);
    }
    td_doorbell(b->d, 0, RDO_DB_EQ, RDO_DB_VALUE(0, RDO_DB_EQ_ARM, 0));
    td_doorbell(b->d, 0, RDO_DB_CQ, RDO_DB_VALUE(0, RDO_DB_CQ_ARM_NEXT, 0));
    while (r.cqes < msgs) {
        while (posted < msgs && posted - r.cqes < window) {
            struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, posted);

            if (solicited) {
                w.flags |= RDO_WQE_F_SOLICITED;
            }
            /* B's clock (the two hosts' clocks differ by the set-up). */
            post_ns[posted++] = b->d->h->now_ns;
            pair_post_send(a, 0, &w, &sge, 1, NULL);
        }
        g_assert_true(pair_step(p, UINT64_MAX));
        while (pair_poll(a).wr_id != PAIR_NO_CQE) {
        }
        if (b->d->h->irqs[0] != irqs) {
            irqs = b->d->h->irqs[0];
            notify_irq(b, post_ns, &r, &lat_sum);
        }
    }
    r.irqs = irqs;
    r.lat_ns = lat_sum / msgs;
    g_free(post_ns);
    pair_free(p);
    return r;
}

/*
 * D12: the same 256 SENDs with B's QP notification delay off, 10 us and
 * 50 us. A stream (16 outstanding): every message still completes (in
 * order, intact) with fewer interrupts as the delay grows, and none waits
 * much longer than the delay. One at a time: the latency the delay costs.
 * Solicited SENDs skip the delay.
 */
static void test_notify_delay(void)
{
    const uint32_t msgs = 256;
    NotifyRun off = notify_run(0, false, msgs, 16);
    NotifyRun d10 = notify_run(10, false, msgs, 16);
    NotifyRun d50 = notify_run(50, false, msgs, 16);
    NotifyRun sol = notify_run(50, true, msgs, 16);
    NotifyRun one_off = notify_run(0, false, 32, 1);
    NotifyRun one_d10 = notify_run(10, false, 32, 1);
    NotifyRun one_sol = notify_run(10, true, 32, 1);

    g_test_message("stream, irqs/msg and mean latency: delay off %.3f %.0f ns; "
                   "10 us %.3f %.0f ns (max %u); 50 us %.3f %.0f ns (max %u); "
                   "50 us solicited %.3f %.0f ns",
                   (double)off.irqs / msgs, off.lat_ns,
                   (double)d10.irqs / msgs, d10.lat_ns, d10.lat_max_ns,
                   (double)d50.irqs / msgs, d50.lat_ns, d50.lat_max_ns,
                   (double)sol.irqs / msgs, sol.lat_ns);
    g_test_message("one at a time, latency: delay off %.0f ns, 10 us %.0f ns, "
                   "10 us solicited %.0f ns", one_off.lat_ns, one_d10.lat_ns,
                   one_sol.lat_ns);
    g_assert_cmpuint(off.cqes, ==, msgs);
    g_assert_cmpuint(d10.cqes, ==, msgs);
    g_assert_cmpuint(d50.cqes, ==, msgs);
    g_assert_cmpuint(d10.irqs * 4, <, off.irqs);
    g_assert_cmpuint(d50.irqs, <, d10.irqs);
    /* Bounded by the delay plus the transfer (a few us here). */
    g_assert_cmpuint(d10.lat_max_ns, <, 10000 + 20000);
    g_assert_cmpuint(d50.lat_max_ns, <, 50000 + 20000);
    g_assert_cmpfloat(d50.lat_ns, >, 50000);
    /* Alone, a message waits the delay out (counted from when the
     * receive pipeline takes the packet, ahead of the CQE's model time). */
    g_assert_cmpfloat(one_d10.lat_ns, >, one_off.lat_ns + 8000);
    g_assert_cmpfloat(one_d10.lat_ns, <, one_off.lat_ns + 11000);
    /* Urgent messages: as without a delay. */
    g_assert_cmpuint(sol.irqs * 2, >, off.irqs);
    g_assert_cmpfloat(one_sol.lat_ns, <, one_off.lat_ns + 1000);
}

/*
 * Expedited delivery (D10, D12): a SEND held by a long notification delay
 * (4 ms), then a solicited one on the same QP: the interrupt comes with
 * the solicited SEND, long before the first one's deadline, and reports
 * both, in order. Without the solicited mark the second waits too.
 */
static void notify_expedite_run(bool solicited)
{
    RdoConfig cfg = work_config(true, 100, RDO_DEFAULT_QPC_CACHE, 0);
    Pair *p = pair_new(&cfg);
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_sge sge = pair_sge_of(a, PAIR_SRC + 0x11, 64);
    struct rdo_cmd_modify_qp m = { .notify_delay_usec = 4000 };
    struct rdo_send_wqe w;
    uint64_t t0, held;

    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    g_assert_cmpuint(pair_modify(b, b->qp[0].qpn, RDO_QPS_RTS,
                                 RDO_QP_ATTR_NOTIFY_DELAY, &m), ==, RDO_CQP_OK);
    pair_fill(a, PAIR_SRC, 4096, 5);
    for (uint32_t i = 0; i < 2; i++) {
        pair_post_recv(b, 0, i, PAIR_DST + i * 0x1003, 64);
    }
    td_doorbell(b->d, 0, RDO_DB_EQ, RDO_DB_VALUE(0, RDO_DB_EQ_ARM, 0));
    td_doorbell(b->d, 0, RDO_DB_CQ, RDO_DB_VALUE(0, RDO_DB_CQ_ARM_NEXT, 0));
    t0 = b->d->h->now_ns;
    w = rdo_wqe(RDO_WR_SEND, 0);
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    /* A's completion: the ACK, after B wrote its CQE. */
    g_assert_true(pair_run_cqes(p, 0, 1, 1000000));
    g_assert_cmphex(pair_poll(a).wr_id, ==, 0);
    g_assert_cmpuint(pair_cq_ready(b), ==, 1);
    g_assert_cmpuint(b->d->h->irqs[0], ==, 0);          /* held */
    w = rdo_wqe(RDO_WR_SEND, 1);
    if (solicited) {
        w.flags |= RDO_WQE_F_SOLICITED;
    }
    sge.addr += 64;
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    while (!b->d->h->irqs[0]) {
        g_assert_true(pair_step(p, UINT64_MAX));
    }
    held = b->d->h->now_ns - t0;
    g_test_message("notification delay 4000 us, second SEND %ssolicited: "
                   "interrupt %.1f us after the first was posted",
                   solicited ? "" : "not ", held / 1000.0);
    if (solicited) {
        g_assert_cmpuint(held, <, 1000000);
    } else {
        g_assert_cmpuint(held, >=, 4000000);
    }
    g_assert_cmpuint(b->d->h->irqs[0], ==, 1);
    for (uint32_t i = 0; i < 2; i++) {
        struct rdo_cqe e = pair_poll(b);

        g_assert_cmphex(e.wr_id, ==, i);
        g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
        g_assert_cmpuint(!!(e.flags & RDO_CQE_F_SOLICITED), ==, solicited && i);
        pair_assert_same(a, PAIR_SRC + 0x11 + i * 64, b, PAIR_DST + i * 0x1003, 64);
    }
    pair_free(p);
}

static void test_notify_expedite(void)
{
    notify_expedite_run(true);
    notify_expedite_run(false);
}

/* A pair with buffered receive of `bytes` (0: off), QP slot 0 RC at MTU
 * 1024, side 0's source filled. */
static Pair *bufrecv_pair(uint32_t bytes)
{
    RdoConfig cfg = test_host_default_config();
    Pair *p;

    cfg.bufrecv_bytes = bytes;
    p = pair_new(&cfg);
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_fill(&p->s[0], PAIR_SRC, 64 << 10, 9);
    g_assert_cmpuint(dp_read(&p->s[1], RDO_DP_BUFRECV_SIZE), ==, bytes);
    return p;
}

/* Side 0 sends `len` bytes from an unaligned offset of its source. */
static void send_from(Pair *p, uint64_t wr_id, uint64_t off, uint32_t len)
{
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, wr_id);
    struct rdo_sge sge = pair_sge_of(&p->s[0], PAIR_SRC + off, len);

    pair_post_send(&p->s[0], 0, &w, &sge, 1, NULL);
}

/* The next receive completion of side 1: wr_id, length, the bytes. */
static void expect_recv(Pair *p, uint64_t wr_id, uint64_t dst, uint64_t src_off,
                        uint32_t len)
{
    struct rdo_cqe e;

    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    e = pair_poll(&p->s[1]);
    g_assert_cmphex(e.wr_id, ==, wr_id);
    g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
    g_assert_cmpuint(e.opcode, ==, RDO_CQE_RECV);
    g_assert_cmpuint(e.byte_len, ==, len);
    pair_assert_same(&p->s[0], PAIR_SRC + src_off, &p->s[1], dst, len);
}

/*
 * SENDs (one packet, three packets, one) to a QP with no receive posted:
 * held, acknowledged without an RNR NAK, counted; placed in order, each
 * into the receive posted for it, into unaligned buffers.
 */
static void test_bufrecv_held(void)
{
    Pair *p = bufrecv_pair(64 << 10);
    PairSide *a = &p->s[0], *b = &p->s[1];
    static const uint32_t len[3] = { 100, 3000, 64 };
    static const uint64_t off[3] = { 0x13, 0x207, 0x1ff1 };

    for (int i = 0; i < 3; i++) {
        send_from(p, i, off[i], len[i]);
    }
    g_assert_true(pair_run_cqes(p, 0, 3, PAIR_SEC));
    for (int i = 0; i < 3; i++) {
        pair_expect_cqe(a, i, RDO_CQE_SEND, RDO_WC_SUCCESS);
    }
    g_assert_cmpuint(pair_cnt(b, RDO_REG_CNT_NAKS_SENT), ==, 0);
    g_assert_cmpuint(b->d->h->xport_events[RDO_XE_RNR_SENT], ==, 0);
    g_assert_cmpuint(dp_read(b, RDO_DP_BUFRECV_HELD), ==, 3);
    g_assert_cmpuint(dp_read(b, RDO_DP_BUFRECV_BYTES), ==, 3164);
    g_assert_cmpuint(pair_cq_ready(b), ==, 0);
    for (int i = 0; i < 3; i++) {
        uint64_t dst = PAIR_DST + 0x1000 * i + 0x35;

        pair_post_recv(b, 0, 0x70 + i, dst, 4096);
        expect_recv(p, 0x70 + i, dst, off[i], len[i]);
        g_assert_cmpuint(dp_read(b, RDO_DP_BUFRECV_PLACED), ==, i + 1);
    }
    g_assert_cmpuint(dp_read(b, RDO_DP_BUFRECV_BYTES), ==, 0);
    /* With a receive posted, a SEND goes straight through. */
    pair_post_recv(b, 0, 0x80, PAIR_DST, 4096);
    send_from(p, 9, 0x40, 500);
    expect_recv(p, 0x80, PAIR_DST, 0x40, 500);
    g_assert_cmpuint(dp_read(b, RDO_DP_BUFRECV_HELD), ==, 3);
    pair_free(p);
}

/*
 * A 4 KiB buffer: a 2000-byte SEND is held; a 3000-byte SEND (3 packets)
 * outgrows it at its third packet and is given back with an RNR NAK; a
 * third SEND behind it waits. Posting receives places the first, then the
 * requester's retries deliver the others, in order and intact.
 */
static void test_bufrecv_full(void)
{
    Pair *p = bufrecv_pair(4096);
    PairSide *b = &p->s[1];

    send_from(p, 1, 0x11, 2000);
    send_from(p, 2, 0x1001, 3000);
    send_from(p, 3, 0x3003, 800);
    g_assert_false(pair_run_cqes(p, 0, 3, 300000));
    g_assert_cmpuint(dp_read(b, RDO_DP_BUFRECV_HELD), ==, 1);
    g_assert_cmpuint(dp_read(b, RDO_DP_BUFRECV_FULL), >=, 1);
    g_assert_cmpuint(dp_read(b, RDO_DP_BUFRECV_BYTES), ==, 2000);
    g_assert_cmpuint(b->d->h->xport_events[RDO_XE_RNR_SENT], >=, 1);
    for (int i = 0; i < 3; i++) {
        pair_post_recv(b, 0, 0x90 + i, PAIR_DST + 0x1000 * i + 7, 4096);
    }
    expect_recv(p, 0x90, PAIR_DST + 7, 0x11, 2000);
    expect_recv(p, 0x91, PAIR_DST + 0x1007, 0x1001, 3000);
    expect_recv(p, 0x92, PAIR_DST + 0x2007, 0x3003, 800);
    g_assert_true(pair_run_cqes(p, 0, 3, PAIR_SEC));
    for (int i = 1; i <= 3; i++) {
        pair_expect_cqe(&p->s[0], i, RDO_CQE_SEND, RDO_WC_SUCCESS);
    }
    g_assert_cmpuint(dp_read(b, RDO_DP_BUFRECV_BYTES), ==, 0);
    g_assert_cmpuint(dp_read(b, RDO_DP_BUFRECV_HELD), ==,
                     dp_read(b, RDO_DP_BUFRECV_PLACED));
    pair_free(p);
}

/*
 * A WRITE with immediate behind a held SEND waits (RNR) rather than take
 * a receive first: the completions come SEND, then WRITE. (Posting a
 * receive places the held SEND at once, so the WRITE finds none free
 * either way here; /dpath/bufrecv/pending-mr has a receive free that the
 * SEND cannot take yet.)
 */
static void test_bufrecv_order_write_imm(void)
{
    Pair *p = bufrecv_pair(64 << 10);
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE_IMM, 5);
    struct rdo_sge sge = pair_sge_of(a, PAIR_SRC + 0x500, 200);
    struct rdo_cqe e;

    send_from(p, 4, 0x21, 300);
    w.remote_addr = PAIR_DST + 0x3000;
    w.rkey = b->mr_key;
    w.imm_or_rkey = 0xabcd;
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    g_assert_false(pair_run_cqes(p, 0, 2, 300000));
    pair_post_recv(b, 0, 0xa0, PAIR_DST + 9, 4096);
    pair_post_recv(b, 0, 0xa1, PAIR_DST + 0x2000, 4096);
    expect_recv(p, 0xa0, PAIR_DST + 9, 0x21, 300);
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    e = pair_poll(b);
    g_assert_cmphex(e.wr_id, ==, 0xa1);
    g_assert_cmpuint(e.opcode, ==, RDO_CQE_RECV_RDMA_WITH_IMM);
    g_assert_cmphex(e.imm_or_rkey, ==, 0xabcd);
    pair_assert_same(a, PAIR_SRC + 0x500, b, PAIR_DST + 0x3000, 200);
    pair_free(p);
}

/*
 * Held SENDs go with their QP: moved to ERR (dropped, counted, the bytes
 * given back), and destroyed while holding; a pair freed while holding
 * frees them (valgrind / ASan see no leak).
 */
static void test_bufrecv_qp_gone(void)
{
    Pair *p = bufrecv_pair(64 << 10);
    PairSide *b = &p->s[1];

    send_from(p, 1, 0x10, 1500);
    send_from(p, 2, 0x800, 700);
    g_assert_true(pair_run_cqes(p, 0, 2, PAIR_SEC));
    g_assert_cmpuint(dp_read(b, RDO_DP_BUFRECV_BYTES), ==, 2200);
    g_assert_cmpuint(pair_modify(b, b->qp[0].qpn, RDO_QPS_ERR, 0, NULL), ==,
                     RDO_CQP_OK);
    g_assert_cmpuint(dp_read(b, RDO_DP_BUFRECV_DROPPED), ==, 2);
    g_assert_cmpuint(dp_read(b, RDO_DP_BUFRECV_BYTES), ==, 0);
    pair_free(p);

    p = bufrecv_pair(64 << 10);
    b = &p->s[1];
    send_from(p, 1, 0x10, 1500);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    rdo_pair_cmd_ok(&b->rdo, rdo_cmd_new(RDO_CMD_DESTROY_QP, b->qp[0].qpn));
    g_assert_cmpuint(dp_read(b, RDO_DP_BUFRECV_DROPPED), ==, 1);
    g_assert_cmpuint(dp_read(b, RDO_DP_BUFRECV_BYTES), ==, 0);
    /* A receive doorbell for the gone QP is refused, nothing placed. */
    pair_free(p);

    p = bufrecv_pair(64 << 10);
    send_from(p, 1, 0x10, 1500);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    g_assert_cmpuint(dp_read(&p->s[1], RDO_DP_BUFRECV_BYTES), ==, 1500);
    pair_free(p);
}

/* A side's core saved, made again and loaded: it saves to the same bytes
 * again. Returns the stream (g_free it). */
static uint8_t *reload(TestHost *h, size_t *len)
{
    RdoConfig cfg = h->core.cfg;
    const RdoHostOps *ops = h->core.ops;
    uint8_t *buf = rdo_core_save(&h->core, len);
    g_autofree uint8_t *again = NULL;
    size_t len2;
    char *why = NULL;

    rdo_core_destroy(&h->core);
    rdo_core_init(&h->core, &cfg, ops, h);
    if (!rdo_core_load(&h->core, buf, *len, &why)) {
        g_error("load refused: %s", why);
    }
    again = rdo_core_save(&h->core, &len2);
    g_assert_cmpmem(buf, *len, again, len2);
    return buf;
}

/*
 * Held SENDs are hard state (acknowledged already): B saved while holding
 * two, made again and loaded, saves to the same bytes and places both
 * after; a device with another buffer size refuses the stream.
 */
static void test_bufrecv_migrate(void)
{
    Pair *p = bufrecv_pair(8192);
    PairSide *b = &p->s[1];
    TestHost *h = b->d->h;
    RdoConfig cfg = h->core.cfg;
    g_autofree uint8_t *buf = NULL;
    size_t len;
    char *why = NULL;
    TestHost *small;

    send_from(p, 1, 0x31, 2500);
    send_from(p, 2, 0x1003, 90);
    g_assert_true(pair_run_cqes(p, 0, 2, PAIR_SEC));
    buf = reload(h, &len);
    g_assert_cmpuint(dp_read(b, RDO_DP_BUFRECV_BYTES), ==, 2590);
    pair_post_recv(b, 0, 0xb0, PAIR_DST + 3, 4096);
    pair_post_recv(b, 0, 0xb1, PAIR_DST + 0x1005, 4096);
    expect_recv(p, 0xb0, PAIR_DST + 3, 0x31, 2500);
    expect_recv(p, 0xb1, PAIR_DST + 0x1005, 0x1003, 90);

    /* The same stream into a device with a 2 KiB buffer: refused (the
     * configuration differs; a stream holding more than the buffer is
     * refused by the section's own check as well). */
    cfg.bufrecv_bytes = 2048;
    small = test_host_new(&cfg, 4096);
    g_assert_false(rdo_core_load(&small->core, buf, len, &why));
    g_test_message("refused: %s", why);
    g_free(why);
    test_host_free(small);
    pair_free(p);
}

/*
 * A held SEND, then a receive into an MR whose registration is still
 * queued (scattered pages, the buffer 0x234 into the first): the SEND
 * waits for the registration, not for another doorbell, and lands there.
 * A WRITE with immediate that arrives meanwhile, with a second receive
 * free, waits (RNR) instead of completing it ahead of the SEND.
 */
static void test_bufrecv_pending_mr(void)
{
    enum { PAGES = 4, INDEX = 30, KEY = 0x21 };
    Pair *p = bufrecv_pair(64 << 10);
    PairSide *a = &p->s[0], *b = &p->s[1];
    uint64_t run = td_alloc(b->d, 2 * PAGES * RDO_PAGE_SIZE, RDO_PAGE_SIZE);
    uint64_t pages[PAGES], list = td_alloc(b->d, sizeof(pages), 8);
    uint64_t iova = 0x7f3000000234ull;
    struct rdo_cqp_cmd reg;
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE_IMM, 5);
    struct rdo_sge sge;
    struct rdo_cqe e;

    /* Every other page, in reverse order. */
    for (int i = 0; i < PAGES; i++) {
        pages[i] = run + (uint64_t)(2 * (PAGES - 1 - i)) * RDO_PAGE_SIZE;
    }
    memcpy(td_ptr(b->d, list), pages, sizeof(pages));
    send_from(p, 4, 0x29, 5000);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    g_assert_cmpuint(dp_read(b, RDO_DP_BUFRECV_BYTES), ==, 5000);

    reg = rdo_cmd_reg_mr(INDEX, KEY, 0, iova, PAGES * RDO_PAGE_SIZE - 0x234,
                         list, PAGES);
    reg.u.reg_mr.access = RDO_ACCESS_LOCAL_WRITE;
    td_post(b->d, &reg);
    td_ring_cqp(b->d);
    sge = rdo_sge(iova, 6000, RDO_MR_KEY(INDEX, KEY));
    pair_post_recv_sges(b, 0, 0xc0, &sge, 1);
    pair_post_recv(b, 0, 0xc1, PAIR_DST, 4096);
    g_assert_cmpuint(pair_cq_ready(b), ==, 0);      /* not before it registers */

    sge = pair_sge_of(a, PAIR_SRC + 0x500, 200);
    w.remote_addr = PAIR_DST + 0x3000;
    w.rkey = b->mr_key;
    w.imm_or_rkey = 0x77;
    pair_post_send(a, 0, &w, &sge, 1, NULL);

    g_assert_true(pair_run_cqes(p, 1, 2, PAIR_SEC));
    e = pair_poll(b);
    g_assert_cmphex(e.wr_id, ==, 0xc0);
    g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
    g_assert_cmpuint(e.byte_len, ==, 5000);
    for (uint32_t i = 0; i < 5000; i++) {
        uint64_t off = 0x234 + i;

        g_assert_cmpuint(*(uint8_t *)td_ptr(b->d, pages[off / RDO_PAGE_SIZE] +
                                            off % RDO_PAGE_SIZE), ==,
                         *pair_mr_ptr(a, PAIR_SRC + 0x29 + i));
    }
    e = pair_poll(b);
    g_assert_cmphex(e.wr_id, ==, 0xc1);
    g_assert_cmpuint(e.opcode, ==, RDO_CQE_RECV_RDMA_WITH_IMM);
    g_assert_cmphex(e.imm_or_rkey, ==, 0x77);
    pair_assert_same(a, PAIR_SRC + 0x500, b, PAIR_DST + 0x3000, 200);
    g_assert_cmpuint(dp_read(b, RDO_DP_BUFRECV_PLACED), ==, 1);
    pair_free(p);
}

/* Off (the default): an RNR NAK as before, nothing held. */
static void test_bufrecv_off(void)
{
    Pair *p = bufrecv_pair(0);
    PairSide *b = &p->s[1];

    send_from(p, 1, 0, 100);
    g_assert_false(pair_run_cqes(p, 0, 1, 300000));
    g_assert_cmpuint(b->d->h->xport_events[RDO_XE_RNR_SENT], >=, 1);
    g_assert_cmpuint(dp_read(b, RDO_DP_BUFRECV_HELD), ==, 0);
    g_assert_cmpuint(dp_read(b, RDO_DP_BUFRECV_FULL), ==, 0);
    pair_post_recv(b, 0, 1, PAIR_DST, 4096);
    expect_recv(p, 1, PAIR_DST, 0, 100);
    pair_free(p);
}

/* SRQ_PARTIAL on side 1's SRQ: the command's status. */
static uint8_t srq_partial(PairSide *s, uint32_t srqn, uint8_t shift)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_new(RDO_CMD_SRQ_PARTIAL, srqn);

    cmd.u.srq_partial.stride_shift = shift;
    return rdo_pair_cmd(&s->rdo, cmd, NULL);
}

/* A receive WQE of `n` SGEs of the side's MR into the SRQ, its doorbell. */
static void srq_post(PairSide *s, RdoPairSrq *q, uint64_t wr_id,
                     const uint64_t *iova, const uint32_t *len, int n)
{
    size_t size = 1u << s->layout->rq_shift;
    g_autofree uint8_t *slot = g_malloc(size);
    struct rdo_sge sge[3];

    for (int i = 0; i < n; i++) {
        sge[i] = pair_sge_of(s, iova[i], len[i]);
    }
    g_assert_true(rdo_build_recv_slot(slot, size, wr_id, sge, n));
    memcpy(td_ptr(s->d, rdo_ring_slot(q->ring, q->pi, q->log_size,
                                      s->layout->rq_shift)), slot, size);
    q->pi++;
    td_doorbell(s->d, 0, RDO_DB_SRQ, RDO_DB_VALUE(q->srqn, 0, q->pi));
}

typedef struct PartMsg {
    int qp;                     /* side 0's slot that sends it */
    uint32_t src, len;          /* from PAIR_SRC + src */
} PartMsg;

typedef struct PartCqe {
    int msg;                    /* the message that makes it */
    uint64_t wr_id;
    uint32_t offset, len;
    bool done;
} PartCqe;

/*
 * Partial buffer operation: SRQ 0 of side 1 with a 64-byte stride, two
 * QPs on it. Buffer 0xd0 (1000 bytes in two SGEs on scattered, unaligned
 * places) takes the first three single-packet SENDs of both QPs at 0,
 * 128, 384 (the third across the SGE boundary); the fourth does not fit
 * the rest: a 0-byte BUF_DONE completion gives 0xd0 back and it goes to
 * 0xd1 at 0; a multi-packet SEND takes 0xd2 whole, after 0xd1 is given
 * back. Each completion says where; the bytes are there. B is migrated
 * (saved, made again, loaded) with 0xd0 in use half-way.
 */
static void test_partial_pack(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    static const PartMsg msg[] = {
        { 0, 0x11, 100 }, { 1, 0x203, 200 }, { 0, 0x405, 300 },
        { 1, 0x807, 500 }, { 0, 0x1009, 3000 },
    };
    static const PartCqe want[] = {
        { 0, 0xd0, 0, 100, false }, { 1, 0xd0, 128, 200, false },
        { 2, 0xd0, 384, 300, false }, { 3, 0xd0, 684, 0, true },
        { 3, 0xd1, 0, 500, false }, { 4, 0xd1, 500, 0, true },
        { 4, 0xd2, 0, 3000, true },
    };
    /* Where each buffer's bytes are, in order: (iova, len) runs. */
    const uint64_t b0[2] = { PAIR_DST + 0x3013, PAIR_DST + 0x1021 };
    const uint32_t l0[2] = { 600, 400 };
    const uint64_t b1 = PAIR_DST + 0x5007, b2 = PAIR_DST + 0x6005;
    const uint32_t l1 = 1000, l2 = 4096;
    RdoPairSrq srq;
    int m = 0;

    rdo_pair_create_srq(&b->rdo, &srq, 0, 4);
    g_assert_cmpuint(srq_partial(b, 0, 6), ==, RDO_CQP_OK);
    b->qp_on_srq = true;
    b->qp_srqn = 0;
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_connect(p, 1, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_fill(a, PAIR_SRC, 0x2000, 5);
    srq_post(b, &srq, 0xd0, b0, l0, 2);
    srq_post(b, &srq, 0xd1, &b1, &l1, 1);
    srq_post(b, &srq, 0xd2, &b2, &l2, 1);
    for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
        struct rdo_cqe e;

        while (m <= want[i].msg) {
            struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, m);
            struct rdo_sge sge = pair_sge_of(a, PAIR_SRC + msg[m].src,
                                             msg[m].len);

            pair_post_send(a, msg[m].qp, &w, &sge, 1, NULL);
            m++;
        }
        if (i == 2) {
            size_t len;

            g_free(reload(b->d->h, &len));
        }
        g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
        e = pair_poll(b);
        g_test_message("cqe %u: wr %#" PRIx64 " offset %u len %u flags %#x",
                       i, e.wr_id, e.offset, e.byte_len, e.flags);
        g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
        g_assert_cmphex(e.wr_id, ==, want[i].wr_id);
        g_assert_cmpuint(e.flags & RDO_CQE_F_OFFSET, !=, 0);
        g_assert_cmpuint(e.offset, ==, want[i].offset);
        g_assert_cmpuint(e.byte_len, ==, want[i].len);
        g_assert_cmpuint(!!(e.flags & RDO_CQE_F_BUF_DONE), ==, want[i].done);
        if (want[i].len) {
            const PartMsg *s = &msg[want[i].msg];

            g_assert_cmpuint(e.qpn, ==, b->qp[s->qp].qpn);
            for (uint32_t k = 0; k < s->len; k++) {
                uint64_t at = want[i].offset + k, dst;

                dst = want[i].wr_id == 0xd0 ?
                      (at < l0[0] ? b0[0] + at : b0[1] + at - l0[0]) :
                      (want[i].wr_id == 0xd1 ? b1 : b2) + at;
                g_assert_cmpuint(*pair_mr_ptr(b, dst), ==,
                                 *pair_mr_ptr(a, PAIR_SRC + s->src + k));
            }
        }
    }
    g_assert_true(pair_run_cqes(p, 0, m, PAIR_SEC));
    g_assert_cmpuint(pair_cnt(b, RDO_REG_CNT_NAKS_SENT), ==, 0);
    pair_free(p);
}

/*
 * A UD QP on a partial SRQ: each datagram takes a buffer whole and its
 * completion is a UD one (src_qpn, GRH; no OFFSET in its place), while an
 * RC QP on the same SRQ packs its SENDs into the buffer in use.
 */
static void test_partial_ud(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, 1);
    struct rdo_sge sge = pair_sge_of(a, PAIR_SRC, 100);
    struct rdo_ud_seg ud = { .qkey = 0x1234 };
    RdoPairSrq srq;
    struct rdo_cqe e;

    rdo_pair_create_srq(&b->rdo, &srq, 0, 4);
    g_assert_cmpuint(srq_partial(b, 0, 6), ==, RDO_CQP_OK);
    b->qp_on_srq = true;
    b->qp_srqn = 0;
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_connect(p, 1, RDO_QPT_UD, RDO_MTU_4096 - 2);
    pair_fill(a, PAIR_SRC, 0x1000, 8);
    for (int i = 0; i < 3; i++) {
        rdo_pair_post_srq_recv(&b->rdo, &srq, 0xf0 + i, PAIR_DST + 0x1000 * i,
                               2048);
    }
    pair_post_send(a, 0, &w, &sge, 1, NULL);        /* RC: 0xf0 at 0 */
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    e = pair_poll(b);
    g_assert_cmphex(e.wr_id, ==, 0xf0);
    g_assert_cmphex(e.flags, ==, RDO_CQE_F_OFFSET);
    ud.dest_qpn = b->qp[1].qpn;
    memcpy(ud.dmac, b->mac, 6);
    memcpy(ud.dgid, b->gid, 16);
    pair_post_send(a, 1, &w, &sge, 1, &ud);         /* UD: 0xf1 whole */
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    e = pair_poll(b);
    g_assert_cmphex(e.wr_id, ==, 0xf1);
    g_assert_cmphex(e.flags, ==, RDO_CQE_F_GRH);
    g_assert_cmpuint(e.src_qpn, ==, a->qp[1].qpn);
    g_assert_cmpuint(e.byte_len, ==, 140);
    pair_assert_same(a, PAIR_SRC, b, PAIR_DST + 0x1000 + 40, 100);
    pair_post_send(a, 0, &w, &sge, 1, NULL);        /* RC: 0xf0 at 128 */
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    e = pair_poll(b);
    g_assert_cmphex(e.wr_id, ==, 0xf0);
    g_assert_cmpuint(e.offset, ==, 128);
    pair_assert_same(a, PAIR_SRC, b, PAIR_DST + 128, 100);
    pair_free(p);
}

/* SRQ_PARTIAL refused: bad stride, reserved bits, no such SRQ, a buffer
 * in use; a foreign SRQ number: NOT_FOUND. */
static void test_partial_bad_input(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_cqp_cmd cmd = rdo_cmd_new(RDO_CMD_SRQ_PARTIAL, 0);
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, 1);
    struct rdo_sge sge = pair_sge_of(a, PAIR_SRC, 64);
    RdoPairSrq srq;

    rdo_pair_create_srq(&b->rdo, &srq, 0, 4);
    g_assert_cmpuint(srq_partial(b, 0, 5), ==, RDO_CQP_BAD_PARAM);
    g_assert_cmpuint(srq_partial(b, 0, 13), ==, RDO_CQP_BAD_PARAM);
    g_assert_cmpuint(srq_partial(b, 3, 6), ==, RDO_CQP_NOT_FOUND);
    g_assert_cmpuint(srq_partial(b, 100000, 6), ==, RDO_CQP_BAD_INDEX);
    cmd.u.srq_partial.stride_shift = 6;
    cmd.u.srq_partial.reserved[1] = 1;
    g_assert_cmpuint(rdo_pair_cmd(&b->rdo, cmd, NULL), ==, RDO_CQP_BAD_RESERVED);
    g_assert_cmpuint(b->d->h->class_count[RDO_GE_CQP_CMD_FAILED], ==, 5);
    g_assert_cmpuint(srq_partial(b, 0, 7), ==, RDO_CQP_OK);
    b->qp_on_srq = true;
    b->qp_srqn = 0;
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    rdo_pair_post_srq_recv(&b->rdo, &srq, 0xe0, PAIR_DST, 4096);
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    /* A buffer in use: the stride cannot change under it. */
    g_assert_cmpuint(srq_partial(b, 0, 6), ==, RDO_CQP_IN_USE);
    g_assert_cmpuint(srq_partial(b, 0, 0), ==, RDO_CQP_IN_USE);
    pair_free(p);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/dpath/dma/cut-64", test_dma_cut_64);
    g_test_add_func("/dpath/dma/cut-128", test_dma_cut_128);
    g_test_add_func("/dpath/dma/bad-input", test_dma_bad_input);
    g_test_add_func("/dpath/dma/list-read-once", test_list_read_once);
    g_test_add_func("/dpath/notify/delay", test_notify_delay);
    g_test_add_func("/dpath/notify/expedite", test_notify_expedite);
    g_test_add_func("/dpath/bufrecv/held", test_bufrecv_held);
    g_test_add_func("/dpath/bufrecv/full", test_bufrecv_full);
    g_test_add_func("/dpath/bufrecv/order-write-imm", test_bufrecv_order_write_imm);
    g_test_add_func("/dpath/bufrecv/qp-gone", test_bufrecv_qp_gone);
    g_test_add_func("/dpath/bufrecv/migrate", test_bufrecv_migrate);
    g_test_add_func("/dpath/bufrecv/pending-mr", test_bufrecv_pending_mr);
    g_test_add_func("/dpath/bufrecv/off", test_bufrecv_off);
    g_test_add_func("/dpath/partial/pack", test_partial_pack);
    g_test_add_func("/dpath/partial/ud", test_partial_ud);
    g_test_add_func("/dpath/partial/bad-input", test_partial_bad_input);
    return g_test_run();
}
