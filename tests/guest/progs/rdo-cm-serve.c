// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * rdo-cm-serve: an RDMA CM echo server whose connections the rdma-offload
 * adapter establishes itself (the provider's rdodv_cm_*, <infiniband/rdodv.h>),
 * so stock rdma_cm clients (rdma_client, rdo-cm-conns) connect to it
 * unchanged while no connection request reaches the host's CM.
 *
 *   rdo-cm-serve [-d DEV] [-a ADDR] [-p PORT] [-n POOL] [-b BATCH] [-w USEC] [-k] [-c COUNT]
 *   rdo-cm-serve -C PEER -m MAC [-d DEV] -a ADDR [-p PORT] [-n N]
 *
 * Listens on RDMA CM port PORT (7471) of ADDR (IPv4; default any) of DEV
 * (the first device), with POOL (16) RC QPs of its own in the pool, each
 * with one receive posted. Prints a line per event as the device's batches
 * arrive: "established qpn= peer= peer_qpn=
 * peer_port= private=" and "ended qpn= type= reason=" (a batch of BATCH
 * is sent once that many wait, or USEC, default 1000, after the first). Echoes each
 * message received (up to 64 bytes) once the connection is established;
 * a message whose connection's private data was "seed=N" (rdo-cm-conns
 * with RDO_CM_SEED=1) is first checked against that pattern. An ended
 * connection's QP goes through RESET back into the pool, unless -k (keep
 * out: the pool drains, and later REQs are refused). Two threads: one
 * waits in the driver for CM events, the other on the CQ's completion
 * channel, so neither delays the other's work. Runs until SIGINT or
 * SIGTERM, or until COUNT connections ended; then unlistens and prints
 * key=value facts: established, disconnected, aborted, echoed (acknowledged),
 * send_flushed (an echo the client's DREQ overtook), checked, check_bad,
 * errors, lost (events the driver could not queue), ms.
 *
 * With -C, the other way round (rdodv_cm_connect): the device connects N
 * (16) QPs at once from ADDR to the RDMA CM server at PEER:PORT (through
 * MAC, the peer's or the next hop's), each REQ carrying "seed=N" as
 * private data; each connection sends 16 bytes of its pattern, checks
 * them echoed (rdo-cm-conns server) and is disconnected (rdodv_cm_disconnect).
 * Facts: established, aborted, disconnected, echo_ok, echo_bad, errors, ms.
 */
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <infiniband/rdodv.h>

#include "rdo-progs.h"

#define MSG_MAX		64
#define POOL_MAX	1024
#define ACCESS		(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
			 IBV_ACCESS_REMOTE_READ)

struct slot {
	struct ibv_qp *qp;
	struct ibv_mr *mr;
	uint8_t *raw;			/* malloc'd; buf is raw + 5 */
	uint8_t *buf;			/* receive half, then send half */
	bool up;			/* established, not yet ended */
	bool pending;			/* a message waits for the ESTABLISHED event */
	uint32_t len;
	long seed;			/* from the private data; -1: none */
};

static struct slot slots[POOL_MAX];
static int pool_n;
static struct ibv_pd *pd;
static struct ibv_cq *cq;
static struct ibv_comp_channel *cc;
static struct rdodv_cm_listener *lst;
static volatile sig_atomic_t stop;
static int count, keep_out;
static uint32_t lost;
/* The two threads' shared state: the slots and the figures. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int established, disconnected, aborted, echoed, send_flushed, checked, check_bad, errors;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static struct slot *slot_of(uint32_t qpn)
{
	for (int i = 0; i < pool_n; i++)
		if (slots[i].qp->qp_num == qpn)
			return &slots[i];
	return NULL;
}

static void post_recv(struct slot *s)
{
	struct ibv_sge sge = { (uintptr_t)s->buf, MSG_MAX, s->mr->lkey };
	struct ibv_recv_wr wr = { .wr_id = (uintptr_t)s, .sg_list = &sge, .num_sge = 1 }, *bad;

	if (ibv_post_recv(s->qp, &wr, &bad)) {
		printf("recv_error qpn=%u: %s\n", s->qp->qp_num, strerror(errno));
		errors++;
	}
}

/* Into the pool: INIT (so the receive can be posted first), then the device's. */
static void arm(struct slot *s)
{
	struct ibv_qp_attr a = { .qp_state = IBV_QPS_INIT, .port_num = 1,
				 .qp_access_flags = ACCESS };
	int ret;

	s->up = s->pending = false;
	s->seed = -1;
	if (ibv_modify_qp(s->qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
			  IBV_QP_ACCESS_FLAGS))
		die("INIT qpn=%u: %s", s->qp->qp_num, strerror(errno));
	post_recv(s);
	ret = rdodv_cm_pool_add(lst, s->qp, ACCESS);
	if (ret)
		die("rdodv_cm_pool_add qpn=%u: %s", s->qp->qp_num, strerror(ret));
}

