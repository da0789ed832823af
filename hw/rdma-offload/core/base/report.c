/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: services every stage may call, which call no stage:
 * reporting a driver mistake (error registers, LOG_GUEST_ERROR and a trace
 * event through the host), the catastrophic stop, and wake-up requests.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "base/base.h"

static const char *const rdo_err_names[RDO_ERR__COUNT] = {
    [RDO_ERR_NONE] = "device",
    [RDO_ERR_UNALIGNED] = "unaligned access",
    [RDO_ERR_BAD_SIZE] = "bad access size",
    [RDO_ERR_UNKNOWN_OFFSET] = "unknown register",
    [RDO_ERR_READ_ONLY] = "write to read-only register",
    [RDO_ERR_WRITE_ONLY] = "read of write-only register",
    [RDO_ERR_BAD_VALUE] = "bad value",
    [RDO_ERR_DB_DISABLED] = "doorbell while disabled",
    [RDO_ERR_DB_BAD_ACCESS] = "bad doorbell access",
    [RDO_ERR_BAD_CONFIG] = "bad control path set-up",
    [RDO_ERR_CQP_OVERRUN] = "CQP overrun",
    [RDO_ERR_DB_BAD_OBJECT] = "doorbell for a foreign object",
    [RDO_ERR_WHILE_ENABLED] = "set-up after start",
};

const char *rdo_err_name(enum rdo_err err)
{
    if ((unsigned)err >= RDO_ERR__COUNT || !rdo_err_names[err]) {
        return "unknown error";
    }
    return rdo_err_names[err];
}

/*
 * A driver mistake. Register-level mistakes (err != RDO_ERR_NONE) are
 * recorded in the ERR_* registers; mistakes reported through their own
 * channel (a command status, an error completion, an async event) pass
 * RDO_ERR_NONE and are only logged and traced.
 */
void rdo_core_guest_error(RdoCore *core, enum rdo_err err, uint64_t addr,
                          const char *fmt, ...)
{
    char what[160];
    va_list ap;

    if (err != RDO_ERR_NONE) {
        core->regs.err_count++;
        core->regs.err_last = err;
        core->regs.err_addr = addr;
    }
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (core->ops->guest_error) {
        core->ops->guest_error(core->host, err, addr, what);
    }
}

void rdo_core_schedule(RdoCore *core, uint64_t when_ns)
{
    core->ops->schedule(core->host, when_ns);
}

void rdo_core_fatal(RdoCore *core, enum rdo_fatal_cause cause,
                    bool guest_fault, const char *what)
{
    if (rdo_core_is_fatal(core)) {
        return;     /* already stopped; the first cause is the one to report */
    }
    core->regs.fatal_cause = cause;
    if (guest_fault) {
        rdo_core_guest_error(core, RDO_ERR_NONE, cause,
                             "catastrophic error %u: %s", cause, what);
    }
    if (core->ops->fatal) {
        core->ops->fatal(core->host, cause, what);
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
            rdo_core_guest_error(core, RDO_ERR_NONE, 0,
                                 "EQ 0 full: event type 0x%x for 0 lost",
                                 RDO_EQE_CATASTROPHIC);
            break;
        default:
            break;
        }
    }
    core->ops->raise_irq(core->host, 0);
}
