/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the requester's transmit side. A WQE is fetched once
 * when the scheduler first reaches it, checked (opcode, sizes, every key,
 * bound and access), and becomes a record of the PSNs it takes. Packets
 * are then built from the record: payload gathered through the MRs (zero
 * copy), headers from the QP's address vector or the WQE's UD address,
 * ICRC added by the wire layer. A retransmission walks the same records
 * again from an earlier point, re-reading the WQE from the ring.
 */
#include <string.h>
#include "xport/transport.h"

static const RdoWireMsg wr_msg[RDO_WR__COUNT] = {
    [RDO_WR_SEND] = RDO_MSG_SEND,
    [RDO_WR_SEND_IMM] = RDO_MSG_SEND_IMM,
    [RDO_WR_SEND_INV] = RDO_MSG_SEND_INV,
    [RDO_WR_SEND_INV_IMM] = RDO_MSG_SEND_INV_IMM,
    [RDO_WR_RDMA_WRITE] = RDO_MSG_WRITE,
    [RDO_WR_RDMA_WRITE_IMM] = RDO_MSG_WRITE_IMM,
};

/* Which work requests each QP type accepts. */
static const uint16_t wr_allowed[RDO_QPT__COUNT] = {
    [RDO_QPT_RC] = (1u << RDO_WR__COUNT) - 1,
    [RDO_QPT_UC] = (1u << RDO_WR_SEND) | (1u << RDO_WR_SEND_IMM) |
                   (1u << RDO_WR_RDMA_WRITE) | (1u << RDO_WR_RDMA_WRITE_IMM) |
                   (1u << RDO_WR_LOCAL_INV),
    [RDO_QPT_UD] = (1u << RDO_WR_SEND) | (1u << RDO_WR_SEND_IMM) |
                   (1u << RDO_WR_LOCAL_INV),
    [RDO_QPT_SSQ] = (1u << RDO_WR__COUNT) - 1,
};

static uint8_t qp_transport(const RdoQpCtx *qp)
{
    return qp->type == RDO_QPT_UC ? RDO_TRANSPORT_UC :
           qp->type == RDO_QPT_UD ? RDO_TRANSPORT_UD : RDO_TRANSPORT_RC;
}

/*
 * Timing: a retransmission reads the WQE from the ring again, as the
 * doorbell unit did the first time (sched.c): a read of the WQE flow that
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

bool rdo_wqe_fetch(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp,
                   uint32_t index, bool reread, RdoWqe *w, uint32_t *vendor_err)
{
    RdoRing ring = { qp->sq_addr, qp->sq_log_size, qp->sq_wqe_shift,
                     qp->sq_ring_flags };
    uint32_t stride = 1u << qp->sq_wqe_shift;
    uint32_t off = sizeof(struct rdo_send_wqe);

    /* Timing: the doorbell unit fetched it already (sched.c). */
    RdoFlow flow = rdo_tm_set_flow(core, RDO_FLOW_UNTIMED);
    bool got = rdo_push_take(core, qpn, index, w->raw, stride) ||
               rdo_ring_read(core, &ring, index, w->raw, stride);

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
    if (w->h.opcode >= RDO_WR__COUNT ||
        !(wr_allowed[qp->type] & (1u << w->h.opcode))) {
        return false;
    }
    if (qp->type == RDO_QPT_UD) {
        if (off + sizeof(w->ud) > stride) {
            return false;
        }
        memcpy(&w->ud, w->raw + off, sizeof(w->ud));
        off += sizeof(w->ud);
    }
    w->sge = NULL;
    w->inline_data = NULL;
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

int rdo_sge_copy(RdoCore *core, uint32_t pdn, const struct rdo_sge *sge,
                 uint32_t num_sge, uint64_t offset, void *buf, uint32_t len,
                 bool to_guest)
{
    uint8_t *p = buf;

    for (uint32_t i = 0; i < num_sge && len; i++) {
        uint32_t piece;
        RdoMrCheck r;

        if (offset >= sge[i].length) {
            offset -= sge[i].length;
            continue;
        }
        piece = MIN(len, sge[i].length - offset);
        r = rdo_mr_access(core, sge[i].lkey, pdn, sge[i].addr + offset, p,
                          piece, to_guest ? RDO_ACCESS_LOCAL_WRITE : 0, to_guest);
        if (r != RDO_MRC_OK) {
            return r;
        }
        p += piece;
        len -= piece;
        offset = 0;
    }
    return len ? RDO_MRC_BOUNDS : RDO_MRC_OK;
}

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
        r = rdo_mr_check(core, w->sge[i].lkey, qp->pdn, w->sge[i].addr,
                         w->sge[i].length, access);
        if (r != RDO_MRC_OK) {
            *stall_mr = RDO_MR_KEY_INDEX(w->sge[i].lkey);
            return r;
        }
    }
    return RDO_MRC_OK;
}

