/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR BSD-2-Clause */
/*
 * rdma_offload: the uverbs ABI between the kernel driver and its rdma-core
 * provider (guest-driver/rdma-core/providers/rdma_offload). These structs
 * follow the core uverbs command and response of the same verb (udata).
 *
 * User-space queues live in the process's memory: the provider allocates
 * each ring page-aligned and a whole number of pages long, the driver pins
 * it (ib_umem) and names it to the device, and the process rings doorbells
 * through its own doorbell page (mmap of db_mmap_offset, one page). The
 * ring geometry is the device's (include/hw/rdma-offload/rdo-queues.h).
 */
#ifndef RDMA_OFFLOAD_ABI_H
#define RDMA_OFFLOAD_ABI_H

#include <linux/types.h>
#include <rdma/ib_user_ioctl_cmds.h>

/* ib_device uverbs_abi_ver; the provider accepts exactly this. */
#define RDO_UVERBS_ABI_VERSION		1

struct rdo_alloc_ucontext_resp {
	__aligned_u64 db_mmap_offset;	/* mmap offset of the doorbell page */
	__u32 db_page;			/* its number in BAR 2 (for diagnostics) */
	__u32 max_inline;		/* inline data bytes a WQE may carry */
	__u32 push_max;			/* largest WQE for the push area, bytes */
	__u32 max_qp_log_size;		/* ring sizes the device takes */
	__u32 max_cq_log_size;
	__u32 reserved;
	/*
	 * Added with push RAM; an older kernel leaves them out (the provider
	 * sees zeros). With RDO_UCTX_PUSH_RAM in flags: the mmap offset of the
	 * process's push page (one page, write-combined; push page of its
	 * doorbell page, docs/programming-model.md "Push RAM").
	 */
	__aligned_u64 push_ram_mmap_offset;
	__u32 flags;			/* RDO_UCTX_* */
	__u32 reserved2;
};

#define RDO_UCTX_PUSH_RAM		(1u << 0)

/* A ring in user memory: 2^log_size entries of 2^stride_shift bytes. */
struct rdo_create_cq_req {
	__aligned_u64 buf_addr;		/* page-aligned */
	__u32 log_size;			/* the CQE stride is fixed: 32 bytes */
	__u32 reserved;
};

struct rdo_create_cq_resp {
	__u32 cqn;
	__u32 reserved;
};

/*
 * ibv_resize_cq: the provider's new ring (zeroed), and the old ring's end
 * (RDO_CMD_RESIZE_CQ's result): the provider polls the old ring up to that
 * free-running index, then the new ring from index 0, and writes no CQ
 * doorbell while the call runs.
 */
struct rdo_resize_cq_req {
	__aligned_u64 buf_addr;		/* page-aligned */
	__u32 log_size;
	__u32 reserved;
};

struct rdo_resize_cq_resp {
	__u32 old_end;
	__u32 reserved;
};

/*
 * IBV_QPT_RAW_PACKET (the process needs CAP_NET_RAW): the QP is a keyed
 * Ethernet TXQ and RXQ pair of the device (include/hw/rdma-offload/
 * rdo-eth.h), one of the pairs the driver sets aside for raw QPs. The SQ
 * is the TXQ's ring (struct rdo_eth_tx_wqe and SGEs, sq_wqe_shift 6..10),
 * the RQ the RXQ's (struct rdo_eth_rx_wqe, rq_wqe_shift 5; or, for receive
 * WRs of several SGEs, struct rdo_eth_rx_sg_wqe and SGEs, rq_wqe_shift
 * 6..10, not with RDO_CREATE_QP_F_RAW_LRO); SGEs and
 * buffers name MRs of the QP's PD by lkey. No SRQ, no inline data. The
 * device's queues exist from RESET->INIT (for the frames of its port) up
 * to the move to RESET or ERR, which forgets what was posted: after
 * RESET the rings start over at index 0. Completions are struct
 * rdo_eth_cqe in the CQs. Doorbells: RDO_DB_ETH_TXQ / RDO_DB_ETH_RXQ of
 * the context's doorbell page with raw_txq / raw_rxq.
 */
#define RDO_CREATE_QP_F_RAW_LRO		(1u << 0)	/* raw: the RXQ coalesces TCP */

