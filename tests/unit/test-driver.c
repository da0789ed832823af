/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include "test-driver.h"

#define TD_MEM (32u << 20)
/* Beyond the default number of QPs, guest memory for each one's context
 * and rings (a page each at the smallest). */
#define TD_MEM_PER_QP (12u << 10)

static size_t td_mem_size(const RdoConfig *cfg)
{
    return TD_MEM + (size_t)(cfg->max_qp > RDO_DEFAULT_MAX_QP ?
                             cfg->max_qp - RDO_DEFAULT_MAX_QP : 0) * TD_MEM_PER_QP;
}

TestDriver *td_new(const RdoConfig *cfg)
{
    TestDriver *d = g_new0(TestDriver, 1);

    d->h = test_host_new(cfg, td_mem_size(cfg));
    d->next_free = TEST_HOST_MEM_BASE + 4096;
    return d;
}

TestDriver *td_new_vf(TestDriver *pf, uint32_t n)
{
    TestDriver *d = g_new0(TestDriver, 1);

    d->h = test_host_new_vf(pf->h, n, TD_MEM);
    d->next_free = TEST_HOST_MEM_BASE + 4096;
    return d;
}

TestDriver *td_started(uint32_t cache_entries)
{
    RdoConfig cfg = test_host_default_config();
    TestDriver *d;

    cfg.max_qp = 64;
    cfg.max_mr = 128;
    cfg.qpc_cache_entries = cache_entries;
    cfg.mrc_cache_entries = cache_entries;
    d = td_new(&cfg);
    td_start(d);
    g_assert_cmphex(test_reg_read(d->h, RDO_REG_STATUS) & RDO_STATUS_CQP_READY, ==,
                    RDO_STATUS_CQP_READY);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_ERR_COUNT), ==, 0);
    return d;
}

struct rdo_cqp_cmd td_cmd_of(uint8_t opcode, uint32_t obj)
{
    struct rdo_cqp_cmd c = rdo_cmd_new(opcode, obj);

    c.cookie = 0xc00c1e0000000000ull | opcode;
    return c;
}

void td_free(TestDriver *d)
{
    test_host_free(d->h);
    g_free(d);
}

uint64_t td_alloc(TestDriver *d, size_t len, size_t align)
{
    uint64_t addr = (d->next_free + align - 1) & ~(uint64_t)(align - 1);

    g_assert_cmpuint(addr + len, <=, TEST_HOST_MEM_BASE + d->h->mem_size);
    d->next_free = addr + len;
    memset(td_ptr(d, addr), 0, len);
    return addr;
}

void *td_ptr(TestDriver *d, uint64_t addr)
{
    return d->h->mem + (addr - TEST_HOST_MEM_BASE);
}

/* A store of `pages` 4 KiB pages and its page list. */
static uint64_t td_store(TestDriver *d, uint32_t pages)
{
    uint64_t list = td_alloc(d, pages * 8, 8);
    uint64_t *entries = td_ptr(d, list);

    for (uint32_t i = 0; i < pages; i++) {
        entries[i] = td_alloc(d, 4096, 4096);
    }
    return list;
}

static void td_reg64(TestDriver *d, uint32_t lo_reg, uint64_t v)
{
    test_reg_write(d->h, lo_reg, (uint32_t)v);
    test_reg_write(d->h, lo_reg + 4, v >> 32);
}

void *td_qpc_entry(TestDriver *d, uint32_t qpn)
{
    uint32_t per_page = RDO_PAGE_SIZE / test_reg_read(d->h, RDO_REG_QPC_ENTRY_SIZE);
    uint64_t page;

    memcpy(&page, td_ptr(d, d->h->core.regs.qpc_pglist + qpn / per_page * 8), 8);
    return td_ptr(d, page + qpn % per_page * (RDO_PAGE_SIZE / per_page));
}

