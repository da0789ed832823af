/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * rdma_offload provider: user-space verbs for the rdma-offload adapter.
 *
 * Rings live in the process's memory (page-aligned, whole pages, pinned by
 * the kernel driver); the process rings doorbells through its own mapped
 * doorbell page, may push small WQEs through that page's push area (or
 * its push RAM page, where the device has one), and
 * polls CQs by owner bit without system calls. Layouts are the device's
 * (hw/rdo-hw.h, copied from include/hw/rdma-offload by the build).
 */
#ifndef RDO_PROVIDER_H
#define RDO_PROVIDER_H

#include <endian.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <infiniband/driver.h>
#include <infiniband/kern-abi.h>
#include <util/udma_barrier.h>
#include <util/util.h>
#include <rdma/rdma_offload-abi.h>
#include <kernel-abi/rdma_offload-abi.h>

#include "hw/rdo-hw.h"

DECLARE_DRV_CMD(rdo_ucmd_get_context, IB_USER_VERBS_CMD_GET_CONTEXT,
		empty, rdo_alloc_ucontext_resp);
DECLARE_DRV_CMD(rdo_ucmd_create_cq, IB_USER_VERBS_CMD_CREATE_CQ,
		rdo_create_cq_req, rdo_create_cq_resp);
DECLARE_DRV_CMD(rdo_ucmd_create_cq_ex, IB_USER_VERBS_EX_CMD_CREATE_CQ,
		rdo_create_cq_req, rdo_create_cq_resp);
DECLARE_DRV_CMD(rdo_ucmd_resize_cq, IB_USER_VERBS_CMD_RESIZE_CQ,
		rdo_resize_cq_req, rdo_resize_cq_resp);
DECLARE_DRV_CMD(rdo_ucmd_create_qp, IB_USER_VERBS_CMD_CREATE_QP,
		rdo_create_qp_req, rdo_create_qp_resp);
DECLARE_DRV_CMD(rdo_ucmd_create_ah, IB_USER_VERBS_CMD_CREATE_AH,
		empty, rdo_create_ah_resp);
DECLARE_DRV_CMD(rdo_ucmd_create_srq, IB_USER_VERBS_CMD_CREATE_SRQ,
		rdo_create_srq_req, rdo_create_srq_resp);
DECLARE_DRV_CMD(rdo_ucmd_modify_qp, IB_USER_VERBS_EX_CMD_MODIFY_QP,
		rdo_modify_qp_req, empty);
DECLARE_DRV_CMD(rdo_ucmd_modify_srq, IB_USER_VERBS_CMD_MODIFY_SRQ,
		rdo_modify_srq_req, empty);

#define RDO_MAX_SGE	58	/* SGEs in a 1 KiB WQE after header and UD segment */

/* QP numbers are 24 bits: a two-level table finds a CQE's QP. */
#define RDO_QPN_LEAF_BITS	12
#define RDO_QPN_TOP		(1u << (24 - RDO_QPN_LEAF_BITS))

struct rdo_device {
	struct verbs_device vdev;
};

struct rdo_context {
	struct verbs_context vctx;
	uint8_t *db;			/* the process's doorbell page */
	uint32_t max_inline;
	uint32_t push_max;		/* largest WQE pushed, bytes; 0: never */
	/* The page's one push area: one QP's push at a time (data, trigger). */
	pthread_spinlock_t push_lock;
	/*
	 * The push RAM page paired with db (RDO_UCTX_PUSH_RAM; NULL without,
	 * or with RDO_PUSH_RAM=0): pushes go there as memory stores and only
	 * the trigger is a doorbell write. push_slot alternates under push_lock.
	 */
	uint8_t *push_ram;
	uint32_t push_slot;
	uint16_t notify_delay;		/* RC/UC receive notification delay, us */
	uint32_t max_qp_log, max_cq_log;
	/* Raw packet QPs by their RXQ (= TXQ) number: Ethernet CQEs name those. */
	struct rdo_qp *raw_qps[RDO_ETH_MAX_TXQ];
	pthread_mutex_t qp_table_lock;
	struct rdo_qp **qp_table[RDO_QPN_TOP];
};

