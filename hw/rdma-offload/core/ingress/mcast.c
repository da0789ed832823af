/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: multicast receive. A RoCEv2 packet to destination QP
 * 0xFFFFFF is taken when its destination GID is a group some UD QP joined
 * (ATTACH_MCAST) and its destination MAC is that group's; each attached QP
 * in a state that receives gets it as a UD SEND (the responder checks the
 * QP's Q_Key and takes a receive WQE as for unicast).
 */
#include <string.h>
#include "ingress/ingress.h"

bool rdo_rx_mcast(RdoCore *core, const RdoWireParsed *p, const void *frame)
{
    RdoState *st = core->st;
    const RdoMcastGroup *g = NULL;
    uint32_t qpns[RDO_MCAST_QPS_PER_GROUP], n;

    for (unsigned i = 0; !g && i < RDO_MCAST_GROUPS; i++) {
        if (st->mcast[i].nqp && !memcmp(st->mcast[i].gid, p->pkt.dst_gid, 16)) {
            g = &st->mcast[i];
        }
    }
    if (!g || memcmp(g->mac, p->pkt.dst_mac, RDO_ETH_ALEN) ||
        (p->pkt.opcode & RDO_TRANSPORT_MASK) != RDO_TRANSPORT_UD ||
        p->op->response) {
        return false;
    }
    /* A copy: a receive may end in a QP error that changes nothing here,
     * but the table is the control path's. */
    n = g->nqp;
    memcpy(qpns, g->qpn, n * sizeof(qpns[0]));
    for (uint32_t i = 0; i < n; i++) {
        RdoQpCtx *qp = rdo_qp_get(core, qpns[i]);

        if (qp && qp->type == RDO_QPT_UD &&
            (qp->state == RDO_QPS_RTR || qp->state == RDO_QPS_RTS ||
             qp->state == RDO_QPS_SQD)) {
            rdo_resp_request(core, qpns[i], qp, p, frame);
        }
    }
    return true;
}
