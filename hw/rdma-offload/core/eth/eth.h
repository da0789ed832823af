/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the Ethernet function's state, shared by its stages:
 * header parsing and checksums (parse.c, csum.c), the queues and their
 * commands (queue.c) and doorbells (doorbell.c), transmit with TSO and
 * checksum insertion (tx.c), receive with checksum verification and RSS
 * (rx.c), flow steering rules (steer.c), the receive buffers
 * (rx-place.c) and the coalescing of TCP segments (lro.c).
 */
#ifndef RDO_ETH_INTERNAL_H
#define RDO_ETH_INTERNAL_H

#include "notify/notify.h"
#include "egress/egress.h"
#include "wire/wire.h"

/* Where the headers of a frame are; offsets from the frame's first byte. */
typedef struct RdoEthHdrs {
    uint32_t l3_off;            /* after Ethernet (and one 802.1Q tag) */
    uint32_t l4_off;            /* after the IP header; 0 if not IP */
    uint32_t payload_off;       /* after the TCP or UDP header */
    uint32_t ip_end;            /* end of the IP packet (Ethernet pad follows) */
    uint16_t ethertype;
    uint8_t l4_proto;           /* 6 TCP, 17 UDP, else 0 */
    bool ipv4, ipv6;
    bool ip_frag;               /* an IPv4 fragment: no L4 header to trust */
} RdoEthHdrs;

#define RDO_IPPROTO_TCP         6
#define RDO_TCP_FIN             0x01
#define RDO_TCP_SYN             0x02
#define RDO_TCP_RST             0x04
#define RDO_TCP_PSH             0x08
#define RDO_TCP_ACK             0x10
#define RDO_TCP_URG             0x20
#define RDO_TCP_ECE             0x40
#define RDO_TCP_CWR             0x80
#define RDO_TCP_HLEN_MIN        20
#define RDO_ETH_HDR_MAX         256     /* headers a TSO or LRO frame may carry */

/*
 * Parses Ethernet, an optional 802.1Q tag, IPv4 (with options) or IPv6
 * (without extension headers), and TCP or UDP; checks every length against
 * the frame. False if the frame is shorter than an Ethernet header;
 * otherwise what it found (ipv4/ipv6 false: not IP, l4_proto 0: no L4).
 * With whole_frame the IP packet is the rest of the frame, whatever its
 * length fields say (a TSO send: they are the device's to write).
 */
bool rdo_eth_parse(const uint8_t *frame, size_t len, bool whole_frame,
                   RdoEthHdrs *h);

/* Checksums (csum.c; rdo_csum_add, _fold and _swap are in wire/wire.h). */
/* TCP/UDP pseudo-header of the frame's IP addresses and an L4 length. */
uint64_t rdo_csum_pseudo(const uint8_t *frame, const RdoEthHdrs *h,
                         uint32_t l4_len);
/* Writes the IPv4 header checksum of the frame. */
void rdo_csum_set_ipv4(uint8_t *frame, const RdoEthHdrs *h);
/* Offset of the checksum field within the L4 header. */
uint32_t rdo_csum_l4_field(uint8_t l4_proto);

/* A transmit queue. */
typedef struct RdoEthTxq {
    bool valid;
    bool keyed;                 /* SGEs are lkey + MR address in PD pdn */
    uint32_t pdn;
    uint16_t db_page;
    uint32_t cqn;
    RdoRing ring;
    uint32_t pi, ci;
} RdoEthTxq;

/*
 * An LRO session: the in-order TCP segments of one flow gathered in one
 * receive buffer. The payload is written as it comes; the headers, those
 * of the first segment with the latest ACK, window and timestamps, when it
 * is flushed.
 */
typedef struct RdoLroSession {
    bool active;
    uint64_t started_ns;
    struct rdo_eth_rx_wqe buf;  /* taken from the ring */
    uint32_t rss_hash;
    uint8_t hdr[RDO_ETH_HDR_MAX];
    RdoEthHdrs h;               /* of hdr: the first segment's layout */
    uint32_t len;               /* bytes in the buffer, headers included */
    uint32_t next_seq;
    uint16_t segs, mss;
    uint8_t psh;
    uint64_t payload_sum;       /* checksum of the payload gathered */
} RdoLroSession;

#define RDO_LRO_SESSIONS 8

typedef struct RdoEthRxq {
    bool valid;
    bool lro;
    bool keyed;                 /* buffers are lkey + MR address in PD pdn */
    uint32_t pdn;
    uint8_t port;               /* the port whose frames it takes: 1 or 2 */
    uint16_t db_page;
    uint32_t cqn;
    uint64_t lro_ns;
    RdoRing ring;
    uint32_t pi, ci;
    RdoLroSession lro_s[RDO_LRO_SESSIONS];
} RdoEthRxq;

G_STATIC_ASSERT(RDO_ETH_MAX_TXQ <= 32 && RDO_ETH_MAX_RXQ <= 32);

/*
 * A flow-steering rule as the command gave it (fields outside the mask 0,
 * so two rules match the same frames exactly when their bytes are equal).
 */
typedef struct RdoFlowRule {
    bool valid;
    uint8_t rxq;
    struct rdo_cmd_create_flow_rule m;
} RdoFlowRule;

