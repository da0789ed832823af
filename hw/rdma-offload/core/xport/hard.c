/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: a QP's transport hard state in host memory for engine
 * failover (failover=1; docs/architecture.md "Engine failover"). At each
 * commit point the engine writes an image of the QP's protocol state into
 * the transport section of its QP context in the store (ctx/commit.c);
 * a failover rebuilds the QP from that image, not from the engine's own
 * copy, which the fault has made untrustworthy.
 *
 * The image holds what the engine alone knows of the QP's position: the
 * responder's (expected PSN, MSN, the message in progress, the next
 * responder resource) and the requester's (oldest unacknowledged PSN,
 * next WQE and PSN, retry budgets, its oldest record). The rest of the QP's
 * entry in the store (RDO_QPC_FO_*, failover only) holds the responder
 * resources, each written once it is executed, and the requester's records
 * of work requests, each written at the first commit point after it
 * changed. A recovery reads all three back and checks each.
 */
#include <string.h>
#include "xport/transport.h"
#include "wire/wire.h"

#define RDO_HARD_MAGIC  0x48535458u     /* "XTSH" */

/* The transport section of the QP context (RDO_FO_XPORT_BYTES). */
typedef struct RdoHardImage {
    uint32_t magic;             /* RDO_HARD_MAGIC ^ qpn */
    uint32_t crc;               /* CRC-32 of what follows */
    uint32_t commits;           /* this QP's write-backs, wrapping */
    uint8_t req_state, retry_left, rnr_left, resp_op;
    uint32_t una_psn;
    uint8_t resp_seq, recv_srq, reserved[2];
    uint32_t epsn, msn;
    uint32_t recv_index, recv_offset;
    uint64_t recv_wr_id;
    uint64_t write_va;
    uint32_t write_rkey, write_left, write_total, res_next;
    uint32_t rec_head, rec_count;   /* the oldest record's number, records */
    uint32_t sq_next, next_psn, tx_psn_max;
    uint8_t pad[RDO_FO_XPORT_BYTES - 92];
} RdoHardImage;
_Static_assert(sizeof(RdoHardImage) == RDO_FO_XPORT_BYTES, "hard-state image");

#define CRC_FROM    offsetof(RdoHardImage, commits)

static uint32_t image_crc(const RdoHardImage *h)
{
    return rdo_wire_crc32(0, (const uint8_t *)h + CRC_FROM, sizeof(*h) - CRC_FROM);
}

/* A record's or resource's CRC: over all but the CRC, seeded with where it
 * belongs, so that one copied to another slot or QP does not pass. */
static uint32_t slot_crc(uint32_t qpn, uint32_t slot, const void *p, size_t len)
{
    uint32_t seed = rdo_wire_crc32(0, (const uint8_t *)&qpn, 4) ^ slot;

    return rdo_wire_crc32(seed, (const uint8_t *)p + 4, len - 4);
}

static uint32_t rec_off(uint32_t seq)
{
    return RDO_QPC_FO_REC_OFF + seq % RDO_QPC_FO_RECS * sizeof(struct rdo_qpc_fo_rec);
}

void rdo_xport_rec_added(RdoXport *x, RdoSendRec *rec)
{
    rec->fo_seq = x->req.fo_seq_next++;
    rec->fo_crc = 0;
}

/* The records that changed since they were last written go to the store. */
static void commit_records(RdoCore *core, uint32_t qpn, const RdoXport *x)
{
    for (GList *l = x->req.sent.head; l; l = l->next) {
        RdoSendRec *rec = l->data;
        struct rdo_qpc_fo_rec r = {
            .seq = rec->fo_seq, .wr_id = rec->wr_id, .ring_qpn = rec->ring_qpn,
            .wqe_index = rec->wqe_index, .first_psn = rec->first_psn,
            .npkts = rec->npkts, .resp_pkts = rec->resp_pkts,
            .msg_len = rec->msg_len, .vendor_err = rec->vendor_err,
            .opcode = rec->wr_opcode, .wqe_flags = rec->wqe_flags,
            .status = rec->status,
            .flags = (rec->sent ? RDO_QPC_FO_REC_SENT : 0) |
                     (rec->done ? RDO_QPC_FO_REC_DONE : 0) |
                     (rec->reread ? RDO_QPC_FO_REC_REREAD : 0) |
                     (rec->ring_qpn != qpn ? RDO_QPC_FO_REC_SHARED : 0),
        };

        r.crc = slot_crc(qpn, rec->fo_seq % RDO_QPC_FO_RECS, &r, sizeof(r));
        if (r.crc != rec->fo_crc) {
            rdo_fo_store_put(core, qpn, rec_off(rec->fo_seq), &r, sizeof(r));
            rec->fo_crc = r.crc;
        }
    }
}

