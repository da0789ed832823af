/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Protocol-engine failover (D19; state/failover.c, core.c): two cores back
 * to back with failover=1 run a seeded random workload (WRITE, WRITE with
 * immediate, SEND, READ, FETCH_ADD on several RC QPs, 1 KiB MTU so that
 * messages take many packets), each local buffer gathered from or
 * scattered to up to three unaligned pieces apart in memory, SENDs
 * received into two pieces; at random steps one side's engine faults
 * (FO_INJECT), and the test counts the faults that caught a message in
 * the middle, READs outstanding or responder resources in use. Every
 * transfer must be bit-exact, every work request complete exactly once
 * with success, every atomic execute exactly once, and nothing more may
 * arrive after; each fault is an EQE 0x21 with its count, never a
 * catastrophic error. The same with the timing model (blackout, frames
 * refused), and with the seeded engine faults (fault-engine-ppm).
 *
 * Also: failover off makes the fault catastrophic (RDO_FATAL_ENGINE), a
 * bad FO_INJECT is a driver mistake, the requester resumes at its oldest
 * unacknowledged PSN, write-backs cost bus bytes only with failover on, a
 * QP context corrupted in the store fails that QP only.
 *
 *   RDO_FAILOVER_SEEDS (default 8): seeds of the random workload
 */
#include <string.h>
#include "test-pair.h"
#include "xport/transport.h"
#include "timing/timing.h"

#define OPS_MAX     40
#define QPS         4
#define PIECES      3
#define SRC_POOL    PAIR_SRC                       /* A's gather pieces */
#define LDST_POOL   (PAIR_SRC + (1u << 20))        /* A's scatter pieces */
#define POOL_LEN    (1u << 20)
#define WR_RECV     0x1000u

typedef struct Piece {
    uint64_t iova;
    uint32_t len;
} Piece;

typedef struct Op {
    uint8_t opcode;
    int qp;
    uint32_t len;
    uint64_t remote;            /* B's side: destination or READ source */
    Piece local[PIECES];        /* A's side */
    int n_local;
    Piece recv[2];              /* B's receive WQE of a SEND */
    bool done, received;
} Op;

typedef struct Work {
    Pair *p;
    GRand *rand;
    Op ops[OPS_MAX];
    uint32_t n_ops, recvs, done, recvs_done;
    uint64_t src_next, ldst_next, remote_next;
    uint32_t faults[2];
    uint32_t mid_message, reads_out, res_in_use;
    uint64_t last_ns;
    uint32_t wire_faults;       /* per 4096 frames */
    uint32_t engines;           /* cfg.engines: a fault takes one of them */
    uint32_t engine_qps;        /* QPs on the engine faulted last */
} Work;

/* A piece of `len` bytes from a pool, at an odd offset behind a gap. */
static Piece take(Work *w, uint64_t pool, uint64_t *next, uint32_t len)
{
    Piece pc;

    *next += g_rand_int_range(w->rand, 1, 300);
    g_assert_cmpuint(*next + len, <=, POOL_LEN);
    pc.iova = pool + *next;
    pc.len = len;
    *next += len;
    return pc;
}

/* `len` split into up to `max` pieces of a pool. */
static int split(Work *w, uint64_t pool, uint64_t *next, uint32_t len,
                 Piece *out, int max)
{
    int n = len < 3 ? 1 : g_rand_int_range(w->rand, 1, max + 1);
    uint32_t left = len;

    for (int k = 0; k < n; k++) {
        uint32_t room = left - (uint32_t)(n - k - 1);
        uint32_t l = k == n - 1 ? left
                                : (uint32_t)g_rand_int_range(w->rand, 1, room + 1);

        out[k] = take(w, pool, next, l);
        left -= l;
    }
    return n;
}

/* The bytes of pieces of side `s`, concatenated, are those at `iova` of
 * side `t`. */
static void assert_pieces(PairSide *s, const Piece *pc, int n, PairSide *t,
                          uint64_t iova)
{
    for (int k = 0; k < n; k++) {
        pair_assert_same(s, pc[k].iova, t, iova, pc[k].len);
        iova += pc[k].len;
    }
}

static const uint8_t opcodes[] = {
    RDO_WR_RDMA_WRITE, RDO_WR_SEND, RDO_WR_RDMA_READ, RDO_WR_ATOMIC_FETCH_ADD,
    RDO_WR_RDMA_WRITE_IMM,
};

