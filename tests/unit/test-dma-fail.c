/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DMA that fails on the receive path (and the gathers beside it), each
 * case with the timing model off and on: the same completions, guest
 * errors, asynchronous events and counters either way, the receive FIFO
 * and the link empty afterwards, and another connection still moving
 * data. The timing model's receive pipeline takes a frame at a time where
 * the functional model takes what arrived in one go, so a failure can
 * fall in the middle of a message instead of at its end; the outcome must
 * not depend on it.
 *
 * Memory the device cannot reach: a page list entry past guest memory in
 * a region of four scattered pages (registration does not touch the
 * pages), or a CQ or EQ ring past guest memory (creation does not either).
 */
#include <string.h>
#include "test-pair.h"
#include "timing/timing.h"

#define REGION_PAGES    4
#define BAD_PAGE        2               /* the region's third page */
#define REGION_IOVA     0x7f0000000000ull
#define REGION_MR       2               /* MR index of the region */
#define MSG_LEN         (12u << 10)     /* 12 packets at MTU 1024 */
#define MSG_OFF         0x123           /* from the first page to the last */
#define IN_BAD_PAGE     (BAD_PAGE * RDO_PAGE_SIZE + 0x40)
#define BAD_CQN         1
#define BAD_EQN         1
#define BAD_SRQN        1
#define RING_LOG        6
#define NO_CQE          0xff
#define MAX_SEEN        16

/* Where the unreachable memory is. */
enum where {
    BAD_REMOTE,         /* B's region, the WRITE/READ/atomic target */
    BAD_LOCAL,          /* A's region, the local SGE */
    BAD_RECV,           /* B's region, the receive WQE's SGE */
    BAD_CQ_RING,        /* B's QP completes to a CQ with an unreachable ring */
    BAD_EQ_RING,        /* ... to an armed CQ whose EQ's ring is unreachable */
    BAD_SRQ_RING,       /* B's QP receives from an SRQ whose ring is */
};

typedef struct Case {
    const char *name;
    uint8_t wr;                 /* RDO_WR_* on A's connection 0 */
    uint32_t off, len;          /* in the region */
    enum where where;
    uint8_t a_status;           /* A's completion of the request */
    uint8_t b_status;           /* B's first completion on its CQ, or NO_CQE */
    int side;                   /* whose guest error (0 A, 1 B; -1 none) */
    enum rdo_guest_err cls;
} Case;

static const Case cases[] = {
    { "write", RDO_WR_RDMA_WRITE, MSG_OFF, MSG_LEN, BAD_REMOTE,
      RDO_WC_REM_ACCESS_ERR, NO_CQE, 1, RDO_GE_PLACEMENT_FAILED },
    { "write-imm", RDO_WR_RDMA_WRITE_IMM, MSG_OFF, MSG_LEN, BAD_REMOTE,
      RDO_WC_REM_ACCESS_ERR, RDO_WC_WR_FLUSH_ERR, 1, RDO_GE_PLACEMENT_FAILED },
    { "write-one-packet", RDO_WR_RDMA_WRITE, IN_BAD_PAGE, 512, BAD_REMOTE,
      RDO_WC_REM_ACCESS_ERR, NO_CQE, 1, RDO_GE_PLACEMENT_FAILED },
    { "read-response", RDO_WR_RDMA_READ, MSG_OFF, MSG_LEN, BAD_LOCAL,
      RDO_WC_LOC_PROT_ERR, NO_CQE, -1, 0 },
    { "read-source", RDO_WR_RDMA_READ, MSG_OFF, MSG_LEN, BAD_REMOTE,
      RDO_WC_REM_OP_ERR, NO_CQE, -1, 0 },
    { "atomic-response", RDO_WR_ATOMIC_FETCH_ADD, IN_BAD_PAGE, 8, BAD_LOCAL,
      RDO_WC_LOC_PROT_ERR, NO_CQE, -1, 0 },
    { "atomic-target", RDO_WR_ATOMIC_CMP_SWP, IN_BAD_PAGE, 8, BAD_REMOTE,
      RDO_WC_REM_OP_ERR, NO_CQE, -1, 0 },
    { "send-recv-buffer", RDO_WR_SEND, MSG_OFF, MSG_LEN, BAD_RECV,
      RDO_WC_REM_OP_ERR, RDO_WC_LOC_PROT_ERR, -1, 0 },
    { "send-gather", RDO_WR_SEND, MSG_OFF, MSG_LEN, BAD_LOCAL,
      RDO_WC_LOC_PROT_ERR, NO_CQE, -1, 0 },
    { "recv-wqe", RDO_WR_SEND, MSG_OFF, MSG_LEN, BAD_SRQ_RING,
      RDO_WC_REM_OP_ERR, RDO_WC_LOC_QP_OP_ERR, -1, 0 },
    { "cqe-ring", RDO_WR_SEND, MSG_OFF, MSG_LEN, BAD_CQ_RING,
      RDO_WC_SUCCESS, NO_CQE, 1, RDO_GE_CQ_UNREACHABLE },
    { "eqe-ring", RDO_WR_SEND, MSG_OFF, MSG_LEN, BAD_EQ_RING,
      RDO_WC_SUCCESS, NO_CQE, 1, RDO_GE_EQ_UNREACHABLE },
};

