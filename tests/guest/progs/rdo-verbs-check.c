// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Guest checks of user-space verbs on one RDMA device, for the guest tests
 * (tests/guest/verbs-extra.sh). Facts are printed as key=value lines.
 *
 *   rdo-verbs-check verbs DEV GIDX
 *       Two RC QPs of DEV connected to each other through the port
 *       (loopback, GID index GIDX): ibv_rereg_mr (new pages and rights,
 *       WRITE and READ through the new key, the old key refused),
 *       ibv_create_cq_ex polled with the extended calls, ibv_resize_cq
 *       with completions in flight, ibv_modify_cq moderation with a
 *       completion event, ibv_modify_srq limit -> SRQ_LIMIT_REACHED, a QP
 *       on the SRQ moved to ERR -> QP_LAST_WQE_REACHED.
 *   rdo-verbs-check mcast-recv DEV GIDX MGID N SECONDS
 *   rdo-verbs-check mcast-send DEV GIDX MGID N
 *       UD multicast: the receiver attaches a UD QP to MGID (an IPv6 or
 *       IPv4-mapped multicast GID) and counts the datagrams that arrive
 *       byte-exact; the sender sends N to the group.
 *   rdo-verbs-check regtime DEV N
 *       The mean time of ibv_reg_mr and ibv_dereg_mr over N malloc'd
 *       buffers of 4 KiB, 64 KiB and 1 MiB.
 *   rdo-verbs-check push-race DEV GIDX N
 *       Two threads of one context (one doorbell page, one push area),
 *       each with its own RC pair through the port, each sending N small
 *       inline SENDs (pushed WQEs) carrying its thread and sequence: every
 *       message must arrive on its own pair, in order, intact.
 *   rdo-verbs-check notify DEV GIDX N K SOLICITED
 *       Delayed notification (run with RDO_NOTIFY_DELAY_US set or not):
 *       two RC QPs through the port, receives taken on completion events
 *       only; N 64-byte SENDs one after the other, then K ping-pong round
 *       trips, all marked solicited if SOLICITED is 1. Per phase: messages
 *       received intact, completion events, the adapter's interrupts,
 *       EQEs and CQEs, and the ping-pong's one-way latency.
 *   rdo-verbs-check partial DEV GIDX N
 *       A buffer group (D10): 4 RC pairs through the port whose receivers
 *       share an SRQ with partial buffers (rdodv.h, stride 64); N SENDs
 *       of 1..700 bytes from each sender, then a multi-packet one: each
 *       completion's offset, length, bytes and BUF_DONE checked; buffers
 *       used against messages. A two-slot SRQ keeps a slot taken while
 *       its buffer is in use.
 *   rdo-verbs-check scatter DEV GIDX
 *       Zero copy over scattered memory (D15): 256 KiB + 777 byte WRITE,
 *       SEND (into two SGEs) and READ between malloc'd buffers at odd
 *       offsets whose pages were touched out of order, bytes and guard
 *       bytes checked; the frames' discontinuities from pagemap.
 *   rdo-verbs-check sl DEV GIDX SL...
 *       Per SL, an RC pair through the port whose address vectors carry
 *       that service level: a WRITE arrives intact and ibv_query_qp gives
 *       the SL back. Prints sl.SL.qpn (both QP numbers), then sl.ready=1,
 *       and keeps the QPs until killed, for `rdma res show qp -dd` (the
 *       driver's flow class of each; docs/guest-driver.md).
 *
 * Buffers are malloc'd at odd offsets, as applications' are.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>
#include <infiniband/rdodv.h>
#include "rdo-progs.h"

#define QKEY		0x11111111u
#define RC_ACCESS	(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
			 IBV_ACCESS_REMOTE_READ)

static struct ibv_context *ctx;
static struct ibv_pd *pd;
static union ibv_gid gid;
static int gidx;

static void open_dev(const char *name, int gid_index)
{
	ctx = open_by_name(name);
	pd = ibv_alloc_pd(ctx);
	if (!pd)
		die("ibv_alloc_pd");
	gidx = gid_index;
	if (ibv_query_gid(ctx, 1, gidx, &gid))
		die("ibv_query_gid %d", gidx);
}

static struct ibv_mr *reg(void *buf, size_t len, int access)
{
	struct ibv_mr *mr = ibv_reg_mr(pd, buf, len, access);

	if (!mr)
		die("ibv_reg_mr: %s", strerror(errno));
	return mr;
}

/* The next async event of the given type (others are acknowledged and
 * skipped) within WAIT_MS: 1 with *ev filled, 0 on time out. */
static int wait_event(enum ibv_event_type type, struct ibv_async_event *ev)
{
	uint64_t end = now_us() + WAIT_MS * 1000ull;
	struct pollfd pfd = { .fd = ctx->async_fd, .events = POLLIN };

	while (now_us() < end) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if (ibv_get_async_event(ctx, ev))
			die("ibv_get_async_event");
		ibv_ack_async_event(ev);
		if (ev->event_type == type)
			return 1;
		printf("# other async event %s\n", ibv_event_type_str(ev->event_type));
	}
	return 0;
}

static struct ibv_qp *rc_qp(struct ibv_cq *scq, struct ibv_cq *rcq,
			    struct ibv_srq *srq)
{
	struct ibv_qp *qp = rc_qp_create(pd, scq, rcq, srq, 32, 2);

	if (!qp)
		die("ibv_create_qp: %s", strerror(errno));
	return qp;
}

/* qp to RTS towards remote_qpn on this port (loopback through GID gidx). */
static void rc_connect(struct ibv_qp *qp, uint32_t remote_qpn)
{
	rc_to_rts(qp, RC_ACCESS, remote_qpn, &gid, gidx);
}

/* A on acq, B on bcq (receiving from srq if given), connected. */
static void rc_pair(struct ibv_cq *acq, struct ibv_cq *bcq,
		    struct ibv_srq *srq, struct ibv_qp **a, struct ibv_qp **b)
{
	*a = rc_qp(acq, acq, NULL);
	*b = rc_qp(bcq, bcq, srq);
	rc_connect(*a, (*b)->qp_num);
	rc_connect(*b, (*a)->qp_num);
}

static void post_recv(struct ibv_qp *qp, struct ibv_srq *srq, uint64_t wr_id,
		      void *addr, uint32_t len, uint32_t lkey)
{
	struct ibv_sge sge = { (uintptr_t)addr, len, lkey };
	struct ibv_recv_wr wr = { .wr_id = wr_id, .sg_list = &sge,
				  .num_sge = 1 }, *bad;

	if (srq ? ibv_post_srq_recv(srq, &wr, &bad) : ibv_post_recv(qp, &wr, &bad))
		die("post recv: %s", strerror(errno));
}

/* Posts op and waits for its completion on cq: its status name. */
static const char *one_op(struct ibv_qp *qp, struct ibv_cq *cq,
			  enum ibv_wr_opcode op, void *addr, uint32_t len,
			  uint32_t lkey, uint64_t raddr, uint32_t rkey)
{
	struct ibv_wc wc;
	int st;

	post_send1(qp, op, 77, addr, len, lkey, raddr, rkey, 1);
	st = poll_one(cq, &wc);
	return st < 0 ? "timeout" : ibv_wc_status_str(wc.status);
}

#define RR_LEN	(3 * 4096 + 555)

/*
 * ibv_rereg_mr: B's buffer registered, written through its key; then
 * moved to other pages with read rights added: WRITE and READ through the
 * new key reach the new pages only; the old key is refused.
 */
