/* SPDX-License-Identifier: GPL-2.0 */
/* rdma_offload: the ib_device and its objects. */
#ifndef RDO_IB_H
#define RDO_IB_H

#include <rdma/ib_umem.h>
#include <rdma/iter.h>
#include <rdma/uverbs_ioctl.h>
#include <rdma/ib_verbs.h>

#include "rdo.h"
#include "rdma_offload-abi.h"

struct rdo_mmap_entry;
struct rdo_moved;
struct rdo_cm_listener;

/* READs and atomics a QP keeps outstanding, as initiator and as responder. */
#define RDO_MAX_RD_ATOMIC	16

/* SGEs in a 1 KiB receive WQE, and in a send WQE after a UD segment. */
#define RDO_MAX_RECV_SGE	58

#define RDO_CQE_SHIFT		5	/* CQ ring stride: struct rdo_cqe */
static_assert(sizeof(struct rdo_cqe) == 1 << RDO_CQE_SHIFT);

/* A process's context: its doorbell page, mapped at its mmap offset. */
struct rdo_ucontext {
	struct ib_ucontext ibuc;
	u32 db_page;
	struct rdo_mmap_entry *db_entry;
	struct rdo_mmap_entry *push_entry;	/* NULL without push RAM */
};

struct rdo_ibdev {
	struct ib_device ibdev;
	struct rdo_dev *rdev;
};

struct rdo_pd {
	struct ib_pd ibpd;
	struct rdo_dev *rdev;		/* the function serving it (rdo_move.c) */
	u32 pdn;
	bool lost;			/* its function went after a move */
	struct rdo_moved *moved;	/* away from home with its QP */
	/*
	 * Its MRs (rdo_mr.pd_node), which a move takes along. mr_lock keeps
	 * the list and their serving function steady: registrations and
	 * deregistrations against a move, and a loss.
	 */
	struct mutex mr_lock;
	struct list_head mrs;
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
	u32 npages;			/* fast registration: pages mapped */
	u32 max_pages;			/* 0: not a fast-registration MR */
	int access;			/* IB_ACCESS_* of a user MR */
	struct rdo_cqp_async reg;	/* its pipelined REG_MR / ALLOC_MR */
	/*
	 * The function serving it (its PD's: a move changes it) and the one
	 * whose DMA memory its page list is (NULL: the same); lost: the
	 * serving function went after a move, the device has it no more.
	 */
	struct rdo_dev *rdev, *home;
	struct rdo_pd *pd;		/* on pd->mrs; NULL: the driver's own */
	struct list_head pd_node;
	bool lost;
};

struct rdo_mw {
	struct ib_mw ibmw;
	u32 index;			/* in the MR index space */
};

struct rdo_cq {
	struct ib_cq ibcq;
	struct rdo_dev *rdev;		/* the function serving it */
	struct rdo_dev *home;		/* the one that made it: its ring's DMA */
	u32 cqn;
	u32 eqn;
	struct rdo_ring ring;
	spinlock_t lock;		/* ci, polling */
	u32 ci;				/* CQEs consumed, free-running */
	bool error;			/* the device reported CQ_ERROR */
	bool user;			/* ring and polling in user space */
	/*
	 * MOVE_QP (rdo_move.c): no doorbell while it runs (arms wait in
	 * arm_deferred); lost: the function serving it went, no more.
	 */
	bool moving, lost;
	struct rdo_moved *moved;
	/*
	 * Resize (kernel CQ): no doorbell while RESIZE_CQ runs; what the
	 * old ring still held is polled from `old` first.
	 */
	bool resizing;
	u32 arm_deferred;		/* RDO_DB_CQ_ARM_* asked for meanwhile */
	struct rdo_cqe *old;
	u32 old_n, old_i;
};

/*
 * A send or receive queue: the ring and, per slot, the caller's wr_id
 * (kernel queues only).
 */
