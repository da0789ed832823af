/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The timing model: goodput against the wire limit, the context cache
 * cliff and what the look-ahead scheduler recovers, inline push against a
 * doorbell, interrupt moderation, and determinism (the same run twice
 * gives the same cycle counts and counters), the arbitration between the
 * bus's flows, and completions taken on events under -icount. What the
 * engines hold of a message (WQE, contexts, translations) is tested in
 * test-held.c.
 */
#include <inttypes.h>
#include <string.h>
#include "timing-work.h"
#include "timing/timing.h"
#include "egress/egress.h"
#include "xport/transport.h"

#define MIB (1u << 20)
/* Picoseconds of `b` bytes on one direction of PCIe Gen4 x16 (16 lanes of
 * 16 GT/s, 128b/130b). */
#define GEN4X16_PS(b)   ((uint64_t)(b) * 8 * 130 * 1000 / (16 * 16 * 128))

static void assert_near_wire(uint32_t gbps, uint32_t mtu, uint8_t mtu_code)
{
    RdoConfig cfg = work_config(true, gbps, RDO_DEFAULT_QPC_CACHE,
                                RDO_DEFAULT_LOOKAHEAD);
    WorkResult r = work_write_stream(&cfg, mtu_code, MIB, 32 * MIB, 8);
    double limit = work_wire_limit(gbps, mtu, MIB);

    g_test_message("%u GbE MTU %u: %.2f Gbit/s, wire limit %.2f", gbps, mtu,
                   r.gbps, limit);
    g_assert_cmpfloat(r.gbps, >=, 0.99 * limit);
    g_assert_cmpfloat(r.gbps, <=, limit * 1.0001);
    /* The link carried every byte: no retransmissions, no drops. */
    g_assert_cmpuint(r.cnt[0].retransmits, ==, 0);
    g_assert_cmpuint(r.tcnt[1].rx_fifo_drops, ==, 0);
}

static void test_goodput_mtu4096(void)
{
    assert_near_wire(100, 4096, RDO_MTU_4096);
}

static void test_goodput_mtu1024(void)
{
    assert_near_wire(100, 1024, RDO_MTU_4096 - 2);
}

/* Two runs the same: every counter of both sides and the simulated time. */
static void assert_same_run(const WorkResult *a, const WorkResult *b)
{
    for (int k = 0; k < 2; k++) {
        g_assert_cmpmem(&a->tcnt[k], sizeof(a->tcnt[k]), &b->tcnt[k],
                        sizeof(b->tcnt[k]));
        g_assert_cmpmem(&a->cnt[k], sizeof(a->cnt[k]), &b->cnt[k],
                        sizeof(b->cnt[k]));
    }
    g_assert_cmpuint(a->sim_ps, ==, b->sim_ps);
}

/* The same workload twice: identical cycles and counters on both sides. */
static void test_deterministic(void)
{
    RdoConfig cfg = work_config(true, 100, 8, 4);
    WorkResult a = work_msg_rate(&cfg, 24, 2, 1500);
    WorkResult b = work_msg_rate(&cfg, 24, 2, 1500);

    g_assert_cmpuint(a.tcnt[0].cycles, >, 0);
    g_assert_cmpuint(a.tcnt[0].ctx_fetches, >, 0);
    assert_same_run(&a, &b);
}

/*
 * The host takes the timed frames (RdoHostOps.send_frame_at) or leaves
 * them to the core (a wake-up per frame): every counter and every work
 * request's lifecycle the same, with fewer wake-ups. More QPs
 * than context lines and the look-ahead, where the scheduler waits for
 * contexts and WQEs and the frames' times still wake it; and a stream,
 * where it waits for the link.
 */
static void host_timed_same(WorkResult (*run)(void), const char *what,
                            unsigned most_pct)
{
    uint64_t hash0 = work_sim_hash, hash_taken, hash_kept;
    WorkResult taken, kept;

    taken = run();
    hash_taken = work_sim_hash;
    work_sim_hash = hash0;
    work_core_keeps_frames = true;
    kept = run();
    work_core_keeps_frames = false;
    hash_kept = work_sim_hash;
    g_test_message("%s: %" PRIu64 " wake-ups with the host taking the frames, "
                   "%" PRIu64 " without", what, taken.wakeups, kept.wakeups);
    g_assert_cmphex(hash_taken, ==, hash_kept);
    assert_same_run(&taken, &kept);
    g_assert_cmpuint(taken.wakeups * 100, <=, kept.wakeups * most_pct);
}

static WorkResult run_msg_rate(void)
{
    RdoConfig cfg = work_config(true, 100, 16, 8);

    return work_msg_rate(&cfg, 64, 4, 3000);
}

static WorkResult run_stream(void)
{
    RdoConfig cfg = work_config(true, 100, RDO_DEFAULT_QPC_CACHE, 8);

    return work_write_stream(&cfg, RDO_MTU_4096, 1u << 20, 16u << 20, 16);
}

static void test_host_takes_frames(void)
{
    host_timed_same(run_msg_rate, "64 QPs, 16 context lines, look-ahead 8", 90);
    host_timed_same(run_stream, "1 MiB WRITEs", 70);
}

/* A frame handed to the host, due at wake-up `ns`, at the ring's end
 * (the model's own ring, egress/output.c, filled here directly). */
static void handed_append(RdoTiming *t, uint64_t ns)
{
    g_assert_cmpuint(t->handed_end - t->handed_first, <, t->handed_cap);
    t->handed[t->handed_end++ & (t->handed_cap - 1)] = ns;
}

/*
 * The scheduler's search of the frames handed over (rdo_egress_next_handed)
 * starts where it found the last one: whatever the guess, it must give the
 * definition's answer, the first wake-up after now at or after from_ps.
 * The times go up by 0 to 4 ns (equal ones too), the ring wraps, frames
 * leave as the clock moves and new ones come; from_ps walks on by about a
 * frame (the stream's case), stays, or jumps anywhere (back, to 0, past the
 * last).
 */
