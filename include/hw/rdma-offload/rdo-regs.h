/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * rdma-offload hardware interface: PCI identity, BAR map and the BAR0
 * register file. docs/programming-model.md is the prose form of this file;
 * the two change together.
 */
#ifndef RDO_REGS_H
#define RDO_REGS_H

#include "rdo-types.h"

/* PCI identity: QEMU's experimental range (docs/specs/pci-ids.rst). */
#define RDO_PCI_VENDOR_ID       0x1af4
#define RDO_PCI_DEVICE_ID       0x10f0
#define RDO_PCI_REVISION        0x01
#define RDO_PCI_CLASS           0x0207  /* network controller: InfiniBand */
/*
 * SR-IOV (docs/programming-model.md "Virtual functions"): the PF's
 * extended capability at RDO_SRIOV_CAP_OFFSET (with sriov-max-vfs > 0) and
 * its VFs, at functions 1..TotalVFs of the PF's slot (offset 1, stride 1),
 * with the VF device ID. A VF has the PF's BAR map and register file.
 */
#define RDO_PCI_VF_DEVICE_ID    0x10f1
#define RDO_SRIOV_CAP_OFFSET    0x100
#define RDO_SRIOV_MAX_VFS       7
#define RDO_SRIOV_VF_OFFSET     1
#define RDO_SRIOV_VF_STRIDE     1

/* BAR map. */
#define RDO_BAR_REGS            0       /* registers, 64-bit memory */
#define RDO_BAR_REGS_SIZE       0x10000
#define RDO_BAR_DOORBELL        2       /* doorbell pages, 64-bit prefetchable */
#define RDO_DB_PAGE_SHIFT       12
#define RDO_DB_PAGE_SIZE        (1u << RDO_DB_PAGE_SHIFT)
#define RDO_BAR_MSIX            4       /* MSI-X table and PBA */

/* Register identity values. */
#define RDO_ID_MAGIC            0x464f4452u     /* "RDOF" in memory order */
#define RDO_VERSION_MAJOR       0
#define RDO_VERSION_MINOR       3
#define RDO_VERSION_VALUE(maj, min) (((uint32_t)(maj) << 16) | (min))

/*
 * BAR0 registers. Every register is 32 bits wide and must be accessed with
 * naturally aligned 32-bit loads and stores; 64-bit quantities are split into
 * _LO/_HI pairs. Any other access is a driver mistake (see RDO_ERR_*).
 */
#define RDO_REG_ID              0x0000  /* RO  RDO_ID_MAGIC */
#define RDO_REG_VERSION         0x0004  /* RO  interface version major.minor */
#define RDO_REG_CAPS_LO         0x0008  /* RO  RDO_CAP_* bits 31:0 */
#define RDO_REG_CAPS_HI         0x000c  /* RO  RDO_CAP_* bits 63:32 */
#define RDO_REG_CONTROL         0x0010  /* RW  RDO_CONTROL_* */
#define RDO_REG_STATUS          0x0014  /* RO  RDO_STATUS_* */
#define RDO_REG_SCRATCH         0x0018  /* RW  free for the driver, 0 after reset */
#define RDO_REG_DB_INFO         0x001c  /* RO  doorbell BAR geometry */
#define RDO_REG_MSIX_INFO       0x0020  /* RO  number of MSI-X vectors */
#define RDO_REG_IRQ_TEST        0x0024  /* WO  raise the MSI-X vector written */
#define RDO_REG_ERR_COUNT       0x0028  /* RO  driver mistakes seen since reset */
#define RDO_REG_ERR_LAST        0x002c  /* RO  RDO_ERR_* of the latest mistake */
#define RDO_REG_ERR_ADDR_LO     0x0030  /* RO  offset or address it concerned */
#define RDO_REG_ERR_ADDR_HI     0x0034  /* RO */
#define RDO_REG_MAC_LO          0x0038  /* RO  MAC bytes 0-3, byte 0 in bits 7:0 */
#define RDO_REG_MAC_HI          0x003c  /* RO  MAC bytes 4-5 in bits 15:0 */
#define RDO_REG_PORT_STATUS     0x0040  /* RO  RDO_PORT_* */
#define RDO_REG_DB_WRITES       0x0044  /* RO  doorbell writes accepted since reset */
#define RDO_REG_IRQ_TEST_COUNT  0x0048  /* RO  interrupts raised through IRQ_TEST */
#define RDO_REG_FATAL_CAUSE     0x004c  /* RO  RDO_FATAL_* while STATUS.FATAL, else 0 */
#define RDO_REG_FUNCTION        0x0050  /* RO  RDO_FUNCTION_*: which function this is */

