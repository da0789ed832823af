/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the BAR0 register file. Accesses must be naturally
 * aligned 32-bit; anything else is recorded as a driver mistake, reads of it
 * return all ones and writes are dropped, so a confused driver sees an
 * obviously wrong value instead of a plausible one.
 */
#include "ctrl/ctrl.h"

#define RDO_READ_INVALID 0xffffffffu

enum reg_access { REG_NONE, REG_RO, REG_RW, REG_WO };

_Static_assert(sizeof(RdoTimingCounters) ==
               RDO_REG_TM_LAST + 4 - RDO_REG_TM_CYCLES_LO,
               "a TM_* register pair for every RdoTimingCounters field");

/* Access of every register; everything else in BAR0 is reserved. */
static enum reg_access reg_access(uint64_t offset)
{
    switch (offset) {
    case RDO_REG_CONTROL:
    case RDO_REG_SCRATCH:
    case RDO_REG_CQP_RING_LO ... RDO_REG_CQP_PI:
    case RDO_REG_EQ0_RING_LO ... RDO_REG_EQ0_LOG_SIZE:
    case RDO_REG_QPC_PGLIST_LO ... RDO_REG_QPC_PAGES:
    case RDO_REG_MRC_PGLIST_LO ... RDO_REG_MRC_PAGES:
    case RDO_REG_DP_SEL:
    case RDO_REG_ENG_SELECT:
        return REG_RW;
    case RDO_REG_IRQ_TEST:
    case RDO_REG_FO_INJECT:
        return REG_WO;
    case RDO_REG_ID ... RDO_REG_CAPS_HI:
    case RDO_REG_STATUS:
    case RDO_REG_DB_INFO:
    case RDO_REG_MSIX_INFO:
    case RDO_REG_ERR_COUNT ... RDO_REG_FUNCTION:
    case RDO_REG_CQP_CI:
    case RDO_REG_MAX_QP ... RDO_REG_MRC_ENTRY_SIZE:
    case RDO_REG_CNT_CQP_CMDS ... RDO_REG_CNT_ISOLATION:
    case RDO_REG_TM_INFO ... RDO_REG_TM_LAST:
    case RDO_REG_CNT_ETH_TX_FRAMES ... RDO_REG_CNT_ETH_RX_ERRORS:
    case RDO_REG_DP_DATA:
    case RDO_REG_FO_INFO ... RDO_REG_FO_WB_BYTES:
    case RDO_REG_CNT_QP_MOVED_OUT ... RDO_REG_CNT_QP_MOVED_IN:
    case RDO_REG_PORTS ... RDO_REG_PORT2_MAC_HI:
    case RDO_REG_CNT_ETH_STEERED ... RDO_REG_CNT_ETH_FLOW_RULES:
    case RDO_REG_PUSH_RAM_INFO:
    case RDO_REG_CNT_RP_CNP_COALESCED:
    case RDO_REG_ENG_QPS ... RDO_REG_ENG_DROPS:
        return REG_RO;
    default:
        return REG_NONE;
    }
}

/* QPs bound to protocol engine `e` now. */
static uint32_t engine_qps(const RdoCore *core, uint32_t e)
{
    const RdoState *st = core->st;
    uint32_t n = 0;

    for (uint32_t i = 0; i < st->usable_qps; i++) {
        n += st->qp_used[i] && st->qp_engine[i] == e;
    }
    return n;
}

static uint32_t rdo_status(const RdoCore *core)
{
    uint32_t status = RDO_STATUS_READY;

    if (core->regs.control & RDO_CONTROL_ENABLE) {
        status |= RDO_STATUS_ENABLED;
    }
    if (rdo_core_is_fatal(core)) {
        status |= RDO_STATUS_FATAL;
    } else if (core->st->enabled) {
        status |= RDO_STATUS_CQP_READY;
    }
    return status;
}

static bool rdo_reg_access_ok(RdoCore *core, uint64_t offset, unsigned size,
                              const char *dir)
{
    if (offset & 3) {
        rdo_guest_error(core, RDO_GE_REG_UNALIGNED, (uint32_t)offset, offset,
                        "%s of %u bytes at unaligned offset 0x%llx",
                        dir, size, (unsigned long long)offset);
        return false;
    }
    if (size != 4) {
        rdo_guest_error(core, RDO_GE_REG_BAD_SIZE, (uint32_t)offset, offset,
                        "%s of %u bytes at 0x%llx (registers are 32-bit)",
                        dir, size, (unsigned long long)offset);
        return false;
    }
    return true;
}

