/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of flow steering and keyed Ethernet queues (the device's half
 * of a raw-packet QP): a 5-tuple rule sends one TCP flow to a keyed RXQ
 * whose buffers lie in an MR over shuffled pages, unaligned and crossing
 * pages, while other flows stay RSS'd over the kernel's RXQs (never the
 * keyed one); LRO on the steered queue; priorities; RoCEv2 never steered;
 * every refusal of the rule commands and of keyed buffers and SGEs, with
 * no byte written outside the buffer; rules gone with their RXQ, with a
 * reset, per function; rules and keyed queues across save and load; a
 * keyed TXQ's multicast back in to the port's own rules (raw loopback);
 * one rule on two RXQs, a copy for each.
 */
#include <string.h>
#include "eth-harness.h"

#define KQ              4       /* the keyed RXQ */
#define KQ2             5       /* a second target, lower priority */
#define KQ_LOG          5
#define MR_SCAT         8       /* MR index of the scattered buffers */
#define SPORT           40000   /* tcp_frame's flow: 10.0.0.1:40000 -> 10.0.0.2:5001 */

typedef struct Rxq {
    uint32_t qn;
    uint64_t ring;
    uint32_t pi;
} Rxq;

static uint8_t rxq_create(EthSide *e, Rxq *q, uint32_t qn, uint8_t flags,
                          uint32_t pdn)
{
    struct rdo_cqp_cmd cmd;

    q->qn = qn;
    q->ring = td_alloc(e->d, sizeof(struct rdo_eth_rx_wqe) << KQ_LOG, 4096);
    q->pi = 0;
    cmd = rdo_cmd_create_eth_rxq(qn, q->ring, KQ_LOG, flags,
                                 (flags & RDO_ETH_RXQ_F_LRO) ? LRO_USEC : 0,
                                 ETH_CQN);
    cmd.u.create_eth_rxq.pdn = pdn;
    return td_cmd(e->d, &cmd).status;
}

static void rxq_post(EthSide *e, Rxq *q, uint64_t wr_id, uint64_t addr,
                     uint32_t len, uint32_t lkey)
{
    struct rdo_eth_rx_wqe w = {
        .wr_id = wr_id, .addr = addr, .length = len, .lkey = lkey,
    };
    uint32_t slot = q->pi++ & ((1u << KQ_LOG) - 1);

    memcpy(td_ptr(e->d, q->ring + slot * sizeof(w)), &w, sizeof(w));
    td_doorbell(e->d, 0, RDO_DB_ETH_RXQ, RDO_DB_VALUE(q->qn, 0, q->pi));
}

/* A rule on the 10.0.0.1 -> 10.0.0.2 TCP 5-tuple from source port sport. */
static struct rdo_cmd_create_flow_rule five_tuple(uint16_t sport, uint8_t prio)
{
    struct rdo_cmd_create_flow_rule m = {
        .match = RDO_FLOW_M_ETHERTYPE | RDO_FLOW_M_SRC_IP | RDO_FLOW_M_DST_IP |
                 RDO_FLOW_M_IP_PROTO | RDO_FLOW_M_SRC_PORT | RDO_FLOW_M_DST_PORT,
        .priority = prio, .ip_proto = 6, .ethertype = 0x0800,
        .src_port = sport, .dst_port = 5001,
    };

    memcpy(m.src_ip, "\x0a\x00\x00\x01", 4);
    memcpy(m.dst_ip, "\x0a\x00\x00\x02", 4);
    return m;
}

static uint8_t rule_create(TestDriver *d, uint32_t rxq,
                           const struct rdo_cmd_create_flow_rule *m,
                           uint32_t *rule)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_new(RDO_CMD_CREATE_FLOW_RULE, rxq);
    struct rdo_cqp_comp c;

    cmd.u.flow_rule = *m;
    c = td_cmd(d, &cmd);
    if (rule) {
        *rule = c.result;
    }
    return c.status;
}

static uint8_t rule_destroy(TestDriver *d, uint32_t rule)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_new(RDO_CMD_DESTROY_FLOW_RULE, rule);

    return td_cmd(d, &cmd).status;
}

static uint32_t reg(EthSide *e, uint32_t r)
{
    return test_reg_read(e->d->h, r);
}


/* What guest memory holds at [va, va + len) of a scattered MR. */
static void scat_read(const RdoScat *r, TestDriver *d, uint64_t va, void *out,
                      uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        ((uint8_t *)out)[i] = *(uint8_t *)td_ptr(d, r->pool +
                                                 rdo_scat_off(r, va + i));
    }
}

/* A scattered MR of side k: 8 shuffled pages, first byte 0x123 into the
 * first, ending 0x321 before the end of the last. */
static void scat_new(EthPair *ep, int k, RdoScat *r, uint32_t index)
{
    rdo_scat_init(r, &ep->p->s[k].rdo, 8, 12, 0x7000000000ull, 0x123, 0x321);
    rdo_scat_reg(r, index, 0x31);
}

/*
 * Steering by 5-tuple to a keyed RXQ, the frame placed through the MR;
 * other flows RSS'd over the kernel's RXQs 0..2 only; a lower-priority
 * rule takes what the first leaves; a UDP rule steers UDP but never RoCE.
 */
static void test_five_tuple(void)
{
    EthPair *ep = eth_pair(0);
    EthSide *rx = &ep->e[1];
    PairSide *s1 = &ep->p->s[1];
    g_autofree uint8_t *f = g_malloc(2048);
    g_autofree uint8_t *got = g_malloc(2048);
    struct rdo_cmd_create_flow_rule m = five_tuple(SPORT, 0), m2 = { 0 };
    uint32_t rss[3] = { 0, 1, 2 }, rule, rule2, steered;
    Rxq k, k2, plain;
    RdoScat r;
    struct rdo_eth_cqe c;
    size_t len;

    scat_new(ep, 1, &r, MR_SCAT);
    for (uint32_t qn = 1; qn <= 2; qn++) {
        g_assert_cmpuint(rxq_create(rx, &plain, qn, 0, 0), ==, RDO_CQP_OK);
        for (uint32_t i = 0; i < 8; i++) {
            rxq_post(rx, &plain, i, td_alloc(rx->d, 2048, 64) + 3, 2000, 0);
        }
    }
    g_assert_cmpuint(rxq_create(rx, &k, KQ, RDO_ETH_RXQ_F_KEYED,
                                s1->layout->pdn), ==, RDO_CQP_OK);
    g_assert_cmpuint(rxq_create(rx, &k2, KQ2, RDO_ETH_RXQ_F_KEYED,
                                s1->layout->pdn), ==, RDO_CQP_OK);
    /* Unaligned buffers, each across a page boundary of the shuffled MR. */
    for (uint32_t i = 0; i < 4; i++) {
        rxq_post(rx, &k, 100 + i, r.iova + 0xe01 + i * 0x1001, 2000, r.key);
        rxq_post(rx, &k2, 200 + i, PAIR_DST + 7 + i * 4096, 2000, s1->mr_key);
    }
    g_assert_cmpuint(rule_create(rx->d, KQ, &m, &rule), ==, RDO_CQP_OK);
    m2.match = RDO_FLOW_M_IP_PROTO | RDO_FLOW_M_DST_PORT;
    m2.ip_proto = 6;
    m2.dst_port = 5001;
    m2.priority = 1;
    g_assert_cmpuint(rule_create(rx->d, KQ2, &m2, &rule2), ==, RDO_CQP_OK);
    g_assert_cmpuint(rule2, !=, rule);
    g_assert_cmpuint(reg(rx, RDO_REG_CNT_ETH_FLOW_RULES), ==, 2);

    /* The flow: RXQ 4, in the first buffer, through the page list. */
    len = rss_frame(ep, f, "10.0.0.1", "10.0.0.2", SPORT, 5001);
    c = eth_deliver(ep, f, len);
    g_assert_cmpuint(c.queue, ==, KQ);
    g_assert_cmpuint(c.wr_id, ==, 100);
    g_assert_true(c.flags & RDO_ETH_CQE_F_TCP);
    rdo_scat_expect(&r, r.iova + 0xe01, f, len);
    /* Another source port: only the priority-1 rule (dst port) matches. */
    len = rss_frame(ep, f, "10.0.0.1", "10.0.0.2", SPORT + 1, 5001);
    c = eth_deliver(ep, f, len);
    g_assert_cmpuint(c.queue, ==, KQ2);
    g_assert_cmpmem(pair_mr_ptr(s1, PAIR_DST + 7), len, f, len);
    /* Other flows: RSS over 0, 1, 2, never a keyed queue. */
    for (uint16_t dport = 6000; dport < 6012; dport++) {
        len = rss_frame(ep, f, "10.0.0.1", "10.0.0.2", SPORT, dport);
        c = eth_deliver(ep, f, len);
        g_assert_cmpuint(c.queue, ==, rss[c.rss_hash % 3]);
    }
    g_assert_cmpuint(reg(rx, RDO_REG_CNT_ETH_STEERED), ==, 2);

    /* The first rule gone: its flow falls to the second. */
    g_assert_cmpuint(rule_destroy(rx->d, rule), ==, RDO_CQP_OK);
    len = rss_frame(ep, f, "10.0.0.1", "10.0.0.2", SPORT, 5001);
    g_assert_cmpuint(eth_deliver(ep, f, len).queue, ==, KQ2);

    /* UDP to 10.0.0.2: a UDP frame is steered, RoCEv2 never. */
    memset(&m2, 0, sizeof(m2));
    m2.match = RDO_FLOW_M_IP_PROTO | RDO_FLOW_M_DST_IP;
    m2.ip_proto = RDO_IPPROTO_UDP;
    memcpy(m2.dst_ip, "\x0a\x00\x00\x02", 4);
    g_assert_cmpuint(rule_create(rx->d, KQ, &m2, NULL), ==, RDO_CQP_OK);
    len = rss_frame(ep, f, "10.0.0.1", "10.0.0.2", 53, 53);
    f[23] = RDO_IPPROTO_UDP;
    put16(f + 38, (uint16_t)(len - 34));
    c = eth_deliver(ep, f, len);
    g_assert_cmpuint(c.queue, ==, KQ);
    scat_read(&r, rx->d, r.iova + 0xe01 + 0x1001, got, len);
    g_assert_cmpmem(got, len, f, len);
    rdo_scat_expect(&r, r.iova + 0xe01 + 0x1001, f, len);
    steered = reg(rx, RDO_REG_CNT_ETH_STEERED);
    {
        const uint32_t wlen = 64 * 1024;
        struct rdo_send_wqe wr = {
            .wr_id = 9, .opcode = RDO_WR_RDMA_WRITE, .flags = RDO_WQE_F_SIGNALED,
            .remote_addr = PAIR_MR_IOVA + wlen, .rkey = s1->mr_key,
        };
        struct rdo_sge sge = { PAIR_MR_IOVA, wlen, ep->p->s[0].mr_key };

        pair_connect(ep->p, 0, RDO_QPT_RC, 3);
        pair_fill(&ep->p->s[0], PAIR_MR_IOVA, wlen, 3);
        pair_post_send(&ep->p->s[0], 0, &wr, &sge, 1, NULL);
        g_assert_true(pair_run_cqes(ep->p, 0, 1, PAIR_SEC));
        g_assert_cmpuint(pair_poll(&ep->p->s[0]).status, ==, RDO_WC_SUCCESS);
        g_assert_cmpmem(pair_mr_ptr(&ep->p->s[0], PAIR_MR_IOVA), wlen,
                        pair_mr_ptr(s1, PAIR_MR_IOVA + wlen), wlen);
    }
    g_assert_cmpuint(reg(rx, RDO_REG_CNT_ETH_STEERED), ==, steered);
    g_assert_cmpuint(eth_poll(rx).opcode, ==, 0);
    /* Nothing of the MR's pool written but the two frames. */
    rdo_scat_assert(&r, "five-tuple steering");
    rdo_scat_free(&r);
    eth_pair_free(ep);
}

