/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the catastrophic error: each cause stops the device, tells
 * the driver (STATUS, FATAL_CAUSE, EQ 0, vector 0), and a reset brings the
 * device back.
 */
#include <string.h>
#include "test-driver.h"
#include "ctx/ctx.h"

#define UNREACHABLE 0xffff000000000000ull

static TestDriver *started(void)
{
    TestDriver *d = td_started(2);

    g_assert_cmphex(test_reg_read(d->h, RDO_REG_STATUS), ==,
                    RDO_STATUS_READY | RDO_STATUS_ENABLED | RDO_STATUS_CQP_READY);
    return d;
}

/* The next EQ 0 entry of `type`, skipping others; type 0 if none. */
static struct rdo_eqe eq0_find(TestDriver *d, uint8_t type)
{
    struct rdo_eqe e;

    do {
        e = td_eq0_next(d);
    } while (e.type && e.type != type);
    return e;
}

/* The device is stopped with `cause`, and vector 0 was raised for it. */
static void assert_fatal(TestDriver *d, enum rdo_fatal_cause cause,
                         unsigned irqs_before)
{
    g_assert_cmphex(test_reg_read(d->h, RDO_REG_STATUS), ==,
                    RDO_STATUS_READY | RDO_STATUS_ENABLED | RDO_STATUS_FATAL);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_FATAL_CAUSE), ==, cause);
    g_assert_cmpuint(d->h->fatal_calls, ==, 1);
    g_assert_cmpuint(d->h->last_fatal, ==, cause);
    g_assert_cmpuint(d->h->irqs[0], ==, irqs_before + 1);
}

/* A reset clears the state and the control path starts and works again. */
static void assert_recovers(TestDriver *d)
{
    struct rdo_cqp_cmd nop = td_cmd_of(RDO_CMD_NOP, 0);

    test_reg_write(d->h, RDO_REG_CONTROL, RDO_CONTROL_RESET);
    g_assert_cmphex(test_reg_read(d->h, RDO_REG_STATUS), ==, RDO_STATUS_READY);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_FATAL_CAUSE), ==, RDO_FATAL_NONE);
    d->cqp_pi = 0;
    d->eq0_ci = 0;
    td_start(d);
    g_assert_cmphex(test_reg_read(d->h, RDO_REG_STATUS) & RDO_STATUS_CQP_READY, ==,
                    RDO_STATUS_CQP_READY);
    g_assert_cmpuint(td_cmd(d, &nop).status, ==, RDO_CQP_OK);
}

/*
 * CREATE_QP of UD QP `qpn` (PD 0, CQ 0) and a NOP after it: the create
 * stops the device with `cause`, gets no completion and the NOP never
 * runs.
 */
static void create_qp_fails(TestDriver *d, uint32_t qpn, uint64_t sq,
                                uint64_t rq, enum rdo_fatal_cause cause,
                                unsigned irqs)
{
    struct rdo_cqp_cmd c = rdo_cmd_create_qp(qpn, RDO_QPT_UD, 0, 0, sq, rq);
    uint32_t first = td_post(d, &c);

    c = td_cmd_of(RDO_CMD_NOP, 0);
    td_post(d, &c);
    td_ring_cqp(d);
    td_run(d, 100000);
    assert_fatal(d, cause, irqs);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CQP_CI), ==, first);
    g_assert_cmpuint(td_comp(d, first).owner, ==, 0);
}

/*
 * A dirty QP context that cannot be written back is lost device state: the
 * command that caused the eviction gets no completion, nothing after it runs.
 */
static void test_qpc_writeback_lost(void)
{
    TestDriver *d = started();
    uint64_t *qpc_pages = td_ptr(d, d->qpc_pglist);
    uint64_t sq, rq;
    uint32_t irqs;
    struct rdo_eqe e;

    td_create_pd(d, 0);
    td_create_cq(d, 0, 4, 0, 0);
    td_create_qp(d, 2, RDO_QPT_UD, 0, 0, &sq, &rq);
    td_create_qp(d, 3, RDO_QPT_UD, 0, 0, &sq, &rq);
    irqs = d->h->irqs[0];
    /* Both cache lines are dirty; the store's first page goes away. */
    qpc_pages[0] = UNREACHABLE;
    create_qp_fails(d, 4, sq, rq, RDO_FATAL_QPC_STORE, irqs);
    e = eq0_find(d, RDO_EQE_CATASTROPHIC);
    g_assert_cmpuint(e.type, ==, RDO_EQE_CATASTROPHIC);
    g_assert_cmpuint(e.data, ==, RDO_FATAL_QPC_STORE);
    /* Logged as the driver's fault, not counted in ERR_*. */
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_ERR_COUNT), ==, 0);
    assert_recovers(d);
    td_free(d);
}

