// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: the Ethernet data path. Transmit maps an skb's head and
 * fragments as the SGEs of one TX WQE and lets the device segment (TSO)
 * and checksum; receive hands the device page-fragment buffers, and each
 * completion becomes an skb built around its buffer (no copy), marked
 * checksum-verified, hashed and, for an LRO aggregate, given the GSO size
 * and segment count the stack expects of coalesced TCP. TX and RX
 * completions share one CQ, consumed by NAPI, which re-arms it when done.
 */
#include <linux/dma-mapping.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/ip6_checksum.h>
#include <net/tcp.h>

#include "rdo_eth.h"

static struct device *rdo_eth_dma_dev(struct rdo_eth_priv *p)
{
	return &p->rdev->pdev->dev;
}

static u32 rdo_eth_tx_free(struct rdo_eth_priv *p)
{
	return (1u << RDO_ETH_TXQ_LOG) - (p->tx_pi - READ_ONCE(p->tx_ci));
}

static void rdo_eth_tx_unmap(struct rdo_eth_priv *p, struct rdo_eth_tx_slot *s)
{
	unsigned int i;

	for (i = 0; i < s->nmaps; i++) {
		if (i == 0)
			dma_unmap_single(rdo_eth_dma_dev(p), s->addr[i], s->len[i],
					 DMA_TO_DEVICE);
		else
			dma_unmap_page(rdo_eth_dma_dev(p), s->addr[i], s->len[i],
				       DMA_TO_DEVICE);
	}
	s->nmaps = 0;
}

/* The head (always SGE 0) and the fragments, mapped for the device. */
static int rdo_eth_tx_map(struct rdo_eth_priv *p, struct sk_buff *skb,
			  struct rdo_eth_tx_slot *s)
{
	struct device *dev = rdo_eth_dma_dev(p);
	unsigned int i;

	s->nmaps = 0;
	s->addr[0] = dma_map_single(dev, skb->data, skb_headlen(skb), DMA_TO_DEVICE);
	if (dma_mapping_error(dev, s->addr[0]))
		return -ENOMEM;
	s->len[0] = skb_headlen(skb);
	s->nmaps = 1;
	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++) {
		const skb_frag_t *frag = &skb_shinfo(skb)->frags[i];

		s->addr[s->nmaps] = skb_frag_dma_map(dev, frag, 0, skb_frag_size(frag),
						     DMA_TO_DEVICE);
		if (dma_mapping_error(dev, s->addr[s->nmaps])) {
			rdo_eth_tx_unmap(p, s);
			return -ENOMEM;
		}
		s->len[s->nmaps++] = skb_frag_size(frag);
	}
	return 0;
}

/*
 * The device inserts TCP/UDP checksums of IPv4 and of IPv6 without
 * extension headers; anything else is checksummed here.
 */
