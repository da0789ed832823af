/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the control path through the core's host interface. */
#include <string.h>
#include "test-driver.h"
#include "cm/cm.h"

static TestDriver *started(void)
{
    return td_started(4);
}

#define RC_RTR_MASK (RDO_QP_ATTR_AV | RDO_QP_ATTR_PATH_MTU | RDO_QP_ATTR_DEST_QPN | \
                     RDO_QP_ATTR_RQ_PSN | RDO_QP_ATTR_MAX_DEST_RD_ATOMIC | \
                     RDO_QP_ATTR_MIN_RNR_TIMER)

static uint8_t status_of(TestDriver *d, struct rdo_cqp_cmd c)
{
    return td_cmd(d, &c).status;
}

/* A set-up spoiled in one register is refused, and the register named. */
static void test_start_bad_register(void)
{
    static const struct {
        uint32_t reg;
        uint32_t value;
    } bad[] = {
        { RDO_REG_CQP_LOG_SIZE, 0 }, { RDO_REG_CQP_LOG_SIZE, 13 },
        { RDO_REG_CQP_RING_LO, 0x100040 }, { RDO_REG_CQP_COMP_LO, 0x100008 },
        { RDO_REG_EQ0_LOG_SIZE, 16 }, { RDO_REG_EQ0_RING_LO, 0x100003 },
        { RDO_REG_QPC_PAGES, 0 }, { RDO_REG_QPC_PGLIST_LO, 0x100004 },
        { RDO_REG_MRC_PAGES, 100000 }, { RDO_REG_MRC_PGLIST_LO, 0 },
    };
    RdoConfig cfg = test_host_default_config();

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        TestDriver *d = td_new(&cfg);

        td_setup(d);
        if (bad[i].reg == RDO_REG_MRC_PGLIST_LO || bad[i].reg == RDO_REG_CQP_RING_LO ||
            bad[i].reg == RDO_REG_CQP_COMP_LO || bad[i].reg == RDO_REG_EQ0_RING_LO ||
            bad[i].reg == RDO_REG_QPC_PGLIST_LO) {
            test_reg_write(d->h, bad[i].reg + 4, 0);
        }
        test_reg_write(d->h, bad[i].reg, bad[i].value);
        test_reg_write(d->h, RDO_REG_CONTROL,
                       RDO_CONTROL_ENABLE | RDO_CONTROL_CQP_ENABLE);
        g_assert_cmpuint(test_reg_read(d->h, RDO_REG_ERR_LAST), ==, RDO_ERR_BAD_CONFIG);
        g_assert_cmphex(test_reg_read(d->h, RDO_REG_ERR_ADDR_LO), ==, bad[i].reg);
        g_assert_cmphex(test_reg_read(d->h, RDO_REG_CONTROL), ==, RDO_CONTROL_ENABLE);
        g_assert_cmphex(test_reg_read(d->h, RDO_REG_STATUS) & RDO_STATUS_CQP_READY, ==, 0);
        /* Repaired, it starts. */
        td_setup(d);
        test_reg_write(d->h, RDO_REG_CONTROL,
                       RDO_CONTROL_ENABLE | RDO_CONTROL_CQP_ENABLE);
        g_assert_cmphex(test_reg_read(d->h, RDO_REG_STATUS) & RDO_STATUS_CQP_READY, ==,
                        RDO_STATUS_CQP_READY);
        td_free(d);
    }
}

static void test_after_start(void)
{
    TestDriver *d = started();
    uint32_t errs = test_reg_read(d->h, RDO_REG_ERR_COUNT);

    /* Set-up is frozen, CQP_ENABLE sticks, CQP_PI cannot overrun. */
    test_reg_write(d->h, RDO_REG_CQP_LOG_SIZE, 2);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_ERR_LAST), ==, RDO_ERR_WHILE_ENABLED);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CQP_LOG_SIZE), ==, TD_CQP_LOG);
    test_reg_write(d->h, RDO_REG_CONTROL, RDO_CONTROL_ENABLE);
    g_assert_cmphex(test_reg_read(d->h, RDO_REG_CONTROL), ==,
                    RDO_CONTROL_ENABLE | RDO_CONTROL_CQP_ENABLE);
    test_reg_write(d->h, RDO_REG_CQP_PI, (1u << TD_CQP_LOG) + 1);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_ERR_LAST), ==, RDO_ERR_CQP_OVERRUN);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_ERR_COUNT), ==, errs + 3);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CQP_PI), ==, 0);
    /* Still works. */
    g_assert_cmpuint(status_of(d, td_cmd_of(RDO_CMD_NOP, 0)), ==, RDO_CQP_OK);
    td_free(d);
}

/* Commands take virtual time, complete in order, and may raise an event. */
static void test_nop_timing_and_event(void)
{
    TestDriver *d = started();
    struct rdo_cqp_cmd c = td_cmd_of(RDO_CMD_NOP, 0);
    struct rdo_cqp_comp comp;
    struct rdo_eqe e;

    td_post(d, &c);
    c.flags = RDO_CQP_F_EVENT;
    c.cookie = 77;
    td_post(d, &c);
    td_ring_cqp(d);
    td_run(d, RDO_DEFAULT_CQP_CMD_NS - 1);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CQP_CI), ==, 0);
    td_run(d, 1);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CQP_CI), ==, 1);
    g_assert_cmpuint(d->h->irqs[0], ==, 0);
    td_run(d, RDO_DEFAULT_CQP_CMD_NS);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CQP_CI), ==, 2);
    comp = td_comp(d, 1);
    g_assert_cmpuint(comp.cookie, ==, 77);
    g_assert_cmpuint(comp.status, ==, RDO_CQP_OK);
    e = td_eq0_next(d);
    g_assert_cmpuint(e.type, ==, RDO_EQE_CQP_DONE);
    g_assert_cmpuint(e.obj, ==, 2);
    g_assert_cmpuint(d->h->irqs[0], ==, 1);     /* EQ 0 starts armed */
    g_assert_cmpuint(td_eq0_next(d).type, ==, 0);
    /* Disarmed now: a second event interrupts only after a re-arm. */
    td_cmd(d, &c);
    g_assert_cmpuint(d->h->irqs[0], ==, 1);
    td_doorbell(d, 0, RDO_DB_EQ, RDO_DB_VALUE(0, RDO_DB_EQ_ARM, d->eq0_ci));
    g_assert_cmpuint(d->h->irqs[0], ==, 2);     /* an entry was waiting */
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CNT_CQP_CMDS), ==, 3);
    td_free(d);
}

static void test_query_device_and_port(void)
{
    TestDriver *d = started();
    uint64_t out = td_alloc(d, 256, 64);
    struct rdo_cqp_cmd c = td_cmd_of(RDO_CMD_QUERY_DEVICE, 0);
    struct rdo_device_attr *da = td_ptr(d, out);
    struct rdo_port_attr *pa = td_ptr(d, out);

    c.out_addr = out;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_OK);
    g_assert_cmpuint(da->max_qp, ==, 64);
    g_assert_cmpuint(da->max_mr, ==, 128);
    g_assert_cmpuint(da->max_cq, ==, test_reg_read(d->h, RDO_REG_MAX_CQ));
    g_assert_cmpuint(da->msix_vectors, ==, 32);
    g_assert_cmphex(da->caps & RDO_CAP_CQP, ==, RDO_CAP_CQP);

    c = td_cmd_of(RDO_CMD_SET_PORT, 0);
    c.u.set_port.mask = RDO_PORT_SET_MTU;
    c.u.set_port.mtu = 4200;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_OK);
    c.u.set_port.mtu = 100;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_BAD_PARAM);
    c = td_cmd_of(RDO_CMD_QUERY_PORT, 0);
    c.out_addr = out;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_OK);
    g_assert_cmpuint(pa->eth_mtu, ==, 4200);
    g_assert_cmpuint(pa->active_mtu, ==, RDO_MTU_4096);
    g_assert_cmpmem(pa->mac, 6, d->h->core.cfg.mac, 6);
    g_assert_cmpuint(pa->link_up, ==, 1);
    g_assert_cmpuint(pa->speed_mbps, ==, RDO_DEFAULT_LINK_GBPS * 1000);

    /* Results to unreachable memory: DMA_ERROR, device fine. */
    c.out_addr = 0xffff000000000000ull;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_DMA_ERROR);
    g_assert_cmpuint(status_of(d, td_cmd_of(RDO_CMD_NOP, 0)), ==, RDO_CQP_OK);
    td_free(d);
}

/*
 * QUERY_COUNTERS' wire layout: the counters the driver already reads keep
 * their offsets (a counter inserted before them, or removed, fails the
 * build); new ones follow, and the block stays 256 bytes.
 */
