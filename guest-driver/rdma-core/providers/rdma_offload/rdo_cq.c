// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * rdma_offload provider: completion queues. The device writes CQEs with an
 * owner bit; polling reads them without a system call, and tells the
 * device how far it got through the CQ doorbell (so the device can tell a
 * full CQ). Arming is the same doorbell with ARM_NEXT or ARM_SOLICITED.
 *
 * A WQE's wr_id field carries the provider's slot index; the CQE returns
 * it, and the caller's wr_id is looked up per slot. A send CQE thus also
 * retires the unsignaled WQEs before it.
 *
 * ibv_create_cq_ex gives the same CQ the start_poll/next_poll/end_poll
 * interface: the lock is held from start_poll to end_poll, each completion
 * is converted once and its fields read from there. RoCE has no LIDs or
 * SLs (read as 0); the device has no completion timestamps.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rdo.h"
#include "rdodv.h"

#define RDO_CQE_SHIFT	5
static_assert(sizeof(struct rdo_cqe) == 1u << RDO_CQE_SHIFT, "cqe stride");

/* A CQ of at least cqe entries with its ring, not yet created. */
static struct rdo_cq *rdo_cq_alloc(struct rdo_context *ctx, int cqe)
{
	struct rdo_cq *cq;
	int ret;

	if (cqe < 1 || (uint32_t)cqe >= 1u << ctx->max_cq_log) {
		errno = EINVAL;
		return NULL;
	}
	cq = calloc(1, sizeof(*cq));
	if (!cq)
		return NULL;
	pthread_spin_init(&cq->lock, PTHREAD_PROCESS_PRIVATE);
	ret = rdo_ring_alloc(&cq->ring, rdo_log2_up(cqe + 1), RDO_CQE_SHIFT);
	if (!ret)
		return cq;
	pthread_spin_destroy(&cq->lock);
	free(cq);
	errno = ret;
	return NULL;
}

/* After the create command: its result, or the CQ freed on an error. */
static struct rdo_cq *rdo_cq_created(struct rdo_cq *cq, int err, uint32_t cqn)
{
	if (!err) {
		cq->cqn = cqn;
		return cq;
	}
	rdo_ring_free(&cq->ring);
	pthread_spin_destroy(&cq->lock);
	free(cq);
	errno = err;
	return NULL;
}

struct ibv_cq *rdo_create_cq(struct ibv_context *context, int cqe,
			     struct ibv_comp_channel *channel, int comp_vector)
{
	struct rdo_ucmd_create_cq_resp resp = {};
	struct rdo_ucmd_create_cq cmd = {};
	struct rdo_cq *cq = rdo_cq_alloc(to_rctx(context), cqe);
	int err;

	if (!cq)
		return NULL;
	cmd.buf_addr = (uintptr_t)cq->ring.buf;
	cmd.log_size = cq->ring.log_size;
	err = ibv_cmd_create_cq(context, cqe, channel, comp_vector, &cq->vcq.cq,
				&cmd.ibv_cmd, sizeof(cmd), &resp.ibv_resp,
				sizeof(resp));
	cq = rdo_cq_created(cq, err, resp.cqn);
	return cq ? &cq->vcq.cq : NULL;
}

int rdo_destroy_cq(struct ibv_cq *ibcq)
{
	struct rdo_cq *cq = to_rcq(ibcq);
	int ret = ibv_cmd_destroy_cq(ibcq);

	if (ret)
		return ret;
	rdo_ring_free(&cq->ring);
	rdo_ring_free(&cq->retired);
	free(cq->pend);
	pthread_spin_destroy(&cq->lock);
	free(cq);
	return 0;
}

/* Has the device written the CQE at free-running index idx? */
static struct rdo_cqe *rdo_cqe_ready(struct rdo_cq *cq, uint32_t idx)
{
	struct rdo_cqe *cqe = rdo_ring_entry(&cq->ring, idx);
	uint8_t owner = atomic_load_explicit((_Atomic uint8_t *)&cqe->owner,
					     memory_order_relaxed);

	if (!rdo_owner_is_sw(owner, idx, cq->ring.log_size))
		return NULL;
	udma_from_device_barrier();	/* the rest of the CQE after its owner bit */
	return cqe;
}

/* An Ethernet queue's CQE (a raw packet QP's), not an RDMA QP's. */
static bool rdo_cqe_is_eth(const struct rdo_cqe *cqe)
{
	return cqe->opcode == RDO_CQE_ETH_TX || cqe->opcode == RDO_CQE_ETH_RX;
}

