/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * rdma-offload hardware interface: the Ethernet function. Non-RoCE traffic
 * of the port goes through Ethernet transmit queues (TXQ) and receive
 * queues (RXQ), created by CQP command (RDO_CMD_CREATE_ETH_*), each bound
 * to a CQ that takes its completions (struct rdo_eth_cqe, the size and
 * owner-bit position of struct rdo_cqe). The device segments TCP sends
 * (TSO), inserts checksums, verifies received checksums and coalesces
 * in-order TCP segments of a flow into one buffer (LRO).
 * docs/programming-model.md, "Ethernet function", is the prose form.
 */
#ifndef RDO_ETH_H
#define RDO_ETH_H

#include "rdo-types.h"
#include "rdo-queues.h"

#define RDO_ETH_MAX_TXQ             16
#define RDO_ETH_MAX_RXQ             16
#define RDO_ETH_TX_WQE_SHIFT_MIN    6       /* 64-byte stride: 2 SGEs */
#define RDO_ETH_RX_WQE_SHIFT        5       /* 32-byte receive descriptors */
#define RDO_ETH_MAX_SEND            (256u * 1024)   /* bytes of one TX WQE */
#define RDO_ETH_LRO_MAX_SEGS        64      /* segments in one LRO buffer */

/*
 * Transmit WQE: a 32-byte header, then num_sge gather elements (struct
 * rdo_sge with lkey 0: addr is a bus address, not an MR address; on a
 * keyed TXQ, RDO_ETH_TXQ_F_KEYED, lkey names an MR of the queue's PD and
 * addr is an address in it) within the TXQ's stride. The gathered bytes are one Ethernet frame (no FCS),
 * or with RDO_ETH_TX_F_TSO one TCP send the device cuts into frames.
 */
struct rdo_eth_tx_wqe {
    uint64_t wr_id;             /* returned in the completion */
    uint8_t  flags;             /* RDO_ETH_TX_F_* */
    uint8_t  num_sge;           /* 1..(stride - 32) / 16 */
    uint16_t mss;               /* TSO: TCP payload bytes per frame */
    uint16_t hdr_len;           /* TSO: bytes of Ethernet, IP and TCP headers */
    uint16_t reserved0;
    uint32_t reserved1[4];
};
RDO_STATIC_ASSERT(sizeof(struct rdo_eth_tx_wqe) == 32, "eth tx wqe size");

#define RDO_ETH_TX_F_L4_CSUM        RDO_BIT(0)  /* insert the TCP/UDP checksum */
#define RDO_ETH_TX_F_IP_CSUM        RDO_BIT(1)  /* insert the IPv4 header checksum */
#define RDO_ETH_TX_F_TSO            RDO_BIT(2)  /* segment a TCP send (implies both) */
#define RDO_ETH_TX_F__ALL           (RDO_BIT(3) - 1)

/*
 * Receive WQE: one buffer, filled with one frame or one LRO aggregate. On
 * a keyed RXQ (RDO_ETH_RXQ_F_KEYED) addr is a virtual address in the MR
 * lkey names (of the queue's PD, with local write); otherwise a bus
 * address, and lkey must be 0.
 */
struct rdo_eth_rx_wqe {
    uint64_t wr_id;             /* returned in the completion */
    uint64_t addr;              /* bus address, or MR address if keyed */
    uint32_t length;            /* bytes, 64..RDO_ETH_RX_BUF_MAX */
    uint32_t lkey;              /* keyed RXQ: the buffer's MR; else 0 */
    uint32_t reserved[2];
};
RDO_STATIC_ASSERT(sizeof(struct rdo_eth_rx_wqe) == 1u << RDO_ETH_RX_WQE_SHIFT,
                  "eth rx wqe size");
#define RDO_ETH_RX_BUF_MIN          64
#define RDO_ETH_RX_BUF_MAX          (64u * 1024)

/*
 * Scatter receive WQE, on an RXQ created with wqe_shift 6..RDO_WQE_SHIFT_MAX:
 * this 16-byte header, then num_sge (1..(2^wqe_shift - 16) / 16) struct
 * rdo_sge within the stride. One frame fills the SGEs in order (SGEs of
 * length 0 are skipped), as one buffer of their summed length
 * (RDO_ETH_RX_BUF_MIN..RDO_ETH_RX_BUF_MAX); every SGE length at most
 * RDO_ETH_RX_BUF_MAX. On a keyed RXQ each SGE is lkey + MR address, checked
 * as a receive SGE before any byte is written; otherwise a bus address and
 * lkey 0. One completion per WQE, byte_len the frame's length.
 */
