/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the transport's end of round: retransmit and RNR
 * timers that expired, then the lists of QPs with READ responses to stream
 * or an ACK to send, and the aggregated payload still to place.
 */
#include <string.h>
#include "xport/transport.h"

/* Appends a QP to a list made on first use (timers fire seldom). */
static GArray *qp_list_add(GArray *list, uint32_t qpn)
{
    if (!list) {
        list = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    }
    return g_array_append_val(list, qpn);
}

static guint qp_list_len(GArray *list)
{
    if (list) {
        /* In QP order, so that runs are deterministic. */
        g_array_sort(list, (GCompareFunc)rdo_u32_cmp);
    }
    return list ? list->len : 0;
}

/*
 * RNR back-offs over and retransmit timeouts, each in QP order. A QP taken
 * out goes back in only after its expired timers are dealt with: its
 * earliest deadline is the expired one until then, and putting it back
 * earlier made it due again at once, for ever. Cold: a timer expires only
 * after a loss or an RNR NAK.
 */
static RDO_COLD __attribute__((noinline)) void run_expired(RdoCore *core,
                                                           uint64_t now)
{
    RdoState *st = core->st;
    GArray *rnr = NULL, *rto = NULL, *due = NULL;
    uint64_t next;
    uint32_t qpn;

    while (rdo_xport_timer_due(core, now, &qpn)) {
        RdoXport *x = &st->xport[qpn];

        due = qp_list_add(due, qpn);
        if (x->req.rnr_until && x->req.rnr_until <= now) {
            rnr = qp_list_add(rnr, qpn);
        }
        if (x->req.rto_at && x->req.rto_at <= now) {
            rto = qp_list_add(rto, qpn);
        }
    }
    for (guint i = 0; i < qp_list_len(rnr); i++) {
        qpn = g_array_index(rnr, uint32_t, i);
        /* The RNR back-off is over: the requester sends again. */
        st->xport[qpn].req.rnr_until = 0;
        rdo_work_kick(core, qpn);
    }
    for (guint i = 0; i < qp_list_len(rto); i++) {
        RdoQpCtx *qp;

        qpn = g_array_index(rto, uint32_t, i);
        qp = rdo_qp_get(core, qpn);
        if (qp && (qp->state == RDO_QPS_RTS || qp->state == RDO_QPS_SQD)) {
            rdo_req_timer(core, qpn, qp);
        } else {
            st->xport[qpn].req.rto_at = 0;
        }
    }
    /* The other timer of each, or one its expiry started, runs on. */
    for (guint i = 0; due && i < due->len; i++) {
        rdo_xport_timer_rearm(core, g_array_index(due, uint32_t, i));
    }
    if (due) {
        g_array_free(due, TRUE);
    }
    if (rnr) {
        g_array_free(rnr, TRUE);
    }
    if (rto) {
        g_array_free(rto, TRUE);
    }
    next = rdo_xport_timer_next(core);
    if (next) {
        rdo_core_schedule(core, next);
    }
}

static void run_timers(RdoCore *core, uint64_t now, uint64_t next)
{
    /* Most wake-ups: no timer due, only the next one to ask for. */
    if (!next || next > now) {
        if (next) {
            rdo_core_schedule(core, next);
        }
        return;
    }
    run_expired(core, now);
}

static void run_list(RdoCore *core, RdoIdxQueue *list, bool acks)
{
    uint32_t n = list->len;

    uint32_t qpn;

    while (n-- && rdo_idxq_pop(list, &qpn)) {
        RdoXport *x = &core->st->xport[qpn];
        RdoQpCtx *qp;

        if (acks ? !x->resp.ack_queued : !x->resp.resp_queued) {
            continue;
        }
        if (acks) {
            x->resp.ack_queued = false;
        } else {
            x->resp.resp_queued = false;
        }
        qp = rdo_qp_get(core, qpn);
        if (!qp || qp->state == RDO_QPS_ERR || qp->state == RDO_QPS_RESET) {
            continue;
        }
        if (acks) {
            rdo_resp_send_ack(core, qpn, qp);
        } else {
            rdo_resp_run(core, qpn, qp);
        }
    }
}

/* Work on the lists of the end of round (each run's pending test; CQ
 * moderation and fault injection are side engines, RdoState.side_work). */
static bool lists_pending(const RdoCore *core)
{
    return rdo_agg_pending(core) || core->st->resp_list.len ||
           core->st->ack_list.len ||
           (core->st->side_work &&
            (rdo_cq_pending(core) || rdo_fault_pending(core)));
}

/*
 * With the timing model, on the receive engine's cursor, entered only
 * when there is work: most wake-ups have none (no timer due, every list
 * empty), and an entry and leave without work would only raise the
 * engine's free time to now, which each later entry (at the clock of a
 * later moment, or at a frame's arrival after this wake-up) takes anyway.
 */
/* The run with work (rdo_xport_run). Out of line: the test for work, at
 * every wake-up, then saves no registers for it. */
RDO_HOT
static __attribute__((noinline)) void xport_run_work(RdoCore *core,
                                                     uint64_t now,
                                                     uint64_t next)
{
    RdoTiming *t = core->st->tm;
    RdoTmSaved saved;

    if (t) {
        saved = rdo_tm_enter(core, RDO_ENG_RX, now * 1000);
    }
    run_timers(core, now, next);
    /* Each list's run takes what it holds now: an empty one is skipped
     * (by the pending test beside its run, or the list's length here). */
    if (rdo_agg_pending(core)) {
        rdo_agg_run(core);      /* data placed before any ACK for it */
    }
    if (core->st->resp_list.len) {
        run_list(core, &core->st->resp_list, false);
    }
    if (core->st->ack_list.len) {
        run_list(core, &core->st->ack_list, true);
    }
    if (rdo_cq_pending(core)) {
        rdo_cq_run(core);
    }
    if (rdo_fault_pending(core)) {
        rdo_fault_run(core);
    }
    if (t) {
        rdo_tm_leave(core, saved);
    }
}

RDO_HOT
void rdo_xport_run(RdoCore *core)
{
    uint64_t now = core->ops->now_ns(core->host);
    uint64_t next = rdo_xport_timer_next(core);

    if ((!next || next > now) && !lists_pending(core)) {
        if (next) {
            rdo_core_schedule(core, next);
        }
        return;
    }
    xport_run_work(core, now, next);
}
