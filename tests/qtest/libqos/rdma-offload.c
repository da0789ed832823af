/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libqos driver node for the rdma-offload adapter: finds the function on a
 * PCI bus, enables it and maps its register and doorbell BARs. Then a small
 * driver for tests: the control path, rings, doorbells (rdma-offload.h).
 */
#include "qemu/osdep.h"
#include "qemu/module.h"
#include "hw/pci/pci_regs.h"
#include "qobject/qdict.h"
#include "../libqtest.h"
#include "rdma-offload.h"

static void qrdo_found(QPCIDevice *dev, int devfn, void *data)
{
    QPCIDevice *out = data;

    *out = *dev;
    g_free(dev);
}

static void *qrdo_get_driver(void *obj, const char *interface)
{
    QRdmaOffload *d = obj;

    if (!g_strcmp0(interface, "rdma-offload")) {
        return d;
    }
    if (!g_strcmp0(interface, "pci-device")) {
        return &d->pci;
    }
    fprintf(stderr, "%s not present in rdma-offload\n", interface);
    g_assert_not_reached();
}

static void qrdo_start_hw(QOSGraphObject *obj)
{
    QRdmaOffload *d = (QRdmaOffload *)obj;

    qpci_device_enable(&d->pci);
    d->regs = qpci_iomap(&d->pci, RDO_BAR_REGS, &d->regs_size);
    d->doorbells = qpci_iomap(&d->pci, RDO_BAR_DOORBELL, &d->doorbells_size);
}

static void qrdo_destructor(QOSGraphObject *obj)
{
    QRdmaOffload *d = (QRdmaOffload *)obj;

    if (d->pci.msix_enabled) {
        qpci_msix_disable(&d->pci);
    }
    qpci_iounmap(&d->pci, d->regs);
    qpci_iounmap(&d->pci, d->doorbells);
}

static void *qrdo_create(void *pci_bus, QGuestAllocator *alloc, void *addr)
{
    QRdmaOffload *d = g_new0(QRdmaOffload, 1);
    QPCIAddress *address = addr;

    qpci_device_foreach(pci_bus, address->vendor_id, address->device_id,
                        qrdo_found, &d->pci);
    g_assert_nonnull(d->pci.bus);
    d->obj.get_driver = qrdo_get_driver;
    d->obj.start_hw = qrdo_start_hw;
    d->obj.destructor = qrdo_destructor;
    return &d->obj;
}

static void qrdo_register_nodes(void)
{
    QPCIAddress addr = {
        .vendor_id = RDO_PCI_VENDOR_ID,
        .device_id = RDO_PCI_DEVICE_ID,
    };
    QOSGraphEdgeOptions opts = {
        .extra_device_opts = "id=" QRDO_TEST_ID ",mac=" QRDO_TEST_MAC,
    };

    add_qpci_address(&opts, &addr);
    qos_node_create_driver("rdma-offload", qrdo_create);
    qos_node_consumes("rdma-offload", "pci-bus", &opts);
}

libqos_init(qrdo_register_nodes);

/* The test driver. */

static QTestState *drv_qts(QRdoDriver *drv)
{
    return drv->qts;
}

uint64_t qrdo_drv_alloc(QRdoDriver *drv, size_t size)
{
    uint64_t addr = guest_alloc(drv->alloc, size);

    g_assert_cmphex(addr & (RDO_PAGE_SIZE - 1), ==, 0);
    qtest_memset(drv_qts(drv), addr, 0, size);
    return addr;
}

uint64_t qrdo_drv_alloc_page_list(QRdoDriver *drv, uint32_t n)
{
    uint64_t list = qrdo_drv_alloc(drv, n * sizeof(uint64_t));

    for (uint32_t i = 0; i < n; i++) {
        qtest_writeq(drv_qts(drv), list + i * 8ull,
                     qrdo_drv_alloc(drv, RDO_PAGE_SIZE));
    }
    return list;
}

void qrdo_ring_init(QRdoCompRing *r, uint64_t addr, uint32_t log_size,
                    uint32_t stride, uint32_t owner_off)
{
    *r = (QRdoCompRing){ .addr = addr, .log_size = log_size,
                         .stride = stride, .owner_off = owner_off };
}

