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

/* The Pair's CQEs can be read by pair_poll; the next one must match. */
static struct rdo_cqe expect_error(PairSide *s, uint64_t wr_id, uint8_t status)
{
    struct rdo_cqe e = pair_poll(s);

    g_assert_cmphex(e.wr_id, ==, wr_id);
    g_assert_cmpuint(e.status, ==, status);
    return e;
}

/* The next QP error event on a side's EQ 0 (asserts there is one). */
static struct rdo_eqe qp_error_event(PairSide *s)
{
    struct rdo_eqe ev;

    do {
        ev = td_eq0_next(s->d);
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
 * bound): the SGE count of a send WQE, a receive WQE and an SRQ WQE one
 * beyond what the ring's stride holds, and 255. The device reads at most a
 * stride (xport/wqe.c, xport/recv.c) and fails the work request.
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
        g_assert_cmpuint(qp_error_event(a).obj, ==, a->qp[0].qpn);
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

static void register_tests(void)
{
    g_test_add_func("/cve/sge-count", test_sge_count);
    g_test_add_func("/cve/sge-count/srq", test_srq_sge_count);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    register_tests();
    return g_test_run();
}
