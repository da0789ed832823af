/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: MOVE_QP (PF only, D18; docs/programming-model.md
 * "Moving a connection between functions"). A connected RC QP of function
 * S goes to function D with the objects it uses: its send and receive CQs,
 * its PD and every MR and window of the PD. Each keeps its number, so the
 * wire sees nothing: QPN, keys (their function bits stay S's; D accepts
 * them for these MRs), PSNs; the QP keeps S's MAC and GID through an entry
 * of the adapter's moved-connection table, which the switch and the
 * receive path consult. The functions share the engine, and the command
 * runs between the engine's rounds, so the move is atomic for the
 * pipeline: the transport state goes over as it is (xport/move.c).
 */
#include <string.h>
#include "ctrl/ctrl.h"

typedef struct Move {
    RdoCore *pf, *s, *d;
    const struct rdo_cqp_cmd *cmd;
    uint32_t qpn;
    RdoQpCtx qp;                /* S's context, copied */
    GArray *mrs;                /* MR indexes of the PD */
} Move;

static int refuse(Move *m, int status, const char *why)
{
    const struct rdo_cmd_move_qp *a = &m->cmd->u.move_qp;

    rdo_guest_error(m->pf, RDO_GE_MOVE_QP_REFUSED, m->cmd->obj, status,
                    "MOVE_QP of QP %u from function %u to %u: %s",
                    m->cmd->obj, a->src_fn, a->dst_fn, why);
    return status;
}

/* The function `n` names, enabled and with its control path up. */
static int function_of(Move *m, uint32_t n, RdoCore **out)
{
    RdoSriov *sr = m->pf->sriov;

    if (n > sr->max_vfs || !sr->fn[n]) {
        return refuse(m, RDO_CQP_BAD_INDEX, "no such function enabled");
    }
    if (!sr->fn[n]->st->enabled || rdo_core_is_fatal(sr->fn[n])) {
        return refuse(m, RDO_CQP_BAD_STATE, "a function not started");
    }
    *out = sr->fn[n];
    return RDO_CQP_OK;
}

/* S's side: the QP and what it uses, used by nothing else. */
static int check_source(Move *m)
{
    RdoState *st = m->s->st;
    const RdoQpBind *b;
    RdoQpCtx *qp;
    uint32_t cq_refs;

    if (m->qpn >= st->usable_qps) {
        return refuse(m, RDO_CQP_BAD_INDEX, "QP number beyond its share");
    }
    if (!st->qp_used[m->qpn]) {
        if (rdo_fn_away(m->s, RDO_OBJ_QP, m->qpn)) {
            return refuse(m, RDO_CQP_NOT_PERMITTED,
                          "the QP moved on: another function's");
        }
        return refuse(m, RDO_CQP_NOT_FOUND, "no such QP");
    }
    qp = rdo_qp_get(m->s, m->qpn);
    if (!qp) {
        return refuse(m, RDO_CQP_DMA_ERROR, "its context is unreachable");
    }
    m->qp = *qp;
    b = &st->qp_bind[m->qpn];
    if (qp->type != RDO_QPT_RC) {
        return refuse(m, RDO_CQP_BAD_PARAM, "not an RC QP");
    }
    if (qp->state != RDO_QPS_RTS && qp->state != RDO_QPS_SQD) {
        return refuse(m, RDO_CQP_BAD_STATE, "not connected (RTS or SQD)");
    }
    if (b->srqn != RDO_NONE || b->ssq_qpn != RDO_NONE ||
        st->ssq_users[m->qpn]) {
        return refuse(m, RDO_CQP_BAD_PARAM,
                      "on an SRQ or a shared send queue");
    }
    if (st->qp_stall_mr[m->qpn] != RDO_NONE || st->mr_pending_n ||
        rdo_cm_waits_for(m->s, m->qpn)) {
        return refuse(m, RDO_CQP_BAD_STATE, "a registration or the "
                      "connection manager still pending");
    }
    cq_refs = b->send_cqn == b->recv_cqn ? 2 : 1;
    if (st->cqs[b->send_cqn].users != cq_refs ||
        st->cqs[b->recv_cqn].users != cq_refs) {
        return refuse(m, RDO_CQP_IN_USE, "a CQ other QPs use too");
    }
    for (uint32_t i = 0; i < st->usable_mrs; i++) {
        RdoMrCtx *mr;

        if (!st->mr_used[i]) {
            continue;
        }
        mr = rdo_mr_get(m->s, i);
        if (!mr) {
            return refuse(m, RDO_CQP_DMA_ERROR, "an MR context unreachable");
        }
        if (mr->pdn == b->pdn) {
            g_array_append_val(m->mrs, i);
        }
    }
    if (st->pds[b->pdn].users != 1 + m->mrs->len) {
        return refuse(m, RDO_CQP_IN_USE, "a PD other QPs or SRQs use too");
    }
    return RDO_CQP_OK;
}

