/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: a QP's transport state handed from one function's
 * core to another's at the same QP number (MOVE_QP, ctrl/cqp-move.c). The
 * functions share the engine, so nothing is rebuilt: the requester's
 * records of work in flight, the responder's message in progress and its
 * resources, the payload gathered but not placed, the held SENDs and the
 * congestion state go over as they are, and the work the source had
 * queued for the QP (ACK, responses, placement, a running timer) is
 * queued again on the destination. What the source still has queued for
 * the number finds the QP gone and is skipped.
 */
#include <string.h>
#include "xport/transport.h"

static uint64_t held_bytes(const RdoHeldPart *h)
{
    uint64_t n = 0;

    for (const RdoHeld *e = h->head; e; e = e->next) {
        n += e->data->len;
    }
    return n;
}

void rdo_xport_move(RdoCore *from, RdoCore *to, uint32_t qpn, uint32_t sq_pi)
{
    RdoXport *x = &from->st->xport[qpn], *y = &to->st->xport[qpn];
    uint64_t held = held_bytes(&x->held);
    uint64_t due;

    rdo_xport_reset_qp(to, qpn);        /* a number unused there: empty */
    /* The records go over; the source's held copies of their WQEs stay
     * with its engine (the destination reads them again). */
    rdo_tx_hold_drop_qp(from->st, qpn);
    rdo_xport_timer_drop(from, qpn);
    *y = *x;
    /* The lists' flags belong to the lists of the core they are on. */
    y->resp.ack_queued = y->resp.resp_queued = y->agg.queued = false;
    if (x->resp.ack_queued) {
        rdo_xport_queue_ack(to, qpn);
    }
    if (x->resp.resp_queued) {
        rdo_xport_queue_resp(to, qpn);
    }
    if (x->agg.queued) {
        rdo_xport_queue(to, &to->st->agg_list, &y->agg.queued, qpn);
    }
    due = !y->req.rto_at ? y->req.rnr_until :
          !y->req.rnr_until ? y->req.rto_at :
          MIN(y->req.rto_at, y->req.rnr_until);
    if (due) {
        rdo_xport_timer_set(to, qpn, due);
        rdo_core_schedule(to, due);
    }
    from->st->bufrecv_used -= held;
    to->st->bufrecv_used += held;
    if (from->st->tm && to->st->tm) {
        RdoTmQp *a = &from->st->tm->qp[qpn], *b = &to->st->tm->qp[qpn];
        uint32_t queued = b->queued;

        *b = *a;
        b->queued = queued;     /* work items are each core's own */
        /* The QP's frames still in the source's egress leave first: the
         * destination's link takes none of its frames before then, or the
         * peer would see them out of order. */
        to->st->tm->link_free_ps = MAX(to->st->tm->link_free_ps,
                                       from->st->tm->link_free_ps);
    }
    /* Pointers now the destination's; the source's slot starts empty. */
    memset(x, 0, sizeof(*x));
    g_queue_init(&x->req.sent);
    if (to->st->tm) {
        /* The source's doorbells not served yet are its work items, which
         * it now skips: one item up to the producer index stands for them. */
        rdo_work_push(to, qpn, sq_pi, rdo_tm_now_ps(to), false);
        rdo_core_schedule(to, to->ops->now_ns(to->host));
    } else {
        rdo_work_kick(to, qpn);
    }
}
