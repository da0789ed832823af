/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtests of the rdma-offload catastrophic error through QEMU: injected by
 * the host through QOM, and caused by the driver (EQ 0 unreachable); the
 * device stops, says why, and a reset or an FLR brings it back.
 */
#include "qemu/osdep.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "libqos/qgraph.h"
#include "libqos/libqos-malloc.h"
#include "libqos/rdma-offload.h"

static bool qom_get_fatal(QTestState *qts)
{
    QDict *resp = qtest_qmp(qts, "{ 'execute': 'qom-get', 'arguments': {"
                            " 'path': '/machine/peripheral/" QRDO_TEST_ID "',"
                            " 'property': 'x-inject-fatal' } }");
    bool fatal = qdict_get_bool(resp, "return");

    qobject_unref(resp);
    return fatal;
}

static void assert_fatal(QRdmaOffload *d, enum rdo_fatal_cause cause)
{
    g_assert_cmphex(qrdo_read(d, RDO_REG_STATUS) &
                    (RDO_STATUS_FATAL | RDO_STATUS_CQP_READY), ==,
                    RDO_STATUS_FATAL);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_FATAL_CAUSE), ==, cause);
    g_assert_true(qom_get_fatal(d->pci.bus->qts));
}

/*
 * Injected by the host while a command is queued: the event and vector 0
 * arrive, nothing more runs; clearing through QOM is refused; a reset
 * brings the device back.
 */
static void test_injected(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    QTestState *qts = d->pci.bus->qts;
    QRdoDriver drv;
    struct rdo_cqp_cmd nop = rdo_cmd_new(RDO_CMD_NOP, 0);
    struct rdo_eqe eqe;
    uint64_t msg = guest_alloc(alloc, 64);
    uint32_t db_writes;
    QDict *resp;

    qrdo_drv_start(&drv, d, alloc);
    qpci_msix_enable(&d->pci);
    qtest_writel(qts, msg, 0);
    qrdo_msix_set(d, 0, msg, 0xfa7a1000, false);
    g_assert_false(qom_get_fatal(qts));

    qrdo_cqp_write(&drv, &nop);
    qrdo_cqp_ring(&drv);
    qrdo_inject_fatal(d);
    assert_fatal(d, RDO_FATAL_INJECTED);
    g_assert_cmphex(qtest_readl(qts, msg), ==, 0xfa7a1000);
    g_assert_true(qrdo_eq_poll(&drv, &drv.eq0, &eqe));
    g_assert_cmpuint(eqe.type, ==, RDO_EQE_CATASTROPHIC);
    g_assert_cmpuint(eqe.data, ==, RDO_FATAL_INJECTED);
    /* Not the guest's mistake. */
    g_assert_cmpuint(qrdo_read(d, RDO_REG_ERR_COUNT), ==, 0);

    /* The queued command never completes; doorbells are only counted. */
    qrdo_drv_step(&drv, 100 * QRDO_CQP_CMD_NS);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_CQP_CI), ==, 0);
    g_assert_false(qrdo_cqp_poll(&drv, &(struct rdo_cqp_comp){ 0 }));
    db_writes = qrdo_read(d, RDO_REG_DB_WRITES);
    qrdo_db_write(d, 0, RDO_DB_SQ, RDO_DB_VALUE(77, 0, 1));
    g_assert_cmpuint(qrdo_read(d, RDO_REG_DB_WRITES), ==, db_writes + 1);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_CNT_DB_ERRORS), ==, 0);

    /* Only a reset leaves the state. */
    resp = qtest_qmp(qts, "{ 'execute': 'qom-set', 'arguments': {"
                     " 'path': '/machine/peripheral/" QRDO_TEST_ID "',"
                     " 'property': 'x-inject-fatal', 'value': false } }");
    g_assert_true(qdict_haskey(resp, "error"));
    qobject_unref(resp);
    assert_fatal(d, RDO_FATAL_INJECTED);

    qrdo_write(d, RDO_REG_CONTROL, RDO_CONTROL_RESET);
    g_assert_false(qom_get_fatal(qts));
    g_assert_cmphex(qrdo_read(d, RDO_REG_STATUS), ==, RDO_STATUS_READY);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_FATAL_CAUSE), ==, 0);
    qrdo_drv_start(&drv, d, alloc);
    qrdo_drv_assert_alive(&drv);
}

/* The driver's EQ 0 is not reachable: the first event to it is fatal. */
static void test_eq0_unreachable(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    QRdoDriver drv;
    struct rdo_cqp_cmd nop = rdo_cmd_new(RDO_CMD_NOP, 0);

    qrdo_drv_init(&drv, d, alloc);
    drv.eq0.addr = QRDO_UNMAPPED_ADDR;
    qrdo_drv_setup(&drv);
    g_assert_true(qrdo_drv_enable(&drv));
    qrdo_cmd_expect(&drv, nop, RDO_CQP_OK);   /* needs no event */

    nop.flags = RDO_CQP_F_EVENT;
    g_assert_cmpuint(qrdo_cmd_exec(&drv, &nop, NULL), ==, RDO_CQP_OK);
    assert_fatal(d, RDO_FATAL_EQ0);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_CNT_EQ_OVERFLOWS), ==, 1);
    nop.flags = 0;
    qrdo_cqp_write(&drv, &nop);
    qrdo_cqp_ring(&drv);
    qrdo_drv_step(&drv, 100 * QRDO_CQP_CMD_NS);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_CQP_CI), ==, 2);
    /* CQP_ENABLE again is refused until the reset. */
    qrdo_write(d, RDO_REG_CONTROL, RDO_CONTROL_ENABLE | RDO_CONTROL_CQP_ENABLE);
    assert_fatal(d, RDO_FATAL_EQ0);
}

/* A Function Level Reset also clears the catastrophic state. */
static void test_flr_recovers(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    QRdoDriver drv;

    qrdo_drv_start(&drv, d, alloc);
    qrdo_inject_fatal(d);
    assert_fatal(d, RDO_FATAL_INJECTED);
    qrdo_flr(d);
    g_assert_false(qom_get_fatal(d->pci.bus->qts));
    g_assert_cmphex(qrdo_read(d, RDO_REG_STATUS), ==, RDO_STATUS_READY);
    qrdo_drv_start(&drv, d, alloc);
    qrdo_drv_assert_alive(&drv);
}

static void rdo_fatal_register_tests(void)
{
    qos_add_test("fatal-injected", "rdma-offload", test_injected, NULL);
    qos_add_test("fatal-eq0-unreachable", "rdma-offload", test_eq0_unreachable,
                 NULL);
    qos_add_test("fatal-flr-recovers", "rdma-offload", test_flr_recovers, NULL);
}

libqos_init(rdo_fatal_register_tests);
