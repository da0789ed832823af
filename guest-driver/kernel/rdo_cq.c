// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: completion queues. A CQ is a ring the device writes CQEs
 * into (owner bit), bound to a completion EQ chosen by comp_vector. Polling
 * consumes CQEs and tells the device through the CQ doorbell; arming is the
 * same doorbell with ARM_NEXT or ARM_SOLICITED.
 *
 * A user CQ's ring is the process's memory and the provider polls and arms
 * it through the process's doorbell page; the kernel only delivers its
 * events.
 *
 * Each WQE carries the driver's queue index in place of the caller's wr_id
 * (the caller's is kept per slot), so a CQE names exactly which WQE it
 * completes, and the WQEs before it on a send queue that produced no CQE
 * (unsignaled) are known to be done too.
 */
#include <linux/interrupt.h>
#include <linux/slab.h>

#include "rdo_ib.h"
#include "rdma_offload-verbs.h"

static void rdo_cq_doorbell(struct rdo_cq *cq, u32 flags)
{
	/*
	 * While RESIZE_CQ runs the device may read it against the new ring;
	 * while MOVE_QP runs it goes to the destination's page after.
	 */
	if (cq->resizing || cq->moving) {
		cq->arm_deferred |= flags;
		return;
	}
	if (!rdo_dead(cq->rdev) && !cq->lost)
		rdo_db_write(cq->rdev, RDO_DB_CQ, RDO_DB_VALUE(cq->cqn, flags, cq->ci));
}

/*
 * The ring size of a CQ of at least `cqe` entries (one more, so a full ring
 * is told from an empty one), or the provider's own when it sized the
 * ring: no smaller, no larger than the device allows.
 */
static int rdo_cq_log_size(struct rdo_dev *rdev, int cqe, bool user,
			   u32 req_log_size, u32 req_reserved, u32 *log_size)
{
	u32 max_log = min_t(u32, rdev->attr.max_cq_log_size, RDO_QUEUE_LOG_SIZE_MAX);

	if (cqe < 1 || cqe >= (1 << max_log))
		return -EINVAL;
	*log_size = max(order_base_2(cqe + 1), 1);
	if (!user)
		return 0;
	if (req_reserved || req_log_size < *log_size || req_log_size > max_log)
		return -EINVAL;
	*log_size = req_log_size;
	return 0;
}

int rdo_create_cq(struct ib_cq *ibcq, const struct ib_cq_init_attr *attr,
		  struct ib_udata *udata)
{
	struct rdo_dev *rdev = to_rdev(ibcq->device);
	struct rdo_cq *cq = to_rcq(ibcq);
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_CREATE_CQ };
	unsigned int ncomp = rdo_comp_eqs(rdev);
	struct rdo_create_cq_req req = {};
	struct rdo_create_cq_resp resp = {};
	u32 log_size;
	int cqn, ret;

	if (attr->flags)
		return -EINVAL;
	if (udata) {
		ret = rdo_udata_in(udata, &req, sizeof(req));
		if (ret)
			return ret;
	}
	ret = rdo_cq_log_size(rdev, attr->cqe, udata, req.log_size, req.reserved,
			      &log_size);
	if (ret)
		return ret;

	cq->rdev = rdev;
	cq->home = rdev;
	cq->moving = false;
	cq->lost = false;
	cq->moved = NULL;
	cq->ci = 0;
	cq->error = false;
	cq->user = !!udata;
	cq->resizing = false;
	cq->arm_deferred = 0;
	cq->old = NULL;
	cq->old_n = cq->old_i = 0;
	spin_lock_init(&cq->lock);
	cq->eqn = ncomp ? 1 + attr->comp_vector % ncomp : 0;
	cqn = rdo_id_alloc(rdev, RDO_USE_CQ, &rdev->cq_ida, 0, rdev->attr.max_cq - 1);
	if (cqn < 0)
		return cqn;
	cq->cqn = cqn;
	if (udata)
		ret = rdo_ring_from_user(rdev, ibcq->device, &cq->ring, req.buf_addr,
					 log_size, RDO_CQE_SHIFT);
	else
		ret = rdo_ring_alloc(rdev, &cq->ring, log_size, RDO_CQE_SHIFT);
	if (ret)
		goto err_ida;
	ret = xa_insert_irq(&rdev->cq_xa, cqn, cq, GFP_KERNEL);
	if (ret)
		goto err_ring;

	cmd.obj = cqn;
	cmd.u.create_cq.ring_addr = rdo_ring_addr(&cq->ring);
	cmd.u.create_cq.log_size = log_size;
	cmd.u.create_cq.ring_flags = rdo_ring_flags(&cq->ring);
	cmd.u.create_cq.db_page = rdo_udata_db_page(udata);
	cmd.u.create_cq.eqn = cq->eqn;
	ret = rdo_cqp_exec(rdev, &cmd, NULL, NULL, 0);
	if (ret)
		goto err_xa;
	ibcq->cqe = (1 << log_size) - 1;
	if (udata) {
		resp.cqn = cqn;
		ret = rdo_udata_out(udata, &resp, sizeof(resp));
		if (ret)
			goto err_destroy;
	}
	return 0;
err_destroy:
	if (rdo_cqp_simple(rdev, RDO_CMD_DESTROY_CQ, cqn) && !rdo_dead(rdev)) {
		xa_erase_irq(&rdev->cq_xa, cqn);
		return ret;	/* the device may still write it: leak */
	}
err_xa:
	xa_erase_irq(&rdev->cq_xa, cqn);
err_ring:
	rdo_ring_free(rdev, &cq->ring);
err_ida:
	rdo_id_free(rdev, RDO_USE_CQ, &rdev->cq_ida, cqn);
	return ret;
}

