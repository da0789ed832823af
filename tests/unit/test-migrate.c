/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Saving and loading the core's hard state (state/): two cores back to
 * back (kernel PDs) run a seeded random workload (WRITE, SEND, READ,
 * atomics on several RC QPs, local buffers through the MR or the local
 * DMA key, remote ones through the MR or B's memory windows, type 1 and
 * type 2, which B rebinds, unbinds and invalidates between batches; UD
 * QPs of both sides in multicast groups that change midway); at random
 * points a core is saved, destroyed, created again and loaded, as a
 * migration does, and the frames on the wire to and from it are lost.
 * Every transfer must be bit-exact with no error completion, and the
 * groups deliver after the last migration; the state loaded is compared
 * with the state saved field by field, and saving it again gives the same
 * bytes. One migration catches a BIND_MW stalled behind its ALLOC_MW.
 *
 * Damaged streams (truncated at every length, random byte flips, another
 * version, another configuration, unknown sections) are refused with a
 * message and leave the core reset; a damaged stream that is accepted must
 * not break the core (the unit suite runs under ASan and UBSan).
 *
 *   RDO_MIGRATE_SEEDS (default 6): seeds of the random workload
 */
#include <string.h>
#include "test-pair.h"
#include "xport/transport.h"
#include "timing/timing.h"

#define OPS_MAX     48
#define QPS         4
#define UD_SLOT     QPS         /* UD slots UD_SLOT, UD_SLOT + 1 */

/* B's windows: over an MR of B's destination area at WIN_IOVA, so that an
 * operation at offset off lands where PAIR_DST + off of B's MR does. */
#define WIN_MR      40
#define WIN_1       41          /* type 1 */
#define WIN_2       42          /* type 2, bound on B's slot 0 */
#define WIN_IOVA    0x7f5500000000ull
#define WIN_LEN     (2u << 20)
#define WR_WIN      0xb000u     /* B's BIND_MW and LOCAL_INV work requests */
#define WR_MCAST    0xc000u     /* multicast datagrams received */

typedef struct Op {
    uint8_t opcode;
    int qp;
    uint32_t len;
    uint64_t off;
    bool done, win;
} Op;

typedef struct Work {
    Pair *p;
    GRand *rand;
    Op ops[OPS_MAX];
    uint32_t n_ops, recvs, done, recvs_done;
    uint32_t migrations, busy_migrations;
    uint64_t last_ns;           /* virtual time of the last migration */
    uint32_t win_key[2];        /* WIN_1's and WIN_2's current keys */
    uint32_t win_mr_key;
    uint32_t win_out;           /* operations through a window not done */
    uint32_t win_ops, win_changes, win_done;
    uint8_t tag;
    bool groups_changed;
} Work;

/* A side's core saved, destroyed, made again and loaded; the state it
 * comes back with must save to the same bytes. */
static uint8_t *save(TestHost *h, size_t *len)
{
    return rdo_core_save(&h->core, len);
}

static void core_recreate(TestHost *h)
{
    RdoConfig cfg = h->core.cfg;
    const RdoHostOps *ops = h->core.ops;

    rdo_core_destroy(&h->core);
    rdo_core_init(&h->core, &cfg, ops, h);
}

