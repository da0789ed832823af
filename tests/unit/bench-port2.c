/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The second port's bench, in simulated time (./scripts/bench): adapter A
 * streams RDMA WRITEs out of port 1 to B, out of port 2 to C, or out of
 * both at once, at path MTU 1024 and 4096, at 100 and 200 GbE. Both
 * ports share A's transmit pipeline (one frame built at a time) and its
 * receive pipeline (the ACKs); each has its own link. Printed as JSON:
 * per port goodput, their sum, the wire limit of one port, and the limit
 * of the shared build stage (docs/timing-model.md "Two ports").
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "fab2.h"
#include "timing-work.h"

#define MSG     (64u << 10)
#define DEPTH   16
#define TOTAL   (16ull << 20)   /* bytes per active port */

/* Gbit/s of payload the shared build stage passes: one frame at a time,
 * its header cycles and its bytes through the datapath. */
static double build_limit(const RdoTimingConfig *tm, uint32_t mtu)
{
    uint32_t frame = mtu + 14 + 20 + 8 + 12 + 4;    /* Eth, IPv4, UDP, BTH, ICRC */
    uint32_t cycles = tm->cyc.hdr_build +
                      (frame + tm->bytes_per_cycle - 1) / tm->bytes_per_cycle;

    return tm->clock_mhz * 1e6 / cycles * mtu * 8 / 1e9;
}

/*
 * The rows: 100 and 200 GbE at the default datapath (64 bytes a cycle);
 * then 200 GbE with a datapath half as wide, where the shared pipeline
 * and not the links bounds what both ports send together.
 */
int main(void)
{
    static const struct { uint32_t gbps, bytes_per_cycle; } cases[] = {
        { 100, RDO_DEFAULT_BYTES_PER_CYCLE }, { 200, RDO_DEFAULT_BYTES_PER_CYCLE },
        { 200, 32 },
    };
    static const uint8_t codes[] = { MTU_1024, RDO_MTU_4096 };
    static const char *const which[] = { "port1", "port2", "both" };
    const char *sep = "";

    printf("{\"msg\": %u, \"depth\": %u, \"bytes_per_port\": %llu, \"rows\": [",
           MSG, DEPTH, (unsigned long long)TOTAL);
    for (unsigned s = 0; s < G_N_ELEMENTS(cases); s++) {
        RdoTimingConfig tm = work_config(true, cases[s].gbps, RDO_DEFAULT_QPC_CACHE,
                                         RDO_DEFAULT_LOOKAHEAD).tm;

        /* Gen5 x16: the bus carries both ports at 200 GbE (Gen4 ~230). */
        tm.pcie_gen = 5;
        tm.bytes_per_cycle = cases[s].bytes_per_cycle;
        for (unsigned m = 0; m < G_N_ELEMENTS(codes); m++) {
            uint32_t mtu = 128u << codes[m];

            for (unsigned w = 0; w < 3; w++) {
                FabRun r = fab_stream(&tm, codes[m], w != 1, w != 0, MSG,
                                      DEPTH, TOTAL);

                printf("%s\n {\"link_gbps\": %u, \"bytes_per_cycle\": %u, "
                       "\"mtu\": %u, \"ports\": \"%s\", "
                       "\"port1_gbps\": %.3f, \"port2_gbps\": %.3f, "
                       "\"sum_gbps\": %.3f, \"wire_limit_gbps\": %.3f, "
                       "\"build_limit_gbps\": %.3f, \"span_ns\": %" PRIu64 "}",
                       sep, cases[s].gbps, tm.bytes_per_cycle, mtu, which[w],
                       r.gbps[0], r.gbps[1], r.sum_gbps,
                       work_wire_limit(cases[s].gbps, mtu, MSG),
                       build_limit(&tm, mtu), r.span_ns);
                fflush(stdout);
                sep = ",";
            }
        }
    }
    printf("\n]}\n");
    return 0;
}
