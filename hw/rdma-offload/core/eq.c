/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: event queues. An EQ is a ring of 16-byte entries with
 * a phase bit and one MSI-X vector; it interrupts once when armed and an
 * entry is written, then waits for the driver to re-arm it through its
 * doorbell. EQ 0 carries control-path and asynchronous events.
 */
#include <string.h>
#include "rdo-internal.h"

void rdo_eq_post(RdoCore *core, uint32_t eqn, uint8_t type, uint32_t obj,
                 uint32_t data)
{
    RdoEq *eq = eqn < core->cfg.max_eq ? &core->st->eqs[eqn] : NULL;
    struct rdo_eqe eqe;

    if (!eq || !eq->valid) {
        return;
    }
    if (eq->pi - eq->ci >= rdo_ring_size(&eq->ring)) {
        core->cnt.eq_overflows++;
        rdo_core_guest_error(core, RDO_ERR_NONE, eqn,
                             "EQ %u full: event type 0x%x for %u lost",
                             eqn, type, obj);
        return;
    }
    memset(&eqe, 0, sizeof(eqe));
    eqe.type = type;
    eqe.obj = obj;
    eqe.data = data;
    eqe.owner = rdo_phase(&eq->ring, eq->pi);
    if (!rdo_ring_write(core, &eq->ring, eq->pi, &eqe, sizeof(eqe))) {
        core->cnt.eq_overflows++;
        rdo_core_guest_error(core, RDO_ERR_NONE, eq->ring.addr,
                             "EQ %u ring not reachable: event lost", eqn);
        return;
    }
    eq->pi++;
    core->cnt.eqes++;
    if (eq->armed) {
        eq->armed = false;
        core->ops->raise_irq(core->host, eq->vector);
    }
}

void rdo_async_event(RdoCore *core, uint8_t type, uint32_t obj, uint32_t data)
{
    rdo_eq_post(core, 0, type, obj, data);
}

void rdo_eq_doorbell(RdoCore *core, uint32_t eqn, uint32_t flags, uint32_t ci)
{
    RdoEq *eq = eqn < core->cfg.max_eq ? &core->st->eqs[eqn] : NULL;

    /* The new consumer index may only move forward, and not past pi. */
    if (!eq || !eq->valid || (flags & ~RDO_DB_EQ_ARM) ||
        ci - eq->ci > eq->pi - eq->ci) {
        core->cnt.db_errors++;
        rdo_core_guest_error(core, RDO_ERR_DB_BAD_OBJECT, RDO_DB_EQ,
                             "EQ doorbell: eq %u flags 0x%x ci %u", eqn,
                             flags, ci);
        return;
    }
    eq->ci = ci;
    if (flags & RDO_DB_EQ_ARM) {
        eq->armed = true;
        /* Entries the driver has not consumed yet: interrupt at once. */
        if (eq->pi != eq->ci) {
            eq->armed = false;
            core->ops->raise_irq(core->host, eq->vector);
        }
    }
}
