/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the control QP's MR commands. Registration,
 * allocation of an empty MR for fast registration (registered later by
 * REG_MR work requests, xport/fastreg.c) and deregistration; memory
 * windows (in the MR index space, bound by BIND_MW work requests,
 * xport/mw.c) allocated and freed. A registration or allocation queued
 * behind other commands leaves its index pending, and send queues that
 * reached it resume when it completes.
 */
#include <string.h>
#include "ctrl/ctrl.h"

/* A registration's pages and range (REG_MR, REREG_MR): sizes, alignment,
 * the region within its pages. */
static bool translation_ok(uint64_t iova, uint64_t length, uint64_t page_list,
                           uint32_t num_pages, uint8_t page_shift)
{
    return page_shift >= RDO_PAGE_SHIFT && page_shift <= 30 && num_pages &&
           num_pages <= RDO_MR_PAGES_MAX &&
           rdo_mr_list_ok(page_list, num_pages) &&
           rdo_mr_range_ok(iova, length, num_pages, page_shift);
}

/* The page list reachable end to end. */
static bool page_list_reachable(RdoCore *core, uint64_t list, uint32_t n)
{
    uint64_t entry;

    return !rdo_dma_read(core, list, &entry, 8) &&
           !rdo_dma_read(core, list + (n - 1) * 8ull, &entry, 8);
}

static bool pd_ok(RdoCore *core, uint32_t pdn)
{
    return pdn < core->cfg.max_pd && core->st->pds[pdn].valid;
}

static int reg_mr(RdoCore *core, const struct rdo_cqp_cmd *cmd, uint32_t *result)
{
    const struct rdo_cmd_reg_mr *a = &cmd->u.reg_mr;
    RdoState *st = core->st;
    RdoMrCtx *mr;

    if (cmd->obj >= st->usable_mrs) {
        return RDO_CQP_BAD_INDEX;
    }
    if (st->mr_used[cmd->obj]) {
        return RDO_CQP_EXISTS;
    }
    if (a->reserved) {
        return RDO_CQP_BAD_RESERVED;
    }
    if (!rdo_mr_access_ok(a->access)) {
        return RDO_CQP_BAD_PARAM;
    }
    if (!translation_ok(a->iova, a->length, a->page_list, a->num_pages,
                        a->page_shift)) {
        return RDO_CQP_BAD_PARAM;
    }
    if (!pd_ok(core, a->pdn)) {
        return RDO_CQP_NOT_FOUND;
    }
    if (!page_list_reachable(core, a->page_list, a->num_pages)) {
        return RDO_CQP_DMA_ERROR;
    }
    mr = rdo_ctx_new(core, &st->mrc, cmd->obj);
    if (!mr) {
        return RDO_CQP_DMA_ERROR;   /* never completed: the device stopped */
    }
    mr->magic = RDO_MRC_MAGIC ^ cmd->obj;
    mr->pdn = a->pdn;
    mr->iova = a->iova;
    mr->length = a->length;
    mr->page_list = a->page_list;
    mr->num_pages = a->num_pages;
    mr->page_shift = a->page_shift;
    mr->key = a->key;
    mr->access = a->access;
    mr->flags = RDO_MR_F_VALID;
    st->mr_used[cmd->obj] = 1;
    st->pds[a->pdn].users++;
    *result = RDO_MR_FN_KEY(core->fn, cmd->obj, a->key);
    return RDO_CQP_OK;
}

