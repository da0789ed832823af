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
};

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

struct rdo_create_qp_req {
	__aligned_u64 sq_addr;		/* page-aligned; 0 for an SRQ QP's RQ */
	__aligned_u64 rq_addr;
	__u8 sq_log_size;
	__u8 sq_wqe_shift;		/* 6..10 */
	__u8 rq_log_size;		/* 0 with an SRQ */
	__u8 rq_wqe_shift;		/* 4..10 */
	__u32 reserved;
};

struct rdo_create_qp_resp {
	__u32 qpn;
	__u32 max_inline;		/* inline bytes this QP's SQ stride holds */
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

#endif /* RDMA_OFFLOAD_ABI_H */
