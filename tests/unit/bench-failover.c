/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The bench of protocol-engine failover (./scripts/bench), in simulated
 * time on two cores back to back with the timing model (defaults: 1 GHz,
 * 100 GbE, PCIe Gen4 x16): what keeping the hard state recoverable costs
 * (RDMA WRITE streams with failover off and on: goodput, PCIe bytes and
 * write-backs per message), and what a fault costs (N RC QPs with WRITEs
 * in flight, the requester's or the responder's engine faulted: the
 * blackout in device cycles, the hard state read back, frames lost,
 * retransmissions, and how much later the last completion comes than in
 * the same run without the fault). Prints JSON; every figure is simulated
 * and the same on every run.
 */
#include <inttypes.h>
#include <stdio.h>
#include "timing-work.h"

/* PCIe Gen4 x16 after 128b/130b coding, bytes per device cycle at 1 GHz:
 * 16 GT/s x 16 lanes x 128/130 / 8. */
#define PCIE_BYTES_PER_CYCLE (16.0 * 16 * 128 / 130 / 8)

static void cost(void)
{
    static const uint32_t sizes[] = { 64, 1024, 4096, 65536 };
    const char *sep = "";

    printf("\"cost\": [");
    for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
        double up_off = 0;

        for (int on = 0; on < 2; on++) {
            RdoConfig cfg = work_config(true, 100, 64, 8);
            uint64_t total = MIN((uint64_t)sizes[i] * 2000, 16u << 20);
            WorkResult r;
            double up, wb, wbs;

            cfg.failover = on;
            r = work_write_stream(&cfg, RDO_MTU_4096, sizes[i], total, 16);
            up = (double)(r.tcnt[0].pcie_up_bytes + r.tcnt[1].pcie_up_bytes) / r.msgs;
            wb = (double)(r.cnt[0].fo_wb_bytes + r.cnt[1].fo_wb_bytes) / r.msgs;
            wbs = (double)(r.cnt[0].fo_writebacks + r.cnt[1].fo_writebacks) / r.msgs;
            if (!on) {
                up_off = up;
            }
            printf("%s\n {\"msg\": %u, \"failover\": %d, \"msgs\": %" PRIu64
                   ", \"gbps\": %.3f, \"pcie_up_bytes_per_msg\": %.1f, "
                   "\"wb_bytes_per_msg\": %.1f, \"writebacks_per_msg\": %.3f, "
                   "\"extra_up_bytes_per_msg\": %.1f, "
                   "\"extra_bus_cycles_per_msg\": %.2f}",
                   sep, sizes[i], on, r.msgs, r.gbps, up, wb, wbs, up - up_off,
                   (up - up_off) / PCIE_BYTES_PER_CYCLE);
            sep = ",";
        }
    }
    printf("\n],\n");
}

#define REC_MSGS    8           /* WRITEs per QP */
#define REC_MSG     4096
/* The fault, after the first doorbell; halfway through a run shorter
 * than twice that (one QP's 8 WRITEs finish in under 5 us), so that every
 * point faults an engine with work in flight. */
#define REC_AT_NS   5000

typedef struct Recovery {
    uint64_t end_ns;            /* the last completion */
    uint32_t blackout, drops, retrans, qps;
    size_t state_bytes;
} Recovery;

/* nqp QPs with REC_MSGS WRITEs each on a device of `engines` engines;
 * side `side` faults (engine 0) `at_ns` after the first doorbell (side <
 * 0: no fault). */