/*
 * Control path set-up: written before CONTROL.CQP_ENABLE is set, checked
 * when it is (a bad set-up refuses the start with RDO_ERR_BAD_CONFIG and
 * ERR_ADDR naming the register). Writes after the start are refused
 * (RDO_ERR_WHILE_ENABLED).
 */
#define RDO_REG_CQP_RING_LO     0x0100  /* RW  CQP command ring, 128-byte aligned */
#define RDO_REG_CQP_RING_HI     0x0104  /* RW */
#define RDO_REG_CQP_COMP_LO     0x0108  /* RW  CQP completion ring, 16-byte aligned */
#define RDO_REG_CQP_COMP_HI     0x010c  /* RW */
#define RDO_REG_CQP_LOG_SIZE    0x0110  /* RW  entries in both rings: 2^n */
#define RDO_REG_CQP_PI          0x0114  /* RW  doorbell: commands posted, free-running */
#define RDO_REG_CQP_CI          0x0118  /* RO  commands completed, free-running */
#define RDO_REG_EQ0_RING_LO     0x0120  /* RW  EQ 0 ring (control and async events) */
#define RDO_REG_EQ0_RING_HI     0x0124  /* RW */
#define RDO_REG_EQ0_LOG_SIZE    0x0128  /* RW  EQ 0 entries: 2^n; its vector is 0 */
#define RDO_REG_QPC_PGLIST_LO   0x0140  /* RW  QP context store: page list address */
#define RDO_REG_QPC_PGLIST_HI   0x0144  /* RW */
#define RDO_REG_QPC_PAGES       0x0148  /* RW  pages in the QP context store */
#define RDO_REG_MRC_PGLIST_LO   0x0150  /* RW  MR context store: page list address */
#define RDO_REG_MRC_PGLIST_HI   0x0154  /* RW */
#define RDO_REG_MRC_PAGES       0x0158  /* RW  pages in the MR context store */

/* Limits, fixed by device properties. */
#define RDO_REG_MAX_QP          0x0180  /* RO */
#define RDO_REG_MAX_CQ          0x0184  /* RO */
#define RDO_REG_MAX_EQ          0x0188  /* RO */
#define RDO_REG_MAX_PD          0x018c  /* RO */
#define RDO_REG_MAX_MR          0x0190  /* RO */
#define RDO_REG_MAX_SRQ         0x0194  /* RO */
#define RDO_REG_MAX_GID         0x0198  /* RO */
#define RDO_REG_QPC_ENTRY_SIZE  0x019c  /* RO  bytes of QP context store per QP (RDO_QPC_SIZE, or RDO_QPC_FO_ENTRY_SIZE with failover) */
#define RDO_REG_MRC_ENTRY_SIZE  0x01a0  /* RO  bytes of MR context per MR */

