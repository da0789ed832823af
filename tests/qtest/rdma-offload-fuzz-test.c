/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A fuzz campaign against the rdma-offload device inside QEMU: guest memory
 * full of random bytes, and on top of it plausible-but-random driver
 * behaviour: control path set-ups on random rings and context stores,
 * random commands, WQEs and doorbells (push area included), random register
 * writes (CONTROL.RESET too), Function Level Resets, MSI-X and bus-master
 * toggles, injected catastrophic errors, and virtual time. QEMU must never
 * crash or hang, and the device must work normally afterwards.
 *
 *   RDO_FUZZ_SECONDS    how long to run (default 3)
 *   RDO_FUZZ_SEED       the seed (default: random, printed)
 *   RDO_FUZZ_ITERATIONS stop after this many iterations instead (to replay)
 *
 * scripts/fuzz runs it for longer, with several seeds.
 */
#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/qgraph.h"
#include "libqos/libqos-malloc.h"
#include "libqos/rdma-offload.h"
#include "hw/pci/pci_regs.h"

#define ARENA_SIZE      (4u << 20)  /* random guest memory the fuzzer aims at */
#define CLEAN_SIZE      (1u << 20)  /* rings and stores of valid set-ups */
#define NQP             10          /* QP numbers 0..9 get plausible use */
#define WATCHDOG_S      60          /* one iteration taking longer is a hang */

/* Counters that show how deep the fuzzing got. */
static const struct {
    uint32_t reg;
    const char *name;
} coverage[] = {
    { RDO_REG_CNT_CQP_CMDS, "commands" },
    { RDO_REG_CNT_CQP_ERRORS, "failed" },
    { RDO_REG_CNT_CQES, "CQEs" },
    { RDO_REG_CNT_EQES, "EQEs" },
    { RDO_REG_CNT_MR_STALLS, "MR stalls" },
    { RDO_REG_CNT_DB_ERRORS, "doorbells refused" },
    { RDO_REG_ERR_COUNT, "register mistakes" },
    { RDO_REG_CNT_TX_PACKETS, "packets sent" },
    { RDO_REG_CNT_RX_PACKETS, "packets received" },
};
#define N_COVERAGE G_N_ELEMENTS(coverage)

typedef struct FuzzQp {
    bool known;
    uint8_t type;
    uint64_t sq_addr;
    uint8_t sq_log, sq_shift;
    uint16_t db_page;
    uint32_t sq_pi;
} FuzzQp;

typedef struct Fuzz {
    QRdmaOffload *d;
    QTestState *qts;
    GRand *rand;
    uint32_t seed;
    uint64_t arena;
    uint64_t clean, clean_used;     /* not overwritten with random bytes */
    uint64_t bar_addr[3];           /* guest addresses of BARs 0, 2, 4 */
    uint32_t bar_cfg[6];            /* BAR registers, restored after FLR */
    uint64_t cqp_ring;              /* what the last set-up wrote */
    uint32_t cqp_log;
    FuzzQp qp[NQP];
    uint64_t iterations, ops, flrs, resets, fatals, started;
    uint64_t iter_running, iter_fatal;  /* iterations ending in each state */
    /* Coverage: device counters summed over resets. */
    uint32_t cnt_last[N_COVERAGE];
    uint64_t cnt_sum[N_COVERAGE];
} Fuzz;

/* For the abort hook and the watchdog: where the run was. */
static Fuzz *fuzz_now;

static void fuzz_report(void)
{
    if (fuzz_now) {
        fprintf(stderr, "rdo-fuzz: stopped at seed %u iteration %" PRIu64
                " (replay: RDO_FUZZ_SEED=%u RDO_FUZZ_ITERATIONS=%" PRIu64 ")\n",
                fuzz_now->seed, fuzz_now->iterations, fuzz_now->seed,
                fuzz_now->iterations + 1);
    }
}

static void fuzz_abort_hook(void *data)
{
    fuzz_report();
}

static void fuzz_watchdog(int sig)
{
    static const char msg[] = "rdo-fuzz: no progress: QEMU hung?\n";

    if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
        /* nothing more to do */
    }
    fuzz_report();
    abort();
}

/* Random numbers. */

static uint32_t r32(Fuzz *f)
{
    return g_rand_int(f->rand);
}

static uint64_t r64(Fuzz *f)
{
    return (uint64_t)r32(f) << 32 | r32(f);
}

/* 0 <= n < max */
static uint32_t rn(Fuzz *f, uint32_t max)
{
    return max ? g_rand_int_range(f->rand, 0, max) : 0;
}

static bool chance(Fuzz *f, uint32_t percent)
{
    return rn(f, 100) < percent;
}

static uint32_t pick(Fuzz *f, const uint32_t *v, size_t n)
{
    return v[rn(f, n)];
}

/*
 * An address for the device to DMA to: mostly in the random arena, aligned
 * to `align`, sometimes anything, unmapped, or the device's own BARs.
 */
static uint64_t faddr(Fuzz *f, uint32_t align, uint32_t len)
{
    uint32_t room = ARENA_SIZE > len ? ARENA_SIZE - len : 1;
    uint64_t a = f->arena + rn(f, room);

    switch (rn(f, 20)) {
    case 0:
        return r64(f);
    case 1:
        return chance(f, 50) ? QRDO_UNMAPPED_ADDR : 0;
    case 2:
        return f->bar_addr[rn(f, 3)] + (rn(f, 64) << 3);
    case 3:
        return f->arena + ARENA_SIZE - 8 * rn(f, 4);   /* runs off the end */
    default:
        return align ? a & ~(uint64_t)(align - 1) : a;
    }
}

