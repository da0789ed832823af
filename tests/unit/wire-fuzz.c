/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One episode of the wire fuzzer (tests/unit/test-wire-fuzz.c has the
 * whole story): two cores back to back, random RC, UC and UD work, frames
 * damaged on the wire, then a connection the damage never reached must
 * still carry a SEND bit-exact. Its choices come from a GRand
 * (test-wire-fuzz) or from the bytes of a libFuzzer input
 * (fuzz-wire-cov.c, coverage-guided).
 */
#include <string.h>
#include "wire-fuzz.h"
#include "wire/wire.h"
#include "xport/transport.h"

#define SPAN        (1u << 20)          /* of PAIR_SRC and PAIR_DST the work uses */
#define CLEAN_SLOT  3                   /* the connection left alone */
#define CLEAN_QPN   (2 + CLEAN_SLOT)

/* The next `bytes` bytes of the input, big-endian; 0 once it is used up. */
static uint32_t input_bytes(WireFuzz *f, int bytes)
{
    uint32_t v = 0;

    for (int i = 0; i < bytes && f->in_pos < f->in_len; i++) {
        v = v << 8 | f->in[f->in_pos++];
    }
    return v;
}

uint32_t wf_rn(WireFuzz *f, uint32_t max)
{
    if (!max) {
        return 0;
    }
    if (!f->in) {
        return g_rand_int_range(f->rand, 0, max);
    }
    /* As few bytes as the range needs. */
    return input_bytes(f, max <= 0x100 ? 1 : max <= 0x10000 ? 2 : 4) % max;
}

uint32_t wf_r32(WireFuzz *f)
{
    return f->in ? input_bytes(f, 4) : g_rand_int(f->rand);
}

/* Offsets of an untagged IPv4 RoCE frame as the cores build them. */
enum { L3 = RDO_ETH_HLEN, L4 = L3 + RDO_IPV4_HLEN, BTH = L4 + RDO_UDP_HLEN };

/* Makes IP, UDP and ICRC agree with a frame of `len` bytes. */
static void make_consistent(uint8_t *fr, size_t len)
{
    uint32_t icrc;

    rdo_put_be16(fr + L3 + 2, len - L3);
    rdo_put_be16(fr + L3 + 10, 0);
    rdo_put_be16(fr + L3 + 10, rdo_csum_fold(rdo_csum_add(0, fr + L3, RDO_IPV4_HLEN)));
    rdo_put_be16(fr + L4 + 4, len - L4);
    if (rdo_wire_icrc(fr + L3, len - L3 - RDO_ICRC_LEN, &icrc)) {
        for (int i = 0; i < 4; i++) {
            fr[len - RDO_ICRC_LEN + i] = icrc >> (8 * i);
        }
    }
}

/* Damages one frame in place; returns its new length (0: dropped). */
static size_t damage(WireFuzz *f, uint8_t *fr, size_t len)
{
    uint32_t dest = rdo_get_be24(fr + BTH + 5);
    uint32_t r = wf_rn(f, 110);

    if (len < BTH + RDO_BTH_LEN + RDO_ICRC_LEN || fr[L3] != 0x45) {
        return len;
    }
    if (r >= 105) {                     /* a CNP, near right or not */
        len = MIN(len, BTH + RDO_BTH_LEN + (wf_rn(f, 4) ? 16 : wf_rn(f, 40)) +
                       RDO_ICRC_LEN);
        fr[BTH] = RDO_OPCODE_CNP;
        fr[BTH + 4] = wf_rn(f, 2) ? RDO_BTH_BECN : wf_rn(f, 256);
        if (wf_rn(f, 2)) {
            memset(fr + BTH + RDO_BTH_LEN, 0, len - BTH - RDO_BTH_LEN - RDO_ICRC_LEN);
        }
    } else if (r >= 100) {              /* a switch's ECN codepoint, CE most */
        fr[L3 + 1] = (fr[L3 + 1] & ~RDO_ECN_MASK) | (wf_rn(f, 2) ? RDO_ECN_CE : wf_rn(f, 4));
    } else if (r < 35) {                       /* bytes of the headers or payload */
        size_t span = MIN(len - RDO_ICRC_LEN - BTH, wf_rn(f, 2) ? 48 : len);

        for (int n = 1 + wf_rn(f, 4); n > 0; n--) {
            fr[BTH + wf_rn(f, span)] ^= 1u << wf_rn(f, 8);
        }
    } else if (r < 45) {
        fr[BTH] = wf_rn(f, 256);           /* opcode */
    } else if (r < 55) {
        rdo_put_be24(fr + BTH + 9, wf_r32(f));    /* PSN */
    } else if (r < 62) {                /* cut short, lengths consistent */
        len = BTH + RDO_ICRC_LEN + wf_rn(f, len - BTH - RDO_ICRC_LEN + 1);
    } else if (r < 70) {
        rdo_put_be24(fr + BTH + 5, 2 + wf_rn(f, 8));   /* another QP */
    } else if (r < 75) {                /* AETH syndrome and MSN */
        rdo_put_be32(fr + BTH + RDO_BTH_LEN, wf_r32(f));
    } else if (r < 80) {
        return 0;
    } else if (r < 85) {                /* garbage, ICRC and all */
        for (size_t i = L3 + wf_rn(f, len - L3); i < len; i++) {
            fr[i] = wf_rn(f, 256);
        }
        return len;
    } else {                            /* ICRC left wrong */
        fr[BTH + wf_rn(f, len - BTH)] ^= 0x5a;
        return len;
    }
    /* The clean connection never sees damage meant for others. */
    if (rdo_get_be24(fr + BTH + 5) == CLEAN_QPN && dest != CLEAN_QPN) {
        rdo_put_be24(fr + BTH + 5, 0xfff);
    }
    if (dest == CLEAN_QPN) {
        rdo_put_be24(fr + BTH + 5, CLEAN_QPN);
    }
    make_consistent(fr, len);
    return len;
}

