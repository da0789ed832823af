// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: shared receive queues. An SRQ is a ring of receive WQEs
 * that QPs created with it take from in ring order; completions come on
 * each QP's receive CQ, in whatever order the QPs receive. A slot is
 * posted again only once its previous WQE completed (busy bitmap), so the
 * producer index never gets more than the ring ahead of what the device
 * has taken. A user SRQ's ring is the process's (rdo_uctx.c) and its
 * provider posts and tracks slots the same way.
 *
 * Partial buffer operation (SRQ_PARTIAL, the D10 buffer groups): the
 * device packs several messages of the SRQ's QPs into one buffer, one
 * completion each. The slot stays busy until the completion that gives
 * the buffer back (BUF_DONE): its wr_id is needed until then.
 */
#include <linux/bitmap.h>
#include <linux/interrupt.h>
#include <linux/slab.h>

#include "rdo_ib.h"
#include "rdma_offload-verbs.h"

#define RDO_RECV_HDR	sizeof(struct rdo_recv_wqe)

static int rdo_srq_user_ring(struct rdo_srq *srq, struct ib_udata *udata,
			     u32 *log_size, u32 *shift, u32 max_log)
{
	struct rdo_create_srq_req req;
	int ret;

	ret = rdo_udata_in(udata, &req, sizeof(req));
	if (ret)
		return ret;
	if (req.reserved0 || req.reserved1 || req.wqe_shift < *shift ||
	    req.wqe_shift > RDO_WQE_SHIFT_MAX || req.log_size < *log_size ||
	    req.log_size > max_log)
		return -EINVAL;
	*log_size = req.log_size;
	*shift = req.wqe_shift;
	return rdo_ring_from_user(srq->rdev, srq->ibsrq.device, &srq->wq.ring,
				  req.buf_addr, req.log_size, req.wqe_shift);
}

int rdo_create_srq(struct ib_srq *ibsrq, struct ib_srq_init_attr *init,
		   struct ib_udata *udata)
{
	struct rdo_dev *rdev = to_rdev(ibsrq->device);
	struct rdo_srq *srq = to_rsrq(ibsrq);
	struct ib_srq_attr *a = &init->attr;
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_CREATE_SRQ };
	struct rdo_create_srq_resp resp = {};
	u32 max_log = min_t(u32, rdev->attr.max_qp_log_size, RDO_QUEUE_LOG_SIZE_MAX);
	u32 max_sge = min_t(u32, rdev->attr.max_sge, RDO_MAX_RECV_SGE);
	u32 log_size, shift;
	int srqn, ret;

	if (init->srq_type != IB_SRQT_BASIC)
		return -EOPNOTSUPP;
	if (!a->max_wr || a->max_sge > max_sge || a->srq_limit)
		return -EINVAL;
	log_size = max(order_base_2(a->max_wr), 1);
	shift = max_t(u32, order_base_2(RDO_RECV_HDR + a->max_sge * sizeof(struct rdo_sge)), 4);
	if (log_size > max_log || shift > RDO_WQE_SHIFT_MAX)
		return -EINVAL;
	srq->rdev = rdev;
	srq->user = !!udata;
	spin_lock_init(&srq->wq.lock);
	if (udata) {
		ret = rdo_srq_user_ring(srq, udata, &log_size, &shift, max_log);
	} else {
		ret = rdo_ring_alloc(rdev, &srq->wq.ring, log_size, shift);
		if (!ret) {
			srq->wq.wr_id = kcalloc(1u << log_size, sizeof(u64), GFP_KERNEL);
			srq->busy = bitmap_zalloc(1u << log_size, GFP_KERNEL);
			if (!srq->wq.wr_id || !srq->busy)
				ret = -ENOMEM;
		}
	}
	if (ret)
		goto err_ring;
	srq->wq.max_sge = min_t(u32, ((1u << shift) - RDO_RECV_HDR) / sizeof(struct rdo_sge),
				max_sge);

	srqn = rdo_id_alloc(rdev, RDO_USE_SRQ, &rdev->srq_ida, 0, rdev->attr.max_srq - 1);
	if (srqn < 0) {
		ret = srqn;
		goto err_ring;
	}
	srq->srqn = srqn;
	cmd.obj = srqn;
	cmd.u.create_srq.ring_addr = rdo_ring_addr(&srq->wq.ring);
	cmd.u.create_srq.log_size = log_size;
	cmd.u.create_srq.wqe_shift = shift;
	cmd.u.create_srq.ring_flags = rdo_ring_flags(&srq->wq.ring);
	cmd.u.create_srq.db_page = rdo_udata_db_page(udata);
	cmd.u.create_srq.pdn = to_rpd(ibsrq->pd)->pdn;
	ret = xa_insert_irq(&rdev->srq_xa, srqn, srq, GFP_KERNEL);
	if (ret)
		goto err_ida;
	ret = rdo_cqp_exec(rdev, &cmd, NULL, NULL, 0);
	if (ret) {
		xa_erase_irq(&rdev->srq_xa, srqn);
		goto err_ida;
	}
	a->max_wr = 1u << log_size;
	a->max_sge = srq->wq.max_sge;
	if (udata) {
		resp.srqn = srqn;
		ret = rdo_udata_out(udata, &resp, sizeof(resp));
		if (ret) {
			rdo_destroy_srq(ibsrq, udata);
			return ret;
		}
	}
	return 0;
