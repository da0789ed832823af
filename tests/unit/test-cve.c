/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The classes of QEMU pvrdma's CVEs, tried on this device: each test feeds
 * the guest-controlled value that broke pvrdma (an SGE count, a ring size,
 * a DMA length, an index, a command before set-up, a half-valid create)
 * and checks the device refuses it the documented way and stays usable.
 * The unit suite runs under ASan, UBSan and LeakSanitizer, so a read past
 * a buffer, a shift by a guest's count or a leak on an error path fails
 * here even where the assertions would not. The table that maps each CVE
 * to these tests: docs/security.md.
 */
#include <string.h>
#include "test-pair.h"

/* Polls the side's next CQE and checks its wr_id and status. */
static struct rdo_cqe expect_error(PairSide *s, uint64_t wr_id, uint8_t status)
{
    struct rdo_cqe e = pair_poll(s);

    g_assert_cmphex(e.wr_id, ==, wr_id);
    g_assert_cmpuint(e.status, ==, status);
    return e;
}

/* The next QP error event on a driver's EQ 0 (asserts there is one). */
static struct rdo_eqe qp_error_event(TestDriver *d)
{
    struct rdo_eqe ev;

    do {
        ev = td_eq0_next(d);
    } while (ev.type && ev.type != RDO_EQE_QP_ERROR);
    g_assert_cmpuint(ev.type, ==, RDO_EQE_QP_ERROR);
    return ev;
}

/* Rewrites the num_sge byte of the WQE at `slot` in guest memory. */
static void set_num_sge(PairSide *s, uint64_t slot, size_t field, uint8_t n)
{
    uint8_t *p = td_ptr(s->d, slot + field);

    *p = n;
}

/*
 * CVE-2018-20124 (pvrdma: a WQE's num_sge indexed an SGE array without a
 * bound): the SGE count of a send WQE and a receive WQE one beyond what
 * the ring's stride holds, and 255 (an SRQ's WQE: the next test). The
 * device reads at most a stride (xport/wqe.c, xport/recv.c) and fails the
 * work request; the receive side NAKs, so the sender fails too.
 */
static void test_sge_count(void)
{
    const uint8_t counts[] = { 0, 255 };    /* 0: one beyond the stride */

    for (size_t k = 0; k < G_N_ELEMENTS(counts); k++) {
        Pair *p = pair_new(NULL);
        PairSide *a = &p->s[0], *b = &p->s[1];
        const RdoPairLayout *l = &p->layout;
        uint8_t sq_over = ((1u << l->sq_shift) - sizeof(struct rdo_send_wqe)) /
                          sizeof(struct rdo_sge) + 1;
        uint8_t rq_over = ((1u << l->rq_shift) - sizeof(struct rdo_recv_wqe)) /
                          sizeof(struct rdo_sge) + 1;
        struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, 1);
        struct rdo_sge sge = pair_sge_of(a, PAIR_SRC, 64);
        uint64_t slot;

        /* Send WQE: written whole, then its count spoiled before the doorbell. */
        pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
        slot = rdo_ring_slot(a->qp[0].sq, a->qp[0].sq_pi, l->sq_log, l->sq_shift);
        rdo_pair_write_wqe(&a->rdo, 0, &w, &sge, 1, NULL, NULL, NULL);
        set_num_sge(a, slot, offsetof(struct rdo_send_wqe, num_sge),
                    counts[k] ? counts[k] : sq_over);
        td_doorbell(a->d, 0, RDO_DB_SQ, RDO_DB_VALUE(a->qp[0].qpn, 0, a->qp[0].sq_pi));
        g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
        /* A WQE that fails its checks is not trusted for its wr_id either. */
        g_assert_cmpuint(expect_error(a, 0, RDO_WC_LOC_QP_OP_ERR).vendor_err, ==,
                         RDO_VENDOR_ERR_BAD_WQE);
        g_assert_cmpuint(qp_error_event(a->d).obj, ==, a->qp[0].qpn);
        g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_TX_PACKETS), ==, 0);

        /* Receive WQE: a good SEND meets a spoiled RQ entry on B. */
        pair_connect(p, 1, RDO_QPT_RC, RDO_MTU_4096 - 2);
        slot = rdo_ring_slot(b->qp[1].rq, b->qp[1].rq_pi, l->rq_log, l->rq_shift);
        pair_post_recv(b, 1, 0x77, PAIR_DST, 64);
        set_num_sge(b, slot, offsetof(struct rdo_recv_wqe, num_sge),
                    counts[k] ? counts[k] : rq_over);
        w.wr_id = 2;
        pair_post_send(a, 1, &w, &sge, 1, NULL);
        g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
        g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
        g_assert_cmpuint(expect_error(b, 0, RDO_WC_LOC_QP_OP_ERR).opcode, ==, RDO_CQE_RECV);
        g_assert_cmpuint(expect_error(a, 2, RDO_WC_REM_OP_ERR).qpn, ==, a->qp[1].qpn);
        pair_free(p);
    }
}

