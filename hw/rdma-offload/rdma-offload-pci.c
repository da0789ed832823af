/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload: the PCI function glue the PF (rdma-offload.c) and its VFs
 * (rdma-offload-vf.c) have alike: the register and doorbell BARs, MSI-X
 * in a BAR of its own, the PCIe capability with FLR, the IDs, and the
 * rule of the wake-up timer. What differs (the port, migration, SR-IOV)
 * stays with each.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/pci/msix.h"
#include "hw/pci/pcie.h"
#include "migration/vmstate.h"

#include "rdma-offload.h"

static void rdo_pci_write_config(PCIDevice *pci, uint32_t addr, uint32_t val,
                                 int len)
{
    pci_default_write_config(pci, addr, val, len);
    /* Function-level reset goes through the device's reset. */
    pcie_cap_flr_write_config(pci, addr, val, len);
}

/*
 * BAR 2 with push RAM: the doorbell pages (MMIO), then as many push pages
 * of RAM, which the guest writes at memory speed (no exit per store under
 * TCG, write-combined under KVM). memory_region_init_ram registers the RAM
 * for migration under the device's path, so it migrates as RAM.
 */
static bool rdo_pci_bar2_with_push_ram(PCIDevice *pci, MemoryRegion *bar2,
                                       MemoryRegion *doorbells,
                                       MemoryRegion *push_ram,
                                       uint64_t db_size, Error **errp)
{
    const char *type = object_get_typename(OBJECT(pci));
    g_autofree char *bar_name = g_strdup_printf("%s-bar2", type);
    g_autofree char *ram_name = g_strdup_printf("%s-push-ram", type);

    if (!memory_region_init_ram(push_ram, OBJECT(pci), ram_name, db_size,
                                errp)) {
        return false;
    }
    memory_region_init(bar2, OBJECT(pci), bar_name, 2 * db_size);
    memory_region_add_subregion(bar2, 0, doorbells);
    memory_region_add_subregion(bar2, db_size, push_ram);
    return true;
}

/*
 * Undoes rdo_pci_bar2_with_push_ram. The container's subregions hold
 * references to their owner, the device itself, which would never be
 * finalized (nor DEVICE_DELETED sent) while they are in; the RAM's
 * migration name is given up at once, not when the region is freed after
 * RCU, so that a device added again at the same address can take it (as
 * pci_del_option_rom does for a ROM BAR).
 */
static void rdo_pci_push_ram_release(PCIDevice *pci, MemoryRegion *bar2,
                                     MemoryRegion *doorbells,
                                     MemoryRegion *push_ram)
{
    if (push_ram) {
        memory_region_del_subregion(bar2, doorbells);
        memory_region_del_subregion(bar2, push_ram);
        vmstate_unregister_ram(push_ram, DEVICE(pci));
    }
}

bool rdo_pci_function_realize(PCIDevice *pci, MemoryRegion *regs,
                              const MemoryRegionOps *reg_ops,
                              MemoryRegion *doorbells,
                              const MemoryRegionOps *db_ops,
                              MemoryRegion *bar2, MemoryRegion *push_ram,
                              const RdoConfig *cfg, Error **errp)
{
    const char *type = object_get_typename(OBJECT(pci));
    g_autofree char *regs_name = g_strdup_printf("%s-regs", type);
    g_autofree char *db_name = g_strdup_printf("%s-doorbells", type);
    uint64_t db_size = (uint64_t)cfg->doorbell_pages * RDO_DB_PAGE_SIZE;

    pci->config_write = rdo_pci_write_config;
    /* Interrupts are MSI-X only; there is no INTx pin. */
    pci->config[PCI_INTERRUPT_PIN] = 0;

    memory_region_init_io(regs, OBJECT(pci), reg_ops, pci, regs_name,
                          RDO_BAR_REGS_SIZE);
    pci_register_bar(pci, RDO_BAR_REGS, RDO_BAR_REGS_TYPE, regs);
    memory_region_init_io(doorbells, OBJECT(pci), db_ops, pci, db_name,
                          db_size);
    if (push_ram) {
        if (!rdo_pci_bar2_with_push_ram(pci, bar2, doorbells, push_ram,
                                        db_size, errp)) {
            return false;
        }
        pci_register_bar(pci, RDO_BAR_DOORBELL, RDO_BAR_DOORBELL_TYPE, bar2);
    } else {
        pci_register_bar(pci, RDO_BAR_DOORBELL, RDO_BAR_DOORBELL_TYPE,
                         doorbells);
    }

    if (msix_init_exclusive_bar(pci, cfg->msix_vectors, RDO_BAR_MSIX, errp)) {
        rdo_pci_push_ram_release(pci, bar2, doorbells, push_ram);
        return false;
    }
    for (unsigned i = 0; i < cfg->msix_vectors; i++) {
        msix_vector_use(pci, i);
    }
    if (pcie_endpoint_cap_init(pci, 0x80) < 0) {
        error_setg(errp, "%s: cannot add the PCIe capability", type);
        msix_unuse_all_vectors(pci);
        msix_uninit_exclusive_bar(pci);
        rdo_pci_push_ram_release(pci, bar2, doorbells, push_ram);
        return false;
    }
    pcie_cap_flr_init(pci);
    return true;
}

void rdo_pci_function_exit(PCIDevice *pci, MemoryRegion *bar2,
                           MemoryRegion *doorbells, MemoryRegion *push_ram)
{
    pcie_cap_exit(pci);
    msix_unuse_all_vectors(pci);
    msix_uninit_exclusive_bar(pci);
    rdo_pci_push_ram_release(pci, bar2, doorbells, push_ram);
}

void rdo_pci_class_ids(PCIDeviceClass *pc, uint16_t device_id)
{
    pc->vendor_id = RDO_PCI_VENDOR_ID;
    pc->device_id = device_id;
    pc->revision = RDO_PCI_REVISION;
    pc->class_id = RDO_PCI_CLASS;
    pc->subsystem_vendor_id = RDO_PCI_VENDOR_ID;
    pc->subsystem_id = device_id;
}

void rdo_timer_schedule(QEMUTimer *timer, uint64_t when_ns)
{
    /* The earliest request wins; the core re-asks for later ones. */
    if (!timer_pending(timer) || when_ns < timer_expire_time_ns(timer)) {
        timer_mod(timer, when_ns);
    }
}
