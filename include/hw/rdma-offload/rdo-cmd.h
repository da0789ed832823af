/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * rdma-offload hardware interface: the control QP (CQP). Commands are
 * 128-byte entries in a ring in guest memory; each produces one 16-byte
 * completion in the CQP completion ring and, on request, an event on EQ 0.
 */
#ifndef RDO_CMD_H
#define RDO_CMD_H

#include "rdo-types.h"
#include "rdo-queues.h"

#define RDO_CQP_CMD_SIZE            128
#define RDO_CQP_COMP_SIZE           16
#define RDO_CQP_LOG_SIZE_MIN        1
#define RDO_CQP_LOG_SIZE_MAX        12

enum rdo_cqp_opcode {
    RDO_CMD_NOP                 = 0x00,
    RDO_CMD_QUERY_DEVICE        = 0x01, /* writes rdo_device_attr to out_addr */
    RDO_CMD_QUERY_PORT          = 0x02, /* writes rdo_port_attr to out_addr */
    RDO_CMD_SET_PORT            = 0x03,
    RDO_CMD_SET_GID             = 0x04,
    RDO_CMD_CREATE_EQ           = 0x10,
    RDO_CMD_DESTROY_EQ          = 0x11,
    RDO_CMD_CREATE_CQ           = 0x12,
    RDO_CMD_DESTROY_CQ          = 0x13,
    RDO_CMD_MODIFY_CQ           = 0x14, /* interrupt moderation after creation */
    RDO_CMD_RESIZE_CQ           = 0x15, /* a new ring; result = old ring's end */
    RDO_CMD_CREATE_PD           = 0x18,
    RDO_CMD_DESTROY_PD          = 0x19,
    RDO_CMD_CREATE_QP           = 0x20,
    RDO_CMD_MODIFY_QP           = 0x21,
    RDO_CMD_QUERY_QP            = 0x22, /* writes rdo_qp_attr to out_addr */
    RDO_CMD_DESTROY_QP          = 0x23,
    RDO_CMD_CREATE_SRQ          = 0x28,
    RDO_CMD_DESTROY_SRQ         = 0x29,
    RDO_CMD_MODIFY_SRQ          = 0x2a, /* arm (or disarm) the SRQ limit */
    RDO_CMD_REG_MR              = 0x30,
    RDO_CMD_DEREG_MR            = 0x31,
    RDO_CMD_ALLOC_MR            = 0x32, /* an empty MR for fast registration */
    RDO_CMD_ALLOC_MW            = 0x33, /* a memory window (type 1 or 2) */
    RDO_CMD_DEALLOC_MW          = 0x34,
    RDO_CMD_REREG_MR            = 0x35, /* new translation, PD or rights of an MR */
    RDO_CMD_CREATE_ETH_TXQ      = 0x38, /* Ethernet function (rdo-eth.h) */
    RDO_CMD_DESTROY_ETH_TXQ     = 0x39,
    RDO_CMD_CREATE_ETH_RXQ      = 0x3a,
    RDO_CMD_DESTROY_ETH_RXQ     = 0x3b,
    RDO_CMD_ATTACH_MCAST        = 0x40, /* a UD QP joins a multicast group */
    RDO_CMD_DETACH_MCAST        = 0x41,
    RDO_CMD_QUERY_COUNTERS      = 0x42, /* writes rdo_port_counters (and more) to out_addr */
    RDO_CMD_SRQ_PARTIAL         = 0x43, /* an SRQ's buffers shared by messages */
    RDO_CMD_CREATE_FLOW_RULE    = 0x44, /* obj = RXQ; result = rule number */
    RDO_CMD_DESTROY_FLOW_RULE   = 0x45, /* obj = rule number */
    RDO_CMD_SET_VF_RESOURCES    = 0x48, /* PF only: a VF's share of the device */
    RDO_CMD_QUERY_VF_RESOURCES  = 0x49, /* writes a function's rdo_vf_resources */
    RDO_CMD_MOVE_QP             = 0x4a, /* PF only: an RC connection to another function */
    RDO_CMD_CM_LISTEN           = 0x50, /* offloaded CM: a listener (rdo_cmd_cm_listen) */
    RDO_CMD_CM_UNLISTEN         = 0x51,
    RDO_CMD_CM_POOL_ADD         = 0x52, /* a prepared RC QP into a listener's pool */
    RDO_CMD_CM_POOL_REMOVE      = 0x53, /* an idle QP out of the pool */
    RDO_CMD_CM_CONNECT          = 0x54, /* the device connects a QP (REQ/REP/RTU) */
    RDO_CMD_CM_DISCONNECT       = 0x55, /* DREQ for an established connection */
    RDO_CMD_CM_QUERY            = 0x56, /* writes rdo_cm_counters to out_addr */
    RDO_CMD__COUNT
};

/* rdo_cqp_cmd.flags */
#define RDO_CQP_F_EVENT             RDO_BIT(0)  /* RDO_EQE_CQP_DONE on EQ 0 */

/* Completion status of a command (rdo_cqp_comp.status). */
enum rdo_cqp_status {
    RDO_CQP_OK                  = 0,
    RDO_CQP_BAD_OPCODE          = 1,    /* unknown command */
    RDO_CQP_BAD_INDEX           = 2,    /* object number beyond the device's limit */
    RDO_CQP_EXISTS              = 3,    /* create of an object number in use */
    RDO_CQP_NOT_FOUND           = 4,    /* object (or one it names) does not exist */
    RDO_CQP_BAD_PARAM           = 5,    /* a size, flag or field out of range */
    RDO_CQP_BAD_STATE           = 6,    /* illegal QP state transition */
    RDO_CQP_DMA_ERROR           = 7,    /* guest memory it names not reachable */
    RDO_CQP_IN_USE              = 8,    /* destroy of an object others still use */
    RDO_CQP_BAD_RESERVED        = 9,    /* reserved field or flag not zero */
    RDO_CQP_NOT_PERMITTED       = 10,   /* a PF-only command from a VF */
    RDO_CQP_NO_RESOURCES        = 11,   /* more than the device has left */
};

/* Objects the CQP creates: at most 2^24 of each (doorbell object field). */

/* RDO_CMD_CREATE_EQ: obj = EQ number (1..MAX_EQ-1; EQ 0 is set up by registers). */
struct rdo_cmd_create_eq {
    uint64_t ring_addr;
    uint8_t  log_size;          /* entries: 2^log_size, 1..RDO_QUEUE_LOG_SIZE_MAX */
    uint8_t  ring_flags;        /* RDO_RING_F_* */
    uint16_t vector;            /* MSI-X vector */
    uint32_t reserved;
};

/* RDO_CMD_CREATE_CQ: obj = CQ number. */
struct rdo_cmd_create_cq {
    uint64_t ring_addr;
    uint8_t  log_size;
    uint8_t  ring_flags;
    uint16_t db_page;           /* doorbell page allowed to arm it */
    uint32_t eqn;               /* completion events go to this EQ */
    uint16_t moderation_count;  /* event after this many CQEs (0: every one) */
    uint16_t moderation_usec;   /* or after this long (0: no timer) */
    uint32_t reserved;
};

/*
 * Interrupt moderation of a CQ (create_cq, modify_cq): a count of at most
 * the CQ's entries (a larger one could never be reached) and a period of at
 * most RDO_CQ_MOD_USEC_MAX. CREATE_CQ checks the count the same way.
 */
#define RDO_CQ_MOD_USEC_MAX         4095

static inline bool rdo_cq_moderation_ok(uint32_t log_size, uint32_t count,
                                        uint32_t usec)
{
    return log_size < 32 && count <= (1u << log_size) &&
           usec <= RDO_CQ_MOD_USEC_MAX;
}

/* RDO_CMD_MODIFY_CQ: obj = CQ number. Takes effect from the next CQE. */
struct rdo_cmd_modify_cq {
    uint16_t moderation_count;  /* as in create_cq */
    uint16_t moderation_usec;
    uint32_t reserved[3];
};

