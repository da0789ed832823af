/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: SR-IOV partition. The device's limits and context
 * caches are split among the PF and its VFs; each function is a core of its
 * own whose RdoConfig limits are its share, so every existing range check
 * keeps a function inside its partition. Here: the default split, the
 * rules a share must meet, the function that owns a MAC, and the count of
 * a function naming what lies beyond its share.
 */
#include <string.h>
#include "base/base.h"

/* The fields of a share, for loops over the kinds of resource. */
#define SHARE_FIELDS(X) \
    X(qp) X(cq) X(eq) X(pd) X(mr) X(srq) X(gid) X(qpc_cache) X(mrc_cache)

void rdo_share_from_config(struct rdo_vf_resources *r, const RdoConfig *cfg)
{
    memset(r, 0, sizeof(*r));
    r->qp = cfg->max_qp;
    r->cq = cfg->max_cq;
    r->eq = cfg->max_eq;
    r->pd = cfg->max_pd;
    r->mr = cfg->max_mr;
    r->srq = cfg->max_srq;
    r->gid = cfg->max_gid;
    r->qpc_cache = cfg->qpc_cache_entries;
    r->mrc_cache = cfg->mrc_cache_entries;
}

void rdo_share_to_config(RdoConfig *cfg, const struct rdo_vf_resources *r)
{
    cfg->max_qp = r->qp;
    cfg->max_cq = r->cq;
    cfg->max_eq = r->eq;
    cfg->max_pd = r->pd;
    cfg->max_mr = r->mr;
    cfg->max_srq = r->srq;
    cfg->max_gid = r->gid;
    cfg->qpc_cache_entries = r->qpc_cache;
    cfg->mrc_cache_entries = r->mrc_cache;
}

/*
 * What every function needs to work at all: QPs 0 and 1 are reserved and
 * two more make a connection; EQ 0, a CQ, a PD, an MR, a GID; context
 * caches of whole sets. SRQs may be none.
 */
bool rdo_share_ok(const struct rdo_vf_resources *r, const RdoConfig *cfg)
{
    uint32_t line = MAX(cfg->ctx_cache_ways, 2);
    uint32_t ways = MAX(cfg->ctx_cache_ways, 1);

    return r->qp >= 4 && r->cq >= 1 && r->eq >= 1 && r->pd >= 1 &&
           r->mr >= 1 && r->gid >= 1 && r->eq <= 4 * cfg->msix_vectors &&
           r->gid <= 256 && r->qpc_cache >= line && r->mrc_cache >= line &&
           r->qpc_cache % ways == 0 && r->mrc_cache % ways == 0 &&
           !r->reserved[0] && !r->reserved[1] && !r->reserved[2];
}

/*
 * What is left for the PF when the VFs have `vf` (all of them): false if
 * they take more than the device has.
 */
bool rdo_share_rest(const RdoSriov *sr, const struct rdo_vf_resources *vf,
                    struct rdo_vf_resources *pf)
{
    memset(pf, 0, sizeof(*pf));
#define REST(f) \
    if (vf->f > sr->total.f) { \
        return false; \
    } \
    pf->f = sr->total.f - vf->f;
    SHARE_FIELDS(REST)
#undef REST
    return true;
}

/* The sum of the VFs' shares, VF `skip` replaced by `with` (or none). */
void rdo_share_vfs(const RdoSriov *sr, uint32_t skip,
                   const struct rdo_vf_resources *with,
                   struct rdo_vf_resources *sum)
{
    memset(sum, 0, sizeof(*sum));
    for (uint32_t n = 1; n <= sr->max_vfs; n++) {
        const struct rdo_vf_resources *r = n == skip ? with : &sr->share[n];

        if (!r) {
            continue;
        }
#define ADD(f) sum->f += r->f;
        SHARE_FIELDS(ADD)
#undef ADD
    }
}

/*
 * The default split: each VF an equal part of every resource (caches in
 * whole sets), the PF the rest, (max_vfs + 1) parts in all. The PF may
 * redistribute with SET_VF_RESOURCES while no VF is enabled.
 */
void rdo_sriov_default_split(RdoSriov *sr, const RdoConfig *cfg)
{
    uint32_t parts = sr->max_vfs + 1;
    uint32_t ways = MAX(cfg->ctx_cache_ways, 1);
    struct rdo_vf_resources each, sum;

    memset(&each, 0, sizeof(each));
#define PART(f) each.f = sr->total.f / parts;
    SHARE_FIELDS(PART)
#undef PART
    each.qpc_cache -= each.qpc_cache % ways;
    each.mrc_cache -= each.mrc_cache % ways;
    for (uint32_t n = 1; n <= sr->max_vfs; n++) {
        sr->share[n] = each;
    }
    rdo_share_vfs(sr, 0, NULL, &sum);
    rdo_share_rest(sr, &sum, &sr->share[0]);
}

