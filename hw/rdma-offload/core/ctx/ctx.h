/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: QP and MR contexts: the caches over the context stores
 * in host memory (ctx-cache.c), QP lookups (qp.c), MR lookups (mr.c),
 * memory windows (mw.c) and DMA through MRs and windows (mr-dma.c).
 */
#ifndef RDO_CTX_H
#define RDO_CTX_H

#include "notify/notify.h"

/* Context caches (ctx-cache.c). */
void rdo_ctx_cache_init(RdoCtxCache *c, const char *name, uint32_t ctx_size,
                        uint32_t entries, uint32_t ways, uint32_t policy,
                        uint64_t *pglist_reg, uint32_t *pages_reg,
                        uint64_t *hits, uint64_t *misses);
void rdo_ctx_cache_free(RdoCtxCache *c);
void rdo_ctx_cache_drop(RdoCtxCache *c);
/* A cached copy of context `index`, loaded on a miss; NULL on DMA failure
 * or when the cache failed (both stop the device). */
void *rdo_ctx_get(RdoCore *core, RdoCtxCache *c, uint32_t index);
/* A line for a new context: zeroed, not loaded from the store; NULL when
 * the cache failed (the device stopped: the command has no completion). */
void *rdo_ctx_new(RdoCore *core, RdoCtxCache *c, uint32_t index);
void rdo_ctx_dirty(RdoCore *core, RdoCtxCache *c, const void *ctx);
/* Host caches only (no simulated effect): start loading what a lookup of
 * context `index` reads, so that its host miss overlaps earlier work. */
void rdo_ctx_host_prefetch(const RdoCtxCache *c, uint32_t index);
/* The same for everything QP qpn's lookup (rdo_qp_get) reads. */
void rdo_qp_host_prefetch(const RdoCore *core, uint32_t qpn);
/* Timing: loads context `index` ahead of its use; false if it cannot. */
bool rdo_ctx_prefetch(RdoCore *core, RdoCtxCache *c, uint32_t index);
bool rdo_ctx_flush(RdoCore *core, RdoCtxCache *c);
/* Context `index` leaves the cache if its line is clean (the next use
 * loads it from the store); a dirty line, newer than the store, stays. */
void rdo_ctx_forget_clean(RdoCtxCache *c, uint32_t index);
/* The cached copy of context `index`, or NULL: not loaded, not counted,
 * the replacement order untouched (a look the model does not make). */
void *rdo_ctx_cached_data(RdoCtxCache *c, uint32_t index);
/* A line's context used without a lookup (held past it, xport/hold.c):
 * its place in the replacement order as a hit's, nothing counted. Inline
 * for the common case, a line used last already (the last of its set's
 * order, not prefetched): only its time of use moves. */
void rdo_ctx_line_used_slow(RdoCtxCache *c, RdoCtxLine *l);
static inline void rdo_ctx_line_used(RdoCtxCache *c, RdoCtxLine *l)
{
    if (!l->prefetched && l->next == RDO_NONE) {
        l->last_use = ++c->clock;
        return;
    }
    rdo_ctx_line_used_slow(c, l);
}
/* The line holding context `index`, or NULL (host side, nothing counted). */
static inline RdoCtxLine *rdo_ctx_line_of(const RdoCtxCache *c,
                                          uint32_t index)
{
    return index < c->where_len && c->where[index] ?
           &c->lines[c->where[index] - 1] : NULL;
}
/* Timing: whether context `index` is cached, and when its line is ready.
 * Inline: the scheduler's look-ahead asks it of every item it passes (13
 * times a message with 65,536 QPs, where every context is being fetched). */
static inline bool rdo_ctx_cached(const RdoCtxCache *c, uint32_t index,
                                  uint64_t *ready_ps)
{
    const RdoCtxLine *l = rdo_ctx_line_of(c, index);

    if (l) {
        *ready_ps = l->ready_ps;
    }
    return l != NULL;
}
/* Both caches of the function, sized by its share of the device. */
void rdo_ctx_caches_init(RdoCore *core);
void rdo_ctx_caches_free(RdoCore *core);
/* Where context `index` lives in host memory; false if the store's page
 * list does not say. */
bool rdo_ctx_addr(RdoCore *core, RdoCtxCache *c, uint32_t index,
                  uint64_t *addr);
/* A saved dirty line put back (state/); false if it cannot be placed. */
bool rdo_ctx_restore(RdoCtxCache *c, uint32_t index, const void *data);

/* Failover write-backs (commit.c): QP qpn's hard state in its entry of the
 * QP context store (failover=1). */
#define RDO_FO_XPORT_BYTES  128     /* the QP context's transport section */
/* The transport section of QP qpn's context in the store (RDO_FO_XPORT_BYTES
 * at most): written (and any cached copy of the line updated), read back;
 * false if the store cannot be read. */
