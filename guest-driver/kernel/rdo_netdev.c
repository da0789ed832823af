// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: the Ethernet function as a net_device.
 *
 * One per port: the port's identity and state (MAC, link from its
 * PORT_STATUS and PORT_CHANGE events, MTU through SET_PORT) and its
 * non-RoCE traffic: queue pairs (interface 0.3, rdo-eth.h), one per CPU as
 * far as the port's share of the device's queues (all of them on a
 * one-port device, half on two) and the completion vectors go, each a
 * TXQ and an RXQ whose
 * completions share a CQ on its own completion EQ and vector, served by
 * its own NAPI (rdo_eth_data.c). The stack picks the TX queue (XPS maps
 * each CPU to the pair whose vector it serves), the device's RSS hash the
 * RX queue. The device
 * segments TCP sends (TSO), inserts and verifies checksums and coalesces
 * received TCP segments (LRO); ethtool -S shows its counters. ib_core
 * derives the RoCEv2 GIDs from this net_device.
 *
 * The queues exist while the interface is up and the control path runs:
 * ndo_open/ndo_stop create and destroy them, and so does the driver's life
 * cycle (rdo_netdev_queues_down before the control path goes, for remove,
 * reset and fatal-error recovery; rdo_netdev_queues_restore after it came
 * back). qlock serialises the two.
 */
#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>

#include "rdo_eth.h"

#define RDO_ETH_MTU_MIN		576
#define RDO_ETH_MTU_MAX		9000

static unsigned short lro_usec = 50;
module_param(lro_usec, ushort, 0444);
MODULE_PARM_DESC(lro_usec, "LRO flush timer of the receive queues, 1-1000 microseconds (default 50)");

static unsigned int eth_queues;
module_param(eth_queues, uint, 0444);
MODULE_PARM_DESC(eth_queues, "Ethernet queue pairs at most (0, the default: one per online CPU, as far as the device's queues and completion vectors go)");

static unsigned int raw_queues = 2;
module_param(raw_queues, uint, 0444);
MODULE_PARM_DESC(raw_queues, "Ethernet TXQ/RXQ pairs set aside for raw packet QPs, the device's highest numbers (default 2; each port keeps at least one pair for its net_device)");

/* The LRO flush timer of every LRO RXQ, the raw packet QPs' too. */
u16 rdo_eth_lro_usec(void)
{
	return clamp_t(u16, lro_usec, 1, 1000);
}

struct rdo_dev *rdo_from_netdev(struct net_device *ndev)
{
	return rdo_eth_priv(ndev)->rdev;
}

static bool rdo_link_up(struct rdo_dev *rdev, u32 port)
{
	return !rdo_dead(rdev) && test_bit(RDO_F_CTRL_UP, &rdev->flags) &&
	       (rdo_rd32(rdev, rdo_port_status_reg(port)) & RDO_PORT_LINK_UP);
}

/*
 * Any context: PORT_CHANGE arrives in the EQ 0 interrupt handler. Each
 * port's link is read again: the event's port only says which changed.
 */
void rdo_netdev_link_update(struct rdo_dev *rdev)
{
	u32 port;

	for (port = 1; port <= max(rdev->ports, 1u); port++) {
		struct net_device *ndev = rdo_port_ndev(rdev, port);
		bool up = rdo_link_up(rdev, port);

		if (ndev) {
			if (up && !netif_carrier_ok(ndev))
				netif_carrier_on(ndev);
			else if (!up && netif_carrier_ok(ndev))
				netif_carrier_off(ndev);
		}
		rdo_ib_port_event(rdev, port, up);
	}
}

