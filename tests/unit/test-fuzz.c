/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The core fuzzed without QEMU, under ASan and UBSan (scripts/test builds
 * the unit tests with both): random guest memory, random set-ups, random
 * commands posted on the command ring, random register and doorbell
 * accesses of every size, resets and injected catastrophic errors, and
 * virtual time. The QEMU-level campaign (rdma-offload-fuzz-test.c) covers
 * the glue; this one finds memory errors in the core that do not crash.
 *
 *   RDO_FUZZ_SECONDS (default 2), RDO_FUZZ_SEED (default random)
 */
#include <string.h>
#include "test-driver.h"

#define MEM (16u << 20)

typedef struct UFuzz {
    TestDriver *d;
    GRand *rand;
    uint64_t ops;
} UFuzz;

static uint32_t r32(UFuzz *f)
{
    return g_rand_int(f->rand);
}

static uint32_t rn(UFuzz *f, uint32_t max)
{
    return g_rand_int_range(f->rand, 0, max);
}

/* Mostly inside guest memory, sometimes anywhere. */
static uint64_t addr(UFuzz *f, uint32_t align)
{
    if (rn(f, 10) == 0) {
        return (uint64_t)r32(f) << 32 | r32(f);
    }
    return (TEST_HOST_MEM_BASE + rn(f, MEM - 4096)) & ~(uint64_t)(align - 1);
}

static void randomize(UFuzz *f, uint64_t a, uint32_t len)
{
    uint8_t *p = td_ptr(f->d, a);

    for (uint32_t i = 0; i < len; i++) {
        p[i] = r32(f);
    }
}

/* A valid set-up after a reset (td_setup), or random registers. */
static void op_setup(UFuzz *f)
{
    static const uint32_t regs[] = {
        RDO_REG_CQP_RING_LO, RDO_REG_CQP_COMP_LO, RDO_REG_CQP_LOG_SIZE,
        RDO_REG_EQ0_RING_LO, RDO_REG_EQ0_LOG_SIZE, RDO_REG_QPC_PGLIST_LO,
        RDO_REG_QPC_PAGES, RDO_REG_MRC_PGLIST_LO, RDO_REG_MRC_PAGES,
    };

    test_reg_write(f->d->h, RDO_REG_CONTROL, RDO_CONTROL_RESET);
    f->d->next_free = TEST_HOST_MEM_BASE + 4096;
    f->d->cqp_pi = 0;
    td_setup(f->d);
    if (rn(f, 4) == 0) {
        uint32_t reg = regs[rn(f, G_N_ELEMENTS(regs))];

        test_reg_write(f->d->h, reg, rn(f, 2) ? r32(f) : addr(f, 8));
    }
    test_reg_write(f->d->h, RDO_REG_CONTROL,
                   RDO_CONTROL_ENABLE | RDO_CONTROL_CQP_ENABLE);
}

/* Commands with random fields, small object numbers, plausible addresses. */
static void op_commands(UFuzz *f)
{
    uint32_t pi = test_reg_read(f->d->h, RDO_REG_CQP_PI);
    uint32_t n = rn(f, 1u << TD_CQP_LOG);

    for (uint32_t i = 0; i < n; i++) {
        struct rdo_cqp_cmd c;
        uint32_t w[sizeof(c) / 4];

        /* Random bytes copied in: stores through a uint32_t pointer into
         * the struct are not seen as its fields' values at -O3. */
        for (size_t k = 0; k < G_N_ELEMENTS(w); k++) {
            w[k] = r32(f);
        }
        memcpy(&c, w, sizeof(c));
        c.opcode = rn(f, 20) ? rn(f, RDO_CMD__COUNT) : r32(f);
        c.flags &= rn(f, 20) ? 1 : 0xff;
        c.reserved0 = 0;
        c.reserved1 = rn(f, 20) ? 0 : c.reserved1;
        c.obj = rn(f, 20) ? rn(f, 12) : r32(f);
        c.out_addr = addr(f, 8);
        c.u.create_qp.sq_addr = addr(f, 1024);
        c.u.create_qp.rq_addr = addr(f, 1024);
        c.u.create_qp.pdn = rn(f, 4);
        c.u.create_qp.send_cqn = rn(f, 4);
        c.u.create_qp.recv_cqn = rn(f, 4);
        c.u.create_qp.sq_log_size = rn(f, 8);
        c.u.create_qp.rq_log_size = rn(f, 8);
        if (c.opcode == RDO_CMD_REG_MR) {
            c.u.reg_mr.page_list = addr(f, 8);
            c.u.reg_mr.num_pages = rn(f, 20) ? 1 + rn(f, 64) : r32(f);
            c.u.reg_mr.pdn = rn(f, 4);
        } else if (c.opcode == RDO_CMD_ALLOC_MW) {
            c.u.alloc_mw.type = rn(f, 4);
            c.u.alloc_mw.pdn = rn(f, 4);
            c.u.alloc_mw.reserved0 = 0;
            c.u.alloc_mw.reserved1[0] = c.u.alloc_mw.reserved1[1] = 0;
        } else if (c.opcode <= RDO_CMD_DESTROY_CQ && c.opcode >= RDO_CMD_CREATE_EQ) {
            c.u.create_cq.ring_addr = addr(f, 32);
            c.u.create_cq.log_size = rn(f, 10);
            c.u.create_cq.eqn = rn(f, 4);
            c.u.create_cq.db_page = rn(f, 4);
            c.u.create_cq.reserved = 0;
        }
        memcpy(td_ptr(f->d, f->d->cqp_ring +
                      ((pi + i) & ((1u << TD_CQP_LOG) - 1)) * sizeof(c)),
               &c, sizeof(c));
    }
    test_reg_write(f->d->h, RDO_REG_CQP_PI, rn(f, 20) ? pi + n : r32(f));
}

