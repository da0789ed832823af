/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: Ethernet receive. Frames that are not RoCEv2 and are
 * addressed to the port (its MAC, broadcast or multicast) are checked
 * (IPv4 header and TCP/UDP checksums, flagged in the completion), hashed
 * (Toeplitz over addresses and ports, which picks the RXQ among those that
 * exist, unless a flow-steering rule of steer.c names one), offered to LRO, and otherwise written whole into the next buffer
 * the driver posted on that RXQ.
 */
#include <string.h>
#include "eth/eth.h"

/* The usual default RSS key (Microsoft's RSS specification). */
static const uint8_t rss_key[40] = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
    0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
    0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
    0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

static uint32_t toeplitz(const uint8_t *in, size_t n)
{
    uint32_t window = rdo_get_be32(rss_key), hash = 0;

    for (size_t i = 0; i < n; i++) {
        for (int b = 7; b >= 0; b--) {
            if (in[i] & (1u << b)) {
                hash ^= window;
            }
            window = window << 1 | ((rss_key[i + 4] >> b) & 1);
        }
    }
    return hash;
}

/* Source and destination address, then ports for TCP and UDP. */
static uint32_t rss_hash(const uint8_t *f, const RdoEthHdrs *h)
{
    uint8_t in[36];
    size_t alen = h->ipv4 ? 4 : 16;
    size_t n = 2 * alen;

    memcpy(in, f + h->l3_off + (h->ipv4 ? 12 : 8), n);
    if (h->l4_proto) {
        memcpy(in + n, f + h->l4_off, 4);
        n += 4;
    }
    return toeplitz(in, n);
}

/* The flags of a received frame's checksums; counts the bad ones. */
static uint8_t rx_csum_flags(RdoCore *core, const uint8_t *f, const RdoEthHdrs *h)
{
    uint8_t flags = 0;

    if (h->ipv4) {
        const uint8_t *ip = f + h->l3_off;

        if (rdo_csum_fold(rdo_csum_add(0, ip, (ip[0] & 0xf) * 4u))) {
            core->cnt.eth_rx_csum_bad++;
            return 0;
        }
        flags |= RDO_ETH_CQE_F_L3_CSUM_OK;
    }
    if (!h->l4_proto) {
        return flags;
    }
    if (h->l4_proto == RDO_IPPROTO_UDP && h->ipv4 &&
        !rdo_get_be16(f + h->l4_off + 6)) {
        return flags;       /* UDP over IPv4 without a checksum */
    }
    if (rdo_csum_fold(rdo_csum_pseudo(f, h, h->ip_end - h->l4_off) +
                      rdo_csum_add(0, f + h->l4_off, h->ip_end - h->l4_off))) {
        core->cnt.eth_rx_csum_bad++;
        return flags;
    }
    core->cnt.eth_rx_csum_ok++;
    return flags | RDO_ETH_CQE_F_L4_CSUM_OK |
           (h->l4_proto == RDO_IPPROTO_TCP ? RDO_ETH_CQE_F_TCP : 0);
}

/*
 * The RXQ a hash picks among the port's, or RDO_NONE. Keyed RXQs (user
 * space's) take no part: they get only what a steering rule sends them.
 */
static uint32_t pick_rxq(RdoEth *eth, unsigned port, uint32_t hash)
{
    uint32_t valid[RDO_ETH_MAX_RXQ], n = 0;

    for (uint32_t qn = 0; qn < RDO_ETH_MAX_RXQ; qn++) {
        if (eth->rxq[qn].valid && eth->rxq[qn].port == port &&
            !eth->rxq[qn].keyed) {
            valid[n++] = qn;
        }
    }
    return n ? valid[hash % n] : RDO_NONE;
}

