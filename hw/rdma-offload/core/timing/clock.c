/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the timing model. With it on, every piece of work
 * costs device cycles and bus or link time, all in picoseconds of the
 * host's virtual clock (so -icount and qtest clock stepping stay
 * deterministic):
 *
 * - engines (doorbell unit, transmit, receive) each have a cursor that
 *   their stages move forward; an engine is busy until its cursor;
 * - PCIe (bus.c): two directions, TLPs, per-flow queues;
 * - interrupts (irq.c): the MSI-X write after the entry it announces;
 * - the link: a frame is built in the transmit pipeline, leaves at
 *   max(built, link free) and takes its bytes plus preamble, FCS and gap
 *   at the port speed; the peer receives it after the link latency;
 * - the receive pipeline takes frames in order from a FIFO (its queue is
 *   here; ingress/receive.c feeds and drains it, egress/output.c releases
 *   frames and interrupts when they are due).
 *
 * This folder only accounts time: it calls no stage (docs/architecture.md).
 *
 * The functional work still happens in the core's call (a frame is built,
 * a CQE written); what the model delays is what leaves the device: frames
 * to the wire and interrupts, and when engines may take the next work.
 * docs/timing-model.md has the model and its parameters.
 */
#include <string.h>
#include "timing/timing.h"

/* Bytes on the wire beyond what the core builds: FCS, preamble + SFD, IFG. */
#define WIRE_EXTRA          (4 + 8 + 12)
#define ETH_MIN_NO_FCS      60
/* How far (cycles) the transmit engine may work ahead of the clock. */
#define TX_AHEAD_CYCLES     64

static const char *const stage_names[RDO_STAGE__COUNT] = {
    [RDO_STAGE_DOORBELL] = "doorbell",
    [RDO_STAGE_WQE_FETCH] = "wqe-fetch",
    [RDO_STAGE_CTX_FETCH] = "ctx-fetch",
    [RDO_STAGE_SCHED] = "sched",
    [RDO_STAGE_TX_BUILD] = "tx-build",
    [RDO_STAGE_LINK] = "link",
    [RDO_STAGE_RX] = "rx",
    [RDO_STAGE_DMA_READ] = "dma-read",
    [RDO_STAGE_DMA_WRITE] = "dma-write",
    [RDO_STAGE_IRQ] = "irq",
};

const char *rdo_stage_name(RdoStage stage)
{
    return (unsigned)stage < RDO_STAGE__COUNT ? stage_names[stage] : "?";
}

uint64_t rdo_tm_ps_to_cycles(const RdoTiming *t, uint64_t ps)
{
    return ps * t->cfg.clock_mhz / 1000000ull;
}

/* Time of `bytes` on the wire at the port speed. */
static uint64_t link_ps(const RdoTiming *t, uint64_t bytes)
{
    return rdo_div_up(bytes * 8000, t->cfg.link_gbps);
}


void rdo_tm_init(RdoCore *core)
{
    RdoTiming *t;

    if (!core->cfg.tm.on) {
        return;
    }
    t = g_new0(RdoTiming, 1);
    t->cfg = core->cfg.tm;
    if (1000000 % t->cfg.clock_mhz == 0) {
        t->ps_per_cycle = 1000000 / t->cfg.clock_mhz;
    }
    t->tx_fifo_ps = link_ps(t, t->cfg.tx_fifo_bytes);
    /* A threshold past the FIFO: it refills when it is empty. */
    t->tx_refill_ps = link_ps(t, MIN(t->cfg.tx_fifo_refill_bytes,
                                     t->cfg.tx_fifo_bytes));
    t->tx_refill_slack_ps = t->tx_refill_ps;
    t->tx_ahead_ps = rdo_tm_cycles_ps(t, TX_AHEAD_CYCLES);
    t->egress_len = SIZE_MAX;
    t->qp = rdo_bigmem_alloc0(sizeof(RdoTmQp) * rdo_qp_slots(core));
    if (t->cfg.wr_log) {
        t->log = g_new0(RdoWrLife, t->cfg.wr_log);
    }
    g_queue_init(&t->irqs);
    g_queue_init(&t->work);
    core->st->tm = t;
}

