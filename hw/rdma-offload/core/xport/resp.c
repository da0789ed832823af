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

/* READ responses still going out for this QP? */
static bool streaming(const RdoXport *x)
{
    for (int i = 0; i < RDO_RESP_RES_MAX; i++) {
        if (x->res[i].valid && x->res[i].streaming) {
            return true;
        }
    }
    return false;
}

void rdo_resp_packet(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp,
                     RdoWirePacket *pkt, uint8_t op, uint32_t psn)
{
    rdo_tx_fill_addr(core, qpn, qp, NULL, pkt);
    pkt->opcode = RDO_TRANSPORT_RC | op;
    pkt->dest_qp = qp->dest_qpn;
    pkt->psn = psn;
    pkt->aeth.syndrome = RDO_AETH_ACK;
    pkt->aeth.msn = core->st->xport[qpn].msn & 0xFFFFFF;
}

/* Sends an ACK or NAK now. */
static void send_aeth_now(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp,
                          uint32_t psn, uint8_t syndrome)
{
    RdoWirePacket pkt;

    rdo_resp_packet(core, qpn, qp, &pkt, RDO_OP_ACKNOWLEDGE, psn);
    pkt.aeth.syndrome = syndrome;
    if ((syndrome & RDO_AETH_TYPE_MASK) == RDO_AETH_TYPE_ACK) {
        core->cnt.acks_sent++;
    } else {
        core->cnt.naks_sent++;
    }
    rdo_tx_packet(core, &pkt);
}

/*
 * Responses leave in PSN order: an ACK or NAK for a PSN after a READ waits
 * until the READ's responses are out, or the requester would take it for
 * a lost response. The newest one waiting is what is sent.
 */
static void send_aeth(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp,
                      uint32_t psn, uint8_t syndrome)
{
    RdoXport *x = &core->st->xport[qpn];

    if (streaming(x)) {
        x->ack_pending = true;
        x->ack_psn = psn;
        x->ack_syndrome = syndrome;
        return;
    }
    send_aeth_now(core, qpn, qp, psn, syndrome);
}

void rdo_resp_send_ack(RdoCore *core, uint32_t qpn, RdoQpCtx *qp)
{
    RdoXport *x = &core->st->xport[qpn];

    if (x->ack_pending && !streaming(x)) {
        x->ack_pending = false;
        send_aeth_now(core, qpn, qp, x->ack_psn, x->ack_syndrome);
    }
}

static void ack_later(RdoCore *core, uint32_t qpn, RdoXport *x, uint32_t psn)
{
    x->ack_pending = true;
    x->ack_psn = psn;
    x->ack_syndrome = RDO_AETH_ACK;
    rdo_xport_queue_ack(core, qpn);
}

/* A fatal responder error: NAK (RC), then the QP fails. */
static void responder_error(RdoCore *core, uint32_t qpn, RdoQpCtx *qp,
                            uint32_t psn, uint8_t nak, enum rdo_qp_err why)
{
    if (qp->type == RDO_QPT_RC) {
        send_aeth_now(core, qpn, qp, psn, nak);
    }
    rdo_qp_to_error(core, qpn, qp, why);
}

/* Receive queue of a QP: its own RQ or its SRQ. */
typedef struct RecvQueue {
    RdoRing ring;
    uint32_t *ci, pi;
    bool srq;
} RecvQueue;

static bool recv_queue(RdoCore *core, RdoQpCtx *qp, RecvQueue *q)
{
    if (qp->srqn != RDO_NONE) {
        RdoSrq *srq = qp->srqn < core->cfg.max_srq ? &core->st->srqs[qp->srqn] : NULL;

        if (!srq || !srq->valid) {
            return false;
        }
        *q = (RecvQueue){ srq->ring, &srq->ci, srq->pi, true };
        return true;
    }
    *q = (RecvQueue){ { qp->rq_addr, qp->rq_log_size, qp->rq_wqe_shift,
                        qp->rq_ring_flags }, &qp->rq_ci, qp->rq_pi, false };
    return true;
}

/* A receive WQE as read from its ring. */
typedef struct RecvWqe {
    struct rdo_recv_wqe h;
    struct rdo_sge sge[(1u << RDO_WQE_SHIFT_MAX) / sizeof(struct rdo_sge)];
    uint64_t len;
} RecvWqe;

static bool recv_wqe_read(RdoCore *core, const RdoRing *ring, uint32_t index,
                          RecvWqe *w)
{
    uint32_t stride = 1u << ring->stride_shift;

    if (!rdo_ring_read(core, ring, index, w, stride)) {
        return false;
    }
    if (sizeof(w->h) + w->h.num_sge * sizeof(struct rdo_sge) > stride) {
        return false;
    }
    w->len = 0;
    for (unsigned i = 0; i < w->h.num_sge; i++) {
        w->len += w->sge[i].length;
    }
    return true;
}

