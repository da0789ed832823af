// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: queue pairs, RC, UC and UD. The SQ and RQ are rings in
 * guest memory; posting writes WQEs (the driver's queue index in wr_id,
 * see rdo_cq.c) and then the new producer index to the QP's doorbell on
 * page 0, or, for a lone WQE that fits, the whole WQE through the page's
 * push area. A user QP's rings are the process's (rdo_uctx.c) and its
 * provider posts through the process's doorbell page. State changes are
 * MODIFY_QP commands, checked first against the IB state table
 * (ib_modify_qp_is_ok). A shared send queue and the connections it feeds
 * (rdma_offload-verbs.h) are QPs here too, with the particulars in
 * rdo_ssq.c.
 */
#include <linux/interrupt.h>
#include <linux/slab.h>
#include <rdma/ib_cache.h>
#include <rdma/rdma_netlink.h>

#include "rdo_ib.h"
#include "rdma_offload-verbs.h"

#define RDO_SEND_HDR		sizeof(struct rdo_send_wqe)
#define RDO_RECV_HDR		sizeof(struct rdo_recv_wqe)
#define RDO_UD_SEG		sizeof(struct rdo_ud_seg)

static_assert(sizeof(struct rdo_ud_seg) % sizeof(struct rdo_sge) == 0);