static void test_handed_search(void)
{
    RdoConfig cfg = work_config(true, 100, RDO_DEFAULT_QPC_CACHE, 8);
    TestHost *h = test_host_new(&cfg, 1 << 20);
    RdoTiming *t = h->core.st->tm;
    GRand *rand = g_rand_new_with_seed(20);
    uint64_t last = 1000, from_ps = 0;
    unsigned found = 0, none = 0;

    g_free(t->handed);
    t->handed = g_new0(uint64_t, 64);
    t->handed_cap = 64;
    /* The frame numbers wrap during the run. */
    t->handed_first = t->handed_end = t->handed_found = UINT32_MAX - 5000;
    h->now_ns = 999;
    for (int step = 0; step < 20000; step++) {
        uint32_t r = g_rand_int_range(rand, 0, 100);
        uint64_t want = 0, got;

        /* New frames at the end, an old one's time passes. */
        while (t->handed_end - t->handed_first < 40) {
            last += g_rand_int_range(rand, 0, 5);
            handed_append(t, last);
        }
        if (r < 30) {
            h->now_ns += g_rand_int_range(rand, 0, 6);
        }
        if (r < 60) {
            from_ps += g_rand_int_range(rand, 0, 4000);
        } else if (r < 70) {
            from_ps = 0;
        } else if (r < 95) {
            from_ps = (h->now_ns - 20 + g_rand_int_range(rand, 0, 200)) * 1000 +
                      g_rand_int_range(rand, 0, 1000);
        } else {
            from_ps = (last + 1) * 1000 + g_rand_int_range(rand, 0, 3000);
        }
        /* The definition, over the ring as it stands. */
        for (uint32_t n = t->handed_first; n != t->handed_end; n++) {
            uint64_t ns = t->handed[n & (t->handed_cap - 1)];

            if (ns > h->now_ns && ns * 1000 >= from_ps) {
                want = ns;
                break;
            }
        }
        got = rdo_egress_next_handed(&h->core, from_ps);
        g_assert_cmpuint(got, ==, want);
        if (got) {
            /* Its guess for the next search is the frame it found. */
            g_assert_cmpuint(t->handed[t->handed_found &
                                       (t->handed_cap - 1)], ==, got);
        }
        found += !!got;
        none += !got;
    }
    /* Both answers came up often. */
    g_assert_cmpuint(found, >, 1000);
    g_assert_cmpuint(none, >, 100);
    g_rand_free(rand);
    test_host_free(h);
}

/*
 * A frame's times in the build pipeline and on the link (rdo_tm_egress)
 * are worked out when its length differs from the last frame's, else
 * taken from then: against the definition, frame by frame, over runs of
 * one length and changes (short frames padded to the minimum, odd lengths
 * rounded up to the datapath's width), both ports, with rates that divide
 * a second into whole picoseconds and rates that do not.
 */
static void test_egress_times(void)
{
    static const uint32_t clock_mhz[] = { 1000, 700 };
    static const uint32_t gbps[] = { 100, 56 };
    GRand *rand = g_rand_new_with_seed(21);

    for (int c = 0; c < 2; c++) {
        RdoConfig cfg = work_config(true, gbps[c], RDO_DEFAULT_QPC_CACHE, 0);
        TestHost *h;
        RdoTiming *t;
        size_t len = 4096;
        unsigned changes = 0;

        cfg.tm.clock_mhz = clock_mhz[c];
        cfg.tm.bytes_per_cycle = 24 + 8 * c;
        cfg.ports = 2;
        h = test_host_new(&cfg, 1 << 20);
        t = h->core.st->tm;
        for (int i = 0; i < 4000; i++) {
            unsigned port = 1 + g_rand_int_range(rand, 0, 2);
            uint64_t wire, build_ps, link_ps, ready, built, start, end, due;
            uint64_t *link_free = port == 2 ? &t->link2_free_ps : &t->link_free_ps;

            if (g_rand_int_range(rand, 0, 4) == 0) {
                size_t was = len;

                len = g_rand_int_range(rand, 0, 4) == 0 ?
                      g_rand_int_range(rand, 14, 64) :
                      g_rand_int_range(rand, 64, RDO_TM_FRAME_CAP + 1);
                changes += len != was;
            }
            h->now_ns += g_rand_int_range(rand, 0, 400);
            wire = MAX(len, 60) + 24;
            build_ps = rdo_div_up((cfg.tm.cyc.hdr_build +
                                   rdo_div_up(len, cfg.tm.bytes_per_cycle)) *
                                  1000000ull, cfg.tm.clock_mhz);
            link_ps = rdo_div_up(wire * 8000, cfg.tm.link_gbps);
            ready = MAX(h->now_ns * 1000, t->pkt_data_ps);
            built = MAX(ready, t->build_free_ps) + build_ps;
            start = MAX(built, *link_free);
            end = start + link_ps;
            due = rdo_tm_egress(&h->core, port, len, 7);
            g_assert_cmpuint(t->build_free_ps, ==, built);
            g_assert_cmpuint(*link_free, ==, end);
            g_assert_cmpuint(due, ==, end + (cfg.tm.link_latency_ns + 7) * 1000);
        }
        g_assert_cmpuint(changes, >, 500);
        g_assert_cmpuint(h->core.tcnt.link_frames, ==, 4000);
        test_host_free(h);
    }
    g_rand_free(rand);
}

/*
 * More active QPs than cache lines: every visit misses and waits for a
 * context fetch (the cliff); the look-ahead hides part of it.
 */
static void test_cache_cliff(void)
{
    RdoConfig in_order = work_config(true, 100, 16, 0);
    RdoConfig ahead = work_config(true, 100, 16, 8);
    WorkResult fit = work_msg_rate(&in_order, 8, 4, 4000);
    WorkResult cliff = work_msg_rate(&in_order, 64, 1, 4000);
    WorkResult recovered = work_msg_rate(&ahead, 64, 1, 4000);

    g_test_message("8 QPs %.2f Mmsg/s; 64 QPs in order %.2f, look-ahead %.2f",
                   fit.mrate, cliff.mrate, recovered.mrate);
    g_assert_cmpfloat(cliff.mrate, <, fit.mrate / 2);
    g_assert_cmpfloat(recovered.mrate, >, cliff.mrate * 1.5);
    g_assert_cmpuint(cliff.tcnt[0].ctx_prefetches, ==, 0);
    g_assert_cmpuint(recovered.tcnt[0].ctx_prefetches, >, 0);
    g_assert_cmpuint(recovered.tcnt[0].sched_reordered, >, 0);
    /* The demand misses the look-ahead turned into prefetches. */
    g_assert_cmpuint(recovered.cnt[0].qpc_misses, <, cliff.cnt[0].qpc_misses);
}

