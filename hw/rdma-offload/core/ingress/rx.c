/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the receive front end. Every frame from the wire is
 * parsed and checked before anything in it is trusted: RoCEv2 frames are
 * told apart from other Ethernet traffic, the ICRC is verified (a bad one
 * is dropped and counted), then the checks Linux soft-RoCE makes: our MAC
 * and GID, the P_Key, a QP that exists with the transport the opcode names
 * and a state that accepts it, and for RC/UC the peer's address.
 */
#include <string.h>
#include "ingress/ingress.h"

static bool gid_is_ours(RdoCore *core, unsigned port, const uint8_t gid[16])
{
    const RdoGid *gids = rdo_port_gids(core, port);

    for (uint32_t i = 0; i < core->cfg.max_gid; i++) {
        if (gids[i].valid && !memcmp(gids[i].gid, gid, 16)) {
            return true;
        }
    }
    return false;
}

/* The address of the port the frame came in by (each port its own). */
static bool addr_is_ours(RdoCore *core, unsigned port, const RdoWireParsed *p)
{
    return !memcmp(p->pkt.dst_mac, rdo_port_mac(core, port), RDO_ETH_ALEN) &&
           gid_is_ours(core, port, p->pkt.dst_gid);
}

/* A connection moved here (MOVE_QP) keeps its home function's address. */
static bool addr_moved_here(RdoCore *core, const RdoWireParsed *p)
{
    RdoMoved *m = core->sriov && core->sriov->nmoved ?
                  rdo_moved_at(core->sriov, core->fn, p->pkt.dest_qp) : NULL;

    return m && !memcmp(p->pkt.dst_mac, m->mac, RDO_ETH_ALEN) &&
           !memcmp(p->pkt.dst_gid, m->gid, 16);
}

static uint8_t opcode_qp_type(uint8_t opcode)
{
    switch (opcode & RDO_TRANSPORT_MASK) {
    case RDO_TRANSPORT_RC:
    case RDO_TRANSPORT_RC_VENDOR:
        return RDO_QPT_RC;
    case RDO_TRANSPORT_UC:
        return RDO_QPT_UC;
    default:
        return RDO_QPT_UD;
    }
}

/* A packet for no QP of ours: a CNP is never an error, only counted. */
static void rx_not_ours(RdoCore *core, unsigned port, const RdoWireParsed *p)
{
    if (p->pkt.opcode == RDO_OPCODE_CNP) {
        core->cnt.rp_cnp_ignored++;
    } else {
        rdo_port_count(core, port, rx_drops);
    }
}

RDO_HOT
void rdo_rx_frame(RdoCore *core, const void *frame, size_t len)
{
    RdoState *st = core->st;
    unsigned port = st->rx_port == 2 ? 2 : 1;
    RdoWireParsed p;
    RdoQpCtx *qp;
    uint32_t qpn;
    bool ce;
    int r;

    if (!st->enabled || !rdo_port_link(core, port)) {
        core->rx_frames_ignored++;
        return;
    }
    r = rdo_wire_parse(frame, len, &p);
    if (r == -RDO_WIRE_E_NOT_ROCE) {
        core->cnt.eth_rx_frames++;
        if (rdo_wire_ecn(frame, len) == RDO_ECN_CE) {
            core->cnt.rx_ecn_ce_other++;    /* not ours to answer */
        }
        rdo_eth_receive(core, frame, len);
        return;
    }
    if (r == -RDO_WIRE_E_BAD_ICRC) {
        rdo_port_count(core, port, rx_icrc_errors);
        return;
    }
    if (r) {
        rdo_port_count(core, port, rx_drops);
        return;
    }
    rdo_port_count(core, port, rx_packets);
    ce = (p.pkt.traffic_class & RDO_ECN_MASK) == RDO_ECN_CE;
    if (ce) {
        core->cnt.np_ecn_marked_roce_packets++;
    }
    qpn = p.pkt.dest_qp;
    /* A CNP to the multicast QPN is a CNP for no QP of ours, below. */
    if (qpn == RDO_MCAST_QPN && p.pkt.opcode != RDO_OPCODE_CNP) {
        if (!rdo_rx_mcast(core, &p, frame)) {
            rdo_port_count(core, port, rx_drops);
        }
        return;
    }
    if ((!addr_is_ours(core, port, &p) && !addr_moved_here(core, &p)) ||
        (p.pkt.pkey & 0x7FFF) != (RDO_PKEY_DEFAULT & 0x7FFF) ||
        qpn >= st->usable_qps) {
        rx_not_ours(core, port, &p);
        return;
    }
    /* The offloaded CM (port 1's) takes its MADs before QP 1 (which may
     * not exist). */
    if (qpn == RDO_GSI_QPN && port == 1 && rdo_cm_rx(core, &p)) {
        return;
    }
    if (!st->qp_used[qpn]) {
        /* Sent before its connection moved away: on to where it is. */
        if (!core->sriov || !rdo_switch_moved(core, frame, len)) {
            rx_not_ours(core, port, &p);
        }
        return;
    }
    qp = rdo_qp_get(core, qpn);
    /* A QP hears only on its own port (IBA: a packet for a QP of the
     * other port is silently dropped). */
    if (qp && rdo_qp_port(qp) != port) {
        rx_not_ours(core, port, &p);
        return;
    }
    if (p.pkt.opcode == RDO_OPCODE_CNP) {
        if (qp) {
            rdo_cc_cnp(core, qpn, qp);
        } else {
            core->cnt.rp_cnp_ignored++;
        }
        return;
    }
    if (!qp || opcode_qp_type(p.pkt.opcode) !=
               (qp->type == RDO_QPT_SSQ ? RDO_QPT__COUNT : qp->type)) {
        rdo_port_count(core, port, rx_drops);
        return;
    }
    if (p.op->response) {
        if (qp->state != RDO_QPS_RTS && qp->state != RDO_QPS_SQD) {
            rdo_port_count(core, port, rx_drops);
            return;
        }
    } else if (qp->state != RDO_QPS_RTR && qp->state != RDO_QPS_RTS &&
               qp->state != RDO_QPS_SQD) {
        rdo_port_count(core, port, rx_drops);
        return;
    }
    /* A connection only hears from its peer. */
    if (qp->type != RDO_QPT_UD && memcmp(p.pkt.src_gid, qp->dgid, 16)) {
        rdo_port_count(core, port, rx_drops);
        return;
    }
    if (ce) {
        rdo_cc_ce(core, qpn, qp, &p);
    }
    if (rdo_cm_waits_for(core, qpn)) {
        rdo_cm_data(core, qpn);
    }
    if (p.op->response) {
        rdo_req_response(core, qpn, qp, &p);
    } else {
        rdo_resp_request(core, qpn, qp, &p, frame);
    }
}
