/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host-side shortcuts that keep the cost of a packet flat in the
 * number of objects (docs/architecture.md, "Rules the code keeps") must
 * never change what the device does:
 * - the FIFOs of QP and CQ numbers (base/idxq.c) against GLib's GQueue,
 *   through growth and wrap-around;
 * - the responder's mask of streaming READs (RdoRespPart.res_streaming),
 *   which holds an ACK behind the READ responses before it: a WRITE posted
 *   after a long READ is acknowledged only after the READ's last response,
 *   and every packet the responder sends has a PSN no lower than the one
 *   before (an ACK sent at once would overtake 200 responses);
 * - the requester's records and their list nodes, which come from a pool
 *   (xport/records.c): a record in three lists at once (the third with a
 *   node of its own) leaves each in turn, and a stream of work requests
 *   takes every record from the pool once it holds the most in flight;
 * - the timing model's search of a QP's doorbell history (the doorbell
 *   time of a work request), against the scan of every entry it replaces
 *   (rdo_tm_db_scan: of the valid entries that cover the WQE, the least
 *   time, the lowest slot among equals),
 *   on histories in order and out of order (time or producer index going
 *   back, big jumps, wrap-around of the index, resets);
 * - the timing model's interrupts waiting for their MSI-X write, which
 *   reuse spent entries and keep their order;
 * - the unit host's ring of timed frames (TestFrameRing), which reuses its
 *   bytes instead of compacting a log: every frame comes out whole, in
 *   order, with its time, through wrap-around, growth and resets, and the
 *   ring stops growing once it holds the most ever in flight; the two
 *   times it keeps for the pair's step are its oldest and newest frame's;
 * - the benches' wait for completions (pair_step_until_write) takes the
 *   same steps as pair_step repeated until the device writes host memory.
 * - code every packet runs touches nothing of failover while it is off:
 *   the responder's QP has a requester queue no packet of it needs (with
 *   many QPs, a cold host cache line a packet).
 * - the blocks for tables sized by max-qp (alloc/bigmem.c) are zeroed and
 *   on cache lines, large ones on huge-page boundaries with the kernel's
 *   huge-page advice taken (Linux), counted while they live; RdoState's
 *   per-QP tables, carved from one such block, lie inside it, each on a
 *   cache line, none overlapping another.
 * - the timing model's spans go to the host's stage hook only while the
 *   host takes them (RdoHostOps.stage_on, asked at each entry into the
 *   core): the same WRITEs make the same simulated state whether they are
 *   taken or not, and the hook is called only while they are.
 * - a send WQE's host copy takes only the bytes its header says it uses,
 *   while the model reads and counts the whole slot.
 * - a host DMA of one piece of the cut at cache lines (timing/dma.c,
 *   rdo_host_dma's shortcut) asks the host the same and counts the same
 *   as the cut's walk of its pieces, counted or not, at either line size.
 */
#include <stdio.h>
#include <string.h>
#include "test-pair.h"
#include "base/base.h"
#include "wire/wire.h"
#include "xport/transport.h"
#include "timing/timing.h"

static void test_idxq(void)
{
    GRand *rng = g_rand_new_with_seed(20);    /* fixed: the same every run */
    RdoIdxQueue q = { 0 };
    GQueue ref = G_QUEUE_INIT;
    uint32_t most = 0;

    for (int step = 0; step < 200000; step++) {
        /* Phases that fill (growth) and drain (wrap-around) in turn. */
        bool fill = (step / 5000) % 2 == 0;
        uint32_t r = g_rand_int_range(rng, 0, 100);

        if (ref.length && (fill ? r < 30 : r < 70)) {
            uint32_t n = UINT32_MAX;

            g_assert_true(rdo_idxq_pop(&q, &n));
            g_assert_cmpuint(n, ==, GPOINTER_TO_UINT(g_queue_pop_head(&ref)));
        } else {
            uint32_t n = g_rand_int(rng);

            rdo_idxq_push(&q, n);
            g_queue_push_tail(&ref, GUINT_TO_POINTER(n));
        }
        g_assert_cmpuint(q.len, ==, ref.length);
        g_assert_true(!q.cap || (q.cap & (q.cap - 1)) == 0);
        g_assert_cmpuint(q.len, <=, q.cap);
        most = MAX(most, q.len);
        if (step % 997 == 0) {
            uint32_t i = 0;

            for (GList *l = ref.head; l; l = l->next, i++) {
                g_assert_cmpuint(rdo_idxq_nth(&q, i), ==, GPOINTER_TO_UINT(l->data));
                g_assert_true(rdo_idxq_contains(&q, GPOINTER_TO_UINT(l->data)));
            }
        }
    }
    /* It grew several times over and never past twice the most it held. */
    g_assert_cmpuint(most, >, 1000);
    g_assert_cmpuint(q.cap, <, 2 * most + 64);
    rdo_idxq_free(&q);
    g_assert_true(!q.v && !q.cap && !q.len);
    g_queue_clear(&ref);
    g_rand_free(rng);
}

typedef struct RespOrder {
    uint32_t frames, responses, acks;
    uint32_t last_psn, bad;
    uint32_t write_ack_at;      /* its position among side 1's packets */
    uint32_t write_psn;         /* RDO_NONE until the WRITE is seen */
} RespOrder;

/* Side 1's (the responder's) RoCE packets, in the order they leave. */
static bool watch(Pair *p, int from, uint8_t *frame, size_t *len,
                  bool *again, void *opaque)
{
    RespOrder *o = opaque;
    RdoWireParsed w;
    uint8_t op;

    if (rdo_wire_parse(frame, *len, &w) != 0) {
        return true;
    }
    op = w.pkt.opcode & ~RDO_TRANSPORT_MASK;
    if (from == 0) {
        /* The requester's: the WRITE's PSN (after the READ's). */
        if (op == RDO_OP_WRITE_ONLY) {
            o->write_psn = w.pkt.psn;
        }
        return true;
    }
    if (op == RDO_OP_ACKNOWLEDGE) {
        o->acks++;
        if (w.pkt.psn == o->write_psn) {
            o->write_ack_at = o->frames;
        }
    } else if (op >= RDO_OP_READ_RESPONSE_FIRST && op <= RDO_OP_READ_RESPONSE_ONLY) {
        o->responses++;
    } else {
        return true;
    }
    /* In PSN order: never back (24-bit serial arithmetic). */
    if (o->frames && ((w.pkt.psn - o->last_psn) & RDO_PSN_MASK) >= (1u << 23)) {
        o->bad++;
    }
    o->last_psn = w.pkt.psn;
    o->frames++;
    return true;
}

static void test_ack_behind_read(void)
{
    const uint32_t read_len = 200 * 1024, mtu = 1024;   /* 200 responses */
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    struct rdo_send_wqe rd = { 0 }, wr = { 0 };
    struct rdo_sge rsge = { PAIR_DST, read_len, a->mr_key };
    struct rdo_sge wsge = { PAIR_SRC, 64, a->mr_key };
    RespOrder o = { .write_psn = RDO_NONE, .write_ack_at = RDO_NONE };
    struct rdo_cqe e;

    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);   /* MTU 1024 */
    pair_fill(b, PAIR_SRC, read_len, 7);
    pair_fill(a, PAIR_SRC, 64, 8);
    p->tamper = watch;
    p->tamper_opaque = &o;

    rd.opcode = RDO_WR_RDMA_READ;
    rd.flags = RDO_WQE_F_SIGNALED;
    rd.wr_id = 1;
    rd.remote_addr = PAIR_SRC;
    rd.rkey = b->mr_key;
    wr.opcode = RDO_WR_RDMA_WRITE;
    wr.flags = RDO_WQE_F_SIGNALED;
    wr.wr_id = 2;
    wr.remote_addr = PAIR_DST;
    wr.rkey = b->mr_key;
    pair_post_send(a, 0, &rd, &rsge, 1, NULL);
    pair_post_send(a, 0, &wr, &wsge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 2, PAIR_SEC));

    e = pair_poll_success(a, 3);
    g_assert_cmpuint(e.wr_id, ==, 1);
    e = pair_poll_success(a, 3);
    g_assert_cmpuint(e.wr_id, ==, 2);
    g_assert_cmpmem(pair_mr_ptr(a, PAIR_DST), read_len,
                    pair_mr_ptr(b, PAIR_SRC), read_len);
    g_assert_cmpmem(pair_mr_ptr(b, PAIR_DST), 64, pair_mr_ptr(a, PAIR_SRC), 64);

    g_assert_cmpuint(o.responses, ==, read_len / mtu);
    g_assert_cmpuint(o.acks, >=, 1);
    /* The WRITE's ACK after every response (none lost, none resent). */
    g_assert_cmpuint(o.write_psn, !=, RDO_NONE);
    g_assert_cmpuint(o.write_ack_at, !=, RDO_NONE);
    g_assert_cmpuint(o.write_ack_at, >=, o.responses);
    g_assert_cmpuint(o.bad, ==, 0);
    g_assert_cmpuint(p->s[0].d->h->core.cnt.retransmits, ==, 0);
    pair_free(p);
}

