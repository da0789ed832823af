/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the RoCEv2 transport's state and its stages.
 *
 * Files, top to bottom (each calls only those below it):
 *   run.c        the end of a round: expired timers, the ACK and response
 *                lists, aggregated payload still to place
 *   req-rx.c     completer: ACKs, NAKs, READ and atomic responses,
 *                go-back-N, the retransmit timer, RNR
 *   tx.c         requester: WQEs to records, segmentation, packets out
 *   resp.c       responder: requests in, SEND/WRITE/UD placement, PSN order
 *   resp-read.c  responder: READ and atomic responses, duplicate replay
 *   rx-agg.c     receive aggregation: one DMA for a run of a message
 *   recv.c       responder: receive WQEs (RQ/SRQ), their completion or
 *                failure, SEND payload placement
 *   resp-ack.c   responder: coalesced ACKs, NAKs, fatal responder errors
 *   complete.c   requester: in-order completion, READ data placement,
 *                flush; a QP to the error state
 *   fastreg.c    requester: the REG_MR work request (fast registration)
 *   mw.c         requester: BIND_MW and LOCAL_INV (memory windows, MRs)
 *   cc.c         congestion control: CNPs for CE-marked packets
 *                (notification point), CNPs in and the pacing of a QP
 *                (reaction point, over dcqcn.c)
 *   push.c, wqe.c  the pushed WQE copy; reading and checking WQEs
 *   packet.c     addresses and headers of packets, frames to the egress,
 *                copies between SGEs and buffers
 *   transport.c  state life cycle, timer arming, end-of-round lists, names
 *   records.c    the requester's records of its work requests
 *   timers.c     the QPs with a timer running, earliest deadline first
 *
 * Transport state (PSNs, outstanding work, responder resources) is kept
 * on the device per QP, next to the cached QP context: in hardware it is
 * the context's transport section plus the responder resource table.
 */
#ifndef RDO_TRANSPORT_H
#define RDO_TRANSPORT_H

#include "wire/wire.h"
#include "ctx/ctx.h"
#include "egress/egress.h"
#include "xport/dcqcn.h"

/* Largest frame the device builds or accepts (4 KiB MTU plus headers). */
#define RDO_FRAME_MAX       (4096 + 256)
/* Packets one QP may send per scheduler visit, for fairness. */
#define RDO_TX_BUDGET       32
/* Unacknowledged PSNs a requester may have outstanding. */
#define RDO_TX_WINDOW       1024
/* Bytes of one message the receive aggregation gathers before placing them. */
#define RDO_AGG_MAX         (64u << 10)
/* The host's copies of page-list lines the writes on arrival read
 * (RdoState.agg_lines), picked by the QP number's low bits: host side
 * only (a copy is of guest memory at an address while the MR cache is
 * unchanged, whichever QP read it), so sharing a slot costs reads again,
 * never a figure. */
#define RDO_AGG_LINES       64
/* Responder resources (READ/atomic) per QP, as max_dest_rd_atomic allows. */
#define RDO_RESP_RES_MAX    16

/* A send WQE as fetched: header, UD address, SGEs or inline data. */
typedef struct RdoWqe {
    struct rdo_send_wqe h;
    struct rdo_ud_seg ud;
    const struct rdo_sge *sge;      /* num_sge of them, into raw */
    const uint8_t *inline_data;     /* inline_len bytes, into raw */
    uint64_t msg_len;
    uint8_t raw[1u << RDO_WQE_SHIFT_MAX];
} RdoWqe;

/* A work request the requester took from its send queue. */
typedef struct RdoSendRec {
    uint32_t ring_qpn;          /* QP whose SQ ring holds the WQE */
    uint32_t wqe_index;
    uint64_t wr_id;
    uint8_t wr_opcode;          /* enum rdo_wr_opcode */
    uint8_t wqe_flags;
    uint32_t msg_len;
    uint32_t first_psn;
    uint32_t npkts;             /* PSNs it takes (READ: response packets) */
    uint32_t resp_pkts;         /* READ: response packets placed */
    bool sent;                  /* every request packet went out once */
    bool reread;                /* going back dropped its WQE: sent again,
                                   it is read again (timed) */
    bool done;                  /* complete; CQE status below */
    uint8_t refs;               /* lists holding it (a shared SQ's and its QP's) */
    uint8_t hold;               /* its WQE's slot in the transmit engine's
                                   hold (hold.c) + 1; 0: not held */
    uint32_t conn_qpn;          /* shared send queue: the connection, else 0 */
    uint8_t status;
    uint32_t vendor_err;
    RdoWrLife life;             /* timing model: its stages' times */
    uint32_t fo_seq;            /* failover: its number on the transmitting QP */
    uint32_t fo_crc;            /* failover: CRC of its copy in the store, 0 = none */
    /* Its nodes in the first two lists holding it (data NULL: free), so
     * that a work request costs no list-node allocation; a third list (a
     * shared record while failover reloads its connection) gets its own. */
    GList link[2];
} RdoSendRec;

/*
 * The transmit engine's WQE hold (hold.c): the parsed WQEs of messages
 * being sent, kept on chip across the engine's per-packet visits. A slot
 * per QP number modulo RDO_TX_HOLDS (a power of two). With the WQE, the
 * engine's working registers for the message: the QP context it looked
 * up (its cache line, valid while that line still holds the same load)
 * and the payload MR's translation (valid while the MR cache is
 * unchanged); both are emptied when the slot changes hands.
 */