static void op_doorbell(UFuzz *f)
{
    uint64_t page = rn(f, 10) ? rn(f, 4) : rn(f, 256);
    uint32_t reg = rn(f, 2) ? rn(f, 5) * 8 : rn(f, RDO_DB_PAGE_SIZE);
    uint64_t v = (uint64_t)(rn(f, 2) ? rn(f, 64) : r32(f)) << 32 |
                 (rn(f, 4) << 24) | (rn(f, 10) ? rn(f, 12) : r32(f));
    static const unsigned sizes[] = { 1, 2, 4, 8, 8, 8 };

    rdo_core_db_write(&f->d->h->core, (page << RDO_DB_PAGE_SHIFT) + reg, v,
                      sizes[rn(f, G_N_ELEMENTS(sizes))]);
}

static void op_register(UFuzz *f)
{
    uint64_t off = rn(f, 10) ? rn(f, 0x300) & ~3u : rn(f, RDO_BAR_REGS_SIZE);
    unsigned size = rn(f, 10) ? 4 : 1u << rn(f, 4);
    uint32_t v = rn(f, 2) ? r32(f) : rn(f, 64);

    if (off == RDO_REG_CONTROL && rn(f, 4)) {
        v &= RDO_CONTROL_ENABLE | RDO_CONTROL_CQP_ENABLE;
    }
    if (rn(f, 2)) {
        rdo_core_reg_read(&f->d->h->core, off, size);
    } else {
        rdo_core_reg_write(&f->d->h->core, off, v, size);
    }
}

static void op_one(UFuzz *f)
{
    uint32_t r = rn(f, 1000);

    f->ops++;
    if (r < 5) {
        op_setup(f);
    } else if (r < 300) {
        op_commands(f);
    } else if (r < 550) {
        op_doorbell(f);
    } else if (r < 700) {
        op_register(f);
    } else if (r < 850) {
        td_run(f->d, rn(f, 10) ? rn(f, 100000) : rn(f, 20000000));
    } else if (r < 990) {
        randomize(f, TEST_HOST_MEM_BASE + rn(f, MEM - 2048), 16 + rn(f, 1024));
    } else if (r < 993) {
        rdo_core_fatal(&f->d->h->core, RDO_FATAL_INJECTED, false, "fuzz");
    } else {
        test_reg_write(f->d->h, RDO_REG_CONTROL, RDO_CONTROL_RESET);
    }
}

static void test_fuzz(void)
{
    TestFuzzRun run;
    RdoConfig cfg = test_host_default_config();
    UFuzz f;

    test_fuzz_begin(&run, "rdo-unit-fuzz");
    f = (UFuzz){ .rand = g_rand_new_with_seed(run.seed) };
    cfg.max_qp = 64;
    cfg.max_mr = 128;
    cfg.qpc_cache_entries = 2;
    cfg.mrc_cache_entries = 2;
    f.d = td_new(&cfg);
    randomize(&f, TEST_HOST_MEM_BASE, MEM);
    op_setup(&f);
    while (test_fuzz_more(&run)) {
        for (int i = 0; i < 256; i++) {
            op_one(&f);
        }
        g_assert_cmphex(test_reg_read(f.d->h, RDO_REG_ID), ==, RDO_ID_MAGIC);
    }
    test_fuzz_end(&run);
    /* A reset and a clean start still work. */
    test_reg_write(f.d->h, RDO_REG_CONTROL, RDO_CONTROL_RESET);
    f.d->next_free = TEST_HOST_MEM_BASE + 4096;
    f.d->cqp_pi = 0;
    td_start(f.d);
    {
        struct rdo_cqp_cmd nop = td_cmd_of(RDO_CMD_NOP, 0);

        g_assert_cmpuint(td_cmd(f.d, &nop).status, ==, RDO_CQP_OK);
    }
    g_test_message("rdo-unit-fuzz: seed %u: %" G_GUINT64_FORMAT " operations",
                   run.seed, f.ops);
    td_free(f.d);
    g_rand_free(f.rand);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fuzz/core", test_fuzz);
    return g_test_run();
}
