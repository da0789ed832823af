/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the timing model. With it on, every piece of work
 * costs device cycles and bus or link time, all in picoseconds of the
 * host's virtual clock (so -icount and qtest clock stepping stay
 * deterministic):
 *
 * - engines (doorbell unit, transmit, receive) each have a cursor that
 *   their stages move forward; an engine is busy until its cursor;
 * - PCIe: two directions with a bandwidth from generation and lanes after
 *   encoding, TLP overhead per max-payload chunk, DMAs cut at cache lines
 *   where they start or end inside one, a read latency; each stage's DMAs
 *   queue in their own flow (RdoFlow);
 * - the link: a frame is built in the transmit pipeline, leaves at
 *   max(built, link free) and takes its bytes plus preamble, FCS and gap
 *   at the port speed; the peer receives it after the link latency;
 * - the receive pipeline takes frames in order from a FIFO.
 *
 * The functional work still happens in the core's call (a frame is built,
 * a CQE written); what the model delays is what leaves the device: frames
 * to the wire and interrupts, and when engines may take the next work.
 * docs/timing-model.md has the model and its parameters.
 */
#include <string.h>
#include "timing.h"
#include "transport.h"

/* Bytes on the wire beyond what the core builds: FCS, preamble + SFD, IFG. */
#define WIRE_EXTRA          (4 + 8 + 12)
#define ETH_MIN_NO_FCS      60
#define CACHE_LINE          64
#define PCIE_MRRS           512     /* bytes one read request asks for */
/* How far (cycles) the transmit engine may work ahead of the clock. */
#define TX_AHEAD_CYCLES     64

/* One allocation a frame: the timed path copies every frame once. */
typedef struct TmFrame {
    uint64_t due_ps;
    size_t len;
    bool prefetched;            /* receive FIFO: its context was asked for */
    uint8_t data[];
} TmFrame;

static TmFrame *frame_new(const void *frame, size_t len, uint64_t due_ps)
{
    TmFrame *f = g_malloc(sizeof(*f) + len);

    f->due_ps = due_ps;
    f->len = len;
    f->prefetched = false;
    memcpy(f->data, frame, len);
    return f;
}

typedef struct TmIrq {
    uint64_t due_ps;
    unsigned vector;
} TmIrq;

static const char *const stage_names[RDO_STAGE__COUNT] = {
    [RDO_STAGE_DOORBELL] = "doorbell",
    [RDO_STAGE_WQE_FETCH] = "wqe-fetch",
    [RDO_STAGE_CTX_FETCH] = "ctx-fetch",
    [RDO_STAGE_SCHED] = "sched",
    [RDO_STAGE_TX_BUILD] = "tx-build",
    [RDO_STAGE_LINK] = "link",
    [RDO_STAGE_RX] = "rx",
    [RDO_STAGE_DMA_READ] = "dma-read",
    [RDO_STAGE_DMA_WRITE] = "dma-write",
    [RDO_STAGE_IRQ] = "irq",
};

const char *rdo_stage_name(RdoStage stage)
{
    return (unsigned)stage < RDO_STAGE__COUNT ? stage_names[stage] : "?";
}

static uint64_t div_up(uint64_t a, uint64_t b)
{
    return (a + b - 1) / b;
}

uint64_t rdo_tm_now_ps(RdoCore *core)
{
    return core->ops->now_ns(core->host) * 1000;
}

uint64_t rdo_tm_cycles_ps(const RdoTiming *t, uint64_t cycles)
{
    return div_up(cycles * 1000000ull, t->cfg.clock_mhz);
}

uint64_t rdo_tm_ps_to_cycles(const RdoTiming *t, uint64_t ps)
{
    return ps * t->cfg.clock_mhz / 1000000ull;
}

/* Time of `bytes` on the wire at the port speed. */
static uint64_t link_ps(const RdoTiming *t, uint64_t bytes)
{
    return div_up(bytes * 8000, t->cfg.link_gbps);
}

/*
 * Time of `bytes` on one PCIe direction: GT/s per lane times lanes, after
 * 8b/10b (generations 1, 2) or 128b/130b (3 and later) encoding.
 */
