// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: the ib_device. One RoCEv2 port whose net_device is the
 * driver's own (rdo_netdev.c); ib_core keeps the GID table from it and
 * tells the driver through add_gid/del_gid, which become SET_GID commands,
 * so GID index i here is GID index i on the device.
 *
 * User processes reach it through uverbs with a ucontext each (rdo_uctx.c)
 * and the rdma-core provider (guest-driver/rdma-core), which rdma-core
 * finds by the PCI ID. Not yet: fast registration (the device
 * has no such work request), a GSI QP (no MAD/CM capability is advertised:
 * rdma_cm does not bind).
 */
#include <linux/module.h>
#include <rdma/ib_addr.h>
#include <rdma/ib_cache.h>
#include <rdma/ib_mad.h>

#include "rdo_ib.h"

#define RDO_MAX_AH		65536

static void rdo_guid(struct rdo_dev *rdev, __be64 *guid)
{
	u8 *g = (u8 *)guid;

	/* EUI-64 from the MAC, as for an IPv6 interface identifier. */
	g[0] = rdev->mac[0] ^ 2;
	g[1] = rdev->mac[1];
	g[2] = rdev->mac[2];
	g[3] = 0xff;
	g[4] = 0xfe;
	g[5] = rdev->mac[3];
	g[6] = rdev->mac[4];
	g[7] = rdev->mac[5];
}

static int rdo_ib_query_device(struct ib_device *ibdev, struct ib_device_attr *a,
			    struct ib_udata *udata)
{
	struct rdo_dev *rdev = to_rdev(ibdev);
	const struct rdo_device_attr *d = &rdev->attr;
	u32 qp_log = min_t(u32, d->max_qp_log_size, RDO_QUEUE_LOG_SIZE_MAX);
	u32 cq_log = min_t(u32, d->max_cq_log_size, RDO_QUEUE_LOG_SIZE_MAX);
	/* SGEs that fit a 1 KiB WQE after the header and a UD segment. */
	u32 sge_fit = ((1u << RDO_WQE_SHIFT_MAX) - sizeof(struct rdo_send_wqe) -
		       sizeof(struct rdo_ud_seg)) / sizeof(struct rdo_sge);

	if (udata && (udata->inlen || udata->outlen))
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	a->fw_ver = rdev->hw_version;
	rdo_guid(rdev, &a->sys_image_guid);
	a->max_mr_size = 1ull << 40;
	a->page_size_cap = GENMASK_ULL(30, RDO_PAGE_SHIFT);
	a->vendor_id = RDO_PCI_VENDOR_ID;
	a->vendor_part_id = rdev->pdev->device;	/* the VF's own ID on a VF */
	a->hw_ver = rdev->pdev->revision;
	a->max_qp = rdev->usable_qps > 2 ? rdev->usable_qps - 2 : 0;
	a->max_qp_wr = 1 << qp_log;
	a->max_send_sge = min(d->max_sge, sge_fit);
	a->max_recv_sge = a->max_send_sge;
	a->max_sge_rd = a->max_send_sge;
	a->max_cq = d->max_cq;
	a->max_cqe = (1 << cq_log) - 1;
	a->cq_caps.max_cq_moderation_count = min_t(u32, 1u << cq_log, U16_MAX);
	a->cq_caps.max_cq_moderation_period = RDO_CQ_MOD_USEC_MAX;
	a->max_mr = rdev->usable_mrs;
	a->max_pd = d->max_pd;
	a->max_srq = d->max_srq;
	a->max_srq_wr = 1 << qp_log;
	a->max_srq_sge = min_t(u32, d->max_sge, RDO_MAX_RECV_SGE);
	a->max_qp_rd_atom = RDO_MAX_RD_ATOMIC;
	a->max_qp_init_rd_atom = RDO_MAX_RD_ATOMIC;
	a->max_res_rd_atom = RDO_MAX_RD_ATOMIC * a->max_qp;
	/* The device runs atomics one at a time, not locked against the CPU. */
	a->atomic_cap = IB_ATOMIC_HCA;
	a->max_ah = RDO_MAX_AH;
	a->max_pkeys = 1;
	a->local_ca_ack_delay = 16;
	/*
	 * Fast registration: what kernel ULPs (nvme-rdma, NFS/RDMA, RDS, iSER,
	 * SRP, SMC-R) look for before they bind.
	 */
	if (d->max_fast_reg_pages) {
		a->device_cap_flags |= IB_DEVICE_MEM_MGT_EXTENSIONS;
		a->max_fast_reg_page_list_len = d->max_fast_reg_pages;
	}
	/*
	 * The device's reserved key over all of guest memory: ib_core hands it
	 * to every kernel PD as pd->local_dma_lkey instead of registering a
	 * DMA MR per PD.
	 */
	if (d->local_dma_lkey)
		a->kernel_cap_flags |= IBK_LOCAL_DMA_LKEY;
	a->max_mcast_grp = d->max_mcast_grp;
	a->max_mcast_qp_attach = d->max_mcast_qp_attach;
	a->max_total_mcast_qp_attach = d->max_total_mcast_qp_attach;
	/* Memory windows (user space): type 1 and type 2B, IBA 10.6.7. */
	if (d->mw_types & RDO_DEV_MW_TYPE_1) {
		a->device_cap_flags |= IB_DEVICE_MEM_WINDOW;
		a->max_mw = d->max_mw;
	}
	if (d->mw_types & RDO_DEV_MW_TYPE_2B)
		a->device_cap_flags |= IB_DEVICE_MEM_WINDOW_TYPE_2B;
	return 0;
}

