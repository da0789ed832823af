/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The demo without a guest: two rdma-offload adapters in one QEMU, ports
 * on one hub, driven through the qtest protocol by the test driver in
 * libqos/rdma-offload.c. A mix of verbs on RC, UC and UD, each checked;
 * prints what it did and the adapters' counters, and writes a capture.
 *
 *   QTEST_QEMU_BINARY=... rdma-offload-demo [--pcap FILE] [--drop-ppm N]
 *
 * ./scripts/demo runs it. Exit status 0 when every step did what it should.
 */
#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/rdma-offload.h"

#define SEC         1000000000ll
#define SRC         QRDO_PAIR_MR_IOVA
#define DST         (QRDO_PAIR_MR_IOVA + (2u << 20))

static QRdoPair *pair;
static int failures;

static double now_s(void)
{
    /* qtest tells the time only by stepping it: 1 ns. */
    return qtest_clock_step(pair->qts, 1) / 1e9;
}

static const char *status_name(uint8_t status)
{
    switch (status) {
    case RDO_WC_SUCCESS: return "success";
    case RDO_WC_WR_FLUSH_ERR: return "flushed";
    case RDO_WC_REM_ACCESS_ERR: return "remote access error";
    case RDO_WC_RETRY_EXC_ERR: return "retries exhausted";
    default: return "error";
    }
}

/* One line per step: what, the completion, and whether the data matched. */
static void report(const char *what, bool ok, const char *detail)
{
    printf("[%9.6f s] %-46s %s%s%s\n", now_s(), what, ok ? "ok" : "FAILED",
           detail ? ": " : "", detail ? detail : "");
    failures += !ok;
}

/* Waits for the next CQE of side k and checks it. */
static bool completion(int k, uint64_t wr_id, uint8_t status,
                       struct rdo_cqe *out, GString *detail)
{
    struct rdo_cqe e;

    if (!qrdo_pair_wait_cqes(pair, k, 1, 5 * SEC) ||
        !qrdo_side_poll(&pair->s[k], &e)) {
        g_string_append_printf(detail, "%s: no completion", pair->s[k].id);
        return false;
    }
    g_string_append_printf(detail, "%s%s CQE %s", detail->len ? ", " : "",
                           pair->s[k].id, status_name(e.status));
    if (out) {
        *out = e;
    }
    return e.wr_id == wr_id && e.status == status;
}

static bool same(QRdoSide *a, uint64_t ai, QRdoSide *b, uint64_t bi,
                 uint32_t len, GString *detail)
{
    int64_t at = qrdo_side_compare(a, ai, b, bi, len);

    if (at >= 0) {
        g_string_append_printf(detail, ", byte %" PRId64 " differs", at);
        return false;
    }
    g_string_append_printf(detail, ", %u bytes identical", len);
    return true;
}

static void rdma(uint8_t op, const char *name, uint32_t len, uint64_t wr_id)
{
    QRdoSide *a = &pair->s[0], *b = &pair->s[1];
    struct rdo_send_wqe w = rdo_wqe(op, wr_id);
    uint64_t local = op == RDO_WR_RDMA_READ ? SRC + (1u << 20) : SRC;
    struct rdo_sge sge = qrdo_side_sge(a, local, len);
    g_autoptr(GString) detail = g_string_new("");
    g_autofree char *what = g_strdup_printf("RC %s %u bytes", name, len);
    bool ok;

    qrdo_side_fill(a, SRC, len, wr_id);
    qrdo_side_fill(b, DST, len, wr_id + 1000);
    w.remote_addr = DST;
    w.rkey = b->mr_key;
    qrdo_side_post_send(a, 0, &w, &sge, 1, NULL, NULL);
    ok = completion(0, wr_id, RDO_WC_SUCCESS, NULL, detail);
    ok = same(a, local, b, DST, len, detail) && ok;
    report(what, ok, detail->str);
}

static void send_variant(uint8_t op, uint8_t flags, const char *name,
                         uint32_t len, uint64_t wr_id, uint32_t imm)
{
    QRdoSide *a = &pair->s[0], *b = &pair->s[1];
    struct rdo_send_wqe w = rdo_wqe(op, wr_id);
    struct rdo_sge sge = qrdo_side_sge(a, SRC, len);
    g_autoptr(GString) detail = g_string_new("");
    g_autofree char *what = g_strdup_printf("RC %s %u bytes", name, len);
    struct rdo_cqe e = { 0 };
    bool ok;

    qrdo_side_fill(a, SRC, len, wr_id);
    qrdo_side_post_recv(b, 0, wr_id, DST, 65536);
    w.flags |= flags;
    w.imm_or_rkey = imm;
    w.remote_addr = DST;
    w.rkey = b->mr_key;
    qrdo_side_post_send(a, 0, &w, &sge, 1, NULL, NULL);
    ok = completion(0, wr_id, RDO_WC_SUCCESS, NULL, detail);
    ok = completion(1, wr_id, RDO_WC_SUCCESS, &e, detail) && ok;
    g_string_append_printf(detail, " len %u", e.byte_len);
    if (e.flags & (RDO_CQE_F_IMM | RDO_CQE_F_INV)) {
        g_string_append_printf(detail, " %s 0x%x",
                               e.flags & RDO_CQE_F_IMM ? "imm" : "inv",
                               e.imm_or_rkey);
        ok = ok && e.imm_or_rkey == imm;
    }
    if (e.flags & RDO_CQE_F_SOLICITED) {
        g_string_append(detail, " solicited");
    }
    ok = ok && e.byte_len == len;
    ok = same(a, SRC, b, DST, len, detail) && ok;
    report(what, ok, detail->str);
}