/*
 * RDO_CMD_RESIZE_CQ: obj = CQ number. When the command executes (the moment
 * its completion is written) the device stops writing the old ring and
 * writes the next CQE to entry 0 of the new one (producer and consumer
 * index 0, owner phase of a first pass). The completion's `result` is the
 * old ring's end: the free-running producer index after the last CQE the
 * device wrote there. The driver polls the old ring up to that index, then
 * the new ring from index 0; from posting the command until it has taken
 * the completion it writes no CQ doorbell (neither CI nor arm), since the
 * device would take the value as an index into the new ring. Arm and
 * moderation state carry over. The new ring must hold at least the CQEs
 * outstanding (producer minus the last consumer index the driver
 * reported), else BAD_PARAM. docs/programming-model.md "Resizing a CQ".
 */
struct rdo_cmd_resize_cq {
    uint64_t ring_addr;
    uint8_t  log_size;
    uint8_t  ring_flags;
    uint16_t reserved0;
    uint32_t reserved1;
};

/*
 * RDO_CMD_CREATE_PD: obj = PD number. DESTROY_PD: no arguments.
 * RDO_PD_F_KERNEL makes it a kernel PD: its QPs may use the reserved local
 * DMA key (RDO_LOCAL_DMA_LKEY). The device cannot tell who owns a PD; the
 * driver, which alone posts commands, sets the flag only for PDs of kernel
 * consumers, never for one created for user space.
 */
struct rdo_cmd_create_pd {
    uint32_t flags;             /* RDO_PD_F_* */
    uint32_t reserved[3];
};
#define RDO_PD_F_KERNEL             RDO_BIT(0)

/* QP types (rdo_cmd_create_qp.type). */
enum rdo_qp_type {
    RDO_QPT_RC                  = 0,
    RDO_QPT_UC                  = 1,
    RDO_QPT_UD                  = 2,
    /*
     * A shared send queue: a QP with only a send queue whose work requests
     * name (conn_qpn) one of several RC connections created with
     * RDO_QP_F_SHARED_SQ. Completions follow transmission order.
     */
    RDO_QPT_SSQ                 = 3,
    RDO_QPT__COUNT
};

/*
 * Which send work requests (enum rdo_wr_opcode) a QP of each type accepts:
 * bit o set for opcode o. The device completes any other WQE as a bad WQE
 * (LOC_QP_OP_ERR, vendor_err BAD_WQE) and moves the QP to ERR; the driver
 * and the provider refuse the post instead (EINVAL). A GSI QP (QP1) is a UD
 * QP to the device. docs/programming-model.md "Send work requests" shows
 * the same table.
 */
#define RDO_WR_MASK(op)             RDO_BIT(op)
#define RDO_WR_MASK_ALL             (RDO_BIT(RDO_WR__COUNT) - 1)
#define RDO_WR_MASK_UD              (RDO_WR_MASK(RDO_WR_SEND) |              \
                                     RDO_WR_MASK(RDO_WR_SEND_IMM) |          \
                                     RDO_WR_MASK(RDO_WR_LOCAL_INV))
#define RDO_WR_MASK_UC              (RDO_WR_MASK_UD |                        \
                                     RDO_WR_MASK(RDO_WR_RDMA_WRITE) |        \
                                     RDO_WR_MASK(RDO_WR_RDMA_WRITE_IMM) |    \
                                     RDO_WR_MASK(RDO_WR_REG_MR) |            \
                                     RDO_WR_MASK(RDO_WR_BIND_MW))

static inline uint32_t rdo_qp_wr_mask(uint32_t qp_type)
{
    switch (qp_type) {
    case RDO_QPT_RC:
    case RDO_QPT_SSQ:
        return RDO_WR_MASK_ALL;
    case RDO_QPT_UC:
        return RDO_WR_MASK_UC;
    case RDO_QPT_UD:
        return RDO_WR_MASK_UD;
    default:
        return 0;
    }
}

/* May a QP of type qp_type (enum rdo_qp_type) carry work request `opcode`? */
static inline bool rdo_qp_wr_allowed(uint32_t qp_type, uint32_t opcode)
{
    return opcode < RDO_WR__COUNT && (rdo_qp_wr_mask(qp_type) & RDO_BIT(opcode));
}

/* rdo_cmd_create_qp.flags */
#define RDO_QP_F_SHARED_SQ          RDO_BIT(0)  /* RC fed by the SSQ in ssq_qpn */
#define RDO_QP_F_SRQ                RDO_BIT(1)  /* receives from srqn, no RQ */
#define RDO_QP_F_SELECTIVE_SIGNAL   RDO_BIT(2)  /* CQE only for signaled WRs */

/*
 * The general services interface (GSI): QP 1, a UD QP that takes the
 * privileged Q_Key 0x80010000 (CM and other MADs). QP 0 (SMI) does not
 * exist on RoCE.
 */
#define RDO_GSI_QPN                 1
#define RDO_GSI_QKEY                0x80010000u
#define RDO_QKEY_PRIVILEGED         0x80000000u

/* RDO_CMD_CREATE_QP: obj = QP number (1..MAX_QP-1; 1 only as the GSI, UD). */
struct rdo_cmd_create_qp {
    uint8_t  type;              /* enum rdo_qp_type */
    uint8_t  flags;             /* RDO_QP_F_* */
    uint16_t db_page;
    uint32_t pdn;
    uint32_t send_cqn;
    uint32_t recv_cqn;
    uint32_t srqn;              /* with RDO_QP_F_SRQ */
    uint32_t ssq_qpn;           /* with RDO_QP_F_SHARED_SQ */
    uint64_t sq_addr;
    uint64_t rq_addr;
    uint8_t  sq_log_size;       /* 0 with RDO_QP_F_SHARED_SQ */
    uint8_t  sq_wqe_shift;      /* stride 2^shift bytes, 6..RDO_WQE_SHIFT_MAX */
    uint8_t  sq_ring_flags;
    uint8_t  rq_log_size;       /* 0 with RDO_QP_F_SRQ, and for SSQ */
    uint8_t  rq_wqe_shift;      /* 4..RDO_WQE_SHIFT_MAX */
    uint8_t  rq_ring_flags;
    uint16_t max_inline;
};

/* QP states (ibv_qp_state numbering). */
enum rdo_qp_state {
    RDO_QPS_RESET               = 0,
    RDO_QPS_INIT                = 1,
    RDO_QPS_RTR                 = 2,
    RDO_QPS_RTS                 = 3,
    RDO_QPS_SQD                 = 4,
    RDO_QPS_SQE                 = 5,
    RDO_QPS_ERR                 = 6,
    RDO_QPS__COUNT
};

/* rdo_cmd_modify_qp.mask: which fields to apply. */
#define RDO_QP_ATTR_ACCESS          RDO_BIT(0)
#define RDO_QP_ATTR_QKEY            RDO_BIT(1)
#define RDO_QP_ATTR_AV              RDO_BIT(2)  /* dmac, dgid, sgid_index, hop_limit, traffic_class */
#define RDO_QP_ATTR_PATH_MTU        RDO_BIT(3)
#define RDO_QP_ATTR_DEST_QPN        RDO_BIT(4)
#define RDO_QP_ATTR_RQ_PSN          RDO_BIT(5)
#define RDO_QP_ATTR_SQ_PSN          RDO_BIT(6)
#define RDO_QP_ATTR_TIMEOUT         RDO_BIT(7)
#define RDO_QP_ATTR_RETRY_CNT       RDO_BIT(8)
#define RDO_QP_ATTR_RNR_RETRY       RDO_BIT(9)
#define RDO_QP_ATTR_MIN_RNR_TIMER   RDO_BIT(10)
#define RDO_QP_ATTR_MAX_RD_ATOMIC   RDO_BIT(11)
#define RDO_QP_ATTR_MAX_DEST_RD_ATOMIC RDO_BIT(12)
#define RDO_QP_ATTR_NOTIFY_DELAY    RDO_BIT(13)
#define RDO_QP_ATTR_PORT            RDO_BIT(14) /* port (1 or 2) */
#define RDO_QP_ATTR_FLOW_CLASS      RDO_BIT(15) /* flow_class */
#define RDO_QP_ATTR__ALL            (RDO_BIT(16) - 1)

