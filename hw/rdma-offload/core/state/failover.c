/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: protocol-engine failover (seed 003, D19; docs/
 * architecture.md "Engine failover"). core.c runs the failover itself
 * (the engine's hard state as a stream, a reset, the stream loaded); these
 * are its two halves around that: what the fault throws away, and what
 * the substitute engine does before it resumes (receive blocked for the
 * blackout, requesters back to their oldest unacknowledged PSN, the
 * driver told on EQ 0).
 */
#include "state/state.h"

/* Frames on their way in or out: soft state, lost with the engine. */
uint64_t rdo_failover_soft_frames(RdoCore *core)
{
    RdoState *st = core->st;
    uint64_t n = g_queue_get_length(&st->fault->delayed) +
                 (st->fault->held != NULL) +
                 g_queue_get_length(&st->loopback->frames);

    if (st->tm) {
        n += st->tm->rx_fifo.len + st->tm->egress.len + st->tm->egress2.len;
    }
    return n;
}

/* The blackout (timing model): the engine resets, then reads the hard
 * state back (`bytes`) over the bus; reception is refused until then. */
static void blackout(RdoCore *core, uint64_t start_ps, size_t bytes)
{
    RdoState *st = core->st;
    RdoTiming *t = st->tm;
    uint64_t end = start_ps + rdo_tm_cycles_ps(t, core->cfg.failover_reset_cycles);
    RdoFlow flow = rdo_tm_set_flow(core, RDO_FLOW_CTX);

    end = rdo_tm_bus(core, end, 0, bytes, false);
    rdo_tm_set_flow(core, flow);
    for (int e = 0; e < RDO_ENG__COUNT; e++) {
        t->free_ps[e] = MAX(t->free_ps[e], end);
    }
    st->fo_blackout_ps = end;
    core->cnt.fo_blackout_cycles = rdo_tm_ps_to_cycles(t, end - start_ps);
    rdo_tm_schedule(core, end);
}

/*
 * A connected RC QP resumes: its requester goes back to the oldest
 * unacknowledged PSN, its responder acknowledges what it has (the ACKs
 * the fault lost would otherwise cost the peer its retransmit timer).
 */
static void resume_qp(RdoCore *core, uint32_t qpn)
{
    RdoQpCtx *qp = rdo_qp_get(core, qpn);
    RdoXport *x = &core->st->xport[qpn];

    if (!qp) {
        /* The substitute engine loads the context from the store: one the
         * driver corrupted fails this QP, as at any other load. */
        if (!rdo_core_is_fatal(core)) {
            rdo_async_event(core, RDO_EQE_QP_ERROR, qpn, RDO_QP_ERR_CONTEXT);
        }
        return;
    }
    if (qp->state != RDO_QPS_RTS && qp->state != RDO_QPS_SQD) {
        return;
    }
    rdo_req_resume(core, qpn);
    if (x->resp.epsn != qp->rq_psn && x->resp.seq == RDO_SEQ_IN_ORDER &&
        !x->resp.ack_pending) {
        rdo_resp_ack_later(core, qpn, x, rdo_psn_add(x->resp.epsn, RDO_PSN_MASK));
    }
}

void rdo_failover_resume(RdoCore *core, uint64_t start_ps, size_t bytes,
                         uint64_t lost_frames)
{
    RdoState *st = core->st;
    uint32_t qps = rdo_state_qps(core);

    if (st->tm) {
        blackout(core, start_ps, bytes);
    } else {
        core->cnt.fo_blackout_cycles = 0;
    }
    for (uint32_t i = 0; i < st->usable_qps; i++) {
        if (st->qp_used[i] && st->qp_bind[i].type == RDO_QPT_RC) {
            resume_qp(core, i);
        }
    }
    core->cnt.fo_recoveries++;
    core->cnt.fo_qps += qps;
    core->cnt.fo_drops += lost_frames;
    rdo_async_event(core, RDO_EQE_ENGINE_RECOVERED,
                    (uint32_t)core->cnt.fo_recoveries, qps);
}
