// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: the Ethernet function as a net_device.
 *
 * The port's identity and state (MAC, link from PORT_STATUS and
 * PORT_CHANGE events, MTU through SET_PORT) and its non-RoCE traffic: one
 * transmit queue and one receive queue (interface 0.3, rdo-eth.h) whose
 * completions share one CQ, served by NAPI (rdo_eth_data.c). The device
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
MODULE_PARM_DESC(lro_usec, "LRO flush timer of the receive queue, 1-1000 microseconds (default 50)");

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
	RDO_ETH_SW_STAT(queue_restarts),
};

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

static int rdo_eth_cq_create(struct rdo_eth_priv *p)
{
	struct rdo_dev *rdev = p->rdev;
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_CREATE_CQ };
	int cqn, ret;

	cqn = rdo_id_alloc(rdev, RDO_USE_CQ, &rdev->cq_ida, 0, rdev->attr.max_cq - 1);
	if (cqn < 0)
		return cqn;
	ret = rdo_ring_alloc(rdev, &p->cq, RDO_ETH_CQ_LOG, 5);
	if (ret)
		goto err_ida;
	p->cqn = cqn;
	p->cq_ci = 0;
	p->eqn = rdo_comp_eqs(rdev) ? 1 : 0;
	cmd.obj = cqn;
	cmd.u.create_cq.ring_addr = rdo_ring_addr(&p->cq);
	cmd.u.create_cq.log_size = RDO_ETH_CQ_LOG;
	cmd.u.create_cq.ring_flags = rdo_ring_flags(&p->cq);
	cmd.u.create_cq.eqn = p->eqn;
	/* NAPI re-arms only when it is done; this bounds the rest. */
	cmd.u.create_cq.moderation_count = 16;
	cmd.u.create_cq.moderation_usec = 10;
	ret = rdo_cqp_exec(rdev, &cmd, NULL, NULL, 0);
	if (ret)
		goto err_ring;
	return 0;
err_ring:
	rdo_ring_free(rdev, &p->cq);
err_ida:
	rdo_id_free(rdev, RDO_USE_CQ, &rdev->cq_ida, cqn);
	return ret;
}

static int rdo_eth_txq_create(struct rdo_eth_priv *p)
{
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_CREATE_ETH_TXQ,
				   .obj = p->port - 1 };
	int ret;

	ret = rdo_ring_alloc(p->rdev, &p->txq, RDO_ETH_TXQ_LOG, RDO_ETH_TX_WQE_SHIFT);
	if (ret)
		return ret;
	p->tx = kcalloc(1u << RDO_ETH_TXQ_LOG, sizeof(*p->tx), GFP_KERNEL);
	if (!p->tx) {
		rdo_ring_free(p->rdev, &p->txq);
		return -ENOMEM;
	}
	p->tx_pi = p->tx_ci = 0;
	cmd.u.create_eth_txq.ring_addr = rdo_ring_addr(&p->txq);
	cmd.u.create_eth_txq.log_size = RDO_ETH_TXQ_LOG;
	cmd.u.create_eth_txq.wqe_shift = RDO_ETH_TX_WQE_SHIFT;
	cmd.u.create_eth_txq.ring_flags = rdo_ring_flags(&p->txq);
	cmd.u.create_eth_txq.cqn = p->cqn;
	return rdo_cqp_exec(p->rdev, &cmd, NULL, NULL, 0);
}

