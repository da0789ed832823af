/* SPDX-License-Identifier: GPL-2.0 */
/* rdma_offload: the ib_device and its objects. */
#ifndef RDO_IB_H
#define RDO_IB_H

#include <rdma/ib_umem.h>
#include <rdma/iter.h>
#include <rdma/ib_verbs.h>

#include "rdo.h"

struct rdo_ibdev {
	struct ib_device ibdev;
	struct rdo_dev *rdev;
};

struct rdo_pd {
	struct ib_pd ibpd;
	u32 pdn;
};

struct rdo_ah {
	struct ib_ah ibah;
	struct rdo_ud_seg av;		/* copied into each UD WQE */
};

struct rdo_mr {
	struct ib_mr ibmr;
	u32 index;
	struct ib_umem *umem;
	struct rdo_buf pages;		/* the page list REG_MR names */
};

struct rdo_cq {
	struct ib_cq ibcq;
	struct rdo_dev *rdev;
	u32 cqn;
	u32 eqn;
	struct rdo_ring ring;
	spinlock_t lock;		/* ci, polling */
	u32 ci;				/* CQEs consumed, free-running */
	bool error;			/* the device reported CQ_ERROR */
};

/* A send or receive queue: the ring and, per slot, the caller's wr_id. */
struct rdo_wq {
	struct rdo_ring ring;
	u32 pi;				/* WQEs posted, free-running */
	u32 ci;				/* WQEs completed */
	u32 max_sge;
	u64 *wr_id;
	spinlock_t lock;
};

struct rdo_qp {
	struct ib_qp ibqp;
	struct rdo_dev *rdev;
	u32 qpn;
	u8 type;			/* enum rdo_qp_type */
	enum ib_qp_state state;		/* as last moved by modify_qp */
	struct mutex state_lock;
	struct rdo_wq sq, rq;
	u32 max_inline;
	bool sq_sig_all;
};

static inline struct rdo_dev *to_rdev(struct ib_device *ibdev)
{
	return container_of(ibdev, struct rdo_ibdev, ibdev)->rdev;
}

static inline struct rdo_pd *to_rpd(struct ib_pd *pd)
{
	return container_of(pd, struct rdo_pd, ibpd);
}

static inline struct rdo_cq *to_rcq(struct ib_cq *cq)
{
	return container_of(cq, struct rdo_cq, ibcq);
}

static inline struct rdo_qp *to_rqp(struct ib_qp *qp)
{
	return container_of(qp, struct rdo_qp, ibqp);
}

static inline struct rdo_mr *to_rmr(struct ib_mr *mr)
{
	return container_of(mr, struct rdo_mr, ibmr);
}

static inline struct rdo_ah *to_rah(struct ib_ah *ah)
{
	return container_of(ah, struct rdo_ah, ibah);
}

/* rdo_cq.c */
int rdo_create_cq(struct ib_cq *ibcq, const struct ib_cq_init_attr *attr,
		  struct ib_udata *udata);
int rdo_destroy_cq(struct ib_cq *ibcq, struct ib_udata *udata);
int rdo_poll_cq(struct ib_cq *ibcq, int num_entries, struct ib_wc *wc);
int rdo_req_notify_cq(struct ib_cq *ibcq, enum ib_cq_notify_flags flags);

/* rdo_qp.c */
int rdo_create_qp(struct ib_qp *ibqp, struct ib_qp_init_attr *attr,
		  struct ib_udata *udata);
int rdo_modify_qp(struct ib_qp *ibqp, struct ib_qp_attr *attr, int mask,
		  struct ib_udata *udata);
int rdo_query_qp(struct ib_qp *ibqp, struct ib_qp_attr *attr, int mask,
		 struct ib_qp_init_attr *init);
int rdo_destroy_qp(struct ib_qp *ibqp, struct ib_udata *udata);
int rdo_post_send(struct ib_qp *ibqp, const struct ib_send_wr *wr,
		  const struct ib_send_wr **bad_wr);
int rdo_post_recv(struct ib_qp *ibqp, const struct ib_recv_wr *wr,
		  const struct ib_recv_wr **bad_wr);

/* rdo_mr.c */
struct ib_mr *rdo_get_dma_mr(struct ib_pd *ibpd, int access);
struct ib_mr *rdo_reg_user_mr(struct ib_pd *ibpd, u64 start, u64 length,
			      u64 iova, int access, struct ib_udata *udata);
int rdo_dereg_mr(struct ib_mr *ibmr, struct ib_udata *udata);
int rdo_mr_register(struct rdo_dev *rdev, struct rdo_mr *mr, u32 pdn,
		    u64 iova, u64 length, u32 page_shift, u32 npages, int access);
bool rdo_mr_unregister(struct rdo_dev *rdev, struct rdo_mr *mr);
u32 rdo_access_conv(u32 flags, bool to_ib);

#endif /* RDO_IB_H */