static uint64_t pcie_ps(const RdoTiming *t, uint64_t bytes)
{
    static const uint32_t half_gts[] = { 0, 5, 10, 16, 32, 64 };
    uint32_t gen = t->cfg.pcie_gen;
    uint64_t num = (uint64_t)half_gts[gen] * t->cfg.pcie_lanes *
                   (gen >= 3 ? 128 : 8);
    uint64_t den = 16000ull * (gen >= 3 ? 130 : 10);

    return div_up(bytes * den, num);
}


void rdo_tm_span(RdoCore *core, RdoStage stage, uint32_t qpn, uint32_t bytes,
                 uint64_t start_ps, uint64_t end_ps)
{
    RdoStageSpan span = { stage, qpn, bytes, start_ps, end_ps };

    if (core->ops->stage) {
        core->ops->stage(core->host, &span);
    }
}

void rdo_tm_init(RdoCore *core)
{
    RdoTiming *t;

    if (!core->cfg.tm.on) {
        return;
    }
    t = g_new0(RdoTiming, 1);
    t->cfg = core->cfg.tm;
    t->qp = g_new0(RdoTmQp, core->cfg.max_qp);
    if (t->cfg.wr_log) {
        t->log = g_new0(RdoWrLife, t->cfg.wr_log);
    }
    g_queue_init(&t->egress);
    g_queue_init(&t->irqs);
    g_queue_init(&t->rx_fifo);
    g_queue_init(&t->work);
    core->st->tm = t;
}

static void frame_free(gpointer p)
{
    g_free(p);
}

void rdo_tm_free(RdoCore *core)
{
    RdoTiming *t = core->st->tm;

    if (!t) {
        return;
    }
    g_queue_clear_full(&t->egress, frame_free);
    g_queue_clear_full(&t->rx_fifo, frame_free);
    g_queue_clear_full(&t->irqs, g_free);
    rdo_sched_free(core);
    g_free(t->qp);
    g_free(t->log);
    g_free(t);
    core->st->tm = NULL;
}

RdoTmSaved rdo_tm_enter(RdoCore *core, RdoEngine eng, uint64_t at_ps)
{
    RdoTiming *t = core->st->tm;
    RdoTmSaved saved = { t->eng, t->cur_ps, t->eng_start_ps };

    t->eng = eng;
    t->cur_ps = MAX(at_ps, t->free_ps[eng]);
    t->eng_start_ps = t->cur_ps;
    return saved;
}

void rdo_tm_leave(RdoCore *core, RdoTmSaved saved)
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
uint64_t rdo_tm_cur(RdoCore *core)
{
    RdoTiming *t = core->st->tm;

    return t->eng == RDO_ENG_NONE ? rdo_tm_now_ps(core) : t->cur_ps;
}

void rdo_tm_wait_until(RdoCore *core, uint64_t ps)
{
    RdoTiming *t = core->st->tm;

    if (t->eng != RDO_ENG_NONE && ps > t->cur_ps) {
        t->cur_ps = ps;
    }
}

void rdo_tm_cycles(RdoCore *core, uint32_t cycles)
{
    RdoTiming *t = core->st->tm;

    if (t->eng != RDO_ENG_NONE) {
        t->cur_ps += rdo_tm_cycles_ps(t, cycles);
    }
}

RdoFlow rdo_tm_set_flow(RdoCore *core, RdoFlow flow)
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

RdoFlow rdo_tm_entry(RdoCore *core, RdoFlow flow)
{
    RdoTiming *t = core->st->tm;

    if (!t) {
        return RDO_FLOW_CTRL;
    }
    rdo_tm_cycles(core, flow == RDO_FLOW_CQE ? t->cfg.cyc.cqe : t->cfg.cyc.eqe);
    return rdo_tm_set_flow(core, flow);
}

void rdo_tm_ctx_wait(RdoCore *core, uint64_t ready_ps)
{
    RdoTiming *t = core->st->tm;

    if (t->eng != RDO_ENG_NONE && ready_ps > t->cur_ps) {
        t->ctx_wait_ps += ready_ps - t->cur_ps;
        t->cur_ps = ready_ps;
    }
}

/*
 * TLPs a DMA of `len` bytes at `addr` takes: a piece where it starts or
 * ends inside a cache line (the host's root complex merges those with a
 * read-modify-write; counted, D16), and the aligned body in chunks that do
 * not cross a max-payload boundary.
 */