/* Inline push saves the WQE fetch: about one PCIe read round trip. */
static void test_push_latency(void)
{
    RdoConfig cfg = work_config(true, 100, RDO_DEFAULT_QPC_CACHE, 0);
    WorkResult db = work_latency(&cfg, false, 20);
    WorkResult push = work_latency(&cfg, true, 20);

    g_test_message("doorbell %.0f ns, push %.0f ns", db.lat_ns, push.lat_ns);
    g_assert_cmpfloat(push.lat_ns, <, db.lat_ns - cfg.tm.pcie_latency_ns / 2);
    g_assert_cmpuint(push.tcnt[0].wqe_fetches, ==, 0);
    g_assert_cmpuint(db.tcnt[0].wqe_fetches, ==, 20);
    g_assert_cmpuint(push.cnt[0].push_wqes, ==, 20);
}

/* Moderation: fewer interrupts per message, each completion later. */
static void test_irq_moderation(void)
{
    RdoConfig cfg = work_config(true, 100, RDO_DEFAULT_QPC_CACHE, 0);
    WorkResult off = work_irq(&cfg, false, 800);
    WorkResult on = work_irq(&cfg, true, 800);

    g_test_message("interrupts per message %.3f -> %.3f, latency %.0f -> %.0f ns",
                   off.irqs_per_msg, on.irqs_per_msg, off.lat_ns, on.lat_ns);
    g_assert_cmpfloat(on.irqs_per_msg, <, off.irqs_per_msg / 4);
    g_assert_cmpfloat(on.lat_ns, >, off.lat_ns);
    g_assert_cmpuint(on.tcnt[0].irqs, <, off.tcnt[0].irqs);
}

/* Transfers stay exact with the timing model on, with losses. */
static void test_lossy_exact(void)
{
    RdoConfig cfg = work_config(true, 100, RDO_DEFAULT_QPC_CACHE, 8);
    Pair *p;
    struct rdo_send_wqe w = { .opcode = RDO_WR_RDMA_WRITE, .wr_id = 7,
                              .flags = RDO_WQE_F_SIGNALED };
    struct rdo_sge sge;

    cfg.fault_drop_ppm = 5000;
    cfg.fault_seed = 3;
    p = pair_new(&cfg);
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_fill(&p->s[0], PAIR_MR_IOVA, MIB, 5);
    sge = (struct rdo_sge){ PAIR_MR_IOVA, MIB, p->s[0].mr_key };
    w.remote_addr = PAIR_MR_IOVA + MIB;
    w.rkey = p->s[1].mr_key;
    pair_post_send(&p->s[0], 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, 1000000000ull));
    g_assert_cmpuint(pair_poll(&p->s[0]).status, ==, RDO_WC_SUCCESS);
    g_assert_cmpmem(pair_mr_ptr(&p->s[1], PAIR_MR_IOVA + MIB), 4096,
                    pair_mr_ptr(&p->s[0], PAIR_MR_IOVA), 4096);
    for (uint32_t off = 0; off < MIB; off += 4096) {
        g_assert_cmpmem(pair_mr_ptr(&p->s[1], PAIR_MR_IOVA + MIB + off), 4096,
                        pair_mr_ptr(&p->s[0], PAIR_MR_IOVA + off), 4096);
    }
    g_assert_cmpuint(pair_cnt(&p->s[0], RDO_REG_CNT_RETRANSMITS), >, 0);
    pair_free(p);
}

/* The registers: settings, CAPS.TIMING, counters; zero with timing off. */
static void test_registers(void)
{
    RdoConfig on = work_config(true, 200, RDO_DEFAULT_QPC_CACHE, 8);
    RdoConfig off = work_config(false, 200, RDO_DEFAULT_QPC_CACHE, 8);
    TestHost *h = test_host_new(&on, 1 << 20);
    TestHost *g = test_host_new(&off, 1 << 20);

    g_assert_cmpuint(test_reg_read(h, RDO_REG_CAPS_LO) & RDO_CAP_TIMING, !=, 0);
    g_assert_cmpuint(test_reg_read(g, RDO_REG_CAPS_LO) & RDO_CAP_TIMING, ==, 0);
    g_assert_cmpuint(test_reg_read(h, RDO_REG_TM_INFO), ==, 1);
    g_assert_cmpuint(test_reg_read(h, RDO_REG_TM_LINK_GBPS), ==, 200);
    g_assert_cmpuint(test_reg_read(h, RDO_REG_TM_LOOKAHEAD), ==, 8);
    g_assert_cmpuint(test_reg_read(g, RDO_REG_TM_LINK_GBPS), ==, 0);
    h->now_ns = 5000;
    /* 1 GHz: the cycle counter is the virtual time in ns. */
    g_assert_cmpuint(test_reg_read(h, RDO_REG_TM_CYCLES_LO), ==, 5000);
    g_assert_cmpuint(test_reg_read(h, RDO_REG_TM_CYCLES_HI), ==, 0);
    g_assert_cmpuint(test_reg_read(g, RDO_REG_TM_CYCLES_LO), ==, 0);
    g_assert_cmpuint(h->core.regs.err_count, ==, 0);
    test_host_free(h);
    test_host_free(g);
}

static void test_config_checks(void)
{
    static const struct {
        size_t off;
        uint32_t value;
    } bad[] = {
        { offsetof(RdoTimingConfig, clock_mhz), 0 },
        { offsetof(RdoTimingConfig, link_gbps), 0 },
        { offsetof(RdoTimingConfig, pcie_gen), 6 },
        { offsetof(RdoTimingConfig, pcie_lanes), 3 },
        { offsetof(RdoTimingConfig, pcie_mps), 100 },
        { offsetof(RdoTimingConfig, lookahead), 1000 },
        { offsetof(RdoTimingConfig, cyc.sched), 0 },
        { offsetof(RdoTimingConfig, bus_arb), RDO_BUS_ARB_WEIGHTED + 1 },
        { offsetof(RdoTimingConfig, bus_flow_queues), 0 },
        { offsetof(RdoTimingConfig, bus_flow_queues), RDO_BUS_FLOWQ_MAX + 1 },
        /* class 3 without a weight (and above the minimum) */
        { offsetof(RdoTimingConfig, bus_class_weights), 0x21302111 },
    };
    const char *why;

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        RdoConfig cfg = work_config(true, 100, 64, 8);

        *(uint32_t *)((char *)&cfg.tm + bad[i].off) = bad[i].value;
        g_assert_false(rdo_config_valid(&cfg, &why));
        g_assert_nonnull(why);
        /* With the timing model off its parameters are not used. */
        cfg.tm.on = false;
        g_assert_true(rdo_config_valid(&cfg, &why));
    }
    {
        RdoConfig cfg = work_config(true, 100, 64, 8);

        cfg.ctx_cache_ways = 3;             /* does not divide 64 */
        g_assert_false(rdo_config_valid(&cfg, &why));
        cfg.ctx_cache_ways = 4;
        cfg.ctx_cache_policy = RDO_CACHE_FIFO;
        g_assert_true(rdo_config_valid(&cfg, &why));
    }
}