static void test_record_lists(void)
{
    RdoState st = { 0 };
    GQueue q[3] = { G_QUEUE_INIT, G_QUEUE_INIT, G_QUEUE_INIT };
    RdoSendRec *a = rdo_rec_new(&st), *b = rdo_rec_new(&st), *c;

    /* a in all three lists (the third needs a node of its own), b in two;
     * list 1 holds b before a. */
    a->refs = 3;
    b->refs = 2;
    a->wr_id = 1;
    rdo_rec_push(&q[0], a);
    rdo_rec_push(&q[1], b);
    rdo_rec_push(&q[1], a);
    rdo_rec_push(&q[2], a);
    rdo_rec_push(&q[2], b);
    g_assert_true(a->link[0].data == a && a->link[1].data == a);
    g_assert_true(q[2].head->data == a && q[2].head != &a->link[0] &&
                  q[2].head != &a->link[1]);
    g_assert_true(b->link[0].data == b && b->link[1].data == b);

    /* Out of list 1 first: a's node there is free again and takes its
     * place in a fourth list, without disturbing the others. */
    g_assert_true(rdo_rec_pop(&q[1]) == b);
    rdo_rec_unref(&st, b);
    g_assert_true(rdo_rec_pop(&q[1]) == a);
    rdo_rec_unref(&st, a);
    g_assert_null(rdo_rec_pop(&q[1]));
    g_assert_true(a->link[1].data == NULL);
    a->refs++;
    rdo_rec_push(&q[1], a);
    g_assert_true(q[1].head == &a->link[1]);
    g_assert_true(q[0].head == &a->link[0] && q[0].length == 1);
    g_assert_cmpuint(q[2].length, ==, 2);
    g_assert_null(st.rec_free);         /* none released yet */

    rdo_rec_clear(&st, &q[2]);          /* a (own node) and b: b released */
    g_assert_cmpuint(st.rec_free->len, ==, 1);
    g_assert_true(g_ptr_array_index(st.rec_free, 0) == b);
    rdo_rec_clear(&st, &q[0]);
    rdo_rec_clear(&st, &q[1]);
    g_assert_cmpuint(st.rec_free->len, ==, 2);
    g_assert_cmpuint(a->refs, ==, 0);

    /* Taken again, cleared. */
    c = rdo_rec_new(&st);
    g_assert_true(c == a || c == b);
    g_assert_true(c->wr_id == 0 && !c->link[0].data && !c->link[1].data);
    g_assert_cmpuint(st.rec_free->len, ==, 1);
    g_free(c);
    rdo_rec_pool_free(&st);
    g_assert_null(st.rec_free);
}

/* Records are taken from the pool: after a first round of WRITEs the
 * pool holds what was in flight, and later rounds (as many in flight)
 * take every record from it. */
static void test_record_pool(void)
{
    enum { ROUNDS = 20, BATCH = 8 };
    Pair *p = pair_new(NULL);
    PairSide *a = &p->s[0], *b = &p->s[1];
    RdoState *st = a->d->h->core.st;
    struct rdo_send_wqe w = { 0 };
    struct rdo_sge sge = { PAIR_SRC, 64, a->mr_key };
    uint32_t kept = 0;

    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
    w.opcode = RDO_WR_RDMA_WRITE;
    w.flags = RDO_WQE_F_SIGNALED;
    w.rkey = b->mr_key;
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < BATCH; i++) {
            w.wr_id = r * BATCH + i;
            w.remote_addr = PAIR_DST + 64 * i;
            pair_post_send(a, 0, &w, &sge, 1, NULL);
        }
        g_assert_true(pair_run_cqes(p, 0, BATCH, PAIR_SEC));
        for (int i = 0; i < BATCH; i++) {
            g_assert_cmpuint(pair_poll_success(a, ROUNDS * BATCH).wr_id, ==,
                             r * BATCH + i);
        }
        g_assert_true(g_queue_is_empty(&st->xport[a->qp[0].qpn].req.sent));
        g_assert_nonnull(st->rec_free);
        if (r == 0) {
            kept = st->rec_free->len;
            g_assert_cmpuint(kept, >=, 1);
            g_assert_cmpuint(kept, <=, BATCH);
        }
        g_assert_cmpuint(st->rec_free->len, ==, kept);
    }
    pair_free(p);
}

