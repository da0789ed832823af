/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the device configuration: defaults, the checks of every
 * parameter (QOM properties, unit-test hosts), both from the one table
 * RDO_CONFIG_PARAMS (rdo-core.h), and the CAPS register it implies.
 */
#include <inttypes.h>
#include <string.h>
#include "base/base.h"

#define RDO_PARAM_ROW(name, field, type, def, min, max, flags, why, desc) \
    { name, offsetof(RdoConfig, field), sizeof(((RdoConfig *)0)->field), \
      def, min, max, flags, why, desc },
const RdoConfigParam rdo_config_params[] = {
    RDO_CONFIG_PARAMS(RDO_PARAM_ROW)
};
const size_t rdo_config_n_params = G_N_ELEMENTS(rdo_config_params);

uint64_t rdo_config_param_get(const RdoConfig *cfg, const RdoConfigParam *p)
{
    const char *at = (const char *)cfg + p->off;

    return p->size == 8 ? *(const uint64_t *)at : *(const uint32_t *)at;
}

void rdo_config_param_set(RdoConfig *cfg, const RdoConfigParam *p, uint64_t v)
{
    char *at = (char *)cfg + p->off;

    if (p->size == 8) {
        *(uint64_t *)at = v;
    } else {
        *(uint32_t *)at = (uint32_t)v;
    }
}

void rdo_config_defaults(RdoConfig *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < rdo_config_n_params; i++) {
        rdo_config_param_set(cfg, &rdo_config_params[i], rdo_config_params[i].def);
    }
}

void rdo_timing_defaults(RdoTimingConfig *tm)
{
    RdoConfig cfg;

    rdo_config_defaults(&cfg);
    *tm = cfg.tm;
}

/* Is v within the row's range? */
static bool param_ok(const RdoConfigParam *p, uint64_t v)
{
    return v >= p->min && v <= p->max &&
           (!(p->flags & RDO_PARAM_POW2) || !(v & (v - 1)));
}

/* The row's message: its own, or made from its name and range. */
static const char *param_why(const RdoConfigParam *p)
{
    g_autofree char *s = NULL;

    if (p->why) {
        return p->why;
    }
    if (p->flags & RDO_PARAM_POW2) {
        s = g_strdup_printf("%s must be a power of two between %" PRIu64
                            " and %" PRIu64, p->name, p->min, p->max);
    } else if (p->min) {
        s = g_strdup_printf("%s must be between %" PRIu64 " and %" PRIu64,
                            p->name, p->min, p->max);
    } else {
        s = g_strdup_printf("%s must be at most %" PRIu64 "%s", p->name, p->max,
                            p->flags & RDO_PARAM_PPM ? " (parts per million)" : "");
    }
    return g_intern_string(s);     /* kept: *why outlives the call */
}

bool rdo_config_valid(const RdoConfig *cfg, const char **why)
{
    /* Each parameter in its range (the timing model's only when it is on). */
    for (size_t i = 0; i < rdo_config_n_params; i++) {
        const RdoConfigParam *p = &rdo_config_params[i];

        if ((p->flags & RDO_PARAM_TIMING) && !cfg->tm.on) {
            continue;
        }
        if (!param_ok(p, rdo_config_param_get(cfg, p))) {
            *why = param_why(p);
            return false;
        }
    }
    /* Then those that depend on each other. */
    if (cfg->max_eq > cfg->msix_vectors * 4) {
        *why = "max-eq must be between 1 and 4 x msix-vectors";
        return false;
    }
    if (cfg->ctx_cache_ways && (cfg->qpc_cache_entries % cfg->ctx_cache_ways ||
                                cfg->mrc_cache_entries % cfg->ctx_cache_ways)) {
        *why = "ctx-cache-ways must divide qpc-cache-entries and "
               "mrc-cache-entries (0: fully associative)";
        return false;
    }
    if (cfg->ports == 2 && cfg->sriov_max_vfs) {
        *why = "ports=2 and sriov-max-vfs: the VFs' switch serves port 1 "
               "only; use one or the other";
        return false;
    }
    if (cfg->ports == 2 && !memcmp(cfg->mac, cfg->mac2, 6)) {
        *why = "ports=2: mac2 must differ from mac (a frame leaves by the "
               "port of its source address)";
        return false;
    }
    for (int c = 0; cfg->tm.on && c < RDO_FLOW_CLASS_MAX; c++) {
        if (!((cfg->tm.bus_class_weights >> (4 * c)) & 0xf)) {
            *why = "bus-class-weights: every class needs a weight of 1-15 "
                   "(one hex digit each, class 1 lowest)";
            return false;
        }
    }
    if (cfg->sriov_max_vfs) {
        /* The default split must leave every function enough to work. */
        RdoSriov sr = { .max_vfs = cfg->sriov_max_vfs };

        rdo_share_from_config(&sr.total, cfg);
        rdo_sriov_default_split(&sr, cfg);
        if (!rdo_share_ok(&sr.share[1], cfg) || !rdo_share_ok(&sr.share[0], cfg)) {
            *why = "sriov-max-vfs: each of the PF and its VFs needs at least "
                   "4 QPs, 1 CQ, EQ, PD, MR and GID, and context caches of "
                   "2 entries or a whole set";
            return false;
        }
    }
    return true;
}

uint64_t rdo_config_caps(RdoCore *core)
{
    uint64_t caps = RDO_CAP_MSIX | RDO_CAP_IRQ_TEST | RDO_CAP_FLR | RDO_CAP_CQP |
                    RDO_CAP_ETH_QUEUES | RDO_CAP_FLOW_STEER |
                    RDO_CAP_ETH_RX_SG;

    if (core->cfg.has_port) {
        caps |= RDO_CAP_ETH_PORT;
    }
    if (core->cfg.tm.on) {
        caps |= RDO_CAP_TIMING;
    }
    if (core->sriov) {
        caps |= core->fn ? RDO_CAP_VF : RDO_CAP_SRIOV;
    }
    if (rdo_push_ram(core)) {
        caps |= RDO_CAP_PUSH_RAM;
    }
    return caps;
}