static void post_one(Work *w)
{
    PairSide *a = &w->p->s[0], *b = &w->p->s[1];
    Op *op = &w->ops[w->n_ops];
    struct rdo_send_wqe wqe;
    struct rdo_sge sge[PIECES];
    bool atomic;

    op->opcode = opcodes[g_rand_int_range(w->rand, 0, G_N_ELEMENTS(opcodes))];
    atomic = op->opcode == RDO_WR_ATOMIC_FETCH_ADD;
    op->qp = g_rand_int_range(w->rand, 0, QPS);
    op->len = atomic ? 8 : g_rand_boolean(w->rand) ? g_rand_int_range(w->rand, 1, 3000)
                                                   : g_rand_int_range(w->rand, 3000, 24000);
    /* B's side: unaligned, except an atomic's 8 aligned bytes. */
    w->remote_next = (w->remote_next + 64 + g_rand_int_range(w->rand, 0, 64)) &
                     (atomic ? ~7ull : ~0ull);
    op->remote = PAIR_DST + w->remote_next;
    w->remote_next += op->len;
    g_assert_cmpuint(w->remote_next, <, (2u << 20) - 4096);
    if (op->opcode == RDO_WR_RDMA_READ || atomic) {
        op->n_local = atomic ? 1 : split(w, LDST_POOL, &w->ldst_next, op->len,
                                         op->local, PIECES);
        if (atomic) {
            op->local[0] = take(w, LDST_POOL, &w->ldst_next, 8);
            memset(pair_mr_ptr(b, op->remote), 0x11, 8);
        } else {
            pair_fill(b, op->remote, op->len, w->n_ops + 77);
        }
    } else {
        op->n_local = split(w, SRC_POOL, &w->src_next, op->len, op->local, PIECES);
    }
    for (int k = 0; k < op->n_local; k++) {
        sge[k] = pair_sge_of(a, op->local[k].iova, op->local[k].len);
    }
    wqe = rdo_wqe(op->opcode, w->n_ops);
    wqe.remote_addr = op->remote;
    wqe.rkey = b->mr_key;
    if (atomic) {
        wqe.compare_add = 0x0101010101010101ull;
    }
    if (op->opcode == RDO_WR_SEND || op->opcode == RDO_WR_RDMA_WRITE_IMM) {
        struct rdo_sge rs[2];
        int n = 1;

        if (op->opcode == RDO_WR_SEND) {
            /* Two pieces of B's destination area, the second elsewhere. */
            uint32_t first = op->len / 2 + 1;

            op->recv[0] = (Piece){ op->remote, MIN(first, op->len) };
            op->recv[1] = (Piece){ PAIR_DST + (1u << 20) + w->recvs * 24576ull +
                                   g_rand_int_range(w->rand, 1, 500), op->len };
            rs[1] = pair_sge_of(b, op->recv[1].iova, op->recv[1].len);
            n = 2;
        } else {
            op->recv[0] = (Piece){ op->remote, 0 };
        }
        rs[0] = pair_sge_of(b, op->recv[0].iova, op->recv[0].len);
        pair_post_recv_sges(b, op->qp, WR_RECV + w->n_ops, rs, n);
        w->recvs++;
    }
    pair_post_send(a, op->qp, &wqe, sge, op->n_local, NULL);
    w->n_ops++;
}

static void poll_a(Work *w)
{
    struct rdo_cqe e;

    while ((e = pair_poll_success(&w->p->s[0], w->n_ops)).wr_id != PAIR_NO_CQE) {
        g_assert_false(w->ops[e.wr_id].done);     /* not twice */
        w->ops[e.wr_id].done = true;
        w->done++;
    }
}

static void poll_b(Work *w)
{
    struct rdo_cqe e;

    while ((e = pair_poll(&w->p->s[1])).wr_id != PAIR_NO_CQE) {
        Op *op;

        g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
        g_assert_cmpuint(e.wr_id - WR_RECV, <, w->n_ops);
        op = &w->ops[e.wr_id - WR_RECV];
        g_assert_false(op->received);             /* one receive WQE each */
        g_assert_cmpuint(e.byte_len, ==, op->len);
        op->received = true;
        w->recvs_done++;
    }
}

/* The EQ 0 entries since the last look: never a catastrophic one; the
 * last recovery event (if `expect`) counts this side's faults so far. */
