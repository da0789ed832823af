/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the transmit engine's WQE hold. The engine keeps the
 * parsed WQE of the message it is sending in a small on-chip store across
 * its visits (one packet a visit in timing mode, up to RDO_TX_BUDGET in
 * functional mode), so a message's WQE is read from the ring once, not at
 * every visit. The store has RDO_TX_HOLDS slots, picked by the
 * transmitting QP's number (no memory per QP); a QP taking a slot evicts
 * the record there, which reads its WQE again when next sent.
 *
 * A slot and its record point at each other; either side letting go
 * clears both, so a record freed and reused never finds a stale copy.
 * The requester's receive side uses the same copy for a READ's or an
 * atomic's responses (placing each into the WQE's SGEs).
 */
#include <string.h>
#include "xport/transport.h"

void rdo_tx_hold_init(RdoState *st)
{
    /* A slot by the QP number's low bits; the record keeps slot + 1. */
    G_STATIC_ASSERT((RDO_TX_HOLDS & (RDO_TX_HOLDS - 1)) == 0 &&
                    RDO_TX_HOLDS < 256);
    st->tx_hold = g_new0(RdoTxHold, RDO_TX_HOLDS);
    for (unsigned i = 0; i < RDO_TX_HOLDS; i++) {
        st->tx_hold[i].wqe = g_new0(RdoWqe, 1);
        st->tx_hold[i].mr.list_pages = st->tx_hold[i].list_pages;
    }
}

void rdo_tx_hold_free(RdoState *st)
{
    if (!st->tx_hold) {
        return;
    }
    for (unsigned i = 0; i < RDO_TX_HOLDS; i++) {
        g_free(st->tx_hold[i].wqe);
    }
    g_free(st->tx_hold);
    st->tx_hold = NULL;
}

static void slot_clear(RdoTxHold *h)
{
    if (h->rec) {
        h->rec->hold = 0;
        h->rec = NULL;
    }
}

void rdo_tx_hold_drop_qp(RdoState *st, uint32_t qpn)
{
    if (!st->tx_hold) {
        return;
    }
    for (unsigned i = 0; i < RDO_TX_HOLDS; i++) {
        RdoTxHold *h = &st->tx_hold[i];

        /* Held for the QP sending it, or from its ring (a shared SQ's). */
        if (h->rec && (h->qpn == qpn || h->rec->ring_qpn == qpn)) {
            slot_clear(h);
        }
    }
}

void rdo_tx_hold_drop_all(RdoState *st)
{
    if (!st->tx_hold) {
        return;
    }
    for (unsigned i = 0; i < RDO_TX_HOLDS; i++) {
        slot_clear(&st->tx_hold[i]);
    }
}

const RdoWqe *rdo_rec_wqe_read(RdoCore *core, uint32_t qpn,
                               const RdoQpCtx *qp, RdoSendRec *rec,
                               bool reread, bool evict, uint32_t *vendor_err)
{
    RdoState *st = core->st;
    const RdoTxHold *h = &st->tx_hold[qpn & (RDO_TX_HOLDS - 1)];
    bool hold = evict || !h->rec || h->rec == rec;
    RdoWqe *into = hold ? rdo_tx_hold_claim(st, qpn, rec) : st->wqe_buf;

    if (!rdo_rec_fetch(core, qpn, qp, rec, reread, into, vendor_err)) {
        rdo_tx_hold_release(st, rec);
        return NULL;
    }
    return into;
}
