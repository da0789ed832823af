/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: partial buffer operation of an SRQ (SRQ_PARTIAL, the
 * D10 buffer groups). The SRQ is the group: the QPs attached to it share
 * its buffers, and a single-packet SEND to any of them goes into the
 * buffer in use at the next offset aligned to the SRQ's stride, with a
 * completion of its own that says where (RDO_CQE_F_OFFSET, cqe.offset).
 * The device takes the buffer's WQE from the ring once and keeps its SGEs
 * (the driver may reuse the ring slot); the completion that ends the
 * device's use of a buffer carries RDO_CQE_F_BUF_DONE: the last message
 * that leaves no room for another stride, or a completion of 0 bytes
 * when the next message does not fit the rest. A multi-packet SEND
 * (length unknown at its first packet) takes a buffer of its own, placed
 * from offset 0 by the usual path (recv.c adds the flags).
 */
#include <string.h>
#include "xport/transport.h"

/* A completion of the buffer in use, for QP qpn (its receive CQ). */
static void part_complete(RdoCore *core, uint32_t qpn, RdoQpCtx *qp,
                          RdoXport *x, RdoSrq *srq, struct rdo_cqe *cqe,
                          bool solicited)
{
    x->resp.recv_wr_id = srq->part_wr_id;
    x->resp.recv_srq = true;
    cqe->opcode = RDO_CQE_RECV;
    cqe->flags |= RDO_CQE_F_OFFSET;
    if (cqe->flags & RDO_CQE_F_BUF_DONE) {
        srq->part_cur = false;
    }
    rdo_recv_complete(core, qpn, qp, x, cqe, solicited);
}

void rdo_partial_retire(RdoCore *core, uint32_t qpn, RdoQpCtx *qp, RdoXport *x)
{
    RdoSrq *srq = rdo_partial_srq(core, qp);
    struct rdo_cqe cqe;

    if (!srq || !srq->part_cur) {
        return;
    }
    memset(&cqe, 0, sizeof(cqe));
    cqe.flags = RDO_CQE_F_BUF_DONE;
    cqe.offset = srq->part_off;
    part_complete(core, qpn, qp, x, srq, &cqe, false);
}

/* The next buffer from the SRQ, its WQE kept on chip; false: none (RNR),
 * or the QP failed (`*failed`). */
static bool take_buffer(RdoCore *core, uint32_t qpn, RdoQpCtx *qp, RdoXport *x,
                        RdoSrq *srq, uint32_t psn, bool *failed)
{
    RdoRecvWqe *w;

    if (rdo_recv_next_pending(core, qp) || !rdo_recv_begin(core, qp, x)) {
        return false;
    }
    w = rdo_recv_wqe(core, qp, x);
    if (!w || w->h.num_sge > RDO_SRQ_PARTIAL_MAX_SGE) {
        /* Unreadable, or more SGEs than the device keeps: the WQE fails. */
        *failed = true;
        rdo_recv_fail(core, qpn, qp, x, w ? RDO_WC_LOC_LEN_ERR : RDO_WC_LOC_QP_OP_ERR,
                      w ? RDO_VENDOR_ERR_LENGTH : RDO_VENDOR_ERR_DMA, psn,
                      RDO_AETH_NAK_REM_OP, w ? RDO_QP_ERR_WQE : RDO_QP_ERR_DMA);
        return false;
    }
    srq->part_cur = true;
    srq->part_off = 0;
    srq->part_len = w->len;
    srq->part_wr_id = w->h.wr_id;
    srq->part_num_sge = w->h.num_sge;
    memcpy(srq->part_sge, w->sge, w->h.num_sge * sizeof(w->sge[0]));
    return true;
}

/* The message fails its buffer's receive (which is given back) and the
 * QP, as an unshared receive would. */
