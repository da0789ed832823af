/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtests of the rdma-offload control path's objects through QEMU, one
 * class of success or bad input each: every QP type, flush on ERR,
 * doorbells on the wrong page, double destroy and use after destroy, DMA
 * to unmapped memory (and to the device's own BARs), a pending MR whose
 * registration fails, indexes and sizes out of range. After each, the
 * device still works.
 */
#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/qgraph.h"
#include "libqos/libqos-malloc.h"
#include "libqos/rdma-offload.h"

/* A started device with PD 0 and CQ 0 (EQ 0, doorbell page 0). */
static void start_pd_cq(QRdoDriver *drv, QRdmaOffload *d, QGuestAllocator *alloc,
                        QRdoCompRing *cq)
{
    qrdo_drv_start(drv, d, alloc);
    qrdo_drv_set_gid0(drv);
    qrdo_drv_create_pd(drv, 0);
    qrdo_drv_create_cq(drv, 0, 0, 0, cq);
}

/* Posts a receive WQE at `index` of the QP's RQ and rings the RQ doorbell. */
static void post_recv(QRdoDriver *drv, QRdoQp *qp, uint32_t index,
                      uint64_t wr_id)
{
    struct rdo_recv_wqe w = { .wr_id = wr_id };
    uint32_t slot = index & ((1u << QRDO_RQ_LOG_SIZE) - 1);

    qtest_memwrite(drv->qts, qp->rq_addr + ((uint64_t)slot << QRDO_RQ_WQE_SHIFT),
                   &w, sizeof(w));
    qrdo_db_write(drv->dev, qp->db_page, RDO_DB_RQ,
                  RDO_DB_VALUE(qp->qpn, 0, index + 1));
}

/* The next EQE of `type` on `eq`, skipping others; asserts there is one. */
static struct rdo_eqe eq_find(QRdoDriver *drv, QRdoCompRing *eq, uint8_t type)
{
    struct rdo_eqe e;

    while (qrdo_eq_poll(drv, eq, &e)) {
        if (e.type == type) {
            return e;
        }
    }
    g_error("no event of type 0x%x", type);
}

/* UC, UD and SSQ to RTS; an RC connection fed by the SSQ; a QP on an SRQ. */
static void test_qp_types(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    QRdoDriver drv;
    QRdoCompRing cq;
    QRdoQp uc, ud, ssq;
    struct rdo_cqp_cmd c;

    start_pd_cq(&drv, d, alloc, &cq);
    qrdo_drv_create_qp(&drv, &uc, 2, RDO_QPT_UC, 0, 0);
    qrdo_drv_create_qp(&drv, &ud, 3, RDO_QPT_UD, 0, 0);
    qrdo_drv_create_qp(&drv, &ssq, 4, RDO_QPT_SSQ, 0, 0);
    qrdo_drv_qp_to_rts(&drv, &uc);
    qrdo_drv_qp_to_rts(&drv, &ud);
    qrdo_drv_qp_to_rts(&drv, &ssq);
    g_assert_cmpuint(qrdo_drv_query_qp(&drv, 2).type, ==, RDO_QPT_UC);
    g_assert_cmpuint(qrdo_drv_query_qp(&drv, 3).state, ==, RDO_QPS_RTS);
    g_assert_cmpuint(qrdo_drv_query_qp(&drv, 3).qkey, ==, 0x11111111);
    g_assert_cmpuint(qrdo_drv_query_qp(&drv, 4).type, ==, RDO_QPT_SSQ);
    /* UD needs a QKEY, not ACCESS, to leave RESET. */
    c = rdo_cmd_create_qp(6, RDO_QPT_UD, 0, 0, ud.sq_addr, ud.rq_addr);
    qrdo_cmd_expect(&drv, c, RDO_CQP_OK);
    qrdo_cmd_expect(&drv, rdo_cmd_modify_qp(6, RDO_QPS_INIT, RDO_QP_ATTR_ACCESS),
                    RDO_CQP_BAD_PARAM);

    /* An RC connection without an SQ of its own, fed by the SSQ. */
    c = rdo_cmd_create_qp(5, RDO_QPT_RC, 0, 0, 0, uc.rq_addr);
    c.u.create_qp.flags = RDO_QP_F_SHARED_SQ;
    c.u.create_qp.ssq_qpn = 2;                  /* not an SSQ */
    c.u.create_qp.sq_log_size = 0;
    qrdo_cmd_expect(&drv, c, RDO_CQP_NOT_FOUND);
    c.u.create_qp.type = RDO_QPT_UD;            /* only RC may share */
    c.u.create_qp.ssq_qpn = 4;
    qrdo_cmd_expect(&drv, c, RDO_CQP_BAD_PARAM);
    c.u.create_qp.type = RDO_QPT_RC;
    qrdo_cmd_expect(&drv, c, RDO_CQP_OK);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_QP, 4), RDO_CQP_IN_USE);

    /* A QP that receives from an SRQ has no RQ; the SRQ is then in use. */
    qrdo_cmd_expect(&drv, rdo_cmd_create_srq(0, qrdo_drv_alloc(&drv, 4096), 4, 5, 0),
                    RDO_CQP_OK);
    c = rdo_cmd_create_qp(7, RDO_QPT_UD, 0, 0, ud.sq_addr, 0);
    c.u.create_qp.flags = RDO_QP_F_SRQ;
    c.u.create_qp.rq_log_size = 0;
    c.u.create_qp.rq_wqe_shift = 0;
    qrdo_cmd_expect(&drv, c, RDO_CQP_OK);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_SRQ, 0), RDO_CQP_IN_USE);

    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_QP, 7), RDO_CQP_OK);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_SRQ, 0), RDO_CQP_OK);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_QP, 5), RDO_CQP_OK);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_QP, 4), RDO_CQP_OK);
    qrdo_drv_assert_alive(&drv);
}

