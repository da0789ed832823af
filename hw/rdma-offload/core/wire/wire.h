/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: RoCEv2 on the wire.
 *
 * Header layouts, the opcode table, a frame builder, a parser that checks
 * every field of a received frame before trusting it, the invariant CRC,
 * PSN arithmetic and the segmentation of a message into packets. Frames
 * are Ethernet frames without FCS, as the host hands them over:
 *
 *   Ethernet [802.1Q] | IPv4 or IPv6 | UDP (dport 4791) | BTH | extension
 *   headers | payload | pad to 4 bytes | ICRC
 *
 * The header layouts are structures of bytes only: no padding, alignment 1,
 * so they overlay a frame at any offset without undefined behaviour.
 * Multi-byte fields are big-endian (ICRC excepted) and go through the
 * rdo_get_be*()/rdo_put_be*() helpers.
 */
#ifndef RDO_WIRE_H
#define RDO_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../rdo-attrs.h"

/* Byte-order helpers for unaligned big-endian fields. */
static inline uint16_t rdo_get_be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t rdo_get_be24(const uint8_t *p)
{
    return ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
}

static inline uint32_t rdo_get_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | rdo_get_be24(p + 1);
}

static inline uint64_t rdo_get_be64(const uint8_t *p)
{
    return ((uint64_t)rdo_get_be32(p) << 32) | rdo_get_be32(p + 4);
}

static inline void rdo_put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void rdo_put_be24(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
}

static inline void rdo_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    rdo_put_be24(p + 1, v);
}

static inline void rdo_put_be64(uint8_t *p, uint64_t v)
{
    rdo_put_be32(p, (uint32_t)(v >> 32));
    rdo_put_be32(p + 4, (uint32_t)v);
}

/* Ethernet */
#define RDO_ETH_ALEN            6
#define RDO_ETHERTYPE_IPV4      0x0800
#define RDO_ETHERTYPE_IPV6      0x86DD
#define RDO_ETHERTYPE_VLAN      0x8100

typedef struct RdoEthHdr {
    uint8_t dst[RDO_ETH_ALEN];
    uint8_t src[RDO_ETH_ALEN];
    uint8_t ethertype[2];
} RdoEthHdr;

/* Follows an Ethernet header whose EtherType is 802.1Q (TPID 0x8100). */
typedef struct RdoVlanTag {
    uint8_t tci[2];
    uint8_t ethertype[2];
} RdoVlanTag;

/* IPv4, without options (RoCEv2 adapters send none and accept none) */
#define RDO_IPV4_VER_IHL        0x45
#define RDO_IPV4_DF             0x4000
#define RDO_IPV4_MF             0x2000
#define RDO_IPV4_FRAG_OFFSET    0x1FFF
#define RDO_IPPROTO_UDP         17

/*
 * ECN, the low two bits of the IPv4 TOS / IPv6 traffic class (RFC 3168):
 * Not-ECT, ECT(1), ECT(0), and CE, which a congested switch sets on an
 * ECN-capable packet instead of dropping it. The ICRC masks the whole
 * field, so marking a RoCE packet leaves its ICRC valid (the IPv4 header
 * checksum changes).
 */
#define RDO_ECN_MASK            0x03
#define RDO_ECN_NOT_ECT         0x00
#define RDO_ECN_ECT1            0x01
#define RDO_ECN_ECT0            0x02
#define RDO_ECN_CE              0x03

typedef struct RdoIpv4Hdr {
    uint8_t ver_ihl;
    uint8_t tos;
    uint8_t total_len[2];
    uint8_t id[2];
    uint8_t frag[2];            /* flags and fragment offset */
    uint8_t ttl;
    uint8_t protocol;
    uint8_t csum[2];
    uint8_t src[4];
    uint8_t dst[4];
} RdoIpv4Hdr;

/* IPv6, with UDP as the next header (extension headers are not RoCE) */
#define RDO_IPV6_FLOW_LABEL     0xFFFFF

typedef struct RdoIpv6Hdr {
    uint8_t ver_tc_flow[4];     /* version 4, traffic class 8, flow label 20 */
    uint8_t payload_len[2];
    uint8_t next_header;
    uint8_t hop_limit;
    uint8_t src[16];
    uint8_t dst[16];
} RdoIpv6Hdr;

