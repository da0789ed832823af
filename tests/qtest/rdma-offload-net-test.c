/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtests of the RoCEv2 data path through QEMU: two rdma-offload adapters
 * in one QEMU, their ports connected by a pair of netdevs, driven by the
 * test driver in libqos/rdma-offload.c. RDMA WRITE and READ of 1 MiB
 * compared bit for bit, every SEND variant and its completions, atomics,
 * WRITE and READ over an MR of shuffled pages, UC, UD, a bad rkey, loss
 * injected by the fault properties, the link, the socket, stream and
 * dgram backends, and connections the adapters' offloaded CM makes
 * between them. With RDO_TEST_PCAP_DIR set, each
 * test writes a capture of the wire (filter-dump on the first netdev).
 */
#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/rdma-offload.h"
#include "qobject/qjson.h"
#include "qobject/qlist.h"

#define MS          1000000ll
#define SEC         (1000 * MS)
#define SRC         QRDO_PAIR_MR_IOVA                   /* source buffers */
#define DST         (QRDO_PAIR_MR_IOVA + (2u << 20))    /* destinations */
#define MTU_1024    (RDO_MTU_4096 - 2)
#define TIMEOUT_1MS 8           /* 4.096 us << 8 */
#define TIMEOUT_67MS 14

static QRdoPair *pair_new(const char *name, const char *netdevs,
                          const char *opts_a, const char *opts_b)
{
    g_autofree char *pcap = qrdo_pcap_path(name);
    QRdoPairOpts o = { .netdevs = netdevs, .dev_opts = { opts_a, opts_b },
                       .pcap = pcap };

    return qrdo_pair_new(&o);
}

static void assert_same(QRdoSide *a, uint64_t a_iova, QRdoSide *b,
                        uint64_t b_iova, uint32_t len)
{
    int64_t at = qrdo_side_compare(a, a_iova, b, b_iova, len);

    if (at >= 0) {
        g_error("byte %" PRId64 " of %u differs", at, len);
    }
}

/*
 * A's lifecycle log after timed_run's work: 17 records, the 1 MiB WRITE
 * first; each stage no earlier than the doorbell and no later than the
 * CQE, and the WRITE's packets on the link for at least its wire time.
 */
static void check_wr_lifecycle(QTestState *qts, const char *id)
{
    QDict *d = qrdo_qom_dict(qts, id, "wr-lifecycle");
    QList *records = qdict_get_qlist(d, "records");
    const char *stages[] = { "wqe", "scheduled", "context", "tx-first",
                             "tx-last", "ack" };
    const QListEntry *e;
    int n = 0;

    g_assert_cmpuint(qdict_get_int(d, "completed"), ==, 17);
    QLIST_FOREACH_ENTRY(records, e) {
        QDict *r = qobject_to(QDict, qlist_entry_obj(e));
        uint64_t db = qdict_get_int(r, "doorbell"), cqe = qdict_get_int(r, "cqe");

        g_assert_cmpuint(qdict_get_int(r, "wr-id"), ==, n ? 9 + n : 1);
        g_assert_cmpuint(qdict_get_int(r, "qpn"), ==, 2);
        g_assert_cmpuint(db, >, 0);
        for (size_t i = 0; i < ARRAY_SIZE(stages); i++) {
            uint64_t t = qdict_get_int(r, stages[i]);

            g_assert_cmpuint(t, >=, db);
            g_assert_cmpuint(t, <=, cqe);
        }
        if (!n) {
            /* 1 MiB at 100 Gbit/s and 1 GHz: 83,886 cycles on the wire. */
            g_assert_cmpuint(qdict_get_int(r, "bytes"), ==, 1u << 20);
            g_assert_cmpuint(qdict_get_int(r, "opcode"), ==, RDO_WR_RDMA_WRITE);
            g_assert_cmpuint(qdict_get_int(r, "tx-last") -
                             qdict_get_int(r, "tx-first"), >=, 83886);
        }
        n++;
    }
    g_assert_cmpint(n, ==, 17);
    qobject_unref(d);
}

/*
 * One run with the timing model on (and the devices' `args`): a 1 MiB
 * WRITE, then 16 SENDs; every counter of both sides, functional and
 * timing, and the lifecycle logs, as JSON.
 */
static GString *timed_run(const char *args)
{
    QRdoPair *p = pair_new("qtest-timing-determinism", NULL, args, args);
    QRdoSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 1);
    struct rdo_sge sge = qrdo_side_sge(a, SRC, 1u << 20);
    GString *all = g_string_new("");

    qrdo_pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096, TIMEOUT_67MS);
    qrdo_side_fill(a, SRC, 1u << 20, 7);
    w.remote_addr = DST;
    w.rkey = b->mr_key;
    qrdo_side_post_send(a, 0, &w, &sge, 1, NULL, NULL);
    g_assert_true(qrdo_pair_wait_cqes(p, 0, 1, SEC));
    qrdo_side_expect(a, 1, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    for (int i = 0; i < 16; i++) {
        w = rdo_wqe(RDO_WR_SEND, 10 + i);
        sge = qrdo_side_sge(a, SRC + 4096 * i, 4096);
        qrdo_side_post_recv(b, 0, 20 + i, DST + 4096 * i, 4096);
        qrdo_side_post_send(a, 0, &w, &sge, 1, NULL, NULL);
    }
    g_assert_true(qrdo_pair_wait_cqes(p, 0, 16, SEC));
    g_assert_true(qrdo_pair_wait_cqes(p, 1, 16, SEC));
    check_wr_lifecycle(p->qts, a->id);
    for (int k = 0; k < 2; k++) {
        const char *props[] = { "counters", "timing-counters", "wr-lifecycle" };

        for (int j = 0; j < 3; j++) {
            QDict *d = qrdo_qom_dict(p->qts, p->s[k].id, props[j]);
            GString *json = qobject_to_json(QOBJECT(d));

            g_string_append_printf(all, "%c.%s=%s\n", 'A' + k, props[j], json->str);
            if (j == 1) {
                /* The model ran: cycles passed and every frame crossed the link. */
                g_assert_cmpuint(qdict_get_int(d, "cycles"), >, 0);
                g_assert_cmpuint(qdict_get_int(d, "link-frames"), >=, k ? 1 : 256 + 16);
            }
            g_string_free(json, true);
            qobject_unref(d);
        }
    }
    qrdo_pair_free(p);
    return all;
}

/*
 * Two runs under qtest clock stepping give the same cycles and counters;
 * so does a run whose timed frames the core keeps and sends from its own
 * wake-ups (x-send-frame-at=off) instead of handing them to QEMU.
 */
static void test_timing_determinism(void)
{
    GString *first = timed_run("timing=on"), *second = timed_run("timing=on");
    GString *kept = timed_run("timing=on,x-send-frame-at=off");

    if (g_test_verbose()) {
        g_test_message("%s", first->str);
    }
    g_assert_cmpstr(first->str, ==, second->str);
    g_assert_cmpstr(first->str, ==, kept->str);
    g_string_free(first, true);
    g_string_free(second, true);
    g_string_free(kept, true);
}

/* 1 MiB RDMA WRITE from A to B, then READ back into another buffer. */
static void test_write_read_1m(void)
{
    QRdoPair *p = pair_new("qtest-write-read-1m", NULL, NULL, NULL);
    QRdoSide *a = &p->s[0], *b = &p->s[1];
    const uint32_t len = 1u << 20;
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 1);
    struct rdo_sge sge = qrdo_side_sge(a, SRC, len);

    qrdo_pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096, TIMEOUT_67MS);
    qrdo_side_fill(a, SRC, len, 1);
    qrdo_side_fill(b, DST, len, 2);
    g_assert_cmpint(qrdo_side_compare(a, SRC, b, DST, len), >=, 0);
    w.remote_addr = DST;
    w.rkey = b->mr_key;
    qrdo_side_post_send(a, 0, &w, &sge, 1, NULL, NULL);
    g_assert_true(qrdo_pair_wait_cqes(p, 0, 1, SEC));
    qrdo_side_expect(a, 1, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    assert_same(a, SRC, b, DST, len);
    /* 256 packets of 4 KiB, no loss, nothing for B's CQ. */
    g_assert_cmpuint(qrdo_side_counter(a, "tx-packets"), ==, 256);
    g_assert_cmpuint(qrdo_side_counter(b, "rx-packets"), ==, 256);
    g_assert_cmpuint(qrdo_side_cqes_ready(b), ==, 0);

    /* READ B's (new) data into A's second buffer. */
    qrdo_side_fill(b, DST, len, 3);
    w = rdo_wqe(RDO_WR_RDMA_READ, 2);
    w.remote_addr = DST;
    w.rkey = b->mr_key;
    sge = qrdo_side_sge(a, SRC + len, len);
    qrdo_side_post_send(a, 0, &w, &sge, 1, NULL, NULL);
    g_assert_true(qrdo_pair_wait_cqes(p, 0, 1, SEC));
    qrdo_side_expect(a, 2, RDO_CQE_RDMA_READ, RDO_WC_SUCCESS);
    assert_same(a, SRC + len, b, DST, len);
    g_assert_cmpuint(qrdo_side_counter(b, "tx-packets"), >=, 256);
    g_assert_cmpuint(qrdo_side_counter(a, "retransmits"), ==, 0);
    g_assert_cmpuint(qrdo_side_counter(b, "retransmits"), ==, 0);
    g_assert_cmpuint(qrdo_side_counter(a, "rx-icrc-errors") +
                     qrdo_side_counter(b, "rx-icrc-errors"), ==, 0);
    /* Every frame crossed the netdevs: what one sent, the other got. */
    g_assert_cmpuint(qrdo_side_counter(a, "netdev-tx-frames"), ==,
                     qrdo_side_counter(b, "netdev-rx-frames"));
    g_assert_cmpuint(qrdo_side_counter(b, "netdev-tx-frames"), ==,
                     qrdo_side_counter(a, "netdev-rx-frames"));
    qrdo_pair_free(p);
}

