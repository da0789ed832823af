// SPDX-License-Identifier: GPL-2.0
/*
 * rdo_cm_test: an echo server on the adapter's offloaded connection
 * establishment (rdma_offload-verbs.h), for stock librdmacm clients
 * (tests/guest/rdmacm-examples.sh), and a client whose connections the
 * device makes (command connect, below). It serves rdma-core's rdma_client:
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
 *   connect DEV addr=A.B.C.D peer=E.F.G.H port=P mac=M n=N batch=B
 *           the active side: N connections from our address to an RDMA CM
 *           echo server (rdo-cm-conns server) at peer:P, whose next hop
 *           is MAC M, B at once, made by the device (rdo_cm_connect; the
 *           reports through a listener on port P of our address); each
 *           sends its own 16 bytes, checks them echoed and disconnects
 *           (rdo_cm_disconnect); then the counts and checks
 *   unlisten  the listener and everything else goes
 * The device going away tears everything down.
 */
#include <linux/debugfs.h>
#include <linux/inet.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <net/ipv6.h>
#include <rdma/ib_cache.h>
#include <rdma/ib_verbs.h>

#include "rdma_offload-verbs.h"
#include "rdo-test-log.h"

#define CT_MAX_POOL	64
#define CT_MSG		16		/* rdma_client's message */
#define CT_SLOT		64		/* per QP: receive half, send half */
#define CT_WAIT		(60 * HZ)
#define CT_LOG_SIZE	4096

struct ct_qp {
	struct ib_qp *qp;
	struct ib_cqe recv_cqe, send_cqe;
	u32 idx;
	u32 seed;			/* active: the connection's number */
	bool active;			/* connect's QP, not a pool's */
	bool got_echo;			/* active: this connection's echo came */
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
	atomic_t echo_ok, echo_bad;	/* active: the peer's echoes checked */
	struct rdo_test_log log;
} ct;

static struct dentry *ct_dir;

#define ct_kv(...) rdo_test_kv(&ct.log, __VA_ARGS__)
#define ct_check(name, ok) rdo_test_check(&ct.log, name, ok)

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

/* A SEND of the 16 bytes in q's slot's second half (filled by the caller). */
static void ct_post_send(struct ct_qp *q)
{
	struct ib_sge sge = {
		.addr = ct.dma + q->idx * CT_SLOT + CT_SLOT / 2, .length = CT_MSG,
		.lkey = ct.pd->local_dma_lkey,
	};
	struct ib_send_wr wr = {
		.wr_cqe = &q->send_cqe, .sg_list = &sge, .num_sge = 1,
		.opcode = IB_WR_SEND, .send_flags = IB_SEND_SIGNALED,
	};

	ib_dma_sync_single_for_device(ct.dev, ct.dma, ct.n * CT_SLOT, DMA_BIDIRECTIONAL);
	if (ib_post_send(q->qp, &wr, NULL))
		atomic_inc(&ct.post_errors);
}

static void ct_recv_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct ct_qp *q = container_of(wc->wr_cqe, struct ct_qp, recv_cqe);
	u8 *slot = ct.buf + q->idx * CT_SLOT;

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
	ct_post_send(q);
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

/* The 16 bytes connection number seed sends; the peer echoes them. */
static void ct_msg(u8 *p, u32 seed)
{
	u32 i;

	for (i = 0; i < CT_MSG; i++)
		p[i] = (u8)(i * 29 + seed * 7 + (seed >> 8) + 1);
}

/* Active: the echo came back; checked byte by byte. */
static void ct_echo_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct ct_qp *q = container_of(wc->wr_cqe, struct ct_qp, recv_cqe);
	u8 want[CT_MSG];

	if (wc->status == IB_WC_WR_FLUSH_ERR) {
		atomic_inc(&ct.flushed);
	} else if (wc->status != IB_WC_SUCCESS) {
		atomic_inc(&ct.wc_errors);
	} else {
		atomic_inc(&ct.received);
		q->got_echo = true;
		ct_msg(want, q->seed);
		ib_dma_sync_single_for_cpu(ct.dev, ct.dma, ct.n * CT_SLOT, DMA_BIDIRECTIONAL);
		if (wc->byte_len == CT_MSG &&
		    !memcmp(ct.buf + q->idx * CT_SLOT, want, CT_MSG))
			atomic_inc(&ct.echo_ok);
		else
			atomic_inc(&ct.echo_bad);
	}
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
		/*
		 * From the client's address, with the RDMA CM header seen (a
		 * REQ's; an active connection's REP carries none).
		 */
		if ((!ev->rdma_cm && !q->active) || !ev->peer_qpn || !ev->peer_port ||
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
		} else if (!q->active) {	/* an active QP never goes back */
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
			  &ct.bad_order, &ct.wc_errors, &ct.post_errors,
			  &ct.echo_ok, &ct.echo_bad };
	u32 i;

	for (i = 0; i < ARRAY_SIZE(c); i++)
		atomic_set(c[i], 0);
}