static void check_events(Work *w, int side, bool expect)
{
    TestDriver *d = w->p->s[side].d;
    struct rdo_eqe e, last = { 0 };

    while ((e = td_eq0_next(d)).type) {
        g_assert_cmpuint(e.type, !=, RDO_EQE_CATASTROPHIC);
        if (e.type == RDO_EQE_ENGINE_RECOVERED) {
            /* One engine: all QPs; of several, those the faulted one had. */
            g_assert_cmpuint(e.data, ==, w->engines > 1 ? w->engine_qps : QPS);
            last = e;
        }
    }
    if (expect) {
        g_assert_cmpuint(last.type, ==, RDO_EQE_ENGINE_RECOVERED);
        g_assert_cmpuint(last.obj, ==, w->faults[side]);
    }
}

/* A fault of one side's engine, noting what it caught in flight. */
static void fault(Work *w, int side)
{
    TestHost *h = w->p->s[side].d->h;
    RdoState *st = h->core.st;

    /* Timing model: a step is a few cycles; faults far more often than
     * the retransmit timer's 1 ms would exhaust the 7 retries (each
     * recovery costs the frames in flight). */
    if (st->tm && h->now_ns - w->last_ns < 50000) {
        return;
    }
    w->last_ns = h->now_ns;
    for (uint32_t q = 0; q < st->usable_qps; q++) {
        const RdoXport *x = &st->xport[q];

        w->mid_message += x->resp.op != RESP_IDLE || x->req.tx_pkt != 0;
        w->reads_out += x->req.rd_inflight != 0;
        for (int r = 0; x->resp.res && r < RDO_RESP_RES_MAX; r++) {
            w->res_in_use += x->resp.res[r].valid &&
                            rdo_res_streaming(&x->resp, &x->resp.res[r]);
        }
    }
    if (w->engines > 1) {
        test_reg_write(h, RDO_REG_ENG_SELECT,
                       g_rand_int_range(w->rand, 0, w->engines));
        w->engine_qps = test_reg_read(h, RDO_REG_ENG_QPS);
    }
    test_reg_write(h, RDO_REG_FO_INJECT, RDO_FO_INJECT_KEY);
    w->faults[side]++;
    g_assert_cmpuint(test_reg_read(h, RDO_REG_FO_RECOVERIES), ==, w->faults[side]);
    g_assert_false(rdo_core_is_fatal(&h->core));
    check_events(w, side, true);
}

/*
 * On the wire: a fault of the receiver (its responder in the middle of a
 * message, the rest of it still to come) or of the sender (its frames
 * already out) between two frames of a batch.
 */
static bool fault_between_frames(Pair *p, int from, uint8_t *frame,
                                 size_t *len, bool *again, void *opaque)
{
    Work *w = opaque;

    if (w->wire_faults && g_rand_int_range(w->rand, 0, 4096) < (gint)w->wire_faults) {
        fault(w, g_rand_int_range(w->rand, 0, 4) ? !from : from);
    }
    return true;
}

static void check_data(Work *w)
{
    PairSide *a = &w->p->s[0], *b = &w->p->s[1];

    for (uint32_t k = 0; k < w->n_ops; k++) {
        const Op *op = &w->ops[k];

        g_assert_true(op->done);
        switch (op->opcode) {
        case RDO_WR_RDMA_READ:
            assert_pieces(a, op->local, op->n_local, b, op->remote);
            break;
        case RDO_WR_ATOMIC_FETCH_ADD:
            pair_assert_fetch_add_once(a, op->local[0].iova, b, op->remote);
            break;
        case RDO_WR_SEND: {
            /* The message across B's two pieces. */
            uint32_t first = op->recv[0].len;
            uint8_t *msg = g_malloc(op->len);
            uint32_t at = 0;

            for (int p = 0; p < op->n_local; p++) {
                memcpy(msg + at, pair_mr_ptr(a, op->local[p].iova), op->local[p].len);
                at += op->local[p].len;
            }
            g_assert_cmpmem(msg, first, pair_mr_ptr(b, op->recv[0].iova), first);
            g_assert_cmpmem(msg + first, op->len - first,
                            pair_mr_ptr(b, op->recv[1].iova), op->len - first);
            g_free(msg);
            g_assert_true(op->received);
            break;
        }
        default:
            assert_pieces(a, op->local, op->n_local, b, op->remote);
            g_assert_true(op->opcode != RDO_WR_RDMA_WRITE_IMM || op->received);
        }
    }
}

typedef struct Outcome {
    uint32_t faults, mid_message, reads_out, res_in_use;
    uint64_t retransmits;
} Outcome;

