/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the control path's objects in the state stream. Each
 * kind is one section with a save and a load function; a loader fills a
 * core that was just reset and refuses anything a later use would trust:
 * indexes, ring shapes, producer/consumer distances, references to other
 * objects. rdo_state_objects_check then checks the counts of users and
 * the pending registrations against what was loaded.
 */
#include <inttypes.h>
#include <string.h>
#include "state/state.h"

/* Every numeric parameter by name: the destination must be configured the
 * same (QEMU's rule for device properties), so that sizes agree. */
static void config_save(RdoCore *core, RdoOut *o)
{
    rdo_out_u32(o, rdo_config_n_params + 1);
    for (size_t i = 0; i < rdo_config_n_params; i++) {
        const RdoConfigParam *p = &rdo_config_params[i];
        size_t n = strlen(p->name);

        rdo_out_u8(o, n);
        rdo_out_bytes(o, p->name, n);
        rdo_out_u64(o, rdo_config_param_get(&core->cfg, p));
    }
    rdo_out_u8(o, 6);
    rdo_out_bytes(o, "timing", 6);
    rdo_out_u64(o, core->cfg.tm.on);
}

static void config_load(RdoCore *core, RdoIn *in)
{
    uint32_t n = rdo_in_count(in, 4096, 9, "parameters");
    g_autofree bool *seen = g_new0(bool, rdo_config_n_params);

    for (uint32_t k = 0; k < n && rdo_in_ok(in); k++) {
        char name[256];
        uint8_t len = rdo_in_u8(in);
        uint64_t v, mine;
        size_t i;

        rdo_in_bytes(in, name, len);
        name[len] = 0;
        v = rdo_in_u64(in);
        if (!rdo_in_ok(in)) {
            return;
        }
        if (!strcmp(name, "timing")) {
            rdo_in_check(in, v == core->cfg.tm.on, "timing=%s in the stream, "
                         "%s here", v ? "on" : "off",
                         core->cfg.tm.on ? "on" : "off");
            continue;
        }
        for (i = 0; i < rdo_config_n_params; i++) {
            if (!strcmp(rdo_config_params[i].name, name)) {
                break;
            }
        }
        if (!rdo_in_check(in, i < rdo_config_n_params,
                          "parameter %.64s unknown here", name)) {
            return;
        }
        mine = rdo_config_param_get(&core->cfg, &rdo_config_params[i]);
        rdo_in_check(in, v == mine, "%s=%" G_GUINT64_FORMAT " in the stream, %"
                     G_GUINT64_FORMAT " here", name, v, mine);
        seen[i] = true;
    }
    /* A parameter the source did not have yet: it ran with the default. */
    for (size_t i = 0; i < rdo_config_n_params && rdo_in_ok(in); i++) {
        const RdoConfigParam *p = &rdo_config_params[i];

        rdo_in_check(in, seen[i] || rdo_config_param_get(&core->cfg, p) == p->def,
                     "%s not in the stream and not at its default here",
                     p->name);
    }
}

static void regs_save(RdoCore *core, RdoOut *o)
{
    const RdoRegs *r = &core->regs;

    rdo_out_u32(o, r->control);
    rdo_out_u32(o, r->scratch);
    rdo_out_u32(o, r->err_count);
    rdo_out_u32(o, r->err_last);
    rdo_out_u64(o, r->err_addr);
    rdo_out_u32(o, r->db_writes);
    rdo_out_u32(o, r->irq_test_count);
    rdo_out_u64(o, r->cqp_ring);
    rdo_out_u64(o, r->cqp_comp);
    rdo_out_u32(o, r->cqp_log_size);
    rdo_out_u64(o, r->eq0_ring);
    rdo_out_u32(o, r->eq0_log_size);
    rdo_out_u64(o, r->qpc_pglist);
    rdo_out_u64(o, r->mrc_pglist);
    rdo_out_u32(o, r->qpc_pages);
    rdo_out_u32(o, r->mrc_pages);
    rdo_out_u32(o, r->fatal_cause);
    rdo_out_u8(o, core->link_up);
    rdo_out_u64(o, core->rx_frames_ignored);
    rdo_out_u32(o, core->st->port_mtu);
    rdo_out_bytes(o, core->st->port_mac, 6);
}

static void regs_load(RdoCore *core, RdoIn *in)
{
    RdoRegs *r = &core->regs;
    uint32_t bad;

    r->control = rdo_in_u32(in);
    r->scratch = rdo_in_u32(in);
    r->err_count = rdo_in_u32(in);
    r->err_last = rdo_in_u32(in);
    r->err_addr = rdo_in_u64(in);
    r->db_writes = rdo_in_u32(in);
    r->irq_test_count = rdo_in_u32(in);
    r->cqp_ring = rdo_in_u64(in);
    r->cqp_comp = rdo_in_u64(in);
    r->cqp_log_size = rdo_in_u32(in);
    r->eq0_ring = rdo_in_u64(in);
    r->eq0_log_size = rdo_in_u32(in);
    r->qpc_pglist = rdo_in_u64(in);
    r->mrc_pglist = rdo_in_u64(in);
    r->qpc_pages = rdo_in_u32(in);
    r->mrc_pages = rdo_in_u32(in);
    r->fatal_cause = rdo_in_u32(in);
    core->link_up = rdo_in_bool(in) && core->cfg.has_port;
    core->rx_frames_ignored = rdo_in_u64(in);
    core->st->port_mtu = rdo_in_u32(in);
    rdo_in_bytes(in, core->st->port_mac, 6);
    if (!rdo_in_ok(in)) {
        return;
    }
    rdo_in_check(in, !(r->control & ~(RDO_CONTROL_ENABLE | RDO_CONTROL_CQP_ENABLE)),
                 "CONTROL 0x%x", r->control);
    rdo_in_check(in, r->fatal_cause <= RDO_FATAL_ENGINE, "fatal cause %u",
                 r->fatal_cause);
    rdo_in_check(in, core->st->port_mtu >= 576 && core->st->port_mtu <= 9000,
                 "port MTU %u", core->st->port_mtu);
    core->st->enabled = r->control & RDO_CONTROL_CQP_ENABLE;
    if (core->st->enabled) {
        /* The control path started with registers that passed its checks. */
        bad = rdo_cqp_config_check(core);
        if (rdo_in_check(in, bad == RDO_NONE, "control path started with "
                         "register 0x%x invalid", bad)) {
            rdo_fn_usable(core);
        }
    }
}

/* Counters as arrays of 64-bit values with their length: a counter added
 * at the end loads from an older stream as zero. */
G_STATIC_ASSERT(sizeof(RdoCounters) % 8 == 0);

static void counters_save(RdoCore *core, RdoOut *o)
{
    const uint64_t *c = (const uint64_t *)&core->cnt;
    const uint64_t *t = (const uint64_t *)&core->tcnt;

    rdo_out_u32(o, sizeof(core->cnt) / 8);
    for (size_t i = 0; i < sizeof(core->cnt) / 8; i++) {
        rdo_out_u64(o, c[i]);
    }
    rdo_out_u32(o, sizeof(core->tcnt) / 8);
    for (size_t i = 0; i < sizeof(core->tcnt) / 8; i++) {
        rdo_out_u64(o, t[i]);
    }
}

