#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Seed inputs for QEMU's generic fuzzer on the adapters
(generic-fuzz-rdma-offload): each brings up both adapters' control paths,
which the fuzzer alone did not reach in 35 minutes (it stayed in register
reads and writes: the set-up registers must name rings and stores and
CONTROL.CQP_ENABLE pass its check before any command runs). libFuzzer
mutates from there: the commands, WQEs and page lists the devices read
by DMA are the inputs' DMA patterns.

The input format is generic_fuzz.c's: operations separated by "FUZZ", the
first byte the opcode. MMIO ranges are numbered in address order over the
two adapters: 0 regs, 1 doorbells, 2 MSI-X table, 3 PBA of the first, 4-7
the second (scripts/fuzz --generic prints nothing of this; QTEST_LOG=1
shows the addresses).

  rdma-offload-generic-seeds.py DIR   writes the seeds into DIR
"""
import struct
import sys
from pathlib import Path

OP_WRITE, OP_ADD_DMA_PATTERN, OP_CLOCK_STEP = 3, 7, 9
SIZE_LONG = 2
REGS = (0, 4)          # range numbers of the two adapters' BAR 0
DOORBELLS = (1, 5)

# Register offsets: include/hw/rdma-offload/rdo-regs.h and
# docs/programming-model.md.
CONTROL, CQP_RING_LO, CQP_COMP_LO, CQP_LOG_SIZE, CQP_PI = 0x10, 0x100, 0x108, 0x110, 0x114
EQ0_RING_LO, EQ0_LOG_SIZE = 0x120, 0x128
QPC_PGLIST_LO, QPC_PAGES, MRC_PGLIST_LO, MRC_PAGES = 0x140, 0x148, 0x150, 0x158
CONTROL_ENABLE_CQP = 0x3


def write(rng, off, val):
    return bytes([OP_WRITE]) + struct.pack('<BBxxIQ', SIZE_LONG, rng, off, val)


def pattern(index, stride, data):
    return bytes([OP_ADD_DMA_PATTERN, index, stride]) + data


def bring_up(dev, commands):
    """The set-up registers, CQP_ENABLE, and `commands` posted."""
    base = 0x1000000 * (dev + 1)
    return [
        write(REGS[dev], CQP_RING_LO, base),
        write(REGS[dev], CQP_COMP_LO, base + 0x10000),
        write(REGS[dev], CQP_LOG_SIZE, 4),
        write(REGS[dev], EQ0_RING_LO, base + 0x20000),
        write(REGS[dev], EQ0_LOG_SIZE, 4),
        write(REGS[dev], QPC_PGLIST_LO, base + 0x30000),
        write(REGS[dev], QPC_PAGES, 4),
        write(REGS[dev], MRC_PGLIST_LO, base + 0x31000),
        write(REGS[dev], MRC_PAGES, 2),
        write(REGS[dev], CONTROL, CONTROL_ENABLE_CQP),
        write(REGS[dev], CQP_PI, commands),
    ]


# Page lists: 4 KiB-aligned addresses from 256 MiB up (byte 1 of the
# address counts up by 0x10 a read).
PAGES = pattern(1, 0x10, struct.pack('<Q', 0x10000000))
# A 128-byte CREATE_PD (opcode 0x18), its PD number counting up.
CREATE_PD = pattern(4, 1, bytes([0x18, 0, 0, 0, 1]) + bytes(123))


def seeds():
    yield 'bring-up', [PAGES] + bring_up(0, 2) + bring_up(1, 2) + [bytes([OP_CLOCK_STEP])]
    yield 'create-pd', ([PAGES, CREATE_PD] + bring_up(0, 4) + bring_up(1, 4) +
                        [bytes([OP_CLOCK_STEP])] * 2)
    # Doorbells of every kind after the bring-up: page 0..3, offsets 0..0x40.
    rings = [write(DOORBELLS[d], 0x1000 * p + o, 1)
             for d in (0, 1) for p in range(4) for o in (0, 8, 0x10, 0x40)]
    yield 'doorbells', [PAGES] + bring_up(0, 1) + bring_up(1, 1) + rings + [bytes([OP_CLOCK_STEP])]


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name, ops in seeds():
        (out / f'seed-{name}').write_bytes(b'FUZZ'.join(ops))


if __name__ == '__main__':
    main()
