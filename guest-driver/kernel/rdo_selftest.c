// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: a kernel-verbs self-test through ib_core, run on request
 * (debugfs "selftest"). It reports key=value lines; check.<name>=ok|FAIL
 * lines are what tests assert on, the others are facts for people.
 *
 * What it does: a PD (whose DMA MR ib_core asks for), one CQ per completion
 * vector, an RC QP per CQ moved RESET -> INIT -> RTR -> RTS to itself, an MR
 * registered from a page list, a signaled LOCAL_INV of it whose completion
 * event must arrive through that CQ's EQ and vector; on the first QP a
 * receive and a SEND to itself through the port's loopback (st_send); UC
 * and UD QPs through RTS, a UD SEND through an address handle; misuse the driver and the device must refuse
 * cleanly (a bad transition, a bad command, posting before RTS, too many
 * SGEs, SEND_WITH_INV on a UC QP, an unregistered lkey, work posted on a QP
 * in ERR); last, fast registration as kernel ULPs use it (st_fast_reg).
 */
#include <linux/scatterlist.h>
#include <linux/dma-mapping.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <rdma/ib_cache.h>

#include "rdo_eth.h"
#include "rdo_ib.h"
#include "rdma_offload-verbs.h"

#define ST_WAIT		(5 * HZ)
#define ST_LOG_SIZE	8192
#define ST_MANY_SGES	64	/* more than any QP has */

struct rdo_st {
	struct rdo_dev *rdev;
	struct ib_device *ibdev;
	char *log;
	size_t len;
	int failures;
	struct completion cq_event;
	atomic_t qp_fatal;
	struct ib_pd *pd;
	union ib_gid gid0;
};

static __printf(2, 3) void st_kv(struct rdo_st *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	st->len += vscnprintf(st->log + st->len, ST_LOG_SIZE - st->len, fmt, ap);
	va_end(ap);
	st->len += scnprintf(st->log + st->len, ST_LOG_SIZE - st->len, "\n");
}

static bool st_check(struct rdo_st *st, const char *name, bool ok)
{
	st_kv(st, "check.%s=%s", name, ok ? "ok" : "FAIL");
	if (!ok)
		st->failures++;
	return ok;
}

static void st_comp(struct ib_cq *cq, void *ctx)
{
	struct rdo_st *st = ctx;

	complete(&st->cq_event);
}

static void st_qp_event(struct ib_event *ev, void *ctx)
{
	struct rdo_st *st = ctx;

	if (ev->event == IB_EVENT_QP_FATAL || ev->event == IB_EVENT_QP_REQ_ERR ||
	    ev->event == IB_EVENT_QP_ACCESS_ERR)
		atomic_inc(&st->qp_fatal);
}

/* Poll until n completions arrived or the time is up. */
static int st_poll(struct ib_cq *cq, struct ib_wc *wc, int n)
{
	unsigned long end = jiffies + ST_WAIT;
	int got = 0, r;

	while (got < n && time_before(jiffies, end)) {
		r = ib_poll_cq(cq, n - got, wc + got);
		if (r < 0)
			return r;
		got += r;
		if (got < n)
			usleep_range(200, 1000);
	}
	return got;
}

static struct ib_qp *st_create_qp(struct rdo_st *st, enum ib_qp_type type,
				  struct ib_cq *cq)
{
	struct ib_qp_init_attr init = {
		.event_handler = st_qp_event,
		.qp_context = st,
		.send_cq = cq,
		.recv_cq = cq,
		.cap = { .max_send_wr = 8, .max_recv_wr = 8,
			 .max_send_sge = 2, .max_recv_sge = 2,
			 .max_inline_data = min(32u, st->rdev->attr.max_inline) },
		.sq_sig_type = IB_SIGNAL_REQ_WR,
		.qp_type = type,
	};

	return ib_create_qp(st->pd, &init);
}

/* RESET -> INIT -> RTR -> RTS; connected QPs talk to themselves. */
static int st_to_rts(struct rdo_st *st, struct ib_qp *qp)
{
	struct ib_qp_attr a = {};
	int mask, ret;

	a.qp_state = IB_QPS_INIT;
	a.pkey_index = 0;
	a.port_num = 1;
	mask = IB_QP_STATE | IB_QP_PKEY_INDEX | IB_QP_PORT;
	if (qp->qp_type == IB_QPT_UD) {
		a.qkey = 0x11111111;
		mask |= IB_QP_QKEY;
	} else {
		a.qp_access_flags = IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_WRITE;
		mask |= IB_QP_ACCESS_FLAGS;
	}
	ret = ib_modify_qp(qp, &a, mask);
	if (ret)
		return ret;

	memset(&a, 0, sizeof(a));
	a.qp_state = IB_QPS_RTR;
	mask = IB_QP_STATE;
	if (qp->qp_type != IB_QPT_UD) {
		a.path_mtu = IB_MTU_1024;
		a.dest_qp_num = qp->qp_num;
		a.rq_psn = 0x123;
		a.ah_attr.type = RDMA_AH_ATTR_TYPE_ROCE;
		rdma_ah_set_port_num(&a.ah_attr, 1);
		rdma_ah_set_grh(&a.ah_attr, &st->gid0, 0, 0, 64, 0);
		/* ib_core resolves the MAC for user space only. */
		memcpy(a.ah_attr.roce.dmac, st->rdev->mac, ETH_ALEN);
		mask |= IB_QP_AV | IB_QP_PATH_MTU | IB_QP_DEST_QPN | IB_QP_RQ_PSN;
		if (qp->qp_type == IB_QPT_RC) {
			a.max_dest_rd_atomic = 1;
			a.min_rnr_timer = 12;
			mask |= IB_QP_MAX_DEST_RD_ATOMIC | IB_QP_MIN_RNR_TIMER;
		}
	}
	ret = ib_modify_qp(qp, &a, mask);
	if (ret)
		return ret;

	memset(&a, 0, sizeof(a));
	a.qp_state = IB_QPS_RTS;
	a.sq_psn = 0x123;
	mask = IB_QP_STATE | IB_QP_SQ_PSN;
	if (qp->qp_type == IB_QPT_RC) {
		a.timeout = 14;
		a.retry_cnt = 7;
		a.rnr_retry = 7;
		a.max_rd_atomic = 1;
		mask |= IB_QP_TIMEOUT | IB_QP_RETRY_CNT | IB_QP_RNR_RETRY |
			IB_QP_MAX_QP_RD_ATOMIC;
	}
	return ib_modify_qp(qp, &a, mask);
}

