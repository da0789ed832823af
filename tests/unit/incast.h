/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An incast in simulated time: N sender adapters and one receiver, each a
 * core on a TestHost, joined by one switch (incast.c). The switch has an
 * output queue per port, served at the port's speed; above Kmin bytes it
 * marks ECN-capable frames CE with a probability rising to Pmax at Kmax
 * (RED/ECN, as the DCQCN paper's switches; Kmin = Kmax is a plain
 * threshold), above Kmax every one, and it drops what does not fit under
 * the tail limit. Every sender streams RDMA WRITEs to the receiver.
 */
#ifndef RDO_INCAST_H
#define RDO_INCAST_H

#include "test-pair.h"

#define INCAST_MAX      16
#define INCAST_SAMPLES  64

typedef struct IncastConfig {
    uint32_t senders;           /* 1 .. INCAST_MAX */
    bool dcqcn;
    uint32_t link_gbps;         /* every port and adapter */
    uint64_t kmin, kmax;        /* marking thresholds, bytes */
    uint32_t pmax_ppm;          /* marking probability at kmax */
    uint64_t limit;             /* tail drop, bytes */
    uint32_t msg;               /* WRITE size */
    uint32_t depth;             /* outstanding per sender */
    uint64_t warmup_ns, run_ns; /* measured after the warm-up */
    const char *pcap;           /* capture of the receiver's port, or NULL */
} IncastConfig;

typedef struct IncastResult {
    double gbps;                /* goodput at the receiver, measured span */
    double sender_gbps[INCAST_MAX];
    double jain;                /* (sum x)^2 / (n sum x^2) of the senders */
    double q_mean, q_max;       /* receiver port queue, bytes (measured) */
    double q_series[INCAST_SAMPLES];   /* queue over the whole run */
    uint64_t marks, drops;      /* at the switch */
    uint64_t drops_measured;    /* of them after the warm-up */
    uint32_t failed;            /* senders whose QP failed (retries out) */
    uint64_t cnps, cnps_handled;
    uint64_t retransmits;
    uint64_t wall_ns;
} IncastResult;

/* The DCQCN paper's switch (Kmin 5 KB, Kmax 200 KB, Pmax 1 %) on 40 GbE. */
IncastConfig incast_default(uint32_t senders, bool dcqcn);
IncastResult incast_run(const IncastConfig *cfg);

#endif