static void check_rereg(void)
{
	struct ibv_cq *cq = ibv_create_cq(ctx, 64, NULL, NULL, 0);
	struct ibv_qp *a, *b;
	void *f1, *f2, *f3;
	uint8_t *src = odd_buf(RR_LEN, &f1), *b1 = odd_buf(RR_LEN, &f2);
	uint8_t *b2 = odd_buf(RR_LEN, &f3);
	struct ibv_mr *ms, *mb;
	uint32_t old_rkey;
	int ret;

	if (!cq)
		die("ibv_create_cq");
	rc_pair(cq, cq, NULL, &a, &b);
	ms = reg(src, RR_LEN, IBV_ACCESS_LOCAL_WRITE);
	mb = reg(b1, RR_LEN, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE);
	fill(src, RR_LEN, 1);
	printf("rereg.write1=%s\n", one_op(a, cq, IBV_WR_RDMA_WRITE, src, RR_LEN,
					   ms->lkey, (uintptr_t)b1, mb->rkey));
	printf("rereg.data1=%ld\n", check(b1, RR_LEN, 1));

	old_rkey = mb->rkey;
	ret = ibv_rereg_mr(mb, IBV_REREG_MR_CHANGE_TRANSLATION |
			   IBV_REREG_MR_CHANGE_ACCESS, NULL, b2, RR_LEN,
			   IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
			   IBV_ACCESS_REMOTE_READ);
	printf("rereg.rc=%d\n", ret);
	printf("rereg.new_key=%d\n", mb->rkey != old_rkey);
	fill(src, RR_LEN, 2);
	printf("rereg.write2=%s\n", one_op(a, cq, IBV_WR_RDMA_WRITE, src, RR_LEN,
					   ms->lkey, (uintptr_t)b2, mb->rkey));
	printf("rereg.data2=%ld\n", check(b2, RR_LEN, 2));
	printf("rereg.old_pages_kept=%ld\n", check(b1, RR_LEN, 1));
	fill(b2, RR_LEN, 3);
	memset(src, 0, RR_LEN);
	printf("rereg.read=%s\n", one_op(a, cq, IBV_WR_RDMA_READ, src, RR_LEN,
					 ms->lkey, (uintptr_t)b2, mb->rkey));
	printf("rereg.read_data=%ld\n", check(src, RR_LEN, 3));
	/* Last: the refusal moves A's QP to the error state. */
	printf("rereg.old_key=%s\n", one_op(a, cq, IBV_WR_RDMA_WRITE, src, 64,
					    ms->lkey, (uintptr_t)b1, old_rkey));
	ibv_destroy_qp(a);
	ibv_destroy_qp(b);
	ibv_dereg_mr(ms);
	ibv_dereg_mr(mb);
	ibv_destroy_cq(cq);
	free(f1);
	free(f2);
	free(f3);
}

/*
 * A's sends on a plain CQ, B's receives on an extended CQ polled with the
 * extended calls: opcode, byte_len, immediate, QP number, in order.
 */
static void check_cq_ex(void)
{
	struct ibv_cq_init_attr_ex ca = {
		.cqe = 32,
		.wc_flags = IBV_WC_EX_WITH_BYTE_LEN | IBV_WC_EX_WITH_IMM |
			    IBV_WC_EX_WITH_QP_NUM | IBV_WC_EX_WITH_SRC_QP,
	};
	struct ibv_cq_ex *cqx = ibv_create_cq_ex(ctx, &ca);
	struct ibv_cq *cq = ibv_create_cq(ctx, 32, NULL, NULL, 0);
	struct ibv_poll_cq_attr pa = {};
	struct ibv_qp *a, *b;
	void *f1, *f2;
	uint8_t *src = odd_buf(8192, &f1), *dst = odd_buf(4 * 8192, &f2);
	struct ibv_mr *ms, *md;
	unsigned int good = 0, got = 0;
	uint64_t end;
	struct ibv_wc wc;
	int ret, i;

	printf("cqex.created=%d\n", cqx != NULL);
	if (!cqx || !cq)
		return;
	rc_pair(cq, ibv_cq_ex_to_cq(cqx), NULL, &a, &b);
	ms = reg(src, 8192, 0);
	md = reg(dst, 4 * 8192, IBV_ACCESS_LOCAL_WRITE);
	for (i = 0; i < 4; i++)
		post_recv(b, NULL, 100 + i, dst + i * 8192, 8192, md->lkey);
	for (i = 0; i < 4; i++) {
		fill(src, 8192, 10 + i);
		post_send1(a, IBV_WR_SEND_WITH_IMM, i, src, 1000 + i * 2000, ms->lkey,
		     0, 0, 1);
		if (poll_one(cq, &wc) != IBV_WC_SUCCESS)
			printf("cqex.send%d=%s\n", i, ibv_wc_status_str(wc.status));
	}
	end = now_us() + WAIT_MS * 1000ull;
	while (got < 4 && now_us() < end) {
		ret = ibv_start_poll(cqx, &pa);
		if (ret == ENOENT)
			continue;
		if (ret)
			die("ibv_start_poll %d", ret);
		do {
			if (cqx->status == IBV_WC_SUCCESS &&
			    cqx->wr_id == 100 + got &&
			    ibv_wc_read_opcode(cqx) == IBV_WC_RECV &&
			    ibv_wc_read_byte_len(cqx) == 1000 + got * 2000 &&
			    (ibv_wc_read_wc_flags(cqx) & IBV_WC_WITH_IMM) &&
			    ntohl(ibv_wc_read_imm_data(cqx)) == 0x1234abcd &&
			    ibv_wc_read_qp_num(cqx) == b->qp_num &&
			    check(dst + got * 8192, 1000 + got * 2000, 10 + got) < 0)
				good++;
			got++;
		} while (got < 4 && ibv_next_poll(cqx) == 0);
		ibv_end_poll(cqx);
	}
	printf("cqex.polled=%u\n", got);
	printf("cqex.good=%u\n", good);
	ibv_destroy_qp(a);
	ibv_destroy_qp(b);
	ibv_dereg_mr(ms);
	ibv_dereg_mr(md);
	ibv_destroy_cq(ibv_cq_ex_to_cq(cqx));
	ibv_destroy_cq(cq);
	free(f1);
	free(f2);
}

/*
 * A's send CQ of 8 entries holds 6 WRITE completions (some may still be on
 * their way) when it grows to 64; 20 more follow. All 26 are polled, in
 * order, successful. Then moderation (4 completions or 20 us) through
 * ibv_modify_cq: one WRITE still raises a completion event.
 */
static void check_resize_modify_cq(void)
{
	struct ibv_comp_channel *ch = ibv_create_comp_channel(ctx);
	struct ibv_cq *cq = ibv_create_cq(ctx, 8, NULL, ch, 0);
	struct ibv_cq *rcq = ibv_create_cq(ctx, 8, NULL, NULL, 0);
	struct ibv_modify_cq_attr ma = {
		.attr_mask = IBV_CQ_ATTR_MODERATE,
		.moderate = { .cq_count = 4, .cq_period = 20 },
	};
	struct pollfd pfd;
	struct ibv_qp *a, *b;
	struct ibv_cq *ev_cq;
	void *f1, *f2, *ev_ctx;
	uint8_t *src = odd_buf(4096, &f1), *dst = odd_buf(26 * 128, &f2);
	struct ibv_mr *ms, *md;
	unsigned int in_order = 0;
	struct ibv_wc wc;
	int i, ret;

	if (!ch || !cq || !rcq)
		die("resize: CQs");
	rc_pair(cq, rcq, NULL, &a, &b);
	ms = reg(src, 4096, 0);
	md = reg(dst, 26 * 128, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE);
	fill(src, 4096, 5);
	for (i = 0; i < 6; i++)
		post_send1(a, IBV_WR_RDMA_WRITE, i, src + i, 128, ms->lkey,
		     (uintptr_t)dst + i * 128, md->rkey, 1);
	usleep(20000);
	ret = ibv_resize_cq(cq, 64);
	printf("resize.rc=%d\n", ret);
	printf("resize.cqe=%d\n", cq->cqe);
	for (i = 6; i < 26; i++)
		post_send1(a, IBV_WR_RDMA_WRITE, i, src + i, 128, ms->lkey,
		     (uintptr_t)dst + i * 128, md->rkey, 1);
	for (i = 0; i < 26; i++) {
		if (poll_one(cq, &wc) != IBV_WC_SUCCESS)
			break;
		if (wc.wr_id == (uint64_t)i)
			in_order++;
	}
	printf("resize.polled_in_order=%u\n", in_order);
	for (i = 0; i < 26; i++)
		if (memcmp(dst + i * 128, src + i, 128))
			break;
	printf("resize.data_ok=%d\n", i == 26);

	ret = ibv_modify_cq(cq, &ma);
	printf("modify_cq.rc=%d\n", ret);
	ibv_req_notify_cq(cq, 0);
	post_send1(a, IBV_WR_RDMA_WRITE, 99, src, 64, ms->lkey, (uintptr_t)dst,
	     md->rkey, 1);
	pfd = (struct pollfd){ .fd = ch->fd, .events = POLLIN };
	ret = poll(&pfd, 1, WAIT_MS);
	printf("modify_cq.event=%d\n", ret == 1);
	if (ret == 1 && !ibv_get_cq_event(ch, &ev_cq, &ev_ctx)) {
		printf("modify_cq.event_cq=%d\n", ev_cq == cq);
		ibv_ack_cq_events(cq, 1);
	}
	printf("modify_cq.polled=%s\n", poll_one(cq, &wc) == IBV_WC_SUCCESS &&
	       wc.wr_id == 99 ? "ok" : "bad");
	ibv_destroy_qp(a);
	ibv_destroy_qp(b);
	ibv_dereg_mr(ms);
	ibv_dereg_mr(md);
	ibv_destroy_cq(cq);
	ibv_destroy_cq(rcq);
	ibv_destroy_comp_channel(ch);
	free(f1);
	free(f2);
}

