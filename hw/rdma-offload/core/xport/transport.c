/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: transport state life cycle, the retransmit timers and
 * the lists of QPs with responder work (READ responses) or an ACK due.
 * ACKs are coalesced: a QP that received several packets asking for one
 * before the device's next processing round sends a single ACK for the
 * newest of them.
 */
#include <stdlib.h>
#include <string.h>
#include "xport/transport.h"

void rdo_xport_init(RdoCore *core)
{
    RdoState *st = core->st;

    /* On cache-line boundaries, as the layout of RdoXport assumes. */
    G_STATIC_ASSERT(RDO_XPORT_ALIGN <= 64);
    st->xport = rdo_bigmem_alloc0(sizeof(RdoXport) * rdo_qp_slots(core));
    rdo_xport_timers_init(core);
    st->agg_free = g_ptr_array_new_with_free_func(g_free);
    st->agg_lines = g_new0(RdoMrListLine, RDO_AGG_LINES);
    st->wqe_buf = g_new0(RdoWqe, 1);
    rdo_tx_hold_init(st);
    st->push_area = g_new0(uint8_t *, core->cfg.doorbell_pages);
    st->push_written = g_new0(uint32_t, core->cfg.doorbell_pages);
    st->frame_buf = g_malloc0(RDO_FRAME_MAX);
    st->payload_buf = g_malloc0(RDO_FRAME_MAX);
}

void rdo_xport_free(RdoCore *core)
{
    RdoState *st = core->st;

    if (!st->xport) {
        return;
    }
    for (uint32_t i = 0; i < rdo_qp_slots(core); i++) {
        rdo_bufrecv_drop(core, i);
        rdo_rec_clear(st, &st->xport[i].req.sent);
        g_free(st->xport[i].req.push_wqe);
        g_free(st->xport[i].agg.buf);
        g_free(st->xport[i].resp.res);
    }
    for (uint32_t i = 0; i < core->cfg.doorbell_pages; i++) {
        g_free(st->push_area[i]);
    }
    g_free(st->push_area);
    g_free(st->push_written);
    rdo_bigmem_free(st->xport, sizeof(RdoXport) * rdo_qp_slots(core));
    rdo_xport_timers_free(core);
    rdo_idxq_free(&st->ack_list);
    rdo_idxq_free(&st->resp_list);
    rdo_idxq_free(&st->cq_timed);
    rdo_idxq_free(&st->agg_list);
    g_ptr_array_unref(st->agg_free);
    g_free(st->agg_lines);
    rdo_rec_pool_free(st);
    rdo_tx_hold_free(st);
    g_free(st->wqe_buf);
    g_free(st->frame_buf);
    g_free(st->payload_buf);
    st->xport = NULL;
}

void rdo_xport_host_prefetch(const RdoCore *core, uint32_t qpn)
{
    const RdoState *st = core->st;

    if (qpn >= st->usable_qps) {
        return;                 /* from the wire: checked where it is used */
    }
    rdo_qp_host_prefetch(core, qpn);
    /* The 4 of its 7 lines a message touches: a sender's packet and the
     * ACK back the requester's and the rate limiter's flag, a receiver's
     * the responder's and the aggregation's (the layout, transport.h). */
    rdo_host_prefetch((const char *)&st->xport[qpn] + RDO_XPORT_RECV_FIRST,
                      RDO_XPORT_RECV_END - RDO_XPORT_RECV_FIRST);
    rdo_host_prefetch((const char *)&st->xport[qpn] + RDO_XPORT_SEND_FIRST,
                      RDO_XPORT_SEND_END - RDO_XPORT_SEND_FIRST);
    rdo_host_prefetch(&st->qp_stall_mr[qpn], sizeof(st->qp_stall_mr[qpn]));
    rdo_host_prefetch(&st->qp_blackout_ps[qpn], sizeof(st->qp_blackout_ps[qpn]));
    if (st->tm) {
        /* Its first line: what every visit touches (timing.h). */
        rdo_host_prefetch(&st->tm->qp[qpn], 1);
    }
}

void rdo_xport_reset_qp(RdoCore *core, uint32_t qpn)
{
    RdoXport *x = &core->st->xport[qpn];

    rdo_req_flush(core, qpn);
    rdo_tx_hold_drop_qp(core->st, qpn);
    rdo_bufrecv_drop(core, qpn);
    g_free(x->req.push_wqe);
    g_free(x->agg.buf);
    g_free(x->resp.res);
    rdo_xport_timer_drop(core, qpn);
    /* Stale entries on the ACK and response lists see the cleared flags. */
    memset(x, 0, sizeof(*x));
    if (core->st->tm) {
        RdoTmQp *q = &core->st->tm->qp[qpn];

        /* A new QP with this number starts a new doorbell history. */
        memset(q->db, 0, sizeof(q->db));
        q->db_count = 0;
        q->served_pi = 0;
    }
}

