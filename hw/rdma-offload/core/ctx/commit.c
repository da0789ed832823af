/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: hard-state write-backs for protocol-engine failover
 * (failover=1, docs/architecture.md "Engine failover"). At each commit
 * point (a change of a QP's transport state that leaves the engine: an
 * ACK, NAK or response sent, a receive completed, a responder resource
 * taken, the oldest unacknowledged PSN moved, every failover-wb-batch
 * request PSNs) the engine writes the QP's hard state (xport/hard.c) into
 * the transport section of its QP context in the store, and a failover
 * reads it back from there. The write is posted on the context flow of
 * the bus: PCIe bytes and bandwidth, and the few cycles
 * (failover-wb-cycles) the engine takes to hand it over.
 */
#include <string.h>
#include "ctx/ctx.h"

#define XPORT_OFF   offsetof(RdoQpCtx, transport)

/* Where byte `off` of QP qpn's entry in the store is in host memory. */
static bool entry_addr(RdoCore *core, uint32_t qpn, uint32_t off, uint64_t *addr)
{
    if (!rdo_ctx_addr(core, &core->st->qpc, qpn, addr)) {
        return false;
    }
    *addr += off;
    return true;
}

static void count(RdoCore *core, uint32_t bytes)
{
    core->cnt.fo_writebacks++;
    core->cnt.fo_wb_bytes += bytes;
    if (core->st->tm && core->cfg.failover_wb_cycles) {
        rdo_tm_cycles(core, core->cfg.failover_wb_cycles);
        core->cnt.fo_wb_cycles += core->cfg.failover_wb_cycles;
    }
}

/* A write (a store that cannot be written is found at recovery, where the
 * QP fails, or at the line's use) or a read of the QP's entry. */
static bool store_dma(RdoCore *core, uint32_t qpn, uint32_t off, void *data,
                      uint32_t len, bool write)
{
    uint64_t addr;
    RdoFlow flow;
    int r;

    if (!entry_addr(core, qpn, off, &addr)) {
        return false;
    }
    flow = rdo_tm_set_flow(core, RDO_FLOW_CTX);
    r = write ? rdo_dma_write(core, addr, data, len)
              : rdo_dma_read(core, addr, data, len);
    rdo_tm_set_flow(core, flow);
    return r == 0;
}

void rdo_fo_store_write(RdoCore *core, uint32_t qpn, const void *img,
                        uint32_t len)
{
    RdoCtxCache *c = &core->st->qpc;
    RdoQpCtx *cached = rdo_ctx_cached_data(c, qpn);

    count(core, len);
    /* A cached copy of the context gets it too: a later write-back of the
     * line must not put an older section back into the store. */
    if (cached) {
        memcpy(cached->transport, img, len);
    }
    if (c->side.valid && c->side.index == qpn) {
        memcpy(((RdoQpCtx *)c->side.data)->transport, img, len);
    }
    store_dma(core, qpn, XPORT_OFF, (void *)img, len, true);
}

void rdo_fo_store_put(RdoCore *core, uint32_t qpn, uint32_t off,
                      const void *data, uint32_t len)
{
    count(core, len);
    store_dma(core, qpn, off, (void *)data, len, true);
}

bool rdo_fo_store_get(RdoCore *core, uint32_t qpn, uint32_t off, void *data,
                      uint32_t len)
{
    return store_dma(core, qpn, off, data, len, false);
}

bool rdo_fo_store_read(RdoCore *core, uint32_t qpn, void *img, uint32_t len)
{
    return store_dma(core, qpn, XPORT_OFF, img, len, false);
}
