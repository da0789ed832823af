/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: Ethernet transmit. Each work request gathers its
 * bytes from guest memory (SGEs of bus addresses, or on a keyed TXQ of
 * lkeys and MR addresses, translated as RDMA SGEs are); the device inserts the
 * TCP/UDP and IPv4 header checksums on request, and with TSO cuts a TCP
 * send of up to 256 KiB into frames of MSS payload bytes, each with its
 * own IP length, identification and checksum, TCP sequence number, flags
 * and checksum. A malformed work request completes with an error and the
 * queue goes on with the next one.
 */
#include <string.h>
#include "eth/eth.h"
#include "ctx/ctx.h"

/* Work requests handled per run; more are left for a wake-up at once. */
#define ETH_TX_BUDGET 64

typedef struct TxError {
    uint8_t status;
    uint8_t vendor_err;
    const char *why;
} TxError;


static bool tx_fail(TxError *e, uint8_t status, uint8_t vendor_err,
                    const char *why)
{
    e->status = status;
    e->vendor_err = vendor_err;
    e->why = why;
    return false;
}

#define BAD_WQE(e, why) \
    tx_fail(e, RDO_WC_LOC_QP_OP_ERR, RDO_VENDOR_ERR_BAD_WQE, why)

/*
 * A frame to the wire. A keyed TXQ's (a raw packet QP's) multicast or
 * broadcast also goes to the port's own steering rules, as NICs loop a
 * raw QP's multicast back to local flow rules (mlx5's multicast local
 * loopback): two raw QPs of one port, or of two processes, then talk with
 * no switch to reflect it. Unicast to the port's MAC turns around at the
 * port anyway (egress/output.c); unicast to others leaves only.
 */
static void tx_send(RdoCore *core, uint32_t qn, const uint8_t *frame, size_t len)
{
    core->cnt.eth_tx_frames++;
    core->cnt.eth_tx_bytes += len;
    if (core->st->eth->txq[qn].keyed && (frame[0] & 1)) {
        rdo_loopback_raw(core, rdo_frame_port(core, frame, len), qn, frame, len);
    }
    rdo_fault_send(core, frame, len);
}

/* The L4 checksum of the IP packet in `f`, written in place. */
static void insert_l4_csum(uint8_t *f, const RdoEthHdrs *h)
{
    uint32_t l4_len = h->ip_end - h->l4_off;
    uint8_t *field = f + h->l4_off + rdo_csum_l4_field(h->l4_proto);
    uint16_t csum;

    rdo_put_be16(field, 0);
    csum = rdo_csum_fold(rdo_csum_pseudo(f, h, l4_len) +
                         rdo_csum_add(0, f + h->l4_off, l4_len));
    if (h->l4_proto == RDO_IPPROTO_UDP && csum == 0) {
        csum = 0xffff;      /* 0 means "no checksum" in UDP */
    }
    rdo_put_be16(field, csum);
}

/* One SGE's bytes: from a bus address, or through the keyed TXQ's MR. */
static bool tx_sge(RdoCore *core, const RdoEthTxq *q, const struct rdo_sge *sge,
                   uint8_t *to, TxError *e)
{
    if (!q->keyed) {
        return !rdo_host_dma(core, sge->addr, to, sge->length, false) ||
               tx_fail(e, RDO_WC_LOC_PROT_ERR, RDO_VENDOR_ERR_DMA,
                       "SGE not reachable");
    }
    if (rdo_mr_access(core, sge->lkey, q->pdn, sge->addr, to, sge->length, 0,
                      false) != RDO_MRC_OK) {
        core->cnt.eth_key_errors++;
        return tx_fail(e, RDO_WC_LOC_PROT_ERR, RDO_VENDOR_ERR_BAD_KEY,
                       "SGE's lkey, PD, range or MR pages refused");
    }
    return true;
}

