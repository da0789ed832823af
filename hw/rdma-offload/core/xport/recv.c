/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the responder's receive WQEs: the RQ or SRQ of a QP,
 * the WQE a SEND lands in, its completion or failure, and the placement of
 * a SEND's aggregated payload into its SGEs.
 */
#include <string.h>
#include "xport/transport.h"


bool rdo_recv_queue_of(RdoCore *core, RdoQpCtx *qp, RdoRecvQueue *q)
{
    if (qp->srqn != RDO_NONE) {
        RdoSrq *srq = qp->srqn < core->cfg.max_srq ? &core->st->srqs[qp->srqn] : NULL;

        if (!srq || !srq->valid) {
            return false;
        }
        *q = (RdoRecvQueue){ srq->ring, &srq->ci, srq->pi, true };
        return true;
    }
    *q = (RdoRecvQueue){ { qp->rq_addr, qp->rq_log_size, qp->rq_wqe_shift,
                        qp->rq_ring_flags }, &qp->rq_ci, qp->rq_pi, false };
    return true;
}

/* The QP's SRQ, if in partial buffer operation (partial.c). */
RdoSrq *rdo_partial_srq(RdoCore *core, const RdoQpCtx *qp)
{
    RdoSrq *srq;

    if (qp->srqn == RDO_NONE || qp->srqn >= core->cfg.max_srq) {
        return NULL;
    }
    srq = &core->st->srqs[qp->srqn];
    return srq->valid && srq->part_shift ? srq : NULL;
}

static bool recv_wqe_read(RdoCore *core, const RdoRing *ring, uint32_t index,
                          RdoRecvWqe *w)
{
    uint32_t stride = 1u << ring->stride_shift;

    if (!rdo_ring_read(core, ring, index, w, stride)) {
        return false;
    }
    if (sizeof(w->h) + w->h.num_sge * sizeof(struct rdo_sge) > stride) {
        return false;
    }
    w->len = 0;
    for (unsigned i = 0; i < w->h.num_sge; i++) {
        w->len += w->sge[i].length;
    }
    return true;
}

/* Payload of a SEND that will not complete is not placed any more. */
static void drop_unplaced_send(RdoXport *x)
{
    if (x->agg.kind == RDO_AGG_SEND) {
        x->agg.len = 0;
    }
}

/*
 * An SRQ's consumer index moved: with its limit armed and fewer posted
 * WQEs left than the limit, RDO_EQE_SRQ_LIMIT on EQ 0, once (disarmed).
 */
static void srq_taken(RdoCore *core, uint32_t srqn)
{
    RdoSrq *srq = &core->st->srqs[srqn];

    if (srq->limit && srq->pi - srq->ci < srq->limit) {
        uint16_t limit = srq->limit;

        srq->limit = 0;
        rdo_async_event(core, RDO_EQE_SRQ_LIMIT, srqn, limit);
    }
}

/*
 * Does the next receive WQE scatter into an MR whose registration is still
 * queued? Then it is not ready yet: the message waits as if none were
 * posted (an RNR NAK on RC; UD drops), rather than fail the WQE.
 */
bool rdo_recv_next_pending(RdoCore *core, RdoQpCtx *qp)
{
    static RdoRecvWqe w_buf;       /* the core runs on one thread */
    RdoState *st = core->st;
    RdoRecvWqe *w = &w_buf;
    RdoRecvQueue q;

    if (!st->mr_pending_n || !rdo_recv_queue_of(core, qp, &q) || *q.ci == q.pi ||
        !recv_wqe_read(core, &q.ring, *q.ci, w)) {
        return false;
    }
    for (unsigned i = 0; i < w->h.num_sge; i++) {
        uint32_t index = RDO_MR_KEY_INDEX(w->sge[i].lkey);

        if (index < st->usable_mrs && st->mr_pending[index]) {
            return true;
        }
    }
    return false;
}

/*
 * Takes the next receive WQE for a new message: false if none is posted.
 * An RQ entry is consumed when its message completes, an SRQ entry at once
 * (other QPs share the SRQ).
 */
