/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the offloaded CM's hard state in the stream (cm/cm.h):
 * listeners (their arguments, table indexes, pools), every connection not
 * in a pool (IDs, peer, PSNs, the MAD it sends again and when), the per-QP
 * generations of communication IDs, the counters. Lost, a peer's RTU or
 * DREQ would find no connection and a listener would stop answering.
 */
#include <string.h>
#include "state/state.h"

static bool cm_needed(RdoCore *core)
{
    RdoCm *cm = core->st->cm;

    return cm->listeners || !g_queue_is_empty(&cm->live) ||
           cm->cnt.mads_received || cm->cnt.reqs_sent;
}

static void conn_save(RdoOut *o, const RdoCmConn *c)
{
    rdo_out_u32(o, c->qpn);
    rdo_out_u8(o, c->state);
    rdo_out_u8(o, c->listener);
    rdo_out_u8(o, c->active);
    rdo_out_u8(o, c->rdma_cm);
    rdo_out_u32(o, c->local_id);
    rdo_out_u32(o, c->remote_id);
    rdo_out_u64(o, c->tid);
    rdo_out_bytes(o, c->peer_gid, 16);
    rdo_out_bytes(o, c->peer_mac, 6);
    rdo_out_u8(o, c->sgid_index);
    rdo_out_u32(o, c->peer_qpn);
    rdo_out_u32(o, c->sq_psn);
    rdo_out_u32(o, c->rq_psn);
    rdo_out_u8(o, c->path_mtu);
    rdo_out_u8(o, c->resp_res);
    rdo_out_u8(o, c->init_depth);
    rdo_out_u16(o, c->peer_port);
    rdo_out_bytes(o, c->private_data, RDO_CM_PRIVATE_LEN);
    rdo_out_u8(o, c->max_retries);
    rdo_out_u8(o, c->retries_left);
    rdo_out_u8(o, c->timeout);
    rdo_out_u8(o, c->retry_cnt);
    rdo_out_u64(o, c->timeout_ns);
    rdo_out_u64(o, c->due_ns);
    rdo_out_bytes(o, c->mad, RDO_MAD_LEN);
}

static void cm_save(RdoCore *core, RdoOut *o)
{
    const RdoCm *cm = core->st->cm;
    uint32_t gens = 0;

    rdo_out_u32(o, cm->psn_seed);
    rdo_out_u32(o, cm->tid_seq);
    rdo_out_u16(o, cm->ip_id);
    rdo_out_bytes(o, &cm->cnt, sizeof(cm->cnt));
    for (uint32_t q = 0; q < core->st->usable_qps; q++) {
        gens += cm->gen[q] != 0;
    }
    rdo_out_u32(o, gens);
    for (uint32_t q = 0; q < core->st->usable_qps; q++) {
        if (cm->gen[q]) {
            rdo_out_u32(o, q);
            rdo_out_u16(o, cm->gen[q]);
        }
    }
    for (int i = 0; i < RDO_CM_LISTENERS; i++) {
        const RdoCmListener *l = &cm->l[i];

        rdo_out_u8(o, l->valid);
        if (!l->valid) {
            continue;
        }
        rdo_out_bytes(o, &l->p, sizeof(l->p));
        rdo_out_u32(o, l->pi);
        rdo_out_u32(o, l->ci);
        rdo_out_u32(o, l->signalled);
        rdo_out_u64(o, l->first_wait_ns);
        rdo_out_u32(o, g_queue_get_length((GQueue *)&l->pool));
        for (GList *it = l->pool.head; it; it = it->next) {
            rdo_out_u32(o, GPOINTER_TO_UINT(it->data) - 1);
        }
    }
    rdo_out_u32(o, g_queue_get_length((GQueue *)&cm->live));
    for (GList *it = cm->live.head; it; it = it->next) {
        conn_save(o, it->data);
    }
}

/* A QP the CM may hold: exists, RC, not held twice. */
static uint32_t cm_qp_load(RdoCore *core, RdoIn *in, const char *what)
{
    RdoState *st = core->st;
    uint32_t q = rdo_in_index(in, st->usable_qps, what);

    rdo_in_check(in, st->qp_used[q] && st->qp_bind[q].type == RDO_QPT_RC &&
                 !st->cm->conn[q], "%s %u: no RC QP, or held twice", what, q);
    return q;
}

static void listener_load(RdoCore *core, RdoIn *in, int i)
{
    RdoCm *cm = core->st->cm;
    RdoCmListener *l = &cm->l[i];
    const struct rdo_cmd_cm_listen *p = &l->p;
    uint32_t n;

    rdo_in_bytes(in, &l->p, sizeof(l->p));
    /* What CM_LISTEN checks, checked again. */
    if (!rdo_in_check(in, p->table_log_size >= 1 &&
                      p->table_log_size <= RDO_QUEUE_LOG_SIZE_MAX &&
                      p->table_addr && !(p->table_addr & 127) && p->ci_addr &&
                      !(p->ci_addr & 3) && p->notify_count &&
                      p->notify_count <= (1u << p->table_log_size) &&
                      p->responder_resources <= 16 && p->initiator_depth <= 16 &&
                      p->min_rnr_timer <= 31 && p->rnr_retry <= 7 &&
                      !(p->flags & ~RDO_CM_LISTEN_F__ALL) &&
                      p->eqn < core->cfg.max_eq && core->st->eqs[p->eqn].valid,
                      "listener %d: arguments out of range", i)) {
        return;
    }
    l->pi = rdo_in_u32(in);
    l->ci = rdo_in_u32(in);
    l->signalled = rdo_in_u32(in);
    l->first_wait_ns = rdo_in_u64(in);
    /* An event goes out once notify_count entries wait. */
    rdo_in_check(in, l->pi - l->ci <= (1u << p->table_log_size) &&
                 l->pi - l->signalled < p->notify_count,
                 "listener %d: table indexes", i);
    l->valid = true;
    cm->listeners++;
    n = rdo_in_count(in, core->st->usable_qps, 4, "pool QPs");
    for (uint32_t k = 0; k < n && rdo_in_ok(in); k++) {
        uint32_t q = cm_qp_load(core, in, "pool QP");
        RdoCmConn *c;

        if (!rdo_in_ok(in)) {
            return;
        }
        c = g_new0(RdoCmConn, 1);
        c->state = RDO_CM_IDLE;
        c->listener = i;
        c->qpn = q;
        cm->conn[q] = c;
        g_queue_push_tail(&l->pool, GUINT_TO_POINTER(q + 1));
    }
}

