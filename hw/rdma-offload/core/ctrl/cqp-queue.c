/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rdma-offload core: event queue, completion queue and SRQ commands. */
#include <string.h>
#include "ctrl/ctrl.h"

static int create_eq(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    const struct rdo_cmd_create_eq *a = &cmd->u.create_eq;
    RdoRing ring = { .addr = a->ring_addr, .log_size = a->log_size,
                     .stride_shift = 4, .flags = a->ring_flags };
    RdoEq *eq;
    int st;

    if (cmd->obj == 0 || cmd->obj >= core->cfg.max_eq) {
        return RDO_CQP_BAD_INDEX;   /* EQ 0 is set up through registers */
    }
    eq = &core->st->eqs[cmd->obj];
    if (eq->valid) {
        return RDO_CQP_EXISTS;
    }
    if (a->reserved) {
        return RDO_CQP_BAD_RESERVED;
    }
    st = rdo_ring_check(&ring, 4, 4);
    if (st != RDO_CQP_OK) {
        return st;
    }
    if (a->vector >= core->cfg.msix_vectors) {
        return RDO_CQP_BAD_PARAM;
    }
    memset(eq, 0, sizeof(*eq));
    eq->valid = true;
    eq->armed = true;
    eq->vector = a->vector;
    eq->ring = ring;
    return RDO_CQP_OK;
}

static int destroy_eq(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    RdoEq *eq;

    if (cmd->obj == 0 || cmd->obj >= core->cfg.max_eq) {
        return RDO_CQP_BAD_INDEX;
    }
    eq = &core->st->eqs[cmd->obj];
    if (!eq->valid) {
        return RDO_CQP_NOT_FOUND;
    }
    if (eq->users) {
        return RDO_CQP_IN_USE;
    }
    eq->valid = false;
    return RDO_CQP_OK;
}

static int create_cq(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    const struct rdo_cmd_create_cq *a = &cmd->u.create_cq;
    RdoRing ring = { .addr = a->ring_addr, .log_size = a->log_size,
                     .stride_shift = 5, .flags = a->ring_flags };
    RdoCq *cq;
    int st;

    if (cmd->obj >= core->cfg.max_cq) {
        return RDO_CQP_BAD_INDEX;
    }
    cq = &core->st->cqs[cmd->obj];
    if (cq->valid) {
        return RDO_CQP_EXISTS;
    }
    if (a->reserved) {
        return RDO_CQP_BAD_RESERVED;
    }
    st = rdo_ring_check(&ring, 5, 5);
    if (st != RDO_CQP_OK) {
        return st;
    }
    if (a->db_page >= core->cfg.doorbell_pages) {
        return RDO_CQP_BAD_PARAM;
    }
    if (!rdo_cq_moderation_ok(a->log_size, a->moderation_count,
                              a->moderation_usec)) {
        return RDO_CQP_BAD_PARAM;
    }
    if (a->eqn >= core->cfg.max_eq || !core->st->eqs[a->eqn].valid) {
        return RDO_CQP_NOT_FOUND;
    }
    memset(cq, 0, sizeof(*cq));
    cq->valid = true;
    cq->db_page = a->db_page;
    cq->eqn = a->eqn;
    cq->ring = ring;
    cq->mod_count = a->moderation_count;
    cq->mod_ns = a->moderation_usec * 1000ull;
    core->st->eqs[a->eqn].users++;
    return RDO_CQP_OK;
}

/* The CQ a command names: BAD_INDEX / NOT_FOUND as the status, or OK. */
static int cq_of(RdoCore *core, const struct rdo_cqp_cmd *cmd, RdoCq **cq)
{
    if (cmd->obj >= core->cfg.max_cq) {
        return RDO_CQP_BAD_INDEX;
    }
    *cq = &core->st->cqs[cmd->obj];
    return (*cq)->valid ? RDO_CQP_OK : RDO_CQP_NOT_FOUND;
}