/* The device's Ethernet counters, ethtool -S names (rdo-regs.h order). */
static const struct {
	const char *name;
	u32 reg;
} rdo_eth_hw_stats[RDO_ETH_HW_STATS] = {
	{ "hw_tx_frames", RDO_REG_CNT_ETH_TX_FRAMES },
	{ "hw_tx_bytes", RDO_REG_CNT_ETH_TX_BYTES },
	{ "hw_tso_segments", RDO_REG_CNT_ETH_TSO_SEGMENTS },
	{ "hw_tx_csum", RDO_REG_CNT_ETH_TX_CSUM },
	{ "hw_tx_errors", RDO_REG_CNT_ETH_TX_ERRORS },
	{ "hw_rx_bytes", RDO_REG_CNT_ETH_RX_BYTES },
	{ "hw_rx_buffers", RDO_REG_CNT_ETH_RX_BUFFERS },
	{ "hw_rx_csum_ok", RDO_REG_CNT_ETH_RX_CSUM_OK },
	{ "hw_rx_csum_bad", RDO_REG_CNT_ETH_RX_CSUM_BAD },
	{ "hw_lro_segments", RDO_REG_CNT_ETH_LRO_SEGMENTS },
	{ "hw_lro_flushes", RDO_REG_CNT_ETH_LRO_FLUSHES },
	{ "hw_rx_no_buf", RDO_REG_CNT_ETH_RX_NO_BUF },
	{ "hw_rx_filtered", RDO_REG_CNT_ETH_RX_FILTERED },
	{ "hw_rx_errors", RDO_REG_CNT_ETH_RX_ERRORS },
	{ "hw_rx_frames", RDO_REG_CNT_ETH_RX_FRAMES },
};

#define RDO_ETH_SW_STAT(field) { #field, offsetof(struct rdo_eth_sw_stats, field) }
static const struct {
	const char *name;
	size_t off;
} rdo_eth_sw_stats[] = {
	RDO_ETH_SW_STAT(tx_tso_packets),
	RDO_ETH_SW_STAT(tx_csum_partial),
	RDO_ETH_SW_STAT(tx_dropped),
	RDO_ETH_SW_STAT(tx_errors),
	RDO_ETH_SW_STAT(rx_lro_packets),
	RDO_ETH_SW_STAT(rx_csum_unnecessary),
	RDO_ETH_SW_STAT(rx_errors),
	RDO_ETH_SW_STAT(rx_alloc_failed),
};

/* The queue pairs' counters added up. */
static void rdo_eth_sw_sum(struct rdo_eth_priv *p, struct rdo_eth_sw_stats *sum)
{
	unsigned int i, k;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < p->nq_max; i++)
		for (k = 0; k < sizeof(*sum) / sizeof(u64); k++)
			((u64 *)sum)[k] += READ_ONCE(((u64 *)&p->q[i].stats)[k]);
}

/*
 * The 32-bit device counters folded into 64-bit totals. Only while the
 * queues are up: a device reset (recovery) clears the counters, and
 * rdo_eth_queues_up takes a new starting point after it.
 */
static void rdo_eth_hw_stats_update(struct rdo_eth_priv *p, bool snapshot)
{
	struct rdo_dev *rdev = p->rdev;
	unsigned int i;

	if (rdo_dead(rdev) || !test_bit(RDO_F_CTRL_UP, &rdev->flags))
		return;
	spin_lock(&p->stats_lock);
	for (i = 0; i < RDO_ETH_HW_STATS; i++) {
		u32 v = rdo_rd32(rdev, rdo_eth_hw_stats[i].reg);

		if (!snapshot)
			p->hw_total[i] += (u32)(v - p->hw_last[i]);
		p->hw_last[i] = v;
	}
	spin_unlock(&p->stats_lock);
}

static int rdo_eth_cq_create(struct rdo_eth_queue *q)
{
	struct rdo_dev *rdev = q->p->rdev;
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_CREATE_CQ };
	unsigned int ncomp = rdo_comp_eqs(rdev);
	int cqn, ret;

	cqn = rdo_id_alloc(rdev, RDO_USE_CQ, &rdev->cq_ida, 0, rdev->attr.max_cq - 1);
	if (cqn < 0)
		return cqn;
	ret = rdo_ring_alloc(rdev, &q->cq, RDO_ETH_CQ_LOG, 5);
	if (ret)
		goto err_ida;
	q->cqn = cqn;
	q->cq_ci = 0;
	/* Pair i on completion EQ i + 1: its own vector, hence its own CPU. */
	q->eqn = ncomp ? 1 + q->qn % ncomp : 0;
	cmd.obj = cqn;
	cmd.u.create_cq.ring_addr = rdo_ring_addr(&q->cq);
	cmd.u.create_cq.log_size = RDO_ETH_CQ_LOG;
	cmd.u.create_cq.ring_flags = rdo_ring_flags(&q->cq);
	cmd.u.create_cq.eqn = q->eqn;
	/* NAPI re-arms only when it is done; this bounds the rest. */
	cmd.u.create_cq.moderation_count = 16;
	cmd.u.create_cq.moderation_usec = 10;
	ret = rdo_cqp_exec(rdev, &cmd, NULL, NULL, 0);
	if (ret)
		goto err_ring;
	q->cq_made = true;
	return 0;