/*
 * B receives from an SRQ of 8 posted WQEs with its limit set to 4 by
 * ibv_modify_srq: after 5 SENDs, IBV_EVENT_SRQ_LIMIT_REACHED for it (and
 * the limit reads back as 0, disarmed). B moved to ERR:
 * IBV_EVENT_QP_LAST_WQE_REACHED for B.
 */
static void check_srq_events(void)
{
	struct ibv_srq_init_attr sa = { .attr = { .max_wr = 16, .max_sge = 1 } };
	struct ibv_srq *srq = ibv_create_srq(pd, &sa);
	struct ibv_cq *cq = ibv_create_cq(ctx, 64, NULL, NULL, 0);
	struct ibv_srq_attr attr = { .srq_limit = 4 };
	struct ibv_qp_attr qa = { .qp_state = IBV_QPS_ERR };
	struct ibv_async_event ev;
	struct ibv_qp *a, *b;
	void *f1, *f2;
	uint8_t *src = odd_buf(256, &f1), *dst = odd_buf(8 * 256, &f2);
	struct ibv_mr *ms, *md;
	struct ibv_wc wc;
	int i, ok = 0;

	if (!srq || !cq)
		die("srq: create");
	rc_pair(cq, cq, srq, &a, &b);
	ms = reg(src, 256, 0);
	md = reg(dst, 8 * 256, IBV_ACCESS_LOCAL_WRITE);
	for (i = 0; i < 8; i++)
		post_recv(NULL, srq, 200 + i, dst + i * 256, 256, md->lkey);
	printf("srq.modify_rc=%d\n", ibv_modify_srq(srq, &attr, IBV_SRQ_LIMIT));
	fill(src, 256, 8);
	for (i = 0; i < 5; i++)
		post_send1(a, IBV_WR_SEND, i, src, 256, ms->lkey, 0, 0, 1);
	for (i = 0; i < 10; i++)
		if (poll_one(cq, &wc) == IBV_WC_SUCCESS)
			ok++;
	printf("srq.completions_ok=%d\n", ok);
	printf("srq.limit_event=%d\n", wait_event(IBV_EVENT_SRQ_LIMIT_REACHED, &ev) &&
	       ev.element.srq == srq);
	memset(&attr, 0xff, sizeof(attr));
	if (!ibv_query_srq(srq, &attr))
		printf("srq.limit_after=%u\n", attr.srq_limit);
	printf("srq.err_rc=%d\n", ibv_modify_qp(b, &qa, IBV_QP_STATE));
	printf("srq.last_wqe_event=%d\n",
	       wait_event(IBV_EVENT_QP_LAST_WQE_REACHED, &ev) && ev.element.qp == b);
	ibv_destroy_qp(a);
	ibv_destroy_qp(b);
	ibv_destroy_srq(srq);
	ibv_dereg_mr(ms);
	ibv_dereg_mr(md);
	ibv_destroy_cq(cq);
	free(f1);
	free(f2);
}

#define MC_LEN	512

static struct ibv_qp *ud_qp(struct ibv_cq *cq)
{
	struct ibv_qp_init_attr ia = {
		.send_cq = cq, .recv_cq = cq, .qp_type = IBV_QPT_UD,
		.cap = { .max_send_wr = 64, .max_recv_wr = 64,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	struct ibv_qp_attr a = { .qp_state = IBV_QPS_INIT, .port_num = 1,
				 .qkey = QKEY };
	struct ibv_qp *qp = ibv_create_qp(pd, &ia);

	if (!qp)
		die("UD ibv_create_qp: %s", strerror(errno));
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
			  IBV_QP_PORT | IBV_QP_QKEY))
		die("UD INIT");
	a.qp_state = IBV_QPS_RTR;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE))
		die("UD RTR");
	a.qp_state = IBV_QPS_RTS;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_SQ_PSN))
		die("UD RTS");
	return qp;
}

static void mcast(int recv, const char *mgid_s, int n, int seconds)
{
	struct ibv_cq *cq = ibv_create_cq(ctx, 128, NULL, NULL, 0);
	union ibv_gid mgid;
	struct ibv_qp *qp;
	void *f;
	uint8_t *buf = odd_buf(64 * (MC_LEN + 40), &f);
	struct ibv_mr *mr = reg(buf, 64 * (MC_LEN + 40), IBV_ACCESS_LOCAL_WRITE);
	struct ibv_wc wc;
	int i, good = 0, got = 0;

	if (!cq || inet_pton(AF_INET6, mgid_s, mgid.raw) != 1)
		die("mcast: CQ or MGID %s", mgid_s);
	qp = ud_qp(cq);
	if (recv) {
		uint64_t end = now_us() + seconds * 1000000ull;

		for (i = 0; i < 64 && i < n; i++)
			post_recv(qp, NULL, i, buf + i * (MC_LEN + 40), MC_LEN + 40,
				  mr->lkey);
		printf("mcast.attach_rc=%d\n", ibv_attach_mcast(qp, &mgid, 0));
		fflush(stdout);
		printf("mcast_ready=1\n");
		fflush(stdout);
		while (got < n && now_us() < end) {
			int k = ibv_poll_cq(cq, 1, &wc);

			if (k <= 0) {
				usleep(1000);
				continue;
			}
			got++;
			i = (int)wc.wr_id;
			if (wc.status == IBV_WC_SUCCESS && wc.opcode == IBV_WC_RECV &&
			    wc.byte_len == MC_LEN + 40 &&
			    check(buf + i * (MC_LEN + 40) + 40, MC_LEN, 0) < 0)
				good++;
			memset(buf + i * (MC_LEN + 40), 0, MC_LEN + 40);
			post_recv(qp, NULL, i, buf + i * (MC_LEN + 40), MC_LEN + 40,
				  mr->lkey);
		}
		printf("mcast.received=%d\n", got);
		printf("mcast.good=%d\n", good);
		printf("mcast.detach_rc=%d\n", ibv_detach_mcast(qp, &mgid, 0));
	} else {
		struct ibv_ah_attr aa = {
			.is_global = 1, .port_num = 1,
			.grh = { .dgid = mgid, .sgid_index = gidx, .hop_limit = 64 },
		};
		struct ibv_ah *ah = ibv_create_ah(pd, &aa);
		struct ibv_sge sge = { (uintptr_t)buf, MC_LEN, mr->lkey };
		struct ibv_send_wr wr = {
			.sg_list = &sge, .num_sge = 1, .opcode = IBV_WR_SEND,
			.send_flags = IBV_SEND_SIGNALED,
		}, *bad;

		if (!ah)
			die("ibv_create_ah for %s: %s", mgid_s, strerror(errno));
		wr.wr.ud.ah = ah;
		wr.wr.ud.remote_qpn = 0xffffff;
		wr.wr.ud.remote_qkey = QKEY;
		fill(buf, MC_LEN, 0);
		for (i = 0; i < n; i++) {
			wr.wr_id = i;
			if (ibv_post_send(qp, &wr, &bad))
				die("mcast post: %s", strerror(errno));
			if (poll_one(cq, &wc) == IBV_WC_SUCCESS)
				good++;
			usleep(2000);	/* the receiver reposts as it goes */
		}
		printf("mcast.sent=%d\n", good);
		ibv_destroy_ah(ah);
	}
	ibv_destroy_qp(qp);
	ibv_dereg_mr(mr);
	ibv_destroy_cq(cq);
	free(f);
}

