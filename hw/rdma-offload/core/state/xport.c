/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the transport in the state stream: per QP the
 * requester (PSNs, its records of work requests, retry state, timers), the
 * responder (expected PSN, MSN, the message in progress, the responder
 * resources that replay READs and atomics) and the aggregated payload not
 * placed yet; the lists of end-of-round work; the functional send-work
 * queue.
 *
 * Soft and dropped: the inline-pushed WQE copy (the WQE is in the ring as
 * well, and is read from there), the transmit engine's held WQEs (read
 * again from the ring, untimed), the scratch buffers.
 *
 * A record a shared send queue feeds to a connection is on both QPs'
 * lists: it is written once, where it first appears (QPs in order), and
 * named by its number in the stream where it appears again.
 */
#include <string.h>
#include "state/state.h"

static bool xport_needed(RdoCore *core)
{
    return rdo_state_qps(core) != 0;
}

static void rec_save(RdoOut *o, const RdoSendRec *r)
{
    rdo_out_u32(o, r->ring_qpn);
    rdo_out_u32(o, r->wqe_index);
    rdo_out_u64(o, r->wr_id);
    rdo_out_u8(o, r->wr_opcode);
    rdo_out_u8(o, r->wqe_flags);
    rdo_out_u32(o, r->msg_len);
    rdo_out_u32(o, r->first_psn);
    rdo_out_u32(o, r->npkts);
    rdo_out_u32(o, r->resp_pkts);
    rdo_out_u8(o, r->sent);
    rdo_out_u8(o, r->reread);
    rdo_out_u8(o, r->done);
    rdo_out_u32(o, r->conn_qpn);
    rdo_out_u8(o, r->status);
    rdo_out_u32(o, r->vendor_err);
    rdo_out_life(o, &r->life);
}

static RdoSendRec *rec_load(RdoCore *core, RdoIn *in)
{
    RdoState *st = core->st;
    RdoSendRec *r = rdo_rec_new(st);

    r->ring_qpn = rdo_in_index(in, st->usable_qps, "record's QP");
    r->wqe_index = rdo_in_u32(in);
    r->wr_id = rdo_in_u64(in);
    r->wr_opcode = rdo_in_u8(in);
    r->wqe_flags = rdo_in_u8(in);
    r->msg_len = rdo_in_u32(in);
    r->first_psn = rdo_in_u32(in);
    r->npkts = rdo_in_u32(in);
    r->resp_pkts = rdo_in_u32(in);
    r->sent = rdo_in_bool(in);
    r->reread = rdo_in_bool(in);
    r->done = rdo_in_bool(in);
    r->conn_qpn = rdo_in_u32(in);
    r->status = rdo_in_u8(in);
    r->vendor_err = rdo_in_u32(in);
    rdo_in_life(in, &r->life);
    rdo_in_check(in, st->qp_used[r->ring_qpn] && r->wr_opcode < RDO_WR__COUNT &&
                 r->first_psn <= RDO_PSN_MASK && r->npkts <= RDO_TX_WINDOW * 4 &&
                 r->resp_pkts <= r->npkts &&
                 (!r->conn_qpn || (r->conn_qpn < st->usable_qps &&
                                   st->qp_used[r->conn_qpn])),
                 "record of WQE %u of QP %u: opcode %u, %u packets, "
                 "connection %u", r->wqe_index, r->ring_qpn, r->wr_opcode,
                 r->npkts, r->conn_qpn);
    return r;
}

/* Record numbers in the stream: where each first appeared. */
typedef struct RecTable {
    GHashTable *ids;            /* saving: RdoSendRec * -> number + 1 */
    GPtrArray *recs;            /* loading: by number */
    GArray *first_qpn;          /* loading: the QP whose list had it first */
} RecTable;

