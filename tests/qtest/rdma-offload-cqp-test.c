/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtests of the rdma-offload control path through QEMU: the control QP,
 * objects and their bad inputs, events with MSI-X, the QP state machine
 * and pipelined memory registration, with the device's virtual-clock timer
 * doing the work (qtest steps the clock).
 */
#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/qgraph.h"
#include "libqos/libqos-malloc.h"
#include "libqos/rdma-offload.h"

static void test_start_and_event(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    QRdoDriver drv;
    struct rdo_cqp_cmd nop = rdo_cmd_new(RDO_CMD_NOP, 0);
    struct rdo_eqe eqe;
    uint64_t msg = guest_alloc(alloc, 64);

    /* A bad set-up is refused and names the register. */
    qrdo_drv_init(&drv, d, alloc);
    drv.cqp_log_size = 0;
    qrdo_drv_setup(&drv);
    g_assert_false(qrdo_drv_enable(&drv));
    g_assert_cmpuint(qrdo_read(d, RDO_REG_ERR_LAST), ==, RDO_ERR_BAD_CONFIG);
    g_assert_cmphex(qrdo_read(d, RDO_REG_ERR_ADDR_LO), ==, RDO_REG_CQP_LOG_SIZE);
    qrdo_write(d, RDO_REG_CONTROL, RDO_CONTROL_RESET);

    qrdo_drv_start(&drv, d, alloc);
    qpci_msix_enable(&d->pci);
    qtest_writel(drv.qts, msg, 0);
    qrdo_msix_set(d, 0, msg, 0xe0e0e0e0, false);

    /* Takes virtual time: nothing before cqp-cmd-ns has passed. */
    nop.flags = RDO_CQP_F_EVENT;
    qrdo_cqp_write(&drv, &nop);
    qrdo_cqp_ring(&drv);
    qrdo_drv_step(&drv, QRDO_CQP_CMD_NS / 2);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_CQP_CI), ==, 0);
    g_assert_cmpuint(qrdo_cqp_wait(&drv).status, ==, RDO_CQP_OK);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_CQP_CI), ==, 1);
    g_assert_true(qrdo_eq_poll(&drv, &drv.eq0, &eqe));
    g_assert_cmpuint(eqe.type, ==, RDO_EQE_CQP_DONE);
    g_assert_cmphex(qtest_readl(drv.qts, msg), ==, 0xe0e0e0e0);

    /* Set-up is frozen after the start. */
    qrdo_write(d, RDO_REG_CQP_LOG_SIZE, 3);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_ERR_LAST), ==, RDO_ERR_WHILE_ENABLED);
    qrdo_drv_assert_alive(&drv);
}

static void test_objects_and_bad_input(void *obj, void *data,
                                       QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    QRdoDriver drv;
    QRdoCompRing cq;
    QRdoQp qp;
    uint32_t max_qp;

    qrdo_drv_start(&drv, d, alloc);
    max_qp = qrdo_read(d, RDO_REG_MAX_QP);
    qrdo_drv_create_pd(&drv, 1);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_CREATE_PD, 1), RDO_CQP_EXISTS);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_CREATE_PD, 0x7fffffff),
                    RDO_CQP_BAD_INDEX);
    qrdo_drv_create_cq(&drv, 3, 0, 0, &cq);
    qrdo_drv_create_qp(&drv, &qp, 5, RDO_QPT_UD, 1, 3);
    qrdo_cmd_expect(&drv, rdo_cmd_create_qp(max_qp, RDO_QPT_UD, 1, 3, 0, 0),
                    RDO_CQP_BAD_INDEX);
    qrdo_cmd_expect(&drv, rdo_cmd_create_eq(2, qrdo_drv_alloc(&drv, 4096), 0, 1),
                    RDO_CQP_BAD_PARAM);      /* ring size 2^0 */
    qrdo_cmd_expect(&drv, rdo_cmd_query(RDO_CMD_QUERY_DEVICE, 0,
                                         QRDO_UNMAPPED_ADDR), RDO_CQP_DMA_ERROR);
    qrdo_cmd_expect(&drv, rdo_cmd_modify_qp(5, RDO_QPS_RTS, 0), RDO_CQP_BAD_STATE);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_PD, 1), RDO_CQP_IN_USE);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_CQ, 3), RDO_CQP_IN_USE);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_QP, 5), RDO_CQP_OK);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_QP, 5), RDO_CQP_NOT_FOUND);
    qrdo_cmd_expect(&drv, rdo_cmd_modify_qp(5, RDO_QPS_INIT, 0), RDO_CQP_NOT_FOUND);
    qrdo_cmd_expect(&drv, rdo_cmd_new(0x7e, 0), RDO_CQP_BAD_OPCODE);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_CQ, 3), RDO_CQP_OK);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_PD, 1), RDO_CQP_OK);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_CNT_CQP_ERRORS), ==, 11);
    qrdo_drv_assert_alive(&drv);
}

