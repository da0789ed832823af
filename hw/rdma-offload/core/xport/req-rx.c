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

/* Go-back-N: transmit again from record `index`, packet `pkt`. */
static void go_back(RdoCore *core, uint32_t qpn, RdoXport *x, uint32_t index,
                    uint32_t pkt)
{
    RdoSendRec *rec = g_queue_peek_nth(&x->req.sent, index);
    uint32_t psn;

    if (!rec) {
        return;
    }
    /* A READ is asked for again from the first response missing. */
    psn = rdo_psn_add(rec->first_psn, rdo_rec_read_like(rec) ? rec->resp_pkts : pkt);
    if (rdo_rec_read_like(rec)) {
        pkt = 0;
    }
    /*
     * Once per gap: the packets and responses already on their way would
     * each report the same gap again. Progress or the timer re-enables it.
     */
    if (x->req.retry == RDO_RETRY_GOING_BACK && x->req.gb_psn == psn) {
        return;
    }
    x->req.retry = RDO_RETRY_GOING_BACK;
    x->req.gb_psn = psn;
    rdo_xport_event(core, RDO_XE_RETRANSMIT, qpn, psn, index);
    if (index < x->req.tx_pos || (index == x->req.tx_pos && pkt < x->req.tx_pkt)) {
        /* The device holds the WQE of the record it sends, no earlier
         * one: every record it goes back over is read again. */
        GList *l = g_queue_peek_nth_link(&x->req.sent, index);

        for (uint32_t i = index; l && i <= x->req.tx_pos; l = l->next, i++) {
            ((RdoSendRec *)l->data)->reread = true;
        }
        x->req.tx_pos = index;
        x->req.tx_pkt = pkt;
    }
    core->cnt.retransmits++;
    rdo_work_kick(core, qpn);
}

/*
 * Acknowledges every PSN up to `psn`. A READ or atomic it passes whose
 * response has not arrived lost its response: it goes out again.
 * Returns true if the oldest unacknowledged PSN moved.
 */
static bool ack_up_to(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp,
                      RdoXport *x, uint32_t psn)
{
    uint32_t old_una = x->req.una_psn;
    guint i = 0;

    for (GList *l = x->req.sent.head; l; l = l->next, i++) {
        RdoSendRec *rec = l->data;

        if (rec->done || !rec->npkts) {
            continue;
        }
        if (rdo_psn_cmp(rec->first_psn, psn) > 0) {
            break;
        }
        if (rdo_rec_read_like(rec)) {
            /* Acknowledged past a READ without its data: ask again. */
            x->req.una_psn = rdo_psn_add(rec->first_psn, rec->resp_pkts);
            if (x->req.una_psn != old_una) {
                rdo_xport_commit(core, qpn);
            }
            go_back(core, qpn, x, i, 0);
            return x->req.una_psn != old_una;
        }
        if (rdo_psn_cmp(rdo_rec_last_psn(rec), psn) > 0) {
            break;              /* partly acknowledged */
        }
        rdo_rec_done(x, rec, RDO_WC_SUCCESS, 0);
    }
    if (rdo_psn_cmp(rdo_psn_add(psn, 1), x->req.una_psn) > 0) {
        x->req.una_psn = rdo_psn_add(psn, 1);
    }
    if (x->req.una_psn != old_una) {
        rdo_xport_commit(core, qpn);
        return true;
    }
    return false;
}

