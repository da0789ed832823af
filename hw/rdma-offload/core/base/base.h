/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core, base layer: services every stage may call and that
 * call no stage (docs/architecture.md, "Layers").
 */
#ifndef RDO_BASE_H
#define RDO_BASE_H

#include "timing/timing.h"

/* Guest errors (report.c) and the fatal stop (fatal.c) are declared in
 * rdo-core.h, the host interface. */

/* FIFOs of object numbers (idxq.c): append, take the oldest into *n
 * (false when empty), the i-th oldest, look for one, free. Append and
 * take inline (a few a frame with the timing model: the receiver's lists);
 * a full ring grows out of line. */
void rdo_idxq_grow(RdoIdxQueue *q);
bool rdo_idxq_contains(const RdoIdxQueue *q, uint32_t n);
void rdo_idxq_free(RdoIdxQueue *q);

static inline void rdo_idxq_push(RdoIdxQueue *q, uint32_t n)
{
    if (q->len == q->cap) {
        rdo_idxq_grow(q);
    }
    q->v[(q->head + q->len) & (q->cap - 1)] = n;
    q->len++;
}

static inline bool rdo_idxq_pop(RdoIdxQueue *q, uint32_t *n)
{
    if (!q->len) {
        return false;
    }
    *n = q->v[q->head];
    q->head = (q->head + 1) & (q->cap - 1);
    q->len--;
    return true;
}

/*
 * Host caches only, nothing simulated: start loading the cache lines of
 * [p, p + len) into the host CPU's caches, so that a miss on cold per-QP
 * state overlaps the work before its use instead of stalling it (with
 * many QPs each packet meets state no other packet touched lately).
 */
static inline void rdo_host_prefetch(const void *p, size_t len)
{
    const char *c = p;

    for (size_t off = 0; off < len; off += 64) {
        __builtin_prefetch(c + off, 1, 3);
    }
    if (len) {
        __builtin_prefetch(c + len - 1, 1, 3);
    }
}

static inline uint32_t rdo_idxq_nth(const RdoIdxQueue *q, uint32_t i)
{
    return q->v[(q->head + i) & (q->cap - 1)];
}

/* A transport event for the host's traces (report.c). */
RDO_COLD void rdo_xport_event(RdoCore *core, enum rdo_xport_event type,
                              uint32_t qpn, uint32_t psn, uint32_t value);

/* SR-IOV partition (sriov.c). */
void rdo_share_from_config(struct rdo_vf_resources *r, const RdoConfig *cfg);
void rdo_share_to_config(RdoConfig *cfg, const struct rdo_vf_resources *r);
bool rdo_share_ok(const struct rdo_vf_resources *r, const RdoConfig *cfg);
bool rdo_share_rest(const RdoSriov *sr, const struct rdo_vf_resources *vf,
                    struct rdo_vf_resources *pf);
void rdo_share_vfs(const RdoSriov *sr, uint32_t skip,
                   const struct rdo_vf_resources *with,
                   struct rdo_vf_resources *sum);
void rdo_sriov_default_split(RdoSriov *sr, const RdoConfig *cfg);
RdoCore *rdo_sriov_fn_by_mac(RdoSriov *sr, const uint8_t *mac);
/* Moved connections (RdoSriov.moved): the one with home's address and
 * QP qpn; the one living at function `at` as QP qpn; the one a frame to
 * `mac` for qpn reaches; forgetting those living at `at` (qpn RDO_NONE:
 * all of them). */
RdoMoved *rdo_moved_home(RdoSriov *sr, uint32_t home, uint32_t qpn);
RdoMoved *rdo_moved_at(RdoSriov *sr, uint32_t at, uint32_t qpn);
RdoMoved *rdo_moved_by_mac(RdoSriov *sr, const uint8_t *mac, uint32_t qpn);
void rdo_moved_forget(RdoSriov *sr, uint32_t at, uint32_t qpn);
/* The function + 1 an object of `kind` moved to and that is not this
 * function's again since, else 0. */
uint32_t rdo_fn_away(RdoCore *core, enum rdo_obj_kind kind, uint32_t num);
/* rdo_fn_foreign without the moved objects: numbers beyond the share. */
bool rdo_fn_beyond(RdoCore *core, enum rdo_obj_kind kind, uint32_t num,
                   const char *where);
bool rdo_fn_foreign(RdoCore *core, enum rdo_obj_kind kind, uint32_t num,
                    const char *where);

/*
 * The physical ports (port.c), numbered 1 and 2: a valid number for this
 * device, a port's GID table, MAC, MTU and link; the port whose MAC is
 * `mac` (0: neither); the port a frame leaves by (its source MAC's, else
 * 1); port 2's state made and freed with the rest (RdoState.port2).
 */
