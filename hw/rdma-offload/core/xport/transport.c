/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: transport state life cycle, the retransmit timers and
 * the lists of QPs with responder work (READ responses) or an ACK due.
 * ACKs are coalesced: a QP that received several packets asking for one
 * before the device's next processing round sends a single ACK for the
 * newest of them.
 */
#include <string.h>
#include "xport/transport.h"

void rdo_xport_init(RdoCore *core)
{
    RdoState *st = core->st;

    st->xport = g_new0(RdoXport, core->cfg.max_qp);
    st->timers = g_hash_table_new(NULL, NULL);
    g_queue_init(&st->ack_list);
    g_queue_init(&st->resp_list);
    g_queue_init(&st->cq_timed);
    g_queue_init(&st->agg_list);
    st->wqe_buf = g_new0(RdoWqe, 1);
    st->push_area = g_new0(uint8_t *, core->cfg.doorbell_pages);
    st->frame_buf = g_malloc0(RDO_FRAME_MAX);
    st->payload_buf = g_malloc0(RDO_FRAME_MAX);
}

void rdo_xport_free(RdoCore *core)
{
    RdoState *st = core->st;

    if (!st->xport) {
        return;
    }
    for (uint32_t i = 0; i < core->cfg.max_qp; i++) {
        g_queue_clear_full(&st->xport[i].sent, rdo_rec_unref);
        g_free(st->xport[i].push_wqe);
        g_free(st->xport[i].agg_buf);
    }
    for (uint32_t i = 0; i < core->cfg.doorbell_pages; i++) {
        g_free(st->push_area[i]);
    }
    g_free(st->push_area);
    g_free(st->xport);
    g_hash_table_destroy(st->timers);
    g_queue_clear(&st->ack_list);
    g_queue_clear(&st->resp_list);
    g_queue_clear(&st->cq_timed);
    g_queue_clear(&st->agg_list);
    g_free(st->wqe_buf);
    g_free(st->frame_buf);
    g_free(st->payload_buf);
    st->xport = NULL;
}

void rdo_xport_reset_qp(RdoCore *core, uint32_t qpn)
{
    RdoXport *x = &core->st->xport[qpn];

    rdo_req_flush(core, qpn);
    g_free(x->push_wqe);
    g_free(x->agg_buf);
    g_hash_table_remove(core->st->timers, GUINT_TO_POINTER(qpn));
    /* Stale entries on the ACK and response lists see the cleared flags. */
    memset(x, 0, sizeof(*x));
    if (core->st->tm) {
        RdoTmQp *q = &core->st->tm->qp[qpn];

        /* A new QP with this number starts a new doorbell history. */
        memset(q->db_flags, 0, sizeof(q->db_flags));
        q->served_pi = 0;
    }
}

void rdo_xport_rtr(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp)
{
    RdoXport *x = &core->st->xport[qpn];

    x->epsn = qp->rq_psn;
    x->msn = 0;
    x->op = RESP_IDLE;
    x->nak_sent = false;
}

void rdo_xport_rts(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp)
{
    RdoXport *x = &core->st->xport[qpn];

    x->next_psn = x->una_psn = x->tx_psn_max = qp->sq_psn;
    x->sq_next = qp->sq_ci;
    x->retry_left = qp->retry_cnt;
    x->rnr_left = qp->rnr_retry;
    if (qp->ssq_qpn != RDO_NONE) {
        rdo_sq_kick(core, qp->ssq_qpn);     /* it may wait for us */
    }
}

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

void rdo_xport_arm_timer(RdoCore *core, uint32_t qpn)
{
    RdoXport *x = &core->st->xport[qpn];
    RdoQpCtx *qp;
    uint64_t rto;

    if (x->rto_at || g_queue_is_empty(&x->sent)) {
        return;
    }
    qp = rdo_qp_get(core, qpn);
    rto = qp ? rdo_xport_rto_ns(qp->timeout) : 0;
    if (!rto) {
        return;
    }
    x->rto_at = core->ops->now_ns(core->host) + rto;
    g_hash_table_add(core->st->timers, GUINT_TO_POINTER(qpn));
    rdo_core_schedule(core, x->rto_at);
}