/*
 * LRO on a steered keyed RXQ: one flow's in-order segments in one buffer
 * of the scattered MR (flush rules as ever: here PSH), the aggregate's
 * checksums right and its payload in place; another flow's segments go to
 * the kernel's RXQ 0 one by one.
 */
static void test_keyed_lro(void)
{
    EthPair *ep = eth_pair(0);
    EthSide *rx = &ep->e[1];
    struct rdo_cmd_create_flow_rule m = five_tuple(SPORT, 3);
    const uint32_t segs = 6, n = 1000, hlen = 66;
    const uint64_t va = 0x1d7;      /* from the MR's start: unaligned */
    g_autofree uint8_t *agg = g_malloc(hlen + segs * n);
    g_autofree uint8_t *f = g_malloc(2048);
    RdoScat r;
    Rxq k;
    struct rdo_eth_cqe c;

    scat_new(ep, 1, &r, MR_SCAT);
    g_assert_cmpuint(rxq_create(rx, &k, KQ, RDO_ETH_RXQ_F_KEYED | RDO_ETH_RXQ_F_LRO,
                                ep->p->s[1].layout->pdn), ==, RDO_CQP_OK);
    rxq_post(rx, &k, 7, r.iova + va, 16000, r.key);
    g_assert_cmpuint(rule_create(rx->d, KQ, &m, NULL), ==, RDO_CQP_OK);
    for (uint32_t i = 0; i < segs; i++) {
        rx_segment(ep, 5000 + i * n, RDO_TCP_ACK | (i == segs - 1 ? RDO_TCP_PSH : 0),
                   n, 10 + i);
        /* Another flow between them (no time passes: the flush timer
         * does not end the session): not aggregated, on RXQ 0. */
        if (i == 2) {
            size_t len = rss_frame(ep, f, "10.0.0.1", "10.0.0.2", SPORT + 9, 5001);

            rdo_core_receive(&rx->d->h->core, f, len);
            c = eth_poll(rx);
            g_assert_cmpuint(c.queue, ==, 0);
            g_assert_cmpuint(c.lro_segs, ==, 1);
            g_assert_cmpuint(c.byte_len, ==, len);
        }
    }
    c = eth_poll(rx);
    g_assert_cmpuint(c.opcode, ==, RDO_CQE_ETH_RX);
    g_assert_cmpuint(c.status, ==, RDO_WC_SUCCESS);
    g_assert_cmpuint(c.queue, ==, KQ);
    g_assert_cmpuint(c.wr_id, ==, 7);
    g_assert_cmpuint(c.lro_segs, ==, segs);
    g_assert_true(c.flags & RDO_ETH_CQE_F_LRO);
    g_assert_cmpuint(c.byte_len, ==, hlen + segs * n);
    g_assert_cmpuint(eth_poll(rx).opcode, ==, 0);
    scat_read(&r, rx->d, r.iova + va, agg, c.byte_len);
    g_assert_true(ipv4_l4_csum_ok(agg, c.byte_len));
    g_assert_cmpuint(be32(agg + 38), ==, 5000);
    g_assert_true(agg[47] & RDO_TCP_PSH);
    for (uint32_t i = 0; i < segs * n; i++) {
        if (agg[hlen + i] != pattern(5000 + i % n + (i / n) * n)) {
            g_error("payload byte %u", i);
        }
    }
    rdo_scat_expect(&r, r.iova + va, agg, c.byte_len);
    rdo_scat_assert(&r, "keyed LRO");
    g_assert_cmpuint(reg(rx, RDO_REG_CNT_ETH_STEERED), ==, segs);
    g_assert_cmpuint(reg(rx, RDO_REG_CNT_ETH_LRO_FLUSHES), ==, 1);
    rdo_scat_free(&r);
    eth_pair_free(ep);
}

/*
 * The raw-packet path end to end: a 64 KiB TSO send gathered through a
 * keyed TXQ from a scattered MR (16 KiB pages, shuffled), steered on the
 * peer to a keyed LRO RXQ whose buffers (unaligned, across pages) lie in
 * another: the stream comes back whole and in order in a few aggregates,
 * each one valid TCP segment. Prints the aggregation ratio.
 */