static void counters_load(RdoCore *core, RdoIn *in)
{
    uint64_t *c = (uint64_t *)&core->cnt;
    uint64_t *t = (uint64_t *)&core->tcnt;
    uint32_t n = rdo_in_count(in, sizeof(core->cnt) / 8, 8, "counters");

    for (uint32_t i = 0; i < n; i++) {
        c[i] = rdo_in_u64(in);
    }
    n = rdo_in_count(in, sizeof(core->tcnt) / 8, 8, "timing counters");
    for (uint32_t i = 0; i < n; i++) {
        t[i] = rdo_in_u64(in);
    }
}

static bool cqp_needed(RdoCore *core)
{
    return core->st->enabled;
}

static void cqp_save(RdoCore *core, RdoOut *o)
{
    const RdoCqp *q = &core->st->cqp;
    uint32_t size = 1u << core->regs.cqp_log_size, n = 0;

    rdo_out_u32(o, q->pi);
    rdo_out_u32(o, q->ci);
    rdo_out_u32(o, q->scanned);
    rdo_out_u8(o, q->busy);
    rdo_out_u64(o, q->done_at);
    for (uint32_t i = 0; i < size; i++) {
        n += q->pending_mr[i] != RDO_NONE;
    }
    rdo_out_u32(o, n);
    for (uint32_t i = 0; i < size; i++) {
        if (q->pending_mr[i] != RDO_NONE) {
            rdo_out_u32(o, i);
            rdo_out_u32(o, q->pending_mr[i]);
        }
    }
}

static void cqp_load(RdoCore *core, RdoIn *in)
{
    RdoCqp *q = &core->st->cqp;
    uint32_t size, n;

    if (!rdo_in_check(in, core->st->enabled, "control path not started")) {
        return;
    }
    size = 1u << core->regs.cqp_log_size;
    q->pi = rdo_in_u32(in);
    q->ci = rdo_in_u32(in);
    q->scanned = rdo_in_u32(in);
    q->busy = rdo_in_bool(in);
    q->done_at = rdo_in_time_ns(in, "command completion");
    rdo_in_check(in, q->pi - q->ci <= size && q->scanned - q->ci <= q->pi - q->ci,
                 "indexes pi %u ci %u scanned %u, ring of %u", q->pi, q->ci,
                 q->scanned, size);
    q->pending_mr = g_new(uint32_t, size);
    for (uint32_t i = 0; i < size; i++) {
        q->pending_mr[i] = RDO_NONE;
    }
    n = rdo_in_count(in, size, 8, "pending registrations");
    for (uint32_t k = 0; k < n && rdo_in_ok(in); k++) {
        uint32_t slot = rdo_in_index(in, size, "ring slot");
        uint32_t mr = rdo_in_index(in, core->st->usable_mrs, "pending MR");

        if (rdo_in_check(in, q->pending_mr[slot] == RDO_NONE,
                         "ring slot %u twice", slot)) {
            q->pending_mr[slot] = mr;
        }
    }
}

/* Whether a table of objects with a `valid` flag has any. */
#define ANY_VALID(fn, table, count) \
    static bool fn(RdoCore *core) \
    { \
        for (uint32_t i_ = 0; i_ < (count); i_++) { \
            if (core->st->table[i_].valid) { \
                return true; \
            } \
        } \
        return false; \
    }

/* A table of objects with a `valid` flag: the valid ones, by index. */
#define SAVE_VALID(o, arr, count, fn) do { \
    uint32_t n_ = 0; \
    for (uint32_t i_ = 0; i_ < (count); i_++) { \
        n_ += (arr)[i_].valid; \
    } \
    rdo_out_u32(o, n_); \
    for (uint32_t i_ = 0; i_ < (count); i_++) { \
        if ((arr)[i_].valid) { \
            rdo_out_u32(o, i_); \
            fn(o, &(arr)[i_]); \
        } \
    } \
} while (0)

ANY_VALID(any_valid_eq, eqs, core->cfg.max_eq)

static void eq_save_one(RdoOut *o, const RdoEq *e)
{
    rdo_out_u8(o, e->armed);
    rdo_out_u16(o, e->vector);
    rdo_out_ring(o, &e->ring);
    rdo_out_u32(o, e->pi);
    rdo_out_u32(o, e->ci);
    rdo_out_u32(o, e->users);
}

static void eq_save(RdoCore *core, RdoOut *o)
{
    SAVE_VALID(o, core->st->eqs, core->cfg.max_eq, eq_save_one);
}

/* A ring as its create command checks it, and producer and consumer no
 * further apart than its size. */
static void check_ring(RdoIn *in, const char *kind, uint32_t i, const RdoRing *r,
                       uint32_t min_shift, uint32_t max_shift, uint32_t pi,
                       uint32_t ci)
{
    rdo_in_check(in, rdo_ring_check(r, min_shift, max_shift) == RDO_CQP_OK &&
                 pi - ci <= rdo_ring_size(r), "%s %u: ring (log size %u, "
                 "stride %u, flags 0x%x) or indexes pi %u ci %u invalid",
                 kind, i, r->log_size, r->stride_shift, r->flags, pi, ci);
}

static void eq_load(RdoCore *core, RdoIn *in)
{
    uint32_t n = rdo_in_count(in, core->cfg.max_eq, 4, "EQs");

    for (uint32_t k = 0; k < n && rdo_in_ok(in); k++) {
        uint32_t i = rdo_in_index(in, core->cfg.max_eq, "EQ");
        RdoEq *e = &core->st->eqs[i];

        if (!rdo_in_check(in, !e->valid, "EQ %u twice", i)) {
            return;
        }
        e->valid = true;
        e->armed = rdo_in_bool(in);
        e->vector = rdo_in_u16(in);
        rdo_in_ring(in, &e->ring);
        e->pi = rdo_in_u32(in);
        e->ci = rdo_in_u32(in);
        e->users = rdo_in_u32(in);
        rdo_in_check(in, e->vector < core->cfg.msix_vectors, "EQ %u: vector %u",
                     i, e->vector);
        check_ring(in, "EQ", i, &e->ring, 4, 4, e->pi, e->ci);
    }
}

ANY_VALID(any_valid_cq, cqs, core->cfg.max_cq)

static void cq_save_one(RdoOut *o, const RdoCq *c)
{
    rdo_out_u8(o, c->error);
    rdo_out_u32(o, c->arm);
    rdo_out_u16(o, c->db_page);
    rdo_out_u32(o, c->eqn);
    rdo_out_ring(o, &c->ring);
    rdo_out_u32(o, c->pi);
    rdo_out_u32(o, c->ci);
    rdo_out_u32(o, c->users);
    rdo_out_u16(o, c->mod_count);
    rdo_out_u64(o, c->mod_ns);
    rdo_out_u32(o, c->mod_pending);
    rdo_out_u64(o, c->mod_due);
}

static void cq_save(RdoCore *core, RdoOut *o)
{
    SAVE_VALID(o, core->st->cqs, core->cfg.max_cq, cq_save_one);
}

