/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core, timing model: the PCIe bus. Two directions with a
 * bandwidth from generation and lanes after encoding, TLP overhead per
 * max-payload chunk, DMAs cut at the host's cache lines (cache-line, 64 or
 * 128) where they start or end inside one, a read latency; each stage's
 * DMAs queue in their own flow (RdoFlow), payloads per application flow
 * (rr, weighted), arbitrated round-robin, weighted or in order of
 * readiness.
 */
#include "timing/timing.h"

#define PCIE_MRRS           512     /* bytes one read request asks for */
/* For what a DMA's booking calls (each DMA comes through it once): the
 * calls cost more than the work. */
#define BUS_INLINE          static inline __attribute__((always_inline))

/*
 * Time of `bytes` on one PCIe direction: GT/s per lane times lanes, after
 * 8b/10b (generations 1, 2) or 128b/130b (3 and later) encoding. The
 * constants are derived once (bus_init); from generation 3 the divisor is
 * a power of two and the division a shift (the same result).
 */
static void bus_init(RdoTiming *t)
{
    static const uint32_t half_gts[] = { 0, 5, 10, 16, 32, 64 };
    uint32_t gen = t->cfg.pcie_gen;
    uint64_t num = (uint64_t)half_gts[gen] * t->cfg.pcie_lanes *
                   (gen >= 3 ? 128 : 8);

    t->pcie_num = num;
    t->pcie_den = 16000ull * (gen >= 3 ? 130 : 10);
    t->pcie_shift = (num & (num - 1)) ? -1 : __builtin_ctzll(num);
    t->mps_shift = __builtin_ctz(t->cfg.pcie_mps);    /* a power of two */
}

BUS_INLINE uint64_t pcie_ps(const RdoTiming *t, uint64_t bytes)
{
    uint64_t bits = bytes * t->pcie_den;

    return t->pcie_shift >= 0 ? (bits + t->pcie_num - 1) >> t->pcie_shift :
           rdo_div_up(bits, t->pcie_num);
}

/*
 * TLPs a DMA of `len` bytes at `addr` takes, from its cut at the host's
 * cache line (dma.c): the head and the tail piece one TLP each (the root
 * complex merges those with a read-modify-write; counted, D16), the whole
 * lines in chunks that do not cross a max-payload boundary. `reqs`: the
 * read requests for it: one per piece, the lines one per PCIE_MRRS bytes.
 */
BUS_INLINE uint64_t tlp_count(const RdoTiming *t, uint32_t line, uint64_t addr,
                         uint64_t len, uint64_t *split, uint64_t *reqs)
{
    RdoDmaCut c;
    uint64_t n = 0;

    /* Short of the end of its line (a page-list entry, a CQE): the cut's
     * one piece, head or tail, one TLP and one request (len > 0). */
    if ((addr & (line - 1)) + len < line) {
        *split = 1;
        *reqs = 1;
        return 1;
    }
    c = rdo_dma_cut(addr, len, line);
    *split = !!c.head + !!c.tail;
    *reqs = *split;
    if (c.body) {
        uint64_t a = addr + c.head;

        /* max-payload chunks: pcie_mps is a power of two */
        n = ((a + c.body + t->cfg.pcie_mps - 1) >> t->mps_shift) -
            (a >> t->mps_shift);
        *reqs += rdo_div_up(c.body, PCIE_MRRS);
    }
    return n + *split;
}

/*
 * The queues and their weights. Under kind and fifo every DMA queues by
 * its kind; under rr and weighted the payload DMAs (RDO_FLOW_DATA) of the
 * QP being worked on queue in its application flow's queue, so that one
 * connection's megabytes do not hold up another's few bytes. Weights: the
 * flow classes' (weighted), 1 for the rest.
 */
