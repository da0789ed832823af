/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the offloaded CM's passive side (IB spec 12.9, the
 * communication state machine; the REQ's private data as the RDMA CM
 * writes it). A CM MAD is the device's when a REQ names a listener's
 * service ID, or another message names a connection the device made
 * (our communication ID, the peer's, the peer's GID). Everything else goes
 * to QP 1 unchanged while the driver has a GSI QP; without one the device
 * answers as a CM with no such service or connection would (REJ, DREP).
 */
#include <string.h>
#include "cm/cm.h"

static int sgid_of(RdoCore *core, const uint8_t gid[16])
{
    for (uint32_t i = 0; i < core->cfg.max_gid; i++) {
        if (core->st->gids[i].valid && !memcmp(core->st->gids[i].gid, gid, 16)) {
            return i;
        }
    }
    return -1;
}

static int listener_of(RdoCm *cm, uint64_t service_id, const uint8_t dgid[16])
{
    for (int i = 0; i < RDO_CM_LISTENERS; i++) {
        const RdoCmListener *l = &cm->l[i];

        if (l->valid && l->p.service_id == service_id &&
            (rdo_cm_gid_zero(l->p.addr) || !memcmp(l->p.addr, dgid, 16))) {
            return i;
        }
    }
    return -1;
}

/* The connection a message names by our communication ID, if the peer's
 * ID and GID agree. */
static RdoCmConn *conn_of(RdoCore *core, const uint8_t *m,
                          const uint8_t peer_gid[16])
{
    RdoCm *cm = core->st->cm;
    uint32_t ours = rdo_get_be32(m + 4);
    uint32_t qpn = ours & (RDO_LIMIT_MAX - 1);
    RdoCmConn *c;

    if (qpn >= core->st->usable_qps) {
        return NULL;
    }
    c = cm->conn[qpn];
    /* Before the REP the peer's ID is not known yet. */
    if (!c || c->state == RDO_CM_IDLE || c->local_id != ours ||
        (c->state != RDO_CM_REQ_SENT && c->remote_id != rdo_get_be32(m)) ||
        memcmp(c->peer_gid, peer_gid, 16)) {
        return NULL;
    }
    return c;
}

/* A REQ from the same peer with the same communication ID: a repeat.
 * Only connections the peer asked for can be repeated: our own REQs
 * (active) hold no peer ID before the REP, and a REQ with ID 0 must not
 * be taken for one of them. */
static RdoCmConn *conn_dup(RdoCore *core, uint32_t remote_id,
                           const uint8_t peer_gid[16])
{
    for (GList *l = core->st->cm->live.head; l; l = l->next) {
        RdoCmConn *c = l->data;

        if (!c->active && c->remote_id == remote_id &&
            !memcmp(c->peer_gid, peer_gid, 16)) {
            return c;
        }
    }
    return NULL;
}

static bool rdma_cm_header_ok(const RdoCmListener *l, const uint8_t *pd,
                              RdoCmConn *c)
{
    static const uint8_t v4[12] = { [10] = 0xff, [11] = 0xff };
    uint8_t dst[16];

    if (pd[0] != 0) {               /* the RDMA CM's header version */
        return false;
    }
    switch (pd[1] >> 4) {
    case 4:
        memcpy(dst, v4, 12);
        memcpy(dst + 12, pd + 20 + 12, 4);
        break;
    case 6:
        memcpy(dst, pd + 20, 16);
        break;
    default:
        return false;
    }
    if (!rdo_cm_gid_zero(l->p.addr) && memcmp(dst, l->p.addr, 16)) {
        return false;
    }
    c->peer_port = rdo_get_be16(pd + 2);
    return true;
}

/* Where an answer to a packet goes: the sender's GID and MAC. */
typedef struct CmPeer {
    const uint8_t *gid, *mac;
    uint8_t sgid;
} CmPeer;

