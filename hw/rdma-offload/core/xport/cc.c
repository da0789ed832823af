/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: RoCEv2 congestion control around the QPs.
 *
 * Notification point: a RoCE packet that arrives marked Congestion
 * Experienced is answered with a CNP to the QP that sent it, at most one
 * per QP every cnp-interval-us (real adapters limit CNPs per QP the same
 * way). Reaction point: a CNP for one of our QPs slows that QP's DCQCN
 * rate limiter (dcqcn.c); with the timing model on, the requester then
 * paces the QP's packets at that rate (the scheduler takes other QPs in
 * between); with it off, the state and the counters are kept but nothing
 * is paced (there is no time to pace in). A CNP is never an error: one
 * for a QP that is not there, or with DCQCN off, is counted as ignored;
 * one within the QP's reduce period after a decrease, as coalesced.
 */
#include <string.h>
#include "xport/transport.h"

/* The reaction point's time: the engine's cursor, or the host's clock. */
static uint64_t cc_now_ps(RdoCore *core)
{
    return core->st->tm ? rdo_tm_cur(core) : core->ops->now_ns(core->host) * 1000;
}

static void cc_params(RdoCore *core, RdoDcqcnParams *p)
{
    rdo_dcqcn_params(p, &core->cfg.cc, core->cfg.tm.link_gbps);
}

void rdo_cc_ce(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp,
               const RdoWireParsed *p)
{
    RdoCcPart *cc = &core->st->xport[qpn].cc;
    uint64_t now = cc_now_ps(core);
    uint64_t gap = (uint64_t)core->cfg.cc.cnp_interval_us * 1000000;
    RdoWirePacket cnp;

    if (!core->cfg.cc.ecn || (cc->cnp_sent && now - cc->cnp_last_ps < gap)) {
        return;
    }
    /* Back to where the marked packet came from, whatever the QP's type. */
    memset(&cnp, 0, sizeof(cnp));
    memcpy(cnp.dst_mac, p->pkt.src_mac, RDO_ETH_ALEN);
    memcpy(cnp.src_mac, rdo_port_mac(core, rdo_qp_port(qp)), RDO_ETH_ALEN);
    memcpy(cnp.src_gid, p->pkt.dst_gid, 16);
    memcpy(cnp.dst_gid, p->pkt.src_gid, 16);
    /* Not ECN-capable: a CNP is not congestion-controlled itself, like
     * TCP's pure ACKs (RFC 3168, 6.1.4). */
    cnp.traffic_class = (uint8_t)(core->cfg.cc.cnp_dscp << 2);
    cnp.hop_limit = 64;
    cnp.ip_id = core->st->xport[qpn].req.ip_id++;
    cnp.udp_sport = 0xC000 | (qpn & 0x3FFF);
    cnp.opcode = RDO_OPCODE_CNP;
    cnp.becn = true;
    cnp.pkey = RDO_PKEY_DEFAULT;
    cnp.dest_qp = qp->type == RDO_QPT_UD ? p->pkt.deth.src_qp : qp->dest_qpn;
    cc->cnp_sent = true;
    cc->cnp_last_ps = now;
    core->cnt.np_cnp_sent++;
    rdo_xport_event(core, RDO_XE_CNP_SENT, qpn, 0, cnp.dest_qp);
    rdo_tx_packet(core, &cnp);
}

void rdo_cc_cnp(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp)
{
    RdoCcPart *cc = &core->st->xport[qpn].cc;
    RdoDcqcnParams p;

    /* Only a QP that sends can be slowed. */
    if (!core->cfg.cc.dcqcn || qp->type == RDO_QPT_SSQ ||
        (qp->state != RDO_QPS_RTS && qp->state != RDO_QPS_SQD)) {
        core->cnt.rp_cnp_ignored++;
        return;
    }
    cc_params(core, &p);
    if (!rdo_dcqcn_cnp(&cc->rp, &p, cc_now_ps(core))) {
        core->cnt.rp_cnp_coalesced++;   /* the last cut still stands */
        return;
    }
    core->cnt.rp_cnp_handled++;
    rdo_xport_event(core, RDO_XE_CNP_RECEIVED, qpn, 0,
                    (uint32_t)(cc->rp.rc_kbps / 1000));
}

RDO_HOT
bool rdo_cc_tx_wait(RdoCore *core, uint32_t qpn)
{
    RdoCcPart *cc = &core->st->xport[qpn].cc;
    RdoDcqcnParams p;
    uint64_t now;

    if (!cc->rp.limited || !core->st->tm) {
        return false;
    }
    now = rdo_tm_cur(core);
    cc_params(core, &p);
    rdo_dcqcn_advance(&cc->rp, &p, now);
    if (!cc->rp.limited || cc->next_tx_ps <= now) {
        return false;
    }
    core->st->tm->pace_ps = cc->next_tx_ps;
    return true;
}

RDO_HOT
void rdo_cc_tx_sent(RdoCore *core, uint32_t qpn, const RdoWirePacket *pkt)
{
    RdoCcPart *cc = &core->st->xport[qpn].cc;
    RdoDcqcnParams p;
    int len;
    uint64_t wire;

    if (!cc->rp.limited) {
        return;
    }
    len = rdo_wire_frame_len(pkt);
    if (len < 0) {
        return;
    }
    /* The bytes it occupies on the link: FCS, preamble and gap too. */
    wire = (uint64_t)MAX(len, 60) + 24;
    cc_params(core, &p);
    rdo_dcqcn_sent(&cc->rp, &p, (uint32_t)wire);
    if (core->st->tm && cc->rp.limited) {
        /* Paced where the requester issues packets (its cursor), so that
         * the payload's DMA latency delays the packets, not the rate. */
        uint64_t start = MAX(cc->next_tx_ps, rdo_tm_cur(core));

        cc->gap_ps = wire * 8000000000ull / cc->rp.rc_kbps;
        cc->next_tx_ps = start + cc->gap_ps;
    }
}

RDO_HOT
bool rdo_cc_ack_wanted(RdoCore *core, uint32_t qpn, uint64_t rto_ns)
{
    const RdoCcPart *cc = &core->st->xport[qpn].cc;

    /* A quarter of the timeout over 64 packets: a slowed QP's ACKs (and
     * so its timer's restarts) come as often as an unslowed QP's. No
     * timeout (0), nothing to fear. */
    return core->st->tm && cc->rp.limited && rto_ns &&
           cc->gap_ps * 64 * 4 >= rto_ns * 1000;
}
