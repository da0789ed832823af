/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: QP and MR contexts: the caches over the context stores
 * in host memory (ctx-cache.c), QP lookups (qp.c), MR lookups (mr.c) and DMA
 * through MRs (mr-dma.c).
 */
#ifndef RDO_CTX_H
#define RDO_CTX_H

#include "notify/notify.h"

/* Context caches (ctx-cache.c). */
void rdo_ctx_cache_init(RdoCtxCache *c, const char *name, uint32_t ctx_size,
                        uint32_t entries, uint32_t ways, uint32_t policy,
                        uint64_t *pglist_reg, uint32_t *pages_reg,
                        uint32_t *hits, uint32_t *misses);
void rdo_ctx_cache_free(RdoCtxCache *c);
void rdo_ctx_cache_drop(RdoCtxCache *c);
/* A cached copy of context `index`, loaded on a miss; NULL on DMA failure. */
void *rdo_ctx_get(RdoCore *core, RdoCtxCache *c, uint32_t index);
/* A line for a new context: zeroed, not loaded from the store. */
void *rdo_ctx_new(RdoCore *core, RdoCtxCache *c, uint32_t index);
void rdo_ctx_dirty(RdoCore *core, RdoCtxCache *c, const void *ctx);
/* Timing: whether context `index` is cached, and when its line is ready. */
bool rdo_ctx_cached(RdoCtxCache *c, uint32_t index, uint64_t *ready_ps);
/* Timing: loads context `index` ahead of its use; false if it cannot. */
bool rdo_ctx_prefetch(RdoCore *core, RdoCtxCache *c, uint32_t index);
bool rdo_ctx_flush(RdoCore *core, RdoCtxCache *c);
/* A saved dirty line put back (state/); false if it cannot be placed. */
bool rdo_ctx_restore(RdoCtxCache *c, uint32_t index, const void *data);

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
/* pdn RDO_NONE: any PD (the caller checked it before). */
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

/* Memory-region translation (mr-dma.c). */
typedef enum RdoMrCheck {
    RDO_MRC_OK,
    RDO_MRC_PENDING,            /* registration still queued */
    RDO_MRC_BAD_KEY,
    RDO_MRC_ACCESS,             /* the MR does not allow it */
    RDO_MRC_BOUNDS,             /* outside the region */
    RDO_MRC_DMA,                /* context or page list unreachable */
} RdoMrCheck;
RdoMrCheck rdo_mr_check(RdoCore *core, uint32_t key, uint32_t pdn,
                        uint64_t va, uint64_t len, uint16_t access);
/* Checks like rdo_mr_check() and does the DMA, with one lookup of the MR. */
RdoMrCheck rdo_mr_access(RdoCore *core, uint32_t key, uint32_t pdn,
                         uint64_t va, void *buf, uint32_t len,
                         uint16_t access, bool to_guest);
/* DMA through an MR checked with rdo_mr_check(); RDO_MRC_OK or _DMA. */
RdoMrCheck rdo_mr_copy(RdoCore *core, uint32_t key, uint64_t va, void *buf,
                       uint32_t len, bool to_guest);

#endif /* RDO_CTX_H */
