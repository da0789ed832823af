/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory windows between two adapter cores back to back: ALLOC_MW, the
 * BIND_MW work request over an MR of scattered pages, WRITE, READ and
 * atomics from the peer through the window's rkey (its range and rights,
 * translated through the MR), type 2's one QP, type 1's rebinding and
 * unbinding, LOCAL_INV and SEND_WITH_INV, DEALLOC_MW, the MR held while
 * windows are bound, and every refused bind.
 */
#include <string.h>
#include "test-pair.h"

#define MW_MR       60          /* MRs windows bind to: 60.. */
#define MW_WIN      70          /* windows: 70.. */
#define MW_REMOTE   RDO_ACCESS_REMOTE
#define MW_MR_ALL   (RDO_ACCESS_LOCAL_WRITE | RDO_ACCESS_REMOTE | \
                     RDO_ACCESS_MW_BIND)

/* An MR (REG_MR command) over scattered pages of side s. */
static void mw_region(PairSide *s, PairRegion *r, uint32_t index, uint8_t key,
                      uint32_t pdn, uint16_t access)
{
    struct rdo_cqp_cmd cmd;
    uint32_t result = 0;

    pair_region_pages(s, r);
    cmd = rdo_cmd_reg_mr(index, key, pdn, r->iova, r->length, r->list,
                         PAIR_REGION_PAGES);
    cmd.u.reg_mr.access = access;
    g_assert_cmpuint(rdo_pair_cmd(&s->rdo, cmd, &result), ==, RDO_CQP_OK);
    r->key = result;
}

static uint32_t mw_alloc(PairSide *s, uint32_t index, uint8_t key,
                         uint32_t pdn, uint8_t type)
{
    uint32_t result = 0;

    g_assert_cmpuint(rdo_pair_cmd(&s->rdo, rdo_cmd_alloc_mw(index, key, pdn,
                                                            type),
                                  &result), ==, RDO_CQP_OK);
    g_assert_cmphex(result, ==, RDO_MR_KEY(index, key));
    return result;
}

/*
 * Side `who` binds window mw_key on its slot i to [addr, addr + len) of
 * region r with tag `tag`; checks the completion's status. The new key.
 */
static uint32_t mw_bind(Pair *p, int who, int i, uint32_t mw_key, uint8_t tag,
                        const PairRegion *r, uint64_t addr, uint64_t len,
                        uint16_t access, uint8_t status)
{
    PairSide *s = &p->s[who];
    struct rdo_send_wqe w = rdo_wqe_bind_mw(0xb00 + i, mw_key, tag, r->key,
                                            addr, len, access);

    pair_post_send(s, i, &w, NULL, 0, NULL);
    g_assert_true(pair_run_cqes(p, who, 1, PAIR_SEC));
    pair_expect_cqe(s, 0xb00 + i, RDO_CQE_BIND_MW, status);
    return RDO_MR_KEY(RDO_MR_KEY_INDEX(mw_key), tag);
}

/* A's RDMA `op` on slot i, len bytes between its MR at `local` and va
 * through rkey; the completion's status. */