/*
 * Failover off: WRITEs in both modes with the responder's requester queue
 * pointing at memory that must not be read. A packet that still looked at
 * it (rdo_xport_commit did, on every responder packet) would crash here.
 */
static void test_untouched_when_off(void)
{
    for (int timing = 0; timing < 2; timing++) {
        RdoConfig cfg = test_host_default_config();
        Pair *p;
        PairSide *a, *b;
        struct rdo_send_wqe w = { 0 };
        struct rdo_sge sge;
        RdoXport *bx;
        GQueue kept;

        cfg.tm.on = timing;
        p = pair_new(&cfg);
        a = &p->s[0];
        b = &p->s[1];
        g_assert_cmpuint(b->d->h->core.cfg.failover, ==, 0);
        pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
        pair_fill(a, PAIR_SRC, 256, 3);
        sge = (struct rdo_sge){ PAIR_SRC, 256, a->mr_key };
        bx = &b->d->h->core.st->xport[b->qp[0].qpn];
        g_assert_true(g_queue_is_empty(&bx->req.sent));
        kept = bx->req.sent;
        /* Unmapped: reading the queue's head faults. */
        bx->req.sent.head = bx->req.sent.tail = (GList *)(uintptr_t)64;
        bx->req.sent.length = 1;
        w.opcode = RDO_WR_RDMA_WRITE;
        w.flags = RDO_WQE_F_SIGNALED;
        w.rkey = b->mr_key;
        for (int i = 0; i < 8; i++) {
            w.wr_id = i;
            w.remote_addr = PAIR_DST + 256 * i;
            pair_post_send(a, 0, &w, &sge, 1, NULL);
        }
        g_assert_true(pair_run_cqes(p, 0, 8, PAIR_SEC));
        for (int i = 0; i < 8; i++) {
            g_assert_cmpuint(pair_poll_success(a, 8).wr_id, ==, i);
            g_assert_cmpmem(pair_mr_ptr(b, PAIR_DST + 256 * i), 256,
                            pair_mr_ptr(a, PAIR_SRC), 256);
        }
        bx->req.sent = kept;
        pair_free(p);
    }
}

static void test_db_search(void)
{
    GRand *rng = g_rand_new_with_seed(21);    /* fixed: the same every run */
    RdoTmQp *q = g_new0(RdoTmQp, 1);
    uint32_t pi = 0xffffff00u;                /* wraps early on */
    uint64_t now = 1000;
    unsigned fast = 0, checks = 0;

    for (int step = 0; step < 60000; step++) {
        uint32_t r = g_rand_int_range(rng, 0, 1000);

        if (r < 2) {
            /* A new QP with the number (as rdo_xport_reset_qp). */
            memset(q->db, 0, sizeof(q->db));
            q->db_count = 0;
        } else if (r < 6) {
            pi -= g_rand_int_range(rng, 1, 40);             /* goes back */
        } else if (r < 8) {
            pi += g_rand_int_range(rng, 1 << 24, 1 << 30);  /* jumps */
        } else if (r < 12) {
            now -= MIN(now, (uint64_t)g_rand_int_range(rng, 1, 5000));
        } else {
            pi += g_rand_int_range(rng, 0, 9);
            /* Runs of doorbells at one time: ties. */
            now += g_rand_boolean(rng) ? 0 : g_rand_int_range(rng, 1, 3000);
        }
        rdo_tm_db_note(q, pi, now, g_rand_boolean(rng));
        fast += (int32_t)(q->db_next - q->db_slow_until) >= 0;
        for (int k = 0; k < 4; k++) {
            /* WQE indexes around the history's producer indexes. */
            uint32_t index = pi - g_rand_int_range(rng, -8, 600);
            bool p1 = true, p2 = true;
            uint64_t t1 = rdo_tm_db_search(q, index, &p1);
            uint64_t t2 = rdo_tm_db_scan(q, index, &p2);

            g_assert_cmpuint(t1, ==, t2);
            g_assert_cmpint(p1, ==, p2);
            checks += t2 != 0;
        }
    }
    /* Both ways taken, most searches with an answer. */
    g_assert_cmpuint(fast, >, 10000);
    g_assert_cmpuint(fast, <, 59000);
    g_assert_cmpuint(checks, >, 100000);
    g_free(q);
    g_rand_free(rng);
}

static void test_irq_queue(void)
{
    RdoTiming *t = g_new0(RdoTiming, 1);
    RdoTmIrq *first, *second, *irq;
    unsigned due;

    rdo_tm_irq_queue(t, 10, 1);
    rdo_tm_irq_queue(t, 20, 2);
    rdo_tm_irq_queue(t, 30, 3);
    first = g_queue_peek_head(&t->irqs);
    g_assert_true(first->due_ps == 10 && first->vector == 1);
    rdo_tm_irq_spent(t);
    second = g_queue_peek_head(&t->irqs);
    g_assert_true(second->due_ps == 20 && second->vector == 2);
    rdo_tm_irq_spent(t);
    /* The two spent ones are taken again (the last spent first), behind
     * the one still waiting. */
    rdo_tm_irq_queue(t, 40, 4);
    rdo_tm_irq_queue(t, 50, 5);
    g_assert_null(t->irq_free);
    g_assert_cmpuint(t->irqs.length, ==, 3);
    g_assert_true(g_queue_peek_nth(&t->irqs, 1) == second);
    g_assert_true(g_queue_peek_nth(&t->irqs, 2) == first);
    for (due = 30; (irq = g_queue_peek_head(&t->irqs)); due += 10) {
        g_assert_cmpuint(irq->due_ps, ==, due);
        g_assert_cmpuint(irq->vector, ==, due / 10);
        rdo_tm_irq_spent(t);
    }
    g_assert_cmpuint(due, ==, 60);
    rdo_tm_irqs_free(t);
    g_assert_null(t->irq_free);
    g_free(t);
}

/* A frame's bytes from its number and length (checked on the way out). */
static void ring_frame(uint8_t *buf, uint32_t seq, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)(seq * 131 + i * 7);
    }
}

