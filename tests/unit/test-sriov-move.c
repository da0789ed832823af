/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MOVE_QP (D18): a live RC connection of VF 1 to a peer adapter moved to
 * VF 2 in the middle of a data-checked transfer (scattered, unaligned
 * WRITEs and READs from VF 1's side, WRITEs from the peer into VF 1's MR
 * with VF 1's key), at several points: WQEs rung on VF 1's doorbell and
 * not taken yet, WQEs outstanding, packets not acknowledged, a go-back-N
 * after a NAK, a timeout's go-back whose resends are lost; without and
 * with the timing model. The transfer completes bit-exact,
 * the peer sees no error and stays in RTS; afterwards VF 1 cannot name
 * the QP, CQ or MR (counted) and VF 2 can. Then every bad MOVE_QP
 * refused with nothing disturbed, work posted while the move ran, a move
 * to the PF kept through a save and load of its state, and the command's
 * cost in the timing model.
 *
 * The fabric: the SR-IOV adapter (PF, VF 1, VF 2) and the peer, a plain
 * adapter, on one wire; the VFs' frames reach it through the adapter's
 * switch and the PF's port. The functions share one guest memory (all in
 * one guest without an IOMMU: a move needs the same DMA addresses on both
 * functions); each driver allocates from its own part of it.
 */
#include <string.h>
#include "test-pair.h"

#define VFS         2
#define QPN         2                       /* pair slot 0 */
#define SLOT        (64u << 10)
#define NWQE        60
#define A_SRC       PAIR_MR_IOVA            /* VF 1: sources of its WRITEs */
#define A_IN        (PAIR_MR_IOVA + (4u << 20)) /* its READs' and the peer's WRITEs' */
#define B_SRC       PAIR_MR_IOVA            /* the peer: sources */
#define B_DST       (PAIR_MR_IOVA + (4u << 20)) /* VF 1's WRITEs land here */
#define NPIECE      (3 * NWQE)
#define PIECE_GAP   22000u
#define PEER_WRITES 10

typedef struct Mig {
    TestDriver *pf, *vf[VFS + 1];
    RdoPairLayout la, lb;
    Pair p;                     /* s[0]: the connection's side, s[1]: peer */
    uint8_t *vf_mem[VFS + 1];   /* the VFs' own memory, put back at the end */
    int drop_to_peer, drop_from_peer;   /* frames to lose on the wire */
    uint64_t dropped;
} Mig;

static RdoConfig sriov_config(void)
{
    RdoConfig cfg = test_host_default_config();

    cfg.sriov_max_vfs = VFS;
    return cfg;
}

static Mig *mig_new(const RdoConfig *cfg)
{
    Mig *m = g_new0(Mig, 1);
    RdoConfig peer = test_host_default_config();

    peer.tm.on = cfg->tm.on;
    m->pf = td_new(cfg);
    for (uint32_t n = 1; n <= VFS; n++) {
        m->vf[n] = td_new_vf(m->pf, n);
        rdo_vf_enable(&m->vf[n]->h->core, true);
        /* The PF's memory; the PF below 8 MiB, VF 1 from there (its
         * 8 MiB MR), VF 2 from 24 MiB. */
        m->vf_mem[n] = m->vf[n]->h->mem;
        m->vf[n]->h->mem = m->pf->h->mem;
        m->vf[n]->next_free = TEST_HOST_MEM_BASE + (n == 1 ? 8u << 20 : 24u << 20);
    }
    td_start(m->pf);
    td_start(m->vf[2]);
    m->la = pair_layout(0, 0);
    m->la.mr_len = 8u << 20;
    m->lb = m->la;
    test_frames_init(&m->p.passing);
    pair_side_attach(&m->p.s[0], m->vf[1], m->vf[1]->h->core.cfg.mac, &m->la, 0);
    g_assert_cmpuint(m->pf->next_free, <, TEST_HOST_MEM_BASE + (8u << 20));
    g_assert_cmpuint(m->vf[1]->next_free, <, TEST_HOST_MEM_BASE + (24u << 20));
    pair_side_init(&m->p.s[1], &peer, &m->lb, 1);
    pair_connect(&m->p, 0, RDO_QPT_RC, 3 /* 1024 */);
    return m;
}

static void mig_free(Mig *m)
{
    for (uint32_t n = 1; n <= VFS; n++) {
        m->vf[n]->h->mem = m->vf_mem[n];
    }
    pair_side_free(&m->p.s[1]);
    g_free(m->p.s[0].slots);
    test_frames_destroy(&m->p.passing);
    for (uint32_t n = 1; n <= VFS; n++) {
        td_free(m->vf[n]);
    }
    td_free(m->pf);
    g_free(m);
}

