/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Verbs kernel consumers and rdma-core's tests rely on, between two adapter
 * cores back to back: the reserved local DMA key of kernel PDs, the port
 * counters (QUERY_COUNTERS), re-registration of an MR (REREG_MR), UD
 * multicast (ATTACH_MCAST, DETACH_MCAST).
 */
#include <string.h>
#include "test-pair.h"

/*
 * A buffer of three SGEs through the local DMA key over pages scattered in
 * a side's guest memory (out of order, every other page of a run) at
 * unaligned offsets, as a kernel consumer's DMA-mapped pages are.
 */
#define SC_PAGES    6

typedef struct Scatter {
    struct rdo_sge sge[3];
    uint32_t len;
} Scatter;

static void scatter_init(PairSide *s, Scatter *sc, uint32_t seed)
{
    uint64_t run = td_alloc(s->d, 2 * SC_PAGES * RDO_PAGE_SIZE, RDO_PAGE_SIZE);
    uint64_t pg[SC_PAGES];

    for (int i = 0; i < SC_PAGES; i++) {
        pg[i] = run + (uint64_t)(2 * (SC_PAGES - 1 - i)) * RDO_PAGE_SIZE;
    }
    /* The second SGE spans two pages that are adjacent in guest memory. */
    sc->sge[0] = rdo_sge(pg[1] + 0x123, 3001, RDO_LOCAL_DMA_LKEY);
    sc->sge[1] = rdo_sge(pg[4] - RDO_PAGE_SIZE + 0x81,
                         2 * RDO_PAGE_SIZE - 0x81 - 7, RDO_LOCAL_DMA_LKEY);
    sc->sge[2] = rdo_sge(pg[0] + 9, 1500, RDO_LOCAL_DMA_LKEY);
    sc->len = 0;
    for (int i = 0; i < 3; i++) {
        uint8_t *p = td_ptr(s->d, sc->sge[i].addr);

        for (uint32_t j = 0; j < sc->sge[i].length; j++) {
            p[j] = rdo_pattern_byte(sc->len + j, seed);
        }
        sc->len += sc->sge[i].length;
    }
}

/* Byte i of the scattered buffer. */
static uint8_t *scatter_ptr(PairSide *s, const Scatter *sc, uint32_t i)
{
    for (int k = 0; k < 3; k++) {
        if (i < sc->sge[k].length) {
            return td_ptr(s->d, sc->sge[k].addr + i);
        }
        i -= sc->sge[k].length;
    }
    g_assert_not_reached();
}

/* The scattered buffer holds the bytes at iova of the other side's MR. */
static void scatter_check(PairSide *s, const Scatter *sc, PairSide *o,
                          uint64_t iova)
{
    for (uint32_t i = 0; i < sc->len; i++) {
        if (*scatter_ptr(s, sc, i) != *pair_mr_ptr(o, iova + i)) {
            g_error("byte %u of %u differs", i, sc->len);
        }
    }
}

static uint32_t query_dma_lkey(PairSide *s)
{
    uint64_t out = td_alloc(s->d, sizeof(struct rdo_device_attr), 64);
    struct rdo_device_attr attr;

    g_assert_cmpuint(rdo_pair_cmd(&s->rdo, rdo_cmd_query(RDO_CMD_QUERY_DEVICE,
                                                         0, out), NULL),
                     ==, RDO_CQP_OK);
    memcpy(&attr, td_ptr(s->d, out), sizeof(attr));
    return attr.local_dma_lkey;
}

/* A WRITE or READ from side 0's QP slot `slot` (local SGEs sge) at va of
 * side 1 through rkey; it completes with `status`. */
