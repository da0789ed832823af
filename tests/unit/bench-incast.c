/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The incast bench (./scripts/bench runs it): N senders, one receiver
 * behind one switch queue (incast.c), N from 2 to 16, DCQCN on and off.
 * Simulated time: every figure but wall_s is the same on every run.
 * Prints one JSON object.
 *
 *   bench-incast               the whole table
 *   bench-incast N on|off      one point (for profiling)
 *   bench-incast --pcap FILE   a short 4-sender run with DCQCN, the
 *                              receiver's port captured (roce-check)
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include "incast.h"

static void point(const IncastConfig *c, const char *sep)
{
    IncastResult r = incast_run(c);

    printf("%s\n  {\"senders\": %u, \"dcqcn\": %s, \"goodput_gbps\": %.2f, "
           "\"jain\": %.4f, \"queue_mean_kb\": %.1f, \"queue_max_kb\": %.1f, "
           "\"marks\": %" G_GUINT64_FORMAT ", \"drops\": %" G_GUINT64_FORMAT
           ", \"drops_measured\": %" G_GUINT64_FORMAT ", \"failed\": %u"
           ", \"cnps\": %" G_GUINT64_FORMAT ", \"retransmits\": %"
           G_GUINT64_FORMAT ", \"wall_s\": %.1f,\n   \"sender_gbps\": [",
           sep, c->senders, c->dcqcn ? "true" : "false", r.gbps, r.jain,
           r.q_mean / 1000, r.q_max / 1000, r.marks, r.drops,
           r.drops_measured, r.failed, r.cnps,
           r.retransmits, r.wall_ns / 1e9);
    for (uint32_t i = 0; i < c->senders; i++) {
        printf("%s%.2f", i ? ", " : "", r.sender_gbps[i]);
    }
    printf("],\n   \"queue_kb\": [");
    for (int i = 0; i < INCAST_SAMPLES; i++) {
        printf("%s%.0f", i ? ", " : "", r.q_series[i] / 1000);
    }
    printf("]}");
    fflush(stdout);
}

int main(int argc, char **argv)
{
    static const uint32_t senders[] = { 2, 4, 8, 16 };
    IncastConfig c = incast_default(2, true);
    const char *sep = "";

    if (argc == 3 && !strcmp(argv[1], "--pcap")) {
        IncastResult r;

        c = incast_default(4, true);
        c.warmup_ns = 0;
        c.run_ns = 150000;
        c.pcap = argv[2];
        r = incast_run(&c);
        return r.cnps && r.marks ? 0 : 1;
    }
    if (argc == 3) {
        c = incast_default((uint32_t)atoi(argv[1]), !strcmp(argv[2], "on"));
        point(&c, "");
        printf("\n");
        return 0;
    }
    printf("{\"incast\": {\"link_gbps\": %u, \"kmin\": %" G_GUINT64_FORMAT
           ", \"kmax\": %" G_GUINT64_FORMAT ", \"pmax_ppm\": %u, \"limit\": %"
           G_GUINT64_FORMAT ", \"msg\": %u, \"depth\": %u, \"warmup_us\": %"
           G_GUINT64_FORMAT ", \"run_us\": %" G_GUINT64_FORMAT ", \"points\": [",
           c.link_gbps, c.kmin, c.kmax, c.pmax_ppm, c.limit, c.msg, c.depth,
           c.warmup_ns / 1000, c.run_ns / 1000);
    for (unsigned i = 0; i < G_N_ELEMENTS(senders); i++) {
        for (int on = 1; on >= 0; on--) {
            c = incast_default(senders[i], on);
            point(&c, sep);
            sep = ",";
        }
    }
    printf("\n]}}\n");
    return 0;
}