static int rdo_wq_alloc(struct rdo_dev *rdev, struct rdo_wq *wq, u32 wr,
			u32 shift, u32 max_log)
{
	u32 log_size = max(order_base_2(max(wr, 1u)), 1);

	if (log_size > max_log)
		return -EINVAL;
	spin_lock_init(&wq->lock);
	wq->pi = 0;
	wq->base = 0;
	wq->ci = 0;
	wq->wr_id = kcalloc(1u << log_size, sizeof(u64), GFP_KERNEL);
	if (!wq->wr_id)
		return -ENOMEM;
	if (rdo_ring_alloc(rdev, &wq->ring, log_size, shift)) {
		kfree(wq->wr_id);
		wq->wr_id = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void rdo_wq_free(struct rdo_dev *rdev, struct rdo_wq *wq)
{
	rdo_ring_free(rdev, &wq->ring);
	kfree(wq->wr_id);
	wq->wr_id = NULL;
}

/*
 * QP numbers go round (2 .. usable_qps - 1) rather than lowest first, so a
 * number is not reused right after its QP is gone: a peer's stale packets
 * and a CQ's leftover CQEs for it stay harmless for a long while (the
 * device keeps no generation per number).
 */
int rdo_qpn_alloc(struct rdo_dev *rdev)
{
	u32 first = READ_ONCE(rdev->next_qpn);
	int qpn;

	if (first < 2 || first >= rdev->usable_qps)
		first = 2;
	qpn = rdo_id_alloc(rdev, RDO_USE_QP, &rdev->qp_ida, first, rdev->usable_qps - 1);
	if (qpn == -ENOSPC && first > 2)
		qpn = rdo_id_alloc(rdev, RDO_USE_QP, &rdev->qp_ida, 2, rdev->usable_qps - 1);
	if (qpn >= 0)
		WRITE_ONCE(rdev->next_qpn, qpn + 1);
	return qpn;
}

/*
 * The rings of a user QP: the provider's buffers, with the geometry it
 * chose checked against what the capabilities need (sq_shift, rq_shift:
 * the least strides) and what the device takes.
 */
static int rdo_qp_user_rings(struct rdo_dev *rdev, struct rdo_qp *qp,
			     const struct ib_qp_cap *cap, struct ib_udata *udata,
			     u32 *sq_shift, u32 *rq_shift, u32 max_log)
{
	struct rdo_create_qp_req req;
	int ret;

	ret = rdo_udata_in(udata, &req, sizeof(req));
	if (ret)
		return ret;
	if (req.flags ||
	    req.sq_wqe_shift < *sq_shift || req.sq_wqe_shift > RDO_WQE_SHIFT_MAX ||
	    !req.sq_log_size || req.sq_log_size > max_log ||
	    (1u << req.sq_log_size) < cap->max_send_wr)
		return -EINVAL;
	if (qp->srq ? req.rq_log_size || req.rq_addr :
	    req.rq_wqe_shift < *rq_shift || req.rq_wqe_shift > RDO_WQE_SHIFT_MAX ||
	    !req.rq_log_size || req.rq_log_size > max_log ||
	    (1u << req.rq_log_size) < cap->max_recv_wr)
		return -EINVAL;
	*sq_shift = req.sq_wqe_shift;
	*rq_shift = req.rq_wqe_shift;
	spin_lock_init(&qp->sq.lock);
	spin_lock_init(&qp->rq.lock);
	ret = rdo_ring_from_user(rdev, qp->ibqp.device, &qp->sq.ring, req.sq_addr,
				 req.sq_log_size, req.sq_wqe_shift);
	if (ret)
		return ret;
	if (qp->srq)
		return 0;
	ret = rdo_ring_from_user(rdev, qp->ibqp.device, &qp->rq.ring, req.rq_addr,
				 req.rq_log_size, req.rq_wqe_shift);
	if (ret)
		rdo_ring_free(rdev, &qp->sq.ring);
	return ret;
}

static int rdo_qp_kernel_rings(struct rdo_dev *rdev, struct rdo_qp *qp,
			       const struct ib_qp_cap *cap, u32 sq_shift,
			       u32 rq_shift, u32 max_log)
{
	int ret = 0;

	/* A connection fed by an SSQ has no SQ, an SSQ no RQ. */
	if (!qp->ssq)
		ret = rdo_wq_alloc(rdev, &qp->sq, cap->max_send_wr, sq_shift, max_log);
	if (ret || qp->srq || qp->type == RDO_QPT_SSQ)
		return ret;
	ret = rdo_wq_alloc(rdev, &qp->rq, cap->max_recv_wr, rq_shift, max_log);
	if (ret)
		rdo_wq_free(rdev, &qp->sq);
	return ret;
}

/* create_qp once the QP's kind is known: rings, number, CREATE_QP. */
static int rdo_create_qp_rings(struct rdo_qp *qp, struct ib_qp_init_attr *init,
			       struct ib_udata *udata)
{
	struct ib_qp *ibqp = &qp->ibqp;
	struct rdo_dev *rdev = qp->rdev;
	struct ib_qp_cap *cap = &init->cap;
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_CREATE_QP };
	struct rdo_cmd_create_qp *c = &cmd.u.create_qp;
	struct rdo_create_qp_resp resp = {};
	u32 max_log = min_t(u32, rdev->attr.max_qp_log_size, RDO_QUEUE_LOG_SIZE_MAX);
	u32 max_sge = min_t(u32, rdev->attr.max_sge, RDO_MAX_RECV_SGE);
	bool gsi = init->qp_type == IB_QPT_GSI;
	u32 ud = init->qp_type == IB_QPT_UD || gsi ? RDO_UD_SEG : 0;
	u32 sq_shift, rq_shift, body;
	int qpn, ret;

	if (cap->max_send_sge > max_sge || cap->max_recv_sge > max_sge ||
	    cap->max_inline_data > rdev->attr.max_inline)
		return -EINVAL;

	body = max(cap->max_send_sge * (u32)sizeof(struct rdo_sge),
		   ALIGN(cap->max_inline_data, sizeof(struct rdo_sge)));
	sq_shift = max_t(u32, order_base_2(RDO_SEND_HDR + ud + body), 6);
	rq_shift = max_t(u32, order_base_2(RDO_RECV_HDR +
					   cap->max_recv_sge * sizeof(struct rdo_sge)), 4);
	if (sq_shift > RDO_WQE_SHIFT_MAX || rq_shift > RDO_WQE_SHIFT_MAX)
		return -EINVAL;

	qp->state = IB_QPS_RESET;
	qp->sq_sig_all = init->sq_sig_type == IB_SIGNAL_ALL_WR;
	qp->user = !!udata;
	qp->srq = init->srq ? to_rsrq(init->srq) : NULL;
	mutex_init(&qp->state_lock);
	if (udata)
		ret = rdo_qp_user_rings(rdev, qp, cap, udata, &sq_shift, &rq_shift,
					max_log);
	else
		ret = rdo_qp_kernel_rings(rdev, qp, cap, sq_shift, rq_shift, max_log);
	if (ret)
		return ret;
	if (qp->type == RDO_QPT_SSQ) {
		ret = rdo_ssq_alloc_slots(qp);
		if (ret)
			goto err_rings;
	}
	qp->sq.max_sge = ((1u << sq_shift) - RDO_SEND_HDR - ud) / sizeof(struct rdo_sge);
	qp->rq.max_sge = ((1u << rq_shift) - RDO_RECV_HDR) / sizeof(struct rdo_sge);
	qp->sq.max_sge = min(qp->sq.max_sge, max_sge);
	qp->rq.max_sge = min(qp->rq.max_sge, max_sge);
	qp->max_inline = min_t(u32, (1u << sq_shift) - RDO_SEND_HDR - ud,
			       rdev->attr.max_inline);
	if (qp->ssq) {
		qp->sq.max_sge = 0;
		qp->max_inline = 0;
	}

	if (gsi)
		qpn = rdo_id_alloc(rdev, RDO_USE_QP, &rdev->qp_ida, RDO_GSI_QPN, RDO_GSI_QPN);
	else
		qpn = rdo_qpn_alloc(rdev);
	if (qpn < 0) {
		ret = qpn;
		goto err_rings;
	}
	qp->qpn = qpn;
	ret = xa_insert_irq(&rdev->qp_xa, qpn, qp, GFP_KERNEL);
	if (ret)
		goto err_ida;

	cmd.obj = qpn;
	c->type = qp->type;
	c->flags = qp->sq_sig_all ? 0 : RDO_QP_F_SELECTIVE_SIGNAL;
	if (qp->srq) {
		c->flags |= RDO_QP_F_SRQ;
		c->srqn = qp->srq->srqn;
	}
	if (qp->ssq) {
		c->flags |= RDO_QP_F_SHARED_SQ;
		c->ssq_qpn = qp->ssq->qpn;
	}
	c->db_page = rdo_udata_db_page(udata);
	c->pdn = to_rpd(ibqp->pd)->pdn;
	c->send_cqn = to_rcq(init->send_cq)->cqn;
	c->recv_cqn = to_rcq(init->recv_cq ?: init->send_cq)->cqn;
	if (!qp->ssq) {
		c->sq_addr = rdo_ring_addr(&qp->sq.ring);
		c->sq_log_size = qp->sq.ring.log_size;
		c->sq_wqe_shift = sq_shift;
		c->sq_ring_flags = rdo_ring_flags(&qp->sq.ring);
		c->max_inline = qp->max_inline;
	}
	if (qp->rq.ring.log_size) {
		c->rq_addr = rdo_ring_addr(&qp->rq.ring);
		c->rq_log_size = qp->rq.ring.log_size;
		c->rq_wqe_shift = rq_shift;
		c->rq_ring_flags = rdo_ring_flags(&qp->rq.ring);
	}
	ret = rdo_cqp_exec(rdev, &cmd, NULL, NULL, 0);
	if (ret)
		goto err_xa;
	if (qp->type == RDO_QPT_SSQ) {
		ret = rdo_ssq_to_rts(qp);
		if (ret) {
			if (rdo_cqp_simple(rdev, RDO_CMD_DESTROY_QP, qpn) && !rdo_dead(rdev)) {
				xa_erase_irq(&rdev->qp_xa, qpn);
				return ret;	/* the device may still use it: leak */
			}
			goto err_xa;
		}
	}

	ibqp->qp_num = qpn;
	cap->max_send_wr = qp->ssq ? 0 : 1u << qp->sq.ring.log_size;
	cap->max_recv_wr = qp->rq.ring.log_size ? 1u << qp->rq.ring.log_size : 0;
	cap->max_send_sge = qp->sq.max_sge;
	cap->max_recv_sge = qp->rq.ring.log_size ? qp->rq.max_sge : 0;
	cap->max_inline_data = qp->max_inline;
	if (udata) {
		resp.qpn = qpn;
		resp.max_inline = qp->max_inline;
		ret = rdo_udata_out(udata, &resp, sizeof(resp));
		if (ret) {
			rdo_destroy_qp(ibqp, udata);
			return ret;
		}
	}
	return 0;
err_xa:
	xa_erase_irq(&rdev->qp_xa, qpn);
err_ida:
	rdo_id_free(rdev, RDO_USE_QP, &rdev->qp_ida, qpn);
err_rings:
	rdo_ssq_free_slots(qp);
	rdo_wq_free(rdev, &qp->rq);
	rdo_wq_free(rdev, &qp->sq);
	return ret;
}

int rdo_create_qp(struct ib_qp *ibqp, struct ib_qp_init_attr *init,
		  struct ib_udata *udata)
{
	struct rdo_qp *qp = to_rqp(ibqp);
	int ret;

	switch (init->qp_type) {
	case IB_QPT_RC:
		qp->type = RDO_QPT_RC;
		break;
	case IB_QPT_UC:
		qp->type = RDO_QPT_UC;
		break;
	case IB_QPT_UD:
	case IB_QPT_GSI:	/* the device's QP 1, for ib_core's MAD layer */
		qp->type = RDO_QPT_UD;
		break;
	case IB_QPT_RAW_PACKET:	/* an Ethernet queue pair (rdo_raw.c) */
		qp->type = RDO_QPT_RAW;
		qp->rdev = to_rdev(ibqp->device);
		qp->home = qp->rdev;
		qp->moved = NULL;
		return rdo_raw_qp_create(qp, init, udata);
	default:
		return -EOPNOTSUPP;
	}
	qp->rdev = to_rdev(ibqp->device);
	qp->home = qp->rdev;
	qp->moved = NULL;
	if (init->create_flags & ~(RDO_QP_CREATE_SSQ | RDO_QP_CREATE_SSQ_FED))
		return -EOPNOTSUPP;
	if (init->create_flags) {
		/* An SSQ, or a connection fed by one (linked to it on success). */
		ret = rdo_ssq_create_check(qp, init, udata);
		if (ret)
			return ret;
	} else if (!init->send_cq || !init->recv_cq) {
		return -EINVAL;
	}
	ret = rdo_create_qp_rings(qp, init, udata);
	if (ret)
		rdo_ssq_unlink(qp);
	return ret;
}

/* No poller of cq (if any) still holds a CQE it took for the QP going away. */
static void rdo_cq_quiesce(struct ib_cq *ibcq)
{
	if (!ibcq)
		return;
	spin_lock_irq(&to_rcq(ibcq)->lock);
	spin_unlock_irq(&to_rcq(ibcq)->lock);
}

int rdo_destroy_qp(struct ib_qp *ibqp, struct ib_udata *udata)
{
	struct rdo_qp *qp = to_rqp(ibqp);
	struct rdo_dev *rdev;
	int ret;

	if (qp->type == RDO_QPT_RAW)
		return rdo_raw_qp_destroy(qp);
	/* An SSQ still feeding connections stays; a connection drains first. */
	ret = rdo_ssq_destroy_begin(qp);
	if (ret)
		return ret;
	/* Not moved, and not lost with its function, meanwhile (rdo_move.c). */
	mutex_lock(&qp->state_lock);
	rdev = qp->rdev;
	/* A moved connection whose function went has nothing on the device. */
	ret = qp->lost ? 0 : rdo_cqp_simple(rdev, RDO_CMD_DESTROY_QP, qp->qpn);
	xa_erase_irq(&rdev->qp_xa, qp->qpn);
	/* Async events (EQ 0) and pollers may still hold the QP: wait them out. */
	synchronize_irq(rdev->vectors[0].irq);
	rdo_cq_quiesce(ibqp->send_cq);
	rdo_cq_quiesce(ibqp->recv_cq);
	rdo_ssq_unlink(qp);
	if (ret && !rdo_dead(rdev)) {
		dev_err(&rdev->pdev->dev, "DESTROY_QP %u failed: %d; its rings are leaked\n",
			qp->qpn, ret);
		goto out;
	}
	rdo_ssq_free_slots(qp);
	rdo_wq_free(qp->home, &qp->sq);
	rdo_wq_free(qp->home, &qp->rq);
	/* Moved: the number is taken in both functions. */
	if (rdev != qp->home)
		rdo_id_free(rdev, RDO_USE_QP, &rdev->qp_ida, qp->qpn);
	rdo_id_free(qp->home, RDO_USE_QP, &qp->home->qp_ida, qp->qpn);
out:
	rdo_move_obj_lock();
	rdo_move_obj_unlock(&qp->moved, qp);
	mutex_unlock(&qp->state_lock);
	return 0;
}

static const struct {
	int ib;
	u32 rdo;
} rdo_attr_map[] = {
	{ IB_QP_ACCESS_FLAGS, RDO_QP_ATTR_ACCESS },
	{ IB_QP_QKEY, RDO_QP_ATTR_QKEY },
	{ IB_QP_AV, RDO_QP_ATTR_AV },
	{ IB_QP_PATH_MTU, RDO_QP_ATTR_PATH_MTU },
	{ IB_QP_DEST_QPN, RDO_QP_ATTR_DEST_QPN },
	{ IB_QP_RQ_PSN, RDO_QP_ATTR_RQ_PSN },
	{ IB_QP_SQ_PSN, RDO_QP_ATTR_SQ_PSN },
	{ IB_QP_TIMEOUT, RDO_QP_ATTR_TIMEOUT },
	{ IB_QP_RETRY_CNT, RDO_QP_ATTR_RETRY_CNT },
	{ IB_QP_RNR_RETRY, RDO_QP_ATTR_RNR_RETRY },
	{ IB_QP_MIN_RNR_TIMER, RDO_QP_ATTR_MIN_RNR_TIMER },
	{ IB_QP_MAX_QP_RD_ATOMIC, RDO_QP_ATTR_MAX_RD_ATOMIC },
	{ IB_QP_MAX_DEST_RD_ATOMIC, RDO_QP_ATTR_MAX_DEST_RD_ATOMIC },
};

/* Attributes the device has no use for are accepted when they are trivial. */
#define RDO_QP_IGNORED	(IB_QP_STATE | IB_QP_CUR_STATE | IB_QP_PKEY_INDEX | \
			 IB_QP_PORT | IB_QP_EN_SQD_ASYNC_NOTIFY)

