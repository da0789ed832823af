/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Several protocol engines and failover from the hard state in host
 * memory (engines=N, failover=1; state/failover.c, xport/hard.c):
 *
 *   /engines/bind          QPs round robin over the engines, shown by
 *                          QUERY_QP and ENG_QPS; ENG_SELECT checked
 *   /engines/isolated      one engine of two faults mid-transfer: only its
 *                          QPs are rebuilt and refused during the blackout,
 *                          the other engine's QPs are not touched and go on
 *                          receiving through it; all bit-exact
 *   /engines/reread        the device's own copy of the transport state is
 *                          garbage at the fault: recovery takes the store's
 *                          image, and the transfer completes bit-exact
 *   /engines/corrupt-image a transport section the driver scribbled on
 *                          fails that QP only (QP_ERROR, CONTEXT)
 *   /engines/corrupt-random the same with random bytes of random QPs'
 *                          sections (seeded): exactly those QPs fail
 *   /engines/stream        the engines' section (44) through save and load;
 *                          a stream of another engine count is refused
 *   /engines/held          SENDs held by buffered receive at the fault are
 *                          placed once each
 */
#include <string.h>
#include "test-pair.h"
#include "xport/transport.h"
#include "timing/timing.h"

#define BIG         200000u     /* bytes per WRITE: many packets at 1 KiB */
#define STRIDE      (BIG + 4099u)

static RdoConfig engines_config(uint32_t engines, bool timed)
{
    RdoConfig cfg = test_host_default_config();

    cfg.failover = 1;
    cfg.engines = engines;
    cfg.tm.on = timed;
    return cfg;
}

static uint32_t eng_reg(TestHost *h, uint32_t engine, uint32_t reg)
{
    test_reg_write(h, RDO_REG_ENG_SELECT, engine);
    return test_reg_read(h, reg);
}

/* A WRITE of `len` bytes on QP i, from an odd offset to an odd offset,
 * each QP in its own stretch of the buffers. */
static void post_write(Pair *p, int i, uint32_t len)
{
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 100 + i);
    struct rdo_sge sge = pair_sge_of(&p->s[0], PAIR_SRC + 3 + i * STRIDE, len);

    w.remote_addr = PAIR_DST + 7 + i * STRIDE;
    w.rkey = p->s[1].mr_key;
    pair_post_send(&p->s[0], i, &w, &sge, 1, NULL);
}

/* All n WRITEs complete with success, and their bytes arrived. */
static void finish_writes(Pair *p, int n, uint32_t len)
{
    bool seen[8] = { false };
    struct rdo_cqe e;
    int done = 0;
    uint64_t end = p->s[0].d->h->now_ns + 5 * PAIR_SEC;

    while (done < n && pair_step(p, end)) {
        while ((e = pair_poll(&p->s[0])).wr_id != PAIR_NO_CQE) {
            g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
            g_assert_cmpuint(e.wr_id - 100, <, (uint64_t)n);
            g_assert_false(seen[e.wr_id - 100]);
            seen[e.wr_id - 100] = true;
            done++;
        }
    }
    g_assert_cmpint(done, ==, n);
    for (int i = 0; i < n; i++) {
        pair_assert_same(&p->s[0], PAIR_SRC + 3 + i * STRIDE, &p->s[1],
                         PAIR_DST + 7 + i * STRIDE, len);
    }
    for (int s = 0; s < 2; s++) {
        g_assert_cmpuint(p->s[s].d->h->xport_events[RDO_XE_QP_ERROR], ==, 0);
        g_assert_cmpuint(p->s[s].d->h->fatal_calls, ==, 0);
    }
}

/* The last ENGINE_RECOVERED on side s's EQ 0 (none: type 0); never a
 * catastrophic error or a QP error. */
static struct rdo_eqe recovered_event(PairSide *s)
{
    struct rdo_eqe e, last = { 0 };

    while ((e = td_eq0_next(s->d)).type) {
        g_assert_cmpuint(e.type, !=, RDO_EQE_CATASTROPHIC);
        g_assert_cmpuint(e.type, !=, RDO_EQE_QP_ERROR);
        if (e.type == RDO_EQE_ENGINE_RECOVERED) {
            last = e;
        }
    }
    return last;
}