static uint32_t lo(uint64_t v)
{
    return (uint32_t)v;
}

static uint32_t hi(uint64_t v)
{
    return (uint32_t)(v >> 32);
}

/* The data-path window (DP_SEL, DP_DATA): settings, then 64-bit counters. */
static uint64_t dp_value(RdoCore *core, uint32_t index)
{
    const RdoCounters *c = &core->cnt;

    switch (index) {
    case RDO_DP_CACHE_LINE: return core->cfg.cache_line;
    case RDO_DP_BUFRECV_SIZE: return core->cfg.bufrecv_bytes;
    case RDO_DP_DMA_TRANSFERS: return c->dma_transfers;
    case RDO_DP_DMA_HEAD_PIECES: return c->dma_head_pieces;
    case RDO_DP_DMA_TAIL_PIECES: return c->dma_tail_pieces;
    case RDO_DP_DMA_FULL_LINES: return c->dma_full_lines;
    case RDO_DP_BUFRECV_HELD: return c->bufrecv_held;
    case RDO_DP_BUFRECV_PLACED: return c->bufrecv_placed;
    case RDO_DP_BUFRECV_FULL: return c->bufrecv_full;
    case RDO_DP_BUFRECV_DROPPED: return c->bufrecv_dropped;
    case RDO_DP_BUFRECV_BYTES: return core->st->bufrecv_used;
    default: return 0;
    }
}