static void cq_load(RdoCore *core, RdoIn *in)
{
    RdoState *st = core->st;
    uint32_t n = rdo_in_count(in, core->cfg.max_cq, 4, "CQs");

    for (uint32_t k = 0; k < n && rdo_in_ok(in); k++) {
        uint32_t i = rdo_in_index(in, core->cfg.max_cq, "CQ");
        RdoCq *c = &st->cqs[i];

        if (!rdo_in_check(in, !c->valid, "CQ %u twice", i)) {
            return;
        }
        c->valid = true;
        c->error = rdo_in_bool(in);
        c->arm = rdo_in_u32(in);
        c->db_page = rdo_in_u16(in);
        c->eqn = rdo_in_index(in, core->cfg.max_eq, "EQ of a CQ");
        rdo_in_ring(in, &c->ring);
        c->pi = rdo_in_u32(in);
        c->ci = rdo_in_u32(in);
        c->users = rdo_in_u32(in);
        c->mod_count = rdo_in_u16(in);
        c->mod_ns = rdo_in_u64(in);
        c->mod_pending = rdo_in_u32(in);
        c->mod_due = rdo_in_time_ns(in, "CQ moderation");
        rdo_in_check(in, !(c->arm & ~(RDO_DB_CQ_ARM_NEXT | RDO_DB_CQ_ARM_SOLICITED)),
                     "CQ %u: arm 0x%x", i, c->arm);
        rdo_in_check(in, c->db_page < core->cfg.doorbell_pages,
                     "CQ %u: doorbell page %u", i, c->db_page);
        rdo_in_check(in, st->eqs[c->eqn].valid, "CQ %u: EQ %u does not exist",
                     i, c->eqn);
        rdo_in_check(in, c->mod_ns <= 0xffffull * 1000,
                     "CQ %u: moderation of %" G_GUINT64_FORMAT " ns", i, c->mod_ns);
        check_ring(in, "CQ", i, &c->ring, 5, 5, c->pi, c->ci);
    }
}

ANY_VALID(any_valid_pd, pds, core->cfg.max_pd)

static void pd_save_one(RdoOut *o, const RdoPd *p)
{
    rdo_out_u8(o, p->kernel);
    rdo_out_u32(o, p->users);
}

static void pd_save(RdoCore *core, RdoOut *o)
{
    SAVE_VALID(o, core->st->pds, core->cfg.max_pd, pd_save_one);
}

static void pd_load(RdoCore *core, RdoIn *in)
{
    uint32_t n = rdo_in_count(in, core->cfg.max_pd, 9, "PDs");

    for (uint32_t k = 0; k < n && rdo_in_ok(in); k++) {
        uint32_t i = rdo_in_index(in, core->cfg.max_pd, "PD");
        RdoPd *p = &core->st->pds[i];

        if (!rdo_in_check(in, !p->valid, "PD %u twice", i)) {
            return;
        }
        p->valid = true;
        p->kernel = rdo_in_bool(in);
        p->users = rdo_in_u32(in);
    }
}

ANY_VALID(any_valid_srq, srqs, core->cfg.max_srq)

static void srq_save_one(RdoOut *o, const RdoSrq *s)
{
    rdo_out_u16(o, s->db_page);
    rdo_out_u32(o, s->pdn);
    rdo_out_ring(o, &s->ring);
    rdo_out_u32(o, s->pi);
    rdo_out_u32(o, s->ci);
    rdo_out_u32(o, s->users);
    rdo_out_u16(o, s->limit);
}

static void srq_save(RdoCore *core, RdoOut *o)
{
    SAVE_VALID(o, core->st->srqs, core->cfg.max_srq, srq_save_one);
}

static void srq_load(RdoCore *core, RdoIn *in)
{
    uint32_t n = rdo_in_count(in, core->cfg.max_srq, 4, "SRQs");

    for (uint32_t k = 0; k < n && rdo_in_ok(in); k++) {
        uint32_t i = rdo_in_index(in, core->cfg.max_srq, "SRQ");
        RdoSrq *s = &core->st->srqs[i];

        if (!rdo_in_check(in, !s->valid, "SRQ %u twice", i)) {
            return;
        }
        s->valid = true;
        s->db_page = rdo_in_u16(in);
        s->pdn = rdo_in_index(in, core->cfg.max_pd, "PD of an SRQ");
        rdo_in_ring(in, &s->ring);
        s->pi = rdo_in_u32(in);
        s->ci = rdo_in_u32(in);
        s->users = rdo_in_u32(in);
        s->limit = rdo_in_u16(in);
        rdo_in_check(in, s->db_page < core->cfg.doorbell_pages,
                     "SRQ %u: doorbell page %u", i, s->db_page);
        rdo_in_check(in, core->st->pds[s->pdn].valid,
                     "SRQ %u: PD %u does not exist", i, s->pdn);
        check_ring(in, "SRQ", i, &s->ring, 4, RDO_WQE_SHIFT_MAX, s->pi, s->ci);
        rdo_in_check(in, !rdo_in_ok(in) || s->limit <= rdo_ring_size(&s->ring),
                     "SRQ %u: limit %u", i, s->limit);
    }
}

/* Partial buffer operation of SRQs (xport/partial.c): the stride and the
 * buffer in use, its SGEs kept on chip. */
static bool srq_partial_needed(RdoCore *core)
{
    for (uint32_t i = 0; i < core->cfg.max_srq; i++) {
        if (core->st->srqs[i].valid && core->st->srqs[i].part_shift) {
            return true;
        }
    }
    return false;
}

static void srq_partial_save(RdoCore *core, RdoOut *o)
{
    for (uint32_t i = 0; i < core->cfg.max_srq; i++) {
        const RdoSrq *s = &core->st->srqs[i];

        if (!s->valid || !s->part_shift) {
            continue;
        }
        rdo_out_u32(o, i);
        rdo_out_u8(o, s->part_shift);
        rdo_out_u8(o, s->part_cur);
        rdo_out_u8(o, s->part_num_sge);
        rdo_out_u32(o, s->part_off);
        rdo_out_u64(o, s->part_len);
        rdo_out_u64(o, s->part_wr_id);
        rdo_out_bytes(o, s->part_sge, sizeof(s->part_sge));
    }
    rdo_out_u32(o, RDO_NONE);
}

static void srq_partial_load(RdoCore *core, RdoIn *in)
{
    while (rdo_in_ok(in)) {
        uint32_t i = rdo_in_u32(in);
        RdoSrq *s;

        if (i == RDO_NONE) {
            break;
        }
        if (!rdo_in_check(in, i < core->cfg.max_srq && core->st->srqs[i].valid,
                          "partial SRQ %u does not exist", i)) {
            return;
        }
        s = &core->st->srqs[i];
        s->part_shift = rdo_in_u8(in);
        s->part_cur = rdo_in_bool(in);
        s->part_num_sge = rdo_in_u8(in);
        s->part_off = rdo_in_u32(in);
        s->part_len = rdo_in_u64(in);
        s->part_wr_id = rdo_in_u64(in);
        rdo_in_bytes(in, s->part_sge, sizeof(s->part_sge));
        rdo_in_check(in, s->part_shift >= RDO_SRQ_PARTIAL_SHIFT_MIN &&
                     s->part_shift <= RDO_SRQ_PARTIAL_SHIFT_MAX &&
                     s->part_num_sge <= RDO_SRQ_PARTIAL_MAX_SGE &&
                     s->part_off <= s->part_len,
                     "partial SRQ %u: stride 2^%u, %u SGEs, offset %u of %"
                     PRIu64, i, s->part_shift, s->part_num_sge, s->part_off,
                     s->part_len);
    }
}

