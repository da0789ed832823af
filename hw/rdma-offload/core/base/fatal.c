/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the catastrophic stop. The device stops all work until
 * a reset and tells the driver through FATAL_CAUSE, EQ 0 and MSI-X vector 0.
 */
#include "base/base.h"

void rdo_core_fatal(RdoCore *core, enum rdo_fatal_cause cause,
                    bool guest_fault, const char *what)
{
    if (rdo_core_is_fatal(core)) {
        return;     /* already stopped; the first cause is the one to report */
    }
    core->regs.fatal_cause = cause;
    if (guest_fault) {
        rdo_guest_error(core, RDO_GE_FATAL, cause, cause,
                        "catastrophic error %u: %s", cause, what);
    }
    if (core->ops->fatal) {
        core->ops->fatal(core->host, cause, what);
    }
    /* Frames the host holds for later stay in, as the core's own do. */
    if (core->ops->drop_frames) {
        core->ops->drop_frames(core->host);
    }
    /*
     * The device's last words: the event if EQ 0 can take it, and vector 0
     * whether or not EQ 0 is armed or reachable, so that a driver hears of
     * it even when EQ 0 is what failed.
     */
    if (core->st->enabled && cause != RDO_FATAL_EQ0) {
        switch (rdo_eqe_write(core, 0, RDO_EQE_CATASTROPHIC, 0, cause)) {
        case RDO_EQE_WRITTEN:
            core->st->eqs[0].armed = false;
            break;
        case RDO_EQE_FULL:
            rdo_guest_error(core, RDO_GE_EQ_OVERFLOW, 0, 0,
                            "EQ 0 full: event type 0x%x for 0 lost",
                            RDO_EQE_CATASTROPHIC);
            break;
        default:
            break;
        }
    }
    core->ops->raise_irq(core->host, 0);
}
