// SPDX-License-Identifier: GPL-2.0
/*
 * rdo_peer_test: kernel-verbs traffic between two machines over RoCEv2 RC,
 * for any RoCE ib_device (the adapter's rdo0, or Linux soft-RoCE's rxe0),
 * so that either side can check the other. Driven through
 * /sys/kernel/debug/rdo_peer_test/:
 *
 *   ctl     one command per write; the write fails when the command does
 *   info    this side's endpoint: one line for the other side's "connect"
 *   result  what the latest command found: key=value lines, check.NAME=
 *           ok|FAIL, failures=N, result=pass|fail
 *
 * Commands:
 *   setup DEV [size=BYTES] [psn=N] [timeout=N] [mtu=BYTES] [vector=N]
 *       a PD with the unsafe global rkey (a kernel consumer's only way to
 *       expose memory on a device without fast registration), a second
 *       DMA MR that also allows remote atomics (the global rkey does not),
 *       a CQ (on completion vector N, default 0), an RC QP in INIT, a
 *       UD QP in RTS, buffers of size bytes (the RDMA READ source filled
 *       with a pattern); the source GID is the
 *       port's RoCEv2 IPv4 GID; and, as NVMe-oF and NFS/RDMA do it, a
 *       fast-registration MR (ib_alloc_mr) mapped with ib_map_mr_sg over
 *       PT_FR_PAGES separate pages out of order, starting PT_FR_OFF bytes
 *       into the first, with a fresh key: its rkey, iova and length are in
 *       the info line (frkey, fiova, flen)
 *   connect INFO
 *       the peer's MAC resolved by ib_core from its GID (route and
 *       neighbour tables, as for a user AH) into an AH for UD, path MTU the
 *       smaller of both ports', RC QP to RTR and RTS; IB_WR_REG_MR of the
 *       fast-registration MR (remote READ and WRITE) on it, IB_WC_REG_MR
 *       awaited (a send queue takes work only in RTS); receives posted
 *   run client|server
 *       client: SEND size bytes; RDMA WRITE size bytes, then a zero-length
 *       WRITE_WITH_IMM saying it is there; RDMA READ size bytes, checked;
 *       a compare-and-swap and a fetch-and-add on the READ source, their
 *       returned values and the result (read back) checked; an RDMA WRITE
 *       of a pattern into the peer's fast-registered MR and an RDMA READ
 *       of it back, checked; a UD
 *       SEND_WITH_IMM; an inline SEND_WITH_IMM "done"; then waits for
 *       the server's verdict. server: checks what arrives (data, opcodes,
 *       immediates, order, the bytes the client wrote into its scattered
 *       fast-registered pages and none beside them, the UD datagram's GRH
 *       and source QP) and answers
 *       with a SEND_WITH_IMM carrying its verdict.
 *   badrkey       (client) a WRITE with a wrong rkey: REM_ACCESS_ERR, the
 *                 QP in ERR, work posted after it flushed
 *   expect_error  (server) the peer's bad rkey put this QP in ERR too: its
 *                 receives are flushed
 *   fire          post a WRITE and do not wait (tear-down tests)
 *   stream MS     (client) for at least MS milliseconds: an RDMA WRITE of
 *                 size bytes of a new pattern into the peer's buffer and,
 *                 posted behind it, an RDMA READ of it back, checked byte
 *                 by byte (traffic that a live migration catches in
 *                 flight, tests/guest/migrate.sh); the peer does nothing.
 *                 Reports iterations, bytes, time, and the QP still in RTS
 *   teardown
 * The device going away (driver unloaded, recovery) tears everything down.
 */
#include <linux/debugfs.h>
#include <linux/etherdevice.h>
#include <linux/inet.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <net/ipv6.h>
#include <rdma/ib_cache.h>
#include <rdma/ib_verbs.h>

#include "rdo-test-log.h"

#define PT_CTRL_SLOT	4096
#define PT_CTRL_SLOTS	16
#define PT_WAIT		(30 * HZ)	/* hang guard, not a pass/fail bound */
/*
 * The server's wait for the client's UD datagram: it left the client
 * before "done", which has arrived, so it is here or lost (UD is
 * unreliable; tests/guest/soak.sh drops frames). Well under PT_WAIT, so
 * that the client, waiting for the verdict sent after it, hears that it
 * was lost instead of timing out too.
 */
#define PT_UD_WAIT	(10 * HZ)
#define PT_LOG_SIZE	4096
#define PT_STASH	64
#define PT_IMM_WRITE	0x5a1e0100
#define PT_IMM_DONE	0x5a1e0200
#define PT_IMM_BYE	0x5a1e0300	/* | the server's verdict */
#define PT_IMM_UD	0x5a1e0400
#define PT_VERDICT_ALL	15
#define PT_QKEY		0x1ee7c0de
#define PT_UD_LEN	1000		/* fits a 1024-byte path MTU */
#define PT_GRH		40		/* for IPv4: 20 zero bytes, the IP header */
#define PT_DONE_LEN	32
#define PT_DONE_TEXT	"rdo_peer_test done"
#define PT_SWAP		0x1122334455667788ull	/* compare-and-swap's new value */
#define PT_ADD		0x5a5a0001ull		/* fetch-and-add's addend */
/* The fast-registered MR: a partial page, full ones, a partial one. */
#define PT_FR_PAGES	4
#define PT_FR_OFF	0x123			/* into the first page */
#define PT_FR_TAIL	0x456			/* bytes of the last page */
#define PT_FR_LEN	((PT_FR_PAGES - 1) * PAGE_SIZE - PT_FR_OFF + PT_FR_TAIL)
#define PT_FR_SEED	5

/* wr_id: kind in the top byte; receives: region << 32 | offset. */
#define PT_WR_RECV	(1ull << 56)
#define PT_WR_SEND	(2ull << 56)
#define PT_WR_UD_RECV	(3ull << 56)
#define PT_WR_KIND	(0xffull << 56)
#define PT_POST_UD	(1 << 30)	/* pt_post: on the UD QP, to the peer's */

enum { R_SRC, R_RECV, R_WRITE, R_READ, R_LAND, R_CTRL, R_UD, R__COUNT };

struct pt_region {
	void *va;
	u64 dma;
	size_t len;
};

struct pt_peer {
	union ib_gid gid;
	u32 qpn, psn, rkey, arkey, size, mtu, uqpn, frkey, flen;
	u64 waddr, raddr, fiova;
};

static struct pt {
	struct mutex lock;		/* everything below but dying */
	struct ib_device *dev;		/* referenced while set up */
	struct ib_device *dying;	/* being removed: waits give up */
	const struct ib_gid_attr *sgid;
	struct ib_pd *pd;
	struct ib_mr *atomic_mr;	/* DMA MR with remote atomic access */
	struct ib_mr *fr_mr;		/* fast-registration MR over fr_sg */
	struct page *fr_pages[PT_FR_PAGES];
	struct scatterlist fr_sg[PT_FR_PAGES];
	bool fr_mapped;			/* fr_sg DMA-mapped */
	struct ib_cq *cq;
	struct ib_qp *qp;
	struct ib_qp *ud;
	struct ib_ah *ah;		/* the peer, for UD */
	struct pt_region r[R__COUNT];
	u32 size, psn, timeout;
	enum ib_mtu mtu;
	struct pt_peer peer;
	bool connected;
	u64 seq;
	struct ib_wc stash[PT_STASH];	/* polled, not yet claimed */
	int nstash;
	wait_queue_head_t wq;
	atomic_t cq_events;
	atomic_t qp_errors;
	char info[400];
	struct rdo_test_log log;
} pt;

