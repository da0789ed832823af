/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core, base layer: FIFOs of object numbers (the QPs with
 * send work, an ACK, responses or payload to place; the CQs with a
 * moderated event due). A ring of 32-bit numbers that doubles when full
 * and never shrinks: the steady state allocates nothing, where a GQueue
 * took a list node per push (four a message).
 */
#include "base/base.h"

/* Full: twice the room (64 at first). */
void rdo_idxq_grow(RdoIdxQueue *q)
{
    uint32_t cap = q->cap ? 2 * q->cap : 64;
    uint32_t *v = g_new(uint32_t, cap);

    /* Unwrapped into the new ring, oldest first. */
    for (uint32_t i = 0; i < q->len; i++) {
        v[i] = rdo_idxq_nth(q, i);
    }
    g_free(q->v);
    q->v = v;
    q->head = 0;
    q->cap = cap;
}

bool rdo_idxq_contains(const RdoIdxQueue *q, uint32_t n)
{
    for (uint32_t i = 0; i < q->len; i++) {
        if (rdo_idxq_nth(q, i) == n) {
            return true;
        }
    }
    return false;
}

void rdo_idxq_free(RdoIdxQueue *q)
{
    g_free(q->v);
    memset(q, 0, sizeof(*q));
}
