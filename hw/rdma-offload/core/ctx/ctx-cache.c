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
 *
 * What the model decides is kept apart from how the host finds it: a map
 * from context index to line, per set the LRU order as two lists (lines
 * not prefetched, prefetched; each least recently used first) and the
 * valid lines as bits, so that a lookup, a victim and a dirty mark take
 * the same time whatever the cache's size (they were walks of the set).
 * FIFO replacement still walks the set for its victim.
 */
#include <stdio.h>
#include <string.h>
#include "ctx/ctx.h"

/* For the steps of a miss (a load, a write-back, their DMAs): at 65,536
 * QPs a message makes several, and their calls cost more than their work. */
#define CTX_INLINE static inline __attribute__((always_inline))

/*
 * Entries per store page, as a shift: every stride is a power of two that
 * divides the page (the context sizes and the failover entry, checked at
 * build time in rdo-internal.h), so that finding an entry's page takes no
 * division on every context load and write-back.
 */
static void ctx_stride_set(RdoCtxCache *c, uint32_t stride)
{
    c->stride = stride;
    c->per_page_shift = __builtin_ctz(RDO_PAGE_SIZE / stride);
}

static bool lru(const RdoCtxCache *c)
{
    return c->policy != RDO_CACHE_FIFO;
}

/* No line valid: the host-side indexes to match. */
static void index_reset(RdoCtxCache *c)
{
    c->gen++;
    for (uint32_t s = 0; s < c->sets; s++) {
        c->order[s] = (RdoCtxOrder){ { RDO_NONE, RDO_NONE },
                                     { RDO_NONE, RDO_NONE }, c->ways };
    }
    memset(c->valid_bits, 0, (c->entries + 63) / 64 * sizeof(uint64_t));
    if (c->where) {
        memset(c->where, 0, c->where_len * sizeof(uint32_t));
    }
}

void rdo_ctx_cache_init(RdoCtxCache *c, const char *name, uint32_t ctx_size,
                        uint32_t entries, uint32_t ways, uint32_t policy,
                        uint64_t *pglist_reg, uint32_t *pages_reg,
                        uint64_t *hits, uint64_t *misses)
{
    memset(c, 0, sizeof(*c));
    c->name = name;
    c->ctx_size = ctx_size;
    ctx_stride_set(c, ctx_size);
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
    c->block = g_malloc0((size_t)entries * ctx_size);
    for (uint32_t i = 0; i < entries; i++) {
        c->lines[i].data = c->block + (size_t)i * ctx_size;
        c->lines[i].set = i / c->ways;
    }
    c->order = g_new(RdoCtxOrder, c->sets);
    c->valid_bits = g_new0(uint64_t, (entries + 63) / 64);
    index_reset(c);
}

void rdo_ctx_cache_free(RdoCtxCache *c)
{
    g_free(c->lines);
    c->lines = NULL;
    g_free(c->block);
    g_free(c->order);
    g_free(c->valid_bits);
    g_free(c->where);
    c->block = NULL;
    c->order = NULL;
    c->valid_bits = NULL;
    c->where = NULL;
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
    index_reset(c);
}

/* Where context `index` lives in the store; false if out of it. */
CTX_INLINE bool ctx_addr(RdoCore *core, RdoCtxCache *c, uint32_t index,
                         uint64_t *addr)
{
    uint32_t page_no = index >> c->per_page_shift;
    uint64_t page;

    /* Untimed: hardware holds the store's translation on chip. So the bus
     * model is not asked (rdo_dma_read would, to hear that the flow is
     * untimed), only the host: the read is counted as every DMA is. */
    if (page_no >= *c->pages_reg ||
        rdo_host_dma(core, *c->pglist_reg + (uint64_t)page_no * 8, &page,
                     sizeof(page), false) ||
        (page & (RDO_PAGE_SIZE - 1))) {
        return false;
    }
    *addr = page + (uint64_t)(index & ((1u << c->per_page_shift) - 1)) *
                   c->stride;
    return true;
}

bool rdo_ctx_addr(RdoCore *core, RdoCtxCache *c, uint32_t index,
                  uint64_t *addr)
{
    return ctx_addr(core, c, index, addr);
}

/*
 * The store is the device's only copy of a context that is not cached: one
 * it cannot reach (the driver gave a bad page list, scribbled on it, or
 * turned bus mastering off) means lost device state.
 */
static enum rdo_fatal_cause lost_cause(RdoCore *core, const RdoCtxCache *c)
{
    return c == &core->st->qpc ? RDO_FATAL_QPC_STORE : RDO_FATAL_MRC_STORE;
}

