/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SR-IOV: a PF with two VFs on one adapter core. The default split and
 * SET_VF_RESOURCES (and every way it is refused; shares that grow and
 * shrink with three VFs, as the Linux driver sets them), data between two VFs
 * through the adapter's switch (nothing leaves the port; each VF's DMA in
 * its own memory), every way one function may name another's objects
 * refused and counted, and a VF's function-level reset while the PF and
 * the other VF move data; an engine fault that every function recovers
 * from (failover) or fails at (without).
 */
#include <string.h>
#include "test-pair.h"

#define VFS 2

typedef struct Sriov {
    TestDriver *pf;
    TestDriver *vf[VFS + 1];    /* [n]: VF n */
} Sriov;

static RdoConfig sriov_config(void)
{
    RdoConfig cfg = test_host_default_config();

    cfg.sriov_max_vfs = VFS;
    return cfg;
}

/* A PF (control path started) and its VFs, enabled but not started. */
static Sriov *sriov_new_with(const RdoConfig *cfg)
{
    Sriov *s = g_new0(Sriov, 1);

    s->pf = td_new(cfg);
    for (uint32_t n = 1; n <= VFS; n++) {
        s->vf[n] = td_new_vf(s->pf, n);
        rdo_vf_enable(&s->vf[n]->h->core, true);
    }
    return s;
}

static Sriov *sriov_new(void)
{
    RdoConfig cfg = sriov_config();

    return sriov_new_with(&cfg);
}

static void sriov_free(Sriov *s)
{
    for (uint32_t n = 1; n <= VFS; n++) {
        if (s->vf[n]) {
            td_free(s->vf[n]);
        }
    }
    td_free(s->pf);
    g_free(s);
}

static struct rdo_vf_resources query_share(TestDriver *d, uint32_t fn,
                                           uint8_t *status)
{
    uint64_t out = td_alloc(d, sizeof(struct rdo_vf_resources), 64);
    struct rdo_cqp_cmd c = rdo_cmd_query(RDO_CMD_QUERY_VF_RESOURCES, fn, out);
    struct rdo_vf_resources r;

    *status = td_cmd(d, &c).status;
    memcpy(&r, td_ptr(d, out), sizeof(r));
    return r;
}

static uint8_t set_share(TestDriver *d, uint32_t vf,
                         const struct rdo_vf_resources *r)
{
    struct rdo_cqp_cmd c = td_cmd_of(RDO_CMD_SET_VF_RESOURCES, vf);

    c.u.vf_res = *r;
    return td_cmd(d, &c).status;
}

