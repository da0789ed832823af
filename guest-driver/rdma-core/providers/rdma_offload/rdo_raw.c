// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * rdma_offload provider: raw packet QPs (IBV_QPT_RAW_PACKET). Such a QP is
 * a keyed Ethernet TXQ and RXQ of the device on the process's rings
 * (rdma_offload-abi.h, "IBV_QPT_RAW_PACKET"): the SQ holds struct
 * rdo_eth_tx_wqe and SGEs, the RQ struct rdo_eth_rx_wqe (or, for receive
 * WRs of several SGEs, the device's scatter WQEs, struct
 * rdo_eth_rx_sg_wqe and SGEs), both naming the process's MRs by lkey; completions are struct rdo_eth_cqe in the same
 * CQ rings as the RDMA ones (the opcode tells them apart). The doorbells
 * are RDO_DB_ETH_TXQ / RDO_DB_ETH_RXQ of the context's page with the
 * queue numbers the driver answered.
 *
 * The device has no inline data on Ethernet queues, so IBV_SEND_INLINE
 * and IBV_WR_TSO's header are copied into a per-slot bounce area that the
 * provider registers as an MR of the QP's PD and sends as the first SGE.
 * Every TX WQE completes on the device; unsignaled ones are retired
 * silently here. The ibv_wr_* API (SEND and TSO) builds the same WQEs as
 * ibv_post_send: wr_send or wr_send_tso opens a WR, its data setter
 * builds it. RX buffers complete in the order LRO fills them, not the
 * order they were posted, so each RQ slot is reused only once its own
 * completion came (as an SRQ's).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rdo.h"
#include "rdodv.h"

#define RDO_RAW_TX_HDR		sizeof(struct rdo_eth_tx_wqe)
#define RDO_RAW_BOUNCE		256	/* bytes per SQ slot: inline data, TSO headers */
/* SGEs of a receive WR: as many as the largest scatter WQE holds. */
#define RDO_RAW_RX_SGE_MAX	(((1u << RDO_WQE_SHIFT_MAX) - \
				  sizeof(struct rdo_eth_rx_sg_wqe)) / sizeof(struct rdo_sge))

/* The ibv_wr_* opcodes of raw QPs. */
#define RDO_RAW_WR_OPS		(IBV_QP_EX_WITH_SEND | IBV_QP_EX_WITH_TSO)

/* sq_kind[] of a slot: what its completion is. */
#define RDO_RAW_QUIET		(1u << 0)	/* unsignaled: no ibv_wc if it succeeded */
#define RDO_RAW_TSO		(1u << 1)	/* IBV_WC_TSO */

struct rdo_qp *rdo_raw_lookup(struct rdo_context *ctx, uint32_t queue)
{
	if (queue >= RDO_ETH_MAX_TXQ)
		return NULL;
	return atomic_load_explicit((_Atomic(struct rdo_qp *) *)&ctx->raw_qps[queue],
				    memory_order_acquire);
}

static void rdo_raw_table_set(struct rdo_context *ctx, uint32_t queue, struct rdo_qp *qp)
{
	if (queue < RDO_ETH_MAX_TXQ)
		atomic_store_explicit((_Atomic(struct rdo_qp *) *)&ctx->raw_qps[queue], qp,
				      memory_order_release);
}

static void rdo_raw_free(struct rdo_qp *qp)
{
	if (qp->bounce_mr)
		ibv_dereg_mr(qp->bounce_mr);
	free(qp->bounce);
	free(qp->rq_busy);
	free(qp->sq_kind);
	rdo_wq_fini(&qp->sq);
	rdo_wq_fini(&qp->rq);
	free(qp);
}

static void rdo_raw_wr_init(struct rdo_qp *qp);

struct ibv_qp *rdo_raw_create_qp(struct ibv_context *context,
				 struct ibv_qp_init_attr_ex *attr)
{
	struct rdo_context *ctx = to_rctx(context);
	struct rdo_ucmd_create_qp_resp resp = {};
	struct rdo_ucmd_create_qp cmd = {};
	struct ibv_qp_cap *cap = &attr->cap;
	uint32_t sq_shift, rq_shift, mask;
	struct rdo_qp *qp;
	int ret;

