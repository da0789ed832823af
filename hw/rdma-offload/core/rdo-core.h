/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload adapter core: the device logic, free of QEMU.
 *
 * The core sees its host (QEMU, or a unit-test harness) only through
 * RdoHostOps: guest-memory DMA, interrupts, frames to the wire, virtual time
 * and wake-ups, and a sink for driver mistakes. Everything the guest or the
 * wire hands the core is untrusted and checked here, so every host gets the
 * same checks.
 */
#ifndef RDO_CORE_H
#define RDO_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/rdma-offload/rdo-hw.h"

typedef struct RdoHostOps {
    /* Guest-memory DMA; 0 on success, negative if any byte failed. */
    int (*dma_read)(void *host, uint64_t addr, void *buf, size_t len);
    int (*dma_write)(void *host, uint64_t addr, const void *buf, size_t len);
    /* Signal an MSI-X vector (the host handles masking and pending bits). */
    void (*raise_irq)(void *host, unsigned vector);
    /* Hand one Ethernet frame (no FCS) to the port's network backend. */
    void (*send_frame)(void *host, const void *frame, size_t len);
    /* Virtual time in nanoseconds, and a request to run rdo_core_wakeup(). */
    uint64_t (*now_ns)(void *host);
    void (*schedule)(void *host, uint64_t when_ns);
    /* A driver mistake, already recorded in the error registers. */
    void (*guest_error)(void *host, enum rdo_err err, uint64_t addr,
                        const char *what);
} RdoHostOps;

/* Fixed at creation (device properties). */
typedef struct RdoConfig {
    uint32_t msix_vectors;
    uint32_t doorbell_pages;
    uint8_t mac[6];
    bool has_port;          /* connected to a network backend */
} RdoConfig;

#define RDO_MSIX_VECTORS_MAX    2048
#define RDO_DOORBELL_PAGES_MAX  4096

/* Guest-visible register state; all of it returns to zero on reset. */
typedef struct RdoRegs {
    uint32_t control;
    uint32_t scratch;
    uint32_t err_count;
    uint32_t err_last;
    uint64_t err_addr;
    uint32_t db_writes;
    uint32_t irq_test_count;
} RdoRegs;

typedef struct RdoCore {
    const RdoHostOps *ops;
    void *host;
    RdoConfig cfg;
    RdoRegs regs;
    bool link_up;
    uint64_t rx_frames_ignored;
} RdoCore;

/* Checks a configuration; on failure returns false and sets *why. */
bool rdo_config_valid(const RdoConfig *cfg, const char **why);

void rdo_core_init(RdoCore *core, const RdoConfig *cfg,
                   const RdoHostOps *ops, void *host);
void rdo_core_reset(RdoCore *core);
void rdo_core_set_link(RdoCore *core, bool up);

/* BAR0 register file (regs.c). */
uint64_t rdo_core_reg_read(RdoCore *core, uint64_t offset, unsigned size);
void rdo_core_reg_write(RdoCore *core, uint64_t offset, uint64_t value,
                        unsigned size);

/* BAR2 doorbell pages (doorbell.c). */
uint64_t rdo_core_db_read(RdoCore *core, uint64_t offset, unsigned size);
void rdo_core_db_write(RdoCore *core, uint64_t offset, uint64_t value,
                       unsigned size);

/* A frame from the wire (Ethernet header on, no FCS). */
void rdo_core_receive(RdoCore *core, const void *frame, size_t len);

/* Records a driver mistake in the error registers and tells the host. */
void rdo_core_guest_error(RdoCore *core, enum rdo_err err, uint64_t addr,
                          const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

const char *rdo_err_name(enum rdo_err err);

#endif /* RDO_CORE_H */