/* QP misses of QUERY_QP on QPs 2 and 18 in turn, with a 16-line cache of
 * `ways` ways per set and a replacement policy. */
static uint32_t conflict_misses(uint32_t ways, uint32_t policy)
{
    RdoConfig cfg = test_host_default_config();
    TestDriver *d;
    uint64_t sq, rq, out;
    uint32_t before;

    cfg.max_qp = 64;
    cfg.qpc_cache_entries = 16;
    cfg.ctx_cache_ways = ways;
    cfg.ctx_cache_policy = policy;
    d = td_new(&cfg);
    td_start(d);
    td_create_pd(d, 0);
    td_create_cq(d, 0, 4, 0, 0);
    td_create_qp(d, 2, RDO_QPT_UD, 0, 0, &sq, &rq);
    td_create_qp(d, 18, RDO_QPT_UD, 0, 0, &sq, &rq);
    out = td_alloc(d, 256, 64);
    before = test_reg_read(d->h, RDO_REG_CNT_QPC_MISSES);
    for (int i = 0; i < 8; i++) {
        struct rdo_cqp_cmd q = td_cmd_of(RDO_CMD_QUERY_QP, i % 2 ? 18 : 2);

        q.out_addr = out;
        g_assert_cmpuint(td_cmd(d, &q).status, ==, RDO_CQP_OK);
    }
    before = test_reg_read(d->h, RDO_REG_CNT_QPC_MISSES) - before;
    td_free(d);
    return before;
}

/* QPs 2 and 18 share a set of a direct-mapped 16-line cache: every access
 * evicts the other; two ways or full associativity hold both. */
static void test_cache_ways(void)
{
    g_assert_cmpuint(conflict_misses(1, RDO_CACHE_LRU), ==, 8);
    g_assert_cmpuint(conflict_misses(2, RDO_CACHE_LRU), ==, 0);
    g_assert_cmpuint(conflict_misses(0, RDO_CACHE_FIFO), ==, 0);
}

/*
 * The arbiter on its own: 64 DATA writes of 4 KiB booked at time 0, then a
 * CQE write also at 0. Round-robin: the CQE goes after the DATA TLP on the
 * bus; fifo: after all of them. A DATA write after both is through at the
 * same time either way: the same bytes in the same busy time.
 */
static uint64_t arb_direct(uint32_t arb, uint64_t *cqe_done)
{
    RdoConfig cfg = work_config(true, 100, RDO_DEFAULT_QPC_CACHE, 0);
    TestHost *h;
    uint64_t end;

    cfg.tm.bus_arb = arb;
    h = test_host_new(&cfg, 1 << 20);
    rdo_tm_set_flow(&h->core, RDO_FLOW_DATA);
    for (uint32_t i = 0; i < 64; i++) {
        rdo_tm_bus(&h->core, 0, (uint64_t)i * 4096, 4096, true);
    }
    rdo_tm_set_flow(&h->core, RDO_FLOW_CQE);
    *cqe_done = rdo_tm_bus(&h->core, 0, 1 << 20, 32, true);
    rdo_tm_set_flow(&h->core, RDO_FLOW_DATA);
    end = rdo_tm_bus(&h->core, 0, 64 * 4096, 4096, true);
    g_assert_cmpuint(h->core.tcnt.pcie_up_bytes, ==, 65 * (4096 + 16 * 24) + 32 + 24);
    test_host_free(h);
    return end;
}

static void test_bus_arb_direct(void)
{
    uint64_t rr_cqe, fifo_cqe;
    uint64_t rr_end = arb_direct(RDO_BUS_ARB_RR, &rr_cqe);
    uint64_t fifo_end = arb_direct(RDO_BUS_ARB_FIFO, &fifo_cqe);

    g_test_message("CQE write done at %" PRIu64 " ps (rr), %" PRIu64 " ps (fifo)",
                   rr_cqe, fifo_cqe);
    g_assert_cmpuint(rr_cqe, <=, GEN4X16_PS(256 + 24) + GEN4X16_PS(32 + 24) + 2);
    g_assert_cmpuint(fifo_cqe, >=, 64 * GEN4X16_PS(4096 + 16 * 24));
    g_assert_cmpuint(rr_end, ==, fifo_end);
    g_assert_cmpuint(rr_end, >=, 65 * GEN4X16_PS(4096 + 16 * 24) +
                                 GEN4X16_PS(32 + 24));
}

typedef struct ArbRun {
    uint64_t wqe_ps;            /* the small WRITE: doorbell to WQE in */
    uint64_t stream_ps;         /* the 1 MiB WRITE: doorbell to CQE */
    RdoTimingCounters tcnt;
} ArbRun;

/*
 * A 1 MiB WRITE streams on QP slot 0 over a PCIe Gen4 x4 slot (narrower
 * than the 100 GbE link: its payload reads queue); 30 us in, a 64-byte
 * WRITE is posted on slot 1.
 */
static ArbRun arb_pair(uint32_t arb)
{
    RdoConfig cfg = work_config(true, 100, RDO_DEFAULT_QPC_CACHE, 8);
    TestHost *h;
    GArray *lives;
    ArbRun r = { 0 };
    uint64_t start;
    Pair *p;

    cfg.tm.bus_arb = arb;
    cfg.tm.pcie_lanes = 4;
    p = pair_new(&cfg);
    h = p->s[0].d->h;
    lives = h->lives = g_array_new(FALSE, FALSE, sizeof(RdoWrLife));
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096);
    pair_connect(p, 1, RDO_QPT_RC, RDO_MTU_4096);
    pair_post_rdma(p, 0, RDO_WR_RDMA_WRITE, 1, PAIR_MR_IOVA, PAIR_MR_IOVA, MIB);
    start = h->now_ns;
    while (h->now_ns < start + 30000) {
        g_assert_true(pair_step(p, UINT64_MAX));
    }
    g_assert_cmpuint(pair_cq_ready(&p->s[0]), ==, 0);
    pair_post_rdma(p, 1, RDO_WR_RDMA_WRITE, 2, PAIR_MR_IOVA + 2 * MIB,
                   PAIR_MR_IOVA + 2 * MIB, 64);
    g_assert_true(pair_run_cqes(p, 0, 2, 1000000000ull));
    g_assert_cmpuint(lives->len, ==, 2);
    for (guint k = 0; k < lives->len; k++) {
        RdoWrLife *l = &g_array_index(lives, RdoWrLife, k);

        if (l->wr_id == 2) {
            r.wqe_ps = l->wqe_ps - l->db_ps;
        } else {
            r.stream_ps = l->cqe_ps - l->db_ps;
        }
    }
    rdo_core_reg_read(&h->core, RDO_REG_TM_CYCLES_LO, 4);
    r.tcnt = h->core.tcnt;
    pair_free(p);
    return r;
}