void rdo_fo_store_write(RdoCore *core, uint32_t qpn, const void *img,
                        uint32_t len);
bool rdo_fo_store_read(RdoCore *core, uint32_t qpn, void *img, uint32_t len);
/* The rest of the QP's entry with failover (RDO_QPC_FO_*: responder
 * resources, records of work requests): `len` bytes at byte `off` of it
 * written back (counted as a write-back), read; false if not reachable. */
void rdo_fo_store_put(RdoCore *core, uint32_t qpn, uint32_t off,
                      const void *data, uint32_t len);
bool rdo_fo_store_get(RdoCore *core, uint32_t qpn, uint32_t off, void *data,
                      uint32_t len);

/* Bytes of the QP context store per QP (QPC_ENTRY_SIZE). */
static inline uint32_t rdo_qpc_entry_size(const RdoCore *core)
{
    return core->cfg.failover ? RDO_QPC_FO_ENTRY_SIZE : RDO_QPC_SIZE;
}

/* QPs (qp.c). */
RdoQpCtx *rdo_qp_get(RdoCore *core, uint32_t qpn);
RdoQpCtx *rdo_qp_peek(RdoCore *core, uint32_t qpn);

/* MRs (mr.c). */

/* Access rights a registration may ask for: known bits, and remote write
 * or atomic only with local write (IB spec 10.6.3.1). */
static inline bool rdo_mr_access_ok(uint16_t access)
{
    return !(access & ~RDO_ACCESS__ALL) &&
           (!(access & (RDO_ACCESS_REMOTE_WRITE | RDO_ACCESS_REMOTE_ATOMIC)) ||
            (access & RDO_ACCESS_LOCAL_WRITE));
}

/* A page list's place in guest memory: entries 8-byte aligned, and the
 * list's end (list + 8 * num_pages) below 2^64, not wrapping to address 0
 * (REG_MR, REREG_MR, fast registration; a context loaded from its store). */
static inline bool rdo_mr_list_ok(uint64_t list, uint32_t num_pages)
{
    return !(list & 7) && list + (uint64_t)num_pages * 8 >= list;
}

/* A region of `length` bytes at `iova` fits its `num_pages` pages of
 * 2^page_shift bytes, counted from iova's offset in the first; at most
 * 1 TiB and no wrap-around. */
static inline bool rdo_mr_range_ok(uint64_t iova, uint64_t length,
                                   uint32_t num_pages, uint8_t page_shift)
{
    uint64_t span = (iova & ((1ull << page_shift) - 1)) + length;

    return length <= (1ull << 40) && iova + length >= iova &&
           span <= ((uint64_t)num_pages << page_shift);
}

enum rdo_mr_lookup {
    RDO_MR_OK,
    RDO_MR_PENDING,             /* registration still queued: stall */
    RDO_MR_BAD_KEY,             /* no such MR, wrong key or PD, invalidated */
    RDO_MR_DMA,                 /* its context is unreachable */
};
/* An MR context, checked (not corrupted in host memory); NULL if not. */
RdoMrCtx *rdo_mr_get(RdoCore *core, uint32_t index);
/* The context at MR index `index`, in use and not pending, any state. */
enum rdo_mr_lookup rdo_mr_at(RdoCore *core, uint32_t index, RdoMrCtx **mr);
/* The MR index of a key of this function; RDO_NONE for another's. */
/* The function whose bits an MR's keys carry: this one's, or for an MR a
 * moved connection brought (MOVE_QP) the function it was registered in. */
uint32_t rdo_mr_key_fn(RdoCore *core, uint32_t index);
uint32_t rdo_key_mr(RdoCore *core, uint32_t key);
/* An MR or a window with key `key`, valid (a window: bound), of PD pdn
 * (RDO_NONE: any PD, the caller checked it before). */
enum rdo_mr_lookup rdo_mr_lookup(RdoCore *core, uint32_t key, uint32_t pdn,
                                 RdoMrCtx **mr);

/* Fast registration (mr.c): what a REG_MR work request came to. */
typedef enum RdoFastReg {
    RDO_FR_OK,                  /* registered: valid with the new key */
    RDO_FR_PENDING,             /* the MR's ALLOC_MR is still queued: stall */
    RDO_FR_BAD_MR,              /* no such MR, not for fast registration, other PD */
    RDO_FR_VALID,               /* the MR is still valid (IBA: not allowed) */
    RDO_FR_PAGES,               /* page count 0 or beyond the MR's, page size */
    RDO_FR_RANGE,               /* iova/length overflow or beyond the pages */
    RDO_FR_ACCESS,              /* rights the MR may not grant, or remote
                                   write/atomic without local write */
    RDO_FR_PAGE_LIST,           /* page list unreachable or an entry unaligned */
    RDO_FR_DMA,                 /* the MR's context is unreachable */
} RdoFastReg;
/*
 * Registers the fast-registration MR a REG_MR WQE names (in PD pdn) with
 * the WQE's pages, range, rights and key, after checking each of them and
 * reading every page-list entry; changes nothing unless RDO_FR_OK.
 */
