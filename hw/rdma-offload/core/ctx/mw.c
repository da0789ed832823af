/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: memory windows. A window is a context in the MR
 * store (its index and key in the MR key space, flag WINDOW) that, once
 * bound, grants remote rights to a range of one MR: it holds the range,
 * the rights and the MR's key, and mr-dma.c translates through that MR.
 * Type 1 windows serve every QP of their PD; type 2 (IBA type 2B) only
 * the QP that bound them, named by number and incarnation so a QP created
 * later under the same number does not inherit them. Each MR counts the
 * windows bound to it (RdoState.mr_windows): DEREG_MR waits for none.
 * The checks and their IBA rules are here, and invalidation of a key (an
 * MR's or a window's); xport/mw.c turns refusals into completions.
 */
#include "ctx/ctx.h"

bool rdo_mw_admits(RdoCore *core, const RdoMrCtx *w, uint32_t qpn)
{
    return !(w->flags & RDO_MR_F_TYPE2) ||
           (w->qpn == qpn && qpn < core->st->usable_qps &&
            w->qp_gen == core->st->qp_gen[qpn]);
}

void rdo_mw_unbind(RdoCore *core, RdoMrCtx *w)
{
    uint32_t *held;

    if (!(w->flags & RDO_MR_F_VALID)) {
        return;
    }
    held = &core->st->mr_windows[RDO_MR_KEY_INDEX(w->mr_key)];
    if (*held) {
        (*held)--;
    }
    w->flags &= ~RDO_MR_F_VALID;
    w->iova = w->length = 0;
    w->access = 0;
    w->mr_key = 0;
    w->qpn = w->qp_gen = 0;
    rdo_ctx_dirty(core, &core->st->mrc, w);
}

/*
 * A context lookup's outcome as a bind's: a queued command stalls on the
 * key's index, an unreachable context is a DMA error, and any other miss
 * is @bad (the window or the MR the bind names).
 */
static RdoMwBind bind_lookup(enum rdo_mr_lookup res, uint32_t key,
                             RdoMwBind bad, uint32_t *stall)
{
    switch (res) {
    case RDO_MR_OK:
        return RDO_MWB_OK;
    case RDO_MR_PENDING:
        *stall = RDO_MR_KEY_INDEX(key);
        return RDO_MWB_PENDING;
    case RDO_MR_DMA:
        return RDO_MWB_DMA;
    default:
        return bad;
    }
}

/* The window a bind names: of the QP's PD, with its current key. */
static RdoMwBind window_of(RdoCore *core, uint32_t pdn, uint32_t key,
                           RdoMrCtx **out, uint32_t *stall)
{
    RdoMrCtx *w;
    RdoMwBind r = bind_lookup(rdo_mr_at(core, rdo_key_mr(core, key), &w),
                              key, RDO_MWB_BAD_MW, stall);

    if (r != RDO_MWB_OK) {
        return r;
    }
    if (!(w->flags & RDO_MR_F_WINDOW) || w->pdn != pdn ||
        w->key != (key & 0xff)) {
        return RDO_MWB_BAD_MW;
    }
    *out = w;
    return RDO_MWB_OK;
}

/* The MR a bind names, and whether the window may lie on it. */
static RdoMwBind check_mr(RdoCore *core, uint32_t pdn,
                          const struct rdo_bind_mw_wqe *b, uint16_t access,
                          uint32_t *stall)
{
    RdoMrCtx *mr;
    RdoMwBind r = bind_lookup(rdo_mr_lookup(core, b->mr_key, pdn, &mr),
                              b->mr_key, RDO_MWB_BAD_MR, stall);

    if (r != RDO_MWB_OK) {
        return r;
    }
    if (mr->flags & RDO_MR_F_WINDOW) {
        return RDO_MWB_BAD_MR;
    }
    if (!(mr->access & RDO_ACCESS_MW_BIND)) {
        return RDO_MWB_NO_BIND;
    }
    if ((access & (RDO_ACCESS_REMOTE_WRITE | RDO_ACCESS_REMOTE_ATOMIC)) &&
        !(mr->access & RDO_ACCESS_LOCAL_WRITE)) {
        return RDO_MWB_ACCESS;
    }
    if (b->addr < mr->iova || b->length > mr->length ||
        b->addr - mr->iova > mr->length - b->length) {
        return RDO_MWB_RANGE;
    }
    return RDO_MWB_OK;
}

RdoMwBind rdo_mw_bind(RdoCore *core, uint32_t qpn, uint32_t pdn,
                      const struct rdo_bind_mw_wqe *b, uint32_t *stall)
{
    /* A window grants remote rights only; LOCAL_WRITE is what the MR has. */
    uint16_t access = b->access & ~RDO_ACCESS_LOCAL_WRITE;
    RdoMrCtx *w;
    RdoMwBind r = window_of(core, pdn, b->mw_key, &w, stall);
    bool type2;

    if (r != RDO_MWB_OK) {
        return r;
    }
    type2 = w->flags & RDO_MR_F_TYPE2;
    if (type2 && (w->flags & RDO_MR_F_VALID)) {
        return RDO_MWB_BOUND;
    }
    if (access & ~RDO_ACCESS_REMOTE) {
        return RDO_MWB_ACCESS;
    }
    if (!b->length) {
        if (type2) {
            return RDO_MWB_RANGE;
        }
        /* Type 1, length 0: unbound, with its new key. */
        rdo_mw_unbind(core, w);
        w->key = b->new_tag;
        rdo_ctx_dirty(core, &core->st->mrc, w);
        return RDO_MWB_OK;
    }
    /* One more context get: w stays valid (ctx-cache.c holds two). */
    r = check_mr(core, pdn, b, access, stall);
    if (r != RDO_MWB_OK) {
        return r;
    }
    rdo_mw_unbind(core, w);     /* a type-1 window's earlier binding */
    core->st->mr_windows[RDO_MR_KEY_INDEX(b->mr_key)]++;
    w->iova = b->addr;
    w->length = b->length;
    w->access = access;
    w->mr_key = b->mr_key;
    w->key = b->new_tag;
    w->flags |= RDO_MR_F_VALID;
    if (type2) {
        w->qpn = qpn;
        w->qp_gen = core->st->qp_gen[qpn];
    }
    rdo_ctx_dirty(core, &core->st->mrc, w);
    return RDO_MWB_OK;
}

RdoInval rdo_key_invalidate(RdoCore *core, uint32_t key, uint32_t pdn,
                            uint32_t qpn)
{
    RdoMrCtx *mr;

    switch (rdo_mr_lookup(core, key, pdn, &mr)) {
    case RDO_MR_OK:
        break;
    case RDO_MR_PENDING:
        return RDO_INV_PENDING;
    default:
        return RDO_INV_BAD_KEY;
    }
    if (!(mr->flags & RDO_MR_F_WINDOW)) {
        /* A peer may invalidate only a region it could reach. */
        if (qpn != RDO_NONE && !(mr->access & RDO_ACCESS_REMOTE)) {
            return RDO_INV_BAD_KEY;
        }
        mr->flags &= ~RDO_MR_F_VALID;
        rdo_ctx_dirty(core, &core->st->mrc, mr);
        return RDO_INV_OK;
    }
    if (!(mr->flags & RDO_MR_F_TYPE2)) {
        return RDO_INV_TYPE1;
    }
    if (qpn != RDO_NONE && !rdo_mw_admits(core, mr, qpn)) {
        return RDO_INV_BAD_KEY;
    }
    rdo_mw_unbind(core, mr);
    return RDO_INV_OK;
}