static bool rdo_port_up(struct rdo_dev *rdev, u32 port)
{
	return !rdo_dead(rdev) && test_bit(RDO_F_CTRL_UP, &rdev->flags) &&
	       (rdo_rd32(rdev, rdo_port_status_reg(port)) & RDO_PORT_LINK_UP);
}

/*
 * The port speed QUERY_PORT reports (Mbit/s: the device's link-gbps) as an
 * IB lane speed times a width: the fastest combination not above it, 4X
 * first, then 1X, 2X, 8X, 12X (100 Gbit/s: EDR 4X; 25: EDR 1X; 40: QDR 4X;
 * 400: NDR 4X; 1600: NDR 12X); below 2.5 Gbit/s SDR 1X.
 */
static void rdo_ib_rate(u32 mbps, u16 *speed, u8 *width)
{
	static const struct { u16 speed; u32 lane_mbps; } speeds[] = {
		{ IB_SPEED_SDR, 2500 }, { IB_SPEED_DDR, 5000 }, { IB_SPEED_QDR, 10000 },
		{ IB_SPEED_FDR, 14000 }, { IB_SPEED_EDR, 25000 }, { IB_SPEED_HDR, 50000 },
		{ IB_SPEED_NDR, 100000 },
	};
	static const struct { u8 width; u32 lanes; } widths[] = {
		{ IB_WIDTH_4X, 4 }, { IB_WIDTH_1X, 1 }, { IB_WIDTH_2X, 2 },
		{ IB_WIDTH_8X, 8 }, { IB_WIDTH_12X, 12 },
	};
	u32 best = 0;
	int s, w;

	*speed = IB_SPEED_SDR;
	*width = IB_WIDTH_1X;
	for (w = 0; w < ARRAY_SIZE(widths); w++)
		for (s = 0; s < ARRAY_SIZE(speeds); s++) {
			u32 total = speeds[s].lane_mbps * widths[w].lanes;

			if (total <= mbps && total > best) {
				best = total;
				*speed = speeds[s].speed;
				*width = widths[w].width;
			}
		}
}

static int rdo_ib_query_port(struct ib_device *ibdev, u32 port,
			  struct ib_port_attr *a)
{
	struct rdo_dev *rdev = to_rdev(ibdev);
	const struct rdo_port_attr *p = rdo_port_attr(rdev, port);
	struct net_device *ndev = rdo_port_ndev(rdev, port);
	bool up = rdo_port_up(rdev, port);