/* An ended connection's QP: RESET forgets its flushed work, then the pool again. */
static void rearm(struct slot *s)
{
	struct ibv_qp_attr a = { .qp_state = IBV_QPS_RESET };

	if (ibv_modify_qp(s->qp, &a, IBV_QP_STATE))
		die("RESET qpn=%u: %s", s->qp->qp_num, strerror(errno));
	arm(s);
}

static void echo(struct slot *s)
{
	struct ibv_sge sge = { (uintptr_t)s->buf + MSG_MAX, s->len, s->mr->lkey };
	struct ibv_send_wr wr = { .wr_id = (uintptr_t)s | 1, .sg_list = &sge, .num_sge = 1,
				  .opcode = IBV_WR_SEND, .send_flags = IBV_SEND_SIGNALED }, *bad;

	s->pending = false;
	if (s->seed >= 0) {
		checked++;
		if (check(s->buf, s->len, (unsigned int)s->seed) >= 0) {
			printf("check_bad qpn=%u seed=%ld\n", s->qp->qp_num, s->seed);
			check_bad++;
		}
	}
	memcpy(s->buf + MSG_MAX, s->buf, s->len);
	if (ibv_post_send(s->qp, &wr, &bad)) {
		printf("send_error qpn=%u: %s\n", s->qp->qp_num, strerror(errno));
		errors++;
	}
}

static void print_peer(const union ibv_gid *g, char *out, size_t len)
{
	static const uint8_t v4[12] = { [10] = 0xff, [11] = 0xff };

	if (!memcmp(g->raw, v4, sizeof(v4)))
		inet_ntop(AF_INET, g->raw + 12, out, len);
	else
		inet_ntop(AF_INET6, g->raw, out, len);
}

static void on_event(const struct rdodv_cm_event *ev)
{
	struct slot *s = slot_of(ev->qp_num);
	char peer[INET6_ADDRSTRLEN], priv[RDODV_CM_MAX_PRIVATE + 1];
	unsigned int seed;
	int i;

	if (!s || ev->qp != s->qp) {
		printf("stray_event qpn=%u type=%d\n", ev->qp_num, ev->type);
		errors++;
		return;
	}
	print_peer(&ev->peer_gid, peer, sizeof(peer));
	if (ev->type == RDODV_CM_ESTABLISHED) {
		established++;
		for (i = 0; i < ev->private_len && ev->private_data[i]; i++)
			priv[i] = ev->private_data[i] >= 0x20 && ev->private_data[i] < 0x7f ?
				  (char)ev->private_data[i] : '.';
		priv[i] = 0;
		if (sscanf(priv, "seed=%u", &seed) == 1)
			s->seed = seed;
		printf("established qpn=%u peer=%s peer_qpn=%u peer_port=%u private=%s time_ns=%llu\n",
		       ev->qp_num, peer, ev->peer_qpn, ev->peer_port, priv,
		       (unsigned long long)ev->time_ns);
		s->up = true;
		if (s->pending)
			echo(s);
		return;
	}
	if (ev->type == RDODV_CM_DISCONNECTED)
		disconnected++;
	else
		aborted++;
	printf("ended qpn=%u peer=%s type=%s reason=%u\n", ev->qp_num, peer,
	       ev->type == RDODV_CM_DISCONNECTED ? "disconnected" : "aborted", ev->reason);
	s->up = false;
}