ANY_VALID(any_valid_gid, gids, core->cfg.max_gid)

static void gid_save_one(RdoOut *o, const RdoGid *g)
{
    rdo_out_bytes(o, g->gid, 16);
}

void rdo_state_gids_save(RdoOut *o, const RdoGid *gids, uint32_t max)
{
    SAVE_VALID(o, gids, max, gid_save_one);
}

void rdo_state_gids_load(RdoIn *in, RdoGid *gids, uint32_t max)
{
    uint32_t n = rdo_in_count(in, max, 20, "GIDs");

    for (uint32_t k = 0; k < n && rdo_in_ok(in); k++) {
        uint32_t i = rdo_in_index(in, max, "GID");
        RdoGid *g = &gids[i];

        if (!rdo_in_check(in, !g->valid, "GID %u twice", i)) {
            return;
        }
        g->valid = true;
        rdo_in_bytes(in, g->gid, 16);
    }
}

static void gid_save(RdoCore *core, RdoOut *o)
{
    rdo_state_gids_save(o, core->st->gids, core->cfg.max_gid);
}

static void gid_load(RdoCore *core, RdoIn *in)
{
    rdo_state_gids_load(in, core->st->gids, core->cfg.max_gid);
}

static bool any_qp(RdoCore *core)
{
    return rdo_state_qps(core) != 0;
}

/* Each allocated QP: what it holds, SQ feeds, the MR its SQ waits for. */
static void qp_save(RdoCore *core, RdoOut *o)
{
    RdoState *st = core->st;

    rdo_out_u32(o, rdo_state_qps(core));
    for (uint32_t i = 0; i < st->usable_qps; i++) {
        const RdoQpBind *b = &st->qp_bind[i];

        if (!st->qp_used[i]) {
            continue;
        }
        rdo_out_u32(o, i);
        rdo_out_u32(o, b->pdn);
        rdo_out_u32(o, b->send_cqn);
        rdo_out_u32(o, b->recv_cqn);
        rdo_out_u32(o, b->srqn);
        rdo_out_u32(o, b->ssq_qpn);
        rdo_out_u32(o, b->type);
        rdo_out_u32(o, st->ssq_users[i]);
        rdo_out_u32(o, st->qp_stall_mr[i]);
    }
}

/* RDO_NONE or an index below limit. */
static uint32_t in_index_or_none(RdoIn *in, uint32_t limit, const char *what)
{
    uint32_t i = rdo_in_u32(in);

    if (i != RDO_NONE && !rdo_in_check(in, i < limit, "%s %u out of range (%u)",
                                       what, i, limit)) {
        return RDO_NONE;
    }
    return i;
}

static void qp_load(RdoCore *core, RdoIn *in)
{
    RdoState *st = core->st;
    uint32_t n = rdo_in_count(in, st->usable_qps, 36, "QPs");

    for (uint32_t k = 0; k < n && rdo_in_ok(in); k++) {
        uint32_t i = rdo_in_index(in, st->usable_qps, "QP");
        RdoQpBind *b = &st->qp_bind[i];

        if (!rdo_in_check(in, !st->qp_used[i], "QP %u twice", i)) {
            return;
        }
        st->qp_used[i] = 1;
        b->pdn = rdo_in_index(in, core->cfg.max_pd, "PD of a QP");
        b->send_cqn = rdo_in_index(in, core->cfg.max_cq, "send CQ of a QP");
        b->recv_cqn = rdo_in_index(in, core->cfg.max_cq, "receive CQ of a QP");
        b->srqn = in_index_or_none(in, core->cfg.max_srq, "SRQ of a QP");
        b->ssq_qpn = in_index_or_none(in, st->usable_qps, "shared SQ of a QP");
        b->type = rdo_in_index(in, RDO_QPT__COUNT, "QP type");
        st->ssq_users[i] = rdo_in_u32(in);
        st->qp_stall_mr[i] = in_index_or_none(in, st->usable_mrs, "stall MR");
        if (!rdo_in_ok(in)) {
            return;
        }
        rdo_in_check(in, st->pds[b->pdn].valid && st->cqs[b->send_cqn].valid &&
                     st->cqs[b->recv_cqn].valid &&
                     (b->srqn == RDO_NONE || st->srqs[b->srqn].valid),
                     "QP %u holds a PD, CQ or SRQ that does not exist", i);
    }
}

static bool any_mr(RdoCore *core)
{
    for (uint32_t i = 0; i < core->st->usable_mrs; i++) {
        if (core->st->mr_used[i] || core->st->mr_pending[i]) {
            return true;
        }
    }
    return false;
}

/* MR numbers registered (1) or with a registration queued (2), and the
 * windows bound to each; their contexts (a window's too: its range, rights,
 * MR key, QP and incarnation) are in the store (host memory) or in a dirty
 * line. */
static void mr_save(RdoCore *core, RdoOut *o)
{
    RdoState *st = core->st;
    uint32_t n = 0;

    for (uint32_t i = 0; i < st->usable_mrs; i++) {
        n += st->mr_used[i] || st->mr_pending[i];
    }
    rdo_out_u32(o, n);
    for (uint32_t i = 0; i < st->usable_mrs; i++) {
        if (st->mr_used[i] || st->mr_pending[i]) {
            rdo_out_u32(o, i);
            rdo_out_u8(o, (st->mr_used[i] ? 1 : 0) | (st->mr_pending[i] ? 2 : 0));
            rdo_out_u32(o, st->mr_windows[i]);
        }
    }
}

static void mr_load(RdoCore *core, RdoIn *in)
{
    RdoState *st = core->st;
    uint32_t n = rdo_in_count(in, st->usable_mrs, 9, "MRs");

    for (uint32_t k = 0; k < n && rdo_in_ok(in); k++) {
        uint32_t i = rdo_in_index(in, st->usable_mrs, "MR");
        uint8_t f = rdo_in_u8(in);
        uint32_t windows = rdo_in_u32(in);

        /* A registration still queued has no windows bound yet. */
        if (!rdo_in_check(in, f == 1 || (f == 2 && !windows), "MR %u: flags "
                          "%u, %u windows", i, f, windows) ||
            !rdo_in_check(in, !st->mr_used[i] && !st->mr_pending[i],
                          "MR %u twice", i)) {
            return;
        }
        st->mr_used[i] = f == 1;
        st->mr_pending[i] = f == 2;
        st->mr_windows[i] = windows;
    }
}

/* Per QP number, how many times it was created: a type-2 window names
 * the incarnation of the QP that bound it. Destroyed QPs' numbers too. */
static bool gen_needed(RdoCore *core)
{
    for (uint32_t i = 0; i < core->cfg.max_qp; i++) {
        if (core->st->qp_gen[i]) {
            return true;
        }
    }
    return false;
}