static uint64_t tlp_count(const RdoTiming *t, uint64_t addr, uint64_t len,
                          uint64_t *split)
{
    uint64_t end = addr + len, n = 0, body_end;

    *split = 0;
    if (addr & (CACHE_LINE - 1)) {
        n++;
        (*split)++;
        addr = MIN(end, (addr | (CACHE_LINE - 1)) + 1);
    }
    body_end = MAX(addr, end & ~(uint64_t)(CACHE_LINE - 1));
    if (body_end > addr) {
        n += div_up(body_end, t->cfg.pcie_mps) - addr / t->cfg.pcie_mps;
    }
    if (end > body_end) {
        n++;
        (*split)++;
    }
    return n;
}

/*
 * Round-robin between the flows on one direction (D21): a request of flow
 * `f` ready at `at`, queued behind its flow's earlier requests, `n` TLPs
 * taking `dur` in all (a full one `tlp`). Every other flow with work still
 * booked sends one TLP before each of ours while it has any left, and ours
 * go before the rest of its work, so its end moves later by the part of
 * ours that overtakes it. A DMA's times are fixed when it is issued: the
 * requests already booked keep theirs, and the overtaking shows in the
 * flows' ends and in the direction's end of work, which grows by exactly
 * `dur` as with fifo (same bytes, busy time and bandwidth). Returns when
 * our last TLP is through.
 */
static uint64_t rr_serve(RdoTmDir *d, RdoFlow f, uint64_t at, uint64_t n,
                         uint64_t tlp, uint64_t dur)
{
    uint64_t start = MAX(at, d->end_ps[f]);
    uint64_t done = start + dur;

    tlp = MAX(tlp, 1);
    if (d->free_ps > start) {
        uint64_t others = 0;

        for (int g = 0; g < RDO_FLOW_UNTIMED; g++) {
            uint64_t left = d->end_ps[g] > start ? d->end_ps[g] - start : 0;
            uint64_t gt = d->tlp_ps[g];

            if (g == (int)f || !left) {
                continue;
            }
            others += MIN(left, n * gt);
            if (left > gt) {
                /* Its TLPs after the one on the bus now wait for ours. */
                d->end_ps[g] += MIN(dur, div_up(left - gt, gt) * tlp);
            }
        }
        /* No later than behind everything booked (work conserving). */
        done = MIN(done + others, d->free_ps + dur);
    }
    d->free_ps = MAX(d->free_ps, start) + dur;
    d->end_ps[f] = done;
    d->tlp_ps[f] = tlp;
    return done;
}

/* A request of the current flow on one direction; when it is through. */
static uint64_t dir_serve(RdoTiming *t, bool up, uint64_t at, uint64_t n,
                          uint64_t tlp, uint64_t dur)
{
    uint64_t *free_ps = up ? &t->up_free_ps : &t->down_free_ps;

    if (t->cfg.bus_arb == RDO_BUS_ARB_RR) {
        return rr_serve(up ? &t->up : &t->down, t->flow, at, n, tlp, dur);
    }
    /* fifo: in the order the requests become ready. */
    *free_ps = MAX(at, *free_ps) + dur;
    return *free_ps;
}

/*
 * A DMA of the current flow on the bus, issued at `at`; returns when it is
 * done (a write is in memory, a read's data is in the device).
 */