static void test_rc_state_machine(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    QRdoDriver drv;
    QRdoCompRing cq;
    QRdoQp qp;
    struct rdo_qp_attr attr;

    qrdo_drv_start(&drv, d, alloc);
    qrdo_drv_set_gid0(&drv);
    qrdo_drv_create_pd(&drv, 0);
    qrdo_drv_create_cq(&drv, 0, 0, 0, &cq);
    qrdo_drv_create_qp(&drv, &qp, 2, RDO_QPT_RC, 0, 0);
    qrdo_drv_qp_to_rts(&drv, &qp);
    attr = qrdo_drv_query_qp(&drv, 2);
    g_assert_cmpuint(attr.state, ==, RDO_QPS_RTS);
    qrdo_cmd_expect(&drv, rdo_cmd_modify_qp(2, RDO_QPS_SQD, 0), RDO_CQP_OK);
    qrdo_cmd_expect(&drv, rdo_cmd_modify_qp(2, RDO_QPS_INIT, 0), RDO_CQP_BAD_STATE);
    qrdo_cmd_expect(&drv, rdo_cmd_modify_qp(2, RDO_QPS_ERR, 0), RDO_CQP_OK);
    qrdo_cmd_expect(&drv, rdo_cmd_modify_qp(2, RDO_QPS_RESET, 0), RDO_CQP_OK);
    attr = qrdo_drv_query_qp(&drv, 2);
    g_assert_cmpuint(attr.state, ==, RDO_QPS_RESET);
    qrdo_drv_assert_alive(&drv);
}

/* A started driver with PD 0, CQ 0 and RC QP 2 in RTS (GID 0 set). */
static void rc_setup(QRdoDriver *drv, QRdmaOffload *d, QGuestAllocator *alloc,
                     QRdoCompRing *cq, QRdoQp *qp)
{
    qrdo_drv_start(drv, d, alloc);
    qrdo_drv_set_gid0(drv);
    qrdo_drv_create_pd(drv, 0);
    qrdo_drv_create_cq(drv, 0, 0, 0, cq);
    qrdo_drv_create_qp(drv, qp, 2, RDO_QPT_RC, 0, 0);
    qrdo_drv_qp_to_rts(drv, qp);
}

/* Posts `cmd`, then `wqe` that needs what it creates: the WQE waits (one
 * stall counted, no completion) until the command completes. */
static void wqe_behind_cmd(QRdoDriver *drv, QRdmaOffload *d, QRdoCompRing *cq,
                           QRdoQp *qp, struct rdo_cqp_cmd cmd,
                           struct rdo_send_wqe wqe)
{
    struct rdo_cqe cqe;

    qrdo_cqp_write(drv, &cmd);
    qrdo_cqp_ring(drv);
    qrdo_qp_write_wqe(drv, qp, &wqe);
    qrdo_qp_ring_sq(drv, qp);
    qrdo_drv_step(drv, 100);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_CNT_MR_STALLS), ==, 1);
    g_assert_false(qrdo_cq_poll(drv, cq, &cqe));
    g_assert_cmpuint(qrdo_cqp_wait(drv).status, ==, RDO_CQP_OK);
    qrdo_drv_step(drv, 100);
}

