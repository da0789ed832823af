/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Ethernet function's unit-test harness: eth-harness.h. */
#include <string.h>
#include "eth-harness.h"

/* An independent Internet checksum, to check the device's. */
uint16_t ref_csum(const uint8_t *a, size_t n, uint32_t sum)
{
    for (size_t i = 0; i < n; i++) {
        sum += (i & 1) ? a[i] : a[i] << 8;
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t be32(const uint8_t *p)
{
    return (uint32_t)be16(p) << 16 | be16(p + 2);
}

void put16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = (uint8_t)v;
}

void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, (uint16_t)v);
}

/* True if an IPv4 frame's header and TCP/UDP checksums are right. */
bool ipv4_l4_csum_ok(const uint8_t *f, size_t len)
{
    const uint8_t *ip = f + 14;
    uint32_t ihl = (ip[0] & 0xf) * 4, total = be16(ip + 2);
    uint32_t pseudo = be16(ip + 12) + be16(ip + 14) + be16(ip + 16) +
                      be16(ip + 18) + ip[9] + (total - ihl);

    g_assert_cmpuint(14 + total, <=, len);
    return ref_csum(ip, ihl, 0) == 0 &&
           ref_csum(ip + ihl, total - ihl, pseudo) == 0;
}

uint64_t eth_cq_create(EthSide *e)
{
    return td_create_cq(e->d, ETH_CQN, ETH_CQ_LOG, 0, 0);
}

uint8_t create_txq(EthSide *e, uint32_t qn, uint32_t cqn, uint8_t shift)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_create_eth_txq(qn, e->txq, TXQ_LOG, shift,
                                                    cqn);

    return td_cmd(e->d, &cmd).status;
}

uint8_t create_rxq(EthSide *e, uint32_t qn, uint8_t flags, uint16_t usec)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_create_eth_rxq(qn, e->rxq, RXQ_LOG, flags,
                                                    usec, ETH_CQN);

    return td_cmd(e->d, &cmd).status;
}

void post_rx(EthSide *e, uint32_t n, uint32_t len)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t slot = e->rx_pi & ((1u << RXQ_LOG) - 1);
        struct rdo_eth_rx_wqe w = {
            .wr_id = e->rx_pi, .addr = e->bufs + (uint64_t)slot * RX_BUF,
            .length = len,
        };

        memcpy(td_ptr(e->d, e->rxq + slot * sizeof(w)), &w, sizeof(w));
        e->rx_pi++;
    }
    td_doorbell(e->d, 0, RDO_DB_ETH_RXQ, RDO_DB_VALUE(0, 0, e->rx_pi));
}

void side_setup(EthSide *e, PairSide *s, uint8_t rx_flags)
{
    e->s = s;
    e->d = s->d;
    e->cq = eth_cq_create(e);
    e->txq = td_alloc(e->d, 1u << (TXQ_LOG + TXQ_SHIFT), 4096);
    e->rxq = td_alloc(e->d, sizeof(struct rdo_eth_rx_wqe) << RXQ_LOG, 4096);
    e->bufs = td_alloc(e->d, RX_BUF << RXQ_LOG, 4096);
    e->send = td_alloc(e->d, RDO_ETH_MAX_SEND + 4096, 4096);
    g_assert_cmpuint(create_txq(e, 0, ETH_CQN, TXQ_SHIFT), ==, RDO_CQP_OK);
    g_assert_cmpuint(create_rxq(e, 0, rx_flags, rx_flags ? LRO_USEC : 0), ==,
                     RDO_CQP_OK);
    post_rx(e, 1u << RXQ_LOG, RX_BUF);
}

EthPair *eth_pair(uint8_t rx_flags)
{
    EthPair *ep = g_new0(EthPair, 1);

    ep->p = pair_new(NULL);
    for (int k = 0; k < 2; k++) {
        side_setup(&ep->e[k], &ep->p->s[k], rx_flags);
    }
    return ep;
}

void eth_pair_free(EthPair *ep)
{
    pair_free(ep->p);
    g_free(ep);
}

/* The next Ethernet CQE of a side; opcode 0 if none. */
struct rdo_eth_cqe eth_poll(EthSide *e)
{
    uint32_t i = e->cq_ci & ((1u << ETH_CQ_LOG) - 1);
    struct rdo_eth_cqe c;

    memcpy(&c, td_ptr(e->d, e->cq + i * 32), sizeof(c));
    if (!rdo_owner_is_sw(c.owner, e->cq_ci, ETH_CQ_LOG)) {
        memset(&c, 0, sizeof(c));
        return c;
    }
    e->cq_ci++;
    td_doorbell(e->d, 0, RDO_DB_CQ, RDO_DB_VALUE(ETH_CQN, 0, e->cq_ci));
    return c;
}

/*
 * A TCP/IPv4 frame from side 0's MAC to side 1's, 10.0.0.1:40000 to
 * 10.0.0.2:5001, with the timestamp option, checksums right (or left 0).
 * Returns its length.
 */