/*
 * With a payload stream queued on the bus, a small WRITE's WQE fetch waits
 * about one payload TLP under round-robin (plus the read round trip), the
 * whole backlog under fifo; the stream and the bus totals are the same.
 */
static void test_bus_arb_stream(void)
{
    ArbRun rr = arb_pair(RDO_BUS_ARB_RR);
    ArbRun fifo = arb_pair(RDO_BUS_ARB_FIFO);
    RdoConfig cfg = work_config(true, 100, RDO_DEFAULT_QPC_CACHE, 8);
    /* Doorbell decode, the read round trip, the read request and the
     * WQE's completion (the pair's 256-byte stride) each behind one TLP of
     * the payload flow, on a x4 link (a quarter of x16's rate). */
    uint64_t bound = cfg.tm.cyc.doorbell * 1000ull + cfg.tm.pcie_latency_ns * 1000ull +
                     4 * GEN4X16_PS(2 * 24 + 2 * (256 + 24)) + 10;

    g_test_message("WQE fetch during a 1 MiB stream: %" PRIu64 " ns (rr), %"
                   PRIu64 " ns (fifo); stream %" PRIu64 " / %" PRIu64 " ns",
                   rr.wqe_ps / 1000, fifo.wqe_ps / 1000,
                   rr.stream_ps / 1000, fifo.stream_ps / 1000);
    g_assert_cmpuint(rr.wqe_ps, <=, bound);
    g_assert_cmpuint(fifo.wqe_ps, >, rr.wqe_ps + 2000000);
    /* The stream moved the same bytes at the same rate. */
    g_assert_cmpfloat(rr.stream_ps, <, fifo.stream_ps * 1.01);
    g_assert_cmpfloat(rr.stream_ps, >, fifo.stream_ps * 0.99);
    g_assert_cmpuint(rr.tcnt.pcie_up_bytes, ==, fifo.tcnt.pcie_up_bytes);
    g_assert_cmpuint(rr.tcnt.pcie_down_bytes, ==, fifo.tcnt.pcie_down_bytes);
    g_assert_cmpuint(rr.tcnt.pcie_tlps, ==, fifo.tcnt.pcie_tlps);
    g_assert_cmpuint(rr.tcnt.bus_wait_cycles, <, fifo.tcnt.bus_wait_cycles);
}

/*
 * Completions taken on events, as `ib_send_lat -e` does, with virtual time
 * moving the way -icount moves it: while the "guest" waits, time jumps to
 * the next wake-up the device asked for (QEMU warps QEMU_CLOCK_VIRTUAL to
 * its next timer deadline), and each thing the guest does costs time, so
 * a wake-up can come late and catch up. Two RC QPs over the port's
 * loopback ping-pong 64-byte inline SENDs on one CQ. Every frame,
 * completion and interrupt the device holds must have a wake-up at or
 * before its time: a warp past one would leave the ACK to the retransmit
 * timer (about 1 ms, PAIR_TIMEOUT), so no timeout may fire and a round
 * trip must stay far below it.
 *
 * The first receive is taken as perftest 4.5 takes it: the CQ is armed
 * before the CQE is polled, which posts a second event at once (an armed
 * CQ holding unconsumed CQEs), and the SEND that answers is then still
 * waiting for its ACK: an application that takes that event for its send
 * completion and polls once finds nothing (docs/timing-model.md, "Under
 * -icount").
 */
#define EV_ROUNDS       100
#define EV_THINK_NS     400     /* the guest's work per step, in virtual time */
#define EV_RTO_NS       (4096ull << PAIR_TIMEOUT)   /* the retransmit timeout */

static void ev_send(PairSide *a, int i, uint64_t wr_id)
{
    struct rdo_send_wqe w = { 0 };
    struct rdo_sge sge = { PAIR_SRC + 64 * i + 3, 64, a->mr_key };

    w.opcode = RDO_WR_SEND;
    w.flags = RDO_WQE_F_SIGNALED;
    w.wr_id = wr_id;
    pair_push_send(a, i, &w, &sge, 1);
}

static void ev_arm(PairSide *a)
{
    a->d->h->now_ns += EV_THINK_NS;
    td_doorbell(a->d, 0, RDO_DB_CQ,
                RDO_DB_VALUE(0, RDO_DB_CQ_ARM_NEXT, a->cq_ci));
}

/* The interrupt handler and the two processes: one step per CQE. */
static void ev_handle(PairSide *a, uint32_t *rounds, uint32_t *recvs)
{
    TestHost *h = a->d->h;
    struct rdo_cqe e;

    while (td_eq0_next(a->d).type) {
    }
    td_doorbell(a->d, 0, RDO_DB_EQ, RDO_DB_VALUE(0, RDO_DB_EQ_ARM, a->d->eq0_ci));
    while ((e = pair_poll(a)).wr_id != PAIR_NO_CQE) {
        g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
        h->now_ns += EV_THINK_NS;
        if (e.opcode != RDO_CQE_RECV) {
            continue;
        }
        (*recvs)++;
        if (e.wr_id == 1) {             /* the server answers */
            pair_post_recv(a, 1, 1, PAIR_DST + 8192, 4096);
            ev_send(a, 1, 0x21);
        } else if (++*rounds < EV_ROUNDS) {
            pair_post_recv(a, 0, 0, PAIR_DST, 4096);
            ev_send(a, 0, 0x20);
        }
    }
    ev_arm(a);
}

