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
    /* The device went into the catastrophic state (optional, for tracing). */
    void (*fatal)(void *host, enum rdo_fatal_cause cause, const char *what);
} RdoHostOps;

/* Fixed at creation (device properties). */
typedef struct RdoConfig {
    uint32_t msix_vectors;
    uint32_t doorbell_pages;
    uint8_t mac[6];
    bool has_port;          /* connected to a network backend */
    /* Resource limits. */
    uint32_t max_qp, max_cq, max_eq, max_pd, max_mr, max_srq, max_gid;
    /* Context caches: entries held on the device. */
    uint32_t qpc_cache_entries, mrc_cache_entries;
    /* Virtual time one control command takes, and per page of an MR. */
    uint32_t cqp_cmd_ns, cqp_page_ns;
    /* Fault injection on transmit (fault.c): rates in parts per million. */
    uint64_t fault_seed;
    uint32_t fault_drop_ppm, fault_corrupt_ppm, fault_dup_ppm, fault_reorder_ppm;
    uint32_t fault_burst;       /* frames one drop takes in a row; 0, 1: one */
    uint64_t fault_delay_ns;    /* every frame is held this long */
} RdoConfig;

/* Defaults for the configuration (the QEMU properties use these too). */
#define RDO_DEFAULT_MAX_QP          1024
#define RDO_DEFAULT_MAX_CQ          1024
#define RDO_DEFAULT_MAX_PD          1024
#define RDO_DEFAULT_MAX_MR          4096
#define RDO_DEFAULT_MAX_SRQ         256
#define RDO_DEFAULT_MAX_GID         16
#define RDO_DEFAULT_QPC_CACHE       64
#define RDO_DEFAULT_MRC_CACHE       128
#define RDO_DEFAULT_CQP_CMD_NS      1000
#define RDO_DEFAULT_CQP_PAGE_NS     10
#define RDO_LIMIT_MAX               (1u << 20)

void rdo_config_defaults(RdoConfig *cfg);

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
    /* Control path set-up registers. */
    uint64_t cqp_ring, cqp_comp;
    uint32_t cqp_log_size;
    uint64_t eq0_ring;
    uint32_t eq0_log_size;
    uint64_t qpc_pglist, mrc_pglist;
    uint32_t qpc_pages, mrc_pages;
    uint32_t fatal_cause;       /* RDO_FATAL_*: nonzero stops the device */
} RdoRegs;

/* Counters readable by the driver (RDO_REG_CNT_*) and by the host. */
typedef struct RdoCounters {
    uint32_t cqp_cmds, cqp_errors, mr_stalls;
    uint32_t qpc_hits, qpc_misses, mrc_hits, mrc_misses;
    uint32_t eqes, cqes, eq_overflows, db_errors;
    /* Data path. */
    uint32_t tx_packets, rx_packets, rx_icrc_errors, rx_drops;
    uint32_t retransmits, timeouts, naks_sent, naks_received, acks_sent;
    uint32_t dup_requests, rx_placements, tx_errors, eth_rx_frames, push_wqes;
    /* Ethernet function. */
    uint32_t eth_tx_frames, eth_tx_bytes, eth_tso_segments, eth_tx_csum;
    uint32_t eth_tx_errors, eth_rx_bytes, eth_rx_buffers, eth_rx_csum_ok;
    uint32_t eth_rx_csum_bad, eth_lro_segments, eth_lro_flushes;
    uint32_t eth_rx_no_buf, eth_rx_filtered, eth_rx_errors;
    /* Fault injection (host-visible only). */
    uint32_t fault_drops, fault_corrupts, fault_dups, fault_reorders;
} RdoCounters;

typedef struct RdoState RdoState;   /* control-path state, rdo-internal.h */

typedef struct RdoCore {
    const RdoHostOps *ops;
    void *host;
    RdoConfig cfg;
    RdoRegs regs;
    RdoCounters cnt;
    bool link_up;
    uint64_t rx_frames_ignored;
    RdoState *st;
} RdoCore;

/* Checks a configuration; on failure returns false and sets *why. */
bool rdo_config_valid(const RdoConfig *cfg, const char **why);

void rdo_core_init(RdoCore *core, const RdoConfig *cfg,
                   const RdoHostOps *ops, void *host);
void rdo_core_destroy(RdoCore *core);
void rdo_core_reset(RdoCore *core);
/* The host calls this at the time asked for through RdoHostOps.schedule. */
void rdo_core_wakeup(RdoCore *core);
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

/*
 * The catastrophic state (eq.c): the device stops all work until a reset,
 * tells the driver through STATUS, EQ 0 and MSI-X vector 0. `guest_fault`
 * also logs it as a driver mistake. The first cause stays.
 */
void rdo_core_fatal(RdoCore *core, enum rdo_fatal_cause cause,
                    bool guest_fault, const char *what);
static inline bool rdo_core_is_fatal(const RdoCore *core)
{
    return core->regs.fatal_cause != RDO_FATAL_NONE;
}

#endif /* RDO_CORE_H */