int rdo_destroy_cq(struct ib_cq *ibcq, struct ib_udata *udata)
{
	struct rdo_cq *cq = to_rcq(ibcq);
	struct rdo_dev *rdev;
	int ret;

	/* Not lost with the function serving it meanwhile (rdo_move.c). */
	rdo_move_obj_lock();
	rdev = cq->rdev;
	if (cq->lost)
		goto free;	/* its function went after a move */
	ret = rdo_cqp_simple(rdev, RDO_CMD_DESTROY_CQ, cq->cqn);
	xa_erase_irq(&rdev->cq_xa, cq->cqn);
	/* No handler may still be delivering an event for it. */
	synchronize_irq(rdev->vectors[cq->eqn].irq);
	synchronize_irq(rdev->vectors[0].irq);
	if (ret && !rdo_dead(rdev)) {
		dev_err(&rdev->pdev->dev, "DESTROY_CQ %u failed: %d; its ring is leaked\n",
			cq->cqn, ret);
		goto out;
	}
	rdo_id_free(rdev, RDO_USE_CQ, &rdev->cq_ida, cq->cqn);
free:
	rdo_ring_free(cq->home, &cq->ring);
	kfree(cq->old);
out:
	rdo_move_obj_unlock(&cq->moved, cq);
	return 0;
}

/* Interrupt moderation (ib_modify_cq, ibv_modify_cq, DIM): MODIFY_CQ. */
int rdo_modify_cq(struct ib_cq *ibcq, u16 cq_count, u16 cq_period)
{
	struct rdo_cq *cq = to_rcq(ibcq);
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_MODIFY_CQ, .obj = cq->cqn };

	if (!rdo_cq_moderation_ok(cq->ring.log_size, cq_count, cq_period))
		return -EINVAL;
	cmd.u.modify_cq.moderation_count = cq_count;
	cmd.u.modify_cq.moderation_usec = cq_period;
	return rdo_cqp_exec(cq->rdev, &cmd, NULL, NULL, 0);
}

/*
 * RESIZE_CQ (docs/programming-model.md "Resizing a CQ"): no CQ doorbell
 * while the command runs; then what the old ring holds up to the end the
 * device returns is kept (kernel CQ) and polled first, the new ring from
 * index 0. A user CQ's provider does the same with its own rings and gets
 * the end in the response.
 */
