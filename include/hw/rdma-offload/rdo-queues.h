/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * rdma-offload hardware interface: rings in guest memory and the doorbell
 * page layout. Ring entries are little-endian. docs/programming-model.md
 * describes how each is used.
 */
#ifndef RDO_QUEUES_H
#define RDO_QUEUES_H

#include "rdo-types.h"

/*
 * Ring buffers. A ring is 2^log_size entries of a fixed stride. Its memory
 * is either physically contiguous (addr is its first byte) or, with
 * RDO_RING_F_PAGE_LIST, addr points to a contiguous array of 64-bit
 * addresses of 4 KiB pages that hold the ring in order.
 */
#define RDO_PAGE_SHIFT              12
#define RDO_PAGE_SIZE               (1u << RDO_PAGE_SHIFT)
#define RDO_RING_F_PAGE_LIST        RDO_BIT(0)
/* Enough for every ring geometry (2^15 entries of 1 KiB: 32 MiB), so a
 * queue's depth is not limited by its stride; the list is up to 64 KiB. */
#define RDO_RING_MAX_PAGES          8192

/*
 * Completion-type rings (CQ, EQ, CQP completions) use a phase bit instead of
 * a producer index: the device writes entries with owner bit 0 = 1 on its
 * first pass through the ring, 0 on the second, and so on. Software owns an
 * entry when its owner bit equals the phase it expects.
 */
#define RDO_OWNER_PHASE             RDO_BIT(0)

/*
 * The owner bit (RDO_OWNER_PHASE or 0) of the entry at free-running index
 * `idx` of a completion-type ring of 2^log_size entries: what the device
 * writes there, and what software expects before it takes the entry. The
 * one statement of the rule for the device, the driver and the provider.
 */
static inline uint8_t rdo_owner_phase(uint32_t idx, uint32_t log_size)
{
    return ((idx >> log_size) & 1) ? 0 : RDO_OWNER_PHASE;
}

/* Does software own the entry at `idx`, whose owner byte reads `owner`? */
static inline bool rdo_owner_is_sw(uint8_t owner, uint32_t idx, uint32_t log_size)
{
    return (owner & RDO_OWNER_PHASE) == rdo_owner_phase(idx, log_size);
}

/* Scatter/gather element: one contiguous piece of a registered region. */
struct rdo_sge {
    uint64_t addr;          /* virtual address within the MR */
    uint32_t length;
    uint32_t lkey;
};
RDO_STATIC_ASSERT(sizeof(struct rdo_sge) == 16, "sge size");

/* Send work request opcodes (rdo_send_wqe.opcode). */
enum rdo_wr_opcode {
    RDO_WR_SEND                 = 0x00,
    RDO_WR_SEND_IMM             = 0x01,
    RDO_WR_SEND_INV             = 0x02,
    RDO_WR_SEND_INV_IMM         = 0x03,
    RDO_WR_RDMA_WRITE           = 0x04,
    RDO_WR_RDMA_WRITE_IMM       = 0x05,
    RDO_WR_RDMA_READ            = 0x06,
    RDO_WR_ATOMIC_CMP_SWP       = 0x07,
    RDO_WR_ATOMIC_FETCH_ADD     = 0x08,
    RDO_WR_LOCAL_INV            = 0x09,
    RDO_WR_REG_MR               = 0x0a, /* fast registration: rdo_reg_mr_wqe */
    RDO_WR_BIND_MW              = 0x0b, /* memory window bind: rdo_bind_mw_wqe */
    RDO_WR__COUNT
};

/* rdo_send_wqe.flags */
#define RDO_WQE_F_SIGNALED          RDO_BIT(0)  /* completion even if QP is selective */
#define RDO_WQE_F_SOLICITED         RDO_BIT(1)  /* set SE in the last packet */
#define RDO_WQE_F_FENCE             RDO_BIT(2)  /* wait for prior READ/atomic */
#define RDO_WQE_F_INLINE            RDO_BIT(3)  /* data follows the header, no SGEs */

/*
 * Send queue entry: a 64-byte header followed, within the QP's WQE stride,
 * by num_sge rdo_sge or by inline_len bytes of inline data; UD work requests
 * carry an rdo_ud_seg right after the header (before SGEs/inline data).
 */