#define RDO_TX_HOLDS 16
typedef struct RdoTxHold {
    RdoSendRec *rec;            /* whose WQE `wqe` is; NULL: free */
    uint32_t qpn;               /* the QP transmitting it */
    RdoWqe *wqe;
    RdoQpCtx *qp;               /* qpn's context, in line qp_line; NULL: none */
    RdoCtxLine *qp_line;
    uint64_t qp_stamp;          /* the line's load it was looked up in */
    RdoMrHeld mr;               /* the payload's MR */
    uint64_t list_pages[RDO_MR_LIST_LINE / 8];  /* mr's page-list line */
} RdoTxHold;

/* A READ or atomic the responder executed, kept for duplicates. */
typedef struct RdoRespRes {
    bool valid;
    bool atomic;
    /* Every response of it went out at least once: the requester may hold
     * it whole, so a stream still running for it is a replay. */
    bool answered;
    uint32_t first_psn, last_psn;
    uint64_t va;
    uint32_t rkey;
    uint32_t len;
    uint64_t orig;              /* atomic: the value before */
    /* READ response streaming: the next packet (whether it streams is a
     * bit of RdoRespPart.res_streaming). */
    uint32_t next_pkt;
} RdoRespRes;

/*
 * Per-QP transport state, split by stage as Linux soft-RoCE splits qp->req,
 * qp->comp and qp->resp. What used to be booleans standing for a state are
 * enums with a name table (rdo_*_name) for traces and debugging.
 */

/* Requester: sending, or stopped with a failed record waiting to be
 * reported in order (then the QP fails). */
typedef enum RdoReqState {
    RDO_REQ_SENDING,
    RDO_REQ_HALTED,
    RDO_REQ__COUNT
} RdoReqState;

/* Requester: whether it went back to gb_psn (go-back-N) and has made no
 * progress since; a second NAK for the same PSN is then not a new retry. */
typedef enum RdoReqRetry {
    RDO_RETRY_NONE,
    RDO_RETRY_GOING_BACK,
    RDO_RETRY__COUNT
} RdoReqRetry;

typedef struct RdoReqPart {
    /* What a plain message does not touch: going back, failover's
     * write-backs, the pushed WQE. First, so that the rest ends next to cc.rp.limited. */
    uint32_t gb_psn;            /* RDO_RETRY_GOING_BACK: where it went back */
    uint32_t fo_commits;        /* failover: write-backs of the QP's hard state */
    uint32_t push_index, push_len;  /* the pushed copy's WQE and bytes */
    uint8_t *push_wqe;
    /* What every message touches on its way out and at its ACK (tx.c,
     * packet.c, req-rx.c, the doorbell), from here to rd_inflight, with
     * cc.rp.limited after it: two cache lines (RdoXport). */
    RdoReqState state;
    RdoReqRetry retry;
    uint32_t tx_pos;            /* record being (re)transmitted */
    uint32_t tx_pkt;            /* its next packet */
    uint32_t sq_next;           /* next WQE to fetch */
    uint32_t next_psn;          /* first PSN of the next new record */
    uint32_t una_psn;           /* oldest PSN not acknowledged */
    uint32_t tx_psn_max;        /* one past the furthest PSN sent */
    uint32_t ip_id;             /* the QP's IP ID counter (its ACKs' too) */
    uint32_t sched_limit;       /* timing: sched_limited's limit (its doorbells) */
    GQueue sent;                /* RdoSendRec *, oldest first */
    uint64_t rto_at;            /* retransmit timer, 0 = stopped */
    uint64_t rnr_until;         /* RNR NAK back-off */
    uint8_t retry_left, rnr_left;
    bool fo_defer, fo_owed;     /* failover: a response is being handled,
                                   its commits made once at its end */
    bool timer_armed;           /* on the timer list */
    bool sched_limited;         /* timing: this visit fetches WQEs up to
                                   sched_limit */
    bool push_valid;            /* an inline-pushed copy of WQE push_index */
    uint32_t rd_inflight;       /* READ/atomic records not done */
    uint32_t fo_seq_next;       /* number of the next record (every record
                                   takes one, failover or not) */
    uint32_t fo_unsaved;        /* PSNs sent since the last write-back
                                   (counted failover or not) */
} RdoReqPart;

/*
 * Receive aggregation (rx-agg.c): payload gathered for one DMA, of a WRITE
 * (to va through rkey `key`), a SEND (at offset va of the receive WQE in
 * progress) or a READ's responses (at offset va of the READ whose first
 * PSN is `key`).
 */
typedef struct RdoAggPart {
    uint32_t key, len;
    uint64_t va;
    uint8_t *buf;               /* what is gathered */
    bool ahead;                 /* a WRITE's run written as it arrives ... */
    uint8_t ahead_shift;        /* ... through these of its MR's fields */
    uint32_t ahead_pages;
    uint64_t ahead_list, ahead_iova;
    uint64_t ahead_fail;        /* where a write failed, or UINT64_MAX */
    uint8_t kind;               /* enum rdo_agg_kind */
    bool queued;                /* on the list placed at the end of a round */
} RdoAggPart;

/* Responder: what it is in the middle of (multi-packet messages). */
typedef enum RdoRespOp {
    RESP_IDLE,
    RESP_SEND,                  /* after SEND_FIRST/MIDDLE */
    RESP_WRITE,                 /* after WRITE_FIRST/MIDDLE */
    RESP__COUNT
} RdoRespOp;

/* Responder: requests in order, or a PSN sequence NAK sent and requests
 * dropped until the expected PSN comes (one NAK per gap). */
