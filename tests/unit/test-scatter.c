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
#include "ctx/ctx.h"

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

/* The timing model on for the pairs made (the /scatter/timed/ cases). */
static bool sc_timing;

/* Two adapters, QP slot 0 connected RC; the timing model on if `timing`. */
static Pair *sc_pair_in(bool timing)
{
    RdoConfig cfg = test_host_default_config();
    Pair *p;

    cfg.tm.on = timing;
    p = pair_new(&cfg);

    pair_connect(p, 0, RDO_QPT_RC, SC_MTU);
    return p;
}

static Pair *sc_pair(void)
{
    return sc_pair_in(sc_timing);
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

/*
 * Page-list lines (RDO_MR_LIST_LINE). An MR of `pages` shuffled pages
 * with its list `skip` entries into a 64-byte line of guest memory.
 */
static void sc_init_list(Scat *r, PairSide *s, uint32_t pages, uint32_t skip,
                         uint64_t iova_base, uint64_t first, uint64_t short_end)
{
    sc_init(r, s, pages, RDO_PAGE_SHIFT, iova_base, first, short_end);
    r->list = s->ops->alloc(s->host, pages * 8 + RDO_MR_LIST_LINE) + skip * 8;
    s->ops->write(s->host, r->list, r->pages, pages * 8);
}

/* The page-list DMAs a side asked of its host since its log started:
 * reads inside [list, list + pages * 8), their lengths in order; any read
 * crossing the list's ends fails. `lines_only`: only reads of a whole
 * line (64-byte aligned, cut to the list), not the placement's look at
 * one entry of a line (8 bytes) its run's copy no longer holds. */
static GArray *sc_list_reads(PairSide *s, const Scat *r, bool lines_only)
{
    GArray *log = s->d->h->dma_log, *out = g_array_new(FALSE, FALSE, 4);
    uint64_t end = r->list + r->npages * 8ull;

    for (guint k = 0; k < log->len; k++) {
        const TestDma *d = &g_array_index(log, TestDma, k);
        uint32_t len = d->len;

        if (d->write || d->addr + d->len <= r->list || d->addr >= end) {
            continue;
        }
        g_assert_cmphex(d->addr, >=, r->list);
        g_assert_cmphex(d->addr + d->len, <=, end);
        if (lines_only) {
            uint64_t first = MAX(d->addr & ~(uint64_t)(RDO_MR_LIST_LINE - 1),
                                 r->list);
            uint64_t last = MIN(first - first % RDO_MR_LIST_LINE +
                                RDO_MR_LIST_LINE, end);

            if (d->addr != first || d->addr + d->len != last) {
                continue;
            }
        }
        g_array_append_val(out, len);
    }
    return out;
}

static void sc_assert_lens(GArray *got, const uint32_t *want, guint n,
                           const char *what)
{
    for (guint i = 0; i < MAX(got->len, n); i++) {
        uint32_t g = i < got->len ? g_array_index(got, uint32_t, i) : 0;

        if (i >= n || g != want[i]) {
            g_error("%s: read %u of %u bytes, %u expected (%u reads, %u "
                    "expected)", what, i, g, i < n ? want[i] : 0, got->len, n);
        }
    }
    g_array_unref(got);
}

/* The model's page-list line reads B made (timing on): its DMA reads. */
static GArray *sc_timed_reads(PairSide *s)
{
    GArray *spans = s->d->h->spans, *out = g_array_new(FALSE, FALSE, 4);

    for (guint k = 0; k < spans->len; k++) {
        const RdoStageSpan *sp = &g_array_index(spans, RdoStageSpan, k);

        if (sp->stage == RDO_STAGE_DMA_READ) {
            g_array_append_val(out, sp->bytes);
        }
    }
    return out;
}

typedef struct ListCase {
    const char *name;
    uint32_t pages, skip_a, skip_b;
    uint64_t first, short_end;
    uint32_t a_lines[9], b_lines[9];    /* bytes of each line read, 0 ends */
} ListCase;

static guint lines_n(const uint32_t *l)
{
    guint n = 0;

    while (n < 9 && l[n]) {
        n++;
    }
    return n;
}

/*
 * A's WRITE of all of its scattered MR into all of B's (both lists of
 * `pages` entries), MTU 4096: each side reads each page-list line the
 * message crosses once, in order (the requester's payload reads, the
 * responder's placement: its timed reads with the timing model on, its
 * writes on arrival's host reads in both modes), and B's pool holds the
 * bytes where its list puts them. The message before it (the same WRITE,
 * other bytes) ended in the list's last line: the lines are read again
 * from the first, not taken from there.
 */
static void list_lines_case(const ListCase *c, bool timing)
{
    Pair *p;
    PairSide *a, *b;
    struct rdo_send_wqe w;
    struct rdo_sge sge;
    g_autofree uint8_t *sent = NULL;
    Scat ra, rb;
    uint32_t len;

    p = sc_pair_in(timing);
    a = &p->s[0];
    b = &p->s[1];
    sc_init_list(&ra, a, c->pages, c->skip_a, 0x40000000ull, c->first,
                 c->short_end);
    sc_init_list(&rb, b, c->pages, c->skip_b, 0x7f0012345000ull, c->first,
                 c->short_end);
    rdo_scat_reg(&ra, 30, 0x01);
    rdo_scat_reg(&rb, 30, 0x02);
    len = ra.length;
    for (int round = 0; round < 2; round++) {
        rdo_scat_put(&ra, ra.iova, len, 40 + round);
        if (round) {
            a->d->h->dma_log = g_array_new(FALSE, FALSE, sizeof(TestDma));
            b->d->h->dma_log = g_array_new(FALSE, FALSE, sizeof(TestDma));
            if (timing) {
                b->d->h->spans = g_array_new(FALSE, FALSE,
                                             sizeof(RdoStageSpan));
            }
        }
        w = rdo_wqe(RDO_WR_RDMA_WRITE, 1 + round);
        sge = sc_sge(&ra, ra.iova, len);
        w.remote_addr = rb.iova;
        w.rkey = rb.key;
        sc_post_ok(p, 0, w, &sge, 1, RDO_CQE_RDMA_WRITE);
        pair_run(p, PAIR_SEC);
        g_free(sent);
        sent = rdo_scat_get(&ra, ra.iova, len);
        rdo_scat_expect(&rb, rb.iova, sent, len);
        rdo_scat_assert(&rb, c->name);
    }
    sc_assert_lens(sc_list_reads(a, &ra, false), c->a_lines, lines_n(c->a_lines),
                   "requester's page-list reads");
    /* Host reads of whole lines; the placement may read an entry again
     * (uncounted, 8 bytes) where its run crossed a line. */
    sc_assert_lens(sc_list_reads(b, &rb, true), c->b_lines, lines_n(c->b_lines),
                   "responder's page-list line reads");
    if (timing) {
        sc_assert_lens(sc_timed_reads(b), c->b_lines, lines_n(c->b_lines),
                       "responder's timed reads");
    }
    rdo_scat_assert(&ra, "source");
    rdo_scat_free(&ra);
    rdo_scat_free(&rb);
    pair_free(p);
}

static const ListCase list_cases[] = {
    /* 20 entries: from a line's start 8 + 8 + 4; 3 entries into one
     * 5 + 8 + 7. First byte and end inside a page. */
    { "20 pages", 20, 0, 3, 0x9c4, 0x333, { 64, 64, 32 }, { 40, 64, 56 } },
    /* 64 pages: 8 lines on each side instead of 64 entries. */
    { "64 pages", 64, 0, 0, 0, 0, { 64, 64, 64, 64, 64, 64, 64, 64 },
      { 64, 64, 64, 64, 64, 64, 64, 64 } },
    /* The list's end: 9 entries, a whole line and one entry. */
    { "9 pages", 9, 0, 0, 0x10, 0x20, { 64, 8 }, { 64, 8 } },
};

static void test_list_lines(void)
{
    for (int timing = 0; timing < 2; timing++) {
        for (guint i = 0; i < G_N_ELEMENTS(list_cases); i++) {
            list_lines_case(&list_cases[i], timing);
        }
    }
}

/* rdo_mr_access_held of [va, va + len) of r, read into a fresh buffer; the
 * bytes must be what the shadow holds at `expect_va` (the translation the
 * device should use). */
static void held_read(RdoCore *core, RdoMrHeld *held, const Scat *r,
                      uint64_t va, uint32_t len, uint64_t expect_va,
                      RdoMrCheck want)
{
    g_autofree uint8_t *got = g_malloc0(len);
    g_autofree uint8_t *exp = rdo_scat_get(r, expect_va, len);

    g_assert_cmpint(rdo_mr_access_held(core, held, r->key,
                                       r->s->layout->pdn, va, got, len, 0,
                                       false), ==, want);
    if (want == RDO_MRC_OK) {
        g_assert_cmpmem(got, len, exp, len);
    }
}

/*
 * A held translation's page-list line (the transmit engine's payload
 * reads, called on B's core between runs): its next pages come from the
 * line, so an entry the guest rewrites behind the device's back is not
 * seen while it is held (the rule: the driver leaves a registered MR's
 * list alone); any MR change drops it, and the next page reads the list
 * again: a REREG_MR to another list, a DEREG_MR (the key then fails), an
 * invalidation and fast registration rewriting the list in place.
 */
static void test_list_line_held(void)
{
    for (int timing = 0; timing < 2; timing++) {
        Pair *p;
        PairSide *b;
        RdoCore *core;
        uint64_t pages[RDO_MR_LIST_LINE / 8];
        RdoMrHeld held = { .list_pages = pages };
        const uint64_t ps = RDO_PAGE_SIZE;
        uint64_t swapped[2];
        struct rdo_cqp_cmd cmd;
        Scat r, fr;

        p = sc_pair_in(timing);
        b = &p->s[1];
        core = &b->d->h->core;
        sc_init(&r, b, 12, RDO_PAGE_SHIFT, 0x7f0000000000ull, 0, 0);
        rdo_scat_reg(&r, 31, 0x01);
        b->d->h->dma_log = g_array_new(FALSE, FALSE, sizeof(TestDma));

        held_read(core, &held, &r, r.iova + 10, 100, r.iova + 10, RDO_MRC_OK);
        /* Entries 1 and 2 swapped in guest memory: the line is used. */
        swapped[0] = r.pages[2];
        swapped[1] = r.pages[1];
        b->ops->write(b->host, r.list + 8, swapped, 16);
        held_read(core, &held, &r, r.iova + ps + 5, 2 * ps, r.iova + ps + 5,
                  RDO_MRC_OK);
        sc_assert_lens(sc_list_reads(b, &r, false), (uint32_t[]){ 64 }, 1,
                       "one line for pages 0..2");
        /* Page 8 is in the next line (4 entries), then back to line 0. */
        held_read(core, &held, &r, r.iova + 8 * ps, 64, r.iova + 8 * ps,
                  RDO_MRC_OK);
        held_read(core, &held, &r, r.iova + 3 * ps, 64, r.iova + 3 * ps,
                  RDO_MRC_OK);
        sc_assert_lens(sc_list_reads(b, &r, false), (uint32_t[]){ 64, 32, 64 },
                       3, "lines read again when left");
        /* Line 0 was read again: the swap is seen now (what the device
         * does with a list changed behind its back; the rule forbids it). */
        held_read(core, &held, &r, r.iova + ps, 64, r.iova + 2 * ps,
                  RDO_MRC_OK);
        b->ops->write(b->host, r.list + 8, &r.pages[1], 16);

        /* REREG_MR of the same key to the same list rewritten in another
         * order (entries 0 and 1 swapped): the held line (the old one's,
         * with entries 1 and 2 swapped) goes, though its address is the
         * new list's. */
        fr = r;
        fr.pages[0] = r.pages[1];
        fr.pages[1] = r.pages[0];
        b->ops->write(b->host, fr.list, fr.pages, r.npages * 8);
        cmd = rdo_cmd_new(RDO_CMD_REREG_MR, 31);
        cmd.u.rereg_mr.mask = RDO_REREG_TRANS;
        cmd.u.rereg_mr.iova = r.iova;
        cmd.u.rereg_mr.length = r.length;
        cmd.u.rereg_mr.page_list = fr.list;
        cmd.u.rereg_mr.num_pages = r.npages;
        cmd.u.rereg_mr.page_shift = RDO_PAGE_SHIFT;
        cmd.u.rereg_mr.key = 0x01;
        rdo_pair_cmd_ok(&b->rdo, cmd);
        held_read(core, &held, &r, r.iova + 20, 64, r.iova + ps + 20,
                  RDO_MRC_OK);
        held_read(core, &held, &r, r.iova + ps + 20, 64, r.iova + 20,
                  RDO_MRC_OK);

        /* DEREG_MR: the next page fails, no stale line. */
        rdo_pair_cmd_ok(&b->rdo, rdo_cmd_new(RDO_CMD_DEREG_MR, 31));
        held_read(core, &held, &r, r.iova + 2 * ps, 64, r.iova, RDO_MRC_BAD_KEY);

        g_array_unref(b->d->h->dma_log);
        b->d->h->dma_log = NULL;
        rdo_scat_free(&r);
        pair_free(p);
    }
}

/*
 * Fast registration rewriting a list in place: B's fast-reg MR over list
 * L, A WRITEs across it (B holds a line of L); B invalidates it, rewrites
 * L's entries in another order and registers it again with the same
 * list address; A's next WRITE lands where the new entries say, not
 * through the line held from before.
 */
static void test_list_line_fast_reg(void)
{
    for (int timing = 0; timing < 2; timing++) {
        Pair *p;
        PairSide *b;
        struct rdo_send_wqe w;
        Scat r;

        p = sc_pair_in(timing);
        b = &p->s[1];
        sc_init(&r, b, 8, RDO_PAGE_SHIFT, 0x7fff00001000ull, 0x5a7, 0x9);
        sc_fast_reg(p, &r, 42);
        pair_fill(&p->s[0], PAIR_SRC, r.length, 50);
        sc_write(p, &r, 1, PAIR_SRC, r.iova, r.length);
        rdo_scat_assert(&r, "fast-reg write, first list");

        w = rdo_wqe_local_inv(0x990, r.key);
        sc_post_ok(p, 1, w, NULL, 0, RDO_CQE_LOCAL_INV);
        for (uint32_t i = 0; i < r.npages / 2; i++) {
            uint64_t t = r.pages[i];

            r.pages[i] = r.pages[r.npages - 1 - i];
            r.pages[r.npages - 1 - i] = t;
        }
        b->ops->write(b->host, r.list, r.pages, r.npages * 8);
        w = rdo_wqe_reg_mr(0x991, r.key, r.iova, r.length, r.list, r.npages,
                           r.shift, SC_RIGHTS);
        sc_post_ok(p, 1, w, NULL, 0, RDO_CQE_REG_MR);
        pair_fill(&p->s[0], PAIR_SRC, r.length, 51);
        sc_write(p, &r, 2, PAIR_SRC, r.iova, r.length);
        rdo_scat_assert(&r, "fast-reg write, list rewritten in place");
        rdo_scat_free(&r);
        pair_free(p);
    }
}

/*
 * An MR context whose page list runs across the top of the address space,
 * so that entry 8 lies at address 0. Changed in the cache under a held
 * translation (as if the check on loading had missed it): the line read
 * for entry 8 is still one line (entries 8 to 15, 64 bytes, all its copy
 * holds) and the
 * access fails; lines worked out in addresses reached back from address 0
 * to the list's start, 128 bytes into a 64-byte copy. In the store: the
 * context is refused as corrupt when it is loaded (MRC_CORRUPT).
 */
static void test_list_line_wrap(void)
{
    for (int timing = 0; timing < 2; timing++) {
        const uint64_t top_list = UINT64_MAX - RDO_MR_LIST_LINE + 1;
        uint64_t wrapped[RDO_MR_LIST_LINE / 8];
        RdoMrHeld held_wrapped = { .list_pages = wrapped };
        GArray *log;
        RdoMrCtx *mr;
        RdoCore *core;
        guint at_top = 0, corrupt;
        uint64_t store;
        Pair *p;
        PairSide *b;
        Scat r;

        p = sc_pair_in(timing);
        b = &p->s[1];
        core = &b->d->h->core;
        sc_init(&r, b, 20, RDO_PAGE_SHIFT, 0x7f0000000000ull, 0, 0);
        rdo_scat_reg(&r, 31, 0x01);
        held_read(core, &held_wrapped, &r, r.iova, 64, r.iova, RDO_MRC_OK);
        mr = (RdoMrCtx *)rdo_ctx_cached_data(&core->st->mrc, 31);
        g_assert_nonnull(mr);
        /* Changed under the held translation (which does not look the MR
         * up again): its next line is read from the new list. */
        mr->page_list = top_list;
        log = b->d->h->dma_log = g_array_new(FALSE, FALSE, sizeof(TestDma));
        held_read(core, &held_wrapped, &r, r.iova + 8 * RDO_PAGE_SIZE, 64,
                  r.iova + 8 * RDO_PAGE_SIZE, RDO_MRC_DMA);
        for (guint k = 0; k < log->len; k++) {
            const TestDma *d = &g_array_index(log, TestDma, k);

            if (!d->write && (d->addr >= top_list ||
                              d->addr < RDO_MR_LIST_LINE)) {
                g_assert_cmpuint(d->len, <=, RDO_MR_LIST_LINE);
                at_top++;
            }
        }
        g_assert_cmpuint(at_top, >=, 1);

        /* The same list in the store, the cache's copy gone. */
        mr->page_list = r.list;
        g_assert_true(rdo_ctx_flush(core, &core->st->mrc));
        rdo_ctx_forget_clean(&core->st->mrc, 31);
        g_assert_null(rdo_ctx_cached_data(&core->st->mrc, 31));
        g_assert_true(rdo_ctx_addr(core, &core->st->mrc, 31, &store));
        b->ops->write(b->host, store + offsetof(RdoMrCtx, page_list),
                      &top_list, 8);
        corrupt = b->d->h->class_count[RDO_GE_MRC_CORRUPT];
        held_wrapped = (RdoMrHeld){ .list_pages = wrapped };
        held_read(core, &held_wrapped, &r, r.iova + 8 * RDO_PAGE_SIZE, 64,
                  r.iova + 8 * RDO_PAGE_SIZE, RDO_MRC_DMA);
        g_assert_cmpuint(b->d->h->class_count[RDO_GE_MRC_CORRUPT], ==,
                         corrupt + 1);
        rdo_scat_free(&r);
        pair_free(p);
    }
}

/*
 * Random reads through a held translation (the transmit engine's payload
 * path) against the per-entry path and the shadow: MRs of 1..40 shuffled
 * pages, lists 0..7 entries into a line, first byte and end anywhere in
 * a page; 80 reads each of 1 byte to 3 pages at random places, now and
 * then the same list rewritten in place in another order and registered
 * again. Every read's bytes are the shadow's (and rdo_mr_access's); the
 * page-list DMAs are exactly the lines the read enters in turn (each the
 * 64-byte aligned line cut to the list), none when it stays in the line
 * held, and after a re-registration the first page reads its line anew.
 */
static void test_list_line_random(void)
{
    for (int timing = 0; timing < 2; timing++) {
        GRand *rnd = g_rand_new_with_seed(0x11e5 + timing);
        Pair *p;
        PairSide *b;
        RdoCore *core;

        p = sc_pair_in(timing);
        b = &p->s[1];
        core = &b->d->h->core;
        for (int round = 0; round < 12; round++) {
            uint64_t pages[RDO_MR_LIST_LINE / 8];
            RdoMrHeld held = { .list_pages = pages };
            uint32_t npages, skip;
            uint64_t first, short_end, held_line = UINT64_MAX;
            Scat r;

            do {
                npages = g_rand_int_range(rnd, 1, 41);
            } while (npages % 7 == 0);
            skip = g_rand_int_range(rnd, 0, 8);
            first = g_rand_int_range(rnd, 0, RDO_PAGE_SIZE);
            short_end = g_rand_int_range(rnd, 0, RDO_PAGE_SIZE);
            if (npages * RDO_PAGE_SIZE <= first + short_end) {
                short_end = 0;
            }
            sc_init_list(&r, b, npages, skip, 0x7f0000000000ull, first,
                         short_end);
            rdo_scat_reg(&r, 33, 0x20 + round);
            rdo_scat_put(&r, r.iova, r.length, round);
            b->d->h->dma_log = g_array_new(FALSE, FALSE, sizeof(TestDma));
            for (int k = 0; k < 80; k++) {
                uint64_t off = g_rand_int_range(rnd, 0, r.length);
                uint64_t most = g_rand_int_range(rnd, 1, 3 * RDO_PAGE_SIZE + 1);
                uint32_t len = MIN(r.length - off, most);
                uint64_t va = r.iova + off;
                uint64_t at = (r.iova & (RDO_PAGE_SIZE - 1)) + off;
                g_autofree uint8_t *plain = g_malloc(len);
                GArray *want = g_array_new(FALSE, FALSE, 4), *got;

                if (g_rand_int_range(rnd, 0, 16) == 0) {
                    struct rdo_cqp_cmd cmd = rdo_cmd_new(RDO_CMD_REREG_MR, 33);

                    /* Reversed in place, registered again: the held line
                     * (and what the test holds) goes. */
                    for (uint32_t i = 0; i < npages / 2; i++) {
                        uint64_t t = r.pages[i];

                        r.pages[i] = r.pages[npages - 1 - i];
                        r.pages[npages - 1 - i] = t;
                    }
                    b->ops->write(b->host, r.list, r.pages, npages * 8);
                    cmd.u.rereg_mr.mask = RDO_REREG_TRANS;
                    cmd.u.rereg_mr.iova = r.iova;
                    cmd.u.rereg_mr.length = r.length;
                    cmd.u.rereg_mr.page_list = r.list;
                    cmd.u.rereg_mr.num_pages = npages;
                    cmd.u.rereg_mr.page_shift = RDO_PAGE_SHIFT;
                    cmd.u.rereg_mr.key = 0x20 + round;
                    rdo_pair_cmd_ok(&b->rdo, cmd);
                    held_line = UINT64_MAX;
                    g_array_set_size(b->d->h->dma_log, 0);
                }
                /* The lines the read enters, in turn. */
                for (uint64_t pg = at / RDO_PAGE_SIZE;
                     pg <= (at + len - 1) / RDO_PAGE_SIZE; pg++) {
                    uint64_t entry = r.list + pg * 8;
                    uint64_t line = MAX(entry & ~(uint64_t)63, r.list);
                    uint32_t bytes = MIN((entry | 63) + 1,
                                         r.list + npages * 8ull) - line;

                    if (line != held_line) {
                        g_array_append_val(want, bytes);
                        held_line = line;
                    }
                }
                g_array_set_size(b->d->h->dma_log, 0);
                held_read(core, &held, &r, va, len, va, RDO_MRC_OK);
                got = sc_list_reads(b, &r, false);
                sc_assert_lens(got, (const uint32_t *)want->data, want->len,
                               "lines entered");
                g_array_unref(want);
                g_assert_cmpint(rdo_mr_access(core, r.key, b->layout->pdn,
                                              va, plain, len, 0, false), ==,
                                RDO_MRC_OK);
                g_autofree uint8_t *exp = rdo_scat_get(&r, va, len);
                g_assert_cmpmem(plain, len, exp, len);
            }
            g_array_unref(b->d->h->dma_log);
            b->d->h->dma_log = NULL;
            rdo_pair_cmd_ok(&b->rdo, rdo_cmd_new(RDO_CMD_DEREG_MR, 33));
            rdo_scat_free(&r);
        }
        g_rand_free(rnd);
        pair_free(p);
    }
}

typedef struct ScTimed {
    const char *path;
    void (*fn)(void);
} ScTimed;

static void sc_run_timed(gconstpointer data)
{
    const ScTimed *t = data;

    sc_timing = true;
    t->fn();
    sc_timing = false;
}

int main(int argc, char **argv)
{
    static const ScTimed timed[] = {
        { "/scatter/timed/write", test_write },
        { "/scatter/timed/read", test_read },
        { "/scatter/timed/send", test_send },
        { "/scatter/timed/fast-reg", test_fast_reg },
    };

    g_test_init(&argc, &argv, NULL);
    for (guint i = 0; i < G_N_ELEMENTS(timed); i++) {
        g_test_add_data_func(timed[i].path, &timed[i], sc_run_timed);
    }
    g_test_add_func("/scatter/list-lines", test_list_lines);
    g_test_add_func("/scatter/list-line-held", test_list_line_held);
    g_test_add_func("/scatter/list-line-fast-reg", test_list_line_fast_reg);
    g_test_add_func("/scatter/list-line-random", test_list_line_random);
    g_test_add_func("/scatter/list-line-wrap", test_list_line_wrap);
    g_test_add_func("/scatter/write", test_write);
    g_test_add_func("/scatter/read", test_read);
    g_test_add_func("/scatter/send", test_send);
    g_test_add_func("/scatter/atomic", test_atomic);
    g_test_add_func("/scatter/fast-reg", test_fast_reg);
    g_test_add_func("/scatter/huge", test_huge);
    return g_test_run();
}
