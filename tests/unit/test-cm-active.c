/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The offloaded connection manager's active side (CM_CONNECT: the device
 * sends the REQ, takes the REP, sends the RTU), device to device with
 * both CMs, the REQ that crosses one of ours, the CM's cost in device
 * cycles, the internal loopback and migration of the CM's state. The
 * passive side's tests are in test-cm.c; the harness in cm-harness.c.
 */
#include "cm-harness.h"

/*
 * Device to device: A's CM connects (REQ with the RDMA CM header and A's
 * private data), B's answers from its pool, A's takes the REP, RTU; both
 * tables report the connection, data moves both ways; A disconnects
 * (DREQ, DREP), both report it and both QPs are in ERR.
 */
static void test_active(void)
{
    Cm *t = cm_new(NULL, RDO_CM_LISTEN_F_RDMA_CM, 1, 0);
    struct rdo_cm_entry *ea, *eb;
    struct rdo_cm_counters ca, cb;
    struct rdo_cqp_cmd cmd;
    uint32_t bq;

    a_listen(t);
    g_assert_cmpuint(a_cm_connect(t, 0, SID, 20, 3), ==, RDO_CQP_OK);
    pair_run(t->p, 1000000);
    ea = a_next_entry(t);
    eb = next_entry(t);
    g_assert_nonnull(ea);
    g_assert_nonnull(eb);
    g_assert_cmpuint(ea->type, ==, RDO_CM_ENTRY_ESTABLISHED);
    g_assert_cmpuint(eb->type, ==, RDO_CM_ENTRY_ESTABLISHED);
    bq = eb->qpn;
    g_assert_cmpuint(ea->qpn, ==, 2);
    g_assert_cmpuint(ea->peer_qpn, ==, bq);
    g_assert_cmpuint(eb->peer_qpn, ==, 2);
    g_assert_cmpuint(ea->sq_psn, ==, eb->rq_psn);
    g_assert_cmpuint(ea->rq_psn, ==, eb->sq_psn);
    g_assert_cmpuint(ea->peer_port, ==, SID_PORT);
    g_assert_cmpuint(eb->peer_port, ==, A_PORT);
    g_assert_cmpmem(ea->peer_gid, 16, t->b->gid, 16);
    g_assert_cmpmem(eb->peer_gid, 16, t->a->gid, 16);
    g_assert_cmpuint(eb->flags, ==, RDO_CM_ENTRY_F_RDMA_CM);
    g_assert_cmpuint(eb->private_data[0], ==, 0xc0);
    g_assert_cmpuint(eb->private_data[19], ==, 0xc0 + 19);
    g_assert_cmpuint(eb->private_data[20], ==, 0);
    /* Both listeners offer 4 and 4. */
    g_assert_cmpuint(ea->responder_resources, ==, 4);
    g_assert_cmpuint(ea->initiator_depth, ==, 4);
    g_assert_cmpuint(pair_query_qp(t->a, 2).state, ==, RDO_QPS_RTS);
    move_data(t, 0, bq);
    cmd = td_cmd_of(RDO_CMD_CM_DISCONNECT, 0);
    cmd.u.cm_pool.qpn = 2;
    g_assert_cmpuint(td_cmd(t->a->d, &cmd).status, ==, RDO_CQP_OK);
    g_assert_cmpuint(td_cmd(t->a->d, &cmd).status, ==, RDO_CQP_BAD_STATE);
    pair_run(t->p, 1000000);
    g_assert_cmpuint(a_next_entry(t)->type, ==, RDO_CM_ENTRY_DISCONNECTED);
    g_assert_cmpuint(next_entry(t)->type, ==, RDO_CM_ENTRY_DISCONNECTED);
    g_assert_cmpuint(pair_query_qp(t->a, 2).state, ==, RDO_QPS_ERR);
    g_assert_cmpuint(pair_query_qp(t->b, bq).state, ==, RDO_QPS_ERR);
    ca = side_counters(t->a);
    cb = side_counters(t->b);
    g_assert_cmpuint(ca.reqs_sent, ==, 1);
    g_assert_cmpuint(ca.reps_received, ==, 1);
    g_assert_cmpuint(ca.established, ==, 1);
    g_assert_cmpuint(ca.dreqs_sent, ==, 1);
    g_assert_cmpuint(ca.drep_received, ==, 1);
    g_assert_cmpuint(ca.disconnected, ==, 1);
    g_assert_cmpuint(ca.mads_sent, ==, 3);      /* REQ, RTU, DREQ */
    g_assert_cmpuint(cb.established, ==, 1);
    g_assert_cmpuint(cb.dreq_received, ==, 1);
    g_assert_cmpuint(cb.drep_sent, ==, 1);
    g_assert_cmpuint(cb.disconnected, ==, 1);
    g_assert_cmpuint(cb.mads_sent, ==, 2);      /* REP, DREP */
    /* Connecting an established or pooled QP, or with bad values. */
    g_assert_cmpuint(a_cm_connect(t, 1, SID, 57, 3), ==, RDO_CQP_BAD_PARAM);
    cm_free(t);
}

