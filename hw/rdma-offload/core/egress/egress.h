/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: frames out. Every frame the transport or the Ethernet
 * function sends goes through fault injection (fault.c), then the timing
 * model's transmit pipeline and link when it is on, then leaves through the
 * port (output.c): to the host's send_frame, or back in through the
 * internal loopback when it is addressed to the port's own MAC.
 */
#ifndef RDO_EGRESS_H
#define RDO_EGRESS_H

#include "base/base.h"
#include "wire/wire.h"

/* Fault injection (fault.c): every frame the device sends goes here. */
void rdo_fault_init(RdoCore *core);
void rdo_fault_free(RdoCore *core);
void rdo_fault_send(RdoCore *core, const void *frame, size_t len);
/* Releases frames held for reordering or delay whose time has come. */
void rdo_fault_run(RdoCore *core);

/* The port (output.c): a frame leaves, or is queued for the loopback. */
void rdo_loopback_init(RdoCore *core);
void rdo_loopback_free(RdoCore *core);
void rdo_port_output(RdoCore *core, const void *frame, size_t len);
/* Timing model: frames and interrupts whose time has come leave. */
void rdo_egress_release(RdoCore *core);

#endif /* RDO_EGRESS_H */
