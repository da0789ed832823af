/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtests of protocol-engine failover through QEMU (docs/programming-model.md
 * "Engine failover"): two adapters in one QEMU with failover=1, an RDMA
 * WRITE and a READ of 1 MiB and a FETCH_ADD, each engine faulted in the
 * middle, by the driver's FO_INJECT register and by the host's
 * x-inject-engine-fault property, with the timing model off and on, and by
 * the seeded fault injection: the data is bit-exact, every work request
 * completes once with success, the atomic runs once, each side's EQ 0
 * reports every recovery (EQE 0x21) and never a catastrophic error. With
 * failover=0 the fault is catastrophic with cause ENGINE. With engines=2,
 * x-inject-engine-fault-on faults one engine: only its QP is rebuilt.
 */
#include "qemu/osdep.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "libqos/rdma-offload.h"

#define MS          1000000ll
#define SEC         (1000 * MS)
#define SRC         QRDO_PAIR_MR_IOVA
#define DST         (QRDO_PAIR_MR_IOVA + (2u << 20))
#define MTU_1024    (RDO_MTU_4096 - 2)
#define TIMEOUT_1MS 8
#define ATOMIC_LOCAL (SRC + (3u << 20))     /* past the READ's bytes */

static void inject_qom(QRdoSide *s)
{
    g_autofree char *path = g_strdup_printf("/machine/peripheral/%s", s->id);
    QDict *resp = qtest_qmp(s->qts, "{ 'execute': 'qom-set', 'arguments': {"
                            " 'path': %s, 'property': 'x-inject-engine-fault',"
                            " 'value': true } }", path);

    g_assert_false(qdict_haskey(resp, "error"));
    qobject_unref(resp);
}

/* The driver's way: the debug register. */
static void inject_reg(QRdoSide *s)
{
    qrdo_write(&s->dev, RDO_REG_FO_INJECT, RDO_FO_INJECT_KEY);
}

/* EQ 0 since the last look: ENGINE_RECOVERED events, the last with obj
 * `count`; never CATASTROPHIC. Returns how many there were. */
static uint32_t recovered_events(QRdoSide *s, uint32_t count)
{
    struct rdo_eqe e;
    uint32_t n = 0;

    while (qrdo_eq_poll(&s->drv, &s->drv.eq0, &e)) {
        g_assert_cmpuint(e.type, !=, RDO_EQE_CATASTROPHIC);
        if (e.type == RDO_EQE_ENGINE_RECOVERED) {
            n++;
            g_assert_cmpuint(e.obj, <=, count);
            g_assert_cmpuint(e.data, ==, 1);        /* one QP connected */
        }
    }
    return n;
}

static void assert_same(QRdoSide *a, uint64_t a_iova, QRdoSide *b,
                        uint64_t b_iova, uint32_t len)
{
    int64_t at = qrdo_side_compare(a, a_iova, b, b_iova, len);

    if (at >= 0) {
        g_error("bytes differ at offset %" PRId64 " of %u", at, len);
    }
}

/*
 * A WRITE, a READ and a FETCH_ADD, 1 MiB each at MTU 1024 (the atomic 8
 * bytes), `faults` engine faults spread over each transfer, alternately
 * A's and B's, by register and by QOM in turn.
 */
