/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The RoCEv2 data path, two adapter cores back to back: every verb on RC,
 * UC and UD, bit-exact data, completions on both sides, the error paths
 * (bad rkey, RNR, retries exhausted), recovery from 1 %, 5 % and bursty
 * loss injected by the transmit-side fault injection, the QP-type/opcode
 * table against the device, the SRQ limit and LAST_WQE events. Fast
 * registration has its own program (test-fastreg.c).
 */
#include <string.h>
#include "test-pair.h"

#define RDO_AGG_BYTES (64u << 10)   /* the device gathers at most this */

static void test_rc_send(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, 0x51);
    struct rdo_sge sge = pair_sge_of(a, PAIR_SRC, 100);
    struct rdo_cqe e;

    pair_capture(p, "rc-send");
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_fill(a, PAIR_SRC, 100, 1);
    pair_post_recv(b, 0, 0x71, PAIR_DST, 4096);
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x51, RDO_CQE_SEND, RDO_WC_SUCCESS);
    e = pair_poll(b);
    g_assert_cmphex(e.wr_id, ==, 0x71);
    g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
    g_assert_cmphex(e.opcode, ==, RDO_CQE_RECV);
    g_assert_cmpuint(e.byte_len, ==, 100);
    g_assert_cmpuint(e.qpn, ==, 2);
    pair_assert_same(a, PAIR_SRC, b, PAIR_DST, 100);
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_TX_PACKETS), ==, 1);
    g_assert_cmpuint(pair_cnt(b, RDO_REG_CNT_ACKS_SENT), ==, 1);
    pair_free(p);
}

/*
 * A 256 KiB SEND at MTU 1024 into a receive WQE of three uneven SGEs: the
 * in-order packets are gathered and placed by a few DMAs, split across the
 * SGE boundaries, bit-exact.
 */
static void test_rc_send_aggregated(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    const uint32_t len = 256u << 10, cut1 = 100001, cut2 = 170003;
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, 0x52);
    struct rdo_sge sge = pair_sge_of(a, PAIR_SRC, len);
    struct rdo_sge rsge[3] = {
        pair_sge_of(b, PAIR_DST, cut1),
        pair_sge_of(b, PAIR_DST + 0x80000, cut2 - cut1),
        pair_sge_of(b, PAIR_DST + 0x100000, len - cut2 + 4096),
    };
    struct rdo_cqe e;

    pair_capture(p, "rc-send-aggregated");
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_fill(a, PAIR_SRC, len, 4);
    pair_post_recv_sges(b, 0, 0x72, rsge, 3);
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    e = pair_poll(b);
    g_assert_cmphex(e.wr_id, ==, 0x72);
    g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
    g_assert_cmpuint(e.byte_len, ==, len);
    pair_assert_same(a, PAIR_SRC, b, PAIR_DST, cut1);
    pair_assert_same(a, PAIR_SRC + cut1, b, PAIR_DST + 0x80000, cut2 - cut1);
    pair_assert_same(a, PAIR_SRC + cut2, b, PAIR_DST + 0x100000, len - cut2);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x52, RDO_CQE_SEND, RDO_WC_SUCCESS);
    g_test_message("SEND: %u packets, %u placements",
                   pair_cnt(b, RDO_REG_CNT_RX_PACKETS),
                   pair_cnt(b, RDO_REG_CNT_RX_PLACEMENTS));
    g_assert_cmpuint(pair_cnt(b, RDO_REG_CNT_RX_PLACEMENTS), <=, len / 1024 / 8);
    g_assert_cmpuint(pair_cnt(b, RDO_REG_CNT_RX_PLACEMENTS), >=, len / RDO_AGG_BYTES);
    pair_free(p);
}

/*
 * Two QPs of one device connected to each other: every frame goes to the
 * port's own MAC and turns around inside the device (loopback.c). A SEND,
 * a 256 KiB WRITE and a READ back move the right bytes, and nothing
 * reaches the wire.
 */
static void test_rc_loopback(bool timed)
{
    RdoConfig cfg = test_host_default_config();
    Pair *p;
    PairSide *a;
    const uint32_t len = 256u << 10;
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, 0x61);
    struct rdo_sge sge;
    struct rdo_cqe e;

    cfg.tm.on = timed;
    p = pair_new(&cfg);
    a = &p->s[0];
    pair_connect_loopback(p, 0, 1, RDO_QPT_RC, RDO_MTU_4096 - 2);  /* 1024 */
    pair_fill(a, PAIR_SRC, len, 6);
    pair_post_recv(a, 1, 0x81, PAIR_DST, 4096);
    sge = pair_sge_of(a, PAIR_SRC, 100);
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 2, PAIR_SEC));
    e = pair_poll(a);
    g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
    /* The receive may complete first: both are on the one CQ. */
    if (e.wr_id == 0x81) {
        g_assert_cmpuint(e.qpn, ==, 3);
        g_assert_cmpuint(e.byte_len, ==, 100);
        pair_expect_cqe(a, 0x61, RDO_CQE_SEND, RDO_WC_SUCCESS);
    } else {
        g_assert_cmphex(e.wr_id, ==, 0x61);
        e = pair_poll(a);
        g_assert_cmphex(e.wr_id, ==, 0x81);
        g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
        g_assert_cmpuint(e.byte_len, ==, 100);
    }
    pair_assert_same(a, PAIR_SRC, a, PAIR_DST, 100);

    /* QP 3 writes 256 KiB into the region QP 2 then reads back. */
    w = rdo_wqe(RDO_WR_RDMA_WRITE, 0x62);
    sge = pair_sge_of(a, PAIR_SRC, len);
    w.remote_addr = PAIR_DST + 0x80000;
    w.rkey = a->mr_key;
    pair_post_send(a, 1, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x62, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    pair_assert_same(a, PAIR_SRC, a, PAIR_DST + 0x80000, len);
    w = rdo_wqe(RDO_WR_RDMA_READ, 0x63);
    sge = pair_sge_of(a, PAIR_DST + 0x100000, len);
    w.remote_addr = PAIR_DST + 0x80000;
    w.rkey = a->mr_key;
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x63, RDO_CQE_RDMA_READ, RDO_WC_SUCCESS);
    pair_assert_same(a, PAIR_SRC, a, PAIR_DST + 0x100000, len);

    g_assert_cmpuint(p->frames, ==, 0);
    g_assert_cmpuint(a->d->h->core.cnt.loopback_frames, >=, len / 1024 * 2);
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_RX_DROPS), ==, 0);
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_RETRANSMITS), ==, 0);
    pair_free(p);
}

static void test_rc_loopback_untimed(void)
{
    test_rc_loopback(false);
}

static void test_rc_loopback_timed(void)
{
    test_rc_loopback(true);
}