void rdo_tm_bus_init(RdoCore *core)
{
    RdoTiming *t = core->st->tm;
    bool flows;

    if (!t) {
        return;
    }
    bus_init(t);
    t->pcie_full_ps = pcie_ps(t, t->cfg.pcie_mps + t->cfg.pcie_tlp_overhead);
    t->pcie_ovh_ps = pcie_ps(t, t->cfg.pcie_tlp_overhead);
    t->pcie_req_tlp_ps = MAX(t->pcie_ovh_ps, 1);
    t->pcie_latency_ps = t->cfg.pcie_latency_ns * 1000ull;
    flows = t->cfg.bus_arb == RDO_BUS_ARB_RR ||
            t->cfg.bus_arb == RDO_BUS_ARB_WEIGHTED;
    t->busq = flows ? RDO_TM_APPQ + t->cfg.bus_flow_queues : RDO_FLOW_UNTIMED;
    t->app_q = -1;
    t->data_q = RDO_FLOW_DATA;
    rdo_tm_bus_reindex(&t->up);
    rdo_tm_bus_reindex(&t->down);
    memset(t->weight, 1, sizeof(t->weight));
    if (t->cfg.bus_arb != RDO_BUS_ARB_WEIGHTED) {
        return;
    }
    for (uint32_t c = 1; c <= RDO_FLOW_CLASS_MAX; c++) {
        uint32_t w = (t->cfg.bus_class_weights >> (4 * (c - 1))) & 0xf;

        t->weight[RDO_TM_APPQ + rdo_tm_flow_queue(&t->cfg, 0, c)] = w;
    }
}

/*
 * Bounded hardware: with room, flow classes 1..8 have a queue each and QPs
 * of class 0 hash (QP number modulo) onto the others; with 8 queues or
 * fewer classes and QPs share them (a queue two classes share takes the
 * higher class's weight).
 */
uint32_t rdo_tm_flow_queue(const RdoTimingConfig *c, uint32_t qpn, uint8_t cls)
{
    uint32_t n = c->bus_flow_queues;

    if (n > RDO_FLOW_CLASS_MAX) {
        return cls ? cls - 1u : RDO_FLOW_CLASS_MAX + qpn % (n - RDO_FLOW_CLASS_MAX);
    }
    return cls ? (cls - 1u) % n : qpn % n;
}

void rdo_tm_app_flow_set(RdoTiming *t, uint32_t qpn, uint8_t cls)
{
    t->app_q = rdo_tm_flow_queue(&t->cfg, qpn, cls);
    if (t->busq > RDO_FLOW_UNTIMED) {
        t->data_q = RDO_TM_APPQ + (uint32_t)t->app_q;
        t->data_bit = 1ull << t->app_q;
    }
    t->app_q_qpn = qpn;
    t->app_q_cls = cls;
}

/* The queue of the current DMA: a payload's is kept (data_q), set where
 * the QP worked on changes, not derived every DMA. */
static uint32_t bus_queue(const RdoTiming *t)
{
    return t->flow == RDO_FLOW_DATA ? t->data_q : t->flow;
}

/*
 * The payload's queues in order of their ends (RdoTmDir.pay_next): the
 * latest first, the lower index first among equals. So the first is what
 * a walk of RDO_FLOW_DATA and then the booked queues in increasing order
 * finds as the latest (a later end taking over), and the queues with work
 * left past a time are the first ones: arbitration visits those, however
 * many queues were ever booked (65,536 QPs book every class-0 queue). Every
 * booking only moves a queue's end later.
 */
BUS_INLINE bool pay_before(const RdoTmDir *d, uint32_t a, uint32_t b)
{
    return d->end_ps[a] > d->end_ps[b] ||
           (d->end_ps[a] == d->end_ps[b] && a < b);
}

/* Queue q (not in the order) in its place, looked for from the first: past
 * the queues that end later, few while the bus is busy. */
static void pay_link(RdoTmDir *d, uint32_t q)
{
    uint32_t x = d->pay_next[RDO_TM_PAY_END], p;

    /* The end (0, the highest index) is before no queue. */
    while (pay_before(d, x, q)) {
        x = d->pay_next[x];
    }
    p = d->pay_prev[x];
    d->pay_next[p] = q;
    d->pay_prev[q] = p;
    d->pay_next[q] = x;
    d->pay_prev[x] = q;
}

static __attribute__((noinline)) void pay_relink(RdoTmDir *d, uint32_t q)
{
    d->pay_next[d->pay_prev[q]] = d->pay_next[q];
    d->pay_prev[d->pay_next[q]] = d->pay_prev[q];
    pay_link(d, q);
}

/* Payload queue q's end moved later (listed: it is in the order; else it
 * is booked for the first time). The first stays first. */
BUS_INLINE void pay_later(RdoTmDir *d, uint32_t q, bool listed)
{
    if (!listed) {
        pay_link(d, q);
    } else if (d->pay_next[RDO_TM_PAY_END] != q) {
        pay_relink(d, q);
    }
}