static int rdo_eth_rxq_create(struct rdo_eth_priv *p)
{
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_CREATE_ETH_RXQ,
				   .obj = p->port - 1 };
	int ret;

	ret = rdo_ring_alloc(p->rdev, &p->rxq, RDO_ETH_RXQ_LOG, RDO_ETH_RX_WQE_SHIFT);
	if (ret)
		return ret;
	p->rx = kcalloc(1u << RDO_ETH_RXQ_LOG, sizeof(*p->rx), GFP_KERNEL);
	if (!p->rx) {
		rdo_ring_free(p->rdev, &p->rxq);
		return -ENOMEM;
	}
	p->rx_pi = 0;
	cmd.u.create_eth_rxq.ring_addr = rdo_ring_addr(&p->rxq);
	cmd.u.create_eth_rxq.log_size = RDO_ETH_RXQ_LOG;
	cmd.u.create_eth_rxq.ring_flags = rdo_ring_flags(&p->rxq);
	cmd.u.create_eth_rxq.cqn = p->cqn;
	cmd.u.create_eth_rxq.port = p->port;	/* the frames of its port */
	if (p->lro) {
		cmd.u.create_eth_rxq.flags = RDO_ETH_RXQ_F_LRO;
		cmd.u.create_eth_rxq.lro_usec = clamp_t(u16, lro_usec, 1, 1000);
	}
	return rdo_cqp_exec(p->rdev, &cmd, NULL, NULL, 0);
}

/*
 * Destroys what rdo_eth_queues_up created. The rings are freed only when
 * the device let go of them: it acknowledged the destroys, or it is dead
 * (reset). Otherwise they are leaked rather than handed back while the
 * device might still write them.
 */
static bool rdo_eth_queues_destroy(struct rdo_eth_priv *p, bool created_txq,
				   bool created_rxq)
{
	struct rdo_dev *rdev = p->rdev;
	bool gone = true;

	if (created_rxq && rdo_cqp_simple(rdev, RDO_CMD_DESTROY_ETH_RXQ, p->port - 1))
		gone = false;
	if (created_txq && rdo_cqp_simple(rdev, RDO_CMD_DESTROY_ETH_TXQ, p->port - 1))
		gone = false;
	if (rdo_cqp_simple(rdev, RDO_CMD_DESTROY_CQ, p->cqn))
		gone = false;
	if (!gone && !rdo_dead(rdev)) {
		netdev_err(p->ndev, "the device kept its Ethernet queues; their memory is leaked\n");
		return false;
	}
	return true;
}

static void rdo_eth_queues_free(struct rdo_eth_priv *p)
{
	struct rdo_dev *rdev = p->rdev;

	rdo_eth_tx_drain(p);
	rdo_eth_rx_drain(p);
	kfree(p->tx);
	kfree(p->rx);
	p->tx = NULL;
	p->rx = NULL;
	rdo_ring_free(rdev, &p->txq);
	rdo_ring_free(rdev, &p->rxq);
	if (p->cq.log_size) {
		rdo_ring_free(rdev, &p->cq);
		rdo_id_free(rdev, RDO_USE_CQ, &rdev->cq_ida, p->cqn);
	}
	memset(&p->cq, 0, sizeof(p->cq));
}

/* Called with qlock held. */
static int rdo_eth_queues_up(struct rdo_eth_priv *p)
{
	struct rdo_dev *rdev = p->rdev;
	int ret;

	if (p->up || rdo_dead(rdev) || !test_bit(RDO_F_CTRL_UP, &rdev->flags))
		return 0;
	if (!(rdev->caps & RDO_CAP_ETH_QUEUES) || !rdev->attr.max_eth_txq ||
	    !rdev->attr.max_eth_rxq) {
		netdev_warn_once(p->ndev, "device has no Ethernet queues: the port carries RoCE only\n");
		return 0;
	}
	memset(&p->cq, 0, sizeof(p->cq));
	ret = rdo_eth_cq_create(p);
	if (ret)
		goto err;
	ret = rdo_eth_txq_create(p);
	if (ret) {
		if (rdo_eth_queues_destroy(p, false, false))
			rdo_eth_queues_free(p);
		goto err;
	}
	ret = rdo_eth_rxq_create(p);
	if (ret) {
		if (rdo_eth_queues_destroy(p, true, false))
			rdo_eth_queues_free(p);
		goto err;
	}
	rdo_eth_hw_stats_update(p, true);
	napi_enable(&p->napi);
	WRITE_ONCE(p->up, true);
	rdo_eth_rx_refill(p, GFP_KERNEL);
	rdo_eth_cq_arm(p);
	netif_tx_wake_all_queues(p->ndev);
	return 0;
err:
	netdev_err(p->ndev, "cannot create the Ethernet queues: %d\n", ret);
	return ret;
}