static void req_save(RdoOut *o, const RdoReqPart *q, RecTable *t)
{
    rdo_out_u8(o, q->state);
    rdo_out_u8(o, q->retry);
    rdo_out_u32(o, q->tx_pos);
    rdo_out_u32(o, q->tx_pkt);
    rdo_out_u32(o, q->sq_next);
    rdo_out_u32(o, q->next_psn);
    rdo_out_u32(o, q->una_psn);
    rdo_out_u32(o, q->tx_psn_max);
    rdo_out_u32(o, q->rd_inflight);
    rdo_out_u8(o, q->retry_left);
    rdo_out_u8(o, q->rnr_left);
    rdo_out_u64(o, q->rto_at);
    rdo_out_u64(o, q->rnr_until);
    rdo_out_u32(o, q->gb_psn);
    rdo_out_u32(o, q->ip_id);
    rdo_out_u8(o, q->sched_limited);
    rdo_out_u32(o, q->sched_limit);
    rdo_out_u32(o, g_queue_get_length((GQueue *)&q->sent));
    for (GList *l = q->sent.head; l; l = l->next) {
        gpointer id = g_hash_table_lookup(t->ids, l->data);

        if (id) {
            rdo_out_u8(o, 1);
            rdo_out_u32(o, GPOINTER_TO_UINT(id) - 1);
        } else {
            rdo_out_u8(o, 0);
            g_hash_table_insert(t->ids, l->data,
                                GUINT_TO_POINTER(g_hash_table_size(t->ids) + 1));
            rec_save(o, l->data);
        }
    }
}

static void req_load(RdoCore *core, RdoIn *in, uint32_t qpn, RdoReqPart *q,
                     RecTable *t)
{
    uint32_t n;

    q->state = rdo_in_u8(in);
    q->retry = rdo_in_u8(in);
    q->tx_pos = rdo_in_u32(in);
    q->tx_pkt = rdo_in_u32(in);
    q->sq_next = rdo_in_u32(in);
    q->next_psn = rdo_in_u32(in);
    q->una_psn = rdo_in_u32(in);
    q->tx_psn_max = rdo_in_u32(in);
    q->rd_inflight = rdo_in_u32(in);
    q->retry_left = rdo_in_u8(in);
    q->rnr_left = rdo_in_u8(in);
    q->rto_at = rdo_in_time_ns(in, "retransmit timer");
    q->rnr_until = rdo_in_time_ns(in, "RNR back-off");
    q->gb_psn = rdo_in_u32(in);
    q->ip_id = rdo_in_u32(in);
    q->sched_limited = rdo_in_bool(in);
    q->sched_limit = rdo_in_u32(in);
    rdo_in_check(in, q->state < RDO_REQ__COUNT && q->retry < RDO_RETRY__COUNT &&
                 ((q->next_psn | q->una_psn | q->tx_psn_max | q->gb_psn) &
                  ~RDO_PSN_MASK) == 0 && q->retry_left <= 7 && q->rnr_left <= 7,
                 "QP %u: requester state", qpn);
    n = rdo_in_count(in, UINT32_MAX, 5, "records");
    for (uint32_t k = 0; k < n && rdo_in_ok(in); k++) {
        RdoSendRec *r;

        if (rdo_in_u8(in)) {
            uint32_t id = rdo_in_index(in, t->recs->len, "record");
            uint32_t first;

            if (!rdo_in_ok(in)) {
                return;
            }
            r = g_ptr_array_index(t->recs, id);
            first = g_array_index(t->first_qpn, uint32_t, id);
            /* On its ring QP's list and its connection's, once each. */
            if (!rdo_in_check(in, first != qpn && r->refs == 1 &&
                              (qpn == r->ring_qpn || qpn == r->conn_qpn),
                              "QP %u: record %u is not one of its own", qpn, id)) {
                return;
            }
            r->refs++;
        } else {
            r = rec_load(core, in);
            r->refs = 1;
            g_ptr_array_add(t->recs, r);
            g_array_append_val(t->first_qpn, qpn);
            if (!rdo_in_check(in, qpn == r->ring_qpn ||
                              (r->conn_qpn == qpn && r->ring_qpn != qpn),
                              "QP %u: record of QP %u's ring", qpn, r->ring_qpn)) {
                rdo_rec_push(&q->sent, r);     /* freed with the queue */
                return;
            }
        }
        rdo_rec_push(&q->sent, r);
    }
    rdo_in_check(in, q->tx_pos <= g_queue_get_length(&q->sent),
                 "QP %u: transmitting record %u of %u", qpn, q->tx_pos,
                 g_queue_get_length(&q->sent));
}