void rdo_tm_bus_reindex(RdoTmDir *d)
{
    uint32_t q;

    d->end_ps[RDO_TM_PAY_END] = 0;
    d->pay_next[RDO_TM_PAY_END] = d->pay_prev[RDO_TM_PAY_END] = RDO_TM_PAY_END;
    pay_link(d, RDO_FLOW_DATA);
    RDO_TM_FOR_BOOKED(q, d) {
        pay_link(d, q);
    }
}

/*
 * The payload queues as one at the kinds' level (rr, weighted: the
 * arbitration is two-level, kinds round-robin and the payload's turn
 * shared among the flows): when the last of them is through, and the TLP
 * time of that one. The walk is the definition (RdoTiming.bus_walk_all,
 * tests); the first of the order is the same queue.
 */
static uint64_t payload_end_walk(const RdoTmDir *d, uint64_t *tlp)
{
    uint64_t end = d->end_ps[RDO_FLOW_DATA];
    uint32_t q;

    *tlp = d->tlp_ps[RDO_FLOW_DATA];
    RDO_TM_FOR_BOOKED(q, d) {
        if (d->end_ps[q] > end) {
            end = d->end_ps[q];
            *tlp = d->tlp_ps[q];
        }
    }
    return end;
}

BUS_INLINE uint64_t payload_end(const RdoTiming *t, const RdoTmDir *d,
                                uint64_t *tlp)
{
    uint32_t first = d->pay_next[RDO_TM_PAY_END];

    if (t->bus_walk_all) {
        return payload_end_walk(d, tlp);
    }
    *tlp = d->tlp_ps[first];
    return d->end_ps[first];
}

/* A payload queue with more than its TLP on the bus left at `start` is
 * later by `by` (an idle one has no work to delay, nor a TLP time). */
BUS_INLINE bool pay_push(RdoTmDir *d, uint32_t q, uint64_t start, uint64_t by)
{
    if (d->end_ps[q] <= start + d->tlp_ps[q]) {
        return false;
    }
    d->end_ps[q] += by;
    if (q == RDO_FLOW_DATA) {
        d->kinds_end_ps = MAX(d->kinds_end_ps, d->end_ps[q]);
    }
    return true;
}

/*
 * The order after pay_push on its first `n` queues (all ending after
 * `start`, the rest no later): those pushed and those not are each still
 * in order, and all still before the rest; put the n in order again.
 */
static __attribute__((noinline)) void pay_resort(RdoTmDir *d, uint32_t n)
{
    uint8_t q[RDO_TM_BUSQ];
    uint32_t x = d->pay_next[RDO_TM_PAY_END], rest, p = RDO_TM_PAY_END;

    for (uint32_t i = 0; i < n; i++, x = d->pay_next[x]) {
        uint32_t j = i;

        while (j && pay_before(d, x, q[j - 1])) {
            q[j] = q[j - 1];
            j--;
        }
        q[j] = x;
    }
    rest = x;
    for (uint32_t i = 0; i < n; p = q[i++]) {
        d->pay_next[p] = q[i];
        d->pay_prev[q[i]] = p;
    }
    d->pay_next[p] = rest;
    d->pay_prev[rest] = p;
}

/* push_back's walk of every payload queue booked (bus_walk_all), then the
 * order made anew. */
static __attribute__((noinline)) void push_back_walk(RdoTmDir *d,
                                                     uint64_t start,
                                                     uint64_t by)
{
    uint32_t q;

    pay_push(d, RDO_FLOW_DATA, start, by);
    RDO_TM_FOR_BOOKED(q, d) {
        pay_push(d, q, start, by);
    }
    rdo_tm_bus_reindex(d);
}

/*
 * Later by `by`: the kind's queue, or for the payload each of its queues
 * with more than the TLP on the bus left at `start`: of the order, the
 * first ones, those that end after `start`.
 */
static void push_back(const RdoTiming *t, RdoTmDir *d, uint32_t g,
                      uint64_t start, uint64_t by)
{
    uint32_t n = 0, pushed = 0;

    if (g != RDO_FLOW_DATA) {
        d->end_ps[g] += by;
        d->kinds_end_ps = MAX(d->kinds_end_ps, d->end_ps[g]);
        return;
    }
    if (t->bus_walk_all) {
        push_back_walk(d, start, by);
        return;
    }
    for (uint32_t q = d->pay_next[RDO_TM_PAY_END]; d->end_ps[q] > start;
         q = d->pay_next[q], n++) {
        pushed += pay_push(d, q, start, by);
    }
    /* All of them or none later by the same: the order holds. */
    if (pushed && pushed < n) {
        pay_resort(d, n);
    }
}