/* Payload of a SEND that will not complete is not placed any more. */
static void drop_unplaced_send(RdoXport *x)
{
    if (x->agg_kind == RDO_AGG_SEND) {
        x->agg_len = 0;
    }
}

/*
 * Takes the next receive WQE for a new message: false if none is posted.
 * An RQ entry is consumed when its message completes, an SRQ entry at once
 * (other QPs share the SRQ).
 */
static bool recv_begin(RdoCore *core, RdoQpCtx *qp, RdoXport *x)
{
    RecvQueue q;

    drop_unplaced_send(x);      /* of a UC message that never ended */

    if (!recv_queue(core, qp, &q) || *q.ci == q.pi) {
        return false;
    }
    x->recv_index = *q.ci;
    x->recv_srq = q.srq;
    x->recv_offset = 0;
    if (q.srq) {
        (*q.ci)++;
    }
    return true;
}

static RecvWqe *recv_wqe(RdoCore *core, RdoQpCtx *qp, RdoXport *x)
{
    static RecvWqe w;           /* the core runs on one thread */
    RecvQueue q;

    if (!recv_queue(core, qp, &q) || !recv_wqe_read(core, &q.ring, x->recv_index, &w)) {
        return NULL;
    }
    x->recv_wr_id = w.h.wr_id;
    return &w;
}

/* Posts the receive completion of the message in progress. */
static void recv_complete(RdoCore *core, uint32_t qpn, RdoQpCtx *qp, RdoXport *x,
                          struct rdo_cqe *cqe, bool solicited)
{
    cqe->wr_id = x->recv_wr_id;
    cqe->qpn = qpn;
    if (solicited) {
        cqe->flags |= RDO_CQE_F_SOLICITED;
    }
    if (!x->recv_srq) {
        qp->rq_ci++;
    }
    rdo_ctx_dirty(core, &core->st->qpc, qp);
    rdo_cq_post_delayed(core, qp->recv_cqn, cqe, solicited,
                        qp->notify_delay_usec * 1000ull);
}

/* A receive error: the WQE completes with `status`, the QP fails. */
static void recv_fail(RdoCore *core, uint32_t qpn, RdoQpCtx *qp, RdoXport *x,
                      uint8_t status, uint32_t vendor_err, uint32_t psn,
                      uint8_t nak, enum rdo_qp_err why)
{
    struct rdo_cqe cqe;

    drop_unplaced_send(x);
    memset(&cqe, 0, sizeof(cqe));
    cqe.opcode = RDO_CQE_RECV;
    cqe.status = status;
    cqe.vendor_err = vendor_err;
    recv_complete(core, qpn, qp, x, &cqe, false);
    x->op = RESP_IDLE;
    responder_error(core, qpn, qp, psn, nak, why);
}

/* Invalidates the rkey a SEND with invalidate names; false if it may not. */
static bool remote_invalidate(RdoCore *core, const RdoQpCtx *qp, uint32_t rkey)
{
    RdoMrCtx *mr;

    if (rdo_mr_lookup(core, rkey, qp->pdn, &mr) != RDO_MR_OK ||
        !(mr->access & (RDO_ACCESS_REMOTE_WRITE | RDO_ACCESS_REMOTE_READ |
                        RDO_ACCESS_REMOTE_ATOMIC))) {
        return false;
    }
    mr->flags &= ~RDO_MR_F_VALID;
    rdo_ctx_dirty(core, &core->st->mrc, mr);
    return true;
}