static Outcome workload(uint32_t seed, bool timed, uint32_t inject_per_256,
                        uint32_t engine_ppm, uint32_t engines)
{
    RdoConfig cfg = test_host_default_config();
    Work w = { 0 };
    uint64_t end;
    Outcome o = { 0 };

    cfg.tm.on = timed;
    cfg.failover = 1;
    cfg.fault_seed = seed;
    cfg.fault_engine_ppm = engine_ppm;
    cfg.engines = engines;
    w.engines = engines;
    w.p = pair_new(&cfg);
    w.rand = g_rand_new_with_seed(seed);
    w.wire_faults = inject_per_256;
    w.p->tamper = fault_between_frames;
    w.p->tamper_opaque = &w;
    for (int i = 0; i < QPS; i++) {
        pair_connect(w.p, i, RDO_QPT_RC, RDO_MTU_4096 - 2);
    }
    pair_fill(&w.p->s[0], SRC_POOL, POOL_LEN, seed);
    while (w.n_ops < OPS_MAX) {
        int batch = g_rand_int_range(w.rand, 1, 7);

        for (int k = 0; k < batch && w.n_ops < OPS_MAX; k++) {
            post_one(&w);
        }
        for (int s = g_rand_int_range(w.rand, 1, 80); s > 0; s--) {
            if (!pair_step(w.p, w.p->s[0].d->h->now_ns + PAIR_SEC)) {
                break;
            }
            if ((uint32_t)g_rand_int_range(w.rand, 0, 256) < inject_per_256) {
                fault(&w, g_rand_int_range(w.rand, 0, 3) ? 0 : 1);
            }
        }
        poll_a(&w);
        poll_b(&w);
    }
    end = w.p->s[0].d->h->now_ns + 30 * PAIR_SEC;
    while ((w.done < w.n_ops || w.recvs_done < w.recvs) && pair_step(w.p, end)) {
        poll_a(&w);
        poll_b(&w);
        if ((uint32_t)g_rand_int_range(w.rand, 0, 1024) < inject_per_256) {
            fault(&w, g_rand_boolean(w.rand));
        }
    }
    poll_a(&w);
    poll_b(&w);
    if (w.done < w.n_ops || w.recvs_done < w.recvs) {
        g_error("seed %u%s: %u of %u done, %u of %u received, faults %u+%u",
                seed, timed ? " timed" : "", w.done, w.n_ops, w.recvs_done,
                w.recvs, w.faults[0], w.faults[1]);
    }
    /* Nothing more comes: no completion twice, no late duplicate. */
    pair_run(w.p, w.p->s[0].d->h->now_ns + PAIR_SEC / 10);
    g_assert_cmpuint(pair_cq_ready(&w.p->s[0]), ==, 0);
    g_assert_cmpuint(pair_cq_ready(&w.p->s[1]), ==, 0);
    check_data(&w);
    for (int s = 0; s < 2; s++) {
        TestHost *h = w.p->s[s].d->h;

        g_assert_cmpuint(h->xport_events[RDO_XE_QP_ERROR], ==, 0);
        g_assert_cmpuint(h->fatal_calls, ==, 0);
        g_assert_cmpuint(test_reg_read(h, RDO_REG_FO_FATAL), ==, 0);
        g_assert_cmpuint(test_reg_read(h, RDO_REG_FO_WB_BYTES), >, 0);
        o.faults += test_reg_read(h, RDO_REG_FO_RECOVERIES);
        if (engines == 1) {
            g_assert_cmpuint(test_reg_read(h, RDO_REG_FO_QPS), ==,
                             test_reg_read(h, RDO_REG_FO_RECOVERIES) * QPS);
        } else {
            uint32_t faults = 0;

            for (uint32_t e = 0; e < engines; e++) {
                test_reg_write(h, RDO_REG_ENG_SELECT, e);
                faults += test_reg_read(h, RDO_REG_ENG_FAULTS);
            }
            g_assert_cmpuint(faults, ==, test_reg_read(h, RDO_REG_FO_RECOVERIES));
            g_assert_cmpuint(test_reg_read(h, RDO_REG_FO_QPS), <=,
                             test_reg_read(h, RDO_REG_FO_RECOVERIES) * QPS);
        }
        /* Every recovery read the QPs it rebuilt back from the store:
         * image and responder resources each, and their records. */
        {
            uint64_t per_qp = RDO_FO_XPORT_BYTES +
                              PAIR_RESP_RES * sizeof(struct rdo_qpc_fo_res);
            uint64_t fixed = test_reg_read(h, RDO_REG_FO_QPS) * per_qp;

            g_assert_cmpuint(h->core.cnt.fo_rb_bytes, >=, fixed);
            g_assert_cmpuint((h->core.cnt.fo_rb_bytes - fixed) %
                             sizeof(struct rdo_qpc_fo_rec), ==, 0);
        }
        if (!engine_ppm) {
            g_assert_cmpuint(test_reg_read(h, RDO_REG_FO_RECOVERIES), ==,
                             w.faults[s]);
            check_events(&w, s, false);
        }
        if (timed && test_reg_read(h, RDO_REG_FO_RECOVERIES)) {
            g_assert_cmpuint(test_reg_read(h, RDO_REG_FO_BLACKOUT), >=,
                             cfg.failover_reset_cycles);
        }
    }
    o.mid_message = w.mid_message;
    o.reads_out = w.reads_out;
    o.res_in_use = w.res_in_use;
    o.retransmits = pair_cnt(&w.p->s[0], RDO_REG_CNT_RETRANSMITS);
    if (g_test_verbose()) {
        g_test_message("seed %u%s: %u ops, faults A %u B %u (%u total), %u "
                       "mid-message, %u with READs out, %u responder "
                       "resources streaming, %" G_GUINT64_FORMAT
                       " retransmits", seed, timed ? " timed" : "", w.n_ops,
                       w.faults[0], w.faults[1], o.faults, w.mid_message,
                       w.reads_out, w.res_in_use, o.retransmits);
    }
    g_rand_free(w.rand);
    pair_free(w.p);
    return o;
}

