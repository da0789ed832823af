/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: SR-IOV partition commands. SET_VF_RESOURCES (PF only)
 * gives a VF its share of the device out of the PF's, while no VF is
 * enabled; QUERY_VF_RESOURCES reads a function's share. Commands naming
 * object numbers beyond the issuing function's share are counted here as
 * isolation refusals (the command itself fails through its own checks).
 */
#include <string.h>
#include "ctrl/ctrl.h"

/* Whether every object the PF has lies within `pf`, its share to be. */
static bool pf_fits(RdoCore *core, const struct rdo_vf_resources *pf)
{
    const RdoConfig *c = &core->cfg;
    RdoState *st = core->st;

    for (uint32_t i = pf->eq; i < c->max_eq; i++) {
        if (st->eqs[i].valid) {
            return false;
        }
    }
    for (uint32_t i = pf->cq; i < c->max_cq; i++) {
        if (st->cqs[i].valid) {
            return false;
        }
    }
    for (uint32_t i = pf->pd; i < c->max_pd; i++) {
        if (st->pds[i].valid) {
            return false;
        }
    }
    for (uint32_t i = pf->srq; i < c->max_srq; i++) {
        if (st->srqs[i].valid) {
            return false;
        }
    }
    for (uint32_t i = pf->gid; i < c->max_gid; i++) {
        if (st->gids[i].valid) {
            return false;
        }
    }
    for (uint32_t i = pf->qp; i < c->max_qp; i++) {
        if (st->qp_used[i]) {
            return false;
        }
    }
    for (uint32_t i = pf->mr; i < c->max_mr; i++) {
        if (st->mr_used[i] || st->mr_pending[i]) {
            return false;
        }
    }
    return true;
}

/* The PF takes its new share: limits, and caches of the new size (their
 * dirty contexts written back to the stores first). The control path
 * (cqp.c) then works out the QPs and MRs it may number. */
static int pf_take(RdoCore *core, const struct rdo_vf_resources *pf)
{
    RdoConfig *c = &core->cfg;
    bool resize = pf->qpc_cache != c->qpc_cache_entries ||
                  pf->mrc_cache != c->mrc_cache_entries;

    if (resize) {
        if (!rdo_ctx_flush(core, &core->st->qpc) ||
            !rdo_ctx_flush(core, &core->st->mrc)) {
            return RDO_CQP_DMA_ERROR;
        }
        /* The transmit engine's held contexts point into the old lines. */
        rdo_tx_hold_drop_all(core->st);
        rdo_agg_drop_held_all(core);
        rdo_ctx_caches_free(core);
    }
    rdo_share_to_config(c, pf);
    if (resize) {
        rdo_ctx_caches_init(core);
    }
    return RDO_CQP_OK;
}

static int set_vf_resources(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    RdoSriov *sr = core->sriov;
    const struct rdo_vf_resources *r = &cmd->u.vf_res;
    struct rdo_vf_resources sum, pf;
    int status;

    if (cmd->obj < 1 || cmd->obj > sr->max_vfs) {
        return RDO_CQP_BAD_INDEX;
    }
    for (size_t i = sizeof(*r); i < sizeof(cmd->u.raw); i++) {
        if (cmd->u.raw[i]) {
            return RDO_CQP_BAD_RESERVED;
        }
    }
    if (r->reserved[0] || r->reserved[1] || r->reserved[2]) {
        return RDO_CQP_BAD_RESERVED;
    }
    if (!rdo_share_ok(r, &core->cfg)) {
        return RDO_CQP_BAD_PARAM;
    }
    for (uint32_t n = 1; n <= sr->max_vfs; n++) {
        if (sr->fn[n]) {
            return RDO_CQP_BAD_STATE;   /* VF Enable is set */
        }
    }
    rdo_share_vfs(sr, cmd->obj, r, &sum);
    if (!rdo_share_rest(sr, &sum, &pf) || !rdo_share_ok(&pf, &core->cfg)) {
        return RDO_CQP_NO_RESOURCES;
    }
    if (!pf_fits(core, &pf)) {
        return RDO_CQP_IN_USE;
    }
    status = pf_take(core, &pf);
    if (status == RDO_CQP_OK) {
        sr->share[cmd->obj] = *r;
        sr->share[0] = pf;
    }
    return status;
}

static int query_vf_resources(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    RdoSriov *sr = core->sriov;

    if (cmd->obj > sr->max_vfs) {
        return RDO_CQP_BAD_INDEX;
    }
    if (core->fn && cmd->obj != core->fn) {
        core->cnt.isolation++;
        rdo_guest_error(core, RDO_GE_FN_NOT_PERMITTED, cmd->obj, cmd->opcode,
                        "VF %u asked for function %u's share", core->fn,
                        cmd->obj);
        return RDO_CQP_NOT_PERMITTED;
    }
    return rdo_dma_write(core, cmd->out_addr, &sr->share[cmd->obj],
                         sizeof(sr->share[cmd->obj])) ?
           RDO_CQP_DMA_ERROR : RDO_CQP_OK;
}

