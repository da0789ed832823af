/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the Ethernet function's checksums on top of the
 * Internet checksum (wire/csum.c): IPv4 header checksums, TCP and UDP
 * checksums with their pseudo-headers (partial sums combine: LRO sums each
 * segment's payload as it arrives).
 */
#include "eth/eth.h"

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
