/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the register file and doorbell pages of the core. */
#include <inttypes.h>
#include <string.h>
#include "test-host.h"

static TestHost *new_host(void)
{
    RdoConfig cfg = test_host_default_config();

    return test_host_new(&cfg, 1 << 20);
}

static void test_identity(void)
{
    TestHost *h = new_host();

    g_assert_cmphex(test_reg_read(h, RDO_REG_ID), ==, RDO_ID_MAGIC);
    g_assert_cmphex(test_reg_read(h, RDO_REG_VERSION), ==,
                    RDO_VERSION_VALUE(RDO_VERSION_MAJOR, RDO_VERSION_MINOR));
    g_assert_cmphex(test_reg_read(h, RDO_REG_CAPS_LO) & RDO_CAP_ETH_PORT, ==,
                    RDO_CAP_ETH_PORT);
    g_assert_cmphex(test_reg_read(h, RDO_REG_MAC_LO), ==, 0xab005452);
    g_assert_cmphex(test_reg_read(h, RDO_REG_MAC_HI), ==, 0xefcd);
    g_assert_cmpuint(test_reg_read(h, RDO_REG_PORT_STATUS), ==, RDO_PORT_LINK_UP);
    g_assert_cmpuint(test_reg_read(h, RDO_REG_DB_INFO), ==,
                     RDO_DB_INFO_MAKE(12, 256));
    g_assert_cmpuint(h->errors->len, ==, 0);
    test_host_free(h);
}

static void test_link_follows_backend(void)
{
    TestHost *h = new_host();

    rdo_core_set_link(&h->core, false);
    g_assert_cmpuint(test_reg_read(h, RDO_REG_PORT_STATUS), ==, 0);
    rdo_core_set_link(&h->core, true);
    g_assert_cmpuint(test_reg_read(h, RDO_REG_PORT_STATUS), ==, RDO_PORT_LINK_UP);
    test_host_free(h);
}

static void test_reset_clears_state(void)
{
    TestHost *h = new_host();

    test_reg_write(h, RDO_REG_SCRATCH, 0xdeadbeef);
    test_reg_write(h, RDO_REG_CONTROL, RDO_CONTROL_ENABLE);
    rdo_core_db_write(&h->core, 0x1000, 1, 8);
    test_reg_write(h, RDO_REG_IRQ_TEST, 3);
    test_reg_write(h, RDO_REG_ID, 0);      /* a mistake */
    g_assert_cmpuint(test_reg_read(h, RDO_REG_DB_WRITES), ==, 1);
    g_assert_cmpuint(test_reg_read(h, RDO_REG_ERR_COUNT), ==, 1);

    test_reg_write(h, RDO_REG_CONTROL, RDO_CONTROL_RESET);
    g_assert_cmpuint(test_reg_read(h, RDO_REG_SCRATCH), ==, 0);
    g_assert_cmpuint(test_reg_read(h, RDO_REG_CONTROL), ==, 0);
    g_assert_cmpuint(test_reg_read(h, RDO_REG_STATUS), ==, RDO_STATUS_READY);
    g_assert_cmpuint(test_reg_read(h, RDO_REG_DB_WRITES), ==, 0);
    g_assert_cmpuint(test_reg_read(h, RDO_REG_IRQ_TEST_COUNT), ==, 0);
    g_assert_cmpuint(test_reg_read(h, RDO_REG_ERR_COUNT), ==, 0);
    test_host_free(h);
}

static void test_irq_test(void)
{
    TestHost *h = new_host();

    test_reg_write(h, RDO_REG_IRQ_TEST, 0);
    test_reg_write(h, RDO_REG_IRQ_TEST, 31);
    test_reg_write(h, RDO_REG_IRQ_TEST, 31);
    g_assert_cmpuint(h->irqs[0], ==, 1);
    g_assert_cmpuint(h->irqs[31], ==, 2);
    g_assert_cmpuint(test_reg_read(h, RDO_REG_IRQ_TEST_COUNT), ==, 3);

    test_reg_write(h, RDO_REG_IRQ_TEST, 32);
    test_reg_write(h, RDO_REG_IRQ_TEST, 0xffffffff);
    g_assert_cmpuint(h->last_error, ==, RDO_ERR_BAD_VALUE);
    g_assert_cmpuint(test_reg_read(h, RDO_REG_ERR_COUNT), ==, 2);
    g_assert_cmpuint(test_reg_read(h, RDO_REG_IRQ_TEST_COUNT), ==, 3);
    test_host_free(h);
}

