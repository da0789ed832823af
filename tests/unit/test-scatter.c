/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Zero copy over scattered memory (D15): every MR here has its pages
 * shuffled in a pool twice its size (so no page follows the one before
 * it), a first byte in the middle of its first page and an end in the
 * middle of its last, as malloc'd user memory has. WRITE, READ, SEND into
 * a receive SGE list over several such MRs, atomics, fast registration
 * and 2 MiB pages: each checks every byte of each pool, the bytes of the
 * operation where the translation puts them and the guard pattern
 * everywhere else, so a device that used page 0 for every page, ignored
 * the first-byte offset or the page size fails them.
 */
#include <string.h>
#include "test-pair.h"

#define SC_RIGHTS       (RDO_ACCESS_LOCAL_WRITE | RDO_ACCESS_REMOTE)
#define SC_MTU          (RDO_MTU_4096 - 2)      /* 1024: several packets */
#define SC_HUGE_SHIFT   21

/* MRs over shuffled pages with guards: rdo-pair-setup.h. */
typedef RdoScat Scat;

static void sc_init(Scat *r, PairSide *s, uint32_t npages, uint8_t shift,
                    uint64_t iova_base, uint64_t first, uint64_t short_end)
{
    rdo_scat_init(r, &s->rdo, npages, shift, iova_base, first, short_end);
}

static struct rdo_sge sc_sge(const Scat *r, uint64_t va, uint32_t len)
{
    return rdo_sge(va, len, r->key);
}

/* Side `who` posts `w` on slot 0 and it completes as `op`. */
static void sc_post_ok(Pair *p, int who, struct rdo_send_wqe w,
                       const struct rdo_sge *sge, int num_sge, uint8_t op)
{
    pair_post_send(&p->s[who], 0, &w, sge, num_sge, NULL);
    g_assert_true(pair_run_cqes(p, who, 1, PAIR_SEC));
    pair_expect_cqe(&p->s[who], w.wr_id, op, RDO_WC_SUCCESS);
}

/* A's WRITE of `len` bytes of its MR at src to va of r (B's). */
static void sc_write(Pair *p, Scat *r, uint64_t wr_id, uint64_t src,
                     uint64_t va, uint32_t len)
{
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, wr_id);
    struct rdo_sge sge = pair_sge_of(&p->s[0], src, len);

    w.remote_addr = va;
    w.rkey = r->key;
    sc_post_ok(p, 0, w, &sge, 1, RDO_CQE_RDMA_WRITE);
    rdo_scat_expect(r, va, pair_mr_ptr(&p->s[0], src), len);
}

/* A's READ of `len` bytes at va of r (B's) into its MR at dst. */
static void sc_read(Pair *p, Scat *r, uint64_t wr_id, uint64_t va,
                    uint64_t dst, uint32_t len)
{
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_READ, wr_id);
    struct rdo_sge sge = pair_sge_of(&p->s[0], dst, len);
    g_autofree uint8_t *want = rdo_scat_get(r, va, len);

    w.remote_addr = va;
    w.rkey = r->key;
    sc_post_ok(p, 0, w, &sge, 1, RDO_CQE_RDMA_READ);
    g_assert_cmpmem(pair_mr_ptr(&p->s[0], dst), len, want, len);
}

static Pair *sc_pair(void)
{
    Pair *p = pair_new(NULL);

    pair_connect(p, 0, RDO_QPT_RC, SC_MTU);
    return p;
}

/*
 * A WRITE over all six pages of B's MR, from its second byte to a few
 * before its end, then one of the MR's very first and very last bytes.
 */
static void test_write(void)
{
    Pair *p = sc_pair();
    Scat r;

    pair_capture(p, "scatter-write");
    sc_init(&r, &p->s[1], 6, RDO_PAGE_SHIFT, 0x7f0012345000ull, 0x9c4, 0x333);
    rdo_scat_reg(&r, 20, 0x31);
    pair_fill(&p->s[0], PAIR_SRC, r.length, 31);
    sc_write(p, &r, 1, PAIR_SRC + 3, r.iova + 1, r.length - 8);
    rdo_scat_assert(&r, "write across");
    sc_write(p, &r, 2, PAIR_SRC + 100, r.iova, 16);
    sc_write(p, &r, 3, PAIR_SRC + 200, r.iova + r.length - 16, 16);
    rdo_scat_assert(&r, "write at the ends");
    rdo_scat_free(&r);
    pair_free(p);
}

/*
 * A READ from B's scattered MR into A's own scattered MR (the local SGE
 * translated too), then one of B's whole MR into the last bytes of A's:
 * B's pool is untouched, A's holds the bytes read.
 */
