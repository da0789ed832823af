/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rdma-offload core: life cycle, configuration and error reporting. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rdo-internal.h"
#include "eth.h"
#include "transport.h"
#include "timing.h"

void rdo_config_defaults(RdoConfig *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->msix_vectors = 32;
    cfg->doorbell_pages = 256;
    cfg->max_qp = RDO_DEFAULT_MAX_QP;
    cfg->max_cq = RDO_DEFAULT_MAX_CQ;
    cfg->max_eq = 32;
    cfg->max_pd = RDO_DEFAULT_MAX_PD;
    cfg->max_mr = RDO_DEFAULT_MAX_MR;
    cfg->max_srq = RDO_DEFAULT_MAX_SRQ;
    cfg->max_gid = RDO_DEFAULT_MAX_GID;
    cfg->qpc_cache_entries = RDO_DEFAULT_QPC_CACHE;
    cfg->mrc_cache_entries = RDO_DEFAULT_MRC_CACHE;
    cfg->cqp_cmd_ns = RDO_DEFAULT_CQP_CMD_NS;
    cfg->cqp_page_ns = RDO_DEFAULT_CQP_PAGE_NS;
    rdo_timing_defaults(&cfg->tm);
}

void rdo_timing_defaults(RdoTimingConfig *tm)
{
    static const RdoStageCycles cyc = {
        .doorbell = RDO_DEFAULT_CYC_DOORBELL, .push = RDO_DEFAULT_CYC_PUSH,
        .sched = RDO_DEFAULT_CYC_SCHED, .ctx_lookup = RDO_DEFAULT_CYC_CTX_LOOKUP,
        .wqe_parse = RDO_DEFAULT_CYC_WQE_PARSE,
        .tx_issue = RDO_DEFAULT_CYC_TX_ISSUE,
        .hdr_build = RDO_DEFAULT_CYC_HDR_BUILD,
        .rx_parse = RDO_DEFAULT_CYC_RX_PARSE, .rx_resp = RDO_DEFAULT_CYC_RX_RESP,
        .cqe = RDO_DEFAULT_CYC_CQE, .eqe = RDO_DEFAULT_CYC_EQE,
        .irq = RDO_DEFAULT_CYC_IRQ,
    };

    memset(tm, 0, sizeof(*tm));
    tm->clock_mhz = RDO_DEFAULT_CLOCK_MHZ;
    tm->bytes_per_cycle = RDO_DEFAULT_BYTES_PER_CYCLE;
    tm->link_gbps = RDO_DEFAULT_LINK_GBPS;
    tm->link_latency_ns = RDO_DEFAULT_LINK_LATENCY_NS;
    tm->pcie_gen = RDO_DEFAULT_PCIE_GEN;
    tm->pcie_lanes = RDO_DEFAULT_PCIE_LANES;
    tm->pcie_mps = RDO_DEFAULT_PCIE_MPS;
    tm->pcie_tlp_overhead = RDO_DEFAULT_PCIE_TLP_OVERHEAD;
    tm->pcie_latency_ns = RDO_DEFAULT_PCIE_LATENCY_NS;
    tm->tx_fifo_bytes = RDO_DEFAULT_TX_FIFO_BYTES;
    tm->rx_fifo_frames = RDO_DEFAULT_RX_FIFO_FRAMES;
    tm->lookahead = RDO_DEFAULT_LOOKAHEAD;
    tm->wr_log = RDO_DEFAULT_WR_LOG;
    tm->bus_arb = RDO_DEFAULT_BUS_ARB;
    tm->cyc = cyc;
}