static bool part_fail(RdoCore *core, uint32_t qpn, RdoQpCtx *qp, RdoXport *x,
                      RdoSrq *srq, struct rdo_cqe *cqe, uint8_t status,
                      uint32_t vendor_err, uint32_t psn, uint8_t nak,
                      enum rdo_qp_err why)
{
    cqe->flags |= RDO_CQE_F_BUF_DONE;
    cqe->status = status;
    cqe->vendor_err = vendor_err;
    part_complete(core, qpn, qp, x, srq, cqe, false);
    x->resp.op = RESP_IDLE;
    rdo_resp_error(core, qpn, qp, psn, nak, why);
    return true;
}

bool rdo_partial_send(RdoCore *core, uint32_t qpn, RdoQpCtx *qp, RdoXport *x,
                      const RdoWireParsed *p)
{
    const RdoWirePacket *pkt = &p->pkt;
    RdoSrq *srq = rdo_partial_srq(core, qp);
    uint32_t len = pkt->payload_len, stride;
    uint64_t off;
    struct rdo_cqe cqe;
    bool failed = false;
    int r;

    if (!srq || p->op->pos != RDO_POS_ONLY) {
        return false;
    }
    stride = 1u << srq->part_shift;
    off = ((uint64_t)srq->part_off + stride - 1) & ~(uint64_t)(stride - 1);
    if (srq->part_cur && off + len > srq->part_len) {
        rdo_partial_retire(core, qpn, qp, x);
    }
    if (!srq->part_cur) {
        if (!take_buffer(core, qpn, qp, x, srq, pkt->psn, &failed) && !failed) {
            rdo_resp_nak(core, qpn, qp, pkt->psn, rdo_rnr_syndrome(qp), false);
        }
        if (!srq->part_cur) {
            return true;
        }
        off = 0;
    }
    memset(&cqe, 0, sizeof(cqe));
    cqe.offset = off;
    if (len > srq->part_len) {
        /* Larger than a whole buffer. */
        return part_fail(core, qpn, qp, x, srq, &cqe, RDO_WC_LOC_LEN_ERR,
                         RDO_VENDOR_ERR_LENGTH, pkt->psn, RDO_AETH_NAK_INV_REQ,
                         RDO_QP_ERR_WQE);
    }
    r = rdo_sge_copy(core, qp->pdn, srq->part_sge, srq->part_num_sge, off,
                     (void *)pkt->payload, len, true);
    if (r != RDO_MRC_OK) {
        return part_fail(core, qpn, qp, x, srq, &cqe, RDO_WC_LOC_PROT_ERR,
                         r == RDO_MRC_DMA ? RDO_VENDOR_ERR_DMA
                                          : RDO_VENDOR_ERR_BAD_KEY,
                         pkt->psn, RDO_AETH_NAK_REM_OP, RDO_QP_ERR_ACCESS);
    }
    if ((p->op->ext & RDO_EXT_IETH) &&
        rdo_key_invalidate(core, pkt->ieth_rkey, qp->pdn, qpn) != RDO_INV_OK) {
        return part_fail(core, qpn, qp, x, srq, &cqe, RDO_WC_LOC_PROT_ERR,
                         RDO_VENDOR_ERR_BAD_KEY, pkt->psn, RDO_AETH_NAK_INV_REQ,
                         RDO_QP_ERR_ACCESS);
    }
    core->cnt.rx_placements++;
    x->resp.epsn = rdo_psn_add(pkt->psn, 1);
    x->resp.msn++;
    cqe.byte_len = len;
    if (p->op->ext & RDO_EXT_IMM) {
        cqe.flags |= RDO_CQE_F_IMM;
        cqe.imm_or_rkey = pkt->imm;
    } else if (p->op->ext & RDO_EXT_IETH) {
        cqe.flags |= RDO_CQE_F_INV;
        cqe.imm_or_rkey = pkt->ieth_rkey;
    }
    srq->part_off = off + len;
    if (srq->part_off + stride > srq->part_len) {
        cqe.flags |= RDO_CQE_F_BUF_DONE;    /* no room for another */
    }
    part_complete(core, qpn, qp, x, srq, &cqe, pkt->se);
    if (qp->type == RDO_QPT_RC) {
        rdo_resp_ack_later(core, qpn, x, pkt->psn);
    }
    return true;
}