/* Gathers the work request's SGEs into send_buf; returns the length. */
static bool tx_gather(RdoCore *core, const RdoEthTxq *q,
                      const struct rdo_eth_tx_wqe *w, uint32_t stride,
                      uint32_t *total, TxError *e)
{
    const struct rdo_sge *sge = (const void *)(w + 1);
    uint8_t *buf = core->st->eth->send_buf;
    uint32_t len = 0;

    if ((w->flags & ~RDO_ETH_TX_F__ALL) || w->reserved0 || w->reserved1[0] ||
        w->reserved1[1] || w->reserved1[2] || w->reserved1[3]) {
        return BAD_WQE(e, "reserved field or flag set");
    }
    if (!w->num_sge || w->num_sge > (stride - sizeof(*w)) / sizeof(*sge)) {
        return BAD_WQE(e, "num_sge 0 or beyond the stride");
    }
    for (uint32_t i = 0; i < w->num_sge; i++) {
        if (sge[i].lkey && !q->keyed) {
            return BAD_WQE(e, "SGE lkey not 0");
        }
        if (sge[i].length > RDO_ETH_MAX_SEND - len) {
            return tx_fail(e, RDO_WC_LOC_LEN_ERR, RDO_VENDOR_ERR_LENGTH,
                           "more than 256 KiB gathered");
        }
        if (!tx_sge(core, q, &sge[i], buf + len, e)) {
            return false;
        }
        len += sge[i].length;
    }
    *total = len;
    return true;
}

/* One frame of a TSO send: headers of the template, payload [off, off+n). */
static void tso_segment(RdoCore *core, uint32_t qn, const uint8_t *send,
                        const RdoEthHdrs *h, uint32_t hdr_len, uint32_t off,
                        uint32_t n, uint32_t index, bool last)
{
    uint8_t *f = core->st->eth->frame_buf;
    uint8_t *ip = f + h->l3_off, *tcp = f + h->l4_off;
    uint8_t flags = send[h->l4_off + 13];
    RdoEthHdrs seg = *h;

    memcpy(f, send, hdr_len);
    memcpy(f + hdr_len, send + hdr_len + off, n);
    seg.ip_end = hdr_len + n;
    if (h->ipv4) {
        rdo_put_be16(ip + 2, seg.ip_end - h->l3_off);
        rdo_put_be16(ip + 4, rdo_get_be16(ip + 4) + index);
        rdo_csum_set_ipv4(f, &seg);
    } else {
        rdo_put_be16(ip + 4, seg.ip_end - h->l4_off);
    }
    rdo_put_be32(tcp + 4, rdo_get_be32(tcp + 4) + off);
    if (!last) {
        flags &= ~(RDO_TCP_FIN | RDO_TCP_PSH);
    }
    if (index) {
        flags &= ~RDO_TCP_CWR;
    }
    tcp[13] = flags;
    insert_l4_csum(f, &seg);
    core->cnt.eth_tso_segments++;
    core->cnt.eth_tx_csum++;
    tx_send(core, qn, f, seg.ip_end);
}

static bool tx_tso(RdoCore *core, uint32_t qn, const struct rdo_eth_tx_wqe *w,
                   uint32_t total, TxError *e)
{
    const uint8_t *send = core->st->eth->send_buf;
    uint32_t payload = total - w->hdr_len, index = 0;
    RdoEthHdrs h;

    if (!w->mss) {
        return BAD_WQE(e, "TSO with MSS 0");
    }
    if (w->hdr_len > RDO_ETH_HDR_MAX || w->hdr_len >= total) {
        return BAD_WQE(e, "TSO header length beyond the send");
    }
    if (!rdo_eth_parse(send, total, true, &h) || h.l4_proto != RDO_IPPROTO_TCP ||
        h.payload_off != w->hdr_len) {
        return BAD_WQE(e, "TSO of something not TCP, or hdr_len not its headers");
    }
    /* The MTU of the port the frames leave by (their source MAC's). */
    if (w->hdr_len + w->mss > h.l3_off +
        rdo_port_mtu(core, rdo_frame_port(core, send, total))) {
        return tx_fail(e, RDO_WC_LOC_LEN_ERR, RDO_VENDOR_ERR_LENGTH,
                       "TSO segments beyond the MTU");
    }
    for (uint32_t off = 0; off < payload; off += w->mss, index++) {
        uint32_t n = MIN(w->mss, payload - off);

        tso_segment(core, qn, send, &h, w->hdr_len, off, n, index,
                    off + n == payload);
    }
    return true;
}

