// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * rdma_offload provider: queue pairs (RC, UC, UD; raw packet QPs are rdo_raw.c's). Posting writes WQEs into
 * the rings in the process's memory and the new producer index to the QP's
 * doorbell in the process's page. A post of one WQE no longer than
 * push_max (RDO_PUSH_MAX, default the whole push area) also writes it there
 * whole, so the device takes it without fetching it from memory; the ring
 * copy is what a retransmission reads. Where the device has push RAM the
 * WQE goes into the context's push RAM page as memory stores and only the
 * trigger is a doorbell write (in the MMIO push area every word is a
 * doorbell write, under TCG an exit each; RDO_PUSH_RAM=0 keeps that).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <util/mmio.h>

#include "rdo.h"

#define RDO_SEND_HDR	sizeof(struct rdo_send_wqe)
#define RDO_RECV_HDR	sizeof(struct rdo_recv_wqe)
#define RDO_UD_SEG	sizeof(struct rdo_ud_seg)

/* ------------------------------------------------------- QPs by number --- */

struct rdo_qp *rdo_qp_lookup(struct rdo_context *ctx, uint32_t qpn)
{
	struct rdo_qp **leaf;

	if (qpn >= 1u << 24)
		return NULL;
	leaf = atomic_load_explicit((_Atomic(struct rdo_qp **) *)&ctx->qp_table[qpn >> RDO_QPN_LEAF_BITS],
				    memory_order_acquire);
	if (!leaf)
		return NULL;
	return atomic_load_explicit((_Atomic(struct rdo_qp *) *)&leaf[qpn & ((1u << RDO_QPN_LEAF_BITS) - 1)],
				    memory_order_acquire);
}

static int rdo_qp_table_set(struct rdo_context *ctx, uint32_t qpn, struct rdo_qp *qp)
{
	struct rdo_qp ***slot = &ctx->qp_table[qpn >> RDO_QPN_LEAF_BITS];
	int ret = 0;

	if (qpn >= 1u << 24)
		return EINVAL;
	pthread_mutex_lock(&ctx->qp_table_lock);
	if (!*slot) {
		struct rdo_qp **leaf = calloc(1u << RDO_QPN_LEAF_BITS, sizeof(*leaf));

		if (!leaf) {
			ret = ENOMEM;
			goto out;
		}
		atomic_store_explicit((_Atomic(struct rdo_qp **) *)slot, leaf,
				      memory_order_release);
	}
	atomic_store_explicit((_Atomic(struct rdo_qp *) *)&(*slot)[qpn & ((1u << RDO_QPN_LEAF_BITS) - 1)],
			      qp, memory_order_release);
out:
	pthread_mutex_unlock(&ctx->qp_table_lock);
	return ret;
}

/* ------------------------------------------------------------ create --- */

int rdo_wq_init(struct rdo_wq *wq, uint32_t wr, uint32_t shift, uint32_t max_log)
{
	uint32_t log_size = rdo_log2_up(wr ? wr : 1);

	if (log_size < 1)
		log_size = 1;
	if (log_size > max_log)
		return EINVAL;
	pthread_spin_init(&wq->lock, PTHREAD_PROCESS_PRIVATE);
	wq->inited = true;
	wq->wr_id = calloc(1u << log_size, sizeof(*wq->wr_id));
	if (!wq->wr_id)
		return ENOMEM;
	if (rdo_ring_alloc(&wq->ring, log_size, shift)) {
		free(wq->wr_id);
		wq->wr_id = NULL;
		return ENOMEM;
	}
	return 0;
}

/* The create command's rings: the SQ, and the RQ unless an SRQ stands in. */
void rdo_create_qp_rings(struct rdo_create_qp_req *req, const struct rdo_qp *qp,
			 uint32_t sq_shift, uint32_t rq_shift)
{
	req->sq_addr = (uintptr_t)qp->sq.ring.buf;
	req->sq_log_size = qp->sq.ring.log_size;
	req->sq_wqe_shift = sq_shift;
	if (!qp->rq.inited)
		return;
	req->rq_addr = (uintptr_t)qp->rq.ring.buf;
	req->rq_log_size = qp->rq.ring.log_size;
	req->rq_wqe_shift = rq_shift;
}