static void test_bind(void)
{
    RdoConfig cfg = engines_config(3, false);
    Pair *p = pair_new(&cfg);
    TestHost *h = p->s[0].d->h;

    for (int i = 0; i < 6; i++) {
        pair_connect(p, i, RDO_QPT_RC, RDO_MTU_4096 - 2);
    }
    for (int i = 0; i < 6; i++) {
        g_assert_cmpuint(pair_query_qp(&p->s[0], p->s[0].qp[i].qpn).engine, ==, i % 3);
    }
    g_assert_cmpuint(RDO_FO_INFO_ENGINES(test_reg_read(h, RDO_REG_FO_INFO)), ==, 3);
    for (uint32_t e = 0; e < 3; e++) {
        g_assert_cmpuint(eng_reg(h, e, RDO_REG_ENG_QPS), ==, 2);
        g_assert_cmpuint(eng_reg(h, e, RDO_REG_ENG_FAULTS), ==, 0);
    }
    /* An engine the device does not have: refused, the selection stays. */
    test_reg_write(h, RDO_REG_ENG_SELECT, 1);
    test_reg_write(h, RDO_REG_ENG_SELECT, 3);
    g_assert_cmpuint(h->class_count[RDO_GE_REG_BAD_VALUE], ==, 1);
    g_assert_cmpuint(test_reg_read(h, RDO_REG_ENG_SELECT), ==, 1);
    /* One engine (the default): every QP on engine 0. */
    pair_free(p);
    cfg = engines_config(1, false);
    p = pair_new(&cfg);
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    pair_connect(p, 1, RDO_QPT_UD, RDO_MTU_4096 - 2);
    g_assert_cmpuint(pair_query_qp(&p->s[0], p->s[0].qp[1].qpn).engine, ==, 0);
    g_assert_cmpuint(eng_reg(p->s[0].d->h, 0, RDO_REG_ENG_QPS), ==, 2);
    pair_free(p);
}

/*
 * Engine 0 of B (the responder: QPs 0 and 2) faults with four long WRITEs
 * in flight. QPs 1 and 3 (engine 1) are not touched: their transport
 * state is byte for byte what it was, and during the blackout their
 * frames keep being received while QP 0's are refused. Afterwards QPs 0
 * and 2 are on engine 1, and every WRITE lands bit-exact.
 */
