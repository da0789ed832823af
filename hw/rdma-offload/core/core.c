/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rdma-offload core: life cycle, configuration and error reporting. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctrl/ctrl.h"
#include "ingress/ingress.h"
#include "sched/sched.h"
#include "state/state.h"

/* Bytes of a table of `n` entries of `size`, to the next cache line. */
static size_t qp_table_bytes(uint32_t n, size_t size)
{
    return ((size_t)n * size + 63) & ~(size_t)63;
}

/* The tables of RDO_QP_TABLES, `n` entries each, in one block. */
static void qp_tables_alloc(RdoState *st, uint32_t n)
{
    size_t bytes = 0;
    uint8_t *block;

#define QP_TABLE_SIZE(f) \
    bytes += qp_table_bytes(n, sizeof(*st->f));
    RDO_QP_TABLES(QP_TABLE_SIZE)
#undef QP_TABLE_SIZE
    block = rdo_bigmem_alloc0(bytes);
    st->qp_tables = block;
    st->qp_tables_bytes = bytes;
#define QP_TABLE_CARVE(f) \
    st->f = (void *)block; \
    block += qp_table_bytes(n, sizeof(*st->f));
    RDO_QP_TABLES(QP_TABLE_CARVE)
#undef QP_TABLE_CARVE
}

static void state_alloc(RdoCore *core)
{
    const RdoConfig *c = &core->cfg;
    RdoState *st = g_new0(RdoState, 1);
    struct rdo_vf_resources n;

    /* A PF with VFs holds tables for the whole device: its share may grow
     * when it gives the VFs less (SET_VF_RESOURCES). */
    if (core->sriov && !core->fn) {
        n = core->sriov->total;
    } else {
        rdo_share_from_config(&n, c);
    }
    st->eqs = g_new0(RdoEq, n.eq);
    st->cqs = g_new0(RdoCq, n.cq);
    st->pds = g_new0(RdoPd, n.pd);
    st->srqs = g_new0(RdoSrq, MAX(n.srq, 1));
    st->gids = g_new0(RdoGid, n.gid);
    qp_tables_alloc(st, n.qp);
    st->page_qps = g_new0(uint32_t, core->cfg.doorbell_pages);
    st->page_qps_known = true;
    st->mr_used = g_new0(uint8_t, n.mr);
    st->mr_pending = g_new0(uint8_t, n.mr);
    st->mr_windows = g_new0(uint32_t, n.mr);
    st->cq_away = g_new0(uint8_t, n.cq);
    st->pd_away = g_new0(uint8_t, n.pd);
    st->mr_away = g_new0(uint8_t, n.mr);
    st->mr_key_fn = g_new0(uint8_t, n.mr);
    core->st = st;
    st->side_work = true;       /* the first wake-up asks the side engines */
    rdo_port2_init(core, n.gid);
    rdo_eth_init(core);
    rdo_xport_init(core);
    rdo_fault_init(core);
    rdo_loopback_init(core);
    rdo_ctx_caches_init(core);
    rdo_tm_init(core);
    rdo_tm_bus_init(core);
    rdo_cm_init(core);
}

static void state_free(RdoCore *core)
{
    RdoState *st = core->st;

    if (!st) {
        return;
    }
    if (core->sriov) {
        /* Connections moved here go with the function's objects. */
        rdo_moved_forget(core->sriov, core->fn, RDO_NONE);
    }
    rdo_cm_free(core);
    rdo_port2_free(core);
    rdo_tm_free(core);
    rdo_fault_free(core);
    rdo_loopback_free(core);
    rdo_xport_free(core);
    rdo_eth_free(core);
    rdo_ctx_caches_free(core);
    rdo_idxq_free(&st->sq_ready);
    g_free(st->cqp.pending_mr);
    g_free(st->eqs);
    g_free(st->cqs);
    g_free(st->pds);
    g_free(st->srqs);
    g_free(st->gids);
    rdo_bigmem_free(st->qp_tables, st->qp_tables_bytes);
    g_free(st->page_qps);
    g_free(st->mr_used);
    g_free(st->mr_pending);
    g_free(st->mr_windows);
    g_free(st->cq_away);
    g_free(st->pd_away);
    g_free(st->mr_away);
    g_free(st->mr_key_fn);
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
    core->link2_up = cfg->ports == 2 && cfg->has_port2;
    if (cfg->sriov_max_vfs) {
        RdoSriov *sr = g_new0(RdoSriov, 1);

        sr->max_vfs = MIN(cfg->sriov_max_vfs, RDO_SRIOV_MAX_VFS);
        rdo_share_from_config(&sr->total, cfg);
        sr->fn[0] = core;
        core->sriov = sr;
    }
    rdo_core_reset(core);
}

void rdo_core_destroy(RdoCore *core)
{
    state_free(core);
    if (core->sriov && !core->fn) {
        for (uint32_t n = 1; n <= core->sriov->max_vfs; n++) {
            if (core->sriov->fn[n]) {
                core->sriov->fn[n]->sriov = NULL;
            }
        }
        g_free(core->sriov);
    }
    core->sriov = NULL;
}