void rdo_wq_fini(struct rdo_wq *wq)
{
	if (!wq->inited)
		return;
	rdo_ring_free(&wq->ring);
	free(wq->wr_id);
	wq->wr_id = NULL;
	pthread_spin_destroy(&wq->lock);
	wq->inited = false;
}

struct ibv_qp *rdo_create_qp_ex(struct ibv_context *context,
				struct ibv_qp_init_attr_ex *attr)
{
	struct rdo_context *ctx = to_rctx(context);
	struct rdo_ucmd_create_qp_resp resp = {};
	struct rdo_ucmd_create_qp cmd = {};
	struct ibv_qp_cap *cap = &attr->cap;
	uint32_t ud = attr->qp_type == IBV_QPT_UD ? RDO_UD_SEG : 0;
	uint32_t body, sq_shift, rq_shift, mask;
	struct rdo_qp *qp;
	uint8_t type;
	int ret;

	switch (attr->qp_type) {
	case IBV_QPT_RC:
		type = RDO_QPT_RC;
		break;
	case IBV_QPT_UC:
		type = RDO_QPT_UC;
		break;
	case IBV_QPT_UD:
		type = RDO_QPT_UD;
		break;
	case IBV_QPT_RAW_PACKET:
		return rdo_raw_create_qp(context, attr);
	default:
		errno = EOPNOTSUPP;
		return NULL;
	}
	/* Creation flags may be named as long as none is set. */
	if (!check_comp_mask(attr->comp_mask, IBV_QP_INIT_ATTR_PD |
			     IBV_QP_INIT_ATTR_SEND_OPS_FLAGS |
			     IBV_QP_INIT_ATTR_CREATE_FLAGS) ||
	    !(attr->comp_mask & IBV_QP_INIT_ATTR_PD) ||
	    ((attr->comp_mask & IBV_QP_INIT_ATTR_CREATE_FLAGS) &&
	     attr->create_flags)) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	if (cap->max_send_sge > RDO_MAX_SGE || cap->max_recv_sge > RDO_MAX_SGE ||
	    cap->max_inline_data > ctx->max_inline) {
		errno = EINVAL;
		return NULL;
	}
	/* The strides the capabilities need, as the kernel driver checks them. */
	body = cap->max_send_sge * sizeof(struct rdo_sge);
	if (align(cap->max_inline_data, sizeof(struct rdo_sge)) > body)
		body = align(cap->max_inline_data, sizeof(struct rdo_sge));
	sq_shift = rdo_log2_up(RDO_SEND_HDR + ud + body);
	rq_shift = rdo_log2_up(RDO_RECV_HDR + cap->max_recv_sge * sizeof(struct rdo_sge));
	if (sq_shift < 6)
		sq_shift = 6;
	if (rq_shift < 4)
		rq_shift = 4;
	if (sq_shift > RDO_WQE_SHIFT_MAX || rq_shift > RDO_WQE_SHIFT_MAX) {
		errno = EINVAL;
		return NULL;
	}

