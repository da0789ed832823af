/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: fault injection on the transmit side, for driver
 * bring-up and for tests of the transport's recovery. Every frame the
 * device sends may be dropped (singly or in bursts), corrupted (one byte
 * after the Ethernet header, so the peer's ICRC check catches it),
 * duplicated, swapped with the next frame, or delayed. A seeded generator
 * makes a run repeatable: the same seed and traffic give the same faults.
 */
#include <string.h>
#include "egress/egress.h"

typedef struct DelayedFrame {
    uint64_t due_ns;
    GBytes *frame;
} DelayedFrame;

/* xorshift64*: small, fast, good enough to pick faults. */
static uint64_t fault_next(RdoState *st)
{
    uint64_t x = st->fault->rng;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    st->fault->rng = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static bool fault_hit(RdoState *st, uint32_t ppm)
{
    return ppm && (fault_next(st) >> 32) % 1000000 < ppm;
}

void rdo_fault_init(RdoCore *core)
{
    RdoState *st = core->st;

    st->fault = g_new0(RdoFault, 1);
    st->fault->rng = core->cfg.fault_seed ^ 0x9E3779B97F4A7C15ull;
    if (!st->fault->rng) {
        st->fault->rng = 1;
    }
    g_queue_init(&st->fault->delayed);
}

static void delayed_free(gpointer p)
{
    DelayedFrame *d = p;

    g_bytes_unref(d->frame);
    g_free(d);
}

void rdo_fault_free(RdoCore *core)
{
    RdoState *st = core->st;

    g_queue_clear_full(&st->fault->delayed, delayed_free);
    if (st->fault->held) {
        g_bytes_unref(st->fault->held);
        st->fault->held = NULL;
    }
    g_free(st->fault);
    st->fault = NULL;
}

/* Past the faults: to the wire now, or after the configured delay. */
RDO_HOT
static void emit(RdoCore *core, const void *frame, size_t len)
{
    RdoState *st = core->st;

    if (st->tm) {
        /* Through the transmit pipeline and the link, then the delay. */
        rdo_egress_timed(core, frame, len,
                         rdo_tm_egress(core, rdo_frame_port(core, frame, len),
                                       len, core->cfg.fault_delay_ns));
        return;
    }
    if (core->cfg.fault_delay_ns || !g_queue_is_empty(&st->fault->delayed)) {
        DelayedFrame *d = g_new(DelayedFrame, 1);

        d->due_ns = core->ops->now_ns(core->host) + core->cfg.fault_delay_ns;
        d->frame = g_bytes_new(frame, len);
        g_queue_push_tail(&st->fault->delayed, d);
        rdo_side_work(core);
        rdo_core_schedule(core, d->due_ns);
        return;
    }
    rdo_port_output(core, frame, len);
}

/* The frame held back for a reorder goes out now. */
static void release_held(RdoCore *core)
{
    RdoState *st = core->st;
    GBytes *held = st->fault->held;
    gsize len;
    const void *data;

    if (!held) {
        return;
    }
    st->fault->held = NULL;
    data = g_bytes_get_data(held, &len);
    emit(core, data, len);
    g_bytes_unref(held);
}

static void fault_send(RdoCore *core, const void *frame, size_t len);

/*
 * A congested switch on the way: an ECN-capable frame marked CE (the peer
 * answers RoCE packets with CNPs), before the other faults.
 */
RDO_HOT
void rdo_fault_send(RdoCore *core, const void *frame, size_t len)
{
    uint8_t *marked;

    /* A seeded fault of the protocol engine: the failover runs at the next
     * wake-up (core.c), not in the middle of the stage sending this. */
    if (fault_hit(core->st, core->cfg.fault_engine_ppm) && !core->st->fo_pending) {
        core->st->fo_pending = true;
        rdo_side_work(core);
        /* Which engine: drawn only when there is a choice, so that one
         * engine's runs keep their sequence. */
        core->st->fo_pending_engine = core->cfg.engines > 1 ?
            (uint32_t)(fault_next(core->st) >> 32) % core->cfg.engines : 0;
        rdo_core_schedule(core, core->ops->now_ns(core->host));
    }

    if (!fault_hit(core->st, core->cfg.fault_ce_ppm)) {
        fault_send(core, frame, len);
        return;
    }
    marked = g_memdup2(frame, len);
    if (rdo_wire_set_ce(marked, len)) {
        core->cnt.fault_ce_marks++;
    }
    fault_send(core, marked, len);
    g_free(marked);
}

RDO_HOT
static void fault_send(RdoCore *core, const void *frame, size_t len)
{
    RdoState *st = core->st;
    const RdoConfig *c = &core->cfg;

    /* A port whose link is down loses its frames; the other's go on. */
    if (!rdo_port_link(core, rdo_frame_port(core, frame, len))) {
        return;
    }
    if (st->fault->burst_left ||
        fault_hit(st, c->fault_drop_ppm)) {
        core->cnt.fault_drops++;
        if (st->fault->burst_left) {
            st->fault->burst_left--;
        } else if (c->fault_burst > 1) {
            st->fault->burst_left = c->fault_burst - 1;
        }
        return;
    }
    if (fault_hit(st, c->fault_corrupt_ppm) && len > RDO_ETH_HLEN) {
        uint8_t *copy = g_memdup2(frame, len);
        size_t at = RDO_ETH_HLEN + fault_next(st) % (len - RDO_ETH_HLEN);

        copy[at] ^= 1u << (fault_next(st) % 8);
        core->cnt.fault_corrupts++;
        emit(core, copy, len);
        g_free(copy);
        return;
    }
    if (fault_hit(st, c->fault_reorder_ppm) && !st->fault->held) {
        /* Held back until the next frame has gone (or the next round). */
        st->fault->held = g_bytes_new(frame, len);
        rdo_side_work(core);
        core->cnt.fault_reorders++;
        rdo_core_schedule(core, core->ops->now_ns(core->host));
        return;
    }
    emit(core, frame, len);
    if (fault_hit(st, c->fault_dup_ppm)) {
        core->cnt.fault_dups++;
        emit(core, frame, len);
    }
    release_held(core);
}

void rdo_fault_run(RdoCore *core)
{
    RdoState *st = core->st;
    uint64_t now;
    DelayedFrame *d;

    release_held(core);
    if (g_queue_is_empty(&st->fault->delayed)) {
        return;
    }
    now = core->ops->now_ns(core->host);
    while ((d = g_queue_peek_head(&st->fault->delayed)) && d->due_ns <= now) {
        gsize flen;
        const void *data = g_bytes_get_data(d->frame, &flen);

        g_queue_pop_head(&st->fault->delayed);
        rdo_port_output(core, data, flen);
        delayed_free(d);
    }
    if (d) {
        rdo_core_schedule(core, d->due_ns);
    }
}
