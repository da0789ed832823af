/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The bus's payload queues per application flow (docs/timing-model.md "Bus
 * arbitration"): a small WRITE beside a stream, round-robin and weighted
 * shares, the flow class of MODIFY_QP, the driver's classes from service
 * levels, a bad class refused, the class and
 * the queues across save and load.
 */
#include "flowq-work.h"
#include "timing/timing.h"

/* Gen4 x16 after 128b/130b, Gbit/s, and its payload share at MPS 256. */
#define GEN4X16_GBPS    (16.0 * 16 * 128 / 130)
#define PAYLOAD_GBPS    (GEN4X16_GBPS * 256 / (256 + 24))

static const uint32_t mixed[] = { 65536, 4096, 1024, 4096 };
static const uint32_t four[] = { 4 };

/*
 * A 64-byte WRITE 30 us into a 1 MiB stream, the responder on a Gen4 x4
 * slot (its placement is slower than the 100 GbE link): with one payload
 * queue its bytes land behind the stream's backlog; with a queue per flow
 * after about a TLP. The stream itself is no slower; at the requester the
 * CQE waits for the ACK, which leaves the responder's transmit pipeline in
 * order behind the stream's: never later with a queue per flow, and
 * little earlier (the same before the transmit FIFO's refill threshold;
 * since, the WRITE reaches the responder at another point of the stream,
 * and under one queue behind more of its backlog: 0.6 us at 32 KiB).
 */
static void test_small_beside_stream(void)
{
    FlowqLat kind = flowq_latency(RDO_BUS_ARB_KIND, 4);
    FlowqLat rr = flowq_latency(RDO_BUS_ARB_RR, 4);

    g_test_message("64 B placed %.1f us after its doorbell (kind), %.1f us (rr); "
                   "stream %.1f / %.1f us", kind.placed_ps / 1e6,
                   rr.placed_ps / 1e6, kind.stream_ps / 1e6, rr.stream_ps / 1e6);
    g_assert_cmpuint(kind.placed_ps, >, rr.placed_ps + 20000000);
    /* The requester's scheduler turn of the stream (32 packets of 4 KiB at
     * 100 GbE, 10.5 us) and the wire, not the stream's megabytes. */
    g_assert_cmpuint(rr.placed_ps, <, 16000000);
    g_assert_cmpfloat(rr.stream_ps, <, kind.stream_ps * 1.01);
    g_assert_cmpfloat(rr.stream_ps, >, kind.stream_ps * 0.99);
    g_assert_cmpuint(rr.cqe_ps, <=, kind.cqe_ps);
    g_assert_cmpfloat(rr.cqe_ps, >, kind.cqe_ps * 0.95);
}

/*
 * Four flows, each 4 writes outstanding, of 64 KiB, 4 KiB, 1 KiB and 4 KiB:
 * one queue serves them in order of issue, so the 64 KiB flow takes 88%;
 * round-robin per TLP shares the bus (the 1 KiB flow, 4 KiB in flight,
 * cannot keep its queue full all the time). Never faster than the bus.
 */
static void test_rr_fair(void)
{
    FlowqShare kind = flowq_fairness(RDO_BUS_ARB_KIND, 4, NULL,
                                     RDO_DEFAULT_BUS_CLASS_WEIGHTS, mixed, 4, four, 1);
    FlowqShare rr = flowq_fairness(RDO_BUS_ARB_RR, 4, NULL,
                                   RDO_DEFAULT_BUS_CLASS_WEIGHTS, mixed, 4, four, 1);

    g_test_message("Jain %.4f (kind), %.4f (rr); %.1f / %.1f Gbit/s",
                   kind.jain, rr.jain, kind.total_gbps, rr.total_gbps);
    g_assert_cmpfloat(kind.jain, <, 0.5);
    g_assert_cmpfloat(kind.gbps[0], >, 0.8 * kind.total_gbps);
    g_assert_cmpfloat(rr.jain, >, 0.98);
    for (uint32_t i = 0; i < 4; i++) {
        g_assert_cmpfloat(rr.gbps[i], >, 0.18 * rr.total_gbps);
        g_assert_cmpfloat(rr.gbps[i], <, 0.30 * rr.total_gbps);
    }
    g_assert_cmpfloat(rr.total_gbps, <=, PAYLOAD_GBPS);
    g_assert_cmpfloat(kind.total_gbps, <=, PAYLOAD_GBPS);
    /* What the shares cost: at most 15% of the bus left idle. */
    g_assert_cmpfloat(rr.total_gbps, >, 0.85 * PAYLOAD_GBPS);
}

/*
 * Classes 1-4 weighted 1:2:3:4, a flow each, 4 KiB writes: shares in
 * proportion; sixteen flows, four to a class, share their class's part.
 * rr ignores the weights.
 */