/* Every kind of bad register access is recorded, reported and harmless. */
static void test_bad_accesses(void)
{
    static const struct {
        uint64_t offset;
        unsigned size;
        bool write;
        enum rdo_err err;
        enum rdo_guest_err cls;         /* its own class (trace event) */
    } cases[] = {
        { RDO_REG_SCRATCH + 1, 4, true, RDO_ERR_UNALIGNED, RDO_GE_REG_UNALIGNED },
        { RDO_REG_SCRATCH + 2, 2, false, RDO_ERR_UNALIGNED, RDO_GE_REG_UNALIGNED },
        { RDO_REG_SCRATCH, 1, true, RDO_ERR_BAD_SIZE, RDO_GE_REG_BAD_SIZE },
        { RDO_REG_SCRATCH, 2, true, RDO_ERR_BAD_SIZE, RDO_GE_REG_BAD_SIZE },
        { RDO_REG_SCRATCH, 8, true, RDO_ERR_BAD_SIZE, RDO_GE_REG_BAD_SIZE },
        { RDO_REG_FUNCTION + 4, 4, false, RDO_ERR_UNKNOWN_OFFSET, RDO_GE_REG_UNKNOWN },
        { RDO_REG_CQP_CI + 4, 4, true, RDO_ERR_UNKNOWN_OFFSET, RDO_GE_REG_UNKNOWN },
        { RDO_REG_CQP_CI, 4, true, RDO_ERR_READ_ONLY, RDO_GE_REG_READ_ONLY },
        { RDO_REG_MAX_QP, 4, true, RDO_ERR_READ_ONLY, RDO_GE_REG_READ_ONLY },
        { RDO_BAR_REGS_SIZE - 4, 4, true, RDO_ERR_UNKNOWN_OFFSET, RDO_GE_REG_UNKNOWN },
        { RDO_REG_VERSION, 4, true, RDO_ERR_READ_ONLY, RDO_GE_REG_READ_ONLY },
        { RDO_REG_STATUS, 4, true, RDO_ERR_READ_ONLY, RDO_GE_REG_READ_ONLY },
        { RDO_REG_IRQ_TEST, 4, false, RDO_ERR_WRITE_ONLY, RDO_GE_REG_WRITE_ONLY },
    };
    TestHost *h = new_host();

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        if (cases[i].write) {
            rdo_core_reg_write(&h->core, cases[i].offset, 0x5a5a5a5a5a5a5a5aull,
                               cases[i].size);
        } else {
            rdo_core_reg_read(&h->core, cases[i].offset, cases[i].size);
        }
        g_assert_cmpuint(h->last_error, ==, cases[i].err);
        g_assert_cmpuint(h->last_class, ==, cases[i].cls);
        g_assert_cmpuint(h->last_obj, ==, cases[i].offset);
        g_assert_cmpuint(h->core.regs.err_addr, ==, cases[i].offset);
        g_assert_cmpuint(test_reg_read(h, RDO_REG_ERR_COUNT), ==, i + 1);
        g_assert_cmpuint(h->errors->len, ==, i + 1);
    }
    g_assert_cmpuint(test_reg_read(h, RDO_REG_SCRATCH), ==, 0);
    g_assert_cmphex(test_reg_read(h, RDO_REG_VERSION), ==,
                    RDO_VERSION_VALUE(RDO_VERSION_MAJOR, RDO_VERSION_MINOR));
    test_host_free(h);
}

static void test_doorbells(void)
{
    TestHost *h = new_host();

    rdo_core_db_write(&h->core, 0, 1, 4);
    g_assert_cmpuint(h->last_error, ==, RDO_ERR_DB_DISABLED);
    test_reg_write(h, RDO_REG_CONTROL, RDO_CONTROL_ENABLE);
    rdo_core_db_write(&h->core, 0, 1, 4);
    rdo_core_db_write(&h->core, 8, 1, 8);
    rdo_core_db_write(&h->core, 4, 1, 8);
    g_assert_cmpuint(h->last_error, ==, RDO_ERR_DB_BAD_ACCESS);
    g_assert_cmpuint(h->last_class, ==, RDO_GE_DB_BAD_ACCESS);
    g_assert_cmpuint(h->class_count[RDO_GE_DB_DISABLED], ==, 1);
    rdo_core_db_write(&h->core, 0, 1, 1);
    g_assert_cmpuint(test_reg_read(h, RDO_REG_DB_WRITES), ==, 2);
    g_assert_cmpuint(test_reg_read(h, RDO_REG_ERR_COUNT), ==, 3);
    test_host_free(h);
}

