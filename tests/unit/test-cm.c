/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The offloaded connection manager (cm/): side B listens with a pool of
 * prepared RC QPs; side A plays the active side of an RDMA CM client with
 * MADs the test builds byte by byte from the IB spec (independently of the
 * device's own encoder), reads B's answers off the wire, connects its own
 * QP with them and moves data over the connection. Every bad input of
 * issue 17: malformed, truncated and out-of-order MADs, unknown service
 * IDs, REQ floods beyond the pool, a peer that never sends the RTU, a
 * private-data header that lies; each answered per IB CM, counted and
 * traced, the pool consistent.
 */
#include <inttypes.h>
#include <string.h>
#include "test-pair.h"
#include "wire/wire.h"

#define SID_PORT        7471
#define SID             (0x0000000001060000ull | SID_PORT)  /* RDMA_PS_TCP */
#define TABLE_LOG       4
#define POOL            4
#define A_PORT          0xbeef
#define CM_TMO          8       /* 4.096 us << 8: about 1 ms per REP */

/* MAD fields, big-endian. */
static void be16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
static void be24(uint8_t *p, uint32_t v) { p[0] = v >> 16; p[1] = v >> 8; p[2] = v; }
static void be32(uint8_t *p, uint32_t v) { be16(p, v >> 16); be16(p + 2, v); }
static void be64(uint8_t *p, uint64_t v) { be32(p, v >> 32); be32(p + 4, v); }
static uint32_t get24(const uint8_t *p) { return p[0] << 16 | p[1] << 8 | p[2]; }
static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | get24(p + 1); }
static uint16_t get16(const uint8_t *p) { return p[0] << 8 | p[1]; }

typedef struct Mad {
    uint8_t b[256];
} Mad;

typedef struct Cm {
    Pair *p;
    PairSide *a, *b;
    uint64_t table, ci_addr;    /* B's notification table, its CI word */
    GArray *from_b;             /* Mad: what B sent A's GSI */
    bool drop_b;                /* B's MADs lost on the wire */
    bool pass_b;                /* B's MADs reach A (A's own CM) */
    uint16_t drop_a_attr;       /* A's next MAD of this attribute is lost */
    uint64_t a_table, a_ci;     /* A's listener, for its active side */
    uint32_t a_read;
    uint32_t entries_read;
} Cm;

static bool tamper(Pair *p, int from, uint8_t *frame, size_t *len,
                   bool *again, void *opaque)
{
    Cm *t = opaque;
    RdoWireParsed w;
    bool gsi = from == 1 && !rdo_wire_parse(frame, *len, &w) &&
               w.pkt.dest_qp == RDO_GSI_QPN;

    if (gsi && w.pkt.payload_len == 256) {
        Mad m;

        g_assert_cmphex(w.pkt.deth.qkey, ==, RDO_GSI_QKEY);
        g_assert_cmpuint(w.pkt.deth.src_qp, ==, RDO_GSI_QPN);
        memcpy(m.b, w.pkt.payload, 256);
        g_array_append_val(t->from_b, m);
        /* A has no GSI of its own: the test reads the MADs here, unless
         * A's CM is to see them. */
        return t->pass_b && !t->drop_b;
    }
    if (from == 0 && t->drop_a_attr && !rdo_wire_parse(frame, *len, &w) &&
        w.pkt.dest_qp == RDO_GSI_QPN &&
        get16(w.pkt.payload + 16) == t->drop_a_attr) {
        t->drop_a_attr = 0;
        return false;
    }
    return !(gsi && t->drop_b);
}

static void mad_hdr(Mad *m, uint16_t attr, uint64_t tid)
{
    memset(m, 0, sizeof(*m));
    m->b[0] = 1;
    m->b[1] = 0x07;
    m->b[2] = 2;
    m->b[3] = 0x03;
    be64(m->b + 8, tid);
    be16(m->b + 16, attr);
}

static uint8_t *data(Mad *m)
{
    return m->b + 24;
}

