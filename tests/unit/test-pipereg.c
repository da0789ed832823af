/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pipelined registration between two adapter cores back to back: a REG_MR
 * is posted and its key used at once, as the driver does (it returns the
 * key when the command is in the ring). Work that reaches the MR before
 * the command executed waits and then completes with the right bytes: a
 * local gather (the SQ stalls at the WQE), a remote WRITE (RNR NAK, then
 * retried), a receive WQE that scatters into it (RNR NAK). A registration
 * that fails releases the waiting work with the error; REG_MR and DEREG_MR
 * queued back to back leave nothing pending. And the simulated time it
 * saves: the registration call costs no command latency, the first use
 * waits only for what is left of it.
 */
#include <inttypes.h>
#include <string.h>
#include "test-pair.h"

#define PR_INDEX    30
#define PR_PAGES    64          /* REG_MR takes 1000 + 64 x 10 ns */
#define PR_OFF      0x234       /* malloc-like: the buffer's first byte */
#define PR_LEN      (PR_PAGES * RDO_PAGE_SIZE - PR_OFF - 0x40)
#define PR_REG_NS   (RDO_DEFAULT_CQP_CMD_NS + PR_PAGES * RDO_DEFAULT_CQP_PAGE_NS)

/* A buffer over scattered pages (every other page, in reverse order). */
typedef struct PrBuf {
    uint64_t pages[PR_PAGES];
    uint64_t list;
    uint64_t iova;
} PrBuf;

static void pr_buf(PairSide *s, PrBuf *b, uint64_t iova, uint32_t seed)
{
    uint64_t run = td_alloc(s->d, 2 * PR_PAGES * RDO_PAGE_SIZE, RDO_PAGE_SIZE);

    for (int i = 0; i < PR_PAGES; i++) {
        b->pages[i] = run + (uint64_t)(2 * (PR_PAGES - 1 - i)) * RDO_PAGE_SIZE;
        for (uint32_t j = 0; j < RDO_PAGE_SIZE; j++) {
            *(uint8_t *)td_ptr(s->d, b->pages[i] + j) =
                rdo_pattern_byte(i * RDO_PAGE_SIZE + j, seed);
        }
    }
    b->list = td_alloc(s->d, sizeof(b->pages), 8);
    memcpy(td_ptr(s->d, b->list), b->pages, sizeof(b->pages));
    b->iova = iova + PR_OFF;
}

static uint8_t *pr_ptr(PairSide *s, const PrBuf *b, uint32_t i)
{
    uint64_t off = PR_OFF + i;

    return td_ptr(s->d, b->pages[off / RDO_PAGE_SIZE] + off % RDO_PAGE_SIZE);
}

/* REG_MR of b as index `index`, posted without waiting: its CQP index. */
static uint32_t post_reg(PairSide *s, uint32_t index, uint8_t tag,
                         const PrBuf *b, uint16_t access)
{
    struct rdo_cqp_cmd reg = rdo_cmd_reg_mr(index, tag, 0, b->iova, PR_LEN,
                                            b->list, PR_PAGES);
    uint32_t at;

    reg.u.reg_mr.access = access;
    at = td_post(s->d, &reg);
    td_ring_cqp(s->d);
    return at;
}

static bool cqp_done(PairSide *s, uint32_t at)
{
    return test_reg_read(s->d->h, RDO_REG_CQP_CI) - at - 1 < (1u << 31);
}

/* Runs the pair until CQP command `at` of side s completed. */
static void run_until_done(Pair *p, PairSide *s, uint32_t at)
{
    uint64_t end = s->d->h->now_ns + PAIR_SEC;

    while (!cqp_done(s, at)) {
        g_assert_true(pair_step(p, end));
    }
}

static uint64_t now(Pair *p)
{
    return p->s[0].d->h->now_ns;
}

/*
 * A registers scattered pages and at once WRITEs 5000 bytes from them to B
 * (the SGE names the new key): the WQE waits at the MR, then the bytes
 * land. The same serialised (wait for the registration, then post) takes
 * longer end to end; the registration call itself costs nothing.
 */