int rdo_resize_cq(struct ib_cq *ibcq, int cqe, struct ib_udata *udata)
{
	struct rdo_cq *cq = to_rcq(ibcq);
	struct rdo_dev *rdev = cq->rdev;
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_RESIZE_CQ, .obj = cq->cqn };
	struct rdo_resize_cq_req req = {};
	struct rdo_resize_cq_resp resp = {};
	struct rdo_ring ring, old_ring;
	struct rdo_cqe *keep = NULL, *prev = NULL;
	unsigned long flags;
	u32 log_size, end = 0, n = 0;
	int ret;

	/* A moved CQ's ring is its first function's memory (rdo_move.c). */
	if (cq->home != rdev || cq->lost)
		return -EOPNOTSUPP;
	if (udata) {
		ret = rdo_udata_in(udata, &req, sizeof(req));
		if (ret)
			return ret;
	}
	ret = rdo_cq_log_size(rdev, cqe, udata, req.log_size, req.reserved,
			      &log_size);
	if (ret)
		return ret;
	if (udata) {
		ret = rdo_ring_from_user(rdev, ibcq->device, &ring, req.buf_addr,
					 log_size, RDO_CQE_SHIFT);
	} else {
		ret = rdo_ring_alloc(rdev, &ring, log_size, RDO_CQE_SHIFT);
		if (!ret) {
			/* Room for the old ring and what an earlier resize left. */
			keep = kcalloc((1u << cq->ring.log_size) + cq->old_n,
				       sizeof(*keep), GFP_KERNEL);
			if (!keep)
				ret = -ENOMEM;
		}
	}
	if (ret)
		goto err_ring;

	spin_lock_irqsave(&cq->lock, flags);
	if (cq->resizing) {
		spin_unlock_irqrestore(&cq->lock, flags);
		ret = -EBUSY;
		goto err_ring;
	}
	cq->resizing = true;
	spin_unlock_irqrestore(&cq->lock, flags);

	cmd.u.resize_cq.ring_addr = rdo_ring_addr(&ring);
	cmd.u.resize_cq.log_size = log_size;
	cmd.u.resize_cq.ring_flags = rdo_ring_flags(&ring);
	ret = rdo_cqp_exec(rdev, &cmd, &end, NULL, 0);

	spin_lock_irqsave(&cq->lock, flags);
	cq->resizing = false;
	if (!ret) {
		if (!cq->user) {
			/* Every entry before the end is written already. */
			for (; cq->old_i < cq->old_n; cq->old_i++)
				keep[n++] = cq->old[cq->old_i];
			for (; cq->ci != end && n < (1u << cq->ring.log_size) + cq->old_n;
			     cq->ci++) {
				struct rdo_cqe *e = rdo_ring_entry(&cq->ring, cq->ci);

				if (!rdo_sw_owns(&e->owner, cq->ci, cq->ring.log_size))
					break;
				dma_rmb();
				keep[n++] = *e;
			}
			prev = cq->old;
			cq->old = keep;
			cq->old_n = n;
			cq->old_i = 0;
			keep = NULL;
		}
		old_ring = cq->ring;
		cq->ring = ring;
		cq->ci = 0;
	}
	/*
	 * The consumer index (of whichever ring is current) and an arm asked
	 * for meanwhile; ARM_NEXT covers ARM_SOLICITED.
	 */
	if (!cq->user) {
		u32 arm = cq->arm_deferred;

		cq->arm_deferred = 0;
		rdo_cq_doorbell(cq, (arm & RDO_DB_CQ_ARM_NEXT) ? RDO_DB_CQ_ARM_NEXT : arm);
	}
	spin_unlock_irqrestore(&cq->lock, flags);
	if (ret)
		goto err_ring;
	kfree(prev);
	rdo_ring_free(rdev, &old_ring);
	ibcq->cqe = (1 << log_size) - 1;
	if (udata) {
		resp.old_end = end;
		return rdo_udata_out(udata, &resp, sizeof(resp));
	}
	return 0;
err_ring:
	if (ret != -ETIMEDOUT || rdo_dead(rdev))
		rdo_ring_free(rdev, &ring);	/* else the device may use it: leak */
	kfree(keep);
	return ret;
}