/* UDP */
#define RDO_ROCE_UDP_PORT       4791

typedef struct RdoUdpHdr {
    uint8_t sport[2];
    uint8_t dport[2];
    uint8_t len[2];
    uint8_t csum[2];
} RdoUdpHdr;

/* Base Transport Header */
#define RDO_BTH_SE              0x80    /* flags: solicited event */
#define RDO_BTH_MIGREQ          0x40    /* flags: migration state */
#define RDO_BTH_PAD_SHIFT       4       /* flags: pad count, 0..3 */
#define RDO_BTH_PAD_MASK        0x30
#define RDO_BTH_TVER_MASK       0x0F    /* flags: transport version, 0 */
#define RDO_BTH_ACKREQ          0x80    /* ack_psn byte 0 */
#define RDO_BTH_FECN            0x80    /* resv8a: forward congestion */
#define RDO_BTH_BECN            0x40    /* resv8a: backward congestion (CNPs) */
#define RDO_PKEY_DEFAULT        0xFFFF
#define RDO_QPN_MASK            0xFFFFFF
#define RDO_PSN_MASK            0xFFFFFF

typedef struct RdoBthHdr {
    uint8_t opcode;
    uint8_t flags;
    uint8_t pkey[2];
    uint8_t resv8a;             /* FECN/BECN on InfiniBand; not in the ICRC */
    uint8_t dest_qp[3];
    uint8_t ack_psn[4];         /* AckReq bit, 7 reserved bits, 24-bit PSN */
} RdoBthHdr;

/* Extension headers, in the order they follow the BTH */
typedef struct RdoDethHdr {
    uint8_t qkey[4];
    uint8_t resv;
    uint8_t src_qp[3];
} RdoDethHdr;

typedef struct RdoRethHdr {
    uint8_t va[8];
    uint8_t rkey[4];
    uint8_t dma_len[4];
} RdoRethHdr;

typedef struct RdoAtomicEthHdr {
    uint8_t va[8];
    uint8_t rkey[4];
    uint8_t swap_add[8];
    uint8_t compare[8];
} RdoAtomicEthHdr;

typedef struct RdoAethHdr {
    uint8_t syndrome;
    uint8_t msn[3];
} RdoAethHdr;

typedef struct RdoAtomicAckEthHdr {
    uint8_t orig[8];
} RdoAtomicAckEthHdr;

typedef struct RdoImmDtHdr {
    uint8_t imm[4];
} RdoImmDtHdr;

typedef struct RdoIethHdr {
    uint8_t rkey[4];
} RdoIethHdr;

/* What follows the BTH of a CNP: 16 reserved bytes, sent as zero and
 * ignored on receive (RoCEv2 annex A17.9.3). */
typedef struct RdoCnpHdr {
    uint8_t reserved[16];
} RdoCnpHdr;

/* AETH syndrome: bits 6:5 say what it is, bits 4:0 carry the detail. */
#define RDO_AETH_TYPE_MASK      0x60
#define RDO_AETH_TYPE_ACK       0x00    /* detail: credit count, 0x1F none */
#define RDO_AETH_TYPE_RNR_NAK   0x20    /* detail: RNR timer */
#define RDO_AETH_TYPE_NAK       0x60    /* detail: one of the NAK codes */
#define RDO_AETH_ACK            0x1F
#define RDO_AETH_NAK_PSN_SEQ    0x60
#define RDO_AETH_NAK_INV_REQ    0x61
#define RDO_AETH_NAK_REM_ACCESS 0x62
#define RDO_AETH_NAK_REM_OP     0x63