static void transfers(QRdoPair *p, int faults)
{
    QRdoSide *a = &p->s[0], *b = &p->s[1];
    const uint32_t len = 1u << 20;
    static const uint8_t ops[] = { RDO_WR_RDMA_WRITE, RDO_WR_RDMA_READ,
                                   RDO_WR_ATOMIC_FETCH_ADD };
    static const uint8_t cqe_op[] = {
        [RDO_WR_RDMA_WRITE] = RDO_CQE_RDMA_WRITE,
        [RDO_WR_RDMA_READ] = RDO_CQE_RDMA_READ,
        [RDO_WR_ATOMIC_FETCH_ADD] = RDO_CQE_ATOMIC_FETCH_ADD,
    };
    uint32_t count[2] = { 0 }, events[2] = { 0 };
    uint64_t word = 0x1111111111111111ull;

    qrdo_pair_connect(p, 0, RDO_QPT_RC, MTU_1024, TIMEOUT_1MS);
    qrdo_side_fill(a, SRC, len, 1);
    qrdo_side_fill(b, DST + len, len, 2);
    qrdo_side_write(b, DST + 2 * len - 8, &word, 8);
    for (unsigned i = 0; i < G_N_ELEMENTS(ops); i++) {
        struct rdo_send_wqe w = rdo_wqe(ops[i], i);
        uint32_t n = ops[i] == RDO_WR_ATOMIC_FETCH_ADD ? 8 : len;
        uint64_t local = ops[i] == RDO_WR_RDMA_WRITE ? SRC + 3 : SRC + len + 5;
        uint64_t remote = ops[i] == RDO_WR_RDMA_WRITE ? DST + 7 :
                          ops[i] == RDO_WR_RDMA_READ ? DST + len : DST + 2 * len - 8;
        struct rdo_sge sge = qrdo_side_sge(a, ops[i] == RDO_WR_ATOMIC_FETCH_ADD ?
                                           ATOMIC_LOCAL : local, n - (i ? 0 : 3));

        w.remote_addr = remote;
        w.rkey = b->mr_key;
        w.compare_add = 0x0101010101010101ull;
        qrdo_side_post_send(a, 0, &w, &sge, 1, NULL, NULL);
        for (int f = 0; f < faults; f++) {
            int k = (i + f) & 1;

            /* Some of the transfer on the wire first: 1 MiB at 100 GbE
             * with the timing model is ~85 us, functional a few steps. */
            qtest_clock_step(p->qts, 3000);
            if (f & 1) {
                inject_qom(&p->s[k]);
            } else {
                inject_reg(&p->s[k]);
            }
            count[k]++;
            g_assert_cmpuint(qrdo_read(&p->s[k].dev, RDO_REG_FO_RECOVERIES), ==,
                             count[k]);
        }
        g_assert_true(qrdo_pair_wait_cqes(p, 0, 1, 10 * SEC));
        qrdo_side_expect(a, i, cqe_op[ops[i]], RDO_WC_SUCCESS);
    }
    assert_same(a, SRC + 3, b, DST + 7, len - 3);
    assert_same(a, SRC + len + 5, b, DST + len, len - 8);
    qrdo_side_read(a, ATOMIC_LOCAL, &word, 8);
    g_assert_cmphex(word, ==, 0x1111111111111111ull);
    qrdo_side_read(b, DST + 2 * len - 8, &word, 8);
    g_assert_cmphex(word, ==, 0x1212121212121212ull);      /* ran once */
    qrdo_pair_run(p, 10 * MS);
    g_assert_cmpuint(qrdo_side_cqes_ready(a), ==, 0);
    g_assert_cmpuint(qrdo_side_cqes_ready(b), ==, 0);
    for (int k = 0; k < 2; k++) {
        QRdoSide *s = &p->s[k];
        /* Ours, and those of the seeded injection if it is on. */
        uint32_t recovered = qrdo_read(&s->dev, RDO_REG_FO_RECOVERIES);

        g_assert_cmpuint(recovered, >=, count[k]);
        events[k] = recovered_events(s, recovered);
        g_assert_cmpuint(events[k], ==, recovered);
        g_assert_cmphex(qrdo_read(&s->dev, RDO_REG_STATUS) & RDO_STATUS_FATAL, ==, 0);
        g_assert_cmpuint(qrdo_side_counter(s, "fo-recoveries"), ==, recovered);
        g_assert_cmpuint(qrdo_side_counter(s, "fo-qps"), ==, recovered);
        g_assert_cmpuint(qrdo_side_counter(s, "fo-fatal"), ==, 0);
        g_assert_cmpuint(qrdo_read(&s->dev, RDO_REG_FO_WB_BYTES), >, 0);
    }
}