static void rdma_one(Pair *p, int slot, uint8_t opcode,
                     const struct rdo_sge *sge, int num_sge, uint64_t va,
                     uint32_t rkey, uint8_t status)
{
    struct rdo_send_wqe w = rdo_wqe(opcode, 0x300 + slot * 16 + opcode);

    w.remote_addr = va;
    w.rkey = rkey;
    pair_post_send(&p->s[0], slot, &w, sge, num_sge, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(&p->s[0], w.wr_id, opcode == RDO_WR_RDMA_READ ?
                    RDO_CQE_RDMA_READ : RDO_CQE_RDMA_WRITE, status);
}

/*
 * Kernel PDs on both sides: SEND gathered through the local DMA key and
 * received into scattered pages through it, WRITE from scattered pages,
 * READ into them; byte-exact.
 */
static void test_dma_key_local(void)
{
    Pair *p = pair_new_kernel(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    Scatter src, dst;
    struct rdo_send_wqe w;
    struct rdo_sge sge;
    struct rdo_cqe e;

    pair_capture(p, "dma-key");
    g_assert_cmphex(query_dma_lkey(a), ==, RDO_LOCAL_DMA_LKEY);
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);     /* 1024 */
    scatter_init(a, &src, 31);
    scatter_init(b, &dst, 32);

    /* SEND: gathered from A's pages, scattered into B's. */
    pair_post_recv_sges(b, 0, 0x301, dst.sge, 3);
    w = rdo_wqe(RDO_WR_SEND, 0x302);
    pair_post_send(a, 0, &w, src.sge, 3, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x302, RDO_CQE_SEND, RDO_WC_SUCCESS);
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    e = pair_poll(b);
    g_assert_cmphex(e.wr_id, ==, 0x301);
    g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
    g_assert_cmpuint(e.byte_len, ==, src.len);
    for (uint32_t i = 0; i < src.len; i++) {
        g_assert_cmpuint(*scatter_ptr(b, &dst, i), ==, *scatter_ptr(a, &src, i));
    }

    /* WRITE from A's scattered pages into B's MR; READ back into them
     * from elsewhere (the key's write right). */
    rdma_one(p, 0, RDO_WR_RDMA_WRITE, src.sge, 3, PAIR_DST + 5, b->mr_key,
             RDO_WC_SUCCESS);
    scatter_check(a, &src, b, PAIR_DST + 5);
    pair_fill(b, PAIR_SRC + 3, src.len, 33);
    rdma_one(p, 0, RDO_WR_RDMA_READ, src.sge, 3, PAIR_SRC + 3, b->mr_key,
             RDO_WC_SUCCESS);
    scatter_check(a, &src, b, PAIR_SRC + 3);

    /* An SGE beyond guest memory: a local protection error, not a crash. */
    w = rdo_wqe(RDO_WR_SEND, 0x305);
    sge = rdo_sge(UINT64_MAX - 100, 64, RDO_LOCAL_DMA_LKEY);
    pair_post_recv(b, 0, 0x306, PAIR_DST, 4096);
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    e = pair_poll(a);
    g_assert_cmphex(e.wr_id, ==, 0x305);
    g_assert_cmpuint(e.status, !=, RDO_WC_SUCCESS);
    pair_free(p);
}

/*
 * The local DMA key is never an rkey: a peer's WRITE or READ through it
 * gets a remote access error and B's memory is untouched; neither
 * LOCAL_INV nor SEND with invalidate can invalidate it, and it keeps
 * working afterwards.
 */
static void test_dma_key_not_remote(void)
{
    Pair *p = pair_new_kernel(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    Scatter dst;
    uint8_t before[64];
    struct rdo_send_wqe w;
    struct rdo_sge sge;
    struct rdo_cqe e;

    for (int i = 0; i < 5; i++) {
        pair_connect(p, i, RDO_QPT_RC, RDO_MTU_4096 - 2);
    }
    scatter_init(b, &dst, 41);
    memcpy(before, td_ptr(b->d, dst.sge[0].addr), sizeof(before));
    pair_fill(a, PAIR_SRC, 64, 42);

    /* WRITE and READ with B's DMA key as rkey at a guest-physical address
     * of B. */
    sge = pair_sge_of(a, PAIR_SRC, 64);
    rdma_one(p, 0, RDO_WR_RDMA_WRITE, &sge, 1, dst.sge[0].addr,
             RDO_LOCAL_DMA_LKEY, RDO_WC_REM_ACCESS_ERR);
    g_assert_cmpmem(td_ptr(b->d, dst.sge[0].addr), sizeof(before), before,
                    sizeof(before));
    sge = pair_sge_of(a, PAIR_DST, 64);
    rdma_one(p, 1, RDO_WR_RDMA_READ, &sge, 1, dst.sge[0].addr,
             RDO_LOCAL_DMA_LKEY, RDO_WC_REM_ACCESS_ERR);

    /* LOCAL_INV of it: refused, a guest error. */
    w = rdo_wqe_local_inv(0x403, RDO_LOCAL_DMA_LKEY);
    pair_post_send(b, 2, &w, NULL, 0, NULL);
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    pair_expect_cqe(b, 0x403, RDO_CQE_LOCAL_INV, RDO_WC_LOC_PROT_ERR);
    g_assert_cmpuint(b->d->h->class_count[RDO_GE_LOCAL_INV_BAD_KEY], ==, 1);

    /* SEND with invalidate of it: B refuses the request. */
    pair_post_recv(b, 3, 0x404, PAIR_DST, 4096);
    w = rdo_wqe(RDO_WR_SEND_INV, 0x405);
    w.imm_or_rkey = RDO_LOCAL_DMA_LKEY;
    sge = pair_sge_of(a, PAIR_SRC, 16);
    pair_post_send(a, 3, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    e = pair_poll(a);
    g_assert_cmphex(e.wr_id, ==, 0x405);
    g_assert_cmpuint(e.status, !=, RDO_WC_SUCCESS);

    /* B's key still works on a fresh QP. */
    pair_post_recv_sges(b, 4, 0x406, dst.sge, 3);
    w = rdo_wqe(RDO_WR_SEND, 0x407);
    sge = pair_sge_of(a, PAIR_SRC, 64);
    pair_post_send(a, 4, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x407, RDO_CQE_SEND, RDO_WC_SUCCESS);
    g_assert_cmpmem(td_ptr(b->d, dst.sge[0].addr), 64, pair_mr_ptr(a, PAIR_SRC),
                    64);
    pair_free(p);
}

/*
 * A PD created without RDO_PD_F_KERNEL (a user-space PD) cannot use the
 * key: a send WQE gathering through it completes with a local protection
 * error (a guest error), a receive WQE scattering through it fails the
 * receive, and the memory is untouched. CREATE_PD refuses unknown flags.
 */
static void test_dma_key_user_pd(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    Scatter src, dst;
    uint8_t before[64];
    struct rdo_send_wqe w;
    struct rdo_sge sge;
    struct rdo_cqe e;
    struct rdo_cqp_cmd bad;

    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_connect(p, 1, RDO_QPT_RC, RDO_MTU_4096 - 2);
    scatter_init(a, &src, 51);
    scatter_init(b, &dst, 52);
    memcpy(before, td_ptr(b->d, dst.sge[0].addr), sizeof(before));

    pair_post_recv(b, 0, 0x501, PAIR_DST, 16384);
    w = rdo_wqe(RDO_WR_SEND, 0x502);
    pair_post_send(a, 0, &w, src.sge, 3, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    e = pair_poll(a);
    g_assert_cmphex(e.wr_id, ==, 0x502);
    g_assert_cmpuint(e.status, ==, RDO_WC_LOC_PROT_ERR);
    g_assert_cmpuint(e.vendor_err, ==, RDO_VENDOR_ERR_BAD_KEY);
    g_assert_cmpuint(a->d->h->class_count[RDO_GE_WQE_BAD_KEY], ==, 1);

    pair_post_recv_sges(b, 1, 0x503, dst.sge, 3);
    w = rdo_wqe(RDO_WR_SEND, 0x504);
    sge = pair_sge_of(a, PAIR_SRC, 64);
    pair_post_send(a, 1, &w, &sge, 1, NULL);
    /* A's QP 0 sent nothing: B's only completion is slot 1's receive. */
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    e = pair_poll(b);
    g_assert_cmphex(e.wr_id, ==, 0x503);
    g_assert_cmpuint(e.status, ==, RDO_WC_LOC_PROT_ERR);
    g_assert_cmpuint(e.vendor_err, ==, RDO_VENDOR_ERR_BAD_KEY);
    g_assert_cmpmem(td_ptr(b->d, dst.sge[0].addr), sizeof(before), before,
                    sizeof(before));

    bad = rdo_cmd_create_pd(9, RDO_BIT(1));
    g_assert_cmpuint(rdo_pair_cmd(&a->rdo, bad, NULL), ==, RDO_CQP_BAD_RESERVED);
    bad = rdo_cmd_create_pd(9, RDO_PD_F_KERNEL);
    bad.u.create_pd.reserved[2] = 1;
    g_assert_cmpuint(rdo_pair_cmd(&a->rdo, bad, NULL), ==, RDO_CQP_BAD_RESERVED);
    rdo_pair_cmd_ok(&a->rdo, rdo_cmd_create_pd(9, RDO_PD_F_KERNEL));
    pair_free(p);
}

/* The port counters of a side. */
static struct rdo_port_counters counters(PairSide *s)
{
    uint64_t out = td_alloc(s->d, sizeof(struct rdo_port_counters), 8);
    struct rdo_port_counters c;

    g_assert_cmpuint(rdo_pair_cmd(&s->rdo, rdo_cmd_query(RDO_CMD_QUERY_COUNTERS,
                                                         0, out), NULL),
                     ==, RDO_CQP_OK);
    memcpy(&c, td_ptr(s->d, out), sizeof(c));
    return c;
}

/* Each counter's change since `was`, in place. */
static void counters_delta(struct rdo_port_counters *now,
                           const struct rdo_port_counters *was)
{
    uint64_t *n = (uint64_t *)now;
    const uint64_t *w = (const uint64_t *)was;

    for (size_t i = 0; i < sizeof(*now) / 8; i++) {
        n[i] -= w[i];
    }
}

/* Corrupts (a payload byte: bad ICRC) or drops the nth frame side `from`
 * sends from now on. */
typedef struct Mangle {
    int from, nth, seen;
    bool drop;
} Mangle;

static bool mangle(Pair *p, int from, uint8_t *frame, size_t *len,
                   bool *again, void *opaque)
{
    Mangle *m = opaque;

    if (from != m->from || m->seen++ != m->nth) {
        return true;
    }
    if (m->drop) {
        return false;
    }
    frame[*len - 8] ^= 0x5a;
    return true;
}

/* A 4-packet WRITE from A (slot 0) to B, completed successfully. */
static void write_4k(Pair *p)
{
    struct rdo_sge sge = pair_sge_of(&p->s[0], PAIR_SRC, 4096);

    rdma_one(p, 0, RDO_WR_RDMA_WRITE, &sge, 1, PAIR_DST, p->s[1].mr_key,
             RDO_WC_SUCCESS);
}

/*
 * Known traffic moves the counters by known amounts: a 4-packet WRITE; the
 * same with its second packet corrupted (one ICRC error, one sequence NAK
 * each way, one go-back-N from it); with B's ACK dropped (a timeout, a
 * retransmission, a duplicate request); a SEND before any receive WQE (RNR
 * NAKs). The block is 64-bit and QUERY_COUNTERS checks its arguments.
 */
static void test_counters(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_port_counters a0, b0, da, db;
    Mangle m = { 0 };
    struct rdo_send_wqe w;
    struct rdo_sge sge;

    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);     /* 1024 */
    pair_fill(a, PAIR_SRC, 4096, 61);

#define SNAP() do { a0 = counters(a); b0 = counters(b); } while (0)
#define DELTA() do { da = counters(a); db = counters(b);                    \
                     counters_delta(&da, &a0); counters_delta(&db, &b0); } while (0)
    /* Clean: 4 requests, B's ACKs all reach A. */
    SNAP();
    write_4k(p);
    pair_run(p, PAIR_SEC / 100);
    DELTA();
    g_assert_cmpuint(da.tx_packets, ==, 4);
    g_assert_cmpuint(db.rx_packets, ==, 4);
    g_assert_cmpuint(db.acks_sent, >=, 1);
    g_assert_cmpuint(db.tx_packets, ==, db.acks_sent);
    g_assert_cmpuint(da.rx_packets, ==, db.acks_sent);
    g_assert_cmpuint(da.retransmits + db.rx_icrc_errors + db.naks_sent +
                     db.rx_drops + db.dup_requests, ==, 0);

    /* The second packet corrupted on the wire. */
    SNAP();
    m = (Mangle){ .from = 0, .nth = 1 };
    p->tamper = mangle;
    p->tamper_opaque = &m;
    write_4k(p);
    pair_run(p, PAIR_SEC / 100);
    DELTA();
    g_assert_cmpuint(db.rx_icrc_errors, ==, 1);
    g_assert_cmpuint(db.seq_naks_sent, ==, 1);
    g_assert_cmpuint(da.seq_naks_received, ==, 1);
    g_assert_cmpuint(da.naks_received, ==, 1);
    g_assert_cmpuint(db.naks_sent, ==, 1);
    g_assert_cmpuint(da.retransmits, ==, 1);
    g_assert_cmpuint(da.timeouts, ==, 0);
    /* Packets 3 and 4 arrived out of sequence and were dropped; 2..4 again. */
    g_assert_cmpuint(db.rx_drops, ==, 2);
    g_assert_cmpuint(da.tx_packets, ==, 4 + 3);
    g_assert_cmpuint(db.rx_packets, ==, 3 + 3);
    g_assert_cmpuint(db.dup_requests, ==, 0);
    pair_assert_same(a, PAIR_SRC, b, PAIR_DST, 4096);

    /* B's ACK of a one-packet WRITE lost: A times out and sends it again;
     * B answers the duplicate. */
    SNAP();
    m = (Mangle){ .from = 1, .nth = 0, .drop = true };
    sge = pair_sge_of(a, PAIR_SRC, 512);
    rdma_one(p, 0, RDO_WR_RDMA_WRITE, &sge, 1, PAIR_DST, b->mr_key,
             RDO_WC_SUCCESS);
    pair_run(p, PAIR_SEC / 100);
    DELTA();
    g_assert_cmpuint(da.timeouts, ==, 1);
    g_assert_cmpuint(da.retransmits, ==, 1);
    g_assert_cmpuint(db.dup_requests, ==, 1);
    g_assert_cmpuint(da.dup_responses, ==, 0);
    g_assert_cmpuint(da.tx_packets, ==, 2);
    g_assert_cmpuint(db.rx_packets, ==, 2);
    g_assert_cmpuint(db.acks_sent, ==, 2);
    g_assert_cmpuint(da.rx_packets, ==, 1);
    p->tamper = NULL;

    /* A SEND before B posts a receive: RNR NAKs until it does. */
    SNAP();
    w = rdo_wqe(RDO_WR_SEND, 0x601);
    sge = pair_sge_of(a, PAIR_SRC, 100);
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    pair_run(p, 100000);
    pair_post_recv(b, 0, 0x602, PAIR_DST, 4096);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x601, RDO_CQE_SEND, RDO_WC_SUCCESS);
    DELTA();
    g_assert_cmpuint(db.rnr_naks_sent, >=, 1);
    g_assert_cmpuint(da.rnr_naks_received, ==, db.rnr_naks_sent);
    g_assert_cmpuint(db.naks_sent, ==, db.rnr_naks_sent);
    g_assert_cmpuint(db.seq_naks_sent, ==, 0);
    g_assert_cmpuint(da.tx_packets, ==, db.rnr_naks_sent + 1);
#undef SNAP
#undef DELTA

    /* Only the one port (obj 0 and 1 name it, 2 would be a second);
     * results must be reachable. */
    g_assert_cmpuint(rdo_pair_cmd(&a->rdo, rdo_cmd_query(RDO_CMD_QUERY_COUNTERS,
                                                         2, td_alloc(a->d, 256, 8)),
                                  NULL), ==, RDO_CQP_BAD_INDEX);
    g_assert_cmpuint(rdo_pair_cmd(&a->rdo, rdo_cmd_query(RDO_CMD_QUERY_COUNTERS,
                                                         0, 1ull << 50),
                                  NULL), ==, RDO_CQP_DMA_ERROR);
    pair_free(p);
}

/*
 * An MR of side `s` over RR_PAGES pages scattered in its memory (every
 * other page of a run, backwards), its page list, and where its bytes are.
 */
#define RR_INDEX    20
#define RR_PAGES    4
#define RR_RW       (RDO_ACCESS_LOCAL_WRITE | RDO_ACCESS_REMOTE_WRITE | \
                     RDO_ACCESS_REMOTE_READ)

