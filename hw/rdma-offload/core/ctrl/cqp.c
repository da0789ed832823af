/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the control QP. The driver posts 128-byte commands in
 * a ring and writes the number posted to CQP_PI. The device executes them
 * in order, one at a time, each taking virtual time (cqp_cmd_ns, plus
 * cqp_page_ns per page of a memory registration), and writes one
 * completion per command.
 *
 * Pipelined registration: when CQP_PI is written, the device looks at the
 * newly posted commands at once and marks every MR they register as
 * pending. Work requests that use a pending MR do not fail: they proceed
 * through the pipeline and wait only when they reach the MR, until its
 * registration completes.
 */
#include <string.h>
#include "ctrl/ctrl.h"

uint32_t rdo_cqp_config_check(RdoCore *core)
{
    const RdoRegs *r = &core->regs;
    uint32_t bad = RDO_NONE;
    uint32_t qpc_per_page = RDO_PAGE_SIZE / rdo_qpc_entry_size(core);
    uint32_t mrc_per_page = RDO_PAGE_SIZE / RDO_MRC_SIZE;

    if (r->cqp_log_size < RDO_CQP_LOG_SIZE_MIN ||
        r->cqp_log_size > RDO_CQP_LOG_SIZE_MAX) {
        bad = RDO_REG_CQP_LOG_SIZE;
    } else if (!r->cqp_ring || (r->cqp_ring & (RDO_CQP_CMD_SIZE - 1))) {
        bad = RDO_REG_CQP_RING_LO;
    } else if (!r->cqp_comp || (r->cqp_comp & (RDO_CQP_COMP_SIZE - 1))) {
        bad = RDO_REG_CQP_COMP_LO;
    } else if (r->eq0_log_size < 1 || r->eq0_log_size > RDO_QUEUE_LOG_SIZE_MAX) {
        bad = RDO_REG_EQ0_LOG_SIZE;
    } else if (!r->eq0_ring || (r->eq0_ring & (sizeof(struct rdo_eqe) - 1))) {
        bad = RDO_REG_EQ0_RING_LO;
    } else if (!r->qpc_pages || r->qpc_pages > core->cfg.max_qp / qpc_per_page + 1) {
        bad = RDO_REG_QPC_PAGES;
    } else if (!r->qpc_pglist || (r->qpc_pglist & 7)) {
        bad = RDO_REG_QPC_PGLIST_LO;
    } else if (!r->mrc_pages || r->mrc_pages > core->cfg.max_mr / mrc_per_page + 1) {
        bad = RDO_REG_MRC_PAGES;
    } else if (!r->mrc_pglist || (r->mrc_pglist & 7)) {
        bad = RDO_REG_MRC_PGLIST_LO;
    }
    return bad;
}

/*
 * QPs and MRs the function may number: its share, and what its context
 * stores hold (at the start of the control path, and when the PF's share
 * changes).
 */
void rdo_fn_usable(RdoCore *core)
{
    const RdoRegs *r = &core->regs;

    core->st->usable_qps = MIN(core->cfg.max_qp,
                               r->qpc_pages * (RDO_PAGE_SIZE / rdo_qpc_entry_size(core)));
    core->st->usable_mrs = MIN(core->cfg.max_mr,
                               r->mrc_pages * (RDO_PAGE_SIZE / RDO_MRC_SIZE));
}

bool rdo_cqp_enable(RdoCore *core)
{
    RdoRegs *r = &core->regs;
    RdoState *st = core->st;
    RdoEq *eq0 = &st->eqs[0];
    uint32_t bad = rdo_cqp_config_check(core);

    if (bad != RDO_NONE) {
        rdo_guest_error(core, RDO_GE_CQP_BAD_CONFIG, bad, bad,
                        "control path set-up register 0x%x invalid", bad);
        return false;
    }

    memset(&st->cqp, 0, sizeof(st->cqp));
    st->cqp.pending_mr = g_new(uint32_t, 1u << r->cqp_log_size);
    for (uint32_t i = 0; i < (1u << r->cqp_log_size); i++) {
        st->cqp.pending_mr[i] = RDO_NONE;
    }
    rdo_fn_usable(core);
    memset(eq0, 0, sizeof(*eq0));
    eq0->valid = true;
    eq0->armed = true;
    eq0->vector = 0;
    eq0->ring = (RdoRing){ .addr = r->eq0_ring, .log_size = r->eq0_log_size,
                           .stride_shift = 4 };
    st->enabled = true;
    return true;
}

static uint32_t cqp_size(RdoCore *core)
{
    return 1u << core->regs.cqp_log_size;
}

static bool cqp_read_cmd(RdoCore *core, uint32_t index, struct rdo_cqp_cmd *cmd)
{
    uint64_t addr = core->regs.cqp_ring +
                    (uint64_t)(index & (cqp_size(core) - 1)) * RDO_CQP_CMD_SIZE;

    return !rdo_dma_read(core, addr, cmd, sizeof(*cmd));
}

