/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Seed inputs for QEMU's generic fuzzer on the adapters
 * (generic-fuzz-rdma-offload): each one a whole set-up on both adapters
 * (control paths, GID, PD, CQ, MR, an RC QP each taken to RTS towards the
 * other) and then work posted and doorbells rung, so that a seed alone
 * puts frames on the wire and brings completions back. The fuzzer mutates
 * from there.
 *
 * The generic fuzzer has no way to write guest memory: every DMA read of
 * a device is answered by filling the range read with the next of the
 * input's DMA patterns, in turn (generic_fuzz.c: fuzz_dma_read_cb; within
 * one operation a range already filled is not filled again, and with no
 * pattern nothing is filled). So a seed must know every read the devices
 * make, in order, with the bytes it must return: commands, page lists,
 * context-store page lists, WQEs, payload. Those are not written down
 * here but recorded: this program runs the very core QEMU runs, two of
 * them on one "hub" with QEMU's glue semantics (a wake-up timer each, run
 * at its time, earliest first; a frame sent reaches the other adapter at
 * once unless that one is busy, then when it leaves), driven by the
 * shared two-adapter set-up (tests/common/rdo-pair-setup.c, the commands
 * built from the interface headers). Each register or doorbell write
 * becomes a write operation on the BAR, each advance of time a clock step
 * (QEMU steps to the next timer), and each read the core makes becomes a
 * pattern holding what the read returned. The patterns are given per
 * phase (a command, or a doorbell and the work it starts): cleared, then
 * the phase's patterns, then its operations, so a mismatch stays in its
 * phase.
 *
 *   rdma-offload-generic-seeds DIR    writes the seeds into DIR
 */
#define _GNU_SOURCE    /* memmem */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include "rdo-core.h"
#include "rdo-pair-setup.h"

/* generic_fuzz.c's operations and limits. */
enum { OP_WRITE = 3, OP_ADD_DMA_PATTERN = 7, OP_CLEAR_DMA_PATTERNS = 8,
       OP_CLOCK_STEP = 9 };
enum { SIZE_LONG = 2, SIZE_QUAD = 3 };
#define SEPARATOR       "FUZZ"
#define MAX_DMA_FILL    0x10000
/* The fuzzer's machine: -m 512M (generic_fuzz_cmdline). */
#define MEM_SIZE        (512u << 20)
/*
 * MMIO ranges, numbered by the fuzzer in address order over both
 * adapters: registers, doorbells, MSI-X table and PBA of the one whose
 * BARs come first, then the other's.
 */
#define RANGE_REGS(d)   (4 * (d))
#define RANGE_DB(d)     (4 * (d) + 1)

#define STEP_LIMIT      20000

typedef struct Dev {
    RdoCore core;
    int index;
    uint8_t mac[6];
    int busy;
    GQueue rxq;                 /* frames held while busy */
    bool timer;                 /* the wake-up timer is pending ... */
    uint64_t when, seq;         /* ... at `when`, armed as the seq-th */
    /* The driver's side: bump allocator and control QP. */
    uint64_t next_free;
    uint64_t cqp_ring, cqp_comp;
    uint32_t cqp_pi;
    uint64_t frames_sent;
} Dev;

typedef struct Range {
    uint64_t addr, len;
} Range;

typedef struct Rec {
    uint8_t *mem;
    uint64_t now;
    uint64_t seq;
    Dev dev[2];
    int first;                  /* the adapter whose BARs the fuzzer numbers first */
    GArray *op_fills;           /* Range: filled in the current operation */
    GByteArray *out;            /* the seed */
    GPtrArray *phase_ops;       /* GByteArray: the phase's operations */
    GPtrArray *phase_pats;      /* GByteArray: the phase's patterns */
    uint64_t reads, phases, steps;
} Rec;

static Rec R;

/* The operations --------------------------------------------------- */

static void put_op(GByteArray *op)
{
    if (memmem(op->data, op->len, SEPARATOR, 4)) {
        g_error("an operation holds the separator; change the layout");
    }
    if (R.out->len) {
        g_byte_array_append(R.out, (const guint8 *)SEPARATOR, 4);
    }
    g_byte_array_append(R.out, op->data, op->len);
}

static void put_op1(uint8_t opcode)
{
    GByteArray *op = g_byte_array_new();

    g_byte_array_append(op, &opcode, 1);
    put_op(op);
    g_byte_array_unref(op);
}

