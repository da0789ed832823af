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
#include "rdo-internal.h"
#include "transport.h"

void rdo_loopback_init(RdoCore *core)
{
    g_queue_init(&core->st->loopback);
}

void rdo_loopback_free(RdoCore *core)
{
    g_queue_clear_full(&core->st->loopback, (GDestroyNotify)g_bytes_unref);
}

void rdo_port_output(RdoCore *core, const void *frame, size_t len)
{
    RdoState *st = core->st;

    if (len < RDO_ETH_ALEN || memcmp(frame, st->port_mac, RDO_ETH_ALEN)) {
        core->ops->send_frame(core->host, frame, len);
        return;
    }
    core->cnt.loopback_frames++;
    g_queue_push_tail(&st->loopback, g_bytes_new(frame, len));
    rdo_core_schedule(core, core->ops->now_ns(core->host));
}

void rdo_loopback_run(RdoCore *core)
{
    GQueue *q = &core->st->loopback;
    guint n = g_queue_get_length(q);

    /* Only the frames already turned around: answers they cause wait for
     * the next wake-up, which their rdo_port_output() asked for. */
    while (n-- && !g_queue_is_empty(q)) {
        GBytes *frame = g_queue_pop_head(q);
        gsize len;
        const void *data = g_bytes_get_data(frame, &len);

        rdo_core_receive(core, data, len);
        g_bytes_unref(frame);
    }
}