/* Guest memory the fuzzer may write: the arena and the clean region. */
static bool ours(Fuzz *f, uint64_t addr, uint32_t len)
{
    return (addr >= f->arena && addr + len <= f->arena + ARENA_SIZE) ||
           (addr >= f->clean && addr + len <= f->clean + CLEAN_SIZE);
}

/* A page-aligned place in the arena, or once in a while anything. */
static uint64_t fpage(Fuzz *f)
{
    return chance(f, 90) ? (f->arena + rn(f, ARENA_SIZE)) & ~0xfffull : faddr(f, 0, 8);
}

/* A page list of `n` pages in the arena; returns its address. */
static uint64_t fpage_list(Fuzz *f, uint32_t n)
{
    uint64_t list = faddr(f, 8, n * 8);
    uint32_t k = MIN(n, 512);
    g_autofree uint64_t *pages = g_new(uint64_t, k);

    if (!ours(f, list, k * 8)) {
        return list;    /* not ours to write: whatever is there */
    }
    for (uint32_t i = 0; i < k; i++) {
        pages[i] = fpage(f);
    }
    qtest_memwrite(f->qts, list, pages, k * 8);
    return list;
}

static void fill_random(Fuzz *f, uint64_t addr, uint32_t len)
{
    g_autofree uint32_t *buf = g_new(uint32_t, len / 4 + 1);

    for (uint32_t i = 0; i < len / 4 + 1; i++) {
        buf[i] = r32(f);
    }
    qtest_bufwrite(f->qts, addr, buf, len);
}

/* Register and doorbell access. */

static void reg_write(Fuzz *f, uint32_t reg, uint32_t v)
{
    qrdo_write(f->d, reg, v);
}

static void reg_write64(Fuzz *f, uint32_t reg_lo, uint64_t v)
{
    reg_write(f, reg_lo, (uint32_t)v);
    reg_write(f, reg_lo + 4, v >> 32);
}

static uint32_t small_obj(Fuzz *f)
{
    return chance(f, 85) ? rn(f, NQP) : r32(f) & RDO_DB_OBJ_MASK;
}

/* Operations. */

/* Zeroed guest memory in the clean region, page-aligned. */
static uint64_t clean_alloc(Fuzz *f, uint32_t len)
{
    uint64_t a = f->clean + f->clean_used;

    len = ROUND_UP(len, 4096);
    g_assert_cmpuint(f->clean_used + len, <=, CLEAN_SIZE);
    f->clean_used += len;
    qtest_memset(f->qts, a, 0, len);
    return a;
}

/* A context store of `n` pages from the clean region; its page list. */
static uint64_t clean_store(Fuzz *f, uint32_t n)
{
    uint64_t list = clean_alloc(f, n * 8);

    for (uint32_t i = 0; i < n; i++) {
        qtest_writeq(f->qts, list + i * 8, clean_alloc(f, 4096));
    }
    return list;
}

/*
 * Set-up registers for the control path, then start it: after a reset, on
 * valid rings and stores of its own, most of the time, so that objects get
 * created and used; otherwise on random ones, anywhere.
 */
static void op_setup(Fuzz *f)
{
    static const uint32_t logs[] = { 1, 2, 3, 4, 5, 6, 12, 0, 13 };
    uint32_t qpc_pages = chance(f, 80) ? 1 + rn(f, 8) : r32(f) % 100;
    uint32_t mrc_pages = chance(f, 80) ? 1 + rn(f, 8) : r32(f) % 100;

    if (chance(f, 70)) {
        reg_write(f, RDO_REG_CONTROL, RDO_CONTROL_RESET);
        f->clean_used = 0;
        f->cqp_log = 3 + rn(f, 4);
        f->cqp_ring = clean_alloc(f, RDO_CQP_CMD_SIZE << f->cqp_log);
        reg_write64(f, RDO_REG_CQP_RING_LO, f->cqp_ring);
        reg_write64(f, RDO_REG_CQP_COMP_LO,
                    clean_alloc(f, RDO_CQP_COMP_SIZE << f->cqp_log));
        reg_write64(f, RDO_REG_EQ0_RING_LO, clean_alloc(f, 16 << 8));
        reg_write(f, RDO_REG_EQ0_LOG_SIZE, 8);
        reg_write64(f, RDO_REG_QPC_PGLIST_LO, clean_store(f, 1));
        reg_write64(f, RDO_REG_MRC_PGLIST_LO, clean_store(f, 1));
        reg_write(f, RDO_REG_QPC_PAGES, 1);
        reg_write(f, RDO_REG_MRC_PAGES, 1);
    } else {
        f->cqp_log = chance(f, 90) ? pick(f, logs, 7) : pick(f, logs, G_N_ELEMENTS(logs));
        f->cqp_ring = faddr(f, RDO_CQP_CMD_SIZE,
                            RDO_CQP_CMD_SIZE << MIN(f->cqp_log, 12));
        reg_write64(f, RDO_REG_CQP_RING_LO, f->cqp_ring);
        reg_write64(f, RDO_REG_CQP_COMP_LO, faddr(f, RDO_CQP_COMP_SIZE, 4096));
        reg_write64(f, RDO_REG_EQ0_RING_LO, faddr(f, 16, 4096));
        reg_write(f, RDO_REG_EQ0_LOG_SIZE, chance(f, 90) ? 1 + rn(f, 8) : r32(f) % 20);
        reg_write64(f, RDO_REG_QPC_PGLIST_LO, fpage_list(f, qpc_pages));
        reg_write(f, RDO_REG_QPC_PAGES, qpc_pages);
        reg_write64(f, RDO_REG_MRC_PGLIST_LO, fpage_list(f, mrc_pages));
        reg_write(f, RDO_REG_MRC_PAGES, mrc_pages);
    }
    reg_write(f, RDO_REG_CQP_LOG_SIZE, f->cqp_log);
    reg_write(f, RDO_REG_CONTROL, RDO_CONTROL_ENABLE | RDO_CONTROL_CQP_ENABLE);
    if (qrdo_read(f->d, RDO_REG_STATUS) & RDO_STATUS_CQP_READY) {
        f->started++;
    }
    memset(f->qp, 0, sizeof(f->qp));
}