typedef struct Req {
    uint32_t comm_id, qpn, psn;
    uint64_t sid;
    uint8_t resp_res, init_depth, mtu, transport, retries;
    uint8_t cm_tmo;             /* how long B waits for our RTU (code) */
    uint8_t ip_version;         /* of the RDMA CM header: 4 */
    uint8_t cma_version;        /* 0 */
    const uint8_t *dst_ip;      /* 4 bytes; NULL: B's */
} Req;

static Req req_default(uint32_t n)
{
    return (Req){ .comm_id = 0x51000000u + n, .qpn = 2 + n,
                  .psn = 0x100000 + n * 7, .sid = SID, .resp_res = 8,
                  .init_depth = 2, .mtu = RDO_MTU_4096 - 2, .retries = 2,
                  .ip_version = 4, .cm_tmo = CM_TMO };
}

static Mad req_mad(Cm *t, const Req *r)
{
    Mad m;
    uint8_t *d = data(&m), *pd = d + 140;

    mad_hdr(&m, 0x0010, 0xa000000000000000ull | r->comm_id);
    be32(d, r->comm_id);
    be64(d + 8, r->sid);
    be24(d + 32, r->qpn);
    d[35] = r->resp_res;
    d[39] = r->init_depth;
    d[43] = (uint8_t)(20 << 3 | r->transport << 1);
    be24(d + 44, r->psn);
    d[47] = (uint8_t)(r->cm_tmo << 3 | 6);         /* retry count 6 */
    be16(d + 48, 0xffff);
    d[50] = (uint8_t)(r->mtu << 4 | 7);             /* RNR retry 7 */
    d[51] = (uint8_t)(r->retries << 4);
    memcpy(d + 52 + 4, t->a->gid, 16);
    memcpy(d + 52 + 20, t->b->gid, 16);
    d[52 + 41] = 64;
    d[52 + 43] = (uint8_t)(PAIR_TIMEOUT << 3);
    /* The RDMA CM's header, then the user's private data. */
    pd[0] = r->cma_version;
    pd[1] = (uint8_t)(r->ip_version << 4);
    be16(pd + 2, A_PORT);
    memcpy(pd + 4 + 12, t->a->gid + 12, 4);
    memcpy(pd + 20 + 12, r->dst_ip ? r->dst_ip : t->b->gid + 12, 4);
    for (int i = 36; i < 92; i++) {
        pd[i] = (uint8_t)(r->comm_id + i);
    }
    return m;
}

/* The frame of a MAD from A's GSI to B's, of `len` bytes (256, or less:
 * truncated); returns its length. */
static int mad_frame(Cm *t, const Mad *m, uint32_t len, uint8_t *frame,
                     size_t size)
{
    RdoWirePacket pkt = { 0 };
    int n;

    memcpy(pkt.dst_mac, t->b->mac, 6);
    memcpy(pkt.src_mac, t->a->mac, 6);
    memcpy(pkt.src_gid, t->a->gid, 16);
    memcpy(pkt.dst_gid, t->b->gid, 16);
    pkt.hop_limit = 64;
    pkt.udp_sport = 0xc001;
    pkt.pkey = 0xffff;
    pkt.opcode = RDO_TRANSPORT_UD | RDO_OP_SEND_ONLY;
    pkt.dest_qp = RDO_GSI_QPN;
    pkt.deth.qkey = RDO_GSI_QKEY;
    pkt.deth.src_qp = RDO_GSI_QPN;
    pkt.payload = m->b;
    pkt.payload_len = len;
    n = rdo_wire_build(&pkt, frame, size);
    g_assert_cmpint(n, >, 0);
    return n;
}

/* Delivers it to B (the two clocks in step, as the pair keeps them). */
static void send_mad_len(Cm *t, const Mad *m, uint32_t len)
{
    TestHost *ha = t->a->d->h, *hb = t->b->d->h;
    uint8_t frame[512];
    int n = mad_frame(t, m, len, frame, sizeof(frame));

    ha->now_ns = hb->now_ns = MAX(ha->now_ns, hb->now_ns);
    rdo_core_receive(&hb->core, frame, n);
    pair_run(t->p, 20000);
}