int rdo_cmd_sriov(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    if (!core->sriov) {
        return RDO_CQP_BAD_OPCODE;
    }
    if (cmd->opcode == RDO_CMD_QUERY_VF_RESOURCES) {
        return query_vf_resources(core, cmd);
    }
    if (core->fn) {
        core->cnt.isolation++;
        rdo_guest_error(core, RDO_GE_FN_NOT_PERMITTED, cmd->obj, cmd->opcode,
                        "VF %u issued SET_VF_RESOURCES, a PF-only command",
                        core->fn);
        return RDO_CQP_NOT_PERMITTED;
    }
    return set_vf_resources(core, cmd);
}

/* The kind of object a command's `obj` names, or RDO_OBJ__COUNT. */
static enum rdo_obj_kind cmd_obj_kind(uint8_t opcode)
{
    switch (opcode) {
    case RDO_CMD_CREATE_EQ: case RDO_CMD_DESTROY_EQ:
        return RDO_OBJ_EQ;
    case RDO_CMD_CREATE_CQ: case RDO_CMD_DESTROY_CQ:
    case RDO_CMD_MODIFY_CQ: case RDO_CMD_RESIZE_CQ:
        return RDO_OBJ_CQ;
    case RDO_CMD_CREATE_PD: case RDO_CMD_DESTROY_PD:
        return RDO_OBJ_PD;
    case RDO_CMD_CREATE_QP: case RDO_CMD_MODIFY_QP: case RDO_CMD_QUERY_QP:
    case RDO_CMD_DESTROY_QP: case RDO_CMD_ATTACH_MCAST:
    case RDO_CMD_DETACH_MCAST:
        return RDO_OBJ_QP;
    case RDO_CMD_CREATE_SRQ: case RDO_CMD_DESTROY_SRQ: case RDO_CMD_MODIFY_SRQ:
    case RDO_CMD_SRQ_PARTIAL:
        return RDO_OBJ_SRQ;
    case RDO_CMD_REG_MR: case RDO_CMD_DEREG_MR: case RDO_CMD_ALLOC_MR:
    case RDO_CMD_REREG_MR: case RDO_CMD_ALLOC_MW: case RDO_CMD_DEALLOC_MW:
        return RDO_OBJ_MR;
    default:
        return RDO_OBJ__COUNT;
    }
}

void rdo_cmd_foreign(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    enum rdo_obj_kind kind = cmd_obj_kind(cmd->opcode);
    const char *where = "a command";

    /* A create may take a number whose object moved away (not the QP's:
     * create_qp refuses that); anything else naming it is refused. */
    bool creates = cmd->opcode == RDO_CMD_CREATE_CQ ||
                   cmd->opcode == RDO_CMD_CREATE_PD ||
                   cmd->opcode == RDO_CMD_REG_MR ||
                   cmd->opcode == RDO_CMD_ALLOC_MR ||
                   cmd->opcode == RDO_CMD_ALLOC_MW;

    if (!core->sriov || kind == RDO_OBJ__COUNT ||
        (creates ? rdo_fn_beyond : rdo_fn_foreign)(core, kind, cmd->obj,
                                                   where)) {
        return;     /* one refusal per command is enough */
    }
    /* The objects a new object is bound to. */
    switch (cmd->opcode) {
    case RDO_CMD_CREATE_CQ:
        rdo_fn_foreign(core, RDO_OBJ_EQ, cmd->u.create_cq.eqn, where);
        break;
    case RDO_CMD_CREATE_QP:
        if (!rdo_fn_foreign(core, RDO_OBJ_PD, cmd->u.create_qp.pdn, where) &&
            !rdo_fn_foreign(core, RDO_OBJ_CQ, cmd->u.create_qp.send_cqn,
                            where) &&
            !rdo_fn_foreign(core, RDO_OBJ_CQ, cmd->u.create_qp.recv_cqn,
                            where) &&
            (cmd->u.create_qp.flags & RDO_QP_F_SRQ)) {
            rdo_fn_foreign(core, RDO_OBJ_SRQ, cmd->u.create_qp.srqn, where);
        }
        break;
    case RDO_CMD_CREATE_SRQ:
        rdo_fn_foreign(core, RDO_OBJ_PD, cmd->u.create_srq.pdn, where);
        break;
    case RDO_CMD_REG_MR:
        rdo_fn_foreign(core, RDO_OBJ_PD, cmd->u.reg_mr.pdn, where);
        break;
    case RDO_CMD_ALLOC_MR:
        rdo_fn_foreign(core, RDO_OBJ_PD, cmd->u.alloc_mr.pdn, where);
        break;
    case RDO_CMD_ALLOC_MW:
        rdo_fn_foreign(core, RDO_OBJ_PD, cmd->u.alloc_mw.pdn, where);
        break;
    default:
        break;
    }
}