	/* ib_core zeroes *a before calling. */
	a->state = up ? IB_PORT_ACTIVE : IB_PORT_DOWN;
	a->phys_state = up ? IB_PORT_PHYS_STATE_LINK_UP : IB_PORT_PHYS_STATE_DISABLED;
	a->max_mtu = IB_MTU_4096;
	a->active_mtu = p->active_mtu >= IB_MTU_256 && p->active_mtu <= IB_MTU_4096 ?
			p->active_mtu : IB_MTU_1024;
	if (ndev)
		a->active_mtu = min_t(int, a->active_mtu, iboe_get_mtu(ndev->mtu));
	a->gid_tbl_len = min(p->gid_table_len, rdo_rd32(rdev, RDO_REG_MAX_GID));
	a->pkey_tbl_len = 1;
	a->max_msg_sz = rdev->attr.max_msg_size;
	a->lid = 0;
	a->sm_lid = 0;
	rdo_ib_rate(p->speed_mbps, &a->active_speed, &a->active_width);
	return 0;
}

static int rdo_get_port_immutable(struct ib_device *ibdev, u32 port,
				  struct ib_port_immutable *im)
{
	struct ib_port_attr a;
	int ret;

	ret = ib_query_port(ibdev, port, &a);
	if (ret)
		return ret;
	im->pkey_tbl_len = a.pkey_tbl_len;
	im->gid_tbl_len = a.gid_tbl_len;
	/*
	 * RoCEv2 with MADs and the CM over the device's GSI (QP 1), which is
	 * port 1's: port 2 carries RoCEv2 verbs without MADs (no CM).
	 */
	if (port == 2) {
		im->core_cap_flags = RDMA_CORE_CAP_PROT_ROCE_UDP_ENCAP;
		im->max_mad_size = 0;
		return 0;
	}
	im->core_cap_flags = RDMA_CORE_PORT_IBA_ROCE_UDP_ENCAP;
	im->max_mad_size = IB_MGMT_MAD_SIZE;
	return 0;
}

static enum rdma_link_layer rdo_get_link_layer(struct ib_device *ibdev, u32 port)
{
	return IB_LINK_LAYER_ETHERNET;
}

/*
 * The port's net_device, with a reference. ib_core has it from
 * ib_device_set_netdev, but SMC-R (smc_pnet_find_rdma_dev) asks only this
 * op when it looks for the RDMA port behind a TCP connection's interface;
 * without it every AF_SMC connection falls back to TCP. The net_device
 * outlives the ib_device (rdo_remove unregisters the ib_device first).
 */
static struct net_device *rdo_get_netdev(struct ib_device *ibdev, u32 port)
{
	struct net_device *ndev = rdo_port_ndev(to_rdev(ibdev), port);

	if (ndev)
		dev_hold(ndev);
	return ndev;
}

static int rdo_query_pkey(struct ib_device *ibdev, u32 port, u16 index, u16 *pkey)
{
	if (index)
		return -EINVAL;
	*pkey = IB_DEFAULT_PKEY_FULL;
	return 0;
}

static int rdo_set_gid(const struct ib_gid_attr *attr, bool valid)
{
	struct rdo_dev *rdev = to_rdev(attr->device);
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_SET_GID, .obj = attr->index };

	if (attr->gid_type != IB_GID_TYPE_ROCE_UDP_ENCAP)
		return -EINVAL;
	if (valid)
		memcpy(cmd.u.set_gid.gid, attr->gid.raw, sizeof(cmd.u.set_gid.gid));
	cmd.u.set_gid.valid = valid;
	cmd.u.set_gid.port = rdo_port_obj(attr->port_num);	/* its own table */
	return rdo_cqp_exec(rdev, &cmd, NULL, NULL, 0);
}

static int rdo_add_gid(const struct ib_gid_attr *attr, void **context)
{
	return rdo_set_gid(attr, true);
}