static int rdo_fill_modify(struct rdo_qp *qp, const struct ib_qp_attr *attr,
			   int mask, struct rdo_cmd_modify_qp *m)
{
	const struct ib_global_route *grh;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rdo_attr_map); i++) {
		if (mask & rdo_attr_map[i].ib)
			m->mask |= rdo_attr_map[i].rdo;
	}
	if (mask & ~(RDO_QP_IGNORED | IB_QP_ACCESS_FLAGS | IB_QP_QKEY | IB_QP_AV |
		     IB_QP_PATH_MTU | IB_QP_DEST_QPN | IB_QP_RQ_PSN | IB_QP_SQ_PSN |
		     IB_QP_TIMEOUT | IB_QP_RETRY_CNT | IB_QP_RNR_RETRY |
		     IB_QP_MIN_RNR_TIMER | IB_QP_MAX_QP_RD_ATOMIC |
		     IB_QP_MAX_DEST_RD_ATOMIC))
		return -EOPNOTSUPP;	/* alternate paths, rate limits */
	/*
	 * The port the QP is bound to. A QP never given one is port 1's, so
	 * port 1 goes to the device only to move a QP back from port 2: a
	 * device before two ports sees the commands it always saw.
	 */
	if (mask & IB_QP_PORT) {
		if (attr->port_num < 1 || attr->port_num > qp->rdev->ports)
			return -EINVAL;
		if (attr->port_num == 2 || qp->port == 2) {
			m->mask |= RDO_QP_ATTR_PORT;
			m->port = attr->port_num;
			qp->port = attr->port_num;
		}
	}
	if ((mask & IB_QP_PKEY_INDEX) && attr->pkey_index)
		return -EINVAL;

	m->access = rdo_access_conv(attr->qp_access_flags, false);
	m->qkey = attr->qkey;
	m->path_mtu = attr->path_mtu;
	m->dest_qpn = attr->dest_qp_num;
	m->rq_psn = attr->rq_psn;
	m->sq_psn = attr->sq_psn;
	m->timeout = attr->timeout;
	m->retry_cnt = attr->retry_cnt;
	m->rnr_retry = attr->rnr_retry;
	m->min_rnr_timer = attr->min_rnr_timer;
	/*
	 * Applications often ask for what the peer advertises (perftest
	 * passes on soft-RoCE's 128): clamp to what the device has rather
	 * than fail the connection. A peer that keeps more READs outstanding
	 * than 16 is answered as the device's responder limits it.
	 */
	m->max_rd_atomic = min_t(u8, attr->max_rd_atomic, RDO_MAX_RD_ATOMIC);
	m->max_dest_rd_atomic = min_t(u8, attr->max_dest_rd_atomic, RDO_MAX_RD_ATOMIC);
	if (mask & IB_QP_AV) {
		grh = rdma_ah_read_grh(&attr->ah_attr);
		if (attr->ah_attr.type != RDMA_AH_ATTR_TYPE_ROCE || !grh)
			return -EINVAL;
		memcpy(m->dmac, attr->ah_attr.roce.dmac, ETH_ALEN);
		memcpy(m->dgid, grh->dgid.raw, sizeof(m->dgid));
		m->sgid_index = grh->sgid_attr ? grh->sgid_attr->index : grh->sgid_index;
		m->hop_limit = grh->hop_limit;
		/* The DSCP; the device sets the ECN bits itself. */
		m->traffic_class = grh->traffic_class;
		/*
		 * The SL picks the QP's DMA flow class. As with the port, the
		 * bit goes only when it changes something: a device before
		 * flow classes sees the commands it always saw.
		 */
		m->flow_class = rdo_flow_class_of_sl(rdma_ah_get_sl(&attr->ah_attr));
		if (m->flow_class != qp->flow_class)
			m->mask |= RDO_QP_ATTR_FLOW_CLASS;
	}
	return 0;
}

