/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtests of rdma-offload migration: a QEMU with two connected adapters is
 * saved to a file ("exec:cat > file") and a second QEMU with the same
 * command line loads it ("-incoming defer", migrate-incoming "exec:cat
 * file"); the test then drives the destination through the same libqos
 * structures (guest memory, BARs and rings are where they were). Migrated:
 * a device that was never started, a pair with every kind of object and
 * traffic in flight (which completes bit-exact on the destination), one in
 * the catastrophic state. Streams whose device state is damaged (another
 * format version, truncated, flipped bytes) are refused: the incoming
 * migration fails, the destination does not run, nothing crashes.
 *
 *   RDO_MIGRATE_DAMAGED (default 12): damaged streams loaded by /refused
 *   (each one QEMU started); the suite's default keeps it short, a long
 *   run takes a few hundred.
 */
#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/rdma-offload.h"
#include "qobject/qdict.h"

#define MS          1000000ll
#define SEC         (1000 * MS)
#define SRC         QRDO_PAIR_MR_IOVA
#define DST         (QRDO_PAIR_MR_IOVA + (2u << 20))
#define MTU_1024    (RDO_MTU_4096 - 2)
#define TIMEOUT_1MS 8

/* The status of the (incoming or outgoing) migration once it is over. */
static char *migrate_wait(QTestState *qts)
{
    for (;;) {
        QDict *resp = qtest_qmp(qts, "{ 'execute': 'query-migrate' }");
        QDict *ret = qdict_get_qdict(resp, "return");
        const char *st = qdict_haskey(ret, "status") ?
                         qdict_get_str(ret, "status") : "none";
        char *out = NULL;

        if (!strcmp(st, "completed") || !strcmp(st, "failed")) {
            out = g_strdup(st);
        }
        qobject_unref(resp);
        if (out) {
            return out;
        }
        g_usleep(20000);
    }
}

static void save_to(QTestState *qts, const char *file)
{
    g_autofree char *uri = g_strdup_printf("exec:cat > %s", file);
    g_autofree char *st = NULL;

    qtest_qmp_assert_success(qts, "{ 'execute': 'migrate', 'arguments': "
                             "{ 'uri': %s } }", uri);
    st = migrate_wait(qts);
    g_assert_cmpstr(st, ==, "completed");
}

/* A destination QEMU loading `file`; the status it ends in. */
static QTestState *load_from(const char *cmd, const char *file, char **status)
{
    g_autofree char *uri = g_strdup_printf("exec:cat %s", file);
    QTestState *to = qtest_initf("%s -incoming defer", cmd);

    qtest_qmp_assert_success(to, "{ 'execute': 'migrate-incoming', "
                             "'arguments': { 'uri': %s, "
                             "'exit-on-error': false } }", uri);
    *status = migrate_wait(to);
    return to;
}

/* The pair now lives in `to`: every structure that names the QEMU. */
static void pair_move(QRdoPair *p, QTestState *to)
{
    p->qts = p->qs->qts = p->qs->pcibus->qts = to;
    for (int k = 0; k < 2; k++) {
        p->s[k].qts = to;
        p->s[k].drv.qts = to;
    }
}

/* The timing model on: transfers take device time, so some is in flight. */
static const QRdoPairOpts timed = { .dev_opts = { "timing=on", "timing=on" } };

static QRdoPair *migrate_pair(QRdoPair *p, const QRdoPairOpts *o,
                              const char *name)
{
    g_autofree char *cmd = qrdo_pair_cmdline(o);
    g_autofree char *file = g_strdup_printf("%s/rdo-migrate-%s-%d",
                                            g_get_tmp_dir(), name, getpid());
    g_autofree char *st = NULL;
    QTestState *from = p->qts, *to;

    save_to(from, file);
    to = load_from(cmd, file, &st);
    g_assert_cmpstr(st, ==, "completed");
    qtest_quit(from);
    pair_move(p, to);
    unlink(file);
    return p;
}

/* Started (PD, CQ, MR, EQ 0) and idle: registers and objects come back,
 * and the control path still answers. */
static void test_idle(void)
{
    QRdoPair *p = qrdo_pair_new(NULL);

    qrdo_write(&p->s[0].dev, RDO_REG_SCRATCH, 0x600dcafe);
    migrate_pair(p, NULL, "idle");
    g_assert_cmphex(qrdo_read(&p->s[0].dev, RDO_REG_SCRATCH), ==, 0x600dcafe);
    g_assert_cmphex(qrdo_read(&p->s[0].dev, RDO_REG_STATUS) & RDO_STATUS_FATAL,
                    ==, 0);
    qrdo_pair_connect(p, 0, RDO_QPT_RC, MTU_1024, TIMEOUT_1MS);
    qrdo_pair_free(p);
}

/*
 * QPs connected, an SRQ, MRs, WRITEs, READs and SENDs posted and partly
 * done: after the migration the rest completes, every byte in place, no
 * error completion, the QPs still in RTS.
 */
static void test_traffic(void)
{
    QRdoPair *p = qrdo_pair_new(&timed);
    QRdoSide *a = &p->s[0], *b = &p->s[1];
    const uint32_t len = 200000;

    qrdo_pair_connect(p, 0, RDO_QPT_RC, MTU_1024, TIMEOUT_1MS);
    qrdo_pair_connect(p, 1, RDO_QPT_RC, MTU_1024, TIMEOUT_1MS);
    qrdo_side_fill(a, SRC, 1u << 20, 3);
    qrdo_side_fill(b, DST + (1u << 20), 1u << 20, 4);
    for (int i = 0; i < 4; i++) {
        uint8_t op = i == 3 ? RDO_WR_RDMA_READ :
                     i == 2 ? RDO_WR_SEND : RDO_WR_RDMA_WRITE;
        struct rdo_send_wqe w = rdo_wqe(op, i);
        struct rdo_sge sge;

        w.remote_addr = DST + i * 262144ull;
        w.rkey = b->mr_key;
        if (op == RDO_WR_RDMA_READ) {
            w.remote_addr = DST + (1u << 20);
            sge = qrdo_side_sge(a, DST + i * 262144ull, len);
        } else {
            sge = qrdo_side_sge(a, SRC + i * 262144ull, len);
        }
        if (op == RDO_WR_SEND) {
            qrdo_side_post_recv(b, i & 1, 100 + i, DST + i * 262144ull, len);
        }
        qrdo_side_post_send(a, i & 1, &w, &sge, 1, NULL, NULL);
    }
    /* Some of it on the wire, not done. */
    qtest_clock_step(p->qts, 10000);
    g_assert_cmpuint(qrdo_side_cqes_ready(a), <, 4);
    migrate_pair(p, &timed, "traffic");
    g_assert_true(qrdo_pair_wait_cqes(p, 0, 4, 10 * SEC));
    for (int i = 0; i < 4; i++) {
        struct rdo_cqe e;

        g_assert_true(qrdo_side_poll(a, &e));
        g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
    }
    g_assert_true(qrdo_pair_wait_cqes(p, 1, 1, SEC));
    for (int i = 0; i < 3; i++) {
        g_assert_cmpint(qrdo_side_compare(a, SRC + i * 262144ull, b,
                                          DST + i * 262144ull, len), ==, -1);
    }
    g_assert_cmpint(qrdo_side_compare(a, DST + 3 * 262144ull, b,
                                      DST + (1u << 20), len), ==, -1);
    for (int i = 0; i < 2; i++) {
        struct rdo_qp_attr at = qrdo_drv_query_qp(&a->drv, a->qp[i].qpn);

        g_assert_cmpuint(at.state, ==, RDO_QPS_RTS);
    }
    qrdo_pair_free(p);
}

/*
 * A RAM push migrated between its stores and its trigger: the push page
 * migrates as RAM, so the trigger on the destination takes the slot's
 * copy (whose inline data differs from the ring's here) by its seal.
 */
static void test_ram_push(void)
{
    QRdoPair *p = qrdo_pair_new(NULL);
    QRdoSide *a = &p->s[0], *b = &p->s[1];
    static const char slot_data[] = "pushed before the migration....";
    static const char ring_data[] = "the ring's copy of the same WQE";
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, 7);
    uint64_t trigger, ring_slot;
    uint8_t got[sizeof(slot_data) - 1];

    qrdo_pair_connect(p, 0, RDO_QPT_RC, MTU_1024, TIMEOUT_1MS);
    qrdo_side_post_recv(b, 0, 70, DST, 4096);
    w.flags |= RDO_WQE_F_INLINE;
    w.inline_len = sizeof(slot_data) - 1;
    trigger = rdo_pair_ram_push_prepare(&a->rdo, 0, &w, NULL, 0, slot_data, 1);
    ring_slot = rdo_ring_slot(a->qp[0].sq, a->qp[0].sq_pi - 1,
                              a->layout->sq_log, a->layout->sq_shift);
    qtest_memwrite(p->qts, ring_slot + sizeof(w), ring_data, w.inline_len);
    migrate_pair(p, NULL, "ram-push");
    qrdo_db_write(&a->dev, 0, RDO_DB_PUSH_RAM, trigger);
    g_assert_true(qrdo_pair_wait_cqes(p, 1, 1, SEC));
    qrdo_side_expect(b, 70, RDO_CQE_RECV, RDO_WC_SUCCESS);
    qtest_memread(p->qts, qrdo_side_addr(b, DST), got, sizeof(got));
    g_assert_cmpmem(got, sizeof(got), slot_data, sizeof(got));
    g_assert_cmpuint(qrdo_read(&a->dev, RDO_REG_CNT_PUSH_WQES), ==, 1);
    qrdo_pair_free(p);
}