void td_setup(TestDriver *d)
{
    /* QPC_ENTRY_SIZE: larger with failover (the QP's hard state). */
    uint32_t qp_per_page = RDO_PAGE_SIZE / test_reg_read(d->h, RDO_REG_QPC_ENTRY_SIZE);
    uint32_t qp_pages = (d->h->core.cfg.max_qp + qp_per_page - 1) / qp_per_page;
    uint32_t mr_pages = (d->h->core.cfg.max_mr + 63) / 64;

    d->cqp_ring = td_alloc(d, RDO_CQP_CMD_SIZE << TD_CQP_LOG, 4096);
    d->cqp_comp = td_alloc(d, RDO_CQP_COMP_SIZE << TD_CQP_LOG, 4096);
    d->eq0_ring = td_alloc(d, sizeof(struct rdo_eqe) << TD_EQ0_LOG, 4096);
    d->qpc_pglist = td_store(d, qp_pages);
    d->mrc_pglist = td_store(d, mr_pages);
    td_reg64(d, RDO_REG_CQP_RING_LO, d->cqp_ring);
    td_reg64(d, RDO_REG_CQP_COMP_LO, d->cqp_comp);
    test_reg_write(d->h, RDO_REG_CQP_LOG_SIZE, TD_CQP_LOG);
    td_reg64(d, RDO_REG_EQ0_RING_LO, d->eq0_ring);
    test_reg_write(d->h, RDO_REG_EQ0_LOG_SIZE, TD_EQ0_LOG);
    td_reg64(d, RDO_REG_QPC_PGLIST_LO, d->qpc_pglist);
    test_reg_write(d->h, RDO_REG_QPC_PAGES, qp_pages);
    td_reg64(d, RDO_REG_MRC_PGLIST_LO, d->mrc_pglist);
    test_reg_write(d->h, RDO_REG_MRC_PAGES, mr_pages);
}

void td_start(TestDriver *d)
{
    td_setup(d);
    test_reg_write(d->h, RDO_REG_CONTROL, RDO_CONTROL_ENABLE | RDO_CONTROL_CQP_ENABLE);
}

void td_run(TestDriver *d, uint64_t limit_ns)
{
    uint64_t end = d->h->now_ns + limit_ns;

    while (d->h->wakeup_ns && d->h->wakeup_ns <= end) {
        if (d->h->wakeup_ns > d->h->now_ns) {
            d->h->now_ns = d->h->wakeup_ns;
        }
        d->h->wakeup_ns = 0;
        d->h->wakeups++;
        rdo_core_wakeup(&d->h->core);
    }
    if (d->h->now_ns < end) {
        d->h->now_ns = end;     /* what is still scheduled lies beyond */
    }
}

uint32_t td_post(TestDriver *d, const struct rdo_cqp_cmd *cmd)
{
    uint32_t index = d->cqp_pi++;

    memcpy(td_ptr(d, d->cqp_ring + (index & ((1u << TD_CQP_LOG) - 1)) *
                     RDO_CQP_CMD_SIZE), cmd, sizeof(*cmd));
    return index;
}

void td_ring_cqp(TestDriver *d)
{
    test_reg_write(d->h, RDO_REG_CQP_PI, d->cqp_pi);
}

struct rdo_cqp_comp td_comp(TestDriver *d, uint32_t index)
{
    struct rdo_cqp_comp c;

    memcpy(&c, td_ptr(d, d->cqp_comp + (index & ((1u << TD_CQP_LOG) - 1)) *
                         RDO_CQP_COMP_SIZE), sizeof(c));
    return c;
}

struct rdo_cqp_comp td_cmd(TestDriver *d, struct rdo_cqp_cmd *cmd)
{
    uint32_t index = td_post(d, cmd);
    struct rdo_cqp_comp c;

    td_ring_cqp(d);
    td_run(d, 100000000);
    c = td_comp(d, index);
    g_assert_true(rdo_owner_is_sw(c.owner, index, TD_CQP_LOG));
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CQP_CI), ==, index + 1);
    return c;
}