/* A counter of the device's QOM "counters" dictionary. */
static uint64_t qom_counter(QRdoPair *p, QRdoSide *s, const char *name)
{
    QDict *d = qrdo_qom_dict(p->qts, s->id, "counters");
    uint64_t v = qdict_get_int(d, name);

    qobject_unref(d);
    return v;
}

/*
 * RAM push through BAR 2 (the push page after the doorbell pages): SENDs
 * pushed from both slots are taken instead of fetched, every byte in
 * place; a trigger that names the other slot (which holds an older push)
 * is torn, and its SEND is fetched from the ring and arrives all the same.
 */
static void test_ram_push(void)
{
    QRdoPair *p = pair_new("qtest-ram-push", NULL, NULL, NULL);
    QRdoSide *a = &p->s[0], *b = &p->s[1];
    uint32_t errors = qrdo_read(&a->dev, RDO_REG_ERR_COUNT);
    uint64_t trigger;

    g_assert_cmpuint(a->dev.push_ram_off, ==, a->dev.doorbells_size);
    qrdo_pair_connect(p, 0, RDO_QPT_RC, MTU_1024, TIMEOUT_67MS);
    qrdo_side_fill(a, SRC, 16384, 5);
    for (int i = 0; i < 5; i++) {
        struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, i + 1);
        struct rdo_sge sge = qrdo_side_sge(a, SRC + 1000 * i, 500 + 700 * i);

        qrdo_side_post_recv(b, 0, 100 + i, DST + 4096 * i, 4096);
        trigger = rdo_pair_ram_push_prepare(&a->rdo, 0, &w, &sge, 1, NULL,
                                            i & 1);
        if (i == 4) {
            trigger ^= RDO_PUSH_RAM_SLOT;   /* slot 1 holds WQE 4's push */
        }
        qrdo_db_write(&a->dev, 0, RDO_DB_PUSH_RAM, trigger);
        g_assert_true(qrdo_pair_wait_cqes(p, 1, 1, SEC));
        qrdo_side_expect(b, 100 + i, RDO_CQE_RECV, RDO_WC_SUCCESS);
        g_assert_true(qrdo_pair_wait_cqes(p, 0, 1, SEC));
        qrdo_side_expect(a, i + 1, RDO_CQE_SEND, RDO_WC_SUCCESS);
        assert_same(a, SRC + 1000 * i, b, DST + 4096 * i, 500 + 700 * i);
    }
    g_assert_cmpuint(qrdo_read(&a->dev, RDO_REG_CNT_PUSH_WQES), ==, 4);
    g_assert_cmpuint(qom_counter(p, a, "push-torn"), ==, 1);
    g_assert_cmpuint(qom_counter(p, a, "push-refused"), ==, 0);
    g_assert_cmpuint(qrdo_read(&a->dev, RDO_REG_ERR_COUNT), ==, errors + 1);
    g_assert_cmpuint(qrdo_read(&a->dev, RDO_REG_ERR_LAST), ==,
                     RDO_ERR_DB_BAD_ACCESS);
    qrdo_pair_free(p);
}

/*
 * x-doorbell-inline: the frames a doorbell makes due leave from the
 * doorbell write itself, not from the main loop's transmit timer (the
 * frames the inline path sent are counted). A's two SENDs (three packets
 * each at MTU 1024) are posted while B's link is down, so that the first
 * is still outstanding at the second's doorbell (lost, not acknowledged):
 * "off" sends none from the doorbell; "on" each SEND's own three; "auto"
 * (the default) none for the first (its SQ had nothing outstanding: a
 * ping-pong's lone WQE is left to the main loop) and the second's three
 * (it found the first outstanding, as a stream's posts do). With the link
 * up again both arrive intact by retransmission, which is not the
 * doorbell's.
 */
static void test_doorbell_inline(void)
{
    static const struct {
        const char *pcap, *prop;
        uint64_t after_first, after_second;
    } mode[] = {
        { "qtest-db-timer", "x-doorbell-inline=off", 0, 0 },
        { "qtest-db-inline", "x-doorbell-inline=on", 3, 6 },
        { "qtest-db-inline-auto", NULL, 0, 3 },    /* the default */
    };

    for (size_t m = 0; m < G_N_ELEMENTS(mode); m++) {
        QRdoPair *p = pair_new(mode[m].pcap, NULL, mode[m].prop, NULL);
        QRdoSide *a = &p->s[0], *b = &p->s[1];
        struct rdo_send_wqe w1 = rdo_wqe(RDO_WR_SEND, 1);
        struct rdo_send_wqe w2 = rdo_wqe(RDO_WR_SEND, 2);
        struct rdo_sge sge1 = qrdo_side_sge(a, SRC + 3, 3001);
        struct rdo_sge sge2 = qrdo_side_sge(a, SRC + 4005, 3002);

        qrdo_pair_connect(p, 0, RDO_QPT_RC, MTU_1024, TIMEOUT_1MS);
        qrdo_side_fill(a, SRC, 8192, 9);
        qrdo_side_post_recv(b, 0, 7, DST, 4096);
        qrdo_side_post_recv(b, 0, 8, DST + 4096, 4096);
        qtest_qmp_assert_success(p->qts, "{ 'execute': 'set_link', 'arguments':"
                                 " { 'name': 'n1', 'up': false } }");
        qrdo_side_post_send(a, 0, &w1, &sge1, 1, NULL, NULL);
        g_assert_cmpuint(qom_counter(p, a, "doorbell-inline-frames"), ==,
                         mode[m].after_first);
        qrdo_side_post_send(a, 0, &w2, &sge2, 1, NULL, NULL);
        g_assert_cmpuint(qom_counter(p, a, "doorbell-inline-frames"), ==,
                         mode[m].after_second);
        g_assert_cmpuint(qrdo_side_counter(b, "rx-packets"), ==, 0);
        qtest_qmp_assert_success(p->qts, "{ 'execute': 'set_link', 'arguments':"
                                 " { 'name': 'n1', 'up': true } }");
        g_assert_true(qrdo_pair_wait_cqes(p, 1, 2, SEC));
        qrdo_side_expect(b, 7, RDO_CQE_RECV, RDO_WC_SUCCESS);
        qrdo_side_expect(b, 8, RDO_CQE_RECV, RDO_WC_SUCCESS);
        g_assert_true(qrdo_pair_wait_cqes(p, 0, 2, SEC));
        qrdo_side_expect(a, 1, RDO_CQE_SEND, RDO_WC_SUCCESS);
        qrdo_side_expect(a, 2, RDO_CQE_SEND, RDO_WC_SUCCESS);
        assert_same(a, SRC + 3, b, DST, 3001);
        assert_same(a, SRC + 4005, b, DST + 4096, 3002);
        g_assert_cmpuint(qrdo_side_counter(a, "timeouts"), >, 0);
        g_assert_cmpuint(qom_counter(p, a, "doorbell-inline-frames"), ==,
                         mode[m].after_second);
        g_assert_cmpuint(qom_counter(p, b, "doorbell-inline-frames"), ==, 0);
        qrdo_pair_free(p);
    }
}