static enum ib_qp_state st_qp_state(struct ib_qp *qp, u32 *dest_qpn)
{
	struct ib_qp_init_attr init;
	struct ib_qp_attr a;

	if (ib_query_qp(qp, &a, IB_QP_STATE | IB_QP_DEST_QPN, &init))
		return -1;
	if (dest_qpn)
		*dest_qpn = a.dest_qp_num;
	return a.qp_state;
}

/* An MR over two kernel pages, registered through a page list. */
struct st_mr {
	struct rdo_mr mr;
	struct page *pages[2];
	dma_addr_t dma[2];
};

static int st_mr_reg(struct rdo_st *st, struct st_mr *m)
{
	struct rdo_dev *rdev = st->rdev;
	struct device *dev = &rdev->pdev->dev;
	u64 *list;
	int i, ret;

	memset(m, 0, sizeof(*m));
	ret = rdo_buf_alloc(rdev, &m->mr.pages, sizeof(u64) * 2);
	if (ret)
		return ret;
	list = m->mr.pages.va;
	for (i = 0; i < 2; i++) {
		m->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!m->pages[i])
			return -ENOMEM;
		m->dma[i] = dma_map_page(dev, m->pages[i], 0, PAGE_SIZE,
					 DMA_BIDIRECTIONAL);
		if (dma_mapping_error(dev, m->dma[i])) {
			m->dma[i] = 0;
			return -ENOMEM;
		}
		list[i] = m->dma[i];
	}
	return rdo_mr_register(rdev, &m->mr, to_rpd(st->pd)->pdn, 0x10000,
			       2 * PAGE_SIZE, PAGE_SHIFT, 2,
			       IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_WRITE);
}

static void st_mr_free(struct rdo_st *st, struct st_mr *m, bool registered)
{
	struct device *dev = &st->rdev->pdev->dev;
	int i;

	if (registered && rdo_mr_unregister(st->rdev, &m->mr))
		return;		/* leaked: the device may still use it */
	if (!registered)
		rdo_buf_free(st->rdev, &m->mr.pages);
	for (i = 0; i < 2; i++) {
		if (m->dma[i])
			dma_unmap_page(dev, m->dma[i], PAGE_SIZE, DMA_BIDIRECTIONAL);
		if (m->pages[i])
			__free_page(m->pages[i]);
	}
}

/*
 * LOCAL_INV of a fresh MR on an RC QP bound to cq (completion vector v):
 * the CQE must be a success and its event must come through vector v + 1.
 */
static void st_local_inv(struct rdo_st *st, struct ib_cq *cq, unsigned int v,
			 struct ib_qp *qp)
{
	struct rdo_dev *rdev = st->rdev;
	unsigned int eqn = rdo_comp_eqs(rdev) ? 1 + v : 0;
	struct ib_send_wr wr = {}, *bad;
	struct st_mr m;
	struct ib_wc wc;
	int irqs, ret, n;
	char name[48];

	ret = st_mr_reg(st, &m);
	snprintf(name, sizeof(name), "cq%u_reg_mr", v);
	if (!st_check(st, name, !ret)) {
		st_mr_free(st, &m, false);
		return;
	}
	if (v == 0)
		st_kv(st, "mr.lkey=0x%x", m.mr.ibmr.lkey);

	reinit_completion(&st->cq_event);
	ib_req_notify_cq(cq, IB_CQ_NEXT_COMP);
	irqs = atomic_read(&rdev->vectors[eqn].count);
	wr.wr_id = 0x1000 + v;
	wr.opcode = IB_WR_LOCAL_INV;
	wr.send_flags = IB_SEND_SIGNALED;
	wr.ex.invalidate_rkey = m.mr.ibmr.rkey;
	ret = ib_post_send(qp, &wr, (const struct ib_send_wr **)&bad);
	snprintf(name, sizeof(name), "cq%u_post_local_inv", v);
	st_check(st, name, !ret);
	snprintf(name, sizeof(name), "cq%u_event", v);
	st_check(st, name, !ret &&
		 wait_for_completion_timeout(&st->cq_event, ST_WAIT));
	snprintf(name, sizeof(name), "cq%u_event_on_vector%u", v, eqn);
	st_check(st, name, atomic_read(&rdev->vectors[eqn].count) > irqs);
	n = st_poll(cq, &wc, 1);
	snprintf(name, sizeof(name), "cq%u_local_inv_cqe", v);
	st_check(st, name, n == 1 && wc.status == IB_WC_SUCCESS &&
		 wc.opcode == IB_WC_LOCAL_INV && wc.wr_id == wr.wr_id &&
		 wc.qp == qp);
	if (n == 1 && v == 0)
		st_kv(st, "local_inv.status=%s", ib_wc_status_msg(wc.status));
	st_mr_free(st, &m, true);
}

/*
 * A SEND to the QP itself. Interface 0.1 has no transport: the SEND
 * completes with LOC_QP_OP_ERR / NO_TRANSPORT, the QP goes to error and the
 * posted receive is flushed ("no_transport"). With the RoCEv2 data path
 * the frame, addressed to the port's own MAC, turns around inside the device
 * and the SEND reaches the receive ("delivered", data checked). Anything
 * else, such as running out of retries ("retry_exceeded"), fails the check.
 */
