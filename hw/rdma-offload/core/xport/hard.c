/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: a QP's transport hard state in host memory for engine
 * failover (failover=1; docs/architecture.md "Engine failover"). At each
 * commit point the engine writes an image of the QP's protocol state into
 * the transport section of its QP context in the store (ctx/commit.c);
 * a failover rebuilds the QP from that image, not from the engine's own
 * copy, which the fault has made untrustworthy.
 *
 * The image holds what the engine alone knows: the responder's position
 * (expected PSN, MSN, the message in progress, the next responder
 * resource) and the requester's oldest unacknowledged PSN and retry
 * budgets. The requester's records of work requests are rebuilt from
 * the send queue's side (they are the SQ unit's, like the WQEs they come
 * from), the responder resources from their table; both change only at
 * commit points, so they agree with the image.
 */
#include <string.h>
#include "xport/transport.h"
#include "wire/wire.h"

#define RDO_HARD_MAGIC  0x48535458u     /* "XTSH" */

/* The transport section of the QP context (RDO_FO_XPORT_BYTES). */
typedef struct RdoHardImage {
    uint32_t magic;             /* RDO_HARD_MAGIC ^ qpn */
    uint32_t crc;               /* CRC-32 of what follows */
    uint32_t commits;           /* this QP's write-backs, wrapping */
    uint8_t req_state, retry_left, rnr_left, resp_op;
    uint32_t una_psn;
    uint8_t resp_seq, recv_srq, reserved[2];
    uint32_t epsn, msn;
    uint32_t recv_index, recv_offset;
    uint64_t recv_wr_id;
    uint64_t write_va;
    uint32_t write_rkey, write_left, write_total, res_next;
    uint8_t pad[RDO_FO_XPORT_BYTES - 72];
} RdoHardImage;
_Static_assert(sizeof(RdoHardImage) == RDO_FO_XPORT_BYTES, "hard-state image");

#define CRC_FROM    offsetof(RdoHardImage, commits)

static uint32_t image_crc(const RdoHardImage *h)
{
    return rdo_wire_crc32(0, (const uint8_t *)h + CRC_FROM, sizeof(*h) - CRC_FROM);
}

void rdo_xport_commit(RdoCore *core, uint32_t qpn)
{
    const RdoXport *x = &core->st->xport[qpn];
    RdoHardImage h;

    if (!core->cfg.failover) {
        return;
    }
    memset(&h, 0, sizeof(h));
    h.magic = RDO_HARD_MAGIC ^ qpn;
    h.commits = ++core->st->xport[qpn].req.fo_commits;
    h.req_state = x->req.state;
    h.retry_left = x->req.retry_left;
    h.rnr_left = x->req.rnr_left;
    h.una_psn = x->req.una_psn;
    h.resp_op = x->resp.op;
    h.resp_seq = x->resp.seq;
    h.recv_srq = x->resp.recv_srq;
    h.epsn = x->resp.epsn;
    h.msn = x->resp.msn;
    h.recv_index = x->resp.recv_index;
    h.recv_offset = x->resp.recv_offset;
    h.recv_wr_id = x->resp.recv_wr_id;
    h.write_va = x->resp.write_va;
    h.write_rkey = x->resp.write_rkey;
    h.write_left = x->resp.write_left;
    h.write_total = x->resp.write_total;
    h.res_next = x->resp.res_next;
    h.crc = image_crc(&h);
    rdo_fo_store_write(core, qpn, &h, sizeof(h));
}

/* An image is only as good as its checks: the store is guest memory. */
static bool image_ok(const RdoHardImage *h, uint32_t qpn)
{
    return h->magic == (RDO_HARD_MAGIC ^ qpn) && h->crc == image_crc(h) &&
           h->req_state < RDO_REQ__COUNT && h->resp_op < RESP__COUNT &&
           h->resp_seq < RDO_SEQ__COUNT && h->recv_srq <= 1 &&
           h->una_psn <= RDO_PSN_MASK && h->epsn <= RDO_PSN_MASK &&
           h->msn <= RDO_PSN_MASK && h->res_next < RDO_RESP_RES_MAX &&
           h->write_left <= h->write_total;
}

/* The oldest unacknowledged PSN must fall where the requester's records
 * (the send queue's side) say it can: in the oldest record on the wire,
 * or at the next new PSN when none is. */
static bool una_fits(const RdoXport *x, uint32_t una)
{
    uint32_t lo = x->req.next_psn;

    for (GList *l = x->req.sent.head; l; l = l->next) {
        const RdoSendRec *rec = l->data;

        if (!rec->done && rec->npkts) {
            lo = rec->first_psn;
            break;
        }
    }
    return rdo_psn_cmp(una, lo) >= 0 && rdo_psn_cmp(una, x->req.next_psn) <= 0;
}

bool rdo_xport_recover(RdoCore *core, uint32_t qpn)
{
    RdoXport *x = &core->st->xport[qpn];
    RdoHardImage h;

    if (!rdo_fo_store_read(core, qpn, &h, sizeof(h))) {
        return false;
    }
    if (!image_ok(&h, qpn) || !una_fits(x, h.una_psn)) {
        rdo_guest_error(core, RDO_GE_QPC_CORRUPT, qpn, 0,
                        "QP %u: transport hard state in the store is corrupt or "
                        "stale (magic 0x%x)", qpn, h.magic);
        return false;
    }
    core->cnt.fo_rb_bytes += sizeof(h);
    x->req.retry_left = h.retry_left;
    x->req.rnr_left = h.rnr_left;
    x->req.una_psn = h.una_psn;
    x->req.fo_commits = h.commits;
    x->resp.op = h.resp_op;
    x->resp.seq = h.resp_seq;
    x->resp.recv_srq = h.recv_srq;
    x->resp.epsn = h.epsn;
    x->resp.msn = h.msn;
    x->resp.recv_index = h.recv_index;
    x->resp.recv_offset = h.recv_offset;
    x->resp.recv_wr_id = h.recv_wr_id;
    x->resp.write_va = h.write_va;
    x->resp.write_rkey = h.write_rkey;
    x->resp.write_left = h.write_left;
    x->resp.write_total = h.write_total;
    x->resp.res_next = h.res_next;
    /* An ACK the lost engine had coalesced may name PSNs past the image:
     * the substitute acknowledges what the image holds instead. */
    x->resp.ack_pending = false;
    return true;
}
