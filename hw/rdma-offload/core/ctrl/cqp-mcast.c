/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the control QP's multicast commands. A small table of
 * groups, each with the UD QPs attached to it; ingress/mcast.c delivers a
 * group's packets to them. A group's entry is free again when its last QP
 * leaves (DETACH_MCAST or DESTROY_QP).
 */
#include <string.h>
#include "ctrl/ctrl.h"

static RdoMcastGroup *group_of(RdoState *st, const uint8_t *gid)
{
    for (unsigned i = 0; i < RDO_MCAST_GROUPS; i++) {
        if (st->mcast[i].nqp && !memcmp(st->mcast[i].gid, gid, 16)) {
            return &st->mcast[i];
        }
    }
    return NULL;
}

/* Takes QP `i` of the group out, keeping the others together. */
static void group_drop(RdoMcastGroup *g, uint32_t i)
{
    g->qpn[i] = g->qpn[--g->nqp];
}

static int attach(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    const struct rdo_cmd_mcast *a = &cmd->u.mcast;
    RdoState *st = core->st;
    RdoMcastGroup *g;
    uint8_t mac[6];

    g = group_of(st, a->gid);
    for (uint32_t i = 0; g && i < g->nqp; i++) {
        if (g->qpn[i] == cmd->obj) {
            return RDO_CQP_EXISTS;
        }
    }
    if (!g) {
        for (unsigned i = 0; !g && i < RDO_MCAST_GROUPS; i++) {
            g = st->mcast[i].nqp ? NULL : &st->mcast[i];
        }
        if (!g) {
            return RDO_CQP_BAD_PARAM;       /* no room for another group */
        }
        rdo_mcast_gid_mac(a->gid, mac);
        memcpy(g->gid, a->gid, 16);
        memcpy(g->mac, mac, 6);
    } else if (g->nqp == RDO_MCAST_QPS_PER_GROUP) {
        return RDO_CQP_BAD_PARAM;
    }
    g->qpn[g->nqp++] = cmd->obj;
    return RDO_CQP_OK;
}

static int detach(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    RdoMcastGroup *g = group_of(core->st, cmd->u.mcast.gid);

    for (uint32_t i = 0; g && i < g->nqp; i++) {
        if (g->qpn[i] == cmd->obj) {
            group_drop(g, i);
            return RDO_CQP_OK;
        }
    }
    return RDO_CQP_NOT_FOUND;
}

int rdo_cmd_mcast(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    const struct rdo_cmd_mcast *a = &cmd->u.mcast;
    RdoState *st = core->st;
    uint8_t mac[6];
    RdoQpCtx *qp;

    if (cmd->obj >= st->usable_qps) {
        return RDO_CQP_BAD_INDEX;
    }
    if (!st->qp_used[cmd->obj]) {
        return RDO_CQP_NOT_FOUND;
    }
    if (a->reserved[0] || a->reserved[1] || a->reserved[2] || a->reserved[3]) {
        return RDO_CQP_BAD_RESERVED;
    }
    if (!rdo_mcast_gid_mac(a->gid, mac)) {
        return RDO_CQP_BAD_PARAM;
    }
    if (cmd->opcode == RDO_CMD_DETACH_MCAST) {
        return detach(core, cmd);
    }
    qp = rdo_qp_get(core, cmd->obj);
    if (!qp) {
        return RDO_CQP_DMA_ERROR;
    }
    if (qp->type != RDO_QPT_UD) {
        return RDO_CQP_BAD_PARAM;           /* only UD QPs take multicast */
    }
    return attach(core, cmd);
}

void rdo_mcast_forget_qp(RdoCore *core, uint32_t qpn)
{
    for (unsigned i = 0; i < RDO_MCAST_GROUPS; i++) {
        RdoMcastGroup *g = &core->st->mcast[i];

        for (uint32_t j = 0; j < g->nqp; j++) {
            if (g->qpn[j] == qpn) {
                group_drop(g, j);
                break;
            }
        }
    }
}
