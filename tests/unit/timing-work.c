/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <malloc.h>
#include <string.h>
#include "timing-work.h"

#define SMALL_MSG       64
#define STEP_LIMIT_NS   (10ull * 1000 * 1000 * 1000)
/* Per frame on the wire beyond the payload: preamble + SFD 8, Ethernet 14,
 * IPv4 20, UDP 8, BTH 12, ICRC 4, FCS 4, inter-frame gap 12. */
#define WIRE_PER_FRAME  82
#define RETH_LEN        16

RdoConfig work_config(bool timing, uint32_t gbps, uint32_t cache,
                      uint32_t lookahead)
{
    RdoConfig cfg = test_host_default_config();

    cfg.tm.on = timing;
    cfg.tm.link_gbps = gbps;
    cfg.tm.lookahead = lookahead;
    cfg.qpc_cache_entries = cache;
    return cfg;
}

double work_wire_limit(uint32_t gbps, uint32_t mtu, uint32_t msg)
{
    uint32_t pkts = msg ? (msg + mtu - 1) / mtu : 1;
    double wire = (double)msg + pkts * WIRE_PER_FRAME + RETH_LEN;

    return gbps * msg / wire;
}

static uint64_t wall_now_ns(void)
{
    return g_get_monotonic_time() * 1000;
}

/* The process's CPU time: on a shared machine it moves less with the
 * other jobs than the wall clock does (no time waiting for a core). */
static uint64_t cpu_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static Pair *work_pair(const RdoConfig *cfg, uint16_t mod_count,
                       uint16_t mod_usec)
{
    Pair *p = pair_new_moderated(cfg, mod_count, mod_usec);

    if (work_core_keeps_frames) {
        test_host_untimed_frames(p->s[0].d->h);
        test_host_untimed_frames(p->s[1].d->h);
    }
    p->s[0].d->h->lives = g_array_new(FALSE, FALSE, sizeof(RdoWrLife));
    return p;
}

uint64_t work_sim_hash = 0xcbf29ce484222325ull;
bool work_core_keeps_frames;
uint32_t work_buf_offset;

static void hash_u64s(const uint64_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        work_sim_hash = (work_sim_hash ^ v[i]) * 0x100000001b3ull;
    }
}

static void work_finish(Pair *p, WorkResult *r, uint64_t wall_start)
{
    GArray *lives = p->s[0].d->h->lives;

    r->wall_ns = wall_now_ns() - wall_start;
    for (int k = 0; k < 2; k++) {
        RdoCore *core = &p->s[k].d->h->core;

        rdo_core_reg_read(core, RDO_REG_TM_CYCLES_LO, 4);  /* syncs counters */
        r->cnt[k] = core->cnt;
        r->tcnt[k] = core->tcnt;
        r->wakeups += p->s[k].d->h->wakeups;
        G_STATIC_ASSERT(sizeof(RdoCounters) % 8 == 0);
        hash_u64s((const uint64_t *)&core->cnt, sizeof(core->cnt) / 8);
        hash_u64s((const uint64_t *)&core->tcnt, sizeof(core->tcnt) / 8);
    }
    for (guint i = 0; lives && i < lives->len; i++) {
        const RdoWrLife *l = &g_array_index(lives, RdoWrLife, i);
        uint64_t v[] = { l->qpn, l->wqe_index, l->wr_id, l->msg_len,
                         l->opcode, l->pushed, l->db_ps, l->wqe_ps, l->sched_ps,
                         l->ctx_ps, l->tx_first_ps, l->tx_last_ps, l->ack_ps,
                         l->cqe_ps };

        hash_u64s(v, G_N_ELEMENTS(v));
    }
    pair_free(p);
}

/* A WRITE of len bytes on QP slot i from A's MR at off to B's at off. */
static void post_write(PairSide *a, PairSide *b, int i, uint64_t wr_id,
                       uint64_t off, uint32_t len, bool push)
{
    struct rdo_send_wqe w = { 0 };
    struct rdo_sge sge = { PAIR_MR_IOVA + off, len, a->mr_key };

    w.opcode = RDO_WR_RDMA_WRITE;
    w.flags = RDO_WQE_F_SIGNALED;
    w.wr_id = wr_id;
    w.remote_addr = PAIR_MR_IOVA + off;
    w.rkey = b->mr_key;
    if (push) {
        pair_push_send(a, i, &w, &sge, 1);
    } else {
        pair_post_send(a, i, &w, &sge, 1, NULL);
    }
}

static struct rdo_cqe poll_ok(PairSide *s)
{
    struct rdo_cqe e = pair_poll(s);

    if (e.wr_id != PAIR_NO_CQE) {
        g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
    }
    return e;
}

static void step_or_fail(Pair *p)
{
    uint64_t now = p->s[0].d->h->now_ns;

    g_assert_true(pair_step(p, now + STEP_LIMIT_NS));
}