	qp = calloc(1, sizeof(*qp));
	if (!qp)
		return NULL;
	qp->type = type;
	qp->sig_all = attr->sq_sig_all;
	qp->srq = attr->srq ? to_rsrq(attr->srq) : NULL;
	if (attr->comp_mask & IBV_QP_INIT_ATTR_SEND_OPS_FLAGS) {
		ret = rdo_wr_init(qp, attr->send_ops_flags);
		if (ret)
			goto err;
	}
	ret = rdo_wq_init(&qp->sq, cap->max_send_wr, sq_shift, ctx->max_qp_log);
	if (ret)
		goto err;
	if (!qp->srq) {
		ret = rdo_wq_init(&qp->rq, cap->max_recv_wr, rq_shift, ctx->max_qp_log);
		if (ret)
			goto err_sq;
	}
	rdo_create_qp_rings(&cmd.drv_payload, qp, sq_shift, rq_shift);
	/* The command takes no creation flags, and none are set (above). */
	mask = attr->comp_mask;
	attr->comp_mask &= ~IBV_QP_INIT_ATTR_CREATE_FLAGS;
	ret = ibv_cmd_create_qp_ex(context, &qp->vqp, attr, &cmd.ibv_cmd, sizeof(cmd),
				   &resp.ibv_resp, sizeof(resp));
	attr->comp_mask = mask;
	if (ret)
		goto err_rq;
	if (attr->comp_mask & IBV_QP_INIT_ATTR_SEND_OPS_FLAGS)
		qp->vqp.comp_mask |= VERBS_QP_EX;	/* the command cleared it */
	qp->max_inline = resp.max_inline;
	qp->sq.max_sge = cap->max_send_sge;
	qp->rq.max_sge = cap->max_recv_sge;
	ret = rdo_qp_table_set(ctx, qp->vqp.qp.qp_num, qp);
	if (ret) {
		ibv_cmd_destroy_qp(&qp->vqp.qp);
		goto err_rq;
	}
	return &qp->vqp.qp;
err_rq:
	rdo_wq_fini(&qp->rq);
err_sq:
	rdo_wq_fini(&qp->sq);
err:
	free(qp);
	errno = ret;
	return NULL;
}

struct ibv_qp *rdo_create_qp(struct ibv_pd *pd, struct ibv_qp_init_attr *attr)
{
	struct ibv_qp_init_attr_ex ex = {
		.qp_context = attr->qp_context,
		.send_cq = attr->send_cq,
		.recv_cq = attr->recv_cq,
		.srq = attr->srq,
		.cap = attr->cap,
		.qp_type = attr->qp_type,
		.sq_sig_all = attr->sq_sig_all,
		.comp_mask = IBV_QP_INIT_ATTR_PD,
		.pd = pd,
	};
	struct ibv_qp *qp = rdo_create_qp_ex(pd->context, &ex);

	if (qp)
		attr->cap = ex.cap;
	return qp;
}

int rdo_destroy_qp(struct ibv_qp *ibqp)
{
	struct rdo_context *ctx = to_rctx(ibqp->context);
	struct rdo_qp *qp = to_rqp(ibqp);
	int ret;

	if (qp->raw)
		return rdo_raw_destroy_qp(qp);
	ret = ibv_cmd_destroy_qp(ibqp);
	if (ret)
		return ret;
	rdo_qp_table_set(ctx, ibqp->qp_num, NULL);
	rdo_cq_forget_qp(to_rcq(ibqp->send_cq), ibqp->qp_num);
	if (ibqp->recv_cq != ibqp->send_cq)
		rdo_cq_forget_qp(to_rcq(ibqp->recv_cq), ibqp->qp_num);
	rdo_wq_fini(&qp->sq);
	rdo_wq_fini(&qp->rq);
	free(qp);
	return 0;
}

static void rdo_wq_reset(struct rdo_wq *wq)
{
	if (!wq->inited)
		return;
	pthread_spin_lock(&wq->lock);
	wq->pi = 0;
	wq->ci = 0;
	pthread_spin_unlock(&wq->lock);
}

/* The move to RTR with the context's notification delay as driver data. */
static int rdo_modify_qp_delay(struct ibv_qp *ibqp, struct ibv_qp_attr *attr,
			       int mask, uint16_t usec)
{
	struct rdo_ucmd_modify_qp cmd = {};
	struct rdo_ucmd_modify_qp_resp resp = {};

	cmd.comp_mask = RDO_MODIFY_QP_NOTIFY_DELAY;
	cmd.notify_delay_usec = usec;
	return ibv_cmd_modify_qp_ex(ibqp, attr, mask, &cmd.ibv_cmd, sizeof(cmd),
				    &resp.ibv_resp, sizeof(resp));
}