#define RDO_ETH_HLEN            sizeof(RdoEthHdr)
#define RDO_VLAN_HLEN           sizeof(RdoVlanTag)
#define RDO_IPV4_HLEN           sizeof(RdoIpv4Hdr)
#define RDO_IPV6_HLEN           sizeof(RdoIpv6Hdr)
#define RDO_UDP_HLEN            sizeof(RdoUdpHdr)
#define RDO_BTH_LEN             sizeof(RdoBthHdr)
#define RDO_DETH_LEN            sizeof(RdoDethHdr)
#define RDO_RETH_LEN            sizeof(RdoRethHdr)
#define RDO_ATOMIC_ETH_LEN      sizeof(RdoAtomicEthHdr)
#define RDO_AETH_LEN            sizeof(RdoAethHdr)
#define RDO_ATOMIC_ACK_ETH_LEN  sizeof(RdoAtomicAckEthHdr)
#define RDO_IMMDT_LEN           sizeof(RdoImmDtHdr)
#define RDO_IETH_LEN            sizeof(RdoIethHdr)
#define RDO_CNP_RESV_LEN        sizeof(RdoCnpHdr)
#define RDO_ICRC_LEN            4

_Static_assert(sizeof(RdoEthHdr) == 14, "Ethernet header layout");
_Static_assert(sizeof(RdoVlanTag) == 4, "802.1Q tag layout");
_Static_assert(sizeof(RdoIpv4Hdr) == 20, "IPv4 header layout");
_Static_assert(sizeof(RdoIpv6Hdr) == 40, "IPv6 header layout");
_Static_assert(sizeof(RdoUdpHdr) == 8, "UDP header layout");
_Static_assert(sizeof(RdoBthHdr) == 12, "BTH layout");
_Static_assert(sizeof(RdoDethHdr) == 8, "DETH layout");
_Static_assert(sizeof(RdoRethHdr) == 16, "RETH layout");
_Static_assert(sizeof(RdoAtomicEthHdr) == 28, "AtomicETH layout");
_Static_assert(sizeof(RdoAethHdr) == 4, "AETH layout");
_Static_assert(sizeof(RdoAtomicAckEthHdr) == 8, "AtomicAckETH layout");
_Static_assert(sizeof(RdoImmDtHdr) == 4, "ImmDt layout");
_Static_assert(sizeof(RdoIethHdr) == 4, "IETH layout");
_Static_assert(sizeof(RdoCnpHdr) == 16, "CNP reserved bytes");

/*
 * Opcodes: bits 7:5 select the transport, bits 4:0 the operation. A full
 * opcode is transport | operation, e.g. RDO_TRANSPORT_UC | RDO_OP_SEND_ONLY.
 */
#define RDO_TRANSPORT_MASK      0xE0
#define RDO_TRANSPORT_RC        0x00
#define RDO_TRANSPORT_UC        0x20
#define RDO_TRANSPORT_UD        0x60
/*
 * The manufacturer-specific range (bits 7:5 = 110), for what IBTA has no
 * opcode for: SEND with invalidate and immediate (RC only). Its LAST and
 * ONLY packets are RDO_TRANSPORT_RC_VENDOR | RDO_OP_SEND_LAST_INV / _ONLY_INV
 * with ImmDt then IETH; the rest of the message is an ordinary RC SEND.
 * Only an rdma-offload peer understands them.
 */
#define RDO_TRANSPORT_RC_VENDOR 0xC0
/*
 * RoCEv2's Congestion Notification Packet (annex A17.9.3): BTH opcode
 * 0x81 with BECN set, P_Key, the destination QP (the QP whose packets were
 * marked, at the receiver of the CNP), PSN 0; then 16 reserved bytes and
 * the ICRC. It belongs to no transport: the QP's sending rate reacts to it.
 */
#define RDO_OPCODE_CNP          0x81

enum rdo_op {
    RDO_OP_SEND_FIRST                = 0x00,
    RDO_OP_SEND_MIDDLE               = 0x01,
    RDO_OP_SEND_LAST                 = 0x02,
    RDO_OP_SEND_LAST_IMM             = 0x03,
    RDO_OP_SEND_ONLY                 = 0x04,
    RDO_OP_SEND_ONLY_IMM             = 0x05,
    RDO_OP_WRITE_FIRST               = 0x06,
    RDO_OP_WRITE_MIDDLE              = 0x07,
    RDO_OP_WRITE_LAST                = 0x08,
    RDO_OP_WRITE_LAST_IMM            = 0x09,
    RDO_OP_WRITE_ONLY                = 0x0A,
    RDO_OP_WRITE_ONLY_IMM            = 0x0B,
    RDO_OP_READ_REQUEST              = 0x0C,
    RDO_OP_READ_RESPONSE_FIRST       = 0x0D,
    RDO_OP_READ_RESPONSE_MIDDLE      = 0x0E,
    RDO_OP_READ_RESPONSE_LAST        = 0x0F,
    RDO_OP_READ_RESPONSE_ONLY        = 0x10,
    RDO_OP_ACKNOWLEDGE               = 0x11,
    RDO_OP_ATOMIC_ACKNOWLEDGE        = 0x12,
    RDO_OP_COMPARE_SWAP              = 0x13,
    RDO_OP_FETCH_ADD                 = 0x14,
    RDO_OP_SEND_LAST_INV             = 0x16,
    RDO_OP_SEND_ONLY_INV             = 0x17,
};