static void gen_save(RdoCore *core, RdoOut *o)
{
    uint32_t n = 0;

    for (uint32_t i = 0; i < core->cfg.max_qp; i++) {
        n += core->st->qp_gen[i] != 0;
    }
    rdo_out_u32(o, n);
    for (uint32_t i = 0; i < core->cfg.max_qp; i++) {
        if (core->st->qp_gen[i]) {
            rdo_out_u32(o, i);
            rdo_out_u32(o, core->st->qp_gen[i]);
        }
    }
}

static void gen_load(RdoCore *core, RdoIn *in)
{
    uint32_t n = rdo_in_count(in, core->cfg.max_qp, 8, "QP generations");
    int64_t last = -1;

    for (uint32_t k = 0; k < n && rdo_in_ok(in); k++) {
        uint32_t i = rdo_in_index(in, core->cfg.max_qp, "QP number");
        uint32_t gen = rdo_in_u32(in);

        if (rdo_in_check(in, (int64_t)i > last && gen, "QP %u: generation %u, "
                         "or out of order", i, gen)) {
            core->st->qp_gen[i] = gen;
        }
        last = i;
    }
}

/* Multicast groups: each QP attached exists and is UD, once per group;
 * the groups' GIDs are multicast GIDs, each in one entry. */
static bool mcast_needed(RdoCore *core)
{
    for (uint32_t i = 0; i < RDO_MCAST_GROUPS; i++) {
        if (core->st->mcast[i].nqp) {
            return true;
        }
    }
    return false;
}

static void mcast_save(RdoCore *core, RdoOut *o)
{
    uint32_t n = 0;

    for (uint32_t i = 0; i < RDO_MCAST_GROUPS; i++) {
        n += core->st->mcast[i].nqp != 0;
    }
    rdo_out_u32(o, n);
    for (uint32_t i = 0; i < RDO_MCAST_GROUPS; i++) {
        const RdoMcastGroup *g = &core->st->mcast[i];

        if (g->nqp) {
            rdo_out_u32(o, i);
            rdo_out_bytes(o, g->gid, 16);
            rdo_out_u32(o, g->nqp);
            for (uint32_t j = 0; j < g->nqp; j++) {
                rdo_out_u32(o, g->qpn[j]);
            }
        }
    }
}

static void mcast_load_group(RdoCore *core, RdoIn *in, uint32_t i)
{
    RdoState *st = core->st;
    RdoMcastGroup *g = &st->mcast[i];

    rdo_in_bytes(in, g->gid, 16);
    g->nqp = rdo_in_u32(in);
    if (!rdo_in_check(in, g->nqp && g->nqp <= RDO_MCAST_QPS_PER_GROUP &&
                      rdo_mcast_gid_mac(g->gid, g->mac), "group %u: %u QPs, "
                      "or not a multicast GID", i, g->nqp)) {
        g->nqp = 0;
        return;
    }
    for (uint32_t k = 0; k < RDO_MCAST_GROUPS; k++) {
        rdo_in_check(in, k == i || !st->mcast[k].nqp ||
                     memcmp(st->mcast[k].gid, g->gid, 16), "groups %u and %u "
                     "have one GID", k, i);
    }
    for (uint32_t j = 0; j < g->nqp && rdo_in_ok(in); j++) {
        uint32_t q = rdo_in_index(in, st->usable_qps, "attached QP");

        g->qpn[j] = q;
        rdo_in_check(in, st->qp_used[q] && st->qp_bind[q].type == RDO_QPT_UD,
                     "group %u: QP %u does not exist or is not UD", i, q);
        for (uint32_t k = 0; k < j; k++) {
            rdo_in_check(in, g->qpn[k] != q, "group %u: QP %u twice", i, q);
        }
    }
}

static void mcast_load(RdoCore *core, RdoIn *in)
{
    uint32_t n = rdo_in_count(in, RDO_MCAST_GROUPS, 24, "multicast groups");

    for (uint32_t k = 0; k < n && rdo_in_ok(in); k++) {
        uint32_t i = rdo_in_index(in, RDO_MCAST_GROUPS, "multicast group");

        if (!rdo_in_check(in, !core->st->mcast[i].nqp, "group %u twice", i)) {
            return;
        }
        mcast_load_group(core, in, i);
    }
}

/* Dirty context lines: the only copy of what changed since the context
 * was loaded. Clean lines are soft state (the store has them). */
static uint32_t dirty_lines(const RdoCtxCache *c)
{
    uint32_t n = 0;

    for (uint32_t i = 0; i < c->entries; i++) {
        n += c->lines[i].valid && c->lines[i].dirty;
    }
    return n;
}

static bool ctx_needed(RdoCore *core)
{
    return dirty_lines(&core->st->qpc) || dirty_lines(&core->st->mrc);
}

static void ctx_save_cache(RdoOut *o, const RdoCtxCache *c)
{
    rdo_out_u32(o, dirty_lines(c));
    for (uint32_t i = 0; i < c->entries; i++) {
        if (c->lines[i].valid && c->lines[i].dirty) {
            rdo_out_u32(o, c->lines[i].index);
            rdo_out_bytes(o, c->lines[i].data, c->ctx_size);
        }
    }
}

static void ctx_save(RdoCore *core, RdoOut *o)
{
    ctx_save_cache(o, &core->st->qpc);
    ctx_save_cache(o, &core->st->mrc);
}

/* Their content is checked when used, as any context from host memory. */
static void ctx_load_cache(RdoIn *in, RdoCtxCache *c, uint32_t usable)
{
    uint32_t n = rdo_in_count(in, c->entries, 4 + c->ctx_size, "context lines");
    g_autofree uint8_t *data = g_malloc(c->ctx_size);

    for (uint32_t k = 0; k < n && rdo_in_ok(in); k++) {
        uint32_t i = rdo_in_index(in, usable, c->name);

        rdo_in_bytes(in, data, c->ctx_size);
        if (rdo_in_ok(in)) {
            rdo_in_check(in, rdo_ctx_restore(c, i, data), "%s context %u: "
                         "twice, or no room in its set", c->name, i);
        }
    }
}

static void ctx_load(RdoCore *core, RdoIn *in)
{
    ctx_load_cache(in, &core->st->qpc, core->st->usable_qps);
    ctx_load_cache(in, &core->st->mrc, core->st->usable_mrs);
}

/* Push areas: a WQE the driver may be half-way through writing. */
static bool push_needed(RdoCore *core)
{
    for (uint32_t i = 0; i < core->cfg.doorbell_pages; i++) {
        if (core->st->push_area[i]) {
            return true;
        }
    }
    return false;
}

static void push_save(RdoCore *core, RdoOut *o)
{
    uint32_t n = 0;

    for (uint32_t i = 0; i < core->cfg.doorbell_pages; i++) {
        n += core->st->push_area[i] != NULL;
    }
    rdo_out_u32(o, n);
    for (uint32_t i = 0; i < core->cfg.doorbell_pages; i++) {
        if (core->st->push_area[i]) {
            rdo_out_u32(o, i);
            rdo_out_bytes(o, core->st->push_area[i], RDO_DB_PUSH_MAX_WQE);
        }
    }
}