static void fill_modify(Fuzz *f, struct rdo_cmd_modify_qp *m)
{
    m->state = chance(f, 90) ? rn(f, RDO_QPS__COUNT) : r32(f);
    m->mask = chance(f, 70) ? r32(f) & RDO_QP_ATTR__ALL : r32(f);
    m->cur_state = rn(f, RDO_QPS__COUNT);
    m->modify_flags = chance(f, 80) ? rn(f, 2) : r32(f);
    m->path_mtu = rn(f, 7);
    m->dest_qpn = chance(f, 80) ? rn(f, 1 << 24) : r32(f);
    m->rq_psn = chance(f, 80) ? rn(f, 1 << 24) : r32(f);
    m->sq_psn = chance(f, 80) ? rn(f, 1 << 24) : r32(f);
    m->access = chance(f, 80) ? rn(f, 16) : r32(f);
    if (chance(f, 50)) {
        /* The port's own MAC and GIDs: the frames come back through its
         * loopback, so the receive path meets the fuzzed QPs too. */
        uint32_t lo = QRDO_TEST_MAC_LO;
        uint16_t hi = QRDO_TEST_MAC_HI;

        memcpy(m->dmac, &lo, 4);            /* little-endian, like the regs */
        memcpy(m->dmac + 4, &hi, 2);
        m->dgid[10] = m->dgid[11] = 0xff;
        m->dgid[15] = rn(f, 4);
        m->dest_qpn = rn(f, 16);
    } else {
        m->dmac[0] &= chance(f, 80) ? 0xfe : 0xff;
    }
    m->sgid_index = rn(f, 20);
    m->timeout = rn(f, 34);
    m->retry_cnt = rn(f, 9);
    m->rnr_retry = rn(f, 9);
    m->min_rnr_timer = rn(f, 34);
    m->max_rd_atomic = rn(f, 18);
    m->max_dest_rd_atomic = rn(f, 18);
}

static void fill_create_qp(Fuzz *f, struct rdo_cqp_cmd *c)
{
    struct rdo_cmd_create_qp *a = &c->u.create_qp;
    bool shared = chance(f, 10);

    a->type = chance(f, 95) ? rn(f, RDO_QPT__COUNT) : r32(f);
    a->flags = chance(f, 90) ? (chance(f, 20) ? RDO_QP_F_SRQ : 0) |
                               (shared ? RDO_QP_F_SHARED_SQ : 0) |
                               (chance(f, 20) ? RDO_QP_F_SELECTIVE_SIGNAL : 0)
                             : r32(f);
    a->db_page = chance(f, 90) ? rn(f, 4) : r32(f);
    a->pdn = rn(f, 4);
    a->send_cqn = rn(f, 5);
    a->recv_cqn = rn(f, 5);
    a->srqn = rn(f, 4);
    a->ssq_qpn = rn(f, NQP);
    a->sq_log_size = shared ? 0 : (chance(f, 90) ? 1 + rn(f, 6) : r32(f) % 20);
    a->sq_wqe_shift = chance(f, 90) ? 6 + rn(f, 5) : r32(f) % 16;
    a->sq_ring_flags = chance(f, 80) ? 0 : rn(f, 3);
    a->sq_addr = shared ? 0 : a->sq_ring_flags ? fpage_list(f, 8)
                                               : faddr(f, 1024, 1u << 16);
    a->rq_log_size = chance(f, 90) ? 1 + rn(f, 6) : r32(f) % 20;
    a->rq_wqe_shift = chance(f, 90) ? 4 + rn(f, 7) : r32(f) % 16;
    a->rq_ring_flags = chance(f, 80) ? 0 : rn(f, 3);
    a->rq_addr = a->rq_ring_flags ? fpage_list(f, 8) : faddr(f, 1024, 1u << 16);
    a->max_inline = chance(f, 80) ? rn(f, 256) : r32(f);
    if (a->type == RDO_QPT_SSQ || (a->flags & RDO_QP_F_SRQ && chance(f, 80))) {
        a->rq_log_size = 0;
        a->rq_addr = 0;
    }
    if (c->obj < NQP && !a->sq_ring_flags && a->sq_log_size <= 15 &&
        a->sq_wqe_shift <= 10) {
        /* Remember it for WQEs, whether or not the command succeeds. */
        f->qp[c->obj] = (FuzzQp){ true, a->type, a->sq_addr, a->sq_log_size,
                                  a->sq_wqe_shift, a->db_page, 0 };
    }
}