static uint8_t mw_rdma(Pair *p, int i, uint8_t op, uint32_t rkey, uint64_t va,
                       uint64_t local, uint32_t len)
{
    PairSide *a = &p->s[0];
    struct rdo_send_wqe w = rdo_wqe(op, 0xa00 + i);
    struct rdo_sge sge = pair_sge_of(a, local, len);
    struct rdo_cqe e;

    w.remote_addr = va;
    w.rkey = rkey;
    w.compare_add = 5;
    pair_post_send(a, i, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    e = pair_poll(a);
    g_assert_cmphex(e.wr_id, ==, 0xa00 + i);
    return e.status;
}

/* Bytes i of [va, va + len) of B's region get the pattern of `seed`. */
static void mw_fill(PairSide *b, const PairRegion *r, uint64_t va,
                    uint32_t len, uint32_t seed)
{
    for (uint32_t i = 0; i < len; i++) {
        *pair_region_ptr(b, r, va + i) = rdo_pattern_byte(i, seed);
    }
}

/*
 * Type 2: B binds a window on its QP of slot 0 to 5 scattered pages of an
 * MR at an unaligned address; A's WRITE (across pages), READ and
 * FETCH_ADD through it land byte-exact; a window with READ only refuses a
 * WRITE; another QP of B's PD may not use it; LOCAL_INV frees it (the
 * key then fails); bound again with a new tag, A's SEND with invalidate
 * frees it (B's receive completion carries the key); a last binding
 * refuses one byte past its end although the MR goes on.
 */
static void test_mw_type2(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    const uint32_t len = 3 * RDO_PAGE_SIZE + 333;
    uint64_t win, win_len = 5 * RDO_PAGE_SIZE + 77, va, orig;
    uint32_t k1, k2, kr;
    struct rdo_send_wqe w;
    struct rdo_sge sge;
    struct rdo_cqe e;
    PairRegion r;

    pair_capture(p, "mw-type2");
    for (int i = 0; i < 8; i++) {
        pair_connect(p, i, RDO_QPT_RC, RDO_MTU_4096 - 2);
    }
    mw_region(b, &r, MW_MR, 0x10, 0, MW_MR_ALL);
    win = r.iova + 0x800;
    k1 = mw_alloc(b, MW_WIN, 0x20, 0, RDO_MW_TYPE_2);
    k1 = mw_bind(p, 1, 0, k1, 0x21, &r, win, win_len, MW_REMOTE,
                 RDO_WC_SUCCESS);
    g_assert_cmphex(k1, ==, RDO_MR_KEY(MW_WIN, 0x21));

    /* WRITE, READ and FETCH_ADD through the window from its QP's peer. */
    pair_fill(a, PAIR_SRC, len, 41);
    g_assert_cmpuint(mw_rdma(p, 0, RDO_WR_RDMA_WRITE, k1, win + 9, PAIR_SRC,
                             len), ==, RDO_WC_SUCCESS);
    pair_region_check(a, PAIR_SRC, b, &r, win + 9, len);
    va = win + win_len - 5000;
    mw_fill(b, &r, va, 5000, 42);
    g_assert_cmpuint(mw_rdma(p, 0, RDO_WR_RDMA_READ, k1, va, PAIR_DST, 5000),
                     ==, RDO_WC_SUCCESS);
    pair_region_check(a, PAIR_DST, b, &r, va, 5000);
    va = (win + 2 * RDO_PAGE_SIZE + 100) & ~7ull;
    orig = 1000;
    memcpy(pair_region_ptr(b, &r, va), &orig, 8);
    g_assert_cmpuint(mw_rdma(p, 0, RDO_WR_ATOMIC_FETCH_ADD, k1, va,
                             PAIR_DST + 8192, 8), ==, RDO_WC_SUCCESS);
    memcpy(&orig, pair_mr_ptr(a, PAIR_DST + 8192), 8);
    g_assert_cmpuint(orig, ==, 1000);
    memcpy(&orig, pair_region_ptr(b, &r, va), 8);
    g_assert_cmpuint(orig, ==, 1005);

    /* Slot 1: another QP of the PD may not use a type-2 window. */
    g_assert_cmpuint(mw_rdma(p, 1, RDO_WR_RDMA_WRITE, k1, win, PAIR_SRC, 16),
                     ==, RDO_WC_REM_ACCESS_ERR);

    /* Slot 2: a window with READ only. */
    kr = mw_alloc(b, MW_WIN + 1, 0x30, 0, RDO_MW_TYPE_2);
    kr = mw_bind(p, 1, 2, kr, 0x31, &r, r.iova, r.length,
                 RDO_ACCESS_REMOTE_READ, RDO_WC_SUCCESS);
    g_assert_cmpuint(mw_rdma(p, 2, RDO_WR_RDMA_READ, kr, r.iova, PAIR_DST, 64),
                     ==, RDO_WC_SUCCESS);
    g_assert_cmpuint(mw_rdma(p, 2, RDO_WR_RDMA_WRITE, kr, r.iova, PAIR_SRC, 64),
                     ==, RDO_WC_REM_ACCESS_ERR);

    /* LOCAL_INV on the window's QP; A's next WRITE fails. */
    w = rdo_wqe_local_inv(0x105, k1);
    pair_post_send(b, 0, &w, NULL, 0, NULL);
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    pair_expect_cqe(b, 0x105, RDO_CQE_LOCAL_INV, RDO_WC_SUCCESS);
    g_assert_cmpuint(mw_rdma(p, 0, RDO_WR_RDMA_WRITE, k1, win, PAIR_SRC, 16),
                     ==, RDO_WC_REM_ACCESS_ERR);

    /* Free again: bound on slot 3 with a new tag; not free, it cannot be
     * bound again (slot 4 fails). */
    k2 = mw_bind(p, 1, 3, k1, 0x22, &r, win, win_len, MW_REMOTE,
                 RDO_WC_SUCCESS);
    mw_bind(p, 1, 4, k2, 0x23, &r, win, win_len, MW_REMOTE,
            RDO_WC_MW_BIND_ERR);
    g_assert_cmpuint(b->d->h->class_count[RDO_GE_MW_BIND_BOUND], ==, 1);

    /* A SEND with invalidate from the peer of another QP (slot 5): refused. */
    sge = pair_sge_of(a, PAIR_SRC, 10);
    pair_post_recv(b, 5, 0x201, PAIR_DST, 4096);
    w = rdo_wqe(RDO_WR_SEND_INV, 0x109);
    w.imm_or_rkey = k2;
    pair_post_send(a, 5, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    e = pair_poll(b);
    g_assert_cmphex(e.wr_id, ==, 0x201);
    g_assert_cmpuint(e.status, ==, RDO_WC_LOC_PROT_ERR);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x109, RDO_CQE_SEND, RDO_WC_REM_INV_REQ_ERR);

    /* From the peer of its QP: B's receive completion carries the key. */
    pair_post_recv(b, 3, 0x202, PAIR_DST, 4096);
    w.wr_id = 0x10a;
    pair_post_send(a, 3, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    e = pair_poll(b);
    g_assert_cmphex(e.wr_id, ==, 0x202);
    g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
    g_assert_true(e.flags & RDO_CQE_F_INV);
    g_assert_cmphex(e.imm_or_rkey, ==, k2);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x10a, RDO_CQE_SEND, RDO_WC_SUCCESS);
    g_assert_cmpuint(mw_rdma(p, 3, RDO_WR_RDMA_WRITE, k2, win, PAIR_SRC, 16),
                     ==, RDO_WC_REM_ACCESS_ERR);

    /* Bound on slot 7: its last byte is in, the next one (in the MR) out. */
    k1 = mw_bind(p, 1, 7, k2, 0x23, &r, win, win_len, MW_REMOTE,
                 RDO_WC_SUCCESS);
    pair_fill(a, PAIR_SRC, 64, 43);
    g_assert_cmpuint(mw_rdma(p, 7, RDO_WR_RDMA_WRITE, k1, win + win_len - 64,
                             PAIR_SRC, 64), ==, RDO_WC_SUCCESS);
    pair_region_check(a, PAIR_SRC, b, &r, win + win_len - 64, 64);
    g_assert_cmpuint(mw_rdma(p, 7, RDO_WR_RDMA_WRITE, k1, win + win_len - 63,
                             PAIR_SRC, 64), ==, RDO_WC_REM_ACCESS_ERR);
    pair_free(p);
}

/*
 * Type 1: bound by B's slot 0, used by A on two QPs; bound again (without
 * an unbind) by another QP to another range with READ only: the old key
 * fails, the new one reads and refuses WRITE; LOCAL_INV of a type-1
 * window and a SEND with invalidate naming it are refused and leave it
 * bound; a zero-length bind unbinds it.
 */
static void test_mw_type1(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    uint64_t win, win2;
    uint32_t k1, k2, k3;
    struct rdo_send_wqe w;
    struct rdo_sge sge;
    struct rdo_cqe e;
    PairRegion r;

    for (int i = 0; i < 6; i++) {
        pair_connect(p, i, RDO_QPT_RC, RDO_MTU_4096 - 2);
    }
    mw_region(b, &r, MW_MR, 0x10, 0, MW_MR_ALL);
    win = r.iova + 0x100;
    win2 = r.iova + 4 * RDO_PAGE_SIZE + 0x10;
    k1 = mw_alloc(b, MW_WIN, 0x30, 0, RDO_MW_TYPE_1);
    k1 = mw_bind(p, 1, 0, k1, 0x31, &r, win, 2 * RDO_PAGE_SIZE,
                 RDO_ACCESS_REMOTE_WRITE | RDO_ACCESS_REMOTE_READ |
                 RDO_ACCESS_LOCAL_WRITE, RDO_WC_SUCCESS);
    pair_fill(a, PAIR_SRC, 2 * RDO_PAGE_SIZE, 51);
    g_assert_cmpuint(mw_rdma(p, 0, RDO_WR_RDMA_WRITE, k1, win, PAIR_SRC,
                             RDO_PAGE_SIZE + 5), ==, RDO_WC_SUCCESS);
    g_assert_cmpuint(mw_rdma(p, 1, RDO_WR_RDMA_WRITE, k1, win + 4096 + 5,
                             PAIR_SRC + 4096 + 5, 4096 - 5),
                     ==, RDO_WC_SUCCESS);
    pair_region_check(a, PAIR_SRC, b, &r, win, 2 * RDO_PAGE_SIZE);

    /* Bound again by slot 2 elsewhere, READ only. */
    k2 = mw_bind(p, 1, 2, k1, 0x32, &r, win2, RDO_PAGE_SIZE,
                 RDO_ACCESS_REMOTE_READ, RDO_WC_SUCCESS);
    g_assert_cmpuint(mw_rdma(p, 0, RDO_WR_RDMA_WRITE, k1, win, PAIR_SRC, 8),
                     ==, RDO_WC_REM_ACCESS_ERR);
    mw_fill(b, &r, win2, RDO_PAGE_SIZE, 52);
    g_assert_cmpuint(mw_rdma(p, 1, RDO_WR_RDMA_READ, k2, win2, PAIR_DST,
                             RDO_PAGE_SIZE), ==, RDO_WC_SUCCESS);
    pair_region_check(a, PAIR_DST, b, &r, win2, RDO_PAGE_SIZE);
    g_assert_cmpuint(mw_rdma(p, 1, RDO_WR_RDMA_WRITE, k2, win2, PAIR_SRC, 8),
                     ==, RDO_WC_REM_ACCESS_ERR);

    /* LOCAL_INV of a type-1 window: refused (IBA o10-37.2.26). */
    w = rdo_wqe_local_inv(0x301, k2);
    pair_post_send(b, 3, &w, NULL, 0, NULL);
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    e = pair_poll(b);
    g_assert_cmphex(e.wr_id, ==, 0x301);
    g_assert_cmpuint(e.status, ==, RDO_WC_LOC_QP_OP_ERR);
    g_assert_cmpuint(b->d->h->class_count[RDO_GE_MW_INV_TYPE1], ==, 1);
    /* And a SEND with invalidate naming it. */
    pair_post_recv(b, 4, 0x302, PAIR_DST, 4096);
    w = rdo_wqe(RDO_WR_SEND_INV, 0x303);
    w.imm_or_rkey = k2;
    sge = pair_sge_of(a, PAIR_SRC, 10);
    pair_post_send(a, 4, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x303, RDO_CQE_SEND, RDO_WC_REM_INV_REQ_ERR);
    e = pair_poll(b);
    g_assert_cmphex(e.wr_id, ==, 0x302);
    g_assert_cmpuint(e.status, ==, RDO_WC_LOC_PROT_ERR);
    g_assert_cmpuint(mw_rdma(p, 5, RDO_WR_RDMA_READ, k2, win2, PAIR_DST, 64),
                     ==, RDO_WC_SUCCESS);

    /* Length 0: unbound; the key (with its new tag) gives nothing. */
    k3 = mw_bind(p, 1, 2, k2, 0x33, &r, 0, 0, 0, RDO_WC_SUCCESS);
    g_assert_cmpuint(mw_rdma(p, 5, RDO_WR_RDMA_READ, k3, win2, PAIR_DST, 64),
                     ==, RDO_WC_REM_ACCESS_ERR);
    /* Unbound, the MR goes: nothing holds it. */
    rdo_pair_cmd_ok(&b->rdo, rdo_cmd_new(RDO_CMD_DEREG_MR, MW_MR));
    pair_free(p);
}

/*
 * Every bad BIND_MW: each fails its QP with MW_BIND_ERR and its own
 * guest-error class, binds nothing, and the device goes on serving every
 * other QP.
 */
static void test_mw_bad(void)
{
    enum { NO_BIND_RIGHT, BEFORE_MR, PAST_MR, WRITE_NO_LOCAL, ATOMIC_NO_LOCAL,
           UNKNOWN_RIGHT, MW_OTHER_PD, MR_OTHER_PD, BOUND, ZERO_LEN_TYPE2,
           NO_MW, STALE_MW_KEY, MW_AS_MR, MR_AS_MW, STALE_MR_KEY, N_BAD };
    static const struct {
        const char *what;
        enum rdo_guest_err cls;
        uint32_t vendor_err;
    } bad[N_BAD] = {
        [NO_BIND_RIGHT] = { "MR without MW_BIND", RDO_GE_MW_BIND_NO_RIGHT,
                            RDO_VENDOR_ERR_FAST_REG },
        [BEFORE_MR] = { "starts before the MR", RDO_GE_MW_BIND_BAD_RANGE,
                        RDO_VENDOR_ERR_FAST_REG },
        [PAST_MR] = { "ends past the MR", RDO_GE_MW_BIND_BAD_RANGE,
                      RDO_VENDOR_ERR_FAST_REG },
        [WRITE_NO_LOCAL] = { "remote write, MR without local write",
                             RDO_GE_MW_BIND_BAD_ACCESS,
                             RDO_VENDOR_ERR_FAST_REG },
        [ATOMIC_NO_LOCAL] = { "atomic, MR without local write",
                              RDO_GE_MW_BIND_BAD_ACCESS,
                              RDO_VENDOR_ERR_FAST_REG },
        [UNKNOWN_RIGHT] = { "a right a window cannot have",
                            RDO_GE_MW_BIND_BAD_ACCESS,
                            RDO_VENDOR_ERR_FAST_REG },
        [MW_OTHER_PD] = { "window of another PD", RDO_GE_MW_BIND_BAD_MW,
                          RDO_VENDOR_ERR_BAD_KEY },
        [MR_OTHER_PD] = { "MR of another PD", RDO_GE_MW_BIND_BAD_MR,
                          RDO_VENDOR_ERR_BAD_KEY },
        [BOUND] = { "type 2 already bound", RDO_GE_MW_BIND_BOUND,
                    RDO_VENDOR_ERR_FAST_REG },
        [ZERO_LEN_TYPE2] = { "type 2 with length 0", RDO_GE_MW_BIND_BAD_RANGE,
                             RDO_VENDOR_ERR_FAST_REG },
        [NO_MW] = { "no window", RDO_GE_MW_BIND_BAD_MW,
                    RDO_VENDOR_ERR_BAD_KEY },
        [STALE_MW_KEY] = { "window key with another tag",
                           RDO_GE_MW_BIND_BAD_MW, RDO_VENDOR_ERR_BAD_KEY },
        [MW_AS_MR] = { "a window as the MR", RDO_GE_MW_BIND_BAD_MR,
                       RDO_VENDOR_ERR_BAD_KEY },
        [MR_AS_MW] = { "an MR as the window", RDO_GE_MW_BIND_BAD_MW,
                       RDO_VENDOR_ERR_BAD_KEY },
        [STALE_MR_KEY] = { "MR key with another tag", RDO_GE_MW_BIND_BAD_MR,
                           RDO_VENDOR_ERR_BAD_KEY },
    };
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    TestHost *h = a->d->h;
    PairRegion r, r_nobind, r_nolocal, r_other;
    uint32_t k_bound, k_free, k_other;

    mw_region(a, &r, MW_MR, 0x10, 0, MW_MR_ALL);
    mw_region(a, &r_nobind, MW_MR + 1, 0x11, 0,
              RDO_ACCESS_LOCAL_WRITE | RDO_ACCESS_REMOTE);
    mw_region(a, &r_nolocal, MW_MR + 2, 0x12, 0,
              RDO_ACCESS_REMOTE_READ | RDO_ACCESS_MW_BIND);
    rdo_pair_cmd_ok(&a->rdo, rdo_cmd_create_pd(7, 0));
    mw_region(a, &r_other, MW_MR + 3, 0x13, 7, MW_MR_ALL);
    k_bound = mw_alloc(a, MW_WIN, 0x20, 0, RDO_MW_TYPE_2);
    k_free = mw_alloc(a, MW_WIN + 1, 0x21, 0, RDO_MW_TYPE_2);
    k_other = mw_alloc(a, MW_WIN + 2, 0x22, 7, RDO_MW_TYPE_1);
    pair_connect(p, N_BAD, RDO_QPT_RC, RDO_MTU_4096 - 2);
    k_bound = mw_bind(p, 0, N_BAD, k_bound, 0x23, &r, r.iova, r.length,
                      MW_REMOTE, RDO_WC_SUCCESS);

    for (int i = 0; i < N_BAD; i++) {
        struct rdo_send_wqe w = rdo_wqe_bind_mw(0x100 + i, k_free, 0x24,
                                                r.key, r.iova + 8, 4096,
                                                RDO_ACCESS_REMOTE_WRITE);
        struct rdo_bind_mw_wqe m;

        memcpy(&m, &w, sizeof(m));
        switch (i) {
        case NO_BIND_RIGHT:
            m.mr_key = r_nobind.key;
            m.addr = r_nobind.iova;
            break;
        case BEFORE_MR:
            m.addr = r.iova - 1;
            break;
        case PAST_MR:
            m.length = r.length - 7;
            break;
        case WRITE_NO_LOCAL:
            m.mr_key = r_nolocal.key;
            m.addr = r_nolocal.iova;
            break;
        case ATOMIC_NO_LOCAL:
            m.mr_key = r_nolocal.key;
            m.addr = r_nolocal.iova;
            m.access = RDO_ACCESS_REMOTE_ATOMIC | RDO_ACCESS_REMOTE_READ;
            break;
        case UNKNOWN_RIGHT:
            m.access |= RDO_ACCESS_MW_BIND;
            break;
        case MW_OTHER_PD:
            m.mw_key = k_other;
            break;
        case MR_OTHER_PD:
            m.mr_key = r_other.key;
            m.addr = r_other.iova;
            break;
        case BOUND:
            m.mw_key = k_bound;
            break;
        case ZERO_LEN_TYPE2:
            m.length = 0;
            break;
        case NO_MW:
            m.mw_key = RDO_MR_KEY(MW_WIN + 9, 0);
            break;
        case STALE_MW_KEY:
            m.mw_key = k_free ^ 1;
            break;
        case MW_AS_MR:
            m.mr_key = k_bound;
            break;
        case MR_AS_MW:
            m.mw_key = r.key;
            break;
        case STALE_MR_KEY:
            m.mr_key = r.key ^ 1;
            break;
        }
        memcpy(&w, &m, sizeof(w));
        pair_expect_refused(p, i, bad[i].what, w, RDO_CQE_BIND_MW,
                            RDO_WC_MW_BIND_ERR, bad[i].vendor_err, bad[i].cls);
    }

    /* Nothing was bound: the free window binds now, and B writes through
     * it; the bound one still serves B. */
    pair_connect(p, N_BAD + 1, RDO_QPT_RC, RDO_MTU_4096 - 2);
    k_free = mw_bind(p, 0, N_BAD + 1, k_free, 0x25, &r, r.iova + 8, 4096,
                     RDO_ACCESS_REMOTE_WRITE, RDO_WC_SUCCESS);
    for (int k = 0; k < 2; k++) {
        int slot = k ? N_BAD : N_BAD + 1;
        struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 0x300 + k);
        struct rdo_sge sge = pair_sge_of(b, PAIR_SRC, 100);

        pair_fill(b, PAIR_SRC, 100, 60 + k);
        w.remote_addr = r.iova + 8 + 3000;
        w.rkey = k ? k_bound : k_free;
        pair_post_send(b, slot, &w, &sge, 1, NULL);
        g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
        pair_expect_cqe(b, 0x300 + k, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
        pair_region_check(b, PAIR_SRC, a, &r, r.iova + 8 + 3000, 100);
    }

    /* A window's key is no lkey: A's SEND gathering through it fails. */
    {
        uint32_t before = h->class_count[RDO_GE_WQE_BAD_KEY];
        struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, 0x400);
        struct rdo_sge sge = rdo_sge(r.iova + 8, 16, k_free);

        pair_connect(p, N_BAD + 2, RDO_QPT_RC, RDO_MTU_4096 - 2);
        pair_post_send(a, N_BAD + 2, &w, &sge, 1, NULL);
        g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
        pair_expect_cqe(a, 0x400, RDO_CQE_SEND, RDO_WC_LOC_PROT_ERR);
        g_assert_cmpuint(h->class_count[RDO_GE_WQE_BAD_KEY], ==, before + 1);
    }
    pair_free(p);
}

