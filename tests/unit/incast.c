/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The incast of incast.h: host 0 receives, hosts 1..N send. All hosts
 * share one virtual clock; a frame a host sends enters the switch at that
 * moment, waits in its destination port's queue, leaves at the port's
 * speed and reaches the host when its last bit is out.
 */
#include <stdio.h>
#include <string.h>
#include "incast.h"
#include "timing-work.h"
#include "wire/wire.h"

#define RECV            0
#define SLOT_SPAN       (128u << 10)    /* receiver MR per sender */
#define WIRE_EXTRA      24              /* FCS, preamble, inter-frame gap */

typedef struct SwFrame {
    uint64_t end_ps;            /* its last bit leaves the port */
    int to;
    size_t len;
    uint8_t data[];
} SwFrame;

typedef struct SwPort {
    GQueue q;                   /* SwFrame, in departure order */
    uint64_t free_ps;           /* the port is sending until */
    uint64_t bytes;             /* queued, the frame on the wire included */
} SwPort;

typedef struct Fabric {
    const IncastConfig *cfg;
    uint32_t hosts;
    PairSide side[INCAST_MAX + 1];
    SwPort port[INCAST_MAX + 1];
    RdoPairLayout layout;
    uint64_t rng, now_ns;
    uint64_t ps_per_kbyte;      /* a port's speed */
    FILE *pcap;
    IncastResult *r;
} Fabric;

IncastConfig incast_default(uint32_t senders, bool dcqcn)
{
    return (IncastConfig){
        .senders = senders, .dcqcn = dcqcn, .link_gbps = 40,
        .kmin = 5000, .kmax = 200000, .pmax_ppm = 10000,
        .limit = 1u << 20, .msg = 64u << 10, .depth = 4,
        .warmup_ns = 20000000, .run_ns = 80000000,
    };
}

static uint64_t rng_next(Fabric *f)
{
    f->rng ^= f->rng >> 12;
    f->rng ^= f->rng << 25;
    f->rng ^= f->rng >> 27;
    return f->rng * 0x2545F4914F6CDD1Dull;
}

/* RED/ECN: the chance of a mark grows from 0 at Kmin to Pmax at Kmax. */
static bool should_mark(Fabric *f, uint64_t depth)
{
    const IncastConfig *c = f->cfg;
    uint64_t ppm;

    if (depth <= c->kmin) {
        return false;
    }
    if (depth >= c->kmax) {
        return true;
    }
    ppm = (depth - c->kmin) * c->pmax_ppm / (c->kmax - c->kmin);
    return (rng_next(f) >> 32) % 1000000 < ppm;
}

static void pcap_write(Fabric *f, const void *frame, uint32_t len)
{
    uint32_t rec[4] = { f->now_ns / 1000000000u, (f->now_ns / 1000) % 1000000,
                        len, len };

    fwrite(rec, sizeof(rec), 1, f->pcap);
    fwrite(frame, len, 1, f->pcap);
}

/* A frame from host `from` enters the switch now. */
static void sw_enqueue(Fabric *f, int from, const uint8_t *frame, size_t len)
{
    uint64_t now_ps = f->now_ns * 1000;
    SwPort *port;
    SwFrame *sf;
    int to = -1;

    for (uint32_t h = 0; h < f->hosts; h++) {
        if (len >= 6 && !memcmp(frame, f->side[h].mac, 6)) {
            to = (int)h;
        }
    }
    if (to < 0 || to == from) {
        return;
    }
    port = &f->port[to];
    if (port->bytes + len > f->cfg->limit) {
        f->r->drops++;
        return;
    }
    sf = g_malloc(sizeof(*sf) + len);
    memcpy(sf->data, frame, len);
    sf->len = len;
    sf->to = to;
    if (should_mark(f, port->bytes) && rdo_wire_set_ce(sf->data, len)) {
        f->r->marks++;
    }
    port->free_ps = MAX(port->free_ps, now_ps) +
                    (MAX(len, 60) + WIRE_EXTRA) * f->ps_per_kbyte / 1024;
    sf->end_ps = port->free_ps;
    port->bytes += len;
    g_queue_push_tail(&port->q, sf);
}