/* Remote access rights (QP access and MR access). */
#define RDO_ACCESS_LOCAL_WRITE      RDO_BIT(0)
#define RDO_ACCESS_REMOTE_WRITE     RDO_BIT(1)
#define RDO_ACCESS_REMOTE_READ      RDO_BIT(2)
#define RDO_ACCESS_REMOTE_ATOMIC    RDO_BIT(3)
#define RDO_ACCESS_MW_BIND          RDO_BIT(4)  /* MR: windows may be bound to it */
#define RDO_ACCESS__ALL             (RDO_BIT(5) - 1)
#define RDO_ACCESS_REMOTE           (RDO_ACCESS_REMOTE_WRITE |               \
                                     RDO_ACCESS_REMOTE_READ |                \
                                     RDO_ACCESS_REMOTE_ATOMIC)

/* Path MTU codes (ibv_mtu numbering): bytes = 128 << code. */
#define RDO_MTU_256                 1
#define RDO_MTU_4096                5

/* RDO_CMD_MODIFY_QP: obj = QP number. */
struct rdo_cmd_modify_qp {
    uint32_t mask;              /* RDO_QP_ATTR_* */
    uint8_t  state;             /* target state */
    uint8_t  cur_state;         /* checked if RDO_QP_MODIFY_F_CUR_STATE */
    uint8_t  modify_flags;      /* RDO_QP_MODIFY_F_* */
    uint8_t  path_mtu;          /* RDO_MTU_* */
    uint32_t dest_qpn;
    uint32_t rq_psn;            /* 24 bits */
    uint32_t sq_psn;            /* 24 bits */
    uint32_t qkey;
    uint32_t access;            /* RDO_ACCESS_* */
    uint8_t  dmac[6];
    uint8_t  sgid_index;
    uint8_t  hop_limit;
    uint8_t  dgid[16];
    uint8_t  timeout;           /* 4.096 us << timeout; 0: infinite */
    uint8_t  retry_cnt;         /* 0..7 */
    uint8_t  rnr_retry;         /* 0..7, 7 = unlimited */
    uint8_t  min_rnr_timer;     /* 0..31 (IB encoding) */
    uint8_t  max_rd_atomic;
    uint8_t  max_dest_rd_atomic;
    uint16_t notify_delay_usec; /* receive aggregation: delay of the notification */
    uint8_t  traffic_class;     /* IP DSCP (bits 7:2); the device sets ECN (1:0) */
    uint8_t  port;              /* RDO_QP_ATTR_PORT: 1 or 2 (a QP not
                                   given one is port 1's) */
    uint8_t  flow_class;        /* DMA flow class: 0 the QP's own, 1..RDO_FLOW_CLASS_MAX */
    uint8_t  reserved1;
};
#define RDO_QP_MODIFY_F_CUR_STATE   RDO_BIT(0)
/*
 * flow_class: the PCIe queue of the QP's payload DMA (docs/timing-model.md
 * "Bus arbitration"). 0: a queue of its own (QPs hashed onto the device's
 * per-QP queues); 1..8: the class's queue, shared by the QPs of the class,
 * weighted by the class's share under bus-arbitration=weighted (like the
 * eight traffic classes of ETS). Larger: BAD_PARAM.
 */
#define RDO_FLOW_CLASS_MAX          8
/*
 * The flow class the driver gives a connected QP from its service level
 * (the IB SL of the QP's address vector, RoCE's priority): SL 0 leaves the
 * QP a flow of its own; SL 1..8 are classes 1..8; SL 9..15 wrap onto 1..7.
 */
static inline uint8_t rdo_flow_class_of_sl(uint8_t sl)
{
    return sl ? (uint8_t)((sl - 1) % RDO_FLOW_CLASS_MAX + 1) : 0;
}
/* notify_delay_usec: at most this (as a CQ's moderation_usec). */
#define RDO_NOTIFY_DELAY_MAX_USEC   4095
/* traffic_class: the ECN bits, which the device owns (ignored if set). */
#define RDO_TCLASS_ECN_MASK         0x03

/* RDO_CMD_REG_MR: obj = MR index; lkey = rkey = index << 8 | key. */
struct rdo_cmd_reg_mr {
    uint64_t iova;              /* virtual address of the first byte */
    uint64_t length;
    uint64_t page_list;         /* contiguous array of 64-bit page addresses */
    uint32_t pdn;
    uint32_t num_pages;         /* entries in page_list */
    uint8_t  page_shift;        /* page size 2^shift, 12..30 */
    uint8_t  key;               /* low 8 bits of the keys */
    uint16_t access;            /* RDO_ACCESS_* */
    uint32_t reserved;
};
#define RDO_MR_KEY(index, key)      (((uint32_t)(index) << 8) | ((key) & 0xff))
/*
 * Keys name their function in bits 31:28 (0: the PF; n: VF n, which must
 * put n there), the MR index in bits 27:8: a key is unique on the adapter,
 * so a key of one function presented to another is refused, not taken for
 * one of its own MRs (docs/programming-model.md "Isolation").
 */
#define RDO_MR_KEY_FN_SHIFT         28
#define RDO_MR_KEY_FN(k)            ((uint32_t)(k) >> RDO_MR_KEY_FN_SHIFT)
#define RDO_MR_KEY_INDEX(k)         (((uint32_t)(k) >> 8) & 0xfffffu)
#define RDO_MR_FN_KEY(fn, index, key) \
    (((uint32_t)(fn) << RDO_MR_KEY_FN_SHIFT) | RDO_MR_KEY(index, key))
#define RDO_MR_PAGES_MAX            (1u << 20)

/*
 * The reserved local DMA key: guest physical (DMA) address = virtual
 * address, all of guest memory, local access (read, and write for what the
 * device writes) only, in the QPs of kernel PDs (RDO_PD_F_KERNEL). Its index
 * lies beyond any MR (max-mr is at most 2^20), so no command creates,
 * registers or invalidates it; as an rkey (WRITE, READ, atomic, SEND with
 * invalidate) it is a remote access error, in the SGE of a QP of another PD
 * a local protection error. QUERY_DEVICE reports it (local_dma_lkey).
 */
#define RDO_MR_INDEX_DMA            0xffffffu
#define RDO_LOCAL_DMA_LKEY          RDO_MR_KEY(RDO_MR_INDEX_DMA, 0)

/*
 * RDO_CMD_REREG_MR: obj = MR index of a REG_MR registration (not a
 * fast-registration MR). Changes what `mask` names: the translation
 * (iova, length, page_list, num_pages, page_shift, checked as REG_MR
 * checks them), the PD, the access rights; the rest stays. The keys
 * always become index << 8 | key (result), so a key of the old
 * registration names nothing; the MR is valid afterwards (also if a SEND
 * with invalidate had invalidated it). When the command completes the
 * device uses the new page list only: the old one (with REREG_TRANS) is
 * the driver's again. A failed command changes nothing.
 */
struct rdo_cmd_rereg_mr {
    uint64_t iova;              /* with RDO_REREG_TRANS */
    uint64_t length;            /* likewise */
    uint64_t page_list;         /* likewise */
    uint32_t pdn;               /* with RDO_REREG_PD */
    uint32_t num_pages;         /* with RDO_REREG_TRANS */
    uint8_t  page_shift;        /* likewise */
    uint8_t  key;               /* the new low 8 bits of the keys */
    uint16_t access;            /* with RDO_REREG_ACCESS */
    uint32_t mask;              /* RDO_REREG_*, at least one */
};
#define RDO_REREG_TRANS             RDO_BIT(0)
#define RDO_REREG_PD                RDO_BIT(1)
#define RDO_REREG_ACCESS            RDO_BIT(2)
#define RDO_REREG__ALL              (RDO_BIT(3) - 1)

