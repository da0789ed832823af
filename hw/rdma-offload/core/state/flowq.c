/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the application flows of the bus in the state stream
 * (section 45). The flow class MODIFY_QP gave each QP is hard state (the
 * driver set it once and queries it); with the timing model on, the payload
 * queues' booked work on each PCIe direction is kept like the kinds' queues
 * in the timing section, so arbitration goes on where it was.
 */
#include "state/state.h"

static uint32_t classed_qps(const RdoCore *core)
{
    uint32_t n = 0;

    for (uint32_t i = 0; i < core->st->usable_qps; i++) {
        n += core->st->qp_used[i] && core->st->qp_flow_class[i];
    }
    return n;
}

static bool flowq_needed(RdoCore *core)
{
    const RdoTiming *t = core->st->tm;

    return classed_qps(core) || (t && t->busq > RDO_TM_APPQ);
}

/* The queues with work booked (the others are idle): index and times. */
static void queues_save(RdoOut *o, const RdoTmDir *d, uint32_t nq)
{
    uint32_t n = 0;

    for (uint32_t q = RDO_TM_APPQ; q < RDO_TM_APPQ + nq; q++) {
        n += d->end_ps[q] != 0;
    }
    rdo_out_u32(o, n);
    for (uint32_t q = RDO_TM_APPQ; q < RDO_TM_APPQ + nq; q++) {
        if (d->end_ps[q]) {
            rdo_out_u32(o, q - RDO_TM_APPQ);
            rdo_out_u64(o, d->end_ps[q]);
            rdo_out_u64(o, d->tlp_ps[q]);
        }
    }
}

static void queues_load(RdoIn *in, RdoTmDir *d, uint32_t nq)
{
    uint32_t n = rdo_in_count(in, nq, 20, "PCIe flow queues");

    for (uint32_t k = 0; k < n && rdo_in_ok(in); k++) {
        uint32_t q = RDO_TM_APPQ + rdo_in_index(in, nq, "PCIe flow queue");

        d->end_ps[q] = rdo_in_time_ps(in, "PCIe flow queue");
        d->booked |= 1ull << (q - RDO_TM_APPQ);
        d->tlp_ps[q] = rdo_in_u64(in);
        /* Arbitration divides by a queue's TLP time when it has work. */
        rdo_in_check(in, d->tlp_ps[q] != 0, "PCIe flow queue %u: work "
                     "booked, no TLP time", q - RDO_TM_APPQ);
    }
    rdo_tm_bus_reindex(d);
}

static void flowq_save(RdoCore *core, RdoOut *o)
{
    const RdoState *st = core->st;
    const RdoTiming *t = st->tm;
    uint32_t nq = t && t->busq > RDO_TM_APPQ ? t->busq - RDO_TM_APPQ : 0;

    rdo_out_u32(o, classed_qps(core));
    for (uint32_t i = 0; i < st->usable_qps; i++) {
        if (st->qp_used[i] && st->qp_flow_class[i]) {
            rdo_out_u32(o, i);
            rdo_out_u8(o, st->qp_flow_class[i]);
        }
    }
    rdo_out_u32(o, nq);
    if (nq) {
        queues_save(o, &t->up, nq);
        queues_save(o, &t->down, nq);
    }
}

static void flowq_load(RdoCore *core, RdoIn *in)
{
    RdoState *st = core->st;
    RdoTiming *t = st->tm;
    uint32_t n = rdo_in_count(in, st->usable_qps, 5, "QPs with a flow class");
    uint32_t nq;

    for (uint32_t k = 0; k < n && rdo_in_ok(in); k++) {
        uint32_t qpn = rdo_in_index(in, st->usable_qps, "QP");
        uint8_t cls = rdo_in_u8(in);

        if (rdo_in_check(in, st->qp_used[qpn] && cls && cls <= RDO_FLOW_CLASS_MAX,
                         "QP %u: flow class %u", qpn, cls)) {
            st->qp_flow_class[qpn] = cls;
        }
    }
    nq = rdo_in_u32(in);
    if (!nq || !rdo_in_ok(in)) {
        return;
    }
    if (rdo_in_check(in, t && t->busq == RDO_TM_APPQ + nq, "%u PCIe flow "
                     "queues, not this device's", nq)) {
        queues_load(in, &t->up, nq);
        queues_load(in, &t->down, nq);
    }
}

const RdoSection rdo_state_flowq_sections[] = {
    { 45, 0, "flow-queues", flowq_needed, flowq_save, flowq_load },
    { 0 }
};