static void send_mad(Cm *t, const Mad *m)
{
    send_mad_len(t, m, 256);
}

static struct rdo_cm_counters side_counters(PairSide *s)
{
    struct rdo_cqp_cmd cmd = td_cmd_of(RDO_CMD_CM_QUERY, 0);
    /* Written to an address that is not 64-byte aligned. */
    uint64_t out = td_alloc(s->d, sizeof(struct rdo_cm_counters) + 8, 8) + 8;
    struct rdo_cm_counters c;

    cmd.out_addr = out;
    g_assert_cmpuint(td_cmd(s->d, &cmd).status, ==, RDO_CQP_OK);
    memcpy(&c, td_ptr(s->d, out), sizeof(c));
    return c;
}

static struct rdo_cm_counters counters(Cm *t)
{
    return side_counters(t->b);
}

static struct rdo_cmd_cm_listen listen_args(Cm *t, uint8_t flags)
{
    struct rdo_cmd_cm_listen l = {
        .service_id = SID, .table_addr = t->table, .ci_addr = t->ci_addr,
        .table_log_size = TABLE_LOG, .flags = flags,
        .responder_resources = 4, .initiator_depth = 4, .eqn = 0,
        .notify_count = 1, .min_rnr_timer = 1, .rnr_retry = 7,
    };

    memcpy(l.addr, t->b->gid, 16);
    return l;
}

static uint8_t cm_cmd(PairSide *s, uint8_t op, uint32_t obj,
                      const void *args, size_t len)
{
    struct rdo_cqp_cmd cmd = td_cmd_of(op, obj);

    if (len) {
        memcpy(cmd.u.raw, args, len);
    }
    return td_cmd(s->d, &cmd).status;
}

static uint8_t pool_add(Cm *t, uint32_t qpn)
{
    struct rdo_cmd_cm_pool a = { .qpn = qpn, .access = RDO_ACCESS__ALL };

    return cm_cmd(t->b, RDO_CMD_CM_POOL_ADD, 0, &a, sizeof(a));
}

/* B listens on SID with POOL QPs (slots 0.., QPN 2..) each with one
 * receive posted before any connection. */
static Cm *cm_new(const RdoConfig *cfg, uint8_t flags, uint16_t notify_count,
                  uint16_t notify_usec)
{
    Cm *t = g_new0(Cm, 1);
    struct rdo_cmd_cm_listen l;

    t->p = pair_new(cfg);
    t->a = &t->p->s[0];
    t->b = &t->p->s[1];
    t->from_b = g_array_new(false, true, sizeof(Mad));
    t->p->tamper = tamper;
    t->p->tamper_opaque = t;
    t->table = td_alloc(t->b->d, 128 << TABLE_LOG, 128);
    /* The CI word in the middle of a page, as a driver's allocation. */
    t->ci_addr = td_alloc(t->b->d, 4096, 4096) + 0x7c4;
    l = listen_args(t, flags);
    l.notify_count = notify_count;
    l.notify_usec = notify_usec;
    g_assert_cmpuint(cm_cmd(t->b, RDO_CMD_CM_LISTEN, 0, &l, sizeof(l)), ==,
                     RDO_CQP_OK);
    for (int i = 0; i < POOL; i++) {
        rdo_pair_create_qp(&t->b->rdo, i, 2 + i, RDO_QPT_RC, 0);
        g_assert_cmpuint(pool_add(t, 2 + i), ==, RDO_CQP_OK);
        pair_post_recv(t->b, i, 100 + i, PAIR_DST + i * 8192, 8192);
    }
    return t;
}

static void cm_free(Cm *t)
{
    g_array_free(t->from_b, true);
    pair_free(t->p);
    g_free(t);
}

static Mad *last_from_b(Cm *t)
{
    g_assert_cmpuint(t->from_b->len, >, 0);
    return &g_array_index(t->from_b, Mad, t->from_b->len - 1);
}

