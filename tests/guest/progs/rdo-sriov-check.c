// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Guest check of two functions of one adapter (PF and VF, or two VFs) for
 * tests/guest/sriov.sh. Facts are printed as key=value lines.
 *
 *   rdo-sriov-check DEV_A GIDX_A DEV_B GIDX_B
 *
 * An RC QP on each device, connected to each other: their frames go
 * through the adapter's internal switch. A WRITEs LEN bytes into B's
 * buffer and READs B's own pattern back, both checked byte by byte (write,
 * write_data, read, read_data: -1 is "all equal"). Then isolation: A
 * presents to B's function its own MR's rkey (foreign_key), and B's MR's
 * index and tag under A's function number (forged_key): each a remote
 * access error, B's buffer unchanged (untouched). fn_a, fn_b: the function
 * numbers in bits 31:28 of each side's keys.
 *
 * Buffers are malloc'd at odd offsets and span several pages.
 */
#include "rdo-progs.h"

#define LEN		(5 * 4096 + 333)
#define ACCESS		(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
			 IBV_ACCESS_REMOTE_READ)

struct side {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_qp *qp;
	union ibv_gid gid;
	int gidx;
	uint8_t *buf;
	void *base;
	struct ibv_mr *mr;
};

static void open_side(struct side *s, const char *name, int gidx)
{
	struct ibv_qp_init_attr qa = {
		.cap = { .max_send_wr = 8, .max_recv_wr = 8,
			 .max_send_sge = 1, .max_recv_sge = 1 },
		.qp_type = IBV_QPT_RC,
	};

	s->ctx = open_by_name(name);
	s->pd = ibv_alloc_pd(s->ctx);
	s->cq = ibv_create_cq(s->ctx, 16, NULL, NULL, 0);
	if (!s->pd || !s->cq)
		die("%s: PD or CQ", name);
	qa.send_cq = qa.recv_cq = s->cq;
	s->qp = ibv_create_qp(s->pd, &qa);
	if (!s->qp)
		die("%s: ibv_create_qp: %s", name, strerror(errno));
	s->gidx = gidx;
	if (ibv_query_gid(s->ctx, 1, gidx, &s->gid))
		die("%s: ibv_query_gid %d", name, gidx);
	s->base = malloc(LEN + 8192);
	if (!s->base)
		die("malloc");
	s->buf = (uint8_t *)s->base + 0x2a1;
	s->mr = ibv_reg_mr(s->pd, s->buf, LEN, ACCESS);
	if (!s->mr)
		die("%s: ibv_reg_mr: %s", name, strerror(errno));
}

/* s's QP to RTS towards the other side's QP and GID. */
static void connect_to(struct side *s, const struct side *o)
{
	rc_to_rts(s->qp, ACCESS, o->qp->qp_num, &o->gid, s->gidx);
}

/* One RDMA op of s towards (raddr, rkey), waited for: its status name. */
static const char *rdma(struct side *s, enum ibv_wr_opcode op, uint32_t len,
			uint64_t raddr, uint32_t rkey)
{
	struct ibv_sge sge = { (uintptr_t)s->buf, len, s->mr->lkey };
	struct ibv_send_wr wr = {
		.wr_id = 1, .sg_list = &sge, .num_sge = 1, .opcode = op,
		.send_flags = IBV_SEND_SIGNALED,
	}, *bad;
	uint64_t end = now_us() + WAIT_MS * 1000ull;
	struct ibv_wc wc;
	int n;

	wr.wr.rdma.remote_addr = raddr;
	wr.wr.rdma.rkey = rkey;
	if (ibv_post_send(s->qp, &wr, &bad))
		die("ibv_post_send: %s", strerror(errno));
	do {
		n = ibv_poll_cq(s->cq, 1, &wc);
		if (n < 0)
			die("ibv_poll_cq");
		if (n)
			return ibv_wc_status_str(wc.status);
	} while (now_us() < end);
	return "timeout";
}

/* A fresh pair on the same devices (a refusal puts a QP in ERR). */
static void reconnect(struct side *a, struct side *b)
{
	struct ibv_qp_attr r = { .qp_state = IBV_QPS_RESET };

	if (ibv_modify_qp(a->qp, &r, IBV_QP_STATE) ||
	    ibv_modify_qp(b->qp, &r, IBV_QP_STATE))
		die("RESET: %s", strerror(errno));
	connect_to(a, b);
	connect_to(b, a);
}

int main(int argc, char **argv)
{
	struct side a = {}, b = {};
	uint32_t forged;

	if (argc != 5)
		die("usage: %s DEV_A GIDX_A DEV_B GIDX_B", argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	open_side(&a, argv[1], atoi(argv[2]));
	open_side(&b, argv[3], atoi(argv[4]));
	printf("fn_a=%u\nfn_b=%u\n", a.mr->rkey >> 28, b.mr->rkey >> 28);
	connect_to(&a, &b);
	connect_to(&b, &a);

	fill(a.buf, LEN, 1);
	memset(b.buf, 0, LEN);
	printf("write=%s\n", rdma(&a, IBV_WR_RDMA_WRITE, LEN,
				  (uintptr_t)b.buf, b.mr->rkey));
	printf("write_data=%ld\n", check(b.buf, LEN, 1));
	fill(b.buf, LEN, 2);
	memset(a.buf, 0, LEN);
	printf("read=%s\n", rdma(&a, IBV_WR_RDMA_READ, LEN,
				 (uintptr_t)b.buf, b.mr->rkey));
	printf("read_data=%ld\n", check(a.buf, LEN, 2));

	/* A's own key, sent to B's function. */
	fill(a.buf, LEN, 3);
	printf("foreign_key=%s\n", rdma(&a, IBV_WR_RDMA_WRITE, 4096,
					(uintptr_t)b.buf, a.mr->rkey));
	reconnect(&a, &b);
	/* B's MR index and tag, A's function number. */
	forged = (b.mr->rkey & 0x0fffffffu) | (a.mr->rkey & 0xf0000000u);
	printf("forged_differs=%d\n", forged != b.mr->rkey);
	printf("forged_key=%s\n", rdma(&a, IBV_WR_RDMA_WRITE, 4096,
				       (uintptr_t)b.buf, forged));
	printf("untouched=%ld\n", check(b.buf, LEN, 2));
	reconnect(&a, &b);
	printf("after=%s\n", rdma(&a, IBV_WR_RDMA_WRITE, LEN,
				  (uintptr_t)b.buf, b.mr->rkey));
	printf("after_data=%ld\n", check(b.buf, LEN, 3));
	printf("done=1\n");
	return 0;
}
