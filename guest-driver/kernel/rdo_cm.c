// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: offloaded connection establishment for kernel consumers
 * (rdma_offload-verbs.h; docs/programming-model.md, "Offloaded connection
 * establishment"). A listener is a device listener (CM_LISTEN) with its
 * notification table in a coherent buffer, the consumer-visible u32 the
 * device reads as our consumer index right behind it. RDO_EQE_CM_NOTIFY
 * (EQ 0, interrupt context) only queues the listener's work; the work
 * reads the entries the device wrote, brings the driver's view of each QP
 * in step with what the device did to it (state, ring restart), calls the
 * consumer's handler and then writes the consumer index.
 */
#include <linux/debugfs.h>
#include <linux/interrupt.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "rdo_ib.h"
#include "rdma_offload-verbs.h"

#define RDO_CM_TABLE_DEFAULT	256
#define RDO_ENTRY_SIZE		sizeof(struct rdo_cm_entry)

struct rdo_cm_listener {
	struct rdo_dev *rdev;
	struct ib_device *ibdev;
	u32 id;				/* the device's listener number */
	u32 log_size;
	struct rdo_buf table;		/* entries, then the consumer index */
	u32 *ci_word;
	u32 ci;				/* entries consumed, free-running */
	struct mutex lock;		/* ci, the table walk */
	struct work_struct work;
	rdo_cm_handler_t handler;
	void *context;
	bool user;			/* its QPs are user QPs (rdo_ucm.c) */
	/* What the driver saw, for debugfs. */
	u32 notified;			/* the latest event's count */
	u64 events, established, disconnected, aborted, recycled, stray;
};

static struct rdo_cm_listener *rdo_cm_get(struct rdo_dev *rdev, u32 id)
{
	return id < RDO_CM_LISTENERS ? READ_ONCE(rdev->cm[id]) : NULL;
}

/* EQ 0, interrupt context: a batch of entries is waiting. */
void rdo_cm_notify(struct rdo_dev *rdev, u32 id, u32 written)
{
	struct rdo_cm_listener *l;

	spin_lock(&rdev->cm_lock);
	l = rdo_cm_get(rdev, id);
	if (l) {
		l->events++;
		l->notified = written;
		schedule_work(&l->work);
	} else {
		dev_warn_ratelimited(&rdev->pdev->dev,
				     "CM event for listener %u, which is not ours\n", id);
	}
	spin_unlock(&rdev->cm_lock);
}

/*
 * The device took the QP through ERR, RESET and INIT: its rings start over
 * at slot 0 and doorbell value 0, while the WQEs before (flushed, their
 * completions maybe still in the CQ) keep their indexes. The RQ's lock
 * also orders the state against rdo_cm_first_recv.
 */
static void rdo_cm_recycled(struct rdo_qp *qp)
{
	unsigned long flags;

	spin_lock_irqsave(&qp->sq.lock, flags);
	qp->sq.base = qp->sq.pi;
	spin_unlock_irqrestore(&qp->sq.lock, flags);
	if (qp->srq) {		/* no RQ of its own */
		WRITE_ONCE(qp->state, IB_QPS_INIT);
		return;
	}
	spin_lock_irqsave(&qp->rq.lock, flags);
	qp->rq.base = qp->rq.pi;
	WRITE_ONCE(qp->state, IB_QPS_INIT);
	spin_unlock_irqrestore(&qp->rq.lock, flags);
}

/*
 * A receive completed on a pool QP: the connection is up (the device took
 * the QP to RTS before its REP) even if its ESTABLISHED entry waits in a
 * batch, so the consumer may answer at once. Only a receive posted since
 * the QP's latest recycle counts; an older one's CQE may come late.
 */
void rdo_cm_first_recv(struct rdo_qp *qp, u32 idx)
{
	unsigned long flags;

	if (READ_ONCE(qp->state) != IB_QPS_INIT)
		return;
	spin_lock_irqsave(&qp->rq.lock, flags);
	if (qp->state == IB_QPS_INIT && idx - qp->rq.base < qp->rq.pi - qp->rq.base)
		WRITE_ONCE(qp->state, IB_QPS_RTS);
	spin_unlock_irqrestore(&qp->rq.lock, flags);
}

/*
 * The driver's QP as the entry left it; NULL if the entry names no QP of
 * this listener (destroyed, or never ours: the device's word is not
 * trusted blindly).
 */
static struct rdo_qp *rdo_cm_entry_qp(struct rdo_cm_listener *l,
				      const struct rdo_cm_entry *e)
{
	struct rdo_dev *rdev = l->rdev;
	struct rdo_qp *qp;

	xa_lock_irq(&rdev->qp_xa);
	qp = xa_load(&rdev->qp_xa, e->qpn);
	if (!qp || qp->cm != l) {
		xa_unlock_irq(&rdev->qp_xa);
		return NULL;
	}
	switch (e->type) {
	case RDO_CM_ENTRY_ESTABLISHED:
		WRITE_ONCE(qp->state, IB_QPS_RTS);
		break;
	default:
		if (e->flags & RDO_CM_ENTRY_F_RECYCLED) {
			rdo_cm_recycled(qp);
		} else {
			WRITE_ONCE(qp->state, IB_QPS_ERR);
			qp->cm = NULL;
		}
	}
	xa_unlock_irq(&rdev->qp_xa);
	return qp;
}

static void rdo_cm_deliver(struct rdo_cm_listener *l, const struct rdo_cm_entry *e)
{
	struct rdo_cm_event ev = {};
	struct rdo_qp *qp;

	if (e->type < RDO_CM_ENTRY_ESTABLISHED || e->type > RDO_CM_ENTRY_ABORTED ||
	    e->listener != l->id) {
		l->stray++;
		dev_warn_ratelimited(&l->rdev->pdev->dev,
				     "CM listener %u: entry of type %u for listener %u ignored\n",
				     l->id, e->type, e->listener);
		return;
	}
	qp = rdo_cm_entry_qp(l, e);
	if (!qp) {
		l->stray++;
		return;
	}
	ev.type = e->type;
	ev.qp = &qp->ibqp;
	ev.qpn = e->qpn;
	ev.peer_qpn = e->peer_qpn;
	memcpy(ev.peer_gid.raw, e->peer_gid, sizeof(ev.peer_gid.raw));
	memcpy(ev.peer_mac, e->peer_mac, ETH_ALEN);
	ev.peer_port = e->peer_port;
	ev.reason = e->reason;
	ev.time_ns = e->time_ns;
	ev.rdma_cm = e->flags & RDO_CM_ENTRY_F_RDMA_CM;
	ev.recycled = e->flags & RDO_CM_ENTRY_F_RECYCLED;
	ev.private_len = min_t(u8, e->private_len, RDO_CM_MAX_PRIVATE);
	memcpy(ev.private_data, e->private_data, ev.private_len);
	ev.responder_resources = e->responder_resources;
	ev.initiator_depth = e->initiator_depth;
	ev.path_mtu = e->path_mtu;
	ev.sq_psn = e->sq_psn;
	ev.rq_psn = e->rq_psn;
	if (e->type == RDO_CM_ENTRY_ESTABLISHED)
		l->established++;
	else if (e->type == RDO_CM_ENTRY_DISCONNECTED)
		l->disconnected++;
	else
		l->aborted++;
	if (ev.recycled)
		l->recycled++;
	l->handler(l, &ev, l->context);
}

/* Every entry the device has written, then the consumer index. */
static void rdo_cm_drain(struct rdo_cm_listener *l)
{
	struct rdo_cm_entry *e, copy;

	mutex_lock(&l->lock);
	for (;;) {
		e = l->table.va + (l->ci & ((1u << l->log_size) - 1)) * RDO_ENTRY_SIZE;
		if (!rdo_sw_owns(&e->owner, l->ci, l->log_size))
			break;
		dma_rmb();
		copy = *e;
		l->ci++;
		rdo_cm_deliver(l, &copy);
	}
	/* The device reads it only when the table looks full. */
	WRITE_ONCE(*l->ci_word, l->ci);
	mutex_unlock(&l->lock);
}

static void rdo_cm_work(struct work_struct *work)
{
	rdo_cm_drain(container_of(work, struct rdo_cm_listener, work));
}

static struct rdo_dev *rdo_cm_rdev(struct ib_device *dev)
{
	return dev && rdo_ib_device_is_rdo(dev) ? to_rdev(dev) : NULL;
}

/* qp is an RC QP of the listener's device, a kernel or a user one as the listener's. */
static struct rdo_qp *rdo_cm_qp(struct rdo_cm_listener *l, struct ib_qp *ibqp)
{
	struct rdo_qp *qp;

	if (!l || !ibqp || ibqp->device != l->ibdev)
		return NULL;
	qp = to_rqp(ibqp);
	return qp->type == RDO_QPT_RC && qp->user == l->user && !qp->ssq ? qp : NULL;
}

/* user: the pool takes user QPs (rdo_ucm.c), which the device never recycles. */
struct rdo_cm_listener *rdo_cm_listen_as(struct ib_device *dev,
					 const struct rdo_cm_listen_attr *attr, bool user)
{
	struct rdo_dev *rdev = rdo_cm_rdev(dev);
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_CM_LISTEN };
	struct rdo_cmd_cm_listen *c = &cmd.u.cm_listen;
	u32 entries = attr && attr->table_entries ? attr->table_entries :
		      RDO_CM_TABLE_DEFAULT;
	struct rdo_cm_listener *l;
	int id, ret;

	if (!rdev || !attr || !attr->handler || !is_power_of_2(entries) ||
	    entries < 2 || ilog2(entries) > RDO_QUEUE_LOG_SIZE_MAX ||
	    attr->flags & ~(RDO_CM_LISTEN_RDMA_CM | RDO_CM_LISTEN_RECYCLE) ||
	    attr->notify_count > entries ||
	    (user && attr->flags & RDO_CM_LISTEN_RECYCLE))
		return ERR_PTR(-EINVAL);
	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return ERR_PTR(-ENOMEM);
	l->rdev = rdev;
	l->ibdev = dev;
	l->log_size = ilog2(entries);
	l->handler = attr->handler;
	l->context = attr->context;
	l->user = user;
	mutex_init(&l->lock);
	INIT_WORK(&l->work, rdo_cm_work);
	/* The table zeroed (owner bits clear), the CI word one entry behind. */
	ret = rdo_buf_alloc(rdev, &l->table, (entries + 1) * RDO_ENTRY_SIZE);
	if (ret)
		goto err_free;
	memset(l->table.va, 0, l->table.size);
	l->ci_word = l->table.va + entries * RDO_ENTRY_SIZE;

	mutex_lock(&rdev->cm_mutex);
	for (id = 0; id < RDO_CM_LISTENERS && rdev->cm[id]; id++)
		;
	if (id == RDO_CM_LISTENERS) {
		ret = -EBUSY;
		goto err_unlock;
	}
	l->id = id;
	cmd.obj = id;
	c->service_id = attr->service_id;
	c->table_addr = l->table.dma;
	c->ci_addr = l->table.dma + entries * RDO_ENTRY_SIZE;
	memcpy(c->addr, attr->addr.raw, sizeof(c->addr));
	c->table_log_size = l->log_size;
	c->flags = (attr->flags & RDO_CM_LISTEN_RDMA_CM ? RDO_CM_LISTEN_F_RDMA_CM : 0) |
		   (attr->flags & RDO_CM_LISTEN_RECYCLE ? RDO_CM_LISTEN_F_RECYCLE : 0);
	c->responder_resources = attr->responder_resources;
	c->initiator_depth = attr->initiator_depth;
	c->eqn = 0;
	c->notify_count = attr->notify_count ?: 1;
	c->notify_usec = attr->notify_usec;
	c->min_rnr_timer = attr->min_rnr_timer;
	c->rnr_retry = attr->rnr_retry;
	/* Published first: an event may come before the command's completion. */
	spin_lock_irq(&rdev->cm_lock);
	WRITE_ONCE(rdev->cm[id], l);
	spin_unlock_irq(&rdev->cm_lock);
	ret = rdo_cqp_exec(rdev, &cmd, NULL, NULL, 0);
	if (ret) {
		spin_lock_irq(&rdev->cm_lock);
		WRITE_ONCE(rdev->cm[id], NULL);
		spin_unlock_irq(&rdev->cm_lock);
		/* EXISTS: the service ID is served on that address already. */
		if (ret == -EEXIST)
			ret = -EBUSY;
		goto err_unlock;
	}
	mutex_unlock(&rdev->cm_mutex);
	return l;
err_unlock:
	mutex_unlock(&rdev->cm_mutex);
	cancel_work_sync(&l->work);
	rdo_buf_free(rdev, &l->table);
err_free:
	kfree(l);
	return ERR_PTR(ret);
}