/* Work posted before RTS is flushed, SQ then RQ, when the QP goes to ERR. */
static void test_flush_on_err(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    QRdoDriver drv;
    QRdoCompRing cq;
    QRdoQp qp;
    struct rdo_send_wqe w;
    struct rdo_qp_attr attr;
    struct rdo_cqe cqe;

    start_pd_cq(&drv, d, alloc, &cq);
    qrdo_drv_create_qp(&drv, &qp, 2, RDO_QPT_RC, 0, 0);
    qrdo_cmd_expect(&drv, rdo_cmd_modify_qp_std(2, RDO_QPT_RC, RDO_QPS_INIT), RDO_CQP_OK);
    qrdo_cmd_expect(&drv, rdo_cmd_modify_qp_std(2, RDO_QPT_RC, RDO_QPS_RTR), RDO_CQP_OK);
    for (int i = 0; i < 3; i++) {
        w = rdo_wqe_local_inv(0x500 + i, RDO_MR_KEY(1, 0));
        qrdo_qp_write_wqe(&drv, &qp, &w);
    }
    qrdo_qp_ring_sq(&drv, &qp);
    post_recv(&drv, &qp, 0, 0x600);
    post_recv(&drv, &qp, 1, 0x601);
    qrdo_drv_step(&drv, 10 * QRDO_CQP_CMD_NS);
    g_assert_false(qrdo_cq_poll(&drv, &cq, &cqe));   /* RTR: the SQ waits */

    qrdo_cmd_expect(&drv, rdo_cmd_modify_qp(2, RDO_QPS_ERR, 0), RDO_CQP_OK);
    for (int i = 0; i < 5; i++) {
        g_assert_true(qrdo_cq_poll(&drv, &cq, &cqe));
        g_assert_cmpuint(cqe.status, ==, RDO_WC_WR_FLUSH_ERR);
        g_assert_cmpuint(cqe.qpn, ==, 2);
        g_assert_cmphex(cqe.wr_id, ==, i < 3 ? 0x500 + i : 0x600 + i - 3);
        if (i >= 3) {
            g_assert_cmpuint(cqe.opcode, ==, RDO_CQE_RECV);
        }
    }
    g_assert_false(qrdo_cq_poll(&drv, &cq, &cqe));
    attr = qrdo_drv_query_qp(&drv, 2);
    g_assert_cmpuint(attr.state, ==, RDO_QPS_ERR);
    g_assert_cmpuint(attr.sq_ci, ==, 3);
    g_assert_cmpuint(attr.rq_ci, ==, 2);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_CNT_CQES), ==, 5);
    qrdo_drv_assert_alive(&drv);
}