/* The default split, as registers and QUERY_VF_RESOURCES show it. */
static void test_default_split(void)
{
    Sriov *s = sriov_new();
    RdoConfig cfg = sriov_config();
    uint32_t qp_sum = 0, mr_sum = 0, cache_sum = 0;
    uint8_t st;

    td_start(s->pf);
    g_assert_cmphex(test_reg_read(s->pf->h, RDO_REG_FUNCTION), ==, 0);
    g_assert_true(test_reg_read(s->pf->h, RDO_REG_CAPS_HI) == 0 &&
                  (test_reg_read(s->pf->h, RDO_REG_CAPS_LO) & RDO_CAP_SRIOV));
    for (uint32_t n = 0; n <= VFS; n++) {
        TestDriver *d = n ? s->vf[n] : s->pf;
        struct rdo_vf_resources r = query_share(s->pf, n, &st);

        g_assert_cmpuint(st, ==, RDO_CQP_OK);
        g_assert_cmpuint(test_reg_read(d->h, RDO_REG_MAX_QP), ==, r.qp);
        g_assert_cmpuint(test_reg_read(d->h, RDO_REG_MAX_MR), ==, r.mr);
        g_assert_cmpuint(d->h->core.cfg.qpc_cache_entries, ==, r.qpc_cache);
        if (n) {
            g_assert_cmpuint(r.qp, ==, cfg.max_qp / (VFS + 1));
            g_assert_cmphex(test_reg_read(d->h, RDO_REG_FUNCTION), ==,
                            n | RDO_FUNCTION_VF);
            g_assert_true(test_reg_read(d->h, RDO_REG_CAPS_LO) & RDO_CAP_VF);
            g_assert_false(test_reg_read(d->h, RDO_REG_CAPS_LO) & RDO_CAP_SRIOV);
            /* A MAC of its own, not the PF's nor the other VF's. */
            g_assert_true(memcmp(d->h->core.cfg.mac, s->pf->h->core.cfg.mac, 6));
        }
        qp_sum += r.qp;
        mr_sum += r.mr;
        cache_sum += r.qpc_cache;
    }
    g_assert_true(memcmp(s->vf[1]->h->core.cfg.mac, s->vf[2]->h->core.cfg.mac, 6));
    g_assert_cmpuint(qp_sum, ==, cfg.max_qp);
    g_assert_cmpuint(mr_sum, ==, cfg.max_mr);
    g_assert_cmpuint(cache_sum, <=, cfg.qpc_cache_entries);
    /* Without sriov-max-vfs nothing of it: no capability, no command. */
    {
        TestDriver *plain = td_started(16);
        uint8_t st2;

        g_assert_false(test_reg_read(plain->h, RDO_REG_CAPS_LO) &
                       (RDO_CAP_SRIOV | RDO_CAP_VF));
        query_share(plain, 0, &st2);
        g_assert_cmpuint(st2, ==, RDO_CQP_BAD_OPCODE);
        td_free(plain);
    }
    sriov_free(s);
}