err_ring:
	rdo_ring_free(rdev, &q->cq);
err_ida:
	/* Nothing of it left for rdo_eth_queue_free. */
	memset(&q->cq, 0, sizeof(q->cq));
	rdo_id_free(rdev, RDO_USE_CQ, &rdev->cq_ida, cqn);
	return ret;
}

static int rdo_eth_txq_create(struct rdo_eth_queue *q)
{
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_CREATE_ETH_TXQ, .obj = q->hwq };
	struct rdo_dev *rdev = q->p->rdev;
	int ret;

	ret = rdo_ring_alloc(rdev, &q->txq, RDO_ETH_TXQ_LOG, RDO_ETH_TX_WQE_SHIFT);
	if (ret)
		return ret;
	q->tx = kcalloc(1u << RDO_ETH_TXQ_LOG, sizeof(*q->tx), GFP_KERNEL);
	if (!q->tx)
		return -ENOMEM;
	q->tx_pi = q->tx_ci = 0;
	cmd.u.create_eth_txq.ring_addr = rdo_ring_addr(&q->txq);
	cmd.u.create_eth_txq.log_size = RDO_ETH_TXQ_LOG;
	cmd.u.create_eth_txq.wqe_shift = RDO_ETH_TX_WQE_SHIFT;
	cmd.u.create_eth_txq.ring_flags = rdo_ring_flags(&q->txq);
	cmd.u.create_eth_txq.cqn = q->cqn;
	ret = rdo_cqp_exec(rdev, &cmd, NULL, NULL, 0);
	q->txq_made = !ret;
	return ret;
}

static int rdo_eth_rxq_create(struct rdo_eth_queue *q)
{
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_CREATE_ETH_RXQ, .obj = q->hwq };
	struct rdo_dev *rdev = q->p->rdev;
	int ret;

	ret = rdo_ring_alloc(rdev, &q->rxq, RDO_ETH_RXQ_LOG, RDO_ETH_RX_WQE_SHIFT);
	if (ret)
		return ret;
	q->rx = kcalloc(1u << RDO_ETH_RXQ_LOG, sizeof(*q->rx), GFP_KERNEL);
	if (!q->rx)
		return -ENOMEM;
	q->rx_pi = 0;
	cmd.u.create_eth_rxq.ring_addr = rdo_ring_addr(&q->rxq);
	cmd.u.create_eth_rxq.log_size = RDO_ETH_RXQ_LOG;
	cmd.u.create_eth_rxq.ring_flags = rdo_ring_flags(&q->rxq);
	cmd.u.create_eth_rxq.cqn = q->cqn;
	cmd.u.create_eth_rxq.port = q->p->port;	/* the frames of its port */
	if (q->p->lro) {
		cmd.u.create_eth_rxq.flags = RDO_ETH_RXQ_F_LRO;
		cmd.u.create_eth_rxq.lro_usec = rdo_eth_lro_usec();
	}
	ret = rdo_cqp_exec(rdev, &cmd, NULL, NULL, 0);
	q->rxq_made = !ret;
	return ret;
}

/*
 * Destroys what rdo_eth_queue_create made of one pair. Its memory is
 * freed only when the device let go of it: it acknowledged the destroys,
 * or it is dead (reset). Otherwise it is leaked rather than handed back
 * while the device might still write it.
 */
static bool rdo_eth_queue_destroy(struct rdo_eth_queue *q)
{
	struct rdo_dev *rdev = q->p->rdev;
	bool gone = true;

	if (q->rxq_made && rdo_cqp_simple(rdev, RDO_CMD_DESTROY_ETH_RXQ, q->hwq))
		gone = false;
	if (q->txq_made && rdo_cqp_simple(rdev, RDO_CMD_DESTROY_ETH_TXQ, q->hwq))
		gone = false;
	if (q->cq_made && rdo_cqp_simple(rdev, RDO_CMD_DESTROY_CQ, q->cqn))
		gone = false;
	q->rxq_made = q->txq_made = q->cq_made = false;
	if (!gone && !rdo_dead(rdev)) {
		netdev_err(q->p->ndev, "the device kept Ethernet queue pair %u; its memory is leaked\n",
			   q->qn);
		return false;
	}
	return true;
}

