/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The context cache against a model of its rules written the plain way
 * (walk the set): the first empty line of the set, else the least recently
 * used (LRU) or first filled (FIFO) line not prefetched, else of the
 * prefetched ones. Random gets, prefetches, new contexts and dirty marks on
 * caches of several shapes; after each, the same contexts are cached and
 * the hit and miss counters agree. The cache keeps host-side indexes
 * (index map, LRU lists, valid bits) that must never change a decision.
 * And where each context lives in its store (/ctx-cache/store-address).
 */
#include <string.h>
#include "test-driver.h"
#include "timing-work.h"
#include "ctx/ctx.h"

#define CTX_QPS     256

typedef struct RefLine {
    bool valid, prefetched;
    uint32_t index;
    uint64_t last_use, filled;
} RefLine;

typedef struct Ref {
    RefLine *lines;
    uint32_t entries, ways, sets, policy, prefetched;
    uint64_t clock, hits, misses;
} Ref;

static RefLine *ref_find(Ref *r, uint32_t index)
{
    RefLine *set = &r->lines[(index % r->sets) * r->ways];

    for (uint32_t i = 0; i < r->ways; i++) {
        if (set[i].valid && set[i].index == index) {
            return &set[i];
        }
    }
    return NULL;
}

static bool ref_better(const Ref *r, const RefLine *a, const RefLine *b)
{
    if (a->prefetched != b->prefetched) {
        return !a->prefetched;
    }
    return r->policy == RDO_CACHE_FIFO ? a->filled < b->filled
                                       : a->last_use < b->last_use;
}

static void ref_used(Ref *r, RefLine *l)
{
    if (l->prefetched) {
        l->prefetched = false;
        r->prefetched--;
    }
}

static RefLine *ref_victim(Ref *r, uint32_t index)
{
    RefLine *set = &r->lines[(index % r->sets) * r->ways];
    RefLine *victim = &set[0];

    for (uint32_t i = 0; i < r->ways; i++) {
        if (!set[i].valid) {
            return &set[i];
        }
        if (ref_better(r, &set[i], victim)) {
            victim = &set[i];
        }
    }
    ref_used(r, victim);
    victim->valid = false;
    return victim;
}

static void ref_load(Ref *r, RefLine *l, uint32_t index)
{
    l->valid = true;
    l->index = index;
    l->filled = ++r->clock;
}

static void ref_get(Ref *r, uint32_t index)
{
    RefLine *l = ref_find(r, index);

    if (l) {
        r->hits++;
        ref_used(r, l);
    } else {
        r->misses++;
        l = ref_victim(r, index);
        ref_load(r, l, index);
    }
    l->last_use = ++r->clock;
}

static bool ref_prefetch(Ref *r, uint32_t index)
{
    RefLine *l;

    if (ref_find(r, index)) {
        return true;
    }
    if (r->prefetched >= r->entries / 2) {
        return false;
    }
    l = ref_victim(r, index);
    ref_load(r, l, index);
    l->last_use = ++r->clock;
    l->prefetched = true;
    r->prefetched++;
    return true;
}

static void ref_new(Ref *r, uint32_t index)
{
    RefLine *l = ref_find(r, index);

    if (!l) {
        l = ref_victim(r, index);
        l->index = index;
        l->valid = true;
        l->filled = ++r->clock;
    }
    l->last_use = ++r->clock;
}

/* One cache shape: `ops` random operations on indexes below `span`. */
static void run_shape(uint32_t entries, uint32_t ways, uint32_t policy,
                      uint32_t span, uint32_t ops, uint32_t seed)
{
    RdoConfig cfg = work_config(true, 100, entries, 8);
    TestDriver *d;
    RdoCtxCache *c;
    GRand *rand = g_rand_new_with_seed(seed);
    Ref r = { 0 };
    uint32_t hits0, misses0;

    cfg.max_qp = CTX_QPS;
    cfg.ctx_cache_ways = ways;
    cfg.ctx_cache_policy = policy;
    d = td_new(&cfg);
    td_start(d);
    c = &d->h->core.st->qpc;
    r.entries = entries;
    r.ways = ways ? ways : entries;
    r.sets = entries / r.ways;
    r.policy = policy;
    r.lines = g_new0(RefLine, entries);
    /* Starting the control path may have used the cache: start empty. */
    g_assert_true(rdo_ctx_flush(&d->h->core, c));
    rdo_ctx_cache_drop(c);
    hits0 = *c->hits;
    misses0 = *c->misses;

    for (uint32_t k = 0; k < ops; k++) {
        uint32_t index = g_rand_int_range(rand, 0, span);
        uint32_t op = g_rand_int_range(rand, 0, 10);
        void *ctx;

        if (op < 6) {
            ctx = rdo_ctx_get(&d->h->core, c, index);
            g_assert_nonnull(ctx);
            ref_get(&r, index);
            if (op == 0) {
                rdo_ctx_dirty(&d->h->core, c, ctx);
            }
        } else if (op < 9) {
            g_assert_cmpint(rdo_ctx_prefetch(&d->h->core, c, index), ==,
                            ref_prefetch(&r, index));
        } else {
            g_assert_nonnull(rdo_ctx_new(&d->h->core, c, index));
            ref_new(&r, index);
        }
        for (uint32_t i = 0; i < span; i++) {
            uint64_t ready;
            bool cached = rdo_ctx_cached(c, i, &ready);

            if (cached != (ref_find(&r, i) != NULL)) {
                g_error("%u entries, %u ways, policy %u: op %u: context %u "
                        "cached %d, the model says %d", entries, ways, policy,
                        k, i, cached, !cached);
            }
        }
        g_assert_cmpuint(*c->hits - hits0, ==, r.hits);
        g_assert_cmpuint(*c->misses - misses0, ==, r.misses);
        g_assert_cmpuint(c->prefetched, ==, r.prefetched);
    }
    g_assert_false(rdo_core_is_fatal(&d->h->core));
    g_rand_free(rand);
    g_free(r.lines);
    td_free(d);
}

