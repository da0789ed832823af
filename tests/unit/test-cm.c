/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The offloaded connection manager (cm/), the passive side (the active
 * side: test-cm-active.c; the harness: cm-harness.c): side B listens with
 * a pool of prepared RC QPs; side A plays an RDMA CM client with MADs the
 * test builds byte by byte from the IB spec (independently of the
 * device's own encoder), reads B's answers off the wire, connects its own
 * QP with them and moves data over the connection. Every bad input of
 * issue 17: malformed, truncated and out-of-order MADs, unknown service
 * IDs, REQ floods beyond the pool, a peer that never sends the RTU, a
 * private-data header that lies; each answered per IB CM, counted and
 * traced, the pool consistent.
 */
#include "cm-harness.h"

/*
 * Connections made by the device: each REP names a pool QP with the
 * negotiated attributes, the RTU completes it, the table has an entry per
 * connection (QP, peer, private data, PSNs), the QP is in RTS towards the
 * peer and carries data both ways.
 */
static void test_establish(void)
{
    Cm *t = cm_new(NULL, RDO_CM_LISTEN_F_RDMA_CM, 1, 0);
    uint32_t seen[3], last = 0;

    for (uint32_t n = 0; n < 3; n++) {
        Req r = req_default(n);
        const uint8_t *d;
        struct rdo_cm_entry *e;
        struct rdo_qp_attr qa;
        Mad rep;

        seen[n] = cm_connect_one(t, &r);
        rep = g_array_index(t->from_b, Mad, n);
        d = rep.b + 24;
        g_assert_cmphex(get32(rep.b + 8 + 4), ==, r.comm_id);  /* tid */
        g_assert_cmphex(get32(d + 4), ==, r.comm_id);
        g_assert_cmpuint(get32(d) & 0xfffff, ==, seen[n]);
        g_assert_cmpuint(d[24], ==, 2);     /* min(their depth 2, our 4) */
        g_assert_cmpuint(d[25], ==, 4);     /* min(their resources 8, our 4) */
        g_assert_cmpuint(d[27] >> 5, ==, 7);
        for (uint32_t k = 0; k < n; k++) {
            g_assert_cmpuint(seen[k], !=, seen[n]);
        }
        e = next_entry(t);
        g_assert_nonnull(e);
        g_assert_cmpuint(e->type, ==, RDO_CM_ENTRY_ESTABLISHED);
        g_assert_cmpuint(e->qpn, ==, seen[n]);
        g_assert_cmpuint(e->peer_qpn, ==, r.qpn);
        g_assert_cmpuint(e->peer_port, ==, A_PORT);
        g_assert_cmpmem(e->peer_gid, 16, t->a->gid, 16);
        g_assert_cmpmem(e->peer_mac, 6, t->a->mac, 6);
        /* B sends with the REQ's starting PSN and receives with its REP's. */
        g_assert_cmpuint(e->sq_psn, ==, r.psn);
        g_assert_cmpuint(e->rq_psn, ==, get24(d + 20));
        g_assert_cmpuint(e->private_len, ==, RDO_CM_PRIVATE_LEN);
        g_assert_cmpuint(e->flags, ==, RDO_CM_ENTRY_F_RDMA_CM);
        g_assert_cmpuint(e->private_data[0], ==, (uint8_t)(r.comm_id + 36));
        g_assert_cmpuint(e->private_data[55], ==, (uint8_t)(r.comm_id + 91));
        g_assert_cmpuint(e->time_ns, >, 0);
        g_assert_cmpuint(e->time_ns, <=, t->b->d->h->now_ns);
        g_assert_cmpuint(cm_events(t, &last), ==, 1);
        g_assert_cmpuint(last, ==, n + 1);
        qa = pair_query_qp(t->b, seen[n]);
        g_assert_cmpuint(qa.state, ==, RDO_QPS_RTS);
        g_assert_cmpuint(qa.dest_qpn, ==, r.qpn);
        g_assert_cmpuint(qa.sq_psn, ==, r.psn);
        g_assert_cmpuint(qa.rq_psn, ==, get24(d + 20));
        g_assert_cmpuint(qa.path_mtu, ==, r.mtu);
        g_assert_cmpuint(qa.max_rd_atomic, ==, 4);
        g_assert_cmpuint(qa.max_dest_rd_atomic, ==, 2);
        g_assert_cmpmem(qa.dgid, 16, t->a->gid, 16);
        move_data(t, n, seen[n]);
    }
    g_assert_null(next_entry(t));
    struct rdo_cm_counters c = cm_counters(t);
    g_assert_cmpuint(c.reqs, ==, 3);
    g_assert_cmpuint(c.established, ==, 3);
    g_assert_cmpuint(c.established_by_data, ==, 0);
    g_assert_cmpuint(c.entries, ==, 3);
    g_assert_cmpuint(c.events, ==, 3);
    g_assert_cmpuint(c.mads_sent, ==, 3);
    g_assert_cmpuint(c.mads_received, ==, 6);
    g_assert_cmpuint(c.rej_sent, ==, 0);
    cm_free(t);
}

/*
 * Bulk notification: with a batch of 4 and a delay of 1 ms, six
 * connections in a row give one event when the fourth is made and one
 * for the other two 1 ms after the fifth; the entries are all there.
 */
static void test_batch(void)
{
    Cm *t = cm_new(NULL, 0, 4, 1000);
    uint32_t last = 0;
    uint64_t fifth_at = 0;

    for (int i = POOL; i < 6; i++) {
        rdo_pair_create_qp(&t->b->rdo, i, 2 + i, RDO_QPT_RC, 0);
        g_assert_cmpuint(pool_add(t, 2 + i), ==, RDO_CQP_OK);
    }
    /* REQ, REP, RTU only (A's QPs would take a command's time each). */
    for (uint32_t n = 0; n < 6; n++) {
        Req r = req_default(n);

        send_mad(t, (Mad[]){ req_mad(t, &r) });
        send_rtu(t, &r, last_from_b(t));
        if (n < 3) {
            g_assert_cmpuint(cm_events(t, &last), ==, 0);
        } else if (n == 3) {
            g_assert_cmpuint(cm_events(t, &last), ==, 1);
            g_assert_cmpuint(last, ==, 4);
        } else if (n == 4) {
            fifth_at = cm_entry_at(t, 4)->time_ns;
        }
    }
    g_assert_cmpuint(cm_entry_at(t, 5)->time_ns - fifth_at, <, 1000000);
    g_assert_cmpuint(cm_events(t, &last), ==, 0);
    pair_run(t->p, 2000000);
    g_assert_cmpuint(cm_events(t, &last), ==, 1);
    g_assert_cmpuint(last, ==, 6);
    for (int i = 0; i < 6; i++) {
        g_assert_nonnull(next_entry(t));
    }
    g_assert_cmpuint(cm_counters(t).events, ==, 2);
    cm_free(t);
}

/*
 * A REQ sent again (our REP lost): the same REP again, no second QP; an
 * RTU then makes one connection. A REQ repeated after that: nothing.
 */
static void test_dup_req(void)
{
    Cm *t = cm_new(NULL, RDO_CM_LISTEN_F_RDMA_CM, 1, 0);
    Req r = req_default(0);
    Mad req = req_mad(t, &r), rep;
    struct rdo_cm_counters c;

    send_mad(t, &req);
    send_mad(t, &req);
    g_assert_cmpuint(t->from_b->len, ==, 2);
    g_assert_cmpmem(g_array_index(t->from_b, Mad, 0).b, 256,
                    g_array_index(t->from_b, Mad, 1).b, 256);
    rep = *last_from_b(t);
    a_connect(t, &r, &rep);
    send_rtu(t, &r, &rep);
    send_mad(t, &req);
    g_assert_cmpuint(t->from_b->len, ==, 2);
    c = cm_counters(t);
    g_assert_cmpuint(c.reqs, ==, 3);
    g_assert_cmpuint(c.reqs_dup, ==, 2);
    g_assert_cmpuint(c.established, ==, 1);
    g_assert_nonnull(next_entry(t));
    g_assert_null(next_entry(t));
    move_data(t, 0, get24(rep.b + 24 + 12));
    cm_free(t);
}

/*
 * A peer that never sends the RTU: the REP goes again max_cm_retries
 * times, then a REJ (timeout, for the REP) and the QP is given up: an
 * ABORTED entry, the QP flushed into ERR; with RECYCLE it is back in the
 * pool in INIT and the next REQ gets it.
 */
static void check_no_rtu(bool recycle)
{
    Cm *t = cm_new(NULL, recycle ? RDO_CM_LISTEN_F_RECYCLE : 0, 1, 0);
    Req r = req_default(0);
    struct rdo_cm_counters c;
    struct rdo_cm_entry *e;
    struct rdo_cqe cqe;
    uint32_t qpn;
    Mad *rej;

    send_mad(t, (Mad[]){ req_mad(t, &r) });
    qpn = get24(last_from_b(t)->b + 24 + 12);
    pair_run(t->p, 100 * 1000000ull);
    /* REP, two more, REJ. */
    g_assert_cmpuint(t->from_b->len, ==, 4);
    g_assert_cmpmem(g_array_index(t->from_b, Mad, 0).b, 256,
                    g_array_index(t->from_b, Mad, 2).b, 256);
    rej = last_from_b(t);
    g_assert_cmphex(get16(rej->b + 16), ==, 0x0012);
    g_assert_cmphex(get32(rej->b + 24 + 4), ==, r.comm_id);
    g_assert_cmpuint(rej->b[24 + 8] >> 6, ==, 1);          /* the REP */
    g_assert_cmpuint(get16(rej->b + 24 + 10), ==, RDO_CM_REJ_TIMEOUT);
    e = next_entry(t);
    g_assert_nonnull(e);
    g_assert_cmpuint(e->type, ==, RDO_CM_ENTRY_ABORTED);
    g_assert_cmpuint(e->reason, ==, RDO_CM_REJ_TIMEOUT);
    g_assert_cmpuint(e->qpn, ==, qpn);
    g_assert_cmpuint(!!(e->flags & RDO_CM_ENTRY_F_RECYCLED), ==, recycle);
    c = cm_counters(t);
    g_assert_cmpuint(c.rep_retries, ==, 2);
    g_assert_cmpuint(c.rej_timeout, ==, 1);
    g_assert_cmpuint(c.aborted, ==, 1);
    g_assert_cmpuint(c.established, ==, 0);
    g_assert_cmpuint(t->b->d->h->class_count[RDO_GE_CM_TIMEOUT], ==, 1);
    /* The receive posted on it flushed. */
    cqe = pair_poll(t->b);
    g_assert_cmpuint(cqe.qpn, ==, qpn);
    g_assert_cmpuint(cqe.status, ==, RDO_WC_WR_FLUSH_ERR);
    g_assert_cmpuint(pair_query_qp(t->b, qpn).state, ==,
                     recycle ? RDO_QPS_INIT : RDO_QPS_ERR);
    /* All four QPs can still be connected (three without RECYCLE). */
    for (uint32_t n = 1; n <= POOL; n++) {
        Req q = req_default(n);

        send_mad(t, (Mad[]){ req_mad(t, &q) });
        g_assert_cmphex(get16(last_from_b(t)->b + 16), ==,
                        n < POOL || recycle ? 0x0013 : 0x0012);
    }
    cm_free(t);
}

static void test_no_rtu(void)
{
    check_no_rtu(false);
}

static void test_no_rtu_recycle(void)
{
    check_no_rtu(true);
}

/* A REJ from B for `req`: its reason; also checks it names the REQ. */
static uint16_t rej_reason(Cm *t, const Req *r)
{
    Mad *m = last_from_b(t);

    g_assert_cmphex(get16(m->b + 16), ==, 0x0012);
    g_assert_cmphex(get32(m->b + 24 + 4), ==, r->comm_id);
    g_assert_cmpuint(m->b[24 + 8] >> 6, ==, 0);            /* the REQ */
    return get16(m->b + 24 + 10);
}

/*
 * REQs refused, each with its REJ reason, counter and guest-error class,
 * and no QP taken: no listener for the service ID, not RC, a bad MTU, an
 * RDMA CM header that lies (version, IP version, a destination that is
 * not the listener's), a full notification table, an empty pool.
 */
static void test_refused(void)
{
    Cm *t = cm_new(NULL, RDO_CM_LISTEN_F_RDMA_CM, 1, 0);
    TestHost *hb = t->b->d->h;
    static const uint8_t other_ip[4] = { 10, 9, 9, 9 };
    struct rdo_cm_counters c;
    Req r;

    r = req_default(0);
    r.sid = SID + 1;
    send_mad(t, (Mad[]){ req_mad(t, &r) });
    g_assert_cmpuint(rej_reason(t, &r), ==, RDO_CM_REJ_INVALID_SERVICE_ID);
    r = req_default(1);
    r.transport = 1;                    /* UC */
    send_mad(t, (Mad[]){ req_mad(t, &r) });
    g_assert_cmpuint(rej_reason(t, &r), ==, RDO_CM_REJ_INVALID_TRANSPORT_TYPE);
    r = req_default(2);
    r.mtu = 7;
    send_mad(t, (Mad[]){ req_mad(t, &r) });
    g_assert_cmpuint(rej_reason(t, &r), ==, RDO_CM_REJ_INVALID_MTU);
    r = req_default(3);
    r.cma_version = 1;
    send_mad(t, (Mad[]){ req_mad(t, &r) });
    g_assert_cmpuint(rej_reason(t, &r), ==, RDO_CM_REJ_CONSUMER_DEFINED);
    r = req_default(4);
    r.ip_version = 5;
    send_mad(t, (Mad[]){ req_mad(t, &r) });
    g_assert_cmpuint(rej_reason(t, &r), ==, RDO_CM_REJ_CONSUMER_DEFINED);
    r = req_default(5);
    r.dst_ip = other_ip;
    send_mad(t, (Mad[]){ req_mad(t, &r) });
    g_assert_cmpuint(rej_reason(t, &r), ==, RDO_CM_REJ_CONSUMER_DEFINED);
    g_assert_cmpuint(hb->class_count[RDO_GE_CM_REQ_REFUSED], ==, 6);
    c = cm_counters(t);
    g_assert_cmpuint(c.rej_no_listener, ==, 1);
    g_assert_cmpuint(c.rej_other, ==, 2);
    g_assert_cmpuint(c.rej_bad_private, ==, 3);
    g_assert_cmpuint(c.rej_sent, ==, 6);
    g_assert_cmpuint(c.reqs, ==, 5);    /* the first named no listener */
    /* Nothing taken from the pool: four connections still go. */
    for (uint32_t n = 10; n < 10 + POOL; n++) {
        Req q = req_default(n);

        q.qpn = 2 + n - 10;
        cm_connect_one(t, &q);
    }
    g_assert_cmpuint(cm_counters(t).established, ==, POOL);
    r = req_default(20);
    send_mad(t, (Mad[]){ req_mad(t, &r) });
    g_assert_cmpuint(rej_reason(t, &r), ==, RDO_CM_REJ_NO_QP);
    g_assert_cmpuint(cm_counters(t).rej_no_qp, ==, 1);
    cm_free(t);
}

/*
 * Connection n made and torn down with MADs alone (REQ, RTU, DREQ): two
 * entries. False if B refused the REQ.
 */
static bool open_close(Cm *t, Req *r)
{
    Mad m, rep;

    r->qpn = 2 + (r->comm_id % POOL);
    send_mad(t, (Mad[]){ req_mad(t, r) });
    rep = *last_from_b(t);
    if (get16(rep.b + 16) == 0x0012) {
        return false;
    }
    mad_hdr(&m, 0x0014, 1);
    be32(mad_data(&m), r->comm_id);
    be32(mad_data(&m) + 4, get32(rep.b + 24));
    send_mad(t, &m);                            /* RTU */
    mad_hdr(&m, 0x0015, 2);
    be32(mad_data(&m), r->comm_id);
    be32(mad_data(&m) + 4, get32(rep.b + 24));
    be24(mad_data(&m) + 8, get24(rep.b + 24 + 12));
    send_mad(t, &m);                            /* DREQ */
    return true;
}

/*
 * The notification table full (the driver consumed nothing): a REQ is
 * refused with "no resources" until the driver moves its consumer index.
 */
static void test_table_full(void)
{
    RdoConfig cfg = test_host_default_config();
    Cm *t;
    int made = 0;

    t = cm_new(&cfg, RDO_CM_LISTEN_F_RECYCLE, 1, 0);
    /* Each connection made and torn down takes two entries; a 16-entry
     * table holds eight of them. */
    for (uint32_t n = 0; n < 12; n++) {
        Req r = req_default(n);

        if (!open_close(t, &r)) {
            g_assert_cmpuint(rej_reason(t, &r), ==, RDO_CM_REJ_NO_RESOURCES);
            break;
        }
        made++;
    }
    g_assert_cmpuint(made, ==, 8);
    g_assert_cmpuint(cm_counters(t).rej_no_resources, ==, 1);
    /* A consumer index beyond what was written: the driver's mistake,
     * the table counts as full. */
    *(uint32_t *)td_ptr(t->b->d, t->ci_addr) = 1000;
    Req r = req_default(40);
    send_mad(t, (Mad[]){ req_mad(t, &r) });
    g_assert_cmpuint(rej_reason(t, &r), ==, RDO_CM_REJ_NO_RESOURCES);
    g_assert_cmpuint(t->b->d->h->class_count[RDO_GE_CM_TABLE], ==, 1);
    /* The driver reads them all: room again. */
    while (next_entry(t)) {
    }
    g_assert_cmpuint(t->entries_read, ==, 16);
    r = req_default(41);
    send_mad(t, (Mad[]){ req_mad(t, &r) });
    g_assert_cmphex(get16(last_from_b(t)->b + 16), ==, 0x0013);
    g_assert_cmpuint(cm_counters(t).rej_no_resources, ==, 2);
    cm_free(t);
}

/*
 * REPs waiting for their RTU hold a place in the table each. The driver
 * consumed every entry but the device has not needed its consumer index
 * yet: with the entries written and the places held filling the table,
 * the device reads the index again before it refuses a REQ (it used to
 * read it only once the entries written alone filled the table, and
 * refused the third of three clients at once below; seen with 16 stock
 * rdma_clients connecting at once).
 */
static void test_table_reread(void)
{
    Cm *t = cm_new(NULL, RDO_CM_LISTEN_F_RECYCLE, 1, 0);

    for (uint32_t n = 0; n < 7; n++) {
        Req r = req_default(n);

        g_assert_true(open_close(t, &r));
    }
    while (next_entry(t)) {
    }
    g_assert_cmpuint(t->entries_read, ==, 14);
    /* Three REQs whose RTUs have not come: 14 written + 2 held. */
    for (uint32_t n = 7; n < 10; n++) {
        Req r = req_default(n);

        r.qpn = 2 + n % POOL;
        send_mad(t, (Mad[]){ req_mad(t, &r) });
        g_assert_cmphex(get16(last_from_b(t)->b + 16), ==, 0x0013);
    }
    g_assert_cmpuint(cm_counters(t).rej_no_resources, ==, 0);
    g_assert_cmpuint(cm_counters(t).reqs, ==, 10);
    cm_free(t);
}

/* No RTU, but the first packet on the connection: established (IB CM's
 * communication established), one entry. */
static void test_first_data(void)
{
    Cm *t = cm_new(NULL, 0, 1, 0);
    Req r = req_default(0);
    uint32_t qpn;
    guint sent;
    Mad rep;

    send_mad(t, (Mad[]){ req_mad(t, &r) });
    rep = *last_from_b(t);
    qpn = a_connect(t, &r, &rep);
    move_data(t, 0, qpn);
    sent = t->from_b->len;      /* REPs (A's set-up took 400 ms here) */
    g_assert_cmpuint(next_entry(t)->type, ==, RDO_CM_ENTRY_ESTABLISHED);
    g_assert_cmpuint(cm_counters(t).established_by_data, ==, 1);
    /* The RTU that comes late changes nothing. */
    send_rtu(t, &r, &rep);
    g_assert_null(next_entry(t));
    g_assert_cmpuint(cm_counters(t).mads_unexpected, ==, 1);
    /* And the REP is not sent again. */
    pair_run(t->p, 100 * 1000000ull);
    g_assert_cmpuint(t->from_b->len, ==, sent);
    g_assert_cmpuint(cm_counters(t).rej_timeout, ==, 0);
    cm_free(t);
}


/*
 * Teardown: DREQ -> DREP (the IDs swapped, the DREQ's transaction), the
 * QP into ERR (the receive posted since flushes), a DISCONNECTED entry. A
 * repeated DREQ is answered again (its DREP may have been lost).
 */
static void test_dreq(void)
{
    Cm *t = cm_new(NULL, 0, 1, 0);
    Req r = req_default(0);
    uint32_t qpn = cm_connect_one(t, &r);
    Mad rep = g_array_index(t->from_b, Mad, 0), dreq, *drep;
    struct rdo_cm_entry *e;
    struct rdo_cqe cqe;

    g_assert_nonnull(next_entry(t));
    /* A DREQ that names another QP: not ours to end. */
    dreq = dreq_mad(&r, &rep, qpn + 1);
    send_mad(t, &dreq);
    g_assert_cmpuint(t->from_b->len, ==, 1);
    g_assert_cmpuint(cm_counters(t).mads_unexpected, ==, 1);
    dreq = dreq_mad(&r, &rep, qpn);
    send_mad(t, &dreq);
    g_assert_cmpuint(t->from_b->len, ==, 2);
    drep = last_from_b(t);
    g_assert_cmphex(get16(drep->b + 16), ==, 0x0016);
    g_assert_cmpmem(drep->b + 8, 8, dreq.b + 8, 8);
    g_assert_cmphex(get32(drep->b + 24), ==, get32(rep.b + 24));
    g_assert_cmphex(get32(drep->b + 28), ==, r.comm_id);
    e = next_entry(t);
    g_assert_cmpuint(e->type, ==, RDO_CM_ENTRY_DISCONNECTED);
    g_assert_cmpuint(e->qpn, ==, qpn);
    g_assert_cmpuint(pair_query_qp(t->b, qpn).state, ==, RDO_QPS_ERR);
    cqe = pair_poll(t->b);
    g_assert_cmpuint(cqe.status, ==, RDO_WC_WR_FLUSH_ERR);
    /* Again: a DREP, no entry. */
    send_mad(t, &dreq);
    g_assert_cmpuint(t->from_b->len, ==, 3);
    g_assert_null(next_entry(t));
    struct rdo_cm_counters c = cm_counters(t);
    g_assert_cmpuint(c.dreq_received, ==, 3);
    g_assert_cmpuint(c.drep_sent, ==, 2);
    g_assert_cmpuint(c.disconnected, ==, 1);
    /* The driver puts the QP back: RESET, then POOL_ADD takes it to INIT. */
    g_assert_cmpuint(pair_modify(t->b, qpn, RDO_QPS_RESET, 0, NULL), ==,
                     RDO_CQP_OK);
    g_assert_cmpuint(pool_add(t, qpn), ==, RDO_CQP_OK);
    cm_free(t);
}

/*
 * Malformed and out-of-order MADs: truncated, bad versions or method,
 * attributes not offloaded, RTU/MRA/REJ/REP for no connection of ours:
 * counted and traced, no answer, nothing changes. MRA stretches the wait
 * for the RTU; a REJ of our REP ends the connection.
 */
static void test_bad_mads(void)
{
    Cm *t = cm_new(NULL, 0, 1, 0);
    TestHost *hb = t->b->d->h;
    Req r = req_default(0);
    Mad m = req_mad(t, &r), rep, x;
    struct rdo_cm_counters c;

    send_mad_len(t, &m, 100);
    send_mad_len(t, &m, 255);
    m.b[2] = 1;                         /* class version */
    send_mad(t, &m);
    m = req_mad(t, &r);
    m.b[3] = 0x01;                      /* Get, not Send */
    send_mad(t, &m);
    mad_hdr(&x, 0x0019, 5);             /* LAP */
    be32(mad_data(&x) + 4, 0x12345678);
    send_mad(t, &x);
    g_assert_cmpuint(t->from_b->len, ==, 0);
    g_assert_cmpuint(cm_counters(t).mads_malformed, ==, 5);
    g_assert_cmpuint(hb->class_count[RDO_GE_CM_MAD_MALFORMED], ==, 5);
    /* Messages for connections that do not exist. */
    mad_hdr(&x, 0x0014, 5);
    be32(mad_data(&x) + 4, 0x00100002);
    send_mad(t, &x);
    mad_hdr(&x, 0x0011, 5);
    send_mad(t, &x);
    mad_hdr(&x, 0x0013, 5);
    send_mad(t, &x);
    c = cm_counters(t);
    g_assert_cmpuint(c.mads_unexpected, ==, 3);
    g_assert_cmpuint(hb->class_count[RDO_GE_CM_MAD_UNEXPECTED], ==, 3);
    g_assert_cmpuint(t->from_b->len, ==, 0);
    /* A real REQ; an MRA for our REP makes the CM wait 4.096 us << 16
     * (268 ms) longer before sending the REP again. */
    m = req_mad(t, &r);
    send_mad(t, &m);
    rep = *last_from_b(t);
    mad_hdr(&x, 0x0011, 6);
    be32(mad_data(&x), r.comm_id);
    be32(mad_data(&x) + 4, get32(rep.b + 24));
    x.b[24 + 8] = 1 << 6;               /* MRAed: the REP */
    x.b[24 + 9] = 16 << 3;
    send_mad(t, &x);
    pair_run(t->p, 100 * 1000000ull);
    g_assert_cmpuint(t->from_b->len, ==, 1);
    g_assert_cmpuint(cm_counters(t).mra_received, ==, 1);
    /* A REJ of our REP: the connection ends, aborted. */
    mad_hdr(&x, 0x0012, 7);
    be32(mad_data(&x), r.comm_id);
    be32(mad_data(&x) + 4, get32(rep.b + 24));
    x.b[24 + 8] = 1 << 6;
    be16(mad_data(&x) + 10, 28);
    send_mad(t, &x);
    struct rdo_cm_entry *e = next_entry(t);
    g_assert_cmpuint(e->type, ==, RDO_CM_ENTRY_ABORTED);
    g_assert_cmpuint(e->reason, ==, 28);
    c = cm_counters(t);
    g_assert_cmpuint(c.rej_received, ==, 1);
    g_assert_cmpuint(c.aborted, ==, 1);
    /* Its RTU now names nothing. */
    send_rtu(t, &r, &rep);
    g_assert_null(next_entry(t));
    g_assert_cmpuint(cm_counters(t).mads_unexpected, ==, 4);
    pair_run(t->p, PAIR_SEC);
    g_assert_cmpuint(t->from_b->len, ==, 1);
    cm_free(t);
}

/*
 * A flood of REQs beyond the pool: as many REPs as QPs, the rest REJ "no
 * QP"; the connections then complete, and repeats of the refused REQs
 * are refused again (no QP was held for them).
 */
static void test_flood(void)
{
    Cm *t = cm_new(NULL, 0, 1, 0);
    int reps = 0, rejs = 0;
    Mad got[40];

    for (uint32_t n = 0; n < 40; n++) {
        Req r = req_default(n);

        r.cm_tmo = 20;                  /* 4.3 s: A's set-up takes time */
        send_mad(t, (Mad[]){ req_mad(t, &r) });
        got[n] = *last_from_b(t);
        if (get16(got[n].b + 16) == 0x0013) {
            reps++;
        } else {
            g_assert_cmpuint(rej_reason(t, &r), ==, RDO_CM_REJ_NO_QP);
            rejs++;
        }
    }
    g_assert_cmpuint(reps, ==, POOL);
    g_assert_cmpuint(rejs, ==, 40 - POOL);
    for (uint32_t n = 0; n < POOL; n++) {
        Req r = req_default(n);

        r.cm_tmo = 20;
        a_connect(t, &r, &got[n]);
        send_rtu(t, &r, &got[n]);
        move_data(t, n, get24(got[n].b + 24 + 12));
    }
    struct rdo_cm_counters c = cm_counters(t);
    g_assert_cmpuint(c.established, ==, POOL);
    g_assert_cmpuint(c.rej_no_qp, ==, 40 - POOL);
    g_assert_cmpuint(t->b->d->h->class_count[RDO_GE_CM_REQ_REFUSED], ==,
                     40 - POOL);
    cm_free(t);
}

/*
 * With the driver's GSI QP (QP 1) present, what the device does not take
 * goes there unchanged: a REQ for another service ID, an RTU for no
 * connection of ours. The listener's REQ does not.
 */
static void test_gsi_passthrough(void)
{
    Cm *t = cm_new(NULL, 0, 1, 0);
    Req r = req_default(0);
    struct rdo_cqe e;
    Mad m;

    RdoPairPath path = { .dmac = t->a->mac, .dgid = t->a->gid,
                         .path_mtu = RDO_MTU_4096 };

    rdo_pair_connect_one(&t->b->rdo, 8, RDO_GSI_QPN, RDO_QPT_UD, 0, &path);
    for (int i = 0; i < 3; i++) {
        pair_post_recv(t->b, 8, 200 + i, PAIR_DST + (64 << 10) + i * 4096, 4096);
    }
    r.sid = SID + 5;
    m = req_mad(t, &r);
    send_mad(t, &m);
    g_assert_cmpuint(t->from_b->len, ==, 0);
    e = pair_poll(t->b);
    g_assert_cmpuint(e.qpn, ==, RDO_GSI_QPN);
    g_assert_cmpuint(e.byte_len, ==, 256 + 40);
    g_assert_cmpmem(pair_mr_ptr(t->b, PAIR_DST + (64 << 10) + 40), 256, m.b, 256);
    mad_hdr(&m, 0x0014, 5);
    be32(mad_data(&m) + 4, 0x00100003);
    send_mad(t, &m);
    g_assert_cmpuint(pair_poll(t->b).wr_id, ==, 201);
    r = req_default(1);
    cm_connect_one(t, &r);
    g_assert_cmphex(pair_poll(t->b).wr_id, ==, PAIR_NO_CQE);
    struct rdo_cm_counters c = cm_counters(t);
    g_assert_cmpuint(c.established, ==, 1);
    g_assert_cmpuint(c.mads_received, ==, 2);
    g_assert_cmpuint(c.rej_no_listener + c.mads_unexpected, ==, 0);
    cm_free(t);
}

/*
 * The commands' checks; UNLISTEN with a connection half made (REJ sent,
 * ABORTED entry) and one established (left to the driver, still in RTS);
 * a destroyed pool QP leaves the pool.
 */
static void test_commands(void)
{
    Cm *t = cm_new(NULL, 0, 1, 0);
    struct rdo_cmd_cm_listen l = listen_args(t, 0);
    struct rdo_cmd_cm_pool pa = { .qpn = 2 };
    Req r0 = req_default(0), r1 = req_default(1), r2 = req_default(2);
    Req r3 = req_default(3);
    Mad *rej;

    r1.cm_tmo = 20;                     /* it waits across commands */
    uint32_t q0;

    g_assert_cmpuint(cm_cmd(t->b, RDO_CMD_CM_LISTEN, RDO_CM_LISTENERS, &l,
                            sizeof(l)), ==, RDO_CQP_BAD_INDEX);
    g_assert_cmpuint(cm_cmd(t->b, RDO_CMD_CM_LISTEN, 0, &l, sizeof(l)), ==,
                     RDO_CQP_EXISTS);
    /* The same service ID and address on another listener. */
    g_assert_cmpuint(cm_cmd(t->b, RDO_CMD_CM_LISTEN, 1, &l, sizeof(l)), ==,
                     RDO_CQP_EXISTS);
    l.service_id++;
    l.flags = 0x80;
    g_assert_cmpuint(cm_cmd(t->b, RDO_CMD_CM_LISTEN, 1, &l, sizeof(l)), ==,
                     RDO_CQP_BAD_RESERVED);
    l.flags = 0;
    l.table_addr += 64;
    g_assert_cmpuint(cm_cmd(t->b, RDO_CMD_CM_LISTEN, 1, &l, sizeof(l)), ==,
                     RDO_CQP_BAD_PARAM);
    l.table_addr -= 64;
    l.notify_count = 17;
    g_assert_cmpuint(cm_cmd(t->b, RDO_CMD_CM_LISTEN, 1, &l, sizeof(l)), ==,
                     RDO_CQP_BAD_PARAM);
    l.notify_count = 1;
    l.eqn = 5;
    g_assert_cmpuint(cm_cmd(t->b, RDO_CMD_CM_LISTEN, 1, &l, sizeof(l)), ==,
                     RDO_CQP_NOT_FOUND);
    /* Pools: a QP on a pool already, not RC, not in RESET or INIT. */
    g_assert_cmpuint(cm_cmd(t->b, RDO_CMD_CM_POOL_ADD, 0, &pa, sizeof(pa)), ==,
                     RDO_CQP_IN_USE);
    rdo_pair_create_qp(&t->b->rdo, 10, 12, RDO_QPT_UD, 0);
    pa.qpn = 12;
    g_assert_cmpuint(cm_cmd(t->b, RDO_CMD_CM_POOL_ADD, 0, &pa, sizeof(pa)), ==,
                     RDO_CQP_BAD_PARAM);
    pa.qpn = 40;
    g_assert_cmpuint(cm_cmd(t->b, RDO_CMD_CM_POOL_ADD, 0, &pa, sizeof(pa)), ==,
                     RDO_CQP_NOT_FOUND);
    /* Remove QP 5 from the pool; destroy QP 4: two QPs left. */
    pa.qpn = 5;
    g_assert_cmpuint(cm_cmd(t->b, RDO_CMD_CM_POOL_REMOVE, 0, &pa, sizeof(pa)),
                     ==, RDO_CQP_OK);
    g_assert_cmpuint(cm_cmd(t->b, RDO_CMD_CM_POOL_REMOVE, 0, &pa, sizeof(pa)),
                     ==, RDO_CQP_NOT_FOUND);
    g_assert_cmpuint(td_cmd(t->b->d, (struct rdo_cqp_cmd[]){
                         td_cmd_of(RDO_CMD_DESTROY_QP, 4) }).status, ==,
                     RDO_CQP_OK);
    q0 = cm_connect_one(t, &r0);
    send_mad(t, (Mad[]){ req_mad(t, &r1) });
    g_assert_cmphex(get16(last_from_b(t)->b + 16), ==, 0x0013);
    send_mad(t, (Mad[]){ req_mad(t, &r2) });
    g_assert_cmpuint(rej_reason(t, &r2), ==, RDO_CM_REJ_NO_QP);
    g_assert_cmpuint(next_entry(t)->type, ==, RDO_CM_ENTRY_ESTABLISHED);
    /* A pool QP in RTS cannot be added. */
    pa.qpn = q0;
    g_assert_cmpuint(cm_cmd(t->b, RDO_CMD_CM_POOL_ADD, 0, &pa, sizeof(pa)), ==,
                     RDO_CQP_IN_USE);
    g_assert_cmpuint(cm_cmd(t->b, RDO_CMD_CM_UNLISTEN, 0, NULL, 0), ==,
                     RDO_CQP_OK);
    pair_run(t->p, 1000);
    rej = last_from_b(t);
    g_assert_cmphex(get16(rej->b + 16), ==, 0x0012);
    g_assert_cmphex(get32(rej->b + 24 + 4), ==, r1.comm_id);
    g_assert_cmpuint(rej->b[24 + 8] >> 6, ==, 1);      /* our REP */
    g_assert_cmpuint(get16(rej->b + 24 + 10), ==, RDO_CM_REJ_CONSUMER_DEFINED);
    g_assert_cmpuint(next_entry(t)->type, ==, RDO_CM_ENTRY_ABORTED);
    g_assert_cmpuint(pair_query_qp(t->b, q0).state, ==, RDO_QPS_RTS);
    /* The half-made one's receive flushed; the other carries data. */
    struct rdo_cqe e = pair_poll(t->b);
    g_assert_cmpuint(e.qpn, ==, 3);
    g_assert_cmpuint(e.status, ==, RDO_WC_WR_FLUSH_ERR);
    move_data(t, 0, q0);
    g_assert_cmpuint(cm_cmd(t->b, RDO_CMD_CM_UNLISTEN, 0, NULL, 0), ==,
                     RDO_CQP_NOT_FOUND);
    /* No listener and no GSI: the CM is not in use, the REQ is dropped
     * as any packet for a QP that does not exist. */
    guint sent = t->from_b->len;
    uint32_t drops = pair_cnt(t->b, RDO_REG_CNT_RX_DROPS);
    send_mad(t, (Mad[]){ req_mad(t, &r3) });
    g_assert_cmpuint(t->from_b->len, ==, sent);
    g_assert_cmpuint(pair_cnt(t->b, RDO_REG_CNT_RX_DROPS), ==, drops + 1);
    cm_free(t);
}

/*
 * Timing model: the CM's cycles are spent on the receive engine, so the
 * REP leaves cycles-cm later for a larger cycles-cm.
 */
static uint64_t rep_latency_ns(uint32_t cycles)
{
    RdoConfig cfg = test_host_default_config();
    Cm *t;
    uint64_t t0, dt;

    cfg.tm.on = true;
    cfg.tm.cyc.cm = cycles;
    t = cm_new(&cfg, 0, 1, 0);
    Req r = req_default(0);
    Mad m = req_mad(t, &r);
    TestHost *ha = t->a->d->h, *hb = t->b->d->h;
    uint8_t frame[512];
    int n = mad_frame(t, &m, 256, frame, sizeof(frame));

    pair_run(t->p, PAIR_SEC / 1000);
    ha->now_ns = hb->now_ns = MAX(ha->now_ns, hb->now_ns);
    t0 = hb->now_ns;
    rdo_core_receive(&hb->core, frame, n);
    while (!t->from_b->len && pair_step(t->p, t0 + PAIR_SEC)) {
    }
    g_assert_cmpuint(t->from_b->len, ==, 1);
    dt = hb->now_ns - t0;
    cm_free(t);
    return dt;
}

static void test_timing(void)
{
    uint64_t fast = rep_latency_ns(0), slow = rep_latency_ns(20000);

    g_test_message("REP after %" PRIu64 " ns (0 cycles), %" PRIu64
                   " ns (20000 cycles)", fast, slow);
    /* 20000 cycles at 1 GHz: 20 us. */
    g_assert_cmpuint(slow, >=, fast + 19000);
    g_assert_cmpuint(slow, <=, fast + 21000);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cm/establish", test_establish);
    g_test_add_func("/cm/batch", test_batch);
    g_test_add_func("/cm/dup-req", test_dup_req);
    g_test_add_func("/cm/no-rtu", test_no_rtu);
    g_test_add_func("/cm/no-rtu-recycle", test_no_rtu_recycle);
    g_test_add_func("/cm/refused", test_refused);
    g_test_add_func("/cm/table-full", test_table_full);
    g_test_add_func("/cm/first-data", test_first_data);
    g_test_add_func("/cm/dreq", test_dreq);
    g_test_add_func("/cm/bad-mads", test_bad_mads);
    g_test_add_func("/cm/flood", test_flood);
    g_test_add_func("/cm/gsi-passthrough", test_gsi_passthrough);
    g_test_add_func("/cm/commands", test_commands);
    g_test_add_func("/cm/timing", test_timing);
    g_test_add_func("/cm/table-reread", test_table_reread);
    return g_test_run();
}
