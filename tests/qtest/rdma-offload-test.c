/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtests for the rdma-offload adapter's PCI function and register file,
 * through libqos/qgraph (the "rdma-offload" node in libqos/rdma-offload.c).
 */
#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/qgraph.h"
#include "libqos/libqos-malloc.h"
#include "libqos/rdma-offload.h"
#include "hw/pci/pci_regs.h"

#define QRDO_MSIX_VECTORS   32      /* the device's default */
#define QRDO_DB_PAGES       256

static QTestState *qrdo_qts(QRdmaOffload *d)
{
    return d->pci.bus->qts;
}

static uint64_t qrdo_err_addr(QRdmaOffload *d)
{
    return qrdo_read(d, RDO_REG_ERR_ADDR_LO) |
           (uint64_t)qrdo_read(d, RDO_REG_ERR_ADDR_HI) << 32;
}

/* Asserts that the last access was refused as `err` at `addr`. */
static void qrdo_assert_error(QRdmaOffload *d, uint32_t count_before,
                              enum rdo_err err, uint64_t addr)
{
    g_assert_cmpuint(qrdo_read(d, RDO_REG_ERR_COUNT), ==, count_before + 1);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_ERR_LAST), ==, err);
    g_assert_cmphex(qrdo_err_addr(d), ==, addr);
}

static void test_identity(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    uint64_t caps;

    g_assert_cmphex(qpci_config_readw(&d->pci, PCI_VENDOR_ID), ==,
                    RDO_PCI_VENDOR_ID);
    g_assert_cmphex(qpci_config_readw(&d->pci, PCI_DEVICE_ID), ==,
                    RDO_PCI_DEVICE_ID);
    g_assert_cmphex(qpci_config_readw(&d->pci, PCI_CLASS_DEVICE), ==,
                    RDO_PCI_CLASS);
    g_assert_cmphex(qpci_config_readb(&d->pci, PCI_REVISION_ID), ==,
                    RDO_PCI_REVISION);
    g_assert_cmphex(qpci_config_readb(&d->pci, PCI_INTERRUPT_PIN), ==, 0);

    g_assert_cmphex(qrdo_read(d, RDO_REG_ID), ==, RDO_ID_MAGIC);
    g_assert_cmphex(qrdo_read(d, RDO_REG_VERSION), ==,
                    RDO_VERSION_VALUE(RDO_VERSION_MAJOR, RDO_VERSION_MINOR));
    caps = qrdo_read(d, RDO_REG_CAPS_LO) |
           (uint64_t)qrdo_read(d, RDO_REG_CAPS_HI) << 32;
    g_assert_cmphex(caps & (RDO_CAP_MSIX | RDO_CAP_IRQ_TEST | RDO_CAP_FLR), ==,
                    RDO_CAP_MSIX | RDO_CAP_IRQ_TEST | RDO_CAP_FLR);
    /* The qgraph node attaches no netdev: no port, link down. */
    g_assert_cmphex(caps & RDO_CAP_ETH_PORT, ==, 0);
    g_assert_cmphex(qrdo_read(d, RDO_REG_PORT_STATUS), ==, 0);
    g_assert_cmphex(qrdo_read(d, RDO_REG_STATUS) & RDO_STATUS_READY, ==,
                    RDO_STATUS_READY);
    g_assert_cmphex(qrdo_read(d, RDO_REG_MAC_LO), ==, QRDO_TEST_MAC_LO);
    g_assert_cmphex(qrdo_read(d, RDO_REG_MAC_HI), ==, QRDO_TEST_MAC_HI);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_MSIX_INFO), ==, QRDO_MSIX_VECTORS);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_ERR_COUNT), ==, 0);
}