static uint32_t n_seeds(void)
{
    const char *s = g_getenv("RDO_FAILOVER_SEEDS");

    return s ? (uint32_t)atoi(s) : 8;
}

static void workloads(bool timed, uint32_t base, uint32_t engines)
{
    Outcome sum = { 0 };

    for (uint32_t seed = 1; seed <= n_seeds(); seed++) {
        Outcome o = workload(base + seed, timed, 24, 0, engines);

        sum.faults += o.faults;
        sum.mid_message += o.mid_message;
        sum.reads_out += o.reads_out;
        sum.res_in_use += o.res_in_use;
    }
    /* The faults caught what they are meant to catch (timed, the runs
     * are shorter: fewer faults fit in; 15 in the 8 default seeds with
     * the records in the store). */
    g_assert_cmpuint(sum.faults, >=, (engines > 1 || timed ? 1 : 2) * n_seeds());
    g_assert_cmpuint(sum.mid_message, >, 0);
    g_assert_cmpuint(sum.reads_out, >, 0);
}

static void test_workload(void)
{
    workloads(false, 0, 1);
}

static void test_workload_timed(void)
{
    workloads(true, 100, 1);
}

/* Two and three engines: a fault takes one, chosen at random. */
static void test_engines_workload(void)
{
    workloads(false, 500, 2);
    workloads(false, 600, 3);
}

static void test_engines_workload_timed(void)
{
    workloads(true, 700, 2);
}

/* Faults from the seeded injection, at the wake-up after a frame. */
static void test_seeded(void)
{
    uint32_t faults = 0;

    for (uint32_t seed = 1; seed <= 4; seed++) {
        faults += workload(300 + seed, seed & 1, 0, 3000, 1 + (seed > 2)).faults;
    }
    g_assert_cmpuint(faults, >, 0);
}

/* A pair with one RC QP and a WRITE of `len` under way. */
static Pair *one_write(bool failover, bool timed, uint32_t len)
{
    RdoConfig cfg = test_host_default_config();
    Pair *p;
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 1);
    struct rdo_sge sge;

    cfg.failover = failover;
    cfg.tm.on = timed;
    p = pair_new(&cfg);
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_fill(&p->s[0], PAIR_SRC, len, 9);
    sge = pair_sge_of(&p->s[0], PAIR_SRC + 3, len);
    w.remote_addr = PAIR_DST + 5;
    w.rkey = p->s[1].mr_key;
    pair_post_send(&p->s[0], 0, &w, &sge, 1, NULL);
    return p;
}