static void conn_load(RdoCore *core, RdoIn *in)
{
    RdoCm *cm = core->st->cm;
    uint32_t q = cm_qp_load(core, in, "connection QP");
    RdoCmConn *c;

    if (!rdo_in_ok(in)) {
        return;
    }
    c = g_new0(RdoCmConn, 1);
    c->qpn = q;
    c->state = rdo_in_u8(in);
    c->listener = rdo_in_u8(in);
    c->active = rdo_in_bool(in);
    c->rdma_cm = rdo_in_bool(in);
    c->local_id = rdo_in_u32(in);
    c->remote_id = rdo_in_u32(in);
    c->tid = rdo_in_u64(in);
    rdo_in_bytes(in, c->peer_gid, 16);
    rdo_in_bytes(in, c->peer_mac, 6);
    c->sgid_index = rdo_in_u8(in);
    c->peer_qpn = rdo_in_u32(in) & RDO_QPN_MASK;
    c->sq_psn = rdo_in_u32(in) & RDO_PSN_MASK;
    c->rq_psn = rdo_in_u32(in) & RDO_PSN_MASK;
    c->path_mtu = rdo_in_u8(in);
    c->resp_res = rdo_in_u8(in);
    c->init_depth = rdo_in_u8(in);
    c->peer_port = rdo_in_u16(in);
    rdo_in_bytes(in, c->private_data, RDO_CM_PRIVATE_LEN);
    c->max_retries = rdo_in_u8(in);
    c->retries_left = rdo_in_u8(in);
    c->timeout = rdo_in_u8(in);
    c->retry_cnt = rdo_in_u8(in);
    c->timeout_ns = rdo_in_u64(in);
    c->due_ns = rdo_in_u64(in);
    rdo_in_bytes(in, c->mad, RDO_MAD_LEN);
    if (!rdo_in_check(in, c->state > RDO_CM_IDLE && c->state < RDO_CM__STATES &&
                      c->listener < RDO_CM_LISTENERS &&
                      cm->l[c->listener].valid &&
                      (c->local_id & (RDO_LIMIT_MAX - 1)) == q &&
                      c->max_retries <= 15 && c->retries_left <= 15 &&
                      c->timeout <= 31 && c->retry_cnt <= 7 &&
                      c->path_mtu >= RDO_MTU_256 && c->path_mtu <= RDO_MTU_4096 &&
                      c->resp_res <= 16 && c->init_depth <= 16 &&
                      c->timeout_ns <= 2 * RDO_STATE_HORIZON_NS &&
                      (!c->due_ns ||
                       c->due_ns <= in->now_ns + 2 * RDO_STATE_HORIZON_NS),
                      "connection on QP %u: values out of range", q)) {
        g_free(c);
        return;
    }
    if (c->state == RDO_CM_REQ_SENT || c->state == RDO_CM_REP_SENT) {
        cm->l[c->listener].reserved++;
    }
    cm->conn[q] = c;
    g_queue_push_tail(&cm->live, c);
}

static void cm_load(RdoCore *core, RdoIn *in)
{
    RdoCm *cm = core->st->cm;
    uint32_t n;

    cm->psn_seed = rdo_in_u32(in) | 1;
    cm->tid_seq = rdo_in_u32(in);
    cm->ip_id = rdo_in_u16(in);
    rdo_in_bytes(in, &cm->cnt, sizeof(cm->cnt));
    n = rdo_in_count(in, core->st->usable_qps, 6, "ID generations");
    for (uint32_t k = 0; k < n && rdo_in_ok(in); k++) {
        uint32_t q = rdo_in_index(in, core->st->usable_qps, "QP");

        cm->gen[q] = rdo_in_u16(in);
    }
    for (int i = 0; i < RDO_CM_LISTENERS && rdo_in_ok(in); i++) {
        if (rdo_in_bool(in)) {
            listener_load(core, in, i);
        }
    }
    n = rdo_in_count(in, core->st->usable_qps, 64, "connections");
    for (uint32_t k = 0; k < n && rdo_in_ok(in); k++) {
        conn_load(core, in);
    }
    for (int i = 0; i < RDO_CM_LISTENERS && rdo_in_ok(in); i++) {
        RdoCmListener *l = &cm->l[i];

        rdo_in_check(in, !l->valid || l->pi + l->reserved - l->ci <=
                     (1u << l->p.table_log_size),
                     "listener %d: more entries held than its table has", i);
    }
}

const RdoSection rdo_state_cm_sections[] = {
    { 40, 0, "offloaded-cm", cm_needed, cm_save, cm_load },
    { 0 }
};