/* The timing model's parameters; false and *why if one is out of range. */
static bool timing_valid(const RdoTimingConfig *tm, const char **why)
{
    const uint32_t *cyc = (const uint32_t *)&tm->cyc;

    if (tm->clock_mhz < 1 || tm->clock_mhz > 10000) {
        *why = "clock-mhz must be between 1 and 10000";
    } else if (tm->bytes_per_cycle < 1 || tm->bytes_per_cycle > 4096) {
        *why = "bytes-per-cycle must be between 1 and 4096";
    } else if (tm->link_gbps < 1 || tm->link_gbps > 1600) {
        *why = "link-gbps must be between 1 and 1600";
    } else if (tm->link_latency_ns > 1000000) {
        *why = "link-latency-ns must be at most 1000000";
    } else if (tm->pcie_gen < 1 || tm->pcie_gen > 5) {
        *why = "pcie-gen must be between 1 and 5";
    } else if (tm->pcie_lanes < 1 || tm->pcie_lanes > 32 ||
               (tm->pcie_lanes & (tm->pcie_lanes - 1))) {
        *why = "pcie-lanes must be 1, 2, 4, 8, 16 or 32";
    } else if (tm->pcie_mps < 128 || tm->pcie_mps > 4096 ||
               (tm->pcie_mps & (tm->pcie_mps - 1))) {
        *why = "pcie-mps must be a power of two between 128 and 4096";
    } else if (tm->pcie_tlp_overhead > 64) {
        *why = "pcie-tlp-overhead must be at most 64";
    } else if (tm->pcie_latency_ns > 100000) {
        *why = "pcie-latency-ns must be at most 100000";
    } else if (tm->tx_fifo_bytes < 2048 || tm->tx_fifo_bytes > (64u << 20)) {
        *why = "tx-fifo-bytes must be between 2048 and 67108864";
    } else if (tm->rx_fifo_frames < 1 || tm->rx_fifo_frames > 1000000) {
        *why = "rx-fifo-frames must be between 1 and 1000000";
    } else if (tm->lookahead > 256) {
        *why = "lookahead must be at most 256";
    } else if (tm->wr_log > 1000000) {
        *why = "wr-log must be at most 1000000";
    } else if (tm->bus_arb > RDO_BUS_ARB_FIFO) {
        *why = "bus-arbitration must be rr (0) or fifo (1)";
    } else {
        for (size_t i = 0; i < sizeof(tm->cyc) / sizeof(*cyc); i++) {
            if (cyc[i] > 100000) {
                *why = "stage cycles (cycles-*) must be at most 100000";
                return false;
            }
        }
        if (!tm->cyc.sched) {
            *why = "cycles-sched must be at least 1";
            return false;
        }
        return true;
    }
    return false;
}

/* Fault injection (fault.c); the names are the QEMU properties'. */
static bool fault_config_valid(const RdoConfig *cfg, const char **why)
{
    static const struct {
        const char *why;
        size_t off;
    } rates[] = {
        { "fault-drop-ppm must be at most 1000000 (parts per million)",
          offsetof(RdoConfig, fault_drop_ppm) },
        { "fault-corrupt-ppm must be at most 1000000 (parts per million)",
          offsetof(RdoConfig, fault_corrupt_ppm) },
        { "fault-dup-ppm must be at most 1000000 (parts per million)",
          offsetof(RdoConfig, fault_dup_ppm) },
        { "fault-reorder-ppm must be at most 1000000 (parts per million)",
          offsetof(RdoConfig, fault_reorder_ppm) },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(rates); i++) {
        if (*(const uint32_t *)((const char *)cfg + rates[i].off) > 1000000) {
            *why = rates[i].why;
            return false;
        }
    }
    if (cfg->fault_burst > RDO_FAULT_BURST_MAX) {
        *why = "fault-burst must be at most 1024";
        return false;
    }
    if (cfg->fault_delay_ns > RDO_FAULT_DELAY_MAX_NS) {
        *why = "fault-delay-ns must be at most 1000000000 (1 s)";
        return false;
    }
    return true;
}

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
    if (cfg->max_qp < 4 || cfg->max_qp > RDO_LIMIT_MAX ||
        cfg->max_cq < 1 || cfg->max_cq > RDO_LIMIT_MAX ||
        cfg->max_pd < 1 || cfg->max_pd > RDO_LIMIT_MAX ||
        cfg->max_mr < 1 || cfg->max_mr > RDO_LIMIT_MAX ||
        cfg->max_srq > RDO_LIMIT_MAX) {
        *why = "max-qp (4..), max-cq, max-pd, max-mr (1..) and max-srq must be "
               "at most 1048576";
        return false;
    }
    if (cfg->max_eq < 1 || cfg->max_eq > cfg->msix_vectors * 4 ||
        cfg->max_eq > RDO_LIMIT_MAX) {
        *why = "max-eq must be between 1 and 4 x msix-vectors";
        return false;
    }
    if (cfg->max_gid < 1 || cfg->max_gid > 256) {
        *why = "max-gid must be between 1 and 256";
        return false;
    }
    if (cfg->qpc_cache_entries < 2 || cfg->qpc_cache_entries > 65536 ||
        cfg->mrc_cache_entries < 2 || cfg->mrc_cache_entries > 65536) {
        *why = "context cache entries must be between 2 and 65536";
        return false;
    }
    if (cfg->ctx_cache_ways > 65536 ||
        (cfg->ctx_cache_ways && (cfg->qpc_cache_entries % cfg->ctx_cache_ways ||
                                 cfg->mrc_cache_entries % cfg->ctx_cache_ways))) {
        *why = "ctx-cache-ways must divide qpc-cache-entries and "
               "mrc-cache-entries (0: fully associative)";
        return false;
    }
    if (cfg->ctx_cache_policy > RDO_CACHE_FIFO) {
        *why = "ctx-cache-policy must be lru or fifo";
        return false;
    }
    return fault_config_valid(cfg, why) &&
           (!cfg->tm.on || timing_valid(&cfg->tm, why));
}