/* A frame into RXQ qn: to LRO, or whole into the next buffer. */
static void receive_on(RdoCore *core, uint32_t qn, const uint8_t *frame,
                       size_t len, const RdoEthHdrs *h, uint8_t flags,
                       uint32_t hash)
{
    RdoEthRxq *q = &core->st->eth->rxq[qn];
    struct rdo_eth_rx_wqe wqe;

    if (q->lro && rdo_lro_receive(core, qn, q, frame, h,
                                  flags & RDO_ETH_CQE_F_L4_CSUM_OK, hash)) {
        return;
    }
    if (!rdo_eth_rx_take(core, q, &wqe)) {
        core->cnt.eth_rx_no_buf++;
        return;
    }
    if (len > wqe.length) {
        rdo_eth_rx_error(core, qn, q, &wqe, RDO_WC_LOC_LEN_ERR, RDO_VENDOR_ERR_LENGTH,
                 "frame longer than the buffer");
    } else if (!rdo_eth_rx_write(core, q, &wqe, 0, frame, len)) {
        rdo_eth_rx_error(core, qn, q, &wqe, RDO_WC_LOC_PROT_ERR, RDO_VENDOR_ERR_DMA,
                 "buffer not reachable");
    } else {
        rdo_eth_rx_deliver(core, qn, q, &wqe, len, flags, hash, 1, 0);
    }
}

/* The parsed frame's checksum flags and hash. */
static void classify(RdoCore *core, const uint8_t *frame, const RdoEthHdrs *h,
                     uint8_t *flags, uint32_t *hash)
{
    *flags = 0;
    *hash = 0;
    if (h->ipv4 || h->ipv6) {
        *flags = rx_csum_flags(core, frame, h) | RDO_ETH_CQE_F_RSS_HASH |
                 (h->ipv6 ? RDO_ETH_CQE_F_IPV6 : 0);
        *hash = rss_hash(frame, h);
    }
}

void rdo_eth_receive(RdoCore *core, const uint8_t *frame, size_t len)
{
    unsigned port = core->st->rx_port == 2 ? 2 : 1;
    uint32_t hash, qn, qns[RDO_ETH_MAX_RXQ];
    unsigned n;
    uint8_t flags;
    RdoEthHdrs h;

    if (!rdo_eth_parse(frame, len, false, &h)) {
        core->cnt.eth_rx_errors++;
        return;
    }
    if (!(frame[0] & 1) && memcmp(frame, rdo_port_mac(core, port), RDO_ETH_ALEN)) {
        core->cnt.eth_rx_filtered++;
        return;
    }
    classify(core, frame, &h, &flags, &hash);
    /* A flow-steering rule comes before RSS. */
    n = rdo_eth_steer(core, port, RDO_NONE, frame, &h, qns);
    for (unsigned i = 0; i < n; i++) {
        receive_on(core, qns[i], frame, len, &h, flags, hash);
    }
    if (n) {
        return;
    }
    qn = pick_rxq(core->st->eth, port, hash);
    if (qn == RDO_NONE) {
        core->cnt.eth_rx_no_buf++;
        return;
    }
    receive_on(core, qn, frame, len, &h, flags, hash);
}

void rdo_eth_receive_looped(RdoCore *core, unsigned port, uint32_t from_txq,
                            const uint8_t *frame, size_t len)
{
    uint32_t hash, qns[RDO_ETH_MAX_RXQ];
    unsigned n;
    uint8_t flags;
    RdoEthHdrs h;

    if (!rdo_eth_parse(frame, len, false, &h)) {
        return;     /* the TXQ sent nothing this short */
    }
    /* Only rules' RXQs: the kernel's queues did not ask for raw frames. */
    n = rdo_eth_steer(core, port, from_txq, frame, &h, qns);
    if (!n) {
        return;
    }
    classify(core, frame, &h, &flags, &hash);
    core->cnt.eth_raw_looped++;
    for (unsigned i = 0; i < n; i++) {
        receive_on(core, qns[i], frame, len, &h, flags, hash);
    }
}