static void store_lost(RdoCore *core, RdoCtxCache *c, uint32_t index,
                       const char *op)
{
    char what[96];

    snprintf(what, sizeof(what), "%s context %u: %s the store failed",
             c->name, index, op);
    rdo_core_fatal(core, lost_cause(core, c), true, what);
}

/*
 * A DMA of a context, in the context flow of the bus; untimed when the
 * caller made it so (a doorbell's look beside the cache and that copy's
 * write-back: fields hardware keeps in a doorbell table on chip): then
 * the host's part only, as rdo_dma_read's timing would do nothing.
 */
CTX_INLINE int ctx_dma(RdoCore *core, uint64_t addr, void *data, uint32_t len,
                       bool write)
{
    RdoTiming *t = core->st->tm;

    if (t && t->flow != RDO_FLOW_UNTIMED) {
        RdoFlow flow = t->flow;

        t->flow = RDO_FLOW_CTX;
        rdo_tm_dma(core, addr, len, write);
        t->flow = flow;
    }
    return rdo_host_dma(core, addr, data, len, write);
}

CTX_INLINE bool line_writeback(RdoCore *core, RdoCtxCache *c, RdoCtxLine *l)
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

static uint32_t pos_of(const RdoCtxCache *c, const RdoCtxLine *l)
{
    return (uint32_t)(l - c->lines);
}

static RdoCtxOrder *order_of(RdoCtxCache *c, const RdoCtxLine *l)
{
    return &c->order[l->set];
}

/* LRU: a valid line leaves its list (the one its prefetched flag says). */
static void order_unlink(RdoCtxCache *c, RdoCtxLine *l)
{
    RdoCtxOrder *o = order_of(c, l);
    int k = l->prefetched;

    if (l->prev != RDO_NONE) {
        c->lines[l->prev].next = l->next;
    } else {
        o->head[k] = l->next;
    }
    if (l->next != RDO_NONE) {
        c->lines[l->next].prev = l->prev;
    } else {
        o->tail[k] = l->prev;
    }
}

/* LRU: ... and joins the back of it, as the most recently used. */
static void order_append(RdoCtxCache *c, RdoCtxLine *l)
{
    uint32_t pos = pos_of(c, l);
    RdoCtxOrder *o = order_of(c, l);
    int k = l->prefetched;

    l->next = RDO_NONE;
    l->prev = o->tail[k];
    if (o->tail[k] != RDO_NONE) {
        c->lines[o->tail[k]].next = pos;
    } else {
        o->head[k] = pos;
    }
    o->tail[k] = pos;
}

/* A line now holds context l->index. */
static void line_enter(RdoCtxCache *c, RdoCtxLine *l)
{
    uint32_t pos = pos_of(c, l);

    if (l->index >= c->where_len) {
        uint32_t n = MAX(l->index + 1, MAX(64, c->where_len * 2));

        c->where = g_renew(uint32_t, c->where, n);
        memset(c->where + c->where_len, 0, (n - c->where_len) * sizeof(uint32_t));
        c->where_len = n;
    }
    c->where[l->index] = pos + 1;
    l->stamp = ++c->stamps;
    c->gen++;
    c->valid_bits[pos / 64] |= 1ull << (pos % 64);
    order_of(c, l)->invalid--;
    if (lru(c)) {
        order_append(c, l);
    }
}

/* A line gives its context up. */
static void line_leave(RdoCtxCache *c, RdoCtxLine *l)
{
    uint32_t pos = pos_of(c, l);

    if (lru(c)) {
        order_unlink(c, l);
    }
    l->valid = false;
    c->gen++;
    c->where[l->index] = 0;
    c->valid_bits[pos / 64] &= ~(1ull << (pos % 64));
    order_of(c, l)->invalid++;
}

/* A line is used: it becomes the most recently used. */
static void line_touch(RdoCtxCache *c, RdoCtxLine *l)
{
    l->last_use = ++c->clock;
    /* The last of its list already (most often): moving it is a no-op. */
    if (lru(c) && l->next != RDO_NONE) {
        order_unlink(c, l);
        order_append(c, l);
    }
}

static RdoCtxLine *line_find(RdoCtxCache *c, uint32_t index)
{
    return rdo_ctx_line_of(c, index);
}

