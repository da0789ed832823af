/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the send and receive queues' front end. Doorbells
 * advance the producer indexes; the scheduler visits QPs with send work in
 * doorbell order, a budget of packets per visit (tx.c does the work). Work
 * that reaches a memory region whose registration is still queued on the
 * control QP waits there (a stall, counted) and resumes when it completes.
 * A QP in the error state has its queues flushed.
 */
#include <string.h>
#include "rdo-internal.h"
#include "transport.h"
#include "timing.h"

static RdoRing sq_ring(const RdoQpCtx *qp)
{
    return (RdoRing){ qp->sq_addr, qp->sq_log_size, qp->sq_wqe_shift,
                      qp->sq_ring_flags };
}

static RdoRing rq_ring(const RdoQpCtx *qp)
{
    return (RdoRing){ qp->rq_addr, qp->rq_log_size, qp->rq_wqe_shift,
                      qp->rq_ring_flags };
}

/* One scheduler visit of a QP with send work; true if it has more to do. */
static bool sq_process(RdoCore *core, uint32_t qpn)
{
    RdoState *st = core->st;
    RdoQpCtx *qp = rdo_qp_get(core, qpn);

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

bool rdo_sq_visit(RdoCore *core, uint32_t qpn, uint32_t pi)
{
    RdoXport *x = &core->st->xport[qpn];
    bool more;

    x->sched_limited = pi != RDO_NONE;
    x->sched_limit = pi;
    more = sq_process(core, qpn);
    x->sched_limited = false;
    return more;
}

void rdo_sq_kick(RdoCore *core, uint32_t qpn)
{
    RdoState *st = core->st;

    if (st->tm) {
        rdo_sched_kick(core, qpn);
        return;
    }
    if (qpn < st->usable_qps && !st->sq_queued[qpn]) {
        st->sq_queued[qpn] = 1;
        g_queue_push_tail(&st->sq_ready, GUINT_TO_POINTER(qpn));
        rdo_core_schedule(core, core->ops->now_ns(core->host));
    }
}

void rdo_sq_run(RdoCore *core)
{
    RdoState *st = core->st;
    guint rounds = g_queue_get_length(&st->sq_ready);

    if (st->tm) {
        rdo_sched_run(core);
        return;
    }
    /* One visit per QP queued now; QPs with more work go to the back. */
    while (rounds-- && !g_queue_is_empty(&st->sq_ready)) {
        uint32_t qpn = GPOINTER_TO_UINT(g_queue_pop_head(&st->sq_ready));

        st->sq_queued[qpn] = 0;
        if (sq_process(core, qpn)) {
            rdo_sq_kick(core, qpn);
        }
    }
}

void rdo_mr_registered(RdoCore *core, uint32_t index)
{
    RdoState *st = core->st;

    for (uint32_t qpn = 0; qpn < st->usable_qps; qpn++) {
        if (st->qp_stall_mr[qpn] == index) {
            st->qp_stall_mr[qpn] = RDO_NONE;
            rdo_sq_kick(core, qpn);
        }
    }
}

static void flush_ring(RdoCore *core, uint32_t qpn, const RdoRing *ring,
                       uint32_t *ci, uint32_t pi, uint32_t cqn, bool recv)
{
    for (; *ci != pi; (*ci)++) {
        struct rdo_cqe cqe;
        uint64_t wr_id;

        memset(&cqe, 0, sizeof(cqe));
        if (!rdo_ring_read(core, ring, *ci, &wr_id, sizeof(wr_id))) {
            wr_id = 0;  /* still complete it: the driver must see every WQE */
        }
        cqe.wr_id = wr_id;
        cqe.qpn = qpn;
        cqe.opcode = recv ? RDO_CQE_RECV : RDO_CQE_SEND;
        cqe.status = RDO_WC_WR_FLUSH_ERR;
        rdo_cq_post(core, cqn, &cqe, false);
    }
}

void rdo_qp_flush(RdoCore *core, uint32_t qpn, RdoQpCtx *qp)
{
    RdoRing sq = sq_ring(qp), rq = rq_ring(qp);

    rdo_req_flush(core, qpn);
    if (qp->ssq_qpn == RDO_NONE) {
        flush_ring(core, qpn, &sq, &qp->sq_ci, qp->sq_pi, qp->send_cqn, false);
    }
    if (qp->srqn == RDO_NONE && qp->type != RDO_QPT_SSQ) {
        flush_ring(core, qpn, &rq, &qp->rq_ci, qp->rq_pi, qp->recv_cqn, true);
    }
    rdo_ctx_dirty(core, &core->st->qpc, qp);
}

/*
 * A QP doorbell on `page` advancing the SQ or RQ producer index: the QP's
 * own page and its own queue only, and the index within the ring. Returns
 * the QP if the new index was taken.
 */
static RdoQpCtx *qp_doorbell(RdoCore *core, uint16_t page, uint32_t qpn,
                             uint32_t pi, bool sq, uint32_t *old_pi)
{
    uint32_t reg = sq ? RDO_DB_SQ : RDO_DB_RQ;
    uint64_t where = ((uint64_t)page << RDO_DB_PAGE_SHIFT) + reg;
    RdoQpCtx *qp = rdo_qp_peek(core, qpn);
    uint32_t *cur_pi, ci, size;

    if (!qp || qp->db_page != page ||
        (sq ? qp->ssq_qpn != RDO_NONE
            : (qp->srqn != RDO_NONE || qp->type == RDO_QPT_SSQ))) {
        core->cnt.db_errors++;
        rdo_core_guest_error(core, RDO_ERR_DB_BAD_OBJECT, where,
                             "%s doorbell for QP %u on page %u refused",
                             sq ? "SQ" : "RQ", qpn, page);
        return NULL;
    }
    cur_pi = sq ? &qp->sq_pi : &qp->rq_pi;
    ci = sq ? qp->sq_ci : qp->rq_ci;
    size = 1u << (sq ? qp->sq_log_size : qp->rq_log_size);
    if (pi - ci > size || pi - *cur_pi > (1u << 31)) {
        rdo_core_guest_error(core, RDO_ERR_DB_BAD_OBJECT, where,
                             "QP %u: %s producer index %u beyond the ring", qpn,
                             sq ? "SQ" : "RQ", pi);
        rdo_qp_to_error(core, qpn, rdo_qp_get(core, qpn), RDO_QP_ERR_DOORBELL);
        return NULL;
    }
    *old_pi = *cur_pi;
    *cur_pi = pi;
    rdo_ctx_dirty(core, &core->st->qpc, qp);
    /* A QP in error is flushed through the cache, not the doorbell's copy. */
    return qp->state == RDO_QPS_ERR ? rdo_qp_get(core, qpn) : qp;
}

void rdo_sq_doorbell(RdoCore *core, uint16_t page, uint32_t qpn, uint32_t pi)
{
    uint32_t old_pi;
    RdoQpCtx *qp = qp_doorbell(core, page, qpn, pi, true, &old_pi);
    RdoXport *x;

    if (!qp) {
        return;
    }
    if (!core->st->tm) {
        rdo_sq_kick(core, qpn);
        return;
    }
    x = &core->st->xport[qpn];
    rdo_sched_doorbell(core, qpn, old_pi, pi,
                       x->push_valid && x->push_index == pi - 1,
                       1u << qp->sq_wqe_shift);
}

void rdo_rq_doorbell(RdoCore *core, uint16_t page, uint32_t qpn, uint32_t pi)
{
    uint32_t old_pi;
    RdoQpCtx *qp = qp_doorbell(core, page, qpn, pi, false, &old_pi);

    if (qp && qp->state == RDO_QPS_ERR) {
        rdo_qp_flush(core, qpn, qp);
    }
}

void rdo_srq_doorbell(RdoCore *core, uint16_t page, uint32_t srqn, uint32_t pi)
{
    RdoSrq *srq = srqn < core->cfg.max_srq ? &core->st->srqs[srqn] : NULL;

    if (!srq || !srq->valid || srq->db_page != page ||
        pi - srq->ci > rdo_ring_size(&srq->ring) || pi - srq->pi > (1u << 31)) {
        core->cnt.db_errors++;
        rdo_core_guest_error(core, RDO_ERR_DB_BAD_OBJECT,
                             ((uint64_t)page << RDO_DB_PAGE_SHIFT) + RDO_DB_SRQ,
                             "SRQ doorbell: srq %u pi %u refused", srqn, pi);
        return;
    }
    srq->pi = pi;
}