/* Failover off: the fault is catastrophic, with its own cause. */
static void test_off_is_fatal(void)
{
    Pair *p = one_write(false, false, 20000);
    TestHost *h = p->s[0].d->h;
    struct rdo_eqe e;

    pair_step(p, h->now_ns + PAIR_SEC);
    test_reg_write(h, RDO_REG_FO_INJECT, RDO_FO_INJECT_KEY);
    g_assert_true(rdo_core_is_fatal(&h->core));
    g_assert_cmpuint(test_reg_read(h, RDO_REG_FATAL_CAUSE), ==, RDO_FATAL_ENGINE);
    g_assert_cmpuint(test_reg_read(h, RDO_REG_FO_FATAL), ==, 1);
    g_assert_cmpuint(test_reg_read(h, RDO_REG_FO_RECOVERIES), ==, 0);
    g_assert_cmpuint(test_reg_read(h, RDO_REG_FO_INFO) & RDO_FO_INFO_ON, ==, 0);
    do {
        e = td_eq0_next(p->s[0].d);
    } while (e.type && e.type != RDO_EQE_CATASTROPHIC);
    g_assert_cmpuint(e.type, ==, RDO_EQE_CATASTROPHIC);
    g_assert_cmpuint(e.data, ==, RDO_FATAL_ENGINE);
    pair_free(p);
}

/* A write of anything but the key, or with the control path stopped, is
 * a driver mistake and faults nothing. */
