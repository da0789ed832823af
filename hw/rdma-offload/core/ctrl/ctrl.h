/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the control path: doorbell decode (doorbell.c),
 * inline push (push.c), the control QP (cqp.c) and its commands (cqp-*.c).
 */
#ifndef RDO_CTRL_H
#define RDO_CTRL_H

#include "cm/cm.h"
#include "eth/eth.h"

/* Control QP (cqp.c) and its commands (cqp-*.c). */
bool rdo_cqp_enable(RdoCore *core);
/* The set-up registers' checks: the first bad register, or RDO_NONE. */
uint32_t rdo_cqp_config_check(RdoCore *core);
/* The QPs and MRs the function may number now: usable_qps, usable_mrs. */
void rdo_fn_usable(RdoCore *core);
void rdo_cqp_doorbell(RdoCore *core, uint32_t pi);
void rdo_cqp_run(RdoCore *core);
/* Has the CQP a command in hand or waiting? (rdo_cqp_run's first test.) */
static inline bool rdo_cqp_pending(const RdoCore *core)
{
    return core->st->cqp.busy || core->st->cqp.ci != core->st->cqp.pi;
}
int rdo_cmd_qp(RdoCore *core, const struct rdo_cqp_cmd *cmd, uint32_t *result);
int rdo_cmd_mr(RdoCore *core, const struct rdo_cqp_cmd *cmd, uint32_t *result);
int rdo_cmd_queue(RdoCore *core, const struct rdo_cqp_cmd *cmd, uint32_t *result);
int rdo_cmd_port(RdoCore *core, const struct rdo_cqp_cmd *cmd, uint32_t *result);
int rdo_cmd_mcast(RdoCore *core, const struct rdo_cqp_cmd *cmd);
/* SR-IOV (cqp-sriov.c): the partition commands; a command's object
 * numbers beyond the function's share counted as isolation refusals. */
/* MOVE_QP (cqp-move.c): a connection to another function (PF only). */
int rdo_cmd_move_qp(RdoCore *core, const struct rdo_cqp_cmd *cmd);
int rdo_cmd_sriov(RdoCore *core, const struct rdo_cqp_cmd *cmd);
void rdo_cmd_foreign(RdoCore *core, const struct rdo_cqp_cmd *cmd);
/* A destroyed QP leaves every multicast group (cqp-mcast.c). */
void rdo_mcast_forget_qp(RdoCore *core, uint32_t qpn);
/* A queued MR registration completed: send queues waiting for it resume. */
void rdo_mr_registered(RdoCore *core, uint32_t index);

/* Queue doorbells (doorbell.c). */
void rdo_sq_doorbell(RdoCore *core, uint16_t page, uint32_t qpn, uint32_t pi);
void rdo_rq_doorbell(RdoCore *core, uint16_t page, uint32_t qpn, uint32_t pi);
void rdo_srq_doorbell(RdoCore *core, uint16_t page, uint32_t srqn, uint32_t pi);

/* Inline push (push.c). */
/* A QP takes its doorbell page (create, a move in), or leaves it. */
void rdo_push_page_take(RdoCore *core, uint32_t qpn, uint16_t page);
void rdo_push_page_leave(RdoCore *core, uint32_t qpn);
void rdo_push_write(RdoCore *core, uint16_t page, uint32_t reg, uint64_t value,
                    unsigned size);
/* The trigger of a RAM push (RDO_DB_PUSH_RAM) on `page`. */
void rdo_push_ram_doorbell(RdoCore *core, uint16_t page, uint64_t value);

#endif /* RDO_CTRL_H */
