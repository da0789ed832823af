/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: frames in: the receive FIFO (receive.c), the front
 * end's parse and checks and the hand-over to the transport or the Ethernet
 * function (rx.c), the internal loopback's turn-around (loopback.c).
 */
#ifndef RDO_INGRESS_H
#define RDO_INGRESS_H

#include "cm/cm.h"
#include "eth/eth.h"

/* One frame, checked and handed to its QP or the Ethernet function. */
void rdo_rx_frame(RdoCore *core, const void *frame, size_t len);
/* A packet to a multicast group (mcast.c): delivered to the UD QPs
 * attached; false if no group of ours takes it. */
bool rdo_rx_mcast(RdoCore *core, const RdoWireParsed *p, const void *frame);
/* Timing model: frames in the receive FIFO whose turn has come. */
void rdo_ingress_run(RdoCore *core);
/* Timing model: frames in the receive FIFO? (What rdo_ingress_run serves.) */
static inline bool rdo_ingress_pending(const RdoCore *core)
{
    return core->st->tm && core->st->tm->rx_fifo.head;
}
/* Receive look-ahead: prefetch the contexts of frames waiting. */
void rdo_ingress_prefetch(RdoCore *core);
/* Frames the port turned around come in. */
void rdo_loopback_run(RdoCore *core);
/* Frames turned around, to come in? (What rdo_loopback_run serves.) */
static inline bool rdo_loopback_pending(const RdoCore *core)
{
    return core->st->loopback->frames.head || core->st->loopback->raw.head;
}
/* A frame into this function's receive path (receive.c), past the switch. */
void rdo_ingress_frame(RdoCore *core, unsigned port, const void *frame,
                       size_t len);

#endif /* RDO_INGRESS_H */