/* A QP whose connection ended is rearmed once its event came (-k: kept out). */
static void on_wc(const struct ibv_wc *wc)
{
	struct slot *s = (struct slot *)(uintptr_t)(wc->wr_id & ~(uint64_t)1);
	bool send = wc->wr_id & 1;

	if (wc->status != IBV_WC_SUCCESS) {
		/*
		 * Flushed at the connection's end: no error. An echo flushed
		 * was still acknowledged when the client's DREQ overtook its
		 * ACK (the client checks what it got).
		 */
		if (wc->status != IBV_WC_WR_FLUSH_ERR) {
			printf("wc_error qpn=%u: %s\n", wc->qp_num, ibv_wc_status_str(wc->status));
			errors++;
		} else if (send) {
			send_flushed++;
		}
		return;
	}
	if (send) {
		echoed++;
		if (s->up)
			post_recv(s);	/* the next message */
		return;
	}
	s->len = wc->byte_len;
	/* Data can come before the ESTABLISHED event: the echo waits for it. */
	if (s->up)
		echo(s);
	else
		s->pending = true;
}

/* -C: our GID (RoCEv2, ADDR as a GID) on port 1. */
static int gid_index(struct ibv_context *ctx, const union ibv_gid *want)
{
	struct ibv_gid_entry e;

	for (int i = 0; i < 256; i++) {
		if (ibv_query_gid_ex(ctx, 1, i, &e, 0))
			continue;
		if (e.gid_type == IBV_GID_TYPE_ROCE_V2 && !memcmp(e.gid.raw, want->raw, 16))
			return i;
	}
	die("no RoCEv2 GID for our address");
	return -1;
}

/* -C: connect, send each its pattern, check the echo, disconnect. */
static int active(struct ibv_context *ctx, const union ibv_gid *me, const char *peer,
		  const char *mac, int port)
{
	struct rdodv_cm_connect_attr ca = {
		.service_id = rdodv_cm_service_id(port), .path_mtu = IBV_MTU_1024,
		.access = IBV_ACCESS_LOCAL_WRITE, .timeout = 14, .retry_count = 7,
		.rnr_retry = 7, .cm_timeout = 18, .max_cm_retries = 15,
	};
	int echo_ok = 0, echo_bad = 0, ended = 0, i, n, up = 0;
	struct rdodv_cm_event evs[16];
	char priv[24];
	uint64_t t0 = now_us(), end;
	struct ibv_wc wc[16];

	ca.dgid.raw[10] = ca.dgid.raw[11] = 0xff;
	if (inet_pton(AF_INET, peer, ca.dgid.raw + 12) != 1 ||
	    sscanf(mac, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &ca.dmac[0], &ca.dmac[1],
		   &ca.dmac[2], &ca.dmac[3], &ca.dmac[4], &ca.dmac[5]) != 6)
		die("bad peer %s or MAC %s", peer, mac);
	ca.sgid_index = gid_index(ctx, me);
	ca.private_data = priv;
	for (i = 0; i < pool_n; i++) {
		struct slot *s = &slots[i];
		int ret;

		s->seed = i;
		ca.private_len = snprintf(priv, sizeof(priv), "seed=%d", i) + 1;
		ca.src_port = 0xc000 + i;
		ret = rdodv_cm_connect(lst, s->qp, &ca);	/* the QP goes to INIT */
		if (ret)
			die("rdodv_cm_connect: %s", strerror(ret));
		post_recv(s);
	}
	/* Events and completions until every connection ended (or 60 s). */
	end = now_us() + 60000000ull;
	while (ended < pool_n && now_us() < end) {
		while ((n = ibv_poll_cq(cq, 16, wc)) > 0) {
			for (i = 0; i < n; i++) {
				struct slot *s = (struct slot *)(uintptr_t)(wc[i].wr_id & ~(uint64_t)1);

				if (wc[i].status != IBV_WC_SUCCESS) {
					errors += wc[i].status != IBV_WC_WR_FLUSH_ERR;
					continue;
				}
				if (wc[i].wr_id & 1)
					continue;	/* our send */
				if (wc[i].byte_len == 16 && check(s->buf, 16, (unsigned int)s->seed) < 0)
					echo_ok++;
				else
					echo_bad++;
				if (rdodv_cm_disconnect(lst, s->qp))
					errors++;
			}
		}
		n = rdodv_cm_poll(lst, evs, 16, 1, NULL);
		for (i = 0; i < n; i++) {
			struct slot *s = slot_of(evs[i].qp_num);

			if (!s) {
				errors++;
				continue;
			}
			if (evs[i].type == RDODV_CM_ESTABLISHED) {
				up++;
				fill(s->buf, 16, (unsigned int)s->seed);
				s->len = 16;
				s->up = true;
				echo(s);	/* sends the pattern */
				continue;
			}
			ended++;
			if (evs[i].type == RDODV_CM_ABORTED) {
				printf("aborted qpn=%u reason=%u\n", evs[i].qp_num, evs[i].reason);
				aborted++;
			} else {
				disconnected++;
			}
		}
	}
	printf("established=%d\naborted=%d\ndisconnected=%d\necho_ok=%d\necho_bad=%d\n"
	       "errors=%d\nms=%llu\n", up, aborted, disconnected, echo_ok, echo_bad, errors,
	       (unsigned long long)((now_us() - t0) / 1000));
	return up == pool_n && echo_ok == pool_n && disconnected == pool_n && !errors ? 0 : 1;
}