uint64_t rdo_tm_bus(RdoCore *core, uint64_t at, uint64_t addr, size_t len,
                    bool write)
{
    RdoTiming *t = core->st->tm;
    RdoTmFlowQ *q = &t->flows[t->flow];
    uint64_t ovh = t->cfg.pcie_tlp_overhead;
    uint64_t issued = at, start, done, split, tlps, bytes, dur, full, wait;

    if (t->flow == RDO_FLOW_UNTIMED || !len) {
        return at;
    }
    tlps = tlp_count(t, addr, len, &split);
    bytes = len + tlps * ovh;
    dur = pcie_ps(t, bytes);
    full = pcie_ps(t, MIN(len, t->cfg.pcie_mps) + ovh);
    /* fifo keeps a flow in order here; rr in its queue of each direction. */
    if (t->cfg.bus_arb == RDO_BUS_ARB_FIFO) {
        at = MAX(at, q->tail_ps);
    }
    if (write) {
        done = dir_serve(t, true, at, tlps, full, dur);
        start = done - dur;
        wait = start - issued;
        t->last_write_ps = done;
        core->tcnt.pcie_up_bytes += bytes;
    } else {
        /* Requests up, completions down after the round trip. */
        uint64_t reqs = div_up(len, PCIE_MRRS);
        uint64_t req_dur = pcie_ps(t, reqs * ovh);
        uint64_t cpl;

        start = dir_serve(t, true, at, reqs, pcie_ps(t, ovh), req_dur) - req_dur;
        cpl = start + t->cfg.pcie_latency_ns * 1000ull;
        done = dir_serve(t, false, cpl, tlps, full, dur);
        wait = start - issued + (done - dur - cpl);
        t->last_read_ps = done;
        core->tcnt.pcie_up_bytes += reqs * ovh;
        core->tcnt.pcie_down_bytes += bytes;
        tlps += reqs;
    }
    t->bus_wait_ps += wait;
    q->wait_ps += wait;
    q->tail_ps = start;
    q->requests++;
    q->bytes += len;
    core->tcnt.pcie_tlps += tlps;
    core->tcnt.dma_split_pieces += split;
    rdo_tm_span(core, write ? RDO_STAGE_DMA_WRITE : RDO_STAGE_DMA_READ,
                t->flow, len, start, done);
    return done;
}

/*
 * A DMA of the working engine. Writes are posted: the cursor goes on.
 * Reads of a packet's payload (DATA) make the packet wait, reads with
 * `nonblock` (prefetches) only note when they complete, other reads stop
 * the cursor until their data is in.
 */
void rdo_tm_dma(RdoCore *core, uint64_t addr, size_t len, bool write)
{
    RdoTiming *t = core->st->tm;
    uint64_t done = rdo_tm_bus(core, rdo_tm_cur(core), addr, len, write);

    if (write || t->eng == RDO_ENG_NONE || t->flow == RDO_FLOW_UNTIMED) {
        return;
    }
    if (t->flow == RDO_FLOW_DATA) {
        t->pkt_data_ps = MAX(t->pkt_data_ps, done);
    } else if (!t->nonblock) {
        t->cur_ps = MAX(t->cur_ps, done);
    }
}

bool rdo_tm_tx_may_send(RdoCore *core)
{
    RdoTiming *t = core->st->tm;
    uint64_t fifo_ps = link_ps(t, t->cfg.tx_fifo_bytes);
    uint64_t room_at = t->link_free_ps > fifo_ps ? t->link_free_ps - fifo_ps : 0;

    if (t->cur_ps <= rdo_tm_now_ps(core) + rdo_tm_cycles_ps(t, TX_AHEAD_CYCLES) &&
        room_at <= t->cur_ps) {
        return true;
    }
    t->tx_paused = true;
    t->next_ps = MAX(t->next_ps, MAX(room_at, t->cur_ps -
                                     rdo_tm_cycles_ps(t, TX_AHEAD_CYCLES)));
    return false;
}

/*
 * A frame through the transmit pipeline (header build, then its bytes
 * through the datapath with the ICRC) and onto the link. It reaches the
 * peer after the link latency (and a fault-injection delay, extra_ns).
 */
void rdo_tm_egress(RdoCore *core, const void *frame, size_t len,
                   uint64_t extra_ns)
{
    RdoTiming *t = core->st->tm;
    uint64_t wire = MAX(len, ETH_MIN_NO_FCS) + WIRE_EXTRA;
    uint64_t ready = MAX(rdo_tm_cur(core), t->pkt_data_ps);
    uint64_t build = MAX(ready, t->build_free_ps);
    uint64_t built = build + rdo_tm_cycles_ps(t, t->cfg.cyc.hdr_build +
                                              div_up(len, t->cfg.bytes_per_cycle));
    uint64_t start = MAX(built, t->link_free_ps);
    uint64_t end = start + link_ps(t, wire);
    TmFrame *f;

    t->pkt_data_ps = 0;
    t->build_free_ps = built;
    t->link_free_ps = end;
    t->link_busy_ps += end - start;
    t->last_link_start_ps = start;
    t->last_link_end_ps = end;
    core->tcnt.link_frames++;
    core->tcnt.link_bytes += wire;
    rdo_tm_span(core, RDO_STAGE_TX_BUILD, RDO_NONE, len, build, built);
    rdo_tm_span(core, RDO_STAGE_LINK, RDO_NONE, wire, start, end);
    f = frame_new(frame, len,
                  end + (t->cfg.link_latency_ns + extra_ns) * 1000);
    g_queue_push_tail(&t->egress, f);
    rdo_tm_schedule(core, f->due_ps);
}