typedef enum RdoRespSeq {
    RDO_SEQ_IN_ORDER,
    RDO_SEQ_NAK_SENT,
    RDO_SEQ__COUNT
} RdoRespSeq;

typedef struct RdoRespPart {
    /* What every request touches, up to recv_wr_id: the cache line after
     * the aggregation's (RdoXport). */
    RdoRespOp op;
    RdoRespSeq seq;
    uint32_t epsn;              /* next PSN expected */
    uint32_t msn;
    uint32_t ack_psn;
    uint32_t write_rkey;        /* WRITE in progress */
    uint32_t write_left, write_total;
    uint64_t write_va;
    bool ack_pending;           /* an ACK (coalesced) is due this round */
    uint8_t ack_syndrome;
    /* On the responder's work lists. */
    bool resp_queued;
    bool ack_queued;
    /* Bit i: res[i] has READ responses still to send. A mask, so that an
     * ACK asks "any?" without walking the 16 resources (12 cache lines a
     * packet, the most the host missed on with 65,536 QPs). */
    uint16_t res_streaming;
    bool fo_refused;            /* failover: a frame refused in its blackout */
    /* A SEND in progress: the same line still. */
    bool recv_srq;
    uint32_t recv_index;        /* its receive WQE's index in the RQ or SRQ */
    uint32_t recv_offset;       /* bytes placed so far */
    uint64_t recv_wr_id;        /* its receive WQE */
    /* RDO_RESP_RES_MAX of them from the first READ or atomic the QP serves
     * (rdo_resp_res), NULL before: 768 bytes most QPs never use, which
     * would spread the fields every packet touches over more cache lines. */
    RdoRespRes *res;
    uint32_t res_next;          /* oldest, replaced next */
} RdoRespPart;

/* A QP's responder resources, allocated on first use. */
static inline RdoRespRes *rdo_resp_res(RdoRespPart *p)
{
    if (!p->res) {
        p->res = g_new0(RdoRespRes, RDO_RESP_RES_MAX);
    }
    return p->res;
}

/* Whether responder resource r of x streams READ responses. */
static inline bool rdo_res_streaming(const RdoRespPart *p, const RdoRespRes *r)
{
    return p->res_streaming >> (r - p->res) & 1;
}

static inline void rdo_res_set_streaming(RdoRespPart *p, const RdoRespRes *r,
                                         bool on)
{
    uint16_t bit = 1u << (r - p->res);

    p->res_streaming = on ? p->res_streaming | bit : p->res_streaming & ~bit;
}

/* Congestion control (cc.c): the QP as notification and reaction point. */
typedef struct RdoCcPart {
    /* First: its `limited`, read per packet sent, shares the requester's
     * line (RdoXport). */
    RdoDcqcn rp;                /* the rate limiter */
    uint64_t next_tx_ps;        /* timing: the limiter's next packet */
    uint64_t gap_ps;            /* timing: the last packet's pacing gap */
    bool cnp_sent;              /* a CNP went out at cnp_last_ps */
    uint64_t cnp_last_ps;
} RdoCcPart;

/*
 * Buffered receive (bufrecv.c): SENDs held on the device for an RC QP
 * with no receive WQE posted, oldest first; `open`: the newest is still
 * arriving (its packets since `first_psn`).
 */
typedef struct RdoHeld {
    struct RdoHeld *next;
    GByteArray *data;
    uint32_t first_psn, packets;
    uint32_t imm, inv_rkey;
    uint8_t flags;              /* RDO_HELD_* */
} RdoHeld;
#define RDO_HELD_DONE   1u      /* its last packet came */
#define RDO_HELD_IMM    2u
#define RDO_HELD_INV    4u
#define RDO_HELD_SE     8u

typedef struct RdoHeldPart {
    RdoHeld *head, *tail;
    bool open;
} RdoHeldPart;

#define RDO_XPORT_ALIGN 64
typedef struct RdoXport {
    /* In this order, with 64-byte lines from the start of the QP's entry,
     * what a message touches on the receiver (the aggregation's fields and
     * the responder's first ones) fills lines 0-1, and on the sender (the
     * requester's last fields and cc.rp.limited) lines 3-4; the receiver's
     * ACK adds its requester's IP ID. RDO_XPORT_RECV_* and RDO_XPORT_SEND_*
     * below are those spans; /host-cost/xport-lines checks them. */
    RdoAggPart agg;             /* rx-agg.c */
    RdoRespPart resp;           /* resp.c, resp-read.c */
    RdoHeldPart held;           /* bufrecv.c */
    RdoReqPart req;             /* tx.c, req-rx.c */
    RdoCcPart cc;               /* cc.c */
    /* rx-agg.c: the MR translation of the WRITE being placed and the
     * page-list line the model read last (the responder's working
     * register, soft: dropped on a load). Only multi-packet WRITEs touch
     * it: kept out of the receiver's two lines, in the entry's spare
     * tail. */
    RdoMrHeld agg_mr;
} __attribute__((aligned(RDO_XPORT_ALIGN))) RdoXport;

/* The bytes of a QP's RdoXport a message touches on the receiver and on
 * the sender (two cache lines each; the rest is failover, retry, READs,
 * congestion and buffered receive). */
#define RDO_XPORT_RECV_FIRST offsetof(RdoXport, agg)
#define RDO_XPORT_RECV_END   offsetof(RdoXport, resp.res)
#define RDO_XPORT_SEND_FIRST offsetof(RdoXport, req.state)
#define RDO_XPORT_SEND_END   (offsetof(RdoXport, cc.rp.limited) + 1)

