/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: frames in. A frame from the wire (or turned around by
 * the internal loopback) enters the receive pipeline at once when it is
 * idle; with the timing model on and the pipeline busy it waits in the
 * receive FIFO (bounded: a full FIFO drops and counts), and the look-ahead
 * prefetches the QP contexts of the frames waiting there.
 */
#include "ingress/ingress.h"

/* A frame from `port`, checked against that port's address and link. */
static void rx_frame(RdoCore *core, unsigned port, const void *frame,
                     size_t len)
{
    core->st->rx_port = port;
    rdo_rx_frame(core, frame, len);
    core->st->rx_port = 1;
}

/*
 * A frame through the receive pipeline, starting at `at_ps`. Both ports'
 * frames take this one pipeline, in the order they arrived: the sum of
 * the two ports' packet rates is bounded by its cycles per packet.
 */
RDO_HOT
static void rx_process(RdoCore *core, unsigned port, const void *frame,
                       size_t len, uint64_t at_ps)
{
    RdoTiming *t = core->st->tm;
    RdoTmSaved saved = rdo_tm_enter(core, RDO_ENG_RX, at_ps);
    uint64_t start = t->cur_ps;

    rdo_tm_cycles(core, t->cfg.cyc.rx_parse + t->cfg.cyc.rx_resp +
                        rdo_div_up(len, t->cfg.bytes_per_cycle));
    rx_frame(core, port, frame, len);
    rdo_tm_span(core, RDO_STAGE_RX, RDO_NONE, len, start, t->cur_ps);
    rdo_tm_leave(core, saved);
}

/* A frame from port 1, the host's stage state already asked
 * (rdo_spans_poll): an SR-IOV adapter's switch picks the function. */
static void receive_polled(RdoCore *core, const void *frame, size_t len)
{
    if (core->sriov && !core->fn && rdo_switch_input(core, frame, len)) {
        return;
    }
    rdo_ingress_frame(core, 1, frame, len);
}

RDO_HOT
void rdo_core_receive(RdoCore *core, const void *frame, size_t len)
{
    rdo_spans_poll(core);
    receive_polled(core, frame, len);
}

void rdo_core_receive_port(RdoCore *core, unsigned port, const void *frame,
                           size_t len)
{
    rdo_spans_poll(core);
    if (port != 2) {
        receive_polled(core, frame, len);
    } else if (core->cfg.ports == 2) {
        rdo_ingress_frame(core, 2, frame, len);
    } else {
        core->rx_frames_ignored++;  /* a host bug: there is no port 2 */
    }
}

static uint32_t frame_qpn(const uint8_t *b, size_t len);

/*
 * Several engines: a frame for a QP whose engine faulted is refused until
 * the substitute has its hard state back (state/failover.c); the other
 * engines' QPs receive as ever.
 */
static bool engine_refuses(RdoCore *core, const void *frame, size_t len,
                           uint64_t now)
{
    RdoState *st = core->st;
    uint32_t qpn;

    if (!st->fo_resume_ps) {
        return false;
    }
    qpn = frame_qpn(frame, len);
    if (qpn >= st->usable_qps || !st->qp_used[qpn] ||
        st->qp_blackout_ps[qpn] <= now) {
        return false;
    }
    core->cnt.fo_drops++;
    st->eng_drops[st->qp_engine[qpn]]++;
    st->xport[qpn].resp.fo_refused = true;      /* the peer must hear of it */
    return true;
}

RDO_HOT
void rdo_ingress_frame(RdoCore *core, unsigned port, const void *frame,
                       size_t len)
{
    RdoTiming *t = core->st->tm;
    uint64_t now;
    RdoTmFrame *f;
    uint32_t qpn;

    if (!t) {
        rx_frame(core, port, frame, len);
        return;
    }
    now = rdo_tm_now_ps(core);
    if (engine_refuses(core, frame, len, now)) {
        return;
    }
    if (!t->rx_fifo.head && t->free_ps[RDO_ENG_RX] <= now) {
        rx_process(core, port, frame, len, now);
        return;
    }
    /* The pipeline is busy: the frame waits in the receive FIFO. */
    if (t->rx_fifo.len >= t->cfg.rx_fifo_frames) {
        core->tcnt.rx_fifo_drops++;
        return;
    }
    /* Its QP's state loads into the host's caches while it waits (the
     * QPN is untrusted: the prefetch is a hint, range-checked). Not for a
     * frame processed at once: measured, that only cost. The look-ahead
     * reads the QPN again from the frame kept (read once here). */
    qpn = frame_qpn(frame, len);
    rdo_xport_host_prefetch(core, qpn);
    f = rdo_tm_frame_new(t, frame, len, now);
    f->port = port;
    f->qpn = qpn;
    rdo_tm_fifo_push(&t->rx_fifo, f);
    core->tcnt.rx_fifo_max = MAX(core->tcnt.rx_fifo_max, t->rx_fifo.len);
    rdo_ingress_prefetch(core);
    rdo_tm_schedule(core, t->free_ps[RDO_ENG_RX]);
}

/* The destination QP of a RoCEv2 frame, for a prefetch; RDO_NONE if not. */
static uint32_t frame_qpn(const uint8_t *b, size_t len)
{
    size_t udp;

    if (len < 14 + 20 + 8 + 12) {
        return RDO_NONE;
    }
    if (b[12] == 0x08 && b[13] == 0x00 && b[14 + 9] == 17) {
        udp = 14 + (b[14] & 0xf) * 4;
    } else if (b[12] == 0x86 && b[13] == 0xdd && len >= 14 + 40 + 8 + 12 &&
               b[14 + 6] == 17) {
        udp = 14 + 40;
    } else {
        return RDO_NONE;
    }
    if (udp + 8 + 12 > len || b[udp + 2] != 0x12 || b[udp + 3] != 0xb7) {
        return RDO_NONE;        /* not UDP port 4791 */
    }
    return (uint32_t)b[udp + 8 + 5] << 16 | b[udp + 8 + 6] << 8 | b[udp + 8 + 7];
}

void rdo_ingress_prefetch(RdoCore *core)
{
    RdoTiming *t = core->st->tm;
    RdoState *st = core->st;
    uint32_t n = 0;

    for (RdoTmFrame *f = t->rx_fifo.head; f && n < t->cfg.lookahead;
         f = f->next, n++) {
        if (f->prefetched) {
            continue;
        }
        f->prefetched = true;
        if (f->qpn < st->usable_qps && st->qp_used[f->qpn]) {
            rdo_ctx_prefetch(core, &st->qpc, f->qpn);
        }
    }
}

/* Frames waiting in the receive FIFO whose turn has come. */
void rdo_ingress_run(RdoCore *core)
{
    RdoTiming *t = core->st->tm;
    uint64_t now;
    RdoTmFrame *f;

    if (!t) {
        return;
    }
    now = rdo_tm_now_ps(core);
    while ((f = t->rx_fifo.head)) {
        uint64_t start = MAX(f->due_ps, t->free_ps[RDO_ENG_RX]);

        if (start > now) {
            rdo_tm_schedule(core, start);
            break;
        }
        rdo_tm_fifo_pop(&t->rx_fifo);
        if (!engine_refuses(core, f->data, f->len, start)) {
            rx_process(core, f->port, f->data, f->len, start);
        }
        rdo_tm_frame_put(t, f);
        rdo_ingress_prefetch(core);
    }
}
