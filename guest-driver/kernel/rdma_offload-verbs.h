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
 * Buffer groups with partial buffers (D10; docs/programming-model.md,
 * "Partial buffers"): an SRQ is a group of receive buffers its QPs share
 * (a QP joins by being created with it, init_attr.srq).
 * rdo_ib_srq_set_partial(srq, s) with s 6..12 turns on partial buffer
 * operation: the device places single-packet SENDs of any of the SRQ's
 * QPs one after another into the same posted buffer, each at the next
 * offset that is a multiple of 2^s, one completion each on the receiving
 * QP's CQ: the buffer's wr_id, byte_len, wc_flags RDO_WC_OFFSET and the
 * offset from rdo_wc_offset(wc). A buffer (its wr_id) stays the device's
 * until a completion with RDO_WC_BUF_DONE: the last message that fits,
 * or a completion of byte_len 0 (no message) when the next message did
 * not fit the rest. A multi-packet SEND or a WRITE with immediate takes a
 * buffer of its own (OFFSET, offset 0, BUF_DONE); UD completions are as
 * without partial operation. Post buffers of at most 4 SGEs (more:
 * -EINVAL). s = 0 turns it off. Returns -EBUSY while the device holds
 * one of the SRQ's buffers in use (turn it on before posting, or after a
 * BUF_DONE), -EINVAL for another shift or device, or the command's error.
 * User space: rdodv_srq_set_partial() in <infiniband/rdodv.h>.
 *
 * Moving a connection to another function of the adapter (SR-IOV):
 * rdo_ib_move_qp() moves a live kernel RC QP (RTS or SQD, not on an SRQ or
 * SSQ) from the function serving it to dst, another function's ib_device
 * on the same adapter (PF or VF), through the PF's MOVE_QP. The QP's CQs
 * and its PD must be its own (one CQ for both sides is fine; no MWs, AHs
 * or SRQs in the PD). The PD's MRs move with it, keys unchanged
 * (fast-registration MRs, IB_PD_UNSAFE_GLOBAL_RKEY's). The
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
 *
 * Offloaded connection establishment (docs/programming-model.md, "Offloaded
 * connection establishment"; docs/user-guide.md): the adapter answers IB CM
 * REQs for a service ID itself, with RC QPs the consumer prepared, and
 * tells the consumer of connections made and ended in batches.
 *
 * 1. rdo_cm_listen() on an rdma-offload ib_device with a struct
 *    rdo_cm_listen_attr: the service ID (rdo_cm_service_id(port) for an
 *    RDMA CM port, RDMA_PS_TCP), our address (an IPv4-mapped GID; all
 *    zero: any), RDO_CM_LISTEN_RDMA_CM to check the RDMA CM header of the
 *    REQ's private data, RDO_CM_LISTEN_RECYCLE to have a QP whose
 *    connection ended go back to the pool by itself, and a handler. Returns
 *    the listener or an ERR_PTR (-EBUSY: all 16 in use or the service ID
 *    taken on that address; -EINVAL: a bad attribute).
 * 2. rdo_cm_pool_add() each QP: an RC kernel QP of that device in RESET
 *    (it goes to INIT with `access`, IB_ACCESS_*) or INIT, in no other
 *    pool or connection. Post receives to it at will (ib_post_recv):
 *    the peer's first SEND finds them. rdo_cm_pool_remove() takes an idle
 *    one out again (-ENOENT when a connection took it).
 * 3. The handler runs in process context (a work item; it may sleep and
 *    call these functions, but not rdo_cm_unlisten()), one call per entry,
 *    in the order the device wrote them, with a struct rdo_cm_event:
 *    RDO_CM_ESTABLISHED (ev->qp is in RTS: post sends at will),
 *    RDO_CM_DISCONNECTED (the peer's DREQ, or ours answered; the QP in ERR)
 *    or RDO_CM_ABORTED (ended before it was established, ev->reason the
 *    IB CM REJ reason, 4 for a time-out). An ended QP's work completes
 *    flushed on its CQs as usual. With ev->recycled the QP is back in the
 *    pool, in INIT: post its receives again (the driver has started its
 *    rings over; completions of the WQEs before still come right).
 *    Without, it is in ERR and no longer the listener's: take it to RESET
 *    and add it again, or destroy it.
 * 4. Post to a pool QP only while it is idle in the pool (receives) or
 *    between its ESTABLISHED and its end (anything); do not modify it;
 *    destroy it only once it left the CM (an end without recycled,
 *    rdo_cm_pool_remove(), or rdo_cm_unlisten()).
 * 5. rdo_cm_connect() has the device connect a QP (RC, RESET or INIT, in
 *    no pool) to a remote listener: the listener named reports it (its
 *    handler, ESTABLISHED or ABORTED). rdo_cm_disconnect() ends an
 *    established connection of that listener (DREQ; DISCONNECTED follows).
 * 6. rdo_cm_unlisten(): REPs still waiting for their RTU are refused (their
 *    ABORTED entries are handled before it returns), established
 *    connections stay up but are the consumer's alone (no more events for
 *    them, a peer's DREQ then goes to ib_cm), pool QPs are back in INIT,
 *    owned by nobody. Call it before destroying the QPs, and from the
 *    ib_client remove callback: the listener does not outlive its device.
 *
 * The device's CM counters: /sys/kernel/debug/rdma_offload/<bdf>/cm.
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
int rdo_ib_srq_set_partial(struct ib_srq *srq, u8 stride_shift);

/* ib_wc.wc_flags of a receive on a partial SRQ (driver bits). */
#define RDO_WC_OFFSET		(1 << 29)	/* the message is at rdo_wc_offset() */
#define RDO_WC_BUF_DONE		(1 << 30)	/* the buffer is the consumer's again */

static inline u32 rdo_wc_offset(const struct ib_wc *wc)
{
	return wc->src_qp;	/* the device's CQE keeps it there */
}
int rdo_ib_move_qp(struct ib_qp *qp, struct ib_device *dst);

/* Offloaded connection establishment. */
struct rdo_cm_listener;

/* The RDMA CM's service ID for a port of RDMA_PS_TCP. */
static inline u64 rdo_cm_service_id(u16 port)
{
	return 0x0000000001060000ULL | port;
}

enum rdo_cm_event_type {
	RDO_CM_ESTABLISHED	= 1,
	RDO_CM_DISCONNECTED	= 2,
	RDO_CM_ABORTED		= 3,
};

#define RDO_CM_MAX_PRIVATE	56

struct rdo_cm_event {
	enum rdo_cm_event_type type;
	struct ib_qp *qp;
	u32 qpn;			/* qp's number */
	u32 peer_qpn;
	union ib_gid peer_gid;		/* the peer's IP address as a GID */
	u8 peer_mac[ETH_ALEN];
	u16 peer_port;			/* passive: RDMA CM source port; active: the service's */
	u16 reason;			/* ABORTED: the IB CM REJ reason */
	u64 time_ns;			/* the device's time of it */
	bool rdma_cm;			/* private_data follows an RDMA CM header */
	bool recycled;			/* the QP is back in the pool, in INIT */
	u8 private_len;
	u8 private_data[RDO_CM_MAX_PRIVATE];
	u8 responder_resources, initiator_depth;
	enum ib_mtu path_mtu;
	u32 sq_psn, rq_psn;
};

typedef void (*rdo_cm_handler_t)(struct rdo_cm_listener *l,
				 const struct rdo_cm_event *ev, void *context);

#define RDO_CM_LISTEN_RDMA_CM	(1u << 0)
#define RDO_CM_LISTEN_RECYCLE	(1u << 1)

struct rdo_cm_listen_attr {
	u64 service_id;
	union ib_gid addr;		/* ours; all zero: any */
	u32 flags;			/* RDO_CM_LISTEN_* */
	u32 table_entries;		/* notification table, a power of 2 (0: 256) */
	u16 notify_count;		/* an event per this many entries (0: 1) */
	u16 notify_usec;		/* or this long after the first (0: at once) */
	u8 responder_resources;		/* RDMA READs/atomics served, 0..16 */
	u8 initiator_depth;		/* issued, 0..16 */
	u8 min_rnr_timer;		/* IB encoding, 0..31 */
	u8 rnr_retry;			/* asked of the peer, 0..7 */
	rdo_cm_handler_t handler;
	void *context;
};

struct rdo_cm_connect_attr {
	u64 service_id;			/* the peer's listener */
	union ib_gid dgid;		/* the peer's IP address as a GID */
	u8 dmac[ETH_ALEN];		/* its MAC, or the next hop's */
	u8 sgid_index;
	enum ib_mtu path_mtu;
	u16 src_port;			/* in the RDMA CM header */
	int access;			/* IB_ACCESS_*, for a QP in RESET */
	u8 timeout, retry_count, rnr_retry;	/* the QP's, IB encodings */
	u8 cm_timeout, max_cm_retries;	/* the REQ's (and DREQ's) retries */
	u8 private_len;			/* 0..RDO_CM_MAX_PRIVATE */
	const void *private_data;
};

struct rdo_cm_listener *rdo_cm_listen(struct ib_device *dev,
				      const struct rdo_cm_listen_attr *attr);
void rdo_cm_unlisten(struct rdo_cm_listener *l);
int rdo_cm_pool_add(struct rdo_cm_listener *l, struct ib_qp *qp, int access);
int rdo_cm_pool_remove(struct rdo_cm_listener *l, struct ib_qp *qp);
int rdo_cm_connect(struct rdo_cm_listener *l, struct ib_qp *qp,
		   const struct rdo_cm_connect_attr *attr);
int rdo_cm_disconnect(struct rdo_cm_listener *l, struct ib_qp *qp);

/* Whether dev is an rdma-offload adapter's function, PF or VF (SSQs...). */
static inline bool rdo_ib_device_is_rdo(const struct ib_device *dev)
{
	return dev->attrs.vendor_id == RDO_IB_VENDOR_ID &&
	       (dev->attrs.vendor_part_id == RDO_IB_VENDOR_PART_ID ||
		dev->attrs.vendor_part_id == RDO_IB_VENDOR_PART_ID_VF);
}

#endif /* RDMA_OFFLOAD_VERBS_H */
