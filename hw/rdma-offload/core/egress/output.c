/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the port's internal loopback. A unicast frame to the
 * port's own MAC address turns around inside the device instead of going
 * to the network, as on real RoCE adapters: two QPs of one device (or one
 * QP to itself) talk with no peer and no switch, e.g. a server and a
 * client in one guest. It leaves after the transmit pipeline, the link and
 * the fault injection, like any frame, and enters the receive path at the
 * next wake-up: the core is never re-entered from its own transmit.
 * A RoCEv2 multicast frame to a group some UD QP of this port joined goes
 * both ways: to the network and, a copy, back in to the attached QPs (as
 * real adapters and soft-RoCE deliver multicast to local members), so two
 * processes on one port can use a group. A keyed TXQ's (a raw packet
 * QP's) multicast and broadcast frames leave as ever, and a copy goes to
 * the sending port's own flow-steering rules (rdo_loopback_raw), as NICs
 * with raw packet QPs loop multicast back to local receive rules.
 */
#include <string.h>
#include "egress/egress.h"

void rdo_loopback_init(RdoCore *core)
{
    core->st->loopback = g_new0(RdoLoopback, 1);
    g_queue_init(&core->st->loopback->frames);
    g_queue_init(&core->st->loopback->raw);
}

void rdo_loopback_free(RdoCore *core)
{
    g_queue_clear_full(&core->st->loopback->frames,
                       (GDestroyNotify)g_bytes_unref);
    g_queue_clear_full(&core->st->loopback->raw,
                       (GDestroyNotify)g_bytes_unref);
    g_free(core->st->loopback);
    core->st->loopback = NULL;
}

/* Is the frame RoCEv2 to a multicast group a local QP is attached to? */
RDO_HOT
static bool local_mcast_member(RdoState *st, const void *frame, size_t len)
{
    RdoWireParsed p;

    if (len < RDO_ETH_ALEN || !(((const uint8_t *)frame)[0] & 1) ||
        rdo_wire_parse(frame, len, &p) || p.pkt.dest_qp != RDO_MCAST_QPN) {
        return false;
    }
    for (unsigned i = 0; i < RDO_MCAST_GROUPS; i++) {
        if (st->mcast[i].nqp && !memcmp(st->mcast[i].gid, p.pkt.dst_gid, 16) &&
            !memcmp(st->mcast[i].mac, p.pkt.dst_mac, RDO_ETH_ALEN)) {
            return true;
        }
    }
    return false;
}

static void loop_back(RdoCore *core, const void *frame, size_t len)
{
    core->cnt.loopback_frames++;
    g_queue_push_tail(&core->st->loopback->frames, g_bytes_new(frame, len));
    rdo_side_work(core);
    rdo_core_schedule(core, core->ops->now_ns(core->host));
}

void rdo_loopback_raw(RdoCore *core, unsigned port, uint32_t from_txq,
                      const void *frame, size_t len)
{
    RdoRawLoopHdr hdr = { .port = port, .from_txq = from_txq };
    uint8_t *copy = g_malloc(sizeof(hdr) + len);

    memcpy(copy, &hdr, sizeof(hdr));
    memcpy(copy + sizeof(hdr), frame, len);
    g_queue_push_tail(&core->st->loopback->raw,
                      g_bytes_new_take(copy, sizeof(hdr) + len));
    rdo_side_work(core);
    rdo_core_schedule(core, core->ops->now_ns(core->host));
}

/*
 * To the address of the port it leaves by. A frame from one port to the
 * other's address goes out on the wire: the ports meet only there.
 */
static bool to_self(RdoCore *core, const void *frame, size_t len)
{
    return len >= RDO_ETH_ALEN &&
           !memcmp(frame, rdo_port_mac(core, rdo_frame_port(core, frame, len)),
                   RDO_ETH_ALEN);
}

RDO_HOT
void rdo_port_output(RdoCore *core, const void *frame, size_t len)
{
    if (core->sriov) {
        rdo_switch_output(core, frame, len);
        return;
    }
    if (to_self(core, frame, len)) {
        loop_back(core, frame, len);
        return;
    }
    if (local_mcast_member(core->st, frame, len)) {
        loop_back(core, frame, len);
    }
    if (rdo_frame_port(core, frame, len) == 2) {
        if (core->ops->send_frame2) {
            core->ops->send_frame2(core->host, frame, len);
        }
        return;
    }
    core->ops->send_frame(core->host, frame, len);
}

/* Frames that do not (only) leave by port 1: they take the release path
 * (the host's send_frame_at is port 1's). Every timed frame is asked: a
 * unicast one is no multicast member without the call. */
static bool stays_inside(RdoCore *core, const void *frame, size_t len)
{
    return core->sriov || to_self(core, frame, len) ||
           (len && (((const uint8_t *)frame)[0] & 1) &&
            local_mcast_member(core->st, frame, len)) ||
           rdo_frame_port(core, frame, len) == 2;
}