static void res_save(RdoOut *o, const RdoRespRes *r, bool streaming)
{
    rdo_out_u8(o, r->valid);
    rdo_out_u8(o, r->atomic);
    rdo_out_u8(o, r->answered);
    rdo_out_u32(o, r->first_psn);
    rdo_out_u32(o, r->last_psn);
    rdo_out_u64(o, r->va);
    rdo_out_u32(o, r->rkey);
    rdo_out_u32(o, r->len);
    rdo_out_u64(o, r->orig);
    rdo_out_u32(o, r->next_pkt);
    rdo_out_u8(o, streaming);
}

static void res_load(RdoIn *in, RdoRespPart *p, RdoRespRes *r)
{
    r->valid = rdo_in_bool(in);
    r->atomic = rdo_in_bool(in);
    r->answered = rdo_in_bool(in);
    r->first_psn = rdo_in_u32(in);
    r->last_psn = rdo_in_u32(in);
    r->va = rdo_in_u64(in);
    r->rkey = rdo_in_u32(in);
    r->len = rdo_in_u32(in);
    r->orig = rdo_in_u64(in);
    r->next_pkt = rdo_in_u32(in);
    rdo_res_set_streaming(p, r, rdo_in_bool(in));
    rdo_in_check(in, ((r->first_psn | r->last_psn) & ~RDO_PSN_MASK) == 0,
                 "responder resource PSNs");
}

static void resp_save(RdoOut *o, const RdoRespPart *r)
{
    rdo_out_u8(o, r->op);
    rdo_out_u8(o, r->seq);
    rdo_out_u32(o, r->epsn);
    rdo_out_u32(o, r->msn);
    rdo_out_u8(o, r->ack_pending);
    rdo_out_u8(o, r->ack_syndrome);
    rdo_out_u32(o, r->ack_psn);
    rdo_out_u64(o, r->recv_wr_id);
    rdo_out_u32(o, r->recv_index);
    rdo_out_u32(o, r->recv_offset);
    rdo_out_u8(o, r->recv_srq);
    rdo_out_u64(o, r->write_va);
    rdo_out_u32(o, r->write_rkey);
    rdo_out_u32(o, r->write_left);
    rdo_out_u32(o, r->write_total);
    rdo_out_u32(o, RDO_RESP_RES_MAX);
    for (uint32_t i = 0; i < RDO_RESP_RES_MAX; i++) {
        static const RdoRespRes unused;

        res_save(o, r->res ? &r->res[i] : &unused, r->res_streaming >> i & 1);
    }
    rdo_out_u32(o, r->res_next);
    rdo_out_u8(o, r->resp_queued);
    rdo_out_u8(o, r->ack_queued);
}

static void resp_load(RdoIn *in, uint32_t qpn, RdoRespPart *r)
{
    uint32_t n;

    r->op = rdo_in_u8(in);
    r->seq = rdo_in_u8(in);
    r->epsn = rdo_in_u32(in);
    r->msn = rdo_in_u32(in);
    r->ack_pending = rdo_in_bool(in);
    r->ack_syndrome = rdo_in_u8(in);
    r->ack_psn = rdo_in_u32(in);
    r->recv_wr_id = rdo_in_u64(in);
    r->recv_index = rdo_in_u32(in);
    r->recv_offset = rdo_in_u32(in);
    r->recv_srq = rdo_in_bool(in);
    r->write_va = rdo_in_u64(in);
    r->write_rkey = rdo_in_u32(in);
    r->write_left = rdo_in_u32(in);
    r->write_total = rdo_in_u32(in);
    n = rdo_in_count(in, RDO_RESP_RES_MAX, 1, "responder resources");
    r->res_streaming = 0;
    for (uint32_t i = 0; i < n; i++) {
        res_load(in, r, &rdo_resp_res(r)[i]);
    }
    r->res_next = rdo_in_u32(in);
    r->resp_queued = rdo_in_bool(in);
    r->ack_queued = rdo_in_bool(in);
    rdo_in_check(in, r->op < RESP__COUNT && r->seq < RDO_SEQ__COUNT &&
                 ((r->epsn | r->ack_psn) & ~RDO_PSN_MASK) == 0,
                 "QP %u: responder state", qpn);
}