struct rdo_wq {
	struct rdo_ring ring;
	u32 pi;				/* WQEs posted, free-running */
	u32 ci;				/* WQEs completed */
	/*
	 * pi when the device last started the ring over by itself (an
	 * offloaded CM recycle, rdo_cm.c): ring slots and doorbell values
	 * count from here, while pi, ci and the WQEs' wr_id keep running so
	 * the completions of the WQEs before it still find theirs.
	 */
	u32 base;
	u32 max_sge;
	u64 *wr_id;
	spinlock_t lock;
	/*
	 * MOVE_QP (rdo_move.c): no doorbell and no push while it runs (the
	 * WQEs wait in the ring for the destination's doorbell). Per queue,
	 * so a queue is not rung on the destination before its own resume
	 * doorbell has announced the WQEs posted meanwhile.
	 */
	bool moving;
};


struct rdo_srq {
	struct ib_srq ibsrq;
	struct rdo_dev *rdev;
	u32 srqn;
	bool user;
	struct rdo_wq wq;
	unsigned long *busy;		/* kernel SRQ: slots holding a posted WQE */
	u16 limit;			/* SRQ limit armed, 0 once the event came */
	u8 partial_shift;		/* SRQ_PARTIAL's stride shift, 0: off */
};

struct rdo_qp {
	struct ib_qp ibqp;
	struct rdo_dev *rdev;		/* the function serving it */
	struct rdo_dev *home;		/* the one that made it: rings, number */
	u32 qpn;
	u8 type;			/* enum rdo_qp_type */
	enum ib_qp_state state;		/* as last moved by modify_qp */
	struct mutex state_lock;
	struct rdo_wq sq, rq;
	u32 max_inline;
	bool sq_sig_all;
	bool user;			/* rings and posting in user space */
	u16 notify_delay_usec;		/* receive notification delay (RC, UC) */
	u8 port;			/* 2: bound to port 2; else port 1 */
	u8 sl;				/* the AV's service level */
	u8 flow_class;			/* the device's, from sl */
	struct rdo_srq *srq;		/* receives come from it (no RQ) */
	/* Shared send queue (rdo_ssq.c). */
	struct rdo_qp *ssq;		/* a connection: the SSQ feeding it (no SQ) */
	u32 ssq_conns;			/* an SSQ: connections it feeds (ssq_lock) */
	u32 *ssq_slot_conn;		/* an SSQ: per slot, the connection named */
	/*
	 * MOVE_QP (rdo_move.c; moving: sq.moving, rq.moving): lost, the
	 * function serving it went. moved: its objects' record while they
	 * are away from home.
	 */
	bool lost;
	struct rdo_moved *moved;
	struct rdo_cm_listener *cm;	/* in its pool or connection (rdo_cm.c) */
	/*
	 * A raw packet QP (type RDO_QPT_RAW, rdo_raw.c): the device's TXQ and
	 * RXQ raw_q (made from RESET->INIT to RESET or ERR), its flows.
	 */
	bool raw_made;
	bool raw_lro;
	u16 raw_q;
	u16 raw_db_page;
	struct list_head raw_flows;	/* struct rdo_flow, under state_lock */
};

/* Driver only, never sent to the device: a raw packet QP's qp->type. */
#define RDO_QPT_RAW		RDO_QPT__COUNT

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

static inline struct rdo_mw *to_rmw(struct ib_mw *mw)
{
	return container_of(mw, struct rdo_mw, ibmw);
}

static inline struct rdo_ucontext *to_ruc(struct ib_ucontext *uc)
{
	return container_of(uc, struct rdo_ucontext, ibuc);
}

/* The doorbell page of the process behind udata (0: the kernel's). */
static inline u16 rdo_udata_db_page(struct ib_udata *udata)
{
	struct rdo_ucontext *uc = rdma_udata_to_drv_context(udata, struct rdo_ucontext, ibuc);

	return uc ? uc->db_page : 0;
}