struct rdo_cm_listener *rdo_cm_listen(struct ib_device *dev,
				      const struct rdo_cm_listen_attr *attr)
{
	return rdo_cm_listen_as(dev, attr, false);
}
EXPORT_SYMBOL_GPL(rdo_cm_listen);

/* The QPs still bound to l are nobody's once the device forgot them. */
static void rdo_cm_release_qps(struct rdo_cm_listener *l)
{
	struct rdo_qp *qp;
	unsigned long i;

	xa_lock_irq(&l->rdev->qp_xa);
	xa_for_each(&l->rdev->qp_xa, i, qp) {
		if (qp->cm == l)
			qp->cm = NULL;
	}
	xa_unlock_irq(&l->rdev->qp_xa);
}

void rdo_cm_unlisten(struct rdo_cm_listener *l)
{
	struct rdo_dev *rdev;
	int ret;

	if (IS_ERR_OR_NULL(l))
		return;
	rdev = l->rdev;
	mutex_lock(&rdev->cm_mutex);
	ret = rdo_cqp_simple(rdev, RDO_CMD_CM_UNLISTEN, l->id);
	if (ret && !rdo_dead(rdev))
		dev_warn(&rdev->pdev->dev, "CM_UNLISTEN %u failed: %d\n", l->id, ret);
	/* The device signalled what it wrote at once: take it now. */
	flush_work(&l->work);
	rdo_cm_drain(l);
	spin_lock_irq(&rdev->cm_lock);
	WRITE_ONCE(rdev->cm[l->id], NULL);
	spin_unlock_irq(&rdev->cm_lock);
	cancel_work_sync(&l->work);
	mutex_unlock(&rdev->cm_mutex);
	rdo_cm_release_qps(l);
	if (ret && !rdo_dead(rdev)) {
		/* The device may still write the table: leave it. */
		kfree(l);
		return;
	}
	rdo_buf_free(rdev, &l->table);
	kfree(l);
}
EXPORT_SYMBOL_GPL(rdo_cm_unlisten);

