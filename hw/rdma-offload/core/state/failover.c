/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: protocol-engine failover (seed 003, D19; docs/
 * architecture.md "Engine failover"). A fault of an engine (of one or of
 * several) touches its QPs only: each RC QP is rebuilt from its hard state
 * in the QP context store (xport/hard.c), receives nothing during the
 * blackout (timing model) and then resumes on the substitute engine
 * (requester back to its oldest unacknowledged PSN, responder telling the
 * peer where it is); the driver is told on EQ 0. Also the engines' and the
 * failover's sections of the state stream (44, 46).
 */
#include "state/state.h"

/*
 * The substitute engine rebuilds a QP's transport from the hard state in
 * the store (xport/hard.c), not from what the lost engine held; true if
 * the QP is to resume. A context or an image the driver corrupted fails
 * this QP only.
 */
static bool recover_qp(RdoCore *core, uint32_t qpn)
{
    RdoQpCtx *qp;

    /* The lost engine's clean copy of the context is not trusted: the
     * substitute loads it from the store (a dirty line is the cache's,
     * newer than the store, and stays). */
    rdo_ctx_forget_clean(&core->st->qpc, qpn);
    /* Its held WQEs were the lost engine's too. */
    rdo_tx_hold_drop_qp(core->st, qpn);
    qp = rdo_qp_get(core, qpn);

    if (!qp) {
        /* The substitute engine loads the context from the store: one the
         * driver corrupted fails this QP, as at any other load. */
        if (!rdo_core_is_fatal(core)) {
            rdo_async_event(core, RDO_EQE_QP_ERROR, qpn, RDO_QP_ERR_CONTEXT);
        }
        return false;
    }
    if (qp->state != RDO_QPS_RTR && qp->state != RDO_QPS_RTS &&
        qp->state != RDO_QPS_SQD) {
        return false;
    }
    /* Payload gathered but not placed is the aggregation unit's: it goes
     * to memory first, and what the rollback to the image makes the peer
     * send again lands on the same bytes. */
    rdo_agg_flush(core, qpn);
    if (!rdo_xport_recover(core, qpn)) {
        rdo_qp_to_error(core, qpn, qp, RDO_QP_ERR_CONTEXT);
        return false;
    }
    return true;
}

/*
 * A recovered RC QP resumes: its requester goes back to the oldest
 * unacknowledged PSN, its responder (if it has received anything, or
 * frames for it were refused in the blackout) tells
 * the peer where it is with a PSN sequence NAK of its expected PSN: that acknowledges everything before
 * it (the ACKs the fault lost would otherwise cost the peer its
 * retransmit timer) and makes the peer resend at once what the rollback
 * to the image, or a blackout's refusals, took back.
 */
static void resume_qp(RdoCore *core, uint32_t qpn)
{
    RdoQpCtx *qp = rdo_qp_get(core, qpn);
    RdoXport *x = &core->st->xport[qpn];

    if (!qp || (qp->state != RDO_QPS_RTS && qp->state != RDO_QPS_SQD)) {
        return;
    }
    rdo_req_resume(core, qpn);
    if ((x->resp.epsn != qp->rq_psn || x->resp.fo_refused) &&
        x->resp.seq == RDO_SEQ_IN_ORDER && !x->resp.ack_pending) {
        /* At the end of the round, as a coalesced ACK: with one engine,
         * after the blackout the whole device is in. */
        x->resp.seq = RDO_SEQ_NAK_SENT;
        rdo_resp_ack_later(core, qpn, x, x->resp.epsn);
        x->resp.ack_syndrome = RDO_AETH_NAK_PSN_SEQ;
    }
    x->resp.fo_refused = false;
}

static void recovered(RdoCore *core, uint32_t engine, uint32_t qps)
{
    core->cnt.fo_recoveries++;
    core->cnt.fo_qps += qps;
    core->st->eng_faults[engine]++;
    rdo_async_event(core, RDO_EQE_ENGINE_RECOVERED,
                    (uint32_t)core->cnt.fo_recoveries, qps);
}

/* The next engine that is not `engine`: where its QPs go. */
static uint32_t substitute(RdoCore *core, uint32_t engine)
{
    return (engine + 1) % core->cfg.engines;
}

/* A QP's blackout is over: it moves to the substitute and resumes. */
static void qp_resumes(RdoCore *core, uint32_t qpn)
{
    RdoState *st = core->st;

    st->qp_blackout_ps[qpn] = 0;
    st->qp_engine[qpn] = (uint8_t)substitute(core, st->qp_engine[qpn]);
    resume_qp(core, qpn);
}

/*
 * One engine of several faults (engines > 1): only its QPs are touched.
 * Each RC QP is rebuilt from the store at once (the lost engine's copy is
 * not used); with the timing model its frames are refused until the
 * substitute has reset and read their hard state back over the bus, and
 * then it resumes there (rdo_failover_run); without, at once. The other
 * engines' QPs run on through it all.
 */