#define PINNED(field, off) \
    RDO_STATIC_ASSERT(offsetof(struct rdo_port_counters, field) == (off), \
                      #field " moved in struct rdo_port_counters");
PINNED(tx_packets, 0)
PINNED(rx_packets, 8)
PINNED(rx_icrc_errors, 16)
PINNED(rx_drops, 24)
PINNED(acks_sent, 32)
PINNED(naks_sent, 40)
PINNED(naks_received, 48)
PINNED(seq_naks_sent, 56)
PINNED(seq_naks_received, 64)
PINNED(rnr_naks_sent, 72)
PINNED(rnr_naks_received, 80)
PINNED(retransmits, 88)
PINNED(timeouts, 96)
PINNED(dup_requests, 104)
PINNED(dup_responses, 112)
PINNED(tx_errors, 120)
PINNED(np_ecn_marked_roce_packets, 128)
PINNED(np_cnp_sent, 136)
PINNED(rp_cnp_handled, 144)
PINNED(rp_cnp_ignored, 152)
PINNED(isolation, 160)
#undef PINNED
RDO_STATIC_ASSERT(RDO_PORT_COUNTERS_N >= 21 && RDO_PORT_COUNTERS_N <= 32,
                  "port counters: the 21 pinned ones, room for 32");

/*
 * QUERY_COUNTERS writes every counter of RDO_PORT_COUNTERS at its place
 * in the list, from the core's counter of the same name, and zeros the
 * reserved rest; the driver's names are distinct (sysfs file names).
 */
static void test_query_counters(void)
{
    static const char *const names[] = {
#define NAME(field, name) name,
        RDO_PORT_COUNTERS(NAME)
#undef NAME
    };
    TestDriver *d = started();
    RdoCounters *cnt = &d->h->core.cnt;
    /* Odd-aligned, with guard bytes: the block is written whole, no more. */
    uint64_t out = td_alloc(d, 256 + 8, 8) + 3;
    uint8_t *buf = td_ptr(d, out - 3);
    struct rdo_port_counters q;
    const uint64_t *slot = (const uint64_t *)&q;
    struct rdo_cqp_cmd c = td_cmd_of(RDO_CMD_QUERY_COUNTERS, 0);

    g_assert_cmpuint(G_N_ELEMENTS(names), ==, RDO_PORT_COUNTERS_N);
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        g_assert_cmpuint(strlen(names[i]), >, 0);
        for (size_t j = 0; j < i; j++) {
            g_assert_cmpstr(names[i], !=, names[j]);
        }
    }
    /* Distinct values, each the counter's place in the list (+1000). */
#define SET(field, name) cnt->field = 1000 + RDO_PORT_COUNTER_##field;
    RDO_PORT_COUNTERS(SET)
#undef SET
    cnt->dup_requests += cnt->dup_responses;    /* it counts both sides */
    memset(buf, 0xa5, 256 + 8);
    c.out_addr = out;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_OK);
    memcpy(&q, buf + 3, sizeof(q));
    for (size_t i = 0; i < 32; i++) {
        g_assert_cmpuint(slot[i], ==, i < RDO_PORT_COUNTERS_N ? 1000 + i : 0);
    }
    g_assert_cmpuint(q.isolation, ==, 1000 + RDO_PORT_COUNTER_isolation);
    g_assert_cmphex(buf[0] & buf[1] & buf[2], ==, 0xa5);
    for (size_t i = 256 + 3; i < 256 + 8; i++) {
        g_assert_cmphex(buf[i], ==, 0xa5);
    }
    td_free(d);
}

/* Block 1 of the extended result is CM_QUERY's block, unchanged. */
#define PINNED_CM(field, off) \
    RDO_STATIC_ASSERT(offsetof(struct rdo_cm_counters, field) == (off), \
                      #field " moved in struct rdo_cm_counters");
PINNED_CM(mads_received, 0)
PINNED_CM(rej_sent, 64)
PINNED_CM(dreq_received, 144)
PINNED_CM(req_timeouts, 240)
#undef PINNED_CM
RDO_STATIC_ASSERT(offsetof(struct rdo_counters_all, cm) == RDO_COUNTER_BLOCK &&
                  offsetof(struct rdo_counters_all, ext) == 2 * RDO_COUNTER_BLOCK,
                  "QUERY_COUNTERS blocks");

/* Every name the driver gives hw_counters, in its order: distinct. */
static void check_names_distinct(void)
{
    static const char *const names[] = {
#define NAME(field, name) name,
#define CM_NAME(field) "cm_" #field,
        RDO_PORT_COUNTERS(NAME)
        RDO_CM_COUNTERS(CM_NAME)
        RDO_PORT_COUNTERS_EXT(NAME, NAME)
#undef CM_NAME
#undef NAME
    };
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);

    g_assert_cmpuint(G_N_ELEMENTS(names), ==, RDO_PORT_COUNTERS_N +
                     RDO_CM_COUNTERS_N + RDO_PORT_COUNTERS_EXT_N);
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        g_assert_true(g_hash_table_add(seen, (gpointer)names[i]));
    }
    g_hash_table_destroy(seen);
}

/*
 * The driver's hw_counters (rdo_stats.c: blocks 0 and 1, the extended
 * block's X counters) fit the one netlink message Linux 6.1's ib_core
 * sends for `rdma statistic show`: nlmsg_new(NLMSG_DEFAULT_SIZE), a 4 KiB
 * page less the skb's 320-byte shared info, else the command fails with
 * EMSGSIZE. Each counter is a nest of its name and a 64-bit value (with a
 * pad attribute where alignment asks); ahead of them the device's index
 * and name (up to 64 bytes), the port, the table's nest.
 */
#define NLA_SZ(payload) (4 + (((payload) + 3) & ~3u))
static void test_hw_counters_netlink_budget(void)
{
    static const char *const names[] = {
#define NAME(field, name) name,
#define CM_NAME(field) "cm_" #field,
#define NONE(field, name)
        RDO_PORT_COUNTERS(NAME)
        RDO_CM_COUNTERS(CM_NAME)
        RDO_PORT_COUNTERS_EXT(NAME, NONE)
#undef NONE
#undef CM_NAME
#undef NAME
    };
    const size_t budget = 4096 - 320;
    size_t len = 16 + NLA_SZ(4) + NLA_SZ(64) + NLA_SZ(4) + 4;

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        len += 4 + NLA_SZ(strlen(names[i]) + 1) + NLA_SZ(8) + NLA_SZ(0);
    }
    g_test_message("%zu counters, %zu of %zu bytes", G_N_ELEMENTS(names),
                   len, budget);
    g_assert_cmpuint(G_N_ELEMENTS(names), >, RDO_PORT_COUNTERS_N +
                     RDO_CM_COUNTERS_N);
    g_assert_cmpuint(len, <=, budget);
}
#undef NLA_SZ

/* QUERY_COUNTERS with out_len `len` into a guarded, odd-aligned buffer
 * of `room` bytes: its status and result; `buf` gets what it wrote. */
static uint8_t query_ext(TestDriver *d, uint32_t len, uint32_t room,
                         uint8_t *buf, uint32_t *result)
{
    uint64_t out = td_alloc(d, room + 8, 8) + 5;
    uint8_t *mem = td_ptr(d, out - 5);
    struct rdo_cqp_cmd c = td_cmd_of(RDO_CMD_QUERY_COUNTERS, 0);
    struct rdo_cqp_comp comp;

    memset(mem, 0x5a, room + 8);
    c.out_addr = out;
    c.u.query_counters.out_len = len;
    comp = td_cmd(d, &c);
    *result = comp.result;
    memcpy(buf, mem + 5, room);
    /* Nothing before the buffer, nothing past what it reports written. */
    g_assert_cmphex(mem[0] & mem[1] & mem[2] & mem[3] & mem[4], ==, 0x5a);
    for (uint32_t i = 5 + (comp.status ? 0 : comp.result); i < room + 8; i++) {
        g_assert_cmphex(mem[i], ==, 0x5a);
    }
    return comp.status;
}

/*
 * The extended result (out_len): the CM's block and every extended
 * counter at its place, from the core's counter of the same name (device
 * or timing model); a shorter buffer gets a prefix, a longer one what
 * the device has; other lengths and reserved words are refused, nothing
 * written.
 */
