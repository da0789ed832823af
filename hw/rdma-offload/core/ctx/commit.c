/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: hard-state write-backs for protocol-engine failover
 * (failover=1, docs/architecture.md "Engine failover"). At each commit
 * point (a change of a QP's transport state that leaves the engine: an
 * ACK, NAK or response sent, a responder resource taken, the oldest
 * unacknowledged PSN moved, every failover-wb-batch request PSNs) the
 * engine writes the QP's state to host memory: the transport section of
 * its context (RDO_FO_XPORT_BYTES) or one responder resource
 * (RDO_FO_RES_BYTES). The write is posted on the context flow of the bus,
 * so it costs PCIe bytes and bandwidth, not the engine's time.
 */
#include "ctx/ctx.h"

void rdo_fo_commit(RdoCore *core, uint32_t qpn, uint32_t bytes)
{
    RdoFlow flow;

    if (!core->cfg.failover) {
        return;
    }
    core->cnt.fo_writebacks++;
    core->cnt.fo_wb_bytes += bytes;
    if (!core->st->tm) {
        return;
    }
    /* Where the QP's line sits in the store (its alignment is what the bus
     * model looks at): the transport section is its second half. */
    flow = rdo_tm_set_flow(core, RDO_FLOW_CTX);
    rdo_tm_dma(core, (uint64_t)qpn * RDO_QPC_SIZE + RDO_QPC_SIZE - RDO_FO_XPORT_BYTES,
               bytes, true);
    rdo_tm_set_flow(core, flow);
}
