/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the requester's receive side. ACKs complete records
 * up to their PSN; a NAK, a lost READ response or the retransmit timer
 * send the requester back to the oldest unacknowledged PSN (go-back-N);
 * READ responses and atomic ACKs are placed into the WQE's SGEs. Records
 * complete strictly in order, so CQEs follow the send queue's order.
 */
#include <string.h>
#include "xport/transport.h"

static bool rec_read_like(const RdoSendRec *rec)
{
    return rdo_wr_read_like(rec->wr_opcode);
}

static uint32_t rec_last_psn(const RdoSendRec *rec)
{
    return rdo_psn_add(rec->first_psn, rec->npkts - 1);
}

void rdo_rec_done(RdoXport *x, RdoSendRec *rec, uint8_t status,
                  uint32_t vendor_err)
{
    if (rec->done) {
        return;
    }
    if (rec_read_like(rec) && rec->npkts && x->rd_inflight) {
        x->rd_inflight--;
    }
    rec->done = true;
    rec->status = status;
    rec->vendor_err = vendor_err;
}

static enum rdo_qp_err qp_err_of(uint32_t vendor_err)
{
    switch (vendor_err) {
    case RDO_VENDOR_ERR_RETRY:
        return RDO_QP_ERR_RETRY;
    case RDO_VENDOR_ERR_REMOTE_NAK:
        return RDO_QP_ERR_REMOTE;
    case RDO_VENDOR_ERR_BAD_KEY:
        return RDO_QP_ERR_ACCESS;
    case RDO_VENDOR_ERR_DMA:
        return RDO_QP_ERR_DMA;
    default:
        return RDO_QP_ERR_WQE;
    }
}

void rdo_rec_unref(gpointer p)
{
    RdoSendRec *rec = p;

    if (--rec->refs == 0) {
        g_free(rec);
    }
}

/* Timing: the work request's CQE is written; its life is complete. */
static void life_done(RdoCore *core, uint32_t qpn, RdoSendRec *rec)
{
    RdoWrLife *l = &rec->life;

    l->cqe_ps = core->st->tm->last_write_ps;
    l->qpn = qpn;
    l->wqe_index = rec->wqe_index;
    l->wr_id = rec->wr_id;
    l->msg_len = rec->msg_len;
    l->opcode = rec->wr_opcode;
    rdo_tm_wr_done(core, l);
}

void rdo_req_complete(RdoCore *core, uint32_t qpn, RdoQpCtx *qp)
{
    static const uint8_t cqe_op[RDO_WR__COUNT] = {
        [RDO_WR_SEND] = RDO_CQE_SEND, [RDO_WR_SEND_IMM] = RDO_CQE_SEND,
        [RDO_WR_SEND_INV] = RDO_CQE_SEND, [RDO_WR_SEND_INV_IMM] = RDO_CQE_SEND,
        [RDO_WR_RDMA_WRITE] = RDO_CQE_RDMA_WRITE,
        [RDO_WR_RDMA_WRITE_IMM] = RDO_CQE_RDMA_WRITE,
        [RDO_WR_RDMA_READ] = RDO_CQE_RDMA_READ,
        [RDO_WR_ATOMIC_CMP_SWP] = RDO_CQE_ATOMIC_CMP_SWP,
        [RDO_WR_ATOMIC_FETCH_ADD] = RDO_CQE_ATOMIC_FETCH_ADD,
        [RDO_WR_LOCAL_INV] = RDO_CQE_LOCAL_INV,
    };
    RdoXport *x = &core->st->xport[qpn];
    RdoSendRec *rec;

    while ((rec = g_queue_peek_head(&x->sent)) && rec->done) {
        uint8_t status = rec->status;
        uint32_t vendor_err = rec->vendor_err;
        uint32_t ring_qpn = rec->ring_qpn;

        if (qp->type == RDO_QPT_SSQ && rec->refs > 1) {
            break;              /* its connection still holds it */
        }
        g_queue_pop_head(&x->sent);
        if (x->tx_pos) {
            x->tx_pos--;
        } else {
            x->tx_pkt = 0;
        }
        if (ring_qpn != qpn) {
            /* Fed by a shared send queue, which completes it in order. */
            rdo_rec_unref(rec);
            rdo_sq_kick(core, ring_qpn);
            if (status != RDO_WC_SUCCESS) {
                rdo_qp_to_error(core, qpn, qp, qp_err_of(vendor_err));
                return;
            }
            continue;
        }
        if (status != RDO_WC_SUCCESS ||
            !(qp->flags & RDO_QP_F_SELECTIVE_SIGNAL) ||
            (rec->wqe_flags & RDO_WQE_F_SIGNALED)) {
            struct rdo_cqe cqe;

            memset(&cqe, 0, sizeof(cqe));
            cqe.wr_id = rec->wr_id;
            cqe.qpn = rec->conn_qpn ? rec->conn_qpn : qpn;
            cqe.opcode = cqe_op[rec->wr_opcode];
            cqe.byte_len = rec_read_like(rec) ? rec->msg_len : 0;
            cqe.status = status;
            cqe.vendor_err = vendor_err;
            if (core->st->tm) {
                rec->life.ack_ps = rdo_tm_cur(core);
            }
            rdo_cq_post(core, qp->send_cqn, &cqe, false);
            if (core->st->tm) {
                life_done(core, qpn, rec);
            }
        }
        qp->sq_ci++;
        rdo_ctx_dirty(core, &core->st->qpc, qp);
        /* A connection's failure fails the connection, not the shared SQ. */
        if (status != RDO_WC_SUCCESS && !rec->conn_qpn) {
            rdo_rec_unref(rec);
            rdo_qp_to_error(core, qpn, qp, qp_err_of(vendor_err));
            return;
        }
        rdo_rec_unref(rec);
    }
    if (g_queue_is_empty(&x->sent)) {
        x->rto_at = 0;
    }
}