void rdo_xport_rtr(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp)
{
    RdoXport *x = &core->st->xport[qpn];

    x->resp.epsn = qp->rq_psn;
    x->resp.msn = 0;
    x->resp.op = RESP_IDLE;
    x->resp.seq = RDO_SEQ_IN_ORDER;
}

void rdo_xport_rts(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp)
{
    RdoXport *x = &core->st->xport[qpn];

    x->req.next_psn = x->req.una_psn = x->req.tx_psn_max = qp->sq_psn;
    x->req.sq_next = qp->sq_ci;
    x->req.retry_left = qp->retry_cnt;
    x->req.rnr_left = qp->rnr_retry;
    if (qp->ssq_qpn != RDO_NONE) {
        rdo_work_kick(core, qp->ssq_qpn);     /* it may wait for us */
    }
}

RDO_HOT
uint64_t rdo_xport_rto_ns(uint8_t timeout)
{
    /* IB: 4.096 us x 2^timeout; 0 waits for ever. */
    return timeout ? 4096ull << (timeout & 31) : 0;
}

uint64_t rdo_xport_rnr_ns(uint8_t code)
{
    /* IB spec table 45: the minimum RNR NAK timer field, in 10 us units. */
    static const uint32_t ten_us[32] = {
        65536, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192,
        256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192, 12288,
        16384, 24576, 32768, 49152,
    };

    return ten_us[code & 31] * 10000ull;
}

RDO_HOT
void rdo_xport_arm_timer(RdoCore *core, uint32_t qpn)
{
    RdoXport *x = &core->st->xport[qpn];
    RdoQpCtx *qp;
    uint64_t rto;

    /* It times what was sent and not answered: a record the rate limiter
     * holds back has nothing on the wire until its next packet goes. */
    if (x->req.rto_at || g_queue_is_empty(&x->req.sent) ||
        rdo_psn_cmp(x->req.una_psn, x->req.tx_psn_max) >= 0) {
        return;
    }
    qp = rdo_qp_get(core, qpn);
    rto = qp ? rdo_xport_rto_ns(qp->timeout) : 0;
    if (!rto) {
        return;
    }
    x->req.rto_at = core->ops->now_ns(core->host) + rto;
    rdo_xport_timer_set(core, qpn, x->req.rto_at);
    rdo_core_schedule(core, x->req.rto_at);
}

RDO_HOT
void rdo_xport_queue(RdoCore *core, RdoIdxQueue *list, bool *queued,
                     uint32_t qpn)
{
    if (!*queued) {
        *queued = true;
        rdo_idxq_push(list, qpn);
        rdo_core_schedule(core, core->ops->now_ns(core->host));
    }
}

void rdo_xport_queue_ack(RdoCore *core, uint32_t qpn)
{
    rdo_xport_queue(core, &core->st->ack_list, &core->st->xport[qpn].resp.ack_queued,
                    qpn);
}

void rdo_xport_queue_resp(RdoCore *core, uint32_t qpn)
{
    rdo_xport_queue(core, &core->st->resp_list,
                    &core->st->xport[qpn].resp.resp_queued, qpn);
}

int rdo_u32_cmp(const uint32_t *a, const uint32_t *b)
{
    return (*a > *b) - (*a < *b);
}

static const char *const req_state_names[RDO_REQ__COUNT] = {
    [RDO_REQ_SENDING] = "sending",
    [RDO_REQ_HALTED] = "halted",
};
static const char *const req_retry_names[RDO_RETRY__COUNT] = {
    [RDO_RETRY_NONE] = "none",
    [RDO_RETRY_GOING_BACK] = "going-back",
};
static const char *const resp_op_names[RESP__COUNT] = {
    [RESP_IDLE] = "idle",
    [RESP_SEND] = "send",
    [RESP_WRITE] = "write",
};
static const char *const resp_seq_names[RDO_SEQ__COUNT] = {
    [RDO_SEQ_IN_ORDER] = "in-order",
    [RDO_SEQ_NAK_SENT] = "nak-sent",
};

const char *rdo_req_state_name(RdoReqState s)
{
    return (unsigned)s < RDO_REQ__COUNT ? req_state_names[s] : "?";
}

const char *rdo_req_retry_name(RdoReqRetry r)
{
    return (unsigned)r < RDO_RETRY__COUNT ? req_retry_names[r] : "?";
}

const char *rdo_resp_op_name(RdoRespOp op)
{
    return (unsigned)op < RESP__COUNT ? resp_op_names[op] : "?";
}

const char *rdo_resp_seq_name(RdoRespSeq s)
{
    return (unsigned)s < RDO_SEQ__COUNT ? resp_seq_names[s] : "?";
}