static void test_recovered(void)
{
    QRdoPairOpts o = { .dev_opts = { "failover=1", "failover=1" } };
    QRdoPair *p = qrdo_pair_new(&o);

    transfers(p, 4);
    qrdo_pair_free(p);
}

static void test_recovered_timed(void)
{
    QRdoPairOpts o = { .dev_opts = { "failover=1,timing=on",
                                     "failover=1,timing=on" } };
    QRdoPair *p = qrdo_pair_new(&o);

    transfers(p, 4);
    for (int k = 0; k < 2; k++) {
        g_assert_cmpuint(qrdo_read(&p->s[k].dev, RDO_REG_FO_BLACKOUT), >=, 2000);
    }
    qrdo_pair_free(p);
}

/* Faults from the seeded injection: recovered as many times as they came. */
static void test_seeded(void)
{
    QRdoPairOpts o = { .dev_opts = {
        "failover=1,fault-seed=3,fault-engine-ppm=2000",
        "failover=1,fault-seed=4,fault-engine-ppm=2000" } };
    QRdoPair *p = qrdo_pair_new(&o);
    uint64_t n;

    transfers(p, 0);
    n = qrdo_side_counter(&p->s[0], "fo-recoveries") +
        qrdo_side_counter(&p->s[1], "fo-recoveries");
    g_assert_cmpuint(n, >, 0);
    qrdo_pair_free(p);
}

static QDict *inject_on(QRdoSide *s, int64_t engine)
{
    g_autofree char *path = g_strdup_printf("/machine/peripheral/%s", s->id);

    return qtest_qmp(s->qts, "{ 'execute': 'qom-set', 'arguments': {"
                     " 'path': %s, 'property': 'x-inject-engine-fault-on',"
                     " 'value': %" PRId64 " } }", path, engine);
}

/* EQ 0's next ENGINE_RECOVERED: its data (the QPs rebuilt). */
static uint32_t next_recovered(QRdoSide *s)
{
    struct rdo_eqe e;

    while (qrdo_eq_poll(&s->drv, &s->drv.eq0, &e)) {
        g_assert_cmpuint(e.type, !=, RDO_EQE_CATASTROPHIC);
        if (e.type == RDO_EQE_ENGINE_RECOVERED) {
            return e.data;
        }
    }
    g_assert_not_reached();
}

/*
 * Two engines (engines=2, timing on): B's engine without the QP faults
 * over QOM (nothing rebuilt), then the QP's, mid-WRITE (rebuilt, moved to
 * the other); an engine the device lacks is refused. The WRITE lands.
 */