/* Every SEND variant, WRITE with immediate and inline data on RC. */
static void test_send_variants(void)
{
    static const struct {
        uint8_t op, flags;
        uint32_t len;
        uint8_t cqe_flags, cqe_op;
    } v[] = {
        { RDO_WR_SEND, 0, 3000, 0, RDO_CQE_RECV },
        { RDO_WR_SEND, RDO_WQE_F_SOLICITED, 10, RDO_CQE_F_SOLICITED, RDO_CQE_RECV },
        { RDO_WR_SEND_IMM, 0, 5000, RDO_CQE_F_IMM, RDO_CQE_RECV },
        { RDO_WR_SEND_IMM, RDO_WQE_F_SOLICITED, 0,
          RDO_CQE_F_IMM | RDO_CQE_F_SOLICITED, RDO_CQE_RECV },
        { RDO_WR_SEND_INV, 0, 2048, RDO_CQE_F_INV, RDO_CQE_RECV },
        { RDO_WR_SEND_INV, RDO_WQE_F_SOLICITED, 1,
          RDO_CQE_F_INV | RDO_CQE_F_SOLICITED, RDO_CQE_RECV },
        { RDO_WR_SEND_INV_IMM, 0, 6000, RDO_CQE_F_INV | RDO_CQE_F_IMM,
          RDO_CQE_RECV },
        { RDO_WR_SEND_INV_IMM, RDO_WQE_F_SOLICITED, 0,
          RDO_CQE_F_INV | RDO_CQE_F_IMM | RDO_CQE_F_SOLICITED, RDO_CQE_RECV },
        { RDO_WR_RDMA_WRITE_IMM, 0, 4500, RDO_CQE_F_IMM,
          RDO_CQE_RECV_RDMA_WITH_IMM },
        { RDO_WR_RDMA_WRITE_IMM, RDO_WQE_F_SOLICITED, 0,
          RDO_CQE_F_IMM | RDO_CQE_F_SOLICITED, RDO_CQE_RECV_RDMA_WITH_IMM },
        { RDO_WR_SEND, RDO_WQE_F_INLINE, 100, 0, RDO_CQE_RECV },
    };
    static const uint8_t sent_op[] = {
        [RDO_WR_SEND] = RDO_CQE_SEND, [RDO_WR_SEND_IMM] = RDO_CQE_SEND,
        [RDO_WR_SEND_INV] = RDO_CQE_SEND, [RDO_WR_SEND_INV_IMM] = RDO_CQE_SEND,
        [RDO_WR_RDMA_WRITE_IMM] = RDO_CQE_RDMA_WRITE,
    };
    QRdoPair *p = pair_new("qtest-send-variants", NULL, NULL, NULL);
    QRdoSide *a = &p->s[0], *b = &p->s[1];
    uint32_t inv_key[4];
    uint8_t inline_data[100];

    qrdo_pair_connect(p, 0, RDO_QPT_RC, MTU_1024, TIMEOUT_67MS);
    /* MRs on B for the SENDs with invalidate (and immediate) to invalidate. */
    for (int k = 0; k < 4; k++) {
        inv_key[k] = qrdo_side_reg_mr(b, 7 + k, 0x70 + k, 0x5000, 4096,
                                      RDO_ACCESS_LOCAL_WRITE |
                                      RDO_ACCESS_REMOTE_WRITE);
    }
    qrdo_side_fill(a, SRC, 8192, 4);
    qrdo_side_read(a, SRC, inline_data, sizeof(inline_data));
    for (unsigned i = 0; i < G_N_ELEMENTS(v); i++) {
        struct rdo_send_wqe w = rdo_wqe(v[i].op, 100 + i);
        struct rdo_sge sge = qrdo_side_sge(a, SRC, v[i].len);

        w.flags |= v[i].flags;
        w.imm_or_rkey = v[i].op == RDO_WR_SEND_INV ? inv_key[i & 1]
                                                   : 0xc0de0000 + i;
        w.remote_addr = DST + 65536 * i;
        /* SEND_INV_IMM: the key to invalidate is in rkey. */
        w.rkey = v[i].op == RDO_WR_SEND_INV_IMM ? inv_key[2 + (i & 1)] : b->mr_key;
        qrdo_side_fill(b, DST + 65536 * i, 8192, 50 + i);
        qrdo_side_post_recv(b, 0, 200 + i, DST + 65536 * i, 8192);
        if (v[i].flags & RDO_WQE_F_INLINE) {
            w.inline_len = v[i].len;
            qrdo_side_post_send(a, 0, &w, NULL, 0, NULL, inline_data);
        } else {
            qrdo_side_post_send(a, 0, &w, &sge, 1, NULL, NULL);
        }
    }
    g_assert_true(qrdo_pair_wait_cqes(p, 0, G_N_ELEMENTS(v), SEC));
    g_assert_true(qrdo_pair_wait_cqes(p, 1, G_N_ELEMENTS(v), SEC));
    for (unsigned i = 0; i < G_N_ELEMENTS(v); i++) {
        struct rdo_cqe e;

        qrdo_side_expect(a, 100 + i, sent_op[v[i].op], RDO_WC_SUCCESS);
        e = qrdo_side_expect(b, 200 + i, v[i].cqe_op, RDO_WC_SUCCESS);
        g_assert_cmphex(e.flags, ==, v[i].cqe_flags);
        g_assert_cmpuint(e.byte_len, ==, v[i].len);
        g_assert_cmpuint(e.qpn, ==, b->qp[0].qpn);
        if (v[i].cqe_flags & RDO_CQE_F_IMM) {
            g_assert_cmphex(e.imm_or_rkey, ==, 0xc0de0000 + i);
        }
        if (v[i].op == RDO_WR_SEND_INV) {
            g_assert_cmphex(e.imm_or_rkey, ==, inv_key[i & 1]);
        }
        if (v[i].op == RDO_WR_SEND_INV_IMM) {
            g_assert_cmphex(e.inv_rkey, ==, inv_key[2 + (i & 1)]);
        }
        assert_same(a, SRC, b, DST + 65536 * i, v[i].len);
    }
    g_assert_cmpuint(qrdo_side_cqes_ready(a) + qrdo_side_cqes_ready(b), ==, 0);
    qrdo_pair_free(p);
}

static void test_atomics(void)
{
    QRdoPair *p = pair_new("qtest-atomics", NULL, NULL, NULL);
    QRdoSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_ATOMIC_CMP_SWP, 1);
    struct rdo_sge sge = qrdo_side_sge(a, SRC, 8);
    uint64_t v = cpu_to_le64(100), got[3];

    qrdo_pair_connect(p, 0, RDO_QPT_RC, MTU_1024, TIMEOUT_67MS);
    qrdo_side_write(b, DST, &v, 8);
    w.remote_addr = DST;
    w.rkey = b->mr_key;
    w.compare_add = 100;
    w.swap = 555;
    qrdo_side_post_send(a, 0, &w, &sge, 1, NULL, NULL);
    w = rdo_wqe(RDO_WR_ATOMIC_FETCH_ADD, 2);
    w.remote_addr = DST;
    w.rkey = b->mr_key;
    w.compare_add = 45;
    sge = qrdo_side_sge(a, SRC + 8, 8);
    qrdo_side_post_send(a, 0, &w, &sge, 1, NULL, NULL);
    /* A compare that fails leaves the value alone. */
    w = rdo_wqe(RDO_WR_ATOMIC_CMP_SWP, 3);
    w.remote_addr = DST;
    w.rkey = b->mr_key;
    w.compare_add = 1;
    w.swap = 2;
    sge = qrdo_side_sge(a, SRC + 16, 8);
    qrdo_side_post_send(a, 0, &w, &sge, 1, NULL, NULL);
    g_assert_true(qrdo_pair_wait_cqes(p, 0, 3, SEC));
    qrdo_side_expect(a, 1, RDO_CQE_ATOMIC_CMP_SWP, RDO_WC_SUCCESS);
    qrdo_side_expect(a, 2, RDO_CQE_ATOMIC_FETCH_ADD, RDO_WC_SUCCESS);
    qrdo_side_expect(a, 3, RDO_CQE_ATOMIC_CMP_SWP, RDO_WC_SUCCESS);
    qrdo_side_read(a, SRC, got, sizeof(got));
    g_assert_cmpuint(le64_to_cpu(got[0]), ==, 100);    /* before the swap */
    g_assert_cmpuint(le64_to_cpu(got[1]), ==, 555);    /* before the add */
    g_assert_cmpuint(le64_to_cpu(got[2]), ==, 600);    /* compare failed */
    qrdo_side_read(b, DST, &v, 8);
    g_assert_cmpuint(le64_to_cpu(v), ==, 600);
    qrdo_pair_free(p);
}

/*
 * On connected QP slot 0: a SEND with immediate of `len` bytes into a
 * receive of B, and an RDMA WRITE of the same bytes; both arrive intact.
 */
