// SPDX-License-Identifier: GPL-2.0
/*
 * rdo_cm_test: an echo server on the adapter's offloaded connection
 * establishment (rdma_offload-verbs.h), for stock librdmacm clients
 * (tests/guest/rdmacm-examples.sh). It serves rdma-core's rdma_client:
 * that client posts one 16-byte receive, connects to an RDMA_PS_TCP port,
 * SENDs 16 bytes, waits for its send and receive completions and
 * disconnects. Here each pool QP has one receive posted before any
 * connection; its completion is answered with a SEND of the same bytes.
 * A SEND that completes successfully was acknowledged, so it landed in the
 * client's receive: "echoed" counts clients that got their answer. The
 * client may also get its answer, disconnect, and have its DREQ (on the
 * GSI QP) reach us before its ACK of our SEND: the SEND is then flushed
 * with the QP although it arrived ("send_flushed"; the client's exit
 * status says whether it did).
 * Driven through /sys/kernel/debug/rdo_cm_test/:
 *
 *   ctl     one command per write; the write fails when the command does
 *   result  what the latest command found: key=value lines, check.NAME=
 *           ok|FAIL, failures=N, result=pass|fail
 *
 * Commands:
 *   listen DEV port=P pool=N addr=A.B.C.D   N RC QPs (INIT, a receive
 *           each) in the pool of an offloaded listener for RDMA CM port P
 *           on address A.B.C.D (RDMA CM header checked, QPs recycled)
 *   wait N  until N connections were established, echoed and ended (a
 *           hang guard of 60 s, not a pass/fail bound); then the counts
 *           and the checks of every event so far
 *   unlisten  the listener and everything else goes
 * The device going away tears everything down.
 */
#include <linux/debugfs.h>
#include <linux/inet.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <net/ipv6.h>
#include <rdma/ib_verbs.h>

#include "rdma_offload-verbs.h"

#define CT_MAX_POOL	64
#define CT_MSG		16		/* rdma_client's message */
#define CT_SLOT		64		/* per QP: receive half, send half */
#define CT_WAIT		(60 * HZ)
#define CT_LOG_SIZE	4096

struct ct_qp {
	struct ib_qp *qp;
	struct ib_cqe recv_cqe, send_cqe;
	u32 idx;
	bool connected;			/* between ESTABLISHED and its end */
};

static struct ct {
	struct mutex lock;		/* the objects below, the log */
	struct ib_device *dev;
	struct ib_pd *pd;
	struct ib_cq *cq;
	struct rdo_cm_listener *l;
	struct ct_qp q[CT_MAX_POOL];
	u32 n;
	u8 *buf;			/* CT_SLOT per QP */
	u64 dma;
	union ib_gid addr;
	wait_queue_head_t wq;
	/* Counts, from the CM handler and the CQ's work. */
	atomic_t established, disconnected, aborted, recycled, not_recycled;
	atomic_t received, echoed, flushed, send_flushed, bad_len, bad_entry, bad_order;
	atomic_t wc_errors, post_errors;
	char *log;
	size_t len;
	int failures;
} ct;

static struct dentry *ct_dir;

static __printf(1, 2) void ct_kv(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ct.len += vscnprintf(ct.log + ct.len, CT_LOG_SIZE - ct.len, fmt, ap);
	va_end(ap);
	ct.len += scnprintf(ct.log + ct.len, CT_LOG_SIZE - ct.len, "\n");
}

static bool ct_check(const char *name, bool ok)
{
	ct_kv("check.%s=%s", name, ok ? "ok" : "FAIL");
	if (!ok)
		ct.failures++;
	return ok;
}

static int ct_post_recv(struct ct_qp *q)
{
	struct ib_sge sge = {
		.addr = ct.dma + q->idx * CT_SLOT, .length = CT_SLOT / 2,
		.lkey = ct.pd->local_dma_lkey,
	};
	struct ib_recv_wr wr = { .wr_cqe = &q->recv_cqe, .sg_list = &sge, .num_sge = 1 };
	int ret = ib_post_recv(q->qp, &wr, NULL);

	if (ret)
		atomic_inc(&ct.post_errors);
	return ret;
}