/* A ring in user memory: 2^log_size entries of 2^shift bytes. */
struct rdo_ring {
	void *buf;
	size_t len;			/* whole pages */
	uint32_t log_size, shift;
};

struct rdo_cq {
	struct verbs_cq vcq;		/* ibv_cq, or ibv_cq_ex (create_cq_ex) */
	pthread_spinlock_t lock;
	struct rdo_ring ring;
	uint32_t cqn;
	uint32_t ci;			/* CQEs consumed, free-running */
	/*
	 * ibv_resize_cq: the CQEs the old ring still held, polled first; the
	 * old ring kept until the next resize or destroy (a poller without
	 * the lock may still look at it). A resized CQ is always polled
	 * under the lock.
	 */
	struct rdo_cqe *pend;
	uint32_t pend_n, pend_i;
	struct rdo_ring retired;
	bool resized;
	/* ibv_cq_ex polling: the completion being read, ci at start_poll. */
	struct ibv_wc cur;
	uint32_t poll_start;
	/* Bit q: the raw QP of RXQ q has flush completions to give here
	 * (rdo_raw.c), once polling passed its last CQE of the device's. */
	uint32_t raw_flushing;
};

struct rdo_wq {
	struct rdo_ring ring;
	pthread_spinlock_t lock;
	uint32_t pi;			/* WQEs posted, free-running */
	uint32_t ci;			/* WQEs completed (written by pollers) */
	uint32_t max_sge;
	uint64_t *wr_id;		/* the caller's, per slot */
	bool inited;
};

/* Every slot holds a WQE the device has not completed (pollers move ci). */
static inline bool rdo_wq_full(struct rdo_wq *wq)
{
	return wq->pi - atomic_load_explicit((_Atomic uint32_t *)&wq->ci,
					     memory_order_acquire) >= (1u << wq->ring.log_size);
}

/*
 * A shared receive queue: QPs take its WQEs in ring order and complete them
 * in any order, so a slot is posted again only once its WQE completed.
 */
struct rdo_srq {
	struct ibv_srq ibsrq;
	uint32_t srqn;
	struct rdo_wq wq;
	uint8_t *busy;			/* per slot: posted, buffer not given back */
	uint8_t partial_shift;		/* SRQ_PARTIAL's stride shift, 0: off */
};

struct rdo_qp {
	struct verbs_qp vqp;		/* vqp.qp: the ibv_qp; vqp.qp_ex: WR API */
	struct rdo_srq *srq;		/* receives come from it (no RQ) */
	uint8_t type;			/* enum rdo_qp_type */
	bool sig_all;
	uint32_t max_inline;
	struct rdo_wq sq, rq;
	/* ibv_wr_* between wr_start and wr_complete (SQ lock held) */
	uint32_t wr_start_pi;
	struct rdo_send_wqe *wr_cur;	/* the WQE being built */
	uint32_t wr_len;		/* its length so far, bytes */
	int wr_err;
	/* Raw packet QPs (rdo_raw.c): a keyed Ethernet TXQ and RXQ. */
	bool raw;
	uint16_t raw_txq, raw_rxq;
	uint8_t *rq_busy;		/* per RQ slot: the device holds its buffer */
	uint8_t *sq_kind;		/* per SQ slot: RDO_RAW_QUIET, RDO_RAW_TSO */
	uint8_t *bounce;		/* per SQ slot: inline data or TSO header */
	struct ibv_mr *bounce_mr;
	uint16_t max_tso_header;	/* IBV_QP_INIT_ATTR_MAX_TSO_HEADER, else 0 */
	/* ibv_wr_*: wr_send/wr_send_tso open a WR, its data setter builds it */
	struct ibv_send_wr raw_wr;
	bool raw_wr_open;
	/*
	 * In ERR (the device's queues gone): the SQ's and RQ's outstanding
	 * WRs complete with IBV_WC_WR_FLUSH_ERR once polling of their CQ
	 * reached *_flush_at, the CQ index past the QP's last real CQE.
	 * Under the CQ's lock.
	 */
	bool sq_flush, rq_flush;
	uint32_t sq_flush_at, rq_flush_at;
};