/*
 * A VF: the PF's configuration with its own share, MAC and no SR-IOV of
 * its own. Its MAC is the PF's, locally administered, with byte 3 changed
 * by its number (docs/programming-model.md "Virtual functions").
 */
static void vf_config(RdoCore *vf)
{
    RdoCore *pf = vf->sriov->fn[0];

    vf->cfg = pf->cfg;
    vf->cfg.sriov_max_vfs = 0;
    vf->cfg.ports = 1;          /* the VFs share the PF's port 1 */
    rdo_share_to_config(&vf->cfg, &vf->sriov->share[vf->fn]);
    memcpy(vf->cfg.mac, pf->cfg.mac, 6);
    vf->cfg.mac[0] |= 0x02;
    vf->cfg.mac[3] ^= 0x80 | vf->fn;
}

void rdo_vf_init(RdoCore *vf, RdoCore *pf, uint32_t n,
                 const RdoHostOps *ops, void *host)
{
    memset(vf, 0, sizeof(*vf));
    vf->ops = ops;
    vf->host = host;
    vf->fn = n;
    vf->sriov = pf->sriov;
    vf->link_up = pf->link_up;
    vf_config(vf);
    rdo_core_reset(vf);
}

void rdo_vf_enable(RdoCore *vf, bool on)
{
    RdoSriov *sr = vf->sriov;

    if (!sr) {
        return;     /* its PF went first */
    }
    sr->fn[vf->fn] = NULL;
    /* The tables go by the share they were made for, before a new one. */
    state_free(vf);
    vf_config(vf);
    vf->link_up = sr->fn[0]->link_up;
    rdo_core_reset(vf);
    if (on) {
        sr->fn[vf->fn] = vf;
    }
}

void rdo_vf_destroy(RdoCore *vf)
{
    if (vf->sriov) {
        vf->sriov->fn[vf->fn] = NULL;
    }
    vf->sriov = NULL;
    state_free(vf);
}

/* Everything back to power-on; contexts in host memory are abandoned.
 * Frames the host holds for later go too. */
void rdo_core_reset(RdoCore *core)
{
    memset(&core->regs, 0, sizeof(core->regs));
    memset(&core->cnt, 0, sizeof(core->cnt));
    memset(&core->tcnt, 0, sizeof(core->tcnt));
    core->rx_frames_ignored = 0;
    if (core->ops->drop_frames) {
        core->ops->drop_frames(core->host);     /* with the core's own */
    }
    /* Freed by the configuration it was made with. */
    state_free(core);
    if (core->sriov && !core->fn) {
        /* The PF's reset disables its VFs (the SR-IOV capability's own
         * reset) and brings back the default split. */
        rdo_sriov_default_split(core->sriov, &core->cfg);
        memset(core->sriov->moved, 0, sizeof(core->sriov->moved));
        core->sriov->nmoved = 0;
        rdo_share_to_config(&core->cfg, &core->sriov->share[0]);
    }
    state_alloc(core);
    core->st->port_mtu = 1500;
    memcpy(core->st->port_mac, core->cfg.mac, 6);
    core->spans_host = core->ops->stage && core->st->tm;
    core->spans_on = core->spans_host;
    rdo_spans_poll(core);
}

/* Port 1's link, the host's stage state already asked (rdo_spans_poll). */
static void set_link_polled(RdoCore *core, bool up)
{
    bool was = core->link_up;

    core->link_up = up && core->cfg.has_port;
    /* The driver hears of a change on EQ 0 once the control path runs. */
    if (was != core->link_up && core->st->enabled && !rdo_core_is_fatal(core)) {
        rdo_async_event(core, RDO_EQE_PORT_CHANGE, 0,
                        core->link_up ? RDO_PORT_LINK_UP : 0);
    }
    /* The VFs share the PF's port. */
    if (core->sriov && !core->fn) {
        for (uint32_t n = 1; n <= core->sriov->max_vfs; n++) {
            if (core->sriov->fn[n]) {
                rdo_core_set_link(core->sriov->fn[n], up);
            }
        }
    }
}

void rdo_core_set_link(RdoCore *core, bool up)
{
    rdo_spans_poll(core);
    set_link_polled(core, up);
}

void rdo_core_set_port_link(RdoCore *core, unsigned port, bool up)
{
    bool was = core->link2_up;

    rdo_spans_poll(core);
    if (port != 2) {
        set_link_polled(core, up);
        return;
    }
    core->link2_up = up && core->cfg.ports == 2 && core->cfg.has_port2;
    /* The event names the port: obj 2 (port 1's keeps obj 0). */
    if (was != core->link2_up && core->st->enabled && !rdo_core_is_fatal(core)) {
        rdo_async_event(core, RDO_EQE_PORT_CHANGE, 2,
                        core->link2_up ? RDO_PORT_LINK_UP : 0);
    }
}