/* A QP in RESET goes to INIT with the command's access (its driver state). */
static int rdo_cm_take_qp(struct rdo_qp *qp, struct rdo_cm_listener *l,
			  struct rdo_cqp_cmd *cmd)
{
	enum ib_qp_state cur;
	int ret;

	mutex_lock(&qp->state_lock);
	cur = READ_ONCE(qp->state);
	if (qp->cm || (cur != IB_QPS_RESET && cur != IB_QPS_INIT)) {
		ret = -EINVAL;
		goto out;
	}
	/* Bound before the command: its entry may be in the table before we return. */
	qp->cm = l;
	ret = rdo_cqp_exec(l->rdev, cmd, NULL, NULL, 0);
	if (ret) {
		qp->cm = NULL;
		goto out;
	}
	/*
	 * INIT unless its entry got here first: the device may have connected
	 * it (RTS) or ended it before this thread saw the command complete,
	 * and INIT then would refuse the consumer's sends.
	 */
	if (cur == IB_QPS_RESET)
		cmpxchg(&qp->state, IB_QPS_RESET, IB_QPS_INIT);
out:
	mutex_unlock(&qp->state_lock);
	return ret;
}

int rdo_cm_pool_add(struct rdo_cm_listener *l, struct ib_qp *ibqp, int access)
{
	struct rdo_qp *qp = rdo_cm_qp(l, ibqp);
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_CM_POOL_ADD };

	if (!qp)
		return -EINVAL;
	cmd.obj = l->id;
	cmd.u.cm_pool.qpn = qp->qpn;
	cmd.u.cm_pool.access = rdo_access_conv(access, false);
	return rdo_cm_take_qp(qp, l, &cmd);
}
EXPORT_SYMBOL_GPL(rdo_cm_pool_add);