/* D's side: every number free there and within its share. */
static int check_destination(Move *m)
{
    const struct rdo_cmd_move_qp *a = &m->cmd->u.move_qp;
    RdoState *st = m->d->st;
    const RdoConfig *c = &m->d->cfg;
    const RdoQpBind *b = &m->s->st->qp_bind[m->qpn];
    RdoSriov *sr = m->pf->sriov;
    RdoMoved *e = rdo_moved_at(sr, m->s->fn, m->qpn);
    RdoMoved *home = rdo_moved_home(sr, m->d->fn, m->qpn);

    if (a->eqn >= c->max_eq || !st->eqs[a->eqn].valid) {
        return refuse(m, RDO_CQP_NOT_FOUND, "no such EQ in the destination");
    }
    if (a->qp_db_page >= c->doorbell_pages ||
        a->cq_db_page >= c->doorbell_pages) {
        return refuse(m, RDO_CQP_BAD_PARAM, "a doorbell page beyond its BAR");
    }
    /* The number may be D's own only if the connection is coming home. */
    if (m->qpn >= st->usable_qps || st->qp_used[m->qpn] ||
        (home && home != e)) {
        return refuse(m, RDO_CQP_NO_RESOURCES, "its QP number not free there");
    }
    if (b->send_cqn >= c->max_cq || st->cqs[b->send_cqn].valid ||
        b->recv_cqn >= c->max_cq || st->cqs[b->recv_cqn].valid) {
        return refuse(m, RDO_CQP_NO_RESOURCES, "its CQ numbers not free there");
    }
    if (b->pdn >= c->max_pd || st->pds[b->pdn].valid) {
        return refuse(m, RDO_CQP_NO_RESOURCES, "its PD number not free there");
    }
    for (guint k = 0; k < m->mrs->len; k++) {
        uint32_t i = g_array_index(m->mrs, uint32_t, k);

        if (i >= st->usable_mrs || st->mr_used[i] || st->mr_pending[i]) {
            return refuse(m, RDO_CQP_NO_RESOURCES,
                          "an MR index not free there");
        }
    }
    if (!e && sr->nmoved == RDO_SRIOV_MOVED_MAX) {
        return refuse(m, RDO_CQP_NO_RESOURCES, "the moved-connection table "
                      "is full");
    }
    return RDO_CQP_OK;
}

/* The adapter's entry for the connection: made at its first move (S's
 * address), moved on, or gone when it comes home. */
static void table_update(Move *m)
{
    RdoSriov *sr = m->pf->sriov;
    RdoMoved *e = rdo_moved_at(sr, m->s->fn, m->qpn);

    if (!e) {
        for (e = sr->moved; e->valid; e++) {
        }
        e->valid = true;
        e->home = m->s->fn;
        e->qpn = m->qpn;
        memcpy(e->mac, m->s->st->port_mac, 6);
        memset(e->gid, 0, 16);
        if (m->qp.sgid_index < m->s->cfg.max_gid) {
            memcpy(e->gid, m->s->st->gids[m->qp.sgid_index].gid, 16);
        }
        sr->nmoved++;
    }
    e->at = m->d->fn;
    if (e->at == e->home) {
        e->valid = false;
        sr->nmoved--;
    }
}

/* Contexts into D's caches, where they are written back to D's stores. */
static bool copy_ctx(RdoCore *d, RdoCtxCache *c, uint32_t index,
                     const void *data)
{
    void *to = rdo_ctx_new(d, c, index);

    if (!to) {
        return false;
    }
    memcpy(to, data, c->ctx_size);
    rdo_ctx_dirty(d, c, to);
    return true;
}

static int move_mrs(Move *m)
{
    RdoState *s = m->s->st, *d = m->d->st;
    uint32_t old_gen = s->qp_gen[m->qpn];
    uint32_t new_gen = MAX(old_gen, d->qp_gen[m->qpn]) + 1;

    for (guint k = 0; k < m->mrs->len; k++) {
        uint32_t i = g_array_index(m->mrs, uint32_t, k);
        RdoMrCtx *src = rdo_mr_get(m->s, i), mr;
        uint32_t key_fn;

        if (!src) {
            return RDO_CQP_DMA_ERROR;
        }
        mr = *src;
        /* A type-2 window bound to this QP stays bound to it. */
        if ((mr.flags & RDO_MR_F_TYPE2) && mr.qpn == m->qpn &&
            mr.qp_gen == old_gen) {
            mr.qp_gen = new_gen;
        }
        if (!copy_ctx(m->d, &d->mrc, i, &mr)) {
            return RDO_CQP_DMA_ERROR;
        }
        d->mr_used[i] = 1;
        d->mr_windows[i] = s->mr_windows[i];
        key_fn = s->mr_key_fn[i] ? s->mr_key_fn[i] - 1u : m->s->fn;
        d->mr_key_fn[i] = key_fn == m->d->fn ? 0 : key_fn + 1;
        d->mr_away[i] = 0;
        s->mr_used[i] = 0;
        s->mr_windows[i] = 0;
        s->mr_key_fn[i] = 0;
        s->mr_away[i] = m->d->fn + 1;
    }
    s->mrc.gen++;       /* gone from here: no held translation of them */
    d->qp_gen[m->qpn] = new_gen;
    return RDO_CQP_OK;
}