static void test_bar_layout(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    uint32_t db_info = qrdo_read(d, RDO_REG_DB_INFO);
    uint32_t bar0 = qpci_config_readl(&d->pci, PCI_BASE_ADDRESS_0);
    uint32_t bar2 = qpci_config_readl(&d->pci, PCI_BASE_ADDRESS_2);
    uint32_t bar4 = qpci_config_readl(&d->pci, PCI_BASE_ADDRESS_4);

    g_assert_cmpuint(d->regs_size, ==, RDO_BAR_REGS_SIZE);
    g_assert_cmpuint(RDO_DB_INFO_PAGE_SHIFT(db_info), ==, RDO_DB_PAGE_SHIFT);
    g_assert_cmpuint(RDO_DB_INFO_NUM_PAGES(db_info), ==, QRDO_DB_PAGES);
    g_assert_cmpuint(d->doorbells_size, ==,
                     (uint64_t)QRDO_DB_PAGES << RDO_DB_PAGE_SHIFT);
    /* Push RAM (default on): a push page after the doorbell pages for each. */
    g_assert_cmphex(qrdo_read(d, RDO_REG_CAPS_LO) & RDO_CAP_PUSH_RAM, ==,
                    RDO_CAP_PUSH_RAM);
    g_assert_cmphex(qrdo_read(d, RDO_REG_PUSH_RAM_INFO), ==,
                    RDO_PUSH_RAM_INFO_MAKE(QRDO_DB_PAGES, RDO_PUSH_RAM_SLOT_SHIFT));
    g_assert_cmpuint(d->bar2_size, ==, 2 * d->doorbells_size);
    g_assert_cmpuint(d->push_ram_off, ==, d->doorbells_size);

    /* Memory BARs, 64-bit; only the doorbells are prefetchable. */
    g_assert_cmphex(bar0 & (PCI_BASE_ADDRESS_SPACE | PCI_BASE_ADDRESS_MEM_TYPE_MASK |
                            PCI_BASE_ADDRESS_MEM_PREFETCH), ==,
                    PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_64);
    g_assert_cmphex(bar2 & (PCI_BASE_ADDRESS_SPACE | PCI_BASE_ADDRESS_MEM_TYPE_MASK |
                            PCI_BASE_ADDRESS_MEM_PREFETCH), ==,
                    PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_64 |
                    PCI_BASE_ADDRESS_MEM_PREFETCH);
    g_assert_cmphex(bar4 & PCI_BASE_ADDRESS_SPACE, ==,
                    PCI_BASE_ADDRESS_SPACE_MEMORY);

    /* A PCI Express capability is present. */
    g_assert_cmpuint(qpci_find_capability(&d->pci, PCI_CAP_ID_EXP, 0), !=, 0);
}

static void test_msix_table(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    uint8_t cap = qpci_find_capability(&d->pci, PCI_CAP_ID_MSIX, 0);
    uint32_t table, pba;

    g_assert_cmpuint(cap, !=, 0);
    g_assert_cmpuint(qpci_msix_table_size(&d->pci), ==, QRDO_MSIX_VECTORS);
    table = qpci_config_readl(&d->pci, cap + PCI_MSIX_TABLE);
    pba = qpci_config_readl(&d->pci, cap + PCI_MSIX_PBA);
    g_assert_cmpuint(table & PCI_MSIX_FLAGS_BIRMASK, ==, RDO_BAR_MSIX);
    g_assert_cmpuint(pba & PCI_MSIX_FLAGS_BIRMASK, ==, RDO_BAR_MSIX);

    qpci_msix_enable(&d->pci);
    for (int v = 0; v < QRDO_MSIX_VECTORS; v++) {
        /* Vectors come out of reset masked and idle. */
        g_assert_true(qpci_msix_masked(&d->pci, v));
        g_assert_false(qpci_msix_pending(&d->pci, v));
    }
}