/*
 * A raw QP's move to ERR: the driver destroys the device's TXQ and RXQ
 * inside the command, but libibverbs marks the QP ERR only after we
 * return, so a post in between would ring a queue that is gone. Posts wait
 * on the queues' locks over the command and then find the QP in ERR: what
 * they posted is flushed like the rest.
 */
static int rdo_raw_modify_to_err(struct rdo_qp *qp, struct ibv_qp_attr *attr, int mask)
{
	struct ibv_qp *ibqp = &qp->vqp.qp;
	struct ibv_modify_qp cmd;
	int ret;

	pthread_spin_lock(&qp->sq.lock);
	pthread_spin_lock(&qp->rq.lock);
	ret = ibv_cmd_modify_qp(ibqp, attr, mask, &cmd, sizeof(cmd));
	if (!ret) {
		ibqp->state = IBV_QPS_ERR;
		rdo_raw_flush_start(qp);
	}
	pthread_spin_unlock(&qp->rq.lock);
	pthread_spin_unlock(&qp->sq.lock);
	return ret;
}

int rdo_modify_qp(struct ibv_qp *ibqp, struct ibv_qp_attr *attr, int mask)
{
	struct rdo_qp *qp = to_rqp(ibqp);
	struct rdo_context *ctx = to_rctx(ibqp->context);
	struct ibv_modify_qp cmd;
	int ret;

	if (qp->raw && (mask & IBV_QP_STATE) && attr->qp_state == IBV_QPS_ERR)
		return rdo_raw_modify_to_err(qp, attr, mask);
	if (ctx->notify_delay && !qp->raw && (mask & IBV_QP_STATE) &&
	    attr->qp_state == IBV_QPS_RTR &&
	    (qp->type == RDO_QPT_RC || qp->type == RDO_QPT_UC))
		ret = rdo_modify_qp_delay(ibqp, attr, mask, ctx->notify_delay);
	else
		ret = ibv_cmd_modify_qp(ibqp, attr, mask, &cmd, sizeof(cmd));
	if (ret)
		return ret;
	if (qp->raw && (mask & IBV_QP_STATE) && attr->qp_state == IBV_QPS_RESET) {
		rdo_raw_reset(qp);
		return 0;
	}
	if ((mask & IBV_QP_STATE) && attr->qp_state == IBV_QPS_RESET) {
		/* The device starts the queues over; forget what was in flight. */
		rdo_cq_forget_qp(to_rcq(ibqp->send_cq), ibqp->qp_num);
		if (ibqp->recv_cq != ibqp->send_cq)
			rdo_cq_forget_qp(to_rcq(ibqp->recv_cq), ibqp->qp_num);
		rdo_wq_reset(&qp->sq);
		rdo_wq_reset(&qp->rq);
	}
	return 0;
}

int rdo_query_qp(struct ibv_qp *ibqp, struct ibv_qp_attr *attr, int mask,
		 struct ibv_qp_init_attr *init)
{
	struct ibv_query_qp cmd;

	return ibv_cmd_query_qp(ibqp, attr, mask, init, &cmd, sizeof(cmd));
}

/* -------------------------------------------------------------- post --- */

/* A send WQE's flags from ibv_send_flags (inline is the body's business). */
uint8_t rdo_wqe_flags(const struct rdo_qp *qp, unsigned int send_flags)
{
	uint8_t f = 0;

	if ((send_flags & IBV_SEND_SIGNALED) || qp->sig_all)
		f |= RDO_WQE_F_SIGNALED;
	if (send_flags & IBV_SEND_SOLICITED)
		f |= RDO_WQE_F_SOLICITED;
	if (send_flags & IBV_SEND_FENCE)
		f |= RDO_WQE_F_FENCE;
	return f;
}

/*
 * The device's opcode for ibv opcode o, if a QP of this type may carry it
 * (the hardware interface's table, rdo_qp_wr_allowed); EINVAL otherwise.
 */