static void rdo_eth_queue_free(struct rdo_eth_queue *q)
{
	struct rdo_dev *rdev = q->p->rdev;

	rdo_eth_tx_drain(q);
	rdo_eth_rx_drain(q);
	kfree(q->tx);
	kfree(q->rx);
	q->tx = NULL;
	q->rx = NULL;
	rdo_ring_free(rdev, &q->txq);
	rdo_ring_free(rdev, &q->rxq);
	if (q->cq.log_size) {
		rdo_ring_free(rdev, &q->cq);
		rdo_id_free(rdev, RDO_USE_CQ, &rdev->cq_ida, q->cqn);
	}
	memset(&q->cq, 0, sizeof(q->cq));
}

static int rdo_eth_queue_create(struct rdo_eth_queue *q)
{
	int ret;

	memset(&q->cq, 0, sizeof(q->cq));
	ret = rdo_eth_cq_create(q);
	if (!ret)
		ret = rdo_eth_txq_create(q);
	if (!ret)
		ret = rdo_eth_rxq_create(q);
	return ret;
}

/* Destroys pairs [0, n); frees those the device let go of. */
static void rdo_eth_queues_destroy(struct rdo_eth_priv *p, unsigned int n,
				   bool gone[])
{
	unsigned int i;

	for (i = 0; i < n; i++)
		gone[i] = rdo_eth_queue_destroy(&p->q[i]);
}

/*
 * The TXQ/RXQ pairs set aside for raw packet QPs (rdo_raw.c): the n
 * highest numbers, from *base on. Fixed by the device's queue count and
 * the port count, so the net_devices' shares below never overlap them.
 */
unsigned int rdo_eth_raw_range(struct rdo_dev *rdev, unsigned int *base)
{
	unsigned int all = min(rdev->attr.max_eth_txq, rdev->attr.max_eth_rxq);
	unsigned int ports = rdev->ports == 2 ? 2 : 1;
	unsigned int n = 0;

	if ((rdev->caps & RDO_CAP_ETH_QUEUES) && all > ports)
		n = min(raw_queues, all - ports);
	*base = all - n;
	return n;
}

/*
 * A port's share of the device's TXQs and RXQs below the raw QPs' pairs,
 * from *base on: all of them on a one-port device, half each on two
 * (port 1 the lower half). RSS picks among the RXQs of the frame's port,
 * so each net_device spreads over its own.
 */
static unsigned int rdo_eth_port_share(struct rdo_dev *rdev, u32 port,
				       unsigned int *base)
{
	unsigned int n;

	rdo_eth_raw_range(rdev, &n);
	if (rdev->ports == 2)
		n /= 2;
	*base = port == 2 ? n : 0;
	return n;
}

/*
 * Pairs the interface can use now: the net_device's, within its port's
 * share (the restart after a reset cannot grow or shrink them), which
 * starts at p->qbase.
 */
static unsigned int rdo_eth_hw_queues(struct rdo_eth_priv *p)
{
	return min(p->nq_max, rdo_eth_port_share(p->rdev, p->port, &p->qbase));
}

/* Called with qlock held. */
static int rdo_eth_queues_up(struct rdo_eth_priv *p)
{
	struct rdo_dev *rdev = p->rdev;
	bool gone[RDO_ETH_MAX_TXQ];
	unsigned int i;
	int ret = 0;

	if (p->up || rdo_dead(rdev) || !test_bit(RDO_F_CTRL_UP, &rdev->flags))
		return 0;
	if (!(rdev->caps & RDO_CAP_ETH_QUEUES) || !rdev->attr.max_eth_txq ||
	    !rdev->attr.max_eth_rxq) {
		netdev_warn_once(p->ndev, "device has no Ethernet queues: the port carries RoCE only\n");
		return 0;
	}
	if (rdo_eth_hw_queues(p) < p->nq) {
		netdev_err(p->ndev, "the device has %u Ethernet queue pairs, the interface %u\n",
			   rdo_eth_hw_queues(p), p->nq);
		return -ENODEV;
	}
	for (i = 0; i < p->nq && !ret; i++) {
		p->q[i].hwq = p->qbase + i;
		ret = rdo_eth_queue_create(&p->q[i]);
	}
	if (ret) {
		rdo_eth_queues_destroy(p, i, gone);
		while (i--)
			if (gone[i])
				rdo_eth_queue_free(&p->q[i]);
		netdev_err(p->ndev, "cannot create the Ethernet queues: %d\n", ret);
		return ret;
	}
	rdo_eth_hw_stats_update(p, true);
	for (i = 0; i < p->nq; i++)
		napi_enable(&p->q[i].napi);
	WRITE_ONCE(p->up, true);
	for (i = 0; i < p->nq; i++) {
		rdo_eth_rx_refill(&p->q[i], GFP_KERNEL);
		rdo_eth_cq_arm(&p->q[i]);
	}
	netif_tx_wake_all_queues(p->ndev);
	return 0;
}

