/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the context caches. QP and MR contexts live in stores
 * in host memory that the driver hands over (a page list of 4 KiB pages);
 * the device keeps the most recently used ones on chip. A miss costs a DMA
 * read, and the least recently used line is written back first if dirty.
 * A pointer from rdo_ctx_get stays valid until the next-but-one get from
 * the same cache (the cache has at least two lines), so a stage may hold
 * two contexts at once, never three.
 *
 * The cache is set-associative (ways per set, 0: fully associative) with
 * LRU or FIFO replacement. With the timing model on, each line knows when
 * its fetch completes: a stage that needs a line still being fetched waits
 * for it, a miss waits for the whole DMA read, and the scheduler's
 * look-ahead prefetches lines without waiting (sched/, ingress/).
 */
#include <stdio.h>
#include <string.h>
#include "ctx/ctx.h"

void rdo_ctx_cache_init(RdoCtxCache *c, const char *name, uint32_t ctx_size,
                        uint32_t entries, uint32_t ways, uint32_t policy,
                        uint64_t *pglist_reg, uint32_t *pages_reg,
                        uint64_t *hits, uint64_t *misses)
{
    memset(c, 0, sizeof(*c));
    c->name = name;
    c->ctx_size = ctx_size;
    c->entries = entries;
    /* Checked by rdo_config_valid: ways divides entries. */
    c->ways = ways && ways < entries ? ways : entries;
    c->sets = entries / c->ways;
    c->policy = policy;
    c->side.data = g_malloc0(ctx_size);
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
    g_free(c->side.data);
    c->side.data = NULL;
}

void rdo_ctx_cache_drop(RdoCtxCache *c)
{
    for (uint32_t i = 0; i < c->entries; i++) {
        c->lines[i].valid = false;
        c->lines[i].dirty = false;
    }
    for (uint32_t i = 0; i < c->entries; i++) {
        c->lines[i].prefetched = false;
    }
    c->prefetched = 0;
    c->side.valid = false;
    c->clock = 0;
}