bool qrdo_ring_poll(QTestState *qts, QRdoCompRing *r, void *entry)
{
    uint64_t addr = r->addr +
                    (uint64_t)(r->ci & ((1u << r->log_size) - 1)) * r->stride;
    uint8_t phase = ((r->ci >> r->log_size) & 1) ? 0 : RDO_OWNER_PHASE;
    uint8_t buf[64];

    g_assert_cmpuint(r->stride, <=, sizeof(buf));
    qtest_memread(qts, addr, buf, r->stride);
    if ((buf[r->owner_off] & RDO_OWNER_PHASE) != phase) {
        return false;
    }
    memcpy(entry, buf, r->stride);
    r->ci++;
    return true;
}

void qrdo_drv_alloc_cq_ring(QRdoDriver *drv, QRdoCompRing *r, uint32_t log_size)
{
    qrdo_ring_init(r, qrdo_drv_alloc(drv, sizeof(struct rdo_cqe) << log_size),
                   log_size, sizeof(struct rdo_cqe),
                   offsetof(struct rdo_cqe, owner));
}

void qrdo_drv_alloc_eq_ring(QRdoDriver *drv, QRdoCompRing *r, uint32_t log_size)
{
    qrdo_ring_init(r, qrdo_drv_alloc(drv, sizeof(struct rdo_eqe) << log_size),
                   log_size, sizeof(struct rdo_eqe),
                   offsetof(struct rdo_eqe, owner));
}

bool qrdo_cq_poll(QRdoDriver *drv, QRdoCompRing *cq, struct rdo_cqe *cqe)
{
    return qrdo_ring_poll(drv_qts(drv), cq, cqe);
}

bool qrdo_eq_poll(QRdoDriver *drv, QRdoCompRing *eq, struct rdo_eqe *eqe)
{
    return qrdo_ring_poll(drv_qts(drv), eq, eqe);
}

void qrdo_drv_init(QRdoDriver *drv, QRdmaOffload *d, QGuestAllocator *alloc)
{
    memset(drv, 0, sizeof(*drv));
    drv->dev = d;
    drv->qts = d->pci.bus->qts;
    drv->alloc = alloc;
    drv->next_cookie = 0xc0de000000000000ull;
    drv->cqp_log_size = QRDO_CQP_LOG_SIZE;
    drv->cqp_ring = qrdo_drv_alloc(drv, RDO_CQP_CMD_SIZE << RDO_CQP_LOG_SIZE_MAX);
    qrdo_ring_init(&drv->cqp_comp,
                   qrdo_drv_alloc(drv, RDO_CQP_COMP_SIZE << RDO_CQP_LOG_SIZE_MAX),
                   QRDO_CQP_LOG_SIZE, RDO_CQP_COMP_SIZE,
                   offsetof(struct rdo_cqp_comp, owner));
    qrdo_drv_alloc_eq_ring(drv, &drv->eq0, QRDO_EQ0_LOG_SIZE);
    drv->qpc_pages = QRDO_QPC_PAGES;
    drv->mrc_pages = QRDO_MRC_PAGES;
    drv->qpc_pglist = qrdo_drv_alloc_page_list(drv, QRDO_QPC_PAGES);
    drv->mrc_pglist = qrdo_drv_alloc_page_list(drv, QRDO_MRC_PAGES);
}

static void write_addr(QRdmaOffload *d, uint32_t reg_lo, uint64_t addr)
{
    qrdo_write(d, reg_lo, (uint32_t)addr);
    qrdo_write(d, reg_lo + 4, addr >> 32);
}