/* Extension headers an opcode carries; bit order is wire order. */
enum rdo_ext {
    RDO_EXT_DETH       = 1 << 0,
    RDO_EXT_RETH       = 1 << 1,
    RDO_EXT_ATOMIC     = 1 << 2,
    RDO_EXT_AETH       = 1 << 3,
    RDO_EXT_ATOMIC_ACK = 1 << 4,
    RDO_EXT_IMM        = 1 << 5,
    RDO_EXT_IETH       = 1 << 6,
    RDO_EXT_CNP        = 1 << 7,    /* the CNP's 16 reserved bytes */
};

/* Where a packet sits in its message. */
typedef enum RdoWirePos {
    RDO_POS_FIRST,
    RDO_POS_MIDDLE,
    RDO_POS_LAST,
    RDO_POS_ONLY,       /* also single-packet operations (READ, ACK, ...) */
} RdoWirePos;

typedef struct RdoWireOpInfo {
    const char *name;   /* "RC_SEND_FIRST", for traces and the checker */
    uint8_t ext;        /* enum rdo_ext bits */
    uint8_t ext_len;    /* bytes of extension headers after the BTH */
    uint8_t pos;        /* RdoWirePos */
    bool payload;       /* may carry a payload; FIRST/MIDDLE/LAST must */
    bool response;      /* sent by the responder (ACKs, READ responses) */
} RdoWireOpInfo;

/* The table entry of an opcode, or NULL if it is not one we know. */
const RdoWireOpInfo *rdo_wire_op_info(uint8_t opcode);

/* Decoded extension headers. */
typedef struct RdoDeth {
    uint32_t qkey;
    uint32_t src_qp;
} RdoDeth;

typedef struct RdoReth {
    uint64_t va;
    uint32_t rkey;
    uint32_t dma_len;
} RdoReth;

typedef struct RdoAtomicEth {
    uint64_t va;
    uint32_t rkey;
    uint64_t swap_add;
    uint64_t compare;
} RdoAtomicEth;

typedef struct RdoAeth {
    uint8_t syndrome;
    uint32_t msn;
} RdoAeth;

/*
 * One packet, decoded: what the builder writes and the parser fills in.
 * Addresses are GIDs; an IPv4 address is the IPv4-mapped GID
 * ::ffff:a.b.c.d, and the packet goes over IPv4 when both GIDs are mapped.
 * Only the extension headers of the opcode are used (or filled in).
 */
typedef struct RdoWirePacket {
    uint8_t dst_mac[RDO_ETH_ALEN];
    uint8_t src_mac[RDO_ETH_ALEN];
    bool vlan;                  /* carries an 802.1Q tag */
    uint16_t vlan_tci;
    uint8_t src_gid[16];
    uint8_t dst_gid[16];
    uint8_t traffic_class;      /* IPv4 TOS or IPv6 traffic class (DSCP+ECN) */
    uint8_t hop_limit;          /* IPv4 TTL or IPv6 hop limit */
    uint32_t flow_label;        /* IPv6 only, 20 bits */
    uint16_t ip_id;             /* IPv4 only */
    uint16_t udp_sport;

    uint8_t opcode;
    bool se;
    bool mig_req;
    bool ack_req;
    bool becn;                  /* BTH BECN bit (CNPs set it) */
    uint16_t pkey;
    uint32_t dest_qp;           /* 24 bits */
    uint32_t psn;               /* 24 bits */

    RdoDeth deth;
    RdoReth reth;
    RdoAtomicEth atomic;
    RdoAeth aeth;
    uint64_t atomic_ack_orig;   /* AtomicAckETH: the original remote value */
    uint32_t imm;               /* ImmDt, as the 4 bytes read big-endian */
    uint32_t ieth_rkey;

    const uint8_t *payload;
    uint32_t payload_len;       /* the pad count follows from it */
} RdoWirePacket;

