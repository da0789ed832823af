/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of RoCEv2 congestion control: the CNP on the wire (a public
 * vector), ECN marking, the notification point (CE-marked packets answered
 * with CNPs, one per interval and QP), the DCQCN reaction point's state
 * machine in simulated time, pacing in the timing model, and bad input
 * (CNPs for no QP, floods, CE on other traffic).
 *
 *   test-cc --pcap-cnp FILE    writes a capture of a WRITE whose packets
 *                              a switch marked CE, and the CNPs it caused
 *                              (used by tests/tools/captures.sh)
 */
#include <string.h>
#include "test-pair.h"
#include "incast.h"
#include "timing-work.h"
#include "xport/transport.h"

#define QPN         2           /* slot 0 of the pair */
#define MTU_1024    3
#define LINE_KBPS   100000000ull        /* the default 100 Gbit/s */

/*
 * A CNP as a ConnectX sends it, from the public example of the RoCEv2 CNP
 * format (NVIDIA community article "RoCEv2 CNP Packet Format Example", as
 * libconntrack-cm's test reproduces it): IPv4 from 22.22.22.8 to
 * 22.22.22.7, TOS 0x89, ID 0x98c6, TTL 0x20, UDP source port 56238, dest
 * QP 0xd2, BECN set; from the IP header on, ICRC last.
 */
static const uint8_t cnp_vector[] = {
    0x45, 0x89, 0x00, 0x3c, 0x98, 0xc6, 0x40, 0x00, 0x20, 0x11, 0x69, 0x27,
    0x16, 0x16, 0x16, 0x08, 0x16, 0x16, 0x16, 0x07,
    0xdb, 0xae, 0x12, 0xb7, 0x00, 0x28, 0x00, 0x00,
    0x81, 0x00, 0xff, 0xff, 0x40, 0x00, 0x00, 0xd2, 0x00, 0x00, 0x00, 0x00,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0xda, 0xfc, 0x1b, 0xef,
};

static void gid4(uint8_t gid[16], uint8_t last)
{
    static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

    memcpy(gid, prefix, 12);
    gid[12] = gid[13] = gid[14] = 22;
    gid[15] = last;
}

static void test_cnp_vector(void)
{
    RdoWirePacket pkt = {
        .dst_mac = { 2, 0, 0, 0, 0, 7 }, .src_mac = { 2, 0, 0, 0, 0, 8 },
        .traffic_class = 0x89, .hop_limit = 0x20, .ip_id = 0x98c6,
        .udp_sport = 56238, .opcode = RDO_OPCODE_CNP, .becn = true,
        .pkey = RDO_PKEY_DEFAULT, .dest_qp = 0xd2,
    };
    g_autofree uint8_t *frame = NULL;
    RdoWireParsed p;
    int len;

    gid4(pkt.src_gid, 8);
    gid4(pkt.dst_gid, 7);
    len = rdo_wire_frame_len(&pkt);
    g_assert_cmpint(len, ==, RDO_ETH_HLEN + sizeof(cnp_vector));
    frame = g_malloc(len);      /* exactly its size: ASan sees overruns */
    g_assert_cmpint(rdo_wire_build(&pkt, frame, len), ==, len);
    g_assert_cmpmem(frame + RDO_ETH_HLEN, sizeof(cnp_vector), cnp_vector,
                    sizeof(cnp_vector));

    /* The reserved bytes are under the ICRC, BECN is not. */
    frame[RDO_ETH_HLEN + 28 + 12 + 5] ^= 0x5a;
    g_assert_cmpint(rdo_wire_parse(frame, len, &p), ==, -RDO_WIRE_E_BAD_ICRC);
    frame[RDO_ETH_HLEN + 28 + 12 + 5] ^= 0x5a;
    frame[RDO_ETH_HLEN + 28 + 4] = 0;
    g_assert_cmpint(rdo_wire_parse(frame, len, &p), ==, 0);
    g_assert_false(p.pkt.becn);
    frame[RDO_ETH_HLEN + 28 + 4] = RDO_BTH_BECN;
    /* And the vector parses: a CNP for QP 0xd2. */
    g_assert_cmpint(rdo_wire_parse(frame, len, &p), ==, 0);
    g_assert_cmphex(p.pkt.opcode, ==, RDO_OPCODE_CNP);
    g_assert_cmpstr(p.op->name, ==, "CNP");
    g_assert_true(p.pkt.becn);
    g_assert_cmphex(p.pkt.dest_qp, ==, 0xd2);
    g_assert_cmpuint(p.pkt.psn, ==, 0);
    g_assert_cmpuint(p.pkt.payload_len, ==, 0);
    g_assert_cmphex(p.pkt.traffic_class & RDO_ECN_MASK, ==, RDO_ECN_ECT1);

    /* A CNP with a payload, or cut short, is not one. */
    pkt.payload = cnp_vector;
    pkt.payload_len = 4;
    g_assert_cmpint(rdo_wire_frame_len(&pkt), ==, -RDO_WIRE_E_BAD_LENGTH);
}

/* ECN codepoints read and CE set: IPv4 (checksum kept right), IPv6, and
 * frames that are not IP or not ECN-capable left alone. */
static void test_ecn_marking(void)
{
    uint8_t buf[256];
    RdoWirePacket pkt = {
        .traffic_class = (46 << 2) | RDO_ECN_ECT0, .hop_limit = 64,
        .opcode = RDO_OP_SEND_ONLY, .pkey = RDO_PKEY_DEFAULT, .dest_qp = 9,
        .payload = cnp_vector, .payload_len = 13,
    };
    RdoWireParsed p;
    int len;

    for (int v6 = 0; v6 < 2; v6++) {
        if (v6) {
            memset(pkt.src_gid, 0, 16);
            memset(pkt.dst_gid, 0, 16);
            pkt.src_gid[0] = pkt.dst_gid[0] = 0xfd;
            pkt.src_gid[15] = 1;
            pkt.dst_gid[15] = 2;
        } else {
            gid4(pkt.src_gid, 1);
            gid4(pkt.dst_gid, 2);
        }
        pkt.traffic_class = (46 << 2) | RDO_ECN_ECT0;
        len = rdo_wire_build(&pkt, buf, sizeof(buf));
        g_assert_cmpint(len, >, 0);
        g_assert_cmpint(rdo_wire_ecn(buf, len), ==, RDO_ECN_ECT0);
        g_assert_true(rdo_wire_set_ce(buf, len));
        g_assert_cmpint(rdo_wire_ecn(buf, len), ==, RDO_ECN_CE);
        g_assert_false(rdo_wire_set_ce(buf, len));      /* already CE */
        /* The ICRC masks the ECN bits; the IPv4 checksum was updated. */
        g_assert_cmpint(rdo_wire_parse(buf, len, &p), ==, 0);
        g_assert_cmphex(p.pkt.traffic_class, ==, (46 << 2) | RDO_ECN_CE);

        pkt.traffic_class = 46 << 2;                    /* Not-ECT */
        len = rdo_wire_build(&pkt, buf, sizeof(buf));
        g_assert_false(rdo_wire_set_ce(buf, len));
        g_assert_cmpint(rdo_wire_ecn(buf, len), ==, RDO_ECN_NOT_ECT);
    }
    /* ARP, and IP frames too short to hold their header. */
    memset(buf, 0, sizeof(buf));
    rdo_put_be16(buf + 12, 0x0806);
    buf[RDO_ETH_HLEN + 1] = RDO_ECN_ECT0;
    g_assert_cmpint(rdo_wire_ecn(buf, 60), ==, -1);
    g_assert_false(rdo_wire_set_ce(buf, 60));
    rdo_put_be16(buf + 12, RDO_ETHERTYPE_IPV4);
    buf[RDO_ETH_HLEN] = 0x45;
    g_assert_cmpint(rdo_wire_ecn(buf, RDO_ETH_HLEN + 19), ==, -1);
    g_assert_cmpint(rdo_wire_ecn(buf, RDO_ETH_HLEN + 20), ==, RDO_ECN_ECT0);
    g_assert_cmpint(rdo_wire_ecn(buf, 13), ==, -1);
}