static void test_isolated(void)
{
    RdoConfig cfg = engines_config(2, true);
    Pair *p;
    TestHost *hb;
    RdoState *st;
    uint32_t qpn[4];
    RdoXport before[4];
    uint32_t epsn0, epsn1, start;
    uint64_t end_ps;
    struct rdo_eqe ev;

    /* A long blackout (100 us): the other WRITEs are sent, and received,
     * inside it. */
    cfg.failover_reset_cycles = 100000;
    p = pair_new(&cfg);
    hb = p->s[1].d->h;
    st = hb->core.st;
    for (int i = 0; i < 4; i++) {
        pair_connect(p, i, RDO_QPT_RC, RDO_MTU_4096 - 2);
        qpn[i] = p->s[1].qp[i].qpn;
        g_assert_cmpuint(st->qp_engine[qpn[i]], ==, i % 2);
    }
    pair_fill(&p->s[0], PAIR_SRC, 4 * STRIDE, 21);
    start = st->xport[qpn[0]].resp.epsn;
    for (int i = 0; i < 4; i++) {
        post_write(p, i, BIG);
    }
    /* Until B's QP 0 is in the middle of its WRITE, well into it. */
    for (int s = 0; s < 100000 &&
         (st->xport[qpn[0]].resp.op != RESP_WRITE ||
          rdo_psn_diff(st->xport[qpn[0]].resp.epsn, start) < 40); s++) {
        g_assert_true(pair_step(p, hb->now_ns + PAIR_SEC));
    }
    g_assert_cmpuint(st->xport[qpn[0]].resp.op, ==, RESP_WRITE);
    for (int i = 0; i < 4; i++) {
        before[i] = st->xport[qpn[i]];
    }
    test_reg_write(hb, RDO_REG_ENG_SELECT, 0);
    test_reg_write(hb, RDO_REG_FO_INJECT, RDO_FO_INJECT_KEY);
    g_assert_false(rdo_core_is_fatal(&hb->core));
    ev = recovered_event(&p->s[1]);
    g_assert_cmpuint(ev.type, ==, RDO_EQE_ENGINE_RECOVERED);
    g_assert_cmpuint(ev.data, ==, 2);
    g_assert_cmpuint(test_reg_read(hb, RDO_REG_FO_QPS), ==, 2);
    /* Each: its image and responder resources (B's QPs send nothing:
     * no records). */
    g_assert_cmpuint(hb->core.cnt.fo_rb_bytes, ==, 2 * (RDO_FO_XPORT_BYTES +
                     PAIR_RESP_RES * sizeof(struct rdo_qpc_fo_res)));
    g_assert_cmpuint(test_reg_read(hb, RDO_REG_FO_BLACKOUT), >=,
                     cfg.failover_reset_cycles);
    /* The other engine's QPs: not a byte of their state changed. */
    g_assert_cmpmem(&st->xport[qpn[1]], sizeof(RdoXport), &before[1], sizeof(RdoXport));
    g_assert_cmpmem(&st->xport[qpn[3]], sizeof(RdoXport), &before[3], sizeof(RdoXport));
    g_assert_cmpuint(st->qp_blackout_ps[qpn[1]], ==, 0);
    g_assert_cmpuint(st->qp_blackout_ps[qpn[3]], ==, 0);
    /* Through the blackout: QP 0 receives nothing, QP 1 goes on. */
    end_ps = st->qp_blackout_ps[qpn[0]];
    g_assert_cmpuint(end_ps, >, 0);
    g_assert_cmpuint(st->qp_blackout_ps[qpn[2]], ==, end_ps);
    epsn0 = st->xport[qpn[0]].resp.epsn;
    epsn1 = st->xport[qpn[1]].resp.epsn;
    while (hb->now_ns * 1000 < end_ps && pair_step(p, hb->now_ns + PAIR_SEC)) {
        if (st->qp_blackout_ps[qpn[0]]) {
            g_assert_cmpuint(st->xport[qpn[0]].resp.epsn, ==, epsn0);
        }
    }
    g_assert_cmpint(rdo_psn_diff(st->xport[qpn[1]].resp.epsn, epsn1), >, 0);
    g_assert_cmpuint(eng_reg(hb, 0, RDO_REG_ENG_DROPS), >, 0);
    g_assert_cmpuint(eng_reg(hb, 1, RDO_REG_ENG_DROPS), ==, 0);
    finish_writes(p, 4, BIG);
    /* The resume came at the blackout's end, not at a retransmit timeout. */
    g_assert_cmpuint(test_reg_read(p->s[0].d->h, RDO_REG_CNT_TIMEOUTS), ==, 0);
    for (int i = 0; i < 4; i++) {
        g_assert_cmpuint(pair_query_qp(&p->s[1], qpn[i]).engine, ==, 1);
        g_assert_cmpuint(pair_query_qp(&p->s[1], qpn[i]).state, ==, RDO_QPS_RTS);
    }
    g_assert_cmpuint(eng_reg(hb, 0, RDO_REG_ENG_FAULTS), ==, 1);
    g_assert_cmpuint(eng_reg(hb, 1, RDO_REG_ENG_FAULTS), ==, 0);
    g_assert_cmpuint(eng_reg(hb, 0, RDO_REG_ENG_QPS), ==, 0);
    g_assert_cmpuint(eng_reg(hb, 1, RDO_REG_ENG_QPS), ==, 4);
    g_assert_cmpuint(test_reg_read(hb, RDO_REG_FO_DROPS), ==,
                     eng_reg(hb, 0, RDO_REG_ENG_DROPS));
    pair_free(p);
}

/* The transport section of QP qpn in side s's context store. */
static uint8_t *store_section(PairSide *s, uint32_t qpn)
{
    return (uint8_t *)td_qpc_entry(s->d, qpn) + offsetof(RdoQpCtx, transport);
}

/* A pair with n RC QPs and a WRITE of `len` on each, run until B's QP 0 is
 * in the middle of its WRITE. */
static Pair *writes_under_way(const RdoConfig *cfg, int n, uint32_t len)
{
    Pair *p = pair_new(cfg);
    RdoState *st = p->s[1].d->h->core.st;
    uint32_t q0;

    for (int i = 0; i < n; i++) {
        pair_connect(p, i, RDO_QPT_RC, RDO_MTU_4096 - 2);
    }
    q0 = p->s[1].qp[0].qpn;
    pair_fill(&p->s[0], PAIR_SRC, n * STRIDE, 33);
    for (int i = 0; i < n; i++) {
        post_write(p, i, len);
    }
    for (int s = 0; s < 100000 && (st->xport[q0].resp.op != RESP_WRITE ||
                                   st->xport[q0].req.fo_commits < 3); s++) {
        g_assert_true(pair_step(p, p->s[1].d->h->now_ns + PAIR_SEC));
    }
    g_assert_cmpuint(st->xport[q0].resp.op, ==, RESP_WRITE);
    return p;
}