/* A CQ ring (CREATE_CQ, RESIZE_CQ): mostly sane, now and then not. */
static void fill_cq_ring(Fuzz *f, uint64_t *addr, uint8_t *log_size,
                         uint8_t *flags)
{
    *log_size = chance(f, 90) ? 1 + rn(f, 8) : r32(f);
    *flags = chance(f, 80) ? 0 : rn(f, 3);
    *addr = *flags ? fpage_list(f, 8) : faddr(f, 32, 8192);
}

/* A command that is mostly well-formed, with random parts. */
static void make_cmd(Fuzz *f, struct rdo_cqp_cmd *c)
{
    static const uint32_t ops[] = {
        RDO_CMD_NOP, RDO_CMD_QUERY_DEVICE, RDO_CMD_QUERY_PORT, RDO_CMD_SET_PORT,
        RDO_CMD_SET_GID, RDO_CMD_CREATE_EQ, RDO_CMD_DESTROY_EQ, RDO_CMD_CREATE_CQ,
        RDO_CMD_DESTROY_CQ, RDO_CMD_CREATE_PD, RDO_CMD_DESTROY_PD,
        RDO_CMD_CREATE_QP, RDO_CMD_CREATE_QP, RDO_CMD_MODIFY_QP,
        RDO_CMD_MODIFY_QP, RDO_CMD_MODIFY_QP, RDO_CMD_QUERY_QP,
        RDO_CMD_DESTROY_QP, RDO_CMD_CREATE_SRQ, RDO_CMD_DESTROY_SRQ,
        RDO_CMD_REG_MR, RDO_CMD_REG_MR, RDO_CMD_DEREG_MR,
        RDO_CMD_MODIFY_CQ, RDO_CMD_RESIZE_CQ, RDO_CMD_MODIFY_SRQ,
        RDO_CMD_ALLOC_MR, RDO_CMD_ALLOC_MR, RDO_CMD_QUERY_COUNTERS,
        RDO_CMD_REREG_MR, RDO_CMD_REREG_MR, RDO_CMD_ATTACH_MCAST,
        RDO_CMD_ATTACH_MCAST, RDO_CMD_DETACH_MCAST,
        RDO_CMD_ALLOC_MW, RDO_CMD_ALLOC_MW, RDO_CMD_DEALLOC_MW,
    };
    uint32_t *w = (uint32_t *)c;

    for (size_t i = 0; i < sizeof(*c) / 4; i++) {
        w[i] = r32(f);
    }
    if (chance(f, 3)) {
        return;                             /* all random */
    }
    c->opcode = chance(f, 95) ? pick(f, ops, G_N_ELEMENTS(ops)) : r32(f);
    c->flags = chance(f, 95) ? rn(f, 2) : r32(f);
    c->reserved0 = chance(f, 95) ? 0 : r32(f);
    c->reserved1 = chance(f, 95) ? 0 : r64(f);
    c->obj = small_obj(f);
    c->out_addr = faddr(f, 8, sizeof(struct rdo_port_counters));
    if (chance(f, 10)) {
        return;                             /* random arguments */
    }
    memset(&c->u, 0, sizeof(c->u));
    switch (c->opcode) {
    case RDO_CMD_QUERY_COUNTERS:
        /* The extended blocks, whole or a prefix, or a length refused. */
        c->u.query_counters.out_len = chance(f, 80) ?
                                      rn(f, 6) * RDO_COUNTER_BLOCK : r32(f);
        c->out_addr = faddr(f, 8, RDO_COUNTERS_LEN);
        break;
    case RDO_CMD_SET_PORT:
        c->u.set_port.mask = rn(f, 4);
        c->u.set_port.mtu = 500 + rn(f, 9000);
        c->u.set_port.mac[0] = rn(f, 4);
        break;
    case RDO_CMD_SET_GID:
        c->u.set_gid.valid = chance(f, 90) ? 1 : rn(f, 3);
        c->u.set_gid.gid[10] = c->u.set_gid.gid[11] = 0xff;
        c->u.set_gid.gid[15] = chance(f, 50) ? rn(f, 4) : r32(f);
        break;
    case RDO_CMD_CREATE_EQ:
        c->u.create_eq.log_size = chance(f, 90) ? 1 + rn(f, 8) : r32(f);
        c->u.create_eq.ring_flags = chance(f, 80) ? 0 : rn(f, 3);
        c->u.create_eq.ring_addr = c->u.create_eq.ring_flags ?
                                   fpage_list(f, 4) : faddr(f, 16, 4096);
        c->u.create_eq.vector = chance(f, 90) ? rn(f, 32) : r32(f);
        break;
    case RDO_CMD_CREATE_CQ:
        fill_cq_ring(f, &c->u.create_cq.ring_addr, &c->u.create_cq.log_size,
                     &c->u.create_cq.ring_flags);
        c->u.create_cq.db_page = chance(f, 90) ? rn(f, 4) : r32(f);
        c->u.create_cq.eqn = rn(f, 5);
        break;
    case RDO_CMD_CREATE_QP:
        fill_create_qp(f, c);
        break;
    case RDO_CMD_MODIFY_QP:
        if (c->obj < NQP && f->qp[c->obj].known && chance(f, 60)) {
            /* What the next step up to RTS needs, sometimes spoiled. */
            static const uint32_t to[] = { RDO_QPS_INIT, RDO_QPS_RTR, RDO_QPS_RTS };

            c->u = rdo_cmd_modify_qp_std(c->obj, f->qp[c->obj].type,
                                          pick(f, to, 3)).u;
            if (chance(f, 10)) {
                c->u.modify_qp.mask ^= 1u << rn(f, 14);
            }
        } else if (chance(f, 20)) {
            c->u.modify_qp.state = chance(f, 70) ? RDO_QPS_ERR : RDO_QPS_RESET;
        } else {
            fill_modify(f, &c->u.modify_qp);
        }
        break;
    case RDO_CMD_CREATE_SRQ:
        c->u.create_srq.log_size = chance(f, 90) ? 1 + rn(f, 8) : r32(f);
        c->u.create_srq.wqe_shift = chance(f, 90) ? 4 + rn(f, 7) : r32(f);
        c->u.create_srq.ring_flags = chance(f, 80) ? 0 : rn(f, 3);
        c->u.create_srq.ring_addr = c->u.create_srq.ring_flags ?
                                    fpage_list(f, 8) : faddr(f, 1024, 1u << 16);
        c->u.create_srq.db_page = rn(f, 4);
        c->u.create_srq.pdn = rn(f, 4);
        break;
    case RDO_CMD_MODIFY_CQ:
        c->u.modify_cq.moderation_count = chance(f, 90) ? rn(f, 64) : r32(f);
        c->u.modify_cq.moderation_usec = chance(f, 90) ? rn(f, 5000) : r32(f);
        break;
    case RDO_CMD_RESIZE_CQ:
        fill_cq_ring(f, &c->u.resize_cq.ring_addr, &c->u.resize_cq.log_size,
                     &c->u.resize_cq.ring_flags);
        break;
    case RDO_CMD_ATTACH_MCAST:
    case RDO_CMD_DETACH_MCAST:
        /* ff0e::N or 239.0.0.N mostly, a few groups; sometimes unicast. */
        if (chance(f, 50)) {
            c->u.mcast.gid[0] = chance(f, 90) ? 0xff : r32(f);
        } else {
            c->u.mcast.gid[10] = c->u.mcast.gid[11] = 0xff;
            c->u.mcast.gid[12] = chance(f, 90) ? 239 : r32(f);
        }
        c->u.mcast.gid[15] = rn(f, 4);
        break;
    case RDO_CMD_CREATE_PD:
        c->u.create_pd.flags = chance(f, 90) ? rn(f, 2) : r32(f);
        break;
    case RDO_CMD_MODIFY_SRQ:
        c->u.modify_srq.limit = chance(f, 90) ? rn(f, 300) : r32(f);
        break;
    case RDO_CMD_ALLOC_MR:
        c->u.alloc_mr.pdn = rn(f, 4);
        c->u.alloc_mr.max_pages = chance(f, 90) ? 1 + rn(f, 5000) : r32(f);
        c->u.alloc_mr.max_access = chance(f, 90) ? rn(f, 16) : r32(f);
        c->u.alloc_mr.key = r32(f);
        break;
    case RDO_CMD_ALLOC_MW:
        c->u.alloc_mw.pdn = rn(f, 4);
        c->u.alloc_mw.type = chance(f, 90) ? 1 + rn(f, 2) : r32(f);
        c->u.alloc_mw.key = r32(f);
        c->u.alloc_mw.reserved0 = chance(f, 95) ? 0 : r32(f);
        c->u.alloc_mw.reserved1[0] = c->u.alloc_mw.reserved1[1] = 0;
        break;
    case RDO_CMD_REREG_MR:
    case RDO_CMD_REG_MR: {
        /* REREG_MR's fields up to access lie where REG_MR's do. */
        struct rdo_cmd_reg_mr *a = &c->u.reg_mr;
        uint32_t pages = chance(f, 95) ? 1 + rn(f, 64) : 1 + rn(f, 1 << 21);

        a->num_pages = pages;
        a->page_shift = chance(f, 90) ? 12 + rn(f, 3) : rn(f, 40);
        a->page_list = fpage_list(f, pages);
        a->iova = chance(f, 50) ? r64(f) & ~0xfffull : r64(f);
        a->length = chance(f, 90) ? rn(f, pages) * 4096ull + rn(f, 4096) : r64(f);
        a->key = chance(f, 90) ? rn(f, 4) : r32(f);
        a->access = chance(f, 90) ? rn(f, 16) : r32(f);
        a->pdn = rn(f, 4);
        if (c->opcode == RDO_CMD_REREG_MR) {
            c->u.rereg_mr.mask = chance(f, 90) ? rn(f, 8) : r32(f);
        }
        break;
    }
    }
}

