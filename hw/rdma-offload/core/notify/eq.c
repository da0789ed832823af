/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: event queues. An EQ is a ring of 16-byte entries with
 * a phase bit and one MSI-X vector; it interrupts once when armed and an
 * entry is written, then waits for the driver to re-arm it through its
 * doorbell. EQ 0 carries control-path and asynchronous events, and the
 * catastrophic error that stops the device until a reset.
 */
#include <string.h>
#include "notify/notify.h"

/* Writes one entry; false if it was lost (EQ missing, full or unreachable). */
static bool eq_write(RdoCore *core, uint32_t eqn, uint8_t type, uint32_t obj,
                     uint32_t data)
{
    switch (rdo_eqe_write(core, eqn, type, obj, data)) {
    case RDO_EQE_WRITTEN:
        return true;
    case RDO_EQE_FULL:
        rdo_core_guest_error(core, RDO_ERR_NONE, eqn,
                             "EQ %u full: event type 0x%x for %u lost",
                             eqn, type, obj);
        return false;
    case RDO_EQE_UNREACHABLE:
        /* EQ 0 is how the device reports trouble: without it, it is lost. */
        if (eqn == 0) {
            rdo_core_fatal(core, RDO_FATAL_EQ0, true,
                           "EQ 0 ring not reachable");
        } else {
            rdo_core_guest_error(core, RDO_ERR_NONE,
                                 core->st->eqs[eqn].ring.addr,
                                 "EQ %u ring not reachable: event lost", eqn);
        }
        return false;
    default:
        return false;
    }
}

void rdo_eq_post(RdoCore *core, uint32_t eqn, uint8_t type, uint32_t obj,
                 uint32_t data)
{
    RdoEq *eq;

    if (rdo_core_is_fatal(core) || !eq_write(core, eqn, type, obj, data)) {
        return;
    }
    eq = &core->st->eqs[eqn];
    if (eq->armed) {
        eq->armed = false;
        rdo_raise_irq(core, eq->vector);
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
            rdo_raise_irq(core, eq->vector);
        }
    }
}