void rdo_raise_irq(RdoCore *core, unsigned vector)
{
    RdoTiming *t = core->st->tm;
    TmIrq *irq;
    RdoFlow flow;
    uint64_t at;

    if (!t) {
        core->ops->raise_irq(core->host, vector);
        return;
    }
    /* After the EQE is in memory: the MSI-X message is a posted write. */
    at = MAX(rdo_tm_cur(core), t->last_write_ps) +
         rdo_tm_cycles_ps(t, t->cfg.cyc.irq);
    flow = rdo_tm_set_flow(core, RDO_FLOW_EQE);
    irq = g_new(TmIrq, 1);
    irq->due_ps = rdo_tm_bus(core, at, 0xfee00000ull, 4, true);
    rdo_tm_set_flow(core, flow);
    irq->vector = vector;
    core->tcnt.irqs++;
    rdo_tm_span(core, RDO_STAGE_IRQ, vector, 4, at, irq->due_ps);
    g_queue_push_tail(&t->irqs, irq);
    rdo_tm_schedule(core, irq->due_ps);
}

/* A frame through the receive pipeline, starting at `at_ps`. */
static void rx_process(RdoCore *core, const void *frame, size_t len,
                       uint64_t at_ps)
{
    RdoTiming *t = core->st->tm;
    RdoTmSaved saved = rdo_tm_enter(core, RDO_ENG_RX, at_ps);
    uint64_t start = t->cur_ps;

    rdo_tm_cycles(core, t->cfg.cyc.rx_parse + t->cfg.cyc.rx_resp +
                        div_up(len, t->cfg.bytes_per_cycle));
    rdo_rx_frame(core, frame, len);
    rdo_tm_span(core, RDO_STAGE_RX, RDO_NONE, len, start, t->cur_ps);
    rdo_tm_leave(core, saved);
}

void rdo_core_receive(RdoCore *core, const void *frame, size_t len)
{
    RdoTiming *t = core->st->tm;
    uint64_t now;
    TmFrame *f;

    if (!t) {
        rdo_rx_frame(core, frame, len);
        return;
    }
    now = rdo_tm_now_ps(core);
    if (g_queue_is_empty(&t->rx_fifo) && t->free_ps[RDO_ENG_RX] <= now) {
        rx_process(core, frame, len, now);
        return;
    }
    /* The pipeline is busy: the frame waits in the receive FIFO. */
    if (g_queue_get_length(&t->rx_fifo) >= t->cfg.rx_fifo_frames) {
        core->tcnt.rx_fifo_drops++;
        return;
    }
    f = frame_new(frame, len, now);
    g_queue_push_tail(&t->rx_fifo, f);
    core->tcnt.rx_fifo_max = MAX(core->tcnt.rx_fifo_max,
                                 g_queue_get_length(&t->rx_fifo));
    rdo_sched_rx_prefetch(core);
    rdo_tm_schedule(core, t->free_ps[RDO_ENG_RX]);
}

/* The destination QP of a RoCEv2 frame, for a prefetch; RDO_NONE if not. */
static uint32_t frame_qpn(const uint8_t *b, size_t len)
{
    size_t udp;

    if (len < 14 + 20 + 8 + 12) {
        return RDO_NONE;
    }
    if (b[12] == 0x08 && b[13] == 0x00 && b[14 + 9] == 17) {
        udp = 14 + (b[14] & 0xf) * 4;
    } else if (b[12] == 0x86 && b[13] == 0xdd && len >= 14 + 40 + 8 + 12 &&
               b[14 + 6] == 17) {
        udp = 14 + 40;
    } else {
        return RDO_NONE;
    }
    if (udp + 8 + 12 > len || b[udp + 2] != 0x12 || b[udp + 3] != 0xb7) {
        return RDO_NONE;        /* not UDP port 4791 */
    }
    return (uint32_t)b[udp + 8 + 5] << 16 | b[udp + 8 + 6] << 8 | b[udp + 8 + 7];
}