/* The DCQCN state machine on its own, step by step in simulated time. */
#define US  1000000ull          /* picoseconds */

static RdoDcqcnParams default_params(void)
{
    RdoConfig c = test_host_default_config();
    RdoDcqcnParams p;

    rdo_dcqcn_params(&p, &c.cc, c.tm.link_gbps);
    return p;
}

static void test_dcqcn_stages(void)
{
    RdoDcqcnParams p = default_params();
    RdoDcqcn d = { 0 };
    static const uint64_t fast[] = {
        37500000, 43750000, 46875000, 48437500, 49218750,
    };
    uint64_t rt, rc;
    uint32_t alpha;

    g_assert_cmpuint(p.line_kbps, ==, LINE_KBPS);
    g_assert_cmpuint(rdo_dcqcn_rate_kbps(&d, &p), ==, LINE_KBPS);
    /* First CNP: alpha starts at 1, the rate halves. */
    g_assert_true(rdo_dcqcn_cnp(&d, &p, 0));
    g_assert_true(d.limited);
    g_assert_cmpuint(d.rt_kbps, ==, LINE_KBPS);
    g_assert_cmpuint(d.rc_kbps, ==, LINE_KBPS / 2);
    g_assert_cmpuint(d.alpha, ==, RDO_DCQCN_ONE);
    /* Others within the reduce period (4 us) change nothing. */
    g_assert_cmpuint(p.reduce_ps, ==, 4 * US);
    for (uint64_t t = 0; t < 4 * US; t += US / 2) {
        g_assert_false(rdo_dcqcn_cnp(&d, &p, t + US / 2 - 1));
    }
    g_assert_cmpuint(d.rc_kbps, ==, LINE_KBPS / 2);
    g_assert_cmpuint(d.alpha, ==, RDO_DCQCN_ONE);
    g_assert_cmpuint(d.cut_ps, ==, 0);
    /* A second one 5 us later: target 50, current 25 Gbit/s. */
    g_assert_true(rdo_dcqcn_cnp(&d, &p, 5 * US));
    g_assert_cmpuint(d.rt_kbps, ==, 50000000);
    g_assert_cmpuint(d.rc_kbps, ==, 25000000);
    g_assert_cmpstr(rdo_dcqcn_stage_name(d.stage), ==, "decrease");
    /* Nothing happens before the timers (55 us after the CNP). */
    rdo_dcqcn_advance(&d, &p, (5 + 55) * US - 1);
    g_assert_cmpuint(d.rc_kbps, ==, 25000000);
    g_assert_cmpuint(d.alpha, ==, RDO_DCQCN_ONE);
    /* F = 5 timer periods of fast recovery: halfway to the target each. */
    for (unsigned i = 0; i < G_N_ELEMENTS(fast); i++) {
        rdo_dcqcn_advance(&d, &p, (5 + 55 * (i + 1)) * US);
        g_assert_cmpuint(d.stage, ==, RDO_DCQCN_FAST_RECOVERY);
        g_assert_cmpuint(d.rt_kbps, ==, 50000000);
        g_assert_cmpuint(d.rc_kbps, ==, fast[i]);
        g_assert_cmpuint(d.t_cnt, ==, i + 1);
    }
    /* Alpha decayed once per period without a CNP: (1 - 1/256)^5. */
    alpha = RDO_DCQCN_ONE;
    for (int i = 0; i < 5; i++) {
        alpha -= alpha >> 8;
    }
    g_assert_cmpuint(d.alpha, ==, alpha);
    /* Then additive increase: the target up by R_AI (40 Mbit/s). */
    rdo_dcqcn_advance(&d, &p, (5 + 55 * 6) * US);
    g_assert_cmpuint(d.stage, ==, RDO_DCQCN_ADDITIVE);
    g_assert_cmpuint(d.rt_kbps, ==, 50040000);
    g_assert_cmpuint(d.rc_kbps, ==, (50040000 + 49218750 + 1) / 2);
    /* The byte counter: every B bytes a step; once both counters passed
     * F, hyper increase, by (the smaller count - F) x R_HAI. */
    for (uint32_t i = 1; i <= 7; i++) {
        rt = d.rt_kbps;
        rc = d.rc_kbps;
        rdo_dcqcn_sent(&d, &p, p.bytes - 1);
        rdo_dcqcn_sent(&d, &p, 1);
        g_assert_cmpuint(d.bc_cnt, ==, i);
        if (i <= 5) {
            g_assert_cmpuint(d.stage, ==, RDO_DCQCN_ADDITIVE);
            g_assert_cmpuint(d.rt_kbps, ==, rt + 40000);
        } else {
            g_assert_cmpuint(d.stage, ==, RDO_DCQCN_HYPER);
            g_assert_cmpuint(d.rt_kbps, ==, rt + (MIN(d.t_cnt, i) - 5) * 400000ull);
        }
        g_assert_cmpuint(d.rc_kbps, ==, (d.rt_kbps + rc + 1) / 2);
    }
    /* A CNP now takes off alpha/2 of the current rate. */
    rc = d.rc_kbps;
    alpha = d.alpha;
    rdo_dcqcn_cnp(&d, &p, (5 + 55 * 6) * US + 10);
    g_assert_cmpuint(d.rt_kbps, ==, rc);
    g_assert_cmpuint(d.rc_kbps, ==, rc - rc * alpha / (2ull * RDO_DCQCN_ONE));
    g_assert_cmpuint(d.alpha, ==, alpha - (alpha >> 8) + (RDO_DCQCN_ONE >> 8));
    g_assert_cmpuint(d.t_cnt + d.bc_cnt, ==, 0);
    /* Left alone it recovers to line rate and stops limiting. */
    rdo_dcqcn_advance(&d, &p, 1000000 * US);
    g_assert_false(d.limited);
    g_assert_cmpuint(d.stage, ==, RDO_DCQCN_IDLE);
    g_assert_cmpuint(rdo_dcqcn_rate_kbps(&d, &p), ==, LINE_KBPS);
    g_assert_cmpuint(d.alpha, ==, 0);
}