typedef struct RegPages {
    uint64_t pages[RR_PAGES];
    uint64_t list;
    uint64_t iova;              /* malloc-like: offset 0x234 in its page */
} RegPages;

static void rr_pages(PairSide *s, RegPages *r, uint64_t iova)
{
    uint64_t run = td_alloc(s->d, 2 * RR_PAGES * RDO_PAGE_SIZE, RDO_PAGE_SIZE);

    for (int i = 0; i < RR_PAGES; i++) {
        r->pages[i] = run + (uint64_t)(2 * (RR_PAGES - 1 - i)) * RDO_PAGE_SIZE;
    }
    r->list = td_alloc(s->d, sizeof(r->pages), 8);
    memcpy(td_ptr(s->d, r->list), r->pages, sizeof(r->pages));
    r->iova = iova;
}

static uint8_t *rr_ptr(PairSide *s, const RegPages *r, uint64_t va)
{
    uint64_t off = va - r->iova + (r->iova & (RDO_PAGE_SIZE - 1));

    g_assert_cmpuint(off >> RDO_PAGE_SHIFT, <, RR_PAGES);
    return td_ptr(s->d, r->pages[off >> RDO_PAGE_SHIFT] +
                        (off & (RDO_PAGE_SIZE - 1)));
}

#define RR_LEN      (RR_PAGES * RDO_PAGE_SIZE - 0x234 - 0x10)