/* A WRITE's run written on arrival (rx-agg.c) has no bytes to carry, only
 * its MR's page fields and where a write failed: its kind with this bit. */
#define AGG_AHEAD   0x80u

static void agg_save(RdoOut *o, const RdoAggPart *a)
{
    rdo_out_u8(o, a->kind | (a->ahead ? AGG_AHEAD : 0));
    rdo_out_u32(o, a->key);
    rdo_out_u64(o, a->va);
    rdo_out_u8(o, a->queued);
    rdo_out_u32(o, a->len);
    if (a->ahead) {
        rdo_out_u8(o, a->ahead_shift);
        rdo_out_u32(o, a->ahead_pages);
        rdo_out_u64(o, a->ahead_list);
        rdo_out_u64(o, a->ahead_iova);
        rdo_out_u64(o, a->ahead_fail);
        return;
    }
    rdo_out_bytes(o, a->buf, a->len);
}

/* Payload received (and maybe acknowledged) but not placed yet. */
static void agg_load(RdoIn *in, uint32_t qpn, RdoAggPart *a)
{
    uint8_t kind = rdo_in_u8(in);

    a->kind = kind & ~AGG_AHEAD;
    a->ahead = kind & AGG_AHEAD;
    a->key = rdo_in_u32(in);
    a->va = rdo_in_u64(in);
    a->queued = rdo_in_bool(in);
    a->len = rdo_in_u32(in);
    if (!rdo_in_check(in, a->kind <= RDO_AGG_READ && a->len <= RDO_AGG_MAX &&
                      (!a->ahead || a->kind == RDO_AGG_WRITE),
                      "QP %u: %u bytes aggregated (kind 0x%x)", qpn, a->len,
                      kind)) {
        a->len = 0;
        a->ahead = false;
        return;
    }
    if (a->ahead) {
        a->ahead_shift = rdo_in_u8(in);
        a->ahead_pages = rdo_in_u32(in);
        a->ahead_list = rdo_in_u64(in);
        a->ahead_iova = rdo_in_u64(in);
        a->ahead_fail = rdo_in_u64(in);
        /* As an MR's own fields are checked (a written run stops at a
         * failure): pages of 4 KiB to 1 GiB. */
        rdo_in_check(in, a->ahead_shift >= 12 && a->ahead_shift <= 30,
                     "QP %u: written run's page shift %u", qpn, a->ahead_shift);
        return;
    }
    if (a->len) {
        a->buf = g_malloc(RDO_AGG_MAX);
        rdo_in_bytes(in, a->buf, a->len);
    }
}

static void xport_save(RdoCore *core, RdoOut *o)
{
    RdoState *st = core->st;
    RecTable t = { .ids = g_hash_table_new(NULL, NULL) };

    rdo_out_u32(o, rdo_state_qps(core));
    for (uint32_t i = 0; i < st->usable_qps; i++) {
        if (st->qp_used[i]) {
            rdo_out_u32(o, i);
            req_save(o, &st->xport[i].req, &t);
            resp_save(o, &st->xport[i].resp);
            agg_save(o, &st->xport[i].agg);
        }
    }
    g_hash_table_destroy(t.ids);
}