/* A flood of CNPs: the rate stays within [min rate, line rate]; with the
 * reduce period, a flood at one instant costs one cut. */
static void test_dcqcn_bounds(void)
{
    RdoDcqcnParams p = default_params();
    RdoDcqcn d = { 0 };
    uint32_t cuts = 0;

    for (int i = 0; i < 100000; i++) {
        cuts += rdo_dcqcn_cnp(&d, &p, (uint64_t)i * 10);   /* every 10 ps */
    }
    g_assert_cmpuint(cuts, ==, 1);
    g_assert_cmpuint(d.rc_kbps, ==, p.line_kbps / 2);
    /* Every 5 us (past the period), and with no period at all: each a
     * cut, down to the floor and no further. */
    for (int k = 0; k < 2; k++) {
        memset(&d, 0, sizeof(d));
        p.reduce_ps = k ? 0 : p.reduce_ps;
        for (int i = 0; i < 100000; i++) {
            g_assert_true(rdo_dcqcn_cnp(&d, &p, (uint64_t)i * (k ? 100 : 5 * US)));
            g_assert_cmpuint(d.rc_kbps, >=, p.min_kbps);
            g_assert_cmpuint(d.rc_kbps, <=, d.rt_kbps);
            g_assert_cmpuint(d.rt_kbps, <=, p.line_kbps);
            g_assert_cmpuint(d.alpha, <=, RDO_DCQCN_ONE);
        }
        g_assert_cmpuint(d.rc_kbps, ==, p.min_kbps);
    }
    for (int i = 0; i < 100000; i++) {
        rdo_dcqcn_sent(&d, &p, UINT32_MAX);
        g_assert_cmpuint(d.rc_kbps, <=, p.line_kbps);
    }
    g_assert_false(d.limited);
}

/*
 * The wire of a pair as a congested switch: side 0's ECN-capable packets
 * marked CE; every CNP side 1 sends counted, the last one kept.
 */
typedef struct CeWire {
    bool mark;
    uint64_t mark_until_ns;     /* 0: for ever */
    uint32_t marked, cnps, other;
    uint8_t cnp[128];
    size_t cnp_len;
} CeWire;

static bool ce_tamper(Pair *p, int from, uint8_t *frame, size_t *len,
                      bool *again, void *opaque)
{
    CeWire *w = opaque;
    RdoWireParsed pp;

    if (from == 0 && w->mark &&
        (!w->mark_until_ns || p->s[0].d->h->now_ns < w->mark_until_ns) &&
        rdo_wire_set_ce(frame, *len)) {
        w->marked++;
    }
    if (from == 1 && !rdo_wire_parse(frame, *len, &pp)) {
        if (pp.pkt.opcode == RDO_OPCODE_CNP) {
            w->cnps++;
            w->cnp_len = MIN(*len, sizeof(w->cnp));
            memcpy(w->cnp, frame, w->cnp_len);
        } else if (pp.pkt.traffic_class & RDO_ECN_MASK) {
            w->other++;         /* side 1's own packets: ECN-capable */
        }
    }
    return true;
}

static void post_write_on(Pair *p, int slot, uint64_t wr_id, uint64_t off,
                          uint32_t len)
{
    PairSide *a = &p->s[0];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, wr_id);
    struct rdo_sge sge = pair_sge_of(a, PAIR_SRC + off, len);

    w.remote_addr = PAIR_DST + off;
    w.rkey = p->s[1].mr_key;
    pair_fill(a, PAIR_SRC + off, len, (uint32_t)wr_id);
    pair_post_send(a, slot, &w, &sge, 1, NULL);
}

static void post_write(Pair *p, uint64_t wr_id, uint64_t off, uint32_t len)
{
    post_write_on(p, 0, wr_id, off, len);
}

