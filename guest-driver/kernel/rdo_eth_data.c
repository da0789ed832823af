// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: the Ethernet data path. Transmit maps an skb's head and
 * fragments as the SGEs of one TX WQE and lets the device segment (TSO)
 * and checksum; receive hands the device page-fragment buffers, and each
 * completion becomes an skb built around its buffer (no copy), marked
 * checksum-verified, hashed and, for an LRO aggregate, given the GSO size
 * and segment count the stack expects of coalesced TCP. Each queue pair's
 * TX and RX completions share its CQ, consumed by the pair's NAPI on the
 * CPU its vector is affine to, which re-arms the CQ when done.
 */
#include <linux/dma-mapping.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/ip6_checksum.h>
#include <net/tcp.h>

#include "rdo_eth.h"

static struct device *rdo_eth_dma_dev(struct rdo_eth_queue *q)
{
	return &q->p->rdev->pdev->dev;
}

static u32 rdo_eth_tx_free(struct rdo_eth_queue *q)
{
	return (1u << RDO_ETH_TXQ_LOG) - (q->tx_pi - READ_ONCE(q->tx_ci));
}

static void rdo_eth_tx_unmap(struct rdo_eth_queue *q, struct rdo_eth_tx_slot *s)
{
	unsigned int i;

	for (i = 0; i < s->nmaps; i++) {
		if (i == 0)
			dma_unmap_single(rdo_eth_dma_dev(q), s->addr[i], s->len[i],
					 DMA_TO_DEVICE);
		else
			dma_unmap_page(rdo_eth_dma_dev(q), s->addr[i], s->len[i],
				       DMA_TO_DEVICE);
	}
	s->nmaps = 0;
}