static void xport_load(RdoCore *core, RdoIn *in)
{
    RdoState *st = core->st;
    RecTable t = { .recs = g_ptr_array_new(),
                   .first_qpn = g_array_new(FALSE, FALSE, sizeof(uint32_t)) };
    uint32_t n = rdo_in_count(in, st->usable_qps, 4, "QPs");
    int32_t last = -1;

    /* The transmit engine's held WQEs and the placement's held MR are
     * soft: read again after a load. */
    rdo_tx_hold_drop_all(st);
    rdo_agg_drop_held_all(core);
    for (uint32_t k = 0; k < n && rdo_in_ok(in); k++) {
        uint32_t i = rdo_in_index(in, st->usable_qps, "QP");
        RdoXport *x = &st->xport[i];

        if (!rdo_in_check(in, st->qp_used[i] && (int32_t)i > last,
                          "QP %u: not allocated, or out of order", i)) {
            break;
        }
        last = i;
        req_load(core, in, i, &x->req, &t);
        resp_load(in, i, &x->resp);
        agg_load(in, i, &x->agg);
        /* The timer heap is soft state: rebuilt from the deadlines (hard
         * state) the requester carries. */
        if (rdo_in_ok(in)) {
            rdo_xport_timer_rearm(core, i);
        }
    }
    g_ptr_array_free(t.recs, TRUE);
    g_array_free(t.first_qpn, TRUE);
    rdo_failover_number_records(core);
}

/* A list of QP (or CQ) numbers. */
static void list_save(RdoOut *o, const RdoIdxQueue *q)
{
    rdo_out_u32(o, q->len);
    for (uint32_t i = 0; i < q->len; i++) {
        rdo_out_u32(o, rdo_idxq_nth(q, i));
    }
}

/* Entries below `limit`; stale ones (their flag cleared) are allowed, as
 * the lists themselves skip them. */
static void list_load(RdoIn *in, RdoIdxQueue *q, uint32_t limit, uint32_t max,
                      const char *what)
{
    uint32_t n = rdo_in_count(in, max, 4, what);

    for (uint32_t k = 0; k < n && rdo_in_ok(in); k++) {
        rdo_idxq_push(q, rdo_in_index(in, limit, what));
    }
}

static bool lists_needed(RdoCore *core)
{
    RdoState *st = core->st;

    return st->ack_list.len || st->resp_list.len || st->agg_list.len ||
           st->cq_timed.len || st->sq_ready.len;
}

static void lists_save(RdoCore *core, RdoOut *o)
{
    RdoState *st = core->st;

    list_save(o, &st->ack_list);
    list_save(o, &st->resp_list);
    list_save(o, &st->agg_list);
    list_save(o, &st->cq_timed);
    list_save(o, &st->sq_ready);
}

static void lists_load(RdoCore *core, RdoIn *in)
{
    RdoState *st = core->st;
    uint32_t qps = st->usable_qps;

    list_load(in, &st->ack_list, qps, 2 * qps, "ACK list");
    list_load(in, &st->resp_list, qps, 2 * qps, "response list");
    list_load(in, &st->agg_list, qps, 2 * qps, "aggregation list");
    list_load(in, &st->cq_timed, core->cfg.max_cq, 2 * core->cfg.max_cq,
              "moderated CQ list");
    list_load(in, &st->sq_ready, qps, qps, "send-work list");
    for (uint32_t i = 0; i < st->sq_ready.len && rdo_in_ok(in); i++) {
        uint32_t qpn = rdo_idxq_nth(&st->sq_ready, i);

        if (rdo_in_check(in, !st->sq_queued[qpn], "QP %u twice on the send-"
                         "work list", qpn)) {
            st->sq_queued[qpn] = 1;
        }
    }
}

/*
 * Buffered receive: the SENDs held per QP (xport/bufrecv.c), acknowledged
 * to their requesters already: hard state. Per QP with any, its number,
 * whether the newest is still arriving, and each message.
 */
static bool held_needed(RdoCore *core)
{
    RdoState *st = core->st;

    for (uint32_t i = 0; st->xport && i < st->usable_qps; i++) {
        if (st->xport[i].held.head) {
            return true;
        }
    }
    return false;
}

static void held_save(RdoCore *core, RdoOut *o)
{
    RdoState *st = core->st;

    for (uint32_t i = 0; i < st->usable_qps; i++) {
        RdoXport *x = &st->xport[i];
        uint32_t n = 0;

        if (!x->held.head) {
            continue;
        }
        for (RdoHeld *h = x->held.head; h; h = h->next) {
            n++;
        }
        rdo_out_u32(o, i);
        rdo_out_u8(o, x->held.open);
        rdo_out_u32(o, n);
        for (RdoHeld *h = x->held.head; h; h = h->next) {
            rdo_out_u32(o, h->first_psn);
            rdo_out_u32(o, h->packets);
            rdo_out_u32(o, h->imm);
            rdo_out_u32(o, h->inv_rkey);
            rdo_out_u8(o, h->flags);
            rdo_out_u32(o, h->data->len);
            rdo_out_bytes(o, h->data->data, h->data->len);
        }
    }
    rdo_out_u32(o, RDO_NONE);
}