static void st_send(struct rdo_st *st, struct ib_cq *cq, struct ib_qp *qp)
{
	struct ib_recv_wr rwr = {}, *rbad;
	struct ib_send_wr wr = {}, *bad;
	struct ib_wc wc[2], *swc = NULL, *rwc = NULL;
	struct ib_sge sge, rsge;
	const char *outcome = "none";
	bool ok = false;
	char *buf;
	u64 dma;
	int n, i, ret;

	buf = kzalloc(256, GFP_KERNEL);
	if (!buf)
		return;
	strscpy(buf, "rdma-offload self-test", 128);
	dma = ib_dma_map_single(st->ibdev, buf, 256, DMA_BIDIRECTIONAL);
	if (ib_dma_mapping_error(st->ibdev, dma)) {
		kfree(buf);
		return;
	}
	rsge.addr = dma + 128;
	rsge.length = 128;
	rsge.lkey = st->pd->local_dma_lkey;
	rwr.wr_id = 0x2001;
	rwr.sg_list = &rsge;
	rwr.num_sge = 1;
	ret = ib_post_recv(qp, &rwr, (const struct ib_recv_wr **)&rbad);
	st_check(st, "post_recv", !ret);

	sge.addr = dma;
	sge.length = 64;
	sge.lkey = st->pd->local_dma_lkey;
	wr.wr_id = 0x2002;
	wr.opcode = IB_WR_SEND;
	wr.send_flags = IB_SEND_SIGNALED;
	wr.sg_list = &sge;
	wr.num_sge = 1;
	atomic_set(&st->qp_fatal, 0);
	ret = ib_post_send(qp, &wr, (const struct ib_send_wr **)&bad);
	st_check(st, "post_send", !ret);

	n = st_poll(cq, wc, 2);
	for (i = 0; i < n; i++) {
		if (wc[i].wr_id == 0x2002)
			swc = &wc[i];
		else if (wc[i].wr_id == 0x2001)
			rwc = &wc[i];
	}
	if (swc) {
		st_kv(st, "send.status=%s", ib_wc_status_msg(swc->status));
		st_kv(st, "send.vendor_err=%u", swc->vendor_err);
	}
	if (rwc)
		st_kv(st, "recv.status=%s", ib_wc_status_msg(rwc->status));
	if (swc && rwc && swc->status != IB_WC_SUCCESS) {
		if (swc->status == IB_WC_LOC_QP_OP_ERR &&
		    swc->vendor_err == RDO_VENDOR_ERR_NO_TRANSPORT)
			outcome = "no_transport";
		else if (swc->status == IB_WC_RETRY_EXC_ERR)
			outcome = "retry_exceeded";
		else
			outcome = "unexpected_error";
		for (i = 0; i < 50 && !atomic_read(&st->qp_fatal); i++)
			msleep(20);
		ok = !strcmp(outcome, "no_transport") &&
		     rwc->status == IB_WC_WR_FLUSH_ERR &&
		     st_check(st, "qp_error_event", atomic_read(&st->qp_fatal) > 0) &&
		     st_check(st, "qp_state_err", st_qp_state(qp, NULL) == IB_QPS_ERR);
	} else if (swc && rwc) {
		outcome = "delivered";
		ok = rwc->status == IB_WC_SUCCESS && rwc->byte_len == 64 &&
		     !memcmp(buf, buf + 128, 64);
	}
	st_kv(st, "send.outcome=%s", outcome);
	st_check(st, "send_outcome", ok);
	ib_dma_unmap_single(st->ibdev, dma, 256, DMA_BIDIRECTIONAL);
	kfree(buf);
}

/* A UD SEND through an address handle: the UD segment path. */
static void st_ud(struct rdo_st *st, struct ib_cq *cq)
{
	struct rdma_ah_attr aa = {};
	struct ib_ud_wr wr = {};
	const struct ib_send_wr *bad;
	struct ib_qp *qp;
	struct ib_ah *ah;
	struct ib_wc wc = {};
	u8 inl[16] = "ud inline";
	struct ib_sge sge = { .addr = (uintptr_t)inl, .length = sizeof(inl) };

	qp = st_create_qp(st, IB_QPT_UD, cq);
	if (!st_check(st, "ud_create", !IS_ERR(qp)))
		return;
	st_check(st, "ud_to_rts", !st_to_rts(st, qp) &&
		 st_qp_state(qp, NULL) == IB_QPS_RTS);
	aa.type = RDMA_AH_ATTR_TYPE_ROCE;
	rdma_ah_set_port_num(&aa, 1);
	rdma_ah_set_grh(&aa, &st->gid0, 0, 0, 64, 0);
	memcpy(aa.roce.dmac, st->rdev->mac, ETH_ALEN);
	ah = rdma_create_ah(st->pd, &aa, RDMA_CREATE_AH_SLEEPABLE);
	if (st_check(st, "ud_create_ah", !IS_ERR(ah))) {
		wr.wr.wr_id = 0x3001;
		wr.wr.opcode = IB_WR_SEND;
		wr.wr.send_flags = IB_SEND_SIGNALED | IB_SEND_INLINE;
		wr.wr.sg_list = &sge;
		wr.wr.num_sge = 1;
		wr.ah = ah;
		wr.remote_qpn = qp->qp_num;
		wr.remote_qkey = 0x11111111;
		st_check(st, "ud_post_send", !ib_post_send(qp, &wr.wr, &bad));
		/* 0.1: no transport; with the data path UD just sends. */
		st_check(st, "ud_send_completes", st_poll(cq, &wc, 1) == 1 &&
			 wc.wr_id == 0x3001 &&
			 (wc.status == IB_WC_SUCCESS ||
			  (wc.status == IB_WC_LOC_QP_OP_ERR &&
			   wc.vendor_err == RDO_VENDOR_ERR_NO_TRANSPORT)));
		st_kv(st, "ud_send.status=%s", ib_wc_status_msg(wc.status));
		rdma_destroy_ah(ah, RDMA_DESTROY_AH_SLEEPABLE);
	}
	st_check(st, "ud_destroy", !ib_destroy_qp(qp));
}