	/*
	 * No SRQ, no creation flags but the provider's LRO switch (rdodv.h)
	 * through the create flags; the WR API for SEND and TSO; a TSO
	 * header bound (any: headers beyond the bounce slot, the device's
	 * limit too, are refused at post whatever the bound).
	 */
	if (!check_comp_mask(attr->comp_mask, IBV_QP_INIT_ATTR_PD |
			     IBV_QP_INIT_ATTR_CREATE_FLAGS | IBV_QP_INIT_ATTR_SEND_OPS_FLAGS |
			     IBV_QP_INIT_ATTR_MAX_TSO_HEADER) ||
	    !(attr->comp_mask & IBV_QP_INIT_ATTR_PD) || attr->srq ||
	    ((attr->comp_mask & IBV_QP_INIT_ATTR_CREATE_FLAGS) &&
	     (attr->create_flags & ~RDODV_QP_CREATE_RAW_LRO)) ||
	    ((attr->comp_mask & IBV_QP_INIT_ATTR_SEND_OPS_FLAGS) &&
	     (attr->send_ops_flags & ~RDO_RAW_WR_OPS))) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	/*
	 * Receive WRs of several SGEs take the device's scatter WQEs, which
	 * LRO (one growing buffer) does not. The TX stride has room for the
	 * bounce SGE.
	 */
	if (cap->max_recv_sge > 1 && (attr->comp_mask & IBV_QP_INIT_ATTR_CREATE_FLAGS) &&
	    (attr->create_flags & RDODV_QP_CREATE_RAW_LRO)) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	if (cap->max_inline_data > RDO_RAW_BOUNCE || cap->max_send_sge > RDO_MAX_SGE ||
	    cap->max_recv_sge > RDO_RAW_RX_SGE_MAX) {
		errno = EINVAL;
		return NULL;
	}
	sq_shift = rdo_log2_up(RDO_RAW_TX_HDR + (cap->max_send_sge + 1) *
			       sizeof(struct rdo_sge));
	if (sq_shift < RDO_ETH_TX_WQE_SHIFT_MIN)
		sq_shift = RDO_ETH_TX_WQE_SHIFT_MIN;
	rq_shift = RDO_ETH_RX_WQE_SHIFT;
	if (cap->max_recv_sge > 1) {
		rq_shift = rdo_log2_up(sizeof(struct rdo_eth_rx_sg_wqe) +
				       cap->max_recv_sge * sizeof(struct rdo_sge));
		if (rq_shift < RDO_ETH_RX_SG_SHIFT_MIN)
			rq_shift = RDO_ETH_RX_SG_SHIFT_MIN;
	}

	qp = calloc(1, sizeof(*qp));
	if (!qp)
		return NULL;
	qp->raw = true;
	qp->sig_all = attr->sq_sig_all;
	if (attr->comp_mask & IBV_QP_INIT_ATTR_MAX_TSO_HEADER)
		qp->max_tso_header = attr->max_tso_header;
	if (attr->comp_mask & IBV_QP_INIT_ATTR_SEND_OPS_FLAGS)
		rdo_raw_wr_init(qp);
	ret = rdo_wq_init(&qp->sq, cap->max_send_wr, sq_shift, ctx->max_qp_log);
	if (ret)
		goto err;
	ret = rdo_wq_init(&qp->rq, cap->max_recv_wr, rq_shift, ctx->max_qp_log);
	if (ret)
		goto err;
	qp->rq_busy = calloc(1u << qp->rq.ring.log_size, 1);
	qp->sq_kind = calloc(1u << qp->sq.ring.log_size, 1);
	qp->bounce = malloc((size_t)RDO_RAW_BOUNCE << qp->sq.ring.log_size);
	ret = ENOMEM;
	if (!qp->rq_busy || !qp->sq_kind || !qp->bounce)
		goto err;
	qp->bounce_mr = ibv_reg_mr(attr->pd, qp->bounce,
				   (size_t)RDO_RAW_BOUNCE << qp->sq.ring.log_size,
				   IBV_ACCESS_LOCAL_WRITE);
	if (!qp->bounce_mr) {
		ret = errno ? errno : ENOMEM;
		goto err;
	}
	rdo_create_qp_rings(&cmd.drv_payload, qp, sq_shift, rq_shift);
	if ((attr->comp_mask & IBV_QP_INIT_ATTR_CREATE_FLAGS) &&
	    (attr->create_flags & RDODV_QP_CREATE_RAW_LRO))
		cmd.flags = RDO_CREATE_QP_F_RAW_LRO;
	/* The kernel takes no inline data: the bounce area is ours. */
	cap->max_inline_data = 0;
	/* The command takes neither (the flags went into cmd, the bound is ours). */
	mask = attr->comp_mask;
	attr->comp_mask &= ~(IBV_QP_INIT_ATTR_CREATE_FLAGS | IBV_QP_INIT_ATTR_MAX_TSO_HEADER);
	ret = ibv_cmd_create_qp_ex(context, &qp->vqp, attr, &cmd.ibv_cmd, sizeof(cmd),
				   &resp.ibv_resp, sizeof(resp));
	attr->comp_mask = mask;
	if (ret)
		goto err;
	if (!(resp.comp_mask & RDO_CREATE_QP_RESP_RAW) ||
	    resp.raw_txq >= RDO_ETH_MAX_TXQ || resp.raw_rxq >= RDO_ETH_MAX_RXQ ||
	    rdo_raw_lookup(ctx, resp.raw_rxq)) {
		ibv_cmd_destroy_qp(&qp->vqp.qp);
		ret = EPROTO;	/* a kernel without the raw half */
		goto err;
	}
	if (attr->comp_mask & IBV_QP_INIT_ATTR_SEND_OPS_FLAGS)
		qp->vqp.comp_mask |= VERBS_QP_EX;	/* the command cleared it */
	qp->raw_txq = resp.raw_txq;
	qp->raw_rxq = resp.raw_rxq;
	/* One SGE of the stride is the bounce area's. */
	qp->sq.max_sge = cap->max_send_sge - 1;
	cap->max_send_sge = qp->sq.max_sge;
	qp->rq.max_sge = cap->max_recv_sge;
	qp->max_inline = RDO_RAW_BOUNCE;
	cap->max_inline_data = RDO_RAW_BOUNCE;
	rdo_raw_table_set(ctx, qp->raw_rxq, qp);
	return &qp->vqp.qp;
err:
	rdo_raw_free(qp);
	errno = ret;
	return NULL;
}