/* Mean microseconds per ibv_reg_mr and ibv_dereg_mr, n buffers a size. */
static void regtime(int n)
{
	static const size_t sizes[] = { 4096, 65536, 1 << 20 };
	struct ibv_mr **mrs = calloc(n, sizeof(*mrs));
	void **bases = calloc(n, sizeof(*bases));

	if (!mrs || !bases)
		die("calloc");
	for (unsigned int s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		uint64_t reg_us = 0, dereg_us = 0, t;
		uint8_t **bufs = calloc(n, sizeof(*bufs));
		int i;

		for (i = 0; i < n; i++) {
			bufs[i] = odd_buf(sizes[s], &bases[i]);
			memset(bufs[i], 1, sizes[s]);	/* touched: faults not timed */
		}
		/* A round untimed first: caches and allocators warm. */
		for (i = 0; i < n; i++)
			mrs[i] = reg(bufs[i], sizes[s], IBV_ACCESS_LOCAL_WRITE);
		for (i = 0; i < n; i++)
			ibv_dereg_mr(mrs[i]);
		for (i = 0; i < n; i++) {
			t = now_us();
			mrs[i] = reg(bufs[i], sizes[s], IBV_ACCESS_LOCAL_WRITE |
				     IBV_ACCESS_REMOTE_WRITE);
			reg_us += now_us() - t;
		}
		for (i = 0; i < n; i++) {
			t = now_us();
			if (ibv_dereg_mr(mrs[i]))
				die("ibv_dereg_mr");
			dereg_us += now_us() - t;
			free(bases[i]);
		}
		printf("regtime.%zu.reg_us=%.1f\n", sizes[s], (double)reg_us / n);
		printf("regtime.%zu.dereg_us=%.1f\n", sizes[s], (double)dereg_us / n);
		free(bufs);
	}
	free(mrs);
	free(bases);
}

#define PR_THREADS	2
#define PR_LEN		48
#define PR_DEPTH	8		/* sends in flight per pair */
#define PR_SLOTS	(2 * PR_DEPTH)	/* receive buffers per pair */

struct push_race {
	int id, n;
	struct ibv_cq *scq, *rcq;
	struct ibv_qp *a, *b;
	uint8_t *rbuf;
	void *rbase;
	struct ibv_mr *rmr;
	long wrong, errors, received;
	int timed_out;
	char first_wrong[96];
};

/* Message seq of thread id: id, seq, then a pattern of both. */
static void pr_msg(uint8_t *m, int id, uint32_t seq)
{
	m[0] = (uint8_t)id;
	memcpy(m + 1, &seq, sizeof(seq));
	for (int i = 5; i < PR_LEN; i++)
		m[i] = pattern((size_t)i, (unsigned int)(id * 100003u + seq));
}

static struct ibv_qp *inline_rc_qp(struct ibv_cq *scq, struct ibv_cq *rcq)
{
	struct ibv_qp_init_attr a = {
		.send_cq = scq, .recv_cq = rcq,
		.cap = { .max_send_wr = 32, .max_recv_wr = PR_SLOTS,
			 .max_send_sge = 1, .max_recv_sge = 1,
			 .max_inline_data = 64 },
		.qp_type = IBV_QPT_RC,
	};
	struct ibv_qp *qp = ibv_create_qp(pd, &a);

	if (!qp)
		die("ibv_create_qp (inline): %s", strerror(errno));
	return qp;
}

static void *push_race_run(void *arg)
{
	struct push_race *r = arg;
	uint32_t sent = 0, done = 0;
	uint64_t idle_since = now_us();
	struct ibv_wc wc[8];
	uint8_t msg[PR_LEN], want[PR_LEN];

	for (int i = 0; i < PR_SLOTS; i++)
		post_recv(r->b, NULL, i, r->rbuf + i * 64, 64, r->rmr->lkey);
	while (r->received < r->n && !r->errors) {
		int k;

		while (sent < (uint32_t)r->n && sent - done < PR_DEPTH &&
		       sent - (uint32_t)r->received < PR_DEPTH) {
			struct ibv_sge sge = { (uintptr_t)msg, PR_LEN, 0 };
			struct ibv_send_wr wr = {
				.wr_id = sent, .sg_list = &sge, .num_sge = 1,
				.opcode = IBV_WR_SEND,
				.send_flags = IBV_SEND_SIGNALED | IBV_SEND_INLINE,
			}, *bad;

			pr_msg(msg, r->id, sent);
			if (ibv_post_send(r->a, &wr, &bad))
				die("push-race post: %s", strerror(errno));
			sent++;
		}
		k = ibv_poll_cq(r->scq, 8, wc);
		for (int i = 0; i < k; i++, done++)
			if (wc[i].status != IBV_WC_SUCCESS)
				r->errors++;
		if (k > 0)
			idle_since = now_us();
		k = ibv_poll_cq(r->rcq, 8, wc);
		for (int i = 0; i < k; i++) {
			uint8_t *got = r->rbuf + wc[i].wr_id * 64;

			if (wc[i].status != IBV_WC_SUCCESS) {
				r->errors++;
				continue;
			}
			pr_msg(want, r->id, (uint32_t)r->received);
			if (wc[i].byte_len != PR_LEN || memcmp(got, want, PR_LEN)) {
				uint32_t seq;

				memcpy(&seq, got + 1, sizeof(seq));
				if (!r->wrong++)
					snprintf(r->first_wrong, sizeof(r->first_wrong),
						 "message %ld: thread %u seq %u, %u bytes",
						 r->received, got[0], seq, wc[i].byte_len);
			}
			r->received++;
			post_recv(r->b, NULL, wc[i].wr_id, got, 64, r->rmr->lkey);
		}
		if (k > 0)
			idle_since = now_us();
		if (now_us() - idle_since > WAIT_MS * 1000ull) {
			r->timed_out = 1;
			break;
		}
	}
	return NULL;
}

static void push_race(int n)
{
	struct push_race r[PR_THREADS];
	pthread_t t[PR_THREADS];
	long wrong = 0, errors = 0, received = 0;
	int timed_out = 0;

	for (int i = 0; i < PR_THREADS; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].id = i + 1;
		r[i].n = n;
		r[i].scq = ibv_create_cq(ctx, 64, NULL, NULL, 0);
		r[i].rcq = ibv_create_cq(ctx, 64, NULL, NULL, 0);
		if (!r[i].scq || !r[i].rcq)
			die("ibv_create_cq");
		r[i].a = inline_rc_qp(r[i].scq, r[i].scq);
		r[i].b = inline_rc_qp(r[i].rcq, r[i].rcq);
		rc_connect(r[i].a, r[i].b->qp_num);
		rc_connect(r[i].b, r[i].a->qp_num);
		r[i].rbuf = odd_buf(PR_SLOTS * 64, &r[i].rbase);
		r[i].rmr = reg(r[i].rbuf, PR_SLOTS * 64, IBV_ACCESS_LOCAL_WRITE);
	}
	for (int i = 0; i < PR_THREADS; i++)
		if (pthread_create(&t[i], NULL, push_race_run, &r[i]))
			die("pthread_create");
	for (int i = 0; i < PR_THREADS; i++) {
		pthread_join(t[i], NULL);
		wrong += r[i].wrong;
		errors += r[i].errors;
		received += r[i].received;
		timed_out |= r[i].timed_out;
		if (r[i].wrong)
			printf("push_race.first_wrong_%d=%s\n", r[i].id, r[i].first_wrong);
	}
	printf("push_race.threads=%d\npush_race.received=%ld\npush_race.wrong=%ld\n"
	       "push_race.errors=%ld\npush_race.timed_out=%d\n",
	       PR_THREADS, received, wrong, errors, timed_out);
	for (int i = 0; i < PR_THREADS; i++) {
		ibv_destroy_qp(r[i].a);
		ibv_destroy_qp(r[i].b);
		ibv_dereg_mr(r[i].rmr);
		free(r[i].rbase);
		ibv_destroy_cq(r[i].scq);
		ibv_destroy_cq(r[i].rcq);
	}
}