/* What a run ends with, compared between timing off and on. */
typedef struct Outcome {
    uint32_t ncqe[2], neqe[2];
    struct { uint64_t wr_id; uint8_t opcode, status; } cqe[2][MAX_SEEN];
    struct { uint8_t type; uint32_t obj, data; } eqe[2][MAX_SEEN];
    uint32_t classes[2][RDO_GE__COUNT];
    uint32_t qp_errors[2];
    uint32_t cqes[2], eqes[2], naks_sent[2], timeouts[2];
    uint64_t fifo_max;          /* not compared: frames that waited */
} Outcome;

/* A region of REGION_PAGES scattered pages of side s, BAD_PAGE past guest
 * memory, every access right; returns its key. */
static uint32_t bad_region(PairSide *s)
{
    uint64_t page[REGION_PAGES];
    uint64_t list = td_alloc(s->d, sizeof(page), 8);
    struct rdo_cqp_cmd cmd;
    struct rdo_cqp_comp c;

    for (int i = 0; i < REGION_PAGES; i++) {
        page[REGION_PAGES - 1 - i] = td_alloc(s->d, 2 * RDO_PAGE_SIZE,
                                              RDO_PAGE_SIZE);
    }
    page[BAD_PAGE] = TEST_HOST_MEM_BASE + s->d->h->mem_size + (8u << 20);
    memcpy(td_ptr(s->d, list), page, sizeof(page));
    cmd = rdo_cmd_reg_mr(REGION_MR, 0x66, 0, REGION_IOVA,
                         REGION_PAGES * RDO_PAGE_SIZE, list, REGION_PAGES);
    cmd.u.reg_mr.access = RDO_ACCESS_LOCAL_WRITE | RDO_ACCESS_REMOTE;
    c = td_cmd(s->d, &cmd);
    g_assert_cmpuint(c.status, ==, RDO_CQP_OK);
    return c.result;
}

static uint64_t unreachable(PairSide *s)
{
    return TEST_HOST_MEM_BASE + s->d->h->mem_size + (16u << 20);
}

/* B's connection 0 completes to CQ BAD_CQN, which the case makes bad. */
static void bad_cq(Pair *p, enum where where)
{
    TestDriver *d = p->s[1].d;
    struct rdo_cqp_cmd cmd;
    RdoPairLayout layout = p->layout;

    if (where == BAD_EQ_RING) {
        cmd = rdo_cmd_create_eq(BAD_EQN, unreachable(&p->s[1]), RING_LOG, 1);
        g_assert_cmpuint(td_cmd(d, &cmd).status, ==, RDO_CQP_OK);
        td_create_cq(d, BAD_CQN, RING_LOG, BAD_EQN, 0);
        td_doorbell(d, 0, RDO_DB_CQ,
                    RDO_DB_VALUE(BAD_CQN, RDO_DB_CQ_ARM_NEXT, 0));
    } else {
        cmd = rdo_cmd_create_cq(BAD_CQN, unreachable(&p->s[1]), RING_LOG, 0, 0);
        g_assert_cmpuint(td_cmd(d, &cmd).status, ==, RDO_CQP_OK);
    }
    layout.cqn = BAD_CQN;
    p->s[1].layout = &layout;
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    p->s[1].layout = &p->layout;
}

/* B's connection 0 receives from SRQ BAD_SRQN, its ring unreachable; one
 * receive WQE is posted there (as far as the device can tell). */
static void bad_srq(Pair *p)
{
    PairSide *b = &p->s[1];
    struct rdo_cqp_cmd cmd = rdo_cmd_create_srq(BAD_SRQN, unreachable(b),
                                                RING_LOG, p->layout.rq_shift,
                                                p->layout.pdn);

    g_assert_cmpuint(td_cmd(b->d, &cmd).status, ==, RDO_CQP_OK);
    b->qp_on_srq = true;
    b->qp_srqn = BAD_SRQN;
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    b->qp_on_srq = false;
    td_doorbell(b->d, 0, RDO_DB_SRQ, RDO_DB_VALUE(BAD_SRQN, 0, 1));
}