/* Counters, cleared by reset. */
#define RDO_REG_CNT_CQP_CMDS    0x0200  /* RO  commands completed */
#define RDO_REG_CNT_CQP_ERRORS  0x0204  /* RO  commands completed with an error */
#define RDO_REG_CNT_MR_STALLS   0x0208  /* RO  work requests that waited for a pending MR */
#define RDO_REG_CNT_QPC_HITS    0x020c  /* RO  QP context cache */
#define RDO_REG_CNT_QPC_MISSES  0x0210  /* RO */
#define RDO_REG_CNT_MRC_HITS    0x0214  /* RO  MR context cache */
#define RDO_REG_CNT_MRC_MISSES  0x0218  /* RO */
#define RDO_REG_CNT_EQES        0x021c  /* RO  event queue entries written */
#define RDO_REG_CNT_CQES        0x0220  /* RO  completion queue entries written */
#define RDO_REG_CNT_EQ_OVERFLOWS 0x0224 /* RO  events lost to a full EQ */
#define RDO_REG_CNT_DB_ERRORS   0x0228  /* RO  doorbells refused */
#define RDO_REG_CNT_TX_PACKETS       0x022c  /* RO  RoCE packets sent */
#define RDO_REG_CNT_RX_PACKETS       0x0230  /* RO  RoCE packets received with a good ICRC */
#define RDO_REG_CNT_RX_ICRC_ERRORS   0x0234  /* RO  RoCE packets dropped for a bad ICRC */
#define RDO_REG_CNT_RX_DROPS         0x0238  /* RO  RoCE packets dropped by the receive checks */
#define RDO_REG_CNT_RETRANSMITS      0x023c  /* RO  go-back-N restarts */
#define RDO_REG_CNT_TIMEOUTS         0x0240  /* RO  retransmit timer expiries */
#define RDO_REG_CNT_NAKS_SENT        0x0244  /* RO  NAKs sent */
#define RDO_REG_CNT_NAKS_RECEIVED    0x0248  /* RO  NAKs received */
#define RDO_REG_CNT_ACKS_SENT        0x024c  /* RO  ACKs sent */
#define RDO_REG_CNT_DUP_REQUESTS     0x0250  /* RO  duplicate requests received */
#define RDO_REG_CNT_RX_PLACEMENTS    0x0254  /* RO  DMA placements of received payload after aggregation */
#define RDO_REG_CNT_TX_ERRORS        0x0258  /* RO  packets that could not be built from the QP's addresses */
#define RDO_REG_CNT_ETH_RX_FRAMES    0x025c  /* RO  non-RoCE frames received */
#define RDO_REG_CNT_PUSH_WQES        0x0260  /* RO  WQEs taken from an inline push */
/* Congestion control (ECN, CNP, DCQCN), mlx5's counter names. */
#define RDO_REG_CNT_NP_ECN_MARKED    0x0264  /* RO  RoCE packets received marked CE */
#define RDO_REG_CNT_NP_CNP_SENT      0x0268  /* RO  CNPs sent */
#define RDO_REG_CNT_RP_CNP_HANDLED   0x026c  /* RO  CNPs received that lowered a QP's rate */
#define RDO_REG_CNT_RP_CNP_IGNORED   0x0270  /* RO  CNPs received and ignored (DCQCN off, no such QP) */
#define RDO_REG_CNT_ISOLATION        0x0274  /* RO  SR-IOV: names of other functions' objects refused */
/* Connection migration (MOVE_QP, D18), per function, cleared by reset. */
#define RDO_REG_CNT_QP_MOVED_OUT     0x02e0  /* RO  connections moved from this function to another */
#define RDO_REG_CNT_QP_MOVED_IN      0x02e4  /* RO  connections moved here from another function */

/* Ethernet function counters (rdo-eth.h), cleared by reset; 32 bits, wrapping. */
#define RDO_REG_CNT_ETH_TX_FRAMES    0x0280  /* RO  frames sent from the TXQs, TSO segments included */
#define RDO_REG_CNT_ETH_TX_BYTES     0x0284  /* RO  bytes of those frames */
#define RDO_REG_CNT_ETH_TSO_SEGMENTS 0x0288  /* RO  frames cut from TSO work requests */
#define RDO_REG_CNT_ETH_TX_CSUM      0x028c  /* RO  frames whose L4 checksum the device inserted */
#define RDO_REG_CNT_ETH_TX_ERRORS    0x0290  /* RO  TX work requests completed with an error */
#define RDO_REG_CNT_ETH_RX_BYTES     0x0294  /* RO  bytes of frames delivered to RXQs */
#define RDO_REG_CNT_ETH_RX_BUFFERS   0x0298  /* RO  receive completions (frames or aggregates) */
#define RDO_REG_CNT_ETH_RX_CSUM_OK   0x029c  /* RO  frames whose TCP/UDP checksum verified good */
#define RDO_REG_CNT_ETH_RX_CSUM_BAD  0x02a0  /* RO  frames whose TCP/UDP or IPv4 checksum was wrong */
#define RDO_REG_CNT_ETH_LRO_SEGMENTS 0x02a4  /* RO  TCP segments appended to an LRO aggregate */
#define RDO_REG_CNT_ETH_LRO_FLUSHES  0x02a8  /* RO  LRO aggregates delivered */
#define RDO_REG_CNT_ETH_RX_NO_BUF    0x02ac  /* RO  frames dropped: no RXQ or no posted buffer */
#define RDO_REG_CNT_ETH_RX_FILTERED  0x02b0  /* RO  frames dropped: destination MAC not ours */
#define RDO_REG_CNT_ETH_RX_ERRORS    0x02b4  /* RO  frames dropped: buffer too short or not reachable */
/*
 * Data-path settings and counters through a window (cache-line DMA, D16;
 * buffered receive, D10): write an index (enum rdo_dp_index) to DP_SEL,
 * read its value from DP_DATA. Counters are 64 bits, cleared by reset:
 * DP_SEL bit 31 selects bits 63:32. An index past RDO_DP__COUNT is refused
 * (REG_BAD_VALUE) and DP_SEL keeps its value.
 */
