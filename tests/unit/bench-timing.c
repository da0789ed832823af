/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The timing model's bench: two cores back to back (test-pair), simulated
 * time. Prints one JSON object; ./scripts/bench makes tables and plots of
 * it. Keys with "wall" are wall-clock figures; everything else is
 * simulated and the same on every run.
 */
#include <string.h>
#include <inttypes.h>
#include <stdio.h>
#include "timing-work.h"

#define MIB (1u << 20)

static void goodput(void)
{
    static const uint32_t speeds[] = { 100, 200, 400 };
    static const uint32_t sizes[] = { 256, 1024, 4096, 16384, 65536, 262144, MIB };
    const char *sep = "";

    printf("\"goodput\": [");
    for (unsigned s = 0; s < G_N_ELEMENTS(speeds); s++) {
        for (uint8_t code = RDO_MTU_4096 - 2; code <= RDO_MTU_4096; code += 2) {
            uint32_t mtu = 128u << code;

            for (unsigned m = 0; m < G_N_ELEMENTS(sizes); m++) {
                RdoConfig cfg = work_config(true, speeds[s], RDO_DEFAULT_QPC_CACHE,
                                            RDO_DEFAULT_LOOKAHEAD);
                uint64_t total = MIN(32ull * MIB, (uint64_t)sizes[m] * 2048);
                WorkResult r;

                /* 400 GbE needs a Gen5 x16 slot; Gen4 x16 carries ~230 Gbit/s. */
                cfg.tm.pcie_gen = speeds[s] > 200 ? 5 : 4;
                r = work_write_stream(&cfg, code, sizes[m], total, 16);
                printf("%s\n {\"link_gbps\": %u, \"mtu\": %u, \"msg\": %u, "
                       "\"pcie_gen\": %u, \"gbps\": %.3f, \"wire_limit_gbps\": %.3f}",
                       sep, speeds[s], mtu, sizes[m], cfg.tm.pcie_gen, r.gbps,
                       work_wire_limit(speeds[s], mtu, sizes[m]));
                sep = ",";
            }
        }
    }
    printf("\n],\n");
}

static void msg_rate(uint32_t cache)
{
    static const uint32_t qps[] = { 1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128 };
    const char *sep = "";

    printf("\"msg_rate\": {\"cache_entries\": %u, \"msg\": 64, \"points\": [", cache);
    for (unsigned q = 0; q < G_N_ELEMENTS(qps); q++) {
        for (uint32_t la = 0; la <= 8; la += 8) {
            RdoConfig cfg = work_config(true, 100, cache, la);
            WorkResult r = work_msg_rate(&cfg, qps[q], 4, 4000);

            printf("%s\n {\"qps\": %u, \"lookahead\": %u, \"mmsgs\": %.3f, "
                   "\"qpc_misses\": %u, \"ctx_prefetches\": %" PRIu64 "}",
                   sep, qps[q], la, r.mrate, r.cnt[0].qpc_misses + r.cnt[1].qpc_misses,
                   r.tcnt[0].ctx_prefetches + r.tcnt[1].ctx_prefetches);
            sep = ",";
        }
    }
    printf("\n]},\n");
}

static void latency(void)
{
    RdoConfig cfg = work_config(true, 100, RDO_DEFAULT_QPC_CACHE, 0);
    WorkResult db = work_latency(&cfg, false, 50);
    WorkResult push = work_latency(&cfg, true, 50);

    printf("\"latency\": {\"msg\": 64, \"doorbell_ns\": %.1f, \"push_ns\": %.1f},\n",
           db.lat_ns, push.lat_ns);
}

static void interrupts(void)
{
    RdoConfig cfg = work_config(true, 100, RDO_DEFAULT_QPC_CACHE, 0);
    WorkResult off = work_irq(&cfg, false, 2000);
    WorkResult on = work_irq(&cfg, true, 2000);

    printf("\"interrupts\": {\"msg\": 64, \"moderation\": \"16 CQEs or 8 us\", "
           "\"off\": {\"irqs_per_msg\": %.4f, \"latency_ns\": %.1f}, "
           "\"on\": {\"irqs_per_msg\": %.4f, \"latency_ns\": %.1f}},\n",
           off.irqs_per_msg, off.lat_ns, on.irqs_per_msg, on.lat_ns);
}

/* Simulated Gbit per wall-clock second, timing off and on, same work. */
static void wall_speed(void)
{
    RdoConfig off = work_config(false, 100, RDO_DEFAULT_QPC_CACHE, 8);
    RdoConfig on = work_config(true, 100, RDO_DEFAULT_QPC_CACHE, 8);
    WorkResult a = work_write_stream(&off, RDO_MTU_4096, 64 * 1024, 256ull * MIB, 16);
    WorkResult b = work_write_stream(&on, RDO_MTU_4096, 64 * 1024, 256ull * MIB, 16);

    printf("\"speed\": {\"bytes\": %" PRIu64 ", "
           "\"wall_gbit_per_s_timing_off\": %.2f, \"wall_gbit_per_s_timing_on\": %.2f, "
           "\"wall_ratio_on_off\": %.3f}\n",
           a.bytes, a.bytes * 8.0 / a.wall_ns, b.bytes * 8.0 / b.wall_ns,
           (double)b.wall_ns / a.wall_ns);
}

int main(int argc, char **argv)
{
    /* "speed": only the wall-clock figure (for profiling the model). */
    if (argc > 1 && !strcmp(argv[1], "speed")) {
        wall_speed();
        return 0;
    }
    printf("{\n");
    goodput();
    msg_rate(16);
    latency();
    interrupts();
    wall_speed();
    printf("}\n");
    return 0;
}
