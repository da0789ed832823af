/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: buffered receive (D10). With the device property
 * bufrecv-bytes > 0, a SEND that reaches an RC QP (with its own RQ) that
 * has no receive WQE posted is held in a bounded device buffer instead of
 * being refused with an RNR NAK, and placed when the driver posts a
 * receive: the requester sees its SEND acknowledged, the receiver its
 * completion late. Held SENDs of a QP stay in order: while any is held,
 * later SENDs are held behind it, and a WRITE with immediate (which takes
 * a receive too) waits with an RNR NAK. When the buffer is full the SEND
 * gets the RNR NAK it got before.
 *
 * A held message's packets are not acknowledged before its last one, so
 * one that outgrows the buffer (or RDO_HELD_MAX_PACKETS) mid-way can be
 * given back: its bytes dropped, the expected PSN moved back to its first
 * packet, an RNR NAK for that PSN: the requester sends it again later.
 */
#include <string.h>
#include "xport/transport.h"

/* Held packets of one message before its last: below the requester's
 * window (RDO_TX_WINDOW), as no ACK covers them until then. */
#define RDO_HELD_MAX_PACKETS    (RDO_TX_WINDOW / 2)

/* The newest held message, unlinked (it was given back). */
static void held_drop_tail(RdoCore *core, RdoXport *x)
{
    RdoHeld **link = &x->held.head, *h;

    while ((*link)->next) {
        link = &(*link)->next;
    }
    h = *link;
    *link = NULL;
    x->held.tail = NULL;
    for (RdoHeld *o = x->held.head; o; o = o->next) {
        x->held.tail = o;
    }
    rdo_held_free(core, h);
}

static bool fits(RdoCore *core, uint32_t len)
{
    return core->st->bufrecv_used + len <= core->cfg.bufrecv_bytes;
}

bool rdo_bufrecv_packet(RdoCore *core, uint32_t qpn, RdoQpCtx *qp, RdoXport *x,
                        const RdoWireParsed *p, bool first)
{
    const RdoWirePacket *pkt = &p->pkt;
    uint8_t pos = p->op->pos;
    bool last = pos == RDO_POS_LAST || pos == RDO_POS_ONLY;
    RdoHeld *h;

    if (first) {
        if (!core->cfg.bufrecv_bytes || qp->type != RDO_QPT_RC ||
            qp->srqn != RDO_NONE) {
            return false;
        }
        if (!fits(core, pkt->payload_len)) {
            core->cnt.bufrecv_full++;
            return false;
        }
        h = g_new0(RdoHeld, 1);
        h->data = g_byte_array_new();
        h->first_psn = pkt->psn;
        if (x->held.tail) {
            x->held.tail->next = h;
        } else {
            x->held.head = h;
        }
        x->held.tail = h;
        x->held.open = true;
    } else {
        h = x->held.tail;
        if (!fits(core, pkt->payload_len) ||
            h->packets + 1 >= RDO_HELD_MAX_PACKETS) {
            uint32_t psn = h->first_psn;

            core->cnt.bufrecv_full++;
            held_drop_tail(core, x);
            x->held.open = false;
            x->resp.op = RESP_IDLE;
            x->resp.epsn = psn;
            rdo_resp_nak(core, qpn, qp, psn, rdo_rnr_syndrome(qp), false);
            return true;
        }
    }
    g_byte_array_append(h->data, pkt->payload, pkt->payload_len);
    core->st->bufrecv_used += pkt->payload_len;
    h->packets++;
    x->resp.epsn = rdo_psn_add(pkt->psn, 1);
    x->resp.op = last ? RESP_IDLE : RESP_SEND;
    /* The held bytes are the buffer's, not the engine's: a failover must
     * not go back before them and hold them twice (a commit point). */
    rdo_xport_commit(core, qpn);
    if (!last) {
        return true;
    }
    h->flags |= RDO_HELD_DONE | (pkt->se ? RDO_HELD_SE : 0);
    if (p->op->ext & RDO_EXT_IMM) {
        h->flags |= RDO_HELD_IMM;
        h->imm = pkt->imm;
    }
    if (p->op->ext & RDO_EXT_IETH) {
        h->flags |= RDO_HELD_INV;
        h->inv_rkey = pkt->ieth_rkey;
    }
    x->held.open = false;
    core->cnt.bufrecv_held++;   /* counted whole: held = placed + dropped + in the buffer */
    x->resp.msn++;
    rdo_resp_ack_later(core, qpn, x, pkt->psn);
    rdo_bufrecv_drain(core, qpn);
    return true;
}

