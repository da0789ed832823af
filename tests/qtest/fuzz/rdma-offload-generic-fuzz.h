/*
 * The adapter's entry in QEMU's generic fuzzer (generic_fuzz_configs.h
 * includes this inside its predefined_configs[] initializer; see
 * scripts/build-qemu). Fuzz target: generic-fuzz-rdma-offload.
 *
 * Two adapters on one hub, so a frame one sends is received by the other
 * and the receive path runs on fuzzed packets; "rdma-offload*" selects both
 * adapters' BARs (registers, doorbells, MSI-X) for MMIO and their DMA
 * reads for the fuzzer's memory patterns. The generic fuzzer turns on bus
 * mastering for the PCI devices it matches.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
{
    .name = "rdma-offload",
    .args = "-M q35 -nodefaults "
    "-netdev hubport,id=rdo0,hubid=0 -netdev hubport,id=rdo1,hubid=0 "
    "-device rdma-offload,netdev=rdo0 -device rdma-offload,netdev=rdo1",
    .objects = "rdma-offload*",
},