/* Field by field: what the transport and the objects hold. */
static void assert_same_state(RdoCore *a, RdoCore *b)
{
    RdoState *x = a->st, *y = b->st;

    g_assert_cmpmem(&a->regs, sizeof(a->regs), &b->regs, sizeof(b->regs));
    g_assert_cmpmem(&a->cnt, sizeof(a->cnt), &b->cnt, sizeof(b->cnt));
    g_assert_cmpint(x->enabled, ==, y->enabled);
    g_assert_cmpuint(x->usable_qps, ==, y->usable_qps);
    g_assert_cmpuint(x->usable_mrs, ==, y->usable_mrs);
    g_assert_cmpmem(x->cqs, a->cfg.max_cq * sizeof(RdoCq), y->cqs,
                    b->cfg.max_cq * sizeof(RdoCq));
    g_assert_cmpmem(x->eqs, a->cfg.max_eq * sizeof(RdoEq), y->eqs,
                    b->cfg.max_eq * sizeof(RdoEq));
    g_assert_cmpmem(x->pds, a->cfg.max_pd * sizeof(RdoPd), y->pds,
                    b->cfg.max_pd * sizeof(RdoPd));
    g_assert_cmpmem(x->qp_used, a->cfg.max_qp, y->qp_used, b->cfg.max_qp);
    g_assert_cmpmem(x->mr_used, a->cfg.max_mr, y->mr_used, b->cfg.max_mr);
    g_assert_cmpmem(x->qp_bind, a->cfg.max_qp * sizeof(RdoQpBind), y->qp_bind,
                    b->cfg.max_qp * sizeof(RdoQpBind));
    g_assert_cmpmem(x->qp_gen, a->cfg.max_qp * 4, y->qp_gen, b->cfg.max_qp * 4);
    g_assert_cmpmem(x->qp_stall_mr, a->cfg.max_qp * 4, y->qp_stall_mr,
                    b->cfg.max_qp * 4);
    g_assert_cmpmem(x->ssq_users, a->cfg.max_qp * 4, y->ssq_users,
                    b->cfg.max_qp * 4);
    g_assert_cmpmem(x->mr_pending, a->cfg.max_mr, y->mr_pending, b->cfg.max_mr);
    g_assert_cmpmem(x->mr_windows, a->cfg.max_mr * 4, y->mr_windows,
                    b->cfg.max_mr * 4);
    g_assert_cmpmem(x->mcast, sizeof(x->mcast), y->mcast, sizeof(y->mcast));
    if (x->enabled) {
        g_assert_cmpuint(x->cqp.pi, ==, y->cqp.pi);
        g_assert_cmpuint(x->cqp.ci, ==, y->cqp.ci);
        g_assert_cmpuint(x->cqp.busy, ==, y->cqp.busy);
        g_assert_cmpmem(x->cqp.pending_mr, 4u << a->regs.cqp_log_size,
                        y->cqp.pending_mr, 4u << b->regs.cqp_log_size);
    }
    for (uint32_t q = 0; q < x->usable_qps; q++) {
        RdoXport *s = &x->xport[q], *t = &y->xport[q];
        GList *l, *m;

        g_assert_cmpuint(s->req.state, ==, t->req.state);
        g_assert_cmpuint(s->req.next_psn, ==, t->req.next_psn);
        g_assert_cmpuint(s->req.una_psn, ==, t->req.una_psn);
        g_assert_cmpuint(s->req.tx_psn_max, ==, t->req.tx_psn_max);
        g_assert_cmpuint(s->req.sq_next, ==, t->req.sq_next);
        g_assert_cmpuint(s->req.tx_pos, ==, t->req.tx_pos);
        g_assert_cmpuint(s->req.tx_pkt, ==, t->req.tx_pkt);
        g_assert_cmpuint(s->req.rd_inflight, ==, t->req.rd_inflight);
        g_assert_cmpuint(s->req.retry_left, ==, t->req.retry_left);
        g_assert_cmpuint(s->req.rto_at, ==, t->req.rto_at);
        g_assert_cmpuint(s->resp.epsn, ==, t->resp.epsn);
        g_assert_cmpuint(s->resp.msn, ==, t->resp.msn);
        g_assert_cmpuint(s->resp.op, ==, t->resp.op);
        g_assert_cmpuint(s->resp.res_next, ==, t->resp.res_next);
        for (int k = 0; k < RDO_RESP_RES_MAX; k++) {
            /* None allocated reads as all unused. */
            static const RdoRespRes unused;
            const RdoRespRes *a = s->resp.res ? &s->resp.res[k] : &unused;
            const RdoRespRes *b = t->resp.res ? &t->resp.res[k] : &unused;

            g_assert_cmpmem(a, sizeof(*a), b, sizeof(*b));
        }
        g_assert_cmpuint(s->agg.len, ==, t->agg.len);
        if (s->agg.len) {
            g_assert_cmpmem(s->agg.buf, s->agg.len, t->agg.buf, t->agg.len);
        }
        g_assert_cmpuint(s->req.sent.length, ==, t->req.sent.length);
        for (l = s->req.sent.head, m = t->req.sent.head; l; l = l->next, m = m->next) {
            RdoSendRec *r = l->data, *u = m->data;

            g_assert_cmpuint(r->wr_id, ==, u->wr_id);
            g_assert_cmpuint(r->first_psn, ==, u->first_psn);
            g_assert_cmpuint(r->npkts, ==, u->npkts);
            g_assert_cmpuint(r->resp_pkts, ==, u->resp_pkts);
            g_assert_cmpuint(r->done, ==, u->done);
            g_assert_cmpuint(r->status, ==, u->status);
            g_assert_cmpuint(r->refs, ==, u->refs);
        }
    }
    g_assert_cmpuint(x->ack_list.len, ==,
                     y->ack_list.len);
    if (x->tm) {
        g_assert_cmpuint(x->tm->link_free_ps, ==, y->tm->link_free_ps);
        g_assert_cmpmem(x->tm->busy_ps, sizeof(x->tm->busy_ps), y->tm->busy_ps,
                        sizeof(y->tm->busy_ps));
        g_assert_cmpuint(g_queue_get_length(&x->tm->work), ==,
                         g_queue_get_length(&y->tm->work));
        g_assert_cmpuint(g_queue_get_length(&x->tm->irqs), ==,
                         g_queue_get_length(&y->tm->irqs));
    }
}

/* Frames on the wire to and from a migrating side are lost. */
static void drop_wire(Pair *p)
{
    for (int k = 0; k < 2; k++) {
        test_frames_reset(&p->s[k].d->h->frames);
        test_ring_reset(&p->s[k].d->h->timed);
    }
}

static void migrate(Work *w, int side)
{
    TestHost *h = w->p->s[side].d->h;
    TestHost *shadow;
    size_t len, len2;
    g_autofree uint8_t *buf = NULL;
    g_autofree uint8_t *again = NULL;
    char *why = NULL;
    bool busy = false;

    /*
     * With the timing model a step is a few device cycles: migrations of
     * both sides every few steps, each losing the frames on the wire and
     * in the device's queues, on top of injected loss, can exhaust a
     * requester's 7 retries (seen with 2% loss). At least 100 us apart:
     * still far more often than a real migration's downtime allows.
     */
    if (h->core.st->tm && w->migrations && h->now_ns - w->last_ns < 100000) {
        return;
    }
    w->last_ns = h->now_ns;
    buf = save(h, &len);
    for (uint32_t q = 0; q < h->core.st->usable_qps; q++) {
        busy |= h->core.st->xport[q].req.sent.length != 0;
    }
    busy |= h->core.st->sq_ready.len || (h->core.st->tm && h->core.st->tm->work.length);
    /* The state before, kept in a second core for the comparison. */
    shadow = test_host_new(&h->core.cfg, 4096);
    shadow->now_ns = h->now_ns;
    g_assert_true(rdo_core_load(&shadow->core, buf, len, &why));
    core_recreate(h);
    if (!rdo_core_load(&h->core, buf, len, &why)) {
        g_error("load refused: %s", why);
    }
    assert_same_state(&shadow->core, &h->core);
    again = save(h, &len2);
    g_assert_cmpmem(buf, len, again, len2);
    test_host_free(shadow);
    drop_wire(w->p);
    w->migrations++;
    w->busy_migrations += busy;
}

