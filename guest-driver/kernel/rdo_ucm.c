// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: the offloaded connection manager for user space, as
 * driver-specific uverbs methods (rdma_offload-abi.h, RDO_IB_OBJECT_CM_LISTENER;
 * the provider's rdodv_cm_* in <infiniband/rdodv.h>). A listener object
 * wraps a kernel-API listener (rdo_cm.c) whose pool takes the process's own
 * RC QPs; its handler copies each entry into a queue of the object's that
 * CM_POLL empties, waiting for the first if asked. The object goes with its
 * uverbs handle (CM_DESTROY, the process's exit, the device's removal), and
 * unlistening takes its pool's QPs out of the device's hands first.
 */
#include <linux/slab.h>
#include <linux/wait.h>
#define UVERBS_MODULE_NAME rdma_offload_ib
#include <rdma/uverbs_named_ioctl.h>

#include "rdo_ib.h"
#include "rdma_offload-verbs.h"

#define RDO_UCM_ACCESS	(IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_WRITE | \
			 IB_ACCESS_REMOTE_READ | IB_ACCESS_REMOTE_ATOMIC)

struct rdo_ucm {
	struct rdo_cm_listener *l;
	spinlock_t lock;		/* the queue */
	wait_queue_head_t wait;
	struct rdo_ucm_event *q;
	u32 size;			/* a power of 2 */
	u32 head, tail;			/* written, read: free-running */
	u32 lost;
};

/* The listener's work: one entry, into the queue (or counted as lost). */
static void rdo_ucm_handler(struct rdo_cm_listener *l, const struct rdo_cm_event *ev,
			    void *context)
{
	struct rdo_ucm *u = context;
	struct rdo_ucm_event *e;

	spin_lock_irq(&u->lock);
	if (u->head - u->tail == u->size) {
		u->lost++;
		spin_unlock_irq(&u->lock);
		return;
	}
	e = &u->q[u->head & (u->size - 1)];
	memset(e, 0, sizeof(*e));
	e->type = ev->type;
	e->qpn = ev->qpn;
	e->peer_qpn = ev->peer_qpn;
	e->peer_port = ev->peer_port;
	e->reason = ev->reason;
	e->time_ns = ev->time_ns;
	memcpy(e->peer_gid, ev->peer_gid.raw, sizeof(e->peer_gid));
	memcpy(e->peer_mac, ev->peer_mac, sizeof(e->peer_mac));
	e->flags = ev->rdma_cm ? RDO_UCM_EV_RDMA_CM : 0;
	e->private_len = min_t(u8, ev->private_len, RDO_UCM_MAX_PRIVATE);
	memcpy(e->private_data, ev->private_data, e->private_len);
	e->responder_resources = ev->responder_resources;
	e->initiator_depth = ev->initiator_depth;
	e->path_mtu = ev->path_mtu;
	e->sq_psn = ev->sq_psn;
	e->rq_psn = ev->rq_psn;
	u->head++;
	spin_unlock_irq(&u->lock);
	wake_up(&u->wait);
}

static int rdo_ucm_cleanup(struct ib_uobject *uobj, enum rdma_remove_reason why,
			   struct uverbs_attr_bundle *attrs)
{
	struct rdo_ucm *u = uobj->object;

	/* Its last entries go through the handler before this returns. */
	rdo_cm_unlisten(u->l);
	kvfree(u->q);
	kfree(u);
	return 0;
}

static int UVERBS_HANDLER(RDO_IB_METHOD_CM_LISTEN)(struct uverbs_attr_bundle *attrs)
{
	struct ib_uobject *uobj = uverbs_attr_get_uobject(attrs, RDO_IB_ATTR_CM_HANDLE);
	struct rdo_cm_listen_attr la = {};
	struct rdo_ucm_listen in;
	struct rdo_ucm *u;
	int ret;

	ret = uverbs_copy_from(&in, attrs, RDO_IB_ATTR_CM_LISTEN);
	if (ret)
		return ret;
	if (in.reserved[0] || in.reserved[1] || in.flags & ~RDO_UCM_LISTEN_RDMA_CM)
		return -EINVAL;
	la.service_id = in.service_id;
	memcpy(la.addr.raw, in.addr, sizeof(la.addr.raw));
	la.flags = in.flags & RDO_UCM_LISTEN_RDMA_CM ? RDO_CM_LISTEN_RDMA_CM : 0;
	la.table_entries = in.table_entries ?: 256;
	la.notify_count = in.notify_count;
	la.notify_usec = in.notify_usec;
	la.responder_resources = in.responder_resources;
	la.initiator_depth = in.initiator_depth;
	la.min_rnr_timer = in.min_rnr_timer;
	la.rnr_retry = in.rnr_retry;
	la.handler = rdo_ucm_handler;
	/* rdo_cm_listen_as checks the rest; the queue's size wants a sane table. */
	if (!is_power_of_2(la.table_entries) || la.table_entries > 65536)
		return -EINVAL;
	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	spin_lock_init(&u->lock);
	init_waitqueue_head(&u->wait);
	u->size = 2 * la.table_entries;
	u->q = kvcalloc(u->size, sizeof(*u->q), GFP_KERNEL);
	if (!u->q) {
		kfree(u);
		return -ENOMEM;
	}
	la.context = u;
	u->l = rdo_cm_listen_as(attrs->context->device, &la, true);
	if (IS_ERR(u->l)) {
		ret = PTR_ERR(u->l);
		kvfree(u->q);
		kfree(u);
		return ret;
	}
	uobj->object = u;
	uverbs_finalize_uobj_create(attrs, RDO_IB_ATTR_CM_HANDLE);
	return 0;
}

