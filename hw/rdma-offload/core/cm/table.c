/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the offloaded CM's bulk notification. Each connection
 * made or ended is one 128-byte entry in the listener's table in host
 * memory; one RDO_EQE_CM_NOTIFY event covers every entry written since the
 * last one, posted when notify_count entries wait or notify_usec after the
 * first of them, whichever comes first. The driver's consumer index lives
 * in host memory (ci_addr) and is read only when the table looks full.
 */
#include <string.h>
#include "cm/cm.h"

uint64_t rdo_cm_now_ns(RdoCore *core)
{
    /* With the timing model, the receive engine's own time (the MAD's
     * processing included). */
    if (core->st->tm && core->st->tm->eng != RDO_ENG_NONE) {
        return rdo_tm_cur(core) / 1000;
    }
    return core->ops->now_ns(core->host);
}

static uint32_t table_size(const RdoCmListener *l)
{
    return 1u << l->p.table_log_size;
}

bool rdo_cm_table_room(RdoCore *core, RdoCmListener *l, uint32_t held)
{
    uint32_t ci;

    /* Room for one more beside `held` places (REPs waiting for their
     * RTU); the index the driver wrote is read again only when not. */
    if (l->pi + held - l->ci < table_size(l)) {
        return true;
    }
    if (rdo_dma_read(core, l->p.ci_addr, &ci, sizeof(ci))) {
        return false;
    }
    /* A consumer index ahead of what was written, or going back, is the
     * driver's mistake: the table counts as full. */
    if (ci - l->ci > l->pi - l->ci) {
        rdo_guest_error(core, RDO_GE_CM_TABLE, l - core->st->cm->l,
                        l->p.ci_addr, "consumer index %u beyond entries "
                        "written %u", ci, l->pi);
        return false;
    }
    l->ci = ci;
    return l->pi + held - l->ci < table_size(l);
}

bool rdo_cm_entry(RdoCore *core, RdoCmConn *c, uint8_t type, uint16_t reason,
                  bool recycled)
{
    RdoCm *cm = core->st->cm;
    RdoCmListener *l = &cm->l[c->listener];
    struct rdo_cm_entry e;
    uint64_t addr;

    if (!rdo_cm_table_room(core, l, 0)) {
        cm->cnt.entries_lost++;
        rdo_guest_error(core, RDO_GE_CM_TABLE, c->listener, l->p.table_addr,
                        "notification table full: entry for QP %u lost",
                        c->qpn);
        return false;
    }
    memset(&e, 0, sizeof(e));
    e.type = type;
    e.listener = c->listener;
    e.private_len = RDO_CM_PRIVATE_LEN;
    e.flags = (c->rdma_cm ? RDO_CM_ENTRY_F_RDMA_CM : 0) |
              (recycled ? RDO_CM_ENTRY_F_RECYCLED : 0);
    e.qpn = c->qpn;
    e.peer_qpn = c->peer_qpn;
    e.peer_port = c->peer_port;
    e.reason = reason;
    e.time_ns = rdo_cm_now_ns(core);
    memcpy(e.peer_gid, c->peer_gid, 16);
    memcpy(e.private_data, c->private_data, RDO_CM_PRIVATE_LEN);
    e.sq_psn = c->sq_psn;
    e.rq_psn = c->rq_psn;
    memcpy(e.peer_mac, c->peer_mac, 6);
    e.responder_resources = c->resp_res;
    e.initiator_depth = c->init_depth;
    e.path_mtu = c->path_mtu;
    e.owner = rdo_owner_phase(l->pi, l->p.table_log_size);
    addr = l->p.table_addr +
           (uint64_t)(l->pi & (table_size(l) - 1)) * sizeof(e);
    if (rdo_dma_write(core, addr, &e, sizeof(e))) {
        cm->cnt.entries_lost++;
        rdo_guest_error(core, RDO_GE_CM_TABLE, c->listener, addr,
                        "notification table not reachable: entry for QP %u "
                        "lost", c->qpn);
        return false;
    }
    if (l->pi == l->signalled) {
        l->first_wait_ns = rdo_cm_now_ns(core);
    }
    l->pi++;
    cm->cnt.entries++;
    rdo_cm_notify_check(core, l, false);
    return true;
}

uint64_t rdo_cm_notify_check(RdoCore *core, RdoCmListener *l, bool flush)
{
    RdoCm *cm = core->st->cm;
    uint32_t waiting = l->pi - l->signalled;
    uint64_t due;

    if (!waiting) {
        return 0;
    }
    due = l->first_wait_ns + (uint64_t)l->p.notify_usec * 1000;
    if (flush || waiting >= l->p.notify_count || !l->p.notify_usec ||
        core->ops->now_ns(core->host) >= due) {
        l->signalled = l->pi;
        cm->cnt.events++;
        rdo_eq_post(core, l->p.eqn, RDO_EQE_CM_NOTIFY, l - cm->l, l->pi);
        return 0;
    }
    rdo_core_schedule(core, due);
    return due;
}