static void test_event_warp(void)
{
    RdoConfig cfg = work_config(true, 100, RDO_DEFAULT_QPC_CACHE,
                                RDO_DEFAULT_LOOKAHEAD);
    Pair *p = pair_new(&cfg);
    PairSide *a = &p->s[0];
    TestHost *h = a->d->h;
    uint32_t rounds = 0, recvs = 0, irqs;
    uint64_t start, took, armed, spurious;
    struct rdo_cqe e;

    /* The core keeps its frames and asks for a wake-up for each, as QEMU's
     * glue does. */
    test_host_untimed_frames(h);
    test_host_untimed_frames(p->s[1].d->h);
    h->lives = g_array_new(FALSE, FALSE, sizeof(RdoWrLife));
    pair_connect_loopback(p, 0, 1, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_post_recv(a, 0, 0, PAIR_DST, 4096);
    pair_post_recv(a, 1, 1, PAIR_DST + 8192, 4096);
    td_doorbell(a->d, 0, RDO_DB_EQ, RDO_DB_VALUE(0, RDO_DB_EQ_ARM, 0));
    ev_arm(a);
    start = h->now_ns;
    ev_send(a, 0, 0x20);

    /* The first receive's event; the CQ armed before it is polled. */
    irqs = h->irqs[0];
    while (h->irqs[0] == irqs) {
        g_assert_true(pair_step(p, h->now_ns + 4 * EV_RTO_NS));
    }
    while (td_eq0_next(a->d).type) {
    }
    td_doorbell(a->d, 0, RDO_DB_EQ, RDO_DB_VALUE(0, RDO_DB_EQ_ARM, a->d->eq0_ci));
    irqs = h->irqs[0];
    ev_arm(a);
    armed = h->now_ns;
    while (h->irqs[0] == irqs) {        /* the event at once, timed */
        g_assert_true(pair_step(p, h->now_ns + 4 * EV_RTO_NS));
    }
    spurious = h->now_ns - armed;
    while (td_eq0_next(a->d).type) {
    }
    td_doorbell(a->d, 0, RDO_DB_EQ, RDO_DB_VALUE(0, RDO_DB_EQ_ARM, a->d->eq0_ci));
    e = pair_poll(a);
    if (e.opcode != RDO_CQE_RECV) {     /* the client's send came first */
        g_assert_cmphex(e.wr_id, ==, 0x20);
        e = pair_poll(a);
    }
    g_assert_cmphex(e.wr_id, ==, 1);
    g_assert_cmpuint(e.opcode, ==, RDO_CQE_RECV);
    recvs++;
    pair_post_recv(a, 1, 1, PAIR_DST + 8192, 4096);
    h->now_ns += EV_THINK_NS;
    ev_send(a, 1, 0x21);
    /* A program woken by that event, polling at once: its SEND is not
     * complete yet, its ACK is on the way. */
    g_assert_cmphex(pair_poll(a).wr_id, ==, PAIR_NO_CQE);
    ev_arm(a);

    while (rounds < EV_ROUNDS) {
        irqs = h->irqs[0];
        g_assert_true(pair_step(p, h->now_ns + 4 * EV_RTO_NS));
        if (h->irqs[0] != irqs) {
            ev_handle(a, &rounds, &recvs);
        }
    }
    took = h->now_ns - start;
    /* That event came within a few cycles of the arm; the SEND's own
     * completion waited for its ACK, microseconds after its doorbell. */
    for (guint k = 0; k < h->lives->len; k++) {
        const RdoWrLife *l = &g_array_index(h->lives, RdoWrLife, k);

        if (l->wr_id == 0x21) {
            g_test_message("arm to event %" PRIu64 " ns; the answer's "
                           "doorbell to CQE %" PRIu64 " ns", spurious,
                           (l->cqe_ps - l->db_ps) / 1000);
            g_assert_cmpuint(l->ack_ps, <=, l->cqe_ps);
            g_assert_cmpuint((l->cqe_ps - l->db_ps) / 1000, >, 10 * spurious);
            break;
        }
    }
    g_test_message("%u round trips on events: %" PRIu64 " ns each, %"
                   PRIu64 " wake-ups", rounds, took / rounds, h->wakeups);
    g_assert_cmpuint(recvs, ==, 2 * EV_ROUNDS);
    g_assert_cmpuint(h->core.cnt.timeouts, ==, 0);
    g_assert_cmpuint(h->core.cnt.retransmits, ==, 0);
    g_assert_cmpuint(took / rounds, <, EV_RTO_NS / 20);
    pair_free(p);
}

/*
 * A doorbell does not hold back WQEs already in: a visit that stopped for
 * the link leaves its item at the head, ready; a doorbell rung then makes
 * an item of its own (merged into that one, the new WQEs' fetch held the
 * ready ones back, the link idle meanwhile: 4 KiB WRITEs at MTU 1024 and
 * 100 GbE moved 78.8 Gbit/s of the 92.3 the wire allows, 16 KiB WRITEs at
 * 400 GbE 357 of 392 with the FIFO refilling at 16 KiB).
 */
static void doorbell_near_wire(uint32_t gbps, uint8_t mtu_code, uint32_t msg)
{
    RdoConfig cfg = work_config(true, gbps, RDO_DEFAULT_QPC_CACHE,
                                RDO_DEFAULT_LOOKAHEAD);
    WorkResult r;
    double limit = work_wire_limit(gbps, 128u << mtu_code, msg);

    cfg.tm.pcie_gen = gbps > 200 ? 5 : 4;
    /* 64 KiB is 1.3 us at 400 GbE: refilled at half, about a payload
     * read's round trip would be left queued (docs/timing-model.md). */
    if (gbps > 200) {
        cfg.tm.tx_fifo_bytes = 128u << 10;
    }
    r = work_write_stream(&cfg, mtu_code, msg, (uint64_t)msg * 2048, 16);
    g_test_message("%u GbE, %u B WRITEs, MTU %u: %.2f Gbit/s, wire %.2f",
                   gbps, msg, 128u << mtu_code, r.gbps, limit);
    g_assert_cmpfloat(r.gbps, >=, 0.99 * limit);
}

static void test_doorbell_keeps_ready(void)
{
    doorbell_near_wire(100, RDO_MTU_4096 - 2, 4096);
    doorbell_near_wire(400, RDO_MTU_4096, 16384);
}

/*
 * A guest ringing SQ doorbells that bring no new WQE, alternating between
 * two QPs (so no doorbell joins the queue's last item): each QP keeps one
 * item of send work, not one a doorbell, and both WRITEs still complete.
 */
#define SAME_PI_RINGS   5000

static void test_doorbell_same_index(void)
{
    RdoConfig cfg = work_config(true, 100, RDO_DEFAULT_QPC_CACHE,
                                RDO_DEFAULT_LOOKAHEAD);
    Pair *p = pair_new(&cfg);
    PairSide *a = &p->s[0];
    GQueue *work = &a->d->h->core.st->tm->work;
    uint64_t errors = pair_cnt(a, RDO_REG_CNT_DB_ERRORS);

    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_connect(p, 1, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_post_rdma(p, 0, RDO_WR_RDMA_WRITE, 1, PAIR_SRC, PAIR_DST, 4096);
    pair_post_rdma(p, 1, RDO_WR_RDMA_WRITE, 2, PAIR_SRC + 8192,
                   PAIR_DST + 8192, 4096);
    for (int i = 0; i < SAME_PI_RINGS; i++) {
        RdoPairQp *q = &a->qp[i & 1];

        td_doorbell(a->d, 0, RDO_DB_SQ, RDO_DB_VALUE(q->qpn, 0, q->sq_pi));
    }
    g_test_message("%u items of send work after %d doorbells",
                   g_queue_get_length(work), SAME_PI_RINGS);
    g_assert_cmpuint(g_queue_get_length(work), <=, 2);
    g_assert_true(pair_run_cqes(p, 0, 2, PAIR_SEC));
    g_assert_cmpuint(pair_poll(a).status, ==, RDO_WC_SUCCESS);
    g_assert_cmpuint(pair_poll(a).status, ==, RDO_WC_SUCCESS);
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_DB_ERRORS), ==, errors);
    pair_free(p);
}