/*
 * A CQ bound to doorbell page 2 is armed from page 2 only; armed, its next
 * completion is an event on its EQ and that EQ's MSI-X vector.
 */
static void test_cq_doorbell_page(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    QRdoDriver drv;
    QRdoCompRing cq0, cq, eq;
    QRdoQp qp;
    struct rdo_eqe e;
    uint64_t msg = guest_alloc(alloc, 64);
    uint32_t errs;

    start_pd_cq(&drv, d, alloc, &cq0);
    qpci_msix_enable(&d->pci);
    qtest_writel(drv.qts, msg, 0);
    qrdo_msix_set(d, 3, msg, 0xc0de0003, false);
    qrdo_drv_alloc_eq_ring(&drv, &eq, 3);
    qrdo_cmd_expect(&drv, rdo_cmd_create_eq(1, eq.addr, 3, 3), RDO_CQP_OK);
    qrdo_drv_create_cq(&drv, 1, 1, 2, &cq);
    qrdo_drv_create_qp(&drv, &qp, 2, RDO_QPT_UD, 0, 1);

    errs = qrdo_read(d, RDO_REG_ERR_COUNT);
    qrdo_db_write(d, 0, RDO_DB_CQ, RDO_DB_VALUE(1, RDO_DB_CQ_ARM_NEXT, 0));
    g_assert_cmpuint(qrdo_read(d, RDO_REG_ERR_COUNT), ==, errs + 1);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_ERR_LAST), ==, RDO_ERR_DB_BAD_OBJECT);
    g_assert_cmphex(qrdo_read(d, RDO_REG_ERR_ADDR_LO), ==, RDO_DB_CQ);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_CNT_DB_ERRORS), ==, 1);
    qrdo_db_write(d, 2, RDO_DB_CQ, RDO_DB_VALUE(1, RDO_DB_CQ_ARM_NEXT, 0));
    g_assert_cmpuint(qrdo_read(d, RDO_REG_ERR_COUNT), ==, errs + 1);

    /* One flushed receive: one completion, one event, one interrupt. */
    post_recv(&drv, &qp, 0, 0x77);
    qrdo_cmd_expect(&drv, rdo_cmd_modify_qp(2, RDO_QPS_ERR, 0), RDO_CQP_OK);
    g_assert_true(qrdo_eq_poll(&drv, &eq, &e));
    g_assert_cmpuint(e.type, ==, RDO_EQE_COMPLETION);
    g_assert_cmpuint(e.obj, ==, 1);
    g_assert_cmphex(qtest_readl(drv.qts, msg), ==, 0xc0de0003);
    g_assert_false(qrdo_eq_poll(&drv, &eq, &e));
    qrdo_drv_assert_alive(&drv);
}

