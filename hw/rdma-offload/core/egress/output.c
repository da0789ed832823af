/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the port's internal loopback. A unicast frame to the
 * port's own MAC address turns around inside the device instead of going
 * to the network, as on real RoCE adapters: two QPs of one device (or one
 * QP to itself) talk with no peer and no switch, e.g. a server and a
 * client in one guest. It leaves after the transmit pipeline, the link and
 * the fault injection, like any frame, and enters the receive path at the
 * next wake-up: the core is never re-entered from its own transmit.
 */
#include <string.h>
#include "egress/egress.h"

void rdo_loopback_init(RdoCore *core)
{
    core->st->loopback = g_new0(RdoLoopback, 1);
    g_queue_init(&core->st->loopback->frames);
}

void rdo_loopback_free(RdoCore *core)
{
    g_queue_clear_full(&core->st->loopback->frames,
                       (GDestroyNotify)g_bytes_unref);
    g_free(core->st->loopback);
    core->st->loopback = NULL;
}

void rdo_port_output(RdoCore *core, const void *frame, size_t len)
{
    RdoState *st = core->st;

    if (core->sriov) {
        rdo_switch_output(core, frame, len);
        return;
    }
    if (len < RDO_ETH_ALEN || memcmp(frame, st->port_mac, RDO_ETH_ALEN)) {
        core->ops->send_frame(core->host, frame, len);
        return;
    }
    core->cnt.loopback_frames++;
    g_queue_push_tail(&st->loopback->frames, g_bytes_new(frame, len));
    rdo_core_schedule(core, core->ops->now_ns(core->host));
}

/* Timed frames and interrupts whose time has come leave the device. */
void rdo_egress_release(RdoCore *core)
{
    RdoTiming *t = core->st->tm;
    uint64_t now;
    RdoTmFrame *f;
    RdoTmIrq *irq;

    if (!t) {
        return;
    }
    now = rdo_tm_now_ps(core);
    while ((f = g_queue_peek_head(&t->egress)) && f->due_ps <= now) {
        g_queue_pop_head(&t->egress);
        rdo_port_output(core, f->data, f->len);
        rdo_tm_frame_free(f);
    }
    if (f) {
        rdo_tm_schedule(core, f->due_ps);
    }
    while ((irq = g_queue_peek_head(&t->irqs)) && irq->due_ps <= now) {
        g_queue_pop_head(&t->irqs);
        core->ops->raise_irq(core->host, irq->vector);
        g_free(irq);
    }
    if (irq) {
        rdo_tm_schedule(core, irq->due_ps);
    }
}
