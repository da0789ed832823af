/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the timing model's state and time accounting (clock.c,
 * bus.c, irq.c, wr-log.c; the scheduler in sched/ uses it too). Time is
 * kept in picoseconds of the host's virtual clock; a stage that works
 * moves a cursor (`cur`) forward by its cycles and by the DMAs it waits
 * for, and a shared resource (an engine, the link, a PCIe direction)
 * remembers when it is free again. docs/timing-model.md explains it.
 */
#ifndef RDO_TIMING_H
#define RDO_TIMING_H

#include <string.h>
#include "rdo-internal.h"

/* Who is working: the cursor belongs to one engine at a time. */
typedef enum RdoEngine {
    RDO_ENG_NONE,               /* MMIO, control path: costs not carried */
    RDO_ENG_TX,                 /* scheduler and requester */
    RDO_ENG_RX,                 /* receive pipeline, responder, ACKs */
    RDO_ENG_DB,                 /* doorbell unit: decode, WQE fetch issue */
    RDO_ENG__COUNT
} RdoEngine;

/* Per-flow bus queues: each stage's DMAs queue in their own flow. */
typedef enum RdoFlow {
    RDO_FLOW_CTRL,              /* control path, rings of commands */
    RDO_FLOW_WQE,               /* WQE fetch after a doorbell */
    RDO_FLOW_CTX,               /* context fetch and write-back */
    RDO_FLOW_DATA,              /* payload gather and placement */
    RDO_FLOW_CQE,
    RDO_FLOW_EQE,               /* EQEs and MSI-X messages */
    RDO_FLOW_UNTIMED,           /* accounted elsewhere (see callers) */
    RDO_FLOW__COUNT
} RdoFlow;

/*
 * A DMA's TLPs, bytes and bus times (bus.c, bus_book) kept for the next
 * DMA of the same kind: they depend only on its length and where it
 * starts in its cache line (inside one max-payload chunk) or in its chunk
 * (across chunks), and a kind's DMAs are mostly alike (a context, a WQE
 * slot, payload frames of the same size at page-aligned buffers). Host
 * side only, derived from the configuration: not saved.
 */
typedef struct RdoTmCut {
    uint64_t len;               /* 0: none kept */
    uint64_t where;             /* bus.c, cut_kept */
    uint64_t tlps, split, reqs, dur, full, req_dur;
} RdoTmCut;

typedef struct RdoTmFlowQ {
    uint64_t tail_ps;           /* fifo: the flow's last request is on the bus */
    uint64_t requests, bytes, wait_ps;
} RdoTmFlowQ;

/*
 * The bus queues: one per kind (RdoFlow), then with bus-arbitration rr or
 * weighted the payload queues of the application flows
 * (RDO_TM_APPQ + 0 .. bus_flow_queues - 1).
 */
#define RDO_TM_APPQ     RDO_FLOW__COUNT
#define RDO_TM_BUSQ     (RDO_TM_APPQ + RDO_BUS_FLOWQ_MAX)
#define RDO_TM_PAY_END  RDO_TM_BUSQ

/*
 * One PCIe direction under round-robin arbitration (bus.c, rr_serve):
 * when all the work booked on it is through, and per queue when its own
 * booked work is through and how long one of its TLPs takes.
 */
typedef struct RdoTmDir {
    uint64_t free_ps;
    /* end_ps[RDO_TM_PAY_END]: 0, the end of the payload order below (no
     * time is earlier, so a walk "while later than T" stops there). */
    uint64_t end_ps[RDO_TM_BUSQ + 1];
    uint64_t tlp_ps[RDO_TM_BUSQ];
    /* Bit q: payload queue RDO_TM_APPQ + q has had work booked (a superset
     * of those with end_ps set; the others are zero and count for nothing),
     * so that arbitration visits those only, not all of them every DMA. */
    uint64_t booked;
    /* The latest end_ps of the kinds' queues (0 .. RDO_TM_APPQ - 1): the
     * payload's common case asks it every DMA. Kept where those change. */
    uint64_t kinds_end_ps;
    /*
     * The payload's queues (RDO_FLOW_DATA and those in booked) linked in
     * order of end_ps, latest first, the lower index first among equals
     * (bus.c, pay_*): the first is the payload's end at the kinds' level,
     * and arbitration visits only the queues with work left at a time, not
     * every one booked. Indices; RDO_TM_PAY_END is the list's head and end.
     */
    uint8_t pay_next[RDO_TM_BUSQ + 1], pay_prev[RDO_TM_BUSQ + 1];
} RdoTmDir;
G_STATIC_ASSERT(RDO_BUS_FLOWQ_MAX <= 64);
G_STATIC_ASSERT(RDO_TM_PAY_END <= UINT8_MAX);

