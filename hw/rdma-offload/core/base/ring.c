/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: rings in guest memory. A ring is contiguous or spread
 * over 4 KiB pages named by a page list; either way the driver chose the
 * addresses, so every access is a checked DMA.
 */
#include "base/base.h"

G_STATIC_ASSERT((1ull << (RDO_QUEUE_LOG_SIZE_MAX + RDO_WQE_SHIFT_MAX)) / RDO_PAGE_SIZE ==
                RDO_RING_MAX_PAGES);

int rdo_ring_check(const RdoRing *ring, uint32_t min_shift, uint32_t max_shift)
{
    uint64_t bytes;

    if (ring->flags & ~RDO_RING_F_PAGE_LIST) {
        return RDO_CQP_BAD_RESERVED;
    }
    if (ring->log_size < 1 || ring->log_size > RDO_QUEUE_LOG_SIZE_MAX ||
        ring->stride_shift < min_shift || ring->stride_shift > max_shift) {
        return RDO_CQP_BAD_PARAM;
    }
    bytes = (uint64_t)1 << (ring->log_size + ring->stride_shift);
    if (ring->flags & RDO_RING_F_PAGE_LIST) {
        /* Whole pages (at most RDO_RING_MAX_PAGES), the list aligned. */
        if (bytes < RDO_PAGE_SIZE || bytes / RDO_PAGE_SIZE > RDO_RING_MAX_PAGES ||
            (ring->addr & 7)) {
            return RDO_CQP_BAD_PARAM;
        }
    } else if (ring->addr & ((1u << ring->stride_shift) - 1)) {
        return RDO_CQP_BAD_PARAM;    /* entries must not straddle pages */
    }
    return RDO_CQP_OK;
}

bool rdo_ring_entry_addr(RdoCore *core, const RdoRing *ring, uint32_t index,
                         uint64_t *addr)
{
    uint64_t off = (uint64_t)(index & (rdo_ring_size(ring) - 1))
                   << ring->stride_shift;
    uint64_t page;

    if (!(ring->flags & RDO_RING_F_PAGE_LIST)) {
        *addr = ring->addr + off;
        return true;
    }
    if (rdo_dma_read(core, ring->addr + (off >> RDO_PAGE_SHIFT) * 8,
                            &page, sizeof(page))) {
        return false;
    }
    if (page & (RDO_PAGE_SIZE - 1)) {
        return false;
    }
    *addr = page + (off & (RDO_PAGE_SIZE - 1));
    return true;
}

bool rdo_ring_read(RdoCore *core, const RdoRing *ring, uint32_t index,
                   void *buf, size_t len)
{
    uint64_t addr;

    return rdo_ring_entry_addr(core, ring, index, &addr) &&
           !rdo_dma_read(core, addr, buf, len);
}

bool rdo_ring_write(RdoCore *core, const RdoRing *ring, uint32_t index,
                    const void *buf, size_t len)
{
    uint64_t addr;

    return rdo_ring_entry_addr(core, ring, index, &addr) &&
           !rdo_dma_write(core, addr, buf, len);
}