/*
 * Delayed notification per connection (RDO_NOTIFY_DELAY_US, read by the
 * provider when the context opens; the caller sets it or not). A and B,
 * two RC QPs through the port; each receive CQ on one completion channel,
 * taken on events only. Each phase prints what it cost: completion events
 * seen, and the adapter's interrupts (/proc/interrupts, its vectors), EQEs
 * and CQEs (debugfs counters) over the phase.
 */
#define NF_LEN		64
#define NF_MAX		512

struct nf_rx {
	struct ibv_cq *cq;
	struct ibv_qp *qp;
	uint8_t *buf;			/* NF_MAX slots of NF_LEN, odd offset */
	struct ibv_mr *mr;
	void *base;
	uint32_t got;			/* receives completed in this phase */
	uint32_t seed;			/* the pattern seed of message 0 */
	long bad;			/* out of order, short, wrong bytes */
};

struct nf_cnt {
	long irqs, eqes, cqes;
};

static struct ibv_comp_channel *nf_ch;
static long nf_events;

/* The adapter's interrupts so far (vectors named rdma_offload-N). */
static long nf_irqs(void)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[1024];
	long sum = 0;

	if (!f)
		die("/proc/interrupts");
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');
		char *end;

		if (!p || !strstr(line, "rdma_offload-"))
			continue;
		for (p++;; p = end) {
			long v = strtol(p, &end, 10);

			if (end == p)
				break;
			sum += v;
		}
	}
	fclose(f);
	return sum;
}

/* Counter NAME of the adapter's debugfs state (cnt.NAME=value). */
static long nf_dev_cnt(const char *name)
{
	char path[256], line[256], key[64];
	long v = -1;
	FILE *f;
	FILE *ls = popen("ls -d /sys/kernel/debug/rdma_offload/*/state", "r");

	if (!ls || !fgets(path, sizeof(path), ls))
		die("no rdma_offload debugfs state");
	pclose(ls);
	path[strcspn(path, "\n")] = 0;
	f = fopen(path, "r");
	if (!f)
		die("%s", path);
	snprintf(key, sizeof(key), "cnt.%s=", name);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = atol(line + strlen(key));
	fclose(f);
	return v;
}

static struct nf_cnt nf_snap(void)
{
	return (struct nf_cnt){ nf_irqs(), nf_dev_cnt("eqes"), nf_dev_cnt("cqes") };
}

static void nf_report(const char *tag, uint32_t msgs, long events,
		      struct nf_cnt c0)
{
	struct nf_cnt c1 = nf_snap();

	printf("notify.%s.msgs=%u\nnotify.%s.events=%ld\n", tag, msgs, tag, events);
	printf("notify.%s.irqs=%ld\nnotify.%s.eqes=%ld\nnotify.%s.cqes=%ld\n",
	       tag, c1.irqs - c0.irqs, tag, c1.eqes - c0.eqes, tag,
	       c1.cqes - c0.cqes);
}

/* n receives posted on r for a phase whose message i has seed seed + i. */
static void nf_arm(struct nf_rx *r, uint32_t n, uint32_t seed)
{
	r->got = 0;
	r->seed = seed;
	for (uint32_t i = 0; i < n; i++)
		post_recv(r->qp, NULL, i, r->buf + i * NF_LEN, NF_LEN, r->mr->lkey);
}

/*
 * Waits up to ms for one completion event, rearms its CQ and takes what it
 * holds, checking each message (in order, whole, its bytes): 0 if none came.
 */
static int nf_event(int ms)
{
	struct pollfd pfd = { .fd = nf_ch->fd, .events = POLLIN };
	struct ibv_cq *cq;
	struct nf_rx *r;
	struct ibv_wc wc;
	void *cctx;

	if (poll(&pfd, 1, ms) <= 0)
		return 0;
	if (ibv_get_cq_event(nf_ch, &cq, &cctx))
		die("ibv_get_cq_event");
	nf_events++;
	ibv_ack_cq_events(cq, 1);
	if (ibv_req_notify_cq(cq, 0))
		die("ibv_req_notify_cq");
	r = cctx;
	while (ibv_poll_cq(cq, 1, &wc) == 1) {
		if (wc.status != IBV_WC_SUCCESS || wc.opcode != IBV_WC_RECV ||
		    wc.wr_id != r->got || wc.byte_len != NF_LEN ||
		    check(r->buf + r->got * NF_LEN, NF_LEN, r->seed + r->got) >= 0)
			r->bad++;
		r->got++;
	}
	return 1;
}

/* One SEND of message seed from qp (slot i of sbuf), its completion awaited. */
static void nf_send(struct ibv_qp *qp, struct ibv_cq *scq, uint8_t *sbuf,
		    uint32_t lkey, uint32_t i, uint32_t seed, int solicited)
{
	struct ibv_sge sge = { (uintptr_t)(sbuf + i * NF_LEN), NF_LEN, lkey };
	struct ibv_send_wr wr = {
		.wr_id = i, .sg_list = &sge, .num_sge = 1,
		.opcode = IBV_WR_SEND,
		.send_flags = IBV_SEND_SIGNALED |
			      (solicited ? IBV_SEND_SOLICITED : 0),
	}, *bad;
	struct ibv_wc wc;

	fill(sbuf + i * NF_LEN, NF_LEN, seed);
	if (ibv_post_send(qp, &wr, &bad))
		die("ibv_post_send: %s", strerror(errno));
	if (poll_one(scq, &wc) != IBV_WC_SUCCESS)
		die("SEND %u: %s", i, ibv_wc_status_str(wc.status));
}

static struct nf_rx *nf_rx_new(struct ibv_qp **qp, struct ibv_cq **scq)
{
	struct nf_rx *r = calloc(1, sizeof(*r));
	struct ibv_qp_init_attr a = {
		.cap = { .max_send_wr = 4, .max_recv_wr = NF_MAX,
			 .max_send_sge = 1, .max_recv_sge = 1 },
		.qp_type = IBV_QPT_RC,
	};

	if (!r)
		die("calloc");
	r->buf = odd_buf(NF_MAX * NF_LEN, &r->base);
	r->mr = reg(r->buf, NF_MAX * NF_LEN, RC_ACCESS);
	r->cq = ibv_create_cq(ctx, NF_MAX, r, nf_ch, 0);
	*scq = ibv_create_cq(ctx, 8, NULL, NULL, 0);
	if (!r->cq || !*scq)
		die("ibv_create_cq");
	a.send_cq = *scq;
	a.recv_cq = r->cq;
	*qp = r->qp = ibv_create_qp(pd, &a);
	if (!*qp)
		die("ibv_create_qp: %s", strerror(errno));
	if (ibv_req_notify_cq(r->cq, 0))
		die("ibv_req_notify_cq");
	return r;
}

/*
 * A stream of n SENDs A -> B, each sent once the previous one is
 * acknowledged (so that without a delay each could have an event of its
 * own), B taking its receives on events between them; then a ping-pong of
 * k round trips, each side taking its receive on an event: the one-way
 * latency.
 */