/* 1 MiB WRITE (256 packets at MTU 4096, 1024 at 1024) and READ back. */
static void write_read(uint8_t mtu_code, const char *name)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    const uint32_t len = 1u << 20;
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 1);
    struct rdo_sge sge = pair_sge_of(a, PAIR_SRC, len);

    pair_capture(p, name);
    pair_connect(p, 0, RDO_QPT_RC, mtu_code);
    pair_fill(a, PAIR_SRC, len, 2);
    w.remote_addr = PAIR_DST;
    w.rkey = b->mr_key;
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 1, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    pair_assert_same(a, PAIR_SRC, b, PAIR_DST, len);
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_TX_PACKETS), ==,
                     len / (128u << mtu_code));
    g_test_message("%s: %u packets, %u placements", name,
                   pair_cnt(b, RDO_REG_CNT_RX_PACKETS),
                   pair_cnt(b, RDO_REG_CNT_RX_PLACEMENTS));
    /* Receive aggregation: in-order packets placed by far fewer DMAs. */
    g_assert_cmpuint(pair_cnt(b, RDO_REG_CNT_RX_PLACEMENTS), <=,
                     len / (128u << mtu_code) / 8);
    g_assert_cmpuint(pair_cnt(b, RDO_REG_CNT_RX_PLACEMENTS), >=,
                     len / RDO_AGG_BYTES);

    /* READ it back into another buffer of A. */
    pair_fill(b, PAIR_DST, len, 3);
    w = rdo_wqe(RDO_WR_RDMA_READ, 2);
    w.remote_addr = PAIR_DST;
    w.rkey = b->mr_key;
    sge = pair_sge_of(a, PAIR_SRC + len, len);
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 2, RDO_CQE_RDMA_READ, RDO_WC_SUCCESS);
    pair_assert_same(a, PAIR_SRC + len, b, PAIR_DST, len);
    g_assert_cmpuint(pair_cnt(b, RDO_REG_CNT_RETRANSMITS), ==, 0);
    /* The READ's responses are gathered at the requester the same way. */
    g_test_message("%s: READ responses placed by %u DMAs", name,
                   pair_cnt(a, RDO_REG_CNT_RX_PLACEMENTS));
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_RX_PLACEMENTS), <=,
                     len / (128u << mtu_code) / 8);
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_RX_PLACEMENTS), >=,
                     len / RDO_AGG_BYTES);
    pair_free(p);
}

static void test_rc_write_read_4096(void)
{
    write_read(RDO_MTU_4096, "rc-write-read-4096");
}

static void test_rc_write_read_1024(void)
{
    write_read(RDO_MTU_4096 - 2, "rc-write-read-1024");
}

static void test_rc_atomics(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_ATOMIC_CMP_SWP, 1);
    struct rdo_sge sge = pair_sge_of(a, PAIR_SRC, 8);
    uint64_t v = 100, got;

    pair_capture(p, "rc-atomics");
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    memcpy(pair_mr_ptr(b, PAIR_DST), &v, 8);
    w.remote_addr = PAIR_DST;
    w.rkey = b->mr_key;
    w.compare_add = 100;
    w.swap = 555;
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    w = rdo_wqe(RDO_WR_ATOMIC_FETCH_ADD, 2);
    w.remote_addr = PAIR_DST;
    w.rkey = b->mr_key;
    w.compare_add = 45;
    sge = pair_sge_of(a, PAIR_SRC + 8, 8);
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    /* A compare that fails leaves the value alone. */
    w = rdo_wqe(RDO_WR_ATOMIC_CMP_SWP, 3);
    w.remote_addr = PAIR_DST;
    w.rkey = b->mr_key;
    w.compare_add = 1;
    w.swap = 2;
    sge = pair_sge_of(a, PAIR_SRC + 16, 8);
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 3, PAIR_SEC));
    pair_expect_cqe(a, 1, RDO_CQE_ATOMIC_CMP_SWP, RDO_WC_SUCCESS);
    pair_expect_cqe(a, 2, RDO_CQE_ATOMIC_FETCH_ADD, RDO_WC_SUCCESS);
    pair_expect_cqe(a, 3, RDO_CQE_ATOMIC_CMP_SWP, RDO_WC_SUCCESS);
    memcpy(&got, pair_mr_ptr(a, PAIR_SRC), 8);
    g_assert_cmpuint(got, ==, 100);
    memcpy(&got, pair_mr_ptr(a, PAIR_SRC + 8), 8);
    g_assert_cmpuint(got, ==, 555);
    memcpy(&got, pair_mr_ptr(a, PAIR_SRC + 16), 8);
    g_assert_cmpuint(got, ==, 600);
    memcpy(&got, pair_mr_ptr(b, PAIR_DST), 8);
    g_assert_cmpuint(got, ==, 600);
    pair_free(p);
}

/* Every SEND variant and WRITE with immediate, and what B's CQE says. */
static void test_send_variants(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_cqp_cmd reg = { .opcode = RDO_CMD_REG_MR, .obj = 7 };
    struct {
        uint8_t op, flags;
        uint32_t len;
        uint8_t cqe_flags, cqe_op;
    } v[] = {
        { RDO_WR_SEND, 0, 3000, 0, RDO_CQE_RECV },
        { RDO_WR_SEND, RDO_WQE_F_SOLICITED, 10, RDO_CQE_F_SOLICITED, RDO_CQE_RECV },
        { RDO_WR_SEND_IMM, 0, 5000, RDO_CQE_F_IMM, RDO_CQE_RECV },
        { RDO_WR_SEND_IMM, RDO_WQE_F_SOLICITED, 0,
          RDO_CQE_F_IMM | RDO_CQE_F_SOLICITED, RDO_CQE_RECV },
        { RDO_WR_SEND_INV, 0, 2048, RDO_CQE_F_INV, RDO_CQE_RECV },
        { RDO_WR_SEND_INV, RDO_WQE_F_SOLICITED, 1, RDO_CQE_F_INV | RDO_CQE_F_SOLICITED,
          RDO_CQE_RECV },
        { RDO_WR_SEND_INV_IMM, 0, 6000, RDO_CQE_F_INV | RDO_CQE_F_IMM, RDO_CQE_RECV },
        { RDO_WR_SEND_INV_IMM, RDO_WQE_F_SOLICITED, 0,
          RDO_CQE_F_INV | RDO_CQE_F_IMM | RDO_CQE_F_SOLICITED, RDO_CQE_RECV },
        { RDO_WR_RDMA_WRITE_IMM, 0, 4500, RDO_CQE_F_IMM, RDO_CQE_RECV_RDMA_WITH_IMM },
        { RDO_WR_RDMA_WRITE_IMM, RDO_WQE_F_SOLICITED, 0,
          RDO_CQE_F_IMM | RDO_CQE_F_SOLICITED, RDO_CQE_RECV_RDMA_WITH_IMM },
        { RDO_WR_SEND, RDO_WQE_F_INLINE, 100, 0, RDO_CQE_RECV },
    };
    uint64_t *list = td_ptr(b->d, td_alloc(b->d, 8, 8));

    pair_capture(p, "send-variants");
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    /* MRs on B for the SENDs with invalidate to invalidate (7, 8; 9, 10). */
    list[0] = td_alloc(b->d, 4096, 4096);
    reg.u.reg_mr.iova = 0x5000;
    reg.u.reg_mr.length = 4096;
    reg.u.reg_mr.page_list = (uint8_t *)list - b->d->h->mem + TEST_HOST_MEM_BASE;
    reg.u.reg_mr.num_pages = 1;
    reg.u.reg_mr.page_shift = 12;
    reg.u.reg_mr.access = RDO_ACCESS_LOCAL_WRITE | RDO_ACCESS_REMOTE_WRITE;
    for (int k = 0; k < 4; k++) {
        reg.obj = 7 + k;
        g_assert_cmpuint(td_cmd(b->d, &reg).status, ==, RDO_CQP_OK);
    }
    pair_fill(a, PAIR_SRC, 8192, 4);
    for (unsigned i = 0; i < G_N_ELEMENTS(v); i++) {
        struct rdo_send_wqe w = rdo_wqe(v[i].op, 100 + i);
        struct rdo_sge sge = pair_sge_of(a, PAIR_SRC, v[i].len);

        w.flags |= v[i].flags;
        w.imm_or_rkey = v[i].op == RDO_WR_SEND_INV ? RDO_MR_KEY(7 + (i & 1), 0)
                                                   : 0xC0DE0000 + i;
        w.remote_addr = PAIR_DST + 65536 * i;
        /* SEND_INV_IMM: the key to invalidate is in rkey. */
        w.rkey = v[i].op == RDO_WR_SEND_INV_IMM ? RDO_MR_KEY(9 + (i & 1), 0)
                                                : b->mr_key;
        pair_post_recv(b, 0, 200 + i, PAIR_DST + 65536 * i, 8192);
        if (v[i].flags & RDO_WQE_F_INLINE) {
            /* Inline data lives in the WQE itself. */
            w.inline_len = v[i].len;
            pair_post_send(a, 0, &w, NULL, 0, NULL);
            memcpy(td_ptr(a->d, a->qp[0].sq +
                          (((a->qp[0].sq_pi - 1) & 63) << 8) + 64),
                   pair_mr_ptr(a, PAIR_SRC), v[i].len);
        } else {
            pair_post_send(a, 0, &w, &sge, 1, NULL);
        }
    }
    g_assert_true(pair_run_cqes(p, 0, G_N_ELEMENTS(v), PAIR_SEC));
    g_assert_true(pair_run_cqes(p, 1, G_N_ELEMENTS(v), PAIR_SEC));
    for (unsigned i = 0; i < G_N_ELEMENTS(v); i++) {
        struct rdo_cqe e;

        e = pair_poll(a);
        g_assert_cmpuint(e.wr_id, ==, 100 + i);
        g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
        e = pair_poll(b);
        g_assert_cmpuint(e.wr_id, ==, 200 + i);
        g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
        g_assert_cmphex(e.opcode, ==, v[i].cqe_op);
        g_assert_cmphex(e.flags, ==, v[i].cqe_flags);
        g_assert_cmpuint(e.byte_len, ==, v[i].len);
        if (v[i].cqe_flags & RDO_CQE_F_IMM) {
            g_assert_cmphex(e.imm_or_rkey, ==, 0xC0DE0000 + i);
        }
        if (v[i].op == RDO_WR_SEND_INV) {
            g_assert_cmphex(e.imm_or_rkey, ==, RDO_MR_KEY(7 + (i & 1), 0));
        }
        if (v[i].op == RDO_WR_SEND_INV_IMM) {
            g_assert_cmphex(e.inv_rkey, ==, RDO_MR_KEY(9 + (i & 1), 0));
        }
        pair_assert_same(a, PAIR_SRC, b, PAIR_DST + 65536 * i, v[i].len);
    }
    pair_free(p);
}