static uint32_t reg_value(RdoCore *core, uint64_t offset)
{
    const RdoRegs *r = &core->regs;
    const RdoCounters *c = &core->cnt;
    const RdoConfig *cfg = &core->cfg;
    const uint8_t *mac = cfg->mac;

    switch (offset) {
    case RDO_REG_ID: return RDO_ID_MAGIC;
    case RDO_REG_VERSION: return RDO_VERSION_VALUE(RDO_VERSION_MAJOR, RDO_VERSION_MINOR);
    case RDO_REG_CAPS_LO: return lo(rdo_config_caps(core));
    case RDO_REG_CAPS_HI: return hi(rdo_config_caps(core));
    case RDO_REG_CONTROL: return r->control;
    case RDO_REG_STATUS: return rdo_status(core);
    case RDO_REG_SCRATCH: return r->scratch;
    case RDO_REG_DB_INFO: return RDO_DB_INFO_MAKE(RDO_DB_PAGE_SHIFT, cfg->doorbell_pages);
    case RDO_REG_MSIX_INFO: return cfg->msix_vectors;
    case RDO_REG_ERR_COUNT: return r->err_count;
    case RDO_REG_ERR_LAST: return r->err_last;
    case RDO_REG_ERR_ADDR_LO: return lo(r->err_addr);
    case RDO_REG_ERR_ADDR_HI: return hi(r->err_addr);
    case RDO_REG_MAC_LO:
        return mac[0] | mac[1] << 8 | mac[2] << 16 | (uint32_t)mac[3] << 24;
    case RDO_REG_MAC_HI: return mac[4] | mac[5] << 8;
    case RDO_REG_PORT_STATUS: return core->link_up ? RDO_PORT_LINK_UP : 0;
    case RDO_REG_DB_WRITES: return r->db_writes;
    case RDO_REG_IRQ_TEST_COUNT: return r->irq_test_count;
    case RDO_REG_FATAL_CAUSE: return r->fatal_cause;
    case RDO_REG_FUNCTION:
        return core->fn | (core->fn ? RDO_FUNCTION_VF : 0);
    case RDO_REG_CQP_RING_LO: return lo(r->cqp_ring);
    case RDO_REG_CQP_RING_HI: return hi(r->cqp_ring);
    case RDO_REG_CQP_COMP_LO: return lo(r->cqp_comp);
    case RDO_REG_CQP_COMP_HI: return hi(r->cqp_comp);
    case RDO_REG_CQP_LOG_SIZE: return r->cqp_log_size;
    case RDO_REG_CQP_PI: return core->st->cqp.pi;
    case RDO_REG_CQP_CI: return core->st->cqp.ci;
    case RDO_REG_EQ0_RING_LO: return lo(r->eq0_ring);
    case RDO_REG_EQ0_RING_HI: return hi(r->eq0_ring);
    case RDO_REG_EQ0_LOG_SIZE: return r->eq0_log_size;
    case RDO_REG_QPC_PGLIST_LO: return lo(r->qpc_pglist);
    case RDO_REG_QPC_PGLIST_HI: return hi(r->qpc_pglist);
    case RDO_REG_QPC_PAGES: return r->qpc_pages;
    case RDO_REG_MRC_PGLIST_LO: return lo(r->mrc_pglist);
    case RDO_REG_MRC_PGLIST_HI: return hi(r->mrc_pglist);
    case RDO_REG_MRC_PAGES: return r->mrc_pages;
    case RDO_REG_MAX_QP: return cfg->max_qp;
    case RDO_REG_MAX_CQ: return cfg->max_cq;
    case RDO_REG_MAX_EQ: return cfg->max_eq;
    case RDO_REG_MAX_PD: return cfg->max_pd;
    case RDO_REG_MAX_MR: return cfg->max_mr;
    case RDO_REG_MAX_SRQ: return cfg->max_srq;
    case RDO_REG_MAX_GID: return cfg->max_gid;
    case RDO_REG_QPC_ENTRY_SIZE: return rdo_qpc_entry_size(core);
    case RDO_REG_MRC_ENTRY_SIZE: return RDO_MRC_SIZE;
    case RDO_REG_CNT_CQP_CMDS: return c->cqp_cmds;
    case RDO_REG_CNT_CQP_ERRORS: return c->cqp_errors;
    case RDO_REG_CNT_MR_STALLS: return c->mr_stalls;
    case RDO_REG_CNT_QPC_HITS: return c->qpc_hits;
    case RDO_REG_CNT_QPC_MISSES: return c->qpc_misses;
    case RDO_REG_CNT_MRC_HITS: return c->mrc_hits;
    case RDO_REG_CNT_MRC_MISSES: return c->mrc_misses;
    case RDO_REG_CNT_EQES: return c->eqes;
    case RDO_REG_CNT_CQES: return c->cqes;
    case RDO_REG_CNT_EQ_OVERFLOWS: return c->eq_overflows;
    case RDO_REG_CNT_DB_ERRORS: return c->db_errors;
    case RDO_REG_CNT_TX_PACKETS: return c->tx_packets;
    case RDO_REG_CNT_RX_PACKETS: return c->rx_packets;
    case RDO_REG_CNT_RX_ICRC_ERRORS: return c->rx_icrc_errors;
    case RDO_REG_CNT_RX_DROPS: return c->rx_drops;
    case RDO_REG_CNT_RETRANSMITS: return c->retransmits;
    case RDO_REG_CNT_TIMEOUTS: return c->timeouts;
    case RDO_REG_CNT_NAKS_SENT: return c->naks_sent;
    case RDO_REG_CNT_NAKS_RECEIVED: return c->naks_received;
    case RDO_REG_CNT_ACKS_SENT: return c->acks_sent;
    case RDO_REG_CNT_DUP_REQUESTS: return c->dup_requests;
    case RDO_REG_CNT_RX_PLACEMENTS: return c->rx_placements;
    case RDO_REG_CNT_TX_ERRORS: return c->tx_errors;
    case RDO_REG_CNT_ETH_RX_FRAMES: return c->eth_rx_frames;
    case RDO_REG_CNT_PUSH_WQES: return c->push_wqes;
    case RDO_REG_CNT_NP_ECN_MARKED: return c->np_ecn_marked_roce_packets;
    case RDO_REG_CNT_NP_CNP_SENT: return c->np_cnp_sent;
    case RDO_REG_CNT_RP_CNP_HANDLED: return c->rp_cnp_handled;
    case RDO_REG_CNT_RP_CNP_IGNORED: return c->rp_cnp_ignored;
    case RDO_REG_CNT_ISOLATION: return c->isolation;
    case RDO_REG_CNT_QP_MOVED_OUT: return c->qp_moved_out;
    case RDO_REG_CNT_QP_MOVED_IN: return c->qp_moved_in;
    case RDO_REG_CNT_RP_CNP_COALESCED: return c->rp_cnp_coalesced;
    case RDO_REG_TM_INFO: return cfg->tm.on;
    case RDO_REG_TM_CLOCK_MHZ: return cfg->tm.on ? cfg->tm.clock_mhz : 0;
    case RDO_REG_TM_LINK_GBPS: return cfg->tm.on ? cfg->tm.link_gbps : 0;
    case RDO_REG_TM_LOOKAHEAD: return cfg->tm.on ? cfg->tm.lookahead : 0;
    case RDO_REG_TM_CYCLES_LO ... RDO_REG_TM_LAST: {
        /* The 64-bit counters in RdoTimingCounters order, LO then HI. */
        uint32_t i = (offset - RDO_REG_TM_CYCLES_LO) / 8;

        rdo_tm_sync(core);
        return (offset & 4) ? hi(((uint64_t *)&core->tcnt)[i])
                            : lo(((uint64_t *)&core->tcnt)[i]);
    }
    case RDO_REG_CNT_ETH_TX_FRAMES: return c->eth_tx_frames;
    case RDO_REG_CNT_ETH_TX_BYTES: return c->eth_tx_bytes;
    case RDO_REG_CNT_ETH_TSO_SEGMENTS: return c->eth_tso_segments;
    case RDO_REG_CNT_ETH_TX_CSUM: return c->eth_tx_csum;
    case RDO_REG_CNT_ETH_TX_ERRORS: return c->eth_tx_errors;
    case RDO_REG_CNT_ETH_RX_BYTES: return c->eth_rx_bytes;
    case RDO_REG_CNT_ETH_RX_BUFFERS: return c->eth_rx_buffers;
    case RDO_REG_CNT_ETH_RX_CSUM_OK: return c->eth_rx_csum_ok;
    case RDO_REG_CNT_ETH_RX_CSUM_BAD: return c->eth_rx_csum_bad;
    case RDO_REG_CNT_ETH_LRO_SEGMENTS: return c->eth_lro_segments;
    case RDO_REG_CNT_ETH_LRO_FLUSHES: return c->eth_lro_flushes;
    case RDO_REG_CNT_ETH_RX_NO_BUF: return c->eth_rx_no_buf;
    case RDO_REG_CNT_ETH_RX_FILTERED: return c->eth_rx_filtered;
    case RDO_REG_CNT_ETH_RX_ERRORS: return c->eth_rx_errors;
    case RDO_REG_CNT_ETH_STEERED: return c->eth_steered;
    case RDO_REG_CNT_ETH_KEY_ERRORS: return c->eth_key_errors;
    case RDO_REG_CNT_ETH_FLOW_RULES: return core->st->eth->nrules;
    case RDO_REG_PUSH_RAM_INFO:
        /* Push page p follows the doorbell pages: BAR 2 page N + p. */
        return rdo_push_ram(core) ?
               RDO_PUSH_RAM_INFO_MAKE(cfg->doorbell_pages, RDO_PUSH_RAM_SLOT_SHIFT) : 0;
    case RDO_REG_DP_SEL: return r->dp_sel;
    case RDO_REG_DP_DATA: {
        uint64_t v = dp_value(core, r->dp_sel & ~RDO_DP_SEL_HI);

        return (r->dp_sel & RDO_DP_SEL_HI) ? hi(v) : lo(v);
    }
    case RDO_REG_FO_INFO:
        return (core->cfg.failover ? RDO_FO_INFO_ON : 0) |
               core->cfg.engines << 8 | core->cfg.failover_wb_batch << 16;
    case RDO_REG_ENG_SELECT: return core->st->eng_select;
    case RDO_REG_ENG_QPS: return engine_qps(core, core->st->eng_select);
    case RDO_REG_ENG_FAULTS: return core->st->eng_faults[core->st->eng_select];
    case RDO_REG_ENG_DROPS: return core->st->eng_drops[core->st->eng_select];
    case RDO_REG_FO_RECOVERIES: return c->fo_recoveries;
    case RDO_REG_FO_QPS: return c->fo_qps;
    case RDO_REG_FO_FATAL: return c->fo_fatal;
    case RDO_REG_FO_DROPS: return c->fo_drops;
    case RDO_REG_FO_BLACKOUT: return c->fo_blackout_cycles;
    case RDO_REG_FO_WB_BYTES: return c->fo_wb_bytes;
    /* Port 2's registers read 0 on a one-port device. */
    case RDO_REG_PORTS: return MAX(cfg->ports, 1);
    case RDO_REG_PORT2_STATUS: return core->link2_up ? RDO_PORT_LINK_UP : 0;
    case RDO_REG_PORT2_MAC_LO:
        return cfg->ports < 2 ? 0 : cfg->mac2[0] | cfg->mac2[1] << 8 |
               cfg->mac2[2] << 16 | (uint32_t)cfg->mac2[3] << 24;
    case RDO_REG_PORT2_MAC_HI:
        return cfg->ports < 2 ? 0 : cfg->mac2[4] | cfg->mac2[5] << 8;
    default: return RDO_READ_INVALID;
    }
}

