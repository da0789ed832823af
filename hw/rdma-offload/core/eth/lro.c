/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: large receive offload (transparent TCP offload's
 * receive side). In-order TCP segments of one flow are gathered in one
 * receive buffer and handed to the driver as a single TCP segment: the
 * first segment's headers with the IP length, the latest ACK, window and
 * timestamps, PSH if any segment had it, and checksums that are right for
 * the aggregate. No connection state leaves the device; a session is ended
 * (flushed) by a segment with flags other than ACK/PSH, out of order, with
 * other options or IP fields, shorter than the first (the end of a burst),
 * a full buffer or IP length, or its flush timer (virtual time).
 */
#include <string.h>
#include "eth/eth.h"

#define TCP_TS_OPT_LEN 12   /* NOP, NOP, kind 8, length 10, TSval, TSecr */

static const uint8_t *tcp_of(const uint8_t *f, const RdoEthHdrs *h)
{
    return f + h->l4_off;
}

static uint32_t payload_len(const RdoEthHdrs *h)
{
    return h->ip_end - h->payload_off;
}

static bool same_flow(const RdoLroSession *s, const uint8_t *f,
                      const RdoEthHdrs *h)
{
    uint32_t a_off = h->ipv4 ? 12 : 8, a_len = h->ipv4 ? 8 : 32;

    return s->h.ipv4 == h->ipv4 && s->h.l3_off == h->l3_off &&
           s->h.l4_off == h->l4_off &&
           !memcmp(s->hdr + h->l3_off + a_off, f + h->l3_off + a_off, a_len) &&
           !memcmp(s->hdr + h->l4_off, f + h->l4_off, 4);
}

/* A segment LRO may hold: data with ACK (and PSH) only, plain headers. */
static bool eligible(const uint8_t *f, const RdoEthHdrs *h, bool csum_ok)
{
    const uint8_t *tcp = tcp_of(f, h);
    uint32_t thl = h->payload_off - h->l4_off;

    if (!csum_ok || h->l4_proto != RDO_IPPROTO_TCP || !payload_len(h) ||
        h->payload_off > RDO_ETH_HDR_MAX) {
        return false;
    }
    if (h->ipv4 && h->l4_off - h->l3_off != RDO_IPV4_HLEN) {
        return false;       /* IP options */
    }
    if ((tcp[13] & ~RDO_TCP_PSH) != RDO_TCP_ACK) {
        return false;
    }
    return thl == RDO_TCP_HLEN_MIN ||
           (thl == RDO_TCP_HLEN_MIN + TCP_TS_OPT_LEN &&
            !memcmp(tcp + 20, "\x01\x01\x08\x0a", 4));
}

static bool same_bytes(const uint8_t *a, const uint8_t *b, uint32_t from,
                       uint32_t to)
{
    return !memcmp(a + from, b + from, to - from);
}

/* Everything but lengths, IDs, checksums, ACK, window and timestamps. */
static bool headers_match(const RdoLroSession *s, const uint8_t *f,
                          const RdoEthHdrs *h)
{
    uint32_t l3 = h->l3_off;

    if (s->h.payload_off != h->payload_off) {
        return false;
    }
    if (h->ipv4) {
        if (!same_bytes(s->hdr, f, 0, l3 + 2) ||
            !same_bytes(s->hdr, f, l3 + 6, l3 + 10) ||
            !same_bytes(s->hdr, f, l3 + 12, h->l4_off)) {
            return false;
        }
    } else if (!same_bytes(s->hdr, f, 0, l3 + 4) ||
               !same_bytes(s->hdr, f, l3 + 6, h->l4_off)) {
        return false;
    }
    /* TCP ports; data offset and flags (PSH aside) */
    return same_bytes(s->hdr, f, h->l4_off, h->l4_off + 4) &&
           s->hdr[h->l4_off + 12] == f[h->l4_off + 12] &&
           (s->hdr[h->l4_off + 13] | RDO_TCP_PSH) == (f[h->l4_off + 13] | RDO_TCP_PSH);
}

