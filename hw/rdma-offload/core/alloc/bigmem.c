/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: zeroed memory for tables sized by max-qp, backed by
 * transparent huge pages where the host allows them.
 *
 * With tens of thousands of QPs every packet meets per-QP state that no
 * other packet touched lately, in a dozen tables: on 4 KiB pages each of
 * those touches is also a TLB miss. QEMU asks for huge pages for guest RAM
 * (qemu_madvise(QEMU_MADV_HUGEPAGE) in ram_block_add); the core builds
 * without QEMU, so it makes the same request itself: on Linux a block of
 * at least one huge page is an anonymous mapping on a huge-page boundary
 * with madvise(MADV_HUGEPAGE). If the kernel refuses the advice (THP off,
 * an old kernel) the mapping stays as it is; elsewhere, and for smaller
 * blocks, it is plain heap memory on a cache-line boundary. Like g_new0,
 * no memory is fatal.
 */
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#ifdef __linux__
#include <sys/mman.h>
#endif
#include "rdo-core.h"

#define BIGMEM_HUGE_PAGE    (2u << 20)
#define BIGMEM_ALIGN        64          /* a cache line, for every block */

/* Bytes mapped now by rdo_bigmem_alloc0, all callers (the heap figure of
 * the benches adds them: malloc's statistics do not see them). */
static gsize bigmem_mapped;

#ifdef __linux__
static size_t bigmem_map_len(size_t bytes)
{
    return (bytes + BIGMEM_HUGE_PAGE - 1) & ~(size_t)(BIGMEM_HUGE_PAGE - 1);
}

/* An anonymous mapping of `len` bytes on a huge-page boundary. */
static void *bigmem_map(size_t len)
{
    size_t over = len + BIGMEM_HUGE_PAGE;
    uint8_t *raw = mmap(NULL, over, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uint8_t *p;
    size_t head;

    if (raw == MAP_FAILED) {
        g_error("rdma-offload: no memory for %zu bytes", len);
    }
    p = (uint8_t *)(((uintptr_t)raw + BIGMEM_HUGE_PAGE - 1) &
                    ~(uintptr_t)(BIGMEM_HUGE_PAGE - 1));
    head = p - raw;
    if (head) {
        munmap(raw, head);
    }
    if (over - head > len) {
        munmap(p + len, over - head - len);
    }
    /* Advice only: without it the block works the same on small pages. */
    (void)madvise(p, len, MADV_HUGEPAGE);
    return p;
}
#endif

void *rdo_bigmem_alloc0(size_t bytes)
{
    void *p;

#ifdef __linux__
    if (bytes >= BIGMEM_HUGE_PAGE) {
        size_t len = bigmem_map_len(bytes);

        p = bigmem_map(len);
        g_atomic_pointer_add(&bigmem_mapped, (gssize)len);
        return p;               /* fresh anonymous pages read as zero */
    }
#endif
    if (posix_memalign(&p, BIGMEM_ALIGN, bytes ? bytes : 1)) {
        g_error("rdma-offload: no memory for %zu bytes", bytes);
    }
    return memset(p, 0, bytes);
}

void rdo_bigmem_free(void *p, size_t bytes)
{
    if (!p) {
        return;
    }
#ifdef __linux__
    if (bytes >= BIGMEM_HUGE_PAGE) {      /* the allocation's test */
        size_t len = bigmem_map_len(bytes);

        munmap(p, len);
        g_atomic_pointer_add(&bigmem_mapped, -(gssize)len);
        return;
    }
#endif
    free(p);
}

uint64_t rdo_bigmem_mapped_bytes(void)
{
    return (uint64_t)g_atomic_pointer_get(&bigmem_mapped);
}