static void test_local_stall(void)
{
    RdoConfig cfg = test_host_default_config();
    Pair *p;
    PairSide *a, *b;
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 0x501);
    PrBuf buf, buf2;
    struct rdo_sge sge;
    uint64_t t0, t_reg, t_pipe, t_serial;
    uint32_t at;

    cfg.tm.on = true;           /* the WQE's fetch and gather take time */
    p = pair_new(&cfg);
    a = &p->s[0];
    b = &p->s[1];
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pr_buf(a, &buf, 0x7f1000000000ull, 5);
    pr_buf(a, &buf2, 0x7f2000000000ull, 6);

    t0 = now(p);
    at = post_reg(a, PR_INDEX, 0x11, &buf, RDO_ACCESS_LOCAL_WRITE);
    sge = rdo_sge(buf.iova + 3, 5000, RDO_MR_KEY(PR_INDEX, 0x11));
    w.remote_addr = PAIR_DST + 1;
    w.rkey = b->mr_key;
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    t_pipe = now(p) - t0;
    pair_expect_cqe(a, 0x501, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    g_assert_true(cqp_done(a, at));
    g_assert_cmphex(td_comp(a->d, at).result, ==, RDO_MR_KEY(PR_INDEX, 0x11));
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_MR_STALLS), ==, 1);
    g_assert_cmpuint(t_pipe, >=, PR_REG_NS);
    for (uint32_t i = 0; i < 5000; i++) {
        g_assert_cmpuint(*pair_mr_ptr(b, PAIR_DST + 1 + i), ==,
                         *pr_ptr(a, &buf, 3 + i));
    }

    /* Serialised: the post waits for the registration's completion. */
    t0 = now(p);
    at = post_reg(a, PR_INDEX + 1, 0x12, &buf2, RDO_ACCESS_LOCAL_WRITE);
    run_until_done(p, a, at);
    t_reg = now(p) - t0;
    sge = rdo_sge(buf2.iova + 3, 5000, RDO_MR_KEY(PR_INDEX + 1, 0x12));
    w.wr_id = 0x502;
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    t_serial = now(p) - t0;
    pair_expect_cqe(a, 0x502, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_MR_STALLS), ==, 1);
    g_assert_cmpuint(t_reg, >=, PR_REG_NS);
    g_assert_cmpuint(t_pipe, <, t_serial);
    g_test_message("REG_MR of %u pages: %" PRIu64 " ns; registration then "
                   "first WRITE: pipelined %" PRIu64 " ns, serialised %"
                   PRIu64 " ns", PR_PAGES, t_reg, t_pipe, t_serial);
    pair_free(p);
}

/*
 * B registers a buffer (remote write) and A WRITEs into it at once, before
 * the registration executed; then B registers another and posts a receive
 * WQE into it at once, and A SENDs. Each time B answers an RNR NAK
 * (nothing is refused), A retries, the bytes land.
 */
static void test_remote_and_recv_stall(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    uint32_t *rnr = &b->d->h->xport_events[RDO_XE_RNR_SENT];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 0x601);
    PrBuf wbuf, rbuf;
    struct rdo_sge sge;
    uint32_t at;

    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pr_buf(b, &wbuf, 0x7f3000000000ull, 0);
    pr_buf(b, &rbuf, 0x7f4000000000ull, 0);
    pair_fill(a, PAIR_SRC, 15000, 77);

    at = post_reg(b, PR_INDEX, 0x21, &wbuf,
                  RDO_ACCESS_LOCAL_WRITE | RDO_ACCESS_REMOTE_WRITE);
    sge = pair_sge_of(a, PAIR_SRC, 9000);
    w.remote_addr = wbuf.iova;
    w.rkey = RDO_MR_KEY(PR_INDEX, 0x21);
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x601, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    g_assert_true(cqp_done(b, at));
    g_assert_cmpuint(*rnr, ==, 1);
    for (uint32_t i = 0; i < 9000; i++) {
        g_assert_cmpuint(*pr_ptr(b, &wbuf, i), ==,
                         *pair_mr_ptr(a, PAIR_SRC + i));
    }

    at = post_reg(b, PR_INDEX + 1, 0x22, &rbuf, RDO_ACCESS_LOCAL_WRITE);
    sge = rdo_sge(rbuf.iova + 100, 6000, RDO_MR_KEY(PR_INDEX + 1, 0x22));
    pair_post_recv_sges(b, 0, 0x700, &sge, 1);
    w = rdo_wqe(RDO_WR_SEND, 0x602);
    sge = pair_sge_of(a, PAIR_SRC + 9000, 6000);
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x602, RDO_CQE_SEND, RDO_WC_SUCCESS);
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    pair_expect_cqe(b, 0x700, RDO_CQE_RECV, RDO_WC_SUCCESS);
    g_assert_true(cqp_done(b, at));
    g_assert_cmpuint(*rnr, ==, 2);
    g_assert_cmpuint(a->d->h->xport_events[RDO_XE_RNR_RECEIVED], ==, 2);
    for (uint32_t i = 0; i < 6000; i++) {
        g_assert_cmpuint(*pr_ptr(b, &rbuf, 100 + i), ==,
                         *pair_mr_ptr(a, PAIR_SRC + 9000 + i));
    }
    g_assert_cmpuint(b->d->h->class_count[RDO_GE_WQE_BAD_KEY], ==, 0);
    pair_free(p);
}

/*
 * Registrations that fail (an unreachable page list) release what waited
 * for them with the error: A's WRITE gathering from its failed MR gets
 * LOC_PROT_ERR; a WRITE to B's failed MR is retried while it is pending,
 * then refused (REM_ACCESS_ERR).
 */
