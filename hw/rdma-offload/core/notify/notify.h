/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: event and completion queues (eq.c, cq.c).
 */
#ifndef RDO_NOTIFY_H
#define RDO_NOTIFY_H

#include "base/base.h"

void rdo_eq_post(RdoCore *core, uint32_t eqn, uint8_t type, uint32_t obj,
                 uint32_t data);
void rdo_eq_doorbell(RdoCore *core, uint32_t eqn, uint32_t flags, uint32_t ci);
/* An asynchronous event on EQ 0. */
RDO_COLD void rdo_async_event(RdoCore *core, uint8_t type, uint32_t obj,
                              uint32_t data);
void rdo_cq_post(RdoCore *core, uint32_t cqn, struct rdo_cqe *cqe,
                 bool solicited);
/* The same, the event delayed by up to delay_ns (per-QP notification delay). */
void rdo_cq_post_delayed(RdoCore *core, uint32_t cqn, struct rdo_cqe *cqe,
                         bool solicited, uint64_t delay_ns);
/* New moderation (MODIFY_CQ): from the next CQE on. */
void rdo_cq_set_moderation(RdoCore *core, uint32_t cqn, uint16_t count,
                           uint64_t ns);
/* Switches the CQ to `ring` at index 0 (RESIZE_CQ); returns the old ring's end. */
uint32_t rdo_cq_resize(RdoCore *core, uint32_t cqn, const RdoRing *ring);
/* CQ events whose moderation time has come. */
void rdo_cq_run(RdoCore *core);
/* Moderated CQs waiting for their time? (What rdo_cq_run serves.) */
static inline bool rdo_cq_pending(const RdoCore *core)
{
    return core->st->cq_timed.len != 0;
}
void rdo_cq_doorbell(RdoCore *core, uint16_t page, uint32_t cqn,
                     uint32_t flags, uint32_t ci);

#endif /* RDO_NOTIFY_H */
