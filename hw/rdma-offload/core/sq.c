/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the send and receive queues' front end. Doorbells
 * advance the producer indexes; the scheduler visits QPs with send work in
 * doorbell order; each WQE is fetched, checked and executed. Work that
 * reaches a memory region whose registration is still queued on the
 * control QP waits there (a stall, counted) and resumes when it completes.
 *
 * Interface version 0.1 executes local operations (LOCAL_INV) only; the
 * transport operations complete with RDO_WC_LOC_QP_OP_ERR and vendor_err
 * RDO_VENDOR_ERR_NO_TRANSPORT until the RoCEv2 data path exists.
 */
#include <string.h>
#include "rdo-internal.h"

#define SQ_BUDGET 64            /* WQEs per QP per visit, for fairness */

static void send_completion(RdoCore *core, uint32_t qpn, RdoQpCtx *qp,
                            const struct rdo_send_wqe *wqe, uint8_t status,
                            uint32_t vendor_err)
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
    };
    struct rdo_cqe cqe;

    if (status == RDO_WC_SUCCESS && (qp->flags & RDO_QP_F_SELECTIVE_SIGNAL) &&
        !(wqe->flags & RDO_WQE_F_SIGNALED)) {
        return;
    }
    memset(&cqe, 0, sizeof(cqe));
    cqe.wr_id = wqe->wr_id;
    cqe.qpn = qpn;
    cqe.opcode = wqe->opcode < RDO_WR__COUNT ? cqe_op[wqe->opcode] : RDO_CQE_SEND;
    cqe.status = status;
    cqe.vendor_err = vendor_err;
    rdo_cq_post(core, qp->send_cqn, &cqe, false);
}

/* What became of a WQE. */
typedef enum {
    WQE_DONE,                   /* consumed, go on */
    WQE_STALL,                  /* stays at the head, SQ waits */
    WQE_FAILED,                 /* consumed with an error completion: QP to ERR */
} WqeOutcome;

