/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the device's hard state as a byte stream (migration).
 *
 * Files, top to bottom (each calls only those below it):
 *   state.c      rdo_core_save / rdo_core_load: the header, the table of
 *                sections, the checks across sections, restart on load
 *   objects.c    the control path's objects: configuration, registers and
 *                counters, the control QP, EQs, CQs, PDs, SRQs, GIDs, QPs,
 *                MRs, dirty context lines, push areas, Ethernet queues,
 *                fault injection
 *   xport.c      the transport per QP (requester records, responder
 *                resources, aggregation), the lists of work, the send queue
 *                of work
 *   timing.c     the timing model: cursors, resources, counters, work items,
 *                interrupts on their way, the lifecycle log
 *   cm.c         the offloaded CM: listeners, pools, connections
 *   stream.c     writing and reading little-endian values with bounds
 *
 * Format (docs/architecture.md, "Hard and soft state"): a header (magic,
 * format version, total length), then sections in increasing tag order,
 * each a tag, flags and length, then its payload; tag 0 ends the stream.
 * A section is written only when it has something to say (like a vmstate
 * subsection), so an absent section means "nothing of that kind", and a
 * loader refuses a tag it does not know unless the writer marked the
 * section RDO_SECT_SKIPPABLE (soft state, safe to drop).
 */
#ifndef RDO_STATE_H
#define RDO_STATE_H

#include "ctrl/ctrl.h"
#include "sched/sched.h"
#include "ingress/ingress.h"

#define RDO_STATE_MAGIC     0x534f4452u     /* "RDOS" */
/* Times further ahead of the clock than this are refused on load. */
#define RDO_STATE_HORIZON_NS (60ull * 1000000000ull)

/* A section may be dropped by a loader that does not know its tag. */
#define RDO_SECT_SKIPPABLE  1u
/* Whether it is needed depends on the configuration only (which both ends
 * share): a loader whose configuration needs it refuses a stream without. */
#define RDO_SECT_BY_CONFIG  2u

/* Writing (stream.c): appends little-endian values to a GByteArray. */
typedef struct RdoOut {
    GByteArray *b;
    guint sect;                 /* offset of the open section's header */
} RdoOut;

void rdo_out_u8(RdoOut *o, uint8_t v);
void rdo_out_u16(RdoOut *o, uint16_t v);
void rdo_out_u32(RdoOut *o, uint32_t v);
void rdo_out_u64(RdoOut *o, uint64_t v);
void rdo_out_bytes(RdoOut *o, const void *p, size_t len);
void rdo_out_ring(RdoOut *o, const RdoRing *r);
/* A work request's lifecycle record (timing model): only reported to the
 * host, never used as an index, so it is loaded as it is. */
void rdo_out_life(RdoOut *o, const RdoWrLife *l);
void rdo_out_section(RdoOut *o, uint16_t tag, uint16_t flags);
void rdo_out_section_end(RdoOut *o);

/*
 * Reading (stream.c): every read is bounded by the section's end; the
 * first problem (truncation, or a check that failed) is kept in `err` and
 * later reads return zeros, so a loader reads on and checks `err` once.
 */
typedef struct RdoIn {
    const uint8_t *p;
    size_t pos, end;
    const char *sect;           /* name of the section being read */
    char *err;                  /* g_malloc'd: the first problem */
    uint64_t now_ns;            /* the loading host's virtual time */
} RdoIn;

