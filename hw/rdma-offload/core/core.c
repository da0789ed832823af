/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rdma-offload core: life cycle, configuration and error reporting. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rdo-core.h"

bool rdo_config_valid(const RdoConfig *cfg, const char **why)
{
    if (cfg->msix_vectors < 1 || cfg->msix_vectors > RDO_MSIX_VECTORS_MAX) {
        *why = "msix-vectors must be between 1 and 2048";
        return false;
    }
    if (cfg->doorbell_pages < 1 || cfg->doorbell_pages > RDO_DOORBELL_PAGES_MAX ||
        (cfg->doorbell_pages & (cfg->doorbell_pages - 1))) {
        *why = "doorbell-pages must be a power of two between 1 and 4096";
        return false;
    }
    return true;
}

void rdo_core_init(RdoCore *core, const RdoConfig *cfg,
                   const RdoHostOps *ops, void *host)
{
    memset(core, 0, sizeof(*core));
    core->cfg = *cfg;
    core->ops = ops;
    core->host = host;
    core->link_up = cfg->has_port;
    rdo_core_reset(core);
}

void rdo_core_reset(RdoCore *core)
{
    memset(&core->regs, 0, sizeof(core->regs));
    core->rx_frames_ignored = 0;
}

void rdo_core_set_link(RdoCore *core, bool up)
{
    core->link_up = up && core->cfg.has_port;
}

void rdo_core_receive(RdoCore *core, const void *frame, size_t len)
{
    /* No receive pipeline yet: frames are counted and dropped. */
    (void)frame;
    (void)len;
    core->rx_frames_ignored++;
}

static const char *const rdo_err_names[RDO_ERR__COUNT] = {
    [RDO_ERR_NONE] = "none",
    [RDO_ERR_UNALIGNED] = "unaligned access",
    [RDO_ERR_BAD_SIZE] = "bad access size",
    [RDO_ERR_UNKNOWN_OFFSET] = "unknown register",
    [RDO_ERR_READ_ONLY] = "write to read-only register",
    [RDO_ERR_WRITE_ONLY] = "read of write-only register",
    [RDO_ERR_BAD_VALUE] = "bad value",
    [RDO_ERR_DB_DISABLED] = "doorbell while disabled",
    [RDO_ERR_DB_BAD_ACCESS] = "bad doorbell access",
};

const char *rdo_err_name(enum rdo_err err)
{
    if ((unsigned)err >= RDO_ERR__COUNT || !rdo_err_names[err]) {
        return "unknown error";
    }
    return rdo_err_names[err];
}

void rdo_core_guest_error(RdoCore *core, enum rdo_err err, uint64_t addr,
                          const char *fmt, ...)
{
    char what[160];
    va_list ap;

    core->regs.err_count++;
    core->regs.err_last = err;
    core->regs.err_addr = addr;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (core->ops->guest_error) {
        core->ops->guest_error(core->host, err, addr, what);
    }
}
