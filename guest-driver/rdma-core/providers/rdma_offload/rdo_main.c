// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * rdma_offload provider: the device, contexts, PDs, MRs and AHs. The
 * kernel driver (ib_device rdoN) is found by its PCI ID: it registers with
 * RDMA_DRIVER_UNKNOWN, so there is no driver ID to match.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <util/mmio.h>
#include <util/util.h>

#include "rdo.h"
#include "rdodv.h"

static void rdo_free_context(struct ibv_context *ibctx);

void rdo_doorbell(struct rdo_context *ctx, uint32_t off, uint64_t val)
{
	mmio_write64_le(ctx->db + off, htole64(val));
}

uint32_t rdo_log2_up(uint32_t n)
{
	uint32_t l = 0;

	while ((1ull << l) < n)
		l++;
	return l;
}

/* Page-aligned, zeroed, whole pages, kept out of a fork's copy-on-write. */
int rdo_ring_alloc(struct rdo_ring *r, uint32_t log_size, uint32_t shift)
{
	size_t bytes = (size_t)1 << (log_size + shift);

	r->len = align(bytes, RDO_PAGE_SIZE);
	r->log_size = log_size;
	r->shift = shift;
	if (posix_memalign(&r->buf, RDO_PAGE_SIZE, r->len))
		return ENOMEM;
	memset(r->buf, 0, r->len);
	if (ibv_dontfork_range(r->buf, r->len)) {
		free(r->buf);
		r->buf = NULL;
		return errno ? errno : ENOMEM;
	}
	return 0;
}

void rdo_ring_free(struct rdo_ring *r)
{
	if (!r->buf)
		return;
	ibv_dofork_range(r->buf, r->len);
	free(r->buf);
	r->buf = NULL;
}

static int rdo_query_device(struct ibv_context *context,
			    const struct ibv_query_device_ex_input *input,
			    struct ibv_device_attr_ex *attr, size_t attr_size)
{
	struct ib_uverbs_ex_query_device_resp resp;
	size_t resp_size = sizeof(resp);
	uint32_t v;
	int ret;

	ret = ibv_cmd_query_device_any(context, input, attr, attr_size, &resp,
				       &resp_size);
	if (ret)
		return ret;
	/* fw_ver is the device's interface version, major.minor. */
	v = (uint32_t)resp.base.fw_ver;
	snprintf(attr->orig_attr.fw_ver, sizeof(attr->orig_attr.fw_ver), "%u.%u",
		 v >> 16, v & 0xffff);
	/*
	 * Raw packet QPs (rdo_raw.c): the device's TSO (one TX WQE up to
	 * RDO_ETH_MAX_SEND bytes) and checksum offload, which the kernel
	 * does not report.
	 */
	if (attr_size >= offsetofend(struct ibv_device_attr_ex, raw_packet_caps)) {
		attr->tso_caps.max_tso = RDO_ETH_MAX_SEND;
		attr->tso_caps.supported_qpts = 1u << IBV_QPT_RAW_PACKET;
		attr->raw_packet_caps |= IBV_RAW_PACKET_CAP_IP_CSUM;
		attr->orig_attr.device_cap_flags |= IBV_DEVICE_RAW_IP_CSUM;
	}
	return 0;
}

static int rdo_query_port(struct ibv_context *context, uint8_t port,
			  struct ibv_port_attr *attr)
{
	struct ibv_query_port cmd;

	return ibv_cmd_query_port(context, port, attr, &cmd, sizeof(cmd));
}

static struct ibv_pd *rdo_alloc_pd(struct ibv_context *context)
{
	struct ib_uverbs_alloc_pd_resp resp;
	struct ibv_alloc_pd cmd;
	struct ibv_pd *pd;
	int ret;

	pd = calloc(1, sizeof(*pd));
	if (!pd)
		return NULL;
	ret = ibv_cmd_alloc_pd(context, pd, &cmd, sizeof(cmd), &resp, sizeof(resp));
	if (ret) {
		free(pd);
		errno = ret;
		return NULL;
	}
	return pd;
}

static int rdo_dealloc_pd(struct ibv_pd *pd)
{
	int ret = ibv_cmd_dealloc_pd(pd);

	if (!ret)
		free(pd);
	return ret;
}

static struct ibv_mr *rdo_reg_mr(struct ibv_pd *pd, void *addr, size_t length,
				 uint64_t hca_va, int access)
{
	struct ib_uverbs_reg_mr_resp resp;
	struct ibv_reg_mr cmd;
	struct verbs_mr *vmr;
	int ret;

	vmr = calloc(1, sizeof(*vmr));
	if (!vmr)
		return NULL;
	ret = ibv_cmd_reg_mr(pd, addr, length, hca_va, access, vmr, &cmd,
			       sizeof(cmd), &resp, sizeof(resp));
	if (ret) {
		free(vmr);
		errno = ret;
		return NULL;
	}
	return &vmr->ibv_mr;
}

