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

void rdo_tm_irq_queue(RdoTiming *t, uint64_t due_ps, unsigned vector)
{
    RdoTmIrq *irq = rdo_node_take(&t->irq_free);

    if (!irq) {
        irq = g_new0(RdoTmIrq, 1);
        irq->link.data = irq;
    }
    irq->due_ps = due_ps;
    irq->vector = vector;
    g_queue_push_tail_link(&t->irqs, &irq->link);
}

void rdo_tm_irq_spent(RdoTiming *t)
{
    GList *l = g_queue_pop_head_link(&t->irqs);

    if (l) {
        rdo_node_put(&t->irq_free, l);
    }
}

void rdo_tm_irqs_free(RdoTiming *t)
{
    while (!g_queue_is_empty(&t->irqs)) {
        rdo_tm_irq_spent(t);
    }
    rdo_nodes_free(&t->irq_free);
}