static void test_tso_to_keyed_lro(void)
{
    EthPair *ep = eth_pair(0);
    EthSide *tx = &ep->e[0], *rx = &ep->e[1];
    struct rdo_cmd_create_flow_rule m = five_tuple(SPORT, 0);
    const uint32_t n = 64 * 1024, hlen = 66, nseg = (n + MSS - 1) / MSS;
    const uint32_t buf_len = 16000;
    g_autofree uint8_t *data = g_malloc(hlen + n);
    g_autofree uint8_t *got = g_malloc0(n);
    g_autofree uint8_t *agg = g_malloc(buf_len);
    uint32_t bytes = 0, bufs = 0, seq = 1;
    struct rdo_cqp_cmd cmd;
    struct rdo_eth_cqe c;
    RdoScat src, dst;
    Rxq k;

    rdo_scat_init(&src, &ep->p->s[0].rdo, 8, 14, 0x7000000000ull, 0x999, 0x777);
    rdo_scat_reg(&src, MR_SCAT, 0x31);
    rdo_scat_init(&dst, &ep->p->s[1].rdo, 8, 14, 0x7100000000ull, 0x123, 0x321);
    rdo_scat_reg(&dst, MR_SCAT, 0x32);
    g_assert_cmpuint(rxq_create(rx, &k, KQ, RDO_ETH_RXQ_F_KEYED | RDO_ETH_RXQ_F_LRO,
                                ep->p->s[1].layout->pdn), ==, RDO_CQP_OK);
    for (uint32_t i = 0; i < 7; i++) {
        rxq_post(rx, &k, i, dst.iova + 0x3001 + i * (buf_len + 333), buf_len,
                 dst.key);
    }
    g_assert_cmpuint(rule_create(rx->d, KQ, &m, NULL), ==, RDO_CQP_OK);

    cmd = rdo_cmd_create_eth_txq(1, td_alloc(tx->d, 64 << 8, 4096), 6, 8, ETH_CQN);
    cmd.u.create_eth_txq.flags = RDO_ETH_TXQ_F_KEYED;
    cmd.u.create_eth_txq.pdn = ep->p->s[0].layout->pdn;
    g_assert_cmpuint(td_cmd(tx->d, &cmd).status, ==, RDO_CQP_OK);
    tcp_frame(ep, data, seq, RDO_TCP_ACK | RDO_TCP_PSH, NULL, 0, 1000, false);
    for (uint32_t i = 0; i < n; i++) {
        data[hlen + i] = pattern(i);
    }
    rdo_scat_set(&src, src.iova + 0x10, data, hlen + n);
    {
        struct rdo_eth_tx_wqe w = {
            .wr_id = 77, .flags = RDO_ETH_TX_F_TSO, .num_sge = 2, .mss = MSS,
            .hdr_len = hlen,
        };
        struct rdo_sge sge[2] = {
            { src.iova + 0x10, hlen, src.key },
            { src.iova + 0x10 + hlen, n, src.key },
        };
        uint8_t *slot = td_ptr(tx->d, cmd.u.create_eth_txq.ring_addr);

        memcpy(slot, &w, sizeof(w));
        memcpy(slot + sizeof(w), sge, sizeof(sge));
        td_doorbell(tx->d, 0, RDO_DB_ETH_TXQ, RDO_DB_VALUE(1, 0, 1));
    }
    pair_run(ep->p, 1000000);
    c = eth_poll(tx);
    g_assert_cmpuint(c.wr_id, ==, 77);
    g_assert_cmpuint(c.status, ==, RDO_WC_SUCCESS);
    g_assert_cmpuint(reg(tx, RDO_REG_CNT_ETH_TSO_SEGMENTS), ==, nseg);

    while ((c = eth_poll(rx)).opcode) {
        uint64_t va = dst.iova + 0x3001 + c.wr_id * (buf_len + 333);
        uint32_t plen = c.byte_len - hlen;

        g_assert_cmpuint(c.status, ==, RDO_WC_SUCCESS);
        g_assert_cmpuint(c.queue, ==, KQ);
        g_assert_cmpuint(c.lro_segs, ==, (plen + MSS - 1) / MSS);
        scat_read(&dst, rx->d, va, agg, c.byte_len);
        g_assert_true(ipv4_l4_csum_ok(agg, c.byte_len));
        g_assert_cmpuint(be32(agg + 38), ==, seq);
        memcpy(got + bytes, agg + hlen, plen);
        rdo_scat_expect(&dst, va, agg, c.byte_len);
        bytes += plen;
        seq += plen;
        bufs++;
    }
    g_assert_cmpuint(bytes, ==, n);
    g_assert_cmpmem(got, n, data + hlen, n);
    g_assert_cmpuint(bufs, <=, nseg / 8);
    g_assert_cmpuint(reg(rx, RDO_REG_CNT_ETH_STEERED), ==, nseg);
    rdo_scat_assert(&dst, "TSO into keyed LRO buffers");
    g_test_message("64 KiB TSO to a keyed LRO RXQ: %u segments in %u buffers "
                   "(%.1f per completion)", nseg, bufs, (double)nseg / bufs);
    rdo_scat_free(&src);
    rdo_scat_free(&dst);
    eth_pair_free(ep);
}

/* The next CQE is a keyed buffer's refusal. */
static void expect_key_error(EthSide *e, uint64_t wr_id, uint32_t qn)
{
    struct rdo_eth_cqe c = eth_poll(e);

    g_assert_cmpuint(c.wr_id, ==, wr_id);
    g_assert_cmpuint(c.queue, ==, qn);
    g_assert_cmpuint(c.status, ==, RDO_WC_LOC_PROT_ERR);
    g_assert_cmpuint(c.vendor_err, ==, RDO_VENDOR_ERR_BAD_KEY);
}

/*
 * Keyed buffers the MR table refuses (unknown key, beyond the MR, another
 * PD's MR, an MR without local write) complete with LOC_PROT_ERR/BAD_KEY,
 * counted, nothing written; the next good one takes the frame. Keyed TX:
 * SGEs gathered over shuffled pages, a bad lkey refused and no frame
 * sent. The create commands' checks; the PD held.
 */