/* The next completion is wr_id's, with this opcode and status. */
static void expect_cqe(QRdoDriver *drv, QRdoCompRing *cq, uint64_t wr_id,
                       uint8_t opcode, uint8_t status)
{
    struct rdo_cqe cqe;

    g_assert_true(qrdo_cq_poll(drv, cq, &cqe));
    g_assert_cmpuint(cqe.wr_id, ==, wr_id);
    g_assert_cmpuint(cqe.opcode, ==, opcode);
    g_assert_cmpuint(cqe.status, ==, status);
}

/* Posts one WQE and lets the device run. */
static void post_wqe(QRdoDriver *drv, QRdoQp *qp, struct rdo_send_wqe wqe)
{
    qrdo_qp_write_wqe(drv, qp, &wqe);
    qrdo_qp_ring_sq(drv, qp);
    qrdo_drv_step(drv, 100);
}

/* A LOCAL_INV posted right behind the REG_MR of its key waits for it. */
static void test_pending_mr(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    QRdoDriver drv;
    QRdoCompRing cq;
    QRdoQp qp;
    struct rdo_cqp_cmd reg;

    qrdo_drv_start(&drv, d, alloc);
    qrdo_drv_create_pd(&drv, 0);
    qrdo_drv_create_cq(&drv, 0, 0, 0, &cq);
    qrdo_drv_create_qp(&drv, &qp, 2, RDO_QPT_UD, 0, 0);
    qrdo_drv_qp_to_rts(&drv, &qp);

    reg = rdo_cmd_reg_mr(7, 0x21, 0, 0x400000, 16 * 4096,
                          qrdo_drv_alloc_page_list(&drv, 16), 16);
    wqe_behind_cmd(&drv, d, &cq, &qp, reg,
                   rdo_wqe_local_inv(0x1234, RDO_MR_KEY(7, 0x21)));
    expect_cqe(&drv, &cq, 0x1234, RDO_CQE_LOCAL_INV, RDO_WC_SUCCESS);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_CNT_MR_STALLS), ==, 1);
    qrdo_drv_assert_alive(&drv);
}

/*
 * Fast registration: a REG_MR work request posted right behind the
 * ALLOC_MR of its MR waits for it, then registers it; LOCAL_INV
 * invalidates it; a REG_MR of the MR while it is valid is refused and the
 * QP goes to ERR, the device lives on.
 */
static void test_fast_reg(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    QRdoDriver drv;
    QRdoCompRing cq;
    QRdoQp qp;
    struct rdo_cqe cqe;
    uint64_t list;

    rc_setup(&drv, d, alloc, &cq, &qp);
    list = qrdo_drv_alloc_page_list(&drv, 16);
    wqe_behind_cmd(&drv, d, &cq, &qp,
                   rdo_cmd_alloc_mr(9, 0x30, 0, 512, RDO_ACCESS__ALL),
                   rdo_wqe_reg_mr(0x51, RDO_MR_KEY(9, 0x31), 0x400123,
                                  15 * 4096, list, 16, RDO_PAGE_SHIFT,
                                  RDO_ACCESS_LOCAL_WRITE |
                                  RDO_ACCESS_REMOTE_READ));
    expect_cqe(&drv, &cq, 0x51, RDO_CQE_REG_MR, RDO_WC_SUCCESS);

    post_wqe(&drv, &qp, rdo_wqe_local_inv(0x52, RDO_MR_KEY(9, 0x31)));
    expect_cqe(&drv, &cq, 0x52, RDO_CQE_LOCAL_INV, RDO_WC_SUCCESS);

    post_wqe(&drv, &qp, rdo_wqe_reg_mr(0x53, RDO_MR_KEY(9, 0x32), 0x400000,
                                       4096, list, 1, RDO_PAGE_SHIFT,
                                       RDO_ACCESS_LOCAL_WRITE));
    post_wqe(&drv, &qp, rdo_wqe_reg_mr(0x54, RDO_MR_KEY(9, 0x33), 0x400000,
                                       4096, list, 1, RDO_PAGE_SHIFT,
                                       RDO_ACCESS_LOCAL_WRITE));
    expect_cqe(&drv, &cq, 0x53, RDO_CQE_REG_MR, RDO_WC_SUCCESS);
    g_assert_true(qrdo_cq_poll(&drv, &cq, &cqe));
    g_assert_cmpuint(cqe.status, ==, RDO_WC_MW_BIND_ERR);
    g_assert_cmpuint(cqe.vendor_err, ==, RDO_VENDOR_ERR_FAST_REG);
    g_assert_cmpuint(cqe.wr_id, ==, 0x54);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DEREG_MR, 9), RDO_CQP_OK);
    qrdo_drv_assert_alive(&drv);
}

