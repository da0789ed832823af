/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rdma_offload: driver-specific kernel verbs, for kernel consumers of an
 * rdma-offload ib_device. Include it alongside <rdma/ib_verbs.h>; nothing
 * here needs symbols from the driver, everything goes through ib_core.
 *
 * The shared send queue (SSQ): one send queue feeding many RC connections.
 * Standard verbs has no such QP type, so it is an RC QP created with a
 * driver-private create flag:
 *
 * 1. The SSQ: ib_create_qp() with qp_type IB_QPT_RC, create_flags
 *    RDO_QP_CREATE_SSQ, a send_cq, send capabilities (max_send_wr,
 *    max_send_sge, max_inline_data) and sq_sig_type; no receive side
 *    (recv_cq NULL or the send CQ, no SRQ, receive capabilities 0). It is
 *    ready to post on when created (the driver takes it to RTS); modify_qp
 *    accepts only IB_QP_STATE (and IB_QP_CUR_STATE) on it, e.g. to ERR.
 *
 * 2. Each connection: ib_create_qp() with qp_type IB_QPT_RC, create_flags
 *    RDO_QP_CREATE_SSQ_FED, source_qpn the SSQ's qp_num, the same PD and
 *    send_cq as the SSQ, send capabilities 0, and a receive side as usual
 *    (recv_cq and max_recv_*, or an SRQ). It goes through modify_qp
 *    INIT/RTR/RTS like any RC QP. It has no send queue: ib_post_send() on
 *    it fails with -EINVAL, and so does ib_drain_sq()/ib_drain_qp() (drain
 *    its receive queue with ib_drain_rq()).
 *
 * 3. Posting: ib_post_send() on the SSQ, each work request the wr member
 *    of a struct rdo_ssq_wr naming its connection in conn (fill rdma for
 *    RDMA READ/WRITE, atomic for atomics, as with ib_rdma_wr and
 *    ib_atomic_wr). A connection this SSQ does not feed, or one not yet in
 *    RTS, fails the post with -EINVAL (*bad_wr names that request; the ones
 *    before it were posted). A connection in ERR takes the request, which
 *    completes with IB_WC_WR_FLUSH_ERR.
 *
 * 4. Completions come on the SSQ's send CQ in posting order, wc->qp the
 *    connection. A connection that fails (bad rkey, retries exhausted) goes
 *    to ERR alone: its outstanding requests complete, in SSQ order, with
 *    their error or IB_WC_WR_FLUSH_ERR; the other connections go on.
 *
 * 5. Tear-down: destroy the connections before the SSQ; destroying an SSQ
 *    that still feeds connections fails with -EBUSY. Destroying a
 *    connection with requests still queued on the SSQ moves it to ERR and
 *    waits (up to about two seconds) until the device has flushed them;
 *    if they are still queued then (the SSQ is held up by another
 *    connection), -EBUSY and the connection stays, in ERR.
 *
 * Both kinds are for kernel consumers only for now (user space: -EOPNOTSUPP).
 *
 * Delayed notification per connection: rdo_ib_qp_set_notify_delay() gives
 * an RC or UC QP a notification delay of usec microseconds (0-4095, 0:
 * none): the completion event of a receive on that QP waits up to that long
 * for more completions to share it (a CQ's own moderation still applies:
 * the earlier deadline wins), so a stream of small messages takes fewer
 * interrupts at the cost of up to usec of latency. A message its sender
 * marks solicited (IB_SEND_SOLICITED) skips the delay. On an RC QP the
 * delay takes effect at once in RTS (or SQD), otherwise from the move to
 * RTR; a UC QP takes it before RTR only (-EINVAL after). It lasts until
 * changed. Returns -EINVAL for another device's QP, another QP type or
 * usec > 4095, or the control command's error. The symbol is
 * the driver's (a consumer module depends on rdma_offload). User space:
 * the provider's RDO_NOTIFY_DELAY_US environment variable.
 *
 * Moving a connection to another function of the adapter (SR-IOV):
 * rdo_ib_move_qp() moves a live kernel RC QP (RTS or SQD, not on an SRQ or
 * SSQ) from the function serving it to dst, another function's ib_device
 * on the same adapter (PF or VF), through the PF's MOVE_QP. The QP's CQs
 * and its PD must be its own (one CQ for both sides is fine; no MRs, MWs,
 * AHs or SRQs in the PD: kernel memory through pd->local_dma_lkey). The
 * consumer keeps its ib_qp, ib_cq and ib_pd handles (they stay the first
 * ib_device's in ib_core); from the call's return the destination
 * function serves them: commands, doorbells, completion events. Work
 * posted before the move completes on the same CQ, from the destination;
 * work posted from other threads while the call runs waits in the ring
 * and is handed to the destination at the end (nothing is lost); polling
 * meanwhile is fine. The peer sees at most retransmissions. It sleeps.
 * Returns 0; -EINVAL (not such a QP, dst serves it already, not
 * connected), -EXDEV (dst on another adapter), -EBUSY (a CQ or the PD
 * shared, a number dst uses, a function being reset), -ENODEV (the PF's
 * or dst's driver instance not up), or MOVE_QP's error, with nothing
 * changed. If dst's function later goes (FLR, disabled, unbound), the
 * connection is lost with it: IB_EVENT_QP_FATAL on the QP, then posting,
 * modify and query are -EIO; destroy the objects as usual.
 */
#ifndef RDMA_OFFLOAD_VERBS_H
#define RDMA_OFFLOAD_VERBS_H

#include <rdma/ib_verbs.h>

/* create_flags bits from ib_core's range for drivers. */
#define RDO_QP_CREATE_SSQ	IB_QP_CREATE_RESERVED_START		/* an SSQ */
#define RDO_QP_CREATE_SSQ_FED	(IB_QP_CREATE_RESERVED_START << 1)	/* fed by one */

/* An rdma-offload ib_device reports these in its device attributes. */
#define RDO_IB_VENDOR_ID	0x1af4
#define RDO_IB_VENDOR_PART_ID	0x10f0
#define RDO_IB_VENDOR_PART_ID_VF 0x10f1	/* a virtual function's */

/* A work request on an SSQ: what to do, and on which connection. */
struct rdo_ssq_wr {
	union {
		struct ib_send_wr wr;		/* SEND, SEND_WITH_IMM, ... */
		struct ib_rdma_wr rdma;		/* RDMA READ and WRITE */
		struct ib_atomic_wr atomic;	/* atomics */
	};
	struct ib_qp *conn;			/* created with RDO_QP_CREATE_SSQ_FED */
};

static inline const struct rdo_ssq_wr *rdo_ssq_wr(const struct ib_send_wr *wr)
{
	return container_of(wr, struct rdo_ssq_wr, wr);
}

int rdo_ib_qp_set_notify_delay(struct ib_qp *qp, u16 usec);
int rdo_ib_move_qp(struct ib_qp *qp, struct ib_device *dst);

/* Whether dev is an rdma-offload adapter's function, PF or VF (SSQs...). */
static inline bool rdo_ib_device_is_rdo(const struct ib_device *dev)
{
	return dev->attrs.vendor_id == RDO_IB_VENDOR_ID &&
	       (dev->attrs.vendor_part_id == RDO_IB_VENDOR_PART_ID ||
		dev->attrs.vendor_part_id == RDO_IB_VENDOR_PART_ID_VF);
}

#endif /* RDMA_OFFLOAD_VERBS_H */