/* The frames one host sent, onto the wire to the other (some lost). */
static unsigned wire(Mig *m, TestHost *from, TestHost *to, int *drop)
{
    guint n = test_frames_count(&from->frames);
    g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func(
        (GDestroyNotify)g_bytes_unref);

    for (guint i = 0; i < n; i++) {
        size_t len;
        const uint8_t *data = test_frames_get(&from->frames, i, &len);

        g_ptr_array_add(frames, g_bytes_new(data, len));
    }
    test_frames_reset(&from->frames);
    for (guint i = 0; i < n; i++) {
        gsize len;
        const uint8_t *data = g_bytes_get_data(frames->pdata[i], &len);

        if (*drop > 0) {
            (*drop)--;
            m->dropped++;
            continue;
        }
        rdo_core_receive(&to->core, data, len);
    }
    return n;
}

/* One step of the four cores on one clock: frames, or the next wake-up. */
static bool mig_step(Mig *m, uint64_t end)
{
    TestHost *h[4] = { m->pf->h, m->vf[1]->h, m->vf[2]->h, m->p.s[1].d->h };
    uint64_t now = 0, next = 0;

    for (int k = 0; k < 4; k++) {
        now = MAX(now, h[k]->now_ns);
    }
    for (int k = 0; k < 4; k++) {
        h[k]->now_ns = now;
    }
    /* The VFs' frames leave through the PF's port, never their own. */
    g_assert_cmpuint(test_frames_count(&h[1]->frames) +
                     test_frames_count(&h[2]->frames), ==, 0);
    if (wire(m, h[0], h[3], &m->drop_to_peer) +
        wire(m, h[3], h[0], &m->drop_from_peer)) {
        return true;
    }
    for (int k = 0; k < 4; k++) {
        if (h[k]->wakeup_ns && (!next || h[k]->wakeup_ns < next)) {
            next = h[k]->wakeup_ns;
        }
    }
    if (!next || next > end) {
        return false;
    }
    for (int k = 0; k < 4; k++) {
        h[k]->now_ns = MAX(next, now);
    }
    for (int k = 0; k < 4; k++) {
        if (h[k]->wakeup_ns && h[k]->wakeup_ns <= h[k]->now_ns) {
            h[k]->wakeup_ns = 0;
            h[k]->wakeups++;
            rdo_core_wakeup(&h[k]->core);
        }
    }
    return true;
}

/* Steps until `done` or nothing is left to do within a second. */
static void mig_run_until(Mig *m, bool (*done)(Mig *m, void *arg), void *arg)
{
    uint64_t end = m->pf->h->now_ns + PAIR_SEC;

    while (!done(m, arg)) {
        g_assert_true(mig_step(m, end));
    }
}

/* Runs until nothing is left to do for 10 ms. */
static void mig_idle(Mig *m)
{
    uint64_t end = m->pf->h->now_ns + PAIR_SEC / 100;

    while (mig_step(m, end)) {
    }
}

/* Piece x of VF 1's sources: scattered (a permutation) and unaligned. */
static uint64_t piece_iova(uint32_t x)
{
    return A_SRC + (uint64_t)((x * 97u) % NPIECE) * PIECE_GAP + x % 13;
}

static uint32_t piece_len(uint32_t x)
{
    return 21000u - (x * 31u) % 997;
}

static bool is_read(uint32_t k)
{
    return k % 6 == 5;
}

static uint64_t read_len(uint32_t k)
{
    return 40000 + k;
}

/* VF 1's work: WRITEs of three scattered pieces each, every sixth a READ. */
static void post_work(Mig *m)
{
    PairSide *a = &m->p.s[0], *b = &m->p.s[1];

    pair_fill(a, A_SRC, 4u << 20, 0x5151);
    pair_fill(b, B_SRC, 4u << 20, 0xb0b0);
    for (uint32_t k = 0; k < NWQE; k++) {
        struct rdo_send_wqe w;
        struct rdo_sge sge[3];

        if (is_read(k)) {
            w = rdo_wqe(RDO_WR_RDMA_READ, k);
            w.remote_addr = B_SRC + k * 50000ull + 3;
            w.rkey = b->mr_key;
            sge[0] = pair_sge_of(a, A_IN + k * SLOT + 5, read_len(k));
            pair_post_send(a, 0, &w, sge, 1, NULL);
            continue;
        }
        w = rdo_wqe(RDO_WR_RDMA_WRITE, k);
        w.remote_addr = B_DST + k * SLOT + k % 17;
        w.rkey = b->mr_key;
        for (uint32_t j = 0; j < 3; j++) {
            sge[j] = pair_sge_of(a, piece_iova(3 * k + j), piece_len(3 * k + j));
        }
        pair_post_send(a, 0, &w, sge, 3, NULL);
    }
}

