/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The second physical port (ports=2, docs/programming-model.md "Two
 * ports"): adapter A has two ports, B is cabled to its port 1 and C to its
 * port 2 (or A's ports to each other). Each port has its own address, GID
 * table, link and counters; a QP is bound to one port and speaks and
 * hears only there; a bad port number is refused; a port going down
 * leaves the other alone; RSS spreads each port's frames over its own
 * RXQs.
 */
#include <string.h>

#include "fab2.h"
#include "timing-work.h"

static struct rdo_port_counters port_counters(PairSide *s, uint32_t port)
{
    uint64_t out = s->ops->alloc(s->host, RDO_COUNTER_BLOCK);
    struct rdo_port_counters c;

    rdo_pair_cmd_ok(&s->rdo, rdo_cmd_query(RDO_CMD_QUERY_COUNTERS, port, out));
    s->ops->read(s->host, out, &c, sizeof(c));
    return c;
}

static struct rdo_port_attr port_attr(PairSide *s, uint32_t port)
{
    uint64_t out = s->ops->alloc(s->host, sizeof(struct rdo_port_attr));
    struct rdo_port_attr a;

    rdo_pair_cmd_ok(&s->rdo, rdo_cmd_query(RDO_CMD_QUERY_PORT, port, out));
    s->ops->read(s->host, out, &a, sizeof(a));
    return a;
}

/* The configuration checks and the port registers. */
static void test_config(void)
{
    RdoConfig c = two_port_config();
    const char *why;
    TestDriver *d;

    g_assert_true(rdo_config_valid(&c, &why));
    c.ports = 3;
    g_assert_false(rdo_config_valid(&c, &why));
    c = two_port_config();
    memcpy(c.mac2, c.mac, 6);
    g_assert_false(rdo_config_valid(&c, &why));
    g_assert_nonnull(strstr(why, "mac2"));
    c = two_port_config();
    c.sriov_max_vfs = 2;
    g_assert_false(rdo_config_valid(&c, &why));

    c = two_port_config();
    d = td_new(&c);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_PORTS), ==, 2);
    g_assert_cmphex(test_reg_read(d->h, RDO_REG_PORT2_MAC_LO), ==,
                    0x52 | 0x54 << 8 | 0x00 << 16 | 0xabu << 24);
    g_assert_cmphex(test_reg_read(d->h, RDO_REG_PORT2_MAC_HI), ==, 0xcd | 0x20 << 8);
    g_assert_cmphex(test_reg_read(d->h, RDO_REG_PORT2_STATUS), ==, RDO_PORT_LINK_UP);
    /* No backend on port 2: its link is down, port 1's is not. */
    td_free(d);
    c.has_port2 = false;
    d = td_new(&c);
    g_assert_cmphex(test_reg_read(d->h, RDO_REG_PORT2_STATUS), ==, 0);
    g_assert_cmphex(test_reg_read(d->h, RDO_REG_PORT_STATUS), ==, RDO_PORT_LINK_UP);
    td_free(d);
    /* A one-port device: 1 port, port 2's registers 0, no error. */
    c = test_host_default_config();
    d = td_new(&c);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_PORTS), ==, 1);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_PORT2_MAC_LO), ==, 0);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_ERR_COUNT), ==, 0);
    td_free(d);
}