/* For q over the payload queues in d->booked, in increasing order. */
#define RDO_TM_FOR_BOOKED(q, d) \
    for (uint64_t _m = (d)->booked; \
         _m && ((q) = RDO_TM_APPQ + (uint32_t)__builtin_ctzll(_m), 1); \
         _m &= _m - 1)

/* A unit of send work: one doorbell (or a kick) of a QP. */
typedef struct RdoWork {
    GList link;                 /* on the queue (data: the item) or free */
    uint32_t qpn;
    uint32_t pi;                /* fetch WQEs up to here; RDO_NONE: a kick,
                                   no WQEs beyond those served before */
    uint64_t ready_ps;          /* its WQEs are in the device */
} RdoWork;

/* Doorbells of a QP remembered for the lifecycle records. */
#define RDO_TM_DB_VALID  1
#define RDO_TM_DB_PUSHED 2
#define RDO_TM_DB_HIST 64
#define RDO_TM_DB_STEP (1u << 24)

/* One doorbell: an entry's fields side by side, so that noting one and
 * finding it again touch one host cache line (two for one entry in five),
 * not one in each of three arrays: with many QPs each was a miss. Packed,
 * 13 bytes, so that the history is no larger than as three arrays. */
typedef struct __attribute__((packed)) RdoTmDb {
    uint64_t ps;                /* when it rang */
    uint32_t pi;                /* the producer index it wrote */
    uint8_t flags;              /* RDO_TM_DB_* */
} RdoTmDb;

typedef struct RdoTmQp {
    /* What every work request and visit touches first, in one cache line;
     * the history (832 bytes) after it. */
    uint64_t wqe_ready_ps;      /* the last WQE fetch issued completes */
    uint32_t queued;            /* work items on the scheduler's queue */
    uint32_t served_pi;         /* WQEs up to here were fetched for visits */
    uint32_t turn_pkts;         /* packets sent in its turn at the head */
    uint8_t port;               /* its port, as its last visit found it
                                   (0: not visited yet) */
    uint8_t db_count;
    uint32_t db_next;           /* next history slot */
    /*
     * For rdo_tm_db_time's search instead of a scan: the valid entries are
     * the last db_count written; until db_next reaches db_slow_until some
     * pair of them is out of order (time going back, or a producer index
     * going back or jumping by RDO_TM_DB_STEP or more), or they came from
     * a state load, and the search scans them all.
     */
    uint32_t db_slow_until;
    RdoTmDb db[RDO_TM_DB_HIST];
} RdoTmQp;

/*
 * A frame held by the model (leaving on the link, or in the receive FIFO),
 * in a buffer of the adapter's pool (frame.c). RDO_TM_FRAME_CAP holds any
 * RoCE frame the transport builds (xport/ checks); a longer frame (jumbo
 * Ethernet) gets a buffer of its own.
 */
#define RDO_TM_FRAME_CAP    (4096 + 256)

typedef struct RdoTmFrame {
    struct RdoTmFrame *next;    /* in its FIFO, or the pool */
    uint64_t due_ps;
    size_t len, cap;
    bool prefetched;            /* receive FIFO: its context was asked for */
    uint8_t port;               /* receive FIFO: the port it came in by */
    uint32_t qpn;               /* receive FIFO: its QP as the look-ahead
                                   reads it (ingress/, RDO_NONE: none) */
    uint8_t data[];
} RdoTmFrame;

/* Frames in time order, linked through the frames themselves. */
typedef struct RdoTmFifo {
    RdoTmFrame *head, *tail;
    uint32_t len;
} RdoTmFifo;