struct rdo_send_wqe {
    uint64_t wr_id;
    uint8_t  opcode;            /* enum rdo_wr_opcode */
    uint8_t  flags;             /* RDO_WQE_F_* */
    uint8_t  num_sge;
    uint8_t  reserved0;
    uint32_t imm_or_rkey;       /* immediate data, or rkey to invalidate */
    uint64_t remote_addr;       /* RDMA / atomic target */
    uint32_t rkey;
    uint32_t inline_len;
    uint64_t compare_add;       /* atomics: compare value or addend */
    uint64_t swap;              /* atomics: swap value */
    uint32_t conn_qpn;          /* shared send queue: the RC connection */
    uint32_t reserved1[3];
};
RDO_STATIC_ASSERT(sizeof(struct rdo_send_wqe) == 64, "send wqe size");

/*
 * RDO_WR_REG_MR: the WQE (64 bytes, no SGEs, no inline data) registers the
 * MR that `key` names (allocated by RDO_CMD_ALLOC_MR, in the QP's PD, not
 * valid) over num_pages pages of 2^page_shift bytes whose addresses are in
 * the array at page_list (read when the WQE executes; the array must stay
 * unchanged until the MR is invalidated). Its lkey and rkey become `key`:
 * the index in bits 31:8, a new 8-bit tag in 7:0. The first 16 bytes and
 * conn_qpn are those of struct rdo_send_wqe.
 */
struct rdo_reg_mr_wqe {
    uint64_t wr_id;
    uint8_t  opcode;            /* RDO_WR_REG_MR */
    uint8_t  flags;             /* RDO_WQE_F_SIGNALED, _FENCE */
    uint8_t  num_sge;           /* 0 */
    uint8_t  page_shift;        /* 12..30 */
    uint32_t key;               /* the MR's new key */
    uint64_t iova;              /* first byte; its offset in the first page */
    uint32_t num_pages;         /* 1..the MR's max_pages */
    uint16_t access;            /* RDO_ACCESS_*, within the MR's max_access */
    uint16_t reserved0;
    uint64_t length;
    uint64_t page_list;         /* 8-aligned array of num_pages addresses */
    uint32_t conn_qpn;          /* shared send queue: the RC connection */
    uint32_t reserved1[3];
};
RDO_STATIC_ASSERT(sizeof(struct rdo_reg_mr_wqe) == sizeof(struct rdo_send_wqe),
                  "reg mr wqe size");

/*
 * RDO_WR_BIND_MW: the WQE (64 bytes, no SGEs, no inline data) binds the
 * window whose current key is mw_key (RDO_CMD_ALLOC_MW, in the QP's PD) to
 * [addr, addr + length) of the MR mr_key names (in the QP's PD, with
 * RDO_ACCESS_MW_BIND, the range inside it), granting `access`; the
 * window's key becomes its index with the tag new_tag. A type-1 window
 * with length 0 is unbound (mr_key not looked at). The first 16 bytes
 * and conn_qpn are those of struct rdo_send_wqe.
 */
struct rdo_bind_mw_wqe {
    uint64_t wr_id;
    uint8_t  opcode;            /* RDO_WR_BIND_MW */
    uint8_t  flags;             /* RDO_WQE_F_SIGNALED, _FENCE */
    uint8_t  num_sge;           /* 0 */
    uint8_t  new_tag;           /* bits 7:0 of the window's key after the bind */
    uint32_t mw_key;            /* the window's key before the bind */
    uint64_t addr;              /* the window's first byte, an address in the MR */
    uint32_t mr_key;            /* lkey of the MR */
    uint16_t access;            /* RDO_ACCESS_REMOTE_*; LOCAL_WRITE ignored */
    uint16_t reserved0;
    uint64_t length;            /* bytes; 0: unbind (type 1 only) */
    uint64_t reserved1;
    uint32_t conn_qpn;          /* shared send queue: the RC connection */
    uint32_t reserved2[3];
};
RDO_STATIC_ASSERT(sizeof(struct rdo_bind_mw_wqe) == sizeof(struct rdo_send_wqe),
                  "bind mw wqe size");

/* Address of a UD destination, carried in each UD work request. */
struct rdo_ud_seg {
    uint32_t dest_qpn;
    uint32_t qkey;
    uint8_t  dmac[6];
    uint8_t  sgid_index;        /* source address: port GID table entry */
    uint8_t  hop_limit;
    uint8_t  dgid[16];          /* IPv6, or IPv4-mapped ::ffff:a.b.c.d */
};
RDO_STATIC_ASSERT(sizeof(struct rdo_ud_seg) == 32, "ud seg size");

