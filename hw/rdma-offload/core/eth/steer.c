/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: flow steering. A function's table of rules, each
 * naming some of a frame's fields (destination MAC, ethertype, IP
 * addresses and protocol, TCP/UDP ports) and the RXQ its frames go to
 * instead of the one RSS picks: how one TCP flow reaches a user-space
 * raw-packet queue while the rest stays with the kernel's. Rules see only
 * frames of the Ethernet function, never RoCEv2, and live as long as
 * their RXQ (and the function: a reset empties the table).
 */
#include <string.h>
#include "eth/eth.h"

static bool all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;

    for (size_t i = 0; i < n; i++) {
        if (b[i]) {
            return false;
        }
    }
    return true;
}

/*
 * Unknown mask bits, or a value in a field the mask leaves out:
 * BAD_RESERVED; a mask that cannot match what it says: BAD_PARAM.
 */
int rdo_flow_rule_check(const struct rdo_cmd_create_flow_rule *m)
{
    uint16_t k = m->match;
    bool ip = k & (RDO_FLOW_M_SRC_IP | RDO_FLOW_M_DST_IP);
    size_t alen = (k & RDO_FLOW_M_IPV6) ? 16 : 4;

    if ((k & ~RDO_FLOW_M__ALL) || !all_zero(m->reserved, sizeof(m->reserved)) ||
        (!(k & RDO_FLOW_M_DMAC) && !all_zero(m->dmac, 6)) ||
        (!(k & RDO_FLOW_M_ETHERTYPE) && m->ethertype) ||
        (!(k & RDO_FLOW_M_SRC_IP) && !all_zero(m->src_ip, 16)) ||
        (!(k & RDO_FLOW_M_DST_IP) && !all_zero(m->dst_ip, 16)) ||
        (!(k & RDO_FLOW_M_IP_PROTO) && m->ip_proto) ||
        (!(k & RDO_FLOW_M_SRC_PORT) && m->src_port) ||
        (!(k & RDO_FLOW_M_DST_PORT) && m->dst_port) ||
        !all_zero(m->src_ip + alen, 16 - alen) ||
        !all_zero(m->dst_ip + alen, 16 - alen)) {
        return RDO_CQP_BAD_RESERVED;
    }
    if (!k || m->priority > RDO_ETH_FLOW_PRIO_MAX ||
        ((k & RDO_FLOW_M_IPV6) && !ip)) {
        return RDO_CQP_BAD_PARAM;
    }
    /* Ports only of a protocol that has them, named by the rule. */
    if ((k & (RDO_FLOW_M_SRC_PORT | RDO_FLOW_M_DST_PORT)) &&
        (!(k & RDO_FLOW_M_IP_PROTO) ||
         (m->ip_proto != RDO_IPPROTO_TCP && m->ip_proto != RDO_IPPROTO_UDP))) {
        return RDO_CQP_BAD_PARAM;
    }
    /* An ethertype that contradicts the IP fields matches nothing. */
    if ((k & RDO_FLOW_M_ETHERTYPE) && ip &&
        m->ethertype != (alen == 16 ? RDO_ETHERTYPE_IPV6 : RDO_ETHERTYPE_IPV4)) {
        return RDO_CQP_BAD_PARAM;
    }
    if ((k & RDO_FLOW_M_ETHERTYPE) && (k & RDO_FLOW_M_IP_PROTO) &&
        m->ethertype != RDO_ETHERTYPE_IPV4 && m->ethertype != RDO_ETHERTYPE_IPV6) {
        return RDO_CQP_BAD_PARAM;
    }
    /* RoCEv2 stays on the RDMA path: such a rule could never match. */
    if ((k & RDO_FLOW_M_DST_PORT) && m->ip_proto == RDO_IPPROTO_UDP &&
        m->dst_port == RDO_ROCE_UDP_PORT) {
        return RDO_CQP_BAD_PARAM;
    }
    return RDO_CQP_OK;
}

static int refuse(RdoCore *core, uint32_t obj, uint16_t match, int st,
                  const char *why)
{
    rdo_guest_error(core, RDO_GE_FLOW_RULE_REFUSED, obj, match,
                    "flow rule command on %u refused: %s", obj, why);
    return st;
}

static int create_rule(RdoCore *core, const struct rdo_cqp_cmd *cmd,
                       uint32_t *result)
{
    const struct rdo_cmd_create_flow_rule *m = &cmd->u.flow_rule;
    RdoEth *eth = core->st->eth;
    uint32_t free_n = RDO_NONE;
    int st = rdo_flow_rule_check(m);

    if (st != RDO_CQP_OK) {
        return refuse(core, cmd->obj, m->match, st,
                      "mask bits, fields outside the mask or a match that "
                      "cannot hold");
    }
    if (cmd->obj >= RDO_ETH_MAX_RXQ) {
        return refuse(core, cmd->obj, m->match, RDO_CQP_BAD_INDEX,
                      "not an RXQ number");
    }
    if (!eth->rxq[cmd->obj].valid) {
        return refuse(core, cmd->obj, m->match, RDO_CQP_NOT_FOUND,
                      "the function has no such RXQ");
    }
    for (uint32_t i = 0; i < RDO_ETH_FLOW_RULES; i++) {
        if (!eth->rules[i].valid) {
            free_n = MIN(free_n, i);
        } else if (eth->rules[i].rxq == cmd->obj &&
                   !memcmp(&eth->rules[i].m, m, sizeof(*m))) {
            return refuse(core, cmd->obj, m->match, RDO_CQP_EXISTS,
                          "the RXQ has a rule with the same match and priority");
        }
    }
    if (free_n == RDO_NONE) {
        return refuse(core, cmd->obj, m->match, RDO_CQP_NO_RESOURCES,
                      "the rule table is full");
    }
    eth->rules[free_n] = (RdoFlowRule){ .valid = true, .rxq = cmd->obj, .m = *m };
    eth->nrules++;
    *result = free_n;
    return RDO_CQP_OK;
}