/*
 * Round-robin between the kinds' queues on one direction (D21): a request
 * of kind `f` ready at `at`, queued behind its queue's earlier requests,
 * `n` TLPs taking `dur` in all (a full one `tlp`). Every other kind with
 * work still booked (the payload: any of its queues) sends one TLP before
 * each of ours while it has any left, and ours go before the rest of its
 * work, so its end moves later by the part of ours that overtakes it. A
 * DMA's times are fixed when it is issued: the requests already booked
 * keep theirs, and the overtaking shows in the queues' ends and in the
 * direction's end of work, which grows by exactly `dur` as with fifo (same
 * bytes, busy time and bandwidth). Returns when our last TLP is through.
 */
static uint64_t rr_serve(const RdoTiming *t, RdoTmDir *d, uint32_t f,
                         uint64_t at, uint64_t n, uint64_t tlp, uint64_t dur)
{
    uint64_t start = MAX(at, d->end_ps[f]);
    uint64_t done = start + dur;

    tlp = MAX(tlp, 1);
    if (d->free_ps > start) {
        uint64_t others = 0;

        for (uint32_t g = 0; g < RDO_FLOW_UNTIMED; g++) {
            uint64_t gt, end = g == RDO_FLOW_DATA ? payload_end(t, d, &gt) :
                                                    d->end_ps[g];
            uint64_t left = end > start ? end - start : 0;

            if (g != RDO_FLOW_DATA) {
                gt = d->tlp_ps[g];
            }
            if (g == f || !left) {
                continue;
            }
            others += MIN(left, n * gt);
            if (left > gt) {
                /* Its TLPs after the one on the bus now wait for ours. */
                push_back(t, d, g, start,
                          MIN(dur, rdo_div_up(left - gt, gt) * tlp));
            }
        }
        /* No later than behind everything booked (work conserving). */
        done = MIN(done + others, d->free_ps + dur);
    }
    d->free_ps = MAX(d->free_ps, start) + dur;
    d->end_ps[f] = done;
    d->kinds_end_ps = MAX(d->kinds_end_ps, done);
    d->tlp_ps[f] = tlp;
    if (f == RDO_FLOW_DATA) {
        pay_later(d, f, true);
    }
    return done;
}

/*
 * rr and weighted, a payload queue's request: the same per-TLP rounds, but
 * another payload queue that has more than a TLP queued when ours is
 * issued counts as streaming on through ours (its share of every round,
 * not only what it has booked by then), and nothing booked is moved. A
 * QP's payload DMAs are booked ahead of its completions (its next payload
 * comes as the last is through), so bounding the others by what they have
 * booked (rr_serve) lets a long request book itself far ahead, past the
 * others' booked work, and finish as if alone; counted so, each streaming
 * queue gets its weight's share of the bus, whatever its request sizes.
 * The price: when a streaming queue stops, the requests booked beside it
 * finish later than the bus would allow (pessimistic, never faster than
 * the bus). Kinds' queues (WQE, CQE, ...) count what they have booked.
 */
/* Queue g's share of the rounds of a payload request of `rounds` rounds
 * (share_others): a payload queue with more than a TLP left at `at`
 * streams on, its full share; the others (and a kind) what they have left
 * from `start`, at most that. g has work past `at`. */
BUS_INLINE uint64_t share_of(const RdoTiming *t, const RdoTmDir *d,
                             uint32_t g, uint64_t at, uint64_t start,
                             uint64_t rounds)
{
    uint64_t left = d->end_ps[g] > start ? d->end_ps[g] - start : 0;
    uint64_t gt = d->tlp_ps[g], share = rounds * t->weight[g] * gt;

    return g >= RDO_TM_APPQ && d->end_ps[g] > at + gt ? share :
           MIN(left, share);
}

/* share_others' walk of every payload queue booked (bus_walk_all, tests):
 * those through by `at` add nothing. */
static __attribute__((noinline)) uint64_t
share_booked_walk(const RdoTiming *t, const RdoTmDir *d, uint32_t f,
                  uint64_t at, uint64_t start, uint64_t rounds)
{
    uint64_t others = 0;
    uint32_t q;

    RDO_TM_FOR_BOOKED(q, d) {
        if (q != f && d->end_ps[q] > at) {
            others += share_of(t, d, q, at, start, rounds);
        }
    }
    return others;
}

