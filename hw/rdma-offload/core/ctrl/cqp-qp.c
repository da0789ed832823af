/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: QP commands and the QP state machine (IB spec 10.3,
 * table 91 for which attributes each transition needs and allows).
 */
#include <string.h>
#include "ctrl/ctrl.h"


/* Attribute masks per transition and transport: required, then allowed. */
typedef struct QpTransition {
    uint32_t required[RDO_QPT__COUNT];
    uint32_t allowed[RDO_QPT__COUNT];
} QpTransition;

#define RC_RTR_REQ (RDO_QP_ATTR_AV | RDO_QP_ATTR_PATH_MTU | RDO_QP_ATTR_DEST_QPN | \
                    RDO_QP_ATTR_RQ_PSN | RDO_QP_ATTR_MAX_DEST_RD_ATOMIC | \
                    RDO_QP_ATTR_MIN_RNR_TIMER)
#define UC_RTR_REQ (RDO_QP_ATTR_AV | RDO_QP_ATTR_PATH_MTU | RDO_QP_ATTR_DEST_QPN | \
                    RDO_QP_ATTR_RQ_PSN)
#define RC_RTS_REQ (RDO_QP_ATTR_SQ_PSN | RDO_QP_ATTR_TIMEOUT | RDO_QP_ATTR_RETRY_CNT | \
                    RDO_QP_ATTR_RNR_RETRY | RDO_QP_ATTR_MAX_RD_ATOMIC)
#define RC_RTS_OPT (RDO_QP_ATTR_ACCESS | RDO_QP_ATTR_MIN_RNR_TIMER | \
                    RDO_QP_ATTR_NOTIFY_DELAY)

/* Indexed [from][to]; an all-zero entry with legal == false is illegal. */
static const struct {
    bool legal;
    QpTransition t;
} qp_transitions[RDO_QPS__COUNT][RDO_QPS__COUNT] = {
    [RDO_QPS_RESET][RDO_QPS_INIT] = { true, {
        .required = { [RDO_QPT_RC] = RDO_QP_ATTR_ACCESS, [RDO_QPT_UC] = RDO_QP_ATTR_ACCESS,
                      [RDO_QPT_UD] = RDO_QP_ATTR_QKEY } } },
    [RDO_QPS_INIT][RDO_QPS_INIT] = { true, {
        .allowed = { [RDO_QPT_RC] = RDO_QP_ATTR_ACCESS, [RDO_QPT_UC] = RDO_QP_ATTR_ACCESS,
                     [RDO_QPT_UD] = RDO_QP_ATTR_QKEY } } },
    [RDO_QPS_INIT][RDO_QPS_RTR] = { true, {
        .required = { [RDO_QPT_RC] = RC_RTR_REQ, [RDO_QPT_UC] = UC_RTR_REQ },
        .allowed = { [RDO_QPT_RC] = RDO_QP_ATTR_ACCESS | RDO_QP_ATTR_NOTIFY_DELAY,
                     [RDO_QPT_UC] = RDO_QP_ATTR_ACCESS | RDO_QP_ATTR_NOTIFY_DELAY,
                     [RDO_QPT_UD] = RDO_QP_ATTR_QKEY } } },
    [RDO_QPS_RTR][RDO_QPS_RTS] = { true, {
        .required = { [RDO_QPT_RC] = RC_RTS_REQ, [RDO_QPT_UC] = RDO_QP_ATTR_SQ_PSN,
                      [RDO_QPT_UD] = RDO_QP_ATTR_SQ_PSN },
        .allowed = { [RDO_QPT_RC] = RC_RTS_OPT, [RDO_QPT_UC] = RDO_QP_ATTR_ACCESS,
                     [RDO_QPT_UD] = RDO_QP_ATTR_QKEY } } },
    [RDO_QPS_RTS][RDO_QPS_RTS] = { true, {
        .allowed = { [RDO_QPT_RC] = RC_RTS_OPT, [RDO_QPT_UC] = RDO_QP_ATTR_ACCESS,
                     [RDO_QPT_UD] = RDO_QP_ATTR_QKEY } } },
    [RDO_QPS_RTS][RDO_QPS_SQD] = { true, { { 0 } } },
    [RDO_QPS_SQD][RDO_QPS_SQD] = { true, {
        .allowed = { [RDO_QPT_RC] = RC_RTS_OPT, [RDO_QPT_UC] = RDO_QP_ATTR_ACCESS,
                     [RDO_QPT_UD] = RDO_QP_ATTR_QKEY } } },
    [RDO_QPS_SQD][RDO_QPS_RTS] = { true, {
        .allowed = { [RDO_QPT_RC] = RC_RTS_OPT, [RDO_QPT_UC] = RDO_QP_ATTR_ACCESS,
                     [RDO_QPT_UD] = RDO_QP_ATTR_QKEY } } },
    [RDO_QPS_SQE][RDO_QPS_RTS] = { true, {
        .allowed = { [RDO_QPT_UC] = RDO_QP_ATTR_ACCESS, [RDO_QPT_UD] = RDO_QP_ATTR_QKEY } } },
};