/* REREG_MR of RR_INDEX with a new key; the translation from r if given. */
static uint8_t rereg(PairSide *s, uint32_t mask, const RegPages *r, uint8_t key,
                     uint32_t pdn, uint16_t access)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_new(RDO_CMD_REREG_MR, RR_INDEX);
    struct rdo_cmd_rereg_mr *a = &cmd.u.rereg_mr;
    uint32_t result = 0;
    uint8_t status;

    a->mask = mask;
    if (r) {
        a->iova = r->iova;
        a->length = RR_LEN;
        a->page_list = r->list;
        a->num_pages = RR_PAGES;
        a->page_shift = RDO_PAGE_SHIFT;
    }
    a->key = key;
    a->pdn = pdn;
    a->access = access;
    status = rdo_pair_cmd(&s->rdo, cmd, &result);
    if (status == RDO_CQP_OK) {
        g_assert_cmphex(result, ==, RDO_MR_KEY(RR_INDEX, key));
    }
    return status;
}

/*
 * B registers scattered pages; A writes through the key. REREG_MR moves it
 * to other pages at another iova with a new key: the old key fails, the
 * new one lands in the new pages only. Then the rights alone (read only:
 * WRITE refused, READ served from the same pages), then the PD (A's QP's
 * PD no longer matches; the new PD is in use until the MR moves back).
 * Every refusal changes nothing.
 */