/*
 * One held message into the receive WQE just taken: its CQE, or the
 * receive's error (the QP then fails, as when the payload arrived).
 */
static bool place(RdoCore *core, uint32_t qpn, RdoQpCtx *qp, RdoXport *x,
                  RdoHeld *h)
{
    RdoRecvWqe *w = rdo_recv_wqe(core, qp, x);
    enum rdo_qp_err why = RDO_QP_ERR_ACCESS;
    struct rdo_cqe cqe;
    int r;

    memset(&cqe, 0, sizeof(cqe));
    cqe.opcode = RDO_CQE_RECV;
    cqe.byte_len = h->data->len;
    if (!w) {
        cqe.status = RDO_WC_LOC_QP_OP_ERR;
        cqe.vendor_err = RDO_VENDOR_ERR_DMA;
        why = RDO_QP_ERR_DMA;
    } else if (h->data->len > w->len) {
        cqe.status = RDO_WC_LOC_LEN_ERR;
        cqe.vendor_err = RDO_VENDOR_ERR_LENGTH;
        why = RDO_QP_ERR_WQE;
    } else if ((r = rdo_sge_copy(core, qp->pdn, w->sge, w->h.num_sge, 0,
                                 h->data->data, h->data->len, true)) !=
               RDO_MRC_OK) {
        cqe.status = RDO_WC_LOC_PROT_ERR;
        cqe.vendor_err = r == RDO_MRC_DMA ? RDO_VENDOR_ERR_DMA
                                          : RDO_VENDOR_ERR_BAD_KEY;
    } else if ((h->flags & RDO_HELD_INV) &&
               rdo_key_invalidate(core, h->inv_rkey, qp->pdn, qpn) !=
               RDO_INV_OK) {
        cqe.status = RDO_WC_LOC_PROT_ERR;
        cqe.vendor_err = RDO_VENDOR_ERR_BAD_KEY;
    }
    if (cqe.status == RDO_WC_SUCCESS) {
        if (h->flags & RDO_HELD_IMM) {
            cqe.flags |= RDO_CQE_F_IMM;
            cqe.imm_or_rkey = h->imm;
        }
        if (h->flags & RDO_HELD_INV) {
            cqe.flags |= RDO_CQE_F_INV;
            if (h->flags & RDO_HELD_IMM) {
                cqe.inv_rkey = h->inv_rkey;
            } else {
                cqe.imm_or_rkey = h->inv_rkey;
            }
        }
        core->cnt.rx_placements++;
        core->cnt.bufrecv_placed++;
    }
    rdo_recv_complete(core, qpn, qp, x, &cqe, h->flags & RDO_HELD_SE);
    if (cqe.status != RDO_WC_SUCCESS) {
        rdo_qp_to_error(core, qpn, qp, why);
        return false;
    }
    return true;
}

void rdo_bufrecv_drain(RdoCore *core, uint32_t qpn)
{
    RdoXport *x = &core->st->xport[qpn];
    RdoQpCtx *qp;
    RdoHeld *h;

    if (!x->held.head) {
        return;
    }
    qp = rdo_qp_get(core, qpn);
    if (!qp || (qp->state != RDO_QPS_RTR && qp->state != RDO_QPS_RTS &&
                qp->state != RDO_QPS_SQD)) {
        return;
    }
    while ((h = x->held.head) && (h->flags & RDO_HELD_DONE)) {
        bool ok;

        if (rdo_recv_next_pending(core, qp) || !rdo_recv_begin(core, qp, x)) {
            return;
        }
        x->held.head = h->next;
        if (!h->next) {
            x->held.tail = NULL;
        }
        ok = place(core, qpn, qp, x, h);
        rdo_held_free(core, h);
        if (!ok) {
            return;     /* the QP failed: the rest went with its flush */
        }
    }
}
