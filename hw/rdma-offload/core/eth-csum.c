/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the Internet checksum (RFC 1071) for the Ethernet
 * function: IPv4 header checksums, TCP and UDP checksums with their
 * pseudo-headers, and partial sums that can be combined (LRO sums each
 * segment's payload as it arrives).
 */
#include "eth.h"
#include "wire.h"

uint64_t rdo_csum_add(uint64_t sum, const uint8_t *buf, size_t len)
{
    size_t i;

    for (i = 0; i + 1 < len; i += 2) {
        sum += (uint32_t)(buf[i] << 8 | buf[i + 1]);
    }
    if (len & 1) {
        sum += (uint32_t)buf[len - 1] << 8;
    }
    return sum;
}

static uint16_t fold16(uint64_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t)sum;
}

uint16_t rdo_csum_fold(uint64_t sum)
{
    return (uint16_t)~fold16(sum);
}

/* Bytes summed as if one position later: their 16-bit sum swaps bytes. */
uint64_t rdo_csum_swap(uint64_t sum)
{
    uint16_t s = fold16(sum);

    return (uint16_t)(s << 8 | s >> 8);
}

uint64_t rdo_csum_pseudo(const uint8_t *frame, const RdoEthHdrs *h,
                         uint32_t l4_len)
{
    const uint8_t *ip = frame + h->l3_off;
    uint64_t sum;

    if (h->ipv4) {
        sum = rdo_csum_add(0, ip + 12, 8);     /* source, destination */
    } else {
        sum = rdo_csum_add(0, ip + 8, 32);
    }
    return sum + h->l4_proto + l4_len;
}

void rdo_csum_set_ipv4(uint8_t *frame, const RdoEthHdrs *h)
{
    uint8_t *ip = frame + h->l3_off;
    uint32_t ihl = (uint32_t)(ip[0] & 0xf) * 4;

    rdo_put_be16(ip + 10, 0);
    rdo_put_be16(ip + 10, rdo_csum_fold(rdo_csum_add(0, ip, ihl)));
}

uint32_t rdo_csum_l4_field(uint8_t l4_proto)
{
    return l4_proto == RDO_IPPROTO_TCP ? 16 : 6;
}
