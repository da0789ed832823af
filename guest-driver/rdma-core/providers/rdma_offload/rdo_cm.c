// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * rdma_offload provider: the offloaded connection manager's direct entry
 * points (rdodv.h), each one driver-specific uverbs method of the kernel
 * driver's listener object (rdma_offload-abi.h, RDO_IB_OBJECT_CM_LISTENER).
 * The poll also brings the QPs' verbs state in step with what the device
 * did to them, so that ibv_post_send accepts sends once established.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <infiniband/cmd_ioctl.h>

#include "rdo.h"
#include "rdodv.h"

struct rdodv_cm_listener {
	struct ibv_context *context;
	uint32_t handle;
};

struct rdodv_cm_listener *rdodv_cm_listen(struct ibv_context *context,
					  const struct rdodv_cm_listen_attr *attr)
{
	DECLARE_COMMAND_BUFFER(cmd, RDO_IB_OBJECT_CM_LISTENER,
			       RDO_IB_METHOD_CM_LISTEN, 2);
	struct rdo_ucm_listen in = {};
	struct rdodv_cm_listener *l;
	struct ib_uverbs_attr *handle;
	int ret;

	if (!context || !attr || !rdodv_is_supported(context->device)) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	if (attr->flags & ~RDODV_CM_LISTEN_RDMA_CM) {
		errno = EINVAL;
		return NULL;
	}
	in.service_id = attr->service_id;
	memcpy(in.addr, attr->addr.raw, sizeof(in.addr));
	in.flags = attr->flags & RDODV_CM_LISTEN_RDMA_CM ? RDO_UCM_LISTEN_RDMA_CM : 0;
	in.table_entries = attr->table_entries;
	in.notify_count = attr->notify_count;
	in.notify_usec = attr->notify_usec;
	in.responder_resources = attr->responder_resources;
	in.initiator_depth = attr->initiator_depth;
	in.min_rnr_timer = attr->min_rnr_timer;
	in.rnr_retry = attr->rnr_retry;
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	handle = fill_attr_out_obj(cmd, RDO_IB_ATTR_CM_HANDLE);
	fill_attr_in_ptr(cmd, RDO_IB_ATTR_CM_LISTEN, &in);
	ret = execute_ioctl(context, cmd);
	if (ret) {
		free(l);
		errno = ret;
		return NULL;
	}
	l->context = context;
	l->handle = read_attr_obj(RDO_IB_ATTR_CM_HANDLE, handle);
	return l;
}

int rdodv_cm_unlisten(struct rdodv_cm_listener *l)
{
	DECLARE_COMMAND_BUFFER(cmd, RDO_IB_OBJECT_CM_LISTENER,
			       RDO_IB_METHOD_CM_DESTROY, 1);
	int ret;

	if (!l)
		return EINVAL;
	fill_attr_in_obj(cmd, RDO_IB_ATTR_CM_HANDLE, l->handle);
	ret = execute_ioctl(l->context, cmd);
	if (!ret)
		free(l);
	return ret;
}

/* The QP belongs to the listener's context (the kernel checks the rest). */
static bool rdo_cm_qp_ok(const struct rdodv_cm_listener *l, const struct ibv_qp *qp)
{
	return l && qp && qp->context == l->context && qp->qp_type == IBV_QPT_RC;
}

/* POOL_REMOVE, DISCONNECT: a method naming the listener and a QP. */
static int rdo_cm_qp_method(struct rdodv_cm_listener *l, struct ibv_qp *qp,
			    uint16_t method)
{
	DECLARE_COMMAND_BUFFER(cmd, RDO_IB_OBJECT_CM_LISTENER, method, 2);

	if (!rdo_cm_qp_ok(l, qp))
		return EINVAL;
	fill_attr_in_obj(cmd, RDO_IB_ATTR_CM_HANDLE, l->handle);
	fill_attr_in_obj(cmd, RDO_IB_ATTR_CM_QP, qp->handle);
	return execute_ioctl(l->context, cmd);
}

int rdodv_cm_pool_add(struct rdodv_cm_listener *l, struct ibv_qp *qp, int access)
{
	DECLARE_COMMAND_BUFFER(cmd, RDO_IB_OBJECT_CM_LISTENER,
			       RDO_IB_METHOD_CM_POOL_ADD, 3);
	uint32_t acc = access;
	int ret;

	if (!rdo_cm_qp_ok(l, qp))
		return EINVAL;
	fill_attr_in_obj(cmd, RDO_IB_ATTR_CM_HANDLE, l->handle);
	fill_attr_in_obj(cmd, RDO_IB_ATTR_CM_QP, qp->handle);
	fill_attr_in_ptr(cmd, RDO_IB_ATTR_CM_ACCESS, &acc);
	ret = execute_ioctl(l->context, cmd);
	/* The device took a QP in RESET to INIT: receives may be posted. */
	if (!ret && qp->state == IBV_QPS_RESET)
		qp->state = IBV_QPS_INIT;
	return ret;
}

int rdodv_cm_pool_remove(struct rdodv_cm_listener *l, struct ibv_qp *qp)
{
	return rdo_cm_qp_method(l, qp, RDO_IB_METHOD_CM_POOL_REMOVE);
}