/* Every object destroyed twice, and used after it was destroyed. */
static void test_double_destroy_and_use_after(void *obj, void *data,
                                              QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    QRdoDriver drv;
    QRdoCompRing cq;
    QRdoQp qp;
    uint64_t eq_ring, srq_ring = 0;
    struct rdo_cqp_cmd c;
    uint32_t db_errors;

    qrdo_drv_start(&drv, d, alloc);
    qrdo_drv_create_pd(&drv, 1);
    eq_ring = qrdo_drv_alloc(&drv, 4096);
    qrdo_cmd_expect(&drv, rdo_cmd_create_eq(2, eq_ring, 3, 2), RDO_CQP_OK);
    qrdo_drv_create_cq(&drv, 3, 2, 0, &cq);
    srq_ring = qrdo_drv_alloc(&drv, 4096);
    qrdo_cmd_expect(&drv, rdo_cmd_create_srq(1, srq_ring, 4, 5, 1), RDO_CQP_OK);
    qrdo_drv_reg_mr(&drv, 5, 0x11, 1, 2);
    qrdo_drv_create_qp(&drv, &qp, 4, RDO_QPT_UD, 1, 3);

    /* QP */
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_QP, 4), RDO_CQP_OK);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_QP, 4), RDO_CQP_NOT_FOUND);
    qrdo_cmd_expect(&drv, rdo_cmd_query(RDO_CMD_QUERY_QP, 4, qrdo_drv_alloc(&drv, 128)),
                    RDO_CQP_NOT_FOUND);
    qrdo_cmd_expect(&drv, rdo_cmd_modify_qp(4, RDO_QPS_ERR, 0), RDO_CQP_NOT_FOUND);
    db_errors = qrdo_read(d, RDO_REG_CNT_DB_ERRORS);
    qrdo_db_write(d, 0, RDO_DB_SQ, RDO_DB_VALUE(4, 0, 1));
    g_assert_cmpuint(qrdo_read(d, RDO_REG_CNT_DB_ERRORS), ==, db_errors + 1);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_ERR_LAST), ==, RDO_ERR_DB_BAD_OBJECT);
    /* MR */
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DEREG_MR, 5), RDO_CQP_OK);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DEREG_MR, 5), RDO_CQP_NOT_FOUND);
    /* SRQ, then a QP on it */
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_SRQ, 1), RDO_CQP_OK);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_SRQ, 1), RDO_CQP_NOT_FOUND);
    c = rdo_cmd_create_qp(4, RDO_QPT_UD, 1, 3, qp.sq_addr, 0);
    c.u.create_qp.flags = RDO_QP_F_SRQ;
    c.u.create_qp.srqn = 1;
    c.u.create_qp.rq_log_size = 0;
    qrdo_cmd_expect(&drv, c, RDO_CQP_NOT_FOUND);
    /* CQ, then a QP on it */
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_CQ, 3), RDO_CQP_OK);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_CQ, 3), RDO_CQP_NOT_FOUND);
    qrdo_cmd_expect(&drv, rdo_cmd_create_qp(4, RDO_QPT_UD, 1, 3, qp.sq_addr, qp.rq_addr),
                    RDO_CQP_NOT_FOUND);
    /* EQ, then a CQ on it */
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_EQ, 2), RDO_CQP_OK);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_EQ, 2), RDO_CQP_NOT_FOUND);
    qrdo_cmd_expect(&drv, rdo_cmd_create_cq(3, cq.addr, QRDO_CQ_LOG_SIZE, 2, 0),
                    RDO_CQP_NOT_FOUND);
    /* PD, then an MR and an SRQ in it */
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_PD, 1), RDO_CQP_OK);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_PD, 1), RDO_CQP_NOT_FOUND);
    qrdo_cmd_expect(&drv, rdo_cmd_reg_mr(5, 0x11, 1, 0, 4096,
                                          qrdo_drv_alloc_page_list(&drv, 1), 1),
                    RDO_CQP_NOT_FOUND);
    qrdo_cmd_expect(&drv, rdo_cmd_create_srq(1, srq_ring, 4, 5, 1), RDO_CQP_NOT_FOUND);
    qrdo_drv_assert_alive(&drv);
}

/*
 * Guest memory a command names that DMA cannot reach, the device's own
 * BARs included (no re-entry: the DMA fails), and a CQ ring that cannot be
 * written.
 */
static void test_dma_unmapped(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    QRdoDriver drv;
    QRdoCompRing cq;
    QRdoQp qp;
    struct rdo_eqe e;
    uint32_t db_writes;

    start_pd_cq(&drv, d, alloc, &cq);
    qrdo_drv_create_qp(&drv, &qp, 2, RDO_QPT_UD, 0, 0);
    qrdo_cmd_expect(&drv, rdo_cmd_query(RDO_CMD_QUERY_PORT, 0, QRDO_UNMAPPED_ADDR),
                    RDO_CQP_DMA_ERROR);
    qrdo_cmd_expect(&drv, rdo_cmd_query(RDO_CMD_QUERY_QP, 2, QRDO_UNMAPPED_ADDR),
                    RDO_CQP_DMA_ERROR);
    qrdo_cmd_expect(&drv, rdo_cmd_reg_mr(3, 0, 0, 0, 4096, QRDO_UNMAPPED_ADDR, 1),
                    RDO_CQP_DMA_ERROR);

    db_writes = qrdo_read(d, RDO_REG_DB_WRITES);
    qrdo_cmd_expect(&drv, rdo_cmd_query(RDO_CMD_QUERY_DEVICE, 0, d->doorbells.addr),
                    RDO_CQP_DMA_ERROR);
    qrdo_cmd_expect(&drv, rdo_cmd_query(RDO_CMD_QUERY_DEVICE, 0, d->regs.addr),
                    RDO_CQP_DMA_ERROR);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_DB_WRITES), ==, db_writes);

    /* A completion for a CQ whose ring is gone: CQ_ERROR/DMA on EQ 0. */
    qrdo_cmd_expect(&drv, rdo_cmd_create_cq(5, QRDO_UNMAPPED_ADDR, 4, 0, 0),
                    RDO_CQP_OK);
    qrdo_cmd_expect(&drv, rdo_cmd_create_qp(3, RDO_QPT_UD, 0, 5, qp.sq_addr,
                                             qp.rq_addr), RDO_CQP_OK);
    qp.qpn = 3;
    post_recv(&drv, &qp, 0, 1);
    qrdo_cmd_expect(&drv, rdo_cmd_modify_qp(3, RDO_QPS_ERR, 0), RDO_CQP_OK);
    e = eq_find(&drv, &drv.eq0, RDO_EQE_CQ_ERROR);
    g_assert_cmpuint(e.obj, ==, 5);
    g_assert_cmpuint(e.data, ==, RDO_CQ_ERR_DMA);
    qrdo_drv_assert_alive(&drv);
}