static const TestFrameAt *ring_last(const TestFrameRing *r)
{
    return &r->at[(r->first + r->count - 1) & (r->at_size - 1)];
}

static const TestFrameAt *ring_last_but(const TestFrameRing *r)
{
    return &r->at[(r->first + r->count - 2) & (r->at_size - 1)];
}

/* The frames waiting lie inside the ring and no two share a byte. */
static void ring_check_disjoint(const TestFrameRing *r)
{
    for (guint i = 0; i < r->count; i++) {
        const TestFrameAt *a = &r->at[(r->first + i) & (r->at_size - 1)];

        g_assert_cmpuint(a->off + a->len, <=, r->size);
        for (guint j = i + 1; j < r->count; j++) {
            const TestFrameAt *b = &r->at[(r->first + j) & (r->at_size - 1)];

            g_assert_true(a->off + a->len <= b->off ||
                          b->off + b->len <= a->off);
        }
    }
}

/* The times the host's loop reads are the oldest's and the newest's. */
static void ring_check_times(const TestFrameRing *r)
{
    g_assert_cmpuint(r->front_ns, ==, r->count ? r->at[r->first].when_ns : 0);
    g_assert_cmpuint(r->back_ns, ==, r->count ? ring_last(r)->when_ns : 0);
}

static void test_frame_ring(void)
{
    GRand *rng = g_rand_new_with_seed(22);    /* fixed: the same every run */
    TestFrameRing r = { 0 };
    uint8_t frame[PAIR_FRAME_MAX], want[PAIR_FRAME_MAX];
    uint32_t pushed = 0, popped = 0;
    size_t lens[256];
    size_t size_after_warmup = 0;
    uint32_t wraps = 0, target = 1;

    for (int step = 0; step < 200000; step++) {
        /* The frames in flight drift around a level that changes now and
         * then (growth while it rises, wrap-around while it holds), with a
         * reset now and then (the host dropping what it holds). */
        uint32_t rnd = g_rand_int_range(rng, 0, 1000);
        uint32_t in_flight = pushed - popped;
        bool fill = in_flight < target;
        const uint8_t *got;
        uint64_t when = 0;
        size_t len = 0;

        if (step % 2000 == 0) {
            target = g_rand_int_range(rng, 1, 65);
        }
        if (step == 100000) {
            size_after_warmup = r.size;
        }
        if (rnd == 0) {
            test_ring_reset(&r);
            popped = pushed;
            g_assert_null(test_ring_front(&r, &len, &when));
            ring_check_times(&r);
            continue;
        }
        if (in_flight &&
            (in_flight == G_N_ELEMENTS(lens) ||
             (fill ? rnd < 300 : rnd < 700))) {
            got = test_ring_front(&r, &len, &when);
            g_assert_nonnull(got);
            g_assert_cmpuint(len, ==, lens[popped % G_N_ELEMENTS(lens)]);
            g_assert_cmpuint(when, ==, popped);
            ring_frame(want, popped, len);
            g_assert_cmpmem(got, len, want, len);
            test_ring_pop(&r);
            popped++;
        } else {
            /* Mostly full frames, some small (ACKs), a few jumbo. */
            uint32_t kind = g_rand_int_range(rng, 0, 100);

            len = kind < 30 ? 60 + kind * 7 : kind < 35 ? PAIR_FRAME_MAX : 4154;
            lens[pushed % G_N_ELEMENTS(lens)] = len;
            ring_frame(frame, pushed, len);
            test_ring_push(&r, frame, len, pushed);
            pushed++;
            /* Went to the start while older frames wait at the end. */
            wraps += r.count > 1 && ring_last(&r)->off < ring_last_but(&r)->off;
            ring_check_disjoint(&r);
        }
        g_assert_cmpuint(r.count, ==, pushed - popped);
        g_assert_true((r.at_size & (r.at_size - 1)) == 0);
        ring_check_times(&r);
    }
    g_assert_cmpuint(wraps, >, 500);
    /* The same pattern again needs no more room: bytes are reused. */
    g_assert_cmpuint(r.size, ==, size_after_warmup);
    test_ring_destroy(&r);
    g_rand_free(rng);
}

/* Pushes frame `seq` of `len` bytes and checks where it went. */
static void ring_push_at(TestFrameRing *r, uint32_t seq, size_t len,
                         size_t want_off)
{
    uint8_t frame[PAIR_FRAME_MAX];

    ring_frame(frame, seq, len);
    test_ring_push(r, frame, len, seq);
    ring_check_disjoint(r);
    ring_check_times(r);
    g_assert_cmpuint(ring_last(r)->off, ==, want_off);
}

/* Takes every frame, checking each is seq, seq + 1, ... with its bytes. */
static void ring_drain(TestFrameRing *r, uint32_t seq)
{
    uint8_t want[PAIR_FRAME_MAX];
    const uint8_t *got;
    uint64_t when;
    size_t len;

    while ((got = test_ring_front(r, &len, &when))) {
        g_assert_cmpuint(when, ==, seq);
        ring_frame(want, seq++, len);
        g_assert_cmpmem(got, len, want, len);
        test_ring_pop(r);
        ring_check_times(r);
    }
}

/* The edges: a frame goes to the start only if it ends before the oldest,
 * fills the gap up to the oldest only if it fits, else the ring grows. */
static void test_frame_ring_edges(void)
{
    TestFrameRing r = { 0 };
    uint32_t seq = 0;

    for (int i = 0; i < 16; i++) {
        ring_push_at(&r, seq++, 4096, 4096 * i);  /* 64 KiB: exactly full */
    }
    g_assert_cmpuint(r.size, ==, 65536);
    test_ring_pop(&r);                          /* the oldest at 4096 */
    ring_push_at(&r, seq++, 4150, 15 * 4096);   /* longer: grows, moves */
    g_assert_cmpuint(r.size, ==, 131072);
    ring_drain(&r, 1);

    for (int i = 0; i < 32; i++) {
        ring_push_at(&r, seq++, 4096, 4096 * i);  /* 128 KiB: full again */
    }
    test_ring_pop(&r);
    test_ring_pop(&r);                          /* the oldest at 8192 */
    ring_push_at(&r, seq++, 4096, 0);           /* fits before it: wraps */
    ring_push_at(&r, seq++, 4000, 4096);        /* the gap, 96 bytes left */
    g_assert_cmpuint(r.size, ==, 131072);
    ring_push_at(&r, seq++, 100, 32 * 4096 - 2 * 4096 + 4096 + 4000);
    g_assert_cmpuint(r.size, ==, 262144);       /* did not fit: grew */
    ring_drain(&r, 19);
    test_ring_destroy(&r);
}