/* POOL_REMOVE or DISCONNECT: a command naming a QP the listener holds. */
static int rdo_cm_qp_cmd(struct rdo_cm_listener *l, struct ib_qp *ibqp, u8 opcode)
{
	struct rdo_qp *qp = rdo_cm_qp(l, ibqp);
	struct rdo_cqp_cmd cmd = { .opcode = opcode };
	int ret;

	if (!qp || qp->cm != l)
		return -EINVAL;
	cmd.obj = l->id;
	cmd.u.cm_pool.qpn = qp->qpn;
	ret = rdo_cqp_exec(l->rdev, &cmd, NULL, NULL, 0);
	if (ret)
		return ret;
	if (opcode == RDO_CMD_CM_POOL_REMOVE)
		qp->cm = NULL;
	else	/* ERR at once, unless its entry (a recycle) moved it on already */
		cmpxchg(&qp->state, IB_QPS_RTS, IB_QPS_ERR);
	return 0;
}

int rdo_cm_pool_remove(struct rdo_cm_listener *l, struct ib_qp *qp)
{
	return rdo_cm_qp_cmd(l, qp, RDO_CMD_CM_POOL_REMOVE);
}
EXPORT_SYMBOL_GPL(rdo_cm_pool_remove);

int rdo_cm_connect(struct rdo_cm_listener *l, struct ib_qp *ibqp,
		   const struct rdo_cm_connect_attr *attr)
{
	struct rdo_qp *qp = rdo_cm_qp(l, ibqp);
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_CM_CONNECT };
	struct rdo_cmd_cm_connect *c = &cmd.u.cm_connect;
	struct rdo_buf priv = {};
	int ret;

	if (!qp || !attr || attr->private_len > RDO_CM_MAX_PRIVATE ||
	    (attr->private_len && !attr->private_data))
		return -EINVAL;
	if (attr->private_len) {
		ret = rdo_buf_alloc(l->rdev, &priv, attr->private_len);
		if (ret)
			return ret;
		memcpy(priv.va, attr->private_data, attr->private_len);
		cmd.out_addr = priv.dma;	/* an input here */
	}
	cmd.obj = l->id;
	c->service_id = attr->service_id;
	c->qpn = qp->qpn;
	c->access = rdo_access_conv(attr->access, false);
	memcpy(c->dgid, attr->dgid.raw, sizeof(c->dgid));
	memcpy(c->dmac, attr->dmac, ETH_ALEN);
	c->sgid_index = attr->sgid_index;
	c->path_mtu = attr->path_mtu;
	c->src_port = attr->src_port;
	c->timeout = attr->timeout;
	c->retry_count = attr->retry_count;
	c->rnr_retry = attr->rnr_retry;
	c->cm_timeout = attr->cm_timeout;
	c->max_cm_retries = attr->max_cm_retries;
	c->private_len = attr->private_len;
	ret = rdo_cm_take_qp(qp, l, &cmd);
	if (priv.va)
		rdo_buf_free(l->rdev, &priv);
	return ret;
}
EXPORT_SYMBOL_GPL(rdo_cm_connect);