/*
 * The first line of the set at `base` that is not valid; NULL if there is
 * none. Callers ask only when the set's count says one is free, and the
 * count and the valid bits change together (line_enter, line_leave,
 * index_reset, nothing else), whatever the guest or a saved state does: a
 * NULL is the cache's own bug, so no test can reach it through the
 * device's interface. The callers still stop the device rather than crash.
 */
static RdoCtxLine *first_invalid(RdoCtxCache *c, uint32_t base)
{
    uint32_t end = base + c->ways, pos = base;

    while (pos < end) {
        uint64_t empty = ~c->valid_bits[pos / 64] >> (pos % 64);

        if (empty) {
            pos += __builtin_ctzll(empty);
            break;
        }
        pos = (pos / 64 + 1) * 64;
    }
    return pos < end ? &c->lines[pos] : NULL;
}

/*
 * The cache's indexes disagree: a device fault, not the guest's. The
 * cached contexts cannot be trusted any more, so the device stops as it
 * does when it loses them (the store's cause; traced, not a guest error).
 */
static void cache_broken(RdoCore *core, RdoCtxCache *c, uint32_t base)
{
    char what[96];

    snprintf(what, sizeof(what),
             "%s context cache: set at line %u counts a free way it lacks",
             c->name, base);
    rdo_core_fatal(core, lost_cause(core, c), false, what);
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
        if (lru(c)) {
            order_unlink(c, l);
        }
        l->prefetched = false;
        c->prefetched--;
        if (lru(c)) {
            order_append(c, l);
        }
    }
}

void rdo_ctx_line_used_slow(RdoCtxCache *c, RdoCtxLine *l)
{
    line_used(c, l);
    line_touch(c, l);
}

/*
 * The line to reuse: the set's first empty one, else by the policy: the
 * least recently used (LRU) or first filled (FIFO) of the lines not
 * prefetched, or of the prefetched ones if all are. NULL if the cache
 * found itself broken (the device has stopped).
 */
static RdoCtxLine *line_victim(RdoCore *core, RdoCtxCache *c, uint32_t index)
{
    RdoCtxLine *set = set_of(c, index);
    RdoCtxOrder *o = order_of(c, set);
    RdoCtxLine *victim = &set[0];

    if (o->invalid) {
        victim = first_invalid(c, pos_of(c, set));
        if (!victim) {
            cache_broken(core, c, pos_of(c, set));
        }
        return victim;
    }
    if (lru(c)) {
        victim = &c->lines[o->head[0] != RDO_NONE ? o->head[0] : o->head[1]];
    } else {
        for (uint32_t i = 1; i < c->ways; i++) {
            if (better_victim(c, &set[i], victim)) {
                victim = &set[i];
            }
        }
    }
    line_used(c, victim);
    if (!line_writeback(core, c, victim)) {
        store_lost(core, c, victim->index, "write-back to");
    }
    line_leave(c, victim);
    return victim;
}

/* Loads context `index` into line l; false (device state lost) if not. */
CTX_INLINE bool line_load(RdoCore *core, RdoCtxCache *c, RdoCtxLine *l,
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
 * scheduler (with the timing model on only). Out of line, as ctx_miss.
 */
static __attribute__((noinline)) void *ctx_peek(RdoCore *core, RdoCtxCache *c, uint32_t index)
{
    RdoFlow flow = rdo_tm_set_flow(core, RDO_FLOW_UNTIMED);
    bool ok = line_load(core, c, &c->side, index);

    rdo_tm_set_flow(core, flow);
    return ok ? c->side.data : NULL;
}

/* rdo_ctx_get's miss: the line it loaded, NULL if none. Out of line, so
 * that the hit's path keeps few registers with the load inlined here. */
static __attribute__((noinline)) RdoCtxLine *ctx_miss(RdoCore *core,
                                                      RdoCtxCache *c,
                                                      uint32_t index)
{
    RdoCtxLine *l;

    (*c->misses)++;
    l = line_victim(core, c, index);
    if (!l) {
        return NULL;
    }
    if (rdo_tm_on(core)) {
        core->tcnt.ctx_fetches++;
    }
    if (!line_load(core, c, l, index)) {
        return NULL;
    }
    line_enter(c, l);
    return l;
}

RDO_HOT
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
    } else if (!(l = ctx_miss(core, c, index))) {
        return NULL;
    }
    line_touch(c, l);
    return l->data;
}

void rdo_ctx_host_prefetch(const RdoCtxCache *c, uint32_t index)
{
    /* Its entry of the index map only: reading it to find the line would
     * wait for the very miss this is to hide (the lines, a few dozen, stay
     * in the host's caches anyway). */
    if (index < c->where_len) {
        rdo_host_prefetch(&c->where[index], sizeof(c->where[index]));
    }
}