static void test_read(void)
{
    Pair *p = sc_pair();
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_READ, 1);
    struct rdo_sge sge;
    g_autofree uint8_t *want = NULL;
    const uint32_t len = 4 * RDO_PAGE_SIZE + 1111;
    uint64_t src, dst;
    Scat ra, rb;

    pair_capture(p, "scatter-read");
    sc_init(&ra, &p->s[0], 6, RDO_PAGE_SHIFT, 0x55550000ull, 0x123, 0x45);
    sc_init(&rb, &p->s[1], 6, RDO_PAGE_SHIFT, 0x7f0012345000ull, 0xe10, 0x777);
    rdo_scat_reg(&ra, 21, 0x01);
    rdo_scat_reg(&rb, 21, 0x02);
    rdo_scat_put(&rb, rb.iova, rb.length, 32);
    src = rb.iova + 0x2f1;
    dst = ra.iova + 0x105;
    want = rdo_scat_get(&rb, src, len);
    sge = sc_sge(&ra, dst, len);
    w.remote_addr = src;
    w.rkey = rb.key;
    sc_post_ok(p, 0, w, &sge, 1, RDO_CQE_RDMA_READ);
    rdo_scat_expect(&ra, dst, want, len);
    rdo_scat_assert(&ra, "read into A");

    /* All of B's MR, first byte to last, into the last bytes of A's. */
    g_free(want);
    want = rdo_scat_get(&rb, rb.iova, rb.length);
    dst = ra.iova + ra.length - rb.length;
    sge = sc_sge(&ra, dst, rb.length);
    w.wr_id = 2;
    w.remote_addr = rb.iova;
    sc_post_ok(p, 0, w, &sge, 1, RDO_CQE_RDMA_READ);
    rdo_scat_expect(&ra, dst, want, rb.length);
    rdo_scat_assert(&ra, "read of a whole MR to the end of one");
    rdo_scat_assert(&rb, "read from B");
    rdo_scat_free(&ra);
    rdo_scat_free(&rb);
    pair_free(p);
}

/*
 * A SEND gathered from two SGEs of A's scattered MR, scattered by B into
 * a receive SGE list over three scattered MRs, each SGE across a page
 * boundary; the message ends in the middle of the third SGE.
 */
static void test_send(void)
{
    Pair *p = sc_pair();
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, 1);
    const uint32_t rlen[3] = { 5000, 3001, 6000 };
    const uint32_t msg = 5000 + 3001 + 2345;
    struct rdo_sge gather[2], scatter[3];
    g_autofree uint8_t *sent = g_malloc(msg);
    Scat ra, rb[3];
    struct rdo_cqe e;
    uint32_t at = 0;

    pair_capture(p, "scatter-send");
    sc_init(&ra, a, 5, RDO_PAGE_SHIFT, 0x40000000ull, 0x321, 0x100);
    rdo_scat_reg(&ra, 22, 0x01);
    rdo_scat_put(&ra, ra.iova, ra.length, 33);
    for (int i = 0; i < 3; i++) {
        sc_init(&rb[i], b, 3, RDO_PAGE_SHIFT, 0x60000000ull + i * 0x100000ull,
                0xa00 + i * 0x111, 0x80 + i);
        rdo_scat_reg(&rb[i], 23 + i, 0x10 + i);
        scatter[i] = sc_sge(&rb[i], rb[i].iova + 0x100 + i, rlen[i]);
    }
    /* Two gather pieces: the second before the first in the MR. */
    gather[0] = sc_sge(&ra, ra.iova + 3 * RDO_PAGE_SIZE, 6000);
    gather[1] = sc_sge(&ra, ra.iova + 7, msg - 6000);
    for (int i = 0; i < 2; i++) {
        g_autofree uint8_t *g = rdo_scat_get(&ra, gather[i].addr, gather[i].length);

        memcpy(sent + at, g, gather[i].length);
        at += gather[i].length;
    }
    pair_post_recv_sges(b, 0, 0x77, scatter, 3);
    sc_post_ok(p, 0, w, gather, 2, RDO_CQE_SEND);
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    e = pair_poll(b);
    g_assert_cmphex(e.wr_id, ==, 0x77);
    g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
    g_assert_cmpuint(e.byte_len, ==, msg);
    at = 0;
    for (int i = 0; i < 3; i++) {
        uint32_t n = MIN(rlen[i], msg - at);

        rdo_scat_expect(&rb[i], scatter[i].addr, sent + at, n);
        at += n;
        rdo_scat_assert(&rb[i], "receive SGE");
        rdo_scat_free(&rb[i]);
    }
    rdo_scat_assert(&ra, "send gather");
    rdo_scat_free(&ra);
    pair_free(p);
}

/*
 * CMP_SWP and FETCH_ADD on a word in the middle of B's third shuffled
 * page, their results into words of A's scattered MR in its second page.
 */
