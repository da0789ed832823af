// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * rdo-cm-conns: many RDMA CM connections through librdmacm, each moving
 * one checked message, for the offloaded connection manager's guest test
 * (tests/guest/rdmacm-examples.sh). Works on any RDMA device (soft-RoCE
 * too): it is the stock side facing the adapter's offloaded CM.
 *
 *   rdo-cm-conns client ADDR PORT COUNT BATCH
 *       COUNT connections to ADDR:PORT (RDMA_PS_TCP), BATCH open at once:
 *       each connects, SENDs 16 bytes of its own pattern, waits for them
 *       back (an echo server: rdo_cm_test's listener), checks them byte
 *       by byte and disconnects. With RDO_CM_SEED=1 in the environment
 *       each REQ carries "seed=N" as private data, N its pattern's seed,
 *       for a server that checks the message too (rdo-cm-serve).
 *   rdo-cm-conns server PORT COUNT
 *       accepts connections on PORT until COUNT have come and gone, echoes
 *       the first 16 bytes each sends (the peer checks), and ends each on
 *       the peer's disconnect (rdo_cm_test's active side).
 *
 * Prints key=value facts: client conns, echo_ok, echo_bad, errors, ms;
 * server accepted, established, echoed, disconnected, errors, ms. Buffers
 * are malloc'd at an odd offset, one per connection.
 */
#include <execinfo.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>
#include <rdma/rdma_cma.h>
#include <rdma/rdma_verbs.h>

#include "rdo-progs.h"

#define MSG		16
#define MAX_BATCH	256

struct conn {
	struct rdma_cm_id *id;
	struct ibv_mr *mr;
	uint8_t *raw;			/* malloc'd; buf is raw + 3 */
	uint8_t *buf;			/* receive half, then send half */
	unsigned int seed;
};

static int errors;
static int seed_private;		/* RDO_CM_SEED=1 */

/* Connect, with the pattern's seed as private data if asked. */
static int conn_connect(struct conn *c)
{
	char priv[24];
	struct rdma_conn_param param = { .responder_resources = 1, .initiator_depth = 1,
					 .retry_count = 7, .rnr_retry_count = 7,
					 .private_data = priv };

	if (!seed_private)
		return rdma_connect(c->id, NULL);
	param.private_data_len = snprintf(priv, sizeof(priv), "seed=%u", c->seed) + 1;
	return rdma_connect(c->id, &param);
}

static void conn_mem(struct conn *c, struct ibv_pd *pd)
{
	c->raw = malloc(2 * MSG + 8);
	if (!c->raw)
		die("malloc");
	c->buf = c->raw + 3;
	memset(c->buf, 0, 2 * MSG);
	c->mr = pd ? ibv_reg_mr(pd, c->buf, 2 * MSG, IBV_ACCESS_LOCAL_WRITE) :
		     rdma_reg_msgs(c->id, c->buf, 2 * MSG);
	if (!c->mr)
		die("register %p: %s", (void *)c->buf, strerror(errno));
}

static void conn_free(struct conn *c)
{
	if (c->mr)
		ibv_dereg_mr(c->mr);
	free(c->raw);
	c->mr = NULL;
	c->raw = NULL;
}

/* Client: one batch of n connections, numbered from first. */
static void client_batch(struct rdma_addrinfo *res, struct conn *cs, int n,
			 unsigned int first, int *ok, int *bad)
{
	struct ibv_wc wc;
	int i;

	for (i = 0; i < n; i++) {
		/*
		 * Fresh each time: rdma_create_ep writes the CQs it made back
		 * into it, and an endpoint given CQs gets none of its own (its
		 * rdma_get_*_comp would then poll nothing).
		 */
		struct ibv_qp_init_attr attr = {
			.cap = { .max_send_wr = 1, .max_recv_wr = 1,
				 .max_send_sge = 1, .max_recv_sge = 1 },
			.qp_type = IBV_QPT_RC, .sq_sig_all = 1,
		};
		struct conn *c = &cs[i];

		memset(c, 0, sizeof(*c));
		c->seed = first + i;
		if (rdma_create_ep(&c->id, res, NULL, &attr))
			die("rdma_create_ep %u: %s", c->seed, strerror(errno));
		conn_mem(c, NULL);
		if (rdma_post_recv(c->id, c, c->buf, MSG, c->mr))
			die("rdma_post_recv %u: %s", c->seed, strerror(errno));
		if (conn_connect(c)) {
			printf("connect_error.%u=%s\n", c->seed, strerror(errno));
			errors++;
			rdma_destroy_ep(c->id);
			c->id = NULL;
		}
	}
	for (i = 0; i < n; i++) {
		struct conn *c = &cs[i];

		if (!c->id)
			continue;
		fill(c->buf + MSG, MSG, c->seed);
		wc.status = IBV_WC_SUCCESS;
		if (rdma_post_send(c->id, c, c->buf + MSG, MSG, c->mr, 0) ||
		    rdma_get_send_comp(c->id, &wc) <= 0 || wc.status != IBV_WC_SUCCESS ||
		    rdma_get_recv_comp(c->id, &wc) <= 0 || wc.status != IBV_WC_SUCCESS) {
			printf("io_error.%u=%s\n", c->seed, wc.status != IBV_WC_SUCCESS ?
			       ibv_wc_status_str(wc.status) : strerror(errno));
			errors++;
		} else if (wc.byte_len != MSG || check(c->buf, MSG, c->seed) >= 0) {
			(*bad)++;
		} else {
			(*ok)++;
		}
	}
	for (i = 0; i < n; i++) {
		if (!cs[i].id)
			continue;
		rdma_disconnect(cs[i].id);
		conn_free(&cs[i]);
		rdma_destroy_ep(cs[i].id);
	}
}