#define HUGE_PAGE   (2u << 20)

/* Whether the mapping holding `p` carries the huge-page advice: VmFlags
 * "hg" in /proc/self/smaps. */
static bool advised_huge(const void *p)
{
    g_autofree char *smaps = NULL;
    uintptr_t a = (uintptr_t)p;
    bool in = false;

    g_assert_true(g_file_get_contents("/proc/self/smaps", &smaps, NULL, NULL));
    for (char *line = strtok(smaps, "\n"); line; line = strtok(NULL, "\n")) {
        unsigned long lo, hi;

        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
            in = a >= lo && a < hi;
        } else if (in && g_str_has_prefix(line, "VmFlags:")) {
            return strstr(line, " hg") != NULL;
        }
    }
    return false;
}

static void test_bigmem(void)
{
    static const size_t sizes[] = {
        0, 1, 100, HUGE_PAGE - 1, HUGE_PAGE, 3 * HUGE_PAGE + 5,
    };
    bool thp = g_file_test("/sys/kernel/mm/transparent_hugepage/enabled",
                           G_FILE_TEST_EXISTS);

    for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
        size_t n = sizes[i];
        uint64_t before = rdo_bigmem_mapped_bytes();
        uint8_t *p = rdo_bigmem_alloc0(n);
        bool mapped = false;

        g_assert_nonnull(p);
        g_assert_cmpuint((uintptr_t)p % 64, ==, 0);
        for (size_t k = 0; k < n; k++) {
            g_assert_cmpuint(p[k], ==, 0);
        }
        memset(p, 0xa5, n);                 /* every byte is ours */
#ifdef __linux__
        mapped = n >= HUGE_PAGE;
#endif
        if (mapped) {
            g_assert_cmpuint((uintptr_t)p % HUGE_PAGE, ==, 0);
            g_assert_cmpuint(rdo_bigmem_mapped_bytes() - before, ==,
                             (n + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE);
            if (thp) {
                g_assert_true(advised_huge(p));
                g_assert_true(advised_huge(p + n - 1));
            }
        } else {
            g_assert_cmpuint(rdo_bigmem_mapped_bytes(), ==, before);
        }
        rdo_bigmem_free(p, n);
        g_assert_cmpuint(rdo_bigmem_mapped_bytes(), ==, before);
    }
    rdo_bigmem_free(NULL, HUGE_PAGE);
}

/* RdoState's per-QP tables, at a size that maps the block (65,538 QPs)
 * and one that does not (the default). */
static void test_qp_tables(void)
{
    static const uint32_t max_qps[] = { 65538, 0 };

    for (size_t i = 0; i < G_N_ELEMENTS(max_qps); i++) {
        RdoConfig cfg = test_host_default_config();
        TestHost *h;
        const RdoState *st;
        uintptr_t lo[16], hi[16];
        size_t n = 0, total = 0;

        if (max_qps[i]) {
            cfg.max_qp = max_qps[i];
        }
        h = test_host_new(&cfg, 1 << 20);
        st = h->core.st;
#define TABLE_SPAN(f) \
        lo[n] = (uintptr_t)st->f; \
        hi[n] = lo[n] + (size_t)cfg.max_qp * sizeof(*st->f); \
        total += (size_t)cfg.max_qp * sizeof(*st->f); \
        n++;
        RDO_QP_TABLES(TABLE_SPAN)
#undef TABLE_SPAN
        g_assert_cmpuint(st->qp_tables_bytes, >=, total);
        for (size_t a = 0; a < n; a++) {
            g_assert_cmpuint(lo[a] % 64, ==, 0);
            g_assert_cmpuint(lo[a], >=, (uintptr_t)st->qp_tables);
            g_assert_cmpuint(hi[a], <=,
                             (uintptr_t)st->qp_tables + st->qp_tables_bytes);
            for (size_t b = 0; b < n; b++) {
                g_assert_true(a == b || hi[a] <= lo[b] || hi[b] <= lo[a]);
            }
        }
        test_host_free(h);
    }
}

/* The cache lines of a QP's transport state (RdoXport) one message
 * touches: on the sender the requester's per-packet and ACK fields and
 * the rate limiter's flag, on the receiver the aggregation's and the
 * responder's; two lines each side, none shared (the receiver's ACK adds
 * its requester's IP ID, on the sender's lines). A field added to either
 * list, or moved, must keep this or change the layout. */
typedef struct XportField {
    const char *name;
    size_t off, len;
} XportField;

#define XF(f) { #f, offsetof(RdoXport, f), sizeof(((RdoXport *)0)->f) }

static void xport_lines(const XportField *f, size_t n, size_t *first,
                        size_t *last)
{
    *first = SIZE_MAX;
    *last = 0;
    for (size_t i = 0; i < n; i++) {
        if (g_test_verbose()) {
            g_printerr("%s: bytes %zu-%zu\n", f[i].name, f[i].off,
                       f[i].off + f[i].len - 1);
        }
        *first = MIN(*first, f[i].off / 64);
        *last = MAX(*last, (f[i].off + f[i].len - 1) / 64);
    }
}

