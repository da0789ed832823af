/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the context caches. QP and MR contexts live in stores
 * in host memory that the driver hands over (a page list of 4 KiB pages);
 * the device keeps the most recently used ones on chip. A miss costs a DMA
 * read, and the least recently used line is written back first if dirty.
 * A pointer from rdo_ctx_get stays valid until the next-but-one get from
 * the same cache (the cache has at least two lines), so a stage may hold
 * two contexts at once, never three.
 */
#include <stdio.h>
#include <string.h>
#include "rdo-internal.h"

void rdo_ctx_cache_init(RdoCtxCache *c, const char *name, uint32_t ctx_size,
                        uint32_t entries, uint64_t *pglist_reg,
                        uint32_t *pages_reg, uint32_t *hits, uint32_t *misses)
{
    memset(c, 0, sizeof(*c));
    c->name = name;
    c->ctx_size = ctx_size;
    c->entries = entries;
    c->pglist_reg = pglist_reg;
    c->pages_reg = pages_reg;
    c->hits = hits;
    c->misses = misses;
    c->lines = g_new0(RdoCtxLine, entries);
    for (uint32_t i = 0; i < entries; i++) {
        c->lines[i].data = g_malloc0(ctx_size);
    }
}

void rdo_ctx_cache_free(RdoCtxCache *c)
{
    for (uint32_t i = 0; c->lines && i < c->entries; i++) {
        g_free(c->lines[i].data);
    }
    g_free(c->lines);
    c->lines = NULL;
}

void rdo_ctx_cache_drop(RdoCtxCache *c)
{
    for (uint32_t i = 0; i < c->entries; i++) {
        c->lines[i].valid = false;
        c->lines[i].dirty = false;
    }
    c->clock = 0;
}

/* Where context `index` lives in host memory. */
static bool ctx_addr(RdoCore *core, RdoCtxCache *c, uint32_t index,
                     uint64_t *addr)
{
    uint32_t per_page = RDO_PAGE_SIZE / c->ctx_size;
    uint32_t page_no = index / per_page;
    uint64_t page;

    if (page_no >= *c->pages_reg ||
        core->ops->dma_read(core->host, *c->pglist_reg + (uint64_t)page_no * 8,
                            &page, sizeof(page)) ||
        (page & (RDO_PAGE_SIZE - 1))) {
        return false;
    }
    *addr = page + (uint64_t)(index % per_page) * c->ctx_size;
    return true;
}

/*
 * The store is the device's only copy of a context that is not cached: one
 * it cannot reach (the driver gave a bad page list, scribbled on it, or
 * turned bus mastering off) means lost device state.
 */
static void store_lost(RdoCore *core, RdoCtxCache *c, uint32_t index,
                       const char *op)
{
    char what[96];

    snprintf(what, sizeof(what), "%s context %u: %s the store failed",
             c->name, index, op);
    rdo_core_fatal(core, c == &core->st->qpc ? RDO_FATAL_QPC_STORE
                                             : RDO_FATAL_MRC_STORE,
                   true, what);
}

static bool line_writeback(RdoCore *core, RdoCtxCache *c, RdoCtxLine *l)
{
    uint64_t addr;

    if (l->valid && l->dirty) {
        if (!ctx_addr(core, c, l->index, &addr) ||
            core->ops->dma_write(core->host, addr, l->data, c->ctx_size)) {
            return false;
        }
        l->dirty = false;
    }
    return true;
}

static RdoCtxLine *line_find(RdoCtxCache *c, uint32_t index)
{
    for (uint32_t i = 0; i < c->entries; i++) {
        if (c->lines[i].valid && c->lines[i].index == index) {
            return &c->lines[i];
        }
    }
    return NULL;
}

/* The line to reuse: an empty one, else the least recently used. */
static RdoCtxLine *line_victim(RdoCore *core, RdoCtxCache *c)
{
    RdoCtxLine *victim = &c->lines[0];

    for (uint32_t i = 0; i < c->entries; i++) {
        if (!c->lines[i].valid) {
            return &c->lines[i];
        }
        if (c->lines[i].last_use < victim->last_use) {
            victim = &c->lines[i];
        }
    }
    if (!line_writeback(core, c, victim)) {
        store_lost(core, c, victim->index, "write-back to");
    }
    victim->valid = false;
    return victim;
}

void *rdo_ctx_get(RdoCore *core, RdoCtxCache *c, uint32_t index)
{
    RdoCtxLine *l = line_find(c, index);
    uint64_t addr;

    if (l) {
        (*c->hits)++;
    } else {
        (*c->misses)++;
        l = line_victim(core, c);
        if (!ctx_addr(core, c, index, &addr) ||
            core->ops->dma_read(core->host, addr, l->data, c->ctx_size)) {
            store_lost(core, c, index, "load from");
            return NULL;
        }
        l->valid = true;
        l->dirty = false;
        l->index = index;
    }
    l->last_use = ++c->clock;
    return l->data;
}

void *rdo_ctx_new(RdoCore *core, RdoCtxCache *c, uint32_t index)
{
    RdoCtxLine *l = line_find(c, index);

    if (!l) {
        l = line_victim(core, c);
        l->index = index;
        l->valid = true;
    }
    memset(l->data, 0, c->ctx_size);
    l->dirty = true;
    l->last_use = ++c->clock;
    return l->data;
}

void rdo_ctx_dirty(RdoCtxCache *c, const void *ctx)
{
    for (uint32_t i = 0; i < c->entries; i++) {
        if (c->lines[i].data == ctx) {
            c->lines[i].dirty = true;
            return;
        }
    }
}

bool rdo_ctx_flush(RdoCore *core, RdoCtxCache *c)
{
    bool ok = true;

    for (uint32_t i = 0; i < c->entries; i++) {
        ok &= line_writeback(core, c, &c->lines[i]);
    }
    return ok;
}
