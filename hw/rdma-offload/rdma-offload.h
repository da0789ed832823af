/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rdma-offload: QEMU device state around the QEMU-free core. */
#ifndef HW_RDMA_OFFLOAD_H
#define HW_RDMA_OFFLOAD_H

#include "hw/pci/pci_device.h"
#include "net/net.h"
#include "qemu/timer.h"
#include "qom/object.h"
#include "core/rdo-core.h"

#define TYPE_RDMA_OFFLOAD "rdma-offload"
OBJECT_DECLARE_SIMPLE_TYPE(RdmaOffloadState, RDMA_OFFLOAD)

struct RdmaOffloadState {
    PCIDevice parent_obj;

    MemoryRegion regs;
    uint32_t inject_engine;     /* x-inject-engine-fault-on: the engine */
    MemoryRegion doorbells;
    MemoryRegion bar2;          /* doorbells, then push_ram (x-push-ram) */
    MemoryRegion push_ram;
    bool push_ram_on;           /* x-push-ram (default on) */
    OnOffAuto db_inline;        /* x-doorbell-inline: due work runs in the doorbell's thread */
    uint64_t db_inline_frames;  /* frames it sent (QOM counters) */
    MemoryRegion msix;
    NICState *nic;
    NICConf conf;
    NICState *nic2;             /* port 2 (ports=2): netdev2, mac2 */
    NICConf conf2;
    QEMUTimer *wakeup;
    /*
     * Frames the timing model handed over with the time they leave
     * (RdoHostOps.send_frame_at), oldest first; tx_timer sends them then.
     * Sent buffers are kept in tx_free for the next ones. Not migrated:
     * like every frame on the wire, they are lost in a migration.
     */
    QEMUTimer *tx_timer;
    GQueue tx_timed, tx_free;
    bool tx_at;                 /* x-send-frame-at (default on) */
    RdoHostOps ops;             /* rdo_qemu_host_ops, + send_frame_at */

    RdoConfig cfg;              /* from the properties */

    unsigned busy;              /* calls into the core in progress */
    bool rx_waiting;            /* frames queued while the core was busy */
    uint64_t tx_frames, rx_frames;  /* to and from the netdev */
    uint64_t tx2_frames, rx2_frames;    /* the same, netdev2 */

    RdoCore core;
    /* Migration: the core's state stream while it is saved or loaded. */
    uint8_t *mig_buf;
    uint32_t mig_len;
};

/* The core's host interface over QEMU; a VF's differs in its timer. */
extern const RdoHostOps rdo_qemu_host_ops;

/* PCI function glue of the PF and the VFs alike (rdma-offload-pci.c). */
#define RDO_BAR_REGS_TYPE \
    (PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_64)
/* Prefetchable so drivers may map it write-combined for WQE push. */
#define RDO_BAR_DOORBELL_TYPE \
    (RDO_BAR_REGS_TYPE | PCI_BASE_ADDRESS_MEM_PREFETCH)
/* BAR 0 and 2: every access reaches the core, which reports the bad ones. */
#define RDO_MMIO_OPS(rd, wr) { \
    .read = rd, .write = wr, .endianness = DEVICE_LITTLE_ENDIAN, \
    .valid = { .min_access_size = 1, .max_access_size = 8, .unaligned = true }, \
    .impl = { .min_access_size = 1, .max_access_size = 8, .unaligned = true }, \
}
/*
 * The function's BARs (registers, doorbells for cfg's pages, MSI-X with
 * cfg's vectors, all in use) and its PCIe capability with FLR; the MMIO
 * handlers get the device as opaque. With `push_ram`, BAR 2 is `bar2`:
 * the doorbell pages and then a push page of RAM for each
 * (RDO_CAP_PUSH_RAM); without (NULL, NULL), the doorbell pages alone. On
 * failure nothing is left to undo.
 */
bool rdo_pci_function_realize(PCIDevice *pci, MemoryRegion *regs,
                              const MemoryRegionOps *reg_ops,
                              MemoryRegion *doorbells,
                              const MemoryRegionOps *db_ops,
                              MemoryRegion *bar2, MemoryRegion *push_ram,
                              const RdoConfig *cfg, Error **errp);
/* Undoes rdo_pci_function_realize (the regions as given to it). */
void rdo_pci_function_exit(PCIDevice *pci, MemoryRegion *bar2,
                           MemoryRegion *doorbells, MemoryRegion *push_ram);
/* The function's IDs; its subsystem is the device itself. */
void rdo_pci_class_ids(PCIDeviceClass *pc, uint16_t device_id);
/* The core asks for a wake-up at when_ns: the earliest asked wins. */
void rdo_timer_schedule(QEMUTimer *timer, uint64_t when_ns);

/* SR-IOV (rdma-offload-vf.c): the PF's capability and its VFs. */
#define TYPE_RDMA_OFFLOAD_VF "rdma-offload-vf"
bool rdo_sriov_realize(PCIDevice *pf, const RdoConfig *cfg, Error **errp);

#endif /* HW_RDMA_OFFLOAD_H */