/* Receive queue entry: a 16-byte header then num_sge rdo_sge. */
struct rdo_recv_wqe {
    uint64_t wr_id;
    uint8_t  num_sge;
    uint8_t  reserved[7];
};
RDO_STATIC_ASSERT(sizeof(struct rdo_recv_wqe) == 16, "recv wqe size");

/* Completion opcodes (rdo_cqe.opcode). */
enum rdo_cqe_opcode {
    RDO_CQE_SEND                = 0x00,
    RDO_CQE_RDMA_WRITE          = 0x01,
    RDO_CQE_RDMA_READ           = 0x02,
    RDO_CQE_ATOMIC_CMP_SWP      = 0x03,
    RDO_CQE_ATOMIC_FETCH_ADD    = 0x04,
    RDO_CQE_LOCAL_INV           = 0x05,
    RDO_CQE_REG_MR              = 0x06,
    RDO_CQE_BIND_MW             = 0x07,
    RDO_CQE_RECV                = 0x80,
    RDO_CQE_RECV_RDMA_WITH_IMM  = 0x81,
};

/* Completion status (rdo_cqe.status); the names follow ibv_wc_status. */
enum rdo_wc_status {
    RDO_WC_SUCCESS              = 0,
    RDO_WC_LOC_LEN_ERR          = 1,
    RDO_WC_LOC_QP_OP_ERR        = 2,
    RDO_WC_LOC_PROT_ERR         = 4,
    RDO_WC_WR_FLUSH_ERR         = 5,
    RDO_WC_MW_BIND_ERR          = 6,    /* memory-management operation refused */
    RDO_WC_BAD_RESP_ERR         = 7,
    RDO_WC_LOC_ACCESS_ERR       = 8,
    RDO_WC_REM_INV_REQ_ERR      = 9,
    RDO_WC_REM_ACCESS_ERR       = 10,
    RDO_WC_REM_OP_ERR           = 11,
    RDO_WC_RETRY_EXC_ERR        = 12,
    RDO_WC_RNR_RETRY_EXC_ERR    = 13,
    RDO_WC_FATAL_ERR            = 19,
    RDO_WC_GENERAL_ERR          = 21,
};

/* rdo_cqe.vendor_err: the device's reason for an error completion. */
enum rdo_vendor_err {
    RDO_VENDOR_ERR_NONE         = 0,
    RDO_VENDOR_ERR_BAD_WQE      = 1,    /* malformed WQE (opcode, sizes) */
    RDO_VENDOR_ERR_BAD_KEY      = 2,    /* lkey/rkey unknown, wrong PD, invalid */
    RDO_VENDOR_ERR_NO_TRANSPORT = 3,    /* interface 0.1 only: no transport yet */
    RDO_VENDOR_ERR_DMA          = 4,    /* a ring or buffer not reachable */
    RDO_VENDOR_ERR_LENGTH       = 5,    /* message too long, or buffer too short */
    RDO_VENDOR_ERR_REMOTE_NAK   = 6,    /* the peer refused it (status says why) */
    RDO_VENDOR_ERR_RETRY        = 7,    /* no answer after every retry */
    RDO_VENDOR_ERR_BAD_RESPONSE = 8,    /* the peer's response did not fit */
    RDO_VENDOR_ERR_FAST_REG     = 9,    /* REG_MR or BIND_MW refused: state, pages, range, access */
};

/* rdo_cqe.flags */
#define RDO_CQE_F_IMM               RDO_BIT(0)  /* imm_or_rkey is immediate data */
#define RDO_CQE_F_INV               RDO_BIT(1)  /* imm_or_rkey (or with IMM, inv_rkey) was invalidated */
#define RDO_CQE_F_GRH               RDO_BIT(2)  /* UD: a 40-byte GRH precedes data */
#define RDO_CQE_F_SOLICITED         RDO_BIT(3)
#define RDO_CQE_F_OFFSET            RDO_BIT(4)  /* partial buffer: the message is at `offset` */
#define RDO_CQE_F_BUF_DONE          RDO_BIT(5)  /* partial buffer: the device is done with it */