static bool finished(void)
{
	bool done;

	pthread_mutex_lock(&mu);
	done = stop || (count && disconnected + aborted >= count);
	pthread_mutex_unlock(&mu);
	return done;
}

static void drain_cq(void)
{
	struct ibv_wc wc[16];
	int n;

	pthread_mutex_lock(&mu);
	while ((n = ibv_poll_cq(cq, 16, wc)) > 0)
		for (int i = 0; i < n; i++)
			on_wc(&wc[i]);
	pthread_mutex_unlock(&mu);
	if (n < 0)
		die("ibv_poll_cq");
}

/*
 * The CM thread: waits in the driver for the listener's events (up to
 * 100 ms a call), while the main thread sleeps on the CQ's; each event is
 * handled under the lock, an end's completions first (RESET forgets
 * those left), then its QP back into the pool.
 */
static void *cm_thread(void *arg)
{
	struct rdodv_cm_event evs[16];
	uint32_t got = 0;
	int n;

	(void)arg;
	while (!finished()) {
		n = rdodv_cm_poll(lst, evs, 16, 100, &got);
		if (n < 0 && n != -EINTR)
			die("rdodv_cm_poll: %s", strerror(-n));
		for (int i = 0; i < n; i++) {
			if (evs[i].type != RDODV_CM_ESTABLISHED)
				drain_cq();
			pthread_mutex_lock(&mu);
			on_event(&evs[i]);
			if (evs[i].type != RDODV_CM_ESTABLISHED && !keep_out &&
			    slot_of(evs[i].qp_num))
				rearm(slot_of(evs[i].qp_num));
			pthread_mutex_unlock(&mu);
		}
	}
	pthread_mutex_lock(&mu);
	lost = got;
	pthread_mutex_unlock(&mu);
	return NULL;
}

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [-d DEV] [-a ADDR] [-p PORT] [-n POOL] [-b BATCH] [-w USEC] [-k] [-c COUNT]\n"
		"       %s -C PEER -m MAC -a ADDR [-d DEV] [-p PORT] [-n N]\n", argv0, argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	struct rdodv_cm_listen_attr la = { .flags = RDODV_CM_LISTEN_RDMA_CM,
					   .responder_resources = 1, .initiator_depth = 1,
					   .min_rnr_timer = 12, .rnr_retry = 7 };
	const char *dev = NULL, *addr = NULL, *peer = NULL, *mac = NULL;
	int port = 7471, batch = 1, wait_us = -1, opt, i, ret;
	pthread_t cm_tid;
	struct ibv_context *ctx;
	uint64_t t0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	pool_n = 16;
	while ((opt = getopt(argc, argv, "d:a:p:n:b:w:kc:C:m:")) != -1) {
		switch (opt) {
		case 'd': dev = optarg; break;
		case 'a': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'n': pool_n = atoi(optarg); break;
		case 'b': batch = atoi(optarg); break;
		case 'w': wait_us = atoi(optarg); break;
		case 'k': keep_out = 1; break;
		case 'c': count = atoi(optarg); break;
		case 'C': peer = optarg; break;
		case 'm': mac = optarg; break;
		default: usage(argv[0]);
		}
	}
	if (pool_n < 1 || pool_n > POOL_MAX || port < 1 || port > 65535 || batch < 1 ||
	    batch > 256 || wait_us > 65535 || (peer && (!mac || !addr)))
		usage(argv[0]);
	la.service_id = rdodv_cm_service_id(port);
	la.notify_count = batch;
	/* A partial batch waits this long at most (default 1 ms). */
	la.notify_usec = wait_us >= 0 ? wait_us : batch > 1 ? 1000 : 0;
	if (addr) {
		la.addr.raw[10] = la.addr.raw[11] = 0xff;
		if (inet_pton(AF_INET, addr, la.addr.raw + 12) != 1)
			die("bad IPv4 address %s", addr);
	}
	ctx = dev ? open_by_name(dev) : NULL;
	if (!ctx) {
		struct ibv_device **l = ibv_get_device_list(NULL);

		if (!l || !l[0] || !(ctx = ibv_open_device(l[0])))
			die("no device");
		ibv_free_device_list(l);
	}
	if (!rdodv_is_supported(ctx->device))
		die("%s is no rdma-offload device", ibv_get_device_name(ctx->device));
	pd = ibv_alloc_pd(ctx);
	cc = ibv_create_comp_channel(ctx);
	cq = pd && cc ? ibv_create_cq(ctx, 4 * pool_n, NULL, cc, 0) : NULL;
	if (!cq)
		die("PD, CQ: %s", strerror(errno));
	lst = rdodv_cm_listen(ctx, &la);
	if (!lst)
		die("rdodv_cm_listen port %d: %s", port, strerror(errno));
	for (i = 0; i < pool_n; i++) {
		struct ibv_qp_init_attr qa = {
			.send_cq = cq, .recv_cq = cq, .qp_type = IBV_QPT_RC,
			.cap = { .max_send_wr = 2, .max_recv_wr = 2,
				 .max_send_sge = 1, .max_recv_sge = 1 },
		};
		struct slot *s = &slots[i];

		/* One malloc each, at an odd offset: scattered, unaligned. */
		s->raw = malloc(2 * MSG_MAX + 8);
		s->qp = ibv_create_qp(pd, &qa);
		if (!s->raw || !s->qp)
			die("QP %d: %s", i, strerror(errno));
		s->buf = s->raw + 5;
		s->mr = ibv_reg_mr(pd, s->buf, 2 * MSG_MAX, IBV_ACCESS_LOCAL_WRITE);
		if (!s->mr)
			die("ibv_reg_mr: %s", strerror(errno));
		if (!peer)
			arm(s);
	}
	if (peer) {
		ret = active(ctx, &la.addr, peer, mac, port);
		if (rdodv_cm_unlisten(lst))
			ret = 1;
		return ret;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("listening dev=%s port=%d pool=%d service_id=0x%llx\n",
	       ibv_get_device_name(ctx->device), port, pool_n,
	       (unsigned long long)la.service_id);
	t0 = now_us();
	if (ibv_req_notify_cq(cq, 0))
		die("ibv_req_notify_cq");
	if (pthread_create(&cm_tid, NULL, cm_thread, NULL))
		die("pthread_create");
	/* This thread: completions, woken by the CQ's event. */
	while (!finished()) {
		struct pollfd pfd = { cc->fd, POLLIN, 0 };
		struct ibv_cq *ev_cq;
		void *ev_ctx;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if (ibv_get_cq_event(cc, &ev_cq, &ev_ctx))
			die("ibv_get_cq_event");
		ibv_ack_cq_events(ev_cq, 1);
		if (ibv_req_notify_cq(cq, 0))
			die("ibv_req_notify_cq");
		drain_cq();
	}
	pthread_join(cm_tid, NULL);
	ret = rdodv_cm_unlisten(lst);
	if (ret) {
		printf("unlisten_error=%s\n", strerror(ret));
		errors++;
	}
	printf("established=%d\ndisconnected=%d\naborted=%d\nechoed=%d\nsend_flushed=%d\n"
	       "checked=%d\ncheck_bad=%d\nerrors=%d\nlost=%u\nms=%llu\n", established,
	       disconnected, aborted, echoed, send_flushed, checked, check_bad, errors, lost,
	       (unsigned long long)((now_us() - t0) / 1000));
	for (i = 0; i < pool_n; i++) {
		ibv_destroy_qp(slots[i].qp);
		ibv_dereg_mr(slots[i].mr);
		free(slots[i].raw);
	}
	ibv_destroy_cq(cq);
	ibv_destroy_comp_channel(cc);
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	return errors || check_bad || lost ? 1 : 0;
}
