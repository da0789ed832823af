/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libqos driver node for the rdma-offload adapter: finds the function on a
 * PCI bus, enables it and maps its register and doorbell BARs. Then a small
 * driver for tests: the control path, rings, doorbells (rdma-offload.h).
 */
#include "qemu/osdep.h"
#include "qemu/module.h"
#include "qemu/bswap.h"
#include "hw/pci/pci_regs.h"
#include "qobject/qdict.h"
#include "../libqtest.h"
#include "libqos-pc.h"
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
    d->doorbells = qpci_iomap(&d->pci, RDO_BAR_DOORBELL, &d->bar2_size);
    /* BAR 2 holds the push pages too when the device has push RAM. */
    d->doorbells_size = (uint64_t)RDO_DB_INFO_NUM_PAGES(qrdo_read(d, RDO_REG_DB_INFO))
                        << RDO_DB_PAGE_SHIFT;
    d->push_ram_off = 0;
    if (qrdo_read(d, RDO_REG_CAPS_LO) & RDO_CAP_PUSH_RAM) {
        d->push_ram_off = (uint64_t)RDO_PUSH_RAM_INFO_FIRST_PAGE(
            qrdo_read(d, RDO_REG_PUSH_RAM_INFO)) << RDO_DB_PAGE_SHIFT;
    }
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

void qrdo_device_attach(QRdmaOffload *d, QPCIDevice *pci)
{
    g_assert_cmphex(qpci_config_readw(pci, PCI_VENDOR_ID), ==, RDO_PCI_VENDOR_ID);
    memset(d, 0, sizeof(*d));
    d->pci = *pci;
    d->obj.start_hw = qrdo_start_hw;
    d->obj.destructor = qrdo_destructor;
    qrdo_start_hw(&d->obj);
}

void qrdo_device_detach(QRdmaOffload *d)
{
    qrdo_destructor(&d->obj);
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
    uint8_t phase = rdo_owner_phase(r->ci, r->log_size);
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

    qrdo_cmd_expect(drv, rdo_cmd_new(RDO_CMD_NOP, 0), RDO_CQP_OK);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_CQP_CI), ==, drv->cqp_pi);
    g_assert_cmphex(qrdo_read(d, RDO_REG_STATUS) &
                    (RDO_STATUS_FATAL | RDO_STATUS_CQP_READY), ==,
                    RDO_STATUS_CQP_READY);
}

void qrdo_drv_create_pd(QRdoDriver *drv, uint32_t pdn)
{
    qrdo_cmd_expect(drv, rdo_cmd_new(RDO_CMD_CREATE_PD, pdn), RDO_CQP_OK);
}