static int destroy_cq(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    RdoCq *cq;
    int st = cq_of(core, cmd, &cq);

    if (st != RDO_CQP_OK) {
        return st;
    }
    if (cq->users) {
        return RDO_CQP_IN_USE;
    }
    core->st->eqs[cq->eqn].users--;
    cq->valid = false;
    return RDO_CQP_OK;
}

static int modify_cq(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    const struct rdo_cmd_modify_cq *a = &cmd->u.modify_cq;
    RdoCq *cq;
    int st = cq_of(core, cmd, &cq);

    if (st != RDO_CQP_OK) {
        return st;
    }
    if (a->reserved[0] || a->reserved[1] || a->reserved[2]) {
        return RDO_CQP_BAD_RESERVED;
    }
    if (!rdo_cq_moderation_ok(cq->ring.log_size, a->moderation_count,
                              a->moderation_usec)) {
        return RDO_CQP_BAD_PARAM;
    }
    rdo_cq_set_moderation(core, cmd->obj, a->moderation_count,
                          a->moderation_usec * 1000ull);
    return RDO_CQP_OK;
}

/*
 * CQEs a CQ may still have to take for send work already posted: the send
 * WQEs posted and not yet completed on the QPs whose send CQ it is (each
 * may write one; an error or a flush always does). Shrinking below what is
 * written plus these would overrun the new ring once they complete.
 */
static uint64_t cq_sends_due(RdoCore *core, uint32_t cqn)
{
    RdoState *st = core->st;
    uint64_t n = 0;

    for (uint32_t q = 0; q < st->usable_qps; q++) {
        RdoQpCtx *qp;

        if (!st->qp_used[q] || st->qp_bind[q].send_cqn != cqn) {
            continue;
        }
        qp = rdo_qp_get(core, q);
        if (qp) {
            n += (uint32_t)(qp->sq_pi - qp->sq_ci);
        }
    }
    return n;
}

static int resize_cq(RdoCore *core, const struct rdo_cqp_cmd *cmd,
                     uint32_t *result)
{
    const struct rdo_cmd_resize_cq *a = &cmd->u.resize_cq;
    RdoRing ring = { .addr = a->ring_addr, .log_size = a->log_size,
                     .stride_shift = 5, .flags = a->ring_flags };
    RdoCq *cq;
    int st = cq_of(core, cmd, &cq);

    if (st != RDO_CQP_OK) {
        return st;
    }
    if (a->reserved0 || a->reserved1) {
        return RDO_CQP_BAD_RESERVED;
    }
    st = rdo_ring_check(&ring, 5, 5);
    if (st != RDO_CQP_OK) {
        return st;
    }
    /* The CQEs outstanding and those posted send work will write must
     * fit, and the moderation count stay reachable. */
    if (cq->pi - cq->ci + cq_sends_due(core, cmd->obj) > rdo_ring_size(&ring) ||
        !rdo_cq_moderation_ok(ring.log_size, cq->mod_count, 0)) {
        return RDO_CQP_BAD_PARAM;
    }
    *result = rdo_cq_resize(core, cmd->obj, &ring);
    return RDO_CQP_OK;
}

static int create_srq(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    const struct rdo_cmd_create_srq *a = &cmd->u.create_srq;
    RdoRing ring = { .addr = a->ring_addr, .log_size = a->log_size,
                     .stride_shift = a->wqe_shift, .flags = a->ring_flags };
    RdoSrq *srq;
    int st;

    if (cmd->obj >= core->cfg.max_srq) {
        return RDO_CQP_BAD_INDEX;
    }
    srq = &core->st->srqs[cmd->obj];
    if (srq->valid) {
        return RDO_CQP_EXISTS;
    }
    if (a->reserved || a->reserved1 || a->limit) {
        return RDO_CQP_BAD_RESERVED;
    }
    st = rdo_ring_check(&ring, 4, RDO_WQE_SHIFT_MAX);
    if (st != RDO_CQP_OK) {
        return st;
    }
    if (a->db_page >= core->cfg.doorbell_pages) {
        return RDO_CQP_BAD_PARAM;
    }
    if (a->pdn >= core->cfg.max_pd || !core->st->pds[a->pdn].valid) {
        return RDO_CQP_NOT_FOUND;
    }
    memset(srq, 0, sizeof(*srq));
    srq->valid = true;
    srq->db_page = a->db_page;
    srq->pdn = a->pdn;
    srq->ring = ring;
    core->st->pds[a->pdn].users++;
    return RDO_CQP_OK;
}

