/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: DMA through memory regions (zero copy). A virtual
 * address in an MR becomes a guest-physical one through the MR's page
 * list: byte va lies (va - iova + iova % page) bytes into the pages. Each
 * page address comes from guest memory and is checked before use.
 */
#include "ctx/ctx.h"

/* Key, PD, access and bounds of [va, va + len); the MR if they hold. */
static RdoMrCheck mr_checked(RdoCore *core, uint32_t key, uint32_t pdn,
                             uint64_t va, uint64_t len, uint16_t access,
                             RdoMrCtx **out)
{
    RdoMrCtx *mr;

    switch (rdo_mr_lookup(core, key, pdn, &mr)) {
    case RDO_MR_OK:
        break;
    case RDO_MR_PENDING:
        return RDO_MRC_PENDING;
    case RDO_MR_DMA:
        return RDO_MRC_DMA;
    default:
        return RDO_MRC_BAD_KEY;
    }
    if ((mr->access & access) != access) {
        return RDO_MRC_ACCESS;
    }
    if (va < mr->iova || len > mr->length || va - mr->iova > mr->length - len) {
        return RDO_MRC_BOUNDS;
    }
    *out = mr;
    return RDO_MRC_OK;
}

/*
 * How a DMA through an MR is made: the model's (the data moved, its bus
 * time accounted), ahead of the model (the data only, and where it failed
 * noted), or the model's DMA of data moved ahead (the time only, failing
 * where that did).
 */
typedef enum MrDmaHow { MR_DMA_MODEL, MR_DMA_AHEAD, MR_DMA_TIME } MrDmaHow;

/* Page by page, each page's address from the page list. `fail`: the
 * offset where an MR_DMA_AHEAD failed, or UINT64_MAX. */
static RdoMrCheck mr_dma_pages(RdoCore *core, const RdoMrCtx *mr, uint64_t off,
                               uint8_t *p, uint32_t len, bool to_guest,
                               MrDmaHow how, uint64_t *fail)
{
    uint64_t page_size = 1ull << mr->page_shift;

    while (len) {
        uint64_t page_index = off >> mr->page_shift;
        uint64_t in_page = off & (page_size - 1);
        uint32_t chunk = MIN(len, page_size - in_page);
        uint64_t list = mr->page_list + page_index * 8, page;
        int r;

        if (page_index >= mr->num_pages ||
            (how == MR_DMA_AHEAD ?
             core->ops->dma_read(core->host, list, &page, sizeof(page)) :
             rdo_dma_read(core, list, &page, sizeof(page))) ||
            (page & (page_size - 1))) {
            r = -1;
        } else if (how == MR_DMA_MODEL) {
            r = to_guest ? rdo_dma_write(core, page + in_page, p, chunk)
                         : rdo_dma_read(core, page + in_page, p, chunk);
        } else if (how == MR_DMA_AHEAD) {
            r = core->ops->dma_write(core->host, page + in_page, p, chunk);
        } else {
            if (rdo_tm_on(core)) {
                rdo_tm_dma(core, page + in_page, chunk, true);
            }
            r = off + chunk > *fail ? -1 : 0;
        }
        if (r) {
            if (how == MR_DMA_AHEAD) {
                *fail = off;
            }
            return RDO_MRC_DMA;
        }
        p += chunk;
        off += chunk;
        len -= chunk;
    }
    return RDO_MRC_OK;
}

/* DMA through an MR's page list (data flow of the bus); checked range. */
static RdoMrCheck mr_dma(RdoCore *core, const RdoMrCtx *mr, uint64_t va,
                         void *buf, uint32_t len, bool to_guest, MrDmaHow how,
                         uint64_t *fail)
{
    uint64_t page_size = 1ull << mr->page_shift;
    uint64_t off = va - mr->iova + (mr->iova & (page_size - 1));
    RdoFlow flow = rdo_tm_set_flow(core, RDO_FLOW_DATA);
    RdoMrCheck r = mr_dma_pages(core, mr, off, buf, len, to_guest, how, fail);

    rdo_tm_set_flow(core, flow);
    return r;
}

RdoMrCheck rdo_mr_check(RdoCore *core, uint32_t key, uint32_t pdn,
                        uint64_t va, uint64_t len, uint16_t access)
{
    RdoMrCtx *mr;

    return mr_checked(core, key, pdn, va, len, access, &mr);
}

RdoMrCheck rdo_mr_copy(RdoCore *core, uint32_t key, uint64_t va, void *buf,
                       uint32_t len, bool to_guest)
{
    RdoMrCtx *mr;

    if (rdo_mr_lookup(core, key, RDO_NONE, &mr) != RDO_MR_OK) {
        return RDO_MRC_DMA;
    }
    return mr_dma(core, mr, va, buf, len, to_guest, MR_DMA_MODEL, NULL);
}

RdoMrCheck rdo_mr_access(RdoCore *core, uint32_t key, uint32_t pdn,
                         uint64_t va, void *buf, uint32_t len,
                         uint16_t access, bool to_guest)
{
    RdoMrCtx *mr;
    RdoMrCheck r = mr_checked(core, key, pdn, va, len, access, &mr);

    return r == RDO_MRC_OK ?
           mr_dma(core, mr, va, buf, len, to_guest, MR_DMA_MODEL, NULL) : r;
}

RdoMrCheck rdo_mr_write_ahead(RdoCore *core, const RdoMrCtx *mr, uint64_t va,
                              const void *buf, uint32_t len, uint64_t *fail)
{
    return mr_dma(core, mr, va, (void *)buf, len, true, MR_DMA_AHEAD, fail);
}

RdoMrCheck rdo_mr_copy_ahead(RdoCore *core, uint32_t key, uint64_t va,
                             uint32_t len, uint64_t fail)
{
    RdoMrCtx *mr;

    if (rdo_mr_lookup(core, key, RDO_NONE, &mr) != RDO_MR_OK) {
        return RDO_MRC_DMA;
    }
    return mr_dma(core, mr, va, NULL, len, true, MR_DMA_TIME, &fail);
}