const char *rdo_req_state_name(RdoReqState s);
const char *rdo_req_retry_name(RdoReqRetry r);
const char *rdo_resp_op_name(RdoRespOp op);
const char *rdo_resp_seq_name(RdoRespSeq s);

/* Receive queue of a QP: its own RQ or its SRQ. */
typedef struct RdoRecvQueue {
    RdoRing ring;
    uint32_t *ci, pi;
    bool srq;
} RdoRecvQueue;

/* A receive WQE as read from its ring. */
typedef struct RdoRecvWqe {
    struct rdo_recv_wqe h;
    struct rdo_sge sge[(1u << RDO_WQE_SHIFT_MAX) / sizeof(struct rdo_sge)];
    uint64_t len;
} RdoRecvWqe;

int rdo_u32_cmp(const uint32_t *a, const uint32_t *b);

/* Transport state life cycle (transport.c). */
void rdo_xport_init(RdoCore *core);
void rdo_xport_free(RdoCore *core);
void rdo_xport_reset_qp(RdoCore *core, uint32_t qpn);
/* Host caches only, no simulated effect: start loading QP qpn's per-QP
 * state (its transport state, lookup, stall and blackout entries, timing
 * record) where the next QP to serve is known one step ahead: the queue
 * of send work, the ACK and response lists, a frame's destination. Any
 * qpn (from the wire too): out of range does nothing. */
void rdo_xport_host_prefetch(const RdoCore *core, uint32_t qpn);
/* MOVE_QP: QP qpn's transport state from `from` to `to`, queued work and
 * timers with it, send work up to sq_pi queued there (move.c); `to` held
 * no QP of that number. */
void rdo_xport_move(RdoCore *from, RdoCore *to, uint32_t qpn, uint32_t sq_pi);
/* The QP moved to RTR / RTS: take the starting PSNs and retry counts. */
void rdo_xport_rtr(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp);
void rdo_xport_rts(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp);
/* Runs the stages' pending work: timers, responses, ACKs (timed: on the
 * receive engine's cursor, entered only for work). */
void rdo_xport_run(RdoCore *core);
/* Retransmit timeout from the QP's timeout attribute; 0 = none. */
uint64_t rdo_xport_rto_ns(uint8_t timeout);
uint64_t rdo_xport_rnr_ns(uint8_t code);
void rdo_xport_arm_timer(RdoCore *core, uint32_t qpn);

/*
 * The QPs with a timer running (timers.c). A deadline (req.rto_at or
 * req.rnr_until) is set only together with rdo_xport_timer_set; stopping
 * or moving one later needs no call. rdo_xport_timer_due takes out one QP
 * whose deadline has come (the caller puts it back with _rearm once it
 * has dealt with the timers that expired); _rearm enters a QP's earliest
 * running deadline, if it has one; rdo_xport_timer_next is the earliest
 * deadline, 0 if none.
 */
typedef struct RdoTimers RdoTimers;
void rdo_xport_timers_init(RdoCore *core);
void rdo_xport_timers_free(RdoCore *core);
void rdo_xport_timer_set(RdoCore *core, uint32_t qpn, uint64_t when);
void rdo_xport_timer_drop(RdoCore *core, uint32_t qpn);
void rdo_xport_timer_rearm(RdoCore *core, uint32_t qpn);
bool rdo_xport_timer_due(RdoCore *core, uint64_t now, uint32_t *qpn);
uint64_t rdo_xport_timer_next(RdoCore *core);
/* Puts a QP once on a list of work for the end of this round. */
void rdo_xport_queue(RdoCore *core, RdoIdxQueue *list, bool *queued,
                     uint32_t qpn);
void rdo_xport_queue_ack(RdoCore *core, uint32_t qpn);
void rdo_xport_queue_resp(RdoCore *core, uint32_t qpn);

/* READs and atomics: they wait for response data, count against
 * max_rd_atomic and take PSNs for their responses. */
static inline bool rdo_wr_read_like(uint8_t wr_opcode)
{
    return wr_opcode == RDO_WR_RDMA_READ || wr_opcode == RDO_WR_ATOMIC_CMP_SWP ||
           wr_opcode == RDO_WR_ATOMIC_FETCH_ADD;
}

/* Local memory operations: executed by the requester, no packets. */
static inline bool rdo_wr_local(uint8_t wr_opcode)
{
    return wr_opcode == RDO_WR_LOCAL_INV || wr_opcode == RDO_WR_REG_MR ||
           wr_opcode == RDO_WR_BIND_MW;
}

/* Whether a requester has records not complete yet. */
static inline bool rdo_req_undone(const RdoXport *x)
{
    for (const GList *l = x->req.sent.head; l; l = l->next) {
        if (!((const RdoSendRec *)l->data)->done) {
            return true;
        }
    }
    return false;
}

/* A record of a READ or atomic (they wait for response data). */
static inline bool rdo_rec_read_like(const RdoSendRec *rec)
{
    return rdo_wr_read_like(rec->wr_opcode);
}

/* The last PSN of a record's request (READ: of its responses). */
static inline uint32_t rdo_rec_last_psn(const RdoSendRec *rec)
{
    return rdo_psn_add(rec->first_psn, rec->npkts - 1);
}

/* Responder resources a QP uses (max_dest_rd_atomic, 1 to 16). */
static inline uint32_t rdo_resp_res_count(const RdoQpCtx *qp)
{
    return MAX(MIN(qp->max_dest_rd_atomic, RDO_RESP_RES_MAX), 1);
}