/*
 * Recovery re-reads: at the fault, the engine's own copy of B's QP 0
 * (expected PSN, MSN, the WRITE in progress, the oldest unacknowledged
 * PSN; and the cached context line's transport section) is garbage. The
 * QP comes back with the store's image (its expected PSN is the image's,
 * not the garbage), and the WRITE completes bit-exact, no QP error. With
 * one engine and with two (the same recovery).
 */
static void test_reread(void)
{
    for (uint32_t engines = 1; engines <= 2; engines++) {
        RdoConfig cfg = engines_config(engines, false);
        Pair *p = writes_under_way(&cfg, 2, BIG);
        TestHost *hb = p->s[1].d->h;
        RdoState *st = hb->core.st;
        uint32_t q0 = p->s[1].qp[0].qpn;
        RdoXport *x = &st->xport[q0];
        RdoQpCtx *line = rdo_ctx_cached_data(&st->qpc, q0);
        uint8_t image[RDO_FO_XPORT_BYTES];
        uint32_t image_epsn;
        uint64_t rb = hb->core.cnt.fo_rb_bytes;

        memcpy(image, store_section(&p->s[1], q0), sizeof(image));
        x->resp.epsn ^= 0x5a5a5;
        x->resp.msn ^= 0x333;
        x->resp.write_left ^= 0x1000;
        x->resp.write_va ^= 0x10000;
        x->req.una_psn ^= 0x777;
        if (line) {
            memset(line->transport, 0xee, sizeof(line->transport));
        }
        test_reg_write(hb, RDO_REG_ENG_SELECT, 0);
        test_reg_write(hb, RDO_REG_FO_INJECT, RDO_FO_INJECT_KEY);
        g_assert_false(rdo_core_is_fatal(&hb->core));
        g_assert_cmpuint(recovered_event(&p->s[1]).type, ==, RDO_EQE_ENGINE_RECOVERED);
        x = &hb->core.st->xport[q0];
        /* The expected PSN is the image's (magic, CRC, 3 words, then the
         * responder's sequence word and epsn: xport/hard.c). */
        memcpy(&image_epsn, image + 24, 4);
        g_assert_cmpuint(x->resp.epsn, ==, image_epsn);
        g_assert_cmpuint(hb->core.cnt.fo_rb_bytes, >, rb);
        finish_writes(p, 2, BIG);
        g_assert_cmpuint(pair_query_qp(&p->s[1], q0).state, ==, RDO_QPS_RTS);
        pair_free(p);
    }
}

/*
 * The driver scribbled on QP 0's transport section: at the failover that
 * QP fails (QP_ERROR, CONTEXT; the store check's class), QP 1 (same
 * engine) is rebuilt and its WRITE lands; no catastrophic error.
 */
static void test_corrupt_image(void)
{
    RdoConfig cfg = engines_config(1, false);
    Pair *p = writes_under_way(&cfg, 2, BIG);
    TestHost *hb = p->s[1].d->h;
    uint32_t q0 = p->s[1].qp[0].qpn;
    struct rdo_eqe e, err = { 0 }, rec = { 0 };
    struct rdo_cqe c;
    uint64_t end;
    bool done1 = false;

    store_section(&p->s[1], q0)[40] ^= 0x10;
    test_reg_write(hb, RDO_REG_FO_INJECT, RDO_FO_INJECT_KEY);
    g_assert_false(rdo_core_is_fatal(&hb->core));
    g_assert_cmpuint(hb->class_count[RDO_GE_QPC_CORRUPT], ==, 1);
    while ((e = td_eq0_next(p->s[1].d)).type) {
        g_assert_cmpuint(e.type, !=, RDO_EQE_CATASTROPHIC);
        if (e.type == RDO_EQE_QP_ERROR) {
            err = e;
        } else if (e.type == RDO_EQE_ENGINE_RECOVERED) {
            rec = e;
        }
    }
    g_assert_cmpuint(err.obj, ==, q0);
    g_assert_cmpuint(err.data, ==, RDO_QP_ERR_CONTEXT);
    g_assert_cmpuint(rec.type, ==, RDO_EQE_ENGINE_RECOVERED);
    g_assert_cmpuint(pair_query_qp(&p->s[1], q0).state, ==, RDO_QPS_ERR);
    g_assert_cmpuint(pair_query_qp(&p->s[1], p->s[1].qp[1].qpn).state, ==, RDO_QPS_RTS);
    /* QP 1's WRITE completes; QP 0's does not succeed (its peer is gone). */
    end = p->s[0].d->h->now_ns + 30 * PAIR_SEC;
    while (!done1 && pair_step(p, end)) {
        while ((c = pair_poll(&p->s[0])).wr_id != PAIR_NO_CQE) {
            if (c.wr_id == 101) {
                g_assert_cmpuint(c.status, ==, RDO_WC_SUCCESS);
                done1 = true;
            } else {
                g_assert_cmpuint(c.wr_id, ==, 100);
            }
        }
    }
    g_assert_true(done1);
    pair_assert_same(&p->s[0], PAIR_SRC + 3 + STRIDE, &p->s[1],
                     PAIR_DST + 7 + STRIDE, BIG);
    pair_free(p);
}