void rdo_xport_queue(RdoCore *core, GQueue *list, bool *queued, uint32_t qpn)
{
    if (!*queued) {
        *queued = true;
        g_queue_push_tail(list, GUINT_TO_POINTER(qpn));
        rdo_core_schedule(core, core->ops->now_ns(core->host));
    }
}

void rdo_xport_queue_ack(RdoCore *core, uint32_t qpn)
{
    rdo_xport_queue(core, &core->st->ack_list, &core->st->xport[qpn].ack_queued,
                    qpn);
}

void rdo_xport_queue_resp(RdoCore *core, uint32_t qpn)
{
    rdo_xport_queue(core, &core->st->resp_list,
                    &core->st->xport[qpn].resp_queued, qpn);
}

static void run_timers(RdoCore *core)
{
    RdoState *st = core->st;
    uint64_t now = core->ops->now_ns(core->host);
    uint64_t next = 0;
    GHashTableIter it;
    gpointer key;
    GArray *expired = g_array_new(FALSE, FALSE, sizeof(uint32_t));

    g_hash_table_iter_init(&it, st->timers);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        uint32_t qpn = GPOINTER_TO_UINT(key);
        RdoXport *x = &st->xport[qpn];

        if (x->rnr_until && x->rnr_until <= now) {
            /* The RNR back-off is over: the requester sends again. */
            x->rnr_until = 0;
            rdo_sq_kick(core, qpn);
        } else if (x->rnr_until && (!next || x->rnr_until < next)) {
            next = x->rnr_until;
        }
        if (!x->rto_at && !x->rnr_until) {
            g_hash_table_iter_remove(&it);
        } else if (x->rto_at && x->rto_at <= now) {
            g_array_append_val(expired, qpn);
        } else if (x->rto_at && (!next || x->rto_at < next)) {
            next = x->rto_at;
        }
    }
    /* In QP order, so that runs are deterministic whatever the hash does. */
    g_array_sort(expired, (GCompareFunc)rdo_u32_cmp);
    for (guint i = 0; i < expired->len; i++) {
        uint32_t qpn = g_array_index(expired, uint32_t, i);
        RdoQpCtx *qp = rdo_qp_get(core, qpn);

        if (qp && (qp->state == RDO_QPS_RTS || qp->state == RDO_QPS_SQD)) {
            rdo_req_timer(core, qpn, qp);
        } else {
            st->xport[qpn].rto_at = 0;
        }
    }
    g_array_free(expired, TRUE);
    if (next) {
        rdo_core_schedule(core, next);
    }
}

static void run_list(RdoCore *core, GQueue *list, bool acks)
{
    guint n = g_queue_get_length(list);

    while (n-- && !g_queue_is_empty(list)) {
        uint32_t qpn = GPOINTER_TO_UINT(g_queue_pop_head(list));
        RdoXport *x = &core->st->xport[qpn];
        RdoQpCtx *qp;

        if (acks ? !x->ack_queued : !x->resp_queued) {
            continue;
        }
        if (acks) {
            x->ack_queued = false;
        } else {
            x->resp_queued = false;
        }
        qp = rdo_qp_get(core, qpn);
        if (!qp || qp->state == RDO_QPS_ERR || qp->state == RDO_QPS_RESET) {
            continue;
        }
        if (acks) {
            rdo_resp_send_ack(core, qpn, qp);
        } else {
            rdo_resp_run(core, qpn, qp);
        }
    }
}

void rdo_xport_run(RdoCore *core)
{
    run_timers(core);
    rdo_agg_run(core);          /* data placed before any ACK for it */
    run_list(core, &core->st->resp_list, false);
    run_list(core, &core->st->ack_list, true);
    rdo_cq_run(core);
    rdo_fault_run(core);
}

int rdo_u32_cmp(const uint32_t *a, const uint32_t *b)
{
    return (*a > *b) - (*a < *b);
}
