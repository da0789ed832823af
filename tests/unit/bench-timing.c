/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The timing model's bench: two cores back to back (test-pair), simulated
 * time. Prints one JSON object; ./scripts/bench makes tables and plots of
 * it. Keys with "wall" are wall-clock figures and keys with "host" the
 * host's memory; everything else is simulated and the same on every run.
 */
#include <string.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

#include "timing-work.h"
#include "wire/wire.h"

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
                   "\"qpc_misses\": %" PRIu64 ", \"ctx_prefetches\": %" PRIu64 "}",
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

/*
 * Cache-line-aligned DMA (D16): the same WRITE streams with buffers that
 * start on a page and 5 bytes past it; PCIe bytes, TLPs, partial-line
 * pieces and simulated time.
 */
static void dma_align(void)
{
    static const uint32_t sizes[] = { 256, 4096, 65536 };
    const char *sep = "";

    printf("\"dma_align\": [");
    for (unsigned m = 0; m < G_N_ELEMENTS(sizes); m++) {
        for (uint32_t off = 0; off <= 5; off += 5) {
            RdoConfig cfg = work_config(true, 100, RDO_DEFAULT_QPC_CACHE,
                                        RDO_DEFAULT_LOOKAHEAD);
            WorkResult r;

            work_buf_offset = off;
            r = work_write_stream(&cfg, RDO_MTU_4096, sizes[m],
                                  MIN(8ull * MIB, sizes[m] * 1024ull), 16);
            work_buf_offset = 0;
            printf("%s\n {\"msg\": %u, \"offset\": %u, \"msgs\": %" PRIu64
                   ", \"pcie_bytes\": %" PRIu64 ", \"tlps\": %" PRIu64
                   ", \"partial_pieces\": %" PRIu64 ", \"sim_us\": %.3f, "
                   "\"gbps\": %.3f}", sep, sizes[m], off, r.msgs,
                   r.tcnt[0].pcie_up_bytes + r.tcnt[0].pcie_down_bytes +
                   r.tcnt[1].pcie_up_bytes + r.tcnt[1].pcie_down_bytes,
                   r.tcnt[0].pcie_tlps + r.tcnt[1].pcie_tlps,
                   r.cnt[0].dma_head_pieces + r.cnt[0].dma_tail_pieces +
                   r.cnt[1].dma_head_pieces + r.cnt[1].dma_tail_pieces,
                   r.sim_ps / 1e6, r.gbps);
            sep = ",";
        }
    }
    printf("\n],\n");
}

/*
 * The host's limit for the same bytes: per 4 KiB packet at MTU 4096, the
 * copies and CRC passes the functional data path cannot avoid, with the
 * library calls it uses: the payload copied from the sender's memory into
 * a frame (memcpy), the ICRC computed over the frame by the sender and
 * checked by the receiver (rdo_wire_icrc, twice), the payload copied from
 * the frame into the receiver's memory (memcpy). The two memories are as
 * large as the pair's MRs and WRITEs walk them as work_write_stream's do.
 * Returns wall ns for total bytes of msg-byte WRITEs.
 */
#define LIMIT_MTU       4096u

static uint64_t host_limit_ns(uint8_t *src, uint8_t *dst, uint8_t *frame,
                              size_t l3_off, size_t payload_off, uint32_t msg,
                              uint64_t total)
{
    uint64_t count = MAX(total / msg, 1), span = PAIR_MR_LEN / msg * msg;
    size_t icrc_len = payload_off + LIMIT_MTU - l3_off;
    uint64_t t0 = g_get_monotonic_time();
    uint32_t sent, got;

    for (uint64_t m = 0; m < count; m++) {
        uint64_t off = m * msg % span;

        for (uint32_t done = 0; done < msg; done += LIMIT_MTU) {
            uint32_t n = MIN(LIMIT_MTU, msg - done);

            memcpy(frame + payload_off, src + off + done, n);
            rdo_wire_icrc(frame + l3_off, icrc_len, &sent);
            memcpy(frame + l3_off + icrc_len, &sent, 4);
            if (!rdo_wire_icrc(frame + l3_off, icrc_len, &got) ||
                memcmp(&got, frame + l3_off + icrc_len, 4)) {
                g_error("host limit: ICRC mismatch");
            }
            memcpy(dst + off + done, frame + payload_off, n);
        }
    }
    return (g_get_monotonic_time() - t0) * 1000;
}