typedef struct RdoTiming {
    RdoTimingConfig cfg;
    /* The cursor and whose it is. */
    RdoEngine eng;
    uint64_t cur_ps;
    uint64_t eng_start_ps;
    uint64_t free_ps[RDO_ENG__COUNT];
    RdoFlow flow;
    int32_t app_q;              /* the payload queue of the QP worked on
                                   (0 ..), -1: none (the kind's) */
    uint32_t app_q_qpn;         /* the QP and flow class app_q is of */
    uint8_t app_q_cls;
    uint32_t data_q;            /* the queue payload DMAs take: RDO_TM_APPQ +
                                   app_q under rr and weighted with a QP
                                   worked on, else RDO_FLOW_DATA */
    uint64_t data_bit;          /* its bit in RdoTmDir.booked (app_q's) */
    uint8_t weight[RDO_TM_BUSQ];        /* TLPs per round of each queue */
    uint32_t busq;              /* queues arbitrated: kinds (+ flows) */
    bool nonblock;              /* reads do not stop the cursor (prefetch) */
    uint64_t bus_one_by_one;    /* tests only, ~0: a payload read books its
                                   request and completions one by one, never
                                   together (bus.c, read_alone); else 0 */
    bool bus_walk_all;          /* tests only: arbitration walks every
                                   payload queue booked, not the order of
                                   their ends (bus.c, pay_*) */
    bool bus_cut_anew;          /* tests only: every DMA's TLPs and times
                                   worked out, none kept (cut) */
    RdoTmCut cut[RDO_FLOW__COUNT][2];   /* the last of each kind's inside
                                           a max-payload chunk, across */
    uint64_t last_read_ps;      /* the last DMA read's data is in */
    uint64_t pkt_data_ps;       /* payload of the packet being built arrives */
    /* Shared resources. */
    uint64_t build_free_ps;     /* header build + datapath (one pipeline) */
    uint64_t link_free_ps;
    uint64_t link2_free_ps;     /* port 2's link (ports = 2) */
    uint64_t up_free_ps, down_free_ps;     /* PCIe directions (fifo) */
    RdoTmDir up, down;                      /* the same (rr) */
    RdoTmFlowQ flows[RDO_FLOW__COUNT];
    /* Derived rates. */
    uint64_t ps_per_cycle;              /* if whole, else 0 */
    uint64_t tx_fifo_ps;                /* the egress buffer on the wire */
    uint64_t tx_refill_ps;              /* a full one resumes with this room */
    uint64_t tx_refill_slack_ps;        /* ... less the last frame's time */
    uint64_t tx_ahead_ps;               /* TX may work ahead of the clock */
    /* The last frame length's times (clock.c, rdo_tm_egress): its bytes on
     * the wire and its time in the build pipeline and on the link. They
     * depend on the configuration only, and a stream's frames are one
     * length: worked out when the length changes (SIZE_MAX: none yet). */
    size_t egress_len;
    uint64_t egress_wire, egress_build_ps, egress_link_ps;
    uint64_t pcie_full_ps, pcie_ovh_ps; /* a full TLP, a bare header */
    uint64_t pcie_req_tlp_ps;           /* a read request's TLP time, >= 1 */
    uint64_t pcie_latency_ps;           /* a read's round trip */
    uint64_t pcie_num, pcie_den;        /* bus.c: ps = bytes * den / num */
    int pcie_shift, mps_shift;          /* log2 of num (or -1), of pcie_mps */
    /* Frames on their way to the wire, interrupts on their way out, and
     * frames waiting for the receive pipeline; each in time order. */
    RdoTmFifo egress, rx_fifo;
    RdoTmFifo egress2;          /* port 2's: its link's times, not port 1's */
    GQueue irqs;                /* RdoTmIrq, due in this order */
    GList *irq_free;            /* spent RdoTmIrqs: none allocated per interrupt */
    /*
     * When the frames handed to the host (RdoHostOps.send_frame_at) leave,
     * in order, a ring of those times in ns (egress/output.c; each the
     * wake-up that would have sent it): each was a wake-up when the core
     * kept them, and the scheduler, while it has work queued
     * (sched_waiting), still runs at those of them from sched_from_ps on
     * (when it could go on), as it did.
     */
    uint64_t *handed;
    uint32_t handed_cap;        /* a power of two */
    /* Frames counted since the start, wrapping: the oldest, one past the
     * newest, and where the last search found its frame (only a first
     * guess, never before the oldest); slot = count & (cap - 1). */
    uint32_t handed_first, handed_end, handed_found;
    bool sched_waiting;
    uint64_t sched_from_ps;
    /* The frame pool (frame.c): free buffers, and the one the transport
     * builds its next packet in. */
    RdoTmFrame *pool, *building;
    uint32_t pool_len;
    /* The scheduler's queue of RdoWork (linked through their own links,
     * items reused from work_free: nothing allocated per item), and
     * per-QP state. */
    GQueue work;
    GList *work_free;
    RdoTmQp *qp;
    bool tx_paused;             /* the visit stopped for time, not budget */
    /* Two ports (ports = 2): the port whose transmit FIFO stopped the
     * visit (0: the engine or the clock did), and the ports whose FIFO is
     * full in this scheduler run (their QPs wait, the other's go on). */
    uint8_t paused_port;
    bool port_full[3];
    /* Per port (index port == 2): its transmit FIFO was found full and
     * takes frames again only once tx_refill_ps of it is free (hysteresis:
     * a burst of frames a wake-up, not one). */
    bool tx_refilling[2];
    uint64_t pace_ps;           /* ... or for its QP's rate: not before */
    uint64_t visit_ps;          /* the current visit was scheduled */
    uint64_t item_ready_ps;     /* its WQEs were in the device */
    uint64_t next_ps;           /* the scheduler's next chance */
    uint64_t last_link_start_ps, last_link_end_ps;
    uint64_t last_write_ps;     /* the last posted write is in memory */
    /* The lifecycle log (cfg.wr_log records, oldest overwritten). */
    RdoWrLife *log;
    uint64_t log_count;
    /* Accumulated picoseconds behind the cycle counters. */
    uint64_t busy_ps[RDO_ENG__COUNT];
    uint64_t link_busy_ps, ctx_wait_ps, bus_wait_ps, wr_ps, wr_max_ps;
} RdoTiming;