static void ct_recv_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct ct_qp *q = container_of(wc->wr_cqe, struct ct_qp, recv_cqe);
	u8 *slot = ct.buf + q->idx * CT_SLOT;
	struct ib_sge sge = {
		.addr = ct.dma + q->idx * CT_SLOT + CT_SLOT / 2, .length = CT_MSG,
		.lkey = ct.pd->local_dma_lkey,
	};
	struct ib_send_wr wr = {
		.wr_cqe = &q->send_cqe, .sg_list = &sge, .num_sge = 1,
		.opcode = IB_WR_SEND, .send_flags = IB_SEND_SIGNALED,
	};

	if (wc->status == IB_WC_WR_FLUSH_ERR) {
		atomic_inc(&ct.flushed);
		return;
	}
	if (wc->status != IB_WC_SUCCESS) {
		atomic_inc(&ct.wc_errors);
		return;
	}
	atomic_inc(&ct.received);
	if (wc->byte_len != CT_MSG) {
		atomic_inc(&ct.bad_len);
		return;
	}
	/* The echo: the received bytes, sent from the slot's second half. */
	ib_dma_sync_single_for_cpu(ct.dev, ct.dma, ct.n * CT_SLOT, DMA_BIDIRECTIONAL);
	memcpy(slot + CT_SLOT / 2, slot, CT_MSG);
	ib_dma_sync_single_for_device(ct.dev, ct.dma, ct.n * CT_SLOT, DMA_BIDIRECTIONAL);
	if (ib_post_send(q->qp, &wr, NULL))
		atomic_inc(&ct.post_errors);
}

static void ct_send_done(struct ib_cq *cq, struct ib_wc *wc)
{
	if (wc->status == IB_WC_SUCCESS)
		atomic_inc(&ct.echoed);
	else if (wc->status == IB_WC_WR_FLUSH_ERR)
		atomic_inc(&ct.send_flushed);
	else
		atomic_inc(&ct.wc_errors);
	wake_up(&ct.wq);
}

static struct ct_qp *ct_find(struct ib_qp *qp)
{
	u32 i;

	for (i = 0; i < ct.n; i++)
		if (ct.q[i].qp == qp)
			return &ct.q[i];
	return NULL;
}

/* Process context (the driver's work); never under ct.lock's holder's feet. */
static void ct_handler(struct rdo_cm_listener *l, const struct rdo_cm_event *ev,
		       void *context)
{
	struct ct_qp *q = ct_find(ev->qp);

	if (!q) {
		atomic_inc(&ct.bad_entry);
		return;
	}
	switch (ev->type) {
	case RDO_CM_ESTABLISHED:
		/* From the client's address, with the RDMA CM header seen. */
		if (!ev->rdma_cm || !ev->peer_qpn || !ev->peer_port ||
		    !ipv6_addr_v4mapped((const struct in6_addr *)ev->peer_gid.raw) ||
		    !memcmp(ev->peer_gid.raw, ct.addr.raw, sizeof(ct.addr.raw)))
			atomic_inc(&ct.bad_entry);
		if (q->connected)
			atomic_inc(&ct.bad_order);
		q->connected = true;
		atomic_inc(&ct.established);
		break;
	case RDO_CM_DISCONNECTED:
	case RDO_CM_ABORTED:
		if (ev->type == RDO_CM_DISCONNECTED) {
			if (!q->connected)
				atomic_inc(&ct.bad_order);
			atomic_inc(&ct.disconnected);
		} else {
			atomic_inc(&ct.aborted);
		}
		q->connected = false;
		if (ev->recycled) {
			atomic_inc(&ct.recycled);
			ct_post_recv(q);	/* ready for the next client */
		} else {
			atomic_inc(&ct.not_recycled);
		}
		break;
	}
	wake_up(&ct.wq);
}

