/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core, timing model: interrupts. An MSI-X message is a posted
 * write after the event queue entry it announces; the vector fires when the
 * write is through (egress/output.c releases it).
 */
#include "timing/timing.h"

void rdo_raise_irq(RdoCore *core, unsigned vector)
{
    RdoTiming *t = core->st->tm;
    RdoFlow flow;
    uint64_t at, due;

    if (!t) {
        core->ops->raise_irq(core->host, vector);
        return;
    }
    /* After the EQE is in memory: the MSI-X message is a posted write. */
    at = MAX(rdo_tm_cur(core), t->last_write_ps) +
         rdo_tm_cycles_ps(t, t->cfg.cyc.irq);
    flow = rdo_tm_set_flow(core, RDO_FLOW_EQE);
    due = rdo_tm_bus(core, at, 0xfee00000ull, 4, true);
    rdo_tm_set_flow(core, flow);
    core->tcnt.irqs++;
    rdo_tm_span(core, RDO_STAGE_IRQ, vector, 4, at, due);
    rdo_tm_irq_queue(t, due, vector);
    rdo_tm_schedule(core, due);
}
