// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: the shared send queue (SSQ) for kernel consumers, as
 * rdma_offload-verbs.h describes it. An SSQ is a QP of the device's type
 * SSQ with a send queue and no receive queue; each connection it feeds is
 * an RC QP created with SHARED_SQ and no send queue. Posting, polling and
 * destroying live in rdo_qp.c and rdo_cq.c; this file holds what is
 * particular to SSQs: the checks at creation, the links between an SSQ
 * and its connections, and the safe order of tear-down.
 */
#include <linux/delay.h>
#include <linux/slab.h>

#include "rdo_ib.h"
#include "rdma_offload-verbs.h"

static_assert(RDO_IB_VENDOR_ID == RDO_PCI_VENDOR_ID &&
	      RDO_IB_VENDOR_PART_ID == RDO_PCI_DEVICE_ID);

/* How long destroying a connection waits for its queued requests to flush. */
#define RDO_SSQ_DRAIN_MS	2000

static bool rdo_recv_caps_empty(const struct ib_qp_cap *cap)
{
	return !cap->max_recv_wr && !cap->max_recv_sge;
}

static bool rdo_send_caps_empty(const struct ib_qp_cap *cap)
{
	return !cap->max_send_wr && !cap->max_send_sge && !cap->max_inline_data;
}

/*
 * The SSQ a new connection names in source_qpn, linked to it: the SSQ
 * cannot be destroyed before the connection lets go (rdo_ssq_unlink).
 */
static int rdo_ssq_link(struct rdo_qp *conn, const struct ib_qp_init_attr *init)
{
	struct rdo_dev *rdev = conn->rdev;
	struct rdo_qp *ssq;
	int ret = -EINVAL;

	mutex_lock(&rdev->ssq_lock);
	/* Under ssq_lock an SSQ found here is not being destroyed (see below). */
	ssq = xa_load(&rdev->qp_xa, init->source_qpn);
	if (ssq && ssq->type == RDO_QPT_SSQ && ssq->ibqp.pd == conn->ibqp.pd &&
	    ssq->ibqp.send_cq == init->send_cq) {
		ssq->ssq_conns++;
		conn->ssq = ssq;
		ret = 0;
	}
	mutex_unlock(&rdev->ssq_lock);
	return ret;
}

void rdo_ssq_unlink(struct rdo_qp *conn)
{
	struct rdo_dev *rdev = conn->rdev;

	if (!conn->ssq)
		return;
	mutex_lock(&rdev->ssq_lock);
	conn->ssq->ssq_conns--;
	mutex_unlock(&rdev->ssq_lock);
	conn->ssq = NULL;
}

/*
 * create_qp with RDO_QP_CREATE_SSQ or _SSQ_FED: check what the consumer
 * asked for and make qp an SSQ (type) or a connection (linked to its SSQ).
 */
int rdo_ssq_create_check(struct rdo_qp *qp, const struct ib_qp_init_attr *init,
			 struct ib_udata *udata)
{
	u32 flags = init->create_flags;

	if (udata)
		return -EOPNOTSUPP;
	if (init->qp_type != IB_QPT_RC || !init->send_cq)
		return -EINVAL;
	if (flags == RDO_QP_CREATE_SSQ) {
		if (init->srq || !rdo_recv_caps_empty(&init->cap) ||
		    (init->recv_cq && init->recv_cq != init->send_cq))
			return -EINVAL;
		qp->type = RDO_QPT_SSQ;
		return 0;
	}
	if (flags != RDO_QP_CREATE_SSQ_FED || !rdo_send_caps_empty(&init->cap) ||
	    !init->recv_cq)
		return -EINVAL;
	return rdo_ssq_link(qp, init);
}

/* A new SSQ goes to RTS at once: it has no attributes, nor a peer. */
int rdo_ssq_to_rts(struct rdo_qp *ssq)
{
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_MODIFY_QP, .obj = ssq->qpn };
	static const u8 steps[] = { IB_QPS_INIT, IB_QPS_RTR, IB_QPS_RTS };
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		cmd.u.modify_qp.state = steps[i];
		ret = rdo_cqp_exec(ssq->rdev, &cmd, NULL, NULL, 0);
		if (ret)
			return ret;
	}
	ssq->state = IB_QPS_RTS;
	return 0;
}

/* Per SSQ slot, the connection its request names (for rdo_ssq_conn_drain). */
int rdo_ssq_alloc_slots(struct rdo_qp *ssq)
{
	ssq->ssq_slot_conn = kvcalloc(1u << ssq->sq.ring.log_size, sizeof(u32),
				      GFP_KERNEL);
	return ssq->ssq_slot_conn ? 0 : -ENOMEM;
}

