/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the queue of send work. A doorbell or a kick (ACKs
 * opened the window, a timer, a shared send queue fed a connection, a
 * pending MR became ready) puts a QP with send work on it; the scheduler
 * (sched/) takes it off. Functional mode keeps QPs in doorbell order; the
 * timing model keeps one item per doorbell, with its decode and WQE fetch
 * timed, for the look-ahead scheduler.
 */
#include <string.h>
#include "base/base.h"

static void work_kick_timed(RdoCore *core, uint32_t qpn);

void rdo_work_kick(RdoCore *core, uint32_t qpn)
{
    RdoState *st = core->st;

    if (st->tm) {
        work_kick_timed(core, qpn);
        return;
    }
    if (qpn < st->usable_qps && !st->sq_queued[qpn]) {
        st->sq_queued[qpn] = 1;
        rdo_idxq_push(&st->sq_ready, qpn);
        rdo_core_schedule(core, core->ops->now_ns(core->host));
    }
}

void rdo_work_push(RdoCore *core, uint32_t qpn, uint32_t pi,
                   uint64_t ready_ps, bool head)
{
    RdoTiming *t = core->st->tm;
    RdoWork *w = rdo_node_take(&t->work_free);

    if (!w) {
        w = g_new0(RdoWork, 1);
        w->link.data = w;
    }
    w->qpn = qpn;
    w->pi = pi;
    w->ready_ps = ready_ps;
    t->qp[qpn].queued++;
    if (head) {
        g_queue_push_head_link(&t->work, &w->link);
    } else {
        g_queue_push_tail_link(&t->work, &w->link);
    }
}

/*
 * The read of WQEs [first, first + n) of a ring issued at `at`, at their
 * addresses: one DMA per run of entries contiguous in host memory (a
 * page-list ring's pages are not); returns when the last is in. The page
 * list's entries are held on chip (untimed).
 */
static uint64_t wqe_fetch(RdoCore *core, const RdoRing *ring, uint32_t first,
                          uint32_t n, uint64_t at)
{
    uint32_t stride = 1u << ring->stride_shift;
    uint64_t in = at, run_addr = 0, run_len = 0, addr = 0;

    for (uint32_t i = 0; i <= n; i++) {
        bool have = false;

        if (i < n) {
            RdoFlow flow = rdo_tm_set_flow(core, RDO_FLOW_UNTIMED);

            have = rdo_ring_entry_addr(core, ring, first + i, &addr);
            rdo_tm_set_flow(core, flow);
            if (have && run_len && addr == run_addr + run_len) {
                run_len += stride;
                continue;
            }
        }
        if (run_len) {
            /* Not inside MAX(): that would issue the read twice. */
            uint64_t done = rdo_tm_bus(core, at, run_addr, run_len, false);

            in = MAX(in, done);
        }
        run_addr = addr;
        run_len = have ? stride : 0;
    }
    return in;
}

void rdo_work_doorbell(RdoCore *core, uint32_t qpn, uint32_t old_pi,
                       uint32_t pi, bool pushed, const RdoRing *sq)
{
    uint32_t wqe_stride = 1u << sq->stride_shift;
    RdoTiming *t = core->st->tm;
    RdoTmQp *q = &t->qp[qpn];
    uint64_t now = rdo_tm_now_ps(core);
    uint32_t fetch = pi - old_pi;
    uint64_t at, ready;
    RdoWork *tail = g_queue_peek_tail(&t->work);

    rdo_tm_db_note(q, pi, now, pushed);
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
        uint64_t in = wqe_fetch(core, sq, old_pi, fetch, at);

        ready = MAX(ready, in);
        rdo_tm_set_flow(core, flow);
        core->tcnt.wqe_fetches++;
    }
    rdo_tm_span(core, RDO_STAGE_DOORBELL, qpn, fetch * wqe_stride, now, ready);
    q->wqe_ready_ps = MAX(q->wqe_ready_ps, ready);
    if (pi == old_pi && q->queued) {
        /* Nothing new and the QP already has an item to visit it: a guest
         * ringing the same index again makes no more work or memory. */
        return;
    }
    if (tail && tail->qpn == qpn && tail->pi != RDO_NONE &&
        tail->ready_ps > now) {
        /* Rung again before anything else: one item. Not an item whose
         * WQEs are in (a visit that stopped for the link left it): the
         * new ones' fetch would hold them back. */
        tail->pi = pi;
        tail->ready_ps = MAX(tail->ready_ps, ready);
    } else {
        rdo_work_push(core, qpn, pi, ready, false);
    }
    rdo_tm_schedule(core, ready);
}

/* Work that needs no doorbell (ACKs opened the window, a timer, a shared
 * send queue fed the QP): one item if the QP has none queued. */
static void work_kick_timed(RdoCore *core, uint32_t qpn)
{
    RdoTiming *t = core->st->tm;

    if (qpn >= core->st->usable_qps || t->qp[qpn].queued) {
        return;
    }
    rdo_work_push(core, qpn, RDO_NONE, rdo_tm_cur(core), false);
    rdo_core_schedule(core, core->ops->now_ns(core->host));
}