static enum ibv_wc_opcode rdo_wc_opcode(uint8_t op)
{
	switch (op) {
	case RDO_CQE_SEND:		return IBV_WC_SEND;
	case RDO_CQE_RDMA_WRITE:	return IBV_WC_RDMA_WRITE;
	case RDO_CQE_RDMA_READ:		return IBV_WC_RDMA_READ;
	case RDO_CQE_ATOMIC_CMP_SWP:	return IBV_WC_COMP_SWAP;
	case RDO_CQE_ATOMIC_FETCH_ADD:	return IBV_WC_FETCH_ADD;
	case RDO_CQE_LOCAL_INV:		return IBV_WC_LOCAL_INV;
	case RDO_CQE_BIND_MW:		return IBV_WC_BIND_MW;
	case RDO_CQE_RECV_RDMA_WITH_IMM: return IBV_WC_RECV_RDMA_WITH_IMM;
	default:			return IBV_WC_RECV;
	}
}

/*
 * The WQE a CQE names must be posted and not yet completed; anything else
 * (a destroyed QP, a corrupt CQE) is dropped.
 */
bool rdo_wq_complete(struct rdo_wq *wq, uint64_t idx64, uint64_t *wr_id)
{
	uint32_t idx = (uint32_t)idx64, ci = wq->ci;
	uint32_t pi = atomic_load_explicit((_Atomic uint32_t *)&wq->pi,
					   memory_order_acquire);

	if (!wq->wr_id || idx64 >> 32 || idx - ci >= pi - ci)
		return false;
	*wr_id = wq->wr_id[idx & ((1u << wq->ring.log_size) - 1)];
	atomic_store_explicit((_Atomic uint32_t *)&wq->ci, idx + 1,
			      memory_order_release);
	return true;
}

static bool rdo_cqe_to_wc(struct rdo_context *ctx, const struct rdo_cqe *cqe,
			  struct ibv_wc *wc)
{
	bool recv = cqe->opcode & RDO_CQE_RECV;
	struct rdo_qp *qp;

	/* A raw packet QP's Ethernet queues: same size, the opcode tells. */
	if (rdo_cqe_is_eth(cqe))
		return rdo_raw_cqe_to_wc(ctx, (const struct rdo_eth_cqe *)cqe, wc);
	qp = rdo_qp_lookup(ctx, cqe->qpn);
	if (!qp || qp->raw)
		return false;
	memset(wc, 0, sizeof(*wc));
	if (recv && qp->srq ? !rdo_srq_complete(qp->srq, cqe->wr_id, &wc->wr_id,
						rdo_cqe_buf_done(cqe)) :
	    !rdo_wq_complete(recv ? &qp->rq : &qp->sq, cqe->wr_id, &wc->wr_id))
		return false;
	wc->status = cqe->status <= IBV_WC_GENERAL_ERR ? cqe->status : IBV_WC_GENERAL_ERR;
	wc->opcode = rdo_wc_opcode(cqe->opcode);
	wc->vendor_err = cqe->vendor_err;
	wc->byte_len = cqe->byte_len;
	wc->qp_num = cqe->qpn;
	wc->src_qp = cqe->src_qpn;
	if (cqe->flags & RDO_CQE_F_IMM) {
		wc->wc_flags |= IBV_WC_WITH_IMM;
		wc->imm_data = htobe32(cqe->imm_or_rkey);
	} else if (cqe->flags & RDO_CQE_F_INV) {
		wc->wc_flags |= IBV_WC_WITH_INV;
		wc->invalidated_rkey = cqe->imm_or_rkey;
	}
	if (cqe->flags & RDO_CQE_F_GRH)
		wc->wc_flags |= IBV_WC_GRH;
	/* Partial buffers: wc->src_qp (the CQE's union) holds the offset. */
	if (cqe->flags & RDO_CQE_F_OFFSET)
		wc->wc_flags |= RDODV_WC_OFFSET;
	if (cqe->flags & RDO_CQE_F_BUF_DONE)
		wc->wc_flags |= RDODV_WC_BUF_DONE;
	return true;
}

/* Under the lock: the next completion, from what the old ring held when
 * the CQ was resized first; CQEs naming nothing are dropped. */
static bool rdo_cq_next(struct rdo_context *ctx, struct rdo_cq *cq,
			struct ibv_wc *wc)
{
	struct rdo_cqe *cqe, copy;