/* n RC QPs on one CQ: a listener's pool, or connect's QPs (active). */
static int ct_make_qps(u32 n, bool active)
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
		q->active = active;
		q->recv_cqe.done = active ? ct_echo_done : ct_recv_done;
		q->send_cqe.done = ct_send_done;
		q->qp = ib_create_qp(ct.pd, &qa);
		if (IS_ERR(q->qp))
			return PTR_ERR(xchg(&q->qp, NULL));
		ct.n = i + 1;
		if (active)
			continue;
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

/*
 * A fresh start on device name, our address ip: its PD and the slots
 * (kmalloc'd: 64-byte pieces of ordinary pages). The caller tears down on
 * failure.
 */
static int ct_open(const char *name, __be32 ip)
{
	ct_teardown();
	ct_reset_counts();
	ipv6_addr_set_v4mapped(ip, (struct in6_addr *)ct.addr.raw);
	ct.dev = ib_device_get_by_name(name, RDMA_DRIVER_UNKNOWN);
	if (!ct.dev)
		return -ENODEV;
	if (!rdo_ib_device_is_rdo(ct.dev))
		return -EOPNOTSUPP;
	ct.pd = ib_alloc_pd(ct.dev, 0);
	if (IS_ERR(ct.pd))
		return PTR_ERR(xchg(&ct.pd, NULL));
	ct.buf = kzalloc(CT_MAX_POOL * CT_SLOT, GFP_KERNEL);
	if (!ct.buf)
		return -ENOMEM;
	ct.dma = ib_dma_map_single(ct.dev, ct.buf, CT_MAX_POOL * CT_SLOT, DMA_BIDIRECTIONAL);
	if (ib_dma_mapping_error(ct.dev, ct.dma)) {
		ct.dma = 0;
		return -ENOMEM;
	}
	return 0;
}

/*
 * ct.l for RDMA CM port `port` on our address, its pool QPs recycled; the
 * active side's reports come through it too.
 */
static int ct_start_listener(u32 port)
{
	struct rdo_cm_listen_attr la = {
		.service_id = rdo_cm_service_id(port),
		.addr = ct.addr,
		.flags = RDO_CM_LISTEN_RDMA_CM | RDO_CM_LISTEN_RECYCLE,
		.table_entries = 64,
		.notify_count = 4,	/* batches: one event per 4 entries, */
		.notify_usec = 500,	/* or 500 us after the first */
		.responder_resources = 4, .initiator_depth = 4,
		.min_rnr_timer = 12, .rnr_retry = 7,
		.handler = ct_handler,
	};

	ct.l = rdo_cm_listen(ct.dev, &la);
	if (IS_ERR(ct.l))
		return PTR_ERR(xchg(&ct.l, NULL));
	ct_kv("service_id=0x%016llx", la.service_id);
	return 0;
}

/* A command's DEV KEY=VALUE... words; what a command does not take stays 0. */
struct ct_args {
	char *name;
	u32 port, pool, n, batch;
	__be32 addr, peer;
	u8 mac[ETH_ALEN];
	bool has_mac;
};

