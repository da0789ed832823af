/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload: SR-IOV. The PF's SR-IOV capability and its virtual
 * functions, `rdma-offload-vf` (made by the PF, not by the user). Each VF
 * is a PCI function with its own BARs (registers, doorbell pages, MSI-X),
 * its own core (core/: rdo_vf_init) on the PF's partition, and its own
 * wake-up timer; its DMA goes through its own PCIDevice, so an IOMMU sees
 * the VF's requester ID. The PF's core switches frames between the
 * functions and the port.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qapi/error.h"
#include "hw/pci/pcie_sriov.h"
#include "migration/vmstate.h"
#include "trace.h"

#include "rdma-offload.h"

OBJECT_DECLARE_SIMPLE_TYPE(RdmaOffloadVfState, RDMA_OFFLOAD_VF)

struct RdmaOffloadVfState {
    PCIDevice parent_obj;

    MemoryRegion regs;
    MemoryRegion doorbells;
    QEMUTimer *wakeup;
    RdoCore core;
};

/* BAR 4's size for `n` vectors: msix_init_exclusive_bar's layout (table at
 * 0, PBA at half of 4 KiB or after the table), which the PF declares. */
static uint64_t rdo_vf_msix_bar_size(uint32_t n)
{
    uint32_t pba = MAX(4096 / 2, n * PCI_MSIX_ENTRY_SIZE);

    return pow2ceil(MAX(4096, pba + QEMU_ALIGN_UP(n, 64) / 8));
}

bool rdo_sriov_realize(PCIDevice *pf, const RdoConfig *cfg, Error **errp)
{
    uint16_t n = cfg->sriov_max_vfs;

    if (!pcie_sriov_pf_init(pf, RDO_SRIOV_CAP_OFFSET, TYPE_RDMA_OFFLOAD_VF,
                            RDO_PCI_VF_DEVICE_ID, n, n, RDO_SRIOV_VF_OFFSET,
                            RDO_SRIOV_VF_STRIDE, errp)) {
        return false;
    }
    /* The VFs' BARs, as rdo_pci_function_realize makes them. */
    pcie_sriov_pf_init_vf_bar(pf, RDO_BAR_REGS, RDO_BAR_REGS_TYPE,
                              RDO_BAR_REGS_SIZE);
    pcie_sriov_pf_init_vf_bar(pf, RDO_BAR_DOORBELL, RDO_BAR_DOORBELL_TYPE,
                              (uint64_t)cfg->doorbell_pages * RDO_DB_PAGE_SIZE);
    pcie_sriov_pf_init_vf_bar(pf, RDO_BAR_MSIX, PCI_BASE_ADDRESS_SPACE_MEMORY,
                              rdo_vf_msix_bar_size(cfg->msix_vectors));
    return true;
}

/* The PF's host interface, but the VF's timer (and no port of its own). */
static void rdo_vf_schedule(void *host, uint64_t when_ns)
{
    RdmaOffloadVfState *vf = host;

    rdo_timer_schedule(vf->wakeup, when_ns);
}

static RdoHostOps rdo_vf_host_ops;

static void rdo_vf_wakeup(void *opaque)
{
    RdmaOffloadVfState *vf = opaque;
    MemReentrancyGuard *guard = &DEVICE(vf)->mem_reentrancy_guard;
    bool was = guard->engaged_in_io;

    /* As the PF's: a DMA aimed at our own BARs fails, no re-entry. */
    guard->engaged_in_io = true;
    rdo_core_wakeup(&vf->core);
    guard->engaged_in_io = was;
}

static uint64_t rdo_vf_reg_read(void *opaque, hwaddr addr, unsigned size)
{
    RdmaOffloadVfState *vf = opaque;

    return rdo_core_reg_read(&vf->core, addr, size);
}

static void rdo_vf_reg_write(void *opaque, hwaddr addr, uint64_t val,
                             unsigned size)
{
    RdmaOffloadVfState *vf = opaque;

    rdo_core_reg_write(&vf->core, addr, val, size);
}

static uint64_t rdo_vf_db_read(void *opaque, hwaddr addr, unsigned size)
{
    RdmaOffloadVfState *vf = opaque;

    return rdo_core_db_read(&vf->core, addr, size);
}