static int rdo_wr_opcode(const struct ibv_send_wr *wr, uint8_t qp_type, uint8_t *op)
{
	static const uint8_t map[] = {
		[IBV_WR_SEND] = RDO_WR_SEND,
		[IBV_WR_SEND_WITH_IMM] = RDO_WR_SEND_IMM,
		[IBV_WR_SEND_WITH_INV] = RDO_WR_SEND_INV,
		[IBV_WR_RDMA_WRITE] = RDO_WR_RDMA_WRITE,
		[IBV_WR_RDMA_WRITE_WITH_IMM] = RDO_WR_RDMA_WRITE_IMM,
		[IBV_WR_RDMA_READ] = RDO_WR_RDMA_READ,
		[IBV_WR_ATOMIC_CMP_AND_SWP] = RDO_WR_ATOMIC_CMP_SWP,
		[IBV_WR_ATOMIC_FETCH_AND_ADD] = RDO_WR_ATOMIC_FETCH_ADD,
		[IBV_WR_LOCAL_INV] = RDO_WR_LOCAL_INV,
		[IBV_WR_BIND_MW] = RDO_WR_BIND_MW,
	};
	unsigned int o = wr->opcode;

	if (o >= sizeof(map) || (o != IBV_WR_SEND && !map[o]) ||
	    !rdo_qp_wr_allowed(qp_type, map[o]))
		return EINVAL;
	*op = map[o];
	return 0;
}

/*
 * A window's rights: remote ones only (LOCAL_WRITE, which rdma-core's
 * callers often pass, means nothing for a window); not zero-based.
 */
int rdo_bind_mw_fill(struct rdo_send_wqe *wqe, const struct ibv_mw *mw,
		     uint32_t rkey, const struct ibv_mw_bind_info *info)
{
	struct rdo_bind_mw_wqe *b = (struct rdo_bind_mw_wqe *)wqe;
	unsigned int f = info->mw_access_flags;

	/* Only the tag may change: index and function are the device's. */
	if (!mw || (rkey & ~0xffu) != (mw->rkey & ~0xffu) ||
	    (info->length && !info->mr) ||
	    (f & ~(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
		   IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_ATOMIC)))
		return EINVAL;
	b->new_tag = rkey & 0xff;
	b->mw_key = mw->rkey;
	b->addr = info->addr;
	b->length = info->length;
	b->mr_key = info->length ? info->mr->lkey : 0;
	b->access = (f & IBV_ACCESS_REMOTE_WRITE ? RDO_ACCESS_REMOTE_WRITE : 0) |
		    (f & IBV_ACCESS_REMOTE_READ ? RDO_ACCESS_REMOTE_READ : 0) |
		    (f & IBV_ACCESS_REMOTE_ATOMIC ? RDO_ACCESS_REMOTE_ATOMIC : 0);
	return 0;
}

/*
 * ibv_bind_mw (type 1): a BIND_MW work request with the next key, as
 * rdma-core's providers do; the window's key is the new one from now on
 * (an error completion means the bind did not happen).
 */
int rdo_bind_mw(struct ibv_qp *qp, struct ibv_mw *mw, struct ibv_mw_bind *bind)
{
	struct ibv_send_wr wr = {
		.wr_id = bind->wr_id,
		.opcode = IBV_WR_BIND_MW,
		.send_flags = bind->send_flags,
		.bind_mw = { .mw = mw, .rkey = ibv_inc_rkey(mw->rkey),
			     .bind_info = bind->bind_info },
	};
	struct ibv_send_wr *bad;
	int ret;

	if (mw->type != IBV_MW_TYPE_1)
		return EINVAL;	/* type 2: ibv_post_send's IBV_WR_BIND_MW */
	ret = rdo_post_send(qp, &wr, &bad);
	if (!ret)
		mw->rkey = wr.bind_mw.rkey;
	return ret;
}

/*
 * Build the WQE for wr at SQ slot idx; returns its length in bytes (what a
 * push carries) or a negative errno.
 */