static bool can_append(const RdoLroSession *s, const uint8_t *f,
                       const RdoEthHdrs *h)
{
    const uint8_t *tcp = tcp_of(f, h), *old = s->hdr + h->l4_off;
    uint32_t n = payload_len(h);
    bool ts = h->payload_off - h->l4_off > RDO_TCP_HLEN_MIN;

    if (rdo_get_be32(tcp + 4) != s->next_seq || !headers_match(s, f, h) ||
        n > s->mss || s->segs >= RDO_ETH_LRO_MAX_SEGS ||
        s->len + n > s->buf.length || s->len + n - s->h.l3_off > 0xffff) {
        return false;
    }
    if ((int32_t)(rdo_get_be32(tcp + 8) - rdo_get_be32(old + 8)) < 0) {
        return false;       /* an older ACK */
    }
    return !ts || (int32_t)(rdo_get_be32(tcp + 24) - rdo_get_be32(old + 24)) >= 0;
}

static void flush(RdoCore *core, uint32_t qn, RdoEthRxq *q, RdoLroSession *s)
{
    uint8_t *hdr = s->hdr, *tcp = hdr + s->h.l4_off;
    uint32_t hlen = s->h.payload_off;
    RdoEthHdrs h = s->h;
    uint8_t flags = RDO_ETH_CQE_F_L4_CSUM_OK | RDO_ETH_CQE_F_TCP |
                    RDO_ETH_CQE_F_RSS_HASH;

    s->active = false;
    h.ip_end = s->len;
    if (h.ipv4) {
        rdo_put_be16(hdr + h.l3_off + 2, s->len - h.l3_off);
        rdo_csum_set_ipv4(hdr, &h);
        flags |= RDO_ETH_CQE_F_L3_CSUM_OK;
    } else {
        rdo_put_be16(hdr + h.l3_off + 4, s->len - h.l4_off);
        flags |= RDO_ETH_CQE_F_IPV6;
    }
    tcp[13] |= s->psh;
    rdo_put_be16(tcp + 16, 0);
    rdo_put_be16(tcp + 16, rdo_csum_fold(rdo_csum_pseudo(hdr, &h, s->len - h.l4_off) +
                                         rdo_csum_add(0, tcp, hlen - h.l4_off) +
                                         s->payload_sum));
    if (!rdo_eth_rx_write(core, q, &s->buf, 0, hdr, hlen)) {
        rdo_eth_rx_error(core, qn, q, &s->buf, RDO_WC_LOC_PROT_ERR,
                         RDO_VENDOR_ERR_DMA, "buffer not reachable");
        return;
    }
    if (s->segs > 1) {
        flags |= RDO_ETH_CQE_F_LRO;
        core->cnt.eth_lro_flushes++;
    }
    rdo_eth_rx_deliver(core, qn, q, &s->buf, s->len, flags, s->rss_hash,
                       s->segs, s->mss);
}

/* Writes a segment's payload at the end of the session's buffer. */
static bool append(RdoCore *core, uint32_t qn, RdoEthRxq *q, RdoLroSession *s,
                   const uint8_t *f, const RdoEthHdrs *h)
{
    uint32_t n = payload_len(h), at = s->len - s->h.payload_off;
    uint64_t sum = rdo_csum_add(0, f + h->payload_off, n);
    const uint8_t *tcp = tcp_of(f, h);
    uint8_t *old = s->hdr + h->l4_off;

    if (!rdo_eth_rx_write(core, q, &s->buf, s->len, f + h->payload_off, n)) {
        s->active = false;
        rdo_eth_rx_error(core, qn, q, &s->buf, RDO_WC_LOC_PROT_ERR,
                         RDO_VENDOR_ERR_DMA, "buffer not reachable");
        return false;
    }
    s->payload_sum += (at & 1) ? rdo_csum_swap(sum) : sum;
    s->len += n;
    s->next_seq += n;
    s->psh |= tcp[13] & RDO_TCP_PSH;
    memcpy(old + 8, tcp + 8, 4);                    /* ACK */
    memcpy(old + 14, tcp + 14, 2);                  /* window */
    memcpy(old + RDO_TCP_HLEN_MIN, tcp + RDO_TCP_HLEN_MIN,
           h->payload_off - h->l4_off - RDO_TCP_HLEN_MIN);  /* timestamps */
    return true;
}