WorkResult work_write_stream(const RdoConfig *cfg, uint8_t mtu_code,
                             uint32_t msg, uint64_t total, uint32_t depth)
{
    uint64_t wall = wall_now_ns(), cpu = cpu_now_ns();
    Pair *p = work_pair(cfg, 0, 0);
    PairSide *a = &p->s[0], *b = &p->s[1];
    uint64_t count = MAX(total / msg, 1), posted = 0, done = 0;
    uint64_t empty_at = UINT64_MAX;     /* writes when a poll found none */
    uint64_t span = (PAIR_MR_LEN - (work_buf_offset ? 4096 : 0)) / msg * msg;
    GArray *lives = a->d->h->lives;
    WorkResult r = { 0 };

    pair_connect(p, 0, RDO_QPT_RC, mtu_code);
    while (done < count) {
        while (posted < count && posted - done < depth) {
            post_write(a, b, 0, posted, posted * msg % span + work_buf_offset,
                       msg, false);
            posted++;
        }
        /* Polls only after a write to A's memory since the last empty
         * poll: most steps write none (the harness's cost, not the
         * model's). */
        g_assert_true(pair_step_until_write(p, a, empty_at, STEP_LIMIT_NS));
        while (poll_ok(a).wr_id != PAIR_NO_CQE) {
            done++;
        }
        empty_at = a->d->h->dma_writes;
    }
    r.msgs = count;
    r.bytes = count * msg;
    if (lives->len) {
        RdoWrLife *first = &g_array_index(lives, RdoWrLife, 0);
        RdoWrLife *last = &g_array_index(lives, RdoWrLife, lives->len - 1);

        r.sim_ps = last->cqe_ps - first->db_ps;
        r.gbps = r.bytes * 8000.0 / r.sim_ps;
    }
    r.cpu_ns = cpu_now_ns() - cpu;
    work_finish(p, &r, wall);
    return r;
}

WorkResult work_msg_rate(const RdoConfig *cfg, uint32_t nqp, uint32_t depth,
                         uint32_t msgs)
{
    uint64_t wall = wall_now_ns();
    Pair *p = work_pair(cfg, 0, 0);
    PairSide *a = &p->s[0], *b = &p->s[1];
    GArray *lives = a->d->h->lives;
    uint64_t posted = 0, done = 0;
    uint64_t empty_at = UINT64_MAX;     /* writes when a poll found none */
    WorkResult r = { 0 };

    g_assert_cmpuint(nqp, <=, PAIR_QPS);
    for (uint32_t i = 0; i < nqp; i++) {
        pair_connect(p, i, RDO_QPT_RC, RDO_MTU_4096 - 2);
    }
    /* Round by round, one WQE per QP, one doorbell each. */
    for (uint32_t d = 0; d < depth; d++) {
        for (uint32_t i = 0; i < nqp && posted < msgs; i++) {
            post_write(a, b, i, posted, (uint64_t)i * SMALL_MSG, SMALL_MSG, false);
            posted++;
        }
    }
    while (done < msgs) {
        struct rdo_cqe e;

        /* Polls only after a write to A's memory since the last empty
         * poll: most steps write none (the harness's cost, not the
         * model's). */
        g_assert_true(pair_step_until_write(p, a, empty_at, STEP_LIMIT_NS));
        while ((e = poll_ok(a)).wr_id != PAIR_NO_CQE) {
            uint32_t i = e.qpn - 2;

            done++;
            if (posted < msgs) {
                post_write(a, b, i, posted, (uint64_t)i * SMALL_MSG, SMALL_MSG,
                           false);
                posted++;
            }
        }
        empty_at = a->d->h->dma_writes;
    }
    r.msgs = msgs;
    r.bytes = (uint64_t)msgs * SMALL_MSG;
    if (lives->len > 4) {
        uint32_t from = lives->len / 4;
        uint64_t t0 = g_array_index(lives, RdoWrLife, from).cqe_ps;
        uint64_t t1 = g_array_index(lives, RdoWrLife, lives->len - 1).cqe_ps;

        r.sim_ps = t1 - t0;
        r.mrate = (lives->len - 1 - from) * 1e6 / r.sim_ps;
    }
    work_finish(p, &r, wall);
    return r;
}

WorkResult work_latency(const RdoConfig *cfg, bool push, uint32_t iters)
{
    uint64_t wall = wall_now_ns();
    Pair *p = work_pair(cfg, 0, 0);
    PairSide *a = &p->s[0], *b = &p->s[1];
    GArray *lives = a->d->h->lives;
    double sum = 0;
    WorkResult r = { 0 };

    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    for (uint32_t k = 0; k < iters; k++) {
        post_write(a, b, 0, k, 0, SMALL_MSG, push);
        while (poll_ok(a).wr_id == PAIR_NO_CQE) {
            step_or_fail(p);
        }
    }
    for (guint k = 0; k < lives->len; k++) {
        RdoWrLife *l = &g_array_index(lives, RdoWrLife, k);

        g_assert_true(l->pushed == push);
        sum += l->cqe_ps - l->db_ps;
    }
    r.msgs = iters;
    r.lat_ns = lives->len ? sum / lives->len / 1000 : 0;
    work_finish(p, &r, wall);
    return r;
}

