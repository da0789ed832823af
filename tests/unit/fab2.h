/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The second port's fabric for unit tests and the bench: adapter A has
 * two ports (ports=2), B is cabled to its port 1 and C to its port 2 (or,
 * `cable`, A's port 1 to its own port 2). Frames cross as soon as a
 * core's port sends them (the cores keep timed frames until they leave);
 * one virtual clock for all, as QEMU's devices share theirs.
 */
#ifndef RDO_FAB2_H
#define RDO_FAB2_H

#include "test-pair.h"

#define MTU_1024 3      /* path MTU code: 128 << 3 */

extern const uint8_t fab_mac2[6];   /* A's port 2 */

typedef struct Fab {
    RdoPairLayout layout;
    PairSide a, b, c;
    PairSide a2;        /* A as port 2's peers see it: MAC, GID of port 2 */
    bool cable;         /* A's port 1 cabled to its own port 2, no B or C */
    TestFrames spare;   /* a log swapped in while one is delivered */
} Fab;

/* The default test configuration with port 2 (MAC fab_mac2) connected. */
RdoConfig two_port_config(void);
/* A on `ca` (NULL: two_port_config()), B and C on `cb` (NULL: defaults)
 * unless cable; port 2's GID 0 is 10.0.0.9. */
void fab_init_cfg(Fab *f, bool cable, const RdoConfig *ca, const RdoConfig *cb);
void fab_init(Fab *f, bool cable);
void fab_free(Fab *f);
/* Host i: A, B, C (NULL past the last). */
TestHost *fab_host(Fab *f, int i);
/* Frames over the cables, else time to the earliest wake-up (<= end);
 * false if there was nothing to do. */
bool fab_step(Fab *f, uint64_t end);
/* Until `cqes` completions wait on side s's CQ, or limit ns passed. */
bool fab_run_cqes(Fab *f, PairSide *s, uint32_t cqes, uint64_t limit);
/* Slot i of x (bound to `port` of x) and slot i of y, an RC connection at
 * path MTU 1024; y's QP sends to x as x_seen, to QP y_dest_qpn. */
void fab_connect(PairSide *x, const PairSide *x_seen, unsigned port,
                 PairSide *y, int i, uint32_t y_dest_qpn);
/* The same at a path MTU code. */
void fab_connect_mtu(PairSide *x, const PairSide *x_seen, unsigned port,
                     PairSide *y, int i, uint32_t y_dest_qpn, uint8_t mtu);
/* An RDMA WRITE of one SGE of s's MR to dst under rkey. */
void post_write(PairSide *s, int i, uint64_t wr_id, uint64_t src,
                uint32_t len, uint64_t dst, uint32_t rkey);

/* Goodput of fab_stream: per port and summed, over the common span. */
typedef struct FabRun {
    double gbps[2];
    double sum_gbps;
    uint64_t span_ns;
} FabRun;
FabRun fab_stream(const RdoTimingConfig *tm, uint8_t mtu_code, bool use1,
                  bool use2, uint32_t msg, uint32_t depth, uint64_t total);

#endif