/* The head (always SGE 0) and the fragments, mapped for the device. */
static int rdo_eth_tx_map(struct rdo_eth_queue *q, struct sk_buff *skb,
			  struct rdo_eth_tx_slot *s)
{
	struct device *dev = rdo_eth_dma_dev(q);
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
			rdo_eth_tx_unmap(q, s);
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

static void rdo_eth_tx_drop(struct rdo_eth_queue *q, struct sk_buff *skb)
{
	q->stats.tx_dropped++;
	dev_kfree_skb_any(skb);
}

/* The stack picked the queue (XPS: the sending CPU's); its TX lock is held. */
netdev_tx_t rdo_eth_start_xmit(struct sk_buff *skb, struct net_device *ndev)
{
	struct rdo_eth_priv *p = rdo_eth_priv(ndev);
	u32 mask = (1u << RDO_ETH_TXQ_LOG) - 1;
	unsigned int qn = skb_get_queue_mapping(skb);
	struct netdev_queue *txq = netdev_get_tx_queue(ndev, qn);
	struct rdo_eth_queue *q = &p->q[qn];
	struct rdo_eth_tx_wqe *w;
	struct rdo_eth_tx_slot *s;
	struct rdo_sge *sge;
	unsigned int i;

	if (!READ_ONCE(p->up) || rdo_dead(p->rdev) || qn >= READ_ONCE(p->nq)) {
		rdo_eth_tx_drop(q, skb);
		return NETDEV_TX_OK;
	}
	if (!rdo_eth_tx_free(q)) {
		netif_tx_stop_queue(txq);
		return NETDEV_TX_BUSY;
	}
	if (skb_shinfo(skb)->nr_frags + 1 > RDO_ETH_TX_MAX_SGE &&
	    skb_linearize(skb)) {
		rdo_eth_tx_drop(q, skb);
		return NETDEV_TX_OK;
	}
	if (!skb_is_gso(skb) && skb->ip_summed == CHECKSUM_PARTIAL &&
	    !rdo_eth_csum_offloadable(skb) && skb_checksum_help(skb)) {
		rdo_eth_tx_drop(q, skb);
		return NETDEV_TX_OK;
	}
	s = &q->tx[q->tx_pi & mask];
	if (rdo_eth_tx_map(q, skb, s)) {
		rdo_eth_tx_drop(q, skb);
		return NETDEV_TX_OK;
	}
	s->skb = skb;

	w = rdo_ring_entry(&q->txq, q->tx_pi);
	memset(w, 0, sizeof(*w));
	w->wr_id = q->tx_pi;
	w->num_sge = s->nmaps;
	if (skb_is_gso(skb)) {
		w->flags = RDO_ETH_TX_F_TSO;
		w->mss = skb_shinfo(skb)->gso_size;
		w->hdr_len = skb_tcp_all_headers(skb);
		q->stats.tx_tso_packets++;
		q->stats.tx_packets += skb_shinfo(skb)->gso_segs;
		q->stats.tx_bytes += skb->len +
			(skb_shinfo(skb)->gso_segs - 1) * w->hdr_len;
	} else {
		if (skb->ip_summed == CHECKSUM_PARTIAL) {
			w->flags = RDO_ETH_TX_F_L4_CSUM;
			q->stats.tx_csum_partial++;
		}
		q->stats.tx_packets++;
		q->stats.tx_bytes += skb->len;
	}
	sge = (struct rdo_sge *)(w + 1);
	for (i = 0; i < s->nmaps; i++) {
		sge[i].addr = s->addr[i];
		sge[i].length = s->len[i];
		sge[i].lkey = 0;
	}
	skb_tx_timestamp(skb);
	q->tx_pi++;
	/* The WQE is in memory before the device hears of it. */
	wmb();
	rdo_db_write(p->rdev, RDO_DB_ETH_TXQ, RDO_DB_VALUE(q->hwq, 0, q->tx_pi));

	if (!rdo_eth_tx_free(q)) {
		netif_tx_stop_queue(txq);
		/* NAPI may have freed slots since: look again. */
		smp_mb();
		if (rdo_eth_tx_free(q))
			netif_tx_wake_queue(txq);
	}
	return NETDEV_TX_OK;
}

static void rdo_eth_tx_complete(struct rdo_eth_queue *q,
				const struct rdo_eth_cqe *c, int budget)
{
	struct rdo_eth_priv *p = q->p;
	struct rdo_eth_tx_slot *s = &q->tx[q->tx_ci & ((1u << RDO_ETH_TXQ_LOG) - 1)];

	/* TX work completes in order: the CQE names the oldest slot. */
	if ((u32)c->wr_id != q->tx_ci || !s->skb) {
		netdev_err_once(p->ndev, "TX completion for %llu, expected %u\n",
				c->wr_id, q->tx_ci);
		return;
	}
	if (c->status) {
		q->stats.tx_errors++;
		dev_warn_ratelimited(&p->ndev->dev, "TX work request failed: status %u vendor_err %u\n",
					c->status, c->vendor_err);
	}
	rdo_eth_tx_unmap(q, s);
	napi_consume_skb(s->skb, budget);
	s->skb = NULL;
	smp_store_release(&q->tx_ci, q->tx_ci + 1);
}

static void rdo_eth_rx_complete(struct rdo_eth_queue *q,
				const struct rdo_eth_cqe *c)
{
	u32 mask = (1u << RDO_ETH_RXQ_LOG) - 1;
	struct rdo_eth_rx_slot *s = &q->rx[(u32)c->wr_id & mask];
	struct net_device *ndev = q->p->ndev;
	struct sk_buff *skb;
	void *buf = s->buf;

	if (c->wr_id >> 32 || !buf) {
		netdev_err_once(ndev, "RX completion for buffer %llu not posted\n",
				c->wr_id);
		return;
	}
	dma_unmap_single(rdo_eth_dma_dev(q), s->dma, RDO_ETH_RX_DATA_LEN,
			 DMA_FROM_DEVICE);
	s->buf = NULL;
	if (c->status || c->byte_len < ETH_HLEN || c->byte_len > RDO_ETH_RX_DATA_LEN) {
		q->stats.rx_errors++;
		dev_warn_ratelimited(&ndev->dev, "RX buffer completed with status %u vendor_err %u length %u\n",
					c->status, c->vendor_err, c->byte_len);
		skb_free_frag(buf);
		return;
	}
	skb = napi_build_skb(buf, RDO_ETH_RX_BUF_SIZE);
	if (!skb) {
		q->stats.rx_alloc_failed++;
		skb_free_frag(buf);
		return;
	}
	skb_reserve(skb, RDO_ETH_RX_HEADROOM);
	skb_put(skb, c->byte_len);
	q->stats.rx_packets++;
	q->stats.rx_bytes += c->byte_len;
	skb->protocol = eth_type_trans(skb, ndev);
	if ((ndev->features & NETIF_F_RXCSUM) && (c->flags & RDO_ETH_CQE_F_L4_CSUM_OK)) {
		skb->ip_summed = CHECKSUM_UNNECESSARY;
		q->stats.rx_csum_unnecessary++;
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
		q->stats.rx_lro_packets++;
	}
	napi_gro_receive(&q->napi, skb);
}

/*
 * Posts buffers into every ring slot whose previous buffer completed.
 * LRO may hold a buffer while later ones complete; the refill then waits
 * at that slot until it comes back.
 */
void rdo_eth_rx_refill(struct rdo_eth_queue *q, gfp_t gfp)
{
	struct rdo_dev *rdev = q->p->rdev;
	u32 mask = (1u << RDO_ETH_RXQ_LOG) - 1;
	struct device *dev = rdo_eth_dma_dev(q);
	unsigned int posted = 0;

	while (!q->rx[q->rx_pi & mask].buf) {
		struct rdo_eth_rx_slot *s = &q->rx[q->rx_pi & mask];
		struct rdo_eth_rx_wqe *w = rdo_ring_entry(&q->rxq, q->rx_pi);
		void *buf = gfp == GFP_KERNEL ? netdev_alloc_frag(RDO_ETH_RX_BUF_SIZE) :
						napi_alloc_frag(RDO_ETH_RX_BUF_SIZE);

		if (!buf) {
			q->stats.rx_alloc_failed++;
			break;
		}
		s->dma = dma_map_single(dev, buf + RDO_ETH_RX_HEADROOM,
					RDO_ETH_RX_DATA_LEN, DMA_FROM_DEVICE);
		if (dma_mapping_error(dev, s->dma)) {
			skb_free_frag(buf);
			q->stats.rx_alloc_failed++;
			break;
		}
		s->buf = buf;
		w->wr_id = q->rx_pi;
		w->addr = s->dma;
		w->length = RDO_ETH_RX_DATA_LEN;
		w->lkey = 0;
		memset(w->reserved, 0, sizeof(w->reserved));
		q->rx_pi++;
		posted++;
	}
	if (posted && !rdo_dead(rdev)) {
		wmb();
		rdo_db_write(rdev, RDO_DB_ETH_RXQ, RDO_DB_VALUE(q->hwq, 0, q->rx_pi));
	}
}

void rdo_eth_cq_arm(struct rdo_eth_queue *q)
{
	if (!rdo_dead(q->p->rdev))
		rdo_db_write(q->p->rdev, RDO_DB_CQ,
			     RDO_DB_VALUE(q->cqn, RDO_DB_CQ_ARM_NEXT, q->cq_ci));
}

int rdo_eth_napi_poll(struct napi_struct *napi, int budget)
{
	struct rdo_eth_queue *q = container_of(napi, struct rdo_eth_queue, napi);
	struct netdev_queue *txq = netdev_get_tx_queue(q->p->ndev, q->qn);
	struct rdo_eth_priv *p = q->p;
	struct rdo_eth_cqe *cqe, c;
	int rx = 0;

	if (!READ_ONCE(p->up)) {
		napi_complete(napi);
		return 0;
	}
	while (rx < budget) {
		cqe = rdo_ring_entry(&q->cq, q->cq_ci);
		if (!rdo_sw_owns(&cqe->owner, q->cq_ci, q->cq.log_size))
			break;
		dma_rmb();
		c = *cqe;
		q->cq_ci++;
		if (c.opcode == RDO_CQE_ETH_TX) {
			rdo_eth_tx_complete(q, &c, budget);
		} else if (c.opcode == RDO_CQE_ETH_RX) {
			rdo_eth_rx_complete(q, &c);
			rx++;
		} else {
			netdev_err_once(p->ndev, "completion opcode 0x%02x on the Ethernet CQ\n",
					c.opcode);
		}
	}
	rdo_eth_rx_refill(q, GFP_ATOMIC);
	if (netif_tx_queue_stopped(txq) && rdo_eth_tx_free(q))
		netif_tx_wake_queue(txq);
	if (rx < budget && napi_complete_done(napi, rx))
		rdo_eth_cq_arm(q);
	else if (!rdo_dead(p->rdev))
		rdo_db_write(p->rdev, RDO_DB_CQ, RDO_DB_VALUE(q->cqn, 0, q->cq_ci));
	return rx;
}

/* Interrupt context: the queue pair of `p` whose CQ is `cqn`, or NULL. */
static struct rdo_eth_queue *rdo_eth_cq_queue(struct rdo_eth_priv *p, u32 cqn)
{
	unsigned int i, nq;

