/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the requester's records of the work requests it took
 * from its send queue: done with a status, released when no list holds
 * them, the oldest READ or atomic waiting for its response.
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

void rdo_rec_unref(gpointer p)
{
    RdoSendRec *rec = p;

    if (--rec->refs == 0) {
        g_free(rec);
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