static void write_ok(Pair *p, uint64_t wr_id, uint64_t off, uint32_t len)
{
    post_write(p, wr_id, off, len);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(&p->s[0], wr_id, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    pair_assert_same(&p->s[0], PAIR_SRC + off, &p->s[1], PAIR_DST + off, len);
}

static RdoCore *core_of(Pair *p, int k)
{
    return &p->s[k].d->h->core;
}

static void advance(Pair *p, uint64_t ns)
{
    p->s[0].d->h->now_ns += ns;
    p->s[1].d->h->now_ns += ns;
}

/* CE-marked packets: exactly one CNP per interval, to the sending QP. */
static void test_np_one_cnp(void)
{
    Pair *p = pair_new(NULL);
    CeWire w = { .mark = true };
    RdoCore *a = core_of(p, 0);
    RdoWireParsed cnp;

    pair_connect(p, 0, RDO_QPT_RC, MTU_1024);
    p->tamper = ce_tamper;
    p->tamper_opaque = &w;
    pair_capture(p, "cc-cnp");
    write_ok(p, 1, 0, 16 * 1024 + 100);     /* 17 packets, one instant */
    g_assert_cmpuint(w.marked, ==, 17);
    g_assert_cmpuint(pair_cnt(&p->s[1], RDO_REG_CNT_NP_ECN_MARKED), ==, 17);
    g_assert_cmpuint(w.cnps, ==, 1);
    g_assert_cmpuint(pair_cnt(&p->s[1], RDO_REG_CNT_NP_CNP_SENT), ==, 1);
    g_assert_cmpuint(w.other, >, 0);

    /* The CNP: to side 0's MAC, GID and QP, BECN, DSCP 48, Not-ECT. */
    g_assert_cmpint(rdo_wire_parse(w.cnp, w.cnp_len, &cnp), ==, 0);
    g_assert_cmpmem(cnp.pkt.dst_mac, 6, p->s[0].mac, 6);
    g_assert_cmpmem(cnp.pkt.dst_gid, 16, p->s[0].gid, 16);
    g_assert_cmpmem(cnp.pkt.src_gid, 16, p->s[1].gid, 16);
    g_assert_cmpuint(cnp.pkt.dest_qp, ==, QPN);
    g_assert_true(cnp.pkt.becn);
    g_assert_cmphex(cnp.pkt.traffic_class, ==, RDO_DEFAULT_CNP_DSCP << 2);
    g_assert_cmpuint(cnp.pkt.psn, ==, 0);

    /* Side 0 handled it: its QP runs at half the line rate now. */
    g_assert_cmpuint(pair_cnt(&p->s[0], RDO_REG_CNT_RP_CNP_HANDLED), ==, 1);
    g_assert_cmpuint(pair_cnt(&p->s[0], RDO_REG_CNT_RP_CNP_IGNORED), ==, 0);
    g_assert_true(a->st->xport[QPN].cc.rp.limited);
    g_assert_cmpuint(a->st->xport[QPN].cc.rp.rc_kbps, ==, LINE_KBPS / 2);

    /* Within the interval no more; after it, one more. */
    advance(p, 49 * 1000);
    write_ok(p, 2, 64 * 1024, 2000);
    g_assert_cmpuint(w.cnps, ==, 1);
    advance(p, 2 * 1000);
    write_ok(p, 3, 128 * 1024, 3000);
    g_assert_cmpuint(w.cnps, ==, 2);
    g_assert_cmpuint(pair_cnt(&p->s[1], RDO_REG_CNT_NP_ECN_MARKED), ==, 17 + 2 + 3);
    g_assert_cmpuint(pair_cnt(&p->s[0], RDO_REG_CNT_RP_CNP_HANDLED), ==, 2);
    g_assert_cmpuint(p->s[1].d->h->xport_events[RDO_XE_CNP_SENT], ==, 2);
    g_assert_cmpuint(p->s[0].d->h->xport_events[RDO_XE_CNP_RECEIVED], ==, 2);
    g_assert_cmpuint(p->s[0].d->h->errors->len + p->s[1].d->h->errors->len, ==, 0);
    pair_free(p);
}

/* cnp-interval-us 0: a CNP for every marked packet; ecn off: none. */
static void test_np_interval_and_off(void)
{
    RdoConfig cfg = test_host_default_config();
    CeWire w = { .mark = true };
    Pair *p;

    /* One CNP per marked packet; the reaction point takes the first and,
     * all arriving at one instant, coalesces the rest (reduce period)... */
    cfg.cc.cnp_interval_us = 0;
    for (int k = 0; k < 2; k++) {
        memset(&w, 0, sizeof(w));
        w.mark = true;
        cfg.cc.reduce_us = k ? 0 : RDO_DEFAULT_DCQCN_REDUCE_US;
        p = pair_new(&cfg);
        pair_connect(p, 0, RDO_QPT_RC, MTU_1024);
        p->tamper = ce_tamper;
        p->tamper_opaque = &w;
        write_ok(p, 1, 0, 8 * 1024);
        g_assert_cmpuint(w.cnps, ==, 8);
        g_assert_cmpuint(pair_cnt(&p->s[0], RDO_REG_CNT_RP_CNP_HANDLED), ==,
                         k ? 8 : 1);
        g_assert_cmpuint(core_of(p, 0)->cnt.rp_cnp_coalesced, ==, k ? 0 : 7);
        /* ...or without one, eight halvings (alpha stays 1 while CNPs
         * come): 100 / 2^8 Gbit/s. */
        g_assert_cmpuint(core_of(p, 0)->st->xport[QPN].cc.rp.rc_kbps, ==,
                         LINE_KBPS >> (k ? 8 : 1));
        pair_free(p);
    }

    /* ECN off: packets Not-ECT (nothing to mark), no CNPs. */
    cfg = test_host_default_config();
    cfg.cc.ecn = 0;
    memset(&w, 0, sizeof(w));
    w.mark = true;
    p = pair_new(&cfg);
    pair_connect(p, 0, RDO_QPT_RC, MTU_1024);
    p->tamper = ce_tamper;
    p->tamper_opaque = &w;
    write_ok(p, 1, 0, 8 * 1024);
    g_assert_cmpuint(w.marked + w.cnps + w.other, ==, 0);
    pair_free(p);
}

/* The traffic class of MODIFY_QP: DSCP as given, ECN the device's. */
/* Slot 0 of both sides connected by hand, each QP with its own traffic
 * class (ECN bits and all: the device must ignore those). */
static void connect_tclass(Pair *p, uint8_t tc_a, uint8_t tc_b)
{
    PairSide *a = &p->s[0], *b = &p->s[1];
    RdoPairPath path = {
        .dmac = b->mac, .dgid = b->gid, .dest_qpn = QPN,
        .sq_psn = 0x10, .rq_psn = 0x20, .path_mtu = MTU_1024,
        .timeout = PAIR_TIMEOUT, .traffic_class = tc_a,
    };
    RdoPairPath back = {
        .dmac = a->mac, .dgid = a->gid, .dest_qpn = QPN,
        .sq_psn = 0x20, .rq_psn = 0x10, .path_mtu = MTU_1024,
        .timeout = PAIR_TIMEOUT, .traffic_class = tc_b,
    };

    rdo_pair_connect_one(&a->rdo, 0, QPN, RDO_QPT_RC, 0, &path);
    rdo_pair_connect_one(&b->rdo, 0, QPN, RDO_QPT_RC, 0, &back);
}

static void test_traffic_class(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0];
    struct rdo_cqp_cmd q = td_cmd_of(RDO_CMD_QUERY_QP, QPN);
    struct rdo_qp_attr *attr;
    RdoWireParsed pp;

    connect_tclass(p, (26 << 2) | RDO_ECN_CE, 0);
    q.out_addr = td_alloc(a->d, sizeof(*attr), 8);
    g_assert_cmpuint(td_cmd(a->d, &q).status, ==, RDO_CQP_OK);
    attr = td_ptr(a->d, q.out_addr);
    g_assert_cmphex(attr->traffic_class, ==, 26 << 2);

    post_write(p, 7, 0, 100);
    rdo_core_wakeup(&a->d->h->core);
    g_assert_cmpuint(test_frames_count(&a->d->h->frames), ==, 1);
    {
        size_t len;
        const uint8_t *f = test_frames_get(&a->d->h->frames, 0, &len);

        g_assert_cmpint(rdo_wire_parse(f, len, &pp), ==, 0);
    }
    g_assert_cmphex(pp.pkt.traffic_class, ==, (26 << 2) | RDO_ECN_ECT0);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 7, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    pair_free(p);
}

/* Every RoCE frame on the wire, checked for its DSCP and ECN field. */
typedef struct EcnSeen {
    bool ecn;                   /* the device's ecn property */
    uint8_t dscp[2];            /* each side's QP's */
    uint32_t ok, bad, cnps;
    uint32_t kinds;             /* 1 << opcode & 0x1f of what was seen */
    bool mark_one;              /* CE-mark side 0's next request */
} EcnSeen;

static bool ecn_tamper(Pair *p, int from, uint8_t *frame, size_t *len,
                       bool *again, void *opaque)
{
    EcnSeen *e = opaque;
    RdoWireParsed pp;
    uint8_t want;

    if (rdo_wire_parse(frame, *len, &pp)) {
        return true;
    }
    if (pp.pkt.opcode == RDO_OPCODE_CNP) {
        e->cnps++;
        want = RDO_DEFAULT_CNP_DSCP << 2;               /* Not-ECT */
    } else {
        e->kinds |= 1u << (pp.pkt.opcode & 0x1f);
        want = (e->dscp[from] << 2) | (e->ecn ? RDO_ECN_ECT0 : RDO_ECN_NOT_ECT);
    }
    *(pp.pkt.traffic_class == want ? &e->ok : &e->bad) += 1;
    if (from == 0 && e->mark_one && !pp.op->response) {
        e->mark_one = !rdo_wire_set_ce(frame, *len);
    }
    return true;
}