/* A REQ refused: counted, traced (the peer's QP, the reason), a REJ. */
static void refuse(RdoCore *core, const CmPeer *to, uint64_t tid,
                   const RdoCmReq *r, uint16_t reason, uint64_t *count,
                   const char *why)
{
    (*count)++;
    rdo_guest_error(core, RDO_GE_CM_REQ_REFUSED, r->local_qpn, reason,
                    "REQ refused (REJ reason %u): %s", reason, why);
    rdo_cm_send_rej(core, tid, 0, r->local_comm_id, 0, reason, to->sgid,
                    to->gid, to->mac);
}

/* The next usable QP of the pool, its connection filled from the REQ. */
static RdoCmConn *take_qp(RdoCore *core, int li, const RdoCmReq *r,
                          const CmPeer *to)
{
    RdoCm *cm = core->st->cm;
    RdoCmListener *l = &cm->l[li];
    gpointer v;

    while ((v = g_queue_pop_head(&l->pool))) {
        uint32_t qpn = GPOINTER_TO_UINT(v) - 1;
        RdoCmConn *c = cm->conn[qpn];

        c->local_id = rdo_cm_new_id(cm, qpn);
        c->remote_id = r->local_comm_id;
        c->tid = 0;
        c->peer_qpn = r->local_qpn;
        /*
         * The REQ's starting PSN is the one this side sends with (what the
         * requester's receive queue expects); the REP's, ours, the one it
         * sends with (IBA 12.7.27, as ib_cm sets up both QPs).
         */
        c->sq_psn = r->starting_psn;
        c->rq_psn = rdo_cm_rand24(cm);
        c->path_mtu = MIN(r->path_mtu, rdo_active_mtu(core->st->port_mtu));
        c->resp_res = MIN(r->initiator_depth, l->p.responder_resources);
        c->init_depth = MIN(r->responder_resources, l->p.initiator_depth);
        memcpy(c->peer_gid, to->gid, 16);
        memcpy(c->peer_mac, to->mac, 6);
        c->sgid_index = to->sgid;
        c->timeout = r->local_ack_timeout;
        c->retry_cnt = r->retry_count;
        if (rdo_cm_qp_connect(core, c, r->traffic_class, r->rnr_retry)) {
            return c;
        }
        /* The driver changed or broke it behind the CM's back. */
        rdo_guest_error(core, RDO_GE_CM_POOL_QP, qpn, li,
                        "pool QP cannot be connected: dropped from the pool");
        cm->conn[qpn] = NULL;
        g_free(c);
    }
    return NULL;
}

static void send_rep(RdoCore *core, RdoCmConn *c)
{
    const RdoCmListener *l = &core->st->cm->l[c->listener];
    uint8_t *m = rdo_cm_data_of(c->mad);

    rdo_mad_hdr_put(c->mad, RDO_CM_ATTR_REP, c->tid);
    rdo_put_be32(m, c->local_id);
    rdo_put_be32(m + 4, c->remote_id);
    rdo_put_be24(m + 12, c->qpn);
    rdo_put_be24(m + 20, c->rq_psn);       /* the peer's send PSN */
    m[24] = c->resp_res;
    m[25] = c->init_depth;
    m[26] = 1;                          /* end-to-end flow control */
    m[27] = (uint8_t)(l->p.rnr_retry << 5);
    rdo_cm_put_guid(core, m + 28);
    rdo_cm_send_armed(core, c);
}