static void state_alloc(RdoCore *core)
{
    const RdoConfig *c = &core->cfg;
    RdoState *st = g_new0(RdoState, 1);

    st->eqs = g_new0(RdoEq, c->max_eq);
    st->cqs = g_new0(RdoCq, c->max_cq);
    st->pds = g_new0(RdoPd, c->max_pd);
    st->srqs = g_new0(RdoSrq, MAX(c->max_srq, 1));
    st->gids = g_new0(RdoGid, c->max_gid);
    st->qp_used = g_new0(uint8_t, c->max_qp);
    st->qp_bind = g_new0(RdoQpBind, c->max_qp);
    st->ssq_users = g_new0(uint32_t, c->max_qp);
    st->qp_stall_mr = g_new0(uint32_t, c->max_qp);
    st->sq_queued = g_new0(uint8_t, c->max_qp);
    st->mr_used = g_new0(uint8_t, c->max_mr);
    st->mr_pending = g_new0(uint8_t, c->max_mr);
    g_queue_init(&st->sq_ready);
    core->st = st;
    rdo_eth_init(core);
    rdo_xport_init(core);
    rdo_fault_init(core);
    rdo_loopback_init(core);
    rdo_ctx_cache_init(&st->qpc, "QP", RDO_QPC_SIZE, c->qpc_cache_entries,
                       c->ctx_cache_ways, c->ctx_cache_policy,
                       &core->regs.qpc_pglist, &core->regs.qpc_pages,
                       &core->cnt.qpc_hits, &core->cnt.qpc_misses);
    rdo_ctx_cache_init(&st->mrc, "MR", RDO_MRC_SIZE, c->mrc_cache_entries,
                       c->ctx_cache_ways, c->ctx_cache_policy,
                       &core->regs.mrc_pglist, &core->regs.mrc_pages,
                       &core->cnt.mrc_hits, &core->cnt.mrc_misses);
    rdo_tm_init(core);
}

static void state_free(RdoCore *core)
{
    RdoState *st = core->st;

    if (!st) {
        return;
    }
    rdo_tm_free(core);
    rdo_fault_free(core);
    rdo_loopback_free(core);
    rdo_xport_free(core);
    rdo_eth_free(core);
    rdo_ctx_cache_free(&st->qpc);
    rdo_ctx_cache_free(&st->mrc);
    g_queue_clear(&st->sq_ready);
    g_free(st->cqp.pending_mr);
    g_free(st->eqs);
    g_free(st->cqs);
    g_free(st->pds);
    g_free(st->srqs);
    g_free(st->gids);
    g_free(st->qp_used);
    g_free(st->qp_bind);
    g_free(st->ssq_users);
    g_free(st->qp_stall_mr);
    g_free(st->sq_queued);
    g_free(st->mr_used);
    g_free(st->mr_pending);
    g_free(st);
    core->st = NULL;
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

void rdo_core_destroy(RdoCore *core)
{
    state_free(core);
}

/* Everything back to power-on; contexts in host memory are abandoned. */
void rdo_core_reset(RdoCore *core)
{
    memset(&core->regs, 0, sizeof(core->regs));
    memset(&core->cnt, 0, sizeof(core->cnt));
    memset(&core->tcnt, 0, sizeof(core->tcnt));
    core->rx_frames_ignored = 0;
    state_free(core);
    state_alloc(core);
    core->st->port_mtu = 1500;
    memcpy(core->st->port_mac, core->cfg.mac, 6);
}

void rdo_core_set_link(RdoCore *core, bool up)
{
    bool was = core->link_up;

    core->link_up = up && core->cfg.has_port;
    /* The driver hears of a change on EQ 0 once the control path runs. */
    if (was != core->link_up && core->st->enabled && !rdo_core_is_fatal(core)) {
        rdo_async_event(core, RDO_EQE_PORT_CHANGE, 0,
                        core->link_up ? RDO_PORT_LINK_UP : 0);
    }
}

void rdo_core_schedule(RdoCore *core, uint64_t when_ns)
{
    core->ops->schedule(core->host, when_ns);
}

void rdo_core_wakeup(RdoCore *core)
{
    if (!core->st->enabled || rdo_core_is_fatal(core)) {
        return;
    }
    rdo_cqp_run(core);
    if (core->st->tm) {
        /* Frames out, interrupts, the receive FIFO. */
        rdo_tm_run(core);
    }
    rdo_loopback_run(core);
    if (core->st->tm) {
        /* The receive engine's deferred work (ACKs, responses) on its own
         * cursor. */
        RdoTmSaved saved;

        saved = rdo_tm_enter(core, RDO_ENG_RX, rdo_tm_now_ps(core));
        rdo_xport_run(core);
        rdo_tm_leave(core, saved);
    } else {
        rdo_xport_run(core);
    }
    rdo_sq_run(core);
    rdo_eth_tx_run(core);
    rdo_lro_run(core);
}

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
