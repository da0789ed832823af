/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: reading and checking send WQEs from their ring (or the
 * pushed copy), again for a record being retransmitted.
 */
#include <string.h>
#include "xport/transport.h"

/*
 * Timing: a retransmission reads the WQE from the ring again, as the
 * doorbell unit did the first time (base/work.c): a read of the WQE flow that
 * the transmit engine waits for, then its parsing. The ring's page-list
 * translation stays untimed (held on chip).
 */
static void tm_wqe_reread(RdoCore *core, const RdoRing *ring, uint32_t index,
                          uint32_t stride)
{
    RdoFlow flow = rdo_tm_set_flow(core, RDO_FLOW_UNTIMED);
    uint64_t addr;

    if (rdo_ring_entry_addr(core, ring, index, &addr)) {
        rdo_tm_set_flow(core, RDO_FLOW_WQE);
        rdo_tm_dma(core, addr, stride, false);
    }
    rdo_tm_set_flow(core, flow);
    rdo_tm_cycles(core, core->st->tm->cfg.cyc.wqe_parse);
}

/*
 * The host's copy of a WQE. The model reads the whole slot (counted here,
 * timed by the doorbell unit, base/work.c); the host copies only the bytes
 * the header says the WQE uses: the first RDO_WQE_HOST_FIRST at once, the
 * rest once the header is parsed (wqe_host_more). The slot's other bytes
 * are what the driver left there, parsed by nothing; with many QPs they
 * were cold cache lines of the host (docs/timing-model.md, qpscale3).
 * A slot lies inside one page (the stride divides it, ring.c), so the
 * part not copied is as reachable as the part copied.
 */
#define RDO_WQE_HOST_FIRST  128     /* header and 4 SGEs, or UD and 2 */

static bool wqe_host_read(RdoCore *core, const RdoRing *ring, uint32_t index,
                          uint32_t stride, uint8_t *raw, uint64_t *addr,
                          uint32_t *have)
{
    if (!rdo_ring_entry_addr(core, ring, index, addr)) {
        return false;
    }
    rdo_host_dma_count(core, *addr, stride);
    *have = MIN(stride, RDO_WQE_HOST_FIRST);
    return !rdo_host_dma_uncounted(core, *addr, raw, *have, false);
}

/* Bytes [have, need) of the slot at addr, if not copied yet. */
static bool wqe_host_more(RdoCore *core, uint64_t addr, uint8_t *raw,
                          uint32_t *have, uint32_t need)
{
    if (need <= *have) {
        return true;
    }
    if (rdo_host_dma_uncounted(core, addr + *have, raw + *have,
                               need - *have, false)) {
        return false;
    }
    *have = need;
    return true;
}

bool rdo_wqe_fetch(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp,
                   uint32_t index, bool reread, RdoWqe *w, uint32_t *vendor_err)
{
    RdoRing ring = { qp->sq_addr, qp->sq_log_size, qp->sq_wqe_shift,
                     qp->sq_ring_flags };
    uint32_t stride = 1u << qp->sq_wqe_shift;
    uint32_t off = sizeof(struct rdo_send_wqe), have = stride;
    uint64_t addr = 0;

    /* Timing: the doorbell unit fetched it already (sched.c). */
    RdoFlow flow = rdo_tm_set_flow(core, RDO_FLOW_UNTIMED);
    bool got = rdo_push_take(core, qpn, index, w->raw, stride) ||
               wqe_host_read(core, &ring, index, stride, w->raw, &addr, &have);

    rdo_tm_set_flow(core, flow);
    if (reread && core->st->tm) {
        tm_wqe_reread(core, &ring, index, stride);
    }
    *vendor_err = RDO_VENDOR_ERR_BAD_WQE;
    if (!got) {
        *vendor_err = RDO_VENDOR_ERR_DMA;
        return false;
    }
    memcpy(&w->h, w->raw, sizeof(w->h));
    /* Which work requests each QP type accepts: the table in rdo-cmd.h. */
    if (!rdo_qp_wr_allowed(qp->type, w->h.opcode)) {
        return false;
    }
    if (qp->type == RDO_QPT_UD) {
        if (off + sizeof(w->ud) > stride) {
            return false;
        }
        off += sizeof(w->ud);
    }
    w->sge = NULL;
    w->inline_data = NULL;
    if (w->h.opcode == RDO_WR_REG_MR || w->h.opcode == RDO_WR_BIND_MW) {
        /* Own layouts (rdo_reg_mr_wqe, rdo_bind_mw_wqe): no data. */
        w->msg_len = 0;
        return !w->h.num_sge && !(w->h.flags & RDO_WQE_F_INLINE);
    }
    if (w->h.flags & RDO_WQE_F_INLINE) {
        if (w->h.inline_len > qp->max_inline || w->h.inline_len > stride - off ||
            rdo_wr_read_like(w->h.opcode) || w->h.opcode == RDO_WR_LOCAL_INV) {
            return false;
        }
        w->inline_data = w->raw + off;
        w->msg_len = w->h.inline_len;
    } else {
        if (w->h.num_sge * sizeof(struct rdo_sge) > stride - off) {
            return false;
        }
        w->sge = (const struct rdo_sge *)(w->raw + off);
    }
    if (!wqe_host_more(core, addr, w->raw, &have,
                       off + (w->inline_data ? w->h.inline_len
                                             : w->h.num_sge *
                                               sizeof(struct rdo_sge)))) {
        *vendor_err = RDO_VENDOR_ERR_DMA;
        return false;
    }
    if (qp->type == RDO_QPT_UD) {
        memcpy(&w->ud, w->raw + sizeof(w->h), sizeof(w->ud));
    }
    if (w->sge) {
        w->msg_len = 0;
        for (unsigned i = 0; i < w->h.num_sge; i++) {
            w->msg_len += w->sge[i].length;
        }
    }
    if (w->msg_len > RDO_WIRE_MSG_MAX) {
        *vendor_err = RDO_VENDOR_ERR_LENGTH;
        return false;
    }
    if ((w->h.opcode == RDO_WR_ATOMIC_CMP_SWP ||
         w->h.opcode == RDO_WR_ATOMIC_FETCH_ADD) &&
        (w->msg_len != 8 || (w->h.remote_addr & 7))) {
        return false;
    }
    if (qp->type == RDO_QPT_UD && w->msg_len > rdo_qp_mtu(qp)) {
        *vendor_err = RDO_VENDOR_ERR_LENGTH;
        return false;
    }
    return true;
}

bool rdo_rec_fetch(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp,
                   const RdoSendRec *rec, bool reread, RdoWqe *w,
                   uint32_t *vendor_err)
{
    const RdoQpCtx *ring_qp = rec->ring_qpn == qpn ? qp
                              : rdo_qp_get(core, rec->ring_qpn);

    if (!ring_qp) {
        *vendor_err = RDO_VENDOR_ERR_DMA;
        return false;
    }
    return rdo_wqe_fetch(core, rec->ring_qpn, ring_qp, rec->wqe_index, reread,
                         w, vendor_err);
}
