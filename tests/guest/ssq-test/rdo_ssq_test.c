// SPDX-License-Identifier: GPL-2.0
/*
 * rdo_ssq_test: the adapter's shared send queue (rdma_offload-verbs.h)
 * between two machines. The client (guest A) makes one SSQ feeding n RC
 * connections, the server (guest B) n plain RC QPs, connection i talking
 * to the server's QP i. Driven through /sys/kernel/debug/rdo_ssq_test/:
 *
 *   ctl     one command per write; the write fails when the command does
 *   info    this side's endpoint: one line for the other side's "connect"
 *   result  what the latest command found: key=value lines, check.NAME=
 *           ok|FAIL, failures=N, result=pass|fail
 *
 * Commands:
 *   setup DEV client|server [n=N]   objects and buffers (n 4..16, default 8)
 *   connect INFO                    QP i to the peer's QP i, RTR and RTS
 *   run       client: an interleaved stream of SENDs, SEND_WITH_IMMs and
 *             RDMA WRITEs over all connections through the SSQ (some
 *             unsignaled), then one SEND_WITH_IMM "done" per connection;
 *             the completions must come in posting order, each naming its
 *             connection. server: every message arrives on its QP, in
 *             order, bit-exact; the WRITEs' data once "done" came
 *   badrkey   client: a WRITE with a wrong rkey on connection 2 between
 *             good work on the others: that connection's requests complete
 *             in SSQ order with REM_ACCESS_ERR or WR_FLUSH_ERR, the others
 *             succeed, only connection 2 goes to ERR
 *   expect_error  server: QP 2 went to ERR (receives flushed), QP 0 did not
 *   misuse    client: creation and posting mistakes refused with the
 *             documented errors; destroying the SSQ while it feeds
 *             connections is refused (-EBUSY) and leaves it working
 *   drain     client: a connection destroyed with work still queued for it
 *             on the SSQ; the SSQ goes on; then everything is destroyed
 *             (connections first, then the SSQ)
 *   fire      client: post large WRITEs on every connection, do not wait
 *   delay USEC  rdo_ib_qp_set_notify_delay() on QP i for each i (before
 *             connect it rides on the move to RTR, after it applies at
 *             once); one more than the documented maximum (4095) and the
 *             SSQ (client) refused with -EINVAL. The server's run reports
 *             the completion events its receives took.
 *   teardown
 * The device going away (driver unloaded) tears everything down.
 */
#include <linux/debugfs.h>
#include <linux/etherdevice.h>
#include <linux/inet.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <net/ipv6.h>
#include <rdma/ib_cache.h>
#include <rdma/ib_verbs.h>

#include "rdma_offload-verbs.h"
#include "rdo-test-log.h"

#define ST_MAX_CONN	16
#define ST_MSGS		4		/* stream messages per connection */
#define ST_RECVS	(ST_MSGS + 4)	/* receives per server QP */
#define ST_SLOT		16384		/* bytes per message slot */
#define ST_SSQ_DEPTH	128
#define ST_WAIT		(30 * HZ)	/* hang guard, not a pass/fail bound */
#define ST_LOG_SIZE	8192
#define ST_IMM_DONE	0x55510000	/* | connection */
#define ST_BAD_CONN	2		/* the connection badrkey breaks */
#define ST_NO_QPN	1000		/* a QP number the peer does not have */
#define ST_DRAIN_WRITES	80		/* of ST_SLOT: more packets than a window */

enum st_op { OP_SEND, OP_WRITE, OP_SEND_IMM };

struct st_region {
	void *va;
	u64 dma;
	size_t len;
};

struct st_peer {
	union ib_gid gid;
	u32 n, psn, mtu, rkey;
	u32 qpn[ST_MAX_CONN];
	u64 waddr;
};

static struct st {
	struct mutex lock;		/* everything below but dying */
	struct ib_device *dev;		/* referenced while set up */
	struct ib_device *dying;	/* being removed: waits give up */
	const struct ib_gid_attr *sgid;
	bool client;
	u32 n, psn;
	enum ib_mtu mtu;
	struct ib_pd *pd;
	struct ib_cq *cq;
	struct ib_qp *ssq;		/* client */
	struct ib_qp *qp[ST_MAX_CONN];	/* client: connections; server: plain RC */
	struct ib_qp *plain;		/* client: an RC QP no SSQ feeds */
	struct st_region buf;		/* client: sources; server: receives */
	struct st_region wbuf;		/* server: WRITE targets */
	struct st_peer peer;
	struct rdma_ah_attr ah;		/* the peer's address */
	bool connected;
	wait_queue_head_t wq;
	atomic_t cq_events;
	char info[512];
	struct rdo_test_log log;
} st;

static struct dentry *st_dir;

#define st_kv(...) rdo_test_kv(&st.log, __VA_ARGS__)
#define st_check(name, ok) rdo_test_check(&st.log, name, ok)

/* The stream both sides know: message k's connection, kind and length. */
static u32 st_stream_len(void)
{
	return ST_MSGS * st.n;
}

static u32 st_conn_of(u32 k)
{
	u32 p = st.n % 7 ? 7 : 5;	/* coprime with n: each block a permutation */

	return ((k % st.n) * p + k / st.n) % st.n;
}

static enum st_op st_op_of(u32 k)
{
	return k % 3;
}

static u32 st_len_of(u32 k)
{
	return 1 + (k * 2731 + 97) % ST_SLOT;
}

static bool st_signaled(u32 k)
{
	return k % 5 != 4 || k == st_stream_len() - 1;
}

/* Message k's place among its connection's messages, and among its SENDs. */
static u32 st_index_in_conn(u32 k, bool sends_only)
{
	u32 i, idx = 0;

	for (i = 0; i < k; i++)
		if (st_conn_of(i) == st_conn_of(k) &&
		    (!sends_only || st_op_of(i) != OP_WRITE))
			idx++;
	return idx;
}

static u8 st_pat(u32 i, u32 seed)
{
	return (i * 2654435761u + (seed + 1) * 0x9e3779b9u) >> 24;
}