static struct rdo_cm_entry *entry(Cm *t, uint32_t i)
{
    return td_ptr(t->b->d, t->table + (i & ((1u << TABLE_LOG) - 1)) * 128);
}

/* The next entry the device wrote (owner phase), consumed; NULL if none. */
static struct rdo_cm_entry *next_entry(Cm *t)
{
    struct rdo_cm_entry *e = entry(t, t->entries_read);

    if (e->owner != rdo_owner_phase(t->entries_read, TABLE_LOG)) {
        return NULL;
    }
    t->entries_read++;
    *(uint32_t *)td_ptr(t->b->d, t->ci_addr) = t->entries_read;
    return e;
}

/* CM_NOTIFY events on B's EQ 0 (others skipped); the last one's data. */
static int cm_events(Cm *t, uint32_t *last)
{
    int n = 0;
    struct rdo_eqe e;

    while ((e = td_eq0_next(t->b->d)).type) {
        if (e.type == RDO_EQE_CM_NOTIFY) {
            g_assert_cmpuint(e.obj, ==, 0);
            *last = e.data;
            n++;
        }
    }
    return n;
}

/* A's side of REQ and REP: A's QP slot n (QPN 2 + n) to RTS along the
 * REP; returns the QP of B that took the connection. */
static uint32_t a_connect(Cm *t, const Req *r, const Mad *rep)
{
    const uint8_t *d = rep->b + 24;
    RdoPairPath path = {
        .dmac = t->b->mac, .dgid = t->b->gid, .dest_qpn = get24(d + 12),
        /* As ib_cm: the REQ's PSN is what A receives, the REP's what A sends. */
        .rq_psn = r->psn, .sq_psn = get24(d + 20), .path_mtu = r->mtu,
        .timeout = PAIR_TIMEOUT,
    };

    rdo_pair_connect_one(&t->a->rdo, r->qpn - 2, r->qpn, RDO_QPT_RC, 0, &path);
    return path.dest_qpn;
}

static void send_rtu(Cm *t, const Req *r, const Mad *rep)
{
    Mad m;

    mad_hdr(&m, 0x0014, 0);
    memcpy(m.b + 8, rep->b + 8, 8);             /* the REQ's transaction */
    be32(data(&m), r->comm_id);
    be32(data(&m) + 4, get32(rep->b + 24));     /* B's ID */
    send_mad(t, &m);
}

/* REQ, REP, RTU: one connection; returns B's QP. */
static uint32_t connect(Cm *t, const Req *r)
{
    guint before = t->from_b->len;
    Mad rep;
    uint32_t qpn;

    send_mad(t, (Mad[]){ req_mad(t, r) });
    g_assert_cmpuint(t->from_b->len, ==, before + 1);
    rep = *last_from_b(t);
    g_assert_cmphex(get16(rep.b + 16), ==, 0x0013);
    qpn = a_connect(t, r, &rep);
    send_rtu(t, r, &rep);
    return qpn;
}

