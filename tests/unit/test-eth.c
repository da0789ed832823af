/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the Ethernet function: two cores back to back, each with a
 * TXQ and an RXQ on their own CQ. A 64 KiB TSO send cut into MSS frames
 * whose checksums, sequence numbers and IP ids are checked independently,
 * reassembled by the peer's LRO into a few buffers; checksum insertion and
 * verification; the LRO's flush rules; malformed work requests and
 * commands; RDMA and Ethernet traffic sharing the port; RSS over four
 * RXQs (the hash against the specification's values, the queue rule).
 */
#include <string.h>
#include "eth-harness.h"

/* 64 KiB in one TSO work request: headers in one SGE, payload in another. */
static void test_tso_lro(void)
{
    EthPair *ep = eth_pair(RDO_ETH_RXQ_F_LRO);
    EthSide *tx = &ep->e[0], *rx = &ep->e[1];
    const uint32_t n = 64 * 1024, seq0 = 0xfffff000, hlen = 14 + 20 + 32;
    const uint32_t nseg = (n + MSS - 1) / MSS;
    uint8_t *hdr = td_ptr(tx->d, tx->send), *data = hdr + 4096;
    struct rdo_eth_tx_wqe w = {
        .wr_id = 77, .flags = RDO_ETH_TX_F_TSO, .num_sge = 2, .mss = MSS,
        .hdr_len = hlen,
    };
    struct rdo_sge sge[2] = { { tx->send, hlen, 0 }, { tx->send + 4096, n, 0 } };
    const TestFrames *frames = &tx->d->h->frames;
    g_autofree uint8_t *got = g_malloc0(n);
    uint32_t bufs = 0, bytes = 0, expect_seq = seq0;
    struct rdo_eth_cqe c;

    for (uint32_t i = 0; i < n; i++) {
        data[i] = pattern(i);
    }
    tcp_frame(ep, hdr, seq0, RDO_TCP_ACK | RDO_TCP_PSH, NULL, 0, 1000, false);
    post_tx(tx, &w, sge, 2);

    /* The frames on the wire, before the peer sees them. */
    g_assert_cmpuint(test_frames_count(frames), ==, nseg);
    for (uint32_t i = 0; i < nseg; i++) {
        size_t len;
        const uint8_t *f = test_frames_get(frames, i, &len);
        uint32_t plen = MIN(MSS, n - i * MSS);

        g_assert_cmpuint(len, ==, hlen + plen);
        g_assert_cmpuint(len, <=, 14 + 1500);
        g_assert_true(ipv4_l4_csum_ok(f, len));
        g_assert_cmpuint(be16(f + 14 + 2), ==, len - 14);
        g_assert_cmpuint(be16(f + 14 + 4), ==, (uint16_t)(0x1234 + i));
        g_assert_cmpuint(be32(f + 34 + 4), ==, seq0 + i * MSS);
        g_assert_cmpuint(f[34 + 13], ==, i == nseg - 1 ? (RDO_TCP_ACK | RDO_TCP_PSH)
                                                       : RDO_TCP_ACK);
        g_assert_cmpmem(f + hlen, plen, data + i * MSS, plen);
    }
    c = eth_poll(tx);
    g_assert_cmpuint(c.opcode, ==, RDO_CQE_ETH_TX);
    g_assert_cmpuint(c.status, ==, RDO_WC_SUCCESS);
    g_assert_cmpuint(c.wr_id, ==, 77);
    g_assert_cmpuint(c.byte_len, ==, hlen + n);
    g_assert_cmpuint(pair_cnt(tx->s, RDO_REG_CNT_ETH_TSO_SEGMENTS), ==, nseg);
    g_assert_cmpuint(pair_cnt(tx->s, RDO_REG_CNT_ETH_TX_FRAMES), ==, nseg);

    pair_run(ep->p, 1000000);
    /* The peer: a few buffers, each one valid TCP segment, in order. */
    while ((c = eth_poll(rx)).opcode) {
        const uint8_t *f = td_ptr(rx->d, rx->bufs + (c.wr_id % (1u << RXQ_LOG)) *
                                                  RX_BUF);
        uint32_t plen = c.byte_len - hlen;

        g_assert_cmpuint(c.opcode, ==, RDO_CQE_ETH_RX);
        g_assert_cmpuint(c.status, ==, RDO_WC_SUCCESS);
        g_assert_true(c.flags & RDO_ETH_CQE_F_L4_CSUM_OK);
        g_assert_true(ipv4_l4_csum_ok(f, c.byte_len));
        g_assert_cmpuint(be32(f + 34 + 4), ==, expect_seq);
        g_assert_cmpuint(c.lro_segs, ==, (plen + MSS - 1) / MSS);
        g_assert_cmpuint(!!(c.flags & RDO_ETH_CQE_F_LRO), ==, c.lro_segs > 1);
        memcpy(got + bytes, f + hlen, plen);
        bytes += plen;
        expect_seq += plen;
        bufs++;
    }
    g_assert_cmpuint(bytes, ==, n);
    g_assert_cmpmem(got, n, data, n);
    g_assert_cmpuint(bufs, <=, nseg / 8);
    g_assert_cmpuint(pair_cnt(rx->s, RDO_REG_CNT_ETH_LRO_SEGMENTS), ==, nseg - bufs);
    g_assert_cmpuint(pair_cnt(rx->s, RDO_REG_CNT_ETH_LRO_FLUSHES), ==, bufs);
    g_assert_cmpuint(pair_cnt(rx->s, RDO_REG_CNT_ETH_RX_CSUM_OK), ==, nseg);
    g_assert_cmpuint(pair_cnt(rx->s, RDO_REG_CNT_ETH_RX_BUFFERS), ==, bufs);
    g_test_message("64 KiB TSO: %u frames, %u LRO buffers", nseg, bufs);
    eth_pair_free(ep);
}

/* Sends one frame built in side 0's send area; returns its TX completion. */
static struct rdo_eth_cqe send_frame(EthPair *ep, size_t len, uint8_t flags)
{
    EthSide *tx = &ep->e[0];
    struct rdo_eth_tx_wqe w = { .wr_id = len, .flags = flags, .num_sge = 1 };
    struct rdo_sge sge = { tx->send, (uint32_t)len, 0 };

    post_tx(tx, &w, &sge, 1);
    return eth_poll(tx);
}

static void test_csum_offload(void)
{
    EthPair *ep = eth_pair(0);
    EthSide *tx = &ep->e[0], *rx = &ep->e[1];
    uint8_t *f = td_ptr(tx->d, tx->send), payload[333];
    const TestFrames *frames;
    struct rdo_eth_cqe c;
    size_t len, n;

    memset(payload, 0x5a, sizeof(payload));
    /* TCP without checksums: the device inserts both. */
    n = tcp_frame(ep, f, 1, RDO_TCP_ACK, payload, sizeof(payload), 1, false);
    g_assert_cmpuint(send_frame(ep, n, RDO_ETH_TX_F_L4_CSUM |
                                       RDO_ETH_TX_F_IP_CSUM).status, ==, 0);
    /* UDP: turn the TCP frame into one, checksum field left as garbage. */
    n = tcp_frame(ep, f, 1, RDO_TCP_ACK, payload, sizeof(payload), 1, false);
    f[14 + 9] = 17;
    put16(f + 34 + 4, n - 34);
    put16(f + 34 + 6, 0xdead);
    g_assert_cmpuint(send_frame(ep, n, RDO_ETH_TX_F_L4_CSUM |
                                       RDO_ETH_TX_F_IP_CSUM).status, ==, 0);
    /* TCP with a wrong checksum and no offload: goes out as it is. */
    n = tcp_frame(ep, f, 1, RDO_TCP_ACK, payload, sizeof(payload), 1, true);
    f[n - 1] ^= 1;
    g_assert_cmpuint(send_frame(ep, n, 0).status, ==, 0);

    frames = &tx->d->h->frames;
    g_assert_cmpuint(test_frames_count(frames), ==, 3);
    for (int i = 0; i < 3; i++) {
        const uint8_t *fr = test_frames_get(frames, i, &len);

        g_assert_cmpint(ipv4_l4_csum_ok(fr, len), ==, i < 2);
    }
    g_assert_cmpuint(pair_cnt(tx->s, RDO_REG_CNT_ETH_TX_CSUM), ==, 2);
    pair_run(ep->p, 1000000);
    for (int i = 0; i < 3; i++) {
        c = eth_poll(rx);
        g_assert_cmpuint(c.opcode, ==, RDO_CQE_ETH_RX);
        g_assert_cmpuint(c.status, ==, 0);
        g_assert_cmpuint(c.byte_len, ==, n);
        g_assert_true(c.flags & RDO_ETH_CQE_F_L3_CSUM_OK);
        g_assert_cmpint(!!(c.flags & RDO_ETH_CQE_F_L4_CSUM_OK), ==, i < 2);
        g_assert_true(c.flags & RDO_ETH_CQE_F_RSS_HASH);
    }
    g_assert_cmpuint(eth_poll(rx).opcode, ==, 0);
    g_assert_cmpuint(pair_cnt(rx->s, RDO_REG_CNT_ETH_RX_CSUM_OK), ==, 2);
    g_assert_cmpuint(pair_cnt(rx->s, RDO_REG_CNT_ETH_RX_CSUM_BAD), ==, 1);
    eth_pair_free(ep);
}

/*
 * Congestion control is the RoCE engine's: the Ethernet function's frames
 * leave with the DSCP and ECN bits the host wrote (ecn=on does not make
 * them ECN-capable, nor clear a host's ECT or CE), and arrive with them;
 * CE on them asks for no CNP, it is counted (rx_ecn_ce_other).
 */
static void test_ecn_untouched(void)
{
    static const uint8_t tos[] = { 0x00, (10 << 2) | RDO_ECN_ECT0,
                                   (46 << 2) | RDO_ECN_ECT1, RDO_ECN_CE };
    EthPair *ep = eth_pair(0);
    EthSide *tx = &ep->e[0], *rx = &ep->e[1];
    uint8_t *f = td_ptr(tx->d, tx->send), payload[77];
    g_autofree uint8_t *want = g_malloc(RX_BUF);
    RdoCore *rc = &rx->d->h->core;
    size_t len, n = 0;

    memset(payload, 0x3c, sizeof(payload));
    for (unsigned i = 0; i < G_N_ELEMENTS(tos); i++) {
        n = tcp_frame(ep, f, 100 * i, RDO_TCP_ACK, payload, sizeof(payload),
                      i, false);
        f[15] = tos[i];
        put16(f + 24, 0);
        put16(f + 24, ref_csum(f + 14, 20, 0));
        memcpy(want, f, n);
        g_assert_cmpuint(send_frame(ep, n, 0).status, ==, 0);
        g_assert_cmpmem(test_frames_get(&tx->d->h->frames, i, &len), len,
                        want, n);
    }
    pair_run(ep->p, 1000000);
    for (unsigned i = 0; i < G_N_ELEMENTS(tos); i++) {
        struct rdo_eth_cqe c = eth_poll(rx);
        const uint8_t *got = td_ptr(rx->d, rx->bufs + (uint64_t)i * RX_BUF);

        g_assert_cmpuint(c.opcode, ==, RDO_CQE_ETH_RX);
        g_assert_cmpuint(c.byte_len, ==, n);
        g_assert_cmphex(got[15], ==, tos[i]);
    }
    g_assert_cmpuint(rc->cnt.rx_ecn_ce_other, ==, 1);
    g_assert_cmpuint(rc->cnt.np_ecn_marked_roce_packets, ==, 0);
    g_assert_cmpuint(rc->cnt.np_cnp_sent, ==, 0);
    g_assert_cmpuint(test_frames_count(&rx->d->h->frames), ==, 0);
    eth_pair_free(ep);
}

static void test_lro_flush_rules(void)
{
    EthPair *ep = eth_pair(RDO_ETH_RXQ_F_LRO);
    EthSide *rx = &ep->e[1];
    TestHost *h = rx->d->h;
    uint64_t t0;
    struct rdo_eth_cqe c;

    /* Three in order without PSH: held until the flush timer. */
    t0 = h->now_ns;
    for (int i = 0; i < 3; i++) {
        rx_segment(ep, 1000 + i * 100, RDO_TCP_ACK, 100, 5);
    }
    g_assert_cmpuint(eth_poll(rx).opcode, ==, 0);
    pair_run(ep->p, 1000000);
    g_assert_cmpuint(h->now_ns, >=, t0 + LRO_USEC * 1000);
    c = eth_poll(rx);
    g_assert_cmpuint(c.lro_segs, ==, 3);
    g_assert_cmpuint(c.byte_len, ==, 66 + 300);

    /* Out of order: the session ends, the late segment starts another. */
    rx_segment(ep, 1300, RDO_TCP_ACK, 100, 6);
    rx_segment(ep, 1500, RDO_TCP_ACK, 100, 6);
    c = eth_poll(rx);
    g_assert_cmpuint(c.lro_segs, ==, 1);
    g_assert_cmpuint(eth_poll(rx).opcode, ==, 0);
    /* FIN: flushes the held one first, then goes alone, in order. */
    rx_segment(ep, 1600, RDO_TCP_ACK | RDO_TCP_FIN, 0, 6);
    c = eth_poll(rx);
    g_assert_cmpuint(c.byte_len, ==, 66 + 100);
    c = eth_poll(rx);
    g_assert_cmpuint(c.byte_len, ==, 66);
    g_assert_false(c.flags & RDO_ETH_CQE_F_LRO);

    /* Older timestamp (options change): not merged. */
    rx_segment(ep, 2000, RDO_TCP_ACK, 100, 9);
    rx_segment(ep, 2100, RDO_TCP_ACK, 100, 8);
    c = eth_poll(rx);
    g_assert_cmpuint(c.lro_segs, ==, 1);
    /* A shorter segment ends a burst; PSH delivers at once. */
    rx_segment(ep, 2200, RDO_TCP_ACK, 50, 9);
    c = eth_poll(rx);
    g_assert_cmpuint(c.lro_segs, ==, 2);
    rx_segment(ep, 3000, RDO_TCP_ACK, 100, 9);
    rx_segment(ep, 3100, RDO_TCP_ACK | RDO_TCP_PSH, 100, 9);
    c = eth_poll(rx);
    g_assert_cmpuint(c.lro_segs, ==, 2);
    g_assert_cmpuint(c.byte_len, ==, 66 + 200);
    g_assert_cmpuint(eth_poll(rx).opcode, ==, 0);
    eth_pair_free(ep);
}

/* A TX WQE that must fail with vendor_err, the queue going on after it. */
/*
 * Damaged segments of a flow in the middle of an LRO session: each goes
 * on alone, unaggregated (the driver's stack decides what to make of it),
 * what the session held stays whole, and the flow's next good segments
 * aggregate again. A segment that parses as the flow's (a wrong TCP
 * checksum, URG) ends the session first, so the flow's order holds; one
 * that does not parse as TCP (an IP total length past the frame's end, a
 * header cut inside the TCP options) is nobody's flow and passes at once,
 * the session held on until its timer.
 */
static void test_lro_malformed(void)
{
    EthPair *ep = eth_pair(RDO_ETH_RXQ_F_LRO);
    EthSide *rx = &ep->e[1];
    uint8_t payload[100], f[2048];
    uint32_t seq = 5000;
    struct rdo_eth_cqe c[3];
    size_t len;

    for (int k = 0; k < 4; k++) {
        bool parses = k == 0 || k == 3;
        int n = 0, held, alone;

        rx_segment(ep, seq, RDO_TCP_ACK, 100, 5);
        rx_segment(ep, seq + 100, RDO_TCP_ACK, 100, 5);
        seq += 200;
        for (uint32_t i = 0; i < sizeof(payload); i++) {
            payload[i] = pattern(seq + i);
        }
        len = tcp_frame(ep, f, seq, RDO_TCP_ACK | (k == 3 ? 0x20 : 0), /* URG */
                        payload, sizeof(payload), 5, true);
        switch (k) {
        case 0:
            f[14 + 20 + 16] ^= 0x5a;            /* TCP checksum */
            break;
        case 1:
            put16(f + 14 + 2, 20 + 32 + sizeof(payload) + 64);  /* IP length */
            put16(f + 14 + 10, 0);
            put16(f + 14 + 10, ref_csum(f + 14, 20, 0));
            break;
        case 2:
            len = 14 + 20 + 24;                 /* cut inside the options */
            break;
        default:
            break;
        }
        rdo_core_receive(&rx->d->h->core, f, len);
        pair_run(ep->p, 1000000);               /* past the flush timer */
        while (n < 3 && (c[n] = eth_poll(rx)).opcode) {
            g_assert_cmpuint(c[n].status, ==, RDO_WC_SUCCESS);
            n++;
        }
        g_assert_cmpint(n, ==, 2);
        held = parses ? 0 : 1;
        alone = 1 - held;
        g_assert_true(c[held].flags & RDO_ETH_CQE_F_LRO);
        g_assert_cmpuint(c[held].lro_segs, ==, 2);
        g_assert_cmpuint(c[held].byte_len, ==, 66 + 200);
        g_assert_false(c[alone].flags & RDO_ETH_CQE_F_LRO);
        g_assert_cmpuint(c[alone].byte_len, ==, len);
        /* Verified TCP only with its checksum right: the URG segment. */
        g_assert_cmpuint(!!(c[alone].flags & RDO_ETH_CQE_F_L4_CSUM_OK), ==, k == 3);
        seq += 100;
    }
    /* The flow goes on: a new session from the next good segments. */
    rx_segment(ep, seq, RDO_TCP_ACK, 100, 5);
    rx_segment(ep, seq + 100, RDO_TCP_ACK | RDO_TCP_PSH, 100, 5);
    c[0] = eth_poll(rx);
    g_assert_cmpuint(c[0].lro_segs, ==, 2);
    g_assert_cmpuint(c[0].byte_len, ==, 66 + 200);
    g_assert_cmpuint(eth_poll(rx).opcode, ==, 0);
    eth_pair_free(ep);
}

static void expect_tx_error(EthPair *ep, const struct rdo_eth_tx_wqe *w,
                            const struct rdo_sge *sge, int nsge,
                            uint32_t vendor_err)
{
    EthSide *tx = &ep->e[0];
    uint32_t errors = pair_cnt(tx->s, RDO_REG_CNT_ETH_TX_ERRORS);
    guint frames = test_frames_count(&tx->d->h->frames);
    struct rdo_eth_cqe c;

    post_tx(tx, w, sge, nsge);
    c = eth_poll(tx);
    g_assert_cmpuint(c.opcode, ==, RDO_CQE_ETH_TX);
    g_assert_cmpuint(c.status, !=, RDO_WC_SUCCESS);
    g_assert_cmpuint(c.vendor_err, ==, vendor_err);
    g_assert_cmpuint(c.wr_id, ==, w->wr_id);
    g_assert_cmpuint(pair_cnt(tx->s, RDO_REG_CNT_ETH_TX_ERRORS), ==, errors + 1);
    g_assert_cmpuint(test_frames_count(&tx->d->h->frames), ==, frames);
}

static void test_malformed(void)
{
    EthPair *ep = eth_pair(RDO_ETH_RXQ_F_LRO);
    EthSide *tx = &ep->e[0], *rx = &ep->e[1];
    uint8_t *f = td_ptr(tx->d, tx->send), payload[3000] = { 0 };
    size_t n = tcp_frame(ep, f, 1, RDO_TCP_ACK, payload, 3000, 1, false);
    struct rdo_sge sge = { tx->send, (uint32_t)n, 0 };
    struct rdo_sge sges[14];
    struct rdo_eth_tx_wqe w = { .wr_id = 1, .flags = RDO_ETH_TX_F_TSO,
                                .num_sge = 1, .mss = 0, .hdr_len = 66 };
    struct rdo_cqp_cmd cmd;

    expect_tx_error(ep, &w, &sge, 1, RDO_VENDOR_ERR_BAD_WQE);       /* MSS 0 */
    w.mss = 1000;
    w.hdr_len = n + 1;
    expect_tx_error(ep, &w, &sge, 1, RDO_VENDOR_ERR_BAD_WQE);       /* beyond */
    w.hdr_len = 54;
    expect_tx_error(ep, &w, &sge, 1, RDO_VENDOR_ERR_BAD_WQE);       /* not TCP's */
    w.hdr_len = 66;
    w.mss = 1500;
    expect_tx_error(ep, &w, &sge, 1, RDO_VENDOR_ERR_LENGTH);        /* > MTU */
    w = (struct rdo_eth_tx_wqe){ .wr_id = 2, .num_sge = 1 };
    expect_tx_error(ep, &w, &sge, 1, RDO_VENDOR_ERR_LENGTH);        /* 3 KB frame */
    w.num_sge = 0;
    expect_tx_error(ep, &w, &sge, 1, RDO_VENDOR_ERR_BAD_WQE);
    w.num_sge = 15;
    memset(sges, 0, sizeof(sges));
    expect_tx_error(ep, &w, sges, 14, RDO_VENDOR_ERR_BAD_WQE);      /* > stride */
    w.num_sge = 1;
    w.flags = 0x80;
    expect_tx_error(ep, &w, &sge, 1, RDO_VENDOR_ERR_BAD_WQE);       /* flag */
    w.flags = 0;
    w.reserved1[2] = 1;
    expect_tx_error(ep, &w, &sge, 1, RDO_VENDOR_ERR_BAD_WQE);
    w.reserved1[2] = 0;
    sge.length = 100;
    sge.lkey = 5;
    expect_tx_error(ep, &w, &sge, 1, RDO_VENDOR_ERR_BAD_WQE);
    sge.lkey = 0;
    sge.addr = 1ull << 50;
    expect_tx_error(ep, &w, &sge, 1, RDO_VENDOR_ERR_DMA);
    sge.addr = tx->send;
    sge.length = 10;
    expect_tx_error(ep, &w, &sge, 1, RDO_VENDOR_ERR_LENGTH);        /* runt */
    put16(f + 12, 0x0806);                                          /* ARP */
    sge.length = 60;
    w.flags = RDO_ETH_TX_F_L4_CSUM;
    expect_tx_error(ep, &w, &sge, 1, RDO_VENDOR_ERR_BAD_WQE);
    w.flags = RDO_ETH_TX_F_IP_CSUM;
    expect_tx_error(ep, &w, &sge, 1, RDO_VENDOR_ERR_BAD_WQE);
    w.flags = 0;
    w.mss = 100;
    expect_tx_error(ep, &w, &sge, 1, RDO_VENDOR_ERR_BAD_WQE);       /* no TSO */
    /* The queue still works: a good frame goes out. */
    w.mss = 0;
    g_assert_cmpuint(send_frame(ep, 60, 0).status, ==, RDO_WC_SUCCESS);

    /* Doorbells beyond the ring or for no queue: refused, recorded. */
    td_doorbell(tx->d, 0, RDO_DB_ETH_TXQ, RDO_DB_VALUE(0, 0, tx->tx_pi + 65));
    g_assert_cmpuint(test_reg_read(tx->d->h, RDO_REG_ERR_LAST), ==,
                     RDO_ERR_DB_BAD_OBJECT);
    td_doorbell(tx->d, 0, RDO_DB_ETH_RXQ, RDO_DB_VALUE(9, 0, 1));
    td_doorbell(tx->d, 3, RDO_DB_ETH_TXQ, RDO_DB_VALUE(0, 0, tx->tx_pi + 1));
    g_assert_cmpuint(pair_cnt(tx->s, RDO_REG_CNT_DB_ERRORS), ==, 3);
    g_assert_cmpuint(send_frame(ep, 60, 0).status, ==, RDO_WC_SUCCESS);

    /* Commands: index, existing, CQ, LRO timer, reserved, destroy. */
    g_assert_cmpuint(create_txq(tx, RDO_ETH_MAX_TXQ, ETH_CQN, 8), ==, RDO_CQP_BAD_INDEX);
    g_assert_cmpuint(create_txq(tx, 0, ETH_CQN, 8), ==, RDO_CQP_EXISTS);
    g_assert_cmpuint(create_txq(tx, 1, 99, 8), ==, RDO_CQP_NOT_FOUND);
    g_assert_cmpuint(create_txq(tx, 1, ETH_CQN, 5), ==, RDO_CQP_BAD_PARAM);
    g_assert_cmpuint(create_rxq(tx, 1, RDO_ETH_RXQ_F_LRO, 0), ==, RDO_CQP_BAD_PARAM);
    g_assert_cmpuint(create_rxq(tx, 1, 0, 5), ==, RDO_CQP_BAD_PARAM);
    g_assert_cmpuint(create_rxq(tx, 1, 0x80, 0), ==, RDO_CQP_BAD_RESERVED);
    cmd = td_cmd_of(RDO_CMD_DESTROY_CQ, ETH_CQN);
    g_assert_cmpuint(td_cmd(tx->d, &cmd).status, ==, RDO_CQP_IN_USE);
    cmd = td_cmd_of(RDO_CMD_DESTROY_ETH_RXQ, 3);
    g_assert_cmpuint(td_cmd(tx->d, &cmd).status, ==, RDO_CQP_NOT_FOUND);

    /* Receive: a buffer too short for the frame, one with a bad length. */
    {
        struct rdo_eth_rx_wqe *slot;

        pair_run(ep->p, 1000000);
        while (eth_poll(rx).opcode) {
        }
        cmd = td_cmd_of(RDO_CMD_DESTROY_ETH_RXQ, 0);
        g_assert_cmpuint(td_cmd(rx->d, &cmd).status, ==, RDO_CQP_OK);
        rx->rx_pi = 0;
        g_assert_cmpuint(create_rxq(rx, 0, 0, 0), ==, RDO_CQP_OK);
        post_rx(rx, 2, 100);
        slot = td_ptr(rx->d, rx->rxq + sizeof(*slot));
        slot->length = 10;
        n = tcp_frame(ep, f, 1, RDO_TCP_ACK, payload, 500, 1, true);
        g_assert_cmpuint(send_frame(ep, n, 0).status, ==, RDO_WC_SUCCESS);
        pair_run(ep->p, 1000000);
        g_assert_cmpuint(eth_poll(rx).vendor_err, ==, RDO_VENDOR_ERR_LENGTH);
        g_assert_cmpuint(pair_cnt(rx->s, RDO_REG_CNT_ETH_RX_ERRORS), ==, 1);
        /* The next frame finds the bad descriptor, then no buffer. */
        g_assert_cmpuint(send_frame(ep, n, 0).status, ==, RDO_WC_SUCCESS);
        pair_run(ep->p, 1000000);
        g_assert_cmpuint(eth_poll(rx).vendor_err, ==, RDO_VENDOR_ERR_BAD_WQE);
        g_assert_cmpuint(pair_cnt(rx->s, RDO_REG_CNT_ETH_RX_NO_BUF), ==, 1);
    }
    /* Not for us: filtered. */
    memset(f, 0x02, 6);
    g_assert_cmpuint(send_frame(ep, n, 0).status, ==, RDO_WC_SUCCESS);
    pair_run(ep->p, 1000000);
    g_assert_cmpuint(pair_cnt(rx->s, RDO_REG_CNT_ETH_RX_FILTERED), ==, 1);
    eth_pair_free(ep);
}

/* An RDMA WRITE and a TSO send at the same time share the port. */
static void test_mixed_with_rdma(void)
{
    EthPair *ep = eth_pair(RDO_ETH_RXQ_F_LRO);
    EthSide *tx = &ep->e[0], *rx = &ep->e[1];
    const uint32_t wlen = 256 * 1024, n = 32 * 1024, hlen = 66;
    struct rdo_send_wqe wr = {
        .wr_id = 9, .opcode = RDO_WR_RDMA_WRITE, .flags = RDO_WQE_F_SIGNALED,
        .remote_addr = PAIR_MR_IOVA + wlen, .rkey = ep->p->s[1].mr_key,
    };
    struct rdo_sge rsge = { PAIR_MR_IOVA, wlen, ep->p->s[0].mr_key };
    struct rdo_eth_tx_wqe w = {
        .wr_id = 5, .flags = RDO_ETH_TX_F_TSO, .num_sge = 2, .mss = MSS,
        .hdr_len = hlen,
    };
    struct rdo_sge sge[2] = { { tx->send, hlen, 0 }, { tx->send + 4096, n, 0 } };
    uint32_t bytes = 0, roce_rx;
    struct rdo_eth_cqe c;
    struct rdo_cqe rc;

    pair_connect(ep->p, 0, RDO_QPT_RC, 3);
    pair_fill(&ep->p->s[0], PAIR_MR_IOVA, wlen, 3);
    tcp_frame(ep, td_ptr(tx->d, tx->send), 1, RDO_TCP_ACK, NULL, 0, 1, false);
    pair_post_send(&ep->p->s[0], 0, &wr, &rsge, 1, NULL);
    post_tx(tx, &w, sge, 2);
    g_assert_true(pair_run_cqes(ep->p, 0, 1, 100000000));
    pair_run(ep->p, 1000000);
    rc = pair_poll(&ep->p->s[0]);
    g_assert_cmpuint(rc.wr_id, ==, 9);
    g_assert_cmpuint(rc.status, ==, RDO_WC_SUCCESS);
    g_assert_cmpmem(pair_mr_ptr(&ep->p->s[0], PAIR_MR_IOVA), wlen,
                    pair_mr_ptr(&ep->p->s[1], PAIR_MR_IOVA + wlen), wlen);
    while ((c = eth_poll(rx)).opcode) {
        g_assert_cmpuint(c.status, ==, RDO_WC_SUCCESS);
        bytes += c.byte_len - hlen;
    }
    g_assert_cmpuint(bytes, ==, n);
    /* RoCE frames went to the RDMA path only, Ethernet frames to the RXQ. */
    roce_rx = pair_cnt(rx->s, RDO_REG_CNT_RX_PACKETS);
    g_assert_cmpuint(roce_rx, >=, wlen / 1024);
    g_assert_cmpuint(pair_cnt(rx->s, RDO_REG_CNT_ETH_RX_FRAMES), ==,
                     (n + MSS - 1) / MSS);
    g_assert_cmpuint(eth_poll(tx).wr_id, ==, 5);
    eth_pair_free(ep);
}

/*
 * RSS: the Toeplitz hash (default key) against the verification values of
 * Microsoft's RSS specification, and the queue rule: the n-th existing
 * RXQ for hash mod n (0, 1, 3 after RXQ 2 goes), non-IP frames to the
 * first. Four RXQs of side 1 on one CQ; the CQE names the queue.
 */
#define RSS_QUEUES      4
#define RSS_BUFS        32

/* The RXQ the frame went to; checks its hash if `hash` is not 0. */
static uint32_t rss_deliver(EthPair *ep, const uint8_t *f, size_t len, uint32_t hash)
{
    struct rdo_eth_cqe c = eth_deliver(ep, f, len);

    if (hash) {
        g_assert_cmphex(c.rss_hash, ==, hash);
        g_assert_cmphex(c.flags & (RDO_ETH_CQE_F_RSS_HASH | RDO_ETH_CQE_F_TCP), ==,
                        RDO_ETH_CQE_F_RSS_HASH | RDO_ETH_CQE_F_TCP);
    }
    return c.queue;
}

static void test_rss_spread(void)
{
    static const struct {
        const char *src, *dst;
        uint16_t sport, dport;
        uint32_t hash;
    } ms[] = {
        { "66.9.149.187", "161.142.100.80", 2794, 1766, 0x51ccc178 },
        { "199.92.111.2", "65.69.140.83", 14230, 4739, 0xc626b0ea },
        { "24.19.198.95", "12.22.207.184", 12898, 38024, 0x5c2b394a },
        { "38.27.205.30", "209.142.163.6", 48228, 2217, 0xafc7327f },
        { "153.39.163.191", "202.188.127.2", 44251, 1303, 0x10e828a2 },
    };
    EthPair *ep = eth_pair(0);
    EthSide *rx = &ep->e[1];
    uint32_t hits[RSS_QUEUES] = { 0 }, valid3[] = { 0, 1, 3 };
    g_autofree uint8_t *f = g_malloc(2048);
    struct rdo_cqp_cmd cmd;
    size_t len;

    for (uint32_t qn = 1; qn < RSS_QUEUES; qn++) {
        uint64_t ring = td_alloc(rx->d, sizeof(struct rdo_eth_rx_wqe) * RSS_BUFS, 4096);
        uint64_t bufs = td_alloc(rx->d, 2048 * RSS_BUFS, 4096);

        cmd = rdo_cmd_create_eth_rxq(qn, ring, 5, 0, 0, ETH_CQN);
        g_assert_cmpuint(td_cmd(rx->d, &cmd).status, ==, RDO_CQP_OK);
        for (uint32_t i = 0; i < RSS_BUFS; i++) {
            struct rdo_eth_rx_wqe w = {
                .wr_id = i, .addr = bufs + 2048 * i + 2, .length = 2000,
            };

            memcpy(td_ptr(rx->d, ring + i * sizeof(w)), &w, sizeof(w));
        }
        td_doorbell(rx->d, 0, RDO_DB_ETH_RXQ, RDO_DB_VALUE(qn, 0, RSS_BUFS));
    }
    for (size_t i = 0; i < G_N_ELEMENTS(ms); i++) {
        len = rss_frame(ep, f, ms[i].src, ms[i].dst, ms[i].sport, ms[i].dport);
        g_assert_cmpuint(rss_deliver(ep, f, len, ms[i].hash), ==,
                         ms[i].hash % RSS_QUEUES);
    }
    /* Many flows: the hash mod 4 everywhere, so every queue gets some. */
    for (uint16_t sport = 41000; sport < 41016; sport++) {
        struct rdo_eth_cqe c;

        len = rss_frame(ep, f, "10.0.0.1", "10.0.0.2", sport, 5001);
        rdo_core_receive(&rx->d->h->core, f, len);
        pair_run(ep->p, 100000);
        c = eth_poll(rx);
        g_assert_cmpuint(c.opcode, ==, RDO_CQE_ETH_RX);
        g_assert_cmpuint(c.queue, ==, c.rss_hash % RSS_QUEUES);
        hits[c.queue]++;
    }
    for (uint32_t qn = 0; qn < RSS_QUEUES; qn++) {
        g_assert_cmpuint(hits[qn], >, 0);
    }
    /* Non-IP (ARP): no hash, the first queue. */
    len = rss_frame(ep, f, "10.0.0.1", "10.0.0.2", 1, 2);
    put16(f + 12, 0x0806);
    g_assert_cmpuint(rss_deliver(ep, f, len, 0), ==, 0);

    /* RXQ 2 gone: the n-th of 0, 1, 3 for hash mod 3. */
    cmd = td_cmd_of(RDO_CMD_DESTROY_ETH_RXQ, 2);
    g_assert_cmpuint(td_cmd(rx->d, &cmd).status, ==, RDO_CQP_OK);
    for (size_t i = 0; i < G_N_ELEMENTS(ms); i++) {
        len = rss_frame(ep, f, ms[i].src, ms[i].dst, ms[i].sport, ms[i].dport);
        g_assert_cmpuint(rss_deliver(ep, f, len, ms[i].hash), ==,
                         valid3[ms[i].hash % 3]);
    }
    eth_pair_free(ep);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/eth/tso-lro-64k", test_tso_lro);
    g_test_add_func("/eth/csum-offload", test_csum_offload);
    g_test_add_func("/eth/ecn-untouched", test_ecn_untouched);
    g_test_add_func("/eth/lro-flush-rules", test_lro_flush_rules);
    g_test_add_func("/eth/lro-malformed", test_lro_malformed);
    g_test_add_func("/eth/malformed", test_malformed);
    g_test_add_func("/eth/mixed-with-rdma", test_mixed_with_rdma);
    g_test_add_func("/eth/rss-spread", test_rss_spread);
    return g_test_run();
}