/* Called with qlock held. */
static void rdo_eth_queues_down(struct rdo_eth_priv *p)
{
	struct rdo_dev *rdev = p->rdev;
	bool gone;

	if (!p->up)
		return;
	netif_tx_disable(p->ndev);
	rdo_eth_hw_stats_update(p, false);
	WRITE_ONCE(p->up, false);
	gone = rdo_eth_queues_destroy(p, true, true);
	/* No handler may still be scheduling NAPI, nor NAPI running. */
	synchronize_irq(rdev->vectors[p->eqn].irq);
	napi_disable(&p->napi);
	if (gone)
		rdo_eth_queues_free(p);
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
				p->stats.queue_restarts++;
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
	struct rdo_eth_priv *p = rdo_eth_priv(ndev);

	s->tx_packets = READ_ONCE(p->stats.tx_packets);
	s->tx_bytes = READ_ONCE(p->stats.tx_bytes);
	s->tx_dropped = READ_ONCE(p->stats.tx_dropped);
	s->tx_errors = READ_ONCE(p->stats.tx_errors);
	s->rx_packets = READ_ONCE(p->stats.rx_packets);
	s->rx_bytes = READ_ONCE(p->stats.rx_bytes);
	s->rx_errors = READ_ONCE(p->stats.rx_errors);
	s->rx_dropped = READ_ONCE(p->stats.rx_alloc_failed);
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

static int rdo_get_sset_count(struct net_device *ndev, int sset)
{
	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return RDO_ETH_HW_STATS + ARRAY_SIZE(rdo_eth_sw_stats);
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
}

static void rdo_get_ethtool_stats(struct net_device *ndev,
				  struct ethtool_stats *stats, u64 *data)
{
	struct rdo_eth_priv *p = rdo_eth_priv(ndev);
	unsigned int i;

	mutex_lock(&p->qlock);
	if (p->up)
		rdo_eth_hw_stats_update(p, false);
	mutex_unlock(&p->qlock);
	spin_lock(&p->stats_lock);
	for (i = 0; i < RDO_ETH_HW_STATS; i++)
		*data++ = p->hw_total[i];
	spin_unlock(&p->stats_lock);
	for (i = 0; i < ARRAY_SIZE(rdo_eth_sw_stats); i++)
		*data++ = READ_ONCE(*(u64 *)((u8 *)&p->stats + rdo_eth_sw_stats[i].off));
}

static const struct ethtool_ops rdo_ethtool_ops = {
	.get_drvinfo = rdo_get_drvinfo,
	.get_link = ethtool_op_get_link,
	.get_sset_count = rdo_get_sset_count,
	.get_strings = rdo_get_strings,
	.get_ethtool_stats = rdo_get_ethtool_stats,
};

/* The net_device of port `port` (1 or 2), with address `mac`. */
static struct net_device *rdo_netdev_create(struct rdo_dev *rdev, u32 port,
					    const u8 *mac, int *err)
{
	struct net_device *ndev;
	struct rdo_eth_priv *p;
	int ret;

	ndev = alloc_etherdev(sizeof(struct rdo_eth_priv));
	if (!ndev) {
		*err = -ENOMEM;
		return NULL;
	}
	p = rdo_eth_priv(ndev);
	p->rdev = rdev;
	p->ndev = ndev;
	p->port = port;
	mutex_init(&p->qlock);
	spin_lock_init(&p->stats_lock);
	netif_napi_add(ndev, &p->napi, rdo_eth_napi_poll);
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
	return ndev;
}

int rdo_netdev_init(struct rdo_dev *rdev)
{
	int ret = 0;

	rdev->ndev = rdo_netdev_create(rdev, 1, rdev->mac, &ret);
	return ret;
}

/* Port 2's, once QUERY_DEVICE told of it (kept across recoveries). */
int rdo_netdev_init_port2(struct rdo_dev *rdev)
{
	int ret = 0;

	if (rdev->ports < 2 || rdev->ndev2)
		return 0;
	rdev->ndev2 = rdo_netdev_create(rdev, 2, rdev->mac2, &ret);
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