/* Data both ways on A's slot n and B's pool QP `bq` (slot bq - 2). */
static void move_data(Cm *t, int n, uint32_t bq)
{
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_SEND, 7);
    struct rdo_sge sge = pair_sge_of(t->a, PAIR_SRC + n * 8192 + 3, 5000);
    struct rdo_cqe e;

    pair_fill(t->a, PAIR_SRC + n * 8192 + 3, 5000, 40 + n);
    pair_post_send(t->a, n, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(t->p, 1, 1, PAIR_SEC));
    e = pair_poll(t->b);
    g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
    g_assert_cmpuint(e.qpn, ==, bq);
    g_assert_cmphex(e.wr_id, ==, 100 + bq - 2);
    g_assert_cmpuint(e.byte_len, ==, 5000);
    pair_assert_same(t->a, PAIR_SRC + n * 8192 + 3, t->b,
                     PAIR_DST + (bq - 2) * 8192, 5000);
    g_assert_true(pair_run_cqes(t->p, 0, 1, PAIR_SEC));
    pair_expect_cqe(t->a, 7, RDO_CQE_SEND, RDO_WC_SUCCESS);
    /* And back: B's QP sends towards A's with what the CM negotiated. */
    pair_post_recv(t->a, n, 8, PAIR_DST + n * 8192, 8192);
    sge = pair_sge_of(t->b, PAIR_SRC + 64, 700);
    pair_fill(t->b, PAIR_SRC + 64, 700, 9);
    w.wr_id = 9;
    pair_post_send(t->b, bq - 2, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(t->p, 0, 1, PAIR_SEC));
    pair_expect_cqe(t->a, 8, RDO_CQE_RECV, RDO_WC_SUCCESS);
    pair_assert_same(t->b, PAIR_SRC + 64, t->a, PAIR_DST + n * 8192, 700);
    g_assert_true(pair_run_cqes(t->p, 1, 1, PAIR_SEC));
    pair_expect_cqe(t->b, 9, RDO_CQE_SEND, RDO_WC_SUCCESS);
}

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

        seen[n] = connect(t, &r);
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
    struct rdo_cm_counters c = counters(t);
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
            fifth_at = entry(t, 4)->time_ns;
        }
    }
    g_assert_cmpuint(entry(t, 5)->time_ns - fifth_at, <, 1000000);
    g_assert_cmpuint(cm_events(t, &last), ==, 0);
    pair_run(t->p, 2000000);
    g_assert_cmpuint(cm_events(t, &last), ==, 1);
    g_assert_cmpuint(last, ==, 6);
    for (int i = 0; i < 6; i++) {
        g_assert_nonnull(next_entry(t));
    }
    g_assert_cmpuint(counters(t).events, ==, 2);
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
    c = counters(t);
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
    c = counters(t);
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
    c = counters(t);
    g_assert_cmpuint(c.rej_no_listener, ==, 1);
    g_assert_cmpuint(c.rej_other, ==, 2);
    g_assert_cmpuint(c.rej_bad_private, ==, 3);
    g_assert_cmpuint(c.rej_sent, ==, 6);
    g_assert_cmpuint(c.reqs, ==, 5);    /* the first named no listener */
    /* Nothing taken from the pool: four connections still go. */
    for (uint32_t n = 10; n < 10 + POOL; n++) {
        Req q = req_default(n);

        q.qpn = 2 + n - 10;
        connect(t, &q);
    }
    g_assert_cmpuint(counters(t).established, ==, POOL);
    r = req_default(20);
    send_mad(t, (Mad[]){ req_mad(t, &r) });
    g_assert_cmpuint(rej_reason(t, &r), ==, RDO_CM_REJ_NO_QP);
    g_assert_cmpuint(counters(t).rej_no_qp, ==, 1);
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
    be32(data(&m), r->comm_id);
    be32(data(&m) + 4, get32(rep.b + 24));
    send_mad(t, &m);                            /* RTU */
    mad_hdr(&m, 0x0015, 2);
    be32(data(&m), r->comm_id);
    be32(data(&m) + 4, get32(rep.b + 24));
    be24(data(&m) + 8, get24(rep.b + 24 + 12));
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
    g_assert_cmpuint(counters(t).rej_no_resources, ==, 1);
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
    g_assert_cmpuint(counters(t).rej_no_resources, ==, 2);
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
    g_assert_cmpuint(counters(t).rej_no_resources, ==, 0);
    g_assert_cmpuint(counters(t).reqs, ==, 10);
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
    g_assert_cmpuint(counters(t).established_by_data, ==, 1);
    /* The RTU that comes late changes nothing. */
    send_rtu(t, &r, &rep);
    g_assert_null(next_entry(t));
    g_assert_cmpuint(counters(t).mads_unexpected, ==, 1);
    /* And the REP is not sent again. */
    pair_run(t->p, 100 * 1000000ull);
    g_assert_cmpuint(t->from_b->len, ==, sent);
    g_assert_cmpuint(counters(t).rej_timeout, ==, 0);
    cm_free(t);
}