/*
 * The QP's notification delay rides on the moves where the device takes
 * it once the driver has one: INIT to RTR (RC, UC), and for RC also into
 * RTS and SQD to SQD.
 */
static void rdo_fill_notify_delay(struct rdo_qp *qp, enum ib_qp_state cur,
				  enum ib_qp_state next,
				  struct rdo_cmd_modify_qp *m)
{
	bool rtr = cur == IB_QPS_INIT && next == IB_QPS_RTR;
	bool rc_later = qp->type == RDO_QPT_RC &&
			(next == IB_QPS_RTS ||
			 (cur == IB_QPS_SQD && next == IB_QPS_SQD));

	if (!qp->notify_delay_usec || !(rtr || rc_later) ||
	    (qp->type != RDO_QPT_RC && qp->type != RDO_QPT_UC))
		return;
	m->mask |= RDO_QP_ATTR_NOTIFY_DELAY;
	m->notify_delay_usec = qp->notify_delay_usec;
}

/* The provider's driver data: the notification delay, if asked for. */
static int rdo_modify_udata(struct rdo_qp *qp, struct ib_udata *udata)
{
	struct rdo_modify_qp_req req = {};
	int ret;

	if (!udata || !udata->inlen)
		return 0;
	if (udata->inlen < sizeof(req))
		return -EINVAL;
	/* A newer provider's fields this driver does not know must be 0. */
	if (udata->inlen > sizeof(req) &&
	    !ib_is_udata_cleared(udata, sizeof(req), udata->inlen - sizeof(req)))
		return -EOPNOTSUPP;
	ret = ib_copy_from_udata(&req, udata, sizeof(req));
	if (ret)
		return ret;
	if ((req.comp_mask & ~RDO_MODIFY_QP_NOTIFY_DELAY) || req.reserved ||
	    req.notify_delay_usec > RDO_NOTIFY_DELAY_MAX_USEC)
		return -EINVAL;
	if (req.comp_mask & RDO_MODIFY_QP_NOTIFY_DELAY) {
		if (qp->type != RDO_QPT_RC && qp->type != RDO_QPT_UC)
			return -EINVAL;
		/* Applied by rdo_fill_notify_delay on this very move. */
		qp->notify_delay_usec = req.notify_delay_usec;
	}
	return 0;
}