/* Called with qlock held. */
static void rdo_eth_queues_down(struct rdo_eth_priv *p)
{
	struct rdo_dev *rdev = p->rdev;
	bool gone[RDO_ETH_MAX_TXQ];
	unsigned int i;

	if (!p->up)
		return;
	netif_tx_disable(p->ndev);
	rdo_eth_hw_stats_update(p, false);
	WRITE_ONCE(p->up, false);
	rdo_eth_queues_destroy(p, p->nq, gone);
	for (i = 0; i < p->nq; i++) {
		struct rdo_eth_queue *q = &p->q[i];

		/* No handler may still be scheduling NAPI, nor NAPI running. */
		synchronize_irq(rdev->vectors[q->eqn].irq);
		napi_disable(&q->napi);
		if (gone[i])
			rdo_eth_queue_free(q);
	}
}

/* Port `port`'s net_device's private part, or NULL. */
static struct rdo_eth_priv *rdo_port_priv(struct rdo_dev *rdev, u32 port)
{
	struct net_device *ndev = rdo_port_ndev(rdev, port);

	return ndev ? rdo_eth_priv(ndev) : NULL;
}

void rdo_netdev_queues_down(struct rdo_dev *rdev)
{
	struct rdo_eth_priv *p;
	u32 port;

	for (port = 1; port <= 2; port++) {
		p = rdo_port_priv(rdev, port);
		if (!p)
			continue;
		mutex_lock(&p->qlock);
		rdo_eth_queues_down(p);
		mutex_unlock(&p->qlock);
	}
}

int rdo_netdev_queues_restore(struct rdo_dev *rdev)
{
	int ret = 0;
	u32 port;

	for (port = 1; port <= 2 && !ret; port++) {
		struct rdo_eth_priv *p = rdo_port_priv(rdev, port);

		if (!p)
			continue;
		mutex_lock(&p->qlock);
		if (p->want_up) {
			ret = rdo_eth_queues_up(p);
			if (!ret)
				p->queue_restarts++;
		}
		mutex_unlock(&p->qlock);
	}
	return ret;
}

static int rdo_ndo_open(struct net_device *ndev)
{
	struct rdo_eth_priv *p = rdo_eth_priv(ndev);
	int ret;

	mutex_lock(&p->qlock);
	p->want_up = true;
	ret = rdo_eth_queues_up(p);
	if (ret)
		p->want_up = false;
	mutex_unlock(&p->qlock);
	if (ret)
		return ret;
	rdo_netdev_link_update(p->rdev);
	return 0;
}

static int rdo_ndo_stop(struct net_device *ndev)
{
	struct rdo_eth_priv *p = rdo_eth_priv(ndev);

	mutex_lock(&p->qlock);
	p->want_up = false;
	rdo_eth_queues_down(p);
	mutex_unlock(&p->qlock);
	return 0;
}

static int rdo_set_mtu(struct rdo_dev *rdev, u32 port, u32 mtu)
{
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_SET_PORT,
				   .obj = rdo_port_obj(port) };
	int ret;

	cmd.u.set_port.mask = RDO_PORT_SET_MTU;
	cmd.u.set_port.mtu = mtu;
	ret = rdo_cqp_exec(rdev, &cmd, NULL, NULL, 0);
	if (!ret)
		ret = rdo_query_port(rdev);
	return ret;
}

/* Receive buffers take 9000-byte frames already: only the port changes. */
static int rdo_ndo_change_mtu(struct net_device *ndev, int mtu)
{
	int ret = rdo_set_mtu(rdo_from_netdev(ndev), rdo_eth_priv(ndev)->port, mtu);

	if (!ret)
		ndev->mtu = mtu;
	return ret;
}

/* After the control path (re)started: the port takes the netdev's MTU. */
int rdo_netdev_sync(struct rdo_dev *rdev)
{
	int ret = 0;
	u32 port;

	for (port = 1; port <= rdev->ports && !ret; port++) {
		struct net_device *ndev = rdo_port_ndev(rdev, port);
		u32 mtu;

		if (!ndev)
			continue;
		mtu = READ_ONCE(ndev->mtu);
		if (rdo_port_attr(rdev, port)->eth_mtu != mtu)
			ret = rdo_set_mtu(rdev, port, mtu);
	}
	return ret;
}

