/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: state shared between the pipeline stages. Not part of
 * the core's API (rdo-core.h).
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
    uint32_t users;             /* QPs, MRs and SRQs in it */
} RdoPd;

typedef struct RdoSrq {
    bool valid;
    uint16_t db_page;
    uint32_t pdn;
    RdoRing ring;
    uint32_t pi, ci;
    uint32_t users;             /* QPs attached */
} RdoSrq;

/*
 * What each QP holds, kept on the device as well as in the QP context, so
 * that destroying a QP whose context was corrupted in host memory still
 * releases exactly what it held.
 */
typedef struct RdoQpBind {
    uint32_t pdn, send_cqn, recv_cqn, srqn, ssq_qpn;
} RdoQpBind;

typedef struct RdoGid {
    bool valid;
    uint8_t gid[16];
} RdoGid;

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
    uint8_t reserved0[6];
    uint8_t transport[128];     /* data-path state, reserved */
} RdoQpCtx;
_Static_assert(sizeof(RdoQpCtx) == RDO_QPC_SIZE, "QP context size");

#define RDO_MRC_MAGIC 0x4d524358u       /* "XCRM" */
#define RDO_MR_F_VALID      1u          /* usable: not invalidated */
typedef struct RdoMrCtx {
    uint32_t magic;             /* RDO_MRC_MAGIC ^ index */
    uint32_t pdn;
    uint64_t iova;
    uint64_t length;
    uint64_t page_list;
    uint32_t num_pages;
    uint8_t page_shift, key, flags, reserved0;
    uint16_t access;
    uint8_t reserved1[22];
} RdoMrCtx;
_Static_assert(sizeof(RdoMrCtx) == RDO_MRC_SIZE, "MR context size");

/* A cache of contexts kept in a host-memory store (ctx-cache.c). */
typedef struct RdoCtxLine {
    bool valid, dirty;
    uint32_t index;
    uint64_t last_use;
    uint64_t filled;            /* when loaded (FIFO replacement) */
    uint64_t ready_ps;          /* timing: when its fetch completes */
    bool prefetched;            /* timing: loaded ahead, not used yet */
    uint8_t *data;
} RdoCtxLine;