size_t tcp_frame(EthPair *ep, uint8_t *f, uint32_t seq, uint8_t flags,
                 const uint8_t *payload, uint32_t n, uint32_t tsval,
                 bool csum)
{
    uint8_t *ip = f + 14, *tcp = ip + 20;
    uint32_t total = 20 + 32 + n;

    memset(f, 0, 14 + 20 + 32);
    memcpy(f, ep->e[1].s->mac, 6);
    memcpy(f + 6, ep->e[0].s->mac, 6);
    put16(f + 12, 0x0800);
    ip[0] = 0x45;
    put16(ip + 2, total);
    put16(ip + 4, 0x1234);
    put16(ip + 6, 0x4000);
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
    put16(tcp, 40000);
    put16(tcp + 2, 5001);
    put32(tcp + 4, seq);
    put32(tcp + 8, 0xabcd0000);
    tcp[12] = 8 << 4;
    tcp[13] = flags;
    put16(tcp + 14, 502);
    memcpy(tcp + 20, "\x01\x01\x08\x0a", 4);
    put32(tcp + 24, tsval);
    put32(tcp + 28, 77);
    if (n) {
        memcpy(tcp + 32, payload, n);
    }
    if (csum) {
        put16(ip + 10, ref_csum(ip, 20, 0));
        put16(tcp + 16, ref_csum(tcp, 32 + n, 0x0a00 + 0x0001 + 0x0a00 + 0x0002 +
                                              6 + 32 + n));
    }
    return 14 + total;
}

/* Posts a TX WQE of `nsge` SGEs on side k's TXQ 0. */
void post_tx(EthSide *e, const struct rdo_eth_tx_wqe *w,
             const struct rdo_sge *sge, int nsge)
{
    uint8_t *slot = td_ptr(e->d, e->txq + ((e->tx_pi & ((1u << TXQ_LOG) - 1))
                                           << TXQ_SHIFT));

    memset(slot, 0, 1u << TXQ_SHIFT);
    memcpy(slot, w, sizeof(*w));
    memcpy(slot + sizeof(*w), sge, nsge * sizeof(*sge));
    e->tx_pi++;
    td_doorbell(e->d, 0, RDO_DB_ETH_TXQ, RDO_DB_VALUE(0, 0, e->tx_pi));
}

uint8_t pattern(uint32_t i)
{
    return (uint8_t)(i * 7 + (i >> 8));
}

/* A TCP segment of tcp_frame's flow (payload `pattern`) into side 1. */
void rx_segment(EthPair *ep, uint32_t seq, uint8_t flags, uint32_t n,
                uint32_t tsval)
{
    g_autofree uint8_t *f = g_malloc(2048);
    uint8_t payload[1448];
    size_t len;

    for (uint32_t i = 0; i < n; i++) {
        payload[i] = pattern(seq + i);
    }
    len = tcp_frame(ep, f, seq, flags, payload, n, tsval, true);
    rdo_core_receive(&ep->e[1].d->h->core, f, len);
}

size_t rss_frame(EthPair *ep, uint8_t *f, const char *src, const char *dst,
                 uint16_t sport, uint16_t dport)
{
    size_t len = tcp_frame(ep, f, 1, RDO_TCP_ACK, (const uint8_t *)"x", 1, 1, false);
    uint32_t a, b, c, d;

    g_assert_cmpint(sscanf(src, "%u.%u.%u.%u", &a, &b, &c, &d), ==, 4);
    put32(f + 26, a << 24 | b << 16 | c << 8 | d);
    g_assert_cmpint(sscanf(dst, "%u.%u.%u.%u", &a, &b, &c, &d), ==, 4);
    put32(f + 30, a << 24 | b << 16 | c << 8 | d);
    put16(f + 34, sport);
    put16(f + 36, dport);
    /* Checksums right, so the CQE says TCP. */
    put16(f + 24, ref_csum(f + 14, 20, 0));
    put16(f + 50, ref_csum(f + 34, len - 34, be16(f + 26) + be16(f + 28) +
                           be16(f + 30) + be16(f + 32) + 6 + (uint32_t)(len - 34)));
    return len;
}

/* Side 1 takes the frame; its one CQE (asserted successful). */
struct rdo_eth_cqe eth_deliver(EthPair *ep, const uint8_t *f, size_t len)
{
    EthSide *rx = &ep->e[1];
    struct rdo_eth_cqe c;

    rdo_core_receive(&rx->d->h->core, f, len);
    pair_run(ep->p, 100000);
    c = eth_poll(rx);
    g_assert_cmpuint(c.opcode, ==, RDO_CQE_ETH_RX);
    g_assert_cmpuint(c.status, ==, RDO_WC_SUCCESS);
    g_assert_cmpuint(c.byte_len, ==, len);
    g_assert_cmpuint(eth_poll(rx).opcode, ==, 0);
    return c;
}