static void push_load(RdoCore *core, RdoIn *in)
{
    uint32_t n = rdo_in_count(in, core->cfg.doorbell_pages,
                              4 + RDO_DB_PUSH_MAX_WQE, "push areas");

    for (uint32_t k = 0; k < n && rdo_in_ok(in); k++) {
        uint32_t i = rdo_in_index(in, core->cfg.doorbell_pages, "doorbell page");
        uint8_t **a = &core->st->push_area[i];

        if (!rdo_in_check(in, !*a, "push area %u twice", i)) {
            return;
        }
        *a = g_malloc0(RDO_DB_PUSH_MAX_WQE);
        rdo_in_bytes(in, *a, RDO_DB_PUSH_MAX_WQE);
    }
    /* Not in the stream: the next trigger of each page is taken
     * unchecked, and the pages' QP counts are not kept. */
    for (uint32_t i = 0; i < core->cfg.doorbell_pages; i++) {
        core->st->push_written[i] = RDO_PUSH_WRITTEN_UNKNOWN;
    }
    core->st->page_qps_known = false;
}

/* The Ethernet function: its queues and LRO sessions (a session holds a
 * receive buffer taken from the ring and filled in part). */
static bool eth_needed(RdoCore *core)
{
    for (uint32_t i = 0; i < RDO_ETH_MAX_TXQ; i++) {
        if (core->st->eth->txq[i].valid) {
            return true;
        }
    }
    for (uint32_t i = 0; i < RDO_ETH_MAX_RXQ; i++) {
        if (core->st->eth->rxq[i].valid) {
            return true;
        }
    }
    return false;
}

static void txq_save_one(RdoOut *o, const RdoEthTxq *q)
{
    rdo_out_u16(o, q->db_page);
    rdo_out_u32(o, q->cqn);
    rdo_out_ring(o, &q->ring);
    rdo_out_u32(o, q->pi);
    rdo_out_u32(o, q->ci);
}

static void lro_save(RdoOut *o, const RdoLroSession *s)
{
    rdo_out_u64(o, s->started_ns);
    rdo_out_bytes(o, &s->buf, sizeof(s->buf));
    rdo_out_u32(o, s->rss_hash);
    rdo_out_bytes(o, s->hdr, RDO_ETH_HDR_MAX);
    rdo_out_u32(o, s->h.l3_off);
    rdo_out_u32(o, s->h.l4_off);
    rdo_out_u32(o, s->h.payload_off);
    rdo_out_u32(o, s->h.ip_end);
    rdo_out_u16(o, s->h.ethertype);
    rdo_out_u8(o, s->h.l4_proto);
    rdo_out_u8(o, s->h.ipv4);
    rdo_out_u8(o, s->h.ipv6);
    rdo_out_u8(o, s->h.ip_frag);
    rdo_out_u32(o, s->len);
    rdo_out_u32(o, s->next_seq);
    rdo_out_u16(o, s->segs);
    rdo_out_u16(o, s->mss);
    rdo_out_u8(o, s->psh);
    rdo_out_u64(o, s->payload_sum);
}

static void rxq_save_one(RdoOut *o, const RdoEthRxq *q)
{
    uint32_t n = 0;

    rdo_out_u8(o, q->lro);
    rdo_out_u16(o, q->db_page);
    rdo_out_u32(o, q->cqn);
    rdo_out_u64(o, q->lro_ns);
    rdo_out_ring(o, &q->ring);
    rdo_out_u32(o, q->pi);
    rdo_out_u32(o, q->ci);
    for (uint32_t i = 0; i < RDO_LRO_SESSIONS; i++) {
        n += q->lro_s[i].active;
    }
    rdo_out_u32(o, n);
    for (uint32_t i = 0; i < RDO_LRO_SESSIONS; i++) {
        if (q->lro_s[i].active) {
            rdo_out_u32(o, i);
            lro_save(o, &q->lro_s[i]);
        }
    }
}

static void eth_save(RdoCore *core, RdoOut *o)
{
    SAVE_VALID(o, core->st->eth->txq, RDO_ETH_MAX_TXQ, txq_save_one);
    SAVE_VALID(o, core->st->eth->rxq, RDO_ETH_MAX_RXQ, rxq_save_one);
}

/* A session's header layout as lro.c made it from a TCP segment: offsets
 * in order inside the header copy, and the buffer not overrun. */
static void lro_load(RdoIn *in, uint32_t qn, RdoLroSession *s)
{
    RdoEthHdrs *h = &s->h;

    s->active = true;
    s->started_ns = rdo_in_time_ns(in, "LRO session");
    rdo_in_bytes(in, &s->buf, sizeof(s->buf));
    s->rss_hash = rdo_in_u32(in);
    rdo_in_bytes(in, s->hdr, RDO_ETH_HDR_MAX);
    h->l3_off = rdo_in_u32(in);
    h->l4_off = rdo_in_u32(in);
    h->payload_off = rdo_in_u32(in);
    h->ip_end = rdo_in_u32(in);
    h->ethertype = rdo_in_u16(in);
    h->l4_proto = rdo_in_u8(in);
    h->ipv4 = rdo_in_bool(in);
    h->ipv6 = rdo_in_bool(in);
    h->ip_frag = rdo_in_bool(in);
    s->len = rdo_in_u32(in);
    s->next_seq = rdo_in_u32(in);
    s->segs = rdo_in_u16(in);
    s->mss = rdo_in_u16(in);
    s->psh = rdo_in_u8(in);
    s->payload_sum = rdo_in_u64(in);
    rdo_in_check(in, h->ipv4 != h->ipv6 && h->l4_proto == RDO_IPPROTO_TCP &&
                 h->l3_off >= 14 && h->l3_off < h->l4_off &&
                 h->l4_off + RDO_TCP_HLEN_MIN <= h->payload_off &&
                 h->payload_off <= RDO_ETH_HDR_MAX &&
                 s->len >= h->payload_off && s->len <= s->buf.length &&
                 s->buf.length <= RDO_ETH_RX_BUF_MAX &&
                 s->segs <= RDO_ETH_LRO_MAX_SEGS,
                 "RXQ %u: LRO session with a bad layout", qn);
}

