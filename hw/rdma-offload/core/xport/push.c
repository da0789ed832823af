/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the requester's side of inline push: the pushed copy
 * of a WQE is taken instead of fetching it from the ring (ctrl/push.c keeps
 * the copy the driver wrote into the doorbell page).
 */
#include <string.h>
#include "xport/transport.h"

/* The pushed copy of WQE `index` of a QP, once; false if there is none. */
bool rdo_push_take(RdoCore *core, uint32_t qpn, uint32_t index, uint8_t *buf,
                   uint32_t stride)
{
    RdoXport *x = &core->st->xport[qpn];

    if (!x->req.push_valid || x->req.push_index != index || x->req.push_len > stride) {
        return false;
    }
    x->req.push_valid = false;
    memcpy(buf, x->req.push_wqe, x->req.push_len);
    memset(buf + x->req.push_len, 0, stride - x->req.push_len);
    core->cnt.push_wqes++;
    return true;
}
