/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: memory regions. The key lookup the data path uses
 * (MRs and windows share the key space), fast registration.
 * An MR's context lives in the MR context store (host memory) and is
 * cached; its page list stays in guest memory, owned by the device until
 * deregistration (a fast registration's: until the MR is invalidated or
 * registered again).
 */
#include <string.h>
#include "ctx/ctx.h"

/* A window's own fields (mw.c keeps them so). */
static bool window_ctx_ok(RdoCore *core, const RdoMrCtx *w)
{
    return !(w->flags & RDO_MR_F_FAST_REG) && !w->num_pages &&
           !(w->access & ~RDO_ACCESS_REMOTE) &&
           (!(w->flags & RDO_MR_F_VALID) ||
            RDO_MR_KEY_INDEX(w->mr_key) < core->st->usable_mrs) &&
           (!(w->flags & RDO_MR_F_TYPE2) || !(w->flags & RDO_MR_F_VALID) ||
            w->qpn < core->st->usable_qps);
}

/* An MR context as read from host memory that cannot be one we wrote. */
static bool mr_corrupt(RdoCore *core, const RdoMrCtx *mr, uint32_t index)
{
    return mr->magic != (RDO_MRC_MAGIC ^ index) ||
           mr->page_shift < RDO_PAGE_SHIFT || mr->page_shift > 30 ||
           mr->num_pages > RDO_MR_PAGES_MAX ||
           !rdo_mr_list_ok(mr->page_list, mr->num_pages) ||
           (mr->flags & ~(RDO_MR_F_VALID | RDO_MR_F_FAST_REG |
                          RDO_MR_F_WINDOW | RDO_MR_F_TYPE2)) ||
           ((mr->flags & RDO_MR_F_FAST_REG) &&
            (mr->max_pages > RDO_FAST_REG_PAGES_MAX ||
             mr->num_pages > mr->max_pages)) ||
           ((mr->flags & RDO_MR_F_WINDOW) ? !window_ctx_ok(core, mr) :
            ((mr->flags & RDO_MR_F_TYPE2) ||
             (!mr->num_pages && (mr->flags & RDO_MR_F_VALID)))) ||
           mr->pdn >= core->cfg.max_pd || (mr->access & ~RDO_ACCESS__ALL);
}

/* Loads an MR context and checks it was not corrupted in host memory. */
RdoMrCtx *rdo_mr_get(RdoCore *core, uint32_t index)
{
    RdoMrCtx *mr = rdo_ctx_get(core, &core->st->mrc, index);

    if (mr && mr_corrupt(core, mr, index)) {
        rdo_guest_error(core, RDO_GE_MRC_CORRUPT, index, index,
                        "MR %u context in host memory is corrupt", index);
        return NULL;
    }
    return mr;
}

RdoMrCtx *rdo_mr_cached(RdoCore *core, uint32_t key)
{
    RdoState *st = core->st;
    uint32_t index = RDO_MR_KEY_INDEX(key);
    RdoMrCtx *mr;

    if (key == RDO_LOCAL_DMA_LKEY || index >= st->usable_mrs ||
        st->mr_pending[index] || !st->mr_used[index]) {
        return NULL;
    }
    mr = rdo_ctx_cached_data(&st->mrc, index);
    /* A window: the placement goes through its MR, left to the model. */
    if (!mr || mr_corrupt(core, mr, index) || mr->key != (key & 0xff) ||
        (mr->flags & (RDO_MR_F_WINDOW | RDO_MR_F_VALID)) != RDO_MR_F_VALID) {
        return NULL;
    }
    return mr;
}

enum rdo_mr_lookup rdo_mr_at(RdoCore *core, uint32_t index, RdoMrCtx **out)
{
    RdoState *st = core->st;

    if (index >= st->usable_mrs) {
        return RDO_MR_BAD_KEY;
    }
    if (st->mr_pending[index]) {
        return RDO_MR_PENDING;
    }
    if (!st->mr_used[index]) {
        return RDO_MR_BAD_KEY;
    }
    *out = rdo_mr_get(core, index);
    return *out ? RDO_MR_OK : RDO_MR_DMA;
}

/*
 * The MR index a key names, or RDO_NONE if the key is another function's
 * (bits 31:28): on an SR-IOV adapter that is an isolation refusal, counted
 * and traced; on any device such a key names no MR. An MR that came with a
 * moved connection (MOVE_QP) keeps its keys, with their function's bits;
 * an MR that moved away is another function's.
 */