/*
 * RDO_CMD_ALLOC_MR: obj = MR index; an MR for fast registration, allocated
 * invalid and empty. RDO_WR_REG_MR work requests (rdo-queues.h) register
 * it, LOCAL_INV and a peer's SEND with invalidate invalidate it; DEREG_MR
 * frees it. result = lkey = rkey = index << 8 | key.
 */
struct rdo_cmd_alloc_mr {
    uint32_t pdn;
    uint32_t max_pages;         /* pages a registration may name, 1..RDO_FAST_REG_PAGES_MAX */
    uint16_t max_access;        /* RDO_ACCESS_* a registration may grant */
    uint8_t  key;               /* low 8 bits of the keys until registered */
    uint8_t  reserved0;
    uint32_t reserved1;
};
#define RDO_FAST_REG_PAGES_MAX      4096    /* a 32 KiB page list */

/*
 * RDO_CMD_ATTACH_MCAST / DETACH_MCAST: obj = QP number (a UD QP). A
 * multicast GID: IPv6 ff00::/8, or IPv4-mapped ::ffff:224.0.0.0/4. While
 * at least one QP is attached to a group, the port takes RoCEv2 packets
 * to the group (destination GID the group's, destination MAC its IP
 * multicast MAC: 33:33 and the GID's last 4 bytes, or 01:00:5e and the
 * IPv4 address's low 23 bits, destination QP 0xFFFFFF) and delivers each
 * to every attached QP, as a UD receive (Q_Key checked per QP). At most
 * RDO_MCAST_GROUPS groups, RDO_MCAST_QPS_PER_GROUP QPs in each. DESTROY_QP
 * detaches the QP from every group.
 */
struct rdo_cmd_mcast {
    uint8_t  gid[16];
    uint32_t reserved[4];
};
#define RDO_MCAST_QPN               0xffffffu   /* BTH destination QP */
#define RDO_MCAST_GROUPS            64
#define RDO_MCAST_QPS_PER_GROUP     16

/* Is gid a multicast GID; if so its Ethernet multicast MAC. */
static inline bool rdo_mcast_gid_mac(const uint8_t *gid, uint8_t *mac)
{
    static const uint8_t v4[12] = { [10] = 0xff, [11] = 0xff };
    bool is_v4 = !__builtin_memcmp(gid, v4, 12);

    if (is_v4 ? (gid[12] & 0xf0) != 0xe0 : gid[0] != 0xff) {
        return false;
    }
    mac[0] = is_v4 ? 0x01 : 0x33;
    mac[1] = is_v4 ? 0x00 : 0x33;
    mac[2] = is_v4 ? 0x5e : gid[12];
    mac[3] = is_v4 ? gid[13] & 0x7f : gid[13];
    mac[4] = gid[14];
    mac[5] = gid[15];
    return true;
}

/*
 * RDO_CMD_ALLOC_MW: obj = index in the MR index space (windows and MRs
 * share it, and their keys); a memory window in PD pdn, allocated unbound.
 * RDO_WR_BIND_MW work requests (rdo-queues.h) bind it to a range of an MR
 * with RDO_ACCESS_MW_BIND. Type 1: any QP of the PD may use it; a bind
 * may replace the binding, a zero-length bind unbinds it. Type 2 (2B): only
 * the QP that bound it may use it; it must be unbound (free) to be bound,
 * LOCAL_INV or a peer's SEND with invalidate frees it. DEALLOC_MW frees
 * it, bound or not. result = rkey = index << 8 | key.
 */
struct rdo_cmd_alloc_mw {
    uint32_t pdn;
    uint8_t  type;              /* RDO_MW_TYPE_1 or RDO_MW_TYPE_2 */
    uint8_t  key;               /* low 8 bits of the key until bound */
    uint16_t reserved0;
    uint32_t reserved1[2];
};
#define RDO_MW_TYPE_1               1   /* ibv_mw_type numbering */
#define RDO_MW_TYPE_2               2
/* rdo_device_attr.mw_types */
#define RDO_DEV_MW_TYPE_1           RDO_BIT(0)
#define RDO_DEV_MW_TYPE_2B          RDO_BIT(1)

/*
 * RDO_CMD_SET_VF_RESOURCES (PF only): obj = VF number (1..TotalVFs); its
 * share of the device, taken from the PF's, while no VF is enabled. Each
 * function numbers its objects from 0 up to its share (QUERY_DEVICE and the
 * MAX_* registers show it). RDO_CMD_QUERY_VF_RESOURCES: obj = function (0:
 * the PF), writes its share to out_addr; a VF may query only itself.
 */
struct rdo_vf_resources {
    uint32_t qp, cq, eq, pd, mr, srq, gid;
    uint32_t qpc_cache, mrc_cache;      /* context cache entries */
    uint32_t reserved[3];
};
RDO_STATIC_ASSERT(sizeof(struct rdo_vf_resources) == 48, "vf resources size");

/*
 * RDO_CMD_MOVE_QP (PF only, D18): obj = the QP number in function `src_fn`.
 * Moves the RC QP (RTS or SQD) with its send and receive CQs, its PD and
 * every MR and memory window of that PD to function `dst_fn`, each at the
 * same number; on the wire nothing changes (QPN, keys, PSNs, MAC, GID).
 * The CQs take `eqn` (an EQ of dst_fn) and `cq_db_page`, the QP
 * `qp_db_page` (doorbell pages of dst_fn's BAR). docs/programming-model.md
 * "Moving a connection between functions".
 */
struct rdo_cmd_move_qp {
    uint8_t  src_fn, dst_fn;    /* 0: the PF, n: VF n */
    uint16_t qp_db_page;
    uint16_t cq_db_page;
    uint16_t reserved0;
    uint32_t eqn;
    uint32_t reserved1;
};

/* RDO_CMD_SET_GID: obj = GID table index (of the port's own table). */
struct rdo_cmd_set_gid {
    uint8_t  gid[16];           /* IPv6, or IPv4-mapped ::ffff:a.b.c.d */
    uint8_t  valid;             /* 0 clears the entry */
    uint8_t  port;              /* 0 or 1: port 1, 2: port 2 */
};

/* RDO_CMD_SET_PORT: obj = 0 or 1: port 1, 2: port 2 (also QUERY_PORT). */
struct rdo_cmd_set_port {
    uint32_t mask;              /* RDO_PORT_SET_* */
    uint32_t mtu;               /* Ethernet MTU (IP packet size), 576..9000 */
    uint8_t  mac[6];
    uint16_t reserved;
};
#define RDO_PORT_SET_MTU            RDO_BIT(0)
#define RDO_PORT_SET_MAC            RDO_BIT(1)

/* RDO_CMD_CREATE_SRQ: obj = SRQ number. */
struct rdo_cmd_create_srq {
    uint64_t ring_addr;
    uint8_t  log_size;
    uint8_t  wqe_shift;
    uint8_t  ring_flags;
    uint8_t  reserved;
    uint16_t db_page;
    uint16_t limit;             /* reserved (0): the limit is armed by MODIFY_SRQ */
    uint32_t pdn;
    uint32_t reserved1;
};

/*
 * RDO_CMD_MODIFY_SRQ: obj = SRQ number. limit > 0 arms the SRQ limit: when
 * the device takes a receive WQE from the SRQ and fewer than `limit` posted
 * WQEs remain (producer minus consumer index), it posts RDO_EQE_SRQ_LIMIT
 * on EQ 0 once and disarms; limit 0 disarms. At most the SRQ's entries
 * (2^log_size), else BAD_PARAM. The check is made only when a WQE is taken:
 * an SRQ already below the limit when armed raises the event with the next
 * WQE it hands out. The SRQ's size cannot be changed.
 */
struct rdo_cmd_modify_srq {
    uint16_t limit;
    uint16_t reserved0;
    uint32_t reserved[3];
};

