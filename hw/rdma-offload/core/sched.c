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
 * With the timing model off, sq.c serves QPs without this (no time passes).
 */
#include <string.h>
#include "timing.h"
#include "transport.h"

static void work_push(RdoCore *core, uint32_t qpn, uint32_t pi,
                      uint64_t ready_ps, bool head)
{
    RdoTiming *t = core->st->tm;
    RdoWork *w = g_new(RdoWork, 1);

    w->qpn = qpn;
    w->pi = pi;
    w->ready_ps = ready_ps;
    t->qp[qpn].queued++;
    if (head) {
        g_queue_push_head(&t->work, w);
    } else {
        g_queue_push_tail(&t->work, w);
    }
}

void rdo_sched_free(RdoCore *core)
{
    g_queue_clear_full(&core->st->tm->work, g_free);
}

void rdo_sched_doorbell(RdoCore *core, uint32_t qpn, uint32_t old_pi,
                        uint32_t pi, bool pushed, uint32_t wqe_stride)
{
    RdoTiming *t = core->st->tm;
    RdoTmQp *q = &t->qp[qpn];
    uint64_t now = rdo_tm_now_ps(core);
    uint32_t fetch = pi - old_pi;
    uint64_t at, ready;
    unsigned slot = q->db_next++ % RDO_TM_DB_HIST;
    RdoWork *tail = g_queue_peek_tail(&t->work);

    q->db_pi[slot] = pi;
    q->db_ps[slot] = now;
    q->db_flags[slot] = RDO_TM_DB_VALID | (pushed ? RDO_TM_DB_PUSHED : 0);
    /* The doorbell unit decodes one doorbell at a time. */
    at = MAX(now, t->free_ps[RDO_ENG_DB]) +
         rdo_tm_cycles_ps(t, t->cfg.cyc.doorbell);
    t->free_ps[RDO_ENG_DB] = at;
    ready = at;
    if (pushed && fetch) {
        ready += rdo_tm_cycles_ps(t, t->cfg.cyc.push * (wqe_stride / 64));
        fetch--;
    }
    if (fetch) {
        RdoFlow flow = rdo_tm_set_flow(core, RDO_FLOW_WQE);
        /* Not inside MAX(): that would issue the read twice. */
        uint64_t in = rdo_tm_bus(core, at, 0, (size_t)fetch * wqe_stride, false);

        ready = MAX(ready, in);
        rdo_tm_set_flow(core, flow);
        core->tcnt.wqe_fetches++;
    }
    rdo_tm_span(core, RDO_STAGE_DOORBELL, qpn, fetch * wqe_stride, now, ready);
    q->wqe_ready_ps = MAX(q->wqe_ready_ps, ready);
    if (tail && tail->qpn == qpn && tail->pi != RDO_NONE) {
        /* Rung again before anything else: one item. */
        tail->pi = pi;
        tail->ready_ps = MAX(tail->ready_ps, ready);
    } else {
        work_push(core, qpn, pi, ready, false);
    }
    rdo_tm_schedule(core, ready);
}

/* Work that needs no doorbell (ACKs opened the window, a timer, a shared
 * send queue fed the QP): one item if the QP has none queued. */
void rdo_sched_kick(RdoCore *core, uint32_t qpn)
{
    RdoTiming *t = core->st->tm;

    if (qpn >= core->st->usable_qps || t->qp[qpn].queued) {
        return;
    }
    work_push(core, qpn, RDO_NONE, rdo_tm_cur(core), false);
    rdo_core_schedule(core, core->ops->now_ns(core->host));
}

/*
 * The next item to serve, or NULL if none should start now (t->next_ps
 * says when one can). Look-ahead: the first item in the window whose
 * context is on chip; else wait for a context being fetched; else serve
 * the first one that could not be prefetched (a demand miss).
 */
static GList *pick(RdoCore *core)
{
    RdoTiming *t = core->st->tm;
    RdoState *st = core->st;
    uint64_t now = rdo_tm_now_ps(core);
    uint64_t wqe_soonest = UINT64_MAX, ctx_soonest = UINT64_MAX, ready;
    GList *l, *uncached = NULL;
    uint32_t n;

    if (!t->cfg.lookahead) {
        RdoWork *w = t->work.head->data;

        if (w->ready_ps > now) {
            t->next_ps = w->ready_ps;
            return NULL;
        }
        return t->work.head;
    }
    for (l = t->work.head, n = 0; l && n < t->cfg.lookahead; l = l->next, n++) {
        RdoWork *w = l->data;

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
            g_queue_delete_link(&t->work, l);
            t->qp[o->qpn].queued--;
            core->tcnt.sched_grouped++;
            g_free(o);
        }
        l = next;
    }
}

void rdo_sched_run(RdoCore *core)
{
    RdoTiming *t = core->st->tm;
    RdoTmSaved saved;

    if (g_queue_is_empty(&t->work)) {
        return;
    }
    saved = rdo_tm_enter(core, RDO_ENG_TX, rdo_tm_now_ps(core));
    t->next_ps = 0;
    while (!g_queue_is_empty(&t->work)) {
        GList *l;
        RdoWork *w;
        bool more;

        t->tx_paused = false;
        if (!rdo_tm_tx_may_send(core) || !(l = pick(core))) {
            break;
        }
        w = l->data;
        if (l != t->work.head) {
            core->tcnt.sched_reordered++;
        }
        g_queue_delete_link(&t->work, l);
        t->qp[w->qpn].queued--;
        if (t->cfg.lookahead) {
            group(core, w);
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
        core->tcnt.sched_visits++;
        more = rdo_sq_visit(core, w->qpn, w->pi);
        rdo_tm_span(core, RDO_STAGE_SCHED, w->qpn, 0, t->visit_ps, t->cur_ps);
        if (t->tx_paused) {
            work_push(core, w->qpn, w->pi, w->ready_ps, true);
        } else if (more) {
            work_push(core, w->qpn, w->pi, w->ready_ps, false);
        }
        g_free(w);
        if (t->tx_paused) {
            break;
        }
    }
    if (!g_queue_is_empty(&t->work)) {
        /* Not before the clock moves, so that a wake-up always progresses. */
        rdo_core_schedule(core, MAX((MAX(t->next_ps, t->cur_ps) + 999) / 1000,
                                    core->ops->now_ns(core->host) + 1));
    }
    rdo_tm_leave(core, saved);
}