#define RDO_REG_DP_SEL               0x02b8  /* RW  index of the value DP_DATA shows, bit 31: its high half */
#define RDO_REG_DP_DATA              0x02bc  /* RO  the value DP_SEL selects */
#define RDO_DP_SEL_HI                RDO_BIT(31)

enum rdo_dp_index {
    RDO_DP_CACHE_LINE = 0,          /* bytes of the host cache line DMAs are cut at */
    RDO_DP_BUFRECV_SIZE = 1,        /* bytes the device can hold for buffered receive (0: off) */
    RDO_DP_DMA_TRANSFERS = 2,       /* host-memory DMAs */
    RDO_DP_DMA_HEAD_PIECES = 3,     /* pieces starting inside a cache line */
    RDO_DP_DMA_TAIL_PIECES = 4,     /* pieces starting on a line, ending inside one */
    RDO_DP_DMA_FULL_LINES = 5,      /* whole cache lines */
    RDO_DP_BUFRECV_HELD = 6,        /* SENDs held for want of a receive */
    RDO_DP_BUFRECV_PLACED = 7,      /* held SENDs placed into a receive */
    RDO_DP_BUFRECV_FULL = 8,        /* SENDs refused (RNR NAK): buffer full */
    RDO_DP_BUFRECV_DROPPED = 9,     /* held SENDs dropped: QP reset, error, destroyed */
    RDO_DP_BUFRECV_BYTES = 10,      /* bytes held now */
    RDO_DP__COUNT
};
/*
 * Protocol-engine failover (docs/programming-model.md "Engine failover").
 * Counters are 32 bits of 64-bit values, wrapping; cleared by reset.
 */
#define RDO_REG_FO_INJECT            0x02c0  /* WO  RDO_FO_INJECT_KEY: fault the protocol engine now */
#define RDO_REG_FO_INFO              0x02c4  /* RO  RDO_FO_INFO_*: failover on, write-back batch */
#define RDO_REG_FO_RECOVERIES        0x02c8  /* RO  engine faults recovered (EQE 0x21) */
#define RDO_REG_FO_QPS               0x02cc  /* RO  QPs resumed by them, summed */
#define RDO_REG_FO_FATAL             0x02d0  /* RO  engine faults that went catastrophic */
#define RDO_REG_FO_DROPS             0x02d4  /* RO  frames lost with soft state or refused in a blackout */
#define RDO_REG_FO_BLACKOUT          0x02d8  /* RO  device cycles of the last blackout (timing model) */
#define RDO_REG_FO_WB_BYTES          0x02dc  /* RO  bytes of hard-state write-backs */

#define RDO_FO_INJECT_KEY            0x46414c54u  /* "FALT": any other value is refused */
#define RDO_FO_INFO_ON               RDO_BIT(0)
#define RDO_FO_INFO_ENGINES(v)       (((v) >> 8) & 0xff)  /* `engines` */
#define RDO_FO_INFO_BATCH(v)         ((v) >> 16)  /* failover-wb-batch */
/*
 * Several protocol engines (`engines`): a window on one of them, chosen by
 * ENG_SELECT, which is also the engine FO_INJECT faults. Cleared by reset.
 */
#define RDO_REG_ENG_SELECT           0x02e8  /* RW  engine the registers below (and FO_INJECT) name */
#define RDO_REG_ENG_QPS              0x02ec  /* RO  QPs bound to it now */
#define RDO_REG_ENG_FAULTS           0x02f0  /* RO  its faults recovered */
#define RDO_REG_ENG_DROPS            0x02f4  /* RO  frames for its QPs refused in its blackouts */
#define RDO_ENGINES_MAX              16

