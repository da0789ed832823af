/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the responder's READ and atomic side. Each READ or
 * atomic takes one responder resource (max_dest_rd_atomic of them, oldest
 * replaced first); READ responses stream out a budget of packets per
 * round, in request order; a duplicate READ restarts its response from the
 * PSN asked for, a duplicate atomic gets its saved result again and is not
 * executed twice.
 */
#include <string.h>
#include "xport/transport.h"


/* The next resource, or NULL if the requester has too many outstanding. */
static RdoRespRes *res_take(RdoXport *x, const RdoQpCtx *qp)
{
    RdoRespRes *r = &rdo_resp_res(&x->resp)[x->resp.res_next % rdo_resp_res_count(qp)];

    if (r->valid && rdo_res_streaming(&x->resp, r)) {
        return NULL;
    }
    /* Wraps at the count, so that the store's image can check it. */
    x->resp.res_next = (x->resp.res_next + 1) % rdo_resp_res_count(qp);
    memset(r, 0, sizeof(*r));
    rdo_res_set_streaming(&x->resp, r, false);
    r->valid = true;
    return r;
}

static void send_atomic_ack(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp,
                            const RdoRespRes *r)
{
    RdoWirePacket pkt;

    rdo_resp_packet(core, qpn, qp, &pkt, RDO_OP_ATOMIC_ACKNOWLEDGE, r->first_psn);
    pkt.atomic_ack_orig = r->orig;
    rdo_xport_commit(core, qpn);
    rdo_tx_packet(core, &pkt);
}

/*
 * Checks a remote READ or atomic against the QP's and the MR's access and
 * takes a responder resource for it; NULL after answering with a NAK.
 */
static RdoRespRes *accept_request(RdoCore *core, uint32_t qpn, RdoQpCtx *qp,
                                  uint32_t psn, uint32_t rkey, uint64_t va,
                                  uint32_t len, uint16_t access)
{
    RdoMrCheck check = RDO_MRC_ACCESS;
    RdoRespRes *r;

    if (qp->access & access) {
        check = len ? rdo_mr_check(core, rkey, qp->pdn, qpn, va, len, access)
                    : RDO_MRC_OK;
    }
    if (check == RDO_MRC_PENDING) {
        /* Its registration is still queued: the requester retries. */
        rdo_resp_nak(core, qpn, qp, psn, rdo_rnr_syndrome(qp), false);
        return NULL;
    }
    if (check != RDO_MRC_OK) {
        rdo_resp_nak(core, qpn, qp, psn, RDO_AETH_NAK_REM_ACCESS, true);
        return NULL;
    }
    r = res_take(&core->st->xport[qpn], qp);
    if (!r) {
        /* More outstanding than max_dest_rd_atomic allows. */
        rdo_resp_nak(core, qpn, qp, psn, RDO_AETH_NAK_INV_REQ, true);
        return NULL;
    }
    /* The resource (replay of a duplicate) is written back by the caller
     * once it is filled in, the expected PSN past it after that. */
    return r;
}

void rdo_resp_read(RdoCore *core, uint32_t qpn, RdoQpCtx *qp,
                   const RdoWireParsed *p)
{
    RdoXport *x = &core->st->xport[qpn];
    const RdoReth *reth = &p->pkt.reth;
    uint32_t n = rdo_wire_seg_count(reth->dma_len, rdo_qp_mtu(qp));
    RdoRespRes *r;

    /* A READ sees every WRITE before it, also one still being gathered. */
    rdo_agg_run(core);
    if (!n) {
        /* Longer than a message may be. */
        rdo_resp_nak(core, qpn, qp, p->pkt.psn, RDO_AETH_NAK_INV_REQ, true);
        return;
    }
    r = accept_request(core, qpn, qp, p->pkt.psn, reth->rkey, reth->va,
                       reth->dma_len, RDO_ACCESS_REMOTE_READ);
    if (!r) {
        return;
    }
    r->first_psn = p->pkt.psn;
    r->last_psn = rdo_psn_add(p->pkt.psn, n - 1);
    r->va = reth->va;
    r->rkey = reth->rkey;
    r->len = reth->dma_len;
    rdo_res_set_streaming(&x->resp, r, true);
    rdo_xport_commit_res(core, qpn, r - x->resp.res);
    x->resp.epsn = rdo_psn_add(r->last_psn, 1);
    x->resp.msn++;
    /* Its responses acknowledge it: in the store before they leave. */
    rdo_xport_commit(core, qpn);
    rdo_xport_queue_resp(core, qpn);
}

