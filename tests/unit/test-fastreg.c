/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fast registration between two adapter cores back to back: ALLOC_MR and
 * the REG_MR work request over scattered pages, WRITE and READ from the
 * peer through the registered key, LOCAL_INV and SEND_WITH_INV, new 8-bit
 * keys, the order of work in one send queue and FENCE, and every refused
 * registration.
 */
#include <string.h>
#include "test-pair.h"

/*
 * Fast registration. A side allocates an empty MR (ALLOC_MR) and registers
 * it with a REG_MR work request over pages scattered in its memory; `fr`
 * knows where each page is, so the tests can check bytes through it.
 */
#define FR_INDEX    50
#define FR_PAGES    PAIR_REGION_PAGES
#define FR_MAX      RDO_FAST_REG_PAGES_MAX
#define FR_ALL      (RDO_ACCESS_LOCAL_WRITE | RDO_ACCESS_REMOTE_WRITE | \
                     RDO_ACCESS_REMOTE_READ)

typedef PairRegion FastReg;     /* key: the current key */

static uint32_t fr_alloc(PairSide *s, uint32_t index, uint8_t key,
                         uint32_t pdn, uint32_t max_pages, uint16_t access)
{
    uint32_t result = 0;

    g_assert_cmpuint(rdo_pair_cmd(&s->rdo, rdo_cmd_alloc_mr(index, key, pdn,
                                                            max_pages, access),
                                  &result), ==, RDO_CQP_OK);
    g_assert_cmphex(result, ==, RDO_MR_KEY(index, key));
    return result;
}

static struct rdo_send_wqe fr_wqe(const FastReg *fr, uint64_t wr_id,
                                  uint16_t access)
{
    return rdo_wqe_reg_mr(wr_id, fr->key, fr->iova, fr->length, fr->list,
                          FR_PAGES, RDO_PAGE_SHIFT, access);
}

/*
 * B registers scattered pages with REG_MR; A writes and reads through the
 * rkey (byte-exact, across page boundaries, at unaligned offsets); B
 * invalidates it locally and A's next WRITE fails with a remote access
 * error; B registers it again with a new 8-bit key, A's SEND with
 * invalidate invalidates it (B's receive completion carries the key); a
 * third registration with another key works and the old key fails.
 */