void rdo_tx_fill_addr(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp,
                      const struct rdo_ud_seg *ud, RdoWirePacket *pkt)
{
    RdoState *st = core->st;
    uint8_t sgid = ud ? ud->sgid_index : qp->sgid_index;
    uint8_t hop = ud ? ud->hop_limit : qp->hop_limit;

    memset(pkt, 0, sizeof(*pkt));
    pkt->ip_id = st->xport[qpn].ip_id++;
    pkt->udp_sport = 0xC000 | (qpn & 0x3FFF);

    memcpy(pkt->dst_mac, ud ? ud->dmac : qp->dmac, RDO_ETH_ALEN);
    memcpy(pkt->src_mac, st->port_mac, RDO_ETH_ALEN);
    if (sgid < core->cfg.max_gid) {
        memcpy(pkt->src_gid, st->gids[sgid].gid, 16);
    }
    memcpy(pkt->dst_gid, ud ? ud->dgid : qp->dgid, 16);
    pkt->hop_limit = hop ? hop : 64;
    pkt->pkey = RDO_PKEY_DEFAULT;
}

void rdo_tx_packet(RdoCore *core, RdoWirePacket *pkt)
{
    RdoState *st = core->st;
    int len = rdo_wire_build(pkt, st->frame_buf, RDO_FRAME_MAX);

    if (len < 0) {
        /* Addresses the driver set up that make no packet (e.g. a GID gone). */
        core->cnt.tx_errors++;
        return;
    }
    core->cnt.tx_packets++;
    rdo_fault_send(core, st->frame_buf, len);
}

/* Builds and sends packet `index` of a record's request. */
static bool send_request_packet(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp,
                                const RdoSendRec *rec, const RdoWqe *w,
                                uint32_t index)
{
    RdoState *st = core->st;
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
        bool last;

        if (rdo_wire_seg(transport, wr_msg[rec->wr_opcode], rec->msg_len, mtu,
                         index, &seg)) {
            return false;
        }
        info = rdo_wire_op_info(seg.opcode);
        last = info->pos == RDO_POS_LAST || info->pos == RDO_POS_ONLY;
        pkt.opcode = seg.opcode;
        if (w->inline_data) {
            memcpy(st->payload_buf, w->inline_data + seg.offset, seg.len);
        } else if (rdo_sge_copy(core, qp->pdn, w->sge, w->h.num_sge, seg.offset,
                                st->payload_buf, seg.len, false) != RDO_MRC_OK) {
            return false;
        }
        pkt.payload = st->payload_buf;
        pkt.payload_len = seg.len;
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
        /* RC asks for an ACK at the end of each message and now and then. */
        pkt.ack_req = transport == RDO_TRANSPORT_RC &&
                      (last || (index % 64) == 63);
        break;
    }
    }
    pkt.dest_qp = qp->type == RDO_QPT_UD ? w->ud.dest_qpn : qp->dest_qpn;
    rdo_tx_packet(core, &pkt);
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