/*
 * B connects to A (its REQ unanswered: remote communication ID not known
 * yet) while A's CM asks B for a connection with communication ID 0: the
 * REQ is a new one, not a repeat of B's own (found by the CM fuzzer).
 */
static void test_req_while_connecting(void)
{
    Cm *t = cm_new(NULL, RDO_CM_LISTEN_F_RDMA_CM, 1, 0);
    Req r = req_default(0);
    Mad *rep;

    g_assert_cmpuint(side_cm_connect(t->b, t->a, POOL, SID, 0, 3), ==,
                     RDO_CQP_OK);
    pair_run(t->p, 20000);
    g_assert_cmpuint(t->from_b->len, ==, 1);
    g_assert_cmphex(get16(last_from_b(t)->b + 16), ==, 0x0010);
    r.comm_id = 0;
    send_mad(t, (Mad[]){ req_mad(t, &r) });
    g_assert_cmpuint(t->from_b->len, ==, 2);
    rep = last_from_b(t);
    g_assert_cmphex(get16(rep->b + 16), ==, 0x0013);
    g_assert_cmphex(get32(rep->b + 24 + 4), ==, 0);
    g_assert_cmpuint(cm_counters(t).reqs_dup, ==, 0);
    cm_free(t);
}

/* The active side's failures: refused (REJ 8 -> ABORTED with reason 8),
 * no answer at all (REQ retries, then ABORTED, reason 4), and a lost RTU
 * (B's REP again, A's RTU again). */
static void test_active_failures(void)
{
    Cm *t = cm_new(NULL, 0, 1, 0);
    struct rdo_cm_entry *e;
    struct rdo_cm_counters ca;

    a_listen(t);
    g_assert_cmpuint(a_cm_connect(t, 0, SID + 7, 0, 3), ==, RDO_CQP_OK);
    pair_run(t->p, 1000000);
    e = a_next_entry(t);
    g_assert_cmpuint(e->type, ==, RDO_CM_ENTRY_ABORTED);
    g_assert_cmpuint(e->reason, ==, RDO_CM_REJ_INVALID_SERVICE_ID);
    g_assert_cmpuint(pair_query_qp(t->a, 2).state, ==, RDO_QPS_ERR);
    /* B's answers lost: three REQs again, then given up. */
    t->drop_b = true;
    g_assert_cmpuint(a_cm_connect(t, 1, SID, 0, 3), ==, RDO_CQP_OK);
    pair_run(t->p, 10 * PAIR_SEC);
    e = a_next_entry(t);
    g_assert_cmpuint(e->type, ==, RDO_CM_ENTRY_ABORTED);
    g_assert_cmpuint(e->reason, ==, RDO_CM_REJ_TIMEOUT);
    g_assert_cmpuint(e->qpn, ==, 3);
    ca = side_counters(t->a);
    g_assert_cmpuint(ca.req_dreq_retries, ==, 3);
    g_assert_cmpuint(ca.req_timeouts, ==, 1);
    g_assert_cmpuint(ca.rej_received, ==, 1);
    g_assert_cmpuint(t->a->d->h->class_count[RDO_GE_CM_TIMEOUT], ==, 1);
    /* B took the four REQs as one (repeats), and its REP timed out. */
    g_assert_cmpuint(side_counters(t->b).reqs_dup, ==, 3);
    /* A lost RTU: B sends its REP again, A its RTU again. */
    t->drop_b = false;
    t->drop_a_attr = 0x0014;
    g_assert_cmpuint(a_cm_connect(t, 2, SID, 0, 3), ==, RDO_CQP_OK);
    pair_run(t->p, PAIR_SEC);
    g_assert_cmpuint(a_next_entry(t)->type, ==, RDO_CM_ENTRY_ESTABLISHED);
    ca = side_counters(t->a);
    g_assert_cmpuint(ca.reps_received, ==, 2);
    g_assert_cmpuint(ca.established, ==, 1);
    g_assert_cmpuint(side_counters(t->b).established, ==, 1);
    cm_free(t);
}