static void test_srq_sge_count(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, 3);
    struct rdo_sge sge = pair_sge_of(a, PAIR_SRC, 64);
    RdoPairSrq srq;
    uint64_t slot;

    rdo_pair_create_srq(&b->rdo, &srq, 0, 4);
    b->qp_on_srq = true;
    b->qp_srqn = 0;
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    slot = rdo_ring_slot(srq.ring, srq.pi, srq.log_size, p->layout.rq_shift);
    rdo_pair_post_srq_recv(&b->rdo, &srq, 0x9000, PAIR_DST, 64);
    set_num_sge(b, slot, offsetof(struct rdo_recv_wqe, num_sge), 255);
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    g_assert_cmpuint(expect_error(b, 0, RDO_WC_LOC_QP_OP_ERR).opcode, ==, RDO_CQE_RECV);
    expect_error(a, 3, RDO_WC_REM_OP_ERR);
    pair_free(p);
}

static uint8_t status_of(TestDriver *d, struct rdo_cqp_cmd c)
{
    return td_cmd(d, &c).status;
}

/* Ring sizes whose 2^n overflows 32 bits or a shift: pvrdma's page counts. */
static const uint8_t bad_logs[] = { 0, RDO_QUEUE_LOG_SIZE_MAX + 1, 31, 32, 255 };

/*
 * CVE-2018-20125, CVE-2023-1544 (pvrdma: page counts and
 * ring sizes from the guest unchecked, so a huge allocation, a NULL ring
 * or a read past the page directory): every ring a command describes (EQ,
 * CQ, CQ resize, SRQ, SQ, RQ) with log sizes 0, one past the maximum, 31,
 * 32 and 255 and strides out of range, a page-list ring smaller than a
 * page, and MR page counts and page sizes out of range, are refused
 * before anything is kept (base/ring.c rdo_ring_check, ctrl/cqp-mr.c);
 * the same numbers then create. A ring's pages are never allocated by the
 * device: the page list stays in guest memory and each entry is read, by
 * an index masked to the ring, when used.
 */
