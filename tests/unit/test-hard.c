/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The transport hard state beyond the 128-byte image, in the QP context
 * store (failover=1; xport/hard.c, RDO_QPC_FO_* in rdo-regs.h): the
 * requester's records of work requests and the responder resources.
 *
 *   /hard/records-reread   A's QP has a WRITE, a READ, an atomic and a
 *                          WRITE outstanding, B has executed the READ and
 *                          the atomic, their answers are lost; at the
 *                          fault the device's own records (A) and
 *                          responder resources (B) are garbage. Recovery
 *                          takes the store's: every work request
 *                          completes once, in order, bit-exact; the READ
 *                          and the atomic are answered from B's resources
 *                          (duplicates), the atomic executed once. With
 *                          one engine and with two.
 *   /hard/corrupt-record   a record (A) and a responder resource (B) the
 *                          driver damaged in the store: only their QPs
 *                          fail (QP_ERROR, CONTEXT), a third QP's work
 *                          completes bit-exact
 *   /hard/entry-size       QPC_ENTRY_SIZE and the QPs a store covers, with
 *                          failover and without
 *   /hard/record-limit     with failover a QP has at most RDO_QPC_FO_RECS
 *                          work requests outstanding; more complete, later
 *   /hard/one-engine       with one engine a fault is handled as one of
 *                          several: no reset, its RC QPs rebuilt from the
 *                          store and in a blackout (timed), the rest (a
 *                          UD QP's state, counters) untouched
 *   /hard/shared-sq        connections fed by a shared send queue: their
 *                          records are the queue's, taken back at the
 *                          recovery (written when handed over); every WR
 *                          completes once, in posting order, bit-exact
 *   /hard/migrate          section 46 through save and load: the records'
 *                          numbering (a fault after the load still finds
 *                          them in the store) and a blackout in progress,
 *                          which ends when it would have (timing model)
 *   /hard/bad-stream       with failover, a stream without section 46 (from
 *                          before: another store layout) is refused, and
 *                          one whose section 46 numbers a record out of
 *                          turn; without failover the section is not
 *                          written
 */
#include <string.h>
#include "test-pair.h"
#include "xport/transport.h"

#define READ_LEN    20000u
#define WRITE_LEN   30000u
#define QP_AREA     0x40000u        /* each QP's stretch of the buffers */

/* Where QP slot i's buffers are (odd offsets, an atomic's 8-aligned). */
#define W1_SRC(i)   (PAIR_SRC + (i) * QP_AREA + 7)
#define W1_DST(i)   (PAIR_DST + (i) * QP_AREA + 3)
#define RD_SRC(i)   (PAIR_DST + (i) * QP_AREA + 0x10005)    /* on B */
#define RD_DST(i)   (PAIR_SRC + (i) * QP_AREA + 0x10009)    /* on A */
#define AT_REM(i)   (PAIR_DST + (i) * QP_AREA + 0x20000)
#define AT_LOC(i)   (PAIR_SRC + (i) * QP_AREA + 0x20008)
#define W2_SRC(i)   (PAIR_SRC + (i) * QP_AREA + 0x28001)
#define W2_DST(i)   (PAIR_DST + (i) * QP_AREA + 0x28011)

static RdoConfig hard_config(uint32_t engines)
{
    RdoConfig cfg = test_host_default_config();

    cfg.failover = 1;
    cfg.engines = engines;
    return cfg;
}

/* Frames from B to A are lost while *opaque is set. */
static bool lose_b_to_a(Pair *p, int from, uint8_t *frame, size_t *len,
                        bool *again, void *opaque)
{
    return !(from == 1 && *(bool *)opaque);
}

/* On QP slot i of A: WRITE, READ, FETCH_ADD, WRITE (wr_id i*4 + 1..4). */
static void post_four(Pair *p, int i)
{
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w;
    struct rdo_sge sge;

    pair_fill(a, W1_SRC(i), WRITE_LEN, 70 + i);
    pair_fill(b, RD_SRC(i), READ_LEN, 80 + i);
    pair_fill(a, W2_SRC(i), 5000, 90 + i);
    memset(pair_mr_ptr(b, AT_REM(i)), 0x11, 8);

    w = rdo_wqe(RDO_WR_RDMA_WRITE, i * 4 + 1);
    w.remote_addr = W1_DST(i);
    w.rkey = b->mr_key;
    sge = pair_sge_of(a, W1_SRC(i), WRITE_LEN);
    pair_post_send(a, i, &w, &sge, 1, NULL);
    w = rdo_wqe(RDO_WR_RDMA_READ, i * 4 + 2);
    w.remote_addr = RD_SRC(i);
    w.rkey = b->mr_key;
    sge = pair_sge_of(a, RD_DST(i), READ_LEN);
    pair_post_send(a, i, &w, &sge, 1, NULL);
    w = rdo_wqe(RDO_WR_ATOMIC_FETCH_ADD, i * 4 + 3);
    w.remote_addr = AT_REM(i);
    w.rkey = b->mr_key;
    w.compare_add = 0x0101010101010101ull;
    sge = pair_sge_of(a, AT_LOC(i), 8);
    pair_post_send(a, i, &w, &sge, 1, NULL);
    w = rdo_wqe(RDO_WR_RDMA_WRITE, i * 4 + 4);
    w.remote_addr = W2_DST(i);
    w.rkey = b->mr_key;
    sge = pair_sge_of(a, W2_SRC(i), 5000);
    pair_post_send(a, i, &w, &sge, 1, NULL);
}

/* Whether B's QP has executed its atomic (a valid atomic resource). */
static bool atomic_done(Pair *p, int i)
{
    const RdoXport *x = &p->s[1].d->h->core.st->xport[p->s[1].qp[i].qpn];

    for (int r = 0; x->resp.res && r < RDO_RESP_RES_MAX; r++) {
        if (x->resp.res[r].valid && x->resp.res[r].atomic) {
            return true;
        }
    }
    return false;
}

/* Runs until B's QPs in `mask` have executed their atomics. */
static void until_atomics(Pair *p, uint32_t mask)
{
    TestHost *hb = p->s[1].d->h;
    uint32_t seen = 0;

    for (int s = 0; s < 200000 && seen != mask; s++) {
        g_assert_true(pair_step(p, hb->now_ns + PAIR_SEC));
        for (int i = 0; i < 8; i++) {
            if ((mask & 1u << i) && atomic_done(p, i)) {
                seen |= 1u << i;
            }
        }
    }
    g_assert_cmphex(seen, ==, mask);
}

/* The data of QP slot i's four work requests arrived. */
static void assert_four(Pair *p, int i)
{
    PairSide *a = &p->s[0], *b = &p->s[1];

    pair_assert_same(a, W1_SRC(i), b, W1_DST(i), WRITE_LEN);
    pair_assert_same(a, RD_DST(i), b, RD_SRC(i), READ_LEN);
    pair_assert_fetch_add_once(a, AT_LOC(i), b, AT_REM(i));
    pair_assert_same(a, W2_SRC(i), b, W2_DST(i), 5000);
}

/* Garbage in the engine's own copy of what the store now holds. */
static void scramble(RdoXport *x)
{
    for (GList *l = x->req.sent.head; l; l = l->next) {
        RdoSendRec *r = l->data;

        r->first_psn = rdo_psn_add(r->first_psn, 0x1234);
        r->npkts += 7;
        r->resp_pkts = 3;
        r->wr_id ^= 0xdead;
        r->wqe_index += 3;
        r->msg_len ^= 0x100;
        r->wr_opcode = RDO_WR_SEND;
    }
    x->req.next_psn = rdo_psn_add(x->req.next_psn, 0x4444);
    x->req.sq_next += 5;
    x->req.tx_psn_max = rdo_psn_add(x->req.tx_psn_max, 0x99);
    for (int i = 0; i < RDO_RESP_RES_MAX; i++) {
        RdoRespRes *r = &rdo_resp_res(&x->resp)[i];

        r->first_psn = rdo_psn_add(r->first_psn, 0x2222);
        r->last_psn = rdo_psn_add(r->last_psn, 0x2222);
        r->orig = 0xbadbadbadbadull;
        r->va ^= 0x40;
        r->rkey ^= 0x100;
    }
}

/* QP qpn's entry in side s's store: `off` bytes in. */
static uint8_t *entry_at(PairSide *s, uint32_t qpn, uint32_t off)
{
    return (uint8_t *)td_qpc_entry(s->d, qpn) + off;
}

static void fault_engine0(TestHost *h)
{
    test_reg_write(h, RDO_REG_ENG_SELECT, 0);
    test_reg_write(h, RDO_REG_FO_INJECT, RDO_FO_INJECT_KEY);
    g_assert_false(rdo_core_is_fatal(&h->core));
}

static void test_records_reread(void)
{
    for (uint32_t engines = 1; engines <= 2; engines++) {
        RdoConfig cfg = hard_config(engines);
        Pair *p = pair_new(&cfg);
        TestHost *ha = p->s[0].d->h, *hb = p->s[1].d->h;
        bool lose = true;
        uint32_t qa, qb, stored;
        uint64_t dup, rb;

        p->tamper = lose_b_to_a;
        p->tamper_opaque = &lose;
        pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
        qa = p->s[0].qp[0].qpn;
        qb = p->s[1].qp[0].qpn;
        post_four(p, 0);
        until_atomics(p, 1);
        /* A heard nothing back: its four records are outstanding. */
        g_assert_cmpuint(g_queue_get_length(&ha->core.st->xport[qa].req.sent), ==, 4);
        g_assert_cmpuint(pair_cq_ready(&p->s[0]), ==, 0);
        scramble(&ha->core.st->xport[qa]);
        scramble(&hb->core.st->xport[qb]);
        rb = ha->core.cnt.fo_rb_bytes;
        /* The records the image counts (at byte 76 of it, xport/hard.c):
         * those taken by the last commit; a WQE taken after it is taken
         * again. */
        memcpy(&stored, entry_at(&p->s[0], qa, offsetof(RdoQpCtx, transport) + 76), 4);
        g_assert_cmpuint(stored, >=, 3);
        g_assert_cmpuint(stored, <=, 4);
        fault_engine0(ha);
        fault_engine0(hb);
        /* A read its image, 16 resources and those records back. */
        g_assert_cmpuint(ha->core.cnt.fo_rb_bytes - rb, ==, RDO_FO_XPORT_BYTES +
                         PAIR_RESP_RES * sizeof(struct rdo_qpc_fo_res) +
                         stored * sizeof(struct rdo_qpc_fo_rec));
        dup = hb->xport_events[RDO_XE_DUPLICATE];
        lose = false;
        g_assert_true(pair_run_cqes(p, 0, 4, 5 * PAIR_SEC));
        pair_expect_cqe(&p->s[0], 1, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
        pair_expect_cqe(&p->s[0], 2, RDO_CQE_RDMA_READ, RDO_WC_SUCCESS);
        pair_expect_cqe(&p->s[0], 3, RDO_CQE_ATOMIC_FETCH_ADD, RDO_WC_SUCCESS);
        pair_expect_cqe(&p->s[0], 4, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
        pair_run(p, ha->now_ns + PAIR_SEC / 10);
        g_assert_cmpuint(pair_cq_ready(&p->s[0]), ==, 0);       /* none twice */
        assert_four(p, 0);
        /* The READ and the atomic were answered again from B's resources. */
        g_assert_cmpuint(hb->xport_events[RDO_XE_DUPLICATE], >, dup);
        for (int s = 0; s < 2; s++) {
            g_assert_cmpuint(p->s[s].d->h->xport_events[RDO_XE_QP_ERROR], ==, 0);
            g_assert_cmpuint(p->s[s].d->h->class_count[RDO_GE_QPC_CORRUPT], ==, 0);
            g_assert_cmpuint(pair_query_qp(&p->s[s], p->s[s].qp[0].qpn).state, ==,
                             RDO_QPS_RTS);
        }
        pair_free(p);
    }
}

/* The QP_ERROR QPs on side s's EQ 0 (as QP slots), none catastrophic. */
static uint32_t failed_slots(Pair *p, int side, int n)
{
    struct rdo_eqe e;
    uint32_t failed = 0;

    while ((e = td_eq0_next(p->s[side].d)).type) {
        g_assert_cmpuint(e.type, !=, RDO_EQE_CATASTROPHIC);
        if (e.type == RDO_EQE_QP_ERROR) {
            g_assert_cmpuint(e.data, ==, RDO_QP_ERR_CONTEXT);
            for (int i = 0; i < n; i++) {
                failed |= (e.obj == p->s[side].qp[i].qpn) << i;
            }
        }
    }
    return failed;
}

static void test_corrupt_record(void)
{
    RdoConfig cfg = hard_config(1);
    Pair *p = pair_new(&cfg);
    TestHost *ha = p->s[0].d->h, *hb = p->s[1].d->h;
    bool lose = true;
    const RdoSendRec *oldest;
    uint32_t qa0, qb1;
    uint64_t end;
    int got = 0;

    p->tamper = lose_b_to_a;
    p->tamper_opaque = &lose;
    /* Connected first: a connection takes virtual time, in which the
     * posted work would time out. */
    for (int i = 0; i < 3; i++) {
        pair_connect(p, i, RDO_QPT_RC, RDO_MTU_4096 - 2);
    }
    for (int i = 0; i < 3; i++) {
        post_four(p, i);
    }
    until_atomics(p, 7);
    qa0 = p->s[0].qp[0].qpn;
    qb1 = p->s[1].qp[1].qpn;
    /* A byte of A's QP 0's oldest record, and of B's QP 1's first resource
     * (the READ's: the first taken). */
    oldest = g_queue_peek_head(&ha->core.st->xport[qa0].req.sent);
    g_assert_nonnull(oldest);
    entry_at(&p->s[0], qa0, RDO_QPC_FO_REC_OFF + oldest->fo_seq % RDO_QPC_FO_RECS *
             sizeof(struct rdo_qpc_fo_rec) + 20)[0] ^= 0x04;
    entry_at(&p->s[1], qb1, RDO_QPC_FO_RES_OFF + 12)[0] ^= 0x80;
    fault_engine0(ha);
    fault_engine0(hb);
    g_assert_cmphex(failed_slots(p, 0, 3), ==, 1);
    g_assert_cmphex(failed_slots(p, 1, 3), ==, 2);
    g_assert_cmpuint(ha->class_count[RDO_GE_QPC_CORRUPT], ==, 1);
    g_assert_cmpuint(hb->class_count[RDO_GE_QPC_CORRUPT], ==, 1);
    lose = false;
    /* QP 2's four complete in order, bit-exact; QPs 0 and 1 do not succeed. */
    end = ha->now_ns + 10 * PAIR_SEC;
    while (got < 4 && pair_step(p, end)) {
        struct rdo_cqe c;

        while ((c = pair_poll(&p->s[0])).wr_id != PAIR_NO_CQE) {
            if (c.qpn == p->s[0].qp[2].qpn) {
                g_assert_cmpuint(c.status, ==, RDO_WC_SUCCESS);
                g_assert_cmpuint(c.wr_id, ==, 2 * 4 + 1 + got);
                got++;
            } else {
                g_assert_cmpuint(c.wr_id / 4, <, 2);
            }
        }
    }
    g_assert_cmpint(got, ==, 4);
    assert_four(p, 2);
    g_assert_cmpuint(pair_query_qp(&p->s[0], p->s[0].qp[2].qpn).state, ==, RDO_QPS_RTS);
    g_assert_cmpuint(pair_query_qp(&p->s[1], p->s[1].qp[2].qpn).state, ==, RDO_QPS_RTS);
    g_assert_cmpuint(pair_query_qp(&p->s[0], qa0).state, ==, RDO_QPS_ERR);
    g_assert_cmpuint(pair_query_qp(&p->s[1], qb1).state, ==, RDO_QPS_ERR);
    pair_free(p);
}

static void test_entry_size(void)
{
    for (int on = 0; on <= 1; on++) {
        RdoConfig cfg = hard_config(1);
        TestDriver *d;
        uint32_t entry;

        cfg.failover = on;
        d = td_new(&cfg);
        entry = test_reg_read(d->h, RDO_REG_QPC_ENTRY_SIZE);
        g_assert_cmpuint(entry, ==, on ? RDO_QPC_FO_ENTRY_SIZE : RDO_QPC_SIZE);
        td_start(d);
        g_assert_true(test_reg_read(d->h, RDO_REG_STATUS) & RDO_STATUS_CQP_READY);
        /* The store td_setup sized by QPC_ENTRY_SIZE covers max-qp. */
        g_assert_cmpuint(d->h->core.st->usable_qps, ==, cfg.max_qp);
        /* A QP's entry is where the device writes its image. */
        g_assert_cmpuint((uint8_t *)td_qpc_entry(d, 3) - (uint8_t *)td_qpc_entry(d, 2),
                         ==, entry);
        td_free(d);
    }
}

/*
 * 40 one-packet WRITEs posted at once on a failover QP whose peer does not
 * answer yet: the requester takes RDO_QPC_FO_RECS of them, no more; once
 * the answers come all 40 complete in order.
 */
static void test_record_limit(void)
{
    RdoConfig cfg = hard_config(1);
    Pair *p = pair_new(&cfg);
    TestHost *ha = p->s[0].d->h;
    bool lose = true;
    uint32_t qa, most = 0;

    p->tamper = lose_b_to_a;
    p->tamper_opaque = &lose;
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    qa = p->s[0].qp[0].qpn;
    pair_fill(&p->s[0], PAIR_SRC, 40 * 101, 5);
    for (int k = 0; k < 40; k++) {
        struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, k);
        struct rdo_sge sge = pair_sge_of(&p->s[0], PAIR_SRC + k * 101, 100);

        w.remote_addr = PAIR_DST + 1 + k * 103;
        w.rkey = p->s[1].mr_key;
        pair_post_send(&p->s[0], 0, &w, &sge, 1, NULL);
    }
    /* Until the first retransmission: never more records than slots. */
    for (int s = 0; s < 10000 && !pair_cnt(&p->s[0], RDO_REG_CNT_TIMEOUTS); s++) {
        g_assert_true(pair_step(p, ha->now_ns + PAIR_SEC));
        most = MAX(most, g_queue_get_length(&ha->core.st->xport[qa].req.sent));
    }
    g_assert_cmpuint(most, ==, RDO_QPC_FO_RECS);
    lose = false;
    g_assert_true(pair_run_cqes(p, 0, 40, 5 * PAIR_SEC));
    for (int k = 0; k < 40; k++) {
        pair_expect_cqe(&p->s[0], k, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
        pair_assert_same(&p->s[0], PAIR_SRC + k * 101, &p->s[1],
                         PAIR_DST + 1 + k * 103, 100);
    }
    pair_free(p);
}

/*
 * A's QP has done 5 work requests (its records are numbered from 5) and
 * has 4 outstanding, B's engine 0 is in a blackout (timed, 100 us reset):
 * both devices saved and loaded back. B's blackout ends when it would
 * have, not at the first wake-up; a fault of A's engine after the load
 * rebuilds the QP from the store (the numbering came through), and all
 * nine complete bit-exact.
 */
static void test_migrate(void)
{
    RdoConfig cfg = hard_config(2);
    Pair *p;
    TestHost *ha, *hb;
    bool lose = false;
    uint32_t qa, qb, epsn;
    uint64_t end_ps;

    cfg.tm.on = true;
    cfg.failover_reset_cycles = 100000;
    p = pair_new(&cfg);
    ha = p->s[0].d->h;
    hb = p->s[1].d->h;
    p->tamper = lose_b_to_a;
    p->tamper_opaque = &lose;
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    qa = p->s[0].qp[0].qpn;
    qb = p->s[1].qp[0].qpn;
    pair_fill(&p->s[0], PAIR_SRC + QP_AREA, 5 * 1000, 3);
    for (int k = 0; k < 5; k++) {
        struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 100 + k);
        struct rdo_sge sge = pair_sge_of(&p->s[0], PAIR_SRC + QP_AREA + k * 1000, 1000);

        w.remote_addr = PAIR_DST + QP_AREA + 1 + k * 1001;
        w.rkey = p->s[1].mr_key;
        pair_post_send(&p->s[0], 0, &w, &sge, 1, NULL);
    }
    g_assert_true(pair_run_cqes(p, 0, 5, PAIR_SEC));
    for (int k = 0; k < 5; k++) {
        pair_expect_cqe(&p->s[0], 100 + k, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    }
    lose = true;
    post_four(p, 0);
    until_atomics(p, 1);
    g_assert_cmpuint(ha->core.st->xport[qa].req.fo_seq_next, >=, 8);
    /* B's engine 0 faults: QP 0 in its blackout. */
    fault_engine0(hb);
    end_ps = hb->core.st->qp_blackout_ps[qb];
    g_assert_cmpuint(end_ps, >, hb->now_ns * 1000);
    for (int s = 0; s < 2; s++) {
        TestHost *h = p->s[s].d->h;
        g_autofree char *why = NULL;
        size_t len;
        g_autofree uint8_t *buf = rdo_core_save(&h->core, &len);

        g_assert_true(rdo_core_load(&h->core, buf, len, &why));
    }
    g_assert_cmpuint(hb->core.st->qp_blackout_ps[qb], ==, end_ps);
    g_assert_cmpuint(hb->core.st->fo_resume_ps, ==, end_ps);
    /* A's engine faults after the load: the store's records match. */
    fault_engine0(ha);
    g_assert_cmpuint(ha->class_count[RDO_GE_QPC_CORRUPT], ==, 0);
    lose = false;
    epsn = hb->core.st->xport[qb].resp.epsn;
    while (hb->now_ns * 1000 < end_ps && pair_step(p, hb->now_ns + PAIR_SEC)) {
        if (hb->core.st->qp_blackout_ps[qb]) {
            g_assert_cmpuint(hb->core.st->xport[qb].resp.epsn, ==, epsn);
        }
    }
    g_assert_true(pair_run_cqes(p, 0, 4, 5 * PAIR_SEC));
    for (int k = 1; k <= 4; k++) {
        struct rdo_cqe c = pair_poll(&p->s[0]);

        g_assert_cmpuint(c.wr_id, ==, k);
        g_assert_cmpuint(c.status, ==, RDO_WC_SUCCESS);
    }
    assert_four(p, 0);
    for (int k = 0; k < 5; k++) {
        pair_assert_same(&p->s[0], PAIR_SRC + QP_AREA + k * 1000, &p->s[1],
                         PAIR_DST + QP_AREA + 1 + k * 1001, 1000);
    }
    for (int s = 0; s < 2; s++) {
        g_assert_cmpuint(p->s[s].d->h->xport_events[RDO_XE_QP_ERROR], ==, 0);
    }
    pair_free(p);
}

static void test_one_engine(void)
{
    RdoConfig cfg = hard_config(1);
    Pair *p;
    TestHost *hb;
    RdoState *st;
    RdoXport ud_before;
    uint32_t cmds, ud;
    bool lose = false;
    struct rdo_eqe e, rec = { 0 };

    cfg.tm.on = true;
    cfg.failover_reset_cycles = 50000;
    p = pair_new(&cfg);
    hb = p->s[1].d->h;
    st = hb->core.st;
    p->tamper = lose_b_to_a;
    p->tamper_opaque = &lose;
    for (int i = 0; i < 2; i++) {
        pair_connect(p, i, RDO_QPT_RC, RDO_MTU_4096 - 2);
    }
    pair_connect(p, 2, RDO_QPT_UD, RDO_MTU_4096 - 2);
    ud = p->s[1].qp[2].qpn;
    for (int i = 0; i < 2; i++) {
        post_four(p, i);
    }
    until_atomics(p, 3);
    ud_before = st->xport[ud];
    cmds = test_reg_read(hb, RDO_REG_CNT_CQP_CMDS);
    fault_engine0(hb);
    while ((e = td_eq0_next(p->s[1].d)).type) {
        g_assert_cmpuint(e.type, !=, RDO_EQE_QP_ERROR);
        rec = e.type == RDO_EQE_ENGINE_RECOVERED ? e : rec;
    }
    g_assert_cmpuint(rec.data, ==, 2);
    /* Not reset: the counters and the UD QP are as they were. */
    g_assert_cmpuint(test_reg_read(hb, RDO_REG_CNT_CQP_CMDS), ==, cmds);
    g_assert_cmpmem(&st->xport[ud], sizeof(RdoXport), &ud_before, sizeof(RdoXport));
    /* Each RC QP read back (image, resources; B holds no records) and in
     * its blackout, on the one engine. */
    g_assert_cmpuint(hb->core.cnt.fo_rb_bytes, ==, 2 * (RDO_FO_XPORT_BYTES +
                     PAIR_RESP_RES * sizeof(struct rdo_qpc_fo_res)));
    for (int i = 0; i < 2; i++) {
        g_assert_cmpuint(st->qp_blackout_ps[p->s[1].qp[i].qpn], >, hb->now_ns * 1000);
    }
    g_assert_cmpuint(test_reg_read(hb, RDO_REG_FO_BLACKOUT), >=, 50000);
    lose = false;
    g_assert_true(pair_run_cqes(p, 0, 8, 5 * PAIR_SEC));
    for (int k = 0; k < 8; k++) {
        g_assert_cmpuint(pair_poll_success(&p->s[0], 9).wr_id, !=, PAIR_NO_CQE);
    }
    for (int i = 0; i < 2; i++) {
        assert_four(p, i);
        g_assert_cmpuint(pair_query_qp(&p->s[1], p->s[1].qp[i].qpn).engine, ==, 0);
    }
    g_assert_cmpuint(hb->xport_events[RDO_XE_QP_ERROR], ==, 0);
    pair_free(p);
}

static void test_shared_sq(void)
{
    static const uint32_t sizes[6] = { 200000, 10, 3000, 50, 100000, 1 };
    RdoConfig cfg = hard_config(1);
    Pair *p = pair_new(&cfg);
    PairSide *a = &p->s[0], *b = &p->s[1];
    TestHost *ha = a->d->h;
    uint32_t ssqn, held = 0;
    uint64_t rb;
    bool lose = true;

    p->tamper = lose_b_to_a;
    p->tamper_opaque = &lose;
    ssqn = pair_ssq_fan(p, 4, 3);
    pair_fill(a, PAIR_SRC, 400000, 11);
    for (int k = 0; k < 6; k++) {
        struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 500 + k);
        struct rdo_sge sge = pair_sge_of(a, PAIR_SRC + k * 4096 + 1, sizes[k]);

        w.conn_qpn = 2 + k % 3;
        w.remote_addr = PAIR_DST + k * 262144 + 5;
        w.rkey = b->mr_key;
        pair_post_send(a, 4, &w, &sge, 1, NULL);
    }
    /* Until the shared queue has handed all six over. */
    for (int s = 0; s < 10000 && ha->core.st->xport[ssqn].req.sq_next < 6; s++) {
        g_assert_true(pair_step(p, ha->now_ns + PAIR_SEC));
    }
    for (int c = 0; c < 3; c++) {
        held += g_queue_get_length(&ha->core.st->xport[2 + c].req.sent);
    }
    g_assert_cmpuint(held, ==, 6);
    rb = ha->core.cnt.fo_rb_bytes;
    fault_engine0(ha);
    /* Each connection read its two records back (they were written when
     * the queue handed them over). */
    g_assert_cmpuint(ha->core.cnt.fo_rb_bytes - rb, ==, 3 * (RDO_FO_XPORT_BYTES +
                     PAIR_RESP_RES * sizeof(struct rdo_qpc_fo_res) +
                     2 * sizeof(struct rdo_qpc_fo_rec)));
    g_assert_cmpuint(ha->class_count[RDO_GE_QPC_CORRUPT], ==, 0);
    lose = false;
    g_assert_true(pair_run_cqes(p, 0, 6, 5 * PAIR_SEC));
    for (int k = 0; k < 6; k++) {
        struct rdo_cqe e = pair_poll(a);

        g_assert_cmpuint(e.wr_id, ==, 500 + k);
        g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
        g_assert_cmpuint(e.qpn, ==, 2 + k % 3);
        pair_assert_same(a, PAIR_SRC + k * 4096 + 1, b, PAIR_DST + k * 262144 + 5,
                         sizes[k]);
    }
    pair_run(p, ha->now_ns + PAIR_SEC / 10);
    g_assert_cmpuint(pair_cq_ready(a), ==, 0);
    g_assert_cmpuint(ha->xport_events[RDO_XE_QP_ERROR], ==, 0);
    pair_free(p);
}

static uint32_t le32_at(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Where section `tag` starts in a stream (its 8-byte header), or -1. */
static long section_at(const uint8_t *buf, size_t len, uint16_t tag)
{
    size_t at = 12;

    while (at + 8 <= len) {
        uint16_t t = buf[at] | buf[at + 1] << 8;

        if (t == tag) {
            return (long)at;
        }
        if (!t) {
            break;
        }
        at += 8 + le32_at(buf + at + 4);
    }
    return -1;
}

static void test_bad_stream(void)
{
    RdoConfig cfg = hard_config(2);
    Pair *p = pair_new(&cfg);
    PairSide *a = &p->s[0];
    TestHost *ha = a->d->h;
    bool lose = true;
    uint8_t *buf, *old, *bad;
    size_t len, cut;
    long at;
    char *why = NULL;

    p->tamper = lose_b_to_a;
    p->tamper_opaque = &lose;
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    post_four(p, 0);
    until_atomics(p, 1);
    buf = rdo_core_save(&ha->core, &len);
    at = section_at(buf, len, 46);
    g_assert_cmpint(at, >, 0);
    g_assert_true(rdo_core_load(&ha->core, buf, len, &why));
    /* Without section 46: as a stream from before. */
    cut = 8 + le32_at(buf + at + 4);
    old = g_malloc(len - cut);
    memcpy(old, buf, at);
    memcpy(old + at, buf + at + cut, len - at - cut);
    for (int i = 0; i < 4; i++) {
        old[8 + i] = (uint8_t)((len - cut) >> (8 * i));
    }
    g_assert_false(rdo_core_load(&ha->core, old, len - cut, &why));
    g_assert_nonnull(strstr(why, "section failover missing"));
    g_clear_pointer(&why, g_free);
    /* A record numbered out of turn: the first QP's first record. */
    bad = g_memdup2(buf, len);
    g_assert_cmpuint(le32_at(bad + at + 8), ==, a->qp[0].qpn);
    bad[at + 8 + 4 + 8 + 4 + 4] ^= 1;   /* past QP, blackout, next, count */
    g_assert_false(rdo_core_load(&ha->core, bad, len, &why));
    g_assert_nonnull(strstr(why, "numbered"));
    g_clear_pointer(&why, g_free);
    g_free(bad);
    g_free(old);
    g_free(buf);
    pair_free(p);
    /* Failover off: no section 46. */
    cfg.failover = 0;
    p = pair_new(&cfg);
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    buf = rdo_core_save(&p->s[0].d->h->core, &len);
    g_assert_cmpint(section_at(buf, len, 46), <, 0);
    g_free(buf);
    pair_free(p);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/hard/records-reread", test_records_reread);
    g_test_add_func("/hard/corrupt-record", test_corrupt_record);
    g_test_add_func("/hard/entry-size", test_entry_size);
    g_test_add_func("/hard/record-limit", test_record_limit);
    g_test_add_func("/hard/one-engine", test_one_engine);
    g_test_add_func("/hard/shared-sq", test_shared_sq);
    g_test_add_func("/hard/migrate", test_migrate);
    g_test_add_func("/hard/bad-stream", test_bad_stream);
    return g_test_run();
}