/*
 * Data-path misuse on a fresh RC QP: posting before RTS and more SGEs than
 * the QP has are refused by the driver; a SEND naming an lkey nobody
 * registered completes with LOC_PROT_ERR (vendor_err BAD_KEY), the QP goes
 * to ERR, and a SEND posted after that is flushed.
 */
static void st_bad_lkey(struct rdo_st *st, struct ib_cq *cq)
{
	struct ib_send_wr wr = { .opcode = IB_WR_SEND, .send_flags = IB_SEND_SIGNALED };
	const struct ib_send_wr *bad;
	struct ib_wc wc = {};
	struct ib_sge *sge;
	struct ib_qp *qp;
	int ret;

	sge = kcalloc(ST_MANY_SGES, sizeof(*sge), GFP_KERNEL);
	if (!sge)
		return;
	sge[0] = (struct ib_sge){ .addr = 0x1000, .length = 8, .lkey = 0xdead00 };
	wr.sg_list = sge;
	wr.num_sge = 1;
	wr.wr_id = 0x4001;
	qp = st_create_qp(st, IB_QPT_RC, cq);
	if (!st_check(st, "misuse_create", !IS_ERR(qp)))
		goto out_free;
	st_check(st, "post_in_reset_refused", ib_post_send(qp, &wr, &bad) == -EINVAL);
	if (!st_check(st, "misuse_to_rts", !st_to_rts(st, qp)))
		goto out;
	wr.num_sge = ST_MANY_SGES;
	st_check(st, "too_many_sges_refused", ib_post_send(qp, &wr, &bad) == -EINVAL);
	wr.num_sge = 1;
	ret = ib_post_send(qp, &wr, &bad);
	st_check(st, "bad_lkey_completes", !ret && st_poll(cq, &wc, 1) == 1 &&
		 wc.wr_id == 0x4001 && wc.status == IB_WC_LOC_PROT_ERR &&
		 wc.vendor_err == RDO_VENDOR_ERR_BAD_KEY);
	st_kv(st, "bad_lkey.status=%s", ib_wc_status_msg(wc.status));
	wr.wr_id = 0x4002;
	ret = ib_post_send(qp, &wr, &bad);
	st_check(st, "send_after_error_flushed", !ret && st_poll(cq, &wc, 1) == 1 &&
		 wc.wr_id == 0x4002 && wc.status == IB_WC_WR_FLUSH_ERR);
	st_check(st, "misuse_qp_err", st_qp_state(qp, NULL) == IB_QPS_ERR);
out:
	st_check(st, "misuse_destroy", !ib_destroy_qp(qp));
out_free:
	kfree(sge);
}

/*
 * A UC QP through RTS. SEND_WITH_INV is not a UC work request (the
 * hardware interface's rdo_qp_wr_allowed): the post fails with -EINVAL and
 * *bad_wr, nothing reaches the device, the QP stays in RTS.
 */
static void st_uc(struct rdo_st *st, struct ib_cq *cq)
{
	struct ib_send_wr wr = { .opcode = IB_WR_SEND_WITH_INV,
				 .send_flags = IB_SEND_SIGNALED, .wr_id = 0x5001,
				 .ex.invalidate_rkey = 0x100 };
	const struct ib_send_wr *bad = NULL;
	struct ib_qp *qp = st_create_qp(st, IB_QPT_UC, cq);
	int ret;

	if (!st_check(st, "uc_create", !IS_ERR(qp)))
		return;
	st_check(st, "uc_to_rts", !st_to_rts(st, qp) &&
		 st_qp_state(qp, NULL) == IB_QPS_RTS);
	ret = ib_post_send(qp, &wr, &bad);
	st_kv(st, "uc_send_inv.ret=%d", ret);
	st_check(st, "uc_send_inv_refused", ret == -EINVAL && bad == &wr &&
		 st_qp_state(qp, NULL) == IB_QPS_RTS);
	st_check(st, "uc_destroy", !ib_destroy_qp(qp));
}

/* What the driver and the device must refuse, without harm. */
static void st_misuse(struct rdo_st *st, struct ib_qp *qp)
{
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_CREATE_PD,
				   .obj = st->rdev->attr.max_pd };
	struct ib_qp_attr a = { .qp_state = IB_QPS_RTR };
	u8 status;
	int ret;

	/* RESET -> RTR skips INIT: refused before reaching the device. */
	st_check(st, "bad_transition_refused",
		 ib_modify_qp(qp, &a, IB_QP_STATE) == -EINVAL);
	/* A PD number beyond the device's: BAD_INDEX from the device. */
	ret = rdo_cqp_exec_status(st->rdev, &cmd, &status);
	st_kv(st, "bad_pd.status=%s", rdo_cqp_status_name(status));
	st_check(st, "bad_command_refused", ret == -EINVAL &&
		 status == RDO_CQP_BAD_INDEX);
	st_check(st, "cqp_alive_after", !rdo_cqp_simple(st->rdev, RDO_CMD_NOP, 0));
}

/* One signaled work request on qp, its completion. */
static bool st_post_one(struct rdo_st *st, struct ib_qp *qp, struct ib_cq *cq,
			const struct ib_send_wr *wr, struct ib_wc *wc)
{
	const struct ib_send_wr *bad;

	return !ib_post_send(qp, wr, &bad) && st_poll(cq, wc, 1) == 1 &&
	       wc->wr_id == wr->wr_id;
}