static const uint8_t opcodes[] = {
    RDO_WR_RDMA_WRITE, RDO_WR_SEND, RDO_WR_RDMA_READ, RDO_WR_ATOMIC_FETCH_ADD,
    RDO_WR_RDMA_WRITE_IMM,
};

static bool remote_op(uint8_t opcode)
{
    return opcode != RDO_WR_SEND;
}

/* A's local buffer at iova of its MR: through the MR's key, or by guest
 * address through the local DMA key (a kernel PD's). */
static struct rdo_sge local_sge(Work *w, uint64_t iova, uint32_t len)
{
    PairSide *a = &w->p->s[0];

    if (g_rand_boolean(w->rand)) {
        return rdo_sge(rdo_pair_mr_addr(&a->rdo, iova), len, RDO_LOCAL_DMA_LKEY);
    }
    return pair_sge_of(a, iova, len);
}

static void post_one(Work *w, uint64_t *off)
{
    PairSide *b = &w->p->s[1];
    Op *op = &w->ops[w->n_ops];
    uint32_t len;
    struct rdo_send_wqe wqe;
    struct rdo_sge sge;

    op->opcode = opcodes[g_rand_int_range(w->rand, 0, G_N_ELEMENTS(opcodes))];
    op->qp = g_rand_int_range(w->rand, 0, QPS);
    len = g_rand_boolean(w->rand) ? g_rand_int_range(w->rand, 1, 5000)
                                  : g_rand_int_range(w->rand, 1, 40000);
    if (op->opcode == RDO_WR_ATOMIC_FETCH_ADD) {
        len = 8;
    }
    op->len = len;
    op->off = *off;
    *off += (len + 4095) & ~4095u;
    wqe = rdo_wqe(op->opcode, w->n_ops);
    wqe.remote_addr = PAIR_DST + op->off;
    wqe.rkey = b->mr_key;
    /* Through a window: type 2 only from the QP it is bound to. */
    op->win = remote_op(op->opcode) && g_rand_boolean(w->rand);
    if (op->win) {
        bool two = op->qp == 0 && g_rand_boolean(w->rand);

        wqe.remote_addr = WIN_IOVA + op->off;
        wqe.rkey = w->win_key[two];
        w->win_out++;
        w->win_ops++;
    }
    if (op->opcode == RDO_WR_ATOMIC_FETCH_ADD) {
        wqe.compare_add = 0x0101010101010101ull;
        memset(pair_mr_ptr(b, PAIR_DST + op->off), 0x11, 8);
    }
    if (op->opcode == RDO_WR_RDMA_READ || op->opcode == RDO_WR_ATOMIC_FETCH_ADD) {
        sge = local_sge(w, PAIR_DST + op->off, len);
        if (op->opcode == RDO_WR_RDMA_READ) {
            pair_fill(b, PAIR_DST + op->off, len, w->n_ops + 77);
        }
    } else {
        sge = local_sge(w, PAIR_SRC + op->off, len);
    }
    if (op->opcode == RDO_WR_SEND || op->opcode == RDO_WR_RDMA_WRITE_IMM) {
        pair_post_recv(b, op->qp, w->n_ops, PAIR_DST + op->off, len);
        w->recvs++;
    }
    pair_post_send(&w->p->s[0], op->qp, &wqe, &sge, 1, NULL);
    w->n_ops++;
}

static void poll_a(Work *w)
{
    struct rdo_cqe e;

    while ((e = pair_poll_success(&w->p->s[0], w->n_ops)).wr_id != PAIR_NO_CQE) {
        g_assert_false(w->ops[e.wr_id].done);
        w->ops[e.wr_id].done = true;
        w->win_out -= w->ops[e.wr_id].win;
        w->done++;
    }
}

/* B's completions: receives of A's SENDs, its own window work. */
static void poll_b(Work *w)
{
    struct rdo_cqe e;

    while ((e = pair_poll(&w->p->s[1])).wr_id != PAIR_NO_CQE) {
        if (e.status != RDO_WC_SUCCESS) {
            g_error("B: wr_id 0x%" G_GINT64_MODIFIER "x opcode %u: status %u "
                    "vendor_err %u", e.wr_id, e.opcode, e.status, e.vendor_err);
        }
        if (e.wr_id >= WR_WIN && e.wr_id < WR_MCAST) {
            g_assert_true(e.opcode == RDO_CQE_BIND_MW ||
                          e.opcode == RDO_CQE_LOCAL_INV);
            w->win_done++;
        } else {
            g_assert_cmpuint(e.wr_id, <, w->n_ops);
            w->recvs_done++;
        }
    }
}

/* Steps the pair, migrating at random, until B's window work is done. */
static void run_window_work(Work *w, uint32_t expect)
{
    uint64_t end = w->p->s[1].d->h->now_ns + 10 * PAIR_SEC;

    while (w->win_done < expect && pair_step(w->p, end)) {
        poll_a(w);
        poll_b(w);
        if (g_rand_int_range(w->rand, 0, 8) == 0) {
            migrate(w, g_rand_boolean(w->rand));
        }
    }
    poll_b(w);
    g_assert_cmpuint(w->win_done, ==, expect);
}

/* B binds window `which` (0: type 1 on any RC slot, 1: type 2 on slot 0)
 * over the whole MR with a new tag; length 0 unbinds type 1. */