static void test_irq_test(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    QTestState *qts = qrdo_qts(d);
    uint64_t msg = guest_alloc(alloc, 64);
    uint32_t errs;

    qpci_msix_enable(&d->pci);

    /* A masked vector is held pending. */
    qrdo_write(d, RDO_REG_IRQ_TEST, 5);
    g_assert_true(qpci_msix_pending(&d->pci, 5));
    g_assert_false(qpci_msix_pending(&d->pci, 4));

    /* An unmasked vector writes its message (here into guest RAM). */
    qtest_writel(qts, msg, 0);
    qrdo_msix_set(d, 7, msg, 0xcafe0007, false);
    qrdo_write(d, RDO_REG_IRQ_TEST, 7);
    g_assert_cmphex(qtest_readl(qts, msg), ==, 0xcafe0007);
    g_assert_false(qpci_msix_pending(&d->pci, 7));

    /* Unmasking a pending vector delivers it. */
    qrdo_msix_set(d, 5, msg, 0xcafe0005, false);
    g_assert_cmphex(qtest_readl(qts, msg), ==, 0xcafe0005);
    g_assert_false(qpci_msix_pending(&d->pci, 5));
    g_assert_cmpuint(qrdo_read(d, RDO_REG_IRQ_TEST_COUNT), ==, 2);

    /* A vector the device does not have is refused, nothing raised. */
    errs = qrdo_read(d, RDO_REG_ERR_COUNT);
    qrdo_write(d, RDO_REG_IRQ_TEST, QRDO_MSIX_VECTORS);
    qrdo_assert_error(d, errs, RDO_ERR_BAD_VALUE, RDO_REG_IRQ_TEST);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_IRQ_TEST_COUNT), ==, 2);
    guest_free(alloc, msg);
}

static void test_soft_reset(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;

    qrdo_write(d, RDO_REG_SCRATCH, 0x12345678);
    g_assert_cmphex(qrdo_read(d, RDO_REG_SCRATCH), ==, 0x12345678);
    qrdo_write(d, RDO_REG_CONTROL, RDO_CONTROL_ENABLE);
    g_assert_cmphex(qrdo_read(d, RDO_REG_STATUS), ==,
                    RDO_STATUS_READY | RDO_STATUS_ENABLED);
    qpci_io_writel(&d->pci, d->doorbells, 0, 1);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_DB_WRITES), ==, 1);
    qrdo_read(d, 0xff00);   /* a mistake, to see the error state cleared */
    g_assert_cmpuint(qrdo_read(d, RDO_REG_ERR_COUNT), ==, 1);

    qrdo_write(d, RDO_REG_CONTROL, RDO_CONTROL_RESET);
    g_assert_cmphex(qrdo_read(d, RDO_REG_CONTROL), ==, 0);  /* self-clearing */
    g_assert_cmphex(qrdo_read(d, RDO_REG_STATUS), ==, RDO_STATUS_READY);
    g_assert_cmphex(qrdo_read(d, RDO_REG_SCRATCH), ==, 0);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_DB_WRITES), ==, 0);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_ERR_COUNT), ==, 0);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_ERR_LAST), ==, RDO_ERR_NONE);
    g_assert_cmphex(qrdo_read(d, RDO_REG_ID), ==, RDO_ID_MAGIC);
    g_assert_cmphex(qrdo_read(d, RDO_REG_MAC_LO), ==, QRDO_TEST_MAC_LO);

    /* Reserved CONTROL bits are refused without effect. */
    qrdo_write(d, RDO_REG_CONTROL, RDO_CONTROL_ENABLE | 0x100);
    qrdo_assert_error(d, 0, RDO_ERR_BAD_VALUE, RDO_REG_CONTROL);
    g_assert_cmphex(qrdo_read(d, RDO_REG_CONTROL), ==, 0);
}

