/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: finding the headers of an Ethernet frame for the
 * Ethernet function (TSO, checksums, LRO, RSS). Frames come from the
 * driver or the wire, so every length field is checked against the frame
 * before anything after it is looked at.
 */
#include <string.h>
#include "eth/eth.h"

static void parse_l4(const uint8_t *f, RdoEthHdrs *h, uint8_t proto)
{
    uint32_t off = h->l4_off;

    if (proto == RDO_IPPROTO_TCP && off + RDO_TCP_HLEN_MIN <= h->ip_end) {
        uint32_t thl = (uint32_t)(f[off + 12] >> 4) * 4;

        if (thl >= RDO_TCP_HLEN_MIN && off + thl <= h->ip_end) {
            h->l4_proto = proto;
            h->payload_off = off + thl;
        }
    } else if (proto == RDO_IPPROTO_UDP && off + RDO_UDP_HLEN <= h->ip_end) {
        h->l4_proto = proto;
        h->payload_off = off + RDO_UDP_HLEN;
    }
}

bool rdo_eth_parse(const uint8_t *f, size_t len, bool whole_frame, RdoEthHdrs *h)
{
    uint32_t off = RDO_ETH_HLEN;

    memset(h, 0, sizeof(*h));
    if (len < RDO_ETH_HLEN) {
        return false;
    }
    h->ethertype = rdo_get_be16(f + 12);
    if (h->ethertype == RDO_ETHERTYPE_VLAN && len >= off + RDO_VLAN_HLEN) {
        h->ethertype = rdo_get_be16(f + off + 2);
        off += RDO_VLAN_HLEN;
    }
    h->l3_off = off;
    h->ip_end = len;
    if (h->ethertype == RDO_ETHERTYPE_IPV4 && len >= off + RDO_IPV4_HLEN &&
        (f[off] >> 4) == 4) {
        uint32_t ihl = (uint32_t)(f[off] & 0xf) * 4;
        uint32_t total = whole_frame ? len - off : rdo_get_be16(f + off + 2);

        if (ihl < RDO_IPV4_HLEN || total < ihl || off + total > len) {
            return true;
        }
        h->ipv4 = true;
        h->ip_end = off + total;
        h->l4_off = off + ihl;
        h->ip_frag = (rdo_get_be16(f + off + 6) &
                      (RDO_IPV4_MF | RDO_IPV4_FRAG_OFFSET)) != 0;
        if (!h->ip_frag) {
            parse_l4(f, h, f[off + 9]);
        }
    } else if (h->ethertype == RDO_ETHERTYPE_IPV6 &&
               len >= off + RDO_IPV6_HLEN && (f[off] >> 4) == 6) {
        uint32_t plen = whole_frame ? len - off - RDO_IPV6_HLEN
                                    : rdo_get_be16(f + off + 4);

        if (off + RDO_IPV6_HLEN + plen > len) {
            return true;
        }
        h->ipv6 = true;
        h->ip_end = off + RDO_IPV6_HLEN + plen;
        h->l4_off = off + RDO_IPV6_HLEN;
        parse_l4(f, h, f[off + 6]);
    }
    if (!h->l4_proto) {
        h->payload_off = 0;
    }
    return true;
}