/* The catastrophic state survives: the destination is failed too. */
static void test_fatal(void)
{
    QRdoPair *p = qrdo_pair_new(NULL);

    qtest_qmp_assert_success(p->qts, "{ 'execute': 'qom-set', 'arguments': {"
                             " 'path': '/machine/peripheral/rdoA',"
                             " 'property': 'x-inject-fatal', 'value': true } }");
    migrate_pair(p, NULL, "fatal");
    g_assert_cmpuint(qrdo_read(&p->s[0].dev, RDO_REG_FATAL_CAUSE), ==,
                     RDO_FATAL_INJECTED);
    g_assert_cmphex(qrdo_read(&p->s[1].dev, RDO_REG_FATAL_CAUSE), ==, 0);
    qrdo_pair_free(p);
}

/* The device's stream inside a migration file: its magic, "RDOS". */
static size_t find_state(const uint8_t *buf, size_t len)
{
    static const uint8_t magic[4] = { 'R', 'D', 'O', 'S' };

    for (size_t i = 0; i + 12 <= len; i++) {
        if (!memcmp(buf + i, magic, 4) && buf[i + 4] &&
            !buf[i + 5] && !buf[i + 6] && !buf[i + 7]) {
            return i;
        }
    }
    g_assert_not_reached();
}