/*
 * The commands: ALLOC_MW's refusals, windows and MRs not freed by each
 * other's command, the PD held by a window, DEREG_MR refused while a
 * window is bound to the MR, DEALLOC_MW of a bound window (the key stops
 * working at once, the MR is free), QUERY_DEVICE's window limits, and a
 * BIND_MW right behind the ALLOC_MW of its window in the same batch.
 */
static void test_mw_cmd(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    RdoPairSide *s = &b->rdo;
    uint64_t attr_addr = td_alloc(b->d, sizeof(struct rdo_device_attr), 64);
    struct rdo_device_attr attr;
    struct rdo_cqp_cmd cmd;
    uint32_t k;
    PairRegion r;

    g_assert_cmpuint(rdo_pair_cmd(s, rdo_cmd_query(RDO_CMD_QUERY_DEVICE, 0,
                                                   attr_addr), NULL),
                     ==, RDO_CQP_OK);
    memcpy(&attr, td_ptr(b->d, attr_addr), sizeof(attr));
    g_assert_cmpuint(attr.max_mw, ==, attr.max_mr);
    g_assert_cmphex(attr.mw_types, ==, RDO_DEV_MW_TYPE_1 | RDO_DEV_MW_TYPE_2B);

    g_assert_cmpuint(rdo_pair_cmd(s, rdo_cmd_alloc_mw(MW_WIN, 1, 0, 0), NULL),
                     ==, RDO_CQP_BAD_PARAM);
    g_assert_cmpuint(rdo_pair_cmd(s, rdo_cmd_alloc_mw(MW_WIN, 1, 0, 3), NULL),
                     ==, RDO_CQP_BAD_PARAM);
    g_assert_cmpuint(rdo_pair_cmd(s, rdo_cmd_alloc_mw(MW_WIN, 1, 99,
                                                      RDO_MW_TYPE_1), NULL),
                     ==, RDO_CQP_NOT_FOUND);
    g_assert_cmpuint(rdo_pair_cmd(s, rdo_cmd_alloc_mw(1, 1, 0, RDO_MW_TYPE_1),
                                  NULL), ==, RDO_CQP_EXISTS);
    g_assert_cmpuint(rdo_pair_cmd(s, rdo_cmd_alloc_mw(1u << 30, 1, 0,
                                                      RDO_MW_TYPE_1), NULL),
                     ==, RDO_CQP_BAD_INDEX);
    cmd = rdo_cmd_alloc_mw(MW_WIN, 1, 0, RDO_MW_TYPE_1);
    cmd.u.alloc_mw.reserved1[1] = 1;
    g_assert_cmpuint(rdo_pair_cmd(s, cmd, NULL), ==, RDO_CQP_BAD_RESERVED);

    /* A window holds its PD; MR and window commands do not cross. */
    rdo_pair_cmd_ok(s, rdo_cmd_create_pd(7, 0));
    mw_alloc(b, MW_WIN, 1, 7, RDO_MW_TYPE_1);
    g_assert_cmpuint(rdo_pair_cmd(s, rdo_cmd_new(RDO_CMD_DESTROY_PD, 7), NULL),
                     ==, RDO_CQP_IN_USE);
    g_assert_cmpuint(rdo_pair_cmd(s, rdo_cmd_new(RDO_CMD_DEREG_MR, MW_WIN),
                                  NULL), ==, RDO_CQP_NOT_FOUND);
    g_assert_cmpuint(rdo_pair_cmd(s, rdo_cmd_new(RDO_CMD_DEALLOC_MW,
                                                 RDO_MR_KEY_INDEX(b->mr_key)),
                                  NULL), ==, RDO_CQP_NOT_FOUND);
    rdo_pair_cmd_ok(s, rdo_cmd_new(RDO_CMD_DEALLOC_MW, MW_WIN));
    g_assert_cmpuint(rdo_pair_cmd(s, rdo_cmd_new(RDO_CMD_DEALLOC_MW, MW_WIN),
                                  NULL), ==, RDO_CQP_NOT_FOUND);
    rdo_pair_cmd_ok(s, rdo_cmd_new(RDO_CMD_DESTROY_PD, 7));

    /* A bound window holds its MR; DEALLOC_MW frees both. */
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_connect(p, 1, RDO_QPT_RC, RDO_MTU_4096 - 2);
    mw_region(b, &r, MW_MR, 0x10, 0, MW_MR_ALL);
    k = mw_alloc(b, MW_WIN, 0x40, 0, RDO_MW_TYPE_2);
    k = mw_bind(p, 1, 0, k, 0x41, &r, r.iova, r.length, MW_REMOTE,
                RDO_WC_SUCCESS);
    g_assert_cmpuint(rdo_pair_cmd(s, rdo_cmd_new(RDO_CMD_DEREG_MR, MW_MR), NULL),
                     ==, RDO_CQP_IN_USE);
    /* Nor may REREG_MR change what a bound window stands on; nor name a window. */
    cmd = rdo_cmd_new(RDO_CMD_REREG_MR, MW_MR);
    cmd.u.rereg_mr.mask = RDO_REREG_ACCESS;
    cmd.u.rereg_mr.access = RDO_ACCESS_LOCAL_WRITE;
    g_assert_cmpuint(rdo_pair_cmd(s, cmd, NULL), ==, RDO_CQP_IN_USE);
    cmd.obj = MW_WIN;
    g_assert_cmpuint(rdo_pair_cmd(s, cmd, NULL), ==, RDO_CQP_NOT_FOUND);
    pair_fill(a, PAIR_SRC, 256, 71);
    g_assert_cmpuint(mw_rdma(p, 0, RDO_WR_RDMA_WRITE, k, r.iova + 4000,
                             PAIR_SRC, 256), ==, RDO_WC_SUCCESS);
    pair_region_check(a, PAIR_SRC, b, &r, r.iova + 4000, 256);
    rdo_pair_cmd_ok(s, rdo_cmd_new(RDO_CMD_DEALLOC_MW, MW_WIN));
    g_assert_cmpuint(mw_rdma(p, 0, RDO_WR_RDMA_WRITE, k, r.iova + 4000,
                             PAIR_SRC, 256), ==, RDO_WC_REM_ACCESS_ERR);
    rdo_pair_cmd_ok(s, rdo_cmd_new(RDO_CMD_DEREG_MR, MW_MR));

    /*
     * The same index again, a type-1 window; the BIND_MW that names it is
     * posted before its ALLOC_MW: the window is pending when the WQE
     * reaches it, and the bind waits for the command.
     */
    mw_region(b, &r, MW_MR, 0x11, 0, MW_MR_ALL);
    {
        struct rdo_send_wqe w = rdo_wqe_bind_mw(0x500, RDO_MR_KEY(MW_WIN, 0x50),
                                                0x51, r.key, r.iova, 4096,
                                                RDO_ACCESS_REMOTE_READ);

        uint32_t stalls = pair_cnt(b, RDO_REG_CNT_MR_STALLS);

        pair_post_send(b, 1, &w, NULL, 0, NULL);
        mw_alloc(b, MW_WIN, 0x50, 0, RDO_MW_TYPE_1);
        g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
        pair_expect_cqe(b, 0x500, RDO_CQE_BIND_MW, RDO_WC_SUCCESS);
        g_assert_cmpuint(pair_cnt(b, RDO_REG_CNT_MR_STALLS), ==, stalls + 1);
    }
    mw_fill(b, &r, r.iova, 4096, 72);
    g_assert_cmpuint(mw_rdma(p, 1, RDO_WR_RDMA_READ, RDO_MR_KEY(MW_WIN, 0x51),
                             r.iova, PAIR_DST, 4096), ==, RDO_WC_SUCCESS);
    pair_region_check(a, PAIR_DST, b, &r, r.iova, 4096);
    pair_free(p);
}