/* Marks the MRs that newly posted commands will register as pending. */
static void cqp_prescan(RdoCore *core)
{
    RdoState *st = core->st;
    RdoCqp *cqp = &st->cqp;

    for (; cqp->scanned != cqp->pi; cqp->scanned++) {
        uint32_t slot = cqp->scanned & (cqp_size(core) - 1);
        struct rdo_cqp_cmd cmd;

        cqp->pending_mr[slot] = RDO_NONE;
        if (!cqp_read_cmd(core, cqp->scanned, &cmd) ||
            (cmd.opcode != RDO_CMD_REG_MR && cmd.opcode != RDO_CMD_ALLOC_MR &&
             cmd.opcode != RDO_CMD_ALLOC_MW) ||
            cmd.obj >= st->usable_mrs ||
            st->mr_used[cmd.obj] || st->mr_pending[cmd.obj]) {
            continue;   /* errors are reported when the command executes */
        }
        st->mr_pending[cmd.obj] = 1;
        st->mr_pending_n++;
        cqp->pending_mr[slot] = cmd.obj;
    }
}

void rdo_cqp_doorbell(RdoCore *core, uint32_t pi)
{
    RdoCqp *cqp = &core->st->cqp;

    if (rdo_core_is_fatal(core)) {
        return;     /* stopped until reset; the driver learns it from STATUS */
    }
    if (!core->st->enabled) {
        /* The ring size register is not trusted before the start checks. */
        rdo_guest_error(core, RDO_GE_CQP_OVERRUN, RDO_REG_CQP_PI, RDO_REG_CQP_PI,
                        "CQP_PI %u written before the control path started",
                        pi);
        return;
    }
    if (pi - cqp->ci > cqp_size(core) || pi - cqp->pi > cqp_size(core)) {
        rdo_guest_error(core, RDO_GE_CQP_OVERRUN, RDO_REG_CQP_PI, RDO_REG_CQP_PI,
                        "CQP_PI %u with %u completed, ring of %u", pi,
                        cqp->ci, cqp_size(core));
        return;
    }
    cqp->pi = pi;
    rdo_side_work(core);
    cqp_prescan(core);
    rdo_cqp_run(core);
}

static uint32_t cqp_cost_ns(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    uint64_t ns = core->cfg.cqp_cmd_ns;

    if (cmd->opcode == RDO_CMD_REG_MR ||
        (cmd->opcode == RDO_CMD_REREG_MR &&
         (cmd->u.rereg_mr.mask & RDO_REREG_TRANS))) {
        G_STATIC_ASSERT(offsetof(struct rdo_cmd_rereg_mr, num_pages) ==
                        offsetof(struct rdo_cmd_reg_mr, num_pages));
        ns += (uint64_t)MIN(cmd->u.reg_mr.num_pages, RDO_MR_PAGES_MAX) *
              core->cfg.cqp_page_ns;
    }
    if (cmd->opcode == RDO_CMD_MOVE_QP && core->st->tm) {
        ns += rdo_tm_cycles_ps(core->st->tm, core->cfg.move_qp_cycles) / 1000;
    }
    return (uint32_t)MIN(ns, UINT32_MAX);
}

static int cqp_execute(RdoCore *core, const struct rdo_cqp_cmd *cmd,
                       uint32_t *result)
{
    int status;

    if (cmd->reserved0 || cmd->reserved1 || (cmd->flags & ~RDO_CQP_F_EVENT)) {
        return RDO_CQP_BAD_RESERVED;
    }
    rdo_cmd_foreign(core, cmd);
    switch (cmd->opcode) {
    case RDO_CMD_NOP:
        return RDO_CQP_OK;
    case RDO_CMD_SET_VF_RESOURCES:
        status = rdo_cmd_sriov(core, cmd);
        if (status == RDO_CQP_OK) {
            rdo_fn_usable(core);    /* the PF's new share */
        }
        return status;
    case RDO_CMD_QUERY_VF_RESOURCES:
        return rdo_cmd_sriov(core, cmd);
    case RDO_CMD_MOVE_QP:
        return rdo_cmd_move_qp(core, cmd);
    case RDO_CMD_QUERY_DEVICE:
    case RDO_CMD_QUERY_PORT:
    case RDO_CMD_QUERY_COUNTERS:
    case RDO_CMD_SET_PORT:
    case RDO_CMD_SET_GID:
    case RDO_CMD_CREATE_PD:
    case RDO_CMD_DESTROY_PD:
        return rdo_cmd_port(core, cmd, result);
    case RDO_CMD_CREATE_EQ:
    case RDO_CMD_DESTROY_EQ:
    case RDO_CMD_CREATE_CQ:
    case RDO_CMD_DESTROY_CQ:
    case RDO_CMD_MODIFY_CQ:
    case RDO_CMD_RESIZE_CQ:
    case RDO_CMD_CREATE_SRQ:
    case RDO_CMD_DESTROY_SRQ:
    case RDO_CMD_MODIFY_SRQ:
    case RDO_CMD_SRQ_PARTIAL:
        return rdo_cmd_queue(core, cmd, result);
    case RDO_CMD_CREATE_QP:
    case RDO_CMD_MODIFY_QP:
    case RDO_CMD_QUERY_QP:
    case RDO_CMD_DESTROY_QP:
        return rdo_cmd_qp(core, cmd, result);
    case RDO_CMD_REG_MR:
    case RDO_CMD_DEREG_MR:
    case RDO_CMD_ALLOC_MR:
    case RDO_CMD_REREG_MR:
    case RDO_CMD_ALLOC_MW:
    case RDO_CMD_DEALLOC_MW:
        return rdo_cmd_mr(core, cmd, result);
    case RDO_CMD_ATTACH_MCAST:
    case RDO_CMD_DETACH_MCAST:
        return rdo_cmd_mcast(core, cmd);
    case RDO_CMD_CM_LISTEN:
    case RDO_CMD_CM_UNLISTEN:
    case RDO_CMD_CM_POOL_ADD:
    case RDO_CMD_CM_POOL_REMOVE:
    case RDO_CMD_CM_CONNECT:
    case RDO_CMD_CM_DISCONNECT:
    case RDO_CMD_CM_QUERY:
        return rdo_cmd_cm(core, cmd);
    case RDO_CMD_CREATE_ETH_TXQ:
    case RDO_CMD_DESTROY_ETH_TXQ:
    case RDO_CMD_CREATE_ETH_RXQ:
    case RDO_CMD_DESTROY_ETH_RXQ:
    case RDO_CMD_CREATE_FLOW_RULE:
    case RDO_CMD_DESTROY_FLOW_RULE:
        return rdo_cmd_eth(core, cmd, result);
    default:
        return RDO_CQP_BAD_OPCODE;
    }
}