/* No flush completions of the QP's to come in cq (RESET, destroy). */
static void rdo_raw_flush_stop(struct rdo_cq *cq, struct rdo_qp *qp)
{
	pthread_spin_lock(&cq->lock);
	if (&cq->vcq.cq == qp->vqp.qp.send_cq)
		qp->sq_flush = false;
	if (&cq->vcq.cq == qp->vqp.qp.recv_cq)
		qp->rq_flush = false;
	atomic_store_explicit((_Atomic uint32_t *)&cq->raw_flushing,
			      cq->raw_flushing & ~(1u << qp->raw_rxq), memory_order_relaxed);
	pthread_spin_unlock(&cq->lock);
}

/* Completions of the QP's queues still in its CQs name nothing now. */
static void rdo_raw_forget(struct rdo_qp *qp)
{
	struct ibv_qp *ibqp = &qp->vqp.qp;

	rdo_raw_flush_stop(to_rcq(ibqp->send_cq), qp);
	if (ibqp->recv_cq != ibqp->send_cq)
		rdo_raw_flush_stop(to_rcq(ibqp->recv_cq), qp);
	rdo_cq_forget_eth(to_rcq(ibqp->send_cq), qp->raw_txq);
	if (ibqp->recv_cq != ibqp->send_cq || qp->raw_rxq != qp->raw_txq)
		rdo_cq_forget_eth(to_rcq(ibqp->recv_cq), qp->raw_rxq);
}

/*
 * The SQ's (send) or RQ's outstanding WRs are to complete with
 * IBV_WC_WR_FLUSH_ERR in cq: after the CQEs the device wrote so far
 * (at_end: at the move to ERR, the last of the QP's among them) or,
 * for WRs posted in ERR, at once.
 */
static void rdo_raw_flush_arm(struct rdo_cq *cq, struct rdo_qp *qp, bool send,
			      bool at_end)
{
	uint32_t at;

	bool *armed = send ? &qp->sq_flush : &qp->rq_flush;
	uint32_t *flush_at = send ? &qp->sq_flush_at : &qp->rq_flush_at;

	pthread_spin_lock(&cq->lock);
	at = at_end ? rdo_cq_ready_end(cq) : cq->ci;
	/* Never before the QP's real CQEs a flush already waits for. */
	if (*armed && (int32_t)(*flush_at - at) > 0)
		at = *flush_at;
	*armed = true;
	*flush_at = at;
	atomic_store_explicit((_Atomic uint32_t *)&cq->raw_flushing,
			      cq->raw_flushing | 1u << qp->raw_rxq, memory_order_relaxed);
	pthread_spin_unlock(&cq->lock);
}

/*
 * The move to ERR: the driver destroyed the device's queues, so every CQE
 * of theirs is in the CQs now; what was posted and has none is flushed
 * after them, in the order it was posted.
 */
void rdo_raw_flush_start(struct rdo_qp *qp)
{
	rdo_raw_flush_arm(to_rcq(qp->vqp.qp.send_cq), qp, true, true);
	rdo_raw_flush_arm(to_rcq(qp->vqp.qp.recv_cq), qp, false, true);
}

/* A resized CQ polls from index 0 of its new ring (after the old CQEs). */
void rdo_raw_flush_rebase(struct rdo_context *ctx, struct rdo_cq *cq)
{
	uint32_t bits = cq->raw_flushing;
	struct rdo_qp *qp;

	for (; bits; bits &= bits - 1) {
		qp = rdo_raw_lookup(ctx, __builtin_ctz(bits));
		if (qp && qp->vqp.qp.send_cq == &cq->vcq.cq)
			qp->sq_flush_at = 0;
		if (qp && qp->vqp.qp.recv_cq == &cq->vcq.cq)
			qp->rq_flush_at = 0;
	}
}

static void rdo_raw_flush_wc(struct rdo_qp *qp, struct ibv_wc *wc, uint64_t wr_id,
			     enum ibv_wc_opcode opcode)
{
	memset(wc, 0, sizeof(*wc));
	wc->wr_id = wr_id;
	wc->status = IBV_WC_WR_FLUSH_ERR;
	wc->opcode = opcode;
	wc->qp_num = qp->vqp.qp.qp_num;
}