/*
 * Damaged device state in an otherwise good stream: another version, a
 * flipped byte past the header (several, each a fresh destination), and
 * its length cut in the header: the incoming migration fails cleanly.
 */
static void test_refused(void)
{
    g_autofree char *cmd = qrdo_pair_cmdline(NULL);
    g_autofree char *file = g_strdup_printf("%s/rdo-migrate-refused-%d",
                                            g_get_tmp_dir(), getpid());
    g_autofree char *bad = g_strdup_printf("%s.bad", file);
    QRdoPair *p = qrdo_pair_new(NULL);
    g_autofree uint8_t *buf = NULL;
    size_t len, at;
    GRand *r = g_rand_new_with_seed(15);
    const char *env = getenv("RDO_MIGRATE_DAMAGED");
    int streams = env ? MAX(atoi(env), 2) : 12;
    int refused = 0;

    qrdo_pair_connect(p, 0, RDO_QPT_RC, MTU_1024, TIMEOUT_1MS);
    save_to(p->qts, file);
    g_assert_true(g_file_get_contents(file, (char **)&buf, &len, NULL));
    at = find_state(buf, len);
    for (int i = 0; i < streams; i++) {
        g_autofree uint8_t *copy = g_memdup2(buf, len);
        g_autofree char *st = NULL;
        QTestState *to;

        if (i == 0) {
            copy[at + 4]++;                             /* version */
        } else if (i == 1) {
            copy[at + 8] ^= 0x10;                       /* total length */
        } else {
            /* Anywhere in the device's state (what loads must not break
             * the destination). */
            uint32_t total = ldl_le_p(buf + at + 8);

            copy[at + 12 + g_rand_int_range(r, 0, total - 12)] ^=
                1u << g_rand_int_range(r, 0, 8);
        }
        g_assert_true(g_file_set_contents(bad, (char *)copy, len, NULL));
        to = load_from(cmd, bad, &st);
        refused += !strcmp(st, "failed");
        if (i < 2) {
            g_assert_cmpstr(st, ==, "failed");
        }
        if (!strcmp(st, "completed")) {
            /* Accepted: the device runs on the destination, no crash. */
            qtest_clock_step(to, 10 * MS);
        }
        qtest_quit(to);
    }
    g_assert_cmpint(refused, >=, 2);
    g_test_message("damaged streams: %d loaded, %d refused, %d accepted and run",
                   streams, refused, streams - refused);
    unlink(file);
    unlink(bad);
    g_rand_free(r);
    qrdo_pair_free(p);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/rdma-offload/migrate/idle", test_idle);
    qtest_add_func("/rdma-offload/migrate/traffic", test_traffic);
    qtest_add_func("/rdma-offload/migrate/fatal", test_fatal);
    qtest_add_func("/rdma-offload/migrate/ram-push", test_ram_push);
    qtest_add_func("/rdma-offload/migrate/refused", test_refused);
    return g_test_run();
}