static void move_cq(Move *m, uint32_t cqn)
{
    const struct rdo_cmd_move_qp *a = &m->cmd->u.move_qp;
    RdoCq *from = &m->s->st->cqs[cqn], *to = &m->d->st->cqs[cqn];

    if (!from->valid) {
        return;                 /* the QP's other CQ, the same one */
    }
    *to = *from;
    to->eqn = a->eqn;
    to->db_page = a->cq_db_page;
    m->d->st->eqs[a->eqn].users++;
    m->s->st->eqs[from->eqn].users--;
    if (to->mod_due) {
        rdo_idxq_push(&m->d->st->cq_timed, cqn);
        rdo_side_work(m->d);
        rdo_core_schedule(m->d, to->mod_due);
    }
    memset(from, 0, sizeof(*from));
    m->s->st->cq_away[cqn] = m->d->fn + 1;
    m->d->st->cq_away[cqn] = 0;
}

static int move(Move *m)
{
    RdoState *s = m->s->st, *d = m->d->st;
    const RdoQpBind *b = &s->qp_bind[m->qpn];
    RdoQpCtx qp = m->qp;
    int status;

    qp.db_page = m->cmd->u.move_qp.qp_db_page;
    if (!copy_ctx(m->d, &d->qpc, m->qpn, &qp)) {
        return RDO_CQP_DMA_ERROR;
    }
    status = move_mrs(m);
    if (status != RDO_CQP_OK) {
        return status;
    }
    d->pds[b->pdn] = s->pds[b->pdn];
    memset(&s->pds[b->pdn], 0, sizeof(s->pds[b->pdn]));
    s->pd_away[b->pdn] = m->d->fn + 1;
    d->pd_away[b->pdn] = 0;
    move_cq(m, b->send_cqn);
    move_cq(m, b->recv_cqn);
    d->qp_used[m->qpn] = 1;
    rdo_push_page_take(m->d, m->qpn, qp.db_page);
    d->qp_bind[m->qpn] = *b;
    d->qp_flow_class[m->qpn] = s->qp_flow_class[m->qpn];
    d->qp_stall_mr[m->qpn] = RDO_NONE;
    rdo_engine_bind(m->d, m->qpn);
    s->qp_used[m->qpn] = 0;
    rdo_push_page_leave(m->s, m->qpn);
    table_update(m);
    rdo_xport_move(m->s, m->d, m->qpn, m->qp.sq_pi);
    m->s->cnt.qp_moved_out++;
    m->d->cnt.qp_moved_in++;
    rdo_async_event(m->d, RDO_EQE_QP_ARRIVED, m->qpn, m->s->fn);
    return RDO_CQP_OK;
}

int rdo_cmd_move_qp(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    const struct rdo_cmd_move_qp *a = &cmd->u.move_qp;
    Move m = { .pf = core, .cmd = cmd, .qpn = cmd->obj };
    int status;

    if (!core->sriov) {
        return RDO_CQP_BAD_OPCODE;
    }
    if (core->fn) {
        core->cnt.isolation++;
        rdo_guest_error(core, RDO_GE_FN_NOT_PERMITTED, cmd->obj, cmd->opcode,
                        "VF %u issued MOVE_QP, a PF-only command", core->fn);
        return RDO_CQP_NOT_PERMITTED;
    }
    for (size_t i = sizeof(*a); i < sizeof(cmd->u.raw); i++) {
        if (cmd->u.raw[i]) {
            return refuse(&m, RDO_CQP_BAD_RESERVED, "reserved bytes set");
        }
    }
    if (a->reserved0 || a->reserved1) {
        return refuse(&m, RDO_CQP_BAD_RESERVED, "reserved fields set");
    }
    if (a->src_fn == a->dst_fn) {
        return refuse(&m, RDO_CQP_BAD_PARAM, "source and destination the same");
    }
    status = function_of(&m, a->src_fn, &m.s);
    if (status == RDO_CQP_OK) {
        status = function_of(&m, a->dst_fn, &m.d);
    }
    if (status != RDO_CQP_OK) {
        return status;
    }
    m.mrs = g_array_new(false, false, sizeof(uint32_t));
    status = check_source(&m);
    if (status == RDO_CQP_OK) {
        status = check_destination(&m);
    }
    if (status == RDO_CQP_OK) {
        status = move(&m);
    }
    g_array_unref(m.mrs);
    return status;
}