static void eth_load(RdoCore *core, RdoIn *in)
{
    RdoEth *eth = core->st->eth;
    uint32_t n = rdo_in_count(in, RDO_ETH_MAX_TXQ, 4, "TXQs");

    for (uint32_t k = 0; k < n && rdo_in_ok(in); k++) {
        uint32_t i = rdo_in_index(in, RDO_ETH_MAX_TXQ, "TXQ");
        RdoEthTxq *q = &eth->txq[i];

        if (!rdo_in_check(in, !q->valid, "TXQ %u twice", i)) {
            return;
        }
        q->valid = true;
        q->db_page = rdo_in_u16(in);
        q->cqn = rdo_in_index(in, core->cfg.max_cq, "CQ of a TXQ");
        rdo_in_ring(in, &q->ring);
        q->pi = rdo_in_u32(in);
        q->ci = rdo_in_u32(in);
        rdo_in_check(in, q->db_page < core->cfg.doorbell_pages &&
                     core->st->cqs[q->cqn].valid, "TXQ %u: doorbell page %u "
                     "or CQ %u", i, q->db_page, q->cqn);
        check_ring(in, "TXQ", i, &q->ring, RDO_ETH_TX_WQE_SHIFT_MIN,
                   RDO_WQE_SHIFT_MAX, q->pi, q->ci);
    }
    n = rdo_in_count(in, RDO_ETH_MAX_RXQ, 4, "RXQs");
    for (uint32_t k = 0; k < n && rdo_in_ok(in); k++) {
        uint32_t i = rdo_in_index(in, RDO_ETH_MAX_RXQ, "RXQ"), m;
        RdoEthRxq *q = &eth->rxq[i];

        if (!rdo_in_check(in, !q->valid, "RXQ %u twice", i)) {
            return;
        }
        q->valid = true;
        q->port = 1;            /* port 2's say so in their own section */
        q->lro = rdo_in_bool(in);
        q->db_page = rdo_in_u16(in);
        q->cqn = rdo_in_index(in, core->cfg.max_cq, "CQ of an RXQ");
        q->lro_ns = rdo_in_u64(in);
        rdo_in_ring(in, &q->ring);
        q->pi = rdo_in_u32(in);
        q->ci = rdo_in_u32(in);
        rdo_in_check(in, q->db_page < core->cfg.doorbell_pages &&
                     core->st->cqs[q->cqn].valid, "RXQ %u: doorbell page %u "
                     "or CQ %u", i, q->db_page, q->cqn);
        rdo_in_check(in, q->lro ? q->lro_ns >= 1000 && q->lro_ns <= 1000000
                                : !q->lro_ns, "RXQ %u: LRO time", i);
        check_ring(in, "RXQ", i, &q->ring, RDO_ETH_RX_WQE_SHIFT,
                   RDO_WQE_SHIFT_MAX, q->pi, q->ci);
        /* Scatter WQEs as CREATE_ETH_RXQ takes them: 64 bytes up, no LRO. */
        rdo_in_check(in, !rdo_eth_rxq_sg(q) ||
                     (q->ring.stride_shift >= RDO_ETH_RX_SG_SHIFT_MIN && !q->lro),
                     "RXQ %u: scatter WQEs of stride shift %u, LRO %u", i,
                     q->ring.stride_shift, q->lro);
        m = rdo_in_count(in, q->lro ? RDO_LRO_SESSIONS : 0, 4, "LRO sessions");
        for (uint32_t j = 0; j < m && rdo_in_ok(in); j++) {
            uint32_t s = rdo_in_index(in, RDO_LRO_SESSIONS, "LRO session");

            if (rdo_in_check(in, !q->lro_s[s].active, "LRO session %u twice", s)) {
                lro_load(in, i, &q->lro_s[s]);
            }
        }
    }
}

/* The seeded generator, so that a run goes on with the same faults. */
static bool fault_needed(RdoCore *core)
{
    const RdoConfig *c = &core->cfg;

    return c->fault_drop_ppm || c->fault_corrupt_ppm || c->fault_dup_ppm ||
           c->fault_reorder_ppm;
}

static void fault_save(RdoCore *core, RdoOut *o)
{
    rdo_out_u64(o, core->st->fault->rng);
    rdo_out_u32(o, core->st->fault->burst_left);
}

static void fault_load(RdoCore *core, RdoIn *in)
{
    core->st->fault->rng = rdo_in_u64(in);
    core->st->fault->burst_left = rdo_in_u32(in);
    rdo_in_check(in, core->st->fault->rng && core->st->fault->burst_left <
                 RDO_FAULT_BURST_MAX, "generator state");
}

const RdoSection rdo_state_object_sections[] = {
    { 1, 0, "config", NULL, config_save, config_load },
    { 2, 0, "registers", NULL, regs_save, regs_load },
    { 3, 0, "counters", NULL, counters_save, counters_load },
    { 4, 0, "control-qp", cqp_needed, cqp_save, cqp_load },
    { 5, 0, "eqs", any_valid_eq, eq_save, eq_load },
    { 6, 0, "cqs", any_valid_cq, cq_save, cq_load },
    { 7, 0, "pds", any_valid_pd, pd_save, pd_load },
    { 8, 0, "srqs", any_valid_srq, srq_save, srq_load },
    { 9, 0, "gids", any_valid_gid, gid_save, gid_load },
    { 10, 0, "qps", any_qp, qp_save, qp_load },
    { 11, 0, "mrs", any_mr, mr_save, mr_load },
    { 12, 0, "context-lines", ctx_needed, ctx_save, ctx_load },
    { 13, 0, "push-areas", push_needed, push_save, push_load },
    { 14, 0, "ethernet", eth_needed, eth_save, eth_load },
    { 15, 0, "fault-injection", fault_needed, fault_save, fault_load },
    { 16, 0, "qp-generations", gen_needed, gen_save, gen_load },
    { 17, 0, "multicast", mcast_needed, mcast_save, mcast_load },
    { 18, 0, "srq-partial", srq_partial_needed, srq_partial_save,
      srq_partial_load },
    { 0 }
};

/*
 * Windows: an MR with windows bound is registered and is no window; there
 * are at least as many windows as bindings counted. The dirty context
 * lines (the device's own writes, so consistent at the source) of objects
 * in use: a QP of the type it was created with, an MR or window in a PD
 * that exists, a bound window on an MR that counts it, bound by a QP
 * incarnation that was created.
 */
static void check_windows(RdoCore *core, RdoIn *in)
{
    RdoState *st = core->st;
    uint64_t bound = 0, bare = 0;

    for (uint32_t i = 0; i < st->usable_mrs; i++) {
        bound += st->mr_windows[i];
        bare += st->mr_used[i] && !st->mr_windows[i];
    }
    rdo_in_check(in, bound <= bare, "%" G_GUINT64_FORMAT " windows bound, %"
                 G_GUINT64_FORMAT " MRs that could be windows", bound, bare);
    for (uint32_t i = 0; i < st->mrc.entries && rdo_in_ok(in); i++) {
        const RdoCtxLine *l = &st->mrc.lines[i];
        const RdoMrCtx *w = (const RdoMrCtx *)l->data;
        uint32_t m = RDO_MR_KEY_INDEX(w->mr_key);

        if (!l->valid || !l->dirty || l->index >= st->usable_mrs ||
            !st->mr_used[l->index] || w->magic != (RDO_MRC_MAGIC ^ l->index)) {
            continue;
        }
        rdo_in_check(in, w->pdn < core->cfg.max_pd && st->pds[w->pdn].valid,
                     "MR %u: PD %u does not exist", l->index, w->pdn);
        if (!(w->flags & RDO_MR_F_WINDOW)) {
            continue;
        }
        rdo_in_check(in, !st->mr_windows[l->index], "window %u has windows "
                     "bound to it", l->index);
        if (!(w->flags & RDO_MR_F_VALID)) {
            continue;
        }
        rdo_in_check(in, m < st->usable_mrs && st->mr_used[m] &&
                     st->mr_windows[m], "window %u bound to MR %u, which does "
                     "not count it", l->index, m);
        rdo_in_check(in, !(w->flags & RDO_MR_F_TYPE2) ||
                     (w->qpn < st->usable_qps && w->qp_gen &&
                      w->qp_gen <= st->qp_gen[w->qpn]), "window %u bound by "
                     "QP %u incarnation %u, never created", l->index, w->qpn,
                     w->qp_gen);
    }
    for (uint32_t i = 0; i < st->qpc.entries && rdo_in_ok(in); i++) {
        const RdoCtxLine *l = &st->qpc.lines[i];
        const RdoQpCtx *qp = (const RdoQpCtx *)l->data;

        if (l->valid && l->dirty && l->index < st->usable_qps &&
            st->qp_used[l->index] && qp->magic == (RDO_QPC_MAGIC ^ l->index)) {
            rdo_in_check(in, qp->type == st->qp_bind[l->index].type,
                         "QP %u: type %u, created as %u", l->index, qp->type,
                         st->qp_bind[l->index].type);
        }
    }
}

