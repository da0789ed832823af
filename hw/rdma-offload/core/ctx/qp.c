/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rdma-offload core: QP contexts and the error state. */
#include "ctx/ctx.h"

/*
 * The QP's context, from the cache or the store. A context that the driver
 * (or anything else) corrupted in host memory is refused; NULL then.
 */
RDO_HOT
RdoQpCtx *rdo_qp_get(RdoCore *core, uint32_t qpn)
{
    RdoState *st = core->st;
    RdoQpCtx *qp;

    if (qpn >= st->usable_qps || !st->qp_used[qpn]) {
        return NULL;
    }
    qp = rdo_ctx_get(core, &st->qpc, qpn);
    if (!qp) {
        rdo_guest_error(core, RDO_GE_QPC_UNREACHABLE, qpn, qpn,
                        "QP %u context not reachable in host memory", qpn);
        return NULL;
    }
    /* The bindings must match the device's own record of them. */
    if (qp->magic != (RDO_QPC_MAGIC ^ qpn) || qp->state >= RDO_QPS__COUNT ||
        qp->type != st->qp_bind[qpn].type || qp->pdn != st->qp_bind[qpn].pdn ||
        qp->send_cqn != st->qp_bind[qpn].send_cqn ||
        qp->recv_cqn != st->qp_bind[qpn].recv_cqn ||
        qp->srqn != st->qp_bind[qpn].srqn || qp->ssq_qpn != st->qp_bind[qpn].ssq_qpn ||
        qp->sq_log_size > RDO_QUEUE_LOG_SIZE_MAX ||
        qp->rq_log_size > RDO_QUEUE_LOG_SIZE_MAX ||
        qp->sq_wqe_shift > RDO_WQE_SHIFT_MAX || qp->rq_wqe_shift > RDO_WQE_SHIFT_MAX ||
        qp->db_page >= core->cfg.doorbell_pages ||
        (uint32_t)(qp->sq_pi - qp->sq_ci) > (1u << qp->sq_log_size) ||
        (uint32_t)(qp->rq_pi - qp->rq_ci) > (1u << qp->rq_log_size)) {
        rdo_guest_error(core, RDO_GE_QPC_CORRUPT, qpn, qpn,
                        "QP %u context in host memory is corrupt", qpn);
        return NULL;
    }
    /* The engine works on this QP: its payload DMAs queue in its flow. */
    rdo_tm_app_flow(core, qpn);
    return qp;
}

void rdo_qp_host_prefetch(const RdoCore *core, uint32_t qpn)
{
    const RdoState *st = core->st;

    if (qpn >= st->usable_qps) {
        return;
    }
    rdo_host_prefetch(&st->qp_used[qpn], 1);
    rdo_host_prefetch(&st->qp_bind[qpn], sizeof(st->qp_bind[qpn]));
    rdo_ctx_host_prefetch(&st->qpc, qpn);
}

/*
 * The same for a doorbell's checks: with the timing model on, a context
 * that is not cached is read beside the cache (not allocated in it).
 */
RdoQpCtx *rdo_qp_peek(RdoCore *core, uint32_t qpn)
{
    RdoCtxCache *c = &core->st->qpc;
    RdoQpCtx *qp;

    c->bypass = core->st->tm != NULL;
    qp = rdo_qp_get(core, qpn);
    c->bypass = false;
    return qp;
}