static enum ib_wc_opcode rdo_wc_opcode(u8 op)
{
	switch (op) {
	case RDO_CQE_SEND:		return IB_WC_SEND;
	case RDO_CQE_RDMA_WRITE:	return IB_WC_RDMA_WRITE;
	case RDO_CQE_RDMA_READ:		return IB_WC_RDMA_READ;
	case RDO_CQE_ATOMIC_CMP_SWP:	return IB_WC_COMP_SWAP;
	case RDO_CQE_ATOMIC_FETCH_ADD:	return IB_WC_FETCH_ADD;
	case RDO_CQE_LOCAL_INV:		return IB_WC_LOCAL_INV;
	case RDO_CQE_REG_MR:		return IB_WC_REG_MR;
	case RDO_CQE_BIND_MW:		return IB_WC_BIND_MW;
	case RDO_CQE_RECV_RDMA_WITH_IMM: return IB_WC_RECV_RDMA_WITH_IMM;
	default:			return IB_WC_RECV;
	}
}

/*
 * The WQE a CQE names: its index must be one posted and not yet completed.
 * Returns false (and the CQE is dropped) for anything else.
 */
static bool rdo_wq_complete(struct rdo_wq *wq, u64 idx64, u64 *wr_id)
{
	u32 idx = (u32)idx64, ci = READ_ONCE(wq->ci);

	if (!wq->wr_id || idx64 >> 32 || idx - ci >= READ_ONCE(wq->pi) - ci)
		return false;
	*wr_id = wq->wr_id[idx & ((1u << wq->ring.log_size) - 1)];
	smp_store_release(&wq->ci, idx + 1);
	return true;
}

/* One CQE into one ib_wc; false if it names nothing we know. */
static bool rdo_cqe_to_wc(struct rdo_cq *cq, const struct rdo_cqe *cqe,
			  struct ib_wc *wc)
{
	struct rdo_dev *rdev = cq->rdev;
	bool recv = cqe->opcode & RDO_CQE_RECV;
	struct rdo_qp *qp;
	struct rdo_wq *sq;

	qp = xa_load(&rdev->qp_xa, cqe->qpn);
	if (!qp)
		return false;	/* the QP was destroyed */
	memset(wc, 0, sizeof(*wc));
	/* A connection's send completions are its SSQ's, wc->qp the connection. */
	sq = qp->ssq ? &qp->ssq->sq : &qp->sq;
	if (recv && qp->srq ? !rdo_srq_complete(qp->srq, cqe->wr_id, &wc->wr_id,
						rdo_cqe_buf_done(cqe)) :
	    !rdo_wq_complete(recv ? &qp->rq : sq, cqe->wr_id, &wc->wr_id)) {
		struct rdo_wq *wq = recv ? &qp->rq : sq;

		dev_warn_ratelimited(&rdev->pdev->dev,
				     "CQ %u: CQE for QP %u names %s WQE %llu, not outstanding (ci %u, pi %u, opcode 0x%x, status %u)\n",
				     cq->cqn, cqe->qpn, recv && qp->srq ? "SRQ" : recv ? "receive" : "send",
				     cqe->wr_id, READ_ONCE(wq->ci), READ_ONCE(wq->pi),
				     cqe->opcode, cqe->status);
		return false;
	}
	/* A pool QP of the offloaded CM is connected once a receive came. */
	if (recv && !qp->srq && qp->cm && cqe->status == IB_WC_SUCCESS)
		rdo_cm_first_recv(qp, (u32)cqe->wr_id);
	wc->status = cqe->status <= IB_WC_GENERAL_ERR ? cqe->status : IB_WC_GENERAL_ERR;
	wc->opcode = rdo_wc_opcode(cqe->opcode);
	wc->vendor_err = cqe->vendor_err;
	wc->byte_len = cqe->byte_len;
	wc->qp = &qp->ibqp;
	wc->src_qp = cqe->src_qpn;
	wc->port_num = 1;
	if (cqe->flags & RDO_CQE_F_IMM) {
		wc->wc_flags |= IB_WC_WITH_IMM;
		wc->ex.imm_data = cpu_to_be32(cqe->imm_or_rkey);
	} else if (cqe->flags & RDO_CQE_F_INV) {
		wc->wc_flags |= IB_WC_WITH_INVALIDATE;
		wc->ex.invalidate_rkey = cqe->imm_or_rkey;
	}
	if (cqe->flags & RDO_CQE_F_GRH)
		wc->wc_flags |= IB_WC_GRH;
	/* Partial buffers: wc->src_qp (the CQE's union) holds the offset. */
	if (cqe->flags & RDO_CQE_F_OFFSET)
		wc->wc_flags |= RDO_WC_OFFSET;
	if (cqe->flags & RDO_CQE_F_BUF_DONE)
		wc->wc_flags |= RDO_WC_BUF_DONE;
	return true;
}

