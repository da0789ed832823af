// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * rdma_offload provider: the ibv_wr_* posting API (ibv_qp_ex). wr_start
 * takes the SQ lock; each wr_<opcode> starts a WQE in the next slot (the
 * device does not look past the producer index it was told), the wr_set_*
 * calls fill its body, and wr_complete tells the device about them all
 * (pushing a lone WQE that fits) or, after an error, takes them back.
 */
#include <errno.h>
#include <string.h>

#include "rdo.h"

#define RDO_SEND_HDR	sizeof(struct rdo_send_wqe)
#define RDO_UD_SEG	sizeof(struct rdo_ud_seg)

static struct rdo_qp *qpx_to_rqp(struct ibv_qp_ex *qpx)
{
	return to_rqp(&qpx->qp_base);
}

/* Where a WQE's SGEs or inline data start. */
static uint32_t rdo_body_off(const struct rdo_qp *qp)
{
	return RDO_SEND_HDR + (qp->type == RDO_QPT_UD ? RDO_UD_SEG : 0);
}

/* Start a WQE of ibv opcode o in the next slot; NULL after an error. */
static struct rdo_send_wqe *rdo_wr_begin(struct ibv_qp_ex *qpx, unsigned int o,
					 uint8_t op)
{
	struct rdo_qp *qp = qpx_to_rqp(qpx);
	struct rdo_wq *sq = &qp->sq;
	uint32_t size = 1u << sq->ring.log_size;
	struct rdo_send_wqe *wqe;

	qp->wr_cur = NULL;
	if (qp->wr_err)
		return NULL;
	if (!rdo_qp_wr_allowed(qp->type, op)) {	/* the hardware interface's table */
		qp->wr_err = EINVAL;
		return NULL;
	}
	if (rdo_wq_full(sq)) {
		qp->wr_err = ENOMEM;
		return NULL;
	}
	wqe = rdo_ring_entry(&sq->ring, sq->pi);
	memset(wqe, 0, rdo_body_off(qp));
	wqe->wr_id = sq->pi;
	wqe->opcode = op;
	wqe->flags = rdo_wqe_flags(qp, qpx->wr_flags);
	sq->wr_id[sq->pi & (size - 1)] = qpx->wr_id;
	atomic_store_explicit((_Atomic uint32_t *)&sq->pi, sq->pi + 1, memory_order_release);
	qp->wr_cur = wqe;
	qp->wr_len = rdo_body_off(qp);
	return wqe;
}

static void rdo_wr_send(struct ibv_qp_ex *qpx)
{
	rdo_wr_begin(qpx, IBV_WR_SEND, RDO_WR_SEND);
}

static void rdo_wr_send_imm(struct ibv_qp_ex *qpx, __be32 imm)
{
	struct rdo_send_wqe *wqe = rdo_wr_begin(qpx, IBV_WR_SEND_WITH_IMM, RDO_WR_SEND_IMM);

	if (wqe)
		wqe->imm_or_rkey = be32toh(imm);
}

static void rdo_wr_send_inv(struct ibv_qp_ex *qpx, uint32_t rkey)
{
	struct rdo_send_wqe *wqe = rdo_wr_begin(qpx, IBV_WR_SEND_WITH_INV, RDO_WR_SEND_INV);

	if (wqe)
		wqe->imm_or_rkey = rkey;
}

static struct rdo_send_wqe *rdo_wr_remote(struct ibv_qp_ex *qpx, unsigned int o,
					  uint8_t op, uint32_t rkey, uint64_t addr)
{
	struct rdo_send_wqe *wqe = rdo_wr_begin(qpx, o, op);

	if (wqe) {
		wqe->rkey = rkey;
		wqe->remote_addr = addr;
	}
	return wqe;
}

static void rdo_wr_rdma_write(struct ibv_qp_ex *qpx, uint32_t rkey, uint64_t addr)
{
	rdo_wr_remote(qpx, IBV_WR_RDMA_WRITE, RDO_WR_RDMA_WRITE, rkey, addr);
}

static void rdo_wr_rdma_write_imm(struct ibv_qp_ex *qpx, uint32_t rkey,
				  uint64_t addr, __be32 imm)
{
	struct rdo_send_wqe *wqe = rdo_wr_remote(qpx, IBV_WR_RDMA_WRITE_WITH_IMM,
						 RDO_WR_RDMA_WRITE_IMM, rkey, addr);

	if (wqe)
		wqe->imm_or_rkey = be32toh(imm);
}