static int alloc_mr(RdoCore *core, const struct rdo_cqp_cmd *cmd, uint32_t *result)
{
    const struct rdo_cmd_alloc_mr *a = &cmd->u.alloc_mr;
    RdoState *st = core->st;
    RdoMrCtx *mr;

    if (cmd->obj >= st->usable_mrs) {
        return RDO_CQP_BAD_INDEX;
    }
    if (st->mr_used[cmd->obj]) {
        return RDO_CQP_EXISTS;
    }
    if (a->reserved0 || a->reserved1) {
        return RDO_CQP_BAD_RESERVED;
    }
    if (!a->max_pages || a->max_pages > RDO_FAST_REG_PAGES_MAX ||
        (a->max_access & ~RDO_ACCESS__ALL)) {
        return RDO_CQP_BAD_PARAM;
    }
    if (!pd_ok(core, a->pdn)) {
        return RDO_CQP_NOT_FOUND;
    }
    mr = rdo_ctx_new(core, &st->mrc, cmd->obj);
    if (!mr) {
        return RDO_CQP_DMA_ERROR;   /* never completed: the device stopped */
    }
    mr->magic = RDO_MRC_MAGIC ^ cmd->obj;
    mr->pdn = a->pdn;
    mr->page_shift = RDO_PAGE_SHIFT;
    mr->key = a->key;
    mr->flags = RDO_MR_F_FAST_REG;      /* not valid until registered */
    mr->max_pages = a->max_pages;
    mr->max_access = a->max_access;
    st->mr_used[cmd->obj] = 1;
    st->pds[a->pdn].users++;
    *result = RDO_MR_FN_KEY(core->fn, cmd->obj, a->key);
    return RDO_CQP_OK;
}

static int rereg_mr(RdoCore *core, const struct rdo_cqp_cmd *cmd, uint32_t *result)
{
    const struct rdo_cmd_rereg_mr *a = &cmd->u.rereg_mr;
    bool trans = a->mask & RDO_REREG_TRANS;
    RdoState *st = core->st;
    uint16_t access;
    uint32_t pdn;
    RdoMrCtx *mr;

    if (cmd->obj >= st->usable_mrs) {
        return RDO_CQP_BAD_INDEX;
    }
    if (!st->mr_used[cmd->obj]) {
        return RDO_CQP_NOT_FOUND;
    }
    if (a->mask & ~RDO_REREG__ALL) {
        return RDO_CQP_BAD_RESERVED;
    }
    mr = rdo_mr_get(core, cmd->obj);
    if (!mr) {
        return RDO_CQP_DMA_ERROR;
    }
    if (mr->flags & RDO_MR_F_WINDOW) {
        return RDO_CQP_NOT_FOUND;       /* a window is no MR */
    }
    /* Windows bound to the MR hold its translation and rights (IBA 10.6.7.2.6). */
    if (st->mr_windows[cmd->obj]) {
        return RDO_CQP_IN_USE;
    }
    access = a->mask & RDO_REREG_ACCESS ? a->access : mr->access;
    pdn = a->mask & RDO_REREG_PD ? a->pdn : mr->pdn;
    /* Fast-registration MRs are registered by work requests. */
    if (!a->mask || (mr->flags & RDO_MR_F_FAST_REG) ||
        !rdo_mr_access_ok(access) ||
        (trans && !translation_ok(a->iova, a->length, a->page_list,
                                  a->num_pages, a->page_shift))) {
        return RDO_CQP_BAD_PARAM;
    }
    if (!pd_ok(core, pdn)) {
        return RDO_CQP_NOT_FOUND;
    }
    if (trans && !page_list_reachable(core, a->page_list, a->num_pages)) {
        return RDO_CQP_DMA_ERROR;
    }
    if (trans) {
        mr->iova = a->iova;
        mr->length = a->length;
        mr->page_list = a->page_list;
        mr->num_pages = a->num_pages;
        mr->page_shift = a->page_shift;
    }
    st->pds[mr->pdn].users--;
    st->pds[pdn].users++;
    mr->pdn = pdn;
    mr->access = access;
    mr->key = a->key;
    mr->flags |= RDO_MR_F_VALID;
    rdo_ctx_dirty(core, &st->mrc, mr);
    *result = RDO_MR_FN_KEY(rdo_mr_key_fn(core, cmd->obj), cmd->obj, a->key);
    return RDO_CQP_OK;
}