static void bind_window(Work *w, int which, uint64_t len)
{
    int slot = which ? 0 : g_rand_int_range(w->rand, 0, QPS);
    uint8_t tag = ++w->tag;
    struct rdo_send_wqe wqe = rdo_wqe_bind_mw(WR_WIN + w->win_changes++,
                                              w->win_key[which], tag,
                                              w->win_mr_key, WIN_IOVA, len,
                                              RDO_ACCESS_REMOTE);

    pair_post_send(&w->p->s[1], slot, &wqe, NULL, 0, NULL);
    w->win_key[which] = RDO_MR_KEY(RDO_MR_KEY_INDEX(w->win_key[which]), tag);
}

/*
 * B's MR over its destination area and two windows on it. WIN_2's BIND_MW
 * is posted before its ALLOC_MW: B's slot 0 stalls behind the command,
 * and B migrates then (the stall and the queued command travel).
 */
static void window_setup(Work *w)
{
    PairSide *b = &w->p->s[1];
    uint32_t pages = WIN_LEN / RDO_PAGE_SIZE;
    uint64_t list = td_alloc(b->d, pages * 8ull, 8);
    uint64_t *entry = td_ptr(b->d, list);
    struct rdo_cqp_cmd cmd;
    uint32_t qpn = b->qp[0].qpn, index, result = 0;

    for (uint32_t i = 0; i < pages; i++) {
        entry[i] = rdo_pair_mr_addr(&b->rdo, PAIR_DST) + i * RDO_PAGE_SIZE;
    }
    cmd = rdo_cmd_reg_mr(WIN_MR, 0x30, 0, WIN_IOVA, WIN_LEN, list, pages);
    cmd.u.reg_mr.access = RDO_ACCESS_LOCAL_WRITE | RDO_ACCESS_REMOTE |
                          RDO_ACCESS_MW_BIND;
    g_assert_cmpuint(rdo_pair_cmd(&b->rdo, cmd, &result), ==, RDO_CQP_OK);
    w->win_mr_key = result;
    g_assert_cmpuint(rdo_pair_cmd(&b->rdo, rdo_cmd_alloc_mw(WIN_1, 0x31, 0,
                                                            RDO_MW_TYPE_1),
                                  &w->win_key[0]), ==, RDO_CQP_OK);
    w->win_key[1] = RDO_MR_KEY(WIN_2, 0x32);
    bind_window(w, 1, WIN_LEN);
    cmd = rdo_cmd_alloc_mw(WIN_2, 0x32, 0, RDO_MW_TYPE_2);
    index = td_post(b->d, &cmd);
    td_ring_cqp(b->d);
    for (int k = 0; k < 1000 && b->d->h->core.st->qp_stall_mr[qpn] == RDO_NONE; k++) {
        g_assert_true(pair_step(w->p, b->d->h->now_ns + PAIR_SEC));
    }
    g_assert_cmpuint(b->d->h->core.st->qp_stall_mr[qpn], ==, WIN_2);
    g_assert_true(b->d->h->core.st->mr_pending[WIN_2]);
    migrate(w, 1);
    run_window_work(w, 1);
    g_assert_cmpuint(td_comp(b->d, index).status, ==, RDO_CQP_OK);
    bind_window(w, 0, WIN_LEN);
    run_window_work(w, 2);
}

/* Between batches, with no operation through a window outstanding: B
 * rebinds type 1, unbinds and binds it again, or invalidates type 2 and
 * binds it again. */
static void window_change(Work *w)
{
    uint32_t expect = w->win_done;

    switch (g_rand_int_range(w->rand, 0, 3)) {
    case 0:
        bind_window(w, 0, WIN_LEN);
        expect += 1;
        break;
    case 1:
        bind_window(w, 0, 0);
        bind_window(w, 0, WIN_LEN);
        expect += 2;
        break;
    default: {
        struct rdo_send_wqe wqe = rdo_wqe_local_inv(WR_WIN + w->win_changes++,
                                                    w->win_key[1]);

        pair_post_send(&w->p->s[1], 0, &wqe, NULL, 0, NULL);
        bind_window(w, 1, WIN_LEN);
        expect += 2;
    }
    }
    run_window_work(w, expect);
}

/* Multicast groups 239.9.0.x and their MACs. */
static void group_of(uint8_t n, uint8_t gid[16], uint8_t mac[6])
{
    memset(gid, 0, 16);
    gid[10] = gid[11] = 0xff;
    gid[12] = 239;
    gid[13] = 9;
    gid[15] = n;
    g_assert_true(rdo_mcast_gid_mac(gid, mac));
}

/*
 * A command on one side while traffic runs: posted, and the pair stepped
 * until it completes (rdo_pair_cmd runs one side's clock alone, 100 ms a
 * command, and the peer's requesters would run out of retries).
 */
static void side_cmd(Work *w, int side, struct rdo_cqp_cmd cmd)
{
    TestDriver *d = w->p->s[side].d;
    uint32_t index = td_post(d, &cmd);
    struct rdo_cqp_comp c;

    td_ring_cqp(d);
    while (c = td_comp(d, index), !rdo_owner_is_sw(c.owner, index, TD_CQP_LOG)) {
        g_assert_true(pair_step(w->p, d->h->now_ns + PAIR_SEC));
    }
    g_assert_cmpuint(c.status, ==, RDO_CQP_OK);
}

static void mcast(Work *w, int side, uint8_t opcode, int slot, uint8_t group)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_new(opcode, w->p->s[side].qp[slot].qpn);
    uint8_t mac[6];

    group_of(group, cmd.u.mcast.gid, mac);
    side_cmd(w, side, cmd);
    /* A migration with the table just changed. */
    migrate(w, side);
}

/* B's UD slots in group 1, A's first UD slot in group 1, its second in
 * group 2; midway A's first moves to group 3 and B's first leaves group
 * 1 and comes back (the group's list reordered). */