static int rdo_del_gid(const struct ib_gid_attr *attr, void **context)
{
	struct rdo_dev *rdev = to_rdev(attr->device);
	int ret = rdo_set_gid(attr, false);

	return rdo_dead(rdev) ? 0 : ret;
}

static int rdo_alloc_pd(struct ib_pd *ibpd, struct ib_udata *udata)
{
	struct rdo_dev *rdev = to_rdev(ibpd->device);
	struct rdo_pd *pd = to_rpd(ibpd);
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_CREATE_PD };
	int pdn, ret;

	pdn = rdo_id_alloc(rdev, RDO_USE_PD, &rdev->pd_ida, 0, rdev->attr.max_pd - 1);
	if (pdn < 0)
		return pdn;
	cmd.obj = pdn;
	pd->rdev = rdev;
	pd->lost = false;
	pd->moved = NULL;
	mutex_init(&pd->mr_lock);
	INIT_LIST_HEAD(&pd->mrs);
	/* Only a kernel consumer's PD may use the local DMA key. */
	if (!udata)
		cmd.u.create_pd.flags = RDO_PD_F_KERNEL;
	ret = rdo_cqp_exec(rdev, &cmd, NULL, NULL, 0);
	if (ret) {
		rdo_id_free(rdev, RDO_USE_PD, &rdev->pd_ida, pdn);
		return ret;
	}
	pd->pdn = pdn;
	return 0;
}

static int rdo_dealloc_pd(struct ib_pd *ibpd, struct ib_udata *udata)
{
	struct rdo_pd *pd = to_rpd(ibpd);
	struct rdo_dev *rdev;
	int ret = 0;

	/* Its QP may have moved it; not lost meanwhile (rdo_move.c). */
	rdo_move_obj_lock();
	rdev = pd->rdev;
	if (!pd->lost)		/* lost: its function went after a move */
		ret = rdo_cqp_simple(rdev, RDO_CMD_DESTROY_PD, pd->pdn);
	if (ret && !rdo_dead(rdev))
		dev_err(&rdev->pdev->dev, "DESTROY_PD %u failed: %d\n", pd->pdn, ret);
	else if (!pd->lost)
		rdo_id_free(rdev, RDO_USE_PD, &rdev->pd_ida, pd->pdn);
	rdo_move_obj_unlock(&pd->moved, pd);
	return 0;
}

/* An address handle lives in the driver: UD WQEs carry the address. */
static int rdo_create_ah(struct ib_ah *ibah, struct rdma_ah_init_attr *init,
			 struct ib_udata *udata)
{
	struct rdma_ah_attr *attr = init->ah_attr;
	const struct ib_global_route *grh = rdma_ah_read_grh(attr);
	struct rdo_ah *ah = to_rah(ibah);

	if (attr->type != RDMA_AH_ATTR_TYPE_ROCE || !grh || !grh->sgid_attr)
		return -EINVAL;
	memset(&ah->av, 0, sizeof(ah->av));
	memcpy(ah->av.dmac, attr->roce.dmac, ETH_ALEN);
	memcpy(ah->av.dgid, grh->dgid.raw, sizeof(ah->av.dgid));
	ah->av.sgid_index = grh->sgid_attr->index;
	ah->av.hop_limit = grh->hop_limit;
	if (udata) {
		/* The provider builds its own WQEs: it needs the resolved MAC. */
		struct rdo_create_ah_resp resp = { .sgid_index = ah->av.sgid_index };

		memcpy(resp.dmac, ah->av.dmac, ETH_ALEN);
		return rdo_udata_out(udata, &resp, sizeof(resp));
	}
	return 0;
}

static int rdo_destroy_ah(struct ib_ah *ibah, u32 flags)
{
	return 0;
}

