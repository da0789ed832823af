/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libqos driver node for the rdma-offload adapter. */
#ifndef QGRAPH_RDMA_OFFLOAD_H
#define QGRAPH_RDMA_OFFLOAD_H

#include "qgraph.h"
#include "pci.h"
#include "hw/rdma-offload/rdo-hw.h"

/* MAC given to the device by the qgraph edge, checked by the tests. */
#define QRDO_TEST_MAC       "52:54:00:0f:de:01"
#define QRDO_TEST_MAC_LO    0x0f005452u
#define QRDO_TEST_MAC_HI    0x01deu

typedef struct QRdmaOffload {
    QOSGraphObject obj;
    QPCIDevice pci;
    QPCIBar regs;
    QPCIBar doorbells;
    uint64_t regs_size;
    uint64_t doorbells_size;
} QRdmaOffload;

static inline uint32_t qrdo_read(QRdmaOffload *d, uint32_t reg)
{
    return qpci_io_readl(&d->pci, d->regs, reg);
}

static inline void qrdo_write(QRdmaOffload *d, uint32_t reg, uint32_t val)
{
    qpci_io_writel(&d->pci, d->regs, reg, val);
}

#endif