static void notify(uint32_t n, uint32_t k, int solicited)
{
	const char *tag = solicited ? "solicited" : "stream";
	struct ibv_qp *aq, *bq;
	struct ibv_cq *ascq, *bscq;
	struct nf_rx *ra, *rb;
	struct nf_cnt c0;
	void *sbase;
	uint8_t *sbuf;
	struct ibv_mr *smr;
	uint64_t t0;

	if (n > NF_MAX || k > NF_MAX)
		die("at most %d messages", NF_MAX);
	nf_ch = ibv_create_comp_channel(ctx);
	if (!nf_ch)
		die("ibv_create_comp_channel");
	ra = nf_rx_new(&aq, &ascq);
	rb = nf_rx_new(&bq, &bscq);
	rc_connect(aq, bq->qp_num);
	rc_connect(bq, aq->qp_num);
	sbuf = odd_buf(NF_MAX * NF_LEN, &sbase);
	smr = reg(sbuf, NF_MAX * NF_LEN, RC_ACCESS);
	printf("notify.delay_env=%s\n", getenv("RDO_NOTIFY_DELAY_US") ?: "");

	nf_arm(rb, n, 1000);
	nf_events = 0;
	c0 = nf_snap();
	for (uint32_t i = 0; i < n; i++) {
		nf_send(aq, ascq, sbuf, smr->lkey, i, 1000 + i, solicited);
		while (nf_event(0))
			;
	}
	while (rb->got < n && nf_event(WAIT_MS))
		;
	nf_report(tag, n, nf_events, c0);
	printf("notify.%s.received=%u\nnotify.%s.bad=%ld\n", tag, rb->got, tag,
	       rb->bad);

	nf_arm(ra, k, 3000);
	nf_arm(rb, k, 2000);
	nf_events = 0;
	c0 = nf_snap();
	t0 = now_us();
	for (uint32_t i = 0; i < k; i++) {
		nf_send(aq, ascq, sbuf, smr->lkey, i, 2000 + i, solicited);
		while (rb->got <= i && nf_event(WAIT_MS))
			;
		nf_send(bq, bscq, sbuf, smr->lkey, i, 3000 + i, solicited);
		while (ra->got <= i && nf_event(WAIT_MS))
			;
	}
	printf("notify.pp.lat_us=%.1f\n", (now_us() - t0) / (2.0 * k));
	nf_report("pp", 2 * k, nf_events, c0);
	printf("notify.pp.received=%u\nnotify.pp.bad=%ld\n", ra->got + rb->got,
	       ra->bad + rb->bad);
}

/*
 * D10 buffer group: PB_QPS RC pairs whose receivers share one SRQ with
 * partial buffers (rdodv_srq_set_partial), n SENDs of 1..700 bytes from
 * each sender, interleaved; then one multi-packet SEND (a buffer of its
 * own). Every completion is checked: offset at the next stride after the
 * buffer's last message, length, bytes, the buffer's BUF_DONE.
 */
#define PB_QPS		4
#define PB_BUFS		6
#define PB_LEN		(4096 + 333)	/* odd length, odd start */
#define PB_SHIFT	6
#define PB_MAXLEN	700
#define PB_BIG		3000		/* three packets at MTU 1024 */
#define PB_WINDOW	16

struct pb {
	struct ibv_srq *srq;
	struct ibv_mr *mr;
	uint8_t *buf;
	uint32_t end[PB_BUFS];	/* where the buffer's last message ended */
	long msgs, zero_done, bufs_used, bufs_done, bad;
	int last_done;		/* the last completion gave its buffer back */
};

static uint32_t pb_len(int q, int i)
{
	return 1 + (uint32_t)(q * 37 + i * 53) % PB_MAXLEN;
}

/* Buffer k (again), zeroed: a message not placed cannot pass. */
static void pb_post(struct pb *p, int k)
{
	memset(p->buf + k * PB_LEN, 0, PB_LEN);
	p->end[k] = 0;
	post_recv(NULL, p->srq, k, p->buf + k * PB_LEN, PB_LEN, p->mr->lkey);
}

static void pb_recv(struct pb *p, const struct ibv_wc *wc, uint32_t len,
		    unsigned int seed)
{
	uint32_t k = wc->wr_id, off = rdodv_wc_offset(wc), at;

	if (wc->status != IBV_WC_SUCCESS || k >= PB_BUFS ||
	    !(wc->wc_flags & RDODV_WC_OFFSET)) {
		p->bad++;
		return;
	}
	at = (p->end[k] + (1u << PB_SHIFT) - 1) & ~((1u << PB_SHIFT) - 1);
	if (!wc->byte_len) {
		/* The next message did not fit: the rest is given back. */
		p->zero_done++;
		if (!(wc->wc_flags & RDODV_WC_BUF_DONE) || off != p->end[k])
			p->bad++;
	} else {
		p->msgs++;
		p->bufs_used += !off;
		if (wc->byte_len != len || off != at || off + len > PB_LEN ||
		    check(p->buf + k * PB_LEN + off, len, seed) >= 0)
			p->bad++;
		p->end[k] = off + len;
	}
	p->last_done = !!(wc->wc_flags & RDODV_WC_BUF_DONE);
	if (p->last_done) {
		p->bufs_done++;
		pb_post(p, k);
	}
}

/*
 * A ring slot stays taken while the device holds its buffer: on an SRQ
 * of two slots with buffers A and B posted, a message in A, posting C
 * (A's slot again) is refused with ENOMEM, and the next message's
 * completion still names A (not C, as it would if the slot had been
 * posted over).
 */
static void pb_slots(struct ibv_cq *acq, struct ibv_cq *bcq, uint8_t *src,
		     uint32_t lkey)
{
	struct ibv_srq_init_attr sa = { .attr = { .max_wr = 2, .max_sge = 1 } };
	struct ibv_srq *srq = ibv_create_srq(pd, &sa);
	void *base;
	uint8_t *buf = odd_buf(3 * PB_LEN, &base);
	struct ibv_mr *mr = reg(buf, 3 * PB_LEN, IBV_ACCESS_LOCAL_WRITE);
	struct ibv_sge sge = { (uintptr_t)buf + 2 * PB_LEN, PB_LEN, mr->lkey };
	struct ibv_recv_wr wr = { .wr_id = 2, .sg_list = &sge, .num_sge = 1 }, *bad;
	struct ibv_qp *a, *b;
	struct ibv_wc wc[2], swc;
	int k, st[2], refused = -1;

	if (!srq || rdodv_srq_set_partial(srq, PB_SHIFT))
		die("two-slot SRQ: %s", strerror(errno));
	for (k = 0; k < 2; k++)
		post_recv(NULL, srq, k, buf + k * PB_LEN, PB_LEN, mr->lkey);
	rc_pair(acq, bcq, srq, &a, &b);
	for (k = 0; k < 2; k++) {
		post_send1(a, IBV_WR_SEND, 0, src, 100, lkey, 0, 0, 1);
		st[k] = poll_one(bcq, &wc[k]);
		if (poll_one(acq, &swc) != IBV_WC_SUCCESS)
			die("two-slot SRQ: SEND failed");
		if (!k)
			refused = ibv_post_srq_recv(srq, &wr, &bad);
	}
	printf("partial.slot_refused=%d\n", refused);
	printf("partial.slot_kept=%d\n", !st[0] && !st[1] && wc[0].wr_id == 0 &&
	       wc[1].wr_id == 0 && rdodv_wc_offset(&wc[1]) == 128);
	ibv_destroy_qp(a);
	ibv_destroy_qp(b);
	ibv_destroy_srq(srq);
	ibv_dereg_mr(mr);
	free(base);
}