/* The driver's interrupt handler: events consumed, EQ and CQ re-armed. */
static uint32_t irq_handler(PairSide *a, GArray *lives, uint32_t *seen,
                            double *lat_sum, uint64_t now_ps)
{
    TestDriver *d = a->d;
    uint32_t polled = 0;

    while (td_eq0_next(d).type) {
    }
    td_doorbell(d, 0, RDO_DB_EQ, RDO_DB_VALUE(0, RDO_DB_EQ_ARM, d->eq0_ci));
    while (poll_ok(a).wr_id != PAIR_NO_CQE) {
        RdoWrLife *l = &g_array_index(lives, RdoWrLife, *seen);

        *lat_sum += now_ps - l->db_ps;
        (*seen)++;
        polled++;
    }
    td_doorbell(d, 0, RDO_DB_CQ, RDO_DB_VALUE(0, RDO_DB_CQ_ARM_NEXT, a->cq_ci));
    return polled;
}

WorkResult work_irq(const RdoConfig *cfg, bool moderation, uint32_t msgs)
{
    uint64_t wall = wall_now_ns();
    Pair *p = work_pair(cfg, moderation ? 16 : 0, moderation ? 8 : 0);
    PairSide *a = &p->s[0], *b = &p->s[1];
    TestHost *h = a->d->h;
    GArray *lives = h->lives;
    uint32_t posted = 0, done = 0, seen = 0, irqs = 0;
    double lat_sum = 0;
    WorkResult r = { 0 };

    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    td_doorbell(a->d, 0, RDO_DB_EQ, RDO_DB_VALUE(0, RDO_DB_EQ_ARM, 0));
    td_doorbell(a->d, 0, RDO_DB_CQ, RDO_DB_VALUE(0, RDO_DB_CQ_ARM_NEXT, 0));
    while (done < msgs) {
        while (posted < msgs && posted - done < 16) {
            post_write(a, b, 0, posted, 0, SMALL_MSG, false);
            posted++;
        }
        step_or_fail(p);
        if (h->irqs[0] != irqs) {
            irqs = h->irqs[0];
            done += irq_handler(a, lives, &seen, &lat_sum, h->now_ns * 1000);
        }
    }
    r.msgs = msgs;
    r.irqs_per_msg = (double)irqs / msgs;
    r.lat_ns = lat_sum / msgs / 1000;
    work_finish(p, &r, wall);
    return r;
}

#define SCALE_WINDOW    16

/* Bytes malloc has handed out (heap and mmap'd blocks), and the large
 * blocks the core and the harness map themselves (rdo_bigmem_alloc0). */
static uint64_t heap_bytes(void)
{
    struct mallinfo2 m = mallinfo2();

    return m.uordblks + m.hblkhd + rdo_bigmem_mapped_bytes();
}

WorkResult work_qp_scale(const RdoConfig *cfg, uint32_t nqp, uint32_t msgs)
{
    uint64_t heap0 = heap_bytes(), wall = wall_now_ns(), wall_half = 0;
    uint64_t cpu_half = 0;
    RdoConfig c = *cfg;
    Pair *p;
    PairSide *a, *b;
    uint64_t posted = 0, done = 0, harness = 0;
    WorkResult r = { 0 };

    /* QPN 2 + i for slot i; QPNs 0 and 1 are reserved. */
    c.max_qp = MAX(c.max_qp, nqp + 2);
    p = pair_new(&c);
    a = &p->s[0];
    b = &p->s[1];
    /* Small rings (a page each): 65,536 QPs fit in memory. */
    p->layout.sq_log = 3;
    p->layout.rq_log = 1;
    for (uint32_t i = 0; i < nqp; i++) {
        pair_connect(p, i, RDO_QPT_RC, RDO_MTU_4096 - 2);
    }
    while (done < msgs) {
        while (posted < msgs && posted - done < SCALE_WINDOW) {
            uint32_t i = posted % nqp;

            post_write(a, b, i, posted, (uint64_t)(i % 1024) * SMALL_MSG,
                       SMALL_MSG, false);
            posted++;
        }
        step_or_fail(p);
        while (poll_ok(a).wr_id != PAIR_NO_CQE) {
            if (++done == msgs / 2) {
                wall_half = wall_now_ns();
                cpu_half = cpu_now_ns();
            }
        }
    }
    r.msgs = msgs;
    r.bytes = (uint64_t)msgs * SMALL_MSG;
    r.wall_ns_per_msg = (double)(wall_now_ns() - wall_half) / (msgs - msgs / 2);
    r.cpu_ns_per_msg = (double)(cpu_now_ns() - cpu_half) / (msgs - msgs / 2);
    for (int k = 0; k < 2; k++) {
        const TestHost *h = p->s[k].d->h;

        harness += MAX(h->mem_size, h->mem_mapped) +
                   MAX(PAIR_QPS, c.max_qp) * sizeof(PairQp);
    }
    r.heap_per_adapter = (heap_bytes() - heap0 - MIN(harness, heap_bytes() - heap0)) / 2;
    work_finish(p, &r, wall);
    return r;
}
