/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Three adapter cores for the second port (fab2.h): A with two ports, B on
 * its port 1, C on its port 2, or A's two ports cabled to each other.
 */
#include <string.h>
#include "fab2.h"


const uint8_t fab_mac2[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0x20 };


RdoConfig two_port_config(void)
{
    RdoConfig c = test_host_default_config();

    c.ports = 2;
    c.has_port2 = true;
    memcpy(c.mac2, fab_mac2, 6);
    return c;
}

void fab_init_cfg(Fab *f, bool cable, const RdoConfig *cfg_a,
                  const RdoConfig *cfg_b)
{
    RdoConfig ca = cfg_a ? *cfg_a : two_port_config();

    memset(f, 0, sizeof(*f));
    f->cable = cable;
    f->layout = pair_layout(0, 0);
    test_frames_init(&f->spare);
    pair_side_init(&f->a, &ca, &f->layout, 0);
    /* Port 2's GID 0 in its own table: 10.0.0.9. */
    f->a2 = f->a;
    memcpy(f->a2.mac, fab_mac2, 6);
    rdo_gid_v4(f->a2.gid, 9);
    {
        struct rdo_cqp_cmd g = rdo_cmd_set_gid(0, f->a2.gid, 1);

        g.u.set_gid.port = 2;
        rdo_pair_cmd_ok(&f->a.rdo, g);
    }
    if (!cable) {
        pair_side_init(&f->b, cfg_b, &f->layout, 1);
        pair_side_init(&f->c, cfg_b, &f->layout, 2);
    }
}

void fab_init(Fab *f, bool cable)
{
    fab_init_cfg(f, cable, NULL, NULL);
}

void fab_free(Fab *f)
{
    pair_side_free(&f->a);
    if (!f->cable) {
        pair_side_free(&f->b);
        pair_side_free(&f->c);
    }
    test_frames_destroy(&f->spare);
}

/* The frames in *log to `to`'s port `port`; the log is emptied first, so
 * the answers the receiver sends meanwhile wait for the next round. */
static unsigned fab_move(Fab *f, TestFrames *log, TestHost *to, unsigned port)
{
    TestFrames sent = *log;
    guint n = test_frames_count(&sent);

    *log = f->spare;
    for (guint i = 0; i < n; i++) {
        size_t len;
        const uint8_t *data = test_frames_get(&sent, i, &len);

        rdo_core_receive_port(&to->core, port, data, len);
    }
    test_frames_reset(&sent);
    f->spare = sent;
    return n;
}

TestHost *fab_host(Fab *f, int i)
{
    PairSide *s[3] = { &f->a, &f->b, &f->c };

    return i < (f->cable ? 1 : 3) ? s[i]->d->h : NULL;
}

/* Frames over the cables, else time to the earliest wake-up (<= end). */
bool fab_step(Fab *f, uint64_t end)
{
    TestHost *a = fab_host(f, 0), *h;
    uint64_t now = 0, next = 0;
    unsigned moved;

    if (f->cable) {
        moved = fab_move(f, &a->frames, a, 2) + fab_move(f, &a->frames2, a, 1);
    } else {
        moved = fab_move(f, &a->frames, fab_host(f, 1), 1) +
                fab_move(f, &a->frames2, fab_host(f, 2), 1) +
                fab_move(f, &fab_host(f, 1)->frames, a, 1) +
                fab_move(f, &fab_host(f, 2)->frames, a, 2);
    }
    if (moved) {
        return true;
    }
    /* One clock for all, as QEMU's devices share theirs. */
    for (int i = 0; (h = fab_host(f, i)); i++) {
        now = MAX(now, h->now_ns);
        if (h->wakeup_ns && (!next || h->wakeup_ns < next)) {
            next = h->wakeup_ns;
        }
    }
    if (!next || next > end) {
        return false;
    }
    for (int i = 0; (h = fab_host(f, i)); i++) {
        h->now_ns = MAX(now, next);
    }
    for (int i = 0; (h = fab_host(f, i)); i++) {
        if (h->wakeup_ns && h->wakeup_ns <= h->now_ns) {
            h->wakeup_ns = 0;
            rdo_core_wakeup(&h->core);
        }
    }
    return true;
}

