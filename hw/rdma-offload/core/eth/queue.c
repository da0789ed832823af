/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the Ethernet function's queues. Transmit and receive
 * queues are rings in guest memory created by CQP command, each bound to a
 * CQ (whose moderation and events serve it as they serve QPs) and to a
 * doorbell page. Their completions are struct rdo_eth_cqe in the CQ ring.
 */
#include <string.h>
#include "eth/eth.h"

void rdo_eth_init(RdoCore *core)
{
    RdoEth *eth = g_new0(RdoEth, 1);

    eth->send_buf = g_malloc(RDO_ETH_MAX_SEND);
    eth->frame_buf = g_malloc(RDO_ETH_HDR_MAX + 9216);
    eth->wqe_buf = g_malloc(1u << RDO_WQE_SHIFT_MAX);
    eth->rx_sg_buf = g_malloc(1u << RDO_WQE_SHIFT_MAX);
    core->st->eth = eth;
}

void rdo_eth_free(RdoCore *core)
{
    RdoEth *eth = core->st->eth;

    if (eth) {
        g_free(eth->send_buf);
        g_free(eth->frame_buf);
        g_free(eth->wqe_buf);
        g_free(eth->rx_sg_buf);
        g_free(eth);
        core->st->eth = NULL;
    }
}

void rdo_eth_complete(RdoCore *core, uint32_t cqn, const struct rdo_eth_cqe *cqe)
{
    struct rdo_cqe raw;

    memcpy(&raw, cqe, sizeof(raw));
    rdo_cq_post(core, cqn, &raw, false);
}

/*
 * The last checks of a new queue: its ring, doorbell page and CQ, which
 * must exist and is held by the queue from then on.
 */
static int check_and_bind(RdoCore *core, const RdoRing *ring, uint32_t min_shift,
                          uint32_t max_shift, uint32_t cqn, uint16_t db_page)
{
    int st = rdo_ring_check(ring, min_shift, max_shift);

    if (st != RDO_CQP_OK) {
        return st;
    }
    if (db_page >= core->cfg.doorbell_pages) {
        return RDO_CQP_BAD_PARAM;
    }
    if (cqn >= core->cfg.max_cq || !core->st->cqs[cqn].valid) {
        return RDO_CQP_NOT_FOUND;
    }
    core->st->cqs[cqn].users++;
    return RDO_CQP_OK;
}

/* A keyed queue's PD must exist; the queue holds it (DESTROY_PD: IN_USE). */
static int keyed_pd_ok(RdoCore *core, bool keyed, uint32_t pdn)
{
    if (keyed && (pdn >= core->cfg.max_pd || !core->st->pds[pdn].valid)) {
        return RDO_CQP_NOT_FOUND;
    }
    return RDO_CQP_OK;
}

static bool eth_zero(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (b[i]) {
            return false;
        }
    }
    return true;
}

static int create_txq(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    const struct rdo_cmd_create_eth_txq *a = &cmd->u.create_eth_txq;
    RdoRing ring = { .addr = a->ring_addr, .log_size = a->log_size,
                     .stride_shift = a->wqe_shift, .flags = a->ring_flags };
    RdoEthTxq *q;
    int st;

    if (cmd->obj >= RDO_ETH_MAX_TXQ) {
        return RDO_CQP_BAD_INDEX;
    }
    q = &core->st->eth->txq[cmd->obj];
    if (q->valid) {
        return RDO_CQP_EXISTS;
    }
    if (a->reserved1 || (a->flags & ~RDO_ETH_TXQ_F_KEYED) ||
        (!(a->flags & RDO_ETH_TXQ_F_KEYED) && a->pdn)) {
        return RDO_CQP_BAD_RESERVED;
    }
    st = keyed_pd_ok(core, a->flags & RDO_ETH_TXQ_F_KEYED, a->pdn);
    if (st == RDO_CQP_OK) {
        st = check_and_bind(core, &ring, RDO_ETH_TX_WQE_SHIFT_MIN,
                            RDO_WQE_SHIFT_MAX, a->cqn, a->db_page);
    }
    if (st != RDO_CQP_OK) {
        return st;
    }
    memset(q, 0, sizeof(*q));
    q->valid = true;
    q->keyed = a->flags & RDO_ETH_TXQ_F_KEYED;
    q->pdn = a->pdn;
    if (q->keyed) {
        core->st->pds[a->pdn].users++;
    }
    core->st->eth->txq_valid |= 1u << cmd->obj;
    rdo_side_work(core);
    q->db_page = a->db_page;
    q->cqn = a->cqn;
    q->ring = ring;
    return RDO_CQP_OK;
}