static int ct_parse(char *args, struct ct_args *a)
{
	static const char *const keys[] = { "port=", "pool=", "n=", "batch=" };
	u32 *vals[] = { &a->port, &a->pool, &a->n, &a->batch };
	char *kv;
	u32 i;

	memset(a, 0, sizeof(*a));
	a->name = strsep(&args, " ");
	while (args && (kv = strsep(&args, " ")) != NULL) {
		for (i = 0; i < ARRAY_SIZE(keys); i++)
			if (!strncmp(kv, keys[i], strlen(keys[i])))
				break;
		if (i < ARRAY_SIZE(keys)) {
			if (kstrtou32(kv + strlen(keys[i]), 0, vals[i]))
				return -EINVAL;
		} else if (!strncmp(kv, "addr=", 5) || !strncmp(kv, "peer=", 5)) {
			if (!in4_pton(kv + 5, -1, (u8 *)(*kv == 'a' ? &a->addr : &a->peer),
				      -1, NULL))
				return -EINVAL;
		} else if (!strncmp(kv, "mac=", 4)) {
			if (!mac_pton(kv + 4, a->mac))
				return -EINVAL;
			a->has_mac = true;
		} else if (*kv) {
			return -EINVAL;
		}
	}
	return a->name && *a->name && a->port && a->port <= 0xffff && a->addr ? 0 : -EINVAL;
}

/* Device, listener and nqps QPs, as a command's arguments say. */
static int ct_start(const struct ct_args *a, u32 nqps, bool active)
{
	int ret = ct_open(a->name, a->addr);

	if (!ret)
		ret = ct_start_listener(a->port);
	return ret ?: ct_make_qps(nqps, active);
}

static int ct_listen(char *args)
{
	struct ct_args a;
	int ret = ct_parse(args, &a);

	if (ret || a.n || a.batch || a.peer || !a.pool || a.pool > CT_MAX_POOL)
		return -EINVAL;
	ret = ct_start(&a, a.pool, false);
	if (ret)
		goto err;
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
	ct_kv("wc_errors=%d", atomic_read(&ct.wc_errors));
	ct_kv("post_errors=%d", atomic_read(&ct.post_errors));
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

/* Active: our 16 bytes on connected q, from its slot's second half. */
static void ct_send_msg(struct ct_qp *q)
{
	ct_msg(ct.buf + q->idx * CT_SLOT + CT_SLOT / 2, q->seed);
	ct_post_send(q);
}

/* The hang guard of a step; false (and said) when it ran out. */
#define CT_WAIT_FOR(what, cond) ({					\
	bool _ok = wait_event_timeout(ct.wq, (cond), CT_WAIT) > 0;	\
	if (!_ok)							\
		ct_kv("error=timed out waiting for %s", what);		\
	_ok;								\
})

/*
 * connect: n connections from our QPs to a stock RDMA CM server, batch at
 * once, each made by the device (CM_CONNECT: REQ, REP, RTU), sending its
 * own 16 bytes and checking the echo, then ended by us (DREQ). A batch's
 * QPs are taken back to RESET and connect again for the next batch.
 */
static int ct_connect_batches(struct rdo_cm_connect_attr *ca, u32 n, u32 batch)
{
	struct ib_qp_attr reset = { .qp_state = IB_QPS_RESET };
	u32 done, b, i;
	int ret;

	for (done = 0; done < n; done += b) {
		b = min(batch, n - done);
		for (i = 0; i < b; i++) {
			struct ct_qp *q = &ct.q[i];

			q->seed = done + i;
			q->got_echo = false;
			ca->src_port = 0xc000 + (q->seed & 0x3fff);
			ret = done ? ib_modify_qp(q->qp, &reset, IB_QP_STATE) : 0;
			if (!ret)
				ret = rdo_cm_connect(ct.l, q->qp, ca);
			if (!ret)
				ret = ct_post_recv(q);
			if (ret) {
				ct_kv("error=connection %u: %d", q->seed, ret);
				return ret;
			}
		}
		if (!CT_WAIT_FOR("established", atomic_read(&ct.established) +
				 atomic_read(&ct.aborted) >= done + b))
			return -ETIMEDOUT;
		for (i = 0; i < b; i++)
			if (ct.q[i].connected)
				ct_send_msg(&ct.q[i]);
		/* Our SENDs acknowledged too: a DREQ before the ACK would flush them. */
		if (!CT_WAIT_FOR("echoes", atomic_read(&ct.received) + atomic_read(&ct.wc_errors) >=
				 atomic_read(&ct.established) &&
				 atomic_read(&ct.echoed) + atomic_read(&ct.send_flushed) +
				 atomic_read(&ct.wc_errors) >= atomic_read(&ct.established))) {
			for (i = 0; i < b; i++)
				ct_kv("batch.%u.qpn=%u seed=%u connected=%d echo=%d", i,
				      ct.q[i].qp->qp_num, ct.q[i].seed, ct.q[i].connected,
				      ct.q[i].got_echo);
			return -ETIMEDOUT;
		}
		for (i = 0; i < b; i++) {
			ret = ct.q[i].connected ? rdo_cm_disconnect(ct.l, ct.q[i].qp) : 0;
			if (ret) {
				ct_kv("error=disconnect %u: %d", ct.q[i].seed, ret);
				return ret;
			}
		}
		if (!CT_WAIT_FOR("disconnected", atomic_read(&ct.disconnected) +
				 atomic_read(&ct.aborted) >= done + b))
			return -ETIMEDOUT;
	}
	return 0;
}