static void held_load(RdoCore *core, RdoIn *in)
{
    RdoState *st = core->st;
    const uint8_t known = RDO_HELD_DONE | RDO_HELD_IMM | RDO_HELD_INV |
                          RDO_HELD_SE;
    int64_t last = -1;

    while (rdo_in_ok(in)) {
        uint32_t qpn = rdo_in_u32(in), n;
        RdoXport *x;

        if (qpn == RDO_NONE) {
            break;
        }
        if (!rdo_in_check(in, qpn < st->usable_qps && st->qp_used[qpn] &&
                          (int64_t)qpn > last, "held SENDs of QP %u: not "
                          "allocated, or out of order", qpn)) {
            break;
        }
        last = qpn;
        x = &st->xport[qpn];
        x->held.open = rdo_in_bool(in);
        n = rdo_in_count(in, RDO_BUFRECV_MAX_BYTES, 21, "held SENDs");
        for (uint32_t k = 0; k < n && rdo_in_ok(in); k++) {
            RdoHeld *h = g_new0(RdoHeld, 1);
            uint32_t len;

            h->first_psn = rdo_in_u32(in);
            h->packets = rdo_in_u32(in);
            h->imm = rdo_in_u32(in);
            h->inv_rkey = rdo_in_u32(in);
            h->flags = rdo_in_u8(in);
            len = rdo_in_count(in, core->cfg.bufrecv_bytes, 1, "held bytes");
            h->data = g_byte_array_sized_new(len);
            g_byte_array_set_size(h->data, len);
            rdo_in_bytes(in, h->data->data, len);
            if (x->held.tail) {
                x->held.tail->next = h;
            } else {
                x->held.head = h;
            }
            x->held.tail = h;
            st->bufrecv_used += len;
            /* Only the newest may be incomplete, and only when open. */
            rdo_in_check(in, !(h->flags & ~known) && h->first_psn <= RDO_PSN_MASK &&
                         !(h->flags & RDO_HELD_DONE) ==
                         (x->held.open && k + 1 == n) &&
                         st->bufrecv_used <= core->cfg.bufrecv_bytes,
                         "held SEND %u of QP %u: flags 0x%x, %u bytes", k,
                         qpn, h->flags, len);
        }
        rdo_in_check(in, n > 0, "QP %u: no held SENDs listed", qpn);
    }
}

const RdoSection rdo_state_xport_sections[] = {
    { 20, 0, "transport", xport_needed, xport_save, xport_load },
    { 21, 0, "transport-lists", lists_needed, lists_save, lists_load },
    { 22, 0, "held-sends", held_needed, held_save, held_load },
    { 0 }
};

static bool in_list(const RdoIdxQueue *q, uint32_t n)
{
    return rdo_idxq_contains(q, n);
}

/*
 * A flag that says a QP (or CQ) is on a list must find it there, or its
 * work would never run.
 */
void rdo_state_xport_check(RdoCore *core, RdoIn *in)
{
    RdoState *st = core->st;

    for (uint32_t i = 0; i < st->usable_qps && rdo_in_ok(in); i++) {
        const RdoXport *x = &st->xport[i];

        rdo_in_check(in, (!x->resp.ack_queued || in_list(&st->ack_list, i)) &&
                     (!x->resp.resp_queued || in_list(&st->resp_list, i)) &&
                     (!x->agg.queued || in_list(&st->agg_list, i)),
                     "QP %u: work flagged but not on its list", i);
    }
    for (uint32_t i = 0; i < core->cfg.max_cq && rdo_in_ok(in); i++) {
        rdo_in_check(in, !st->cqs[i].mod_due || in_list(&st->cq_timed, i),
                     "CQ %u: moderation timer not on the list", i);
    }
}
