/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: what both sides of the offloaded CM do with a
 * connection: its IDs and PSNs, the QP's transitions, established, ended.
 */
#include <string.h>
#include "cm/cm.h"

uint64_t rdo_cm_timeout_ns(uint8_t code)
{
    /* 4.096 us x 2^code; codes beyond 24 (68 s) are held there. */
    return 4096ull << MIN(code, 24);
}

uint32_t rdo_cm_rand24(RdoCm *cm)
{
    uint32_t x = cm->psn_seed;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    cm->psn_seed = x;
    return x & RDO_PSN_MASK;
}

bool rdo_cm_gid_zero(const uint8_t gid[16])
{
    static const uint8_t zero[16];

    return !memcmp(gid, zero, 16);
}

uint32_t rdo_cm_new_id(RdoCm *cm, uint32_t qpn)
{
    /* The QP in bits 19:0 finds the connection; the generation above
     * tells this connection from the QP's earlier ones. */
    return ((uint32_t)(++cm->gen[qpn] & 0xfff) << 20) | qpn;
}

void rdo_cm_put_guid(RdoCore *core, uint8_t *p)
{
    memcpy(p, core->st->port_mac, 3);
    p[0] ^= 0x02;
    p[3] = 0xff;
    p[4] = 0xfe;
    memcpy(p + 5, core->st->port_mac + 3, 3);
}

void rdo_cm_unwait(RdoCm *cm, RdoCmConn *c)
{
    if (c->state == RDO_CM_REP_SENT || c->state == RDO_CM_REQ_SENT) {
        cm->l[c->listener].reserved--;
    }
}

void rdo_cm_send_armed(RdoCore *core, RdoCmConn *c)
{
    c->retries_left = c->max_retries;
    c->due_ns = rdo_cm_now_ns(core) + c->timeout_ns;
    rdo_cm_send(core, c->mad, c->sgid_index, c->peer_gid, c->peer_mac);
    rdo_core_schedule(core, c->due_ns);
}

void rdo_cm_establish(RdoCore *core, RdoCmConn *c, bool by_data)
{
    RdoCm *cm = core->st->cm;

    rdo_cm_unwait(cm, c);
    c->state = RDO_CM_ESTABLISHED;
    cm->cnt.established++;
    if (by_data) {
        cm->cnt.established_by_data++;
    }
    rdo_cm_entry(core, c, RDO_CM_ENTRY_ESTABLISHED, 0, false);
}

void rdo_cm_data(RdoCore *core, uint32_t qpn)
{
    rdo_cm_establish(core, core->st->cm->conn[qpn], true);
}

int rdo_cm_modify(RdoCore *core, uint32_t qpn, uint8_t state, uint32_t mask,
                  struct rdo_cmd_modify_qp *m)
{
    m->state = state;
    m->mask = mask;
    return rdo_qp_modify(core, qpn, m);
}

void rdo_cm_end(RdoCore *core, RdoCmConn *c, uint8_t type, uint16_t reason)
{
    RdoCm *cm = core->st->cm;
    RdoCmListener *l = &cm->l[c->listener];
    struct rdo_cmd_modify_qp m = { 0 };
    RdoQpCtx *qp = rdo_qp_get(core, c->qpn);
    uint32_t access = qp ? qp->access : 0;
    bool recycled = false;

    rdo_cm_unwait(cm, c);
    g_queue_remove(&cm->live, c);
    if (type == RDO_CM_ENTRY_ABORTED) {
        cm->cnt.aborted++;
    } else {
        cm->cnt.disconnected++;
    }
    /* Its work flushes, as on any connection torn down. */
    rdo_cm_modify(core, c->qpn, RDO_QPS_ERR, 0, &m);
    if ((l->p.flags & RDO_CM_LISTEN_F_RECYCLE) && !c->active && qp &&
        rdo_cm_modify(core, c->qpn, RDO_QPS_RESET, 0, &m) == RDO_CQP_OK) {
        m.access = access;
        recycled = rdo_cm_modify(core, c->qpn, RDO_QPS_INIT, RDO_QP_ATTR_ACCESS,
                          &m) == RDO_CQP_OK;
    }
    rdo_cm_entry(core, c, type, reason, recycled);
    if (recycled) {
        c->state = RDO_CM_IDLE;
        g_queue_push_tail(&l->pool, GUINT_TO_POINTER(c->qpn + 1));
        return;
    }
    cm->conn[c->qpn] = NULL;
    g_free(c);
}

bool rdo_cm_qp_connect(RdoCore *core, RdoCmConn *c, uint8_t traffic_class,
                       uint8_t rnr_retry)
{
    const RdoCmListener *l = &core->st->cm->l[c->listener];
    struct rdo_cmd_modify_qp m = { 0 };

    memcpy(m.dmac, c->peer_mac, 6);
    memcpy(m.dgid, c->peer_gid, 16);
    m.sgid_index = c->sgid_index;
    m.hop_limit = 64;
    m.traffic_class = traffic_class & ~RDO_TCLASS_ECN_MASK;
    m.path_mtu = c->path_mtu;
    m.dest_qpn = c->peer_qpn;
    m.rq_psn = c->rq_psn;
    m.max_dest_rd_atomic = c->resp_res;
    m.min_rnr_timer = l->p.min_rnr_timer;
    if (rdo_cm_modify(core, c->qpn, RDO_QPS_RTR, RDO_QP_ATTR_AV |
                      RDO_QP_ATTR_PATH_MTU | RDO_QP_ATTR_DEST_QPN |
                      RDO_QP_ATTR_RQ_PSN | RDO_QP_ATTR_MAX_DEST_RD_ATOMIC |
                      RDO_QP_ATTR_MIN_RNR_TIMER, &m) != RDO_CQP_OK) {
        return false;
    }
    m.sq_psn = c->sq_psn;
    m.timeout = c->timeout;
    m.retry_cnt = c->retry_cnt;
    m.rnr_retry = rnr_retry;
    m.max_rd_atomic = c->init_depth;
    return rdo_cm_modify(core, c->qpn, RDO_QPS_RTS, RDO_QP_ATTR_SQ_PSN |
                         RDO_QP_ATTR_TIMEOUT | RDO_QP_ATTR_RETRY_CNT |
                         RDO_QP_ATTR_RNR_RETRY | RDO_QP_ATTR_MAX_RD_ATOMIC,
                         &m) == RDO_CQP_OK;
}