static void test_fast_reg(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    uint64_t attr_addr = td_alloc(b->d, sizeof(struct rdo_device_attr), 64);
    struct rdo_device_attr attr;
    const uint32_t len = 3 * RDO_PAGE_SIZE + 77;
    uint64_t va;
    struct rdo_send_wqe w;
    struct rdo_sge sge;
    struct rdo_cqe e;
    uint32_t old_key;
    FastReg fr;

    pair_capture(p, "fast-reg");
    /* QUERY_DEVICE reports the limit, at least what kernel ULPs need. */
    g_assert_cmpuint(rdo_pair_cmd(&b->rdo, rdo_cmd_query(RDO_CMD_QUERY_DEVICE, 0,
                                                         attr_addr), NULL),
                     ==, RDO_CQP_OK);
    memcpy(&attr, td_ptr(b->d, attr_addr), sizeof(attr));
    g_assert_cmpuint(attr.max_fast_reg_pages, ==, RDO_FAST_REG_PAGES_MAX);
    g_assert_cmpuint(attr.max_fast_reg_pages, >=, 512);

    for (int i = 0; i < 4; i++) {
        pair_connect(p, i, RDO_QPT_RC, RDO_MTU_4096 - 2);     /* 1024 */
    }
    pair_region_pages(b, &fr);
    fr.key = fr_alloc(b, FR_INDEX, 0x11, 0, FR_MAX, FR_ALL);
    fr.key = RDO_MR_KEY(FR_INDEX, 0x12);     /* the first registration's */
    pair_fill(a, PAIR_SRC, len, 21);

    /* Register, then A's WRITE lands across 4 scattered pages. */
    w = fr_wqe(&fr, 0x101, FR_ALL);
    pair_post_send(b, 0, &w, NULL, 0, NULL);
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    pair_expect_cqe(b, 0x101, RDO_CQE_REG_MR, RDO_WC_SUCCESS);
    va = fr.iova + RDO_PAGE_SIZE - 0x123 - 5;
    w = rdo_wqe(RDO_WR_RDMA_WRITE, 0x102);
    sge = pair_sge_of(a, PAIR_SRC, len);
    w.remote_addr = va;
    w.rkey = fr.key;
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x102, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    pair_region_check(a, PAIR_SRC, b, &fr, va, len);

    /* READ back from the last byte-exact end of the region. */
    for (uint32_t i = 0; i < 5000; i++) {
        *pair_region_ptr(b, &fr, fr.iova + fr.length - 5000 + i) = rdo_pattern_byte(i, 22);
    }
    w = rdo_wqe(RDO_WR_RDMA_READ, 0x103);
    sge = pair_sge_of(a, PAIR_DST + 3, 5000);
    w.remote_addr = fr.iova + fr.length - 5000;
    w.rkey = fr.key;
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x103, RDO_CQE_RDMA_READ, RDO_WC_SUCCESS);
    pair_region_check(a, PAIR_DST + 3, b, &fr, fr.iova + fr.length - 5000, 5000);
    /* One byte past the end is outside it. */
    w.wr_id = 0x104;
    w.remote_addr = fr.iova + fr.length - 4999;
    pair_post_send(a, 1, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x104, RDO_CQE_RDMA_READ, RDO_WC_REM_ACCESS_ERR);

    /* LOCAL_INV on B; A's WRITE through the key then fails. */
    w = rdo_wqe_local_inv(0x105, fr.key);
    pair_post_send(b, 2, &w, NULL, 0, NULL);
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    pair_expect_cqe(b, 0x105, RDO_CQE_LOCAL_INV, RDO_WC_SUCCESS);
    w = rdo_wqe(RDO_WR_RDMA_WRITE, 0x106);
    sge = pair_sge_of(a, PAIR_SRC, 16);
    w.remote_addr = fr.iova;
    w.rkey = fr.key;
    pair_post_send(a, 2, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x106, RDO_CQE_RDMA_WRITE, RDO_WC_REM_ACCESS_ERR);
    /* Slots 0 (A), 1 and 2 (both) are in ERR now; slot 3 goes on. */

    /*
     * Registered again with a new key, then in the same queue a SEND
     * gathered through the new key as lkey: checked against the new
     * registration. A's SEND with invalidate then invalidates it.
     */
    old_key = fr.key;
    fr.key = RDO_MR_KEY(FR_INDEX, 0x13);
    for (uint32_t i = 0; i < 300; i++) {
        *pair_region_ptr(b, &fr, fr.iova + RDO_PAGE_SIZE + i) = rdo_pattern_byte(i, 23);
    }
    pair_post_recv(a, 3, 0x200, PAIR_DST, 4096);
    w = fr_wqe(&fr, 0x107, FR_ALL);
    pair_post_send(b, 3, &w, NULL, 0, NULL);
    w = rdo_wqe(RDO_WR_SEND, 0x108);
    sge = rdo_sge(fr.iova + RDO_PAGE_SIZE, 300, fr.key);
    pair_post_send(b, 3, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 1, 2, PAIR_SEC));
    pair_expect_cqe(b, 0x107, RDO_CQE_REG_MR, RDO_WC_SUCCESS);
    pair_expect_cqe(b, 0x108, RDO_CQE_SEND, RDO_WC_SUCCESS);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    e = pair_poll(a);
    g_assert_cmphex(e.wr_id, ==, 0x200);
    g_assert_cmpuint(e.byte_len, ==, 300);
    pair_region_check(a, PAIR_DST, b, &fr, fr.iova + RDO_PAGE_SIZE, 300);
    g_assert_cmphex(old_key, !=, fr.key);

    pair_post_recv(b, 3, 0x201, PAIR_DST, 4096);
    w = rdo_wqe(RDO_WR_SEND_INV, 0x109);
    w.imm_or_rkey = fr.key;
    sge = pair_sge_of(a, PAIR_SRC, 10);
    pair_post_send(a, 3, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    e = pair_poll(b);
    g_assert_cmphex(e.wr_id, ==, 0x201);
    g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
    g_assert_true(e.flags & RDO_CQE_F_INV);
    g_assert_cmphex(e.imm_or_rkey, ==, fr.key);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x109, RDO_CQE_SEND, RDO_WC_SUCCESS);

    /*
     * Invalid again (a REG_MR on a valid MR would fail and stop slot 3):
     * register with a third key; A's WRITE with it works, with the one
     * before fails.
     */
    old_key = fr.key;
    fr.key = RDO_MR_KEY(FR_INDEX, 0x14);
    w = fr_wqe(&fr, 0x10a, FR_ALL);
    pair_post_send(b, 3, &w, NULL, 0, NULL);
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    pair_expect_cqe(b, 0x10a, RDO_CQE_REG_MR, RDO_WC_SUCCESS);
    w = rdo_wqe(RDO_WR_RDMA_WRITE, 0x10b);
    sge = pair_sge_of(a, PAIR_SRC + 1000, 2000);
    w.remote_addr = fr.iova + 7;
    w.rkey = fr.key;
    pair_post_send(a, 3, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x10b, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    pair_region_check(a, PAIR_SRC + 1000, b, &fr, fr.iova + 7, 2000);
    w.wr_id = 0x10c;
    w.rkey = old_key;
    pair_post_send(a, 3, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x10c, RDO_CQE_RDMA_WRITE, RDO_WC_REM_ACCESS_ERR);
    g_assert_cmpuint(b->d->h->class_count[RDO_GE_FASTREG_BAD_MR] +
                     b->d->h->class_count[RDO_GE_FASTREG_MR_VALID], ==, 0);
    pair_free(p);
}