#define ST_FR_PAGES	3
#define ST_FR_OFF	100	/* malloc-like: the data starts inside a page */
#define ST_FR_LEN	(ST_FR_PAGES * PAGE_SIZE - ST_FR_OFF - 300)

/*
 * Fast registration as nvme-rdma and NFS/RDMA do it, on the RC QP talking
 * to itself: what ULPs check before binding, ib_alloc_mr, ib_map_mr_sg of
 * three scattered pages (the first from an offset, the last partly), a new
 * key, IB_WR_REG_MR, an RDMA WRITE through the rkey checked byte by byte,
 * IB_WR_LOCAL_INV, then a WRITE through the invalidated key fails (remote
 * access error, or flushed: the QP is in ERR afterwards, so this runs last).
 */
static void st_fast_reg(struct rdo_st *st, struct ib_cq *cq, struct ib_qp *qp)
{
	const struct ib_device_attr *attrs = &st->ibdev->attrs;
	struct scatterlist sg[ST_FR_PAGES];
	struct page *pages[ST_FR_PAGES] = {};
	struct ib_rdma_wr wwr = {};
	struct ib_reg_wr rwr = {};
	struct ib_send_wr iwr = {};
	struct ib_sge sge;
	struct ib_wc wc;
	struct ib_mr *mr;
	bool same = true;
	u8 *src = NULL;
	int i, n = 0;
	u64 dma = 0;

	/* nvme_rdma_find_get_device, frwr_query_device, rds_ib_add_one. */
	st_kv(st, "fr.max_fast_reg_page_list_len=%u",
	      attrs->max_fast_reg_page_list_len);
	st_check(st, "fr_ulp_caps",
		 (attrs->device_cap_flags & IB_DEVICE_MEM_MGT_EXTENSIONS) &&
		 attrs->max_fast_reg_page_list_len >= 512);
	mr = ib_alloc_mr(st->pd, IB_MR_TYPE_MEM_REG, 512);
	if (!st_check(st, "fr_alloc_mr", !IS_ERR(mr)))
		return;
	st_check(st, "fr_alloc_mr_too_many",
		 PTR_ERR_OR_ZERO(ib_alloc_mr(st->pd, IB_MR_TYPE_MEM_REG,
					     attrs->max_fast_reg_page_list_len + 1)) == -EINVAL);
	sg_init_table(sg, ST_FR_PAGES);
	for (i = 0; i < ST_FR_PAGES; i++) {
		pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!pages[i])
			goto out;
	}
	/* Backwards, so that they are not in order in memory either. */
	sg_set_page(&sg[0], pages[2], PAGE_SIZE - ST_FR_OFF, ST_FR_OFF);
	sg_set_page(&sg[1], pages[0], PAGE_SIZE, 0);
	sg_set_page(&sg[2], pages[1], ST_FR_LEN - 2 * PAGE_SIZE + ST_FR_OFF, 0);
	n = ib_dma_map_sg(st->ibdev, sg, ST_FR_PAGES, DMA_BIDIRECTIONAL);
	if (!st_check(st, "fr_map_sg", n > 0))
		goto out;
	st_check(st, "fr_map_mr_sg",
		 ib_map_mr_sg(mr, sg, n, NULL, PAGE_SIZE) == n &&
		 mr->length == ST_FR_LEN);

	src = kmalloc(ST_FR_LEN, GFP_KERNEL);
	if (!src)
		goto out;
	for (i = 0; i < ST_FR_LEN; i++)
		src[i] = (u8)(i * 7 + 3);
	dma = ib_dma_map_single(st->ibdev, src, ST_FR_LEN, DMA_TO_DEVICE);
	if (ib_dma_mapping_error(st->ibdev, dma)) {
		dma = 0;
		goto out;
	}

	ib_update_fast_reg_key(mr, ib_inc_rkey(mr->rkey));
	rwr.wr.wr_id = 0x3001;
	rwr.wr.opcode = IB_WR_REG_MR;
	rwr.wr.send_flags = IB_SEND_SIGNALED;
	rwr.mr = mr;
	rwr.key = mr->rkey;
	rwr.access = IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_WRITE |
		     IB_ACCESS_REMOTE_READ;
	st_check(st, "fr_reg_mr",
		 st_post_one(st, qp, cq, &rwr.wr, &wc) &&
		 wc.status == IB_WC_SUCCESS && wc.opcode == IB_WC_REG_MR);
	st_kv(st, "fr.reg_mr.status=%s", ib_wc_status_msg(wc.status));

	sge.addr = dma;
	sge.length = ST_FR_LEN;
	sge.lkey = st->pd->local_dma_lkey;
	wwr.wr.wr_id = 0x3002;
	wwr.wr.opcode = IB_WR_RDMA_WRITE;
	wwr.wr.send_flags = IB_SEND_SIGNALED;
	wwr.wr.sg_list = &sge;
	wwr.wr.num_sge = 1;
	wwr.remote_addr = mr->iova;
	wwr.rkey = mr->rkey;
	st_check(st, "fr_write",
		 st_post_one(st, qp, cq, &wwr.wr, &wc) &&
		 wc.status == IB_WC_SUCCESS);
	dma_sync_sg_for_cpu(st->ibdev->dma_device, sg, ST_FR_PAGES,
			    DMA_BIDIRECTIONAL);
	for (i = 0; i < ST_FR_LEN && same; i++) {
		u32 off = i + ST_FR_OFF;
		struct page *pg = off < PAGE_SIZE ? pages[2] :
				  off < 2 * PAGE_SIZE ? pages[0] : pages[1];

		same = ((u8 *)page_address(pg))[off % PAGE_SIZE] == src[i];
	}
	st_check(st, "fr_write_data", same);

	iwr.wr_id = 0x3003;
	iwr.opcode = IB_WR_LOCAL_INV;
	iwr.send_flags = IB_SEND_SIGNALED;
	iwr.ex.invalidate_rkey = mr->rkey;
	st_check(st, "fr_local_inv",
		 st_post_one(st, qp, cq, &iwr, &wc) &&
		 wc.status == IB_WC_SUCCESS && wc.opcode == IB_WC_LOCAL_INV);

	/*
	 * The QP is its own responder: the responder's access error moves it
	 * to ERR, which may flush the WRITE before the NAK comes back.
	 */
	wwr.wr.wr_id = 0x3004;
	sge.length = 64;
	st_check(st, "fr_write_after_inv_fails",
		 st_post_one(st, qp, cq, &wwr.wr, &wc) &&
		 (wc.status == IB_WC_REM_ACCESS_ERR ||
		  wc.status == IB_WC_WR_FLUSH_ERR));
	st_kv(st, "fr.write_after_inv.status=%s", ib_wc_status_msg(wc.status));