/* A command ring the device cannot read: each command fails, nothing else. */
static void test_cqp_ring_unmapped(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    QRdoDriver drv;
    struct rdo_cqp_cmd nop = rdo_cmd_new(RDO_CMD_NOP, 0);

    qrdo_drv_init(&drv, d, alloc);
    drv.cqp_ring = QRDO_UNMAPPED_ADDR;
    qrdo_drv_setup(&drv);
    g_assert_true(qrdo_drv_enable(&drv));
    qrdo_cqp_write(&drv, &nop);
    qrdo_cqp_write(&drv, &nop);
    qrdo_cqp_ring(&drv);
    g_assert_cmpuint(qrdo_cqp_wait(&drv).status, ==, RDO_CQP_DMA_ERROR);
    g_assert_cmpuint(qrdo_cqp_wait(&drv).status, ==, RDO_CQP_DMA_ERROR);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_CNT_CQP_ERRORS), ==, 2);
    g_assert_cmphex(qrdo_read(d, RDO_REG_STATUS) & RDO_STATUS_FATAL, ==, 0);
}

/* Work stalled on a pending MR whose registration then fails: a bad key. */
static void test_pending_mr_failed(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    QRdoDriver drv;
    QRdoCompRing cq;
    QRdoQp qp;
    struct rdo_cqp_cmd reg;
    struct rdo_send_wqe wqe;
    struct rdo_cqe cqe;
    struct rdo_eqe e;

    start_pd_cq(&drv, d, alloc, &cq);
    qrdo_drv_create_qp(&drv, &qp, 2, RDO_QPT_UD, 0, 0);
    qrdo_drv_qp_to_rts(&drv, &qp);
    reg = rdo_cmd_reg_mr(7, 0x21, 0, 0, 4096, QRDO_UNMAPPED_ADDR, 1);
    qrdo_cqp_write(&drv, &reg);
    qrdo_cqp_ring(&drv);
    wqe = rdo_wqe_local_inv(0x99, RDO_MR_KEY(7, 0x21));
    qrdo_qp_write_wqe(&drv, &qp, &wqe);
    qrdo_qp_ring_sq(&drv, &qp);
    qrdo_drv_step(&drv, 100);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_CNT_MR_STALLS), ==, 1);
    g_assert_false(qrdo_cq_poll(&drv, &cq, &cqe));

    g_assert_cmpuint(qrdo_cqp_wait(&drv).status, ==, RDO_CQP_DMA_ERROR);
    qrdo_drv_step(&drv, 100);
    g_assert_true(qrdo_cq_poll(&drv, &cq, &cqe));
    g_assert_cmphex(cqe.wr_id, ==, 0x99);
    g_assert_cmpuint(cqe.status, ==, RDO_WC_LOC_PROT_ERR);
    g_assert_cmpuint(cqe.vendor_err, ==, RDO_VENDOR_ERR_BAD_KEY);
    e = eq_find(&drv, &drv.eq0, RDO_EQE_QP_ERROR);
    g_assert_cmpuint(e.obj, ==, 2);
    g_assert_cmpuint(e.data, ==, RDO_QP_ERR_ACCESS);
    qrdo_drv_assert_alive(&drv);
}