/* SET_VF_RESOURCES: taken while the VFs are disabled, refused otherwise. */
static void test_partition_cmd(void)
{
    Sriov *s = sriov_new();
    RdoConfig cfg = sriov_config();
    struct rdo_vf_resources r, got, vf2;
    struct rdo_device_attr *attr;
    struct rdo_cqp_cmd dev;
    uint32_t pf_qps;
    TestHost *ph;
    uint8_t st;

    td_start(s->pf);
    ph = s->pf->h;
    vf2 = query_share(s->pf, 2, &st);
    r = query_share(s->pf, 1, &st);
    r.qp = 100;
    r.mr = 200;
    r.qpc_cache = 8;

    /* While VF Enable is set: refused, nothing changes. */
    g_assert_cmpuint(set_share(s->pf, 1, &r), ==, RDO_CQP_BAD_STATE);
    /* From a VF: refused, counted and traced as an isolation refusal. */
    td_start(s->vf[1]);
    g_assert_cmpuint(set_share(s->vf[1], 1, &r), ==, RDO_CQP_NOT_PERMITTED);
    g_assert_cmpuint(test_reg_read(s->vf[1]->h, RDO_REG_CNT_ISOLATION), ==, 1);
    g_assert_cmpuint(s->vf[1]->h->class_count[RDO_GE_FN_NOT_PERMITTED], ==, 1);
    /* A VF reads its own share only. */
    got = query_share(s->vf[1], 1, &st);
    g_assert_cmpuint(st, ==, RDO_CQP_OK);
    g_assert_cmpuint(got.qp, ==, cfg.max_qp / (VFS + 1));
    query_share(s->vf[1], 2, &st);
    g_assert_cmpuint(st, ==, RDO_CQP_NOT_PERMITTED);
    g_assert_cmpuint(test_reg_read(s->vf[1]->h, RDO_REG_CNT_ISOLATION), ==, 2);

    for (uint32_t n = 1; n <= VFS; n++) {
        rdo_vf_enable(&s->vf[n]->h->core, false);
    }
    /* Bad shares. */
    g_assert_cmpuint(set_share(s->pf, 0, &r), ==, RDO_CQP_BAD_INDEX);
    g_assert_cmpuint(set_share(s->pf, VFS + 1, &r), ==, RDO_CQP_BAD_INDEX);
    got = r;
    got.qp = 3;
    g_assert_cmpuint(set_share(s->pf, 1, &got), ==, RDO_CQP_BAD_PARAM);
    got = r;
    got.eq = 0;
    g_assert_cmpuint(set_share(s->pf, 1, &got), ==, RDO_CQP_BAD_PARAM);
    got = r;
    got.reserved[1] = 1;
    g_assert_cmpuint(set_share(s->pf, 1, &got), ==, RDO_CQP_BAD_RESERVED);
    /* More than the device has, or than leaves the PF enough. */
    got = r;
    got.qp = cfg.max_qp;
    g_assert_cmpuint(set_share(s->pf, 1, &got), ==, RDO_CQP_NO_RESOURCES);
    got = r;
    got.qp = cfg.max_qp - vf2.qp - 3;
    g_assert_cmpuint(set_share(s->pf, 1, &got), ==, RDO_CQP_NO_RESOURCES);
    /* The PF has a CQ at a number its new share would not hold. */
    td_create_cq(s->pf, 300, 4, 0, 0);
    got = r;
    got.cq = cfg.max_cq - vf2.cq - 300;
    g_assert_cmpuint(set_share(s->pf, 1, &got), ==, RDO_CQP_IN_USE);
    g_assert_cmpuint(test_reg_read(ph, RDO_REG_MAX_CQ), ==,
                     cfg.max_cq - 2 * (cfg.max_cq / 3));

    /* Accepted: the VF gets it at its next enable, the PF the rest. */
    pf_qps = test_reg_read(ph, RDO_REG_MAX_QP);
    g_assert_cmpuint(set_share(s->pf, 1, &r), ==, RDO_CQP_OK);
    got = query_share(s->pf, 1, &st);
    g_assert_cmpmem(&got, sizeof(got), &r, sizeof(r));
    g_assert_cmpuint(test_reg_read(ph, RDO_REG_MAX_QP), ==,
                     cfg.max_qp - 100 - vf2.qp);
    g_assert_cmpuint(ph->core.cfg.qpc_cache_entries, ==,
                     cfg.qpc_cache_entries - 8 - vf2.qpc_cache);
    /* The PF numbers QPs and MRs within its new share (and what its
     * stores hold) at once: more QPs than before. */
    dev = td_cmd_of(RDO_CMD_QUERY_DEVICE, 0);
    dev.out_addr = td_alloc(s->pf, sizeof(*attr), 64);
    attr = td_ptr(s->pf, dev.out_addr);
    g_assert_cmpuint(td_cmd(s->pf, &dev).status, ==, RDO_CQP_OK);
    g_assert_cmpuint(attr->max_qp, ==,
                     MIN(cfg.max_qp - 100 - vf2.qp,
                         test_reg_read(ph, RDO_REG_QPC_PAGES) *
                         (RDO_PAGE_SIZE / RDO_QPC_SIZE)));
    g_assert_cmpuint(attr->max_qp, >, pf_qps);
    g_assert_cmpuint(attr->max_mr, ==,
                     MIN(cfg.max_mr - 200 - vf2.mr,
                         test_reg_read(ph, RDO_REG_MRC_PAGES) *
                         (RDO_PAGE_SIZE / RDO_MRC_SIZE)));
    rdo_vf_enable(&s->vf[1]->h->core, true);
    g_assert_cmpuint(test_reg_read(s->vf[1]->h, RDO_REG_MAX_QP), ==, 100);
    g_assert_cmpuint(test_reg_read(s->vf[1]->h, RDO_REG_MAX_MR), ==, 200);
    /* The PF keeps its objects and its control path through all of it. */
    td_create_pd(s->pf, 3);
    sriov_free(s);
}

/*
 * What the Linux driver does for `sriov_numvfs` 2 of 3: the VF left off
 * shrinks to the least (the PF grows past its first share), the two
 * enabled grow to a third each (the PF shrinks again); then both VFs come
 * up with their shares and the PF works on. The VFs exist (disabled) from
 * before the shares change, as QEMU makes them: a VF's tables are freed
 * by the share they were made for (under valgrind, freeing them by the
 * new, larger one read past them; QEMU crashed).
 */