/* Posts a command and waits for it; its completion. */
static struct rdo_cqp_comp cmd_run(QRdoDriver *drv, struct rdo_cqp_cmd cmd)
{
    qrdo_cqp_write(drv, &cmd);
    qrdo_cqp_ring(drv);
    return qrdo_cqp_wait(drv);
}

/*
 * Memory windows: ALLOC_MW of both types and its refusals; a BIND_MW work
 * request posted right behind the ALLOC_MW of its window waits for it,
 * then binds it to an MR with MW_BIND; the MR cannot be deregistered
 * while the window is bound; binding the bound type-2 window again is
 * refused (MW_BIND_ERR, the QP to ERR); DEALLOC_MW frees the window and
 * with it the MR; windows and MRs are not freed by each other's command.
 */
static void test_mw(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    QRdoDriver drv;
    QRdoCompRing cq;
    QRdoQp qp;
    struct rdo_cqp_cmd cmd;
    struct rdo_cqp_comp comp;
    struct rdo_cqe cqe;
    uint32_t mr_key;
    uint64_t list;

    rc_setup(&drv, d, alloc, &cq, &qp);
    list = qrdo_drv_alloc_page_list(&drv, 16);

    comp = cmd_run(&drv, rdo_cmd_alloc_mw(10, 0x11, 0, RDO_MW_TYPE_1));
    g_assert_cmpuint(comp.status, ==, RDO_CQP_OK);
    g_assert_cmphex(comp.result, ==, RDO_MR_KEY(10, 0x11));
    qrdo_cmd_expect(&drv, rdo_cmd_alloc_mw(10, 0x11, 0, RDO_MW_TYPE_2),
                    RDO_CQP_EXISTS);
    qrdo_cmd_expect(&drv, rdo_cmd_alloc_mw(11, 0, 0, 3), RDO_CQP_BAD_PARAM);
    qrdo_cmd_expect(&drv, rdo_cmd_alloc_mw(11, 0, 0, 0), RDO_CQP_BAD_PARAM);
    qrdo_cmd_expect(&drv, rdo_cmd_alloc_mw(11, 0, 5, RDO_MW_TYPE_1),
                    RDO_CQP_NOT_FOUND);
    qrdo_cmd_expect(&drv, rdo_cmd_alloc_mw(1u << 24, 0, 0, RDO_MW_TYPE_1),
                    RDO_CQP_BAD_INDEX);
    cmd = rdo_cmd_alloc_mw(11, 0, 0, RDO_MW_TYPE_1);
    cmd.u.alloc_mw.reserved0 = 1;
    qrdo_cmd_expect(&drv, cmd, RDO_CQP_BAD_RESERVED);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DEREG_MR, 10), RDO_CQP_NOT_FOUND);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DEALLOC_MW, 10), RDO_CQP_OK);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DEALLOC_MW, 10),
                    RDO_CQP_NOT_FOUND);

    /* An MR windows may bind to. */
    cmd = rdo_cmd_reg_mr(12, 0x20, 0, 0x400123, 15 * 4096, list, 16);
    cmd.u.reg_mr.access = RDO_ACCESS_LOCAL_WRITE | RDO_ACCESS_REMOTE_READ |
                          RDO_ACCESS_MW_BIND;
    comp = cmd_run(&drv, cmd);
    g_assert_cmpuint(comp.status, ==, RDO_CQP_OK);
    mr_key = comp.result;
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DEALLOC_MW, 12),
                    RDO_CQP_NOT_FOUND);

    /* The bind behind its window's ALLOC_MW: it waits, then binds. */
    wqe_behind_cmd(&drv, d, &cq, &qp,
                   rdo_cmd_alloc_mw(13, 0x30, 0, RDO_MW_TYPE_2),
                   rdo_wqe_bind_mw(0x61, RDO_MR_KEY(13, 0x30), 0x31, mr_key,
                                   0x401000, 8192, RDO_ACCESS_REMOTE_READ));
    expect_cqe(&drv, &cq, 0x61, RDO_CQE_BIND_MW, RDO_WC_SUCCESS);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DEREG_MR, 12), RDO_CQP_IN_USE);

    /* Bound, a type-2 window cannot be bound again. */
    post_wqe(&drv, &qp, rdo_wqe_bind_mw(0x62, RDO_MR_KEY(13, 0x31), 0x32,
                                        mr_key, 0x401000, 4096,
                                        RDO_ACCESS_REMOTE_READ));
    g_assert_true(qrdo_cq_poll(&drv, &cq, &cqe));
    g_assert_cmpuint(cqe.status, ==, RDO_WC_MW_BIND_ERR);
    g_assert_cmpuint(cqe.vendor_err, ==, RDO_VENDOR_ERR_FAST_REG);
    g_assert_cmpuint(cqe.wr_id, ==, 0x62);

    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DEALLOC_MW, 13), RDO_CQP_OK);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DEREG_MR, 12), RDO_CQP_OK);
    qrdo_drv_assert_alive(&drv);
}