/* The peer's WRITEs into VF 1's MR with VF 1's key: [from, to). */
static void peer_writes(Mig *m, uint32_t from, uint32_t to)
{
    PairSide *a = &m->p.s[0], *b = &m->p.s[1];

    for (uint32_t i = from; i < to; i++) {
        struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 1000 + i);
        struct rdo_sge sge = pair_sge_of(b, B_SRC + (2u << 20) + i * 33333ull,
                                         30000 + i);

        w.remote_addr = A_IN + 6ull * i * SLOT + 11;
        w.rkey = a->mr_key;
        pair_post_send(b, 0, &w, &sge, 1, NULL);
    }
}

static void check_data(Mig *m)
{
    PairSide *a = &m->p.s[0], *b = &m->p.s[1];
    g_autofree uint8_t *want = g_malloc(SLOT);

    for (uint32_t k = 0; k < NWQE; k++) {
        uint32_t off = 0;

        if (is_read(k)) {
            pair_assert_same(b, B_SRC + k * 50000ull + 3, a,
                             A_IN + k * SLOT + 5, read_len(k));
            continue;
        }
        for (uint32_t j = 0; j < 3; j++) {
            uint32_t x = 3 * k + j;

            memcpy(want + off, pair_mr_ptr(a, piece_iova(x)), piece_len(x));
            off += piece_len(x);
        }
        g_assert_cmpmem(pair_mr_ptr(b, B_DST + k * SLOT + k % 17), off,
                        want, off);
    }
    for (uint32_t i = 0; i < PEER_WRITES; i++) {
        pair_assert_same(b, B_SRC + (2u << 20) + i * 33333ull, a,
                         A_IN + 6ull * i * SLOT + 11, 30000 + i);
    }
}

/*
 * A command while the fabric runs: td_cmd would run the one core alone
 * for its whole limit, its connection's timers with it and no frames.
 */
static uint8_t mig_cmd(Mig *m, TestDriver *d, struct rdo_cqp_cmd *cmd)
{
    uint32_t index = td_post(d, cmd);
    uint64_t end = d->h->now_ns + PAIR_SEC;

    td_ring_cqp(d);
    while (test_reg_read(d->h, RDO_REG_CQP_CI) <= index) {
        g_assert_true(mig_step(m, end));
    }
    return td_comp(d, index).status;
}

/*
 * A PF command run at once: the PF's core alone until it completes, the
 * other cores' clocks catching up at the next step. Without the timing
 * model a round sends a QP's whole window at one instant, so this is how
 * the move falls at the point a test chose.
 */
static uint8_t pf_cmd(Mig *m, struct rdo_cqp_cmd *cmd)
{
    TestHost *h = m->pf->h;
    uint32_t index = td_post(m->pf, cmd);

    td_ring_cqp(m->pf);
    while (test_reg_read(h, RDO_REG_CQP_CI) <= index) {
        g_assert_cmpuint(h->wakeup_ns, !=, 0);
        h->now_ns = MAX(h->now_ns, h->wakeup_ns);
        h->wakeup_ns = 0;
        rdo_core_wakeup(&h->core);
    }
    return td_comp(m->pf, index).status;
}

static struct rdo_cqp_cmd move_cmd(uint32_t qpn, uint8_t src, uint8_t dst)
{
    struct rdo_cqp_cmd c = td_cmd_of(RDO_CMD_MOVE_QP, qpn);

    c.u.move_qp.src_fn = src;
    c.u.move_qp.dst_fn = dst;
    return c;
}

static uint8_t query_qp(Mig *m, TestDriver *d, uint32_t qpn,
                        struct rdo_qp_attr *out)
{
    uint64_t buf = td_alloc(d, sizeof(*out), 64);
    struct rdo_cqp_cmd c = rdo_cmd_query(RDO_CMD_QUERY_QP, qpn, buf);
    uint8_t st = mig_cmd(m, d, &c);

    memcpy(out, td_ptr(d, buf), sizeof(*out));
    return st;
}

/* The move from VF 1, and the destination's driver takes over the
 * connection's side. */
static void move_to(Mig *m, uint8_t dst)
{
    struct rdo_cqp_cmd c = move_cmd(QPN, 1, dst);
    TestDriver *d = dst ? m->vf[dst] : m->pf;

    g_assert_cmpuint(pf_cmd(m, &c), ==, RDO_CQP_OK);
    m->p.s[0].d = d;
    m->p.s[0].rdo.host = d;
}

static void do_move(Mig *m)
{
    move_to(m, 2);
}

enum { AT_POSTED, AT_OUTSTANDING, AT_UNACKED, AT_NAK, AT_TIMEOUT };
#define AT_TIMED 0x100          /* the timing model on, on both adapters */