static void test_ring_geometry(void)
{
    TestDriver *d = td_started(4);
    uint64_t ring = td_alloc(d, 1u << 17, 4096), ring2 = td_alloc(d, 1u << 17, 4096);
    uint64_t list = td_alloc(d, 8, 8);
    const uint8_t bad_sq_shifts[] = { 5, RDO_WQE_SHIFT_MAX + 1, 255 };
    const uint8_t bad_rq_shifts[] = { 3, RDO_WQE_SHIFT_MAX + 1, 255 };
    const uint8_t bad_page_shifts[] = { 11, 31, 63, 255 };
    const uint32_t bad_pages[] = { 0, RDO_MR_PAGES_MAX + 1, UINT32_MAX };
    const uint32_t bad_fr_pages[] = { 0, RDO_FAST_REG_PAGES_MAX + 1, UINT32_MAX };
    uint32_t refused = 0;
    struct rdo_cqp_cmd c;

    *(uint64_t *)td_ptr(d, list) = td_alloc(d, 4096, 4096);
    td_create_pd(d, 1);
    td_create_cq(d, 2, 4, 0, 1);
    for (size_t i = 0; i < G_N_ELEMENTS(bad_logs); i++, refused += 6) {
        uint8_t n = bad_logs[i];

        g_assert_cmpuint(status_of(d, rdo_cmd_create_eq(3, ring, n, 1)), ==, RDO_CQP_BAD_PARAM);
        g_assert_cmpuint(status_of(d, rdo_cmd_create_cq(5, ring, n, 0, 1)), ==, RDO_CQP_BAD_PARAM);
        g_assert_cmpuint(status_of(d, rdo_cmd_resize_cq(2, ring2, n)), ==, RDO_CQP_BAD_PARAM);
        g_assert_cmpuint(status_of(d, rdo_cmd_create_srq(0, ring, n, 6, 1)), ==,
                         RDO_CQP_BAD_PARAM);
        c = rdo_cmd_create_qp(9, RDO_QPT_UD, 1, 2, ring, ring2);
        rdo_cmd_qp_geometry(&c, n, 7, 3, 6);
        g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_BAD_PARAM);
        rdo_cmd_qp_geometry(&c, 3, 7, n, 6);
        g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_BAD_PARAM);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(bad_sq_shifts); i++, refused += 3) {
        c = rdo_cmd_create_qp(9, RDO_QPT_UD, 1, 2, ring, ring2);
        rdo_cmd_qp_geometry(&c, 3, bad_sq_shifts[i], 3, 6);
        g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_BAD_PARAM);
        rdo_cmd_qp_geometry(&c, 3, 7, 3, bad_rq_shifts[i]);
        g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_BAD_PARAM);
        g_assert_cmpuint(status_of(d, rdo_cmd_create_srq(0, ring, 3, bad_rq_shifts[i], 1)), ==,
                         RDO_CQP_BAD_PARAM);
    }
    /* A page-list ring of 4 CQEs: less than the page its list names. */
    c = rdo_cmd_create_cq(5, list, 2, 0, 1);
    c.u.create_cq.ring_flags = RDO_RING_F_PAGE_LIST;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_BAD_PARAM);
    refused++;
    for (size_t i = 0; i < G_N_ELEMENTS(bad_pages); i++, refused += 2) {
        g_assert_cmpuint(status_of(d, rdo_cmd_reg_mr(3, 0, 1, 0, 4096, list, bad_pages[i])),
                         ==, RDO_CQP_BAD_PARAM);
        g_assert_cmpuint(status_of(d, rdo_cmd_alloc_mr(4, 0, 1, bad_fr_pages[i], 0)), ==,
                         RDO_CQP_BAD_PARAM);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(bad_page_shifts); i++, refused++) {
        c = rdo_cmd_reg_mr(3, 0, 1, 0, 4096, list, 1);
        c.u.reg_mr.page_shift = bad_page_shifts[i];
        g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_BAD_PARAM);
    }
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CNT_CQP_ERRORS), ==, refused);

    /* Nothing was kept: every number is free and creates now. */
    g_assert_cmpuint(status_of(d, rdo_cmd_create_eq(3, ring, 3, 1)), ==, RDO_CQP_OK);
    g_assert_cmpuint(status_of(d, rdo_cmd_create_cq(5, ring2, 3, 0, 1)), ==, RDO_CQP_OK);
    g_assert_cmpuint(status_of(d, rdo_cmd_resize_cq(2, td_alloc(d, 4096, 4096), 5)), ==,
                     RDO_CQP_OK);
    g_assert_cmpuint(status_of(d, rdo_cmd_create_srq(0, td_alloc(d, 1024, 4096), 4, 6, 1)),
                     ==, RDO_CQP_OK);
    c = rdo_cmd_create_qp(9, RDO_QPT_UD, 1, 2, td_alloc(d, 4096, 4096),
                          td_alloc(d, 4096, 4096));
    rdo_cmd_qp_geometry(&c, 3, 7, 3, 6);
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_OK);
    g_assert_cmpuint(status_of(d, rdo_cmd_reg_mr(3, 0, 1, 0, 4096, list, 1)), ==, RDO_CQP_OK);
    td_free(d);
}

