/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: RoCEv2 frames, built and parsed.
 *
 * The parser is the adapter's first contact with the wire, so it trusts
 * nothing: each length field is checked against the bytes actually present
 * and against the other length fields before anything behind it is read,
 * and the ICRC is verified before a single decoded field is handed on.
 * The builder applies the same rules to a packet description, so whatever
 * it writes the parser accepts.
 */
#include <string.h>

#include "wire.h"

static const char *const wire_err_names[RDO_WIRE_E__COUNT] = {
    [RDO_WIRE_OK] = "ok",
    [RDO_WIRE_E_NOT_ROCE] = "not RoCEv2",
    [RDO_WIRE_E_TRUNCATED] = "truncated",
    [RDO_WIRE_E_BAD_IP] = "bad IP header",
    [RDO_WIRE_E_BAD_IP_CSUM] = "bad IPv4 header checksum",
    [RDO_WIRE_E_BAD_LENGTH] = "inconsistent lengths",
    [RDO_WIRE_E_BAD_TVER] = "bad BTH transport version",
    [RDO_WIRE_E_BAD_OPCODE] = "unknown opcode",
    [RDO_WIRE_E_BAD_ICRC] = "bad ICRC",
    [RDO_WIRE_E_NO_SPACE] = "buffer too small",
    [RDO_WIRE_E_INVALID] = "invalid argument",
};

const char *rdo_wire_err_name(int err)
{
    unsigned e = err < 0 ? -(unsigned)err : (unsigned)err;

    return e < RDO_WIRE_E__COUNT ? wire_err_names[e] : "unknown error";
}

static const uint8_t ipv4_mapped_prefix[12] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
};

RDO_HOT
bool rdo_wire_gid_is_ipv4(const uint8_t gid[16])
{
    return !memcmp(gid, ipv4_mapped_prefix, sizeof(ipv4_mapped_prefix));
}

/* Checksum over an IPv4 header; 0 for a header that checks. */
static uint16_t ipv4_csum(const uint8_t *hdr)
{
    return rdo_csum_fold(rdo_csum_add(0, hdr, RDO_IPV4_HLEN));
}

/* Opcodes without payload carry none; FIRST, MIDDLE and LAST carry some. */
static bool payload_len_ok(const RdoWireOpInfo *op, size_t len)
{
    if (!op->payload) {
        return len == 0;
    }
    return len > 0 || op->pos == RDO_POS_ONLY;
}

/* Where the parts of a frame go, for the builder. */
typedef struct FrameLayout {
    const RdoWireOpInfo *op;
    bool ipv6;
    uint8_t pad;
    size_t l3_off;
    size_t l4_off;
    size_t bth_off;
    size_t payload_off;
    size_t icrc_off;
    size_t len;
} FrameLayout;

static int plan_frame(const RdoWirePacket *pkt, FrameLayout *fl)
{
    const RdoWireOpInfo *op = rdo_wire_op_info(pkt->opcode);
    bool ipv4 = rdo_wire_gid_is_ipv4(pkt->src_gid);

    if (!op) {
        return -RDO_WIRE_E_BAD_OPCODE;
    }
    if (ipv4 != rdo_wire_gid_is_ipv4(pkt->dst_gid) ||
        pkt->dest_qp > RDO_QPN_MASK || pkt->psn > RDO_PSN_MASK ||
        pkt->flow_label > RDO_IPV6_FLOW_LABEL ||
        pkt->deth.src_qp > RDO_QPN_MASK || pkt->aeth.msn > 0xffffff ||
        (pkt->payload_len && !pkt->payload)) {
        return -RDO_WIRE_E_INVALID;
    }
    /* Checked before any sum so that nothing below can overflow. */
    if (pkt->payload_len > 0xffff || !payload_len_ok(op, pkt->payload_len)) {
        return -RDO_WIRE_E_BAD_LENGTH;
    }

    fl->op = op;
    fl->ipv6 = !ipv4;
    fl->pad = (uint8_t)(-pkt->payload_len & 3);
    fl->l3_off = RDO_ETH_HLEN + (pkt->vlan ? RDO_VLAN_HLEN : 0);
    fl->l4_off = fl->l3_off + (ipv4 ? RDO_IPV4_HLEN : RDO_IPV6_HLEN);
    fl->bth_off = fl->l4_off + RDO_UDP_HLEN;
    fl->payload_off = fl->bth_off + RDO_BTH_LEN + op->ext_len;
    fl->icrc_off = fl->payload_off + pkt->payload_len + fl->pad;
    fl->len = fl->icrc_off + RDO_ICRC_LEN;
    /* IPv4 total length, IPv6 payload length and UDP length are 16-bit. */
    if (fl->len - (ipv4 ? fl->l3_off : fl->l4_off) > 0xffff) {
        return -RDO_WIRE_E_BAD_LENGTH;
    }
    return 0;
}