/* GB/s of a CRC-32 or of memcpy over `bufs` buffers of 4 KiB, median. */
typedef uint32_t (*Crc32Fn)(uint32_t, const uint8_t *, size_t);

static uint32_t crc_zlib(uint32_t crc, const uint8_t *b, size_t len)
{
    return (uint32_t)crc32_z(crc, b, len);
}

static uint32_t crc_none(uint32_t crc, const uint8_t *b, size_t len)
{
    return crc;
}

static double rate_4k(Crc32Fn fn, uint8_t *src, uint8_t *frame, uint64_t total)
{
    volatile uint32_t sink = 0;
    uint64_t t0 = g_get_monotonic_time();

    for (uint64_t off = 0; off < total; off += LIMIT_MTU) {
        if (fn == crc_none) {
            memcpy(frame, src + off % PAIR_MR_LEN, LIMIT_MTU);
            __asm__ volatile("" : : "r"(frame) : "memory");   /* keep it */
        } else {
            sink = fn(sink, src + off % PAIR_MR_LEN, LIMIT_MTU);
        }
    }
    (void)sink;
    return total / 1e3 / MAX(g_get_monotonic_time() - t0, 1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double median(double *v, unsigned n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Simulation speed (wall clock): simulated Gbit per wall second of
 * WRITE streams at MTU 4096 with timing off (functional) and on, against
 * the host's limit for the same bytes (host_limit_ns), and the CRC-32 and
 * memcpy rates behind it; timing mode's cost over functional also in CPU
 * time (steadier on a loaded machine). Medians of SPEED_REPS repetitions,
 * the runs of a repetition interleaved so that other load on the machine
 * spreads over all of them.
 */
#define SPEED_REPS      5
#define SPEED_BYTES     (256ull * MIB)

static void wall_speed(void)
{
    static const uint32_t sizes[] = { 64 * 1024, MIB };
    enum { N = G_N_ELEMENTS(sizes) };
    RdoConfig off = work_config(false, 100, RDO_DEFAULT_QPC_CACHE, 8);
    RdoConfig on = work_config(true, 100, RDO_DEFAULT_QPC_CACHE, 8);
    double g_off[N][SPEED_REPS], g_on[N][SPEED_REPS], g_lim[N][SPEED_REPS];
    double ratio[N][SPEED_REPS], cpu_ratio[N][SPEED_REPS], frac[N][SPEED_REPS];
    double crc[SPEED_REPS], zlib[SPEED_REPS], copy[SPEED_REPS];
    uint8_t *src = g_malloc(PAIR_MR_LEN), *dst = g_malloc(PAIR_MR_LEN);
    RdoWirePacket pkt = {
        .opcode = RDO_TRANSPORT_RC | RDO_OP_WRITE_MIDDLE,
        .hop_limit = 64,
        .pkey = 0xffff,
        .payload = src,
        .payload_len = LIMIT_MTU,
    };
    uint8_t frame[RDO_ETH_HLEN + RDO_IPV4_HLEN + RDO_UDP_HLEN + RDO_BTH_LEN +
                  LIMIT_MTU + RDO_ICRC_LEN];
    RdoWireParsed parsed;
    uint64_t bytes = 0;
    const char *sep = "";

    for (size_t i = 0; i < PAIR_MR_LEN; i++) {
        src[i] = (uint8_t)(i * 7 + 3);
    }
    memset(dst, 0, PAIR_MR_LEN);
    pkt.src_gid[10] = pkt.src_gid[11] = pkt.dst_gid[10] = pkt.dst_gid[11] = 0xff;
    if (rdo_wire_build(&pkt, frame, sizeof(frame)) != (int)sizeof(frame) ||
        rdo_wire_parse(frame, sizeof(frame), &parsed) != 0) {
        g_error("host limit: cannot build the frame");
    }

    for (unsigned r = 0; r < SPEED_REPS; r++) {
        for (unsigned k = 0; k < N; k++) {
            WorkResult a = work_write_stream(&off, RDO_MTU_4096, sizes[k],
                                             SPEED_BYTES, 16);
            WorkResult b = work_write_stream(&on, RDO_MTU_4096, sizes[k],
                                             SPEED_BYTES, 16);
            uint64_t lim = host_limit_ns(src, dst, frame, parsed.l3_off,
                                         parsed.payload_off, sizes[k],
                                         SPEED_BYTES);

            bytes = a.bytes;
            g_off[k][r] = a.bytes * 8.0 / a.wall_ns;
            g_on[k][r] = b.bytes * 8.0 / b.wall_ns;
            g_lim[k][r] = a.bytes * 8.0 / MAX(lim, 1);
            ratio[k][r] = (double)b.wall_ns / a.wall_ns;
            cpu_ratio[k][r] = (double)b.cpu_ns / MAX(a.cpu_ns, 1);
            frac[k][r] = g_off[k][r] / g_lim[k][r];
        }
        crc[r] = rate_4k(rdo_wire_crc32, src, frame, SPEED_BYTES / 4);
        zlib[r] = rate_4k(crc_zlib, src, frame, SPEED_BYTES / 4);
        copy[r] = rate_4k(crc_none, src, frame, SPEED_BYTES / 4);
    }
    g_free(src);
    g_free(dst);

    printf("\"speed\": {\"bytes\": %" PRIu64 ", \"mtu\": %u, \"reps\": %u, "
           "\"crc32\": \"%s\",\n \"wall_crc32_gbyte_per_s\": %.2f, "
           "\"wall_zlib_crc32_gbyte_per_s\": %.2f, "
           "\"wall_memcpy_4k_gbyte_per_s\": %.2f,\n \"sizes\": [",
           bytes, LIMIT_MTU, SPEED_REPS, rdo_wire_crc32_impl(),
           median(crc, SPEED_REPS), median(zlib, SPEED_REPS),
           median(copy, SPEED_REPS));
    for (unsigned k = 0; k < N; k++) {
        printf("%s\n  {\"msg\": %u, \"wall_gbit_per_s_timing_off\": %.2f, "
               "\"wall_gbit_per_s_timing_on\": %.2f, \"wall_ratio_on_off\": %.3f, "
               "\"wall_cpu_ratio_on_off\": %.3f, "
               "\"wall_host_limit_gbit_per_s\": %.2f, "
               "\"wall_fraction_of_limit\": %.3f}",
               sep, sizes[k], median(g_off[k], SPEED_REPS),
               median(g_on[k], SPEED_REPS), median(ratio[k], SPEED_REPS),
               median(cpu_ratio[k], SPEED_REPS), median(g_lim[k], SPEED_REPS), median(frac[k], SPEED_REPS));
        sep = ",";
    }
    printf("\n]}\n");
}

/*
 * Host cost per message against the number of QPs: 64-byte WRITEs spread
 * over 16, 1,024 and 65,536 QPs, timing off and on, and the model's heap
 * per adapter. Each QP carries at least two messages. Wall and CPU time
 * (the process's: it moves less than the wall clock on a shared machine),
 * medians of SCALE_REPS repetitions, each running every row in turn.
 */
#define SCALE_REPS  3

static void qp_scale(bool last)
{
    static const uint32_t nqps[] = { 16, 1024, 65536 };
    enum { N = G_N_ELEMENTS(nqps) };
    double wall[N][2][SCALE_REPS], cpu[N][2][SCALE_REPS];
    uint64_t heap[N][2] = { { 0 } };
    const char *sep = "";

    for (unsigned r = 0; r < SCALE_REPS; r++) {
        for (unsigned q = 0; q < N; q++) {
            uint32_t msgs = MAX(2 * nqps[q], 131072);

            for (int on = 0; on < 2; on++) {
                RdoConfig cfg = work_config(on, 100, RDO_DEFAULT_QPC_CACHE, 8);
                WorkResult w = work_qp_scale(&cfg, nqps[q], msgs);

                wall[q][on][r] = w.wall_ns_per_msg;
                cpu[q][on][r] = w.cpu_ns_per_msg;
                heap[q][on] = w.heap_per_adapter;
            }
        }
    }
    printf("\"qp_scale\": {\"msg\": 64, \"window\": 16, \"reps\": %d, \"points\": [",
           SCALE_REPS);
    for (unsigned q = 0; q < N; q++) {
        printf("%s\n {\"qps\": %u, \"msgs\": %u, \"wall_ns_per_msg_timing_off\": %.0f, "
               "\"wall_ns_per_msg_timing_on\": %.0f, "
               "\"wall_cpu_ns_per_msg_timing_off\": %.0f, "
               "\"wall_cpu_ns_per_msg_timing_on\": %.0f, "
               "\"host_heap_bytes_per_adapter_off\": %" PRIu64 ", "
               "\"host_heap_bytes_per_adapter_on\": %" PRIu64 "}",
               sep, nqps[q], MAX(2 * nqps[q], 131072),
               median(wall[q][0], SCALE_REPS), median(wall[q][1], SCALE_REPS),
               median(cpu[q][0], SCALE_REPS), median(cpu[q][1], SCALE_REPS),
               heap[q][0], heap[q][1]);
        sep = ",";
    }
    printf("\n]}%s\n", last ? "" : ",");
}

int main(int argc, char **argv)
{
    /* "sim": only the simulated figures, identical run to run (compare
     * them before and after a change that must not move them). */
    if (argc > 1 && !strcmp(argv[1], "sim")) {
        printf("{\n");
        goodput();
        msg_rate(16);
        latency();
        interrupts();
        printf("\"counters_fnv\": \"%016" PRIx64 "\"}\n", work_sim_hash);
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "dma")) {
        printf("{\n");
        dma_align();
        printf("\"done\": true}\n");
        return 0;
    }
    /* "speed": only the wall-clock figures (for profiling the model). */
    if (argc > 1 && !strcmp(argv[1], "speed")) {
        wall_speed();
        return 0;
    }
    /* "scale": only the QP-scale rows; "scale N off|on [msgs]": one, for
     * perf. */
    if (argc > 3 && !strcmp(argv[1], "scale")) {
        uint32_t n = (uint32_t)g_ascii_strtoull(argv[2], NULL, 0);
        RdoConfig cfg = work_config(!strcmp(argv[3], "on"), 100,
                                    RDO_DEFAULT_QPC_CACHE, 8);
        uint32_t msgs = argc > 4 ? (uint32_t)g_ascii_strtoull(argv[4], NULL, 0) :
                        MAX(2 * n, 131072);
        WorkResult r = work_qp_scale(&cfg, n, msgs);

        printf("{\"wall_ns_per_msg\": %.0f, \"wall_cpu_ns_per_msg\": %.0f}\n",
               r.wall_ns_per_msg, r.cpu_ns_per_msg);
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "scale")) {
        qp_scale(true);
        return 0;
    }
    /* "stream off|on [MiB]": 1 GiB (or MiB MiB) of 1 MiB WRITEs only, for
     * perf record or callgrind. */
    if (argc > 2 && !strcmp(argv[1], "stream")) {
        RdoConfig cfg = work_config(!strcmp(argv[2], "on"), 100,
                                    RDO_DEFAULT_QPC_CACHE, 8);
        uint64_t total = argc > 3 ? g_ascii_strtoull(argv[3], NULL, 0) * MIB :
                         4 * SPEED_BYTES;
        WorkResult r = work_write_stream(&cfg, RDO_MTU_4096, MIB, total, 16);

        printf("{\"wall_gbit_per_s\": %.2f, \"frames\": %" PRIu64 ", "
               "\"host_wakeups\": %" PRIu64 "}\n", r.bytes * 8.0 / r.wall_ns,
               r.cnt[0].tx_packets + r.cnt[1].tx_packets, r.wakeups);
        return 0;
    }
    printf("{\n");
    goodput();
    msg_rate(16);
    latency();
    interrupts();
    dma_align();
    qp_scale(false);
    wall_speed();
    printf("}\n");
    return 0;
}