uint64_t rdo_core_reg_read(RdoCore *core, uint64_t offset, unsigned size)
{
    rdo_spans_poll(core);
    if (!rdo_reg_access_ok(core, offset, size, "read")) {
        return RDO_READ_INVALID;
    }
    switch (reg_access(offset)) {
    case REG_WO:
        rdo_guest_error(core, RDO_GE_REG_WRITE_ONLY, (uint32_t)offset, offset,
                        "read of write-only register 0x%llx",
                        (unsigned long long)offset);
        return 0;
    case REG_NONE:
        rdo_guest_error(core, RDO_GE_REG_UNKNOWN, (uint32_t)offset, offset,
                        "read of unknown register 0x%llx",
                        (unsigned long long)offset);
        return RDO_READ_INVALID;
    default:
        return reg_value(core, offset);
    }
}

static void rdo_write_control(RdoCore *core, uint32_t value)
{
    uint32_t was = core->regs.control;

    if (value & ~RDO_CONTROL_WRITABLE) {
        rdo_guest_error(core, RDO_GE_REG_BAD_VALUE, RDO_REG_CONTROL, RDO_REG_CONTROL,
                        "reserved CONTROL bits 0x%x set",
                        value & ~RDO_CONTROL_WRITABLE);
        return;
    }
    if (value & RDO_CONTROL_RESET) {
        /* Self-clearing: the reset completes before the write returns. */
        rdo_core_reset(core);
        return;
    }
    if ((was & RDO_CONTROL_CQP_ENABLE) && !(value & RDO_CONTROL_CQP_ENABLE)) {
        rdo_guest_error(core, RDO_GE_REG_BAD_VALUE, RDO_REG_CONTROL, RDO_REG_CONTROL,
                        "CQP_ENABLE can only be cleared by a reset");
        value |= RDO_CONTROL_CQP_ENABLE;
    }
    if (!(was & RDO_CONTROL_CQP_ENABLE) && (value & RDO_CONTROL_CQP_ENABLE)) {
        if (rdo_core_is_fatal(core)) {
            rdo_guest_error(core, RDO_GE_REG_BAD_VALUE, RDO_REG_CONTROL, RDO_REG_CONTROL,
                            "CQP_ENABLE after a catastrophic error: "
                            "reset first");
            value &= ~RDO_CONTROL_CQP_ENABLE;
        } else if (!rdo_cqp_enable(core)) {
            value &= ~RDO_CONTROL_CQP_ENABLE;
        }
    }
    core->regs.control = value;
}