err_ida:
	rdo_id_free(rdev, RDO_USE_SRQ, &rdev->srq_ida, srqn);
err_ring:
	rdo_ring_free(rdev, &srq->wq.ring);
	kfree(srq->wq.wr_id);
	bitmap_free(srq->busy);
	return ret;
}

int rdo_destroy_srq(struct ib_srq *ibsrq, struct ib_udata *udata)
{
	struct rdo_srq *srq = to_rsrq(ibsrq);
	struct rdo_dev *rdev = srq->rdev;
	int ret = rdo_cqp_simple(rdev, RDO_CMD_DESTROY_SRQ, srq->srqn);

	xa_erase_irq(&rdev->srq_xa, srq->srqn);
	synchronize_irq(rdev->vectors[0].irq);	/* no SRQ_LIMIT event in flight */
	if (ret && !rdo_dead(rdev)) {
		dev_err(&rdev->pdev->dev, "DESTROY_SRQ %u failed; its ring is leaked\n",
			srq->srqn);
		return 0;
	}
	rdo_ring_free(rdev, &srq->wq.ring);
	kfree(srq->wq.wr_id);
	bitmap_free(srq->busy);
	rdo_id_free(rdev, RDO_USE_SRQ, &rdev->srq_ida, srq->srqn);
	return 0;
}

int rdo_query_srq(struct ib_srq *ibsrq, struct ib_srq_attr *attr)
{
	struct rdo_srq *srq = to_rsrq(ibsrq);

	attr->max_wr = 1u << srq->wq.ring.log_size;
	attr->max_sge = srq->wq.max_sge;
	attr->srq_limit = READ_ONCE(srq->limit);
	return 0;
}

/*
 * SRQ_PARTIAL: stride 2^shift (6..12), 0 off; the device says IN_USE
 * (-EBUSY) while it holds one of the SRQ's buffers.
 */
static int rdo_srq_partial(struct rdo_srq *srq, u8 shift)
{
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_SRQ_PARTIAL, .obj = srq->srqn };
	int ret;

	if (shift && (shift < RDO_SRQ_PARTIAL_SHIFT_MIN || shift > RDO_SRQ_PARTIAL_SHIFT_MAX))
		return -EINVAL;
	cmd.u.srq_partial.stride_shift = shift;
	ret = rdo_cqp_exec(srq->rdev, &cmd, NULL, NULL, 0);
	if (!ret)
		WRITE_ONCE(srq->partial_shift, shift);
	return ret;
}

int rdo_ib_srq_set_partial(struct ib_srq *ibsrq, u8 stride_shift)
{
	if (!ibsrq || !rdo_ib_device_is_rdo(ibsrq->device))
		return -EINVAL;
	return rdo_srq_partial(to_rsrq(ibsrq), stride_shift);
}
EXPORT_SYMBOL_GPL(rdo_ib_srq_set_partial);

/* The provider's driver data (rdo_modify_srq_req), if it sent any. */
static int rdo_modify_srq_udata(struct rdo_srq *srq, struct ib_udata *udata)
{
	struct rdo_modify_srq_req req;
	int ret;

	if (!udata || !udata->inlen)
		return 0;
	ret = rdo_udata_in(udata, &req, sizeof(req));
	if (ret)
		return ret;
	if ((req.comp_mask & ~RDO_MODIFY_SRQ_PARTIAL) || req.reserved0 || req.reserved1)
		return -EINVAL;
	if (!(req.comp_mask & RDO_MODIFY_SRQ_PARTIAL))
		return 0;
	return rdo_srq_partial(srq, req.stride_shift);
}