static void test_flr(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    uint8_t exp = qpci_find_capability(&d->pci, PCI_CAP_ID_EXP, 0);
    uint8_t msix = qpci_find_capability(&d->pci, PCI_CAP_ID_MSIX, 0);

    g_assert_cmphex(qpci_config_readl(&d->pci, exp + PCI_EXP_DEVCAP) &
                    PCI_EXP_DEVCAP_FLR, ==, PCI_EXP_DEVCAP_FLR);
    qpci_msix_enable(&d->pci);
    qrdo_write(d, RDO_REG_SCRATCH, 0xa5a5a5a5);

    qpci_config_writew(&d->pci, exp + PCI_EXP_DEVCTL,
                       qpci_config_readw(&d->pci, exp + PCI_EXP_DEVCTL) |
                       PCI_EXP_DEVCTL_BCR_FLR);

    /* The function is back to power-on state: decoding and MSI-X off. */
    g_assert_cmphex(qpci_config_readw(&d->pci, PCI_COMMAND) &
                    (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER), ==, 0);
    g_assert_cmphex(qpci_config_readw(&d->pci, msix + PCI_MSIX_FLAGS) &
                    PCI_MSIX_FLAGS_ENABLE, ==, 0);
    d->pci.msix_enabled = false;
    qpci_iounmap(&d->pci, d->regs);
    qpci_iounmap(&d->pci, d->doorbells);
    d->obj.start_hw(&d->obj);
    g_assert_cmphex(qrdo_read(d, RDO_REG_ID), ==, RDO_ID_MAGIC);
    g_assert_cmphex(qrdo_read(d, RDO_REG_SCRATCH), ==, 0);
}

static void test_bad_access(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    uint32_t n = 0;

    /* Unaligned 32-bit read: all ones back. */
    g_assert_cmphex(qpci_io_readl(&d->pci, d->regs, RDO_REG_SCRATCH + 2), ==,
                    0xffffffff);
    qrdo_assert_error(d, n++, RDO_ERR_UNALIGNED, RDO_REG_SCRATCH + 2);

    /* Narrow and wide accesses are refused and change nothing. */
    qpci_io_writeb(&d->pci, d->regs, RDO_REG_SCRATCH, 0x55);
    qrdo_assert_error(d, n++, RDO_ERR_BAD_SIZE, RDO_REG_SCRATCH);
    g_assert_cmphex(qrdo_read(d, RDO_REG_SCRATCH), ==, 0);
    qpci_io_writeq(&d->pci, d->regs, RDO_REG_SCRATCH, 0x1111222233334444ull);
    qrdo_assert_error(d, n++, RDO_ERR_BAD_SIZE, RDO_REG_SCRATCH);
    g_assert_cmphex(qrdo_read(d, RDO_REG_SCRATCH), ==, 0);
    g_assert_cmphex(qpci_io_readw(&d->pci, d->regs, RDO_REG_ID), ==, 0xffff);
    qrdo_assert_error(d, n++, RDO_ERR_BAD_SIZE, RDO_REG_ID);

    /* Unknown offsets, in and beyond the defined range. */
    g_assert_cmphex(qrdo_read(d, RDO_REG_FUNCTION + 4), ==, 0xffffffff);
    qrdo_assert_error(d, n++, RDO_ERR_UNKNOWN_OFFSET, RDO_REG_FUNCTION + 4);
    qrdo_write(d, RDO_BAR_REGS_SIZE - 4, 1);
    qrdo_assert_error(d, n++, RDO_ERR_UNKNOWN_OFFSET, RDO_BAR_REGS_SIZE - 4);

    /* Read-only and write-only registers. */
    qrdo_write(d, RDO_REG_ID, 0);
    qrdo_assert_error(d, n++, RDO_ERR_READ_ONLY, RDO_REG_ID);
    g_assert_cmphex(qrdo_read(d, RDO_REG_ID), ==, RDO_ID_MAGIC);
    qrdo_write(d, RDO_REG_ERR_COUNT, 0);
    qrdo_assert_error(d, n++, RDO_ERR_READ_ONLY, RDO_REG_ERR_COUNT);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_IRQ_TEST), ==, 0);
    qrdo_assert_error(d, n++, RDO_ERR_WRITE_ONLY, RDO_REG_IRQ_TEST);

    /* The device keeps working. */
    qrdo_write(d, RDO_REG_SCRATCH, 0xfeedf00d);
    g_assert_cmphex(qrdo_read(d, RDO_REG_SCRATCH), ==, 0xfeedf00d);
}