static void test_keyed_errors(void)
{
    EthPair *ep = eth_pair(0);
    EthSide *tx = &ep->e[0], *rx = &ep->e[1];
    uint32_t pdn = ep->p->s[1].layout->pdn, other_pd = pdn + 2;
    struct rdo_cmd_create_flow_rule m = five_tuple(SPORT, 0);
    g_autofree uint8_t *f = g_malloc(2048);
    uint32_t other_key, ro_key;
    struct rdo_cqp_cmd cmd;
    struct rdo_eth_cqe c;
    RdoScat r, t;
    Rxq k;
    size_t len;

    scat_new(ep, 1, &r, MR_SCAT);
    td_create_pd(rx->d, other_pd);
    other_key = td_reg_mr(rx->d, MR_SCAT + 1, other_pd, 8192,
                          RDO_ACCESS_LOCAL_WRITE, NULL);
    ro_key = td_reg_mr(rx->d, MR_SCAT + 2, pdn, 8192, 0, NULL);

    /* The create commands. */
    g_assert_cmpuint(rxq_create(rx, &k, KQ, RDO_ETH_RXQ_F_KEYED, 9), ==,
                     RDO_CQP_NOT_FOUND);
    g_assert_cmpuint(rxq_create(rx, &k, KQ, 0, pdn + 1), ==, RDO_CQP_BAD_RESERVED);
    g_assert_cmpuint(rxq_create(rx, &k, KQ, RDO_BIT(2), 0), ==, RDO_CQP_BAD_RESERVED);
    g_assert_cmpuint(rxq_create(rx, &k, KQ, RDO_ETH_RXQ_F_KEYED, other_pd), ==,
                     RDO_CQP_OK);
    cmd = rdo_cmd_new(RDO_CMD_DESTROY_PD, other_pd);
    g_assert_cmpuint(td_cmd(rx->d, &cmd).status, ==, RDO_CQP_IN_USE);
    cmd = td_cmd_of(RDO_CMD_DESTROY_ETH_RXQ, KQ);
    g_assert_cmpuint(td_cmd(rx->d, &cmd).status, ==, RDO_CQP_OK);
    g_assert_cmpuint(rxq_create(rx, &k, KQ, RDO_ETH_RXQ_F_KEYED, pdn), ==,
                     RDO_CQP_OK);
    g_assert_cmpuint(rule_create(rx->d, KQ, &m, NULL), ==, RDO_CQP_OK);

    rxq_post(rx, &k, 1, r.iova + 64, 2000, r.key ^ 0x5500);    /* no such key */
    rxq_post(rx, &k, 2, r.iova + r.length - 1999, 2000, r.key); /* one beyond */
    rxq_post(rx, &k, 3, 0x7f0000000000ull, 2000, other_key);    /* other PD */
    rxq_post(rx, &k, 4, 0x7f0000000000ull, 2000, ro_key);       /* no local write */
    rxq_post(rx, &k, 5, r.iova + r.length - 2000, 2000, r.key); /* the last bytes */
    len = rss_frame(ep, f, "10.0.0.1", "10.0.0.2", SPORT, 5001);
    rdo_core_receive(&rx->d->h->core, f, len);
    pair_run(ep->p, 100000);
    for (uint64_t id = 1; id <= 4; id++) {
        expect_key_error(rx, id, KQ);
    }
    c = eth_poll(rx);
    g_assert_cmpuint(c.wr_id, ==, 5);
    g_assert_cmpuint(c.status, ==, RDO_WC_SUCCESS);
    rdo_scat_expect(&r, r.iova + r.length - 2000, f, len);
    rdo_scat_assert(&r, "refused keyed buffers");
    g_assert_cmpuint(reg(rx, RDO_REG_CNT_ETH_KEY_ERRORS), ==, 4);
    g_assert_cmpuint(rx->d->h->class_count[RDO_GE_ETH_BAD_KEY], ==, 4);
    /* An lkey on a queue that is not keyed (RXQ 0's next descriptor, as
     * a driver that forgot to clear it would leave it): malformed. */
    ((struct rdo_eth_rx_wqe *)td_ptr(rx->d, rx->rxq))->lkey = r.key;
    len = rss_frame(ep, f, "10.0.0.1", "10.0.0.2", SPORT, 5002);
    rdo_core_receive(&rx->d->h->core, f, len);
    pair_run(ep->p, 100000);
    c = eth_poll(rx);
    g_assert_cmpuint(c.wr_id, ==, 0);
    g_assert_cmpuint(c.status, ==, RDO_WC_LOC_QP_OP_ERR);
    g_assert_cmpuint(c.vendor_err, ==, RDO_VENDOR_ERR_BAD_WQE);
    c = eth_poll(rx);
    g_assert_cmpuint(c.wr_id, ==, 1);
    g_assert_cmpuint(c.status, ==, RDO_WC_SUCCESS);
    g_assert_cmpuint(reg(rx, RDO_REG_CNT_ETH_KEY_ERRORS), ==, 4);

    /* Keyed TX on side 0: the frame gathered from two SGEs over pages. */
    scat_new(ep, 0, &t, MR_SCAT);
    cmd = rdo_cmd_create_eth_txq(1, td_alloc(tx->d, 64 << 8, 4096), 6, 8, ETH_CQN);
    cmd.u.create_eth_txq.flags = RDO_ETH_TXQ_F_KEYED;
    cmd.u.create_eth_txq.pdn = 7;
    g_assert_cmpuint(td_cmd(tx->d, &cmd).status, ==, RDO_CQP_NOT_FOUND);
    cmd.u.create_eth_txq.pdn = ep->p->s[0].layout->pdn;
    g_assert_cmpuint(td_cmd(tx->d, &cmd).status, ==, RDO_CQP_OK);
    {
        uint64_t ring = cmd.u.create_eth_txq.ring_addr;
        struct rdo_eth_tx_wqe w = { .wr_id = 31, .num_sge = 2 };
        struct rdo_sge sge[2] = {
            { t.iova + 0xff0, 40, t.key },              /* across a page */
            { t.iova + 0xff0 + 40, (uint32_t)len - 40, t.key },
        };
        uint8_t *slot = td_ptr(tx->d, ring);

        len = rss_frame(ep, f, "10.0.0.1", "10.0.0.2", SPORT + 5, 7000);
        rdo_scat_set(&t, t.iova + 0xff0, f, len);
        memcpy(slot, &w, sizeof(w));
        memcpy(slot + sizeof(w), sge, sizeof(sge));
        w.wr_id = 32;
        sge[1].lkey = t.key + 1;                        /* no such key */
        memcpy(slot + 256, &w, sizeof(w));
        memcpy(slot + 256 + sizeof(w), sge, sizeof(sge));
        /* A good MR of another PD than the queue's. */
        td_create_pd(tx->d, other_pd);
        w.wr_id = 33;
        sge[1] = (struct rdo_sge){ 0x7f0000000000ull, 100,
                                   td_reg_mr(tx->d, MR_SCAT + 1, other_pd, 8192,
                                             RDO_ACCESS_LOCAL_WRITE, NULL) };
        memcpy(slot + 512, &w, sizeof(w));
        memcpy(slot + 512 + sizeof(w), sge, sizeof(sge));
        td_doorbell(tx->d, 0, RDO_DB_ETH_TXQ, RDO_DB_VALUE(1, 0, 3));
    }
    pair_run(ep->p, 100000);
    c = eth_poll(tx);
    g_assert_cmpuint(c.wr_id, ==, 31);
    g_assert_cmpuint(c.status, ==, RDO_WC_SUCCESS);
    g_assert_cmpuint(c.byte_len, ==, len);
    c = eth_poll(tx);
    g_assert_cmpuint(c.wr_id, ==, 32);
    g_assert_cmpuint(c.status, ==, RDO_WC_LOC_PROT_ERR);
    g_assert_cmpuint(c.vendor_err, ==, RDO_VENDOR_ERR_BAD_KEY);
    c = eth_poll(tx);
    g_assert_cmpuint(c.wr_id, ==, 33);
    g_assert_cmpuint(c.status, ==, RDO_WC_LOC_PROT_ERR);
    g_assert_cmpuint(c.vendor_err, ==, RDO_VENDOR_ERR_BAD_KEY);
    g_assert_cmpuint(reg(tx, RDO_REG_CNT_ETH_KEY_ERRORS), ==, 2);
    g_assert_cmpuint(tx->d->h->class_count[RDO_GE_ETH_BAD_KEY], ==, 2);
    g_assert_cmpuint(reg(tx, RDO_REG_CNT_ETH_TX_FRAMES), ==, 1);
    /* The one frame, byte for byte, on side 1's kernel RXQ 0. */
    c = eth_poll(rx);
    g_assert_cmpuint(c.queue, ==, 0);
    g_assert_cmpuint(c.byte_len, ==, len);
    g_assert_cmpmem(td_ptr(rx->d, rx->bufs + (c.wr_id & ((1u << RXQ_LOG) - 1)) *
                           RX_BUF), len, f, len);
    rdo_scat_free(&t);
    rdo_scat_free(&r);
    eth_pair_free(ep);
}

/* A refused rule command: its status, a guest error of its class. */
static void expect_refused(TestDriver *d, uint32_t rxq,
                           const struct rdo_cmd_create_flow_rule *m,
                           uint8_t status)
{
    uint32_t before = d->h->class_count[RDO_GE_FLOW_RULE_REFUSED];
    uint32_t rules = test_reg_read(d->h, RDO_REG_CNT_ETH_FLOW_RULES);

    g_assert_cmpuint(rule_create(d, rxq, m, NULL), ==, status);
    g_assert_cmpuint(d->h->class_count[RDO_GE_FLOW_RULE_REFUSED], ==, before + 1);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CNT_ETH_FLOW_RULES), ==, rules);
}

static void test_bad_rules(void)
{
    EthPair *ep = eth_pair(0);
    TestDriver *d = ep->e[1].d;
    struct rdo_cmd_create_flow_rule ok = five_tuple(SPORT, 2), m;
    uint32_t rule;

    g_assert_true(test_reg_read(d->h, RDO_REG_CAPS_LO) & RDO_CAP_FLOW_STEER);
    /* Unknown RXQ: beyond the function's numbers, or not created. */
    expect_refused(d, RDO_ETH_MAX_RXQ, &ok, RDO_CQP_BAD_INDEX);
    expect_refused(d, 3, &ok, RDO_CQP_NOT_FOUND);
    /* Mask bits unknown; a value in a field outside the mask. */
    m = ok;
    m.match |= RDO_BIT(8);
    expect_refused(d, 0, &m, RDO_CQP_BAD_RESERVED);
    m = ok;
    m.match &= ~RDO_FLOW_M_SRC_PORT;
    expect_refused(d, 0, &m, RDO_CQP_BAD_RESERVED);
    m = ok;
    m.src_ip[5] = 1;                    /* beyond an IPv4 address */
    expect_refused(d, 0, &m, RDO_CQP_BAD_RESERVED);
    m = ok;
    m.reserved[4] = 1;
    expect_refused(d, 0, &m, RDO_CQP_BAD_RESERVED);
    /* Matches that cannot hold. */
    memset(&m, 0, sizeof(m));
    expect_refused(d, 0, &m, RDO_CQP_BAD_PARAM);            /* empty mask */
    m = ok;
    m.priority = RDO_ETH_FLOW_PRIO_MAX + 1;
    expect_refused(d, 0, &m, RDO_CQP_BAD_PARAM);
    m = ok;
    m.ip_proto = 1;                     /* ports of ICMP */
    expect_refused(d, 0, &m, RDO_CQP_BAD_PARAM);
    m = ok;
    m.ethertype = 0x86dd;               /* IPv4 addresses, IPv6 frames */
    expect_refused(d, 0, &m, RDO_CQP_BAD_PARAM);
    memset(&m, 0, sizeof(m));
    m.match = RDO_FLOW_M_IPV6;          /* IPv6 without an address */
    expect_refused(d, 0, &m, RDO_CQP_BAD_PARAM);
    m.match = RDO_FLOW_M_IP_PROTO | RDO_FLOW_M_DST_PORT;
    m.ip_proto = RDO_IPPROTO_UDP;
    m.dst_port = RDO_ROCE_UDP_PORT;     /* RoCEv2 is never steered */
    expect_refused(d, 0, &m, RDO_CQP_BAD_PARAM);

    /* The same match and priority twice; another priority is another rule. */
    g_assert_cmpuint(rule_create(d, 0, &ok, &rule), ==, RDO_CQP_OK);
    g_assert_cmpuint(rule, ==, 0);
    expect_refused(d, 0, &ok, RDO_CQP_EXISTS);
    m = ok;
    m.priority = 1;
    g_assert_cmpuint(rule_create(d, 0, &m, &rule), ==, RDO_CQP_OK);
    g_assert_cmpuint(rule, ==, 1);
    /* Full: 64 rules, then NO_RESOURCES; a freed number is reused. */
    for (uint32_t i = 2; i < RDO_ETH_FLOW_RULES; i++) {
        m = five_tuple(1000 + i, 0);
        g_assert_cmpuint(rule_create(d, 0, &m, &rule), ==, RDO_CQP_OK);
        g_assert_cmpuint(rule, ==, i);
    }
    m = five_tuple(999, 0);
    expect_refused(d, 0, &m, RDO_CQP_NO_RESOURCES);
    g_assert_cmpuint(rule_destroy(d, 17), ==, RDO_CQP_OK);
    g_assert_cmpuint(rule_create(d, 0, &m, &rule), ==, RDO_CQP_OK);
    g_assert_cmpuint(rule, ==, 17);
    /* Destroy of an unknown rule, a number beyond the table, arguments. */
    g_assert_cmpuint(rule_destroy(d, 17), ==, RDO_CQP_OK);
    g_assert_cmpuint(rule_destroy(d, 17), ==, RDO_CQP_NOT_FOUND);
    g_assert_cmpuint(rule_destroy(d, RDO_ETH_FLOW_RULES), ==, RDO_CQP_BAD_INDEX);
    {
        struct rdo_cqp_cmd cmd = rdo_cmd_new(RDO_CMD_DESTROY_FLOW_RULE, 3);

        cmd.u.flow_rule.priority = 1;
        g_assert_cmpuint(td_cmd(d, &cmd).status, ==, RDO_CQP_BAD_RESERVED);
    }
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CNT_ETH_FLOW_RULES), ==,
                     RDO_ETH_FLOW_RULES - 1);
    /* Frames still flow, RSS'd or steered, after all that. */
    {
        g_autofree uint8_t *f = g_malloc(2048);
        size_t len = rss_frame(ep, f, "10.0.0.1", "10.0.0.2", SPORT, 5001);

        g_assert_cmpuint(eth_deliver(ep, f, len).queue, ==, 0);
    }
    eth_pair_free(ep);
}