static void groups_setup(Work *w)
{
    mcast(w, 1, RDO_CMD_ATTACH_MCAST, UD_SLOT, 1);
    mcast(w, 1, RDO_CMD_ATTACH_MCAST, UD_SLOT + 1, 1);
    mcast(w, 0, RDO_CMD_ATTACH_MCAST, UD_SLOT, 1);
    mcast(w, 0, RDO_CMD_ATTACH_MCAST, UD_SLOT + 1, 2);
}

static void groups_change(Work *w)
{
    mcast(w, 0, RDO_CMD_DETACH_MCAST, UD_SLOT, 1);
    mcast(w, 0, RDO_CMD_ATTACH_MCAST, UD_SLOT, 3);
    mcast(w, 1, RDO_CMD_DETACH_MCAST, UD_SLOT, 1);
    mcast(w, 1, RDO_CMD_ATTACH_MCAST, UD_SLOT, 1);
}

/* A datagram from side `from`'s slot to a group; `to` slots of the other
 * side receive it, byte-exact behind the 40-byte GRH. */
static void group_send(Pair *p, int from, uint8_t group, uint32_t seed,
                       const int *to, int n)
{
    PairSide *s = &p->s[from], *r = &p->s[!from];
    struct rdo_ud_seg ud = { .dest_qpn = RDO_MCAST_QPN,
                             .qkey = p->layout.qkey };
    struct rdo_send_wqe wqe = rdo_wqe(RDO_WR_SEND, WR_MCAST);
    const uint64_t dst = PAIR_DST + (2u << 20) - 16384;
    struct rdo_sge sge = pair_sge_of(s, PAIR_SRC, 1000);
    bool got[2] = { false };
    struct rdo_cqe e;

    for (int k = 0; k < n; k++) {
        pair_post_recv(r, to[k], WR_MCAST + k, dst + k * 4096ull, 4096);
    }
    group_of(group, ud.dgid, ud.dmac);
    pair_fill(s, PAIR_SRC, 1000, seed);
    pair_post_send(s, UD_SLOT, &wqe, &sge, 1, &ud);
    g_assert_true(pair_run_cqes(p, !from, n, PAIR_SEC));
    g_assert_true(pair_run_cqes(p, from, 1, PAIR_SEC));
    pair_expect_cqe(s, WR_MCAST, RDO_CQE_SEND, RDO_WC_SUCCESS);
    for (int k = 0; k < n; k++) {
        e = pair_poll(r);
        g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
        g_assert_cmpuint(e.byte_len, ==, 1040);
        g_assert_cmpuint(e.wr_id - WR_MCAST, <, (uint64_t)n);
        got[e.wr_id - WR_MCAST] = true;
        pair_assert_same(s, PAIR_SRC, r, dst + (e.wr_id - WR_MCAST) * 4096 + 40,
                         1000);
    }
    for (int k = 0; k < n; k++) {
        g_assert_true(got[k]);
    }
}

static void check_data(Work *w)
{
    PairSide *a = &w->p->s[0], *b = &w->p->s[1];

    for (uint32_t k = 0; k < w->n_ops; k++) {
        const Op *op = &w->ops[k];

        g_assert_true(op->done);
        switch (op->opcode) {
        case RDO_WR_RDMA_READ:
            pair_assert_same(a, PAIR_DST + op->off, b, PAIR_DST + op->off, op->len);
            break;
        case RDO_WR_ATOMIC_FETCH_ADD:
            pair_assert_fetch_add_once(a, PAIR_DST + op->off, b, PAIR_DST + op->off);
            break;
        default:
            pair_assert_same(a, PAIR_SRC + op->off, b, PAIR_DST + op->off, op->len);
        }
    }
}

/* After the last migration of each side, every group still delivers. */
static void groups_check(Work *w)
{
    static const int both[2] = { UD_SLOT, UD_SLOT + 1 };
    static const int first[1] = { UD_SLOT }, second[1] = { UD_SLOT + 1 };

    for (int side = 0; side < 2; side++) {
        w->last_ns = 0;
        migrate(w, side);
    }
    group_send(w->p, 0, 1, 91, both, 2);
    group_send(w->p, 1, 2, 92, second, 1);
    if (w->groups_changed) {
        group_send(w->p, 1, 3, 93, first, 1);
    }
}

/* A pair of kernel PDs with the RC and UD QPs, the groups and windows. */
static void work_setup(Work *w, const RdoConfig *cfg, uint32_t seed)
{
    w->p = pair_new_kernel(cfg);
    w->rand = g_rand_new_with_seed(seed);
    for (int i = 0; i < QPS; i++) {
        pair_connect(w->p, i, RDO_QPT_RC, RDO_MTU_4096 - 2);
    }
    pair_connect(w->p, UD_SLOT, RDO_QPT_UD, RDO_MTU_4096 - 2);
    pair_connect(w->p, UD_SLOT + 1, RDO_QPT_UD, RDO_MTU_4096 - 2);
    groups_setup(w);
    window_setup(w);
}

