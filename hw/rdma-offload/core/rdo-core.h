/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload adapter core: the device logic, free of QEMU.
 *
 * The core sees its host (QEMU, or a unit-test harness) only through
 * RdoHostOps: guest-memory DMA, interrupts, frames to the wire, virtual time
 * and wake-ups, and a sink for driver mistakes. Everything the guest or the
 * wire hands the core is untrusted and checked here, so every host gets the
 * same checks.
 */
#ifndef RDO_CORE_H
#define RDO_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/rdma-offload/rdo-hw.h"
#include "rdo-attrs.h"

struct RdoStageSpan;
struct RdoWrLife;

/*
 * The kinds of object a guest-error report or transport event names; the
 * number in the report is that object's (a register's offset, a doorbell
 * page, a QP number ...).
 */
#define RDO_OBJECT_KINDS(X) \
    X(DEVICE, device) X(REG, reg) X(PAGE, page) X(CMD, cmd) X(EQ, eq) \
    X(CQ, cq) X(QP, qp) X(SRQ, srq) X(MR, mr) X(ETHQ, ethq) X(PD, pd)
enum rdo_obj_kind {
#define RDO_OBJ_ENUM(id, name) RDO_OBJ_##id,
    RDO_OBJECT_KINDS(RDO_OBJ_ENUM)
#undef RDO_OBJ_ENUM
    RDO_OBJ__COUNT
};

/*
 * Every class of guest mistake the device reports. Each has its own trace
 * event, rdma_offload_err_<name>(uint32_t <kind>, uint64_t addr, const char
 * *what) in hw/rdma-offload/trace-events (tests/spec/check-events.py keeps
 * the two in step), the kind of object it names, and the register-level
 * error it records in ERR_LAST/ERR_ADDR/ERR_COUNT; RDO_ERR_NONE for
 * mistakes the driver hears of through their own channel (a command
 * status, an error completion, an async event), which are only logged and
 * traced.
 *   X(ENUM, name, object kind, register error)
 */
#define RDO_GUEST_ERRORS(X) \
    X(REG_UNALIGNED,       reg_unaligned,       REG,  RDO_ERR_UNALIGNED) \
    X(REG_BAD_SIZE,        reg_bad_size,        REG,  RDO_ERR_BAD_SIZE) \
    X(REG_UNKNOWN,         reg_unknown,         REG,  RDO_ERR_UNKNOWN_OFFSET) \
    X(REG_READ_ONLY,       reg_read_only,       REG,  RDO_ERR_READ_ONLY) \
    X(REG_WRITE_ONLY,      reg_write_only,      REG,  RDO_ERR_WRITE_ONLY) \
    X(REG_BAD_VALUE,       reg_bad_value,       REG,  RDO_ERR_BAD_VALUE) \
    X(REG_WHILE_ENABLED,   reg_while_enabled,   REG,  RDO_ERR_WHILE_ENABLED) \
    X(CQP_BAD_CONFIG,      cqp_bad_config,      REG,  RDO_ERR_BAD_CONFIG) \
    X(CQP_OVERRUN,         cqp_overrun,         REG,  RDO_ERR_CQP_OVERRUN) \
    X(CQP_COMP_LOST,       cqp_comp_lost,       CMD,  RDO_ERR_NONE) \
    X(CQP_CMD_FAILED,      cqp_cmd_failed,      CMD,  RDO_ERR_NONE) \
    X(DB_BAD_ACCESS,       db_bad_access,       PAGE, RDO_ERR_DB_BAD_ACCESS) \
    X(DB_DISABLED,         db_disabled,         PAGE, RDO_ERR_DB_DISABLED) \
    X(DB_EQ,               db_eq,               EQ,   RDO_ERR_DB_BAD_OBJECT) \
    X(DB_CQ,               db_cq,               CQ,   RDO_ERR_DB_BAD_OBJECT) \
    X(DB_QP,               db_qp,               QP,   RDO_ERR_DB_BAD_OBJECT) \
    X(DB_QP_INDEX,         db_qp_index,         QP,   RDO_ERR_DB_BAD_OBJECT) \
    X(DB_SRQ,              db_srq,              SRQ,  RDO_ERR_DB_BAD_OBJECT) \
    X(DB_ETHQ,             db_ethq,             ETHQ, RDO_ERR_DB_BAD_OBJECT) \
    X(PUSH_BAD_ACCESS,     push_bad_access,     PAGE, RDO_ERR_DB_BAD_ACCESS) \
    X(PUSH_REFUSED,        push_refused,        QP,   RDO_ERR_DB_BAD_ACCESS) \
    X(PUSH_TORN,           push_torn,           QP,   RDO_ERR_DB_BAD_ACCESS) \
    X(EQ_OVERFLOW,         eq_overflow,         EQ,   RDO_ERR_NONE) \
    X(EQ_UNREACHABLE,      eq_unreachable,      EQ,   RDO_ERR_NONE) \
    X(CQ_OVERFLOW,         cq_overflow,         CQ,   RDO_ERR_NONE) \
    X(CQ_UNREACHABLE,      cq_unreachable,      CQ,   RDO_ERR_NONE) \
    X(QPC_UNREACHABLE,     qpc_unreachable,     QP,   RDO_ERR_NONE) \
    X(QPC_CORRUPT,         qpc_corrupt,         QP,   RDO_ERR_NONE) \
    X(MRC_CORRUPT,         mrc_corrupt,         MR,   RDO_ERR_NONE) \
    X(SQ_UNREACHABLE,      sq_unreachable,      QP,   RDO_ERR_NONE) \
    X(BAD_WQE,             bad_wqe,             QP,   RDO_ERR_NONE) \
    X(SSQ_FOREIGN_WQE,     ssq_foreign_wqe,     QP,   RDO_ERR_NONE) \
    X(WQE_BAD_KEY,         wqe_bad_key,         QP,   RDO_ERR_NONE) \
    X(LOCAL_INV_BAD_KEY,   local_inv_bad_key,   QP,   RDO_ERR_NONE) \
    X(FASTREG_BAD_MR,      fastreg_bad_mr,      QP,   RDO_ERR_NONE) \
    X(FASTREG_MR_VALID,    fastreg_mr_valid,    QP,   RDO_ERR_NONE) \
    X(FASTREG_BAD_PAGES,   fastreg_bad_pages,   QP,   RDO_ERR_NONE) \
    X(FASTREG_BAD_RANGE,   fastreg_bad_range,   QP,   RDO_ERR_NONE) \
    X(FASTREG_BAD_ACCESS,  fastreg_bad_access,  QP,   RDO_ERR_NONE) \
    X(FASTREG_PAGE_LIST,   fastreg_page_list,   QP,   RDO_ERR_NONE) \
    X(MW_BIND_BAD_MW,      mw_bind_bad_mw,      QP,   RDO_ERR_NONE) \
    X(MW_BIND_BOUND,       mw_bind_bound,       QP,   RDO_ERR_NONE) \
    X(MW_BIND_BAD_MR,      mw_bind_bad_mr,      QP,   RDO_ERR_NONE) \
    X(MW_BIND_NO_RIGHT,    mw_bind_no_right,    QP,   RDO_ERR_NONE) \
    X(MW_BIND_BAD_RANGE,   mw_bind_bad_range,   QP,   RDO_ERR_NONE) \
    X(MW_BIND_BAD_ACCESS,  mw_bind_bad_access,  QP,   RDO_ERR_NONE) \
    X(MW_INV_TYPE1,        mw_inv_type1,        QP,   RDO_ERR_NONE) \
    X(PLACEMENT_FAILED,    placement_failed,    QP,   RDO_ERR_NONE) \
    X(ETH_TX_BAD_WQE,      eth_tx_bad_wqe,      ETHQ, RDO_ERR_NONE) \
    X(ETH_RX_BAD_BUFFER,   eth_rx_bad_buffer,   ETHQ, RDO_ERR_NONE) \
    X(ETH_BAD_KEY,         eth_bad_key,         ETHQ, RDO_ERR_NONE) \
    X(FLOW_RULE_REFUSED,   flow_rule_refused,   ETHQ, RDO_ERR_NONE) \
    X(FN_FOREIGN_KEY,      fn_foreign_key,      MR,   RDO_ERR_NONE) \
    X(FN_FOREIGN_OBJECT,   fn_foreign_object,   DEVICE, RDO_ERR_NONE) \
    X(FN_NOT_PERMITTED,    fn_not_permitted,    CMD,  RDO_ERR_NONE) \
    X(MOVE_QP_REFUSED,     move_qp_refused,     QP,   RDO_ERR_NONE) \
    X(FAILOVER_INJECT,     failover_inject,     DEVICE, RDO_ERR_BAD_VALUE) \
    X(CM_MAD_MALFORMED,    cm_mad_malformed,    QP,   RDO_ERR_NONE) \
    X(CM_MAD_UNEXPECTED,   cm_mad_unexpected,   QP,   RDO_ERR_NONE) \
    X(CM_REQ_REFUSED,      cm_req_refused,      QP,   RDO_ERR_NONE) \
    X(CM_TIMEOUT,          cm_timeout,          QP,   RDO_ERR_NONE) \
    X(CM_POOL_QP,          cm_pool_qp,          QP,   RDO_ERR_NONE) \
    X(CM_TABLE,            cm_table,            DEVICE, RDO_ERR_NONE) \
    X(FATAL,               fatal,               DEVICE, RDO_ERR_NONE)
