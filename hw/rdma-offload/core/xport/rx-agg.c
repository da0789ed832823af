/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: receive aggregation (LRO-style). The in-order packets
 * of one message (an RDMA WRITE or SEND at the responder, the responses to
 * an RDMA READ at the requester) that land back to back are gathered on
 * the device and placed by one DMA: at the end of the message, when the
 * next packet is not contiguous, when the buffer is full, and at the end of
 * each processing round (before any ACK leaves). CNT_RX_PLACEMENTS counts
 * the DMAs, so packets / placements is the aggregation achieved.
 *
 * A WRITE's payload goes to guest memory straight from the frame as it
 * arrives when its MR's context is cached as the run starts (found with no
 * lookup the model counts; the run keeps the MR's page fields): nothing
 * is gathered, and the placement at the end is the model's lookup and the
 * DMA's bus time, failing where a write on arrival failed. The writes on
 * arrival read the page list a line at a time into the host's copy
 * (RdoMrListLine, uncounted); the placement is the model's read of it,
 * timed and counted a line at a time, and takes the pages from the host's
 * copy where it can. Its bytes land a little sooner, within the same
 * round, as a real adapter's DMA would; nothing the model decides or
 * times changes. The placements of one WRITE look its MR up once: the
 * responder keeps the translation and the page-list line it read last
 * (RdoXport.agg_mr) while the MR cache is unchanged (RdoMrHeld).
 *
 * A QP holds a buffer only while it has payload gathered: buffers come
 * from a free list shared by all QPs and go back when placed, so memory
 * follows the QPs receiving in one round, not all the QPs there are.
 */
#include <string.h>
#include "xport/transport.h"

/* Buffers kept on the free list; more are freed when they come back. */
#define AGG_FREE_KEEP   64

static void buf_put(RdoState *st, RdoXport *x)
{
    if (!x->agg.buf) {
        return;
    }
    if (st->agg_free->len < AGG_FREE_KEEP) {
        g_ptr_array_add(st->agg_free, x->agg.buf);
    } else {
        g_free(x->agg.buf);
    }
    x->agg.buf = NULL;
}

static uint8_t *buf_get(RdoState *st)
{
    return st->agg_free->len ?
           g_ptr_array_steal_index_fast(st->agg_free, st->agg_free->len - 1) :
           g_malloc(RDO_AGG_MAX);
}

/* The host's copy of a page-list line for QP qpn's writes on arrival. */
static RdoMrListLine *agg_line(RdoCore *core, uint32_t qpn)
{
    return &core->st->agg_lines[qpn & (RDO_AGG_LINES - 1)];
}

static bool place(RdoCore *core, uint32_t qpn, RdoXport *x, uint32_t len)
{
    switch (x->agg.kind) {
    case RDO_AGG_SEND:
        return rdo_resp_place_recv(core, qpn, x->agg.va, x->agg.buf, len);
    case RDO_AGG_READ:
        return rdo_req_place_read(core, qpn, x->agg.key, x->agg.va,
                                  x->agg.buf, len);
    default:
        return rdo_mr_copy(core, x->agg.key, x->agg.va, x->agg.buf, len,
                           true) == RDO_MRC_OK;
    }
}

RDO_HOT
bool rdo_agg_flush(RdoCore *core, uint32_t qpn)
{
    RdoXport *x = &core->st->xport[qpn];
    uint32_t len = x->agg.len;
    bool ahead = x->agg.ahead;
    bool ok;

    if (!len) {
        buf_put(core->st, x);   /* e.g. a SEND's payload dropped */
        return true;
    }
    x->agg.len = 0;
    x->agg.ahead = false;
    core->cnt.rx_placements++;
    rdo_tm_app_flow(core, qpn);     /* placed at the end of a round */
    if (ahead) {
        ok = rdo_mr_copy_ahead(core, x->agg.key, x->agg.va, len,
                               x->agg.ahead_fail, agg_line(core, qpn),
                               &x->agg_mr) == RDO_MRC_OK;
    } else {
        ok = place(core, qpn, x, len);
    }
    /* The placement may have reset the QP, which frees its buffer. */
    buf_put(core->st, x);
    return ok;
}

