/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rdma-offload core: the Internet checksum (RFC 1071) over bytes. */
#include "wire.h"

RDO_HOT
uint64_t rdo_csum_add(uint64_t sum, const uint8_t *buf, size_t len)
{
    size_t i = 0;

    /*
     * Eight bytes a step, as two big-endian 32-bit words: a 32-bit word
     * folds to the sum of its two 16-bit words, so the total folds the
     * same, and 64 bits of 32-bit words cannot overflow for any buffer.
     * (The Ethernet function sums whole TCP payloads with this.)
     */
    for (; i + 8 <= len; i += 8) {
        uint64_t w = rdo_get_be64(buf + i);

        sum += (w >> 32) + (uint32_t)w;
    }
    for (; i + 1 < len; i += 2) {
        sum += rdo_get_be16(buf + i);
    }
    if (i < len) {
        sum += (uint32_t)buf[i] << 8;
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

RDO_HOT
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