void qrdo_drv_create_cq(QRdoDriver *drv, uint32_t cqn, uint32_t eqn,
                        uint16_t db_page, QRdoCompRing *cq)
{
    qrdo_drv_alloc_cq_ring(drv, cq, QRDO_CQ_LOG_SIZE);
    qrdo_cmd_expect(drv, rdo_cmd_create_cq(cqn, cq->addr, QRDO_CQ_LOG_SIZE,
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
    qrdo_cmd_expect(drv, rdo_cmd_create_qp(qpn, type, pdn, cqn, qp->sq_addr,
                                            qp->rq_addr), RDO_CQP_OK);
}

void qrdo_drv_set_gid0(QRdoDriver *drv)
{
    uint8_t gid[16];

    rdo_gid_v4(gid, 1);     /* ::ffff:10.0.0.1 */
    qrdo_cmd_expect(drv, rdo_cmd_set_gid(0, gid, 1), RDO_CQP_OK);
}

void qrdo_drv_qp_to_rts(QRdoDriver *drv, QRdoQp *qp)
{
    static const uint8_t path[] = { RDO_QPS_INIT, RDO_QPS_RTR, RDO_QPS_RTS };

    for (size_t i = 0; i < G_N_ELEMENTS(path); i++) {
        qrdo_cmd_expect(drv, rdo_cmd_modify_qp_std(qp->qpn, qp->type, path[i]),
                        RDO_CQP_OK);
    }
}

struct rdo_qp_attr qrdo_drv_query_qp(QRdoDriver *drv, uint32_t qpn)
{
    uint64_t out = qrdo_drv_alloc(drv, sizeof(struct rdo_qp_attr));
    struct rdo_qp_attr attr;

    qtest_memset(drv_qts(drv), out, 0xee, sizeof(attr));
    qrdo_cmd_expect(drv, rdo_cmd_query(RDO_CMD_QUERY_QP, qpn, out), RDO_CQP_OK);
    qtest_memread(drv_qts(drv), out, &attr, sizeof(attr));
    guest_free(drv->alloc, out);
    return attr;
}

uint32_t qrdo_drv_reg_mr(QRdoDriver *drv, uint32_t index, uint8_t key,
                         uint32_t pdn, uint32_t num_pages)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_reg_mr(index, key, pdn, 0x10000,
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

void qrdo_push_ram_write(QRdmaOffload *d, uint32_t page, uint32_t offset,
                         const void *buf, size_t len)
{
    g_assert_cmpuint(d->push_ram_off, !=, 0);
    qpci_memwrite(&d->pci, d->doorbells,
                  d->push_ram_off + ((uint64_t)page << RDO_DB_PAGE_SHIFT) + offset,
                  buf, len);
}

void qrdo_db_write(QRdmaOffload *d, uint32_t page, uint32_t reg,
                   uint64_t value)
{
    qpci_io_writeq(&d->pci, d->doorbells,
                   ((uint64_t)page << RDO_DB_PAGE_SHIFT) + reg, value);
}

void qrdo_assert_write_only_reads(QRdmaOffload *d)
{
    static const uint32_t wo_regs[] = { RDO_REG_IRQ_TEST, RDO_REG_FO_INJECT };
    static const uint32_t db_offs[] = {
        RDO_DB_SQ, RDO_DB_RQ, RDO_DB_CQ, RDO_DB_SRQ, RDO_DB_EQ, RDO_DB_ETH_TXQ,
        RDO_DB_ETH_RXQ, RDO_DB_PUSH_TRIGGER, RDO_DB_PUSH_DATA,
        RDO_DB_PAGE_SIZE - 8,
    };
    const uint64_t pages[] = { 0, d->doorbells_size - RDO_DB_PAGE_SIZE };
    uint32_t errs = qrdo_read(d, RDO_REG_ERR_COUNT);
    uint32_t db_writes = qrdo_read(d, RDO_REG_DB_WRITES);

    for (size_t i = 0; i < G_N_ELEMENTS(wo_regs); i++) {
        g_assert_cmphex(qrdo_read(d, wo_regs[i]), ==, 0);
        g_assert_cmpuint(qrdo_read(d, RDO_REG_ERR_LAST), ==, RDO_ERR_WRITE_ONLY);
    }
    for (size_t p = 0; p < G_N_ELEMENTS(pages); p++) {
        for (size_t i = 0; i < G_N_ELEMENTS(db_offs); i++) {
            uint64_t off = pages[p] + db_offs[i];

            g_assert_cmphex(qpci_io_readb(&d->pci, d->doorbells, off), ==, 0);
            g_assert_cmphex(qpci_io_readw(&d->pci, d->doorbells, off), ==, 0);
            g_assert_cmphex(qpci_io_readl(&d->pci, d->doorbells, off), ==, 0);
            g_assert_cmphex(qpci_io_readq(&d->pci, d->doorbells, off), ==, 0);
        }
    }
    g_assert_cmpuint(qrdo_read(d, RDO_REG_ERR_COUNT), ==, errs + G_N_ELEMENTS(wo_regs));
    g_assert_cmpuint(qrdo_read(d, RDO_REG_DB_WRITES), ==, db_writes);
    g_assert_cmphex(qrdo_read(d, RDO_REG_ID), ==, RDO_ID_MAGIC);
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

/* Two adapters in one QEMU: the data path (rdma-offload.h). */

static const char *const qrdo_side_ids[2] = { "rdoA", "rdoB" };

char *qrdo_pcap_path(const char *name)
{
    const char *dir = g_getenv("RDO_TEST_PCAP_DIR");

    return dir && *dir ? g_strdup_printf("%s/%s.pcap", dir, name) : NULL;
}

char *qrdo_pair_cmdline(const QRdoPairOpts *o)
{
    GString *cmd = g_string_new("-M pc -m 512M ");

    g_string_append(cmd, o && o->netdevs ? o->netdevs :
                    "-netdev hubport,id=n0,hubid=0 "
                    "-netdev hubport,id=n1,hubid=0");
    for (int k = 0; k < 2; k++) {
        const char *extra = o ? o->dev_opts[k] : NULL;

        g_string_append_printf(cmd, " -device rdma-offload,id=%s,addr=0%d.0,"
                               "netdev=n%d,mac=52:54:00:0f:de:0%d%s%s",
                               qrdo_side_ids[k], 4 + k, k, 1 + k,
                               extra ? "," : "", extra ? extra : "");
    }
    if (o && o->pcap) {
        g_string_append_printf(cmd, " -object filter-dump,id=cap0,netdev=n0,"
                               "file=%s", o->pcap);
    }
    return g_string_free(cmd, false);
}

/* The pair's harness (RdoPairOps) over the qtest protocol; host: a side. */
static uint8_t side_cmd(void *host, struct rdo_cqp_cmd *cmd, uint32_t *result)
{
    QRdoSide *s = host;
    uint32_t errors = qrdo_read(&s->dev, RDO_REG_CNT_CQP_ERRORS);
    uint32_t mistakes = qrdo_read(&s->dev, RDO_REG_ERR_COUNT);
    uint8_t status = qrdo_cmd_exec(&s->drv, cmd, result);

    if (status == RDO_CQP_OK) {
        /* As qrdo_cmd_expect: nothing counted, nothing reported. */
        g_assert_cmpuint(qrdo_read(&s->dev, RDO_REG_CNT_CQP_ERRORS), ==, errors);
        g_assert_cmpuint(qrdo_read(&s->dev, RDO_REG_ERR_COUNT), ==, mistakes);
    }
    return status;
}

static uint64_t side_alloc(void *host, uint64_t len)
{
    return qrdo_drv_alloc(&((QRdoSide *)host)->drv, len);
}

static void side_write(void *host, uint64_t addr, const void *buf, size_t len)
{
    QRdoSide *s = host;

    if (len > 256) {
        qtest_bufwrite(s->qts, addr, buf, len);
    } else {
        qtest_memwrite(s->qts, addr, buf, len);
    }
}

static void side_read(void *host, uint64_t addr, void *buf, size_t len)
{
    QRdoSide *s = host;

    if (len > 256) {
        qtest_bufread(s->qts, addr, buf, len);
    } else {
        qtest_memread(s->qts, addr, buf, len);
    }
}

static void side_doorbell(void *host, uint16_t page, uint32_t reg,
                          uint64_t value)
{
    qrdo_db_write(&((QRdoSide *)host)->dev, page, reg, value);
}

static void side_push_ram_write(void *host, uint16_t page, uint32_t offset,
                                const void *buf, size_t len)
{
    qrdo_push_ram_write(&((QRdoSide *)host)->dev, page, offset, buf, len);
}

static const RdoPairOps qrdo_pair_ops = {
    .cmd = side_cmd, .alloc = side_alloc, .write = side_write,
    .read = side_read, .doorbell = side_doorbell,
    .push_ram_write = side_push_ram_write,
};

static const RdoPairLayout qrdo_pair_layout = {
    .pdn = 1, .cqn = 1, .cq_log = QRDO_PAIR_CQ_LOG,
    .mr_index = 1, .mr_iova = QRDO_PAIR_MR_IOVA, .mr_len = QRDO_PAIR_MR_LEN,
    .sq_log = QRDO_PAIR_SQ_LOG, .sq_shift = QRDO_PAIR_SQ_SHIFT,
    .rq_log = QRDO_PAIR_RQ_LOG, .rq_shift = QRDO_PAIR_RQ_SHIFT,
    .max_inline = QRDO_PAIR_MAX_INLINE, .qkey = QRDO_PAIR_QKEY,
    .gid6 = true,
};

static void side_start(QRdoPair *p, int k)
{
    QRdoSide *s = &p->s[k];
    QPCIDevice *pci = qpci_device_find(p->qs->pcibus, QPCI_DEVFN(4 + k, 0));

    g_assert_nonnull(pci);
    s->id = qrdo_side_ids[k];
    s->qts = p->qts;
    qrdo_device_attach(&s->dev, pci);
    g_free(pci);
    qrdo_drv_start(&s->drv, &s->dev, &p->qs->alloc);
    g_assert_cmphex(qrdo_read(&s->dev, RDO_REG_PORT_STATUS), ==,
                    RDO_PORT_LINK_UP);
    rdo_pair_side_init(&s->rdo, &qrdo_pair_ops, s, &qrdo_pair_layout,
                       s->slots, QRDO_PAIR_QPS);

    /* The MAC given on the command line. */
    for (int b = 0; b < 4; b++) {
        s->mac[b] = qrdo_read(&s->dev, RDO_REG_MAC_LO) >> (8 * b);
    }
    s->mac[4] = qrdo_read(&s->dev, RDO_REG_MAC_HI);
    s->mac[5] = qrdo_read(&s->dev, RDO_REG_MAC_HI) >> 8;
    g_assert_cmpuint(s->mac[5], ==, 1 + k);
    rdo_pair_side_setup(&s->rdo, k);
}

QRdoPair *qrdo_pair_new(const QRdoPairOpts *o)
{
    QRdoPair *p = g_new0(QRdoPair, 1);
    g_autofree char *cmd = qrdo_pair_cmdline(o);

    p->qs = qtest_pc_boot("%s", cmd);
    p->qts = p->qs->qts;
    side_start(p, 0);
    side_start(p, 1);
    return p;
}

void qrdo_pair_free(QRdoPair *p)
{
    for (int k = 0; k < 2; k++) {
        qrdo_device_detach(&p->s[k].dev);
    }
    qtest_pc_shutdown(p->qs);
    g_free(p);
}

void qrdo_pair_connect(QRdoPair *p, int i, uint8_t type, uint8_t path_mtu,
                       uint8_t timeout)
{
    qrdo_pair_connect_gid(p, i, type, path_mtu, timeout, 0);
}

void qrdo_pair_connect_gid(QRdoPair *p, int i, uint8_t type, uint8_t path_mtu,
                           uint8_t timeout, uint8_t sgid_index)
{
    rdo_pair_connect(&p->s[0].rdo, &p->s[1].rdo, i, type, path_mtu, timeout,
                     sgid_index, 0);
}

uint64_t qrdo_side_addr(QRdoSide *s, uint64_t iova)
{
    return rdo_pair_mr_addr(&s->rdo, iova);
}

void qrdo_side_write(QRdoSide *s, uint64_t iova, const void *buf, uint32_t len)
{
    rdo_pair_write(&s->rdo, iova, buf, len);
}

void qrdo_side_read(QRdoSide *s, uint64_t iova, void *buf, uint32_t len)
{
    rdo_pair_read(&s->rdo, iova, buf, len);
}

void qrdo_side_fill(QRdoSide *s, uint64_t iova, uint32_t len, uint32_t seed)
{
    rdo_pair_fill(&s->rdo, iova, len, seed);
}

int64_t qrdo_side_compare(QRdoSide *a, uint64_t a_iova, QRdoSide *b,
                          uint64_t b_iova, uint32_t len)
{
    g_autofree uint8_t *x = g_malloc(len ? len : 1);
    g_autofree uint8_t *y = g_malloc(len ? len : 1);

    qrdo_side_read(a, a_iova, x, len);
    qrdo_side_read(b, b_iova, y, len);
    for (uint32_t i = 0; i < len; i++) {
        if (x[i] != y[i]) {
            return i;
        }
    }
    return -1;
}

uint32_t qrdo_side_reg_mr(QRdoSide *s, uint32_t index, uint8_t key,
                          uint64_t iova, uint32_t len, uint16_t access)
{
    uint32_t pages = DIV_ROUND_UP(len, RDO_PAGE_SIZE);
    struct rdo_cqp_cmd cmd = rdo_cmd_reg_mr(index, key, 1, iova, len,
                                            qrdo_drv_alloc_page_list(&s->drv, pages),
                                            pages);
    uint32_t result = 0;

    cmd.u.reg_mr.access = access;
    g_assert_cmpuint(qrdo_cmd_exec(&s->drv, &cmd, &result), ==, RDO_CQP_OK);
    g_assert_cmphex(result, ==, RDO_MR_KEY(index, key));
    return result;
}

struct rdo_sge qrdo_side_sge(QRdoSide *s, uint64_t iova, uint32_t len)
{
    return rdo_pair_sge(&s->rdo, iova, len);
}

struct rdo_ud_seg qrdo_pair_ud_dest(QRdoPair *p, int to_side, int i)
{
    return rdo_pair_ud_dest(&p->s[to_side].rdo, i);
}

void qrdo_side_post_send(QRdoSide *s, int i, const struct rdo_send_wqe *w,
                         const struct rdo_sge *sge, int num_sge,
                         const struct rdo_ud_seg *ud, const void *inline_data)
{
    rdo_pair_post_send(&s->rdo, i, w, sge, num_sge, ud, inline_data);
}

void qrdo_side_post_recv(QRdoSide *s, int i, uint64_t wr_id, uint64_t iova,
                         uint32_t len)
{
    rdo_pair_post_recv(&s->rdo, i, wr_id, iova, len);
}

uint32_t qrdo_side_cqes_ready(QRdoSide *s)
{
    return rdo_pair_cq_ready(&s->rdo);
}

bool qrdo_side_poll(QRdoSide *s, struct rdo_cqe *cqe)
{
    return rdo_pair_poll(&s->rdo, cqe);
}

struct rdo_cqe qrdo_side_expect(QRdoSide *s, uint64_t wr_id, uint8_t opcode,
                                uint8_t status)
{
    struct rdo_cqe e;

    if (!qrdo_side_poll(s, &e)) {
        g_error("%s: no CQE where wr_id 0x%" PRIx64 " was expected", s->id,
                wr_id);
    }
    if (e.wr_id != wr_id || e.opcode != opcode || e.status != status) {
        g_error("%s: CQE wr_id 0x%" PRIx64 " opcode 0x%x status %u vendor_err "
                "%u, expected wr_id 0x%" PRIx64 " opcode 0x%x status %u",
                s->id, e.wr_id, e.opcode, e.status, e.vendor_err, wr_id,
                opcode, status);
    }
    return e;
}

bool qrdo_pair_wait_cqes(QRdoPair *p, int k, uint32_t n, int64_t limit_ns)
{
    for (int64_t t = 0; ; t += QRDO_PAIR_STEP_NS) {
        if (qrdo_side_cqes_ready(&p->s[k]) >= n) {
            return true;
        }
        if (t >= limit_ns) {
            return false;
        }
        qtest_clock_step(p->qts, QRDO_PAIR_STEP_NS);
    }
}

void qrdo_pair_run(QRdoPair *p, int64_t ns)
{
    for (int64_t t = 0; t < ns; t += QRDO_PAIR_STEP_NS) {
        qtest_clock_step(p->qts, MIN(QRDO_PAIR_STEP_NS, ns - t));
    }
}

QDict *qrdo_counters(QTestState *qts, const char *id)
{
    return qrdo_qom_dict(qts, id, "counters");
}

QDict *qrdo_qom_dict(QTestState *qts, const char *id, const char *property)
{
    g_autofree char *path = g_strdup_printf("/machine/peripheral/%s", id);
    QDict *resp = qtest_qmp(qts, "{ 'execute': 'qom-get', 'arguments': {"
                            " 'path': %s, 'property': %s } }", path, property);
    QDict *ret;

    g_assert_false(qdict_haskey(resp, "error"));
    ret = qdict_get_qdict(resp, "return");
    qobject_ref(ret);
    qobject_unref(resp);
    return ret;
}

uint64_t qrdo_counter(QTestState *qts, const char *id, const char *name)
{
    QDict *c = qrdo_counters(qts, id);
    uint64_t v;

    g_assert_true(qdict_haskey(c, name));
    v = qdict_get_int(c, name);
    qobject_unref(c);
    return v;
}