/*
 * RDO_CMD_SRQ_PARTIAL: obj = SRQ number. stride_shift 6..12 turns on
 * partial buffer operation: single-packet SENDs to the SRQ's QPs are
 * placed one after another into the same receive buffer, each at the
 * next offset aligned to 2^stride_shift, one completion each with
 * RDO_CQE_F_OFFSET and the offset in rdo_cqe.offset; the completion that
 * ends the device's use of a buffer has RDO_CQE_F_BUF_DONE (a message
 * that does not fit the rest ends it with a completion of byte_len 0).
 * Multi-packet SENDs take a buffer of their own. 0 turns it off. Only
 * while the SRQ has no buffer in use (else IN_USE); its WQEs may have at
 * most RDO_SRQ_PARTIAL_MAX_SGE SGEs. BAD_PARAM for another shift,
 * BAD_RESERVED for reserved fields not zero.
 */
#define RDO_SRQ_PARTIAL_SHIFT_MIN   6
#define RDO_SRQ_PARTIAL_SHIFT_MAX   12
#define RDO_SRQ_PARTIAL_MAX_SGE     4
struct rdo_cmd_srq_partial {
    uint8_t  stride_shift;
    uint8_t  reserved0[3];
    uint32_t reserved[3];
};

/* RDO_CMD_CREATE_ETH_TXQ: obj = TXQ number (0..RDO_ETH_MAX_TXQ-1). */
struct rdo_cmd_create_eth_txq {
    uint64_t ring_addr;
    uint8_t  log_size;          /* 1..RDO_QUEUE_LOG_SIZE_MAX */
    uint8_t  wqe_shift;         /* stride 2^shift, 6..RDO_WQE_SHIFT_MAX */
    uint8_t  ring_flags;        /* RDO_RING_F_* */
    uint8_t  flags;             /* RDO_ETH_TXQ_F_* */
    uint16_t db_page;
    uint16_t reserved1;
    uint32_t cqn;               /* completions go to this CQ */
    uint32_t pdn;               /* with F_KEYED: the PD of its SGEs' MRs; else 0 */
};
#define RDO_ETH_TXQ_F_KEYED         RDO_BIT(0)  /* SGEs are lkey + MR address */
/* A keyed TXQ's multicast/broadcast frames also come back in to the port's
 * steering rules, but not to the RXQ of the TXQ's own number (raw
 * loopback; programming-model.md, Keyed queues). */

/* RDO_CMD_CREATE_ETH_RXQ: obj = RXQ number (0..RDO_ETH_MAX_RXQ-1). */
struct rdo_cmd_create_eth_rxq {
    uint64_t ring_addr;         /* 2^log_size descriptors of 2^wqe_shift bytes */
    uint8_t  log_size;
    uint8_t  flags;             /* RDO_ETH_RXQ_F_* */
    uint8_t  ring_flags;
    uint8_t  port;              /* frames of this port: 0 or 1: port 1,
                                   2: port 2 (ports=2) */
    uint16_t db_page;
    uint16_t lro_usec;          /* LRO flush timer, 1..1000 (with F_LRO) */
    uint32_t cqn;
    uint32_t pdn;               /* with F_KEYED: the PD of its buffers' MRs; else 0 */
    uint8_t  wqe_shift;         /* 0 or RDO_ETH_RX_WQE_SHIFT: struct rdo_eth_rx_wqe;
                                   6..RDO_WQE_SHIFT_MAX: struct rdo_eth_rx_sg_wqe
                                   (several buffers per frame; not with F_LRO) */
    uint8_t  reserved[7];
};
RDO_STATIC_ASSERT(sizeof(struct rdo_cmd_create_eth_rxq) == 32,
                  "create_eth_rxq size");
#define RDO_ETH_RXQ_F_LRO           RDO_BIT(0)  /* coalesce TCP segments */
#define RDO_ETH_RXQ_F_KEYED         RDO_BIT(1)  /* buffers are lkey + MR address */

/*
 * RDO_CMD_CREATE_FLOW_RULE: obj = the RXQ (of this function) that frames
 * matching the rule go to; the completion's result is the rule's number
 * (0..RDO_ETH_FLOW_RULES-1), which DESTROY_FLOW_RULE's obj names. Fields
 * whose RDO_FLOW_M_* bit is clear must be 0. Multi-byte values are in host
 * order; addresses and the MAC in wire order. An IPv4 address is the
 * first 4 bytes of its field. A frame matching several rules goes by the
 * lowest priority value, then the lowest rule number.
 */
struct rdo_cmd_create_flow_rule {
    uint16_t match;             /* RDO_FLOW_M_* */
    uint8_t  priority;          /* 0..RDO_ETH_FLOW_PRIO_MAX */
    uint8_t  ip_proto;          /* with M_IP_PROTO */
    uint8_t  dmac[6];           /* with M_DMAC */
    uint16_t ethertype;         /* with M_ETHERTYPE */
    uint8_t  src_ip[16];        /* with M_SRC_IP */
    uint8_t  dst_ip[16];        /* with M_DST_IP */
    uint16_t src_port;          /* with M_SRC_PORT */
    uint16_t dst_port;          /* with M_DST_PORT */
    uint32_t reserved[5];
};

/*
 * The offloaded connection manager (docs/programming-model.md, "Offloaded
 * connection establishment"). The device answers IB CM REQs for a
 * listener's service ID on the GSI itself, with QPs the driver prepared
 * (a pool per listener), and reports connections made and ended in a
 * notification table in host memory (struct rdo_cm_entry, rdo-queues.h),
 * one RDO_EQE_CM_NOTIFY event per batch.
 *
 * RDO_CMD_CM_LISTEN: obj = listener (0..RDO_CM_LISTENERS-1).
 */
#define RDO_CM_LISTENERS            16
#define RDO_CM_POOL_MAX             65536   /* QPs in one listener's pool */
struct rdo_cmd_cm_listen {
    uint64_t service_id;        /* IB service ID (RDMA CM: 0x0106 << 16 | port) */
    uint64_t table_addr;        /* notification table, 2^table_log_size entries,
                                   128-byte aligned, zeroed */
    uint64_t ci_addr;           /* 4-byte aligned u32 the driver keeps at the
                                   number of entries it consumed (free-running) */
    uint8_t  addr[16];          /* our IP as a GID (::ffff:a.b.c.d); 0: any */
    uint8_t  table_log_size;    /* 1..RDO_QUEUE_LOG_SIZE_MAX */
    uint8_t  flags;             /* RDO_CM_LISTEN_F_* */
    uint8_t  responder_resources;   /* most RDMA READs/atomics we serve, 0..16 */
    uint8_t  initiator_depth;   /* most we issue, 0..16 */
    uint32_t eqn;               /* the EQ of RDO_EQE_CM_NOTIFY */
    uint16_t notify_count;      /* an event once this many entries wait, 1..table */
    uint16_t notify_usec;       /* or this long after the first (0: no delay) */
    uint8_t  min_rnr_timer;     /* RNR NAK timer code our QPs send, 0..31 */
    uint8_t  rnr_retry;         /* the peer's RNR retry count, in the REP, 0..7 */
    uint8_t  reserved[2];
};
RDO_STATIC_ASSERT(sizeof(struct rdo_cmd_cm_listen) == 56, "cm listen size");
/* The REQ's private data begins with the RDMA CM's header (version 0, IP
 * version 4 or 6, addresses): checked, and its destination against addr. */
#define RDO_CM_LISTEN_F_RDMA_CM     RDO_BIT(0)
/* A QP whose connection ended goes back to the pool itself: ERR (its work
 * flushed), RESET, INIT; its rings' indexes restart at 0. */
#define RDO_CM_LISTEN_F_RECYCLE     RDO_BIT(1)
#define RDO_CM_LISTEN_F__ALL        (RDO_CM_LISTEN_F_RDMA_CM | RDO_CM_LISTEN_F_RECYCLE)