void rdo_ssq_free_slots(struct rdo_qp *ssq)
{
	kvfree(ssq->ssq_slot_conn);
	ssq->ssq_slot_conn = NULL;
}

/*
 * The connection a request posted on ssq names, checked: a QP of this
 * device that this SSQ feeds, in RTS (or ERR, where it is flushed).
 */
int rdo_ssq_wr_conn(struct rdo_qp *ssq, const struct ib_send_wr *wr, u32 *qpn)
{
	struct ib_qp *ibconn = rdo_ssq_wr(wr)->conn;
	struct rdo_qp *conn;
	enum ib_qp_state state;

	if (!ibconn || ibconn->device != ssq->ibqp.device)
		return -EINVAL;
	conn = to_rqp(ibconn);
	state = READ_ONCE(conn->state);
	if (conn->ssq != ssq || (state != IB_QPS_RTS && state != IB_QPS_SQD &&
				 state != IB_QPS_SQE && state != IB_QPS_ERR))
		return -EINVAL;
	*qpn = conn->qpn;
	return 0;
}

/* The last request queued on the SSQ for conn and not yet polled. */
static bool rdo_ssq_last_for(struct rdo_qp *conn, u32 *last)
{
	struct rdo_qp *ssq = conn->ssq;
	struct rdo_wq *sq = &ssq->sq;
	u32 mask = (1u << sq->ring.log_size) - 1, i;
	unsigned long flags;
	bool found = false;

	spin_lock_irqsave(&sq->lock, flags);
	for (i = smp_load_acquire(&sq->ci); i != sq->pi; i++) {
		if (ssq->ssq_slot_conn[i & mask] == conn->qpn) {
			*last = i;
			found = true;
		}
	}
	spin_unlock_irqrestore(&sq->lock, flags);
	return found;
}

/* Whether the device has completed the SSQ's request `index`. */
static int rdo_ssq_passed(struct rdo_qp *ssq, u32 index, bool *passed)
{
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_QUERY_QP, .obj = ssq->qpn };
	struct rdo_qp_attr qa;
	int ret;

	ret = rdo_cqp_exec(ssq->rdev, &cmd, NULL, &qa, sizeof(qa));
	if (!ret)
		*passed = (s32)(qa.sq_ci - index) > 0;
	return ret;
}

/*
 * Before a connection is destroyed: a request for it still queued on the
 * SSQ would fail the whole SSQ when the device reaches it (it would name a
 * QP the SSQ no longer feeds). Move the connection to ERR, so the device
 * flushes them, and wait until it has passed the last. Not when the device
 * is going away or dead: then nothing is left to protect.
 */
static int rdo_ssq_conn_drain(struct rdo_qp *conn)
{
	struct rdo_dev *rdev = conn->rdev;
	struct ib_qp_attr attr = { .qp_state = IB_QPS_ERR };
	unsigned long end = jiffies + msecs_to_jiffies(RDO_SSQ_DRAIN_MS);
	bool passed = false;
	u32 last;
	int ret;

	if (rdo_dead(rdev) || !READ_ONCE(rdev->ib) || !rdo_ssq_last_for(conn, &last))
		return 0;
	if (READ_ONCE(conn->state) != IB_QPS_ERR) {
		ret = rdo_modify_qp(&conn->ibqp, &attr, IB_QP_STATE, NULL);
		if (ret)
			return rdo_dead(rdev) ? 0 : ret;
	}
	for (;;) {
		ret = rdo_ssq_passed(conn->ssq, last, &passed);
		if (ret || passed)
			return rdo_dead(rdev) ? 0 : ret;
		if (time_after(jiffies, end))
			return -EBUSY;
		msleep(5);
	}
}

/*
 * destroy_qp, before anything is undone: an SSQ that still feeds
 * connections stays (-EBUSY); one that does not leaves qp_xa under
 * ssq_lock, so rdo_ssq_link cannot find it any more. A connection's
 * queued requests are flushed first.
 */
int rdo_ssq_destroy_begin(struct rdo_qp *qp)
{
	struct rdo_dev *rdev = qp->rdev;
	int ret = 0;

	if (qp->ssq)
		return rdo_ssq_conn_drain(qp);
	if (qp->type != RDO_QPT_SSQ)
		return 0;
	mutex_lock(&rdev->ssq_lock);
	if (qp->ssq_conns)
		ret = -EBUSY;
	else
		xa_erase_irq(&rdev->qp_xa, qp->qpn);
	mutex_unlock(&rdev->ssq_lock);
	return ret;
}