/* The SQ's oldest outstanding WR, flushed; false if none is left. */
static bool rdo_raw_flush_send(struct rdo_qp *qp, struct ibv_wc *wc)
{
	struct rdo_wq *sq = &qp->sq;
	uint32_t pi = atomic_load_explicit((_Atomic uint32_t *)&sq->pi,
					   memory_order_acquire);
	uint32_t slot = sq->ci & ((1u << sq->ring.log_size) - 1);

	if (sq->ci == pi)
		return false;
	rdo_raw_flush_wc(qp, wc, sq->wr_id[slot],
			 qp->sq_kind[slot] & RDO_RAW_TSO ? IBV_WC_TSO : IBV_WC_SEND);
	atomic_store_explicit((_Atomic uint32_t *)&sq->ci, sq->ci + 1,
			      memory_order_release);
	return true;
}

/* The RQ's oldest buffer the device never gave back, flushed. */
static bool rdo_raw_flush_recv(struct rdo_qp *qp, struct ibv_wc *wc)
{
	struct rdo_wq *rq = &qp->rq;
	uint32_t size = 1u << rq->ring.log_size, slot, i;
	uint32_t pi = atomic_load_explicit((_Atomic uint32_t *)&rq->pi,
					   memory_order_acquire);

	/* Slots in the order they were last posted: pi - size up to pi. */
	for (i = pi - size; i != pi; i++) {
		slot = i & (size - 1);
		if (!atomic_load_explicit((_Atomic uint8_t *)&qp->rq_busy[slot],
					  memory_order_acquire))
			continue;
		rdo_raw_flush_wc(qp, wc, rq->wr_id[slot], IBV_WC_RECV);
		atomic_store_explicit((_Atomic uint8_t *)&qp->rq_busy[slot], 0,
				      memory_order_release);
		return true;
	}
	return false;
}

/* Polling has passed index `at` of the CQ (and what a resize set aside). */
static bool rdo_raw_flush_due(const struct rdo_cq *cq, uint32_t at)
{
	return cq->pend_i == cq->pend_n && (int32_t)(cq->ci - at) >= 0;
}

/* Under cq's lock: the next flush completion of a raw QP in ERR, if due. */
bool rdo_raw_flush_next(struct rdo_context *ctx, struct rdo_cq *cq, struct ibv_wc *wc)
{
	uint32_t bits = cq->raw_flushing, q;
	bool send, recv;
	struct rdo_qp *qp;

	for (; bits; bits &= bits - 1) {
		q = __builtin_ctz(bits);
		qp = rdo_raw_lookup(ctx, q);
		send = qp && qp->vqp.qp.send_cq == &cq->vcq.cq && qp->sq_flush;
		recv = qp && qp->vqp.qp.recv_cq == &cq->vcq.cq && qp->rq_flush;
		if (send && rdo_raw_flush_due(cq, qp->sq_flush_at)) {
			if (rdo_raw_flush_send(qp, wc))
				return true;
			qp->sq_flush = send = false;
		}
		if (recv && rdo_raw_flush_due(cq, qp->rq_flush_at)) {
			if (rdo_raw_flush_recv(qp, wc))
				return true;
			qp->rq_flush = recv = false;
		}
		if (!send && !recv)
			atomic_store_explicit((_Atomic uint32_t *)&cq->raw_flushing,
					      cq->raw_flushing & ~(1u << q),
					      memory_order_relaxed);
	}
	return false;
}

int rdo_raw_destroy_qp(struct rdo_qp *qp)
{
	struct rdo_context *ctx = to_rctx(qp->vqp.qp.context);
	int ret = ibv_cmd_destroy_qp(&qp->vqp.qp);

	if (ret)
		return ret;
	rdo_raw_table_set(ctx, qp->raw_rxq, NULL);
	rdo_raw_forget(qp);
	rdo_raw_free(qp);
	return 0;
}

/*
 * After the move to RESET the driver has destroyed the queues (at ERR
 * already) and makes them anew, from index 0, at RESET->INIT: what was
 * posted, and flushes not yet polled, are forgotten.
 */
void rdo_raw_reset(struct rdo_qp *qp)
{
	rdo_raw_forget(qp);
	pthread_spin_lock(&qp->rq.lock);
	memset(qp->rq_busy, 0, 1u << qp->rq.ring.log_size);
	qp->rq.pi = 0;
	qp->rq.ci = 0;
	pthread_spin_unlock(&qp->rq.lock);
	pthread_spin_lock(&qp->sq.lock);
	qp->sq.pi = 0;
	qp->sq.ci = 0;
	pthread_spin_unlock(&qp->sq.lock);
}

/* SQ slot idx's bounce area: inline data or a TSO header. */
static uint8_t *rdo_raw_bounce(struct rdo_qp *qp, uint32_t idx)
{
	return qp->bounce + (size_t)(idx & ((1u << qp->sq.ring.log_size) - 1)) * RDO_RAW_BOUNCE;
}

