/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the requester's records of the work requests it took
 * from its send queue: done with a status, released when no list holds
 * them (into a pool for the next), kept in lists through nodes of their
 * own, the oldest READ or atomic waiting for its response.
 */
#include <string.h>
#include "xport/transport.h"

void rdo_rec_done(RdoXport *x, RdoSendRec *rec, uint8_t status,
                  uint32_t vendor_err)
{
    if (rec->done) {
        return;
    }
    if (rdo_rec_read_like(rec) && rec->npkts && x->req.rd_inflight) {
        x->req.rd_inflight--;
    }
    rec->done = true;
    rec->status = status;
    rec->vendor_err = vendor_err;
}

RdoSendRec *rdo_rec_new(RdoState *st)
{
    RdoSendRec *rec;

    if (!st->rec_free || !st->rec_free->len) {
        return g_new0(RdoSendRec, 1);
    }
    rec = g_ptr_array_steal_index_fast(st->rec_free, st->rec_free->len - 1);
    memset(rec, 0, sizeof(*rec));
    return rec;
}

void rdo_rec_unref(RdoState *st, RdoSendRec *rec)
{
    if (!--rec->refs) {
        rdo_rec_put(st, rec);
    }
}

void rdo_rec_put(RdoState *st, RdoSendRec *rec)
{
    rdo_tx_hold_release(st, rec);
    if (!st->rec_free) {
        st->rec_free = g_ptr_array_new_with_free_func(g_free);
    }
    g_ptr_array_add(st->rec_free, rec);
}

void rdo_rec_pool_free(RdoState *st)
{
    if (st->rec_free) {
        g_ptr_array_unref(st->rec_free);
        st->rec_free = NULL;
    }
}

void rdo_rec_push(GQueue *q, RdoSendRec *rec)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(rec->link); i++) {
        if (!rec->link[i].data) {
            rec->link[i].data = rec;
            g_queue_push_tail_link(q, &rec->link[i]);
            return;
        }
    }
    g_queue_push_tail(q, rec);
}

RdoSendRec *rdo_rec_pop(GQueue *q)
{
    GList *l = g_queue_pop_head_link(q);
    RdoSendRec *rec;

    if (!l) {
        return NULL;
    }
    rec = l->data;
    if (l >= rec->link && l < rec->link + G_N_ELEMENTS(rec->link)) {
        l->data = NULL;         /* its own node: free again */
        l->next = l->prev = NULL;
    } else {
        g_list_free_1(l);
    }
    return rec;
}

void rdo_rec_clear(RdoState *st, GQueue *q)
{
    RdoSendRec *rec;

    while ((rec = rdo_rec_pop(q))) {
        rdo_rec_unref(st, rec);
    }
}

/* The oldest READ or atomic still waiting for its response. */
RdoSendRec *rdo_rec_oldest_read(RdoXport *x, guint *index)
{
    guint i = 0;

    for (GList *l = x->req.sent.head; l; l = l->next, i++) {
        RdoSendRec *rec = l->data;

        if (!rec->done && rdo_rec_read_like(rec)) {
            *index = i;
            return rec;
        }
    }
    return NULL;
}