static bool rdo_eth_csum_offloadable(struct sk_buff *skb)
{
	u8 proto;

	if (skb_checksum_start_offset(skb) != skb_transport_offset(skb))
		return false;
	switch (skb->protocol) {
	case htons(ETH_P_IP):
		proto = ip_hdr(skb)->protocol;
		break;
	case htons(ETH_P_IPV6):
		proto = ipv6_hdr(skb)->nexthdr;
		break;
	default:
		return false;
	}
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

netdev_features_t rdo_eth_features_check(struct sk_buff *skb,
					 struct net_device *ndev,
					 netdev_features_t features)
{
	/* TSO only where the device can parse the headers. */
	if (skb_is_gso(skb) &&
	    (skb_tcp_all_headers(skb) > 256 || !rdo_eth_csum_offloadable(skb)))
		features &= ~NETIF_F_GSO_MASK;
	return features;
}

static void rdo_eth_tx_drop(struct rdo_eth_priv *p, struct sk_buff *skb)
{
	p->stats.tx_dropped++;
	dev_kfree_skb_any(skb);
}

netdev_tx_t rdo_eth_start_xmit(struct sk_buff *skb, struct net_device *ndev)
{
	struct rdo_eth_priv *p = rdo_eth_priv(ndev);
	u32 mask = (1u << RDO_ETH_TXQ_LOG) - 1;
	struct rdo_eth_tx_wqe *w;
	struct rdo_eth_tx_slot *s;
	struct rdo_sge *sge;
	unsigned int i;

	if (!READ_ONCE(p->up) || rdo_dead(p->rdev)) {
		rdo_eth_tx_drop(p, skb);
		return NETDEV_TX_OK;
	}
	if (!rdo_eth_tx_free(p)) {
		netif_stop_queue(ndev);
		return NETDEV_TX_BUSY;
	}
	if (skb_shinfo(skb)->nr_frags + 1 > RDO_ETH_TX_MAX_SGE &&
	    skb_linearize(skb)) {
		rdo_eth_tx_drop(p, skb);
		return NETDEV_TX_OK;
	}
	if (!skb_is_gso(skb) && skb->ip_summed == CHECKSUM_PARTIAL &&
	    !rdo_eth_csum_offloadable(skb) && skb_checksum_help(skb)) {
		rdo_eth_tx_drop(p, skb);
		return NETDEV_TX_OK;
	}
	s = &p->tx[p->tx_pi & mask];
	if (rdo_eth_tx_map(p, skb, s)) {
		rdo_eth_tx_drop(p, skb);
		return NETDEV_TX_OK;
	}
	s->skb = skb;

	w = rdo_ring_entry(&p->txq, p->tx_pi);
	memset(w, 0, sizeof(*w));
	w->wr_id = p->tx_pi;
	w->num_sge = s->nmaps;
	if (skb_is_gso(skb)) {
		w->flags = RDO_ETH_TX_F_TSO;
		w->mss = skb_shinfo(skb)->gso_size;
		w->hdr_len = skb_tcp_all_headers(skb);
		p->stats.tx_tso_packets++;
		p->stats.tx_packets += skb_shinfo(skb)->gso_segs;
		p->stats.tx_bytes += skb->len +
			(skb_shinfo(skb)->gso_segs - 1) * w->hdr_len;
	} else {
		if (skb->ip_summed == CHECKSUM_PARTIAL) {
			w->flags = RDO_ETH_TX_F_L4_CSUM;
			p->stats.tx_csum_partial++;
		}
		p->stats.tx_packets++;
		p->stats.tx_bytes += skb->len;
	}
	sge = (struct rdo_sge *)(w + 1);
	for (i = 0; i < s->nmaps; i++) {
		sge[i].addr = s->addr[i];
		sge[i].length = s->len[i];
		sge[i].lkey = 0;
	}
	skb_tx_timestamp(skb);
	p->tx_pi++;
	/* The WQE is in memory before the device hears of it. */
	wmb();
	rdo_db_write(p->rdev, RDO_DB_ETH_TXQ, RDO_DB_VALUE(p->port - 1, 0, p->tx_pi));

	if (!rdo_eth_tx_free(p)) {
		netif_stop_queue(ndev);
		/* NAPI may have freed slots since: look again. */
		smp_mb();
		if (rdo_eth_tx_free(p))
			netif_wake_queue(ndev);
	}
	return NETDEV_TX_OK;
}

static void rdo_eth_tx_complete(struct rdo_eth_priv *p,
				const struct rdo_eth_cqe *c, int budget)
{
	struct rdo_eth_tx_slot *s = &p->tx[p->tx_ci & ((1u << RDO_ETH_TXQ_LOG) - 1)];

	/* TX work completes in order: the CQE names the oldest slot. */
	if ((u32)c->wr_id != p->tx_ci || !s->skb) {
		netdev_err_once(p->ndev, "TX completion for %llu, expected %u\n",
				c->wr_id, p->tx_ci);
		return;
	}
	if (c->status) {
		p->stats.tx_errors++;
		dev_warn_ratelimited(&p->ndev->dev, "TX work request failed: status %u vendor_err %u\n",
					c->status, c->vendor_err);
	}
	rdo_eth_tx_unmap(p, s);
	napi_consume_skb(s->skb, budget);
	s->skb = NULL;
	smp_store_release(&p->tx_ci, p->tx_ci + 1);
}

static void rdo_eth_rx_complete(struct rdo_eth_priv *p,
				const struct rdo_eth_cqe *c)
{
	u32 mask = (1u << RDO_ETH_RXQ_LOG) - 1;
	struct rdo_eth_rx_slot *s = &p->rx[(u32)c->wr_id & mask];
	struct net_device *ndev = p->ndev;
	struct sk_buff *skb;
	void *buf = s->buf;

	if (c->wr_id >> 32 || !buf) {
		netdev_err_once(ndev, "RX completion for buffer %llu not posted\n",
				c->wr_id);
		return;
	}
	dma_unmap_single(rdo_eth_dma_dev(p), s->dma, RDO_ETH_RX_DATA_LEN,
			 DMA_FROM_DEVICE);
	s->buf = NULL;
	if (c->status || c->byte_len < ETH_HLEN || c->byte_len > RDO_ETH_RX_DATA_LEN) {
		p->stats.rx_errors++;
		dev_warn_ratelimited(&ndev->dev, "RX buffer completed with status %u vendor_err %u length %u\n",
					c->status, c->vendor_err, c->byte_len);
		skb_free_frag(buf);
		return;
	}
	skb = napi_build_skb(buf, RDO_ETH_RX_BUF_SIZE);
	if (!skb) {
		p->stats.rx_alloc_failed++;
		skb_free_frag(buf);
		return;
	}
	skb_reserve(skb, RDO_ETH_RX_HEADROOM);
	skb_put(skb, c->byte_len);
	p->stats.rx_packets++;
	p->stats.rx_bytes += c->byte_len;
	skb->protocol = eth_type_trans(skb, ndev);
	if ((ndev->features & NETIF_F_RXCSUM) && (c->flags & RDO_ETH_CQE_F_L4_CSUM_OK)) {
		skb->ip_summed = CHECKSUM_UNNECESSARY;
		p->stats.rx_csum_unnecessary++;
	}
	if ((ndev->features & NETIF_F_RXHASH) && (c->flags & RDO_ETH_CQE_F_RSS_HASH))
		skb_set_hash(skb, c->rss_hash, (c->flags & RDO_ETH_CQE_F_TCP) ?
			     PKT_HASH_TYPE_L4 : PKT_HASH_TYPE_L3);
	if ((c->flags & RDO_ETH_CQE_F_LRO) && c->lro_segs > 1 && c->lro_mss) {
		/* What TCP and GRO expect of coalesced segments. */
		skb_shinfo(skb)->gso_size = c->lro_mss;
		skb_shinfo(skb)->gso_type = (c->flags & RDO_ETH_CQE_F_IPV6) ?
					    SKB_GSO_TCPV6 : SKB_GSO_TCPV4;
		skb_shinfo(skb)->gso_segs = c->lro_segs;
		p->stats.rx_lro_packets++;
	}
	napi_gro_receive(&p->napi, skb);
}

/*
 * Posts buffers into every ring slot whose previous buffer completed.
 * LRO may hold a buffer while later ones complete; the refill then waits
 * at that slot until it comes back.
 */
void rdo_eth_rx_refill(struct rdo_eth_priv *p, gfp_t gfp)
{
	u32 mask = (1u << RDO_ETH_RXQ_LOG) - 1;
	struct device *dev = rdo_eth_dma_dev(p);
	unsigned int posted = 0;

	while (!p->rx[p->rx_pi & mask].buf) {
		struct rdo_eth_rx_slot *s = &p->rx[p->rx_pi & mask];
		struct rdo_eth_rx_wqe *w = rdo_ring_entry(&p->rxq, p->rx_pi);
		void *buf = gfp == GFP_KERNEL ? netdev_alloc_frag(RDO_ETH_RX_BUF_SIZE) :
						napi_alloc_frag(RDO_ETH_RX_BUF_SIZE);

		if (!buf) {
			p->stats.rx_alloc_failed++;
			break;
		}
		s->dma = dma_map_single(dev, buf + RDO_ETH_RX_HEADROOM,
					RDO_ETH_RX_DATA_LEN, DMA_FROM_DEVICE);
		if (dma_mapping_error(dev, s->dma)) {
			skb_free_frag(buf);
			p->stats.rx_alloc_failed++;
			break;
		}
		s->buf = buf;
		w->wr_id = p->rx_pi;
		w->addr = s->dma;
		w->length = RDO_ETH_RX_DATA_LEN;
		memset(w->reserved, 0, sizeof(w->reserved));
		p->rx_pi++;
		posted++;
	}
	if (posted && !rdo_dead(p->rdev)) {
		wmb();
		rdo_db_write(p->rdev, RDO_DB_ETH_RXQ, RDO_DB_VALUE(p->port - 1, 0, p->rx_pi));
	}
}

void rdo_eth_cq_arm(struct rdo_eth_priv *p)
{
	if (!rdo_dead(p->rdev))
		rdo_db_write(p->rdev, RDO_DB_CQ,
			     RDO_DB_VALUE(p->cqn, RDO_DB_CQ_ARM_NEXT, p->cq_ci));
}

int rdo_eth_napi_poll(struct napi_struct *napi, int budget)
{
	struct rdo_eth_priv *p = container_of(napi, struct rdo_eth_priv, napi);
	struct rdo_eth_cqe *cqe, c;
	int rx = 0;

	if (!READ_ONCE(p->up)) {
		napi_complete(napi);
		return 0;
	}
	while (rx < budget) {
		cqe = rdo_ring_entry(&p->cq, p->cq_ci);
		if (!rdo_sw_owns(&cqe->owner, p->cq_ci, p->cq.log_size))
			break;
		dma_rmb();
		c = *cqe;
		p->cq_ci++;
		if (c.opcode == RDO_CQE_ETH_TX) {
			rdo_eth_tx_complete(p, &c, budget);
		} else if (c.opcode == RDO_CQE_ETH_RX) {
			rdo_eth_rx_complete(p, &c);
			rx++;
		} else {
			netdev_err_once(p->ndev, "completion opcode 0x%02x on the Ethernet CQ\n",
					c.opcode);
		}
	}
	rdo_eth_rx_refill(p, GFP_ATOMIC);
	if (netif_queue_stopped(p->ndev) && rdo_eth_tx_free(p))
		netif_wake_queue(p->ndev);
	if (rx < budget && napi_complete_done(napi, rx))
		rdo_eth_cq_arm(p);
	else if (!rdo_dead(p->rdev))
		rdo_db_write(p->rdev, RDO_DB_CQ, RDO_DB_VALUE(p->cqn, 0, p->cq_ci));
	return rx;
}

/* Interrupt context: a COMPLETION or CQ_ERROR event for one of ours? */
bool rdo_netdev_cq_event(struct rdo_dev *rdev, u32 cqn, bool error)
{
	struct rdo_eth_priv *p = NULL;
	u32 port;

	/* Either port's net_device may own the CQ. */
	for (port = 1; port <= 2 && !p; port++) {
		struct net_device *ndev = READ_ONCE(*(port == 2 ? &rdev->ndev2 :
						      &rdev->ndev));
		struct rdo_eth_priv *q = ndev ? rdo_eth_priv(ndev) : NULL;

		if (q && READ_ONCE(q->up) && READ_ONCE(q->cqn) == cqn)
			p = q;
	}
	if (!p)
		return false;
	if (error)
		dev_err_ratelimited(&p->ndev->dev, "the Ethernet CQ %u is in error\n", cqn);
	else
		napi_schedule(&p->napi);
	return true;
}

/* The queues are gone from the device: give back what they held. */
void rdo_eth_tx_drain(struct rdo_eth_priv *p)
{
	u32 mask = (1u << RDO_ETH_TXQ_LOG) - 1;

	for (; p->tx && p->tx_ci != p->tx_pi; p->tx_ci++) {
		struct rdo_eth_tx_slot *s = &p->tx[p->tx_ci & mask];

		if (!s->skb)
			continue;
		rdo_eth_tx_unmap(p, s);
		dev_kfree_skb_any(s->skb);
		s->skb = NULL;
		p->stats.tx_dropped++;
	}
}

void rdo_eth_rx_drain(struct rdo_eth_priv *p)
{
	unsigned int i;

	for (i = 0; p->rx && i < (1u << RDO_ETH_RXQ_LOG); i++) {
		struct rdo_eth_rx_slot *s = &p->rx[i];

		if (!s->buf)
			continue;
		dma_unmap_single(rdo_eth_dma_dev(p), s->dma, RDO_ETH_RX_DATA_LEN,
				 DMA_FROM_DEVICE);
		skb_free_frag(s->buf);
		s->buf = NULL;
	}
}