int rdo_ib_qp_set_notify_delay(struct ib_qp *ibqp, u16 usec)
{
	struct rdo_qp *qp;
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_MODIFY_QP };
	struct rdo_cmd_modify_qp *m = &cmd.u.modify_qp;
	enum ib_qp_state cur;
	int ret = 0;

	if (!ibqp || !rdo_ib_device_is_rdo(ibqp->device) ||
	    usec > RDO_NOTIFY_DELAY_MAX_USEC)
		return -EINVAL;
	qp = to_rqp(ibqp);
	if (qp->type != RDO_QPT_RC && qp->type != RDO_QPT_UC)
		return -EINVAL;
	mutex_lock(&qp->state_lock);
	cur = READ_ONCE(qp->state);
	/* A UC QP takes it on the move to RTR only. */
	if (qp->lost ||
	    (qp->type == RDO_QPT_UC && cur != IB_QPS_RESET && cur != IB_QPS_INIT)) {
		ret = -EINVAL;
		goto out;
	}
	qp->notify_delay_usec = usec;
	if (cur == IB_QPS_RTS || cur == IB_QPS_SQD) {
		/* RTS to RTS (SQD to SQD) with the delay alone. */
		cmd.obj = qp->qpn;
		m->state = cur;
		m->mask = RDO_QP_ATTR_NOTIFY_DELAY;
		m->notify_delay_usec = usec;
		ret = rdo_cqp_exec(qp->rdev, &cmd, NULL, NULL, 0);
	}
out:
	mutex_unlock(&qp->state_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(rdo_ib_qp_set_notify_delay);

int rdo_modify_qp(struct ib_qp *ibqp, struct ib_qp_attr *attr, int mask,
		  struct ib_udata *udata)
{
	struct rdo_qp *qp = to_rqp(ibqp);
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_MODIFY_QP, .obj = qp->qpn };
	struct rdo_cmd_modify_qp *m = &cmd.u.modify_qp;
	enum ib_qp_state cur, next;
	unsigned long flags;
	int ret;

	if (qp->type == RDO_QPT_RAW)
		return rdo_raw_qp_modify(qp, attr, mask, udata);
	mutex_lock(&qp->state_lock);
	ret = qp->lost ? -EIO : rdo_modify_udata(qp, udata);
	if (ret)
		goto out;
	cur = (mask & IB_QP_CUR_STATE) ? attr->cur_qp_state : READ_ONCE(qp->state);
	next = (mask & IB_QP_STATE) ? attr->qp_state : cur;
	/* An SSQ has no attributes; the device checks its transitions. */
	if (qp->type == RDO_QPT_SSQ ? mask & ~(IB_QP_STATE | IB_QP_CUR_STATE) :
	    !ib_modify_qp_is_ok(cur, next, ibqp->qp_type, mask)) {
		ret = -EINVAL;
		goto out;
	}
	ret = rdo_fill_modify(qp, attr, mask, m);
	if (ret)
		goto out;
	rdo_fill_notify_delay(qp, cur, next, m);
	m->state = next;
	if (mask & IB_QP_CUR_STATE) {
		m->cur_state = cur;
		m->modify_flags = RDO_QP_MODIFY_F_CUR_STATE;
	}
	ret = rdo_cqp_exec(qp->rdev, &cmd, NULL, NULL, 0);
	if (ret)
		goto out;
	if (mask & IB_QP_AV) {
		qp->sl = rdma_ah_get_sl(&attr->ah_attr);
		qp->flow_class = m->flow_class;
	}
	if (next == IB_QPS_RESET) {
		/* The device starts the queues over. */
		spin_lock_irqsave(&qp->sq.lock, flags);
		qp->sq.pi = 0;
		qp->sq.ci = 0;
		qp->sq.base = 0;
		spin_unlock_irqrestore(&qp->sq.lock, flags);
		spin_lock_irqsave(&qp->rq.lock, flags);
		qp->rq.pi = 0;
		qp->rq.ci = 0;
		qp->rq.base = 0;
		spin_unlock_irqrestore(&qp->rq.lock, flags);
	}
	WRITE_ONCE(qp->state, next);
out:
	mutex_unlock(&qp->state_lock);
	return ret;
}

/*
 * `rdma res show qp -dd`: the QP's DMA flow class as the device holds it.
 * A QP the device cannot answer for is listed without it.
 */
int rdo_fill_res_qp_entry(struct sk_buff *msg, struct ib_qp *ibqp)
{
	struct rdo_qp *qp = to_rqp(ibqp);
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_QUERY_QP, .obj = qp->qpn };
	struct rdo_qp_attr qa;
	struct nlattr *table;

	/* A raw packet QP's number is no QP of the device's. */
	if (qp->type == RDO_QPT_RAW || READ_ONCE(qp->lost) ||
	    rdo_cqp_exec(qp->rdev, &cmd, NULL, &qa, sizeof(qa)))
		return 0;
	table = nla_nest_start_noflag(msg, RDMA_NLDEV_ATTR_DRIVER);
	if (!table)
		return -EMSGSIZE;
	if (rdma_nl_put_driver_u32(msg, "flow_class", qa.flow_class)) {
		nla_nest_cancel(msg, table);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, table);
	return 0;
}