static void rx_req(RdoCore *core, const uint8_t *mad, uint64_t tid,
                   const CmPeer *to, const uint8_t dgid[16])
{
    RdoCm *cm = core->st->cm;
    RdoCmReq r;
    RdoCmConn *c, probe = { 0 };
    RdoCmListener *l;
    int li;

    rdo_cm_req_get(mad, &r);
    li = listener_of(cm, r.service_id, dgid);
    if (li < 0) {
        refuse(core, to, tid, &r, RDO_CM_REJ_INVALID_SERVICE_ID,
               &cm->cnt.rej_no_listener, "no listener for the service ID");
        return;
    }
    l = &cm->l[li];
    cm->cnt.reqs++;
    c = conn_dup(core, r.local_comm_id, to->gid);
    if (c) {
        /* Our REP was lost: send it again; once established, nothing. */
        cm->cnt.reqs_dup++;
        if (c->state == RDO_CM_REP_SENT) {
            rdo_cm_send(core, c->mad, c->sgid_index, c->peer_gid, c->peer_mac);
        }
        return;
    }
    if (r.transport != 0) {
        refuse(core, to, tid, &r,
               RDO_CM_REJ_INVALID_TRANSPORT_TYPE, &cm->cnt.rej_other,
               "not RC");
        return;
    }
    if (r.path_mtu < RDO_MTU_256 || r.path_mtu > RDO_MTU_4096) {
        refuse(core, to, tid, &r, RDO_CM_REJ_INVALID_MTU,
               &cm->cnt.rej_other, "path MTU code out of range");
        return;
    }
    if ((l->p.flags & RDO_CM_LISTEN_F_RDMA_CM) &&
        !rdma_cm_header_ok(l, r.private_data, &probe)) {
        refuse(core, to, tid, &r, RDO_CM_REJ_CONSUMER_DEFINED,
               &cm->cnt.rej_bad_private, "RDMA CM header refused");
        return;
    }
    if (!rdo_cm_table_room(core, l, l->reserved)) {
        refuse(core, to, tid, &r, RDO_CM_REJ_NO_RESOURCES,
               &cm->cnt.rej_no_resources, "notification table full");
        return;
    }
    c = take_qp(core, li, &r, to);
    if (!c) {
        refuse(core, to, tid, &r, RDO_CM_REJ_NO_QP,
               &cm->cnt.rej_no_qp, "the pool is empty");
        return;
    }
    c->tid = tid;
    c->rdma_cm = l->p.flags & RDO_CM_LISTEN_F_RDMA_CM;
    c->peer_port = probe.peer_port;
    memcpy(c->private_data, r.private_data +
           (c->rdma_cm ? RDO_CM_RDMA_HDR_LEN : 0), RDO_CM_PRIVATE_LEN);
    c->state = RDO_CM_REP_SENT;
    c->max_retries = r.max_cm_retries;
    c->timeout_ns = rdo_cm_timeout_ns(r.local_cm_timeout);
    l->reserved++;
    g_queue_push_tail(&cm->live, c);
    rdo_side_work(core);
    send_rep(core, c);
}

static void unexpected(RdoCore *core, uint16_t attr, uint32_t id,
                       const char *why)
{
    core->st->cm->cnt.mads_unexpected++;
    rdo_guest_error(core, RDO_GE_CM_MAD_UNEXPECTED, id & (RDO_LIMIT_MAX - 1),
                    attr, "CM attribute 0x%04x: %s", attr, why);
}