static WqeOutcome execute_wqe(RdoCore *core, uint32_t qpn, RdoQpCtx *qp,
                              const struct rdo_send_wqe *wqe, uint32_t *qp_err)
{
    RdoMrCtx *mr;

    *qp_err = RDO_QP_ERR_WQE;
    switch (wqe->opcode) {
    case RDO_WR_LOCAL_INV:
        switch (rdo_mr_lookup(core, wqe->imm_or_rkey, qp->pdn, &mr)) {
        case RDO_MR_PENDING:
            core->st->qp_stall_mr[qpn] = RDO_MR_KEY_INDEX(wqe->imm_or_rkey);
            core->cnt.mr_stalls++;
            return WQE_STALL;
        case RDO_MR_OK:
            mr->flags &= ~RDO_MR_F_VALID;
            rdo_ctx_dirty(&core->st->mrc, mr);
            send_completion(core, qpn, qp, wqe, RDO_WC_SUCCESS, 0);
            return WQE_DONE;
        default:
            send_completion(core, qpn, qp, wqe, RDO_WC_LOC_PROT_ERR,
                            RDO_VENDOR_ERR_BAD_KEY);
            *qp_err = RDO_QP_ERR_ACCESS;
            return WQE_FAILED;
        }
    case RDO_WR_SEND:
    case RDO_WR_SEND_IMM:
    case RDO_WR_SEND_INV:
    case RDO_WR_SEND_INV_IMM:
    case RDO_WR_RDMA_WRITE:
    case RDO_WR_RDMA_WRITE_IMM:
    case RDO_WR_RDMA_READ:
    case RDO_WR_ATOMIC_CMP_SWP:
    case RDO_WR_ATOMIC_FETCH_ADD:
        send_completion(core, qpn, qp, wqe, RDO_WC_LOC_QP_OP_ERR,
                        RDO_VENDOR_ERR_NO_TRANSPORT);
        return WQE_FAILED;
    default:
        rdo_core_guest_error(core, RDO_ERR_NONE, qpn,
                             "QP %u: WQE with unknown opcode 0x%x", qpn,
                             wqe->opcode);
        send_completion(core, qpn, qp, wqe, RDO_WC_LOC_QP_OP_ERR,
                        RDO_VENDOR_ERR_BAD_WQE);
        return WQE_FAILED;
    }
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

/* Runs up to SQ_BUDGET WQEs of one QP; true if it has more to do. */
static bool sq_process(RdoCore *core, uint32_t qpn)
{
    RdoState *st = core->st;
    RdoQpCtx *qp = rdo_qp_get(core, qpn);
    RdoRing ring;

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
    if (qp->state != RDO_QPS_RTS || st->qp_stall_mr[qpn] != RDO_NONE) {
        return false;
    }
    ring = sq_ring(qp);
    for (int n = 0; n < SQ_BUDGET; n++) {
        struct rdo_send_wqe wqe;
        WqeOutcome outcome;
        uint32_t qp_err;

        if (qp->sq_ci == qp->sq_pi) {
            return false;
        }
        if (!rdo_ring_read(core, &ring, qp->sq_ci, &wqe, sizeof(wqe))) {
            rdo_core_guest_error(core, RDO_ERR_NONE, qp->sq_addr,
                                 "QP %u: send queue not reachable", qpn);
            rdo_qp_to_error(core, qpn, qp, RDO_QP_ERR_DMA);
            return false;
        }
        outcome = execute_wqe(core, qpn, qp, &wqe, &qp_err);
        if (outcome == WQE_STALL) {
            return false;       /* the WQE stays at the head */
        }
        qp->sq_ci++;
        rdo_ctx_dirty(&st->qpc, qp);
        if (outcome == WQE_FAILED) {
            rdo_qp_to_error(core, qpn, qp, qp_err);
            return false;
        }
    }
    return qp->sq_ci != qp->sq_pi;
}

void rdo_sq_kick(RdoCore *core, uint32_t qpn)
{
    RdoState *st = core->st;

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

    if (qp->ssq_qpn == RDO_NONE) {
        flush_ring(core, qpn, &sq, &qp->sq_ci, qp->sq_pi, qp->send_cqn, false);
    }
    if (qp->srqn == RDO_NONE && qp->type != RDO_QPT_SSQ) {
        flush_ring(core, qpn, &rq, &qp->rq_ci, qp->rq_pi, qp->recv_cqn, true);
    }
    rdo_ctx_dirty(&core->st->qpc, qp);
}

/*
 * A QP doorbell on `page` advancing the SQ or RQ producer index: the QP's
 * own page and its own queue only, and the index within the ring. Returns
 * the QP if the new index was taken.
 */
static RdoQpCtx *qp_doorbell(RdoCore *core, uint16_t page, uint32_t qpn,
                             uint32_t pi, bool sq)
{
    uint32_t reg = sq ? RDO_DB_SQ : RDO_DB_RQ;
    uint64_t where = ((uint64_t)page << RDO_DB_PAGE_SHIFT) + reg;
    RdoQpCtx *qp = rdo_qp_get(core, qpn);
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
        rdo_qp_to_error(core, qpn, qp, RDO_QP_ERR_DOORBELL);
        return NULL;
    }
    *cur_pi = pi;
    rdo_ctx_dirty(&core->st->qpc, qp);
    return qp;
}

void rdo_sq_doorbell(RdoCore *core, uint16_t page, uint32_t qpn, uint32_t pi)
{
    if (qp_doorbell(core, page, qpn, pi, true)) {
        rdo_sq_kick(core, qpn);
    }
}

void rdo_rq_doorbell(RdoCore *core, uint16_t page, uint32_t qpn, uint32_t pi)
{
    RdoQpCtx *qp = qp_doorbell(core, page, qpn, pi, false);

    if (qp && qp->state == RDO_QPS_ERR) {
        rdo_qp_flush(core, qpn, qp);
    }
}