/*
 * Timing model (CAPS.TIMING): its settings and 64-bit counters, each a
 * _LO/_HI pair (read _HI, _LO, _HI again if it changed). Zero with the
 * timing model off.
 */
#define RDO_REG_TM_INFO                0x0300  /* RO  bit 0: the timing model is on */
#define RDO_REG_TM_CLOCK_MHZ           0x0304  /* RO  device clock, MHz */
#define RDO_REG_TM_LINK_GBPS           0x0308  /* RO  port speed, Gbit/s */
#define RDO_REG_TM_LOOKAHEAD           0x030c  /* RO  scheduler window, 0: in order */
#define RDO_REG_TM_CYCLES_LO           0x0310  /* RO  device clock cycles since reset (virtual time x clock) */
#define RDO_REG_TM_CYCLES_HI           0x0314  /* RO */
#define RDO_REG_TM_TX_BUSY_LO          0x0318  /* RO  cycles the transmit engine (scheduler, requester) was busy */
#define RDO_REG_TM_TX_BUSY_HI          0x031c  /* RO */
#define RDO_REG_TM_RX_BUSY_LO          0x0320  /* RO  cycles the receive pipeline was busy */
#define RDO_REG_TM_RX_BUSY_HI          0x0324  /* RO */
#define RDO_REG_TM_LINK_BUSY_LO        0x0328  /* RO  cycles the link was transmitting */
#define RDO_REG_TM_LINK_BUSY_HI        0x032c  /* RO */
#define RDO_REG_TM_LINK_FRAMES_LO      0x0330  /* RO  frames sent on the link */
#define RDO_REG_TM_LINK_FRAMES_HI      0x0334  /* RO */
#define RDO_REG_TM_LINK_BYTES_LO       0x0338  /* RO  bytes on the wire, preamble, FCS and inter-frame gap include */
#define RDO_REG_TM_LINK_BYTES_HI       0x033c  /* RO */
#define RDO_REG_TM_PCIE_UP_BYTES_LO    0x0340  /* RO  PCIe bytes device to host (writes, read requests), TLP overh */
#define RDO_REG_TM_PCIE_UP_BYTES_HI    0x0344  /* RO */
#define RDO_REG_TM_PCIE_DOWN_BYTES_LO  0x0348  /* RO  PCIe bytes host to device (read completions), TLP overhead i */
#define RDO_REG_TM_PCIE_DOWN_BYTES_HI  0x034c  /* RO */
#define RDO_REG_TM_PCIE_TLPS_LO        0x0350  /* RO  TLPs of the device's DMAs */
#define RDO_REG_TM_PCIE_TLPS_HI        0x0354  /* RO */
#define RDO_REG_TM_DMA_SPLITS_LO       0x0358  /* RO  TLPs cut where a DMA starts or ends inside a 64-byte cache l */
#define RDO_REG_TM_DMA_SPLITS_HI       0x035c  /* RO */
#define RDO_REG_TM_CTX_FETCHES_LO      0x0360  /* RO  context cache misses that fetched a context */
#define RDO_REG_TM_CTX_FETCHES_HI      0x0364  /* RO */
#define RDO_REG_TM_CTX_PREFETCHES_LO   0x0368  /* RO  contexts fetched ahead by the look-ahead scheduler */
#define RDO_REG_TM_CTX_PREFETCHES_HI   0x036c  /* RO */
#define RDO_REG_TM_CTX_WAIT_LO         0x0370  /* RO  cycles engines waited for a context being fetched */
#define RDO_REG_TM_CTX_WAIT_HI         0x0374  /* RO */
#define RDO_REG_TM_WQE_FETCHES_LO      0x0378  /* RO  WQE fetch DMAs after doorbells (not for pushed WQEs) */
#define RDO_REG_TM_WQE_FETCHES_HI      0x037c  /* RO */
#define RDO_REG_TM_SCHED_VISITS_LO     0x0380  /* RO  work items the scheduler served */
#define RDO_REG_TM_SCHED_VISITS_HI     0x0384  /* RO */
#define RDO_REG_TM_SCHED_REORDERED_LO  0x0388  /* RO  items served ahead of the head of the queue (look-ahead) */
#define RDO_REG_TM_SCHED_REORDERED_HI  0x038c  /* RO */
#define RDO_REG_TM_SCHED_GROUPED_LO    0x0390  /* RO  doorbells merged into a visit of the same QP (look-ahead) */
#define RDO_REG_TM_SCHED_GROUPED_HI    0x0394  /* RO */
#define RDO_REG_TM_IRQS_LO             0x0398  /* RO  MSI-X messages sent */
#define RDO_REG_TM_IRQS_HI             0x039c  /* RO */
#define RDO_REG_TM_WR_DONE_LO          0x03a0  /* RO  work requests completed with a CQE */
#define RDO_REG_TM_WR_DONE_HI          0x03a4  /* RO */
#define RDO_REG_TM_WR_CYCLES_LO        0x03a8  /* RO  their doorbell-to-CQE cycles, summed */
#define RDO_REG_TM_WR_CYCLES_HI        0x03ac  /* RO */
#define RDO_REG_TM_WR_CYCLES_MAX_LO    0x03b0  /* RO  the longest doorbell-to-CQE cycles */
#define RDO_REG_TM_WR_CYCLES_MAX_HI    0x03b4  /* RO */
#define RDO_REG_TM_RX_FIFO_MAX_LO      0x03b8  /* RO  most frames waiting for the receive pipeline */
#define RDO_REG_TM_RX_FIFO_MAX_HI      0x03bc  /* RO */
#define RDO_REG_TM_RX_FIFO_DROPS_LO    0x03c0  /* RO  frames dropped because the receive FIFO was full */
#define RDO_REG_TM_RX_FIFO_DROPS_HI    0x03c4  /* RO */
#define RDO_REG_TM_BUS_WAIT_LO         0x03c8  /* RO  cycles DMA requests waited for the bus */
#define RDO_REG_TM_BUS_WAIT_HI         0x03cc  /* RO */