void qrdo_drv_setup(QRdoDriver *drv)
{
    QRdmaOffload *d = drv->dev;

    drv->cqp_comp.log_size = drv->cqp_log_size;
    write_addr(d, RDO_REG_CQP_RING_LO, drv->cqp_ring);
    write_addr(d, RDO_REG_CQP_COMP_LO, drv->cqp_comp.addr);
    qrdo_write(d, RDO_REG_CQP_LOG_SIZE, drv->cqp_log_size);
    write_addr(d, RDO_REG_EQ0_RING_LO, drv->eq0.addr);
    qrdo_write(d, RDO_REG_EQ0_LOG_SIZE, drv->eq0.log_size);
    write_addr(d, RDO_REG_QPC_PGLIST_LO, drv->qpc_pglist);
    qrdo_write(d, RDO_REG_QPC_PAGES, drv->qpc_pages);
    write_addr(d, RDO_REG_MRC_PGLIST_LO, drv->mrc_pglist);
    qrdo_write(d, RDO_REG_MRC_PAGES, drv->mrc_pages);
}

bool qrdo_drv_enable(QRdoDriver *drv)
{
    qrdo_write(drv->dev, RDO_REG_CONTROL,
               RDO_CONTROL_ENABLE | RDO_CONTROL_CQP_ENABLE);
    return qrdo_read(drv->dev, RDO_REG_STATUS) & RDO_STATUS_CQP_READY;
}

void qrdo_drv_start(QRdoDriver *drv, QRdmaOffload *d, QGuestAllocator *alloc)
{
    qrdo_drv_init(drv, d, alloc);
    qrdo_drv_setup(drv);
    g_assert_true(qrdo_drv_enable(drv));
    g_assert_cmpuint(qrdo_read(d, RDO_REG_ERR_COUNT), ==, 0);
}

void qrdo_drv_step(QRdoDriver *drv, int64_t ns)
{
    qtest_clock_step(drv_qts(drv), ns);
}

void qrdo_cqp_write(QRdoDriver *drv, struct rdo_cqp_cmd *cmd)
{
    uint32_t slot = drv->cqp_pi & ((1u << drv->cqp_log_size) - 1);

    if (!cmd->cookie) {
        cmd->cookie = drv->next_cookie++;
    }
    qtest_memwrite(drv_qts(drv), drv->cqp_ring + (uint64_t)slot * RDO_CQP_CMD_SIZE,
                   cmd, sizeof(*cmd));
    drv->cqp_pi++;
}

void qrdo_cqp_ring(QRdoDriver *drv)
{
    qrdo_write(drv->dev, RDO_REG_CQP_PI, drv->cqp_pi);
}

bool qrdo_cqp_poll(QRdoDriver *drv, struct rdo_cqp_comp *comp)
{
    return qrdo_ring_poll(drv_qts(drv), &drv->cqp_comp, comp);
}

struct rdo_cqp_comp qrdo_cqp_wait(QRdoDriver *drv)
{
    struct rdo_cqp_comp comp;

    /* Generous: a registration of many pages takes longer than a command. */
    for (int i = 0; i < 20000; i++) {
        if (qrdo_cqp_poll(drv, &comp)) {
            return comp;
        }
        qrdo_drv_step(drv, QRDO_CQP_CMD_NS);
    }
    g_error("rdma-offload: CQP command %u never completed (CQP_CI %u)",
            drv->cqp_comp.ci, qrdo_read(drv->dev, RDO_REG_CQP_CI));
}

uint8_t qrdo_cmd_exec(QRdoDriver *drv, struct rdo_cqp_cmd *cmd,
                      uint32_t *result)
{
    struct rdo_cqp_comp comp;

    qrdo_cqp_write(drv, cmd);
    qrdo_cqp_ring(drv);
    comp = qrdo_cqp_wait(drv);
    g_assert_cmphex(comp.cookie, ==, cmd->cookie);
    g_assert_cmphex(comp.opcode, ==, cmd->opcode);
    if (result) {
        *result = comp.result;
    }
    return comp.status;
}

void qrdo_cmd_expect(QRdoDriver *drv, struct rdo_cqp_cmd cmd, uint8_t status)
{
    uint32_t errors = qrdo_read(drv->dev, RDO_REG_CNT_CQP_ERRORS);
    uint32_t mistakes = qrdo_read(drv->dev, RDO_REG_ERR_COUNT);
    uint8_t got = qrdo_cmd_exec(drv, &cmd, NULL);

    if (got != status) {
        g_test_message("command 0x%02x on object %u: status %u, expected %u",
                       cmd.opcode, cmd.obj, got, status);
    }
    g_assert_cmpuint(got, ==, status);
    /* Errors are counted, and reported only through the completion. */
    g_assert_cmpuint(qrdo_read(drv->dev, RDO_REG_CNT_CQP_ERRORS), ==,
                     errors + (status != RDO_CQP_OK));
    g_assert_cmpuint(qrdo_read(drv->dev, RDO_REG_ERR_COUNT), ==, mistakes);
}