static bool qp_transition_legal(uint8_t from, uint8_t to)
{
    /* Any state may go to RESET or ERR. */
    return to == RDO_QPS_RESET || to == RDO_QPS_ERR || qp_transitions[from][to].legal;
}

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
    st->qp_bind[cmd->obj] = (RdoQpBind){ qp->pdn, qp->send_cqn, qp->recv_cqn,
                                         qp->srqn, qp->ssq_qpn, qp->type };
    st->qp_stall_mr[cmd->obj] = RDO_NONE;
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

static int check_modify_values(RdoCore *core, const RdoQpCtx *qp,
                               const struct rdo_cmd_modify_qp *m)
{
    if (((m->mask & RDO_QP_ATTR_ACCESS) && (m->access & ~RDO_ACCESS__ALL)) ||
        ((m->mask & RDO_QP_ATTR_PATH_MTU) &&
         (m->path_mtu < RDO_MTU_256 || m->path_mtu > RDO_MTU_4096)) ||
        ((m->mask & RDO_QP_ATTR_DEST_QPN) && m->dest_qpn > RDO_DB_OBJ_MASK) ||
        ((m->mask & RDO_QP_ATTR_RQ_PSN) && m->rq_psn > 0xffffff) ||
        ((m->mask & RDO_QP_ATTR_SQ_PSN) && m->sq_psn > 0xffffff) ||
        ((m->mask & RDO_QP_ATTR_TIMEOUT) && m->timeout > 31) ||
        ((m->mask & RDO_QP_ATTR_RETRY_CNT) && m->retry_cnt > 7) ||
        ((m->mask & RDO_QP_ATTR_RNR_RETRY) && m->rnr_retry > 7) ||
        ((m->mask & RDO_QP_ATTR_MIN_RNR_TIMER) && m->min_rnr_timer > 31) ||
        ((m->mask & RDO_QP_ATTR_MAX_RD_ATOMIC) && m->max_rd_atomic > 16) ||
        ((m->mask & RDO_QP_ATTR_MAX_DEST_RD_ATOMIC) && m->max_dest_rd_atomic > 16) ||
        ((m->mask & RDO_QP_ATTR_NOTIFY_DELAY) &&
         m->notify_delay_usec > RDO_NOTIFY_DELAY_MAX_USEC)) {
        return RDO_CQP_BAD_PARAM;
    }
    if (m->mask & RDO_QP_ATTR_AV) {
        if (m->sgid_index >= core->cfg.max_gid ||
            !core->st->gids[m->sgid_index].valid || (m->dmac[0] & 1)) {
            return RDO_CQP_BAD_PARAM;
        }
    }
    return RDO_CQP_OK;
}