/*
 * RDO_CMD_CM_POOL_ADD / CM_POOL_REMOVE: obj = listener. ADD: an RC QP in
 * RESET (the device takes it to INIT with `access`) or INIT, on no other
 * listener's pool or connection. REMOVE: a QP that waits in the pool
 * (NOT_FOUND if a connection took it).
 */
struct rdo_cmd_cm_pool {
    uint32_t qpn;
    uint32_t access;            /* RDO_ACCESS_*: for a QP in RESET */
};

/*
 * RDO_CMD_CM_CONNECT: obj = the listener whose table and EQ report the
 * connection (its responder resources, initiator depth, RNR timer and
 * RDMA_CM flag apply). The device sends the REQ, takes the REP, moves the
 * QP to RTR and RTS and sends the RTU. out_addr: private_len bytes of
 * private data (after the RDMA CM header with RDMA_CM), 0 if none.
 */
struct rdo_cmd_cm_connect {
    uint64_t service_id;        /* the peer's listener */
    uint32_t qpn;               /* RC, RESET (to INIT with access) or INIT,
                                   in no pool or connection */
    uint32_t access;
    uint8_t  dgid[16];          /* the peer: its IP as a GID */
    uint8_t  dmac[6];           /* its MAC (or the next hop's) */
    uint8_t  sgid_index;        /* our GID */
    uint8_t  path_mtu;          /* RDO_MTU_* */
    uint16_t src_port;          /* the RDMA CM header's source port */
    uint8_t  timeout;           /* the QP's local ACK timeout, 0..31 */
    uint8_t  retry_count;       /* 0..7 */
    uint8_t  rnr_retry;         /* 0..7 */
    uint8_t  cm_timeout;        /* CM response timeout code, 0..31 */
    uint8_t  max_cm_retries;    /* 0..15 */
    uint8_t  private_len;       /* 0..RDO_CM_PRIVATE_LEN */
};
RDO_STATIC_ASSERT(sizeof(struct rdo_cmd_cm_connect) == 48, "cm connect size");
/* RDO_CMD_CM_DISCONNECT: obj = listener, cm_pool.qpn = the QP of an
 * established connection: the QP goes to ERR, a DREQ to the peer; the
 * DREP (or the DREQ's retries running out) ends it: DISCONNECTED. */

/*
 * RDO_CMD_CM_QUERY: obj = 0. The CM's counters since reset, 64 bits each;
 * also block 1 of QUERY_COUNTERS' extended result. In wire order: X(field),
 * the driver's hw_counters name being "cm_" field.
 */
#define RDO_CM_COUNTERS(X) \
    X(mads_received)            /* CM MADs the device took (not QP 1's) */ \
    X(mads_sent)                /* REP, REJ, DREP, retransmissions included */ \
    X(mads_malformed)           /* truncated, bad version or field: dropped */ \
    X(mads_unexpected)          /* no such connection, or not in that state */ \
    X(reqs)                     /* REQs for a listener */ \
    X(reqs_dup)                 /* REQs again (the REP sent again) */ \
    X(established)              /* connections made (RTU or first packet) */ \
    X(established_by_data)      /* of those, by the first packet */ \
    X(rej_sent)                 /* REJs sent, every reason */ \
    X(rej_no_listener)          /* reason 8, invalid service ID */ \
    X(rej_no_qp)                /* reason 1, the pool was empty */ \
    X(rej_no_resources)         /* reason 3, the notification table full */ \
    X(rej_bad_private)          /* reason 28, the RDMA CM header refused */ \
    X(rej_timeout)              /* reason 4, the RTU never came */ \
    X(rej_other)                /* transport type, MTU, a pool QP unusable */ \
    X(rej_received)             /* the peer refused our REP */ \
    X(rep_retries)              /* REPs sent again after a timeout */ \
    X(mra_received) \
    X(dreq_received) \
    X(drep_sent) \
    X(disconnected)             /* connections ended by a DREQ */ \
    X(aborted)                  /* connections given up before established */ \
    X(entries)                  /* notification entries written */ \
    X(events)                   /* RDO_EQE_CM_NOTIFY events posted */ \
    X(entries_lost)             /* an end not reported: table full or unreachable */ \
    X(reqs_sent)                /* CM_CONNECT: REQs (not counting retries) */ \
    X(reps_received)            /* REPs for our REQs (repeats included) */ \
    X(dreqs_sent)               /* CM_DISCONNECT: DREQs (not counting retries) */ \
    X(drep_received) \
    X(req_dreq_retries)         /* REQs and DREQs sent again after a timeout */ \
    X(req_timeouts)             /* connections given up: no REP came */ \
    /* (a new counter: one line above this one) */

#define RDO_CM_COUNTER_INDEX(field) RDO_CM_COUNTER_##field,
enum { RDO_CM_COUNTERS(RDO_CM_COUNTER_INDEX) RDO_CM_COUNTERS_N };
#undef RDO_CM_COUNTER_INDEX

#define RDO_CM_COUNTER_FIELD(field) uint64_t field;
struct rdo_cm_counters {
    RDO_CM_COUNTERS(RDO_CM_COUNTER_FIELD)
    uint64_t reserved[32 - RDO_CM_COUNTERS_N];
};
#undef RDO_CM_COUNTER_FIELD
RDO_STATIC_ASSERT(sizeof(struct rdo_cm_counters) == 256, "cm counters size");

/* Query results, written to out_addr. */
struct rdo_device_attr {
    uint32_t max_qp, max_cq, max_eq, max_pd;
    uint32_t max_mr, max_srq, max_gid, max_sge;
    uint32_t max_inline, max_qp_log_size, max_cq_log_size, max_msg_size;
    uint32_t max_mr_pages, num_doorbell_pages, msix_vectors;
    uint8_t  max_eth_txq, max_eth_rxq;  /* 0 without RDO_CAP_ETH_QUEUES */
    uint16_t reserved;
    uint64_t caps;
    uint32_t max_fast_reg_pages;        /* RDO_CMD_ALLOC_MR's max_pages limit */
    uint32_t local_dma_lkey;            /* RDO_LOCAL_DMA_LKEY; 0: none (older device) */
    uint32_t max_mcast_grp;             /* RDO_MCAST_GROUPS; 0: no multicast */
    uint32_t max_mcast_qp_attach;       /* RDO_MCAST_QPS_PER_GROUP */
    uint32_t max_total_mcast_qp_attach; /* groups x QPs in each */
    uint32_t max_mw;                    /* windows: they share the MR index space */
    uint32_t mw_types;                  /* RDO_DEV_MW_TYPE_* */
    uint32_t phys_ports;                /* 1 or 2; 0 (older device): 1 */
    uint64_t reserved1[3];
};
RDO_STATIC_ASSERT(sizeof(struct rdo_device_attr) == 128, "device attr size");

struct rdo_port_attr {
    uint8_t  mac[6];
    uint8_t  link_up;
    uint8_t  active_mtu;        /* RDO_MTU_* derived from the Ethernet MTU */
    uint32_t eth_mtu;
    uint32_t speed_mbps;        /* the port's configured speed (1000 .. 1600000) */
    uint32_t gid_table_len;
    uint32_t reserved0;
    uint64_t reserved[5];
};
RDO_STATIC_ASSERT(sizeof(struct rdo_port_attr) == 64, "port attr size");

/*
 * RDO_CMD_QUERY_COUNTERS: obj = 0 or 1 (port 1), 2 (port 2 of a two-port
 * device: tx_packets, rx_packets, rx_icrc_errors and rx_drops are the
 * port's own, the rest of its blocks 0; port 1's are the device's, less
 * port 2's four). The port's counters, 64 bits
 * each, counted since the last reset (function level or RESET register);
 * the CNT_* registers of the same name show their low 32 bits.
 *
 * The one list of them, in wire order: X(field, name), name being the
 * driver's hw_counters name (rxe's or mlx5's where the meaning is the
 * same). The struct, the device's copy (ctrl/cqp-port.c) and the driver's
 * names (rdo_stats.c) all expand it. A new counter is one line at the end:
 * it takes the first reserved slot (0 on a device without it), and the
 * counters before it keep their offsets (tests/unit/test-cqp.c).
 */