static void send_and_write(QRdoPair *p, uint32_t len, uint32_t seed)
{
    QRdoSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND_IMM, 1);
    struct rdo_sge sge = qrdo_side_sge(a, SRC, len);
    struct rdo_cqe e;

    qrdo_side_fill(a, SRC, len, seed);
    qrdo_side_post_recv(b, 0, 3, DST, 16384);
    w.imm_or_rkey = 0x1234;
    qrdo_side_post_send(a, 0, &w, &sge, 1, NULL, NULL);
    w = rdo_wqe(RDO_WR_RDMA_WRITE, 2);
    w.remote_addr = DST + 65536;
    w.rkey = b->mr_key;
    qrdo_side_post_send(a, 0, &w, &sge, 1, NULL, NULL);
    g_assert_true(qrdo_pair_wait_cqes(p, 0, 2, SEC));
    g_assert_true(qrdo_pair_wait_cqes(p, 1, 1, SEC));
    qrdo_side_expect(a, 1, RDO_CQE_SEND, RDO_WC_SUCCESS);
    qrdo_side_expect(a, 2, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    e = qrdo_side_expect(b, 3, RDO_CQE_RECV, RDO_WC_SUCCESS);
    g_assert_cmpuint(e.byte_len, ==, len);
    g_assert_cmphex(e.imm_or_rkey, ==, 0x1234);
    g_assert_cmphex(e.flags, ==, RDO_CQE_F_IMM);
    assert_same(a, SRC, b, DST, len);
    assert_same(a, SRC, b, DST + 65536, len);
}

/* UC: no ACKs. */
/*
 * Zero copy over scattered memory: B's MR is five 4 KiB pages of guest
 * memory out of order in a pool of ten, its first byte 0x6a5 into page 0
 * and its end 0x1d3 before the end of page 4. A's WRITE over it, then a
 * READ of another range back: every byte of the pool is checked, the
 * bytes written where the page list puts them and the guard pattern
 * everywhere else (a device that used page 0 only, or ignored the
 * first-byte offset, fails here).
 */
static void test_scatter(void)
{
    QRdoPair *p = pair_new("qtest-scatter", NULL, NULL, NULL);
    QRdoSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 1);
    const uint32_t rlen = 3 * RDO_PAGE_SIZE + 333;
    g_autofree uint8_t *src = NULL, *got = g_malloc(rlen), *want = NULL;
    struct rdo_sge sge;
    RdoScat r;

    qrdo_pair_connect(p, 0, RDO_QPT_RC, MTU_1024, TIMEOUT_67MS);
    rdo_scat_init(&r, &b->rdo, 5, RDO_PAGE_SHIFT, 0x7f0012345000ull,
                  0x6a5, 0x1d3);
    rdo_scat_reg(&r, 30, 0x01);
    qrdo_side_fill(a, SRC, r.length, 41);
    src = g_malloc(r.length);
    qrdo_side_read(a, SRC, src, r.length);
    sge = qrdo_side_sge(a, SRC, r.length - 5);
    w.remote_addr = r.iova + 2;
    w.rkey = r.key;
    qrdo_side_post_send(a, 0, &w, &sge, 1, NULL, NULL);
    g_assert_true(qrdo_pair_wait_cqes(p, 0, 1, SEC));
    qrdo_side_expect(a, 1, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    rdo_scat_expect(&r, r.iova + 2, src, r.length - 5);
    rdo_scat_assert(&r, "qtest write");

    rdo_scat_put(&r, r.iova + 0x777, rlen, 42);
    want = rdo_scat_get(&r, r.iova + 0x777, rlen);
    w = rdo_wqe(RDO_WR_RDMA_READ, 2);
    w.remote_addr = r.iova + 0x777;
    w.rkey = r.key;
    sge = qrdo_side_sge(a, DST + 1, rlen);
    qrdo_side_post_send(a, 0, &w, &sge, 1, NULL, NULL);
    g_assert_true(qrdo_pair_wait_cqes(p, 0, 1, SEC));
    qrdo_side_expect(a, 2, RDO_CQE_RDMA_READ, RDO_WC_SUCCESS);
    qrdo_side_read(a, DST + 1, got, rlen);
    g_assert_cmpmem(got, rlen, want, rlen);
    rdo_scat_assert(&r, "qtest read");
    rdo_scat_free(&r);
    qrdo_pair_free(p);
}

static void test_uc(void)
{
    QRdoPair *p = pair_new("qtest-uc", NULL, NULL, NULL);

    qrdo_pair_connect(p, 0, RDO_QPT_UC, MTU_1024, 0);
    send_and_write(p, 10000, 5);
    g_assert_cmpuint(qrdo_side_counter(&p->s[1], "acks-sent"), ==, 0);
    qrdo_pair_free(p);
}

/* RoCEv2 over IPv6: GID 1 of each side. */
static void test_ipv6(void)
{
    QRdoPair *p = pair_new("qtest-ipv6", NULL, NULL, NULL);

    qrdo_pair_connect_gid(p, 0, RDO_QPT_RC, MTU_1024, TIMEOUT_67MS, 1);
    send_and_write(p, 6000, 14);
    g_assert_cmpuint(qrdo_side_counter(&p->s[1], "rx-drops"), ==, 0);
    g_assert_cmpuint(qrdo_side_counter(&p->s[1], "acks-sent"), >, 0);
    qrdo_pair_free(p);
}

/* UD: a datagram with a GRH in front; a wrong Q_Key is dropped. */
static void test_ud(void)
{
    QRdoPair *p = pair_new("qtest-ud", NULL, NULL, NULL);
    QRdoSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND_IMM, 1);
    struct rdo_sge sge = qrdo_side_sge(a, SRC, 1000);
    struct rdo_ud_seg ud;
    struct rdo_cqe e;
    uint8_t grh[40];

    qrdo_pair_connect(p, 0, RDO_QPT_UD, MTU_1024, 0);
    ud = qrdo_pair_ud_dest(p, 1, 0);
    qrdo_side_fill(a, SRC, 1000, 6);
    qrdo_side_post_recv(b, 0, 3, DST, 2048);
    qrdo_side_post_recv(b, 0, 4, DST + 4096, 2048);
    w.imm_or_rkey = 77;
    qrdo_side_post_send(a, 0, &w, &sge, 1, &ud, NULL);
    ud.qkey = 0x999;
    w.wr_id = 2;
    qrdo_side_post_send(a, 0, &w, &sge, 1, &ud, NULL);
    g_assert_true(qrdo_pair_wait_cqes(p, 0, 2, SEC));
    g_assert_true(qrdo_pair_wait_cqes(p, 1, 1, SEC));
    qrdo_pair_run(p, MS);
    /* UD sends complete when sent, whether or not they arrive. */
    qrdo_side_expect(a, 1, RDO_CQE_SEND, RDO_WC_SUCCESS);
    qrdo_side_expect(a, 2, RDO_CQE_SEND, RDO_WC_SUCCESS);
    e = qrdo_side_expect(b, 3, RDO_CQE_RECV, RDO_WC_SUCCESS);
    g_assert_cmpuint(e.byte_len, ==, 1040);
    g_assert_cmpuint(e.src_qpn, ==, a->qp[0].qpn);
    g_assert_cmphex(e.flags, ==, RDO_CQE_F_GRH | RDO_CQE_F_IMM);
    g_assert_cmphex(e.imm_or_rkey, ==, 77);
    g_assert_cmpuint(qrdo_side_cqes_ready(b), ==, 0);
    qrdo_side_read(b, DST, grh, sizeof(grh));
    g_assert_cmphex(grh[20], ==, 0x45);         /* IPv4 header at 20 */
    g_assert_cmpuint(grh[20 + 12], ==, 10);
    g_assert_cmpuint(grh[20 + 15], ==, 1);      /* from 10.0.0.1 */
    assert_same(a, SRC, b, DST + 40, 1000);
    g_assert_cmpuint(qrdo_side_counter(b, "rx-drops"), ==, 1);
    qrdo_pair_free(p);
}

/*
 * UD multicast through QEMU's net: B's UD QPs in slots 0 and 1 join
 * 239.1.2.3 (ATTACH_MCAST), slot 2 does not; A sends one datagram to the
 * group (QP 0xFFFFFF, the group's MAC): slots 0 and 1 each get it after
 * the GRH, byte-exact, slot 2 nothing; after slot 0 leaves only slot 1
 * gets the next.
 */