enum rdo_guest_err {
#define RDO_GE_ENUM(id, name, kind, reg) RDO_GE_##id,
    RDO_GUEST_ERRORS(RDO_GE_ENUM)
#undef RDO_GE_ENUM
    RDO_GE__COUNT
};

/* One guest-error report, as the host receives it. */
typedef struct RdoGuestError {
    enum rdo_guest_err cls;
    enum rdo_obj_kind kind;     /* of the class */
    enum rdo_err reg_err;       /* recorded in ERR_LAST, or RDO_ERR_NONE */
    uint32_t obj;               /* the object's number */
    uint64_t addr;              /* where: a register, doorbell or ring
                                   address, or the value at fault */
    const char *what;           /* the message */
} RdoGuestError;

/*
 * Transport events, each with its own trace event rdma_offload_<name>
 * (uint32_t qpn, uint32_t psn, uint32_t <value>) in trace-events: a QP
 * moved to the error state (value: enum rdo_qp_err), a NAK or RNR NAK sent
 * or received (the AETH syndrome), a go-back-N retransmission from a
 * record (its index among those outstanding), a retransmit timeout (retries
 * left before it), a duplicate request (responder) or response (requester)
 * (its BTH opcode), a CNP sent for a CE-marked packet (the QP it goes to),
 * a CNP that slowed the QP (its new rate in Mbit/s).
 *   X(ENUM, name, what the value is)
 */
#define RDO_XPORT_EVENTS(X) \
    X(QP_ERROR,      qp_error,      reason) \
    X(NAK_SENT,      nak_sent,      syndrome) \
    X(NAK_RECEIVED,  nak_received,  syndrome) \
    X(RNR_SENT,      rnr_sent,      syndrome) \
    X(RNR_RECEIVED,  rnr_received,  syndrome) \
    X(RETRANSMIT,    retransmit,    index) \
    X(TIMEOUT,       timeout,       retries_left) \
    X(DUPLICATE,     duplicate,     opcode) \
    X(CNP_SENT,      cnp_sent,      dest_qp) \
    X(CNP_RECEIVED,  cnp_received,  rate_mbps)
enum rdo_xport_event {
#define RDO_XE_ENUM(id, name, value) RDO_XE_##id,
    RDO_XPORT_EVENTS(RDO_XE_ENUM)
#undef RDO_XE_ENUM
    RDO_XE__COUNT
};

typedef struct RdoXportEvent {
    enum rdo_xport_event type;
    uint32_t qpn, psn, value;
} RdoXportEvent;

const char *rdo_guest_err_name(enum rdo_guest_err cls);
const char *rdo_obj_kind_name(enum rdo_obj_kind kind);
const char *rdo_xport_event_name(enum rdo_xport_event type);

typedef struct RdoHostOps {
    /* Guest-memory DMA; 0 on success, negative if any byte failed. */
    int (*dma_read)(void *host, uint64_t addr, void *buf, size_t len);
    int (*dma_write)(void *host, uint64_t addr, const void *buf, size_t len);
    /* Signal an MSI-X vector (the host handles masking and pending bits). */
    void (*raise_irq)(void *host, unsigned vector);
    /* Hand one Ethernet frame (no FCS) to the port's network backend. */
    void (*send_frame)(void *host, const void *frame, size_t len);
    /* The same for port 2 (ports = 2); without it port 2's frames are
     * lost. Its frames never take send_frame_at: the core keeps them. */
    void (*send_frame2)(void *host, const void *frame, size_t len);
    /*
     * Timing model (optional): a frame that leaves the port at `when_ns`
     * of virtual time, handed over as soon as the model has timed it;
     * the host sends it then, after the frames it was given before (their
     * times never decrease), and before what a wake-up at that time sends.
     * Without it the core keeps the frame and asks for a wake-up at that
     * time to send it, one wake-up per frame. drop_frames: the frames
     * handed over and not yet sent are abandoned (reset, catastrophic
     * stop), as the core drops those it keeps.
     */
    void (*send_frame_at)(void *host, const void *frame, size_t len,
                          uint64_t when_ns);
    void (*drop_frames)(void *host);
    /* Virtual time in nanoseconds, and a request to run rdo_core_wakeup(). */
    uint64_t (*now_ns)(void *host);
    void (*schedule)(void *host, uint64_t when_ns);
    /* A driver mistake, already recorded in the error registers. */
    void (*guest_error)(void *host, const RdoGuestError *e);
    /* A transport event (optional, for tracing and tests). */
    void (*xport_event)(void *host, const RdoXportEvent *e);
    /* The device went into the catastrophic state (optional, for tracing). */
    void (*fatal)(void *host, enum rdo_fatal_cause cause, const char *what);
    /* Timing model (optional, for tracing): a stage's span of work, and
     * the life of a completed work request. */
    void (*stage)(void *host, const struct RdoStageSpan *span);
    /* Optional: does the host take spans now (a trace listening)? Asked
     * at each entry into the core (RdoCore.spans_on); without it every
     * span goes to `stage`. */
    bool (*stage_on)(void *host);
    void (*wr_life)(void *host, const struct RdoWrLife *life);
    /*
     * RAM-backed push (optional): the host memory behind the push pages of
     * BAR 2, one page (RDO_DB_PAGE_SIZE) for each doorbell page in order,
     * which the guest writes without the core seeing it; NULL if the host
     * has none (RDO_CAP_PUSH_RAM then stays clear). The core only reads it,
     * once per trigger (ctrl/push.c).
     */
    const uint8_t *(*push_ram)(void *host);
} RdoHostOps;

enum { RDO_CACHE_LRU, RDO_CACHE_FIFO };
/*
 * Arbitration between the PCIe queues (timing model, timing/bus.c): KIND
 * round-robin between one queue per kind of DMA (WQE, context, payload,
 * CQE, ...), all payloads in one; FIFO in order of readiness; RR and
 * WEIGHTED split the payload queue per application flow (per QP, or per
 * flow class) and serve all queues round-robin, WEIGHTED with the classes'
 * weights (bus-class-weights).
 */