static inline struct rdo_srq *to_rsrq(struct ib_srq *srq)
{
	return container_of(srq, struct rdo_srq, ibsrq);
}

static inline struct rdo_ah *to_rah(struct ib_ah *ah)
{
	return container_of(ah, struct rdo_ah, ibah);
}

/* rdo_uctx.c */
int rdo_alloc_ucontext(struct ib_ucontext *ibuc, struct ib_udata *udata);
void rdo_dealloc_ucontext(struct ib_ucontext *ibuc);
int rdo_mmap(struct ib_ucontext *ibuc, struct vm_area_struct *vma);
void rdo_mmap_free(struct rdma_user_mmap_entry *e);
/* ib_umem_get/release counted in in_use[RDO_USE_PINNED_PAGES] (rdo_mem.c). */
struct ib_umem *rdo_umem_get(struct rdo_dev *rdev, struct ib_device *ibdev,
			     u64 addr, size_t size, int access);
void rdo_umem_release(struct rdo_dev *rdev, struct ib_umem *umem);
int rdo_ring_from_user(struct rdo_dev *rdev, struct ib_device *ibdev,
		       struct rdo_ring *r, u64 addr, u32 log_size,
		       u32 stride_shift);
int rdo_udata_in(struct ib_udata *udata, void *req, size_t size);
int rdo_udata_out(struct ib_udata *udata, void *resp, size_t size);

/* rdo_srq.c */
int rdo_create_srq(struct ib_srq *ibsrq, struct ib_srq_init_attr *init,
		   struct ib_udata *udata);
int rdo_destroy_srq(struct ib_srq *ibsrq, struct ib_udata *udata);
int rdo_query_srq(struct ib_srq *ibsrq, struct ib_srq_attr *attr);
int rdo_post_srq_recv(struct ib_srq *ibsrq, const struct ib_recv_wr *wr,
		      const struct ib_recv_wr **bad_wr);
bool rdo_srq_complete(struct rdo_srq *srq, u64 idx64, u64 *wr_id, bool done);
int rdo_modify_srq(struct ib_srq *ibsrq, struct ib_srq_attr *attr,
		   enum ib_srq_attr_mask mask, struct ib_udata *udata);

/* rdo_cq.c */
int rdo_create_cq(struct ib_cq *ibcq, const struct ib_cq_init_attr *attr,
		  struct ib_udata *udata);
int rdo_destroy_cq(struct ib_cq *ibcq, struct ib_udata *udata);
int rdo_poll_cq(struct ib_cq *ibcq, int num_entries, struct ib_wc *wc);
int rdo_req_notify_cq(struct ib_cq *ibcq, enum ib_cq_notify_flags flags);
int rdo_modify_cq(struct ib_cq *ibcq, u16 cq_count, u16 cq_period);
int rdo_resize_cq(struct ib_cq *ibcq, int cqe, struct ib_udata *udata);

/* rdo_qp.c */
int rdo_create_qp(struct ib_qp *ibqp, struct ib_qp_init_attr *attr,
		  struct ib_udata *udata);
int rdo_modify_qp(struct ib_qp *ibqp, struct ib_qp_attr *attr, int mask,
		  struct ib_udata *udata);
int rdo_fill_res_qp_entry(struct sk_buff *msg, struct ib_qp *ibqp);
int rdo_query_qp(struct ib_qp *ibqp, struct ib_qp_attr *attr, int mask,
		 struct ib_qp_init_attr *init);
int rdo_destroy_qp(struct ib_qp *ibqp, struct ib_udata *udata);
int rdo_qpn_alloc(struct rdo_dev *rdev);

/* rdo_raw.c: raw packet QPs and their flow steering rules. */
int rdo_raw_qp_create(struct rdo_qp *qp, struct ib_qp_init_attr *init,
		      struct ib_udata *udata);
int rdo_raw_qp_modify(struct rdo_qp *qp, struct ib_qp_attr *attr, int mask,
		      struct ib_udata *udata);
