/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the transport's end of round: retransmit and RNR
 * timers that expired, then the lists of QPs with READ responses to stream
 * or an ACK to send, and the aggregated payload still to place.
 */
#include <string.h>
#include "xport/transport.h"

static void run_timers(RdoCore *core)
{
    RdoState *st = core->st;
    uint64_t now = core->ops->now_ns(core->host);
    uint64_t next = 0;
    GHashTableIter it;
    gpointer key;
    GArray *expired = NULL;     /* made when one is: most rounds have none */

    g_hash_table_iter_init(&it, st->timers);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        uint32_t qpn = GPOINTER_TO_UINT(key);
        RdoXport *x = &st->xport[qpn];

        if (x->req.rnr_until && x->req.rnr_until <= now) {
            /* The RNR back-off is over: the requester sends again. */
            x->req.rnr_until = 0;
            rdo_work_kick(core, qpn);
        } else if (x->req.rnr_until && (!next || x->req.rnr_until < next)) {
            next = x->req.rnr_until;
        }
        if (!x->req.rto_at && !x->req.rnr_until) {
            g_hash_table_iter_remove(&it);
        } else if (x->req.rto_at && x->req.rto_at <= now) {
            if (!expired) {
                expired = g_array_new(FALSE, FALSE, sizeof(uint32_t));
            }
            g_array_append_val(expired, qpn);
        } else if (x->req.rto_at && (!next || x->req.rto_at < next)) {
            next = x->req.rto_at;
        }
    }
    /* In QP order, so that runs are deterministic whatever the hash does. */
    if (expired) {
        g_array_sort(expired, (GCompareFunc)rdo_u32_cmp);
    }
    for (guint i = 0; expired && i < expired->len; i++) {
        uint32_t qpn = g_array_index(expired, uint32_t, i);
        RdoQpCtx *qp = rdo_qp_get(core, qpn);

        if (qp && (qp->state == RDO_QPS_RTS || qp->state == RDO_QPS_SQD)) {
            rdo_req_timer(core, qpn, qp);
        } else {
            st->xport[qpn].req.rto_at = 0;
        }
    }
    if (expired) {
        g_array_free(expired, TRUE);
    }
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

        if (acks ? !x->resp.ack_queued : !x->resp.resp_queued) {
            continue;
        }
        if (acks) {
            x->resp.ack_queued = false;
        } else {
            x->resp.resp_queued = false;
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