static void ct_teardown(void)
{
	u32 i;

	if (ct.l)
		rdo_cm_unlisten(ct.l);
	ct.l = NULL;
	for (i = 0; i < ct.n; i++)
		if (ct.q[i].qp)
			ib_destroy_qp(ct.q[i].qp);
	memset(ct.q, 0, sizeof(ct.q));
	ct.n = 0;
	if (ct.cq)
		ib_free_cq(ct.cq);
	ct.cq = NULL;
	if (ct.dma)
		ib_dma_unmap_single(ct.dev, ct.dma, CT_MAX_POOL * CT_SLOT, DMA_BIDIRECTIONAL);
	ct.dma = 0;
	kfree(ct.buf);
	ct.buf = NULL;
	if (ct.pd)
		ib_dealloc_pd(ct.pd);
	ct.pd = NULL;
	if (ct.dev)
		ib_device_put(ct.dev);
	ct.dev = NULL;
}

static void ct_reset_counts(void)
{
	atomic_t *c[] = { &ct.established, &ct.disconnected, &ct.aborted,
			  &ct.recycled, &ct.not_recycled, &ct.received, &ct.echoed,
			  &ct.flushed, &ct.send_flushed, &ct.bad_len, &ct.bad_entry,
			  &ct.bad_order, &ct.wc_errors, &ct.post_errors };
	u32 i;

	for (i = 0; i < ARRAY_SIZE(c); i++)
		atomic_set(c[i], 0);
}

static int ct_make_pool(u32 n)
{
	struct ib_qp_init_attr qa = {
		.cap = { .max_send_wr = 2, .max_send_sge = 1,
			 .max_recv_wr = 2, .max_recv_sge = 1 },
		.sq_sig_type = IB_SIGNAL_REQ_WR,
		.qp_type = IB_QPT_RC,
	};
	u32 i;
	int ret;

	ct.cq = ib_alloc_cq(ct.dev, NULL, 4 * n, 0, IB_POLL_WORKQUEUE);
	if (IS_ERR(ct.cq))
		return PTR_ERR(xchg(&ct.cq, NULL));
	qa.send_cq = qa.recv_cq = ct.cq;
	for (i = 0; i < n; i++) {
		struct ct_qp *q = &ct.q[i];

		q->idx = i;
		q->recv_cqe.done = ct_recv_done;
		q->send_cqe.done = ct_send_done;
		q->qp = ib_create_qp(ct.pd, &qa);
		if (IS_ERR(q->qp))
			return PTR_ERR(xchg(&q->qp, NULL));
		ct.n = i + 1;
		/* RESET: the device takes it to INIT; then a receive waits. */
		ret = rdo_cm_pool_add(ct.l, q->qp, IB_ACCESS_LOCAL_WRITE);
		if (ret) {
			ct_kv("error=pool add of QP %u: %d", q->qp->qp_num, ret);
			return ret;
		}
		ret = ct_post_recv(q);
		if (ret)
			return ret;
	}
	return 0;
}