int rdo_wire_frame_len(const RdoWirePacket *pkt)
{
    FrameLayout fl;
    int err = plan_frame(pkt, &fl);

    return err ? err : (int)fl.len;
}

RDO_HOT
int rdo_wire_payload_off(const RdoWirePacket *pkt, size_t size)
{
    FrameLayout fl;
    int err = plan_frame(pkt, &fl);

    if (err) {
        return err;
    }
    return fl.len > size ? -RDO_WIRE_E_NO_SPACE : (int)fl.payload_off;
}

static void write_ipv4(const RdoWirePacket *pkt, uint8_t *p, size_t total)
{
    RdoIpv4Hdr *ip = (RdoIpv4Hdr *)p;

    ip->ver_ihl = RDO_IPV4_VER_IHL;
    ip->tos = pkt->traffic_class;
    rdo_put_be16(ip->total_len, (uint16_t)total);
    rdo_put_be16(ip->id, pkt->ip_id);
    /* RoCE never fragments; the path MTU keeps packets small enough. */
    rdo_put_be16(ip->frag, RDO_IPV4_DF);
    ip->ttl = pkt->hop_limit;
    ip->protocol = RDO_IPPROTO_UDP;
    memset(ip->csum, 0, sizeof(ip->csum));
    memcpy(ip->src, pkt->src_gid + 12, sizeof(ip->src));
    memcpy(ip->dst, pkt->dst_gid + 12, sizeof(ip->dst));
    rdo_put_be16(ip->csum, ipv4_csum(p));
}

static void write_ipv6(const RdoWirePacket *pkt, uint8_t *p, size_t payload)
{
    RdoIpv6Hdr *ip = (RdoIpv6Hdr *)p;

    rdo_put_be32(ip->ver_tc_flow, (6u << 28) |
                 ((uint32_t)pkt->traffic_class << 20) | pkt->flow_label);
    rdo_put_be16(ip->payload_len, (uint16_t)payload);
    ip->next_header = RDO_IPPROTO_UDP;
    ip->hop_limit = pkt->hop_limit;
    memcpy(ip->src, pkt->src_gid, sizeof(ip->src));
    memcpy(ip->dst, pkt->dst_gid, sizeof(ip->dst));
}

static void write_bth(const RdoWirePacket *pkt, uint8_t pad, uint8_t *p)
{
    RdoBthHdr *bth = (RdoBthHdr *)p;

    bth->opcode = pkt->opcode;
    bth->flags = (pkt->se ? RDO_BTH_SE : 0) |
                 (pkt->mig_req ? RDO_BTH_MIGREQ : 0) |
                 (uint8_t)(pad << RDO_BTH_PAD_SHIFT);
    rdo_put_be16(bth->pkey, pkt->pkey);
    bth->resv8a = pkt->becn ? RDO_BTH_BECN : 0;
    rdo_put_be24(bth->dest_qp, pkt->dest_qp);
    rdo_put_be32(bth->ack_psn, pkt->psn);
    bth->ack_psn[0] = pkt->ack_req ? RDO_BTH_ACKREQ : 0;
}