/*
 * What a connection costs the host and the device: 64 connections
 * (REQ, REP, RTU) with a batch of 16 take no control command and one
 * interrupt per batch (the driver re-arms EQ 0 after each); the timing
 * model's receive engine is busy cycles-cm and the parse per MAD. The
 * numbers go to the log (g_test_message); the bench row against
 * host ib_cm needs the guest driver (a later slice).
 */
static void test_cost(void)
{
    RdoConfig cfg = test_host_default_config();
    Cm *t;
    TestHost *hb;
    uint32_t cmds0, irqs0, last = 0, conns = 64;
    uint64_t busy0;
    int events = 0;

    cfg.tm.on = true;
    t = cm_new(&cfg, RDO_CM_LISTEN_F_RECYCLE, 16, 1000);
    hb = t->b->d->h;
    for (int i = POOL; i < 64; i++) {
        rdo_pair_create_qp(&t->b->rdo, i, 2 + i, RDO_QPT_RC, 0);
        g_assert_cmpuint(pool_add(t, 2 + i), ==, RDO_CQP_OK);
    }
    /* EQ 0 armed, nothing waiting in it. */
    while (td_eq0_next(t->b->d).type) {
    }
    td_doorbell(t->b->d, 0, RDO_DB_EQ, RDO_DB_VALUE(0, RDO_DB_EQ_ARM,
                                                    t->b->d->eq0_ci));
    cmds0 = pair_cnt(t->b, RDO_REG_CNT_CQP_CMDS);
    irqs0 = hb->irqs[0];
    rdo_tm_sync(&hb->core);
    busy0 = hb->core.tcnt.rx_busy_cycles;
    for (uint32_t n = 0; n < conns; n++) {
        Req r = req_default(n);

        send_mad(t, (Mad[]){ req_mad(t, &r) });
        g_assert_cmphex(get16(last_from_b(t)->b + 16), ==, 0x0013);
        send_rtu(t, &r, last_from_b(t));
        if (hb->irqs[0] > irqs0 + events) {
            events += cm_events(t, &last);
            td_doorbell(t->b->d, 0, RDO_DB_EQ,
                        RDO_DB_VALUE(0, RDO_DB_EQ_ARM, t->b->d->eq0_ci));
            while (next_entry(t)) {
            }
        }
    }
    g_assert_cmpuint(pair_cnt(t->b, RDO_REG_CNT_CQP_CMDS), ==, cmds0);
    g_assert_cmpuint(cm_counters(t).established, ==, conns);
    g_assert_cmpuint(events, ==, conns / 16);
    g_assert_cmpuint(hb->irqs[0] - irqs0, ==, conns / 16);
    g_assert_cmpuint(last, ==, conns);
    rdo_tm_sync(&hb->core);
    g_test_message("%u connections: 0 control commands, %u interrupts, "
                   "%" PRIu64 " receive-engine cycles per connection "
                   "(REQ and RTU, cycles-cm %u)", conns, hb->irqs[0] - irqs0,
                   (hb->core.tcnt.rx_busy_cycles - busy0) / conns,
                   cfg.tm.cyc.cm);
    cm_free(t);
}

/*
 * A device connecting to itself (its own GID and MAC: the port's internal
 * loopback): its active side and its passive side on different QPs of
 * one CM, one table holding both ends' entries.
 */
