/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: BAR2 doorbell pages. Doorbells are 32- or 64-bit
 * aligned writes; they are accepted only while the device is enabled. Reads
 * return zero so that speculative reads of a write-combined mapping are
 * harmless.
 */
#include "rdo-core.h"

uint64_t rdo_core_db_read(RdoCore *core, uint64_t offset, unsigned size)
{
    (void)core;
    (void)offset;
    (void)size;
    return 0;
}

void rdo_core_db_write(RdoCore *core, uint64_t offset, uint64_t value,
                       unsigned size)
{
    (void)value;
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
}