bool rdo_port_valid(const RdoCore *core, unsigned port);
RdoGid *rdo_port_gids(RdoCore *core, unsigned port);
/* Inline, as rdo_frame_port: every frame sent asks them several times. */
static inline const uint8_t *rdo_port_mac(RdoCore *core, unsigned port)
{
    return port == 2 ? core->st->port2.mac : core->st->port_mac;
}
uint32_t rdo_port_mtu(RdoCore *core, unsigned port);
bool rdo_port_link(const RdoCore *core, unsigned port);
unsigned rdo_mac_port(RdoCore *core, const uint8_t *mac);
static inline unsigned rdo_frame_port(RdoCore *core, const void *frame,
                                      size_t len)
{
    const uint8_t *f = frame;

    /* Frames of port 1, and any other source (the Ethernet function's
     * own), leave by port 1, as on a one-port device. */
    return core->cfg.ports == 2 && len >= 12 &&
           !memcmp(f + 6, core->st->port2.mac, 6) ? 2 : 1;
}
void rdo_port2_init(RdoCore *core, uint32_t gids);
void rdo_port2_free(RdoCore *core);
/* Counts `field` of the device and, for port 2, of port 2. */
#define rdo_port_count(core, port, field) do {              \
        (core)->cnt.field++;                                \
        if ((port) == 2) {                                  \
            (core)->st->port2.cnt.field++;                  \
        }                                                   \
    } while (0)

/* A wake-up of the core at `when_ns` of virtual time (inline: several a
 * frame). */
static inline void rdo_core_schedule(RdoCore *core, uint64_t when_ns)
{
    core->ops->schedule(core->host, when_ns);
}

/* One event queue entry (eqe.c), without reporting what went wrong. */
enum rdo_eqe_result {
    RDO_EQE_WRITTEN,
    RDO_EQE_NO_EQ,              /* no such EQ */
    RDO_EQE_FULL,               /* lost: counted as an overflow */
    RDO_EQE_UNREACHABLE,        /* its ring is not in guest memory */
};
enum rdo_eqe_result rdo_eqe_write(RdoCore *core, uint32_t eqn, uint8_t type,
                                  uint32_t obj, uint32_t data);

/* Rings (ring.c). */
bool rdo_ring_entry_addr(RdoCore *core, const RdoRing *ring, uint32_t index,
                         uint64_t *addr);
bool rdo_ring_read(RdoCore *core, const RdoRing *ring, uint32_t index,
                   void *buf, size_t len);
bool rdo_ring_write(RdoCore *core, const RdoRing *ring, uint32_t index,
                    const void *buf, size_t len);
/* Checks a ring the driver describes; returns a rdo_cqp_status. */
int rdo_ring_check(const RdoRing *ring, uint32_t min_shift, uint32_t max_shift);
static inline uint32_t rdo_ring_size(const RdoRing *ring)
{
    return 1u << ring->log_size;
}
static inline uint8_t rdo_phase(const RdoRing *ring, uint32_t counter)
{
    return rdo_owner_phase(counter, ring->log_size);
}

/* The CAPS register's value for the configuration (config.c). */
uint64_t rdo_config_caps(RdoCore *core);
/* The host's push RAM (RdoHostOps.push_ram), NULL without it. */
static inline const uint8_t *rdo_push_ram(const RdoCore *core)
{
    return core->ops->push_ram ? core->ops->push_ram(core->host) : NULL;
}

/* The queue of send work (work.c): a QP has send work to look at. */
void rdo_work_kick(RdoCore *core, uint32_t qpn);
/* Timing model: a send-queue doorbell as a work item, decoded and its
 * WQEs fetched from their addresses in the ring `sq` in device time. */
void rdo_work_doorbell(RdoCore *core, uint32_t qpn, uint32_t old_pi,
                       uint32_t pi, bool pushed, const RdoRing *sq);
/* Timing model: a work item for QP `qpn` up to `pi` (RDO_NONE: a kick),
 * ready at `ready_ps`, at the head (a visit cut short) or the tail. */
void rdo_work_push(RdoCore *core, uint32_t qpn, uint32_t pi,
                   uint64_t ready_ps, bool head);

/* A new QP's protocol engine (`engines`): round robin, so that QPs made
 * together are spread and a fault of one engine takes few of them. */
static inline void rdo_engine_bind(RdoCore *core, uint32_t qpn)
{
    RdoState *st = core->st;

    st->qp_engine[qpn] = (uint8_t)(st->eng_next % core->cfg.engines);
    st->eng_next = (st->eng_next + 1) % core->cfg.engines;
    st->qp_blackout_ps[qpn] = 0;
}

#endif /* RDO_BASE_H */