static void test_grow_shrink(void)
{
    RdoConfig cfg = test_host_default_config();
    struct rdo_vf_resources r[4], least;
    TestDriver *pf, *vf[4];
    uint8_t st;

    cfg.sriov_max_vfs = 3;
    pf = td_new(&cfg);
    /* As QEMU makes them: every VF at the PF's realize, disabled. */
    for (uint32_t n = 1; n <= 3; n++) {
        vf[n] = td_new_vf(pf, n);
    }
    td_start(pf);
    for (uint32_t n = 0; n <= 3; n++) {
        r[n] = query_share(pf, n, &st);
        g_assert_cmpuint(st, ==, RDO_CQP_OK);
    }
    least = r[3];
    least.qp = 4;
    least.cq = least.pd = least.mr = 1;
    least.srq = 0;
    g_assert_cmpuint(set_share(pf, 3, &least), ==, RDO_CQP_OK);
    g_assert_cmpuint(test_reg_read(pf->h, RDO_REG_MAX_QP), ==,
                     cfg.max_qp - 2 * r[1].qp - 4);
    for (uint32_t n = 1; n <= 2; n++) {
        r[n].qp = cfg.max_qp / 3;
        r[n].cq = cfg.max_cq / 3;
        r[n].mr = cfg.max_mr / 3;
        g_assert_cmpuint(set_share(pf, n, &r[n]), ==, RDO_CQP_OK);
    }
    g_assert_cmpuint(test_reg_read(pf->h, RDO_REG_MAX_QP), ==,
                     cfg.max_qp - 2 * (cfg.max_qp / 3) - 4);
    for (uint32_t n = 1; n <= 2; n++) {
        rdo_vf_enable(&vf[n]->h->core, true);
        td_start(vf[n]);
        g_assert_cmpuint(test_reg_read(vf[n]->h, RDO_REG_MAX_QP), ==,
                         cfg.max_qp / 3);
        td_create_cq(vf[n], cfg.max_cq / 3 - 1, 4, 0, 0);
    }
    td_create_cq(pf, 5, 4, 0, 0);
    td_create_pd(pf, 3);
    for (uint32_t n = 1; n <= 3; n++) {
        td_free(vf[n]);
    }
    td_free(pf);
}

/* Two VFs as the two sides of a pair: frames go through the switch. */
static Pair *vf_pair(Sriov *s)
{
    Pair *p = g_new0(Pair, 1);

    p->layout = pair_layout(0, 0);
    test_frames_init(&p->passing);
    for (int k = 0; k < 2; k++) {
        TestDriver *d = s->vf[1 + k];

        pair_side_attach(&p->s[k], d, d->h->core.cfg.mac, &p->layout, k);
    }
    return p;
}

static void pair_release(Pair *p, Sriov *s)
{
    /* The drivers are the fabric's; the QP slots the pair's. */
    g_free(p->s[0].slots);
    g_free(p->s[1].slots);
    test_frames_destroy(&p->passing);
    g_free(p);
    (void)s;
}