static RdoLroSession *find(RdoEthRxq *q, const uint8_t *f, const RdoEthHdrs *h)
{
    for (int i = 0; i < RDO_LRO_SESSIONS; i++) {
        if (q->lro_s[i].active && same_flow(&q->lro_s[i], f, h)) {
            return &q->lro_s[i];
        }
    }
    return NULL;
}

/* A free session, the oldest flushed to make one if need be. */
static RdoLroSession *slot(RdoCore *core, uint32_t qn, RdoEthRxq *q)
{
    RdoLroSession *oldest = &q->lro_s[0];

    for (int i = 0; i < RDO_LRO_SESSIONS; i++) {
        if (!q->lro_s[i].active) {
            return &q->lro_s[i];
        }
        if (q->lro_s[i].started_ns < oldest->started_ns) {
            oldest = &q->lro_s[i];
        }
    }
    flush(core, qn, q, oldest);
    return oldest;
}

static bool start(RdoCore *core, uint32_t qn, RdoEthRxq *q, const uint8_t *f,
                  const RdoEthHdrs *h, uint32_t rss_hash)
{
    RdoLroSession *s = slot(core, qn, q);
    uint32_t n = payload_len(h);

    if (!rdo_eth_rx_take(core, q, &s->buf)) {
        return false;       /* the caller counts the drop */
    }
    if (h->ip_end > s->buf.length) {
        rdo_eth_rx_error(core, qn, q, &s->buf, RDO_WC_LOC_LEN_ERR,
                         RDO_VENDOR_ERR_LENGTH, "frame longer than the buffer");
        return true;
    }
    memcpy(s->hdr, f, h->payload_off);
    s->h = *h;
    s->len = h->payload_off;
    s->rss_hash = rss_hash;
    s->next_seq = rdo_get_be32(tcp_of(f, h) + 4);
    s->segs = 0;
    s->mss = n;
    s->psh = 0;
    s->payload_sum = 0;
    s->started_ns = core->ops->now_ns(core->host);
    s->active = true;
    if (!append(core, qn, q, s, f, h)) {
        return true;
    }
    s->segs = 1;
    rdo_core_schedule(core, s->started_ns + q->lro_ns);
    return true;
}

/* A session that cannot grow usefully goes to the driver now. */
static bool done(const RdoLroSession *s, uint32_t last_payload)
{
    return s->psh || last_payload < s->mss || s->segs >= RDO_ETH_LRO_MAX_SEGS ||
           s->len + s->mss > s->buf.length;
}

bool rdo_lro_receive(RdoCore *core, uint32_t qn, RdoEthRxq *q,
                     const uint8_t *frame, const RdoEthHdrs *h, bool csum_ok,
                     uint32_t rss_hash)
{
    RdoLroSession *s;
    bool ok;

    if (h->l4_proto != RDO_IPPROTO_TCP) {
        return false;
    }
    ok = eligible(frame, h, csum_ok);
    s = find(q, frame, h);
    if (s && ok && can_append(s, frame, h)) {
        if (append(core, qn, q, s, frame, h)) {
            s->segs++;
            core->cnt.eth_lro_segments++;
            if (done(s, payload_len(h))) {
                flush(core, qn, q, s);
            }
        }
        return true;
    }
    if (s) {
        flush(core, qn, q, s);      /* keeps the flow's segments in order */
    }
    if (!ok || !start(core, qn, q, frame, h, rss_hash)) {
        return false;
    }
    s = find(q, frame, h);
    if (s && done(s, s->mss)) {
        flush(core, qn, q, s);
    }
    return true;
}

void rdo_lro_run(RdoCore *core)
{
    RdoEth *eth = core->st->eth;
    uint64_t now, next = 0;

    if (!rdo_lro_pending(core)) {
        return;
    }
    now = core->ops->now_ns(core->host);
    for (uint32_t qn = 0; qn < RDO_ETH_MAX_RXQ; qn++) {
        RdoEthRxq *q = &eth->rxq[qn];

        for (int i = 0; q->valid && i < RDO_LRO_SESSIONS; i++) {
            RdoLroSession *s = &q->lro_s[i];
            uint64_t due = s->started_ns + q->lro_ns;

            if (!s->active) {
                continue;
            }
            if (due <= now) {
                flush(core, qn, q, s);
            } else if (!next || due < next) {
                next = due;
            }
        }
    }
    if (next) {
        rdo_core_schedule(core, next);
    }
}