/*
 * The second physical port (docs/programming-model.md "Two ports"): how
 * many ports the device has (as QUERY_DEVICE's phys_ports, which a driver
 * reads first: a device before two ports has neither register and writes
 * 0 there), port 2's status and MAC as PORT_STATUS and MAC_LO/HI are
 * port 1's.
 */
#define RDO_PORTS_MAX                  2
#define RDO_REG_PORTS                  0x0400  /* RO  physical ports: 1 or 2 */
#define RDO_REG_PORT2_STATUS           0x0404  /* RO  RDO_PORT_* of port 2 */
#define RDO_REG_PORT2_MAC_LO           0x0408  /* RO  as MAC_LO, port 2 */
#define RDO_REG_PORT2_MAC_HI           0x040c  /* RO */

/* Flow steering and keyed Ethernet queues (cleared by reset). */
#define RDO_REG_CNT_ETH_STEERED        0x0410  /* RO  frames a flow-steering rule sent to its RXQ */
#define RDO_REG_CNT_ETH_KEY_ERRORS     0x0414  /* RO  keyed-queue buffers or SGEs refused: lkey, PD, rights, range */
#define RDO_REG_CNT_ETH_FLOW_RULES     0x0418  /* RO  flow-steering rules in the table now */

/* RAM-backed push pages (RDO_CAP_PUSH_RAM; rdo-queues.h RDO_DB_PUSH_RAM). */
#define RDO_REG_PUSH_RAM_INFO          0x041c  /* RO  RDO_PUSH_RAM_INFO_*; 0 without the capability */
#define RDO_PUSH_RAM_INFO_FIRST_PAGE(v) ((v) & 0xffffu)         /* BAR 2 page of doorbell page 0's push page */
#define RDO_PUSH_RAM_INFO_SLOT_SHIFT(v) (((v) >> 16) & 0xffu)   /* log2 of a slot's bytes */
#define RDO_PUSH_RAM_INFO_MAKE(first, shift) ((uint32_t)(first) | ((uint32_t)(shift) << 16))
#define RDO_REG_TM_LAST          RDO_REG_TM_BUS_WAIT_HI

/* Congestion control beyond CNT_NP_* / CNT_RP_* (cleared by reset). */
#define RDO_REG_CNT_RP_CNP_COALESCED   0x0500  /* RO  CNPs within a QP's DCQCN reduce period: no decrease */

/* Context store geometry. */
#define RDO_QPC_SIZE            256
#define RDO_MRC_SIZE            64

