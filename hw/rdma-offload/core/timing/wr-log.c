/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the work-request lifecycle log for the host. The
 * timing model keeps the last RdoTimingConfig.wr_log records (timing.c,
 * rdo_tm_wr_done); this hands them out oldest first, their times turned
 * from picoseconds of virtual time into device cycles.
 */
#include "timing/timing.h"

uint64_t rdo_tm_wr_log(RdoCore *core, RdoWrLogFn fn, void *opaque)
{
    RdoTiming *t = core->st ? core->st->tm : NULL;
    uint64_t kept, first;

    if (!t || !t->log) {
        return t ? t->log_count : 0;
    }
    kept = MIN(t->log_count, t->cfg.wr_log);
    first = t->log_count - kept;
    for (uint64_t i = first; i < t->log_count; i++) {
        RdoWrLife l = t->log[i % t->cfg.wr_log];
        uint64_t *times[] = { &l.db_ps, &l.wqe_ps, &l.sched_ps, &l.ctx_ps,
                              &l.tx_first_ps, &l.tx_last_ps, &l.ack_ps,
                              &l.cqe_ps };

        for (size_t k = 0; k < G_N_ELEMENTS(times); k++) {
            *times[k] = rdo_tm_ps_to_cycles(t, *times[k]);
        }
        fn(opaque, &l);
    }
    return t->log_count;
}