static void partial(int n)
{
	struct ibv_cq *acq = ibv_create_cq(ctx, 256, NULL, NULL, 0);
	struct ibv_cq *bcq = ibv_create_cq(ctx, 256, NULL, NULL, 0);
	struct ibv_srq_init_attr sa = { .attr = { .max_wr = 16, .max_sge = 4 } };
	struct ibv_qp *a[PB_QPS], *b[PB_QPS];
	int sent[PB_QPS] = {}, got[PB_QPS] = {}, fly[PB_QPS] = {};
	long total = (long)PB_QPS * n, serr = 0;
	struct ibv_sge sg[5];
	struct ibv_recv_wr rwr = { .sg_list = sg, .num_sge = 5 }, *rbad;
	struct ibv_wc wc[16];
	struct pb p = {};
	uint8_t *sbuf;
	void *rbase, *sbase;
	struct ibv_mr *smr;
	uint64_t end;
	int q, i, k, c, big = 0, rc;

	if (!acq || !bcq)
		die("ibv_create_cq");
	p.srq = ibv_create_srq(pd, &sa);
	if (!p.srq)
		die("ibv_create_srq: %s", strerror(errno));
	printf("partial.rdo=%d\n", rdodv_is_rdo(ctx));
	printf("partial.bad_shift=%d\n", rdodv_srq_set_partial(p.srq, 5));
	printf("partial.on=%d\n", rdodv_srq_set_partial(p.srq, PB_SHIFT));
	p.buf = odd_buf(PB_BUFS * PB_LEN, &rbase);
	p.mr = reg(p.buf, PB_BUFS * PB_LEN, IBV_ACCESS_LOCAL_WRITE);
	for (i = 0; i < 5; i++)
		sg[i] = (struct ibv_sge){ (uintptr_t)p.buf + 64 * i, 64, p.mr->lkey };
	printf("partial.five_sge=%d\n", ibv_post_srq_recv(p.srq, &rwr, &rbad));
	for (k = 0; k < PB_BUFS; k++)
		pb_post(&p, k);
	for (q = 0; q < PB_QPS; q++)
		rc_pair(acq, bcq, p.srq, &a[q], &b[q]);
	sbuf = odd_buf((size_t)total * PB_MAXLEN + PB_BIG, &sbase);
	smr = reg(sbuf, (size_t)total * PB_MAXLEN + PB_BIG, 0);
	for (q = 0; q < PB_QPS; q++)
		for (i = 0; i < n; i++)
			fill(sbuf + ((size_t)q * n + i) * PB_MAXLEN, pb_len(q, i), q * 1000 + i);
	fill(sbuf + total * PB_MAXLEN, PB_BIG, 999);

	end = now_us() + 4ull * WAIT_MS * 1000;
	while (p.msgs < total + 1 && now_us() < end) {
		/* One SEND per QP per round while its window has room. */
		for (q = 0; q < PB_QPS; q++) {
			if (sent[q] == n || fly[q] == PB_WINDOW)
				continue;
			i = sent[q]++;
			fly[q]++;
			post_send1(a[q], IBV_WR_SEND, q,
			     sbuf + ((size_t)q * n + i) * PB_MAXLEN, pb_len(q, i),
			     smr->lkey, 0, 0, 1);
		}
		c = ibv_poll_cq(acq, 16, wc);
		for (i = 0; i < c; i++) {
			serr += wc[i].status != IBV_WC_SUCCESS;
			fly[wc[i].wr_id % PB_QPS]--;
		}
		c = ibv_poll_cq(bcq, 16, wc);
		for (i = 0; i < c; i++) {
			for (q = 0; q < PB_QPS && b[q]->qp_num != wc[i].qp_num; q++)
				;
			if (q == PB_QPS) {
				p.bad++;
			} else if (big) {
				pb_recv(&p, &wc[i], PB_BIG, 999);
			} else {
				k = wc[i].byte_len ? got[q]++ : got[q];
				pb_recv(&p, &wc[i], k < n ? pb_len(q, k) : 0, q * 1000 + k);
			}
		}
		if (!big && p.msgs == total) {
			/* Every small one is in: a buffer the device still holds
			 * refuses SRQ_PARTIAL. Then a multi-packet SEND. */
			rc = rdodv_srq_set_partial(p.srq, PB_SHIFT + 1);
			printf("partial.in_use=%d\npartial.busy_rc=%d\n", !p.last_done, rc);
			if (!rc)
				rdodv_srq_set_partial(p.srq, PB_SHIFT);
			big = 1;
			fly[0]++;
			post_send1(a[0], IBV_WR_SEND, 0, sbuf + total * PB_MAXLEN, PB_BIG,
			     smr->lkey, 0, 0, 1);
		}
	}
	printf("partial.timed_out=%d\n", p.msgs < total + 1);
	printf("partial.big_done=%d\n", big && p.last_done);
	/* The big one gave back the buffer in use and its own: none held. */
	printf("partial.off=%d\n", rdodv_srq_set_partial(p.srq, 0));
	pb_slots(acq, bcq, sbuf, smr->lkey);
	printf("partial.messages=%ld\npartial.send_errors=%ld\npartial.bad=%ld\n",
	       p.msgs, serr, p.bad);
	printf("partial.buffers_used=%ld\npartial.buffers_done=%ld\n",
	       p.bufs_used, p.bufs_done);
	printf("partial.completions=%ld\npartial.zero_done=%ld\n",
	       p.msgs + p.zero_done, p.zero_done);
	printf("partial.msgs_per_buffer=%.2f\n", p.bufs_used ? (double)p.msgs / p.bufs_used : 0);
	for (q = 0; q < PB_QPS; q++) {
		ibv_destroy_qp(a[q]);
		ibv_destroy_qp(b[q]);
	}
	ibv_destroy_srq(p.srq);
	ibv_dereg_mr(p.mr);
	ibv_dereg_mr(smr);
	ibv_destroy_cq(acq);
	ibv_destroy_cq(bcq);
	free(rbase);
	free(sbase);
}

/*
 * D15 zero copy over scattered memory: malloc'd buffers whose pages were
 * first touched in a shuffled order (so their frames are out of address
 * order; /proc/self/pagemap counts it), used from an odd offset to a
 * mid-page end: an RDMA WRITE, a SEND into a two-SGE receive with a gap,
 * an RDMA READ, each checked byte by byte with the guard bytes around.
 */
#define SC_LEN		(256 * 1024 + 777)
#define SC_OFF		0x5a3
#define SC_ROOM		(SC_LEN + SC_OFF + 8192)
#define SC_GUARD	0xa5
#define SC_GAP		313	/* between the receive's two SGEs */
#define SC_SPLIT	(64 * 1024 + 5)

struct sc_buf {
	uint8_t *base, *p;
	struct ibv_mr *mr;
};

/*
 * Pages touched (filled with the guard) in the order i * 7919 mod n. The
 * guest kernel backs anonymous memory with transparent huge pages
 * ("always") and malloc may hand back heap pages touched before, whose
 * frames stay in order: the whole pages of the buffer are kept out of
 * huge pages and dropped first, so every one of them faults in the
 * shuffled order. The contents of a malloc'd buffer are its owner's.
 */
static void sc_alloc(struct sc_buf *s)
{
	size_t n = SC_ROOM / 4096, i;
	uintptr_t first, end;

	s->base = malloc(SC_ROOM);
	if (!s->base)
		die("malloc");
	first = ((uintptr_t)s->base + 4095) & ~(uintptr_t)4095;
	end = ((uintptr_t)s->base + SC_ROOM) & ~(uintptr_t)4095;
	if (madvise((void *)first, end - first, MADV_NOHUGEPAGE) ||
	    madvise((void *)first, end - first, MADV_DONTNEED))
		die("madvise");
	for (i = 0; i < n; i++)
		memset(s->base + (i * 7919 % n) * 4096, SC_GUARD, 4096);
	memset(s->base + n * 4096, SC_GUARD, SC_ROOM - n * 4096);
	s->p = s->base + SC_OFF;
	s->mr = reg(s->p, SC_LEN + SC_GAP, RC_ACCESS);
}

static void sc_free(struct sc_buf *s)
{
	ibv_dereg_mr(s->mr);
	free(s->base);
}

/* Adjacent pages of [p, p + len) whose frames are not adjacent. */
static long sc_breaks(const uint8_t *p, size_t len, long *pages)
{
	uintptr_t v0 = (uintptr_t)p / 4096, v1 = ((uintptr_t)p + len - 1) / 4096;
	uint64_t e, prev = 0;
	long breaks = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	*pages = v1 - v0 + 1;
	if (fd < 0)
		return -1;
	for (uintptr_t v = v0; v <= v1; v++) {
		if (pread(fd, &e, 8, v * 8) != 8 || !(e & (1ull << 63)) ||
		    !(e & ((1ull << 55) - 1))) {
			breaks = -1;	/* not present, or PFNs hidden */
			break;
		}
		e &= (1ull << 55) - 1;
		breaks += v > v0 && e != prev + 1;
		prev = e;
	}
	close(fd);
	return breaks;
}

