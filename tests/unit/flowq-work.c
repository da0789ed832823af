/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <math.h>
#include <string.h>
#include "flowq-work.h"
#include "timing/timing.h"

#define MIB             (1u << 20)
#define SMALL           64
#define STREAM_MSGS     2
#define SMALL_AT_NS     30000   /* the stream's backlog has built up */
#define OUTSTANDING_MAX 16
#define WARMUP_PS       100000000ull    /* 100 us */
#define WINDOW_PS       1000000000ull   /* 1 ms measured */

/* When the responder's placement of the 64-byte WRITE was through. */
static uint64_t small_placed(GArray *spans)
{
    for (guint i = 0; i < spans->len; i++) {
        const RdoStageSpan *s = &g_array_index(spans, RdoStageSpan, i);

        if (s->stage == RDO_STAGE_DMA_WRITE && s->bytes == SMALL &&
            (s->qpn == RDO_FLOW_DATA || s->qpn >= RDO_TM_APPQ)) {
            return s->end_ps;
        }
    }
    return 0;
}

FlowqLat flowq_latency(uint32_t arb, uint32_t rx_lanes)
{
    RdoConfig tx = test_host_default_config(), rx;
    FlowqLat r = { 0 };
    uint64_t first_db = 0, placed, start;
    GArray *lives, *spans;
    TestHost *a, *b;
    Pair *p;

    tx.tm.on = true;
    tx.tm.bus_arb = arb;
    rx = tx;
    rx.tm.pcie_lanes = rx_lanes;
    p = pair_new2(&tx, &rx);
    a = p->s[0].d->h;
    b = p->s[1].d->h;
    lives = a->lives = g_array_new(FALSE, FALSE, sizeof(RdoWrLife));
    spans = b->spans = g_array_new(FALSE, FALSE, sizeof(RdoStageSpan));
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096);
    pair_connect(p, 1, RDO_QPT_RC, RDO_MTU_4096);
    /* Sources and destinations 5 bytes past a page: placements cut at
     * cache lines as real buffers are. */
    for (uint64_t i = 0; i < STREAM_MSGS; i++) {
        pair_post_rdma(p, 0, RDO_WR_RDMA_WRITE, 1 + i, PAIR_SRC + 5,
                       PAIR_DST + 5, MIB);
    }
    start = a->now_ns;
    while (a->now_ns < start + SMALL_AT_NS) {
        g_assert_true(pair_step(p, UINT64_MAX));
    }
    /* Only what is placed from now on counts. */
    g_array_set_size(spans, 0);
    pair_post_rdma(p, 1, RDO_WR_RDMA_WRITE, 100, PAIR_SRC + 3 * MIB + 77,
                   PAIR_DST + MIB + 4096 + 33, SMALL);
    g_assert_true(pair_run_cqes(p, 0, STREAM_MSGS + 1, PAIR_SEC));
    for (guint k = 0; k < lives->len; k++) {
        const RdoWrLife *l = &g_array_index(lives, RdoWrLife, k);

        if (l->wr_id == 100) {
            r.cqe_ps = l->cqe_ps - l->db_ps;
            placed = small_placed(spans);
            g_assert_cmpuint(placed, >, l->db_ps);
            r.placed_ps = placed - l->db_ps;
        } else {
            first_db = first_db ? MIN(first_db, l->db_ps) : l->db_ps;
            r.stream_ps = MAX(r.stream_ps, l->cqe_ps);
        }
    }
    g_assert_cmpuint(lives->len, ==, STREAM_MSGS + 1);
    r.stream_ps -= first_db;
    rdo_core_reg_read(&b->core, RDO_REG_TM_CYCLES_LO, 4);   /* syncs */
    r.resp_bus_wait_cycles = b->core.tcnt.bus_wait_cycles;
    /* The small WRITE's bytes arrived whole. */
    g_assert_cmpmem(pair_mr_ptr(&p->s[1], PAIR_DST + MIB + 4096 + 33), SMALL,
                    pair_mr_ptr(&p->s[0], PAIR_SRC + 3 * MIB + 77), SMALL);
    pair_free(p);
    return r;
}

double flowq_jain(const double *x, uint32_t n)
{
    double s = 0, s2 = 0;

    for (uint32_t i = 0; i < n; i++) {
        s += x[i];
        s2 += x[i] * x[i];
    }
    return s2 > 0 ? s * s / (n * s2) : 0;
}

FlowqShare flowq_fairness(uint32_t arb, uint32_t n, const uint8_t *cls,
                          uint32_t class_weights, const uint32_t *size,
                          uint32_t nsize, const uint32_t *depth, uint32_t ndepth)
{
    RdoConfig cfg = test_host_default_config();
    uint64_t done[FLOWQ_FLOWS_MAX][OUTSTANDING_MAX] = { { 0 } };
    uint64_t bytes[FLOWQ_FLOWS_MAX] = { 0 };
    uint32_t next[FLOWQ_FLOWS_MAX] = { 0 };
    double expect[FLOWQ_FLOWS_MAX], wsum = 0, norm[FLOWQ_FLOWS_MAX];
    FlowqShare r = { .n = n };
    TestHost *h;
    RdoCore *core;

    g_assert_cmpuint(n, <=, FLOWQ_FLOWS_MAX);
    cfg.tm.on = true;
    cfg.tm.bus_arb = arb;
    cfg.tm.bus_class_weights = class_weights;
    h = test_host_new(&cfg, 1 << 20);
    core = &h->core;
    for (;;) {
        uint32_t f = 0;
        uint64_t at, end, len;

        /* The flow that has room first (its oldest write is through). */
        for (uint32_t i = 1; i < n; i++) {
            if (done[i][next[i]] < done[f][next[f]]) {
                f = i;
            }
        }
        at = done[f][next[f]];
        if (at >= WARMUP_PS + WINDOW_PS) {
            break;
        }
        core->st->qp_flow_class[2 + f] = cls ? cls[f] : 0;
        rdo_tm_set_flow(core, RDO_FLOW_DATA);
        rdo_tm_app_flow(core, 2 + f);
        len = size[f % nsize];
        /* Scattered, unaligned: a buffer of each flow's own. */
        end = rdo_tm_bus(core, at, (2 + f) * 0x1000000ull + next[f] * 0x20000ull + 40,
                         len, true);
        done[f][next[f]] = end;
        next[f] = (next[f] + 1) % depth[f % ndepth];
        if (end > WARMUP_PS && end <= WARMUP_PS + WINDOW_PS) {
            bytes[f] += len;
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t c = cls ? cls[i] : 0;
        /* The shares asked for (whether the arbiter honours them or not). */
        uint32_t w = c ? (class_weights >> (4 * (c - 1))) & 0xf : 1;
        uint32_t members = 0;

        /* A class's weight is shared by the flows in it. */
        for (uint32_t j = 0; j < n; j++) {
            members += (cls ? cls[j] : 0) == c;
        }
        expect[i] = c ? (double)w / members : 1;
        wsum += expect[i];
        r.gbps[i] = bytes[i] * 8.0 / (WINDOW_PS / 1000.0);
        r.total_gbps += r.gbps[i];
    }
    for (uint32_t i = 0; i < n; i++) {
        double share = r.gbps[i] / r.total_gbps, want = expect[i] / wsum;

        norm[i] = r.gbps[i] / expect[i];
        r.worst_share_err = MAX(r.worst_share_err, fabs(share - want) / want);
    }
    r.jain = flowq_jain(r.gbps, n);
    r.jain_weighted = flowq_jain(norm, n);
    test_host_free(h);
    return r;
}