/* A message that names a connection of ours (c) or none (NULL). */
static void rx_conn_msg(RdoCore *core, RdoCmConn *c, const uint8_t *mad,
                        uint64_t tid, uint16_t attr, const CmPeer *to)
{
    RdoCm *cm = core->st->cm;
    const uint8_t *m = mad + RDO_MAD_HDR_LEN;
    uint8_t drep[RDO_MAD_LEN];

    switch (attr) {
    case RDO_CM_ATTR_RTU:
        if (c && c->state == RDO_CM_REP_SENT) {
            rdo_cm_establish(core, c, false);
            return;
        }
        unexpected(core, attr, rdo_get_be32(m + 4),
                   c ? "connection established already" : "no such connection");
        return;
    case RDO_CM_ATTR_MRA:
        /* The peer needs longer to answer our REQ (0) or REP (1). */
        if (c && ((c->state == RDO_CM_REP_SENT && (m[8] >> 6) == 1) ||
                  (c->state == RDO_CM_REQ_SENT && (m[8] >> 6) == 0))) {
            cm->cnt.mra_received++;
            c->due_ns = rdo_cm_now_ns(core) + c->timeout_ns +
                        rdo_cm_timeout_ns(m[9] >> 3);
            rdo_core_schedule(core, c->due_ns);
            return;
        }
        unexpected(core, attr, rdo_get_be32(m + 4),
                   "MRA for no REQ or REP of ours");
        return;
    case RDO_CM_ATTR_REJ:
        if (c && (c->state == RDO_CM_REP_SENT || c->state == RDO_CM_REQ_SENT)) {
            cm->cnt.rej_received++;
            rdo_cm_end(core, c, RDO_CM_ENTRY_ABORTED, rdo_get_be16(m + 10));
            return;
        }
        unexpected(core, attr, rdo_get_be32(m + 4),
                   "REJ for no REQ or REP of ours");
        return;
    case RDO_CM_ATTR_DREQ:
        cm->cnt.dreq_received++;
        if (c && rdo_get_be24(m + 8) != c->qpn) {
            unexpected(core, attr, c->qpn, "DREQ names another QP");
            return;
        }
        /* Answered even for a connection we no longer know (its DREP may
         * have been lost), as IB CM does. */
        rdo_mad_hdr_put(drep, RDO_CM_ATTR_DREP, tid);
        rdo_put_be32(drep + RDO_MAD_HDR_LEN, rdo_get_be32(m + 4));
        rdo_put_be32(drep + RDO_MAD_HDR_LEN + 4, rdo_get_be32(m));
        cm->cnt.drep_sent++;
        rdo_cm_send(core, drep, to->sgid, to->gid, to->mac);
        if (c) {
            rdo_cm_end(core, c, RDO_CM_ENTRY_DISCONNECTED, 0);
        } else {
            unexpected(core, attr, rdo_get_be32(m + 4), "no such connection");
        }
        return;
    case RDO_CM_ATTR_REP:
        if (c && c->active && (c->state == RDO_CM_REQ_SENT ||
                               c->state == RDO_CM_ESTABLISHED)) {
            rdo_cm_rx_rep(core, c, mad, to->mac);
            return;
        }
        unexpected(core, attr, rdo_get_be32(m + 4), "REP for no REQ of ours");
        return;
    default:    /* DREP */
        if (c && c->state == RDO_CM_DREQ_SENT) {
            cm->cnt.drep_received++;
            rdo_cm_end(core, c, RDO_CM_ENTRY_DISCONNECTED, 0);
            return;
        }
        unexpected(core, attr, rdo_get_be32(m + 4), "DREP for no DREQ of ours");
        return;
    }
}

static void malformed(RdoCore *core, uint32_t src_qp, uint32_t len,
                      const char *why)
{
    core->st->cm->cnt.mads_malformed++;
    rdo_guest_error(core, RDO_GE_CM_MAD_MALFORMED, src_qp, len,
                    "CM MAD of %u bytes: %s", len, why);
}