/* The SRQ a command names: BAD_INDEX / NOT_FOUND as the status, or OK. */
static int srq_of(RdoCore *core, const struct rdo_cqp_cmd *cmd, RdoSrq **srq)
{
    if (cmd->obj >= core->cfg.max_srq) {
        return RDO_CQP_BAD_INDEX;
    }
    *srq = &core->st->srqs[cmd->obj];
    return (*srq)->valid ? RDO_CQP_OK : RDO_CQP_NOT_FOUND;
}

static int destroy_srq(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    RdoSrq *srq;
    int st = srq_of(core, cmd, &srq);

    if (st != RDO_CQP_OK) {
        return st;
    }
    if (srq->users) {
        return RDO_CQP_IN_USE;
    }
    core->st->pds[srq->pdn].users--;
    srq->valid = false;
    return RDO_CQP_OK;
}

static int modify_srq(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    const struct rdo_cmd_modify_srq *a = &cmd->u.modify_srq;
    RdoSrq *srq;
    int st = srq_of(core, cmd, &srq);

    if (st != RDO_CQP_OK) {
        return st;
    }
    if (a->reserved0 || a->reserved[0] || a->reserved[1] || a->reserved[2]) {
        return RDO_CQP_BAD_RESERVED;
    }
    if (a->limit > rdo_ring_size(&srq->ring)) {
        return RDO_CQP_BAD_PARAM;
    }
    srq->limit = a->limit;
    return RDO_CQP_OK;
}

static int srq_partial(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    const struct rdo_cmd_srq_partial *a = &cmd->u.srq_partial;
    RdoSrq *srq;
    int st = srq_of(core, cmd, &srq);

    if (st != RDO_CQP_OK) {
        return st;
    }
    if (a->reserved0[0] || a->reserved0[1] || a->reserved0[2] ||
        a->reserved[0] || a->reserved[1] || a->reserved[2]) {
        return RDO_CQP_BAD_RESERVED;
    }
    if (a->stride_shift && (a->stride_shift < RDO_SRQ_PARTIAL_SHIFT_MIN ||
                            a->stride_shift > RDO_SRQ_PARTIAL_SHIFT_MAX)) {
        return RDO_CQP_BAD_PARAM;
    }
    if (srq->part_cur) {
        return RDO_CQP_IN_USE;
    }
    srq->part_shift = a->stride_shift;
    return RDO_CQP_OK;
}

int rdo_cmd_queue(RdoCore *core, const struct rdo_cqp_cmd *cmd, uint32_t *result)
{
    switch (cmd->opcode) {
    case RDO_CMD_CREATE_EQ:
        return create_eq(core, cmd);
    case RDO_CMD_DESTROY_EQ:
        return destroy_eq(core, cmd);
    case RDO_CMD_CREATE_CQ:
        return create_cq(core, cmd);
    case RDO_CMD_DESTROY_CQ:
        return destroy_cq(core, cmd);
    case RDO_CMD_MODIFY_CQ:
        return modify_cq(core, cmd);
    case RDO_CMD_RESIZE_CQ:
        return resize_cq(core, cmd, result);
    case RDO_CMD_CREATE_SRQ:
        return create_srq(core, cmd);
    case RDO_CMD_MODIFY_SRQ:
        return modify_srq(core, cmd);
    case RDO_CMD_SRQ_PARTIAL:
        return srq_partial(core, cmd);
    default:
        return destroy_srq(core, cmd);
    }
}