static void test_rereg_mr(void)
{
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    RegPages r1, r2, bad;
    struct rdo_cqp_cmd reg;
    struct rdo_sge sge;
    uint32_t key;

    for (int i = 0; i < 6; i++) {
        pair_connect(p, i, RDO_QPT_RC, RDO_MTU_4096 - 2);
    }
    rr_pages(b, &r1, 0x7f0000001234ull);
    rr_pages(b, &r2, 0x7e0000005234ull);
    reg = rdo_cmd_reg_mr(RR_INDEX, 0x21, 0, r1.iova, RR_LEN, r1.list, RR_PAGES);
    reg.u.reg_mr.access = RR_RW;
    rdo_pair_cmd_ok(&b->rdo, reg);
    key = RDO_MR_KEY(RR_INDEX, 0x21);
    pair_fill(a, PAIR_SRC, RR_LEN, 71);
    sge = pair_sge_of(a, PAIR_SRC, 5000);
    rdma_one(p, 0, RDO_WR_RDMA_WRITE, &sge, 1, r1.iova + 100, key, RDO_WC_SUCCESS);
    for (uint32_t i = 0; i < 5000; i++) {
        g_assert_cmpuint(*rr_ptr(b, &r1, r1.iova + 100 + i), ==,
                         *pair_mr_ptr(a, PAIR_SRC + i));
    }

    /* New translation and key. */
    g_assert_cmpuint(rereg(b, RDO_REREG_TRANS, &r2, 0x22, 0, 0), ==, RDO_CQP_OK);
    memset(rr_ptr(b, &r1, r1.iova + 100), 0, 16);
    rdma_one(p, 1, RDO_WR_RDMA_WRITE, &sge, 1, r1.iova + 100, key,
             RDO_WC_REM_ACCESS_ERR);
    g_assert_cmpuint(*rr_ptr(b, &r1, r1.iova + 100), ==, 0);
    key = RDO_MR_KEY(RR_INDEX, 0x22);
    sge = pair_sge_of(a, PAIR_SRC, RR_LEN);
    rdma_one(p, 2, RDO_WR_RDMA_WRITE, &sge, 1, r2.iova, key, RDO_WC_SUCCESS);
    for (uint32_t i = 0; i < RR_LEN; i++) {
        g_assert_cmpuint(*rr_ptr(b, &r2, r2.iova + i), ==,
                         *pair_mr_ptr(a, PAIR_SRC + i));
    }

    /* Rights only: read-only now, same pages. */
    g_assert_cmpuint(rereg(b, RDO_REREG_ACCESS, NULL, 0x23, 0,
                           RDO_ACCESS_REMOTE_READ), ==, RDO_CQP_OK);
    key = RDO_MR_KEY(RR_INDEX, 0x23);
    sge = pair_sge_of(a, PAIR_DST, 3000);
    rdma_one(p, 2, RDO_WR_RDMA_READ, &sge, 1, r2.iova + 7, key, RDO_WC_SUCCESS);
    for (uint32_t i = 0; i < 3000; i++) {
        g_assert_cmpuint(*pair_mr_ptr(a, PAIR_DST + i), ==,
                         *rr_ptr(b, &r2, r2.iova + 7 + i));
    }
    sge = pair_sge_of(a, PAIR_SRC, 64);
    rdma_one(p, 2, RDO_WR_RDMA_WRITE, &sge, 1, r2.iova, key,
             RDO_WC_REM_ACCESS_ERR);

    /* Refusals: each leaves the read-only registration as it was. */
    rr_pages(b, &bad, r2.iova);
    bad.list = 1ull << 50;
    g_assert_cmpuint(rereg(b, RDO_REREG_TRANS, &bad, 0x30, 0, 0), ==,
                     RDO_CQP_DMA_ERROR);
    g_assert_cmpuint(rereg(b, 0, NULL, 0x30, 0, 0), ==, RDO_CQP_BAD_PARAM);
    g_assert_cmpuint(rereg(b, RDO_BIT(3), NULL, 0x30, 0, 0), ==,
                     RDO_CQP_BAD_RESERVED);
    g_assert_cmpuint(rereg(b, RDO_REREG_ACCESS, NULL, 0x30, 0,
                           RDO_ACCESS_REMOTE_WRITE), ==, RDO_CQP_BAD_PARAM);
    g_assert_cmpuint(rereg(b, RDO_REREG_PD, NULL, 0x30, 9, 0), ==,
                     RDO_CQP_NOT_FOUND);
    rdma_one(p, 3, RDO_WR_RDMA_READ, &sge, 1, r2.iova + 7, key, RDO_WC_SUCCESS);

    /* Another PD: A's QPs (PD 0) no longer reach it; PD 7 is in use. */
    rdo_pair_cmd_ok(&b->rdo, rdo_cmd_create_pd(7, 0));
    g_assert_cmpuint(rereg(b, RDO_REREG_PD, NULL, 0x24, 7, 0), ==, RDO_CQP_OK);
    key = RDO_MR_KEY(RR_INDEX, 0x24);
    rdma_one(p, 4, RDO_WR_RDMA_READ, &sge, 1, r2.iova, key,
             RDO_WC_REM_ACCESS_ERR);
    g_assert_cmpuint(rdo_pair_cmd(&b->rdo, rdo_cmd_new(RDO_CMD_DESTROY_PD, 7),
                                  NULL), ==, RDO_CQP_IN_USE);
    g_assert_cmpuint(rereg(b, RDO_REREG_PD, NULL, 0x25, 0, 0), ==, RDO_CQP_OK);
    rdo_pair_cmd_ok(&b->rdo, rdo_cmd_new(RDO_CMD_DESTROY_PD, 7));
    rdma_one(p, 5, RDO_WR_RDMA_READ, &sge, 1, r2.iova, RDO_MR_KEY(RR_INDEX, 0x25),
             RDO_WC_SUCCESS);

    /* Not for a fast-registration MR, nor a missing one. */
    rdo_pair_cmd_ok(&b->rdo, rdo_cmd_alloc_mr(RR_INDEX + 1, 1, 0, 8, RR_RW));
    reg = rdo_cmd_new(RDO_CMD_REREG_MR, RR_INDEX + 1);
    reg.u.rereg_mr.mask = RDO_REREG_ACCESS;
    g_assert_cmpuint(rdo_pair_cmd(&b->rdo, reg, NULL), ==, RDO_CQP_BAD_PARAM);
    reg.obj = RR_INDEX + 2;
    g_assert_cmpuint(rdo_pair_cmd(&b->rdo, reg, NULL), ==, RDO_CQP_NOT_FOUND);
    reg.obj = 1u << 23;
    g_assert_cmpuint(rdo_pair_cmd(&b->rdo, reg, NULL), ==, RDO_CQP_BAD_INDEX);
    pair_free(p);
}