/* A TSO header the bounce slot, the device and the QP's bound all take. */
static bool rdo_raw_tso_hdr_ok(const struct rdo_qp *qp, const void *hdr, uint32_t hdr_sz)
{
	return hdr && hdr_sz && hdr_sz <= RDO_RAW_BOUNCE &&
	       (!qp->max_tso_header || hdr_sz <= qp->max_tso_header);
}

/* IPv4 (after at most one 802.1Q tag)? The device's IP_CSUM wants it. */
static bool rdo_raw_ipv4(const uint8_t *frame, uint32_t len)
{
	uint32_t off = 12;

	if (len >= 18 && frame[12] == 0x81 && frame[13] == 0x00)
		off = 16;
	return len >= off + 2 && frame[off] == 0x08 && frame[off + 1] == 0x00;
}

/* Copies the gather list into the slot's bounce area; its length or -1. */
static int rdo_raw_gather(uint8_t *dst, uint32_t room, const struct ibv_sge *sg, int n)
{
	uint32_t len = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (sg[i].length > room - len)
			return -1;
		memcpy(dst + len, (void *)(uintptr_t)sg[i].addr, sg[i].length);
		len += sg[i].length;
	}
	return len;
}

/* The TX WQE for wr at SQ slot idx: 0 or an errno. */
int rdo_raw_build_send(struct rdo_qp *qp, const struct ibv_send_wr *wr, uint32_t idx)
{
	uint32_t slot = idx & ((1u << qp->sq.ring.log_size) - 1);
	struct rdo_eth_tx_wqe *wqe = rdo_ring_entry(&qp->sq.ring, idx);
	struct rdo_sge *sge = (struct rdo_sge *)(wqe + 1);
	uint8_t *bounce = rdo_raw_bounce(qp, idx);
	const uint8_t *frame = NULL;
	uint32_t frame_len = 0, n = 0;
	int i, len;

	if ((wr->opcode != IBV_WR_SEND && wr->opcode != IBV_WR_TSO) ||
	    wr->num_sge < 0 || (uint32_t)wr->num_sge > qp->sq.max_sge ||
	    (wr->send_flags & ~(IBV_SEND_SIGNALED | IBV_SEND_INLINE | IBV_SEND_IP_CSUM |
				IBV_SEND_SOLICITED)))
		return EINVAL;
	memset(wqe, 0, RDO_RAW_TX_HDR);
	wqe->wr_id = idx;
	qp->sq_kind[slot] = (wr->send_flags & IBV_SEND_SIGNALED) || qp->sig_all ?
			    0 : RDO_RAW_QUIET;
	if (wr->opcode == IBV_WR_TSO) {
		/* The header template travels as the first SGE, from the bounce area. */
		if (!rdo_raw_tso_hdr_ok(qp, wr->tso.hdr, wr->tso.hdr_sz) ||
		    !wr->tso.mss || (wr->send_flags & IBV_SEND_INLINE))
			return EINVAL;
		if (wr->tso.hdr != bounce)	/* the WR API copied it there already */
			memcpy(bounce, wr->tso.hdr, wr->tso.hdr_sz);
		wqe->flags = RDO_ETH_TX_F_TSO;
		wqe->mss = wr->tso.mss;
		wqe->hdr_len = wr->tso.hdr_sz;
		qp->sq_kind[slot] |= RDO_RAW_TSO;
		sge[n++] = (struct rdo_sge){ (uintptr_t)bounce, wr->tso.hdr_sz,
					     qp->bounce_mr->lkey };
	} else if (wr->send_flags & IBV_SEND_INLINE) {
		len = rdo_raw_gather(bounce, RDO_RAW_BOUNCE, wr->sg_list, wr->num_sge);
		if (len < 0)
			return EINVAL;
		sge[n++] = (struct rdo_sge){ (uintptr_t)bounce, len, qp->bounce_mr->lkey };
		frame = bounce;
		frame_len = len;
	}
	if (!(wr->send_flags & IBV_SEND_INLINE)) {
		for (i = 0; i < wr->num_sge; i++)
			sge[n++] = (struct rdo_sge){ wr->sg_list[i].addr, wr->sg_list[i].length,
						     wr->sg_list[i].lkey };
		if (wr->num_sge && wr->opcode == IBV_WR_SEND) {
			/* The caller's first bytes, read at their process address. */
			frame = (const uint8_t *)(uintptr_t)wr->sg_list[0].addr;
			frame_len = wr->sg_list[0].length;
		}
	}
	if (!n)
		return EINVAL;
	if ((wr->send_flags & IBV_SEND_IP_CSUM) && wr->opcode == IBV_WR_SEND)
		wqe->flags = RDO_ETH_TX_F_L4_CSUM |
			     (rdo_raw_ipv4(frame, frame_len) ? RDO_ETH_TX_F_IP_CSUM : 0);
	wqe->num_sge = n;
	return 0;
}

/*
 * Tells the device about the TX WQEs up to the SQ's pi. Under the SQ lock.
 * In ERR there is no TXQ: they are flushed.
 */