/*
 * CVE-2021-3607 (pvrdma: a PVRDMA_REG_DSRHIGH write made the device read
 * ring page counts it then multiplied into a huge allocation): the control
 * path's own rings and context stores, sized by registers, with values
 * whose 2^n or product overflows 32 bits, are refused when the driver
 * starts it, before anything is allocated (ctrl/cqp.c
 * rdo_cqp_config_check), the register named.
 */
static void test_setup_registers(void)
{
    static const struct {
        uint32_t reg, value;
    } bad[] = {
        { RDO_REG_CQP_LOG_SIZE, RDO_CQP_LOG_SIZE_MAX + 1 }, { RDO_REG_CQP_LOG_SIZE, 31 },
        { RDO_REG_CQP_LOG_SIZE, 32 }, { RDO_REG_CQP_LOG_SIZE, UINT32_MAX },
        { RDO_REG_EQ0_LOG_SIZE, 0 }, { RDO_REG_EQ0_LOG_SIZE, 32 },
        { RDO_REG_EQ0_LOG_SIZE, UINT32_MAX },
        { RDO_REG_QPC_PAGES, UINT32_MAX }, { RDO_REG_MRC_PAGES, UINT32_MAX },
    };
    RdoConfig cfg = test_host_default_config();

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        TestDriver *d = td_new(&cfg);

        td_setup(d);
        test_reg_write(d->h, bad[i].reg, bad[i].value);
        test_reg_write(d->h, RDO_REG_CONTROL, RDO_CONTROL_ENABLE | RDO_CONTROL_CQP_ENABLE);
        g_assert_cmpuint(test_reg_read(d->h, RDO_REG_ERR_LAST), ==, RDO_ERR_BAD_CONFIG);
        g_assert_cmphex(test_reg_read(d->h, RDO_REG_ERR_ADDR_LO), ==, bad[i].reg);
        g_assert_cmphex(test_reg_read(d->h, RDO_REG_STATUS) & RDO_STATUS_CQP_READY, ==, 0);
        td_free(d);
    }
}

/*
 * CVE-2021-3582 (pvrdma: a guest length made mremap of the DMA mapping
 * overflow): a registration whose iova + length wraps 64 bits, or longer
 * than 1 TiB, is refused (ctx/ctx.h rdo_mr_range_ok); on the data path an
 * SGE at the top of the address space through the local DMA key and
 * through an MR, and SGE lengths whose sum is 2^33 (0 in 32 bits), fail
 * the work request (ctx/mr-dma.c, xport/wqe.c sums in 64 bits).
 */