static void test_shapes(void)
{
    static const struct { uint32_t entries, ways, policy; } shapes[] = {
        { 16, 0, RDO_CACHE_LRU }, { 16, 1, RDO_CACHE_LRU },
        { 16, 4, RDO_CACHE_LRU }, { 64, 8, RDO_CACHE_LRU },
        { 16, 0, RDO_CACHE_FIFO }, { 16, 4, RDO_CACHE_FIFO },
        { 128, 0, RDO_CACHE_LRU }, { 2, 0, RDO_CACHE_LRU },
    };
    uint32_t seed = g_test_rand_int();

    g_test_message("seed %u", seed);
    for (unsigned i = 0; i < G_N_ELEMENTS(shapes); i++) {
        /* Indexes well beyond the cache (misses) and within it (hits). */
        run_shape(shapes[i].entries, shapes[i].ways, shapes[i].policy,
                  MIN(CTX_QPS, shapes[i].entries * 3), 3000, seed + i);
    }
}

/*
 * Where a context lives in its store: rdo_ctx_addr (which finds the page by
 * a shift) against the plain division the test driver does, for every QP
 * of several store pages with the plain and the failover entry size, and
 * every MR; the page-list read counted as one DMA and never timed (no TLP);
 * no address past the page list or from an entry not on a page.
 */
static void check_store(TestDriver *d, RdoCtxCache *c, uint32_t count,
                        uint32_t stride)
{
    RdoCore *core = &d->h->core;
    uint32_t per_page = RDO_PAGE_SIZE / stride;
    uint64_t pglist = *c->pglist_reg, page, addr;

    g_assert_cmpuint(c->stride, ==, stride);
    for (uint32_t i = 0; i < count; i++) {
        uint64_t dmas = core->cnt.dma_transfers;
        uint64_t tlps = core->tcnt.pcie_tlps;

        g_assert_true(rdo_ctx_addr(core, c, i, &addr));
        memcpy(&page, td_ptr(d, pglist + i / per_page * 8), 8);
        g_assert_cmphex(addr, ==, page + (uint64_t)(i % per_page) * stride);
        g_assert_cmpuint(core->cnt.dma_transfers, ==, dmas + 1);
        g_assert_cmpuint(core->tcnt.pcie_tlps, ==, tlps);
    }
    /* The first index past the page list's pages. */
    g_assert_false(rdo_ctx_addr(core, c, *c->pages_reg * per_page, &addr));
    /* A page-list entry not on a page boundary (the guest's scribble). */
    memcpy(&page, td_ptr(d, pglist), 8);
    *(uint64_t *)td_ptr(d, pglist) = page + 8;
    g_assert_false(rdo_ctx_addr(core, c, per_page - 1, &addr));
    memcpy(td_ptr(d, pglist), &page, 8);
}

static void test_store_address(void)
{
    for (int failover = 0; failover < 2; failover++) {
        RdoConfig cfg = work_config(true, 100, 16, 8);
        TestDriver *d;

        cfg.max_qp = 300;
        cfg.failover = failover;
        d = td_new(&cfg);
        td_start(d);
        for (uint32_t i = 0; i < cfg.max_qp; i++) {
            uint64_t addr;

            g_assert_true(rdo_ctx_addr(&d->h->core, &d->h->core.st->qpc, i,
                                       &addr));
            g_assert_true(td_ptr(d, addr) == td_qpc_entry(d, i));
        }
        check_store(d, &d->h->core.st->qpc, cfg.max_qp,
                    failover ? RDO_QPC_FO_ENTRY_SIZE : RDO_QPC_SIZE);
        check_store(d, &d->h->core.st->mrc, cfg.max_mr, RDO_MRC_SIZE);
        g_assert_false(rdo_core_is_fatal(&d->h->core));
        td_free(d);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ctx-cache/against-model", test_shapes);
    g_test_add_func("/ctx-cache/store-address", test_store_address);
    return g_test_run();
}