bool fab_run_cqes(Fab *f, PairSide *s, uint32_t cqes, uint64_t limit)
{
    uint64_t end = fab_host(f, 0)->now_ns + limit;

    while (pair_cq_ready(s) < cqes) {
        if (!fab_step(f, end)) {
            return false;
        }
    }
    return true;
}

void fab_connect_mtu(PairSide *x, const PairSide *x_seen, unsigned port,
                     PairSide *y, int i, uint32_t y_dest_qpn, uint8_t mtu)
{
    RdoPairPath to_y = {
        .dmac = y->mac, .dgid = y->gid, .dest_qpn = 2 + i,
        .sq_psn = 0x100, .rq_psn = 0x200, .path_mtu = mtu,
        .timeout = PAIR_TIMEOUT, .port = port,
    };
    RdoPairPath to_x = {
        .dmac = x_seen->mac, .dgid = x_seen->gid, .dest_qpn = y_dest_qpn,
        .sq_psn = 0x200, .rq_psn = 0x100, .path_mtu = mtu,
        .timeout = PAIR_TIMEOUT,
    };

    rdo_pair_connect_one(&x->rdo, i, 2 + i, RDO_QPT_RC, 0, &to_y);
    rdo_pair_connect_one(&y->rdo, i, 2 + i, RDO_QPT_RC, 0, &to_x);
}

void fab_connect(PairSide *x, const PairSide *x_seen, unsigned port,
                 PairSide *y, int i, uint32_t y_dest_qpn)
{
    fab_connect_mtu(x, x_seen, port, y, i, y_dest_qpn, MTU_1024);
}

void post_write(PairSide *s, int i, uint64_t wr_id, uint64_t src,
                uint32_t len, uint64_t dst, uint32_t rkey)
{
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_RDMA_WRITE, wr_id);
    struct rdo_sge sge = pair_sge_of(s, src, len);

    w.remote_addr = dst;
    w.rkey = rkey;
    pair_post_send(s, i, &w, &sge, 1, NULL);
}

/*
 * RDMA WRITEs of msg bytes out of A's port 1 to B and/or port 2 to C,
 * depth outstanding per active port, total bytes each; goodput from the
 * first doorbell to the last completion (simulated time).
 */
FabRun fab_stream(const RdoTimingConfig *tm, uint8_t mtu_code, bool use1,
                  bool use2, uint32_t msg, uint32_t depth, uint64_t total)
{
    RdoConfig ca = two_port_config(), cb = test_host_default_config();
    bool use[2] = { use1, use2 };
    uint64_t posted[2] = { 0 }, done[2] = { 0 }, start, end = 0;
    PairSide *peer[2];
    Fab f;
    FabRun r;

    ca.tm = cb.tm = *tm;
    memset(&r, 0, sizeof(r));
    fab_init_cfg(&f, false, &ca, &cb);
    peer[0] = &f.b;
    peer[1] = &f.c;
    fab_connect_mtu(&f.a, &f.a, 1, &f.b, 0, 2, mtu_code);
    fab_connect_mtu(&f.a, &f.a2, 2, &f.c, 1, 3, mtu_code);
    start = fab_host(&f, 0)->now_ns;
    for (int p = 0; p < 2; p++) {
        for (uint32_t k = 0; use[p] && k < depth; k++) {
            post_write(&f.a, p, p, PAIR_SRC + k * msg, msg, PAIR_DST + k * msg,
                       peer[p]->mr_key);
            posted[p] += msg;
        }
    }
    while ((use1 && done[0] < total) || (use2 && done[1] < total)) {
        struct rdo_cqe c;

        g_assert_true(fab_run_cqes(&f, &f.a, 1, PAIR_SEC));
        c = pair_poll(&f.a);
        g_assert_cmpuint(c.status, ==, RDO_WC_SUCCESS);
        done[c.wr_id] += msg;
        end = fab_host(&f, 0)->now_ns;
        if (posted[c.wr_id] < total) {
            uint32_t k = (posted[c.wr_id] / msg) % depth;

            post_write(&f.a, c.wr_id, c.wr_id, PAIR_SRC + k * msg,
                       msg, PAIR_DST + k * msg, peer[c.wr_id]->mr_key);
            posted[c.wr_id] += msg;
        }
    }
    r.span_ns = end - start;
    for (int p = 0; p < 2; p++) {
        r.gbps[p] = done[p] * 8.0 / r.span_ns;
        r.sum_gbps += r.gbps[p];
    }
    fab_free(&f);
    return r;
}
