/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rdma-offload core: the Internet checksum (RFC 1071) over bytes. */
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
