/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the Ethernet receive queue's buffers: taking the next
 * posted buffer (one, or a scatter list of SGEs; on a keyed RXQ checked
 * through the MR table as an RDMA receive SGE is), writing into it,
 * delivering a frame (or an LRO aggregate) into it with one completion, or
 * completing it with an error.
 */
#include <string.h>
#include "eth/eth.h"
#include "ctx/ctx.h"

void rdo_eth_rx_error(RdoCore *core, uint32_t qn, RdoEthRxq *q,
                      const struct rdo_eth_rx_wqe *wqe, uint8_t status,
                      uint8_t vendor_err, const char *why)
{
    struct rdo_eth_cqe cqe = {
        .wr_id = wqe->wr_id, .queue = qn, .opcode = RDO_CQE_ETH_RX,
        .status = status, .vendor_err = vendor_err,
    };

    core->cnt.eth_rx_errors++;
    rdo_guest_error(core, RDO_GE_ETH_RX_BAD_BUFFER, qn, wqe->addr,
                    "Ethernet RXQ %u buffer 0x%llx: %s", qn,
                    (unsigned long long)wqe->wr_id, why);
    rdo_eth_complete(core, q->cqn, &cqe);
}

/* One piece of a buffer: a bus address, or an address in lkey's MR. */
static bool piece_write(RdoCore *core, const RdoEthRxq *q, uint32_t lkey,
                        uint64_t addr, const void *data, uint32_t len)
{
    if (!q->keyed) {
        return !rdo_host_dma(core, addr, (void *)data, len, true);
    }
    /* Checked again: an LRO session may hold the buffer while its MR is
     * deregistered or registered anew. */
    return rdo_mr_access(core, lkey, q->pdn, addr, (void *)data, len,
                         RDO_ACCESS_LOCAL_WRITE, true) == RDO_MRC_OK;
}

/* [off, off + len) of the scatter WQE taken last, SGE by SGE. */
static bool sg_write(RdoCore *core, const RdoEthRxq *q, uint32_t off,
                     const uint8_t *data, uint32_t len)
{
    const struct rdo_eth_rx_sg_wqe *h = (const void *)core->st->eth->rx_sg_buf;
    const struct rdo_sge *sge = (const void *)(h + 1);

    for (uint32_t i = 0; i < h->num_sge && len; i++) {
        uint32_t n;

        if (off >= sge[i].length) {
            off -= sge[i].length;
            continue;
        }
        n = MIN(sge[i].length - off, len);
        if (!piece_write(core, q, sge[i].lkey, sge[i].addr + off, data, n)) {
            return false;
        }
        data += n;
        len -= n;
        off = 0;
    }
    return !len;
}

bool rdo_eth_rx_write(RdoCore *core, const RdoEthRxq *q,
                      const struct rdo_eth_rx_wqe *wqe, uint32_t off,
                      const void *data, uint32_t len)
{
    if (rdo_eth_rxq_sg(q)) {
        return sg_write(core, q, off, data, len);
    }
    return piece_write(core, q, wqe->lkey, wqe->addr + off, data, len);
}

/* A keyed piece [addr, addr + len) of lkey's MR, checked before any byte
 * is written; a refusal completes the WQE. */
static bool keyed_piece_ok(RdoCore *core, uint32_t qn, RdoEthRxq *q,
                           const struct rdo_eth_rx_wqe *wqe, uint32_t lkey,
                           uint64_t addr, uint32_t len)
{
    if (rdo_mr_check(core, lkey, q->pdn, RDO_NONE, addr, len,
                     RDO_ACCESS_LOCAL_WRITE) == RDO_MRC_OK) {
        return true;
    }
    core->cnt.eth_key_errors++;
    rdo_guest_error(core, RDO_GE_ETH_BAD_KEY, qn, addr,
                    "Ethernet RXQ %u buffer 0x%llx: lkey 0x%x, PD, "
                    "rights or range refused", qn,
                    (unsigned long long)wqe->wr_id, lkey);
    rdo_eth_rx_error(core, qn, q, wqe, RDO_WC_LOC_PROT_ERR,
                     RDO_VENDOR_ERR_BAD_KEY, "buffer's lkey refused");
    return false;
}

/* The 32-byte WQE at the consumer index; false if it was completed with
 * an error. */
