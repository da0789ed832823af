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
    MemoryRegion doorbells;
    MemoryRegion msix;
    NICState *nic;
    NICConf conf;
    QEMUTimer *wakeup;

    RdoConfig cfg;              /* from the properties */

    unsigned busy;              /* calls into the core in progress */
    bool rx_waiting;            /* frames queued while the core was busy */
    uint64_t tx_frames, rx_frames;  /* to and from the netdev */

    RdoCore core;
    /* Migration: the core's state stream while it is saved or loaded. */
    uint8_t *mig_buf;
    uint32_t mig_len;
};

/* The core's host interface over QEMU; a VF's differs in its timer. */
extern const RdoHostOps rdo_qemu_host_ops;

/* SR-IOV (rdma-offload-vf.c): the PF's capability and its VFs. */
#define TYPE_RDMA_OFFLOAD_VF "rdma-offload-vf"
bool rdo_sriov_realize(PCIDevice *pf, const RdoConfig *cfg, Error **errp);

#endif /* HW_RDMA_OFFLOAD_H */