void rdo_xport_commit_res(RdoCore *core, uint32_t qpn, uint32_t slot)
{
    const RdoRespRes *res = &core->st->xport[qpn].resp.res[slot];
    struct rdo_qpc_fo_res r = {
        .psn_flags = res->first_psn | RDO_QPC_FO_RES_VALID |
                     (res->atomic ? RDO_QPC_FO_RES_ATOMIC : 0),
        .va = res->va, .rkey = res->rkey, .len = res->len, .orig = res->orig,
    };

    if (!core->cfg.failover) {
        return;
    }
    r.crc = slot_crc(qpn, slot, &r, sizeof(r));
    rdo_fo_store_put(core, qpn, RDO_QPC_FO_RES_OFF + slot * sizeof(r), &r,
                     sizeof(r));
}

void rdo_xport_commit(RdoCore *core, uint32_t qpn)
{
    RdoXport *x;
    const RdoSendRec *oldest;
    RdoHardImage h;

    /* Called on every packet: without failover it must touch nothing of
     * the QP (its requester's line is cold on a responder: a host miss a
     * packet with many QPs). */
    if (!core->cfg.failover) {
        return;
    }
    x = &core->st->xport[qpn];
    if (x->req.fo_defer) {
        x->req.fo_owed = true;
        return;
    }
    oldest = g_queue_peek_head(&x->req.sent);
    commit_records(core, qpn, x);
    memset(&h, 0, sizeof(h));
    h.rec_head = oldest ? oldest->fo_seq : x->req.fo_seq_next;
    h.rec_count = g_queue_get_length(&x->req.sent);
    h.sq_next = x->req.sq_next;
    h.next_psn = x->req.next_psn;
    h.tx_psn_max = x->req.tx_psn_max;
    h.magic = RDO_HARD_MAGIC ^ qpn;
    h.commits = ++core->st->xport[qpn].req.fo_commits;
    h.req_state = x->req.state;
    h.retry_left = x->req.retry_left;
    h.rnr_left = x->req.rnr_left;
    h.una_psn = x->req.una_psn;
    h.resp_op = x->resp.op;
    h.resp_seq = x->resp.seq;
    h.recv_srq = x->resp.recv_srq;
    h.epsn = x->resp.epsn;
    h.msn = x->resp.msn;
    h.recv_index = x->resp.recv_index;
    h.recv_offset = x->resp.recv_offset;
    h.recv_wr_id = x->resp.recv_wr_id;
    h.write_va = x->resp.write_va;
    h.write_rkey = x->resp.write_rkey;
    h.write_left = x->resp.write_left;
    h.write_total = x->resp.write_total;
    h.res_next = x->resp.res_next;
    h.crc = image_crc(&h);
    rdo_fo_store_write(core, qpn, &h, sizeof(h));
}

/* An image is only as good as its checks: the store is guest memory. */
static bool image_ok(const RdoHardImage *h, uint32_t qpn)
{
    return h->magic == (RDO_HARD_MAGIC ^ qpn) && h->crc == image_crc(h) &&
           h->req_state < RDO_REQ__COUNT && h->resp_op < RESP__COUNT &&
           h->resp_seq < RDO_SEQ__COUNT && h->recv_srq <= 1 &&
           h->una_psn <= RDO_PSN_MASK && h->epsn <= RDO_PSN_MASK &&
           h->msn <= RDO_PSN_MASK && h->res_next < RDO_RESP_RES_MAX &&
           h->write_left <= h->write_total && h->rec_count <= RDO_QPC_FO_RECS &&
           ((h->next_psn | h->tx_psn_max) & ~RDO_PSN_MASK) == 0;
}

/* The oldest unacknowledged PSN must fall where the requester's records
 * say it can: in the oldest record on the wire, or at the next new PSN
 * when none is. */
static bool una_fits(const GQueue *recs, uint32_t next_psn, uint32_t una)
{
    uint32_t lo = next_psn;

    for (GList *l = recs->head; l; l = l->next) {
        const RdoSendRec *rec = l->data;

        if (!rec->done && rec->npkts) {
            lo = rec->first_psn;
            break;
        }
    }
    return rdo_psn_cmp(una, lo) >= 0 && rdo_psn_cmp(una, next_psn) <= 0;
}

/* A record of a shared send queue is that queue's: the connection takes
 * the queue's own back (the queue is no engine's state). */