/* Drops every record: the QP's ring is flushed by the caller. */
void rdo_req_flush(RdoCore *core, uint32_t qpn)
{
    RdoXport *x = &core->st->xport[qpn];
    RdoSendRec *rec;

    while ((rec = g_queue_pop_head(&x->sent))) {
        uint32_t ring_qpn = rec->ring_qpn;
        bool shared = rec->refs > 1;

        /* A shared send queue still completes it, as flushed. */
        if (!rec->done) {
            rec->done = true;
            rec->status = RDO_WC_WR_FLUSH_ERR;
            rec->vendor_err = 0;
        }
        rdo_rec_unref(rec);
        if (shared && ring_qpn != qpn) {
            rdo_sq_kick(core, ring_qpn);
        }
    }
    x->tx_pos = x->tx_pkt = 0;
    x->rd_inflight = 0;
    x->rto_at = 0;
    x->rnr_until = 0;
    x->halted = false;
}

/* Go-back-N: transmit again from record `index`, packet `pkt`. */
static void go_back(RdoCore *core, uint32_t qpn, RdoXport *x, uint32_t index,
                    uint32_t pkt)
{
    RdoSendRec *rec = g_queue_peek_nth(&x->sent, index);
    uint32_t psn;

    if (!rec) {
        return;
    }
    /* A READ is asked for again from the first response missing. */
    psn = rdo_psn_add(rec->first_psn, rec_read_like(rec) ? rec->resp_pkts : pkt);
    if (rec_read_like(rec)) {
        pkt = 0;
    }
    /*
     * Once per gap: the packets and responses already on their way would
     * each report the same gap again. Progress or the timer re-enables it.
     */
    if (x->gb_active && x->gb_psn == psn) {
        return;
    }
    x->gb_active = true;
    x->gb_psn = psn;
    if (index < x->tx_pos || (index == x->tx_pos && pkt < x->tx_pkt)) {
        /* The device holds the WQE of the record it sends, no earlier
         * one: every record it goes back over is read again. */
        GList *l = g_queue_peek_nth_link(&x->sent, index);

        for (uint32_t i = index; l && i <= x->tx_pos; l = l->next, i++) {
            ((RdoSendRec *)l->data)->reread = true;
        }
        x->tx_pos = index;
        x->tx_pkt = pkt;
    }
    core->cnt.retransmits++;
    rdo_sq_kick(core, qpn);
}

/*
 * Acknowledges every PSN up to `psn`. A READ or atomic it passes whose
 * response has not arrived lost its response: it goes out again.
 * Returns true if the oldest unacknowledged PSN moved.
 */