struct rdo_eth_rx_sg_wqe {
    uint64_t wr_id;             /* returned in the completion */
    uint16_t num_sge;
    uint16_t reserved0;
    uint32_t reserved1;
};
RDO_STATIC_ASSERT(sizeof(struct rdo_eth_rx_sg_wqe) == 16, "eth rx sg wqe size");
#define RDO_ETH_RX_SG_SHIFT_MIN     6       /* 64 bytes: 3 SGEs */

/* Completion opcodes of the Ethernet queues (rdo_eth_cqe.opcode). */
#define RDO_CQE_ETH_TX              0x90
#define RDO_CQE_ETH_RX              0x91

/* rdo_eth_cqe.flags (receive) */
#define RDO_ETH_CQE_F_L3_CSUM_OK    RDO_BIT(0)  /* IPv4 header checksum good */
#define RDO_ETH_CQE_F_L4_CSUM_OK    RDO_BIT(1)  /* TCP/UDP checksum verified good */
#define RDO_ETH_CQE_F_LRO           RDO_BIT(2)  /* an aggregate of lro_segs segments */
#define RDO_ETH_CQE_F_RSS_HASH      RDO_BIT(3)  /* rss_hash holds the flow hash */
#define RDO_ETH_CQE_F_TCP           RDO_BIT(4)  /* IPv4/IPv6 TCP frame */
#define RDO_ETH_CQE_F_IPV6          RDO_BIT(5)

/*
 * Ethernet completion, written to the queue's CQ. Same size and owner-bit
 * place as struct rdo_cqe, so one CQ ring format serves both; the opcode
 * tells them apart. Errors use the rdo_cqe status and vendor_err codes.
 */
struct rdo_eth_cqe {
    uint64_t wr_id;
    uint32_t byte_len;          /* receive: bytes written to the buffer */
    uint32_t rss_hash;          /* receive: Toeplitz hash, with F_RSS_HASH */
    uint32_t queue;             /* TXQ or RXQ number */
    uint16_t lro_segs;          /* receive: segments in the buffer (1 if not LRO) */
    uint16_t lro_mss;           /* receive, F_LRO: largest segment payload */
    uint8_t  opcode;            /* RDO_CQE_ETH_TX / RDO_CQE_ETH_RX */
    uint8_t  status;            /* enum rdo_wc_status */
    uint8_t  flags;             /* RDO_ETH_CQE_F_* */
    uint8_t  owner;             /* RDO_OWNER_PHASE */
    uint32_t vendor_err;        /* enum rdo_vendor_err */
};
RDO_STATIC_ASSERT(sizeof(struct rdo_eth_cqe) == sizeof(struct rdo_cqe),
                  "eth cqe size");

/*
 * Flow steering (RDO_CMD_CREATE_FLOW_RULE / DESTROY_FLOW_RULE, rdo-cmd.h):
 * a function's table of rules, each sending the non-RoCE frames that
 * match it to one RXQ instead of the one RSS picks. RoCEv2 frames (UDP
 * destination port 4791) never reach the rules.
 */
#define RDO_ETH_FLOW_RULES          64      /* rules per function */
#define RDO_ETH_FLOW_PRIO_MAX       7       /* 0 is the highest */
#define RDO_ROCE_UDP_PORT           4791

/* rdo_cmd_create_flow_rule.match: the fields that count. */
#define RDO_FLOW_M_DMAC             RDO_BIT(0)
#define RDO_FLOW_M_ETHERTYPE        RDO_BIT(1)
#define RDO_FLOW_M_SRC_IP           RDO_BIT(2)
#define RDO_FLOW_M_DST_IP           RDO_BIT(3)
#define RDO_FLOW_M_IP_PROTO         RDO_BIT(4)
#define RDO_FLOW_M_SRC_PORT         RDO_BIT(5)  /* needs IP_PROTO TCP or UDP */
#define RDO_FLOW_M_DST_PORT         RDO_BIT(6)  /* likewise */
#define RDO_FLOW_M_IPV6             RDO_BIT(7)  /* addresses are IPv6 (else IPv4) */
#define RDO_FLOW_M__ALL             (RDO_BIT(8) - 1)

/* Doorbells (BAR 2): queue number in bits 23:0, new producer index in 63:32. */
#define RDO_DB_ETH_TXQ              0x028
#define RDO_DB_ETH_RXQ              0x030

#endif /* RDO_ETH_H */