/*
 * IB_SRQ_LIMIT arms the device's SRQ limit (0 disarms); the device raises
 * RDO_EQE_SRQ_LIMIT once when fewer WQEs than the limit remain posted.
 * IB_SRQ_MAX_WR: the device cannot resize an SRQ, -EOPNOTSUPP.
 */
int rdo_modify_srq(struct ib_srq *ibsrq, struct ib_srq_attr *attr,
		   enum ib_srq_attr_mask mask, struct ib_udata *udata)
{
	struct rdo_srq *srq = to_rsrq(ibsrq);
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_MODIFY_SRQ, .obj = srq->srqn };
	int ret;

	if (mask & ~(IB_SRQ_MAX_WR | IB_SRQ_LIMIT))
		return -EINVAL;
	if (mask & IB_SRQ_MAX_WR)
		return -EOPNOTSUPP;
	ret = rdo_modify_srq_udata(srq, udata);
	if (ret)
		return ret;
	if (!(mask & IB_SRQ_LIMIT))
		return 0;
	if (attr->srq_limit > (1u << srq->wq.ring.log_size))
		return -EINVAL;
	cmd.u.modify_srq.limit = attr->srq_limit;
	/* Armed before the command: an event may come as soon as it runs. */
	WRITE_ONCE(srq->limit, attr->srq_limit);
	ret = rdo_cqp_exec(srq->rdev, &cmd, NULL, NULL, 0);
	if (ret)
		WRITE_ONCE(srq->limit, 0);
	return ret;
}

/* Interrupt context: the SRQ limit was reached; the device disarmed it. */
void rdo_ib_srq_event(struct rdo_dev *rdev, u32 srqn, u32 limit)
{
	struct rdo_srq *srq = xa_load(&rdev->srq_xa, srqn);
	struct ib_event ev;

	if (!srq) {
		dev_warn_ratelimited(&rdev->pdev->dev, "event for unknown SRQ %u\n", srqn);
		return;
	}
	WRITE_ONCE(srq->limit, 0);
	if (srq->ibsrq.event_handler) {
		ev.device = srq->ibsrq.device;
		ev.element.srq = &srq->ibsrq;
		ev.event = IB_EVENT_SRQ_LIMIT_REACHED;
		srq->ibsrq.event_handler(&ev, srq->ibsrq.srq_context);
	}
}

int rdo_post_srq_recv(struct ib_srq *ibsrq, const struct ib_recv_wr *wr,
		      const struct ib_recv_wr **bad_wr)
{
	struct rdo_srq *srq = to_rsrq(ibsrq);
	struct rdo_wq *wq = &srq->wq;
	u32 mask = (1u << wq->ring.log_size) - 1, start;
	unsigned long flags;
	int ret = 0;

	if (srq->user) {
		*bad_wr = wr;
		return -EOPNOTSUPP;	/* the process posts to its own ring */
	}
	spin_lock_irqsave(&wq->lock, flags);
	start = wq->pi;
	for (; wr; wr = wr->next) {
		if (test_bit(wq->pi & mask, srq->busy)) {
			ret = -ENOMEM;
			break;
		}
		/* The device keeps at most 4 SGEs of a partial buffer. */
		if (wr->num_sge > wq->max_sge ||
		    (READ_ONCE(srq->partial_shift) && wr->num_sge > RDO_SRQ_PARTIAL_MAX_SGE)) {
			ret = -EINVAL;
			break;
		}
		rdo_recv_wqe_fill(wq, wq->pi, wr);
		set_bit(wq->pi & mask, srq->busy);
		wq->pi++;
	}
	if (wq->pi != start && !rdo_dead(srq->rdev)) {
		wmb();	/* WQEs in memory before the device hears of them */
		rdo_db_write(srq->rdev, RDO_DB_SRQ, RDO_DB_VALUE(srq->srqn, 0, wq->pi));
	}
	spin_unlock_irqrestore(&wq->lock, flags);
	if (ret)
		*bad_wr = wr;
	return ret;
}

/*
 * The SRQ WQE a receive CQE names: posted and not yet given back; done
 * gives it back (rdo_cqe_buf_done).
 */
bool rdo_srq_complete(struct rdo_srq *srq, u64 idx64, u64 *wr_id, bool done)
{
	u32 slot = (u32)idx64 & ((1u << srq->wq.ring.log_size) - 1);

	if (!srq->busy || idx64 >> 32 || !test_bit(slot, srq->busy))
		return false;
	*wr_id = srq->wq.wr_id[slot];
	if (done)
		clear_bit(slot, srq->busy);
	return true;
}
