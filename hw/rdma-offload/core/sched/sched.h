/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the send scheduler (sched.c). It takes QPs off the
 * queue of send work (base/work.c) and has the requester visit them.
 */
#ifndef RDO_SCHED_H
#define RDO_SCHED_H

#include "xport/transport.h"

/* Visits QPs with send work: in doorbell order (functional mode) or with
 * the timing model's look-ahead. */
void rdo_sq_run(RdoCore *core);

#endif /* RDO_SCHED_H */