out:
	if (dma)
		ib_dma_unmap_single(st->ibdev, dma, ST_FR_LEN, DMA_TO_DEVICE);
	kfree(src);
	if (n > 0)
		ib_dma_unmap_sg(st->ibdev, sg, ST_FR_PAGES, DMA_BIDIRECTIONAL);
	st_check(st, "fr_dereg_mr", !ib_dereg_mr(mr));
	for (i = 0; i < ST_FR_PAGES; i++) {
		if (pages[i])
			__free_page(pages[i]);
	}
}

/* Receive completions of a partial SRQ against what they must say. */
struct st_part {
	u64 wr_id;
	u32 len, off;
	int flags;		/* RDO_WC_* */
	u32 src;		/* where in the source the message came from */
};

static bool st_part_wc(const struct ib_wc *wc, const struct st_part *e,
		       const u8 *rbuf, const u8 *src)
{
	return wc->status == IB_WC_SUCCESS && wc->wr_id == e->wr_id &&
	       wc->byte_len == e->len && rdo_wc_offset(wc) == e->off &&
	       (wc->wc_flags & (RDO_WC_OFFSET | RDO_WC_BUF_DONE)) == e->flags &&
	       !memcmp(rbuf + e->off, src + e->src, e->len);
}

/*
 * D10 buffer groups: an SRQ with partial buffers (rdo_ib_srq_set_partial)
 * takes three SENDs into one 1000-byte buffer at 64-byte strides, each
 * completed with its offset; a fourth that does not fit the rest gives
 * the buffer back (0 bytes, BUF_DONE) and starts the next buffer.
 */
static void st_partial(struct rdo_st *st, struct ib_cq *cq)
{
	static const struct st_part want[5] = {
		{ 0x3001, 10, 0, RDO_WC_OFFSET, 0 },
		{ 0x3001, 100, 64, RDO_WC_OFFSET, 7 },
		{ 0x3001, 200, 192, RDO_WC_OFFSET, 14 },
		{ 0x3001, 0, 392, RDO_WC_OFFSET | RDO_WC_BUF_DONE, 0 },
		{ 0x3002, 700, 0, RDO_WC_OFFSET, 21 },
	};
	struct ib_srq_init_attr sattr = { .attr = { .max_wr = 4, .max_sge = 1 } };
	struct ib_qp_init_attr init = {
		.send_cq = cq, .recv_cq = cq, .qp_type = IB_QPT_RC,
		.cap = { .max_send_wr = 8, .max_send_sge = 1 },
		.sq_sig_type = IB_SIGNAL_REQ_WR,
	};
	struct ib_recv_wr rwr = { .num_sge = 1 };
	struct ib_send_wr wr = { .opcode = IB_WR_SEND, .num_sge = 1,
				 .send_flags = IB_SEND_SIGNALED };
	struct ib_sge sge = { .lkey = st->pd->local_dma_lkey };
	struct ib_wc wc[9];
	int n, i, r, ok = 0, ret = 0;
	struct ib_srq *srq;
	struct ib_qp *qp;
	u8 *buf;
	u64 dma;

	srq = ib_create_srq(st->pd, &sattr);
	if (!st_check(st, "partial_srq", !IS_ERR(srq)))
		return;
	st_check(st, "partial_bad_shift", rdo_ib_srq_set_partial(srq, 5) == -EINVAL);
	buf = kzalloc(3072, GFP_KERNEL);	/* two receive buffers, a source */
	init.srq = srq;
	qp = ib_create_qp(st->pd, &init);
	if (!st_check(st, "partial_on", !rdo_ib_srq_set_partial(srq, 6)) ||
	    !st_check(st, "partial_qp", !IS_ERR(qp) && !st_to_rts(st, qp)) || !buf)
		goto out;
	for (i = 0; i < 1024; i++)
		buf[2048 + i] = i * 13 + 5;
	dma = ib_dma_map_single(st->ibdev, buf, 3072, DMA_BIDIRECTIONAL);
	if (ib_dma_mapping_error(st->ibdev, dma))
		goto out;
	rwr.sg_list = &sge;
	for (i = 0; i < 2; i++) {
		sge.addr = dma + i * 1024;
		sge.length = 1000;
		rwr.wr_id = 0x3001 + i;
		ret |= ib_post_srq_recv(srq, &rwr, NULL);
	}
	wr.sg_list = &sge;
	for (i = 0; i < 5; i++) {
		if (!want[i].len)
			continue;	/* no message: the device's give-back */
		sge.addr = dma + 2048 + want[i].src;
		sge.length = want[i].len;
		wr.wr_id = 0x3100 + i;
		ret |= ib_post_send(qp, &wr, NULL);
		if (i != 2 && i != 4)
			continue;
		/* 3 SENDs and 3 receives; then 1 SEND, the give-back, 1 receive */
		n = st_poll(cq, wc, i == 2 ? 6 : 3);
		for (r = 0; r < n && ok < 5; r++)
			if (wc[r].opcode & IB_WC_RECV)
				ok += st_part_wc(&wc[r], &want[ok],
						 buf + (ok == 4) * 1024, buf + 2048);
		/* A buffer is the device's now: SRQ_PARTIAL refused. */
		if (i == 2)
			st_check(st, "partial_busy",
				 rdo_ib_srq_set_partial(srq, 7) == -EBUSY);
	}
	st_kv(st, "partial.good=%d", ok);
	st_check(st, "partial_packed", !ret && ok == 5);
	ib_dma_unmap_single(st->ibdev, dma, 3072, DMA_BIDIRECTIONAL);
out:
	if (!IS_ERR_OR_NULL(qp))
		ib_destroy_qp(qp);
	ib_destroy_srq(srq);
	kfree(buf);
}