static void st_comp(struct ib_cq *cq, void *ctx)
{
	atomic_inc(&st.cq_events);
	wake_up(&st.wq);
}

static void st_cq_event(struct ib_event *ev, void *ctx)
{
	pr_warn("rdo_ssq_test: CQ event %s\n", ib_event_msg(ev->event));
}

/* The next completion, sleeping on completion events in between. */
static int st_next(struct ib_wc *wc)
{
	unsigned long end = jiffies + ST_WAIT;
	int n, ev;
	long left;

	for (;;) {
		n = ib_poll_cq(st.cq, 1, wc);
		if (n)
			return n < 0 ? n : 0;
		ev = atomic_read(&st.cq_events);
		if (ib_req_notify_cq(st.cq, IB_CQ_NEXT_COMP | IB_CQ_REPORT_MISSED_EVENTS) > 0)
			continue;
		left = (long)(end - jiffies);
		if (READ_ONCE(st.dying) == st.dev)
			return -ENODEV;
		if (left <= 0)
			return -ETIMEDOUT;
		wait_event_timeout(st.wq, atomic_read(&st.cq_events) != ev ||
				   READ_ONCE(st.dying) == st.dev, left);
	}
}

/* Which of our QPs a completion names (-1: none). */
static int st_qp_index(const struct ib_qp *qp)
{
	u32 i;

	for (i = 0; i < st.n; i++)
		if (st.qp[i] == qp)
			return i;
	return -1;
}

static enum ib_qp_state st_state(struct ib_qp *qp)
{
	struct ib_qp_init_attr init;
	struct ib_qp_attr a;

	return ib_query_qp(qp, &a, IB_QP_STATE, &init) ? -1 : a.qp_state;
}

