/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The offloaded CM tests' harness: see cm-harness.h. */
#include "cm-harness.h"

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

void mad_hdr(Mad *m, uint16_t attr, uint64_t tid)
{
    memset(m, 0, sizeof(*m));
    m->b[0] = 1;
    m->b[1] = 0x07;
    m->b[2] = 2;
    m->b[3] = 0x03;
    be64(m->b + 8, tid);
    be16(m->b + 16, attr);
}

uint8_t *mad_data(Mad *m)
{
    return m->b + 24;
}


Req req_default(uint32_t n)
{
    return (Req){ .comm_id = 0x51000000u + n, .qpn = 2 + n,
                  .psn = 0x100000 + n * 7, .sid = SID, .resp_res = 8,
                  .init_depth = 2, .mtu = RDO_MTU_4096 - 2, .retries = 2,
                  .ip_version = 4, .cm_tmo = CM_TMO };
}

Mad req_mad(Cm *t, const Req *r)
{
    Mad m;
    uint8_t *d = mad_data(&m), *pd = d + 140;

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
int mad_frame(Cm *t, const Mad *m, uint32_t len, uint8_t *frame,
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
void send_mad_len(Cm *t, const Mad *m, uint32_t len)
{
    TestHost *ha = t->a->d->h, *hb = t->b->d->h;
    uint8_t frame[512];
    int n = mad_frame(t, m, len, frame, sizeof(frame));

    ha->now_ns = hb->now_ns = MAX(ha->now_ns, hb->now_ns);
    rdo_core_receive(&hb->core, frame, n);
    pair_run(t->p, 20000);
}

void send_mad(Cm *t, const Mad *m)
{
    send_mad_len(t, m, 256);
}

struct rdo_cm_counters side_counters(PairSide *s)
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

struct rdo_cm_counters cm_counters(Cm *t)
{
    return side_counters(t->b);
}

struct rdo_cmd_cm_listen listen_args(Cm *t, uint8_t flags)
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

uint8_t cm_cmd(PairSide *s, uint8_t op, uint32_t obj,
                      const void *args, size_t len)
{
    struct rdo_cqp_cmd cmd = td_cmd_of(op, obj);

    if (len) {
        memcpy(cmd.u.raw, args, len);
    }
    return td_cmd(s->d, &cmd).status;
}

uint8_t pool_add(Cm *t, uint32_t qpn)
{
    struct rdo_cmd_cm_pool a = { .qpn = qpn, .access = RDO_ACCESS__ALL };

    return cm_cmd(t->b, RDO_CMD_CM_POOL_ADD, 0, &a, sizeof(a));
}

/* B listens on SID with POOL QPs (slots 0.., QPN 2..) each with one
 * receive posted before any connection. */
Cm *cm_new(const RdoConfig *cfg, uint8_t flags, uint16_t notify_count,
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

void cm_free(Cm *t)
{
    g_array_free(t->from_b, true);
    pair_free(t->p);
    g_free(t);
}

Mad *last_from_b(Cm *t)
{
    g_assert_cmpuint(t->from_b->len, >, 0);
    return &g_array_index(t->from_b, Mad, t->from_b->len - 1);
}

struct rdo_cm_entry *cm_entry_at(Cm *t, uint32_t i)
{
    return td_ptr(t->b->d, t->table + (i & ((1u << TABLE_LOG) - 1)) * 128);
}

/* The next entry the device wrote (owner phase), consumed; NULL if none. */
struct rdo_cm_entry *next_entry(Cm *t)
{
    struct rdo_cm_entry *e = cm_entry_at(t, t->entries_read);

    if (e->owner != rdo_owner_phase(t->entries_read, TABLE_LOG)) {
        return NULL;
    }
    t->entries_read++;
    *(uint32_t *)td_ptr(t->b->d, t->ci_addr) = t->entries_read;
    return e;
}

/* CM_NOTIFY events on B's EQ 0 (others skipped); the last one's data. */
int cm_events(Cm *t, uint32_t *last)
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
uint32_t a_connect(Cm *t, const Req *r, const Mad *rep)
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

void send_rtu(Cm *t, const Req *r, const Mad *rep)
{
    Mad m;

    mad_hdr(&m, 0x0014, 0);
    memcpy(m.b + 8, rep->b + 8, 8);             /* the REQ's transaction */
    be32(mad_data(&m), r->comm_id);
    be32(mad_data(&m) + 4, get32(rep->b + 24));     /* B's ID */
    send_mad(t, &m);
}

/* REQ, REP, RTU: one connection; returns B's QP. */
uint32_t cm_connect_one(Cm *t, const Req *r)
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
void move_data(Cm *t, int n, uint32_t bq)
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

Mad dreq_mad(const Req *r, const Mad *rep, uint32_t qpn)
{
    Mad m;

    mad_hdr(&m, 0x0015, 0xd000 + r->comm_id);
    be32(mad_data(&m), r->comm_id);
    be32(mad_data(&m) + 4, get32(rep->b + 24));
    be24(mad_data(&m) + 8, qpn);
    return m;
}

/* A's own listener (another service ID: nobody connects to it), whose
 * table and EQ report the connections A's device makes. */
void a_listen(Cm *t)
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

struct rdo_cm_entry *a_next_entry(Cm *t)
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
uint8_t side_cm_connect(PairSide *from, PairSide *to, int n,
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

uint8_t a_cm_connect(Cm *t, int n, uint64_t sid, uint8_t plen,
                            uint8_t max_retries)
{
    return side_cm_connect(t->a, t->b, n, sid, plen, max_retries);
}