/* The syndrome of an RNR NAK with the QP's minimum RNR timer. */
static inline uint8_t rdo_rnr_syndrome(const RdoQpCtx *qp)
{
    return RDO_AETH_TYPE_RNR_NAK | (qp->min_rnr_timer & 0x1f);
}

/* The MTU of a QP in bytes. */
static inline uint32_t rdo_qp_mtu(const RdoQpCtx *qp)
{
    return 128u << qp->path_mtu;
}

/*
 * Packet out (packet.c): a packet of QP qpn, cleared, with the addresses of the
 * QP or of a UD address, the QP's next IP ID and its UDP source port.
 */
void rdo_tx_fill_addr(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp,
                      const struct rdo_ud_seg *ud, RdoWirePacket *pkt);
/*
 * Where to gather the payload of `len` bytes of a packet whose opcode and
 * addresses are set: in the frame rdo_tx_packet will build (no copy then),
 * or a spare buffer if the description makes no frame that fits (the
 * build fails and counts it). Sets pkt->payload and payload_len.
 */
uint8_t *rdo_tx_payload_at(RdoCore *core, RdoWirePacket *pkt, uint32_t len);
void rdo_tx_packet(RdoCore *core, RdoWirePacket *pkt);
/* Requester (tx.c): one scheduler visit; true if it has more to send. */
bool rdo_tx_process(RdoCore *core, uint32_t qpn, RdoQpCtx *qp);
/*
 * Fast registration (fastreg.c): executes the REG_MR WQE `w` of QP qpn.
 * False if it must wait (its MR's allocation is still queued; the QP
 * stalls on it); else the status and vendor_err of its completion.
 */
bool rdo_fastreg_exec(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp,
                      const RdoWqe *w, uint8_t *status, uint32_t *vendor_err);
/*
 * Memory windows (mw.c): executes the BIND_MW WQE `w` for QP qpn (a type-2
 * window is bound to it) of PD pdn, and a LOCAL_INV of `key`. Like
 * rdo_fastreg_exec: false if it must wait (the QP stalls on the pending
 * index); else the status and vendor_err of its completion.
 */
bool rdo_mw_bind_exec(RdoCore *core, uint32_t qpn, uint32_t pdn,
                      const RdoWqe *w, uint8_t *status, uint32_t *vendor_err);
bool rdo_local_inv_exec(RdoCore *core, uint32_t qpn, uint32_t pdn,
                        uint32_t key, uint8_t *status, uint32_t *vendor_err);
/* Completion (complete.c): done records in order; the send side flushed. */
void rdo_req_complete(RdoCore *core, uint32_t qpn, RdoQpCtx *qp);
RDO_COLD void rdo_req_flush(RdoCore *core, uint32_t qpn);
void rdo_req_timer(RdoCore *core, uint32_t qpn, RdoQpCtx *qp);
/* After an engine failover: back to the oldest unacknowledged PSN. */
void rdo_req_resume(RdoCore *core, uint32_t qpn);

/*
 * Engine failover (hard.c): the QP's transport hard state written to the
 * transport section of its context in the store at a commit point
 * (nothing with failover=0); and rebuilt from there after a fault (its
 * aggregated payload placed first, rdo_agg_flush): false if the store
 * cannot be read or what it holds is not a good image.
 */
void rdo_xport_commit(RdoCore *core, uint32_t qpn);
bool rdo_xport_recover(RdoCore *core, uint32_t qpn);
/* (hard.c) Responder resource `slot` written back once it is complete. */
void rdo_xport_commit_res(RdoCore *core, uint32_t qpn, uint32_t slot);
/* (hard.c) A record joins the list of the QP transmitting it: numbered. */
void rdo_xport_rec_added(RdoXport *x, RdoSendRec *rec);
/* (hard.c) Bytes a recovery of QP qpn reads back (timing of the blackout). */
uint32_t rdo_xport_recover_bytes(RdoCore *core, uint32_t qpn);
/* (wqe.c) Reads the WQE of a record from its ring (qp: the QP holding the
 * record); `reread`: a retransmission, which the timing model charges for. */
bool rdo_rec_fetch(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp,
                   const RdoSendRec *rec, bool reread, RdoWqe *w,
                   uint32_t *vendor_err);
/* (hold.c) The hold's slots: made and freed with the transport. find:
 * the record's held WQE, NULL if it has none. claim: the slot of QP qpn
 * for the record (its previous holder loses it), to read the WQE into.
 * keep: the WQE just read into st->wqe_buf becomes the record's held copy
 * (the buffers swap). release: the record lets go (it is freed). drop_qp:
 * every WQE held for QP qpn or read from its ring (modify, reset,
 * failover, move); drop_all: all (a state load, the PF's context caches
 * made again at a new size). */
void rdo_tx_hold_init(RdoState *st);
void rdo_tx_hold_free(RdoState *st);
void rdo_tx_hold_drop_qp(RdoState *st, uint32_t qpn);
void rdo_tx_hold_drop_all(RdoState *st);
/* Inline: a few per message or packet, the build has no link-time
 * optimisation. */
static inline const RdoWqe *rdo_tx_hold_find(const RdoState *st,
                                             const RdoSendRec *rec)
{
    const RdoTxHold *h = rec->hold ? &st->tx_hold[rec->hold - 1] : NULL;

    return h && h->rec == rec ? h->wqe : NULL;
}