	while (cq->pend_i < cq->pend_n) {
		copy = cq->pend[cq->pend_i++];
		if (rdo_cqe_to_wc(ctx, &copy, wc))
			return true;
	}
	for (;;) {
		/* A raw QP in ERR: its flushes after its last real CQE. */
		if (cq->raw_flushing && rdo_raw_flush_next(ctx, cq, wc))
			return true;
		cqe = rdo_cqe_ready(cq, cq->ci);
		if (!cqe)
			break;
		copy = *cqe;
		/* ci is read without the lock by the empty check of polling */
		atomic_store_explicit((_Atomic uint32_t *)&cq->ci, cq->ci + 1,
				      memory_order_relaxed);
		if (rdo_cqe_to_wc(ctx, &copy, wc))
			return true;
	}
	return false;
}

/* An empty CQ costs no lock: applications poll empty CQs in a loop, and
 * under TCG an atomic is a helper call. A stale ci only means looking
 * again. */
static bool rdo_cq_empty(struct rdo_cq *cq)
{
	return !atomic_load_explicit((_Atomic bool *)&cq->resized, memory_order_acquire) &&
	       !atomic_load_explicit((_Atomic uint32_t *)&cq->raw_flushing,
				     memory_order_relaxed) &&
	       !rdo_cqe_ready(cq, atomic_load_explicit((_Atomic uint32_t *)&cq->ci,
						       memory_order_relaxed));
}

int rdo_poll_cq(struct ibv_cq *ibcq, int ne, struct ibv_wc *wc)
{
	struct rdo_context *ctx = to_rctx(ibcq->context);
	struct rdo_cq *cq = to_rcq(ibcq);
	uint32_t start;
	int n = 0;

	if (rdo_cq_empty(cq))
		return 0;
	pthread_spin_lock(&cq->lock);
	start = cq->ci;
	while (n < ne && rdo_cq_next(ctx, cq, &wc[n]))
		n++;
	if (cq->ci != start)
		rdo_doorbell(ctx, RDO_DB_CQ, RDO_DB_VALUE(cq->cqn, 0, cq->ci));
	pthread_spin_unlock(&cq->lock);
	return n;
}

int rdo_req_notify_cq(struct ibv_cq *ibcq, int solicited_only)
{
	struct rdo_cq *cq = to_rcq(ibcq);

	pthread_spin_lock(&cq->lock);
	rdo_doorbell(to_rctx(ibcq->context), RDO_DB_CQ,
		     RDO_DB_VALUE(cq->cqn, solicited_only ? RDO_DB_CQ_ARM_SOLICITED :
							     RDO_DB_CQ_ARM_NEXT, cq->ci));
	pthread_spin_unlock(&cq->lock);
	return 0;
}

int rdo_modify_cq(struct ibv_cq *ibcq, struct ibv_modify_cq_attr *attr)
{
	struct ibv_modify_cq cmd = {};

	return ibv_cmd_modify_cq(ibcq, attr, &cmd, sizeof(cmd));
}

/*
 * ibv_resize_cq, the device's protocol (docs/programming-model.md
 * "Resizing a CQ"): a new zeroed ring; under the CQ lock (so no doorbell
 * of this CQ is written meanwhile) the kernel runs RESIZE_CQ and returns
 * the old ring's end; the CQEs up to it are copied aside and polled first,
 * then the new ring from index 0.
 */
int rdo_resize_cq(struct ibv_cq *ibcq, int cqe)
{
	struct rdo_context *ctx = to_rctx(ibcq->context);
	struct rdo_cq *cq = to_rcq(ibcq);
	struct rdo_ucmd_resize_cq_resp resp = {};
	struct rdo_ucmd_resize_cq cmd = {};
	struct rdo_ring ring = {};
	struct rdo_cqe *pend, *e;
	uint32_t log_size, n = 0;
	int ret;

	if (cqe < 1 || (uint32_t)cqe >= 1u << ctx->max_cq_log)
		return EINVAL;
	log_size = rdo_log2_up(cqe + 1);
	ret = rdo_ring_alloc(&ring, log_size, RDO_CQE_SHIFT);
	if (ret)
		return ret;
	pthread_spin_lock(&cq->lock);
	pend = malloc(((size_t)(cq->pend_n - cq->pend_i) +
		       (1u << cq->ring.log_size)) * sizeof(*pend) + 1);
	if (!pend) {
		ret = ENOMEM;
		goto out;
	}
	cmd.buf_addr = (uintptr_t)ring.buf;
	cmd.log_size = log_size;
	ret = ibv_cmd_resize_cq(ibcq, cqe, &cmd.ibv_cmd, sizeof(cmd),
				&resp.ibv_resp, sizeof(resp));
	if (ret) {
		free(pend);
		goto out;
	}
	while (cq->pend_i < cq->pend_n)
		pend[n++] = cq->pend[cq->pend_i++];
	for (; cq->ci != resp.old_end && (e = rdo_cqe_ready(cq, cq->ci)); cq->ci++)
		pend[n++] = *e;
	free(cq->pend);
	cq->pend = pend;
	cq->pend_n = n;
	cq->pend_i = 0;
	atomic_store_explicit((_Atomic bool *)&cq->resized, true, memory_order_release);
	rdo_ring_free(&cq->retired);
	cq->retired = cq->ring;
	cq->ring = ring;
	cq->ci = 0;
	rdo_raw_flush_rebase(ctx, cq);
	ring.buf = NULL;
out:
	pthread_spin_unlock(&cq->lock);
	rdo_ring_free(&ring);
	return ret;
}