static uint32_t workload(uint32_t seed, bool timed, uint32_t drop_ppm)
{
    RdoConfig cfg = test_host_default_config();
    Work w = { 0 };
    uint64_t off = 0;
    uint64_t end;

    cfg.tm.on = timed;
    cfg.fault_seed = seed;
    cfg.fault_drop_ppm = drop_ppm;
    work_setup(&w, &cfg, seed);
    pair_fill(&w.p->s[0], PAIR_SRC, 2u << 20, seed);
    while (w.n_ops < OPS_MAX && off < (2u << 20) - 80000) {
        int batch = g_rand_int_range(w.rand, 1, 6);

        if (!w.win_out && g_rand_int_range(w.rand, 0, 3) == 0) {
            window_change(&w);
        }
        if (!w.groups_changed && w.n_ops > OPS_MAX / 2) {
            groups_change(&w);
            w.groups_changed = true;
        }
        for (int k = 0; k < batch && w.n_ops < OPS_MAX &&
             off < (2u << 20) - 80000; k++) {
            post_one(&w, &off);
        }
        /* Saved at a random step of the traffic, either side. */
        for (int s = g_rand_int_range(w.rand, 1, 120); s > 0; s--) {
            if (!pair_step(w.p, w.p->s[0].d->h->now_ns + PAIR_SEC)) {
                break;
            }
            if (g_rand_int_range(w.rand, 0, 12) == 0 ||
                (!w.busy_migrations && w.n_ops > OPS_MAX / 2)) {
                migrate(&w, g_rand_int_range(w.rand, 0, 3) ? 0 : 1);
            }
        }
        poll_a(&w);
        poll_b(&w);
    }
    end = w.p->s[0].d->h->now_ns + 60 * PAIR_SEC;
    while ((w.done < w.n_ops || w.recvs_done < w.recvs) && pair_step(w.p, end)) {
        poll_a(&w);
        poll_b(&w);
        if (g_rand_int_range(w.rand, 0, 60) == 0) {
            migrate(&w, g_rand_boolean(w.rand));
        }
    }
    poll_a(&w);
    poll_b(&w);
    if (w.done < w.n_ops || w.recvs_done < w.recvs) {
        g_error("seed %u: %u of %u done, %u of %u received, %u migrations",
                seed, w.done, w.n_ops, w.recvs_done, w.recvs, w.migrations);
    }
    check_data(&w);
    /* Datagrams are not retransmitted: with loss injected, the groups are
     * only compared field by field. */
    if (!drop_ppm) {
        groups_check(&w);
    }
    for (int s = 0; s < 2; s++) {
        g_assert_cmpuint(w.p->s[s].d->h->xport_events[RDO_XE_QP_ERROR], ==, 0);
    }
    g_assert_cmpuint(w.migrations, >, 0);
    g_assert_cmpuint(w.win_ops, >, 0);
    if (g_test_verbose()) {
        g_test_message("seed %u%s: %u ops (%u through windows), %u window "
                       "changes, %u migrations (%u with work outstanding), "
                       "%u retransmits", seed, timed ? " timed" : "", w.n_ops,
                       w.win_ops, w.win_changes, w.migrations,
                       w.busy_migrations,
                       pair_cnt(&w.p->s[0], RDO_REG_CNT_RETRANSMITS));
    }
    g_rand_free(w.rand);
    pair_free(w.p);
    return w.busy_migrations;
}

static uint32_t n_seeds(void)
{
    const char *s = g_getenv("RDO_MIGRATE_SEEDS");

    return s ? (uint32_t)atoi(s) : 6;
}

/* Every seed migrates; most migrations catch work outstanding. */
static void test_workload(void)
{
    uint32_t busy = 0;

    for (uint32_t seed = 1; seed <= n_seeds(); seed++) {
        busy += workload(seed, false, 0);
    }
    g_assert_cmpuint(busy, >=, n_seeds());
}

static void test_workload_timed(void)
{
    uint32_t busy = 0;

    for (uint32_t seed = 1; seed <= n_seeds(); seed++) {
        busy += workload(100 + seed, true, 0);
    }
    g_assert_cmpuint(busy, >, 0);
}

static void test_workload_lossy(void)
{
    for (uint32_t seed = 1; seed <= n_seeds() / 2 + 1; seed++) {
        workload(200 + seed, seed & 1, 20000);
    }
}

/* A pair in the middle of traffic, and side A's state at that point. */
static Pair *busy_pair(bool timed, uint8_t **buf, size_t *len)
{
    RdoConfig cfg = test_host_default_config();
    Pair *p;
    PairSide *a, *b;

    cfg.tm.on = timed;
    p = pair_new(&cfg);
    a = &p->s[0];
    b = &p->s[1];
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_connect(p, 1, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_fill(a, PAIR_SRC, 1u << 20, 5);
    for (int i = 0; i < 6; i++) {
        struct rdo_send_wqe w = rdo_wqe(i % 3 ? RDO_WR_RDMA_WRITE : RDO_WR_RDMA_READ, i);
        struct rdo_sge sge = pair_sge_of(a, PAIR_SRC + i * 65536u, 20000);

        w.remote_addr = PAIR_DST + i * 65536u;
        w.rkey = b->mr_key;
        pair_post_send(a, i & 1, &w, &sge, 1, NULL);
    }
    for (int s = 0; s < 7; s++) {
        pair_step(p, a->d->h->now_ns + PAIR_SEC);
    }
    *buf = rdo_core_save(&a->d->h->core, len);
    return p;
}

/* A stream refused leaves the core as after a reset. */
static void assert_refused(TestHost *h, const uint8_t *buf, size_t len,
                           const char *expect)
{
    char *why = NULL;

    g_assert_false(rdo_core_load(&h->core, buf, len, &why));
    g_assert_nonnull(why);
    if (expect && !strstr(why, expect)) {
        g_error("refused with \"%s\", expected \"%s\"", why, expect);
    }
    g_assert_cmpuint(h->core.regs.control, ==, 0);
    g_assert_false(h->core.st->enabled);
    g_free(why);
}

static void test_truncated(void)
{
    uint8_t *buf;
    size_t len;
    Pair *p = busy_pair(false, &buf, &len);
    TestHost *h = test_host_new(&p->s[0].d->h->core.cfg, 4096);

    h->now_ns = p->s[0].d->h->now_ns;
    for (size_t n = 0; n < len; n++) {
        assert_refused(h, buf, n, NULL);
    }
    /* The whole stream loads, and a byte more is refused. */
    g_assert_true(rdo_core_load(&h->core, buf, len, NULL));
    buf = g_realloc(buf, len + 1);
    buf[len] = 0;
    assert_refused(h, buf, len + 1, "bytes long");
    if (g_test_verbose()) {
        g_test_message("stream of %zu bytes: every truncation refused", len);
    }
    test_host_free(h);
    g_free(buf);
    pair_free(p);
}

static void set_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = v >> (8 * i);
    }
}