enum { RDO_BUS_ARB_KIND, RDO_BUS_ARB_FIFO, RDO_BUS_ARB_RR, RDO_BUS_ARB_WEIGHTED };
/* Application-flow queues in hardware: bounded, QPs hash onto them. */
#define RDO_BUS_FLOWQ_MAX   64

/* Device cycles each stage costs (docs/timing-model.md has the table). */
typedef struct RdoStageCycles {
    uint32_t doorbell;      /* decode a doorbell, queue the work */
    uint32_t push;          /* take an inline-pushed WQE, per 64 bytes */
    uint32_t sched;         /* scheduler: pick the next work item */
    uint32_t ctx_lookup;    /* context cache lookup (hit) */
    uint32_t wqe_parse;     /* check a WQE, make its send record */
    uint32_t tx_issue;      /* start a packet: PSN, payload DMA requests */
    uint32_t hdr_build;     /* headers of a packet (then its bytes stream
                               through the datapath, ICRC included) */
    uint32_t rx_parse;      /* parse and check a received packet's headers */
    uint32_t rx_resp;       /* responder/completer work per packet */
    uint32_t cqe;           /* build a CQE */
    uint32_t eqe;           /* build an EQE */
    uint32_t irq;           /* MSI-X message after an EQE */
    uint32_t cm;            /* offloaded CM: one CM MAD taken (cm/) */
} RdoStageCycles;

typedef struct RdoTimingConfig {
    bool on;
    uint32_t clock_mhz;         /* device clock */
    uint32_t bytes_per_cycle;   /* datapath width (ICRC, streaming) */
    uint32_t link_gbps;         /* port speed */
    uint32_t link_latency_ns;   /* PHY + MAC + cable, one way */
    uint32_t pcie_gen, pcie_lanes;
    uint32_t pcie_mps;          /* max payload size of a TLP, bytes */
    uint32_t pcie_tlp_overhead; /* bytes of framing, header and LCRC per TLP */
    uint32_t pcie_latency_ns;   /* DMA read round trip */
    uint32_t tx_fifo_bytes;     /* frames built ahead of the link */
    uint32_t tx_fifo_refill_bytes;  /* a full FIFO refills in bursts of */
    uint32_t rx_fifo_frames;    /* frames waiting for the receive pipeline */
    uint32_t lookahead;         /* scheduler window; 0: in order */
    uint32_t wr_log;            /* work-request lifecycle records kept */
    uint32_t bus_arb;           /* RDO_BUS_ARB_* */
    uint32_t bus_flow_queues;   /* payload queues per application flow */
    uint32_t bus_class_weights; /* weight of flow class c in nibble c - 1 */
    RdoStageCycles cyc;
} RdoTimingConfig;

/*
 * Congestion control (xport/dcqcn.c, docs/timing-model.md "Congestion
 * control"): ECN on the RoCE packets sent, CNPs as notification point,
 * DCQCN (Zhu et al., SIGCOMM 2015) as reaction point. Booleans are 0/1.
 */
typedef struct RdoCcConfig {
    uint32_t ecn;               /* send ECT(0); answer CE with CNPs */
    uint32_t cnp_interval_us;   /* per QP, at most one CNP in this time */
    uint32_t cnp_dscp;          /* DSCP of the CNPs sent */
    uint32_t dcqcn;             /* react to CNPs: the per-QP rate limiter */
    uint32_t g_shift;           /* alpha gain g = 1 / 2^g_shift */
    uint32_t alpha_us;          /* alpha decays after this without a CNP */
    uint32_t timer_us;          /* rate increase timer */
    uint32_t byte_counter;      /* rate increase every this many bytes */
    uint32_t f;                 /* fast recovery steps */
    uint32_t ai_mbps;           /* additive increase */
    uint32_t hai_mbps;          /* hyper increase */
    uint32_t min_mbps;          /* the rate never falls below */
    uint32_t reduce_us;         /* at most one rate decrease in this time */
} RdoCcConfig;

/* Fixed at creation (device properties). */
typedef struct RdoConfig {
    uint32_t msix_vectors;
    uint32_t doorbell_pages;
    uint8_t mac[6];
    bool has_port;          /* connected to a network backend */
    /* The second physical port (ports = 2, base/port.c): its MAC and
     * whether a backend is connected to it. */
    uint32_t ports;
    uint8_t mac2[6];
    bool has_port2;
    /* Resource limits. */
    uint32_t max_qp, max_cq, max_eq, max_pd, max_mr, max_srq, max_gid;
    /* Context caches: entries held on the device. */
    uint32_t qpc_cache_entries, mrc_cache_entries;
    /* Virtual time one control command takes, and per page of an MR. */
    uint32_t cqp_cmd_ns, cqp_page_ns;
    /* Fault injection on transmit (egress/fault.c): rates in parts per million. */
    uint64_t fault_seed;
    uint32_t fault_drop_ppm, fault_corrupt_ppm, fault_dup_ppm, fault_reorder_ppm;
    uint32_t fault_burst;       /* frames one drop takes in a row; 0, 1: one */
    uint64_t fault_delay_ns;    /* every frame is held this long */
    uint32_t fault_ce_ppm;      /* ECN-capable frames marked CE */
    /* Context caches: ways per set (0: fully associative), replacement. */
    uint32_t ctx_cache_ways;
    uint32_t ctx_cache_policy;  /* RDO_CACHE_LRU, RDO_CACHE_FIFO */
    /* SR-IOV: virtual functions the PF offers (0: no SR-IOV capability). */
    uint32_t sriov_max_vfs;
    /* Host cache line: every DMA is cut at its boundaries (timing/dma.c). */
    uint32_t cache_line;
    /* Buffered receive (xport/bufrecv.c): bytes of SENDs held for RC QPs
     * with no receive posted; 0: off, RNR NAK as before. */
    uint32_t bufrecv_bytes;
    /* Protocol-engine failover (state/failover.c): hard state kept
     * recoverable (write-backs), requester PSNs per write-back, cycles of
     * an engine's reset; seeded engine faults per frame sent. */
    uint32_t failover, failover_wb_batch, failover_reset_cycles;
    /* Protocol engines QPs are bound to (one fails over alone), and the
     * cycles an engine spends on one write-back. */
    uint32_t engines, failover_wb_cycles;
    uint32_t move_qp_cycles;
    uint32_t fault_engine_ppm;
    /* Timing model (timing/, docs/timing-model.md); off: no virtual time. */
    RdoTimingConfig tm;
    RdoCcConfig cc;
} RdoConfig;

#define RDO_FAULT_BURST_MAX     1024
#define RDO_FAULT_DELAY_MAX_NS  1000000000ull   /* 1 s */