static Mad dreq_mad(const Req *r, const Mad *rep, uint32_t qpn)
{
    Mad m;

    mad_hdr(&m, 0x0015, 0xd000 + r->comm_id);
    be32(data(&m), r->comm_id);
    be32(data(&m) + 4, get32(rep->b + 24));
    be24(data(&m) + 8, qpn);
    return m;
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
    uint32_t qpn = connect(t, &r);
    Mad rep = g_array_index(t->from_b, Mad, 0), dreq, *drep;
    struct rdo_cm_entry *e;
    struct rdo_cqe cqe;

    g_assert_nonnull(next_entry(t));
    /* A DREQ that names another QP: not ours to end. */
    dreq = dreq_mad(&r, &rep, qpn + 1);
    send_mad(t, &dreq);
    g_assert_cmpuint(t->from_b->len, ==, 1);
    g_assert_cmpuint(counters(t).mads_unexpected, ==, 1);
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
    struct rdo_cm_counters c = counters(t);
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
    be32(data(&x) + 4, 0x12345678);
    send_mad(t, &x);
    g_assert_cmpuint(t->from_b->len, ==, 0);
    g_assert_cmpuint(counters(t).mads_malformed, ==, 5);
    g_assert_cmpuint(hb->class_count[RDO_GE_CM_MAD_MALFORMED], ==, 5);
    /* Messages for connections that do not exist. */
    mad_hdr(&x, 0x0014, 5);
    be32(data(&x) + 4, 0x00100002);
    send_mad(t, &x);
    mad_hdr(&x, 0x0011, 5);
    send_mad(t, &x);
    mad_hdr(&x, 0x0013, 5);
    send_mad(t, &x);
    c = counters(t);
    g_assert_cmpuint(c.mads_unexpected, ==, 3);
    g_assert_cmpuint(hb->class_count[RDO_GE_CM_MAD_UNEXPECTED], ==, 3);
    g_assert_cmpuint(t->from_b->len, ==, 0);
    /* A real REQ; an MRA for our REP makes the CM wait 4.096 us << 16
     * (268 ms) longer before sending the REP again. */
    m = req_mad(t, &r);
    send_mad(t, &m);
    rep = *last_from_b(t);
    mad_hdr(&x, 0x0011, 6);
    be32(data(&x), r.comm_id);
    be32(data(&x) + 4, get32(rep.b + 24));
    x.b[24 + 8] = 1 << 6;               /* MRAed: the REP */
    x.b[24 + 9] = 16 << 3;
    send_mad(t, &x);
    pair_run(t->p, 100 * 1000000ull);
    g_assert_cmpuint(t->from_b->len, ==, 1);
    g_assert_cmpuint(counters(t).mra_received, ==, 1);
    /* A REJ of our REP: the connection ends, aborted. */
    mad_hdr(&x, 0x0012, 7);
    be32(data(&x), r.comm_id);
    be32(data(&x) + 4, get32(rep.b + 24));
    x.b[24 + 8] = 1 << 6;
    be16(data(&x) + 10, 28);
    send_mad(t, &x);
    struct rdo_cm_entry *e = next_entry(t);
    g_assert_cmpuint(e->type, ==, RDO_CM_ENTRY_ABORTED);
    g_assert_cmpuint(e->reason, ==, 28);
    c = counters(t);
    g_assert_cmpuint(c.rej_received, ==, 1);
    g_assert_cmpuint(c.aborted, ==, 1);
    /* Its RTU now names nothing. */
    send_rtu(t, &r, &rep);
    g_assert_null(next_entry(t));
    g_assert_cmpuint(counters(t).mads_unexpected, ==, 4);
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
    struct rdo_cm_counters c = counters(t);
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
    be32(data(&m) + 4, 0x00100003);
    send_mad(t, &m);
    g_assert_cmpuint(pair_poll(t->b).wr_id, ==, 201);
    r = req_default(1);
    connect(t, &r);
    g_assert_cmphex(pair_poll(t->b).wr_id, ==, PAIR_NO_CQE);
    struct rdo_cm_counters c = counters(t);
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
    q0 = connect(t, &r0);
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

/* A's own listener (another service ID: nobody connects to it), whose
 * table and EQ report the connections A's device makes. */
static void a_listen(Cm *t)
{
    struct rdo_cmd_cm_listen l = listen_args(t, RDO_CM_LISTEN_F_RDMA_CM);

    t->a_table = td_alloc(t->a->d, 128 << TABLE_LOG, 128);
    t->a_ci = td_alloc(t->a->d, 4096, 4096) + 0x10c;
    l.service_id = SID + 100;
    l.table_addr = t->a_table;
    l.ci_addr = t->a_ci;
    memcpy(l.addr, t->a->gid, 16);
    g_assert_cmpuint(cm_cmd(t->a, RDO_CMD_CM_LISTEN, 0, &l, sizeof(l)), ==,
                     RDO_CQP_OK);
    t->pass_b = true;
}

static struct rdo_cm_entry *a_next_entry(Cm *t)
{
    struct rdo_cm_entry *e = td_ptr(t->a->d, t->a_table +
                                    (t->a_read & ((1u << TABLE_LOG) - 1)) * 128);

    if (e->owner != rdo_owner_phase(t->a_read, TABLE_LOG)) {
        return NULL;
    }
    t->a_read++;
    *(uint32_t *)td_ptr(t->a->d, t->a_ci) = t->a_read;
    return e;
}

/* `from`'s device connects its QP in slot n (QPN 2 + n, in RESET) to
 * `sid` at `to`, with `plen` bytes of private data; returns the command
 * status. */
static uint8_t side_cm_connect(PairSide *from, PairSide *to, int n,
                               uint64_t sid, uint8_t plen, uint8_t max_retries)
{
    struct rdo_cqp_cmd cmd = td_cmd_of(RDO_CMD_CM_CONNECT, 0);
    struct rdo_cmd_cm_connect *c = &cmd.u.cm_connect;
    /* The private data at an odd address, as a caller's buffer is. */
    uint64_t pd = td_alloc(from->d, 4096, 4096) + 0x233;

    for (int i = 0; i < plen; i++) {
        ((uint8_t *)td_ptr(from->d, pd))[i] = (uint8_t)(0xc0 + i);
    }
    rdo_pair_create_qp(&from->rdo, n, 2 + n, RDO_QPT_RC, 0);
    cmd.out_addr = pd;
    c->service_id = sid;
    c->qpn = 2 + n;
    c->access = RDO_ACCESS__ALL;
    memcpy(c->dgid, to->gid, 16);
    memcpy(c->dmac, to->mac, 6);
    c->path_mtu = RDO_MTU_4096 - 2;
    c->src_port = A_PORT;
    c->timeout = PAIR_TIMEOUT;
    c->retry_count = 7;
    c->rnr_retry = 7;
    c->cm_timeout = 16;             /* 268 ms: the peer's set-up commands */
    c->max_cm_retries = max_retries;
    c->private_len = plen;
    return td_cmd(from->d, &cmd).status;
}

static uint8_t a_cm_connect(Cm *t, int n, uint64_t sid, uint8_t plen,
                            uint8_t max_retries)
{
    return side_cm_connect(t->a, t->b, n, sid, plen, max_retries);
}

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
    g_assert_cmpuint(counters(t).reqs_dup, ==, 0);
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
    g_assert_cmpuint(counters(t).established, ==, conns);
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
    connect(t, &r0);
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
    g_assert_cmpuint(counters(t).reqs, ==, 3);
    g_assert_cmpuint(counters(t).established, ==, 2);
    g_free(buf);
    g_free(again);
    cm_free(t);
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
    g_test_add_func("/cm/active", test_active);
    g_test_add_func("/cm/active-failures", test_active_failures);
    g_test_add_func("/cm/req-while-connecting", test_req_while_connecting);
    g_test_add_func("/cm/cost", test_cost);
    g_test_add_func("/cm/loopback", test_loopback);
    g_test_add_func("/cm/migrate", test_migrate);
    return g_test_run();
}