static int ct_listen(char *args)
{
	char *name = strsep(&args, " "), *kv;
	struct rdo_cm_listen_attr la = {
		.flags = RDO_CM_LISTEN_RDMA_CM | RDO_CM_LISTEN_RECYCLE,
		.table_entries = 64,
		.notify_count = 4,	/* batches: one event per 4 entries, */
		.notify_usec = 500,	/* or 500 us after the first */
		.responder_resources = 4, .initiator_depth = 4,
		.min_rnr_timer = 12, .rnr_retry = 7,
		.handler = ct_handler,
	};
	u32 port = 0, pool = 0;
	__be32 ip = 0;
	int ret = 0;

	while (args && (kv = strsep(&args, " ")) != NULL) {
		if (!strncmp(kv, "port=", 5))
			ret = kstrtou32(kv + 5, 0, &port);
		else if (!strncmp(kv, "pool=", 5))
			ret = kstrtou32(kv + 5, 0, &pool);
		else if (!strncmp(kv, "addr=", 5))
			ret = in4_pton(kv + 5, -1, (u8 *)&ip, -1, NULL) ? 0 : -EINVAL;
		else if (*kv)
			ret = -EINVAL;
		if (ret)
			return ret;
	}
	if (!name || !port || port > 0xffff || !pool || pool > CT_MAX_POOL || !ip)
		return -EINVAL;
	ct_teardown();
	ct_reset_counts();
	ipv6_addr_set_v4mapped(ip, (struct in6_addr *)ct.addr.raw);
	ct.dev = ib_device_get_by_name(name, RDMA_DRIVER_UNKNOWN);
	if (!ct.dev)
		return -ENODEV;
	if (!rdo_ib_device_is_rdo(ct.dev)) {
		ret = -EOPNOTSUPP;
		goto err;
	}
	ct.pd = ib_alloc_pd(ct.dev, 0);
	if (IS_ERR(ct.pd)) {
		ret = PTR_ERR(xchg(&ct.pd, NULL));
		goto err;
	}
	/* kmalloc'd: the slots are 64-byte pieces of ordinary pages. */
	ct.buf = kzalloc(CT_MAX_POOL * CT_SLOT, GFP_KERNEL);
	if (!ct.buf) {
		ret = -ENOMEM;
		goto err;
	}
	ct.dma = ib_dma_map_single(ct.dev, ct.buf, CT_MAX_POOL * CT_SLOT, DMA_BIDIRECTIONAL);
	if (ib_dma_mapping_error(ct.dev, ct.dma)) {
		ct.dma = 0;
		ret = -ENOMEM;
		goto err;
	}
	la.service_id = rdo_cm_service_id(port);
	la.addr = ct.addr;
	ct.l = rdo_cm_listen(ct.dev, &la);
	if (IS_ERR(ct.l)) {
		ret = PTR_ERR(xchg(&ct.l, NULL));
		goto err;
	}
	ret = ct_make_pool(pool);
	if (ret)
		goto err;
	ct_kv("service_id=0x%016llx", la.service_id);
	ct_kv("pool=%u", ct.n);
	ct_kv("first_qpn=%u", ct.q[0].qp->qp_num);
	return 0;
err:
	ct_kv("error=listen failed: %d", ret);
	ct_teardown();
	return ret;
}

static bool ct_done(u32 n)
{
	return atomic_read(&ct.disconnected) + atomic_read(&ct.aborted) >= n &&
	       atomic_read(&ct.echoed) + atomic_read(&ct.send_flushed) >= n;
}

static void ct_report(void)
{
	ct_kv("established=%d", atomic_read(&ct.established));
	ct_kv("disconnected=%d", atomic_read(&ct.disconnected));
	ct_kv("aborted=%d", atomic_read(&ct.aborted));
	ct_kv("recycled=%d", atomic_read(&ct.recycled));
	ct_kv("received=%d", atomic_read(&ct.received));
	ct_kv("echoed=%d", atomic_read(&ct.echoed));
	ct_kv("flushed=%d", atomic_read(&ct.flushed));
	ct_kv("send_flushed=%d", atomic_read(&ct.send_flushed));
}

static int ct_wait(char *args)
{
	u32 n;
	int est;

	if (!args || kstrtou32(args, 0, &n) || !ct.l)
		return -EINVAL;
	wait_event_timeout(ct.wq, ct_done(n), CT_WAIT);
	ct_report();
	est = atomic_read(&ct.established);
	ct_check("established", est == n);
	/* Each answered once: acknowledged, or overtaken by its DREQ. */
	ct_check("each_echoed_once", atomic_read(&ct.received) == n &&
		 atomic_read(&ct.echoed) + atomic_read(&ct.send_flushed) == n);
	ct_check("each_disconnected", atomic_read(&ct.disconnected) == n &&
		 !atomic_read(&ct.aborted));
	ct_check("each_recycled", atomic_read(&ct.recycled) == n &&
		 !atomic_read(&ct.not_recycled));
	ct_check("entries_sane", !atomic_read(&ct.bad_entry) && !atomic_read(&ct.bad_order));
	ct_check("messages_16_bytes", !atomic_read(&ct.bad_len));
	ct_check("no_errors", !atomic_read(&ct.wc_errors) && !atomic_read(&ct.post_errors));
	return 0;
}

