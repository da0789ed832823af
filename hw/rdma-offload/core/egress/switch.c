/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the switch between the port and the functions of an
 * SR-IOV adapter (the PF and its enabled VFs), on destination MAC. A frame
 * a function sends to another function's MAC (its own included) turns
 * around inside the adapter, through that function's loopback queue: it
 * enters the receive path at that function's next wake-up, so no core is
 * re-entered from another's transmit. Broadcast and multicast go to the
 * port and every other function; the rest to the port. Frames from the
 * port go to the function that owns their MAC, broadcast and multicast to
 * every function. A connection moved to another function (MOVE_QP) keeps
 * its home function's MAC: a RoCE frame to that MAC and QP goes to the
 * function the connection lives at (none if that one went away).
 */
#include <string.h>
#include "egress/egress.h"

/* Into `to`'s receive path at its next wake-up. */
static void switch_deliver(RdoCore *to, const void *frame, size_t len)
{
    if (!to->st->enabled || rdo_core_is_fatal(to)) {
        to->rx_frames_ignored++;
        return;
    }
    to->cnt.loopback_frames++;
    g_queue_push_tail(&to->st->loopback->frames, g_bytes_new(frame, len));
    rdo_side_work(to);
    rdo_core_schedule(to, to->ops->now_ns(to->host));
}

/* The moved connection a unicast frame is for, or NULL. */
static RdoMoved *moved_for(RdoSriov *sr, const void *frame, size_t len)
{
    uint32_t qpn;

    return sr->nmoved && rdo_wire_peek_qpn(frame, len, &qpn) ?
           rdo_moved_by_mac(sr, frame, qpn) : NULL;
}

bool rdo_switch_moved(RdoCore *core, const void *frame, size_t len)
{
    RdoSriov *sr = core->sriov;
    RdoMoved *m = sr ? moved_for(sr, frame, len) : NULL;

    if (!m || m->at == core->fn) {
        return false;
    }
    if (sr->fn[m->at]) {
        switch_deliver(sr->fn[m->at], frame, len);
    }
    return true;
}

void rdo_switch_output(RdoCore *core, const void *frame, size_t len)
{
    RdoSriov *sr = core->sriov;
    RdoCore *pf = sr->fn[0];
    const uint8_t *dst = frame;
    RdoMoved *m;
    RdoCore *to;

    if (len >= RDO_ETH_ALEN && !(dst[0] & 1) &&
        (m = moved_for(sr, frame, len))) {
        if (sr->fn[m->at]) {
            switch_deliver(sr->fn[m->at], frame, len);
        }
        return;
    }
    if (len >= RDO_ETH_ALEN && (dst[0] & 1)) {
        for (uint32_t n = 0; n <= sr->max_vfs; n++) {
            if (sr->fn[n] && sr->fn[n] != core) {
                switch_deliver(sr->fn[n], frame, len);
            }
        }
    } else if (len >= RDO_ETH_ALEN && (to = rdo_sriov_fn_by_mac(sr, dst))) {
        switch_deliver(to, frame, len);
        return;
    }
    pf->ops->send_frame(pf->host, frame, len);
}

bool rdo_switch_input(RdoCore *pf, const void *frame, size_t len)
{
    RdoSriov *sr = pf->sriov;
    const uint8_t *dst = frame;
    RdoMoved *m;
    RdoCore *to;

    if (len < RDO_ETH_ALEN) {
        return false;
    }
    if (dst[0] & 1) {
        for (uint32_t n = 1; n <= sr->max_vfs; n++) {
            if (sr->fn[n]) {
                switch_deliver(sr->fn[n], frame, len);
            }
        }
        return false;
    }
    m = moved_for(sr, frame, len);
    if (m) {
        to = sr->fn[m->at];
        if (to && to != pf) {
            switch_deliver(to, frame, len);
        }
        return to != pf;
    }
    to = rdo_sriov_fn_by_mac(sr, dst);
    if (!to || to == pf) {
        return false;
    }
    switch_deliver(to, frame, len);
    return true;
}