static void rdo_vf_db_write(void *opaque, hwaddr addr, uint64_t val,
                            unsigned size)
{
    RdmaOffloadVfState *vf = opaque;

    rdo_core_db_write(&vf->core, addr, val, size);
}

static const MemoryRegionOps rdo_vf_reg_ops =
    RDO_MMIO_OPS(rdo_vf_reg_read, rdo_vf_reg_write);
static const MemoryRegionOps rdo_vf_db_ops =
    RDO_MMIO_OPS(rdo_vf_db_read, rdo_vf_db_write);

static void rdo_vf_realize(PCIDevice *pci, Error **errp)
{
    RdmaOffloadVfState *vf = RDMA_OFFLOAD_VF(pci);
    RdmaOffloadState *pf = RDMA_OFFLOAD(pcie_sriov_get_pf(pci));
    const RdoConfig *cfg = &pf->core.cfg;

    if (!rdo_pci_function_realize(pci, &vf->regs, &rdo_vf_reg_ops,
                                  &vf->doorbells, &rdo_vf_db_ops, NULL, NULL,
                                  cfg, errp)) {
        return;
    }
    vf->wakeup = timer_new_ns(QEMU_CLOCK_VIRTUAL, rdo_vf_wakeup, vf);
    rdo_vf_init(&vf->core, &pf->core, pcie_sriov_vf_number(pci) + 1,
                &rdo_vf_host_ops, vf);
}

static void rdo_vf_exit(PCIDevice *pci)
{
    RdmaOffloadVfState *vf = RDMA_OFFLOAD_VF(pci);

    timer_free(vf->wakeup);
    rdo_vf_destroy(&vf->core);
    rdo_pci_function_exit(pci, NULL, &vf->doorbells, NULL);
}

/* VF Enable set or cleared (pci_set_enabled resets the VF), FLR, or a bus
 * reset: the VF's core starts over on its current share. */
static void rdo_vf_reset_hold(Object *obj, ResetType type)
{
    RdmaOffloadVfState *vf = RDMA_OFFLOAD_VF(obj);

    timer_del(vf->wakeup);
    trace_rdma_offload_reset();
    rdo_vf_enable(&vf->core, PCI_DEVICE(obj)->enabled);
}

/*
 * Not migratable yet: the PF refuses migration once its control path runs,
 * and a VF's state (its core, its share) is not in any stream. The merge
 * with live migration adds the function number and the shares.
 */
static const VMStateDescription rdo_vf_vmstate = {
    .name = "rdma-offload-vf",
    .unmigratable = 1,
};

static void rdo_vf_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(klass);
    ResettableClass *rc = RESETTABLE_CLASS(klass);

    pc->realize = rdo_vf_realize;
    pc->exit = rdo_vf_exit;
    rdo_pci_class_ids(pc, RDO_PCI_VF_DEVICE_ID);
    rc->phases.hold = rdo_vf_reset_hold;
    dc->desc = "rdma-offload virtual function (made by the PF's SR-IOV)";
    dc->user_creatable = false;
    dc->vmsd = &rdo_vf_vmstate;
    set_bit(DEVICE_CATEGORY_NETWORK, dc->categories);

    rdo_vf_host_ops = rdo_qemu_host_ops;
    rdo_vf_host_ops.schedule = rdo_vf_schedule;
    rdo_vf_host_ops.send_frame = NULL;  /* the PF's core sends for it */
    rdo_vf_host_ops.send_frame2 = NULL; /* VFs are on port 1 only */
    /* No push RAM either: a VF's BAR 2 is its doorbell pages alone (the
     * PF's SR-IOV capability declares that size) and CAPS PUSH_RAM stays
     * clear, so its drivers use the MMIO push area. */
    rdo_vf_host_ops.push_ram = NULL;
}

static const TypeInfo rdo_vf_type_info = {
    .name = TYPE_RDMA_OFFLOAD_VF,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(RdmaOffloadVfState),
    .class_init = rdo_vf_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { }
    },
};

static void rdo_vf_register_types(void)
{
    type_register_static(&rdo_vf_type_info);
}

type_init(rdo_vf_register_types)
