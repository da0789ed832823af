/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Workloads of the bus's per-flow queues (docs/timing-model.md "Bus
 * arbitration"), shared by test-flowq and bench-flowq. Simulated time:
 * every figure is the same on every run.
 */
#ifndef RDO_FLOWQ_WORK_H
#define RDO_FLOWQ_WORK_H

#include "test-pair.h"

/*
 * A 64-byte WRITE on one QP while another streams 1 MiB WRITEs into a
 * responder on a narrow slot (rx_lanes of PCIe Gen4: its placement is
 * slower than the 100 GbE link, the payload backlog queues there).
 */
typedef struct FlowqLat {
    uint64_t placed_ps;         /* doorbell to its 64 bytes in the
                                   responder's memory (as ib_write_lat sees) */
    uint64_t cqe_ps;            /* doorbell to its CQE at the requester */
    uint64_t stream_ps;         /* the stream: first doorbell to last CQE */
    uint64_t resp_bus_wait_cycles;
} FlowqLat;
FlowqLat flowq_latency(uint32_t arb, uint32_t rx_lanes);

/*
 * The arbiter alone: n flows (QPs 2..n+1, flow class cls[i] or 0) keep 4
 * payload writes each outstanding on one device's bus, flow i's of
 * size[i % nsize] bytes (a bulk flow beside small ones), each issued when
 * the flow's oldest completes; goodput of each over a window after a
 * warm-up.
 */
#define FLOWQ_FLOWS_MAX 16
typedef struct FlowqShare {
    uint32_t n;
    double gbps[FLOWQ_FLOWS_MAX];
    double total_gbps;
    double jain;                /* of the goodputs */
    double jain_weighted;       /* of goodput / the flow's expected share */
    double worst_share_err;     /* largest |share - expected| / expected */
} FlowqShare;
FlowqShare flowq_fairness(uint32_t arb, uint32_t n, const uint8_t *cls,
                          uint32_t class_weights, const uint32_t *size,
                          uint32_t nsize, const uint32_t *depth, uint32_t ndepth);
/* Jain's index: (sum x)^2 / (n sum x^2). */
double flowq_jain(const double *x, uint32_t n);

#endif