/*
 * Raw packet QPs (rdo_raw.c): their pairs lie past the net_device's; a
 * kernel caller cannot make one (user rings only); and the verbs flow
 * specs become the device rule they say, or are refused.
 */
#define ST_FLOW_BUF	512

static void st_flow_spec(struct ib_flow_attr *a, size_t *off, const void *spec,
			 u16 size)
{
	memcpy((u8 *)a->flows + *off, spec, size);
	*off += size;
	a->num_of_specs++;
}

/* A flow on dst 10.0.0.2, TCP port 5001 to dmac 02:..:07; then `bad` spoils it. */
static int st_flow(struct ib_flow_attr *a, struct rdo_cmd_create_flow_rule *r,
		   int bad)
{
	struct ib_flow_spec_eth eth = { .type = IB_FLOW_SPEC_ETH, .size = sizeof(eth) };
	struct ib_flow_spec_ipv4 ip = { .type = IB_FLOW_SPEC_IPV4, .size = sizeof(ip) };
	struct ib_flow_spec_tcp_udp l4 = { .type = IB_FLOW_SPEC_TCP, .size = sizeof(l4) };
	struct ib_flow_spec_action_drop drop = { .type = IB_FLOW_SPEC_ACTION_DROP,
						 .size = sizeof(drop) };
	size_t off = 0;

	memset(a, 0, ST_FLOW_BUF);
	a->type = IB_FLOW_ATTR_NORMAL;
	a->priority = 2;
	a->port = 1;
	memcpy(eth.val.dst_mac, "\x02\x00\x00\x00\x00\x07", 6);
	memset(eth.mask.dst_mac, 0xff, 6);
	ip.val.dst_ip = cpu_to_be32(0x0a000002);
	ip.mask.dst_ip = cpu_to_be32(0xffffffff);
	l4.val.dst_port = cpu_to_be16(5001);
	l4.mask.dst_port = cpu_to_be16(0xffff);
	switch (bad) {
	case 1:		/* a partial mask */
		l4.mask.dst_port = cpu_to_be16(0x00ff);
		break;
	case 2:		/* VLAN */
		eth.mask.vlan_tag = cpu_to_be16(0xfff);
		break;
	case 3:		/* an ethertype against the IPv4 spec */
		eth.val.ether_type = cpu_to_be16(ETH_P_IPV6);
		eth.mask.ether_type = cpu_to_be16(0xffff);
		break;
	case 4:		/* RoCEv2's port */
		l4.type = IB_FLOW_SPEC_UDP;
		l4.val.dst_port = cpu_to_be16(RDO_ROCE_UDP_PORT);
		break;
	case 5:
		a->priority = RDO_ETH_FLOW_PRIO_MAX + 1;
		break;
	case 6:		/* UDP against the TCP spec */
		ip.val.proto = IPPROTO_UDP;
		ip.mask.proto = 0xff;
		break;
	}
	st_flow_spec(a, &off, &eth, sizeof(eth));
	st_flow_spec(a, &off, &ip, sizeof(ip));
	st_flow_spec(a, &off, &l4, sizeof(l4));
	if (bad == 7)
		st_flow_spec(a, &off, &drop, sizeof(drop));
	if (bad == 8)
		st_flow_spec(a, &off, &ip, sizeof(ip));		/* a layer twice */
	a->size = sizeof(*a) + off;
	return rdo_raw_flow_rule(a, r);
}

static void st_raw(struct rdo_st *st, struct ib_cq *cq)
{
	static const int refused[] = { 0, -EOPNOTSUPP, -EOPNOTSUPP, -EINVAL,
				       -EINVAL, -EINVAL, -EINVAL, -EOPNOTSUPP,
				       -EINVAL };
	struct net_device *ndev = rdo_port_ndev(st->rdev, 1);
	struct rdo_eth_priv *p = ndev ? rdo_eth_priv(ndev) : NULL;
	struct rdo_cmd_create_flow_rule r;
	struct ib_flow_attr *a;
	unsigned int base, n = rdo_eth_raw_range(st->rdev, &base);
	struct ib_qp *qp;
	int bad, ret;
	bool ok = true;

	st_kv(st, "raw.queues=%u", n);
	st_kv(st, "raw.base=%u", base);
	if (p && (st->rdev->caps & RDO_CAP_ETH_QUEUES))
		st_check(st, "raw_queues_past_netdev",
			 n && p->qbase + p->nq_max <= base &&
			 base + n == min(st->rdev->attr.max_eth_txq,
					 st->rdev->attr.max_eth_rxq));
	qp = st_create_qp(st, IB_QPT_RAW_PACKET, cq);
	st_check(st, "raw_qp_kernel_refused", PTR_ERR_OR_ZERO(qp) == -EOPNOTSUPP);
	if (!IS_ERR(qp))
		ib_destroy_qp(qp);

	a = kzalloc(ST_FLOW_BUF, GFP_KERNEL);
	if (!st_check(st, "raw_flow_alloc", a))
		return;
	ret = st_flow(a, &r, 0);
	st_check(st, "raw_flow_rule",
		 !ret && r.match == (RDO_FLOW_M_DMAC | RDO_FLOW_M_ETHERTYPE |
				     RDO_FLOW_M_DST_IP | RDO_FLOW_M_IP_PROTO |
				     RDO_FLOW_M_DST_PORT) &&
		 r.priority == 2 && r.ethertype == ETH_P_IP &&
		 r.ip_proto == IPPROTO_TCP && r.dst_port == 5001 && !r.src_port &&
		 !memcmp(r.dst_ip, "\x0a\x00\x00\x02", 4) &&
		 !memchr_inv(r.dst_ip + 4, 0, 12) && !memchr_inv(r.src_ip, 0, 16) &&
		 !memcmp(r.dmac, "\x02\x00\x00\x00\x00\x07", 6));
	for (bad = 1; bad < ARRAY_SIZE(refused); bad++) {
		ret = st_flow(a, &r, bad);
		if (ret != refused[bad]) {
			st_kv(st, "raw.flow_bad%d=%d", bad, ret);
			ok = false;
		}
	}
	st_check(st, "raw_flow_refused", ok);
	kfree(a);
}