uint8_t rdo_in_u8(RdoIn *in);
uint16_t rdo_in_u16(RdoIn *in);
uint32_t rdo_in_u32(RdoIn *in);
uint64_t rdo_in_u64(RdoIn *in);
bool rdo_in_bool(RdoIn *in);
void rdo_in_bytes(RdoIn *in, void *p, size_t len);
void rdo_in_ring(RdoIn *in, RdoRing *r);
void rdo_in_life(RdoIn *in, RdoWrLife *l);
/* Records a problem (the first one stays); returns false. */
bool rdo_in_fail(RdoIn *in, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* `ok` or a problem; returns ok. */
bool rdo_in_check(RdoIn *in, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A count of items of at least `item` bytes each: no more than `max`, and
 * no more than what is left of the section could hold. */
uint32_t rdo_in_count(RdoIn *in, uint32_t max, size_t item, const char *what);
/* An index below `limit` (what: its kind, for the message). */
uint32_t rdo_in_index(RdoIn *in, uint32_t limit, const char *what);
/* A time in nanoseconds (0, or at most RDO_STATE_HORIZON_NS ahead). */
uint64_t rdo_in_time_ns(RdoIn *in, const char *what);
/* The same in picoseconds. */
uint64_t rdo_in_time_ps(RdoIn *in, const char *what);
/* QP numbers allocated: the sections of per-QP state write this many. */
static inline uint32_t rdo_state_qps(const RdoCore *core)
{
    uint32_t n = 0;

    for (uint32_t i = 0; i < core->st->usable_qps; i++) {
        n += core->st->qp_used[i] != 0;
    }
    return n;
}

static inline bool rdo_in_ok(const RdoIn *in)
{
    return in->err == NULL;
}

/*
 * One kind of state: saved into its own section when `needed` says so
 * (NULL: always), loaded into a core that was just reset. A loader
 * checks everything it reads that an index, size or state depends on;
 * rdo_state_check (state.c) checks what spans sections afterwards.
 */
typedef struct RdoSection {
    uint16_t tag;
    uint16_t flags;
    const char *name;
    bool (*needed)(RdoCore *core);
    void (*save)(RdoCore *core, RdoOut *o);
    void (*load)(RdoCore *core, RdoIn *in);
} RdoSection;

/* The sections of each file, in tag order, ending with a zero tag. */
extern const RdoSection rdo_state_object_sections[];
extern const RdoSection rdo_state_xport_sections[];
extern const RdoSection rdo_state_timing_sections[];
extern const RdoSection rdo_state_cm_sections[];
extern const RdoSection rdo_state_moved_sections[];
extern const RdoSection rdo_state_port2_sections[];
extern const RdoSection rdo_state_engine_sections[];
/* The failover numbering of the requester's records after a load of the
 * transport (failover.c; section 46 may then set it). */
void rdo_failover_number_records(RdoCore *core);

/* A GID table's valid entries (objects.c; port2.c for port 2's). */
void rdo_state_gids_save(RdoOut *o, const RdoGid *gids, uint32_t max);
void rdo_state_gids_load(RdoIn *in, RdoGid *gids, uint32_t max);
extern const RdoSection rdo_state_flowq_sections[];
extern const RdoSection rdo_state_failover_sections[];
/* Keyed Ethernet queues and flow-steering rules (ethsteer.c, 47). */
extern const RdoSection rdo_state_steer_sections[];

/* The stream (state.c), for rdo_core_save and rdo_core_load (core.c). */
uint8_t *rdo_state_save(RdoCore *core, size_t *len);
bool rdo_state_load(RdoCore *core, const uint8_t *buf, size_t len, char **why);

/* Checks across sections of objects.c (references, counts of users). */
void rdo_state_objects_check(RdoCore *core, RdoIn *in);
/* The transport's lists, flags and records checked against the objects. */
void rdo_state_xport_check(RdoCore *core, RdoIn *in);

/*
 * Engine failover (failover.c): a fault of one engine rebuilds its RC QPs
 * from the store and resumes them on the next engine, itself if it is the
 * only one (after a blackout
 * with the timing model: rdo_failover_run at a wake-up; frames for it are
 * refused meanwhile, ingress/receive.c).
 */
void rdo_failover_engine(RdoCore *core, uint32_t engine);
void rdo_failover_run(RdoCore *core);
/* Is a failover's resumption waiting? (rdo_failover_run's first test.) */
static inline bool rdo_failover_pending(const RdoCore *core)
{
    return core->st->fo_resume_ps != 0;
}

#endif /* RDO_STATE_H */
