/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the state shared between the layers (types only; each
 * layer declares its functions in its own folder's header). Not part of the
 * core's API (rdo-core.h).
 */
#ifndef RDO_INTERNAL_H
#define RDO_INTERNAL_H

#include <glib.h>
#include "rdo-core.h"

/*
 * Guest-memory structures are little-endian; the core reads them as C
 * structures, which is only right on a little-endian host.
 */
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the rdma-offload core assumes a little-endian host"
#endif

#define RDO_NONE UINT32_MAX

/* A ring in guest memory, as the driver described it. */
typedef struct RdoRing {
    uint64_t addr;              /* base, or page list with RDO_RING_F_PAGE_LIST */
    uint8_t log_size;
    uint8_t stride_shift;
    uint8_t flags;
} RdoRing;

/* Event queue (device-internal state). */
typedef struct RdoEq {
    bool valid;
    bool armed;
    uint16_t vector;
    RdoRing ring;
    uint32_t pi, ci;
    uint32_t users;             /* CQs bound to it */
} RdoEq;

/* Completion queue (device-internal state). */
typedef struct RdoCq {
    bool valid;
    bool error;                 /* overflowed or unreachable: drops CQEs */
    uint32_t arm;               /* RDO_DB_CQ_ARM_* bits, 0 = not armed */
    uint16_t db_page;
    uint32_t eqn;
    RdoRing ring;
    uint32_t pi, ci;
    uint32_t users;             /* QPs bound to it */
    /* Interrupt moderation: the event after mod_count CQEs or mod_ns. */
    uint16_t mod_count;
    uint64_t mod_ns;
    uint32_t mod_pending;       /* CQEs since armed, no event yet */
    uint64_t mod_due;           /* when the event is due, 0: not timed */
} RdoCq;

typedef struct RdoPd {
    bool valid;
    bool kernel;                /* RDO_PD_F_KERNEL: may use RDO_LOCAL_DMA_LKEY */
    uint32_t users;             /* QPs, MRs and SRQs in it */
} RdoPd;

/* A multicast group with UD QPs attached (ctrl/cqp-mcast.c). */
typedef struct RdoMcastGroup {
    uint8_t gid[16];
    uint8_t mac[6];
    uint32_t nqp;               /* 0: the entry is free */
    uint32_t qpn[RDO_MCAST_QPS_PER_GROUP];
} RdoMcastGroup;

typedef struct RdoSrq {
    bool valid;
    uint16_t db_page;
    uint32_t pdn;
    RdoRing ring;
    uint32_t pi, ci;
    uint32_t users;             /* QPs attached */
    uint16_t limit;             /* SRQ limit armed (MODIFY_SRQ), 0: not armed */
    /* Partial buffer operation (SRQ_PARTIAL, xport/partial.c): the stride
     * (0: off) and the buffer in use, its WQE's SGEs held on chip. */
    uint8_t part_shift;
    bool part_cur;
    uint8_t part_num_sge;
    uint32_t part_off;          /* the next message no earlier than this */
    uint64_t part_len, part_wr_id;
    struct rdo_sge part_sge[RDO_SRQ_PARTIAL_MAX_SGE];
} RdoSrq;

/*
 * What each QP holds, kept on the device as well as in the QP context, so
 * that destroying a QP whose context was corrupted in host memory still
 * releases exactly what it held.
 */
typedef struct RdoQpBind {
    uint32_t pdn, send_cqn, recv_cqn, srqn, ssq_qpn;
    uint32_t type;              /* RDO_QPT_*: multicast groups take UD only */
} RdoQpBind;

typedef struct RdoGid {
    bool valid;
    uint8_t gid[16];
} RdoGid;

/*
 * The second physical port: what port 1 keeps in RdoState.port_mtu,
 * port_mac and gids (its link is RdoCore.link2_up), and the four counters
 * of block 0 counted per port (the rest are the pipelines', port 1's).
 */
typedef struct RdoPortCounters {
    uint64_t tx_packets, rx_packets, rx_icrc_errors, rx_drops;
} RdoPortCounters;

typedef struct RdoPort2 {
    uint32_t mtu;
    uint8_t mac[6];
    RdoGid *gids;               /* max_gid entries */
    RdoPortCounters cnt;
} RdoPort2;

/* A QP's port: one never given one is port 1's. */
#define rdo_qp_port(qp) ((qp)->port ? (qp)->port : 1u)

/*
 * QP context: lives in the QP context store in host memory (device-owned,
 * device-private layout), cached on the device. The driver must not touch
 * it; since it can, every context loaded from host memory is checked.
 */
#define RDO_QPC_MAGIC 0x51504358u       /* "XCPQ" */
typedef struct RdoQpCtx {
    uint32_t magic;             /* RDO_QPC_MAGIC ^ qpn */
    uint8_t state, type, flags, path_mtu;
    uint32_t pdn, send_cqn, recv_cqn, srqn, ssq_qpn;
    uint16_t db_page, max_inline;
    uint64_t sq_addr, rq_addr;
    uint8_t sq_log_size, sq_wqe_shift, sq_ring_flags;
    uint8_t rq_log_size, rq_wqe_shift, rq_ring_flags;
    uint8_t sgid_index, hop_limit;
    uint32_t sq_pi, sq_ci, rq_pi, rq_ci;
    uint32_t dest_qpn, sq_psn, rq_psn, qkey, access;
    uint8_t dmac[6];
    uint8_t timeout, retry_cnt;
    uint8_t dgid[16];
    uint8_t rnr_retry, min_rnr_timer, max_rd_atomic, max_dest_rd_atomic;
    uint16_t notify_delay_usec;
    uint8_t traffic_class;      /* DSCP in bits 7:2; ECN bits kept 0 */
    uint8_t port;               /* 1 or 2; 0 (never set): port 1 */
    uint8_t reserved0[4];
    uint8_t transport[128];     /* data-path state, reserved */
} RdoQpCtx;
_Static_assert(sizeof(RdoQpCtx) == RDO_QPC_SIZE, "QP context size");

#define RDO_MRC_MAGIC 0x4d524358u       /* "XCRM" */
#define RDO_MR_F_VALID      1u          /* usable: not invalidated */
#define RDO_MR_F_FAST_REG   2u          /* allocated by ALLOC_MR: REG_MR WQEs register it */
#define RDO_MR_F_WINDOW     4u          /* a memory window (ALLOC_MW); VALID: bound */
#define RDO_MR_F_TYPE2      8u          /* a type-2 window: only its QP uses it */
typedef struct RdoMrCtx {
    uint32_t magic;             /* RDO_MRC_MAGIC ^ index */
    uint32_t pdn;
    uint64_t iova;
    uint64_t length;
    uint64_t page_list;
    uint32_t num_pages;         /* 0: a fast-registration MR never registered */
    uint8_t page_shift, key, flags, reserved0;
    uint16_t access;
    uint16_t max_access;        /* fast registration: rights it may grant */
    uint32_t max_pages;         /* fast registration: pages it may name */
    uint32_t mr_key;            /* bound window: the key of its MR */
    uint32_t qpn;               /* bound type-2 window: the QP that bound it */
    uint32_t qp_gen;            /* and that QP's incarnation (RdoState.qp_gen) */
    uint8_t reserved1[4];
} RdoMrCtx;
_Static_assert(sizeof(RdoMrCtx) == RDO_MRC_SIZE, "MR context size");
/* A store's entries fill its pages whole, a power of two a page
 * (ctx/ctx-cache.c finds an entry's page by a shift). */
#define RDO_CTX_STRIDE_OK(s) (((s) & ((s) - 1)) == 0 && (s) <= RDO_PAGE_SIZE)
_Static_assert(RDO_CTX_STRIDE_OK(RDO_QPC_SIZE) &&
               RDO_CTX_STRIDE_OK(RDO_QPC_FO_ENTRY_SIZE) &&
               RDO_CTX_STRIDE_OK(RDO_MRC_SIZE), "context store strides");

/* A cache of contexts kept in a host-memory store (ctx/ctx-cache.c). */
typedef struct RdoCtxLine {
    bool valid, dirty;
    uint32_t index;
    uint64_t last_use;
    uint64_t filled;            /* when loaded (FIFO replacement) */
    uint64_t ready_ps;          /* timing: when its fetch completes */
    bool prefetched;            /* timing: loaded ahead, not used yet */
    /* Host-side: its set (position / ways, fixed), so that the order
     * kept on every use and miss takes no division. */
    uint32_t set;
    uint8_t *data;
    uint32_t prev, next;        /* LRU: neighbours in its set's order */
    /* Host-side, never saved: which load of a context this is, unique in
     * the cache's life (RdoCtxCache.stamps), so that a context held past
     * its lookup (the transmit engine's, xport/hold.c) knows its line. */
    uint64_t stamp;
} RdoCtxLine;

/* LRU: a set's valid lines from least to most recently used, those not
 * prefetched and the prefetched ones apart (line positions, RDO_NONE). */
typedef struct RdoCtxOrder {
    uint32_t head[2], tail[2];  /* [prefetched] */
    uint32_t invalid;           /* lines of the set not valid */
} RdoCtxOrder;

typedef struct RdoCtxCache {
    const char *name;
    uint32_t ctx_size;
    uint32_t stride;            /* bytes per entry in the store (ctx_size or more) */
    uint32_t per_page_shift;    /* log2 of the entries in a store page */
    uint32_t entries;
    uint64_t *pglist_reg;       /* the store's page list register */
    uint32_t *pages_reg;        /* and its page count */
    uint64_t *hits, *misses;
    uint64_t clock;
    /* Host-side, never saved. stamps: the last line stamp given. gen:
     * moves whenever any line's context may change (loaded, made new,
     * written, evicted, dropped), so that an MR translation held past its
     * lookup (the transmit engine's) is used only while it is current. */
    uint64_t stamps, gen;
    uint32_t ways, sets;        /* entries = ways x sets */
    uint32_t policy;            /* RDO_CACHE_* */
    uint32_t prefetched;        /* lines loaded ahead and not used yet */
    RdoCtxLine *lines;          /* set s holds lines [s * ways, (s+1) * ways) */
    /* Host-side indexes of the same state, so that a lookup, a victim and
     * a dirty mark cost the same whatever the size: line of each context
     * index (position + 1, 0: not cached), per-set order and valid bits,
     * and the lines' data in one block. */
    uint32_t *where;
    uint32_t where_len;
    RdoCtxOrder *order;
    uint64_t *valid_bits;
    uint8_t *block;
    /* Outside the cache: a context read for a doorbell's checks, written
     * straight back (hardware keeps those fields in a doorbell table). */
    bool bypass;
    RdoCtxLine side;
} RdoCtxCache;

/* The control QP. */
typedef struct RdoCqp {
    uint32_t pi;                /* posted, from the CQP_PI doorbell */
    uint32_t ci;                /* completed */
    uint32_t scanned;           /* looked at for pending MR registrations */
    uint32_t *pending_mr;       /* per ring slot: MR made pending, or NONE */
    bool busy;                  /* a command is in flight */
    uint64_t done_at;           /* when it completes */
} RdoCqp;

/* A FIFO of object numbers (base/idxq.c); zeroed is empty. */
typedef struct RdoIdxQueue {
    uint32_t *v;
    uint32_t head, len;
    uint32_t cap;               /* 0 or a power of two */
} RdoIdxQueue;

struct RdoState {
    bool enabled;
    RdoCqp cqp;
    RdoEq *eqs;
    RdoCq *cqs;
    RdoPd *pds;
    RdoSrq *srqs;
    RdoGid *gids;
    /* The tables of RDO_QP_TABLES share one block (below). */
    void *qp_tables;
    size_t qp_tables_bytes;
    uint8_t *qp_used;           /* QP numbers allocated */
    uint8_t *qp_flow_class;     /* per QP: its DMA flow class (MODIFY_QP) */
    RdoQpBind *qp_bind;         /* per QP: the objects it holds */
    uint32_t *ssq_users;        /* per shared send queue: connections fed */
    uint32_t *qp_stall_mr;      /* per QP: pending MR its SQ waits for, or NONE */
    uint8_t *mr_used;           /* MR indexes registered */
    uint8_t *mr_pending;        /* MR indexes with a queued registration */
    uint32_t *mr_windows;       /* per MR: windows bound to it (DEREG_MR refused) */
    uint32_t *qp_gen;           /* per QP number: CREATE_QPs so far (type-2 windows) */
    /* Connections moved between functions (ctrl/cqp-move.c): per object,
     * the function it went to + 1 (0: none; counted when named while the
     * number is free here), and per MR the function + 1 whose keys it
     * keeps (0: this function's). */
    uint8_t *cq_away, *pd_away, *mr_away, *mr_key_fn;
    uint32_t mr_pending_n;      /* how many: receive WQEs are looked at for
                                 * them only while there are any */
    uint32_t usable_qps, usable_mrs;
    RdoMcastGroup mcast[RDO_MCAST_GROUPS];
    RdoCtxCache qpc, mrc;
    RdoIdxQueue sq_ready;       /* QP numbers with send work to look at */
    uint8_t *sq_queued;         /* on sq_ready already */
    struct RdoXport *xport;     /* per QP: transport state (xport/transport.h) */
    uint32_t *qp_timer_pos;     /* per QP: its place in the timer heap (xport/timers.c) */
    RdoIdxQueue ack_list, resp_list; /* QPs with an ACK or responses to send */
    RdoIdxQueue cq_timed;       /* CQs with a moderated event due */
    RdoIdxQueue agg_list;       /* QPs with aggregated payload to place */
    GPtrArray *agg_free;        /* aggregation buffers not in use */
    struct RdoMrListLine *agg_lines; /* writes on arrival's page-list copies (xport/rx-agg.c) */
    GPtrArray *rec_free;        /* requester records not in use */
    struct RdoTimers *timers;   /* QPs with a transport timer running */
    struct RdoWqe *wqe_buf;     /* scratch: the WQE being worked on */
    struct RdoTxHold *tx_hold;  /* the transmit engine's held WQEs (xport/hold.c) */
    uint8_t *frame_buf, *payload_buf;
    uint8_t **push_area;        /* per doorbell page: the inline push copy */
    uint32_t *push_written;     /* per page: push data bytes since its last
                                 * trigger (RDO_PUSH_WRITTEN_UNKNOWN) */
#define RDO_PUSH_WRITTEN_UNKNOWN UINT32_MAX /* after a load: not checked */
    uint32_t *page_qps;         /* per page: live QPs on it (ctrl/push.c) */
    uint16_t *qp_db_page;       /* per QP: the page it counts on */
    bool page_qps_known;        /* false after a load, until a reset */
    struct RdoFault *fault;     /* fault injection (egress/egress.h) */
    struct RdoLoopback *loopback; /* frames to our own MAC (egress/egress.h) */
    uint32_t port_mtu;
    uint8_t port_mac[6];
    RdoPort2 port2;             /* ports = 2 (base/port.c) */
    uint8_t rx_port;            /* the port of the frame being received */
    struct RdoTiming *tm;       /* timing model (timing/timing.h), NULL when off */
    struct RdoEth *eth;         /* the Ethernet function (eth/eth.h) */
    struct RdoCm *cm;           /* the offloaded connection manager (cm/cm.h) */
    /* Buffered receive (xport/bufrecv.c): bytes of SENDs held now. */
    uint64_t bufrecv_used;
    /* Engine failover (state/failover.c): a seeded fault waits for the
     * next wake-up. */
    bool fo_pending;
    /* Work may wait for an engine that a stream leaves idle (the side
     * engines: failover, CQP, loopback, CQ moderation, fault injection,
     * CM, Ethernet; core.c rdo_side_pending): set where such work is
     * queued (rdo_side_work), recomputed from their pending tests at the
     * end of a wake-up, so that most wake-ups test it instead of each. */
    bool side_work;
    /* The protocol engines (`engines`): each QP's engine, the next
     * one a new QP gets, the engine a pending seeded fault hits, the one
     * the ENG_* registers name; per QP the end of its blackout (timing:
     * its frames refused, its resume due; 0 none), per engine its faults
     * and the frames refused for it. */
    uint8_t *qp_engine;
    uint32_t eng_next, fo_pending_engine, eng_select;
    uint64_t *qp_blackout_ps;
    uint64_t fo_resume_ps;      /* the first of them, 0 none */
    uint64_t eng_faults[RDO_ENGINES_MAX], eng_drops[RDO_ENGINES_MAX];
};

/*
 * SR-IOV (base/sriov.c): the PF's core owns it, every function's core
 * points to it. Each function is a core of its own that numbers its objects
 * from 0 up to its share; the shares of all functions add up to at most the
 * device's totals (the properties).
 */
/*
 * A connection moved away from the function whose address it has (MOVE_QP,
 * D18): frames to home's MAC for QP qpn go to function `at`, which sends
 * the QP's frames from home's MAC and GID. At most one per (home, qpn).
 */
#define RDO_SRIOV_MOVED_MAX 64
typedef struct RdoMoved {
    bool valid;
    uint8_t home, at;
    uint32_t qpn;
    uint8_t mac[6];
    uint8_t gid[16];
} RdoMoved;

typedef struct RdoSriov {
    uint32_t max_vfs;
    uint32_t nmoved;                    /* valid entries of moved[] */
    RdoMoved moved[RDO_SRIOV_MOVED_MAX];
    struct rdo_vf_resources total;      /* the device's */
    struct rdo_vf_resources share[1 + RDO_SRIOV_MAX_VFS];  /* [0]: the PF */
    RdoCore *fn[1 + RDO_SRIOV_MAX_VFS]; /* the PF; a VF while enabled */
} RdoSriov;

/*
 * QP numbers the per-QP tables hold: the device's total on a PF with VFs
 * (its share may grow when it gives VFs less), else max-qp.
 */
/*
 * RdoState's tables with an entry per QP number (the device's share, not
 * the usable count), carved from one rdo_bigmem_alloc0 block at start
 * (core.c): a packet reads several of them for its QP, and with tens of
 * thousands of QPs a dozen separate tables on 4 KiB pages cost a dozen
 * TLB misses a packet where one huge-page-backed block costs one or two.
 * Each table starts on a cache line. None is resized after start.
 */
#define RDO_QP_TABLES(X) \
    X(qp_used) X(qp_flow_class) X(qp_engine) X(qp_blackout_ps) X(qp_bind) \
    X(ssq_users) X(qp_stall_mr) X(qp_db_page) X(qp_gen) X(sq_queued) \
    X(qp_timer_pos)

static inline uint32_t rdo_qp_slots(const RdoCore *core)
{
    return core->sriov && !core->fn ? core->sriov->total.qp : core->cfg.max_qp;
}

/* Whether the host takes the timing model's spans now (RdoHostOps.stage_on,
 * asked at each entry into the core: wake-up, register and doorbell
 * accesses, frames received, link changes, reset). Functional mode makes
 * no spans: one test. */
/* Work queued for a side engine (RdoState.side_work): its pending test
 * turned true or may have. A missed call leaves the work until other side
 * work comes (a hang); debug builds check at every wake-up. */
static inline void rdo_side_work(RdoCore *core)
{
    core->st->side_work = true;
}
/* Has a side engine work? (What RdoState.side_work stands for.) */
bool rdo_side_pending(const RdoCore *core);

static inline void rdo_spans_poll(RdoCore *core)
{
    if (core->spans_host) {
        core->spans_on = !core->ops->stage_on ||
                         core->ops->stage_on(core->host);
    }
}

#endif /* RDO_INTERNAL_H */