/* First index of [from, to) of s's room not the guard byte, or -1. */
static long sc_guard(const struct sc_buf *s, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (s->base[i] != SC_GUARD)
			return (long)i;
	return -1;
}

/* The message's bytes [from, from + len) at q: 1, else 0. */
static int sc_ok(const uint8_t *q, size_t from, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		if (q[i] != pattern(from + i, seed))
			return 0;
	return 1;
}

/* The whole message in s, the guard bytes before and after it intact. */
static int sc_whole(const struct sc_buf *s, unsigned int seed)
{
	return sc_ok(s->p, 0, SC_LEN, seed) && sc_guard(s, 0, SC_OFF) < 0 &&
	       sc_guard(s, SC_OFF + SC_LEN, SC_ROOM) < 0;
}

static void scatter(void)
{
	struct ibv_cq *acq = ibv_create_cq(ctx, 16, NULL, NULL, 0);
	struct ibv_cq *bcq = ibv_create_cq(ctx, 16, NULL, NULL, 0);
	struct sc_buf src, dst, rcv, rd;
	struct ibv_qp *a, *b;
	struct ibv_sge sg[2];
	struct ibv_recv_wr rwr = { .wr_id = 5, .sg_list = sg, .num_sge = 2 }, *rbad;
	struct ibv_wc wc;
	long pages, breaks;
	int st;

	if (!acq || !bcq)
		die("ibv_create_cq");
	sc_alloc(&src);
	sc_alloc(&dst);
	sc_alloc(&rcv);
	sc_alloc(&rd);
	breaks = sc_breaks(dst.p, SC_LEN, &pages);
	printf("scatter.pages=%ld\nscatter.frame_breaks=%ld\n", pages, breaks);
	rc_pair(acq, bcq, NULL, &a, &b);
	fill(src.p, SC_LEN, 41);

	/* WRITE src -> dst. */
	printf("scatter.write=%s\n", one_op(a, acq, IBV_WR_RDMA_WRITE, src.p, SC_LEN,
					  src.mr->lkey, (uintptr_t)dst.p, dst.mr->rkey));
	printf("scatter.write_data=%d\n", sc_whole(&dst, 41));

	/* SEND src -> rcv, in two SGEs with a gap between them. */
	sg[0] = (struct ibv_sge){ (uintptr_t)rcv.p, SC_SPLIT, rcv.mr->lkey };
	sg[1] = (struct ibv_sge){ (uintptr_t)rcv.p + SC_SPLIT + SC_GAP,
				  SC_LEN - SC_SPLIT, rcv.mr->lkey };
	if (ibv_post_recv(b, &rwr, &rbad))
		die("ibv_post_recv: %s", strerror(errno));
	printf("scatter.send=%s\n", one_op(a, acq, IBV_WR_SEND, src.p, SC_LEN,
					 src.mr->lkey, 0, 0));
	st = poll_one(bcq, &wc);
	printf("scatter.recv=%s\nscatter.recv_len=%u\n",
	       st < 0 ? "timeout" : ibv_wc_status_str(wc.status), st < 0 ? 0 : wc.byte_len);
	printf("scatter.send_data=%d\n",
	       sc_ok(rcv.p, 0, SC_SPLIT, 41) &&
	       sc_ok(rcv.p + SC_SPLIT + SC_GAP, SC_SPLIT, SC_LEN - SC_SPLIT, 41) &&
	       sc_guard(&rcv, 0, SC_OFF) < 0 &&
	       sc_guard(&rcv, SC_OFF + SC_SPLIT, SC_OFF + SC_SPLIT + SC_GAP) < 0 &&
	       sc_guard(&rcv, SC_OFF + SC_LEN + SC_GAP, SC_ROOM) < 0);

	/* READ: a reads b's dst (now the pattern) into rd. */
	fill(dst.p, SC_LEN, 42);
	printf("scatter.read=%s\n", one_op(a, acq, IBV_WR_RDMA_READ, rd.p, SC_LEN,
					 rd.mr->lkey, (uintptr_t)dst.p, dst.mr->rkey));
	printf("scatter.read_data=%d\n", sc_whole(&rd, 42));
	ibv_destroy_qp(a);
	ibv_destroy_qp(b);
	ibv_destroy_cq(acq);
	ibv_destroy_cq(bcq);
	sc_free(&src);
	sc_free(&dst);
	sc_free(&rcv);
	sc_free(&rd);
}

#define SL_LEN	(4096 + 333)

static void sl_pairs(int n, char **sls)
{
	struct ibv_cq *cq = ibv_create_cq(ctx, 64, NULL, NULL, 0);
	struct ibv_qp_init_attr init;
	struct ibv_qp_attr attr;
	struct ibv_qp *a, *b;
	void *sbase, *dbase;
	uint8_t *src = odd_buf(SL_LEN, &sbase), *dst = odd_buf(SL_LEN, &dbase);
	struct ibv_mr *smr = reg(src, SL_LEN, 0);
	struct ibv_mr *dmr = reg(dst, SL_LEN, RC_ACCESS);
	const char *st;
	int i;

	if (!cq)
		die("ibv_create_cq");
	for (i = 0; i < n; i++) {
		rc_sl = atoi(sls[i]);
		rc_pair(cq, cq, NULL, &a, &b);
		fill(src, SL_LEN, i + 1);
		memset(dst, 0, SL_LEN);
		st = one_op(a, cq, IBV_WR_RDMA_WRITE, src, SL_LEN, smr->lkey,
			    (uintptr_t)dst, dmr->rkey);
		printf("sl.%u.write=%s\nsl.%u.first_bad=%ld\n", rc_sl, st, rc_sl,
		       check(dst, SL_LEN, i + 1));
		if (ibv_query_qp(a, &attr, IBV_QP_AV, &init))
			die("ibv_query_qp: %s", strerror(errno));
		printf("sl.%u.query=%u\nsl.%u.qpn=%u %u\n", rc_sl,
		       attr.ah_attr.sl, rc_sl, a->qp_num, b->qp_num);
	}
	printf("sl.ready=1\n");
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "verbs")) {
		open_dev(argv[2], atoi(argv[3]));
		check_rereg();
		check_cq_ex();
		check_resize_modify_cq();
		check_srq_events();
	} else if (argc == 7 && !strcmp(argv[1], "mcast-recv")) {
		open_dev(argv[2], atoi(argv[3]));
		mcast(1, argv[4], atoi(argv[5]), atoi(argv[6]));
	} else if (argc == 6 && !strcmp(argv[1], "mcast-send")) {
		open_dev(argv[2], atoi(argv[3]));
		mcast(0, argv[4], atoi(argv[5]), 0);
	} else if (argc == 5 && !strcmp(argv[1], "push-race")) {
		open_dev(argv[2], atoi(argv[3]));
		push_race(atoi(argv[4]));
	} else if (argc == 4 && !strcmp(argv[1], "regtime")) {
		open_dev(argv[2], 0);
		regtime(atoi(argv[3]));
	} else if (argc >= 5 && !strcmp(argv[1], "sl")) {
		open_dev(argv[2], atoi(argv[3]));
		sl_pairs(argc - 4, argv + 4);
	} else if (argc == 7 && !strcmp(argv[1], "notify")) {
		open_dev(argv[2], atoi(argv[3]));
		notify(atoi(argv[4]), atoi(argv[5]), atoi(argv[6]));
	} else if (argc == 5 && !strcmp(argv[1], "partial")) {
		open_dev(argv[2], atoi(argv[3]));
		partial(atoi(argv[4]));
	} else if (argc == 4 && !strcmp(argv[1], "scatter")) {
		open_dev(argv[2], atoi(argv[3]));
		scatter();
	} else {
		fprintf(stderr, "usage: see the head of %s's source\n", argv[0]);
		return 2;
	}
	printf("checks_done=1\n");
	return 0;
}