static int ct_command(char *cmd, char *args)
{
	if (!strcmp(cmd, "listen"))
		return ct_listen(args);
	if (!strcmp(cmd, "wait"))
		return ct_wait(args);
	if (!strcmp(cmd, "unlisten")) {
		ct_teardown();
		return 0;
	}
	return -EINVAL;
}

static ssize_t ct_ctl_write(struct file *f, const char __user *ubuf, size_t len,
			    loff_t *pos)
{
	char *buf, *args, *cmd;
	int ret;

	if (len > 256)
		return -EINVAL;
	buf = memdup_user_nul(ubuf, len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	args = strim(buf);
	cmd = strsep(&args, " ");
	mutex_lock(&ct.lock);
	ct.len = 0;
	ct.failures = 0;
	ct_kv("cmd=%s", cmd);
	ret = ct_command(cmd, args);
	if (ret)
		ct_kv("error.code=%d", ret);
	else if (ct.failures)
		ret = -EIO;
	ct_kv("failures=%d", ct.failures);
	ct_kv("result=%s", ret ? "fail" : "pass");
	mutex_unlock(&ct.lock);
	kfree(buf);
	return ret ?: len;
}

static ssize_t ct_result_read(struct file *f, char __user *ubuf, size_t len,
			      loff_t *pos)
{
	ssize_t ret;

	mutex_lock(&ct.lock);
	ret = simple_read_from_buffer(ubuf, len, pos, ct.log, ct.len);
	mutex_unlock(&ct.lock);
	return ret;
}

static const struct file_operations ct_ctl_fops = {
	.owner = THIS_MODULE,
	.write = ct_ctl_write,
	.llseek = noop_llseek,
};

static const struct file_operations ct_result_fops = {
	.owner = THIS_MODULE,
	.read = ct_result_read,
	.llseek = default_llseek,
};

static int ct_add(struct ib_device *dev)
{
	return 0;
}

static void ct_remove(struct ib_device *dev, void *data)
{
	mutex_lock(&ct.lock);
	if (ct.dev == dev)
		ct_teardown();
	mutex_unlock(&ct.lock);
}

static struct ib_client ct_client_ops = {
	.name = "rdo_cm_test",
	.add = ct_add,
	.remove = ct_remove,
};

static int __init ct_init(void)
{
	int ret;

	mutex_init(&ct.lock);
	init_waitqueue_head(&ct.wq);
	ct.log = kzalloc(CT_LOG_SIZE, GFP_KERNEL);
	if (!ct.log)
		return -ENOMEM;
	ret = ib_register_client(&ct_client_ops);
	if (ret) {
		kfree(ct.log);
		return ret;
	}
	ct_dir = debugfs_create_dir("rdo_cm_test", NULL);
	debugfs_create_file("ctl", 0200, ct_dir, NULL, &ct_ctl_fops);
	debugfs_create_file("result", 0400, ct_dir, NULL, &ct_result_fops);
	return 0;
}

static void __exit ct_exit(void)
{
	debugfs_remove_recursive(ct_dir);
	ib_unregister_client(&ct_client_ops);
	mutex_lock(&ct.lock);
	ct_teardown();
	mutex_unlock(&ct.lock);
	kfree(ct.log);
}

module_init(ct_init);
module_exit(ct_exit);
MODULE_DESCRIPTION("Echo server on the offloaded connection manager (rdma-offload project)");
MODULE_LICENSE("GPL");
