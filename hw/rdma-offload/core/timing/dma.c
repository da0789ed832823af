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

/* A DMA at `off` bytes into its line is one piece of the cut. */
static inline bool one_piece(uint64_t off, size_t len, uint32_t line)
{
    return len && (off ? len <= line - off : len <= line || !(len & (line - 1)));
}

static inline int host_one(RdoCore *core, uint64_t addr, void *buf,
                           size_t len, bool write)
{
    return write ? core->ops->dma_write(core->host, addr, buf, len)
                 : core->ops->dma_read(core->host, addr, buf, len);
}

/* The model's counters of one DMA, by its pieces. */
static inline void count_pieces(RdoCore *core, RdoDmaCut c)
{
    core->cnt.dma_transfers++;
    core->cnt.dma_head_pieces += !!c.head;
    core->cnt.dma_tail_pieces += !!c.tail;
    core->cnt.dma_full_lines += c.body / core->cfg.cache_line;
}

int rdo_host_dma_by_cut(RdoCore *core, uint64_t addr, void *buf, size_t len,
                        bool write)
{
    RdoDmaCut c = rdo_dma_cut(addr, len, core->cfg.cache_line);

    count_pieces(core, c);
    return host_pieces(core, c, addr, buf, write);
}

/*
 * Most DMAs are one piece of the cut: inside one line (a page-list entry,
 * a CQE, a doorbell record: all head if it starts inside the line, else
 * all tail) or whole lines (a context, a WQE slot). Those are counted and
 * handed to the host here, without the cut and its walk of three pieces
 * (rdo_host_dma_by_cut, the definition: /host-cost/dma-one-piece compares
 * the two); at 65,536 QPs a message makes three times as many DMAs as at
 * 16 (its contexts miss), and this was most of their host cost.
 */
RDO_HOT
int rdo_host_dma(RdoCore *core, uint64_t addr, void *buf, size_t len,
                 bool write)
{
    uint32_t line = core->cfg.cache_line;
    uint64_t off = addr & (line - 1);

    if (!one_piece(off, len, line)) {
        return rdo_host_dma_by_cut(core, addr, buf, len, write);
    }
    core->cnt.dma_transfers++;
    if (off) {
        core->cnt.dma_head_pieces++;
    } else if (len < line) {
        core->cnt.dma_tail_pieces++;
    } else {
        core->cnt.dma_full_lines += len / line;
    }
    return host_one(core, addr, buf, len, write);
}

RDO_HOT
void rdo_host_dma_count(RdoCore *core, uint64_t addr, size_t len)
{
    count_pieces(core, rdo_dma_cut(addr, len, core->cfg.cache_line));
}

RDO_HOT
int rdo_host_dma_uncounted(RdoCore *core, uint64_t addr, void *buf,
                           size_t len, bool write)
{
    if (one_piece(addr & (core->cfg.cache_line - 1), len, core->cfg.cache_line)) {
        return host_one(core, addr, buf, len, write);
    }
    return host_pieces(core, rdo_dma_cut(addr, len, core->cfg.cache_line),
                       addr, buf, write);
}