void qrdo_drv_assert_alive(QRdoDriver *drv)
{
    QRdmaOffload *d = drv->dev;

    qrdo_cmd_expect(drv, qrdo_cmd_new(RDO_CMD_NOP, 0), RDO_CQP_OK);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_CQP_CI), ==, drv->cqp_pi);
    g_assert_cmphex(qrdo_read(d, RDO_REG_STATUS) &
                    (RDO_STATUS_FATAL | RDO_STATUS_CQP_READY), ==,
                    RDO_STATUS_CQP_READY);
}

struct rdo_cqp_cmd qrdo_cmd_new(uint8_t opcode, uint32_t obj)
{
    struct rdo_cqp_cmd cmd;

    memset(&cmd, 0, sizeof(cmd));
    cmd.opcode = opcode;
    cmd.obj = obj;
    return cmd;
}

struct rdo_cqp_cmd qrdo_cmd_query(uint8_t opcode, uint32_t obj,
                                  uint64_t out_addr)
{
    struct rdo_cqp_cmd cmd = qrdo_cmd_new(opcode, obj);

    cmd.out_addr = out_addr;
    return cmd;
}

struct rdo_cqp_cmd qrdo_cmd_set_port(uint32_t mask, uint32_t mtu,
                                     const uint8_t *mac)
{
    struct rdo_cqp_cmd cmd = qrdo_cmd_new(RDO_CMD_SET_PORT, 0);

    cmd.u.set_port.mask = mask;
    cmd.u.set_port.mtu = mtu;
    if (mac) {
        memcpy(cmd.u.set_port.mac, mac, 6);
    }
    return cmd;
}

struct rdo_cqp_cmd qrdo_cmd_set_gid(uint32_t index, const uint8_t *gid,
                                    uint8_t valid)
{
    struct rdo_cqp_cmd cmd = qrdo_cmd_new(RDO_CMD_SET_GID, index);

    memcpy(cmd.u.set_gid.gid, gid, 16);
    cmd.u.set_gid.valid = valid;
    return cmd;
}

struct rdo_cqp_cmd qrdo_cmd_create_eq(uint32_t eqn, uint64_t ring,
                                      uint8_t log_size, uint16_t vector)
{
    struct rdo_cqp_cmd cmd = qrdo_cmd_new(RDO_CMD_CREATE_EQ, eqn);

    cmd.u.create_eq.ring_addr = ring;
    cmd.u.create_eq.log_size = log_size;
    cmd.u.create_eq.vector = vector;
    return cmd;
}

struct rdo_cqp_cmd qrdo_cmd_create_cq(uint32_t cqn, uint64_t ring,
                                      uint8_t log_size, uint32_t eqn,
                                      uint16_t db_page)
{
    struct rdo_cqp_cmd cmd = qrdo_cmd_new(RDO_CMD_CREATE_CQ, cqn);

    cmd.u.create_cq.ring_addr = ring;
    cmd.u.create_cq.log_size = log_size;
    cmd.u.create_cq.eqn = eqn;
    cmd.u.create_cq.db_page = db_page;
    return cmd;
}

struct rdo_cqp_cmd qrdo_cmd_create_srq(uint32_t srqn, uint64_t ring,
                                       uint8_t log_size, uint8_t wqe_shift,
                                       uint32_t pdn)
{
    struct rdo_cqp_cmd cmd = qrdo_cmd_new(RDO_CMD_CREATE_SRQ, srqn);

    cmd.u.create_srq.ring_addr = ring;
    cmd.u.create_srq.log_size = log_size;
    cmd.u.create_srq.wqe_shift = wqe_shift;
    cmd.u.create_srq.pdn = pdn;
    return cmd;
}