/*
 * Writes `n` commands (from `cmds`, or made up when NULL) into the ring the
 * last set-up named, at the device's CQP_PI, and rings the doorbell.
 */
static void post_commands(Fuzz *f, struct rdo_cqp_cmd *cmds, uint32_t n)
{
    uint32_t size = 1u << MIN(MAX(f->cqp_log, 1), 12);
    uint32_t pi = qrdo_read(f->d, RDO_REG_CQP_PI);

    for (uint32_t i = 0; i < n; i++) {
        struct rdo_cqp_cmd c;
        uint64_t slot = f->cqp_ring + (uint64_t)((pi + i) & (size - 1)) * sizeof(c);

        if (cmds) {
            c = cmds[i];
        } else {
            make_cmd(f, &c);
        }
        if (ours(f, slot, sizeof(c))) {
            qtest_memwrite(f->qts, slot, &c, sizeof(c));
        }
    }
    reg_write(f, RDO_REG_CQP_PI, chance(f, 95) ? pi + n : r32(f));
}

/* Room in the command ring, as the device sees it. */
static uint32_t cqp_room(Fuzz *f)
{
    uint32_t size = 1u << MIN(MAX(f->cqp_log, 1), 12);
    uint32_t pi = qrdo_read(f->d, RDO_REG_CQP_PI);
    uint32_t ci = qrdo_read(f->d, RDO_REG_CQP_CI);

    return size - MIN(pi - ci, size);
}