static void rdo_write_irq_test(RdoCore *core, uint32_t vector)
{
    if (vector >= core->cfg.msix_vectors) {
        rdo_guest_error(core, RDO_GE_REG_BAD_VALUE, RDO_REG_IRQ_TEST, RDO_REG_IRQ_TEST,
                        "IRQ_TEST vector %u, device has %u", vector,
                        core->cfg.msix_vectors);
        return;
    }
    core->regs.irq_test_count++;
    core->ops->raise_irq(core->host, vector);
}

/* The driver's engine fault: a debug register, keyed so that a stray
 * write cannot fault the engine. */
static void rdo_write_fo_inject(RdoCore *core, uint32_t v)
{
    if (v != RDO_FO_INJECT_KEY || !core->st->enabled || rdo_core_is_fatal(core)) {
        rdo_guest_error(core, RDO_GE_FAILOVER_INJECT, 0, RDO_REG_FO_INJECT,
                        "FO_INJECT 0x%x %s", v, v != RDO_FO_INJECT_KEY ?
                        "is not the key" : "with the control path stopped");
        return;
    }
    if (core->fn) {
        /* The engines serve every function: not a VF's to fault. */
        core->cnt.isolation++;
        rdo_guest_error(core, RDO_GE_FAILOVER_INJECT, 0, RDO_REG_FO_INJECT,
                        "VF %u wrote FO_INJECT, a PF-only register", core->fn);
        return;
    }
    rdo_core_engine_fault(core, core->st->eng_select,
                          "injected by the driver (FO_INJECT)");
}