static void test_vf_to_vf(void)
{
    Sriov *s = sriov_new();
    Pair *p;
    PairSide *a, *b;
    struct rdo_send_wqe w;
    struct rdo_sge sge;
    const uint32_t len = 300 * 1024 + 17;

    td_start(s->pf);
    p = vf_pair(s);
    a = &p->s[0];
    b = &p->s[1];
    g_assert_cmphex(RDO_MR_KEY_FN(a->mr_key), ==, 1);
    g_assert_cmphex(RDO_MR_KEY_FN(b->mr_key), ==, 2);
    pair_connect(p, 0, RDO_QPT_RC, 3 /* 1024 */);
    pair_fill(a, PAIR_SRC + 3, len, 0x51);
    w = rdo_wqe(RDO_WR_RDMA_WRITE, 0x10);
    sge = pair_sge_of(a, PAIR_SRC + 3, len);
    w.remote_addr = PAIR_DST + 5;
    w.rkey = b->mr_key;
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x10, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    pair_assert_same(a, PAIR_SRC + 3, b, PAIR_DST + 5, len);

    /* And back, a SEND from VF 2 into VF 1's receive queue. */
    pair_fill(b, PAIR_SRC, 4000, 0x77);
    pair_post_recv(a, 0, 0x21, PAIR_DST, 4096);
    w = rdo_wqe(RDO_WR_SEND, 0x20);
    sge = pair_sge_of(b, PAIR_SRC, 4000);
    pair_post_send(b, 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 1, 1, PAIR_SEC));
    pair_expect_cqe(b, 0x20, RDO_CQE_SEND, RDO_WC_SUCCESS);
    pair_run(p, PAIR_SEC / 100);
    pair_expect_cqe(a, 0x21, RDO_CQE_RECV, RDO_WC_SUCCESS);
    pair_assert_same(b, PAIR_SRC, a, PAIR_DST, 4000);

    /* All of it inside the adapter: nothing on the port. */
    g_assert_cmpuint(p->frames, ==, 0);
    g_assert_cmpuint(test_frames_count(&s->pf->h->frames), ==, 0);
    g_assert_cmpuint(b->d->h->core.cnt.loopback_frames, >=, len / 1024);
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_ISOLATION) +
                     pair_cnt(b, RDO_REG_CNT_ISOLATION), ==, 0);
    pair_release(p, s);
    sriov_free(s);
}