/*
 * ECN on egress, every kind of RoCE packet of an RC connection: requests
 * (WRITE, READ, SEND, atomic), ACKs, READ responses, atomic ACKs carry the
 * sending QP's DSCP and ECT(0) (ecn=0: Not-ECT); a CNP carries cnp-dscp
 * and Not-ECT. A QP's traffic class with ECN bits set changes nothing.
 */
static void test_egress_ecn(void)
{
    static const uint8_t ops[] = {
        RDO_WR_RDMA_WRITE, RDO_WR_RDMA_READ, RDO_WR_SEND, RDO_WR_ATOMIC_FETCH_ADD,
    };
    static const uint8_t want_kinds[] = {
        RDO_OP_WRITE_FIRST, RDO_OP_WRITE_LAST, RDO_OP_READ_REQUEST,
        RDO_OP_READ_RESPONSE_FIRST, RDO_OP_READ_RESPONSE_LAST,
        RDO_OP_SEND_FIRST, RDO_OP_SEND_LAST, RDO_OP_FETCH_ADD, RDO_OP_ACKNOWLEDGE,
        RDO_OP_ATOMIC_ACKNOWLEDGE,
    };

    for (int ecn = 0; ecn < 2; ecn++) {
        RdoConfig cfg = test_host_default_config();
        EcnSeen e = { .ecn = ecn, .dscp = { 26, 46 }, .mark_one = true };
        PairSide *a, *b;
        Pair *p;

        cfg.cc.ecn = ecn;
        p = pair_new(&cfg);
        a = &p->s[0];
        b = &p->s[1];
        connect_tclass(p, (26 << 2) | RDO_ECN_ECT1, (46 << 2) | RDO_ECN_CE);
        p->tamper = ecn_tamper;
        p->tamper_opaque = &e;
        pair_post_recv(b, 0, 100, PAIR_DST + (64 << 10), 8192);
        for (unsigned i = 0; i < G_N_ELEMENTS(ops); i++) {
            struct rdo_send_wqe w = rdo_wqe(ops[i], i);
            uint32_t n = ops[i] == RDO_WR_ATOMIC_FETCH_ADD ? 8 : 3000 + 1000 * i;
            struct rdo_sge sge = pair_sge_of(a, PAIR_SRC + 16384 * i + 3, n);

            w.remote_addr = PAIR_DST + 16384 * i + (n == 8 ? 0 : 5);
            w.rkey = b->mr_key;
            w.compare_add = 1;
            pair_post_send(a, 0, &w, &sge, 1, NULL);
        }
        g_assert_true(pair_run_cqes(p, 0, G_N_ELEMENTS(ops), PAIR_SEC));
        for (unsigned i = 0; i < G_N_ELEMENTS(ops); i++) {
            pair_poll_success(a, G_N_ELEMENTS(ops));
        }
        for (unsigned i = 0; i < G_N_ELEMENTS(want_kinds); i++) {
            if (!(e.kinds & (1u << want_kinds[i]))) {
                g_error("no packet of opcode 0x%02x seen", want_kinds[i]);
            }
        }
        g_assert_cmpuint(e.bad, ==, 0);
        g_assert_cmpuint(e.ok, >=, 16);
        /* The one CE mark was answered (with ECN on: there was a mark). */
        g_assert_cmpuint(e.cnps, ==, ecn);
        g_assert_cmpint(e.mark_one, ==, !ecn);
        pair_free(p);
    }
}

/* A CNP frame from side 1's addresses to side 0, for QP qpn. */
static int make_cnp(Pair *p, uint32_t qpn, uint8_t *buf, size_t size)
{
    RdoWirePacket pkt = {
        .traffic_class = RDO_DEFAULT_CNP_DSCP << 2, .hop_limit = 64,
        .opcode = RDO_OPCODE_CNP, .becn = true, .pkey = RDO_PKEY_DEFAULT,
        .dest_qp = qpn, .udp_sport = 0xc123,
    };

    memcpy(pkt.dst_mac, p->s[0].mac, 6);
    memcpy(pkt.src_mac, p->s[1].mac, 6);
    memcpy(pkt.dst_gid, p->s[0].gid, 16);
    memcpy(pkt.src_gid, p->s[1].gid, 16);
    return rdo_wire_build(&pkt, buf, size);
}

/*
 * Bad input: CNPs for QPs that are not there or cannot send, with DCQCN
 * off, by the ten thousand; CE on traffic that is not RoCE. Counted, the
 * rate within its bounds, no error, and the QP still works.
 */
static void test_bad_cnps(void)
{
    RdoConfig cfg = test_host_default_config();
    Pair *p = pair_new(NULL);
    RdoCore *a = core_of(p, 0);
    uint8_t buf[256], udp[80];
    uint32_t dq_before;
    int len;

    pair_connect(p, 0, RDO_QPT_RC, MTU_1024);
    rdo_pair_create_qp(&p->s[0].rdo, 1, QPN + 1, RDO_QPT_RC, 0); /* RESET */
    dq_before = pair_cnt(&p->s[0], RDO_REG_CNT_RX_DROPS);
    for (uint32_t qpn = 0; qpn < 5000; qpn += 7) {    /* 0, 1, beyond max */
        if (qpn == QPN) {
            continue;
        }
        len = make_cnp(p, qpn, buf, sizeof(buf));
        rdo_core_receive(a, buf, len);
    }
    len = make_cnp(p, 0xffffff, buf, sizeof(buf));
    rdo_core_receive(a, buf, len);
    len = make_cnp(p, QPN + 1, buf, sizeof(buf));     /* a QP in RESET */
    rdo_core_receive(a, buf, len);
    g_assert_cmpuint(pair_cnt(&p->s[0], RDO_REG_CNT_RP_CNP_IGNORED), ==,
                     5000 / 7 + 1 + 1 + 1);
    g_assert_cmpuint(pair_cnt(&p->s[0], RDO_REG_CNT_RP_CNP_HANDLED), ==, 0);
    g_assert_cmpuint(pair_cnt(&p->s[0], RDO_REG_CNT_RX_DROPS), ==, dq_before);

    /* A flood for the QP at one instant: one cut, the rest coalesced. */
    pair_connect(p, 2, RDO_QPT_RC, MTU_1024);           /* a bystander */
    len = make_cnp(p, QPN, buf, sizeof(buf));
    for (int i = 0; i < 10000; i++) {
        rdo_core_receive(a, buf, len);
    }
    g_assert_cmpuint(pair_cnt(&p->s[0], RDO_REG_CNT_RP_CNP_HANDLED), ==, 1);
    g_assert_cmpuint(pair_cnt(&p->s[0], RDO_REG_CNT_RP_CNP_COALESCED), ==, 9999);
    g_assert_cmpuint(a->st->xport[QPN].cc.rp.rc_kbps, ==, LINE_KBPS / 2);
    /* One every reduce period: the rate at its floor, not below. */
    for (int i = 0; i < 2000; i++) {
        advance(p, RDO_DEFAULT_DCQCN_REDUCE_US * 1000);
        rdo_core_receive(a, buf, len);
    }
    g_assert_cmpuint(pair_cnt(&p->s[0], RDO_REG_CNT_RP_CNP_HANDLED), ==, 2001);
    g_assert_cmpuint(pair_cnt(&p->s[0], RDO_REG_CNT_RP_CNP_COALESCED), ==, 9999);
    g_assert_cmpuint(a->st->xport[QPN].cc.rp.rc_kbps, ==,
                     (uint64_t)RDO_DEFAULT_DCQCN_MIN_MBPS * 1000);
    /* The other QP was not touched. */
    g_assert_false(a->st->xport[QPN + 2].cc.rp.limited);
    g_assert_false(a->st->xport[QPN + 2].cc.rp.started);

    /* CE on a UDP frame that is not RoCE: counted, given to Ethernet. */
    memset(udp, 0, sizeof(udp));
    memcpy(udp, p->s[0].mac, 6);
    rdo_put_be16(udp + 12, RDO_ETHERTYPE_IPV4);
    udp[14] = 0x45;
    udp[15] = RDO_ECN_CE;
    rdo_put_be16(udp + 16, 40);
    udp[23] = RDO_IPPROTO_UDP;
    rdo_put_be16(udp + 14 + 20 + 2, 53);
    rdo_put_be16(udp + 24, rdo_csum_fold(rdo_csum_add(0, udp + 14, 20)));
    rdo_core_receive(a, udp, sizeof(udp));
    g_assert_cmpuint(a->cnt.rx_ecn_ce_other, ==, 1);
    g_assert_cmpuint(a->cnt.np_ecn_marked_roce_packets, ==, 0);
    g_assert_cmpuint(p->s[0].d->h->errors->len, ==, 0);

    /* The QP still moves data, paced or not (functional: not). */
    write_ok(p, 1, 0, 5000);
    pair_free(p);

    /* DCQCN off: CNPs counted as ignored, the QP never limited. */
    cfg.cc.dcqcn = 0;
    p = pair_new(&cfg);
    pair_connect(p, 0, RDO_QPT_RC, MTU_1024);
    len = make_cnp(p, QPN, buf, sizeof(buf));
    for (int i = 0; i < 100; i++) {
        rdo_core_receive(core_of(p, 0), buf, len);
    }
    g_assert_cmpuint(pair_cnt(&p->s[0], RDO_REG_CNT_RP_CNP_IGNORED), ==, 100);
    g_assert_false(core_of(p, 0)->st->xport[QPN].cc.rp.limited);
    write_ok(p, 1, 0, 5000);
    pair_free(p);
}