/* The others' shares of the rounds of a payload request of `n` TLPs that
 * is not streaming alone (share_serve): the kinds' queues, then the
 * payload queues with work past `at` (no earlier than start), the first
 * ones of the order; the others have nothing left and a zero share. Out
 * of line: inlined, its loop made every DMA's booking keep more on the
 * stack. */
static __attribute__((noinline)) uint64_t share_others(const RdoTiming *t, const RdoTmDir *d,
                             uint32_t f, uint64_t at, uint64_t start,
                             uint64_t n)
{
    uint64_t rounds = rdo_div_up(n, t->weight[f]), others = 0;

    for (uint32_t g = 0; g < RDO_TM_APPQ; g++) {
        if (d->end_ps[g] > at) {
            others += share_of(t, d, g, at, start, rounds);
        }
    }
    if (t->bus_walk_all) {
        return others + share_booked_walk(t, d, f, at, start, rounds);
    }
    for (uint32_t q = d->pay_next[RDO_TM_PAY_END]; d->end_ps[q] > at;
         q = d->pay_next[q]) {
        if (q >= RDO_TM_APPQ && q != f) {
            others += share_of(t, d, q, at, start, rounds);
        }
    }
    return others;
}

/* Every payload DMA comes here, a read twice: the common case is a few
 * instructions. */
BUS_INLINE uint64_t share_serve(const RdoTiming *t, RdoTmDir *d, uint32_t f,
                                uint64_t at, uint64_t n, uint64_t tlp,
                                uint64_t dur)
{
    uint64_t start = MAX(at, d->end_ps[f]);
    uint64_t bit = t->data_bit, others = 0;     /* f is data_q */

    /* The common case, one payload queue streaming alone: no other payload
     * queue was ever booked and every kind's work is through by `at`, so
     * none has a share (share_others would add nothing). */
    if (d->kinds_end_ps > at || (d->booked & ~bit)) {
        others = share_others(t, d, f, at, start, n);
    }
    d->free_ps = MAX(d->free_ps, start) + dur;
    d->end_ps[f] = start + dur + others;
    d->tlp_ps[f] = tlp;         /* at least 1 (bus_book) */
    pay_later(d, f, d->booked & bit);
    d->booked |= bit;
    return d->end_ps[f];
}

/*
 * A payload read's request and its completions booked together, when its
 * queue is alone on both directions: no other payload queue was ever
 * booked on either, and the kinds' work is through by the request's issue
 * time (up) and by the completions' (down). Then neither share_serve call
 * would ask share_others, and this is the two calls' arithmetic in one
 * (/flowq/read-joint compares it with them, RdoTiming.bus_one_by_one, over
 * random sequences). Returns false, nothing booked, when it does not apply.
 * *start: the requests go up; *cpl_start: the completions go down.
 */
BUS_INLINE bool read_alone(RdoTiming *t, uint32_t q, uint64_t at,
                           uint64_t req_dur, uint64_t full, uint64_t dur,
                           uint64_t *start, uint64_t *cpl_start)
{
    RdoTmDir *up = &t->up, *down = &t->down;
    uint64_t bit = t->data_bit;                 /* q is data_q */
    uint64_t s = MAX(at, up->end_ps[q]), cpl = s + t->pcie_latency_ps, c;

    if (((up->booked | down->booked | t->bus_one_by_one) & ~bit) ||
        up->kinds_end_ps > at || down->kinds_end_ps > cpl) {
        return false;
    }
    /* booked was bit or nothing on each; full and the request's TLP time
     * are at least 1 (bus_book), as share_serve keeps them. */
    up->free_ps = MAX(up->free_ps, s) + req_dur;
    up->end_ps[q] = s + req_dur;
    up->tlp_ps[q] = t->pcie_req_tlp_ps;
    pay_later(up, q, up->booked);
    up->booked = bit;
    c = MAX(cpl, down->end_ps[q]);
    down->free_ps = MAX(down->free_ps, c) + dur;
    down->end_ps[q] = c + dur;
    down->tlp_ps[q] = full;
    pay_later(down, q, down->booked);
    down->booked = bit;
    *start = s;
    *cpl_start = c;
    return true;
}

/* A request of the current flow, of queue q (bus_queue), on one direction;
 * when it is through. */