static uint8_t mcast_cmd(PairSide *s, uint8_t opcode, uint32_t qpn,
                         const uint8_t *gid)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_new(opcode, qpn);

    memcpy(cmd.u.mcast.gid, gid, 16);
    return rdo_pair_cmd(&s->rdo, cmd, NULL);
}

/*
 * B's UD QPs in slots 0 and 1 join group 239.1.2.3, slot 2 joins and
 * leaves again, slot 3 never joins; A sends two datagrams to the group
 * (QP 0xFFFFFF, its IP multicast MAC): slots 0 and 1 get each, byte-exact
 * after the GRH, slots 2 and 3 nothing. Then B detaches slot 0 (only slot
 * 1 gets the next), destroys slot 1's QP (the group is gone: the next is
 * dropped). Refusals: a non-UD QP, a unicast GID, a second join, a leave
 * of a group not joined, reserved bits, and the limits QUERY_DEVICE tells.
 */
static void test_mcast(void)
{
    static const uint8_t group[16] = { [10] = 0xff, [11] = 0xff,
                                       239, 1, 2, 3 };
    static const uint8_t group_mac[6] = { 0x01, 0x00, 0x5e, 0x01, 0x02, 0x03 };
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    uint64_t out = td_alloc(b->d, sizeof(struct rdo_device_attr), 64);
    struct rdo_ud_seg ud = { .dest_qpn = RDO_MCAST_QPN, .qkey = 0x1234 };
    struct rdo_send_wqe w;
    struct rdo_sge sge;
    struct rdo_device_attr attr;
    struct rdo_cqp_cmd cmd;
    struct rdo_cqe e;
    bool got[4] = { false };

    pair_capture(p, "mcast");
    for (int i = 0; i < 4; i++) {
        pair_connect(p, i, RDO_QPT_UD, RDO_MTU_4096 - 2);
    }
    pair_connect(p, 4, RDO_QPT_RC, RDO_MTU_4096 - 2);
    g_assert_cmpuint(mcast_cmd(b, RDO_CMD_ATTACH_MCAST, b->qp[0].qpn, group), ==,
                     RDO_CQP_OK);
    g_assert_cmpuint(mcast_cmd(b, RDO_CMD_ATTACH_MCAST, b->qp[1].qpn, group), ==,
                     RDO_CQP_OK);
    g_assert_cmpuint(mcast_cmd(b, RDO_CMD_ATTACH_MCAST, b->qp[2].qpn, group), ==,
                     RDO_CQP_OK);
    g_assert_cmpuint(mcast_cmd(b, RDO_CMD_DETACH_MCAST, b->qp[2].qpn, group), ==,
                     RDO_CQP_OK);
    for (int i = 0; i < 4; i++) {
        pair_post_recv(b, i, 0x700 + i, PAIR_DST + i * 8192ull, 4096);
    }
    memcpy(ud.dmac, group_mac, 6);
    memcpy(ud.dgid, group, 16);
    pair_fill(a, PAIR_SRC, 1000, 81);
    w = rdo_wqe(RDO_WR_SEND, 0x710);
    sge = pair_sge_of(a, PAIR_SRC, 1000);
    pair_post_send(a, 0, &w, &sge, 1, &ud);
    g_assert_true(pair_run_cqes(p, 1, 2, PAIR_SEC));
    pair_run(p, PAIR_SEC / 100);
    pair_expect_cqe(a, 0x710, RDO_CQE_SEND, RDO_WC_SUCCESS);
    for (int k = 0; k < 2; k++) {
        e = pair_poll(b);
        g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
        g_assert_cmpuint(e.byte_len, ==, 1040);
        g_assert_cmpuint(e.src_qpn, ==, a->qp[0].qpn);
        g_assert_cmpuint(e.wr_id - 0x700, <, 2);
        got[e.wr_id - 0x700] = true;
        pair_assert_same(a, PAIR_SRC, b, PAIR_DST + (e.wr_id - 0x700) * 8192 + 40,
                         1000);
    }
    g_assert_true(got[0] && got[1]);
    g_assert_cmphex(pair_poll(b).wr_id, ==, PAIR_NO_CQE);

    /* Slot 0 leaves: only slot 1 gets the next one. */
    g_assert_cmpuint(mcast_cmd(b, RDO_CMD_DETACH_MCAST, b->qp[0].qpn, group), ==,
                     RDO_CQP_OK);
    pair_post_recv(b, 1, 0x721, PAIR_DST + 8192, 4096);
    pair_post_send(a, 0, &w, &sge, 1, &ud);
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    pair_run(p, PAIR_SEC / 100);
    g_assert_cmphex(pair_poll(b).wr_id, ==, 0x721);
    g_assert_cmphex(pair_poll(b).wr_id, ==, PAIR_NO_CQE);

    /* Destroying slot 1's QP takes it out: nobody is left, a drop. */
    rdo_pair_cmd_ok(&b->rdo, rdo_cmd_new(RDO_CMD_DESTROY_QP, b->qp[1].qpn));
    {
        uint32_t drops = pair_cnt(b, RDO_REG_CNT_RX_DROPS);

        pair_post_send(a, 0, &w, &sge, 1, &ud);
        pair_run(p, PAIR_SEC / 100);
        g_assert_cmpuint(pair_cnt(b, RDO_REG_CNT_RX_DROPS), ==, drops + 1);
    }
    g_assert_cmphex(pair_poll(b).wr_id, ==, PAIR_NO_CQE);
    g_assert_cmpuint(mcast_cmd(b, RDO_CMD_DETACH_MCAST, b->qp[1].qpn, group), ==,
                     RDO_CQP_NOT_FOUND);

    /* Refusals, each a driver mistake reported. */
    g_assert_cmpuint(mcast_cmd(b, RDO_CMD_ATTACH_MCAST, b->qp[4].qpn, group), ==,
                     RDO_CQP_BAD_PARAM);        /* RC */
    g_assert_cmpuint(b->d->h->last_class, ==, RDO_GE_CQP_CMD_FAILED);
    g_assert_cmpuint(mcast_cmd(b, RDO_CMD_ATTACH_MCAST, b->qp[3].qpn, b->gid), ==,
                     RDO_CQP_BAD_PARAM);        /* unicast */
    g_assert_cmpuint(mcast_cmd(b, RDO_CMD_ATTACH_MCAST, b->qp[3].qpn, group), ==,
                     RDO_CQP_OK);
    g_assert_cmpuint(mcast_cmd(b, RDO_CMD_ATTACH_MCAST, b->qp[3].qpn, group), ==,
                     RDO_CQP_EXISTS);
    g_assert_cmpuint(mcast_cmd(b, RDO_CMD_DETACH_MCAST, b->qp[0].qpn, group), ==,
                     RDO_CQP_NOT_FOUND);
    g_assert_cmpuint(mcast_cmd(b, RDO_CMD_ATTACH_MCAST, PAIR_QPS + 100, group), ==,
                     RDO_CQP_NOT_FOUND);
    cmd = rdo_cmd_new(RDO_CMD_ATTACH_MCAST, b->qp[0].qpn);
    memcpy(cmd.u.mcast.gid, group, 16);
    cmd.u.mcast.reserved[3] = 1;
    g_assert_cmpuint(rdo_pair_cmd(&b->rdo, cmd, NULL), ==, RDO_CQP_BAD_RESERVED);
    g_assert_cmpuint(rdo_pair_cmd(&b->rdo, rdo_cmd_query(RDO_CMD_QUERY_DEVICE, 0,
                                                         out), NULL),
                     ==, RDO_CQP_OK);
    memcpy(&attr, td_ptr(b->d, out), sizeof(attr));
    g_assert_cmpuint(attr.max_mcast_grp, ==, RDO_MCAST_GROUPS);
    g_assert_cmpuint(attr.max_mcast_qp_attach, ==, RDO_MCAST_QPS_PER_GROUP);
    g_assert_cmpuint(attr.max_total_mcast_qp_attach, ==,
                     RDO_MCAST_GROUPS * RDO_MCAST_QPS_PER_GROUP);
    pair_free(p);
}