int rdo_query_qp(struct ib_qp *ibqp, struct ib_qp_attr *attr, int mask,
		 struct ib_qp_init_attr *init)
{
	struct rdo_qp *qp = to_rqp(ibqp);
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_QUERY_QP, .obj = qp->qpn };
	struct rdo_qp_attr qa;
	union ib_gid dgid;
	int ret;

	if (qp->type == RDO_QPT_RAW) {
		rdo_raw_qp_query(qp, attr, init);
		return 0;
	}
	if (READ_ONCE(qp->lost))
		return -EIO;
	ret = rdo_cqp_exec(qp->rdev, &cmd, NULL, &qa, sizeof(qa));
	if (ret)
		return ret;
	memset(attr, 0, sizeof(*attr));
	memset(init, 0, sizeof(*init));
	attr->qp_state = qa.state < RDO_QPS__COUNT ? qa.state : IB_QPS_ERR;
	attr->cur_qp_state = attr->qp_state;
	attr->path_mtu = qa.path_mtu;
	attr->path_mig_state = IB_MIG_MIGRATED;
	attr->qkey = qa.qkey;
	attr->rq_psn = qa.rq_psn;
	attr->sq_psn = qa.sq_psn;
	attr->dest_qp_num = qa.dest_qpn;
	attr->qp_access_flags = rdo_access_conv(qa.access, true);
	attr->port_num = qa.port ? qa.port : 1;
	attr->timeout = qa.timeout;
	attr->retry_cnt = qa.retry_cnt;
	attr->rnr_retry = qa.rnr_retry;
	attr->min_rnr_timer = qa.min_rnr_timer;
	attr->max_rd_atomic = qa.max_rd_atomic;
	attr->max_dest_rd_atomic = qa.max_dest_rd_atomic;
	if (qp->type != RDO_QPT_UD) {
		attr->ah_attr.type = RDMA_AH_ATTR_TYPE_ROCE;
		rdma_ah_set_port_num(&attr->ah_attr, attr->port_num);
		memcpy(dgid.raw, qa.dgid, sizeof(dgid.raw));
		rdma_ah_set_grh(&attr->ah_attr, &dgid, 0, qa.sgid_index, 0,
				qa.traffic_class);
		rdma_ah_set_sl(&attr->ah_attr, qp->sl);
		memcpy(attr->ah_attr.roce.dmac, qa.dmac, ETH_ALEN);
	}
	attr->cap.max_send_wr = qp->ssq ? 0 : 1u << qp->sq.ring.log_size;
	attr->cap.max_recv_wr = qp->rq.ring.log_size ? 1u << qp->rq.ring.log_size : 0;
	attr->cap.max_send_sge = qp->sq.max_sge;
	attr->cap.max_recv_sge = qp->rq.ring.log_size ? qp->rq.max_sge : 0;
	attr->cap.max_inline_data = qp->max_inline;
	init->qp_type = ibqp->qp_type;
	init->send_cq = ibqp->send_cq;
	init->recv_cq = ibqp->recv_cq;
	init->srq = ibqp->srq;
	init->cap = attr->cap;
	init->sq_sig_type = qp->sq_sig_all ? IB_SIGNAL_ALL_WR : IB_SIGNAL_REQ_WR;
	return 0;
}

static void rdo_copy_sges(struct rdo_sge *sge, const struct ib_sge *sg, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		sge[i].addr = sg[i].addr;
		sge[i].length = sg[i].length;
		sge[i].lkey = sg[i].lkey;
	}
}

static int rdo_wr_opcode(const struct ib_send_wr *wr, u8 qp_type, u8 *op)
{
	static const u8 map[] = {
		[IB_WR_SEND] = RDO_WR_SEND,
		[IB_WR_SEND_WITH_IMM] = RDO_WR_SEND_IMM,
		[IB_WR_SEND_WITH_INV] = RDO_WR_SEND_INV,
		[IB_WR_RDMA_WRITE] = RDO_WR_RDMA_WRITE,
		[IB_WR_RDMA_WRITE_WITH_IMM] = RDO_WR_RDMA_WRITE_IMM,
		[IB_WR_RDMA_READ] = RDO_WR_RDMA_READ,
		[IB_WR_ATOMIC_CMP_AND_SWP] = RDO_WR_ATOMIC_CMP_SWP,
		[IB_WR_ATOMIC_FETCH_AND_ADD] = RDO_WR_ATOMIC_FETCH_ADD,
		[IB_WR_LOCAL_INV] = RDO_WR_LOCAL_INV,
		[IB_WR_REG_MR] = RDO_WR_REG_MR,
	};

	/* Which QP type takes which: the hardware interface's table. */
	if (wr->opcode >= ARRAY_SIZE(map) ||
	    (wr->opcode != IB_WR_SEND && !map[wr->opcode]) ||
	    !rdo_qp_wr_allowed(qp_type, map[wr->opcode]))
		return -EINVAL;
	*op = map[wr->opcode];
	return 0;
}

/*
 * Fast registration: the MR's page list as map_mr_sg left it, its iova and
 * length, and the key the ULP chose (ib_update_fast_reg_key changes its low
 * 8 bits). The list must stay as it is until the MR is invalidated, which
 * is the ULP's rule too: it maps again only after LOCAL_INV.
 */
static int rdo_build_reg_mr(struct rdo_reg_mr_wqe *r, const struct ib_reg_wr *wr)
{
	struct rdo_mr *mr = to_rmr(wr->mr);

	/* Only the tag may change: index and function are the device's. */
	if (!mr->max_pages || !mr->npages ||
	    (wr->key & ~0xffu) != (wr->mr->lkey & ~0xffu))
		return -EINVAL;
	r->page_shift = ilog2(wr->mr->page_size);
	r->key = wr->key;
	r->iova = wr->mr->iova;
	r->length = wr->mr->length;
	r->num_pages = mr->npages;
	r->page_list = mr->pages.dma;
	r->access = rdo_access_conv(wr->access, false);
	return 0;
}

