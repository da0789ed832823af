/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the RoCEv2 invariant CRC.
 *
 * The ICRC is CRC-32 (zlib's crc32()) over the packet as if it had crossed
 * an InfiniBand fabric unchanged: the fields that routers and switches
 * rewrite are replaced by ones. That is 8 bytes of ones for the InfiniBand
 * LRH, then the IP header with IPv4 TOS, TTL and header checksum (IPv6
 * traffic class, flow label and hop limit) as ones, the UDP header with its
 * checksum as ones, the BTH with its resv8a byte as ones, and the rest of
 * the packet unchanged. Only the headers are copied to be masked; the rest
 * is fed to crc32() in place.
 */
#include <string.h>
#include <zlib.h>

#include "wire.h"

bool rdo_wire_icrc(const uint8_t *ip, size_t len, uint32_t *icrc)
{
    static const uint8_t masked_lrh[8] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    };
    uint8_t hdrs[RDO_IPV6_HLEN + RDO_UDP_HLEN + RDO_BTH_LEN];
    RdoUdpHdr *udp;
    RdoBthHdr *bth;
    size_t ip_len;
    uLong crc;

    if (len < 1) {
        return false;
    }
    if (ip[0] == RDO_IPV4_VER_IHL) {
        ip_len = RDO_IPV4_HLEN;
    } else if ((ip[0] >> 4) == 6) {
        ip_len = RDO_IPV6_HLEN;
    } else {
        return false;
    }
    if (len < ip_len + RDO_UDP_HLEN + RDO_BTH_LEN) {
        return false;
    }

    memcpy(hdrs, ip, ip_len + RDO_UDP_HLEN + RDO_BTH_LEN);
    if (ip_len == RDO_IPV4_HLEN) {
        RdoIpv4Hdr *ip4 = (RdoIpv4Hdr *)hdrs;

        ip4->tos = 0xff;
        ip4->ttl = 0xff;
        memset(ip4->csum, 0xff, sizeof(ip4->csum));
    } else {
        RdoIpv6Hdr *ip6 = (RdoIpv6Hdr *)hdrs;

        /* Everything but the version nibble of the first word. */
        ip6->ver_tc_flow[0] |= 0x0f;
        memset(ip6->ver_tc_flow + 1, 0xff, 3);
        ip6->hop_limit = 0xff;
    }
    udp = (RdoUdpHdr *)(hdrs + ip_len);
    memset(udp->csum, 0xff, sizeof(udp->csum));
    bth = (RdoBthHdr *)(hdrs + ip_len + RDO_UDP_HLEN);
    bth->resv8a = 0xff;

    crc = crc32(0, masked_lrh, sizeof(masked_lrh));
    crc = crc32(crc, hdrs, (uInt)(ip_len + RDO_UDP_HLEN + RDO_BTH_LEN));
    crc = crc32_z(crc, ip + ip_len + RDO_UDP_HLEN + RDO_BTH_LEN,
                  len - (ip_len + RDO_UDP_HLEN + RDO_BTH_LEN));
    *icrc = (uint32_t)crc;
    return true;
}
