/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the SENDs buffered receive holds (bufrecv.c), freed:
 * one, or all of a QP's when it goes away. Below the stages that end a
 * QP (complete.c, transport.c), which call it; it calls none of them.
 */
#include "xport/transport.h"

void rdo_held_free(RdoCore *core, RdoHeld *h)
{
    core->st->bufrecv_used -= h->data->len;
    g_byte_array_unref(h->data);
    g_free(h);
}

void rdo_bufrecv_drop(RdoCore *core, uint32_t qpn)
{
    RdoXport *x = &core->st->xport[qpn];

    while (x->held.head) {
        RdoHeld *h = x->held.head;

        x->held.head = h->next;
        core->cnt.bufrecv_dropped += !!(h->flags & RDO_HELD_DONE);
        rdo_held_free(core, h);
    }
    x->held.tail = NULL;
    x->held.open = false;
}