struct rdo_eqe td_eq0_next(TestDriver *d)
{
    struct rdo_eqe e;

    memcpy(&e, td_ptr(d, d->eq0_ring + (d->eq0_ci & ((1u << TD_EQ0_LOG) - 1)) *
                         sizeof(e)), sizeof(e));
    if (!rdo_owner_is_sw(e.owner, d->eq0_ci, TD_EQ0_LOG)) {
        memset(&e, 0, sizeof(e));
        return e;
    }
    d->eq0_ci++;
    return e;
}

static void td_expect_ok(TestDriver *d, struct rdo_cqp_cmd *cmd)
{
    struct rdo_cqp_comp c = td_cmd(d, cmd);

    g_assert_cmpuint(c.status, ==, RDO_CQP_OK);
}

void td_create_pd(TestDriver *d, uint32_t pdn)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_create_pd(pdn, 0);

    td_expect_ok(d, &cmd);
}

uint64_t td_create_cq(TestDriver *d, uint32_t cqn, uint8_t log_size,
                      uint32_t eqn, uint16_t db_page)
{
    uint64_t ring = td_alloc(d, sizeof(struct rdo_cqe) << log_size, 4096);
    struct rdo_cqp_cmd cmd = rdo_cmd_create_cq(cqn, ring, log_size, eqn,
                                               db_page);

    td_expect_ok(d, &cmd);
    return ring;
}

void td_create_qp(TestDriver *d, uint32_t qpn, uint8_t type, uint32_t pdn,
                  uint32_t cqn, uint64_t *sq, uint64_t *rq)
{
    struct rdo_cqp_cmd cmd;
    uint64_t rq_addr = 0;

    *sq = td_alloc(d, 16 * 128, 4096);
    if (type != RDO_QPT_SSQ) {
        rq_addr = *rq = td_alloc(d, 16 * 64, 4096);
    }
    cmd = rdo_cmd_create_qp(qpn, type, pdn, cqn, *sq, rq_addr);
    rdo_cmd_qp_geometry(&cmd, 4, 7, 4, 6);
    td_expect_ok(d, &cmd);
}

void td_ud_to_rts(TestDriver *d, uint32_t qpn)
{
    for (uint8_t to = RDO_QPS_INIT; to <= RDO_QPS_RTS; to++) {
        struct rdo_cqp_cmd cmd =
            rdo_cmd_modify_qp(qpn, to, rdo_cmd_modify_mask(RDO_QPT_UD, to));

        cmd.u.modify_qp.qkey = 0x11111111;
        td_expect_ok(d, &cmd);
    }
}

uint32_t td_reg_mr(TestDriver *d, uint32_t index, uint32_t pdn, uint64_t len,
                   uint16_t access, uint8_t *expect_status)
{
    uint32_t pages = (len + 4095) / 4096;
    uint64_t list = td_alloc(d, pages * 8, 8);
    uint64_t *entries = td_ptr(d, list);
    struct rdo_cqp_cmd cmd;
    struct rdo_cqp_comp c;

    for (uint32_t i = 0; i < pages; i++) {
        entries[i] = td_alloc(d, 4096, 4096);
    }
    cmd = rdo_cmd_reg_mr(index, 0x5a, pdn, 0x7f0000000000ull, len, list, pages);
    cmd.u.reg_mr.access = access;
    c = td_cmd(d, &cmd);
    if (expect_status) {
        *expect_status = c.status;
    } else {
        g_assert_cmpuint(c.status, ==, RDO_CQP_OK);
    }
    return c.result;
}

void td_doorbell(TestDriver *d, uint16_t page, uint32_t reg, uint64_t value)
{
    rdo_core_db_write(&d->h->core, ((uint64_t)page << RDO_DB_PAGE_SHIFT) + reg,
                      value, 8);
}