/* A received packet: the decoded fields and where each part of it lies. */
typedef struct RdoWireParsed {
    RdoWirePacket pkt;          /* pkt.payload points into the frame */
    const RdoWireOpInfo *op;
    bool ipv6;
    uint8_t pad_count;
    uint32_t icrc;
    size_t l3_off;              /* IP header */
    size_t l4_off;              /* UDP header */
    size_t bth_off;
    size_t payload_off;
    size_t icrc_off;
    size_t len;                 /* end of the packet; Ethernet pad follows */
} RdoWireParsed;

/* Results, returned negated by the functions below. */
typedef enum RdoWireErr {
    RDO_WIRE_OK = 0,
    RDO_WIRE_E_NOT_ROCE,        /* other Ethernet traffic */
    RDO_WIRE_E_TRUNCATED,       /* the frame ends before its headers say */
    RDO_WIRE_E_BAD_IP,          /* IP version, options or fragmentation */
    RDO_WIRE_E_BAD_IP_CSUM,     /* IPv4 header checksum */
    RDO_WIRE_E_BAD_LENGTH,      /* header lengths and pad count disagree */
    RDO_WIRE_E_BAD_TVER,        /* BTH transport version not 0 */
    RDO_WIRE_E_BAD_OPCODE,      /* opcode not in the table */
    RDO_WIRE_E_BAD_ICRC,
    RDO_WIRE_E_NO_SPACE,        /* builder: the buffer is too small */
    RDO_WIRE_E_INVALID,         /* builder, segmentation: bad argument */
    RDO_WIRE_E__COUNT
} RdoWireErr;

/* Name of a result, given as returned (negative) or as the enum value. */
const char *rdo_wire_err_name(int err);

/* True if a GID is IPv4-mapped (::ffff:a.b.c.d). */
bool rdo_wire_gid_is_ipv4(const uint8_t gid[16]);

/*
 * Length of the frame rdo_wire_build() writes for a packet description, or
 * a negative RdoWireErr if the description is not a valid packet.
 */
int rdo_wire_frame_len(const RdoWirePacket *pkt);

/*
 * Offset of the payload in the frame of a packet description (payload_len
 * set, payload not NULL), or a negative RdoWireErr, RDO_WIRE_E_NO_SPACE if
 * the frame is longer than `size`. A payload gathered there beforehand is
 * left in place by rdo_wire_build: the frame is written once.
 */
int rdo_wire_payload_off(const RdoWirePacket *pkt, size_t size);

/*
 * Writes the frame of a packet description into buf: IPv4 header checksum,
 * UDP checksum 0, DF set, pad count and pad bytes, ICRC. No Ethernet
 * padding to 60 bytes (that is the MAC's business). Returns the frame
 * length, or a negative RdoWireErr (RDO_WIRE_E_NO_SPACE if size is short).
 */
int rdo_wire_build(const RdoWirePacket *pkt, void *buf, size_t size);

/*
 * Checks a received frame and decodes it. Every field is checked before
 * it is used, and nothing outside frame[0..len) is read. Bytes after the
 * end given by the IP length are Ethernet padding and are ignored. Returns
 * 0, or a negative RdoWireErr; on failure *out holds nothing useful.
 */
int rdo_wire_parse(const void *frame, size_t len, RdoWireParsed *out);

/*
 * The ECN codepoint (RDO_ECN_*) of an Ethernet frame carrying IPv4 or IPv6
 * (802.1Q tag allowed), or -1 if it carries neither or is too short to
 * tell. Nothing beyond the IP header's first bytes is read.
 */
int rdo_wire_ecn(const void *frame, size_t len);
/* The BTH's destination QP of a RoCEv2 frame, without checking the rest
 * (the receiver parses it in full): false if it is no RoCEv2 frame. */