static RdoSendRec *shared_rec(RdoCore *core, uint32_t qpn,
                              const struct rdo_qpc_fo_rec *r)
{
    RdoState *st = core->st;

    if (r->ring_qpn >= st->usable_qps || !st->qp_used[r->ring_qpn] ||
        st->qp_bind[qpn].ssq_qpn != r->ring_qpn) {
        return NULL;
    }
    for (GList *l = st->xport[r->ring_qpn].req.sent.head; l; l = l->next) {
        RdoSendRec *rec = l->data;

        if (rec->wqe_index == r->wqe_index && rec->conn_qpn == qpn) {
            rec->refs++;
            return rec;
        }
    }
    return NULL;
}

/* Record number `seq` of QP qpn from the store; NULL if it is not good. */
static RdoSendRec *load_record(RdoCore *core, uint32_t qpn, uint32_t seq)
{
    struct rdo_qpc_fo_rec r;
    RdoSendRec *rec;

    if (!rdo_fo_store_get(core, qpn, rec_off(seq), &r, sizeof(r)) ||
        r.crc != slot_crc(qpn, seq % RDO_QPC_FO_RECS, &r, sizeof(r)) ||
        r.seq != seq || r.opcode >= RDO_WR__COUNT ||
        ((r.first_psn | r.npkts) & ~RDO_PSN_MASK) || r.resp_pkts > r.npkts ||
        r.flags > RDO_QPC_FO_REC_SHARED * 2 - 1) {
        return NULL;
    }
    if (r.flags & RDO_QPC_FO_REC_SHARED) {
        return shared_rec(core, qpn, &r);
    }
    if (r.ring_qpn != qpn) {
        return NULL;
    }
    rec = rdo_rec_new(core->st);
    rec->ring_qpn = qpn;
    rec->wqe_index = r.wqe_index;
    rec->wr_id = r.wr_id;
    rec->wr_opcode = r.opcode;
    rec->wqe_flags = r.wqe_flags;
    rec->msg_len = r.msg_len;
    rec->first_psn = r.first_psn;
    rec->npkts = r.npkts;
    rec->resp_pkts = r.resp_pkts;
    rec->sent = r.flags & RDO_QPC_FO_REC_SENT;
    rec->done = r.flags & RDO_QPC_FO_REC_DONE;
    rec->status = r.status;
    rec->vendor_err = r.vendor_err;
    rec->refs = 1;
    rec->fo_seq = seq;
    rec->fo_crc = r.crc;
    return rec;
}

/* The requester's records from the store, oldest first; false if one is
 * missing or bad (those read so far are in `recs`, for the caller to free). */
static bool load_records(RdoCore *core, uint32_t qpn, const RdoHardImage *h,
                         GQueue *recs)
{
    for (uint32_t i = 0; i < h->rec_count; i++) {
        RdoSendRec *rec = load_record(core, qpn, h->rec_head + i);

        if (!rec) {
            return false;
        }
        rdo_rec_push(recs, rec);
    }
    return true;
}

/* The responder resources the QP uses, from the store: a slot never
 * written is free. */
static bool load_resources(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp,
                           RdoRespRes *res)
{
    static const struct rdo_qpc_fo_res unused;

    memset(res, 0, RDO_QPC_FO_RES * sizeof(*res));
    for (uint32_t i = 0; i < rdo_resp_res_count(qp); i++) {
        struct rdo_qpc_fo_res r;
        uint32_t n;

        if (!rdo_fo_store_get(core, qpn, RDO_QPC_FO_RES_OFF + i * sizeof(r),
                              &r, sizeof(r))) {
            return false;
        }
        if (!memcmp(&r, &unused, sizeof(r))) {
            continue;
        }
        n = (r.psn_flags & RDO_QPC_FO_RES_ATOMIC) ? 1 :
            rdo_wire_seg_count(r.len, rdo_qp_mtu(qp));
        if (r.crc != slot_crc(qpn, i, &r, sizeof(r)) || !n ||
            !(r.psn_flags & RDO_QPC_FO_RES_VALID) ||
            (r.psn_flags >> 24) > (RDO_QPC_FO_RES_VALID | RDO_QPC_FO_RES_ATOMIC) >> 24) {
            return false;
        }
        res[i].valid = true;
        res[i].atomic = r.psn_flags & RDO_QPC_FO_RES_ATOMIC;
        /* Executed before the fault; whether all its responses left is
         * not stored. A requester that sends one more READ holds it. */
        res[i].answered = true;
        res[i].first_psn = r.psn_flags & RDO_PSN_MASK;
        res[i].last_psn = rdo_psn_add(res[i].first_psn, n - 1);
        res[i].va = r.va;
        res[i].rkey = r.rkey;
        res[i].len = r.len;
        res[i].orig = r.orig;
    }
    return true;
}