static inline bool rdo_tm_on(const RdoCore *core)
{
    return core->st->tm != NULL;
}

/* A wake-up at `ps` (rounded up to the host's nanoseconds). */
static inline void rdo_tm_schedule(RdoCore *core, uint64_t ps)
{
    core->ops->schedule(core->host, (ps + 999) / 1000);
}

static inline uint64_t rdo_div_up(uint64_t a, uint64_t b)
{
    return (a + b - 1) / b;
}

/* An interrupt the model sends when its MSI-X write is through. */
typedef struct RdoTmIrq {
    uint64_t due_ps;
    unsigned vector;
    GList link;                 /* on RdoTiming.irqs, or irq_free */
} RdoTmIrq;

/* The frame pool (frame.c). A frame with `frame`'s bytes: the buffer of
 * rdo_tm_build_buf itself if it was built there (no copy), else a copy. */
RdoTmFrame *rdo_tm_frame_new(RdoTiming *t, const void *frame, size_t len,
                             uint64_t due_ps);
void rdo_tm_frame_put(RdoTiming *t, RdoTmFrame *f);
/* Where the transport builds its next frame (RDO_TM_FRAME_CAP bytes): the
 * same buffer until a frame leaves in it (inline: every packet asks). */
uint8_t *rdo_tm_build_buf_new(RdoTiming *t);
static inline uint8_t *rdo_tm_build_buf(RdoTiming *t)
{
    return t->building ? t->building->data : rdo_tm_build_buf_new(t);
}
void rdo_tm_fifo_push(RdoTmFifo *q, RdoTmFrame *f);
RdoTmFrame *rdo_tm_fifo_pop(RdoTmFifo *q);
void rdo_tm_frames_free(RdoTiming *t);

void rdo_tm_init(RdoCore *core);
void rdo_tm_free(RdoCore *core);
/* The clock and cursor helpers are inline: the transmit path asks them
 * several times a packet. The clock in picoseconds: */
static inline uint64_t rdo_tm_now_ps(RdoCore *core)
{
    return core->ops->now_ns(core->host) * 1000;
}

/* The cursor: an engine starts work no earlier than `at_ps` and when it is
 * free; the previous owner is given back by rdo_tm_leave. */
