/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rdma-offload core: life cycle, configuration and error reporting. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctrl/ctrl.h"
#include "ingress/ingress.h"
#include "sched/sched.h"
#include "state/state.h"

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
    st->qp_gen = g_new0(uint32_t, c->max_qp);
    st->sq_queued = g_new0(uint8_t, c->max_qp);
    st->mr_used = g_new0(uint8_t, c->max_mr);
    st->mr_pending = g_new0(uint8_t, c->max_mr);
    st->mr_windows = g_new0(uint32_t, c->max_mr);
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
    g_free(st->mr_windows);
    g_free(st->qp_gen);
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

void rdo_core_wakeup(RdoCore *core)
{
    if (!core->st->enabled || rdo_core_is_fatal(core)) {
        return;
    }
    rdo_cqp_run(core);
    if (core->st->tm) {
        /* Frames out, interrupts, the receive FIFO. */
        rdo_egress_release(core);
        rdo_ingress_run(core);
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

uint8_t *rdo_core_save(RdoCore *core, size_t *len)
{
    return rdo_state_save(core, len);
}

/* From power-on state; a stream refused leaves the device as after a reset. */
bool rdo_core_load(RdoCore *core, const uint8_t *buf, size_t len, char **why)
{
    rdo_core_reset(core);
    if (!rdo_state_load(core, buf, len, why)) {
        rdo_core_reset(core);
        return false;
    }
    return true;
}