/* Every way VF 1 may name VF 2's objects (or beyond its share): refused. */
static void test_isolation(void)
{
    Sriov *s = sriov_new();
    Pair *p;
    PairSide *a, *b;
    struct rdo_send_wqe w;
    struct rdo_sge sge;
    uint32_t share_qp, share_cq, iso_a = 0;
    struct rdo_cqp_cmd c;
    g_autofree uint8_t *before = g_malloc(4096);

    td_start(s->pf);
    p = vf_pair(s);
    a = &p->s[0];
    b = &p->s[1];
    share_qp = test_reg_read(a->d->h, RDO_REG_MAX_QP);
    share_cq = test_reg_read(a->d->h, RDO_REG_MAX_CQ);
    pair_connect(p, 0, RDO_QPT_RC, 3 /* 1024 */);
    pair_connect(p, 1, RDO_QPT_RC, 3 /* 1024 */);

    /* An rkey of VF 1 presented to a QP of VF 2: VF 2's own MR's index and
     * tag, VF 1's function bits. A remote access error, VF 2 counts it. */
    pair_fill(b, PAIR_DST, 4096, 0x33);
    memcpy(before, pair_mr_ptr(b, PAIR_DST), 4096);
    w = rdo_wqe(RDO_WR_RDMA_WRITE, 0x30);
    sge = pair_sge_of(a, PAIR_SRC, 4096);
    w.remote_addr = PAIR_DST;
    w.rkey = (b->mr_key & ~(0xfu << RDO_MR_KEY_FN_SHIFT)) |
             (1u << RDO_MR_KEY_FN_SHIFT);
    pair_post_send(a, 0, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x30, RDO_CQE_RDMA_WRITE, RDO_WC_REM_ACCESS_ERR);
    g_assert_cmpmem(pair_mr_ptr(b, PAIR_DST), 4096, before, 4096);
    g_assert_cmpuint(pair_cnt(b, RDO_REG_CNT_ISOLATION), ==, 1);
    g_assert_cmpuint(b->d->h->class_count[RDO_GE_FN_FOREIGN_KEY], ==, 1);

    /* VF 2's lkey in VF 1's SGE: a local protection error. */
    w = rdo_wqe(RDO_WR_RDMA_WRITE, 0x31);
    sge = rdo_sge(PAIR_SRC, 64, b->mr_key);
    w.remote_addr = PAIR_DST;
    w.rkey = b->mr_key;
    pair_post_send(a, 1, &w, &sge, 1, NULL);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(a, 0x31, RDO_CQE_RDMA_WRITE, RDO_WC_LOC_PROT_ERR);
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_ISOLATION), ==, ++iso_a);
    g_assert_cmpuint(a->d->h->class_count[RDO_GE_FN_FOREIGN_KEY], ==, 1);

    /* Commands naming numbers beyond VF 1's share (another function's on
     * the adapter): refused, counted. */
    c = rdo_cmd_create_cq(share_cq + 5, td_alloc(a->d, 4096, 4096), 4, 0, 0);
    g_assert_cmpuint(td_cmd(a->d, &c).status, ==, RDO_CQP_BAD_INDEX);
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_ISOLATION), ==, ++iso_a);
    c = rdo_cmd_modify_qp(share_qp + 1, RDO_QPS_ERR, 0);
    g_assert_cmpuint(td_cmd(a->d, &c).status, !=, RDO_CQP_OK);
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_ISOLATION), ==, ++iso_a);
    c = rdo_cmd_create_cq(7, td_alloc(a->d, 4096, 4096), 4,
                          test_reg_read(a->d->h, RDO_REG_MAX_EQ) + 1, 0);
    g_assert_cmpuint(td_cmd(a->d, &c).status, !=, RDO_CQP_OK);
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_ISOLATION), ==, ++iso_a);
    /* Doorbells likewise. */
    td_doorbell(a->d, 0, RDO_DB_SQ, RDO_DB_VALUE(share_qp + 2, 0, 1));
    td_doorbell(a->d, 0, RDO_DB_CQ, RDO_DB_VALUE(share_cq, 0, 0));
    iso_a += 2;
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_ISOLATION), ==, iso_a);
    g_assert_cmpuint(a->d->h->class_count[RDO_GE_FN_FOREIGN_OBJECT], ==, 5);
    /* A number within the share is no isolation matter. */
    td_doorbell(a->d, 0, RDO_DB_SQ, RDO_DB_VALUE(share_qp - 1, 0, 1));
    g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_ISOLATION), ==, iso_a);

    /* VF 2 and the PF saw none of VF 1's attempts. */
    g_assert_cmpuint(pair_cnt(b, RDO_REG_CNT_ISOLATION), ==, 1);
    g_assert_cmpuint(test_reg_read(s->pf->h, RDO_REG_CNT_ISOLATION), ==, 0);
    g_assert_cmpuint(test_reg_read(s->pf->h, RDO_REG_ERR_COUNT), ==, 0);
    pair_release(p, s);
    sriov_free(s);
}

