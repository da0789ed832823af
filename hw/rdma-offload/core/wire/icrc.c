/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the RoCEv2 invariant CRC.
 *
 * The ICRC is CRC-32 (zlib's crc32() value) over the packet as if it had
 * crossed an InfiniBand fabric unchanged: the fields that routers and
 * switches rewrite are replaced by ones. That is 8 bytes of ones for the
 * InfiniBand LRH, then the IP header with IPv4 TOS, TTL and header checksum
 * (IPv6 traffic class, flow label and hop limit) as ones, the UDP header
 * with its checksum as ones, the BTH with its resv8a byte as ones, and the
 * rest of the packet unchanged. Only the headers are copied to be masked
 * (behind the LRH's ones, one CRC call for both); the rest is fed to the
 * CRC in place.
 *
 * The CRC is ISA-L's crc32_gzip_refl() when the build found libisal
 * (RDO_HAVE_ISAL; ~20x zlib's speed with carry-less multiply, see
 * docs/architecture.md "Dependencies"), zlib's crc32_z() otherwise: the
 * same value either way.
 */
#include <string.h>

#ifdef RDO_HAVE_ISAL
#include <isa-l/crc.h>
#else
#include <zlib.h>
#endif

#include "wire.h"

RDO_HOT
uint32_t rdo_wire_crc32(uint32_t crc, const uint8_t *buf, size_t len)
{
#ifdef RDO_HAVE_ISAL
    crc = crc32_gzip_refl(crc, buf, len);
#if defined(__x86_64__)
    /*
     * ISA-L's AVX-512 CRC (2.30's crc32_gzip_refl_by16_10) returns with
     * the upper halves of the vector registers dirty, and every SSE
     * instruction after it (ours, libc's, QEMU's) then pays for it: the
     * bench's functional stream ran at 25 Gbit/s against 35 with this.
     */
    if (__builtin_cpu_supports("avx")) {
        __asm__ volatile("vzeroupper");
    }
#endif
    return crc;
#else
    return (uint32_t)crc32_z(crc, buf, len);
#endif
}

const char *rdo_wire_crc32_impl(void)
{
#ifdef RDO_HAVE_ISAL
    return "isa-l";
#else
    return "zlib";
#endif
}

RDO_HOT
bool rdo_wire_icrc(const uint8_t *ip, size_t len, uint32_t *icrc)
{
    enum { LRH = 8 };
    uint8_t buf[LRH + RDO_IPV6_HLEN + RDO_UDP_HLEN + RDO_BTH_LEN];
    uint8_t *hdrs = buf + LRH;
    RdoUdpHdr *udp;
    RdoBthHdr *bth;
    size_t ip_len, hlen;
    uint32_t crc;

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
    hlen = ip_len + RDO_UDP_HLEN + RDO_BTH_LEN;
    if (len < hlen) {
        return false;
    }

    memset(buf, 0xff, LRH);
    memcpy(hdrs, ip, hlen);
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

    crc = rdo_wire_crc32(0, buf, LRH + hlen);
    *icrc = rdo_wire_crc32(crc, ip + hlen, len - hlen);
    return true;
}
