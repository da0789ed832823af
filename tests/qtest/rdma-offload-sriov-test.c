/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtests of SR-IOV on the rdma-offload adapter (q35, the PF at 00:04.0 with
 * sriov-max-vfs=2): the SR-IOV capability, enabling and disabling VFs
 * through NumVFs and VF Enable, each VF's BARs (registers, doorbells) and
 * MSI-X vectors, the partition command from the PF and from a VF, and a
 * VF's FLR leaving the PF and the other VF as they were. VF BARs are placed
 * through the PF's VF BAR registers, as firmware or Linux does.
 */
#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/pci-pc.h"
#include "standard-headers/linux/pci_regs.h"
#include "libqos/libqos-malloc.h"
#include "libqos/rdma-offload.h"

#define PF_DEVFN        (4 << 3)        /* 00:04.0 */
/* Extended configuration space through ECAM (q35's MCH, PCIEXBAR). */
#define ECAM            0xb0000000ull
#define MCH_PCIEXBAR    0x60
#define SRIOV           RDO_SRIOV_CAP_OFFSET
#define VF_BAR0         0xe8000000ull   /* VF n's registers: + (n - 1) x 64 KiB */
#define VF_BAR2         0xe9000000ull   /* and doorbell pages */
#define DB_PAGES        16

typedef struct Fx {
    QTestState *qts;
    QGuestAllocator alloc;
    QPCIBus *bus;
    QRdmaOffload pf;
    QRdmaOffload vf[3];         /* [n]: VF n, once enabled */
} Fx;

static void fx_init(Fx *f)
{
    uint64_t size;

    f->qts = qtest_initf("-M q35 -device rdma-offload,id=rdo0,addr=04.0,"
                         "sriov-max-vfs=2,doorbell-pages=%d", DB_PAGES);
    pc_alloc_init(&f->alloc, f->qts, ALLOC_NO_FLAGS);
    f->bus = qpci_new_pc(f->qts, &f->alloc);
    memset(&f->pf, 0, sizeof(f->pf));
    f->pf.pci.bus = f->bus;
    f->pf.pci.devfn = PF_DEVFN;
    qpci_device_enable(&f->pf.pci);
    /* No firmware here: turn on ECAM for the capability at 0x100. */
    {
        QPCIDevice mch = { .bus = f->bus, .devfn = 0 };

        qpci_config_writel(&mch, MCH_PCIEXBAR + 4, 0);
        qpci_config_writel(&mch, MCH_PCIEXBAR, (uint32_t)ECAM | 1);
    }
    f->pf.regs = qpci_iomap(&f->pf.pci, RDO_BAR_REGS, &size);
    f->pf.doorbells = qpci_iomap(&f->pf.pci, RDO_BAR_DOORBELL, &size);
}

static void fx_free(Fx *f)
{
    qpci_free_pc(f->bus);
    alloc_destroy(&f->alloc);
    qtest_quit(f->qts);
}

static uint16_t pf_cfgw(Fx *f, int off)
{
    return qtest_readw(f->qts, ECAM + (PF_DEVFN << 12) + off);
}

static void pf_cfg_writew(Fx *f, int off, uint16_t v)
{
    qtest_writew(f->qts, ECAM + (PF_DEVFN << 12) + off, v);
}

static void pf_cfg_writel(Fx *f, int off, uint32_t v)
{
    qtest_writel(f->qts, ECAM + (PF_DEVFN << 12) + off, v);
}