/* LRO is a property of the receive queue: toggling it re-creates it. */
static int rdo_ndo_set_features(struct net_device *ndev,
				netdev_features_t features)
{
	struct rdo_eth_priv *p = rdo_eth_priv(ndev);
	bool lro = !!(features & NETIF_F_LRO);
	int ret = 0;

	if (lro == p->lro)
		return 0;
	mutex_lock(&p->qlock);
	p->lro = lro;
	if (p->up) {
		rdo_eth_queues_down(p);
		ret = rdo_eth_queues_up(p);
	}
	mutex_unlock(&p->qlock);
	return ret;
}

static void rdo_ndo_get_stats64(struct net_device *ndev,
				struct rtnl_link_stats64 *s)
{
	struct rdo_eth_sw_stats sum;

	rdo_eth_sw_sum(rdo_eth_priv(ndev), &sum);
	s->tx_packets = sum.tx_packets;
	s->tx_bytes = sum.tx_bytes;
	s->tx_dropped = sum.tx_dropped;
	s->tx_errors = sum.tx_errors;
	s->rx_packets = sum.rx_packets;
	s->rx_bytes = sum.rx_bytes;
	s->rx_errors = sum.rx_errors;
	s->rx_dropped = sum.rx_alloc_failed;
}

static const struct net_device_ops rdo_netdev_ops = {
	.ndo_open = rdo_ndo_open,
	.ndo_stop = rdo_ndo_stop,
	.ndo_start_xmit = rdo_eth_start_xmit,
	.ndo_features_check = rdo_eth_features_check,
	.ndo_change_mtu = rdo_ndo_change_mtu,
	.ndo_set_features = rdo_ndo_set_features,
	.ndo_get_stats64 = rdo_ndo_get_stats64,
	.ndo_validate_addr = eth_validate_addr,
};

static void rdo_get_drvinfo(struct net_device *ndev, struct ethtool_drvinfo *info)
{
	struct rdo_dev *rdev = rdo_from_netdev(ndev);

	strscpy(info->driver, RDO_DRV_NAME, sizeof(info->driver));
	strscpy(info->bus_info, pci_name(rdev->pdev), sizeof(info->bus_info));
	snprintf(info->fw_version, sizeof(info->fw_version), "interface %u.%u",
		 rdev->hw_version >> 16, rdev->hw_version & 0xffff);
}

/* Device counters, the driver's totals, queue_restarts, then per pair. */
static int rdo_get_sset_count(struct net_device *ndev, int sset)
{
	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return RDO_ETH_HW_STATS + ARRAY_SIZE(rdo_eth_sw_stats) + 1 +
	       2 * rdo_eth_priv(ndev)->nq_max;
}

static void rdo_get_strings(struct net_device *ndev, u32 sset, u8 *data)
{
	unsigned int i;

	if (sset != ETH_SS_STATS)
		return;
	for (i = 0; i < RDO_ETH_HW_STATS; i++)
		ethtool_sprintf(&data, "%s", rdo_eth_hw_stats[i].name);
	for (i = 0; i < ARRAY_SIZE(rdo_eth_sw_stats); i++)
		ethtool_sprintf(&data, "%s", rdo_eth_sw_stats[i].name);
	ethtool_sprintf(&data, "queue_restarts");
	for (i = 0; i < rdo_eth_priv(ndev)->nq_max; i++) {
		ethtool_sprintf(&data, "tx%u_packets", i);
		ethtool_sprintf(&data, "rx%u_packets", i);
	}
}

static void rdo_get_ethtool_stats(struct net_device *ndev,
				  struct ethtool_stats *stats, u64 *data)
{
	struct rdo_eth_priv *p = rdo_eth_priv(ndev);
	struct rdo_eth_sw_stats sum;
	unsigned int i;