int rdo_cmd_flow_rule(RdoCore *core, const struct rdo_cqp_cmd *cmd,
                      uint32_t *result)
{
    RdoEth *eth = core->st->eth;

    if (cmd->opcode == RDO_CMD_CREATE_FLOW_RULE) {
        return create_rule(core, cmd, result);
    }
    if (!all_zero(&cmd->u, sizeof(cmd->u))) {
        return refuse(core, cmd->obj, 0, RDO_CQP_BAD_RESERVED,
                      "arguments of a destroy not 0");
    }
    if (cmd->obj >= RDO_ETH_FLOW_RULES) {
        return refuse(core, cmd->obj, 0, RDO_CQP_BAD_INDEX,
                      "not a rule number");
    }
    if (!eth->rules[cmd->obj].valid) {
        return refuse(core, cmd->obj, 0, RDO_CQP_NOT_FOUND, "no such rule");
    }
    eth->rules[cmd->obj].valid = false;
    eth->nrules--;
    return RDO_CQP_OK;
}

void rdo_eth_rules_drop_rxq(RdoCore *core, uint32_t qn)
{
    RdoEth *eth = core->st->eth;

    for (uint32_t i = 0; i < RDO_ETH_FLOW_RULES; i++) {
        if (eth->rules[i].valid && eth->rules[i].rxq == qn) {
            eth->rules[i].valid = false;
            eth->nrules--;
        }
    }
}

static bool rule_matches(const struct rdo_cmd_create_flow_rule *m,
                         const uint8_t *f, const RdoEthHdrs *h)
{
    uint16_t k = m->match;
    const uint8_t *ip = f + h->l3_off;
    bool v6 = k & RDO_FLOW_M_IPV6;
    size_t alen = v6 ? 16 : 4;

    if (((k & RDO_FLOW_M_DMAC) && memcmp(f, m->dmac, RDO_ETH_ALEN)) ||
        ((k & RDO_FLOW_M_ETHERTYPE) && h->ethertype != m->ethertype)) {
        return false;
    }
    if (k & (RDO_FLOW_M_SRC_IP | RDO_FLOW_M_DST_IP)) {
        const uint8_t *src = ip + (v6 ? 8 : 12);

        if ((v6 ? !h->ipv6 : !h->ipv4) ||
            ((k & RDO_FLOW_M_SRC_IP) && memcmp(src, m->src_ip, alen)) ||
            ((k & RDO_FLOW_M_DST_IP) && memcmp(src + alen, m->dst_ip, alen))) {
            return false;
        }
    }
    if ((k & RDO_FLOW_M_IP_PROTO) &&
        (!(h->ipv4 || h->ipv6) || ip[h->ipv4 ? 9 : 6] != m->ip_proto)) {
        return false;
    }
    /* A fragment or a truncated L4 header has no ports (l4_proto 0). */
    if (k & (RDO_FLOW_M_SRC_PORT | RDO_FLOW_M_DST_PORT)) {
        if (h->l4_proto != m->ip_proto ||
            ((k & RDO_FLOW_M_SRC_PORT) &&
             rdo_get_be16(f + h->l4_off) != m->src_port) ||
            ((k & RDO_FLOW_M_DST_PORT) &&
             rdo_get_be16(f + h->l4_off + 2) != m->dst_port)) {
            return false;
        }
    }
    return true;
}

/*
 * The best matching rule (lowest priority value; of equals, the lowest
 * rule number) decides; every RXQ with a rule of the very same match and
 * priority gets a copy too, as a NIC adds destinations to one flow entry
 * when two raw QPs ask for the same flow.
 */
unsigned rdo_eth_steer(RdoCore *core, unsigned port, uint32_t skip_rxq,
                       const uint8_t *frame, const RdoEthHdrs *h,
                       uint32_t qns[RDO_ETH_MAX_RXQ])
{
    RdoEth *eth = core->st->eth;
    uint32_t best = RDO_NONE;
    unsigned n = 0;

    if (!eth->nrules) {
        return 0;
    }
    for (uint32_t i = 0; i < RDO_ETH_FLOW_RULES; i++) {
        const RdoFlowRule *r = &eth->rules[i];

        if (r->valid && eth->rxq[r->rxq].port == port && r->rxq != skip_rxq &&
            (best == RDO_NONE || r->m.priority < eth->rules[best].m.priority) &&
            rule_matches(&r->m, frame, h)) {
            best = i;
        }
    }
    if (best == RDO_NONE) {
        return 0;
    }
    qns[n++] = eth->rules[best].rxq;
    for (uint32_t i = 0; i < RDO_ETH_FLOW_RULES && n < RDO_ETH_MAX_RXQ; i++) {
        const RdoFlowRule *r = &eth->rules[i];

        if (i != best && r->valid && eth->rxq[r->rxq].port == port &&
            r->rxq != skip_rxq &&
            !memcmp(&r->m, &eth->rules[best].m, sizeof(r->m))) {
            qns[n++] = r->rxq;
        }
    }
    core->cnt.eth_steered++;
    return n;
}