/*
 * Rules go with their RXQ (a new RXQ of the number has none) and with the
 * function's reset; a VF's rules are its own: it names its own RXQs, and
 * its table is apart from the PF's.
 */
static void test_removal(void)
{
    EthPair *ep = eth_pair(0);
    EthSide *rx = &ep->e[1];
    struct rdo_cmd_create_flow_rule m = five_tuple(SPORT, 0);
    g_autofree uint8_t *f = g_malloc(2048);
    struct rdo_cqp_cmd cmd;
    Rxq k;
    size_t len = rss_frame(ep, f, "10.0.0.1", "10.0.0.2", SPORT, 5001);

    g_assert_cmpuint(rxq_create(rx, &k, KQ, 0, 0), ==, RDO_CQP_OK);
    for (uint32_t i = 0; i < 4; i++) {
        rxq_post(rx, &k, i, td_alloc(rx->d, 2048, 64), 2000, 0);
    }
    g_assert_cmpuint(rule_create(rx->d, KQ, &m, NULL), ==, RDO_CQP_OK);
    m.priority = 4;
    g_assert_cmpuint(rule_create(rx->d, KQ, &m, NULL), ==, RDO_CQP_OK);
    g_assert_cmpuint(rule_create(rx->d, KQ, &m, NULL), ==, RDO_CQP_EXISTS);
    g_assert_cmpuint(eth_deliver(ep, f, len).queue, ==, KQ);
    cmd = td_cmd_of(RDO_CMD_DESTROY_ETH_RXQ, KQ);
    g_assert_cmpuint(td_cmd(rx->d, &cmd).status, ==, RDO_CQP_OK);
    g_assert_cmpuint(reg(rx, RDO_REG_CNT_ETH_FLOW_RULES), ==, 0);
    g_assert_cmpuint(rxq_create(rx, &k, KQ, 0, 0), ==, RDO_CQP_OK);
    rxq_post(rx, &k, 9, td_alloc(rx->d, 2048, 64), 2000, 0);
    /* RSS over 0 and 4 now (not keyed): the flow's hash decides. */
    {
        struct rdo_eth_cqe c = eth_deliver(ep, f, len);

        g_assert_cmpuint(c.queue, ==, c.rss_hash % 2 ? KQ : 0);
    }
    g_assert_cmpuint(reg(rx, RDO_REG_CNT_ETH_STEERED), ==, 1);
    g_assert_cmpuint(rule_create(rx->d, KQ, &m, NULL), ==, RDO_CQP_OK);
    g_assert_cmpuint(reg(rx, RDO_REG_CNT_ETH_FLOW_RULES), ==, 1);
    rdo_core_reset(&rx->d->h->core);
    g_assert_cmpuint(reg(rx, RDO_REG_CNT_ETH_FLOW_RULES), ==, 0);
    eth_pair_free(ep);

    /* Per function: a VF's RXQ numbers are its own. */
    {
        RdoConfig cfg = test_host_default_config();
        TestDriver *pf, *vf;

        cfg.sriov_max_vfs = 1;
        pf = td_new(&cfg);
        vf = td_new_vf(pf, 1);
        rdo_vf_enable(&vf->h->core, true);
        td_start(pf);
        td_start(vf);
        td_create_cq(pf, ETH_CQN, 6, 0, 0);
        td_create_cq(vf, ETH_CQN, 6, 0, 0);
        cmd = rdo_cmd_create_eth_rxq(3, td_alloc(pf, 4096, 4096), 5, 0, 0, ETH_CQN);
        g_assert_cmpuint(td_cmd(pf, &cmd).status, ==, RDO_CQP_OK);
        /* The PF's RXQ 3 is no name in the VF. */
        expect_refused(vf, 3, &m, RDO_CQP_NOT_FOUND);
        g_assert_cmpuint(rule_create(pf, 3, &m, NULL), ==, RDO_CQP_OK);
        cmd.u.create_eth_rxq.ring_addr = td_alloc(vf, 4096, 4096);
        g_assert_cmpuint(td_cmd(vf, &cmd).status, ==, RDO_CQP_OK);
        /* The same match in each function: two tables. */
        g_assert_cmpuint(rule_create(vf, 3, &m, NULL), ==, RDO_CQP_OK);
        g_assert_cmpuint(test_reg_read(vf->h, RDO_REG_CNT_ETH_FLOW_RULES), ==, 1);
        g_assert_cmpuint(test_reg_read(pf->h, RDO_REG_CNT_ETH_FLOW_RULES), ==, 1);
        /* The VF's reset (FLR) takes its rules, not the PF's. */
        rdo_core_reset(&vf->h->core);
        g_assert_cmpuint(test_reg_read(vf->h, RDO_REG_CNT_ETH_FLOW_RULES), ==, 0);
        g_assert_cmpuint(test_reg_read(pf->h, RDO_REG_CNT_ETH_FLOW_RULES), ==, 1);
        td_free(vf);
        td_free(pf);
    }
}

/*
 * Save and load (migration): the rules and the keyed queues come back
 * from the stream (the load resets first), and steer and translate as
 * before; a stream whose rule names an RXQ that is not there is refused.
 */