void rdo_raw_sq_ring(struct rdo_qp *qp)
{
	if (qp->vqp.qp.state == IBV_QPS_ERR) {
		rdo_raw_flush_arm(to_rcq(qp->vqp.qp.send_cq), qp, true, false);
		return;
	}
	udma_to_device_barrier();
	rdo_doorbell(to_rctx(qp->vqp.qp.context), RDO_DB_ETH_TXQ,
		     RDO_DB_VALUE(qp->raw_txq, 0, qp->sq.pi));
}

/* ------------------------------------------------ ibv_wr_* API --- */

static struct rdo_qp *rdo_raw_qpx(struct ibv_qp_ex *qpx)
{
	return to_rqp(&qpx->qp_base);
}

/* Opens a WR of opcode op in the next SQ slot; its data setter builds it. */
static bool rdo_raw_wr_open(struct rdo_qp *qp, struct ibv_qp_ex *qpx,
			    enum ibv_wr_opcode op)
{
	struct rdo_wq *sq = &qp->sq;

	if (qp->raw_wr_open && !qp->wr_err)	/* the last WR got no data */
		qp->wr_err = EINVAL;
	qp->raw_wr_open = false;
	if (qp->wr_err)
		return false;
	if (rdo_wq_full(sq)) {
		qp->wr_err = ENOMEM;
		return false;
	}
	memset(&qp->raw_wr, 0, sizeof(qp->raw_wr));
	qp->raw_wr.wr_id = qpx->wr_id;
	qp->raw_wr.opcode = op;
	qp->raw_wr.send_flags = qpx->wr_flags;
	qp->raw_wr_open = true;
	return true;
}

static void rdo_raw_wr_send(struct ibv_qp_ex *qpx)
{
	rdo_raw_wr_open(rdo_raw_qpx(qpx), qpx, IBV_WR_SEND);
}

/* The header is copied into the slot's bounce area at once (the caller's
 * buffer need not live until the data setter). */
static void rdo_raw_wr_send_tso(struct ibv_qp_ex *qpx, void *hdr, uint16_t hdr_sz,
				uint16_t mss)
{
	struct rdo_qp *qp = rdo_raw_qpx(qpx);
	uint8_t *bounce = rdo_raw_bounce(qp, qp->sq.pi);

	if (!rdo_raw_wr_open(qp, qpx, IBV_WR_TSO))
		return;
	if (!rdo_raw_tso_hdr_ok(qp, hdr, hdr_sz)) {
		qp->wr_err = EINVAL;
		return;
	}
	memcpy(bounce, hdr, hdr_sz);
	qp->raw_wr.tso.hdr = bounce;
	qp->raw_wr.tso.hdr_sz = hdr_sz;
	qp->raw_wr.tso.mss = mss;
}

/* The open WR's data: builds its WQE and takes the slot. */
static void rdo_raw_wr_data(struct rdo_qp *qp, struct ibv_sge *sg, size_t num,
			    bool inl)
{
	struct rdo_wq *sq = &qp->sq;
	int ret;

	if (!qp->raw_wr_open) {
		qp->wr_err = qp->wr_err ? qp->wr_err : EINVAL;
		return;
	}
	qp->raw_wr_open = false;
	qp->raw_wr.sg_list = sg;
	qp->raw_wr.num_sge = num;
	if (inl)
		qp->raw_wr.send_flags |= IBV_SEND_INLINE;
	ret = num > qp->sq.max_sge ? EINVAL : rdo_raw_build_send(qp, &qp->raw_wr, sq->pi);
	if (ret) {
		qp->wr_err = ret;
		return;
	}
	sq->wr_id[sq->pi & ((1u << sq->ring.log_size) - 1)] = qp->raw_wr.wr_id;
	atomic_store_explicit((_Atomic uint32_t *)&sq->pi, sq->pi + 1, memory_order_release);
}

static void rdo_raw_wr_set_sge_list(struct ibv_qp_ex *qpx, size_t num,
				    const struct ibv_sge *sg)
{
	rdo_raw_wr_data(rdo_raw_qpx(qpx), (struct ibv_sge *)sg, num, false);
}

static void rdo_raw_wr_set_sge(struct ibv_qp_ex *qpx, uint32_t lkey, uint64_t addr,
			       uint32_t length)
{
	struct ibv_sge sge = { .addr = addr, .length = length, .lkey = lkey };

	rdo_raw_wr_data(rdo_raw_qpx(qpx), &sge, 1, false);
}

static void rdo_raw_wr_set_inline_data_list(struct ibv_qp_ex *qpx, size_t num,
					    const struct ibv_data_buf *buf)
{
	struct rdo_qp *qp = rdo_raw_qpx(qpx);
	struct ibv_sge sg[RDO_MAX_SGE];
	size_t i;

	if (num > qp->sq.max_sge || num > RDO_MAX_SGE) {
		qp->raw_wr_open = false;
		qp->wr_err = qp->wr_err ? qp->wr_err : EINVAL;
		return;
	}
	for (i = 0; i < num; i++)
		sg[i] = (struct ibv_sge){ (uintptr_t)buf[i].addr, buf[i].length, 0 };
	rdo_raw_wr_data(qp, sg, num, true);
}