RdoCore *rdo_sriov_fn_by_mac(RdoSriov *sr, const uint8_t *mac)
{
    for (uint32_t n = 0; n <= sr->max_vfs; n++) {
        RdoCore *f = sr->fn[n];

        if (f && f->st && !memcmp(f->st->port_mac, mac, 6)) {
            return f;
        }
    }
    return NULL;
}

static uint32_t share_of(const struct rdo_vf_resources *r,
                         enum rdo_obj_kind kind)
{
    switch (kind) {
    case RDO_OBJ_QP: return r->qp;
    case RDO_OBJ_CQ: return r->cq;
    case RDO_OBJ_EQ: return r->eq;
    case RDO_OBJ_PD: return r->pd;
    case RDO_OBJ_MR: return r->mr;
    case RDO_OBJ_SRQ: return r->srq;
    default: return 0;
    }
}

/* The entry for QP qpn whose home (or, !home, where it lives) is fn. */
static RdoMoved *moved_find(RdoSriov *sr, bool home, uint32_t fn,
                            uint32_t qpn)
{
    for (uint32_t i = 0; sr->nmoved && i < RDO_SRIOV_MOVED_MAX; i++) {
        RdoMoved *m = &sr->moved[i];

        if (m->valid && (home ? m->home : m->at) == fn && m->qpn == qpn) {
            return m;
        }
    }
    return NULL;
}

RdoMoved *rdo_moved_home(RdoSriov *sr, uint32_t home, uint32_t qpn)
{
    return moved_find(sr, true, home, qpn);
}

RdoMoved *rdo_moved_at(RdoSriov *sr, uint32_t at, uint32_t qpn)
{
    return moved_find(sr, false, at, qpn);
}

RdoMoved *rdo_moved_by_mac(RdoSriov *sr, const uint8_t *mac, uint32_t qpn)
{
    for (uint32_t i = 0; sr->nmoved && i < RDO_SRIOV_MOVED_MAX; i++) {
        RdoMoved *m = &sr->moved[i];

        if (m->valid && m->qpn == qpn && !memcmp(m->mac, mac, 6)) {
            return m;
        }
    }
    return NULL;
}

void rdo_moved_forget(RdoSriov *sr, uint32_t at, uint32_t qpn)
{
    for (uint32_t i = 0; sr->nmoved && i < RDO_SRIOV_MOVED_MAX; i++) {
        RdoMoved *m = &sr->moved[i];

        if (m->valid && m->at == at && (qpn == RDO_NONE || m->qpn == qpn)) {
            m->valid = false;
            sr->nmoved--;
        }
    }
}

uint32_t rdo_fn_away(RdoCore *core, enum rdo_obj_kind kind, uint32_t num)
{
    RdoSriov *sr = core->sriov;
    RdoState *st = core->st;
    RdoMoved *m;

    if (!sr || !st || num >= share_of(&sr->share[core->fn], kind)) {
        return 0;
    }
    switch (kind) {
    case RDO_OBJ_QP:
        m = rdo_moved_home(sr, core->fn, num);
        return m && m->at != core->fn && !st->qp_used[num] ? m->at + 1u : 0;
    case RDO_OBJ_CQ:
        return st->cqs[num].valid ? 0 : st->cq_away[num];
    case RDO_OBJ_PD:
        return st->pds[num].valid ? 0 : st->pd_away[num];
    case RDO_OBJ_MR:
        return st->mr_used[num] || st->mr_pending[num] ? 0 : st->mr_away[num];
    default:
        return 0;
    }
}

/*
 * A function named object `num` of `kind` beyond its share but within the
 * device's: a number that, on the adapter, is another function's. The
 * caller refuses it as it refuses any number out of range; this counts it
 * per function and traces it. True if it was such a number.
 */
bool rdo_fn_beyond(RdoCore *core, enum rdo_obj_kind kind, uint32_t num,
                   const char *where)
{
    RdoSriov *sr = core->sriov;

    if (!sr || num < share_of(&sr->share[core->fn], kind) ||
        num >= share_of(&sr->total, kind)) {
        return false;
    }
    core->cnt.isolation++;
    rdo_guest_error(core, RDO_GE_FN_FOREIGN_OBJECT, num, kind,
                    "function %u named %s %u in %s, beyond its share of %u",
                    core->fn, rdo_obj_kind_name(kind), num, where,
                    share_of(&sr->share[core->fn], kind));
    return true;
}

/* The same, and a number within the share whose object moved to another
 * function (MOVE_QP): that function's now, refused and counted alike. */
bool rdo_fn_foreign(RdoCore *core, enum rdo_obj_kind kind, uint32_t num,
                    const char *where)
{
    uint32_t away = rdo_fn_away(core, kind, num);

    if (!away) {
        return rdo_fn_beyond(core, kind, num, where);
    }
    core->cnt.isolation++;
    rdo_guest_error(core, RDO_GE_FN_FOREIGN_OBJECT, num, kind,
                    "function %u named %s %u in %s; it moved to function %u",
                    core->fn, rdo_obj_kind_name(kind), num, where, away - 1);
    return true;
}