static int client(const char *addr, const char *port, int count, int batch)
{
	struct rdma_addrinfo hints = { .ai_port_space = RDMA_PS_TCP }, *res;
	static struct conn cs[MAX_BATCH];
	int done = 0, ok = 0, bad = 0, n;
	uint64_t t0 = now_us();

	if (batch < 1 || batch > MAX_BATCH || count < 1)
		die("bad count or batch");
	if (rdma_getaddrinfo(addr, port, &hints, &res))
		die("rdma_getaddrinfo %s:%s: %s", addr, port, strerror(errno));
	while (done < count) {
		n = count - done < batch ? count - done : batch;
		client_batch(res, cs, n, (unsigned int)done, &ok, &bad);
		done += n;
	}
	rdma_freeaddrinfo(res);
	printf("conns=%d\necho_ok=%d\necho_bad=%d\nerrors=%d\nms=%llu\n", done, ok, bad,
	       errors, (unsigned long long)((now_us() - t0) / 1000));
	return ok == count && !errors ? 0 : 1;
}

/* Server: one PD and CQ for every connection of the device. */
static struct ibv_pd *pd;
static struct ibv_cq *cq;
static struct ibv_comp_channel *cc;

static void server_post_recv(struct conn *c)
{
	struct ibv_sge sge = { (uintptr_t)c->buf, MSG, c->mr->lkey };
	struct ibv_recv_wr wr = { .wr_id = (uintptr_t)c, .sg_list = &sge, .num_sge = 1 }, *badwr;

	if (ibv_post_recv(c->id->qp, &wr, &badwr))
		die("ibv_post_recv: %s", strerror(errno));
}

