/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the work scheduler of the timing model. Each doorbell
 * is a work item: the doorbell unit decodes it and fetches the new WQEs
 * (an inline-pushed WQE is already there), then the item waits on the
 * scheduler's queue. The transmit engine serves items one visit at a time:
 *
 * - in order (lookahead 0): items as the doorbells rang; an item whose QP
 *   context is not cached waits for the context fetch, and so does
 *   everything behind it;
 * - look-ahead (lookahead N): the scheduler scans the first N items,
 *   prefetches the contexts of those that are not cached, serves the first
 *   item whose context is cached (or the one whose fetch ends first), and
 *   takes the later doorbells of that QP in the window along in the same
 *   visit, while its context is on chip.
 *
 * With the timing model off, rdo_sq_run() serves QPs in doorbell order
 * instead (no time passes).
 */
#include <string.h>
#include "sched/sched.h"

/*
 * The next item to serve, or NULL if none should start now (t->next_ps
 * says when one can). Look-ahead: the first item in the window whose
 * context is on chip; else wait for a context being fetched; else serve
 * the first one that could not be prefetched (a demand miss).
 */
/* Is the item's QP on a port whose transmit FIFO is full for now? */
static bool port_waits(const RdoTiming *t, const RdoWork *w)
{
    return t->port_full[t->qp[w->qpn].port];
}

static GList *pick(RdoCore *core)
{
    RdoTiming *t = core->st->tm;
    RdoState *st = core->st;
    uint64_t now = rdo_tm_now_ps(core);
    uint64_t wqe_soonest = UINT64_MAX, ctx_soonest = UINT64_MAX, ready;
    GList *l, *uncached = NULL;
    uint32_t n;
    /* Most visits no port's FIFO is full: then no item waits for its port,
     * and none of its QP's state (a line of its own each) is read for it. */
    bool ports_wait = t->port_full[0] | t->port_full[1] | t->port_full[2];

    if (!t->cfg.lookahead) {
        /* In doorbell order, the items of a port that must wait aside. */
        for (l = t->work.head; l && ports_wait && port_waits(t, l->data);
             l = l->next) {
        }
        if (!l) {
            return NULL;
        }
        if (((RdoWork *)l->data)->ready_ps > now) {
            t->next_ps = ((RdoWork *)l->data)->ready_ps;
            return NULL;
        }
        return l;
    }
    for (l = t->work.head, n = 0; l && n < t->cfg.lookahead; l = l->next, n++) {
        RdoWork *w = l->data;

        if (ports_wait && port_waits(t, w)) {
            continue;
        }
        if (w->ready_ps > now) {
            wqe_soonest = MIN(wqe_soonest, w->ready_ps);
            continue;
        }
        if (!rdo_ctx_cached(&st->qpc, w->qpn, &ready) &&
            (w->qpn >= st->usable_qps || !st->qp_used[w->qpn] ||
             !rdo_ctx_prefetch(core, &st->qpc, w->qpn) ||
             !rdo_ctx_cached(&st->qpc, w->qpn, &ready))) {
            uncached = uncached ? uncached : l;
            continue;
        }
        if (ready <= t->cur_ps) {
            return l;
        }
        ctx_soonest = MIN(ctx_soonest, ready);
    }
    if (ctx_soonest != UINT64_MAX) {
        t->next_ps = ctx_soonest;
        return NULL;
    }
    if (uncached) {
        return uncached;
    }
    t->next_ps = wqe_soonest;
    return NULL;
}

/* Look-ahead: later doorbells of the same QP in the window join the visit. */
static void group(RdoCore *core, RdoWork *w)
{
    RdoTiming *t = core->st->tm;
    GList *l = t->work.head;
    uint32_t n;

    for (n = 0; l && n < t->cfg.lookahead; n++) {
        GList *next = l->next;
        RdoWork *o = l->data;

        if (o->qpn == w->qpn && o->ready_ps <= t->cur_ps) {
            if (w->pi == RDO_NONE ||
                (o->pi != RDO_NONE && (int32_t)(o->pi - w->pi) > 0)) {
                w->pi = o->pi;
            }
            rdo_work_unlink(t, l);
            core->tcnt.sched_grouped++;
            rdo_work_done(t, l);
        }
        l = next;
    }
}

/*
 * One scheduler visit of a QP with send work; true if it has more to do.
 * The QP's context: the one the transmit engine holds for the message in
 * progress (xport/hold.c), else looked up (and then held, if a message
 * of it holds the slot).
 */
static bool sq_process(RdoCore *core, uint32_t qpn)
{
    RdoState *st = core->st;
    RdoQpCtx *qp = rdo_tx_hold_qp(core, qpn);

    if (!qp && (qp = rdo_qp_get(core, qpn))) {
        rdo_tx_hold_note_qp(st, qpn, qp);
    }
    if (!qp) {
        if (qpn < st->usable_qps && st->qp_used[qpn]) {
            rdo_async_event(core, RDO_EQE_QP_ERROR, qpn, RDO_QP_ERR_CONTEXT);
        }
        return false;
    }
    if (qp->state == RDO_QPS_ERR) {
        rdo_qp_flush(core, qpn, qp);
        return false;
    }
    if (qp->state != RDO_QPS_RTS && qp->state != RDO_QPS_SQD) {
        return false;
    }
    return rdo_tx_process(core, qpn, qp);
}

/* One visit of a QP's send work, fetching WQEs up to `pi`. */
static bool sq_visit(RdoCore *core, uint32_t qpn, uint32_t pi)
{
    RdoXport *x = &core->st->xport[qpn];
    bool more;

    x->req.sched_limited = pi != RDO_NONE;
    x->req.sched_limit = pi;
    more = sq_process(core, qpn);
    x->req.sched_limited = false;
    return more;
}