static bool tamper(Pair *p, int from, uint8_t *frame, size_t *len,
                   bool *again, void *opaque)
{
    WireFuzz *f = opaque;

    f->frames++;
    if (!f->on || *len < BTH + RDO_BTH_LEN ||
        rdo_get_be24(frame + BTH + 5) == CLEAN_QPN || wf_rn(f, 100) >= 15) {
        return true;
    }
    f->damaged++;
    *again = wf_rn(f, 10) == 0;            /* a duplicate, itself damaged */
    *len = damage(f, frame, *len);
    return *len != 0;
}

static struct rdo_sge sge_in(WireFuzz *f, PairSide *s, uint64_t base,
                             uint32_t len)
{
    return (struct rdo_sge){ base + wf_rn(f, SPAN - len), len, s->mr_key };
}

/* A random work request on slot `i` from side `k`. */
static void post_random(WireFuzz *f, Pair *p, int k, int i, uint8_t type)
{
    static const uint8_t rc_ops[] = {
        RDO_WR_SEND, RDO_WR_SEND_IMM, RDO_WR_SEND_INV, RDO_WR_RDMA_WRITE,
        RDO_WR_RDMA_WRITE_IMM, RDO_WR_RDMA_READ, RDO_WR_ATOMIC_CMP_SWP,
        RDO_WR_ATOMIC_FETCH_ADD,
    };
    static const uint8_t uc_ops[] = {
        RDO_WR_SEND, RDO_WR_SEND_IMM, RDO_WR_RDMA_WRITE, RDO_WR_RDMA_WRITE_IMM,
    };
    PairSide *s = &p->s[k], *peer = &p->s[1 - k];
    struct rdo_send_wqe w = { 0 };
    uint32_t len = wf_rn(f, 4) ? wf_rn(f, 9000) : wf_rn(f, 70000);
    struct rdo_sge sge;
    struct rdo_ud_seg ud = { .dest_qpn = peer->qp[i].qpn, .qkey = 0x1234 };

    w.wr_id = ++f->posted;
    w.flags = RDO_WQE_F_SIGNALED | (wf_rn(f, 4) ? 0 : RDO_WQE_F_SOLICITED);
    if (type == RDO_QPT_RC) {
        w.opcode = rc_ops[wf_rn(f, G_N_ELEMENTS(rc_ops))];
    } else if (type == RDO_QPT_UC) {
        w.opcode = uc_ops[wf_rn(f, G_N_ELEMENTS(uc_ops))];
    } else {
        w.opcode = wf_rn(f, 2) ? RDO_WR_SEND : RDO_WR_SEND_IMM;
        len = wf_rn(f, 1024);
    }
    if (w.opcode == RDO_WR_ATOMIC_CMP_SWP || w.opcode == RDO_WR_ATOMIC_FETCH_ADD) {
        len = 8;
    }
    /*
     * Never the peer's MR key: a SEND with invalidate (or a damaged opcode
     * that makes one) would take the region the clean connection uses.
     */
    w.imm_or_rkey = wf_r32(f) | 0xff;
    if (w.imm_or_rkey == peer->mr_key) {
        w.imm_or_rkey ^= 0x100;
    }
    w.rkey = wf_rn(f, 8) ? peer->mr_key : wf_r32(f);
    w.remote_addr = (PAIR_DST + wf_rn(f, SPAN - len)) & ~7ull;
    w.compare_add = wf_r32(f);
    w.swap = wf_r32(f);
    sge = sge_in(f, s, PAIR_SRC, len);
    memcpy(ud.dmac, peer->mac, 6);
    memcpy(ud.dgid, peer->gid, 16);
    pair_post_send(s, i, &w, &sge, len ? 1 : 0, type == RDO_QPT_UD ? &ud : NULL);
}