/*
 * Timing model: a stream of WRITEs (4 MiB) through a switch that marks
 * every packet of its first 150 us. With DCQCN the QP slows down (one CNP
 * per 50 us) and recovers; without, it runs at line rate and the CNPs are
 * ignored. Returns the goodput in Gbit/s.
 */
/* QUERY_COUNTERS reports congestion control's counters as the core keeps them. */
/*
 * Congestion state is soft: a QP slowed to its floor, its device saved and
 * loaded (migration; failover rebuilds the same way) comes back at line
 * rate with no limiter and no CNP history, and moves data at once; the
 * next CNP starts DCQCN afresh (alpha 1, half the line rate).
 */
static void test_soft_state(void)
{
    Pair *p = pair_new(NULL);
    RdoCore *a = core_of(p, 0);
    RdoCcPart *cc = &a->st->xport[QPN].cc;
    g_autofree uint8_t *buf = NULL;
    uint8_t cnp[256];
    char *why = NULL;
    size_t len;
    int n;

    pair_connect(p, 0, RDO_QPT_RC, MTU_1024);
    n = make_cnp(p, QPN, cnp, sizeof(cnp));
    for (int i = 0; i < 1000; i++) {
        advance(p, RDO_DEFAULT_DCQCN_REDUCE_US * 1000);
        rdo_core_receive(a, cnp, n);
    }
    g_assert_cmpuint(cc->rp.rc_kbps, ==, (uint64_t)RDO_DEFAULT_DCQCN_MIN_MBPS * 1000);
    buf = rdo_core_save(a, &len);
    g_assert_nonnull(buf);
    g_assert_true(rdo_core_load(a, buf, len, &why));
    cc = &a->st->xport[QPN].cc;
    g_assert_false(cc->rp.limited);
    g_assert_false(cc->rp.started);
    g_assert_false(cc->cnp_sent);
    g_assert_cmpuint(cc->next_tx_ps, ==, 0);
    write_ok(p, 1, 0, 5000);
    rdo_core_receive(a, cnp, n);
    g_assert_true(cc->rp.limited);
    g_assert_cmpuint(cc->rp.alpha, ==, RDO_DCQCN_ONE);
    g_assert_cmpuint(cc->rp.rc_kbps, ==, LINE_KBPS / 2);
    pair_free(p);
}

static void assert_cc_counters_reported(Pair *p, int side)
{
    PairSide *s = &p->s[side];
    const RdoCounters *c = &core_of(p, side)->cnt;
    uint64_t out = td_alloc(s->d, sizeof(struct rdo_port_counters), 8);
    struct rdo_port_counters q;

    g_assert_cmpuint(rdo_pair_cmd(&s->rdo, rdo_cmd_query(RDO_CMD_QUERY_COUNTERS,
                                                         0, out), NULL),
                     ==, RDO_CQP_OK);
    memcpy(&q, td_ptr(s->d, out), sizeof(q));
    g_assert_cmpuint(q.np_ecn_marked_roce_packets, ==, c->np_ecn_marked_roce_packets);
    g_assert_cmpuint(q.np_cnp_sent, ==, c->np_cnp_sent);
    g_assert_cmpuint(q.rp_cnp_handled, ==, c->rp_cnp_handled);
    g_assert_cmpuint(q.rp_cnp_ignored, ==, c->rp_cnp_ignored);
}

static double marked_stream(bool dcqcn, CeWire *w, RdoCounters *a_cnt)
{
    RdoConfig cfg = work_config(true, 100, RDO_DEFAULT_QPC_CACHE,
                                RDO_DEFAULT_LOOKAHEAD);
    const uint32_t msg = 64 * 1024, count = 64, depth = 8;
    uint32_t posted = 0, done = 0;
    uint64_t t0;
    Pair *p;

    cfg.cc.dcqcn = dcqcn;
    p = pair_new(&cfg);
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096);
    p->tamper = ce_tamper;
    p->tamper_opaque = w;
    t0 = p->s[0].d->h->now_ns;
    w->mark_until_ns += t0;     /* from the start of the stream */
    while (done < count) {
        while (posted < count && posted - done < depth) {
            post_write(p, posted, (uint64_t)(posted % 16) * msg, msg);
            posted++;
        }
        g_assert_true(pair_step(p, p->s[0].d->h->now_ns + PAIR_SEC));
        while (pair_cq_ready(&p->s[0])) {
            struct rdo_cqe e = pair_poll(&p->s[0]);

            g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
            done++;
        }
    }
    pair_assert_same(&p->s[0], PAIR_SRC, &p->s[1], PAIR_DST, 16 * msg);
    *a_cnt = core_of(p, 0)->cnt;
    t0 = p->s[0].d->h->now_ns - t0;
    g_assert_cmpuint(core_of(p, 1)->cnt.np_cnp_sent, ==, w->cnps);
    assert_cc_counters_reported(p, 0);
    assert_cc_counters_reported(p, 1);
    pair_free(p);
    return (double)count * msg * 8 / t0;
}

