/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the Ethernet receive queue's buffers: taking the next
 * posted buffer, delivering a frame (or an LRO aggregate) into it with one
 * completion, or completing it with an error.
 */
#include <string.h>
#include "eth/eth.h"

void rdo_eth_rx_error(RdoCore *core, uint32_t qn, RdoEthRxq *q,
                      const struct rdo_eth_rx_wqe *wqe, uint8_t status,
                      uint8_t vendor_err, const char *why)
{
    struct rdo_eth_cqe cqe = {
        .wr_id = wqe->wr_id, .queue = qn, .opcode = RDO_CQE_ETH_RX,
        .status = status, .vendor_err = vendor_err,
    };

    core->cnt.eth_rx_errors++;
    rdo_core_guest_error(core, RDO_ERR_NONE, wqe->addr,
                         "Ethernet RXQ %u buffer 0x%llx: %s", qn,
                         (unsigned long long)wqe->wr_id, why);
    rdo_eth_complete(core, q->cqn, &cqe);
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
        if (wqe->reserved[0] || wqe->reserved[1] || wqe->reserved[2] ||
            wqe->length < RDO_ETH_RX_BUF_MIN || wqe->length > RDO_ETH_RX_BUF_MAX) {
            rdo_eth_rx_error(core, qn, q, wqe, RDO_WC_LOC_QP_OP_ERR,
                     RDO_VENDOR_ERR_BAD_WQE, "reserved field or bad length");
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