static bool ack_up_to(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp,
                      RdoXport *x, uint32_t psn)
{
    uint32_t old_una = x->una_psn;
    guint i = 0;

    for (GList *l = x->sent.head; l; l = l->next, i++) {
        RdoSendRec *rec = l->data;

        if (rec->done || !rec->npkts) {
            continue;
        }
        if (rdo_psn_cmp(rec->first_psn, psn) > 0) {
            break;
        }
        if (rec_read_like(rec)) {
            /* Acknowledged past a READ without its data: ask again. */
            x->una_psn = rdo_psn_add(rec->first_psn, rec->resp_pkts);
            go_back(core, qpn, x, i, 0);
            return x->una_psn != old_una;
        }
        if (rdo_psn_cmp(rec_last_psn(rec), psn) > 0) {
            break;              /* partly acknowledged */
        }
        rdo_rec_done(x, rec, RDO_WC_SUCCESS, 0);
    }
    if (rdo_psn_cmp(rdo_psn_add(psn, 1), x->una_psn) > 0) {
        x->una_psn = rdo_psn_add(psn, 1);
    }
    return x->una_psn != old_una;
}

/* The record a PSN belongs to, and its index. */
static RdoSendRec *rec_of_psn(RdoXport *x, uint32_t psn, guint *index)
{
    guint i = 0;

    for (GList *l = x->sent.head; l; l = l->next, i++) {
        RdoSendRec *rec = l->data;

        if (rec->npkts && rdo_psn_cmp(psn, rec->first_psn) >= 0 &&
            rdo_psn_cmp(psn, rec_last_psn(rec)) <= 0) {
            *index = i;
            return rec;
        }
    }
    return NULL;
}

/* The oldest READ or atomic still waiting for its response. */
static RdoSendRec *oldest_read(RdoXport *x, guint *index)
{
    guint i = 0;

    for (GList *l = x->sent.head; l; l = l->next, i++) {
        RdoSendRec *rec = l->data;

        if (!rec->done && rec_read_like(rec)) {
            *index = i;
            return rec;
        }
    }
    return NULL;
}

/* After progress: retries start over, the timer restarts or stops. */
static void progress(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp,
                     RdoXport *x)
{
    x->retry_left = qp->retry_cnt;
    x->rnr_left = qp->rnr_retry;
    x->gb_active = false;
    x->rto_at = 0;
    rdo_xport_arm_timer(core, qpn);
    if (qp->ssq_qpn != RDO_NONE) {
        rdo_sq_kick(core, qp->ssq_qpn);     /* it may wait on our window */
    }
}

static void remote_error(RdoCore *core, uint32_t qpn, RdoQpCtx *qp, RdoXport *x,
                         uint32_t psn, uint8_t syndrome)
{
    RdoSendRec *rec;
    guint index;
    uint8_t status;

    switch (syndrome) {
    case RDO_AETH_NAK_INV_REQ:
        status = RDO_WC_REM_INV_REQ_ERR;
        break;
    case RDO_AETH_NAK_REM_ACCESS:
        status = RDO_WC_REM_ACCESS_ERR;
        break;
    default:
        status = RDO_WC_REM_OP_ERR;
        break;
    }
    ack_up_to(core, qpn, qp, x, rdo_psn_add(psn, -1));
    rec = rec_of_psn(x, psn, &index);
    if (rec) {
        rdo_rec_done(x, rec, status, RDO_VENDOR_ERR_REMOTE_NAK);
        x->halted = true;
    }
}

static void handle_aeth(RdoCore *core, uint32_t qpn, RdoQpCtx *qp, RdoXport *x,
                        const RdoWireParsed *p)
{
    uint8_t syn = p->pkt.aeth.syndrome;
    uint32_t psn = p->pkt.psn;
    guint index;

    switch (syn & RDO_AETH_TYPE_MASK) {
    case RDO_AETH_TYPE_ACK:
        if (ack_up_to(core, qpn, qp, x, psn)) {
            progress(core, qpn, qp, x);
        }
        break;
    case RDO_AETH_TYPE_RNR_NAK:
        core->cnt.naks_received++;
        ack_up_to(core, qpn, qp, x, rdo_psn_add(psn, -1));
        if (!rec_of_psn(x, psn, &index)) {
            break;
        }
        if (x->rnr_left == 0) {
            rdo_rec_done(x, g_queue_peek_nth(&x->sent, index),
                     RDO_WC_RNR_RETRY_EXC_ERR, RDO_VENDOR_ERR_RETRY);
            x->halted = true;
            break;
        }
        if (x->rnr_left != 7) {         /* 7: retry for ever */
            x->rnr_left--;
        }
        x->rnr_until = core->ops->now_ns(core->host) +
                       rdo_xport_rnr_ns(syn & 0x1f);
        x->rto_at = 0;
        g_hash_table_add(core->st->timers, GUINT_TO_POINTER(qpn));
        rdo_core_schedule(core, x->rnr_until);
        x->gb_active = false;   /* each RNR NAK answers a fresh try */
        go_back(core, qpn, x, index, rdo_psn_diff(psn,
                ((RdoSendRec *)g_queue_peek_nth(&x->sent, index))->first_psn));
        break;
    case RDO_AETH_TYPE_NAK:
        core->cnt.naks_received++;
        if (syn == RDO_AETH_NAK_PSN_SEQ) {
            bool moved = ack_up_to(core, qpn, qp, x, rdo_psn_add(psn, -1));
            RdoSendRec *rec = rec_of_psn(x, psn, &index);

            if (moved) {
                progress(core, qpn, qp, x);
            }
            if (rec) {
                go_back(core, qpn, x, index, rdo_psn_diff(psn, rec->first_psn));
            }
        } else {
            remote_error(core, qpn, qp, x, psn, syn);
        }
        break;
    default:
        core->cnt.rx_drops++;   /* reserved syndrome */
        break;
    }
}