static void test_config_limits(void)
{
    RdoConfig cfg = test_host_default_config();
    const char *why = NULL;

    g_assert_true(rdo_config_valid(&cfg, &why));
    cfg.msix_vectors = 0;
    g_assert_false(rdo_config_valid(&cfg, &why));
    g_assert_nonnull(why);
    cfg.msix_vectors = RDO_MSIX_VECTORS_MAX + 1;
    g_assert_false(rdo_config_valid(&cfg, &why));
    cfg = test_host_default_config();
    cfg.doorbell_pages = 48;
    g_assert_false(rdo_config_valid(&cfg, &why));
    cfg.doorbell_pages = RDO_DOORBELL_PAGES_MAX;
    g_assert_true(rdo_config_valid(&cfg, &why));

    /* Fault injection: rates in ppm, bursts and delays bounded. */
    cfg.fault_corrupt_ppm = 1000000;
    cfg.fault_burst = RDO_FAULT_BURST_MAX;
    cfg.fault_delay_ns = RDO_FAULT_DELAY_MAX_NS;
    g_assert_true(rdo_config_valid(&cfg, &why));
    cfg.fault_corrupt_ppm = 1000001;
    g_assert_false(rdo_config_valid(&cfg, &why));
    g_assert_cmpstr(why, ==, "fault-corrupt-ppm must be at most 1000000 (parts per million)");
    cfg.fault_corrupt_ppm = 0;
    cfg.fault_burst = RDO_FAULT_BURST_MAX + 1;
    g_assert_false(rdo_config_valid(&cfg, &why));
    cfg.fault_burst = 0;
    cfg.fault_delay_ns = RDO_FAULT_DELAY_MAX_NS + 1;
    g_assert_false(rdo_config_valid(&cfg, &why));
}

/*
 * The parameter table (RDO_CONFIG_PARAMS) is what the device enforces: for
 * every row, with the timing model on, the default, the minimum and the
 * maximum are accepted, one below the minimum and one above the maximum are
 * refused with a message naming the parameter, and rdo_config_defaults()
 * gives the row's default.
 */
static void config_row_case(const RdoConfigParam *p, uint64_t v, bool ok)
{
    RdoConfig cfg = test_host_default_config();
    const char *why = NULL;

    cfg.tm.on = true;
    /* What the checks between parameters need for the extremes to pass. */
    cfg.msix_vectors = RDO_MSIX_VECTORS_MAX;
    cfg.max_eq = strcmp(p->name, "msix-vectors") ? cfg.max_eq : 1;
    cfg.qpc_cache_entries = cfg.mrc_cache_entries = 65536;
    rdo_config_param_set(&cfg, p, v);
    if (rdo_config_valid(&cfg, &why) != ok) {
        g_error("%s = %" PRIu64 ": %s, expected %s", p->name, v,
                ok ? why : "accepted", ok ? "accepted" : "refused");
    }
    if (!ok) {
        g_assert_true(g_str_has_prefix(why, p->name) ||
                      strstr(why, p->name) != NULL);
    }
}

