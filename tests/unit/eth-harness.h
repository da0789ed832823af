/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Ethernet function's unit-test harness (test-eth.c, test-eth-steer.c):
 * two cores back to back, each with a TXQ and an RXQ on their own CQ,
 * frames built and checked independently of the device's code.
 */
#ifndef ETH_HARNESS_H
#define ETH_HARNESS_H

#include "test-pair.h"
#include "eth/eth.h"

#define ETH_CQN         1
#define ETH_CQ_LOG      10
#define TXQ_LOG         6
#define TXQ_SHIFT       8       /* 256-byte WQEs: up to 14 SGEs */
#define RXQ_LOG         7
#define RX_BUF          (16u * 1024)
#define LRO_USEC        20
#define MSS             1448

typedef struct EthSide {
    PairSide *s;
    TestDriver *d;
    uint64_t cq, txq, rxq, bufs, send;
    uint32_t cq_ci, tx_pi, rx_pi;
} EthSide;

typedef struct EthPair {
    Pair *p;
    EthSide e[2];
} EthPair;

/* An independent Internet checksum, to check the device's. */
uint16_t ref_csum(const uint8_t *a, size_t n, uint32_t sum);

uint16_t be16(const uint8_t *p);

uint32_t be32(const uint8_t *p);

void put16(uint8_t *p, uint16_t v);

void put32(uint8_t *p, uint32_t v);

/* True if an IPv4 frame's header and TCP/UDP checksums are right. */
bool ipv4_l4_csum_ok(const uint8_t *f, size_t len);

uint64_t eth_cq_create(EthSide *e);

uint8_t create_txq(EthSide *e, uint32_t qn, uint32_t cqn, uint8_t shift);

uint8_t create_rxq(EthSide *e, uint32_t qn, uint8_t flags, uint16_t usec);

void post_rx(EthSide *e, uint32_t n, uint32_t len);

void side_setup(EthSide *e, PairSide *s, uint8_t rx_flags);

EthPair *eth_pair(uint8_t rx_flags);

void eth_pair_free(EthPair *ep);

/* The next Ethernet CQE of a side; opcode 0 if none. */
struct rdo_eth_cqe eth_poll(EthSide *e);

/*
 * A TCP/IPv4 frame from side 0's MAC to side 1's, 10.0.0.1:40000 to
 * 10.0.0.2:5001, with the timestamp option, checksums right (or left 0).
 * Returns its length.
 */
size_t tcp_frame(EthPair *ep, uint8_t *f, uint32_t seq, uint8_t flags,
                 const uint8_t *payload, uint32_t n, uint32_t tsval,
                 bool csum);

/* Posts a TX WQE of `nsge` SGEs on side k's TXQ 0. */
void post_tx(EthSide *e, const struct rdo_eth_tx_wqe *w,
             const struct rdo_sge *sge, int nsge);

uint8_t pattern(uint32_t i);

/* A TCP segment of tcp_frame's flow (payload `pattern`) into side 1. */
void rx_segment(EthPair *ep, uint32_t seq, uint8_t flags, uint32_t n,
                uint32_t tsval);

/* tcp_frame's with other addresses and ports, checksums right. */
size_t rss_frame(EthPair *ep, uint8_t *f, const char *src, const char *dst,
                 uint16_t sport, uint16_t dport);

/* Side 1 takes the frame; its one CQE (asserted successful, the only one). */
struct rdo_eth_cqe eth_deliver(EthPair *ep, const uint8_t *f, size_t len);

#endif