static void test_dma_range_wrap(void)
{
    TestDriver *d = td_started(4);
    uint64_t list = td_alloc(d, 4 * 8, 8);
    struct rdo_cqp_cmd c;

    for (int i = 0; i < 4; i++) {
        ((uint64_t *)td_ptr(d, list))[i] = td_alloc(d, 4096, 4096);
    }
    td_create_pd(d, 1);
    g_assert_cmpuint(status_of(d, rdo_cmd_reg_mr(3, 0, 1, UINT64_MAX - 4095, 8192, list, 3)),
                     ==, RDO_CQP_BAD_PARAM);
    g_assert_cmpuint(status_of(d, rdo_cmd_reg_mr(3, 0, 1, 0, UINT64_MAX, list, 4)), ==,
                     RDO_CQP_BAD_PARAM);
    c = rdo_cmd_reg_mr(3, 0, 1, 0, (1ull << 40) + 1, list, 4);
    c.u.reg_mr.page_shift = 30;                 /* 4 GiB of pages: the length is the limit */
    c.u.reg_mr.num_pages = 1u << 11;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_BAD_PARAM);
    /* Ending a page below 2^64 (not at it: that end wraps to 0), a region. */
    g_assert_cmpuint(status_of(d, rdo_cmd_reg_mr(3, 0, 1, UINT64_MAX - 12287, 8192, list, 2)),
                     ==, RDO_CQP_OK);
    td_free(d);

    {
        Pair *p = pair_new_kernel(NULL);
        PairSide *a = &p->s[0];
        struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, 1);
        struct rdo_sge top[] = {
            rdo_sge(UINT64_MAX - 15, 32, RDO_LOCAL_DMA_LKEY),
            pair_sge_of(a, PAIR_MR_IOVA + PAIR_MR_LEN - 16, 32),
        };
        struct rdo_sge big[3] = {
            pair_sge_of(a, PAIR_SRC, UINT32_MAX), pair_sge_of(a, PAIR_SRC, UINT32_MAX),
            pair_sge_of(a, PAIR_SRC, 2),
        };

        for (int i = 0; i < 3; i++) {
            pair_connect(p, i, RDO_QPT_RC, RDO_MTU_4096 - 2);
        }
        pair_post_send(a, 0, &w, &top[0], 1, NULL);
        w.wr_id = 2;
        pair_post_send(a, 1, &w, &top[1], 1, NULL);
        w.wr_id = 3;
        pair_post_send(a, 2, &w, big, 3, NULL);
        g_assert_true(pair_run_cqes(p, 0, 3, PAIR_SEC));
        /* The over-long one fails its WQE checks: wr_id not trusted, 0. */
        for (int i = 0; i < 3; i++) {
            struct rdo_cqe e = pair_poll(a);
            bool len = e.qpn == a->qp[2].qpn;

            g_assert_cmpuint(e.status, ==, len ? RDO_WC_LOC_LEN_ERR : RDO_WC_LOC_PROT_ERR);
            g_assert_cmpuint(e.vendor_err, ==, len ? RDO_VENDOR_ERR_LENGTH
                                                   : RDO_VENDOR_ERR_BAD_KEY);
            g_assert_cmpuint(e.wr_id, ==, len ? 0 : e.qpn - a->qp[0].qpn + 1);
        }
        g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_TX_PACKETS), ==, 0);
        pair_free(p);
    }
}

/*
 * CVE-2018-20216 (pvrdma: ring indexes from the guest unchecked, so
 * -1 meant "loop forever"): producer indexes one beyond the ring, 2^31 and
 * 2^32 - 1 ahead of the consumer on an SQ, an RQ and an SRQ, and CQ and EQ
 * consumer indexes ahead of what the device produced, are refused as
 * doorbell errors (ctrl/qp-doorbell.c, notify/cq.c, notify/eq.c); no
 * work is fetched and the device goes on.
 */
static void test_runaway_index(void)
{
    TestDriver *d = td_started(4);
    const uint32_t ahead[] = { 17, 1u << 31, UINT32_MAX };     /* rings of 16 */
    uint64_t sq, rq;

    td_create_pd(d, 0);
    td_create_cq(d, 1, 4, 0, 0);
    g_assert_cmpuint(status_of(d, rdo_cmd_create_srq(0, td_alloc(d, 1024, 4096), 4, 6, 0)),
                     ==, RDO_CQP_OK);
    for (uint32_t i = 0; i < G_N_ELEMENTS(ahead); i++) {
        td_create_qp(d, 2 + i, RDO_QPT_UD, 0, 1, &sq, &rq);
        td_ud_to_rts(d, 2 + i);
        td_create_qp(d, 8 + i, RDO_QPT_UD, 0, 1, &sq, &rq);
        td_ud_to_rts(d, 8 + i);
        td_doorbell(d, 0, RDO_DB_SQ, RDO_DB_VALUE(2 + i, 0, ahead[i]));
        td_doorbell(d, 0, RDO_DB_RQ, RDO_DB_VALUE(8 + i, 0, ahead[i]));
        td_doorbell(d, 0, RDO_DB_SRQ, RDO_DB_VALUE(0, 0, ahead[i]));
        td_doorbell(d, 0, RDO_DB_CQ, RDO_DB_VALUE(1, 0, ahead[i]));
        td_doorbell(d, 0, RDO_DB_EQ, RDO_DB_VALUE(0, 0, d->eq0_ci + ahead[i]));
    }
    td_run(d, 1000000);
    g_assert_cmpuint(d->h->class_count[RDO_GE_DB_QP_INDEX], ==, 6);
    g_assert_cmpuint(d->h->class_count[RDO_GE_DB_SRQ], ==, 3);
    g_assert_cmpuint(d->h->class_count[RDO_GE_DB_CQ], ==, 3);
    g_assert_cmpuint(d->h->class_count[RDO_GE_DB_EQ], ==, 3);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CNT_CQES), ==, 0);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CNT_TX_PACKETS), ==, 0);
    /* Each QP whose index was refused is in error; the device works. */
    for (uint32_t i = 0; i < 6; i++) {
        g_assert_cmpuint(qp_error_event(d).data, ==, RDO_QP_ERR_DOORBELL);
    }
    g_assert_cmpuint(status_of(d, td_cmd_of(RDO_CMD_NOP, 0)), ==, RDO_CQP_OK);
    td_free(d);
}