/* The phase so far: its patterns, then its operations. */
static void phase_end(void)
{
    if (!R.phase_ops->len) {
        g_assert_cmpuint(R.phase_pats->len, ==, 0);
        return;
    }
    put_op1(OP_CLEAR_DMA_PATTERNS);
    for (guint i = 0; i < R.phase_pats->len; i++) {
        put_op(g_ptr_array_index(R.phase_pats, i));
    }
    for (guint i = 0; i < R.phase_ops->len; i++) {
        put_op(g_ptr_array_index(R.phase_ops, i));
    }
    g_ptr_array_set_size(R.phase_ops, 0);
    g_ptr_array_set_size(R.phase_pats, 0);
    R.phases++;
}

/* A new operation of the phase: its own set of filled ranges. */
static GByteArray *phase_op(uint8_t opcode)
{
    GByteArray *op = g_byte_array_new();

    g_byte_array_append(op, &opcode, 1);
    g_ptr_array_add(R.phase_ops, op);
    g_array_set_size(R.op_fills, 0);
    return op;
}

static void phase_write(int range, uint8_t size, uint32_t offset,
                        uint64_t value)
{
    GByteArray *op = phase_op(OP_WRITE);
    /* op_write's struct: size, base, padding, offset, value. */
    uint8_t a[16] = { size, range };

    memcpy(a + 4, &offset, 4);
    memcpy(a + 8, &value, 8);
    g_byte_array_append(op, a, sizeof(a));
}

/*
 * A pattern that reproduces `len` bytes at `addr`: the shortest period of
 * the bytes (the fuzzer repeats a pattern over the range).
 */
static void phase_pattern(uint64_t addr, uint64_t len)
{
    const uint8_t *p = R.mem + addr;
    GByteArray *op = g_byte_array_new();
    uint8_t head[3] = { OP_ADD_DMA_PATTERN, 0, 0 };
    uint64_t period = 1;

    while (period < len) {
        uint64_t i = period;

        while (i < len && p[i] == p[i % period]) {
            i++;
        }
        if (i == len) {
            break;
        }
        period++;
    }
    g_byte_array_append(op, head, sizeof(head));
    g_byte_array_append(op, p, period);
    g_ptr_array_add(R.phase_pats, op);
}

/*
 * A read the fuzzer answers: fuzz_dma_read_cb with QEMU_AVOID_DOUBLE_FETCH
 * (set for predefined configs), which fills only the parts not filled yet
 * in this operation, each part with the next pattern.
 */
static void fill(uint64_t addr, uint64_t len)
{
    if (!len) {
        return;
    }
    for (guint i = 0; i < R.op_fills->len; i++) {
        Range r = g_array_index(R.op_fills, Range, i);

        if (addr < r.addr + r.len && r.addr < addr + len) {
            if (addr < r.addr) {
                fill(addr, r.addr - addr);
            }
            if (addr + len > r.addr + r.len) {
                fill(r.addr + r.len, addr + len - (r.addr + r.len));
            }
            return;
        }
    }
    len = MIN(len, MAX_DMA_FILL);
    g_array_append_val(R.op_fills, ((Range){ addr, len }));
    phase_pattern(addr, len);
}

/* The host of each core: QEMU's glue, in short ------------------------ */

static void dev_enter(Dev *d)
{
    d->busy++;
}

static void deliver(Dev *to, const uint8_t *frame, size_t len);

static void dev_leave(Dev *d)
{
    GBytes *f;

    g_assert_cmpint(d->busy, >, 0);
    if (--d->busy) {
        return;
    }
    while ((f = g_queue_pop_head(&d->rxq))) {
        gsize len;
        const uint8_t *p = g_bytes_get_data(f, &len);

        deliver(d, p, len);
        g_bytes_unref(f);
    }
}

static void deliver(Dev *to, const uint8_t *frame, size_t len)
{
    if (to->busy) {
        g_queue_push_tail(&to->rxq, g_bytes_new(frame, len));
        return;
    }
    dev_enter(to);
    rdo_core_receive_port(&to->core, 1, frame, len);
    dev_leave(to);
}

static int h_dma_read(void *host, uint64_t addr, void *buf, size_t len)
{
    if (addr >= MEM_SIZE || len > MEM_SIZE - addr) {
        g_error("a read outside the fuzzer's RAM: 0x%" PRIx64, addr);
    }
    R.reads++;
    fill(addr, len);
    memcpy(buf, R.mem + addr, len);
    return 0;
}