/*
 * The context cache's own indexes disagreeing (a set counts free ways its
 * valid bits deny) is a device fault no guest or saved state can cause
 * (ctx-cache.c, first_invalid): here the test breaks them by hand. The
 * device stops with the store's cause instead of crashing, blames no
 * driver, and a reset rebuilds the indexes.
 */
static void test_ctx_cache_broken(void)
{
    TestDriver *d = started();
    RdoCtxCache *qpc = &d->h->core.st->qpc;
    uint32_t irqs;

    td_create_pd(d, 0);
    td_create_cq(d, 0, 4, 0, 0);
    g_assert_cmpuint(qpc->order[0].invalid, ==, qpc->ways);
    qpc->valid_bits[0] |= (1ull << qpc->ways) - 1;
    irqs = d->h->irqs[0];
    create_qp_fails(d, 2, td_alloc(d, 16 << 7, 4096),
                    td_alloc(d, 16 << 5, 4096), RDO_FATAL_QPC_STORE, irqs);
    g_assert_cmpuint(d->h->class_count[RDO_GE_FATAL], ==, 0);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_ERR_COUNT), ==, 0);
    assert_recovers(d);
    qpc = &d->h->core.st->qpc;     /* the reset made the caches anew */
    g_assert_cmpuint(qpc->order[0].invalid, ==, qpc->ways);
    g_assert_cmpuint(qpc->valid_bits[0], ==, 0);
    td_free(d);
}

/* An MR context that cannot be loaded back from its store. */
static void test_mrc_load_lost(void)
{
    TestDriver *d = started();
    uint64_t *mrc_pages = td_ptr(d, d->mrc_pglist);
    struct rdo_cqp_cmd c = td_cmd_of(RDO_CMD_DEREG_MR, 1);
    uint32_t index, irqs;

    td_create_pd(d, 0);
    /* MR 1 lives in the store's page 0, MRs 64 and 65 in page 1. */
    td_reg_mr(d, 1, 0, 4096, RDO_ACCESS_LOCAL_WRITE, NULL);
    td_reg_mr(d, 64, 0, 4096, RDO_ACCESS_LOCAL_WRITE, NULL);
    td_reg_mr(d, 65, 0, 4096, RDO_ACCESS_LOCAL_WRITE, NULL);
    /*
     * MR 1 was written back to make room; now its page is gone, while the
     * victim of the next miss (MR 64) can still be written back.
     */
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_STATUS) & RDO_STATUS_FATAL, ==, 0);
    irqs = d->h->irqs[0];
    mrc_pages[0] = UNREACHABLE;
    index = td_post(d, &c);
    td_ring_cqp(d);
    td_run(d, 100000);
    assert_fatal(d, RDO_FATAL_MRC_STORE, irqs);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CQP_CI), ==, index);
    g_assert_cmpuint(eq0_find(d, RDO_EQE_CATASTROPHIC).data, ==,
                     RDO_FATAL_MRC_STORE);
    assert_recovers(d);
    td_free(d);
}

/* An event that EQ 0 cannot take: nothing else could report the loss. */
static void test_eq0_unreachable(void)
{
    RdoConfig cfg = test_host_default_config();
    TestDriver *d = td_new(&cfg);
    struct rdo_cqp_cmd c = td_cmd_of(RDO_CMD_NOP, 0);

    td_setup(d);
    test_reg_write(d->h, RDO_REG_EQ0_RING_LO, 0);
    test_reg_write(d->h, RDO_REG_EQ0_RING_HI, UNREACHABLE >> 32);
    test_reg_write(d->h, RDO_REG_CONTROL,
                   RDO_CONTROL_ENABLE | RDO_CONTROL_CQP_ENABLE);
    /* A command without an event does not need EQ 0. */
    g_assert_cmpuint(td_cmd(d, &c).status, ==, RDO_CQP_OK);
    g_assert_cmpuint(d->h->fatal_calls, ==, 0);
    c.flags = RDO_CQP_F_EVENT;
    td_post(d, &c);
    c.flags = 0;
    td_post(d, &c);
    td_ring_cqp(d);
    td_run(d, 100000);
    assert_fatal(d, RDO_FATAL_EQ0, 0);
    /* That command completed before its event failed; the next did not run. */
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CQP_CI), ==, 2);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CNT_EQ_OVERFLOWS), ==, 1);
    assert_recovers(d);
    td_free(d);
}

/*
 * Injected while work is queued: no command completes after it, doorbells
 * are counted and ignored, CQP_ENABLE is refused until the reset.
 */