int rdo_cm_disconnect(struct rdo_cm_listener *l, struct ib_qp *qp)
{
	return rdo_cm_qp_cmd(l, qp, RDO_CMD_CM_DISCONNECT);
}
EXPORT_SYMBOL_GPL(rdo_cm_disconnect);

/* debugfs "cm": the device's CM counters (CM_QUERY), then our listeners. */
static const char *const rdo_cm_counter_names[] = {
	"mads_received", "mads_sent", "mads_malformed", "mads_unexpected",
	"reqs", "reqs_dup", "established", "established_by_data",
	"rej_sent", "rej_no_listener", "rej_no_qp", "rej_no_resources",
	"rej_bad_private", "rej_timeout", "rej_other", "rej_received",
	"rep_retries", "mra_received", "dreq_received", "drep_sent",
	"disconnected", "aborted", "entries", "events", "entries_lost",
	"reqs_sent", "reps_received", "dreqs_sent", "drep_received",
	"req_dreq_retries", "req_timeouts",
};
static_assert(ARRAY_SIZE(rdo_cm_counter_names) ==
	      offsetof(struct rdo_cm_counters, reserved) / sizeof(u64));

static int rdo_cm_show(struct seq_file *m, void *v)
{
	struct rdo_dev *rdev = m->private;
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_CM_QUERY };
	struct rdo_cm_counters cnt;
	const u64 *val = (const u64 *)&cnt;
	struct rdo_cm_listener *l;
	unsigned int i;
	int ret;

	ret = rdo_cqp_exec(rdev, &cmd, NULL, &cnt, sizeof(cnt));
	if (ret) {
		seq_printf(m, "query_error=%d\n", ret);
	} else {
		for (i = 0; i < ARRAY_SIZE(rdo_cm_counter_names); i++)
			seq_printf(m, "cm.%s=%llu\n", rdo_cm_counter_names[i], val[i]);
	}
	mutex_lock(&rdev->cm_mutex);
	for (i = 0; i < RDO_CM_LISTENERS; i++) {
		l = rdev->cm[i];
		if (!l)
			continue;
		mutex_lock(&l->lock);
		seq_printf(m, "listener.%u.consumed=%u\nlistener.%u.notified=%u\n"
			   "listener.%u.events=%llu\nlistener.%u.established=%llu\n"
			   "listener.%u.disconnected=%llu\nlistener.%u.aborted=%llu\n"
			   "listener.%u.recycled=%llu\nlistener.%u.stray=%llu\n",
			   i, l->ci, i, READ_ONCE(l->notified), i, READ_ONCE(l->events),
			   i, l->established, i, l->disconnected, i, l->aborted,
			   i, l->recycled, i, l->stray);
		mutex_unlock(&l->lock);
	}
	mutex_unlock(&rdev->cm_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rdo_cm);

void rdo_cm_debugfs(struct rdo_dev *rdev)
{
	debugfs_create_file("cm", 0400, rdev->dbg, rdev, &rdo_cm_fops);
}

void rdo_cm_init(struct rdo_dev *rdev)
{
	spin_lock_init(&rdev->cm_lock);
	mutex_init(&rdev->cm_mutex);
}