static bool sent_at_least(Mig *m, void *arg)
{
    return test_reg_read(m->vf[1]->h, RDO_REG_CNT_TX_PACKETS) >=
           GPOINTER_TO_UINT(arg);
}

static bool went_back(Mig *m, void *arg)
{
    return test_reg_read(m->vf[1]->h, RDO_REG_CNT_RETRANSMITS) >= 1;
}

static bool vf2_went_back(Mig *m, void *arg)
{
    return test_reg_read(m->vf[2]->h, RDO_REG_CNT_RETRANSMITS) >= 1;
}

static bool all_done_peer_one(Mig *m, void *arg)
{
    return pair_cq_ready(&m->p.s[1]) >= 1;
}

static bool all_done(Mig *m, void *arg)
{
    return pair_cq_ready(&m->p.s[0]) >= NWQE &&
           pair_cq_ready(&m->p.s[1]) >= PEER_WRITES;
}

static void test_move_at(gconstpointer data)
{
    int at = GPOINTER_TO_INT(data) & ~AT_TIMED;
    RdoConfig cfg = sriov_config();
    Mig *m;
    PairSide *a, *b;
    TestDriver *vf1, *vf2;
    struct rdo_qp_attr attr;
    struct rdo_eqe e;
    uint32_t iso, sent;
    bool arrived = false;

    cfg.tm.on = GPOINTER_TO_INT(data) & AT_TIMED;
    m = mig_new(&cfg);
    a = &m->p.s[0];
    b = &m->p.s[1];
    vf1 = m->vf[1];
    vf2 = m->vf[2];
    post_work(m);
    peer_writes(m, 0, PEER_WRITES / 2);
    if (at != AT_POSTED) {
        mig_run_until(m, sent_at_least, GUINT_TO_POINTER(150));
    }
    switch (at) {
    case AT_POSTED:
        /* Rung on VF 1's doorbell, not taken yet: VF 2 sends it all
         * without a doorbell of its own. */
        g_assert_cmpuint(test_reg_read(vf1->h, RDO_REG_CNT_TX_PACKETS), ==, 0);
        break;
    case AT_UNACKED:
        /* Nothing comes back (ACKs, READ responses) for a while. */
        m->drop_from_peer = 1 << 30;
        sent = test_reg_read(vf1->h, RDO_REG_CNT_TX_PACKETS);
        mig_run_until(m, sent_at_least, GUINT_TO_POINTER(sent + 300));
        break;
    case AT_NAK:
        /* Three frames lost: the peer NAKs the gap, VF 1 goes back. */
        m->drop_to_peer = 3;
        mig_run_until(m, went_back, NULL);
        break;
    case AT_TIMEOUT:
        /* Nothing reaches the peer: VF 1's retransmit timer goes off and
         * what it sends again is lost too; the move comes in the middle
         * of that, and VF 2 has to time out and go back once more. */
        m->drop_to_peer = 1 << 30;
        mig_run_until(m, went_back, NULL);
        break;
    default:
        break;
    }
    g_assert_cmpuint(pair_cq_ready(a), <, NWQE);
    do_move(m);
    if (at == AT_TIMEOUT) {
        g_assert_cmpuint(test_reg_read(vf2->h, RDO_REG_CNT_RETRANSMITS), ==, 0);
        mig_run_until(m, vf2_went_back, NULL);
    }
    m->drop_from_peer = m->drop_to_peer = 0;
    g_assert_cmpuint(query_qp(m, vf2, QPN, &attr), ==, RDO_CQP_OK);
    g_assert_cmpuint(attr.state, ==, RDO_QPS_RTS);
    peer_writes(m, PEER_WRITES / 2, PEER_WRITES);
    mig_run_until(m, all_done, NULL);

    /* Every completion a success, on both sides; the data bit-exact. */
    for (uint32_t k = 0; k < NWQE; k++) {
        g_assert_cmpuint(pair_poll_success(a, NWQE).wr_id, !=, PAIR_NO_CQE);
    }
    for (uint32_t i = 0; i < PEER_WRITES; i++) {
        g_assert_cmpuint(pair_poll_success(b, 1000 + PEER_WRITES).wr_id, !=,
                         PAIR_NO_CQE);
    }
    mig_idle(m);
    g_assert_cmpuint(pair_poll(a).wr_id, ==, PAIR_NO_CQE);
    g_assert_cmpuint(pair_poll(b).wr_id, ==, PAIR_NO_CQE);
    check_data(m);
    g_assert_cmpuint(query_qp(m, b->d, QPN, &attr), ==, RDO_CQP_OK);
    g_assert_cmpuint(attr.state, ==, RDO_QPS_RTS);
    g_assert_cmpuint(test_reg_read(b->d->h, RDO_REG_ERR_COUNT), ==, 0);
    if (at != AT_OUTSTANDING && at != AT_POSTED) {
        g_assert_cmpuint(m->dropped, >, 0);
        g_assert_cmpuint(test_reg_read(vf1->h, RDO_REG_CNT_RETRANSMITS) +
                         test_reg_read(vf2->h, RDO_REG_CNT_RETRANSMITS), >, 0);
    }
    /* VF 2 did most of the work, from VF 1's address: the peer, which
     * hears only from VF 1's GID, took every frame when none was lost. */
    g_assert_cmpuint(test_reg_read(vf2->h, RDO_REG_CNT_TX_PACKETS), >, 1000);
    if (at == AT_OUTSTANDING || at == AT_POSTED) {
        g_assert_cmpuint(test_reg_read(b->d->h, RDO_REG_CNT_RX_DROPS), ==, 0);
        g_assert_cmpuint(test_reg_read(vf1->h, RDO_REG_CNT_RETRANSMITS) +
                         test_reg_read(vf2->h, RDO_REG_CNT_RETRANSMITS), ==, 0);
    }
    g_assert_cmpuint(test_reg_read(vf1->h, RDO_REG_CNT_QP_MOVED_OUT), ==, 1);
    g_assert_cmpuint(test_reg_read(vf2->h, RDO_REG_CNT_QP_MOVED_IN), ==, 1);
    do {
        e = td_eq0_next(vf2);
        arrived |= e.type == RDO_EQE_QP_ARRIVED && e.obj == QPN && e.data == 1;
    } while (e.type);
    g_assert_true(arrived);

    /* VF 1 can no longer name the QP, its CQ or its MR: counted. */
    iso = test_reg_read(vf1->h, RDO_REG_CNT_ISOLATION);
    td_doorbell(vf1, 0, RDO_DB_SQ, RDO_DB_VALUE(QPN, 0, 1));
    td_doorbell(vf1, 0, RDO_DB_CQ, RDO_DB_VALUE(m->la.cqn, 0, 0));
    g_assert_cmpuint(query_qp(m, vf1, QPN, &attr), !=, RDO_CQP_OK);
    {
        struct rdo_cqp_cmd c = td_cmd_of(RDO_CMD_DEREG_MR, m->la.mr_index);

        g_assert_cmpuint(td_cmd(vf1, &c).status, ==, RDO_CQP_NOT_FOUND);
    }
    g_assert_cmpuint(test_reg_read(vf1->h, RDO_REG_CNT_ISOLATION), ==, iso + 4);
    /* It may make a PD and CQ at the numbers it handed away (no wire
     * name), but not a QP at the connection's number while it lives. */
    td_create_pd(vf1, m->la.pdn);
    td_create_cq(vf1, m->la.cqn, 4, 0, 0);
    g_assert_cmpuint(test_reg_read(vf1->h, RDO_REG_CNT_ISOLATION), ==, iso + 4);
    {
        struct rdo_cqp_cmd d;
        struct rdo_cqp_cmd c = rdo_cmd_create_qp(QPN, RDO_QPT_RC, m->la.pdn,
                                                 m->la.cqn,
                                                 td_alloc(vf1, 4096, 4096),
                                                 td_alloc(vf1, 4096, 4096));

        g_assert_cmpuint(td_cmd(vf1, &c).status, ==, RDO_CQP_IN_USE);
        /* Once VF 2 destroys the QP, the number is VF 1's again. */
        d = td_cmd_of(RDO_CMD_DESTROY_QP, QPN);
        g_assert_cmpuint(td_cmd(vf2, &d).status, ==, RDO_CQP_OK);
        g_assert_cmpuint(td_cmd(vf1, &c).status, ==, RDO_CQP_OK);
    }
    /* VF 2 names them: no isolation refusal there. */
    g_assert_cmpuint(test_reg_read(vf2->h, RDO_REG_CNT_ISOLATION), ==, 0);
    g_assert_cmpuint(test_reg_read(m->pf->h, RDO_REG_ERR_COUNT), ==, 0);
    mig_free(m);
}