static void drain(WireFuzz *f, Pair *p)
{
    for (int k = 0; k < 2; k++) {
        struct rdo_cqe e;

        while ((e = pair_poll(&p->s[k])).wr_id != PAIR_NO_CQE) {
            f->error_cqes += e.status != RDO_WC_SUCCESS;
        }
    }
}

void wf_episode(WireFuzz *f)
{
    static const uint8_t types[CLEAN_SLOT] = { RDO_QPT_RC, RDO_QPT_UC, RDO_QPT_UD };
    Pair *p = pair_new(NULL);
    uint32_t posted[2][CLEAN_SLOT] = { { 0 } };
    struct rdo_send_wqe w = { .wr_id = 1, .opcode = RDO_WR_SEND,
                              .flags = RDO_WQE_F_SIGNALED };
    struct rdo_sge sge;
    struct rdo_cqe e;

    p->tamper = tamper;
    p->tamper_opaque = f;
    for (int i = 0; i < CLEAN_SLOT; i++) {
        pair_connect(p, i, types[i], RDO_MTU_4096 - 2 * wf_rn(f, 3));
    }
    pair_connect(p, CLEAN_SLOT, RDO_QPT_RC, RDO_MTU_4096 - 2);
    for (int k = 0; k < 2; k++) {
        pair_fill(&p->s[k], PAIR_SRC, SPAN, wf_rn(f, 1000));
    }
    f->on = true;
    for (int round = 0; round < 8; round++) {
        for (int n = wf_rn(f, 6); n > 0; n--) {
            int k = wf_rn(f, 2), i = wf_rn(f, CLEAN_SLOT), peer = 1 - k;
            uint32_t len = wf_rn(f, 3) ? 70000 : wf_rn(f, 4096);

            /* Rings hold 64: stay well inside them. */
            if (posted[k][i] < 24) {
                post_random(f, p, k, i, types[i]);
                posted[k][i]++;
            }
            if (posted[peer][i] < 24) {
                sge = sge_in(f, &p->s[peer], PAIR_DST, len);
                pair_post_recv(&p->s[peer], i, ++f->posted, sge.addr, len);
                posted[peer][i]++;
            }
        }
        pair_run(p, 20 * MS);
        drain(f, p);
    }
    f->on = false;

    /* The clean connection still works, whatever happened to the others. */
    sge = (struct rdo_sge){ PAIR_SRC, 5000, p->s[0].mr_key };
    pair_fill(&p->s[0], PAIR_SRC, 5000, 77);
    pair_run(p, 50 * MS);
    drain(f, p);
    for (int k = 0; k < 2; k++) {
        RdoCore *core = &p->s[k].d->h->core;

        /* Whatever CNPs came, every QP's rate is within its bounds. */
        for (uint32_t q = 0; q < core->cfg.max_qp; q++) {
            const RdoDcqcn *d = &core->st->xport[q].cc.rp;

            if (d->limited) {
                g_assert_cmpuint(d->rc_kbps, >=,
                                 (uint64_t)core->cfg.cc.min_mbps * 1000);
                g_assert_cmpuint(d->rc_kbps, <=, d->rt_kbps);
                g_assert_cmpuint(d->rt_kbps, <=,
                                 (uint64_t)core->cfg.tm.link_gbps * 1000000);
            }
        }
        f->cnps_taken += core->cnt.rp_cnp_handled + core->cnt.rp_cnp_coalesced;
        f->icrc_drops += pair_cnt(&p->s[k], RDO_REG_CNT_RX_ICRC_ERRORS);
        f->check_drops += pair_cnt(&p->s[k], RDO_REG_CNT_RX_DROPS);
        f->naks += pair_cnt(&p->s[k], RDO_REG_CNT_NAKS_SENT);
        f->dups += pair_cnt(&p->s[k], RDO_REG_CNT_DUP_REQUESTS);
    }
    pair_post_recv(&p->s[1], CLEAN_SLOT, 2, PAIR_DST, 8192);
    pair_post_send(&p->s[0], CLEAN_SLOT, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 1, 1, 100 * MS));
    e = pair_poll(&p->s[1]);
    g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
    g_assert_cmpuint(e.qpn, ==, CLEAN_QPN);
    g_assert_cmpuint(e.byte_len, ==, 5000);
    g_assert_cmpint(memcmp(pair_mr_ptr(&p->s[0], PAIR_SRC), pair_mr_ptr(&p->s[1], PAIR_DST),
                           5000), ==, 0);
    f->episodes++;
    pair_free(p);
}