static void test_query_counters_ext(void)
{
    TestDriver *d = started();
    RdoCore *core = &d->h->core;
    uint64_t *cm = (uint64_t *)&core->st->cm->cnt;
    g_autofree uint8_t *buf = g_malloc(4 * RDO_COUNTERS_LEN);
    struct rdo_counters_all q, q2;
    const uint64_t *slot;
    static const uint32_t bad_len[] = { 8, 255, 257, 300, 768 + 8,
                                        0x80000001u };
    struct rdo_cqp_cmd c;
    uint32_t result;

    check_names_distinct();
    g_assert_null(core->st->tm);        /* the T counters are kept as set */
#define SET(field, name) core->cnt.field = 1000 + RDO_PORT_COUNTER_##field;
    RDO_PORT_COUNTERS(SET)
#undef SET
    core->cnt.dup_requests += core->cnt.dup_responses;
    for (size_t i = 0; i < RDO_CM_COUNTERS_N; i++) {
        cm[i] = 2000 + i;
    }
#define SET(field, name) core->cnt.field = 3000 + RDO_PORT_COUNTER_EXT_##field;
#define SET_TM(field, name) core->tcnt.field = 3000 + RDO_PORT_COUNTER_EXT_##field;
    RDO_PORT_COUNTERS_EXT(SET, SET_TM)
#undef SET_TM
#undef SET

    /* All of it. */
    g_assert_cmpuint(query_ext(d, RDO_COUNTERS_LEN, RDO_COUNTERS_LEN, buf,
                               &result), ==, RDO_CQP_OK);
    g_assert_cmpuint(result, ==, RDO_COUNTERS_LEN);
    memcpy(&q, buf, sizeof(q));
    slot = (const uint64_t *)&q;
    for (size_t i = 0; i < 32; i++) {
        g_assert_cmpuint(slot[i], ==, i < RDO_PORT_COUNTERS_N ? 1000 + i : 0);
        g_assert_cmpuint(slot[32 + i], ==, i < RDO_CM_COUNTERS_N ? 2000 + i : 0);
    }
    for (size_t i = 0; i < 32 * RDO_PORT_COUNTERS_EXT_BLOCKS; i++) {
        if (i >= RDO_PORT_COUNTER_EXT_dma_head_pieces &&
            i <= RDO_PORT_COUNTER_EXT_dma_transfers) {
            continue;   /* they count the command's own DMAs too: below */
        }
        g_assert_cmpuint(slot[64 + i], ==,
                         i < RDO_PORT_COUNTERS_EXT_N ? 3000 + i : 0);
    }
#define DMA(field) \
    g_assert_cmpuint(q.ext.field, >=, 3000 + RDO_PORT_COUNTER_EXT_##field); \
    g_assert_cmpuint(q.ext.field, <=, core->cnt.field);
    DMA(dma_head_pieces) DMA(dma_tail_pieces) DMA(dma_full_lines)
    DMA(dma_transfers)
#undef DMA
    g_assert_cmpuint(q.ext.dma_full_lines, >, 3000 + RDO_PORT_COUNTER_EXT_dma_full_lines);
    /* Spot checks by name: a failover, a push, a timing, a CM one. */
    g_assert_cmpuint(q.ext.fo_writebacks, ==, core->cnt.fo_writebacks);
    g_assert_cmpuint(q.ext.push_torn, ==, core->cnt.push_torn);
    g_assert_cmpuint(q.ext.dma_split_pieces, ==, core->tcnt.dma_split_pieces);
    g_assert_cmpuint(q.cm.req_timeouts, ==, core->st->cm->cnt.req_timeouts);

    /* Blocks 0 and 1 only; and 0 (an older driver): block 0, as before. */
    g_assert_cmpuint(query_ext(d, 2 * RDO_COUNTER_BLOCK, RDO_COUNTERS_LEN,
                               buf, &result), ==, RDO_CQP_OK);
    g_assert_cmpuint(result, ==, 2 * RDO_COUNTER_BLOCK);
    g_assert_cmpmem(buf, result, &q, result);
    g_assert_cmpuint(query_ext(d, 0, RDO_COUNTERS_LEN, buf, &result), ==,
                     RDO_CQP_OK);
    g_assert_cmpuint(result, ==, RDO_COUNTER_BLOCK);
    g_assert_cmpmem(buf, result, &q, result);

    /* A driver that knows of more blocks: what this device has. */
    g_assert_cmpuint(query_ext(d, 4 * RDO_COUNTERS_LEN, 4 * RDO_COUNTERS_LEN,
                               buf, &result), ==, RDO_CQP_OK);
    g_assert_cmpuint(result, ==, RDO_COUNTERS_LEN);
    g_assert_cmpmem(buf, 2 * RDO_COUNTER_BLOCK, &q, 2 * RDO_COUNTER_BLOCK);
    /* The control path's own counters moved: three commands since. */
    memcpy(&q2, buf, sizeof(q2));
    g_assert_cmpuint(q2.ext.cqp_cmds, ==, q.ext.cqp_cmds + 3);
    g_assert_cmpuint(q2.ext.fo_wb_bytes, ==, q.ext.fo_wb_bytes);
    g_assert_cmpuint(q2.ext.bus_wait_cycles, ==, q.ext.bus_wait_cycles);

    /* Not whole blocks: refused, nothing written, the device fine. */
    for (size_t i = 0; i < G_N_ELEMENTS(bad_len); i++) {
        g_assert_cmpuint(query_ext(d, bad_len[i], RDO_COUNTERS_LEN, buf,
                                   &result), ==, RDO_CQP_BAD_PARAM);
    }
    c = td_cmd_of(RDO_CMD_QUERY_COUNTERS, 0);
    c.out_addr = td_alloc(d, RDO_COUNTERS_LEN, 8);
    c.u.query_counters.reserved[2] = 1;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_BAD_RESERVED);
    /* Results that run into unreachable memory: DMA_ERROR. */
    c = td_cmd_of(RDO_CMD_QUERY_COUNTERS, 0);
    c.out_addr = 0xffff000000000000ull;
    c.u.query_counters.out_len = RDO_COUNTERS_LEN;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_DMA_ERROR);
    g_assert_cmpuint(query_ext(d, RDO_COUNTERS_LEN, RDO_COUNTERS_LEN, buf,
                               &result), ==, RDO_CQP_OK);
    td_free(d);
}

/* QUERY_PORT reports the configured port speed (link-gbps), not a constant. */
static void test_query_port_speed(void)
{
    static const uint32_t gbps[] = { 1, 25, 400, 1600 };

    for (size_t i = 0; i < G_N_ELEMENTS(gbps); i++) {
        RdoConfig cfg = test_host_default_config();
        TestDriver *d;
        struct rdo_cqp_cmd c = td_cmd_of(RDO_CMD_QUERY_PORT, 0);
        struct rdo_port_attr *pa;

        cfg.tm.link_gbps = gbps[i];
        d = td_new(&cfg);
        td_start(d);
        c.out_addr = td_alloc(d, 64, 64);
        pa = td_ptr(d, c.out_addr);
        g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_OK);
        g_assert_cmpuint(pa->speed_mbps, ==, gbps[i] * 1000);
        td_free(d);
    }
}

static void test_object_lifecycles(void)
{
    TestDriver *d = started();
    struct rdo_cqp_cmd c;
    uint64_t sq, rq;

    /* PD */
    td_create_pd(d, 1);
    g_assert_cmpuint(status_of(d, td_cmd_of(RDO_CMD_CREATE_PD, 1)), ==, RDO_CQP_EXISTS);
    g_assert_cmpuint(status_of(d, td_cmd_of(RDO_CMD_CREATE_PD, 5000)), ==, RDO_CQP_BAD_INDEX);
    /* EQ */
    c = td_cmd_of(RDO_CMD_CREATE_EQ, 3);
    c.u.create_eq.ring_addr = td_alloc(d, 16 * 8, 4096);
    c.u.create_eq.log_size = 3;
    c.u.create_eq.vector = 3;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_OK);
    c.obj = 0;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_BAD_INDEX);
    c.obj = 4;
    c.u.create_eq.vector = 32;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_BAD_PARAM);
    c.u.create_eq.vector = 4;
    c.u.create_eq.log_size = 0;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_BAD_PARAM);
    /* CQ on EQ 3, QP on the CQ and PD */
    td_create_cq(d, 2, 4, 3, 1);
    td_create_qp(d, 7, RDO_QPT_RC, 1, 2, &sq, &rq);
    g_assert_cmpuint(status_of(d, td_cmd_of(RDO_CMD_DESTROY_EQ, 3)), ==, RDO_CQP_IN_USE);
    g_assert_cmpuint(status_of(d, td_cmd_of(RDO_CMD_DESTROY_CQ, 2)), ==, RDO_CQP_IN_USE);
    g_assert_cmpuint(status_of(d, td_cmd_of(RDO_CMD_DESTROY_PD, 1)), ==, RDO_CQP_IN_USE);
    g_assert_cmpuint(status_of(d, td_cmd_of(RDO_CMD_DESTROY_QP, 7)), ==, RDO_CQP_OK);
    g_assert_cmpuint(status_of(d, td_cmd_of(RDO_CMD_DESTROY_QP, 7)), ==, RDO_CQP_NOT_FOUND);
    g_assert_cmpuint(status_of(d, td_cmd_of(RDO_CMD_DESTROY_CQ, 2)), ==, RDO_CQP_OK);
    g_assert_cmpuint(status_of(d, td_cmd_of(RDO_CMD_DESTROY_EQ, 3)), ==, RDO_CQP_OK);
    g_assert_cmpuint(status_of(d, td_cmd_of(RDO_CMD_DESTROY_PD, 1)), ==, RDO_CQP_OK);
    g_assert_cmpuint(status_of(d, td_cmd_of(RDO_CMD_DESTROY_PD, 1)), ==, RDO_CQP_NOT_FOUND);
    /* Use after destroy: a QP on the destroyed CQ and PD. */
    c = td_cmd_of(RDO_CMD_CREATE_QP, 8);
    c.u.create_qp.type = RDO_QPT_UD;
    c.u.create_qp.pdn = 1;
    c.u.create_qp.send_cqn = c.u.create_qp.recv_cqn = 2;
    c.u.create_qp.sq_addr = sq;
    c.u.create_qp.sq_log_size = 4;
    c.u.create_qp.sq_wqe_shift = 7;
    c.u.create_qp.rq_addr = rq;
    c.u.create_qp.rq_log_size = 4;
    c.u.create_qp.rq_wqe_shift = 6;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_NOT_FOUND);
    g_assert_cmpuint(status_of(d, td_cmd_of(RDO_CMD_MODIFY_QP, 7)), ==, RDO_CQP_NOT_FOUND);
    g_assert_cmpuint(status_of(d, td_cmd_of(0x7f, 0)), ==, RDO_CQP_BAD_OPCODE);
    c = td_cmd_of(RDO_CMD_NOP, 0);
    c.reserved1 = 1;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_BAD_RESERVED);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CNT_CQP_ERRORS), ==, 14);
    td_free(d);
}

/*
 * Every ring geometry can be described: a QP whose SQ is 2^15 WQEs of
 * 1 KiB (32 MiB, 8192 pages; the pages of the list repeat four scattered
 * ones, the command reads none of them) and whose RQ is 2^12 of 1 KiB
 * (1024 pages) is created; a list not 8-byte aligned is still refused.
 */