/* Defaults for the configuration (the QEMU properties use these too). */
#define RDO_DEFAULT_MAX_QP          1024
#define RDO_DEFAULT_MAX_CQ          1024
#define RDO_DEFAULT_MAX_PD          1024
#define RDO_DEFAULT_MAX_MR          4096
#define RDO_DEFAULT_MAX_SRQ         256
#define RDO_DEFAULT_MAX_GID         16
#define RDO_DEFAULT_QPC_CACHE       64
#define RDO_DEFAULT_MRC_CACHE       128
#define RDO_DEFAULT_CQP_CMD_NS      1000
#define RDO_DEFAULT_CQP_PAGE_NS     10
#define RDO_LIMIT_MAX               (1u << 20)
#define RDO_DEFAULT_CACHE_LINE      64
#define RDO_BUFRECV_MAX_BYTES       (16u << 20)
/* Timing model defaults (docs/timing-model.md says where each comes from). */
#define RDO_DEFAULT_CLOCK_MHZ       1000
#define RDO_DEFAULT_BYTES_PER_CYCLE 64
#define RDO_DEFAULT_LINK_GBPS       100
#define RDO_DEFAULT_LINK_LATENCY_NS 200
#define RDO_DEFAULT_PCIE_GEN        4
#define RDO_DEFAULT_PCIE_LANES      16
#define RDO_DEFAULT_PCIE_MPS        256
#define RDO_DEFAULT_PCIE_TLP_OVERHEAD 24
#define RDO_DEFAULT_PCIE_LATENCY_NS 600
#define RDO_DEFAULT_TX_FIFO_BYTES   (64u << 10)
#define RDO_DEFAULT_TX_FIFO_REFILL_BYTES (32u << 10)
#define RDO_DEFAULT_RX_FIFO_FRAMES  4096
#define RDO_DEFAULT_LOOKAHEAD       8
#define RDO_DEFAULT_WR_LOG          1024
#define RDO_DEFAULT_BUS_ARB         RDO_BUS_ARB_RR
#define RDO_DEFAULT_BUS_FLOW_QUEUES 32
#define RDO_DEFAULT_BUS_CLASS_WEIGHTS 0x11111111u
/* Stage cycles (RdoStageCycles order). */
#define RDO_DEFAULT_CYC_DOORBELL    8
#define RDO_DEFAULT_CYC_PUSH        1
#define RDO_DEFAULT_CYC_SCHED       4
#define RDO_DEFAULT_CYC_CTX_LOOKUP  2
#define RDO_DEFAULT_CYC_WQE_PARSE   8
#define RDO_DEFAULT_CYC_TX_ISSUE    4
#define RDO_DEFAULT_CYC_HDR_BUILD   4
#define RDO_DEFAULT_CYC_RX_PARSE    6
#define RDO_DEFAULT_CYC_RX_RESP     4
#define RDO_DEFAULT_CYC_CQE         4
#define RDO_DEFAULT_CYC_EQE         4
#define RDO_DEFAULT_CYC_IRQ         8
#define RDO_DEFAULT_CYC_CM          500

/* Congestion control defaults (docs/timing-model.md says where from). */
#define RDO_DEFAULT_CNP_INTERVAL_US 50
#define RDO_DEFAULT_CNP_DSCP        48
#define RDO_DEFAULT_DCQCN_G_SHIFT   8
#define RDO_DEFAULT_DCQCN_ALPHA_US  55
#define RDO_DEFAULT_DCQCN_TIMER_US  55
#define RDO_DEFAULT_DCQCN_BYTES     10000000
#define RDO_DEFAULT_DCQCN_F         5
#define RDO_DEFAULT_DCQCN_AI_MBPS   40
#define RDO_DEFAULT_DCQCN_HAI_MBPS  400
#define RDO_DEFAULT_DCQCN_MIN_MBPS  10
#define RDO_DEFAULT_DCQCN_REDUCE_US 4

#define RDO_LINK_GBPS_MIN           1
#define RDO_LINK_GBPS_MAX           1600

/*
 * Every numeric device parameter, once: X(property name, RdoConfig field,
 * U32 or U64, default, minimum, maximum, flags, message or NULL,
 * description). rdo_config_defaults() and rdo_config_valid() walk it
 * (config.c, as rdo_config_params[]), the QEMU properties and their
 * descriptions are made from it (rdma-offload.c), and the unit tests check
 * the documented tables against it. A value out of range is refused with
 * the row's message, or "NAME must be between MIN and MAX" ("at most MAX"
 * when MIN is 0, "a power of two between" with RDO_PARAM_POW2). Checks
 * between parameters (max-eq against msix-vectors, ctx-cache-ways) follow
 * in rdo_config_valid().
 */
#define RDO_PARAM_TIMING    1u  /* checked only with the timing model on */
#define RDO_PARAM_POW2      2u  /* a power of two */
#define RDO_PARAM_PPM       4u  /* parts per million (the message says so) */
#define RDO_CYC_PARAM(X, name, field, def, min, desc) \
    X(name, tm.cyc.field, U32, def, min, 100000, RDO_PARAM_TIMING, NULL, desc)