static int create_rxq(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    const struct rdo_cmd_create_eth_rxq *a = &cmd->u.create_eth_rxq;
    uint8_t shift = a->wqe_shift ? a->wqe_shift : RDO_ETH_RX_WQE_SHIFT;
    RdoRing ring = { .addr = a->ring_addr, .log_size = a->log_size,
                     .stride_shift = shift, .flags = a->ring_flags };
    bool lro = a->flags & RDO_ETH_RXQ_F_LRO;
    RdoEthRxq *q;
    int st;

    if (cmd->obj >= RDO_ETH_MAX_RXQ) {
        return RDO_CQP_BAD_INDEX;
    }
    q = &core->st->eth->rxq[cmd->obj];
    if (q->valid) {
        return RDO_CQP_EXISTS;
    }
    if ((a->flags & ~(RDO_ETH_RXQ_F_LRO | RDO_ETH_RXQ_F_KEYED)) ||
        (!(a->flags & RDO_ETH_RXQ_F_KEYED) && a->pdn) ||
        !eth_zero(a->reserved, sizeof(a->reserved))) {
        return RDO_CQP_BAD_RESERVED;
    }
    /* An LRO session holds one buffer: not a scatter list. */
    if ((lro ? (a->lro_usec < 1 || a->lro_usec > 1000) : a->lro_usec) ||
        !rdo_port_valid(core, a->port ? a->port : 1) ||
        (lro && shift != RDO_ETH_RX_WQE_SHIFT) ||
        (shift != RDO_ETH_RX_WQE_SHIFT && shift < RDO_ETH_RX_SG_SHIFT_MIN)) {
        return RDO_CQP_BAD_PARAM;
    }
    st = keyed_pd_ok(core, a->flags & RDO_ETH_RXQ_F_KEYED, a->pdn);
    if (st == RDO_CQP_OK) {
        st = check_and_bind(core, &ring, RDO_ETH_RX_WQE_SHIFT,
                            RDO_WQE_SHIFT_MAX, a->cqn, a->db_page);
    }
    if (st != RDO_CQP_OK) {
        return st;
    }
    memset(q, 0, sizeof(*q));
    q->valid = true;
    q->keyed = a->flags & RDO_ETH_RXQ_F_KEYED;
    q->pdn = a->pdn;
    if (q->keyed) {
        core->st->pds[a->pdn].users++;
    }
    core->st->eth->rxq_valid |= 1u << cmd->obj;
    rdo_side_work(core);
    q->lro = lro;
    q->port = a->port ? a->port : 1;
    q->lro_ns = a->lro_usec * 1000ull;
    q->db_page = a->db_page;
    q->cqn = a->cqn;
    q->ring = ring;
    return RDO_CQP_OK;
}

/*
 * Destroys a queue: its CQ (and a keyed queue's PD) is free again, buffers
 * held by LRO are dropped, and so are the flow rules that send to an RXQ.
 */
static int destroy_queue(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    RdoEth *eth = core->st->eth;
    bool tx = cmd->opcode == RDO_CMD_DESTROY_ETH_TXQ;
    bool *valid;
    uint32_t cqn, pdn;
    bool keyed;

    if (cmd->obj >= (tx ? RDO_ETH_MAX_TXQ : RDO_ETH_MAX_RXQ)) {
        return RDO_CQP_BAD_INDEX;
    }
    valid = tx ? &eth->txq[cmd->obj].valid : &eth->rxq[cmd->obj].valid;
    cqn = tx ? eth->txq[cmd->obj].cqn : eth->rxq[cmd->obj].cqn;
    keyed = tx ? eth->txq[cmd->obj].keyed : eth->rxq[cmd->obj].keyed;
    pdn = tx ? eth->txq[cmd->obj].pdn : eth->rxq[cmd->obj].pdn;
    if (!*valid) {
        return RDO_CQP_NOT_FOUND;
    }
    *valid = false;
    *(tx ? &eth->txq_valid : &eth->rxq_valid) &= ~(1u << cmd->obj);
    core->st->cqs[cqn].users--;
    if (keyed) {
        core->st->pds[pdn].users--;
    }
    if (!tx) {
        rdo_eth_rules_drop_rxq(core, cmd->obj);
    }
    return RDO_CQP_OK;
}

int rdo_cmd_eth(RdoCore *core, const struct rdo_cqp_cmd *cmd, uint32_t *result)
{
    switch (cmd->opcode) {
    case RDO_CMD_CREATE_ETH_TXQ:
        return create_txq(core, cmd);
    case RDO_CMD_CREATE_ETH_RXQ:
        return create_rxq(core, cmd);
    case RDO_CMD_CREATE_FLOW_RULE:
    case RDO_CMD_DESTROY_FLOW_RULE:
        return rdo_cmd_flow_rule(core, cmd, result);
    default:
        return destroy_queue(core, cmd);
    }
}