#define RDO_PORT_COUNTERS(X) \
    X(tx_packets, "sent_pkts")              /* RoCE packets sent (requests, responses, ACKs) */ \
    X(rx_packets, "rcvd_pkts")              /* RoCE packets received with a good ICRC */ \
    X(rx_icrc_errors, "rx_icrc_errors")     /* dropped: bad ICRC */ \
    X(rx_drops, "rx_drops")                 /* dropped by the receive checks (unknown QP, ...) */ \
    X(acks_sent, "acks_sent") \
    X(naks_sent, "naks_sent")               /* every NAK, RNR NAKs included */ \
    X(naks_received, "naks_rcvd")           /* likewise */ \
    X(seq_naks_sent, "seq_naks_sent")       /* PSN sequence error NAKs: once per gap */ \
    X(seq_naks_received, "rcvd_seq_err") \
    X(rnr_naks_sent, "send_rnr_err")        /* no receive WQE (or MR pending) */ \
    X(rnr_naks_received, "rcvd_rnr_err") \
    X(retransmits, "retransmits")           /* go-back-N restarts (after a NAK or timeout) */ \
    X(timeouts, "local_ack_timeout_err")    /* retransmit timer expiries */ \
    X(dup_requests, "duplicate_request")    /* requests received again (responder) */ \
    X(dup_responses, "duplicate_response")  /* responses nobody waits for (requester) */ \
    X(tx_errors, "tx_errors")               /* packets not built from the QP's addresses */ \
    /* Congestion control (mlx5's names): notification, reaction point. */ \
    X(np_ecn_marked_roce_packets, "np_ecn_marked_roce_packets") /* received CE-marked */ \
    X(np_cnp_sent, "np_cnp_sent") \
    X(rp_cnp_handled, "rp_cnp_handled")     /* CNPs that slowed a QP */ \
    X(rp_cnp_ignored, "rp_cnp_ignored")     /* CNPs for no QP, or with DCQCN off */ \
    X(isolation, "isolation")               /* SR-IOV: other functions' objects refused */ \
    /* (a new counter: one line above this one) */

/* How many RDO_PORT_COUNTERS there are (RDO_PORT_COUNTERS_N). */
#define RDO_PORT_COUNTER_INDEX(field, name) RDO_PORT_COUNTER_##field,
enum { RDO_PORT_COUNTERS(RDO_PORT_COUNTER_INDEX) RDO_PORT_COUNTERS_N };
#undef RDO_PORT_COUNTER_INDEX

#define RDO_PORT_COUNTER_FIELD(field, name) uint64_t field;
struct rdo_port_counters {
    RDO_PORT_COUNTERS(RDO_PORT_COUNTER_FIELD)
    uint64_t reserved[32 - RDO_PORT_COUNTERS_N];
};
#undef RDO_PORT_COUNTER_FIELD
RDO_STATIC_ASSERT(sizeof(struct rdo_port_counters) == 256, "port counters size");

/*
 * QUERY_COUNTERS' extended result. The command's query_counters.out_len
 * asks for more than the 256-byte port block: a multiple of
 * RDO_COUNTER_BLOCK; 0 (what drivers before it send) means one block. The
 * device writes min(out_len, what it has) bytes, never more, and returns
 * the number written in the completion's result (a device before the
 * extension ignores out_len, writes 256 bytes and returns 0). Any other
 * length is BAD_PARAM, a reserved word not zero BAD_RESERVED. The blocks:
 *   0  struct rdo_port_counters (as before)
 *   1  struct rdo_cm_counters (what CM_QUERY writes)
 *   2+ struct rdo_port_counters_ext, RDO_PORT_COUNTERS_EXT
 * so a driver learns from the result which of them the device reports.
 */
#define RDO_COUNTER_BLOCK           256
struct rdo_cmd_query_counters {
    uint32_t out_len;           /* bytes of buffer at out_addr; 0: 256 */
    uint32_t reserved[3];
};

/*
 * The device's counters beyond block 0, in wire order. X(field, name) is a
 * device counter, T(field, name) one of the timing model's (zero unless
 * RDO_CAP_TIMING; also the 64-bit RDO_REG_TM_* registers). name is the
 * driver's hw_counters name (the reference driver shows the X ones only:
 * ib_core's netlink message for `rdma statistic` holds some 90 counters).
 * A new counter is one line at the end and takes the first reserved
 * slot, the rest keep their offsets.
 */
#define RDO_PORT_COUNTERS_EXT(X, T) \
    /* Control path (RDO_REG_CNT_*). */ \
    X(cqp_cmds, "cqp_cmds")                 /* control commands completed */ \
    X(cqp_errors, "cqp_errors")             /* of those, completed with an error */ \
    X(mr_stalls, "mr_stalls")               /* work requests that waited for a pending MR */ \
    X(qpc_hits, "qpc_cache_hits")           /* QP context cache */ \
    X(qpc_misses, "qpc_cache_misses") \
    X(mrc_hits, "mrc_cache_hits")           /* MR context cache */ \
    X(mrc_misses, "mrc_cache_misses") \
    X(eqes, "eqes")                         /* event queue entries written */ \
    X(cqes, "cqes")                         /* completion queue entries written */ \
    X(eq_overflows, "eq_overflows")         /* events lost to a full EQ */ \
    X(db_errors, "doorbell_errors")         /* doorbells refused */ \
    /* Data path. */ \
    X(rx_placements, "rx_placements")       /* DMA placements of received payload */ \
    X(eth_rx_frames, "rx_non_roce_frames")  /* frames received that are not RoCE */ \
    X(push_wqes, "push_wqes")               /* WQEs taken from an inline push */ \
    X(push_refused, "push_refused")         /* pushes not usable: fetched from the ring */ \
    X(push_torn, "push_torn")               /* pushes interleaved on a page: fetched */ \
    /* Host-memory DMAs cut at 64-byte cache lines (D16). */ \
    X(dma_head_pieces, "dma_head_pieces")   /* pieces starting inside a line */ \
    X(dma_tail_pieces, "dma_tail_pieces")   /* on a line, ending inside one */ \
    X(dma_full_lines, "dma_full_lines")     /* whole lines */ \
    X(dma_transfers, "dma_transfers")       /* transfers cut */ \
    /* Buffered receive (D10). */ \
    X(bufrecv_held, "bufrecv_held")         /* SENDs held for lack of a receive */ \
    X(bufrecv_placed, "bufrecv_placed")     /* placed later */ \
    X(bufrecv_full, "bufrecv_full")         /* buffer full: RNR NAK instead */ \
    X(bufrecv_dropped, "bufrecv_dropped")   /* dropped with their QP */ \
    /* Protocol-engine failover (RDO_REG_FO_*). */ \
    X(fo_recoveries, "fo_recoveries")       /* engine faults recovered */ \
    X(fo_qps, "fo_qps_resumed")             /* QPs resumed by them, summed */ \
    X(fo_fatal, "fo_fatal")                 /* faults that went catastrophic */ \
    X(fo_drops, "fo_drops")                 /* frames lost with soft state or in a blackout */ \
    X(fo_blackout_cycles, "fo_blackout_cycles") /* the last blackout (timing model) */ \
    X(fo_writebacks, "fo_writebacks")       /* hard-state write-backs */ \
    X(fo_wb_bytes, "fo_writeback_bytes") \
    /* Timing model (RDO_REG_TM_*): cycles are device clock cycles. */ \
    T(cycles, "tm_cycles")                  /* since reset (virtual time) */ \
    T(tx_busy_cycles, "tm_tx_busy_cycles")  /* transmit engine busy */ \
    T(rx_busy_cycles, "tm_rx_busy_cycles")  /* receive pipeline busy */ \
    T(link_busy_cycles, "tm_link_busy_cycles") \
    T(link_frames, "tm_link_frames") \
    T(link_bytes, "tm_link_bytes")          /* on the wire, all overheads */ \
    T(pcie_up_bytes, "tm_pcie_up_bytes")    /* device to host: writes, read requests */ \
    T(pcie_down_bytes, "tm_pcie_down_bytes") /* host to device: read completions */ \
    T(pcie_tlps, "tm_pcie_tlps") \
    T(dma_split_pieces, "tm_dma_split_tlps") /* TLPs cut at a cache line (D16) */ \
    T(ctx_fetches, "tm_ctx_fetches")        /* misses that fetched a context */ \
    T(ctx_prefetches, "tm_ctx_prefetches")  /* fetched ahead by the look-ahead */ \
    T(ctx_wait_cycles, "tm_ctx_wait_cycles") \
    T(wqe_fetches, "tm_wqe_fetches")        /* WQE fetch DMAs after doorbells */ \
    T(sched_visits, "tm_sched_visits") \
    T(sched_reordered, "tm_sched_reordered") /* served ahead of the head */ \
    T(sched_grouped, "tm_sched_grouped")    /* doorbells merged into a visit */ \
    T(irqs, "tm_irqs")                      /* MSI-X messages */ \
    T(wr_done, "tm_wr_done")                /* work requests completed */ \
    T(wr_cycles, "tm_wr_cycles")            /* their doorbell-to-CQE cycles, summed */ \
    T(wr_cycles_max, "tm_wr_cycles_max") \
    T(rx_fifo_max, "tm_rx_fifo_max")        /* most frames waiting to be received */ \
    T(rx_fifo_drops, "tm_rx_fifo_drops")    /* dropped: receive FIFO full */ \
    T(bus_wait_cycles, "tm_bus_wait_cycles") \
    /* Connection migration between functions (MOVE_QP, D18). */ \
    X(qp_moved_out, "qp_moved_out")         /* connections handed to another function */ \
    X(qp_moved_in, "qp_moved_in")           /* connections taken from another */ \
    X(rp_cnp_coalesced, "rp_cnp_coalesced") /* CNPs within a QP's reduce period: no decrease */ \
    X(fo_rb_bytes, "fo_readback_bytes")     /* failover: hard state read back from the store */ \
    X(fo_wb_cycles, "fo_writeback_cycles")  /* failover: engine cycles of write-backs (timing) */ \
    X(eth_steered, "rx_steered_frames")     /* frames a flow-steering rule sent to its RXQ */ \
    X(eth_raw_looped, "raw_looped_frames")  /* keyed TXQs' multicast taken back in by a rule */ \
    /* (a new counter: one line above this one) */