#define RDO_CONFIG_PARAMS(X) \
    X("msix-vectors", msix_vectors, U32, 32, 1, RDO_MSIX_VECTORS_MAX, 0, NULL, \
      "MSI-X vectors, one per event queue") \
    X("doorbell-pages", doorbell_pages, U32, 256, 1, RDO_DOORBELL_PAGES_MAX, \
      RDO_PARAM_POW2, NULL, "4 KiB doorbell pages in BAR 2") \
    X("max-qp", max_qp, U32, RDO_DEFAULT_MAX_QP, 4, RDO_LIMIT_MAX, 0, NULL, \
      "QP numbers; the driver's context store may use fewer") \
    X("max-cq", max_cq, U32, RDO_DEFAULT_MAX_CQ, 1, RDO_LIMIT_MAX, 0, NULL, \
      "completion queues") \
    X("max-eq", max_eq, U32, 32, 1, 4 * RDO_MSIX_VECTORS_MAX, 0, \
      "max-eq must be between 1 and 4 x msix-vectors", \
      "event queues, EQ 0 included (at most 4 x msix-vectors)") \
    X("max-pd", max_pd, U32, RDO_DEFAULT_MAX_PD, 1, RDO_LIMIT_MAX, 0, NULL, \
      "protection domains") \
    X("max-mr", max_mr, U32, RDO_DEFAULT_MAX_MR, 1, RDO_LIMIT_MAX, 0, NULL, \
      "memory regions") \
    X("max-srq", max_srq, U32, RDO_DEFAULT_MAX_SRQ, 0, RDO_LIMIT_MAX, 0, NULL, \
      "shared receive queues") \
    X("max-gid", max_gid, U32, RDO_DEFAULT_MAX_GID, 1, 256, 0, NULL, \
      "GID table entries") \
    X("qpc-cache-entries", qpc_cache_entries, U32, RDO_DEFAULT_QPC_CACHE, 2, \
      65536, 0, NULL, "QP contexts cached on the device") \
    X("mrc-cache-entries", mrc_cache_entries, U32, RDO_DEFAULT_MRC_CACHE, 2, \
      65536, 0, NULL, "MR contexts cached on the device") \
    X("cqp-cmd-ns", cqp_cmd_ns, U32, RDO_DEFAULT_CQP_CMD_NS, 0, UINT32_MAX, 0, \
      NULL, "virtual time one control command takes") \
    X("cqp-page-ns", cqp_page_ns, U32, RDO_DEFAULT_CQP_PAGE_NS, 0, UINT32_MAX, 0, \
      NULL, "extra virtual time per page of a memory registration") \
    X("fault-seed", fault_seed, U64, 0, 0, UINT64_MAX, 0, NULL, \
      "seed of the fault injection: the same seed and traffic give the " \
      "same faults") \
    X("fault-drop-ppm", fault_drop_ppm, U32, 0, 0, 1000000, RDO_PARAM_PPM, \
      NULL, "transmitted frames dropped, parts per million") \
    X("fault-corrupt-ppm", fault_corrupt_ppm, U32, 0, 0, 1000000, \
      RDO_PARAM_PPM, NULL, "transmitted frames with one bit flipped past " \
      "the Ethernet header, parts per million") \
    X("fault-dup-ppm", fault_dup_ppm, U32, 0, 0, 1000000, RDO_PARAM_PPM, \
      NULL, "transmitted frames sent twice, parts per million") \
    X("fault-reorder-ppm", fault_reorder_ppm, U32, 0, 0, 1000000, \
      RDO_PARAM_PPM, NULL, "transmitted frames swapped with the next one, " \
      "parts per million") \
    X("fault-burst", fault_burst, U32, 0, 0, RDO_FAULT_BURST_MAX, 0, NULL, \
      "frames each injected drop takes in a row (0 or 1: one)") \
    X("fault-delay-ns", fault_delay_ns, U64, 0, 0, RDO_FAULT_DELAY_MAX_NS, 0, \
      "fault-delay-ns must be at most 1000000000 (1 s)", \
      "virtual time every transmitted frame is held") \
    X("fault-ce-ppm", fault_ce_ppm, U32, 0, 0, 1000000, RDO_PARAM_PPM, NULL, \
      "transmitted ECN-capable frames marked Congestion Experienced, as a " \
      "congested switch would, parts per million") \
    X("ecn", cc.ecn, U32, 1, 0, 1, 0, "ecn must be on (1) or off (0)", \
      "congestion control: RoCE packets sent ECN-capable (ECT(0)), CE-marked " \
      "ones answered with CNPs (notification point)") \
    X("cnp-interval-us", cc.cnp_interval_us, U32, RDO_DEFAULT_CNP_INTERVAL_US, \
      0, 1000000, 0, NULL, "congestion control: per QP at most one CNP sent " \
      "in this time (0: one per CE-marked packet)") \
    X("cnp-dscp", cc.cnp_dscp, U32, RDO_DEFAULT_CNP_DSCP, 0, 63, 0, NULL, \
      "congestion control: DSCP of the CNPs sent") \
    X("dcqcn", cc.dcqcn, U32, 1, 0, 1, 0, "dcqcn must be on (1) or off (0)", \
      "congestion control: DCQCN reaction point, a per-QP rate limiter that " \
      "CNPs slow down (off: CNPs counted and ignored)") \
    X("dcqcn-g-shift", cc.g_shift, U32, RDO_DEFAULT_DCQCN_G_SHIFT, 1, 16, 0, \
      NULL, "DCQCN: alpha gain g = 1/2^n") \
    X("dcqcn-alpha-us", cc.alpha_us, U32, RDO_DEFAULT_DCQCN_ALPHA_US, 1, \
      1000000, 0, NULL, "DCQCN: alpha decays each period without a CNP (K)") \
    X("dcqcn-timer-us", cc.timer_us, U32, RDO_DEFAULT_DCQCN_TIMER_US, 1, \
      1000000, 0, NULL, "DCQCN: rate increase timer (T)") \
    X("dcqcn-byte-counter", cc.byte_counter, U32, RDO_DEFAULT_DCQCN_BYTES, \
      1024, UINT32_MAX, 0, NULL, "DCQCN: rate increase every this many bytes " \
      "sent (B)") \
    X("dcqcn-f", cc.f, U32, RDO_DEFAULT_DCQCN_F, 1, 255, 0, NULL, \
      "DCQCN: fast recovery steps before additive increase (F)") \
    X("dcqcn-ai-mbps", cc.ai_mbps, U32, RDO_DEFAULT_DCQCN_AI_MBPS, 1, 100000, \
      0, NULL, "DCQCN: additive increase of the target rate, Mbit/s") \
    X("dcqcn-hai-mbps", cc.hai_mbps, U32, RDO_DEFAULT_DCQCN_HAI_MBPS, 1, \
      1000000, 0, NULL, "DCQCN: hyper increase of the target rate, Mbit/s") \
    X("dcqcn-min-rate-mbps", cc.min_mbps, U32, RDO_DEFAULT_DCQCN_MIN_MBPS, 1, \
      1000, 0, NULL, "DCQCN: the lowest rate a QP is slowed to, Mbit/s") \
    X("dcqcn-reduce-period-us", cc.reduce_us, U32, \
      RDO_DEFAULT_DCQCN_REDUCE_US, 0, 1000000, 0, NULL, "DCQCN: per QP at " \
      "most one rate decrease in this time; CNPs within it are counted " \
      "and change nothing (0: every CNP decreases)") \
    X("failover", failover, U32, 0, 0, 1, 0, \
      "failover must be on (1) or off (0)", \
      "protocol-engine failover: keep the hard state recoverable from host " \
      "memory (write-backs at commit points, costed on the bus) so that an " \
      "engine fault is recovered instead of catastrophic") \
    X("failover-wb-batch", failover_wb_batch, U32, 16, 1, 4096, 0, NULL, \
      "failover: request PSNs a QP sends between write-backs of its " \
      "transport state") \
    X("failover-reset-cycles", failover_reset_cycles, U32, 2000, 0, 1000000, \
      RDO_PARAM_TIMING, NULL, "timing: cycles a faulted engine takes to " \
      "reset before it reloads the hard state") \
    X("engines", engines, U32, 1, 1, RDO_ENGINES_MAX, 0, NULL, \
      "protocol engines: QPs are bound to one round robin at creation; a " \
      "fault of one moves its QPs to the next, the others run on") \
    X("failover-wb-cycles", failover_wb_cycles, U32, 8, 0, 10000, \
      RDO_PARAM_TIMING, NULL, "timing: cycles an engine spends writing " \
      "back a QP's hard state at a commit point (failover=1)") \
    X("move-qp-cycles", move_qp_cycles, U32, 3000, 0, 1000000, \
      RDO_PARAM_TIMING, NULL, "timing: cycles a MOVE_QP command takes " \
      "(the connection's contexts handed from one function to another)") \
    X("fault-engine-ppm", fault_engine_ppm, U32, 0, 0, 1000000, \
      RDO_PARAM_PPM, NULL, "protocol-engine faults injected, per frame " \
      "sent, parts per million (seeded by fault-seed)") \
    X("ports", ports, U32, 1, 1, RDO_PORTS_MAX, 0, NULL, \
      "physical ports (1 or 2); port 2 has its own netdev (netdev2) and " \
      "MAC (mac2), both share the transmit and receive pipelines") \
    X("sriov-max-vfs", sriov_max_vfs, U32, 0, 0, RDO_SRIOV_MAX_VFS, 0, NULL, \
      "SR-IOV virtual functions (TotalVFs); 0: no SR-IOV capability. The " \
      "limits and context caches are split among the PF and its VFs") \
    X("cache-line", cache_line, U32, RDO_DEFAULT_CACHE_LINE, 64, 128, \
      RDO_PARAM_POW2, "cache-line must be 64 or 128", \
      "host cache line in bytes: every DMA is cut at its boundaries (a " \
      "head piece, whole lines, a tail piece)") \
    X("bufrecv-bytes", bufrecv_bytes, U32, 0, 0, RDO_BUFRECV_MAX_BYTES, 0, \
      NULL, "buffered receive: bytes of SENDs the device holds for RC QPs " \
      "with no receive posted, placed when one is (0: off, RNR NAK)") \
    X("ctx-cache-ways", ctx_cache_ways, U32, 0, 0, 65536, 0, NULL, \
      "context caches: ways per set (0: fully associative); must divide " \
      "qpc-cache-entries and mrc-cache-entries") \
    X("ctx-cache-policy", ctx_cache_policy, U32, RDO_CACHE_LRU, 0, \
      RDO_CACHE_FIFO, 0, "ctx-cache-policy must be lru or fifo", \
      "context caches: replacement, 0 LRU, 1 FIFO") \
    X("clock-mhz", tm.clock_mhz, U32, RDO_DEFAULT_CLOCK_MHZ, 1, 10000, \
      RDO_PARAM_TIMING, NULL, "timing: device clock in MHz") \
    X("bytes-per-cycle", tm.bytes_per_cycle, U32, RDO_DEFAULT_BYTES_PER_CYCLE, \
      1, 4096, RDO_PARAM_TIMING, NULL, "timing: datapath width in bytes") \
    X("link-gbps", tm.link_gbps, U32, RDO_DEFAULT_LINK_GBPS, RDO_LINK_GBPS_MIN, \
      RDO_LINK_GBPS_MAX, RDO_PARAM_TIMING, NULL, \
      "port speed in Gbit/s (QUERY_PORT reports it; timing: the link's rate)") \
    X("link-latency-ns", tm.link_latency_ns, U32, RDO_DEFAULT_LINK_LATENCY_NS, \
      0, 1000000, RDO_PARAM_TIMING, NULL, "timing: link latency") \
    X("pcie-gen", tm.pcie_gen, U32, RDO_DEFAULT_PCIE_GEN, 1, 5, \
      RDO_PARAM_TIMING, NULL, "timing: PCIe generation") \
    X("pcie-lanes", tm.pcie_lanes, U32, RDO_DEFAULT_PCIE_LANES, 1, 32, \
      RDO_PARAM_TIMING | RDO_PARAM_POW2, \
      "pcie-lanes must be 1, 2, 4, 8, 16 or 32", "timing: PCIe lanes") \
    X("pcie-mps", tm.pcie_mps, U32, RDO_DEFAULT_PCIE_MPS, 128, 4096, \
      RDO_PARAM_TIMING | RDO_PARAM_POW2, NULL, \
      "timing: PCIe max payload size in bytes") \
    X("pcie-tlp-overhead", tm.pcie_tlp_overhead, U32, \
      RDO_DEFAULT_PCIE_TLP_OVERHEAD, 0, 64, RDO_PARAM_TIMING, NULL, \
      "timing: bytes of a TLP besides its payload") \
    X("pcie-latency-ns", tm.pcie_latency_ns, U32, RDO_DEFAULT_PCIE_LATENCY_NS, \
      0, 100000, RDO_PARAM_TIMING, NULL, "timing: DMA read round trip") \
    X("tx-fifo-bytes", tm.tx_fifo_bytes, U32, RDO_DEFAULT_TX_FIFO_BYTES, 2048, \
      64u << 20, RDO_PARAM_TIMING, NULL, "timing: egress buffer") \
    X("tx-fifo-refill-bytes", tm.tx_fifo_refill_bytes, U32, \
      RDO_DEFAULT_TX_FIFO_REFILL_BYTES, 0, 64u << 20, RDO_PARAM_TIMING, NULL, \
      "timing: a full egress buffer resumes with this much room " \
      "(0: a frame at a time)") \
    X("rx-fifo-frames", tm.rx_fifo_frames, U32, RDO_DEFAULT_RX_FIFO_FRAMES, 1, \
      1000000, RDO_PARAM_TIMING, NULL, "timing: receive buffer in frames") \
    X("lookahead", tm.lookahead, U32, RDO_DEFAULT_LOOKAHEAD, 0, 256, \
      RDO_PARAM_TIMING, NULL, \
      "timing: scheduler look-ahead window in work items (0: in order)") \
    X("wr-log", tm.wr_log, U32, RDO_DEFAULT_WR_LOG, 0, 1000000, \
      RDO_PARAM_TIMING, NULL, "how many work-request lifecycle records the " \
      "timing model keeps for wr-lifecycle (0: none)") \
    X("bus-arbitration", tm.bus_arb, U32, RDO_DEFAULT_BUS_ARB, 0, \
      RDO_BUS_ARB_WEIGHTED, RDO_PARAM_TIMING, \
      "bus-arbitration must be kind (0), fifo (1), rr (2) or weighted (3)", \
      "timing model: how the PCIe queues share the bus: 0 round-robin per " \
      "TLP between kinds of DMA (one payload queue), 1 FIFO in order of " \
      "readiness, 2 round-robin with a payload queue per application flow, " \
      "3 the same weighted by flow class (bus-class-weights)") \
    X("bus-flow-queues", tm.bus_flow_queues, U32, RDO_DEFAULT_BUS_FLOW_QUEUES, \
      1, RDO_BUS_FLOWQ_MAX, RDO_PARAM_TIMING, NULL, \
      "timing model: payload queues per application flow (rr, weighted); " \
      "with more than 8 the flow classes 1-8 have one each and QPs of " \
      "class 0 hash onto the rest") \
    X("bus-class-weights", tm.bus_class_weights, U32, \
      RDO_DEFAULT_BUS_CLASS_WEIGHTS, RDO_DEFAULT_BUS_CLASS_WEIGHTS, \
      UINT32_MAX, RDO_PARAM_TIMING, NULL, \
      "timing model: bus-arbitration=weighted: TLPs per round of flow " \
      "class c (1-8) in hex digit c - 1 (lowest first), each 1-15") \
    RDO_CYC_PARAM(X, "cycles-doorbell", doorbell, RDO_DEFAULT_CYC_DOORBELL, 0, \
                  "timing: cycles to decode a doorbell") \
    RDO_CYC_PARAM(X, "cycles-push", push, RDO_DEFAULT_CYC_PUSH, 0, \
                  "timing: cycles per 64 bytes of pushed WQE") \
    RDO_CYC_PARAM(X, "cycles-sched", sched, RDO_DEFAULT_CYC_SCHED, 1, \
                  "timing: cycles to pick a work item") \
    RDO_CYC_PARAM(X, "cycles-ctx-lookup", ctx_lookup, RDO_DEFAULT_CYC_CTX_LOOKUP, \
                  0, "timing: cycles of a context-cache lookup") \
    RDO_CYC_PARAM(X, "cycles-wqe-parse", wqe_parse, RDO_DEFAULT_CYC_WQE_PARSE, 0, \
                  "timing: cycles to check a WQE") \
    RDO_CYC_PARAM(X, "cycles-tx-issue", tx_issue, RDO_DEFAULT_CYC_TX_ISSUE, 0, \
                  "timing: cycles to issue a packet") \
    RDO_CYC_PARAM(X, "cycles-hdr-build", hdr_build, RDO_DEFAULT_CYC_HDR_BUILD, 0, \
                  "timing: cycles to build a packet's headers") \
    RDO_CYC_PARAM(X, "cycles-rx-parse", rx_parse, RDO_DEFAULT_CYC_RX_PARSE, 0, \
                  "timing: cycles to parse a received packet") \
    RDO_CYC_PARAM(X, "cycles-rx-resp", rx_resp, RDO_DEFAULT_CYC_RX_RESP, 0, \
                  "timing: responder/completer cycles per packet") \
    RDO_CYC_PARAM(X, "cycles-cqe", cqe, RDO_DEFAULT_CYC_CQE, 0, \
                  "timing: cycles to build a CQE") \
    RDO_CYC_PARAM(X, "cycles-eqe", eqe, RDO_DEFAULT_CYC_EQE, 0, \
                  "timing: cycles to build an EQE") \
    RDO_CYC_PARAM(X, "cycles-irq", irq, RDO_DEFAULT_CYC_IRQ, 0, \
                  "timing: cycles to send an MSI-X message") \
    RDO_CYC_PARAM(X, "cycles-cm", cm, RDO_DEFAULT_CYC_CM, 0, \
                  "timing: cycles of the offloaded CM per CM MAD it takes " \
                  "(parse, state, the answer's headers)")

