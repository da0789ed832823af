/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: every host-memory DMA of the device, cut at the
 * host's cache lines (D16): a head piece where a transfer starts inside a
 * line, the whole lines, a tail piece where it ends inside one. Each piece
 * is a transfer of its own to the host (a root complex merges a partial
 * line with a read-modify-write, so a device keeps partial and whole lines
 * apart), and the pieces are counted. The timing model charges the same
 * pieces as TLPs (bus.c).
 */
#include "timing/timing.h"

/* The pieces of cut `c` to or from the host, in order; stops at a failure. */
static int host_pieces(RdoCore *core, RdoDmaCut c, uint64_t addr, void *buf,
                       bool write)
{
    uint64_t piece[3] = { c.head, c.body, c.tail };
    uint8_t *p = buf;

    for (int i = 0; i < 3; i++) {
        int r;

        if (!piece[i]) {
            continue;
        }
        r = write ? core->ops->dma_write(core->host, addr, p, piece[i])
                  : core->ops->dma_read(core->host, addr, p, piece[i]);
        if (r) {
            return r;
        }
        addr += piece[i];
        p += piece[i];
    }
    return 0;
}

/* The model's counters of one DMA, by its pieces. */
static inline void count_pieces(RdoCore *core, RdoDmaCut c)
{
    core->cnt.dma_transfers++;
    core->cnt.dma_head_pieces += !!c.head;
    core->cnt.dma_tail_pieces += !!c.tail;
    core->cnt.dma_full_lines += c.body / core->cfg.cache_line;
}

int rdo_host_dma(RdoCore *core, uint64_t addr, void *buf, size_t len,
                 bool write)
{
    RdoDmaCut c = rdo_dma_cut(addr, len, core->cfg.cache_line);

    count_pieces(core, c);
    return host_pieces(core, c, addr, buf, write);
}

void rdo_host_dma_count(RdoCore *core, uint64_t addr, size_t len)
{
    count_pieces(core, rdo_dma_cut(addr, len, core->cfg.cache_line));
}

int rdo_host_dma_uncounted(RdoCore *core, uint64_t addr, void *buf,
                           size_t len, bool write)
{
    return host_pieces(core, rdo_dma_cut(addr, len, core->cfg.cache_line),
                       addr, buf, write);
}