/*
 * Multicast to members on the sending port: A's UD QP in slot 1 and B's in
 * slot 0 join group 239.1.2.4; A's slot 0 sends to the group. The frame
 * goes out to B and, a copy, back in to A's slot 1 (one loopback frame);
 * each gets it byte-exact. With A's member gone, a send to the group is
 * not turned around (B still gets it). Timed too: the frame is then one
 * that does not go to the host as it leaves (egress/output.c,
 * stays_inside).
 */
static RdoConfig config_timed(bool timed)
{
    RdoConfig cfg = test_host_default_config();

    cfg.tm.on = timed;
    return cfg;
}

static void mcast_loopback(bool timed)
{
    static const uint8_t group[16] = { [10] = 0xff, [11] = 0xff,
                                       239, 1, 2, 4 };
    static const uint8_t group_mac[6] = { 0x01, 0x00, 0x5e, 0x01, 0x02, 0x04 };
    RdoConfig cfg = config_timed(timed);
    Pair *p = pair_new(&cfg);
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_ud_seg ud = { .dest_qpn = RDO_MCAST_QPN, .qkey = 0x1234 };
    struct rdo_send_wqe w;
    struct rdo_sge sge;
    struct rdo_cqe e;
    uint64_t looped;

    for (int i = 0; i < 2; i++) {
        pair_connect(p, i, RDO_QPT_UD, RDO_MTU_4096 - 2);
    }
    g_assert_cmpuint(mcast_cmd(a, RDO_CMD_ATTACH_MCAST, a->qp[1].qpn, group), ==,
                     RDO_CQP_OK);
    g_assert_cmpuint(mcast_cmd(b, RDO_CMD_ATTACH_MCAST, b->qp[0].qpn, group), ==,
                     RDO_CQP_OK);
    pair_post_recv(a, 1, 0x801, PAIR_DST, 4096);
    pair_post_recv(b, 0, 0x802, PAIR_DST, 4096);
    memcpy(ud.dmac, group_mac, 6);
    memcpy(ud.dgid, group, 16);
    pair_fill(a, PAIR_SRC, 777, 93);
    w = rdo_wqe(RDO_WR_SEND, 0x810);
    sge = pair_sge_of(a, PAIR_SRC, 777);
    looped = a->d->h->core.cnt.loopback_frames;
    pair_post_send(a, 0, &w, &sge, 1, &ud);
    g_assert_true(pair_run_cqes(p, 0, 2, PAIR_SEC));
    pair_run(p, PAIR_SEC / 100);
    g_assert_cmpuint(a->d->h->core.cnt.loopback_frames, ==, looped + 1);
    for (int k = 0; k < 2; k++) {
        e = pair_poll(a);
        if (e.wr_id == 0x810) {
            g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
            continue;
        }
        g_assert_cmphex(e.wr_id, ==, 0x801);
        g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
        g_assert_cmpuint(e.byte_len, ==, 777 + 40);
        g_assert_cmpuint(e.src_qpn, ==, a->qp[0].qpn);
    }
    g_assert_cmphex(pair_poll(a).wr_id, ==, PAIR_NO_CQE);
    pair_assert_same(a, PAIR_SRC, a, PAIR_DST + 40, 777);
    e = pair_poll(b);
    g_assert_cmphex(e.wr_id, ==, 0x802);
    g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
    pair_assert_same(a, PAIR_SRC, b, PAIR_DST + 40, 777);

    /* No member left on A: nothing turns around, B still gets it. */
    g_assert_cmpuint(mcast_cmd(a, RDO_CMD_DETACH_MCAST, a->qp[1].qpn, group), ==,
                     RDO_CQP_OK);
    pair_post_recv(a, 1, 0x803, PAIR_DST, 4096);
    pair_post_recv(b, 0, 0x804, PAIR_DST, 4096);
    pair_post_send(a, 0, &w, &sge, 1, &ud);
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    pair_run(p, PAIR_SEC / 100);
    g_assert_cmpuint(a->d->h->core.cnt.loopback_frames, ==, looped + 1);
    pair_expect_cqe(a, 0x810, RDO_CQE_SEND, RDO_WC_SUCCESS);
    g_assert_cmphex(pair_poll(a).wr_id, ==, PAIR_NO_CQE);
    g_assert_cmphex(pair_poll(b).wr_id, ==, 0x804);
    pair_free(p);
}

static void test_mcast_loopback(void)
{
    mcast_loopback(false);
}

static void test_mcast_loopback_timed(void)
{
    mcast_loopback(true);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/verbs/dma-key/local", test_dma_key_local);
    g_test_add_func("/verbs/dma-key/not-remote", test_dma_key_not_remote);
    g_test_add_func("/verbs/dma-key/user-pd", test_dma_key_user_pd);
    g_test_add_func("/verbs/counters", test_counters);
    g_test_add_func("/verbs/rereg-mr", test_rereg_mr);
    g_test_add_func("/verbs/mcast", test_mcast);
    g_test_add_func("/verbs/mcast/loopback", test_mcast_loopback);
    g_test_add_func("/verbs/mcast/loopback-timed", test_mcast_loopback_timed);
    return g_test_run();
}