bool rdo_req_place_read(RdoCore *core, uint32_t qpn, uint32_t first_psn,
                        uint64_t offset, void *data, uint32_t len)
{
    RdoQpCtx *qp = rdo_qp_get(core, qpn);
    RdoXport *x = &core->st->xport[qpn];
    uint32_t vendor_err = RDO_VENDOR_ERR_DMA;
    RdoSendRec *rec;
    guint index;

    rec = oldest_read(x, &index);
    if (!qp || !rec || rec->first_psn != first_psn) {
        return true;            /* the READ ended (flushed): nothing to do */
    }
    if (rdo_rec_fetch(core, qpn, qp, rec, false, core->st->wqe_buf, &vendor_err) &&
        rdo_sge_copy(core, qp->pdn, core->st->wqe_buf->sge,
                     core->st->wqe_buf->h.num_sge, offset, data, len,
                     true) == RDO_MRC_OK) {
        return true;
    }
    rdo_rec_done(x, rec, RDO_WC_LOC_PROT_ERR, vendor_err);
    x->halted = true;
    rdo_req_complete(core, qpn, qp);
    return false;
}

/* A READ response or atomic ACK: place it into the oldest waiting record. */
static void handle_read_response(RdoCore *core, uint32_t qpn, RdoQpCtx *qp,
                                 RdoXport *x, const RdoWireParsed *p)
{
    RdoState *st = core->st;
    uint8_t op = p->pkt.opcode & ~RDO_TRANSPORT_MASK;
    bool atomic = op == RDO_OP_ATOMIC_ACKNOWLEDGE;
    uint32_t mtu = rdo_qp_mtu(qp);
    uint32_t vendor_err;
    RdoSendRec *rec;
    guint index;
    uint32_t expect;
    int32_t d;

    rec = oldest_read(x, &index);
    if (!rec) {
        core->cnt.dup_requests++;       /* a response nobody waits for */
        return;
    }
    expect = rdo_psn_add(rec->first_psn, rec->resp_pkts);
    d = rdo_psn_diff(p->pkt.psn, expect);
    if (d < 0) {
        core->cnt.dup_requests++;
        return;
    }
    if (d > 0 || !rec->sent) {
        /* A response went missing: ask for the READ again. */
        go_back(core, qpn, x, index, 0);
        return;
    }
    /* The responder answered in order: everything before it arrived. */
    if (ack_up_to(core, qpn, qp, x, rdo_psn_add(rec->first_psn, -1))) {
        progress(core, qpn, qp, x);
    }
    if (atomic != (rec->wr_opcode != RDO_WR_RDMA_READ)) {
        rdo_rec_done(x, rec, RDO_WC_BAD_RESP_ERR, RDO_VENDOR_ERR_BAD_RESPONSE);
        x->halted = true;
        return;
    }
    if (!rdo_rec_fetch(core, qpn, qp, rec, false, st->wqe_buf, &vendor_err)) {
        rdo_rec_done(x, rec, RDO_WC_LOC_QP_OP_ERR, vendor_err);
        x->halted = true;
        return;
    }
    if (atomic) {
        uint8_t orig[8];

        for (int i = 0; i < 8; i++) {
            orig[i] = (uint8_t)(p->pkt.atomic_ack_orig >> (8 * i));
        }
        if (rdo_sge_copy(core, qp->pdn, st->wqe_buf->sge, st->wqe_buf->h.num_sge,
                         0, orig, 8, true) != RDO_MRC_OK) {
            rdo_rec_done(x, rec, RDO_WC_LOC_PROT_ERR, RDO_VENDOR_ERR_DMA);
            x->halted = true;
            return;
        }
    } else {
        uint64_t offset = (uint64_t)rec->resp_pkts * mtu;
        bool last = op == RDO_OP_READ_RESPONSE_LAST || op == RDO_OP_READ_RESPONSE_ONLY;
        uint32_t want = last ? rec->msg_len - (uint32_t)MIN(offset, rec->msg_len)
                             : mtu;

        if (p->pkt.payload_len != want || offset + want > rec->msg_len ||
            last != (rec->resp_pkts + 1 == rec->npkts)) {
            rdo_rec_done(x, rec, RDO_WC_BAD_RESP_ERR, RDO_VENDOR_ERR_BAD_RESPONSE);
            x->halted = true;
            return;
        }
        /* A failed placement has failed the READ already. */
        if ((want && !rdo_agg_add(core, qpn, RDO_AGG_READ, rec->first_psn,
                                  offset, p->pkt.payload, want)) ||
            (last && !rdo_agg_flush(core, qpn))) {
            return;
        }
        rec->resp_pkts++;
        if (!last) {
            progress(core, qpn, qp, x);
            return;
        }
    }
    rec->resp_pkts = rec->npkts;
    rdo_rec_done(x, rec, RDO_WC_SUCCESS, 0);
    if (rdo_psn_cmp(rdo_psn_add(rec_last_psn(rec), 1), x->una_psn) > 0) {
        x->una_psn = rdo_psn_add(rec_last_psn(rec), 1);
    }
    progress(core, qpn, qp, x);
    rdo_sq_kick(core, qpn);     /* fenced or rd-limited work may go now */
}

