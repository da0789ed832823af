/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the QP state machine (IB spec 10.3, table 91 for which
 * attributes each transition needs and allows). MODIFY_QP (ctrl/cqp-qp.c)
 * and the connection manager (cm/), which moves the QPs it connects
 * itself, both go through rdo_qp_modify.
 */
#include <string.h>
#include "xport/transport.h"


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
    /* The port is IB's optional here: a QP not given one is port 1's. */
    [RDO_QPS_RESET][RDO_QPS_INIT] = { true, {
        .required = { [RDO_QPT_RC] = RDO_QP_ATTR_ACCESS, [RDO_QPT_UC] = RDO_QP_ATTR_ACCESS,
                      [RDO_QPT_UD] = RDO_QP_ATTR_QKEY },
        .allowed = { [RDO_QPT_RC] = RDO_QP_ATTR_PORT, [RDO_QPT_UC] = RDO_QP_ATTR_PORT,
                     [RDO_QPT_UD] = RDO_QP_ATTR_PORT } } },
    [RDO_QPS_INIT][RDO_QPS_INIT] = { true, {
        .allowed = { [RDO_QPT_RC] = RDO_QP_ATTR_ACCESS | RDO_QP_ATTR_PORT,
                     [RDO_QPT_UC] = RDO_QP_ATTR_ACCESS | RDO_QP_ATTR_PORT,
                     [RDO_QPT_UD] = RDO_QP_ATTR_QKEY | RDO_QP_ATTR_PORT } } },
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
         m->notify_delay_usec > RDO_NOTIFY_DELAY_MAX_USEC) ||
        ((m->mask & RDO_QP_ATTR_FLOW_CLASS) && m->flow_class > RDO_FLOW_CLASS_MAX)) {
        return RDO_CQP_BAD_PARAM;
    }
    if ((m->mask & RDO_QP_ATTR_PORT) && !rdo_port_valid(core, m->port)) {
        return RDO_CQP_BAD_PARAM;
    }
    if (m->mask & RDO_QP_ATTR_AV) {
        /* The source GID from the table of the port the QP is (to be) on. */
        unsigned port = m->mask & RDO_QP_ATTR_PORT ? m->port : rdo_qp_port(qp);

        if (m->sgid_index >= core->cfg.max_gid ||
            !rdo_port_gids(core, port)[m->sgid_index].valid || (m->dmac[0] & 1)) {
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
    if (k & RDO_QP_ATTR_PORT) qp->port = m->port;
}

int rdo_qp_modify(RdoCore *core, uint32_t qpn, const struct rdo_cmd_modify_qp *m)
{
    uint32_t required = 0, allowed = 0;
    RdoQpCtx *qp;
    int status;

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
    /* The flow class is the device's own attribute: any legal transition. */
    allowed |= RDO_QP_ATTR_FLOW_CLASS;
    if ((m->mask & required) != required || (m->mask & ~allowed)) {
        return RDO_CQP_BAD_PARAM;
    }
    status = check_modify_values(core, qp, m);
    if (status != RDO_CQP_OK) {
        return status;
    }
    apply_modify(qp, m);
    /* Whatever changed, the transmit engine reads the QP's WQEs afresh. */
    rdo_tx_hold_drop_qp(core->st, qpn);
    if (m->mask & RDO_QP_ATTR_FLOW_CLASS) {
        core->st->qp_flow_class[qpn] = m->flow_class;
    }
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
    if (qp->type == RDO_QPT_RC && (qp->state == RDO_QPS_RTR ||
                                   qp->state == RDO_QPS_RTS ||
                                   qp->state == RDO_QPS_SQD)) {
        /* The starting PSNs: the first image a failover can rebuild from. */
        rdo_xport_commit(core, qpn);
    }
    rdo_ctx_dirty(core, &core->st->qpc, qp);
    /* Work posted before RTS (or while draining in SQD) may start now. */
    rdo_work_kick(core, qpn);
    return RDO_CQP_OK;
}

/* Ethernet MTU to the largest IB path MTU that fits (RoCEv2 adds 80 B or so). */
uint8_t rdo_active_mtu(uint32_t eth_mtu)
{
    uint8_t code = RDO_MTU_256;

    while (code < RDO_MTU_4096 && (128u << (code + 1)) + 80 <= eth_mtu) {
        code++;
    }
    return code;
}
