/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: receive aggregation (LRO-style). The in-order packets
 * of one message (an RDMA WRITE or SEND at the responder, the responses to
 * an RDMA READ at the requester) that land back to back are gathered on
 * the device and placed by one DMA: at the end of the message, when the
 * next packet is not contiguous, when the buffer is full, and at the end of
 * each processing round (before any ACK leaves). CNT_RX_PLACEMENTS counts
 * the DMAs, so packets / placements is the aggregation achieved.
 */
#include <string.h>
#include "xport/transport.h"

bool rdo_agg_flush(RdoCore *core, uint32_t qpn)
{
    RdoXport *x = &core->st->xport[qpn];
    uint32_t len = x->agg_len;

    if (!len) {
        return true;
    }
    x->agg_len = 0;
    core->cnt.rx_placements++;
    switch (x->agg_kind) {
    case RDO_AGG_SEND:
        return rdo_resp_place_recv(core, qpn, x->agg_va, x->agg_buf, len);
    case RDO_AGG_READ:
        return rdo_req_place_read(core, qpn, x->agg_key, x->agg_va,
                                  x->agg_buf, len);
    default:
        return rdo_mr_copy(core, x->agg_key, x->agg_va, x->agg_buf, len,
                           true) == RDO_MRC_OK;
    }
}

/*
 * Places what is gathered; a WRITE that fails here is reported as the
 * responder's fault (the region's pages went away under an accepted
 * WRITE). SENDs and READs report their own failures.
 */
static void flush_or_fail(RdoCore *core, uint32_t qpn)
{
    RdoXport *x = &core->st->xport[qpn];
    uint8_t kind = x->agg_kind;

    if (!rdo_agg_flush(core, qpn) && kind == RDO_AGG_WRITE) {
        RdoQpCtx *qp = rdo_qp_get(core, qpn);

        rdo_core_guest_error(core, RDO_ERR_NONE, qpn,
                             "QP %u: WRITE placement failed", qpn);
        if (qp) {
            rdo_qp_to_error(core, qpn, qp, RDO_QP_ERR_DMA);
        }
    }
}

/* One packet's payload always fits. */
G_STATIC_ASSERT(RDO_FRAME_MAX < RDO_AGG_MAX);

bool rdo_agg_add(RdoCore *core, uint32_t qpn, enum rdo_agg_kind kind,
                 uint32_t key, uint64_t va, const void *data, uint32_t len)
{
    RdoXport *x = &core->st->xport[qpn];

    if (x->agg_len) {
        if (x->agg_kind != kind || x->agg_key != key) {
            flush_or_fail(core, qpn);       /* another message's */
        } else if (x->agg_va + x->agg_len != va ||
                   x->agg_len + len > RDO_AGG_MAX) {
            if (!rdo_agg_flush(core, qpn)) {
                return false;
            }
        }
    }
    if (!x->agg_buf) {
        x->agg_buf = g_malloc(RDO_AGG_MAX);
    }
    if (!x->agg_len) {
        x->agg_kind = kind;
        x->agg_key = key;
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

    while (!g_queue_is_empty(list)) {
        uint32_t qpn = GPOINTER_TO_UINT(g_queue_pop_head(list));

        core->st->xport[qpn].agg_queued = false;
        flush_or_fail(core, qpn);
    }
}