static void test_ud_multicast(void)
{
    static const uint8_t group[16] = { [10] = 0xff, [11] = 0xff, 239, 1, 2, 3 };
    QRdoPair *p = pair_new("qtest-mcast", NULL, NULL, NULL);
    QRdoSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, 0x10);
    struct rdo_sge sge = qrdo_side_sge(a, SRC, 1000);
    struct rdo_ud_seg ud = { .dest_qpn = RDO_MCAST_QPN, .qkey = 0 };
    bool got[2] = { false, false };

    for (int i = 0; i < 3; i++) {
        qrdo_pair_connect(p, i, RDO_QPT_UD, MTU_1024, 0);
    }
    ud.qkey = qrdo_pair_ud_dest(p, 1, 0).qkey;
    memcpy(ud.dgid, group, 16);
    g_assert_true(rdo_mcast_gid_mac(group, ud.dmac));
    for (int i = 0; i < 2; i++) {
        struct rdo_cqp_cmd cmd = rdo_cmd_new(RDO_CMD_ATTACH_MCAST, b->qp[i].qpn);

        memcpy(cmd.u.mcast.gid, group, 16);
        rdo_pair_cmd_ok(&b->rdo, cmd);
    }
    for (int i = 0; i < 3; i++) {
        qrdo_side_post_recv(b, i, 0x20 + i, DST + i * 8192ull, 4096);
    }
    qrdo_side_fill(a, SRC, 1000, 9);
    qrdo_side_post_send(a, 0, &w, &sge, 1, &ud, NULL);
    g_assert_true(qrdo_pair_wait_cqes(p, 1, 2, SEC));
    qrdo_pair_run(p, MS);
    qrdo_side_expect(a, 0x10, RDO_CQE_SEND, RDO_WC_SUCCESS);
    for (int k = 0; k < 2; k++) {
        struct rdo_cqe e;

        g_assert_true(qrdo_side_poll(b, &e));
        g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
        g_assert_cmpuint(e.byte_len, ==, 1040);
        g_assert_cmpuint(e.wr_id - 0x20, <, 2);
        got[e.wr_id - 0x20] = true;
        assert_same(a, SRC, b, DST + (e.wr_id - 0x20) * 8192 + 40, 1000);
    }
    g_assert_true(got[0] && got[1]);
    g_assert_cmpuint(qrdo_side_cqes_ready(b), ==, 0);

    {
        struct rdo_cqp_cmd cmd = rdo_cmd_new(RDO_CMD_DETACH_MCAST, b->qp[0].qpn);

        memcpy(cmd.u.mcast.gid, group, 16);
        rdo_pair_cmd_ok(&b->rdo, cmd);
    }
    qrdo_side_post_recv(b, 1, 0x31, DST + 8192, 4096);
    w.wr_id = 0x11;
    qrdo_side_post_send(a, 0, &w, &sge, 1, &ud, NULL);
    g_assert_true(qrdo_pair_wait_cqes(p, 1, 1, SEC));
    qrdo_pair_run(p, MS);
    qrdo_side_expect(b, 0x31, RDO_CQE_RECV, RDO_WC_SUCCESS);
    g_assert_cmpuint(qrdo_side_cqes_ready(b), ==, 0);
    qrdo_pair_free(p);
}

/* A bad rkey: B NAKs, A's WRITE fails, the next WQE is flushed. */
static void test_bad_rkey(void)
{
    QRdoPair *p = pair_new("qtest-bad-rkey", NULL, NULL, NULL);
    QRdoSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 1);
    struct rdo_sge sge = qrdo_side_sge(a, SRC, 100);
    struct rdo_eqe ev;
    bool seen = false;

    qrdo_pair_connect(p, 0, RDO_QPT_RC, MTU_1024, TIMEOUT_67MS);
    qrdo_side_fill(b, DST, 100, 8);
    w.remote_addr = DST;
    w.rkey = b->mr_key ^ 0x1;
    qrdo_side_post_send(a, 0, &w, &sge, 1, NULL, NULL);
    w = rdo_wqe(RDO_WR_SEND, 2);
    qrdo_side_post_send(a, 0, &w, &sge, 1, NULL, NULL);
    g_assert_true(qrdo_pair_wait_cqes(p, 0, 2, SEC));
    qrdo_side_expect(a, 1, RDO_CQE_RDMA_WRITE, RDO_WC_REM_ACCESS_ERR);
    qrdo_side_expect(a, 2, RDO_CQE_SEND, RDO_WC_WR_FLUSH_ERR);
    g_assert_cmpuint(qrdo_side_counter(b, "naks-sent"), ==, 1);
    g_assert_cmpuint(qrdo_side_counter(a, "naks-received"), ==, 1);
    /* B's memory is untouched; B's QP reported the remote error. */
    qrdo_side_fill(a, SRC + 4096, 100, 8);
    assert_same(a, SRC + 4096, b, DST, 100);
    while (qrdo_eq_poll(&b->drv, &b->drv.eq0, &ev)) {
        if (ev.type == RDO_EQE_QP_ERROR) {
            g_assert_cmpuint(ev.obj, ==, b->qp[0].qpn);
            g_assert_cmpuint(ev.data, ==, RDO_QP_ERR_REMOTE);
            seen = true;
        }
    }
    g_assert_true(seen);
    qrdo_pair_free(p);
}

/*
 * Faults injected on both sides' transmit (drops in bursts, duplicates,
 * reordering, corruption): a mix of verbs completes, bit-exact, through
 * go-back-N.
 */
static void test_loss(void)
{
    static const uint32_t sizes[] = { 1, 100, 1024, 4096, 5000, 65536, 300000 };
    static const uint8_t ops[] = { RDO_WR_RDMA_WRITE, RDO_WR_SEND,
                                   RDO_WR_RDMA_READ };
    const char *faults = "fault-seed=%d,fault-drop-ppm=30000,fault-burst=3,"
                         "fault-dup-ppm=10000,fault-reorder-ppm=10000,"
                         "fault-corrupt-ppm=5000";
    g_autofree char *fa = g_strdup_printf(faults, 1);
    g_autofree char *fb = g_strdup_printf(faults, 2);
    QRdoPair *p = pair_new("loss-qtest", NULL, fa, fb);
    QRdoSide *a = &p->s[0], *b = &p->s[1];
    uint32_t n = 0, recvs = 0;
    uint64_t off = 0;

    qrdo_pair_connect(p, 0, RDO_QPT_RC, MTU_1024, TIMEOUT_1MS);
    qrdo_side_fill(a, SRC, 1u << 20, 9);
    for (int round = 0; round < 2; round++) {
        for (unsigned i = 0; i < G_N_ELEMENTS(sizes); i++) {
            uint8_t op = ops[(i + round) % 3];
            struct rdo_send_wqe w = rdo_wqe(op, n);
            uint64_t local = op == RDO_WR_RDMA_READ ? SRC + (1u << 20) + off
                                                    : SRC + off;
            struct rdo_sge sge = qrdo_side_sge(a, local, sizes[i]);

            w.remote_addr = DST + off;
            w.rkey = b->mr_key;
            if (op == RDO_WR_RDMA_READ) {
                qrdo_side_fill(b, DST + off, sizes[i], 100 + n);
            }
            if (op == RDO_WR_SEND) {
                qrdo_side_post_recv(b, 0, n, DST + off, sizes[i]);
                recvs++;
            }
            qrdo_side_post_send(a, 0, &w, &sge, 1, NULL, NULL);
            off += ROUND_UP(sizes[i], 4096);
            n++;
        }
    }
    g_assert_cmpuint(off, <=, 1u << 20);
    g_assert_true(qrdo_pair_wait_cqes(p, 0, n, 20 * SEC));
    g_assert_true(qrdo_pair_wait_cqes(p, 1, recvs, SEC));
    off = 0;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t size = sizes[k % G_N_ELEMENTS(sizes)];
        uint8_t op = ops[(k % G_N_ELEMENTS(sizes) + k / G_N_ELEMENTS(sizes)) % 3];
        static const uint8_t cqe_op[] = {
            [RDO_WR_RDMA_WRITE] = RDO_CQE_RDMA_WRITE,
            [RDO_WR_SEND] = RDO_CQE_SEND, [RDO_WR_RDMA_READ] = RDO_CQE_RDMA_READ,
        };

        qrdo_side_expect(a, k, cqe_op[op], RDO_WC_SUCCESS);
        if (op == RDO_WR_RDMA_READ) {
            assert_same(a, SRC + (1u << 20) + off, b, DST + off, size);
        } else {
            assert_same(a, SRC + off, b, DST + off, size);
        }
        off += ROUND_UP(size, 4096);
    }
    for (uint32_t k = 0; k < recvs; k++) {
        struct rdo_cqe e;

        g_assert_true(qrdo_side_poll(b, &e));
        g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
    }
    /* The faults happened, and the transport recovered from them. */
    g_assert_cmpuint(qrdo_side_counter(a, "fault-drops"), >, 0);
    g_assert_cmpuint(qrdo_side_counter(b, "fault-drops"), >, 0);
    g_assert_cmpuint(qrdo_side_counter(a, "retransmits") +
                     qrdo_side_counter(b, "retransmits"), >, 0);
    g_assert_cmpuint(qrdo_side_counter(b, "dup-requests"), >, 0);
    /* Corrupted frames fail the ICRC check (unless the bit flipped is one
     * the ICRC does not cover, such as the TTL) and are dropped. */
    g_assert_cmpuint(qrdo_side_counter(a, "rx-icrc-errors") +
                     qrdo_side_counter(b, "rx-icrc-errors"), >, 0);
    g_assert_cmpuint(qrdo_side_counter(a, "rx-icrc-errors") +
                     qrdo_side_counter(b, "rx-icrc-errors"), <=,
                     qrdo_side_counter(a, "fault-corrupts") +
                     qrdo_side_counter(b, "fault-corrupts"));
    if (g_test_verbose()) {
        g_test_message("loss: A sent %" PRIu64 " packets, dropped %" PRIu64
                       ", %" PRIu64 " retransmits, %" PRIu64 " timeouts; "
                       "B sent %" PRIu64 ", dropped %" PRIu64 ", %" PRIu64
                       " NAKs, %" PRIu64 " duplicates; ICRC errors %"
                       PRIu64 " (A) %" PRIu64 " (B)",
                       qrdo_side_counter(a, "tx-packets"),
                       qrdo_side_counter(a, "fault-drops"),
                       qrdo_side_counter(a, "retransmits"),
                       qrdo_side_counter(a, "timeouts"),
                       qrdo_side_counter(b, "tx-packets"),
                       qrdo_side_counter(b, "fault-drops"),
                       qrdo_side_counter(b, "naks-sent"),
                       qrdo_side_counter(b, "dup-requests"),
                       qrdo_side_counter(a, "rx-icrc-errors"),
                       qrdo_side_counter(b, "rx-icrc-errors"));
    }
    qrdo_pair_free(p);
}