static void set_lo(uint64_t *reg, uint32_t v)
{
    *reg = (*reg & ~0xffffffffull) | v;
}

static void set_hi(uint64_t *reg, uint32_t v)
{
    *reg = (*reg & 0xffffffffull) | ((uint64_t)v << 32);
}

/* Control path set-up registers: writable until the control path starts. */
static void write_setup(RdoCore *core, uint64_t offset, uint32_t v)
{
    RdoRegs *r = &core->regs;

    if (core->st->enabled) {
        rdo_guest_error(core, RDO_GE_REG_WHILE_ENABLED, (uint32_t)offset, offset,
                        "set-up register 0x%llx written after CQP start",
                        (unsigned long long)offset);
        return;
    }
    switch (offset) {
    case RDO_REG_CQP_RING_LO: set_lo(&r->cqp_ring, v); break;
    case RDO_REG_CQP_RING_HI: set_hi(&r->cqp_ring, v); break;
    case RDO_REG_CQP_COMP_LO: set_lo(&r->cqp_comp, v); break;
    case RDO_REG_CQP_COMP_HI: set_hi(&r->cqp_comp, v); break;
    case RDO_REG_CQP_LOG_SIZE: r->cqp_log_size = v; break;
    case RDO_REG_EQ0_RING_LO: set_lo(&r->eq0_ring, v); break;
    case RDO_REG_EQ0_RING_HI: set_hi(&r->eq0_ring, v); break;
    case RDO_REG_EQ0_LOG_SIZE: r->eq0_log_size = v; break;
    case RDO_REG_QPC_PGLIST_LO: set_lo(&r->qpc_pglist, v); break;
    case RDO_REG_QPC_PGLIST_HI: set_hi(&r->qpc_pglist, v); break;
    case RDO_REG_QPC_PAGES: r->qpc_pages = v; break;
    case RDO_REG_MRC_PGLIST_LO: set_lo(&r->mrc_pglist, v); break;
    case RDO_REG_MRC_PGLIST_HI: set_hi(&r->mrc_pglist, v); break;
    case RDO_REG_MRC_PAGES: r->mrc_pages = v; break;
    }
}

void rdo_core_reg_write(RdoCore *core, uint64_t offset, uint64_t value,
                        unsigned size)
{
    uint32_t v = (uint32_t)value;

    rdo_spans_poll(core);
    if (!rdo_reg_access_ok(core, offset, size, "write")) {
        return;
    }
    switch (reg_access(offset)) {
    case REG_RO:
        rdo_guest_error(core, RDO_GE_REG_READ_ONLY, (uint32_t)offset, offset,
                        "write of 0x%x to read-only register 0x%llx",
                        v, (unsigned long long)offset);
        return;
    case REG_NONE:
        rdo_guest_error(core, RDO_GE_REG_UNKNOWN, (uint32_t)offset, offset,
                        "write of 0x%x to unknown register 0x%llx",
                        v, (unsigned long long)offset);
        return;
    default:
        break;
    }
    switch (offset) {
    case RDO_REG_CONTROL:
        rdo_write_control(core, v);
        break;
    case RDO_REG_SCRATCH:
        core->regs.scratch = v;
        break;
    case RDO_REG_IRQ_TEST:
        rdo_write_irq_test(core, v);
        break;
    case RDO_REG_CQP_PI:
        rdo_cqp_doorbell(core, v);
        break;
    case RDO_REG_DP_SEL:
        if ((v & ~RDO_DP_SEL_HI) >= RDO_DP__COUNT) {
            rdo_guest_error(core, RDO_GE_REG_BAD_VALUE, RDO_REG_DP_SEL,
                            RDO_REG_DP_SEL, "DP_SEL index %u, device has %u",
                            v & ~RDO_DP_SEL_HI, RDO_DP__COUNT);
            break;
        }
        core->regs.dp_sel = v;
        break;
    case RDO_REG_FO_INJECT:
        rdo_write_fo_inject(core, v);
        break;
    case RDO_REG_ENG_SELECT:
        if (v >= core->cfg.engines) {
            rdo_guest_error(core, RDO_GE_REG_BAD_VALUE, RDO_REG_ENG_SELECT,
                            RDO_REG_ENG_SELECT, "ENG_SELECT %u, device has %u "
                            "engines", v, core->cfg.engines);
            break;
        }
        core->st->eng_select = v;
        break;
    default:
        write_setup(core, offset, v);
    }
}