/*
 * Random damage (seeded): one random byte of the transport section of a
 * random subset of B's four QPs changed, then engine faults (one engine,
 * and each of two): exactly the damaged QPs fail, with QP_ERROR CONTEXT,
 * the others' WRITEs land; never a crash or a catastrophic error.
 */
static void test_corrupt_random(void)
{
    for (uint32_t seed = 1; seed <= 12; seed++) {
        GRand *rand = g_rand_new_with_seed(seed);
        RdoConfig cfg = engines_config(1 + seed % 2, false);
        Pair *p = writes_under_way(&cfg, 4, BIG);
        TestHost *hb = p->s[1].d->h;
        uint32_t damaged = 0, failed = 0;
        struct rdo_eqe e;

        for (int i = 0; i < 4; i++) {
            if (g_rand_boolean(rand)) {
                store_section(&p->s[1], p->s[1].qp[i].qpn)
                    [g_rand_int_range(rand, 0, RDO_FO_XPORT_BYTES)] ^=
                    (uint8_t)g_rand_int_range(rand, 1, 256);
                damaged |= 1u << i;
            }
        }
        for (uint32_t eng = 0; eng < cfg.engines; eng++) {
            test_reg_write(hb, RDO_REG_ENG_SELECT, eng);
            test_reg_write(hb, RDO_REG_FO_INJECT, RDO_FO_INJECT_KEY);
        }
        g_assert_false(rdo_core_is_fatal(&hb->core));
        while ((e = td_eq0_next(p->s[1].d)).type) {
            g_assert_cmpuint(e.type, !=, RDO_EQE_CATASTROPHIC);
            if (e.type == RDO_EQE_QP_ERROR) {
                g_assert_cmpuint(e.data, ==, RDO_QP_ERR_CONTEXT);
                for (int i = 0; i < 4; i++) {
                    failed |= (e.obj == p->s[1].qp[i].qpn) << i;
                }
            }
        }
        g_assert_cmphex(failed, ==, damaged);
        g_assert_cmpuint(hb->class_count[RDO_GE_QPC_CORRUPT], ==,
                         (uint32_t)__builtin_popcount(damaged));
        pair_run(p, hb->now_ns + 2 * PAIR_SEC);
        for (int i = 0; i < 4; i++) {
            if (!(damaged & 1u << i)) {
                pair_assert_same(&p->s[0], PAIR_SRC + 3 + i * STRIDE, &p->s[1],
                                 PAIR_DST + 7 + i * STRIDE, BIG);
                g_assert_cmpuint(pair_query_qp(&p->s[1], p->s[1].qp[i].qpn).state,
                                 ==, RDO_QPS_RTS);
            }
        }
        g_rand_free(rand);
        pair_free(p);
    }
}

/*
 * The engines' section: after a fault of engine 0 (its QPs moved to
 * engine 1) the state saved and loaded back keeps each QP's engine, the
 * next engine for a new QP and the per-engine counters; a stream from a
 * device with another engine count is refused.
 */