static void rdo_wr_rdma_read(struct ibv_qp_ex *qpx, uint32_t rkey, uint64_t addr)
{
	rdo_wr_remote(qpx, IBV_WR_RDMA_READ, RDO_WR_RDMA_READ, rkey, addr);
}

static void rdo_wr_atomic_cmp_swp(struct ibv_qp_ex *qpx, uint32_t rkey,
				  uint64_t addr, uint64_t compare, uint64_t swap)
{
	struct rdo_send_wqe *wqe = rdo_wr_remote(qpx, IBV_WR_ATOMIC_CMP_AND_SWP,
						 RDO_WR_ATOMIC_CMP_SWP, rkey, addr);

	if (wqe) {
		wqe->compare_add = compare;
		wqe->swap = swap;
	}
}

static void rdo_wr_atomic_fetch_add(struct ibv_qp_ex *qpx, uint32_t rkey,
				    uint64_t addr, uint64_t add)
{
	struct rdo_send_wqe *wqe = rdo_wr_remote(qpx, IBV_WR_ATOMIC_FETCH_AND_ADD,
						 RDO_WR_ATOMIC_FETCH_ADD, rkey, addr);

	if (wqe)
		wqe->compare_add = add;
}

static void rdo_wr_local_inv(struct ibv_qp_ex *qpx, uint32_t rkey)
{
	struct rdo_send_wqe *wqe = rdo_wr_begin(qpx, IBV_WR_LOCAL_INV, RDO_WR_LOCAL_INV);

	if (wqe)
		wqe->imm_or_rkey = rkey;
}

static void rdo_wr_bind_mw(struct ibv_qp_ex *qpx, struct ibv_mw *mw,
			   uint32_t rkey, const struct ibv_mw_bind_info *info)
{
	struct rdo_send_wqe *wqe = rdo_wr_begin(qpx, IBV_WR_BIND_MW, RDO_WR_BIND_MW);
	struct rdo_qp *qp = qpx_to_rqp(qpx);

	if (!wqe)
		return;
	qp->wr_err = rdo_bind_mw_fill(wqe, mw, rkey, info);
	qp->wr_len = RDO_SEND_HDR;
	qp->wr_cur = NULL;	/* no SGEs or inline data follow */
}

static void rdo_wr_set_ud_addr(struct ibv_qp_ex *qpx, struct ibv_ah *ah,
			       uint32_t remote_qpn, uint32_t remote_qkey)
{
	struct rdo_qp *qp = qpx_to_rqp(qpx);
	struct rdo_ud_seg *ud;

	if (!qp->wr_cur || qp->type != RDO_QPT_UD || !ah) {
		qp->wr_err = qp->wr_err ? qp->wr_err : EINVAL;
		return;
	}
	ud = (struct rdo_ud_seg *)(qp->wr_cur + 1);
	*ud = to_rah(ah)->av;
	ud->dest_qpn = remote_qpn;
	ud->qkey = remote_qkey;
}

static void rdo_wr_set_sge_list(struct ibv_qp_ex *qpx, size_t num, const struct ibv_sge *sg)
{
	struct rdo_qp *qp = qpx_to_rqp(qpx);
	struct rdo_sge *sge;
	size_t i;

	if (!qp->wr_cur || num > qp->sq.max_sge) {
		qp->wr_err = qp->wr_err ? qp->wr_err : EINVAL;
		return;
	}
	sge = (struct rdo_sge *)((uint8_t *)qp->wr_cur + rdo_body_off(qp));
	for (i = 0; i < num; i++) {
		sge[i].addr = sg[i].addr;
		sge[i].length = sg[i].length;
		sge[i].lkey = sg[i].lkey;
	}
	qp->wr_cur->num_sge = num;
	qp->wr_len = rdo_body_off(qp) + num * sizeof(struct rdo_sge);
}

static void rdo_wr_set_sge(struct ibv_qp_ex *qpx, uint32_t lkey, uint64_t addr,
			   uint32_t length)
{
	struct ibv_sge sge = { .addr = addr, .length = length, .lkey = lkey };

	rdo_wr_set_sge_list(qpx, 1, &sge);
}

static void rdo_wr_set_inline_data_list(struct ibv_qp_ex *qpx, size_t num,
					const struct ibv_data_buf *buf)
{
	struct rdo_qp *qp = qpx_to_rqp(qpx);
	uint8_t *body;
	uint32_t len = 0;
	size_t i;

	if (!qp->wr_cur) {
		qp->wr_err = qp->wr_err ? qp->wr_err : EINVAL;
		return;
	}
	body = (uint8_t *)qp->wr_cur + rdo_body_off(qp);
	for (i = 0; i < num; i++) {
		if (buf[i].length > qp->max_inline - len) {
			qp->wr_err = EINVAL;
			return;
		}
		memcpy(body + len, buf[i].addr, buf[i].length);
		len += buf[i].length;
	}
	qp->wr_cur->flags |= RDO_WQE_F_INLINE;
	qp->wr_cur->inline_len = len;
	qp->wr_len = rdo_body_off(qp) + align(len, 8);
}