static int alloc_mw(RdoCore *core, const struct rdo_cqp_cmd *cmd, uint32_t *result)
{
    const struct rdo_cmd_alloc_mw *a = &cmd->u.alloc_mw;
    RdoState *st = core->st;
    RdoMrCtx *w;

    if (cmd->obj >= st->usable_mrs) {
        return RDO_CQP_BAD_INDEX;
    }
    if (st->mr_used[cmd->obj]) {
        return RDO_CQP_EXISTS;
    }
    if (a->reserved0 || a->reserved1[0] || a->reserved1[1]) {
        return RDO_CQP_BAD_RESERVED;
    }
    if (a->type != RDO_MW_TYPE_1 && a->type != RDO_MW_TYPE_2) {
        return RDO_CQP_BAD_PARAM;
    }
    if (a->pdn >= core->cfg.max_pd || !st->pds[a->pdn].valid) {
        return RDO_CQP_NOT_FOUND;
    }
    w = rdo_ctx_new(core, &st->mrc, cmd->obj);
    if (!w) {
        return RDO_CQP_DMA_ERROR;   /* never completed: the device stopped */
    }
    w->magic = RDO_MRC_MAGIC ^ cmd->obj;
    w->pdn = a->pdn;
    w->page_shift = RDO_PAGE_SHIFT;
    w->key = a->key;
    w->flags = RDO_MR_F_WINDOW |        /* unbound until a BIND_MW */
               (a->type == RDO_MW_TYPE_2 ? RDO_MR_F_TYPE2 : 0);
    st->mr_used[cmd->obj] = 1;
    st->pds[a->pdn].users++;
    *result = RDO_MR_FN_KEY(core->fn, cmd->obj, a->key);
    return RDO_CQP_OK;
}

/*
 * DEREG_MR frees an MR (refused while windows are bound to it, IBA
 * 10.6.7.2.6), DEALLOC_MW a window, bound or not.
 */
static int free_mr(RdoCore *core, const struct rdo_cqp_cmd *cmd)
{
    bool window = cmd->opcode == RDO_CMD_DEALLOC_MW;
    RdoState *st = core->st;
    RdoMrCtx *mr;

    if (cmd->obj >= st->usable_mrs) {
        return RDO_CQP_BAD_INDEX;
    }
    if (!st->mr_used[cmd->obj]) {
        return RDO_CQP_NOT_FOUND;
    }
    mr = rdo_mr_get(core, cmd->obj);
    if (mr && window != !!(mr->flags & RDO_MR_F_WINDOW)) {
        return RDO_CQP_NOT_FOUND;       /* an MR is no window, and back */
    }
    if (!window && st->mr_windows[cmd->obj]) {
        return RDO_CQP_IN_USE;
    }
    if (mr) {
        if (window) {
            rdo_mw_unbind(core, mr);
        }
        st->pds[mr->pdn].users--;
        mr->magic = 0;
        rdo_ctx_dirty(core, &st->mrc, mr);
    } else {
        /* Corrupt context: which PD it held is unknown; free it anyway. */
        rdo_guest_error(core, RDO_GE_MRC_CORRUPT, cmd->obj, cmd->obj,
                        "MR %u freed with an unreadable context", cmd->obj);
    }
    st->mr_used[cmd->obj] = 0;
    st->mr_key_fn[cmd->obj] = 0;    /* a moved MR's keys go with it */
    st->mrc.gen++;                  /* no held translation of it either */
    return RDO_CQP_OK;
}

int rdo_cmd_mr(RdoCore *core, const struct rdo_cqp_cmd *cmd, uint32_t *result)
{
    switch (cmd->opcode) {
    case RDO_CMD_REG_MR:
        return reg_mr(core, cmd, result);
    case RDO_CMD_ALLOC_MR:
        return alloc_mr(core, cmd, result);
    case RDO_CMD_REREG_MR:
        return rereg_mr(core, cmd, result);
    case RDO_CMD_ALLOC_MW:
        return alloc_mw(core, cmd, result);
    default:    /* DEREG_MR, DEALLOC_MW */
        return free_mr(core, cmd);
    }
}

void rdo_mr_registered(RdoCore *core, uint32_t index)
{
    RdoState *st = core->st;

    for (uint32_t qpn = 0; qpn < st->usable_qps; qpn++) {
        if (st->qp_stall_mr[qpn] == index) {
            st->qp_stall_mr[qpn] = RDO_NONE;
            rdo_work_kick(core, qpn);
        }
        /* Held SENDs may have waited for a receive into this MR. */
        if (st->xport[qpn].held.head) {
            rdo_bufrecv_drain(core, qpn);
        }
    }
}