static void test_migrate(void)
{
    EthPair *ep = eth_pair(0);
    EthSide *rx = &ep->e[1];
    RdoCore *core = &rx->d->h->core;
    struct rdo_cmd_create_flow_rule m = five_tuple(SPORT, 5);
    g_autofree uint8_t *f = g_malloc(2048);
    g_autofree uint8_t *buf = NULL;
    g_autofree char *why = NULL;
    uint32_t rule;
    RdoScat r;
    Rxq k;
    size_t len = rss_frame(ep, f, "10.0.0.1", "10.0.0.2", SPORT, 5001), blen;
    struct rdo_eth_cqe c;

    scat_new(ep, 1, &r, MR_SCAT);
    g_assert_cmpuint(rxq_create(rx, &k, KQ, RDO_ETH_RXQ_F_KEYED,
                                ep->p->s[1].layout->pdn), ==, RDO_CQP_OK);
    rxq_post(rx, &k, 41, r.iova + 0x2ff9, 2000, r.key);
    m.match |= RDO_FLOW_M_DMAC;
    memcpy(m.dmac, ep->e[1].s->mac, 6);
    g_assert_cmpuint(rule_create(rx->d, KQ, &m, NULL), ==, RDO_CQP_OK);
    m = five_tuple(SPORT + 1, 0);
    g_assert_cmpuint(rule_create(rx->d, KQ, &m, &rule), ==, RDO_CQP_OK);
    g_assert_cmpuint(rule_destroy(rx->d, 0), ==, RDO_CQP_OK);
    m = five_tuple(SPORT, 5);
    m.match |= RDO_FLOW_M_DMAC;
    memcpy(m.dmac, ep->e[1].s->mac, 6);
    g_assert_cmpuint(rule_create(rx->d, KQ, &m, &rule), ==, RDO_CQP_OK);
    g_assert_cmpuint(rule, ==, 0);

    buf = rdo_core_save(core, &blen);
    if (!rdo_core_load(core, buf, blen, &why)) {
        g_error("load: %s", why);
    }
    g_assert_cmpuint(reg(rx, RDO_REG_CNT_ETH_FLOW_RULES), ==, 2);
    /* The same match again is refused: the rule is there. */
    g_assert_cmpuint(rule_create(rx->d, KQ, &m, NULL), ==, RDO_CQP_EXISTS);
    c = eth_deliver(ep, f, len);
    g_assert_cmpuint(c.queue, ==, KQ);
    g_assert_cmpuint(c.wr_id, ==, 41);
    rdo_scat_expect(&r, r.iova + 0x2ff9, f, len);
    rdo_scat_assert(&r, "after a load");
    /* The PD is held still. */
    {
        struct rdo_cqp_cmd cmd = rdo_cmd_new(RDO_CMD_DESTROY_PD,
                                             ep->p->s[1].layout->pdn);

        g_assert_cmpuint(td_cmd(rx->d, &cmd).status, ==, RDO_CQP_IN_USE);
    }
    /* Section 47 with its first rule's RXQ made 9: refused. */
    g_free(why);
    why = NULL;
    for (size_t at = 12; at + 8 <= blen;) {
        uint16_t tag = buf[at] | buf[at + 1] << 8;
        uint32_t n = buf[at + 4] | buf[at + 5] << 8 | buf[at + 6] << 16 |
                     (uint32_t)buf[at + 7] << 24;

        if (tag == 47) {
            /* no keyed TXQ, one keyed RXQ (index, PD), rules, rule 0 */
            g_assert_cmpuint(buf[at + 8 + 4], ==, 1);
            g_assert_cmpuint(buf[at + 8 + 16], ==, 2);
            g_assert_cmpuint(buf[at + 8 + 24], ==, KQ);
            buf[at + 8 + 24] = 9;
            break;
        }
        g_assert_cmpuint(tag, !=, 0);
        at += 8 + n;
    }
    g_assert_false(rdo_core_load(core, buf, blen, &why));
    g_assert_nonnull(strstr(why, "RXQ 9 does not exist"));
    rdo_scat_free(&r);
    eth_pair_free(ep);
}

/* A keyed TXQ qn of side e (64-byte WQEs, one SGE) on PD pdn. */
static uint64_t ktxq_create(EthSide *e, uint32_t qn, uint32_t pdn)
{
    struct rdo_cqp_cmd cmd;
    uint64_t ring = td_alloc(e->d, 64 << KQ_LOG, 4096);

    cmd = rdo_cmd_create_eth_txq(qn, ring, KQ_LOG, 6, ETH_CQN);
    cmd.u.create_eth_txq.flags = RDO_ETH_TXQ_F_KEYED;
    cmd.u.create_eth_txq.pdn = pdn;
    g_assert_cmpuint(td_cmd(e->d, &cmd).status, ==, RDO_CQP_OK);
    return ring;
}

/*
 * Sends a TCP frame 1.1.1.1 -> dst_ip (to a multicast MAC if mcast, else
 * to side 1's) from side 0's keyed TXQ KQ (WQE index (*pi)++), its
 * completion good and side 1 receiving it from the wire. Returns its
 * length; the frame is left in f.
 */
static size_t ktx_send(EthPair *ep, uint64_t ring, uint32_t *pi,
                       const char *dst_ip, bool mcast, uint8_t *f)
{
    static const uint8_t mcast_mac[6] = { 0x01, 0x50, 0x56, 0x19, 0x20, 0xa7 };
    EthSide *e = &ep->e[0];
    const uint64_t iova = PAIR_SRC + 0x101;
    size_t len = rss_frame(ep, f, "1.1.1.1", dst_ip, 1234, 5678);
    struct rdo_eth_tx_wqe w = { .wr_id = 900 + *pi, .num_sge = 1 };
    struct rdo_sge sge = { iova, len, e->s->mr_key };
    uint8_t *slot = td_ptr(e->d, ring + (*pi & ((1u << KQ_LOG) - 1)) * 64);
    struct rdo_eth_cqe c;

    if (mcast) {
        memcpy(f, mcast_mac, 6);
    }
    memcpy(pair_mr_ptr(e->s, iova), f, len);
    memcpy(slot, &w, sizeof(w));
    memcpy(slot + sizeof(w), &sge, sizeof(sge));
    ++*pi;
    td_doorbell(e->d, 0, RDO_DB_ETH_TXQ, RDO_DB_VALUE(KQ, 0, *pi));
    pair_run(ep->p, 1000000);
    c = eth_poll(e);
    g_assert_cmpuint(c.opcode, ==, RDO_CQE_ETH_TX);
    g_assert_cmpuint(c.wr_id, ==, w.wr_id);
    g_assert_cmpuint(c.status, ==, RDO_WC_SUCCESS);
    c = eth_poll(&ep->e[1]);
    g_assert_cmpuint(c.queue, ==, 0);
    g_assert_cmpuint(c.byte_len, ==, len);
    return len;
}

/*
 * Raw loopback (rdma-core's test_flow traffic): a keyed TXQ's multicast
 * frame goes to the wire (the peer's kernel RXQ takes it) and, a copy, to
 * the best rule of the sending port that does not name the sending
 * pair's own RXQ (a higher-priority rule there is passed over); never to
 * the port's RSS queues. Unicast to another MAC, a kernel TXQ's
 * multicast, and a multicast frame no rule matches do not come back.
 */
static void test_raw_loopback(void)
{
    EthPair *ep = eth_pair(0);
    EthSide *e = &ep->e[0];
    PairSide *s0 = &ep->p->s[0];
    RdoCore *core = &e->d->h->core;
    struct rdo_cmd_create_flow_rule m = { 0 };
    g_autofree uint8_t *f = g_malloc(2048);
    uint32_t pi = 0, other_rule;
    uint64_t ring;
    size_t len;
    Rxq own, other;
    struct rdo_eth_cqe c;

    ring = ktxq_create(e, KQ, s0->layout->pdn);
    g_assert_cmpuint(rxq_create(e, &own, KQ, RDO_ETH_RXQ_F_KEYED,
                                s0->layout->pdn), ==, RDO_CQP_OK);
    g_assert_cmpuint(rxq_create(e, &other, KQ2, RDO_ETH_RXQ_F_KEYED,
                                s0->layout->pdn), ==, RDO_CQP_OK);
    for (uint32_t i = 0; i < 4; i++) {
        rxq_post(e, &own, 100 + i, PAIR_DST + i * 4096, 2000, s0->mr_key);
        rxq_post(e, &other, 200 + i, PAIR_DST + 0x10003 + i * 4096, 2000,
                 s0->mr_key);
    }
    /* test_flow's IPv4 spec: addresses and protocol, no MAC. */
    m.match = RDO_FLOW_M_SRC_IP | RDO_FLOW_M_DST_IP | RDO_FLOW_M_IP_PROTO;
    m.ip_proto = RDO_IPPROTO_TCP;
    memcpy(m.src_ip, "\x01\x01\x01\x01", 4);
    memcpy(m.dst_ip, "\x02\x02\x02\x02", 4);
    g_assert_cmpuint(rule_create(e->d, KQ, &m, NULL), ==, RDO_CQP_OK);
    m.priority = 1;
    g_assert_cmpuint(rule_create(e->d, KQ2, &m, &other_rule), ==, RDO_CQP_OK);

    /* Multicast from the keyed TXQ: on the wire, and back in on RXQ KQ2. */
    len = ktx_send(ep, ring, &pi, "2.2.2.2", true, f);
    c = eth_poll(e);
    g_assert_cmpuint(c.opcode, ==, RDO_CQE_ETH_RX);
    g_assert_cmpuint(c.status, ==, RDO_WC_SUCCESS);
    g_assert_cmpuint(c.queue, ==, KQ2);
    g_assert_cmpuint(c.wr_id, ==, 200);
    g_assert_cmpuint(c.byte_len, ==, len);
    g_assert_true(c.flags & RDO_ETH_CQE_F_L4_CSUM_OK);
    g_assert_cmpmem(pair_mr_ptr(s0, PAIR_DST + 0x10003), len, f, len);
    g_assert_cmpuint(eth_poll(e).opcode, ==, 0);  /* not RXQ KQ, not RXQ 0 */
    g_assert_cmpuint(core->cnt.eth_raw_looped, ==, 1);
    g_assert_cmpuint(reg(e, RDO_REG_CNT_ETH_STEERED), ==, 1);

    /* Unicast to another MAC: the wire only. */
    ktx_send(ep, ring, &pi, "2.2.2.2", false, f);
    g_assert_cmpuint(eth_poll(e).opcode, ==, 0);
    /* Multicast no rule matches: dropped here, not RSS'd to RXQ 0. */
    ktx_send(ep, ring, &pi, "2.2.2.3", true, f);
    g_assert_cmpuint(eth_poll(e).opcode, ==, 0);

    /* The kernel's TXQ 0: its multicast is not looped. */
    len = rss_frame(ep, f, "1.1.1.1", "2.2.2.2", 1234, 5678);
    f[0] |= 1;      /* the group bit */
    memcpy(td_ptr(e->d, e->send), f, len);
    {
        struct rdo_eth_tx_wqe w = { .wr_id = 5, .num_sge = 1 };
        struct rdo_sge sge = { e->send, len, 0 };

        post_tx(e, &w, &sge, 1);
    }
    pair_run(ep->p, 1000000);
    c = eth_poll(e);
    g_assert_cmpuint(c.opcode, ==, RDO_CQE_ETH_TX);
    g_assert_cmpuint(c.status, ==, RDO_WC_SUCCESS);
    g_assert_cmpuint(eth_poll(e).opcode, ==, 0);
    g_assert_cmpuint(eth_poll(&ep->e[1]).byte_len, ==, len);

    /* The other rule gone: the sender's own rule is still passed over. */
    g_assert_cmpuint(rule_destroy(e->d, other_rule), ==, RDO_CQP_OK);
    ktx_send(ep, ring, &pi, "2.2.2.2", true, f);
    g_assert_cmpuint(eth_poll(e).opcode, ==, 0);
    g_assert_cmpuint(core->cnt.eth_raw_looped, ==, 1);
    g_assert_cmpuint(reg(e, RDO_REG_CNT_ETH_STEERED), ==, 1);
    eth_pair_free(ep);
}