struct rdo_cqe {
    uint64_t wr_id;
    uint32_t byte_len;
    uint32_t imm_or_rkey;
    uint32_t qpn;               /* the local QP it belongs to */
    union {
        uint32_t src_qpn;       /* UD receive: the sender's QP */
        uint32_t inv_rkey;      /* RC receive with INV and IMM: the key invalidated */
        uint32_t offset;        /* with RDO_CQE_F_OFFSET: where in the buffer */
    };
    uint8_t  opcode;            /* enum rdo_cqe_opcode */
    uint8_t  status;            /* enum rdo_wc_status */
    uint8_t  flags;             /* RDO_CQE_F_* */
    uint8_t  owner;             /* RDO_OWNER_PHASE */
    uint32_t vendor_err;        /* device-specific detail of an error */
};
RDO_STATIC_ASSERT(sizeof(struct rdo_cqe) == 32, "cqe size");

/*
 * Whether a receive CQE of an SRQ gives its WQE's buffer back to the
 * driver. Under partial buffer operation (RDO_CMD_SRQ_PARTIAL) one buffer
 * takes several messages, each completed with RDO_CQE_F_OFFSET, and only
 * the completion with RDO_CQE_F_BUF_DONE ends the device's use of it; a
 * CQE without OFFSET (no partial operation, UD) always does.
 */
static inline bool rdo_cqe_buf_done(const struct rdo_cqe *cqe)
{
    return !(cqe->flags & RDO_CQE_F_OFFSET) || (cqe->flags & RDO_CQE_F_BUF_DONE);
}

/* Event queue entries. */
enum rdo_eqe_type {
    RDO_EQE_COMPLETION          = 0x01, /* obj = CQ number */
    RDO_EQE_CQP_DONE            = 0x02, /* obj = CQP consumer index */
    RDO_EQE_QP_ERROR            = 0x10, /* obj = QP number, data = RDO_QP_ERR_* */
    RDO_EQE_QP_LAST_WQE         = 0x11, /* obj = QP number: a QP on an SRQ in ERR */
    RDO_EQE_CQ_ERROR            = 0x12, /* obj = CQ number, data = RDO_CQ_ERR_* */
    RDO_EQE_PORT_CHANGE         = 0x13, /* obj = 0: port 1, 2: port 2;
                                           data = RDO_PORT_* */
    RDO_EQE_SRQ_LIMIT           = 0x14, /* obj = SRQ number, data = the limit */
    RDO_EQE_CATASTROPHIC        = 0x1f, /* data = RDO_FATAL_*; reset required */
    RDO_EQE_CM_NOTIFY           = 0x20, /* obj = CM listener, data = entries
                                           written to its table (free-running) */
    RDO_EQE_ENGINE_RECOVERED    = 0x21, /* obj = recoveries since reset, data = QPs resumed */
    RDO_EQE_QP_ARRIVED          = 0x22, /* MOVE_QP, on the destination's EQ 0:
                                           obj = QP number, data = source function */
};

/* RDO_EQE_QP_ERROR causes. */
enum rdo_qp_err {
    RDO_QP_ERR_WQE              = 1,    /* malformed work request */
    RDO_QP_ERR_ACCESS           = 2,    /* local protection or access error */
    RDO_QP_ERR_DMA              = 3,    /* ring or buffer not reachable */
    RDO_QP_ERR_CONTEXT          = 4,    /* QP context in host memory corrupt */
    RDO_QP_ERR_RETRY            = 5,    /* retries exhausted */
    RDO_QP_ERR_REMOTE           = 6,    /* remote access or operation error */
    RDO_QP_ERR_DOORBELL         = 7,    /* doorbell index beyond the ring */
};

/* RDO_EQE_CQ_ERROR causes. */
enum rdo_cq_err {
    RDO_CQ_ERR_OVERFLOW         = 1,    /* no room for a completion */
    RDO_CQ_ERR_DMA              = 2,    /* ring not reachable */
};

/*
 * The offloaded CM's notification table (rdo-cmd.h, RDO_CMD_CM_LISTEN): a
 * ring of 128-byte entries, each a connection made or ended, valid when
 * its owner byte has the phase of the pass (rdo_owner_phase, as CQEs).
 */