static FetchOutcome fetch_next(RdoCore *core, uint32_t qpn, RdoQpCtx *qp,
                               RdoXport *x)
{
    RdoState *st = core->st;
    RdoWqe *w = st->wqe_buf;
    RdoSendRec *rec = g_new0(RdoSendRec, 1);
    uint32_t vendor_err, stall_mr = RDO_NONE;
    bool ok = rdo_wqe_fetch(core, qpn, qp, x->sq_next, false, w, &vendor_err);
    uint32_t conn = qpn;        /* the QP that transmits it */
    RdoQpCtx *cqp = qp;
    RdoXport *cx = x;

    rec->ring_qpn = qpn;
    rec->wqe_index = x->sq_next;
    rec->wr_id = ok ? w->h.wr_id : 0;
    rec->first_psn = x->next_psn;
    if (st->tm) {
        life_start(core, qpn, rec);
    }
    if (!ok) {
        if (vendor_err == RDO_VENDOR_ERR_DMA) {
            rdo_core_guest_error(core, RDO_ERR_NONE, qp->sq_addr,
                                 "QP %u: send queue not reachable", qpn);
        } else {
            rdo_core_guest_error(core, RDO_ERR_NONE, qpn,
                                 "QP %u: bad WQE %u (opcode 0x%x)", qpn,
                                 x->sq_next, w->h.opcode);
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
            rdo_core_guest_error(core, RDO_ERR_NONE, qpn,
                                 "SSQ %u: WQE %u for QP %u, not one it feeds",
                                 qpn, x->sq_next, conn);
            rdo_rec_done(x, rec, RDO_WC_LOC_QP_OP_ERR, RDO_VENDOR_ERR_BAD_WQE);
            goto add;
        }
        rec->conn_qpn = conn;
        if (cqp->state == RDO_QPS_ERR) {
            rdo_rec_done(x, rec, RDO_WC_WR_FLUSH_ERR, 0);
            goto add;
        }
        if (cqp->state != RDO_QPS_RTS) {
            g_free(rec);
            return FETCH_WAIT;  /* kicked again when it reaches RTS */
        }
        cx = &st->xport[conn];
        rec->first_psn = cx->next_psn;
    }
    if (((w->h.flags & RDO_WQE_F_FENCE) && cx->rd_inflight) ||
        (rdo_wr_read_like(w->h.opcode) &&
         cx->rd_inflight >= MAX(cqp->max_rd_atomic, 1)) ||
        (cqp != qp && rdo_psn_diff(cx->next_psn, cx->una_psn) >= RDO_TX_WINDOW)) {
        g_free(rec);
        return FETCH_WAIT;
    }
    if (w->h.opcode == RDO_WR_LOCAL_INV) {
        RdoMrCtx *mr;

        switch (rdo_mr_lookup(core, w->h.imm_or_rkey, qp->pdn, &mr)) {
        case RDO_MR_PENDING:
            st->qp_stall_mr[qpn] = RDO_MR_KEY_INDEX(w->h.imm_or_rkey);
            core->cnt.mr_stalls++;
            g_free(rec);
            return FETCH_WAIT;
        case RDO_MR_OK:
            mr->flags &= ~RDO_MR_F_VALID;
            rdo_ctx_dirty(core, &st->mrc, mr);
            rdo_rec_done(x, rec, RDO_WC_SUCCESS, 0);
            goto add;
        default:
            rdo_rec_done(x, rec, RDO_WC_LOC_PROT_ERR, RDO_VENDOR_ERR_BAD_KEY);
            goto add;
        }
    }
    switch (check_sges(core, qp, w, &stall_mr)) {
    case RDO_MRC_OK:
        break;
    case RDO_MRC_PENDING:
        st->qp_stall_mr[qpn] = stall_mr;
        core->cnt.mr_stalls++;
        g_free(rec);
        return FETCH_WAIT;
    default:
        rdo_core_guest_error(core, RDO_ERR_NONE, qpn,
                             "QP %u: WQE %u has a bad local key or range", qpn,
                             x->sq_next);
        rdo_rec_done(x, rec, RDO_WC_LOC_PROT_ERR, RDO_VENDOR_ERR_BAD_KEY);
        goto add;
    }
    if (w->h.opcode == RDO_WR_ATOMIC_CMP_SWP || w->h.opcode == RDO_WR_ATOMIC_FETCH_ADD) {
        rec->npkts = 1;
    } else {
        rec->npkts = rdo_wire_seg_count(rec->msg_len, rdo_qp_mtu(qp));
    }
    if (rdo_wr_read_like(rec->wr_opcode)) {
        cx->rd_inflight++;
    }
    cx->next_psn = rdo_psn_add(cx->next_psn, rec->npkts);
add:
    rec->refs = 1;
    g_queue_push_tail(&x->sent, rec);
    x->sq_next++;
    if (cx != x && !rec->done) {
        /* Also on the connection's list, which transmits it. */
        rec->refs++;
        g_queue_push_tail(&cx->sent, rec);
        rdo_sq_kick(core, conn);
    }
    if (rec->done && rec->status != RDO_WC_SUCCESS && !rec->conn_qpn) {
        x->halted = true;       /* reported in order, then the QP fails */
        return FETCH_FAILED;
    }
    return FETCH_OK;
}

