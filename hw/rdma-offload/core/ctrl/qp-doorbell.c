/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the queue doorbells of QPs and SRQs: a new producer
 * index is taken only on the object's own doorbell page and within its
 * ring; send work goes to the queue of send work, a QP in error is flushed.
 */
#include "ctrl/ctrl.h"

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
        rdo_guest_error(core, RDO_GE_DB_QP, qpn, where,
                        "%s doorbell for QP %u on page %u refused",
                        sq ? "SQ" : "RQ", qpn, page);
        return NULL;
    }
    cur_pi = sq ? &qp->sq_pi : &qp->rq_pi;
    ci = sq ? qp->sq_ci : qp->rq_ci;
    size = 1u << (sq ? qp->sq_log_size : qp->rq_log_size);
    if (pi - ci > size || pi - *cur_pi > (1u << 31)) {
        rdo_guest_error(core, RDO_GE_DB_QP_INDEX, qpn, where,
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
    RdoQpCtx *qp;
    RdoXport *x;

    /* Timing: the visit comes later, from the scheduler's queue; its
     * state loads into the host's caches meanwhile. (Functional mode
     * serves the QP at once: measured, a prefetch there only cost.) */
    if (core->st->tm) {
        rdo_xport_host_prefetch(core, qpn);
    }
    qp = qp_doorbell(core, page, qpn, pi, true, &old_pi);

    if (!qp) {
        return;
    }
    core->db_sq_outstanding = old_pi - qp->sq_ci;
    if (!core->st->tm) {
        rdo_work_kick(core, qpn);
        return;
    }
    x = &core->st->xport[qpn];
    rdo_work_doorbell(core, qpn, old_pi, pi,
                      x->req.push_valid && x->req.push_index == pi - 1,
                      &(RdoRing){ qp->sq_addr, qp->sq_log_size,
                                  qp->sq_wqe_shift, qp->sq_ring_flags });
}

void rdo_rq_doorbell(RdoCore *core, uint16_t page, uint32_t qpn, uint32_t pi)
{
    uint32_t old_pi;
    RdoQpCtx *qp = qp_doorbell(core, page, qpn, pi, false, &old_pi);

    if (qp && qp->state == RDO_QPS_ERR) {
        rdo_qp_flush(core, qpn, qp);
    } else if (qp) {
        rdo_bufrecv_drain(core, qpn);   /* SENDs held for want of these */
    }
}

void rdo_srq_doorbell(RdoCore *core, uint16_t page, uint32_t srqn, uint32_t pi)
{
    RdoSrq *srq = srqn < core->cfg.max_srq ? &core->st->srqs[srqn] : NULL;

    if (!srq || !srq->valid || srq->db_page != page ||
        pi - srq->ci > rdo_ring_size(&srq->ring) || pi - srq->pi > (1u << 31)) {
        core->cnt.db_errors++;
        rdo_guest_error(core, RDO_GE_DB_SRQ, srqn, ((uint64_t)page << RDO_DB_PAGE_SHIFT) + RDO_DB_SRQ,
                        "SRQ doorbell: srq %u pi %u refused", srqn, pi);
        return;
    }
    srq->pi = pi;
}