static void rdo_raw_wr_set_inline_data(struct ibv_qp_ex *qpx, void *addr, size_t length)
{
	struct ibv_data_buf buf = { .addr = addr, .length = length };

	rdo_raw_wr_set_inline_data_list(qpx, 1, &buf);
}

/* As ibv_post_send: RTS, or ERR (flushed); a WR without data is an error. */
static int rdo_raw_wr_complete(struct ibv_qp_ex *qpx)
{
	struct rdo_qp *qp = rdo_raw_qpx(qpx);
	enum ibv_qp_state state = qpx->qp_base.state;
	int err = qp->wr_err;

	if (!err && qp->raw_wr_open)
		err = EINVAL;
	if (!err && state != IBV_QPS_RTS && state != IBV_QPS_ERR)
		err = EINVAL;
	qp->raw_wr_open = false;
	if (err) {
		rdo_wr_abort(qpx);
		return err;
	}
	if (qp->sq.pi != qp->wr_start_pi)
		rdo_raw_sq_ring(qp);
	pthread_spin_unlock(&qp->sq.lock);
	return 0;
}

/* The raw QP's ibv_qp_ex: SEND and TSO (the only send ops create takes). */
static void rdo_raw_wr_init(struct rdo_qp *qp)
{
	struct ibv_qp_ex *qpx = &qp->vqp.qp_ex;

	qpx->wr_send = rdo_raw_wr_send;
	qpx->wr_send_tso = rdo_raw_wr_send_tso;
	qpx->wr_set_sge = rdo_raw_wr_set_sge;
	qpx->wr_set_sge_list = rdo_raw_wr_set_sge_list;
	qpx->wr_set_inline_data = rdo_raw_wr_set_inline_data;
	qpx->wr_set_inline_data_list = rdo_raw_wr_set_inline_data_list;
	qpx->wr_start = rdo_wr_start;
	qpx->wr_complete = rdo_raw_wr_complete;
	qpx->wr_abort = rdo_wr_abort;
}

/* A one-buffer RX WQE for wr at RQ index idx: 0 or an errno. */
static int rdo_raw_build_recv(struct rdo_qp *qp, const struct ibv_recv_wr *wr, uint32_t idx)
{
	struct rdo_eth_rx_wqe *wqe = rdo_ring_entry(&qp->rq.ring, idx);

	/* One buffer the device can fill with a frame of its minimum. */
	if (wr->num_sge != 1 || wr->sg_list[0].length < RDO_ETH_RX_BUF_MIN)
		return EINVAL;
	memset(wqe, 0, sizeof(*wqe));
	wqe->wr_id = idx;
	wqe->addr = wr->sg_list[0].addr;
	/* A longer buffer is used up to the device's largest. */
	wqe->length = wr->sg_list[0].length < RDO_ETH_RX_BUF_MAX ?
		      wr->sg_list[0].length : RDO_ETH_RX_BUF_MAX;
	wqe->lkey = wr->sg_list[0].lkey;
	return 0;
}

/*
 * A scatter RX WQE (several SGEs): the device fills them in order. SGEs
 * past the device's largest buffer are cut (as a single long one is);
 * together they must hold a frame of its minimum.
 */
static int rdo_raw_build_recv_sg(struct rdo_qp *qp, const struct ibv_recv_wr *wr,
				 uint32_t idx)
{
	struct rdo_eth_rx_sg_wqe *wqe = rdo_ring_entry(&qp->rq.ring, idx);
	struct rdo_sge *sge = (struct rdo_sge *)(wqe + 1);
	uint32_t room = RDO_ETH_RX_BUF_MAX, len;
	int i;

	if (wr->num_sge < 1 || (uint32_t)wr->num_sge > qp->rq.max_sge)
		return EINVAL;
	for (i = 0; i < wr->num_sge; i++) {
		len = wr->sg_list[i].length < room ? wr->sg_list[i].length : room;
		sge[i] = (struct rdo_sge){ wr->sg_list[i].addr, len, wr->sg_list[i].lkey };
		room -= len;
	}
	if (RDO_ETH_RX_BUF_MAX - room < RDO_ETH_RX_BUF_MIN)
		return EINVAL;
	memset(wqe, 0, sizeof(*wqe));
	wqe->wr_id = idx;
	wqe->num_sge = wr->num_sge;
	return 0;
}

int rdo_raw_post_recv(struct rdo_qp *qp, struct ibv_recv_wr *wr,
		      struct ibv_recv_wr **bad_wr)
{
	struct rdo_context *ctx = to_rctx(qp->vqp.qp.context);
	struct rdo_wq *rq = &qp->rq;
	uint32_t mask = (1u << rq->ring.log_size) - 1, start;
	bool scatter = rq->ring.shift != RDO_ETH_RX_WQE_SHIFT;
	int ret = 0;

