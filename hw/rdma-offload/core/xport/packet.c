/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: packets out of the transport: the addresses of a QP's
 * (or a UD WQE's) packets, a response packet's headers, building a frame and
 * handing it to the egress (the payload gathered straight into the frame);
 * copying between a WQE's SGEs and a buffer.
 */
#include <string.h>
#include "xport/transport.h"

int rdo_sge_copy(RdoCore *core, uint32_t pdn, const struct rdo_sge *sge,
                 uint32_t num_sge, uint64_t offset, void *buf, uint32_t len,
                 bool to_guest)
{
    return rdo_sge_copy_held(core, pdn, sge, num_sge, offset, buf, len,
                             to_guest, NULL);
}

RDO_HOT
int rdo_sge_copy_held(RdoCore *core, uint32_t pdn, const struct rdo_sge *sge,
                      uint32_t num_sge, uint64_t offset, void *buf,
                      uint32_t len, bool to_guest, RdoMrHeld *held)
{
    uint8_t *p = buf;

    for (uint32_t i = 0; i < num_sge && len; i++) {
        uint32_t piece;
        RdoMrCheck r;

        if (offset >= sge[i].length) {
            offset -= sge[i].length;
            continue;
        }
        piece = MIN(len, sge[i].length - offset);
        r = rdo_mr_access_held(core, held, sge[i].lkey, pdn,
                               sge[i].addr + offset, p, piece,
                               to_guest ? RDO_ACCESS_LOCAL_WRITE : 0, to_guest);
        if (r != RDO_MRC_OK) {
            return r;
        }
        p += piece;
        len -= piece;
        offset = 0;
    }
    return len ? RDO_MRC_BOUNDS : RDO_MRC_OK;
}

RDO_HOT
void rdo_tx_fill_addr(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp,
                      const struct rdo_ud_seg *ud, RdoWirePacket *pkt)
{
    RdoState *st = core->st;
    uint8_t sgid = ud ? ud->sgid_index : qp->sgid_index;
    uint8_t hop = ud ? ud->hop_limit : qp->hop_limit;
    unsigned port = rdo_qp_port(qp);

    memset(pkt, 0, sizeof(*pkt));
    pkt->ip_id = st->xport[qpn].req.ip_id++;
    pkt->udp_sport = 0xC000 | (qpn & 0x3FFF);

    memcpy(pkt->dst_mac, ud ? ud->dmac : qp->dmac, RDO_ETH_ALEN);
    /* The QP's port: its address, and so its way out (base/port.c). */
    memcpy(pkt->src_mac, rdo_port_mac(core, port), RDO_ETH_ALEN);
    if (sgid < core->cfg.max_gid) {
        memcpy(pkt->src_gid, rdo_port_gids(core, port)[sgid].gid, 16);
    }
    if (core->sriov && core->sriov->nmoved && !ud) {
        /* A connection moved here (MOVE_QP) speaks from its home address. */
        RdoMoved *m = rdo_moved_at(core->sriov, core->fn, qpn);

        if (m) {
            memcpy(pkt->src_mac, m->mac, RDO_ETH_ALEN);
            memcpy(pkt->src_gid, m->gid, 16);
        }
    }
    memcpy(pkt->dst_gid, ud ? ud->dgid : qp->dgid, 16);
    pkt->hop_limit = hop ? hop : 64;
    /* The driver's DSCP; ECN-capable unless congestion control is off. */
    pkt->traffic_class = qp->traffic_class |
                         (core->cfg.cc.ecn ? RDO_ECN_ECT0 : RDO_ECN_NOT_ECT);
    pkt->pkey = RDO_PKEY_DEFAULT;
}

/* Timing model: the frame goes on in the buffer it is built in. */
G_STATIC_ASSERT(RDO_FRAME_MAX <= RDO_TM_FRAME_CAP);

/* Where the next frame is built (the same until it has been sent). */
static uint8_t *frame_buf(RdoCore *core)
{
    RdoState *st = core->st;

    return st->tm ? rdo_tm_build_buf(st->tm) : st->frame_buf;
}

RDO_HOT
uint8_t *rdo_tx_payload_at(RdoCore *core, RdoWirePacket *pkt, uint32_t len)
{
    int off;

    pkt->payload = core->st->payload_buf;
    pkt->payload_len = len;
    off = rdo_wire_payload_off(pkt, RDO_FRAME_MAX);
    if (off >= 0) {
        pkt->payload = frame_buf(core) + off;
    }
    return (uint8_t *)pkt->payload;
}

RDO_HOT
void rdo_tx_packet(RdoCore *core, RdoWirePacket *pkt)
{
    uint8_t *buf = frame_buf(core);
    int len = rdo_wire_build(pkt, buf, RDO_FRAME_MAX);

    if (len < 0) {
        /* Addresses the driver set up that make no packet (e.g. a GID gone). */
        core->cnt.tx_errors++;
        return;
    }
    rdo_port_count(core, rdo_frame_port(core, buf, len), tx_packets);
    rdo_fault_send(core, buf, len);
}

void rdo_resp_packet(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp,
                     RdoWirePacket *pkt, uint8_t op, uint32_t psn)
{
    rdo_tx_fill_addr(core, qpn, qp, NULL, pkt);
    pkt->opcode = RDO_TRANSPORT_RC | op;
    pkt->dest_qp = qp->dest_qpn;
    pkt->psn = psn;
    pkt->aeth.syndrome = RDO_AETH_ACK;
    pkt->aeth.msn = core->st->xport[qpn].resp.msn & 0xFFFFFF;
}