static struct rdo_ucm *rdo_ucm_of(struct uverbs_attr_bundle *attrs)
{
	return uverbs_attr_get_obj(attrs, RDO_IB_ATTR_CM_HANDLE);
}

static struct ib_qp *rdo_ucm_qp(struct uverbs_attr_bundle *attrs)
{
	return uverbs_attr_get_obj(attrs, RDO_IB_ATTR_CM_QP);
}

static int UVERBS_HANDLER(RDO_IB_METHOD_CM_POOL_ADD)(struct uverbs_attr_bundle *attrs)
{
	u32 access;
	int ret;

	ret = uverbs_copy_from(&access, attrs, RDO_IB_ATTR_CM_ACCESS);
	if (ret)
		return ret;
	if (access & ~RDO_UCM_ACCESS)
		return -EINVAL;
	return rdo_cm_pool_add(rdo_ucm_of(attrs)->l, rdo_ucm_qp(attrs), access);
}

static int UVERBS_HANDLER(RDO_IB_METHOD_CM_POOL_REMOVE)(struct uverbs_attr_bundle *attrs)
{
	return rdo_cm_pool_remove(rdo_ucm_of(attrs)->l, rdo_ucm_qp(attrs));
}

static int UVERBS_HANDLER(RDO_IB_METHOD_CM_CONNECT)(struct uverbs_attr_bundle *attrs)
{
	struct rdo_cm_connect_attr ca = {};
	struct rdo_ucm_connect in;
	int ret;

	ret = uverbs_copy_from(&in, attrs, RDO_IB_ATTR_CM_CONNECT);
	if (ret)
		return ret;
	if (in.reserved || in.access & ~RDO_UCM_ACCESS ||
	    in.private_len > RDO_UCM_MAX_PRIVATE ||
	    in.path_mtu < IB_MTU_256 || in.path_mtu > IB_MTU_4096)
		return -EINVAL;
	ca.service_id = in.service_id;
	memcpy(ca.dgid.raw, in.dgid, sizeof(ca.dgid.raw));
	memcpy(ca.dmac, in.dmac, ETH_ALEN);
	ca.sgid_index = in.sgid_index;
	ca.path_mtu = in.path_mtu;
	ca.src_port = in.src_port;
	ca.access = in.access;
	ca.timeout = in.timeout;
	ca.retry_count = in.retry_count;
	ca.rnr_retry = in.rnr_retry;
	ca.cm_timeout = in.cm_timeout;
	ca.max_cm_retries = in.max_cm_retries;
	ca.private_len = in.private_len;
	ca.private_data = in.private_data;
	return rdo_cm_connect(rdo_ucm_of(attrs)->l, rdo_ucm_qp(attrs), &ca);
}

static int UVERBS_HANDLER(RDO_IB_METHOD_CM_DISCONNECT)(struct uverbs_attr_bundle *attrs)
{
	return rdo_cm_disconnect(rdo_ucm_of(attrs)->l, rdo_ucm_qp(attrs));
}

/*
 * Up to as many events as the output holds, waiting up to the timeout for
 * the first. The wait holds the object shared: destroying it meanwhile
 * fails with EBUSY, and removal waits for the wait's end (hence the cap).
 */
static int UVERBS_HANDLER(RDO_IB_METHOD_CM_POLL)(struct uverbs_attr_bundle *attrs)
{
	struct rdo_ucm *u = rdo_ucm_of(attrs);
	struct rdo_ucm_poll_resp resp = {};
	struct rdo_ucm_event *out;
	u32 timeout_ms = 0, max, n;
	long left;
	int ret;

	ret = uverbs_copy_from(&timeout_ms, attrs, RDO_IB_ATTR_CM_TIMEOUT_MS);
	if (ret && ret != -ENOENT)
		return ret;
	max = uverbs_attr_get_len(attrs, RDO_IB_ATTR_CM_EVENTS) / sizeof(*out);
	if (max < 1)
		return -EINVAL;
	max = min_t(u32, max, RDO_UCM_POLL_MAX);
	if (timeout_ms) {
		left = wait_event_interruptible_timeout(u->wait,
				READ_ONCE(u->head) != READ_ONCE(u->tail),
				msecs_to_jiffies(min_t(u32, timeout_ms, RDO_UCM_POLL_MAX_MS)));
		if (left < 0)
			return left;
	}
	out = kcalloc(max, sizeof(*out), GFP_KERNEL);
	if (!out)
		return -ENOMEM;
	spin_lock_irq(&u->lock);
	for (n = 0; n < max && u->tail != u->head; n++, u->tail++)
		out[n] = u->q[u->tail & (u->size - 1)];
	resp.lost = u->lost;
	u->lost = 0;
	spin_unlock_irq(&u->lock);
	resp.count = n;
	ret = uverbs_copy_to(attrs, RDO_IB_ATTR_CM_EVENTS, out, n * sizeof(*out));
	if (!ret)
		ret = uverbs_copy_to(attrs, RDO_IB_ATTR_CM_POLL_RESP, &resp, sizeof(resp));
	kfree(out);
	return ret;
}