/*
 * Places what is gathered; a WRITE that fails here fails as at its last
 * packet: the NAK names the packet that brought the last byte placed (the
 * WRITE in progress), so that the requester completes it with
 * REM_ACCESS_ERR instead of retrying into a QP that is gone. Where a
 * message's packets fall into rounds (the timing model's pipeline, how
 * frames arrive) must not change the outcome. SENDs and READs report their
 * own failures.
 */
static void flush_or_fail(RdoCore *core, uint32_t qpn)
{
    RdoXport *x = &core->st->xport[qpn];
    uint8_t kind = x->agg.kind;

    if (!rdo_agg_flush(core, qpn) && kind == RDO_AGG_WRITE) {
        rdo_resp_write_failed(core, qpn, rdo_qp_get(core, qpn),
                              rdo_psn_add(x->resp.epsn, RDO_PSN_MASK));
    }
}

/*
 * A WRITE's payload to guest memory on arrival (see the top): true if it
 * was taken care of. After a failed write nothing more of the run is
 * written, as the placement would have stopped at the failure.
 */
static bool write_ahead(RdoCore *core, uint32_t qpn, RdoXport *x,
                        const void *data, uint32_t len)
{
    RdoAggPart *g = &x->agg;
    RdoMrCtx mr = { 0 };

    if (!g->len) {
        const RdoMrCtx *m = NULL;

        /* The WRITE's held MR, as rdo_mr_cached would find it: the lookup
         * that took it passed the same checks, and the cache has not
         * changed since. */
        if (g->kind == RDO_AGG_WRITE) {
            m = rdo_mr_held(core, &x->agg_mr, g->key);
            m = m ? m : rdo_mr_cached(core, g->key);
        }

        g->ahead = m != NULL;
        if (m) {
            g->ahead_shift = m->page_shift;
            g->ahead_pages = m->num_pages;
            g->ahead_list = m->page_list;
            g->ahead_iova = m->iova;
            g->ahead_fail = UINT64_MAX;
        }
    }
    if (!g->ahead) {
        return false;
    }
    if (g->ahead_fail == UINT64_MAX) {
        mr.page_shift = g->ahead_shift;
        mr.num_pages = g->ahead_pages;
        mr.page_list = g->ahead_list;
        mr.iova = g->ahead_iova;
        rdo_mr_write_ahead(core, &mr, g->va + g->len, data, len,
                           &g->ahead_fail, agg_line(core, qpn));
    }
    return true;
}

/* One packet's payload always fits. */
G_STATIC_ASSERT(RDO_FRAME_MAX < RDO_AGG_MAX);

RDO_HOT
bool rdo_agg_add(RdoCore *core, uint32_t qpn, enum rdo_agg_kind kind,
                 uint32_t key, uint64_t va, const void *data, uint32_t len)
{
    RdoXport *x = &core->st->xport[qpn];

    if (x->agg.len) {
        if (x->agg.kind != kind || x->agg.key != key) {
            flush_or_fail(core, qpn);       /* another message's */
        } else if (x->agg.va + x->agg.len != va ||
                   x->agg.len + len > RDO_AGG_MAX) {
            if (!rdo_agg_flush(core, qpn)) {
                return false;
            }
        }
    }
    if (!x->agg.len) {
        x->agg.kind = kind;
        x->agg.key = key;
        x->agg.va = va;
    }
    if (!write_ahead(core, qpn, x, data, len)) {
        if (!x->agg.buf) {
            x->agg.buf = buf_get(core->st);
        }
        memcpy(x->agg.buf + x->agg.len, data, len);
    }
    x->agg.len += len;
    rdo_xport_queue(core, &core->st->agg_list, &x->agg.queued, qpn);
    return true;
}

RDO_HOT
void rdo_agg_run(RdoCore *core)
{
    RdoIdxQueue *list = &core->st->agg_list;

    uint32_t qpn;

    while (rdo_idxq_pop(list, &qpn)) {
        core->st->xport[qpn].agg.queued = false;
        flush_or_fail(core, qpn);
    }
}

void rdo_agg_drop_held_all(RdoCore *core)
{
    uint32_t n = core->st->xport ? rdo_qp_slots(core) : 0;

    for (uint32_t i = 0; i < n; i++) {
        core->st->xport[i].agg_mr.mr = NULL;
    }
    /* The copies too: a new MR cache counts gen from the start again. */
    if (core->st->agg_lines) {
        memset(core->st->agg_lines, 0, RDO_AGG_LINES * sizeof(RdoMrListLine));
    }
}