/* The requester goes on from the records: the first not sent whole is
 * sent next, and every WQE is read again (the engine's copy is gone). */
static void take_records(RdoCore *core, uint32_t qpn, RdoXport *x,
                         const RdoHardImage *h, GQueue *recs)
{
    uint32_t i = 0;

    x->req.tx_pos = UINT32_MAX;
    x->req.rd_inflight = 0;
    for (GList *l = recs->head; l; l = l->next, i++) {
        RdoSendRec *rec = l->data;

        rec->reread = true;
        if (rdo_rec_read_like(rec) && rec->npkts && !rec->done) {
            x->req.rd_inflight++;
        }
        if (x->req.tx_pos == UINT32_MAX && !rec->done && rec->npkts &&
            !rec->sent) {
            x->req.tx_pos = i;
        }
        /* The timing model's stage times are measurement, not protocol
         * state: kept from the record they replace. */
        for (GList *o = x->req.sent.head; o; o = o->next) {
            const RdoSendRec *old = o->data;

            if (old->fo_seq == rec->fo_seq && old != rec) {
                rec->life = old->life;
                break;
            }
        }
    }
    x->req.tx_pos = MIN(x->req.tx_pos, i);
    x->req.tx_pkt = 0;
    rdo_rec_clear(core->st, &x->req.sent);
    x->req.sent = *recs;
    x->req.state = h->req_state;
    x->req.retry = RDO_RETRY_NONE;
    x->req.sq_next = h->sq_next;
    x->req.next_psn = h->next_psn;
    x->req.tx_psn_max = h->tx_psn_max;
    x->req.fo_seq_next = h->rec_head + h->rec_count;
}

RDO_STATIC_ASSERT(RDO_QPC_FO_RES == RDO_RESP_RES_MAX, "responder resources");

uint32_t rdo_xport_recover_bytes(RdoCore *core, uint32_t qpn)
{
    const RdoQpCtx *qp = rdo_qp_peek(core, qpn);

    return RDO_FO_XPORT_BYTES + (qp ? rdo_resp_res_count(qp) : RDO_QPC_FO_RES) *
           sizeof(struct rdo_qpc_fo_res) +
           g_queue_get_length(&core->st->xport[qpn].req.sent) *
           sizeof(struct rdo_qpc_fo_rec);
}

bool rdo_xport_recover(RdoCore *core, uint32_t qpn)
{
    RdoXport *x = &core->st->xport[qpn];
    RdoQpCtx *qp = rdo_qp_get(core, qpn);
    RdoRespRes res[RDO_QPC_FO_RES];
    GQueue recs = G_QUEUE_INIT;
    RdoHardImage h;

    if (!qp || !rdo_fo_store_read(core, qpn, &h, sizeof(h))) {
        return false;
    }
    if (!image_ok(&h, qpn) || !load_records(core, qpn, &h, &recs) ||
        !una_fits(&recs, h.next_psn, h.una_psn) ||
        !load_resources(core, qpn, qp, res)) {
        rdo_rec_clear(core->st, &recs);
        rdo_guest_error(core, RDO_GE_QPC_CORRUPT, qpn, 0,
                        "QP %u: transport hard state in the store is corrupt or "
                        "stale (magic 0x%x)", qpn, h.magic);
        return false;
    }
    take_records(core, qpn, x, &h, &recs);
    core->cnt.fo_rb_bytes += rdo_xport_recover_bytes(core, qpn);
    memcpy(rdo_resp_res(&x->resp), res, sizeof(res));
    x->resp.res_streaming = 0;  /* none streams until asked again */
    x->req.retry_left = h.retry_left;
    x->req.rnr_left = h.rnr_left;
    x->req.una_psn = h.una_psn;
    x->req.fo_commits = h.commits;
    x->resp.op = h.resp_op;
    x->resp.seq = h.resp_seq;
    x->resp.recv_srq = h.recv_srq;
    x->resp.epsn = h.epsn;
    x->resp.msn = h.msn;
    x->resp.recv_index = h.recv_index;
    x->resp.recv_offset = h.recv_offset;
    x->resp.recv_wr_id = h.recv_wr_id;
    x->resp.write_va = h.write_va;
    x->resp.write_rkey = h.write_rkey;
    x->resp.write_left = h.write_left;
    x->resp.write_total = h.write_total;
    x->resp.res_next = h.res_next;
    /* An ACK the lost engine had coalesced may name PSNs past the image:
     * the substitute acknowledges what the image holds instead. */
    x->resp.ack_pending = false;
    return true;
}
