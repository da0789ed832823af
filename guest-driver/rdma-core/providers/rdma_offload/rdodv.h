/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * <infiniband/rdodv.h>: the rdma-offload provider's own entry points,
 * beyond the verbs. Use them only on an rdma-offload device
 * (rdodv_is_supported, or rdodv_is_rdo on an open context): another
 * provider may take the private bits for something else, or ignore them.
 *
 * Buffer groups with partial buffers (D10; docs/programming-model.md,
 * "Partial buffers"): an SRQ is a group of receive buffers its QPs share
 * (a QP joins by being created with it). rdodv_srq_set_partial(srq, s),
 * s 6..12, turns on partial buffer operation: the device places
 * single-packet SENDs of any of the SRQ's QPs one after another into the
 * same posted buffer, each at the next offset that is a multiple of 2^s,
 * with one completion each on the receiving QP's CQ: the buffer's wr_id,
 * byte_len, wc_flags RDODV_WC_OFFSET and the offset (rdodv_wc_offset).
 * A buffer stays the device's until a completion with RDODV_WC_BUF_DONE
 * names it: the last message that fits, or one of byte_len 0 (no message)
 * when the next message did not fit the rest. A multi-packet SEND or a
 * WRITE with immediate takes a buffer of its own (OFFSET, offset 0,
 * BUF_DONE); UD completions are as without partial operation. Buffers
 * may have at most 4 SGEs (ibv_post_srq_recv: EINVAL). s = 0 turns it
 * off. Returns 0 or an errno: EBUSY while the device holds one of the
 * SRQ's buffers in use (turn it on before posting, or after a BUF_DONE),
 * EINVAL for another shift. The kernel's equivalent is
 * rdo_ib_srq_set_partial() (rdma_offload-verbs.h).
 *
 * The offloaded connection establishment for a process's own QPs (these
 * functions are in the library: link with -lrdma_offload)
 * (docs/programming-model.md, "Offloaded connection establishment", "From
 * user space"; the kernel's counterpart is rdma_offload-verbs.h).
 *
 *  1. rdodv_cm_listen() on a context of an rdma-offload device: the device
 *     answers IB CM REQs for the service ID (rdodv_cm_service_id(port) for
 *     an RDMA CM port of RDMA_PS_TCP) on the address given (an IPv4-mapped
 *     GID; all zero: any) itself.
 *  2. rdodv_cm_pool_add() each RC QP (ibv_create_qp of the same context) in
 *     RESET or INIT; post its receives first (move it to INIT yourself to
 *     do that): the peer's first SEND finds them. The device takes one QP
 *     per REQ, moves it to RTR and RTS with what the REQ negotiated and
 *     answers REP; a REQ finding the pool empty gets a REJ (reason 1, no
 *     QP). rdodv_cm_pool_remove() takes an idle one back.
 *  3. rdodv_cm_poll() returns the listener's events in the order the device
 *     wrote them (waiting up to timeout_ms, at most 1000, for the first):
 *     ESTABLISHED (the QP is in RTS: post sends), DISCONNECTED (the peer's
 *     DREQ or our rdodv_cm_disconnect() answered) or ABORTED (ended before
 *     it was established, reason the IB CM REJ reason, 4 a time-out). An
 *     ended QP is in ERR and no longer the listener's: its work completes
 *     flushed; take it to RESET and add it again, or destroy it. The poll
 *     keeps the QPs' verbs state (what ibv_post_send checks) in step.
 *     The device may deliver data before the event says ESTABLISHED: a
 *     receive can complete on a pool QP whose event is still to come.
 *  4. rdodv_cm_connect() has the device connect a QP (RC, RESET or INIT, in
 *     no pool) to a remote listener; this listener reports it.
 *  5. rdodv_cm_unlisten() (also at exit): REPs still waiting for their RTU
 *     are refused, established connections stay up (no more events), pool
 *     QPs are back in INIT.
 *
 * Raw packet QPs (IBV_QPT_RAW_PACKET; docs/guest-driver.md, "Raw packet
 * QPs in the provider"): ibv_create_qp_ex with IBV_QP_INIT_ATTR_CREATE_FLAGS
 * RDODV_QP_CREATE_RAW_LRO has the device coalesce the TCP segments its
 * RXQ receives (LRO). A receive completion then holds wc_flags
 * RDODV_WC_LRO when the buffer is an aggregate; rdodv_wc_lro_segs() gives
 * the segments in the buffer (1 without LRO) and rdodv_wc_lro_mss() the
 * largest segment's payload.
 *
 * Functions return 0 or an errno value (rdodv_cm_listen: NULL with errno;
 * rdodv_cm_poll: the number of events or a negative errno value).
 */
#ifndef RDODV_H
#define RDODV_H

#include <stdbool.h>
#include <stdint.h>
#include <infiniband/verbs.h>

#ifdef __cplusplus
extern "C" {
#endif

bool rdodv_is_supported(struct ibv_device *device);

#define RDODV_VENDOR_ID		0x1af4
#define RDODV_PART_ID		0x10f0
#define RDODV_PART_ID_VF	0x10f1

/* ibv_wc.wc_flags (and ibv_wc_read_wc_flags) of a partial SRQ's receive. */
#define RDODV_WC_OFFSET		(1u << 29)	/* the message is at rdodv_wc_offset() */
#define RDODV_WC_BUF_DONE	(1u << 30)	/* the buffer is the application's again */

/* Raw packet QPs: a create flag and a receive completion's LRO details. */
#define RDODV_QP_CREATE_RAW_LRO	(1u << 31)	/* ibv_qp_init_attr_ex.create_flags */
#define RDODV_WC_LRO		(1u << 28)	/* the buffer holds an LRO aggregate */

static inline uint32_t rdodv_wc_lro_segs(const struct ibv_wc *wc)
{
	return wc->src_qp;	/* of a raw packet QP's receive */
}

static inline uint32_t rdodv_wc_lro_mss(const struct ibv_wc *wc)
{
	return wc->wc_flags & RDODV_WC_LRO ? wc->pkey_index : 0;
}

/* ibv_modify_srq attr_mask bit: srq_limit carries the stride shift. */
#define RDODV_SRQ_ATTR_PARTIAL	(1 << 30)

static inline bool rdodv_is_rdo(struct ibv_context *ctx)
{
	struct ibv_device_attr a;

	return !ibv_query_device(ctx, &a) && a.vendor_id == RDODV_VENDOR_ID &&
	       (a.vendor_part_id == RDODV_PART_ID || a.vendor_part_id == RDODV_PART_ID_VF);
}

static inline int rdodv_srq_set_partial(struct ibv_srq *srq, unsigned int stride_shift)
{
	struct ibv_srq_attr attr = { .srq_limit = stride_shift };

	return ibv_modify_srq(srq, &attr, RDODV_SRQ_ATTR_PARTIAL);
}

static inline uint32_t rdodv_wc_offset(const struct ibv_wc *wc)
{
	return wc->src_qp;	/* the device's CQE keeps it there */
}

/* The RDMA CM's service ID for a port of RDMA_PS_TCP. */
static inline uint64_t rdodv_cm_service_id(uint16_t port)
{
	return 0x0000000001060000ULL | port;
}

#define RDODV_CM_MAX_PRIVATE	56

enum rdodv_cm_listen_flags {
	RDODV_CM_LISTEN_RDMA_CM	= 1 << 0,	/* check the REQ's RDMA CM header */
};

struct rdodv_cm_listen_attr {
	uint64_t service_id;
	union ibv_gid addr;		/* ours; all zero: any */
	uint32_t flags;			/* enum rdodv_cm_listen_flags */
	uint32_t table_entries;		/* notification table, a power of 2 (0: 256) */
	uint16_t notify_count;		/* the device notifies per this many (0: 1) */
	uint16_t notify_usec;		/* or this long after the first (0: at once) */
	uint8_t responder_resources;	/* RDMA READs/atomics served, 0..16 */
	uint8_t initiator_depth;	/* issued, 0..16 */
	uint8_t min_rnr_timer;		/* IB encoding, 0..31 */
	uint8_t rnr_retry;		/* asked of the peer, 0..7 */
};

struct rdodv_cm_connect_attr {
	uint64_t service_id;		/* the peer's listener */
	union ibv_gid dgid;		/* the peer's IP address as a GID */
	uint8_t dmac[6];		/* its MAC, or the next hop's */
	uint8_t sgid_index;
	enum ibv_mtu path_mtu;
	uint16_t src_port;		/* in the RDMA CM header */
	int access;			/* IBV_ACCESS_*, for a QP in RESET */
	uint8_t timeout, retry_count, rnr_retry;	/* the QP's */
	uint8_t cm_timeout, max_cm_retries;		/* the REQ's */
	uint8_t private_len;		/* 0..RDODV_CM_MAX_PRIVATE */
	const void *private_data;
};

enum rdodv_cm_event_type {
	RDODV_CM_ESTABLISHED	= 1,
	RDODV_CM_DISCONNECTED	= 2,
	RDODV_CM_ABORTED	= 3,
};

struct rdodv_cm_event {
	enum rdodv_cm_event_type type;
	struct ibv_qp *qp;		/* NULL if the QP is no longer the process's */
	uint32_t qp_num;
	uint32_t peer_qpn;
	union ibv_gid peer_gid;		/* the peer's IP address as a GID */
	uint8_t peer_mac[6];
	uint16_t peer_port;		/* passive: RDMA CM source port */
	uint16_t reason;		/* ABORTED: the IB CM REJ reason */
	uint64_t time_ns;		/* the device's time of it */
	bool rdma_cm;			/* private_data follows an RDMA CM header */
	uint8_t private_len;
	uint8_t private_data[RDODV_CM_MAX_PRIVATE];
	uint8_t responder_resources, initiator_depth;
	enum ibv_mtu path_mtu;
	uint32_t sq_psn, rq_psn;
};

struct rdodv_cm_listener;

struct rdodv_cm_listener *rdodv_cm_listen(struct ibv_context *context,
					  const struct rdodv_cm_listen_attr *attr);
int rdodv_cm_unlisten(struct rdodv_cm_listener *listener);
int rdodv_cm_pool_add(struct rdodv_cm_listener *listener, struct ibv_qp *qp,
		      int access);
int rdodv_cm_pool_remove(struct rdodv_cm_listener *listener, struct ibv_qp *qp);
int rdodv_cm_connect(struct rdodv_cm_listener *listener, struct ibv_qp *qp,
		     const struct rdodv_cm_connect_attr *attr);
int rdodv_cm_disconnect(struct rdodv_cm_listener *listener, struct ibv_qp *qp);
/* Events lost since the last poll (the driver's queue was full) add to *lost. */
int rdodv_cm_poll(struct rdodv_cm_listener *listener, struct rdodv_cm_event *events,
		  int max, int timeout_ms, uint32_t *lost);

#ifdef __cplusplus
}
#endif

#endif /* RDODV_H */