typedef struct RdoTmSaved {
    RdoEngine eng;
    uint64_t cur_ps, start_ps;
} RdoTmSaved;
static inline RdoTmSaved rdo_tm_enter(RdoCore *core, RdoEngine eng,
                                      uint64_t at_ps)
{
    RdoTiming *t = core->st->tm;
    RdoTmSaved saved = { t->eng, t->cur_ps, t->eng_start_ps };

    t->eng = eng;
    t->cur_ps = MAX(at_ps, t->free_ps[eng]);
    t->eng_start_ps = t->cur_ps;
    return saved;
}

static inline void rdo_tm_leave(RdoCore *core, RdoTmSaved saved)
{
    RdoTiming *t = core->st->tm;

    if (t->eng != RDO_ENG_NONE) {
        t->busy_ps[t->eng] += t->cur_ps - t->eng_start_ps;
        t->free_ps[t->eng] = t->cur_ps;
    }
    t->eng = saved.eng;
    t->cur_ps = saved.cur_ps;
    t->eng_start_ps = saved.start_ps;
}

/* Now for the engine that works; outside any engine, the clock. */
static inline uint64_t rdo_tm_cur(RdoCore *core)
{
    RdoTiming *t = core->st->tm;

    return t->eng == RDO_ENG_NONE ? rdo_tm_now_ps(core) : t->cur_ps;
}

static inline void rdo_tm_wait_until(RdoCore *core, uint64_t ps)
{
    RdoTiming *t = core->st->tm;

    if (t->eng != RDO_ENG_NONE && ps > t->cur_ps) {
        t->cur_ps = ps;
    }
}

/* Picoseconds of `cycles` device cycles, rounded up. */
static inline uint64_t rdo_tm_cycles_ps(const RdoTiming *t, uint64_t cycles)
{
    return t->ps_per_cycle ? cycles * t->ps_per_cycle :
           rdo_div_up(cycles * 1000000ull, t->cfg.clock_mhz);
}

static inline void rdo_tm_cycles(RdoCore *core, uint32_t cycles)
{
    RdoTiming *t = core->st->tm;

    if (t->eng != RDO_ENG_NONE) {
        t->cur_ps += rdo_tm_cycles_ps(t, cycles);
    }
}

uint64_t rdo_tm_ps_to_cycles(const RdoTiming *t, uint64_t ps);

static inline RdoFlow rdo_tm_set_flow(RdoCore *core, RdoFlow flow)
{
    RdoTiming *t = core->st->tm;
    RdoFlow was;

    if (!t) {
        return RDO_FLOW_CTRL;
    }
    was = t->flow;
    t->flow = flow;
    return was;
}
/* The payload queue of QP `qpn` of flow class `cls` becomes the one its
 * DMAs take (bus.c). */
void rdo_tm_app_flow_set(RdoTiming *t, uint32_t qpn, uint8_t cls);
/* The application flow of payload DMAs from now on: QP `qpn`'s. Every
 * context lookup asks, mostly for the QP of the one before, whose queue is
 * known: inline, the call cost more than the test. */
static inline void rdo_tm_app_flow(RdoCore *core, uint32_t qpn)
{
    RdoTiming *t = core->st->tm;
    uint8_t cls;

    if (!t || t->busq <= RDO_FLOW_UNTIMED) {
        return;
    }
    cls = core->st->qp_flow_class[qpn];
    if (t->app_q < 0 || qpn != t->app_q_qpn || cls != t->app_q_cls) {
        rdo_tm_app_flow_set(t, qpn, cls);
    }
}
/* The payload queue of a QP of flow class `cls` (0 .. bus_flow_queues - 1). */
uint32_t rdo_tm_flow_queue(const RdoTimingConfig *c, uint32_t qpn, uint8_t cls);
/* The queues and their weights, from the configuration (after rdo_tm_init). */
void rdo_tm_bus_init(RdoCore *core);
/* The order of a direction's payload queues by their ends made anew from
 * end_ps and booked (after a load wrote them; any values). */
void rdo_tm_bus_reindex(RdoTmDir *d);
/* An entry (CQE, EQE) is built: its cycles, then its flow (the old one is
 * returned; safe with the timing model off). */