static void op_commands(Fuzz *f)
{
    uint32_t size = 1u << MIN(MAX(f->cqp_log, 1), 12);

    post_commands(f, NULL, chance(f, 90) ? rn(f, MIN(cqp_room(f), 16) + 1)
                                         : rn(f, size + 2));
}

/*
 * A valid object graph in one batch, as a driver builds it: GID 0, a PD, a
 * CQ, a QP taken to RTS, an MR. Random operations then have something real
 * to work on (and to break).
 */
static void op_build(Fuzz *f)
{
    static const uint8_t types[] = { RDO_QPT_UD, RDO_QPT_RC, RDO_QPT_UC };
    uint8_t gid[16] = { [10] = 0xff, [11] = 0xff, [12] = 10, [15] = 1 };
    uint32_t pdn = rn(f, 4), cqn = rn(f, 5), qpn = 2 + rn(f, NQP - 2);
    uint32_t mr = rn(f, NQP), pages = 1 + rn(f, 16);
    uint8_t type = types[rn(f, 3)];
    uint64_t cq = faddr(f, 4096, 32 << 6);
    uint64_t sq = (f->arena + rn(f, ARENA_SIZE - 8192)) & ~1023ull;
    struct rdo_cqp_cmd c[9];

    if (cqp_room(f) < G_N_ELEMENTS(c)) {
        return;
    }
    c[0] = rdo_cmd_set_gid(0, gid, 1);
    c[1] = rdo_cmd_new(RDO_CMD_CREATE_PD, pdn);
    c[2] = rdo_cmd_create_cq(cqn, cq, 6, 0, 0);
    c[3] = rdo_cmd_create_qp(qpn, type, pdn, cqn, sq, sq + 4096);
    c[4] = rdo_cmd_modify_qp_std(qpn, type, RDO_QPS_INIT);
    c[5] = rdo_cmd_modify_qp_std(qpn, type, RDO_QPS_RTR);
    c[6] = rdo_cmd_modify_qp_std(qpn, type, RDO_QPS_RTS);
    c[7] = rdo_cmd_reg_mr(mr, rn(f, 4), pdn, r64(f) & ~0xfffull,
                           pages * 4096ull, fpage_list(f, pages), pages);
    c[7].u.reg_mr.access |= chance(f, 50) ? RDO_ACCESS_MW_BIND : 0;
    c[8] = chance(f, 50) ? rdo_cmd_new(RDO_CMD_NOP, 0) :
           rdo_cmd_alloc_mw(mr + 1, rn(f, 4), pdn, 1 + rn(f, 2));
    if (chance(f, 20)) {
        c[rn(f, G_N_ELEMENTS(c))].u.raw[rn(f, 96)] ^= 1u << rn(f, 8);
    }
    f->qp[qpn] = (FuzzQp){ true, type, sq, QRDO_SQ_LOG_SIZE, QRDO_SQ_WQE_SHIFT,
                           0, 0 };
    post_commands(f, c, G_N_ELEMENTS(c));
}

/* A send WQE on a QP the fuzzer created (or tried to), and its doorbell. */
static void op_wqe(Fuzz *f)
{
    FuzzQp *q = &f->qp[rn(f, NQP)];
    struct rdo_send_wqe w;
    uint32_t qpn = q - f->qp;
    uint64_t slot;

    if (!q->known) {
        return;
    }
    memset(&w, 0, sizeof(w));
    w.wr_id = r64(f);
    w.opcode = chance(f, 60) ? RDO_WR_LOCAL_INV :
               chance(f, 30) ? RDO_WR_BIND_MW :
               chance(f, 90) ? rn(f, RDO_WR__COUNT + 1) : r32(f);
    w.flags = chance(f, 80) ? rn(f, 16) : r32(f);
    w.num_sge = rn(f, 8);
    w.imm_or_rkey = chance(f, 80) ? RDO_MR_KEY(rn(f, NQP), rn(f, 4)) : r32(f);
    w.conn_qpn = rn(f, NQP);
    if (w.opcode == RDO_WR_BIND_MW) {
        /* The window (imm_or_rkey), the MR, a range, rights. */
        struct rdo_bind_mw_wqe b;

        memcpy(&b, &w, sizeof(b));
        b.new_tag = r32(f);
        b.mr_key = chance(f, 80) ? RDO_MR_KEY(rn(f, NQP), rn(f, 4)) : r32(f);
        b.addr = chance(f, 80) ? rn(f, 1 << 20) : r64(f);
        b.length = chance(f, 80) ? rn(f, 1 << 16) : r64(f);
        b.access = chance(f, 90) ? rn(f, 32) : r32(f);
        memcpy(&w, &b, sizeof(w));
    }
    if (chance(f, 10)) {
        uint32_t *words = (uint32_t *)&w;

        for (size_t i = 0; i < sizeof(w) / 4; i++) {
            words[i] = r32(f);
        }
    }
    slot = q->sq_addr + ((uint64_t)(q->sq_pi & ((1u << q->sq_log) - 1)) << q->sq_shift);
    if (ours(f, slot, sizeof(w))) {
        qtest_memwrite(f->qts, slot, &w, sizeof(w));
    }
    q->sq_pi += chance(f, 90) ? 1 : r32(f);
    qrdo_db_write(f->d, chance(f, 90) ? q->db_page : rn(f, 4), RDO_DB_SQ,
                  RDO_DB_VALUE(qpn, 0, q->sq_pi));
}

