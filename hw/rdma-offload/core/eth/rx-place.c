/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the Ethernet receive queue's buffers: taking the next
 * posted buffer (on a keyed RXQ checked through the MR table as an RDMA
 * receive SGE is), writing into it, delivering a frame (or an LRO
 * aggregate) into it with one completion, or completing it with an error.
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

bool rdo_eth_rx_write(RdoCore *core, const RdoEthRxq *q,
                      const struct rdo_eth_rx_wqe *wqe, uint32_t off,
                      const void *data, uint32_t len)
{
    if (!q->keyed) {
        return !rdo_host_dma(core, wqe->addr + off, (void *)data, len, true);
    }
    /* Checked again: an LRO session may hold the buffer while its MR is
     * deregistered or registered anew. */
    return rdo_mr_access(core, wqe->lkey, q->pdn, wqe->addr + off, (void *)data,
                         len, RDO_ACCESS_LOCAL_WRITE, true) == RDO_MRC_OK;
}

bool rdo_eth_rx_take(RdoCore *core, RdoEthRxq *q, struct rdo_eth_rx_wqe *wqe)
{
    uint32_t qn = q - core->st->eth->rxq;

    while (q->ci != q->pi) {
        if (!rdo_ring_read(core, &q->ring, q->ci++, wqe, sizeof(*wqe))) {
            memset(wqe, 0, sizeof(*wqe));
            rdo_eth_rx_error(core, qn, q, wqe, RDO_WC_LOC_QP_OP_ERR, RDO_VENDOR_ERR_DMA,
                     "RXQ ring not reachable");
            continue;
        }
        if (wqe->reserved[0] || wqe->reserved[1] || (wqe->lkey && !q->keyed) ||
            wqe->length < RDO_ETH_RX_BUF_MIN || wqe->length > RDO_ETH_RX_BUF_MAX) {
            rdo_eth_rx_error(core, qn, q, wqe, RDO_WC_LOC_QP_OP_ERR,
                     RDO_VENDOR_ERR_BAD_WQE, "reserved field or bad length");
            continue;
        }
        /* The whole buffer, before any byte is written into it. */
        if (q->keyed && rdo_mr_check(core, wqe->lkey, q->pdn, RDO_NONE,
                                     wqe->addr, wqe->length,
                                     RDO_ACCESS_LOCAL_WRITE) != RDO_MRC_OK) {
            core->cnt.eth_key_errors++;
            rdo_guest_error(core, RDO_GE_ETH_BAD_KEY, qn, wqe->addr,
                            "Ethernet RXQ %u buffer 0x%llx: lkey 0x%x, PD, "
                            "rights or range refused", qn,
                            (unsigned long long)wqe->wr_id, wqe->lkey);
            rdo_eth_rx_error(core, qn, q, wqe, RDO_WC_LOC_PROT_ERR,
                             RDO_VENDOR_ERR_BAD_KEY, "buffer's lkey refused");
            continue;
        }
        return true;
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