static Recovery recovery_run(uint32_t nqp, int side, uint32_t engines,
                             uint64_t at_ns)
{
    RdoConfig cfg = work_config(true, 100, 64, 8);
    Pair *p;
    PairSide *a, *b;
    uint64_t start, done = 0, total = (uint64_t)nqp * REC_MSGS;
    bool faulted = side < 0;
    Recovery r = { 0 };

    cfg.failover = 1;
    cfg.engines = engines;
    cfg.max_qp = MAX(cfg.max_qp, nqp + 16);
    p = pair_new(&cfg);
    a = &p->s[0];
    b = &p->s[1];
    for (uint32_t i = 0; i < nqp; i++) {
        pair_connect(p, i, RDO_QPT_RC, RDO_MTU_4096 - 2);
    }
    start = a->d->h->now_ns;
    for (uint32_t m = 0; m < REC_MSGS; m++) {
        for (uint32_t i = 0; i < nqp; i++) {
            struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, m);
            uint64_t off = ((uint64_t)i * REC_MSGS + m) * REC_MSG % (1u << 20);
            struct rdo_sge sge = pair_sge_of(a, PAIR_SRC + off, REC_MSG);

            w.remote_addr = PAIR_DST + off;
            w.rkey = b->mr_key;
            pair_post_send(a, i, &w, &sge, 1, NULL);
        }
    }
    while (done < total) {
        struct rdo_cqe e;

        if (!faulted && a->d->h->now_ns >= start + at_ns) {
            TestHost *h = p->s[side].d->h;
            uint64_t rb = h->core.cnt.fo_rb_bytes;

            test_reg_write(h, RDO_REG_FO_INJECT, RDO_FO_INJECT_KEY);
            /* What the substitute reads back from the store: the faulted
             * engine's QPs' images, responder resources and records. */
            r.state_bytes = h->core.cnt.fo_rb_bytes - rb;
            r.blackout = test_reg_read(h, RDO_REG_FO_BLACKOUT);
            r.qps = test_reg_read(h, RDO_REG_FO_QPS);
            faulted = true;
        }
        if (!pair_step(p, a->d->h->now_ns + PAIR_SEC)) {
            g_error("recovery bench: %" PRIu64 " of %" PRIu64 " done", done, total);
        }
        while ((e = pair_poll(a)).wr_id != PAIR_NO_CQE) {
            if (e.status != RDO_WC_SUCCESS) {
                g_error("recovery bench: status %u", e.status);
            }
            done++;
            r.end_ns = a->d->h->now_ns - start;
        }
    }
    if (side >= 0) {
        r.drops = test_reg_read(p->s[side].d->h, RDO_REG_FO_DROPS);
    }
    r.retrans = test_reg_read(a->d->h, RDO_REG_CNT_RETRANSMITS);
    pair_free(p);
    return r;
}

/* The points of one engine count: 1, 16, 64, 256 QPs, each side faulted. */
static void recovery_points(uint32_t engines, const char **sep)
{
    static const uint32_t qps[] = { 1, 16, 64, 256 };

    for (size_t i = 0; i < G_N_ELEMENTS(qps); i++) {
        Recovery base = recovery_run(qps[i], -1, engines, 0);
        uint64_t at_ns = MIN(REC_AT_NS, base.end_ns / 2);

        for (int side = 0; side < 2; side++) {
            Recovery r = recovery_run(qps[i], side, engines, at_ns);

            printf("%s\n {\"engines\": %u, \"qps\": %u, \"faulted\": \"%s\", "
                   "\"blackout_cycles\": %u, \"state_bytes\": %zu, "
                   "\"frames_lost\": %u, \"retransmits\": %u, "
                   "\"qps_resumed\": %u, \"fault_at_ns\": %" PRIu64 ", "
                   "\"done_ns\": %" PRIu64 ", "
                   "\"done_ns_no_fault\": %" PRIu64 ", \"later_ns\": %" PRId64 "}",
                   *sep, engines, qps[i], side ? "responder" : "requester",
                   r.blackout, r.state_bytes, r.drops, r.retrans, r.qps, at_ns,
                   r.end_ns, base.end_ns, (int64_t)(r.end_ns - base.end_ns));
            *sep = ",";
        }
    }
}

/* One engine (the whole engine reloads), then four (engine 0's quarter of
 * the QPs rebuilt from the store, the rest running on). */
static void recovery(void)
{
    const char *sep = "";

    printf("\"recovery\": {\"msg\": %u, \"per_qp\": %u, \"fault_at_ns\": %u, "
           "\"points\": [", REC_MSG, REC_MSGS, REC_AT_NS);
    recovery_points(1, &sep);
    recovery_points(4, &sep);
    printf("\n]}\n");
}

int main(int argc, char **argv)
{
    printf("{\n");
    cost();
    recovery();
    printf("}\n");
    return 0;
}
