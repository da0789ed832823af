// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Resource exhaustion from user space (tests/guest/verbs-exhaust.sh): a
 * process that takes every object of one device up to the limits, one
 * that creates and destroys in a loop until it is killed, one that pins
 * memory up to RLIMIT_MEMLOCK without CAP_IPC_LOCK, and a survivor that
 * moves checked data all along. Facts are printed as key=value lines.
 *
 *   rdo-exhaust fill DEV CAP RELEASE
 *       PDs, CQs, SRQs, RC QPs and MRs (malloc'd 4 KiB at odd offsets),
 *       each kind until creation fails or CAP of it exist: KIND_made=N
 *       and KIND_errno=E (0: CAP reached). Then holding=1, and it holds
 *       them until the file RELEASE exists; then destroys everything
 *       (destroy_errors counts the calls that failed): released=1.
 *   rdo-exhaust churn DEV
 *       PD, CQ, QP and a 64 KiB MR created and destroyed in a loop,
 *       printing churn=N every 10 rounds, until killed.
 *   rdo-exhaust memlock DEV KIB
 *       Opens DEV, then lowers RLIMIT_MEMLOCK to KIB and gives up root
 *       (and with it CAP_IPC_LOCK); registers 64 KiB MRs until that fails:
 *       memlock_mrs=N memlock_errno=E.
 *   rdo-exhaust survivor DEV GIDX SECONDS
 *       Two RC QPs connected through the port; WRITEs and SENDs of random
 *       lengths between odd offsets of malloc'd buffers, each checked byte
 *       by byte, until SIGTERM (or SECONDS): survivor_ops=N.
 *
 * If even the first PD and CQ cannot be had: first_errno=E, exit 2.
 */
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>
#include "rdo-progs.h"

#define MR_LEN		4096
#define CHURN_MR_LEN	(64 * 1024)
#define RC_ACCESS	(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
			 IBV_ACCESS_REMOTE_READ)

enum kind { K_PD, K_CQ, K_SRQ, K_QP, K_MR, K__N };
static const char *const kind_names[K__N] = { "pd", "cq", "srq", "qp", "mr" };

static struct ibv_context *ctx;
static volatile sig_atomic_t stop;
static struct ibv_pd *pd0;
static struct ibv_cq *cq0;

/* One object of kind k, or NULL with errno set. */
static void *create(enum kind k, void **buf)
{
	struct ibv_srq_init_attr sa = { .attr = { .max_wr = 4, .max_sge = 1 } };
	uint8_t *b;
	void *o;

	switch (k) {
	case K_PD:
		return ibv_alloc_pd(ctx);
	case K_CQ:
		return ibv_create_cq(ctx, 4, NULL, NULL, 0);
	case K_SRQ:
		return ibv_create_srq(pd0, &sa);
	case K_QP:
		return rc_qp_create(pd0, cq0, cq0, NULL, 4, 1);
	case K_MR:
		b = malloc(MR_LEN + 64);
		if (!b)
			die("malloc");
		o = ibv_reg_mr(pd0, b + 3, MR_LEN, RC_ACCESS);
		if (o)
			*buf = b;
		else
			free(b);
		return o;
	default:
		return NULL;
	}
}

static int destroy(enum kind k, void *o)
{
	switch (k) {
	case K_PD:
		return ibv_dealloc_pd(o);
	case K_CQ:
		return ibv_destroy_cq(o);
	case K_SRQ:
		return ibv_destroy_srq(o);
	case K_QP:
		return ibv_destroy_qp(o);
	case K_MR:
		return ibv_dereg_mr(o);
	default:
		return -1;
	}
}

static void fill_all(unsigned int cap, const char *release)
{
	void **objs[K__N], **bufs = calloc(cap, sizeof(void *));
	unsigned int made[K__N] = { 0 }, errors = 0;

	if (!bufs)
		die("calloc");
	for (int k = 0; k < K__N; k++) {
		int err = 0;

		objs[k] = calloc(cap, sizeof(void *));
		if (!objs[k])
			die("calloc");
		while (made[k] < cap) {
			void *o = create(k, &bufs[made[k]]);

			if (!o) {
				err = errno;
				break;
			}
			objs[k][made[k]++] = o;
		}
		printf("%s_made=%u\n%s_errno=%d\n", kind_names[k], made[k],
		       kind_names[k], err);
	}
	printf("holding=1\n");
	fflush(stdout);
	while (access(release, F_OK))
		usleep(100000);
	/* The opposite order: QPs before the CQs and SRQs they use. */
	for (int k = K__N - 1; k >= 0; k--)
		for (unsigned int i = 0; i < made[k]; i++)
			errors += destroy(k, objs[k][i]) != 0;
	for (unsigned int i = 0; i < made[K_MR]; i++)
		free(bufs[i]);
	printf("destroy_errors=%u\nreleased=1\n", errors);
}

static void churn(void)
{
	for (unsigned long n = 1;; n++) {
		struct ibv_pd *pd = ibv_alloc_pd(ctx);
		struct ibv_cq *cq = ibv_create_cq(ctx, 8, NULL, NULL, 0);
		struct ibv_qp *qp = pd && cq ?
			rc_qp_create(pd, cq, cq, NULL, 8, 1) : NULL;
		uint8_t *b = malloc(CHURN_MR_LEN + 64);
		struct ibv_mr *mr = pd && b ? ibv_reg_mr(pd, b + 5, CHURN_MR_LEN, RC_ACCESS) : NULL;

		if (!qp || !mr)
			die("churn round %lu: %s", n, strerror(errno));
		if (ibv_dereg_mr(mr) || ibv_destroy_qp(qp) || ibv_destroy_cq(cq) ||
		    ibv_dealloc_pd(pd))
			die("churn round %lu: destroy: %s", n, strerror(errno));
		free(b);
		if (n % 10 == 0) {
			printf("churn=%lu\n", n);
			fflush(stdout);
		}
	}
}