/* The kernel driver changes the MR in place (REREG_MR); new keys come back. */
static int rdo_rereg_mr(struct verbs_mr *vmr, int flags, struct ibv_pd *pd,
			void *addr, size_t length, int access)
{
	struct ib_uverbs_rereg_mr_resp resp;
	struct ibv_rereg_mr cmd;

	return ibv_cmd_rereg_mr(vmr, flags, addr, length, (uintptr_t)addr,
				access, pd, &cmd, sizeof(cmd), &resp,
				sizeof(resp));
}

static int rdo_dereg_mr(struct verbs_mr *vmr)
{
	int ret = ibv_cmd_dereg_mr(vmr);

	if (!ret)
		free(vmr);
	return ret;
}

/* Memory windows: the kernel allocates them (ALLOC_MW), the SQ binds them. */
static struct ibv_mw *rdo_alloc_mw(struct ibv_pd *pd, enum ibv_mw_type type)
{
	struct ib_uverbs_alloc_mw_resp resp;
	struct ibv_alloc_mw cmd;
	struct ibv_mw *mw;
	int ret;

	mw = calloc(1, sizeof(*mw));
	if (!mw)
		return NULL;
	ret = ibv_cmd_alloc_mw(pd, type, mw, &cmd, sizeof(cmd), &resp,
				 sizeof(resp));
	if (ret) {
		free(mw);
		errno = ret;
		return NULL;
	}
	return mw;
}

static int rdo_dealloc_mw(struct ibv_mw *mw)
{
	int ret = ibv_cmd_dealloc_mw(mw);

	if (!ret)
		free(mw);
	return ret;
}

/* The kernel resolves the MAC; each UD WQE then carries the whole address. */
static struct ibv_ah *rdo_create_ah(struct ibv_pd *pd, struct ibv_ah_attr *attr)
{
	struct rdo_ucmd_create_ah_resp resp = {};
	struct rdo_ah *ah;
	int ret;

	if (!attr->is_global) {
		errno = EINVAL;		/* RoCE: the GRH is the address */
		return NULL;
	}
	ah = calloc(1, sizeof(*ah));
	if (!ah)
		return NULL;
	ret = ibv_cmd_create_ah(pd, &ah->ibah, attr, &resp.ibv_resp, sizeof(resp));
	if (ret) {
		free(ah);
		errno = ret;
		return NULL;
	}
	memcpy(ah->av.dmac, resp.dmac, sizeof(ah->av.dmac));
	memcpy(ah->av.dgid, attr->grh.dgid.raw, sizeof(ah->av.dgid));
	ah->av.sgid_index = attr->grh.sgid_index;
	ah->av.hop_limit = attr->grh.hop_limit;
	return &ah->ibah;
}

static int rdo_destroy_ah(struct ibv_ah *ibah)
{
	int ret = ibv_cmd_destroy_ah(ibah);

	if (!ret)
		free(to_rah(ibah));
	return ret;
}

static const struct verbs_context_ops rdo_ctx_ops = {
	.alloc_mw = rdo_alloc_mw,
	.alloc_pd = rdo_alloc_pd,
	.attach_mcast = ibv_cmd_attach_mcast,
	.bind_mw = rdo_bind_mw,
	.create_ah = rdo_create_ah,
	.create_cq = rdo_create_cq,
	.create_cq_ex = rdo_create_cq_ex,
	.create_flow = rdo_create_flow,
	.create_qp = rdo_create_qp,
	.create_qp_ex = rdo_create_qp_ex,
	.create_srq = rdo_create_srq,
	.dealloc_mw = rdo_dealloc_mw,
	.dealloc_pd = rdo_dealloc_pd,
	.dereg_mr = rdo_dereg_mr,
	.destroy_ah = rdo_destroy_ah,
	.destroy_cq = rdo_destroy_cq,
	.destroy_flow = rdo_destroy_flow,
	.destroy_qp = rdo_destroy_qp,
	.destroy_srq = rdo_destroy_srq,
	.detach_mcast = ibv_cmd_detach_mcast,
	.free_context = rdo_free_context,
	.modify_cq = rdo_modify_cq,
	.modify_qp = rdo_modify_qp,
	.modify_srq = rdo_modify_srq,
	.poll_cq = rdo_poll_cq,
	.post_recv = rdo_post_recv,
	.post_send = rdo_post_send,
	.post_srq_recv = rdo_post_srq_recv,
	.query_device_ex = rdo_query_device,
	.query_port = rdo_query_port,
	.query_qp = rdo_query_qp,
	.query_srq = rdo_query_srq,
	.reg_mr = rdo_reg_mr,
	.rereg_mr = rdo_rereg_mr,
	.req_notify_cq = rdo_req_notify_cq,
	.resize_cq = rdo_resize_cq,
};

/*
 * RDO_PUSH_MAX (bytes, 0 disables) caps the WQEs pushed through the
 * doorbell page instead of being fetched from the ring.
 */
static uint32_t rdo_push_max(uint32_t dev_max)
{
	const char *env = getenv("RDO_PUSH_MAX");
	unsigned long v;
	char *end;

	if (!env || !*env)
		return dev_max;
	v = strtoul(env, &end, 0);
	if (*end)
		return dev_max;
	return v < dev_max ? v : dev_max;
}