void rdo_resp_atomic(RdoCore *core, uint32_t qpn, RdoQpCtx *qp,
                     const RdoWireParsed *p)
{
    RdoXport *x = &core->st->xport[qpn];
    const RdoAtomicEth *a = &p->pkt.atomic;
    uint64_t value, orig;
    RdoRespRes *r;

    rdo_agg_run(core);
    if (a->va & 7) {
        rdo_resp_nak(core, qpn, qp, p->pkt.psn, RDO_AETH_NAK_INV_REQ, true);
        return;
    }
    r = accept_request(core, qpn, qp, p->pkt.psn, a->rkey, a->va, 8,
                       RDO_ACCESS_REMOTE_ATOMIC);
    if (!r) {
        return;
    }
    /* Guest memory is little-endian, like the hosts that run verbs on it. */
    if (rdo_mr_copy(core, a->rkey, a->va, &orig, 8, false) != RDO_MRC_OK) {
        r->valid = false;
        rdo_resp_nak(core, qpn, qp, p->pkt.psn, RDO_AETH_NAK_REM_OP, true);
        return;
    }
    orig = GUINT64_FROM_LE(orig);
    if ((p->pkt.opcode & ~RDO_TRANSPORT_MASK) == RDO_OP_COMPARE_SWAP) {
        value = orig == a->compare ? a->swap_add : orig;
    } else {
        value = orig + a->swap_add;
    }
    value = GUINT64_TO_LE(value);
    if (rdo_mr_copy(core, a->rkey, a->va, &value, 8, true) != RDO_MRC_OK) {
        r->valid = false;
        rdo_resp_nak(core, qpn, qp, p->pkt.psn, RDO_AETH_NAK_REM_OP, true);
        return;
    }
    r->atomic = true;
    r->first_psn = r->last_psn = p->pkt.psn;
    r->va = a->va;
    r->rkey = a->rkey;
    r->orig = orig;
    rdo_xport_commit_res(core, qpn, r - x->resp.res);
    x->resp.epsn = rdo_psn_add(p->pkt.psn, 1);
    x->resp.msn++;
    send_atomic_ack(core, qpn, qp, r);
}

/* A request with a PSN already seen: answer it again where that is safe. */
bool rdo_resp_duplicate(RdoCore *core, uint32_t qpn, RdoQpCtx *qp,
                        const RdoWireParsed *p)
{
    RdoXport *x = &core->st->xport[qpn];
    uint8_t op = p->pkt.opcode & ~RDO_TRANSPORT_MASK;
    uint32_t psn = p->pkt.psn;

    rdo_xport_event(core, RDO_XE_DUPLICATE, qpn, psn, p->pkt.opcode);

    if (op == RDO_OP_READ_REQUEST || op == RDO_OP_COMPARE_SWAP ||
        op == RDO_OP_FETCH_ADD) {
        bool atomic = op != RDO_OP_READ_REQUEST;

        for (uint32_t i = 0; x->resp.res && i < rdo_resp_res_count(qp); i++) {
            RdoRespRes *r = &x->resp.res[i];

            if (!r->valid || r->atomic != atomic ||
                rdo_psn_cmp(psn, r->first_psn) < 0 ||
                rdo_psn_cmp(psn, r->last_psn) > 0) {
                continue;
            }
            if (atomic) {
                send_atomic_ack(core, qpn, qp, r);
            } else {
                uint32_t from = rdo_psn_diff(psn, r->first_psn);

                if (!rdo_res_streaming(&x->resp, r) || from < r->next_pkt) {
                    r->next_pkt = from;
                }
                rdo_res_set_streaming(&x->resp, r, true);
                rdo_xport_queue_resp(core, qpn);
            }
            return true;
        }
        return false;           /* too old: its resource was reused */
    }
    /* SEND or WRITE seen before: acknowledge everything received. */
    rdo_resp_ack_now(core, qpn, qp, rdo_psn_add(x->resp.epsn, -1));
    return true;
}

/* Streams READ responses, oldest request first, a budget per round. */
void rdo_resp_run(RdoCore *core, uint32_t qpn, RdoQpCtx *qp)
{
    RdoXport *x = &core->st->xport[qpn];
    uint32_t n = rdo_resp_res_count(qp), budget = RDO_TX_BUDGET;
    uint32_t mtu = rdo_qp_mtu(qp);

    for (uint32_t k = 0; x->resp.res && k < n && budget; k++) {
        RdoRespRes *r = &x->resp.res[(x->resp.res_next + k) % n];

        while (r->valid && rdo_res_streaming(&x->resp, r) && budget) {
            RdoWirePacket pkt;
            RdoWireSeg seg;
            uint8_t *payload;

            if (rdo_wire_seg(RDO_TRANSPORT_RC, RDO_MSG_READ_RESPONSE, r->len, mtu,
                             r->next_pkt, &seg)) {
                rdo_res_set_streaming(&x->resp, r, false);
                break;
            }
            rdo_resp_packet(core, qpn, qp, &pkt, seg.opcode & ~RDO_TRANSPORT_MASK,
                            rdo_psn_add(r->first_psn, r->next_pkt));
            payload = rdo_tx_payload_at(core, &pkt, seg.len);
            if (seg.len && rdo_mr_copy(core, r->rkey, r->va + seg.offset,
                                       payload, seg.len, false) != RDO_MRC_OK) {
                /* The region went away under the READ. */
                rdo_res_set_streaming(&x->resp, r, false);
                rdo_resp_nak(core, qpn, qp, pkt.psn, RDO_AETH_NAK_REM_OP, true);
                return;
            }
            rdo_tx_packet(core, &pkt);
            budget--;
            if (++r->next_pkt == rdo_wire_seg_count(r->len, mtu)) {
                rdo_res_set_streaming(&x->resp, r, false);
            }
        }
    }
    if (!budget) {
        rdo_xport_queue_resp(core, qpn);
    } else if (x->resp.ack_pending) {
        rdo_xport_queue_ack(core, qpn);     /* held back behind the READs */
    }
}