static void test_rp_pacing(void)
{
    CeWire on = { .mark = true, .mark_until_ns = 150000 };
    CeWire off = on;
    RdoCounters c_on, c_off;
    double g_on = marked_stream(true, &on, &c_on);
    double g_off = marked_stream(false, &off, &c_off);

    g_test_message("marked stream: %.1f Gbit/s with DCQCN (%u CNPs), %.1f "
                   "without (%u CNPs)", g_on, on.cnps, g_off, off.cnps);
    /* Without DCQCN: the wire's rate; every CNP ignored. */
    g_assert_cmpfloat(g_off, >, 90);
    g_assert_cmpuint(c_off.rp_cnp_ignored, ==, off.cnps);
    g_assert_cmpuint(c_off.rp_cnp_handled, ==, 0);
    /* With: one CNP per 50 us at most, each handled, the rate well down. */
    g_assert_cmpuint(c_on.rp_cnp_handled, ==, on.cnps);
    g_assert_cmpuint(on.cnps, >=, 3);
    g_assert_cmpuint(on.cnps, <=, 4);
    g_assert_cmpfloat(g_on, <, 0.5 * g_off);
    g_assert_cmpfloat(g_on, >, 0.15 * g_off);
}

/*
 * Timing model: QP 2 WRITEs 256 KiB and QP 3 1 MiB to the peer at once,
 * while (flood) ten CNPs for QP 2 arrive every 5 us from anyone. The
 * completion times of both, in ns.
 */
static void flood_run(bool flood, uint64_t *slow_ns, uint64_t *fast_ns)
{
    RdoConfig cfg = work_config(true, 100, RDO_DEFAULT_QPC_CACHE,
                                RDO_DEFAULT_LOOKAHEAD);
    Pair *p = pair_new(&cfg);
    RdoCore *a = core_of(p, 0);
    const RdoDcqcn *slow = &a->st->xport[QPN].cc.rp;
    uint64_t t0, next;
    uint8_t cnp[256];
    int n;

    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096);
    pair_connect(p, 1, RDO_QPT_RC, RDO_MTU_4096);
    n = make_cnp(p, QPN, cnp, sizeof(cnp));
    t0 = next = p->s[0].d->h->now_ns;
    *slow_ns = *fast_ns = 0;
    post_write_on(p, 0, 1, 0, 256 << 10);
    post_write_on(p, 1, 2, 1 << 20, 1 << 20);
    while (!*slow_ns || !*fast_ns) {
        next += 5000;
        while (pair_step(p, next)) {
            continue;
        }
        g_assert_cmpuint(p->s[0].d->h->now_ns - t0, <, PAIR_SEC);
        advance(p, next - p->s[0].d->h->now_ns);
        for (int i = 0; flood && i < 10; i++) {
            rdo_core_receive(a, cnp, n);
        }
        g_assert_true(!slow->limited ||
                      slow->rc_kbps >= (uint64_t)RDO_DEFAULT_DCQCN_MIN_MBPS * 1000);
        while (pair_cq_ready(&p->s[0])) {
            struct rdo_cqe e = pair_poll_success(&p->s[0], 3);

            *(e.wr_id == 1 ? slow_ns : fast_ns) = p->s[0].d->h->now_ns - t0;
        }
    }
    pair_assert_same(&p->s[0], PAIR_SRC, &p->s[1], PAIR_DST, 256 << 10);
    pair_assert_same(&p->s[0], PAIR_SRC + (1 << 20), &p->s[1],
                     PAIR_DST + (1 << 20), 1 << 20);
    /* The other QP was never touched. */
    g_assert_false(a->st->xport[QPN + 1].cc.rp.started);
    if (flood) {
        g_assert_true(slow->started);
        g_assert_cmpuint(a->cnt.rp_cnp_handled, >, 1);
        g_assert_cmpuint(a->cnt.rp_cnp_coalesced, >=, 8 * a->cnt.rp_cnp_handled);
    }
    pair_free(p);
}

/*
 * A flood of CNPs for one QP: it slows, down to its floor and no lower,
 * and still completes; the other QP on the link finishes no later than
 * without the flood (it is not limited, and gets the link the flooded one
 * leaves).
 */
static void test_rp_flood_bystander(void)
{
    uint64_t slow, fast, slow_f, fast_f;

    flood_run(true, &slow_f, &fast_f);
    flood_run(false, &slow, &fast);
    g_test_message("256 KiB and 1 MiB on two QPs: %" G_GUINT64_FORMAT " and %"
                   G_GUINT64_FORMAT " ns; the first flooded with CNPs: %"
                   G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT " ns",
                   slow, fast, slow_f, fast_f);
    g_assert_cmpuint(slow_f, >, 2 * slow);
    g_assert_cmpuint(fast_f, <=, fast);
}

/* 1 MiB of WRITE (256 packets of 4 KiB) after a CNP: its time. */
static uint64_t mib_after_cnp(Pair *p, uint64_t *rate_kbps)
{
    RdoCore *a = core_of(p, 0);
    uint8_t buf[256];
    int len;
    uint64_t t0;

    len = make_cnp(p, QPN, buf, sizeof(buf));
    rdo_core_receive(a, buf, len);
    *rate_kbps = a->st->xport[QPN].cc.rp.rc_kbps;
    t0 = p->s[0].d->h->now_ns;
    write_ok(p, 1, 0, 1 << 20);
    return p->s[0].d->h->now_ns - t0;
}

/*
 * Timing model: after a CNP the QP's packets leave at its new rate; then
 * it recovers (fast recovery, additive) to line rate, and the limiter
 * lets go.
 */
#define MIB_WIRE_BITS   (256ull * 4178 * 8)     /* 4 KiB frames on the wire */