static void test_doorbell(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    uint64_t last_page = d->doorbells_size - RDO_DB_PAGE_SIZE;

    /* Doorbells are refused until the driver enables the device. */
    qpci_io_writel(&d->pci, d->doorbells, 0, 1);
    qrdo_assert_error(d, 0, RDO_ERR_DB_DISABLED, 0);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_DB_WRITES), ==, 0);

    qrdo_write(d, RDO_REG_CONTROL, RDO_CONTROL_ENABLE);
    qpci_io_writel(&d->pci, d->doorbells, 0, 1);
    qpci_io_writeq(&d->pci, d->doorbells, last_page + 8, 2);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_DB_WRITES), ==, 2);
    g_assert_cmpuint(qpci_io_readl(&d->pci, d->doorbells, 0), ==, 0);

    qpci_io_writew(&d->pci, d->doorbells, 0x10, 1);
    qrdo_assert_error(d, 1, RDO_ERR_DB_BAD_ACCESS, 0x10);
    qpci_io_writel(&d->pci, d->doorbells, 0x12, 1);
    qrdo_assert_error(d, 2, RDO_ERR_DB_BAD_ACCESS, 0x12);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_DB_WRITES), ==, 2);
}

/* Reads of write-only places, device disabled and enabled (CVE-2018-20191). */
static void test_write_only_reads(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;

    qrdo_assert_write_only_reads(d);
    qrdo_write(d, RDO_REG_CONTROL, RDO_CONTROL_ENABLE);
    qrdo_assert_write_only_reads(d);
}

/*
 * Random accesses of random sizes anywhere in both BARs: the device must
 * keep answering and its identity must not change.
 */
static void test_random_access(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;

    for (int i = 0; i < 4000; i++) {
        bool db = g_test_rand_bit();
        QPCIBar bar = db ? d->doorbells : d->regs;
        uint64_t size = db ? d->bar2_size : d->regs_size;
        uint64_t off = g_test_rand_int_range(0, size - 8);
        uint32_t val = g_test_rand_int();

        /* Keep the MSI-X-free run: never trigger a reset loop on purpose. */
        switch (g_test_rand_int_range(0, 5)) {
        case 0: qpci_io_writeb(&d->pci, bar, off, val); break;
        case 1: qpci_io_writew(&d->pci, bar, off, val); break;
        case 2: qpci_io_writel(&d->pci, bar, off & ~3ull, val); break;
        case 3: qpci_io_writeq(&d->pci, bar, off, ((uint64_t)val << 32) | val); break;
        default: qpci_io_readl(&d->pci, bar, off); break;
        }
    }
    g_assert_cmphex(qrdo_read(d, RDO_REG_ID), ==, RDO_ID_MAGIC);
    qrdo_write(d, RDO_REG_SCRATCH, 0x600d600d);
    g_assert_cmphex(qrdo_read(d, RDO_REG_SCRATCH), ==, 0x600d600d);
}

static void rdo_register_tests(void)
{
    qos_add_test("identity", "rdma-offload", test_identity, NULL);
    qos_add_test("bar-layout", "rdma-offload", test_bar_layout, NULL);
    qos_add_test("msix-table", "rdma-offload", test_msix_table, NULL);
    qos_add_test("irq-test", "rdma-offload", test_irq_test, NULL);
    qos_add_test("soft-reset", "rdma-offload", test_soft_reset, NULL);
    qos_add_test("flr", "rdma-offload", test_flr, NULL);
    qos_add_test("bad-access", "rdma-offload", test_bad_access, NULL);
    qos_add_test("doorbell", "rdma-offload", test_doorbell, NULL);
    qos_add_test("write-only-reads", "rdma-offload", test_write_only_reads, NULL);
    qos_add_test("random-access", "rdma-offload", test_random_access, NULL);
}

libqos_init(rdo_register_tests);
