/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the Ethernet function's queue doorbells: a transmit
 * doorbell starts the transmit engine, a receive doorbell posts buffers.
 */
#include "eth/eth.h"

/* A producer index for a queue: on its page, at most a ring ahead. */
static bool queue_doorbell(RdoCore *core, uint16_t page, uint32_t reg,
                           bool valid, uint16_t db_page, const RdoRing *ring,
                           uint32_t ci, uint32_t *pi, uint32_t qn,
                           uint32_t new_pi)
{
    if (!valid || db_page != page || new_pi - ci > rdo_ring_size(ring) ||
        new_pi - *pi > (1u << 31)) {
        core->cnt.db_errors++;
        rdo_core_guest_error(core, RDO_ERR_DB_BAD_OBJECT,
                             ((uint64_t)page << RDO_DB_PAGE_SHIFT) + reg,
                             "Ethernet %s doorbell: queue %u pi %u refused",
                             reg == RDO_DB_ETH_TXQ ? "TXQ" : "RXQ", qn, new_pi);
        return false;
    }
    *pi = new_pi;
    return true;
}

void rdo_eth_txq_doorbell(RdoCore *core, uint16_t page, uint32_t qn, uint32_t pi)
{
    RdoEthTxq *q = &core->st->eth->txq[qn < RDO_ETH_MAX_TXQ ? qn : 0];

    if (queue_doorbell(core, page, RDO_DB_ETH_TXQ, qn < RDO_ETH_MAX_TXQ && q->valid,
                       q->db_page, &q->ring, q->ci, &q->pi, qn, pi)) {
        rdo_eth_tx_run(core);
    }
}

void rdo_eth_rxq_doorbell(RdoCore *core, uint16_t page, uint32_t qn, uint32_t pi)
{
    RdoEthRxq *q = &core->st->eth->rxq[qn < RDO_ETH_MAX_RXQ ? qn : 0];

    queue_doorbell(core, page, RDO_DB_ETH_RXQ, qn < RDO_ETH_MAX_RXQ && q->valid,
                   q->db_page, &q->ring, q->ci, &q->pi, qn, pi);
}
