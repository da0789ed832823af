// SPDX-License-Identifier: GPL-2.0
/*
 * rdo_vfmove_test: a live RC connection moved between an adapter's
 * functions mid-stream through the driver's kernel API (rdo_ib_move_qp,
 * rdma_offload-verbs.h), in one guest (tests/guest/sriov.sh, "run") or
 * between two (tests/guest/sriov-peer.sh, "open", "connect", "stream").
 * Side A's QP starts on SRC (VF 1) and is connected to side B's QP on PEER
 * (the PF through the adapter's internal switch, or another guest's
 * adapter or soft-RoCE device); both stream SENDs at each other,
 * every message checked byte for byte at its receiver and in order. While
 * the stream runs, a worker moves A's QP to DST (VF 2), then back, and so
 * on (moves=K), while the stream goes on posting and polling: work posted
 * during a move must wait for the resume, not be lost. Driven through
 * /sys/kernel/debug/rdo_vfmove_test/:
 *
 *   ctl     one command per write; the write fails when the command does
 *   result  key=value lines, check.NAME=ok|FAIL, failures=N, result=pass|fail
 *   info    after "open": this side's "QPN PSN GID" for the other's connect
 *
 * Commands:
 *   run SRC DST PEER [mib=N] [msg=BYTES] [window=W] [moves=K] [keep=1]
 *       N MiB each way (default 16) in messages of BYTES (default 8192,
 *       a multiple of 8), W in flight per side (default 32); mr=1: A's PD
 *       has MRs too (the unsafe global rkey's, which the second half of
 *       each send names as its lkey, and a fast-registration MR). The moves
 *       come at K evenly spaced points of A's stream. Each send gathers
 *       from two kmalloc'd buffers at odd offsets, each receive scatters
 *       at an odd offset. keep=1: A stays (its QP on the function the
 *       last move took it to, SRC still referenced) for "lost".
 *   open a|b DEV [mib=N] [msg=BYTES] [window=W] [mr=1]
 *       this guest's end (side a moves, b may be any RoCE device) made on
 *       DEV, as "run" makes it; both guests give the same N, BYTES, W
 *   connect QPN PSN GID
 *       to the other guest's end (its info line); receives posted
 *   stream [to=DST moves=K]
 *       this end's half of the stream, checked; side a moves K times
 *       between SRC and DST as in "run". The other guest's end must stay
 *       until both streams ended (its last ACKs)
 *   lost  after the function serving A's QP went (FLR): A's QP had a fatal
 *         event, posting on it fails, and it can still be destroyed
 *   teardown
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/ipv6.h>
#include <rdma/ib_cache.h>
#include <rdma/ib_verbs.h>

#include "rdma_offload-verbs.h"
#include "rdo-test-log.h"

#define VM_LOG_SIZE	4096
#define VM_MAX_WINDOW	128
#define VM_MAX_MOVES	8
#define VM_PAD		8		/* between slots: odd offsets stay inside */
#define VM_WAIT_MS	120000		/* hang guard, not a pass/fail bound */

struct vm_buf {
	u8 *va;
	u64 dma;
	size_t len;
};

/* One end of the connection (only its seed, when the other guest's). */
struct vm_side {
	const char *name;
	bool local;			/* made here: streamed and checked here */
	struct ib_device *dev;		/* the one it was made on */
	const struct ib_gid_attr *sgid;
	struct ib_pd *pd;
	struct ib_mr *frmr;		/* mr=1: an MR in the PD, moved along */
	u32 lkey1;			/* of the sends' second halves */
	struct ib_cq *cq;
	struct ib_qp *qp;
	struct vm_buf src[2], dst;	/* send halves, receive slots */
	u32 psn, seed;
	u32 sent, send_done, recvd;
	u32 bad_data, bad_wc, bad_order;
	atomic_t fatal;
	u32 arms;			/* CQ armed (before each move) */
	atomic_t comp_events;
};

static struct {
	struct mutex lock;
	struct vm_side a, b;
	u32 msg, window, total, moves, mr;
	struct ib_device *move_to[2];	/* DST, then SRC: the moves alternate */
	struct work_struct move_work;
	int move_ret[VM_MAX_MOVES];
	u32 moves_done;
	bool moving;			/* move_work runs */
	u32 posted_during;		/* A's sends posted while a move ran */
	u32 recv_posted_during;		/* and A's receives */
	char info[128];			/* this side's endpoint (two guests) */
	struct rdo_test_log log;
} vm;