struct rdo_cqp_cmd qrdo_cmd_create_qp(uint32_t qpn, uint8_t type,
                                      uint32_t pdn, uint32_t cqn,
                                      uint64_t sq_addr, uint64_t rq_addr)
{
    struct rdo_cqp_cmd cmd = qrdo_cmd_new(RDO_CMD_CREATE_QP, qpn);
    struct rdo_cmd_create_qp *a = &cmd.u.create_qp;

    a->type = type;
    a->pdn = pdn;
    a->send_cqn = cqn;
    a->recv_cqn = cqn;
    a->sq_addr = sq_addr;
    a->sq_log_size = QRDO_SQ_LOG_SIZE;
    a->sq_wqe_shift = QRDO_SQ_WQE_SHIFT;
    if (type != RDO_QPT_SSQ) {
        a->rq_addr = rq_addr;
        a->rq_log_size = QRDO_RQ_LOG_SIZE;
        a->rq_wqe_shift = QRDO_RQ_WQE_SHIFT;
    }
    return cmd;
}

struct rdo_cqp_cmd qrdo_cmd_modify_qp(uint32_t qpn, uint8_t state,
                                      uint32_t mask)
{
    struct rdo_cqp_cmd cmd = qrdo_cmd_new(RDO_CMD_MODIFY_QP, qpn);

    cmd.u.modify_qp.state = state;
    cmd.u.modify_qp.mask = mask;
    return cmd;
}

struct rdo_cqp_cmd qrdo_cmd_modify_qp_std(uint32_t qpn, uint8_t type,
                                          uint8_t to)
{
    static const uint8_t dmac[6] = { 0x52, 0x54, 0x00, 0x0f, 0xde, 0x02 };
    struct rdo_cqp_cmd cmd = qrdo_cmd_modify_qp(qpn, to, 0);
    struct rdo_cmd_modify_qp *m = &cmd.u.modify_qp;
    bool ud = type == RDO_QPT_UD, rc = type == RDO_QPT_RC;

    if (type == RDO_QPT_SSQ) {
        return cmd;     /* needs no attributes */
    }
    switch (to) {
    case RDO_QPS_INIT:
        m->mask = ud ? RDO_QP_ATTR_QKEY : RDO_QP_ATTR_ACCESS;
        m->qkey = 0x11111111;
        m->access = RDO_ACCESS_LOCAL_WRITE | RDO_ACCESS_REMOTE_READ;
        break;
    case RDO_QPS_RTR:
        if (ud) {
            break;
        }
        m->mask = RDO_QP_ATTR_AV | RDO_QP_ATTR_PATH_MTU |
                  RDO_QP_ATTR_DEST_QPN | RDO_QP_ATTR_RQ_PSN;
        if (rc) {
            m->mask |= RDO_QP_ATTR_MAX_DEST_RD_ATOMIC |
                       RDO_QP_ATTR_MIN_RNR_TIMER;
        }
        memcpy(m->dmac, dmac, 6);
        m->dgid[10] = m->dgid[11] = 0xff;
        m->dgid[12] = 10;
        m->dgid[15] = 2;
        m->sgid_index = 0;
        m->hop_limit = 64;
        m->path_mtu = RDO_MTU_4096;
        m->dest_qpn = 0x123;
        m->rq_psn = 0x100;
        m->max_dest_rd_atomic = 4;
        m->min_rnr_timer = 12;
        break;
    case RDO_QPS_RTS:
        m->mask = RDO_QP_ATTR_SQ_PSN;
        m->sq_psn = 0x200;
        if (rc) {
            m->mask |= RDO_QP_ATTR_TIMEOUT | RDO_QP_ATTR_RETRY_CNT |
                       RDO_QP_ATTR_RNR_RETRY | RDO_QP_ATTR_MAX_RD_ATOMIC;
            m->timeout = 14;
            m->retry_cnt = 7;
            m->rnr_retry = 6;
            m->max_rd_atomic = 4;
        }
        break;
    }
    return cmd;
}