static void test_atomic(void)
{
    Pair *p = sc_pair();
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_ATOMIC_CMP_SWP, 1);
    uint64_t v = 100, target, res;
    struct rdo_sge sge;
    Scat ra, rb;

    pair_capture(p, "scatter-atomic");
    sc_init(&ra, &p->s[0], 3, RDO_PAGE_SHIFT, 0x40000000ull, 0x128, 0x200);
    sc_init(&rb, &p->s[1], 4, RDO_PAGE_SHIFT, 0x7f0012345000ull, 0x9c0, 0x10);
    rdo_scat_reg(&ra, 26, 0x01);
    rdo_scat_reg(&rb, 26, 0x02);
    target = rb.iova - 0x9c0 + 2 * RDO_PAGE_SIZE + 0x7f8;
    res = ra.iova - 0x128 + RDO_PAGE_SIZE + 0x10;
    rdo_scat_set(&rb, target, &v, 8);

    sge = sc_sge(&ra, res, 8);
    w.remote_addr = target;
    w.rkey = rb.key;
    w.compare_add = 100;
    w.swap = 555;
    sc_post_ok(p, 0, w, &sge, 1, RDO_CQE_ATOMIC_CMP_SWP);
    w = rdo_wqe(RDO_WR_ATOMIC_FETCH_ADD, 2);
    sge = sc_sge(&ra, res + 8, 8);
    w.remote_addr = target;
    w.rkey = rb.key;
    w.compare_add = 45;
    sc_post_ok(p, 0, w, &sge, 1, RDO_CQE_ATOMIC_FETCH_ADD);

    rdo_scat_expect(&ra, res, &v, 8);
    v = 555;
    rdo_scat_expect(&ra, res + 8, &v, 8);
    v = 600;
    rdo_scat_expect(&rb, target, &v, 8);
    rdo_scat_assert(&ra, "atomic results");
    rdo_scat_assert(&rb, "atomic target");
    rdo_scat_free(&ra);
    rdo_scat_free(&rb);
    pair_free(p);
}

/* B registers r with ALLOC_MR (index) and a REG_MR work request. */
static void sc_fast_reg(Pair *p, Scat *r, uint32_t index)
{
    struct rdo_send_wqe w;

    rdo_pair_cmd_ok(r->s, rdo_cmd_alloc_mr(index, 0x40, r->s->layout->pdn,
                                              RDO_FAST_REG_PAGES_MAX,
                                              SC_RIGHTS));
    r->key = RDO_MR_KEY(index, 0x41);
    w = rdo_wqe_reg_mr(0x900 + index, r->key, r->iova, r->length, r->list,
                       r->npages, r->shift, SC_RIGHTS);
    sc_post_ok(p, 1, w, NULL, 0, RDO_CQE_REG_MR);
}

/*
 * Fast registration over a shuffled page list with a first-byte offset:
 * A's WRITE across every page, a READ of another range back.
 */
static void test_fast_reg(void)
{
    Pair *p = sc_pair();
    Scat r;

    pair_capture(p, "scatter-fast-reg");
    sc_init(&r, &p->s[1], 8, RDO_PAGE_SHIFT, 0x7fff00001000ull, 0x5a7, 0x9);
    sc_fast_reg(p, &r, 40);
    pair_fill(&p->s[0], PAIR_SRC, r.length, 34);
    sc_write(p, &r, 1, PAIR_SRC, r.iova + 0x11, r.length - 0x11 - 0x3);
    sc_write(p, &r, 2, PAIR_SRC + 0x10000, r.iova, 0x11);
    rdo_scat_assert(&r, "fast-reg write");
    sc_read(p, &r, 3, r.iova + 0xabc, PAIR_DST + 1, 5 * RDO_PAGE_SIZE + 9);
    rdo_scat_assert(&r, "fast-reg read");
    rdo_scat_free(&r);
    pair_free(p);
}

/*
 * 2 MiB pages, page 1 before page 0 in the pool: a REG_MR command MR
 * whose first page holds only its last 7 KiB or so, a WRITE and a READ
 * across the 2 MiB boundary; then the same pages fast-registered with
 * another first-byte offset, a WRITE across the boundary again.
 */
static void test_huge(void)
{
    Pair *p = sc_pair();
    const uint64_t ps = 1ull << SC_HUGE_SHIFT;
    Scat r, fr;

    pair_capture(p, "scatter-huge");
    sc_init(&r, &p->s[1], 2, SC_HUGE_SHIFT, 0x7f0000000000ull,
            ps - 0x1cdf, 0x1234);
    rdo_scat_reg(&r, 27, 0x01);
    pair_fill(&p->s[0], PAIR_SRC, 0x8000, 35);
    sc_write(p, &r, 1, PAIR_SRC + 1, r.iova + 100, 12000);
    rdo_scat_assert(&r, "huge write");
    sc_read(p, &r, 2, r.iova + 0x1000, PAIR_DST, 9000);
    rdo_scat_assert(&r, "huge read");

    /* The same pages, the same shadow, another first byte. */
    fr = r;
    fr.iova = 0x7f0000000000ull + ps - 0x800;
    fr.length = 0x800 + ps - 0x99;
    sc_fast_reg(p, &fr, 41);
    sc_write(p, &fr, 3, PAIR_SRC + 0x4000, fr.iova + 3, 0x1000);
    rdo_scat_assert(&fr, "huge fast-reg write");
    rdo_scat_free(&r);
    pair_free(p);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/scatter/write", test_write);
    g_test_add_func("/scatter/read", test_read);
    g_test_add_func("/scatter/send", test_send);
    g_test_add_func("/scatter/atomic", test_atomic);
    g_test_add_func("/scatter/fast-reg", test_fast_reg);
    g_test_add_func("/scatter/huge", test_huge);
    return g_test_run();
}