/* fault-delay-ns holds every frame A sends: nothing arrives before it. */
/*
 * ECN through QEMU: A's fault injection marks a share of the frames it
 * sends CE, as a congested switch would; B (the notification point)
 * answers with CNPs, at most one per QP per cnp-interval-us; A (the
 * reaction point) slows the QP with DCQCN, or counts the CNPs as ignored
 * with dcqcn=0. The timing model is on, so A paces; the data is
 * bit-exact. qtest-ecn.pcap (CE marks and CNPs) goes to roce-check.
 */
static void ecn_run(const char *name, const char *opts_a, bool dcqcn)
{
    QRdoPair *p = pair_new(name, NULL, opts_a, "timing=on");
    QRdoSide *a = &p->s[0], *b = &p->s[1];
    const uint32_t len = 1u << 20;
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 1);
    struct rdo_sge sge = qrdo_side_sge(a, SRC + 100, len);
    uint64_t marks, cnps, handled, coalesced, ignored;

    qrdo_pair_connect(p, 0, RDO_QPT_RC, MTU_1024, TIMEOUT_67MS);
    qrdo_side_fill(a, SRC + 100, len, 21);
    w.remote_addr = DST + 3;
    w.rkey = b->mr_key;
    qrdo_side_post_send(a, 0, &w, &sge, 1, NULL, NULL);
    g_assert_true(qrdo_pair_wait_cqes(p, 0, 1, SEC));
    qrdo_side_expect(a, 1, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    assert_same(a, SRC + 100, b, DST + 3, len);

    /* The marked requests reached B with good ICRCs (the ICRC does not
     * cover the ECN bits) and counted there (all of them, unless B's
     * receive FIFO dropped some, which go-back-N made good); nothing else
     * was marked. */
    marks = qrdo_side_counter(a, "fault-ce-marks");
    g_assert_cmpuint(marks, >, 0);
    g_assert_cmpuint(marks, <, qrdo_side_counter(a, "tx-packets"));
    g_assert_cmpuint(qrdo_side_counter(b, "np-ecn-marked-roce-packets"), >, 0);
    g_assert_cmpuint(qrdo_side_counter(b, "np-ecn-marked-roce-packets"), <=,
                     marks);
    g_assert_cmpuint(qrdo_side_counter(a, "np-ecn-marked-roce-packets"), ==, 0);
    g_assert_cmpuint(qrdo_side_counter(a, "rx-icrc-errors") +
                     qrdo_side_counter(b, "rx-icrc-errors"), ==, 0);
    /* B answered some, never more than one per mark; A took every one. */
    cnps = qrdo_side_counter(b, "np-cnp-sent");
    g_assert_cmpuint(cnps, >=, 1);
    g_assert_cmpuint(cnps, <, marks);
    g_assert_cmpuint(qrdo_side_counter(a, "np-cnp-sent"), ==, 0);
    handled = qrdo_side_counter(a, "rp-cnp-handled");
    coalesced = qrdo_side_counter(a, "rp-cnp-coalesced");
    ignored = qrdo_side_counter(a, "rp-cnp-ignored");
    g_assert_cmpuint(handled + coalesced + ignored, ==, cnps);
    if (dcqcn) {
        g_assert_cmpuint(handled, >=, 1);
        g_assert_cmpuint(ignored, ==, 0);
    } else {
        g_assert_cmpuint(ignored, ==, cnps);
    }
    g_assert_cmpuint(qrdo_side_counter(b, "rp-cnp-handled") +
                     qrdo_side_counter(b, "rp-cnp-ignored"), ==, 0);
    if (g_test_verbose()) {
        g_test_message("%s: %" PRIu64 " of %" PRIu64 " packets marked, %"
                       PRIu64 " CNPs, %" PRIu64 " handled, %" PRIu64
                       " retransmits", name, marks,
                       qrdo_side_counter(a, "tx-packets"), cnps, handled,
                       qrdo_side_counter(a, "retransmits"));
    }
    qrdo_pair_free(p);
}

static void test_ecn(void)
{
    ecn_run("qtest-ecn", "timing=on,fault-seed=5,fault-ce-ppm=100000", true);
    ecn_run("qtest-ecn-off",
            "timing=on,fault-seed=5,fault-ce-ppm=100000,dcqcn=0", false);
}

static void test_delay(void)
{
    QRdoPair *p = pair_new("qtest-delay", NULL, "fault-delay-ns=500000", NULL);
    QRdoSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 1);
    struct rdo_sge sge = qrdo_side_sge(a, SRC, 2000);

    qrdo_pair_connect(p, 0, RDO_QPT_RC, MTU_1024, TIMEOUT_67MS);
    qrdo_side_fill(a, SRC, 2000, 15);
    w.remote_addr = DST;
    w.rkey = b->mr_key;
    qrdo_side_post_send(a, 0, &w, &sge, 1, NULL, NULL);
    qrdo_pair_run(p, 400000);
    g_assert_cmpuint(qrdo_side_counter(b, "netdev-rx-frames"), ==, 0);
    g_assert_cmpuint(qrdo_side_cqes_ready(a), ==, 0);
    g_assert_true(qrdo_pair_wait_cqes(p, 0, 1, SEC));
    qrdo_side_expect(a, 1, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    g_assert_cmpuint(qrdo_side_counter(b, "netdev-rx-frames"), ==, 2);
    assert_same(a, SRC, b, DST, 2000);
    qrdo_pair_free(p);
}

/* The port follows the netdev's link; frames sent while down are lost. */
static void test_link(void)
{
    QRdoPair *p = pair_new("qtest-link", NULL, NULL, NULL);
    QRdoSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 1);
    struct rdo_sge sge = qrdo_side_sge(a, SRC, 3000);

    qrdo_pair_connect(p, 0, RDO_QPT_RC, MTU_1024, TIMEOUT_1MS);
    qtest_qmp_assert_success(p->qts, "{ 'execute': 'set_link', 'arguments':"
                             " { 'name': 'n1', 'up': false } }");
    g_assert_cmphex(qrdo_read(&b->dev, RDO_REG_PORT_STATUS), ==, 0);
    g_assert_cmphex(qrdo_read(&a->dev, RDO_REG_PORT_STATUS), ==,
                    RDO_PORT_LINK_UP);
    qrdo_side_fill(a, SRC, 3000, 11);
    w.remote_addr = DST;
    w.rkey = b->mr_key;
    qrdo_side_post_send(a, 0, &w, &sge, 1, NULL, NULL);
    g_assert_false(qrdo_pair_wait_cqes(p, 0, 1, 3 * MS));
    g_assert_cmpuint(qrdo_side_counter(a, "timeouts"), >, 0);
    g_assert_cmpuint(qrdo_side_counter(b, "rx-packets"), ==, 0);
    qtest_qmp_assert_success(p->qts, "{ 'execute': 'set_link', 'arguments':"
                             " { 'name': 'n1', 'up': true } }");
    g_assert_cmphex(qrdo_read(&b->dev, RDO_REG_PORT_STATUS), ==,
                    RDO_PORT_LINK_UP);
    g_assert_true(qrdo_pair_wait_cqes(p, 0, 1, SEC));
    qrdo_side_expect(a, 1, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    assert_same(a, SRC, b, DST, 3000);
    qrdo_pair_free(p);
}