static void atomic(uint8_t op, const char *name, uint64_t cmp_add,
                   uint64_t swap, uint64_t wr_id, uint64_t before,
                   uint64_t after)
{
    QRdoSide *a = &pair->s[0], *b = &pair->s[1];
    struct rdo_send_wqe w = rdo_wqe(op, wr_id);
    struct rdo_sge sge = qrdo_side_sge(a, SRC, 8);
    g_autoptr(GString) detail = g_string_new("");
    uint64_t got, now;
    bool ok;

    w.remote_addr = DST + 8192;
    w.rkey = b->mr_key;
    w.compare_add = cmp_add;
    w.swap = swap;
    qrdo_side_post_send(a, 0, &w, &sge, 1, NULL, NULL);
    ok = completion(0, wr_id, RDO_WC_SUCCESS, NULL, detail);
    qrdo_side_read(a, SRC, &got, 8);
    qrdo_side_read(b, DST + 8192, &now, 8);
    got = le64_to_cpu(got);
    now = le64_to_cpu(now);
    g_string_append_printf(detail, ", returned %" PRIu64 ", remote now %"
                           PRIu64, got, now);
    report(name, ok && got == before && now == after, detail->str);
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void print_counters(void)
{
    QDict *c[2] = { qrdo_counters(pair->qts, "rdoA"),
                    qrdo_counters(pair->qts, "rdoB") };
    const QDictEntry *e;
    GPtrArray *names = g_ptr_array_new();

    for (e = qdict_first(c[0]); e; e = qdict_next(c[0], e)) {
        g_ptr_array_add(names, (gpointer)qdict_entry_key(e));
    }
    g_ptr_array_sort(names, compare_names);
    printf("\ncounters (qom-get ID counters; zeros left out):\n");
    printf("  %-20s %10s %10s\n", "", "rdoA", "rdoB");
    for (guint i = 0; i < names->len; i++) {
        const char *n = names->pdata[i];
        uint64_t va = qdict_get_int(c[0], n), vb = qdict_get_int(c[1], n);

        if (va || vb) {
            printf("  %-20s %10" PRIu64 " %10" PRIu64 "\n", n, va, vb);
        }
    }
    g_ptr_array_unref(names);
    qobject_unref(c[0]);
    qobject_unref(c[1]);
}

int main(int argc, char **argv)
{
    g_autofree char *pcap = NULL;
    g_autofree char *faults = NULL;
    int drop_ppm = 0;
    GOptionEntry entries[] = {
        { "pcap", 0, 0, G_OPTION_ARG_FILENAME, &pcap,
          "write a capture of the wire to FILE", "FILE" },
        { "drop-ppm", 0, 0, G_OPTION_ARG_INT, &drop_ppm,
          "both adapters drop this many frames per million they send", "N" },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("- two rdma-offload adapters doing RDMA");
    g_autoptr(GError) err = NULL;
    QRdoPairOpts o = { 0 };
    QRdoSide *a, *b;
    struct rdo_ud_seg ud;
    struct rdo_send_wqe w;
    struct rdo_sge sge;
    struct rdo_cqe e = { 0 };
    g_autoptr(GString) detail = g_string_new("");
    uint64_t v;
    bool ok;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        fprintf(stderr, "rdma-offload-demo: %s\n", err->message);
        return 2;
    }
    if (drop_ppm) {
        faults = g_strdup_printf("fault-seed=1,fault-drop-ppm=%d", drop_ppm);
        o.dev_opts[0] = o.dev_opts[1] = faults;
    }
    if (pcap) {
        /* filter-dump opens the file relative to QEMU's directory. */
        char *abs = g_canonicalize_filename(pcap, NULL);

        g_free(pcap);
        pcap = abs;
    }
    o.pcap = pcap;
    pair = qrdo_pair_new(&o);
    a = &pair->s[0];
    b = &pair->s[1];
    printf("two adapters in one QEMU, no guest, driven through qtest:\n"
           "  rdoA 52:54:00:0f:de:01 GID ::ffff:10.0.0.1 -- hub 0 -- "
           "rdoB 52:54:00:0f:de:02 GID ::ffff:10.0.0.2\n");
    if (drop_ppm) {
        printf("  fault injection: each adapter drops %d frames per million "
               "it sends\n", drop_ppm);
    }
    qrdo_pair_connect(pair, 0, RDO_QPT_RC, RDO_MTU_4096 - 2, 8);
    qrdo_pair_connect(pair, 1, RDO_QPT_UC, RDO_MTU_4096 - 2, 0);
    qrdo_pair_connect(pair, 2, RDO_QPT_UD, RDO_MTU_4096 - 2, 0);
    printf("  QP 2: RC, QP 3: UC, QP 4: UD on both sides; path MTU 1024; "
           "one 4 MiB MR each\n\n");

    rdma(RDO_WR_RDMA_WRITE, "RDMA WRITE", 256 * 1024, 1);
    rdma(RDO_WR_RDMA_READ, "RDMA READ", 256 * 1024, 2);
    send_variant(RDO_WR_SEND, 0, "SEND", 5000, 3, 0);
    send_variant(RDO_WR_SEND_IMM, RDO_WQE_F_SOLICITED,
                 "SEND with immediate, solicited", 100, 4, 0xfeed);
    send_variant(RDO_WR_SEND_INV, 0, "SEND with invalidate", 64, 5,
                 qrdo_side_reg_mr(b, 9, 0x99, 0x9000, 4096,
                                  RDO_ACCESS_LOCAL_WRITE |
                                  RDO_ACCESS_REMOTE_WRITE));
    send_variant(RDO_WR_RDMA_WRITE_IMM, 0, "RDMA WRITE with immediate", 3000,
                 6, 0xbeef);

    v = cpu_to_le64(10);
    qrdo_side_write(b, DST + 8192, &v, 8);
    atomic(RDO_WR_ATOMIC_CMP_SWP, "RC compare-and-swap 10 -> 42", 10, 42, 7,
           10, 42);
    atomic(RDO_WR_ATOMIC_FETCH_ADD, "RC fetch-and-add 8", 8, 0, 8, 42, 50);

    /* UC: a WRITE, no ACKs. */
    w = rdo_wqe(RDO_WR_RDMA_WRITE, 9);
    sge = qrdo_side_sge(a, SRC, 20000);
    qrdo_side_fill(a, SRC, 20000, 9);
    w.remote_addr = DST;
    w.rkey = b->mr_key;
    qrdo_side_post_send(a, 1, &w, &sge, 1, NULL, NULL);
    ok = completion(0, 9, RDO_WC_SUCCESS, NULL, detail);
    qrdo_pair_run(pair, 100000);
    if (drop_ppm) {
        report("UC RDMA WRITE 20000 bytes (unreliable)", ok, detail->str);
    } else {
        ok = same(a, SRC, b, DST, 20000, detail) && ok;
        report("UC RDMA WRITE 20000 bytes", ok, detail->str);
    }

    /* UD: a datagram to B's QP 4; it lands after a 40-byte GRH. */
    g_string_truncate(detail, 0);
    ud = qrdo_pair_ud_dest(pair, 1, 2);
    qrdo_side_fill(a, SRC, 512, 10);
    qrdo_side_post_recv(b, 2, 10, DST, 4096);
    w = rdo_wqe(RDO_WR_SEND, 10);
    sge = qrdo_side_sge(a, SRC, 512);
    qrdo_side_post_send(a, 2, &w, &sge, 1, &ud, NULL);
    ok = completion(0, 10, RDO_WC_SUCCESS, NULL, detail);
    if (drop_ppm) {
        qrdo_pair_run(pair, 100000);
        report("UD SEND 512 bytes (unreliable)", ok, detail->str);
    } else {
        ok = completion(1, 10, RDO_WC_SUCCESS, NULL, detail) && ok;
        ok = same(a, SRC, b, DST + 40, 512, detail) && ok;
        report("UD SEND 512 bytes", ok, detail->str);
    }

    /* A WRITE to a key B does not have: NAK, error, QP in error. */
    g_string_truncate(detail, 0);
    w = rdo_wqe(RDO_WR_RDMA_WRITE, 11);
    sge = qrdo_side_sge(a, SRC, 100);
    w.remote_addr = DST;
    w.rkey = b->mr_key ^ 0x5;
    qrdo_side_post_send(a, 0, &w, &sge, 1, NULL, NULL);
    ok = completion(0, 11, RDO_WC_REM_ACCESS_ERR, &e, detail);
    /*
     * B's QP goes to the error state when it NAKs; if the NAK is lost, the
     * retries find nobody listening and run out: the other right answer.
     */
    if (drop_ppm && e.status == RDO_WC_RETRY_EXC_ERR && e.wr_id == 11) {
        g_string_append(detail, " (the NAK was lost)");
        ok = true;
    }
    report("RC RDMA WRITE with a bad rkey: NAK expected", ok, detail->str);

    print_counters();
    qrdo_pair_free(pair);
    if (pcap) {
        printf("\ncapture: %s (check it: ./scripts/roce-check%s %s)\n", pcap,
               drop_ppm ? " --lossy" : "", pcap);
    }
    printf("%s\n", failures ? "demo FAILED" : "demo ok");
    return failures ? 1 : 0;
}