static int rdo_build_send(struct rdo_qp *qp, const struct ibv_send_wr *wr, uint32_t idx)
{
	struct rdo_send_wqe *wqe = rdo_ring_entry(&qp->sq.ring, idx);
	uint8_t *body = (uint8_t *)wqe + RDO_SEND_HDR;
	uint32_t len = 0;
	uint8_t op;
	int i, ret;

	ret = rdo_wr_opcode(wr, qp->type, &op);
	if (ret)
		return -ret;
	memset(wqe, 0, RDO_SEND_HDR);
	wqe->wr_id = idx;
	wqe->opcode = op;
	wqe->flags = rdo_wqe_flags(qp, wr->send_flags);
	switch (wr->opcode) {
	case IBV_WR_SEND_WITH_IMM:
	case IBV_WR_RDMA_WRITE_WITH_IMM:
		wqe->imm_or_rkey = be32toh(wr->imm_data);
		break;
	case IBV_WR_SEND_WITH_INV:
	case IBV_WR_LOCAL_INV:
		wqe->imm_or_rkey = wr->invalidate_rkey;
		break;
	case IBV_WR_RDMA_WRITE:
	case IBV_WR_RDMA_READ:
		wqe->remote_addr = wr->wr.rdma.remote_addr;
		wqe->rkey = wr->wr.rdma.rkey;
		break;
	case IBV_WR_ATOMIC_CMP_AND_SWP:
	case IBV_WR_ATOMIC_FETCH_AND_ADD:
		wqe->remote_addr = wr->wr.atomic.remote_addr;
		wqe->rkey = wr->wr.atomic.rkey;
		wqe->compare_add = wr->wr.atomic.compare_add;
		wqe->swap = wr->wr.atomic.swap;
		break;
	default:
		break;
	}
	if (wr->opcode == IBV_WR_RDMA_WRITE_WITH_IMM) {
		wqe->remote_addr = wr->wr.rdma.remote_addr;
		wqe->rkey = wr->wr.rdma.rkey;
	}
	if (wr->opcode == IBV_WR_BIND_MW) {
		ret = rdo_bind_mw_fill(wqe, wr->bind_mw.mw, wr->bind_mw.rkey,
				       &wr->bind_mw.bind_info);
		return ret ? -ret : RDO_SEND_HDR;
	}
	if (wr->opcode == IBV_WR_LOCAL_INV) {
		/* No data and no destination (a UD QP's segment stays zero). */
		if (qp->type == RDO_QPT_UD) {
			memset(body, 0, RDO_UD_SEG);
			body += RDO_UD_SEG;
		}
		return body - (uint8_t *)wqe;
	}
	if (qp->type == RDO_QPT_UD) {
		struct rdo_ud_seg *ud = (struct rdo_ud_seg *)body;

		if (!wr->wr.ud.ah)
			return -EINVAL;
		*ud = to_rah(wr->wr.ud.ah)->av;
		ud->dest_qpn = wr->wr.ud.remote_qpn;
		ud->qkey = wr->wr.ud.remote_qkey;
		body += RDO_UD_SEG;
	}

	if (wr->send_flags & IBV_SEND_INLINE) {
		for (i = 0; i < wr->num_sge; i++) {
			if (wr->sg_list[i].length > qp->max_inline - len)
				return -EINVAL;
			memcpy(body + len, (void *)(uintptr_t)wr->sg_list[i].addr,
			       wr->sg_list[i].length);
			len += wr->sg_list[i].length;
		}
		wqe->flags |= RDO_WQE_F_INLINE;
		wqe->inline_len = len;
		return body - (uint8_t *)wqe + align(len, 8);
	}
	if (wr->num_sge < 0 || (uint32_t)wr->num_sge > qp->sq.max_sge)
		return -EINVAL;
	for (i = 0; i < wr->num_sge; i++) {
		struct rdo_sge *sge = (struct rdo_sge *)body + i;

		sge->addr = wr->sg_list[i].addr;
		sge->length = wr->sg_list[i].length;
		sge->lkey = wr->sg_list[i].lkey;
	}
	wqe->num_sge = wr->num_sge;
	return body - (uint8_t *)wqe + wr->num_sge * sizeof(struct rdo_sge);
}