int rdo_poll_cq(struct ib_cq *ibcq, int num_entries, struct ib_wc *wc)
{
	struct rdo_cq *cq = to_rcq(ibcq);
	struct rdo_cqe *cqe, copy;
	unsigned long flags;
	u32 start;
	int n = 0;

	if (cq->user)
		return -EOPNOTSUPP;	/* the process polls its own ring */
	spin_lock_irqsave(&cq->lock, flags);
	/* CQEs the old ring held when the CQ was resized come first. */
	while (n < num_entries && cq->old_i < cq->old_n) {
		copy = cq->old[cq->old_i++];
		if (rdo_cqe_to_wc(cq, &copy, &wc[n]))
			n++;
	}
	start = cq->ci;
	while (n < num_entries) {
		cqe = rdo_ring_entry(&cq->ring, cq->ci);
		if (!rdo_sw_owns(&cqe->owner, cq->ci, cq->ring.log_size))
			break;
		dma_rmb();
		copy = *cqe;
		cq->ci++;
		if (rdo_cqe_to_wc(cq, &copy, &wc[n]))
			n++;
	}
	if (cq->ci != start)
		rdo_cq_doorbell(cq, 0);
	spin_unlock_irqrestore(&cq->lock, flags);
	return n;
}

int rdo_req_notify_cq(struct ib_cq *ibcq, enum ib_cq_notify_flags flags)
{
	struct rdo_cq *cq = to_rcq(ibcq);
	struct rdo_cqe *cqe;
	unsigned long irqflags;
	int ret = 0;

	if (cq->user)
		return -EOPNOTSUPP;	/* armed through the process's page */
	spin_lock_irqsave(&cq->lock, irqflags);
	rdo_cq_doorbell(cq, (flags & IB_CQ_SOLICITED_MASK) == IB_CQ_SOLICITED ?
			    RDO_DB_CQ_ARM_SOLICITED : RDO_DB_CQ_ARM_NEXT);
	if (flags & IB_CQ_REPORT_MISSED_EVENTS) {
		cqe = rdo_ring_entry(&cq->ring, cq->ci);
		if (rdo_sw_owns(&cqe->owner, cq->ci, cq->ring.log_size) ||
		    cq->resizing || cq->old_i < cq->old_n)
			ret = 1;
	}
	spin_unlock_irqrestore(&cq->lock, irqflags);
	return ret;
}

/* Interrupt context: a completion event or a CQ error for cqn. */
void rdo_ib_cq_event(struct rdo_dev *rdev, u32 cqn, bool error)
{
	struct rdo_cq *cq = xa_load(&rdev->cq_xa, cqn);
	struct ib_event ev;

	if (!cq && !error) {
		/*
		 * A completion event the device wrote before the CQ's owner
		 * let it go (a net_device queue going down, a CQ destroyed)
		 * can be seen after: expected, as on any NIC, so counted,
		 * not a warning. An error event for no CQ still is one.
		 */
		atomic64_inc(&rdev->stray_cq_events);
		dev_dbg_ratelimited(&rdev->pdev->dev, "completion event for unknown CQ %u\n", cqn);
		return;
	}
	if (!cq) {
		dev_warn_ratelimited(&rdev->pdev->dev, "error event for unknown CQ %u\n", cqn);
		return;
	}
	if (!error) {
		if (cq->ibcq.comp_handler)
			cq->ibcq.comp_handler(&cq->ibcq, cq->ibcq.cq_context);
		return;
	}
	cq->error = true;
	if (cq->ibcq.event_handler) {
		ev.device = cq->ibcq.device;
		ev.element.cq = &cq->ibcq;
		ev.event = IB_EVENT_CQ_ERR;
		cq->ibcq.event_handler(&ev, cq->ibcq.cq_context);
	}
}
