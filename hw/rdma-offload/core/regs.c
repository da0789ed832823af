/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the BAR0 register file. Accesses must be naturally
 * aligned 32-bit; anything else is recorded as a driver mistake, reads of it
 * return all ones and writes are dropped, so a confused driver sees an
 * obviously wrong value instead of a plausible one.
 */
#include "rdo-core.h"

#define RDO_READ_INVALID 0xffffffffu

static uint32_t rdo_status(const RdoCore *core)
{
    uint32_t status = RDO_STATUS_READY;

    if (core->regs.control & RDO_CONTROL_ENABLE) {
        status |= RDO_STATUS_ENABLED;
    }
    return status;
}

static bool rdo_reg_access_ok(RdoCore *core, uint64_t offset, unsigned size,
                              const char *dir)
{
    if (offset & 3) {
        rdo_core_guest_error(core, RDO_ERR_UNALIGNED, offset,
                             "%s of %u bytes at unaligned offset 0x%llx",
                             dir, size, (unsigned long long)offset);
        return false;
    }
    if (size != 4) {
        rdo_core_guest_error(core, RDO_ERR_BAD_SIZE, offset,
                             "%s of %u bytes at 0x%llx (registers are 32-bit)",
                             dir, size, (unsigned long long)offset);
        return false;
    }
    return true;
}

uint64_t rdo_core_reg_read(RdoCore *core, uint64_t offset, unsigned size)
{
    const RdoRegs *r = &core->regs;
    const uint8_t *mac = core->cfg.mac;

    if (!rdo_reg_access_ok(core, offset, size, "read")) {
        return RDO_READ_INVALID;
    }
    switch (offset) {
    case RDO_REG_ID:
        return RDO_ID_MAGIC;
    case RDO_REG_VERSION:
        return RDO_VERSION_VALUE(RDO_VERSION_MAJOR, RDO_VERSION_MINOR);
    case RDO_REG_CAPS_LO:
    case RDO_REG_CAPS_HI: {
        uint64_t caps = RDO_CAP_MSIX | RDO_CAP_IRQ_TEST | RDO_CAP_FLR;
        if (core->cfg.has_port) {
            caps |= RDO_CAP_ETH_PORT;
        }
        return offset == RDO_REG_CAPS_LO ? (uint32_t)caps : (uint32_t)(caps >> 32);
    }
    case RDO_REG_CONTROL:
        return r->control;
    case RDO_REG_STATUS:
        return rdo_status(core);
    case RDO_REG_SCRATCH:
        return r->scratch;
    case RDO_REG_DB_INFO:
        return RDO_DB_INFO_MAKE(RDO_DB_PAGE_SHIFT, core->cfg.doorbell_pages);
    case RDO_REG_MSIX_INFO:
        return core->cfg.msix_vectors;
    case RDO_REG_ERR_COUNT:
        return r->err_count;
    case RDO_REG_ERR_LAST:
        return r->err_last;
    case RDO_REG_ERR_ADDR_LO:
        return (uint32_t)r->err_addr;
    case RDO_REG_ERR_ADDR_HI:
        return (uint32_t)(r->err_addr >> 32);
    case RDO_REG_MAC_LO:
        return mac[0] | mac[1] << 8 | mac[2] << 16 | (uint32_t)mac[3] << 24;
    case RDO_REG_MAC_HI:
        return mac[4] | mac[5] << 8;
    case RDO_REG_PORT_STATUS:
        return core->link_up ? RDO_PORT_LINK_UP : 0;
    case RDO_REG_DB_WRITES:
        return r->db_writes;
    case RDO_REG_IRQ_TEST_COUNT:
        return r->irq_test_count;
    case RDO_REG_IRQ_TEST:
        rdo_core_guest_error(core, RDO_ERR_WRITE_ONLY, offset,
                             "read of write-only register 0x%llx",
                             (unsigned long long)offset);
        return 0;
    default:
        rdo_core_guest_error(core, RDO_ERR_UNKNOWN_OFFSET, offset,
                             "read of unknown register 0x%llx",
                             (unsigned long long)offset);
        return RDO_READ_INVALID;
    }
}

static bool rdo_reg_is_readable(uint64_t offset)
{
    return offset <= RDO_REG_LAST && offset != RDO_REG_IRQ_TEST;
}

static void rdo_write_control(RdoCore *core, uint32_t value)
{
    if (value & ~RDO_CONTROL_WRITABLE) {
        rdo_core_guest_error(core, RDO_ERR_BAD_VALUE, RDO_REG_CONTROL,
                             "reserved CONTROL bits 0x%x set",
                             value & ~RDO_CONTROL_WRITABLE);
        return;
    }
    if (value & RDO_CONTROL_RESET) {
        /* Self-clearing: the reset completes before the write returns. */
        rdo_core_reset(core);
        return;
    }
    core->regs.control = value;
}

static void rdo_write_irq_test(RdoCore *core, uint32_t vector)
{
    if (vector >= core->cfg.msix_vectors) {
        rdo_core_guest_error(core, RDO_ERR_BAD_VALUE, RDO_REG_IRQ_TEST,
                             "IRQ_TEST vector %u, device has %u", vector,
                             core->cfg.msix_vectors);
        return;
    }
    core->regs.irq_test_count++;
    core->ops->raise_irq(core->host, vector);
}

void rdo_core_reg_write(RdoCore *core, uint64_t offset, uint64_t value,
                        unsigned size)
{
    uint32_t v = (uint32_t)value;

    if (!rdo_reg_access_ok(core, offset, size, "write")) {
        return;
    }
    switch (offset) {
    case RDO_REG_CONTROL:
        rdo_write_control(core, v);
        return;
    case RDO_REG_SCRATCH:
        core->regs.scratch = v;
        return;
    case RDO_REG_IRQ_TEST:
        rdo_write_irq_test(core, v);
        return;
    default:
        if (rdo_reg_is_readable(offset)) {
            rdo_core_guest_error(core, RDO_ERR_READ_ONLY, offset,
                                 "write of 0x%x to read-only register 0x%llx",
                                 v, (unsigned long long)offset);
        } else {
            rdo_core_guest_error(core, RDO_ERR_UNKNOWN_OFFSET, offset,
                                 "write of 0x%x to unknown register 0x%llx",
                                 v, (unsigned long long)offset);
        }
    }
}