static void test_rp_recovery(void)
{
    RdoConfig cfg = work_config(true, 100, RDO_DEFAULT_QPC_CACHE,
                                RDO_DEFAULT_LOOKAHEAD);
    RdoCcPart *cc;
    uint64_t dt, rate, at_line;
    Pair *p;

    /* Held at half the line rate (no increase in the time it takes):
     * within 3% of 1 MiB at 50 Gbit/s, plus a round trip. */
    cfg.cc.timer_us = 1000000;
    cfg.cc.byte_counter = UINT32_MAX;
    p = pair_new(&cfg);
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096);
    dt = mib_after_cnp(p, &rate);
    g_assert_cmpuint(rate, ==, LINE_KBPS / 2);
    g_test_message("1 MiB at 50 Gbit/s: %" G_GUINT64_FORMAT " ns", dt);
    g_assert_cmpuint(dt, >, MIB_WIRE_BITS * 1000000 / rate);
    g_assert_cmpuint(dt, <, MIB_WIRE_BITS * 1000000 / rate * 103 / 100 + 3000);
    pair_free(p);

    /* Default parameters: fast recovery every 55 us meanwhile. */
    cfg = work_config(true, 100, RDO_DEFAULT_QPC_CACHE, RDO_DEFAULT_LOOKAHEAD);
    p = pair_new(&cfg);
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096);
    cc = &core_of(p, 0)->st->xport[QPN].cc;
    dt = mib_after_cnp(p, &rate);
    g_test_message("1 MiB after a CNP: %" G_GUINT64_FORMAT " ns, stage %s, "
                   "rate %" G_GUINT64_FORMAT " kbit/s", dt,
                   rdo_dcqcn_stage_name(cc->rp.stage), cc->rp.rc_kbps);
    g_assert_cmpuint(cc->rp.stage, ==, RDO_DCQCN_FAST_RECOVERY);
    g_assert_cmpuint(cc->rp.rc_kbps, >, LINE_KBPS / 2);
    g_assert_cmpuint(dt, <, MIB_WIRE_BITS * 1000000 / rate);
    g_assert_cmpuint(dt, >, MIB_WIRE_BITS * 10 / 1000);
    /* Much later: line rate, the limiter off, full speed again. */
    advance(p, 50 * 1000 * 1000);
    at_line = p->s[0].d->h->now_ns;
    write_ok(p, 2, 0, 1 << 20);
    at_line = p->s[0].d->h->now_ns - at_line;
    g_assert_false(cc->rp.limited);
    g_assert_cmpuint(cc->rp.stage, ==, RDO_DCQCN_IDLE);
    g_assert_cmpuint(at_line, <, MIB_WIRE_BITS * 10 / 1000 * 103 / 100 + 3000);
    pair_free(p);
}

/*
 * Four senders into one switch port for 30 ms of simulated time. With
 * DCQCN the queue stays near the marking range, nothing is dropped after
 * the start, the link is nearly full and the senders share it fairly;
 * without, the queue sits at the senders' whole window.
 */
static void test_incast(void)
{
    IncastConfig c = incast_default(4, true);
    IncastResult on, off;

    c.warmup_ns = 20000000;     /* DCQCN's recovery takes ~10 ms here */
    c.run_ns = 10000000;
    on = incast_run(&c);
    c.dcqcn = false;
    off = incast_run(&c);
    g_test_message("DCQCN on: %.2f Gbit/s, Jain %.3f, queue %.1f KB (max %.1f), "
                   "%" G_GUINT64_FORMAT " CNPs; off: %.2f Gbit/s, queue %.1f KB",
                   on.gbps, on.jain, on.q_mean / 1000, on.q_max / 1000, on.cnps,
                   off.gbps, off.q_mean / 1000);
    g_assert_cmpuint(on.drops_measured, ==, 0);
    g_assert_cmpuint(on.failed + off.failed, ==, 0);
    g_assert_cmpfloat(on.q_mean, <, c.kmax);
    g_assert_cmpfloat(on.gbps, >, 0.9 * 38.45);     /* the wire's goodput */
    g_assert_cmpfloat(on.jain, >, 0.95);
    g_assert_cmpuint(on.cnps, >, 10);
    g_assert_cmpfloat(off.q_mean, >, 5 * on.q_mean);
    g_assert_cmpfloat(off.q_mean, >, 0.9 * c.limit * 1000 / 1024 * 0.9);
}

/* fault-ce-ppm: every ECN-capable frame leaves marked; the peers answer. */
static void test_fault_ce(void)
{
    RdoConfig cfg = test_host_default_config();
    Pair *p;

    cfg.fault_ce_ppm = 1000000;
    p = pair_new(&cfg);
    pair_connect(p, 0, RDO_QPT_RC, MTU_1024);
    write_ok(p, 1, 0, 4096);
    pair_run(p, 1000);          /* the last CNP in flight */
    g_assert_cmpuint(core_of(p, 0)->cnt.fault_ce_marks, ==, 4);
    g_assert_cmpuint(pair_cnt(&p->s[1], RDO_REG_CNT_NP_ECN_MARKED), ==, 4);
    g_assert_cmpuint(pair_cnt(&p->s[1], RDO_REG_CNT_NP_CNP_SENT), ==, 1);
    /* The ACK was marked too, and answered; CNPs are Not-ECT: unmarked. */
    g_assert_cmpuint(core_of(p, 1)->cnt.fault_ce_marks, >=, 1);
    g_assert_cmpuint(pair_cnt(&p->s[0], RDO_REG_CNT_NP_CNP_SENT), ==, 1);
    g_assert_cmpuint(pair_cnt(&p->s[0], RDO_REG_CNT_RP_CNP_HANDLED), ==, 1);
    g_assert_cmpuint(pair_cnt(&p->s[1], RDO_REG_CNT_RP_CNP_HANDLED), ==, 1);
    pair_free(p);
}

/* The capture for roce-check: CE-marked WRITE packets and the CNPs. */
static int write_pcap(const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *base = g_path_get_basename(path);
    char *dot = strrchr(base, '.');
    Pair *p = pair_new(NULL);
    CeWire w = { .mark = true };

    if (dot) {
        *dot = 0;
    }
    g_setenv("RDO_TEST_PCAP_DIR", dir, TRUE);
    pair_capture(p, base);
    pair_connect(p, 0, RDO_QPT_RC, MTU_1024);
    p->tamper = ce_tamper;
    p->tamper_opaque = &w;
    for (int i = 0; i < 3; i++) {
        write_ok(p, i, (uint64_t)i * 8192, 4000 + i);
        advance(p, 60 * 1000);
    }
    pair_free(p);
    return w.cnps == 3 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--pcap-cnp")) {
        return write_pcap(argv[2]);
    }
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cc/wire/cnp-vector", test_cnp_vector);
    g_test_add_func("/cc/wire/ecn-marking", test_ecn_marking);
    g_test_add_func("/cc/dcqcn/stages", test_dcqcn_stages);
    g_test_add_func("/cc/dcqcn/bounds", test_dcqcn_bounds);
    g_test_add_func("/cc/np/one-cnp-per-interval", test_np_one_cnp);
    g_test_add_func("/cc/np/interval-zero-and-ecn-off", test_np_interval_and_off);
    g_test_add_func("/cc/traffic-class", test_traffic_class);
    g_test_add_func("/cc/egress-ecn", test_egress_ecn);
    g_test_add_func("/cc/bad-input", test_bad_cnps);
    g_test_add_func("/cc/soft-state", test_soft_state);
    g_test_add_func("/cc/rp/pacing", test_rp_pacing);
    g_test_add_func("/cc/rp/recovery", test_rp_recovery);
    g_test_add_func("/cc/rp/flood-bystander", test_rp_flood_bystander);
    g_test_add_func("/cc/fault-ce", test_fault_ce);
    g_test_add_func("/cc/incast", test_incast);
    return g_test_run();
}