struct rdo_create_qp_req {
	__aligned_u64 sq_addr;		/* page-aligned; 0 for an SRQ QP's RQ */
	__aligned_u64 rq_addr;
	__u8 sq_log_size;
	__u8 sq_wqe_shift;		/* 6..10 */
	__u8 rq_log_size;		/* 0 with an SRQ */
	__u8 rq_wqe_shift;		/* 4..10; raw: 5, or 6..10 scattering */
	__u32 flags;			/* RDO_CREATE_QP_F_*, raw QPs only; else 0 */
};

/* comp_mask: the fields that are set. */
#define RDO_CREATE_QP_RESP_RAW		(1u << 0)	/* raw_txq, raw_rxq, db_page */

/*
 * The raw fields came later: a provider that passes the first 8 bytes
 * only gets those, and cannot create raw QPs (-EINVAL).
 */
struct rdo_create_qp_resp {
	__u32 qpn;
	__u32 max_inline;		/* inline bytes this QP's SQ stride holds */
	__u32 comp_mask;		/* RDO_CREATE_QP_RESP_* */
	__u16 raw_txq;			/* raw: TXQ number for RDO_DB_ETH_TXQ */
	__u16 raw_rxq;			/* raw: RXQ number for RDO_DB_ETH_RXQ */
	__u32 db_page;			/* raw: the context's doorbell page (diagnostics) */
	__u32 reserved;
};

struct rdo_create_srq_req {
	__aligned_u64 buf_addr;		/* page-aligned */
	__u8 log_size;
	__u8 wqe_shift;			/* 4..10 */
	__u16 reserved0;
	__u32 reserved1;
};

struct rdo_create_srq_resp {
	__u32 srqn;
	__u32 reserved;
};

/*
 * ibv_modify_qp's driver data (the extended command, optional): with
 * RDO_MODIFY_QP_NOTIFY_DELAY in comp_mask, the QP's notification delay in
 * microseconds (0-4095, the device's RDO_NOTIFY_DELAY_MAX_USEC; 0: none) for its receive completions, applied
 * from the move to RTR (or at once in RTS). Unknown comp_mask bits and
 * nonzero reserved fields: -EINVAL.
 */
#define RDO_MODIFY_QP_NOTIFY_DELAY	(1u << 0)

struct rdo_modify_qp_req {
	__u32 comp_mask;
	__u16 notify_delay_usec;
	__u16 reserved;
};

/*
 * ibv_modify_srq's driver data (optional): with RDO_MODIFY_SRQ_PARTIAL in
 * comp_mask, partial buffer operation of the SRQ (RDO_CMD_SRQ_PARTIAL):
 * stride_shift 6..12 turns it on, 0 off. -EBUSY while the device holds a
 * buffer of the SRQ in use, -EINVAL for another shift, unknown comp_mask
 * bits or nonzero reserved fields.
 */
#define RDO_MODIFY_SRQ_PARTIAL		(1u << 0)

struct rdo_modify_srq_req {
	__u32 comp_mask;
	__u8 stride_shift;
	__u8 reserved0;
	__u16 reserved1;
};

/* The destination MAC the kernel resolved for a user AH (UD WQEs carry it). */
struct rdo_create_ah_resp {
	__u8 dmac[6];
	__u8 sgid_index;
	__u8 reserved;
};

/*
 * Offloaded connection establishment from user space (the provider's
 * rdodv_cm_* in <infiniband/rdodv.h>; docs/programming-model.md, "From
 * user space"): driver-specific uverbs methods on an object of the driver's
 * namespace, a listener (RDMA_VERBS_IOCTL, ids from UVERBS_ID_NS_SHIFT up).
 * The pool's QPs are the process's own RC QPs (ibv_create_qp), handed over
 * by handle. The driver keeps each listener's events in a queue of its own
 * (twice the notification table) that CM_POLL empties.
 */
enum rdo_ib_objects {
	RDO_IB_OBJECT_CM_LISTENER = (1U << UVERBS_ID_NS_SHIFT),
};

enum rdo_ib_cm_methods {
	RDO_IB_METHOD_CM_LISTEN = (1U << UVERBS_ID_NS_SHIFT),	/* HANDLE (new), LISTEN */
	RDO_IB_METHOD_CM_DESTROY,	/* HANDLE: unlisten (also at close) */
	RDO_IB_METHOD_CM_POOL_ADD,	/* HANDLE, QP, ACCESS */
	RDO_IB_METHOD_CM_POOL_REMOVE,	/* HANDLE, QP */
	RDO_IB_METHOD_CM_CONNECT,	/* HANDLE, QP, CONNECT */
	RDO_IB_METHOD_CM_DISCONNECT,	/* HANDLE, QP */
	RDO_IB_METHOD_CM_POLL,		/* HANDLE, TIMEOUT_MS, EVENTS, POLL_RESP */
};