/* The invalidated MR is no longer usable for remote access. */
static void test_send_inv_invalidates(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND_INV, 1);
    struct rdo_sge sge = pair_sge_of(a, PAIR_SRC, 16);

    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_post_recv(b, 0, 9, PAIR_DST, 64);
    w.imm_or_rkey = b->mr_key;  /* B's big MR, also the WRITE target */
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    w = rdo_wqe(RDO_WR_RDMA_WRITE, 2);
    w.remote_addr = PAIR_DST;
    w.rkey = b->mr_key;
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 2, PAIR_SEC));
    pair_expect_cqe(a, 1, RDO_CQE_SEND, RDO_WC_SUCCESS);
    pair_expect_cqe(a, 2, RDO_CQE_RDMA_WRITE, RDO_WC_REM_ACCESS_ERR);
    pair_free(p);
}

static void test_uc(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND_IMM, 1);
    struct rdo_sge sge = pair_sge_of(a, PAIR_SRC, 10000);
    struct rdo_cqe e;

    pair_capture(p, "uc");
    pair_connect(p, 0, RDO_QPT_UC, RDO_MTU_4096 - 2);
    pair_fill(a, PAIR_SRC, 10000, 5);
    pair_post_recv(b, 0, 3, PAIR_DST, 16384);
    w.imm_or_rkey = 0x1234;
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    w = rdo_wqe(RDO_WR_RDMA_WRITE, 2);
    w.remote_addr = PAIR_DST + 65536;
    w.rkey = b->mr_key;
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 2, PAIR_SEC));
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    pair_run(p, PAIR_SEC);
    pair_expect_cqe(a, 1, RDO_CQE_SEND, RDO_WC_SUCCESS);
    pair_expect_cqe(a, 2, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    e = pair_poll(b);
    g_assert_cmpuint(e.byte_len, ==, 10000);
    g_assert_cmphex(e.imm_or_rkey, ==, 0x1234);
    pair_assert_same(a, PAIR_SRC, b, PAIR_DST, 10000);
    pair_assert_same(a, PAIR_SRC, b, PAIR_DST + 65536, 10000);
    /* UC has no ACKs. */
    g_assert_cmpuint(pair_cnt(b, RDO_REG_CNT_ACKS_SENT), ==, 0);
    pair_free(p);
}

static void test_ud(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND_IMM, 1);
    struct rdo_sge sge = pair_sge_of(a, PAIR_SRC, 1000);
    struct rdo_ud_seg ud = { .dest_qpn = 2, .qkey = 0x1234 };
    struct rdo_cqe e;
    uint8_t *grh;

    pair_capture(p, "ud");
    pair_connect(p, 0, RDO_QPT_UD, RDO_MTU_4096 - 2);
    memcpy(ud.dmac, b->mac, 6);
    memcpy(ud.dgid, b->gid, 16);
    pair_fill(a, PAIR_SRC, 1000, 6);
    pair_post_recv(b, 0, 3, PAIR_DST, 2048);
    w.imm_or_rkey = 77;
    pair_post_send(a, 0, &w, &sge, 1, &ud);
    /* Wrong Q_Key: dropped. */
    ud.qkey = 0x999;
    pair_post_send(a, 0, &w, &sge, 1, &ud);
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    pair_run(p, PAIR_SEC);
    pair_expect_cqe(a, 1, RDO_CQE_SEND, RDO_WC_SUCCESS);
    pair_expect_cqe(a, 1, RDO_CQE_SEND, RDO_WC_SUCCESS);
    e = pair_poll(b);
    g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
    g_assert_cmpuint(e.byte_len, ==, 1040);
    g_assert_cmpuint(e.src_qpn, ==, 2);
    g_assert_cmphex(e.flags, ==, RDO_CQE_F_GRH | RDO_CQE_F_IMM);
    g_assert_cmphex(pair_poll(b).wr_id, ==, PAIR_NO_CQE);
    grh = pair_mr_ptr(b, PAIR_DST);
    g_assert_cmphex(grh[20], ==, 0x45);     /* the IPv4 header, at 20 */
    g_assert_cmpuint(grh[20 + 12], ==, 10);
    g_assert_cmpuint(grh[20 + 15], ==, 1);  /* from 10.0.0.1 */
    pair_assert_same(a, PAIR_SRC, b, PAIR_DST + 40, 1000);
    g_assert_cmpuint(pair_cnt(b, RDO_REG_CNT_RX_DROPS), ==, 1);
    pair_free(p);
}

/*
 * The GSI: QP 1 exchanges datagrams with the privileged Q_Key 0x80010000
 * (as CM MADs do); an ordinary UD QP drops them, and QP 1 cannot be RC.
 */