static struct dentry *vm_dir;

#define vm_kv(...) rdo_test_kv(&vm.log, __VA_ARGS__)
#define vm_check(name, ok) rdo_test_check(&vm.log, name, ok)

/* Byte off of message seq from a side: differs per side, message, place. */
static u8 vm_pat(u32 seed, u32 seq, u32 off)
{
	u32 x = seed ^ (seq * 2654435761u) ^ (off * 40503u) ^ (off >> 9);

	return x ^ (x >> 13) ^ (x >> 24);
}

static void vm_event(struct ib_event *ev, void *ctx)
{
	struct vm_side *s = ctx;

	pr_info("rdo_vfmove_test: %s: event %s\n", s->name, ib_event_msg(ev->event));
	if (ev->event == IB_EVENT_QP_FATAL)
		atomic_inc(&s->fatal);
}

static void vm_comp(struct ib_cq *cq, void *ctx)
{
	struct vm_side *s = ctx;

	atomic_inc(&s->comp_events);
}

static int vm_buf_alloc(struct vm_side *s, struct vm_buf *b, size_t len)
{
	b->va = kmalloc(len, GFP_KERNEL);
	if (!b->va)
		return -ENOMEM;
	b->len = len;
	b->dma = ib_dma_map_single(s->dev, b->va, len, DMA_BIDIRECTIONAL);
	if (ib_dma_mapping_error(s->dev, b->dma)) {
		kfree(b->va);
		b->va = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void vm_buf_free(struct vm_side *s, struct vm_buf *b)
{
	if (!b->va)
		return;
	ib_dma_unmap_single(s->dev, b->dma, b->len, DMA_BIDIRECTIONAL);
	kfree(b->va);
	b->va = NULL;
}

static void vm_side_free(struct vm_side *s)
{
	unsigned int i;

	if (s->qp && ib_destroy_qp(s->qp))
		pr_err("rdo_vfmove_test: %s: destroy QP failed\n", s->name);
	s->qp = NULL;
	if (s->cq)
		ib_destroy_cq(s->cq);
	s->cq = NULL;
	for (i = 0; i < 2; i++)
		vm_buf_free(s, &s->src[i]);
	vm_buf_free(s, &s->dst);
	/* After moves, through the function serving them now. */
	if (s->frmr && ib_dereg_mr(s->frmr))
		pr_err("rdo_vfmove_test: %s: dereg MR failed\n", s->name);
	s->frmr = NULL;
	if (s->pd)
		ib_dealloc_pd(s->pd);
	s->pd = NULL;
	if (s->sgid)
		rdma_put_gid_attr(s->sgid);
	s->sgid = NULL;
	if (s->dev)
		ib_device_put(s->dev);
	s->dev = NULL;
}

static void vm_teardown(void)
{
	cancel_work_sync(&vm.move_work);
	vm_side_free(&vm.a);
	vm_side_free(&vm.b);
}

/* The port's first RoCEv2 GID holding an IPv4 address (held). */
static const struct ib_gid_attr *vm_ipv4_gid(struct ib_device *dev)
{
	const struct ib_gid_attr *a;
	struct ib_port_attr pa;
	u32 i;

	if (ib_query_port(dev, 1, &pa))
		return NULL;
	for (i = 0; i < pa.gid_tbl_len; i++) {
		a = rdma_get_gid_attr(dev, 1, i);
		if (IS_ERR(a))
			continue;
		if (a->gid_type == IB_GID_TYPE_ROCE_UDP_ENCAP &&
		    ipv6_addr_v4mapped((const struct in6_addr *)a->gid.raw))
			return a;
		rdma_put_gid_attr(a);
	}
	return NULL;
}

/* Send slot k's half h: where it lies in src[h] (odd offsets). */
static u64 vm_src_off(u32 k, u32 h)
{
	return 1 + 4 * h + (u64)k * (vm.msg / 2 + VM_PAD);
}

static u64 vm_dst_off(u32 k)
{
	return 3 + (u64)k * (vm.msg + VM_PAD);
}

static int vm_side_make(struct vm_side *s, const char *dev_name)
{
	struct ib_cq_init_attr ca = { .cqe = 2 * vm.window + 1 };
	struct ib_qp_init_attr qa = {
		.event_handler = vm_event, .qp_context = s,
		.cap = { .max_send_wr = vm.window, .max_recv_wr = vm.window,
			 .max_send_sge = 2, .max_recv_sge = 1 },
		.sq_sig_type = IB_SIGNAL_ALL_WR, .qp_type = IB_QPT_RC,
	};
	struct ib_qp_attr a = {
		.qp_state = IB_QPS_INIT, .port_num = 1,
		.qp_access_flags = IB_ACCESS_LOCAL_WRITE,
	};
	size_t half = (size_t)vm.window * (vm.msg / 2 + VM_PAD) + VM_PAD;
	int ret;

	s->dev = ib_device_get_by_name(dev_name, RDMA_DRIVER_UNKNOWN);
	if (!s->dev)
		return -ENODEV;
	/* The side that moves is the adapter's; the other may be any RoCE. */
	if (s == &vm.a && !rdo_ib_device_is_rdo(s->dev))
		return -EOPNOTSUPP;
	s->sgid = vm_ipv4_gid(s->dev);
	if (!s->sgid)
		return -ENOENT;
	/*
	 * A PD and CQ of its own: what moves with the QP. mr=1 (side a): the
	 * PD has MRs, which move along: the unsafe global rkey's, whose key
	 * the second half of each send names, and a fast-registration MR.
	 */
	s->pd = ib_alloc_pd(s->dev, s == &vm.a && vm.mr ? IB_PD_UNSAFE_GLOBAL_RKEY : 0);
	if (IS_ERR(s->pd))
		return PTR_ERR(xchg(&s->pd, NULL));
	s->lkey1 = s->pd->local_dma_lkey;
	if (s == &vm.a && vm.mr) {
		s->lkey1 = s->pd->unsafe_global_rkey;
		s->frmr = ib_alloc_mr(s->pd, IB_MR_TYPE_MEM_REG, 4);
		if (IS_ERR(s->frmr))
			return PTR_ERR(xchg(&s->frmr, NULL));
	}
	s->cq = ib_create_cq(s->dev, vm_comp, vm_event, s, &ca);
	if (IS_ERR(s->cq))
		return PTR_ERR(xchg(&s->cq, NULL));
	qa.send_cq = s->cq;
	qa.recv_cq = s->cq;
	s->qp = ib_create_qp(s->pd, &qa);
	if (IS_ERR(s->qp))
		return PTR_ERR(xchg(&s->qp, NULL));
	ret = vm_buf_alloc(s, &s->src[0], half);
	if (!ret)
		ret = vm_buf_alloc(s, &s->src[1], half);
	if (!ret)
		ret = vm_buf_alloc(s, &s->dst, (size_t)vm.window * (vm.msg + VM_PAD) + VM_PAD);
	if (!ret)
		ret = ib_modify_qp(s->qp, &a, IB_QP_STATE | IB_QP_PKEY_INDEX |
				   IB_QP_PORT | IB_QP_ACCESS_FLAGS);
	return ret;
}

/* s's QP to RTR and RTS, talking to QP qpn (first PSN psn) at dgid. */
static int vm_connect(struct vm_side *s, u32 qpn, u32 psn, union ib_gid dgid)
{
	struct ib_qp_attr a = {
		.qp_state = IB_QPS_RTR, .path_mtu = IB_MTU_1024,
		.dest_qp_num = qpn, .rq_psn = psn,
		.max_dest_rd_atomic = 1, .min_rnr_timer = 1,
	};
	struct rdma_ah_attr *ah = &a.ah_attr;
	struct ib_ah *res;
	int ret;

	ah->type = RDMA_AH_ATTR_TYPE_ROCE;
	rdma_ah_set_port_num(ah, 1);
	rdma_ah_set_grh(ah, &dgid, 0, s->sgid->index, 64, 0);
	/* ib_core resolves the peer's MAC (an AH for it), a kernel QP is told. */
	res = rdma_create_user_ah(s->pd, ah, NULL);
	if (IS_ERR(res))
		return PTR_ERR(res);
	rdma_destroy_ah(res, RDMA_DESTROY_AH_SLEEPABLE);
	ret = ib_modify_qp(s->qp, &a, IB_QP_STATE | IB_QP_AV | IB_QP_PATH_MTU |
			   IB_QP_DEST_QPN | IB_QP_RQ_PSN | IB_QP_MAX_DEST_RD_ATOMIC |
			   IB_QP_MIN_RNR_TIMER);
	if (ret)
		return ret;
	memset(&a, 0, sizeof(a));
	a.qp_state = IB_QPS_RTS;
	a.sq_psn = s->psn;
	a.timeout = 14;
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.max_rd_atomic = 1;
	return ib_modify_qp(s->qp, &a, IB_QP_STATE | IB_QP_SQ_PSN | IB_QP_TIMEOUT |
			    IB_QP_RETRY_CNT | IB_QP_RNR_RETRY | IB_QP_MAX_QP_RD_ATOMIC);
}

static int vm_post_recv(struct vm_side *s, u32 slot)
{
	struct ib_sge sge = {
		.addr = s->dst.dma + vm_dst_off(slot), .length = vm.msg,
		.lkey = s->pd->local_dma_lkey,
	};
	struct ib_recv_wr wr = { .wr_id = slot, .sg_list = &sge, .num_sge = 1 };
	const struct ib_recv_wr *bad;

	memset(s->dst.va + vm_dst_off(slot), 0, vm.msg);
	ib_dma_sync_single_for_device(s->dev, s->dst.dma + vm_dst_off(slot), vm.msg,
				      DMA_BIDIRECTIONAL);
	if (s == &vm.a && READ_ONCE(vm.moving))
		vm.recv_posted_during++;
	return ib_post_recv(s->qp, &wr, &bad);
}

/* Message s->sent into its slot, its two halves from the two buffers. */
static int vm_post_send(struct vm_side *s)
{
	u32 seq = s->sent, k = seq % vm.window, h, i, half = vm.msg / 2;
	struct ib_sge sge[2];
	struct ib_send_wr wr = {
		.wr_id = seq, .sg_list = sge, .num_sge = 2,
		.opcode = IB_WR_SEND, .send_flags = IB_SEND_SIGNALED,
	};
	const struct ib_send_wr *bad;
	int ret;

	for (h = 0; h < 2; h++) {
		u8 *p = s->src[h].va + vm_src_off(k, h);

		for (i = 0; i < half; i++)
			p[i] = vm_pat(s->seed, seq, h * half + i);
		sge[h].addr = s->src[h].dma + vm_src_off(k, h);
		sge[h].length = half;
		sge[h].lkey = h ? s->lkey1 : s->pd->local_dma_lkey;
		ib_dma_sync_single_for_device(s->dev, sge[h].addr, half, DMA_TO_DEVICE);
	}
	ret = ib_post_send(s->qp, &wr, &bad);
	if (!ret) {
		s->sent++;
		if (s == &vm.a && READ_ONCE(vm.moving))
			vm.posted_during++;
	}
	return ret;
}

/* A receive: in order, the sender's message seq, bit-exact. */
static void vm_check_recv(struct vm_side *s, struct vm_side *from,
			  const struct ib_wc *wc)
{
	u32 slot = wc->wr_id, seq = s->recvd, i;
	u8 *p = s->dst.va + vm_dst_off(slot);

	if (slot != seq % vm.window) {
		s->bad_order++;
		return;
	}
	ib_dma_sync_single_for_cpu(s->dev, s->dst.dma + vm_dst_off(slot), vm.msg,
				   DMA_BIDIRECTIONAL);
	if (wc->byte_len != vm.msg) {
		s->bad_data++;
	} else {
		for (i = 0; i < vm.msg; i++) {
			if (p[i] != vm_pat(from->seed, seq, i)) {
				if (!s->bad_data++)
					pr_err("rdo_vfmove_test: %s: message %u byte %u: 0x%02x, not 0x%02x\n",
					       s->name, seq, i, p[i], vm_pat(from->seed, seq, i));
				break;
			}
		}
	}
	s->recvd++;
}

/* Poll s's CQ; returns the completions taken. */
static int vm_poll(struct vm_side *s, struct vm_side *from)
{
	struct ib_wc wc[16];
	int n, i, ret;

	n = ib_poll_cq(s->cq, ARRAY_SIZE(wc), wc);
	for (i = 0; i < n; i++) {
		if (wc[i].status != IB_WC_SUCCESS) {
			if (!s->bad_wc++)
				pr_err("rdo_vfmove_test: %s: completion %s (wr_id %llu)\n",
				       s->name, ib_wc_status_msg(wc[i].status), wc[i].wr_id);
			continue;
		}
		if (wc[i].opcode & IB_WC_RECV) {
			u32 slot = wc[i].wr_id;

			vm_check_recv(s, from, &wc[i]);
			/* The slot again, for a message a window later. */
			if (s->recvd + vm.window - 1 < vm.total) {
				ret = vm_post_recv(s, slot);
				if (ret)
					s->bad_wc++;
			}
		} else if (wc[i].wr_id != s->send_done++) {
			s->bad_order++;
		}
	}
	return max(n, 0);
}

/*
 * The driver's rdo_ib_move_qp, looked up for each move (as rdo_ssq_test
 * does): the module builds without the driver's symbol table and does not
 * pin the driver.
 */
static int vm_move_qp(struct ib_qp *qp, struct ib_device *dst)
{
	int (*move)(struct ib_qp *qp, struct ib_device *dst) = symbol_get(rdo_ib_move_qp);
	int ret;

	if (!move)
		return -ENOENT;
	ret = move(qp, dst);
	symbol_put(rdo_ib_move_qp);
	return ret;
}

static void vm_move_fn(struct work_struct *w)
{
	u32 i = vm.moves_done;

	/*
	 * Armed just before: its one event may come before the move, wait in
	 * the source's EQ through it (the driver must deliver it then), or
	 * come from the destination; never twice, never not at all.
	 */
	if (!ib_req_notify_cq(vm.a.cq, IB_CQ_NEXT_COMP))
		vm.a.arms++;
	vm.move_ret[i] = vm_move_qp(vm.a.qp, vm.move_to[i % 2]);
	WRITE_ONCE(vm.moves_done, i + 1);
	WRITE_ONCE(vm.moving, false);
}

/* The local sides' streams to the end, with the moves at their points of A's. */
static int vm_stream(void)
{
	unsigned long end = jiffies + msecs_to_jiffies(VM_WAIT_MS);
	struct vm_side *sides[2] = { &vm.a, &vm.b };
	u32 next_move = 0, i;
	int n, ret;

	for (;;) {
		bool more = false;

		for (i = 0; i < 2; i++)
			more |= sides[i]->local && (sides[i]->recvd < vm.total ||
						    sides[i]->send_done < vm.total);
		if (!more)
			break;
		if (time_after(jiffies, end) || vm.a.bad_wc || vm.b.bad_wc) {
			vm_kv("error=stream stopped: a sent %u done %u recvd %u, b sent %u done %u recvd %u",
			      vm.a.sent, vm.a.send_done, vm.a.recvd,
			      vm.b.sent, vm.b.send_done, vm.b.recvd);
			flush_work(&vm.move_work);
			return -ETIMEDOUT;
		}
		if (next_move < vm.moves && !READ_ONCE(vm.moving) &&
		    vm.a.sent >= (u64)vm.total * (next_move + 1) / (vm.moves + 1)) {
			WRITE_ONCE(vm.moving, true);
			next_move++;
			queue_work(system_unbound_wq, &vm.move_work);
		}
		n = 0;
		for (i = 0; i < 2; i++) {
			struct vm_side *s = sides[i];

			while (s->local && s->sent < vm.total &&
			       s->sent - s->send_done < vm.window) {
				ret = vm_post_send(s);
				if (ret) {
					vm_kv("error=%s: post_send %d", s->name, ret);
					flush_work(&vm.move_work);
					return ret;
				}
				n++;
			}
			if (s->local)
				n += vm_poll(s, sides[!i]);
		}
		if (!n)
			usleep_range(20, 100);
		else
			cond_resched();
	}
	flush_work(&vm.move_work);
	return 0;
}

static void vm_defaults(u32 moves)
{
	vm.msg = 8192;
	vm.window = 32;
	vm.moves = moves;
	vm.mr = 0;
}

/* Options of run, open and stream; unknown ones are -EINVAL. */
static int vm_options(char *args, u32 *mib, u32 *keep, char **to)
{
	char *kv;
	int ret = 0;

	while (args && (kv = strsep(&args, " ")) != NULL) {
		if (!strncmp(kv, "mib=", 4))
			ret = kstrtou32(kv + 4, 0, mib);
		else if (!strncmp(kv, "msg=", 4))
			ret = kstrtou32(kv + 4, 0, &vm.msg);
		else if (!strncmp(kv, "window=", 7))
			ret = kstrtou32(kv + 7, 0, &vm.window);
		else if (!strncmp(kv, "moves=", 6))
			ret = kstrtou32(kv + 6, 0, &vm.moves);
		else if (!strncmp(kv, "keep=", 5))
			ret = kstrtou32(kv + 5, 0, keep);
		else if (!strncmp(kv, "mr=", 3))
			ret = kstrtou32(kv + 3, 0, &vm.mr);
		else if (!strncmp(kv, "to=", 3) && to)
			*to = kv + 3;
		else if (*kv)
			ret = -EINVAL;
		if (ret)
			return ret;
	}
	if (!*mib || *mib > 256 || vm.msg < 16 || vm.msg % 8 || vm.msg > SZ_64K ||
	    !vm.window || vm.window > VM_MAX_WINDOW || vm.moves > VM_MAX_MOVES)
		return -EINVAL;
	return 0;
}

/* Everything of the last run gone; the sides named, seeded, not made. */
static void vm_reset(u32 mib)
{
	vm_teardown();
	memset(&vm.a, 0, sizeof(vm.a));
	memset(&vm.b, 0, sizeof(vm.b));
	vm.a.name = "a";
	vm.b.name = "b";
	vm.a.psn = 0x1234;
	vm.b.psn = 0xabcde;
	vm.a.seed = 0x5eed0a;
	vm.b.seed = 0x5eed0b;
	vm.total = (u32)((u64)mib * SZ_1M / vm.msg);
	vm.moves_done = 0;
	vm.posted_during = 0;
	vm.recv_posted_during = 0;
	vm.moving = false;
	vm.info[0] = 0;
}

/* s's first window of receives. */
static int vm_post_recvs(struct vm_side *s)
{
	u32 i;
	int ret = 0;

	for (i = 0; !ret && i < vm.window && i < vm.total; i++)
		ret = vm_post_recv(s, i);
	return ret;
}

/* The stream (moving A's QP to move_to[0] and back, moves times), checked. */
static int vm_stream_checked(void)
{
	struct ib_qp_init_attr qi;
	struct ib_qp_attr qa;
	int ret;
	u32 i;

	ret = vm_stream();
	for (i = 0; i < vm.moves_done; i++)
		vm_kv("move%u=%d", i, vm.move_ret[i]);
	vm_kv("posted_during_moves=%u", vm.posted_during);
	vm_kv("recv_posted_during_moves=%u", vm.recv_posted_during);
	vm_kv("a.recvd=%u b.recvd=%u", vm.a.recvd, vm.b.recvd);
	vm_check("stream_ended", !ret);
	vm_check("moves", vm.moves_done == vm.moves);
	for (i = 0; i < vm.moves_done; i++)
		vm_check("move_ok", !vm.move_ret[i]);
	if (vm.b.local)
		vm_check("a_to_b_bit_exact", vm.b.recvd == vm.total && !vm.b.bad_data);
	if (vm.a.local)
		vm_check("b_to_a_bit_exact", vm.a.recvd == vm.total && !vm.a.bad_data);
	vm_check("completions_in_order", !vm.a.bad_order && !vm.b.bad_order);
	vm_check("no_error_completions", !vm.a.bad_wc && !vm.b.bad_wc);
	if (vm.b.local) {
		ret = ib_query_qp(vm.b.qp, &qa, IB_QP_STATE, &qi);
		vm_check("peer_qp_rts", !ret && qa.qp_state == IB_QPS_RTS);
	}
	if (vm.a.local) {
		/* A query of the moved QP goes to the function now serving it. */
		ret = ib_query_qp(vm.a.qp, &qa, IB_QP_STATE, &qi);
		vm_check("moved_qp_rts", !ret && qa.qp_state == IB_QPS_RTS);
	}
	vm_check("no_fatal_events", !atomic_read(&vm.a.fatal) && !atomic_read(&vm.b.fatal));
	if (vm.a.local) {
		/* The last arm's event may still be on its way (hang guard). */
		for (i = 0; i < 1000 && atomic_read(&vm.a.comp_events) < vm.a.arms; i++)
			msleep(1);
		vm_kv("arms=%u", vm.a.arms);
		vm_kv("comp_events=%d", atomic_read(&vm.a.comp_events));
		vm_check("one_event_per_arm", atomic_read(&vm.a.comp_events) == vm.a.arms);
	}
	return 0;
}

/* run SRC DST PEER ...: both ends here. */
static int vm_run(char *args)
{
	char *src = strsep(&args, " "), *dst = strsep(&args, " ");
	char *peer = strsep(&args, " ");
	u32 mib = 16, keep = 0;
	int ret;

	vm_defaults(1);
	ret = vm_options(args, &mib, &keep, NULL);
	if (ret || !src || !dst || !peer)
		return -EINVAL;
	vm_reset(mib);
	vm.a.local = true;
	vm.b.local = true;

	ret = vm_side_make(&vm.a, src);
	if (!ret)
		ret = vm_side_make(&vm.b, peer);
	if (ret) {
		vm_kv("error=setup: %d", ret);
		goto out;
	}
	vm.move_to[0] = ib_device_get_by_name(dst, RDMA_DRIVER_UNKNOWN);
	vm.move_to[1] = vm.a.dev;
	if (!vm.move_to[0]) {
		ret = -ENODEV;
		goto out;
	}
	ret = vm_connect(&vm.a, vm.b.qp->qp_num, vm.b.psn, vm.b.sgid->gid);
	if (!ret)
		ret = vm_connect(&vm.b, vm.a.qp->qp_num, vm.a.psn, vm.a.sgid->gid);
	if (!ret)
		ret = vm_post_recvs(&vm.a);
	if (!ret)
		ret = vm_post_recvs(&vm.b);
	if (ret) {
		vm_kv("error=connect: %d", ret);
		goto out_dst;
	}
	vm_kv("qpn=%u messages=%u msg=%u moves=%u", vm.a.qp->qp_num, vm.total,
	      vm.msg, vm.moves);
	ret = vm_stream_checked();
out_dst:
	ib_device_put(vm.move_to[0]);
	vm.move_to[0] = NULL;
out:
	/* keep: A stays (on its last function) for "lost"; B goes. */
	if (ret || !keep)
		vm_teardown();
	else
		vm_side_free(&vm.b);
	return ret;
}

/*
 * open a|b DEV ...: this guest's end of a connection to another guest
 * (side a: the one that moves). Its endpoint goes to info.
 */
static int vm_open(char *args)
{
	char *role = strsep(&args, " "), *dev = strsep(&args, " ");
	struct vm_side *s;
	u32 mib = 16, keep = 0;
	int ret;

	vm_defaults(0);
	ret = vm_options(args, &mib, &keep, NULL);
	if (ret || !role || !dev || (strcmp(role, "a") && strcmp(role, "b")))
		return -EINVAL;
	vm_reset(mib);
	s = *role == 'a' ? &vm.a : &vm.b;
	s->local = true;
	ret = vm_side_make(s, dev);
	if (ret) {
		vm_kv("error=setup: %d", ret);
		vm_teardown();
		return ret;
	}
	snprintf(vm.info, sizeof(vm.info), "%u %u %16phN", s->qp->qp_num, s->psn,
		 s->sgid->gid.raw);
	vm_kv("qpn=%u messages=%u msg=%u", s->qp->qp_num, vm.total, vm.msg);
	return 0;
}

/* connect QPN PSN GID: the opened side to the other guest's (its info). */
static int vm_connect_remote(char *args)
{
	struct vm_side *s = vm.a.local ? &vm.a : &vm.b;
	char *qpn = strsep(&args, " "), *psn = strsep(&args, " ");
	char *gid = strsep(&args, " ");
	union ib_gid dgid;
	u32 q, p;
	int ret;

	if (!s->qp || !qpn || !psn || !gid || strlen(gid) != 32 ||
	    kstrtou32(qpn, 0, &q) || kstrtou32(psn, 0, &p) ||
	    hex2bin(dgid.raw, gid, 16))
		return -EINVAL;
	ret = vm_connect(s, q, p, dgid);
	if (!ret)
		ret = vm_post_recvs(s);
	if (ret)
		vm_kv("error=connect: %d", ret);
	return ret;
}

/* stream [to=DST] [moves=K]: the opened side's stream; side a moves. */
static int vm_stream_remote(char *args)
{
	u32 mib = vm.total * vm.msg / SZ_1M, keep = 0;
	char *to = NULL;
	int ret;

	ret = vm_options(args, &mib, &keep, &to);
	if (ret || (!vm.a.qp && !vm.b.qp) || (vm.moves && (!to || !vm.a.local)))
		return -EINVAL;
	if (to) {
		vm.move_to[0] = ib_device_get_by_name(to, RDMA_DRIVER_UNKNOWN);
		if (!vm.move_to[0])
			return -ENODEV;
		vm.move_to[1] = vm.a.dev;
	}
	vm_kv("moves=%u", vm.moves);
	ret = vm_stream_checked();
	if (vm.move_to[0])
		ib_device_put(vm.move_to[0]);
	vm.move_to[0] = NULL;
	return ret;
}

/* Kept A after its serving function went: lost, and still destroyable. */
static int vm_lost(void)
{
	struct ib_send_wr wr = { .opcode = IB_WR_SEND };
	const struct ib_send_wr *bad;
	struct ib_qp_attr qa;
	struct ib_qp_init_attr qi;
	int ret;

	if (!vm.a.qp)
		return -EINVAL;
	vm_check("fatal_event", atomic_read(&vm.a.fatal) == 1);
	ret = ib_post_send(vm.a.qp, &wr, &bad);
	vm_kv("post_send=%d", ret);
	vm_check("post_refused", ret == -EIO);
	ret = ib_query_qp(vm.a.qp, &qa, IB_QP_STATE, &qi);
	vm_check("query_refused", ret == -EIO);
	vm_side_free(&vm.a);
	return 0;
}

static ssize_t vm_ctl_write(struct file *f, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	char *buf, *args, *cmd;
	int ret;

	if (count > 256)
		return -EINVAL;
	buf = memdup_user_nul(ubuf, count);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	args = strim(buf);
	cmd = strsep(&args, " ");
	mutex_lock(&vm.lock);
	rdo_test_log_begin(&vm.log, cmd);
	if (!strcmp(cmd, "run"))
		ret = vm_run(args);
	else if (!strcmp(cmd, "open"))
		ret = vm_open(args);
	else if (!strcmp(cmd, "connect"))
		ret = vm_connect_remote(args);
	else if (!strcmp(cmd, "stream"))
		ret = vm_stream_remote(args);
	else if (!strcmp(cmd, "lost"))
		ret = vm_lost();
	else if (!strcmp(cmd, "teardown"))
		ret = (vm_teardown(), 0);
	else
		ret = -EINVAL;
	ret = rdo_test_log_end(&vm.log, ret);
	mutex_unlock(&vm.lock);
	kfree(buf);
	return ret ? ret : count;
}

static const struct file_operations vm_ctl_fops = {
	.owner = THIS_MODULE,
	.write = vm_ctl_write,
};

static int vm_result_show(struct seq_file *m, void *v)
{
	mutex_lock(&vm.lock);
	seq_puts(m, vm.log.buf);
	mutex_unlock(&vm.lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vm_result);

static int vm_info_show(struct seq_file *m, void *v)
{
	mutex_lock(&vm.lock);
	seq_printf(m, "%s\n", vm.info);
	mutex_unlock(&vm.lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vm_info);

static int __init vm_init(void)
{
	mutex_init(&vm.lock);
	INIT_WORK(&vm.move_work, vm_move_fn);
	if (rdo_test_log_init(&vm.log, VM_LOG_SIZE))
		return -ENOMEM;
	vm_dir = debugfs_create_dir("rdo_vfmove_test", NULL);
	debugfs_create_file("ctl", 0200, vm_dir, NULL, &vm_ctl_fops);
	debugfs_create_file("result", 0400, vm_dir, NULL, &vm_result_fops);
	debugfs_create_file("info", 0400, vm_dir, NULL, &vm_info_fops);
	return 0;
}

static void __exit vm_exit(void)
{
	debugfs_remove_recursive(vm_dir);
	mutex_lock(&vm.lock);
	vm_teardown();
	mutex_unlock(&vm.lock);
	rdo_test_log_free(&vm.log);
}

module_init(vm_init);
module_exit(vm_exit);
MODULE_DESCRIPTION("rdma-offload: a connection moved between functions mid-stream");
MODULE_LICENSE("GPL");
