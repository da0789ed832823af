/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the requester's transmit side. A WQE is fetched once
 * when the scheduler first reaches it, checked (opcode, sizes, every key,
 * bound and access), and becomes a record of the PSNs it takes. Packets
 * are then built from the record: payload gathered through the MRs (zero
 * copy), headers from the QP's address vector or the WQE's UD address,
 * ICRC added by the wire layer. The engine holds the WQE of the message
 * it sends across its visits (hold.c). A retransmission walks the same
 * records again from an earlier point, re-reading the WQE from the ring.
 */
#include <string.h>
#include "xport/transport.h"

static uint8_t qp_transport(const RdoQpCtx *qp)
{
    return qp->type == RDO_QPT_UC ? RDO_TRANSPORT_UC :
           qp->type == RDO_QPT_UD ? RDO_TRANSPORT_UD : RDO_TRANSPORT_RC;
}

static const RdoWireMsg wr_msg[RDO_WR__COUNT] = {
    [RDO_WR_SEND] = RDO_MSG_SEND,
    [RDO_WR_SEND_IMM] = RDO_MSG_SEND_IMM,
    [RDO_WR_SEND_INV] = RDO_MSG_SEND_INV,
    [RDO_WR_SEND_INV_IMM] = RDO_MSG_SEND_INV_IMM,
    [RDO_WR_RDMA_WRITE] = RDO_MSG_WRITE,
    [RDO_WR_RDMA_WRITE_IMM] = RDO_MSG_WRITE_IMM,
};

/* Checks every SGE of a WQE before any packet of it goes out. */
static RdoMrCheck check_sges(RdoCore *core, const RdoQpCtx *qp, const RdoWqe *w,
                             uint32_t *stall_mr)
{
    uint16_t access = rdo_wr_read_like(w->h.opcode) ? RDO_ACCESS_LOCAL_WRITE : 0;

    if (!w->sge) {
        return RDO_MRC_OK;
    }
    for (unsigned i = 0; i < w->h.num_sge; i++) {
        RdoMrCheck r;

        if (!w->sge[i].length) {
            continue;
        }
        r = rdo_mr_check(core, w->sge[i].lkey, qp->pdn, RDO_NONE,
                         w->sge[i].addr, w->sge[i].length, access);
        if (r != RDO_MRC_OK) {
            *stall_mr = RDO_MR_KEY_INDEX(w->sge[i].lkey);
            return r;
        }
    }
    return RDO_MRC_OK;
}

