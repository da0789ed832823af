/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the guest test programs (the .c files beside it) share: failing with
 * an error= fact, time, data patterns checked byte by byte, odd-offset
 * buffers, RC QPs created, posted to and taken to RTS towards a QP and GID. Each program is one file built alone
 * (scripts/build-guest), so these are static inline functions.
 */
#ifndef RDO_PROGS_H
#define RDO_PROGS_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <infiniband/verbs.h>

#define WAIT_MS		20000		/* TCG guests are slow */

static inline void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("error=");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	exit(1);
}

static inline uint64_t now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static inline uint8_t pattern(size_t i, unsigned int seed)
{
	return (uint8_t)(i * 7 + seed * 13 + (i >> 8));
}

static inline void fill(uint8_t *p, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = pattern(i, seed);
}

/* First index where p differs from the pattern, or -1. */
static inline long check(const uint8_t *p, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != pattern(i, seed))
			return (long)i;
	return -1;
}

/* One completion of cq within WAIT_MS; its status, or -1 on time out. */
static inline int poll_one(struct ibv_cq *cq, struct ibv_wc *wc)
{
	uint64_t end = now_us() + WAIT_MS * 1000ull;
	int n;

	do {
		n = ibv_poll_cq(cq, 1, wc);
		if (n < 0)
			die("ibv_poll_cq");
		if (n)
			return wc->status;
	} while (now_us() < end);
	return -1;
}

/* The RDMA device called name, opened. */
static inline struct ibv_context *open_by_name(const char *name)
{
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_context *ctx;
	int i;

	for (i = 0; list && list[i]; i++)
		if (!strcmp(ibv_get_device_name(list[i]), name))
			break;
	if (!list || !list[i])
		die("no device %s", name);
	ctx = ibv_open_device(list[i]);
	ibv_free_device_list(list);
	if (!ctx)
		die("ibv_open_device %s", name);
	return ctx;
}

/* A malloc'd, zeroed buffer of len bytes at an odd offset; *base to free. */
static inline uint8_t *odd_buf(size_t len, void **base)
{
	uint8_t *b = malloc(len + 4096);

	if (!b)
		die("malloc");
	memset(b, 0, len + 4096);
	*base = b;
	return b + 0x123;
}

/*
 * An RC QP of depth WRs (on srq if given: no receive queue) and sges
 * scatter/gather entries each way; NULL with errno when refused.
 */
static inline struct ibv_qp *rc_qp_create(struct ibv_pd *pd,
					  struct ibv_cq *scq,
					  struct ibv_cq *rcq,
					  struct ibv_srq *srq, int depth,
					  int sges)
{
	struct ibv_qp_init_attr a = {
		.send_cq = scq, .recv_cq = rcq, .srq = srq,
		.cap = { .max_send_wr = depth, .max_recv_wr = srq ? 0 : depth,
			 .max_send_sge = sges, .max_recv_sge = sges },
		.qp_type = IBV_QPT_RC,
	};

	return ibv_create_qp(pd, &a);
}

/* One send WR of one SGE (the IMM opcodes carry 0x1234abcd). */
static inline void post_send1(struct ibv_qp *qp, enum ibv_wr_opcode op,
			      uint64_t wr_id, void *addr, uint32_t len,
			      uint32_t lkey, uint64_t raddr, uint32_t rkey,
			      int signaled)
{
	struct ibv_sge sge = { (uintptr_t)addr, len, lkey };
	struct ibv_send_wr wr = {
		.wr_id = wr_id, .sg_list = &sge, .num_sge = 1, .opcode = op,
		.send_flags = signaled ? IBV_SEND_SIGNALED : 0,
	}, *bad;

	wr.wr.rdma.remote_addr = raddr;
	wr.wr.rdma.rkey = rkey;
	if (op == IBV_WR_SEND_WITH_IMM || op == IBV_WR_RDMA_WRITE_WITH_IMM)
		wr.imm_data = htonl(0x1234abcd);
	if (ibv_post_send(qp, &wr, &bad))
		die("ibv_post_send: %s", strerror(errno));
}

/* The service level rc_to_rts puts in the QP's address vector. */
static uint8_t rc_sl;

/*
 * qp (RESET) to RTS towards remote_qpn at dgid, from GID sgid_index of
 * port 1, path MTU 1024, with the given remote access rights.
 */
static inline void rc_to_rts(struct ibv_qp *qp, int access,
			     uint32_t remote_qpn, const union ibv_gid *dgid,
			     int sgid_index)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT, .port_num = 1,
		.qp_access_flags = access,
	};

	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
			  IBV_QP_PORT | IBV_QP_ACCESS_FLAGS))
		die("INIT: %s", strerror(errno));
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	a.path_mtu = IBV_MTU_1024;
	a.dest_qp_num = remote_qpn;
	a.max_dest_rd_atomic = 1;
	a.min_rnr_timer = 1;
	a.ah_attr.is_global = 1;
	a.ah_attr.grh.dgid = *dgid;
	a.ah_attr.grh.sgid_index = sgid_index;
	a.ah_attr.grh.hop_limit = 64;
	a.ah_attr.port_num = 1;
	a.ah_attr.sl = rc_sl;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
			  IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
			  IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER))
		die("RTR: %s", strerror(errno));
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.timeout = 14;
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.max_rd_atomic = 1;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT |
			  IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN |
			  IBV_QP_MAX_QP_RD_ATOMIC))
		die("RTS: %s", strerror(errno));
}

#endif /* RDO_PROGS_H */