static void test_version_and_config(void)
{
    uint8_t *buf;
    size_t len;
    Pair *p = busy_pair(true, &buf, &len);
    RdoConfig cfg = p->s[0].d->h->core.cfg;
    TestHost *h = test_host_new(&cfg, 4096), *other;
    g_autofree uint8_t *copy = g_memdup2(buf, len);

    set_u32(copy + 4, RDO_STATE_VERSION + 1);
    assert_refused(h, copy, len, "format version");
    memcpy(copy, buf, len);
    copy[0] ^= 1;
    assert_refused(h, copy, len, "magic");
    /* Another configuration: the sizes would not agree. */
    cfg.max_qp = 512;
    other = test_host_new(&cfg, 4096);
    assert_refused(other, buf, len, "max-qp");
    test_host_free(other);
    cfg = p->s[0].d->h->core.cfg;
    cfg.tm.on = false;
    other = test_host_new(&cfg, 4096);
    assert_refused(other, buf, len, "timing");
    test_host_free(other);
    test_host_free(h);
    g_free(buf);
    pair_free(p);
}

/* A section from a newer version, before the end tag: refused unless the
 * writer marked it skippable. */
static void test_unknown_section(void)
{
    uint8_t *buf;
    size_t len;
    Pair *p = busy_pair(false, &buf, &len);
    TestHost *h = test_host_new(&p->s[0].d->h->core.cfg, 4096);
    uint8_t *ext = g_malloc(len + 12);
    static const uint8_t sect[12] = { 0x00, 0x10, 0, 0, 4, 0, 0, 0, 1, 2, 3, 4 };

    memcpy(ext, buf, len - 8);
    memcpy(ext + len - 8, sect, sizeof(sect));
    memcpy(ext + len + 4, buf + len - 8, 8);
    set_u32(ext + 8, len + 12);
    assert_refused(h, ext, len + 12, "section 4096 unknown");
    ext[len - 8 + 2] = 1;           /* RDO_SECT_SKIPPABLE */
    g_assert_true(rdo_core_load(&h->core, ext, len + 12, NULL));
    g_free(ext);
    test_host_free(h);
    g_free(buf);
    pair_free(p);
}

/*
 * Random byte flips: a stream refused leaves the core reset; one accepted
 * (a flipped PSN or address is still a well-formed state) runs on in the
 * pair without breaking the core.
 */
static void flips(bool timed)
{
    uint8_t *buf;
    size_t len;
    Pair *p = busy_pair(timed, &buf, &len);
    TestHost *h = p->s[0].d->h;
    GRand *r = g_rand_new_with_seed(7);
    g_autofree uint8_t *copy = g_malloc(len);
    uint32_t refused = 0, accepted = 0;

    for (int i = 0; i < 300; i++) {
        char *why = NULL;
        int flips = g_rand_int_range(r, 1, 4);

        memcpy(copy, buf, len);
        for (int k = 0; k < flips; k++) {
            copy[g_rand_int_range(r, 12, len)] ^= 1u << g_rand_int_range(r, 0, 8);
        }
        if (rdo_core_load(&h->core, copy, len, &why)) {
            accepted++;
            for (int s = 0; s < 300 && pair_step(p, h->now_ns + PAIR_SEC / 100); s++) {
            }
        } else {
            refused++;
            g_assert_cmpuint(h->core.regs.control, ==, 0);
            g_free(why);
        }
    }
    if (g_test_verbose()) {
        g_test_message("%u flipped streams refused, %u accepted and run",
                       refused, accepted);
    }
    g_assert_cmpuint(refused, >, 0);
    g_rand_free(r);
    g_free(buf);
    pair_free(p);
}

static void test_flips(void)
{
    flips(false);
    flips(true);
}

/* An idle device and one in the catastrophic state load as they were. */
static void test_idle_and_fatal(void)
{
    RdoConfig cfg = test_host_default_config();
    TestHost *h = test_host_new(&cfg, 4096), *g = test_host_new(&cfg, 4096);
    uint8_t *buf;
    size_t len;

    test_reg_write(h, RDO_REG_SCRATCH, 0x5a5a);
    buf = rdo_core_save(&h->core, &len);
    g_assert_true(rdo_core_load(&g->core, buf, len, NULL));
    g_assert_cmpuint(test_reg_read(g, RDO_REG_SCRATCH), ==, 0x5a5a);
    g_free(buf);
    rdo_core_fatal(&h->core, RDO_FATAL_INJECTED, false, "test");
    buf = rdo_core_save(&h->core, &len);
    g_assert_true(rdo_core_load(&g->core, buf, len, NULL));
    g_assert_cmpuint(test_reg_read(g, RDO_REG_FATAL_CAUSE), ==, RDO_FATAL_INJECTED);
    g_assert_true(rdo_core_is_fatal(&g->core));
    g_free(buf);
    test_host_free(h);
    test_host_free(g);
}

/* Side B's state with one value changed is refused with `expect`. */
static void refused_with(Work *w, uint32_t *value, uint32_t bad,
                         const char *expect)
{
    RdoCore *core = &w->p->s[1].d->h->core;
    TestHost *h = test_host_new(&core->cfg, 4096);
    uint32_t good = *value;
    uint8_t *buf;
    size_t len;

    h->now_ns = w->p->s[1].d->h->now_ns;
    *value = bad;
    buf = rdo_core_save(core, &len);
    *value = good;
    assert_refused(h, buf, len, expect);
    g_free(buf);
    test_host_free(h);
}