static struct dentry *pt_dir;

#define pt_kv(...) rdo_test_kv(&pt.log, __VA_ARGS__)
#define pt_check(name, ok) rdo_test_check(&pt.log, name, ok)

static void pt_comp(struct ib_cq *cq, void *ctx)
{
	atomic_inc(&pt.cq_events);
	wake_up(&pt.wq);
}

static void pt_cq_event(struct ib_event *ev, void *ctx)
{
	pr_warn("rdo_peer_test: CQ event %s\n", ib_event_msg(ev->event));
}

static void pt_qp_event(struct ib_event *ev, void *ctx)
{
	if (ev->event == IB_EVENT_QP_FATAL || ev->event == IB_EVENT_QP_REQ_ERR ||
	    ev->event == IB_EVENT_QP_ACCESS_ERR)
		atomic_inc(&pt.qp_errors);
}

/* Byte i of pattern `seed`: every position differs from its neighbours. */
static u8 pt_pat(u32 i, u32 seed)
{
	return (i * 2654435761u + seed * 0x9e3779b9u) >> 24;
}

static void pt_fill(struct pt_region *r, u32 len, u32 seed)
{
	u8 *p = r->va;
	u32 i;

	for (i = 0; i < len; i++)
		p[i] = pt_pat(i, seed);
	ib_dma_sync_single_for_device(pt.dev, r->dma, r->len, DMA_BIDIRECTIONAL);
}

/* -1 when len bytes at off hold the pattern, else the first bad index. */
static long pt_verify(struct pt_region *r, u32 off, u32 len, u32 seed)
{
	const u8 *p = r->va + off;
	u32 i;

	ib_dma_sync_single_for_cpu(pt.dev, r->dma, r->len, DMA_BIDIRECTIONAL);
	for (i = 0; i < len; i++) {
		if (p[i] != pt_pat(i, seed))
			return i;
	}
	return -1;
}

static void pt_teardown(void)
{
	int i;

	if (pt.ah)
		rdma_destroy_ah(pt.ah, RDMA_DESTROY_AH_SLEEPABLE);
	if (pt.ud)
		ib_destroy_qp(pt.ud);
	if (pt.qp)
		ib_destroy_qp(pt.qp);
	if (pt.cq)
		ib_destroy_cq(pt.cq);
	if (pt.fr_mr)
		ib_dereg_mr(pt.fr_mr);
	if (pt.fr_mapped)
		ib_dma_unmap_sg(pt.dev, pt.fr_sg, PT_FR_PAGES, DMA_BIDIRECTIONAL);
	for (i = 0; i < PT_FR_PAGES; i++) {
		if (pt.fr_pages[i])
			__free_page(pt.fr_pages[i]);
		pt.fr_pages[i] = NULL;
	}
	pt.fr_mr = NULL;
	pt.fr_mapped = false;
	for (i = 0; i < R__COUNT; i++) {
		struct pt_region *r = &pt.r[i];

		if (r->dma)
			ib_dma_unmap_single(pt.dev, r->dma, r->len, DMA_BIDIRECTIONAL);
		if (r->va)
			free_pages_exact(r->va, r->len);
	}
	if (pt.atomic_mr)
		pt.dev->ops.dereg_mr(pt.atomic_mr, NULL);
	if (pt.pd)
		ib_dealloc_pd(pt.pd);
	if (pt.sgid)
		rdma_put_gid_attr(pt.sgid);
	if (pt.dev)
		ib_device_put(pt.dev);
	pt.ah = NULL;
	pt.ud = NULL;
	pt.qp = NULL;
	pt.cq = NULL;
	pt.pd = NULL;
	pt.atomic_mr = NULL;
	pt.sgid = NULL;
	pt.dev = NULL;
	memset(pt.r, 0, sizeof(pt.r));
	pt.connected = false;
	pt.nstash = 0;
	pt.info[0] = 0;
}

/*
 * A DMA MR that allows remote atomics too, made the way ib_alloc_pd makes
 * the unsafe global one (whose access is READ and WRITE only).
 */
static int pt_atomic_mr(void)
{
	struct ib_mr *mr;

	if (!pt.dev->ops.get_dma_mr)
		return -EOPNOTSUPP;
	mr = pt.dev->ops.get_dma_mr(pt.pd, IB_ACCESS_LOCAL_WRITE |
				    IB_ACCESS_REMOTE_READ | IB_ACCESS_REMOTE_WRITE |
				    IB_ACCESS_REMOTE_ATOMIC);
	if (IS_ERR(mr))
		return PTR_ERR(mr);
	mr->device = pt.dev;
	mr->pd = pt.pd;
	mr->type = IB_MR_TYPE_DMA;
	mr->uobject = NULL;
	pt.atomic_mr = mr;
	return 0;
}

/*
 * The fast-registration MR: PT_FR_PAGES pages, each allocated on its own
 * and listed out of order (so that neither their memory nor their DMA
 * addresses run on), the first from PT_FR_OFF, the last PT_FR_TAIL bytes
 * long; mapped with ib_map_mr_sg and given a fresh key. IB_WR_REG_MR comes
 * at connect, when the QP takes work.
 */
static int pt_fr_setup(void)
{
	static const int order[PT_FR_PAGES] = { 2, 0, 3, 1 };
	struct ib_mr *mr;
	int i, n;

	mr = ib_alloc_mr(pt.pd, IB_MR_TYPE_MEM_REG, PT_FR_PAGES);
	if (IS_ERR(mr)) {
		pt_kv("error=ib_alloc_mr: %ld", PTR_ERR(mr));
		return PTR_ERR(mr);
	}
	pt.fr_mr = mr;
	for (i = 0; i < PT_FR_PAGES; i++) {
		pt.fr_pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!pt.fr_pages[i])
			return -ENOMEM;
	}
	sg_init_table(pt.fr_sg, PT_FR_PAGES);
	sg_set_page(&pt.fr_sg[0], pt.fr_pages[order[0]], PAGE_SIZE - PT_FR_OFF, PT_FR_OFF);
	for (i = 1; i < PT_FR_PAGES - 1; i++)
		sg_set_page(&pt.fr_sg[i], pt.fr_pages[order[i]], PAGE_SIZE, 0);
	sg_set_page(&pt.fr_sg[i], pt.fr_pages[order[i]], PT_FR_TAIL, 0);
	n = ib_dma_map_sg(pt.dev, pt.fr_sg, PT_FR_PAGES, DMA_BIDIRECTIONAL);
	if (n <= 0)
		return -ENOMEM;
	pt.fr_mapped = true;
	if (ib_map_mr_sg(mr, pt.fr_sg, n, NULL, PAGE_SIZE) != n || mr->length != PT_FR_LEN) {
		pt_kv("error=ib_map_mr_sg of %d entries, length %llu", n, mr->length);
		return -EINVAL;
	}
	ib_update_fast_reg_key(mr, ib_inc_rkey(mr->rkey));
	return 0;
}

