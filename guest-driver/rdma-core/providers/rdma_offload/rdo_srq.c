// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * rdma_offload provider: shared receive queues. The ring is the process's;
 * posting writes receive WQEs (slot index in wr_id) and the new producer
 * index to the SRQ doorbell of the process's page. QPs take WQEs in ring
 * order but complete them in any order, so a slot is posted again only
 * once its WQE completed: the producer index then never gets more than
 * the ring ahead of what the device has taken. Under partial buffer
 * operation (rdodv.h) a slot stays busy until its buffer is given back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rdo.h"
#include "rdodv.h"

#define RDO_RECV_HDR	sizeof(struct rdo_recv_wqe)

struct ibv_srq *rdo_create_srq(struct ibv_pd *pd, struct ibv_srq_init_attr *attr)
{
	struct rdo_context *ctx = to_rctx(pd->context);
	struct rdo_ucmd_create_srq_resp resp = {};
	struct rdo_ucmd_create_srq cmd = {};
	struct rdo_srq *srq;
	int ret;
	uint32_t shift;

	if (!attr->attr.max_wr || attr->attr.max_sge > RDO_MAX_SGE || attr->attr.srq_limit) {
		errno = EINVAL;
		return NULL;
	}
	shift = rdo_log2_up(RDO_RECV_HDR + attr->attr.max_sge * sizeof(struct rdo_sge));
	if (shift < 4)
		shift = 4;
	srq = calloc(1, sizeof(*srq));
	if (!srq)
		return NULL;
	ret = rdo_wq_init(&srq->wq, attr->attr.max_wr, shift, ctx->max_qp_log);
	if (ret)
		goto err;
	srq->busy = calloc(1u << srq->wq.ring.log_size, 1);
	if (!srq->busy) {
		ret = ENOMEM;
		goto err_wq;
	}
	cmd.buf_addr = (uintptr_t)srq->wq.ring.buf;
	cmd.log_size = srq->wq.ring.log_size;
	cmd.wqe_shift = shift;
	ret = ibv_cmd_create_srq(pd, &srq->ibsrq, attr, &cmd.ibv_cmd, sizeof(cmd),
				 &resp.ibv_resp, sizeof(resp));
	if (ret)
		goto err_wq;
	srq->srqn = resp.srqn;
	srq->wq.max_sge = attr->attr.max_sge;
	return &srq->ibsrq;
err_wq:
	free(srq->busy);
	rdo_wq_fini(&srq->wq);
err:
	free(srq);
	errno = ret;
	return NULL;
}

int rdo_query_srq(struct ibv_srq *ibsrq, struct ibv_srq_attr *attr)
{
	struct ibv_query_srq cmd;

	return ibv_cmd_query_srq(ibsrq, attr, &cmd, sizeof(cmd));
}

/* IBV_SRQ_LIMIT arms the device's SRQ limit; the kernel refuses MAX_WR.
 * RDODV_SRQ_ATTR_PARTIAL (alone) is SRQ_PARTIAL, through driver data. */
int rdo_modify_srq(struct ibv_srq *ibsrq, struct ibv_srq_attr *attr, int mask)
{
	struct rdo_srq *srq = to_rsrq(ibsrq);
	struct rdo_ucmd_modify_srq pcmd = {};
	struct ibv_modify_srq cmd;
	int ret;

	if (!(mask & RDODV_SRQ_ATTR_PARTIAL))
		return ibv_cmd_modify_srq(ibsrq, attr, mask, &cmd, sizeof(cmd));
	if (mask != RDODV_SRQ_ATTR_PARTIAL || attr->srq_limit > UINT8_MAX)
		return EINVAL;
	pcmd.comp_mask = RDO_MODIFY_SRQ_PARTIAL;
	pcmd.stride_shift = attr->srq_limit;
	ret = ibv_cmd_modify_srq(ibsrq, attr, 0, &pcmd.ibv_cmd, sizeof(pcmd));
	if (!ret)
		atomic_store_explicit((_Atomic uint8_t *)&srq->partial_shift,
				      pcmd.stride_shift, memory_order_relaxed);
	return ret;
}

int rdo_destroy_srq(struct ibv_srq *ibsrq)
{
	struct rdo_srq *srq = to_rsrq(ibsrq);
	int ret = ibv_cmd_destroy_srq(ibsrq);

	if (ret)
		return ret;
	free(srq->busy);
	rdo_wq_fini(&srq->wq);
	free(srq);
	return 0;
}

int rdo_post_srq_recv(struct ibv_srq *ibsrq, struct ibv_recv_wr *wr,
		      struct ibv_recv_wr **bad_wr)
{
	struct rdo_srq *srq = to_rsrq(ibsrq);
	struct rdo_wq *wq = &srq->wq;
	uint32_t mask = (1u << wq->ring.log_size) - 1, start;
	int ret = 0;

	pthread_spin_lock(&wq->lock);
	start = wq->pi;
	for (; wr; wr = wr->next) {
		if (atomic_load_explicit((_Atomic uint8_t *)&srq->busy[wq->pi & mask],
					 memory_order_acquire)) {
			ret = ENOMEM;
			break;
		}
		/* The device keeps at most 4 SGEs of a partial buffer. */
		if (wr->num_sge < 0 || (uint32_t)wr->num_sge > wq->max_sge ||
		    (srq->partial_shift && wr->num_sge > RDO_SRQ_PARTIAL_MAX_SGE)) {
			ret = EINVAL;
			break;
		}
		rdo_recv_wqe_fill(wq, wq->pi, wr);
		srq->busy[wq->pi & mask] = 1;
		wq->pi++;
	}
	if (wq->pi != start) {
		udma_to_device_barrier();
		rdo_doorbell(to_rctx(ibsrq->context), RDO_DB_SRQ,
			     RDO_DB_VALUE(srq->srqn, 0, wq->pi));
	}
	pthread_spin_unlock(&wq->lock);
	if (ret)
		*bad_wr = wr;
	return ret;
}

/* The SRQ WQE a receive CQE names: posted and not yet given back; done
 * gives it back (rdo_cqe_buf_done). */
bool rdo_srq_complete(struct rdo_srq *srq, uint64_t idx64, uint64_t *wr_id,
		      bool done)
{
	uint32_t slot = (uint32_t)idx64 & ((1u << srq->wq.ring.log_size) - 1);

	if (idx64 >> 32 || !srq->busy[slot])
		return false;
	*wr_id = srq->wq.wr_id[slot];
	if (done)
		atomic_store_explicit((_Atomic uint8_t *)&srq->busy[slot], 0,
				      memory_order_release);
	return true;
}