/* The table as data (config.c). */
typedef struct RdoConfigParam {
    const char *name;
    size_t off;                 /* in RdoConfig */
    uint8_t size;               /* 4 or 8 */
    uint64_t def, min, max;
    uint32_t flags;             /* RDO_PARAM_* */
    const char *why;            /* NULL: made from name and range */
    const char *desc;
} RdoConfigParam;
extern const RdoConfigParam rdo_config_params[];
extern const size_t rdo_config_n_params;
/* A parameter's value in cfg, read or written through the table. */
uint64_t rdo_config_param_get(const RdoConfig *cfg, const RdoConfigParam *p);
void rdo_config_param_set(RdoConfig *cfg, const RdoConfigParam *p, uint64_t v);

void rdo_config_defaults(RdoConfig *cfg);
void rdo_timing_defaults(RdoTimingConfig *tm);

#define RDO_MSIX_VECTORS_MAX    2048
#define RDO_DOORBELL_PAGES_MAX  4096

/* Guest-visible register state; all of it returns to zero on reset. */
typedef struct RdoRegs {
    uint32_t control;
    uint32_t scratch;
    uint32_t err_count;
    uint32_t err_last;
    uint64_t err_addr;
    uint32_t db_writes;
    uint32_t irq_test_count;
    /* Control path set-up registers. */
    uint64_t cqp_ring, cqp_comp;
    uint32_t cqp_log_size;
    uint64_t eq0_ring;
    uint32_t eq0_log_size;
    uint64_t qpc_pglist, mrc_pglist;
    uint32_t qpc_pages, mrc_pages;
    uint32_t fatal_cause;       /* RDO_FATAL_*: nonzero stops the device */
    uint32_t dp_sel;            /* RDO_REG_DP_SEL */
} RdoRegs;

