/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: memory regions. Registration and deregistration
 * commands, and the key lookup the data path uses. An MR's context lives
 * in the MR context store (host memory) and is cached; its page list stays
 * in guest memory, owned by the device until deregistration.
 */
#include <string.h>
#include "ctx/ctx.h"

/* Loads an MR context and checks it was not corrupted in host memory. */
RdoMrCtx *rdo_mr_get(RdoCore *core, uint32_t index)
{
    RdoMrCtx *mr = rdo_ctx_get(core, &core->st->mrc, index);

    if (mr && (mr->magic != (RDO_MRC_MAGIC ^ index) ||
               mr->page_shift < RDO_PAGE_SHIFT || mr->page_shift > 30 ||
               !mr->num_pages || mr->num_pages > RDO_MR_PAGES_MAX ||
               mr->pdn >= core->cfg.max_pd || (mr->access & ~RDO_ACCESS__ALL))) {
        rdo_core_guest_error(core, RDO_ERR_NONE, index,
                             "MR %u context in host memory is corrupt", index);
        return NULL;
    }
    return mr;
}

enum rdo_mr_lookup rdo_mr_lookup(RdoCore *core, uint32_t key, uint32_t pdn,
                                 RdoMrCtx **out)
{
    RdoState *st = core->st;
    uint32_t index = RDO_MR_KEY_INDEX(key);
    RdoMrCtx *mr;

    if (index >= st->usable_mrs) {
        return RDO_MR_BAD_KEY;
    }
    if (st->mr_pending[index]) {
        return RDO_MR_PENDING;
    }
    if (!st->mr_used[index]) {
        return RDO_MR_BAD_KEY;
    }
    mr = rdo_mr_get(core, index);
    if (!mr) {
        return RDO_MR_DMA;
    }
    if (mr->key != (key & 0xff) || (pdn != RDO_NONE && mr->pdn != pdn) ||
        !(mr->flags & RDO_MR_F_VALID)) {
        return RDO_MR_BAD_KEY;
    }
    *out = mr;
    return RDO_MR_OK;
}