enum rdo_cm_entry_type {
    RDO_CM_ENTRY_ESTABLISHED    = 1,    /* RTU (or the first packet) came */
    RDO_CM_ENTRY_DISCONNECTED   = 2,    /* the peer's DREQ: DREP sent, QP in ERR */
    RDO_CM_ENTRY_ABORTED        = 3,    /* ended before established: reason
                                           (RDO_CM_REJ_*), QP in ERR */
};
#define RDO_CM_PRIVATE_LEN          56  /* the RDMA CM's user private data */
struct rdo_cm_entry {
    uint8_t  type;              /* enum rdo_cm_entry_type */
    uint8_t  listener;
    uint8_t  private_len;       /* bytes of private_data valid */
    uint8_t  flags;             /* RDO_CM_ENTRY_F_* */
    uint32_t qpn;
    uint32_t peer_qpn;
    uint16_t peer_port;         /* RDMA CM header's source port (host order) */
    uint16_t reason;            /* ABORTED: the REJ reason */
    uint64_t time_ns;           /* device time of the event */
    uint8_t  peer_gid[16];      /* the peer's GID (its IP as a GID) */
    uint8_t  private_data[RDO_CM_PRIVATE_LEN];
    uint32_t sq_psn, rq_psn;    /* the QP's starting PSNs */
    uint8_t  peer_mac[6];
    uint8_t  responder_resources, initiator_depth;   /* negotiated */
    uint8_t  path_mtu;          /* RDO_MTU_* */
    uint8_t  reserved[14];
    uint8_t  owner;             /* RDO_OWNER_PHASE, written last */
};
RDO_STATIC_ASSERT(sizeof(struct rdo_cm_entry) == 128, "cm entry size");
#define RDO_CM_ENTRY_F_RDMA_CM      RDO_BIT(0)  /* private data after the RDMA CM header */
#define RDO_CM_ENTRY_F_RECYCLED     RDO_BIT(1)  /* the QP is back in the pool */

/* IB CM REJ reasons the device sends or reports (IB spec 12.6.7.2). */
enum rdo_cm_rej_reason {
    RDO_CM_REJ_NO_QP            = 1,
    RDO_CM_REJ_NO_RESOURCES     = 3,
    RDO_CM_REJ_TIMEOUT          = 4,
    RDO_CM_REJ_INVALID_SERVICE_ID = 8,
    RDO_CM_REJ_INVALID_TRANSPORT_TYPE = 9,
    RDO_CM_REJ_INVALID_MTU      = 26,
    RDO_CM_REJ_CONSUMER_DEFINED = 28,
};

struct rdo_eqe {
    uint8_t  type;              /* enum rdo_eqe_type */
    uint8_t  reserved0[3];
    uint32_t obj;
    uint32_t data;
    uint8_t  reserved1[3];
    uint8_t  owner;             /* RDO_OWNER_PHASE */
};
RDO_STATIC_ASSERT(sizeof(struct rdo_eqe) == 16, "eqe size");

/*
 * Doorbell page (BAR 2, 4 KiB each). A QP, CQ or SRQ is bound to one page
 * when it is created; a doorbell for it on another page is refused, which
 * keeps processes that map different pages apart. Page 0 belongs to the
 * kernel driver and also carries EQ doorbells. Each doorbell is one 64-bit
 * write (or two 32-bit writes, low word first): object number in bits
 * 23:0, flags in 31:24, index in 63:32.
 */
#define RDO_DB_SQ                   0x000   /* qpn, new SQ producer index */
#define RDO_DB_RQ                   0x008   /* qpn, new RQ producer index */
#define RDO_DB_CQ                   0x010   /* cqn, RDO_DB_CQ_ARM_*, consumer index */
#define RDO_DB_SRQ                  0x018   /* srqn, new SRQ producer index */
#define RDO_DB_EQ                   0x020   /* eqn, RDO_DB_EQ_ARM, consumer index (page 0) */
#define RDO_DB_PUSH                 0x800   /* inline WQE push area */
#define RDO_DB_PUSH_SIZE            0x800

#define RDO_DB_OBJ_MASK             0x00ffffffu
#define RDO_DB_FLAGS_SHIFT          24
#define RDO_DB_CQ_ARM_NEXT          RDO_BIT(24) /* event on the next completion */
#define RDO_DB_CQ_ARM_SOLICITED     RDO_BIT(25) /* event on the next solicited one */
#define RDO_DB_EQ_ARM               RDO_BIT(24) /* interrupt on the next entry */
#define RDO_DB_VALUE(obj, flags, index) \
    ((uint64_t)((obj) & RDO_DB_OBJ_MASK) | (uint64_t)(flags) | ((uint64_t)(index) << 32))

/*
 * Inline push (BAR 2, RDO_DB_PUSH in the QP's page): the driver writes the
 * whole WQE, exactly as it also writes it into the SQ ring, at
 * RDO_DB_PUSH + 8, then the trigger word at RDO_DB_PUSH: qpn in bits 23:0,
 * the WQE length in 8-byte words in bits 31:24, the new SQ producer index in
 * bits 63:32. The device then uses the pushed copy and skips the fetch.
 */