static void test_injected_stops_everything(void)
{
    TestDriver *d = started();
    struct rdo_cqp_cmd c = td_cmd_of(RDO_CMD_NOP, 0);
    uint64_t sq, rq;
    uint32_t db_writes, db_errors, eqes;
    struct rdo_eqe e;

    td_create_pd(d, 0);
    td_create_cq(d, 0, 4, 0, 0);
    td_create_qp(d, 2, RDO_QPT_UD, 0, 0, &sq, &rq);
    for (int i = 0; i < 4; i++) {
        td_post(d, &c);
    }
    td_ring_cqp(d);
    td_run(d, RDO_DEFAULT_CQP_CMD_NS + RDO_DEFAULT_CQP_CMD_NS / 2);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CQP_CI), ==, 4);  /* 3 + 1 */
    rdo_core_fatal(&d->h->core, RDO_FATAL_INJECTED, false, "test");
    assert_fatal(d, RDO_FATAL_INJECTED, 0);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_ERR_COUNT), ==, 0);
    g_assert_cmpuint(d->h->errors->len, ==, 0);     /* not the guest's fault */
    e = eq0_find(d, RDO_EQE_CATASTROPHIC);
    g_assert_cmpuint(e.type, ==, RDO_EQE_CATASTROPHIC);
    g_assert_cmpuint(e.data, ==, RDO_FATAL_INJECTED);
    eqes = test_reg_read(d->h, RDO_REG_CNT_EQES);

    td_run(d, 100000);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CQP_CI), ==, 4);
    td_post(d, &c);
    td_ring_cqp(d);
    td_run(d, 100000);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CQP_CI), ==, 4);

    db_writes = test_reg_read(d->h, RDO_REG_DB_WRITES);
    db_errors = test_reg_read(d->h, RDO_REG_CNT_DB_ERRORS);
    td_doorbell(d, 0, RDO_DB_RQ, RDO_DB_VALUE(2, 0, 1));        /* valid */
    td_doorbell(d, 5, RDO_DB_SQ, RDO_DB_VALUE(60, 0, 1));       /* not */
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_DB_WRITES), ==, db_writes + 2);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CNT_DB_ERRORS), ==, db_errors);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CNT_EQES), ==, eqes);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CNT_CQES), ==, 0);

    /* A second cause does not replace the first, nor interrupt again. */
    rdo_core_fatal(&d->h->core, RDO_FATAL_EQ0, true, "test");
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_FATAL_CAUSE), ==, RDO_FATAL_INJECTED);
    g_assert_cmpuint(d->h->irqs[0], ==, 1);
    assert_recovers(d);
    td_free(d);
}

/* Before the control path starts there is no EQ 0: status and vector only. */
static void test_injected_before_start(void)
{
    RdoConfig cfg = test_host_default_config();
    TestDriver *d = td_new(&cfg);

    rdo_core_fatal(&d->h->core, RDO_FATAL_INJECTED, false, "test");
    g_assert_cmphex(test_reg_read(d->h, RDO_REG_STATUS), ==,
                    RDO_STATUS_READY | RDO_STATUS_FATAL);
    g_assert_cmpuint(d->h->irqs[0], ==, 1);
    td_setup(d);
    test_reg_write(d->h, RDO_REG_CONTROL,
                   RDO_CONTROL_ENABLE | RDO_CONTROL_CQP_ENABLE);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_ERR_LAST), ==, RDO_ERR_BAD_VALUE);
    g_assert_cmphex(test_reg_read(d->h, RDO_REG_CONTROL), ==, RDO_CONTROL_ENABLE);
    g_assert_cmphex(test_reg_read(d->h, RDO_REG_STATUS), ==,
                    RDO_STATUS_READY | RDO_STATUS_ENABLED | RDO_STATUS_FATAL);
    assert_recovers(d);
    td_free(d);
}

/* A full EQ 0 loses the event, but STATUS and vector 0 still tell. */
static void test_eq0_full(void)
{
    TestDriver *d = started();
    struct rdo_cqp_cmd c = td_cmd_of(RDO_CMD_NOP, 0);
    uint32_t overflows;

    c.flags = RDO_CQP_F_EVENT;
    for (int i = 0; i < (1 << TD_EQ0_LOG); i++) {
        g_assert_cmpuint(td_cmd(d, &c).status, ==, RDO_CQP_OK);
    }
    overflows = test_reg_read(d->h, RDO_REG_CNT_EQ_OVERFLOWS);
    rdo_core_fatal(&d->h->core, RDO_FATAL_INJECTED, false, "test");
    assert_fatal(d, RDO_FATAL_INJECTED, 1);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CNT_EQ_OVERFLOWS), ==,
                     overflows + 1);
    assert_recovers(d);
    td_free(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fatal/qpc-writeback-lost", test_qpc_writeback_lost);
    g_test_add_func("/fatal/mrc-load-lost", test_mrc_load_lost);
    g_test_add_func("/fatal/ctx-cache-broken", test_ctx_cache_broken);
    g_test_add_func("/fatal/eq0-unreachable", test_eq0_unreachable);
    g_test_add_func("/fatal/injected-stops-everything",
                    test_injected_stops_everything);
    g_test_add_func("/fatal/injected-before-start", test_injected_before_start);
    g_test_add_func("/fatal/eq0-full", test_eq0_full);
    return g_test_run();
}