/* Build one send WQE at slot `idx`; the caller holds the SQ lock. */
static int rdo_build_send(struct rdo_qp *qp, const struct ib_send_wr *wr, u32 idx)
{
	struct rdo_send_wqe *wqe = rdo_ring_entry(&qp->sq.ring, idx - qp->sq.base);
	void *body = (void *)wqe + RDO_SEND_HDR;
	u32 stride = 1u << qp->sq.ring.stride_shift;
	u32 len = 0, conn = 0;
	int i, ret;
	u8 op;

	ret = rdo_wr_opcode(wr, qp->type, &op);
	if (!ret && qp->type == RDO_QPT_SSQ) {
		ret = rdo_ssq_wr_conn(qp, wr, &conn);
		qp->ssq_slot_conn[idx & ((1u << qp->sq.ring.log_size) - 1)] = conn;
	}
	if (ret)
		return ret;
	memset(wqe, 0, stride);
	wqe->wr_id = idx;
	wqe->opcode = op;
	wqe->conn_qpn = conn;
	if (wr->send_flags & IB_SEND_SIGNALED || qp->sq_sig_all)
		wqe->flags |= RDO_WQE_F_SIGNALED;
	if (wr->send_flags & IB_SEND_SOLICITED)
		wqe->flags |= RDO_WQE_F_SOLICITED;
	if (wr->send_flags & IB_SEND_FENCE)
		wqe->flags |= RDO_WQE_F_FENCE;

	switch (wr->opcode) {
	case IB_WR_SEND_WITH_IMM:
	case IB_WR_RDMA_WRITE_WITH_IMM:
		wqe->imm_or_rkey = be32_to_cpu(wr->ex.imm_data);
		break;
	case IB_WR_SEND_WITH_INV:
	case IB_WR_LOCAL_INV:
		wqe->imm_or_rkey = wr->ex.invalidate_rkey;
		break;
	default:
		break;
	}
	switch (wr->opcode) {
	case IB_WR_RDMA_WRITE:
	case IB_WR_RDMA_WRITE_WITH_IMM:
	case IB_WR_RDMA_READ:
		wqe->remote_addr = rdma_wr(wr)->remote_addr;
		wqe->rkey = rdma_wr(wr)->rkey;
		break;
	case IB_WR_ATOMIC_CMP_AND_SWP:
	case IB_WR_ATOMIC_FETCH_AND_ADD:
		wqe->remote_addr = atomic_wr(wr)->remote_addr;
		wqe->rkey = atomic_wr(wr)->rkey;
		wqe->compare_add = atomic_wr(wr)->compare_add;
		wqe->swap = atomic_wr(wr)->swap;
		break;
	default:
		break;
	}
	if (wr->opcode == IB_WR_REG_MR)
		return rdo_build_reg_mr((struct rdo_reg_mr_wqe *)wqe, reg_wr(wr));
	/* No data and no destination (the UD segment stays zero): not a ud_wr. */
	if (wr->opcode == IB_WR_LOCAL_INV)
		return 0;
	if (qp->type == RDO_QPT_UD) {
		struct rdo_ud_seg *ud = body;

		if (!ud_wr(wr)->ah)
			return -EINVAL;
		*ud = to_rah(ud_wr(wr)->ah)->av;
		ud->dest_qpn = ud_wr(wr)->remote_qpn;
		ud->qkey = ud_wr(wr)->remote_qkey;
		body += RDO_UD_SEG;
	}

	if (wr->send_flags & IB_SEND_INLINE) {
		for (i = 0; i < wr->num_sge; i++) {
			if (wr->sg_list[i].length > qp->max_inline - len)
				return -EINVAL;
			memcpy(body + len, (void *)(uintptr_t)wr->sg_list[i].addr,
			       wr->sg_list[i].length);
			len += wr->sg_list[i].length;
		}
		wqe->flags |= RDO_WQE_F_INLINE;
		wqe->inline_len = len;
		return 0;
	}
	if (wr->num_sge > qp->sq.max_sge)
		return -EINVAL;
	rdo_copy_sges(body, wr->sg_list, wr->num_sge);
	wqe->num_sge = wr->num_sge;
	return 0;
}

static unsigned int push_max = RDO_DB_PUSH_MAX_WQE;
module_param(push_max, uint, 0644);
MODULE_PARM_DESC(push_max,
		 "largest send WQE (bytes) written whole through the doorbell page instead of fetched by the device; 0: never");

static bool push_ram = true;
module_param(push_ram, bool, 0644);
MODULE_PARM_DESC(push_ram,
		 "push through the device's push RAM page (CAPS PUSH_RAM) instead of the MMIO push area; only the trigger is a doorbell write");

/* Bytes of a built send WQE: header, UD segment, then SGEs or inline data. */
static u32 rdo_send_wqe_len(const struct rdo_qp *qp, const struct rdo_send_wqe *wqe)
{
	u32 len = RDO_SEND_HDR + (qp->type == RDO_QPT_UD ? RDO_UD_SEG : 0);

	if (wqe->flags & RDO_WQE_F_INLINE)
		return len + ALIGN(wqe->inline_len, 8);
	return len + wqe->num_sge * sizeof(struct rdo_sge);
}

/*
 * A RAM push (docs/programming-model.md "Push RAM") into the next slot of
 * page 0's push page: the WQE padded to 16 bytes (the ring slot has those
 * bytes: its stride is a larger power of two), then its seal, then the
 * trigger; under push_lock. The barriers keep the write-combined stores
 * in that order, so a seal the device sees vouches for the WQE.
 */
static void rdo_sq_push_ram(struct rdo_qp *qp, const struct rdo_send_wqe *wqe,
			    u32 len)
{
	struct rdo_dev *rdev = qp->rdev;
	u32 span = rdo_push_ram_wqe_span(len);
	u64 trigger;
	void __iomem *slot;

	rdev->push_slot ^= 1;
	slot = rdev->push_ram + RDO_PUSH_RAM_SLOT_OFFSET(rdev->push_slot);
	trigger = rdo_push_ram_trigger(qp->qpn, rdev->push_slot, len,
				       qp->sq.pi - qp->sq.base);
	__iowrite64_copy(slot, wqe, span / 8);
	wmb();
	writeq(trigger, slot + span);
	wmb();
	rdo_db_write(rdev, RDO_DB_PUSH_RAM, trigger);
}

/*
 * A lone new send WQE that fits push_max goes whole into page 0's push RAM
 * (if the device has it and push_ram is set) or its MMIO push area, with a
 * trigger naming the new producer index, so the device
 * skips fetching it; the ring copy (written first) is what it retransmits.
 * Returns false when the doorbell is to be rung instead.
 */