void rdo_req_response(RdoCore *core, uint32_t qpn, RdoQpCtx *qp,
                      const RdoWireParsed *p)
{
    RdoXport *x = &core->st->xport[qpn];
    uint8_t op = p->pkt.opcode & ~RDO_TRANSPORT_MASK;

    if (qp->state != RDO_QPS_RTS && qp->state != RDO_QPS_SQD) {
        core->cnt.rx_drops++;
        return;
    }
    /* A response for a PSN never sent is bogus. */
    if (rdo_psn_cmp(p->pkt.psn, x->tx_psn_max) >= 0) {
        core->cnt.rx_drops++;
        return;
    }
    if (op == RDO_OP_ACKNOWLEDGE) {
        handle_aeth(core, qpn, qp, x, p);
    } else {
        if (op != RDO_OP_READ_RESPONSE_MIDDLE &&
            (p->pkt.aeth.syndrome & RDO_AETH_TYPE_MASK) != RDO_AETH_TYPE_ACK) {
            handle_aeth(core, qpn, qp, x, p);
        } else {
            handle_read_response(core, qpn, qp, x, p);
        }
    }
    rdo_req_complete(core, qpn, qp);
    if (qp->state != RDO_QPS_ERR) {
        rdo_sq_kick(core, qpn);
    }
}

/* The retransmit timer fired: go back to the oldest unacknowledged PSN. */
void rdo_req_timer(RdoCore *core, uint32_t qpn, RdoQpCtx *qp)
{
    RdoXport *x = &core->st->xport[qpn];
    RdoSendRec *rec = NULL;
    guint index = 0;

    x->rto_at = 0;
    for (GList *l = x->sent.head; l; l = l->next, index++) {
        rec = l->data;
        if (!rec->done && rec->npkts) {
            break;
        }
        rec = NULL;
    }
    if (!rec || rdo_psn_cmp(x->tx_psn_max, rec->first_psn) <= 0) {
        return;                 /* nothing of it is on the wire */
    }
    core->cnt.timeouts++;
    if (x->retry_left == 0) {
        rdo_rec_done(x, rec, RDO_WC_RETRY_EXC_ERR, RDO_VENDOR_ERR_RETRY);
        x->halted = true;
        rdo_req_complete(core, qpn, qp);
        return;
    }
    x->retry_left--;
    x->gb_active = false;
    go_back(core, qpn, x, index,
            rdo_psn_cmp(x->una_psn, rec->first_psn) > 0 ?
            rdo_psn_diff(x->una_psn, rec->first_psn) : 0);
    rdo_xport_arm_timer(core, qpn);
}