static void test_gsi(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, 1);
    struct rdo_sge sge = pair_sge_of(a, PAIR_SRC, 256);
    struct rdo_ud_seg ud = { .dest_qpn = RDO_GSI_QPN, .qkey = RDO_GSI_QKEY };
    struct rdo_cqp_cmd cmd = td_cmd_of(RDO_CMD_CREATE_QP, RDO_GSI_QPN);
    struct rdo_cqe e;

    pair_capture(p, "gsi");
    a->qp[0].qpn = b->qp[0].qpn = RDO_GSI_QPN;
    pair_connect(p, 0, RDO_QPT_UD, RDO_MTU_4096);
    pair_connect(p, 1, RDO_QPT_UD, RDO_MTU_4096);
    memcpy(ud.dmac, b->mac, 6);
    memcpy(ud.dgid, b->gid, 16);
    pair_fill(a, PAIR_SRC, 256, 11);
    pair_post_recv(b, 0, 5, PAIR_DST, 4096);
    pair_post_recv(b, 1, 6, PAIR_DST + 4096, 4096);
    pair_post_send(a, 0, &w, &sge, 1, &ud);
    /* The same datagram to B's ordinary UD QP 3: dropped. */
    ud.dest_qpn = 3;
    pair_post_send(a, 0, &w, &sge, 1, &ud);
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    pair_run(p, PAIR_SEC);
    e = pair_poll(b);
    g_assert_cmphex(e.wr_id, ==, 5);
    g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
    g_assert_cmpuint(e.qpn, ==, RDO_GSI_QPN);
    g_assert_cmpuint(e.src_qpn, ==, RDO_GSI_QPN);
    g_assert_cmpuint(e.byte_len, ==, 256 + 40);
    pair_assert_same(a, PAIR_SRC, b, PAIR_DST + 40, 256);
    g_assert_cmphex(pair_poll(b).wr_id, ==, PAIR_NO_CQE);
    g_assert_cmpuint(pair_cnt(b, RDO_REG_CNT_RX_DROPS), ==, 1);
    /* QP 1 is the GSI only; QP 0 does not exist. */
    cmd.u.create_qp.type = RDO_QPT_RC;
    g_assert_cmpuint(td_cmd(a->d, &cmd).status, ==, RDO_CQP_BAD_INDEX);
    cmd.obj = 0;
    cmd.u.create_qp.type = RDO_QPT_UD;
    g_assert_cmpuint(td_cmd(a->d, &cmd).status, ==, RDO_CQP_BAD_INDEX);
    pair_free(p);
}

/* A bad rkey: NAK, remote access error on A, B's QP goes to error. */
static void test_bad_rkey(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 1);
    struct rdo_sge sge = pair_sge_of(a, PAIR_SRC, 100);
    struct rdo_eqe ev;

    pair_capture(p, "bad-rkey");
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    w.remote_addr = PAIR_DST;
    w.rkey = b->mr_key ^ 0x1;
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    w.wr_id = 2;
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 2, PAIR_SEC));
    pair_expect_cqe(a, 1, RDO_CQE_RDMA_WRITE, RDO_WC_REM_ACCESS_ERR);
    pair_expect_cqe(a, 2, RDO_CQE_SEND, RDO_WC_WR_FLUSH_ERR);
    g_assert_cmpuint(pair_cnt(b, RDO_REG_CNT_NAKS_SENT), ==, 1);
    do {
        ev = td_eq0_next(b->d);
    } while (ev.type && ev.type != RDO_EQE_QP_ERROR);
    g_assert_cmpuint(ev.type, ==, RDO_EQE_QP_ERROR);
    g_assert_cmpuint(ev.data, ==, RDO_QP_ERR_REMOTE);
    do {
        ev = td_eq0_next(a->d);
    } while (ev.type && ev.type != RDO_EQE_QP_ERROR);
    g_assert_cmpuint(ev.data, ==, RDO_QP_ERR_REMOTE);
    pair_free(p);
}

/*
 * Gathered payload that cannot be placed: a receive WQE whose second SGE
 * has a bad key fails the SEND on both sides (the first 16 KiB landed),
 * and a READ whose local region goes away fails on A.
 */
static void test_aggregated_placement_fails(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    const uint32_t len = 64u << 10;
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, 1);
    struct rdo_sge sge = pair_sge_of(a, PAIR_SRC, len);
    struct rdo_sge rsge[2] = {
        pair_sge_of(b, PAIR_DST, 16u << 10),
        { PAIR_DST + 0x10000, len, b->mr_key ^ 0x1 },
    };

    pair_capture(p, "aggregated-placement-fails");
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_connect(p, 1, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_fill(a, PAIR_SRC, len, 8);
    pair_post_recv_sges(b, 0, 9, rsge, 2);
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    pair_expect_cqe(b, 9, RDO_CQE_RECV, RDO_WC_LOC_PROT_ERR);
    pair_assert_same(a, PAIR_SRC, b, PAIR_DST, 16u << 10);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 1, RDO_CQE_SEND, RDO_WC_REM_OP_ERR);

    /*
     * A READ on the second connection, its local region invalidated right
     * after it went out: its responses cannot be placed.
     */
    pair_fill(b, PAIR_DST, len, 9);
    w = rdo_wqe(RDO_WR_RDMA_READ, 2);
    w.remote_addr = PAIR_DST;
    w.rkey = b->mr_key;
    sge = pair_sge_of(a, PAIR_SRC, len);
    pair_post_send(a, 1, &w, &sge, 1, NULL);
    w = rdo_wqe(RDO_WR_LOCAL_INV, 3);
    w.imm_or_rkey = a->mr_key;
    pair_post_send(a, 1, &w, NULL, 0, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 2, RDO_CQE_RDMA_READ, RDO_WC_LOC_PROT_ERR);
    pair_free(p);
}

/*
 * A WRITE whose target region has an unreachable third page (its page
 * list entry points past guest memory; registration does not touch the
 * pages): the first two pages land, the rest does not, B NAKs the WRITE
 * (remote access), its QP fails with a guest error, and A's WRITE
 * completes with REM_ACCESS_ERR. The same with the timing model on and
 * off: timing off, the four packets come in one round and the NAK names
 * the last; timing on, the receive pipeline takes them one round each and
 * the placement at the end of the third round fails, mid-message (the
 * QP once went to ERR there without a NAK, and A retried until
 * RETRY_EXC_ERR). Then a WRITE on another connection still lands.
 */
static void write_placement_fails(bool timing)
{
    RdoConfig cfg = test_host_default_config();
    const uint64_t iova = 0x7f0000000000ull;
    const uint32_t len = 16u << 10;
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 1);
    struct rdo_sge sge;
    struct rdo_cqp_cmd cmd;
    struct rdo_cqp_comp c;
    uint64_t list, page[4];
    const uint8_t *last;
    PairSide *a, *b;
    Pair *p;

    cfg.tm.on = timing;
    p = pair_new(&cfg);
    a = &p->s[0];
    b = &p->s[1];
    list = td_alloc(b->d, sizeof(page), 8);
    for (int i = 0; i < 4; i++) {
        page[i] = td_alloc(b->d, 4096, 4096);
    }
    page[2] = TEST_HOST_MEM_BASE + b->d->h->mem_size + (1u << 20);
    memcpy(td_ptr(b->d, list), page, sizeof(page));
    cmd = rdo_cmd_reg_mr(2, 0x5a, 0, iova, len, list, 4);
    cmd.u.reg_mr.access = RDO_ACCESS_LOCAL_WRITE | RDO_ACCESS_REMOTE_WRITE;
    c = td_cmd(b->d, &cmd);
    g_assert_cmpuint(c.status, ==, RDO_CQP_OK);

    pair_capture(p, timing ? "write-placement-fails-timed" :
                             "write-placement-fails");
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096);
    pair_connect(p, 1, RDO_QPT_RC, RDO_MTU_4096);
    pair_fill(a, PAIR_SRC, len, 11);
    sge = pair_sge_of(a, PAIR_SRC, len);
    w.remote_addr = iova;
    w.rkey = c.result;
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 1, RDO_CQE_RDMA_WRITE, RDO_WC_REM_ACCESS_ERR);
    g_assert_cmpmem(td_ptr(b->d, page[0]), 4096, pair_mr_ptr(a, PAIR_SRC), 4096);
    g_assert_cmpmem(td_ptr(b->d, page[1]), 4096,
                    pair_mr_ptr(a, PAIR_SRC + 4096), 4096);
    last = td_ptr(b->d, page[3]);
    for (uint32_t i = 0; i < 4096; i++) {
        g_assert_cmpuint(last[i], ==, 0);
    }
    /* The NAK may complete A's WRITE before B has taken in the last
     * packet (timing on): counted once both sides are idle. */
    pair_run(p, PAIR_SEC);
    g_assert_cmpuint(pair_cnt(b, RDO_REG_CNT_RX_PACKETS), ==, 4);
    g_assert_cmpuint(pair_cnt(b, RDO_REG_CNT_NAKS_SENT), ==, 1);
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_TIMEOUTS), ==, 0);
    g_assert_cmpuint(b->d->h->class_count[RDO_GE_PLACEMENT_FAILED], ==, 1);
    g_assert_cmpuint(b->d->h->xport_events[RDO_XE_QP_ERROR], ==, 1);

    /* The other connection is unharmed. */
    w = rdo_wqe(RDO_WR_RDMA_WRITE, 2);
    w.remote_addr = PAIR_DST;
    w.rkey = b->mr_key;
    pair_post_send(a, 1, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 2, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    pair_assert_same(a, PAIR_SRC, b, PAIR_DST, len);
    pair_free(p);
}