static void memlock(unsigned long kib)
{
	struct rlimit r = { kib * 1024, kib * 1024 };
	unsigned int n = 0;
	int err = 0;

	if (setrlimit(RLIMIT_MEMLOCK, &r))
		die("setrlimit: %s", strerror(errno));
	/* nobody: without CAP_IPC_LOCK the kernel holds us to the limit. */
	if (setgid(65534) || setuid(65534))
		die("setuid: %s", strerror(errno));
	for (;;) {
		uint8_t *b = malloc(CHURN_MR_LEN + 64);

		if (!b)
			die("malloc");
		if (!ibv_reg_mr(pd0, b + 1, CHURN_MR_LEN, RC_ACCESS)) {
			err = errno;
			break;
		}
		if (++n > 1u << 16)
			die("no limit after %u MRs", n);
	}
	printf("memlock_mrs=%u\nmemlock_errno=%d\n", n, err);
}

/* A malloc'd buffer of len bytes at an odd offset, registered. */
static uint8_t *odd_mr(size_t len, struct ibv_mr **mr)
{
	void *base;
	uint8_t *b = odd_buf(len, &base);

	*mr = ibv_reg_mr(pd0, b, len, RC_ACCESS);
	if (!*mr)
		die("ibv_reg_mr: %s", strerror(errno));
	return b;
}

static void expect(struct ibv_cq *cq, const char *what)
{
	struct ibv_wc wc;

	if (poll_one(cq, &wc) < 0)
		die("%s: no completion", what);
	if (wc.status != IBV_WC_SUCCESS)
		die("%s: %s", what, ibv_wc_status_str(wc.status));
}

#define SV_LEN	(64 * 1024)

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void survivor(int gidx, unsigned int seconds)
{
	struct ibv_cq *acq = ibv_create_cq(ctx, 16, NULL, NULL, 0);
	struct ibv_cq *bcq = ibv_create_cq(ctx, 16, NULL, NULL, 0);
	struct ibv_qp *a, *b;
	struct ibv_mr *smr, *dmr;
	uint8_t *src = odd_mr(SV_LEN, &smr), *dst = odd_mr(SV_LEN, &dmr);
	union ibv_gid gid;
	uint64_t end = now_us() + seconds * 1000000ull;
	unsigned long ops = 0;
	unsigned int seed = 1;

	if (!acq || !bcq || ibv_query_gid(ctx, 1, gidx, &gid))
		die("survivor set-up: %s", strerror(errno));
	a = rc_qp_create(pd0, acq, acq, NULL, 4, 1);
	b = rc_qp_create(pd0, bcq, bcq, NULL, 4, 1);
	if (!a || !b)
		die("survivor QPs: %s", strerror(errno));
	rc_to_rts(a, RC_ACCESS, b->qp_num, &gid, gidx);
	rc_to_rts(b, RC_ACCESS, a->qp_num, &gid, gidx);
	signal(SIGTERM, on_term);
	printf("survivor_ready=1\n");
	fflush(stdout);
	while (!stop && now_us() < end) {
		uint32_t len = 1 + rand_r(&seed) % SV_LEN;
		uint32_t off = rand_r(&seed) % (SV_LEN - len + 1);
		long bad;
		struct ibv_sge sge = { (uintptr_t)dst, SV_LEN, dmr->lkey };
		struct ibv_recv_wr rwr = { .sg_list = &sge, .num_sge = 1 }, *rbad;

		fill(src, len, ops);
		if (ops % 2) {
			post_send1(a, IBV_WR_RDMA_WRITE, ops, src, len, smr->lkey,
				   (uintptr_t)dst + off, dmr->rkey, 1);
			expect(acq, "WRITE");
		} else {
			off = 0;
			if (ibv_post_recv(b, &rwr, &rbad))
				die("ibv_post_recv: %s", strerror(errno));
			post_send1(a, IBV_WR_SEND, ops, src, len, smr->lkey, 0, 0, 1);
			expect(acq, "SEND");
			expect(bcq, "RECV");
		}
		bad = check(dst + off, len, ops);
		if (bad >= 0)
			die("op %lu (%u bytes at %u): byte %ld differs", ops, len,
			    off, bad);
		ops++;
	}
	printf("survivor_ops=%lu\n", ops);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3)
		die("usage: see the comment at the top of rdo-exhaust.c");
	ctx = open_by_name(argv[2]);
	pd0 = ibv_alloc_pd(ctx);
	cq0 = ibv_create_cq(ctx, 64, NULL, NULL, 0);
	if (!pd0 || !cq0) {
		printf("first_errno=%d\n", errno);
		return 2;
	}
	if (argc == 5 && !strcmp(argv[1], "fill"))
		fill_all(strtoul(argv[3], NULL, 0), argv[4]);
	else if (argc == 3 && !strcmp(argv[1], "churn"))
		churn();
	else if (argc == 4 && !strcmp(argv[1], "memlock"))
		memlock(strtoul(argv[3], NULL, 0));
	else if (argc == 5 && !strcmp(argv[1], "survivor"))
		survivor(atoi(argv[3]), strtoul(argv[4], NULL, 0));
	else
		die("usage: see the comment at the top of rdo-exhaust.c");
	return 0;
}