/* Counters readable by the driver (RDO_REG_CNT_*) and by the host. */
/*
 * 64 bits wide; the CNT_* registers show the low 32 bits, QUERY_COUNTERS
 * (ctrl/cqp-port.c) the whole value.
 */
typedef struct RdoCounters {
    uint64_t cqp_cmds, cqp_errors, mr_stalls;
    uint64_t qpc_hits, qpc_misses, mrc_hits, mrc_misses;
    uint64_t eqes, cqes, eq_overflows, db_errors;
    /* Data path. */
    uint64_t tx_packets, rx_packets, rx_icrc_errors, rx_drops;
    uint64_t retransmits, timeouts, naks_sent, naks_received, acks_sent;
    uint64_t dup_requests, rx_placements, tx_errors, eth_rx_frames, push_wqes;
    /* Ethernet function. */
    uint64_t eth_tx_frames, eth_tx_bytes, eth_tso_segments, eth_tx_csum;
    uint64_t eth_tx_errors, eth_rx_bytes, eth_rx_buffers, eth_rx_csum_ok;
    uint64_t eth_rx_csum_bad, eth_lro_segments, eth_lro_flushes;
    uint64_t eth_rx_no_buf, eth_rx_filtered, eth_rx_errors;
    /* Frames a flow-steering rule sent to its RXQ; keyed-queue buffers
     * and SGEs the MR table refused; multicast frames of a keyed TXQ a
     * rule of the sending port took back in (eth/tx.c). */
    uint64_t eth_steered, eth_key_errors, eth_raw_looped;
    /* Fault injection and the port's loopback (host-visible only). */
    uint64_t fault_drops, fault_corrupts, fault_dups, fault_reorders;
    uint64_t loopback_frames;
    /* Transport events by kind (base/report.c counts them): NAKs by
     * syndrome, duplicates seen by the requester (dup_requests counts
     * them too). */
    uint64_t seq_naks_sent, seq_naks_received;
    uint64_t rnr_naks_sent, rnr_naks_received, dup_responses;
    /*
     * Congestion control (RDO_REG_CNT_NP_* / RP_*, mlx5's names): RoCE
     * packets received CE-marked, CNPs sent, CNPs that slowed a QP, CNPs
     * ignored (DCQCN off, no such QP). Host-visible only: CE-marked
     * frames that are not RoCE, frames fault injection marked CE.
     */
    uint64_t np_ecn_marked_roce_packets, np_cnp_sent;
    uint64_t rp_cnp_handled, rp_cnp_ignored;
    uint64_t rx_ecn_ce_other, fault_ce_marks;
    /* CNPs for a live QP within its reduce period (dcqcn-reduce-period-us):
     * counted, no second decrease. */
    uint64_t rp_cnp_coalesced;
    /* SR-IOV: names of other functions' objects (keys, numbers beyond the
     * function's share) this function presented, refused. */
    uint64_t isolation;
    /* Host-memory DMAs cut at cache lines (timing/dma.c, D16): pieces
     * starting inside a line, pieces starting on a line and ending inside
     * one, whole lines, transfers. */
    uint64_t dma_head_pieces, dma_tail_pieces, dma_full_lines, dma_transfers;
    /* Buffered receive (D10): SENDs held for lack of a receive, placed
     * later, refused with an RNR NAK because the buffer was full, dropped
     * with their QP. */
    uint64_t bufrecv_held, bufrecv_placed, bufrecv_full, bufrecv_dropped;
    /*
     * Protocol-engine failover (state/failover.c, RDO_REG_FO_*): faults
     * recovered, QPs resumed by them, faults that went catastrophic,
     * frames lost with the soft state or refused during a blackout, the
     * last blackout in device cycles; hard-state write-backs and their
     * bytes (failover=1).
     */
    uint64_t fo_recoveries, fo_qps, fo_fatal, fo_drops, fo_blackout_cycles;
    uint64_t fo_writebacks, fo_wb_bytes;
    /* Inline pushes not taken (ctrl/push.c): refused (no such QP, bad
     * length or index), torn (pushes interleaved on a page); each WQE was
     * fetched from the ring instead. */
    uint64_t push_refused, push_torn;
    /* MOVE_QP (D18, RDO_REG_CNT_QP_MOVED_*): connections this function
     * handed to another, and took from another. */
    uint64_t qp_moved_out, qp_moved_in;
    /* Failover: bytes of hard state read back from the context store to
     * rebuild QPs (xport/hard.c); engine cycles spent on write-backs
     * (timing model, failover-wb-cycles each). */
    uint64_t fo_rb_bytes, fo_wb_cycles;
} RdoCounters;

/*
 * Timing model counters (RDO_REG_TM_* and the QOM property
 * timing-counters); all zero with the timing model off. Cycles are device
 * clock cycles.
 */
typedef struct RdoTimingCounters {
    uint64_t cycles;            /* device cycles since reset (virtual time) */
    uint64_t tx_busy_cycles;    /* transmit engine (scheduler, requester) */
    uint64_t rx_busy_cycles;    /* receive pipeline */
    uint64_t link_busy_cycles;  /* link transmitting */
    uint64_t link_frames, link_bytes;   /* bytes on the wire, all overheads */
    uint64_t pcie_up_bytes;     /* device to host: writes, read requests */
    uint64_t pcie_down_bytes;   /* host to device: read completions */
    uint64_t pcie_tlps;
    uint64_t dma_split_pieces;  /* TLPs cut at a cache line (D16) */
    uint64_t ctx_fetches;       /* demand misses that fetched a context */
    uint64_t ctx_prefetches;    /* fetched ahead by the look-ahead */
    uint64_t ctx_wait_cycles;   /* engines waiting for a context */
    uint64_t wqe_fetches;       /* WQE fetch DMAs after doorbells */
    uint64_t sched_visits;      /* work items the scheduler served */
    uint64_t sched_reordered;   /* served ahead of the head (look-ahead) */
    uint64_t sched_grouped;     /* doorbells merged into another's visit */
    uint64_t irqs;              /* MSI-X messages */
    uint64_t wr_done;           /* work requests completed (lifecycle) */
    uint64_t wr_cycles;         /* their doorbell-to-CQE cycles, summed */
    uint64_t wr_cycles_max;
    uint64_t rx_fifo_max;       /* most frames waiting to be received */
    uint64_t rx_fifo_drops;     /* frames dropped: receive FIFO full */
    uint64_t bus_wait_cycles;   /* DMA requests waiting for the bus */
} RdoTimingCounters;

/* One stage's span of work (RdoHostOps.stage), times in picoseconds. */
typedef enum RdoStage {
    RDO_STAGE_DOORBELL, RDO_STAGE_WQE_FETCH, RDO_STAGE_CTX_FETCH,
    RDO_STAGE_SCHED, RDO_STAGE_TX_BUILD, RDO_STAGE_LINK, RDO_STAGE_RX,
    RDO_STAGE_DMA_READ, RDO_STAGE_DMA_WRITE, RDO_STAGE_IRQ,
    RDO_STAGE__COUNT
} RdoStage;

typedef struct RdoStageSpan {
    RdoStage stage;
    uint32_t qpn;               /* RDO_NONE (UINT32_MAX) if not one QP's */
    uint32_t bytes;
    uint64_t start_ps, end_ps;
} RdoStageSpan;

