/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the second port (ports = 2) in the state stream, its
 * own section (42) so that a one-port device's stream is what it was: the
 * port's MTU, MAC, GID table, link and counters. A QP's port lives in its
 * context, which travels with the context store.
 */
#include <string.h>
#include "eth/eth.h"
#include "state/state.h"

static bool port2_needed(RdoCore *core)
{
    return core->cfg.ports == 2;
}

/* The Ethernet RXQs that take port 2's frames, a bit each. */
static uint32_t port2_rxqs(RdoCore *core)
{
    uint32_t bits = 0;

    for (uint32_t i = 0; i < RDO_ETH_MAX_RXQ; i++) {
        bits |= (uint32_t)(core->st->eth->rxq[i].port == 2) << i;
    }
    return bits;
}

static void port2_save(RdoCore *core, RdoOut *o)
{
    const RdoPort2 *p = &core->st->port2;

    rdo_out_u8(o, core->link2_up);
    rdo_out_u32(o, p->mtu);
    rdo_out_bytes(o, p->mac, 6);
    rdo_out_u64(o, p->cnt.tx_packets);
    rdo_out_u64(o, p->cnt.rx_packets);
    rdo_out_u64(o, p->cnt.rx_icrc_errors);
    rdo_out_u64(o, p->cnt.rx_drops);
    rdo_state_gids_save(o, p->gids, core->cfg.max_gid);
    rdo_out_u32(o, port2_rxqs(core));
}

static void port2_load(RdoCore *core, RdoIn *in)
{
    RdoPort2 *p = &core->st->port2;
    uint32_t rxqs;

    /* The destination's backend decides the link, as for port 1. */
    core->link2_up = rdo_in_bool(in) && core->cfg.has_port2;
    p->mtu = rdo_in_u32(in);
    rdo_in_bytes(in, p->mac, 6);
    p->cnt.tx_packets = rdo_in_u64(in);
    p->cnt.rx_packets = rdo_in_u64(in);
    p->cnt.rx_icrc_errors = rdo_in_u64(in);
    p->cnt.rx_drops = rdo_in_u64(in);
    if (rdo_in_check(in, p->mtu >= 576 && p->mtu <= 9000, "port 2 MTU %u",
                     p->mtu) &&
        rdo_in_check(in, !(p->mac[0] & 1) &&
                         memcmp(p->mac, core->st->port_mac, 6),
                     "port 2 MAC multicast or port 1's")) {
        rdo_state_gids_load(in, p->gids, core->cfg.max_gid);
    }
    rxqs = rdo_in_u32(in);
    for (uint32_t i = 0; i < RDO_ETH_MAX_RXQ && rdo_in_ok(in); i++) {
        RdoEthRxq *q = &core->st->eth->rxq[i];

        if (rxqs & (1u << i) &&
            rdo_in_check(in, q->valid, "port 2's RXQ %u does not exist", i)) {
            q->port = 2;
        }
    }
    rdo_in_check(in, !(rxqs >> RDO_ETH_MAX_RXQ), "port 2's RXQs 0x%x", rxqs);
}

const RdoSection rdo_state_port2_sections[] = {
    { 42, RDO_SECT_BY_CONFIG, "port2", port2_needed, port2_save, port2_load },
    { 0 }
};
