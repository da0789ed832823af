/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: DMA through memory regions (zero copy), and through
 * memory windows to the MR each is bound to. A virtual address in an MR
 * becomes a guest-physical one through the MR's page list: byte va lies
 * (va - iova + iova % page) bytes into the pages. Each page address comes
 * from guest memory and is checked before use. The reserved local DMA key
 * has no MR: va is the guest-physical address.
 */
#include "ctx/ctx.h"

/*
 * The reserved local DMA key: local access only, from a QP of a kernel PD
 * (pdn RDO_NONE: checked before), anywhere that does not wrap around.
 */
static RdoMrCheck dma_key_checked(RdoCore *core, uint32_t pdn, uint64_t va,
                                  uint64_t len, uint16_t access)
{
    if (pdn != RDO_NONE && (pdn >= core->cfg.max_pd || !core->st->pds[pdn].kernel)) {
        return RDO_MRC_BAD_KEY;
    }
    if (access & ~RDO_ACCESS_LOCAL_WRITE) {
        return RDO_MRC_ACCESS;
    }
    return va + len < va ? RDO_MRC_BOUNDS : RDO_MRC_OK;
}

/* DMA at a guest-physical address, in the data flow of the bus. */
static RdoMrCheck dma_key_copy(RdoCore *core, uint64_t va, void *buf,
                               uint32_t len, bool to_guest)
{
    RdoFlow flow = rdo_tm_set_flow(core, RDO_FLOW_DATA);
    int r = to_guest ? rdo_dma_write(core, va, buf, len)
                     : rdo_dma_read(core, va, buf, len);

    rdo_tm_set_flow(core, flow);
    return r ? RDO_MRC_DMA : RDO_MRC_OK;
}

/* [va, va + len) inside an MR's or a window's range. */
static bool in_range(const RdoMrCtx *mr, uint64_t va, uint64_t len)
{
    return va >= mr->iova && len <= mr->length && va - mr->iova <= mr->length - len;
}

/*
 * The MR a bound window lies on: still valid with the key it was bound
 * with (an invalidated or re-registered MR ends the window's use).
 */
static RdoMrCtx *window_mr(RdoCore *core, const RdoMrCtx *w)
{
    uint32_t pdn = w->pdn, mr_key = w->mr_key;
    RdoMrCtx *mr;

    if (rdo_mr_lookup(core, mr_key, pdn, &mr) != RDO_MR_OK ||
        (mr->flags & RDO_MR_F_WINDOW)) {
        return NULL;
    }
    return mr;
}

/*
 * Key, PD, access and bounds of [va, va + len); the MR if they hold. An
 * rkey (qpn not RDO_NONE) may name a window the QP may use: its range and
 * rights are checked, then its MR's range. NULL for the local DMA key.
 */
