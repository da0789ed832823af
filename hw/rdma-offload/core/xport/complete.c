/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: completions of the requester's work: records done
 * complete in order (a failed one fails the QP), a READ's response data is
 * placed into its SGEs, outstanding work is flushed; a QP to the error state
 * with its queues flushed.
 */
#include <string.h>
#include "xport/transport.h"

static enum rdo_qp_err qp_err_of(uint32_t vendor_err)
{
    switch (vendor_err) {
    case RDO_VENDOR_ERR_RETRY:
        return RDO_QP_ERR_RETRY;
    case RDO_VENDOR_ERR_REMOTE_NAK:
        return RDO_QP_ERR_REMOTE;
    case RDO_VENDOR_ERR_BAD_KEY:
    case RDO_VENDOR_ERR_FAST_REG:
        return RDO_QP_ERR_ACCESS;
    case RDO_VENDOR_ERR_DMA:
        return RDO_QP_ERR_DMA;
    default:
        return RDO_QP_ERR_WQE;
    }
}

/* Timing: the work request's CQE is written; its life is complete. */
static void life_done(RdoCore *core, uint32_t qpn, RdoSendRec *rec)
{
    RdoWrLife *l = &rec->life;

    l->cqe_ps = core->st->tm->last_write_ps;
    l->qpn = qpn;
    l->wqe_index = rec->wqe_index;
    l->wr_id = rec->wr_id;
    l->msg_len = rec->msg_len;
    l->opcode = rec->wr_opcode;
    rdo_tm_wr_done(core, l);
}

void rdo_req_complete(RdoCore *core, uint32_t qpn, RdoQpCtx *qp)
{
    static const uint8_t cqe_op[RDO_WR__COUNT] = {
        [RDO_WR_SEND] = RDO_CQE_SEND, [RDO_WR_SEND_IMM] = RDO_CQE_SEND,
        [RDO_WR_SEND_INV] = RDO_CQE_SEND, [RDO_WR_SEND_INV_IMM] = RDO_CQE_SEND,
        [RDO_WR_RDMA_WRITE] = RDO_CQE_RDMA_WRITE,
        [RDO_WR_RDMA_WRITE_IMM] = RDO_CQE_RDMA_WRITE,
        [RDO_WR_RDMA_READ] = RDO_CQE_RDMA_READ,
        [RDO_WR_ATOMIC_CMP_SWP] = RDO_CQE_ATOMIC_CMP_SWP,
        [RDO_WR_ATOMIC_FETCH_ADD] = RDO_CQE_ATOMIC_FETCH_ADD,
        [RDO_WR_LOCAL_INV] = RDO_CQE_LOCAL_INV,
        [RDO_WR_REG_MR] = RDO_CQE_REG_MR,
        [RDO_WR_BIND_MW] = RDO_CQE_BIND_MW,
    };
    RdoXport *x = &core->st->xport[qpn];
    RdoSendRec *rec;
    bool retired = false;

    while ((rec = g_queue_peek_head(&x->req.sent)) && rec->done) {
        uint8_t status = rec->status;
        uint32_t vendor_err = rec->vendor_err;
        uint32_t ring_qpn = rec->ring_qpn;

        if (qp->type == RDO_QPT_SSQ && rec->refs > 1) {
            break;              /* its connection still holds it */
        }
        rdo_rec_pop(&x->req.sent);
        retired = true;
        if (x->req.tx_pos) {
            x->req.tx_pos--;
        } else {
            x->req.tx_pkt = 0;
        }
        if (ring_qpn != qpn) {
            /* Fed by a shared send queue, which completes it in order. */
            rdo_rec_unref(core->st, rec);
            rdo_work_kick(core, ring_qpn);
            if (status != RDO_WC_SUCCESS) {
                rdo_qp_to_error(core, qpn, qp, qp_err_of(vendor_err));
                return;
            }
            continue;
        }
        if (status != RDO_WC_SUCCESS ||
            !(qp->flags & RDO_QP_F_SELECTIVE_SIGNAL) ||
            (rec->wqe_flags & RDO_WQE_F_SIGNALED)) {
            struct rdo_cqe cqe;

            memset(&cqe, 0, sizeof(cqe));
            cqe.wr_id = rec->wr_id;
            cqe.qpn = rec->conn_qpn ? rec->conn_qpn : qpn;
            cqe.opcode = cqe_op[rec->wr_opcode];
            cqe.byte_len = rdo_rec_read_like(rec) ? rec->msg_len : 0;
            cqe.status = status;
            cqe.vendor_err = vendor_err;
            if (core->st->tm) {
                rec->life.ack_ps = rdo_tm_cur(core);
            }
            rdo_cq_post(core, qp->send_cqn, &cqe, false);
            if (core->st->tm) {
                life_done(core, qpn, rec);
            }
        }
        qp->sq_ci++;
        rdo_ctx_dirty(core, &core->st->qpc, qp);
        /* A connection's failure fails the connection, not the shared SQ. */
        if (status != RDO_WC_SUCCESS && !rec->conn_qpn) {
            rdo_rec_unref(core->st, rec);
            rdo_qp_to_error(core, qpn, qp, qp_err_of(vendor_err));
            return;
        }
        rdo_rec_unref(core->st, rec);
    }
    if (g_queue_is_empty(&x->req.sent)) {
        x->req.rto_at = 0;
    }
    if (retired && qp->type == RDO_QPT_RC) {
        /* The records retired with their CQEs (the same step): a recovery
         * must not complete them twice. */
        rdo_xport_commit(core, qpn);
    }
}