/*
 * With failover on (FO_INFO.ON) each QP's entry in the QP context store
 * is RDO_QPC_FO_ENTRY_SIZE bytes (QPC_ENTRY_SIZE says which): the 256-byte
 * context, then the QP's transport hard state that the device writes back
 * at its commit points and reads at an engine failover: its responder
 * resources and the requester's records of work requests
 * (docs/programming-model.md "The hard state in the store"). The driver
 * sizes the store by QPC_ENTRY_SIZE and never writes these.
 */
#define RDO_QPC_FO_ENTRY_SIZE   2048
#define RDO_QPC_FO_RES_OFF      256     /* RDO_QPC_FO_RES of struct rdo_qpc_fo_res */
#define RDO_QPC_FO_RES          16
#define RDO_QPC_FO_REC_OFF      768     /* RDO_QPC_FO_RECS of struct rdo_qpc_fo_rec */
#define RDO_QPC_FO_RECS         26      /* outstanding work requests a QP may have */

/* A responder resource: a READ or atomic executed, for duplicates. */
struct rdo_qpc_fo_res {
    uint32_t crc;               /* CRC-32 of the rest, seeded with QPN and slot */
    uint32_t psn_flags;         /* first PSN (23:0), RDO_QPC_FO_RES_* (31:24) */
    uint64_t va;
    uint32_t rkey;
    uint32_t len;               /* READ: bytes; the last PSN follows from the MTU */
    uint64_t orig;              /* atomic: the value before */
};
#define RDO_QPC_FO_RES_VALID    RDO_BIT(24)
#define RDO_QPC_FO_RES_ATOMIC   RDO_BIT(25)

/* A requester's record of a work request taken from the send queue. */
struct rdo_qpc_fo_rec {
    uint32_t crc;               /* CRC-32 of the rest, seeded with QPN and slot */
    uint32_t seq;               /* the QP's record number; slot = seq % RECS */
    uint64_t wr_id;
    uint32_t ring_qpn;          /* QP whose send queue holds the WQE */
    uint32_t wqe_index;
    uint32_t first_psn;         /* 23:0 */
    uint32_t npkts;             /* PSNs it takes (READ: its responses) */
    uint32_t resp_pkts;         /* READ: response packets placed */
    uint32_t msg_len;
    uint32_t vendor_err;
    uint8_t  opcode;            /* enum rdo_wr_opcode */
    uint8_t  wqe_flags;
    uint8_t  status;            /* its CQE's, once done */
    uint8_t  flags;             /* RDO_QPC_FO_REC_* */
};
#define RDO_QPC_FO_REC_SENT     RDO_BIT(0)      /* every request packet went out once */
#define RDO_QPC_FO_REC_DONE     RDO_BIT(1)
#define RDO_QPC_FO_REC_REREAD   RDO_BIT(2)      /* its WQE is to be read again */
#define RDO_QPC_FO_REC_SHARED   RDO_BIT(3)      /* fed by a shared send queue */
RDO_STATIC_ASSERT(sizeof(struct rdo_qpc_fo_res) == 32, "responder resource");
RDO_STATIC_ASSERT(sizeof(struct rdo_qpc_fo_rec) == 48, "work request record");
RDO_STATIC_ASSERT(RDO_QPC_FO_RES_OFF + RDO_QPC_FO_RES * 32 <= RDO_QPC_FO_REC_OFF &&
                  RDO_QPC_FO_REC_OFF + RDO_QPC_FO_RECS * 48 <= RDO_QPC_FO_ENTRY_SIZE,
                  "failover entry layout");

/* RDO_REG_CAPS_*: what this device implements. */
#define RDO_CAP_MSIX            RDO_BIT64(0)
#define RDO_CAP_IRQ_TEST        RDO_BIT64(1)
#define RDO_CAP_FLR             RDO_BIT64(2)
#define RDO_CAP_ETH_PORT        RDO_BIT64(3)    /* has a netdev backend */
#define RDO_CAP_CQP             RDO_BIT64(4)    /* control QP, objects, EQs */
#define RDO_CAP_ETH_QUEUES      RDO_BIT64(5)    /* Ethernet TXQs/RXQs, TSO, LRO */
#define RDO_CAP_TIMING          RDO_BIT64(6)    /* timing model on: RDO_REG_TM_* */
#define RDO_CAP_SRIOV           RDO_BIT64(7)    /* a PF with VFs: SET_VF_RESOURCES */
#define RDO_CAP_VF              RDO_BIT64(8)    /* this function is a VF */
#define RDO_CAP_FLOW_STEER      RDO_BIT64(9)    /* flow-steering rules, keyed Ethernet queues */
#define RDO_CAP_PUSH_RAM        RDO_BIT64(10)   /* push pages of RAM in BAR 2: RDO_REG_PUSH_RAM_INFO */
#define RDO_CAP_ETH_RX_SG       RDO_BIT64(11)   /* scatter RXQs (wqe_shift 6..), raw loopback */