static RdoMrCheck mr_checked(RdoCore *core, uint32_t key, uint32_t pdn,
                             uint32_t qpn, uint64_t va, uint64_t len,
                             uint16_t access, RdoMrCtx **out)
{
    RdoMrCtx *mr;

    if (key == RDO_LOCAL_DMA_LKEY) {
        *out = NULL;
        return dma_key_checked(core, pdn, va, len, access);
    }
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
    if (mr->flags & RDO_MR_F_WINDOW) {
        if (qpn == RDO_NONE || !rdo_mw_admits(core, mr, qpn)) {
            return RDO_MRC_BAD_KEY;
        }
        if ((mr->access & access) != access) {
            return RDO_MRC_ACCESS;
        }
        if (!in_range(mr, va, len)) {
            return RDO_MRC_BOUNDS;
        }
        mr = window_mr(core, mr);
        if (!mr) {
            return RDO_MRC_BAD_KEY;
        }
        access = 0;     /* the bind checked the MR's rights */
    }
    if ((mr->access & access) != access) {
        return RDO_MRC_ACCESS;
    }
    if (!in_range(mr, va, len)) {
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

/*
 * The line of mr's page list holding the entry at `entry` (one of the list,
 * page_list + 8 * index): 64-byte aligned in guest memory, cut to the list
 * (never an entry outside it). Worked out in entries, not addresses: a
 * list a corrupted context puts across the top of the address space must
 * not make a line of more than RDO_MR_LIST_LINE bytes, all its copies hold.
 */
static uint64_t list_line(const RdoMrCtx *mr, uint64_t entry, uint32_t *n)
{
    uint64_t index = (entry - mr->page_list) / 8;
    uint64_t in_line = (entry & (RDO_MR_LIST_LINE - 1)) / 8;
    uint64_t first = index - MIN(in_line, index);
    uint64_t end = MIN(index + RDO_MR_LIST_LINE / 8 - in_line,
                       (uint64_t)mr->num_pages);

    *n = (uint32_t)(end - first);
    return entry - (index - first) * 8;
}

static inline bool line_has(uint64_t first, uint32_t n, uint64_t entry)
{
    return entry - first < (uint64_t)n * 8;
}

/*
 * The model's read of the line holding the entry at `entry` through a
 * held translation that does not hold it: one DMA, timed and counted,
 * into held->list_pages (`how` MR_DMA_TIME: timed and counted only, the
 * values are the host's, in a run's RdoMrListLine); -1 if it failed.
 */
static int held_line_read(RdoCore *core, const RdoMrCtx *mr, RdoMrHeld *held,
                          uint64_t entry, MrDmaHow how)
{
    uint32_t n;
    uint64_t first = list_line(mr, entry, &n);

    held->list_n = 0;
    if (how == MR_DMA_TIME) {
        if (rdo_tm_on(core)) {
            rdo_tm_dma(core, first, n * 8, false);
        }
        rdo_host_dma_count(core, first, n * 8);
    } else if (rdo_dma_read(core, first, held->list_pages, n * 8)) {
        return -1;
    }
    held->list_first = first;
    held->list_n = n;
    return 0;
}

/* The host's copy of the line holding `entry` for a run written ahead:
 * read (uncounted) unless `seen` holds it and the MR cache is as it was. */
RDO_HOT
static int seen_entry(RdoCore *core, const RdoMrCtx *mr, uint64_t entry,
                      uint64_t *page, RdoMrListLine *seen)
{
    uint64_t gen = core->st->mrc.gen;

    if (seen->gen != gen || !line_has(seen->first, seen->n, entry)) {
        uint32_t n;
        uint64_t first = list_line(mr, entry, &n);

        seen->n = 0;
        if (rdo_host_dma_uncounted(core, first, seen->page, n * 8, false)) {
            return -1;
        }
        seen->first = first;
        seen->gen = gen;
        seen->n = n;
    }
    *page = seen->page[(entry - seen->first) / 8];
    return 0;
}

/*
 * Reads page-list entry `entry` into *page, as `how` makes the DMA. With
 * a held translation (`held`, current) the model reads the entry's whole
 * line once and takes the message's next entries from it. A run written
 * ahead reads lines into `seen`, uncounted (the host's copy, kept while
 * the MR cache does not change); its placement is the model's read of
 * the entries, timed and counted (a line at a time through `held`), and
 * takes the page from `seen` (the host reads the entry again, uncounted,
 * only for one of a line `seen` no longer holds).
 */
static int page_entry(RdoCore *core, const RdoMrCtx *mr, uint64_t entry,
                      uint64_t *page, MrDmaHow how, RdoMrHeld *held,
                      RdoMrListLine *seen)
{
    if (how == MR_DMA_AHEAD) {
        return seen_entry(core, mr, entry, page, seen);
    }
    if (held) {
        if (!line_has(held->list_first, held->list_n, entry) &&
            held_line_read(core, mr, held, entry, how)) {
            return -1;
        }
        if (how == MR_DMA_MODEL) {
            *page = held->list_pages[(entry - held->list_first) / 8];
            return 0;
        }
    } else if (how == MR_DMA_MODEL) {
        return rdo_dma_read(core, entry, page, sizeof(*page));
    } else {
        if (rdo_tm_on(core)) {
            rdo_tm_dma(core, entry, sizeof(*page), false);
        }
        rdo_host_dma_count(core, entry, sizeof(*page));
    }
    if (seen->gen == core->st->mrc.gen && line_has(seen->first, seen->n,
                                                    entry)) {
        *page = seen->page[(entry - seen->first) / 8];
        return 0;
    }
    return rdo_host_dma_uncounted(core, entry, page, sizeof(*page), false);
}

/* Page by page, each page's address from the page list. `fail`: the
 * offset where an MR_DMA_AHEAD failed, or UINT64_MAX; `held`: the held
 * translation of mr (its page-list line), or NULL; `seen`: the line a
 * run written ahead read last (MR_DMA_AHEAD reads it there). */
static RdoMrCheck mr_dma_pages(RdoCore *core, const RdoMrCtx *mr, uint64_t off,
                               uint8_t *p, uint32_t len, bool to_guest,
                               MrDmaHow how, uint64_t *fail, RdoMrHeld *held,
                               RdoMrListLine *seen)
{
    uint64_t page_size = 1ull << mr->page_shift;

    while (len) {
        uint64_t page_index = off >> mr->page_shift;
        uint64_t in_page = off & (page_size - 1);
        uint32_t chunk = MIN(len, page_size - in_page);
        uint64_t list = mr->page_list + page_index * 8, page;
        int r;

        if (page_index >= mr->num_pages ||
            page_entry(core, mr, list, &page, how, held, seen) ||
            (page & (page_size - 1))) {
            r = -1;
        } else if (how == MR_DMA_MODEL) {
            r = to_guest ? rdo_dma_write(core, page + in_page, p, chunk)
                         : rdo_dma_read(core, page + in_page, p, chunk);
        } else if (how == MR_DMA_AHEAD) {
            r = rdo_host_dma(core, page + in_page, p, chunk, true);
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
        if (p) {                /* no buffer when only the time is charged */
            p += chunk;
        }
        off += chunk;
        len -= chunk;
    }
    return RDO_MRC_OK;
}

/* DMA through an MR's page list (data flow of the bus); checked range. */
RDO_HOT
static RdoMrCheck mr_dma(RdoCore *core, const RdoMrCtx *mr, uint64_t va,
                         void *buf, uint32_t len, bool to_guest, MrDmaHow how,
                         uint64_t *fail, RdoMrHeld *held, RdoMrListLine *seen)
{
    uint64_t page_size = 1ull << mr->page_shift;
    uint64_t off = va - mr->iova + (mr->iova & (page_size - 1));
    RdoFlow flow = rdo_tm_set_flow(core, RDO_FLOW_DATA);
    RdoMrCheck r = mr_dma_pages(core, mr, off, buf, len, to_guest, how, fail,
                                held, seen);

    rdo_tm_set_flow(core, flow);
    return r;
}

RdoMrCheck rdo_mr_check(RdoCore *core, uint32_t key, uint32_t pdn,
                        uint32_t qpn, uint64_t va, uint64_t len,
                        uint16_t access)
{
    RdoMrCtx *mr;

    return mr_checked(core, key, pdn, qpn, va, len, access, &mr);
}

/*
 * What rdo_mr_copy makes its DMA through, with the lookups it makes: the
 * MR of `key`, or a window's MR (checked when the request came; it may
 * since have been unbound). *mr NULL: the local DMA key.
 */
static RdoMrCheck copy_target(RdoCore *core, uint32_t key, uint64_t va,
                              uint32_t len, RdoMrCtx **out)
{
    RdoMrCtx *mr;

    *out = NULL;
    if (key == RDO_LOCAL_DMA_LKEY) {
        return RDO_MRC_OK;
    }
    if (rdo_mr_lookup(core, key, RDO_NONE, &mr) != RDO_MR_OK) {
        return RDO_MRC_DMA;
    }
    if (mr->flags & RDO_MR_F_WINDOW) {
        if (!in_range(mr, va, len)) {
            return RDO_MRC_DMA;
        }
        mr = window_mr(core, mr);
        if (!mr || !in_range(mr, va, len)) {
            return RDO_MRC_DMA;
        }
    }
    *out = mr;
    return RDO_MRC_OK;
}

RdoMrCheck rdo_mr_copy(RdoCore *core, uint32_t key, uint64_t va, void *buf,
                       uint32_t len, bool to_guest)
{
    RdoMrCtx *mr;
    RdoMrCheck r = copy_target(core, key, va, len, &mr);

    if (r != RDO_MRC_OK) {
        return r;
    }
    return mr ? mr_dma(core, mr, va, buf, len, to_guest, MR_DMA_MODEL, NULL,
                       NULL, NULL)
              : dma_key_copy(core, va, buf, len, to_guest);
}

RdoMrCheck rdo_mr_access(RdoCore *core, uint32_t key, uint32_t pdn,
                         uint64_t va, void *buf, uint32_t len,
                         uint16_t access, bool to_guest)
{
    RdoMrCtx *mr;
    RdoMrCheck r = mr_checked(core, key, pdn, RDO_NONE, va, len, access, &mr);

    if (r != RDO_MRC_OK) {
        return r;
    }
    return mr ? mr_dma(core, mr, va, buf, len, to_guest, MR_DMA_MODEL, NULL,
                       NULL, NULL)
              : dma_key_copy(core, va, buf, len, to_guest);
}

/* `held` kept after a lookup found `mr` for `key` (NULL unless mr is the
 * context in key's own line: a window's MR is looked up each time). */
static void mr_hold(RdoCore *core, RdoMrHeld *held, uint32_t key,
                    const RdoMrCtx *mr)
{
    RdoCtxLine *l = rdo_ctx_line_of(&core->st->mrc, RDO_MR_KEY_INDEX(key));

    /* After the lookup, which may itself have moved gen. No page-list
     * line yet: the translation's first page reads one. */
    held->mr = l && l->data == (const uint8_t *)mr ? mr : NULL;
    held->line = l;
    held->key = key;
    held->gen = core->st->mrc.gen;
    held->list_n = 0;
}

/* `held` for its MR's page-list line: while it holds that MR. */
static inline RdoMrHeld *held_line(RdoMrHeld *held)
{
    return held && held->mr ? held : NULL;
}

RDO_HOT
RdoMrCheck rdo_mr_access_held(RdoCore *core, RdoMrHeld *held, uint32_t key,
                              uint32_t pdn, uint64_t va, void *buf,
                              uint32_t len, uint16_t access, bool to_guest)
{
    const RdoMrCtx *mr = held ? rdo_mr_held(core, held, key) : NULL;
    RdoMrCtx *found;
    RdoMrCheck r;

    if (mr) {
        /* Key and PD were checked when it was taken (the QP's PD cannot
         * change while its engine holds the message). */
        if ((mr->access & access) != access) {
            return RDO_MRC_ACCESS;
        }
        if (!in_range(mr, va, len)) {
            return RDO_MRC_BOUNDS;
        }
        rdo_ctx_line_used(&core->st->mrc, held->line);
        return mr_dma(core, mr, va, buf, len, to_guest, MR_DMA_MODEL, NULL,
                      held->list_pages ? held : NULL, NULL);
    }
    r = mr_checked(core, key, pdn, RDO_NONE, va, len, access, &found);
    if (r != RDO_MRC_OK) {
        return r;
    }
    if (!found) {
        return dma_key_copy(core, va, buf, len, to_guest);
    }
    if (held) {
        mr_hold(core, held, key, found);
    }
    return mr_dma(core, found, va, buf, len, to_guest, MR_DMA_MODEL, NULL,
                  held && held->list_pages ? held_line(held) : NULL, NULL);
}

RDO_HOT
RdoMrCheck rdo_mr_write_ahead(RdoCore *core, const RdoMrCtx *mr, uint64_t va,
                              const void *buf, uint32_t len, uint64_t *fail,
                              RdoMrListLine *seen)
{
    return mr_dma(core, mr, va, (void *)buf, len, true, MR_DMA_AHEAD, fail,
                  NULL, seen);
}

RDO_HOT
RdoMrCheck rdo_mr_copy_ahead(RdoCore *core, uint32_t key, uint64_t va,
                             uint32_t len, uint64_t fail,
                             RdoMrListLine *seen, RdoMrHeld *held)
{
    const RdoMrCtx *mr = rdo_mr_held(core, held, key);
    RdoMrCtx *found;
    RdoMrCheck r;

    if (!mr) {
        r = copy_target(core, key, va, len, &found);
        /* A run is written ahead only through an MR (rdo_mr_cached). */
        if (r != RDO_MRC_OK || !found) {
            held->mr = NULL;
            return RDO_MRC_DMA;
        }
        mr_hold(core, held, key, found);
        mr = found;
    } else {
        /* As copy_target's hit: range unchecked, the WRITE's check did. */
        rdo_ctx_line_used(&core->st->mrc, held->line);
    }
    return mr_dma(core, mr, va, NULL, len, true, MR_DMA_TIME, &fail,
                  held_line(held), seen);
}
