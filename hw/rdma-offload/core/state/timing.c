/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the timing model in the state stream. Its clock is
 * the host's virtual clock (QEMU_CLOCK_VIRTUAL, which QEMU migrates), so
 * every time it keeps (when an engine, the link or a PCIe direction is
 * free, when a work item's WQEs are in, when an interrupt is due) stays
 * meaningful on the destination and is saved as it is; the accumulated
 * busy and wait times behind the cycle counters too, so the counters go
 * on from where they were.
 *
 * Dropped (in flight, as on a wire): frames on their way to the link and
 * frames waiting in the receive FIFO. Kept: interrupts on their way (an
 * interrupt lost would leave the driver waiting), the scheduler's work
 * items (a doorbell lost would leave a send queue unserved).
 */
#include <string.h>
#include "state/state.h"

static bool timing_needed(RdoCore *core)
{
    return core->st->tm != NULL;
}

static void times_save(RdoOut *o, const uint64_t *v, uint32_t n)
{
    rdo_out_u32(o, n);
    for (uint32_t i = 0; i < n; i++) {
        rdo_out_u64(o, v[i]);
    }
}

/* A fixed-size array of times: the count must be this build's. */
static void times_load(RdoIn *in, uint64_t *v, uint32_t n, const char *what)
{
    if (!rdo_in_check(in, rdo_in_u32(in) == n, "%s: not %u of them", what, n)) {
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        v[i] = rdo_in_time_ps(in, what);
    }
}

static void dir_save(RdoOut *o, const RdoTmDir *d)
{
    rdo_out_u64(o, d->free_ps);
    times_save(o, d->end_ps, RDO_FLOW__COUNT);
    times_save(o, d->tlp_ps, RDO_FLOW__COUNT);
}

static void dir_load(RdoIn *in, RdoTmDir *d)
{
    d->free_ps = rdo_in_time_ps(in, "PCIe");
    times_load(in, d->end_ps, RDO_FLOW__COUNT, "PCIe flow");
    times_load(in, d->tlp_ps, RDO_FLOW__COUNT, "PCIe TLP time");
    /* A flow with work booked has the time of its TLP (arbitration
     * divides by it); the latest end among them is kept (bus.c). */
    d->kinds_end_ps = 0;
    for (uint32_t f = 0; f < RDO_FLOW__COUNT; f++) {
        d->kinds_end_ps = MAX(d->kinds_end_ps, d->end_ps[f]);
        rdo_in_check(in, d->tlp_ps[f] || !d->end_ps[f], "PCIe flow %u: work "
                     "booked, no TLP time", f);
    }
    rdo_tm_bus_reindex(d);
}

static void timing_save(RdoCore *core, RdoOut *o)
{
    RdoState *st = core->st;
    const RdoTiming *t = st->tm;

    rdo_out_u8(o, t->eng);
    rdo_out_u64(o, t->cur_ps);
    rdo_out_u64(o, t->eng_start_ps);
    times_save(o, t->free_ps, RDO_ENG__COUNT);
    rdo_out_u8(o, t->flow);
    rdo_out_u64(o, t->last_read_ps);
    rdo_out_u64(o, t->pkt_data_ps);
    rdo_out_u64(o, t->build_free_ps);
    rdo_out_u64(o, t->link_free_ps);
    rdo_out_u64(o, t->up_free_ps);
    rdo_out_u64(o, t->down_free_ps);
    dir_save(o, &t->up);
    dir_save(o, &t->down);
    rdo_out_u32(o, RDO_FLOW__COUNT);
    for (uint32_t i = 0; i < RDO_FLOW__COUNT; i++) {
        rdo_out_u64(o, t->flows[i].tail_ps);
        rdo_out_u64(o, t->flows[i].requests);
        rdo_out_u64(o, t->flows[i].bytes);
        rdo_out_u64(o, t->flows[i].wait_ps);
    }
    rdo_out_u8(o, t->tx_paused);
    rdo_out_u64(o, t->visit_ps);
    rdo_out_u64(o, t->item_ready_ps);
    rdo_out_u64(o, t->next_ps);
    rdo_out_u64(o, t->last_link_start_ps);
    rdo_out_u64(o, t->last_link_end_ps);
    rdo_out_u64(o, t->last_write_ps);
    /* Accumulated, not times of the clock: any value. */
    rdo_out_u32(o, RDO_ENG__COUNT);
    for (uint32_t i = 0; i < RDO_ENG__COUNT; i++) {
        rdo_out_u64(o, t->busy_ps[i]);
    }
    rdo_out_u64(o, t->link_busy_ps);
    rdo_out_u64(o, t->ctx_wait_ps);
    rdo_out_u64(o, t->bus_wait_ps);
    rdo_out_u64(o, t->wr_ps);
    rdo_out_u64(o, t->wr_max_ps);
    /* The scheduler's work items, in order. */
    rdo_out_u32(o, g_queue_get_length((GQueue *)&t->work));
    for (GList *l = t->work.head; l; l = l->next) {
        const RdoWork *w = l->data;

        rdo_out_u32(o, w->qpn);
        rdo_out_u32(o, w->pi);
        rdo_out_u64(o, w->ready_ps);
    }
    rdo_out_u32(o, g_queue_get_length((GQueue *)&t->irqs));
    for (GList *l = t->irqs.head; l; l = l->next) {
        const RdoTmIrq *q = l->data;

        rdo_out_u64(o, q->due_ps);
        rdo_out_u32(o, q->vector);
    }
    /* Per QP: doorbell history, WQE fetch, what visits have fetched. */
    rdo_out_u32(o, rdo_state_qps(core));
    for (uint32_t i = 0; i < st->usable_qps; i++) {
        const RdoTmQp *q = &t->qp[i];

        if (!st->qp_used[i]) {
            continue;
        }
        rdo_out_u32(o, i);
        rdo_out_u32(o, RDO_TM_DB_HIST);
        for (uint32_t k = 0; k < RDO_TM_DB_HIST; k++) {
            rdo_out_u32(o, q->db[k].pi);
            rdo_out_u64(o, q->db[k].ps);
            rdo_out_u8(o, q->db[k].flags);
        }
        rdo_out_u32(o, q->db_next);
        rdo_out_u64(o, q->wqe_ready_ps);
        rdo_out_u32(o, q->served_pi);
    }
}

static void timing_load(RdoCore *core, RdoIn *in)
{
    RdoState *st = core->st;
    RdoTiming *t = st->tm;
    uint32_t n;

    if (!rdo_in_check(in, t != NULL, "the timing model is off here")) {
        return;
    }
    t->eng = rdo_in_u8(in);
    t->cur_ps = rdo_in_time_ps(in, "cursor");
    t->eng_start_ps = rdo_in_time_ps(in, "engine start");
    times_load(in, t->free_ps, RDO_ENG__COUNT, "engine");
    t->flow = rdo_in_u8(in);
    t->last_read_ps = rdo_in_time_ps(in, "last read");
    t->pkt_data_ps = rdo_in_time_ps(in, "packet data");
    t->build_free_ps = rdo_in_time_ps(in, "build pipeline");
    t->link_free_ps = rdo_in_time_ps(in, "link");
    t->up_free_ps = rdo_in_time_ps(in, "PCIe up");
    t->down_free_ps = rdo_in_time_ps(in, "PCIe down");
    dir_load(in, &t->up);
    dir_load(in, &t->down);
    rdo_in_check(in, t->eng < RDO_ENG__COUNT && t->flow < RDO_FLOW__COUNT,
                 "engine %u, flow %u", t->eng, t->flow);
    if (!rdo_in_check(in, rdo_in_u32(in) == RDO_FLOW__COUNT, "bus flows")) {
        return;
    }
    for (uint32_t i = 0; i < RDO_FLOW__COUNT; i++) {
        t->flows[i].tail_ps = rdo_in_time_ps(in, "bus flow");
        t->flows[i].requests = rdo_in_u64(in);
        t->flows[i].bytes = rdo_in_u64(in);
        t->flows[i].wait_ps = rdo_in_u64(in);
    }
    t->tx_paused = rdo_in_bool(in);
    t->visit_ps = rdo_in_time_ps(in, "visit");
    t->item_ready_ps = rdo_in_time_ps(in, "work item");
    t->next_ps = rdo_in_time_ps(in, "scheduler");
    t->last_link_start_ps = rdo_in_time_ps(in, "link start");
    t->last_link_end_ps = rdo_in_time_ps(in, "link end");
    t->last_write_ps = rdo_in_time_ps(in, "last write");
    if (!rdo_in_check(in, rdo_in_u32(in) == RDO_ENG__COUNT, "engines")) {
        return;
    }
    for (uint32_t i = 0; i < RDO_ENG__COUNT; i++) {
        t->busy_ps[i] = rdo_in_u64(in);
    }
    t->link_busy_ps = rdo_in_u64(in);
    t->ctx_wait_ps = rdo_in_u64(in);
    t->bus_wait_ps = rdo_in_u64(in);
    t->wr_ps = rdo_in_u64(in);
    t->wr_max_ps = rdo_in_u64(in);
    n = rdo_in_count(in, UINT32_MAX, 16, "work items");
    for (uint32_t k = 0; k < n && rdo_in_ok(in); k++) {
        uint32_t qpn = rdo_in_index(in, st->usable_qps, "QP of a work item");
        uint32_t pi = rdo_in_u32(in);
        uint64_t ready = rdo_in_time_ps(in, "work item");

        if (rdo_in_check(in, st->qp_used[qpn], "work item of QP %u, which "
                         "does not exist", qpn)) {
            rdo_work_push(core, qpn, pi, ready, false);     /* counts it */
        }
    }
    n = rdo_in_count(in, UINT32_MAX, 12, "interrupts");
    for (uint32_t k = 0; k < n && rdo_in_ok(in); k++) {
        uint64_t due = rdo_in_time_ps(in, "interrupt");

        rdo_tm_irq_queue(t, due, rdo_in_index(in, core->cfg.msix_vectors,
                                              "vector"));
    }
    n = rdo_in_count(in, st->usable_qps, 8, "QPs");
    for (uint32_t k = 0; k < n && rdo_in_ok(in); k++) {
        uint32_t i = rdo_in_index(in, st->usable_qps, "QP");
        RdoTmQp *q = &t->qp[i];

        if (!rdo_in_check(in, st->qp_used[i], "QP %u does not exist", i) ||
            !rdo_in_check(in, rdo_in_u32(in) == RDO_TM_DB_HIST,
                          "doorbell history")) {
            return;
        }
        for (uint32_t d = 0; d < RDO_TM_DB_HIST; d++) {
            q->db[d].pi = rdo_in_u32(in);
            q->db[d].ps = rdo_in_time_ps(in, "doorbell");
            q->db[d].flags = rdo_in_u8(in);
        }
        q->db_next = rdo_in_u32(in);
        /* rdo_tm_db_time scans a loaded history (its order is not known). */
        q->db_count = RDO_TM_DB_HIST;
        q->db_slow_until = q->db_next + RDO_TM_DB_HIST;
        q->wqe_ready_ps = rdo_in_time_ps(in, "WQE fetch");
        q->served_pi = rdo_in_u32(in);
    }
}

/* The lifecycle log: records for the host's wr-lifecycle, soft (a loader
 * that does not know the section may drop it). */
static bool log_needed(RdoCore *core)
{
    return core->st->tm && core->st->tm->log && core->st->tm->log_count;
}

static void log_save(RdoCore *core, RdoOut *o)
{
    const RdoTiming *t = core->st->tm;
    uint64_t kept = MIN(t->log_count, t->cfg.wr_log);

    rdo_out_u64(o, t->log_count);
    rdo_out_u32(o, kept);
    for (uint64_t i = t->log_count - kept; i < t->log_count; i++) {
        rdo_out_life(o, &t->log[i % t->cfg.wr_log]);
    }
}

static void log_load(RdoCore *core, RdoIn *in)
{
    RdoTiming *t = core->st->tm;
    uint32_t kept;

    if (!rdo_in_check(in, t && t->log, "no lifecycle log here")) {
        return;
    }
    t->log_count = rdo_in_u64(in);
    kept = rdo_in_count(in, MIN(t->log_count, t->cfg.wr_log), 8, "log records");
    for (uint64_t i = t->log_count - kept; i < t->log_count && rdo_in_ok(in); i++) {
        rdo_in_life(in, &t->log[i % t->cfg.wr_log]);
    }
    rdo_in_check(in, kept == MIN(t->log_count, t->cfg.wr_log),
                 "%u log records of %" G_GUINT64_FORMAT, kept, t->log_count);
}

/*
 * The transmit ports (section 32, its own so that a stream without it is
 * what it was): which ports' FIFO waits to drain to the refill threshold,
 * the length of the last frame built, which sets how far (rdo_tm_tx_room_at),
 * and when port 2's link is free (port 1's is in section 30, older).
 */
static bool tx_ports_needed(RdoCore *core)
{
    const RdoTiming *t = core->st->tm;

    return t && (t->tx_refilling[0] || t->tx_refilling[1] ||
                 t->egress_len != SIZE_MAX || t->link2_free_ps);
}

static void tx_ports_save(RdoCore *core, RdoOut *o)
{
    const RdoTiming *t = core->st->tm;

    rdo_out_u8(o, t->tx_refilling[0] | t->tx_refilling[1] << 1);
    rdo_out_u32(o, t->egress_len == SIZE_MAX ? UINT32_MAX : t->egress_len);
    rdo_out_u64(o, t->link2_free_ps);
}

static void tx_ports_load(RdoCore *core, RdoIn *in)
{
    RdoTiming *t = core->st->tm;
    bool two = core->cfg.ports == 2;
    uint8_t ports = rdo_in_u8(in);
    uint32_t len = rdo_in_u32(in);
    uint64_t link2 = rdo_in_time_ps(in, "port 2's link");

    if (!rdo_in_check(in, t != NULL, "the timing model is off here") ||
        !rdo_in_check(in, ports < (two ? 4 : 2),
                      "transmit FIFOs refilling 0x%x", ports) ||
        !rdo_in_check(in, len <= RDO_TM_FRAME_CAP || len == UINT32_MAX,
                      "last frame of %u bytes", len) ||
        !rdo_in_check(in, two || !link2, "port 2's link busy, one port")) {
        return;
    }
    t->tx_refilling[0] = ports & 1;
    t->tx_refilling[1] = ports >> 1;
    if (len != UINT32_MAX) {
        rdo_tm_egress_len(t, len);
    }
    t->link2_free_ps = link2;
}

const RdoSection rdo_state_timing_sections[] = {
    { 30, RDO_SECT_BY_CONFIG, "timing", timing_needed, timing_save, timing_load },
    { 31, RDO_SECT_SKIPPABLE, "timing-log", log_needed, log_save, log_load },
    { 32, 0, "tx-ports", tx_ports_needed, tx_ports_save, tx_ports_load },
    { 0 }
};