RdoFlow rdo_tm_entry(RdoCore *core, RdoFlow flow);
/*
 * Free lists of items that carry their own list node (its data the item),
 * so that nothing is allocated per item in the steady state: a node is
 * put back, an item taken (NULL: none, the caller allocates one), and all
 * freed.
 */
static inline void rdo_node_put(GList **free, GList *l)
{
    l->prev = NULL;
    l->next = *free;
    *free = l;
}

static inline void *rdo_node_take(GList **free)
{
    GList *l = *free;

    if (!l) {
        return NULL;
    }
    *free = l->next;
    l->next = NULL;
    return l->data;
}

static inline void rdo_nodes_free(GList **free)
{
    GList *l;

    while ((l = *free)) {
        *free = l->next;
        g_free(l->data);
    }
}

/* Interrupts waiting for their MSI-X write: one joins the queue (due after
 * those on it), the head is spent, all are dropped (the model goes). */
static inline void rdo_tm_irq_queue(RdoTiming *t, uint64_t due_ps, unsigned vector)
{
    RdoTmIrq *irq = rdo_node_take(&t->irq_free);

    if (!irq) {
        irq = g_new0(RdoTmIrq, 1);
        irq->link.data = irq;
    }
    irq->due_ps = due_ps;
    irq->vector = vector;
    g_queue_push_tail_link(&t->irqs, &irq->link);
}

static inline void rdo_tm_irq_spent(RdoTiming *t)
{
    GList *l = g_queue_pop_head_link(&t->irqs);

    if (l) {
        rdo_node_put(&t->irq_free, l);
    }
}

static inline void rdo_tm_irqs_free(RdoTiming *t)
{
    while (!g_queue_is_empty(&t->irqs)) {
        rdo_tm_irq_spent(t);
    }
    rdo_nodes_free(&t->irq_free);
}

/* A work item back at the head of the scheduler's queue (its link, off
 * the queue): g_queue_push_head_link's work without its call. */
static inline void rdo_work_push_head_link(RdoTiming *t, GList *l)
{
    RdoWork *w = l->data;

    l->prev = NULL;
    l->next = t->work.head;
    if (t->work.head) {
        t->work.head->prev = l;
    } else {
        t->work.tail = l;
    }
    t->work.head = l;
    t->work.length++;
    t->qp[w->qpn].queued++;
}

/* A work item off the scheduler's queue (its link), kept for reuse. */
static inline void rdo_work_done(RdoTiming *t, GList *l)
{
    rdo_node_put(&t->work_free, l);
}

/* A work item taken off the scheduler's queue (g_queue_unlink's work
 * without its call: the scheduler takes one or more a visit). */
static inline void rdo_work_unlink(RdoTiming *t, GList *l)
{
    RdoWork *w = l->data;

    if (l->prev) {
        l->prev->next = l->next;
    } else {
        t->work.head = l->next;
    }
    if (l->next) {
        l->next->prev = l->prev;
    } else {
        t->work.tail = l->prev;
    }
    l->prev = l->next = NULL;
    t->work.length--;
    t->qp[w->qpn].queued--;
}

/* A DMA of the current flow issued at `at`: when it is done. */
uint64_t rdo_tm_bus(RdoCore *core, uint64_t at, uint64_t addr, size_t len,
                    bool write);

static inline void rdo_tm_ctx_wait(RdoCore *core, uint64_t ready_ps)
{
    RdoTiming *t = core->st->tm;

    if (t->eng != RDO_ENG_NONE && ready_ps > t->cur_ps) {
        t->ctx_wait_ps += ready_ps - t->cur_ps;
        t->cur_ps = ready_ps;
    }
}

/* A port's link: each port has its own, the build pipeline is shared. */
static inline uint64_t *rdo_tm_link_free(RdoTiming *t, unsigned port)
{
    return port == 2 ? &t->link2_free_ps : &t->link_free_ps;
}

/* Transmit: the TX engine stops, its port's FIFO full (room at room_at)
 * or the clock not there yet; the scheduler goes on when it can. */