static void test_write_placement_fails(void)
{
    write_placement_fails(false);
    write_placement_fails(true);
}

/* No receive posted: RNR NAK, retried until a receive shows up. */
static void test_rnr_retry(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, 1);
    struct rdo_sge sge = pair_sge_of(a, PAIR_SRC, 3000);

    pair_capture(p, "rnr");
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_fill(a, PAIR_SRC, 3000, 7);
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    g_assert_false(pair_run_cqes(p, 0, 1, 1000000));
    g_assert_cmpuint(pair_cnt(b, RDO_REG_CNT_NAKS_SENT), >=, 2);
    /* RNR NAKs (and sequence NAKs for what was in flight behind them),
     * each with its own trace event on both sides. */
    g_assert_cmpuint(b->d->h->xport_events[RDO_XE_RNR_SENT], >=, 2);
    g_assert_cmpuint(b->d->h->xport_events[RDO_XE_RNR_SENT] +
                     b->d->h->xport_events[RDO_XE_NAK_SENT], ==,
                     pair_cnt(b, RDO_REG_CNT_NAKS_SENT));
    g_assert_cmpuint(a->d->h->xport_events[RDO_XE_RNR_RECEIVED], >=, 1);
    pair_post_recv(b, 0, 5, PAIR_DST, 4096);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 1, RDO_CQE_SEND, RDO_WC_SUCCESS);
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    g_assert_cmpuint(pair_poll(b).byte_len, ==, 3000);
    pair_assert_same(a, PAIR_SRC, b, PAIR_DST, 3000);
    pair_free(p);
}

/* The peer never answers: retries run out, RETRY_EXC_ERR, QP in error. */
static void test_retry_exhausted(void)
{
    RdoConfig cfg = test_host_default_config();
    Pair *p;
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 1);
    struct rdo_sge sge;

    cfg.fault_drop_ppm = 1000000;       /* the wire loses everything */
    p = pair_new(&cfg);
    sge = pair_sge_of(&p->s[0], PAIR_SRC, 100);
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    w.remote_addr = PAIR_DST;
    w.rkey = p->s[1].mr_key;
    pair_post_send(&p->s[0], 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, 10 * PAIR_SEC));
    pair_expect_cqe(&p->s[0], 1, RDO_CQE_RDMA_WRITE, RDO_WC_RETRY_EXC_ERR);
    /* retry_cnt 7: the first try and 7 retries. */
    g_assert_cmpuint(pair_cnt(&p->s[0], RDO_REG_CNT_TIMEOUTS), ==, 8);
    g_assert_cmpuint(p->s[0].d->h->xport_events[RDO_XE_TIMEOUT], ==, 8);
    g_assert_cmpuint(p->s[0].d->h->xport_events[RDO_XE_QP_ERROR], ==, 1);
    g_assert_cmpuint(pair_cnt(&p->s[0], RDO_REG_CNT_TX_PACKETS), ==, 8);
    pair_free(p);
}

/*
 * A mix of verbs of many sizes under injected loss: every transfer must
 * complete successfully and bit-exact.
 */
static void lossy(uint32_t drop_ppm, uint32_t burst, uint32_t extra_ppm,
                  const char *name)
{
    RdoConfig cfg = test_host_default_config();
    Pair *p;
    PairSide *a, *b;
    static const uint32_t sizes[] = { 1, 100, 1024, 4096, 5000, 65536, 300000 };
    uint32_t n = 0, recvs = 0;
    uint64_t off = 0;

    cfg.fault_seed = 42;
    cfg.fault_drop_ppm = drop_ppm;
    cfg.fault_burst = burst;
    cfg.fault_dup_ppm = extra_ppm;
    cfg.fault_reorder_ppm = extra_ppm;
    cfg.fault_corrupt_ppm = extra_ppm;
    p = pair_new(&cfg);
    a = &p->s[0];
    b = &p->s[1];
    pair_capture(p, name);
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_fill(a, PAIR_SRC, 2u << 20, 9);
    for (int round = 0; round < 3; round++) {
        for (unsigned i = 0; i < G_N_ELEMENTS(sizes); i++) {
            static const uint8_t ops[] = { RDO_WR_RDMA_WRITE, RDO_WR_SEND,
                                           RDO_WR_RDMA_READ };
            uint8_t op = ops[(i + round) % 3];
            struct rdo_send_wqe w = rdo_wqe(op, n);
            struct rdo_sge sge = pair_sge_of(a, op == RDO_WR_RDMA_READ ?
                                        PAIR_SRC + (2u << 20) + off : PAIR_SRC + off,
                                        sizes[i]);

            w.remote_addr = PAIR_DST + off;
            w.rkey = b->mr_key;
            if (op == RDO_WR_RDMA_READ) {
                pair_fill(b, PAIR_DST + off, sizes[i], n);
            }
            if (op == RDO_WR_SEND) {
                pair_post_recv(b, 0, n, PAIR_DST + off, sizes[i]);
                recvs++;
            }
            pair_post_send(a, 0, &w, &sge, 1, NULL);
            off += (sizes[i] + 4095) & ~4095u;
            n++;
        }
        if (!pair_run_cqes(p, 0, n, 60 * PAIR_SEC)) {
            g_error("%s: round %d stuck: A %u CQEs %u packets %u retransmits "
                    "%u timeouts %u NAKs in; B %u NAKs %u dups %u drops",
                    name, round, pair_cnt(a, RDO_REG_CNT_CQES),
                    pair_cnt(a, RDO_REG_CNT_TX_PACKETS),
                    pair_cnt(a, RDO_REG_CNT_RETRANSMITS),
                    pair_cnt(a, RDO_REG_CNT_TIMEOUTS),
                    pair_cnt(a, RDO_REG_CNT_NAKS_RECEIVED),
                    pair_cnt(b, RDO_REG_CNT_NAKS_SENT),
                    pair_cnt(b, RDO_REG_CNT_DUP_REQUESTS),
                    pair_cnt(b, RDO_REG_CNT_RX_DROPS));
        }
    }
    g_assert_true(pair_run_cqes(p, 1, recvs, 60 * PAIR_SEC));
    off = 0;
    for (uint32_t k = 0; k < n; k++) {
        struct rdo_cqe e = pair_poll(a);
        uint32_t size = sizes[k % G_N_ELEMENTS(sizes)];

        g_assert_cmpuint(e.wr_id, ==, k);
        g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
        if (e.opcode == RDO_CQE_RDMA_READ) {
            pair_assert_same(a, PAIR_SRC + (2u << 20) + off, b, PAIR_DST + off, size);
        } else {
            pair_assert_same(a, PAIR_SRC + off, b, PAIR_DST + off, size);
        }
        off += (size + 4095) & ~4095u;
    }
    for (uint32_t k = 0; k < recvs; k++) {
        g_assert_cmpuint(pair_poll(b).status, ==, RDO_WC_SUCCESS);
    }
    if (drop_ppm) {
        g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_RETRANSMITS) +
                         pair_cnt(b, RDO_REG_CNT_RETRANSMITS), >, 0);
        g_assert_cmpuint(a->d->h->xport_events[RDO_XE_RETRANSMIT], >, 0);
    }
    /* The transport's trace events match its counters. */
    for (int s = 0; s < 2; s++) {
        TestHost *h = p->s[s].d->h;

        g_assert_cmpuint(h->xport_events[RDO_XE_TIMEOUT], ==,
                         pair_cnt(&p->s[s], RDO_REG_CNT_TIMEOUTS));
        g_assert_cmpuint(h->xport_events[RDO_XE_NAK_SENT] +
                         h->xport_events[RDO_XE_RNR_SENT], ==,
                         pair_cnt(&p->s[s], RDO_REG_CNT_NAKS_SENT));
        g_assert_cmpuint(h->xport_events[RDO_XE_NAK_RECEIVED] +
                         h->xport_events[RDO_XE_RNR_RECEIVED], ==,
                         pair_cnt(&p->s[s], RDO_REG_CNT_NAKS_RECEIVED));
        g_assert_cmpuint(h->xport_events[RDO_XE_DUPLICATE], ==,
                         pair_cnt(&p->s[s], RDO_REG_CNT_DUP_REQUESTS));
        g_assert_cmpuint(h->xport_events[RDO_XE_QP_ERROR], ==, 0);
    }
    if (g_test_verbose()) {
        g_test_message("%s: %" G_GUINT64_FORMAT " frames, A: %u retransmits %u "
                       "timeouts, B: %u NAKs, %u dups, %u drops, %u ICRC",
                       name, p->frames, pair_cnt(a, RDO_REG_CNT_RETRANSMITS),
                       pair_cnt(a, RDO_REG_CNT_TIMEOUTS),
                       pair_cnt(b, RDO_REG_CNT_NAKS_SENT),
                       pair_cnt(b, RDO_REG_CNT_DUP_REQUESTS),
                       pair_cnt(b, RDO_REG_CNT_RX_DROPS),
                       pair_cnt(b, RDO_REG_CNT_RX_ICRC_ERRORS));
    }
    pair_free(p);
}