static void work_free_all(RdoTiming *t)
{
    GList *l;

    while ((l = g_queue_pop_head_link(&t->work))) {
        rdo_work_done(t, l);
    }
    rdo_nodes_free(&t->work_free);
}

void rdo_tm_free(RdoCore *core)
{
    RdoTiming *t = core->st->tm;

    if (!t) {
        return;
    }
    rdo_tm_frames_free(t);
    rdo_tm_irqs_free(t);
    work_free_all(t);
    rdo_bigmem_free(t->qp, sizeof(RdoTmQp) * rdo_qp_slots(core));
    g_free(t->log);
    g_free(t->handed);
    g_free(t);
    core->st->tm = NULL;
}

RdoFlow rdo_tm_entry(RdoCore *core, RdoFlow flow)
{
    RdoTiming *t = core->st->tm;

    if (!t) {
        return RDO_FLOW_CTRL;
    }
    rdo_tm_cycles(core, flow == RDO_FLOW_CQE ? t->cfg.cyc.cqe : t->cfg.cyc.eqe);
    return rdo_tm_set_flow(core, flow);
}

void rdo_tm_tx_pause(RdoTiming *t, unsigned port, uint64_t room_at)
{
    t->tx_paused = true;
    t->paused_port = room_at > t->cur_ps ? port : 0;
    t->next_ps = MAX(t->next_ps, MAX(room_at, t->cur_ps - t->tx_ahead_ps));
}

void rdo_tm_egress_len(RdoTiming *t, size_t len)
{
    t->egress_len = len;
    t->egress_wire = MAX(len, ETH_MIN_NO_FCS) + WIRE_EXTRA;
    t->egress_build_ps = rdo_tm_cycles_ps(t, t->cfg.cyc.hdr_build +
                                          rdo_div_up(len, t->cfg.bytes_per_cycle));
    t->egress_link_ps = link_ps(t, t->egress_wire);
    t->tx_refill_slack_ps = t->tx_refill_ps > t->egress_link_ps ?
                            t->tx_refill_ps - t->egress_link_ps : 0;
}

/* The history's entry `k` from the oldest of the last db_count. */
static unsigned db_slot(const RdoTmQp *q, unsigned k)
{
    return (q->db_next - q->db_count + k) % RDO_TM_DB_HIST;
}

/*
 * rdo_tm_db_time on a history in order (times and producer indexes never
 * going back, steps below RDO_TM_DB_STEP, so less than 2^31 from the
 * oldest to the newest): the doorbells that cover `index` are those from
 * some point on, found by bisection, and the earliest has the least time;
 * among those at that time the scan takes the lowest slot.
 */