/*
 * The owner's view of its fast-registered pages: PT_FR_LEN bytes of
 * pattern PT_FR_SEED across the scattered pages, zeros beside them.
 */
static void pt_fr_owner_check(void)
{
	struct scatterlist *s;
	long bad = -1, outside = -1;
	u32 k = 0, j;
	const u8 *p;
	int i;

	if (!ib_uses_virt_dma(pt.dev))
		dma_sync_sg_for_cpu(pt.dev->dma_device, pt.fr_sg, PT_FR_PAGES,
				    DMA_BIDIRECTIONAL);
	for_each_sg(pt.fr_sg, s, PT_FR_PAGES, i) {
		p = page_address(sg_page(s));
		for (j = 0; j < PAGE_SIZE; j++) {
			if (j < s->offset || j >= s->offset + s->length) {
				if (p[j] && outside < 0)
					outside = i * PAGE_SIZE + j;
			} else if (p[j] != pt_pat(k++, PT_FR_SEED) && bad < 0) {
				bad = k - 1;
			}
		}
	}
	if (!ib_uses_virt_dma(pt.dev))
		dma_sync_sg_for_device(pt.dev->dma_device, pt.fr_sg, PT_FR_PAGES,
				       DMA_BIDIRECTIONAL);
	if (bad >= 0)
		pt_kv("frwr_owner_data.first_bad=%ld", bad);
	if (outside >= 0)
		pt_kv("frwr_owner_data.written_outside=%ld", outside);
	pt_check("frwr_owner_data", k == PT_FR_LEN && bad < 0 && outside < 0);
}

