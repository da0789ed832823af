/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the offloaded CM's control commands: listeners, their
 * pools of prepared QPs, the counters; and its life cycle.
 */
#include <string.h>
#include "cm/cm.h"

void rdo_cm_init(RdoCore *core)
{
    RdoCm *cm = g_new0(RdoCm, 1);
    uint32_t n = rdo_qp_slots(core);

    cm->conn = g_new0(RdoCmConn *, n);
    cm->gen = g_new0(uint16_t, n);
    g_queue_init(&cm->live);
    for (int i = 0; i < RDO_CM_LISTENERS; i++) {
        g_queue_init(&cm->l[i].pool);
    }
    /* Starting PSNs differ between functions and resets of one run. */
    cm->psn_seed = 0x2545F491u ^ (core->fn << 16) ^
                   (uint32_t)core->ops->now_ns(core->host);
    cm->psn_seed |= 1;
    core->st->cm = cm;
}

void rdo_cm_free(RdoCore *core)
{
    RdoCm *cm = core->st->cm;

    if (!cm) {
        return;
    }
    for (uint32_t q = 0; q < rdo_qp_slots(core); q++) {
        g_free(cm->conn[q]);
    }
    for (int i = 0; i < RDO_CM_LISTENERS; i++) {
        g_queue_clear(&cm->l[i].pool);
    }
    g_queue_clear(&cm->live);
    g_free(cm->conn);
    g_free(cm->gen);
    g_free(cm);
    core->st->cm = NULL;
}

/* Leaves the CM: out of its pool or connection, no MAD sent. */
static void conn_drop(RdoCore *core, RdoCmConn *c)
{
    RdoCm *cm = core->st->cm;
    RdoCmListener *l = &cm->l[c->listener];

    if (c->state == RDO_CM_IDLE) {
        g_queue_remove(&l->pool, GUINT_TO_POINTER(c->qpn + 1));
    } else {
        rdo_cm_unwait(cm, c);
        g_queue_remove(&cm->live, c);
    }
    cm->conn[c->qpn] = NULL;
    g_free(c);
}

void rdo_cm_forget_qp(RdoCore *core, uint32_t qpn)
{
    RdoCmConn *c = core->st->cm->conn[qpn];

    if (c) {
        conn_drop(core, c);
    }
}

static int cm_listen(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    const struct rdo_cmd_cm_listen *a = &cmd->u.cm_listen;
    RdoCm *cm = core->st->cm;
    RdoCmListener *l;
    static const uint8_t zero[16];

    if (cmd->obj >= RDO_CM_LISTENERS) {
        return RDO_CQP_BAD_INDEX;
    }
    l = &cm->l[cmd->obj];
    if (l->valid) {
        return RDO_CQP_EXISTS;
    }
    if ((a->flags & ~RDO_CM_LISTEN_F__ALL) || a->reserved[0] || a->reserved[1]) {
        return RDO_CQP_BAD_RESERVED;
    }
    if (a->table_log_size < 1 || a->table_log_size > RDO_QUEUE_LOG_SIZE_MAX ||
        !a->table_addr || (a->table_addr & 127) || (a->ci_addr & 3) ||
        !a->ci_addr || !a->notify_count ||
        a->notify_count > (1u << a->table_log_size) ||
        a->responder_resources > 16 || a->initiator_depth > 16 ||
        a->min_rnr_timer > 31 || a->rnr_retry > 7) {
        return RDO_CQP_BAD_PARAM;
    }
    if (a->eqn >= core->cfg.max_eq || !core->st->eqs[a->eqn].valid) {
        return RDO_CQP_NOT_FOUND;
    }
    /* One listener per service ID and address (or any address). */
    for (int i = 0; i < RDO_CM_LISTENERS; i++) {
        const RdoCmListener *o = &cm->l[i];

        if (o->valid && o->p.service_id == a->service_id &&
            (!memcmp(o->p.addr, a->addr, 16) || !memcmp(o->p.addr, zero, 16) ||
             !memcmp(a->addr, zero, 16))) {
            return RDO_CQP_EXISTS;
        }
    }
    l->p = *a;
    l->pi = l->ci = l->signalled = l->reserved = 0;
    l->valid = true;
    cm->listeners++;
    rdo_side_work(core);
    return RDO_CQP_OK;
}

/*
 * The listener goes: connections waiting for their RTU are refused and
 * end (entries written, the event posted); established ones stay with
 * the driver (the CM forgets them); pool QPs are the driver's again.
 */