uint32_t rdo_mr_key_fn(RdoCore *core, uint32_t index)
{
    RdoState *st = core->st;
    uint32_t kept = core->sriov && index < st->usable_mrs ?
                    st->mr_key_fn[index] : 0;

    return kept ? kept - 1 : core->fn;
}

uint32_t rdo_key_mr(RdoCore *core, uint32_t key)
{
    uint32_t index = RDO_MR_KEY_INDEX(key);
    uint32_t fn = rdo_mr_key_fn(core, index);

    if (RDO_MR_KEY_FN(key) == fn) {
        if (fn == core->fn && rdo_fn_away(core, RDO_OBJ_MR, index) &&
            rdo_fn_foreign(core, RDO_OBJ_MR, index, "a key")) {
            return RDO_NONE;
        }
        return index;
    }
    if (core->sriov) {
        core->cnt.isolation++;
        rdo_guest_error(core, RDO_GE_FN_FOREIGN_KEY, index,
                        key, "function %u was given key 0x%x of function %u",
                        core->fn, key, RDO_MR_KEY_FN(key));
    }
    return RDO_NONE;
}

enum rdo_mr_lookup rdo_mr_lookup(RdoCore *core, uint32_t key, uint32_t pdn,
                                 RdoMrCtx **out)
{
    RdoMrCtx *mr;
    enum rdo_mr_lookup r = rdo_mr_at(core, rdo_key_mr(core, key), &mr);

    if (r != RDO_MR_OK) {
        return r;
    }
    if (mr->key != (key & 0xff) || (pdn != RDO_NONE && mr->pdn != pdn) ||
        !(mr->flags & RDO_MR_F_VALID)) {
        return RDO_MR_BAD_KEY;
    }
    *out = mr;
    return RDO_MR_OK;
}

/* Every entry of a page list readable and aligned to the page size. */
static bool page_list_ok(RdoCore *core, uint64_t list, uint32_t n,
                         uint8_t page_shift)
{
    uint64_t chunk[64];
    RdoFlow flow = rdo_tm_set_flow(core, RDO_FLOW_DATA);
    bool ok = rdo_mr_list_ok(list, n);

    for (uint32_t i = 0; ok && i < n; i += G_N_ELEMENTS(chunk)) {
        uint32_t k = MIN(n - i, G_N_ELEMENTS(chunk));

        ok = !rdo_dma_read(core, list + i * 8ull, chunk, k * 8);
        for (uint32_t j = 0; ok && j < k; j++) {
            ok = !(chunk[j] & ((1ull << page_shift) - 1));
        }
    }
    rdo_tm_set_flow(core, flow);
    return ok;
}

RdoFastReg rdo_mr_fast_reg(RdoCore *core, uint32_t pdn,
                           const struct rdo_reg_mr_wqe *w)
{
    RdoMrCtx *mr;

    switch (rdo_mr_at(core, rdo_key_mr(core, w->key), &mr)) {
    case RDO_MR_OK:
        break;
    case RDO_MR_PENDING:
        return RDO_FR_PENDING;
    case RDO_MR_DMA:
        return RDO_FR_DMA;
    default:
        return RDO_FR_BAD_MR;
    }
    if (!(mr->flags & RDO_MR_F_FAST_REG) || mr->pdn != pdn) {
        return RDO_FR_BAD_MR;
    }
    if (mr->flags & RDO_MR_F_VALID) {
        return RDO_FR_VALID;
    }
    if (!w->num_pages || w->num_pages > mr->max_pages ||
        w->page_shift < RDO_PAGE_SHIFT || w->page_shift > 30) {
        return RDO_FR_PAGES;
    }
    if ((w->access & ~mr->max_access) || !rdo_mr_access_ok(w->access)) {
        return RDO_FR_ACCESS;
    }
    if (!rdo_mr_range_ok(w->iova, w->length, w->num_pages, w->page_shift)) {
        return RDO_FR_RANGE;
    }
    if (!page_list_ok(core, w->page_list, w->num_pages, w->page_shift)) {
        return RDO_FR_PAGE_LIST;
    }
    mr->iova = w->iova;
    mr->length = w->length;
    mr->page_list = w->page_list;
    mr->num_pages = w->num_pages;
    mr->page_shift = w->page_shift;
    mr->key = w->key & 0xff;
    mr->access = w->access;
    mr->flags |= RDO_MR_F_VALID;
    rdo_ctx_dirty(core, &core->st->mrc, mr);
    return RDO_FR_OK;
}