static void test_xport_lines(void)
{
    static const XportField sender[] = {
        XF(req.state), XF(req.retry), XF(req.sent), XF(req.tx_pos),
        XF(req.tx_pkt), XF(req.sq_next), XF(req.next_psn), XF(req.una_psn),
        XF(req.tx_psn_max), XF(req.rd_inflight), XF(req.retry_left),
        XF(req.rnr_left), XF(req.rto_at), XF(req.rnr_until),
        XF(req.fo_defer), XF(req.fo_owed), XF(req.timer_armed),
        XF(req.ip_id), XF(req.sched_limited), XF(req.sched_limit),
        XF(req.push_valid), XF(req.fo_seq_next),
        XF(req.fo_unsaved), XF(cc.rp.limited),
    };
    static const XportField receiver[] = {
        XF(agg), XF(resp.op), XF(resp.seq), XF(resp.epsn), XF(resp.msn),
        XF(resp.ack_pending), XF(resp.ack_syndrome), XF(resp.resp_queued),
        XF(resp.ack_queued), XF(resp.ack_psn), XF(resp.res_streaming),
        XF(resp.write_va), XF(resp.write_rkey), XF(resp.write_left),
        XF(resp.write_total), XF(resp.fo_refused), XF(resp.recv_srq),
        XF(resp.recv_index), XF(resp.recv_offset), XF(resp.recv_wr_id),
    };
    size_t s_first, s_last, r_first, r_last;
    RdoConfig cfg = test_host_default_config();
    TestHost *h;

    /* Lines counted from the entry's start: each entry starts one. */
    g_assert_cmpuint(sizeof(RdoXport) % 64, ==, 0);
    h = test_host_new(&cfg, 1 << 20);
    g_assert_cmpuint((uintptr_t)h->core.st->xport % 64, ==, 0);
    test_host_free(h);

    xport_lines(sender, G_N_ELEMENTS(sender), &s_first, &s_last);
    xport_lines(receiver, G_N_ELEMENTS(receiver), &r_first, &r_last);
    g_assert_cmpuint(s_last - s_first, <=, 1);
    g_assert_cmpuint(r_last - r_first, <=, 1);
    g_assert_true(s_last < r_first || r_last < s_first);
    /* The spans the host prefetch loads cover them. */
    g_assert_cmpuint(RDO_XPORT_SEND_FIRST / 64, <=, s_first);
    g_assert_cmpuint((RDO_XPORT_SEND_END - 1) / 64, >=, s_last);
    g_assert_cmpuint((RDO_XPORT_SEND_END - 1) / 64 - RDO_XPORT_SEND_FIRST / 64,
                     <=, 1);
    g_assert_cmpuint(RDO_XPORT_RECV_FIRST / 64, <=, r_first);
    g_assert_cmpuint((RDO_XPORT_RECV_END - 1) / 64, >=, r_last);
    g_assert_cmpuint((RDO_XPORT_RECV_END - 1) / 64 - RDO_XPORT_RECV_FIRST / 64,
                     <=, 1);
}