/* The port's first RoCEv2 GID holding an IPv4 address (held). */
static const struct ib_gid_attr *pt_find_sgid(struct ib_device *dev, int len)
{
	const struct ib_gid_attr *a;
	int i;

	for (i = 0; i < len; i++) {
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

static int pt_post_recv(struct ib_qp *qp, int region, u32 off, u32 len)
{
	struct pt_region *r = &pt.r[region];
	struct ib_sge sge = { .addr = r->dma + off, .length = len,
			      .lkey = pt.pd->local_dma_lkey };
	struct ib_recv_wr wr = { .sg_list = &sge, .num_sge = 1 };
	const struct ib_recv_wr *bad;

	wr.wr_id = (qp == pt.ud ? PT_WR_UD_RECV : PT_WR_RECV) | (u64)region << 32 | off;
	return ib_post_recv(qp, &wr, &bad);
}

/* One signaled send-queue work request; *id is its wr_id. */
static int pt_post(enum ib_wr_opcode op, int region, u32 len, int flags,
		   u64 raddr, u32 rkey, u32 imm, u64 *id)
{
	struct pt_region *r = &pt.r[region];
	struct ib_sge sge = { .addr = r->dma, .length = len,
			      .lkey = pt.pd->local_dma_lkey };
	struct ib_rdma_wr wr = {};
	const struct ib_send_wr *bad;
	struct ib_ud_wr ud = {};

	if (flags & IB_SEND_INLINE)
		sge.addr = (uintptr_t)r->va;	/* inline data is copied by the CPU */
	wr.wr.wr_id = *id = PT_WR_SEND | ++pt.seq;
	wr.wr.opcode = op;
	wr.wr.send_flags = IB_SEND_SIGNALED | flags;
	wr.wr.sg_list = len ? &sge : NULL;
	wr.wr.num_sge = len ? 1 : 0;
	wr.wr.ex.imm_data = cpu_to_be32(imm);
	wr.remote_addr = raddr;
	wr.rkey = rkey;
	if (!(flags & PT_POST_UD))
		return ib_post_send(pt.qp, &wr.wr, &bad);
	ud.wr = wr.wr;
	ud.wr.send_flags &= ~PT_POST_UD;
	ud.ah = pt.ah;
	ud.remote_qpn = pt.peer.uqpn;
	ud.remote_qkey = PT_QKEY;
	return ib_post_send(pt.ud, &ud.wr, &bad);
}

/* A signaled atomic on the peer's READ source; the value before lands in
 * the first 8 bytes of R_LAND. */
static int pt_atomic(enum ib_wr_opcode op, u64 compare_add, u64 swap, u64 *id)
{
	struct ib_sge sge = { .addr = pt.r[R_LAND].dma, .length = 8,
			      .lkey = pt.pd->local_dma_lkey };
	struct ib_atomic_wr wr = {};
	const struct ib_send_wr *bad;

	wr.wr.wr_id = *id = PT_WR_SEND | ++pt.seq;
	wr.wr.opcode = op;
	wr.wr.send_flags = IB_SEND_SIGNALED;
	wr.wr.sg_list = &sge;
	wr.wr.num_sge = 1;
	wr.remote_addr = pt.peer.raddr;
	wr.rkey = pt.peer.arkey;
	wr.compare_add = compare_add;
	wr.swap = swap;
	return ib_post_send(pt.qp, &wr.wr, &bad);
}

/*
 * The oldest completion whose wr_id matches (wr_id & mask) == want,
 * sleeping on completion events in between, for timeout jiffies at most.
 */
static int pt_wait_for(u64 mask, u64 want, struct ib_wc *out, long timeout)
{
	unsigned long end = jiffies + timeout;
	struct ib_wc wc[8];
	long left;
	int i, n, ev;

	for (;;) {
		for (i = 0; i < pt.nstash; i++) {
			if ((pt.stash[i].wr_id & mask) != want)
				continue;
			*out = pt.stash[i];
			memmove(&pt.stash[i], &pt.stash[i + 1],
				(pt.nstash - i - 1) * sizeof(*out));
			pt.nstash--;
			return 0;
		}
		if (pt.nstash == PT_STASH)
			return -ENOSPC;
		n = ib_poll_cq(pt.cq, min_t(int, ARRAY_SIZE(wc), PT_STASH - pt.nstash), wc);
		if (n < 0)
			return n;
		if (n) {
			memcpy(&pt.stash[pt.nstash], wc, n * sizeof(*wc));
			pt.nstash += n;
			continue;
		}
		ev = atomic_read(&pt.cq_events);
		if (ib_req_notify_cq(pt.cq, IB_CQ_NEXT_COMP | IB_CQ_REPORT_MISSED_EVENTS) > 0)
			continue;
		left = (long)(end - jiffies);
		if (READ_ONCE(pt.dying) == pt.dev)
			return -ENODEV;
		if (left <= 0)
			return -ETIMEDOUT;
		wait_event_timeout(pt.wq, atomic_read(&pt.cq_events) != ev ||
				   READ_ONCE(pt.dying) == pt.dev, left);
	}
}

static int pt_wait(u64 mask, u64 want, struct ib_wc *out)
{
	return pt_wait_for(mask, want, out, PT_WAIT);
}

static int pt_wait_recv(struct ib_wc *wc)
{
	return pt_wait(PT_WR_KIND, PT_WR_RECV, wc);
}

/* Reports one work request's completion; true if it succeeded as op. */
static bool pt_report(const char *name, int ret, const struct ib_wc *wc,
		      enum ib_wc_opcode op)
{
	if (ret) {
		pt_kv("%s.error=%d", name, ret);
		return pt_check(name, false);
	}
	pt_kv("%s.status=%s", name, ib_wc_status_msg(wc->status));
	if (wc->status != IB_WC_SUCCESS)
		pt_kv("%s.vendor_err=%u", name, wc->vendor_err);
	return pt_check(name, wc->status == IB_WC_SUCCESS && wc->opcode == op);
}

static void pt_data_check(const char *name, int region, u32 len, u32 seed)
{
	long bad = pt_verify(&pt.r[region], 0, len, seed);

	if (bad >= 0)
		pt_kv("%s.first_bad=%ld", name, bad);
	pt_check(name, bad < 0);
}

static u32 pt_imm(const struct ib_wc *wc)
{
	return wc->wc_flags & IB_WC_WITH_IMM ? be32_to_cpu(wc->ex.imm_data) : 0;
}

/* The first 8 bytes of R_LAND, as the CPU sees them after a DMA. */
static u64 pt_land_u64(void)
{
	ib_dma_sync_single_for_cpu(pt.dev, pt.r[R_LAND].dma, 8, DMA_BIDIRECTIONAL);
	return *(u64 *)pt.r[R_LAND].va;
}

/*
 * Compare-and-swap of the READ source's first 8 bytes (the pattern, known
 * from the READ) to PT_SWAP, then fetch-and-add of PT_ADD: each returns
 * the value before; an 8-byte READ shows the sum.
 */
static void pt_atomics(void)
{
	u64 before = 0, got_swap = 0, got_add = 0, after = 0, id;
	struct ib_wc wc;
	bool ok = true;
	int i, ret;

	for (i = 0; i < 8; i++)
		before |= (u64)pt_pat(i, 3) << (8 * i);
	ret = pt_atomic(IB_WR_ATOMIC_CMP_AND_SWP, before, PT_SWAP, &id) ?:
	      pt_wait(~0ull, id, &wc);
	ok &= pt_report("cmp_swp", ret, &wc, IB_WC_COMP_SWAP);
	if (ok)
		got_swap = pt_land_u64();
	ret = pt_atomic(IB_WR_ATOMIC_FETCH_AND_ADD, PT_ADD, 0, &id) ?:
	      pt_wait(~0ull, id, &wc);
	ok &= pt_report("fetch_add", ret, &wc, IB_WC_FETCH_ADD);
	if (ok)
		got_add = pt_land_u64();
	ret = pt_post(IB_WR_RDMA_READ, R_LAND, 8, 0, pt.peer.raddr, pt.peer.rkey, 0, &id) ?:
	      pt_wait(~0ull, id, &wc);
	ok &= pt_report("atomic_readback", ret, &wc, IB_WC_RDMA_READ);
	if (ok)
		after = pt_land_u64();
	pt_kv("atomic.before=0x%llx", before);
	pt_kv("atomic.cmp_swp_returned=0x%llx", got_swap);
	pt_kv("atomic.fetch_add_returned=0x%llx", got_add);
	pt_kv("atomic.after=0x%llx", after);
	pt_check("atomic_values", ok && got_swap == before && got_add == PT_SWAP &&
		 after == PT_SWAP + PT_ADD);
}

/*
 * An RDMA WRITE of a pattern into the peer's fast-registered MR, through
 * its rkey and iova, and an RDMA READ of it back.
 */
static void pt_frwr(void)
{
	u32 n = pt.peer.flen;
	struct ib_wc wc;
	u64 id;
	int ret;

	pt_kv("frwr.peer_rkey=0x%x", pt.peer.frkey);
	pt_kv("frwr.peer_iova=0x%llx", pt.peer.fiova);
	pt_kv("frwr.peer_length=%u", n);
	if (!pt_check("frwr_peer_length", n && n <= pt.size))
		return;
	pt_fill(&pt.r[R_SRC], n, PT_FR_SEED);
	ret = pt_post(IB_WR_RDMA_WRITE, R_SRC, n, 0, pt.peer.fiova, pt.peer.frkey, 0, &id) ?:
	      pt_wait(~0ull, id, &wc);
	pt_report("frwr_write", ret, &wc, IB_WC_RDMA_WRITE);
	memset(pt.r[R_LAND].va, 0, n);
	ib_dma_sync_single_for_device(pt.dev, pt.r[R_LAND].dma, n, DMA_BIDIRECTIONAL);
	ret = pt_post(IB_WR_RDMA_READ, R_LAND, n, 0, pt.peer.fiova, pt.peer.frkey, 0, &id) ?:
	      pt_wait(~0ull, id, &wc);
	if (pt_report("frwr_read", ret, &wc, IB_WC_RDMA_READ))
		pt_data_check("frwr_read_data", R_LAND, n, PT_FR_SEED);
}

static void pt_client(void)
{
	u32 n = pt.size;
	struct ib_wc wc;
	ktime_t t;
	u64 id;
	int ret;

	pt_fill(&pt.r[R_SRC], n, 1);
	t = ktime_get();
	ret = pt_post(IB_WR_SEND, R_SRC, n, 0, 0, 0, 0, &id) ?: pt_wait(~0ull, id, &wc);
	if (pt_report("send", ret, &wc, IB_WC_SEND))
		pt_kv("send.us=%lld", ktime_us_delta(ktime_get(), t));

	pt_fill(&pt.r[R_SRC], n, 2);
	t = ktime_get();
	ret = pt_post(IB_WR_RDMA_WRITE, R_SRC, n, 0, pt.peer.waddr, pt.peer.rkey, 0, &id) ?:
	      pt_wait(~0ull, id, &wc);
	if (pt_report("write", ret, &wc, IB_WC_RDMA_WRITE))
		pt_kv("write.us=%lld", ktime_us_delta(ktime_get(), t));
	ret = pt_post(IB_WR_RDMA_WRITE_WITH_IMM, R_SRC, 0, 0, pt.peer.waddr,
		      pt.peer.rkey, PT_IMM_WRITE, &id) ?: pt_wait(~0ull, id, &wc);
	pt_report("write_imm", ret, &wc, IB_WC_RDMA_WRITE);

	memset(pt.r[R_LAND].va, 0, n);
	ib_dma_sync_single_for_device(pt.dev, pt.r[R_LAND].dma, n, DMA_BIDIRECTIONAL);
	t = ktime_get();
	ret = pt_post(IB_WR_RDMA_READ, R_LAND, n, 0, pt.peer.raddr, pt.peer.rkey, 0, &id) ?:
	      pt_wait(~0ull, id, &wc);
	if (pt_report("read", ret, &wc, IB_WC_RDMA_READ)) {
		pt_kv("read.us=%lld", ktime_us_delta(ktime_get(), t));
		pt_data_check("read_data", R_LAND, n, 3);
	}
	pt_atomics();
	pt_frwr();

	pt_fill(&pt.r[R_SRC], PT_UD_LEN, 4);
	ret = pt_post(IB_WR_SEND_WITH_IMM, R_SRC, PT_UD_LEN, PT_POST_UD, 0, 0, PT_IMM_UD,
		      &id) ?: pt_wait(~0ull, id, &wc);
	pt_report("ud_send", ret, &wc, IB_WC_SEND);

	memset(pt.r[R_CTRL].va, 0, PT_DONE_LEN);
	strscpy(pt.r[R_CTRL].va, PT_DONE_TEXT, PT_DONE_LEN);
	ret = pt_post(IB_WR_SEND_WITH_IMM, R_CTRL, PT_DONE_LEN, IB_SEND_INLINE, 0, 0,
		      PT_IMM_DONE, &id) ?: pt_wait(~0ull, id, &wc);
	pt_report("done_inline", ret, &wc, IB_WC_SEND);

	ret = pt_wait_recv(&wc);
	if (pt_report("verdict_recv", ret, &wc, IB_WC_RECV)) {
		pt_kv("peer_verdict=%u", pt_imm(&wc) & 0xff);
		pt_check("peer_verdict", pt_imm(&wc) == (PT_IMM_BYE | PT_VERDICT_ALL));
	}
}

/* The client's UD datagram: GRH (IPv4 header), source QP, data. */
static bool pt_ud_recv(void)
{
	const u8 *grh, *dgid = pt.sgid->gid.raw;
	int ret, before = pt.log.failures;
	struct ib_wc wc;
	long bad;

	ret = pt_wait_for(PT_WR_KIND, PT_WR_UD_RECV, &wc, PT_UD_WAIT);
	if (!pt_report("ud_recv", ret, &wc, IB_WC_RECV))
		return false;
	pt_kv("ud_recv.byte_len=%u", wc.byte_len);
	pt_kv("ud_recv.src_qp=%u", wc.src_qp);
	pt_check("ud_recv_fields", wc.byte_len == PT_GRH + PT_UD_LEN &&
		 (wc.wc_flags & IB_WC_GRH) && wc.src_qp == pt.peer.uqpn &&
		 pt_imm(&wc) == PT_IMM_UD);
	grh = pt.r[R_UD].va + (u32)wc.wr_id;
	bad = pt_verify(&pt.r[R_UD], (u32)wc.wr_id + PT_GRH, PT_UD_LEN, 4);
	if (bad >= 0)
		pt_kv("ud_data.first_bad=%ld", bad);
	pt_check("ud_data", bad < 0);
	pt_kv("ud_grh.ip=%*phN", 20, grh + 20);
	pt_check("ud_grh_ipv4", !memchr_inv(grh, 0, 20) && grh[20] == 0x45 &&
		 grh[29] == IPPROTO_UDP && !memcmp(grh + 32, pt.peer.gid.raw + 12, 4) &&
		 !memcmp(grh + 36, dgid + 12, 4));
	return pt.log.failures == before;
}

static void pt_server(void)
{
	u32 n = pt.size, verdict = 0;
	struct ib_wc wc;
	int ret, before;
	char *text;
	u64 id;

	/* The SEND lands in the first receive, the big one. */
	before = pt.log.failures;
	ret = pt_wait_recv(&wc);
	if (pt_report("recv_send", ret, &wc, IB_WC_RECV)) {
		pt_kv("recv_send.byte_len=%u", wc.byte_len);
		pt_check("recv_send_len", wc.byte_len == n &&
			 wc.wr_id == (PT_WR_RECV | (u64)R_RECV << 32));
		pt_data_check("send_data", R_RECV, n, 1);
	}
	if (pt.log.failures == before)
		verdict |= 1;

	/* The WRITE_WITH_IMM consumes a receive; the WRITE before it is there. */
	before = pt.log.failures;
	ret = pt_wait_recv(&wc);
	if (pt_report("recv_write_imm", ret, &wc, IB_WC_RECV_RDMA_WITH_IMM) &&
	    pt_check("write_imm_value", pt_imm(&wc) == PT_IMM_WRITE && !wc.byte_len))
		pt_data_check("write_data", R_WRITE, n, 2);
	if (pt.log.failures == before)
		verdict |= 2;

	ret = pt_wait_recv(&wc);
	if (pt_report("recv_done", ret, &wc, IB_WC_RECV) &&
	    pt_check("done_slot", (wc.wr_id >> 32 & 0xff) == R_CTRL)) {
		text = pt.r[R_CTRL].va + (u32)wc.wr_id;
		ib_dma_sync_single_for_cpu(pt.dev, pt.r[R_CTRL].dma, pt.r[R_CTRL].len,
					   DMA_BIDIRECTIONAL);
		if (pt_check("done_message", pt_imm(&wc) == PT_IMM_DONE &&
			     wc.byte_len == PT_DONE_LEN &&
			     !strncmp(text, PT_DONE_TEXT, PT_DONE_LEN)))
			verdict |= 4;
	}
	/* The client's fast-registration WRITE came before "done". */
	pt_fr_owner_check();

	if (pt_ud_recv())
		verdict |= 8;

	pt_kv("verdict=%u", verdict);
	ret = pt_post(IB_WR_SEND_WITH_IMM, R_CTRL, 0, 0, 0, 0, PT_IMM_BYE | verdict, &id) ?:
	      pt_wait(~0ull, id, &wc);
	pt_report("verdict_send", ret, &wc, IB_WC_SEND);
}

static enum ib_qp_state pt_qp_state(void)
{
	struct ib_qp_init_attr init;
	struct ib_qp_attr a;

	return ib_query_qp(pt.qp, &a, IB_QP_STATE, &init) ? -1 : a.qp_state;
}

static void pt_badrkey(void)
{
	struct ib_wc wc;
	u64 id;
	int ret;

	ret = pt_post(IB_WR_RDMA_WRITE, R_SRC, 64, 0, pt.peer.waddr,
		      pt.peer.rkey ^ 0x80, 0, &id) ?: pt_wait(~0ull, id, &wc);
	if (!ret)
		pt_kv("badrkey.status=%s", ib_wc_status_msg(wc.status));
	pt_check("badrkey_rem_access_err", !ret && wc.status == IB_WC_REM_ACCESS_ERR);
	ret = pt_post(IB_WR_SEND, R_SRC, 64, 0, 0, 0, 0, &id) ?: pt_wait(~0ull, id, &wc);
	if (!ret)
		pt_kv("after_error.status=%s", ib_wc_status_msg(wc.status));
	pt_check("send_after_error_flushed", !ret && wc.status == IB_WC_WR_FLUSH_ERR);
	ret = pt_wait_recv(&wc);
	pt_check("recv_flushed", !ret && wc.status == IB_WC_WR_FLUSH_ERR);
	pt_check("qp_state_err", pt_qp_state() == IB_QPS_ERR);
}

static void pt_expect_error(void)
{
	struct ib_wc wc;
	int ret = pt_wait_recv(&wc);

	if (!ret)
		pt_kv("recv.status=%s", ib_wc_status_msg(wc.status));
	pt_check("recv_flushed", !ret && wc.status == IB_WC_WR_FLUSH_ERR);
	pt_check("qp_state_err", pt_qp_state() == IB_QPS_ERR);
	pt_kv("qp_error_events=%d", atomic_read(&pt.qp_errors));
}

static int pt_ud_to_rts(u32 psn)
{
	struct ib_qp_attr a = { .qp_state = IB_QPS_INIT, .port_num = 1, .qkey = PT_QKEY };
	int ret;

	ret = ib_modify_qp(pt.ud, &a, IB_QP_STATE | IB_QP_PKEY_INDEX | IB_QP_PORT |
			   IB_QP_QKEY);
	a.qp_state = IB_QPS_RTR;
	ret = ret ?: ib_modify_qp(pt.ud, &a, IB_QP_STATE);
	a.qp_state = IB_QPS_RTS;
	a.sq_psn = psn;
	return ret ?: ib_modify_qp(pt.ud, &a, IB_QP_STATE | IB_QP_SQ_PSN);
}

static int pt_setup(char *args)
{
	struct ib_cq_init_attr ca = { .cqe = 2 * PT_STASH };
	struct ib_qp_init_attr qa = {
		.event_handler = pt_qp_event,
		.cap = { .max_send_wr = 32, .max_recv_wr = 32, .max_send_sge = 1,
			 .max_recv_sge = 1, .max_inline_data = 64 },
		.sq_sig_type = IB_SIGNAL_REQ_WR,
		.qp_type = IB_QPT_RC,
	};
	char *name = strsep(&args, " "), *kv;
	u32 size = SZ_1M, psn = get_random_u32() & 0xffffff, timeout = 17, mtu = 4096;
	struct ib_qp_attr a = {};
	struct ib_port_attr pa;
	u16 vlan;
	u8 mac[ETH_ALEN];
	int i, ret = 0;

	while (args && (kv = strsep(&args, " ")) != NULL) {
		if (!strncmp(kv, "size=", 5))
			ret = kstrtou32(kv + 5, 0, &size);
		else if (!strncmp(kv, "psn=", 4))
			ret = kstrtou32(kv + 4, 0, &psn);
		else if (!strncmp(kv, "timeout=", 8))
			ret = kstrtou32(kv + 8, 0, &timeout);
		else if (!strncmp(kv, "mtu=", 4))
			ret = kstrtou32(kv + 4, 0, &mtu);
		else if (!strncmp(kv, "vector=", 7))
			ret = kstrtoint(kv + 7, 0, &ca.comp_vector);
		else if (*kv)
			ret = -EINVAL;
		if (ret)
			return ret;
	}
	if (!name || !*name || size < PT_DONE_LEN || size > SZ_4M ||
	    psn > 0xffffff || timeout > 31 ||
	    ib_mtu_enum_to_int(ib_mtu_int_to_enum(mtu)) != mtu)
		return -EINVAL;

	pt_teardown();
	pt.dev = ib_device_get_by_name(name, RDMA_DRIVER_UNKNOWN);
	if (!pt.dev) {
		pt_kv("error=no ib_device %s", name);
		return -ENODEV;
	}
	ret = ib_query_port(pt.dev, 1, &pa);
	if (ret)
		goto err;
	pt.sgid = pt_find_sgid(pt.dev, pa.gid_tbl_len);
	if (!pt.sgid) {
		pt_kv("error=no RoCEv2 GID with an IPv4 address on %s", name);
		ret = -ENOENT;
		goto err;
	}
	if (size > pa.max_msg_sz) {
		ret = -EINVAL;
		goto err;
	}
	pt.mtu = min(pa.active_mtu, ib_mtu_int_to_enum(mtu));
	pt.pd = ib_alloc_pd(pt.dev, IB_PD_UNSAFE_GLOBAL_RKEY);
	if (IS_ERR(pt.pd)) {
		ret = PTR_ERR(pt.pd);
		pt.pd = NULL;
		goto err;
	}
	ret = pt_atomic_mr();
	if (ret)
		goto err;
	ret = pt_fr_setup();
	if (ret)
		goto err;
	pt.cq = ib_create_cq(pt.dev, pt_comp, pt_cq_event, NULL, &ca);
	if (IS_ERR(pt.cq)) {
		ret = PTR_ERR(pt.cq);
		pt.cq = NULL;
		goto err;
	}
	/*
	 * Armed from the start: the first completion raises an event on the
	 * CQ's vector even if every later wait finds its completion already
	 * there (eth-rss.sh counts each vector's interrupts).
	 */
	ib_req_notify_cq(pt.cq, IB_CQ_NEXT_COMP);
	qa.send_cq = pt.cq;
	qa.recv_cq = pt.cq;
	pt.qp = ib_create_qp(pt.pd, &qa);
	if (IS_ERR(pt.qp)) {
		ret = PTR_ERR(pt.qp);
		pt.qp = NULL;
		goto err;
	}
	qa.qp_type = IB_QPT_UD;
	pt.ud = ib_create_qp(pt.pd, &qa);
	if (IS_ERR(pt.ud)) {
		ret = PTR_ERR(pt.ud);
		pt.ud = NULL;
		goto err;
	}
	for (i = 0; i < R__COUNT; i++) {
		struct pt_region *r = &pt.r[i];

		r->len = i == R_CTRL || i == R_UD ? PT_CTRL_SLOT * PT_CTRL_SLOTS : size;
		r->va = alloc_pages_exact(r->len, GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
		if (!r->va) {
			ret = -ENOMEM;
			goto err;
		}
		r->dma = ib_dma_map_single(pt.dev, r->va, r->len, DMA_BIDIRECTIONAL);
		if (ib_dma_mapping_error(pt.dev, r->dma)) {
			r->dma = 0;
			ret = -ENOMEM;
			goto err;
		}
	}
	pt_fill(&pt.r[R_READ], size, 3);

	a.qp_state = IB_QPS_INIT;
	a.port_num = 1;
	a.qp_access_flags = IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_WRITE |
			    IB_ACCESS_REMOTE_READ | IB_ACCESS_REMOTE_ATOMIC;
	ret = ib_modify_qp(pt.qp, &a, IB_QP_STATE | IB_QP_PKEY_INDEX | IB_QP_PORT |
			   IB_QP_ACCESS_FLAGS);
	if (ret)
		goto err;
	ret = pt_ud_to_rts(psn);
	if (ret)
		goto err;

	pt.size = size;
	pt.psn = psn;
	pt.timeout = timeout;
	atomic_set(&pt.qp_errors, 0);
	if (rdma_read_gid_l2_fields(pt.sgid, &vlan, mac))
		eth_zero_addr(mac);
	snprintf(pt.info, sizeof(pt.info),
		 "gid=%pI6 qpn=%u uqpn=%u psn=%u mtu=%u size=%u rkey=0x%x arkey=0x%x waddr=0x%llx raddr=0x%llx frkey=0x%x fiova=0x%llx flen=%u mac=%pM",
		 pt.sgid->gid.raw, pt.qp->qp_num, pt.ud->qp_num, psn,
		 ib_mtu_enum_to_int(pt.mtu), size, pt.pd->unsafe_global_rkey,
		 pt.atomic_mr->rkey,
		 pt.r[R_WRITE].dma, pt.r[R_READ].dma, pt.fr_mr->rkey,
		 pt.fr_mr->iova, (u32)pt.fr_mr->length, mac);
	pt_kv("device=%s", dev_name(&pt.dev->dev));
	pt_kv("size=%u", size);
	pt_kv("sgid_index=%u", pt.sgid->index);
	pt_kv("qpn=%u", pt.qp->qp_num);
	pt_kv("frwr.rkey=0x%x", pt.fr_mr->rkey);
	pt_kv("frwr.iova=0x%llx", pt.fr_mr->iova);
	pt_kv("frwr.length=%llu", pt.fr_mr->length);
	return 0;
err:
	pt_kv("error=setup failed: %d", ret);
	pt_teardown();
	return ret;
}

/* The numbers of an info line, besides the GID. */
static const struct {
	const char *key;
	size_t off;
	bool wide;
} pt_fields[] = {
	{ "qpn", offsetof(struct pt_peer, qpn) },
	{ "uqpn", offsetof(struct pt_peer, uqpn) },
	{ "psn", offsetof(struct pt_peer, psn) },
	{ "mtu", offsetof(struct pt_peer, mtu) },
	{ "size", offsetof(struct pt_peer, size) },
	{ "rkey", offsetof(struct pt_peer, rkey) },
	{ "arkey", offsetof(struct pt_peer, arkey) },
	{ "waddr", offsetof(struct pt_peer, waddr), true },
	{ "raddr", offsetof(struct pt_peer, raddr), true },
	{ "frkey", offsetof(struct pt_peer, frkey) },
	{ "fiova", offsetof(struct pt_peer, fiova), true },
	{ "flen", offsetof(struct pt_peer, flen) },
};

static int pt_parse_peer(char *args, struct pt_peer *p)
{
	unsigned int have = 0, i;
	char *kv, *v;
	int ret = 0;

	while (args && (kv = strsep(&args, " ")) != NULL) {
		v = strchr(kv, '=');
		if (!v)
			continue;
		*v++ = 0;
		if (!strcmp(kv, "gid")) {
			ret = in6_pton(v, -1, p->gid.raw, -1, NULL) ? 0 : -EINVAL;
			have |= BIT(ARRAY_SIZE(pt_fields));
		}
		for (i = 0; i < ARRAY_SIZE(pt_fields); i++) {
			if (strcmp(kv, pt_fields[i].key))
				continue;
			if (pt_fields[i].wide)
				ret = kstrtou64(v, 0, (u64 *)((char *)p + pt_fields[i].off));
			else
				ret = kstrtou32(v, 0, (u32 *)((char *)p + pt_fields[i].off));
			have |= BIT(i);
		}
		if (ret)
			return ret;
	}
	if (have != BIT(ARRAY_SIZE(pt_fields) + 1) - 1 || p->psn > 0xffffff)
		return -EINVAL;
	return 0;
}

/* IB_WR_REG_MR of the fast-registration MR, remote READ and WRITE. */
static int pt_fr_register(void)
{
	struct ib_reg_wr wr = {};
	const struct ib_send_wr *bad;
	struct ib_wc wc;
	u64 id;
	int ret;

	wr.wr.wr_id = id = PT_WR_SEND | ++pt.seq;
	wr.wr.opcode = IB_WR_REG_MR;
	wr.wr.send_flags = IB_SEND_SIGNALED;
	wr.mr = pt.fr_mr;
	wr.key = pt.fr_mr->rkey;
	wr.access = IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_WRITE | IB_ACCESS_REMOTE_READ;
	ret = ib_post_send(pt.qp, &wr.wr, &bad) ?: pt_wait(~0ull, id, &wc);
	return pt_report("frwr_reg", ret, &wc, IB_WC_REG_MR) ? 0 : -EIO;
}

static int pt_connect(char *args)
{
	struct rdma_ah_attr ah = {};
	struct ib_qp_attr a = {};
	struct ib_ah *res;
	int i, ret;

	if (!pt.qp || pt.connected)
		return -EINVAL;
	ret = pt_parse_peer(args, &pt.peer);
	if (ret || pt.peer.size != pt.size) {
		pt_kv("error=bad peer info (or its size differs)");
		return -EINVAL;
	}
	/* ib_core resolves the MAC, as for a user's AH; kernel QPs must be given it. */
	ah.type = RDMA_AH_ATTR_TYPE_ROCE;
	rdma_ah_set_port_num(&ah, 1);
	rdma_ah_set_grh(&ah, &pt.peer.gid, 0, pt.sgid->index, 64, 0);
	res = rdma_create_user_ah(pt.pd, &ah, NULL);
	if (IS_ERR(res)) {
		pt_kv("error=no MAC for %pI6: %ld", pt.peer.gid.raw, PTR_ERR(res));
		return PTR_ERR(res);
	}
	pt.ah = res;
	pt_kv("dmac=%pM", ah.roce.dmac);

	a.qp_state = IB_QPS_RTR;
	a.path_mtu = min_t(enum ib_mtu, pt.mtu, ib_mtu_int_to_enum(pt.peer.mtu));
	a.dest_qp_num = pt.peer.qpn;
	a.rq_psn = pt.peer.psn;
	a.max_dest_rd_atomic = 4;
	a.min_rnr_timer = 12;
	a.ah_attr = ah;
	ret = ib_modify_qp(pt.qp, &a, IB_QP_STATE | IB_QP_AV | IB_QP_PATH_MTU |
			   IB_QP_DEST_QPN | IB_QP_RQ_PSN | IB_QP_MAX_DEST_RD_ATOMIC |
			   IB_QP_MIN_RNR_TIMER);
	if (ret) {
		pt_kv("error=to RTR: %d", ret);
		return ret;
	}
	pt_kv("path_mtu=%d", ib_mtu_enum_to_int(a.path_mtu));

	memset(&a, 0, sizeof(a));
	a.qp_state = IB_QPS_RTS;
	a.sq_psn = pt.psn;
	a.timeout = pt.timeout;
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.max_rd_atomic = 4;
	ret = ib_modify_qp(pt.qp, &a, IB_QP_STATE | IB_QP_SQ_PSN | IB_QP_TIMEOUT |
			   IB_QP_RETRY_CNT | IB_QP_RNR_RETRY | IB_QP_MAX_QP_RD_ATOMIC);
	if (ret) {
		pt_kv("error=to RTS: %d", ret);
		return ret;
	}
	ret = pt_fr_register();
	if (ret)
		return ret;
	/* The first receive is the big one (the client's SEND). */
	ret = pt_post_recv(pt.qp, R_RECV, 0, pt.size);
	for (i = 0; !ret && i < PT_CTRL_SLOTS; i++)
		ret = pt_post_recv(pt.qp, R_CTRL, i * PT_CTRL_SLOT, PT_CTRL_SLOT);
	for (i = 0; !ret && i < 8; i++)
		ret = pt_post_recv(pt.ud, R_UD, i * PT_CTRL_SLOT, PT_CTRL_SLOT);
	if (ret) {
		pt_kv("error=post_recv: %d", ret);
		return ret;
	}
	pt.connected = true;
	return 0;
}

static int pt_fire(void)
{
	u64 id;

	return pt_post(IB_WR_RDMA_WRITE, R_SRC, pt.size, 0, pt.peer.waddr,
		       pt.peer.rkey, 0, &id);
}

static void pt_stream(char *args)
{
	u32 ms, n = pt.size, k;
	ktime_t t0 = ktime_get();
	struct ib_wc wc = {};
	u64 wid, rid;
	long bad = -1;
	int ret = 0;

	if (!args || kstrtou32(args, 0, &ms) || !ms) {
		pt_check("stream_args", false);
		return;
	}
	for (k = 0; ktime_ms_delta(ktime_get(), t0) < ms; k++) {
		pt_fill(&pt.r[R_SRC], n, 100 + k);
		memset(pt.r[R_LAND].va, 0, n);
		ib_dma_sync_single_for_device(pt.dev, pt.r[R_LAND].dma, n,
					      DMA_BIDIRECTIONAL);
		/* The READ executes after the WRITE at the responder (in order). */
		ret = pt_post(IB_WR_RDMA_WRITE, R_SRC, n, 0, pt.peer.waddr,
			      pt.peer.rkey, 0, &wid) ?:
		      pt_post(IB_WR_RDMA_READ, R_LAND, n, 0, pt.peer.waddr,
			      pt.peer.rkey, 0, &rid);
		if (!ret && (ret = pt_wait(~0ull, wid, &wc)) == 0 &&
		    wc.status != IB_WC_SUCCESS)
			ret = -EIO;
		if (!ret && (ret = pt_wait(~0ull, rid, &wc)) == 0 &&
		    wc.status != IB_WC_SUCCESS)
			ret = -EIO;
		if (ret) {
			pt_kv("stream.error_iter=%u", k);
			pt_kv("stream.status=%s", ib_wc_status_msg(wc.status));
			break;
		}
		bad = pt_verify(&pt.r[R_LAND], 0, n, 100 + k);
		if (bad >= 0) {
			pt_kv("stream.bad_iter=%u", k);
			pt_kv("stream.first_bad=%ld", bad);
			break;
		}
	}
	pt_kv("stream.iters=%u", k);
	pt_kv("stream.mib=%llu", (u64)k * 2 * n >> 20);
	pt_kv("stream.us=%lld", ktime_us_delta(ktime_get(), t0));
	pt_check("stream_complete", !ret);
	pt_check("stream_data", bad < 0);
	pt_check("stream_qp_rts", pt_qp_state() == IB_QPS_RTS);
}

static int pt_command(char *cmd, char *args)
{
	if (!strcmp(cmd, "setup"))
		return pt_setup(args);
	if (!strcmp(cmd, "teardown")) {
		pt_teardown();
		return 0;
	}
	if (!pt.qp)
		return -ENODEV;
	if (!strcmp(cmd, "connect"))
		return pt_connect(args);
	if (!pt.connected)
		return -ENOTCONN;
	if (!strcmp(cmd, "run") && args && !strcmp(args, "client"))
		pt_client();
	else if (!strcmp(cmd, "run") && args && !strcmp(args, "server"))
		pt_server();
	else if (!strcmp(cmd, "badrkey"))
		pt_badrkey();
	else if (!strcmp(cmd, "expect_error"))
		pt_expect_error();
	else if (!strcmp(cmd, "fire"))
		return pt_fire();
	else if (!strcmp(cmd, "stream"))
		pt_stream(args);
	else
		return -EINVAL;
	pt_kv("cq_events=%d", atomic_read(&pt.cq_events));
	return 0;
}

static ssize_t pt_ctl_write(struct file *f, const char __user *ubuf, size_t len,
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
	mutex_lock(&pt.lock);
	rdo_test_log_begin(&pt.log, cmd);
	ret = pt_command(cmd, args);
	ret = rdo_test_log_end(&pt.log, ret);
	mutex_unlock(&pt.lock);
	kfree(buf);
	return ret ?: len;
}

static ssize_t pt_result_read(struct file *f, char __user *ubuf, size_t len,
			      loff_t *pos)
{
	ssize_t ret;

	mutex_lock(&pt.lock);
	ret = rdo_test_log_read(&pt.log, ubuf, len, pos);
	mutex_unlock(&pt.lock);
	return ret;
}

static ssize_t pt_info_read(struct file *f, char __user *ubuf, size_t len,
			    loff_t *pos)
{
	char line[sizeof(pt.info) + 1];

	mutex_lock(&pt.lock);
	snprintf(line, sizeof(line), "%s\n", pt.info);
	mutex_unlock(&pt.lock);
	return simple_read_from_buffer(ubuf, len, pos, line, strlen(line));
}

static const struct file_operations pt_ctl_fops = {
	.owner = THIS_MODULE,
	.write = pt_ctl_write,
	.llseek = noop_llseek,
};

static const struct file_operations pt_result_fops = {
	.owner = THIS_MODULE,
	.read = pt_result_read,
	.llseek = default_llseek,
};

static const struct file_operations pt_info_fops = {
	.owner = THIS_MODULE,
	.read = pt_info_read,
	.llseek = default_llseek,
};

static int pt_add(struct ib_device *dev)
{
	return 0;
}

/* The device is going away: give up waiting and let go of it. */
static void pt_remove(struct ib_device *dev, void *data)
{
	WRITE_ONCE(pt.dying, dev);
	wake_up(&pt.wq);
	mutex_lock(&pt.lock);
	if (pt.dev == dev) {
		pt_teardown();
		pr_info("rdo_peer_test: %s removed, torn down\n", dev_name(&dev->dev));
	}
	WRITE_ONCE(pt.dying, NULL);
	mutex_unlock(&pt.lock);
}

static struct ib_client pt_client_ops = {
	.name = "rdo_peer_test",
	.add = pt_add,
	.remove = pt_remove,
};

static int __init pt_init(void)
{
	int ret;

	mutex_init(&pt.lock);
	init_waitqueue_head(&pt.wq);
	if (rdo_test_log_init(&pt.log, PT_LOG_SIZE))
		return -ENOMEM;
	ret = ib_register_client(&pt_client_ops);
	if (ret) {
		rdo_test_log_free(&pt.log);
		return ret;
	}
	pt_dir = debugfs_create_dir("rdo_peer_test", NULL);
	debugfs_create_file("ctl", 0200, pt_dir, NULL, &pt_ctl_fops);
	debugfs_create_file("result", 0400, pt_dir, NULL, &pt_result_fops);
	debugfs_create_file("info", 0400, pt_dir, NULL, &pt_info_fops);
	return 0;
}

static void __exit pt_exit(void)
{
	debugfs_remove_recursive(pt_dir);
	ib_unregister_client(&pt_client_ops);
	mutex_lock(&pt.lock);
	pt_teardown();
	mutex_unlock(&pt.lock);
	rdo_test_log_free(&pt.log);
}

module_init(pt_init);
module_exit(pt_exit);
MODULE_DESCRIPTION("RoCE kernel-verbs test between two machines (rdma-offload project)");
MODULE_LICENSE("GPL");
