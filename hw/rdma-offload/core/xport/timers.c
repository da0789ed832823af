/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the QPs with a transport timer running (retransmit,
 * RNR back-off), in a binary min-heap on their deadline, one entry per QP,
 * so that a round looks only at the timers that are due whatever the
 * number of QPs (it used to walk every QP with a timer on each wake-up).
 *
 * A deadline is only ever set through rdo_xport_timer_set (arming the
 * retransmit timer, an RNR NAK), which lowers the QP's key; a timer that
 * stops or moves later leaves its entry as it is, to be put right when it
 * comes to the top. So every key is at most its QP's deadline, and a top
 * whose key is its QP's deadline is the earliest deadline of all.
 */
#include "xport/transport.h"

typedef struct TimerEnt {
    uint64_t key;
    uint32_t qpn;
} TimerEnt;

struct RdoTimers {
    TimerEnt *heap;
    uint32_t len, cap;
    uint32_t *pos;              /* per QP: index in heap + 1, 0 if absent
                                 * (RdoState.qp_timer_pos, not owned) */
};

/* The earliest of a QP's running timers, 0 if none runs. */
static uint64_t deadline(const RdoXport *x)
{
    uint64_t a = x->req.rto_at, b = x->req.rnr_until;

    return !a ? b : !b ? a : MIN(a, b);
}

static void place(RdoTimers *h, uint32_t i, TimerEnt e)
{
    h->heap[i] = e;
    h->pos[e.qpn] = i + 1;
}

static void sift_up(RdoTimers *h, uint32_t i)
{
    TimerEnt e = h->heap[i];

    while (i) {
        uint32_t up = (i - 1) / 2;

        if (h->heap[up].key <= e.key) {
            break;
        }
        place(h, i, h->heap[up]);
        i = up;
    }
    place(h, i, e);
}

static void sift_down(RdoTimers *h, uint32_t i)
{
    TimerEnt e = h->heap[i];

    for (;;) {
        uint32_t c = 2 * i + 1;

        if (c >= h->len) {
            break;
        }
        if (c + 1 < h->len && h->heap[c + 1].key < h->heap[c].key) {
            c++;
        }
        if (e.key <= h->heap[c].key) {
            break;
        }
        place(h, i, h->heap[c]);
        i = c;
    }
    place(h, i, e);
}

static void remove_at(RdoTimers *h, uint32_t i)
{
    TimerEnt last = h->heap[--h->len];

    h->pos[h->heap[i].qpn] = 0;
    if (i == h->len) {
        return;
    }
    place(h, i, last);
    sift_up(h, i);
    sift_down(h, h->pos[last.qpn] - 1);
}

void rdo_xport_timers_init(RdoCore *core)
{
    RdoTimers *h = g_new0(RdoTimers, 1);

    h->pos = core->st->qp_timer_pos;
    core->st->timers = h;
}

void rdo_xport_timers_free(RdoCore *core)
{
    RdoTimers *h = core->st->timers;

    g_free(h->heap);
    g_free(h);
    core->st->timers = NULL;
}

void rdo_xport_timer_set(RdoCore *core, uint32_t qpn, uint64_t when)
{
    RdoTimers *h = core->st->timers;
    uint32_t i = h->pos[qpn];

    if (i) {
        if (when < h->heap[i - 1].key) {
            h->heap[i - 1].key = when;
            sift_up(h, i - 1);
        }
        return;
    }
    if (h->len == h->cap) {
        h->cap = MAX(16, h->cap * 2);
        h->heap = g_renew(TimerEnt, h->heap, h->cap);
    }
    place(h, h->len, (TimerEnt){ when, qpn });
    sift_up(h, h->len++);
}

void rdo_xport_timer_rearm(RdoCore *core, uint32_t qpn)
{
    uint64_t d = deadline(&core->st->xport[qpn]);

    if (d) {
        rdo_xport_timer_set(core, qpn, d);
    }
}

void rdo_xport_timer_drop(RdoCore *core, uint32_t qpn)
{
    RdoTimers *h = core->st->timers;

    if (h->pos[qpn]) {
        remove_at(h, h->pos[qpn] - 1);
    }
}

/* Puts the top right: dropped if its QP has no timer, re-keyed if later. */
static bool top_valid(RdoCore *core)
{
    RdoTimers *h = core->st->timers;

    while (h->len) {
        uint64_t d = deadline(&core->st->xport[h->heap[0].qpn]);

        if (d == h->heap[0].key) {
            return true;
        }
        if (!d) {
            remove_at(h, 0);
        } else {
            h->heap[0].key = d;
            sift_down(h, 0);
        }
    }
    return false;
}

bool rdo_xport_timer_due(RdoCore *core, uint64_t now, uint32_t *qpn)
{
    RdoTimers *h = core->st->timers;

    if (!top_valid(core) || h->heap[0].key > now) {
        return false;
    }
    *qpn = h->heap[0].qpn;
    remove_at(h, 0);
    return true;
}

/* At every wake-up: the top mostly right already, asked here without the
 * call. */
RDO_HOT
uint64_t rdo_xport_timer_next(RdoCore *core)
{
    RdoTimers *h = core->st->timers;

    if (!h->len) {
        return 0;
    }
    if (deadline(&core->st->xport[h->heap[0].qpn]) == h->heap[0].key) {
        return h->heap[0].key;
    }
    return top_valid(core) ? h->heap[0].key : 0;
}