/* VF 1's function-level reset while the PF writes to VF 2. */
static void test_vf_flr(void)
{
    Sriov *s = sriov_new();
    Pair *p = g_new0(Pair, 1);
    PairSide *pf, *b, other;
    struct rdo_send_wqe w;
    struct rdo_sge sge;
    const uint32_t len = 1u << 20;
    uint32_t share;
    int steps = 0;

    p->layout = pair_layout(0, 0);
    test_frames_init(&p->passing);
    pair_side_attach(&p->s[0], s->pf, s->pf->h->core.cfg.mac, &p->layout, 0);
    pair_side_attach(&p->s[1], s->vf[2], s->vf[2]->h->core.cfg.mac,
                     &p->layout, 1);
    pair_side_attach(&other, s->vf[1], s->vf[1]->h->core.cfg.mac,
                     &p->layout, 2);
    share = test_reg_read(s->vf[1]->h, RDO_REG_MAX_QP);
    pf = &p->s[0];
    b = &p->s[1];
    pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096);
    pair_fill(pf, PAIR_SRC, len, 0x99);
    w = rdo_wqe(RDO_WR_RDMA_WRITE, 0x40);
    sge = pair_sge_of(pf, PAIR_SRC, len);
    w.remote_addr = PAIR_DST + 1;
    w.rkey = b->mr_key;
    pair_post_send(pf, 0, &w, &sge, 1, NULL);
    /* Until VF 2 has taken part of it. */
    while (pair_cnt(b, RDO_REG_CNT_RX_PACKETS) < 16 && steps < 10000 &&
           pair_step(p, UINT64_MAX)) {
        steps++;
    }
    g_assert_cmpuint(pair_cq_ready(pf), ==, 0);     /* still moving */

    /* VF 1's FLR: its objects and control path go, its share stays. */
    rdo_core_reset(&s->vf[1]->h->core);
    g_assert_false(test_reg_read(s->vf[1]->h, RDO_REG_STATUS) &
                   RDO_STATUS_CQP_READY);
    g_assert_cmpuint(test_reg_read(s->vf[1]->h, RDO_REG_MAX_QP), ==, share);
    g_assert_true(pair_run_cqes(p, 0, 1, PAIR_SEC));
    pair_expect_cqe(pf, 0x40, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
    pair_assert_same(pf, PAIR_SRC, b, PAIR_DST + 1, len);
    g_assert_cmpuint(pair_cnt(pf, RDO_REG_CNT_RETRANSMITS), ==, 0);
    g_assert_cmpuint(test_frames_count(&s->pf->h->frames), ==, 0);
    /* And VF 1 starts again, a PD of its own. */
    td_start(s->vf[1]);
    td_create_pd(s->vf[1], 0);
    g_free(p->s[0].slots);
    g_free(p->s[1].slots);
    g_free(other.slots);
    test_frames_destroy(&p->passing);
    g_free(p);
    sriov_free(s);
}

/* The ENGINE_RECOVERED on a function's EQ 0 (type 0 if none came). */
static struct rdo_eqe recovered_event(TestDriver *d)
{
    struct rdo_eqe e, rec = { 0 };

    while ((e = td_eq0_next(d)).type) {
        g_assert_cmpuint(e.type, !=, RDO_EQE_QP_ERROR);
        rec = e.type == RDO_EQE_ENGINE_RECOVERED ? e : rec;
    }
    return rec;
}

/*
 * The engines serve every function: a fault in the middle of a 1 MiB
 * WRITE and a READ between VF 1 and VF 2 (failover on) is recovered by
 * each VF from its own store, and both complete bit-exact without an
 * error; each VF hears of it for its one QP, the PF for none. A VF may
 * not fault the engine. Without failover every function has the
 * catastrophic error.
 */