	if (!READ_ONCE(p->up))
		return NULL;
	nq = READ_ONCE(p->nq);
	for (i = 0; i < nq; i++)
		if (READ_ONCE(p->q[i].cqn) == cqn)
			return &p->q[i];
	return NULL;
}

/* Interrupt context: a COMPLETION or CQ_ERROR event for one of ours? */
bool rdo_netdev_cq_event(struct rdo_dev *rdev, u32 cqn, bool error)
{
	struct rdo_eth_queue *q = NULL;
	u32 port;

	/* Either port's net_device may own the CQ. */
	for (port = 1; port <= 2 && !q; port++) {
		struct net_device *ndev = READ_ONCE(*(port == 2 ? &rdev->ndev2 :
						      &rdev->ndev));

		if (ndev)
			q = rdo_eth_cq_queue(rdo_eth_priv(ndev), cqn);
	}
	if (!q)
		return false;
	if (error)
		dev_err_ratelimited(&q->p->ndev->dev, "the Ethernet CQ %u is in error\n", cqn);
	else
		napi_schedule(&q->napi);
	return true;
}

/* The queues are gone from the device: give back what they held. */
void rdo_eth_tx_drain(struct rdo_eth_queue *q)
{
	u32 mask = (1u << RDO_ETH_TXQ_LOG) - 1;

	for (; q->tx && q->tx_ci != q->tx_pi; q->tx_ci++) {
		struct rdo_eth_tx_slot *s = &q->tx[q->tx_ci & mask];

		if (!s->skb)
			continue;
		rdo_eth_tx_unmap(q, s);
		dev_kfree_skb_any(s->skb);
		s->skb = NULL;
		q->stats.tx_dropped++;
	}
}

void rdo_eth_rx_drain(struct rdo_eth_queue *q)
{
	unsigned int i;

	for (i = 0; q->rx && i < (1u << RDO_ETH_RXQ_LOG); i++) {
		struct rdo_eth_rx_slot *s = &q->rx[i];

		if (!s->buf)
			continue;
		dma_unmap_single(rdo_eth_dma_dev(q), s->dma, RDO_ETH_RX_DATA_LEN,
				 DMA_FROM_DEVICE);
		skb_free_frag(s->buf);
		s->buf = NULL;
	}
}