static void test_ring_max_pages(void)
{
    TestDriver *d = started();
    uint64_t pages[4], sq_list, rq_list;
    struct rdo_cqp_cmd c;

    td_create_pd(d, 1);
    td_create_cq(d, 2, 4, 0, 1);
    for (int i = 0; i < 4; i++) {
        pages[i] = td_alloc(d, 4096 + 8192 * i, 4096);
    }
    sq_list = td_alloc(d, RDO_RING_MAX_PAGES * 8, 8);
    rq_list = td_alloc(d, 1024 * 8, 8);
    for (uint32_t i = 0; i < RDO_RING_MAX_PAGES; i++) {
        uint64_t *e = td_ptr(d, sq_list + i * 8);

        *e = pages[i % 4];
        if (i < 1024) {
            e = td_ptr(d, rq_list + i * 8);
            *e = pages[(i + 1) % 4];
        }
    }
    c = rdo_cmd_create_qp(9, RDO_QPT_UD, 1, 2, sq_list, rq_list);
    rdo_cmd_qp_geometry(&c, RDO_QUEUE_LOG_SIZE_MAX, RDO_WQE_SHIFT_MAX, 12,
                        RDO_WQE_SHIFT_MAX);
    c.u.create_qp.sq_ring_flags = RDO_RING_F_PAGE_LIST;
    c.u.create_qp.rq_ring_flags = RDO_RING_F_PAGE_LIST;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_OK);
    c.obj = 10;
    c.u.create_qp.rq_addr = rq_list + 4;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_BAD_PARAM);
    td_free(d);
}

static struct rdo_cqp_cmd modify(uint32_t qpn, uint8_t state, uint32_t mask)
{
    struct rdo_cqp_cmd c = td_cmd_of(RDO_CMD_MODIFY_QP, qpn);

    c.u.modify_qp.state = state;
    c.u.modify_qp.mask = mask;
    return c;
}

static void test_qp_state_machine(void)
{
    TestDriver *d = started();
    uint64_t sq, rq, out = td_alloc(d, 128, 64);
    struct rdo_qp_attr *attr = td_ptr(d, out);
    struct rdo_cqp_cmd c, q = td_cmd_of(RDO_CMD_QUERY_QP, 9);
    struct rdo_cqp_cmd gid = td_cmd_of(RDO_CMD_SET_GID, 0);

    gid.u.set_gid.valid = 1;
    gid.u.set_gid.gid[10] = gid.u.set_gid.gid[11] = 0xff;
    g_assert_cmpuint(status_of(d, gid), ==, RDO_CQP_OK);
    td_create_pd(d, 0);
    td_create_cq(d, 0, 4, 0, 0);
    td_create_qp(d, 9, RDO_QPT_RC, 0, 0, &sq, &rq);
    q.out_addr = out;

    /* RESET -> RTR is illegal; RESET -> INIT needs ACCESS. */
    g_assert_cmpuint(status_of(d, modify(9, RDO_QPS_RTR, 0)), ==, RDO_CQP_BAD_STATE);
    g_assert_cmpuint(status_of(d, modify(9, RDO_QPS_INIT, 0)), ==, RDO_CQP_BAD_PARAM);
    c = modify(9, RDO_QPS_INIT, RDO_QP_ATTR_ACCESS | RDO_QP_ATTR_SQ_PSN);
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_BAD_PARAM);     /* not allowed */
    c = modify(9, RDO_QPS_INIT, RDO_QP_ATTR_ACCESS);
    c.u.modify_qp.access = RDO_ACCESS_REMOTE_WRITE | RDO_ACCESS_LOCAL_WRITE;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_OK);

    c = modify(9, RDO_QPS_RTR, RC_RTR_MASK);
    c.u.modify_qp.path_mtu = RDO_MTU_4096;
    c.u.modify_qp.dest_qpn = 0x123456;
    c.u.modify_qp.rq_psn = 0xabcdef;
    c.u.modify_qp.min_rnr_timer = 12;
    c.u.modify_qp.max_dest_rd_atomic = 4;
    c.u.modify_qp.dmac[5] = 2;
    c.u.modify_qp.sgid_index = 1;           /* not a valid GID */
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_BAD_PARAM);
    c.u.modify_qp.sgid_index = 0;
    c.u.modify_qp.rq_psn = 0x1000000;       /* 25 bits */
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_BAD_PARAM);
    c.u.modify_qp.rq_psn = 0xabcdef;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_OK);

    c = modify(9, RDO_QPS_RTS, RDO_QP_ATTR_SQ_PSN | RDO_QP_ATTR_TIMEOUT |
               RDO_QP_ATTR_RETRY_CNT | RDO_QP_ATTR_RNR_RETRY | RDO_QP_ATTR_MAX_RD_ATOMIC);
    c.u.modify_qp.sq_psn = 0x42;
    c.u.modify_qp.timeout = 14;
    c.u.modify_qp.retry_cnt = 8;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_BAD_PARAM);
    c.u.modify_qp.retry_cnt = 7;
    c.u.modify_qp.rnr_retry = 7;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_OK);

    g_assert_cmpuint(status_of(d, q), ==, RDO_CQP_OK);
    g_assert_cmpuint(attr->state, ==, RDO_QPS_RTS);
    g_assert_cmpuint(attr->dest_qpn, ==, 0x123456);
    g_assert_cmpuint(attr->rq_psn, ==, 0xabcdef);
    g_assert_cmpuint(attr->sq_psn, ==, 0x42);
    g_assert_cmpuint(attr->path_mtu, ==, RDO_MTU_4096);
    g_assert_cmpuint(attr->timeout, ==, 14);
    g_assert_cmpuint(attr->dmac[5], ==, 2);

    /* cur_state must match when given. */
    c = modify(9, RDO_QPS_SQD, 0);
    c.u.modify_qp.modify_flags = RDO_QP_MODIFY_F_CUR_STATE;
    c.u.modify_qp.cur_state = RDO_QPS_RTR;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_BAD_STATE);
    c.u.modify_qp.cur_state = RDO_QPS_RTS;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_OK);
    g_assert_cmpuint(status_of(d, modify(9, RDO_QPS_RTS, 0)), ==, RDO_CQP_OK);
    g_assert_cmpuint(status_of(d, modify(9, RDO_QPS_ERR, 0)), ==, RDO_CQP_OK);
    g_assert_cmpuint(status_of(d, modify(9, RDO_QPS_RTS, 0)), ==, RDO_CQP_BAD_STATE);
    g_assert_cmpuint(status_of(d, modify(9, RDO_QPS_RESET, 0)), ==, RDO_CQP_OK);
    g_assert_cmpuint(status_of(d, q), ==, RDO_CQP_OK);
    g_assert_cmpuint(attr->state, ==, RDO_QPS_RESET);
    g_assert_cmpuint(status_of(d, modify(9, 9, 0)), ==, RDO_CQP_BAD_STATE);
    td_free(d);
}

/* Writes a LOCAL_INV WQE at SQ slot `index`. */
static void post_wqe(TestDriver *d, uint64_t sq, uint32_t index, uint8_t opcode,
                     uint32_t key, uint64_t wr_id)
{
    struct rdo_send_wqe *w = td_ptr(d, sq + (index & 15) * 128);

    memset(w, 0, sizeof(*w));
    w->wr_id = wr_id;
    w->opcode = opcode;
    w->imm_or_rkey = key;
}

static struct rdo_cqe cqe_at(TestDriver *d, uint64_t ring, uint32_t index)
{
    struct rdo_cqe c;

    memcpy(&c, td_ptr(d, ring + (index & 15) * sizeof(c)), sizeof(c));
    return c;
}

/*
 * Pipelined registration: a LOCAL_INV posted right after the REG_MR of its
 * key waits at the MR, then completes when the registration does.
 */
