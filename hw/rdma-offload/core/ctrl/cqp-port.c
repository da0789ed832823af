/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rdma-offload core: device, port, GID table and protection domain commands. */
#include <string.h>
#include "ctrl/ctrl.h"

/*
 * A port command's port number: 0 (drivers before two ports) is port 1.
 * One in obj that the device has not is BAD_INDEX, like any object's.
 */
static unsigned cmd_port(uint32_t n)
{
    return n ? n : 1;
}

static int query_device(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    const RdoConfig *c = &core->cfg;
    struct rdo_device_attr a;

    memset(&a, 0, sizeof(a));
    a.max_qp = core->st->usable_qps;
    a.max_cq = c->max_cq;
    a.max_eq = c->max_eq;
    a.max_pd = c->max_pd;
    a.max_mr = core->st->usable_mrs;
    a.max_srq = c->max_srq;
    a.max_gid = c->max_gid;
    a.max_sge = (1u << RDO_WQE_SHIFT_MAX) / sizeof(struct rdo_sge) - 4;
    a.max_inline = (1u << RDO_WQE_SHIFT_MAX) - sizeof(struct rdo_send_wqe);
    a.max_qp_log_size = RDO_QUEUE_LOG_SIZE_MAX;
    a.max_cq_log_size = RDO_QUEUE_LOG_SIZE_MAX;
    a.max_msg_size = 1u << 31;
    a.max_mr_pages = RDO_MR_PAGES_MAX;
    a.max_fast_reg_pages = RDO_FAST_REG_PAGES_MAX;
    a.local_dma_lkey = RDO_LOCAL_DMA_LKEY;
    a.max_mcast_grp = RDO_MCAST_GROUPS;
    a.max_mcast_qp_attach = RDO_MCAST_QPS_PER_GROUP;
    a.max_total_mcast_qp_attach = RDO_MCAST_GROUPS * RDO_MCAST_QPS_PER_GROUP;
    a.max_mw = core->st->usable_mrs;    /* windows share the MR index space */
    a.mw_types = RDO_DEV_MW_TYPE_1 | RDO_DEV_MW_TYPE_2B;
    a.num_doorbell_pages = c->doorbell_pages;
    a.msix_vectors = c->msix_vectors;
    a.max_eth_txq = RDO_ETH_MAX_TXQ;
    a.max_eth_rxq = RDO_ETH_MAX_RXQ;
    a.caps = (uint64_t)rdo_config_caps(core);
    a.phys_ports = MAX(c->ports, 1);
    return rdo_dma_write(core, cmd->out_addr, &a, sizeof(a)) ?
           RDO_CQP_DMA_ERROR : RDO_CQP_OK;
}

/*
 * QUERY_COUNTERS: block 0, the port's counters; on request (out_len) the
 * CM's and the extended ones after it (rdo-cmd.h). The result is the
 * bytes written.
 */
static int query_counters(RdoCore *core, const struct rdo_cqp_cmd *cmd,
                          uint32_t *result)
{
    const struct rdo_cmd_query_counters *q = &cmd->u.query_counters;
    const RdoCounters *c = &core->cnt;
    const RdoTimingCounters *t = &core->tcnt;
    const RdoPortCounters *p2 = &core->st->port2.cnt;
    unsigned port = cmd_port(cmd->obj);
    struct rdo_counters_all a;
    uint32_t len = q->out_len ? q->out_len : RDO_COUNTER_BLOCK;

    if (!rdo_port_valid(core, port)) {
        return RDO_CQP_BAD_INDEX;
    }
    if (q->reserved[0] || q->reserved[1] || q->reserved[2]) {
        return RDO_CQP_BAD_RESERVED;
    }
    if (len % RDO_COUNTER_BLOCK) {
        return RDO_CQP_BAD_PARAM;
    }
    /* A driver that knows of more blocks than this device has gets ours. */
    len = MIN(len, RDO_COUNTERS_LEN);
    memset(&a, 0, sizeof(a));
    /* Each port counter is the core's counter of the same name. */
#define COPY(field, name) a.port.field = c->field;
    RDO_PORT_COUNTERS(COPY)
#undef COPY
    /* But the core's dup_requests counts both sides' duplicates. */
    a.port.dup_requests -= c->dup_responses;
    /* Port 2: its own four, nothing of the pipelines' (port 1 has those). */
#define PORT_SPLIT(X) X(tx_packets) X(rx_packets) X(rx_icrc_errors) X(rx_drops)
    if (port == 2) {
        memset(&a, 0, sizeof(a));
#define TAKE(f) a.port.f = p2->f;
        PORT_SPLIT(TAKE)
#undef TAKE
    } else {
#define LESS(f) a.port.f -= p2->f;
        PORT_SPLIT(LESS)
#undef LESS
    }
#undef PORT_SPLIT
    if (len > RDO_COUNTER_BLOCK && port == 1) {
        a.cm = core->st->cm->cnt;
        rdo_tm_sync(core);
#define COPY(field, name) a.ext.field = c->field;
#define COPY_TM(field, name) a.ext.field = t->field;
        RDO_PORT_COUNTERS_EXT(COPY, COPY_TM)
#undef COPY_TM
#undef COPY
    }
    if (rdo_dma_write(core, cmd->out_addr, &a, len)) {
        return RDO_CQP_DMA_ERROR;
    }
    *result = len;
    return RDO_CQP_OK;
}