typedef struct RdoEth {
    RdoEthTxq txq[RDO_ETH_MAX_TXQ];
    RdoEthRxq rxq[RDO_ETH_MAX_RXQ];
    /* Bit n: queue n is valid. The RDMA path's wake-ups skip the queue
     * walks of a function nobody uses at a glance. */
    uint32_t txq_valid, rxq_valid;
    RdoFlowRule rules[RDO_ETH_FLOW_RULES];
    uint32_t nrules;            /* valid rules: none, no lookup per frame */
    uint8_t *send_buf;          /* one TX work request gathered */
    uint8_t *frame_buf;         /* one frame being built */
    uint8_t *wqe_buf;           /* one TX WQE */
    /* The scatter WQE (struct rdo_eth_rx_sg_wqe and its SGEs) of the
     * buffer taken last from a scatter RXQ: a frame is written into it
     * at once (such RXQs have no LRO to hold a buffer), so one will do. */
    uint8_t *rx_sg_buf;
} RdoEth;

/* An RXQ of scatter WQEs (wqe_shift above RDO_ETH_RX_WQE_SHIFT)? */
static inline bool rdo_eth_rxq_sg(const RdoEthRxq *q)
{
    return q->ring.stride_shift != RDO_ETH_RX_WQE_SHIFT;
}

/* Life cycle (queue.c). */
void rdo_eth_init(RdoCore *core);
void rdo_eth_free(RdoCore *core);
/* Both queues' completions: a CQE on the queue's CQ. */
void rdo_eth_complete(RdoCore *core, uint32_t cqn, const struct rdo_eth_cqe *cqe);

/* Transmit (tx.c). */
void rdo_eth_tx_run(RdoCore *core);
/* Any TXQ to look at? (rdo_eth_tx_run's first test.) */
static inline bool rdo_eth_tx_pending(const RdoCore *core)
{
    return core->st->eth->txq_valid != 0;
}

/* Receive (rx.c, rx-place.c, lro.c). */
void rdo_eth_receive(RdoCore *core, const uint8_t *frame, size_t len);
/* A keyed TXQ's multicast copy (egress/output.c, rdo_loopback_raw): to the
 * RXQ of port's best matching rule other than one naming RXQ from_txq;
 * dropped if none (never RSS'd). */
void rdo_eth_receive_looped(RdoCore *core, unsigned port, uint32_t from_txq,
                            const uint8_t *frame, size_t len);
/* Takes the buffer at the RXQ's consumer index; false if none is posted.
 * From a scatter RXQ: wqe gets wr_id, the first SGE's addr and lkey and
 * the SGEs' summed length; the SGEs stay in RdoEth.rx_sg_buf. */
bool rdo_eth_rx_take(RdoCore *core, RdoEthRxq *q, struct rdo_eth_rx_wqe *wqe);
void rdo_eth_rx_deliver(RdoCore *core, uint32_t qn, RdoEthRxq *q,
                        const struct rdo_eth_rx_wqe *wqe, uint32_t len,
                        uint8_t flags, uint32_t rss_hash, uint16_t segs,
                        uint16_t mss);
/* Writes into a taken buffer at `off`: a bus address, or through the
 * keyed RXQ's MR. False if it is not reachable. */
bool rdo_eth_rx_write(RdoCore *core, const RdoEthRxq *q,
                      const struct rdo_eth_rx_wqe *wqe, uint32_t off,
                      const void *data, uint32_t len);
/* A buffer completed with an error (counted, logged). */
RDO_COLD void rdo_eth_rx_error(RdoCore *core, uint32_t qn, RdoEthRxq *q,
                               const struct rdo_eth_rx_wqe *wqe, uint8_t status,
                               uint8_t vendor_err, const char *why);
/* True if LRO took the frame; otherwise any session of its flow is flushed. */
bool rdo_lro_receive(RdoCore *core, uint32_t qn, RdoEthRxq *q,
                     const uint8_t *frame, const RdoEthHdrs *h, bool csum_ok,
                     uint32_t rss_hash);
/* Sessions whose flush timer expired. */
void rdo_lro_run(RdoCore *core);
/* Any RXQ whose LRO sessions may be due? (rdo_lro_run's first test.) */
static inline bool rdo_lro_pending(const RdoCore *core)
{
    return core->st->eth->rxq_valid != 0;
}

/* The control QP's Ethernet commands and the queues' doorbells (queue.c). */
int rdo_cmd_eth(RdoCore *core, const struct rdo_cqp_cmd *cmd, uint32_t *result);

/* Flow steering (steer.c): the rule commands, the RXQs the rules send the
 * frame to (their count in qns, the deciding rule's first; 0: none
 * matches; rules naming skip_rxq left out) and the end of an RXQ's rules. */
int rdo_cmd_flow_rule(RdoCore *core, const struct rdo_cqp_cmd *cmd,
                      uint32_t *result);
unsigned rdo_eth_steer(RdoCore *core, unsigned port, uint32_t skip_rxq,
                       const uint8_t *frame, const RdoEthHdrs *h,
                       uint32_t qns[RDO_ETH_MAX_RXQ]);
void rdo_eth_rules_drop_rxq(RdoCore *core, uint32_t qn);
/* A rule's match is one the command would take (state load, steer.c). */
int rdo_flow_rule_check(const struct rdo_cmd_create_flow_rule *m);
void rdo_eth_txq_doorbell(RdoCore *core, uint16_t page, uint32_t qn, uint32_t pi);
void rdo_eth_rxq_doorbell(RdoCore *core, uint16_t page, uint32_t qn, uint32_t pi);

#endif /* RDO_ETH_INTERNAL_H */