bool rdo_wire_peek_qpn(const void *frame, size_t len, uint32_t *qpn);
/*
 * Marks an ECN-capable frame Congestion Experienced, as a switch does:
 * ECN set to CE, the IPv4 header checksum updated. Returns false and
 * changes nothing if the frame is not IP or not ECN-capable (Not-ECT) or
 * already CE.
 */
bool rdo_wire_set_ce(void *frame, size_t len);

/*
 * The Internet checksum (RFC 1071, wire/csum.c): sums of big-endian 16-bit
 * words, and the complement of the folded sum, the value a checksum field
 * holds (0 over a header whose checksum is right).
 */
uint64_t rdo_csum_add(uint64_t sum, const uint8_t *buf, size_t len);
uint16_t rdo_csum_fold(uint64_t sum);
/* Bytes summed as if one position later: their 16-bit sum swaps bytes. */
uint64_t rdo_csum_swap(uint64_t sum);

/*
 * The invariant CRC of a packet from its IP header (ip, version 4 without
 * options or version 6) up to the end of its pad, len bytes, ICRC excluded.
 * Returns false if len cannot hold the IP, UDP and BTH headers or the IP
 * version is neither.
 */
bool rdo_wire_icrc(const uint8_t *ip, size_t len, uint32_t *icrc);
/*
 * The CRC-32 under the ICRC, zlib's crc32() value (reflected 0xEDB88320,
 * ones in and out): rdo_wire_crc32(0, buf, len) is the CRC of buf, and a
 * CRC continues over the next bytes by passing it back in. ISA-L's
 * crc32_gzip_refl() (carry-less multiply) when the build found libisal,
 * zlib's crc32_z() otherwise; rdo_wire_crc32_impl() says which ("isa-l" or
 * "zlib").
 */
uint32_t rdo_wire_crc32(uint32_t crc, const uint8_t *buf, size_t len);
const char *rdo_wire_crc32_impl(void);

/*
 * PSNs are 24-bit and compare within a window of +-2^23: rdo_psn_diff(a, b)
 * is the distance from b forward to a, in [-2^23, 2^23).
 */
static inline uint32_t rdo_psn_add(uint32_t psn, uint32_t n)
{
    return (psn + n) & RDO_PSN_MASK;
}

static inline int32_t rdo_psn_diff(uint32_t a, uint32_t b)
{
    uint32_t d = (a - b) & RDO_PSN_MASK;

    return d & 0x800000 ? (int32_t)d - 0x1000000 : (int32_t)d;
}

/* Negative, zero or positive as a is before, at or after b. */
static inline int rdo_psn_cmp(uint32_t a, uint32_t b)
{
    int32_t d = rdo_psn_diff(a, b);

    return (d > 0) - (d < 0);
}

/* Segmentation of a message into packets of at most one path MTU. */
#define RDO_WIRE_MSG_MAX        (1u << 31)

typedef enum RdoWireMsg {
    RDO_MSG_SEND,
    RDO_MSG_SEND_IMM,
    RDO_MSG_SEND_INV,
    RDO_MSG_SEND_INV_IMM,       /* RC only, vendor opcodes */
    RDO_MSG_WRITE,
    RDO_MSG_WRITE_IMM,
    RDO_MSG_READ_RESPONSE,
    RDO_MSG__COUNT
} RdoWireMsg;

typedef struct RdoWireSeg {
    uint32_t offset;            /* of the payload within the message */
    uint32_t len;
    uint8_t opcode;
} RdoWireSeg;

/* 256, 512, 1024, 2048 or 4096. */
bool rdo_wire_mtu_valid(uint32_t mtu);

/* Packets a message takes (an empty one takes one), 0 if an argument is bad. */
uint32_t rdo_wire_seg_count(uint32_t msg_len, uint32_t mtu);

/*
 * Packet index of a message of kind msg over transport (RDO_TRANSPORT_*):
 * its payload range and FIRST/MIDDLE/LAST/ONLY opcode. Returns 0, or
 * -RDO_WIRE_E_INVALID for a bad argument or a message the transport cannot
 * carry (UD beyond one MTU, UC READ responses or SEND with invalidate).
 */
int rdo_wire_seg(uint8_t transport, RdoWireMsg msg, uint32_t msg_len,
                 uint32_t mtu, uint32_t index, RdoWireSeg *seg);

#endif /* RDO_WIRE_H */