/* One 20,000-byte WRITE of pair p's slot 0, `i` its number, to its CQE. */
static void spans_write(Pair *p, int i)
{
    struct rdo_send_wqe w = { .opcode = RDO_WR_RDMA_WRITE, .wr_id = 40 + i,
                              .flags = RDO_WQE_F_SIGNALED };
    struct rdo_sge sge = pair_sge_of(&p->s[0], PAIR_SRC + 13, 20000);

    w.remote_addr = PAIR_DST + 3;
    w.rkey = p->s[1].mr_key;
    pair_fill(&p->s[0], PAIR_SRC + 13, 20000, 5 + i);
    pair_post_send(&p->s[0], 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(&p->s[0], 40 + i, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    pair_assert_same(&p->s[0], PAIR_SRC + 13, &p->s[1], PAIR_DST + 3, 20000);
}

/*
 * Two pairs, the same three WRITEs: pair 0's requester never takes spans,
 * pair 1's takes them for the second WRITE only. Its hook is called for
 * that one alone (every call a span it kept, DMAs among them); the other
 * hosts' never; both pairs' counters, timing counters included, stay equal.
 */
static void test_spans_when_taken(void)
{
    RdoConfig cfg = test_host_default_config();
    Pair *p[2];
    GArray *spans = g_array_new(FALSE, FALSE, sizeof(RdoStageSpan));
    uint64_t after[3] = { 0 };

    cfg.tm.on = true;
    for (int k = 0; k < 2; k++) {
        p[k] = pair_new(&cfg);
        pair_connect(p[k], 0, RDO_QPT_RC, RDO_MTU_4096);
    }
    for (int i = 0; i < 3; i++) {
        TestHost *h = p[1]->s[0].d->h;
        bool dma = false;

        h->spans = i == 1 ? spans : NULL;
        for (int k = 0; k < 2; k++) {
            spans_write(p[k], i);
        }
        after[i] = h->stage_calls;
        for (int side = 0; side < 2; side++) {
            RdoCore *c0 = &p[0]->s[side].d->h->core;
            RdoCore *c1 = &p[1]->s[side].d->h->core;

            rdo_tm_sync(c0);
            rdo_tm_sync(c1);
            g_assert_cmpmem(&c0->tcnt, sizeof(c0->tcnt), &c1->tcnt,
                            sizeof(c1->tcnt));
            g_assert_cmpmem(&c0->cnt, sizeof(c0->cnt), &c1->cnt,
                            sizeof(c1->cnt));
            g_assert_cmpuint(p[0]->s[side].d->h->stage_calls, ==, 0);
        }
        g_assert_cmpuint(p[1]->s[1].d->h->stage_calls, ==, 0);
        for (guint n = 0; n < spans->len; n++) {
            dma |= g_array_index(spans, RdoStageSpan, n).stage ==
                   RDO_STAGE_DMA_READ;
        }
        if (i == 1) {
            g_assert_true(dma);
        }
    }
    g_assert_cmpuint(after[0], ==, 0);
    g_assert_cmpuint(after[1], ==, spans->len);
    g_assert_cmpuint(spans->len, >, 10);
    g_assert_cmpuint(after[2], ==, after[1]);
    g_array_free(spans, TRUE);
    pair_free(p[0]);
    pair_free(p[1]);
}

/*
 * A send WQE's host copy: the device copies from its slot only the bytes
 * the header says the WQE uses (the first two lines at once, the rest
 * after parsing), while the model still reads and counts the whole slot
 * (the stride). The slot's bytes after the WQE hold garbage here, which
 * the device must neither read nor use: WRITEs of 1 and 6 SGEs (80 and
 * 160 bytes of a 256-byte slot) complete with their data, in both modes.
 */
static void test_wqe_used_bytes(void)
{
    static const uint32_t nsges[] = { 1, 6 };

    for (int timing = 0; timing < 2; timing++) {
        RdoConfig cfg = test_host_default_config();
        Pair *p;
        PairSide *a, *b;
        const RdoPairLayout *l;
        uint32_t stride;

        cfg.tm.on = timing;
        p = pair_new(&cfg);
        a = &p->s[0];
        b = &p->s[1];
        l = &p->layout;
        stride = 1u << l->sq_shift;
        g_assert_cmpuint(stride, ==, 256);
        pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096 - 2);
        for (size_t k = 0; k < G_N_ELEMENTS(nsges); k++) {
            const uint32_t n = nsges[k], piece = 16;
            struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, 40 + k);
            struct rdo_sge sge[6];
            uint64_t slot = rdo_ring_slot(a->qp[0].sq, a->qp[0].sq_pi,
                                          l->sq_log, l->sq_shift);
            uint32_t used = sizeof(w) + n * sizeof(sge[0]);
            uint32_t copied = MAX(used, 128), logged_lines = 0;
            uint64_t lines0 = a->d->h->core.cnt.dma_full_lines;
            uint64_t parts0 = a->d->h->core.cnt.dma_head_pieces +
                              a->d->h->core.cnt.dma_tail_pieces;
            uint64_t logged_parts = 0;
            GArray *log;

            memset(td_ptr(a->d, slot), 0xa5, stride);
            pair_fill(a, PAIR_SRC, n * piece, 9 + k);
            for (uint32_t i = 0; i < n; i++) {
                sge[i] = pair_sge_of(a, PAIR_SRC + i * piece, piece);
            }
            w.remote_addr = PAIR_DST + 4096 * k;
            w.rkey = b->mr_key;
            a->d->h->dma_log = log = g_array_new(FALSE, FALSE, sizeof(TestDma));
            pair_post_send(a, 0, &w, sge, n, NULL);
            g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
            pair_expect_cqe(a, 40 + k, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
            pair_assert_same(a, PAIR_SRC, b, PAIR_DST + 4096 * k, n * piece);
            /* The slot's garbage is where the harness left it. */
            g_assert_cmpuint(((uint8_t *)td_ptr(a->d, slot))[stride - 1], ==,
                             0xa5);
            for (guint i = 0; i < log->len; i++) {
                TestDma *d = &g_array_index(log, TestDma, i);

                if (d->len % 64 == 0 && d->addr % 64 == 0) {
                    logged_lines += d->len / 64;
                } else {
                    logged_parts++;
                }
                if (d->write || d->addr + d->len <= slot ||
                    d->addr >= slot + stride) {
                    continue;
                }
                g_assert_cmpuint(d->addr, >=, slot);
                g_assert_cmpuint(d->addr + d->len, <=, slot + copied);
            }
            /* Counted: the whole slot (4 lines), the host's copy and
             * everything else as logged. */
            g_assert_cmpuint(a->d->h->core.cnt.dma_full_lines - lines0, ==,
                             logged_lines - copied / 64 + stride / 64);
            g_assert_cmpuint(a->d->h->core.cnt.dma_head_pieces +
                             a->d->h->core.cnt.dma_tail_pieces - parts0, ==,
                             logged_parts - !!(copied % 64));
            a->d->h->dma_log = NULL;
            g_array_unref(log);
        }
        pair_free(p);
    }
}

/* One pair's state a step can move: both clocks, wake-ups and writes to
 * host memory, the frames delivered. */
static void steps_assert_same(Pair *p0, Pair *p1)
{
    g_assert_cmpuint(p0->frames, ==, p1->frames);
    for (int k = 0; k < 2; k++) {
        TestHost *h0 = p0->s[k].d->h, *h1 = p1->s[k].d->h;

        g_assert_cmpuint(h0->now_ns, ==, h1->now_ns);
        g_assert_cmpuint(h0->wakeup_ns, ==, h1->wakeup_ns);
        g_assert_cmpuint(h0->wakeups, ==, h1->wakeups);
        g_assert_cmpuint(h0->dma_writes, ==, h1->dma_writes);
        g_assert_cmpuint(h0->timed.count, ==, h1->timed.count);
    }
}

/*
 * pair_step_until_write, the benches' loop waiting for completions, is
 * pair_step repeated until the side's device wrote host memory: two pairs,
 * the same WRITEs (timing mode, so four steps a frame, and functional),
 * one driven by pair_step and the test of the write after each, the other
 * by pair_step_until_write; after each wait both pairs are in the same
 * state and find the same completions, and both stop alike when the time
 * runs out with nothing due.
 */
static void test_step_until_write(void)
{
    for (int timed = 0; timed < 2; timed++) {
        RdoConfig cfg = test_host_default_config();
        Pair *p[2];
        uint64_t seen = UINT64_MAX;     /* writes when a poll found none */
        uint32_t done = 0, waits = 0;
        bool more[2];

        cfg.tm.on = timed;
        for (int k = 0; k < 2; k++) {
            p[k] = pair_new(&cfg);
            pair_connect(p[k], 0, RDO_QPT_RC, RDO_MTU_4096);
            for (int i = 0; i < 6; i++) {
                struct rdo_send_wqe w = { .opcode = RDO_WR_RDMA_WRITE,
                                          .wr_id = i,
                                          .flags = RDO_WQE_F_SIGNALED };
                struct rdo_sge sge = pair_sge_of(&p[k]->s[0],
                                                 PAIR_SRC + i * 65536,
                                                 20000 + i * 7000);

                w.remote_addr = PAIR_DST + i * 65536;
                w.rkey = p[k]->s[1].mr_key;
                pair_post_send(&p[k]->s[0], 0, &w, &sge, 1, NULL);
            }
        }
        while (done < 6) {
            TestHost *h0 = p[0]->s[0].d->h;
            uint32_t got[2] = { 0 };

            do {
                g_assert_true(pair_step(p[0], h0->now_ns + PAIR_SEC));
            } while (h0->dma_writes == seen);
            g_assert_true(pair_step_until_write(p[1], &p[1]->s[0], seen,
                                                PAIR_SEC));
            steps_assert_same(p[0], p[1]);
            for (int k = 0; k < 2; k++) {
                struct rdo_cqe e;

                while ((e = pair_poll(&p[k]->s[0])).wr_id != PAIR_NO_CQE) {
                    g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
                    g_assert_cmpuint(e.wr_id, ==, done + got[k]);
                    got[k]++;
                }
            }
            g_assert_cmpuint(got[0], ==, got[1]);
            done += got[0];
            seen = h0->dma_writes;
            waits++;
        }
        g_assert_cmpuint(waits, >, 1);
        /* Then the same with steps of at most 1 us: both stop alike once
         * nothing is due that soon (the ACKs' last frames and wake-ups
         * first; the retransmit timer is a millisecond away). */
        do {
            TestHost *h0 = p[0]->s[0].d->h;

            do {
                more[0] = pair_step(p[0], h0->now_ns + 1000);
            } while (more[0] && h0->dma_writes == seen);
            more[1] = pair_step_until_write(p[1], &p[1]->s[0], seen, 1000);
            g_assert_cmpint(more[0], ==, more[1]);
            steps_assert_same(p[0], p[1]);
            seen = h0->dma_writes;
        } while (more[0]);
        g_assert_null(test_ring_front(&p[1]->s[0].d->h->timed, &(size_t){ 0 },
                                      &(uint64_t){ 0 }));
        pair_free(p[0]);
        pair_free(p[1]);
    }
}

#define PIECE_MEM   (64 * 1024)

/* A DMA's length for /host-cost/dma-one-piece: every kind of cut, one
 * piece (inside a line, whole lines) most often, as in the device. */
static size_t piece_len(GRand *rng, uint32_t line)
{
    switch (g_rand_int_range(rng, 0, 5)) {
    case 0:
        return g_rand_int_range(rng, 0, line + 1);
    case 1:
        return (size_t)line * g_rand_int_range(rng, 1, 9);
    case 2:
        return 8;
    case 3:
        return (size_t)line * g_rand_int_range(rng, 1, 9) +
               g_rand_int_range(rng, -2, 3);
    default:
        return g_rand_int_range(rng, 0, 3 * 4096);
    }
}

static void piece_counts(const TestHost *h, uint64_t v[4])
{
    v[0] = h->core.cnt.dma_transfers;
    v[1] = h->core.cnt.dma_head_pieces;
    v[2] = h->core.cnt.dma_tail_pieces;
    v[3] = h->core.cnt.dma_full_lines;
}

static void assert_same_log(GArray *a, GArray *b)
{
    g_assert_cmpuint(a->len, ==, b->len);
    for (guint i = 0; i < a->len; i++) {
        TestDma *x = &g_array_index(a, TestDma, i);
        TestDma *y = &g_array_index(b, TestDma, i);

        g_assert_cmpuint(x->addr, ==, y->addr);
        g_assert_cmpuint(x->len, ==, y->len);
        g_assert_cmpint(x->write, ==, y->write);
    }
}

/*
 * rdo_host_dma (with its shortcut for a DMA of one piece) against
 * rdo_host_dma_by_cut (the cut's pieces always) on two hosts with the same
 * memory, and rdo_host_dma_uncounted against the pieces the cut asks:
 * the same host calls in the same order, the same results, bytes and
 * counters, over random DMAs of every kind (some past the memory's ends:
 * a piece refused stops the rest).
 */
static void test_dma_one_piece(void)
{
    static const uint32_t lines[] = { 64, 128 };
    GRand *rng = g_rand_new_with_seed(65536);
    uint8_t *buf_a = g_malloc(4 * 4096), *buf_b = g_malloc(4 * 4096);
    uint64_t one_piece = 0;

    for (size_t k = 0; k < G_N_ELEMENTS(lines); k++) {
        RdoConfig cfg = test_host_default_config();
        TestHost *a, *b;

        cfg.cache_line = lines[k];
        a = test_host_new(&cfg, PIECE_MEM);
        b = test_host_new(&cfg, PIECE_MEM);
        for (size_t i = 0; i < PIECE_MEM; i++) {
            a->mem[i] = b->mem[i] = (uint8_t)g_rand_int(rng);
        }
        a->dma_log = g_array_new(FALSE, FALSE, sizeof(TestDma));
        b->dma_log = g_array_new(FALSE, FALSE, sizeof(TestDma));
        for (int step = 0; step < 20000; step++) {
            size_t len = piece_len(rng, lines[k]);
            uint64_t addr = TEST_HOST_MEM_BASE - 512 +
                            g_rand_int_range(rng, 0, PIECE_MEM + 1024);
            bool write = g_rand_boolean(rng);
            uint64_t ca[4], cb[4];
            int ra, rb;

            if (g_rand_int_range(rng, 0, 4) == 0) {
                addr &= ~(uint64_t)(lines[k] - 1);
            }
            for (size_t i = 0; i < len; i++) {
                buf_a[i] = buf_b[i] = (uint8_t)g_rand_int(rng);
            }
            g_array_set_size(a->dma_log, 0);
            g_array_set_size(b->dma_log, 0);
            if (g_rand_boolean(rng)) {
                piece_counts(a, ca);
                ra = rdo_host_dma_uncounted(&a->core, addr, buf_a, len, write);
                piece_counts(a, cb);
                g_assert_cmpmem(ca, sizeof(ca), cb, sizeof(cb));
                rb = rdo_host_dma_by_cut(&b->core, addr, buf_b, len, write);
                rdo_host_dma_count(&a->core, addr, len);
            } else {
                ra = rdo_host_dma(&a->core, addr, buf_a, len, write);
                rb = rdo_host_dma_by_cut(&b->core, addr, buf_b, len, write);
            }
            one_piece += a->dma_log->len == 1;
            g_assert_cmpint(ra, ==, rb);
            assert_same_log(a->dma_log, b->dma_log);
            piece_counts(a, ca);
            piece_counts(b, cb);
            g_assert_cmpmem(ca, sizeof(ca), cb, sizeof(cb));
            if (!write) {
                g_assert_cmpmem(buf_a, len, buf_b, len);
            }
        }
        g_assert_cmpmem(a->mem, PIECE_MEM, b->mem, PIECE_MEM);
        test_host_free(a);
        test_host_free(b);
    }
    /* The shortcut was taken, and not always. */
    g_assert_cmpuint(one_piece, >, 10000);
    g_assert_cmpuint(one_piece, <, 35000);
    g_free(buf_a);
    g_free(buf_b);
    g_rand_free(rng);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host-cost/idxq-against-gqueue", test_idxq);
    g_test_add_func("/host-cost/ack-behind-read", test_ack_behind_read);
    g_test_add_func("/host-cost/record-lists", test_record_lists);
    g_test_add_func("/host-cost/record-pool", test_record_pool);
    g_test_add_func("/host-cost/doorbell-search", test_db_search);
    g_test_add_func("/host-cost/irq-queue", test_irq_queue);
    g_test_add_func("/host-cost/frame-ring", test_frame_ring);
    g_test_add_func("/host-cost/frame-ring-edges", test_frame_ring_edges);
    g_test_add_func("/host-cost/untouched-when-off", test_untouched_when_off);
    g_test_add_func("/host-cost/bigmem", test_bigmem);
    g_test_add_func("/host-cost/qp-tables", test_qp_tables);
    g_test_add_func("/host-cost/xport-lines", test_xport_lines);
    g_test_add_func("/host-cost/spans-when-taken", test_spans_when_taken);
    g_test_add_func("/host-cost/wqe-used-bytes", test_wqe_used_bytes);
    g_test_add_func("/host-cost/step-until-write", test_step_until_write);
    g_test_add_func("/host-cost/dma-one-piece", test_dma_one_piece);
    return g_test_run();
}