/*
 * RAM push (docs/programming-model.md "Push RAM"): the WQE, padded to 16
 * bytes (the ring slot has them), into the next slot of the push RAM page
 * as plain stores, its seal after it, then the trigger. The flushes keep
 * write-combined stores in that order, so the seal vouches for the WQE.
 */
static void rdo_push_ram(struct rdo_context *ctx, struct rdo_qp *qp,
			 uint32_t idx, uint32_t len)
{
	const uint8_t *src = rdo_ring_entry(&qp->sq.ring, idx);
	uint32_t span = rdo_push_ram_wqe_span(len);
	uint64_t trigger;
	uint8_t *slot;

	udma_to_device_barrier();	/* the ring copy first */
	pthread_spin_lock(&ctx->push_lock);
	ctx->push_slot ^= 1;
	slot = ctx->push_ram + RDO_PUSH_RAM_SLOT_OFFSET(ctx->push_slot);
	trigger = rdo_push_ram_trigger(qp->vqp.qp.qp_num, ctx->push_slot, len,
				       idx + 1);
	memcpy(slot, src, span);
	mmio_flush_writes();
	mmio_write64_le(slot + span, htole64(trigger));
	mmio_flush_writes();
	rdo_doorbell(ctx, RDO_DB_PUSH_RAM, trigger);
	pthread_spin_unlock(&ctx->push_lock);
}

/*
 * Push one WQE (the slot just built, len bytes): through push RAM if the
 * context has it, else the words into the push data area, then the
 * trigger with the new producer index. The ring copy is written first: the
 * device reads it for retransmission.
 */
static void rdo_push(struct rdo_context *ctx, struct rdo_qp *qp, uint32_t idx,
		     uint32_t len)
{
	const uint64_t *src = rdo_ring_entry(&qp->sq.ring, idx);
	uint32_t words = len / 8, i;

	if (ctx->push_ram && rdo_push_ram_fits(len)) {
		rdo_push_ram(ctx, qp, idx, len);
		return;
	}
	udma_to_device_barrier();
	pthread_spin_lock(&ctx->push_lock);
	for (i = 0; i < words; i++)
		mmio_write64_le(ctx->db + RDO_DB_PUSH_DATA + 8 * i, htole64(src[i]));
	rdo_doorbell(ctx, RDO_DB_PUSH_TRIGGER,
		     RDO_DB_VALUE(qp->vqp.qp.qp_num, words << RDO_DB_FLAGS_SHIFT, idx + 1));
	pthread_spin_unlock(&ctx->push_lock);
}

/*
 * Tell the device about the WQEs from start to the SQ's pi (the last one
 * last_len bytes long): push a lone WQE that fits, else ring the doorbell.
 * Under the SQ lock.
 */
void rdo_sq_ring(struct rdo_context *ctx, struct rdo_qp *qp, uint32_t start,
		 uint32_t last_len)
{
	if (qp->sq.pi - start == 1 && last_len <= ctx->push_max) {
		rdo_push(ctx, qp, start, align(last_len, 8));
		return;
	}
	udma_to_device_barrier();	/* WQEs before the doorbell */
	rdo_doorbell(ctx, RDO_DB_SQ, RDO_DB_VALUE(qp->vqp.qp.qp_num, 0, qp->sq.pi));
}

int rdo_post_send(struct ibv_qp *ibqp, struct ibv_send_wr *wr,
		  struct ibv_send_wr **bad_wr)
{
	struct rdo_context *ctx = to_rctx(ibqp->context);
	struct rdo_qp *qp = to_rqp(ibqp);
	struct rdo_wq *sq = &qp->sq;
	uint32_t size = 1u << sq->ring.log_size, start;
	int len = 0, ret = 0;