static void test_engine_fault(void)
{
    for (int failover = 1; failover >= 0; failover--) {
        RdoConfig cfg = sriov_config();
        Sriov *s;
        Pair *p;
        PairSide *a, *b;
        struct rdo_send_wqe w;
        struct rdo_sge sge;
        const uint32_t len = 1u << 20, rlen = 100000 + 3;
        int steps = 0;

        cfg.failover = failover;
        s = sriov_new_with(&cfg);
        td_start(s->pf);
        p = vf_pair(s);
        a = &p->s[0];
        b = &p->s[1];
        pair_connect(p, 0, RDO_QPT_RC, RDO_MTU_4096);
        pair_fill(a, PAIR_SRC + 1, len, 0x5a);
        pair_fill(b, PAIR_SRC + 7, rlen, 0x3c);
        w = rdo_wqe(RDO_WR_RDMA_WRITE, 0x50);
        sge = pair_sge_of(a, PAIR_SRC + 1, len);
        w.remote_addr = PAIR_DST + 3;
        w.rkey = b->mr_key;
        pair_post_send(a, 0, &w, &sge, 1, NULL);
        w = rdo_wqe(RDO_WR_RDMA_READ, 0x51);
        sge = pair_sge_of(a, PAIR_DST + (2u << 20) - rlen - 5, rlen);
        w.remote_addr = PAIR_SRC + 7;
        w.rkey = b->mr_key;
        pair_post_send(a, 0, &w, &sge, 1, NULL);
        while (pair_cnt(b, RDO_REG_CNT_RX_PACKETS) < 16 && steps < 10000 &&
               pair_step(p, UINT64_MAX)) {
            steps++;
        }
        g_assert_cmpuint(pair_cq_ready(a), ==, 0);     /* still moving */

        /* VF 1's own FO_INJECT: refused, counted, nothing faulted. */
        test_reg_write(s->vf[1]->h, RDO_REG_FO_INJECT, RDO_FO_INJECT_KEY);
        g_assert_cmpuint(pair_cnt(a, RDO_REG_CNT_ISOLATION), ==, 1);
        g_assert_cmpuint(s->vf[1]->h->core.cnt.fo_recoveries, ==, 0);
        g_assert_false(rdo_core_is_fatal(&s->vf[1]->h->core));

        test_reg_write(s->pf->h, RDO_REG_FO_INJECT, RDO_FO_INJECT_KEY);
        if (!failover) {
            for (uint32_t n = 0; n <= VFS; n++) {
                TestDriver *d = n ? s->vf[n] : s->pf;

                g_assert_true(rdo_core_is_fatal(&d->h->core));
                g_assert_cmpuint(d->h->core.cnt.fo_fatal, ==, 1);
            }
            pair_release(p, s);
            sriov_free(s);
            continue;
        }
        g_assert_cmpuint(recovered_event(s->pf).data, ==, 0);
        for (uint32_t n = 1; n <= VFS; n++) {
            struct rdo_eqe e = recovered_event(s->vf[n]);

            g_assert_cmpuint(e.type, ==, RDO_EQE_ENGINE_RECOVERED);
            g_assert_cmpuint(e.data, ==, 1);
            g_assert_false(rdo_core_is_fatal(&s->vf[n]->h->core));
            g_assert_cmpuint(s->vf[n]->h->core.cnt.fo_qps, ==, 1);
        }
        g_assert_true(pair_run_cqes(p, 0, 2, 5 * PAIR_SEC));
        pair_expect_cqe(a, 0x50, RDO_CQE_RDMA_WRITE, RDO_WC_SUCCESS);
        pair_expect_cqe(a, 0x51, RDO_CQE_RDMA_READ, RDO_WC_SUCCESS);
        pair_assert_same(a, PAIR_SRC + 1, b, PAIR_DST + 3, len);
        pair_assert_same(b, PAIR_SRC + 7, a, PAIR_DST + (2u << 20) - rlen - 5, rlen);
        g_assert_cmpuint(pair_query_qp(a, a->qp[0].qpn).state, ==, RDO_QPS_RTS);
        g_assert_cmpuint(pair_query_qp(b, b->qp[0].qpn).state, ==, RDO_QPS_RTS);
        g_assert_cmpuint(test_frames_count(&s->pf->h->frames), ==, 0);
        pair_release(p, s);
        sriov_free(s);
    }
}

/* A bad sriov-max-vfs configuration is refused with a reason. */
static void test_config(void)
{
    RdoConfig cfg = sriov_config();
    const char *why = NULL;

    g_assert_true(rdo_config_valid(&cfg, &why));
    cfg.sriov_max_vfs = RDO_SRIOV_MAX_VFS + 1;
    g_assert_false(rdo_config_valid(&cfg, &why));
    cfg = sriov_config();
    cfg.max_qp = 8;
    g_assert_false(rdo_config_valid(&cfg, &why));
    g_assert_nonnull(strstr(why, "sriov-max-vfs"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sriov/config", test_config);
    g_test_add_func("/sriov/default-split", test_default_split);
    g_test_add_func("/sriov/partition-command", test_partition_cmd);
    g_test_add_func("/sriov/grow-shrink", test_grow_shrink);
    g_test_add_func("/sriov/vf-to-vf", test_vf_to_vf);
    g_test_add_func("/sriov/isolation", test_isolation);
    g_test_add_func("/sriov/vf-flr", test_vf_flr);
    g_test_add_func("/sriov/engine-fault", test_engine_fault);
    return g_test_run();
}