static void test_config_table(void)
{
    RdoConfig def;

    rdo_config_defaults(&def);
    g_assert_cmpuint(rdo_config_n_params, >=, 40);
    for (size_t i = 0; i < rdo_config_n_params; i++) {
        const RdoConfigParam *p = &rdo_config_params[i];
        uint64_t type_max = p->size == 8 ? UINT64_MAX : UINT32_MAX;

        g_assert_cmpuint(rdo_config_param_get(&def, p), ==, p->def);
        config_row_case(p, p->def, true);
        config_row_case(p, p->min, true);
        config_row_case(p, p->max, true);
        if (p->min > 0) {
            config_row_case(p, p->min - 1, false);
        }
        if (p->max < type_max) {
            config_row_case(p, p->max + 1, false);
        }
        if (p->flags & RDO_PARAM_POW2 && p->min && p->max >= 3 * p->min) {
            config_row_case(p, 3 * p->min, false);      /* not a power of two */
        }
    }
    /* The messages the tests and users know. */
    {
        RdoConfig cfg = test_host_default_config();
        const char *why;

        cfg.tm.on = true;
        cfg.tm.clock_mhz = 0;
        g_assert_false(rdo_config_valid(&cfg, &why));
        g_assert_cmpstr(why, ==, "clock-mhz must be between 1 and 10000");
        cfg.tm.clock_mhz = RDO_DEFAULT_CLOCK_MHZ;
        cfg.tm.pcie_mps = 100;
        g_assert_false(rdo_config_valid(&cfg, &why));
        g_assert_cmpstr(why, ==, "pcie-mps must be a power of two between 128 and 4096");
        cfg.tm.pcie_mps = RDO_DEFAULT_PCIE_MPS;
        cfg.max_eq = cfg.msix_vectors * 4 + 1;
        g_assert_false(rdo_config_valid(&cfg, &why));
        g_assert_cmpstr(why, ==, "max-eq must be between 1 and 4 x msix-vectors");
    }
}

/* Random register and doorbell traffic never breaks the device. */
static void test_random_accesses(void)
{
    static const unsigned sizes[] = { 1, 2, 4, 8 };
    TestHost *h = new_host();

    for (int i = 0; i < 200000; i++) {
        uint64_t off = g_test_rand_int_range(0, RDO_BAR_REGS_SIZE);
        unsigned size = sizes[g_test_rand_int_range(0, 4)];
        uint64_t val = ((uint64_t)g_test_rand_int() << 32) | g_test_rand_int();

        switch (g_test_rand_int_range(0, 3)) {
        case 0:
            rdo_core_reg_read(&h->core, off, size);
            break;
        case 1:
            rdo_core_reg_write(&h->core, off & ~3ull, val, size);
            break;
        default:
            rdo_core_db_write(&h->core, off * 16, val, size);
        }
    }
    g_assert_cmphex(test_reg_read(h, RDO_REG_ID), ==, RDO_ID_MAGIC);
    test_reg_write(h, RDO_REG_SCRATCH, 7);
    g_assert_cmpuint(test_reg_read(h, RDO_REG_SCRATCH), ==, 7);
    test_host_free(h);
}

/*
 * The RAM push trigger's layout (rdo-queues.h), which device, driver and
 * provider share: QP, slot, length in 16-byte units (the WQE padded),
 * producer index; what fits a slot.
 */
static void test_push_ram_trigger(void)
{
    g_assert_cmphex(rdo_push_ram_trigger(0x123456, 1, 80, 0x89abcdef), ==,
                    0x89abcdef00000000ull | (5ull << 25) | (1ull << 24) | 0x123456);
    g_assert_cmphex(rdo_push_ram_trigger(0x1123456, 0, 72, 1), ==,
                    (1ull << 32) | (5ull << 25) | 0x123456);
    g_assert_cmpuint(rdo_push_ram_trigger_len(rdo_push_ram_trigger(2, 0, 2032, 0)),
                     ==, 2032);
    g_assert_cmpuint(rdo_push_ram_wqe_span(64), ==, 64);
    g_assert_cmpuint(rdo_push_ram_wqe_span(72), ==, 80);
    g_assert_true(rdo_push_ram_fits(64) && rdo_push_ram_fits(2032));
    g_assert_false(rdo_push_ram_fits(56) || rdo_push_ram_fits(2040));
    g_assert_cmpuint(RDO_PUSH_RAM_SLOT_OFFSET(1), ==, 2048);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/regs/identity", test_identity);
    g_test_add_func("/regs/link-follows-backend", test_link_follows_backend);
    g_test_add_func("/regs/reset-clears-state", test_reset_clears_state);
    g_test_add_func("/regs/irq-test", test_irq_test);
    g_test_add_func("/regs/bad-accesses", test_bad_accesses);
    g_test_add_func("/regs/doorbells", test_doorbells);
    g_test_add_func("/regs/config-limits", test_config_limits);
    g_test_add_func("/regs/config-table", test_config_table);
    g_test_add_func("/regs/random-accesses", test_random_accesses);
    g_test_add_func("/regs/push-ram-trigger", test_push_ram_trigger);
    return g_test_run();
}
