/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: receive aggregation (LRO-style). The in-order packets
 * of one RDMA WRITE that land back to back are gathered on the device and
 * placed by one DMA: at the end of the message, when the next packet is
 * not contiguous, when the buffer is full, and at the end of each
 * processing round (before any ACK leaves). CNT_RX_PLACEMENTS counts the
 * DMAs, so packets / placements is the aggregation achieved.
 */
#include <string.h>
#include "rdo-internal.h"
#include "transport.h"

bool rdo_agg_flush(RdoCore *core, uint32_t qpn)
{
    RdoXport *x = &core->st->xport[qpn];
    uint32_t len = x->agg_len;

    if (!len) {
        return true;
    }
    x->agg_len = 0;
    core->cnt.rx_placements++;
    return rdo_mr_copy(core, x->agg_key, x->agg_va, x->agg_buf, len,
                       true) == RDO_MRC_OK;
}

bool rdo_agg_write(RdoCore *core, uint32_t qpn, uint32_t rkey, uint64_t va,
                   const void *data, uint32_t len)
{
    RdoXport *x = &core->st->xport[qpn];

    if (x->agg_len && (x->agg_key != rkey || x->agg_va + x->agg_len != va ||
                       x->agg_len + len > RDO_AGG_MAX)) {
        if (!rdo_agg_flush(core, qpn)) {
            return false;
        }
    }
    if (len > RDO_AGG_MAX) {
        core->cnt.rx_placements++;
        return rdo_mr_copy(core, rkey, va, (void *)data, len, true) == RDO_MRC_OK;
    }
    if (!x->agg_buf) {
        x->agg_buf = g_malloc(RDO_AGG_MAX);
    }
    if (!x->agg_len) {
        x->agg_key = rkey;
        x->agg_va = va;
    }
    memcpy(x->agg_buf + x->agg_len, data, len);
    x->agg_len += len;
    rdo_xport_queue(core, &core->st->agg_list, &x->agg_queued, qpn);
    return true;
}

void rdo_agg_run(RdoCore *core)
{
    GQueue *list = &core->st->agg_list;
    uint32_t qpn;

    while (!g_queue_is_empty(list)) {
        RdoXport *x;

        qpn = GPOINTER_TO_UINT(g_queue_pop_head(list));
        x = &core->st->xport[qpn];
        x->agg_queued = false;
        if (!rdo_agg_flush(core, qpn)) {
            RdoQpCtx *qp = rdo_qp_get(core, qpn);

            /* The region's pages went away under an accepted WRITE. */
            rdo_core_guest_error(core, RDO_ERR_NONE, qpn,
                                 "QP %u: WRITE placement failed", qpn);
            if (qp) {
                rdo_qp_to_error(core, qpn, qp, RDO_QP_ERR_DMA);
            }
        }
    }
}