static void test_loss_1(void)
{
    lossy(10000, 1, 0, "loss-1pct");
}

static void test_loss_5(void)
{
    lossy(50000, 1, 0, "loss-5pct");
}

static void test_loss_bursty(void)
{
    lossy(5000, 8, 0, "loss-bursty");
}

static void test_loss_mixed_faults(void)
{
    lossy(10000, 1, 10000, "loss-mixed");
}

static void test_shared_sq(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    static const uint32_t sizes[6] = { 200000, 10, 3000, 50, 100000, 1 };
    uint32_t ssqn;

    pair_capture(p, "shared-sq");
    ssqn = pair_ssq_fan(p, 4, 3);
    pair_fill(a, PAIR_SRC, 400000, 11);
    for (int k = 0; k < 6; k++) {
        struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 500 + k);
        struct rdo_sge sge = pair_sge_of(a, PAIR_SRC + k * 4096, sizes[k]);

        w.conn_qpn = 2 + k % 3;
        w.remote_addr = PAIR_DST + k * 262144;
        w.rkey = b->mr_key;
        pair_post_send(a, 4, &w, &sge, 1, NULL);
    }
    g_assert_true(pair_run_cqes(p, 0, 6, PAIR_SEC));
    for (int k = 0; k < 6; k++) {
        struct rdo_cqe e = pair_poll(a);

        g_assert_cmpuint(e.wr_id, ==, 500 + k);
        g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
        g_assert_cmpuint(e.qpn, ==, 2 + k % 3);
        pair_assert_same(a, PAIR_SRC + k * 4096, b, PAIR_DST + k * 262144, sizes[k]);
    }
    /* Each connection carried its own messages. */
    g_assert_cmpuint(pair_cnt(b, RDO_REG_CNT_ACKS_SENT), >=, 3);

    /* A WQE for a QP the SSQ does not feed fails the SSQ. */
    {
        struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, 600);
        struct rdo_eqe ev;

        w.conn_qpn = 7;
        pair_post_send(a, 4, &w, NULL, 0, NULL);
        g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
        pair_expect_cqe(a, 600, RDO_CQE_SEND, RDO_WC_LOC_QP_OP_ERR);
        do {
            ev = td_eq0_next(a->d);
        } while (ev.type && ev.type != RDO_EQE_QP_ERROR);
        g_assert_cmpuint(ev.obj, ==, ssqn);
    }
    pair_free(p);
}

/*
 * The hardware interface's table of which work requests each QP type
 * accepts (rdo_qp_wr_allowed, used by the driver and the provider to refuse
 * a post) is what the device does: for every QP type and opcode (and one
 * past the last), a well-formed WQE completes as a bad WQE exactly when the
 * table refuses it.
 */
static void test_wr_table_one(uint8_t type, uint8_t op)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(op, 40 + op);
    struct rdo_sge sge = pair_sge_of(a, PAIR_SRC, 8);
    struct rdo_ud_seg ud = { .dest_qpn = 2, .qkey = 0x1234 };
    int slot = 0;
    struct rdo_cqe e;
    bool bad;

    if (type == RDO_QPT_SSQ) {
        pair_create_ssq(p, 4);
        pair_connect_fed(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2, 2 + 4);
        w.conn_qpn = 2;
        slot = 4;
    } else {
        pair_connect(p, 0, type, RDO_MTU_4096 - 2);
    }
    memcpy(ud.dmac, b->mac, 6);
    memcpy(ud.dgid, b->gid, 16);
    pair_post_recv(b, 0, 3, PAIR_DST, 4096);
    w.remote_addr = PAIR_DST;
    w.rkey = b->mr_key;
    w.imm_or_rkey = op == RDO_WR_LOCAL_INV ? a->mr_key : b->mr_key;
    if (op == RDO_WR_REG_MR || op == RDO_WR_BIND_MW) {
        /* No SGEs; the key names no fast-registration MR (no window): it
         * fails, but not as a bad WQE. */
        w.imm_or_rkey = a->mr_key;
        pair_post_send(a, slot, &w, NULL, 0, type == RDO_QPT_UD ? &ud : NULL);
    } else {
        pair_post_send(a, slot, &w, &sge, 1, type == RDO_QPT_UD ? &ud : NULL);
    }
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    e = pair_poll(a);
    g_assert_cmphex(e.wr_id, !=, PAIR_NO_CQE);   /* 0 for a bad WQE */
    bad = e.status == RDO_WC_LOC_QP_OP_ERR && e.vendor_err == RDO_VENDOR_ERR_BAD_WQE;
    if (bad == rdo_qp_wr_allowed(type, op)) {
        g_error("QP type %u, opcode %u: the table says %s, the device %s "
                "(status %u, vendor_err %u)", type, op,
                rdo_qp_wr_allowed(type, op) ? "accepted" : "refused",
                bad ? "refused it" : "accepted it", e.status, e.vendor_err);
    }
    pair_free(p);
}

static void test_wr_table(void)
{
    for (uint8_t type = 0; type < RDO_QPT__COUNT; type++) {
        for (uint8_t op = 0; op <= RDO_WR__COUNT; op++) {
            test_wr_table_one(type, op);
        }
    }
    /* The table's own shape: RC takes all, UC a subset, UD a subset of UC. */
    g_assert_cmphex(rdo_qp_wr_mask(RDO_QPT_RC), ==, RDO_WR_MASK_ALL);
    g_assert_false(rdo_qp_wr_allowed(RDO_QPT_UC, RDO_WR_SEND_INV));
    g_assert_false(rdo_qp_wr_allowed(RDO_QPT_RC, RDO_WR__COUNT));
    g_assert_false(rdo_qp_wr_allowed(RDO_QPT__COUNT, RDO_WR_SEND));
}