RdoFastReg rdo_mr_fast_reg(RdoCore *core, uint32_t pdn,
                           const struct rdo_reg_mr_wqe *w);

/*
 * Invalidation of a key (mw.c): LOCAL_INV (qpn RDO_NONE) or a SEND with
 * invalidate received on QP qpn, of an MR or a type-2 window of PD pdn.
 */
typedef enum RdoInval {
    RDO_INV_OK,
    RDO_INV_PENDING,            /* its registration or allocation still queued */
    RDO_INV_BAD_KEY,            /* no valid MR or window of the PD with that key;
                                   remote: an MR without remote rights, or a
                                   window the QP may not use */
    RDO_INV_TYPE1,              /* a type-1 window (IBA o10-37.2.26) */
} RdoInval;
RdoInval rdo_key_invalidate(RdoCore *core, uint32_t key, uint32_t pdn,
                            uint32_t qpn);

/* Memory windows (mw.c). */
/* A bound window may be used by QP qpn: any QP of its PD for type 1, only
 * the QP that bound it (this incarnation of it) for type 2. */
bool rdo_mw_admits(RdoCore *core, const RdoMrCtx *w, uint32_t qpn);
/* Unbinds window w (no-op if unbound): its MR's count of windows drops. */
void rdo_mw_unbind(RdoCore *core, RdoMrCtx *w);
/* What a BIND_MW work request came to. */
typedef enum RdoMwBind {
    RDO_MWB_OK,
    RDO_MWB_PENDING,            /* the window's or the MR's command still queued */
    RDO_MWB_BAD_MW,             /* no window of the QP's PD with that key */
    RDO_MWB_BOUND,              /* a type-2 window not free (o10-37.2.30) */
    RDO_MWB_BAD_MR,             /* no valid MR of the QP's PD with that key */
    RDO_MWB_NO_BIND,            /* the MR lacks RDO_ACCESS_MW_BIND (C10-73) */
    RDO_MWB_RANGE,              /* outside the MR (C10-75), or a type-2 window
                                   bound with length 0 (o10-37.2.40) */
    RDO_MWB_ACCESS,             /* unknown rights, or remote write or atomic
                                   on an MR without local write (C10-74) */
    RDO_MWB_DMA,                /* a context is unreachable */
} RdoMwBind;
/*
 * Binds (or, type 1 with length 0, unbinds) the window a BIND_MW WQE names
 * for QP qpn of PD pdn after every check; changes nothing unless
 * RDO_MWB_OK. On RDO_MWB_PENDING *stall is the index to wait for.
 */
RdoMwBind rdo_mw_bind(RdoCore *core, uint32_t qpn, uint32_t pdn,
                      const struct rdo_bind_mw_wqe *b, uint32_t *stall);

/* Memory-region translation (mr-dma.c). */
typedef enum RdoMrCheck {
    RDO_MRC_OK,
    RDO_MRC_PENDING,            /* registration still queued */
    RDO_MRC_BAD_KEY,
    RDO_MRC_ACCESS,             /* the MR does not allow it */
    RDO_MRC_BOUNDS,             /* outside the region */
    RDO_MRC_DMA,                /* context or page list unreachable */
} RdoMrCheck;
/*
 * Key, PD, rights and bounds of [va, va + len). qpn: RDO_NONE for a local
 * key (an lkey: windows refused), else the responder QP using an rkey,
 * which may name a window it may use (rdo_mw_admits); the window's range
 * and rights are checked, then its MR's.
 */
RdoMrCheck rdo_mr_check(RdoCore *core, uint32_t key, uint32_t pdn,
                        uint32_t qpn, uint64_t va, uint64_t len,
                        uint16_t access);
/* Checks a local key like rdo_mr_check() and does the DMA, one lookup. */
RdoMrCheck rdo_mr_access(RdoCore *core, uint32_t key, uint32_t pdn,
                         uint64_t va, void *buf, uint32_t len,
                         uint16_t access, bool to_guest);
/*
 * Page-list entries are read a line at a time where a translation is held
 * (RdoMrHeld: the transmit engine's payload reads, the responder's WRITE
 * placement): the 64-byte aligned line of guest memory holding the entry,
 * cut to the list's first and last entries (never outside the list), as
 * an adapter's translation cache reads them. Other DMAs through an MR read
 * the entry alone.
 */
