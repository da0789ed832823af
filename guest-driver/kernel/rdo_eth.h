/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rdma_offload: the Ethernet function's private state, shared by the
 * net_device (rdo_netdev.c) and its data path (rdo_eth_data.c).
 */
#ifndef RDO_ETH_H_DRV
#define RDO_ETH_H_DRV

#include <linux/netdevice.h>
#include <linux/skbuff.h>

#include "rdo.h"

#define RDO_ETH_CQ_LOG		10	/* > TXQ + RXQ entries: never overflows */
#define RDO_ETH_TXQ_LOG		8
#define RDO_ETH_TX_WQE_SHIFT	9	/* 512 B: 30 SGEs, a whole skb */
#define RDO_ETH_RXQ_LOG		7
#define RDO_ETH_RX_WQE_SHIFT	5
#define RDO_ETH_RX_BUF_SIZE	(16 * 1024)	/* one buffer, skb_shared_info included */
#define RDO_ETH_RX_HEADROOM	(NET_SKB_PAD + NET_IP_ALIGN)
#define RDO_ETH_RX_DATA_LEN	(RDO_ETH_RX_BUF_SIZE - RDO_ETH_RX_HEADROOM - \
				 SKB_DATA_ALIGN(sizeof(struct skb_shared_info)))
#define RDO_ETH_TX_MAX_SGE	(MAX_SKB_FRAGS + 1)
#define RDO_ETH_TSO_MAX		(64 * 1024)
#define RDO_ETH_HW_STATS	15
#define RDO_ETH_NAPI_BUDGET	64

struct rdo_eth_tx_slot {
	struct sk_buff *skb;
	unsigned int nmaps;
	dma_addr_t addr[RDO_ETH_TX_MAX_SGE];
	u32 len[RDO_ETH_TX_MAX_SGE];
};

struct rdo_eth_rx_slot {
	void *buf;			/* page fragment of RDO_ETH_RX_BUF_SIZE */
	dma_addr_t dma;
};

/* Counters the driver keeps (ethtool -S, ndo_get_stats64). */
struct rdo_eth_sw_stats {
	u64 tx_packets, tx_bytes, tx_tso_packets, tx_csum_partial;
	u64 tx_dropped, tx_errors;
	u64 rx_packets, rx_bytes, rx_lro_packets, rx_csum_unnecessary;
	u64 rx_errors, rx_alloc_failed;
};

/*
 * One queue pair of the Ethernet function: a TXQ and an RXQ of the same
 * number whose completions share a CQ on one completion EQ, hence one
 * MSI-X vector and the CPU it is affine to, served by its own NAPI. The
 * stack's queue qn is the device's TXQ and RXQ qbase + qn: each port's
 * net_device has its own share of the device's queues.
 */
struct rdo_eth_queue {
	struct rdo_eth_priv *p;
	struct napi_struct napi;
	unsigned int qn;		/* stack queue number; its vector */
	unsigned int hwq;		/* the device's TXQ and RXQ number */
	bool cq_made, txq_made, rxq_made;	/* the device has them */

	u32 cqn, eqn, cq_ci;
	struct rdo_ring cq;
	struct rdo_ring txq;
	struct rdo_eth_tx_slot *tx;
	u32 tx_pi, tx_ci;		/* posted; completed (NAPI) */
	struct rdo_ring rxq;
	struct rdo_eth_rx_slot *rx;
	u32 rx_pi;

	struct rdo_eth_sw_stats stats;
} ____cacheline_aligned_in_smp;

struct rdo_eth_priv {
	struct rdo_dev *rdev;
	struct net_device *ndev;
	u32 port;			/* 1 or 2 */
	unsigned int qbase;		/* its first TXQ/RXQ (port 2: past port 1's) */
	struct mutex qlock;		/* up/down of the queues */
	bool want_up;			/* the interface is up */
	bool up;			/* the queues exist */
	bool lro;			/* NETIF_F_LRO: the RXQs coalesce */
	unsigned int nq_max;		/* queue pairs the net_device may use */
	unsigned int nq;		/* queue pairs in use (real_num_tx/rx_queues) */
	unsigned int ncomp;		/* completion EQs (XPS: pair i on vector 1 + i % ncomp) */
	u64 queue_restarts;

	spinlock_t stats_lock;		/* hw_total, hw_last */
	u64 hw_total[RDO_ETH_HW_STATS];
	u32 hw_last[RDO_ETH_HW_STATS];

	struct rdo_eth_queue q[RDO_ETH_MAX_TXQ];
};

static inline struct rdo_eth_priv *rdo_eth_priv(struct net_device *ndev)
{
	return netdev_priv(ndev);
}

struct rdo_dev *rdo_from_netdev(struct net_device *ndev);

/* rdo_eth_data.c */
netdev_tx_t rdo_eth_start_xmit(struct sk_buff *skb, struct net_device *ndev);
netdev_features_t rdo_eth_features_check(struct sk_buff *skb,
					 struct net_device *ndev,
					 netdev_features_t features);
int rdo_eth_napi_poll(struct napi_struct *napi, int budget);
void rdo_eth_rx_refill(struct rdo_eth_queue *q, gfp_t gfp);
void rdo_eth_cq_arm(struct rdo_eth_queue *q);
void rdo_eth_tx_drain(struct rdo_eth_queue *q);
void rdo_eth_rx_drain(struct rdo_eth_queue *q);

#endif /* RDO_ETH_H_DRV */