/* The next EQ 0 event of `type` on a side (others skipped); type 0 if none. */
static struct rdo_eqe eq0_event(PairSide *s, uint8_t type)
{
    struct rdo_eqe e;

    while ((e = td_eq0_next(s->d)).type && e.type != type) {
    }
    return e;
}

/*
 * User MRs as the driver registers malloc'd buffers (rping's): REG_MR of
 * an unaligned iova over pages scattered out of order, with gaps; 4 KiB
 * pages, or the 8 KiB blocks ib_umem_find_best_pgsz picks when two pages
 * happen to be contiguous.
 */
typedef struct UserMr {
    uint32_t key;
    uint64_t iova;
    uint64_t pages[3];
    uint8_t shift;
} UserMr;

static UserMr user_mr(PairSide *s, uint32_t index, uint64_t iova, uint64_t len,
                      uint8_t shift, uint16_t access)
{
    uint64_t psz = 1ull << shift;
    uint32_t n = ((iova & (psz - 1)) + len + psz - 1) >> shift;
    uint64_t run = td_alloc(s->d, 2 * n * psz, psz);
    uint64_t list = td_alloc(s->d, n * 8, 8);
    UserMr m = { .iova = iova, .shift = shift };
    struct rdo_cqp_cmd cmd;

    g_assert_cmpuint(n, <=, G_N_ELEMENTS(m.pages));
    memset(td_ptr(s->d, run), 0xee, 2 * n * psz);   /* to see strays */
    for (uint32_t i = 0; i < n; i++) {
        m.pages[i] = run + 2 * (n - 1 - i) * psz;
    }
    memcpy(td_ptr(s->d, list), m.pages, n * 8);
    cmd = rdo_cmd_reg_mr(index, 0x40 + index, 0, iova, len, list, n);
    cmd.u.reg_mr.page_shift = shift;
    cmd.u.reg_mr.access = access;
    g_assert_cmpuint(rdo_pair_cmd(&s->rdo, cmd, &m.key), ==, RDO_CQP_OK);
    return m;
}

/* Host pointer of the byte at va of a user MR, through its pages. */
static uint8_t *user_ptr(PairSide *s, const UserMr *m, uint64_t va)
{
    uint64_t psz = 1ull << m->shift;
    uint64_t off = va - m->iova + (m->iova & (psz - 1));

    return td_ptr(s->d, m->pages[off >> m->shift] + (off & (psz - 1)));
}

/* Byte va..va+len of a user MR is the seed's pattern. */
static void user_fill(PairSide *s, const UserMr *m, uint32_t len, uint8_t seed)
{
    for (uint32_t i = 0; i < len; i++) {
        *user_ptr(s, m, m->iova + i) = (uint8_t)(seed + i * 7);
    }
}

static void user_expect(PairSide *s, const UserMr *m, uint32_t len,
                        uint8_t seed)
{
    for (uint32_t i = 0; i < len; i++) {
        if (*user_ptr(s, m, m->iova + i) != (uint8_t)(seed + i * 7)) {
            g_error("byte %u of %u differs", i, len);
        }
    }
    /* The bytes just before and after the region are untouched. */
    g_assert_cmphex(*user_ptr(s, m, m->iova - 1), ==, 0xee);
    g_assert_cmphex(*user_ptr(s, m, m->iova + len), ==, 0xee);
}

/* A's READ or WRITE of len bytes between its user MR `local` and B's
 * `remote` on slot 0, completed with `status`. */
static void user_rdma(Pair *p, uint8_t op, const UserMr *remote, UserMr local,
                      uint32_t len, uint8_t status)
{
    static uint64_t wr_id;
    struct rdo_send_wqe w = rdo_wqe(op, ++wr_id);
    struct rdo_sge sge = { local.iova, len, local.key };

    w.remote_addr = remote->iova;
    w.rkey = remote->key;
    pair_post_send(&p->s[0], 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(&p->s[0], wr_id, op == RDO_WR_RDMA_READ ? RDO_CQE_RDMA_READ
                                                            : RDO_CQE_RDMA_WRITE,
                    status);
}

/*
 * rping between two adapters: the client (B) advertises a 5000-byte
 * buffer, the server (A) READs it into its own and WRITEs it back into
 * the client's second buffer, every buffer unaligned across pages. Then
 * rping with a server buffer (-S) smaller than the client's: the READ's
 * local SGE overruns its MR, a local protection error before anything
 * is sent, nothing written, A's QP to error (soft-RoCE does the same).
 */
static void test_user_mr_unaligned(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    const uint16_t all = RDO_ACCESS_LOCAL_WRITE | RDO_ACCESS_REMOTE_READ |
                         RDO_ACCESS_REMOTE_WRITE;
    const uint32_t len = 5000;
    UserMr srv = user_mr(a, 60, 0x5565d16833b0ull, len, RDO_PAGE_SHIFT, all);
    UserMr small = user_mr(a, 61, 0x5565d1684ff0ull, 64, RDO_PAGE_SHIFT, all);
    UserMr start = user_mr(b, 60, 0x5587dca61f48ull, len, RDO_PAGE_SHIFT + 1, all);
    UserMr echo = user_mr(b, 61, 0x5587dca633b0ull, len, RDO_PAGE_SHIFT, all);

    pair_capture(p, "user-mr-unaligned");
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);     /* 1024: 5 packets */
    user_fill(b, &start, len, 0x41);
    user_rdma(p, RDO_WR_RDMA_READ, &start, srv, len, RDO_WC_SUCCESS);
    user_expect(a, &srv, len, 0x41);
    user_rdma(p, RDO_WR_RDMA_WRITE, &echo, srv, len, RDO_WC_SUCCESS);
    user_expect(b, &echo, len, 0x41);

    /* The server's 64-byte buffer, the client's 5000 bytes. */
    user_fill(a, &small, 64, 0x10);
    user_rdma(p, RDO_WR_RDMA_READ, &start, small, len, RDO_WC_LOC_PROT_ERR);
    user_expect(a, &small, 64, 0x10);
    g_assert_cmpuint(eq0_event(a, RDO_EQE_QP_ERROR).data, ==, RDO_QP_ERR_ACCESS);
    g_assert_cmpuint(pair_cnt(b, RDO_REG_CNT_NAKS_SENT), ==, 0);
    pair_free(p);
}

/* One SEND of 64 bytes from side 0's slot i into its peer's SRQ. */
static void srq_send(Pair *p, int i, uint64_t wr_id)
{
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, wr_id);
    struct rdo_sge sge = pair_sge_of(a, PAIR_SRC, 64);
    struct rdo_cqe e;

    pair_post_send(a, i, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, wr_id, RDO_CQE_SEND, RDO_WC_SUCCESS);
    e = pair_poll(b);
    g_assert_cmphex(e.wr_id, ==, 0x9000 + (wr_id & 0xff));
    g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
    g_assert_cmpuint(e.qpn, ==, b->qp[i].qpn);
}

/*
 * The SRQ limit: armed at 5 with 8 WQEs posted, the event (obj the SRQ,
 * data the limit) comes once, when the 4th WQE is taken and 4 remain, not
 * before and not again; a second MODIFY_SRQ re-arms it.
 */