/* Drops every record: the QP's ring is flushed by the caller. */
void rdo_req_flush(RdoCore *core, uint32_t qpn)
{
    RdoXport *x = &core->st->xport[qpn];
    RdoSendRec *rec;

    while ((rec = rdo_rec_pop(&x->req.sent))) {
        uint32_t ring_qpn = rec->ring_qpn;
        bool shared = rec->refs > 1;

        /* A shared send queue still completes it, as flushed. */
        if (!rec->done) {
            rec->done = true;
            rec->status = RDO_WC_WR_FLUSH_ERR;
            rec->vendor_err = 0;
        }
        rdo_rec_unref(core->st, rec);
        if (shared && ring_qpn != qpn) {
            rdo_work_kick(core, ring_qpn);
        }
    }
    x->req.tx_pos = x->req.tx_pkt = 0;
    x->req.rd_inflight = 0;
    x->req.rto_at = 0;
    x->req.rnr_until = 0;
    x->req.state = RDO_REQ_SENDING;
}

bool rdo_req_place_read(RdoCore *core, uint32_t qpn, uint32_t first_psn,
                        uint64_t offset, void *data, uint32_t len)
{
    RdoQpCtx *qp = rdo_qp_get(core, qpn);
    RdoXport *x = &core->st->xport[qpn];
    uint32_t vendor_err = RDO_VENDOR_ERR_DMA;
    const RdoWqe *w;
    RdoSendRec *rec;
    guint index;

    rec = rdo_rec_oldest_read(x, &index);
    if (!qp || !rec || rec->first_psn != first_psn) {
        return true;            /* the READ ended (flushed): nothing to do */
    }
    w = rdo_rec_wqe(core, qpn, qp, rec, false, false, &vendor_err);
    if (w && rdo_sge_copy(core, qp->pdn, w->sge, w->h.num_sge, offset, data,
                          len, true) == RDO_MRC_OK) {
        return true;
    }
    rdo_rec_done(x, rec, RDO_WC_LOC_PROT_ERR, vendor_err);
    x->req.state = RDO_REQ_HALTED;
    rdo_req_complete(core, qpn, qp);
    return false;
}

/* The device moves a QP to the error state: flush, tell the driver. */
void rdo_qp_to_error(RdoCore *core, uint32_t qpn, RdoQpCtx *qp,
                     enum rdo_qp_err why)
{
    bool entered = qp && qp->state != RDO_QPS_ERR;

    rdo_xport_event(core, RDO_XE_QP_ERROR, qpn,
                    core->st->xport[qpn].req.una_psn, why);
    if (entered) {
        qp->state = RDO_QPS_ERR;
        core->st->qp_stall_mr[qpn] = RDO_NONE;
        rdo_ctx_dirty(core, &core->st->qpc, qp);
        rdo_qp_flush(core, qpn, qp);
    }
    rdo_async_event(core, RDO_EQE_QP_ERROR, qpn, why);
    if (entered) {
        rdo_qp_srq_last_wqe(core, qpn, qp);
    }
}

/*
 * A QP on an SRQ has entered ERR (IBA 11.5.2.5, Last WQE Reached): the
 * SRQ WQE of a SEND in progress completes flushed (rdo_qp_flush has
 * flushed the send queue), then RDO_EQE_QP_LAST_WQE on EQ 0, once per
 * entry into ERR: no further receive WQE of the SRQ will complete on it.
 */
void rdo_qp_srq_last_wqe(RdoCore *core, uint32_t qpn, RdoQpCtx *qp)
{
    RdoXport *x = &core->st->xport[qpn];

    if (qp->srqn == RDO_NONE) {
        return;
    }
    /* Consumed from the SRQ when the SEND began: no ring flush reaches it. */
    if (x->resp.op == RESP_SEND && x->resp.recv_srq) {
        struct rdo_cqe cqe;

        if (x->agg.kind == RDO_AGG_SEND) {
            x->agg.len = 0;     /* its payload is not placed any more */
        }
        memset(&cqe, 0, sizeof(cqe));
        cqe.opcode = RDO_CQE_RECV;
        cqe.status = RDO_WC_WR_FLUSH_ERR;
        cqe.wr_id = x->resp.recv_wr_id;
        cqe.qpn = qpn;
        x->resp.op = RESP_IDLE;
        rdo_cq_post(core, qp->recv_cqn, &cqe, false);
    }
    rdo_async_event(core, RDO_EQE_QP_LAST_WQE, qpn, 0);
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
    rdo_bufrecv_drop(core, qpn);
    if (qp->ssq_qpn == RDO_NONE) {
        flush_ring(core, qpn, &sq, &qp->sq_ci, qp->sq_pi, qp->send_cqn, false);
    }
    if (qp->srqn == RDO_NONE && qp->type != RDO_QPT_SSQ) {
        flush_ring(core, qpn, &rq, &qp->rq_ci, qp->rq_pi, qp->recv_cqn, true);
    }
    rdo_ctx_dirty(core, &core->st->qpc, qp);
}