static inline void rdo_tx_hold_release(RdoState *st, RdoSendRec *rec)
{
    if (rec->hold) {
        RdoTxHold *h = &st->tx_hold[rec->hold - 1];

        /* Only the slot's own record clears it (an eviction or a drop
         * cleared the record's side already). */
        if (h->rec == rec) {
            h->rec = NULL;
        }
        rec->hold = 0;
    }
}

static inline RdoWqe *rdo_tx_hold_claim(RdoState *st, uint32_t qpn,
                                        RdoSendRec *rec)
{
    unsigned i = qpn & (RDO_TX_HOLDS - 1);
    RdoTxHold *h = &st->tx_hold[i];

    if (h->rec != rec) {
        if (h->rec) {
            h->rec->hold = 0;   /* evicted: read again when next sent */
        }
        rdo_tx_hold_release(st, rec);
        h->rec = rec;
        h->qpn = qpn;
        h->qp = NULL;           /* a new message: looked up again */
        h->mr.mr = NULL;
        rec->hold = i + 1;
    }
    return h->wqe;
}

/* The WQE of record `rec`, which QP qpn sends: the held copy, else read
 * from the ring (rdo_rec_fetch; `reread`: a retransmission's timed read,
 * never the held copy) into qpn's slot, which then holds it. `evict`: the
 * slot may be taken from the record holding it (the transmit engine); the
 * receive side's reads (READ responses) take it only when free, else read
 * into the scratch buffer. NULL: the read or its checks failed
 * (vendor_err), nothing held. The copy is read-only. */
const RdoWqe *rdo_rec_wqe_read(RdoCore *core, uint32_t qpn,
                               const RdoQpCtx *qp, RdoSendRec *rec,
                               bool reread, bool evict, uint32_t *vendor_err);
static inline const RdoWqe *rdo_rec_wqe(RdoCore *core, uint32_t qpn,
                                        const RdoQpCtx *qp, RdoSendRec *rec,
                                        bool reread, bool evict,
                                        uint32_t *vendor_err)
{
    const RdoWqe *w = reread ? NULL : rdo_tx_hold_find(core->st, rec);

    return w ? w : rdo_rec_wqe_read(core, qpn, qp, rec, reread, evict,
                                    vendor_err);
}

/*
 * The engine's held context of QP qpn, for a visit: while a message of
 * qpn holds its slot and the context's cache line still has the load it
 * was looked up in (the model's cache is not asked: no hit counted, no
 * replacement order touched); else NULL, and the visit looks it up
 * (rdo_qp_get). note: the context qp just looked up becomes the held one
 * when a message of qpn holds the slot.
 */
static inline RdoQpCtx *rdo_tx_hold_qp(RdoCore *core, uint32_t qpn)
{
    const RdoTxHold *h = &core->st->tx_hold[qpn & (RDO_TX_HOLDS - 1)];

    if (h->rec && h->qpn == qpn && h->qp && h->qp_line->valid &&
        h->qp_line->stamp == h->qp_stamp) {
        /* Used as a hit would be, so the cache chooses as before. */
        rdo_ctx_line_used(&core->st->qpc, h->qp_line);
        rdo_tm_app_flow(core, qpn);     /* as rdo_qp_get: its payload flow */
        return h->qp;
    }
    return NULL;
}

static inline void rdo_tx_hold_note_qp(RdoState *st, uint32_t qpn,
                                       RdoQpCtx *qp)
{
    RdoTxHold *h = &st->tx_hold[qpn & (RDO_TX_HOLDS - 1)];
    RdoCtxLine *l = rdo_ctx_line_of(&st->qpc, qpn);

    /* Only a context in a cache line (not a doorbell's side copy). */
    if (h->rec && h->qpn == qpn && l && l->data == (uint8_t *)qp) {
        h->qp = qp;
        h->qp_line = l;
        h->qp_stamp = l->stamp;
    }
}

/* The payload MR translation the record's slot keeps, or NULL. */
static inline RdoMrHeld *rdo_tx_hold_mr(RdoState *st, const RdoSendRec *rec)
{
    RdoTxHold *h = rec->hold ? &st->tx_hold[rec->hold - 1] : NULL;

    return h && h->rec == rec ? &h->mr : NULL;
}

static inline void rdo_tx_hold_keep(RdoState *st, uint32_t qpn,
                                    RdoSendRec *rec)
{
    RdoTxHold *h = &st->tx_hold[qpn & (RDO_TX_HOLDS - 1)];
    RdoWqe *scratch = st->wqe_buf;

    /* The WQE just fetched into the scratch buffer becomes the slot's:
     * the buffers trade places (its SGE pointers point into itself). */
    rdo_tx_hold_claim(st, qpn, rec);
    st->wqe_buf = h->wqe;
    h->wqe = scratch;
}
/* (records.c) Records come from and go back to a per-adapter pool: no
 * allocation per work request once the pool holds the most in flight.
 * One goes back when the last list holding it lets go (unref), or at
 * once if no list took it (put: a fetch that has to wait). */
RdoSendRec *rdo_rec_new(RdoState *st);
void rdo_rec_unref(RdoState *st, RdoSendRec *rec);
void rdo_rec_put(RdoState *st, RdoSendRec *rec);
/* A list of records: add at the tail, take the head (NULL if empty), and
 * drop all (each unreferenced). */