static void test_pending_mr_stall(void)
{
    TestDriver *d = started();
    struct rdo_cqp_cmd reg = td_cmd_of(RDO_CMD_REG_MR, 5);
    uint64_t sq, rq, cq, list = td_alloc(d, 8 * 8, 8);
    uint64_t *pages = td_ptr(d, list);
    uint64_t reg_ns = RDO_DEFAULT_CQP_CMD_NS + 8 * RDO_DEFAULT_CQP_PAGE_NS;
    uint32_t reg_index;
    struct rdo_cqe e;

    td_create_pd(d, 0);
    cq = td_create_cq(d, 0, 4, 0, 0);
    td_create_qp(d, 2, RDO_QPT_UD, 0, 0, &sq, &rq);
    td_ud_to_rts(d, 2);
    for (int i = 0; i < 8; i++) {
        pages[i] = td_alloc(d, 4096, 4096);
    }
    reg.u.reg_mr.iova = 0x10000;
    reg.u.reg_mr.length = 8 * 4096;
    reg.u.reg_mr.page_list = list;
    reg.u.reg_mr.num_pages = 8;
    reg.u.reg_mr.page_shift = 12;
    reg.u.reg_mr.key = 0x33;
    reg.u.reg_mr.access = RDO_ACCESS_LOCAL_WRITE;
    reg_index = td_post(d, &reg);
    td_ring_cqp(d);

    post_wqe(d, sq, 0, RDO_WR_LOCAL_INV, RDO_MR_KEY(5, 0x33), 0xaaaa);
    td_doorbell(d, 0, RDO_DB_SQ, RDO_DB_VALUE(2, 0, 1));
    td_run(d, reg_ns / 2);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CNT_MR_STALLS), ==, 1);
    g_assert_cmpuint(cqe_at(d, cq, 0).owner, ==, 0);    /* nothing yet */
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CQP_CI), ==, reg_index);

    td_run(d, reg_ns);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CQP_CI), ==, reg_index + 1);
    g_assert_cmpuint(td_comp(d, reg_index).result, ==, RDO_MR_KEY(5, 0x33));
    e = cqe_at(d, cq, 0);
    g_assert_cmpuint(e.owner, ==, 1);
    g_assert_cmpuint(e.status, ==, RDO_WC_SUCCESS);
    g_assert_cmpuint(e.opcode, ==, RDO_CQE_LOCAL_INV);
    g_assert_cmpuint(e.wr_id, ==, 0xaaaa);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CNT_MR_STALLS), ==, 1);

    /* Invalidated now: a second LOCAL_INV fails and the QP goes to ERR. */
    post_wqe(d, sq, 1, RDO_WR_LOCAL_INV, RDO_MR_KEY(5, 0x33), 0xbbbb);
    td_doorbell(d, 0, RDO_DB_SQ, RDO_DB_VALUE(2, 0, 2));
    td_run(d, 1000);
    e = cqe_at(d, cq, 1);
    g_assert_cmpuint(e.status, ==, RDO_WC_LOC_PROT_ERR);
    g_assert_cmpuint(e.vendor_err, ==, RDO_VENDOR_ERR_BAD_KEY);
    {
        struct rdo_eqe ev;

        do {
            ev = td_eq0_next(d);
        } while (ev.type && ev.type != RDO_EQE_QP_ERROR);
        g_assert_cmpuint(ev.type, ==, RDO_EQE_QP_ERROR);
        g_assert_cmpuint(ev.obj, ==, 2);
        g_assert_cmpuint(ev.data, ==, RDO_QP_ERR_ACCESS);
    }
    td_free(d);
}

/*
 * A page list must lie below the top of the address space: one that runs
 * across it (its entries wrapping to address 0) is BAD_PARAM, before the
 * device reads it; one out of reach but not wrapping is DMA_ERROR.
 */
static void test_reg_mr_list_wraps(void)
{
    TestDriver *d = started();
    struct rdo_cqp_cmd reg = td_cmd_of(RDO_CMD_REG_MR, 7);

    td_create_pd(d, 0);
    reg.u.reg_mr.num_pages = 2;
    reg.u.reg_mr.page_shift = 12;
    reg.u.reg_mr.length = 2 * 4096;
    reg.u.reg_mr.page_list = UINT64_MAX - 7;        /* entry 1 at 0 */
    g_assert_cmpuint(status_of(d, reg), ==, RDO_CQP_BAD_PARAM);
    reg.u.reg_mr.page_list = UINT64_MAX - 15;       /* ends at the top */
    g_assert_cmpuint(status_of(d, reg), ==, RDO_CQP_BAD_PARAM);
    reg.u.reg_mr.page_list = UINT64_MAX - 31;
    g_assert_cmpuint(status_of(d, reg), ==, RDO_CQP_DMA_ERROR);
    td_free(d);
}

/* A registration that fails releases the stalled work with a bad key. */
static void test_pending_mr_failed_registration(void)
{
    TestDriver *d = started();
    struct rdo_cqp_cmd reg = td_cmd_of(RDO_CMD_REG_MR, 6);
    uint64_t sq, rq, cq;
    uint32_t reg_index;

    td_create_pd(d, 0);
    cq = td_create_cq(d, 0, 4, 0, 0);
    td_create_qp(d, 3, RDO_QPT_UD, 0, 0, &sq, &rq);
    td_ud_to_rts(d, 3);
    reg.u.reg_mr.pdn = 0;
    reg.u.reg_mr.num_pages = 1;
    reg.u.reg_mr.page_shift = 12;
    reg.u.reg_mr.length = 4096;
    reg.u.reg_mr.page_list = 0xffff000000000000ull;  /* unreachable */
    reg_index = td_post(d, &reg);
    td_ring_cqp(d);
    post_wqe(d, sq, 0, RDO_WR_LOCAL_INV, RDO_MR_KEY(6, 0), 1);
    td_doorbell(d, 0, RDO_DB_SQ, RDO_DB_VALUE(3, 0, 1));
    td_run(d, 100000);
    g_assert_cmpuint(td_comp(d, reg_index).status, ==, RDO_CQP_DMA_ERROR);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CNT_MR_STALLS), ==, 1);
    g_assert_cmpuint(cqe_at(d, cq, 0).status, ==, RDO_WC_LOC_PROT_ERR);
    td_free(d);
}

/* A WQE the QP type cannot carry fails the QP; the rest is flushed. */
static void test_sq_errors_and_flush(void)
{
    TestDriver *d = started();
    uint64_t sq, rq, cq;

    td_create_pd(d, 0);
    cq = td_create_cq(d, 0, 4, 0, 0);
    td_create_qp(d, 4, RDO_QPT_UD, 0, 0, &sq, &rq);
    td_ud_to_rts(d, 4);
    post_wqe(d, sq, 0, RDO_WR_RDMA_WRITE, 0, 10);   /* not on UD */
    post_wqe(d, sq, 1, RDO_WR_SEND, 0, 11);
    post_wqe(d, sq, 2, RDO_WR_SEND, 0, 12);
    td_doorbell(d, 0, RDO_DB_SQ, RDO_DB_VALUE(4, 0, 3));
    td_doorbell(d, 0, RDO_DB_RQ, RDO_DB_VALUE(4, 0, 2));
    td_run(d, 1000);
    g_assert_cmpuint(cqe_at(d, cq, 0).status, ==, RDO_WC_LOC_QP_OP_ERR);
    g_assert_cmpuint(cqe_at(d, cq, 0).vendor_err, ==, RDO_VENDOR_ERR_BAD_WQE);
    /* The rest of the SQ and the RQ are flushed. */
    for (int i = 1; i < 5; i++) {
        g_assert_cmpuint(cqe_at(d, cq, i).status, ==, RDO_WC_WR_FLUSH_ERR);
        g_assert_cmpuint(cqe_at(d, cq, i).owner, ==, 1);
    }
    g_assert_cmpuint(cqe_at(d, cq, 1).wr_id, ==, 11);
    g_assert_cmpuint(cqe_at(d, cq, 3).opcode, ==, RDO_CQE_RECV);
    g_assert_cmpuint(cqe_at(d, cq, 5).owner, ==, 0);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CNT_CQES), ==, 5);
    td_free(d);
}

/* Completion events for `cqn` written to EQ 0 since the last call. */
static unsigned completion_events(TestDriver *d, uint32_t cqn)
{
    unsigned n = 0;
    struct rdo_eqe e;

    while ((e = td_eq0_next(d)).type) {
        n += e.type == RDO_EQE_COMPLETION && e.obj == cqn;
    }
    return n;
}

/* CQ moderation: the event after a count of CQEs, or after a time. */
static void test_cq_moderation(void)
{
    TestDriver *d = started();
    uint64_t sq[2], rq[2];
    unsigned seen = 0;

    td_create_pd(d, 0);
    for (uint32_t k = 1; k <= 2; k++) {
        struct rdo_cqp_cmd cq = td_cmd_of(RDO_CMD_CREATE_CQ, k);

        cq.u.create_cq.ring_addr = td_alloc(d, 32 * 16, 4096);
        cq.u.create_cq.log_size = 4;
        cq.u.create_cq.moderation_count = k == 1 ? 3 : 0;
        cq.u.create_cq.moderation_usec = k == 2 ? 50 : 0;
        g_assert_cmpuint(status_of(d, cq), ==, RDO_CQP_OK);
        td_create_qp(d, 1 + k, RDO_QPT_UD, 0, k, &sq[k - 1], &rq[k - 1]);
        td_ud_to_rts(d, 1 + k);
        td_doorbell(d, 0, RDO_DB_CQ, RDO_DB_VALUE(k, RDO_DB_CQ_ARM_NEXT, 0));
    }
    /* By count: nothing for two CQEs, one event with the third. */
    for (uint32_t i = 0; i < 5; i++) {
        static const unsigned expect[5] = { 0, 0, 1, 1, 1 };

        post_wqe(d, sq[0], i, RDO_WR_SEND, 0, i);
        td_doorbell(d, 0, RDO_DB_SQ, RDO_DB_VALUE(2, 0, i + 1));
        td_run(d, 1000);
        seen += completion_events(d, 1);
        g_assert_cmpuint(seen, ==, expect[i]);
    }
    /* By time: the event 50 us after the first CQE. */
    post_wqe(d, sq[1], 0, RDO_WR_SEND, 0, 9);
    td_doorbell(d, 0, RDO_DB_SQ, RDO_DB_VALUE(3, 0, 1));
    td_run(d, 40000);
    g_assert_cmpuint(completion_events(d, 2), ==, 0);
    td_run(d, 20000);
    g_assert_cmpuint(completion_events(d, 2), ==, 1);
    td_free(d);
}

/*
 * A CQ (1) with a UD QP (QPN 2) on it; the timing model on or off. Send k
 * has wr_id 0x5000 + k; its CQE is at index k - base of the current ring.
 */
typedef struct ModCq {
    TestDriver *d;
    uint64_t sq, rq, ring;
    uint8_t log;
    uint32_t sent, base, ci;    /* ci: index in the current ring */
} ModCq;