/* QUERY_PORT, SET_PORT, SET_GID and MODIFY_QP per port; bad numbers. */
static void test_commands(void)
{
    Fab f;
    PairSide *a = &f.a;
    struct rdo_port_attr pa;
    struct rdo_cqp_cmd c;
    struct rdo_cmd_modify_qp m = { 0 };
    uint8_t gid1[16];

    fab_init(&f, true);
    {
        uint64_t out = td_alloc(a->d, sizeof(struct rdo_device_attr), 8);
        struct rdo_device_attr *da = td_ptr(a->d, out);

        rdo_pair_cmd_ok(&a->rdo, rdo_cmd_query(RDO_CMD_QUERY_DEVICE, 0, out));
        g_assert_cmpuint(da->phys_ports, ==, 2);
    }
    pa = port_attr(a, 2);
    g_assert_cmpmem(pa.mac, 6, fab_mac2, 6);
    g_assert_cmpuint(pa.link_up, ==, 1);
    g_assert_cmpuint(pa.eth_mtu, ==, 1500);
    g_assert_cmpuint(pa.gid_table_len, ==, a->d->h->core.cfg.max_gid);
    /* Port 2's MTU is its own. */
    c = rdo_cmd_new(RDO_CMD_SET_PORT, 2);
    c.u.set_port.mask = RDO_PORT_SET_MTU;
    c.u.set_port.mtu = 4200;
    rdo_pair_cmd_ok(&a->rdo, c);
    g_assert_cmpuint(port_attr(a, 2).eth_mtu, ==, 4200);
    g_assert_cmpuint(port_attr(a, 1).eth_mtu, ==, 1500);
    g_assert_cmpuint(port_attr(a, 0).eth_mtu, ==, 1500);
    g_assert_cmpmem(port_attr(a, 0).mac, 6, a->mac, 6);
    /* Port 2 may not take port 1's MAC; there is no port 3. */
    c = rdo_cmd_new(RDO_CMD_SET_PORT, 2);
    c.u.set_port.mask = RDO_PORT_SET_MAC;
    memcpy(c.u.set_port.mac, a->mac, 6);
    g_assert_cmpuint(rdo_pair_cmd(&a->rdo, c, NULL), ==, RDO_CQP_BAD_PARAM);
    c = rdo_cmd_query(RDO_CMD_QUERY_PORT, 3, td_alloc(a->d, 64, 8));
    g_assert_cmpuint(rdo_pair_cmd(&a->rdo, c, NULL), ==, RDO_CQP_BAD_INDEX);
    c = rdo_cmd_query(RDO_CMD_QUERY_COUNTERS, 3, td_alloc(a->d, 256, 8));
    g_assert_cmpuint(rdo_pair_cmd(&a->rdo, c, NULL), ==, RDO_CQP_BAD_INDEX);
    c = rdo_cmd_set_gid(1, f.a2.gid, 1);
    c.u.set_gid.port = 3;
    g_assert_cmpuint(rdo_pair_cmd(&a->rdo, c, NULL), ==, RDO_CQP_BAD_PARAM);

    /* A QP on port 2 takes its source GID from port 2's table: index 1
     * is set in port 1's only, so refused; index 0 of port 2 is fine. */
    rdo_gid_v4(gid1, 77);
    rdo_pair_cmd_ok(&a->rdo, rdo_cmd_set_gid(1, gid1, 1));
    rdo_pair_create_qp(&a->rdo, 0, 2, RDO_QPT_RC, 0);
    m.access = RDO_ACCESS__ALL;
    m.port = 3;
    g_assert_cmpuint(rdo_pair_modify(&a->rdo, 2, RDO_QPS_INIT,
                                     RDO_QP_ATTR_ACCESS | RDO_QP_ATTR_PORT, &m),
                     ==, RDO_CQP_BAD_PARAM);
    m.port = 0;
    g_assert_cmpuint(rdo_pair_modify(&a->rdo, 2, RDO_QPS_INIT,
                                     RDO_QP_ATTR_ACCESS | RDO_QP_ATTR_PORT, &m),
                     ==, RDO_CQP_BAD_PARAM);
    /* Each refusal reported to the host (LOG_GUEST_ERROR). */
    g_assert_cmpuint(a->d->h->class_count[RDO_GE_CQP_CMD_FAILED], >=, 2);
    m.port = 2;
    g_assert_cmpuint(rdo_pair_modify(&a->rdo, 2, RDO_QPS_INIT,
                                     RDO_QP_ATTR_ACCESS | RDO_QP_ATTR_PORT, &m),
                     ==, RDO_CQP_OK);
    memcpy(m.dmac, a->mac, 6);
    memcpy(m.dgid, a->gid, 16);
    m.sgid_index = 1;
    m.path_mtu = MTU_1024;
    m.dest_qpn = 3;
    g_assert_cmpuint(rdo_pair_modify(&a->rdo, 2, RDO_QPS_RTR,
                                     rdo_cmd_modify_mask(RDO_QPT_RC, RDO_QPS_RTR),
                                     &m), ==, RDO_CQP_BAD_PARAM);
    m.sgid_index = 0;
    g_assert_cmpuint(rdo_pair_modify(&a->rdo, 2, RDO_QPS_RTR,
                                     rdo_cmd_modify_mask(RDO_QPT_RC, RDO_QPS_RTR),
                                     &m), ==, RDO_CQP_OK);
    /* The port is set before RTR only (IBA: RESET->INIT, INIT->INIT). */
    g_assert_cmpuint(rdo_pair_modify(&a->rdo, 2, RDO_QPS_RTR,
                                     RDO_QP_ATTR_PORT, &m), ==, RDO_CQP_BAD_STATE);
    {
        uint64_t out = td_alloc(a->d, sizeof(struct rdo_qp_attr), 8);
        struct rdo_qp_attr *qa = td_ptr(a->d, out);

        rdo_pair_cmd_ok(&a->rdo, rdo_cmd_query(RDO_CMD_QUERY_QP, 2, out));
        g_assert_cmpuint(qa->port, ==, 2);
        /* A QP never given a port reports port 1. */
        rdo_pair_create_qp(&a->rdo, 1, 3, RDO_QPT_RC, 0);
        rdo_pair_cmd_ok(&a->rdo, rdo_cmd_query(RDO_CMD_QUERY_QP, 3, out));
        g_assert_cmpuint(qa->port, ==, 1);
    }
    fab_free(&f);

    /* On a one-port device port 2 does not exist. */
    fab_init(&f, true);
    f.a.d->h->core.cfg.ports = 1;
    c = rdo_cmd_query(RDO_CMD_QUERY_PORT, 2, td_alloc(f.a.d, 64, 8));
    g_assert_cmpuint(rdo_pair_cmd(&f.a.rdo, c, NULL), ==, RDO_CQP_BAD_INDEX);
    rdo_pair_create_qp(&f.a.rdo, 0, 2, RDO_QPT_RC, 0);
    m.port = 2;
    g_assert_cmpuint(rdo_pair_modify(&f.a.rdo, 2, RDO_QPS_INIT,
                                     RDO_QP_ATTR_ACCESS | RDO_QP_ATTR_PORT, &m),
                     ==, RDO_CQP_BAD_PARAM);
    f.a.d->h->core.cfg.ports = 2;
    fab_free(&f);
}