/* Under the lock: the index past the last CQE the device has written. */
uint32_t rdo_cq_ready_end(struct rdo_cq *cq)
{
	uint32_t i = cq->ci;

	while (i - cq->ci < 1u << cq->ring.log_size && rdo_cqe_ready(cq, i))
		i++;
	return i;
}

/* Points a CQE of QP qpn (eth: of Ethernet queue qpn) at nothing. */
static void rdo_cqe_forget(struct rdo_cqe *cqe, bool eth, uint32_t qpn)
{
	struct rdo_eth_cqe *e = (struct rdo_eth_cqe *)cqe;

	if (rdo_cqe_is_eth(cqe) != eth)
		return;
	if (!eth && cqe->qpn == qpn)
		cqe->qpn = 0;
	else if (eth && e->queue == qpn)
		e->queue = UINT32_MAX;
}

static void rdo_cq_forget(struct rdo_cq *cq, bool eth, uint32_t qpn)
{
	struct rdo_cqe *cqe;
	uint32_t i;

	pthread_spin_lock(&cq->lock);
	for (i = cq->ci; i - cq->ci < 1u << cq->ring.log_size &&
			 (cqe = rdo_cqe_ready(cq, i)); i++)
		rdo_cqe_forget(cqe, eth, qpn);
	for (i = cq->pend_i; i < cq->pend_n; i++)
		rdo_cqe_forget(&cq->pend[i], eth, qpn);
	pthread_spin_unlock(&cq->lock);
}

/*
 * A destroyed QP's CQEs still in the ring would name a later QP that gets
 * the same number: point them at QP 0 (reserved), which polling drops.
 * The device writes none for it after DESTROY_QP.
 */
void rdo_cq_forget_qp(struct rdo_cq *cq, uint32_t qpn)
{
	rdo_cq_forget(cq, false, qpn);
}

/* Likewise for a raw packet QP's Ethernet queue: no queue has that number. */
void rdo_cq_forget_eth(struct rdo_cq *cq, uint32_t queue)
{
	rdo_cq_forget(cq, true, queue);
}

/* The ibv_cq_ex polling interface. */
static struct rdo_cq *ex_to_rcq(struct ibv_cq_ex *ex)
{
	return to_rcq(ibv_cq_ex_to_cq(ex));
}

static int rdo_ex_take(struct ibv_cq_ex *ex)
{
	struct rdo_cq *cq = ex_to_rcq(ex);

	if (!rdo_cq_next(to_rctx(ex->context), cq, &cq->cur))
		return ENOENT;
	ex->wr_id = cq->cur.wr_id;
	ex->status = cq->cur.status;
	return 0;
}

/* Tells the device how far polling got, and lets go of the CQ. */
static void rdo_ex_end_poll(struct ibv_cq_ex *ex)
{
	struct rdo_cq *cq = ex_to_rcq(ex);

	if (cq->ci != cq->poll_start)
		rdo_doorbell(to_rctx(ex->context), RDO_DB_CQ,
			     RDO_DB_VALUE(cq->cqn, 0, cq->ci));
	pthread_spin_unlock(&cq->lock);
}

static int rdo_ex_start_poll(struct ibv_cq_ex *ex, struct ibv_poll_cq_attr *attr)
{
	struct rdo_cq *cq = ex_to_rcq(ex);

	if (attr->comp_mask)
		return EINVAL;
	if (rdo_cq_empty(cq))
		return ENOENT;
	pthread_spin_lock(&cq->lock);
	cq->poll_start = cq->ci;
	if (!rdo_ex_take(ex))
		return 0;
	/* ENOENT: the caller does not call end_poll. */
	rdo_ex_end_poll(ex);
	return ENOENT;
}

static int rdo_ex_next_poll(struct ibv_cq_ex *ex)
{
	return rdo_ex_take(ex);
}