/* UD multicast: the device delivers the group's packets to the QP. */
static int rdo_mcast(struct ib_qp *ibqp, union ib_gid *gid, u8 opcode)
{
	struct rdo_cqp_cmd cmd = { .opcode = opcode,
				   .obj = to_rqp(ibqp)->qpn };

	if (ibqp->qp_type != IB_QPT_UD)
		return -EINVAL;
	memcpy(cmd.u.mcast.gid, gid->raw, sizeof(cmd.u.mcast.gid));
	return rdo_cqp_exec(to_rdev(ibqp->device), &cmd, NULL, NULL, 0);
}

static int rdo_attach_mcast(struct ib_qp *ibqp, union ib_gid *gid, u16 lid)
{
	return rdo_mcast(ibqp, gid, RDO_CMD_ATTACH_MCAST);
}

static int rdo_detach_mcast(struct ib_qp *ibqp, union ib_gid *gid, u16 lid)
{
	struct rdo_dev *rdev = to_rdev(ibqp->device);
	int ret = rdo_mcast(ibqp, gid, RDO_CMD_DETACH_MCAST);

	return rdo_dead(rdev) ? 0 : ret;
}

static const struct ib_device_ops rdo_dev_ops = {
	.owner = THIS_MODULE,
	.driver_id = RDMA_DRIVER_UNKNOWN,
	.uverbs_abi_ver = RDO_UVERBS_ABI_VERSION,

	.add_gid = rdo_add_gid,
	.alloc_pd = rdo_alloc_pd,
	.alloc_ucontext = rdo_alloc_ucontext,
	.attach_mcast = rdo_attach_mcast,
	.create_ah = rdo_create_ah,
	.create_cq = rdo_create_cq,
	.create_qp = rdo_create_qp,
	.create_flow = rdo_raw_create_flow,
	.create_srq = rdo_create_srq,
	.create_user_ah = rdo_create_ah,
	.dealloc_pd = rdo_dealloc_pd,
	.dealloc_ucontext = rdo_dealloc_ucontext,
	.del_gid = rdo_del_gid,
	.detach_mcast = rdo_detach_mcast,
	.alloc_hw_port_stats = rdo_alloc_hw_port_stats,
	.alloc_mr = rdo_alloc_mr,
	.alloc_mw = rdo_alloc_mw,
	.dealloc_mw = rdo_dealloc_mw,
	.dereg_mr = rdo_dereg_mr,
	.destroy_ah = rdo_destroy_ah,
	.destroy_cq = rdo_destroy_cq,
	.destroy_qp = rdo_destroy_qp,
	.destroy_flow = rdo_raw_destroy_flow,
	.destroy_srq = rdo_destroy_srq,
	.fill_res_qp_entry = rdo_fill_res_qp_entry,
	.get_dma_mr = rdo_get_dma_mr,
	.get_hw_stats = rdo_get_hw_stats,
	.get_link_layer = rdo_get_link_layer,
	.get_netdev = rdo_get_netdev,
	.map_mr_sg = rdo_map_mr_sg,
	.get_port_immutable = rdo_get_port_immutable,
	.mmap = rdo_mmap,
	.mmap_free = rdo_mmap_free,
	.modify_cq = rdo_modify_cq,
	.modify_qp = rdo_modify_qp,
	.modify_srq = rdo_modify_srq,
	.poll_cq = rdo_poll_cq,
	.post_recv = rdo_post_recv,
	.post_send = rdo_post_send,
	.post_srq_recv = rdo_post_srq_recv,
	.query_device = rdo_ib_query_device,
	.query_pkey = rdo_query_pkey,
	.query_port = rdo_ib_query_port,
	.query_qp = rdo_query_qp,
	.query_srq = rdo_query_srq,
	.reg_user_mr = rdo_reg_user_mr,
	.req_notify_cq = rdo_req_notify_cq,
	.rereg_user_mr = rdo_rereg_user_mr,
	.resize_cq = rdo_resize_cq,

	INIT_RDMA_OBJ_SIZE(ib_ah, rdo_ah, ibah),
	INIT_RDMA_OBJ_SIZE(ib_cq, rdo_cq, ibcq),
	INIT_RDMA_OBJ_SIZE(ib_mw, rdo_mw, ibmw),
	INIT_RDMA_OBJ_SIZE(ib_pd, rdo_pd, ibpd),
	INIT_RDMA_OBJ_SIZE(ib_qp, rdo_qp, ibqp),
	INIT_RDMA_OBJ_SIZE(ib_srq, rdo_srq, ibsrq),
	INIT_RDMA_OBJ_SIZE(ib_ucontext, rdo_ucontext, ibuc),
};