/*
 * Windows and groups checked across sections: a group with an RC QP or a
 * unicast GID, more windows counted than there are windows, an MR with
 * windows whose registration is still queued, a QP that exists but was
 * never created.
 */
static void test_windows_groups_refused(void)
{
    Work w = { 0 };
    RdoState *st;
    PairSide *b;
    int g = -1;

    work_setup(&w, NULL, 9);
    b = &w.p->s[1];
    st = b->d->h->core.st;      /* the core was made again by migrations */
    for (int i = 0; i < RDO_MCAST_GROUPS && g < 0; i++) {
        g = st->mcast[i].nqp ? i : -1;
    }
    g_assert_cmpint(g, >=, 0);
    g_assert_true(st->pds[0].kernel);
    g_assert_cmpuint(st->mr_windows[WIN_MR], ==, 2);
    refused_with(&w, &st->mcast[g].qpn[0], b->qp[0].qpn, "is not UD");
    refused_with(&w, &st->qp_bind[b->qp[UD_SLOT].qpn].type, RDO_QPT_RC,
                 "is not UD");
    refused_with(&w, (uint32_t *)&st->mcast[g].gid[12], 0x0100000a,
                 "not a multicast GID");
    refused_with(&w, &st->mr_windows[WIN_MR], 100, "windows bound");
    /* The windows' dirty context lines name an MR that counts none. */
    refused_with(&w, &st->mr_windows[WIN_MR], 0, "does not count it");
    refused_with(&w, &st->qp_gen[b->qp[2].qpn], 0, "never created");
    refused_with(&w, &st->qp_bind[b->qp[2].qpn].type, RDO_QPT__COUNT,
                 "QP type");
    g_rand_free(w.rand);
    pair_free(w.p);
}

/*
 * The stream's size and the host time to save and load it, for a device
 * with n RC QPs, idle and with a 64 KiB WRITE in flight on each (docs/
 * architecture.md, "Size and time"). Asserted: a QP in flight costs less
 * than 2 KiB of stream, an idle one less than 1200 bytes.
 */
static void size_row(uint32_t n, bool busy)
{
    RdoConfig cfg = test_host_default_config();
    Pair *p = pair_new(&cfg);
    PairSide *a = &p->s[0], *b = &p->s[1];
    TestHost *h = test_host_new(&cfg, 4096);
    uint8_t *buf = NULL;
    size_t len = 0;
    int64_t t0, save_us, load_us;
    const int reps = 5;

    for (uint32_t i = 0; i < n; i++) {
        pair_connect(p, i, RDO_QPT_RC, RDO_MTU_4096 - 2);
    }
    pair_fill(a, PAIR_SRC, 65536, 3);
    for (uint32_t i = 0; busy && i < n; i++) {
        struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, i);
        struct rdo_sge sge = pair_sge_of(a, PAIR_SRC, 65536);

        w.remote_addr = PAIR_DST;
        w.rkey = b->mr_key;
        pair_post_send(a, i, &w, &sge, 1, NULL);
    }
    for (int s = 0; busy && s < 3; s++) {
        pair_step(p, a->d->h->now_ns + PAIR_SEC);
    }
    t0 = g_get_monotonic_time();
    for (int r = 0; r < reps; r++) {
        g_free(buf);
        buf = rdo_core_save(&a->d->h->core, &len);
    }
    save_us = (g_get_monotonic_time() - t0) / reps;
    h->now_ns = a->d->h->now_ns;
    t0 = g_get_monotonic_time();
    for (int r = 0; r < reps; r++) {
        g_assert_true(rdo_core_load(&h->core, buf, len, NULL));
    }
    load_us = (g_get_monotonic_time() - t0) / reps;
    if (busy) {
        uint32_t recs = 0;

        for (uint32_t q = 0; q < h->core.st->usable_qps; q++) {
            recs += h->core.st->xport[q].req.sent.length;
        }
        g_assert_cmpuint(recs, ==, n);      /* every WRITE caught in flight */
    }
    g_assert_cmpuint(len, <, 4096 + n * (busy ? 2048 : 1200));
    if (g_test_verbose()) {
        g_test_message("| %3u | %-9s | %7zu | %6" G_GINT64_FORMAT " | %6"
                       G_GINT64_FORMAT " |", n, busy ? "in flight" : "idle",
                       len, save_us, load_us);
    }
    g_free(buf);
    test_host_free(h);
    pair_free(p);
}

static void test_size(void)
{
    static const uint32_t qps[] = { 1, 16, 64, 256 };

    if (g_test_verbose()) {
        g_test_message("| QPs | traffic   | bytes   | save us | load us |");
    }
    for (size_t i = 0; i < G_N_ELEMENTS(qps); i++) {
        size_row(qps[i], false);
        size_row(qps[i], true);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/migrate/workload", test_workload);
    g_test_add_func("/migrate/workload-timed", test_workload_timed);
    g_test_add_func("/migrate/workload-lossy", test_workload_lossy);
    g_test_add_func("/migrate/idle-and-fatal", test_idle_and_fatal);
    g_test_add_func("/migrate/truncated", test_truncated);
    g_test_add_func("/migrate/version-and-config", test_version_and_config);
    g_test_add_func("/migrate/unknown-section", test_unknown_section);
    g_test_add_func("/migrate/flips", test_flips);
    g_test_add_func("/migrate/windows-groups-refused", test_windows_groups_refused);
    g_test_add_func("/migrate/size", test_size);
    return g_test_run();
}