/* A stream of 1 MiB WRITEs at a transmit FIFO refill threshold. */
static WorkResult refill_stream(uint32_t refill_bytes)
{
    RdoConfig cfg = work_config(true, 100, RDO_DEFAULT_QPC_CACHE, 8);

    cfg.tm.tx_fifo_refill_bytes = refill_bytes;
    return work_write_stream(&cfg, RDO_MTU_4096, MIB, 8u << 20, 16);
}

/*
 * The transmit FIFO refills in bursts: a link-bound stream's engine, once
 * it found the FIFO full, comes back when the threshold's bytes are free
 * and sends that many in one visit (16 KiB: three 4 KiB frames of 4,154
 * bytes on the wire), where without the threshold each frame the link
 * took let one in, a visit and a wake-up each. The link stays as busy.
 */
static void test_refill_burst(void)
{
    WorkResult one = refill_stream(0), burst = refill_stream(16384);
    double one_per = (double)one.tcnt[0].link_frames / one.tcnt[0].sched_visits;
    double burst_per = (double)burst.tcnt[0].link_frames /
                       burst.tcnt[0].sched_visits;

    g_test_message("frames a visit: %.2f without a threshold, %.2f at 16 KiB; "
                   "wake-ups %" PRIu64 ", %" PRIu64 "; %.2f, %.2f Gbit/s",
                   one_per, burst_per, one.wakeups, burst.wakeups, one.gbps,
                   burst.gbps);
    g_assert_cmpfloat(one_per, <, 1.2);
    g_assert_cmpfloat(burst_per, >, 2.8);
    g_assert_cmpuint(burst.tcnt[0].link_frames, ==, one.tcnt[0].link_frames);
    g_assert_cmpuint(burst.wakeups * 100, <, one.wakeups * 85);
    g_assert_cmpfloat(burst.gbps, >, one.gbps * 0.999);
}

/*
 * A threshold up to one frame (on the wire) is no threshold: the FIFO
 * found full takes one frame when one leaves, as with 0; every counter and
 * lifecycle the same (the model before the threshold is 0's:
 * scripts/sim-figures with RDO_TX_FIFO_REFILL_BYTES=0).
 */
static void test_refill_frame_is_none(void)
{
    uint64_t hash0 = work_sim_hash, hash_none, hash_frame;
    WorkResult none, frame, more;

    none = refill_stream(0);
    hash_none = work_sim_hash;
    work_sim_hash = hash0;
    /* A 4 KiB frame's 4,154 bytes on the wire (headers, FCS, gap). */
    frame = refill_stream(4154);
    hash_frame = work_sim_hash;
    work_sim_hash = hash0;
    more = refill_stream(4154 + 512);
    g_assert_cmphex(hash_none, ==, hash_frame);
    g_assert_cmphex(work_sim_hash, !=, hash_frame);
    assert_same_run(&none, &frame);
    g_assert_cmpuint(more.tcnt[0].link_frames, ==, none.tcnt[0].link_frames);
}

#define REFILL_SMALL_AT_NS  30000   /* the stream has filled the FIFO */

/* Doorbell to the first bit on the wire of a 64-byte WRITE on QP 1 posted
 * while QP 0 streams 1 MiB WRITEs (the FIFO full); the FIFO's link time
 * in *fifo_ps. */
static uint64_t refill_small_wait(uint32_t refill_bytes, uint64_t *fifo_ps)
{
    RdoConfig cfg = work_config(true, 100, RDO_DEFAULT_QPC_CACHE, 8);
    Pair *p;
    TestHost *a;
    GArray *lives;
    uint64_t start, wait = 0;

    cfg.tm.tx_fifo_refill_bytes = refill_bytes;
    p = pair_new(&cfg);
    a = p->s[0].d->h;
    lives = a->lives = g_array_new(FALSE, FALSE, sizeof(RdoWrLife));
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096);
    pair_connect(p, 1, RDO_QPT_RC, RDO_MTU_4096);
    for (uint64_t i = 0; i < 2; i++) {
        pair_post_rdma(p, 0, RDO_WR_RDMA_WRITE, 1 + i, PAIR_SRC, PAIR_DST, MIB);
    }
    start = a->now_ns;
    while (a->now_ns < start + REFILL_SMALL_AT_NS) {
        g_assert_true(pair_step(p, UINT64_MAX));
    }
    /* The FIFO is full, or refilling: it holds its bytes of link time
     * less the threshold's and a frame's at least (80 ps a byte at 100
     * Gbit/s). */
    *fifo_ps = a->core.st->tm->tx_fifo_ps;
    g_assert_cmpuint(a->core.st->tm->link_free_ps + (refill_bytes + 4154) * 80,
                     >=, a->now_ns * 1000 + *fifo_ps);
    pair_post_rdma(p, 1, RDO_WR_RDMA_WRITE, 100, PAIR_SRC + 3 * MIB + 77,
                   PAIR_DST + MIB + 4096 + 33, 64);
    g_assert_true(pair_run_cqes(p, 0, 3, PAIR_SEC));
    for (guint k = 0; k < lives->len; k++) {
        const RdoWrLife *l = &g_array_index(lives, RdoWrLife, k);

        if (l->wr_id == 100) {
            wait = l->tx_first_ps - l->db_ps;
        }
    }
    g_assert_cmpuint(wait, >, 0);
    pair_free(p);
    return wait;
}

