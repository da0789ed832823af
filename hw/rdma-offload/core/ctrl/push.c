/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: inline push. The driver writes a whole WQE (with its
 * inline data) into the push area of the QP's doorbell page, then the
 * trigger word; the device keeps that copy and uses it instead of fetching
 * the WQE from the ring, which saves the fetch's DMA round trip. The WQE
 * is in the ring as well, for retransmissions. The area is one per page:
 * if the data written since the last trigger is not exactly the trigger's
 * WQE, two pushes were interleaved (a driver without a per-page lock) and
 * the area may hold another QP's WQE, so the push is refused and the WQE
 * fetched from the ring.
 *
 * With RAM push (RDO_CAP_PUSH_RAM) the WQE goes into a push page of plain
 * memory instead, which the guest writes without an exit per word, and only
 * the trigger is a doorbell write (rdo_push_ram_doorbell).
 */
#include <string.h>
#include "ctrl/ctrl.h"

/*
 * Whether a push for QP `qpn`, `len` bytes of WQE and new producer index
 * `pi`, written to doorbell page `page` (`reg`: its trigger), can be taken;
 * if not it is counted and reported as refused.
 */
static bool push_usable(RdoCore *core, uint16_t page, uint32_t reg,
                        uint32_t qpn, uint32_t len, uint32_t pi)
{
    RdoQpCtx *qp = rdo_qp_peek(core, qpn);

    if (!qp || qp->db_page != page || qp->ssq_qpn != RDO_NONE ||
        len < sizeof(struct rdo_send_wqe) || len > (1u << qp->sq_wqe_shift) ||
        pi != qp->sq_pi + 1) {
        core->cnt.push_refused++;
        rdo_guest_error(core, RDO_GE_PUSH_REFUSED, qpn,
                        ((uint64_t)page << RDO_DB_PAGE_SHIFT) + reg,
                        "inline push for QP %u (%u bytes, pi %u) refused",
                        qpn, len, pi);
        return false;
    }
    return true;
}

/* Keeps `len` bytes at `wqe` as the pushed copy of the QP's WQE pi - 1. */
static void push_keep(RdoCore *core, uint32_t qpn, const uint8_t *wqe,
                      uint32_t len, uint32_t pi)
{
    RdoXport *x = &core->st->xport[qpn];

    if (!x->req.push_wqe) {
        x->req.push_wqe = g_malloc(1u << RDO_WQE_SHIFT_MAX);
    }
    memcpy(x->req.push_wqe, wqe, len);
    x->req.push_len = len;
    x->req.push_index = pi - 1;
    x->req.push_valid = true;
}

static void push_trigger(RdoCore *core, uint16_t page, uint64_t value)
{
    uint32_t qpn = value & RDO_DB_OBJ_MASK;
    uint32_t len = ((value >> RDO_DB_FLAGS_SHIFT) & 0xff) * 8;
    uint32_t pi = value >> 32;
    uint32_t written = core->st->push_written[page];

    if (!push_usable(core, page, RDO_DB_PUSH_TRIGGER, qpn, len, pi)) {
        /* Not usable as a push: still a doorbell, the WQE comes from the ring. */
        rdo_sq_doorbell(core, page, qpn, pi);
        return;
    }
    if (written != len && written != RDO_PUSH_WRITTEN_UNKNOWN) {
        core->cnt.push_torn++;
        rdo_guest_error(core, RDO_GE_PUSH_TORN, qpn, ((uint64_t)page << RDO_DB_PAGE_SHIFT) + RDO_DB_PUSH,
                        "inline push for QP %u torn: %u bytes written since the "
                        "last trigger, the WQE has %u (pushes interleaved)",
                        qpn, written, len);
        rdo_sq_doorbell(core, page, qpn, pi);
        return;
    }
    push_keep(core, qpn, core->st->push_area[page], len, pi);
    rdo_sq_doorbell(core, page, qpn, pi);
}