/* A refusal: its status, one more MOVE_QP_REFUSED on the PF, nothing
 * moved (the QP still VF 1's, in RTS). */
static void refused(Mig *m, struct rdo_cqp_cmd c, uint8_t status)
{
    uint32_t before = m->pf->h->class_count[RDO_GE_MOVE_QP_REFUSED];
    struct rdo_qp_attr attr;

    g_assert_cmpuint(td_cmd(m->pf, &c).status, ==, status);
    g_assert_cmpuint(m->pf->h->class_count[RDO_GE_MOVE_QP_REFUSED], ==,
                     before + 1);
    g_assert_cmpuint(query_qp(m, m->vf[1], QPN, &attr), ==, RDO_CQP_OK);
    g_assert_cmpuint(attr.state, ==, RDO_QPS_RTS);
    g_assert_cmpuint(test_reg_read(m->vf[1]->h, RDO_REG_CNT_QP_MOVED_OUT) +
                     test_reg_read(m->vf[2]->h, RDO_REG_CNT_QP_MOVED_IN), ==, 0);
}

static bool vf_cqes(Mig *m, void *arg)
{
    return pair_cq_ready(&m->p.s[0]) >= GPOINTER_TO_UINT(arg);
}

/* After the move, nothing of VF 1's: refusals as ever, the QP VF 2's. */
static void refused_after_move(Mig *m)
{
    uint32_t before = m->pf->h->class_count[RDO_GE_MOVE_QP_REFUSED];
    struct rdo_cqp_cmd c = move_cmd(QPN, 1, 0);

    g_assert_cmpuint(td_cmd(m->pf, &c).status, ==, RDO_CQP_NOT_PERMITTED);
    c = move_cmd(QPN, 1, 2);
    g_assert_cmpuint(td_cmd(m->pf, &c).status, ==, RDO_CQP_NOT_PERMITTED);
    g_assert_cmpuint(m->pf->h->class_count[RDO_GE_MOVE_QP_REFUSED], ==,
                     before + 2);
}