static int query_port(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    unsigned port = cmd_port(cmd->obj);
    struct rdo_port_attr a;

    if (!rdo_port_valid(core, port)) {
        return RDO_CQP_BAD_INDEX;
    }
    memset(&a, 0, sizeof(a));
    memcpy(a.mac, rdo_port_mac(core, port), 6);
    a.link_up = rdo_port_link(core, port);
    a.eth_mtu = rdo_port_mtu(core, port);
    a.active_mtu = rdo_active_mtu(a.eth_mtu);
    /* link-gbps; with timing off it is not checked: clamped to its range. */
    a.speed_mbps = MIN(MAX(core->cfg.tm.link_gbps, RDO_LINK_GBPS_MIN),
                       RDO_LINK_GBPS_MAX) * 1000;
    a.gid_table_len = core->cfg.max_gid;
    return rdo_dma_write(core, cmd->out_addr, &a, sizeof(a)) ?
           RDO_CQP_DMA_ERROR : RDO_CQP_OK;
}

static int set_port(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    const struct rdo_cmd_set_port *p = &cmd->u.set_port;
    unsigned port = cmd_port(cmd->obj);
    RdoState *st = core->st;

    if (p->mask & ~(RDO_PORT_SET_MTU | RDO_PORT_SET_MAC) || p->reserved) {
        return RDO_CQP_BAD_RESERVED;
    }
    if (!rdo_port_valid(core, port)) {
        return RDO_CQP_BAD_INDEX;
    }
    /* Each port its own address: frames leave by their source's port. */
    if ((p->mask & RDO_PORT_SET_MAC) && core->cfg.ports == 2 &&
        !memcmp(p->mac, rdo_port_mac(core, 3 - port), 6)) {
        return RDO_CQP_BAD_PARAM;
    }
    if ((p->mask & RDO_PORT_SET_MTU) && (p->mtu < 576 || p->mtu > 9000)) {
        return RDO_CQP_BAD_PARAM;
    }
    if ((p->mask & RDO_PORT_SET_MAC) && (p->mac[0] & 1)) {
        return RDO_CQP_BAD_PARAM;   /* multicast source address */
    }
    if (p->mask & RDO_PORT_SET_MTU) {
        *(port == 2 ? &st->port2.mtu : &st->port_mtu) = p->mtu;
    }
    if (p->mask & RDO_PORT_SET_MAC) {
        memcpy(port == 2 ? st->port2.mac : st->port_mac, p->mac, 6);
    }
    return RDO_CQP_OK;
}

static int set_gid(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    const struct rdo_cmd_set_gid *g = &cmd->u.set_gid;
    RdoGid *e;

    if (cmd->obj >= core->cfg.max_gid) {
        return RDO_CQP_BAD_INDEX;
    }
    if (g->valid > 1 || !rdo_port_valid(core, cmd_port(g->port))) {
        return RDO_CQP_BAD_PARAM;
    }
    e = &rdo_port_gids(core, cmd_port(g->port))[cmd->obj];
    e->valid = g->valid;
    memcpy(e->gid, g->gid, 16);
    return RDO_CQP_OK;
}

static int pd_command(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    const struct rdo_cmd_create_pd *a = &cmd->u.create_pd;
    RdoPd *pd;

    if (cmd->obj >= core->cfg.max_pd) {
        return RDO_CQP_BAD_INDEX;
    }
    pd = &core->st->pds[cmd->obj];
    if (cmd->opcode == RDO_CMD_CREATE_PD) {
        if (pd->valid) {
            return RDO_CQP_EXISTS;
        }
        if ((a->flags & ~RDO_PD_F_KERNEL) || a->reserved[0] || a->reserved[1] ||
            a->reserved[2]) {
            return RDO_CQP_BAD_RESERVED;
        }
        pd->valid = true;
        pd->kernel = a->flags & RDO_PD_F_KERNEL;
        pd->users = 0;
        return RDO_CQP_OK;
    }
    if (!pd->valid) {
        return RDO_CQP_NOT_FOUND;
    }
    if (pd->users) {
        return RDO_CQP_IN_USE;
    }
    pd->valid = false;
    return RDO_CQP_OK;
}

int rdo_cmd_port(RdoCore *core, const struct rdo_cqp_cmd *cmd, uint32_t *result)
{
    switch (cmd->opcode) {
    case RDO_CMD_QUERY_DEVICE:
        return query_device(core, cmd);
    case RDO_CMD_QUERY_PORT:
        return query_port(core, cmd);
    case RDO_CMD_QUERY_COUNTERS:
        return query_counters(core, cmd, result);
    case RDO_CMD_SET_PORT:
        return set_port(core, cmd);
    case RDO_CMD_SET_GID:
        return set_gid(core, cmd);
    default:
        return pd_command(core, cmd);
    }
}