/*
 * CVE-2022-1050 (pvrdma: commands executed before the driver had set up
 * the shared buffers): CQP_PI written before the device is enabled, and
 * again when it is enabled but its control path is not started, is
 * refused without reading a ring (ctrl/cqp.c rdo_cqp_doorbell: the ring
 * registers are not trusted before the start checks); every doorbell
 * before the enable is refused as such, after it (no objects exist before
 * the start) counted and dropped (ctrl/doorbell.c). Then the control path
 * starts and the first command is the first one run.
 */
static void test_before_start(void)
{
    static const uint32_t regs[] = {
        RDO_DB_SQ, RDO_DB_RQ, RDO_DB_CQ, RDO_DB_SRQ, RDO_DB_EQ, RDO_DB_ETH_TXQ,
        RDO_DB_ETH_RXQ, RDO_DB_PUSH_TRIGGER,
    };
    RdoConfig cfg = test_host_default_config();
    TestDriver *d = td_new(&cfg);
    uint32_t refused;

    td_setup(d);                /* the registers written, the path not started */
    test_reg_write(d->h, RDO_REG_CONTROL, 0);
    for (int enabled = 0; enabled < 2; enabled++) {
        test_reg_write(d->h, RDO_REG_CQP_PI, 1);
        test_reg_write(d->h, RDO_REG_CQP_PI, UINT32_MAX);
        for (size_t i = 0; i < G_N_ELEMENTS(regs); i++) {
            td_doorbell(d, 0, regs[i], RDO_DB_VALUE(0, 0, 1));
            td_doorbell(d, 1, regs[i], RDO_DB_VALUE(1, 0, 1));
        }
        test_reg_write(d->h, RDO_REG_CONTROL, RDO_CONTROL_ENABLE);
    }
    td_run(d, 1000000);
    g_assert_cmpuint(d->h->class_count[RDO_GE_CQP_OVERRUN], ==, 4);
    g_assert_cmpuint(d->h->class_count[RDO_GE_DB_DISABLED], ==, 2 * G_N_ELEMENTS(regs));
    refused = test_reg_read(d->h, RDO_REG_ERR_COUNT);
    g_assert_cmpuint(refused, ==, 4 + 2 * G_N_ELEMENTS(regs));
    /* Enabled, not started: counted, and dropped (there are no objects). */
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_DB_WRITES), ==, 2 * G_N_ELEMENTS(regs));
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CQP_PI), ==, 0);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CNT_CQP_CMDS), ==, 0);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CNT_EQES), ==, 0);
    /* Started now: nothing was queued, the first command is number 0. */
    test_reg_write(d->h, RDO_REG_CONTROL, RDO_CONTROL_ENABLE | RDO_CONTROL_CQP_ENABLE);
    g_assert_cmphex(test_reg_read(d->h, RDO_REG_STATUS) & RDO_STATUS_CQP_READY, ==,
                    RDO_STATUS_CQP_READY);
    g_assert_cmpuint(status_of(d, td_cmd_of(RDO_CMD_NOP, 0)), ==, RDO_CQP_OK);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CNT_CQP_CMDS), ==, 1);
    td_free(d);
}

