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

void rdo_core_db_write(RdoCore *core, uint64_t offset, uint64_t value,
                       unsigned size)
{
    uint16_t page = offset >> RDO_DB_PAGE_SHIFT;
    uint32_t reg = offset & (RDO_DB_PAGE_SIZE - 1);
    uint32_t obj = value & RDO_DB_OBJ_MASK;
    uint32_t flags = (uint32_t)value & ~RDO_DB_OBJ_MASK;
    uint32_t index = value >> 32;

    if ((size != 4 && size != 8) || (offset & (size - 1))) {
        rdo_core_guest_error(core, RDO_ERR_DB_BAD_ACCESS, offset,
                             "doorbell write of %u bytes at 0x%llx", size,
                             (unsigned long long)offset);
        return;
    }
    if (!(core->regs.control & RDO_CONTROL_ENABLE)) {
        rdo_core_guest_error(core, RDO_ERR_DB_DISABLED, offset,
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
    if (size != 8 && reg <= RDO_DB_ETH_RXQ) {
        rdo_core_guest_error(core, RDO_ERR_DB_BAD_ACCESS, offset,
                             "queue doorbell at 0x%llx must be a 64-bit write",
                             (unsigned long long)offset);
        return;
    }
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
            rdo_core_guest_error(core, RDO_ERR_DB_BAD_OBJECT, offset,
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
    default:
        rdo_core_guest_error(core, RDO_ERR_DB_BAD_ACCESS, offset,
                             "no doorbell at page offset 0x%x", reg);
    }
}
