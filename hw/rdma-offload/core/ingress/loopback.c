/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the internal loopback's way in. Frames the port turned
 * around (egress/output.c: addressed to the port's own MAC), or that
 * another function of an SR-IOV adapter sent it (egress/switch.c), enter the
 * receive path at the next wake-up, so the core is never re-entered from its
 * own transmit. Copies of a keyed TXQ's multicast (eth/tx.c) go to the
 * Ethernet function's steering rules alone.
 */
#include <string.h>
#include "ingress/ingress.h"

/* Each copy to the rule that matches it, if any; none ever to RSS. */
static void raw_run(RdoCore *core)
{
    GQueue *q = &core->st->loopback->raw;

    while (!g_queue_is_empty(q)) {
        GBytes *copy = g_queue_pop_head(q);
        gsize len;
        const uint8_t *data = g_bytes_get_data(copy, &len);
        RdoRawLoopHdr hdr;

        memcpy(&hdr, data, sizeof(hdr));
        if (core->st->enabled) {
            rdo_eth_receive_looped(core, hdr.port, hdr.from_txq,
                                   data + sizeof(hdr), len - sizeof(hdr));
        }
        g_bytes_unref(copy);
    }
}

void rdo_loopback_run(RdoCore *core)
{
    GQueue *q = &core->st->loopback->frames;
    guint n = g_queue_get_length(q);

    /* Only the frames already turned around: answers they cause wait for
     * the next wake-up, which their rdo_port_output() asked for. */
    while (n-- && !g_queue_is_empty(q)) {
        GBytes *frame = g_queue_pop_head(q);
        gsize len;
        const void *data = g_bytes_get_data(frame, &len);

        /* Turned around at the port it left by: in by that port. */
        rdo_ingress_frame(core, rdo_frame_port(core, data, len), data, len);
        g_bytes_unref(frame);
    }
    raw_run(core);
}