struct rdo_ah {
	struct ibv_ah ibah;
	struct rdo_ud_seg av;		/* dest_qpn and qkey filled per WR */
};

static inline struct rdo_context *to_rctx(struct ibv_context *ctx)
{
	return container_of(ctx, struct rdo_context, vctx.context);
}

static inline struct rdo_cq *to_rcq(struct ibv_cq *cq)
{
	return container_of(cq, struct rdo_cq, vcq.cq);
}

static inline struct rdo_qp *to_rqp(struct ibv_qp *qp)
{
	return container_of(qp, struct rdo_qp, vqp.qp);
}

static inline struct rdo_srq *to_rsrq(struct ibv_srq *srq)
{
	return container_of(srq, struct rdo_srq, ibsrq);
}

static inline struct rdo_ah *to_rah(struct ibv_ah *ah)
{
	return container_of(ah, struct rdo_ah, ibah);
}

static inline void *rdo_ring_entry(const struct rdo_ring *r, uint32_t idx)
{
	return (uint8_t *)r->buf + ((size_t)(idx & ((1u << r->log_size) - 1)) << r->shift);
}

/* A doorbell: one 64-bit write to the process's page. */
void rdo_doorbell(struct rdo_context *ctx, uint32_t off, uint64_t val);

int rdo_ring_alloc(struct rdo_ring *r, uint32_t log_size, uint32_t shift);
void rdo_ring_free(struct rdo_ring *r);
uint32_t rdo_log2_up(uint32_t n);

/* rdo_qp.c */
struct rdo_qp *rdo_qp_lookup(struct rdo_context *ctx, uint32_t qpn);
struct ibv_qp *rdo_create_qp(struct ibv_pd *pd, struct ibv_qp_init_attr *attr);
struct ibv_qp *rdo_create_qp_ex(struct ibv_context *context,
				struct ibv_qp_init_attr_ex *attr);
uint8_t rdo_wqe_flags(const struct rdo_qp *qp, unsigned int send_flags);
void rdo_sq_ring(struct rdo_context *ctx, struct rdo_qp *qp, uint32_t start,
		 uint32_t last_len);

/* rdo_wr.c: the ibv_wr_* posting API */
int rdo_wr_init(struct rdo_qp *qp, uint64_t send_ops_flags);
/* wr_start and wr_abort of every QP type: the SQ lock, the pi to go back to. */
void rdo_wr_start(struct ibv_qp_ex *qpx);
void rdo_wr_abort(struct ibv_qp_ex *qpx);
int rdo_modify_qp(struct ibv_qp *qp, struct ibv_qp_attr *attr, int mask);
int rdo_query_qp(struct ibv_qp *qp, struct ibv_qp_attr *attr, int mask,
		 struct ibv_qp_init_attr *init);
int rdo_destroy_qp(struct ibv_qp *qp);
int rdo_post_send(struct ibv_qp *qp, struct ibv_send_wr *wr,
		  struct ibv_send_wr **bad_wr);
/* The body of a BIND_MW WQE (its header is the caller's): 0 or EINVAL. */
int rdo_bind_mw_fill(struct rdo_send_wqe *wqe, const struct ibv_mw *mw,
		     uint32_t rkey, const struct ibv_mw_bind_info *info);
int rdo_bind_mw(struct ibv_qp *qp, struct ibv_mw *mw, struct ibv_mw_bind *bind);
int rdo_post_recv(struct ibv_qp *qp, struct ibv_recv_wr *wr,
		  struct ibv_recv_wr **bad_wr);