static void test_weighted(void)
{
    static const uint32_t k4[] = { 4096 };
    uint8_t cls[16];
    FlowqShare w4, w16, rr;

    for (uint32_t i = 0; i < 16; i++) {
        cls[i] = 1 + i % 4;
    }
    w4 = flowq_fairness(RDO_BUS_ARB_WEIGHTED, 4, cls, 0x11114321, k4, 1, four, 1);
    w16 = flowq_fairness(RDO_BUS_ARB_WEIGHTED, 16, cls, 0x11114321, k4, 1, four, 1);
    rr = flowq_fairness(RDO_BUS_ARB_RR, 4, cls, 0x11114321, k4, 1, four, 1);
    g_test_message("weighted 1:2:3:4: %.1f %.1f %.1f %.1f Gbit/s, worst error "
                   "%.3f (16 flows %.3f); rr Jain %.4f", w4.gbps[0], w4.gbps[1],
                   w4.gbps[2], w4.gbps[3], w4.worst_share_err,
                   w16.worst_share_err, rr.jain);
    g_assert_cmpfloat(w4.worst_share_err, <, 0.05);
    g_assert_cmpfloat(w16.worst_share_err, <, 0.05);
    g_assert_cmpfloat(w4.gbps[3], >, 3.5 * w4.gbps[0]);
    g_assert_cmpfloat(rr.jain, >, 0.999);
    g_assert_cmpfloat(w4.total_gbps, <=, PAYLOAD_GBPS);
}

static struct rdo_qp_attr query(PairSide *s, uint32_t qpn)
{
    struct rdo_cqp_cmd q = td_cmd_of(RDO_CMD_QUERY_QP, qpn);

    q.out_addr = td_alloc(s->d, sizeof(struct rdo_qp_attr), 8);
    g_assert_cmpuint(td_cmd(s->d, &q).status, ==, RDO_CQP_OK);
    return *(struct rdo_qp_attr *)td_ptr(s->d, q.out_addr);
}

static uint8_t set_class(PairSide *s, uint32_t qpn, uint8_t cls)
{
    struct rdo_cmd_modify_qp m = { .flow_class = cls };

    return pair_modify(s, qpn, RDO_QPS_RTS, RDO_QP_ATTR_FLOW_CLASS, &m);
}

/* A 5000-byte WRITE on slot i from an unaligned source; the payload
 * queues its reads went to at the requester. */