/* Builds and sends packet `index` of a record's request. */
static bool send_request_packet(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp,
                                const RdoSendRec *rec, const RdoWqe *w,
                                uint32_t index)
{
    uint32_t mtu = rdo_qp_mtu(qp);
    uint8_t transport = qp_transport(qp);
    RdoWirePacket pkt;
    RdoWireSeg seg;

    rdo_tx_fill_addr(core, qpn, qp, qp->type == RDO_QPT_UD ? &w->ud : NULL, &pkt);
    pkt.psn = rdo_psn_add(rec->first_psn, index);

    switch (rec->wr_opcode) {
    case RDO_WR_RDMA_READ: {
        /* Asked again after lost responses: only what is still missing. */
        uint32_t done = MIN((uint64_t)rec->resp_pkts * mtu, rec->msg_len);

        pkt.opcode = transport | RDO_OP_READ_REQUEST;
        pkt.psn = rdo_psn_add(rec->first_psn, rec->resp_pkts);
        pkt.reth = (RdoReth){ w->h.remote_addr + done, w->h.rkey,
                              rec->msg_len - done };
        pkt.ack_req = true;
        break;
    }
    case RDO_WR_ATOMIC_CMP_SWP:
    case RDO_WR_ATOMIC_FETCH_ADD:
        pkt.opcode = transport | (rec->wr_opcode == RDO_WR_ATOMIC_CMP_SWP ?
                                  RDO_OP_COMPARE_SWAP : RDO_OP_FETCH_ADD);
        pkt.atomic.va = w->h.remote_addr;
        pkt.atomic.rkey = w->h.rkey;
        if (rec->wr_opcode == RDO_WR_ATOMIC_CMP_SWP) {
            pkt.atomic.swap_add = w->h.swap;
            pkt.atomic.compare = w->h.compare_add;
        } else {
            pkt.atomic.swap_add = w->h.compare_add;
        }
        pkt.ack_req = true;
        break;
    default: {
        const RdoWireOpInfo *info;
        uint8_t *payload;
        bool last;

        if (rdo_wire_seg(transport, wr_msg[rec->wr_opcode], rec->msg_len, mtu,
                         index, &seg)) {
            return false;
        }
        info = rdo_wire_op_info(seg.opcode);
        last = info->pos == RDO_POS_LAST || info->pos == RDO_POS_ONLY;
        pkt.opcode = seg.opcode;
        payload = rdo_tx_payload_at(core, &pkt, seg.len);
        if (w->inline_data) {
            memcpy(payload, w->inline_data + seg.offset, seg.len);
        } else if (rdo_sge_copy_held(core, qp->pdn, w->sge, w->h.num_sge,
                                     seg.offset, payload, seg.len, false,
                                     rdo_tx_hold_mr(core->st, rec))
                   != RDO_MRC_OK) {
            return false;
        }
        if (info->ext & RDO_EXT_RETH) {
            pkt.reth = (RdoReth){ w->h.remote_addr, w->h.rkey, rec->msg_len };
        }
        if (info->ext & RDO_EXT_IMM) {
            pkt.imm = w->h.imm_or_rkey;
        }
        if (info->ext & RDO_EXT_IETH) {
            /* With an immediate too, the key to invalidate is in rkey. */
            pkt.ieth_rkey = info->ext & RDO_EXT_IMM ? w->h.rkey : w->h.imm_or_rkey;
        }
        if (info->ext & RDO_EXT_DETH) {
            /* A Q_Key with the high bit set means: use the QP's own. */
            pkt.deth.qkey = (w->ud.qkey & RDO_QKEY_PRIVILEGED) ? qp->qkey : w->ud.qkey;
            pkt.deth.src_qp = qpn;
        }
        pkt.se = last && (w->h.flags & RDO_WQE_F_SOLICITED);
        /* RC asks for an ACK at the end of each message and now and then;
         * more often when its rate spaces the packets out. */
        pkt.ack_req = transport == RDO_TRANSPORT_RC &&
                      (last || (index % 64) == 63 ||
                       rdo_cc_ack_wanted(core, qpn, rdo_xport_rto_ns(qp->timeout)));
        break;
    }
    }
    pkt.dest_qp = qp->type == RDO_QPT_UD ? w->ud.dest_qpn : qp->dest_qpn;
    rdo_tx_packet(core, &pkt);
    rdo_cc_tx_sent(core, qpn, &pkt);
    if (++core->st->xport[qpn].req.fo_unsaved >= core->cfg.failover_wb_batch) {
        core->st->xport[qpn].req.fo_unsaved = 0;
        rdo_xport_commit(core, qpn);
    }
    return true;
}

/* Request packets a record sends (READ and atomics: one request). */
static uint32_t request_packets(const RdoSendRec *rec)
{
    return rdo_wr_read_like(rec->wr_opcode) ? 1 : rec->npkts;
}

/* Timing: the stages a work request went through before it was fetched. */
static void life_start(RdoCore *core, uint32_t qpn, RdoSendRec *rec)
{
    RdoTiming *t = core->st->tm;
    RdoWrLife *l = &rec->life;

    l->db_ps = rdo_tm_db_time(core, qpn, rec->wqe_index, &l->pushed);
    l->wqe_ps = t->item_ready_ps;
    l->sched_ps = t->visit_ps;
    l->ctx_ps = rdo_tm_cur(core);       /* the visit has the context now */
    rdo_tm_cycles(core, t->cfg.cyc.wqe_parse);
}

/* What fetching the next WQE came to. */
typedef enum {
    FETCH_OK,           /* a record was added */
    FETCH_WAIT,         /* cannot start it yet (fence, limits, pending MR) */
    FETCH_FAILED,       /* error record added: QP goes to ERR */
} FetchOutcome;

/* Once a work request, not a packet: out of line, so that the packets'
 * loop in rdo_tx_process stays small in the instruction cache. */
