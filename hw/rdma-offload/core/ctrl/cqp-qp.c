/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: QP commands; the state machine MODIFY_QP drives is
 * xport/qp-state.c's.
 */
#include <string.h>
#include "ctrl/ctrl.h"


static bool pd_ok(RdoCore *core, uint32_t pdn)
{
    return pdn < core->cfg.max_pd && core->st->pds[pdn].valid;
}

static bool cq_ok(RdoCore *core, uint32_t cqn)
{
    return cqn < core->cfg.max_cq && core->st->cqs[cqn].valid;
}

static int create_qp(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    const struct rdo_cmd_create_qp *a = &cmd->u.create_qp;
    RdoState *st = core->st;
    const uint8_t known = RDO_QP_F_SHARED_SQ | RDO_QP_F_SRQ | RDO_QP_F_SELECTIVE_SIGNAL;
    bool shared_sq = a->flags & RDO_QP_F_SHARED_SQ;
    bool has_srq = a->flags & RDO_QP_F_SRQ;
    bool has_rq = a->type != RDO_QPT_SSQ && !has_srq;
    RdoRing sq = { a->sq_addr, a->sq_log_size, a->sq_wqe_shift, a->sq_ring_flags };
    RdoRing rq = { a->rq_addr, a->rq_log_size, a->rq_wqe_shift, a->rq_ring_flags };
    RdoQpCtx *qp, *ssq;
    int status;

    /* QP 0 does not exist on RoCE; QP 1 is the GSI, a UD QP. */
    if (cmd->obj == 0 || cmd->obj >= st->usable_qps ||
        (cmd->obj == RDO_GSI_QPN && a->type != RDO_QPT_UD)) {
        return RDO_CQP_BAD_INDEX;
    }
    if (st->qp_used[cmd->obj]) {
        return RDO_CQP_EXISTS;
    }
    if (rdo_fn_away(core, RDO_OBJ_QP, cmd->obj)) {
        return RDO_CQP_IN_USE;  /* its number is a moved connection's */
    }
    if (a->flags & ~known) {
        return RDO_CQP_BAD_RESERVED;
    }
    if (a->type >= RDO_QPT__COUNT || a->db_page >= core->cfg.doorbell_pages ||
        (shared_sq && a->type != RDO_QPT_RC) ||
        (has_srq && a->type == RDO_QPT_SSQ)) {
        return RDO_CQP_BAD_PARAM;
    }
    /* Send queue: its own ring, unless fed by a shared send queue. */
    if (shared_sq) {
        if (a->sq_log_size || a->sq_addr) {
            return RDO_CQP_BAD_PARAM;
        }
    } else {
        status = rdo_ring_check(&sq, 6, RDO_WQE_SHIFT_MAX);
        if (status != RDO_CQP_OK) {
            return status;
        }
        if (a->max_inline > (1u << a->sq_wqe_shift) - sizeof(struct rdo_send_wqe)) {
            return RDO_CQP_BAD_PARAM;
        }
    }
    if (has_rq) {
        status = rdo_ring_check(&rq, 4, RDO_WQE_SHIFT_MAX);
        if (status != RDO_CQP_OK) {
            return status;
        }
    } else if (a->rq_log_size || a->rq_addr) {
        return RDO_CQP_BAD_PARAM;
    }
    if (!pd_ok(core, a->pdn) || !cq_ok(core, a->send_cqn) ||
        (a->type != RDO_QPT_SSQ && !cq_ok(core, a->recv_cqn))) {
        return RDO_CQP_NOT_FOUND;
    }
    if (has_srq && (a->srqn >= core->cfg.max_srq || !st->srqs[a->srqn].valid ||
                    st->srqs[a->srqn].pdn != a->pdn)) {
        return RDO_CQP_NOT_FOUND;
    }
    if (shared_sq) {
        ssq = rdo_qp_get(core, a->ssq_qpn);
        if (!ssq || ssq->type != RDO_QPT_SSQ || ssq->pdn != a->pdn) {
            return RDO_CQP_NOT_FOUND;
        }
    }

    qp = rdo_ctx_new(core, &st->qpc, cmd->obj);
    if (!qp) {
        return RDO_CQP_DMA_ERROR;   /* never completed: the device stopped */
    }
    qp->magic = RDO_QPC_MAGIC ^ cmd->obj;
    qp->state = RDO_QPS_RESET;
    qp->type = a->type;
    qp->flags = a->flags;
    qp->pdn = a->pdn;
    qp->send_cqn = a->send_cqn;
    qp->recv_cqn = a->type == RDO_QPT_SSQ ? a->send_cqn : a->recv_cqn;
    qp->srqn = has_srq ? a->srqn : RDO_NONE;
    qp->ssq_qpn = shared_sq ? a->ssq_qpn : RDO_NONE;
    qp->db_page = a->db_page;
    qp->max_inline = a->max_inline;
    qp->sq_addr = a->sq_addr;
    qp->sq_log_size = a->sq_log_size;
    qp->sq_wqe_shift = a->sq_wqe_shift;
    qp->sq_ring_flags = a->sq_ring_flags;
    qp->rq_addr = a->rq_addr;
    qp->rq_log_size = a->rq_log_size;
    qp->rq_wqe_shift = a->rq_wqe_shift;
    qp->rq_ring_flags = a->rq_ring_flags;
    qp->path_mtu = RDO_MTU_4096 - 2;    /* 1024 until the driver says */
    st->qp_used[cmd->obj] = 1;
    rdo_push_page_take(core, cmd->obj, qp->db_page);
    st->qp_flow_class[cmd->obj] = 0;
    st->qp_bind[cmd->obj] = (RdoQpBind){ qp->pdn, qp->send_cqn, qp->recv_cqn,
                                         qp->srqn, qp->ssq_qpn, qp->type };
    st->qp_stall_mr[cmd->obj] = RDO_NONE;
    rdo_engine_bind(core, cmd->obj);
    st->qp_gen[cmd->obj]++;     /* type-2 windows of an earlier QP here are dead */
    st->pds[a->pdn].users++;
    st->cqs[a->send_cqn].users++;
    st->cqs[qp->recv_cqn].users++;
    if (has_srq) {
        st->srqs[a->srqn].users++;
    }
    if (shared_sq) {
        st->ssq_users[a->ssq_qpn]++;
    }
    return RDO_CQP_OK;
}