	/* A raw QP's TXQ exists from INIT; verbs want RTS for sends (in ERR
	 * they are flushed). */
	if (qp->raw ? ibqp->state != IBV_QPS_RTS && ibqp->state != IBV_QPS_ERR :
	    ibqp->state == IBV_QPS_RESET || ibqp->state == IBV_QPS_INIT ||
	    ibqp->state == IBV_QPS_RTR) {
		*bad_wr = wr;
		return EINVAL;
	}
	pthread_spin_lock(&sq->lock);
	start = sq->pi;
	for (; wr; wr = wr->next) {
		if (rdo_wq_full(sq)) {
			ret = ENOMEM;
			break;
		}
		len = qp->raw ? -rdo_raw_build_send(qp, wr, sq->pi) :
			rdo_build_send(qp, wr, sq->pi);
		if (len < 0) {
			ret = -len;
			break;
		}
		sq->wr_id[sq->pi & (size - 1)] = wr->wr_id;
		atomic_store_explicit((_Atomic uint32_t *)&sq->pi, sq->pi + 1,
				      memory_order_release);
	}
	if (sq->pi != start && qp->raw)
		rdo_raw_sq_ring(qp);
	else if (sq->pi != start)	/* after a bad WR, never a push (len is its error) */
		rdo_sq_ring(ctx, qp, start, ret ? UINT32_MAX : (uint32_t)len);
	pthread_spin_unlock(&sq->lock);
	if (ret)
		*bad_wr = wr;
	return ret;
}

/* The receive WQE for wr at slot idx of an RQ or SRQ (index in wr_id). */
void rdo_recv_wqe_fill(struct rdo_wq *wq, uint32_t idx, const struct ibv_recv_wr *wr)
{
	struct rdo_recv_wqe *wqe = rdo_ring_entry(&wq->ring, idx);
	struct rdo_sge *sge = (struct rdo_sge *)(wqe + 1);
	int i;

	memset(wqe, 0, RDO_RECV_HDR);
	wqe->wr_id = idx;
	wqe->num_sge = wr->num_sge;
	for (i = 0; i < wr->num_sge; i++) {
		sge[i].addr = wr->sg_list[i].addr;
		sge[i].length = wr->sg_list[i].length;
		sge[i].lkey = wr->sg_list[i].lkey;
	}
	wq->wr_id[idx & ((1u << wq->ring.log_size) - 1)] = wr->wr_id;
}

int rdo_post_recv(struct ibv_qp *ibqp, struct ibv_recv_wr *wr,
		  struct ibv_recv_wr **bad_wr)
{
	struct rdo_context *ctx = to_rctx(ibqp->context);
	struct rdo_qp *qp = to_rqp(ibqp);
	struct rdo_wq *rq = &qp->rq;
	uint32_t start;
	int ret = 0;

	if (qp->raw)
		return rdo_raw_post_recv(qp, wr, bad_wr);
	if (ibqp->state == IBV_QPS_RESET || qp->srq) {
		*bad_wr = wr;
		return EINVAL;
	}
	pthread_spin_lock(&rq->lock);
	start = rq->pi;
	for (; wr; wr = wr->next) {
		if (rdo_wq_full(rq)) {
			ret = ENOMEM;
			break;
		}
		if (wr->num_sge < 0 || (uint32_t)wr->num_sge > rq->max_sge) {
			ret = EINVAL;
			break;
		}
		rdo_recv_wqe_fill(rq, rq->pi, wr);
		atomic_store_explicit((_Atomic uint32_t *)&rq->pi, rq->pi + 1,
				      memory_order_release);
	}
	if (rq->pi != start) {
		udma_to_device_barrier();
		rdo_doorbell(ctx, RDO_DB_RQ, RDO_DB_VALUE(ibqp->qp_num, 0, rq->pi));
	}
	pthread_spin_unlock(&rq->lock);
	if (ret)
		*bad_wr = wr;
	return ret;
}