void rdo_tm_tx_pause(RdoTiming *t, unsigned port, uint64_t room_at);
/*
 * When a port's transmit FIFO takes a frame (the engine's cursor at or
 * after it), and whether it is full at the cursor. The FIFO takes one
 * while at most tx_fifo_ps of link time waits in it (the frame then fills
 * it past that); once it was found full, only when the frame it takes
 * leaves tx_refill_ps free, so that it refills with a burst of frames
 * (tx_refill_ps up to a frame: one frame at a time, as a FIFO without
 * the threshold).
 */
static inline uint64_t rdo_tm_tx_room_at(RdoTiming *t, unsigned port)
{
    bool *refilling = &t->tx_refilling[port == 2];
    uint64_t slack = t->tx_refill_slack_ps;
    uint64_t fifo_ps = t->tx_fifo_ps - (*refilling ? slack : 0);
    uint64_t free_ps = *rdo_tm_link_free(t, port);
    uint64_t room_at = free_ps > fifo_ps ? free_ps - fifo_ps : 0;

    if (room_at <= t->cur_ps) {
        *refilling = false;
    } else if (!*refilling) {
        *refilling = true;      /* found full: it waits for the threshold */
        room_at += slack;
    }
    return room_at;
}
/*
 * Transmit: may the TX engine build a frame for `port` now (0: for either
 * port, when it does not know yet): the port's transmit FIFO has room and
 * the engine is not too far ahead of the clock. Inline: asked before every
 * packet and at every scheduler run.
 */
static inline bool rdo_tm_tx_may_send(RdoCore *core, unsigned port)
{
    RdoTiming *t = core->st->tm;
    uint64_t room_at = port || core->cfg.ports != 2 ?
                       rdo_tm_tx_room_at(t, port) :
                       MIN(rdo_tm_tx_room_at(t, 1), rdo_tm_tx_room_at(t, 2));

    if (room_at <= t->cur_ps &&
        t->cur_ps <= rdo_tm_now_ps(core) + t->tx_ahead_ps) {
        return true;
    }
    rdo_tm_tx_pause(t, port, room_at);
    return false;
}
/* A stage's span to the host, if it takes them (inline: several a frame). */
static inline void rdo_tm_span(RdoCore *core, RdoStage stage, uint32_t qpn,
                               uint32_t bytes, uint64_t start_ps,
                               uint64_t end_ps)
{
    if (core->spans_on) {
        RdoStageSpan span = { stage, qpn, bytes, start_ps, end_ps };

        core->ops->stage(core->host, &span);
    }
}
/* A frame length's bytes on the wire and times (RdoTiming.egress_len). */
void rdo_tm_egress_len(RdoTiming *t, size_t len);
/*
 * A frame of `len` bytes through the transmit pipeline (header build, then
 * its bytes through the datapath with the ICRC) and onto the link: when it
 * reaches the peer (ps; egress/ sends it then), after the link latency and
 * a fault-injection delay, extra_ns. Inline: once a frame, one caller.
 */
static inline uint64_t rdo_tm_egress(RdoCore *core, unsigned port, size_t len,
                                     uint64_t extra_ns)
{
    RdoTiming *t = core->st->tm;
    uint64_t ready, build, built, start, end;

    if (len != t->egress_len) {
        rdo_tm_egress_len(t, len);
    }
    ready = MAX(rdo_tm_cur(core), t->pkt_data_ps);
    build = MAX(ready, t->build_free_ps);
    built = build + t->egress_build_ps;
    start = MAX(built, *rdo_tm_link_free(t, port));
    end = start + t->egress_link_ps;
    t->pkt_data_ps = 0;
    t->build_free_ps = built;
    *rdo_tm_link_free(t, port) = end;
    t->link_busy_ps += end - start;
    t->last_link_start_ps = start;
    t->last_link_end_ps = end;
    core->tcnt.link_frames++;
    core->tcnt.link_bytes += t->egress_wire;
    rdo_tm_span(core, RDO_STAGE_TX_BUILD, RDO_NONE, len, build, built);
    rdo_tm_span(core, RDO_STAGE_LINK, RDO_NONE, t->egress_wire, start, end);
    return end + (t->cfg.link_latency_ns + extra_ns) * 1000;
}

/* The lifecycle of a completed work request. */
void rdo_tm_wr_done(RdoCore *core, RdoWrLife *life);
/* A doorbell to producer index `pi` joins a QP's history. */
void rdo_tm_db_note(RdoTmQp *q, uint32_t pi, uint64_t now_ps, bool pushed);
/* The time of the earliest doorbell in a history that covers WQE `index`
 * (0 if none), and whether it pushed the WQE. */