/*
 * A small message on another QP behind a full FIFO waits at most the
 * threshold's link time more than without one: the engine comes back for
 * it when the threshold's bytes are free, and the FIFO it then enters
 * holds less.
 */
static void test_refill_small_wait(void)
{
    uint64_t fifo_ps, none = refill_small_wait(0, &fifo_ps);

    for (uint32_t refill = 8192; refill <= 32768; refill *= 2) {
        uint64_t wait = refill_small_wait(refill, &fifo_ps);

        g_test_message("64 B behind a full FIFO: %" PRIu64 " ps to the wire, "
                       "%" PRIu64 " at %u", none, wait, refill);
        /* (8 bits a byte at 100 Gbit/s: 80 ps a byte.) */
        g_assert_cmpuint(wait, <=, none + refill * 80ull);
    }
    /* It waited behind the FIFO's bytes. */
    g_assert_cmpuint(none, >=, fifo_ps);
}

/*
 * The refill state per port, directly: a FIFO found full waits for the
 * threshold while the plain test would let a frame in; port 2's FIFO is
 * its own; a save carries the state (section 32) and a load brings it back;
 * a stream saying a port past the device's refills is refused.
 */
static void test_refill_state(void)
{
    RdoConfig cfg = work_config(true, 100, RDO_DEFAULT_QPC_CACHE, 8);
    Pair *p;
    RdoCore *core;
    RdoTiming *t;
    uint64_t now, room_at, slack, link2;
    uint8_t *img;
    size_t len, off;
    char *why = NULL;

    cfg.ports = 2;
    p = pair_new(&cfg);
    core = &p->s[0].d->h->core;
    t = core->st->tm;
    g_assert_true(rdo_tm_tx_may_send(core, 0));
    rdo_tm_egress_len(t, 4096 + 58);
    slack = t->tx_refill_ps - t->egress_link_ps;
    g_assert_cmpuint(slack, >, 0);
    now = rdo_tm_now_ps(core);
    t->cur_ps = now;
    /* Port 1's FIFO full by a frame: it is found full, and waits. */
    t->link_free_ps = now + t->tx_fifo_ps + t->egress_link_ps;
    g_assert_false(rdo_tm_tx_may_send(core, 1));
    g_assert_true(t->tx_refilling[0]);
    g_assert_cmpuint(t->next_ps, ==, now + t->egress_link_ps + slack);
    /* Drained by two frames, not yet to the threshold: still waits, where
     * a FIFO without the threshold takes a frame. */
    t->link_free_ps = now + t->tx_fifo_ps - t->egress_link_ps;
    g_assert_false(rdo_tm_tx_may_send(core, 1));
    /* Port 2's FIFO is empty: its QPs go on, and so does the engine. */
    g_assert_true(rdo_tm_tx_may_send(core, 2));
    g_assert_true(rdo_tm_tx_may_send(core, 0));
    g_assert_false(t->tx_refilling[1]);
    room_at = rdo_tm_tx_room_at(t, 1);
    g_assert_cmpuint(room_at, ==, now + slack - t->egress_link_ps);
    /* Port 2's link busy for a while: it stays so across the load. */
    link2 = now + 3 * t->egress_link_ps;
    t->link2_free_ps = link2;

    img = rdo_core_save(core, &len);
    if (!rdo_core_load(core, img, len, &why)) {
        g_error("load: %s", why);
    }
    t = core->st->tm;
    g_assert_true(t->tx_refilling[0]);
    g_assert_false(t->tx_refilling[1]);
    g_assert_cmpuint(t->egress_len, ==, 4096 + 58);
    g_assert_cmpuint(rdo_tm_tx_room_at(t, 1), ==, room_at);
    g_assert_false(rdo_tm_tx_may_send(core, 1));
    g_assert_cmpuint(t->link2_free_ps, ==, link2);

    /* Section 32 (tag, flags, length, then the ports' bits): a third
     * port's bit is refused. */
    for (off = 12; off + 8 <= len; off += 8 + (img[off + 4] | img[off + 5] << 8 |
                                                img[off + 6] << 16 |
                                                (uint32_t)img[off + 7] << 24)) {
        if ((img[off] | img[off + 1] << 8) == 32) {
            break;
        }
    }
    g_assert_cmpuint(off + 8, <, len);
    g_assert_cmpuint(img[off + 8], ==, 1);
    img[off + 8] = 4;
    g_assert_false(rdo_core_load(core, img, len, &why));
    g_test_message("refused: %s", why);
    g_free(why);
    g_free(img);
    pair_free(p);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/timing/registers", test_registers);
    g_test_add_func("/timing/config-checks", test_config_checks);
    g_test_add_func("/timing/goodput-mtu4096", test_goodput_mtu4096);
    g_test_add_func("/timing/goodput-mtu1024", test_goodput_mtu1024);
    g_test_add_func("/timing/deterministic", test_deterministic);
    g_test_add_func("/timing/host-timed-frames", test_host_takes_frames);
    g_test_add_func("/timing/handed-search", test_handed_search);
    g_test_add_func("/timing/egress-times", test_egress_times);
    g_test_add_func("/timing/cache-cliff", test_cache_cliff);
    g_test_add_func("/timing/cache-ways", test_cache_ways);
    g_test_add_func("/timing/push-latency", test_push_latency);
    g_test_add_func("/timing/irq-moderation", test_irq_moderation);
    g_test_add_func("/timing/lossy-exact", test_lossy_exact);
    g_test_add_func("/timing/bus-arb-direct", test_bus_arb_direct);
    g_test_add_func("/timing/bus-arb-stream", test_bus_arb_stream);
    g_test_add_func("/timing/event-warp", test_event_warp);
    g_test_add_func("/timing/doorbell-keeps-ready", test_doorbell_keeps_ready);
    g_test_add_func("/timing/doorbell-same-index", test_doorbell_same_index);
    g_test_add_func("/timing/refill-burst", test_refill_burst);
    g_test_add_func("/timing/refill-frame-is-none", test_refill_frame_is_none);
    g_test_add_func("/timing/refill-small-wait", test_refill_small_wait);
    g_test_add_func("/timing/refill-state", test_refill_state);
    return g_test_run();
}