static bool tx_frame(RdoCore *core, uint32_t qn, const struct rdo_eth_tx_wqe *w,
                     uint32_t total, TxError *e)
{
    uint8_t *f = core->st->eth->send_buf;
    RdoEthHdrs h;

    if (w->mss || w->hdr_len) {
        return BAD_WQE(e, "MSS or header length without TSO");
    }
    if (!rdo_eth_parse(f, total, false, &h)) {
        return tx_fail(e, RDO_WC_LOC_LEN_ERR, RDO_VENDOR_ERR_LENGTH,
                       "frame shorter than an Ethernet header");
    }
    if (total > h.l3_off + rdo_port_mtu(core, rdo_frame_port(core, f, total))) {
        return tx_fail(e, RDO_WC_LOC_LEN_ERR, RDO_VENDOR_ERR_LENGTH,
                       "frame beyond the MTU");
    }
    if ((w->flags & RDO_ETH_TX_F_L4_CSUM) && !h.l4_proto) {
        return BAD_WQE(e, "L4 checksum for a frame without TCP or UDP");
    }
    if ((w->flags & RDO_ETH_TX_F_IP_CSUM) && !h.ipv4) {
        return BAD_WQE(e, "IPv4 checksum for a frame without IPv4");
    }
    if (w->flags & RDO_ETH_TX_F_IP_CSUM) {
        rdo_csum_set_ipv4(f, &h);
    }
    if (w->flags & RDO_ETH_TX_F_L4_CSUM) {
        insert_l4_csum(f, &h);
        core->cnt.eth_tx_csum++;
    }
    tx_send(core, qn, f, total);
    return true;
}

/* Takes the work request at the queue's consumer index and completes it. */
static void tx_one(RdoCore *core, uint32_t qn, RdoEthTxq *q)
{
    struct rdo_eth_tx_wqe *w = (void *)core->st->eth->wqe_buf;
    uint32_t stride = 1u << q->ring.stride_shift, total = 0;
    struct rdo_eth_cqe cqe = { .opcode = RDO_CQE_ETH_TX, .queue = qn };
    enum rdo_guest_err cls = RDO_GE_ETH_TX_BAD_WQE;
    TxError e = { 0 };
    bool ok;

    if (!rdo_ring_read(core, &q->ring, q->ci, w, stride)) {
        memset(w, 0, sizeof(*w));
        ok = tx_fail(&e, RDO_WC_LOC_QP_OP_ERR, RDO_VENDOR_ERR_DMA,
                     "TXQ ring not reachable");
    } else {
        ok = tx_gather(core, q, w, stride, &total, &e) &&
             ((w->flags & RDO_ETH_TX_F_TSO) ? tx_tso(core, qn, w, total, &e)
                                            : tx_frame(core, qn, w, total, &e));
    }
    q->ci++;
    cqe.wr_id = w->wr_id;
    cqe.byte_len = total;
    if (!ok) {
        cqe.status = e.status;
        cqe.vendor_err = e.vendor_err;
        core->cnt.eth_tx_errors++;
        /* A keyed SGE refused is the one fault that gives BAD_KEY here. */
        if (e.vendor_err == RDO_VENDOR_ERR_BAD_KEY) {
            cls = RDO_GE_ETH_BAD_KEY;
        }
        rdo_guest_error(core, cls, qn, q->ring.addr,
                        "Ethernet TXQ %u WQE %u: %s", qn, q->ci - 1, e.why);
    }
    rdo_eth_complete(core, q->cqn, &cqe);
}

void rdo_eth_tx_run(RdoCore *core)
{
    RdoEth *eth = core->st->eth;
    uint32_t budget = ETH_TX_BUDGET;
    bool more = rdo_eth_tx_pending(core);

    /* Round robin over the queues with work, one request each per pass. */
    while (more && budget && !rdo_core_is_fatal(core)) {
        more = false;
        for (uint32_t qn = 0; qn < RDO_ETH_MAX_TXQ; qn++) {
            RdoEthTxq *q = &eth->txq[qn];

            if (q->valid && q->ci != q->pi) {
                if (!budget) {
                    more = true;
                    break;
                }
                tx_one(core, qn, q);
                budget--;
                more |= q->ci != q->pi;
            }
        }
    }
    if (more && !rdo_core_is_fatal(core)) {
        rdo_core_schedule(core, core->ops->now_ns(core->host));
    }
}