static uint64_t db_time_ordered(const RdoTmQp *q, uint32_t index, bool *pushed)
{
    unsigned lo = 0, hi = q->db_count, best;
    uint32_t c = q->db[db_slot(q, 0)].pi - index;
    uint32_t span = q->db[db_slot(q, q->db_count - 1)].pi - q->db[db_slot(q, 0)].pi;

    /* Covered from the oldest on, and past the newest without wrapping
     * out of the covering half: then "covers" only turns true once. */
    if ((int32_t)c > 0 && c + span >= (1u << 31)) {
        return UINT64_MAX;      /* not monotone: scan */
    }
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;

        if ((int32_t)(q->db[db_slot(q, mid)].pi - index) > 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    if (lo == q->db_count) {
        return 0;
    }
    best = db_slot(q, lo);
    for (unsigned k = lo + 1; k < q->db_count; k++) {
        unsigned s = db_slot(q, k);

        if (q->db[s].ps != q->db[best].ps) {
            break;
        }
        best = MIN(best, s);
    }
    *pushed = q->db[best].flags & RDO_TM_DB_PUSHED;
    return q->db[best].ps;
}

void rdo_tm_db_note(RdoTmQp *q, uint32_t pi, uint64_t now_ps, bool pushed)
{
    unsigned slot = q->db_next % RDO_TM_DB_HIST;
    unsigned prev = (slot + RDO_TM_DB_HIST - 1) % RDO_TM_DB_HIST;

    if (q->db_count &&
        (now_ps < q->db[prev].ps || pi - q->db[prev].pi >= RDO_TM_DB_STEP)) {
        /* Scanned until the older of the two leaves the history. */
        q->db_slow_until = q->db_next + RDO_TM_DB_HIST;
    }
    q->db[slot].pi = pi;
    q->db[slot].ps = now_ps;
    q->db[slot].flags = RDO_TM_DB_VALID | (pushed ? RDO_TM_DB_PUSHED : 0);
    q->db_next++;
    q->db_count = MIN(q->db_count + 1, RDO_TM_DB_HIST);
}

uint64_t rdo_tm_db_time(RdoCore *core, uint32_t qpn, uint32_t index,
                        bool *pushed)
{
    return rdo_tm_db_search(&core->st->tm->qp[qpn], index, pushed);
}

uint64_t rdo_tm_db_search(const RdoTmQp *q, uint32_t index, bool *pushed)
{
    *pushed = false;
    if (!q->db_count) {
        return 0;
    }
    if ((int32_t)(q->db_next - q->db_slow_until) >= 0) {
        uint64_t best = db_time_ordered(q, index, pushed);

        if (best != UINT64_MAX) {
            return best;
        }
    }
    return rdo_tm_db_scan(q, index, pushed);
}

uint64_t rdo_tm_db_scan(const RdoTmQp *q, uint32_t index, bool *pushed)
{
    uint64_t best = 0;

    *pushed = false;
    for (unsigned i = 0; i < RDO_TM_DB_HIST; i++) {
        if ((q->db[i].flags & RDO_TM_DB_VALID) &&
            (int32_t)(q->db[i].pi - index) > 0 &&
            (!best || q->db[i].ps < best)) {
            best = q->db[i].ps;
            *pushed = q->db[i].flags & RDO_TM_DB_PUSHED;
        }
    }
    return best;
}

void rdo_tm_wr_done(RdoCore *core, RdoWrLife *life)
{
    RdoTiming *t = core->st->tm;

    core->tcnt.wr_done++;
    if (life->db_ps && life->cqe_ps > life->db_ps) {
        uint64_t ps = life->cqe_ps - life->db_ps;

        t->wr_ps += ps;
        t->wr_max_ps = MAX(t->wr_max_ps, ps);
    }
    if (t->log) {
        t->log[t->log_count % t->cfg.wr_log] = *life;
    }
    t->log_count++;
    if (core->ops->wr_life) {
        core->ops->wr_life(core->host, life);
    }
}

void rdo_tm_sync(RdoCore *core)
{
    RdoTiming *t = core->st->tm;
    RdoTimingCounters *c = &core->tcnt;

    if (!t) {
        return;
    }
    c->cycles = rdo_tm_ps_to_cycles(t, rdo_tm_now_ps(core));
    c->tx_busy_cycles = rdo_tm_ps_to_cycles(t, t->busy_ps[RDO_ENG_TX]);
    c->rx_busy_cycles = rdo_tm_ps_to_cycles(t, t->busy_ps[RDO_ENG_RX]);
    c->link_busy_cycles = rdo_tm_ps_to_cycles(t, t->link_busy_ps);
    c->ctx_wait_cycles = rdo_tm_ps_to_cycles(t, t->ctx_wait_ps);
    c->bus_wait_cycles = rdo_tm_ps_to_cycles(t, t->bus_wait_ps);
    c->wr_cycles = rdo_tm_ps_to_cycles(t, t->wr_ps);
    c->wr_cycles_max = rdo_tm_ps_to_cycles(t, t->wr_max_ps);
}