/* The record a PSN belongs to, and its index. */
static RdoSendRec *rec_of_psn(RdoXport *x, uint32_t psn, guint *index)
{
    guint i = 0;

    for (GList *l = x->req.sent.head; l; l = l->next, i++) {
        RdoSendRec *rec = l->data;

        if (rec->npkts && rdo_psn_cmp(psn, rec->first_psn) >= 0 &&
            rdo_psn_cmp(psn, rdo_rec_last_psn(rec)) <= 0) {
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
    x->req.retry_left = qp->retry_cnt;
    x->req.rnr_left = qp->rnr_retry;
    x->req.retry = RDO_RETRY_NONE;
    x->req.rto_at = 0;
    rdo_xport_arm_timer(core, qpn);
    if (qp->ssq_qpn != RDO_NONE) {
        rdo_work_kick(core, qp->ssq_qpn);     /* it may wait on our window */
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
        x->req.state = RDO_REQ_HALTED;
    }
}

/* psn is one of a READ's or atomic's responses that already arrived. */
static bool in_answered_read(RdoXport *x, uint32_t psn)
{
    RdoSendRec *rec;
    guint index;

    rec = rec_of_psn(x, psn, &index);
    return rec && rdo_rec_read_like(rec) &&
           rdo_psn_cmp(psn, rdo_psn_add(rec->first_psn, rec->resp_pkts)) < 0;
}

/*
 * A NAK for a PSN whose answer the requester has already (acknowledged, or
 * a READ response taken) is a stale duplicate, which the IBA discards: a
 * response before the expected PSN. Acting on it would fail or rewind work
 * the responder has done (a forged or delayed frame could do that). An ACK
 * inside a READ's answered responses is stale the same way; taken as an
 * ACK past the READ, it would make the READ go out again.
 */
static bool response_is_stale(RdoXport *x, uint8_t syndrome, uint32_t psn)
{
    if ((syndrome & RDO_AETH_TYPE_MASK) == RDO_AETH_TYPE_ACK) {
        return in_answered_read(x, psn);
    }
    return rdo_psn_cmp(psn, x->req.una_psn) < 0 || in_answered_read(x, psn);
}

static void handle_aeth(RdoCore *core, uint32_t qpn, RdoQpCtx *qp, RdoXport *x,
                        const RdoWireParsed *p)
{
    uint8_t syn = p->pkt.aeth.syndrome;
    uint32_t psn = p->pkt.psn;
    guint index;

    if (response_is_stale(x, syn, psn)) {
        core->cnt.dup_requests++;
        rdo_xport_event(core, RDO_XE_DUPLICATE, qpn, psn, p->pkt.opcode);
        return;
    }
    switch (syn & RDO_AETH_TYPE_MASK) {
    case RDO_AETH_TYPE_ACK:
        if (ack_up_to(core, qpn, qp, x, psn)) {
            progress(core, qpn, qp, x);
        }
        break;
    case RDO_AETH_TYPE_RNR_NAK:
        core->cnt.naks_received++;
        rdo_xport_event(core, RDO_XE_RNR_RECEIVED, qpn, psn, syn);
        ack_up_to(core, qpn, qp, x, rdo_psn_add(psn, -1));
        if (!rec_of_psn(x, psn, &index)) {
            break;
        }
        if (x->req.rnr_left == 0) {
            rdo_rec_done(x, g_queue_peek_nth(&x->req.sent, index),
                     RDO_WC_RNR_RETRY_EXC_ERR, RDO_VENDOR_ERR_RETRY);
            x->req.state = RDO_REQ_HALTED;
            break;
        }
        if (x->req.rnr_left != 7) {         /* 7: retry for ever */
            x->req.rnr_left--;
        }
        x->req.rnr_until = core->ops->now_ns(core->host) +
                       rdo_xport_rnr_ns(syn & 0x1f);
        x->req.rto_at = 0;
        rdo_xport_timer_set(core, qpn, x->req.rnr_until);
        rdo_core_schedule(core, x->req.rnr_until);
        x->req.retry = RDO_RETRY_NONE;   /* each RNR NAK answers a fresh try */
        go_back(core, qpn, x, index, rdo_psn_diff(psn,
                ((RdoSendRec *)g_queue_peek_nth(&x->req.sent, index))->first_psn));
        break;
    case RDO_AETH_TYPE_NAK:
        core->cnt.naks_received++;
        rdo_xport_event(core, RDO_XE_NAK_RECEIVED, qpn, psn, syn);
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

/* A READ response or atomic ACK: place it into the oldest waiting record. */
static void handle_read_response(RdoCore *core, uint32_t qpn, RdoQpCtx *qp,
                                 RdoXport *x, const RdoWireParsed *p)
{
    uint8_t op = p->pkt.opcode & ~RDO_TRANSPORT_MASK;
    bool atomic = op == RDO_OP_ATOMIC_ACKNOWLEDGE;
    uint32_t mtu = rdo_qp_mtu(qp);
    uint32_t vendor_err;
    const RdoWqe *w;
    RdoSendRec *rec;
    guint index;
    uint32_t expect;
    int32_t d;

    rec = rdo_rec_oldest_read(x, &index);
    if (!rec) {
        core->cnt.dup_requests++;       /* a response nobody waits for */
        rdo_xport_event(core, RDO_XE_DUPLICATE, qpn, p->pkt.psn, p->pkt.opcode);
        return;
    }
    expect = rdo_psn_add(rec->first_psn, rec->resp_pkts);
    d = rdo_psn_diff(p->pkt.psn, expect);
    if (d < 0) {
        core->cnt.dup_requests++;
        rdo_xport_event(core, RDO_XE_DUPLICATE, qpn, p->pkt.psn, p->pkt.opcode);
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
        x->req.state = RDO_REQ_HALTED;
        return;
    }
    w = rdo_rec_wqe(core, qpn, qp, rec, false, false, &vendor_err);
    if (!w) {
        rdo_rec_done(x, rec, RDO_WC_LOC_QP_OP_ERR, vendor_err);
        x->req.state = RDO_REQ_HALTED;
        return;
    }
    if (atomic) {
        uint8_t orig[8];

        for (int i = 0; i < 8; i++) {
            orig[i] = (uint8_t)(p->pkt.atomic_ack_orig >> (8 * i));
        }
        if (rdo_sge_copy(core, qp->pdn, w->sge, w->h.num_sge,
                         0, orig, 8, true) != RDO_MRC_OK) {
            rdo_rec_done(x, rec, RDO_WC_LOC_PROT_ERR, RDO_VENDOR_ERR_DMA);
            x->req.state = RDO_REQ_HALTED;
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
            x->req.state = RDO_REQ_HALTED;
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
    if (rdo_psn_cmp(rdo_psn_add(rdo_rec_last_psn(rec), 1), x->req.una_psn) > 0) {
        x->req.una_psn = rdo_psn_add(rdo_rec_last_psn(rec), 1);
        rdo_xport_commit(core, qpn);    /* the READ's CQE follows */
    }
    progress(core, qpn, qp, x);
    rdo_work_kick(core, qpn);     /* fenced or rd-limited work may go now */
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
    if (rdo_psn_cmp(p->pkt.psn, x->req.tx_psn_max) >= 0) {
        core->cnt.rx_drops++;
        return;
    }
    /* What the response moves (the oldest unacknowledged PSN, records done
     * and retired with their CQEs) is written back once, at its end: all
     * of it in the same step. */
    x->req.fo_defer = true;
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
    x->req.fo_defer = false;
    if (x->req.fo_owed) {
        x->req.fo_owed = false;
        rdo_xport_commit(core, qpn);
    }
    if (qp->state != RDO_QPS_ERR) {
        rdo_work_kick(core, qpn);
    }
}

/* The retransmit timer fired: go back to the oldest unacknowledged PSN. */
/*
 * After an engine failover: whatever was on the wire may be lost (frames
 * out and in were soft state), so the requester goes back to its oldest
 * unacknowledged PSN at once, as its timer would, without spending a retry.
 */
void rdo_req_resume(RdoCore *core, uint32_t qpn)
{
    RdoXport *x = &core->st->xport[qpn];
    guint index = 0;

    if (x->req.state != RDO_REQ_SENDING) {
        return;
    }
    /* WQEs taken after the store's last commit are taken again (the
     * store's next WQE is behind the ring's producer index): the
     * scheduler must visit, whatever is on the wire. */
    rdo_work_kick(core, qpn);
    for (GList *l = x->req.sent.head; l; l = l->next, index++) {
        RdoSendRec *rec = l->data;

        if (rec->done || !rec->npkts) {
            continue;
        }
        if (rdo_psn_cmp(x->req.tx_psn_max, rec->first_psn) <= 0) {
            return;             /* nothing of it is on the wire */
        }
        x->req.retry = RDO_RETRY_NONE;
        go_back(core, qpn, x, index,
                rdo_psn_cmp(x->req.una_psn, rec->first_psn) > 0 ?
                rdo_psn_diff(x->req.una_psn, rec->first_psn) : 0);
        return;
    }
}

void rdo_req_timer(RdoCore *core, uint32_t qpn, RdoQpCtx *qp)
{
    RdoXport *x = &core->st->xport[qpn];
    RdoSendRec *rec = NULL;
    guint index = 0;

    x->req.rto_at = 0;
    for (GList *l = x->req.sent.head; l; l = l->next, index++) {
        rec = l->data;
        if (!rec->done && rec->npkts) {
            break;
        }
        rec = NULL;
    }
    if (!rec || rdo_psn_cmp(x->req.tx_psn_max, rec->first_psn) <= 0) {
        return;                 /* nothing of it is on the wire */
    }
    core->cnt.timeouts++;
    rdo_xport_event(core, RDO_XE_TIMEOUT, qpn, rec->first_psn,
                    x->req.retry_left);
    if (x->req.retry_left == 0) {
        rdo_rec_done(x, rec, RDO_WC_RETRY_EXC_ERR, RDO_VENDOR_ERR_RETRY);
        x->req.state = RDO_REQ_HALTED;
        rdo_req_complete(core, qpn, qp);
        return;
    }
    x->req.retry_left--;
    x->req.retry = RDO_RETRY_NONE;
    go_back(core, qpn, x, index,
            rdo_psn_cmp(x->req.una_psn, rec->first_psn) > 0 ?
            rdo_psn_diff(x->req.una_psn, rec->first_psn) : 0);
    rdo_xport_arm_timer(core, qpn);
}