/* Does every frame in the log come from `mac`? */
static void frames_from(const TestFrames *log, const uint8_t *mac)
{
    for (guint i = 0; i < test_frames_count(log); i++) {
        size_t len;
        const uint8_t *fr = test_frames_get(log, i, &len);

        g_assert_cmpmem(fr + 6, 6, mac, 6);
    }
}

/*
 * Both ports at once: A writes to B over port 1 and to C over port 2
 * while C writes to A over port 2; every byte lands, each port's frames
 * go out on its own wire from its own MAC, and the counters are split.
 */
static void test_traffic(void)
{
    Fab f;
    PairSide *a = &f.a, *b = &f.b, *c = &f.c;
    const uint32_t len = 20000 + 13;
    struct rdo_port_counters c1, c2;
    uint64_t sent1 = 0, sent2 = 0;
    uint64_t end;

    fab_init(&f, false);
    fab_connect(a, a, 1, b, 0, 2);
    fab_connect(a, &f.a2, 2, c, 1, 3);
    pair_fill(a, PAIR_SRC + 0x123, len, 1);
    pair_fill(a, PAIR_SRC + 0x40000 + 0x77, len, 2);
    pair_fill(c, PAIR_SRC + 0x31, len, 3);
    post_write(a, 0, 0x10, PAIR_SRC + 0x123, len, PAIR_DST + 0x5, b->mr_key);
    post_write(a, 1, 0x20, PAIR_SRC + 0x40000 + 0x77, len, PAIR_DST + 0x999,
               c->mr_key);
    post_write(c, 1, 0x30, PAIR_SRC + 0x31, len, PAIR_DST + 0x40000 + 0x3,
               a->mr_key);

    /* Step by hand to look at each wire's frames before they cross. */
    end = fab_host(&f, 0)->now_ns + PAIR_SEC;
    while (pair_cq_ready(a) < 2 || pair_cq_ready(c) < 1) {
        TestHost *h = fab_host(&f, 0);

        frames_from(&h->frames, a->mac);
        frames_from(&h->frames2, fab_mac2);
        sent1 += test_frames_count(&h->frames);
        sent2 += test_frames_count(&h->frames2);
        g_assert_true(fab_step(&f, end));
    }
    pair_expect_cqe(a, 0x10, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    pair_expect_cqe(a, 0x20, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    pair_expect_cqe(c, 0x30, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    pair_assert_same(a, PAIR_SRC + 0x123, b, PAIR_DST + 0x5, len);
    pair_assert_same(a, PAIR_SRC + 0x40000 + 0x77, c, PAIR_DST + 0x999, len);
    pair_assert_same(c, PAIR_SRC + 0x31, a, PAIR_DST + 0x40000 + 0x3, len);
    /* 20 KiB at 1 KiB MTU: 20 requests each way, ACKs back. */
    g_assert_cmpuint(sent1, >=, 20);
    g_assert_cmpuint(sent2, >=, 20 + 1);
    c1 = port_counters(a, 1);
    c2 = port_counters(a, 2);
    g_assert_cmpuint(c1.tx_packets, ==, sent1);
    g_assert_cmpuint(c2.tx_packets, ==, sent2);
    g_assert_cmpuint(c1.rx_packets, ==, port_counters(b, 0).tx_packets);
    g_assert_cmpuint(c2.rx_packets, ==, port_counters(c, 0).tx_packets);
    g_assert_cmpuint(c1.rx_drops + c2.rx_drops, ==, 0);
    /* Port 2's block holds its own four, nothing of the pipelines'. */
    g_assert_cmpuint(c2.acks_sent, ==, 0);
    g_assert_cmpuint(a->d->h->core.cnt.loopback_frames, ==, 0);
    fab_free(&f);
}

/*
 * A QP hears only on its port: C addresses port 2 but names A's QP of
 * port 1. Dropped and counted on port 2; C's QP runs out of retries; the
 * port-1 QP is untouched.
 */
static void test_wrong_port(void)
{
    Fab f;
    PairSide *a = &f.a, *c = &f.c;
    struct rdo_port_counters c2;

    fab_init(&f, false);
    fab_connect(a, a, 1, &f.b, 0, 2);
    /* C's slot 1 sends to port 2's address, to QP 2 (port 1's). */
    fab_connect(a, &f.a2, 2, c, 1, 2);
    pair_fill(c, PAIR_SRC, 100, 4);
    post_write(c, 1, 0x40, PAIR_SRC, 100, PAIR_DST, a->mr_key);
    g_assert_true(fab_run_cqes(&f, c, 1, 30 * PAIR_SEC));
    pair_expect_cqe(c, 0x40, RDO_CQE_RDMA_WRITE, RDO_WC_RETRY_EXC_ERR);
    c2 = port_counters(a, 2);
    g_assert_cmpuint(c2.rx_drops, >=, 8);    /* first try and 7 retries */
    g_assert_cmpuint(c2.rx_drops, ==, c2.rx_packets);
    g_assert_cmpuint(port_counters(a, 1).rx_drops, ==, 0);
    /* Port 1's QP still works. */
    pair_fill(a, PAIR_SRC + 0x11, 3000, 5);
    post_write(a, 0, 0x41, PAIR_SRC + 0x11, 3000, PAIR_DST + 0x21, f.b.mr_key);
    g_assert_true(fab_run_cqes(&f, a, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x41, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    pair_assert_same(a, PAIR_SRC + 0x11, &f.b, PAIR_DST + 0x21, 3000);
    fab_free(&f);
}

/*
 * QUERY_PORT on A while traffic runs: the command's wait steps the whole
 * fabric (td_cmd would run A's clock alone, its peers' answers held back,
 * and its retransmit timers would run out meanwhile).
 */
static struct rdo_port_attr fab_port_attr(Fab *f, uint32_t port)
{
    TestDriver *d = f->a.d;
    uint64_t out = td_alloc(d, sizeof(struct rdo_port_attr), 8);
    struct rdo_cqp_cmd c = rdo_cmd_query(RDO_CMD_QUERY_PORT, port, out);
    uint32_t index = td_post(d, &c);
    struct rdo_port_attr a;

    td_ring_cqp(d);
    while (!rdo_owner_is_sw(td_comp(d, index).owner, index, TD_CQP_LOG)) {
        g_assert_true(fab_step(f, UINT64_MAX));
    }
    g_assert_cmpuint(td_comp(d, index).status, ==, RDO_CQP_OK);
    memcpy(&a, td_ptr(d, out), sizeof(a));
    return a;
}

/* The next EQ 0 entry of type `type`, skipping others. */
static struct rdo_eqe next_event(PairSide *s, uint8_t type)
{
    struct rdo_eqe e;

    do {
        e = td_eq0_next(s->d);
    } while (e.type && e.type != type);
    return e;
}

/*
 * Port 2's link goes down in the middle of both ports' transfers: port 1's
 * completes; the driver hears of port 2 (PORT_CHANGE, obj 2) and sees it
 * in QUERY_PORT and PORT2_STATUS; when it comes back port 2's transfer
 * completes too (retransmitted), every byte right.
 */
static void test_link_down(void)
{
    Fab f;
    PairSide *a = &f.a, *b = &f.b, *c = &f.c;
    const uint32_t len = 64 * 1024 + 5;
    struct rdo_eqe e;
    int i;

    fab_init(&f, false);
    fab_connect(a, a, 1, b, 0, 2);
    fab_connect(a, &f.a2, 2, c, 1, 3);
    pair_fill(a, PAIR_SRC + 1, len, 6);
    pair_fill(a, PAIR_SRC + 0x80003, len, 7);
    post_write(a, 0, 0x50, PAIR_SRC + 1, len, PAIR_DST + 0x10, b->mr_key);
    post_write(a, 1, 0x51, PAIR_SRC + 0x80003, len, PAIR_DST + 0x7, c->mr_key);
    /* Both under way: port 2 has sent, nothing has completed. */
    for (i = 0; !test_frames_count(&a->d->h->frames2); i++) {
        g_assert_true(fab_step(&f, UINT64_MAX));
    }
    g_assert_cmpuint(pair_cq_ready(a), ==, 0);
    rdo_core_set_port_link(&a->d->h->core, 2, false);
    e = next_event(a, RDO_EQE_PORT_CHANGE);
    g_assert_cmpuint(e.type, ==, RDO_EQE_PORT_CHANGE);
    g_assert_cmpuint(e.obj, ==, 2);
    g_assert_cmpuint(e.data, ==, 0);
    g_assert_cmpuint(fab_port_attr(&f, 2).link_up, ==, 0);
    g_assert_cmpuint(fab_port_attr(&f, 1).link_up, ==, 1);
    g_assert_cmphex(test_reg_read(a->d->h, RDO_REG_PORT2_STATUS), ==, 0);
    g_assert_cmphex(test_reg_read(a->d->h, RDO_REG_PORT_STATUS), ==,
                    RDO_PORT_LINK_UP);

    g_assert_true(fab_run_cqes(&f, a, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x50, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    pair_assert_same(a, PAIR_SRC + 1, b, PAIR_DST + 0x10, len);
    g_assert_cmpuint(pair_cq_ready(a), ==, 0);  /* port 2's waits */

    rdo_core_set_port_link(&a->d->h->core, 2, true);
    e = next_event(a, RDO_EQE_PORT_CHANGE);
    g_assert_cmpuint(e.obj, ==, 2);
    g_assert_cmphex(e.data, ==, RDO_PORT_LINK_UP);
    g_assert_true(fab_run_cqes(&f, a, 1, 10 * PAIR_SEC));
    pair_expect_cqe(a, 0x51, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    pair_assert_same(a, PAIR_SRC + 0x80003, c, PAIR_DST + 0x7, len);
    g_assert_cmpuint(a->d->h->core.cnt.retransmits, >=, 1);
    fab_free(&f);
}

/*
 * One adapter's two ports cabled to each other: a QP of port 1 talks to a
 * QP of port 2 through the wire, never through the internal loopback.
 */
static void test_cable(void)
{
    Fab f;
    PairSide *a = &f.a;
    const uint32_t len = 9000 + 1;
    RdoPairPath p1 = {
        .dmac = fab_mac2, .dest_qpn = 3, .sq_psn = 1, .rq_psn = 2,
        .path_mtu = MTU_1024, .timeout = PAIR_TIMEOUT, .port = 1,
    };
    RdoPairPath p2 = {
        .dmac = a->mac, .dest_qpn = 2, .sq_psn = 2, .rq_psn = 1,
        .path_mtu = MTU_1024, .timeout = PAIR_TIMEOUT, .port = 2,
    };
    uint64_t frames2;

    fab_init(&f, true);
    p1.dgid = f.a2.gid;
    p1.dmac = fab_mac2;
    p2.dmac = f.a.mac;
    p2.dgid = f.a.gid;
    rdo_pair_connect_one(&a->rdo, 0, 2, RDO_QPT_RC, 0, &p1);
    rdo_pair_connect_one(&a->rdo, 1, 3, RDO_QPT_RC, 0, &p2);
    pair_fill(a, PAIR_SRC + 3, len, 8);
    post_write(a, 0, 0x60, PAIR_SRC + 3, len, PAIR_DST + 0x101, a->mr_key);
    g_assert_true(fab_run_cqes(&f, a, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x60, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    pair_assert_same(a, PAIR_SRC + 3, a, PAIR_DST + 0x101, len);
    g_assert_cmpuint(a->d->h->core.cnt.loopback_frames, ==, 0);
    frames2 = port_counters(a, 2).rx_packets;
    g_assert_cmpuint(frames2, >=, 9);
    g_assert_cmpuint(port_counters(a, 2).tx_packets, >=, 1);  /* its ACKs */
    fab_free(&f);
}

/*
 * Port 2's state survives a save and load of the device (state section
 * 42): its MTU, GID table, link and counters, and a QP's port (in the QP
 * context); the port-2 connection goes on after it.
 */
static void test_migrate(void)
{
    Fab f;
    PairSide *a = &f.a, *c = &f.c;
    RdoCore *core;
    struct rdo_cqp_cmd cmd;
    struct rdo_port_counters before;
    g_autofree uint8_t *buf = NULL;
    g_autofree char *why = NULL;
    size_t len;

    fab_init(&f, false);
    core = &a->d->h->core;
    fab_connect(a, &f.a2, 2, c, 1, 3);
    cmd = rdo_cmd_new(RDO_CMD_SET_PORT, 2);
    cmd.u.set_port.mask = RDO_PORT_SET_MTU;
    cmd.u.set_port.mtu = 2000;
    rdo_pair_cmd_ok(&a->rdo, cmd);
    pair_fill(a, PAIR_SRC + 9, 5000, 9);
    post_write(a, 1, 0x70, PAIR_SRC + 9, 5000, PAIR_DST + 1, c->mr_key);
    g_assert_true(fab_run_cqes(&f, a, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x70, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    before = port_counters(a, 2);
    g_assert_cmpuint(before.tx_packets, >=, 5);

    buf = rdo_core_save(core, &len);
    /* The load resets first: what is asserted below came from the stream. */
    if (!rdo_core_load(core, buf, len, &why)) {
        g_error("load: %s", why);
    }
    g_assert_cmpuint(port_attr(a, 2).eth_mtu, ==, 2000);
    g_assert_cmpuint(port_attr(a, 2).link_up, ==, 1);
    g_assert_cmpuint(port_counters(a, 2).tx_packets, ==, before.tx_packets);

    pair_fill(a, PAIR_SRC + 0x10009, 5000, 10);
    post_write(a, 1, 0x71, PAIR_SRC + 0x10009, 5000, PAIR_DST + 0x10001,
               c->mr_key);
    g_assert_true(fab_run_cqes(&f, a, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x71, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    pair_assert_same(a, PAIR_SRC + 0x10009, c, PAIR_DST + 0x10001, 5000);
    /* It went by port 2, not port 1, from port 2's GID (C hears only
     * from the GID it was connected to). */
    g_assert_cmpuint(port_counters(a, 2).tx_packets, >=, before.tx_packets + 5);
    g_assert_cmpuint(port_counters(a, 1).tx_packets, ==, 0);
    fab_free(&f);
}

/* An ARP-sized frame (not RoCE) to `dst`, marked with `tag`. */
static void arp_frame(uint8_t *f, const uint8_t *dst, uint8_t tag)
{
    static const uint8_t src[6] = { 0x52, 0x54, 0x00, 0x99, 0x99, 0x99 };

    memset(f, tag, 60);
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    f[12] = 0x08;
    f[13] = 0x06;
}

/*
 * The Ethernet function per port: an RXQ takes the frames of its port
 * (create_eth_rxq.port), each port filters on its own MAC; a bad port
 * number is BAD_PARAM.
 */
static void test_eth(void)
{
    enum { CQN = 7, CQ_LOG = 4, RXQ_LOG = 2 };
    Fab f;
    TestDriver *d;
    uint64_t cq, ring[2], buf[2];
    struct rdo_cqp_cmd c;
    uint8_t frame[60];
    struct rdo_eth_cqe e;
    uint32_t ci = 0;

    fab_init(&f, true);
    d = f.a.d;
    cq = td_create_cq(d, CQN, CQ_LOG, 0, 0);
    for (uint32_t q = 0; q < 2; q++) {
        struct rdo_eth_rx_wqe w = { .wr_id = 0x100 + q, .length = 2048 };

        ring[q] = td_alloc(d, sizeof(w) << RXQ_LOG, 4096);
        buf[q] = td_alloc(d, 2048 + 64, 8) + 3;    /* not aligned */
        w.addr = buf[q];
        memcpy(td_ptr(d, ring[q]), &w, sizeof(w));
        c = rdo_cmd_create_eth_rxq(q, ring[q], RXQ_LOG, 0, 0, CQN);
        c.u.create_eth_rxq.port = q + 1;
        g_assert_cmpuint(td_cmd(d, &c).status, ==, RDO_CQP_OK);
        td_doorbell(d, 0, RDO_DB_ETH_RXQ, RDO_DB_VALUE(q, 0, 1));
    }
    c = rdo_cmd_create_eth_rxq(2, ring[0], RXQ_LOG, 0, 0, CQN);
    c.u.create_eth_rxq.port = 3;
    g_assert_cmpuint(td_cmd(d, &c).status, ==, RDO_CQP_BAD_PARAM);

    /* Port 1's MAC arriving on port 2: not port 2's, filtered. */
    arp_frame(frame, f.a.mac, 0x11);
    rdo_core_receive_port(&d->h->core, 2, frame, sizeof(frame));
    /* Port 2's frame: to RXQ 1 only. */
    arp_frame(frame, fab_mac2, 0x22);
    rdo_core_receive_port(&d->h->core, 2, frame, sizeof(frame));
    /* Port 1's: to RXQ 0. */
    arp_frame(frame, f.a.mac, 0x33);
    rdo_core_receive_port(&d->h->core, 1, frame, sizeof(frame));
    for (uint32_t want = 1; want < 3; want++) {
        uint32_t q = want == 1 ? 1 : 0;

        memcpy(&e, td_ptr(d, cq + (ci & ((1u << CQ_LOG) - 1)) * 32), sizeof(e));
        g_assert_true(rdo_owner_is_sw(e.owner, ci, CQ_LOG));
        ci++;
        g_assert_cmpuint(e.opcode, ==, RDO_CQE_ETH_RX);
        g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
        g_assert_cmpuint(e.queue, ==, q);
        g_assert_cmpuint(e.wr_id, ==, 0x100 + q);
        g_assert_cmpuint(e.byte_len, ==, 60);
        g_assert_cmpuint(((uint8_t *)td_ptr(d, buf[q]))[20], ==,
                         q == 1 ? 0x22 : 0x33);
    }
    memcpy(&e, td_ptr(d, cq + (ci & ((1u << CQ_LOG) - 1)) * 32), sizeof(e));
    g_assert_false(rdo_owner_is_sw(e.owner, ci, CQ_LOG));   /* no third */
    g_assert_cmpuint(d->h->core.cnt.eth_rx_filtered, ==, 1);
    fab_free(&f);
}

/* A TCP/IPv4 frame to `dst`, 10.0.0.1:sport -> 10.0.0.2:5001 (no payload). */
static void tcp4_frame(uint8_t *f, const uint8_t *dst, uint16_t sport)
{
    static const uint8_t hdr[] = {
        0x08, 0x00,                                     /* IPv4 */
        0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0,     /* 40 bytes, TCP */
        10, 0, 0, 1, 10, 0, 0, 2,
    };

    memset(f, 0, 60);
    memcpy(f, dst, 6);
    memcpy(f + 6, fab_mac2, 6);     /* any source will do */
    memcpy(f + 12, hdr, sizeof(hdr));
    f[34] = sport >> 8;
    f[35] = sport & 0xff;
    f[36] = 5001 >> 8;
    f[37] = 5001 & 0xff;
    f[46] = 5 << 4;                 /* TCP header of 20 bytes */
    f[47] = 0x10;                   /* ACK */
}

/*
 * RSS per port, as the guest driver lays the queues out on a two-port
 * device (docs/guest-driver.md "Two ports"; here two pairs per port):
 * port 1 has RXQs 0 and 1, port 2 RXQs 8 and 9. A frame goes to its
 * port's (hash mod 2)-th RXQ, never to the other port's; the same flow
 * on either port has the same hash and so the same place within its
 * port's share; a non-IP frame goes to the port's first RXQ.
 */
static void test_eth_rss(void)
{
    enum { CQN = 7, CQ_LOG = 6, RXQ_LOG = 4, NQ = 4 };
    static const uint32_t qns[NQ] = { 0, 1, 8, 9 };
    uint32_t hits[NQ] = { 0 }, ci = 0, first_hash[8];
    uint8_t frame[60];
    TestDriver *d;
    uint64_t cq;
    Fab f;

    fab_init(&f, true);
    d = f.a.d;
    cq = td_create_cq(d, CQN, CQ_LOG, 0, 0);
    for (uint32_t i = 0; i < NQ; i++) {
        uint64_t ring = td_alloc(d, sizeof(struct rdo_eth_rx_wqe) << RXQ_LOG, 4096);
        uint64_t bufs = td_alloc(d, 256 << RXQ_LOG, 8) + 3;    /* not aligned */
        struct rdo_cqp_cmd c;

        for (uint32_t k = 0; k < (1u << RXQ_LOG); k++) {
            struct rdo_eth_rx_wqe w = {
                .wr_id = qns[i] << 8 | k, .addr = bufs + 256 * k, .length = 128,
            };

            memcpy(td_ptr(d, ring + k * sizeof(w)), &w, sizeof(w));
        }
        c = rdo_cmd_create_eth_rxq(qns[i], ring, RXQ_LOG, 0, 0, CQN);
        c.u.create_eth_rxq.port = qns[i] < 8 ? 1 : 2;
        g_assert_cmpuint(td_cmd(d, &c).status, ==, RDO_CQP_OK);
        td_doorbell(d, 0, RDO_DB_ETH_RXQ, RDO_DB_VALUE(qns[i], 0, 1u << RXQ_LOG));
    }
    for (uint32_t port = 1; port <= 2; port++) {
        uint32_t base = port == 2 ? 8 : 0;

        for (uint32_t n = 0; n < 9; n++) {
            struct rdo_eth_cqe e;

            if (n < 8) {
                tcp4_frame(frame, port == 2 ? fab_mac2 : f.a.mac, 41000 + n);
            } else {
                arp_frame(frame, port == 2 ? fab_mac2 : f.a.mac, 0x44);
            }
            rdo_core_receive_port(&d->h->core, port, frame, sizeof(frame));
            memcpy(&e, td_ptr(d, cq + (ci & ((1u << CQ_LOG) - 1)) * 32), sizeof(e));
            g_assert_true(rdo_owner_is_sw(e.owner, ci, CQ_LOG));
            ci++;
            g_assert_cmpuint(e.opcode, ==, RDO_CQE_ETH_RX);
            g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
            g_assert_cmpuint(e.wr_id >> 8, ==, e.queue);
            if (n == 8) {
                g_assert_false(e.flags & RDO_ETH_CQE_F_RSS_HASH);
                g_assert_cmpuint(e.queue, ==, base);
                continue;
            }
            g_assert_true(e.flags & RDO_ETH_CQE_F_RSS_HASH);
            g_assert_cmpuint(e.queue, ==, base + e.rss_hash % 2);
            if (port == 1) {
                first_hash[n] = e.rss_hash;
            } else {
                g_assert_cmphex(e.rss_hash, ==, first_hash[n]);
            }
            for (uint32_t i = 0; i < NQ; i++) {
                hits[i] += qns[i] == e.queue;
            }
        }
    }
    for (uint32_t i = 0; i < NQ; i++) {
        g_assert_cmpuint(hits[i], >, 0);        /* every pair gets flows */
    }
    fab_free(&f);
}

/*
 * Arbitration (timing model): the ports share one transmit pipeline and
 * have a link each. With the default datapath both ports together move
 * twice what one does (each at its wire limit); with one half as wide the
 * pipeline bounds their sum (one frame built at a time: header cycles
 * plus its bytes), shared evenly, while one port alone still fills its
 * wire. The bench (bench-port2) has the full table.
 */
static void test_arbitration(void)
{
    const uint32_t msg = 64u << 10, total = 2u << 20;
    RdoTimingConfig tm = work_config(true, 200, RDO_DEFAULT_QPC_CACHE,
                                     RDO_DEFAULT_LOOKAHEAD).tm;
    double wire = work_wire_limit(200, 1024, msg);
    /* 1024 payload + 62 bytes of headers and ICRC, 32 bytes a cycle. */
    double build = tm.clock_mhz * 1e6 / (tm.cyc.hdr_build + (1086 + 31) / 32) *
                   1024 * 8 / 1e9;
    FabRun one, both;

    tm.pcie_gen = 5;
    one = fab_stream(&tm, MTU_1024, true, false, msg, 16, total);
    both = fab_stream(&tm, MTU_1024, true, true, msg, 16, total);
    g_assert_cmpfloat(one.sum_gbps, <=, wire);
    g_assert_cmpfloat(one.sum_gbps, >, 0.97 * wire);
    g_assert_cmpfloat(both.sum_gbps, >, 1.9 * one.sum_gbps);

    tm.bytes_per_cycle = 32;
    one = fab_stream(&tm, MTU_1024, false, true, msg, 16, total);
    both = fab_stream(&tm, MTU_1024, true, true, msg, 16, total);
    g_assert_cmpfloat(one.sum_gbps, >, 0.97 * wire);   /* below the bound */
    g_assert_cmpfloat(both.sum_gbps, <=, build);
    g_assert_cmpfloat(both.sum_gbps, >, 0.97 * build);
    g_assert_cmpfloat(both.gbps[0], >, 0.45 * both.sum_gbps);
    g_assert_cmpfloat(both.gbps[1], >, 0.45 * both.sum_gbps);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/port2/config", test_config);
    g_test_add_func("/port2/commands", test_commands);
    g_test_add_func("/port2/traffic", test_traffic);
    g_test_add_func("/port2/wrong-port", test_wrong_port);
    g_test_add_func("/port2/link-down", test_link_down);
    g_test_add_func("/port2/cable", test_cable);
    g_test_add_func("/port2/migrate", test_migrate);
    g_test_add_func("/port2/eth", test_eth);
    g_test_add_func("/port2/eth-rss", test_eth_rss);
    g_test_add_func("/port2/arbitration", test_arbitration);
    return g_test_run();
}