static void test_engines(void)
{
    QRdoPairOpts o = { .dev_opts = { "failover=1,engines=2,timing=on",
                                     "failover=1,engines=2,timing=on" } };
    QRdoPair *p = qrdo_pair_new(&o);
    QRdoSide *a = &p->s[0], *b = &p->s[1];
    const uint32_t len = 1u << 20;
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 9);
    struct rdo_sge sge;
    uint32_t home, other;
    QDict *r;

    g_assert_cmpuint(RDO_FO_INFO_ENGINES(qrdo_read(&b->dev, RDO_REG_FO_INFO)), ==, 2);
    qrdo_pair_connect(p, 0, RDO_QPT_RC, MTU_1024, TIMEOUT_1MS);
    qrdo_write(&b->dev, RDO_REG_ENG_SELECT, 0);
    home = qrdo_read(&b->dev, RDO_REG_ENG_QPS) ? 0 : 1;
    other = !home;
    qrdo_write(&b->dev, RDO_REG_ENG_SELECT, home);
    g_assert_cmpuint(qrdo_read(&b->dev, RDO_REG_ENG_QPS), ==, 1);
    qrdo_side_fill(a, SRC, len, 3);
    sge = qrdo_side_sge(a, SRC + 3, len - 3);
    w.remote_addr = DST + 7;
    w.rkey = b->mr_key;
    qrdo_side_post_send(a, 0, &w, &sge, 1, NULL, NULL);
    qtest_clock_step(p->qts, 3000);
    r = inject_on(b, other);
    g_assert_false(qdict_haskey(r, "error"));
    qobject_unref(r);
    g_assert_cmpuint(next_recovered(b), ==, 0);
    qtest_clock_step(p->qts, 3000);
    r = inject_on(b, home);
    g_assert_false(qdict_haskey(r, "error"));
    qobject_unref(r);
    g_assert_cmpuint(next_recovered(b), ==, 1);
    r = inject_on(b, 2);
    g_assert_true(qdict_haskey(r, "error"));
    qobject_unref(r);
    g_assert_cmpuint(qrdo_read(&b->dev, RDO_REG_FO_RECOVERIES), ==, 2);
    g_assert_true(qrdo_pair_wait_cqes(p, 0, 1, 10 * SEC));
    qrdo_side_expect(a, 9, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    assert_same(a, SRC + 3, b, DST + 7, len - 3);
    qrdo_write(&b->dev, RDO_REG_ENG_SELECT, home);
    g_assert_cmpuint(qrdo_read(&b->dev, RDO_REG_ENG_FAULTS), ==, 1);
    g_assert_cmpuint(qrdo_read(&b->dev, RDO_REG_ENG_QPS), ==, 0);
    qrdo_write(&b->dev, RDO_REG_ENG_SELECT, other);
    g_assert_cmpuint(qrdo_read(&b->dev, RDO_REG_ENG_QPS), ==, 1);
    g_assert_cmphex(qrdo_read(&b->dev, RDO_REG_STATUS) & RDO_STATUS_FATAL, ==, 0);
    /* B (the responder: no records) read its QP's image and the 4
     * responder resources it uses (max_dest_rd_atomic 4) back. */
    g_assert_cmpuint(qrdo_side_counter(b, "fo-rb-bytes"), ==,
                     128 + 4 * sizeof(struct rdo_qpc_fo_res));
    qrdo_pair_free(p);
}

/* failover=0: the same fault is catastrophic, cause ENGINE. */
static void test_off_is_fatal(void)
{
    QRdoPair *p = qrdo_pair_new(NULL);
    QRdoSide *a = &p->s[0];
    struct rdo_eqe e;
    bool seen = false;

    g_assert_cmpuint(qrdo_read(&a->dev, RDO_REG_FO_INFO) & RDO_FO_INFO_ON, ==, 0);
    inject_qom(a);
    g_assert_cmphex(qrdo_read(&a->dev, RDO_REG_STATUS) & RDO_STATUS_FATAL, ==,
                    RDO_STATUS_FATAL);
    g_assert_cmpuint(qrdo_read(&a->dev, RDO_REG_FATAL_CAUSE), ==, RDO_FATAL_ENGINE);
    g_assert_cmpuint(qrdo_read(&a->dev, RDO_REG_FO_FATAL), ==, 1);
    while (qrdo_eq_poll(&a->drv, &a->drv.eq0, &e)) {
        seen |= e.type == RDO_EQE_CATASTROPHIC && e.data == RDO_FATAL_ENGINE;
    }
    g_assert_true(seen);
    /* The other adapter goes on. */
    g_assert_cmphex(qrdo_read(&p->s[1].dev, RDO_REG_STATUS) & RDO_STATUS_FATAL, ==, 0);
    qrdo_pair_free(p);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/rdma-offload/failover/recovered", test_recovered);
    qtest_add_func("/rdma-offload/failover/recovered-timed", test_recovered_timed);
    qtest_add_func("/rdma-offload/failover/seeded", test_seeded);
    qtest_add_func("/rdma-offload/failover/off-is-fatal", test_off_is_fatal);
    qtest_add_func("/rdma-offload/failover/engines", test_engines);
    return g_test_run();
}
