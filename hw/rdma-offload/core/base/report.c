/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: reporting to the host: a driver mistake of one class
 * (the error registers, then the host logs LOG_GUEST_ERROR and the class's
 * trace event) and the transport's events.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "base/base.h"
#include "wire/wire.h"

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

static const struct {
    const char *name;
    enum rdo_obj_kind kind;
    enum rdo_err reg_err;
} guest_errors[RDO_GE__COUNT] = {
#define RDO_GE_ROW(id, n, k, reg) [RDO_GE_##id] = { #n, RDO_OBJ_##k, reg },
    RDO_GUEST_ERRORS(RDO_GE_ROW)
#undef RDO_GE_ROW
};

static const char *const obj_kind_names[RDO_OBJ__COUNT] = {
#define RDO_OBJ_ROW(id, n) [RDO_OBJ_##id] = #n,
    RDO_OBJECT_KINDS(RDO_OBJ_ROW)
#undef RDO_OBJ_ROW
};

static const char *const xport_event_names[RDO_XE__COUNT] = {
#define RDO_XE_ROW(id, n, v) [RDO_XE_##id] = #n,
    RDO_XPORT_EVENTS(RDO_XE_ROW)
#undef RDO_XE_ROW
};

const char *rdo_guest_err_name(enum rdo_guest_err cls)
{
    return (unsigned)cls < RDO_GE__COUNT ? guest_errors[cls].name : "?";
}

const char *rdo_obj_kind_name(enum rdo_obj_kind kind)
{
    return (unsigned)kind < RDO_OBJ__COUNT ? obj_kind_names[kind] : "?";
}

const char *rdo_xport_event_name(enum rdo_xport_event type)
{
    return (unsigned)type < RDO_XE__COUNT ? xport_event_names[type] : "?";
}

/*
 * A driver mistake. Classes with a register-level error record it in the
 * ERR_* registers; the others are reported through their own channel (a
 * command status, an error completion, an async event) by the caller and
 * are only logged and traced here.
 */
void rdo_guest_error(RdoCore *core, enum rdo_guest_err cls, uint32_t obj,
                     uint64_t addr, const char *fmt, ...)
{
    RdoGuestError e = {
        .cls = cls, .kind = guest_errors[cls].kind,
        .reg_err = guest_errors[cls].reg_err, .obj = obj, .addr = addr,
    };
    char what[160];
    va_list ap;

    if (e.reg_err != RDO_ERR_NONE) {
        core->regs.err_count++;
        core->regs.err_last = e.reg_err;
        core->regs.err_addr = addr;
    }
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    e.what = what;
    if (core->ops->guest_error) {
        core->ops->guest_error(core->host, &e);
    }
}

/* The port counters (QUERY_COUNTERS) that tell transport events apart. */
static void count_xport_event(RdoCounters *c, enum rdo_xport_event type,
                              uint32_t value)
{
    uint8_t op = value & ~RDO_TRANSPORT_MASK;

    switch (type) {
    case RDO_XE_NAK_SENT:
        c->seq_naks_sent += value == RDO_AETH_NAK_PSN_SEQ;
        break;
    case RDO_XE_NAK_RECEIVED:
        c->seq_naks_received += value == RDO_AETH_NAK_PSN_SEQ;
        break;
    case RDO_XE_RNR_SENT:
        c->rnr_naks_sent++;
        break;
    case RDO_XE_RNR_RECEIVED:
        c->rnr_naks_received++;
        break;
    case RDO_XE_DUPLICATE:
        c->dup_responses += op >= RDO_OP_READ_RESPONSE_FIRST &&
                            op <= RDO_OP_ATOMIC_ACKNOWLEDGE;
        break;
    default:
        break;
    }
}

/* A transport event for the host's traces (xport/), and its counters. */
void rdo_xport_event(RdoCore *core, enum rdo_xport_event type, uint32_t qpn,
                     uint32_t psn, uint32_t value)
{
    RdoXportEvent e = { type, qpn, psn, value };

    count_xport_event(&core->cnt, type, value);

    if (core->ops->xport_event) {
        core->ops->xport_event(core->host, &e);
    }
}
