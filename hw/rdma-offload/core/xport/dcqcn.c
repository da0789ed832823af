/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the DCQCN reaction point's state machine (dcqcn.h).
 * Time is passed in; the timers are evaluated lazily, when a CNP comes,
 * bytes are sent or the QP asks whether it may send, so an idle QP costs
 * nothing.
 */
#include <glib.h>
#include "rdo-core.h"
#include "xport/dcqcn.h"

/* Steps one catch-up may take; past them the rate is back at line rate
 * anyway (an idle QP: about a second of virtual time at the defaults). */
#define DCQCN_MAX_STEPS (1u << 15)

void rdo_dcqcn_params(RdoDcqcnParams *p, const RdoCcConfig *c,
                      uint32_t link_gbps)
{
    /* The link's speed as QUERY_PORT reports it (1-1600 Gbit/s). */
    p->line_kbps = (uint64_t)CLAMP(link_gbps, 1, 1600) * 1000000;
    p->min_kbps = MIN((uint64_t)c->min_mbps * 1000, p->line_kbps);
    p->ai_kbps = (uint64_t)c->ai_mbps * 1000;
    p->hai_kbps = (uint64_t)c->hai_mbps * 1000;
    p->alpha_ps = (uint64_t)MAX(c->alpha_us, 1) * 1000000;
    p->timer_ps = (uint64_t)MAX(c->timer_us, 1) * 1000000;
    p->reduce_ps = (uint64_t)c->reduce_us * 1000000;
    p->bytes = MAX(c->byte_counter, 1);
    p->f = c->f;
    p->g_shift = c->g_shift;
}

/* One rate increase, by the timer or the byte counter. */
static void increase(RdoDcqcn *d, const RdoDcqcnParams *p)
{
    uint32_t lo = MIN(d->t_cnt, d->bc_cnt), hi = MAX(d->t_cnt, d->bc_cnt);

    if (hi <= p->f) {
        d->stage = RDO_DCQCN_FAST_RECOVERY;
    } else if (lo > p->f) {
        d->stage = RDO_DCQCN_HYPER;
        d->rt_kbps += (uint64_t)(lo - p->f) * p->hai_kbps;
    } else {
        d->stage = RDO_DCQCN_ADDITIVE;
        d->rt_kbps += p->ai_kbps;
    }
    d->rt_kbps = MIN(d->rt_kbps, p->line_kbps);
    /* Rounded up, so that it reaches the target rather than creeping. */
    d->rc_kbps = (d->rt_kbps + d->rc_kbps + 1) / 2;
    if (d->rc_kbps >= p->line_kbps) {
        d->limited = false;
        d->stage = RDO_DCQCN_IDLE;
        d->rc_kbps = d->rt_kbps = p->line_kbps;
    }
}

static void alpha_decay(RdoDcqcn *d, const RdoDcqcnParams *p)
{
    d->alpha -= d->alpha >> p->g_shift;
    if (d->alpha < (1u << p->g_shift)) {
        d->alpha = 0;           /* (1 - g) x alpha would stay there */
    }
}

void rdo_dcqcn_advance(RdoDcqcn *d, const RdoDcqcnParams *p, uint64_t now_ps)
{
    for (uint32_t n = 0; n < DCQCN_MAX_STEPS; n++) {
        bool alpha_due = d->started && d->alpha && d->alpha_at_ps <= now_ps;
        bool timer_due = d->limited && d->timer_at_ps <= now_ps;

        if (!alpha_due && !timer_due) {
            return;
        }
        /* The earlier of the two first; the alpha timer on a tie, as it
         * reflects the period that just ended. */
        if (alpha_due && (!timer_due || d->alpha_at_ps <= d->timer_at_ps)) {
            alpha_decay(d, p);
            d->alpha_at_ps += p->alpha_ps;
        } else {
            d->t_cnt++;
            increase(d, p);
            d->timer_at_ps += p->timer_ps;
        }
    }
    /* Idle far longer than any recovery takes: where the steps lead. */
    d->alpha = 0;
    d->limited = false;
    d->stage = RDO_DCQCN_IDLE;
    d->rc_kbps = d->rt_kbps = p->line_kbps;
}

bool rdo_dcqcn_cnp(RdoDcqcn *d, const RdoDcqcnParams *p, uint64_t now_ps)
{
    /* Compared as a sum, so that a CNP stamped before the cut (another
     * engine's cursor) also counts as within the period. */
    if (d->started && now_ps < d->cut_ps + p->reduce_ps) {
        return false;
    }
    rdo_dcqcn_advance(d, p, now_ps);
    if (!d->started) {
        d->started = true;
        d->alpha = RDO_DCQCN_ONE;       /* the paper's initial alpha */
    }
    if (!d->limited) {
        d->limited = true;
        d->rc_kbps = d->rt_kbps = p->line_kbps;
    }
    d->stage = RDO_DCQCN_DECREASE;
    d->rt_kbps = d->rc_kbps;
    d->rc_kbps -= d->rc_kbps * d->alpha / (2 * (uint64_t)RDO_DCQCN_ONE);
    d->rc_kbps = MAX(d->rc_kbps, p->min_kbps);
    d->alpha = d->alpha - (d->alpha >> p->g_shift) +
               (RDO_DCQCN_ONE >> p->g_shift);
    d->alpha = MIN(d->alpha, RDO_DCQCN_ONE);
    d->alpha_at_ps = now_ps + p->alpha_ps;
    d->timer_at_ps = now_ps + p->timer_ps;
    d->t_cnt = d->bc_cnt = 0;
    d->bytes = 0;
    d->cut_ps = now_ps;
    return true;
}

void rdo_dcqcn_sent(RdoDcqcn *d, const RdoDcqcnParams *p, uint32_t bytes)
{
    if (!d->limited) {
        return;
    }
    d->bytes += bytes;
    while (d->limited && d->bytes >= p->bytes) {
        d->bytes -= p->bytes;
        d->bc_cnt++;
        increase(d, p);
    }
}

static const char *const stage_names[RDO_DCQCN__COUNT] = {
    [RDO_DCQCN_IDLE] = "idle",
    [RDO_DCQCN_DECREASE] = "decrease",
    [RDO_DCQCN_FAST_RECOVERY] = "fast-recovery",
    [RDO_DCQCN_ADDITIVE] = "additive",
    [RDO_DCQCN_HYPER] = "hyper",
};

const char *rdo_dcqcn_stage_name(RdoDcqcnStage s)
{
    return (unsigned)s < RDO_DCQCN__COUNT ? stage_names[s] : "?";
}