/* Reads B's identity register through a fresh mapping of slot 5. */
static uint32_t slot5_id(QRdoPair *p)
{
    QPCIDevice *dev = qpci_device_find(p->qs->pcibus, QPCI_DEVFN(5, 0));
    QPCIBar bar;
    uint32_t id;

    g_assert_nonnull(dev);
    qpci_device_enable(dev);
    bar = qpci_iomap(dev, RDO_BAR_REGS, NULL);
    id = qpci_io_readl(dev, bar, RDO_REG_ID);
    qpci_iounmap(dev, bar);
    g_free(dev);
    return id;
}

/*
 * Hot-unplug with work in flight (pvrdma's CVE-2018-20123 class: what a
 * device leaves behind when it goes): B is unplugged with a WRITE sent but
 * not acknowledged (A's link is down), its retransmit timer armed; on the
 * ASan build a use after free in unrealize, a timer or the netdev aborts
 * QEMU. A's QP then runs out of retries (the peer is gone, not wedged),
 * and a new adapter plugged into the slot on the same netdev answers;
 * twice, so realize after unrealize is covered too.
 */
static void test_hot_unplug(void)
{
    QRdoPair *p = pair_new("qtest-hot-unplug", NULL, NULL, NULL);
    QRdoSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w;
    struct rdo_sge sge;

    qrdo_pair_connect(p, 0, RDO_QPT_RC, MTU_1024, TIMEOUT_1MS);
    qrdo_side_fill(a, SRC, 300000, 21);
    qrdo_side_fill(b, SRC, 300000, 22);
    qtest_qmp_assert_success(p->qts, "{ 'execute': 'set_link', 'arguments':"
                             " { 'name': 'n0', 'up': false } }");
    w = rdo_wqe(RDO_WR_RDMA_WRITE, 11);
    w.remote_addr = DST;
    w.rkey = a->mr_key;
    sge = qrdo_side_sge(b, SRC, 300000);
    qrdo_side_post_send(b, 0, &w, &sge, 1, NULL, NULL);
    qtest_clock_step(p->qts, 20000);
    g_assert_cmpuint(qrdo_side_counter(b, "tx-packets"), >, 0);
    g_assert_false(qrdo_pair_wait_cqes(p, 1, 1, 100000));
    qpci_unplug_acpi_device_test(p->qts, "rdoB", 5);
    qtest_qmp_assert_success(p->qts, "{ 'execute': 'set_link', 'arguments':"
                             " { 'name': 'n0', 'up': true } }");
    w = rdo_wqe(RDO_WR_RDMA_WRITE, 10);
    w.remote_addr = DST;
    w.rkey = b->mr_key;
    sge = qrdo_side_sge(a, SRC, 300000);
    qrdo_side_post_send(a, 0, &w, &sge, 1, NULL, NULL);
    g_assert_true(qrdo_pair_wait_cqes(p, 0, 1, SEC));
    qrdo_side_expect(a, 10, RDO_CQE_RDMA_WRITE, RDO_WC_RETRY_EXC_ERR);
    for (int round = 0; round < 2; round++) {
        qtest_qmp_assert_success(p->qts, "{ 'execute': 'device_add',"
                                 " 'arguments': { 'driver': 'rdma-offload',"
                                 " 'id': 'rdoB', 'addr': '05.0',"
                                 " 'netdev': 'n1' } }");
        g_assert_cmphex(slot5_id(p), ==, RDO_ID_MAGIC);
        qpci_unplug_acpi_device_test(p->qts, "rdoB", 5);
    }
    qrdo_pair_free(p);
}

/*
 * Backends that carry frames through host sockets: delivery waits for
 * QEMU's main loop, between qtest commands. A SEND and a WRITE each way.
 */
static void traffic_over(const char *name, const char *netdevs)
{
    QRdoPair *p = pair_new(name, netdevs, NULL, NULL);
    QRdoSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe w;
    struct rdo_sge sge;

    qrdo_pair_connect(p, 0, RDO_QPT_RC, MTU_1024, TIMEOUT_67MS);
    qrdo_side_fill(a, SRC, 20000, 12);
    qrdo_side_fill(b, SRC, 20000, 13);
    qrdo_side_post_recv(b, 0, 7, DST, 20000);
    w = rdo_wqe(RDO_WR_SEND, 1);
    sge = qrdo_side_sge(a, SRC, 20000);
    qrdo_side_post_send(a, 0, &w, &sge, 1, NULL, NULL);
    w = rdo_wqe(RDO_WR_RDMA_WRITE, 2);
    w.remote_addr = DST;
    w.rkey = a->mr_key;
    sge = qrdo_side_sge(b, SRC, 20000);
    qrdo_side_post_send(b, 0, &w, &sge, 1, NULL, NULL);
    g_assert_true(qrdo_pair_wait_cqes(p, 0, 1, 2 * SEC));
    g_assert_true(qrdo_pair_wait_cqes(p, 1, 2, 2 * SEC));
    qrdo_side_expect(a, 1, RDO_CQE_SEND, RDO_WC_SUCCESS);
    qrdo_side_expect(b, 7, RDO_CQE_RECV, RDO_WC_SUCCESS);
    qrdo_side_expect(b, 2, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    assert_same(a, SRC, b, DST, 20000);
    assert_same(b, SRC, a, DST, 20000);
    qrdo_pair_free(p);
}

static char *sock_path(const char *dir, const char *name)
{
    return g_strdup_printf("%s/%s", dir, name);
}

static void test_backend_stream(void)
{
    g_autofree char *dir = g_dir_make_tmp("rdo-net-XXXXXX", NULL);
    g_autofree char *path = sock_path(dir, "stream");
    g_autofree char *nd = g_strdup_printf(
        "-netdev stream,id=n0,server=on,addr.type=unix,addr.path=%s "
        "-netdev stream,id=n1,server=off,reconnect-ms=100,addr.type=unix,"
        "addr.path=%s", path, path);

    traffic_over("qtest-stream", nd);
    unlink(path);
    rmdir(dir);
}

static void test_backend_dgram(void)
{
    g_autofree char *dir = g_dir_make_tmp("rdo-net-XXXXXX", NULL);
    g_autofree char *p0 = sock_path(dir, "d0");
    g_autofree char *p1 = sock_path(dir, "d1");
    g_autofree char *nd = g_strdup_printf(
        "-netdev dgram,id=n0,local.type=unix,local.path=%s,"
        "remote.type=unix,remote.path=%s "
        "-netdev dgram,id=n1,local.type=unix,local.path=%s,"
        "remote.type=unix,remote.path=%s", p0, p1, p1, p0);

    traffic_over("qtest-dgram", nd);
    unlink(p0);
    unlink(p1);
    rmdir(dir);
}

/* A free TCP port on the loopback address (a race we accept in tests). */
static int free_port(void)
{
    struct sockaddr_in sa = { .sin_family = AF_INET };
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;

    g_assert_cmpint(fd, >=, 0);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sa, &len), ==, 0);
    port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

static void test_backend_socket(void)
{
    int port = free_port();
    g_autofree char *nd = g_strdup_printf(
        "-netdev socket,id=n0,listen=127.0.0.1:%d "
        "-netdev socket,id=n1,connect=127.0.0.1:%d", port, port);

    traffic_over("qtest-socket", nd);
}

/*
 * The offloaded CM through QEMU: B listens with two pool QPs, A's device
 * connects its QP 2 (CM_CONNECT, the RDMA CM header and private data);
 * both notification tables report the connection, a SEND crosses it, B
 * disconnects (CM_DISCONNECT on the passive side), both report that.
 */
#define CM_SID      0x0000000001060000ull
#define CM_TABLE_LOG 3

typedef struct QCmSide {
    uint64_t table, ci;
    uint32_t read;
} QCmSide;

