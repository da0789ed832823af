/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Workloads of the timing model on two cores back to back (test-pair):
 * shared by the timing unit tests and the bench (./scripts/bench). Every
 * figure except wall_ns is simulated time and the same on every run.
 */
#ifndef RDO_TIMING_WORK_H
#define RDO_TIMING_WORK_H

#include "test-pair.h"

typedef struct WorkResult {
    uint64_t msgs, bytes;       /* completed work requests, payload */
    uint64_t sim_ps;            /* simulated time measured */
    double gbps;                /* goodput, Gbit/s */
    double mrate;               /* million messages per second */
    double lat_ns;              /* mean latency */
    double irqs_per_msg;
    uint64_t wall_ns;           /* wall-clock time of the run */
    uint64_t cpu_ns;            /* work_write_stream: its CPU time */
    double wall_ns_per_msg;     /* work_qp_scale: per message measured */
    double cpu_ns_per_msg;      /* work_qp_scale: the same in CPU time */
    uint64_t heap_per_adapter;  /* work_qp_scale: the model's heap, bytes */
    uint64_t wakeups;           /* the host's calls of rdo_core_wakeup, both */
    RdoCounters cnt[2];
    RdoTimingCounters tcnt[2];
} WorkResult;

/* A hash (FNV-1a) of the device counters of both sides and side 0's
 * work-request lifecycles of every workload finished so far: simulated
 * state beyond the figures a workload reports (bench-timing sim). */
extern uint64_t work_sim_hash;
/* The pairs' hosts leave the timed frames to the core (a wake-up per
 * frame, as QEMU's glue does) instead of taking them. */
extern bool work_core_keeps_frames;
/* work_write_stream: bytes added to every source and destination address
 * (0: the buffers start on a page; else they are that far off). */
extern uint32_t work_buf_offset;

/* Both sides' configuration: timing on or off at a link speed, a QP
 * context cache size and a look-ahead depth; the rest defaults. */
RdoConfig work_config(bool timing, uint32_t gbps, uint32_t cache,
                      uint32_t lookahead);
/* The goodput a link allows for RDMA WRITEs of msg bytes at an MTU,
 * counting every byte a frame occupies on the wire. */
double work_wire_limit(uint32_t gbps, uint32_t mtu, uint32_t msg);

/* RDMA WRITEs of msg bytes on one RC QP, `depth` outstanding, until
 * `total` bytes moved; goodput from the first doorbell to the last CQE. */
WorkResult work_write_stream(const RdoConfig *cfg, uint8_t mtu_code,
                             uint32_t msg, uint64_t total, uint32_t depth);
/* 64-byte RDMA WRITEs on nqp RC QPs, each keeping `depth` outstanding,
 * one doorbell per WQE; message rate over the last three quarters. */
WorkResult work_msg_rate(const RdoConfig *cfg, uint32_t nqp, uint32_t depth,
                         uint32_t msgs);
/* One 64-byte WRITE at a time: doorbell (WQE fetched) or inline push;
 * mean doorbell-to-CQE latency. */
WorkResult work_latency(const RdoConfig *cfg, bool push, uint32_t iters);
/* 64-byte WRITEs, 16 outstanding, completions taken on interrupts only
 * (CQ and EQ re-armed after each); CQ moderation on or off. Latency is
 * doorbell to the interrupt that reports the completion. */
WorkResult work_irq(const RdoConfig *cfg, bool moderation, uint32_t msgs);

/*
 * 64-byte WRITEs spread over nqp RC QPs in turn (QP i carries messages i,
 * i + nqp, ...), one doorbell each, SCALE_WINDOW outstanding in all: the
 * host's cost per message as the number of QPs grows. Wall ns per message
 * over the second half of `msgs` (the QPs' set-up and first use not
 * counted), and the heap the model's state takes per adapter (malloc'd
 * bytes with every QP connected and used, less the harness's guest memory
 * and QP slots).
 */
WorkResult work_qp_scale(const RdoConfig *cfg, uint32_t nqp, uint32_t msgs);

#endif
