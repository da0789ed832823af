/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the physical ports (docs/programming-model.md "Two
 * ports"). Port 1 keeps its state where a one-port device always had it
 * (RdoState.port_mtu, port_mac, gids; RdoCore.link_up), port 2 in
 * RdoState.port2. Both feed one transmit and one receive pipeline; a frame
 * leaves by the port whose MAC is its source address, so nothing between
 * the transport and the wire has to carry a port number.
 */
#include <string.h>
#include "base/base.h"

bool rdo_port_valid(const RdoCore *core, unsigned port)
{
    return port >= 1 && port <= MAX(core->cfg.ports, 1);
}

RDO_HOT
RdoGid *rdo_port_gids(RdoCore *core, unsigned port)
{
    return port == 2 ? core->st->port2.gids : core->st->gids;
}

uint32_t rdo_port_mtu(RdoCore *core, unsigned port)
{
    return port == 2 ? core->st->port2.mtu : core->st->port_mtu;
}

RDO_HOT
bool rdo_port_link(const RdoCore *core, unsigned port)
{
    return port == 2 ? core->link2_up : core->link_up;
}

unsigned rdo_mac_port(RdoCore *core, const uint8_t *mac)
{
    if (core->cfg.ports == 2 && !memcmp(mac, core->st->port2.mac, 6)) {
        return 2;
    }
    return !memcmp(mac, core->st->port_mac, 6) ? 1 : 0;
}

void rdo_port2_init(RdoCore *core, uint32_t gids)
{
    RdoPort2 *p = &core->st->port2;

    memset(p, 0, sizeof(*p));
    p->mtu = 1500;
    memcpy(p->mac, core->cfg.mac2, 6);
    p->gids = g_new0(RdoGid, gids);
}

void rdo_port2_free(RdoCore *core)
{
    g_free(core->st->port2.gids);
    core->st->port2.gids = NULL;
}