/* Random commands and doorbells: every command completes, device lives. */
static void test_random_commands(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    QRdoDriver drv;

    qrdo_drv_start(&drv, d, alloc);
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < 16; i++) {
            struct rdo_cqp_cmd c;
            uint32_t *w = (uint32_t *)&c;

            for (size_t k = 0; k < sizeof(c) / 4; k++) {
                w[k] = g_test_rand_int();
            }
            c.opcode = g_test_rand_int_range(0, RDO_CMD__COUNT + 2);
            c.obj = g_test_rand_int_range(0, 70);
            c.cookie = 0;
            qrdo_cqp_write(&drv, &c);
        }
        qrdo_cqp_ring(&drv);
        for (int i = 0; i < 8; i++) {
            qrdo_db_write(d, g_test_rand_int_range(0, 4),
                          g_test_rand_int_range(0, 5) * 8,
                          ((uint64_t)g_test_rand_int() << 32) |
                          g_test_rand_int_range(0, 70));
        }
        /* A REG_MR of 2^20 pages takes about 10.5 ms of virtual time. */
        qrdo_drv_step(&drv, 16 * 12 * 1000 * 1000);
        g_assert_cmpuint(qrdo_read(d, RDO_REG_CQP_CI), ==, drv.cqp_pi);
        while (qrdo_cqp_poll(&drv, &(struct rdo_cqp_comp){ 0 })) {
        }
    }
    g_assert_cmphex(qrdo_read(d, RDO_REG_ID), ==, RDO_ID_MAGIC);
}

static void rdo_cqp_register_tests(void)
{
    qos_add_test("cqp-start-and-event", "rdma-offload", test_start_and_event, NULL);
    qos_add_test("cqp-objects-and-bad-input", "rdma-offload",
                 test_objects_and_bad_input, NULL);
    qos_add_test("cqp-rc-state-machine", "rdma-offload", test_rc_state_machine, NULL);
    qos_add_test("cqp-pending-mr", "rdma-offload", test_pending_mr, NULL);
    qos_add_test("cqp-fast-reg", "rdma-offload", test_fast_reg, NULL);
    qos_add_test("cqp-mw", "rdma-offload", test_mw, NULL);
    qos_add_test("cqp-random-commands", "rdma-offload", test_random_commands, NULL);
}

libqos_init(rdo_cqp_register_tests);