static void resp_send(RdoCore *core, uint32_t qpn, RdoQpCtx *qp, RdoXport *x,
                      const RdoWireParsed *p)
{
    const RdoWirePacket *pkt = &p->pkt;
    uint8_t pos = p->op->pos;
    bool last = pos == RDO_POS_LAST || pos == RDO_POS_ONLY;
    RecvWqe *w;

    if (pos == RDO_POS_FIRST || pos == RDO_POS_ONLY) {
        if (!recv_begin(core, qp, x)) {
            rdo_resp_nak(core, qpn, qp, pkt->psn, rdo_rnr_syndrome(qp), false);
            return;
        }
    }
    w = recv_wqe(core, qp, x);
    if (!w) {
        recv_fail(core, qpn, qp, x, RDO_WC_LOC_QP_OP_ERR, RDO_VENDOR_ERR_DMA,
                  pkt->psn, RDO_AETH_NAK_REM_OP, RDO_QP_ERR_DMA);
        return;
    }
    if (x->recv_offset + (uint64_t)pkt->payload_len > w->len) {
        recv_fail(core, qpn, qp, x, RDO_WC_LOC_LEN_ERR, RDO_VENDOR_ERR_LENGTH,
                  pkt->psn, RDO_AETH_NAK_INV_REQ, RDO_QP_ERR_WQE);
        return;
    }
    /* A failed placement has failed the WQE and the QP already. */
    x->epsn = rdo_psn_add(pkt->psn, 1);
    if ((pkt->payload_len &&
         !rdo_agg_add(core, qpn, RDO_AGG_SEND, x->recv_index, x->recv_offset,
                      pkt->payload, pkt->payload_len)) ||
        (last && !rdo_agg_flush(core, qpn))) {
        return;
    }
    x->recv_offset += pkt->payload_len;
    x->op = last ? RESP_IDLE : RESP_SEND;
    if (last) {
        struct rdo_cqe cqe;

        memset(&cqe, 0, sizeof(cqe));
        cqe.opcode = RDO_CQE_RECV;
        cqe.byte_len = x->recv_offset;
        if (p->op->ext & RDO_EXT_IMM) {
            cqe.flags |= RDO_CQE_F_IMM;
            cqe.imm_or_rkey = pkt->imm;
        }
        if (p->op->ext & RDO_EXT_IETH) {
            if (!remote_invalidate(core, qp, pkt->ieth_rkey)) {
                recv_fail(core, qpn, qp, x, RDO_WC_LOC_PROT_ERR,
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
        x->msn++;
        recv_complete(core, qpn, qp, x, &cqe, pkt->se);
    }
    if (qp->type == RDO_QPT_RC && (pkt->ack_req || last)) {
        ack_later(core, qpn, x, pkt->psn);
    }
}

bool rdo_resp_place_recv(RdoCore *core, uint32_t qpn, uint64_t offset,
                         void *data, uint32_t len)
{
    RdoQpCtx *qp = rdo_qp_get(core, qpn);
    RdoXport *x = &core->st->xport[qpn];
    /* The packet that brought the last byte. */
    uint32_t psn = rdo_psn_add(x->epsn, RDO_PSN_MASK);
    RecvWqe *w;
    int r;

    if (!qp) {
        return false;
    }
    w = recv_wqe(core, qp, x);
    r = w ? rdo_sge_copy(core, qp->pdn, w->sge, w->h.num_sge, offset, data,
                         len, true) : RDO_MRC_DMA;
    if (r != RDO_MRC_OK) {
        recv_fail(core, qpn, qp, x, RDO_WC_LOC_PROT_ERR,
                  r == RDO_MRC_DMA ? RDO_VENDOR_ERR_DMA : RDO_VENDOR_ERR_BAD_KEY,
                  psn, RDO_AETH_NAK_REM_OP, RDO_QP_ERR_ACCESS);
        return false;
    }
    return true;
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
                rdo_mr_check(core, pkt->reth.rkey, qp->pdn, pkt->reth.va,
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
        x->write_va = pkt->reth.va;
        x->write_rkey = pkt->reth.rkey;
        x->write_left = x->write_total = pkt->reth.dma_len;
    }
    /* Every packet but the last is exactly one MTU; the last ends the DMA. */
    if (pkt->payload_len > x->write_left ||
        (!last && pkt->payload_len != mtu) ||
        (last && pkt->payload_len != x->write_left)) {
        rdo_resp_nak(core, qpn, qp, pkt->psn, RDO_AETH_NAK_INV_REQ, true);
        return;
    }
    /* WRITE with immediate needs a receive WQE: check before placing. */
    if (last && imm) {
        RecvQueue q;

        if (!recv_queue(core, qp, &q) || *q.ci == q.pi) {
            rdo_resp_nak(core, qpn, qp, pkt->psn, rdo_rnr_syndrome(qp), false);
            return;
        }
    }
    if ((pkt->payload_len &&
         !rdo_agg_add(core, qpn, RDO_AGG_WRITE, x->write_rkey, x->write_va,
                      pkt->payload, pkt->payload_len)) ||
        (last && !rdo_agg_flush(core, qpn))) {
        responder_error(core, qpn, qp, pkt->psn, RDO_AETH_NAK_REM_ACCESS,
                        RDO_QP_ERR_REMOTE);
        return;
    }
    x->write_va += pkt->payload_len;
    x->write_left -= pkt->payload_len;
    x->epsn = rdo_psn_add(pkt->psn, 1);
    x->op = last ? RESP_IDLE : RESP_WRITE;
    if (last) {
        x->msn++;
        if (imm) {
            struct rdo_cqe cqe;

            recv_begin(core, qp, x);
            if (!recv_wqe(core, qp, x)) {
                recv_fail(core, qpn, qp, x, RDO_WC_LOC_QP_OP_ERR,
                          RDO_VENDOR_ERR_DMA, pkt->psn, RDO_AETH_NAK_REM_OP,
                          RDO_QP_ERR_DMA);
                return;
            }
            memset(&cqe, 0, sizeof(cqe));
            cqe.opcode = RDO_CQE_RECV_RDMA_WITH_IMM;
            cqe.flags = RDO_CQE_F_IMM;
            cqe.imm_or_rkey = pkt->imm;
            /* The length of the whole WRITE, as verbs report it. */
            cqe.byte_len = x->write_total;
            recv_complete(core, qpn, qp, x, &cqe, pkt->se);
        }
    }
    if (qp->type == RDO_QPT_RC && (pkt->ack_req || last)) {
        ack_later(core, qpn, x, pkt->psn);
    }
}

/* UD: single-packet SENDs, the GRH (or IPv4 header) in the first 40 bytes. */
static void resp_ud(RdoCore *core, uint32_t qpn, RdoQpCtx *qp, RdoXport *x,
                    const RdoWireParsed *p, const uint8_t *frame)
{
    const RdoWirePacket *pkt = &p->pkt;
    uint8_t grh[40];
    struct rdo_cqe cqe;
    RecvWqe *w;
    int r;

    /* A Q_Key with the high bit set is privileged (GSI); refuse it. */
    /* A privileged Q_Key (bit 31) only reaches the GSI. */
    if (pkt->deth.qkey != qp->qkey ||
        ((pkt->deth.qkey & RDO_QKEY_PRIVILEGED) && qpn != RDO_GSI_QPN)) {
        core->cnt.rx_drops++;
        return;
    }
    if (!recv_begin(core, qp, x)) {
        core->cnt.rx_drops++;   /* UD drops when nothing is posted */
        return;
    }
    memset(&cqe, 0, sizeof(cqe));
    cqe.opcode = RDO_CQE_RECV;
    w = recv_wqe(core, qp, x);
    if (!w) {
        cqe.status = RDO_WC_LOC_QP_OP_ERR;
        cqe.vendor_err = RDO_VENDOR_ERR_DMA;
        recv_complete(core, qpn, qp, x, &cqe, false);
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
        recv_complete(core, qpn, qp, x, &cqe, false);
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
        recv_complete(core, qpn, qp, x, &cqe, false);
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
    recv_complete(core, qpn, qp, x, &cqe, pkt->se);
}

/* Is this opcode allowed next, given the message in progress? */
static bool in_sequence(const RdoXport *x, uint8_t op, uint8_t pos)
{
    bool cont = pos == RDO_POS_MIDDLE || pos == RDO_POS_LAST;
    bool send = op <= RDO_OP_SEND_ONLY_IMM || op == RDO_OP_SEND_LAST_INV ||
                op == RDO_OP_SEND_ONLY_INV;
    bool write = op >= RDO_OP_WRITE_FIRST && op <= RDO_OP_WRITE_ONLY_IMM;

    switch (x->op) {
    case RESP_SEND:
        return cont && send;
    case RESP_WRITE:
        return cont && write;
    default:
        return !cont;
    }
}

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
    d = rdo_psn_diff(p->pkt.psn, x->epsn);
    if (qp->type == RDO_QPT_RC) {
        if (d < 0) {
            core->cnt.dup_requests++;
            rdo_resp_duplicate(core, qpn, qp, p);
            return;
        }
        if (d > 0) {
            /* Lost packets: one NAK, then silence until they come. */
            if (!x->nak_sent) {
                x->nak_sent = true;
                send_aeth(core, qpn, qp, x->epsn, RDO_AETH_NAK_PSN_SEQ);
            }
            core->cnt.rx_drops++;
            return;
        }
        x->nak_sent = false;
    } else if (d != 0) {
        /* UC: the message in progress is lost; resume at the next one. */
        x->op = RESP_IDLE;
        x->epsn = p->pkt.psn;
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

void rdo_resp_nak(RdoCore *core, uint32_t qpn, RdoQpCtx *qp, uint32_t psn,
                  uint8_t syndrome, bool fatal)
{
    RdoXport *x = &core->st->xport[qpn];

    if (qp->type != RDO_QPT_RC) {
        core->cnt.rx_drops++;
        x->op = RESP_IDLE;
        x->epsn = rdo_psn_add(psn, 1);
        return;
    }
    if (fatal) {
        responder_error(core, qpn, qp, psn, syndrome, RDO_QP_ERR_REMOTE);
    } else {
        send_aeth(core, qpn, qp, psn, syndrome);
    }
}

void rdo_resp_ack_now(RdoCore *core, uint32_t qpn, RdoQpCtx *qp, uint32_t psn)
{
    ack_later(core, qpn, &core->st->xport[qpn], psn);
}