static void rdo_wr_set_inline_data(struct ibv_qp_ex *qpx, void *addr, size_t length)
{
	struct ibv_data_buf buf = { .addr = addr, .length = length };

	rdo_wr_set_inline_data_list(qpx, 1, &buf);
}

void rdo_wr_start(struct ibv_qp_ex *qpx)
{
	struct rdo_qp *qp = qpx_to_rqp(qpx);

	pthread_spin_lock(&qp->sq.lock);
	qp->wr_start_pi = qp->sq.pi;
	qp->wr_cur = NULL;
	qp->raw_wr_open = false;
	qp->wr_err = 0;
}

void rdo_wr_abort(struct ibv_qp_ex *qpx)
{
	struct rdo_qp *qp = qpx_to_rqp(qpx);

	atomic_store_explicit((_Atomic uint32_t *)&qp->sq.pi, qp->wr_start_pi,
			      memory_order_release);
	pthread_spin_unlock(&qp->sq.lock);
}

static int rdo_wr_complete(struct ibv_qp_ex *qpx)
{
	struct rdo_qp *qp = qpx_to_rqp(qpx);
	enum ibv_qp_state state = qpx->qp_base.state;
	int err = qp->wr_err;

	if (!err && (state == IBV_QPS_RESET || state == IBV_QPS_INIT ||
		     state == IBV_QPS_RTR))
		err = EINVAL;
	if (err) {
		rdo_wr_abort(qpx);
		return err;
	}
	if (qp->sq.pi != qp->wr_start_pi)
		rdo_sq_ring(to_rctx(qpx->qp_base.context), qp, qp->wr_start_pi, qp->wr_len);
	pthread_spin_unlock(&qp->sq.lock);
	return 0;
}

#define RDO_WR_OPS (IBV_QP_EX_WITH_RDMA_WRITE | IBV_QP_EX_WITH_RDMA_WRITE_WITH_IMM | \
		    IBV_QP_EX_WITH_SEND | IBV_QP_EX_WITH_SEND_WITH_IMM | \
		    IBV_QP_EX_WITH_RDMA_READ | IBV_QP_EX_WITH_ATOMIC_CMP_AND_SWP | \
		    IBV_QP_EX_WITH_ATOMIC_FETCH_AND_ADD | IBV_QP_EX_WITH_LOCAL_INV | \
		    IBV_QP_EX_WITH_SEND_WITH_INV | IBV_QP_EX_WITH_BIND_MW)

/* Fill the QP's ibv_qp_ex for the opcodes asked for (all the device has). */
int rdo_wr_init(struct rdo_qp *qp, uint64_t send_ops_flags)
{
	struct ibv_qp_ex *qpx = &qp->vqp.qp_ex;

	if (send_ops_flags & ~(uint64_t)RDO_WR_OPS)
		return EOPNOTSUPP;
	qpx->wr_send = rdo_wr_send;
	qpx->wr_send_imm = rdo_wr_send_imm;
	qpx->wr_send_inv = rdo_wr_send_inv;
	qpx->wr_rdma_write = rdo_wr_rdma_write;
	qpx->wr_rdma_write_imm = rdo_wr_rdma_write_imm;
	qpx->wr_rdma_read = rdo_wr_rdma_read;
	qpx->wr_atomic_cmp_swp = rdo_wr_atomic_cmp_swp;
	qpx->wr_atomic_fetch_add = rdo_wr_atomic_fetch_add;
	qpx->wr_local_inv = rdo_wr_local_inv;
	qpx->wr_bind_mw = rdo_wr_bind_mw;
	qpx->wr_set_ud_addr = rdo_wr_set_ud_addr;
	qpx->wr_set_sge = rdo_wr_set_sge;
	qpx->wr_set_sge_list = rdo_wr_set_sge_list;
	qpx->wr_set_inline_data = rdo_wr_set_inline_data;
	qpx->wr_set_inline_data_list = rdo_wr_set_inline_data_list;
	qpx->wr_start = rdo_wr_start;
	qpx->wr_complete = rdo_wr_complete;
	qpx->wr_abort = rdo_wr_abort;
	return 0;
}