/* Object numbers beyond each limit, sizes out of range, reserved bits. */
static void test_limits_and_sizes(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    QRdoDriver drv;
    QRdoCompRing cq;
    uint64_t page = 0;
    struct rdo_cqp_cmd c;
    uint32_t pi;

    start_pd_cq(&drv, d, alloc, &cq);
    page = qrdo_drv_alloc(&drv, 4096);
    qrdo_cmd_expect(&drv, rdo_cmd_create_eq(qrdo_read(d, RDO_REG_MAX_EQ), page, 3, 1),
                    RDO_CQP_BAD_INDEX);
    qrdo_cmd_expect(&drv, rdo_cmd_create_cq(qrdo_read(d, RDO_REG_MAX_CQ), page, 3, 0, 0),
                    RDO_CQP_BAD_INDEX);
    qrdo_cmd_expect(&drv, rdo_cmd_create_srq(qrdo_read(d, RDO_REG_MAX_SRQ), page, 3, 5, 0),
                    RDO_CQP_BAD_INDEX);
    qrdo_cmd_expect(&drv, rdo_cmd_set_gid(qrdo_read(d, RDO_REG_MAX_GID),
                                           (uint8_t[16]){ 0 }, 1),
                    RDO_CQP_BAD_INDEX);
    /* QP 0 does not exist, QP 1 is the GSI (UD only); the store covers 64 of MAX_QP. */
    qrdo_cmd_expect(&drv, rdo_cmd_create_qp(0, RDO_QPT_UD, 0, 0, page, page),
                    RDO_CQP_BAD_INDEX);
    qrdo_cmd_expect(&drv, rdo_cmd_create_qp(1, RDO_QPT_RC, 0, 0, page, page),
                    RDO_CQP_BAD_INDEX);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_MAX_QP), >, QRDO_QPC_PAGES * 16);
    qrdo_cmd_expect(&drv, rdo_cmd_create_qp(QRDO_QPC_PAGES * 16, RDO_QPT_UD, 0, 0,
                                             page, page), RDO_CQP_BAD_INDEX);
    qrdo_cmd_expect(&drv, rdo_cmd_reg_mr(QRDO_MRC_PAGES * 64, 0, 0, 0, 4096,
                                          qrdo_drv_alloc_page_list(&drv, 1), 1),
                    RDO_CQP_BAD_INDEX);

    /* Ring sizes and strides. */
    qrdo_cmd_expect(&drv, rdo_cmd_create_cq(1, page, RDO_QUEUE_LOG_SIZE_MAX + 1, 0, 0),
                    RDO_CQP_BAD_PARAM);
    c = rdo_cmd_create_cq(1, page, 2, 0, 0);
    c.u.create_cq.ring_flags = RDO_RING_F_PAGE_LIST;    /* 128 bytes < a page */
    qrdo_cmd_expect(&drv, c, RDO_CQP_BAD_PARAM);
    c = rdo_cmd_create_qp(2, RDO_QPT_UD, 0, 0, page, page);
    c.u.create_qp.sq_wqe_shift = RDO_WQE_SHIFT_MAX + 1;
    qrdo_cmd_expect(&drv, c, RDO_CQP_BAD_PARAM);
    qrdo_cmd_expect(&drv, rdo_cmd_create_srq(0, page, 3, 3, 0), RDO_CQP_BAD_PARAM);
    c = rdo_cmd_reg_mr(1, 0, 0, 0, 4096, page, 0);     /* no pages */
    qrdo_cmd_expect(&drv, c, RDO_CQP_BAD_PARAM);
    c = rdo_cmd_reg_mr(1, 0, 0, 0, 4096, page, 1);
    c.u.reg_mr.page_shift = 11;
    qrdo_cmd_expect(&drv, c, RDO_CQP_BAD_PARAM);

    /* Reserved fields and flags. */
    c = rdo_cmd_create_eq(1, page, 3, 1);
    c.u.create_eq.reserved = 1;
    qrdo_cmd_expect(&drv, c, RDO_CQP_BAD_RESERVED);
    c = rdo_cmd_new(RDO_CMD_NOP, 0);
    c.flags = 0x80;
    qrdo_cmd_expect(&drv, c, RDO_CQP_BAD_RESERVED);

    /* CQP_PI more than the ring ahead is refused, as a register mistake. */
    pi = qrdo_read(d, RDO_REG_CQP_PI);
    qrdo_write(d, RDO_REG_CQP_PI, pi + (1u << QRDO_CQP_LOG_SIZE) + 1);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_ERR_LAST), ==, RDO_ERR_CQP_OVERRUN);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_CQP_PI), ==, pi);
    /* The mistake above is in ERR_COUNT; assert_alive checks only it stays. */
    qrdo_drv_assert_alive(&drv);
}