/*
 * CVE-2018-20126 and CVE-2021-3608 (pvrdma: a create that failed half-way
 * leaked what it had allocated, or freed a pointer it had not set): a
 * create whose first part is valid and a later one is not (a QP with a
 * good SQ and a bad RQ, or on a missing CQ; an MR whose page list is
 * unreachable at its end; a CQ on a missing EQ) leaves no trace: its
 * number stays free, and the PD and CQ it named keep no reference (they
 * can be destroyed). Commands check everything before they keep anything
 * (ctrl/cqp-qp.c, ctrl/cqp-mr.c, ctrl/cqp-queue.c) and allocate no host
 * memory per object. The control path started, used and reset three
 * times on one core: what the start allocates is freed by the reset
 * (LeakSanitizer runs at the end of this program).
 */
static void test_half_created(void)
{
    TestDriver *d = td_started(4);
    uint64_t sq = td_alloc(d, 4096, 4096), rq = td_alloc(d, 4096, 4096);
    uint64_t list = td_alloc(d, 8, 8);
    struct rdo_cqp_cmd c;

    td_create_pd(d, 1);
    td_create_cq(d, 2, 4, 0, 1);
    c = rdo_cmd_create_qp(9, RDO_QPT_RC, 1, 2, sq, rq);
    rdo_cmd_qp_geometry(&c, 3, 7, 3, RDO_WQE_SHIFT_MAX + 1);
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_BAD_PARAM);
    c = rdo_cmd_create_qp(9, RDO_QPT_RC, 1, 2, sq, rq);
    rdo_cmd_qp_geometry(&c, 3, 7, 3, 6);
    c.u.create_qp.recv_cqn = 7;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_NOT_FOUND);
    c.u.create_qp.recv_cqn = 2;
    c.u.create_qp.pdn = 3;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_NOT_FOUND);
    g_assert_cmpuint(status_of(d, rdo_cmd_reg_mr(5, 0, 1, 0, 1u << 20,
                                                 0x7fff000000000000ull - 16, 256)),
                     ==, RDO_CQP_DMA_ERROR);
    g_assert_cmpuint(status_of(d, rdo_cmd_create_cq(3, td_alloc(d, 4096, 4096), 3, 9, 1)),
                     ==, RDO_CQP_NOT_FOUND);
    /* No references kept: the CQ and the PD go. */
    g_assert_cmpuint(status_of(d, td_cmd_of(RDO_CMD_DESTROY_CQ, 2)), ==, RDO_CQP_OK);
    g_assert_cmpuint(status_of(d, td_cmd_of(RDO_CMD_DESTROY_PD, 1)), ==, RDO_CQP_OK);
    /* No numbers kept: each refused one creates. */
    td_create_pd(d, 1);
    td_create_cq(d, 2, 4, 0, 1);
    td_create_cq(d, 3, 3, 0, 1);
    c.u.create_qp.pdn = 1;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_OK);
    *(uint64_t *)td_ptr(d, list) = td_alloc(d, 4096, 4096);
    g_assert_cmpuint(status_of(d, rdo_cmd_reg_mr(5, 0, 1, 0, 4096, list, 1)), ==, RDO_CQP_OK);
    /* Three lives of one core's control path, objects in each. */
    for (int i = 0; i < 3; i++) {
        test_reg_write(d->h, RDO_REG_CONTROL, RDO_CONTROL_RESET);
        d->cqp_pi = 0;
        d->eq0_ci = 0;
        td_start(d);
        td_create_pd(d, 1);
        td_create_cq(d, 2, 4, 0, 1);
        g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_OK);
    }
    td_free(d);
}

static void register_tests(void)
{
    g_test_add_func("/cve/sge-count", test_sge_count);
    g_test_add_func("/cve/sge-count/srq", test_srq_sge_count);
    g_test_add_func("/cve/ring-geometry", test_ring_geometry);
    g_test_add_func("/cve/setup-registers", test_setup_registers);
    g_test_add_func("/cve/dma-range-wrap", test_dma_range_wrap);
    g_test_add_func("/cve/runaway-index", test_runaway_index);
    g_test_add_func("/cve/before-start", test_before_start);
    g_test_add_func("/cve/half-created", test_half_created);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    register_tests();
    return g_test_run();
}