void rdo_rec_push(GQueue *q, RdoSendRec *rec);
RdoSendRec *rdo_rec_pop(GQueue *q);
void rdo_rec_clear(RdoState *st, GQueue *q);
/* (records.c) The pool's records, freed (the adapter goes). */
void rdo_rec_pool_free(RdoState *st);
/* The oldest READ or atomic record not done, and its index; NULL if none. */
RdoSendRec *rdo_rec_oldest_read(RdoXport *x, guint *index);
/* (records.c) A record is complete with a status (a READ or atomic leaves
 * the count of those in flight, if it was counted: it has PSNs then). */
void rdo_rec_done(RdoXport *x, RdoSendRec *rec, uint8_t status,
                  uint32_t vendor_err);
/* (wqe.c) Reads and checks a WQE; false if it is not valid. */
bool rdo_wqe_fetch(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp,
                   uint32_t index, bool reread, RdoWqe *w,
                   uint32_t *vendor_err);
/* (packet.c) Copies between a WQE's SGEs at a message offset and buf. */
int rdo_sge_copy(RdoCore *core, uint32_t pdn, const struct rdo_sge *sge,
                 uint32_t num_sge, uint64_t offset, void *buf, uint32_t len,
                 bool to_guest);
/* The same through a held MR translation (rdo_mr_access_held): the
 * transmit engine's, for the message it holds. held NULL: rdo_sge_copy. */
int rdo_sge_copy_held(RdoCore *core, uint32_t pdn, const struct rdo_sge *sge,
                      uint32_t num_sge, uint64_t offset, void *buf,
                      uint32_t len, bool to_guest, RdoMrHeld *held);

/*
 * Congestion control (cc.c). A CE-marked packet of QP qpn came from the
 * peer in p: a CNP back, at most one per cnp-interval-us. A CNP for QP
 * qpn (already checked to be ours): its rate limiter slows down, or the
 * CNP is counted as ignored.
 */
void rdo_cc_ce(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp,
               const RdoWireParsed *p);
void rdo_cc_cnp(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp);
/* Timing model: must QP qpn wait before its next packet (its rate)? */
bool rdo_cc_tx_wait(RdoCore *core, uint32_t qpn);
/* QP qpn sent a packet: the limiter's byte counter and pacing. */
void rdo_cc_tx_sent(RdoCore *core, uint32_t qpn, const RdoWirePacket *pkt);
/* Whether an RC request packet should ask for an ACK because the limiter
 * spaces the QP's packets so far apart that 64 of them (the usual ACK
 * cadence) would outlast a good part of the retransmit timeout. */
bool rdo_cc_ack_wanted(RdoCore *core, uint32_t qpn, uint64_t rto_ns);

/* Receive (ingress/rx.c hands over to resp.c and req-rx.c). */
void rdo_resp_request(RdoCore *core, uint32_t qpn, RdoQpCtx *qp,
                      const RdoWireParsed *p, const uint8_t *frame);
/*
 * Refuses a request. RC: a NAK (a fatal one also moves the QP to the error
 * state). UC has no NAKs: the message is lost, and the responder resumes
 * at the next one.
 */
void rdo_resp_nak(RdoCore *core, uint32_t qpn, RdoQpCtx *qp, uint32_t psn,
                  uint8_t syndrome, bool fatal);
/* A response packet (ACK, READ response, atomic ACK) of QP qpn; AETH ACK. */
void rdo_resp_packet(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp,
                     RdoWirePacket *pkt, uint8_t op, uint32_t psn);
/* An ACK for psn at the end of this processing round (coalesced). */
void rdo_resp_ack_now(RdoCore *core, uint32_t qpn, RdoQpCtx *qp, uint32_t psn);
void rdo_resp_run(RdoCore *core, uint32_t qpn, RdoQpCtx *qp);
void rdo_resp_send_ack(RdoCore *core, uint32_t qpn, RdoQpCtx *qp);
bool rdo_resp_duplicate(RdoCore *core, uint32_t qpn, RdoQpCtx *qp,
                        const RdoWireParsed *p);
void rdo_resp_read(RdoCore *core, uint32_t qpn, RdoQpCtx *qp,
                   const RdoWireParsed *p);
void rdo_resp_atomic(RdoCore *core, uint32_t qpn, RdoQpCtx *qp,
                     const RdoWireParsed *p);
void rdo_req_response(RdoCore *core, uint32_t qpn, RdoQpCtx *qp,
                      const RdoWireParsed *p);

/*
 * Receive aggregation (rx-agg.c): rdo_agg_add gathers payload bound for
 * `va` of the target `key` (see RdoXport.agg_*). False if a placement DMA
 * of this target failed: a failed SEND or READ placement has already
 * failed its work request (rdo_resp_place_recv, rdo_req_place_read); a
 * WRITE's is for the caller to report.
 */
enum rdo_agg_kind { RDO_AGG_WRITE, RDO_AGG_SEND, RDO_AGG_READ };
bool rdo_agg_add(RdoCore *core, uint32_t qpn, enum rdo_agg_kind kind,
                 uint32_t key, uint64_t va, const void *data, uint32_t len);
bool rdo_agg_flush(RdoCore *core, uint32_t qpn);
/* Places SEND payload at `offset` of the receive WQE in progress (recv.c). */
bool rdo_resp_place_recv(RdoCore *core, uint32_t qpn, uint64_t offset,
                         void *data, uint32_t len);
/* Places READ response payload at `offset` of the READ from `first_psn`. */
bool rdo_req_place_read(RdoCore *core, uint32_t qpn, uint32_t first_psn,
                        uint64_t offset, void *data, uint32_t len);
void rdo_agg_run(RdoCore *core);
/* Every QP's held placement MR translation let go (a state load, the
 * PF's context caches made again: it points into their lines). */
