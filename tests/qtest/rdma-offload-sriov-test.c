/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtests of SR-IOV on the rdma-offload adapter (q35, the PF at 00:04.0 with
 * sriov-max-vfs=2): the SR-IOV capability, enabling and disabling VFs
 * through NumVFs and VF Enable, each VF's BARs (registers, doorbells) and
 * MSI-X vectors, the partition command from the PF and from a VF, and a
 * VF's FLR leaving the PF and the other VF as they were; MOVE_QP of a
 * connection between the PF and VF 1 to VF 2. VF BARs are placed
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

/* `extra`: more of the device's options, and more of QEMU's. */
static void fx_init_with(Fx *f, const char *extra)
{
    uint64_t size;

    f->qts = qtest_initf("-M q35 -device rdma-offload,id=rdo0,addr=04.0,"
                         "sriov-max-vfs=2,doorbell-pages=%d%s", DB_PAGES,
                         extra);
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

static void fx_init(Fx *f)
{
    fx_init_with(f, "");
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
    g_assert_true(qrdo_read(&f.pf, RDO_REG_CAPS_LO) & RDO_CAP_PUSH_RAM);
    g_assert_cmpuint(qrdo_read(&f.pf, RDO_REG_MAX_QP), ==, 1024 - 2 * 341);

    set_vfs(&f, 2);
    for (int n = 1; n <= 2; n++) {
        QRdmaOffload *v = &f.vf[n];
        uint8_t msix = qpci_find_capability(&v->pci, PCI_CAP_ID_MSIX, 0);

        g_assert_cmphex(qrdo_read(v, RDO_REG_ID), ==, RDO_ID_MAGIC);
        g_assert_cmphex(qrdo_read(v, RDO_REG_FUNCTION), ==,
                        n | RDO_FUNCTION_VF);
        g_assert_true(qrdo_read(v, RDO_REG_CAPS_LO) & RDO_CAP_VF);
        /* VFs have no push RAM: their BAR 2 is the doorbell pages alone. */
        g_assert_false(qrdo_read(v, RDO_REG_CAPS_LO) & RDO_CAP_PUSH_RAM);
        g_assert_cmphex(qrdo_read(v, RDO_REG_PUSH_RAM_INFO), ==, 0);
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

/*
 * MOVE_QP through QEMU's device (the unit test tests/unit/test-sriov-move.c
 * covers the engine's side in depth): a loopback RC connection between the
 * PF and VF 1 through the adapter's switch, its VF 1 end in a PD, CQ and
 * MR of its own; every refusal with its status and nothing disturbed, then
 * the move to VF 2 with traffic before and after, the bytes checked in
 * guest memory. The test drives each function's control QP and doorbells
 * itself (libqos), the pair set-up of tests/common/rdo-pair-setup.h on top.
 */
#define MV_MTU          (RDO_MTU_4096 - 2)     /* 1024 */
#define MV_TIMEOUT      14              /* 67 ms */
#define MV_MR_LEN       (1u << 20)
#define MV_QPN          2               /* slot 0 */
#define MV_SRQN         4
#define MV_STEP_NS      20000
#define MV_LIMIT_NS     (1000 * 1000 * 1000ll)

/* One end: the pair harness over the function now serving it. */
typedef struct MvSide {
    RDO_PAIR_SIDE_EMBED;
    Fx *f;
    QRdmaOffload *dev;
    QRdoDriver *drv;
    RdoPairQp slots[2];
} MvSide;

static uint8_t mv_cmd(void *host, struct rdo_cqp_cmd *cmd, uint32_t *result)
{
    return qrdo_cmd_exec(((MvSide *)host)->drv, cmd, result);
}

static uint64_t mv_alloc(void *host, uint64_t len)
{
    return qrdo_drv_alloc(((MvSide *)host)->drv, len);
}

static void mv_write(void *host, uint64_t addr, const void *buf, size_t len)
{
    qtest_bufwrite(((MvSide *)host)->f->qts, addr, buf, len);
}

static void mv_read(void *host, uint64_t addr, void *buf, size_t len)
{
    qtest_bufread(((MvSide *)host)->f->qts, addr, buf, len);
}

static void mv_doorbell(void *host, uint16_t page, uint32_t reg, uint64_t value)
{
    qrdo_db_write(((MvSide *)host)->dev, page, reg, value);
}

static const RdoPairOps mv_ops = {
    .cmd = mv_cmd, .alloc = mv_alloc, .write = mv_write, .read = mv_read,
    .doorbell = mv_doorbell,
};

/* The PF's numbers, and VF 1's: other ones, so that a clash is a choice. */
static const RdoPairLayout mv_layout[2] = {
    { .pdn = 1, .cqn = 1, .cq_log = 8, .mr_index = 1, .mr_iova = 0x10000000,
      .mr_len = MV_MR_LEN, .sq_log = 6, .sq_shift = 8, .rq_log = 6,
      .rq_shift = 5, .max_inline = 128, .qkey = 0x1234 },
    { .pdn = 3, .cqn = 5, .cq_log = 8, .mr_index = 7, .mr_iova = 0x20000000,
      .mr_len = MV_MR_LEN, .sq_log = 6, .sq_shift = 8, .rq_log = 6,
      .rq_shift = 5, .max_inline = 128, .qkey = 0x1234 },
};

static void mv_side_start(MvSide *s, Fx *f, QRdmaOffload *dev,
                          QRdoDriver *drv, int k)
{
    uint32_t lo = qrdo_read(dev, RDO_REG_MAC_LO), hi = qrdo_read(dev, RDO_REG_MAC_HI);

    memset(s, 0, sizeof(*s));
    s->f = f;
    s->dev = dev;
    s->drv = drv;
    rdo_pair_side_init(&s->rdo, &mv_ops, s, &mv_layout[k], s->slots, 2);
    for (int b = 0; b < 4; b++) {
        s->mac[b] = lo >> (8 * b);
    }
    s->mac[4] = hi;
    s->mac[5] = hi >> 8;
    rdo_pair_side_setup(&s->rdo, k);
}

/* Steps virtual time until `s` has n CQEs; asserts they came. */
static void mv_wait(Fx *f, MvSide *s, uint32_t n)
{
    for (int64_t t = 0; rdo_pair_cq_ready(&s->rdo) < n; t += MV_STEP_NS) {
        g_assert_cmpint(t, <, MV_LIMIT_NS);
        qtest_clock_step(f->qts, MV_STEP_NS);
    }
}

static void mv_expect(MvSide *s, uint64_t wr_id, uint8_t opcode)
{
    struct rdo_cqe e;

    g_assert_true(rdo_pair_poll(&s->rdo, &e));
    g_assert_cmphex(e.wr_id, ==, wr_id);
    g_assert_cmphex(e.opcode, ==, opcode);
    g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
}

/* [a_iova, +len) of a's MR holds what [b_iova, +len) of b's does. */
static void mv_same(MvSide *a, uint64_t a_iova, MvSide *b, uint64_t b_iova,
                    uint32_t len)
{
    g_autofree uint8_t *x = g_malloc(len), *y = g_malloc(len);

    rdo_pair_read(&a->rdo, a_iova, x, len);
    rdo_pair_read(&b->rdo, b_iova, y, len);
    for (uint32_t i = 0; i < len; i++) {
        if (x[i] != y[i]) {
            g_error("byte %u differs: 0x%02x, 0x%02x", i, x[i], y[i]);
        }
    }
}

/*
 * Traffic both ways, round r: VF's end (v) WRITEs an unaligned, multi-packet
 * piece into the PF's MR and SENDs one into a receive the PF posted; the
 * PF's end (p) SENDs one back; each checked byte for byte.
 */
static void mv_traffic(Fx *f, MvSide *p, MvSide *v, uint32_t r)
{
    uint32_t wlen = 9000 + 77 * r, slen = 3000 + 13 * r;
    uint64_t v_src = v->layout->mr_iova + 5 + 0x10000 * r;
    uint64_t p_dst = p->layout->mr_iova + 3 + 0x10000 * r;
    uint64_t p_src = p_dst + 0x8000, v_dst = v_src + 0x8000;
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 0x100 + r);
    struct rdo_sge sge = rdo_pair_sge(&v->rdo, v_src, wlen);

    rdo_pair_fill(&v->rdo, v_src, wlen + slen, 0x700 + r);
    rdo_pair_fill(&p->rdo, p_src, slen, 0x900 + r);
    w.remote_addr = p_dst;
    w.rkey = p->mr_key;
    rdo_pair_post_recv(&p->rdo, 0, 0x300 + r, p_dst + wlen + 1, slen);
    rdo_pair_post_recv(&v->rdo, 0, 0x400 + r, v_dst, slen);
    rdo_pair_post_send(&v->rdo, 0, &w, &sge, 1, NULL, NULL);
    w = rdo_wqe(RDO_WR_SEND, 0x200 + r);
    sge = rdo_pair_sge(&v->rdo, v_src + wlen, slen);
    rdo_pair_post_send(&v->rdo, 0, &w, &sge, 1, NULL, NULL);
    w = rdo_wqe(RDO_WR_SEND, 0x500 + r);
    sge = rdo_pair_sge(&p->rdo, p_src, slen);
    rdo_pair_post_send(&p->rdo, 0, &w, &sge, 1, NULL, NULL);
    mv_wait(f, v, 3);
    mv_wait(f, p, 2);
    mv_expect(v, 0x100 + r, RDO_CQE_RDMA_WRITE);
    mv_expect(v, 0x200 + r, RDO_CQE_SEND);
    mv_expect(v, 0x400 + r, RDO_CQE_RECV);
    mv_expect(p, 0x300 + r, RDO_CQE_RECV);
    mv_expect(p, 0x500 + r, RDO_CQE_SEND);
    mv_same(v, v_src, p, p_dst, wlen);
    mv_same(v, v_src + wlen, p, p_dst + wlen + 1, slen);
    mv_same(p, p_src, v, v_dst, slen);
}

static struct rdo_cqp_cmd mv_move_cmd(uint32_t qpn, uint8_t src, uint8_t dst)
{
    struct rdo_cqp_cmd c = rdo_cmd_new(RDO_CMD_MOVE_QP, qpn);

    c.u.move_qp.src_fn = src;
    c.u.move_qp.dst_fn = dst;
    return c;
}

static uint8_t mv_qp_state(QRdoDriver *drv, uint32_t qpn, uint8_t *state)
{
    uint64_t out = qrdo_drv_alloc(drv, sizeof(struct rdo_qp_attr));
    struct rdo_qp_attr attr;
    struct rdo_cqp_cmd c = rdo_cmd_query(RDO_CMD_QUERY_QP, qpn, out);
    uint8_t status = qrdo_cmd_exec(drv, &c, NULL);

    qtest_memread(drv->qts, out, &attr, sizeof(attr));
    guest_free(drv->alloc, out);
    *state = attr.state;
    return status;
}

/* A refusal: its status; VF 1 still has the connection, in RTS, nothing moved. */
static void mv_refused(QRdoDriver *pf, QRdoDriver *vf1, Fx *f,
                       struct rdo_cqp_cmd c, uint8_t status)
{
    uint8_t state = 0;

    g_assert_cmpuint(qrdo_cmd_exec(pf, &c, NULL), ==, status);
    g_assert_cmpuint(mv_qp_state(vf1, MV_QPN, &state), ==, RDO_CQP_OK);
    g_assert_cmpuint(state, ==, RDO_QPS_RTS);
    for (int n = 1; n <= 2; n++) {
        g_assert_cmpuint(qrdo_read(&f->vf[n], RDO_REG_CNT_QP_MOVED_OUT) +
                         qrdo_read(&f->vf[n], RDO_REG_CNT_QP_MOVED_IN), ==, 0);
    }
}

static void test_move_qp(void)
{
    Fx f;
    QRdoDriver pf, vf1, vf2;
    MvSide p, v;
    RdoPairSrq srq;
    struct rdo_cqp_cmd c;
    struct rdo_eqe eqe;
    uint8_t state = 0;

    fx_init_with(&f, ",netdev=n0 -netdev hubport,id=n0,hubid=0");
    set_vfs(&f, 2);
    qrdo_drv_start(&pf, &f.pf, &f.alloc);
    qrdo_drv_start(&vf1, &f.vf[1], &f.alloc);
    qrdo_drv_start(&vf2, &f.vf[2], &f.alloc);
    mv_side_start(&p, &f, &f.pf, &pf, 0);
    mv_side_start(&v, &f, &f.vf[1], &vf1, 1);
    /* slot 0 of each, connected through the adapter's switch. */
    rdo_pair_connect(&p.rdo, &v.rdo, 0, RDO_QPT_RC, MV_MTU, MV_TIMEOUT, 0, 0);
    mv_traffic(&f, &p, &v, 0);

    /* From a VF: a PF-only command, counted as an isolation refusal. */
    c = mv_move_cmd(MV_QPN, 1, 2);
    g_assert_cmpuint(qrdo_cmd_exec(&vf1, &c, NULL), ==, RDO_CQP_NOT_PERMITTED);
    g_assert_cmpuint(qrdo_read(&f.vf[1], RDO_REG_CNT_ISOLATION), ==, 1);
    /* Function numbers: the same twice, beyond the VFs, none at all. */
    mv_refused(&pf, &vf1, &f, mv_move_cmd(MV_QPN, 1, 1), RDO_CQP_BAD_PARAM);
    mv_refused(&pf, &vf1, &f, mv_move_cmd(MV_QPN, 1, 3), RDO_CQP_BAD_INDEX);
    mv_refused(&pf, &vf1, &f, mv_move_cmd(MV_QPN, 9, 2), RDO_CQP_BAD_INDEX);
    /* Not connected: an RC QP of VF 1 in RESET. */
    rdo_pair_create_qp(&v.rdo, 1, MV_QPN + 1, RDO_QPT_RC, 0);
    mv_refused(&pf, &vf1, &f, mv_move_cmd(MV_QPN + 1, 1, 2), RDO_CQP_BAD_STATE);
    rdo_pair_cmd_ok(&v.rdo, rdo_cmd_new(RDO_CMD_DESTROY_QP, MV_QPN + 1));
    /* On an SRQ: connected to the PF (RTS), receiving from VF 1's SRQ. */
    rdo_pair_create_srq(&v.rdo, &srq, MV_SRQN, 4);
    v.qp_on_srq = true;
    v.qp_srqn = MV_SRQN;
    rdo_pair_connect(&p.rdo, &v.rdo, 1, RDO_QPT_RC, MV_MTU, MV_TIMEOUT, 0, 0);
    v.qp_on_srq = false;
    g_assert_cmpuint(mv_qp_state(&vf1, MV_QPN + 1, &state), ==, RDO_CQP_OK);
    g_assert_cmpuint(state, ==, RDO_QPS_RTS);
    mv_refused(&pf, &vf1, &f, mv_move_cmd(MV_QPN + 1, 1, 2), RDO_CQP_BAD_PARAM);
    rdo_pair_cmd_ok(&v.rdo, rdo_cmd_new(RDO_CMD_DESTROY_QP, MV_QPN + 1));
    rdo_pair_cmd_ok(&p.rdo, rdo_cmd_new(RDO_CMD_DESTROY_QP, MV_QPN + 1));
    rdo_pair_cmd_ok(&v.rdo, rdo_cmd_new(RDO_CMD_DESTROY_SRQ, MV_SRQN));
    /* The destination without room: its PD number, then its CQ number taken
     * there; an EQ it does not have; a doorbell page beyond its BAR. */
    qrdo_cmd_expect(&vf2, rdo_cmd_create_pd(mv_layout[1].pdn, 0), RDO_CQP_OK);
    mv_refused(&pf, &vf1, &f, mv_move_cmd(MV_QPN, 1, 2), RDO_CQP_NO_RESOURCES);
    qrdo_cmd_expect(&vf2, rdo_cmd_new(RDO_CMD_DESTROY_PD, mv_layout[1].pdn),
                    RDO_CQP_OK);
    {
        QRdoCompRing ring;

        qrdo_drv_create_cq(&vf2, mv_layout[1].cqn, 0, 0, &ring);
        mv_refused(&pf, &vf1, &f, mv_move_cmd(MV_QPN, 1, 2),
                   RDO_CQP_NO_RESOURCES);
        qrdo_cmd_expect(&vf2, rdo_cmd_new(RDO_CMD_DESTROY_CQ, mv_layout[1].cqn),
                        RDO_CQP_OK);
    }
    c = mv_move_cmd(MV_QPN, 1, 2);
    c.u.move_qp.eqn = 3;
    mv_refused(&pf, &vf1, &f, c, RDO_CQP_NOT_FOUND);
    c = mv_move_cmd(MV_QPN, 1, 2);
    c.u.move_qp.qp_db_page = DB_PAGES;
    mv_refused(&pf, &vf1, &f, c, RDO_CQP_BAD_PARAM);
    /* Nothing disturbed: the connection carries data from VF 1 as before. */
    mv_traffic(&f, &p, &v, 1);
    g_assert_cmpuint(qrdo_read(&f.pf, RDO_REG_CNT_ISOLATION), ==, 0);
    g_assert_cmpuint(qrdo_read(&f.vf[2], RDO_REG_CNT_ISOLATION), ==, 0);

    /* The move, with a WRITE rung on VF 1 just before it. */
    {
        uint64_t src = v.layout->mr_iova + 0x80001, dst = p.layout->mr_iova + 0x80003;
        struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 0x600);
        struct rdo_sge sge = rdo_pair_sge(&v.rdo, src, 20000);

        rdo_pair_fill(&v.rdo, src, 20000, 0x600);
        w.remote_addr = dst;
        w.rkey = p.mr_key;
        rdo_pair_post_send(&v.rdo, 0, &w, &sge, 1, NULL, NULL);
        c = mv_move_cmd(MV_QPN, 1, 2);
        g_assert_cmpuint(qrdo_cmd_exec(&pf, &c, NULL), ==, RDO_CQP_OK);
        /* VF 2's driver takes over: its commands, doorbells and EQs. */
        v.dev = &f.vf[2];
        v.drv = &vf2;
        mv_wait(&f, &v, 1);
        mv_expect(&v, 0x600, RDO_CQE_RDMA_WRITE);
        mv_same(&v, src, &p, dst, 20000);
    }
    g_assert_true(qrdo_eq_poll(&vf2, &vf2.eq0, &eqe));
    g_assert_cmphex(eqe.type, ==, RDO_EQE_QP_ARRIVED);
    g_assert_cmpuint(eqe.obj, ==, MV_QPN);
    g_assert_cmpuint(eqe.data, ==, 1);
    g_assert_cmpuint(qrdo_read(&f.vf[1], RDO_REG_CNT_QP_MOVED_OUT), ==, 1);
    g_assert_cmpuint(qrdo_read(&f.vf[2], RDO_REG_CNT_QP_MOVED_IN), ==, 1);
    mv_traffic(&f, &p, &v, 2);
    mv_traffic(&f, &p, &v, 3);
    /* The QP is VF 2's now, in RTS, and so is the PF's end; VF 1 cannot
     * name it. */
    g_assert_cmpuint(mv_qp_state(&vf2, MV_QPN, &state), ==, RDO_CQP_OK);
    g_assert_cmpuint(state, ==, RDO_QPS_RTS);
    g_assert_cmpuint(mv_qp_state(&pf, MV_QPN, &state), ==, RDO_CQP_OK);
    g_assert_cmpuint(state, ==, RDO_QPS_RTS);
    g_assert_cmpuint(mv_qp_state(&vf1, MV_QPN, &state), !=, RDO_CQP_OK);
    g_assert_cmpuint(qrdo_read(&f.vf[2], RDO_REG_CNT_ISOLATION), ==, 0);
    g_assert_cmpuint(qrdo_read(&f.vf[2], RDO_REG_ERR_COUNT), ==, 0);
    g_assert_cmpuint(qrdo_read(&f.pf, RDO_REG_ERR_COUNT), ==, 0);
    qrdo_drv_assert_alive(&vf1);
    fx_free(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/rdma-offload/sriov/enable", test_enable);
    qtest_add_func("/rdma-offload/sriov/partition", test_partition);
    qtest_add_func("/rdma-offload/sriov/move-qp", test_move_qp);
    return g_test_run();
}