#define RDO_PORT_COUNTERS_EXT_BLOCKS 2
#define RDO_PORT_COUNTER_EXT_INDEX(field, name) RDO_PORT_COUNTER_EXT_##field,
enum {
    RDO_PORT_COUNTERS_EXT(RDO_PORT_COUNTER_EXT_INDEX, RDO_PORT_COUNTER_EXT_INDEX)
    RDO_PORT_COUNTERS_EXT_N
};
#undef RDO_PORT_COUNTER_EXT_INDEX

#define RDO_PORT_COUNTER_EXT_FIELD(field, name) uint64_t field;
struct rdo_port_counters_ext {
    RDO_PORT_COUNTERS_EXT(RDO_PORT_COUNTER_EXT_FIELD, RDO_PORT_COUNTER_EXT_FIELD)
    uint64_t reserved[RDO_PORT_COUNTERS_EXT_BLOCKS * 32 - RDO_PORT_COUNTERS_EXT_N];
};
#undef RDO_PORT_COUNTER_EXT_FIELD
RDO_STATIC_ASSERT(sizeof(struct rdo_port_counters_ext) ==
                  RDO_PORT_COUNTERS_EXT_BLOCKS * RDO_COUNTER_BLOCK,
                  "extended port counters size");

/* Everything QUERY_COUNTERS can write, block by block. */
struct rdo_counters_all {
    struct rdo_port_counters port;      /* block 0 */
    struct rdo_cm_counters cm;          /* block 1 */
    struct rdo_port_counters_ext ext;   /* blocks 2.. */
};
#define RDO_COUNTERS_LEN            sizeof(struct rdo_counters_all)

struct rdo_qp_attr {
    uint8_t  state;
    uint8_t  type;
    uint8_t  path_mtu;
    uint8_t  sgid_index;
    uint32_t dest_qpn;
    uint32_t sq_psn;
    uint32_t rq_psn;
    uint32_t qkey;
    uint32_t access;
    uint32_t sq_pi, sq_ci, rq_pi, rq_ci;
    uint8_t  dmac[6];
    uint8_t  timeout, retry_cnt;
    uint8_t  dgid[16];
    uint8_t  rnr_retry, min_rnr_timer, max_rd_atomic, max_dest_rd_atomic;
    uint8_t  traffic_class;     /* as set by MODIFY_QP, ECN bits 0 */
    uint8_t  port;              /* the QP's port: 1 or 2 (0 on a device
                                   before two ports) */
    uint8_t  engine;            /* protocol engine serving the QP now */
    uint8_t  flow_class;        /* as set by MODIFY_QP (0: the QP's own) */
    uint32_t reserved[2];
};
RDO_STATIC_ASSERT(sizeof(struct rdo_qp_attr) == 80, "qp attr size");

/* The command entry. */
struct rdo_cqp_cmd {
    uint8_t  opcode;            /* enum rdo_cqp_opcode */
    uint8_t  flags;             /* RDO_CQP_F_* */
    uint16_t reserved0;
    uint32_t obj;               /* object number the command names */
    uint64_t cookie;            /* returned in the completion */
    uint64_t out_addr;          /* query results */
    uint64_t reserved1;
    union {
        struct rdo_cmd_create_eq create_eq;
        struct rdo_cmd_create_cq create_cq;
        struct rdo_cmd_modify_cq modify_cq;
        struct rdo_cmd_resize_cq resize_cq;
        struct rdo_cmd_create_pd create_pd;
        struct rdo_cmd_create_qp create_qp;
        struct rdo_cmd_modify_qp modify_qp;
        struct rdo_cmd_reg_mr reg_mr;
        struct rdo_cmd_alloc_mr alloc_mr;
        struct rdo_cmd_rereg_mr rereg_mr;
        struct rdo_cmd_mcast mcast;
        struct rdo_cmd_alloc_mw alloc_mw;
        struct rdo_cmd_set_gid set_gid;
        struct rdo_cmd_set_port set_port;
        struct rdo_cmd_create_srq create_srq;
        struct rdo_cmd_modify_srq modify_srq;
        struct rdo_cmd_srq_partial srq_partial;
        struct rdo_cmd_create_eth_txq create_eth_txq;
        struct rdo_cmd_create_eth_rxq create_eth_rxq;
        struct rdo_cmd_create_flow_rule flow_rule;
        struct rdo_vf_resources vf_res;
        struct rdo_cmd_move_qp move_qp;
        struct rdo_cmd_cm_listen cm_listen;
        struct rdo_cmd_cm_pool cm_pool;
        struct rdo_cmd_cm_connect cm_connect;
        struct rdo_cmd_query_counters query_counters;
        uint8_t raw[96];
    } u;
};
RDO_STATIC_ASSERT(sizeof(struct rdo_cqp_cmd) == RDO_CQP_CMD_SIZE, "cqp cmd size");

struct rdo_cqp_comp {
    uint64_t cookie;
    uint32_t result;            /* e.g. the lkey of a registered MR */
    uint8_t  status;            /* enum rdo_cqp_status */
    uint8_t  opcode;
    uint8_t  reserved;
    uint8_t  owner;             /* RDO_OWNER_PHASE */
};
RDO_STATIC_ASSERT(sizeof(struct rdo_cqp_comp) == RDO_CQP_COMP_SIZE, "cqp comp size");

/* Queue size limits for every ring created by command. */
#define RDO_QUEUE_LOG_SIZE_MAX      15
#define RDO_WQE_SHIFT_MAX           10      /* 1 KiB WQE stride */

#endif /* RDO_CMD_H */