/* The timing model's scheduler, with work queued (rdo_sq_run). Out of
 * line: most wake-ups find none, and the call's saved registers cost more
 * than that test. */
RDO_HOT
static __attribute__((noinline)) void sched_run(RdoCore *core)
{
    RdoTiming *t = core->st->tm;
    RdoTmSaved saved;

    saved = rdo_tm_enter(core, RDO_ENG_TX, rdo_tm_now_ps(core));
    t->next_ps = 0;
    memset(t->port_full, 0, sizeof(t->port_full));
    while (t->work.head) {
        GList *l;
        RdoWork *w;
        uint64_t sent;
        uint32_t *turn;
        bool more;

        t->tx_paused = false;
        t->paused_port = 0;
        if (!rdo_tm_tx_may_send(core, 0) || !(l = pick(core))) {
            break;
        }
        w = l->data;
        if (l != t->work.head) {
            core->tcnt.sched_reordered++;
        }
        rdo_work_unlink(t, l);
        if (t->cfg.lookahead) {
            group(core, w);
        }
        /* Most often the next one served: its state loads meanwhile. */
        if (t->work.head) {
            rdo_xport_host_prefetch(core, ((RdoWork *)t->work.head->data)->qpn);
        }
        rdo_tm_wait_until(core, w->ready_ps);
        t->item_ready_ps = w->ready_ps;
        if (w->pi == RDO_NONE) {
            /* A kick sends what is in flight; new WQEs wait for their
             * doorbell's item (their fetch). */
            w->pi = t->qp[w->qpn].served_pi;
        } else {
            t->qp[w->qpn].served_pi = w->pi;
        }
        rdo_tm_cycles(core, t->cfg.cyc.sched + t->cfg.cyc.ctx_lookup);
        t->visit_ps = t->cur_ps;
        t->pace_ps = 0;
        core->tcnt.sched_visits++;
        sent = core->cnt.tx_packets;
        more = sq_visit(core, w->qpn, w->pi);
        rdo_tm_span(core, RDO_STAGE_SCHED, w->qpn, 0, t->visit_ps, t->cur_ps);
        turn = &t->qp[w->qpn].turn_pkts;
        *turn += (uint32_t)(core->cnt.tx_packets - sent);
        if (t->tx_paused && *turn < RDO_TX_BUDGET) {
            /* Stopped for the link or the clock: its turn goes on, the
             * item back at the head as it is (what rdo_work_push would
             * make of it; most visits of a stream end so). */
            rdo_work_push_head_link(t, l);
            l = NULL;
        } else if (t->tx_paused) {
            /*
             * A visit's budget spent over several paused visits: the
             * others' turn, as after a full one, so that a stream that
             * keeps the link busy does not hold the engine for its
             * megabytes while a small message waits.
             */
            *turn = 0;
            rdo_work_push(core, w->qpn, w->pi, w->ready_ps, false);
        } else if (more) {
            /* A QP its rate limiter holds back comes again when it may
             * send; the others go first meanwhile. */
            rdo_work_push(core, w->qpn, w->pi, MAX(w->ready_ps, t->pace_ps),
                          false);
        }
        if (!t->tx_paused) {
            *turn = 0;          /* its turn ended with the visit */
        }
        if (l) {
            rdo_work_done(t, l);
        }
        /* One port's full FIFO stops its QPs, not the other port's: the
         * ports share the engine, each has its own link. */
        if (t->tx_paused && t->paused_port && core->cfg.ports == 2 &&
            !t->port_full[3 - t->paused_port]) {
            t->port_full[t->paused_port] = true;
            continue;
        }
        if (t->tx_paused) {
            break;
        }
    }
    if (t->work.head) {
        /* Not before the clock moves, so that a wake-up always progresses. */
        rdo_core_schedule(core, MAX((MAX(t->next_ps, t->cur_ps) + 999) / 1000,
                                    core->ops->now_ns(core->host) + 1));
        /*
         * The scheduler looks again at every wake-up, and each frame
         * leaving was one while the core sent them itself: it keeps those
         * times (the figures do not depend on the host taking the frames)
         * from when it could go on: waiting for the link or the clock,
         * not before next_ps (its own wake-up may come later, at its
         * cursor); waiting for work to become ready, at any.
         */
        uint64_t at;

        t->sched_waiting = true;
        t->sched_from_ps = t->tx_paused ? t->next_ps : 0;
        at = rdo_egress_next_handed(core, t->sched_from_ps);
        if (at) {
            rdo_core_schedule(core, at);
        }
    }
    rdo_tm_leave(core, saved);
}

/* Functional mode: one visit per QP queued now; QPs with more work go to
 * the back. */
static __attribute__((noinline)) void sq_run_untimed(RdoCore *core)
{
    RdoState *st = core->st;
    uint32_t rounds = st->sq_ready.len, qpn;

    while (rounds-- && rdo_idxq_pop(&st->sq_ready, &qpn)) {
        st->sq_queued[qpn] = 0;
        if (sq_process(core, qpn)) {
            rdo_work_kick(core, qpn);
        }
    }
}

/* Each wake-up's: in timing mode most find no work queued, so both runs
 * are out of line and this saves no registers. */
RDO_HOT
void rdo_sq_run(RdoCore *core)
{
    RdoTiming *t = core->st->tm;

    if (!t) {
        sq_run_untimed(core);
    } else {
        t->sched_waiting = false;
        if (t->work.head) {
            sched_run(core);
        }
    }
}