/* Sends what one visit may of a QP's send work; true if more is waiting. */
bool rdo_tx_process(RdoCore *core, uint32_t qpn, RdoQpCtx *qp)
{
    RdoState *st = core->st;
    RdoXport *x = &st->xport[qpn];
    uint64_t now = core->ops->now_ns(core->host);
    uint32_t budget = RDO_TX_BUDGET;
    uint32_t cached = RDO_NONE;     /* record whose WQE is in wqe_buf */
    bool more = false, paused = false;

    if (x->rnr_until > now) {
        return false;           /* the timer list wakes it */
    }
    x->rnr_until = 0;
    while (budget) {
        RdoSendRec *rec;

        if (st->tm && !rdo_tm_tx_may_send(core)) {
            paused = true;      /* the engine or the link is busy: later */
            break;
        }
        if (qp->type != RDO_QPT_SSQ && x->tx_pos < g_queue_get_length(&x->sent)) {
            uint32_t vendor_err, end;

            rec = g_queue_peek_nth(&x->sent, x->tx_pos);
            if (rec->done || !rec->npkts || x->tx_pkt >= request_packets(rec)) {
                x->tx_pos++;
                x->tx_pkt = 0;
                continue;
            }
            if (qp->type == RDO_QPT_RC &&
                rdo_psn_diff(rdo_psn_add(rec->first_psn, x->tx_pkt),
                             x->una_psn) >= RDO_TX_WINDOW) {
                break;          /* the window is full: wait for ACKs */
            }
            if (cached != x->tx_pos &&
                !rdo_rec_fetch(core, qpn, qp, rec, rec->reread, st->wqe_buf,
                               &vendor_err)) {
                /* The WQE changed under the device since it was checked. */
                rdo_rec_done(x, rec, RDO_WC_LOC_QP_OP_ERR, vendor_err);
                x->halted = true;
                break;
            }
            cached = x->tx_pos;
            rec->reread = false;
            if (st->tm) {
                rdo_tm_cycles(core, st->tm->cfg.cyc.tx_issue);
            }
            if (!send_request_packet(core, qpn, qp, rec, st->wqe_buf,
                                     x->tx_pkt)) {
                rdo_rec_done(x, rec, RDO_WC_LOC_PROT_ERR, RDO_VENDOR_ERR_DMA);
                x->halted = true;
                break;
            }
            if (st->tm) {
                if (!rec->life.tx_first_ps) {
                    rec->life.tx_first_ps = st->tm->last_link_start_ps;
                }
                rec->life.tx_last_ps = st->tm->last_link_end_ps;
            }
            budget--;
            x->tx_pkt++;
            /* A READ's responses use the PSNs after its request. */
            end = rdo_psn_add(rec->first_psn, rdo_wr_read_like(rec->wr_opcode) ?
                                              rec->npkts : x->tx_pkt);
            if (rdo_psn_cmp(end, x->tx_psn_max) > 0) {
                x->tx_psn_max = end;
            }
            if (x->tx_pkt >= request_packets(rec)) {
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
        if (qp->state != RDO_QPS_RTS || x->sq_next == qp->sq_pi || x->halted ||
            st->qp_stall_mr[qpn] != RDO_NONE ||
            (x->sched_limited && x->sq_next == x->sched_limit)) {
            break;
        }
        if (qp->type == RDO_QPT_RC &&
            rdo_psn_diff(x->next_psn, x->una_psn) >= RDO_TX_WINDOW) {
            break;
        }
        cached = RDO_NONE;
        if (fetch_next(core, qpn, qp, x) == FETCH_WAIT) {
            break;
        }
        /* wqe_buf holds the new record's WQE (a pushed one is only there). */
        cached = qp->type == RDO_QPT_SSQ ? RDO_NONE : g_queue_get_length(&x->sent) - 1;
        budget--;
    }
    rdo_req_complete(core, qpn, qp);
    if (qp->state == RDO_QPS_RTS || qp->state == RDO_QPS_SQD) {
        more = budget == 0 || paused;
    }
    return more;
}

/* The pushed copy of WQE `index` of a QP, once; false if there is none. */
bool rdo_push_take(RdoCore *core, uint32_t qpn, uint32_t index, uint8_t *buf,
                   uint32_t stride)
{
    RdoXport *x = &core->st->xport[qpn];

    if (!x->push_valid || x->push_index != index || x->push_len > stride) {
        return false;
    }
    x->push_valid = false;
    memcpy(buf, x->push_wqe, x->push_len);
    memset(buf + x->push_len, 0, stride - x->push_len);
    core->cnt.push_wqes++;
    return true;
}