	mutex_lock(&p->qlock);
	if (p->up)
		rdo_eth_hw_stats_update(p, false);
	mutex_unlock(&p->qlock);
	spin_lock(&p->stats_lock);
	for (i = 0; i < RDO_ETH_HW_STATS; i++)
		*data++ = p->hw_total[i];
	spin_unlock(&p->stats_lock);
	rdo_eth_sw_sum(p, &sum);
	for (i = 0; i < ARRAY_SIZE(rdo_eth_sw_stats); i++)
		*data++ = *(u64 *)((u8 *)&sum + rdo_eth_sw_stats[i].off);
	*data++ = READ_ONCE(p->queue_restarts);
	for (i = 0; i < p->nq_max; i++) {
		*data++ = READ_ONCE(p->q[i].stats.tx_packets);
		*data++ = READ_ONCE(p->q[i].stats.rx_packets);
	}
}

/* ethtool -l: one combined channel (TXQ + RXQ + CQ + vector) per pair. */
static void rdo_get_channels(struct net_device *ndev, struct ethtool_channels *ch)
{
	struct rdo_eth_priv *p = rdo_eth_priv(ndev);

	ch->max_combined = p->nq_max;
	ch->combined_count = p->nq;
}

static void rdo_eth_set_xps(struct rdo_eth_priv *p, unsigned int ncomp);

/*
 * ethtool -L combined N (1..nq_max, RTNL held): the pairs in use. An up
 * interface's queues are destroyed and made again with the new count (as
 * for LRO); RSS then spreads over the N RXQs that exist. The counters of
 * pairs taken away stay in the totals.
 */
static int rdo_set_channels(struct net_device *ndev, struct ethtool_channels *ch)
{
	struct rdo_eth_priv *p = rdo_eth_priv(ndev);
	unsigned int n = ch->combined_count, old;
	bool was_up;
	int ret;

	if (ch->rx_count || ch->tx_count || ch->other_count || !n || n > p->nq_max)
		return -EINVAL;
	mutex_lock(&p->qlock);
	old = p->nq;
	was_up = p->up;
	if (n == old) {
		mutex_unlock(&p->qlock);
		return 0;
	}
	rdo_eth_queues_down(p);
	ret = netif_set_real_num_queues(ndev, n, n);
	if (!ret)
		p->nq = n;
	if (was_up) {
		int up = rdo_eth_queues_up(p);

		ret = ret ?: up;
	}
	mutex_unlock(&p->qlock);
	if (!ret)
		rdo_eth_set_xps(p, p->ncomp);
	netdev_info(ndev, "%u Ethernet queue pairs (were %u)%s\n", p->nq, old,
		    ret ? ", with an error" : "");
	return ret;
}

static const struct ethtool_ops rdo_ethtool_ops = {
	.get_drvinfo = rdo_get_drvinfo,
	.get_link = ethtool_op_get_link,
	.get_sset_count = rdo_get_sset_count,
	.get_strings = rdo_get_strings,
	.get_ethtool_stats = rdo_get_ethtool_stats,
	.get_channels = rdo_get_channels,
	.set_channels = rdo_set_channels,
};

/*
 * Queue pairs: one per online CPU, within the completion EQs the vectors
 * allow (rdo_ctrl_up makes one per vector beyond vector 0), `limit` (the
 * port's share of the device's queue numbers) and eth_queues.
 */
static unsigned int rdo_eth_queue_count(struct rdo_dev *rdev, unsigned int limit,
					unsigned int *ncomp)
{
	unsigned int eqs = min(rdev->num_vectors, max(rdev->hw_max_eq, 1u));
	unsigned int n = min(num_online_cpus(), limit);

	*ncomp = eqs > 1 ? eqs - 1 : 0;
	n = min(n, max(*ncomp, 1u));
	if (eth_queues)
		n = min_t(unsigned int, n, eth_queues);
	return max(n, 1u);
}

/*
 * XPS: a CPU sends on the pair whose vector is affine to it, so the TX
 * completions come back to the CPU that sent. Both ports' pair i share
 * vector i + 1.
 */
static void rdo_eth_set_xps(struct rdo_eth_priv *p, unsigned int ncomp)
{
	unsigned int i;

	for (i = 0; ncomp && i < p->nq; i++) {
		const struct cpumask *mask =
			pci_irq_get_affinity(p->rdev->pdev, 1 + i % ncomp);

		if (mask && netif_set_xps_queue(p->ndev, mask, i))
			netdev_warn(p->ndev, "no XPS map for queue %u\n", i);
	}
}

/*
 * The net_device of port `port` (1 or 2), with address `mac` and at most
 * `limit` queue pairs.
 */