static __attribute__((noinline)) FetchOutcome
fetch_next(RdoCore *core, uint32_t qpn, RdoQpCtx *qp, RdoXport *x)
{
    RdoState *st = core->st;
    RdoWqe *w = st->wqe_buf;
    RdoSendRec *rec = rdo_rec_new(st);
    uint32_t vendor_err, stall_mr = RDO_NONE;
    bool ok = rdo_wqe_fetch(core, qpn, qp, x->req.sq_next, false, w, &vendor_err);
    uint32_t conn = qpn;        /* the QP that transmits it */
    RdoQpCtx *cqp = qp;
    RdoXport *cx = x;

    rec->ring_qpn = qpn;
    rec->wqe_index = x->req.sq_next;
    rec->wr_id = ok ? w->h.wr_id : 0;
    rec->first_psn = x->req.next_psn;
    if (st->tm) {
        life_start(core, qpn, rec);
    }
    if (!ok) {
        if (vendor_err == RDO_VENDOR_ERR_DMA) {
            rdo_guest_error(core, RDO_GE_SQ_UNREACHABLE, qpn, qp->sq_addr,
                            "QP %u: send queue not reachable", qpn);
        } else {
            rdo_guest_error(core, RDO_GE_BAD_WQE, qpn, qpn,
                            "QP %u: bad WQE %u (opcode 0x%x)", qpn,
                            x->req.sq_next, w->h.opcode);
        }
        rec->wr_opcode = w->h.opcode < RDO_WR__COUNT ? w->h.opcode : RDO_WR_SEND;
        rdo_rec_done(x, rec, vendor_err == RDO_VENDOR_ERR_LENGTH ?
                    RDO_WC_LOC_LEN_ERR : RDO_WC_LOC_QP_OP_ERR, vendor_err);
        goto add;
    }
    rec->wr_opcode = w->h.opcode;
    rec->wqe_flags = w->h.flags;
    rec->msg_len = (uint32_t)w->msg_len;
    if (qp->type == RDO_QPT_SSQ) {
        /* A shared send queue: the WQE names the RC connection it feeds. */
        conn = w->h.conn_qpn;
        cqp = conn < st->usable_qps && st->qp_used[conn] &&
              st->qp_bind[conn].ssq_qpn == qpn ? rdo_qp_get(core, conn) : NULL;
        if (!cqp) {
            rdo_guest_error(core, RDO_GE_SSQ_FOREIGN_WQE, qpn, qpn,
                            "SSQ %u: WQE %u for QP %u, not one it feeds",
                            qpn, x->req.sq_next, conn);
            rdo_rec_done(x, rec, RDO_WC_LOC_QP_OP_ERR, RDO_VENDOR_ERR_BAD_WQE);
            goto add;
        }
        rec->conn_qpn = conn;
        if (cqp->state == RDO_QPS_ERR) {
            rdo_rec_done(x, rec, RDO_WC_WR_FLUSH_ERR, 0);
            goto add;
        }
        if (cqp->state != RDO_QPS_RTS) {
            rdo_rec_put(st, rec);
            return FETCH_WAIT;  /* kicked again when it reaches RTS */
        }
        cx = &st->xport[conn];
        rec->first_psn = cx->req.next_psn;
    }
    if (((w->h.flags & RDO_WQE_F_FENCE) && cx->req.rd_inflight) ||
        (rdo_wr_read_like(w->h.opcode) &&
         cx->req.rd_inflight >= MAX(cqp->max_rd_atomic, 1)) ||
        (cqp != qp && rdo_psn_diff(cx->req.next_psn, cx->req.una_psn) >= RDO_TX_WINDOW) ||
        (core->cfg.failover && cqp->type == RDO_QPT_RC &&
         g_queue_get_length(&cx->req.sent) >= RDO_QPC_FO_RECS)) {
        /* With failover every record has a slot in the store. */
        rdo_rec_put(st, rec);
        return FETCH_WAIT;
    }
    /*
     * A fenced memory operation (LOCAL_INV, REG_MR) begins only once every
     * earlier work request of the queue has completed (IBA's local
     * invalidate fence); without FENCE it executes at once, in queue order.
     */
    if ((w->h.flags & RDO_WQE_F_FENCE) && rdo_wr_local(w->h.opcode) &&
        rdo_req_undone(x)) {
        rdo_rec_put(st, rec);
        return FETCH_WAIT;
    }
    if (rdo_wr_local(w->h.opcode)) {
        uint8_t status;
        bool done;

        switch (w->h.opcode) {
        case RDO_WR_REG_MR:
            done = rdo_fastreg_exec(core, qpn, qp, w, &status, &vendor_err);
            break;
        case RDO_WR_BIND_MW:
            /* A type-2 window belongs to the QP that receives through it. */
            done = rdo_mw_bind_exec(core, conn, qp->pdn, w, &status,
                                    &vendor_err);
            break;
        default:
            done = rdo_local_inv_exec(core, qpn, qp->pdn, w->h.imm_or_rkey,
                                      &status, &vendor_err);
            break;
        }
        if (!done) {
            rdo_rec_put(st, rec);
            return FETCH_WAIT;
        }
        rdo_rec_done(x, rec, status, vendor_err);
        goto add;
    }
    switch (check_sges(core, qp, w, &stall_mr)) {
    case RDO_MRC_OK:
        break;
    case RDO_MRC_PENDING:
        st->qp_stall_mr[qpn] = stall_mr;
        core->cnt.mr_stalls++;
        rdo_rec_put(st, rec);
        return FETCH_WAIT;
    default:
        rdo_guest_error(core, RDO_GE_WQE_BAD_KEY, qpn, qpn,
                        "QP %u: WQE %u has a bad local key or range", qpn,
                        x->req.sq_next);
        rdo_rec_done(x, rec, RDO_WC_LOC_PROT_ERR, RDO_VENDOR_ERR_BAD_KEY);
        goto add;
    }
    if (w->h.opcode == RDO_WR_ATOMIC_CMP_SWP || w->h.opcode == RDO_WR_ATOMIC_FETCH_ADD) {
        rec->npkts = 1;
    } else {
        rec->npkts = rdo_wire_seg_count(rec->msg_len, rdo_qp_mtu(qp));
    }
    if (rdo_wr_read_like(rec->wr_opcode)) {
        cx->req.rd_inflight++;
    }
    cx->req.next_psn = rdo_psn_add(cx->req.next_psn, rec->npkts);
add:
    rec->refs = 1;
    rdo_rec_push(&x->req.sent, rec);
    x->req.sq_next++;
    if (cx != x && !rec->done) {
        /* Also on the connection's list, which transmits it; the shared
         * queue will not fetch it again, so the store has it at once. */
        rec->refs++;
        rdo_rec_push(&cx->req.sent, rec);
        rdo_xport_rec_added(cx, rec);
        rdo_xport_commit(core, conn);
        rdo_work_kick(core, conn);
    } else {
        rdo_xport_rec_added(x, rec);
        if (!rec->done && rec->npkts) {
            /* The engine sends it next and holds its WQE meanwhile (a
             * pushed one is only in the scratch buffer), and the QP's
             * context it has now. */
            rdo_tx_hold_keep(st, qpn, rec);
            rdo_tx_hold_note_qp(st, qpn, qp);
        }
        if (rdo_wr_local(rec->wr_opcode) && qp->type == RDO_QPT_RC) {
            /* Executed: a recovery must not fetch it again. */
            rdo_xport_commit(core, qpn);
        }
    }
    if (rec->done && rec->status != RDO_WC_SUCCESS && !rec->conn_qpn) {
        x->req.state = RDO_REQ_HALTED;  /* reported in order, then the QP fails */
        return FETCH_FAILED;
    }
    return FETCH_OK;
}