const char *rdo_stage_name(RdoStage stage);

/*
 * The life of one work request, in picoseconds of virtual time: doorbell
 * (or push), WQE in the device, scheduled, context ready, first packet on
 * the link, last packet off it, acknowledged, CQE written.
 */
typedef struct RdoWrLife {
    uint32_t qpn, wqe_index;
    uint64_t wr_id;
    uint32_t msg_len;
    uint8_t opcode;             /* enum rdo_wr_opcode */
    bool pushed;
    uint64_t db_ps, wqe_ps, sched_ps, ctx_ps;
    uint64_t tx_first_ps, tx_last_ps, ack_ps, cqe_ps;
} RdoWrLife;

typedef struct RdoState RdoState;   /* control-path state, rdo-internal.h */
typedef struct RdoSriov RdoSriov;   /* the PF's functions, rdo-internal.h */

typedef struct RdoCore {
    const RdoHostOps *ops;
    void *host;
    /* SR-IOV: this function's number (0: the PF, n: VF n) and the
     * adapter's functions (the PF's; NULL without SR-IOV). */
    uint32_t fn;
    RdoSriov *sriov;
    RdoConfig cfg;
    RdoRegs regs;
    RdoCounters cnt;
    RdoTimingCounters tcnt;
    bool link_up;
    bool link2_up;              /* port 2's (ports = 2) */
    uint64_t rx_frames_ignored;
    /* Spans go to ops->stage (rdo_spans_poll): several a frame, each a call
     * that a host with no trace listening would ignore. */
    bool spans_on;
    bool spans_host;            /* a stage hook and the timing model */
    /* The last doorbell write, if it took a new SQ producer index: its
     * QP's WQEs posted before it and not yet completed (0 otherwise). A
     * host may send a busy queue's work at once (x-doorbell-inline=auto). */
    uint32_t db_sq_outstanding;
    RdoState *st;
} RdoCore;

/* Brings RdoCore.tcnt up to date (before the host reads it). */
void rdo_tm_sync(RdoCore *core);

/*
 * The lifecycle records kept (RdoTimingConfig.wr_log), oldest first, each
 * with its *_ps times in device cycles instead (0 stays 0: not reached);
 * returns how many work requests completed since reset, kept or not.
 */
typedef void (*RdoWrLogFn)(void *opaque, const RdoWrLife *life);
uint64_t rdo_tm_wr_log(RdoCore *core, RdoWrLogFn fn, void *opaque);

/*
 * Zeroed memory for large tables (alloc/bigmem.c): blocks of 2 MiB or more
 * are huge-page-backed anonymous mappings on Linux, as QEMU's guest RAM
 * is; smaller ones, and every block elsewhere, heap memory on a cache-line
 * boundary. Free with the size allocated. The bytes mapped now (all
 * callers) are not in malloc's statistics: hosts that report the model's
 * heap add rdo_bigmem_mapped_bytes().
 */
void *rdo_bigmem_alloc0(size_t bytes);
void rdo_bigmem_free(void *p, size_t bytes);
uint64_t rdo_bigmem_mapped_bytes(void);

/* Checks a configuration; on failure returns false and sets *why. */
bool rdo_config_valid(const RdoConfig *cfg, const char **why);

void rdo_core_init(RdoCore *core, const RdoConfig *cfg,
                   const RdoHostOps *ops, void *host);
void rdo_core_destroy(RdoCore *core);
void rdo_core_reset(RdoCore *core);
/* The host calls this at the time asked for through RdoHostOps.schedule. */
void rdo_core_wakeup(RdoCore *core);
void rdo_core_set_link(RdoCore *core, bool up);
/* Port `port` (1 or 2) of a two-port device; port 1 is rdo_core_set_link. */
void rdo_core_set_port_link(RdoCore *core, unsigned port, bool up);

/*
 * SR-IOV virtual functions (core.c, docs/programming-model.md "Virtual
 * functions"). Each VF is a core of its own, with its own host (DMA as the
 * VF, its MSI-X vectors, its wake-ups); the PF's core holds the partition
 * and the switch between the functions and the port. rdo_vf_init makes
 * VF `n` (1..sriov-max-vfs) of `pf`, disabled; rdo_vf_enable(true) gives
 * it its current share, resets it and attaches it to the switch (at VF
 * Enable), false detaches and resets it. rdo_core_reset of a VF is its
 * function-level reset: its objects go, its share stays.
 */
void rdo_vf_init(RdoCore *vf, RdoCore *pf, uint32_t n,
                 const RdoHostOps *ops, void *host);
void rdo_vf_enable(RdoCore *vf, bool on);
void rdo_vf_destroy(RdoCore *vf);

/* BAR0 register file (regs.c). */
uint64_t rdo_core_reg_read(RdoCore *core, uint64_t offset, unsigned size);
void rdo_core_reg_write(RdoCore *core, uint64_t offset, uint64_t value,
                        unsigned size);

/* BAR2 doorbell pages (ctrl/doorbell.c). */
uint64_t rdo_core_db_read(RdoCore *core, uint64_t offset, unsigned size);
void rdo_core_db_write(RdoCore *core, uint64_t offset, uint64_t value,
                       unsigned size);

/*
 * The device's hard state (state/, docs/architecture.md "Hard and soft
 * state"): a versioned stream of every object and all protocol state.
 * rdo_core_save returns it g_malloc'd; rdo_core_load resets the core and
 * takes a stream whole or, refusing it, leaves the core reset and says why
 * (*why g_malloc'd). The two cores must have the same configuration.
 */
/* 2: 64-bit counters, kernel PDs, QP types and incarnations, windows
 * bound per MR, multicast groups. 3: a responder resource says whether
 * its READ was answered whole. */
#define RDO_STATE_VERSION 3
uint8_t *rdo_core_save(RdoCore *core, size_t *len);
bool rdo_core_load(RdoCore *core, const uint8_t *buf, size_t len, char **why);

/*
 * A fault of the protocol engine (host-injected; the driver's FO_INJECT
 * register and the seeded fault injection come here too): with
 * failover=1 the device recovers its hard state and resumes (EQE 0x21),
 * otherwise, or if the state cannot be recovered, it goes catastrophic
 * (RDO_FATAL_ENGINE). `engine`: which of several (`engines`) faults, only
 * its QPs are touched; with one engine it is the whole engine's.
 * docs/programming-model.md "Engine failover".
 */
RDO_COLD void rdo_core_engine_fault(RdoCore *core, uint32_t engine,
                                    const char *why);

/* A frame from the wire (Ethernet header on, no FCS). */
void rdo_core_receive(RdoCore *core, const void *frame, size_t len);
/* The same from port `port` (1 or 2); port 1 is rdo_core_receive. */
void rdo_core_receive_port(RdoCore *core, unsigned port, const void *frame,
                           size_t len);

/* Records a driver mistake of class `cls` about object `obj` in the error
 * registers (if its class has a register-level error) and tells the host. */
RDO_COLD void rdo_guest_error(RdoCore *core, enum rdo_guest_err cls,
                              uint32_t obj, uint64_t addr, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

const char *rdo_err_name(enum rdo_err err);

/*
 * The catastrophic state (base/fatal.c): the device stops all work until a reset,
 * tells the driver through STATUS, EQ 0 and MSI-X vector 0. `guest_fault`
 * also logs it as a driver mistake. The first cause stays.
 */
RDO_COLD void rdo_core_fatal(RdoCore *core, enum rdo_fatal_cause cause,
                             bool guest_fault, const char *what);
static inline bool rdo_core_is_fatal(const RdoCore *core)
{
    return core->regs.fatal_cause != RDO_FATAL_NONE;
}

#endif /* RDO_CORE_H */