/*
 * A host that takes timed frames (RdoHostOps.send_frame_at) gets each one
 * now with the time it leaves, and the core needs no wake-up for it: the
 * host sends it at that time, before anything a wake-up at that time
 * would send, as the release below would. Frames that stay inside, at
 * least in part (to the port's own address, to a multicast group with
 * members on this port, between SR-IOV functions), wait here instead.
 */
/* The wake-up (ns) that sent a frame due at due_ps. */
static uint64_t wake_ns(uint64_t due_ps)
{
    return (due_ps + 999) / 1000;
}

/* Kept as the wake-up that would have sent it, `ns` (the search,
 * rdo_egress_next_handed, compares only those): the division once a
 * frame, not at every probe. */
static void handed_push(RdoTiming *t, uint64_t ns)
{
    uint32_t len = t->handed_end - t->handed_first;

    if (len == t->handed_cap) {
        uint32_t cap = MAX(t->handed_cap * 2, 64);
        uint64_t *ring = g_new(uint64_t, cap);

        /* The numbers stay; each frame moves to its slot in the new size. */
        for (uint32_t n = t->handed_first; n != t->handed_end; n++) {
            ring[n & (cap - 1)] = *rdo_handed_at(t, n);
        }
        g_free(t->handed);
        t->handed = ring;
        t->handed_cap = cap;
    }
    *rdo_handed_at(t, t->handed_end++) = ns;
}

/* The first frame from number lo on (before hi) at or after from_ns,
 * hi if none: their times never decrease. */
static uint32_t handed_bisect(RdoTiming *t, uint32_t lo, uint32_t hi,
                              uint64_t from_ns)
{
    while (lo != hi) {
        uint32_t mid = lo + (hi - lo) / 2;

        if (*rdo_handed_at(t, mid) < from_ns) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* A few steps forward from a guess that is too early, then a bisection of
 * the rest; a bisection of those before a guess that is too late. */
RDO_HOT
uint32_t rdo_egress_handed_search(RdoTiming *t, uint32_t n, uint64_t from_ns)
{
    uint32_t first = t->handed_first, end = t->handed_end;

    if (n != end && *rdo_handed_at(t, n) < from_ns) {
        for (unsigned steps = 0; ++n != end && *rdo_handed_at(t, n) < from_ns;) {
            if (++steps == 4) {
                return handed_bisect(t, n + 1, end, from_ns);
            }
        }
        return n;
    }
    if (n != first && *rdo_handed_at(t, n - 1) >= from_ns) {
        return handed_bisect(t, first, n - 1, from_ns);
    }
    return n;
}

RDO_HOT
void rdo_egress_timed(RdoCore *core, const void *frame, size_t len,
                      uint64_t due_ps)
{
    RdoTiming *t = core->st->tm;

    if (core->ops->send_frame_at && !stays_inside(core, frame, len)) {
        uint64_t wake = wake_ns(due_ps);

        /* The host copies it now: the frame needs no buffer of the pool. */
        core->ops->send_frame_at(core->host, frame, len, wake);
        handed_push(t, wake);
        if (t->sched_waiting && wake * 1000 >= t->sched_from_ps) {
            rdo_tm_schedule(core, due_ps);
        }
        return;
    }
    /* Each port's frames in its link's time order. */
    rdo_tm_fifo_push(rdo_frame_port(core, frame, len) == 2 ?
                     &t->egress2 : &t->egress,
                     rdo_tm_frame_new(t, frame, len, due_ps));
    rdo_tm_schedule(core, due_ps);
}

static void release_fifo(RdoCore *core, RdoTmFifo *q, uint64_t now)
{
    RdoTmFrame *f;

    while ((f = q->head) && f->due_ps <= now) {
        rdo_tm_fifo_pop(q);
        rdo_port_output(core, f->data, f->len);
        rdo_tm_frame_put(core->st->tm, f);
    }
    if (f) {
        rdo_tm_schedule(core, f->due_ps);
    }
}

/* Timed frames and interrupts whose time has come leave the device. */
void rdo_egress_release(RdoCore *core)
{
    RdoTiming *t = core->st->tm;
    uint64_t now;
    RdoTmIrq *irq;

    if (!t) {
        return;
    }
    now = rdo_tm_now_ps(core);
    release_fifo(core, &t->egress, now);
    release_fifo(core, &t->egress2, now);
    while ((irq = g_queue_peek_head(&t->irqs)) && irq->due_ps <= now) {
        unsigned vector = irq->vector;

        rdo_tm_irq_spent(t);
        core->ops->raise_irq(core->host, vector);
    }
    if (irq) {
        rdo_tm_schedule(core, irq->due_ps);
    }
}