void rdo_failover_engine(RdoCore *core, uint32_t engine)
{
    RdoState *st = core->st;
    RdoTiming *t = st->tm;
    uint64_t start = t ? rdo_tm_now_ps(core) : 0, end = start;
    uint32_t qps = 0;
    size_t bytes = 0;

    for (uint32_t i = 0; i < st->usable_qps; i++) {
        if (st->qp_used[i] && st->qp_engine[i] == engine &&
            st->qp_bind[i].type == RDO_QPT_RC && recover_qp(core, i)) {
            qps++;
            bytes += rdo_xport_recover_bytes(core, i);
        }
    }
    if (t) {
        RdoFlow flow = rdo_tm_set_flow(core, RDO_FLOW_CTX);

        end = rdo_tm_bus(core, start + rdo_tm_cycles_ps(t, core->cfg.failover_reset_cycles),
                         0, bytes, false);
        rdo_tm_set_flow(core, flow);
        core->cnt.fo_blackout_cycles = rdo_tm_ps_to_cycles(t, end - start);
        st->fo_resume_ps = st->fo_resume_ps ? MIN(st->fo_resume_ps, end) : end;
        rdo_side_work(core);
        rdo_tm_schedule(core, end);
    } else {
        core->cnt.fo_blackout_cycles = 0;
    }
    for (uint32_t i = 0; i < st->usable_qps; i++) {
        if (!st->qp_used[i] || st->qp_engine[i] != engine) {
            continue;
        }
        if (t && st->qp_bind[i].type == RDO_QPT_RC) {
            st->qp_blackout_ps[i] = end;
        } else {
            qp_resumes(core, i);    /* UD, UC: nothing to rebuild */
        }
    }
    recovered(core, engine, qps);
}

/* Wake-up: QPs whose blackout has ended resume on their substitute. */
void rdo_failover_run(RdoCore *core)
{
    RdoState *st = core->st;
    uint64_t now, next = 0;

    if (!rdo_failover_pending(core)) {
        return;
    }
    now = st->tm ? rdo_tm_now_ps(core) : UINT64_MAX;
    if (now < st->fo_resume_ps) {
        /* A wake-up request is for the next wake-up only: ask again. */
        rdo_tm_schedule(core, st->fo_resume_ps);
        return;
    }
    for (uint32_t i = 0; i < st->usable_qps; i++) {
        uint64_t at = st->qp_blackout_ps[i];

        if (!at) {
            continue;
        }
        if (!st->qp_used[i]) {
            st->qp_blackout_ps[i] = 0;      /* destroyed, or moved away */
            continue;
        }
        if (at <= now) {
            qp_resumes(core, i);
        } else {
            next = next ? MIN(next, at) : at;
        }
    }
    st->fo_resume_ps = next;
    if (next) {
        rdo_tm_schedule(core, next);
    }
}

/*
 * The engines in the state stream: each QP's engine, per engine its
 * faults and refused frames, whether a QP is in a blackout (section 46,
 * below, says until when).
 */
static bool engines_needed(RdoCore *core)
{
    RdoState *st = core->st;

    if (core->cfg.engines > 1 || st->eng_select) {
        return true;
    }
    for (uint32_t e = 0; e < RDO_ENGINES_MAX; e++) {
        if (st->eng_faults[e] || st->eng_drops[e]) {
            return true;
        }
    }
    return false;
}

static void engines_save(RdoCore *core, RdoOut *o)
{
    RdoState *st = core->st;

    rdo_out_u32(o, core->cfg.engines);
    rdo_out_u32(o, st->eng_next);
    rdo_out_u32(o, st->eng_select);
    for (uint32_t e = 0; e < core->cfg.engines; e++) {
        rdo_out_u64(o, st->eng_faults[e]);
        rdo_out_u64(o, st->eng_drops[e]);
    }
    for (uint32_t i = 0; i < st->usable_qps; i++) {
        if (st->qp_used[i]) {
            rdo_out_u32(o, i);
            rdo_out_u8(o, st->qp_engine[i]);
            rdo_out_u8(o, st->qp_blackout_ps[i] != 0);
        }
    }
    rdo_out_u32(o, RDO_NONE);
}

static void engines_load(RdoCore *core, RdoIn *in)
{
    RdoState *st = core->st;
    uint32_t n = rdo_in_u32(in);

    if (!rdo_in_check(in, n == core->cfg.engines, "%u protocol engines, "
                      "this device has %u", n, core->cfg.engines)) {
        return;
    }
    st->eng_next = rdo_in_u32(in);
    st->eng_select = rdo_in_u32(in);
    if (!rdo_in_check(in, st->eng_next < n && st->eng_select < n,
                      "engine %u next, %u selected", st->eng_next,
                      st->eng_select)) {
        return;
    }
    for (uint32_t e = 0; e < n; e++) {
        st->eng_faults[e] = rdo_in_u64(in);
        st->eng_drops[e] = rdo_in_u64(in);
    }
    while (rdo_in_ok(in)) {
        uint32_t i = rdo_in_u32(in);
        uint8_t e, pending;

        if (i == RDO_NONE) {
            return;
        }
        e = rdo_in_u8(in);
        pending = rdo_in_u8(in);
        if (!rdo_in_check(in, i < st->usable_qps && st->qp_used[i] && e < n &&
                          pending <= 1, "QP %u on engine %u (%u)", i, e,
                          pending)) {
            return;
        }
        st->qp_engine[i] = e;
        if (pending) {
            st->qp_blackout_ps[i] = 1;
            st->fo_resume_ps = 1;
        }
    }
}