/* Any doorbell: queue doorbells with small objects, odd sizes, push area. */
static void op_doorbell(Fuzz *f)
{
    static const uint32_t regs[] = {
        RDO_DB_SQ, RDO_DB_RQ, RDO_DB_CQ, RDO_DB_SRQ, RDO_DB_EQ, RDO_DB_PUSH_RAM,
    };
    uint64_t pages = f->d->doorbells_size >> RDO_DB_PAGE_SHIFT;
    uint64_t page = chance(f, 90) ? rn(f, 4) : rn(f, pages);
    uint32_t reg = chance(f, 70) ? pick(f, regs, G_N_ELEMENTS(regs))
                 : chance(f, 50) ? RDO_DB_PUSH + rn(f, RDO_DB_PUSH_SIZE)
                                 : rn(f, RDO_DB_PAGE_SIZE);
    uint64_t off = (page << RDO_DB_PAGE_SHIFT) + reg;
    uint64_t v = RDO_DB_VALUE(small_obj(f), chance(f, 70) ? rn(f, 4) << 24 : r32(f),
                              chance(f, 70) ? rn(f, 64) : r32(f));
    QPCIBar bar = f->d->doorbells;

    if (off + 8 > f->d->doorbells_size) {
        off = f->d->doorbells_size - 8;
    }
    switch (chance(f, 80) ? 3 : rn(f, 4)) {
    case 0: qpci_io_writeb(&f->d->pci, bar, off, v); break;
    case 1: qpci_io_writew(&f->d->pci, bar, off, v); break;
    case 2: qpci_io_writel(&f->d->pci, bar, off, v); break;
    default: qpci_io_writeq(&f->d->pci, bar, off & (chance(f, 95) ? ~7ull : ~0ull), v);
    }
}

/* Any register: known ones mostly, CONTROL with RESET sometimes. */
static void op_register(Fuzz *f)
{
    uint32_t reg = chance(f, 80) ? rn(f, 0x240) & ~3u : rn(f, RDO_BAR_REGS_SIZE - 8);

    if (chance(f, 10)) {
        reg_write(f, RDO_REG_CONTROL, r32(f) & (chance(f, 95) ? 0x3u : 0x80000003u));
    } else if (chance(f, 50)) {
        qrdo_read(f->d, reg);
    } else if (chance(f, 90)) {
        reg_write(f, reg, chance(f, 50) ? r32(f) : rn(f, 64));
    } else {
        qpci_io_writeq(&f->d->pci, f->d->regs, reg, r64(f));
    }
}