/* Device and port queries, and port settings, through the control path. */
static void test_device_and_port(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    QRdoDriver drv;
    static const uint8_t mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
    uint64_t out;
    struct rdo_device_attr da;
    struct rdo_port_attr pa;

    qrdo_drv_start(&drv, d, alloc);
    out = qrdo_drv_alloc(&drv, 4096);
    qrdo_cmd_expect(&drv, rdo_cmd_query(RDO_CMD_QUERY_DEVICE, 0, out), RDO_CQP_OK);
    qtest_memread(drv.qts, out, &da, sizeof(da));
    g_assert_cmpuint(da.max_qp, ==, QRDO_QPC_PAGES * 16);   /* what the store covers */
    g_assert_cmpuint(da.max_mr, ==, QRDO_MRC_PAGES * 64);
    g_assert_cmpuint(da.max_eq, ==, qrdo_read(d, RDO_REG_MAX_EQ));
    g_assert_cmpuint(da.msix_vectors, ==, qrdo_read(d, RDO_REG_MSIX_INFO));
    g_assert_cmphex(da.caps & RDO_CAP_CQP, ==, RDO_CAP_CQP);

    qrdo_cmd_expect(&drv, rdo_cmd_set_port(RDO_PORT_SET_MTU | RDO_PORT_SET_MAC, 1500, mac),
                    RDO_CQP_OK);
    qrdo_cmd_expect(&drv, rdo_cmd_set_port(RDO_PORT_SET_MTU, 9001, NULL),
                    RDO_CQP_BAD_PARAM);
    qrdo_cmd_expect(&drv, rdo_cmd_set_port(RDO_PORT_SET_MAC, 0, (uint8_t[6]){ 1 }),
                    RDO_CQP_BAD_PARAM);                 /* multicast */
    qrdo_cmd_expect(&drv, rdo_cmd_query(RDO_CMD_QUERY_PORT, 0, out), RDO_CQP_OK);
    qtest_memread(drv.qts, out, &pa, sizeof(pa));
    g_assert_cmpmem(pa.mac, 6, mac, 6);
    g_assert_cmpuint(pa.eth_mtu, ==, 1500);
    g_assert_cmpuint(pa.active_mtu, ==, 3);             /* 1024: 2048 + headers > 1500 */
    g_assert_cmpuint(pa.link_up, ==, 0);                /* no netdev */
    g_assert_cmpuint(pa.gid_table_len, ==, qrdo_read(d, RDO_REG_MAX_GID));
    qrdo_drv_assert_alive(&drv);
}

static void rdo_objects_register_tests(void)
{
    qos_add_test("objects-qp-types", "rdma-offload", test_qp_types, NULL);
    qos_add_test("objects-flush-on-err", "rdma-offload", test_flush_on_err, NULL);
    qos_add_test("objects-cq-doorbell-page", "rdma-offload", test_cq_doorbell_page,
                 NULL);
    qos_add_test("objects-double-destroy-use-after", "rdma-offload",
                 test_double_destroy_and_use_after, NULL);
    qos_add_test("objects-dma-unmapped", "rdma-offload", test_dma_unmapped, NULL);
    qos_add_test("objects-cqp-ring-unmapped", "rdma-offload", test_cqp_ring_unmapped,
                 NULL);
    qos_add_test("objects-pending-mr-failed", "rdma-offload", test_pending_mr_failed,
                 NULL);
    qos_add_test("objects-limits-and-sizes", "rdma-offload", test_limits_and_sizes,
                 NULL);
    qos_add_test("objects-device-and-port", "rdma-offload", test_device_and_port, NULL);
}

libqos_init(rdo_objects_register_tests);
