/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The bus's per-flow queues against per-kind queues (./scripts/bench):
 * the latency of a 64-byte WRITE beside a 1 MiB stream, and the arbiter's
 * fairness among N flows with equal and weighted shares. Prints one JSON
 * object; simulated time, the same on every run.
 */
#include <inttypes.h>
#include <stdio.h>

#include "flowq-work.h"
#include "timing/timing.h"

/* Classes 1-4 weighted 1:2:3:4, the others 1. */
#define WEIGHTS_1234    0x11114321u

static const char *const arb_name[] = { "kind", "fifo", "rr", "weighted" };

static void latency(void)
{
    static const uint32_t arbs[] = { RDO_BUS_ARB_KIND, RDO_BUS_ARB_RR };
    static const uint32_t lanes[] = { 4, 8, 16 };
    const char *sep = "";

    printf("\"latency\": [");
    for (unsigned l = 0; l < G_N_ELEMENTS(lanes); l++) {
        for (unsigned a = 0; a < G_N_ELEMENTS(arbs); a++) {
            FlowqLat r = flowq_latency(arbs[a], lanes[l]);

            printf("%s\n {\"arb\": \"%s\", \"rx_lanes\": %u, \"placed_ns\": %.1f, "
                   "\"cqe_ns\": %.1f, \"stream_us\": %.3f, "
                   "\"resp_bus_wait_cycles\": %" PRIu64 "}",
                   sep, arb_name[arbs[a]], lanes[l], r.placed_ps / 1000.0,
                   r.cqe_ps / 1000.0, r.stream_ps / 1e6, r.resp_bus_wait_cycles);
            sep = ",";
        }
    }
    printf("\n],\n");
}

/*
 * Equal shares among flows of mixed request sizes (a bulk flow beside
 * small ones: 64 KiB, 4 KiB, 1 KiB, 4 KiB in turn); weighted shares
 * (classes 1-4 in turn, 1:2:3:4) among flows of 4 KiB requests.
 */
static void fairness(void)
{
    static const uint32_t ns[] = { 2, 4, 16 };
    static const uint32_t mixed[] = { 65536, 4096, 1024, 4096 };
    static const uint32_t k4[] = { 4096 };
    static const uint32_t depth[] = { 4 };
    static const struct { uint32_t arb; bool weighted; } runs[] = {
        { RDO_BUS_ARB_KIND, false }, { RDO_BUS_ARB_RR, false },
        { RDO_BUS_ARB_KIND, true }, { RDO_BUS_ARB_WEIGHTED, true },
    };
    const char *sep = "";

    printf("\"fairness\": {\"outstanding\": 4, \"window_us\": 1000, "
           "\"class_weights\": \"1:2:3:4\", \"points\": [");
    for (unsigned k = 0; k < G_N_ELEMENTS(ns); k++) {
        for (unsigned x = 0; x < G_N_ELEMENTS(runs); x++) {
            bool w = runs[x].weighted;
            uint8_t cls[FLOWQ_FLOWS_MAX];
            FlowqShare r;

            for (uint32_t i = 0; i < ns[k]; i++) {
                cls[i] = 1 + i % 4;
            }
            r = flowq_fairness(runs[x].arb, ns[k], w ? cls : NULL, WEIGHTS_1234,
                               w ? k4 : mixed, w ? 1 : G_N_ELEMENTS(mixed),
                               depth, 1);
            printf("%s\n {\"n\": %u, \"arb\": \"%s\", \"shares\": \"%s\", "
                   "\"sizes\": \"%s\", \"total_gbps\": %.3f, \"jain\": %.4f, "
                   "\"jain_weighted\": %.4f, \"worst_share_err\": %.4f, \"gbps\": [",
                   sep, ns[k], arb_name[runs[x].arb], w ? "weighted" : "equal",
                   w ? "4K" : "64K,4K,1K,4K", r.total_gbps, r.jain,
                   r.jain_weighted, r.worst_share_err);
            for (uint32_t i = 0; i < ns[k]; i++) {
                printf("%s%.3f", i ? ", " : "", r.gbps[i]);
            }
            printf("]}");
            sep = ",";
        }
    }
    printf("\n]}\n");
}

int main(void)
{
    printf("{\n");
    latency();
    fairness();
    printf("}\n");
    return 0;
}