/*
 * The push RAM page, if the kernel offers one and RDO_PUSH_RAM is not "0"
 * (which keeps pushes in the MMIO push area, to compare the two); NULL if
 * not, or if it cannot be mapped (pushes then use the push area).
 */
static uint8_t *rdo_push_ram_map(int cmd_fd,
				 const struct rdo_ucmd_get_context_resp *resp)
{
	const char *env = getenv("RDO_PUSH_RAM");
	void *p;

	if (!(resp->flags & RDO_UCTX_PUSH_RAM) || (env && !strcmp(env, "0")))
		return NULL;
	p = mmap(NULL, RDO_DB_PAGE_SIZE, PROT_WRITE, MAP_SHARED, cmd_fd,
		 resp->push_ram_mmap_offset);
	return p == MAP_FAILED ? NULL : p;
}

/*
 * RDO_NOTIFY_DELAY_US (0-4095): every RC and UC QP of the process gets
 * that notification delay on its move to RTR (rdo_modify_qp); other
 * values are ignored.
 */
static uint16_t rdo_notify_delay(void)
{
	const char *env = getenv("RDO_NOTIFY_DELAY_US");
	unsigned long v;
	char *end;

	if (!env || !*env)
		return 0;
	v = strtoul(env, &end, 0);
	return *end || v > RDO_NOTIFY_DELAY_MAX_USEC ? 0 : v;
}

static struct verbs_context *rdo_alloc_context(struct ibv_device *ibdev,
					       int cmd_fd, void *private_data)
{
	struct rdo_ucmd_get_context_resp resp = {};
	struct ibv_get_context cmd;
	struct rdo_context *ctx;
	void *db;

	ctx = verbs_init_and_alloc_context(ibdev, cmd_fd, ctx, vctx,
					   RDMA_DRIVER_UNKNOWN);
	if (!ctx)
		return NULL;
	if (ibv_cmd_get_context(&ctx->vctx, &cmd, sizeof(cmd), &resp.ibv_resp,
				sizeof(resp)))
		goto err;
	db = mmap(NULL, RDO_DB_PAGE_SIZE, PROT_WRITE, MAP_SHARED, cmd_fd,
		  resp.db_mmap_offset);
	if (db == MAP_FAILED)
		goto err;
	ctx->db = db;
	ctx->push_ram = rdo_push_ram_map(cmd_fd, &resp);
	ctx->max_inline = resp.max_inline;
	ctx->push_max = rdo_push_max(resp.push_max);
	ctx->notify_delay = rdo_notify_delay();
	ctx->max_qp_log = resp.max_qp_log_size;
	ctx->max_cq_log = resp.max_cq_log_size;
	pthread_mutex_init(&ctx->qp_table_lock, NULL);
	pthread_spin_init(&ctx->push_lock, PTHREAD_PROCESS_PRIVATE);
	verbs_set_ops(&ctx->vctx, &rdo_ctx_ops);
	return &ctx->vctx;
err:
	verbs_uninit_context(&ctx->vctx);
	free(ctx);
	return NULL;
}

static void rdo_free_context(struct ibv_context *ibctx)
{
	struct rdo_context *ctx = to_rctx(ibctx);
	unsigned int i;

	munmap(ctx->db, RDO_DB_PAGE_SIZE);
	if (ctx->push_ram)
		munmap(ctx->push_ram, RDO_DB_PAGE_SIZE);
	for (i = 0; i < RDO_QPN_TOP; i++)
		free(ctx->qp_table[i]);
	pthread_mutex_destroy(&ctx->qp_table_lock);
	pthread_spin_destroy(&ctx->push_lock);
	verbs_uninit_context(&ctx->vctx);
	free(ctx);
}

static struct verbs_device *rdo_device_alloc(struct verbs_sysfs_dev *sysfs_dev)
{
	struct rdo_device *dev = calloc(1, sizeof(*dev));

	return dev ? &dev->vdev : NULL;
}

static void rdo_device_free(struct verbs_device *vdev)
{
	free(container_of(vdev, struct rdo_device, vdev));
}

static const struct verbs_match_ent rdo_match_table[] = {
	VERBS_PCI_MATCH(RDO_PCI_VENDOR_ID, RDO_PCI_DEVICE_ID, NULL),
	/* A VF is programmed as the PF is. */
	VERBS_PCI_MATCH(RDO_PCI_VENDOR_ID, RDO_PCI_VF_DEVICE_ID, NULL),
	{}
};

static const struct verbs_device_ops rdo_dev_ops = {
	.name = "rdma_offload",
	.match_min_abi_version = RDO_UVERBS_ABI_VERSION,
	.match_max_abi_version = RDO_UVERBS_ABI_VERSION,
	.match_table = rdo_match_table,
	.alloc_device = rdo_device_alloc,
	.uninit_device = rdo_device_free,
	.alloc_context = rdo_alloc_context,
};
PROVIDER_DRIVER(rdma_offload, rdo_dev_ops);

/* rdodv.h: whether device is this provider's (its rdodv_* apply). */
bool rdodv_is_supported(struct ibv_device *device)
{
	return device && verbs_get_device(device)->ops == &rdo_dev_ops;
}