/*
 * Order in a send queue: B binds a window and, in the same batch, SENDs
 * (as a ULP tells its peer the key); A, once it has the SEND, writes
 * through the key: the bind took effect before the SEND left. Behind a
 * READ still in flight, a fenced unbind (type 1, length 0) waits for the
 * READ's data.
 */
static void test_mw_order(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w;
    struct rdo_sge sge;
    uint32_t k, k0;
    PairRegion r;

    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_connect(p, 1, RDO_QPT_RC, RDO_MTU_4096 - 2);
    mw_region(b, &r, MW_MR, 0x10, 0, MW_MR_ALL);
    k = mw_alloc(b, MW_WIN, 0x60, 0, RDO_MW_TYPE_1);
    pair_post_recv(a, 0, 0x600, PAIR_DST, 4096);
    w = rdo_wqe_bind_mw(0x601, k, 0x61, r.key, r.iova, r.length,
                        RDO_ACCESS_REMOTE_WRITE);
    pair_post_send(b, 0, &w, NULL, 0, NULL);
    k = RDO_MR_KEY(MW_WIN, 0x61);
    w = rdo_wqe(RDO_WR_SEND, 0x602);
    sge = pair_sge_of(b, PAIR_SRC, 4);
    memcpy(pair_mr_ptr(b, PAIR_SRC), &k, 4);
    pair_post_send(b, 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 1, 2, PAIR_SEC));
    pair_expect_cqe(b, 0x601, RDO_CQE_BIND_MW, RDO_WC_SUCCESS);
    pair_expect_cqe(b, 0x602, RDO_CQE_SEND, RDO_WC_SUCCESS);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x600, RDO_CQE_RECV, RDO_WC_SUCCESS);
    memcpy(&k, pair_mr_ptr(a, PAIR_DST), 4);
    pair_fill(a, PAIR_SRC, 3000, 81);
    g_assert_cmpuint(mw_rdma(p, 0, RDO_WR_RDMA_WRITE, k, r.iova + 1000,
                             PAIR_SRC, 3000), ==, RDO_WC_SUCCESS);
    pair_region_check(a, PAIR_SRC, b, &r, r.iova + 1000, 3000);

    /* B READs 8 KiB from A into its region, then unbinds with FENCE. */
    pair_fill(a, PAIR_SRC, 8192, 82);
    w = rdo_wqe(RDO_WR_RDMA_READ, 0x603);
    sge = rdo_sge(r.iova + 50, 8192, r.key);
    w.remote_addr = PAIR_SRC;
    w.rkey = a->mr_key;
    pair_post_send(b, 1, &w, &sge, 1, NULL);
    w = rdo_wqe_bind_mw(0x604, k, 0x62, 0, 0, 0, 0);
    w.flags |= RDO_WQE_F_FENCE;
    pair_post_send(b, 1, &w, NULL, 0, NULL);
    g_assert_true(pair_run_cqes(p, 1, 2, PAIR_SEC));
    pair_expect_cqe(b, 0x603, RDO_CQE_RDMA_READ, RDO_WC_SUCCESS);
    pair_expect_cqe(b, 0x604, RDO_CQE_BIND_MW, RDO_WC_SUCCESS);
    for (uint32_t i = 0; i < 8192; i++) {
        g_assert_cmpuint(*pair_region_ptr(b, &r, r.iova + 50 + i), ==,
                         *pair_mr_ptr(a, PAIR_SRC + i));
    }
    k0 = RDO_MR_KEY(MW_WIN, 0x62);
    g_assert_cmpuint(mw_rdma(p, 1, RDO_WR_RDMA_WRITE, k0, r.iova, PAIR_SRC,
                             8), ==, RDO_WC_REM_ACCESS_ERR);
    pair_free(p);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/datapath/mw/type2", test_mw_type2);
    g_test_add_func("/datapath/mw/type1", test_mw_type1);
    g_test_add_func("/datapath/mw/bad", test_mw_bad);
    g_test_add_func("/datapath/mw/commands", test_mw_cmd);
    g_test_add_func("/datapath/mw/order", test_mw_order);
    return g_test_run();
}