static int h_dma_write(void *host, uint64_t addr, const void *buf, size_t len)
{
    if (addr >= MEM_SIZE || len > MEM_SIZE - addr) {
        g_error("a write outside the fuzzer's RAM: 0x%" PRIx64, addr);
    }
    memcpy(R.mem + addr, buf, len);
    return 0;
}

static void h_raise_irq(void *host, unsigned vector)
{
}

/* Like the device's port (and a hub of two): the other adapter, padded to
 * the minimum frame. */
static void h_send_frame(void *host, const void *frame, size_t len)
{
    Dev *d = host;
    uint8_t padded[60] = { 0 };

    d->frames_sent++;
    if (len < sizeof(padded)) {
        memcpy(padded, frame, len);
        frame = padded;
        len = sizeof(padded);
    }
    deliver(&R.dev[1 - d->index], frame, len);
}

static uint64_t h_now_ns(void *host)
{
    return R.now;
}

/* rdo_timer_schedule: the earliest request wins. QEMU runs timers of one
 * time in the order they were armed. */
static void h_schedule(void *host, uint64_t when_ns)
{
    Dev *d = host;

    if (!d->timer || when_ns < d->when) {
        d->timer = true;
        d->when = when_ns;
        d->seq = R.seq++;
    }
}

static void h_guest_error(void *host, const RdoGuestError *e)
{
}

static void h_xport_event(void *host, const RdoXportEvent *e)
{
}

static void h_fatal(void *host, enum rdo_fatal_cause cause, const char *what)
{
    g_error("the device stopped: %s", what);
}

static const RdoHostOps host_ops = {
    .dma_read = h_dma_read,
    .dma_write = h_dma_write,
    .raise_irq = h_raise_irq,
    .send_frame = h_send_frame,
    .now_ns = h_now_ns,
    .schedule = h_schedule,
    .guest_error = h_guest_error,
    .xport_event = h_xport_event,
    .fatal = h_fatal,
};

/* Timers due by now, earliest (then first armed) first: QEMU's main loop
 * after each operation. */
static void run_due(void)
{
    for (;;) {
        Dev *next = NULL;

        for (int i = 0; i < 2; i++) {
            Dev *d = &R.dev[i];

            if (d->timer && d->when <= R.now &&
                (!next || d->when < next->when ||
                 (d->when == next->when && d->seq < next->seq))) {
                next = d;
            }
        }
        if (!next) {
            return;
        }
        next->timer = false;
        dev_enter(next);
        rdo_core_wakeup(&next->core);
        dev_leave(next);
    }
}

/* A clock step (qtest_clock_step_next): to the next timer; false if none. */
static bool step(void)
{
    uint64_t when = UINT64_MAX;

    for (int i = 0; i < 2; i++) {
        if (R.dev[i].timer) {
            when = MIN(when, R.dev[i].when);
        }
    }
    if (when == UINT64_MAX) {
        return false;
    }
    g_assert_cmpuint(++R.steps, <, 1000000);
    phase_op(OP_CLOCK_STEP);
    R.now = MAX(R.now, when);
    run_due();
    return true;
}

/* Which range the fuzzer gives a BAR of adapter `d`. */
static int bar_range(const Dev *d, bool doorbells)
{
    int order = d->index == R.first ? 0 : 1;

    return doorbells ? RANGE_DB(order) : RANGE_REGS(order);
}

static void reg_write(Dev *d, uint32_t reg, uint32_t value)
{
    phase_write(bar_range(d, false), SIZE_LONG, reg, value);
    dev_enter(d);
    rdo_core_reg_write(&d->core, reg, value, 4);
    dev_leave(d);
    run_due();
}

static void reg_write64(Dev *d, uint32_t reg, uint64_t value)
{
    reg_write(d, reg, (uint32_t)value);
    reg_write(d, reg + 4, value >> 32);
}

static uint32_t reg_read(Dev *d, uint32_t reg)
{
    return rdo_core_reg_read(&d->core, reg, 4);
}

/* The driver side (RdoPairOps) --------------------------------------- */

