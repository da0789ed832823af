/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the device configuration: defaults, the checks of every
 * parameter (QOM properties, unit-test hosts), and the CAPS register it
 * implies.
 */
#include <string.h>
#include "base/base.h"

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

uint64_t rdo_core_reg_caps(RdoCore *core)
{
    uint64_t caps = RDO_CAP_MSIX | RDO_CAP_IRQ_TEST | RDO_CAP_FLR | RDO_CAP_CQP |
                    RDO_CAP_ETH_QUEUES;

    if (core->cfg.has_port) {
        caps |= RDO_CAP_ETH_PORT;
    }
    if (core->cfg.tm.on) {
        caps |= RDO_CAP_TIMING;
    }
    return caps;
}