int rdo_ib_register(struct rdo_dev *rdev)
{
	struct rdo_ibdev *ib;
	struct ib_device *ibdev;
	int ret;

	ib = ib_alloc_device(rdo_ibdev, ibdev);
	if (!ib)
		return -ENOMEM;
	ib->rdev = rdev;
	ibdev = &ib->ibdev;
	ibdev->node_type = RDMA_NODE_IB_CA;
	ibdev->phys_port_cnt = rdev->ports;
	ibdev->num_comp_vectors = max(rdo_comp_eqs(rdev), 1u);
	ibdev->dev.parent = &rdev->pdev->dev;
	rdo_guid(rdev, &ibdev->node_guid);
	ibdev->local_dma_lkey = rdev->attr.local_dma_lkey;
	strscpy(ibdev->node_desc, "rdma-offload", sizeof(ibdev->node_desc));
	ib_set_device_ops(ibdev, &rdo_dev_ops);
	ibdev->driver_def = rdo_ucm_defs;	/* the offloaded CM's methods */

	ret = ib_device_set_netdev(ibdev, rdev->ndev, 1);
	if (!ret && rdev->ports == 2)
		ret = ib_device_set_netdev(ibdev, rdev->ndev2, 2);
	if (ret)
		goto err;
	ret = ib_register_device(ibdev, "rdo%d", &rdev->pdev->dev);
	if (ret) {
		dev_err(&rdev->pdev->dev, "cannot register ib_device: %d\n", ret);
		goto err;
	}
	rdev->port_reported[0] = rdev->port_reported[1] = -1;
	WRITE_ONCE(rdev->ib, ib);
	rdo_ib_port_event(rdev, 1, rdo_port_up(rdev, 1));
	if (rdev->ports == 2)
		rdo_ib_port_event(rdev, 2, rdo_port_up(rdev, 2));
	return 0;
err:
	ib_dealloc_device(ibdev);
	return ret;
}

void rdo_ib_unregister(struct rdo_dev *rdev)
{
	struct rdo_ibdev *ib = rdev->ib;

	if (!ib)
		return;
	rdo_move_orphan(rdev);
	WRITE_ONCE(rdev->ib, NULL);
	/* Interrupt handlers may still hold it. */
	synchronize_irq(rdev->vectors[0].irq);
	ib_unregister_device(&ib->ibdev);
	ib_dealloc_device(&ib->ibdev);
}

static void rdo_ib_dispatch(struct rdo_dev *rdev, u32 port,
			    enum ib_event_type type)
{
	struct rdo_ibdev *ib = READ_ONCE(rdev->ib);
	struct ib_event ev = { .event = type };

	if (!ib)
		return;
	ev.device = &ib->ibdev;
	ev.element.port_num = port;
	ib_dispatch_event(&ev);
}

/* Any context: tell consumers when a port's state changed. */
void rdo_ib_port_event(struct rdo_dev *rdev, u32 port, bool up)
{
	if (!READ_ONCE(rdev->ib) || port < 1 || port > rdev->ports ||
	    xchg(&rdev->port_reported[port - 1], up) == up)
		return;
	rdo_ib_dispatch(rdev, port, up ? IB_EVENT_PORT_ACTIVE : IB_EVENT_PORT_ERR);
}

void rdo_ib_fatal_event(struct rdo_dev *rdev)
{
	rdo_ib_dispatch(rdev, 1, IB_EVENT_DEVICE_FATAL);
}

const char *rdo_ib_name(struct rdo_dev *rdev)
{
	return rdev->ib ? dev_name(&rdev->ib->ibdev.dev) : "-";
}