int rdo_wq_init(struct rdo_wq *wq, uint32_t wr, uint32_t shift, uint32_t max_log);
void rdo_wq_fini(struct rdo_wq *wq);
void rdo_create_qp_rings(struct rdo_create_qp_req *req, const struct rdo_qp *qp,
			 uint32_t sq_shift, uint32_t rq_shift);
void rdo_recv_wqe_fill(struct rdo_wq *wq, uint32_t idx, const struct ibv_recv_wr *wr);

/* rdo_srq.c */
struct ibv_srq *rdo_create_srq(struct ibv_pd *pd, struct ibv_srq_init_attr *attr);
int rdo_query_srq(struct ibv_srq *srq, struct ibv_srq_attr *attr);
int rdo_modify_srq(struct ibv_srq *srq, struct ibv_srq_attr *attr, int mask);
int rdo_destroy_srq(struct ibv_srq *srq);
int rdo_post_srq_recv(struct ibv_srq *srq, struct ibv_recv_wr *wr,
		      struct ibv_recv_wr **bad_wr);
bool rdo_srq_complete(struct rdo_srq *srq, uint64_t idx64, uint64_t *wr_id,
		      bool done);

/* rdo_cq.c */
struct ibv_cq *rdo_create_cq(struct ibv_context *context, int cqe,
			     struct ibv_comp_channel *channel, int comp_vector);
int rdo_destroy_cq(struct ibv_cq *cq);
int rdo_poll_cq(struct ibv_cq *cq, int ne, struct ibv_wc *wc);
struct ibv_cq_ex *rdo_create_cq_ex(struct ibv_context *context,
				   struct ibv_cq_init_attr_ex *attr);
int rdo_req_notify_cq(struct ibv_cq *cq, int solicited_only);
int rdo_resize_cq(struct ibv_cq *cq, int cqe);
int rdo_modify_cq(struct ibv_cq *cq, struct ibv_modify_cq_attr *attr);
void rdo_cq_forget_qp(struct rdo_cq *cq, uint32_t qpn);
void rdo_cq_forget_eth(struct rdo_cq *cq, uint32_t queue);
uint32_t rdo_cq_ready_end(struct rdo_cq *cq);
bool rdo_wq_complete(struct rdo_wq *wq, uint64_t idx64, uint64_t *wr_id);

/* rdo_raw.c: raw packet QPs */
struct rdo_qp *rdo_raw_lookup(struct rdo_context *ctx, uint32_t queue);
struct ibv_qp *rdo_raw_create_qp(struct ibv_context *context,
				 struct ibv_qp_init_attr_ex *attr);
int rdo_raw_destroy_qp(struct rdo_qp *qp);
void rdo_raw_reset(struct rdo_qp *qp);
void rdo_raw_flush_start(struct rdo_qp *qp);
bool rdo_raw_flush_next(struct rdo_context *ctx, struct rdo_cq *cq, struct ibv_wc *wc);
void rdo_raw_flush_rebase(struct rdo_context *ctx, struct rdo_cq *cq);
int rdo_raw_build_send(struct rdo_qp *qp, const struct ibv_send_wr *wr, uint32_t idx);
void rdo_raw_sq_ring(struct rdo_qp *qp);
int rdo_raw_post_recv(struct rdo_qp *qp, struct ibv_recv_wr *wr,
		      struct ibv_recv_wr **bad_wr);
bool rdo_raw_cqe_to_wc(struct rdo_context *ctx, const struct rdo_eth_cqe *cqe,
		       struct ibv_wc *wc);
struct ibv_flow *rdo_create_flow(struct ibv_qp *qp, struct ibv_flow_attr *attr);
int rdo_destroy_flow(struct ibv_flow *flow);

#endif /* RDO_PROVIDER_H */