/* Sends what one visit may of a QP's send work; true if more is waiting. */
RDO_HOT
bool rdo_tx_process(RdoCore *core, uint32_t qpn, RdoQpCtx *qp)
{
    RdoState *st = core->st;
    RdoXport *x = &st->xport[qpn];
    uint32_t budget = RDO_TX_BUDGET;
    bool more = false, paused = false;
    const RdoSendRec *head;
    uint32_t port = rdo_qp_port(qp);

    /* The clock is read only in an RNR back-off (a host call a visit). */
    if (x->req.rnr_until && x->req.rnr_until > core->ops->now_ns(core->host)) {
        return false;           /* the timer list wakes it */
    }
    if (st->qp_blackout_ps[qpn]) {
        return false;           /* its engine is down: the resume kicks it */
    }
    x->req.rnr_until = 0;
    while (budget) {
        RdoSendRec *rec;
        const RdoWqe *w;

        if (st->tm) {
            st->tm->qp[qpn].port = port;        /* for the scheduler */
        }
        if (st->tm && !rdo_tm_tx_may_send(core, port)) {
            paused = true;      /* the engine or the link is busy: later */
            break;
        }
        if (qp->type != RDO_QPT_SSQ && x->req.tx_pos < g_queue_get_length(&x->req.sent)) {
            uint32_t vendor_err, end;

            rec = g_queue_peek_nth(&x->req.sent, x->req.tx_pos);
            if (rec->done || !rec->npkts || x->req.tx_pkt >= request_packets(rec)) {
                x->req.tx_pos++;
                x->req.tx_pkt = 0;
                continue;
            }
            if (qp->type == RDO_QPT_RC &&
                rdo_psn_diff(rdo_psn_add(rec->first_psn, x->req.tx_pkt),
                             x->req.una_psn) >= RDO_TX_WINDOW) {
                break;          /* the window is full: wait for ACKs */
            }
            if (rdo_cc_tx_wait(core, qpn)) {
                paused = true;  /* its rate: the scheduler brings it back */
                break;
            }
            /* The engine holds the WQE of the message it sends; a
             * retransmission, or a record whose copy was dropped or
             * evicted, reads it again from the ring. */
            w = rdo_rec_wqe(core, qpn, qp, rec, rec->reread, true,
                            &vendor_err);
            if (!w) {
                /* The WQE changed under the device since it was checked. */
                rdo_rec_done(x, rec, RDO_WC_LOC_QP_OP_ERR, vendor_err);
                x->req.state = RDO_REQ_HALTED;
                break;
            }
            rec->reread = false;
            if (st->tm) {
                rdo_tm_cycles(core, st->tm->cfg.cyc.tx_issue);
            }
            if (!send_request_packet(core, qpn, qp, rec, w, x->req.tx_pkt)) {
                rdo_rec_done(x, rec, RDO_WC_LOC_PROT_ERR, RDO_VENDOR_ERR_DMA);
                x->req.state = RDO_REQ_HALTED;
                break;
            }
            if (st->tm) {
                if (!rec->life.tx_first_ps) {
                    rec->life.tx_first_ps = st->tm->last_link_start_ps;
                }
                rec->life.tx_last_ps = st->tm->last_link_end_ps;
            }
            budget--;
            x->req.tx_pkt++;
            /* A READ's responses use the PSNs after its request. */
            end = rdo_psn_add(rec->first_psn, rdo_wr_read_like(rec->wr_opcode) ?
                                              rec->npkts : x->req.tx_pkt);
            if (rdo_psn_cmp(end, x->req.tx_psn_max) > 0) {
                x->req.tx_psn_max = end;
            }
            if (x->req.tx_pkt >= request_packets(rec)) {
                rec->sent = true;
                if (qp->type != RDO_QPT_RC) {
                    rdo_rec_done(x, rec, RDO_WC_SUCCESS, 0);
                }
            }
            if (qp->type == RDO_QPT_RC) {
                rdo_xport_arm_timer(core, qpn);
            }
            continue;
        }
        if (qp->state != RDO_QPS_RTS || x->req.sq_next == qp->sq_pi ||
            x->req.state == RDO_REQ_HALTED ||
            st->qp_stall_mr[qpn] != RDO_NONE ||
            (x->req.sched_limited && x->req.sq_next == x->req.sched_limit)) {
            break;
        }
        if (qp->type == RDO_QPT_RC &&
            rdo_psn_diff(x->req.next_psn, x->req.una_psn) >= RDO_TX_WINDOW) {
            break;
        }
        if (fetch_next(core, qpn, qp, x) == FETCH_WAIT) {
            break;
        }
        budget--;
    }
    /* Records retire from the head once done: with the head not done
     * there is nothing to complete (most visits of a stream, a packet a
     * visit in the timing model), and an empty queue only stops its
     * timer, which rdo_req_complete does. */
    head = g_queue_peek_head(&x->req.sent);
    if (!head || head->done) {
        rdo_req_complete(core, qpn, qp);
    }
    if (qp->state == RDO_QPS_RTS || qp->state == RDO_QPS_SQD) {
        more = budget == 0 || paused;
    }
    return more;
}