enum rdo_ib_cm_attrs {
	RDO_IB_ATTR_CM_HANDLE = (1U << UVERBS_ID_NS_SHIFT),
	RDO_IB_ATTR_CM_LISTEN,		/* in: struct rdo_ucm_listen */
	RDO_IB_ATTR_CM_QP,		/* a QP handle of the same context */
	RDO_IB_ATTR_CM_ACCESS,		/* in: __u32, IB_ACCESS_* (QP in RESET) */
	RDO_IB_ATTR_CM_CONNECT,		/* in: struct rdo_ucm_connect */
	RDO_IB_ATTR_CM_TIMEOUT_MS,	/* in: __u32, wait at most (capped: 1000) */
	RDO_IB_ATTR_CM_EVENTS,		/* out: struct rdo_ucm_event[], up to 64 used */
	RDO_IB_ATTR_CM_POLL_RESP,	/* out: struct rdo_ucm_poll_resp */
};

#define RDO_UCM_LISTEN_RDMA_CM	(1u << 0)	/* check the RDMA CM header */
#define RDO_UCM_MAX_PRIVATE	56
#define RDO_UCM_POLL_MAX	64
#define RDO_UCM_POLL_MAX_MS	1000

/* The listener's attributes (rdma_offload-verbs.h's rdo_cm_listen_attr). */
struct rdo_ucm_listen {
	__aligned_u64 service_id;
	__u8 addr[16];			/* ours, an IP as a GID; 0: any */
	__u32 flags;			/* RDO_UCM_LISTEN_* */
	__u32 table_entries;		/* power of 2; 0: 256 */
	__u16 notify_count;
	__u16 notify_usec;
	__u8 responder_resources;
	__u8 initiator_depth;
	__u8 min_rnr_timer;
	__u8 rnr_retry;
	__u32 reserved[2];		/* 0 */
};

struct rdo_ucm_connect {
	__aligned_u64 service_id;
	__u8 dgid[16];
	__u8 dmac[6];
	__u8 sgid_index;
	__u8 path_mtu;			/* IB_MTU_256..IB_MTU_4096 (1..5) */
	__u32 access;			/* IB_ACCESS_*, for a QP in RESET */
	__u16 src_port;
	__u8 timeout;
	__u8 retry_count;
	__u8 rnr_retry;
	__u8 cm_timeout;
	__u8 max_cm_retries;
	__u8 private_len;		/* 0..RDO_UCM_MAX_PRIVATE */
	__u8 private_data[RDO_UCM_MAX_PRIVATE];
	__u32 reserved;			/* 0 */
};

enum rdo_ucm_event_type {
	RDO_UCM_ESTABLISHED	= 1,
	RDO_UCM_DISCONNECTED	= 2,	/* the QP in ERR, no longer the listener's */
	RDO_UCM_ABORTED		= 3,	/* ditto; reason: the IB CM REJ reason */
};

#define RDO_UCM_EV_RDMA_CM	(1u << 0)	/* private data after an RDMA CM header */

struct rdo_ucm_event {
	__u32 type;			/* enum rdo_ucm_event_type */
	__u32 qpn;
	__u32 peer_qpn;
	__u16 peer_port;
	__u16 reason;
	__aligned_u64 time_ns;		/* the device's time of it */
	__u8 peer_gid[16];
	__u8 peer_mac[6];
	__u8 flags;			/* RDO_UCM_EV_* */
	__u8 private_len;
	__u8 responder_resources;
	__u8 initiator_depth;
	__u8 path_mtu;
	__u8 reserved0;
	__u32 sq_psn;
	__u32 rq_psn;
	__u8 private_data[RDO_UCM_MAX_PRIVATE];
	__u32 reserved1;
};

struct rdo_ucm_poll_resp {
	__u32 count;			/* events written */
	__u32 lost;			/* dropped since the last poll: queue full */
};

#endif /* RDMA_OFFLOAD_ABI_H */