static bool take_one(RdoCore *core, uint32_t qn, RdoEthRxq *q,
                     struct rdo_eth_rx_wqe *wqe)
{
    if (!rdo_ring_read(core, &q->ring, q->ci++, wqe, sizeof(*wqe))) {
        memset(wqe, 0, sizeof(*wqe));
        rdo_eth_rx_error(core, qn, q, wqe, RDO_WC_LOC_QP_OP_ERR, RDO_VENDOR_ERR_DMA,
                 "RXQ ring not reachable");
        return false;
    }
    if (wqe->reserved[0] || wqe->reserved[1] || (wqe->lkey && !q->keyed) ||
        wqe->length < RDO_ETH_RX_BUF_MIN || wqe->length > RDO_ETH_RX_BUF_MAX) {
        rdo_eth_rx_error(core, qn, q, wqe, RDO_WC_LOC_QP_OP_ERR,
                 RDO_VENDOR_ERR_BAD_WQE, "reserved field or bad length");
        return false;
    }
    /* The whole buffer, before any byte is written into it. */
    return !q->keyed ||
           keyed_piece_ok(core, qn, q, wqe, wqe->lkey, wqe->addr, wqe->length);
}

/* A scatter WQE: its header, then as many SGEs as it says. */
static bool take_sg(RdoCore *core, uint32_t qn, RdoEthRxq *q,
                    struct rdo_eth_rx_wqe *wqe)
{
    struct rdo_eth_rx_sg_wqe *h = (void *)core->st->eth->rx_sg_buf;
    struct rdo_sge *sge = (void *)(h + 1);
    uint32_t slot = q->ci++;
    uint32_t room = ((1u << q->ring.stride_shift) - sizeof(*h)) / sizeof(*sge);
    uint64_t total = 0;

    memset(wqe, 0, sizeof(*wqe));
    if (!rdo_ring_read(core, &q->ring, slot, h, sizeof(*h)) ||
        (h->num_sge && h->num_sge <= room &&
         !rdo_ring_read(core, &q->ring, slot, h,
                        sizeof(*h) + h->num_sge * sizeof(*sge)))) {
        rdo_eth_rx_error(core, qn, q, wqe, RDO_WC_LOC_QP_OP_ERR, RDO_VENDOR_ERR_DMA,
                 "RXQ ring not reachable");
        return false;
    }
    wqe->wr_id = h->wr_id;
    if (h->reserved0 || h->reserved1 || !h->num_sge || h->num_sge > room) {
        h->num_sge = 0;
        rdo_eth_rx_error(core, qn, q, wqe, RDO_WC_LOC_QP_OP_ERR,
                 RDO_VENDOR_ERR_BAD_WQE, "reserved field, or num_sge 0 or "
                 "beyond the stride");
        return false;
    }
    wqe->addr = sge[0].addr;
    wqe->lkey = sge[0].lkey;
    for (uint32_t i = 0; i < h->num_sge; i++) {
        if ((sge[i].lkey && !q->keyed) || sge[i].length > RDO_ETH_RX_BUF_MAX) {
            total = 0;
            break;
        }
        total += sge[i].length;
    }
    if (total < RDO_ETH_RX_BUF_MIN || total > RDO_ETH_RX_BUF_MAX) {
        rdo_eth_rx_error(core, qn, q, wqe, RDO_WC_LOC_QP_OP_ERR,
                 RDO_VENDOR_ERR_BAD_WQE, "an SGE's lkey or length, or their "
                 "summed length");
        return false;
    }
    wqe->length = total;
    /* Every SGE, before any byte is written into the first. */
    for (uint32_t i = 0; q->keyed && i < h->num_sge; i++) {
        if (sge[i].length && !keyed_piece_ok(core, qn, q, wqe, sge[i].lkey,
                                             sge[i].addr, sge[i].length)) {
            return false;
        }
    }
    return true;
}

bool rdo_eth_rx_take(RdoCore *core, RdoEthRxq *q, struct rdo_eth_rx_wqe *wqe)
{
    uint32_t qn = q - core->st->eth->rxq;

    while (q->ci != q->pi) {
        if (rdo_eth_rxq_sg(q) ? take_sg(core, qn, q, wqe)
                              : take_one(core, qn, q, wqe)) {
            return true;
        }
    }
    return false;
}

void rdo_eth_rx_deliver(RdoCore *core, uint32_t qn, RdoEthRxq *q,
                        const struct rdo_eth_rx_wqe *wqe, uint32_t len,
                        uint8_t flags, uint32_t rss_hash, uint16_t segs,
                        uint16_t mss)
{
    struct rdo_eth_cqe cqe = {
        .wr_id = wqe->wr_id, .byte_len = len, .rss_hash = rss_hash,
        .queue = qn, .lro_segs = segs, .lro_mss = mss,
        .opcode = RDO_CQE_ETH_RX, .flags = flags,
    };

    core->cnt.eth_rx_buffers++;
    core->cnt.eth_rx_bytes += len;
    rdo_eth_complete(core, q->cqn, &cqe);
}