typedef struct RdoCtxCache {
    const char *name;
    uint32_t ctx_size;
    uint32_t entries;
    uint64_t *pglist_reg;       /* the store's page list register */
    uint32_t *pages_reg;        /* and its page count */
    uint32_t *hits, *misses;
    uint64_t clock;
    uint32_t ways, sets;        /* entries = ways x sets */
    uint32_t policy;            /* RDO_CACHE_* */
    uint32_t prefetched;        /* lines loaded ahead and not used yet */
    RdoCtxLine *lines;          /* set s holds lines [s * ways, (s+1) * ways) */
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

struct RdoState {
    bool enabled;
    RdoCqp cqp;
    RdoEq *eqs;
    RdoCq *cqs;
    RdoPd *pds;
    RdoSrq *srqs;
    RdoGid *gids;
    uint8_t *qp_used;           /* QP numbers allocated */
    RdoQpBind *qp_bind;         /* per QP: the objects it holds */
    uint32_t *ssq_users;        /* per shared send queue: connections fed */
    uint32_t *qp_stall_mr;      /* per QP: pending MR its SQ waits for, or NONE */
    uint8_t *mr_used;           /* MR indexes registered */
    uint8_t *mr_pending;        /* MR indexes with a queued registration */
    uint32_t usable_qps, usable_mrs;
    RdoCtxCache qpc, mrc;
    GQueue sq_ready;            /* QP numbers with send work to look at */
    uint8_t *sq_queued;         /* on sq_ready already */
    struct RdoXport *xport;     /* per QP: transport state (transport.h) */
    GQueue ack_list, resp_list; /* QPs with an ACK or responses to send */
    GQueue cq_timed;            /* CQs with a moderated event due */
    GQueue agg_list;            /* QPs with aggregated payload to place */
    GHashTable *timers;         /* QPs with a transport timer running */
    struct RdoWqe *wqe_buf;     /* scratch: the WQE being worked on */
    uint8_t *frame_buf, *payload_buf;
    uint8_t **push_area;        /* per doorbell page: the inline push copy */
    uint64_t fault_rng;         /* fault injection (fault.c) */
    uint32_t fault_burst_left;
    GBytes *fault_held;
    GQueue fault_delayed;
    GQueue loopback;            /* frames to our own MAC (loopback.c) */
    uint32_t port_mtu;
    uint8_t port_mac[6];
    struct RdoTiming *tm;       /* timing model (timing.h), NULL when off */
    struct RdoEth *eth;         /* the Ethernet function (eth.h) */
};

/* Rings (ring.c). */
bool rdo_ring_entry_addr(RdoCore *core, const RdoRing *ring, uint32_t index,
                         uint64_t *addr);
bool rdo_ring_read(RdoCore *core, const RdoRing *ring, uint32_t index,
                   void *buf, size_t len);
bool rdo_ring_write(RdoCore *core, const RdoRing *ring, uint32_t index,
                    const void *buf, size_t len);
/* Checks a ring the driver describes; returns a rdo_cqp_status. */
int rdo_ring_check(const RdoRing *ring, uint32_t min_shift, uint32_t max_shift);
static inline uint32_t rdo_ring_size(const RdoRing *ring)
{
    return 1u << ring->log_size;
}
static inline uint8_t rdo_phase(const RdoRing *ring, uint32_t counter)
{
    return ((counter >> ring->log_size) & 1) ? 0 : RDO_OWNER_PHASE;
}

/* Context caches (ctx-cache.c). */
void rdo_ctx_cache_init(RdoCtxCache *c, const char *name, uint32_t ctx_size,
                        uint32_t entries, uint32_t ways, uint32_t policy,
                        uint64_t *pglist_reg, uint32_t *pages_reg,
                        uint32_t *hits, uint32_t *misses);
void rdo_ctx_cache_free(RdoCtxCache *c);
void rdo_ctx_cache_drop(RdoCtxCache *c);
/* A cached copy of context `index`, loaded on a miss; NULL on DMA failure. */
void *rdo_ctx_get(RdoCore *core, RdoCtxCache *c, uint32_t index);
/* A line for a new context: zeroed, not loaded from the store. */
void *rdo_ctx_new(RdoCore *core, RdoCtxCache *c, uint32_t index);
void rdo_ctx_dirty(RdoCore *core, RdoCtxCache *c, const void *ctx);
/* Timing: whether context `index` is cached, and when its line is ready. */
bool rdo_ctx_cached(RdoCtxCache *c, uint32_t index, uint64_t *ready_ps);
/* Timing: loads context `index` ahead of its use; false if it cannot. */
bool rdo_ctx_prefetch(RdoCore *core, RdoCtxCache *c, uint32_t index);
bool rdo_ctx_flush(RdoCore *core, RdoCtxCache *c);

/* Event and completion queues (eq.c, cq.c). */
void rdo_eq_post(RdoCore *core, uint32_t eqn, uint8_t type, uint32_t obj,
                 uint32_t data);
void rdo_eq_doorbell(RdoCore *core, uint32_t eqn, uint32_t flags, uint32_t ci);
void rdo_cq_post(RdoCore *core, uint32_t cqn, struct rdo_cqe *cqe,
                 bool solicited);
/* The same, the event delayed by up to delay_ns (per-QP notification delay). */
void rdo_cq_post_delayed(RdoCore *core, uint32_t cqn, struct rdo_cqe *cqe,
                         bool solicited, uint64_t delay_ns);
/* CQ events whose moderation time has come (cq.c). */
void rdo_cq_run(RdoCore *core);
void rdo_cq_doorbell(RdoCore *core, uint16_t page, uint32_t cqn,
                     uint32_t flags, uint32_t ci);
void rdo_async_event(RdoCore *core, uint8_t type, uint32_t obj, uint32_t data);

/* Control QP (cqp.c) and its commands (cqp-*.c). */
bool rdo_cqp_enable(RdoCore *core);
void rdo_cqp_doorbell(RdoCore *core, uint32_t pi);
void rdo_cqp_run(RdoCore *core);
int rdo_cmd_qp(RdoCore *core, const struct rdo_cqp_cmd *cmd, uint32_t *result);
int rdo_cmd_mr(RdoCore *core, const struct rdo_cqp_cmd *cmd, uint32_t *result);
int rdo_cmd_queue(RdoCore *core, const struct rdo_cqp_cmd *cmd, uint32_t *result);
int rdo_cmd_port(RdoCore *core, const struct rdo_cqp_cmd *cmd, uint32_t *result);
int rdo_cmd_eth(RdoCore *core, const struct rdo_cqp_cmd *cmd, uint32_t *result);

/* The Ethernet function's doorbells and wake-up work (eth-*.c). */
void rdo_eth_txq_doorbell(RdoCore *core, uint16_t page, uint32_t qn, uint32_t pi);
void rdo_eth_rxq_doorbell(RdoCore *core, uint16_t page, uint32_t qn, uint32_t pi);

/* QPs (qp.c). */
RdoQpCtx *rdo_qp_get(RdoCore *core, uint32_t qpn);
RdoQpCtx *rdo_qp_peek(RdoCore *core, uint32_t qpn);
void rdo_qp_to_error(RdoCore *core, uint32_t qpn, RdoQpCtx *qp,
                     enum rdo_qp_err why);

/* MRs (mr.c). */
enum rdo_mr_lookup {
    RDO_MR_OK,
    RDO_MR_PENDING,             /* registration still queued: stall */
    RDO_MR_BAD_KEY,             /* no such MR, wrong key or PD, invalidated */
    RDO_MR_DMA,                 /* its context is unreachable */
};
/* pdn RDO_NONE: any PD (the caller checked it before). */
enum rdo_mr_lookup rdo_mr_lookup(RdoCore *core, uint32_t key, uint32_t pdn,
                                 RdoMrCtx **mr);

/* Send queues (sq.c). */
void rdo_sq_doorbell(RdoCore *core, uint16_t page, uint32_t qpn, uint32_t pi);
void rdo_rq_doorbell(RdoCore *core, uint16_t page, uint32_t qpn, uint32_t pi);
void rdo_srq_doorbell(RdoCore *core, uint16_t page, uint32_t srqn, uint32_t pi);
void rdo_sq_kick(RdoCore *core, uint32_t qpn);
void rdo_sq_run(RdoCore *core);
void rdo_qp_flush(RdoCore *core, uint32_t qpn, RdoQpCtx *qp);
void rdo_mr_registered(RdoCore *core, uint32_t index);

/* Registers (regs.c). */
uint64_t rdo_core_reg_caps(RdoCore *core);

/* Wake-ups. */
void rdo_core_schedule(RdoCore *core, uint64_t when_ns);

/* Receive front end (rx.c): one frame, checked and handed to its QP. */
void rdo_rx_frame(RdoCore *core, const void *frame, size_t len);

/*
 * Guest-memory DMA. Every DMA of the core goes through these, so that the
 * timing model (timing.c) accounts its bus time with no help from callers.
 */
void rdo_tm_dma(RdoCore *core, uint64_t addr, size_t len, bool write);
static inline int rdo_dma_read(RdoCore *core, uint64_t addr, void *buf,
                               size_t len)
{
    if (core->st->tm) {
        rdo_tm_dma(core, addr, len, false);
    }
    return core->ops->dma_read(core->host, addr, buf, len);
}
static inline int rdo_dma_write(RdoCore *core, uint64_t addr, const void *buf,
                                size_t len)
{
    if (core->st->tm) {
        rdo_tm_dma(core, addr, len, true);
    }
    return core->ops->dma_write(core->host, addr, buf, len);
}
/* An interrupt: at once, or when the timing model says it is sent. */
void rdo_raise_irq(RdoCore *core, unsigned vector);

#endif /* RDO_INTERNAL_H */