static void test_srq_limit(void)
{
    Pair *p = pair_new(NULL);
    PairSide *b = &p->s[1];
    RdoPairSrq srq;
    struct rdo_eqe e;
    uint32_t taken = 0;

    rdo_pair_create_srq(&b->rdo, &srq, 0, 4);
    b->qp_on_srq = true;
    b->qp_srqn = 0;
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_connect(p, 1, RDO_QPT_RC, RDO_MTU_4096 - 2);
    for (unsigned i = 0; i < 8; i++) {
        rdo_pair_post_srq_recv(&b->rdo, &srq, 0x9000 + i, PAIR_DST + i * 64, 64);
    }
    g_assert_cmpuint(rdo_pair_cmd(&b->rdo, rdo_cmd_modify_srq(0, 5), NULL), ==,
                     RDO_CQP_OK);
    for (unsigned k = 1; k <= 6; k++, taken++) {
        srq_send(p, k & 1, taken);
        e = eq0_event(b, RDO_EQE_SRQ_LIMIT);
        if (k == 4) {
            g_assert_cmpuint(e.type, ==, RDO_EQE_SRQ_LIMIT);
            g_assert_cmpuint(e.obj, ==, 0);
            g_assert_cmpuint(e.data, ==, 5);
        } else {
            g_assert_cmpuint(e.type, ==, 0);
        }
    }
    /* 2 posted; 8 more make 10; armed again at 3: the event at 2 left. */
    for (unsigned i = 8; i < 16; i++) {
        rdo_pair_post_srq_recv(&b->rdo, &srq, 0x9000 + i, PAIR_DST + i * 64, 64);
    }
    g_assert_cmpuint(rdo_pair_cmd(&b->rdo, rdo_cmd_modify_srq(0, 3), NULL), ==,
                     RDO_CQP_OK);
    for (unsigned k = 1; k <= 8; k++, taken++) {
        srq_send(p, k & 1, taken);
        e = eq0_event(b, RDO_EQE_SRQ_LIMIT);
        g_assert_cmpuint(e.type, ==, k == 8 ? RDO_EQE_SRQ_LIMIT : 0);
    }
    /* Disarmed by limit 0: the last WQEs go without an event. */
    g_assert_cmpuint(rdo_pair_cmd(&b->rdo, rdo_cmd_modify_srq(0, 8), NULL), ==,
                     RDO_CQP_OK);
    g_assert_cmpuint(rdo_pair_cmd(&b->rdo, rdo_cmd_modify_srq(0, 0), NULL), ==,
                     RDO_CQP_OK);
    srq_send(p, 0, taken++);
    g_assert_cmpuint(eq0_event(b, RDO_EQE_SRQ_LIMIT).type, ==, 0);
    g_assert_cmpuint(test_reg_read(b->d->h, RDO_REG_ERR_COUNT), ==, 0);
    pair_free(p);
}

/*
 * RDO_EQE_QP_LAST_WQE for QPs on an SRQ: one moved to ERR by the driver,
 * one failed by the device (a SEND too long for the WQE); once each. The
 * SRQ's other WQEs stay posted and serve the QP still working.
 */
static void test_srq_last_wqe(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, 0x77);
    struct rdo_sge sge = pair_sge_of(a, PAIR_SRC, 200);
    RdoPairSrq srq;
    struct rdo_eqe e;
    struct rdo_cqe c;

    rdo_pair_create_srq(&b->rdo, &srq, 0, 4);
    b->qp_on_srq = true;
    b->qp_srqn = 0;
    for (int i = 0; i < 3; i++) {
        pair_connect(p, i, RDO_QPT_RC, RDO_MTU_4096 - 2);
    }
    for (unsigned i = 0; i < 8; i++) {
        rdo_pair_post_srq_recv(&b->rdo, &srq, 0x9000 + i, PAIR_DST + i * 64, 64);
    }
    /* The driver moves slot 0's QP to ERR: LAST_WQE, no CQE on the SRQ. */
    g_assert_cmpuint(pair_modify(b, b->qp[0].qpn, RDO_QPS_ERR, 0, NULL), ==,
                     RDO_CQP_OK);
    e = eq0_event(b, RDO_EQE_QP_LAST_WQE);
    g_assert_cmpuint(e.type, ==, RDO_EQE_QP_LAST_WQE);
    g_assert_cmpuint(e.obj, ==, b->qp[0].qpn);
    g_assert_cmpuint(eq0_event(b, RDO_EQE_QP_LAST_WQE).type, ==, 0);
    g_assert_cmpuint(pair_cq_ready(b), ==, 0);
    /* Again to ERR: no second event. */
    g_assert_cmpuint(pair_modify(b, b->qp[0].qpn, RDO_QPS_ERR, 0, NULL), ==,
                     RDO_CQP_OK);
    g_assert_cmpuint(eq0_event(b, RDO_EQE_QP_LAST_WQE).type, ==, 0);

    /* Slot 1: 200 bytes into a 64-byte WQE: LOC_LEN_ERR, QP_ERROR, LAST_WQE. */
    pair_post_send(a, 1, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    pair_run(p, PAIR_SEC / 100);
    c = pair_poll(b);
    g_assert_cmphex(c.wr_id, ==, 0x9000);
    g_assert_cmpuint(c.status, ==, RDO_WC_LOC_LEN_ERR);
    e = td_eq0_next(b->d);
    while (e.type && e.type != RDO_EQE_QP_ERROR) {
        e = td_eq0_next(b->d);
    }
    g_assert_cmpuint(e.obj, ==, b->qp[1].qpn);
    e = td_eq0_next(b->d);
    g_assert_cmpuint(e.type, ==, RDO_EQE_QP_LAST_WQE);
    g_assert_cmpuint(e.obj, ==, b->qp[1].qpn);
    g_assert_cmpuint(eq0_event(b, RDO_EQE_QP_LAST_WQE).type, ==, 0);
    while (pair_poll(a).wr_id != PAIR_NO_CQE) {
    }

    /* Slot 2 still receives, from the next SRQ WQE. */
    srq_send(p, 2, 0x01);
    g_assert_cmpuint(eq0_event(b, RDO_EQE_QP_LAST_WQE).type, ==, 0);
    pair_free(p);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/datapath/rc/send", test_rc_send);
    g_test_add_func("/datapath/rc/send-aggregated", test_rc_send_aggregated);
    g_test_add_func("/datapath/rc/write-read-mtu4096", test_rc_write_read_4096);
    g_test_add_func("/datapath/rc/write-read-mtu1024", test_rc_write_read_1024);
    g_test_add_func("/datapath/rc/atomics", test_rc_atomics);
    g_test_add_func("/datapath/rc/send-variants", test_send_variants);
    g_test_add_func("/datapath/rc/send-inv-invalidates", test_send_inv_invalidates);
    g_test_add_func("/datapath/rc/shared-sq", test_shared_sq);
    g_test_add_func("/datapath/rc/loopback", test_rc_loopback_untimed);
    g_test_add_func("/datapath/rc/loopback-timed", test_rc_loopback_timed);
    g_test_add_func("/datapath/wr-table", test_wr_table);
    g_test_add_func("/datapath/uc", test_uc);
    g_test_add_func("/datapath/ud", test_ud);
    g_test_add_func("/datapath/gsi", test_gsi);
    g_test_add_func("/datapath/rc/user-mr-unaligned", test_user_mr_unaligned);
    g_test_add_func("/datapath/errors/bad-rkey", test_bad_rkey);
    g_test_add_func("/datapath/errors/aggregated-placement-fails",
                    test_aggregated_placement_fails);
    g_test_add_func("/datapath/errors/write-placement-fails",
                    test_write_placement_fails);
    g_test_add_func("/datapath/errors/rnr-retry", test_rnr_retry);
    g_test_add_func("/datapath/errors/retry-exhausted", test_retry_exhausted);
    g_test_add_func("/datapath/loss/1pct", test_loss_1);
    g_test_add_func("/datapath/srq-limit", test_srq_limit);
    g_test_add_func("/datapath/srq-last-wqe", test_srq_last_wqe);
    g_test_add_func("/datapath/loss/5pct", test_loss_5);
    g_test_add_func("/datapath/loss/bursty", test_loss_bursty);
    g_test_add_func("/datapath/loss/mixed-faults", test_loss_mixed_faults);
    return g_test_run();
}