static void st_run(struct rdo_st *st)
{
	unsigned int ncq = max(rdo_comp_eqs(st->rdev), 1u), v;
	struct ib_cq_init_attr cattr = { .cqe = 32 };
	struct ib_cq *cq[64] = {};
	struct ib_qp *qp[64] = {};
	u32 dest = 0;

	ncq = min_t(unsigned int, ncq, ARRAY_SIZE(cq));
	st_kv(st, "ibdev=%s", dev_name(&st->ibdev->dev));
	st_kv(st, "comp_vectors=%u", ncq);
	st_check(st, "gid0", !rdma_query_gid(st->ibdev, 1, 0, &st->gid0) &&
		 st->gid0.global.subnet_prefix);
	st_kv(st, "gid0=%pI6", st->gid0.raw);

	st->pd = ib_alloc_pd(st->ibdev, 0);
	if (!st_check(st, "alloc_pd", !IS_ERR(st->pd)))
		return;
	st_kv(st, "pd.local_dma_lkey=0x%x", st->pd->local_dma_lkey);
	/* The device's reserved key, no DMA MR registered for the PD. */
	st_check(st, "local_dma_lkey", st->rdev->attr.local_dma_lkey &&
		 st->pd->local_dma_lkey == st->rdev->attr.local_dma_lkey &&
		 !st->pd->__internal_mr);

	for (v = 0; v < ncq; v++) {
		cattr.comp_vector = v;
		cq[v] = ib_create_cq(st->ibdev, st_comp, NULL, st, &cattr);
		if (IS_ERR(cq[v])) {
			st_check(st, "create_cq", false);
			cq[v] = NULL;
			goto out;
		}
		qp[v] = st_create_qp(st, IB_QPT_RC, cq[v]);
		if (IS_ERR(qp[v])) {
			st_check(st, "create_rc_qp", false);
			qp[v] = NULL;
			goto out;
		}
	}
	st_check(st, "create_cqs_and_rc_qps", true);
	st_kv(st, "rc.qpn=%u", qp[0]->qp_num);
	st_misuse(st, qp[0]);
	for (v = 0; v < ncq; v++) {
		if (!st_check(st, v ? "rc_to_rts_other" : "rc_to_rts",
			      !st_to_rts(st, qp[v])))
			goto out;
	}
	st_check(st, "rc_query_rts", st_qp_state(qp[0], &dest) == IB_QPS_RTS &&
		 dest == qp[0]->qp_num);
	for (v = 0; v < ncq; v++)
		st_local_inv(st, cq[v], v, qp[v]);
	st_send(st, cq[0], qp[0]);
	st_uc(st, cq[0]);
	st_ud(st, cq[0]);
	st_bad_lkey(st, cq[0]);
	st_fast_reg(st, cq[0], qp[0]);
	st_partial(st, cq[0]);
	st_raw(st, cq[0]);
out:
	for (v = 0; v < ncq; v++) {
		if (qp[v])
			st_check(st, v ? "destroy_qp_other" : "destroy_qp",
				 !ib_destroy_qp(qp[v]));
		if (cq[v])
			ib_destroy_cq(cq[v]);
	}
	ib_dealloc_pd(st->pd);
}

int rdo_selftest_run(struct rdo_dev *rdev)
{
	struct rdo_st *st;
	ktime_t t0;
	char *old;
	int ret;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	st->log = kzalloc(ST_LOG_SIZE, GFP_KERNEL);
	if (!st->log) {
		kfree(st);
		return -ENOMEM;
	}
	st->rdev = rdev;
	init_completion(&st->cq_event);

	mutex_lock(&rdev->life_lock);
	t0 = ktime_get();
	if (rdev->ib && !rdo_dead(rdev)) {
		st->ibdev = &rdev->ib->ibdev;
		st_run(st);
	} else {
		st_check(st, "device_up", false);
	}
	st_kv(st, "duration_us=%lld", ktime_us_delta(ktime_get(), t0));
	mutex_unlock(&rdev->life_lock);
	st_kv(st, "failures=%d", st->failures);
	st_kv(st, "result=%s", st->failures ? "fail" : "pass");
	ret = st->failures ? -EIO : 0;

	mutex_lock(&rdev->selftest_lock);
	old = rdev->selftest_log;
	rdev->selftest_log = st->log;
	rdev->selftest_len = st->len;
	mutex_unlock(&rdev->selftest_lock);
	kfree(old);
	kfree(st);
	return ret;
}
