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
 *   rdo-sriov-check serve DEV GIDX PORT ROUNDS
 *   rdo-sriov-check client DEV GIDX HOST PORT ROUNDS
 *
 * One side of a connection to another machine (a VF to a peer guest), the
 * QP numbers, GIDs, addresses and rkeys traded over TCP: the client, for
 * ROUNDS rounds, WRITEs a new pattern into the server's buffer and READs
 * it back, checked (rounds_ok); then tells the server, which checks that
 * its buffer holds the last round's pattern (final_data) and answers with
 * its verdict (server_verdict).
 *
 * Buffers are malloc'd at odd offsets and span several pages.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>
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

/* What one side tells the other over TCP. */
struct wire_info {
	uint32_t qpn, rkey;
	uint64_t addr;
	uint8_t gid[16];
};

static void xfer(int fd, void *p, size_t len, int out)
{
	uint8_t *b = p;

	while (len) {
		ssize_t n = out ? write(fd, b, len) : read(fd, b, len);

		if (n <= 0)
			die("TCP %s: %s", out ? "write" : "read",
			    n ? strerror(errno) : "closed");
		b += n;
		len -= n;
	}
}

/* Trade endpoints on fd and connect s's QP to the other side's. */
static void trade(int fd, struct side *s, struct wire_info *o)
{
	struct wire_info me = { s->qp->qp_num, s->mr->rkey,
				(uintptr_t)s->buf, {} };
	union ibv_gid g;

	memcpy(me.gid, s->gid.raw, 16);
	xfer(fd, &me, sizeof(me), 1);
	xfer(fd, o, sizeof(*o), 0);
	memcpy(g.raw, o->gid, 16);
	rc_to_rts(s->qp, ACCESS, o->qpn, &g, s->gidx);
	/* Both QPs ready before the first request: a request to a QP not
	 * yet in RTR is dropped, and retries might run out meanwhile. */
	xfer(fd, &me, 1, 1);
	xfer(fd, &me, 1, 0);
}

static int serve(struct side *s, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port) };
	struct wire_info o;
	int one = 1, l, fd;
	uint8_t msg;
	long bad;

	l = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1))
		die("listen %d: %s", port, strerror(errno));
	printf("listening=1\n");
	fd = accept(l, NULL, NULL);
	if (fd < 0)
		die("accept: %s", strerror(errno));
	trade(fd, s, &o);
	xfer(fd, &msg, 1, 0);		/* the client's last round */
	bad = check(s->buf, LEN, msg);
	printf("final_data=%ld\n", bad);
	msg = bad == -1;
	xfer(fd, &msg, 1, 1);
	return 0;
}

static int client(struct side *s, const char *host, int port, int rounds)
{
	struct addrinfo hint = { .ai_family = AF_INET,
				 .ai_socktype = SOCK_STREAM }, *ai;
	uint64_t end = now_us() + WAIT_MS * 1000ull;
	struct wire_info o;
	char ps[16];
	int fd = -1, r, ok = 0;
	uint8_t msg;

	snprintf(ps, sizeof(ps), "%d", port);
	if (getaddrinfo(host, ps, &hint, &ai))
		die("getaddrinfo %s", host);
	do {
		if (fd >= 0)
			close(fd);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (!connect(fd, ai->ai_addr, ai->ai_addrlen))
			break;
		usleep(100000);
	} while (now_us() < end);
	if (now_us() >= end)
		die("connect %s:%d: %s", host, port, strerror(errno));
	freeaddrinfo(ai);
	trade(fd, s, &o);
	for (r = 1; r <= rounds; r++) {
		const char *w, *rd;

		fill(s->buf, LEN, r);
		w = rdma(s, IBV_WR_RDMA_WRITE, LEN, o.addr, o.rkey);
		memset(s->buf, 0, LEN);
		rd = rdma(s, IBV_WR_RDMA_READ, LEN, o.addr, o.rkey);
		if (!strcmp(w, "success") && !strcmp(rd, "success") &&
		    check(s->buf, LEN, r) == -1)
			ok++;
		else
			printf("round%d=%s %s %ld\n", r, w, rd, check(s->buf, LEN, r));
	}
	printf("rounds_ok=%d\n", ok);
	msg = rounds;
	xfer(fd, &msg, 1, 1);
	xfer(fd, &msg, 1, 0);
	printf("server_verdict=%d\n", msg);
	return 0;
}

int main(int argc, char **argv)
{
	struct side a = {}, b = {};
	uint32_t forged;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 6 && !strcmp(argv[1], "serve")) {
		open_side(&a, argv[2], atoi(argv[3]));
		return serve(&a, atoi(argv[4]));
	}
	if (argc == 7 && !strcmp(argv[1], "client")) {
		open_side(&a, argv[2], atoi(argv[3]));
		printf("fn=%u\n", a.mr->rkey >> 28);
		return client(&a, argv[4], atoi(argv[5]), atoi(argv[6]));
	}
	if (argc != 5)
		die("usage: see the head of %s's source", argv[0]);
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