/*
 * Section 46, with failover: what keeps the store's copy of the hard state
 * in step with the device's across a migration (the store itself is guest
 * memory and migrates with it): each RC QP's record numbering and the CRC
 * of each record's copy, and the blackouts in progress, as times of the
 * device clock (QEMU's virtual clock, which migrates). Written whenever
 * failover is on, and required then (RDO_SECT_BY_CONFIG): a stream from
 * before it had the QP context store laid out 256 bytes a QP, which this
 * device cannot read, and is refused.
 */
static bool fo_needed(RdoCore *core)
{
    return core->cfg.failover;
}

static void fo_save(RdoCore *core, RdoOut *o)
{
    RdoState *st = core->st;

    for (uint32_t i = 0; i < st->usable_qps; i++) {
        const RdoReqPart *q = &st->xport[i].req;

        if (!st->qp_used[i] || st->qp_bind[i].type != RDO_QPT_RC) {
            continue;
        }
        rdo_out_u32(o, i);
        rdo_out_u64(o, st->qp_blackout_ps[i]);
        rdo_out_u32(o, q->fo_seq_next);
        rdo_out_u32(o, g_queue_get_length((GQueue *)&q->sent));
        for (GList *l = q->sent.head; l; l = l->next) {
            const RdoSendRec *rec = l->data;

            rdo_out_u32(o, rec->fo_seq);
            rdo_out_u32(o, rec->fo_crc);
        }
    }
    rdo_out_u32(o, RDO_NONE);
}

/* A blackout's end: 0 (none), or a time of the device clock not too far
 * ahead (it cannot be behind by more than the downtime: taken as over). */
static uint64_t blackout_end(RdoIn *in, const char *what)
{
    uint64_t ps = rdo_in_u64(in);

    if (!ps) {
        return 0;
    }
    rdo_in_check(in, ps / 1000 <= in->now_ns + RDO_STATE_HORIZON_NS,
                 "%s ends %" G_GUINT64_FORMAT " ps, too far ahead", what, ps);
    return ps;
}

static void fo_load(RdoCore *core, RdoIn *in)
{
    RdoState *st = core->st;
    uint64_t resume = 0;

    while (rdo_in_ok(in)) {
        uint32_t i = rdo_in_u32(in), next, n;
        uint64_t end;
        RdoReqPart *q;
        GList *l;

        if (i == RDO_NONE) {
            break;
        }
        if (!rdo_in_check(in, i < st->usable_qps && st->qp_used[i] &&
                          st->qp_bind[i].type == RDO_QPT_RC,
                          "failover: QP %u is not an RC QP", i)) {
            return;
        }
        q = &st->xport[i].req;
        end = blackout_end(in, "a QP's blackout");
        next = rdo_in_u32(in);
        n = rdo_in_u32(in);
        if (!rdo_in_check(in, n == g_queue_get_length(&q->sent) &&
                          n <= RDO_QPC_FO_RECS, "failover: QP %u has %u records, "
                          "the stream %u", i, g_queue_get_length(&q->sent), n)) {
            return;
        }
        q->fo_seq_next = next;
        l = q->sent.head;
        for (uint32_t k = 0; k < n && rdo_in_ok(in); k++, l = l->next) {
            RdoSendRec *rec = l->data;

            rec->fo_seq = rdo_in_u32(in);
            rec->fo_crc = rdo_in_u32(in);
            /* Numbered in a row, up to the next number. */
            rdo_in_check(in, rec->fo_seq == next - n + k,
                         "failover: QP %u record %u numbered %u", i, k, rec->fo_seq);
        }
        /* Section 44 marked it pending; this says until when. */
        st->qp_blackout_ps[i] = end;
        if (end) {
            resume = resume ? MIN(resume, end) : end;
        }
    }
    st->fo_resume_ps = resume;
}

/* Numbered from 0 in list order, to be written again; section 46 then
 * says what they were (a QP it does not list keeps these). */
void rdo_failover_number_records(RdoCore *core)
{
    RdoState *st = core->st;

    for (uint32_t i = 0; i < st->usable_qps; i++) {
        uint32_t k = 0;

        if (!st->qp_used[i] || st->qp_bind[i].type != RDO_QPT_RC) {
            continue;
        }
        for (GList *l = st->xport[i].req.sent.head; l; l = l->next) {
            RdoSendRec *rec = l->data;

            rec->fo_seq = k++;
            rec->fo_crc = 0;
        }
        st->xport[i].req.fo_seq_next = k;
    }
}

const RdoSection rdo_state_engine_sections[] = {
    { 44, 0, "engines", engines_needed, engines_save, engines_load },
    { 0 }
};

/* After the flow queues' 45. */
const RdoSection rdo_state_failover_sections[] = {
    { 46, RDO_SECT_BY_CONFIG, "failover", fo_needed, fo_save, fo_load },
    { 0 }
};