/* Work for a side engine (RdoState.side_work): their pending tests. */
bool rdo_side_pending(const RdoCore *core)
{
    return core->st->fo_pending || rdo_failover_pending(core) ||
           rdo_cqp_pending(core) || rdo_loopback_pending(core) ||
           rdo_cq_pending(core) || rdo_fault_pending(core) ||
           rdo_cm_pending(core) || rdo_eth_tx_pending(core) ||
           rdo_lro_pending(core);
}

#ifdef RDO_CHECK_SIDE_WORK
/* Debug builds: a producer of side work that did not say so (the work
 * would wait for other side work) stops the program here. */
static void side_work_check(RdoCore *core)
{
    if (!core->st->side_work && rdo_side_pending(core)) {
        g_error("rdma-offload: side-engine work queued without "
                "rdo_side_work (fo %d resume %d cqp %d loopback %d cq %d "
                "fault %d cm %d eth tx %d lro %d)", core->st->fo_pending,
                rdo_failover_pending(core), rdo_cqp_pending(core),
                rdo_loopback_pending(core), rdo_cq_pending(core),
                rdo_fault_pending(core), rdo_cm_pending(core),
                rdo_eth_tx_pending(core), rdo_lro_pending(core));
    }
}
#endif

/*
 * An engine's run is called only when its pending test, declared beside
 * the run, says it has work (timing mode wakes about twice a frame, mostly
 * with nothing for most engines): the call is spared, what runs and when
 * is unchanged. The side engines' tests are asked only while side work
 * was noted (RdoState.side_work), which the end of the wake-up clears
 * when none of them has any left. core->st is read again after each run:
 * a command may remake a function's state.
 */
RDO_HOT
void rdo_core_wakeup(RdoCore *core)
{
    rdo_spans_poll(core);
    if (!core->st->enabled || rdo_core_is_fatal(core)) {
        return;
    }
#ifdef RDO_CHECK_SIDE_WORK
    side_work_check(core);
#endif
    if (core->st->side_work) {
        if (core->st->fo_pending) {
            rdo_core_engine_fault(core, core->st->fo_pending_engine,
                                  "seeded fault injection (fault-engine-ppm)");
            if (rdo_core_is_fatal(core)) {
                return;
            }
        }
        if (rdo_failover_pending(core)) {
            rdo_failover_run(core);
        }
        if (rdo_cqp_pending(core)) {
            rdo_cqp_run(core);
        }
    }
    /* Timing model: frames out, interrupts, the receive FIFO. */
    if (rdo_egress_pending(core)) {
        rdo_egress_release(core);
    }
    if (rdo_ingress_pending(core)) {
        rdo_ingress_run(core);
    }
    if (core->st->side_work && rdo_loopback_pending(core)) {
        rdo_loopback_run(core);
    }
    /* The receive engine's deferred work (ACKs, responses), timed on its
     * own cursor. */
    rdo_xport_run(core);
    if (core->st->side_work && rdo_cm_pending(core)) {
        rdo_cm_run(core);
    }
    rdo_sq_run(core);
    if (core->st->side_work) {
        if (rdo_eth_tx_pending(core)) {
            rdo_eth_tx_run(core);
        }
        if (rdo_lro_pending(core)) {
            rdo_lro_run(core);
        }
        core->st->side_work = rdo_side_pending(core);
    }
}

uint8_t *rdo_core_save(RdoCore *core, size_t *len)
{
    return rdo_state_save(core, len);
}

/*
 * Engine failover: only the faulted engine's QPs are touched, each RC QP
 * rebuilt from its hard state in the store (state/failover.c), without a
 * reset of the device. With one engine that is every QP; the units the
 * engines share (context caches, bus, receive FIFO, egress) are not the
 * engine's and stay.
 */
static void engine_fault_in(RdoCore *core, uint32_t engine, const char *why)
{
    core->st->fo_pending = false;
    if (!core->st->enabled || rdo_core_is_fatal(core)) {
        return;
    }
    if (!core->cfg.failover) {
        /* Nothing kept recoverable. */
        core->cnt.fo_fatal++;
        rdo_core_fatal(core, RDO_FATAL_ENGINE, false, why);
        return;
    }
    rdo_failover_engine(core, engine % core->cfg.engines);
}

/*
 * With SR-IOV the engines are the adapter's and serve every function:
 * each enabled function rebuilds its own QPs of that engine from its own
 * store (or, without failover, loses them), and hears of it on its EQ 0.
 */
void rdo_core_engine_fault(RdoCore *core, uint32_t engine, const char *why)
{
    RdoSriov *sr = core->sriov;

    if (!sr) {
        engine_fault_in(core, engine, why);
        return;
    }
    core->st->fo_pending = false;
    for (uint32_t f = 0; f <= sr->max_vfs; f++) {
        if (sr->fn[f]) {
            engine_fault_in(sr->fn[f], engine, why);
        }
    }
}

/* From power-on state; a stream refused leaves the device as after a reset. */
bool rdo_core_load(RdoCore *core, const uint8_t *buf, size_t len, char **why)
{
    rdo_core_reset(core);
    if (!rdo_state_load(core, buf, len, why)) {
        rdo_core_reset(core);
        return false;
    }
    rdo_side_work(core);        /* whatever the stream queued */
    return true;
}