static void post_case(Pair *p, const Case *c, uint32_t key)
{
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(c->wr, 1);
    uint64_t off = c->off;
    struct rdo_sge sge = pair_sge_of(a, PAIR_SRC, c->len);

    pair_fill(a, PAIR_SRC, c->len, 21);
    pair_fill(b, PAIR_SRC, c->len, 22);
    w.remote_addr = PAIR_SRC;
    w.rkey = b->mr_key;
    w.compare_add = 3;
    switch (c->where) {
    case BAD_REMOTE:
        w.remote_addr = REGION_IOVA + off;
        w.rkey = key;
        break;
    case BAD_LOCAL:
        sge = rdo_sge(REGION_IOVA + off, c->len, key);
        break;
    case BAD_RECV:
        {
            struct rdo_sge r = rdo_sge(REGION_IOVA + off, c->len, key);

            pair_post_recv_sges(b, 0, 0x100, &r, 1);
        }
        break;
    default:
        break;
    }
    if (c->wr == RDO_WR_SEND && c->where != BAD_RECV &&
        c->where != BAD_SRQ_RING) {
        pair_post_recv(b, 0, 0x100, PAIR_DST, c->len);
    }
    if (c->wr == RDO_WR_RDMA_WRITE_IMM) {
        pair_post_recv(b, 0, 0x100, PAIR_DST, 0);
    }
    pair_post_send(a, 0, &w, &sge, 1, NULL);
}

static void outcome_of(Pair *p, Outcome *o)
{
    for (int k = 0; k < 2; k++) {
        PairSide *s = &p->s[k];
        struct rdo_cqe e;
        struct rdo_eqe q;

        while ((e = pair_poll(s)).wr_id != PAIR_NO_CQE) {
            g_assert_cmpuint(o->ncqe[k], <, MAX_SEEN);
            o->cqe[k][o->ncqe[k]].wr_id = e.wr_id;
            o->cqe[k][o->ncqe[k]].opcode = e.opcode;
            o->cqe[k][o->ncqe[k]++].status = e.status;
        }
        while ((q = td_eq0_next(s->d)).type) {
            g_assert_cmpuint(o->neqe[k], <, MAX_SEEN);
            o->eqe[k][o->neqe[k]].type = q.type;
            o->eqe[k][o->neqe[k]].obj = q.obj;
            o->eqe[k][o->neqe[k]++].data = q.data;
        }
        memcpy(o->classes[k], s->d->h->class_count, sizeof(o->classes[k]));
        o->qp_errors[k] = s->d->h->xport_events[RDO_XE_QP_ERROR];
        o->cqes[k] = pair_cnt(s, RDO_REG_CNT_CQES);
        o->eqes[k] = pair_cnt(s, RDO_REG_CNT_EQES);
        o->naks_sent[k] = pair_cnt(s, RDO_REG_CNT_NAKS_SENT);
        o->timeouts[k] = pair_cnt(s, RDO_REG_CNT_TIMEOUTS);
    }
}

/* Nothing waits in the model: no frame in a receive FIFO or on the link
 * (the core's, or handed to the host to leave later). */
static void assert_drained(Pair *p)
{
    for (int k = 0; k < 2; k++) {
        TestHost *h = p->s[k].d->h;
        RdoTiming *t = h->core.st->tm;

        g_assert_cmpuint(h->timed.count, ==, 0);
        if (t) {
            g_assert_cmpuint(t->rx_fifo.len, ==, 0);
            g_assert_null(t->egress.head);
        }
    }
}

/* Connection 1 still carries a WRITE and a SEND, bytes checked. */
static void assert_other_connection(Pair *p)
{
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 0x200);
    struct rdo_sge sge = pair_sge_of(a, PAIR_SRC + 0x10000, MSG_LEN);

    pair_fill(a, PAIR_SRC + 0x10000, MSG_LEN, 23);
    w.remote_addr = PAIR_DST + 0x10000;
    w.rkey = b->mr_key;
    pair_post_send(a, 1, &w, &sge, 1, NULL);
    pair_post_recv(b, 1, 0x201, PAIR_DST + 0x20000, MSG_LEN);
    w = rdo_wqe(RDO_WR_SEND, 0x202);
    pair_post_send(a, 1, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 2, PAIR_SEC));
    pair_expect_cqe(a, 0x200, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    pair_expect_cqe(a, 0x202, RDO_CQE_SEND, RDO_WC_SUCCESS);
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    pair_expect_cqe(b, 0x201, RDO_CQE_RECV, RDO_WC_SUCCESS);
    pair_assert_same(a, PAIR_SRC + 0x10000, b, PAIR_DST + 0x10000, MSG_LEN);
    pair_assert_same(a, PAIR_SRC + 0x10000, b, PAIR_DST + 0x20000, MSG_LEN);
    pair_run(p, PAIR_SEC);
    assert_drained(p);
}