void rdo_raw_qp_query(struct rdo_qp *qp, struct ib_qp_attr *attr,
		      struct ib_qp_init_attr *init);
int rdo_raw_qp_destroy(struct rdo_qp *qp);
struct ib_flow *rdo_raw_create_flow(struct ib_qp *ibqp, struct ib_flow_attr *attr,
				    struct ib_udata *udata);
int rdo_raw_destroy_flow(struct ib_flow *ibflow);
int rdo_raw_flow_rule(const struct ib_flow_attr *attr,
		      struct rdo_cmd_create_flow_rule *r);
int rdo_post_send(struct ib_qp *ibqp, const struct ib_send_wr *wr,
		  const struct ib_send_wr **bad_wr);
int rdo_post_recv(struct ib_qp *ibqp, const struct ib_recv_wr *wr,
		  const struct ib_recv_wr **bad_wr);
void rdo_recv_wqe_fill(struct rdo_wq *wq, u32 idx, const struct ib_recv_wr *wr);

/* rdo_ssq.c */
int rdo_ssq_create_check(struct rdo_qp *qp, const struct ib_qp_init_attr *init,
			 struct ib_udata *udata);
void rdo_ssq_unlink(struct rdo_qp *conn);
int rdo_ssq_to_rts(struct rdo_qp *ssq);
int rdo_ssq_alloc_slots(struct rdo_qp *ssq);
void rdo_ssq_free_slots(struct rdo_qp *ssq);
int rdo_ssq_wr_conn(struct rdo_qp *ssq, const struct ib_send_wr *wr, u32 *qpn);
int rdo_ssq_destroy_begin(struct rdo_qp *qp);

/* rdo_move.c */
void rdo_move_obj_lock(void);
void rdo_move_obj_unlock(struct rdo_moved **moved, void *obj);

/* rdo_cm.c */
void rdo_cm_first_recv(struct rdo_qp *qp, u32 idx);
struct rdo_cm_listen_attr;
struct rdo_cm_listener *rdo_cm_listen_as(struct ib_device *dev,
					 const struct rdo_cm_listen_attr *attr, bool user);

/* rdo_ucm.c: the offloaded CM's uverbs methods */
extern const struct uapi_definition rdo_ucm_defs[];

/* rdo_mr.c */
struct rdma_hw_stats *rdo_alloc_hw_port_stats(struct ib_device *ibdev,
					      u32 port);
int rdo_get_hw_stats(struct ib_device *ibdev, struct rdma_hw_stats *stats,
		     u32 port, int index);

struct ib_mr *rdo_get_dma_mr(struct ib_pd *ibpd, int access);
struct ib_mr *rdo_reg_user_mr(struct ib_pd *ibpd, u64 start, u64 length,
			      u64 iova, int access, struct ib_udata *udata);
struct ib_mr *rdo_rereg_user_mr(struct ib_mr *ibmr, int flags, u64 start,
				u64 length, u64 iova, int access,
				struct ib_pd *ibpd, struct ib_udata *udata);
int rdo_dereg_mr(struct ib_mr *ibmr, struct ib_udata *udata);
struct ib_mr *rdo_alloc_mr(struct ib_pd *ibpd, enum ib_mr_type type,
			   u32 max_num_sg);
int rdo_map_mr_sg(struct ib_mr *ibmr, struct scatterlist *sg, int sg_nents,
		  unsigned int *sg_offset);
int rdo_mr_register(struct rdo_dev *rdev, struct rdo_mr *mr, u32 pdn,
		    u64 iova, u64 length, u32 page_shift, u32 npages, int access);
int rdo_mr_unregister(struct rdo_dev *rdev, struct rdo_mr *mr);
int rdo_alloc_mw(struct ib_mw *ibmw, struct ib_udata *udata);
int rdo_dealloc_mw(struct ib_mw *ibmw);
u32 rdo_access_conv(u32 flags, bool to_ib);

#endif /* RDO_IB_H */