static uint64_t d_alloc(void *host, uint64_t len)
{
    Dev *d = host;
    uint64_t addr = d->next_free;

    d->next_free += (MAX(len, 1) + RDO_PAGE_SIZE - 1) / RDO_PAGE_SIZE * RDO_PAGE_SIZE;
    g_assert_cmpuint(d->next_free, <=, 0x1000000ull * (d->index + 2));
    return addr;
}

static void d_write(void *host, uint64_t addr, const void *buf, size_t len)
{
    memcpy(R.mem + addr, buf, len);
}

static void d_read(void *host, uint64_t addr, void *buf, size_t len)
{
    memcpy(buf, R.mem + addr, len);
}

static void d_doorbell(void *host, uint16_t page, uint32_t reg, uint64_t value)
{
    Dev *d = host;
    uint32_t off = ((uint32_t)page << RDO_DB_PAGE_SHIFT) + reg;

    phase_write(bar_range(d, true), SIZE_QUAD, off, value);
    dev_enter(d);
    rdo_core_db_write(&d->core, off, value, 8);
    dev_leave(d);
    run_due();
}

#define CQP_LOG     4

/* One command in a phase of its own: posted, then time until done. */
static uint8_t d_cmd(void *host, struct rdo_cqp_cmd *cmd, uint32_t *result)
{
    Dev *d = host;
    uint32_t slot = d->cqp_pi & ((1u << CQP_LOG) - 1);
    struct rdo_cqp_comp comp;

    phase_end();
    cmd->cookie = 0x100 + d->cqp_pi;
    d_write(d, d->cqp_ring + (uint64_t)slot * RDO_CQP_CMD_SIZE, cmd,
            sizeof(*cmd));
    reg_write(d, RDO_REG_CQP_PI, ++d->cqp_pi);
    while (reg_read(d, RDO_REG_CQP_CI) != d->cqp_pi) {
        if (!step()) {
            g_error("command 0x%02x: nothing scheduled", cmd->opcode);
        }
    }
    phase_end();
    d_read(d, d->cqp_comp + (uint64_t)slot * RDO_CQP_COMP_SIZE, &comp,
           sizeof(comp));
    g_assert_cmphex(comp.cookie, ==, cmd->cookie);
    if (result) {
        *result = comp.result;
    }
    return comp.status;
}

static const RdoPairOps pair_ops = {
    .cmd = d_cmd, .alloc = d_alloc, .write = d_write, .read = d_read,
    .doorbell = d_doorbell,
};

/* A store of one page: its page list in guest memory. */
static uint64_t one_page_store(Dev *d)
{
    uint64_t list = d_alloc(d, 8), page = d_alloc(d, RDO_PAGE_SIZE);

    memcpy(R.mem + list, &page, 8);
    return list;
}

/* The control path started as a driver does, in its own phase. */
static void bring_up(Dev *d)
{
    d->cqp_ring = d_alloc(d, RDO_CQP_CMD_SIZE << CQP_LOG);
    d->cqp_comp = d_alloc(d, RDO_CQP_COMP_SIZE << CQP_LOG);
    reg_write64(d, RDO_REG_CQP_RING_LO, d->cqp_ring);
    reg_write64(d, RDO_REG_CQP_COMP_LO, d->cqp_comp);
    reg_write(d, RDO_REG_CQP_LOG_SIZE, CQP_LOG);
    reg_write64(d, RDO_REG_EQ0_RING_LO, d_alloc(d, sizeof(struct rdo_eqe) << 4));
    reg_write(d, RDO_REG_EQ0_LOG_SIZE, 4);
    reg_write64(d, RDO_REG_QPC_PGLIST_LO, one_page_store(d));
    reg_write(d, RDO_REG_QPC_PAGES, 1);
    reg_write64(d, RDO_REG_MRC_PGLIST_LO, one_page_store(d));
    reg_write(d, RDO_REG_MRC_PAGES, 1);
    reg_write(d, RDO_REG_CONTROL, RDO_CONTROL_ENABLE | RDO_CONTROL_CQP_ENABLE);
    g_assert_true(reg_read(d, RDO_REG_STATUS) & RDO_STATUS_CQP_READY);
    phase_end();
}

/* Each side: small rings, an MR of two pages (source, destination). */
#define MR_IOVA     0x10000000ull
#define SRC         MR_IOVA
#define DST         (MR_IOVA + RDO_PAGE_SIZE)