#define RDO_UCM_HANDLE(access) \
	UVERBS_ATTR_IDR(RDO_IB_ATTR_CM_HANDLE, RDO_IB_OBJECT_CM_LISTENER, \
			access, UA_MANDATORY)
#define RDO_UCM_QP \
	UVERBS_ATTR_IDR(RDO_IB_ATTR_CM_QP, UVERBS_OBJECT_QP, \
			UVERBS_ACCESS_READ, UA_MANDATORY)

DECLARE_UVERBS_NAMED_METHOD(
	RDO_IB_METHOD_CM_LISTEN,
	RDO_UCM_HANDLE(UVERBS_ACCESS_NEW),
	UVERBS_ATTR_PTR_IN(RDO_IB_ATTR_CM_LISTEN,
			   UVERBS_ATTR_TYPE(struct rdo_ucm_listen), UA_MANDATORY));

DECLARE_UVERBS_NAMED_METHOD_DESTROY(
	RDO_IB_METHOD_CM_DESTROY,
	RDO_UCM_HANDLE(UVERBS_ACCESS_DESTROY));

DECLARE_UVERBS_NAMED_METHOD(
	RDO_IB_METHOD_CM_POOL_ADD,
	RDO_UCM_HANDLE(UVERBS_ACCESS_READ), RDO_UCM_QP,
	UVERBS_ATTR_PTR_IN(RDO_IB_ATTR_CM_ACCESS, UVERBS_ATTR_TYPE(u32), UA_MANDATORY));

DECLARE_UVERBS_NAMED_METHOD(
	RDO_IB_METHOD_CM_POOL_REMOVE,
	RDO_UCM_HANDLE(UVERBS_ACCESS_READ), RDO_UCM_QP);

DECLARE_UVERBS_NAMED_METHOD(
	RDO_IB_METHOD_CM_CONNECT,
	RDO_UCM_HANDLE(UVERBS_ACCESS_READ), RDO_UCM_QP,
	UVERBS_ATTR_PTR_IN(RDO_IB_ATTR_CM_CONNECT,
			   UVERBS_ATTR_TYPE(struct rdo_ucm_connect), UA_MANDATORY));

DECLARE_UVERBS_NAMED_METHOD(
	RDO_IB_METHOD_CM_DISCONNECT,
	RDO_UCM_HANDLE(UVERBS_ACCESS_READ), RDO_UCM_QP);

DECLARE_UVERBS_NAMED_METHOD(
	RDO_IB_METHOD_CM_POLL,
	RDO_UCM_HANDLE(UVERBS_ACCESS_READ),
	UVERBS_ATTR_PTR_IN(RDO_IB_ATTR_CM_TIMEOUT_MS, UVERBS_ATTR_TYPE(u32)),
	UVERBS_ATTR_PTR_OUT(RDO_IB_ATTR_CM_EVENTS,
			    UVERBS_ATTR_MIN_SIZE(sizeof(struct rdo_ucm_event)),
			    UA_MANDATORY),
	UVERBS_ATTR_PTR_OUT(RDO_IB_ATTR_CM_POLL_RESP,
			    UVERBS_ATTR_TYPE(struct rdo_ucm_poll_resp), UA_MANDATORY));

DECLARE_UVERBS_NAMED_OBJECT(
	RDO_IB_OBJECT_CM_LISTENER,
	UVERBS_TYPE_ALLOC_IDR(rdo_ucm_cleanup),
	&UVERBS_METHOD(RDO_IB_METHOD_CM_LISTEN),
	&UVERBS_METHOD(RDO_IB_METHOD_CM_DESTROY),
	&UVERBS_METHOD(RDO_IB_METHOD_CM_POOL_ADD),
	&UVERBS_METHOD(RDO_IB_METHOD_CM_POOL_REMOVE),
	&UVERBS_METHOD(RDO_IB_METHOD_CM_CONNECT),
	&UVERBS_METHOD(RDO_IB_METHOD_CM_DISCONNECT),
	&UVERBS_METHOD(RDO_IB_METHOD_CM_POLL));

const struct uapi_definition rdo_ucm_defs[] = {
	UAPI_DEF_CHAIN_OBJ_TREE_NAMED(RDO_IB_OBJECT_CM_LISTENER),
	{},
};