/*
 * The same match and priority on two RXQs (two raw QPs asking for one
 * flow): each gets its own copy, the deciding rule's RXQ first; the frame
 * counts once as steered. A third RXQ's rule of the same match at a lower
 * precedence gets nothing; the same rule twice on one RXQ is EXISTS. The
 * rules survive save and load. With one of the two rules gone the other
 * RXQ alone takes the flow.
 */
static void test_same_rule_two_rxqs(void)
{
    EthPair *ep = eth_pair(0);
    EthSide *rx = &ep->e[1];
    struct rdo_cmd_create_flow_rule m = five_tuple(SPORT, 2), low = five_tuple(SPORT, 5);
    g_autofree uint8_t *f = g_malloc(2048);
    size_t len = rss_frame(ep, f, "10.0.0.1", "10.0.0.2", SPORT, 5001);
    uint64_t buf[2][2];
    uint32_t first_rule, rule;
    struct rdo_eth_cqe c;
    g_autofree uint8_t *blob = NULL;
    g_autofree char *why = NULL;
    size_t blen;
    Rxq q[2];

    g_assert_cmpuint(rxq_create(rx, &q[0], KQ, 0, 0), ==, RDO_CQP_OK);
    g_assert_cmpuint(rxq_create(rx, &q[1], KQ2, 0, 0), ==, RDO_CQP_OK);
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < 2; i++) {
            /* Odd addresses: a copy must land where each WQE says. */
            buf[k][i] = td_alloc(rx->d, 2048 + 64, 64) + 3 + 8 * k;
            rxq_post(rx, &q[k], 10 * k + i, buf[k][i], 2000, 0);
        }
    }
    g_assert_cmpuint(rule_create(rx->d, KQ, &m, &first_rule), ==, RDO_CQP_OK);
    g_assert_cmpuint(rule_create(rx->d, 0, &low, NULL), ==, RDO_CQP_OK);
    g_assert_cmpuint(rule_create(rx->d, KQ2, &m, &rule), ==, RDO_CQP_OK);
    g_assert_cmpuint(rule_create(rx->d, KQ2, &m, NULL), ==, RDO_CQP_EXISTS);
    g_assert_cmpuint(reg(rx, RDO_REG_CNT_ETH_FLOW_RULES), ==, 3);
    /* The twin rules migrate (a load takes the same match on two RXQs). */
    blob = rdo_core_save(&rx->d->h->core, &blen);
    if (!rdo_core_load(&rx->d->h->core, blob, blen, &why)) {
        g_error("load: %s", why);
    }
    g_assert_cmpuint(reg(rx, RDO_REG_CNT_ETH_FLOW_RULES), ==, 3);

    rdo_core_receive(&rx->d->h->core, f, len);
    pair_run(ep->p, 100000);
    for (int k = 0; k < 2; k++) {
        c = eth_poll(rx);
        g_assert_cmpuint(c.opcode, ==, RDO_CQE_ETH_RX);
        g_assert_cmpuint(c.status, ==, RDO_WC_SUCCESS);
        g_assert_cmpuint(c.queue, ==, k ? KQ2 : KQ);
        g_assert_cmpuint(c.wr_id, ==, 10 * k);
        g_assert_cmpuint(c.byte_len, ==, len);
        g_assert_cmpmem(td_ptr(rx->d, buf[k][0]), len, f, len);
    }
    g_assert_cmpuint(eth_poll(rx).opcode, ==, 0);     /* not RXQ 0 */
    g_assert_cmpuint(reg(rx, RDO_REG_CNT_ETH_STEERED), ==, 1);

    /* KQ's rule gone: KQ2 alone. */
    g_assert_cmpuint(rule_destroy(rx->d, first_rule), ==, RDO_CQP_OK);
    c = eth_deliver(ep, f, len);
    g_assert_cmpuint(c.queue, ==, KQ2);
    g_assert_cmpuint(c.wr_id, ==, 11);
    g_assert_cmpmem(td_ptr(rx->d, buf[1][1]), len, f, len);
    g_assert_cmpuint(reg(rx, RDO_REG_CNT_ETH_STEERED), ==, 2);
    eth_pair_free(ep);
}

#define SG_SHIFT        7       /* 128-byte scatter WQEs: up to 7 SGEs */

/* A keyed scatter RXQ qn of side e, 2^KQ_LOG WQEs of 2^shift bytes. */
static uint8_t sg_rxq_create(EthSide *e, Rxq *q, uint32_t qn, uint8_t shift,
                             uint8_t flags, uint32_t pdn)
{
    struct rdo_cqp_cmd cmd;

    q->qn = qn;
    q->ring = td_alloc(e->d, 1u << (KQ_LOG + SG_SHIFT), 4096);
    q->pi = 0;
    cmd = rdo_cmd_create_eth_rxq(qn, q->ring, KQ_LOG, flags,
                                 (flags & RDO_ETH_RXQ_F_LRO) ? LRO_USEC : 0,
                                 ETH_CQN);
    cmd.u.create_eth_rxq.pdn = pdn;
    cmd.u.create_eth_rxq.wqe_shift = shift;
    return td_cmd(e->d, &cmd).status;
}

/* Posts a scatter WQE of n SGEs (num_sge as given: it may lie). */
static void sg_post(EthSide *e, Rxq *q, uint64_t wr_id, uint16_t num_sge,
                    const struct rdo_sge *sge, uint32_t n)
{
    struct rdo_eth_rx_sg_wqe h = { .wr_id = wr_id, .num_sge = num_sge };
    uint8_t *slot = td_ptr(e->d, q->ring + ((q->pi++ & ((1u << KQ_LOG) - 1))
                                            << SG_SHIFT));

    memset(slot, 0, 1u << SG_SHIFT);
    memcpy(slot, &h, sizeof(h));
    memcpy(slot + sizeof(h), sge, n * sizeof(*sge));
    td_doorbell(e->d, 0, RDO_DB_ETH_RXQ, RDO_DB_VALUE(q->qn, 0, q->pi));
}

/* Side 1 receives the steered flow's frame f; its next CQE. */
static struct rdo_eth_cqe sg_receive(EthPair *ep, const uint8_t *f, size_t len)
{
    rdo_core_receive(&ep->e[1].d->h->core, f, len);
    pair_run(ep->p, 100000);
    return eth_poll(&ep->e[1]);
}

/*
 * Scatter RXQs (a raw packet QP's receive WRs of several SGEs): a frame
 * filled into the SGEs in order (a zero-length one skipped, the pieces
 * unaligned, one across the scattered MR's pages), nothing written past
 * the frame; malformed WQEs (num_sge 0 or beyond the stride, reserved,
 * summed length too short, an lkey refused in a later SGE with nothing
 * written into the earlier ones) complete with their error and the frame
 * takes the next WQE; a frame longer than the SGEs together; the create
 * command's refusals (LRO, a stride beyond 1 KiB or below 64 bytes, a
 * reserved byte); a saved and loaded scatter RXQ goes on scattering.
 */