#define RDO_MR_LIST_LINE 64
/*
 * An MR translation kept past its lookup (the transmit engine's, for the
 * message it holds: xport/hold.c): the MR of local key `key` as the MR
 * cache had it at `gen` (RdoCtxCache.gen). Any change to the MR cache
 * (an MR deregistered, invalidated, registered again, a line loaded or
 * evicted) moves gen, and the next use looks the key up again. A use
 * keeps the line's place in the replacement order as a lookup's hit did
 * (the cache's choices are the same), only no hit is counted. mr NULL:
 * nothing held.
 */
typedef struct RdoMrHeld {
    const RdoMrCtx *mr;
    RdoCtxLine *line;           /* mr's line, used as a hit would */
    uint32_t key;
    uint32_t list_n;            /* page-list entries held from list_first */
    uint64_t gen;
    /* The page-list line the model read last through mr (RDO_MR_LIST_LINE):
     * its entries serve the message's next pages with no DMA while the
     * translation is held (any change to the MR cache drops both). The
     * entries' values in list_pages (the holder's storage); NULL: the
     * holder keeps only which line it is (the responder's placement, whose
     * values come from the host's copy, RdoMrListLine). */
    uint64_t list_first;        /* guest address of the first entry held */
    uint64_t *list_pages;
} RdoMrHeld;
/* The held MR of `key` while current (as the model's use would find it:
 * nothing counted, the replacement order untouched), else NULL. */
static inline const RdoMrCtx *rdo_mr_held(const RdoCore *core,
                                          const RdoMrHeld *held, uint32_t key)
{
    return held->mr && held->key == key && held->gen == core->st->mrc.gen ?
           held->mr : NULL;
}
/* rdo_mr_access() through `held`: its MR while current (bounds and rights
 * checked, no lookup, no cache hit counted), else a lookup, which `held`
 * then keeps. held NULL: rdo_mr_access(). */
RdoMrCheck rdo_mr_access_held(RdoCore *core, RdoMrHeld *held, uint32_t key,
                              uint32_t pdn, uint64_t va, void *buf,
                              uint32_t len, uint16_t access, bool to_guest);
/* DMA through an MR or window checked with rdo_mr_check(); RDO_MRC_OK or
 * _DMA (also when it has gone away since). */
RdoMrCheck rdo_mr_copy(RdoCore *core, uint32_t key, uint64_t va, void *buf,
                       uint32_t len, bool to_guest);
/*
 * Writes to guest memory ahead of the model (the receive placement,
 * xport/rx-agg.c). rdo_mr_cached finds the MR of a key when its context is
 * cached and valid, with no lookup the model counts. rdo_mr_write_ahead
 * writes through such an MR (a copy of it will do), no bus time accounted
 * (the payload writes are counted, the page-list lines read into `seen`
 * are not); on failure *fail is where (an offset into the MR's pages),
 * which stays UINT64_MAX otherwise. rdo_mr_copy_ahead is then the model's
 * rdo_mr_copy of [va, va + len) written so: its lookup, its page-list
 * lines (timed and counted) and the payload's bus time, failing where the
 * writes did (`fail`), with nothing counted twice: the page addresses
 * come from `seen` where they can. The lookup goes through `held` as
 * rdo_mr_access_held's does (the responder keeps the MR of the WRITE it
 * places across the message's placements, and the page-list line it read
 * last): no lookup while `held` is current, else one, which `held` then
 * keeps.
 */
RdoMrCtx *rdo_mr_cached(RdoCore *core, uint32_t key);
/*
 * The page-list line the writes ahead of a WRITE read last (host side
 * only: read uncounted; the placement, the model's read, times and counts
 * the lines the held translation does not hold). Its later writes and the
 * placement take page addresses from it while the MR cache is as it was
 * when it was read (gen): any change to an MR context moves gen. n 0:
 * none.
 */
typedef struct RdoMrListLine {
    uint64_t first;             /* guest address of page[0]'s entry */
    uint64_t gen;               /* RdoCtxCache.gen when it was read */
    uint32_t n;
    uint64_t page[RDO_MR_LIST_LINE / 8];
} RdoMrListLine;
RdoMrCheck rdo_mr_write_ahead(RdoCore *core, const RdoMrCtx *mr, uint64_t va,
                              const void *buf, uint32_t len, uint64_t *fail,
                              RdoMrListLine *seen);
RdoMrCheck rdo_mr_copy_ahead(RdoCore *core, uint32_t key, uint64_t va,
                             uint32_t len, uint64_t fail,
                             RdoMrListLine *seen, RdoMrHeld *held);

#endif /* RDO_CTX_H */