static void test_stream(void)
{
    RdoConfig cfg = engines_config(2, false);
    Pair *p = pair_new(&cfg);
    TestHost *h = p->s[0].d->h;
    uint8_t *buf;
    size_t len;
    char *why = NULL;
    uint8_t engines[3];

    for (int i = 0; i < 3; i++) {
        pair_connect(p, i, RDO_QPT_RC, RDO_MTU_4096 - 2);
    }
    test_reg_write(h, RDO_REG_ENG_SELECT, 0);
    test_reg_write(h, RDO_REG_FO_INJECT, RDO_FO_INJECT_KEY);
    for (int i = 0; i < 3; i++) {
        engines[i] = pair_query_qp(&p->s[0], p->s[0].qp[i].qpn).engine;
        g_assert_cmpuint(engines[i], ==, 1);
    }
    test_reg_write(h, RDO_REG_ENG_SELECT, 1);
    buf = rdo_core_save(&h->core, &len);
    g_assert_true(rdo_core_load(&h->core, buf, len, &why));
    for (int i = 0; i < 3; i++) {
        g_assert_cmpuint(h->core.st->qp_engine[p->s[0].qp[i].qpn], ==, engines[i]);
    }
    g_assert_cmpuint(test_reg_read(h, RDO_REG_ENG_SELECT), ==, 1);
    g_assert_cmpuint(h->core.st->eng_next, ==, 1);      /* 3 QPs made: 0 1 0, next 1 */
    g_assert_cmpuint(eng_reg(h, 0, RDO_REG_ENG_FAULTS), ==, 1);
    g_assert_cmpuint(eng_reg(h, 1, RDO_REG_ENG_FAULTS), ==, 0);
    /* Another engine count: refused. */
    h->core.cfg.engines = 3;
    g_assert_false(rdo_core_load(&h->core, buf, len, &why));
    g_assert_nonnull(strstr(why, "engines=2 in the stream"));
    h->core.cfg.engines = 2;
    g_free(why);
    g_free(buf);
    pair_free(p);
}

/*
 * Buffered receive: SENDs held on B for want of a receive are the
 * buffer's; a fault of B's engine with one held and one half-held must
 * not hold them twice. Each lands once, in its receive, when posted.
 */
static void test_held(void)
{
    for (uint32_t engines = 1; engines <= 2; engines++) {
        RdoConfig cfg = engines_config(engines, false);
        Pair *p;
        TestHost *hb;
        RdoXport *x;
        struct rdo_cqe e;
        uint32_t got = 0;

        cfg.bufrecv_bytes = 1u << 20;
        p = pair_new(&cfg);
        hb = p->s[1].d->h;
        pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
        pair_fill(&p->s[0], PAIR_SRC, 2 * STRIDE, 45);
        for (int m = 0; m < 2; m++) {
            struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, 100 + m);
            struct rdo_sge sge = pair_sge_of(&p->s[0], PAIR_SRC + 3 + m * STRIDE,
                                             20000);

            pair_post_send(&p->s[0], 0, &w, &sge, 1, NULL);
        }
        x = &hb->core.st->xport[p->s[1].qp[0].qpn];
        /* Until the second SEND is half held. */
        for (int s = 0; s < 100000 && !(x->held.head && x->held.head != x->held.tail &&
                                        x->held.open); s++) {
            g_assert_true(pair_step(p, hb->now_ns + PAIR_SEC));
        }
        g_assert_true(x->held.open);
        test_reg_write(hb, RDO_REG_FO_INJECT, RDO_FO_INJECT_KEY);
        g_assert_cmpuint(recovered_event(&p->s[1]).type, ==, RDO_EQE_ENGINE_RECOVERED);
        pair_run(p, hb->now_ns + PAIR_SEC / 100);
        for (int m = 0; m < 3; m++) {
            pair_post_recv(&p->s[1], 0, 200 + m, PAIR_DST + 7 + m * STRIDE, 30000);
        }
        pair_run(p, hb->now_ns + PAIR_SEC / 10);
        while ((e = pair_poll(&p->s[1])).wr_id != PAIR_NO_CQE) {
            g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
            g_assert_cmpuint(e.wr_id, ==, 200 + got);
            g_assert_cmpuint(e.byte_len, ==, 20000);
            got++;
        }
        g_assert_cmpuint(got, ==, 2);           /* not a third: none twice */
        for (int m = 0; m < 2; m++) {
            pair_assert_same(&p->s[0], PAIR_SRC + 3 + m * STRIDE, &p->s[1],
                             PAIR_DST + 7 + m * STRIDE, 20000);
        }
        g_assert_cmpuint(hb->xport_events[RDO_XE_QP_ERROR], ==, 0);
        pair_free(p);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/engines/bind", test_bind);
    g_test_add_func("/engines/isolated", test_isolated);
    g_test_add_func("/engines/reread", test_reread);
    g_test_add_func("/engines/corrupt-image", test_corrupt_image);
    g_test_add_func("/engines/corrupt-random", test_corrupt_random);
    g_test_add_func("/engines/stream", test_stream);
    g_test_add_func("/engines/held", test_held);
    return g_test_run();
}