/*
 * RAM push: the slot is plain guest-writable memory, so nothing counts
 * what was written; instead the 8 bytes after the WQE must repeat the
 * trigger. The seal is read first and the WQE after it: the driver writes
 * them in the other order with a store barrier between, so a seal that
 * matches vouches for the WQE before it. The slot is read once, here; what
 * the guest writes into it later is not seen. Whatever the outcome, the
 * trigger is an SQ doorbell too.
 */
void rdo_push_ram_doorbell(RdoCore *core, uint16_t page, uint64_t value)
{
    uint32_t qpn = value & RDO_DB_OBJ_MASK;
    uint32_t slot = !!(value & RDO_PUSH_RAM_SLOT);
    uint32_t len = rdo_push_ram_trigger_len(value);
    uint32_t pi = value >> 32;
    const uint8_t *src = rdo_push_ram(core) +
                         ((size_t)page << RDO_DB_PAGE_SHIFT) +
                         RDO_PUSH_RAM_SLOT_OFFSET(slot);
    uint64_t seal;

    if (!push_usable(core, page, RDO_DB_PUSH_RAM, qpn, len, pi)) {
        rdo_sq_doorbell(core, page, qpn, pi);
        return;
    }
    memcpy(&seal, src + len, sizeof(seal));
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    seal = GUINT64_FROM_LE(seal);
    if (seal != value) {
        core->cnt.push_torn++;
        rdo_guest_error(core, RDO_GE_PUSH_TORN, qpn,
                        ((uint64_t)page << RDO_DB_PAGE_SHIFT) + RDO_DB_PUSH_RAM,
                        "RAM push for QP %u torn: seal 0x%llx in slot %u, "
                        "trigger 0x%llx (stale or interleaved)", qpn,
                        (unsigned long long)seal, slot,
                        (unsigned long long)value);
        rdo_sq_doorbell(core, page, qpn, pi);
        return;
    }
    push_keep(core, qpn, src, len, pi);
    rdo_sq_doorbell(core, page, qpn, pi);
}

void rdo_push_page_take(RdoCore *core, uint32_t qpn, uint16_t page)
{
    core->st->qp_db_page[qpn] = page;
    core->st->page_qps[page]++;
}

/*
 * With its last QP gone, push data written to the page and never
 * triggered (a process killed between its data and its trigger) is
 * dropped: the page's next owner's first push is not torn by it. After a
 * load the counts are not kept (they are not in the stream), so nothing is
 * dropped until the next reset.
 */
void rdo_push_page_leave(RdoCore *core, uint32_t qpn)
{
    RdoState *st = core->st;
    uint16_t page = st->qp_db_page[qpn];

    if (st->page_qps[page] && !--st->page_qps[page] && st->page_qps_known &&
        st->push_written[page] != RDO_PUSH_WRITTEN_UNKNOWN) {
        st->push_written[page] = 0;
    }
}

void rdo_push_write(RdoCore *core, uint16_t page, uint32_t reg, uint64_t value,
                    unsigned size)
{
    RdoState *st = core->st;
    bool trigger = reg == RDO_DB_PUSH_TRIGGER;

    if (trigger ? size != 8 : reg < RDO_DB_PUSH_DATA) {
        rdo_guest_error(core, RDO_GE_PUSH_BAD_ACCESS, page, ((uint64_t)page << RDO_DB_PAGE_SHIFT) + reg,
                        trigger ? "inline push trigger must be a 64-bit write"
                                     : "write into the inline push trigger word");
        return;
    }
    if (!st->push_area[page]) {
        st->push_area[page] = g_malloc0(RDO_DB_PUSH_MAX_WQE);
    }
    if (trigger) {
        push_trigger(core, page, value);
        st->push_written[page] = 0;
        return;
    }
    if (st->push_written[page] != RDO_PUSH_WRITTEN_UNKNOWN) {
        st->push_written[page] = MIN(st->push_written[page] + size,
                                     RDO_PUSH_WRITTEN_UNKNOWN - 1);
    }
    /* Aligned and within the page, so within the push area. */
    memcpy(st->push_area[page] + (reg - RDO_DB_PUSH_DATA), &value, size);
}