static void cm_listen(QRdoSide *s, QCmSide *c, uint64_t sid)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_new(RDO_CMD_CM_LISTEN, 0);
    struct rdo_cmd_cm_listen *l = &cmd.u.cm_listen;

    c->table = s->ops->alloc(s->host, 128 << CM_TABLE_LOG);
    c->ci = s->ops->alloc(s->host, 4096) + 0x44;
    l->service_id = sid;
    l->table_addr = c->table;
    l->ci_addr = c->ci;
    memcpy(l->addr, s->gid, 16);
    l->table_log_size = CM_TABLE_LOG;
    l->flags = RDO_CM_LISTEN_F_RDMA_CM;
    l->responder_resources = l->initiator_depth = 2;
    l->notify_count = 1;
    l->min_rnr_timer = 1;
    l->rnr_retry = 7;
    rdo_pair_cmd_ok(&s->rdo, cmd);
}

static struct rdo_cm_entry cm_next(QRdoSide *s, QCmSide *c)
{
    struct rdo_cm_entry e;
    uint32_t ci;

    s->ops->read(s->host, c->table + (c->read & ((1u << CM_TABLE_LOG) - 1)) *
                 sizeof(e), &e, sizeof(e));
    g_assert_cmpuint(e.owner, ==, rdo_owner_phase(c->read, CM_TABLE_LOG));
    ci = cpu_to_le32(++c->read);
    s->ops->write(s->host, c->ci, &ci, sizeof(ci));
    return e;
}

static struct rdo_cm_counters cm_counters(QRdoSide *s)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_new(RDO_CMD_CM_QUERY, 0);
    struct rdo_cm_counters c;

    cmd.out_addr = s->ops->alloc(s->host, sizeof(c));
    rdo_pair_cmd_ok(&s->rdo, cmd);
    s->ops->read(s->host, cmd.out_addr, &c, sizeof(c));
    return c;
}

static void test_cm(void)
{
    QRdoPair *p = pair_new("qtest-cm", NULL, NULL, NULL);
    QRdoSide *a = &p->s[0], *b = &p->s[1];
    QCmSide ca = { 0 }, cb = { 0 };
    struct rdo_cqp_cmd cmd;
    struct rdo_cmd_cm_connect *cc = &cmd.u.cm_connect;
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, 0x51);
    struct rdo_sge sge;
    struct rdo_cm_entry ea, eb;
    struct rdo_cm_counters ka, kb;
    static const char hello[] = "offloaded hello";

    cm_listen(a, &ca, CM_SID | 1);
    cm_listen(b, &cb, CM_SID | 7471);
    for (int i = 0; i < 2; i++) {
        rdo_pair_create_qp(&b->rdo, i, 2 + i, RDO_QPT_RC, 0);
        cmd = rdo_cmd_new(RDO_CMD_CM_POOL_ADD, 0);
        cmd.u.cm_pool.qpn = 2 + i;
        cmd.u.cm_pool.access = RDO_ACCESS__ALL;
        rdo_pair_cmd_ok(&b->rdo, cmd);
        qrdo_side_post_recv(b, i, 0x70 + i, DST + i * 8192, 8192);
    }
    rdo_pair_create_qp(&a->rdo, 0, 2, RDO_QPT_RC, 0);
    cmd = rdo_cmd_new(RDO_CMD_CM_CONNECT, 0);
    cmd.out_addr = a->ops->alloc(a->host, 4096) + 0x101;
    a->ops->write(a->host, cmd.out_addr, hello, sizeof(hello));
    cc->service_id = CM_SID | 7471;
    cc->qpn = 2;
    cc->access = RDO_ACCESS__ALL;
    memcpy(cc->dgid, b->gid, 16);
    memcpy(cc->dmac, b->mac, 6);
    cc->path_mtu = MTU_1024;
    cc->src_port = 40000;
    cc->timeout = TIMEOUT_67MS;
    cc->retry_count = 7;
    cc->rnr_retry = 7;
    cc->cm_timeout = 14;
    cc->max_cm_retries = 3;
    cc->private_len = sizeof(hello);
    rdo_pair_cmd_ok(&a->rdo, cmd);
    qrdo_pair_run(p, MS);
    ea = cm_next(a, &ca);
    eb = cm_next(b, &cb);
    g_assert_cmpuint(ea.type, ==, RDO_CM_ENTRY_ESTABLISHED);
    g_assert_cmpuint(eb.type, ==, RDO_CM_ENTRY_ESTABLISHED);
    g_assert_cmpuint(le32_to_cpu(ea.qpn), ==, 2);
    g_assert_cmpuint(le32_to_cpu(ea.peer_qpn), ==, le32_to_cpu(eb.qpn));
    g_assert_cmpuint(le32_to_cpu(eb.peer_qpn), ==, 2);
    g_assert_cmpuint(le16_to_cpu(eb.peer_port), ==, 40000);
    g_assert_cmpstr((char *)eb.private_data, ==, hello);
    g_assert_cmpmem(eb.peer_gid, 16, a->gid, 16);
    /* A SEND across the connection the devices made. */
    qrdo_side_fill(a, SRC, 3000, 5);
    sge = qrdo_side_sge(a, SRC, 3000);
    qrdo_side_post_send(a, 0, &w, &sge, 1, NULL, NULL);
    g_assert_true(qrdo_pair_wait_cqes(p, 1, 1, SEC));
    qrdo_side_expect(b, 0x70 + le32_to_cpu(eb.qpn) - 2, RDO_CQE_RECV,
                     RDO_WC_SUCCESS);
    assert_same(a, SRC, b, DST + (le32_to_cpu(eb.qpn) - 2) * 8192, 3000);
    g_assert_true(qrdo_pair_wait_cqes(p, 0, 1, SEC));
    qrdo_side_expect(a, 0x51, RDO_CQE_SEND, RDO_WC_SUCCESS);
    /* B, the passive side, disconnects. */
    cmd = rdo_cmd_new(RDO_CMD_CM_DISCONNECT, 0);
    cmd.u.cm_pool.qpn = le32_to_cpu(eb.qpn);
    rdo_pair_cmd_ok(&b->rdo, cmd);
    qrdo_pair_run(p, MS);
    g_assert_cmpuint(cm_next(a, &ca).type, ==, RDO_CM_ENTRY_DISCONNECTED);
    g_assert_cmpuint(cm_next(b, &cb).type, ==, RDO_CM_ENTRY_DISCONNECTED);
    ka = cm_counters(a);
    kb = cm_counters(b);
    g_assert_cmpuint(ka.reqs_sent, ==, 1);
    g_assert_cmpuint(ka.established, ==, 1);
    g_assert_cmpuint(ka.dreq_received, ==, 1);
    g_assert_cmpuint(ka.drep_sent, ==, 1);
    g_assert_cmpuint(kb.reqs, ==, 1);
    g_assert_cmpuint(kb.established, ==, 1);
    g_assert_cmpuint(kb.dreqs_sent, ==, 1);
    g_assert_cmpuint(kb.drep_received, ==, 1);
    g_assert_cmpuint(kb.events, ==, 2);
    qrdo_pair_free(p);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/rdma-offload/net/rc/write-read-1m", test_write_read_1m);
    qtest_add_func("/rdma-offload/net/rc/send-variants", test_send_variants);
    qtest_add_func("/rdma-offload/net/rc/ram-push", test_ram_push);
    qtest_add_func("/rdma-offload/net/rc/doorbell-inline", test_doorbell_inline);
    qtest_add_func("/rdma-offload/net/rc/atomics", test_atomics);
    qtest_add_func("/rdma-offload/net/rc/scatter", test_scatter);
    qtest_add_func("/rdma-offload/net/uc", test_uc);
    qtest_add_func("/rdma-offload/net/ud", test_ud);
    qtest_add_func("/rdma-offload/net/ud/multicast", test_ud_multicast);
    qtest_add_func("/rdma-offload/net/rc/ipv6", test_ipv6);
    qtest_add_func("/rdma-offload/net/errors/bad-rkey", test_bad_rkey);
    qtest_add_func("/rdma-offload/net/loss", test_loss);
    qtest_add_func("/rdma-offload/net/timing-determinism", test_timing_determinism);
    qtest_add_func("/rdma-offload/net/delay", test_delay);
    qtest_add_func("/rdma-offload/net/ecn", test_ecn);
    qtest_add_func("/rdma-offload/net/link", test_link);
    qtest_add_func("/rdma-offload/net/hot-unplug", test_hot_unplug);
    qtest_add_func("/rdma-offload/net/backend/stream", test_backend_stream);
    qtest_add_func("/rdma-offload/net/backend/dgram", test_backend_dgram);
    qtest_add_func("/rdma-offload/net/backend/socket", test_backend_socket);
    qtest_add_func("/rdma-offload/net/cm", test_cm);
    return g_test_run();
}