struct rdo_cqp_cmd qrdo_cmd_reg_mr(uint32_t index, uint8_t key, uint32_t pdn,
                                   uint64_t iova, uint64_t length,
                                   uint64_t page_list, uint32_t num_pages)
{
    struct rdo_cqp_cmd cmd = qrdo_cmd_new(RDO_CMD_REG_MR, index);
    struct rdo_cmd_reg_mr *a = &cmd.u.reg_mr;

    a->iova = iova;
    a->length = length;
    a->page_list = page_list;
    a->num_pages = num_pages;
    a->page_shift = RDO_PAGE_SHIFT;
    a->key = key;
    a->access = RDO_ACCESS_LOCAL_WRITE;
    a->pdn = pdn;
    return cmd;
}

void qrdo_drv_create_pd(QRdoDriver *drv, uint32_t pdn)
{
    qrdo_cmd_expect(drv, qrdo_cmd_new(RDO_CMD_CREATE_PD, pdn), RDO_CQP_OK);
}

void qrdo_drv_create_cq(QRdoDriver *drv, uint32_t cqn, uint32_t eqn,
                        uint16_t db_page, QRdoCompRing *cq)
{
    qrdo_drv_alloc_cq_ring(drv, cq, QRDO_CQ_LOG_SIZE);
    qrdo_cmd_expect(drv, qrdo_cmd_create_cq(cqn, cq->addr, QRDO_CQ_LOG_SIZE,
                                            eqn, db_page), RDO_CQP_OK);
}

void qrdo_drv_create_qp(QRdoDriver *drv, QRdoQp *qp, uint32_t qpn,
                        uint8_t type, uint32_t pdn, uint32_t cqn)
{
    memset(qp, 0, sizeof(*qp));
    qp->qpn = qpn;
    qp->type = type;
    qp->sq_log_size = QRDO_SQ_LOG_SIZE;
    qp->sq_wqe_shift = QRDO_SQ_WQE_SHIFT;
    qp->sq_addr = qrdo_drv_alloc(drv, 1u << (QRDO_SQ_LOG_SIZE + QRDO_SQ_WQE_SHIFT));
    if (type != RDO_QPT_SSQ) {
        qp->rq_addr = qrdo_drv_alloc(drv,
                                     1u << (QRDO_RQ_LOG_SIZE + QRDO_RQ_WQE_SHIFT));
    }
    qrdo_cmd_expect(drv, qrdo_cmd_create_qp(qpn, type, pdn, cqn, qp->sq_addr,
                                            qp->rq_addr), RDO_CQP_OK);
}

void qrdo_drv_set_gid0(QRdoDriver *drv)
{
    /* ::ffff:10.0.0.1 */
    uint8_t gid[16] = { [10] = 0xff, [11] = 0xff, [12] = 10, [15] = 1 };

    qrdo_cmd_expect(drv, qrdo_cmd_set_gid(0, gid, 1), RDO_CQP_OK);
}

void qrdo_drv_qp_to_rts(QRdoDriver *drv, QRdoQp *qp)
{
    static const uint8_t path[] = { RDO_QPS_INIT, RDO_QPS_RTR, RDO_QPS_RTS };

    for (size_t i = 0; i < G_N_ELEMENTS(path); i++) {
        qrdo_cmd_expect(drv, qrdo_cmd_modify_qp_std(qp->qpn, qp->type, path[i]),
                        RDO_CQP_OK);
    }
}

struct rdo_qp_attr qrdo_drv_query_qp(QRdoDriver *drv, uint32_t qpn)
{
    uint64_t out = qrdo_drv_alloc(drv, sizeof(struct rdo_qp_attr));
    struct rdo_qp_attr attr;

    qtest_memset(drv_qts(drv), out, 0xee, sizeof(attr));
    qrdo_cmd_expect(drv, qrdo_cmd_query(RDO_CMD_QUERY_QP, qpn, out), RDO_CQP_OK);
    qtest_memread(drv_qts(drv), out, &attr, sizeof(attr));
    guest_free(drv->alloc, out);
    return attr;
}

