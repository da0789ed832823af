/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: connections moved between functions (MOVE_QP, D18)
 * in the state stream. A device with VFs does not migrate (the VFs are
 * unmigratable), but a connection a VF moved to the PF stays the PF's
 * after the VFs are gone: its home address (the adapter's moved table),
 * the keys its MRs keep, and the numbers the PF handed away, so that a
 * migrated PF goes on answering to the address and keys the peer knows.
 */
#include <string.h>
#include "state/state.h"

static bool any_away(const uint8_t *a, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (a[i]) {
            return true;
        }
    }
    return false;
}

static bool moved_needed(RdoCore *core)
{
    RdoState *st = core->st;

    return core->sriov && !core->fn &&
           (core->sriov->nmoved ||
            any_away(st->mr_key_fn, st->usable_mrs) ||
            any_away(st->mr_away, st->usable_mrs) ||
            any_away(st->cq_away, core->cfg.max_cq) ||
            any_away(st->pd_away, core->cfg.max_pd));
}

/* The nonzero entries of a per-object table, then RDO_NONE. */
static void marks_save(RdoOut *o, const uint8_t *a, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (a[i]) {
            rdo_out_u32(o, i);
            rdo_out_u8(o, a[i]);
        }
    }
    rdo_out_u32(o, RDO_NONE);
}

static void marks_load(RdoIn *in, uint8_t *a, uint32_t n, uint32_t max_fn,
                       const char *what)
{
    while (rdo_in_ok(in)) {
        uint32_t i = rdo_in_u32(in);
        uint8_t v;

        if (i == RDO_NONE) {
            return;
        }
        v = rdo_in_u8(in);
        if (!rdo_in_check(in, i < n && v && v <= max_fn + 1u,
                          "%s %u: function %u", what, i, v)) {
            return;
        }
        a[i] = v;
    }
}

static void moved_save(RdoCore *core, RdoOut *o)
{
    RdoSriov *sr = core->sriov;
    RdoState *st = core->st;

    rdo_out_u32(o, sr->nmoved);
    for (uint32_t i = 0; i < RDO_SRIOV_MOVED_MAX; i++) {
        const RdoMoved *m = &sr->moved[i];

        if (m->valid) {
            rdo_out_u8(o, m->home);
            rdo_out_u8(o, m->at);
            rdo_out_u32(o, m->qpn);
            rdo_out_bytes(o, m->mac, 6);
            rdo_out_bytes(o, m->gid, 16);
        }
    }
    marks_save(o, st->mr_key_fn, st->usable_mrs);
    marks_save(o, st->mr_away, st->usable_mrs);
    marks_save(o, st->cq_away, core->cfg.max_cq);
    marks_save(o, st->pd_away, core->cfg.max_pd);
}

/*
 * Loaded into a PF whose VFs do not exist (they would have blocked the
 * migration): each entry is a connection living on the PF, at a QP
 * number the PF holds, with another function's address.
 */
static void moved_load(RdoCore *core, RdoIn *in)
{
    RdoSriov *sr = core->sriov;
    RdoState *st = core->st;
    uint32_t n;

    if (!rdo_in_check(in, sr && !core->fn, "moved connections on a device "
                      "without SR-IOV")) {
        return;
    }
    n = rdo_in_count(in, RDO_SRIOV_MOVED_MAX, 28, "moved connections");
    for (uint32_t i = 0; i < n && rdo_in_ok(in); i++) {
        RdoMoved *m = &sr->moved[i];

        m->home = rdo_in_u8(in);
        m->at = rdo_in_u8(in);
        m->qpn = rdo_in_u32(in);
        rdo_in_bytes(in, m->mac, 6);
        rdo_in_bytes(in, m->gid, 16);
        if (!rdo_in_check(in, m->at == 0 && m->home >= 1 &&
                          m->home <= sr->max_vfs && m->qpn < st->usable_qps &&
                          st->qp_used[m->qpn] &&
                          !rdo_moved_at(sr, 0, m->qpn),
                          "moved connection %u: QP %u from function %u at %u",
                          i, m->qpn, m->home, m->at)) {
            return;
        }
        m->valid = true;
        sr->nmoved++;
    }
    marks_load(in, st->mr_key_fn, st->usable_mrs, sr->max_vfs, "MR keys");
    marks_load(in, st->mr_away, st->usable_mrs, sr->max_vfs, "MR moved");
    marks_load(in, st->cq_away, core->cfg.max_cq, sr->max_vfs, "CQ moved");
    marks_load(in, st->pd_away, core->cfg.max_pd, sr->max_vfs, "PD moved");
}

const RdoSection rdo_state_moved_sections[] = {
    { 41, 0, "moved-connections", moved_needed, moved_save, moved_load },
    { 0 }
};