static void run_case(const Case *c, bool timing, Outcome *o)
{
    RdoConfig cfg = test_host_default_config();
    uint32_t key = 0;
    Pair *p;

    cfg.tm.on = timing;
    /* A receive pipeline slower than the wire: frames wait in its FIFO. */
    cfg.tm.cyc.rx_parse = 200;
    p = pair_new(&cfg);
    if (c->where == BAD_REMOTE || c->where == BAD_RECV) {
        key = bad_region(&p->s[1]);
    } else if (c->where == BAD_LOCAL) {
        key = bad_region(&p->s[0]);
    }
    if (c->where == BAD_CQ_RING || c->where == BAD_EQ_RING) {
        bad_cq(p, c->where);
    } else if (c->where == BAD_SRQ_RING) {
        bad_srq(p);
    } else {
        pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    }
    pair_connect(p, 1, RDO_QPT_RC, RDO_MTU_4096 - 2);
    post_case(p, c, key);
    pair_run(p, PAIR_SEC);
    assert_drained(p);
    memset(o, 0, sizeof(*o));
    outcome_of(p, o);
    for (int k = 0; k < 2; k++) {
        o->fifo_max = MAX(o->fifo_max, p->s[k].d->h->core.tcnt.rx_fifo_max);
    }
    assert_other_connection(p);
    pair_free(p);
}

/* The outcome in the test's log (seen with --verbose or on failure). */
static void outcome_log(const char *what, const Outcome *o)
{
    GString *m = g_string_new(what);

    for (int k = 0; k < 2; k++) {
        g_string_append_printf(m, " | side %d: cqes", k);
        for (uint32_t i = 0; i < o->ncqe[k]; i++) {
            g_string_append_printf(m, " %#" G_GINT64_MODIFIER "x/%u/%u",
                                   o->cqe[k][i].wr_id, o->cqe[k][i].opcode,
                                   o->cqe[k][i].status);
        }
        g_string_append(m, "; eq0");
        for (uint32_t i = 0; i < o->neqe[k]; i++) {
            g_string_append_printf(m, " %#x/%u/%u", o->eqe[k][i].type,
                                   o->eqe[k][i].obj, o->eqe[k][i].data);
        }
        g_string_append(m, "; guest errors");
        for (int g = 0; g < RDO_GE__COUNT; g++) {
            if (o->classes[k][g]) {
                g_string_append_printf(m, " %s x%u", rdo_guest_err_name(g),
                                       o->classes[k][g]);
            }
        }
        g_string_append_printf(m, "; qp errors %u cqes %u eqes %u naks %u "
                               "timeouts %u", o->qp_errors[k], o->cqes[k],
                               o->eqes[k], o->naks_sent[k], o->timeouts[k]);
    }
    g_test_message("%s", m->str);
    g_string_free(m, TRUE);
}

static void test_case(gconstpointer data)
{
    const Case *c = data;
    Outcome off, on;

    run_case(c, false, &off);
    run_case(c, true, &on);
    outcome_log("timing off", &off);
    outcome_log("timing on", &on);
    /* The case's outcome, from the functional run... */
    g_assert_cmpuint(off.ncqe[0], >=, 1);
    g_assert_cmphex(off.cqe[0][0].wr_id, ==, 1);
    g_assert_cmpuint(off.cqe[0][0].status, ==, c->a_status);
    if (c->b_status == NO_CQE) {
        g_assert_cmpuint(off.ncqe[1], ==, 0);
    } else {
        g_assert_cmpuint(off.ncqe[1], >=, 1);
        g_assert_cmpuint(off.cqe[1][0].status, ==, c->b_status);
    }
    for (int k = 0; k < 2; k++) {
        for (int g = 0; g < RDO_GE__COUNT; g++) {
            g_assert_cmpuint(off.classes[k][g], ==,
                             k == c->side && g == (int)c->cls ? 1 : 0);
        }
        g_assert_cmpuint(off.timeouts[k], ==, 0);
    }
    /* ... and the timed run ends the same, its frames having waited. */
    if (c->len == MSG_LEN) {
        g_assert_cmpuint(on.fifo_max, >=, 4);
    }
    on.fifo_max = off.fifo_max;
    g_assert_cmpmem(&on, sizeof(on), &off, sizeof(off));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *path = g_strdup_printf("/dma-fail/%s", cases[i].name);

        g_test_add_data_func(path, &cases[i], test_case);
        g_free(path);
    }
    return g_test_run();
}