static uint64_t write_queues(Pair *p, int i)
{
    struct rdo_send_wqe w = { .opcode = RDO_WR_RDMA_WRITE, .wr_id = 7 + i,
                              .flags = RDO_WQE_F_SIGNALED };
    struct rdo_sge sge = pair_sge_of(&p->s[0], PAIR_SRC + 4096 * i + 13, 5000);
    GArray *spans = p->s[0].d->h->spans;
    uint64_t queues = 0;

    g_array_set_size(spans, 0);
    w.remote_addr = PAIR_DST + 8192 * i + 3;
    w.rkey = p->s[1].mr_key;
    pair_fill(&p->s[0], PAIR_SRC + 4096 * i + 13, 5000, 11 + i);
    pair_post_send(&p->s[0], i, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(&p->s[0], 7 + i, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    pair_assert_same(&p->s[0], PAIR_SRC + 4096 * i + 13, &p->s[1],
                     PAIR_DST + 8192 * i + 3, 5000);
    for (guint k = 0; k < spans->len; k++) {
        const RdoStageSpan *s = &g_array_index(spans, RdoStageSpan, k);

        if (s->stage == RDO_STAGE_DMA_READ && s->bytes >= 1024) {
            g_assert_cmpuint(s->qpn, >=, RDO_TM_APPQ);
            queues |= 1ull << (s->qpn - RDO_TM_APPQ);
        }
    }
    return queues;
}

/*
 * MODIFY_QP's flow class: QUERY_QP reports it, and the QP's payload goes
 * to the class's queue (class c: queue c - 1); a QP of class 0 hashes onto
 * the queues after the eight classes' (8 + QPN mod 24 with 32 queues).
 * With 4 queues classes and QPs share them.
 */
static void test_modify_class(void)
{
    static const uint32_t queues[] = { 32, 4 };

    for (unsigned k = 0; k < G_N_ELEMENTS(queues); k++) {
        RdoConfig cfg = test_host_default_config();
        uint32_t nq = queues[k];
        Pair *p;
        uint32_t qpn0, qpn1;

        cfg.tm.on = true;
        cfg.tm.bus_flow_queues = nq;
        p = pair_new(&cfg);
        p->s[0].d->h->spans = g_array_new(FALSE, FALSE, sizeof(RdoStageSpan));
        pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
        pair_connect(p, 1, RDO_QPT_RC, RDO_MTU_4096 - 2);
        qpn0 = p->s[0].qp[0].qpn;
        qpn1 = p->s[0].qp[1].qpn;
        g_assert_cmpuint(query(&p->s[0], qpn0).flow_class, ==, 0);
        g_assert_cmpuint(set_class(&p->s[0], qpn0, 3), ==, RDO_CQP_OK);
        g_assert_cmpuint(query(&p->s[0], qpn0).flow_class, ==, 3);
        g_assert_cmpuint(query(&p->s[0], qpn1).flow_class, ==, 0);
        g_assert_cmphex(write_queues(p, 0), ==, 1ull << (nq > 8 ? 2 : 2 % nq));
        g_assert_cmphex(write_queues(p, 1), ==,
                        1ull << (nq > 8 ? 8 + qpn1 % (nq - 8) : qpn1 % nq));
        /* Back to its own. */
        g_assert_cmpuint(set_class(&p->s[0], qpn0, 0), ==, RDO_CQP_OK);
        g_assert_cmphex(write_queues(p, 0), ==,
                        1ull << (nq > 8 ? 8 + qpn0 % (nq - 8) : qpn0 % nq));
        pair_free(p);
    }
}

/* A pair (timing on or off) with slot 0 connected, spans kept at side 0. */
static Pair *one_qp_pair(bool timing, uint32_t *qpn)
{
    RdoConfig cfg = test_host_default_config();
    Pair *p;

    cfg.tm.on = timing;
    p = pair_new(&cfg);
    p->s[0].d->h->spans = g_array_new(FALSE, FALSE, sizeof(RdoStageSpan));
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096);
    *qpn = p->s[0].qp[0].qpn;
    return p;
}

/*
 * A class above 8 is refused (BAD_PARAM, a guest error), the QP keeps its
 * class and works; with the timing model off the class is kept and
 * reported all the same.
 */
static void test_bad_class(void)
{
    for (int on = 0; on <= 1; on++) {
        uint32_t qpn;
        Pair *p = one_qp_pair(on, &qpn);
        TestHost *h = p->s[0].d->h;

        g_assert_cmpuint(set_class(&p->s[0], qpn, RDO_FLOW_CLASS_MAX), ==, RDO_CQP_OK);
        g_assert_cmpuint(h->class_count[RDO_GE_CQP_CMD_FAILED], ==, 0);
        g_assert_cmpuint(set_class(&p->s[0], qpn, RDO_FLOW_CLASS_MAX + 1), ==,
                         RDO_CQP_BAD_PARAM);
        g_assert_cmpuint(set_class(&p->s[0], qpn, 255), ==, RDO_CQP_BAD_PARAM);
        g_assert_cmpuint(h->class_count[RDO_GE_CQP_CMD_FAILED], ==, 2);
        g_assert_cmpuint(query(&p->s[0], qpn).flow_class, ==, RDO_FLOW_CLASS_MAX);
        g_assert_cmpuint(query(&p->s[0], qpn).state, ==, RDO_QPS_RTS);
        if (on) {
            g_assert_cmphex(write_queues(p, 0), ==, 1ull << (RDO_FLOW_CLASS_MAX - 1));
        } else {
            write_queues(p, 0);
        }
        pair_free(p);
    }
}

/*
 * The classes a driver gives from service levels (rdo_flow_class_of_sl,
 * as the Linux driver does on MODIFY_QP with an AV): SL 0 leaves the QP
 * its own hashed queue, SL 1-8 are classes 1-8, SL 9-15 wrap onto 1-7;
 * each is a class the device takes, and the QP's payload then goes to
 * that class's queue. Flows at SL 1, 9 (both class 1) and 2, weighted 1:2:
 * the two of class 1 split its third of the bus.
 */
static void test_sl_classes(void)
{
    static const uint8_t want[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7 };
    static const uint8_t sls[] = { 1, 9, 2 };
    static const uint32_t k4[] = { 4096 };
    uint8_t cls[G_N_ELEMENTS(sls)];
    uint32_t qpn;
    Pair *p = one_qp_pair(true, &qpn);
    FlowqShare w;

    for (uint8_t sl = 0; sl < 16; sl++) {
        uint8_t c = rdo_flow_class_of_sl(sl);
        uint64_t q;

        g_assert_cmpuint(c, ==, want[sl]);
        g_assert_cmpuint(set_class(&p->s[0], qpn, c), ==, RDO_CQP_OK);
        g_assert_cmpuint(query(&p->s[0], qpn).flow_class, ==, c);
        q = write_queues(p, 0);
        if (c) {
            g_assert_cmphex(q, ==, 1ull << (c - 1));
        } else {
            g_assert_cmphex(q, !=, 0);
            g_assert_cmphex(q & ((1ull << RDO_FLOW_CLASS_MAX) - 1), ==, 0);
        }
    }
    pair_free(p);
    for (uint32_t i = 0; i < G_N_ELEMENTS(sls); i++) {
        cls[i] = rdo_flow_class_of_sl(sls[i]);
    }
    w = flowq_fairness(RDO_BUS_ARB_WEIGHTED, 3, cls, 0x11111121, k4, 1, four, 1);
    g_test_message("SL 1, 9, 2 weighted 1:2: %.1f %.1f %.1f Gbit/s, worst error %.3f",
                   w.gbps[0], w.gbps[1], w.gbps[2], w.worst_share_err);
    g_assert_cmpfloat(w.worst_share_err, <, 0.05);
    g_assert_cmpfloat(w.gbps[2], >, 3.5 * w.gbps[0]);
    g_assert_cmpfloat(w.gbps[2], >, 3.5 * w.gbps[1]);
}

/* The bus keeps the latest end of the kinds' queues per direction for its
 * common case (RdoTmDir.kinds_end_ps): it must be exactly their latest. */
static void assert_kinds_end(const RdoTmDir *d)
{
    uint64_t latest = 0;

    for (uint32_t k = 0; k < RDO_TM_APPQ; k++) {
        latest = MAX(latest, d->end_ps[k]);
    }
    g_assert_cmpuint(d->kinds_end_ps, ==, latest);
}

/*
 * The payload queues' order of ends (timing/bus.c, pay_*): it holds
 * exactly RDO_FLOW_DATA and the booked queues, latest end first, the lower
 * index first among equals.
 */
static void assert_pay_order(const RdoTmDir *d)
{
    uint64_t listed = 0;
    uint32_t prev = RDO_TM_PAY_END, n = 0, q;
    bool data = false;

    for (q = d->pay_next[RDO_TM_PAY_END]; q != RDO_TM_PAY_END;
         prev = q, q = d->pay_next[q]) {
        g_assert_cmpuint(d->pay_prev[q], ==, prev);
        g_assert_cmpuint(++n, <=, RDO_BUS_FLOWQ_MAX + 1);
        if (prev != RDO_TM_PAY_END) {
            g_assert_true(d->end_ps[prev] > d->end_ps[q] ||
                          (d->end_ps[prev] == d->end_ps[q] && prev < q));
        }
        if (q == RDO_FLOW_DATA) {
            data = true;
        } else {
            g_assert_cmpuint(q, >=, RDO_TM_APPQ);
            listed |= 1ull << (q - RDO_TM_APPQ);
        }
    }
    g_assert_cmpuint(d->pay_prev[RDO_TM_PAY_END], ==, prev);
    g_assert_true(data);
    g_assert_cmphex(listed, ==, d->booked);
    g_assert_cmpuint(d->end_ps[RDO_TM_PAY_END], ==, 0);
}

/*
 * Section 45: the QPs' classes and the payload queues' booked work go
 * with a save; a load brings them back (the queues' times bit for bit).
 */
static void test_save_load(void)
{
    RdoTmDir up, down;
    size_t len;
    uint8_t *img;
    char *why = NULL;
    uint32_t qpn;
    Pair *p = one_qp_pair(true, &qpn);
    TestHost *h = p->s[0].d->h;

    g_assert_cmpuint(set_class(&p->s[0], qpn, 5), ==, RDO_CQP_OK);
    write_queues(p, 0);
    /* A CQE overtaking a payload backlog delays the payload's queues (not
     * the idle kind queue of the payload, which has no TLP time: a load
     * would refuse that). */
    rdo_tm_set_flow(&h->core, RDO_FLOW_DATA);
    rdo_tm_app_flow(&h->core, qpn);
    rdo_tm_bus(&h->core, rdo_tm_now_ps(&h->core), 0x100000, 65536, true);
    rdo_tm_set_flow(&h->core, RDO_FLOW_CQE);
    rdo_tm_bus(&h->core, rdo_tm_now_ps(&h->core), 0x200040, 32, true);
    g_assert_cmpuint(h->core.st->tm->up.end_ps[RDO_FLOW_DATA], ==, 0);
    up = h->core.st->tm->up;
    down = h->core.st->tm->down;
    g_assert_cmpuint(up.end_ps[RDO_TM_APPQ + 4] + down.end_ps[RDO_TM_APPQ + 4], >, 0);
    /* The CQE's kind has work booked: the kinds' latest end is set. */
    g_assert_cmpuint(up.kinds_end_ps, >, 0);
    assert_kinds_end(&up);
    assert_kinds_end(&down);
    img = rdo_core_save(&h->core, &len);
    h->core.st->qp_flow_class[qpn] = 0;
    /* (The order of the payload queues is not saved: made from the times.) */
    memset(h->core.st->tm->up.pay_next, 0, sizeof(up.pay_next));
    memset(h->core.st->tm->down.pay_prev, 0, sizeof(down.pay_prev));
    if (!rdo_core_load(&h->core, img, len, &why)) {
        g_error("load: %s", why);
    }
    /* (Before a command's DMA moves the payload queues on.) */
    g_assert_cmpmem(h->core.st->tm->up.end_ps, sizeof(up.end_ps), up.end_ps,
                    sizeof(up.end_ps));
    g_assert_cmpmem(h->core.st->tm->down.tlp_ps, sizeof(down.tlp_ps),
                    down.tlp_ps, sizeof(down.tlp_ps));
    g_assert_cmpuint(h->core.st->tm->up.kinds_end_ps, ==, up.kinds_end_ps);
    g_assert_cmpuint(h->core.st->tm->down.kinds_end_ps, ==, down.kinds_end_ps);
    /* The payload queues' order made anew from the loaded times. */
    assert_pay_order(&h->core.st->tm->up);
    assert_pay_order(&h->core.st->tm->down);
    g_assert_cmpuint(query(&p->s[0], qpn).flow_class, ==, 5);
    g_free(img);
    write_queues(p, 0);
    assert_kinds_end(&h->core.st->tm->up);
    assert_kinds_end(&h->core.st->tm->down);
    pair_free(p);
}

/* Whether a payload read of queue q issued at `at` finds its queue alone
 * on the bus (the definition of read_alone's case, by a walk of the
 * queues): no other payload queue ever booked on either direction, every
 * kind's work through by the request (up) and by its completions (down). */
static bool read_finds_queue_alone(const RdoTiming *t, uint32_t q, uint64_t at)
{
    uint64_t cpl = MAX(at, t->up.end_ps[q]) + t->pcie_latency_ps;
    uint64_t mine = 1ull << (q - RDO_TM_APPQ);

    for (uint32_t k = 0; k < RDO_TM_APPQ; k++) {
        if (t->up.end_ps[k] > at || t->down.end_ps[k] > cpl) {
            return false;
        }
    }
    return !((t->up.booked | t->down.booked) & ~mine);
}

/* Everything a DMA's booking moves, equal on both hosts. */
static void assert_same_bus(TestHost *a, TestHost *b)
{
    const RdoTiming *x = a->core.st->tm, *y = b->core.st->tm;

    g_assert_cmpmem(&x->up, sizeof(x->up), &y->up, sizeof(y->up));
    g_assert_cmpmem(&x->down, sizeof(x->down), &y->down, sizeof(y->down));
    g_assert_cmpmem(x->flows, sizeof(x->flows), y->flows, sizeof(y->flows));
    g_assert_cmpuint(x->up_free_ps, ==, y->up_free_ps);
    g_assert_cmpuint(x->down_free_ps, ==, y->down_free_ps);
    g_assert_cmpuint(x->bus_wait_ps, ==, y->bus_wait_ps);
    g_assert_cmpuint(x->last_read_ps, ==, y->last_read_ps);
    g_assert_cmpuint(x->last_write_ps, ==, y->last_write_ps);
    g_assert_cmpmem(&a->core.tcnt, sizeof(a->core.tcnt), &b->core.tcnt,
                    sizeof(b->core.tcnt));
}

/* A random DMA of the bus tests, from their draw r: its length (one of
 * lens, or any up to 9,000 bytes) and, in *addr, where (a page's start or
 * 8-aligned, now and then r bytes past it). */
static uint32_t random_dma(GRand *rand, uint32_t r, const uint32_t *lens,
                           guint n_lens, uint64_t *addr)
{
    uint32_t len = r % 7 == 0 ? (uint32_t)g_rand_int_range(rand, 1, 9000) :
                   lens[g_rand_int_range(rand, 0, n_lens)];

    *addr = (uint64_t)g_rand_int_range(rand, 0, 1 << 16) *
            (r % 3 ? 4096 : 8) + (r % 5 == 0 ? r : 0);
    return len;
}

/*
 * A payload read alone on the bus books its request and completions in
 * one go (timing/bus.c, read_alone); it must give what booking them one by
 * one gives (RdoTiming.bus_one_by_one). Random DMAs on two hosts, one of
 * them always one by one: payload reads and writes of a QP (most often the
 * same one, so that its queue is alone for long runs), now and then the
 * kinds' (WQE, CQE, ...) and other QPs' payloads, issue times moving on,
 * waiting or jumping ahead; rr and weighted, both cache lines. After every
 * DMA both hosts' queues, times and counters are equal, and both kinds of
 * read (alone, not alone) came up many times.
 */
static void test_read_joint(void)
{
    static const uint32_t lens[] = { 8, 64, 4096, 4096, 65536 };
    GRand *rand = g_rand_new_with_seed(2026);
    unsigned alone = 0, shared = 0;

    for (int round = 0; round < 64; round++) {
        RdoConfig cfg = test_host_default_config();
        TestHost *h[2];
        uint64_t now = 1000000;
        /* From these steps on the kinds, and the other QPs, have DMAs too
         * (in some rounds never: the QP's queue alone, or beside the
         * kinds only). */
        int kinds_from = g_rand_int_range(rand, 0, 600);
        int qps_from = g_rand_int_range(rand, 0, 1000);

        cfg.tm.on = true;
        cfg.tm.bus_arb = round & 1 ? RDO_BUS_ARB_WEIGHTED : RDO_BUS_ARB_RR;
        cfg.cache_line = round & 2 ? 128 : 64;
        for (int i = 0; i < 2; i++) {
            h[i] = test_host_new(&cfg, 1 << 20);
        }
        h[1]->core.st->tm->bus_one_by_one = ~0ull;
        for (int step = 0; step < 400; step++) {
            uint32_t r = g_rand_int_range(rand, 0, 100);
            bool kinds = step >= kinds_from, qps = step >= qps_from;
            RdoFlow flow = kinds && r < 25 ? (RdoFlow)g_rand_int_range(
                               rand, RDO_FLOW_CTRL, RDO_FLOW_UNTIMED) :
                           RDO_FLOW_DATA;
            uint32_t qpn = qps && r >= 80 ? g_rand_int_range(rand, 2, 40) : 1;
            uint8_t cls = qps && r >= 90 ? g_rand_int_range(rand, 0, 9) : 0;
            uint64_t addr;
            uint32_t len = random_dma(rand, r, lens, G_N_ELEMENTS(lens), &addr);
            bool write = g_rand_boolean(rand);
            uint64_t got[2], at;

            /* Mostly on at once, sometimes after the bus has gone quiet. */
            now += r < 10 ? g_rand_int_range(rand, 0, 50000000) :
                   g_rand_int_range(rand, 0, 400000);
            at = now - (r % 4 == 0 ? g_rand_int_range(rand, 0, 200000) : 0);
            if (r % 10 == 9) {
                /* At an edge of the case: the kinds' work through by the
                 * request's issue or by its completions, or a picosecond
                 * short of it. */
                const RdoTiming *t = h[0]->core.st->tm;
                uint64_t edge = g_rand_boolean(rand) ? t->up.kinds_end_ps :
                                t->down.kinds_end_ps - MIN(t->pcie_latency_ps,
                                                           t->down.kinds_end_ps);

                at = MAX(edge + g_rand_int_range(rand, -1, 2), 1);
            }
            for (int i = 0; i < 2; i++) {
                RdoTiming *t = h[i]->core.st->tm;

                rdo_tm_set_flow(&h[i]->core, flow);
                rdo_tm_app_flow_set(t, qpn, cls);
                if (i == 0 && flow == RDO_FLOW_DATA && !write) {
                    if (read_finds_queue_alone(t, t->data_q, at)) {
                        alone++;
                    } else {
                        shared++;
                    }
                }
                got[i] = rdo_tm_bus(&h[i]->core, at, addr, len, write);
            }
            g_assert_cmpuint(got[0], ==, got[1]);
            assert_same_bus(h[0], h[1]);
        }
        for (int i = 0; i < 2; i++) {
            test_host_free(h[i]);
        }
    }
    g_test_message("payload reads: %u alone, %u beside others", alone, shared);
    g_assert_cmpuint(alone, >, 2000);
    g_assert_cmpuint(shared, >, 2000);
    g_rand_free(rand);
}

/*
 * A DMA's TLPs, read requests and bus bytes (timing/bus.c, tlp_count and
 * its shortcut for a DMA short of its line's end) against the definition:
 * the cut at the cache line (rdo_dma_cut), a TLP per head or tail piece
 * and per max-payload chunk of the whole lines, a read request per piece
 * and per 512 bytes of the lines. Random addresses and lengths (many inside
 * one line, at its edges), both cache lines, three max-payload sizes.
 */
static void test_tlp_counts(void)
{
    GRand *rand = g_rand_new_with_seed(16);
    unsigned short_of_line = 0;

    for (int round = 0; round < 12; round++) {
        RdoConfig cfg = test_host_default_config();
        TestHost *h;
        RdoTimingCounters *c;
        uint32_t line = round & 1 ? 128 : 64, mps = 128u << (round % 3);
        uint64_t ovh;

        cfg.tm.on = true;
        cfg.cache_line = line;
        cfg.tm.pcie_mps = mps;
        h = test_host_new(&cfg, 1 << 20);
        c = &h->core.tcnt;
        ovh = cfg.tm.pcie_tlp_overhead;
        rdo_tm_set_flow(&h->core, RDO_FLOW_CQE);
        for (int i = 0; i < 2000; i++) {
            uint64_t addr = (uint64_t)g_rand_int_range(rand, 0, 1 << 20);
            uint64_t len = g_rand_int_range(rand, 0, 4) ?
                           g_rand_int_range(rand, 1, line + 2) :
                           g_rand_int_range(rand, 1, 20000);
            bool write = g_rand_boolean(rand);
            RdoDmaCut cut = rdo_dma_cut(addr, len, line);
            uint64_t split = !!cut.head + !!cut.tail, tlps = split;
            uint64_t reqs = split + rdo_div_up(cut.body, 512);
            RdoTimingCounters was = *c;

            if (cut.body) {
                uint64_t a = addr + cut.head;

                tlps += (a + cut.body - 1) / mps - a / mps + 1;
            }
            short_of_line += (addr % line) + len < line;
            rdo_tm_bus(&h->core, rdo_tm_now_ps(&h->core), addr, len, write);
            g_assert_cmpuint(c->dma_split_pieces - was.dma_split_pieces, ==,
                             split);
            if (write) {
                g_assert_cmpuint(c->pcie_tlps - was.pcie_tlps, ==, tlps);
                g_assert_cmpuint(c->pcie_up_bytes - was.pcie_up_bytes, ==,
                                 len + tlps * ovh);
            } else {
                g_assert_cmpuint(c->pcie_tlps - was.pcie_tlps, ==, tlps + reqs);
                g_assert_cmpuint(c->pcie_up_bytes - was.pcie_up_bytes, ==,
                                 reqs * ovh);
                g_assert_cmpuint(c->pcie_down_bytes - was.pcie_down_bytes, ==,
                                 len + tlps * ovh);
            }
        }
        test_host_free(h);
    }
    g_assert_cmpuint(short_of_line, >, 5000);
    g_rand_free(rand);
}

/* Before a kind's DMA at `at` on d: some payload queues have more than a
 * TLP left and others less (the kind overtakes the first only, so their
 * order changes: pay_resort), and how many have work left. */
static bool payload_push_mixed(const RdoTmDir *d, uint64_t at, uint32_t *busy)
{
    bool more = false, less = false;
    uint32_t q;

    *busy = d->end_ps[RDO_FLOW_DATA] > at;
    RDO_TM_FOR_BOOKED(q, d) {
        *busy += d->end_ps[q] > at;
        more |= d->end_ps[q] > at + d->tlp_ps[q];
        less |= d->end_ps[q] > at && d->end_ps[q] <= at + d->tlp_ps[q];
    }
    return more && less;
}

/*
 * Arbitration visits the payload queues with work left, in the order of
 * their ends (timing/bus.c, pay_*), not every queue booked; it must decide
 * as the walk of every booked queue does (RdoTiming.bus_walk_all). Random
 * DMAs on two hosts, one of them walking: the kinds' and the payloads' of
 * many QPs (up to 64 payload queues, of every flow class), long and short,
 * issue times bunched so that many queues have work at once, now and then
 * after the bus went quiet or earlier than the last; rr and weighted.
 * After every DMA both hosts' returns, queues, order, times and counters
 * are equal and the order is whole; the cases that reorder it came up.
 */
static void test_pay_order(void)
{
    static const uint32_t nqs[] = { 9, 24, 32, 64 };
    static const uint32_t lens[] = { 8, 64, 256, 4096, 65536 };
    GRand *rand = g_rand_new_with_seed(5);
    unsigned mixed_pushes = 0, crowded = 0;

    for (int round = 0; round < 64; round++) {
        RdoConfig cfg = test_host_default_config();
        TestHost *h[2];
        uint64_t now = 1000000;
        int kinds_pct = g_rand_int_range(rand, 10, 60);

        cfg.tm.on = true;
        cfg.tm.bus_arb = round & 1 ? RDO_BUS_ARB_WEIGHTED : RDO_BUS_ARB_RR;
        cfg.tm.bus_flow_queues = nqs[(round / 2) % G_N_ELEMENTS(nqs)];
        cfg.cache_line = round & 8 ? 128 : 64;
        for (int i = 0; i < 2; i++) {
            h[i] = test_host_new(&cfg, 1 << 20);
        }
        h[1]->core.st->tm->bus_walk_all = true;
        for (int step = 0; step < 1000; step++) {
            uint32_t r = g_rand_int_range(rand, 0, 100);
            RdoFlow flow = (int)r < kinds_pct ?
                           (RdoFlow)g_rand_int_range(rand, RDO_FLOW_CTRL,
                                                     RDO_FLOW_UNTIMED) :
                           RDO_FLOW_DATA;
            uint32_t qpn = g_rand_int_range(rand, 2, 70000);
            uint8_t cls = r % 4 == 0 ? g_rand_int_range(rand, 1, 9) : 0;
            uint64_t addr;
            uint32_t len = random_dma(rand, r, lens, G_N_ELEMENTS(lens), &addr);
            bool write = g_rand_boolean(rand);
            uint64_t got[2], at, back;
            uint32_t busy;

            now += r < 3 ? g_rand_int_range(rand, 0, 50000000) :
                   g_rand_int_range(rand, 0, 40000);
            back = r % 4 == 0 ? (uint64_t)g_rand_int_range(rand, 0, 2000000) : 0;
            at = now - MIN(now, back);
            if (flow != RDO_FLOW_DATA) {
                const RdoTiming *t = h[0]->core.st->tm;

                for (int up = 0; up < 2; up++) {
                    mixed_pushes += payload_push_mixed(up ? &t->up : &t->down,
                                                       at, &busy);
                    crowded += busy >= 4;
                }
            }
            for (int i = 0; i < 2; i++) {
                RdoTiming *t = h[i]->core.st->tm;

                rdo_tm_set_flow(&h[i]->core, flow);
                rdo_tm_app_flow_set(t, qpn, cls);
                got[i] = rdo_tm_bus(&h[i]->core, at, addr, len, write);
            }
            g_assert_cmpuint(got[0], ==, got[1]);
            assert_same_bus(h[0], h[1]);
            assert_pay_order(&h[0]->core.st->tm->up);
            assert_pay_order(&h[0]->core.st->tm->down);
        }
        for (int i = 0; i < 2; i++) {
            test_host_free(h[i]);
        }
    }
    g_test_message("kinds' DMAs: %u with 4 or more payload queues busy, %u "
                   "overtaking some of them and not others", crowded,
                   mixed_pushes);
    g_assert_cmpuint(crowded, >, 1000);
    g_assert_cmpuint(mixed_pushes, >, 200);
    g_rand_free(rand);
}

/*
 * A DMA's TLPs and bus times are kept for the next of its kind alike:
 * same length, same place in its cache line inside one max-payload chunk
 * or in its chunk across chunks (timing/bus.c, cut_keep); they must be
 * what working them out again gives (RdoTiming.bus_cut_anew). Random DMAs
 * of every kind on two hosts, one working every DMA out: mostly the same
 * few lengths at the same few offsets (as contexts, WQE slots and CQEs
 * come), some crossing a chunk, some of any length; fifo, rr and
 * weighted, both cache lines, three max-payload sizes. After every DMA both
 * hosts' returns, queues, times and counters are equal, and many DMAs took
 * the kept numbers, many of them across chunks.
 */
static void test_cut_kept(void)
{
    static const uint32_t lens[] = { 8, 32, 64, 128, 256, 300 };
    static const uint32_t offs[] = { 0, 8, 64, 96, 128, 200 };
    GRand *rand = g_rand_new_with_seed(256);
    uint32_t usual[RDO_FLOW_UNTIMED][2];
    unsigned kept = 0, kept_across = 0;

    for (int round = 0; round < 36; round++) {
        RdoConfig cfg = test_host_default_config();
        TestHost *h[2];
        uint64_t now = 1000000;

        cfg.tm.on = true;
        cfg.tm.bus_arb = round % 3 == 0 ? RDO_BUS_ARB_FIFO :
                         round % 3 == 1 ? RDO_BUS_ARB_RR : RDO_BUS_ARB_WEIGHTED;
        cfg.cache_line = round & 1 ? 128 : 64;
        cfg.tm.pcie_mps = 128u << ((round / 2) % 3);
        for (int i = 0; i < 2; i++) {
            h[i] = test_host_new(&cfg, 1 << 20);
        }
        h[1]->core.st->tm->bus_cut_anew = true;
        memset(h[1]->core.st->tm->cut, 0, sizeof(h[1]->core.st->tm->cut));
        /* Each kind's usual length and offset in this round. */
        for (int f = 0; f < RDO_FLOW_UNTIMED; f++) {
            usual[f][0] = lens[g_rand_int_range(rand, 0, G_N_ELEMENTS(lens))];
            usual[f][1] = offs[g_rand_int_range(rand, 0, G_N_ELEMENTS(offs))];
        }
        for (int step = 0; step < 1000; step++) {
            uint32_t r = g_rand_int_range(rand, 0, 100);
            RdoFlow flow = (RdoFlow)g_rand_int_range(rand, RDO_FLOW_CTRL,
                                                     RDO_FLOW_UNTIMED);
            uint32_t qpn = g_rand_int_range(rand, 2, 40);
            uint32_t len = r < 10 ? (uint32_t)g_rand_int_range(rand, 1, 9000) :
                           r < 40 ? lens[g_rand_int_range(rand, 0, G_N_ELEMENTS(lens))] :
                           usual[flow][0];
            uint64_t addr = (uint64_t)g_rand_int_range(rand, 0, 256) * 4096 +
                            (r % 4 == 0 ? (uint64_t)g_rand_int_range(rand, 0, 4096) :
                             512 * (uint64_t)g_rand_int_range(rand, 0, 8) +
                             (r < 50 ? offs[g_rand_int_range(rand, 0, G_N_ELEMENTS(offs))] :
                              usual[flow][1]));
            bool write = g_rand_boolean(rand);
            uint64_t got[2], chunk_off = addr & (cfg.tm.pcie_mps - 1);
            bool across = chunk_off + len > cfg.tm.pcie_mps;
            const RdoTmCut *c = &h[0]->core.st->tm->cut[flow][across];
            bool alike;

            now += g_rand_int_range(rand, 0, 200000);
            alike = c->len == len &&
                    c->where == (across ? chunk_off :
                                 addr & (cfg.cache_line - 1));
            kept += alike;
            kept_across += alike && across;
            for (int i = 0; i < 2; i++) {
                rdo_tm_set_flow(&h[i]->core, flow);
                rdo_tm_app_flow_set(h[i]->core.st->tm, qpn, 0);
                got[i] = rdo_tm_bus(&h[i]->core, now, addr, len, write);
            }
            g_assert_cmpuint(got[0], ==, got[1]);
            assert_same_bus(h[0], h[1]);
        }
        for (int i = 0; i < 2; i++) {
            test_host_free(h[i]);
        }
    }
    g_test_message("DMAs that took the kept numbers: %u, across chunks %u",
                   kept, kept_across);
    g_assert_cmpuint(kept, >, 3000);
    g_assert_cmpuint(kept_across, >, 1000);
    g_rand_free(rand);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/flowq/small-beside-stream", test_small_beside_stream);
    g_test_add_func("/flowq/rr-fair", test_rr_fair);
    g_test_add_func("/flowq/weighted", test_weighted);
    g_test_add_func("/flowq/modify-class", test_modify_class);
    g_test_add_func("/flowq/bad-class", test_bad_class);
    g_test_add_func("/flowq/sl-classes", test_sl_classes);
    g_test_add_func("/flowq/save-load", test_save_load);
    g_test_add_func("/flowq/read-joint", test_read_joint);
    g_test_add_func("/flowq/tlp-counts", test_tlp_counts);
    g_test_add_func("/flowq/pay-order", test_pay_order);
    g_test_add_func("/flowq/cut-kept", test_cut_kept);
    return g_test_run();
}