static struct net_device *rdo_netdev_create(struct rdo_dev *rdev, u32 port,
					    const u8 *mac, unsigned int limit,
					    int *err)
{
	unsigned int nq, ncomp, i;
	struct net_device *ndev;
	struct rdo_eth_priv *p;
	int ret;

	nq = rdo_eth_queue_count(rdev, limit, &ncomp);
	ndev = alloc_etherdev_mqs(sizeof(struct rdo_eth_priv), nq, nq);
	if (!ndev) {
		*err = -ENOMEM;
		return NULL;
	}
	p = rdo_eth_priv(ndev);
	p->rdev = rdev;
	p->ndev = ndev;
	p->port = port;
	p->nq_max = p->nq = nq;
	p->ncomp = ncomp;
	mutex_init(&p->qlock);
	spin_lock_init(&p->stats_lock);
	for (i = 0; i < nq; i++) {
		p->q[i].p = p;
		p->q[i].qn = i;
		netif_napi_add(ndev, &p->q[i].napi, rdo_eth_napi_poll);
	}
	SET_NETDEV_DEV(ndev, &rdev->pdev->dev);
	ndev->netdev_ops = &rdo_netdev_ops;
	ndev->ethtool_ops = &rdo_ethtool_ops;
	ndev->min_mtu = RDO_ETH_MTU_MIN;
	ndev->max_mtu = RDO_ETH_MTU_MAX;
	if (rdev->caps & RDO_CAP_ETH_QUEUES) {
		ndev->hw_features = NETIF_F_SG | NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM |
				    NETIF_F_TSO | NETIF_F_TSO6 | NETIF_F_RXCSUM |
				    NETIF_F_LRO | NETIF_F_RXHASH;
		ndev->features = ndev->hw_features;
		netif_set_tso_max_size(ndev, RDO_ETH_TSO_MAX);
		netif_set_tso_max_segs(ndev, RDO_ETH_TSO_MAX / RDO_ETH_MTU_MIN);
		p->lro = true;
	}
	if (is_valid_ether_addr(mac))
		eth_hw_addr_set(ndev, mac);
	else
		eth_hw_addr_random(ndev);
	netif_carrier_off(ndev);
	ret = register_netdev(ndev);
	if (ret) {
		dev_err(&rdev->pdev->dev, "cannot register net_device of port %u: %d\n",
			port, ret);
		free_netdev(ndev);
		*err = ret;
		return NULL;
	}
	rdo_eth_set_xps(p, ncomp);
	return ndev;
}

/* Before the control path: the port count is not known yet. */
int rdo_netdev_init(struct rdo_dev *rdev)
{
	int ret = 0;

	rdev->ndev = rdo_netdev_create(rdev, 1, rdev->mac,
				       min(RDO_ETH_MAX_TXQ, RDO_ETH_MAX_RXQ), &ret);
	return ret;
}

/*
 * Port 1 was sized for the whole device: it keeps its share, less with two
 * ports or raw QP pairs set aside (matters past the share in CPUs). Its
 * queues are not up yet: rdo_up restores them after this.
 */
static void rdo_eth_fit_port1(struct rdo_dev *rdev)
{
	struct rdo_eth_priv *p = rdo_port_priv(rdev, 1);
	unsigned int base, n = rdo_eth_port_share(rdev, 1, &base);

	if (!p || !n || p->nq_max <= n)
		return;
	rtnl_lock();
	mutex_lock(&p->qlock);
	if (!p->up && !netif_set_real_num_queues(p->ndev, n, n))
		p->nq_max = p->nq = n;
	mutex_unlock(&p->qlock);
	rtnl_unlock();
}

/* Port 2's, once QUERY_DEVICE told of it (kept across recoveries). */
int rdo_netdev_init_port2(struct rdo_dev *rdev)
{
	unsigned int base;
	int ret = 0;

	rdo_eth_fit_port1(rdev);
	if (rdev->ports < 2 || rdev->ndev2)
		return 0;
	rdev->ndev2 = rdo_netdev_create(rdev, 2, rdev->mac2,
					rdo_eth_port_share(rdev, 2, &base), &ret);
	return ret;
}

void rdo_netdev_fini(struct rdo_dev *rdev)
{
	u32 port;

	for (port = 2; port >= 1; port--) {
		struct net_device *ndev = rdo_port_ndev(rdev, port);

		if (!ndev)
			continue;
		unregister_netdev(ndev);
		free_netdev(ndev);
		*(port == 2 ? &rdev->ndev2 : &rdev->ndev) = NULL;
	}
}