/*
 * Across sections: every user an object counts is there (PDs also count
 * MRs, whose PD is in their context: at most that many more), queued
 * registrations match the ring slots that queued them, EQ 0 is the one
 * the registers describe.
 */
void rdo_state_objects_check(RdoCore *core, RdoIn *in)
{
    RdoState *st = core->st;
    const RdoConfig *c = &core->cfg;
    g_autofree uint32_t *eq_u = g_new0(uint32_t, c->max_eq);
    g_autofree uint32_t *cq_u = g_new0(uint32_t, c->max_cq);
    g_autofree uint32_t *pd_u = g_new0(uint32_t, c->max_pd);
    g_autofree uint32_t *srq_u = g_new0(uint32_t, MAX(c->max_srq, 1));
    g_autofree uint32_t *ssq_u = g_new0(uint32_t, c->max_qp);
    uint32_t mrs = 0, pending = 0, slots = 0;

    if (st->enabled) {
        const RdoEq *e0 = &st->eqs[0];

        rdo_in_check(in, e0->valid && e0->vector == 0 &&
                     e0->ring.addr == core->regs.eq0_ring &&
                     e0->ring.log_size == core->regs.eq0_log_size &&
                     !e0->ring.flags, "EQ 0 is not the one the registers set up");
    } else {
        rdo_in_check(in, !any_valid_eq(core) && !any_qp(core) && !any_mr(core),
                     "objects while the control path is not started");
    }
    for (uint32_t i = 0; i < c->max_cq; i++) {
        if (st->cqs[i].valid) {
            eq_u[st->cqs[i].eqn]++;
        }
    }
    for (uint32_t i = 0; i < c->max_srq; i++) {
        if (st->srqs[i].valid) {
            pd_u[st->srqs[i].pdn]++;
        }
    }
    for (uint32_t i = 0; i < st->usable_qps; i++) {
        const RdoQpBind *b = &st->qp_bind[i];

        if (!st->qp_used[i]) {
            continue;
        }
        pd_u[b->pdn]++;
        cq_u[b->send_cqn]++;
        cq_u[b->recv_cqn]++;
        if (b->srqn != RDO_NONE) {
            srq_u[b->srqn]++;
        }
        if (b->ssq_qpn != RDO_NONE) {
            ssq_u[b->ssq_qpn]++;
            rdo_in_check(in, st->qp_used[b->ssq_qpn] && b->ssq_qpn != i,
                         "QP %u fed by QP %u, which does not exist", i,
                         b->ssq_qpn);
        }
        rdo_in_check(in, st->qp_gen[i], "QP %u exists, never created", i);
        if (st->qp_stall_mr[i] != RDO_NONE) {
            rdo_in_check(in, st->mr_pending[st->qp_stall_mr[i]],
                         "QP %u waits for MR %u, which is not pending", i,
                         st->qp_stall_mr[i]);
        }
    }
    for (uint32_t i = 0; i < RDO_ETH_MAX_TXQ; i++) {
        cq_u[st->eth->txq[i].cqn] += st->eth->txq[i].valid;
    }
    for (uint32_t i = 0; i < RDO_ETH_MAX_RXQ; i++) {
        cq_u[st->eth->rxq[i].cqn] += st->eth->rxq[i].valid;
    }
    /* Keyed queues hold their PD (section 47 checked it exists). */
    for (uint32_t i = 0; i < RDO_ETH_MAX_TXQ; i++) {
        if (st->eth->txq[i].valid && st->eth->txq[i].keyed) {
            pd_u[st->eth->txq[i].pdn]++;
        }
    }
    for (uint32_t i = 0; i < RDO_ETH_MAX_RXQ; i++) {
        if (st->eth->rxq[i].valid && st->eth->rxq[i].keyed) {
            pd_u[st->eth->rxq[i].pdn]++;
        }
    }
    for (uint32_t i = 0; i < st->usable_mrs; i++) {
        mrs += st->mr_used[i];
        pending += st->mr_pending[i];
    }
    for (uint32_t i = 0; st->enabled && i < (1u << core->regs.cqp_log_size); i++) {
        uint32_t mr = st->cqp.pending_mr[i];

        if (mr != RDO_NONE) {
            slots++;
            rdo_in_check(in, st->mr_pending[mr] == 1, "ring slot %u queues MR "
                         "%u, which is not pending or queued twice", i, mr);
            st->mr_pending[mr]++;       /* counted once, put back below */
        }
    }
    for (uint32_t i = 0; i < st->usable_mrs; i++) {
        st->mr_pending[i] = st->mr_pending[i] != 0;
    }
    rdo_in_check(in, slots == pending, "%u MRs pending, %u queued in the ring",
                 pending, slots);
    for (uint32_t i = 0; i < c->max_eq && rdo_in_ok(in); i++) {
        rdo_in_check(in, st->eqs[i].users == eq_u[i], "EQ %u: %u users, %u CQs",
                     i, st->eqs[i].users, eq_u[i]);
    }
    for (uint32_t i = 0; i < c->max_cq && rdo_in_ok(in); i++) {
        rdo_in_check(in, st->cqs[i].users == cq_u[i], "CQ %u: %u users, %u "
                     "bindings", i, st->cqs[i].users, cq_u[i]);
    }
    for (uint32_t i = 0; i < c->max_srq && rdo_in_ok(in); i++) {
        rdo_in_check(in, st->srqs[i].users == srq_u[i], "SRQ %u: %u users, "
                     "%u QPs", i, st->srqs[i].users, srq_u[i]);
    }
    for (uint32_t i = 0; i < st->usable_qps && rdo_in_ok(in); i++) {
        rdo_in_check(in, st->ssq_users[i] == ssq_u[i], "QP %u: feeds %u, %u "
                     "QPs fed", i, st->ssq_users[i], ssq_u[i]);
    }
    if (rdo_in_ok(in)) {
        check_windows(core, in);
    }
    for (uint32_t i = 0; i < c->max_pd && rdo_in_ok(in); i++) {
        rdo_in_check(in, st->pds[i].users >= pd_u[i] &&
                     st->pds[i].users - pd_u[i] <= mrs, "PD %u: %u users, %u "
                     "QPs, SRQs and keyed queues, %u MRs in all", i,
                     st->pds[i].users, pd_u[i], mrs);
    }
}
