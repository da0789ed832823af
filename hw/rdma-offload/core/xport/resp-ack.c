/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the responder's ACKs and NAKs: coalesced to one ACK a
 * round, held behind READ responses still streaming (PSN order), and the
 * NAK of a fatal responder error (a WRITE that could not be placed is
 * one), which fails the QP.
 */
#include <string.h>
#include "xport/transport.h"

/* READ responses still going out for this QP? */
static bool streaming(const RdoXport *x)
{
    return x->resp.res_streaming != 0;
}

/* Sends an ACK or NAK now. */
static void send_aeth_now(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp,
                          uint32_t psn, uint8_t syndrome)
{
    RdoWirePacket pkt;

    rdo_resp_packet(core, qpn, qp, &pkt, RDO_OP_ACKNOWLEDGE, psn);
    pkt.aeth.syndrome = syndrome;
    if ((syndrome & RDO_AETH_TYPE_MASK) == RDO_AETH_TYPE_ACK) {
        core->cnt.acks_sent++;
    } else {
        core->cnt.naks_sent++;
        rdo_xport_event(core, (syndrome & RDO_AETH_TYPE_MASK) ==
                        RDO_AETH_TYPE_RNR_NAK ? RDO_XE_RNR_SENT
                                              : RDO_XE_NAK_SENT,
                        qpn, psn, syndrome);
    }
    /* What it acknowledges is in host memory before the peer hears of it. */
    rdo_xport_commit(core, qpn);
    rdo_tx_packet(core, &pkt);
}

/*
 * Responses leave in PSN order: an ACK or NAK for a PSN after a READ waits
 * until the READ's responses are out, or the requester would take it for
 * a lost response. The newest one waiting is what is sent.
 */
void rdo_resp_send_aeth(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp,
                        uint32_t psn, uint8_t syndrome)
{
    RdoXport *x = &core->st->xport[qpn];

    if (streaming(x)) {
        x->resp.ack_pending = true;
        x->resp.ack_psn = psn;
        x->resp.ack_syndrome = syndrome;
        return;
    }
    send_aeth_now(core, qpn, qp, psn, syndrome);
}

void rdo_resp_send_ack(RdoCore *core, uint32_t qpn, RdoQpCtx *qp)
{
    RdoXport *x = &core->st->xport[qpn];

    if (x->resp.ack_pending && !streaming(x)) {
        x->resp.ack_pending = false;
        send_aeth_now(core, qpn, qp, x->resp.ack_psn, x->resp.ack_syndrome);
    }
}

void rdo_resp_ack_later(RdoCore *core, uint32_t qpn, RdoXport *x, uint32_t psn)
{
    x->resp.ack_pending = true;
    x->resp.ack_psn = psn;
    x->resp.ack_syndrome = RDO_AETH_ACK;
    rdo_xport_queue_ack(core, qpn);
}

/* A fatal responder error: NAK (RC), then the QP fails. */
void rdo_resp_error(RdoCore *core, uint32_t qpn, RdoQpCtx *qp,
                    uint32_t psn, uint8_t nak, enum rdo_qp_err why)
{
    if (qp->type == RDO_QPT_RC) {
        send_aeth_now(core, qpn, qp, psn, nak);
    }
    rdo_qp_to_error(core, qpn, qp, why);
}

void rdo_resp_write_failed(RdoCore *core, uint32_t qpn, RdoQpCtx *qp,
                           uint32_t psn)
{
    rdo_guest_error(core, RDO_GE_PLACEMENT_FAILED, qpn, qpn,
                    "QP %u: WRITE placement failed", qpn);
    if (qp && qp->state != RDO_QPS_ERR && qp->state != RDO_QPS_RESET) {
        rdo_resp_error(core, qpn, qp, psn, RDO_AETH_NAK_REM_ACCESS,
                       RDO_QP_ERR_REMOTE);
    }
}

void rdo_resp_nak(RdoCore *core, uint32_t qpn, RdoQpCtx *qp, uint32_t psn,
                  uint8_t syndrome, bool fatal)
{
    RdoXport *x = &core->st->xport[qpn];

    if (qp->type != RDO_QPT_RC) {
        core->cnt.rx_drops++;
        x->resp.op = RESP_IDLE;
        x->resp.epsn = rdo_psn_add(psn, 1);
        return;
    }
    if (fatal) {
        rdo_resp_error(core, qpn, qp, psn, syndrome, RDO_QP_ERR_REMOTE);
    } else {
        rdo_resp_send_aeth(core, qpn, qp, psn, syndrome);
    }
}

void rdo_resp_ack_now(RdoCore *core, uint32_t qpn, RdoQpCtx *qp, uint32_t psn)
{
    rdo_resp_ack_later(core, qpn, &core->st->xport[qpn], psn);
}
