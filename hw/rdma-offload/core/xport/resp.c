/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the responder. Requests arrive in PSN order or are
 * answered as duplicates or with a sequence NAK; SENDs land in receive
 * WQEs (the QP's RQ or its SRQ), WRITEs through the rkey's MR, both zero
 * copy. Errors follow the IB responder classes: RNR NAK when no receive
 * WQE is posted (retryable), invalid request / remote access / remote
 * operation NAKs that also move the QP to the error state.
 */
#include <string.h>
#include "xport/transport.h"

static void resp_send(RdoCore *core, uint32_t qpn, RdoQpCtx *qp, RdoXport *x,
                      const RdoWireParsed *p)
{
    const RdoWirePacket *pkt = &p->pkt;
    uint8_t pos = p->op->pos;
    bool last = pos == RDO_POS_LAST || pos == RDO_POS_ONLY;
    RdoRecvWqe *w;

    if (pos == RDO_POS_FIRST || pos == RDO_POS_ONLY) {
        /* Behind held SENDs (bufrecv.c) a SEND is held too: in order. */
        bool held = x->held.head != NULL;
        bool pending;

        /* An SRQ in partial buffer operation (partial.c). */
        if (rdo_partial_send(core, qpn, qp, x, p)) {
            return;
        }
        if (pos == RDO_POS_FIRST) {
            rdo_partial_retire(core, qpn, qp, x);
        }
        pending = rdo_recv_next_pending(core, qp);

        if (held || pending || !rdo_recv_begin(core, qp, x)) {
            if ((held || !pending) &&
                rdo_bufrecv_packet(core, qpn, qp, x, p, true)) {
                return;
            }
            rdo_resp_nak(core, qpn, qp, pkt->psn, rdo_rnr_syndrome(qp), false);
            return;
        }
    } else if (x->held.open) {
        rdo_bufrecv_packet(core, qpn, qp, x, p, false);
        return;
    }
    w = rdo_recv_wqe(core, qp, x);
    if (!w) {
        rdo_recv_fail(core, qpn, qp, x, RDO_WC_LOC_QP_OP_ERR, RDO_VENDOR_ERR_DMA,
                      pkt->psn, RDO_AETH_NAK_REM_OP, RDO_QP_ERR_DMA);
        return;
    }
    if (x->resp.recv_offset + (uint64_t)pkt->payload_len > w->len) {
        rdo_recv_fail(core, qpn, qp, x, RDO_WC_LOC_LEN_ERR, RDO_VENDOR_ERR_LENGTH,
                      pkt->psn, RDO_AETH_NAK_INV_REQ, RDO_QP_ERR_WQE);
        return;
    }
    /* A failed placement has failed the WQE and the QP already. */
    x->resp.epsn = rdo_psn_add(pkt->psn, 1);
    if ((pkt->payload_len &&
         !rdo_agg_add(core, qpn, RDO_AGG_SEND, x->resp.recv_index, x->resp.recv_offset,
                      pkt->payload, pkt->payload_len)) ||
        (last && !rdo_agg_flush(core, qpn))) {
        return;
    }
    x->resp.recv_offset += pkt->payload_len;
    x->resp.op = last ? RESP_IDLE : RESP_SEND;
    if (last) {
        struct rdo_cqe cqe;

        memset(&cqe, 0, sizeof(cqe));
        cqe.opcode = RDO_CQE_RECV;
        cqe.byte_len = x->resp.recv_offset;
        if (p->op->ext & RDO_EXT_IMM) {
            cqe.flags |= RDO_CQE_F_IMM;
            cqe.imm_or_rkey = pkt->imm;
        }
        if (p->op->ext & RDO_EXT_IETH) {
            if (rdo_key_invalidate(core, pkt->ieth_rkey, qp->pdn,
                                   qpn) != RDO_INV_OK) {
                rdo_recv_fail(core, qpn, qp, x, RDO_WC_LOC_PROT_ERR,
                              RDO_VENDOR_ERR_BAD_KEY, pkt->psn,
                              RDO_AETH_NAK_INV_REQ, RDO_QP_ERR_ACCESS);
                return;
            }
            cqe.flags |= RDO_CQE_F_INV;
            if (cqe.flags & RDO_CQE_F_IMM) {
                cqe.inv_rkey = pkt->ieth_rkey;
            } else {
                cqe.imm_or_rkey = pkt->ieth_rkey;
            }
        }
        x->resp.msn++;
        rdo_recv_complete(core, qpn, qp, x, &cqe, pkt->se);
    }
    if (qp->type == RDO_QPT_RC && (pkt->ack_req || last)) {
        rdo_resp_ack_later(core, qpn, x, pkt->psn);
    }
}

static void resp_write(RdoCore *core, uint32_t qpn, RdoQpCtx *qp, RdoXport *x,
                       const RdoWireParsed *p)
{
    const RdoWirePacket *pkt = &p->pkt;
    uint8_t pos = p->op->pos;
    bool first = pos == RDO_POS_FIRST || pos == RDO_POS_ONLY;
    bool last = pos == RDO_POS_LAST || pos == RDO_POS_ONLY;
    bool imm = p->op->ext & RDO_EXT_IMM;
    uint32_t mtu = rdo_qp_mtu(qp);

    if (first) {
        RdoMrCheck r = RDO_MRC_ACCESS;

        if (qp->access & RDO_ACCESS_REMOTE_WRITE) {
            r = pkt->reth.dma_len ?
                rdo_mr_check(core, pkt->reth.rkey, qp->pdn, qpn, pkt->reth.va,
                             pkt->reth.dma_len, RDO_ACCESS_REMOTE_WRITE) :
                RDO_MRC_OK;
        }
        if (r == RDO_MRC_PENDING) {
            /* Its registration is still queued: the requester retries. */
            rdo_resp_nak(core, qpn, qp, pkt->psn, rdo_rnr_syndrome(qp), false);
            return;
        }
        if (r != RDO_MRC_OK) {
            rdo_resp_nak(core, qpn, qp, pkt->psn, RDO_AETH_NAK_REM_ACCESS, true);
            return;
        }
        x->resp.write_va = pkt->reth.va;
        x->resp.write_rkey = pkt->reth.rkey;
        x->resp.write_left = x->resp.write_total = pkt->reth.dma_len;
    }
    /* Every packet but the last is exactly one MTU; the last ends the DMA. */
    if (pkt->payload_len > x->resp.write_left ||
        (!last && pkt->payload_len != mtu) ||
        (last && pkt->payload_len != x->resp.write_left)) {
        rdo_resp_nak(core, qpn, qp, pkt->psn, RDO_AETH_NAK_INV_REQ, true);
        return;
    }
    /* WRITE with immediate needs a receive WQE: check before placing
     * (after any held SENDs, which take theirs first). */
    if (last && imm) {
        RdoRecvQueue q;

        if (!rdo_recv_queue_of(core, qp, &q) || *q.ci == q.pi ||
            x->held.head) {
            rdo_resp_nak(core, qpn, qp, pkt->psn, rdo_rnr_syndrome(qp), false);
            return;
        }
    }
    if ((pkt->payload_len &&
         !rdo_agg_add(core, qpn, RDO_AGG_WRITE, x->resp.write_rkey, x->resp.write_va,
                      pkt->payload, pkt->payload_len)) ||
        (last && !rdo_agg_flush(core, qpn))) {
        rdo_resp_write_failed(core, qpn, qp, pkt->psn);
        return;
    }
    x->resp.write_va += pkt->payload_len;
    x->resp.write_left -= pkt->payload_len;
    x->resp.epsn = rdo_psn_add(pkt->psn, 1);
    x->resp.op = last ? RESP_IDLE : RESP_WRITE;
    if (last) {
        x->resp.msn++;
        if (imm) {
            struct rdo_cqe cqe;

            rdo_recv_begin(core, qp, x);
            if (!rdo_recv_wqe(core, qp, x)) {
                rdo_recv_fail(core, qpn, qp, x, RDO_WC_LOC_QP_OP_ERR,
                              RDO_VENDOR_ERR_DMA, pkt->psn, RDO_AETH_NAK_REM_OP,
                              RDO_QP_ERR_DMA);
                return;
            }
            memset(&cqe, 0, sizeof(cqe));
            cqe.opcode = RDO_CQE_RECV_RDMA_WITH_IMM;
            cqe.flags = RDO_CQE_F_IMM;
            cqe.imm_or_rkey = pkt->imm;
            /* The length of the whole WRITE, as verbs report it. */
            cqe.byte_len = x->resp.write_total;
            rdo_recv_complete(core, qpn, qp, x, &cqe, pkt->se);
        }
    }
    if (qp->type == RDO_QPT_RC && (pkt->ack_req || last)) {
        rdo_resp_ack_later(core, qpn, x, pkt->psn);
    }
}

/* UD: single-packet SENDs, the GRH (or IPv4 header) in the first 40 bytes.
 * Out of line: connected QPs' packets do not carry its code along. */
static __attribute__((noinline))
void resp_ud(RdoCore *core, uint32_t qpn, RdoQpCtx *qp, RdoXport *x,
             const RdoWireParsed *p, const uint8_t *frame)
{
    const RdoWirePacket *pkt = &p->pkt;
    uint8_t grh[40];
    struct rdo_cqe cqe;
    RdoRecvWqe *w;
    int r;

    /* A Q_Key with the high bit set is privileged (GSI); refuse it. */
    /* A privileged Q_Key (bit 31) only reaches the GSI. */
    if (pkt->deth.qkey != qp->qkey ||
        ((pkt->deth.qkey & RDO_QKEY_PRIVILEGED) && qpn != RDO_GSI_QPN)) {
        core->cnt.rx_drops++;
        return;
    }
    if (rdo_recv_next_pending(core, qp) || !rdo_recv_begin(core, qp, x)) {
        core->cnt.rx_drops++;   /* UD drops when nothing is ready */
        return;
    }
    memset(&cqe, 0, sizeof(cqe));
    cqe.opcode = RDO_CQE_RECV;
    w = rdo_recv_wqe(core, qp, x);
    if (!w) {
        cqe.status = RDO_WC_LOC_QP_OP_ERR;
        cqe.vendor_err = RDO_VENDOR_ERR_DMA;
        rdo_recv_complete(core, qpn, qp, x, &cqe, false);
        rdo_qp_to_error(core, qpn, qp, RDO_QP_ERR_DMA);
        return;
    }
    memset(grh, 0, sizeof(grh));
    if (p->ipv6) {
        memcpy(grh, frame + p->l3_off, 40);
    } else {
        memcpy(grh + 20, frame + p->l3_off, 20);
    }
    if (w->len < sizeof(grh) + pkt->payload_len) {
        cqe.status = RDO_WC_LOC_LEN_ERR;
        cqe.vendor_err = RDO_VENDOR_ERR_LENGTH;
        rdo_recv_complete(core, qpn, qp, x, &cqe, false);
        return;
    }
    r = rdo_sge_copy(core, qp->pdn, w->sge, w->h.num_sge, 0, grh, sizeof(grh), true);
    if (r == RDO_MRC_OK && pkt->payload_len) {
        r = rdo_sge_copy(core, qp->pdn, w->sge, w->h.num_sge, sizeof(grh),
                         (void *)pkt->payload, pkt->payload_len, true);
    }
    if (r != RDO_MRC_OK) {
        cqe.status = RDO_WC_LOC_PROT_ERR;
        cqe.vendor_err = r == RDO_MRC_DMA ? RDO_VENDOR_ERR_DMA : RDO_VENDOR_ERR_BAD_KEY;
        rdo_recv_complete(core, qpn, qp, x, &cqe, false);
        rdo_qp_to_error(core, qpn, qp, RDO_QP_ERR_ACCESS);
        return;
    }
    core->cnt.rx_placements++;
    cqe.byte_len = sizeof(grh) + pkt->payload_len;
    cqe.src_qpn = pkt->deth.src_qp;
    cqe.flags = RDO_CQE_F_GRH;
    if (p->op->ext & RDO_EXT_IMM) {
        cqe.flags |= RDO_CQE_F_IMM;
        cqe.imm_or_rkey = pkt->imm;
    }
    rdo_recv_complete(core, qpn, qp, x, &cqe, pkt->se);
}

/* Is this opcode allowed next, given the message in progress? */
static bool in_sequence(const RdoXport *x, uint8_t op, uint8_t pos)
{
    bool cont = pos == RDO_POS_MIDDLE || pos == RDO_POS_LAST;
    bool send = op <= RDO_OP_SEND_ONLY_IMM || op == RDO_OP_SEND_LAST_INV ||
                op == RDO_OP_SEND_ONLY_INV;
    bool write = op >= RDO_OP_WRITE_FIRST && op <= RDO_OP_WRITE_ONLY_IMM;

    switch (x->resp.op) {
    case RESP_SEND:
        return cont && send;
    case RESP_WRITE:
        return cont && write;
    default:
        return !cont;
    }
}

RDO_HOT
void rdo_resp_request(RdoCore *core, uint32_t qpn, RdoQpCtx *qp,
                      const RdoWireParsed *p, const uint8_t *frame)
{
    RdoXport *x = &core->st->xport[qpn];
    uint8_t op = p->pkt.opcode & ~RDO_TRANSPORT_MASK;
    int32_t d;

    if (qp->type == RDO_QPT_UD) {
        resp_ud(core, qpn, qp, x, p, frame);
        return;
    }
    d = rdo_psn_diff(p->pkt.psn, x->resp.epsn);
    if (qp->type == RDO_QPT_RC) {
        if (d < 0) {
            core->cnt.dup_requests++;
            rdo_resp_duplicate(core, qpn, qp, p);
            return;
        }
        if (d > 0) {
            /* Lost packets: one NAK, then silence until they come. */
            if (x->resp.seq != RDO_SEQ_NAK_SENT) {
                x->resp.seq = RDO_SEQ_NAK_SENT;
                rdo_resp_send_aeth(core, qpn, qp, x->resp.epsn, RDO_AETH_NAK_PSN_SEQ);
            }
            core->cnt.rx_drops++;
            return;
        }
        x->resp.seq = RDO_SEQ_IN_ORDER;
    } else if (d != 0) {
        /* UC: the message in progress is lost; resume at the next one. */
        x->resp.op = RESP_IDLE;
        x->resp.epsn = p->pkt.psn;
    }
    if (!in_sequence(x, op, p->op->pos)) {
        rdo_resp_nak(core, qpn, qp, p->pkt.psn, RDO_AETH_NAK_INV_REQ, true);
        return;
    }
    switch (op) {
    case RDO_OP_READ_REQUEST:
        rdo_resp_read(core, qpn, qp, p);
        break;
    case RDO_OP_COMPARE_SWAP:
    case RDO_OP_FETCH_ADD:
        rdo_resp_atomic(core, qpn, qp, p);
        break;
    default:
        if (op >= RDO_OP_WRITE_FIRST && op <= RDO_OP_WRITE_ONLY_IMM) {
            resp_write(core, qpn, qp, x, p);
        } else {
            resp_send(core, qpn, qp, x, p);
        }
        break;
    }
}
