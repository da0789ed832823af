/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the internal loopback's way in. Frames the port turned
 * around (egress/output.c: addressed to the port's own MAC), or that
 * another function of an SR-IOV adapter sent it (egress/switch.c), enter the
 * receive path at the next wake-up, so the core is never re-entered from its
 * own transmit.
 */
#include "ingress/ingress.h"

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
}