/* One WRITE from the connection's side, completed and checked. */
static void one_write(Mig *m, uint64_t wr_id, uint32_t off)
{
    PairSide *a = &m->p.s[0], *b = &m->p.s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, wr_id);
    struct rdo_sge sge = pair_sge_of(a, A_SRC + off, 5000 + off);

    pair_fill(a, A_SRC + off, 5000 + off, (uint32_t)wr_id);
    w.remote_addr = B_DST + off;
    w.rkey = b->mr_key;
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    mig_run_until(m, vf_cqes, GUINT_TO_POINTER(1));
    pair_expect_cqe(a, wr_id, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    pair_assert_same(a, A_SRC + off, b, B_DST + off, 5000 + off);
}

/*
 * Work VF 1's driver posted while the move ran: the WQE is in the ring,
 * the doorbell on VF 1's page is refused (counted). VF 2's driver, taking
 * over, rings its own doorbell with the ring's producer index, and the
 * WQE goes.
 */
static void posted_during_move(Mig *m)
{
    PairSide *a = &m->p.s[0], *b = &m->p.s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 0x53);
    struct rdo_sge sge = pair_sge_of(a, A_SRC + 900, 7777);
    uint32_t iso = test_reg_read(m->vf[1]->h, RDO_REG_CNT_ISOLATION);

    pair_fill(a, A_SRC + 900, 7777, 0x53);
    w.remote_addr = B_DST + 900;
    w.rkey = b->mr_key;
    a->rdo.host = m->vf[1];
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    a->rdo.host = m->vf[2];
    mig_idle(m);
    g_assert_cmpuint(pair_cq_ready(a), ==, 0);
    g_assert_cmpuint(test_reg_read(m->vf[1]->h, RDO_REG_CNT_ISOLATION), ==,
                     iso + 1);
    td_doorbell(m->vf[2], 0, RDO_DB_SQ,
                RDO_DB_VALUE(QPN, 0, a->qp[0].sq_pi));
    mig_run_until(m, vf_cqes, GUINT_TO_POINTER(1));
    pair_expect_cqe(a, 0x53, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    pair_assert_same(a, A_SRC + 900, b, B_DST + 900, 7777);
}

/* REREG_MR on VF 2 of the MR that came along: its keys still name VF 1
 * (the peer's copies of them stay valid), with the new low byte. */
static void rereg_on_destination(Mig *m)
{
    PairSide *a = &m->p.s[0];
    struct rdo_cqp_cmd c = td_cmd_of(RDO_CMD_REREG_MR, m->la.mr_index);
    struct rdo_cqp_comp comp;

    c.u.rereg_mr.key = 0x77;
    c.u.rereg_mr.access = RDO_ACCESS__ALL;
    c.u.rereg_mr.mask = RDO_REREG_ACCESS;
    comp = td_cmd(m->vf[2], &c);
    g_assert_cmpuint(comp.status, ==, RDO_CQP_OK);
    g_assert_cmphex(comp.result, ==,
                    RDO_MR_FN_KEY(1, m->la.mr_index, 0x77));
    a->mr_key = comp.result;
    one_write(m, 0x54, 1200);
}