static int ct_connect(char *args)
{
	struct rdo_cm_connect_attr ca = {
		.access = IB_ACCESS_LOCAL_WRITE, .path_mtu = IB_MTU_1024,
		.timeout = 14, .retry_count = 7, .rnr_retry = 7,
		.cm_timeout = 18, .max_cm_retries = 15,	/* about 1 s a try */
	};
	const struct ib_gid_attr *gid;
	struct ct_args a;
	u64 t0;
	int ret = ct_parse(args, &a);

	if (ret || a.pool || !a.n || !a.batch || a.batch > CT_MAX_POOL || !a.peer ||
	    !a.has_mac)
		return -EINVAL;
	ret = ct_start(&a, a.batch, true);
	if (ret)
		goto err;
	/* Our address's RoCEv2 GID: the REQ's source. */
	gid = rdma_find_gid(ct.dev, &ct.addr, IB_GID_TYPE_ROCE_UDP_ENCAP, NULL);
	if (IS_ERR(gid)) {
		ret = PTR_ERR(gid);
		goto err;
	}
	ca.sgid_index = gid->index;
	rdma_put_gid_attr(gid);
	ca.service_id = rdo_cm_service_id(a.port);
	memcpy(ca.dmac, a.mac, ETH_ALEN);
	ipv6_addr_set_v4mapped(a.peer, (struct in6_addr *)ca.dgid.raw);
	t0 = ktime_get_ns();
	ret = ct_connect_batches(&ca, a.n, a.batch);
	ct_kv("ms=%llu", (ktime_get_ns() - t0) / NSEC_PER_MSEC);
	ct_report();
	ct_kv("echo_ok=%d", atomic_read(&ct.echo_ok));
	ct_kv("echo_bad=%d", atomic_read(&ct.echo_bad));
	ct_check("established", atomic_read(&ct.established) == a.n &&
		 !atomic_read(&ct.aborted));
	ct_check("each_echo_checked", atomic_read(&ct.echo_ok) == a.n &&
		 !atomic_read(&ct.echo_bad));
	ct_check("each_sent_once", atomic_read(&ct.echoed) == a.n);
	ct_check("each_disconnected", atomic_read(&ct.disconnected) == a.n);
	ct_check("entries_sane", !atomic_read(&ct.bad_entry) && !atomic_read(&ct.bad_order));
	ct_check("no_errors", !atomic_read(&ct.wc_errors) && !atomic_read(&ct.post_errors));
	return ret;
err:
	ct_kv("error=connect set-up failed: %d", ret);
	ct_teardown();
	return ret;
}

static int ct_command(char *cmd, char *args)
{
	if (!strcmp(cmd, "listen"))
		return ct_listen(args);
	if (!strcmp(cmd, "wait"))
		return ct_wait(args);
	if (!strcmp(cmd, "connect"))
		return ct_connect(args);
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
	rdo_test_log_begin(&ct.log, cmd);
	ret = ct_command(cmd, args);
	ret = rdo_test_log_end(&ct.log, ret);
	mutex_unlock(&ct.lock);
	kfree(buf);
	return ret ?: len;
}

static ssize_t ct_result_read(struct file *f, char __user *ubuf, size_t len,
			      loff_t *pos)
{
	ssize_t ret;

	mutex_lock(&ct.lock);
	ret = rdo_test_log_read(&ct.log, ubuf, len, pos);
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
	if (rdo_test_log_init(&ct.log, CT_LOG_SIZE))
		return -ENOMEM;
	ret = ib_register_client(&ct_client_ops);
	if (ret) {
		rdo_test_log_free(&ct.log);
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
	rdo_test_log_free(&ct.log);
}

module_init(ct_init);
module_exit(ct_exit);
MODULE_DESCRIPTION("Echo server on the offloaded connection manager (rdma-offload project)");
MODULE_LICENSE("GPL");
