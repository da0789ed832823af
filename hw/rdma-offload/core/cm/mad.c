/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: CM MADs on the wire (IB spec 13.4.2 common header,
 * 12.6 CM messages; big-endian, fields packed from the most significant
 * bit). Nothing here trusts a length it was not given.
 */
#include <string.h>
#include "cm/cm.h"

bool rdo_mad_hdr_get(const uint8_t *mad, uint32_t len, RdoMadHdr *h)
{
    if (len < RDO_MAD_HDR_LEN) {
        return false;
    }
    h->base_version = mad[0];
    h->mgmt_class = mad[1];
    h->class_version = mad[2];
    h->method = mad[3];
    h->tid = rdo_get_be64(mad + 8);
    h->attr_id = rdo_get_be16(mad + 16);
    return true;
}

void rdo_mad_hdr_put(uint8_t *mad, uint16_t attr_id, uint64_t tid)
{
    memset(mad, 0, RDO_MAD_LEN);
    mad[0] = RDO_MAD_BASE_VERSION;
    mad[1] = RDO_MAD_CLASS_CM;
    mad[2] = RDO_MAD_CM_VERSION;
    mad[3] = RDO_MAD_METHOD_SEND;
    rdo_put_be64(mad + 8, tid);
    rdo_put_be16(mad + 16, attr_id);
}

/* The caller has checked that the MAD is whole (RDO_MAD_LEN bytes). */
void rdo_cm_req_get(const uint8_t *mad, RdoCmReq *r)
{
    const uint8_t *m = mad + RDO_MAD_HDR_LEN;
    const uint8_t *path = m + 52;       /* the primary path */

    r->local_comm_id = rdo_get_be32(m);
    r->service_id = rdo_get_be64(m + 8);
    r->local_qpn = rdo_get_be24(m + 32);
    r->responder_resources = m[35];
    r->initiator_depth = m[39];
    r->remote_cm_timeout = m[43] >> 3;
    r->transport = (m[43] >> 1) & 3;
    r->starting_psn = rdo_get_be24(m + 44);
    r->local_cm_timeout = m[47] >> 3;
    r->retry_count = m[47] & 7;
    r->path_mtu = m[50] >> 4;
    r->rnr_retry = m[50] & 7;
    r->max_cm_retries = m[51] >> 4;
    r->traffic_class = path[40];
    r->hop_limit = path[41];
    r->local_ack_timeout = path[43] >> 3;
    r->private_data = m + RDO_CM_REQ_PRIVATE;
}

void rdo_cm_send(RdoCore *core, const uint8_t *mad, uint8_t sgid_index,
                 const uint8_t dgid[16], const uint8_t dmac[6])
{
    RdoState *st = core->st;
    RdoCm *cm = st->cm;
    RdoWirePacket pkt;

    memset(&pkt, 0, sizeof(pkt));
    memcpy(pkt.dst_mac, dmac, RDO_ETH_ALEN);
    memcpy(pkt.src_mac, st->port_mac, RDO_ETH_ALEN);
    if (sgid_index < core->cfg.max_gid && st->gids[sgid_index].valid) {
        memcpy(pkt.src_gid, st->gids[sgid_index].gid, 16);
    }
    memcpy(pkt.dst_gid, dgid, 16);
    pkt.hop_limit = 64;
    pkt.ip_id = cm->ip_id++;
    pkt.udp_sport = 0xC000 | RDO_GSI_QPN;
    pkt.pkey = RDO_PKEY_DEFAULT;
    pkt.opcode = RDO_TRANSPORT_UD | RDO_OP_SEND_ONLY;
    pkt.dest_qp = RDO_GSI_QPN;
    pkt.psn = (uint32_t)cm->cnt.mads_sent & RDO_PSN_MASK;
    pkt.deth.qkey = RDO_GSI_QKEY;
    pkt.deth.src_qp = RDO_GSI_QPN;
    memcpy(rdo_tx_payload_at(core, &pkt, RDO_MAD_LEN), mad, RDO_MAD_LEN);
    cm->cnt.mads_sent++;
    rdo_tx_packet(core, &pkt);
}

void rdo_cm_send_rej(RdoCore *core, uint64_t tid, uint32_t local_id,
                     uint32_t remote_id, uint8_t msg, uint16_t reason,
                     uint8_t sgid_index, const uint8_t dgid[16],
                     const uint8_t dmac[6])
{
    uint8_t mad[RDO_MAD_LEN];
    uint8_t *m = rdo_cm_data_of(mad);

    rdo_mad_hdr_put(mad, RDO_CM_ATTR_REJ, tid);
    rdo_put_be32(m, local_id);
    rdo_put_be32(m + 4, remote_id);
    m[8] = (uint8_t)(msg << 6);         /* message rejected: 0 REQ, 1 REP */
    rdo_put_be16(m + 10, reason);
    core->st->cm->cnt.rej_sent++;
    rdo_cm_send(core, mad, sgid_index, dgid, dmac);
}