bool rdo_recv_begin(RdoCore *core, RdoQpCtx *qp, RdoXport *x)
{
    RdoRecvQueue q;

    drop_unplaced_send(x);      /* of a UC message that never ended */

    if (!rdo_recv_queue_of(core, qp, &q) || *q.ci == q.pi) {
        return false;
    }
    x->resp.recv_index = *q.ci;
    x->resp.recv_srq = q.srq;
    x->resp.recv_offset = 0;
    if (q.srq) {
        (*q.ci)++;
        srq_taken(core, qp->srqn);
    }
    return true;
}

RdoRecvWqe *rdo_recv_wqe(RdoCore *core, RdoQpCtx *qp, RdoXport *x)
{
    static RdoRecvWqe w;           /* the core runs on one thread */
    RdoRecvQueue q;

    if (!rdo_recv_queue_of(core, qp, &q) || !recv_wqe_read(core, &q.ring, x->resp.recv_index, &w)) {
        return NULL;
    }
    x->resp.recv_wr_id = w.h.wr_id;
    return &w;
}

/* Posts the receive completion of the message in progress. */
void rdo_recv_complete(RdoCore *core, uint32_t qpn, RdoQpCtx *qp, RdoXport *x,
                       struct rdo_cqe *cqe, bool solicited)
{
    cqe->wr_id = x->resp.recv_wr_id;
    cqe->qpn = qpn;
    if (solicited) {
        cqe->flags |= RDO_CQE_F_SOLICITED;
    }
    if (!x->resp.recv_srq) {
        qp->rq_ci++;
    } else if (!(cqe->flags & RDO_CQE_F_OFFSET) && qp->type != RDO_QPT_UD &&
               rdo_partial_srq(core, qp)) {
        /* A buffer of its own on a partial SRQ: at 0, and given back (UD
         * keeps src_qpn in that place: its completions are as before). */
        cqe->flags |= RDO_CQE_F_OFFSET | RDO_CQE_F_BUF_DONE;
        cqe->offset = 0;
    }
    rdo_ctx_dirty(core, &core->st->qpc, qp);
    /* The receive WQE is used up: a failover must not place this message
     * again into it (RC; a commit point). */
    if (qp->type == RDO_QPT_RC) {
        rdo_xport_commit(core, qpn);
    }
    /* A message its sender marked solicited (urgent) skips the delay. */
    rdo_cq_post_delayed(core, qp->recv_cqn, cqe, solicited,
                        solicited ? 0 : qp->notify_delay_usec * 1000ull);
}

/* A receive error: the WQE completes with `status`, the QP fails. */
void rdo_recv_fail(RdoCore *core, uint32_t qpn, RdoQpCtx *qp, RdoXport *x,
                   uint8_t status, uint32_t vendor_err, uint32_t psn,
                   uint8_t nak, enum rdo_qp_err why)
{
    struct rdo_cqe cqe;

    drop_unplaced_send(x);
    memset(&cqe, 0, sizeof(cqe));
    cqe.opcode = RDO_CQE_RECV;
    cqe.status = status;
    cqe.vendor_err = vendor_err;
    rdo_recv_complete(core, qpn, qp, x, &cqe, false);
    x->resp.op = RESP_IDLE;
    rdo_resp_error(core, qpn, qp, psn, nak, why);
}

bool rdo_resp_place_recv(RdoCore *core, uint32_t qpn, uint64_t offset,
                         void *data, uint32_t len)
{
    RdoQpCtx *qp = rdo_qp_get(core, qpn);
    RdoXport *x = &core->st->xport[qpn];
    /* The packet that brought the last byte. */
    uint32_t psn = rdo_psn_add(x->resp.epsn, RDO_PSN_MASK);
    RdoRecvWqe *w;
    int r;

    if (!qp) {
        return false;
    }
    w = rdo_recv_wqe(core, qp, x);
    r = w ? rdo_sge_copy(core, qp->pdn, w->sge, w->h.num_sge, offset, data,
                         len, true) : RDO_MRC_DMA;
    if (r != RDO_MRC_OK) {
        rdo_recv_fail(core, qpn, qp, x, RDO_WC_LOC_PROT_ERR,
                      r == RDO_MRC_DMA ? RDO_VENDOR_ERR_DMA : RDO_VENDOR_ERR_BAD_KEY,
                      psn, RDO_AETH_NAK_REM_OP, RDO_QP_ERR_ACCESS);
        return false;
    }
    return true;
}