static void test_loopback(void)
{
    Cm *t = cm_new(NULL, RDO_CM_LISTEN_F_RDMA_CM, 1, 0);
    struct rdo_cqp_cmd cmd = td_cmd_of(RDO_CMD_CM_CONNECT, 0);
    struct rdo_cmd_cm_connect *c = &cmd.u.cm_connect;
    struct rdo_cm_entry e[2];

    rdo_pair_create_qp(&t->b->rdo, 20, 22, RDO_QPT_RC, 0);
    c->service_id = SID;
    c->qpn = 22;
    c->access = RDO_ACCESS__ALL;
    memcpy(c->dgid, t->b->gid, 16);
    memcpy(c->dmac, t->b->mac, 6);
    c->path_mtu = RDO_MTU_4096 - 2;
    c->timeout = PAIR_TIMEOUT;
    c->cm_timeout = 16;
    c->max_cm_retries = 2;
    g_assert_cmpuint(td_cmd(t->b->d, &cmd).status, ==, RDO_CQP_OK);
    pair_run(t->p, 1000000);
    for (int i = 0; i < 2; i++) {
        struct rdo_cm_entry *n = next_entry(t);

        g_assert_nonnull(n);
        e[i] = *n;
        g_assert_cmpuint(e[i].type, ==, RDO_CM_ENTRY_ESTABLISHED);
    }
    g_assert_null(next_entry(t));
    /* The active end reports first (it sends the RTU), then the pool QP. */
    g_assert_cmpuint(e[0].qpn, ==, 22);
    g_assert_cmpuint(e[0].peer_qpn, ==, e[1].qpn);
    g_assert_cmpuint(e[1].peer_qpn, ==, 22);
    g_assert_cmpuint(pair_query_qp(t->b, 22).state, ==, RDO_QPS_RTS);
    g_assert_cmpuint(pair_query_qp(t->b, e[1].qpn).state, ==, RDO_QPS_RTS);
    g_assert_cmpuint(t->from_b->len, ==, 0);     /* nothing on the wire */
    cm_free(t);
}

/*
 * The CM's state migrates (the state stream): with one connection
 * established and one waiting for its RTU, B is saved and loaded (and
 * saves the same again); the RTU then completes the waiting one, a DREQ
 * ends the other, the pool still answers, the counters went on.
 */
static void test_migrate(void)
{
    Cm *t = cm_new(NULL, 0, 1, 0);
    RdoCore *core = &t->b->d->h->core;
    Req r0 = req_default(0), r1 = req_default(1), r2 = req_default(2);
    Mad rep0, rep1;
    uint8_t *buf, *again;
    size_t len, len2;
    char *why = NULL;

    r1.cm_tmo = 20;
    cm_connect_one(t, &r0);
    rep0 = *last_from_b(t);
    send_mad(t, (Mad[]){ req_mad(t, &r1) });
    rep1 = *last_from_b(t);
    g_assert_cmpuint(next_entry(t)->type, ==, RDO_CM_ENTRY_ESTABLISHED);
    buf = rdo_core_save(core, &len);
    if (!rdo_core_load(core, buf, len, &why)) {
        g_error("load refused: %s", why);
    }
    again = rdo_core_save(core, &len2);
    g_assert_cmpmem(buf, len, again, len2);
    /* A stream cut inside the CM's section is refused. */
    g_assert_false(rdo_core_load(core, buf, len - 40, &why));
    g_free(why);
    g_assert_true(rdo_core_load(core, buf, len, &why));
    send_rtu(t, &r1, &rep1);
    g_assert_cmpuint(next_entry(t)->type, ==, RDO_CM_ENTRY_ESTABLISHED);
    send_mad(t, (Mad[]){ dreq_mad(&r0, &rep0, get24(rep0.b + 24 + 12)) });
    g_assert_cmphex(get16(last_from_b(t)->b + 16), ==, 0x0016);
    g_assert_cmpuint(next_entry(t)->type, ==, RDO_CM_ENTRY_DISCONNECTED);
    send_mad(t, (Mad[]){ req_mad(t, &r2) });
    g_assert_cmphex(get16(last_from_b(t)->b + 16), ==, 0x0013);
    g_assert_cmpuint(cm_counters(t).reqs, ==, 3);
    g_assert_cmpuint(cm_counters(t).established, ==, 2);
    g_free(buf);
    g_free(again);
    cm_free(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cm/active", test_active);
    g_test_add_func("/cm/active-failures", test_active_failures);
    g_test_add_func("/cm/req-while-connecting", test_req_while_connecting);
    g_test_add_func("/cm/cost", test_cost);
    g_test_add_func("/cm/loopback", test_loopback);
    g_test_add_func("/cm/migrate", test_migrate);
    return g_test_run();
}