bool rdo_cm_rx(RdoCore *core, const RdoWireParsed *p)
{
    RdoState *st = core->st;
    RdoCm *cm = st->cm;
    const uint8_t *mad = p->pkt.payload;
    uint32_t len = p->pkt.payload_len;
    /* The driver's GSI takes what the device does not recognise. */
    bool gsi = st->qp_used[RDO_GSI_QPN];
    RdoCmConn *c = NULL;
    RdoMadHdr h;
    CmPeer to;
    int sgid;

    if (!cm->listeners && g_queue_is_empty(&cm->live)) {
        return false;
    }
    if (p->pkt.opcode != (RDO_TRANSPORT_UD | RDO_OP_SEND_ONLY) ||
        p->pkt.deth.qkey != RDO_GSI_QKEY ||
        !rdo_mad_hdr_get(mad, len, &h) || h.mgmt_class != RDO_MAD_CLASS_CM) {
        return false;
    }
    /* Ours: a REQ for a listener, or a message naming our connection. */
    if (len >= RDO_MAD_HDR_LEN + 16 && h.attr_id == RDO_CM_ATTR_REQ) {
        if (listener_of(cm, rdo_get_be64(mad + RDO_MAD_HDR_LEN + 8),
                        p->pkt.dst_gid) < 0 && gsi) {
            return false;
        }
    } else if (len >= RDO_MAD_HDR_LEN + 8) {
        c = conn_of(core, mad + RDO_MAD_HDR_LEN, p->pkt.src_gid);
        if (!c && gsi) {
            return false;
        }
    } else if (gsi) {
        return false;
    }
    cm->cnt.mads_received++;
    if (st->tm) {
        rdo_tm_cycles(core, st->tm->cfg.cyc.cm);
    }
    if (len != RDO_MAD_LEN || h.base_version != RDO_MAD_BASE_VERSION ||
        h.class_version != RDO_MAD_CM_VERSION ||
        h.method != RDO_MAD_METHOD_SEND) {
        malformed(core, p->pkt.deth.src_qp, len, len != RDO_MAD_LEN ?
                  "not 256 bytes" : "version or method");
        return true;
    }
    sgid = sgid_of(core, p->pkt.dst_gid);
    to = (CmPeer){ p->pkt.src_gid, p->pkt.src_mac, sgid < 0 ? 0 : sgid };
    if (h.attr_id == RDO_CM_ATTR_REQ) {
        rx_req(core, mad, h.tid, &to, p->pkt.dst_gid);
    } else if (h.attr_id >= RDO_CM_ATTR_MRA && h.attr_id <= RDO_CM_ATTR_DREP) {
        rx_conn_msg(core, c, mad, h.tid, h.attr_id, &to);
    } else {
        /* LAP, APR, SIDR, ClassPortInfo: not offloaded. */
        malformed(core, p->pkt.deth.src_qp, len, "attribute not offloaded");
    }
    return true;
}

void rdo_cm_run(RdoCore *core)
{
    RdoCm *cm = core->st->cm;
    uint64_t now, next = 0;
    GList *l = cm->live.head;

    /* Every wake-up comes here: without connections or listeners there is
     * nothing to retry or signal (timing mode wakes about twice a frame). */
    if (!rdo_cm_pending(core)) {
        return;
    }
    now = core->ops->now_ns(core->host);
    while (l) {
        RdoCmConn *c = l->data;

        l = l->next;
        if (c->state == RDO_CM_ESTABLISHED) {
            continue;
        }
        if (c->due_ns <= now && c->retries_left) {
            c->retries_left--;
            cm->cnt.rep_retries += c->state == RDO_CM_REP_SENT;
            cm->cnt.req_dreq_retries += c->state != RDO_CM_REP_SENT;
            c->due_ns = now + c->timeout_ns;
            rdo_cm_send(core, c->mad, c->sgid_index, c->peer_gid, c->peer_mac);
        } else if (c->due_ns <= now && c->state != RDO_CM_REP_SENT) {
            rdo_cm_active_give_up(core, c);
            continue;
        } else if (c->due_ns <= now) {
            /* The RTU never came (IB spec 12.9.7): REJ, the QP released. */
            cm->cnt.rej_timeout++;
            rdo_guest_error(core, RDO_GE_CM_TIMEOUT, c->qpn, c->remote_id,
                            "no RTU for our REP: connection given up");
            rdo_cm_send_rej(core, c->tid, c->local_id, c->remote_id, 1,
                            RDO_CM_REJ_TIMEOUT, c->sgid_index, c->peer_gid,
                            c->peer_mac);
            rdo_cm_end(core, c, RDO_CM_ENTRY_ABORTED, RDO_CM_REJ_TIMEOUT);
            continue;
        }
        next = next && next < c->due_ns ? next : c->due_ns;
    }
    for (int i = 0; i < RDO_CM_LISTENERS; i++) {
        uint64_t due;

        if (cm->l[i].valid && (due = rdo_cm_notify_check(core, &cm->l[i], false))) {
            next = next && next < due ? next : due;
        }
    }
    if (next) {
        rdo_core_schedule(core, next);
    }
}
