/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: a QP to the error state. Its outstanding and queued
 * work requests complete with a flush error, it tells the driver on EQ 0.
 */
#include <string.h>
#include "xport/transport.h"

/* The device moves a QP to the error state: flush, tell the driver. */
void rdo_qp_to_error(RdoCore *core, uint32_t qpn, RdoQpCtx *qp,
                     enum rdo_qp_err why)
{
    if (qp && qp->state != RDO_QPS_ERR) {
        qp->state = RDO_QPS_ERR;
        core->st->qp_stall_mr[qpn] = RDO_NONE;
        rdo_ctx_dirty(core, &core->st->qpc, qp);
        rdo_qp_flush(core, qpn, qp);
    }
    rdo_async_event(core, RDO_EQE_QP_ERROR, qpn, why);
}

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