#define RDO_DB_PUSH_TRIGGER         RDO_DB_PUSH
#define RDO_DB_PUSH_DATA            (RDO_DB_PUSH + 8)
#define RDO_DB_PUSH_MAX_WQE         (RDO_DB_PUSH_SIZE - 8)

/*
 * RAM-backed push (RDO_CAP_PUSH_RAM; docs/programming-model.md "Push RAM
 * pages"): BAR 2 has a push page after the doorbell pages for each of them
 * (RDO_REG_PUSH_RAM_INFO says where), plain memory, two slots of 2 KiB. The
 * driver writes the WQE at the start of a slot, rounded up to 16 bytes, then
 * the seal, the 8 bytes right after it, then (after a store barrier) the
 * trigger, one 64-bit write at RDO_DB_PUSH_RAM of the doorbell page whose
 * push page it used. Trigger and seal are the same value:
 *   bits 23:0   QP number (on this doorbell page)
 *   bit  24     slot (RDO_PUSH_RAM_SLOT)
 *   bits 31:25  the WQE's length in 16-byte units, 4 .. 127
 *   bits 63:32  the new SQ producer index (exactly one ahead)
 * The device copies the slot once when the trigger comes; a seal that is
 * not the trigger (stale, torn or interleaved data) refuses the push as
 * torn, anything else off as refused: either way the trigger still rings
 * the SQ doorbell and the WQE is fetched from the ring, where the driver
 * has written it too. The slot's bytes are the driver's: the device only
 * reads them.
 */
#define RDO_DB_PUSH_RAM             0x038   /* trigger of a RAM push */
#define RDO_PUSH_RAM_SLOT_SHIFT     11
#define RDO_PUSH_RAM_SLOT_SIZE      (1u << RDO_PUSH_RAM_SLOT_SHIFT)
#define RDO_PUSH_RAM_SLOTS          (RDO_DB_PAGE_SIZE / RDO_PUSH_RAM_SLOT_SIZE)
#define RDO_PUSH_RAM_SLOT           RDO_BIT(24)
#define RDO_PUSH_RAM_LEN_SHIFT      25
#define RDO_PUSH_RAM_LEN_UNIT       16
#define RDO_PUSH_RAM_LEN_MAX        (127 * RDO_PUSH_RAM_LEN_UNIT)  /* 2032 */
#define RDO_PUSH_RAM_SEAL_SIZE      8

/* A WQE of `len` bytes takes this many bytes of its slot before the seal. */
static inline uint32_t rdo_push_ram_wqe_span(uint32_t len)
{
    return (len + RDO_PUSH_RAM_LEN_UNIT - 1) & ~(RDO_PUSH_RAM_LEN_UNIT - 1);
}

/* Whether a WQE of `len` bytes can be pushed through a RAM slot. */
static inline bool rdo_push_ram_fits(uint32_t len)
{
    return len >= 64 && rdo_push_ram_wqe_span(len) <= RDO_PUSH_RAM_LEN_MAX;
}

/* The trigger (and the seal) of a RAM push of `len` bytes. */
static inline uint64_t rdo_push_ram_trigger(uint32_t qpn, uint32_t slot,
                                            uint32_t len, uint32_t pi)
{
    return (uint64_t)(qpn & RDO_DB_OBJ_MASK) |
           (slot ? (uint64_t)RDO_PUSH_RAM_SLOT : 0) |
           ((uint64_t)(rdo_push_ram_wqe_span(len) / RDO_PUSH_RAM_LEN_UNIT)
            << RDO_PUSH_RAM_LEN_SHIFT) |
           ((uint64_t)pi << 32);
}

/* Byte offset of slot `slot` in its push page, and of the seal in it. */
#define RDO_PUSH_RAM_SLOT_OFFSET(slot)  ((uint32_t)(slot) << RDO_PUSH_RAM_SLOT_SHIFT)
static inline uint32_t rdo_push_ram_trigger_len(uint64_t trigger)
{
    return (uint32_t)(trigger >> RDO_PUSH_RAM_LEN_SHIFT & 0x7f) * RDO_PUSH_RAM_LEN_UNIT;
}
RDO_STATIC_ASSERT(RDO_PUSH_RAM_LEN_MAX + RDO_PUSH_RAM_SEAL_SIZE <= RDO_PUSH_RAM_SLOT_SIZE,
                  "a whole push and its seal fit a slot");

#endif /* RDO_QUEUES_H */