static const RdoPairLayout layout = {
    .pdn = 1, .cqn = 1, .cq_log = 4,
    .mr_index = 1, .mr_iova = MR_IOVA, .mr_len = 2 * RDO_PAGE_SIZE,
    .sq_log = RDO_CMD_SQ_LOG_SIZE, .sq_shift = RDO_CMD_SQ_WQE_SHIFT,
    .rq_log = RDO_CMD_RQ_LOG_SIZE, .rq_shift = RDO_CMD_RQ_WQE_SHIFT,
    .max_inline = 32, .qkey = 0x1234,
};

/* A work request of A's: RDO_WR_* and its length (B posts a receive for
 * each SEND). Work i uses bytes [1 KiB i, 1 KiB (i + 1)) of each MR page. */
typedef struct Work {
    uint8_t opcode;
    uint16_t len;
} Work;

#define WORK_SLOT   1024
#define MAX_WORK    4

typedef struct Seed {
    const char *name;
    uint8_t qp_type;
    uint8_t path_mtu;           /* RDO_MTU_* code */
    Work work[MAX_WORK];        /* len 0 ends */
} Seed;

#define MTU_256     RDO_MTU_256
#define MTU_1024    (RDO_MTU_256 + 2)

static const Seed seeds[] = {
    { "rc-send", RDO_QPT_RC, MTU_1024, { { RDO_WR_SEND, 64 } } },
    { "rc-write", RDO_QPT_RC, MTU_1024, { { RDO_WR_RDMA_WRITE, 64 } } },
    { "rc-read", RDO_QPT_RC, MTU_1024, { { RDO_WR_RDMA_READ, 64 } } },
    { "rc-mix", RDO_QPT_RC, MTU_1024, { { RDO_WR_SEND, 64 },
        { RDO_WR_RDMA_WRITE, 64 }, { RDO_WR_RDMA_READ, 64 } } },
    /* Messages of several packets each (first, middle, last). */
    { "rc-multi", RDO_QPT_RC, MTU_256, { { RDO_WR_SEND_IMM, 600 },
        { RDO_WR_RDMA_WRITE_IMM, 1000 }, { RDO_WR_RDMA_READ, 1000 } } },
    { "rc-atomic", RDO_QPT_RC, MTU_1024, { { RDO_WR_ATOMIC_FETCH_ADD, 8 },
        { RDO_WR_ATOMIC_CMP_SWP, 8 } } },
    { "uc-mix", RDO_QPT_UC, MTU_1024, { { RDO_WR_SEND, 64 },
        { RDO_WR_RDMA_WRITE, 64 } } },
    { "ud-send", RDO_QPT_UD, MTU_1024, { { RDO_WR_SEND_IMM, 200 } } },
};

static bool is_send(uint8_t opcode)
{
    return opcode == RDO_WR_SEND || opcode == RDO_WR_SEND_IMM;
}

/* Steps until side k has `n` CQEs (the other side's counted too). */
static void wait_cqes(RdoPairSide *s, const uint32_t want[2])
{
    for (int i = 0; i < STEP_LIMIT; i++) {
        if (rdo_pair_cq_ready(&s[0]) >= want[0] &&
            rdo_pair_cq_ready(&s[1]) >= want[1]) {
            return;
        }
        if (!step()) {
            break;
        }
    }
    g_error("CQEs: %u and %u, expected %u and %u", rdo_pair_cq_ready(&s[0]),
            rdo_pair_cq_ready(&s[1]), want[0], want[1]);
}