static int st_region_alloc(struct st_region *r, size_t len)
{
	r->len = len;
	r->va = alloc_pages_exact(len, GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
	if (!r->va)
		return -ENOMEM;
	r->dma = ib_dma_map_single(st.dev, r->va, len, DMA_BIDIRECTIONAL);
	if (ib_dma_mapping_error(st.dev, r->dma)) {
		r->dma = 0;
		return -ENOMEM;
	}
	return 0;
}

static void st_region_free(struct st_region *r)
{
	if (r->dma)
		ib_dma_unmap_single(st.dev, r->dma, r->len, DMA_BIDIRECTIONAL);
	if (r->va)
		free_pages_exact(r->va, r->len);
	memset(r, 0, sizeof(*r));
}

/* Destroy a QP we hold (connections before their SSQ); log a refusal. */
static void st_destroy(struct ib_qp **qp)
{
	int ret;

	if (!*qp)
		return;
	ret = ib_destroy_qp(*qp);
	if (ret)
		pr_warn("rdo_ssq_test: destroy QP %u: %d\n", (*qp)->qp_num, ret);
	*qp = NULL;
}

static void st_teardown(void)
{
	u32 i;

	for (i = 0; i < ST_MAX_CONN; i++)
		st_destroy(&st.qp[i]);
	st_destroy(&st.ssq);
	st_destroy(&st.plain);
	if (st.cq)
		ib_destroy_cq(st.cq);
	st.cq = NULL;
	st_region_free(&st.buf);
	st_region_free(&st.wbuf);
	if (st.pd)
		ib_dealloc_pd(st.pd);
	st.pd = NULL;
	if (st.sgid)
		rdma_put_gid_attr(st.sgid);
	st.sgid = NULL;
	if (st.dev)
		ib_device_put(st.dev);
	st.dev = NULL;
	st.connected = false;
	st.info[0] = 0;
}

/* An RC QP; flags/source name an SSQ or make one (rdma_offload-verbs.h). */
static struct ib_qp *st_create_qp(u32 flags, u32 source, u32 send_wr, u32 recv_wr)
{
	struct ib_qp_init_attr qa = {
		.send_cq = st.cq,
		.recv_cq = flags == RDO_QP_CREATE_SSQ ? NULL : st.cq,
		.cap = { .max_send_wr = send_wr, .max_send_sge = send_wr ? 1 : 0,
			 .max_recv_wr = recv_wr, .max_recv_sge = recv_wr ? 1 : 0 },
		.sq_sig_type = IB_SIGNAL_REQ_WR,
		.qp_type = IB_QPT_RC,
		.create_flags = flags,
		.source_qpn = source,
	};

	return ib_create_qp(st.pd, &qa);
}

/* The port's first RoCEv2 GID holding an IPv4 address (held). */
static const struct ib_gid_attr *st_ipv4_gid(u32 tbl_len)
{
	const struct ib_gid_attr *a;
	u32 i;

	for (i = 0; i < tbl_len; i++) {
		a = rdma_get_gid_attr(st.dev, 1, i);
		if (IS_ERR(a))
			continue;
		if (a->gid_type == IB_GID_TYPE_ROCE_UDP_ENCAP &&
		    ipv6_addr_v4mapped((const struct in6_addr *)a->gid.raw))
			return a;
		rdma_put_gid_attr(a);
	}
	return NULL;
}

static int st_to_init(struct ib_qp *qp)
{
	struct ib_qp_attr a = {
		.qp_state = IB_QPS_INIT, .port_num = 1,
		.qp_access_flags = IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_WRITE,
	};

	return ib_modify_qp(qp, &a, IB_QP_STATE | IB_QP_PKEY_INDEX | IB_QP_PORT |
			    IB_QP_ACCESS_FLAGS);
}

static int st_make_qps(void)
{
	u32 i;
	int ret;

	if (st.client) {
		st.ssq = st_create_qp(RDO_QP_CREATE_SSQ, 0, ST_SSQ_DEPTH, 0);
		if (IS_ERR(st.ssq))
			return PTR_ERR(xchg(&st.ssq, NULL));
		st.plain = st_create_qp(0, 0, 4, 4);
		if (IS_ERR(st.plain))
			return PTR_ERR(xchg(&st.plain, NULL));
	}
	for (i = 0; i < st.n; i++) {
		st.qp[i] = st.client ?
			st_create_qp(RDO_QP_CREATE_SSQ_FED, st.ssq->qp_num, 0, 1) :
			st_create_qp(0, 0, 4, ST_RECVS);
		if (IS_ERR(st.qp[i]))
			return PTR_ERR(xchg(&st.qp[i], NULL));
		ret = st_to_init(st.qp[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static int st_setup(char *args)
{
	struct ib_cq_init_attr ca = { .cqe = 2 * ST_SSQ_DEPTH };
	char *name = strsep(&args, " "), *role = strsep(&args, " "), *kv;
	struct ib_port_attr pa;
	u8 mac[ETH_ALEN];
	u32 n = 8, i;
	size_t off;
	u16 vlan;
	int ret = 0;

	while (args && (kv = strsep(&args, " ")) != NULL) {
		if (!strncmp(kv, "n=", 2))
			ret = kstrtou32(kv + 2, 0, &n);
		else if (*kv)
			ret = -EINVAL;
		if (ret)
			return ret;
	}
	if (!name || !role || (strcmp(role, "client") && strcmp(role, "server")) ||
	    n < ST_BAD_CONN + 2 || n > ST_MAX_CONN)
		return -EINVAL;
	st_teardown();
	st.client = !strcmp(role, "client");
	st.n = n;
	st.dev = ib_device_get_by_name(name, RDMA_DRIVER_UNKNOWN);
	if (!st.dev) {
		st_kv("error=no ib_device %s", name);
		return -ENODEV;
	}
	if (!rdo_ib_device_is_rdo(st.dev)) {
		st_kv("error=%s is not an rdma-offload adapter", name);
		ret = -EOPNOTSUPP;
		goto err;
	}
	ret = ib_query_port(st.dev, 1, &pa);
	if (ret)
		goto err;
	st.sgid = st_ipv4_gid(pa.gid_tbl_len);
	if (!st.sgid) {
		ret = -ENOENT;
		goto err;
	}
	st.mtu = pa.active_mtu;
	st.psn = get_random_u32() & 0xffffff;
	st.pd = ib_alloc_pd(st.dev, IB_PD_UNSAFE_GLOBAL_RKEY);
	if (IS_ERR(st.pd)) {
		ret = PTR_ERR(xchg(&st.pd, NULL));
		goto err;
	}
	st.cq = ib_create_cq(st.dev, st_comp, st_cq_event, NULL, &ca);
	if (IS_ERR(st.cq)) {
		ret = PTR_ERR(xchg(&st.cq, NULL));
		goto err;
	}
	ret = st_make_qps();
	if (ret)
		goto err;
	/* Client: a source slot per message; server: receive and WRITE slots. */
	ret = st_region_alloc(&st.buf, (st.client ? st_stream_len() : n * ST_RECVS) * ST_SLOT);
	if (!ret && !st.client)
		ret = st_region_alloc(&st.wbuf, n * ST_MSGS * ST_SLOT);
	if (ret)
		goto err;
	if (rdma_read_gid_l2_fields(st.sgid, &vlan, mac))
		eth_zero_addr(mac);
	off = scnprintf(st.info, sizeof(st.info), "gid=%pI6 n=%u psn=%u mtu=%u rkey=0x%x waddr=0x%llx qpn=",
			st.sgid->gid.raw, n, st.psn, ib_mtu_enum_to_int(st.mtu),
			st.pd->unsafe_global_rkey, st.wbuf.dma);
	for (i = 0; i < n; i++)
		off += scnprintf(st.info + off, sizeof(st.info) - off, "%s%u", i ? "," : "",
				 st.qp[i]->qp_num);
	st_kv("device=%s", dev_name(&st.dev->dev));
	st_kv("n=%u", n);
	if (st.client)
		st_kv("ssq=%u", st.ssq->qp_num);
	return 0;
err:
	st_kv("error=setup failed: %d", ret);
	st_teardown();
	return ret;
}

static int st_parse_peer(char *args, struct st_peer *p)
{
	unsigned int have = 0, nq = 0;
	char *kv, *v, *q;
	int ret = 0;

	memset(p, 0, sizeof(*p));
	while (args && (kv = strsep(&args, " ")) != NULL) {
		v = strchr(kv, '=');
		if (!v)
			continue;
		*v++ = 0;
		if (!strcmp(kv, "gid"))
			ret = in6_pton(v, -1, p->gid.raw, -1, NULL) ? 0 : -EINVAL;
		else if (!strcmp(kv, "n"))
			ret = kstrtou32(v, 0, &p->n);
		else if (!strcmp(kv, "psn"))
			ret = kstrtou32(v, 0, &p->psn);
		else if (!strcmp(kv, "mtu"))
			ret = kstrtou32(v, 0, &p->mtu);
		else if (!strcmp(kv, "rkey"))
			ret = kstrtou32(v, 0, &p->rkey);
		else if (!strcmp(kv, "waddr"))
			ret = kstrtou64(v, 0, &p->waddr);
		else if (!strcmp(kv, "qpn"))
			while (!ret && (q = strsep(&v, ",")) != NULL)
				ret = nq < ST_MAX_CONN ? kstrtou32(q, 0, &p->qpn[nq++]) : -EINVAL;
		else
			continue;
		if (ret)
			return ret;
		have++;
	}
	return have == 7 && p->n == st.n && nq == st.n && p->psn <= 0xffffff ? 0 : -EINVAL;
}

/* qp to RTR and RTS, talking to the peer's QP dest_qpn. */
static int st_connect_qp(struct ib_qp *qp, u32 dest_qpn)
{
	struct ib_qp_attr a = {
		.qp_state = IB_QPS_RTR,
		.path_mtu = min_t(enum ib_mtu, st.mtu, ib_mtu_int_to_enum(st.peer.mtu)),
		.dest_qp_num = dest_qpn, .rq_psn = st.peer.psn,
		.max_dest_rd_atomic = 1, .min_rnr_timer = 12, .ah_attr = st.ah,
	};
	int ret;

	ret = ib_modify_qp(qp, &a, IB_QP_STATE | IB_QP_AV | IB_QP_PATH_MTU |
			   IB_QP_DEST_QPN | IB_QP_RQ_PSN | IB_QP_MAX_DEST_RD_ATOMIC |
			   IB_QP_MIN_RNR_TIMER);
	if (ret)
		return ret;
	memset(&a, 0, sizeof(a));
	a.qp_state = IB_QPS_RTS;
	a.sq_psn = st.psn;
	a.timeout = 17;
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.max_rd_atomic = 1;
	return ib_modify_qp(qp, &a, IB_QP_STATE | IB_QP_SQ_PSN | IB_QP_TIMEOUT |
			    IB_QP_RETRY_CNT | IB_QP_RNR_RETRY | IB_QP_MAX_QP_RD_ATOMIC);
}

static int st_post_recv(u32 i, u32 slot)
{
	struct ib_sge sge = {
		.addr = st.buf.dma + (u64)(i * ST_RECVS + slot) * ST_SLOT,
		.length = ST_SLOT, .lkey = st.pd->local_dma_lkey,
	};
	struct ib_recv_wr wr = { .wr_id = (u64)i << 32 | slot, .sg_list = &sge, .num_sge = 1 };
	const struct ib_recv_wr *bad;

	return ib_post_recv(st.qp[i], &wr, &bad);
}

static int st_connect(char *args)
{
	struct rdma_ah_attr *ah = &st.ah;
	struct ib_ah *res;
	u32 i, s;
	int ret;

	if (st.connected)
		return -EINVAL;
	ret = st_parse_peer(args, &st.peer);
	if (ret) {
		st_kv("error=bad peer info");
		return ret;
	}
	/* ib_core resolves the peer's MAC from its GID (a kernel QP must be told). */
	memset(ah, 0, sizeof(*ah));
	ah->type = RDMA_AH_ATTR_TYPE_ROCE;
	rdma_ah_set_port_num(ah, 1);
	rdma_ah_set_grh(ah, &st.peer.gid, 0, st.sgid->index, 64, 0);
	res = rdma_create_user_ah(st.pd, ah, NULL);
	if (IS_ERR(res))
		return PTR_ERR(res);
	rdma_destroy_ah(res, RDMA_DESTROY_AH_SLEEPABLE);
	for (i = 0; i < st.n; i++) {
		ret = st_connect_qp(st.qp[i], st.peer.qpn[i]);
		for (s = 0; !ret && !st.client && s < ST_RECVS; s++)
			ret = st_post_recv(i, s);
		if (ret) {
			st_kv("error=connecting QP %u: %d", i, ret);
			return ret;
		}
	}
	st_kv("dmac=%pM", ah->roce.dmac);
	st.connected = true;
	return 0;
}

/* One SSQ work request: op on connection conn from the client's slot. */
static void st_wr(struct rdo_ssq_wr *w, struct ib_sge *sge, struct ib_qp *conn,
		  enum ib_wr_opcode op, u32 slot, u32 len, u64 raddr, u32 rkey)
{
	memset(w, 0, sizeof(*w));
	sge->addr = st.buf.dma + (u64)slot * ST_SLOT;
	sge->length = len;
	sge->lkey = st.pd->local_dma_lkey;
	w->wr.opcode = op;
	w->wr.send_flags = IB_SEND_SIGNALED;
	w->wr.sg_list = len ? sge : NULL;
	w->wr.num_sge = len ? 1 : 0;
	w->rdma.remote_addr = raddr;
	w->rdma.rkey = rkey;
	w->conn = conn;
}

/* Where the server wants connection i's j-th message if it is a WRITE. */
static u64 st_waddr(u32 i, u32 j)
{
	return st.peer.waddr + (u64)(i * ST_MSGS + j) * ST_SLOT;
}

/*
 * Posts a chain of n SSQ work requests (wr_id = index) and reads back the
 * completions of the signaled ones: in order, each on its connection, with
 * the status wanted (NULL: success). Returns false on any difference.
 */
static bool st_chain(const char *name, struct rdo_ssq_wr *w, u32 n,
		     const enum ib_wc_status *want)
{
	const struct ib_send_wr *bad = NULL;
	bool order = true, qps = true, status = true;
	struct ib_wc wc;
	u32 k, got = 0;
	int ret;

	for (k = 0; k < n; k++) {
		w[k].wr.wr_id = k;
		w[k].wr.next = k + 1 < n ? &w[k + 1].wr : NULL;
	}
	ret = ib_post_send(st.ssq, &w[0].wr, &bad);
	if (ret) {
		st_kv("%s.post=%d", name, ret);
		return st_check(name, false);
	}
	for (k = 0; k < n; k++) {
		if (!(w[k].wr.send_flags & IB_SEND_SIGNALED))
			continue;
		ret = st_next(&wc);
		if (ret) {
			st_kv("%s.wait=%d at %u", name, ret, k);
			return st_check(name, false);
		}
		got++;
		if (wc.wr_id != k && order) {
			st_kv("%s.first_out_of_order=%u got=%llu", name, k, wc.wr_id);
			order = false;
		}
		if (wc.qp != w[k].conn && qps) {
			st_kv("%s.first_wrong_qp=%u got=%u", name, k, wc.qp ? wc.qp->qp_num : 0);
			qps = false;
		}
		if (wc.status != (want ? want[k] : IB_WC_SUCCESS) && status) {
			st_kv("%s.first_bad_status=%u %s", name, k, ib_wc_status_msg(wc.status));
			status = false;
		}
	}
	st_kv("%s.completions=%u", name, got);
	st_check(name, order && qps && status);
	return order && qps && status;
}

static void st_fill(u32 slot, u32 len, u32 seed)
{
	u8 *p = st.buf.va + (size_t)slot * ST_SLOT;
	u32 i;

	for (i = 0; i < len; i++)
		p[i] = st_pat(i, seed);
}

static void st_client_run(void)
{
	u32 K = st_stream_len(), k, c;
	struct rdo_ssq_wr *w;
	struct ib_sge *sge;

	w = kcalloc(K, sizeof(*w), GFP_KERNEL);
	sge = kcalloc(K, sizeof(*sge), GFP_KERNEL);
	if (!w || !sge) {
		st_check("alloc", false);
		goto out;
	}
	for (k = 0; k < K; k++) {
		enum st_op op = st_op_of(k);

		c = st_conn_of(k);
		st_fill(k, st_len_of(k), k);
		st_wr(&w[k], &sge[k], st.qp[c],
		      op == OP_WRITE ? IB_WR_RDMA_WRITE :
		      op == OP_SEND ? IB_WR_SEND : IB_WR_SEND_WITH_IMM,
		      k, st_len_of(k), st_waddr(c, st_index_in_conn(k, false)),
		      st.peer.rkey);
		w[k].wr.ex.imm_data = cpu_to_be32(k);
		if (!st_signaled(k))
			w[k].wr.send_flags = 0;
	}
	ib_dma_sync_single_for_device(st.dev, st.buf.dma, st.buf.len, DMA_BIDIRECTIONAL);
	st_kv("stream.messages=%u", K);
	st_chain("stream", w, K, NULL);

	/* One "done" per connection: the server then checks the WRITEs. */
	for (c = 0; c < st.n; c++) {
		st_wr(&w[c], &sge[c], st.qp[c], IB_WR_SEND_WITH_IMM, 0, 0, 0, 0);
		w[c].wr.ex.imm_data = cpu_to_be32(ST_IMM_DONE | c);
	}
	st_chain("done", w, st.n, NULL);
out:
	kfree(w);
	kfree(sge);
}

/* Server: -1 if len bytes of region r at off hold pattern seed. */
static long st_verify(struct st_region *r, size_t off, u32 len, u32 seed)
{
	const u8 *p = r->va + off;
	u32 i;

	ib_dma_sync_single_for_cpu(st.dev, r->dma, r->len, DMA_BIDIRECTIONAL);
	for (i = 0; i < len; i++)
		if (p[i] != st_pat(i, seed))
			return i;
	return -1;
}

/* Server: the k-th stream message of QP i (by receive order), -1: none. */
static int st_nth_send(u32 i, u32 nth)
{
	u32 k;

	for (k = 0; k < st_stream_len(); k++)
		if (st_conn_of(k) == i && st_op_of(k) != OP_WRITE &&
		    st_index_in_conn(k, true) == nth)
			return k;
	return -1;
}

/* Server: connection i said "done"; its WRITEs must all be there. */
static bool st_check_writes(u32 i)
{
	u32 k;

	for (k = 0; k < st_stream_len(); k++) {
		if (st_conn_of(k) != i || st_op_of(k) != OP_WRITE)
			continue;
		if (st_verify(&st.wbuf, (size_t)(i * ST_MSGS + st_index_in_conn(k, false)) *
			      ST_SLOT, st_len_of(k), k) >= 0) {
			st_kv("write_data.first_bad=%u", k);
			return false;
		}
	}
	return true;
}

static void st_server_run(void)
{
	int events = atomic_read(&st.cq_events);
	u32 got[ST_MAX_CONN] = {}, done = 0, msgs = 0, i;
	bool order = true, data = true, writes = true;
	struct ib_wc wc;
	int ret, k, qi;

	while (done < st.n) {
		ret = st_next(&wc);
		if (ret) {
			st_kv("recv.wait=%d", ret);
			st_check("recv_all", false);
			return;
		}
		qi = st_qp_index(wc.qp);
		if (qi < 0 || wc.status != IB_WC_SUCCESS || wc.opcode != IB_WC_RECV ||
		    (wc.wr_id & 0xffffffff) != got[qi] || wc.wr_id >> 32 != qi) {
			st_kv("recv.unexpected=qp %d status %s wr_id 0x%llx", qi,
			      ib_wc_status_msg(wc.status), wc.wr_id);
			order = false;
			continue;
		}
		k = st_nth_send(qi, got[qi]++);
		if (k < 0) {
			/* Past the stream: connection qi's "done". */
			if (!(wc.wc_flags & IB_WC_WITH_IMM) ||
			    be32_to_cpu(wc.ex.imm_data) != (ST_IMM_DONE | qi))
				order = false;
			if (!st_check_writes(qi))
				writes = false;
			done++;
			continue;
		}
		msgs++;
		if (wc.byte_len != st_len_of(k) ||
		    !!(wc.wc_flags & IB_WC_WITH_IMM) != (st_op_of(k) == OP_SEND_IMM) ||
		    (st_op_of(k) == OP_SEND_IMM && be32_to_cpu(wc.ex.imm_data) != k) ||
		    st_verify(&st.buf, (size_t)(qi * ST_RECVS + got[qi] - 1) * ST_SLOT,
			      st_len_of(k), k) >= 0) {
			if (data)
				st_kv("send_data.first_bad=%d", k);
			data = false;
		}
	}
	st_kv("recv.messages=%u", msgs);
	st_kv("recv.cq_events=%d", atomic_read(&st.cq_events) - events);
	for (i = 0; i < st.n; i++)
		st_kv("recv.qp%u=%u", i, got[i]);
	st_check("recv_order", order);
	st_check("send_data", data);
	st_check("write_data", writes);
}

/*
 * Connection ST_BAD_CONN meets a bad rkey between good work on others:
 * its requests end in REM_ACCESS_ERR or are flushed, in SSQ order, and
 * the rest go on.
 */
static void st_badrkey(void)
{
	static const struct { u32 conn; bool bad; enum ib_wc_status want; } plan[] = {
		{ 0, false, IB_WC_SUCCESS },
		{ 1, false, IB_WC_SUCCESS },
		{ ST_BAD_CONN, true, IB_WC_REM_ACCESS_ERR },
		{ ST_BAD_CONN, false, IB_WC_WR_FLUSH_ERR },
		{ 3, false, IB_WC_SUCCESS },
		{ ST_BAD_CONN, false, IB_WC_WR_FLUSH_ERR },
		{ 0, false, IB_WC_SUCCESS },
	};
	enum ib_wc_status want[ARRAY_SIZE(plan)];
	struct rdo_ssq_wr w[ARRAY_SIZE(plan)];
	struct ib_sge sge[ARRAY_SIZE(plan)];
	u32 k, c;

	st_fill(0, ST_SLOT, 99);
	ib_dma_sync_single_for_device(st.dev, st.buf.dma, ST_SLOT, DMA_BIDIRECTIONAL);
	for (k = 0; k < ARRAY_SIZE(plan); k++) {
		c = plan[k].conn;
		st_wr(&w[k], &sge[k], st.qp[c], IB_WR_RDMA_WRITE, 0, ST_SLOT,
		      st_waddr(c, 0), st.peer.rkey ^ (plan[k].bad ? 0x80 : 0));
		want[k] = plan[k].want;
	}
	st_chain("badrkey_chain", w, ARRAY_SIZE(plan), want);
	st_check("bad_conn_in_err", st_state(st.qp[ST_BAD_CONN]) == IB_QPS_ERR);
	st_check("others_in_rts", st_state(st.qp[0]) == IB_QPS_RTS &&
		 st_state(st.qp[1]) == IB_QPS_RTS && st_state(st.qp[3]) == IB_QPS_RTS);
	/* The SSQ goes on: good work on a healthy connection, a flush on the bad one. */
	st_wr(&w[0], &sge[0], st.qp[1], IB_WR_RDMA_WRITE, 0, 64, st_waddr(1, 0), st.peer.rkey);
	st_wr(&w[1], &sge[1], st.qp[ST_BAD_CONN], IB_WR_RDMA_WRITE, 0, 64,
	      st_waddr(ST_BAD_CONN, 0), st.peer.rkey);
	want[0] = IB_WC_SUCCESS;
	want[1] = IB_WC_WR_FLUSH_ERR;
	st_chain("after_error", w, 2, want);
}

static void st_expect_error(void)
{
	struct ib_wc wc;
	int ret;

	/* QP ST_BAD_CONN's receives are flushed; nothing else completes. */
	ret = st_next(&wc);
	if (!ret)
		st_kv("flush.qp=%d status=%s", st_qp_index(wc.qp), ib_wc_status_msg(wc.status));
	st_check("recv_flushed", !ret && st_qp_index(wc.qp) == ST_BAD_CONN &&
		 wc.status == IB_WC_WR_FLUSH_ERR);
	st_check("bad_qp_in_err", st_state(st.qp[ST_BAD_CONN]) == IB_QPS_ERR);
	st_check("qp0_in_rts", st_state(st.qp[0]) == IB_QPS_RTS);
}

/* A QP creation the driver must refuse with `want`; destroys what it got. */
static void st_create_refused(const char *name, struct ib_qp_init_attr *qa, int want)
{
	struct ib_qp *qp = ib_create_qp(st.pd, qa);
	int got = IS_ERR(qp) ? PTR_ERR(qp) : 0;

	if (!IS_ERR(qp))
		ib_destroy_qp(qp);
	st_kv("%s=%d", name, got);
	st_check(name, got == want);
}

static void st_misuse_create(void)
{
	struct ib_qp_init_attr qa = {
		.send_cq = st.cq, .recv_cq = st.cq, .qp_type = IB_QPT_RC,
		.cap = { .max_recv_wr = 1, .max_recv_sge = 1 },
		.create_flags = RDO_QP_CREATE_SSQ_FED,
	};

	qa.source_qpn = st.plain->qp_num;
	st_create_refused("fed_by_plain_qp", &qa, -EINVAL);
	qa.source_qpn = 0xffffff;
	st_create_refused("fed_by_nothing", &qa, -EINVAL);
	qa.source_qpn = st.ssq->qp_num;
	qa.create_flags |= RDO_QP_CREATE_SSQ;
	st_create_refused("both_flags", &qa, -EINVAL);
	qa.create_flags = RDO_QP_CREATE_SSQ_FED;
	qa.cap.max_send_wr = 4;
	qa.cap.max_send_sge = 1;
	st_create_refused("fed_with_send_queue", &qa, -EINVAL);
	qa.create_flags = RDO_QP_CREATE_SSQ;
	st_create_refused("ssq_with_receive_queue", &qa, -EINVAL);
	qa.create_flags = RDO_QP_CREATE_SSQ_FED << 1;
	st_create_refused("unknown_private_flag", &qa, -EOPNOTSUPP);
}

/* A lone SSQ work request whose post must fail with -EINVAL. */
static void st_post_refused(const char *name, struct ib_qp *ssq, struct ib_qp *conn)
{
	const struct ib_send_wr *bad = NULL;
	struct rdo_ssq_wr w;
	struct ib_sge sge;
	int ret;

	st_wr(&w, &sge, conn, IB_WR_SEND, 0, 8, 0, 0);
	ret = ib_post_send(ssq, &w.wr, &bad);
	st_kv("%s=%d", name, ret);
	st_check(name, ret == -EINVAL && bad == &w.wr);
}

static void st_misuse(void)
{
	struct rdo_ssq_wr w[2];
	struct ib_sge sge[2];
	const struct ib_send_wr *bad = NULL;
	struct ib_qp *ssq2, *conn2 = NULL;
	struct ib_wc wc;
	int ret;

	st_misuse_create();

	st_post_refused("post_names_plain_qp", st.ssq, st.plain);
	st_post_refused("post_names_no_qp", st.ssq, NULL);
	st_post_refused("post_names_the_ssq", st.ssq, st.ssq);
	/* A second SSQ and a connection of its own, still in RESET. */
	ssq2 = st_create_qp(RDO_QP_CREATE_SSQ, 0, 4, 0);
	if (!IS_ERR(ssq2))
		conn2 = st_create_qp(RDO_QP_CREATE_SSQ_FED, ssq2->qp_num, 0, 1);
	if (st_check("second_ssq", !IS_ERR(ssq2) && !IS_ERR(conn2))) {
		st_post_refused("post_names_other_ssqs_conn", st.ssq, conn2);
		st_post_refused("post_names_conn_in_reset", ssq2, conn2);
		st_wr(&w[0], &sge[0], st.qp[0], IB_WR_SEND, 0, 8, 0, 0);
		ret = ib_post_send(conn2, &w[0].wr, &bad);
		st_kv("post_on_connection=%d", ret);
		st_check("post_on_connection", ret == -EINVAL);
		ret = ib_destroy_qp(ssq2);
		st_kv("destroy_ssq2_first=%d", ret);
		st_check("destroy_ssq2_first_busy", ret == -EBUSY);
		ret = ib_destroy_qp(conn2) ?: ib_destroy_qp(ssq2);
		st_check("destroy_conn2_then_ssq2", !ret);
	} else {
		if (!IS_ERR_OR_NULL(conn2))
			ib_destroy_qp(conn2);
		if (!IS_ERR(ssq2))
			ib_destroy_qp(ssq2);
	}

	/* A chain whose second request is bad: the first still goes. */
	st_wr(&w[0], &sge[0], st.qp[1], IB_WR_RDMA_WRITE, 0, 64, st_waddr(1, 0), st.peer.rkey);
	st_wr(&w[1], &sge[1], st.plain, IB_WR_RDMA_WRITE, 0, 64, st_waddr(1, 0), st.peer.rkey);
	w[0].wr.wr_id = 1000;
	w[0].wr.next = &w[1].wr;
	ret = ib_post_send(st.ssq, &w[0].wr, &bad);
	st_check("chain_bad_second", ret == -EINVAL && bad == &w[1].wr);
	ret = st_next(&wc);
	st_check("chain_first_done", !ret && wc.wr_id == 1000 && wc.qp == st.qp[1] &&
		 wc.status == IB_WC_SUCCESS);

	/* An SSQ that feeds connections stays, and keeps working. */
	ret = ib_destroy_qp(st.ssq);
	st_kv("destroy_ssq=%d", ret);
	st_check("destroy_ssq_busy", ret == -EBUSY);
	{
		struct ib_qp_attr a = { .qp_state = IB_QPS_RTS, .sq_psn = 1 };

		ret = ib_modify_qp(st.ssq, &a, IB_QP_STATE | IB_QP_SQ_PSN);
		st_kv("modify_ssq_attr=%d", ret);
		st_check("modify_ssq_attr_refused", ret == -EINVAL);
	}
	st_wr(&w[0], &sge[0], st.qp[3], IB_WR_RDMA_WRITE, 0, 64, st_waddr(3, 0), st.peer.rkey);
	st_chain("ssq_after_refusals", w, 1, NULL);
	st_check("ssq_in_rts", st_state(st.ssq) == IB_QPS_RTS);
}

/*
 * A connection destroyed with work still queued for it on the SSQ: one
 * talking to a QP the peer does not have, so nothing is acknowledged and
 * more WRITEs are posted than its window lets out; a request on another
 * connection waits behind them. The driver flushes the stuck connection's
 * requests before destroying it, so the SSQ is not failed by requests
 * naming a QP it no longer feeds, and the waiting request succeeds. Then
 * tear-down in order.
 */
static void st_drain(void)
{
	enum ib_wc_status want = IB_WC_SUCCESS;
	const struct ib_send_wr *bad;
	struct rdo_ssq_wr *w;
	struct ib_sge *sge;
	struct ib_qp *stuck;
	u32 k, i, nw = ST_DRAIN_WRITES;
	ktime_t t;
	int ret;

	w = kcalloc(nw + 1, sizeof(*w), GFP_KERNEL);
	sge = kcalloc(nw + 1, sizeof(*sge), GFP_KERNEL);
	stuck = st_create_qp(RDO_QP_CREATE_SSQ_FED, st.ssq->qp_num, 0, 1);
	if (!st_check("drain_setup", w && sge && !IS_ERR(stuck) && !st_to_init(stuck) &&
		      !st_connect_qp(stuck, ST_NO_QPN))) {
		if (!IS_ERR(stuck))
			ib_destroy_qp(stuck);
		goto out;
	}
	for (k = 0; k < nw; k++) {
		st_wr(&w[k], &sge[k], stuck, IB_WR_RDMA_WRITE, 0, ST_SLOT,
		      st_waddr(0, 0), st.peer.rkey);
		w[k].wr.send_flags = 0;
		w[k].wr.next = k + 1 < nw ? &w[k + 1].wr : NULL;
	}
	ret = ib_post_send(st.ssq, &w[0].wr, &bad);
	st_check("drain_posted", !ret);
	t = ktime_get();
	ret = ib_destroy_qp(stuck);
	st_kv("destroy_busy_conn=%d", ret);
	st_kv("destroy_busy_conn.ms=%lld", ktime_ms_delta(ktime_get(), t));
	st_check("destroy_busy_conn", !ret);
	/* The SSQ still works; its CQEs for the gone connection are not seen. */
	st_wr(&w[0], &sge[0], st.qp[0], IB_WR_RDMA_WRITE, 0, 64, st_waddr(0, 0), st.peer.rkey);
	st_chain("ssq_after_drain", w, 1, &want);
	st_check("ssq_in_rts_after_drain", st_state(st.ssq) == IB_QPS_RTS);

	ret = ib_destroy_qp(st.ssq);
	st_check("ssq_busy_while_feeding", ret == -EBUSY);
	for (i = 0; i < st.n; i++) {
		ret = ib_destroy_qp(st.qp[i]);
		if (ret)
			st_kv("destroy_conn%u=%d", i, ret);
		else
			st.qp[i] = NULL;
	}
	ret = ib_destroy_qp(st.ssq);
	st_kv("destroy_ssq_last=%d", ret);
	if (st_check("destroy_ssq_last", !ret))
		st.ssq = NULL;
out:
	kfree(w);
	kfree(sge);
}

/* Large WRITEs on every connection, not waited for (tear-down tests). */
static int st_fire(void)
{
	struct rdo_ssq_wr w[ST_MAX_CONN];
	struct ib_sge sge[ST_MAX_CONN];
	const struct ib_send_wr *bad;
	u32 i;

	for (i = 0; i < st.n; i++) {
		st_wr(&w[i], &sge[i], st.qp[i], IB_WR_RDMA_WRITE, i, ST_SLOT,
		      st_waddr(i, 0), st.peer.rkey);
		w[i].wr.next = i + 1 < st.n ? &w[i + 1].wr : NULL;
	}
	return ib_post_send(st.ssq, &w[0].wr, &bad);
}

/*
 * The driver's rdo_ib_qp_set_notify_delay, looked up for each call: linked
 * directly, this module would pin rdma_offload, which the test unloads
 * under it.
 */
static int st_set_delay(struct ib_qp *qp, u16 usec)
{
	int (*set)(struct ib_qp *qp, u16 usec) = symbol_get(rdo_ib_qp_set_notify_delay);
	int ret;

	if (!set)
		return -ENOENT;
	ret = set(qp, usec);
	symbol_put(rdo_ib_qp_set_notify_delay);
	return ret;
}

/* Delayed notification per connection through the driver's kernel API. */
static int st_delay(char *args)
{
	u32 usec, i;
	int ret = 0;

	if (!args || kstrtou32(args, 0, &usec) || usec > U16_MAX)
		return -EINVAL;
	for (i = 0; !ret && i < st.n; i++)
		ret = st_set_delay(st.qp[i], usec);
	st_kv("delay.usec=%u", usec);
	st_kv("delay.rc=%d", ret);
	st_check("delay_set", !ret);
	/* Refused before anything changes: the delay just set stays. */
	ret = st_set_delay(st.qp[0], 4096);
	st_kv("delay.too_big=%d", ret);
	st_check("delay_too_big_refused", ret == -EINVAL);
	if (st.ssq) {
		ret = st_set_delay(st.ssq, usec);
		st_kv("delay.on_ssq=%d", ret);
		st_check("delay_on_ssq_refused", ret == -EINVAL);
	}
	return 0;
}

static int st_command(char *cmd, char *args)
{
	if (!strcmp(cmd, "setup"))
		return st_setup(args);
	if (!strcmp(cmd, "teardown")) {
		st_teardown();
		return 0;
	}
	if (!st.dev)
		return -ENODEV;
	if (!strcmp(cmd, "connect"))
		return st_connect(args);
	if (!strcmp(cmd, "delay"))
		return st_delay(args);
	if (!st.connected)
		return -ENOTCONN;
	if (!strcmp(cmd, "run"))
		st.client ? st_client_run() : st_server_run();
	else if (!strcmp(cmd, "expect_error") && !st.client)
		st_expect_error();
	else if (!st.client || !st.ssq)
		return -EINVAL;
	else if (!strcmp(cmd, "badrkey"))
		st_badrkey();
	else if (!strcmp(cmd, "misuse"))
		st_misuse();
	else if (!strcmp(cmd, "drain"))
		st_drain();
	else if (!strcmp(cmd, "fire"))
		return st_fire();
	else
		return -EINVAL;
	return 0;
}

static ssize_t st_ctl_write(struct file *f, const char __user *ubuf, size_t len,
			    loff_t *pos)
{
	char *buf, *args, *cmd;
	int ret;

	if (len > 1024)
		return -EINVAL;
	buf = memdup_user_nul(ubuf, len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	args = strim(buf);
	cmd = strsep(&args, " ");
	mutex_lock(&st.lock);
	rdo_test_log_begin(&st.log, cmd);
	ret = st_command(cmd, args);
	ret = rdo_test_log_end(&st.log, ret);
	mutex_unlock(&st.lock);
	kfree(buf);
	return ret ?: len;
}

static ssize_t st_result_read(struct file *f, char __user *ubuf, size_t len,
			      loff_t *pos)
{
	ssize_t ret;

	mutex_lock(&st.lock);
	ret = rdo_test_log_read(&st.log, ubuf, len, pos);
	mutex_unlock(&st.lock);
	return ret;
}

static ssize_t st_info_read(struct file *f, char __user *ubuf, size_t len,
			    loff_t *pos)
{
	char line[sizeof(st.info) + 1];

	mutex_lock(&st.lock);
	snprintf(line, sizeof(line), "%s\n", st.info);
	mutex_unlock(&st.lock);
	return simple_read_from_buffer(ubuf, len, pos, line, strlen(line));
}

static const struct file_operations st_ctl_fops = {
	.owner = THIS_MODULE,
	.write = st_ctl_write,
	.llseek = noop_llseek,
};

static const struct file_operations st_result_fops = {
	.owner = THIS_MODULE,
	.read = st_result_read,
	.llseek = default_llseek,
};

static const struct file_operations st_info_fops = {
	.owner = THIS_MODULE,
	.read = st_info_read,
	.llseek = default_llseek,
};

static int st_add(struct ib_device *dev)
{
	return 0;
}

/* The device is going away: give up waiting and let go of it. */
static void st_remove(struct ib_device *dev, void *data)
{
	WRITE_ONCE(st.dying, dev);
	wake_up(&st.wq);
	mutex_lock(&st.lock);
	if (st.dev == dev) {
		st_teardown();
		pr_info("rdo_ssq_test: %s removed, torn down\n", dev_name(&dev->dev));
	}
	WRITE_ONCE(st.dying, NULL);
	mutex_unlock(&st.lock);
}

static struct ib_client st_client_ops = {
	.name = "rdo_ssq_test",
	.add = st_add,
	.remove = st_remove,
};

static int __init st_init(void)
{
	int ret;

	mutex_init(&st.lock);
	init_waitqueue_head(&st.wq);
	if (rdo_test_log_init(&st.log, ST_LOG_SIZE))
		return -ENOMEM;
	ret = ib_register_client(&st_client_ops);
	if (ret) {
		rdo_test_log_free(&st.log);
		return ret;
	}
	st_dir = debugfs_create_dir("rdo_ssq_test", NULL);
	debugfs_create_file("ctl", 0200, st_dir, NULL, &st_ctl_fops);
	debugfs_create_file("result", 0400, st_dir, NULL, &st_result_fops);
	debugfs_create_file("info", 0400, st_dir, NULL, &st_info_fops);
	return 0;
}

static void __exit st_exit(void)
{
	debugfs_remove_recursive(st_dir);
	ib_unregister_client(&st_client_ops);
	mutex_lock(&st.lock);
	st_teardown();
	mutex_unlock(&st.lock);
	rdo_test_log_free(&st.log);
}

module_init(st_init);
module_exit(st_exit);
MODULE_DESCRIPTION("Shared send queue test between two machines (rdma-offload project)");
MODULE_LICENSE("GPL");