uint32_t qrdo_drv_reg_mr(QRdoDriver *drv, uint32_t index, uint8_t key,
                         uint32_t pdn, uint32_t num_pages)
{
    struct rdo_cqp_cmd cmd = qrdo_cmd_reg_mr(index, key, pdn, 0x10000,
                                             (uint64_t)num_pages * RDO_PAGE_SIZE,
                                             qrdo_drv_alloc_page_list(drv, num_pages),
                                             num_pages);
    uint32_t result = 0;

    g_assert_cmpuint(qrdo_cmd_exec(drv, &cmd, &result), ==, RDO_CQP_OK);
    g_assert_cmphex(result, ==, RDO_MR_KEY(index, key));
    return result;
}

void qrdo_qp_write_wqe(QRdoDriver *drv, QRdoQp *qp,
                       const struct rdo_send_wqe *wqe)
{
    uint32_t slot = qp->sq_pi & ((1u << qp->sq_log_size) - 1);

    qtest_memwrite(drv_qts(drv), qp->sq_addr + ((uint64_t)slot << qp->sq_wqe_shift),
                   wqe, sizeof(*wqe));
    qp->sq_pi++;
}

void qrdo_qp_ring_sq(QRdoDriver *drv, QRdoQp *qp)
{
    qrdo_db_write(drv->dev, qp->db_page, RDO_DB_SQ,
                  RDO_DB_VALUE(qp->qpn, 0, qp->sq_pi));
}

struct rdo_send_wqe qrdo_wqe_local_inv(uint64_t wr_id, uint32_t key)
{
    struct rdo_send_wqe wqe;

    memset(&wqe, 0, sizeof(wqe));
    wqe.wr_id = wr_id;
    wqe.opcode = RDO_WR_LOCAL_INV;
    wqe.flags = RDO_WQE_F_SIGNALED;
    wqe.imm_or_rkey = key;
    return wqe;
}

void qrdo_db_write(QRdmaOffload *d, uint32_t page, uint32_t reg,
                   uint64_t value)
{
    qpci_io_writeq(&d->pci, d->doorbells,
                   ((uint64_t)page << RDO_DB_PAGE_SHIFT) + reg, value);
}

void qrdo_flr(QRdmaOffload *d)
{
    uint8_t exp = qpci_find_capability(&d->pci, PCI_CAP_ID_EXP, 0);

    qpci_config_writew(&d->pci, exp + PCI_EXP_DEVCTL,
                       qpci_config_readw(&d->pci, exp + PCI_EXP_DEVCTL) |
                       PCI_EXP_DEVCTL_BCR_FLR);
    /* The function lost its BARs, decoding and MSI-X: set it up again. */
    d->pci.msix_enabled = false;
    qpci_iounmap(&d->pci, d->regs);
    qpci_iounmap(&d->pci, d->doorbells);
    qrdo_start_hw(&d->obj);
}

static void qrdo_qom_set_bool(QRdmaOffload *d, const char *prop, bool value)
{
    QDict *resp = qtest_qmp(d->pci.bus->qts,
                            "{ 'execute': 'qom-set', 'arguments': {"
                            " 'path': '/machine/peripheral/" QRDO_TEST_ID "',"
                            " 'property': %s, 'value': %i } }", prop, value);

    g_assert_false(qdict_haskey(resp, "error"));
    qobject_unref(resp);
}

void qrdo_inject_fatal(QRdmaOffload *d)
{
    qrdo_qom_set_bool(d, "x-inject-fatal", true);
}

void qrdo_msix_set(QRdmaOffload *d, uint16_t vector, uint64_t addr,
                   uint32_t data, bool masked)
{
    uint64_t off = d->pci.msix_table_off + vector * PCI_MSIX_ENTRY_SIZE;
    QPCIBar bar = d->pci.msix_table_bar;

    qpci_io_writel(&d->pci, bar, off + PCI_MSIX_ENTRY_LOWER_ADDR, (uint32_t)addr);
    qpci_io_writel(&d->pci, bar, off + PCI_MSIX_ENTRY_UPPER_ADDR, addr >> 32);
    qpci_io_writel(&d->pci, bar, off + PCI_MSIX_ENTRY_DATA, data);
    qpci_io_writel(&d->pci, bar, off + PCI_MSIX_ENTRY_VECTOR_CTRL,
                   masked ? PCI_MSIX_ENTRY_CTRL_MASKBIT : 0);
}