static void modcq_init(ModCq *m, bool timing)
{
    RdoConfig cfg = test_host_default_config();

    memset(m, 0, sizeof(*m));
    cfg.max_qp = 64;
    cfg.max_mr = 128;
    cfg.tm.on = timing;
    m->d = td_new(&cfg);
    td_start(m->d);
    td_create_pd(m->d, 0);
    m->log = 5;
    m->ring = td_create_cq(m->d, 1, m->log, 0, 0);
    td_create_qp(m->d, 2, RDO_QPT_UD, 0, 1, &m->sq, &m->rq);
    td_ud_to_rts(m->d, 2);
}

/* The CQE at `index` of a ring, if software owns it. */
static bool ring_cqe(TestDriver *d, uint64_t ring, uint8_t log, uint32_t index,
                     struct rdo_cqe *c)
{
    memcpy(c, td_ptr(d, ring + (index & ((1u << log) - 1)) * sizeof(*c)),
           sizeof(*c));
    return rdo_owner_is_sw(c->owner, index, log);
}

/* Polls the current ring: every CQE there, each the next send's. */
static void modcq_poll(ModCq *m)
{
    struct rdo_cqe c;

    while (ring_cqe(m->d, m->ring, m->log, m->ci, &c)) {
        g_assert_cmpuint(c.wr_id, ==, 0x5000 + m->base + m->ci);
        g_assert_cmpuint(c.status, ==, RDO_WC_SUCCESS);
        m->ci++;
    }
}

/* Consumes every CQE so far and arms for the next one. */
static void modcq_arm(ModCq *m)
{
    modcq_poll(m);
    g_assert_cmpuint(m->base + m->ci, ==, m->sent);
    td_doorbell(m->d, 0, RDO_DB_CQ, RDO_DB_VALUE(1, RDO_DB_CQ_ARM_NEXT, m->ci));
}

static void modcq_post(ModCq *m)
{
    post_wqe(m->d, m->sq, m->sent, RDO_WR_SEND, 0, 0x5000 + m->sent);
    m->sent++;
    td_doorbell(m->d, 0, RDO_DB_SQ, RDO_DB_VALUE(2, 0, m->sent));
}

/* One UD SEND; runs until its CQE is written. */
static void modcq_send(ModCq *m)
{
    uint64_t end = m->d->h->now_ns + 100000;
    struct rdo_cqe c;

    modcq_post(m);
    while (!ring_cqe(m->d, m->ring, m->log, m->sent - 1 - m->base, &c)) {
        g_assert_cmpuint(m->d->h->now_ns, <, end);
        td_run(m->d, 100);
    }
}

/*
 * MODIFY_CQ after creation changes when the event comes: by count, by
 * time, and for CQEs already waiting.
 */
static void cq_modify_moderation(bool timing)
{
    ModCq m;
    TestDriver *d;
    uint64_t t0;

    modcq_init(&m, timing);
    d = m.d;
    /* Created without moderation: an event with the first CQE. */
    modcq_arm(&m);
    modcq_send(&m);
    td_run(d, 10);
    g_assert_cmpuint(completion_events(d, 1), ==, 1);

    /* Count 3: nothing for two CQEs, the event with the third. */
    g_assert_cmpuint(status_of(d, rdo_cmd_modify_cq(1, 3, 0)), ==, RDO_CQP_OK);
    modcq_arm(&m);
    for (unsigned i = 0; i < 3; i++) {
        modcq_send(&m);
        td_run(d, 10);
        g_assert_cmpuint(completion_events(d, 1), ==, i == 2);
    }

    /* Period 50 us, no count: the event 50 us after the first CQE. */
    g_assert_cmpuint(status_of(d, rdo_cmd_modify_cq(1, 0, 50)), ==, RDO_CQP_OK);
    modcq_arm(&m);
    modcq_send(&m);
    t0 = d->h->now_ns;
    modcq_send(&m);
    td_run(d, t0 + 45000 - d->h->now_ns);
    g_assert_cmpuint(completion_events(d, 1), ==, 0);
    td_run(d, 10000);
    g_assert_cmpuint(completion_events(d, 1), ==, 1);

    /* CQEs waiting under count 4 when the count becomes 2: the event now. */
    g_assert_cmpuint(status_of(d, rdo_cmd_modify_cq(1, 4, 0)), ==, RDO_CQP_OK);
    modcq_arm(&m);
    modcq_send(&m);
    modcq_send(&m);
    td_run(d, 10000);
    g_assert_cmpuint(completion_events(d, 1), ==, 0);
    g_assert_cmpuint(status_of(d, rdo_cmd_modify_cq(1, 2, 0)), ==, RDO_CQP_OK);
    g_assert_cmpuint(completion_events(d, 1), ==, 1);

    /* One CQE waiting under count 4, then a period of 20 us: due by then. */
    g_assert_cmpuint(status_of(d, rdo_cmd_modify_cq(1, 4, 0)), ==, RDO_CQP_OK);
    modcq_arm(&m);
    modcq_send(&m);
    td_run(d, 100000);
    g_assert_cmpuint(completion_events(d, 1), ==, 0);
    {
        /* td_cmd runs far beyond the period: post and run a little. */
        struct rdo_cqp_cmd c = rdo_cmd_modify_cq(1, 4, 20);
        uint32_t index = td_post(d, &c);

        td_ring_cqp(d);
        td_run(d, 5000);
        g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CQP_CI), ==, index + 1);
        g_assert_cmpuint(td_comp(d, index).status, ==, RDO_CQP_OK);
    }
    g_assert_cmpuint(completion_events(d, 1), ==, 0);
    td_run(d, 20000);
    g_assert_cmpuint(completion_events(d, 1), ==, 1);
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_ERR_COUNT), ==, 0);
    td_free(d);
}

static void test_cq_modify_moderation(void)
{
    cq_modify_moderation(false);
}

static void test_cq_modify_moderation_timed(void)
{
    cq_modify_moderation(true);
}

/*
 * RESIZE_CQ with CQEs outstanding and CQEs arriving while the command
 * runs: the old ring up to the end the completion gives, then the new ring
 * from index 0, hold every CQE once, in order; the doorbell then counts in
 * the new ring, and arming works there. Bigger, then smaller again.
 */
static void cq_resize(bool timing)
{
    static const uint8_t logs[] = { 7, 3, 6 };
    ModCq m;
    TestDriver *d;

    modcq_init(&m, timing);
    d = m.d;
    for (unsigned round = 0; round < G_N_ELEMENTS(logs); round++) {
        uint8_t new_log = logs[round];
        uint64_t new_ring = td_alloc(d, sizeof(struct rdo_cqe) << new_log, 4096);
        struct rdo_cqp_cmd cmd = rdo_cmd_resize_cq(1, new_ring, new_log);
        struct rdo_cqe c;
        uint32_t index, end;

        /* Five CQEs, two of them consumed and reported. */
        for (unsigned i = 0; i < 5; i++) {
            modcq_send(&m);
        }
        for (unsigned i = 0; i < 2; i++) {
            g_assert_true(ring_cqe(d, m.ring, m.log, m.ci, &c));
            g_assert_cmpuint(c.wr_id, ==, 0x5000 + m.base + m.ci);
            m.ci++;
        }
        td_doorbell(d, 0, RDO_DB_CQ, RDO_DB_VALUE(1, 0, m.ci));
        /* The command posted; two more sends land while it runs. */
        index = td_post(d, &cmd);
        td_ring_cqp(d);
        modcq_post(&m);
        modcq_post(&m);
        td_run(d, 100000);
        g_assert_cmpuint(td_comp(d, index).status, ==, RDO_CQP_OK);
        end = td_comp(d, index).result;
        g_assert_cmpuint(end, >=, m.ci + 3);
        /* The old ring up to its end; nothing beyond. */
        while (m.ci != end) {
            g_assert_true(ring_cqe(d, m.ring, m.log, m.ci, &c));
            g_assert_cmpuint(c.wr_id, ==, 0x5000 + m.base + m.ci);
            m.ci++;
        }
        g_assert_false(ring_cqe(d, m.ring, m.log, end, &c));
        /* The new ring from 0: the rest, then a send after the switch. */
        m.base += end;
        m.ring = new_ring;
        m.log = new_log;
        m.ci = 0;
        modcq_poll(&m);
        g_assert_cmpuint(m.base + m.ci, ==, m.sent);
        modcq_arm(&m);
        modcq_send(&m);
        td_run(d, 10);
        g_assert_cmpuint(completion_events(d, 1), ==, 1);
        modcq_poll(&m);
        g_assert_cmpuint(m.base + m.ci, ==, m.sent);
        td_doorbell(d, 0, RDO_DB_CQ, RDO_DB_VALUE(1, 0, m.ci));
    }
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_ERR_COUNT), ==, 0);
    g_assert_cmpuint(d->h->class_count[RDO_GE_CQ_OVERFLOW], ==, 0);
    td_free(d);
}

static void test_cq_resize(void)
{
    cq_resize(false);
}

static void test_cq_resize_timed(void)
{
    cq_resize(true);
}

/*
 * A shrink must leave room for the CQEs posted send work will write, not
 * only for those written: sends posted on a QP that has not run them yet
 * (UD QP 3 held in RTR) count. rdma-core's test_resize_cq posts sends and
 * shrinks at once; with only written CQEs counted, the shrink passed and
 * the sends' CQEs overran the new ring.
 */