void rdo_sched_rx_prefetch(RdoCore *core)
{
    RdoTiming *t = core->st->tm;
    RdoState *st = core->st;
    uint32_t n = 0;

    for (GList *l = t->rx_fifo.head; l && n < t->cfg.lookahead; l = l->next, n++) {
        TmFrame *f = l->data;
        uint32_t qpn;

        if (f->prefetched) {
            continue;
        }
        f->prefetched = true;
        qpn = frame_qpn(f->data, f->len);
        if (qpn < st->usable_qps && st->qp_used[qpn]) {
            rdo_ctx_prefetch(core, &st->qpc, qpn);
        }
    }
}

void rdo_tm_run(RdoCore *core)
{
    RdoTiming *t = core->st->tm;
    uint64_t now;
    TmFrame *f;
    TmIrq *irq;

    if (!t) {
        return;
    }
    now = rdo_tm_now_ps(core);
    while ((f = g_queue_peek_head(&t->egress)) && f->due_ps <= now) {
        g_queue_pop_head(&t->egress);
        rdo_port_output(core, f->data, f->len);
        frame_free(f);
    }
    if (f) {
        rdo_tm_schedule(core, f->due_ps);
    }
    while ((irq = g_queue_peek_head(&t->irqs)) && irq->due_ps <= now) {
        g_queue_pop_head(&t->irqs);
        core->ops->raise_irq(core->host, irq->vector);
        g_free(irq);
    }
    if (irq) {
        rdo_tm_schedule(core, irq->due_ps);
    }
    while ((f = g_queue_peek_head(&t->rx_fifo))) {
        uint64_t start = MAX(f->due_ps, t->free_ps[RDO_ENG_RX]);

        if (start > now) {
            rdo_tm_schedule(core, start);
            break;
        }
        g_queue_pop_head(&t->rx_fifo);
        rx_process(core, f->data, f->len, start);
        frame_free(f);
        rdo_sched_rx_prefetch(core);
    }
}

uint64_t rdo_tm_db_time(RdoCore *core, uint32_t qpn, uint32_t index,
                        bool *pushed)
{
    RdoTmQp *q = &core->st->tm->qp[qpn];
    uint64_t best = 0;

    *pushed = false;
    for (unsigned i = 0; i < RDO_TM_DB_HIST; i++) {
        if ((q->db_flags[i] & RDO_TM_DB_VALID) &&
            (int32_t)(q->db_pi[i] - index) > 0 &&
            (!best || q->db_ps[i] < best)) {
            best = q->db_ps[i];
            *pushed = q->db_flags[i] & RDO_TM_DB_PUSHED;
        }
    }
    return best;
}

void rdo_tm_wr_done(RdoCore *core, RdoWrLife *life)
{
    RdoTiming *t = core->st->tm;

    core->tcnt.wr_done++;
    if (life->db_ps && life->cqe_ps > life->db_ps) {
        uint64_t ps = life->cqe_ps - life->db_ps;

        t->wr_ps += ps;
        t->wr_max_ps = MAX(t->wr_max_ps, ps);
    }
    if (t->log) {
        t->log[t->log_count % t->cfg.wr_log] = *life;
    }
    t->log_count++;
    if (core->ops->wr_life) {
        core->ops->wr_life(core->host, life);
    }
}

void rdo_tm_sync(RdoCore *core)
{
    RdoTiming *t = core->st->tm;
    RdoTimingCounters *c = &core->tcnt;

    if (!t) {
        return;
    }
    c->cycles = rdo_tm_ps_to_cycles(t, rdo_tm_now_ps(core));
    c->tx_busy_cycles = rdo_tm_ps_to_cycles(t, t->busy_ps[RDO_ENG_TX]);
    c->rx_busy_cycles = rdo_tm_ps_to_cycles(t, t->busy_ps[RDO_ENG_RX]);
    c->link_busy_cycles = rdo_tm_ps_to_cycles(t, t->link_busy_ps);
    c->ctx_wait_cycles = rdo_tm_ps_to_cycles(t, t->ctx_wait_ps);
    c->bus_wait_cycles = rdo_tm_ps_to_cycles(t, t->bus_wait_ps);
    c->wr_cycles = rdo_tm_ps_to_cycles(t, t->wr_ps);
    c->wr_cycles_max = rdo_tm_ps_to_cycles(t, t->wr_max_ps);
}