/* Writes the extension headers of ext in wire order; returns their end. */
static uint8_t *write_ext(const RdoWirePacket *pkt, unsigned ext, uint8_t *p)
{
    if (ext & RDO_EXT_DETH) {
        RdoDethHdr *h = (RdoDethHdr *)p;

        rdo_put_be32(h->qkey, pkt->deth.qkey);
        h->resv = 0;
        rdo_put_be24(h->src_qp, pkt->deth.src_qp);
        p += sizeof(*h);
    }
    if (ext & RDO_EXT_RETH) {
        RdoRethHdr *h = (RdoRethHdr *)p;

        rdo_put_be64(h->va, pkt->reth.va);
        rdo_put_be32(h->rkey, pkt->reth.rkey);
        rdo_put_be32(h->dma_len, pkt->reth.dma_len);
        p += sizeof(*h);
    }
    if (ext & RDO_EXT_ATOMIC) {
        RdoAtomicEthHdr *h = (RdoAtomicEthHdr *)p;

        rdo_put_be64(h->va, pkt->atomic.va);
        rdo_put_be32(h->rkey, pkt->atomic.rkey);
        rdo_put_be64(h->swap_add, pkt->atomic.swap_add);
        rdo_put_be64(h->compare, pkt->atomic.compare);
        p += sizeof(*h);
    }
    if (ext & RDO_EXT_AETH) {
        RdoAethHdr *h = (RdoAethHdr *)p;

        h->syndrome = pkt->aeth.syndrome;
        rdo_put_be24(h->msn, pkt->aeth.msn);
        p += sizeof(*h);
    }
    if (ext & RDO_EXT_ATOMIC_ACK) {
        rdo_put_be64(((RdoAtomicAckEthHdr *)p)->orig, pkt->atomic_ack_orig);
        p += RDO_ATOMIC_ACK_ETH_LEN;
    }
    if (ext & RDO_EXT_IMM) {
        rdo_put_be32(((RdoImmDtHdr *)p)->imm, pkt->imm);
        p += RDO_IMMDT_LEN;
    }
    if (ext & RDO_EXT_IETH) {
        rdo_put_be32(((RdoIethHdr *)p)->rkey, pkt->ieth_rkey);
        p += RDO_IETH_LEN;
    }
    if (ext & RDO_EXT_CNP) {
        memset(p, 0, RDO_CNP_RESV_LEN);
        p += RDO_CNP_RESV_LEN;
    }
    return p;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

RDO_HOT
int rdo_wire_build(const RdoWirePacket *pkt, void *buf, size_t size)
{
    uint8_t *f = buf;
    RdoEthHdr *eth = buf;
    RdoUdpHdr *udp;
    FrameLayout fl;
    uint8_t *p;
    uint32_t icrc;
    int err = plan_frame(pkt, &fl);

    if (err) {
        return err;
    }
    if (size < fl.len) {
        return -RDO_WIRE_E_NO_SPACE;
    }

    memcpy(eth->dst, pkt->dst_mac, RDO_ETH_ALEN);
    memcpy(eth->src, pkt->src_mac, RDO_ETH_ALEN);
    p = eth->ethertype;
    if (pkt->vlan) {
        rdo_put_be16(p, RDO_ETHERTYPE_VLAN);
        rdo_put_be16(p + 2, pkt->vlan_tci);
        p += RDO_VLAN_HLEN;
    }
    if (fl.ipv6) {
        rdo_put_be16(p, RDO_ETHERTYPE_IPV6);
        write_ipv6(pkt, f + fl.l3_off, fl.len - fl.l4_off);
    } else {
        rdo_put_be16(p, RDO_ETHERTYPE_IPV4);
        write_ipv4(pkt, f + fl.l3_off, fl.len - fl.l3_off);
    }

    udp = (RdoUdpHdr *)(f + fl.l4_off);
    rdo_put_be16(udp->sport, pkt->udp_sport);
    rdo_put_be16(udp->dport, RDO_ROCE_UDP_PORT);
    rdo_put_be16(udp->len, (uint16_t)(fl.len - fl.l4_off));
    /* Zero: the ICRC protects the packet, as on every RoCEv2 adapter. */
    rdo_put_be16(udp->csum, 0);

    write_bth(pkt, fl.pad, f + fl.bth_off);
    write_ext(pkt, fl.op->ext, f + fl.bth_off + RDO_BTH_LEN);
    if (pkt->payload_len && pkt->payload != f + fl.payload_off) {
        memcpy(f + fl.payload_off, pkt->payload, pkt->payload_len);
    }
    memset(f + fl.payload_off + pkt->payload_len, 0, fl.pad);

    /* Cannot fail: the IP, UDP and BTH headers were just written. */
    rdo_wire_icrc(f + fl.l3_off, fl.icrc_off - fl.l3_off, &icrc);
    put_le32(f + fl.icrc_off, icrc);
    return (int)fl.len;
}

/*
 * Is there a RoCEv2 UDP header at l4? A frame too short to tell is
 * truncated; one for another port is someone else's.
 */
static int check_roce_udp(const uint8_t *f, size_t len, size_t l4)
{
    if (len < l4 + RDO_UDP_HLEN) {
        return -RDO_WIRE_E_TRUNCATED;
    }
    if (rdo_get_be16(((const RdoUdpHdr *)(f + l4))->dport) !=
        RDO_ROCE_UDP_PORT) {
        return -RDO_WIRE_E_NOT_ROCE;
    }
    return 0;
}

static void gid_from_ipv4(uint8_t gid[16], const uint8_t addr[4])
{
    memcpy(gid, ipv4_mapped_prefix, sizeof(ipv4_mapped_prefix));
    memcpy(gid + 12, addr, 4);
}

/* Checks the IPv4 header at out->l3_off; sets the UDP offset and the end. */
static int parse_ipv4(const uint8_t *f, size_t len, RdoWireParsed *out)
{
    const RdoIpv4Hdr *ip = (const RdoIpv4Hdr *)(f + out->l3_off);
    size_t ihl_len, total;
    uint16_t frag;
    int err;

    if (len - out->l3_off < RDO_IPV4_HLEN) {
        return -RDO_WIRE_E_TRUNCATED;
    }
    if ((ip->ver_ihl >> 4) != 4) {
        return -RDO_WIRE_E_BAD_IP;
    }
    frag = rdo_get_be16(ip->frag);
    /* A later fragment has no UDP header to tell what it is. */
    if (ip->protocol != RDO_IPPROTO_UDP || (frag & RDO_IPV4_FRAG_OFFSET)) {
        return -RDO_WIRE_E_NOT_ROCE;
    }
    ihl_len = (size_t)(ip->ver_ihl & 0xf) * 4;
    if (ihl_len < RDO_IPV4_HLEN) {
        return -RDO_WIRE_E_BAD_IP;
    }
    err = check_roce_udp(f, len, out->l3_off + ihl_len);
    if (err) {
        return err;
    }
    /* RoCEv2 packets carry no IP options and are never fragmented. */
    if (ihl_len != RDO_IPV4_HLEN || (frag & RDO_IPV4_MF)) {
        return -RDO_WIRE_E_BAD_IP;
    }
    if (ipv4_csum((const uint8_t *)ip)) {
        return -RDO_WIRE_E_BAD_IP_CSUM;
    }
    total = rdo_get_be16(ip->total_len);
    if (total < RDO_IPV4_HLEN + RDO_UDP_HLEN) {
        return -RDO_WIRE_E_BAD_LENGTH;
    }
    if (total > len - out->l3_off) {
        return -RDO_WIRE_E_TRUNCATED;
    }

    out->pkt.traffic_class = ip->tos;
    out->pkt.hop_limit = ip->ttl;
    out->pkt.ip_id = rdo_get_be16(ip->id);
    gid_from_ipv4(out->pkt.src_gid, ip->src);
    gid_from_ipv4(out->pkt.dst_gid, ip->dst);
    out->l4_off = out->l3_off + RDO_IPV4_HLEN;
    out->len = out->l3_off + total;
    return 0;
}

/* Checks the IPv6 header at out->l3_off; sets the UDP offset and the end. */
static int parse_ipv6(const uint8_t *f, size_t len, RdoWireParsed *out)
{
    const RdoIpv6Hdr *ip = (const RdoIpv6Hdr *)(f + out->l3_off);
    uint32_t ver_tc_flow;
    size_t payload;
    int err;

    if (len - out->l3_off < RDO_IPV6_HLEN) {
        return -RDO_WIRE_E_TRUNCATED;
    }
    ver_tc_flow = rdo_get_be32(ip->ver_tc_flow);
    if ((ver_tc_flow >> 28) != 6) {
        return -RDO_WIRE_E_BAD_IP;
    }
    /*
     * RoCEv2 puts UDP right after the IPv6 header; a packet with extension
     * headers is left to the host stack.
     */
    if (ip->next_header != RDO_IPPROTO_UDP) {
        return -RDO_WIRE_E_NOT_ROCE;
    }
    err = check_roce_udp(f, len, out->l3_off + RDO_IPV6_HLEN);
    if (err) {
        return err;
    }
    payload = rdo_get_be16(ip->payload_len);
    if (payload < RDO_UDP_HLEN) {
        return -RDO_WIRE_E_BAD_LENGTH;
    }
    if (payload > len - out->l3_off - RDO_IPV6_HLEN) {
        return -RDO_WIRE_E_TRUNCATED;
    }

    out->ipv6 = true;
    out->pkt.traffic_class = (uint8_t)(ver_tc_flow >> 20);
    out->pkt.flow_label = ver_tc_flow & RDO_IPV6_FLOW_LABEL;
    out->pkt.hop_limit = ip->hop_limit;
    memcpy(out->pkt.src_gid, ip->src, sizeof(ip->src));
    memcpy(out->pkt.dst_gid, ip->dst, sizeof(ip->dst));
    out->l4_off = out->l3_off + RDO_IPV6_HLEN;
    out->len = out->l4_off + payload;
    return 0;
}

static void read_ext(const uint8_t *p, unsigned ext, RdoWirePacket *pkt)
{
    if (ext & RDO_EXT_DETH) {
        const RdoDethHdr *h = (const RdoDethHdr *)p;

        pkt->deth.qkey = rdo_get_be32(h->qkey);
        pkt->deth.src_qp = rdo_get_be24(h->src_qp);
        p += sizeof(*h);
    }
    if (ext & RDO_EXT_RETH) {
        const RdoRethHdr *h = (const RdoRethHdr *)p;

        pkt->reth.va = rdo_get_be64(h->va);
        pkt->reth.rkey = rdo_get_be32(h->rkey);
        pkt->reth.dma_len = rdo_get_be32(h->dma_len);
        p += sizeof(*h);
    }
    if (ext & RDO_EXT_ATOMIC) {
        const RdoAtomicEthHdr *h = (const RdoAtomicEthHdr *)p;

        pkt->atomic.va = rdo_get_be64(h->va);
        pkt->atomic.rkey = rdo_get_be32(h->rkey);
        pkt->atomic.swap_add = rdo_get_be64(h->swap_add);
        pkt->atomic.compare = rdo_get_be64(h->compare);
        p += sizeof(*h);
    }
    if (ext & RDO_EXT_AETH) {
        const RdoAethHdr *h = (const RdoAethHdr *)p;

        pkt->aeth.syndrome = h->syndrome;
        pkt->aeth.msn = rdo_get_be24(h->msn);
        p += sizeof(*h);
    }
    if (ext & RDO_EXT_ATOMIC_ACK) {
        pkt->atomic_ack_orig =
            rdo_get_be64(((const RdoAtomicAckEthHdr *)p)->orig);
        p += RDO_ATOMIC_ACK_ETH_LEN;
    }
    if (ext & RDO_EXT_IMM) {
        pkt->imm = rdo_get_be32(((const RdoImmDtHdr *)p)->imm);
        p += RDO_IMMDT_LEN;
    }
    if (ext & RDO_EXT_IETH) {
        pkt->ieth_rkey = rdo_get_be32(((const RdoIethHdr *)p)->rkey);
    }
}

static uint32_t get_le32(const uint8_t *p)
{
    return p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

/*
 * Checks the UDP payload between out->l4_off and out->len, which the IP
 * layer has already bounded by the frame, then the ICRC, and decodes it.
 */
static int parse_transport(const uint8_t *f, RdoWireParsed *out)
{
    const RdoUdpHdr *udp = (const RdoUdpHdr *)(f + out->l4_off);
    const RdoBthHdr *bth;
    const RdoWireOpInfo *op;
    RdoWirePacket *pkt = &out->pkt;
    size_t data_len;
    uint32_t icrc;

    if (rdo_get_be16(udp->len) != out->len - out->l4_off) {
        return -RDO_WIRE_E_BAD_LENGTH;
    }
    out->bth_off = out->l4_off + RDO_UDP_HLEN;
    if (out->len - out->bth_off < RDO_BTH_LEN + RDO_ICRC_LEN) {
        return -RDO_WIRE_E_BAD_LENGTH;
    }
    bth = (const RdoBthHdr *)(f + out->bth_off);
    if (bth->flags & RDO_BTH_TVER_MASK) {
        return -RDO_WIRE_E_BAD_TVER;
    }
    op = rdo_wire_op_info(bth->opcode);
    if (!op) {
        return -RDO_WIRE_E_BAD_OPCODE;
    }
    if (out->len - out->bth_off < RDO_BTH_LEN + op->ext_len + RDO_ICRC_LEN) {
        return -RDO_WIRE_E_BAD_LENGTH;
    }
    out->payload_off = out->bth_off + RDO_BTH_LEN + op->ext_len;
    out->icrc_off = out->len - RDO_ICRC_LEN;
    /* Payload and pad fill whole words, and the pad fits in them. */
    data_len = out->icrc_off - out->payload_off;
    out->pad_count = (bth->flags & RDO_BTH_PAD_MASK) >> RDO_BTH_PAD_SHIFT;
    if ((data_len & 3) || out->pad_count > data_len ||
        !payload_len_ok(op, data_len - out->pad_count)) {
        return -RDO_WIRE_E_BAD_LENGTH;
    }

    /* Cannot fail: the IP version and the header lengths are checked. */
    rdo_wire_icrc(f + out->l3_off, out->icrc_off - out->l3_off, &icrc);
    out->icrc = get_le32(f + out->icrc_off);
    if (icrc != out->icrc) {
        return -RDO_WIRE_E_BAD_ICRC;
    }

    out->op = op;
    pkt->udp_sport = rdo_get_be16(udp->sport);
    pkt->opcode = bth->opcode;
    pkt->se = bth->flags & RDO_BTH_SE;
    pkt->mig_req = bth->flags & RDO_BTH_MIGREQ;
    pkt->pkey = rdo_get_be16(bth->pkey);
    pkt->dest_qp = rdo_get_be24(bth->dest_qp);
    pkt->ack_req = bth->ack_psn[0] & RDO_BTH_ACKREQ;
    pkt->becn = bth->resv8a & RDO_BTH_BECN;
    pkt->psn = rdo_get_be24(bth->ack_psn + 1);
    read_ext(f + out->bth_off + RDO_BTH_LEN, op->ext, pkt);
    pkt->payload = f + out->payload_off;
    pkt->payload_len = (uint32_t)(data_len - out->pad_count);
    return 0;
}

RDO_HOT
int rdo_wire_parse(const void *frame, size_t len, RdoWireParsed *out)
{
    const uint8_t *f = frame;
    const RdoEthHdr *eth = frame;
    uint16_t ethertype;
    int err;

    memset(out, 0, sizeof(*out));
    if (len < RDO_ETH_HLEN) {
        return -RDO_WIRE_E_TRUNCATED;
    }
    memcpy(out->pkt.dst_mac, eth->dst, RDO_ETH_ALEN);
    memcpy(out->pkt.src_mac, eth->src, RDO_ETH_ALEN);
    ethertype = rdo_get_be16(eth->ethertype);
    out->l3_off = RDO_ETH_HLEN;
    if (ethertype == RDO_ETHERTYPE_VLAN) {
        const RdoVlanTag *tag;

        if (len < RDO_ETH_HLEN + RDO_VLAN_HLEN) {
            return -RDO_WIRE_E_TRUNCATED;
        }
        tag = (const RdoVlanTag *)(f + RDO_ETH_HLEN);
        out->pkt.vlan = true;
        out->pkt.vlan_tci = rdo_get_be16(tag->tci);
        ethertype = rdo_get_be16(tag->ethertype);
        out->l3_off += RDO_VLAN_HLEN;
    }

    switch (ethertype) {
    case RDO_ETHERTYPE_IPV4:
        err = parse_ipv4(f, len, out);
        break;
    case RDO_ETHERTYPE_IPV6:
        err = parse_ipv6(f, len, out);
        break;
    default:
        return -RDO_WIRE_E_NOT_ROCE;
    }
    return err ? err : parse_transport(f, out);
}

/* Offset of the IP header of an IPv4/IPv6 frame, its version in *ver; 0 if
 * the frame carries neither or is shorter than the IP header. */
static size_t ip_header(const uint8_t *f, size_t len, unsigned *ver)
{
    size_t l3 = RDO_ETH_HLEN;
    uint16_t type;

    if (len < RDO_ETH_HLEN) {
        return 0;
    }
    type = rdo_get_be16(f + 12);
    if (type == RDO_ETHERTYPE_VLAN) {
        if (len < RDO_ETH_HLEN + RDO_VLAN_HLEN) {
            return 0;
        }
        type = rdo_get_be16(f + 16);
        l3 += RDO_VLAN_HLEN;
    }
    if (type == RDO_ETHERTYPE_IPV4 && len >= l3 + RDO_IPV4_HLEN &&
        (f[l3] >> 4) == 4) {
        *ver = 4;
        return l3;
    }
    if (type == RDO_ETHERTYPE_IPV6 && len >= l3 + RDO_IPV6_HLEN &&
        (f[l3] >> 4) == 6) {
        *ver = 6;
        return l3;
    }
    return 0;
}

int rdo_wire_ecn(const void *frame, size_t len)
{
    const uint8_t *f = frame;
    unsigned ver;
    size_t l3 = ip_header(f, len, &ver);

    if (!l3) {
        return -1;
    }
    /* IPv6: the traffic class spans bytes 0 and 1; ECN is byte 1's 5:4. */
    return ver == 4 ? f[l3 + 1] & RDO_ECN_MASK : (f[l3 + 1] >> 4) & RDO_ECN_MASK;
}

bool rdo_wire_peek_qpn(const void *frame, size_t len, uint32_t *qpn)
{
    const uint8_t *f = frame;
    unsigned ver;
    size_t l3 = ip_header(f, len, &ver), l4;

    if (!l3) {
        return false;
    }
    /* RoCEv2 builds no IPv4 options (IHL 5); anything else is no RoCE. */
    if (ver == 4 ? (f[l3] & 0xf) != 5 || f[l3 + 9] != 17 : f[l3 + 6] != 17) {
        return false;
    }
    l4 = l3 + (ver == 4 ? RDO_IPV4_HLEN : RDO_IPV6_HLEN);
    if (len < l4 + RDO_UDP_HLEN + RDO_BTH_LEN ||
        rdo_get_be16(f + l4 + 2) != RDO_ROCE_UDP_PORT) {
        return false;
    }
    *qpn = rdo_get_be24(f + l4 + RDO_UDP_HLEN + 5);
    return true;
}

bool rdo_wire_set_ce(void *frame, size_t len)
{
    uint8_t *f = frame;
    int ecn = rdo_wire_ecn(frame, len);
    unsigned ver = 0;           /* set whenever ecn says there is a header;
                                   -O3 cannot tell (-Wmaybe-uninitialized) */
    size_t l3 = ip_header(f, len, &ver);
    uint16_t before;
    uint32_t sum;

    if (ecn <= RDO_ECN_NOT_ECT || ecn == RDO_ECN_CE) {
        return false;
    }
    if (ver == 6) {
        f[l3 + 1] |= RDO_ECN_CE << 4;
        return true;
    }
    /* Incremental update of the checksum (RFC 1624, eqn. 3), as a switch
     * does: a header that was wrong stays wrong. */
    before = rdo_get_be16(f + l3);
    f[l3 + 1] |= RDO_ECN_CE;
    sum = (uint16_t)~rdo_get_be16(f + l3 + 10) + (uint16_t)~before +
          rdo_get_be16(f + l3);
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    rdo_put_be16(f + l3 + 10, (uint16_t)~sum);
    return true;
}
