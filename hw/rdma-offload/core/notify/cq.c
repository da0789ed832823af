/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: completion queues. A CQ is a ring of 32-byte entries
 * with a phase bit; the driver reports its consumer index and arms it
 * (next completion, or next solicited one) through its doorbell. An armed
 * CQ posts one completion event to its EQ. A CQ that overflows is in error
 * from then on and the driver hears of it on EQ 0.
 */
#include "notify/notify.h"

static void cq_event(RdoCore *core, uint32_t cqn, RdoCq *cq)
{
    cq->arm = 0;
    cq->mod_pending = 0;
    cq->mod_due = 0;
    rdo_eq_post(core, cq->eqn, RDO_EQE_COMPLETION, cqn, 0);
}

void rdo_cq_post(RdoCore *core, uint32_t cqn, struct rdo_cqe *cqe,
                 bool solicited)
{
    rdo_cq_post_delayed(core, cqn, cqe, solicited, 0);
}

/*
 * Moderation: an armed CQ's event waits until mod_count CQEs arrived or
 * mod_ns passed since the first of them; a QP's notification delay is a
 * deadline too, the earliest wins. A solicited CQE on a CQ armed for
 * solicited events goes at once.
 */
void rdo_cq_post_delayed(RdoCore *core, uint32_t cqn, struct rdo_cqe *cqe,
                         bool solicited, uint64_t delay_ns)
{
    RdoCq *cq = cqn < core->cfg.max_cq ? &core->st->cqs[cqn] : NULL;
    RdoFlow flow;
    bool written;

    if (!cq || !cq->valid || cq->error || rdo_core_is_fatal(core)) {
        return;
    }
    if (cq->pi - cq->ci >= rdo_ring_size(&cq->ring)) {
        cq->error = true;
        rdo_guest_error(core, RDO_GE_CQ_OVERFLOW, cqn, cqn, "CQ %u overflow", cqn);
        rdo_async_event(core, RDO_EQE_CQ_ERROR, cqn, RDO_CQ_ERR_OVERFLOW);
        return;
    }
    cqe->owner = rdo_phase(&cq->ring, cq->pi);
    flow = rdo_tm_entry(core, RDO_FLOW_CQE);
    written = rdo_ring_write(core, &cq->ring, cq->pi, cqe, sizeof(*cqe));
    rdo_tm_set_flow(core, flow);
    if (!written) {
        cq->error = true;
        rdo_guest_error(core, RDO_GE_CQ_UNREACHABLE, cqn, cq->ring.addr,
                        "CQ %u ring not reachable", cqn);
        rdo_async_event(core, RDO_EQE_CQ_ERROR, cqn, RDO_CQ_ERR_DMA);
        return;
    }
    cq->pi++;
    core->cnt.cqes++;
    if ((cq->arm & RDO_DB_CQ_ARM_SOLICITED) && solicited) {
        cq_event(core, cqn, cq);
    } else if (cq->arm & RDO_DB_CQ_ARM_NEXT) {
        uint64_t wait = cq->mod_ns;

        if (delay_ns && (!wait || delay_ns < wait)) {
            wait = delay_ns;
        }
        cq->mod_pending++;
        if ((!cq->mod_count && !wait) ||
            (cq->mod_count && cq->mod_pending >= cq->mod_count)) {
            cq_event(core, cqn, cq);
        } else if (wait && !cq->mod_due) {
            cq->mod_due = core->ops->now_ns(core->host) + wait;
            rdo_idxq_push(&core->st->cq_timed, cqn);
            rdo_side_work(core);
            rdo_core_schedule(core, cq->mod_due);
        }
    }
}

/*
 * MODIFY_CQ. CQEs already waiting for a moderated event count towards the
 * new count; an event the new values call for now goes now; a running
 * timer ends no later than the new period from now, or stops with period 0.
 */
void rdo_cq_set_moderation(RdoCore *core, uint32_t cqn, uint16_t count,
                           uint64_t ns)
{
    RdoCq *cq = &core->st->cqs[cqn];

    cq->mod_count = count;
    cq->mod_ns = ns;
    if (!cq->mod_pending || !(cq->arm & RDO_DB_CQ_ARM_NEXT)) {
        return;
    }
    if ((!count && !ns) || (count && cq->mod_pending >= count)) {
        cq_event(core, cqn, cq);
    } else if (!ns) {
        cq->mod_due = 0;        /* the timed queue skips it */
    } else {
        uint64_t due = core->ops->now_ns(core->host) + ns;

        if (!cq->mod_due) {
            rdo_idxq_push(&core->st->cq_timed, cqn);
            rdo_side_work(core);
        }
        if (!cq->mod_due || due < cq->mod_due) {
            cq->mod_due = due;
        }
        rdo_core_schedule(core, cq->mod_due);
    }
}

/*
 * RESIZE_CQ: the next CQE goes to entry 0 of the new ring. What the old
 * ring holds is the driver's to poll, up to the index returned.
 */
uint32_t rdo_cq_resize(RdoCore *core, uint32_t cqn, const RdoRing *ring)
{
    RdoCq *cq = &core->st->cqs[cqn];
    uint32_t end = cq->pi;

    cq->ring = *ring;
    cq->pi = cq->ci = 0;
    return end;
}

void rdo_cq_run(RdoCore *core)
{
    RdoIdxQueue *timed = &core->st->cq_timed;
    uint32_t n = timed->len;
    uint64_t now = n ? core->ops->now_ns(core->host) : 0;
    uint32_t cqn;

    while (n-- && rdo_idxq_pop(timed, &cqn)) {
        RdoCq *cq = &core->st->cqs[cqn];

        if (!cq->valid || !cq->mod_due) {
            continue;           /* fired by count, or destroyed */
        }
        if (cq->mod_due <= now) {
            cq_event(core, cqn, cq);
        } else {
            rdo_idxq_push(timed, cqn);
            rdo_core_schedule(core, cq->mod_due);
        }
    }
}

void rdo_cq_doorbell(RdoCore *core, uint16_t page, uint32_t cqn,
                     uint32_t flags, uint32_t ci)
{
    RdoCq *cq = cqn < core->cfg.max_cq ? &core->st->cqs[cqn] : NULL;
    const uint32_t arm_bits = RDO_DB_CQ_ARM_NEXT | RDO_DB_CQ_ARM_SOLICITED;

    if (!cq || !cq->valid || cq->db_page != page || (flags & ~arm_bits) ||
        ci - cq->ci > cq->pi - cq->ci) {
        core->cnt.db_errors++;
        rdo_guest_error(core, RDO_GE_DB_CQ, cqn, ((uint64_t)page << RDO_DB_PAGE_SHIFT) + RDO_DB_CQ,
                        "CQ doorbell: cq %u flags 0x%x ci %u", cqn, flags,
                        ci);
        return;
    }
    cq->ci = ci;
    if (flags & arm_bits) {
        cq->arm = flags & arm_bits;
        /* Completions already waiting: the event goes out at once. */
        if (cq->pi != cq->ci) {
            cq->arm = 0;
            rdo_eq_post(core, cq->eqn, RDO_EQE_COMPLETION, cqn, 0);
        }
    }
}