uint64_t rdo_tm_db_search(const RdoTmQp *q, uint32_t index, bool *pushed);
/* The same by a scan of every entry (the definition; the search's way
 * when the history is out of order). */
uint64_t rdo_tm_db_scan(const RdoTmQp *q, uint32_t index, bool *pushed);
/* The doorbell time of WQE `index` of a QP (0 if not remembered). */
uint64_t rdo_tm_db_time(RdoCore *core, uint32_t qpn, uint32_t index,
                        bool *pushed);

/* An interrupt: at once, or when the timing model says it is sent. */
void rdo_raise_irq(RdoCore *core, unsigned vector);


/*
 * A transfer cut at cache lines `line` bytes long (a power of two): the
 * piece before the first line boundary inside it (head: it starts inside a
 * line), the whole lines, the piece after the last boundary (tail: it
 * starts on a line and ends inside one). A transfer inside one line that
 * starts inside it is all head.
 */
typedef struct RdoDmaCut {
    uint64_t head, body, tail;
} RdoDmaCut;
/* Inline: every DMA is cut twice, for the host and for the bus model. */
static inline RdoDmaCut rdo_dma_cut(uint64_t addr, uint64_t len, uint32_t line)
{
    uint64_t mask = line - 1, end = addr + len;
    RdoDmaCut c = { 0, 0, 0 };
    uint64_t body_start, body_end;

    if (!len) {
        return c;
    }
    body_start = (addr + mask) & ~mask;
    if (body_start >= end) {
        /* Inside one line, or up to its end from inside it. */
        if (addr & mask) {
            c.head = len;
        } else {
            c.tail = len;   /* starts on a line, ends inside it */
        }
        return c;
    }
    c.head = body_start - addr;
    body_end = end & ~mask;
    c.body = body_end - body_start;
    c.tail = end - body_end;
    return c;
}
/* A host DMA cut at the configured cache line, piece by piece, counted
 * (dma.c); not timed: the callers below time it, or do it ahead of the
 * model and charge it later. */
int rdo_host_dma(RdoCore *core, uint64_t addr, void *buf, size_t len,
                 bool write);
/* The same by the cut's pieces in every case (rdo_host_dma takes a
 * shortcut for a DMA of one piece; tests compare the two). */
int rdo_host_dma_by_cut(RdoCore *core, uint64_t addr, void *buf, size_t len,
                        bool write);
/* The same host DMA again, not counted: the host side recovering what the
 * model has read and counted once already (ctx/mr-dma.c). */
int rdo_host_dma_uncounted(RdoCore *core, uint64_t addr, void *buf,
                           size_t len, bool write);
/* Only the counting of rdo_host_dma: a DMA the model makes whole while the
 * host copies just the part it uses (xport/wqe.c), uncounted. */
void rdo_host_dma_count(RdoCore *core, uint64_t addr, size_t len);

/*
 * Guest-memory DMA. Every DMA of the core goes through these, so that the
 * timing model (bus.c) accounts its bus time with no help from callers.
 */
void rdo_tm_dma_read(RdoCore *core, uint64_t addr, size_t len);
void rdo_tm_dma_write(RdoCore *core, uint64_t addr, size_t len);
static inline void rdo_tm_dma(RdoCore *core, uint64_t addr, size_t len,
                              bool write)
{
    if (write) {
        rdo_tm_dma_write(core, addr, len);
    } else {
        rdo_tm_dma_read(core, addr, len);
    }
}
static inline int rdo_dma_read(RdoCore *core, uint64_t addr, void *buf,
                               size_t len)
{
    if (core->st->tm) {
        rdo_tm_dma(core, addr, len, false);
    }
    return rdo_host_dma(core, addr, buf, len, false);
}
static inline int rdo_dma_write(RdoCore *core, uint64_t addr, const void *buf,
                                size_t len)
{
    if (core->st->tm) {
        rdo_tm_dma(core, addr, len, true);
    }
    return rdo_host_dma(core, addr, (void *)buf, len, true);
}

#endif /* RDO_TIMING_H */