static void test_cq_resize_sends_due(void)
{
    ModCq m;
    TestDriver *d;
    uint64_t sq3, rq3;
    struct rdo_cqe c;

    modcq_init(&m, false);
    d = m.d;
    modcq_send(&m);             /* one CQE written, not consumed */
    td_create_qp(d, 3, RDO_QPT_UD, 0, 1, &sq3, &rq3);
    for (uint8_t to = RDO_QPS_INIT; to <= RDO_QPS_RTR; to++) {
        struct rdo_cqp_cmd cmd =
            rdo_cmd_modify_qp(3, to, rdo_cmd_modify_mask(RDO_QPT_UD, to));

        cmd.u.modify_qp.qkey = 0x11111111;
        g_assert_cmpuint(status_of(d, cmd), ==, RDO_CQP_OK);
    }
    for (uint32_t i = 0; i < 4; i++) {
        post_wqe(d, sq3, i, RDO_WR_SEND, 0, 0x7000 + i);
    }
    td_doorbell(d, 0, RDO_DB_SQ, RDO_DB_VALUE(3, 0, 4));
    td_run(d, 1000);
    g_assert_false(ring_cqe(d, m.ring, m.log, 1, &c));  /* not run in RTR */
    /* 1 written + 4 due do not fit in 4 entries; they do in 8. */
    g_assert_cmpuint(status_of(d, rdo_cmd_resize_cq(1, td_alloc(d, 32 << 2, 4096), 2)),
                     ==, RDO_CQP_BAD_PARAM);
    g_assert_cmpuint(status_of(d, rdo_cmd_resize_cq(1, td_alloc(d, 32 << 3, 4096), 3)),
                     ==, RDO_CQP_OK);
    td_free(d);
}

/* Bad MODIFY_CQ, RESIZE_CQ and MODIFY_SRQ: refused, reported, no change. */
static void test_cq_srq_modify_bad(void)
{
    ModCq m;
    TestDriver *d;
    struct rdo_cqp_cmd c;
    uint64_t ring;
    uint32_t errors;

    modcq_init(&m, false);
    d = m.d;
    ring = td_alloc(d, 32 * 64, 4096);
    g_assert_cmpuint(status_of(d, rdo_cmd_create_srq(0, ring, 4, 6, 0)), ==,
                     RDO_CQP_OK);
    errors = d->h->class_count[RDO_GE_CQP_CMD_FAILED];
    g_assert_cmpuint(status_of(d, rdo_cmd_modify_cq(7, 1, 1)), ==, RDO_CQP_NOT_FOUND);
    g_assert_cmpuint(status_of(d, rdo_cmd_modify_cq(1u << 24, 1, 1)), ==, RDO_CQP_BAD_INDEX);
    g_assert_cmpuint(status_of(d, rdo_cmd_modify_cq(1, 33, 0)), ==, RDO_CQP_BAD_PARAM);
    g_assert_cmpuint(status_of(d, rdo_cmd_modify_cq(1, 0, RDO_CQ_MOD_USEC_MAX + 1)),
                     ==, RDO_CQP_BAD_PARAM);
    c = rdo_cmd_modify_cq(1, 1, 1);
    c.u.modify_cq.reserved[2] = 1;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_BAD_RESERVED);
    c = rdo_cmd_create_cq_moderated(3, ring, 2, 0, 0, 5, 0);
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_BAD_PARAM);

    g_assert_cmpuint(status_of(d, rdo_cmd_resize_cq(7, ring, 4)), ==, RDO_CQP_NOT_FOUND);
    g_assert_cmpuint(status_of(d, rdo_cmd_resize_cq(1u << 24, ring, 4)), ==,
                     RDO_CQP_BAD_INDEX);
    g_assert_cmpuint(status_of(d, rdo_cmd_resize_cq(1, ring, 0)), ==, RDO_CQP_BAD_PARAM);
    g_assert_cmpuint(status_of(d, rdo_cmd_resize_cq(1, ring, 16)), ==, RDO_CQP_BAD_PARAM);
    g_assert_cmpuint(status_of(d, rdo_cmd_resize_cq(1, ring + 8, 4)), ==, RDO_CQP_BAD_PARAM);
    c = rdo_cmd_resize_cq(1, ring, 4);
    c.u.resize_cq.reserved1 = 1;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_BAD_RESERVED);
    /* Five CQEs outstanding do not fit in 4 entries; a count of 3 stays. */
    g_assert_cmpuint(status_of(d, rdo_cmd_modify_cq(1, 8, 0)), ==, RDO_CQP_OK);
    for (unsigned i = 0; i < 5; i++) {
        modcq_send(&m);
    }
    g_assert_cmpuint(status_of(d, rdo_cmd_resize_cq(1, ring, 2)), ==, RDO_CQP_BAD_PARAM);
    /* 8 entries would hold them, but not the moderation count of 8 + 1. */
    g_assert_cmpuint(status_of(d, rdo_cmd_modify_cq(1, 9, 0)), ==, RDO_CQP_OK);
    g_assert_cmpuint(status_of(d, rdo_cmd_resize_cq(1, ring, 3)), ==, RDO_CQP_BAD_PARAM);

    g_assert_cmpuint(status_of(d, rdo_cmd_modify_srq(1, 1)), ==, RDO_CQP_NOT_FOUND);
    g_assert_cmpuint(status_of(d, rdo_cmd_modify_srq(1u << 24, 1)), ==, RDO_CQP_BAD_INDEX);
    g_assert_cmpuint(status_of(d, rdo_cmd_modify_srq(0, 17)), ==, RDO_CQP_BAD_PARAM);
    c = rdo_cmd_modify_srq(0, 1);
    c.u.modify_srq.reserved0 = 1;
    g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_BAD_RESERVED);
    g_assert_cmpuint(status_of(d, rdo_cmd_modify_srq(0, 16)), ==, RDO_CQP_OK);
    g_assert_cmpuint(d->h->class_count[RDO_GE_CQP_CMD_FAILED], ==, errors + 18);
    /* The CQ still works: its five CQEs are all there. */
    modcq_poll(&m);
    g_assert_cmpuint(m.ci, ==, 5);
    td_free(d);
}

/* Doorbells only from the object's page, indexes within the ring. */
static void test_doorbell_isolation(void)
{
    TestDriver *d = started();
    uint64_t sq, rq;

    td_create_pd(d, 0);
    td_create_cq(d, 1, 2, 0, 3);
    td_create_qp(d, 5, RDO_QPT_UD, 0, 1, &sq, &rq);
    td_doorbell(d, 0, RDO_DB_CQ, RDO_DB_VALUE(1, RDO_DB_CQ_ARM_NEXT, 0));
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_ERR_LAST), ==, RDO_ERR_DB_BAD_OBJECT);
    td_doorbell(d, 3, RDO_DB_CQ, RDO_DB_VALUE(1, RDO_DB_CQ_ARM_NEXT, 0));
    td_doorbell(d, 1, RDO_DB_SQ, RDO_DB_VALUE(5, 0, 1));
    td_doorbell(d, 0, RDO_DB_SQ, RDO_DB_VALUE(99, 0, 1));
    td_doorbell(d, 0, RDO_DB_CQ, RDO_DB_VALUE(1, 0, 5));
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CNT_DB_ERRORS), ==, 4);
    td_doorbell(d, 1, RDO_DB_EQ, RDO_DB_VALUE(0, RDO_DB_EQ_ARM, 0));
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_ERR_LAST), ==, RDO_ERR_DB_BAD_OBJECT);
    td_free(d);
}

/* CQ arm: the next completion posts one event to the CQ's EQ. */
static void test_cq_arm_and_overflow(void)
{
    TestDriver *d = started();
    struct rdo_cqp_cmd eq = td_cmd_of(RDO_CMD_CREATE_EQ, 2);
    uint64_t sq, rq, eq_ring = td_alloc(d, 16 * 4, 4096);
    struct rdo_eqe *eqes = td_ptr(d, eq_ring);

    eq.u.create_eq.ring_addr = eq_ring;
    eq.u.create_eq.log_size = 2;
    eq.u.create_eq.vector = 9;
    g_assert_cmpuint(status_of(d, eq), ==, RDO_CQP_OK);
    td_create_pd(d, 0);
    td_create_cq(d, 1, 1, 2, 0);    /* two entries */
    td_create_qp(d, 6, RDO_QPT_UD, 0, 1, &sq, &rq);
    td_doorbell(d, 0, RDO_DB_CQ, RDO_DB_VALUE(1, RDO_DB_CQ_ARM_NEXT, 0));
    td_doorbell(d, 0, RDO_DB_RQ, RDO_DB_VALUE(6, 0, 3));
    /* Moving to ERR flushes three receive WQEs into a CQ of two. */
    g_assert_cmpuint(status_of(d, modify(6, RDO_QPS_ERR, 0)), ==, RDO_CQP_OK);
    g_assert_cmpuint(eqes[0].type, ==, RDO_EQE_COMPLETION);
    g_assert_cmpuint(eqes[0].obj, ==, 1);
    g_assert_cmpuint(eqes[1].owner, ==, 0);
    g_assert_cmpuint(d->h->irqs[9], ==, 1);
    {
        struct rdo_eqe ev;

        do {
            ev = td_eq0_next(d);
        } while (ev.type && ev.type != RDO_EQE_CQ_ERROR);
        g_assert_cmpuint(ev.type, ==, RDO_EQE_CQ_ERROR);
        g_assert_cmpuint(ev.data, ==, RDO_CQ_ERR_OVERFLOW);
    }
    td_free(d);
}