static void test_failed_registration(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 0x801);
    PrBuf abuf, bbuf;
    struct rdo_sge sge;
    uint32_t at_a, at_b;

    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_connect(p, 1, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pr_buf(a, &abuf, 0x7f5000000000ull, 1);
    pr_buf(b, &bbuf, 0x7f6000000000ull, 1);
    abuf.list = bbuf.list = 1ull << 50;
    at_a = post_reg(a, PR_INDEX, 0x31, &abuf, RDO_ACCESS_LOCAL_WRITE);
    at_b = post_reg(b, PR_INDEX, 0x32, &bbuf,
                    RDO_ACCESS_LOCAL_WRITE | RDO_ACCESS_REMOTE_WRITE);

    sge = rdo_sge(abuf.iova, 100, RDO_MR_KEY(PR_INDEX, 0x31));
    w.remote_addr = PAIR_DST;
    w.rkey = b->mr_key;
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    sge = pair_sge_of(a, PAIR_SRC, 100);
    w = rdo_wqe(RDO_WR_RDMA_WRITE, 0x802);
    w.remote_addr = bbuf.iova;
    w.rkey = RDO_MR_KEY(PR_INDEX, 0x32);
    pair_post_send(a, 1, &w, &sge, 1, NULL);

    g_assert_true(pair_run_cqes(p, 0, 2, PAIR_SEC));
    g_assert_cmpuint(td_comp(a->d, at_a).status, ==, RDO_CQP_DMA_ERROR);
    g_assert_cmpuint(td_comp(b->d, at_b).status, ==, RDO_CQP_DMA_ERROR);
    for (int k = 0; k < 2; k++) {
        struct rdo_cqe e = pair_poll(a);

        if (e.wr_id == 0x801) {
            g_assert_cmpuint(e.status, ==, RDO_WC_LOC_PROT_ERR);
            g_assert_cmpuint(e.vendor_err, ==, RDO_VENDOR_ERR_BAD_KEY);
        } else {
            g_assert_cmphex(e.wr_id, ==, 0x802);
            g_assert_cmpuint(e.status, ==, RDO_WC_REM_ACCESS_ERR);
        }
    }
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_MR_STALLS), ==, 1);
    pair_free(p);
}

/*
 * REG_MR, a WQE using the key and DEREG_MR posted in one go (a consumer
 * that deregisters at once): the WQE, held until the registration ran,
 * completes with its bytes; then the MR is gone (the key is refused) and
 * nothing stays pending: the index registers again.
 */
static void test_dereg_pending(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 0x901);
    struct rdo_cqp_cmd dereg = rdo_cmd_new(RDO_CMD_DEREG_MR, PR_INDEX);
    PrBuf buf;
    struct rdo_sge sge;
    uint32_t at, at_dereg;

    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pr_buf(a, &buf, 0x7f7000000000ull, 9);
    at = post_reg(a, PR_INDEX, 0x41, &buf, RDO_ACCESS_LOCAL_WRITE);
    sge = rdo_sge(buf.iova + 11, 700, RDO_MR_KEY(PR_INDEX, 0x41));
    w.remote_addr = PAIR_DST + 5;
    w.rkey = b->mr_key;
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    at_dereg = td_post(a->d, &dereg);
    td_ring_cqp(a->d);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x901, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    for (uint32_t i = 0; i < 700; i++) {
        g_assert_cmpuint(*pair_mr_ptr(b, PAIR_DST + 5 + i), ==,
                         *pr_ptr(a, &buf, 11 + i));
    }
    run_until_done(p, a, at_dereg);
    g_assert_cmpuint(td_comp(a->d, at).status, ==, RDO_CQP_OK);
    g_assert_cmpuint(td_comp(a->d, at_dereg).status, ==, RDO_CQP_OK);
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_MR_STALLS), ==, 1);

    /* Gone: a use of the key fails at once (no stall) and fails the QP. */
    w.wr_id = 0x902;
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x902, RDO_CQE_RDMA_WRITE, RDO_WC_LOC_PROT_ERR);
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_MR_STALLS), ==, 1);

    /* The index is free and not pending: it registers again. */
    at = post_reg(a, PR_INDEX, 0x42, &buf, RDO_ACCESS_LOCAL_WRITE);
    run_until_done(p, a, at);
    g_assert_cmpuint(td_comp(a->d, at).status, ==, RDO_CQP_OK);
    pair_free(p);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pipereg/local-stall", test_local_stall);
    g_test_add_func("/pipereg/remote-and-recv-stall", test_remote_and_recv_stall);
    g_test_add_func("/pipereg/failed-registration", test_failed_registration);
    g_test_add_func("/pipereg/dereg-pending", test_dereg_pending);
    return g_test_run();
}