int rdodv_cm_connect(struct rdodv_cm_listener *l, struct ibv_qp *qp,
		     const struct rdodv_cm_connect_attr *attr)
{
	DECLARE_COMMAND_BUFFER(cmd, RDO_IB_OBJECT_CM_LISTENER,
			       RDO_IB_METHOD_CM_CONNECT, 3);
	struct rdo_ucm_connect in = {};
	int ret;

	if (!rdo_cm_qp_ok(l, qp) || !attr || attr->private_len > RDODV_CM_MAX_PRIVATE ||
	    (attr->private_len && !attr->private_data))
		return EINVAL;
	in.service_id = attr->service_id;
	memcpy(in.dgid, attr->dgid.raw, sizeof(in.dgid));
	memcpy(in.dmac, attr->dmac, sizeof(in.dmac));
	in.sgid_index = attr->sgid_index;
	in.path_mtu = attr->path_mtu;
	in.access = attr->access;
	in.src_port = attr->src_port;
	in.timeout = attr->timeout;
	in.retry_count = attr->retry_count;
	in.rnr_retry = attr->rnr_retry;
	in.cm_timeout = attr->cm_timeout;
	in.max_cm_retries = attr->max_cm_retries;
	in.private_len = attr->private_len;
	if (attr->private_len)
		memcpy(in.private_data, attr->private_data, attr->private_len);
	fill_attr_in_obj(cmd, RDO_IB_ATTR_CM_HANDLE, l->handle);
	fill_attr_in_obj(cmd, RDO_IB_ATTR_CM_QP, qp->handle);
	fill_attr_in_ptr(cmd, RDO_IB_ATTR_CM_CONNECT, &in);
	ret = execute_ioctl(l->context, cmd);
	if (!ret && qp->state == IBV_QPS_RESET)
		qp->state = IBV_QPS_INIT;
	return ret;
}

int rdodv_cm_disconnect(struct rdodv_cm_listener *l, struct ibv_qp *qp)
{
	int ret = rdo_cm_qp_method(l, qp, RDO_IB_METHOD_CM_DISCONNECT);

	/* The device put it in ERR at once: sends from now on are refused. */
	if (!ret)
		qp->state = IBV_QPS_ERR;
	return ret;
}

static void rdo_cm_event_of(struct rdo_context *ctx, const struct rdo_ucm_event *e,
			    struct rdodv_cm_event *ev)
{
	struct rdo_qp *qp = rdo_qp_lookup(ctx, e->qpn);

	memset(ev, 0, sizeof(*ev));
	ev->type = e->type;
	ev->qp = qp ? &qp->vqp.qp : NULL;
	ev->qp_num = e->qpn;
	ev->peer_qpn = e->peer_qpn;
	memcpy(ev->peer_gid.raw, e->peer_gid, sizeof(ev->peer_gid.raw));
	memcpy(ev->peer_mac, e->peer_mac, sizeof(ev->peer_mac));
	ev->peer_port = e->peer_port;
	ev->reason = e->reason;
	ev->time_ns = e->time_ns;
	ev->rdma_cm = e->flags & RDO_UCM_EV_RDMA_CM;
	ev->private_len = e->private_len > RDODV_CM_MAX_PRIVATE ?
			  RDODV_CM_MAX_PRIVATE : e->private_len;
	memcpy(ev->private_data, e->private_data, ev->private_len);
	ev->responder_resources = e->responder_resources;
	ev->initiator_depth = e->initiator_depth;
	ev->path_mtu = e->path_mtu;
	ev->sq_psn = e->sq_psn;
	ev->rq_psn = e->rq_psn;
	if (qp)		/* what the device did to the QP */
		qp->vqp.qp.state = e->type == RDO_UCM_ESTABLISHED ? IBV_QPS_RTS : IBV_QPS_ERR;
}

int rdodv_cm_poll(struct rdodv_cm_listener *l, struct rdodv_cm_event *events,
		  int max, int timeout_ms, uint32_t *lost)
{
	DECLARE_COMMAND_BUFFER(cmd, RDO_IB_OBJECT_CM_LISTENER,
			       RDO_IB_METHOD_CM_POLL, 4);
	struct rdo_ucm_event raw[RDO_UCM_POLL_MAX];
	struct rdo_ucm_poll_resp resp = {};
	uint32_t ms = timeout_ms < 0 ? 0 : timeout_ms;
	uint32_t i;
	int ret;

	if (!l || !events || max < 1)
		return -EINVAL;
	if (max > RDO_UCM_POLL_MAX)
		max = RDO_UCM_POLL_MAX;
	fill_attr_in_obj(cmd, RDO_IB_ATTR_CM_HANDLE, l->handle);
	fill_attr_in_ptr(cmd, RDO_IB_ATTR_CM_TIMEOUT_MS, &ms);
	fill_attr_out(cmd, RDO_IB_ATTR_CM_EVENTS, raw, max * sizeof(raw[0]));
	fill_attr_out_ptr(cmd, RDO_IB_ATTR_CM_POLL_RESP, &resp);
	ret = execute_ioctl(l->context, cmd);
	if (ret)
		return -ret;
	if (lost)
		*lost += resp.lost;
	if (resp.count > (uint32_t)max)		/* never from a sane kernel */
		return -EIO;
	for (i = 0; i < resp.count; i++)
		rdo_cm_event_of(to_rctx(l->context), &raw[i], &events[i]);
	return resp.count;
}