/* Function Level Reset, putting the BARs back where they were. */
static void op_flr(Fuzz *f)
{
    QPCIDevice *pci = &f->d->pci;
    uint8_t exp = qpci_find_capability(pci, PCI_CAP_ID_EXP, 0);

    qpci_config_writew(pci, exp + PCI_EXP_DEVCTL,
                       qpci_config_readw(pci, exp + PCI_EXP_DEVCTL) |
                       PCI_EXP_DEVCTL_BCR_FLR);
    for (int i = 0; i < 6; i++) {
        qpci_config_writel(pci, PCI_BASE_ADDRESS_0 + 4 * i, f->bar_cfg[i]);
    }
    qpci_config_writew(pci, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    f->flrs++;
}

/* MSI-X on or off, a vector pointed into the arena, masked or not. */
static void op_msix(Fuzz *f)
{
    QPCIDevice *pci = &f->d->pci;
    uint8_t cap = qpci_find_capability(pci, PCI_CAP_ID_MSIX, 0);
    uint16_t flags = qpci_config_readw(pci, cap + PCI_MSIX_FLAGS);

    if (chance(f, 30)) {
        flags ^= PCI_MSIX_FLAGS_ENABLE;
        qpci_config_writew(pci, cap + PCI_MSIX_FLAGS, flags);
    } else {
        qrdo_msix_set(f->d, rn(f, 32), faddr(f, 4, 4), r32(f), chance(f, 30));
    }
}

/* Bus mastering off makes every DMA fail; memory decoding stays on. */
static void op_bus_master(Fuzz *f)
{
    qpci_config_writew(&f->d->pci, PCI_COMMAND, PCI_COMMAND_MEMORY |
                       (chance(f, 80) ? PCI_COMMAND_MASTER : 0));
}

/*
 * One operation. Those that wipe the device's state are rare, so that
 * objects live long enough to be used.
 */
static void op_one(Fuzz *f)
{
    uint32_t r = rn(f, 1000);

    f->ops++;
    if (r < 8) {
        op_setup(f);                    /* 0.8% */
    } else if (r < 50) {
        op_build(f);                    /* 4.2% */
    } else if (r < 300) {
        op_commands(f);                 /* 25% */
    } else if (r < 500) {
        op_wqe(f);                      /* 20% */
    } else if (r < 700) {
        op_doorbell(f);                 /* 20% */
    } else if (r < 800) {
        op_register(f);                 /* 10% */
    } else if (r < 900) {               /* 10% */
        /* qtest refuses a step of 0 */
        qtest_clock_step(f->qts, 1 + (chance(f, 80) ? rn(f, 20000)
                                                    : rn(f, 20 * 1000 * 1000)));
    } else if (r < 950) {               /* 5% */
        fill_random(f, f->arena + (rn(f, ARENA_SIZE) & ~7u), 8 + rn(f, 4096));
    } else if (r < 980) {
        op_msix(f);                     /* 3% */
    } else if (r < 990) {
        op_bus_master(f);               /* 1% */
    } else if (r < 995) {
        op_flr(f);                      /* 0.5% */
    } else if (r < 997) {
        qrdo_inject_fatal(f->d);        /* 0.2% */
        f->fatals++;
    } else {
        reg_write(f, RDO_REG_CONTROL, RDO_CONTROL_RESET);
        f->resets++;                    /* 0.3% */
    }
}

/* Adds up the coverage counters; a drop means the device was reset. */
static void sample(Fuzz *f)
{
    uint32_t status = qrdo_read(f->d, RDO_REG_STATUS);

    f->iter_fatal += !!(status & RDO_STATUS_FATAL);
    f->iter_running += !!(status & RDO_STATUS_CQP_READY);
    for (size_t i = 0; i < N_COVERAGE; i++) {
        uint32_t v = qrdo_read(f->d, coverage[i].reg);

        f->cnt_sum[i] += v >= f->cnt_last[i] ? v - f->cnt_last[i] : v;
        f->cnt_last[i] = v;
    }
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
    const char *v = g_getenv(name);

    return v && *v ? g_ascii_strtoull(v, NULL, 0) : dflt;
}

static void test_fuzz(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    Fuzz f = { .d = d, .qts = d->pci.bus->qts };
    uint64_t seconds = env_u64("RDO_FUZZ_SECONDS", 3);
    uint64_t max_iter = env_u64("RDO_FUZZ_ITERATIONS", 0);
    int64_t start = g_get_monotonic_time(), end = start + seconds * G_USEC_PER_SEC;
    QRdoDriver drv;

    f.seed = env_u64("RDO_FUZZ_SEED", g_random_int());
    f.rand = g_rand_new_with_seed(f.seed);
    g_test_message("rdo-fuzz: seed %u, %s %" PRIu64, f.seed,
                   max_iter ? "iterations" : "seconds", max_iter ? max_iter : seconds);
    fprintf(stderr, "rdo-fuzz: seed %u\n", f.seed);

    f.arena = guest_alloc(alloc, ARENA_SIZE);
    g_assert_cmphex(f.arena & 0xfff, ==, 0);
    f.clean = guest_alloc(alloc, CLEAN_SIZE);
    for (uint32_t off = 0; off < ARENA_SIZE; off += 65536) {
        fill_random(&f, f.arena + off, 65536);
    }
    qpci_msix_enable(&d->pci);
    f.bar_addr[0] = d->regs.addr;
    f.bar_addr[1] = d->doorbells.addr;
    f.bar_addr[2] = d->pci.msix_table_bar.addr;
    for (int i = 0; i < 6; i++) {
        f.bar_cfg[i] = qpci_config_readl(&d->pci, PCI_BASE_ADDRESS_0 + 4 * i);
    }

    fuzz_now = &f;
    qtest_add_abrt_handler(fuzz_abort_hook, &f);
    signal(SIGALRM, fuzz_watchdog);
    op_setup(&f);
    while (max_iter ? f.iterations < max_iter : g_get_monotonic_time() < end) {
        alarm(WATCHDOG_S);
        for (int i = 0, n = 1 + rn(&f, 32); i < n; i++) {
            op_one(&f);
        }
        /* The device still answers with its identity. */
        g_assert_cmphex(qrdo_read(d, RDO_REG_ID), ==, RDO_ID_MAGIC);
        sample(&f);
        f.iterations++;
    }
    alarm(0);

    /* Afterwards it works like a new device. */
    op_flr(&f);
    qrdo_drv_start(&drv, d, alloc);
    qrdo_drv_assert_alive(&drv);
    qtest_remove_abrt_handler(&f);
    fuzz_now = NULL;

    g_test_message("rdo-fuzz: seed %u: %" PRIu64 " iterations, %" PRIu64
                   " operations in %.1f s; %" PRIu64 " control path starts, %"
                   PRIu64 " resets, %" PRIu64 " FLRs, %" PRIu64 " injected fatal",
                   f.seed, f.iterations, f.ops,
                   (g_get_monotonic_time() - start) / 1e6, f.started, f.resets,
                   f.flrs, f.fatals);
    g_test_message("rdo-fuzz:   iterations ending with the control path running %"
                   PRIu64 ", in the catastrophic state %" PRIu64,
                   f.iter_running, f.iter_fatal);
    for (size_t i = 0; i < N_COVERAGE; i++) {
        g_test_message("rdo-fuzz:   %-18s %" PRIu64, coverage[i].name, f.cnt_sum[i]);
    }
    g_rand_free(f.rand);
}

/* A port on a hub of its own: the link is up, and only the loopback
 * answers. */
static void *fuzz_netdev(GString *cmd_line, void *arg)
{
    g_string_append(cmd_line, " -netdev hubport,id=fz,hubid=7 ");
    return arg;
}

static void rdo_fuzz_register_tests(void)
{
    qos_add_test("fuzz", "rdma-offload", test_fuzz, &(QOSGraphTestOptions) {
        .before = fuzz_netdev,
        .edge.extra_device_opts = "netdev=fz",
    });
}

libqos_init(rdo_fuzz_register_tests);