static void apply_modify(RdoQpCtx *qp, const struct rdo_cmd_modify_qp *m)
{
    uint32_t k = m->mask;

    if (k & RDO_QP_ATTR_ACCESS) qp->access = m->access;
    if (k & RDO_QP_ATTR_QKEY) qp->qkey = m->qkey;
    if (k & RDO_QP_ATTR_AV) {
        memcpy(qp->dmac, m->dmac, 6);
        memcpy(qp->dgid, m->dgid, 16);
        qp->sgid_index = m->sgid_index;
        qp->hop_limit = m->hop_limit;
        /* ECN is the device's (congestion control), the DSCP the driver's. */
        qp->traffic_class = m->traffic_class & ~RDO_TCLASS_ECN_MASK;
    }
    if (k & RDO_QP_ATTR_PATH_MTU) qp->path_mtu = m->path_mtu;
    if (k & RDO_QP_ATTR_DEST_QPN) qp->dest_qpn = m->dest_qpn;
    if (k & RDO_QP_ATTR_RQ_PSN) qp->rq_psn = m->rq_psn;
    if (k & RDO_QP_ATTR_SQ_PSN) qp->sq_psn = m->sq_psn;
    if (k & RDO_QP_ATTR_TIMEOUT) qp->timeout = m->timeout;
    if (k & RDO_QP_ATTR_RETRY_CNT) qp->retry_cnt = m->retry_cnt;
    if (k & RDO_QP_ATTR_RNR_RETRY) qp->rnr_retry = m->rnr_retry;
    if (k & RDO_QP_ATTR_MIN_RNR_TIMER) qp->min_rnr_timer = m->min_rnr_timer;
    if (k & RDO_QP_ATTR_MAX_RD_ATOMIC) qp->max_rd_atomic = m->max_rd_atomic;
    if (k & RDO_QP_ATTR_MAX_DEST_RD_ATOMIC) qp->max_dest_rd_atomic = m->max_dest_rd_atomic;
    if (k & RDO_QP_ATTR_NOTIFY_DELAY) qp->notify_delay_usec = m->notify_delay_usec;
}

static int modify_qp(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    const struct rdo_cmd_modify_qp *m = &cmd->u.modify_qp;
    uint32_t qpn = cmd->obj;
    uint32_t required = 0, allowed = 0;
    RdoQpCtx *qp;
    int status;

    if (qpn >= core->st->usable_qps) {
        return RDO_CQP_BAD_INDEX;
    }
    if (!core->st->qp_used[qpn]) {
        return RDO_CQP_NOT_FOUND;
    }
    qp = rdo_qp_get(core, qpn);
    if (!qp) {
        return RDO_CQP_DMA_ERROR;
    }
    if ((m->modify_flags & ~RDO_QP_MODIFY_F_CUR_STATE) || (m->mask & ~RDO_QP_ATTR__ALL)) {
        return RDO_CQP_BAD_RESERVED;
    }
    if (m->state >= RDO_QPS__COUNT || m->state == RDO_QPS_SQE ||
        ((m->modify_flags & RDO_QP_MODIFY_F_CUR_STATE) && m->cur_state != qp->state) ||
        !qp_transition_legal(qp->state, m->state)) {
        return RDO_CQP_BAD_STATE;
    }
    if (qp_transitions[qp->state][m->state].legal) {
        required = qp_transitions[qp->state][m->state].t.required[qp->type];
        allowed = required | qp_transitions[qp->state][m->state].t.allowed[qp->type];
    }
    if ((m->mask & required) != required || (m->mask & ~allowed)) {
        return RDO_CQP_BAD_PARAM;
    }
    status = check_modify_values(core, qp, m);
    if (status != RDO_CQP_OK) {
        return status;
    }
    apply_modify(qp, m);
    if (m->state == RDO_QPS_RESET) {
        qp->sq_pi = qp->sq_ci = qp->rq_pi = qp->rq_ci = 0;
        core->st->qp_stall_mr[qpn] = RDO_NONE;
        memset(qp->transport, 0, sizeof(qp->transport));
    }
    if (m->state == RDO_QPS_ERR && qp->state != RDO_QPS_ERR) {
        qp->state = RDO_QPS_ERR;
        rdo_qp_flush(core, qpn, qp);
        rdo_qp_srq_last_wqe(core, qpn, qp);
    }
    if (m->state == RDO_QPS_RESET) {
        rdo_xport_reset_qp(core, qpn);
    } else if (qp->state == RDO_QPS_INIT && m->state == RDO_QPS_RTR) {
        rdo_xport_rtr(core, qpn, qp);
    } else if (qp->state == RDO_QPS_RTR && m->state == RDO_QPS_RTS) {
        rdo_xport_rts(core, qpn, qp);
    }
    qp->state = m->state;
    rdo_ctx_dirty(core, &core->st->qpc, qp);
    /* Work posted before RTS (or while draining in SQD) may start now. */
    rdo_work_kick(core, qpn);
    return RDO_CQP_OK;
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
    st->qp_stall_mr[qpn] = RDO_NONE;
    rdo_mcast_forget_qp(core, qpn);
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