static int modify_qp(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    uint32_t qpn = cmd->obj;

    if (qpn >= core->st->usable_qps) {
        return RDO_CQP_BAD_INDEX;
    }
    if (!core->st->qp_used[qpn]) {
        return RDO_CQP_NOT_FOUND;
    }
    return rdo_qp_modify(core, qpn, &cmd->u.modify_qp);
}

static int query_qp(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    struct rdo_qp_attr a;
    RdoQpCtx *qp;

    if (cmd->obj >= core->st->usable_qps) {
        return RDO_CQP_BAD_INDEX;
    }
    if (!core->st->qp_used[cmd->obj]) {
        return RDO_CQP_NOT_FOUND;
    }
    qp = rdo_qp_get(core, cmd->obj);
    if (!qp) {
        return RDO_CQP_DMA_ERROR;
    }
    memset(&a, 0, sizeof(a));
    a.state = qp->state;
    a.type = qp->type;
    a.path_mtu = qp->path_mtu;
    a.sgid_index = qp->sgid_index;
    a.traffic_class = qp->traffic_class;
    a.port = rdo_qp_port(qp);
    a.flow_class = core->st->qp_flow_class[cmd->obj];
    a.engine = core->st->qp_engine[cmd->obj];
    a.dest_qpn = qp->dest_qpn;
    a.sq_psn = qp->sq_psn;
    a.rq_psn = qp->rq_psn;
    a.qkey = qp->qkey;
    a.access = qp->access;
    a.sq_pi = qp->sq_pi;
    a.sq_ci = qp->sq_ci;
    a.rq_pi = qp->rq_pi;
    a.rq_ci = qp->rq_ci;
    memcpy(a.dmac, qp->dmac, 6);
    a.timeout = qp->timeout;
    a.retry_cnt = qp->retry_cnt;
    memcpy(a.dgid, qp->dgid, 16);
    a.rnr_retry = qp->rnr_retry;
    a.min_rnr_timer = qp->min_rnr_timer;
    a.max_rd_atomic = qp->max_rd_atomic;
    a.max_dest_rd_atomic = qp->max_dest_rd_atomic;
    return rdo_dma_write(core, cmd->out_addr, &a, sizeof(a)) ?
           RDO_CQP_DMA_ERROR : RDO_CQP_OK;
}

static int destroy_qp(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    RdoState *st = core->st;
    uint32_t qpn = cmd->obj;
    const RdoQpBind *b;
    RdoQpCtx *qp;

    if (qpn >= st->usable_qps) {
        return RDO_CQP_BAD_INDEX;
    }
    if (!st->qp_used[qpn]) {
        return RDO_CQP_NOT_FOUND;
    }
    if (st->ssq_users[qpn]) {
        return RDO_CQP_IN_USE;
    }
    b = &st->qp_bind[qpn];
    st->pds[b->pdn].users--;
    st->cqs[b->send_cqn].users--;
    st->cqs[b->recv_cqn].users--;
    if (b->srqn != RDO_NONE) {
        st->srqs[b->srqn].users--;
    }
    if (b->ssq_qpn != RDO_NONE) {
        st->ssq_users[b->ssq_qpn]--;
    }
    /* Scrub the context if it can be reached; a corrupt one is dropped. */
    qp = rdo_ctx_get(core, &st->qpc, qpn);
    if (qp) {
        qp->magic = 0;
        rdo_ctx_dirty(core, &st->qpc, qp);
    }
    st->qp_used[qpn] = 0;
    rdo_push_page_leave(core, qpn);
    st->qp_stall_mr[qpn] = RDO_NONE;
    if (core->sriov) {
        rdo_moved_forget(core->sriov, core->fn, qpn);   /* its address too */
    }
    rdo_mcast_forget_qp(core, qpn);
    rdo_cm_forget_qp(core, qpn);
    rdo_xport_reset_qp(core, qpn);
    return RDO_CQP_OK;
}

int rdo_cmd_qp(RdoCore *core, const struct rdo_cqp_cmd *cmd, uint32_t *result)
{
    switch (cmd->opcode) {
    case RDO_CMD_CREATE_QP:
        return create_qp(core, cmd);
    case RDO_CMD_MODIFY_QP:
        return modify_qp(core, cmd);
    case RDO_CMD_QUERY_QP:
        return query_qp(core, cmd);
    default:
        return destroy_qp(core, cmd);
    }
}