static bool rdo_sq_push(struct rdo_qp *qp, u32 start)
{
	const struct rdo_send_wqe *wqe = rdo_ring_entry(&qp->sq.ring,
							start - qp->sq.base);
	u32 len = rdo_send_wqe_len(qp, wqe);

	if (qp->sq.pi - start != 1 || len > READ_ONCE(push_max) ||
	    len > RDO_DB_PUSH_MAX_WQE || rdo_dead(qp->rdev) || qp->sq.moving ||
	    qp->lost)
		return false;
	wmb();	/* the ring copy before the device can take the push */
	spin_lock(&qp->rdev->push_lock);	/* IRQs are off: the SQ lock */
	if (qp->rdev->push_ram && READ_ONCE(push_ram) && rdo_push_ram_fits(len)) {
		rdo_sq_push_ram(qp, wqe, len);
	} else {
		__iowrite64_copy(qp->rdev->db + RDO_DB_PUSH_DATA, wqe, len / 8);
		rdo_db_write(qp->rdev, RDO_DB_PUSH_TRIGGER,
			     RDO_DB_VALUE(qp->qpn, (len / 8) << RDO_DB_FLAGS_SHIFT,
					  qp->sq.pi - qp->sq.base));
	}
	spin_unlock(&qp->rdev->push_lock);
	return true;
}

/* Tell the device about WQEs posted since `start`; under the queue's lock. */
static void rdo_wq_doorbell(struct rdo_qp *qp, struct rdo_wq *wq, u32 start,
			    u32 db)
{
	/* While MOVE_QP runs the WQEs wait for the destination's doorbell. */
	if (wq->pi == start || rdo_dead(qp->rdev) || wq->moving || qp->lost)
		return;
	/* WQEs in memory before the device hears of them. */
	wmb();
	rdo_db_write(qp->rdev, db, RDO_DB_VALUE(qp->qpn, 0, wq->pi - wq->base));
}

int rdo_post_send(struct ib_qp *ibqp, const struct ib_send_wr *wr,
		  const struct ib_send_wr **bad_wr)
{
	struct rdo_qp *qp = to_rqp(ibqp);
	struct rdo_wq *sq = &qp->sq;
	u32 size = 1u << sq->ring.log_size;
	enum ib_qp_state state = READ_ONCE(qp->state);
	unsigned long flags;
	u32 start;
	int ret = 0;

	/* Moved, and its function went (rdo_move.c): nothing will take it. */
	if (READ_ONCE(qp->lost)) {
		*bad_wr = wr;
		return -EIO;
	}
	/* A connection fed by an SSQ is posted to through the SSQ. */
	if (qp->user || qp->ssq || state == IB_QPS_RESET || state == IB_QPS_INIT ||
	    state == IB_QPS_RTR) {
		*bad_wr = wr;
		return -EINVAL;
	}
	spin_lock_irqsave(&sq->lock, flags);
	start = sq->pi;
	for (; wr; wr = wr->next) {
		if (sq->pi - smp_load_acquire(&sq->ci) >= size) {
			ret = -ENOMEM;
			break;
		}
		ret = rdo_build_send(qp, wr, sq->pi);
		if (ret)
			break;
		sq->wr_id[sq->pi & (size - 1)] = wr->wr_id;
		sq->pi++;
	}
	if (!rdo_sq_push(qp, start))
		rdo_wq_doorbell(qp, sq, start, RDO_DB_SQ);
	spin_unlock_irqrestore(&sq->lock, flags);
	if (ret)
		*bad_wr = wr;
	return ret;
}

/* The receive WQE for wr at slot idx of an RQ or SRQ ring (index in wr_id). */
void rdo_recv_wqe_fill(struct rdo_wq *wq, u32 idx, const struct ib_recv_wr *wr)
{
	struct rdo_recv_wqe *wqe = rdo_ring_entry(&wq->ring, idx - wq->base);

	memset(wqe, 0, 1u << wq->ring.stride_shift);
	wqe->wr_id = idx;
	wqe->num_sge = wr->num_sge;
	rdo_copy_sges((void *)wqe + RDO_RECV_HDR, wr->sg_list, wr->num_sge);
	wq->wr_id[idx & ((1u << wq->ring.log_size) - 1)] = wr->wr_id;
}

int rdo_post_recv(struct ib_qp *ibqp, const struct ib_recv_wr *wr,
		  const struct ib_recv_wr **bad_wr)
{
	struct rdo_qp *qp = to_rqp(ibqp);
	struct rdo_wq *rq = &qp->rq;
	u32 size = 1u << rq->ring.log_size;
	unsigned long flags;
	u32 start;
	int ret = 0;

	if (qp->user || qp->srq || READ_ONCE(qp->state) == IB_QPS_RESET ||
	    READ_ONCE(qp->lost)) {
		*bad_wr = wr;
		return READ_ONCE(qp->lost) ? -EIO : -EINVAL;
	}
	spin_lock_irqsave(&rq->lock, flags);
	start = rq->pi;
	for (; wr; wr = wr->next) {
		if (rq->pi - smp_load_acquire(&rq->ci) >= size) {
			ret = -ENOMEM;
			break;
		}
		if (wr->num_sge > rq->max_sge) {
			ret = -EINVAL;
			break;
		}
		rdo_recv_wqe_fill(rq, rq->pi, wr);
		rq->pi++;
	}
	rdo_wq_doorbell(qp, rq, start, RDO_DB_RQ);
	spin_unlock_irqrestore(&rq->lock, flags);
	if (ret)
		*bad_wr = wr;
	return ret;
}

/* Interrupt context: an asynchronous event for qpn (cause 0: last WQE). */
void rdo_ib_qp_event(struct rdo_dev *rdev, u32 qpn, u32 cause)
{
	struct rdo_qp *qp = xa_load(&rdev->qp_xa, qpn);
	struct ib_event ev;

	if (!qp)
		return;
	if (cause == 0) {
		ev.event = IB_EVENT_QP_LAST_WQE_REACHED;
	} else {
		WRITE_ONCE(qp->state, IB_QPS_ERR);
		ev.event = cause == RDO_QP_ERR_ACCESS || cause == RDO_QP_ERR_REMOTE ?
			   IB_EVENT_QP_ACCESS_ERR : IB_EVENT_QP_FATAL;
	}
	if (qp->ibqp.event_handler) {
		ev.device = qp->ibqp.device;
		ev.element.qp = &qp->ibqp;
		qp->ibqp.event_handler(&ev, qp->ibqp.qp_context);
	}
}