/* Frames the hosts sent go into the switch; true if there were any. */
static bool collect(Fabric *f)
{
    bool any = false;

    for (uint32_t h = 0; h < f->hosts; h++) {
        TestFrames *frames = &f->side[h].d->h->frames;
        guint n = test_frames_count(frames);

        if (!n) {
            continue;
        }
        /* The switch copies each frame: the log is free again after. */
        for (guint i = 0; i < n; i++) {
            size_t len;
            const uint8_t *data = test_frames_get(frames, i, &len);

            if (f->pcap && h == RECV) {
                pcap_write(f, data, len);
            }
            sw_enqueue(f, (int)h, data, len);
        }
        test_frames_reset(frames);
        any = true;
    }
    return any;
}

/* Frames whose last bit is out by now reach their hosts. */
static bool deliver(Fabric *f)
{
    uint64_t now_ps = f->now_ns * 1000;
    bool any = false;

    for (uint32_t h = 0; h < f->hosts; h++) {
        SwPort *port = &f->port[h];
        SwFrame *sf;

        while ((sf = g_queue_peek_head(&port->q)) && sf->end_ps <= now_ps) {
            g_queue_pop_head(&port->q);
            port->bytes -= sf->len;
            if (f->pcap && h == RECV) {
                pcap_write(f, sf->data, sf->len);
            }
            rdo_core_receive(&f->side[h].d->h->core, sf->data, sf->len);
            g_free(sf);
            any = true;
        }
    }
    return any;
}

/* Time moves to the next departure or wake-up; those due run. */
static void advance(Fabric *f)
{
    uint64_t next = UINT64_MAX;

    for (uint32_t h = 0; h < f->hosts; h++) {
        SwFrame *sf = g_queue_peek_head(&f->port[h].q);
        uint64_t wake = f->side[h].d->h->wakeup_ns;

        if (sf) {
            next = MIN(next, (sf->end_ps + 999) / 1000);
        }
        if (wake) {
            next = MIN(next, wake);
        }
    }
    g_assert_cmpuint(next, !=, UINT64_MAX);     /* traffic never stops */
    f->now_ns = MAX(f->now_ns, next);
    for (uint32_t h = 0; h < f->hosts; h++) {
        f->side[h].d->h->now_ns = f->now_ns;
    }
    deliver(f);
    for (uint32_t h = 0; h < f->hosts; h++) {
        TestHost *th = f->side[h].d->h;

        if (th->wakeup_ns && th->wakeup_ns <= f->now_ns) {
            th->wakeup_ns = 0;
            th->wakeups++;
            rdo_core_wakeup(&th->core);
        }
    }
}

static void post_write(Fabric *f, uint32_t s, uint64_t n)
{
    PairSide *a = &f->side[s];
    uint32_t msg = f->cfg->msg;
    uint64_t off = n % (SLOT_SPAN / msg) * msg;
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, n);
    struct rdo_sge sge = pair_sge_of(a, PAIR_SRC + off, msg);

    w.remote_addr = PAIR_DST + (uint64_t)(s - 1) * SLOT_SPAN + off;
    w.rkey = f->side[RECV].mr_key;
    pair_post_send(a, (int)s - 1, &w, &sge, 1, NULL);
}

static void fabric_free(Fabric *f)
{
    for (uint32_t h = 0; h < f->hosts; h++) {
        g_queue_clear_full(&f->port[h].q, g_free);
        pair_side_free(&f->side[h]);
    }
    if (f->pcap) {
        fclose(f->pcap);
    }
}

static void fabric_open_pcap(Fabric *f, const char *path)
{
    /* pcap: magic, version 2.4, zone, accuracy, snaplen, Ethernet */
    const uint32_t hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 };

    f->pcap = fopen(path, "wb");
    g_assert_nonnull(f->pcap);
    fwrite(hdr, sizeof(hdr), 1, f->pcap);
}