static GByteArray *record(const Seed *seed, int first)
{
    RdoPairSide side[2];
    RdoPairQp slots[2][1];
    uint32_t want[2] = { 0, 0 };
    struct rdo_cqe cqe;

    /* The drivers' memory (16 MiB a side, from 16 MiB). */
    memset(R.mem + 0x1000000, 0, 0x2000000);
    R.now = 0;
    R.first = first;
    R.out = g_byte_array_new();
    R.reads = R.phases = R.steps = 0;
    g_assert_cmpuint(R.phase_ops->len, ==, 0);
    for (int k = 0; k < 2; k++) {
        Dev *d = &R.dev[k];
        RdoConfig cfg;
        const char *why;

        memset(d, 0, sizeof(*d));
        d->index = k;
        /* QEMU's default MACs, in the order the adapters are made. */
        memcpy(d->mac, (uint8_t[]){ 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 + k }, 6);
        rdo_config_defaults(&cfg);
        memcpy(cfg.mac, d->mac, 6);
        cfg.has_port = true;
        g_assert_true(rdo_config_valid(&cfg, &why));
        g_queue_init(&d->rxq);
        d->next_free = 0x1000000ull * (k + 1);
        rdo_core_init(&d->core, &cfg, &host_ops, d);
        rdo_core_set_link(&d->core, true);
        rdo_core_reset(&d->core);       /* the machine's reset */
        d->timer = false;
    }
    for (int k = 0; k < 2; k++) {
        bring_up(&R.dev[k]);
        rdo_pair_side_init(&side[k], &pair_ops, &R.dev[k], &layout,
                           slots[k], 1);
        memcpy(side[k].mac, R.dev[k].mac, 6);
        rdo_pair_side_setup(&side[k], k);
    }
    rdo_pair_connect(&side[0], &side[1], 0, seed->qp_type, seed->path_mtu,
                     14, 0, 0);

    for (int i = 0; i < MAX_WORK && seed->work[i].len; i++) {
        const Work *wk = &seed->work[i];
        struct rdo_send_wqe w = rdo_wqe(wk->opcode, 1 + i);
        struct rdo_sge sge = rdo_pair_sge(&side[0], SRC + WORK_SLOT * i,
                                          wk->len);
        struct rdo_ud_seg ud = rdo_pair_ud_dest(&side[1], 0);

        if (is_send(wk->opcode)) {
            /* Room for a UD datagram's GRH in front. */
            rdo_pair_post_recv(&side[1], 0, 100 + i, DST + WORK_SLOT * i,
                               WORK_SLOT);
            phase_end();
            want[1]++;
            w.imm_or_rkey = 0x77;
        } else {
            if (wk->opcode == RDO_WR_RDMA_WRITE_IMM) {
                /* The immediate takes a receive of B's. */
                rdo_pair_post_recv(&side[1], 0, 100 + i, DST, 0);
                phase_end();
                want[1]++;
            }
            w.remote_addr = DST + WORK_SLOT * i;
            w.rkey = side[1].mr_key;
            w.imm_or_rkey = 0x77;
            w.compare_add = 1;
            w.swap = 2;
        }
        w.flags |= RDO_WQE_F_SIGNALED;
        rdo_pair_post_send(&side[0], 0, &w, &sge, 1,
                           seed->qp_type == RDO_QPT_UD ? &ud : NULL, NULL);
        phase_end();
        want[0]++;
    }
    wait_cqes(side, want);
    phase_end();
    for (int k = 0; k < 2; k++) {
        while (rdo_pair_poll(&side[k], &cqe)) {
            if (cqe.status != RDO_WC_SUCCESS) {
                g_error("%s: side %d: CQE of wr %" PRIu64 ", opcode %u: "
                        "status %u", seed->name, k, cqe.wr_id, cqe.opcode,
                        cqe.status);
            }
        }
    }
    phase_end();            /* the CQ doorbells of the polls */
    g_print("%s (adapter %d first): %u bytes, %" PRIu64 " phases, %" PRIu64
            " reads, %" PRIu64 " clock steps, frames %" PRIu64 " and %"
            PRIu64 "\n", seed->name, first, R.out->len, R.phases, R.reads,
            R.steps, R.dev[0].frames_sent, R.dev[1].frames_sent);
    for (int k = 0; k < 2; k++) {
        rdo_core_destroy(&R.dev[k].core);
    }
    return R.out;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    g_mkdir_with_parents(argv[1], 0755);
    R.mem = g_malloc0(MEM_SIZE);
    R.op_fills = g_array_new(false, false, sizeof(Range));
    R.phase_ops = g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref);
    R.phase_pats = g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref);
    for (size_t i = 0; i < G_N_ELEMENTS(seeds); i++) {
        /* Which adapter's BARs the fuzzer numbers first is QEMU's
         * business: a seed for either. */
        for (int first = 0; first < 2; first++) {
            GByteArray *b = record(&seeds[i], first);
            g_autofree char *path = g_strdup_printf("%s/seed-%s-%d", argv[1],
                                                    seeds[i].name, first);
            GError *err = NULL;

            if (!g_file_set_contents(path, (const char *)b->data, b->len, &err)) {
                g_error("%s", err->message);
            }
            g_byte_array_unref(b);
        }
    }
    g_free(R.mem);
    return 0;
}
