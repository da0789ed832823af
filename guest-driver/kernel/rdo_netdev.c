// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: the Ethernet port as a net_device.
 *
 * Interface 0.1 has no Ethernet send or receive queues, so for now this
 * net_device carries the port's identity and state only: the MAC address,
 * the link (PORT_STATUS, PORT_CHANGE events), the MTU (SET_PORT). ib_core
 * derives the RoCEv2 GIDs from it (the default link-local GID from the
 * MAC, one GID per IP address). Frames handed to it are dropped and
 * counted in tx_dropped until the device grows an Ethernet data path.
 */
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>

#include "rdo.h"

#define RDO_ETH_MTU_MIN		576
#define RDO_ETH_MTU_MAX		9000

struct rdo_netdev_priv {
	struct rdo_dev *rdev;
};

static struct rdo_dev *rdo_from_netdev(struct net_device *ndev)
{
	return ((struct rdo_netdev_priv *)netdev_priv(ndev))->rdev;
}

static bool rdo_link_up(struct rdo_dev *rdev)
{
	return !rdo_dead(rdev) && test_bit(RDO_F_CTRL_UP, &rdev->flags) &&
	       (rdo_rd32(rdev, RDO_REG_PORT_STATUS) & RDO_PORT_LINK_UP);
}

/* Any context: PORT_CHANGE arrives in the EQ 0 interrupt handler. */
void rdo_netdev_link_update(struct rdo_dev *rdev)
{
	bool up = rdo_link_up(rdev);

	if (rdev->ndev) {
		if (up && !netif_carrier_ok(rdev->ndev))
			netif_carrier_on(rdev->ndev);
		else if (!up && netif_carrier_ok(rdev->ndev))
			netif_carrier_off(rdev->ndev);
	}
	rdo_ib_port_event(rdev, up);
}

static int rdo_ndo_open(struct net_device *ndev)
{
	rdo_netdev_link_update(rdo_from_netdev(ndev));
	netif_start_queue(ndev);
	return 0;
}

static int rdo_ndo_stop(struct net_device *ndev)
{
	netif_stop_queue(ndev);
	return 0;
}

static netdev_tx_t rdo_ndo_start_xmit(struct sk_buff *skb,
				      struct net_device *ndev)
{
	ndev->stats.tx_dropped++;
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}

static int rdo_set_mtu(struct rdo_dev *rdev, u32 mtu)
{
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_SET_PORT };
	int ret;

	cmd.u.set_port.mask = RDO_PORT_SET_MTU;
	cmd.u.set_port.mtu = mtu;
	ret = rdo_cqp_exec(rdev, &cmd, NULL, NULL, 0);
	if (!ret)
		ret = rdo_query_port(rdev);
	return ret;
}

static int rdo_ndo_change_mtu(struct net_device *ndev, int mtu)
{
	int ret = rdo_set_mtu(rdo_from_netdev(ndev), mtu);

	if (!ret)
		ndev->mtu = mtu;
	return ret;
}

/* After the control path (re)started: the port takes the netdev's MTU. */
int rdo_netdev_sync(struct rdo_dev *rdev)
{
	u32 mtu = READ_ONCE(rdev->ndev->mtu);

	return rdev->port.eth_mtu == mtu ? 0 : rdo_set_mtu(rdev, mtu);
}

static const struct net_device_ops rdo_netdev_ops = {
	.ndo_open = rdo_ndo_open,
	.ndo_stop = rdo_ndo_stop,
	.ndo_start_xmit = rdo_ndo_start_xmit,
	.ndo_change_mtu = rdo_ndo_change_mtu,
	.ndo_validate_addr = eth_validate_addr,
};

int rdo_netdev_init(struct rdo_dev *rdev)
{
	struct net_device *ndev;
	int ret;

	ndev = alloc_etherdev(sizeof(struct rdo_netdev_priv));
	if (!ndev)
		return -ENOMEM;
	((struct rdo_netdev_priv *)netdev_priv(ndev))->rdev = rdev;
	SET_NETDEV_DEV(ndev, &rdev->pdev->dev);
	ndev->netdev_ops = &rdo_netdev_ops;
	ndev->min_mtu = RDO_ETH_MTU_MIN;
	ndev->max_mtu = RDO_ETH_MTU_MAX;
	if (is_valid_ether_addr(rdev->mac))
		eth_hw_addr_set(ndev, rdev->mac);
	else
		eth_hw_addr_random(ndev);
	netif_carrier_off(ndev);
	ret = register_netdev(ndev);
	if (ret) {
		dev_err(&rdev->pdev->dev, "cannot register net_device: %d\n", ret);
		free_netdev(ndev);
		return ret;
	}
	rdev->ndev = ndev;
	return 0;
}

void rdo_netdev_fini(struct rdo_dev *rdev)
{
	if (!rdev->ndev)
		return;
	unregister_netdev(rdev->ndev);
	free_netdev(rdev->ndev);
	rdev->ndev = NULL;
}