/* NumVFs and VF Enable; the VFs' BARs from the PF's VF BAR registers. */
static void set_vfs(Fx *f, uint16_t n)
{
    pf_cfg_writew(f, SRIOV + PCI_SRIOV_CTRL, 0);
    if (!n) {
        return;
    }
    pf_cfg_writel(f, SRIOV + PCI_SRIOV_BAR + 4 * RDO_BAR_REGS,
                       (uint32_t)VF_BAR0 | PCI_BASE_ADDRESS_MEM_TYPE_64);
    pf_cfg_writel(f, SRIOV + PCI_SRIOV_BAR + 4 * RDO_BAR_REGS + 4,
                       0);
    pf_cfg_writel(f, SRIOV + PCI_SRIOV_BAR + 4 * RDO_BAR_DOORBELL,
                       (uint32_t)VF_BAR2 | PCI_BASE_ADDRESS_MEM_TYPE_64 |
                       PCI_BASE_ADDRESS_MEM_PREFETCH);
    pf_cfg_writel(f, SRIOV + PCI_SRIOV_BAR + 4 * RDO_BAR_DOORBELL + 4, 0);
    pf_cfg_writew(f, SRIOV + PCI_SRIOV_NUM_VF, n);
    pf_cfg_writew(f, SRIOV + PCI_SRIOV_CTRL,
                       PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
    for (uint16_t i = 1; i <= n; i++) {
        QRdmaOffload *v = &f->vf[i];

        memset(v, 0, sizeof(*v));
        v->pci.bus = f->bus;
        v->pci.devfn = PF_DEVFN + RDO_SRIOV_VF_OFFSET +
                       (i - 1) * RDO_SRIOV_VF_STRIDE;
        qpci_config_writew(&v->pci, PCI_COMMAND,
                           PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
        v->regs.addr = VF_BAR0 + (i - 1) * (uint64_t)RDO_BAR_REGS_SIZE;
        v->doorbells.addr = VF_BAR2 + (i - 1) * (uint64_t)DB_PAGES *
                            RDO_DB_PAGE_SIZE;
        v->regs_size = RDO_BAR_REGS_SIZE;
        v->doorbells_size = (uint64_t)DB_PAGES * RDO_DB_PAGE_SIZE;
    }
}

/* The capability, and VFs coming and going with their BARs and vectors. */
static void test_enable(void)
{
    Fx f;

    fx_init(&f);
    g_assert_cmphex(pf_cfgw(&f, SRIOV), ==,
                    PCI_EXT_CAP_ID_SRIOV);
    g_assert_cmpuint(pf_cfgw(&f, SRIOV + PCI_SRIOV_TOTAL_VF), ==, 2);
    g_assert_cmphex(pf_cfgw(&f, SRIOV + PCI_SRIOV_VF_DID), ==,
                    RDO_PCI_VF_DEVICE_ID);
    g_assert_cmpuint(pf_cfgw(&f, SRIOV + PCI_SRIOV_VF_OFFSET), ==, 1);
    g_assert_cmphex(qrdo_read(&f.pf, RDO_REG_FUNCTION), ==, 0);
    g_assert_true(qrdo_read(&f.pf, RDO_REG_CAPS_LO) & RDO_CAP_SRIOV);
    g_assert_cmpuint(qrdo_read(&f.pf, RDO_REG_MAX_QP), ==, 1024 - 2 * 341);

    set_vfs(&f, 2);
    for (int n = 1; n <= 2; n++) {
        QRdmaOffload *v = &f.vf[n];
        uint8_t msix = qpci_find_capability(&v->pci, PCI_CAP_ID_MSIX, 0);

        g_assert_cmphex(qrdo_read(v, RDO_REG_ID), ==, RDO_ID_MAGIC);
        g_assert_cmphex(qrdo_read(v, RDO_REG_FUNCTION), ==,
                        n | RDO_FUNCTION_VF);
        g_assert_true(qrdo_read(v, RDO_REG_CAPS_LO) & RDO_CAP_VF);
        g_assert_cmpuint(qrdo_read(v, RDO_REG_MAX_QP), ==, 341);
        g_assert_cmpuint(RDO_DB_INFO_NUM_PAGES(qrdo_read(v, RDO_REG_DB_INFO)), ==,
                         DB_PAGES);
        g_assert_cmpuint(qrdo_read(v, RDO_REG_MSIX_INFO), ==, 32);
        g_assert_cmpuint(msix, !=, 0);
        g_assert_cmpuint((qpci_config_readw(&v->pci, msix + PCI_MSIX_FLAGS) &
                          PCI_MSIX_FLAGS_QSIZE) + 1, ==, 32);
        /* A VF's BARs have their own handlers: every read defined. */
        qrdo_assert_write_only_reads(v);
        /* Each VF's registers are its own. */
        qrdo_write(v, RDO_REG_SCRATCH, 0x5c000000 + n);
    }
    g_assert_cmphex(qrdo_read(&f.vf[1], RDO_REG_SCRATCH), ==, 0x5c000001);
    g_assert_cmphex(qrdo_read(&f.vf[2], RDO_REG_SCRATCH), ==, 0x5c000002);
    g_assert_cmphex(qrdo_read(&f.pf, RDO_REG_SCRATCH), ==, 0);

    /* Disabled: the VF's BARs are gone (reads float), its state reset. */
    set_vfs(&f, 0);
    g_assert_cmphex(qtest_readl(f.qts, VF_BAR0 + RDO_REG_ID), !=, RDO_ID_MAGIC);
    set_vfs(&f, 1);
    g_assert_cmphex(qrdo_read(&f.vf[1], RDO_REG_ID), ==, RDO_ID_MAGIC);
    g_assert_cmphex(qrdo_read(&f.vf[1], RDO_REG_SCRATCH), ==, 0);
    g_assert_cmphex(qtest_readl(f.qts, VF_BAR0 + RDO_BAR_REGS_SIZE), !=,
                    RDO_ID_MAGIC);
    fx_free(&f);
}

static uint8_t set_share(QRdoDriver *drv, uint32_t vf,
                         const struct rdo_vf_resources *r)
{
    struct rdo_cqp_cmd c = rdo_cmd_new(RDO_CMD_SET_VF_RESOURCES, vf);

    c.u.vf_res = *r;
    qrdo_cqp_write(drv, &c);
    qrdo_cqp_ring(drv);
    return qrdo_cqp_wait(drv).status;
}

/* The partition command: from the PF while VFs are off; refused otherwise. */
static void test_partition(void)
{
    Fx f;
    QRdoDriver pf, vf;
    struct rdo_vf_resources r = {
        .qp = 100, .cq = 50, .eq = 4, .pd = 20, .mr = 300, .srq = 8,
        .gid = 4, .qpc_cache = 8, .mrc_cache = 16,
    };

    fx_init(&f);
    qrdo_drv_start(&pf, &f.pf, &f.alloc);
    g_assert_cmpuint(set_share(&pf, 1, &r), ==, RDO_CQP_OK);
    g_assert_cmpuint(qrdo_read(&f.pf, RDO_REG_MAX_QP), ==, 1024 - 100 - 341);
    r.qp = 1024;
    g_assert_cmpuint(set_share(&pf, 1, &r), ==, RDO_CQP_NO_RESOURCES);
    r.qp = 100;
    g_assert_cmpuint(set_share(&pf, 3, &r), ==, RDO_CQP_BAD_INDEX);

    set_vfs(&f, 2);
    g_assert_cmpuint(qrdo_read(&f.vf[1], RDO_REG_MAX_QP), ==, 100);
    g_assert_cmpuint(qrdo_read(&f.vf[1], RDO_REG_MAX_MR), ==, 300);
    g_assert_cmpuint(set_share(&pf, 2, &r), ==, RDO_CQP_BAD_STATE);
    /* From a VF: refused and counted. */
    qrdo_drv_start(&vf, &f.vf[1], &f.alloc);
    g_assert_cmpuint(set_share(&vf, 2, &r), ==, RDO_CQP_NOT_PERMITTED);
    g_assert_cmpuint(qrdo_read(&f.vf[1], RDO_REG_CNT_ISOLATION), ==, 1);
    g_assert_cmpuint(qrdo_read(&f.pf, RDO_REG_CNT_ISOLATION), ==, 0);
    qrdo_drv_assert_alive(&pf);
    qrdo_drv_assert_alive(&vf);

    /* VF 1's FLR: VF 1 starts over on its share, the PF and VF 2 stay. */
    qrdo_write(&f.vf[2], RDO_REG_SCRATCH, 0x2222);
    qrdo_write(&f.pf, RDO_REG_SCRATCH, 0x1111);
    {
        uint8_t exp = qpci_find_capability(&f.vf[1].pci, PCI_CAP_ID_EXP, 0);

        qpci_config_writew(&f.vf[1].pci, exp + PCI_EXP_DEVCTL,
                           PCI_EXP_DEVCTL_BCR_FLR);
        /* The FLR cleared its command register too. */
        qpci_config_writew(&f.vf[1].pci, PCI_COMMAND,
                           PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    }
    g_assert_false(qrdo_read(&f.vf[1], RDO_REG_STATUS) & RDO_STATUS_CQP_READY);
    g_assert_cmpuint(qrdo_read(&f.vf[1], RDO_REG_CNT_ISOLATION), ==, 0);
    g_assert_cmpuint(qrdo_read(&f.vf[1], RDO_REG_MAX_QP), ==, 100);
    g_assert_cmphex(qrdo_read(&f.vf[2], RDO_REG_SCRATCH), ==, 0x2222);
    g_assert_cmphex(qrdo_read(&f.pf, RDO_REG_SCRATCH), ==, 0x1111);
    qrdo_drv_assert_alive(&pf);
    fx_free(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/rdma-offload/sriov/enable", test_enable);
    qtest_add_func("/rdma-offload/sriov/partition", test_partition);
    return g_test_run();
}
