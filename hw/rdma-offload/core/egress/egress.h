/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: frames out. Every frame the transport or the Ethernet
 * function sends goes through fault injection (fault.c), then the timing
 * model's transmit pipeline and link when it is on, then leaves through the
 * port (output.c): to the host's send_frame, or back in through the
 * internal loopback when it is addressed to the port's own MAC.
 */
#ifndef RDO_EGRESS_H
#define RDO_EGRESS_H

#include "base/base.h"
#include "wire/wire.h"

/* Fault injection's state (fault.c). */
typedef struct RdoFault {
    uint64_t rng;               /* seeded generator: a run is repeatable */
    uint32_t burst_left;        /* frames of the current drop burst to go */
    GBytes *held;               /* a frame held back to be swapped */
    GQueue delayed;             /* frames delayed by fault-delay-ns */
} RdoFault;

/* The internal loopback's state (output.c, ingress/loopback.c). */
typedef struct RdoLoopback {
    GQueue frames;              /* GBytes *: turned around, to come in */
    GQueue raw;                 /* GBytes *: a keyed TXQ's multicast for the
                                 * port's steering rules, prefixed by
                                 * RdoRawLoopHdr */
} RdoLoopback;

/* What a raw loopback frame carries ahead of its bytes. */
typedef struct RdoRawLoopHdr {
    uint32_t port;              /* the port it left by */
    uint32_t from_txq;          /* its rules' RXQ of that number is skipped */
} RdoRawLoopHdr;

/* Fault injection (fault.c): every frame the device sends goes here. */
void rdo_fault_init(RdoCore *core);
void rdo_fault_free(RdoCore *core);
void rdo_fault_send(RdoCore *core, const void *frame, size_t len);
/* Releases frames held for reordering or delay whose time has come. */
void rdo_fault_run(RdoCore *core);
/* Has fault injection a frame held or delayed? (What rdo_fault_run serves.) */
static inline bool rdo_fault_pending(const RdoCore *core)
{
    return core->st->fault->held || core->st->fault->delayed.head;
}

/* The port (output.c): a frame leaves, or is queued for the loopback. */
void rdo_loopback_init(RdoCore *core);
void rdo_loopback_free(RdoCore *core);
void rdo_port_output(RdoCore *core, const void *frame, size_t len);
/* A keyed TXQ's multicast or broadcast frame: a copy for the port's own
 * flow-steering rules at the next wake-up (ingress/loopback.c). */
void rdo_loopback_raw(RdoCore *core, unsigned port, uint32_t from_txq,
                      const void *frame, size_t len);
/*
 * SR-IOV (switch.c): a function's frame to another function or the port;
 * a frame from the port (to the PF's core) to the VF that owns its MAC
 * (true: taken), broadcast and multicast to every VF as well (false).
 */
void rdo_switch_output(RdoCore *core, const void *frame, size_t len);
bool rdo_switch_input(RdoCore *pf, const void *frame, size_t len);
/* A frame a function received for a connection that moved away from it
 * (MOVE_QP): on to where it lives now, true; false if it is no such. */
bool rdo_switch_moved(RdoCore *core, const void *frame, size_t len);
/* Timing model: a frame due at due_ps (rdo_tm_egress) to the host with its
 * time, or a copy kept until then (none is kept for the host: the
 * transport's build buffer stays its own). */
void rdo_egress_timed(RdoCore *core, const void *frame, size_t len,
                      uint64_t due_ps);
/* Frame number n's time (the numbers count every frame handed over,
 * wrapping); the ring's capacity is a power of two (64, doubled), so the
 * slot is a mask, not a division. */
static inline uint64_t *rdo_handed_at(RdoTiming *t, uint32_t n)
{
    return &t->handed[n & (t->handed_cap - 1)];
}
/* The first frame from number n on, or before it, at or after from_ns
 * (handed_end if none): the search below where its first guesses fail. */
uint32_t rdo_egress_handed_search(RdoTiming *t, uint32_t n, uint64_t from_ns);
/*
 * The first wake-up time (ns) after now and at or after from_ps at which
 * a frame handed to the host leaves; 0 if none. Their times never
 * decrease: those at or before now are dropped, and the answer is looked
 * for from where the last search found one: from_ps walks on by about a
 * frame a call in a stream (the scheduler waiting for the link), so it is
 * that frame or the next (inline: once a scheduler run); else a few steps
 * forward, or a bisection of the rest, or of those before it when from_ps
 * went back (out of line).
 */
static inline uint64_t rdo_egress_next_handed(RdoCore *core, uint64_t from_ps)
{
    RdoTiming *t = core->st->tm;
    uint64_t now = core->ops->now_ns(core->host);
    /* A wake-up t (ns) is at or after from_ps when t >= from_ns. */
    uint64_t from_ns = rdo_div_up(from_ps, 1000);
    uint32_t first = t->handed_first, end = t->handed_end, n;

    while (first != end && *rdo_handed_at(t, first) <= now) {
        first++;
    }
    t->handed_first = first;
    n = t->handed_found;
    if ((int32_t)(n - first) < 0) {
        n = first;
    }
    /* The guess, or the frame after it, when the one before is earlier. */
    if (n != end && *rdo_handed_at(t, n) < from_ns) {
        n++;
        if (n != end && *rdo_handed_at(t, n) < from_ns) {
            n = rdo_egress_handed_search(t, n, from_ns);
        }
    } else if (n != first && *rdo_handed_at(t, n - 1) >= from_ns) {
        n = rdo_egress_handed_search(t, n, from_ns);
    }
    t->handed_found = n;
    return n != end ? *rdo_handed_at(t, n) : 0;
}
/* Timing model: frames and interrupts whose time has come leave. */
void rdo_egress_release(RdoCore *core);
/* Timing model: frames or interrupts waiting for rdo_egress_release? */
static inline bool rdo_egress_pending(const RdoCore *core)
{
    const RdoTiming *t = core->st->tm;

    return t && (t->egress.head || t->egress2.head || t->irqs.head);
}

#endif /* RDO_EGRESS_H */