static enum ibv_wc_opcode rdo_ex_opcode(struct ibv_cq_ex *ex)
{
	return ex_to_rcq(ex)->cur.opcode;
}

static uint32_t rdo_ex_vendor_err(struct ibv_cq_ex *ex)
{
	return ex_to_rcq(ex)->cur.vendor_err;
}

static uint32_t rdo_ex_byte_len(struct ibv_cq_ex *ex)
{
	return ex_to_rcq(ex)->cur.byte_len;
}

/* The immediate, or the invalidated key (ibv_wc_read_invalidated_rkey). */
static __be32 rdo_ex_imm_data(struct ibv_cq_ex *ex)
{
	const struct ibv_wc *wc = &ex_to_rcq(ex)->cur;

	return wc->wc_flags & IBV_WC_WITH_INV ? htobe32(wc->invalidated_rkey) :
						wc->imm_data;
}

static uint32_t rdo_ex_qp_num(struct ibv_cq_ex *ex)
{
	return ex_to_rcq(ex)->cur.qp_num;
}

static uint32_t rdo_ex_src_qp(struct ibv_cq_ex *ex)
{
	return ex_to_rcq(ex)->cur.src_qp;
}

static unsigned int rdo_ex_wc_flags(struct ibv_cq_ex *ex)
{
	return ex_to_rcq(ex)->cur.wc_flags;
}

static uint32_t rdo_ex_zero32(struct ibv_cq_ex *ex)
{
	return 0;
}

static uint8_t rdo_ex_zero8(struct ibv_cq_ex *ex)
{
	return 0;
}

/* What the device can fill: everything of struct ibv_wc. */
#define RDO_CQ_EX_WC_FLAGS	IBV_WC_STANDARD_FLAGS

struct ibv_cq_ex *rdo_create_cq_ex(struct ibv_context *context,
				   struct ibv_cq_init_attr_ex *attr)
{
	struct rdo_ucmd_create_cq_ex_resp resp = {};
	struct rdo_ucmd_create_cq_ex cmd = {};
	struct ibv_cq_ex *ex;
	struct rdo_cq *cq;
	int err;

	/* No parent domains, timestamps or overrun-ignoring CQs. */
	if ((attr->wc_flags & ~(uint64_t)RDO_CQ_EX_WC_FLAGS) ||
	    (attr->comp_mask & ~IBV_CQ_INIT_ATTR_MASK_FLAGS) ||
	    ((attr->comp_mask & IBV_CQ_INIT_ATTR_MASK_FLAGS) &&
	     (attr->flags & ~IBV_CREATE_CQ_ATTR_SINGLE_THREADED))) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	cq = rdo_cq_alloc(to_rctx(context), attr->cqe);
	if (!cq)
		return NULL;
	cmd.buf_addr = (uintptr_t)cq->ring.buf;
	cmd.log_size = cq->ring.log_size;
	err = ibv_cmd_create_cq_ex(context, attr, &cq->vcq, &cmd.ibv_cmd,
				   sizeof(cmd), &resp.ibv_resp, sizeof(resp), 0);
	cq = rdo_cq_created(cq, err, resp.cqn);
	if (!cq)
		return NULL;
	ex = &cq->vcq.cq_ex;
	ex->start_poll = rdo_ex_start_poll;
	ex->next_poll = rdo_ex_next_poll;
	ex->end_poll = rdo_ex_end_poll;
	ex->read_opcode = rdo_ex_opcode;
	ex->read_vendor_err = rdo_ex_vendor_err;
	ex->read_wc_flags = rdo_ex_wc_flags;
	if (attr->wc_flags & IBV_WC_EX_WITH_BYTE_LEN)
		ex->read_byte_len = rdo_ex_byte_len;
	if (attr->wc_flags & IBV_WC_EX_WITH_IMM)
		ex->read_imm_data = rdo_ex_imm_data;
	if (attr->wc_flags & IBV_WC_EX_WITH_QP_NUM)
		ex->read_qp_num = rdo_ex_qp_num;
	if (attr->wc_flags & IBV_WC_EX_WITH_SRC_QP)
		ex->read_src_qp = rdo_ex_src_qp;
	if (attr->wc_flags & IBV_WC_EX_WITH_SLID)
		ex->read_slid = rdo_ex_zero32;
	if (attr->wc_flags & IBV_WC_EX_WITH_SL)
		ex->read_sl = rdo_ex_zero8;
	if (attr->wc_flags & IBV_WC_EX_WITH_DLID_PATH_BITS)
		ex->read_dlid_path_bits = rdo_ex_zero8;
	return ex;
}
