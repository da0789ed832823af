/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: flow steering and keyed Ethernet queues in the state
 * stream (section 47), apart from the Ethernet section (14) so that a
 * stream without either is what it was: which TXQs and RXQs are keyed and
 * their PD, and the function's flow-steering rules. Both are hard state:
 * the driver set them once and a raw-packet QP's traffic depends on them.
 */
#include <string.h>
#include "eth/eth.h"
#include "state/state.h"

static uint32_t keyed_txqs(const RdoEth *eth)
{
    uint32_t n = 0;

    for (uint32_t i = 0; i < RDO_ETH_MAX_TXQ; i++) {
        n += eth->txq[i].valid && eth->txq[i].keyed;
    }
    return n;
}

static uint32_t keyed_rxqs(const RdoEth *eth)
{
    uint32_t n = 0;

    for (uint32_t i = 0; i < RDO_ETH_MAX_RXQ; i++) {
        n += eth->rxq[i].valid && eth->rxq[i].keyed;
    }
    return n;
}

static bool steer_needed(RdoCore *core)
{
    const RdoEth *eth = core->st->eth;

    return eth->nrules || keyed_txqs(eth) || keyed_rxqs(eth);
}

static void steer_save(RdoCore *core, RdoOut *o)
{
    const RdoEth *eth = core->st->eth;

    rdo_out_u32(o, keyed_txqs(eth));
    for (uint32_t i = 0; i < RDO_ETH_MAX_TXQ; i++) {
        if (eth->txq[i].valid && eth->txq[i].keyed) {
            rdo_out_u32(o, i);
            rdo_out_u32(o, eth->txq[i].pdn);
        }
    }
    rdo_out_u32(o, keyed_rxqs(eth));
    for (uint32_t i = 0; i < RDO_ETH_MAX_RXQ; i++) {
        if (eth->rxq[i].valid && eth->rxq[i].keyed) {
            rdo_out_u32(o, i);
            rdo_out_u32(o, eth->rxq[i].pdn);
        }
    }
    rdo_out_u32(o, eth->nrules);
    for (uint32_t i = 0; i < RDO_ETH_FLOW_RULES; i++) {
        if (eth->rules[i].valid) {
            rdo_out_u32(o, i);
            rdo_out_u8(o, eth->rules[i].rxq);
            rdo_out_bytes(o, &eth->rules[i].m, sizeof(eth->rules[i].m));
        }
    }
}

/* A keyed queue: it exists (section 14) and its PD does (the PD section
 * counted the queue among the PD's users). */
static void keyed_load(RdoCore *core, RdoIn *in, bool tx)
{
    RdoEth *eth = core->st->eth;
    uint32_t max = tx ? RDO_ETH_MAX_TXQ : RDO_ETH_MAX_RXQ;
    uint32_t n = rdo_in_count(in, max, 8, tx ? "keyed TXQs" : "keyed RXQs");

    for (uint32_t k = 0; k < n && rdo_in_ok(in); k++) {
        uint32_t qn = rdo_in_index(in, max, tx ? "TXQ" : "RXQ");
        uint32_t pdn = rdo_in_u32(in);
        bool valid = tx ? eth->txq[qn].valid : eth->rxq[qn].valid;

        if (!rdo_in_check(in, valid && pdn < core->cfg.max_pd &&
                          core->st->pds[pdn].valid, "keyed %s %u: queue or "
                          "PD %u does not exist", tx ? "TXQ" : "RXQ", qn, pdn)) {
            return;
        }
        if (tx) {
            eth->txq[qn].keyed = true;
            eth->txq[qn].pdn = pdn;
        } else {
            eth->rxq[qn].keyed = true;
            eth->rxq[qn].pdn = pdn;
        }
    }
}

static void steer_load(RdoCore *core, RdoIn *in)
{
    RdoEth *eth = core->st->eth;
    uint32_t n;

    keyed_load(core, in, true);
    keyed_load(core, in, false);
    n = rdo_in_count(in, RDO_ETH_FLOW_RULES,
                     5 + sizeof(struct rdo_cmd_create_flow_rule), "flow rules");
    for (uint32_t k = 0; k < n && rdo_in_ok(in); k++) {
        uint32_t i = rdo_in_index(in, RDO_ETH_FLOW_RULES, "flow rule");
        RdoFlowRule r = { .valid = true, .rxq = rdo_in_u8(in) };
        bool twin = false;

        rdo_in_bytes(in, &r.m, sizeof(r.m));
        for (uint32_t j = 0; j < RDO_ETH_FLOW_RULES; j++) {
            twin |= eth->rules[j].valid && eth->rules[j].rxq == r.rxq &&
                    !memcmp(&eth->rules[j].m, &r.m, sizeof(r.m));
        }
        if (rdo_in_check(in, !eth->rules[i].valid && !twin, "flow rule %u "
                         "twice, or its match twice on one RXQ", i) &&
            rdo_in_check(in, r.rxq < RDO_ETH_MAX_RXQ && eth->rxq[r.rxq].valid,
                         "flow rule %u: RXQ %u does not exist", i, r.rxq) &&
            rdo_in_check(in, rdo_flow_rule_check(&r.m) == RDO_CQP_OK,
                         "flow rule %u: a match the command refuses", i)) {
            eth->rules[i] = r;
            eth->nrules++;
        }
    }
}

const RdoSection rdo_state_steer_sections[] = {
    { 47, 0, "eth-steer", steer_needed, steer_save, steer_load },
    { 0 }
};