static void test_bad_input(void)
{
    RdoConfig cfg = sriov_config();
    Mig *m = mig_new(&cfg);
    TestDriver *vf1 = m->vf[1], *vf2 = m->vf[2];
    uint32_t share = test_reg_read(vf1->h, RDO_REG_MAX_QP);
    struct rdo_cqp_cmd c;
    uint64_t sq, rq;

    /* From a VF: a PF-only command, an isolation refusal. */
    c = move_cmd(QPN, 1, 2);
    g_assert_cmpuint(td_cmd(vf1, &c).status, ==, RDO_CQP_NOT_PERMITTED);
    g_assert_cmpuint(vf1->h->class_count[RDO_GE_FN_NOT_PERMITTED], ==, 1);
    g_assert_cmpuint(test_reg_read(vf1->h, RDO_REG_CNT_ISOLATION), ==, 1);
    /* Function numbers: the same twice, beyond the VFs. */
    refused(m, move_cmd(QPN, 1, 1), RDO_CQP_BAD_PARAM);
    refused(m, move_cmd(QPN, 1, VFS + 1), RDO_CQP_BAD_INDEX);
    refused(m, move_cmd(QPN, 9, 2), RDO_CQP_BAD_INDEX);
    /* Reserved bytes. */
    c = move_cmd(QPN, 1, 2);
    c.u.move_qp.reserved1 = 1;
    refused(m, c, RDO_CQP_BAD_RESERVED);
    c = move_cmd(QPN, 1, 2);
    c.u.raw[40] = 1;
    refused(m, c, RDO_CQP_BAD_RESERVED);
    /* QP numbers: beyond VF 1's share, none there. */
    refused(m, move_cmd(share + 1, 1, 2), RDO_CQP_BAD_INDEX);
    refused(m, move_cmd(QPN + 7, 1, 2), RDO_CQP_NOT_FOUND);
    /* Not RC (a UD QP), not connected (an RC QP in RESET); both on the
     * connection's CQ, which makes it in use by others as well. */
    td_create_qp(vf1, QPN + 1, RDO_QPT_UD, m->la.pdn, m->la.cqn, &sq, &rq);
    td_create_qp(vf1, QPN + 2, RDO_QPT_RC, m->la.pdn, m->la.cqn, &sq, &rq);
    refused(m, move_cmd(QPN + 1, 1, 2), RDO_CQP_BAD_PARAM);
    refused(m, move_cmd(QPN + 2, 1, 2), RDO_CQP_BAD_STATE);
    refused(m, move_cmd(QPN, 1, 2), RDO_CQP_IN_USE);
    for (uint32_t q = QPN + 1; q <= QPN + 2; q++) {
        c = td_cmd_of(RDO_CMD_DESTROY_QP, q);
        g_assert_cmpuint(td_cmd(vf1, &c).status, ==, RDO_CQP_OK);
    }
    /* The destination: an EQ it does not have, a doorbell page beyond its
     * BAR, numbers it holds already (the PD's, then the CQ's). */
    c = move_cmd(QPN, 1, 2);
    c.u.move_qp.eqn = 3;
    refused(m, c, RDO_CQP_NOT_FOUND);
    c = move_cmd(QPN, 1, 2);
    c.u.move_qp.qp_db_page = vf2->h->core.cfg.doorbell_pages;
    refused(m, c, RDO_CQP_BAD_PARAM);
    td_create_pd(vf2, m->la.pdn);
    refused(m, move_cmd(QPN, 1, 2), RDO_CQP_NO_RESOURCES);
    c = td_cmd_of(RDO_CMD_DESTROY_PD, m->la.pdn);
    g_assert_cmpuint(td_cmd(vf2, &c).status, ==, RDO_CQP_OK);
    td_create_cq(vf2, m->la.cqn, 4, 0, 0);
    refused(m, move_cmd(QPN, 1, 2), RDO_CQP_NO_RESOURCES);
    c = td_cmd_of(RDO_CMD_DESTROY_CQ, m->la.cqn);
    g_assert_cmpuint(td_cmd(vf2, &c).status, ==, RDO_CQP_OK);
    /* A disabled destination. */
    rdo_vf_enable(&vf2->h->core, false);
    refused(m, move_cmd(QPN, 1, 2), RDO_CQP_BAD_INDEX);
    rdo_vf_enable(&vf2->h->core, true);
    refused(m, move_cmd(QPN, 1, 2), RDO_CQP_BAD_STATE);     /* not started */
    td_start(vf2);

    /* Undisturbed: the connection still carries data from VF 1. */
    one_write(m, 0x51, 100);
    g_assert_cmpuint(test_reg_read(m->pf->h, RDO_REG_CNT_ISOLATION), ==, 0);

    /* Moved; then the QP is VF 2's: VF 1's number is a third function's
     * to the PF, and moving it from VF 1 again is refused. */
    do_move(m);
    refused_after_move(m);
    one_write(m, 0x52, 300);
    posted_during_move(m);
    rereg_on_destination(m);
    mig_free(m);
}