static void test_bad_inject(void)
{
    Pair *p = one_write(true, false, 4000);
    TestHost *h = p->s[0].d->h;
    RdoConfig cfg = test_host_default_config();
    TestDriver *d;

    cfg.failover = 1;
    d = td_new(&cfg);

    test_reg_write(h, RDO_REG_FO_INJECT, 1);
    g_assert_cmpuint(h->class_count[RDO_GE_FAILOVER_INJECT], ==, 1);
    g_assert_cmpuint(test_reg_read(h, RDO_REG_ERR_LAST), ==, RDO_ERR_BAD_VALUE);
    g_assert_cmpuint(test_reg_read(h, RDO_REG_FO_RECOVERIES), ==, 0);
    g_assert_cmphex(test_reg_read(h, RDO_REG_FO_INFO), ==,
                    RDO_FO_INFO_ON | 1u << 8 | 16u << 16);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(&p->s[0], 1, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    /* Not started: refused too. */
    test_reg_write(d->h, RDO_REG_FO_INJECT, RDO_FO_INJECT_KEY);
    g_assert_cmpuint(d->h->class_count[RDO_GE_FAILOVER_INJECT], ==, 1);
    g_assert_false(rdo_core_is_fatal(&d->h->core));
    td_free(d);
    pair_free(p);
}

/* B's answers (ACKs) lost on the wire while *opaque is set. */
static bool drop_acks(Pair *p, int from, uint8_t *frame, size_t *len,
                      bool *again, void *opaque)
{
    return from == 0 || !*(bool *)opaque;
}

/*
 * A fault with a long WRITE sent and the peer's ACKs lost: the requester
 * goes back to its oldest unacknowledged PSN at once (a retransmission,
 * no timeout, no retry spent), the WRITE lands bit-exact; the hard state
 * after the failover is the state before it.
 */
static void test_resume_state(void)
{
    for (int timed = 0; timed < 2; timed++) {
        Pair *p = one_write(true, timed, 60000);
        TestHost *h = p->s[0].d->h;
        bool dropping = true;
        RdoXport *x;
        uint32_t una, next;
        uint64_t retrans;

        p->tamper = drop_acks;
        p->tamper_opaque = &dropping;
        x = &h->core.st->xport[p->s[0].qp[0].qpn];
        for (int s = 0; s < 10000 && x->req.tx_psn_max != x->req.next_psn; s++) {
            g_assert_true(pair_step(p, h->now_ns + PAIR_SEC));
        }
        while (pair_step(p, h->now_ns + 1000)) {
        }
        una = x->req.una_psn;
        next = x->req.next_psn;
        g_assert_cmpuint(x->req.sent.length, ==, 1);
        g_assert_cmpuint(rdo_psn_diff(next, una), ==, 59);   /* 1 KiB packets */
        retrans = test_reg_read(h, RDO_REG_CNT_RETRANSMITS);
        test_reg_write(h, RDO_REG_FO_INJECT, RDO_FO_INJECT_KEY);
        dropping = false;
        x = &h->core.st->xport[p->s[0].qp[0].qpn];
        g_assert_cmpuint(x->req.una_psn, ==, una);
        g_assert_cmpuint(x->req.next_psn, ==, next);
        g_assert_cmpuint(x->req.sent.length, ==, 1);
        g_assert_cmpuint(x->req.tx_pos, ==, 0);
        /* Timed, the QP resumes when its blackout ends. */
        while (h->core.st->qp_blackout_ps[p->s[0].qp[0].qpn]) {
            g_assert_cmpuint(test_reg_read(h, RDO_REG_CNT_RETRANSMITS), ==, retrans);
            g_assert_true(pair_step(p, h->now_ns + PAIR_SEC));
        }
        g_assert_cmpuint(test_reg_read(h, RDO_REG_CNT_RETRANSMITS), ==, retrans + 1);
        g_assert_cmpuint(x->req.retry_left, ==, 7);
        g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
        pair_expect_cqe(&p->s[0], 1, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
        pair_assert_same(&p->s[0], PAIR_SRC + 3, &p->s[1], PAIR_DST + 5, 60000);
        g_assert_cmpuint(test_reg_read(h, RDO_REG_CNT_TIMEOUTS), ==, 0);
        g_assert_cmpuint(test_reg_read(h, RDO_REG_FO_QPS), ==, 1);
        if (timed) {
            g_assert_cmpuint(test_reg_read(h, RDO_REG_FO_BLACKOUT), >=, 2000);
        }
        pair_free(p);
    }
}

/*
 * A QP context the driver corrupted in the store while it was not cached:
 * the substitute engine loads it, that QP fails (QP_ERROR, CONTEXT), the
 * other goes on; no catastrophic error.
 */
static void test_corrupt_context(void)
{
    RdoConfig cfg = test_host_default_config();
    Pair *p;
    TestHost *h;
    TestDriver *d;
    uint32_t qpn;
    uint32_t *magic;
    struct rdo_eqe e, err = { 0 };

    cfg.failover = 1;
    p = pair_new(&cfg);
    d = p->s[0].d;
    h = d->h;
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_connect(p, 1, RDO_QPT_RC, RDO_MTU_4096 - 2);
    qpn = p->s[0].qp[0].qpn;
    g_assert_true(rdo_ctx_flush(&h->core, &h->core.st->qpc));
    magic = td_qpc_entry(d, qpn);
    *magic ^= 0x100;
    test_reg_write(h, RDO_REG_FO_INJECT, RDO_FO_INJECT_KEY);
    g_assert_false(rdo_core_is_fatal(&h->core));
    g_assert_cmpuint(test_reg_read(h, RDO_REG_FO_RECOVERIES), ==, 1);
    g_assert_cmpuint(h->class_count[RDO_GE_QPC_CORRUPT], >=, 1);
    while ((e = td_eq0_next(d)).type) {
        if (e.type == RDO_EQE_QP_ERROR) {
            err = e;
        }
    }
    g_assert_cmpuint(err.obj, ==, qpn);
    g_assert_cmpuint(err.data, ==, RDO_QP_ERR_CONTEXT);
    {
        struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 7);
        struct rdo_sge sge = pair_sge_of(&p->s[0], PAIR_SRC + 11, 9000);

        pair_fill(&p->s[0], PAIR_SRC, 10000, 4);
        w.remote_addr = PAIR_DST + 13;
        w.rkey = p->s[1].mr_key;
        pair_post_send(&p->s[0], 1, &w, &sge, 1, NULL);
        g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
        pair_expect_cqe(&p->s[0], 7, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
        pair_assert_same(&p->s[0], PAIR_SRC + 11, &p->s[1], PAIR_DST + 13, 9000);
    }
    pair_free(p);
}

/*
 * The qtest's sequence on one QP: a 1 MiB WRITE, a 1 MiB READ, then a
 * FETCH_ADD, each with four faults, alternately the requester's and the
 * responder's, after 0, 4, ... 76 steps. A READ's completion moves the
 * oldest unacknowledged PSN too: its image must be written then, or the
 * requester rebuilt after it waits for PSNs it has no record of (found by
 * the qtest: the FETCH_ADD never left).
 */
static void test_op_sequence(void)
{
    static const uint8_t ops[] = { RDO_WR_RDMA_WRITE, RDO_WR_RDMA_READ,
                                   RDO_WR_ATOMIC_FETCH_ADD };
    const uint32_t len = 1u << 20;
    const uint64_t atomic_local = PAIR_SRC + (2u << 20) + 64;  /* past the READ */

    for (int steps = 0; steps < 80; steps += 4) {
        RdoConfig cfg = test_host_default_config();
        Pair *p;

        cfg.failover = 1;
        p = pair_new(&cfg);
        pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
        pair_fill(&p->s[0], PAIR_SRC, len, steps);
        pair_fill(&p->s[1], PAIR_DST + len, len, steps + 1);
        memset(pair_mr_ptr(&p->s[1], PAIR_DST + 2 * len - 8), 0x11, 8);
        for (uint32_t i = 0; i < G_N_ELEMENTS(ops); i++) {
            bool atomic = ops[i] == RDO_WR_ATOMIC_FETCH_ADD;
            struct rdo_send_wqe w = rdo_wqe(ops[i], i);
            struct rdo_sge sge = pair_sge_of(&p->s[0], atomic ? atomic_local :
                                             i ? PAIR_SRC + len + 5 : PAIR_SRC + 3,
                                             atomic ? 8 : len - 8);

            w.remote_addr = i == 0 ? PAIR_DST + 7 : i == 1 ? PAIR_DST + len
                                                           : PAIR_DST + 2 * len - 8;
            w.rkey = p->s[1].mr_key;
            w.compare_add = 0x0101010101010101ull;
            pair_post_send(&p->s[0], 0, &w, &sge, 1, NULL);
            for (int f = 0; f < 4; f++) {
                for (int s = 0; s < steps; s++) {
                    pair_step(p, p->s[0].d->h->now_ns + PAIR_SEC);
                }
                test_reg_write(p->s[(i + f) & 1].d->h, RDO_REG_FO_INJECT,
                               RDO_FO_INJECT_KEY);
            }
            if (!pair_run_cqes(p, 0, 1, 10 * PAIR_SEC)) {
                g_error("%d steps between faults: op %u never completed", steps, i);
            }
            pair_expect_cqe(&p->s[0], i, i == 0 ? RDO_CQE_RDMA_WRITE :
                            i == 1 ? RDO_CQE_RDMA_READ : RDO_CQE_ATOMIC_FETCH_ADD,
                            RDO_WC_SUCCESS);
        }
        pair_assert_same(&p->s[0], PAIR_SRC + 3, &p->s[1], PAIR_DST + 7, len - 8);
        pair_assert_same(&p->s[0], PAIR_SRC + len + 5, &p->s[1], PAIR_DST + len, len - 8);
        pair_assert_fetch_add_once(&p->s[0], atomic_local, &p->s[1],
                                   PAIR_DST + 2 * len - 8);
        g_assert_cmpuint(p->s[0].d->h->xport_events[RDO_XE_QP_ERROR], ==, 0);
        g_assert_cmpuint(p->s[1].d->h->xport_events[RDO_XE_QP_ERROR], ==, 0);
        pair_free(p);
    }
}

/* Write-backs: bytes counted (and on the bus) with failover on only. */
static void test_writeback_cost(void)
{
    uint64_t up[2];

    for (int on = 0; on < 2; on++) {
        Pair *p = one_write(on, true, 100000);
        TestHost *a = p->s[0].d->h, *b = p->s[1].d->h;

        g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
        pair_expect_cqe(&p->s[0], 1, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
        rdo_tm_sync(&a->core);
        up[on] = a->core.tcnt.pcie_up_bytes;
        if (on) {
            /* 98 packets of 1 KiB: a write-back per 16, and per ACK. */
            g_assert_cmpuint(test_reg_read(a, RDO_REG_FO_WB_BYTES), >=,
                             98 / 16 * RDO_FO_XPORT_BYTES);
            g_assert_cmpuint(test_reg_read(b, RDO_REG_FO_WB_BYTES), >=,
                             RDO_FO_XPORT_BYTES);
        } else {
            g_assert_cmpuint(test_reg_read(a, RDO_REG_FO_WB_BYTES), ==, 0);
            g_assert_cmpuint(test_reg_read(b, RDO_REG_FO_WB_BYTES), ==, 0);
        }
        pair_free(p);
    }
    g_assert_cmpuint(up[1], >, up[0]);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/failover/workload", test_workload);
    g_test_add_func("/failover/workload-timed", test_workload_timed);
    g_test_add_func("/failover/seeded", test_seeded);
    g_test_add_func("/failover/engines-workload", test_engines_workload);
    g_test_add_func("/failover/engines-workload-timed", test_engines_workload_timed);
    g_test_add_func("/failover/off-is-fatal", test_off_is_fatal);
    g_test_add_func("/failover/bad-inject", test_bad_inject);
    g_test_add_func("/failover/resume-state", test_resume_state);
    g_test_add_func("/failover/writeback-cost", test_writeback_cost);
    g_test_add_func("/failover/op-sequence", test_op_sequence);
    g_test_add_func("/failover/corrupt-context", test_corrupt_context);
    return g_test_run();
}