IncastResult incast_run(const IncastConfig *cfg)
{
    uint64_t wall = g_get_monotonic_time();
    RdoConfig dev = work_config(true, cfg->link_gbps, RDO_DEFAULT_QPC_CACHE,
                                RDO_DEFAULT_LOOKAHEAD);
    g_autofree Fabric *f = g_new0(Fabric, 1);
    IncastResult r = { 0 };
    uint64_t posted[INCAST_MAX + 1] = { 0 }, done[INCAST_MAX + 1] = { 0 };
    uint64_t start_ns, measure_ns, end_ns, last_ns, q_area = 0, next_sample;
    uint64_t done_at[INCAST_MAX + 1] = { 0 }, drops_at = 0;
    bool failed[INCAST_MAX + 1] = { false };
    uint32_t samples = 0;
    double sum = 0, sq = 0;

    g_assert_cmpuint(cfg->senders, >=, 1);
    g_assert_cmpuint(cfg->senders, <=, INCAST_MAX);
    dev.cc.dcqcn = cfg->dcqcn;
    f->cfg = cfg;
    f->r = &r;
    f->hosts = cfg->senders + 1;
    f->rng = 0x9E3779B97F4A7C15ull;
    f->ps_per_kbyte = 1024ull * 8 * 1000 / cfg->link_gbps;
    f->layout = pair_layout(0, 0);
    for (uint32_t h = 0; h < f->hosts; h++) {
        pair_side_init(&f->side[h], &dev, &f->layout, (int)h);
        g_queue_init(&f->port[h].q);
    }
    for (uint32_t s = 1; s < f->hosts; s++) {
        rdo_pair_connect(&f->side[s].rdo, &f->side[RECV].rdo, (int)s - 1,
                         RDO_QPT_RC, RDO_MTU_4096 - 1, PAIR_TIMEOUT, 0, 0);
        pair_fill(&f->side[s], PAIR_SRC, SLOT_SPAN, s);
    }
    /* One clock from here: the latest of the hosts' (never backwards). */
    for (uint32_t h = 0; h < f->hosts; h++) {
        f->now_ns = MAX(f->now_ns, f->side[h].d->h->now_ns);
    }
    for (uint32_t h = 0; h < f->hosts; h++) {
        f->side[h].d->h->now_ns = f->now_ns;
    }
    if (cfg->pcap) {
        fabric_open_pcap(f, cfg->pcap);
    }
    start_ns = last_ns = f->now_ns;
    measure_ns = start_ns + cfg->warmup_ns;
    end_ns = measure_ns + cfg->run_ns;
    next_sample = start_ns;
    while (f->now_ns < end_ns) {
        for (uint32_t s = 1; s < f->hosts; s++) {
            struct rdo_cqe e;

            while ((e = pair_poll(&f->side[s])).wr_id != PAIR_NO_CQE) {
                if (e.status == RDO_WC_SUCCESS) {
                    done[s]++;
                } else if (!failed[s]) {
                    /* Retries exhausted under loss: the QP is gone. */
                    failed[s] = true;
                    r.failed++;
                }
            }
            while (!failed[s] && posted[s] - done[s] < cfg->depth) {
                post_write(f, s, posted[s]++);
            }
        }
        if (collect(f) || deliver(f)) {
            continue;
        }
        /* The receiver's queue over time: its area, its peak, samples. */
        if (f->now_ns >= measure_ns) {
            q_area += f->port[RECV].bytes * (f->now_ns - MAX(last_ns, measure_ns));
            r.q_max = MAX(r.q_max, (double)f->port[RECV].bytes);
        }
        while (f->now_ns >= next_sample && samples < INCAST_SAMPLES) {
            r.q_series[samples++] = (double)f->port[RECV].bytes;
            next_sample += (end_ns - start_ns) / INCAST_SAMPLES;
        }
        last_ns = f->now_ns;
        if (f->now_ns < measure_ns) {
            for (uint32_t s = 1; s < f->hosts; s++) {
                done_at[s] = done[s];
            }
            drops_at = r.drops;
        }
        advance(f);
    }
    r.q_mean = (double)q_area / (end_ns - measure_ns);
    for (uint32_t s = 1; s < f->hosts; s++) {
        RdoCounters *c = &f->side[s].d->h->core.cnt;
        double g = (double)(done[s] - done_at[s]) * cfg->msg * 8 / cfg->run_ns;

        r.sender_gbps[s - 1] = g;
        r.gbps += g;
        sum += g;
        sq += g * g;
        r.cnps_handled += c->rp_cnp_handled;
        r.retransmits += c->retransmits;
        /* The data: each sender's region holds what it wrote. */
        if (!failed[s] && done[s] >= SLOT_SPAN / cfg->msg) {
            pair_assert_same(&f->side[s], PAIR_SRC, &f->side[RECV],
                             PAIR_DST + (uint64_t)(s - 1) * SLOT_SPAN,
                             SLOT_SPAN);
        }
    }
    r.cnps = f->side[RECV].d->h->core.cnt.np_cnp_sent;
    r.drops_measured = r.drops - drops_at;
    r.jain = sq > 0 ? sum * sum / (cfg->senders * sq) : 0;
    fabric_free(f);
    r.wall_ns = (g_get_monotonic_time() - wall) * 1000;
    return r;
}