	/* The device's RXQ exists from INIT to the move to RESET or ERR; in
	 * ERR what is posted is flushed. */
	if (qp->vqp.qp.state == IBV_QPS_RESET) {
		*bad_wr = wr;
		return EINVAL;
	}
	pthread_spin_lock(&rq->lock);
	start = rq->pi;
	for (; wr; wr = wr->next) {
		if (atomic_load_explicit((_Atomic uint8_t *)&qp->rq_busy[rq->pi & mask],
					 memory_order_acquire)) {
			ret = ENOMEM;
			break;
		}
		ret = scatter ? rdo_raw_build_recv_sg(qp, wr, rq->pi) :
				rdo_raw_build_recv(qp, wr, rq->pi);
		if (ret)
			break;
		rq->wr_id[rq->pi & mask] = wr->wr_id;
		qp->rq_busy[rq->pi & mask] = 1;
		rq->pi++;
	}
	if (rq->pi != start && qp->vqp.qp.state == IBV_QPS_ERR) {
		rdo_raw_flush_arm(to_rcq(qp->vqp.qp.recv_cq), qp, false, false);
	} else if (rq->pi != start) {
		udma_to_device_barrier();
		rdo_doorbell(ctx, RDO_DB_ETH_RXQ, RDO_DB_VALUE(qp->raw_rxq, 0, rq->pi));
	}
	pthread_spin_unlock(&rq->lock);
	if (ret)
		*bad_wr = wr;
	return ret;
}

/*
 * An Ethernet CQE as a work completion; false for one that names nothing
 * (a destroyed or reset QP's, a corrupt one) and for an unsignaled send
 * that succeeded.
 */
bool rdo_raw_cqe_to_wc(struct rdo_context *ctx, const struct rdo_eth_cqe *cqe,
		       struct ibv_wc *wc)
{
	struct rdo_qp *qp = rdo_raw_lookup(ctx, cqe->queue);
	uint32_t slot;

	if (!qp)
		return false;
	memset(wc, 0, sizeof(*wc));
	wc->status = cqe->status <= IBV_WC_GENERAL_ERR ? cqe->status : IBV_WC_GENERAL_ERR;
	wc->vendor_err = cqe->vendor_err;
	wc->qp_num = qp->vqp.qp.qp_num;
	if (cqe->opcode == RDO_CQE_ETH_TX) {
		if (cqe->queue != qp->raw_txq || !rdo_wq_complete(&qp->sq, cqe->wr_id, &wc->wr_id))
			return false;
		slot = (uint32_t)cqe->wr_id & ((1u << qp->sq.ring.log_size) - 1);
		wc->opcode = qp->sq_kind[slot] & RDO_RAW_TSO ? IBV_WC_TSO : IBV_WC_SEND;
		wc->byte_len = cqe->byte_len;
		return !(qp->sq_kind[slot] & RDO_RAW_QUIET) || wc->status != IBV_WC_SUCCESS;
	}
	slot = (uint32_t)cqe->wr_id & ((1u << qp->rq.ring.log_size) - 1);
	if (cqe->opcode != RDO_CQE_ETH_RX || cqe->wr_id >> 32 || !qp->rq_busy[slot])
		return false;
	wc->wr_id = qp->rq.wr_id[slot];
	atomic_store_explicit((_Atomic uint8_t *)&qp->rq_busy[slot], 0, memory_order_release);
	wc->opcode = IBV_WC_RECV;
	wc->byte_len = cqe->byte_len;
	/* What the device checked: both checksums of IPv4, the L4 one of IPv6. */
	if ((cqe->flags & RDO_ETH_CQE_F_L4_CSUM_OK) &&
	    (cqe->flags & (RDO_ETH_CQE_F_L3_CSUM_OK | RDO_ETH_CQE_F_IPV6)))
		wc->wc_flags |= IBV_WC_IP_CSUM_OK;
	/* LRO: the segments the buffer holds (rdodv_wc_lro_segs). */
	wc->src_qp = cqe->lro_segs ? cqe->lro_segs : 1;
	if (cqe->flags & RDO_ETH_CQE_F_LRO) {
		wc->wc_flags |= RDODV_WC_LRO;
		wc->pkey_index = cqe->lro_mss;
	}
	return true;
}

struct ibv_flow *rdo_create_flow(struct ibv_qp *ibqp, struct ibv_flow_attr *attr)
{
	struct ibv_flow *flow = calloc(1, sizeof(*flow));
	int ret;

	if (!flow)
		return NULL;
	ret = ibv_cmd_create_flow(ibqp, flow, attr, NULL, 0);
	if (!ret)
		return flow;
	free(flow);
	errno = ret;
	return NULL;
}

int rdo_destroy_flow(struct ibv_flow *flow)
{
	int ret = ibv_cmd_destroy_flow(flow);

	if (!ret)
		free(flow);
	return ret;
}
