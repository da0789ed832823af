/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: BAR2 doorbell pages. A queue doorbell is one aligned
 * 64-bit write (object in bits 23:0, flags in 31:24, index in 63:32); it is
 * accepted only while the device is enabled, and only on the page its
 * object was bound to (EQs: page 0). Reads return zero so that speculative
 * reads of a write-combined mapping are harmless.
 */
#include "ctrl/ctrl.h"

uint64_t rdo_core_db_read(RdoCore *core, uint64_t offset, unsigned size)
{
    return 0;
}

/* SR-IOV: a doorbell naming a number beyond the function's share is
 * counted as an isolation refusal; the doorbell's own checks refuse it. */
static void rdo_db_foreign(RdoCore *core, uint32_t reg, uint32_t obj)
{
    static const enum rdo_obj_kind kind[] = {
        [RDO_DB_SQ] = RDO_OBJ_QP, [RDO_DB_RQ] = RDO_OBJ_QP,
        [RDO_DB_CQ] = RDO_OBJ_CQ, [RDO_DB_EQ] = RDO_OBJ_EQ,
        [RDO_DB_SRQ] = RDO_OBJ_SRQ,
    };

    if (core->sriov && reg < G_N_ELEMENTS(kind) && kind[reg] != RDO_OBJ_DEVICE) {
        rdo_fn_foreign(core, kind[reg], obj, "a doorbell");
    }
}

void rdo_core_db_write(RdoCore *core, uint64_t offset, uint64_t value,
                       unsigned size)
{
    uint16_t page = offset >> RDO_DB_PAGE_SHIFT;
    uint32_t reg = offset & (RDO_DB_PAGE_SIZE - 1);
    uint32_t obj = value & RDO_DB_OBJ_MASK;
    uint32_t flags = (uint32_t)value & ~RDO_DB_OBJ_MASK;
    uint32_t index = value >> 32;

    core->db_sq_outstanding = 0;
    rdo_spans_poll(core);
    if ((size != 4 && size != 8) || (offset & (size - 1))) {
        rdo_guest_error(core, RDO_GE_DB_BAD_ACCESS, (uint32_t)(offset >> RDO_DB_PAGE_SHIFT), offset,
                        "doorbell write of %u bytes at 0x%llx", size,
                        (unsigned long long)offset);
        return;
    }
    if (!(core->regs.control & RDO_CONTROL_ENABLE)) {
        rdo_guest_error(core, RDO_GE_DB_DISABLED, (uint32_t)(offset >> RDO_DB_PAGE_SHIFT), offset,
                        "doorbell write at 0x%llx while disabled",
                        (unsigned long long)offset);
        return;
    }
    core->regs.db_writes++;
    if (!core->st->enabled || rdo_core_is_fatal(core)) {
        return;     /* no objects before the start; no work after a fatal error */
    }
    if (reg >= RDO_DB_PUSH) {
        rdo_push_write(core, page, reg, value, size);
        return;
    }
    if (size != 8 && reg <= RDO_DB_PUSH_RAM) {
        rdo_guest_error(core, RDO_GE_DB_BAD_ACCESS, (uint32_t)(offset >> RDO_DB_PAGE_SHIFT), offset,
                        "queue doorbell at 0x%llx must be a 64-bit write",
                        (unsigned long long)offset);
        return;
    }
    rdo_db_foreign(core, reg, obj);
    switch (reg) {
    case RDO_DB_SQ:
        rdo_sq_doorbell(core, page, obj, index);
        break;
    case RDO_DB_RQ:
        rdo_rq_doorbell(core, page, obj, index);
        break;
    case RDO_DB_CQ:
        rdo_cq_doorbell(core, page, obj, flags, index);
        break;
    case RDO_DB_EQ:
        if (page != 0) {
            rdo_guest_error(core, RDO_GE_DB_EQ, 0, offset,
                            "EQ doorbell on page %u (only page 0)", page);
            break;
        }
        rdo_eq_doorbell(core, obj, flags, index);
        break;
    case RDO_DB_SRQ:
        rdo_srq_doorbell(core, page, obj, index);
        break;
    case RDO_DB_ETH_TXQ:
        rdo_eth_txq_doorbell(core, page, obj, index);
        break;
    case RDO_DB_ETH_RXQ:
        rdo_eth_rxq_doorbell(core, page, obj, index);
        break;
    case RDO_DB_PUSH_RAM:
        if (rdo_push_ram(core)) {
            rdo_push_ram_doorbell(core, page, value);
            break;
        }
        /* Without push RAM there is no such doorbell. */
        /* fall through */
    default:
        rdo_guest_error(core, RDO_GE_DB_BAD_ACCESS, (uint32_t)(offset >> RDO_DB_PAGE_SHIFT), offset,
                        "no doorbell at page offset 0x%x", reg);
    }
}