static void test_scatter_rxq(void)
{
    EthPair *ep = eth_pair(0);
    EthSide *rx = &ep->e[1];
    PairSide *s1 = &ep->p->s[1];
    uint32_t pdn = s1->layout->pdn;
    struct rdo_cmd_create_flow_rule m = five_tuple(SPORT, 0);
    g_autofree uint8_t *f = g_malloc(2048);
    g_autofree uint8_t *got = g_malloc(2048);
    uint64_t d = PAIR_DST + 0x3000;
    struct rdo_cqp_cmd cmd;
    struct rdo_eth_cqe c;
    RdoScat r;
    Rxq k;
    size_t len;

    scat_new(ep, 1, &r, MR_SCAT);
    g_assert_cmpuint(sg_rxq_create(rx, &k, KQ, SG_SHIFT,
                                   RDO_ETH_RXQ_F_KEYED | RDO_ETH_RXQ_F_LRO, pdn),
                     ==, RDO_CQP_BAD_PARAM);
    g_assert_cmpuint(sg_rxq_create(rx, &k, KQ, RDO_WQE_SHIFT_MAX + 1,
                                   RDO_ETH_RXQ_F_KEYED, pdn), ==, RDO_CQP_BAD_PARAM);
    g_assert_cmpuint(sg_rxq_create(rx, &k, KQ, 4, RDO_ETH_RXQ_F_KEYED, pdn), ==,
                     RDO_CQP_BAD_PARAM);
    cmd = rdo_cmd_create_eth_rxq(KQ, td_alloc(rx->d, 4096, 4096), KQ_LOG, 0, 0,
                                 ETH_CQN);
    cmd.u.create_eth_rxq.reserved[6] = 1;
    g_assert_cmpuint(td_cmd(rx->d, &cmd).status, ==, RDO_CQP_BAD_RESERVED);
    g_assert_cmpuint(sg_rxq_create(rx, &k, KQ, SG_SHIFT, RDO_ETH_RXQ_F_KEYED, pdn),
                     ==, RDO_CQP_OK);
    g_assert_cmpuint(rule_create(rx->d, KQ, &m, NULL), ==, RDO_CQP_OK);
    for (uint32_t i = 0; i < 400; i++) {
        got[i] = pattern(i);
    }
    len = tcp_frame(ep, f, 1, RDO_TCP_ACK, got, 400, 1, true);

    /* 23 bytes across two pages of the scattered MR, none, 41 in the
     * plain MR, the rest (and room to spare) in the scattered one. */
    {
        struct rdo_sge sge[4] = {
            { r.iova + 4096 - 11, 23, r.key },
            { d, 0, s1->mr_key },
            { d + 5, 41, s1->mr_key },
            { r.iova + 0x2003, 1500, r.key },
        };

        memset(pair_mr_ptr(s1, d), 0xee, 64);
        sg_post(rx, &k, 40, 4, sge, 4);
        c = sg_receive(ep, f, len);
        g_assert_cmpuint(c.wr_id, ==, 40);
        g_assert_cmpuint(c.status, ==, RDO_WC_SUCCESS);
        g_assert_cmpuint(c.queue, ==, KQ);
        g_assert_cmpuint(c.byte_len, ==, len);
        scat_read(&r, rx->d, r.iova + 4096 - 11, got, 23);
        g_assert_cmpmem(got, 23, f, 23);
        g_assert_cmpmem(pair_mr_ptr(s1, d + 5), 41, f + 23, 41);
        g_assert_cmpuint(*pair_mr_ptr(s1, d + 4), ==, 0xee);
        g_assert_cmpuint(*pair_mr_ptr(s1, d + 46), ==, 0xee);
        scat_read(&r, rx->d, r.iova + 0x2003, got, len - 64);
        g_assert_cmpmem(got, len - 64, f + 64, len - 64);
        rdo_scat_expect(&r, r.iova + 4096 - 11, f, 23);
        rdo_scat_expect(&r, r.iova + 0x2003, f + 64, len - 64);
    }

    /* Malformed WQEs, then one whose second SGE's key is refused, then
     * one too short for the frame, then a good one that takes it. */
    {
        struct rdo_sge good[2] = {
            { d + 0x100, 30, s1->mr_key }, { d + 0x200, 2000, s1->mr_key },
        };
        struct rdo_sge bad_key[2] = {
            { d + 0x400, 30, s1->mr_key }, { d + 0x500, 2000, s1->mr_key ^ 0x77 },
        };
        struct rdo_sge short_sge[2] = {
            { d + 0x400, 30, s1->mr_key }, { d + 0x500, 40, s1->mr_key },
        };
        struct rdo_sge tiny[2] = {
            { d + 0x400, 30, s1->mr_key }, { d + 0x500, 33, s1->mr_key },
        };
        uint8_t *slot;

        memset(pair_mr_ptr(s1, d + 0x400), 0xee, 0x200);
        sg_post(rx, &k, 1, 0, good, 2);                 /* num_sge 0 */
        sg_post(rx, &k, 2, 8, good, 2);                 /* beyond 128 bytes */
        sg_post(rx, &k, 3, 2, tiny, 2);                 /* 63 bytes in all */
        sg_post(rx, &k, 4, 2, good, 2);                 /* reserved, below */
        slot = td_ptr(rx->d, k.ring + (((k.pi - 1) & ((1u << KQ_LOG) - 1))
                                       << SG_SHIFT));
        ((struct rdo_eth_rx_sg_wqe *)slot)->reserved1 = 1;
        sg_post(rx, &k, 5, 2, bad_key, 2);
        sg_post(rx, &k, 6, 2, short_sge, 2);
        sg_post(rx, &k, 7, 2, good, 2);
        c = sg_receive(ep, f, len);
        for (uint64_t id = 1; id <= 4; id++) {
            g_assert_cmpuint(c.wr_id, ==, id);
            g_assert_cmpuint(c.status, ==, RDO_WC_LOC_QP_OP_ERR);
            g_assert_cmpuint(c.vendor_err, ==, RDO_VENDOR_ERR_BAD_WQE);
            c = eth_poll(rx);
        }
        g_assert_cmpuint(c.wr_id, ==, 5);
        g_assert_cmpuint(c.status, ==, RDO_WC_LOC_PROT_ERR);
        g_assert_cmpuint(c.vendor_err, ==, RDO_VENDOR_ERR_BAD_KEY);
        c = eth_poll(rx);
        g_assert_cmpuint(c.wr_id, ==, 6);
        g_assert_cmpuint(c.status, ==, RDO_WC_LOC_LEN_ERR);
        g_assert_cmpuint(eth_poll(rx).opcode, ==, 0);
        for (uint32_t i = 0; i < 0x200; i++) {
            g_assert_cmpuint(*pair_mr_ptr(s1, d + 0x400 + i), ==, 0xee);
        }
        /* The next frame takes WQE 7. */
        c = sg_receive(ep, f, len);
        g_assert_cmpuint(c.wr_id, ==, 7);
        g_assert_cmpuint(c.status, ==, RDO_WC_SUCCESS);
        g_assert_cmpmem(pair_mr_ptr(s1, d + 0x100), 30, f, 30);
        g_assert_cmpmem(pair_mr_ptr(s1, d + 0x200), len - 30, f + 30, len - 30);
        g_assert_cmpuint(rx->d->h->class_count[RDO_GE_ETH_BAD_KEY], ==, 1);
    }
    rdo_scat_assert(&r, "scatter RXQ");

    /* Across save and load: the stride stays, the next WQE scatters. */
    {
        struct rdo_sge two[2] = {
            { d + 0x800, 50, s1->mr_key }, { d + 0x900, 2000, s1->mr_key },
        };

        RdoCore *core = &rx->d->h->core;
        g_autofree void *buf = NULL;
        g_autofree char *why = NULL;
        size_t blen;

        sg_post(rx, &k, 8, 2, two, 2);
        buf = rdo_core_save(core, &blen);
        if (!rdo_core_load(core, buf, blen, &why)) {
            g_error("load: %s", why);
        }
        c = sg_receive(ep, f, len);
        g_assert_cmpuint(c.wr_id, ==, 8);
        g_assert_cmpuint(c.status, ==, RDO_WC_SUCCESS);
        g_assert_cmpmem(pair_mr_ptr(s1, d + 0x800), 50, f, 50);
        g_assert_cmpmem(pair_mr_ptr(s1, d + 0x900), len - 50, f + 50, len - 50);
    }
    rdo_scat_free(&r);
    eth_pair_free(ep);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/eth-steer/five-tuple", test_five_tuple);
    g_test_add_func("/eth-steer/keyed-lro", test_keyed_lro);
    g_test_add_func("/eth-steer/tso-to-keyed-lro", test_tso_to_keyed_lro);
    g_test_add_func("/eth-steer/keyed-errors", test_keyed_errors);
    g_test_add_func("/eth-steer/bad-rules", test_bad_rules);
    g_test_add_func("/eth-steer/removal", test_removal);
    g_test_add_func("/eth-steer/migrate", test_migrate);
    g_test_add_func("/eth-steer/raw-loopback", test_raw_loopback);
    g_test_add_func("/eth-steer/same-rule-two-rxqs", test_same_rule_two_rxqs);
    g_test_add_func("/eth-steer/scatter-rxq", test_scatter_rxq);
    return g_test_run();
}