BUS_INLINE uint64_t dir_serve(RdoTiming *t, uint32_t q, bool up, uint64_t at,
                              uint64_t n, uint64_t tlp, uint64_t dur)
{
    uint64_t *free_ps = up ? &t->up_free_ps : &t->down_free_ps;

    /* A payload queue of its own is rr or weighted (asked first: every
     * payload DMA comes here). */
    if (q >= RDO_TM_APPQ) {
        return share_serve(t, up ? &t->up : &t->down, q, at, n, tlp, dur);
    }
    if (t->cfg.bus_arb != RDO_BUS_ARB_FIFO) {
        return rr_serve(t, up ? &t->up : &t->down, q, at, n, tlp, dur);
    }
    /* fifo: in the order the requests become ready. */
    *free_ps = MAX(at, *free_ps) + dur;
    return *free_ps;
}

/*
 * A read's request booked up, then its completions down after the round
 * trip: when the requests go up; *cpl_start: when the completions start
 * down. Out of line: inlined beside read_alone, the values it shares with
 * that were kept on the stack for it at every read.
 */
static __attribute__((noinline)) uint64_t
read_one_by_one(RdoTiming *t, uint32_t busq, uint64_t at, uint64_t reqs,
                uint64_t req_dur, uint64_t tlps, uint64_t full, uint64_t dur,
                uint64_t *cpl_start)
{
    uint64_t start = dir_serve(t, busq, true, at, reqs, t->pcie_req_tlp_ps,
                               req_dur) - req_dur;

    *cpl_start = dir_serve(t, busq, false, start + t->pcie_latency_ps, tlps,
                           full, dur) - dur;
    return start;
}

/*
 * The TLPs, read requests and bus times of a DMA of `len` bytes at `addr`
 * (len > 0) into c, with a read's request time (a write's is not used).
 */
BUS_INLINE void cut_work(RdoCore *core, RdoTiming *t, RdoTmCut *c,
                         uint64_t addr, size_t len)
{
    uint64_t ovh = t->cfg.pcie_tlp_overhead;

    c->tlps = tlp_count(t, core->cfg.cache_line, addr, len, &c->split,
                        &c->reqs);
    c->dur = pcie_ps(t, len + c->tlps * ovh);
    /* A full TLP's time; one TLP shorter than that takes the whole DMA's
     * time (bytes is len + ovh then). At least 1: len > 0. */
    c->full = len >= t->cfg.pcie_mps ? t->pcie_full_ps :
              c->tlps == 1 ? c->dur : pcie_ps(t, len + ovh);
    c->req_dur = c->reqs == 1 ? t->pcie_ovh_ps : pcie_ps(t, c->reqs * ovh);
}

/*
 * A DMA unlike the last of its kind: its numbers worked out and kept
 * (RdoTmCut; RdoTiming.bus_cut_anew: not kept, tests compare). Out of
 * line: the kept ones are the common case.
 */
static __attribute__((noinline)) void
cut_keep(RdoCore *core, RdoTiming *t, RdoTmCut *c, uint64_t addr, size_t len,
         uint64_t where)
{
    cut_work(core, t, c, addr, len);
    c->len = t->bus_cut_anew ? 0 : len;
    c->where = where;
}

/*
 * Its kind's kept numbers for a DMA (RdoTiming.cut) and what they depend
 * on besides the length (RdoTmCut.where): inside one max-payload chunk
 * where in its cache line it starts; across chunks where in its chunk, as
 * the chunks cut its lines (cache-line 64 or 128 divides pcie-mps, 128 or
 * more). One kept for each: a payload's frames cross chunks, the page-list
 * reads between them do not.
 */
BUS_INLINE RdoTmCut *cut_kept(RdoTiming *t, uint32_t line, uint64_t addr,
                              size_t len, uint64_t *where)
{
    uint64_t mps = t->cfg.pcie_mps, chunk_off = addr & (mps - 1);
    bool across = chunk_off + len > mps;

    *where = across ? chunk_off : chunk_off & (line - 1);
    return &t->cut[t->flow][across];
}

/*
 * A DMA of the current flow on the bus, issued at `at`; when it is done (a
 * write is in memory, a read's data is in the device). In rdo_tm_dma,
 * which every DMA of the engines takes, and rdo_tm_bus.
 */
