/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the offloaded CM's active side. CM_CONNECT sends the
 * REQ (with the RDMA CM's header when the listener has RDMA_CM); the REP
 * takes the QP to RTR and RTS and the RTU goes back; a REP again means
 * our RTU was lost: it goes again. CM_DISCONNECT sends a DREQ for any
 * established connection (made by either side); the DREP ends it.
 */
#include <string.h>
#include "cm/cm.h"

static int connect_check(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    const struct rdo_cmd_cm_connect *a = &cmd->u.cm_connect;
    RdoState *st = core->st;

    if (cmd->obj >= RDO_CM_LISTENERS || a->qpn >= st->usable_qps) {
        return RDO_CQP_BAD_INDEX;
    }
    if (!st->cm->l[cmd->obj].valid || !st->qp_used[a->qpn]) {
        return RDO_CQP_NOT_FOUND;
    }
    if (st->cm->conn[a->qpn]) {
        return RDO_CQP_IN_USE;
    }
    if (st->qp_bind[a->qpn].type != RDO_QPT_RC ||
        a->sgid_index >= core->cfg.max_gid || !st->gids[a->sgid_index].valid ||
        (a->dmac[0] & 1) || a->path_mtu < RDO_MTU_256 ||
        a->path_mtu > RDO_MTU_4096 || a->timeout > 31 || a->retry_count > 7 ||
        a->rnr_retry > 7 || a->cm_timeout > 31 || a->max_cm_retries > 15 ||
        a->private_len > RDO_CM_PRIVATE_LEN) {
        return RDO_CQP_BAD_PARAM;
    }
    return RDO_CQP_OK;
}

/* The RDMA CM's header: version 0, IP version, our port, both addresses
 * (an IPv4 address in the last 4 bytes of its 16, the rest 0). */
static void put_rdma_cm_header(RdoCore *core, uint8_t *pd, const RdoCmConn *c,
                               uint16_t src_port)
{
    const uint8_t *sgid = core->st->gids[c->sgid_index].gid;
    bool v4 = rdo_wire_gid_is_ipv4(c->peer_gid);

    pd[0] = 0;
    pd[1] = (uint8_t)((v4 ? 4 : 6) << 4);
    rdo_put_be16(pd + 2, src_port);
    if (v4) {
        memcpy(pd + 4 + 12, sgid + 12, 4);
        memcpy(pd + 20 + 12, c->peer_gid + 12, 4);
    } else {
        memcpy(pd + 4, sgid, 16);
        memcpy(pd + 20, c->peer_gid, 16);
    }
}

static void put_req(RdoCore *core, RdoCmConn *c,
                    const struct rdo_cmd_cm_connect *a, const uint8_t *priv)
{
    uint8_t *d = rdo_cm_data_of(c->mad);
    uint8_t *path = d + 52, *pd = d + RDO_CM_REQ_PRIVATE;

    rdo_mad_hdr_put(c->mad, RDO_CM_ATTR_REQ, c->tid);
    rdo_put_be32(d, c->local_id);
    rdo_put_be64(d + 8, a->service_id);
    rdo_cm_put_guid(core, d + 16);
    rdo_put_be24(d + 32, c->qpn);
    d[35] = c->resp_res;
    d[39] = c->init_depth;
    d[43] = (uint8_t)(a->cm_timeout << 3 | 1);     /* RC, flow control */
    rdo_put_be24(d + 44, c->rq_psn);       /* the PSN the peer sends with */
    d[47] = (uint8_t)(a->cm_timeout << 3 | a->retry_count);
    rdo_put_be16(d + 48, RDO_PKEY_DEFAULT);
    d[50] = (uint8_t)(a->path_mtu << 4 | a->rnr_retry);
    d[51] = (uint8_t)(a->max_cm_retries << 4);
    /* The primary path, as RoCE has it: permissive LIDs, the GIDs. */
    rdo_put_be16(path, 0xffff);
    rdo_put_be16(path + 2, 0xffff);
    memcpy(path + 4, core->st->gids[c->sgid_index].gid, 16);
    memcpy(path + 20, c->peer_gid, 16);
    path[41] = 64;
    path[43] = (uint8_t)(a->timeout << 3);
    if (c->rdma_cm) {
        put_rdma_cm_header(core, pd, c, a->src_port);
        pd += RDO_CM_RDMA_HDR_LEN;
    }
    memcpy(pd, priv, a->private_len);
}

int rdo_cm_connect(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    const struct rdo_cmd_cm_connect *a = &cmd->u.cm_connect;
    RdoCm *cm = core->st->cm;
    RdoCmListener *l = NULL;
    struct rdo_cmd_modify_qp m = { 0 };
    uint8_t priv[RDO_CM_PRIVATE_LEN] = { 0 };
    int status = connect_check(core, cmd);
    RdoCmConn *c;
    RdoQpCtx *qp;

    if (status != RDO_CQP_OK) {
        return status;
    }
    l = &cm->l[cmd->obj];
    if (!rdo_cm_table_room(core, l, l->reserved)) {
        return RDO_CQP_NO_RESOURCES;
    }
    if (a->private_len &&
        rdo_dma_read(core, cmd->out_addr, priv, a->private_len)) {
        return RDO_CQP_DMA_ERROR;
    }
    qp = rdo_qp_get(core, a->qpn);
    if (!qp) {
        return RDO_CQP_DMA_ERROR;
    }
    if (qp->state == RDO_QPS_RESET) {
        m.access = a->access;
        if (rdo_cm_modify(core, a->qpn, RDO_QPS_INIT, RDO_QP_ATTR_ACCESS,
                          &m) != RDO_CQP_OK) {
            return RDO_CQP_BAD_PARAM;
        }
    } else if (qp->state != RDO_QPS_INIT) {
        return RDO_CQP_BAD_STATE;
    }
    c = g_new0(RdoCmConn, 1);
    c->state = RDO_CM_REQ_SENT;
    c->active = true;
    c->listener = cmd->obj;
    c->qpn = a->qpn;
    c->local_id = rdo_cm_new_id(cm, a->qpn);
    c->tid = (uint64_t)c->local_id << 32 | ++cm->tid_seq;
    memcpy(c->peer_gid, a->dgid, 16);
    memcpy(c->peer_mac, a->dmac, 6);
    c->sgid_index = a->sgid_index;
    c->rq_psn = rdo_cm_rand24(cm);
    c->path_mtu = a->path_mtu;
    c->timeout = a->timeout;
    c->retry_cnt = a->retry_count;
    c->resp_res = l->p.responder_resources;
    c->init_depth = l->p.initiator_depth;
    c->peer_port = (uint16_t)a->service_id;
    c->rdma_cm = l->p.flags & RDO_CM_LISTEN_F_RDMA_CM;
    c->max_retries = a->max_cm_retries;
    c->timeout_ns = rdo_cm_timeout_ns(a->cm_timeout);
    put_req(core, c, a, priv);
    cm->conn[a->qpn] = c;
    g_queue_push_tail(&cm->live, c);
    rdo_side_work(core);
    l->reserved++;
    cm->cnt.reqs_sent++;
    rdo_cm_send_armed(core, c);
    return RDO_CQP_OK;
}

static void send_rtu(RdoCore *core, const RdoCmConn *c)
{
    uint8_t mad[RDO_MAD_LEN];

    rdo_mad_hdr_put(mad, RDO_CM_ATTR_RTU, c->tid);
    rdo_put_be32(mad + RDO_MAD_HDR_LEN, c->local_id);
    rdo_put_be32(mad + RDO_MAD_HDR_LEN + 4, c->remote_id);
    rdo_cm_send(core, mad, c->sgid_index, c->peer_gid, c->peer_mac);
}

void rdo_cm_rx_rep(RdoCore *core, RdoCmConn *c, const uint8_t *mad,
                   const uint8_t peer_mac[6])
{
    RdoCm *cm = core->st->cm;
    const uint8_t *d = mad + RDO_MAD_HDR_LEN;

    cm->cnt.reps_received++;
    if (c->state == RDO_CM_ESTABLISHED) {
        send_rtu(core, c);              /* our RTU was lost */
        return;
    }
    c->remote_id = rdo_get_be32(d);
    c->peer_qpn = rdo_get_be24(d + 12);
    c->sq_psn = rdo_get_be24(d + 20);      /* the PSN we send with */
    /* Theirs serve our READs (at most what we asked), and the reverse. */
    c->init_depth = MIN(c->init_depth, d[24]);
    c->resp_res = MIN(c->resp_res, d[25]);
    memcpy(c->peer_mac, peer_mac, 6);
    memcpy(c->private_data, d + RDO_CM_REP_PRIVATE, RDO_CM_PRIVATE_LEN);
    c->rdma_cm = false;                 /* a REP's private data has no header */
    if (!rdo_cm_qp_connect(core, c, 0, d[27] >> 5)) {
        rdo_guest_error(core, RDO_GE_CM_POOL_QP, c->qpn, c->listener,
                        "QP cannot be connected along the REP: refused");
        rdo_cm_send_rej(core, c->tid, c->local_id, c->remote_id, 1,
                        RDO_CM_REJ_CONSUMER_DEFINED, c->sgid_index,
                        c->peer_gid, c->peer_mac);
        rdo_cm_end(core, c, RDO_CM_ENTRY_ABORTED, RDO_CM_REJ_CONSUMER_DEFINED);
        return;
    }
    send_rtu(core, c);
    rdo_cm_establish(core, c, false);
}

void rdo_cm_active_give_up(RdoCore *core, RdoCmConn *c)
{
    RdoCm *cm = core->st->cm;

    if (c->state == RDO_CM_DREQ_SENT) {
        /* No DREP: the connection is over all the same (time wait). */
        rdo_cm_end(core, c, RDO_CM_ENTRY_DISCONNECTED, 0);
        return;
    }
    cm->cnt.req_timeouts++;
    rdo_guest_error(core, RDO_GE_CM_TIMEOUT, c->qpn, c->local_id,
                    "no REP for our REQ: connection given up");
    rdo_cm_end(core, c, RDO_CM_ENTRY_ABORTED, RDO_CM_REJ_TIMEOUT);
}

int rdo_cm_disconnect(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    const struct rdo_cmd_cm_pool *a = &cmd->u.cm_pool;
    RdoCm *cm = core->st->cm;
    struct rdo_cmd_modify_qp m = { 0 };
    RdoCmConn *c;
    uint8_t *d;

    if (cmd->obj >= RDO_CM_LISTENERS || a->qpn >= core->st->usable_qps) {
        return RDO_CQP_BAD_INDEX;
    }
    c = cm->conn[a->qpn];
    if (!c || c->listener != cmd->obj || c->state == RDO_CM_IDLE) {
        return RDO_CQP_NOT_FOUND;
    }
    if (c->state != RDO_CM_ESTABLISHED) {
        return RDO_CQP_BAD_STATE;
    }
    /* As rdma_disconnect: the QP stops first, then the DREQ. */
    rdo_cm_modify(core, c->qpn, RDO_QPS_ERR, 0, &m);
    c->tid = (uint64_t)c->local_id << 32 | ++cm->tid_seq;
    rdo_mad_hdr_put(c->mad, RDO_CM_ATTR_DREQ, c->tid);
    d = rdo_cm_data_of(c->mad);
    rdo_put_be32(d, c->local_id);
    rdo_put_be32(d + 4, c->remote_id);
    rdo_put_be24(d + 8, c->peer_qpn);
    c->state = RDO_CM_DREQ_SENT;
    cm->cnt.dreqs_sent++;
    rdo_cm_send_armed(core, c);
    return RDO_CQP_OK;
}