/* Executes the command at the head of the ring and completes it. */
static void cqp_complete_head(RdoCore *core)
{
    RdoState *st = core->st;
    RdoCqp *cqp = &st->cqp;
    uint32_t slot = cqp->ci & (cqp_size(core) - 1);
    struct rdo_cqp_cmd cmd;
    struct rdo_cqp_comp comp;
    uint32_t result = 0;
    int status;

    memset(&comp, 0, sizeof(comp));
    if (cqp_read_cmd(core, cqp->ci, &cmd)) {
        status = cqp_execute(core, &cmd, &result);
        comp.cookie = cmd.cookie;
        comp.opcode = cmd.opcode;
    } else {
        status = RDO_CQP_DMA_ERROR;
        cmd.flags = 0;
    }
    if (rdo_core_is_fatal(core)) {
        return;     /* the device failed during the command: no completion */
    }
    /* A registration marked pending that did not register: not pending. */
    if (cqp->pending_mr[slot] != RDO_NONE) {
        st->mr_pending[cqp->pending_mr[slot]] = 0;
        st->mr_pending_n--;
        rdo_mr_registered(core, cqp->pending_mr[slot]);
        cqp->pending_mr[slot] = RDO_NONE;
    }
    comp.result = result;
    comp.status = status;
    comp.owner = rdo_owner_phase(cqp->ci, core->regs.cqp_log_size);
    if (rdo_dma_write(core, core->regs.cqp_comp +
                             (uint64_t)slot * RDO_CQP_COMP_SIZE,
                             &comp, sizeof(comp))) {
        rdo_guest_error(core, RDO_GE_CQP_COMP_LOST, cqp->ci, core->regs.cqp_comp,
                        "CQP completion ring not reachable");
    }
    cqp->ci++;
    core->cnt.cqp_cmds++;
    if (status != RDO_CQP_OK) {
        core->cnt.cqp_errors++;
        rdo_guest_error(core, RDO_GE_CQP_CMD_FAILED, cmd.obj, cmd.opcode,
                        "CQP command 0x%x on object %u failed: status %d",
                        cmd.opcode, cmd.obj, status);
    }
    if (cmd.flags & RDO_CQP_F_EVENT) {
        rdo_async_event(core, RDO_EQE_CQP_DONE, cqp->ci, status);
    }
}

/* Advances the control QP to the current time. */
void rdo_cqp_run(RdoCore *core)
{
    RdoCqp *cqp = &core->st->cqp;
    uint64_t now;

    if (!rdo_cqp_pending(core)) {
        return;                 /* most wake-ups: nothing for the CQP */
    }
    now = core->ops->now_ns(core->host);
    while (core->st->enabled && !rdo_core_is_fatal(core)) {
        struct rdo_cqp_cmd cmd;

        if (cqp->busy) {
            if (now < cqp->done_at) {
                rdo_core_schedule(core, cqp->done_at);
                return;
            }
            cqp->busy = false;
            cqp_complete_head(core);
        }
        if (cqp->ci == cqp->pi) {
            return;
        }
        /* Start the next command; a command that cannot be read costs the base. */
        if (!cqp_read_cmd(core, cqp->ci, &cmd)) {
            memset(&cmd, 0, sizeof(cmd));
        }
        cqp->busy = true;
        cqp->done_at = now + cqp_cost_ns(core, &cmd);
    }
}