/* RDO_REG_FUNCTION */
#define RDO_FUNCTION_NUM_MASK   0xffu           /* 0: the PF, n: VF n */
#define RDO_FUNCTION_VF         RDO_BIT(16)

/* RDO_REG_CONTROL */
#define RDO_CONTROL_ENABLE      RDO_BIT(0)      /* accept doorbells */
#define RDO_CONTROL_CQP_ENABLE  RDO_BIT(1)      /* start the control path; cleared only by reset */
#define RDO_CONTROL_RESET       RDO_BIT(31)     /* self-clearing device reset */
#define RDO_CONTROL_WRITABLE    (RDO_CONTROL_ENABLE | RDO_CONTROL_CQP_ENABLE | RDO_CONTROL_RESET)

/* RDO_REG_STATUS */
#define RDO_STATUS_READY        RDO_BIT(0)      /* registers usable */
#define RDO_STATUS_ENABLED      RDO_BIT(1)      /* mirrors CONTROL.ENABLE */
#define RDO_STATUS_FATAL        RDO_BIT(2)      /* catastrophic error: reset */
#define RDO_STATUS_CQP_READY    RDO_BIT(3)      /* control path started */

/*
 * Causes of a catastrophic error (RDO_REG_FATAL_CAUSE, and the data of the
 * RDO_EQE_CATASTROPHIC event). The device stops until a reset.
 */
enum rdo_fatal_cause {
    RDO_FATAL_NONE          = 0,
    RDO_FATAL_QPC_STORE     = 1,    /* QP context store not reachable: state lost */
    RDO_FATAL_MRC_STORE     = 2,    /* MR context store not reachable: state lost */
    RDO_FATAL_EQ0           = 3,    /* EQ 0 not reachable for an event */
    RDO_FATAL_INJECTED      = 4,    /* forced by the host (property x-inject-fatal) */
    RDO_FATAL_ENGINE        = 5,    /* protocol-engine fault not recovered (failover off, or state lost) */
};

/* RDO_REG_DB_INFO */
#define RDO_DB_INFO_PAGE_SHIFT(v)   ((v) & 0xff)
#define RDO_DB_INFO_NUM_PAGES(v)    ((v) >> 16)
#define RDO_DB_INFO_MAKE(shift, pages) ((uint32_t)(shift) | ((uint32_t)(pages) << 16))

/* RDO_REG_PORT_STATUS */
#define RDO_PORT_LINK_UP        RDO_BIT(0)

/* Driver mistakes the device detects and records in RDO_REG_ERR_LAST. */
enum rdo_err {
    RDO_ERR_NONE            = 0,
    RDO_ERR_UNALIGNED       = 1,    /* register access not naturally aligned */
    RDO_ERR_BAD_SIZE        = 2,    /* register access not 32 bits wide */
    RDO_ERR_UNKNOWN_OFFSET  = 3,    /* no register at that offset */
    RDO_ERR_READ_ONLY       = 4,    /* write to a read-only register */
    RDO_ERR_WRITE_ONLY      = 5,    /* read of a write-only register */
    RDO_ERR_BAD_VALUE       = 6,    /* value out of range for the register */
    RDO_ERR_DB_DISABLED     = 7,    /* doorbell written while not enabled */
    RDO_ERR_DB_BAD_ACCESS   = 8,    /* doorbell access of the wrong size/offset */
    RDO_ERR_BAD_CONFIG      = 9,    /* CQP start refused: set-up register invalid */
    RDO_ERR_CQP_OVERRUN     = 10,   /* CQP_PI more than the ring ahead of CQP_CI */
    RDO_ERR_DB_BAD_OBJECT   = 11,   /* doorbell for an object not on that page */
    RDO_ERR_WHILE_ENABLED   = 12,   /* set-up register written after CQP start */
    RDO_ERR__COUNT
};

#endif /* RDO_REGS_H */
