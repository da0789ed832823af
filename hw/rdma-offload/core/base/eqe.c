/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: writing one event queue entry. The EQ stage
 * (notify/eq.c) reports what went wrong; the fatal stop (report.c) writes
 * its last event here too, which is why this is a service below both.
 */
#include <string.h>
#include "base/base.h"

enum rdo_eqe_result rdo_eqe_write(RdoCore *core, uint32_t eqn, uint8_t type,
                                  uint32_t obj, uint32_t data)
{
    RdoEq *eq = eqn < core->cfg.max_eq ? &core->st->eqs[eqn] : NULL;
    struct rdo_eqe eqe;
    RdoFlow flow;
    bool written;

    if (!eq || !eq->valid) {
        return RDO_EQE_NO_EQ;
    }
    if (eq->pi - eq->ci >= rdo_ring_size(&eq->ring)) {
        core->cnt.eq_overflows++;
        return RDO_EQE_FULL;
    }
    memset(&eqe, 0, sizeof(eqe));
    eqe.type = type;
    eqe.obj = obj;
    eqe.data = data;
    eqe.owner = rdo_phase(&eq->ring, eq->pi);
    flow = rdo_tm_entry(core, RDO_FLOW_EQE);
    written = rdo_ring_write(core, &eq->ring, eq->pi, &eqe, sizeof(eqe));
    rdo_tm_set_flow(core, flow);
    if (!written) {
        core->cnt.eq_overflows++;
        return RDO_EQE_UNREACHABLE;
    }
    eq->pi++;
    core->cnt.eqes++;
    return RDO_EQE_WRITTEN;
}