/* More QPs than cache lines: misses write back and reload correctly. */
static void test_context_cache(void)
{
    TestDriver *d = started();
    uint64_t sq, rq, out = td_alloc(d, 128, 64);
    struct rdo_qp_attr *attr = td_ptr(d, out);

    td_create_pd(d, 0);
    td_create_cq(d, 0, 6, 0, 0);
    for (uint32_t qpn = 2; qpn < 14; qpn++) {
        td_create_qp(d, qpn, RDO_QPT_UD, 0, 0, &sq, &rq);
        struct rdo_cqp_cmd c = modify(qpn, RDO_QPS_INIT, RDO_QP_ATTR_QKEY);
        c.u.modify_qp.qkey = 0x1000 + qpn;
        g_assert_cmpuint(status_of(d, c), ==, RDO_CQP_OK);
    }
    for (uint32_t qpn = 2; qpn < 14; qpn++) {
        struct rdo_cqp_cmd q = td_cmd_of(RDO_CMD_QUERY_QP, qpn);

        q.out_addr = out;
        g_assert_cmpuint(status_of(d, q), ==, RDO_CQP_OK);
        g_assert_cmpuint(attr->qkey, ==, 0x1000 + qpn);
        g_assert_cmpuint(attr->state, ==, RDO_QPS_INIT);
    }
    /* 12 QPs through 4 lines: every query had to reload its context. */
    g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CNT_QPC_MISSES), >=, 12);
    td_free(d);
}

/* A QP context scribbled on in host memory is caught, not trusted. */
static void test_corrupt_context(void)
{
    TestDriver *d = started();
    uint64_t sq, rq;
    uint64_t *pages = td_ptr(d, d->qpc_pglist);

    td_create_pd(d, 0);
    td_create_cq(d, 0, 4, 0, 0);
    td_create_qp(d, 2, RDO_QPT_UD, 0, 0, &sq, &rq);
    /* Evict QP 2 from the 4-line cache, then corrupt its stored context. */
    for (uint32_t qpn = 3; qpn < 8; qpn++) {
        td_create_qp(d, qpn, RDO_QPT_UD, 0, 0, &sq, &rq);
    }
    memset(td_ptr(d, pages[0] + 2 * RDO_QPC_SIZE), 0x5a, RDO_QPC_SIZE);
    g_assert_cmpuint(status_of(d, modify(2, RDO_QPS_INIT, RDO_QP_ATTR_QKEY)), ==,
                     RDO_CQP_DMA_ERROR);
    /* Destroy still releases what it held: the CQ and PD become free. */
    for (uint32_t qpn = 2; qpn < 8; qpn++) {
        g_assert_cmpuint(status_of(d, td_cmd_of(RDO_CMD_DESTROY_QP, qpn)), ==, RDO_CQP_OK);
    }
    g_assert_cmpuint(status_of(d, td_cmd_of(RDO_CMD_DESTROY_CQ, 0)), ==, RDO_CQP_OK);
    g_assert_cmpuint(status_of(d, td_cmd_of(RDO_CMD_DESTROY_PD, 0)), ==, RDO_CQP_OK);
    td_free(d);
}

static void test_mr_checks(void)
{
    TestDriver *d = started();
    uint8_t st;
    uint32_t key;

    td_create_pd(d, 2);
    key = td_reg_mr(d, 9, 2, 10000, RDO_ACCESS_LOCAL_WRITE | RDO_ACCESS_REMOTE_READ, NULL);
    g_assert_cmphex(key, ==, RDO_MR_KEY(9, 0x5a));
    td_reg_mr(d, 9, 2, 4096, 0, &st);
    g_assert_cmpuint(st, ==, RDO_CQP_EXISTS);
    td_reg_mr(d, 10, 2, 4096, RDO_ACCESS_REMOTE_WRITE, &st);   /* needs LOCAL_WRITE */
    g_assert_cmpuint(st, ==, RDO_CQP_BAD_PARAM);
    td_reg_mr(d, 10, 3, 4096, 0, &st);
    g_assert_cmpuint(st, ==, RDO_CQP_NOT_FOUND);
    td_reg_mr(d, 128, 2, 4096, 0, &st);
    g_assert_cmpuint(st, ==, RDO_CQP_BAD_INDEX);
    g_assert_cmpuint(status_of(d, td_cmd_of(RDO_CMD_DESTROY_PD, 2)), ==, RDO_CQP_IN_USE);
    g_assert_cmpuint(status_of(d, td_cmd_of(RDO_CMD_DEREG_MR, 9)), ==, RDO_CQP_OK);
    g_assert_cmpuint(status_of(d, td_cmd_of(RDO_CMD_DEREG_MR, 9)), ==, RDO_CQP_NOT_FOUND);
    g_assert_cmpuint(status_of(d, td_cmd_of(RDO_CMD_DESTROY_PD, 2)), ==, RDO_CQP_OK);
    td_free(d);
}

/* Random commands and doorbells: every command completes, device lives. */
static void test_random_commands(void)
{
    TestDriver *d = started();

    for (int round = 0; round < 300; round++) {
        int n = g_test_rand_int_range(1, 1 << TD_CQP_LOG);

        for (int i = 0; i < n; i++) {
            struct rdo_cqp_cmd c;
            uint32_t w[sizeof(c) / 4];

            /* Copied in, not stored through a cast pointer (aliasing). */
            for (size_t k = 0; k < G_N_ELEMENTS(w); k++) {
                w[k] = g_test_rand_int();
            }
            memcpy(&c, w, sizeof(c));
            c.opcode = g_test_rand_int_range(0, RDO_CMD__COUNT + 2);
            c.obj = g_test_rand_int_range(0, 80);
            c.flags &= 1;
            c.reserved0 = 0;
            c.reserved1 = g_test_rand_bit() ? 0 : c.reserved1;
            if (g_test_rand_bit()) {
                /* Plausible addresses inside guest memory. */
                c.out_addr = TEST_HOST_MEM_BASE + g_test_rand_int_range(0, 1 << 20);
                c.u.create_qp.sq_addr = TEST_HOST_MEM_BASE +
                                        (g_test_rand_int_range(0, 4096) << 12);
            }
            td_post(d, &c);
        }
        td_ring_cqp(d);
        for (int i = 0; i < 8; i++) {
            td_doorbell(d, g_test_rand_int_range(0, 4), g_test_rand_int_range(0, 5) * 8,
                        ((uint64_t)g_test_rand_int() << 32) |
                        g_test_rand_int_range(0, 80));
        }
        td_run(d, 1000000000ull);
        g_assert_cmpuint(test_reg_read(d->h, RDO_REG_CQP_CI), ==, d->cqp_pi);
    }
    g_assert_cmpuint(status_of(d, td_cmd_of(RDO_CMD_NOP, 0)), ==, RDO_CQP_OK);
    g_assert_cmphex(test_reg_read(d->h, RDO_REG_ID), ==, RDO_ID_MAGIC);
    td_free(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cqp/start-bad-register", test_start_bad_register);
    g_test_add_func("/cqp/reg-mr-list-wraps", test_reg_mr_list_wraps);
    g_test_add_func("/cqp/after-start", test_after_start);
    g_test_add_func("/cqp/nop-timing-and-event", test_nop_timing_and_event);
    g_test_add_func("/cqp/query-device-and-port", test_query_device_and_port);
    g_test_add_func("/cqp/query-port-speed", test_query_port_speed);
    g_test_add_func("/cqp/query-counters", test_query_counters);
    g_test_add_func("/cqp/query-counters-ext", test_query_counters_ext);
    g_test_add_func("/cqp/hw-counters-netlink-budget",
                    test_hw_counters_netlink_budget);
    g_test_add_func("/cqp/object-lifecycles", test_object_lifecycles);
    g_test_add_func("/cqp/ring-max-pages", test_ring_max_pages);
    g_test_add_func("/cqp/qp-state-machine", test_qp_state_machine);
    g_test_add_func("/cqp/pending-mr-stall", test_pending_mr_stall);
    g_test_add_func("/cqp/pending-mr-failed-registration",
                    test_pending_mr_failed_registration);
    g_test_add_func("/cqp/sq-errors-and-flush", test_sq_errors_and_flush);
    g_test_add_func("/cqp/cq-moderation", test_cq_moderation);
    g_test_add_func("/cqp/doorbell-isolation", test_doorbell_isolation);
    g_test_add_func("/cqp/cq-arm-and-overflow", test_cq_arm_and_overflow);
    g_test_add_func("/cqp/cq-modify-moderation", test_cq_modify_moderation);
    g_test_add_func("/cqp/cq-modify-moderation-timed", test_cq_modify_moderation_timed);
    g_test_add_func("/cqp/cq-resize", test_cq_resize);
    g_test_add_func("/cqp/cq-resize-timed", test_cq_resize_timed);
    g_test_add_func("/cqp/cq-resize-sends-due", test_cq_resize_sends_due);
    g_test_add_func("/cqp/cq-srq-modify-bad", test_cq_srq_modify_bad);
    g_test_add_func("/cqp/context-cache", test_context_cache);
    g_test_add_func("/cqp/corrupt-context", test_corrupt_context);
    g_test_add_func("/cqp/mr-checks", test_mr_checks);
    g_test_add_func("/cqp/random-commands", test_random_commands);
    return g_test_run();
}