static void server_request(struct rdma_cm_id *id)
{
	struct ibv_qp_init_attr attr = {
		.cap = { .max_send_wr = 2, .max_recv_wr = 2,
			 .max_send_sge = 1, .max_recv_sge = 1 },
		.qp_type = IBV_QPT_RC, .sq_sig_all = 1,
	};
	struct rdma_conn_param param = { .responder_resources = 1,
					 .initiator_depth = 1, .rnr_retry_count = 7 };
	struct conn *c;

	if (!pd) {
		pd = ibv_alloc_pd(id->verbs);
		cc = ibv_create_comp_channel(id->verbs);
		cq = cc ? ibv_create_cq(id->verbs, 1024, NULL, cc, 0) : NULL;
		if (!pd || !cq || ibv_req_notify_cq(cq, 0))
			die("PD, CQ: %s", strerror(errno));
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		die("calloc");
	c->id = id;
	id->context = c;
	attr.send_cq = attr.recv_cq = cq;
	if (rdma_create_qp(id, pd, &attr))
		die("rdma_create_qp: %s", strerror(errno));
	conn_mem(c, pd);
	server_post_recv(c);
	if (rdma_accept(id, &param)) {
		printf("accept_error=%s\n", strerror(errno));
		errors++;
	}
}

/*
 * The peer is gone: its QP and ID go, its memory stays (registered) until
 * the exit, so a late completion naming it stays harmless.
 */
static void server_end(struct rdma_cm_id *id)
{
	struct conn *c = id->context;

	rdma_destroy_qp(id);
	rdma_destroy_id(id);
	c->id = NULL;
}

/* The CQ's completions: a receive is echoed from the send half. */
static void server_drain(int *echoed)
{
	struct ibv_send_wr wr = { .num_sge = 1, .opcode = IBV_WR_SEND,
				  .send_flags = IBV_SEND_SIGNALED }, *badwr;
	struct ibv_wc wc[16];
	struct ibv_sge sge;
	int n, i;

	while ((n = ibv_poll_cq(cq, 16, wc)) > 0) {
		for (i = 0; i < n; i++) {
			struct conn *c = (struct conn *)(uintptr_t)wc[i].wr_id;

			if (wc[i].status != IBV_WC_SUCCESS) {
				/* Flushed at a disconnect: no error. */
				errors += wc[i].status != IBV_WC_WR_FLUSH_ERR;
				continue;
			}
			if (wc[i].opcode == IBV_WC_SEND) {
				(*echoed)++;
				continue;
			}
			if (!c->id || wc[i].byte_len != MSG) {
				errors++;
				continue;
			}
			memcpy(c->buf + MSG, c->buf, MSG);
			sge = (struct ibv_sge){ (uintptr_t)c->buf + MSG, MSG, c->mr->lkey };
			wr.wr_id = (uintptr_t)c;
			wr.sg_list = &sge;
			if (ibv_post_send(c->id->qp, &wr, &badwr))
				errors++;
		}
	}
}

static void server_poll(int *echoed)
{
	struct ibv_cq *ev_cq;
	void *ctx;

	if (ibv_get_cq_event(cc, &ev_cq, &ctx))
		return;
	ibv_ack_cq_events(ev_cq, 1);
	if (ibv_req_notify_cq(cq, 0))
		die("ibv_req_notify_cq");
	server_drain(echoed);
}

static int server(const char *port, int count)
{
	struct rdma_event_channel *ch = rdma_create_event_channel();
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(atoi(port)) };
	int accepted = 0, established = 0, echoed = 0, disconnected = 0;
	struct rdma_cm_id *listen_id;
	struct rdma_cm_event *ev;
	uint64_t t0 = 0;

	if (!ch || rdma_create_id(ch, &listen_id, NULL, RDMA_PS_TCP) ||
	    rdma_bind_addr(listen_id, (struct sockaddr *)&sin) ||
	    rdma_listen(listen_id, 128))
		die("listen on %s: %s", port, strerror(errno));
	printf("listening=1\n");
	fflush(stdout);
	while (disconnected < count) {
		struct pollfd fds[2] = { { ch->fd, POLLIN, 0 }, { cc ? cc->fd : -1, POLLIN, 0 } };

		if (poll(fds, 2, WAIT_MS) <= 0)
			break;		/* quiet too long: report what came */
		if (fds[1].revents)
			server_poll(&echoed);
		if (!fds[0].revents)
			continue;
		if (rdma_get_cm_event(ch, &ev))
			die("rdma_get_cm_event: %s", strerror(errno));
		switch (ev->event) {
		case RDMA_CM_EVENT_CONNECT_REQUEST:
			if (!t0)
				t0 = now_us();
			accepted++;
			server_request(ev->id);
			rdma_ack_cm_event(ev);
			break;
		case RDMA_CM_EVENT_ESTABLISHED:
			established++;
			rdma_ack_cm_event(ev);
			break;
		case RDMA_CM_EVENT_DISCONNECTED: {
			struct rdma_cm_id *id = ev->id;

			disconnected++;
			rdma_ack_cm_event(ev);
			/* The echo's completion may still be in the CQ. */
			server_drain(&echoed);
			server_end(id);
			break;
		}
		default:
			printf("event_%s=1\n", rdma_event_str(ev->event));
			errors++;
			rdma_ack_cm_event(ev);
		}
	}
	printf("accepted=%d\nestablished=%d\nechoed=%d\ndisconnected=%d\nerrors=%d\nms=%llu\n",
	       accepted, established, echoed, disconnected, errors,
	       (unsigned long long)(t0 ? (now_us() - t0) / 1000 : 0));
	return disconnected == count && echoed == count && !errors ? 0 : 1;
}

/* A crash says where: module+offset lines, for addr2line on the image's files. */
static void crashed(int sig)
{
	void *pc[32];
	int n = backtrace(pc, 32);

	dprintf(1, "crash=signal %d\n", sig);
	backtrace_symbols_fd(pc, n, 1);
	_exit(128 + sig);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGSEGV, crashed);
	signal(SIGBUS, crashed);
	seed_private = getenv("RDO_CM_SEED") && !strcmp(getenv("RDO_CM_SEED"), "1");
	if (argc == 6 && !strcmp(argv[1], "client"))
		return client(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
	if (argc == 4 && !strcmp(argv[1], "server"))
		return server(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: %s client ADDR PORT COUNT BATCH | server PORT COUNT\n", argv[0]);
	return 2;
}