BUS_INLINE uint64_t bus_book(RdoCore *core, RdoTiming *t, uint64_t at,
                             uint64_t addr, size_t len, bool write)
{
    RdoTmFlowQ *q = &t->flows[t->flow];
    uint64_t ovh = t->cfg.pcie_tlp_overhead;
    uint64_t issued = at, start, done, split, reqs, tlps, bytes, dur, full, wait;
    uint64_t where, req_dur;
    RdoTmCut *kept = cut_kept(t, core->cfg.cache_line, addr, len, &where);
    uint32_t busq;

    /* Its kind's kept numbers, if alike (a context, a WQE slot, a payload
     * frame at the same place in its chunk as the last); read once, not
     * copied whole. */
    if (kept->len != len || kept->where != where) {
        cut_keep(core, t, kept, addr, len, where);
    }
    busq = bus_queue(t);
    tlps = kept->tlps;
    split = kept->split;
    reqs = kept->reqs;
    bytes = len + tlps * ovh;
    dur = kept->dur;
    full = kept->full;
    req_dur = kept->req_dur;
    /* fifo keeps a flow in order here; rr in its queue of each direction. */
    if (busq < RDO_TM_APPQ && t->cfg.bus_arb == RDO_BUS_ARB_FIFO) {
        at = MAX(at, q->tail_ps);
    }
    if (write) {
        done = dir_serve(t, busq, true, at, tlps, full, dur);
        start = done - dur;
        wait = start - issued;
        t->last_write_ps = done;
        core->tcnt.pcie_up_bytes += bytes;
    } else {
        /* Requests up, completions down after the round trip. */
        uint64_t cpl, cpl_start;

        if (busq < RDO_TM_APPQ ||
            !read_alone(t, busq, at, req_dur, full, dur, &start, &cpl_start)) {
            start = read_one_by_one(t, busq, at, reqs, req_dur, tlps, full,
                                    dur, &cpl_start);
        }
        cpl = start + t->pcie_latency_ps;
        done = cpl_start + dur;
        wait = start - issued + (cpl_start - cpl);
        t->last_read_ps = done;
        core->tcnt.pcie_up_bytes += reqs * ovh;
        core->tcnt.pcie_down_bytes += bytes;
        tlps += reqs;
    }
    t->bus_wait_ps += wait;
    q->wait_ps += wait;
    q->tail_ps = start;
    q->requests++;
    q->bytes += len;
    core->tcnt.pcie_tlps += tlps;
    core->tcnt.dma_split_pieces += split;
    /* The span names the queue: the kind, or RDO_TM_APPQ + a payload queue. */
    rdo_tm_span(core, write ? RDO_STAGE_DMA_WRITE : RDO_STAGE_DMA_READ,
                busq, len, start, done);
    return done;
}

uint64_t rdo_tm_bus(RdoCore *core, uint64_t at, uint64_t addr, size_t len,
                    bool write)
{
    RdoTiming *t = core->st->tm;

    if (t->flow == RDO_FLOW_UNTIMED || !len) {
        return at;
    }
    return bus_book(core, t, at, addr, len, write);
}

/*
 * A DMA of the working engine. Writes are posted: the cursor goes on.
 * Reads of a packet's payload (DATA) make the packet wait, reads with
 * `nonblock` (prefetches) only note when they complete, other reads stop
 * the cursor until their data is in. One function each for reads and
 * writes (rdo_tm_dma chooses at the call): each books with its direction's
 * code only, with fewer values kept on the stack across the booking.
 */
BUS_INLINE void tm_dma(RdoCore *core, uint64_t addr, size_t len, bool write)
{
    RdoTiming *t = core->st->tm;
    uint64_t done;

    if (t->flow == RDO_FLOW_UNTIMED) {
        return;
    }
    /* Nothing on the bus, done at once: a payload read still makes the
     * packet wait for the cursor. */
    done = len ? bus_book(core, t, rdo_tm_cur(core), addr, len, write)
               : rdo_tm_cur(core);
    if (write || t->eng == RDO_ENG_NONE) {
        return;
    }
    if (t->flow == RDO_FLOW_DATA) {
        t->pkt_data_ps = MAX(t->pkt_data_ps, done);
    } else if (!t->nonblock) {
        t->cur_ps = MAX(t->cur_ps, done);
    }
}

RDO_HOT
void rdo_tm_dma_read(RdoCore *core, uint64_t addr, size_t len)
{
    tm_dma(core, addr, len, false);
}

RDO_HOT
void rdo_tm_dma_write(RdoCore *core, uint64_t addr, size_t len)
{
    tm_dma(core, addr, len, true);
}
