/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the DCQCN reaction point (Zhu et al., "Congestion
 * Control for Large-Scale RDMA Deployments", SIGCOMM 2015), one per QP, as
 * pure functions of its state, its parameters and the time (dcqcn.c). The
 * glue that feeds it CNPs and bytes and paces the QP is cc.c.
 *
 * On a CNP: the target rate takes the current rate, the current rate drops
 * by alpha/2, alpha moves towards 1 by g; the increase counters restart.
 * Alpha decays by (1 - g) every K without a CNP. A timer (every T) and a
 * byte counter (every B bytes sent) each raise the rate: the current rate
 * halfway to the target (fast recovery, while neither counter passed F),
 * then the target by R_AI too (additive), or by i x R_HAI once both passed
 * F (hyper, i = the smaller count - F). At line rate the limiter is off.
 * At most one decrease per reduce period (mlx5's rate_reduce_monitor_period):
 * a CNP within it changes nothing, so a burst of CNPs from one or many
 * peers costs the QP one cut, not a cut each.
 */
#ifndef RDO_DCQCN_H
#define RDO_DCQCN_H

#include <stdbool.h>
#include <stdint.h>

#define RDO_DCQCN_ONE   (1u << 20)      /* alpha = 1 */

typedef enum RdoDcqcnStage {
    RDO_DCQCN_IDLE,             /* at line rate: no limit */
    RDO_DCQCN_DECREASE,         /* the last step was a CNP's */
    RDO_DCQCN_FAST_RECOVERY,
    RDO_DCQCN_ADDITIVE,
    RDO_DCQCN_HYPER,
    RDO_DCQCN__COUNT
} RdoDcqcnStage;

/* What one QP's rate limiter works with, from RdoCcConfig and the link. */
typedef struct RdoDcqcnParams {
    uint64_t line_kbps, min_kbps, ai_kbps, hai_kbps;
    uint64_t alpha_ps, timer_ps;        /* K, T */
    uint64_t reduce_ps;                 /* 0: every CNP decreases */
    uint64_t bytes;                     /* B */
    uint32_t f, g_shift;
} RdoDcqcnParams;

typedef struct RdoDcqcn {
    bool started;               /* a CNP came once: alpha is kept */
    bool limited;               /* below line rate: timers run, pacing */
    uint8_t stage;              /* RdoDcqcnStage of the last step */
    uint64_t rc_kbps, rt_kbps;  /* current and target rate */
    uint32_t alpha;             /* in 1/RDO_DCQCN_ONE */
    uint64_t alpha_at_ps;       /* next alpha decay */
    uint64_t timer_at_ps;       /* next rate increase by the timer */
    uint32_t t_cnt, bc_cnt;     /* timer and byte-counter events since the CNP */
    uint64_t bytes;             /* sent since the last byte-counter event */
    uint64_t cut_ps;            /* the last decrease (valid once started) */
} RdoDcqcn;

struct RdoCcConfig;
void rdo_dcqcn_params(RdoDcqcnParams *p, const struct RdoCcConfig *c,
                      uint32_t link_gbps);
/* Runs the timers that expired by now_ps. */
void rdo_dcqcn_advance(RdoDcqcn *d, const RdoDcqcnParams *p, uint64_t now_ps);
/* A CNP at now_ps: the rate decrease; false if within the reduce period
 * of the last one (nothing changed). */
bool rdo_dcqcn_cnp(RdoDcqcn *d, const RdoDcqcnParams *p, uint64_t now_ps);
/* The QP sent `bytes` (the byte counter). */
void rdo_dcqcn_sent(RdoDcqcn *d, const RdoDcqcnParams *p, uint32_t bytes);
/* The rate the QP may send at. */
static inline uint64_t rdo_dcqcn_rate_kbps(const RdoDcqcn *d,
                                           const RdoDcqcnParams *p)
{
    return d->limited ? d->rc_kbps : p->line_kbps;
}
const char *rdo_dcqcn_stage_name(RdoDcqcnStage s);

#endif /* RDO_DCQCN_H */