/* Where context `index` lives in host memory. */
static bool ctx_addr(RdoCore *core, RdoCtxCache *c, uint32_t index,
                     uint64_t *addr)
{
    uint32_t per_page = RDO_PAGE_SIZE / c->ctx_size;
    uint32_t page_no = index / per_page;
    uint64_t page;
    /* Untimed: hardware holds the store's translation on chip. */
    RdoFlow flow = rdo_tm_set_flow(core, RDO_FLOW_UNTIMED);
    bool ok = page_no < *c->pages_reg &&
              !rdo_dma_read(core, *c->pglist_reg + (uint64_t)page_no * 8,
                            &page, sizeof(page)) &&
              !(page & (RDO_PAGE_SIZE - 1));

    rdo_tm_set_flow(core, flow);
    if (!ok) {
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

/* A DMA of a context, in the context flow of the bus. */
static int ctx_dma(RdoCore *core, uint64_t addr, void *data, uint32_t len,
                   bool write)
{
    RdoFlow flow = rdo_tm_set_flow(core, RDO_FLOW_CTX);
    int r = write ? rdo_dma_write(core, addr, data, len)
                  : rdo_dma_read(core, addr, data, len);

    rdo_tm_set_flow(core, flow);
    return r;
}

static bool line_writeback(RdoCore *core, RdoCtxCache *c, RdoCtxLine *l)
{
    uint64_t addr;

    if (l->valid && l->dirty) {
        if (!ctx_addr(core, c, l->index, &addr) ||
            ctx_dma(core, addr, l->data, c->ctx_size, true)) {
            return false;
        }
        l->dirty = false;
    }
    return true;
}

static RdoCtxLine *set_of(RdoCtxCache *c, uint32_t index)
{
    return &c->lines[(index % c->sets) * c->ways];
}

static RdoCtxLine *line_find(RdoCtxCache *c, uint32_t index)
{
    RdoCtxLine *set = set_of(c, index);

    for (uint32_t i = 0; i < c->ways; i++) {
        if (set[i].valid && set[i].index == index) {
            return &set[i];
        }
    }
    return NULL;
}

/* Line a is a better victim than b: prefetched lines (about to be used)
 * last, then by the policy. */
static bool better_victim(const RdoCtxCache *c, const RdoCtxLine *a,
                          const RdoCtxLine *b)
{
    if (a->prefetched != b->prefetched) {
        return !a->prefetched;
    }
    return c->policy == RDO_CACHE_FIFO ? a->filled < b->filled
                                       : a->last_use < b->last_use;
}

/* A prefetched line is used (or gone). */
static void line_used(RdoCtxCache *c, RdoCtxLine *l)
{
    if (l->prefetched) {
        l->prefetched = false;
        c->prefetched--;
    }
}

/* The line to reuse: an empty one of the set, else by the policy. */
static RdoCtxLine *line_victim(RdoCore *core, RdoCtxCache *c, uint32_t index)
{
    RdoCtxLine *set = set_of(c, index);
    RdoCtxLine *victim = &set[0];

    for (uint32_t i = 0; i < c->ways; i++) {
        if (!set[i].valid) {
            return &set[i];
        }
        if (better_victim(c, &set[i], victim)) {
            victim = &set[i];
        }
    }
    line_used(c, victim);
    if (!line_writeback(core, c, victim)) {
        store_lost(core, c, victim->index, "write-back to");
    }
    victim->valid = false;
    return victim;
}

/* Loads context `index` into line l; false (device state lost) if not. */
static bool line_load(RdoCore *core, RdoCtxCache *c, RdoCtxLine *l,
                      uint32_t index)
{
    uint64_t addr;

    if (!ctx_addr(core, c, index, &addr) ||
        ctx_dma(core, addr, l->data, c->ctx_size, false)) {
        store_lost(core, c, index, "load from");
        return false;
    }
    l->valid = true;
    l->dirty = false;
    l->index = index;
    l->filled = ++c->clock;
    l->ready_ps = rdo_tm_on(core) ? core->st->tm->last_read_ps : 0;
    return true;
}

/*
 * A doorbell's look at a context that is not cached: read into the side
 * line, not allocated, so that doorbells do not warm the cache for the
 * scheduler (with the timing model on only).
 */
static void *ctx_peek(RdoCore *core, RdoCtxCache *c, uint32_t index)
{
    RdoFlow flow = rdo_tm_set_flow(core, RDO_FLOW_UNTIMED);
    bool ok = line_load(core, c, &c->side, index);

    rdo_tm_set_flow(core, flow);
    return ok ? c->side.data : NULL;
}

void *rdo_ctx_get(RdoCore *core, RdoCtxCache *c, uint32_t index)
{
    RdoCtxLine *l = line_find(c, index);

    if (c->bypass) {
        return l ? l->data : ctx_peek(core, c, index);
    }
    if (l) {
        (*c->hits)++;
        line_used(c, l);
        if (rdo_tm_on(core)) {
            rdo_tm_ctx_wait(core, l->ready_ps);
        }
    } else {
        (*c->misses)++;
        l = line_victim(core, c, index);
        if (rdo_tm_on(core)) {
            core->tcnt.ctx_fetches++;
        }
        if (!line_load(core, c, l, index)) {
            return NULL;
        }
    }
    l->last_use = ++c->clock;
    return l->data;
}

bool rdo_ctx_cached(RdoCtxCache *c, uint32_t index, uint64_t *ready_ps)
{
    RdoCtxLine *l = line_find(c, index);

    if (l) {
        *ready_ps = l->ready_ps;
    }
    return l != NULL;
}

bool rdo_ctx_prefetch(RdoCore *core, RdoCtxCache *c, uint32_t index)
{
    RdoTiming *t = core->st->tm;
    RdoCtxLine *l;
    bool ok;

    if (line_find(c, index)) {
        return true;
    }
    /* At most half the cache ahead, or prefetches evict each other. */
    if (c->prefetched >= c->entries / 2) {
        return false;
    }
    l = line_victim(core, c, index);
    t->nonblock = true;
    ok = line_load(core, c, l, index);
    t->nonblock = false;
    if (ok) {
        l->last_use = ++c->clock;
        l->prefetched = true;
        c->prefetched++;
        core->tcnt.ctx_prefetches++;
    }
    return ok;
}

void *rdo_ctx_new(RdoCore *core, RdoCtxCache *c, uint32_t index)
{
    RdoCtxLine *l = line_find(c, index);

    if (!l) {
        l = line_victim(core, c, index);
        l->index = index;
        l->valid = true;
        l->filled = ++c->clock;
        l->ready_ps = 0;
    }
    memset(l->data, 0, c->ctx_size);
    l->dirty = true;
    l->last_use = ++c->clock;
    return l->data;
}

void rdo_ctx_dirty(RdoCore *core, RdoCtxCache *c, const void *ctx)
{
    if (ctx == c->side.data && c->side.valid) {
        /* Not cached: straight back to the store. */
        RdoFlow flow = rdo_tm_set_flow(core, RDO_FLOW_UNTIMED);

        c->side.dirty = true;
        if (!line_writeback(core, c, &c->side)) {
            store_lost(core, c, c->side.index, "write-back to");
        }
        rdo_tm_set_flow(core, flow);
        return;
    }
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

/*
 * A dirty line put back from a saved state (state/): into a free way of
 * its set, as if just written. False if the set has no free way or the
 * index is cached already (the saved state cannot have come from this
 * cache's geometry).
 */
bool rdo_ctx_restore(RdoCtxCache *c, uint32_t index, const void *data)
{
    RdoCtxLine *set = set_of(c, index);

    if (line_find(c, index)) {
        return false;
    }
    for (uint32_t i = 0; i < c->ways; i++) {
        if (!set[i].valid) {
            set[i].valid = set[i].dirty = true;
            set[i].index = index;
            set[i].filled = set[i].last_use = ++c->clock;
            set[i].ready_ps = 0;
            memcpy(set[i].data, data, c->ctx_size);
            return true;
        }
    }
    return false;
}