void rdo_agg_drop_held_all(RdoCore *core);
/* QPs with aggregated data to place? (What rdo_agg_run serves.) */
static inline bool rdo_agg_pending(const RdoCore *core)
{
    return core->st->agg_list.len != 0;
}

/* A QP on an SRQ entered ERR: its SRQ WQE in progress flushed, LAST_WQE. */
void rdo_qp_srq_last_wqe(RdoCore *core, uint32_t qpn, RdoQpCtx *qp);
/* A QP to the error state (complete.c): flush, tell the driver. */
RDO_COLD void rdo_qp_to_error(RdoCore *core, uint32_t qpn, RdoQpCtx *qp,
                              enum rdo_qp_err why);
/* Completes the QP's outstanding and queued work with a flush error. */
RDO_COLD void rdo_qp_flush(RdoCore *core, uint32_t qpn, RdoQpCtx *qp);
/* The QP state machine (qp-state.c): MODIFY_QP on QP `qpn`, which exists;
 * returns a rdo_cqp_status. */
int rdo_qp_modify(RdoCore *core, uint32_t qpn,
                  const struct rdo_cmd_modify_qp *m);
/* The largest path MTU (RDO_MTU_*) an Ethernet MTU carries. */
uint8_t rdo_active_mtu(uint32_t eth_mtu);

/* The inline-pushed copy of WQE `index`, if the doorbell page holds it. */
bool rdo_push_take(RdoCore *core, uint32_t qpn, uint32_t index, uint8_t *buf,
                   uint32_t stride);

/* The responder's receive WQEs (recv.c). */
bool rdo_recv_queue_of(RdoCore *core, RdoQpCtx *qp, RdoRecvQueue *q);
/* Takes the next receive WQE for a new message: false if none is posted. */
bool rdo_recv_next_pending(RdoCore *core, RdoQpCtx *qp);
bool rdo_recv_begin(RdoCore *core, RdoQpCtx *qp, RdoXport *x);
/* The receive WQE of the message in progress, read again; NULL if not. */
RdoRecvWqe *rdo_recv_wqe(RdoCore *core, RdoQpCtx *qp, RdoXport *x);
void rdo_recv_complete(RdoCore *core, uint32_t qpn, RdoQpCtx *qp, RdoXport *x,
                       struct rdo_cqe *cqe, bool solicited);
/* A receive error: the WQE completes with `status`, the QP fails. */
void rdo_recv_fail(RdoCore *core, uint32_t qpn, RdoQpCtx *qp, RdoXport *x,
                   uint8_t status, uint32_t vendor_err, uint32_t psn,
                   uint8_t nak, enum rdo_qp_err why);

/*
 * Buffered receive (bufrecv.c, D10). A packet of a SEND on an RC QP that
 * the responder cannot place (no receive posted, or older SENDs held):
 * held, true; false: not taken, the caller answers with an RNR NAK. A
 * message that outgrows the buffer mid-way is given back (RNR NAK for its
 * first packet, taken as handled: true).
 */
bool rdo_bufrecv_packet(RdoCore *core, uint32_t qpn, RdoQpCtx *qp, RdoXport *x,
                        const RdoWireParsed *p, bool first);
/* Places the complete held SENDs, oldest first, into posted receives. */
void rdo_bufrecv_drain(RdoCore *core, uint32_t qpn);
/* Drops a QP's held SENDs (reset, error, destroyed), counted (held.c). */
void rdo_bufrecv_drop(RdoCore *core, uint32_t qpn);
/* Frees one held SEND, its bytes back to the buffer (held.c). */
void rdo_held_free(RdoCore *core, RdoHeld *h);

/*
 * Partial buffer operation (partial.c) on an SRQ with SRQ_PARTIAL on: a
 * single-packet SEND placed at the next offset of the buffer in use (true:
 * handled, completed or NAKed); before a multi-packet SEND, the buffer in
 * use given back (its BUF_DONE completion of 0 bytes).
 */
bool rdo_partial_send(RdoCore *core, uint32_t qpn, RdoQpCtx *qp, RdoXport *x,
                      const RdoWireParsed *p);
void rdo_partial_retire(RdoCore *core, uint32_t qpn, RdoQpCtx *qp,
                        RdoXport *x);
/* The QP's SRQ, if it is in partial buffer operation (recv.c). */
RdoSrq *rdo_partial_srq(RdoCore *core, const RdoQpCtx *qp);

/* The responder's ACKs and NAKs (resp-ack.c). */
void rdo_resp_send_aeth(RdoCore *core, uint32_t qpn, const RdoQpCtx *qp,
                        uint32_t psn, uint8_t syndrome);
void rdo_resp_ack_later(RdoCore *core, uint32_t qpn, RdoXport *x, uint32_t psn);
/*
 * A WRITE whose payload could not be placed (its region names memory the
 * device cannot reach): the responder's mistake, a remote-access NAK for
 * `psn` (RC) and the QP fails, wherever the placement found it (at the
 * last packet, or at the end of a processing round mid-message).
 */
void rdo_resp_write_failed(RdoCore *core, uint32_t qpn, RdoQpCtx *qp,
                           uint32_t psn);
/* A fatal responder error: NAK (RC), then the QP fails. */
RDO_COLD void rdo_resp_error(RdoCore *core, uint32_t qpn, RdoQpCtx *qp,
                             uint32_t psn, uint8_t nak, enum rdo_qp_err why);

#endif /* RDO_TRANSPORT_H */