/*
 * The timing model: MOVE_QP costs move-qp-cycles of the device clock on
 * top of a command's base; the same move with 0 cycles takes that much
 * less virtual time.
 */
static uint64_t move_time(uint32_t cycles)
{
    RdoConfig cfg = sriov_config();
    Mig *m;
    uint64_t t0, ns;
    struct rdo_cqp_cmd c;

    cfg.tm.on = true;
    cfg.move_qp_cycles = cycles;
    m = mig_new(&cfg);
    c = move_cmd(QPN, 1, 2);
    t0 = m->pf->h->now_ns;
    g_assert_cmpuint(pf_cmd(m, &c), ==, RDO_CQP_OK);
    ns = m->pf->h->now_ns - t0;
    mig_free(m);
    return ns;
}

static void test_timing(void)
{
    RdoConfig cfg = sriov_config();
    uint64_t base = move_time(0), costly = move_time(20000);

    cfg.tm.on = true;
    g_assert_cmpuint(costly - base, ==,
                     20000ull * 1000 / cfg.tm.clock_mhz);
}

/*
 * To the PF, and then the VFs go: the connection is the PF's, with VF 1's
 * address and keys. The PF's state, saved and loaded again (a live
 * migration, which the VFs no longer block), keeps that: data flows both
 * ways afterwards.
 */
static void test_to_pf_migrate(void)
{
    RdoConfig cfg = sriov_config();
    Mig *m = mig_new(&cfg);
    PairSide *a = &m->p.s[0], *b = &m->p.s[1];
    g_autofree uint8_t *buf = NULL;
    g_autofree char *why = NULL;
    size_t len;

    post_work(m);
    peer_writes(m, 0, PEER_WRITES / 2);
    mig_run_until(m, sent_at_least, GUINT_TO_POINTER(150));
    move_to(m, 0);
    peer_writes(m, PEER_WRITES / 2, PEER_WRITES);
    mig_run_until(m, all_done, NULL);
    for (uint32_t k = 0; k < NWQE; k++) {
        pair_poll_success(a, NWQE);
    }
    for (uint32_t i = 0; i < PEER_WRITES; i++) {
        pair_poll_success(b, 1000 + PEER_WRITES);
    }
    check_data(m);
    g_assert_cmpuint(test_reg_read(m->pf->h, RDO_REG_CNT_QP_MOVED_IN), ==, 1);

    for (uint32_t n = 1; n <= VFS; n++) {
        rdo_vf_enable(&m->vf[n]->h->core, false);
    }
    buf = rdo_core_save(&m->pf->h->core, &len);
    if (!rdo_core_load(&m->pf->h->core, buf, len, &why)) {
        g_error("the PF's state does not load: %s", why);
    }
    one_write(m, 0x61, 700);
    pair_fill(b, B_SRC + (2u << 20), 30000, 0x61);
    peer_writes(m, 0, 1);
    mig_run_until(m, all_done_peer_one, NULL);
    pair_expect_cqe(b, 1000, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    pair_assert_same(b, B_SRC + (2u << 20), a, A_IN + 11, 30000);
    g_assert_cmpuint(test_reg_read(b->d->h, RDO_REG_ERR_COUNT), ==, 0);
    mig_free(m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_data_func("/sriov-move/posted",
                         GINT_TO_POINTER(AT_POSTED), test_move_at);
    g_test_add_data_func("/sriov-move/timed/posted",
                         GINT_TO_POINTER(AT_POSTED | AT_TIMED), test_move_at);
    g_test_add_data_func("/sriov-move/outstanding",
                         GINT_TO_POINTER(AT_OUTSTANDING), test_move_at);
    g_test_add_data_func("/sriov-move/unacked",
                         GINT_TO_POINTER(AT_UNACKED), test_move_at);
    g_test_add_data_func("/sriov-move/nak-go-back",
                         GINT_TO_POINTER(AT_NAK), test_move_at);
    g_test_add_data_func("/sriov-move/timeout",
                         GINT_TO_POINTER(AT_TIMEOUT), test_move_at);
    g_test_add_data_func("/sriov-move/timed/outstanding",
                         GINT_TO_POINTER(AT_OUTSTANDING | AT_TIMED),
                         test_move_at);
    g_test_add_data_func("/sriov-move/timed/timeout",
                         GINT_TO_POINTER(AT_TIMEOUT | AT_TIMED), test_move_at);
    g_test_add_func("/sriov-move/bad-input", test_bad_input);
    g_test_add_func("/sriov-move/to-pf-and-migrate", test_to_pf_migrate);
    g_test_add_func("/sriov-move/timing", test_timing);
    return g_test_run();
}
