/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core, timing model: the frames the model holds (on their
 * way to the wire, or waiting in the receive FIFO) live in buffers of the
 * adapter's pool, taken and given back, never allocated per frame. The
 * transport builds its packets straight into the pool's next buffer
 * (rdo_tm_build_buf), so that a frame leaves for the link without a copy;
 * a frame from elsewhere (the Ethernet function, the wire) is copied in
 * once. A frame the host takes with its time (send_frame_at) needs no
 * buffer: the host copies it from the build buffer, which stays the
 * transport's for its next packet.
 */
#include "timing/timing.h"

/* Buffers kept for reuse beyond those in flight: enough for a full egress
 * FIFO and a burst of received frames; more are freed when they return. */
#define POOL_KEEP       512

static RdoTmFrame *pool_get(RdoTiming *t, size_t len)
{
    RdoTmFrame *f = t->pool;

    if (f && len <= RDO_TM_FRAME_CAP) {
        t->pool = f->next;
        t->pool_len--;
    } else {
        /* Jumbo Ethernet frames get a buffer of their own size. */
        f = g_malloc(sizeof(*f) + MAX(len, RDO_TM_FRAME_CAP));
        f->cap = MAX(len, RDO_TM_FRAME_CAP);
    }
    f->next = NULL;
    f->prefetched = false;
    f->port = 1;
    return f;
}

void rdo_tm_frame_put(RdoTiming *t, RdoTmFrame *f)
{
    if (f->cap != RDO_TM_FRAME_CAP || t->pool_len >= POOL_KEEP) {
        g_free(f);
        return;
    }
    f->next = t->pool;
    t->pool = f;
    t->pool_len++;
}

RdoTmFrame *rdo_tm_frame_new(RdoTiming *t, const void *frame, size_t len,
                             uint64_t due_ps)
{
    RdoTmFrame *f;

    if (t->building && frame == t->building->data) {
        /* Built in place: it leaves as it is, the next one gets a buffer. */
        f = t->building;
        t->building = NULL;
    } else {
        f = pool_get(t, len);
        memcpy(f->data, frame, len);
    }
    f->due_ps = due_ps;
    f->len = len;
    f->prefetched = false;
    f->port = 1;
    return f;
}

uint8_t *rdo_tm_build_buf_new(RdoTiming *t)
{
    t->building = pool_get(t, RDO_TM_FRAME_CAP);
    return t->building->data;
}

void rdo_tm_fifo_push(RdoTmFifo *q, RdoTmFrame *f)
{
    f->next = NULL;
    if (q->tail) {
        q->tail->next = f;
    } else {
        q->head = f;
    }
    q->tail = f;
    q->len++;
}

RdoTmFrame *rdo_tm_fifo_pop(RdoTmFifo *q)
{
    RdoTmFrame *f = q->head;

    if (f) {
        q->head = f->next;
        if (!q->head) {
            q->tail = NULL;
        }
        q->len--;
    }
    return f;
}

void rdo_tm_frames_free(RdoTiming *t)
{
    RdoTmFrame *f;

    while ((f = rdo_tm_fifo_pop(&t->egress)) || (f = rdo_tm_fifo_pop(&t->egress2)) ||
           (f = rdo_tm_fifo_pop(&t->rx_fifo))) {
        g_free(f);
    }
    while ((f = t->pool)) {
        t->pool = f->next;
        g_free(f);
    }
    t->pool_len = 0;
    g_free(t->building);
    t->building = NULL;
}