static int cm_unlisten(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    RdoCm *cm = core->st->cm;
    RdoCmListener *l;
    GList *it;

    if (cmd->obj >= RDO_CM_LISTENERS) {
        return RDO_CQP_BAD_INDEX;
    }
    l = &cm->l[cmd->obj];
    if (!l->valid) {
        return RDO_CQP_NOT_FOUND;
    }
    l->p.flags &= ~RDO_CM_LISTEN_F_RECYCLE;
    it = cm->live.head;
    while (it) {
        RdoCmConn *c = it->data;

        it = it->next;
        if (c->listener != cmd->obj) {
            continue;
        }
        if (c->state == RDO_CM_REP_SENT) {
            rdo_cm_send_rej(core, c->tid, c->local_id, c->remote_id, 1,
                            RDO_CM_REJ_CONSUMER_DEFINED, c->sgid_index,
                            c->peer_gid, c->peer_mac);
            rdo_cm_end(core, c, RDO_CM_ENTRY_ABORTED,
                       RDO_CM_REJ_CONSUMER_DEFINED);
        } else {
            conn_drop(core, c);
        }
    }
    while (!g_queue_is_empty(&l->pool)) {
        uint32_t qpn = GPOINTER_TO_UINT(g_queue_peek_head(&l->pool)) - 1;

        conn_drop(core, cm->conn[qpn]);
    }
    rdo_cm_notify_check(core, l, true);
    l->valid = false;
    cm->listeners--;
    return RDO_CQP_OK;
}

static int pool_add(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    const struct rdo_cmd_cm_pool *a = &cmd->u.cm_pool;
    RdoCm *cm = core->st->cm;
    struct rdo_cmd_modify_qp m = { 0 };
    RdoCmConn *c;
    RdoQpCtx *qp;

    if (cmd->obj >= RDO_CM_LISTENERS || a->qpn >= core->st->usable_qps) {
        return RDO_CQP_BAD_INDEX;
    }
    if (!cm->l[cmd->obj].valid || !core->st->qp_used[a->qpn]) {
        return RDO_CQP_NOT_FOUND;
    }
    if (cm->conn[a->qpn]) {
        return RDO_CQP_IN_USE;
    }
    if (core->st->qp_bind[a->qpn].type != RDO_QPT_RC) {
        return RDO_CQP_BAD_PARAM;
    }
    qp = rdo_qp_get(core, a->qpn);
    if (!qp) {
        return RDO_CQP_DMA_ERROR;
    }
    if (qp->state == RDO_QPS_RESET) {
        m.state = RDO_QPS_INIT;
        m.mask = RDO_QP_ATTR_ACCESS;
        m.access = a->access;
        if (rdo_qp_modify(core, a->qpn, &m) != RDO_CQP_OK) {
            return RDO_CQP_BAD_PARAM;
        }
    } else if (qp->state != RDO_QPS_INIT) {
        return RDO_CQP_BAD_STATE;
    }
    c = g_new0(RdoCmConn, 1);
    c->state = RDO_CM_IDLE;
    c->listener = cmd->obj;
    c->qpn = a->qpn;
    cm->conn[a->qpn] = c;
    g_queue_push_tail(&cm->l[cmd->obj].pool, GUINT_TO_POINTER(a->qpn + 1));
    return RDO_CQP_OK;
}

static int pool_remove(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    const struct rdo_cmd_cm_pool *a = &cmd->u.cm_pool;
    RdoCmConn *c;

    if (cmd->obj >= RDO_CM_LISTENERS || a->qpn >= core->st->usable_qps) {
        return RDO_CQP_BAD_INDEX;
    }
    c = core->st->cm->conn[a->qpn];
    if (!c || c->state != RDO_CM_IDLE || c->listener != cmd->obj) {
        return RDO_CQP_NOT_FOUND;
    }
    conn_drop(core, c);
    return RDO_CQP_OK;
}

int rdo_cmd_cm(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    switch (cmd->opcode) {
    case RDO_CMD_CM_LISTEN:
        return cm_listen(core, cmd);
    case RDO_CMD_CM_UNLISTEN:
        return cm_unlisten(core, cmd);
    case RDO_CMD_CM_POOL_ADD:
        return pool_add(core, cmd);
    case RDO_CMD_CM_POOL_REMOVE:
        return pool_remove(core, cmd);
    case RDO_CMD_CM_CONNECT:
        return rdo_cm_connect(core, cmd);
    case RDO_CMD_CM_DISCONNECT:
        return rdo_cm_disconnect(core, cmd);
    default:
        return rdo_dma_write(core, cmd->out_addr, &core->st->cm->cnt,
                             sizeof(core->st->cm->cnt)) ?
               RDO_CQP_DMA_ERROR : RDO_CQP_OK;
    }
}