void *rdo_ctx_cached_data(RdoCtxCache *c, uint32_t index)
{
    RdoCtxLine *l = line_find(c, index);

    return l ? l->data : NULL;
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
    if (!l) {
        return false;
    }
    t->nonblock = true;
    ok = line_load(core, c, l, index);
    t->nonblock = false;
    if (ok) {
        l->last_use = ++c->clock;
        l->prefetched = true;
        line_enter(c, l);       /* at the back of the prefetched lines */
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
        if (!l) {
            return NULL;
        }
        l->index = index;
        l->valid = true;
        l->filled = ++c->clock;
        l->ready_ps = 0;
        line_enter(c, l);
    } else {
        l->stamp = ++c->stamps;     /* a new context in the same line */
        c->gen++;
    }
    memset(l->data, 0, c->ctx_size);
    l->dirty = true;
    line_touch(c, l);
    return l->data;
}

/* The side line written: not cached, straight back to the store. Out of
 * line: a cached context's mark is the common case. */
static __attribute__((noinline)) void side_dirty(RdoCore *core,
                                                 RdoCtxCache *c)
{
    RdoFlow flow = rdo_tm_set_flow(core, RDO_FLOW_UNTIMED);

    c->side.dirty = true;
    if (!line_writeback(core, c, &c->side)) {
        store_lost(core, c, c->side.index, "write-back to");
    }
    rdo_tm_set_flow(core, flow);
}

void rdo_ctx_dirty(RdoCore *core, RdoCtxCache *c, const void *ctx)
{
    c->gen++;                   /* written: a held copy may be stale */
    if (ctx == c->side.data && c->side.valid) {
        side_dirty(core, c);
        return;
    }
    if ((const uint8_t *)ctx >= c->block &&
        (const uint8_t *)ctx < c->block + (size_t)c->entries * c->ctx_size) {
        c->lines[((const uint8_t *)ctx - c->block) / c->ctx_size].dirty = true;
    }
}

void rdo_ctx_forget_clean(RdoCtxCache *c, uint32_t index)
{
    RdoCtxLine *l = line_find(c, index);

    if (l && !l->dirty) {
        line_used(c, l);
        line_leave(c, l);
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

/* Both caches of a function, sized by its configuration (its share). */
void rdo_ctx_caches_init(RdoCore *core)
{
    const RdoConfig *c = &core->cfg;
    RdoState *st = core->st;

    rdo_ctx_cache_init(&st->qpc, "QP", RDO_QPC_SIZE, c->qpc_cache_entries,
                       c->ctx_cache_ways, c->ctx_cache_policy,
                       &core->regs.qpc_pglist, &core->regs.qpc_pages,
                       &core->cnt.qpc_hits, &core->cnt.qpc_misses);
    /* With failover the entry carries the QP's hard state after it. */
    ctx_stride_set(&st->qpc, rdo_qpc_entry_size(core));
    rdo_ctx_cache_init(&st->mrc, "MR", RDO_MRC_SIZE, c->mrc_cache_entries,
                       c->ctx_cache_ways, c->ctx_cache_policy,
                       &core->regs.mrc_pglist, &core->regs.mrc_pages,
                       &core->cnt.mrc_hits, &core->cnt.mrc_misses);
}

void rdo_ctx_caches_free(RdoCore *core)
{
    rdo_ctx_cache_free(&core->st->qpc);
    rdo_ctx_cache_free(&core->st->mrc);
}

/*
 * A dirty line put back from a saved state (state/): into a free way of
 * its set, as if just written. False if the set has no free way or the
 * index is cached already (the saved state cannot have come from this
 * cache's geometry).
 */
bool rdo_ctx_restore(RdoCtxCache *c, uint32_t index, const void *data)
{
    uint32_t base = pos_of(c, set_of(c, index));
    RdoCtxLine *l;

    if (line_find(c, index) || !order_of(c, &c->lines[base])->invalid) {
        return false;
    }
    l = first_invalid(c, base);
    if (!l) {
        return false;   /* see first_invalid: not reached */
    }
    l->valid = l->dirty = true;
    l->prefetched = false;
    l->index = index;
    l->filled = ++c->clock;
    l->ready_ps = 0;
    memcpy(l->data, data, c->ctx_size);
    line_enter(c, l);
    line_touch(c, l);
    return true;
}