/*
 * Ordering and fence in one send queue: a fenced LOCAL_INV behind a READ
 * waits for the READ's data; REG_MR with a new key and a WRITE gathered
 * through it follow in the same batch and see the new registration. A
 * registration of the most pages (a page list of RDO_FAST_REG_PAGES_MAX
 * entries, naming two pages in turn) reaches its last page.
 */
static void test_fast_reg_order(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    uint64_t two = td_alloc(a->d, 2 * RDO_PAGE_SIZE, RDO_PAGE_SIZE);
    uint64_t big = td_alloc(a->d, FR_MAX * 8ull, 8);
    struct rdo_send_wqe w;
    struct rdo_sge sge;
    FastReg fr;

    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_region_pages(a, &fr);
    fr.key = fr_alloc(a, FR_INDEX, 0x20, 0, FR_MAX, FR_ALL);
    w = fr_wqe(&fr, 1, FR_ALL);
    pair_post_send(a, 0, &w, NULL, 0, NULL);
    /* READ 8 KiB from B into the fast-registered region ... */
    pair_fill(b, PAIR_SRC, 8192, 31);
    w = rdo_wqe(RDO_WR_RDMA_READ, 2);
    sge = rdo_sge(fr.iova + 100, 8192, fr.key);
    w.remote_addr = PAIR_SRC;
    w.rkey = b->mr_key;
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    /* ... a fenced LOCAL_INV that must not overtake it ... */
    w = rdo_wqe_local_inv(3, fr.key);
    w.flags |= RDO_WQE_F_FENCE;
    pair_post_send(a, 0, &w, NULL, 0, NULL);
    /* ... a new registration and a WRITE from it to B. */
    fr.key = RDO_MR_KEY(FR_INDEX, 0x21);
    w = fr_wqe(&fr, 4, FR_ALL);
    pair_post_send(a, 0, &w, NULL, 0, NULL);
    w = rdo_wqe(RDO_WR_RDMA_WRITE, 5);
    sge = rdo_sge(fr.iova + 100, 8192, fr.key);
    w.remote_addr = PAIR_DST;
    w.rkey = b->mr_key;
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 5, PAIR_SEC));
    pair_expect_cqe(a, 1, RDO_CQE_REG_MR, RDO_WC_SUCCESS);
    pair_expect_cqe(a, 2, RDO_CQE_RDMA_READ, RDO_WC_SUCCESS);
    pair_expect_cqe(a, 3, RDO_CQE_LOCAL_INV, RDO_WC_SUCCESS);
    pair_expect_cqe(a, 4, RDO_CQE_REG_MR, RDO_WC_SUCCESS);
    pair_expect_cqe(a, 5, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    pair_assert_same(b, PAIR_SRC, b, PAIR_DST, 8192);

    /* The most pages: 4096 entries over two pages; B writes the last one. */
    for (uint32_t i = 0; i < FR_MAX; i++) {
        uint64_t page = two + (i & 1) * RDO_PAGE_SIZE;

        memcpy(td_ptr(a->d, big + i * 8ull), &page, 8);
    }
    w = rdo_wqe_local_inv(6, fr.key);
    pair_post_send(a, 0, &w, NULL, 0, NULL);
    fr.key = RDO_MR_KEY(FR_INDEX, 0x22);
    w = rdo_wqe_reg_mr(7, fr.key, 0x40000000, (uint64_t)FR_MAX * RDO_PAGE_SIZE,
                       big, FR_MAX, RDO_PAGE_SHIFT, FR_ALL);
    pair_post_send(a, 0, &w, NULL, 0, NULL);
    g_assert_true(pair_run_cqes(p, 0, 2, PAIR_SEC));
    pair_expect_cqe(a, 6, RDO_CQE_LOCAL_INV, RDO_WC_SUCCESS);
    pair_expect_cqe(a, 7, RDO_CQE_REG_MR, RDO_WC_SUCCESS);
    pair_fill(b, PAIR_SRC, 64, 32);
    w = rdo_wqe(RDO_WR_RDMA_WRITE, 8);
    sge = pair_sge_of(b, PAIR_SRC, 64);
    w.remote_addr = 0x40000000 + (uint64_t)(FR_MAX - 1) * RDO_PAGE_SIZE + 4000;
    w.rkey = fr.key;
    pair_post_send(b, 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    pair_expect_cqe(b, 8, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    /* Entry 4095 is the second page; 96 bytes of the page, then the
     * next (entry 4096 does not exist: 64 bytes stop at 4064). */
    for (uint32_t i = 0; i < 64; i++) {
        g_assert_cmpuint(*(uint8_t *)td_ptr(a->d, two + RDO_PAGE_SIZE + 4000 + i),
                         ==, *pair_mr_ptr(b, PAIR_SRC + i));
    }
    pair_free(p);
}

/* Drops the first frame side 0 sends. */
static bool drop_first(Pair *p, int from, uint8_t *frame, size_t *len,
                       bool *again, void *opaque)
{
    bool *dropped = opaque;

    if (from == 0 && !*dropped) {
        *dropped = true;
        return false;
    }
    return true;
}

/*
 * FENCE on LOCAL_INV waits for every earlier work request, not only READs
 * and atomics: a WRITE gathered from a fast-registered region, whose first
 * packet is lost, is sent again from the region after the go-back; the
 * fenced LOCAL_INV behind it runs only once the WRITE is acknowledged.
 */
static void test_fast_reg_fence(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    const uint32_t len = 4 * 1024;
    bool dropped = false;
    struct rdo_send_wqe w;
    struct rdo_sge sge;
    FastReg fr;

    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_region_pages(a, &fr);
    fr.key = fr_alloc(a, FR_INDEX, 0x50, 0, FR_MAX, FR_ALL);
    w = fr_wqe(&fr, 1, FR_ALL);
    pair_post_send(a, 0, &w, NULL, 0, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 1, RDO_CQE_REG_MR, RDO_WC_SUCCESS);
    for (uint32_t i = 0; i < len; i++) {
        *pair_region_ptr(a, &fr, fr.iova + 50 + i) = rdo_pattern_byte(i, 51);
    }
    p->tamper = drop_first;
    p->tamper_opaque = &dropped;
    w = rdo_wqe(RDO_WR_RDMA_WRITE, 2);
    sge = rdo_sge(fr.iova + 50, len, fr.key);
    w.remote_addr = PAIR_DST;
    w.rkey = b->mr_key;
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    w = rdo_wqe_local_inv(3, fr.key);
    w.flags |= RDO_WQE_F_FENCE;
    pair_post_send(a, 0, &w, NULL, 0, NULL);
    g_assert_true(pair_run_cqes(p, 0, 2, PAIR_SEC));
    g_assert_true(dropped);
    pair_expect_cqe(a, 2, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    pair_expect_cqe(a, 3, RDO_CQE_LOCAL_INV, RDO_WC_SUCCESS);
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_RETRANSMITS), >=, 1);
    pair_region_check(b, PAIR_DST, a, &fr, fr.iova + 50, len);
    pair_free(p);
}

/*
 * Every bad REG_MR: each fails its QP with its own status and guest-error
 * class, leaves the MR as it was, and the device goes on serving others.
 */
typedef struct FrBad {
    const char *what;
    enum rdo_guest_err cls;
    uint8_t status;
    uint32_t vendor_err;
} FrBad;

static void test_fast_reg_bad(void)
{
    enum { PAGE_LIST, PAGE_UNALIGNED, TOO_MANY, NO_PAGES, OVERFLOW, TOO_LONG,
           REMOTE_NO_LOCAL, BEYOND_MAX_ACCESS, OTHER_PD, STILL_VALID,
           NOT_FAST_REG, NO_MR, N_BAD };
    static const FrBad bad[N_BAD] = {
        [PAGE_LIST] = { "page list unreadable", RDO_GE_FASTREG_PAGE_LIST,
                        RDO_WC_LOC_PROT_ERR, RDO_VENDOR_ERR_DMA },
        [PAGE_UNALIGNED] = { "page not aligned", RDO_GE_FASTREG_PAGE_LIST,
                             RDO_WC_LOC_PROT_ERR, RDO_VENDOR_ERR_DMA },
        [TOO_MANY] = { "more pages than allocated", RDO_GE_FASTREG_BAD_PAGES,
                       RDO_WC_MW_BIND_ERR, RDO_VENDOR_ERR_FAST_REG },
        [NO_PAGES] = { "no pages", RDO_GE_FASTREG_BAD_PAGES,
                       RDO_WC_MW_BIND_ERR, RDO_VENDOR_ERR_FAST_REG },
        [OVERFLOW] = { "iova + length wraps", RDO_GE_FASTREG_BAD_RANGE,
                       RDO_WC_MW_BIND_ERR, RDO_VENDOR_ERR_FAST_REG },
        [TOO_LONG] = { "length beyond the pages", RDO_GE_FASTREG_BAD_RANGE,
                       RDO_WC_MW_BIND_ERR, RDO_VENDOR_ERR_FAST_REG },
        [REMOTE_NO_LOCAL] = { "remote write without local write",
                              RDO_GE_FASTREG_BAD_ACCESS, RDO_WC_MW_BIND_ERR,
                              RDO_VENDOR_ERR_FAST_REG },
        [BEYOND_MAX_ACCESS] = { "rights the MR may not grant",
                                RDO_GE_FASTREG_BAD_ACCESS, RDO_WC_MW_BIND_ERR,
                                RDO_VENDOR_ERR_FAST_REG },
        [OTHER_PD] = { "MR of another PD", RDO_GE_FASTREG_BAD_MR,
                       RDO_WC_LOC_PROT_ERR, RDO_VENDOR_ERR_BAD_KEY },
        [STILL_VALID] = { "MR still valid", RDO_GE_FASTREG_MR_VALID,
                          RDO_WC_MW_BIND_ERR, RDO_VENDOR_ERR_FAST_REG },
        [NOT_FAST_REG] = { "MR from REG_MR", RDO_GE_FASTREG_BAD_MR,
                           RDO_WC_LOC_PROT_ERR, RDO_VENDOR_ERR_BAD_KEY },
        [NO_MR] = { "no MR", RDO_GE_FASTREG_BAD_MR,
                    RDO_WC_LOC_PROT_ERR, RDO_VENDOR_ERR_BAD_KEY },
    };
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    TestHost *h = a->d->h;
    uint64_t odd = td_alloc(a->d, 16, 8);
    uint32_t key_small, key_other, key_ro;
    FastReg fr;

    pair_region_pages(a, &fr);
    fr.key = fr_alloc(a, FR_INDEX, 0x30, 0, FR_PAGES, FR_ALL);
    key_small = fr_alloc(a, FR_INDEX + 1, 0x31, 0, FR_PAGES - 1, FR_ALL);
    key_ro = fr_alloc(a, FR_INDEX + 2, 0x32, 0, FR_MAX,
                      RDO_ACCESS_LOCAL_WRITE | RDO_ACCESS_REMOTE_READ);
    rdo_pair_cmd_ok(&a->rdo, rdo_cmd_create_pd(7, 0));
    key_other = fr_alloc(a, FR_INDEX + 3, 0x33, 7, FR_MAX, FR_ALL);
    /* A page address with low bits set. */
    memcpy(td_ptr(a->d, odd), &(uint64_t){ fr.pages[0] }, 8);
    memcpy(td_ptr(a->d, odd + 8), &(uint64_t){ fr.pages[1] + 8 }, 8);

    /* STILL_VALID needs a valid one: slot N_BAD registers it first. */
    pair_connect(p, N_BAD, RDO_QPT_RC, RDO_MTU_4096 - 2);
    {
        struct rdo_send_wqe w = fr_wqe(&fr, 0x99, FR_ALL);

        pair_post_send(a, N_BAD, &w, NULL, 0, NULL);
        g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
        pair_expect_cqe(a, 0x99, RDO_CQE_REG_MR, RDO_WC_SUCCESS);
    }
    for (int i = 0; i < N_BAD; i++) {
        struct rdo_reg_mr_wqe r;
        struct rdo_send_wqe w = fr_wqe(&fr, 0x100 + i, FR_ALL);

        memcpy(&r, &w, sizeof(r));
        r.key = RDO_MR_KEY(FR_INDEX + 1, 0x41);     /* not valid, 7 pages */
        r.num_pages = FR_PAGES - 1;
        r.length = 4 * RDO_PAGE_SIZE;
        switch (i) {
        case PAGE_LIST:
            r.page_list = 0xfff0000000ull;
            break;
        case PAGE_UNALIGNED:
            r.page_list = odd;
            r.num_pages = 2;
            r.length = 100;
            break;
        case TOO_MANY:
            r.num_pages = FR_PAGES;
            break;
        case NO_PAGES:
            r.num_pages = 0;
            break;
        case OVERFLOW:
            r.iova = UINT64_MAX - 10;
            r.length = 100;
            break;
        case TOO_LONG:
            r.length = (FR_PAGES - 1) * RDO_PAGE_SIZE - (r.iova & 0xfff) + 1;
            break;
        case REMOTE_NO_LOCAL:
            r.access = RDO_ACCESS_REMOTE_WRITE;
            break;
        case BEYOND_MAX_ACCESS:
            r.key = RDO_MR_KEY(FR_INDEX + 2, 0x42);
            r.access = RDO_ACCESS_LOCAL_WRITE | RDO_ACCESS_REMOTE_WRITE;
            break;
        case OTHER_PD:
            r.key = key_other;
            break;
        case STILL_VALID:
            r.key = RDO_MR_KEY(FR_INDEX, 0x43);
            r.num_pages = FR_PAGES;
            break;
        case NOT_FAST_REG:
            r.key = a->mr_key;
            break;
        case NO_MR:
            r.key = RDO_MR_KEY(FR_INDEX + 9, 0);
            break;
        }
        memcpy(&w, &r, sizeof(w));
        pair_expect_refused(p, i, bad[i].what, w, RDO_CQE_REG_MR,
                            bad[i].status, bad[i].vendor_err, bad[i].cls);
    }
    (void)key_small;
    (void)key_ro;

    /* Nothing registered: the fresh keys name nothing. The valid MR still
     * serves B's WRITE, through its key, on a connection still in RTS. */
    {
        struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 0x300);
        struct rdo_sge sge = pair_sge_of(b, PAIR_SRC, 64);

        pair_fill(b, PAIR_SRC, 64, 33);
        w.remote_addr = fr.iova + 10;
        w.rkey = fr.key;
        pair_post_send(b, N_BAD, &w, &sge, 1, NULL);
        g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
        pair_expect_cqe(b, 0x300, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
        pair_region_check(b, PAIR_SRC, a, &fr, fr.iova + 10, 64);
    }

    /* LOCAL_INV of a key of another PD, and of a stale key: refused. */
    {
        uint32_t before = h->class_count[RDO_GE_LOCAL_INV_BAD_KEY];
        struct rdo_send_wqe w = rdo_wqe_local_inv(0x400, key_other);

        pair_connect(p, N_BAD + 1, RDO_QPT_RC, RDO_MTU_4096 - 2);
        pair_post_send(a, N_BAD + 1, &w, NULL, 0, NULL);
        g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
        pair_expect_cqe(a, 0x400, RDO_CQE_LOCAL_INV, RDO_WC_LOC_PROT_ERR);
        g_assert_cmpuint(h->class_count[RDO_GE_LOCAL_INV_BAD_KEY], ==, before + 1);
    }
    pair_free(p);
}

/* ALLOC_MR's own refusals. */
static void test_alloc_mr_cmd(void)
{
    Pair *p = pair_new(NULL);
    RdoPairSide *a = &p->s[0].rdo;
    struct rdo_cqp_cmd cmd;

    g_assert_cmpuint(rdo_pair_cmd(a, rdo_cmd_alloc_mr(60, 1, 0, 0, FR_ALL), NULL),
                     ==, RDO_CQP_BAD_PARAM);
    g_assert_cmpuint(rdo_pair_cmd(a, rdo_cmd_alloc_mr(60, 1, 0, FR_MAX + 1, FR_ALL),
                                  NULL), ==, RDO_CQP_BAD_PARAM);
    g_assert_cmpuint(rdo_pair_cmd(a, rdo_cmd_alloc_mr(60, 1, 0, 16, 0x100), NULL),
                     ==, RDO_CQP_BAD_PARAM);
    g_assert_cmpuint(rdo_pair_cmd(a, rdo_cmd_alloc_mr(60, 1, 99, 16, FR_ALL), NULL),
                     ==, RDO_CQP_NOT_FOUND);
    g_assert_cmpuint(rdo_pair_cmd(a, rdo_cmd_alloc_mr(1, 1, 0, 16, FR_ALL), NULL),
                     ==, RDO_CQP_EXISTS);
    g_assert_cmpuint(rdo_pair_cmd(a, rdo_cmd_alloc_mr(1u << 30, 1, 0, 16, FR_ALL),
                                  NULL), ==, RDO_CQP_BAD_INDEX);
    cmd = rdo_cmd_alloc_mr(60, 1, 0, 16, FR_ALL);
    cmd.u.alloc_mr.reserved1 = 1;
    g_assert_cmpuint(rdo_pair_cmd(a, cmd, NULL), ==, RDO_CQP_BAD_RESERVED);
    rdo_pair_cmd_ok(a, rdo_cmd_alloc_mr(60, 1, 0, 16, FR_ALL));
    /* The PD is in use while it holds the MR; DEREG_MR frees it. */
    g_assert_cmpuint(rdo_pair_cmd(a, rdo_cmd_new(RDO_CMD_DESTROY_PD, 0), NULL),
                     ==, RDO_CQP_IN_USE);
    rdo_pair_cmd_ok(a, rdo_cmd_new(RDO_CMD_DEREG_MR, 60));
    rdo_pair_cmd_ok(a, rdo_cmd_alloc_mr(60, 2, 0, 16, FR_ALL));
    pair_free(p);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/datapath/fast-reg/round-trip", test_fast_reg);
    g_test_add_func("/datapath/fast-reg/order", test_fast_reg_order);
    g_test_add_func("/datapath/fast-reg/fence", test_fast_reg_fence);
    g_test_add_func("/datapath/fast-reg/bad", test_fast_reg_bad);
    g_test_add_func("/datapath/fast-reg/alloc-mr", test_alloc_mr_cmd);
    return g_test_run();
}
