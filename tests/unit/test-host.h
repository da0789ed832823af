/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A host for the adapter core without QEMU: flat guest memory, an interrupt
 * log, a frame log, a virtual clock and a log of reported driver mistakes.
 */
#ifndef RDO_TEST_HOST_H
#define RDO_TEST_HOST_H

#include <glib.h>
#include <string.h>
#include "rdo-core.h"

#define TEST_HOST_MEM_BASE  0x100000ull
#define TEST_HOST_IRQS      RDO_MSIX_VECTORS_MAX

/*
 * Frames sent, back to back in one buffer that is reused: no allocation
 * per frame (like a netdev's queue, which copies a frame it cannot pass on
 * at once). Read them with test_frames_get.
 */
typedef struct TestFrames {
    GByteArray *data;
    GArray *at;                 /* TestFrameAt of each frame */
} TestFrames;

typedef struct TestFrameAt {
    size_t off, len;
    uint64_t when_ns;           /* TestHost.timed: when it leaves */
} TestFrameAt;

/*
 * Frames waiting to leave, oldest first, in a ring of bytes that is reused
 * (a frame's bytes never wrap: one that does not fit at the end goes to
 * the start): taking the oldest moves nothing, so the few frames in flight
 * stay in the same warm bytes however long the run (a log compacted from
 * the front copied those in flight again and again).
 */
typedef struct TestFrameRing {
    uint8_t *data;
    size_t size;                /* bytes of data */
    size_t head, tail;          /* the oldest frame's bytes; the next free */
    TestFrameAt *at;            /* the frames, a ring of at_size (a power
                                   of two) from first */
    guint at_size, first, count;
    /* The oldest frame's and the newest's times (0 when empty), kept so
     * that the host's event loop reads one word a side per step. */
    uint64_t front_ns, back_ns;
} TestFrameRing;

/* One DMA the core asked of its host (TestHost.dma_log). */
typedef struct TestDma {
    uint64_t addr, len;
    bool write;
} TestDma;

typedef struct TestHost {
    RdoCore core;
    uint8_t *mem;
    size_t mem_size;
    size_t mem_mapped;              /* of it outside malloc's heap (bigmem) */
    uint8_t *push_ram;              /* BAR 2's push pages (PF only) */
    uint64_t now_ns;
    uint64_t wakeup_ns;             /* 0: none requested */
    uint64_t wakeups;               /* rdo_core_wakeup calls made */
    uint64_t dma_writes;            /* the device's writes to host memory */
    unsigned irqs[TEST_HOST_IRQS];  /* raises per vector */
    TestFrames frames;              /* each frame sent */
    TestFrames frames2;             /* each frame sent by port 2 (ports=2) */
    /* With test_host_timed_frames: frames the timing model handed over
     * to leave at a later time (RdoHostOps.send_frame_at), in time order,
     * until they leave (the pair delivers them). */
    TestFrameRing timed;
    GPtrArray *errors;              /* char * for each driver mistake */
    GArray *lives;                  /* RdoWrLife of each completed WR, if set */
    GArray *spans;                  /* RdoStageSpan of the timing model, if set */
    uint64_t stage_calls;           /* spans the core sent (taken or not) */
    GArray *dma_log;                /* TestDma of each host DMA, if set */
    enum rdo_err last_error;
    enum rdo_guest_err last_class;  /* of the last driver mistake */
    uint32_t last_obj;              /* and the object it named */
    uint32_t class_count[RDO_GE__COUNT];
    uint32_t xport_events[RDO_XE__COUNT];   /* per RDO_XE_* */
    unsigned fatal_calls;           /* RdoHostOps.fatal */
    enum rdo_fatal_cause last_fatal;
} TestHost;

/* Default configuration: 32 vectors, 256 doorbell pages, a port. */
RdoConfig test_host_default_config(void);
TestHost *test_host_new(const RdoConfig *cfg, size_t mem_size);
/* VF n of the PF `pf` (its own memory: its DMA is its own), disabled. */
TestHost *test_host_new_vf(TestHost *pf, uint32_t n, size_t mem_size);
void test_host_free(TestHost *h);
/* The host takes the timing model's frames with their times (instead of a
 * wake-up per frame); whoever runs it sends them at those times (the pair:
 * pair_step). Before the core sends anything. */
void test_host_timed_frames(TestHost *h);
/* Back to the core keeping them (a wake-up per frame), as QEMU's glue. */
void test_host_untimed_frames(TestHost *h);

/* Frame log: how many, frame i (valid until the log is reset), reset
 * (the space is kept for the next frames). */
static inline guint test_frames_count(const TestFrames *f)
{
    return f->at->len;
}
const uint8_t *test_frames_get(const TestFrames *f, guint i, size_t *len);
void test_frames_init(TestFrames *f);
void test_frames_reset(TestFrames *f);
void test_frames_destroy(TestFrames *f);

/* The ring: add a frame at the end; the oldest (NULL if none; when it
 * leaves in *when_ns), valid until the next push; drop the oldest; empty
 * it (the space is kept). Push and pop are inline for the common case (a
 * frame placed right after the newest, no growth): one of each per timed frame.
 * test_ring_put: the frame stored at byte off (free, large enough) as the
 * newest. */
static inline void test_ring_put(TestFrameRing *r, size_t off,
                                 const void *frame, size_t len,
                                 uint64_t when_ns)
{
    if (!r->count) {
        r->head = off;
        r->front_ns = when_ns;
    }
    memcpy(r->data + off, frame, len);
    r->tail = off + len;
    r->at[(r->first + r->count++) & (r->at_size - 1)] =
        (TestFrameAt){ off, len, when_ns };
    r->back_ns = when_ns;
}
void test_ring_push_slow(TestFrameRing *r, const void *frame, size_t len,
                         uint64_t when_ns);
static inline void test_ring_push(TestFrameRing *r, const void *frame,
                                  size_t len, uint64_t when_ns)
{
    /* After the newest, up to the end or (wrapped) short of the oldest:
     * ring_place's cases but the wrap to the start. */
    size_t limit = r->tail < r->head ? r->head - 1 : r->size;

    if (r->count == r->at_size || len > limit - r->tail) {
        test_ring_push_slow(r, frame, len, when_ns);
        return;
    }
    test_ring_put(r, r->tail, frame, len, when_ns);
}
static inline const uint8_t *test_ring_front(const TestFrameRing *r,
                                             size_t *len, uint64_t *when_ns)
{
    const TestFrameAt *a;

    if (!r->count) {
        return NULL;
    }
    a = &r->at[r->first];
    *len = a->len;
    *when_ns = a->when_ns;
    return r->data + a->off;
}
void test_ring_pop_empty(TestFrameRing *r);
static inline void test_ring_pop(TestFrameRing *r)
{
    if (r->count <= 1) {
        test_ring_pop_empty(r);     /* the last, or none (an error) */
        return;
    }
    r->count--;
    r->first = (r->first + 1) & (r->at_size - 1);
    r->head = r->at[r->first].off;
    r->front_ns = r->at[r->first].when_ns;
}
void test_ring_reset(TestFrameRing *r);
void test_ring_destroy(TestFrameRing *r);

/* 32-bit register access, as a driver does. */
uint32_t test_reg_read(TestHost *h, uint32_t reg);
void test_reg_write(TestHost *h, uint32_t reg, uint32_t value);

/*
 * A fuzz run: its seed (RDO_FUZZ_SEED, default random) and its length,
 * RDO_FUZZ_SECONDS (default 2) or exactly RDO_FUZZ_ROUNDS rounds. A run
 * is deterministic in its seed and round count, so checks after the loop
 * replay exactly from the two numbers test_fuzz_end prints.
 */
typedef struct TestFuzzRun {
    const char *name;
    uint32_t seed;
    uint64_t rounds;            /* begun so far */
    uint64_t max_rounds;        /* 0: until the time is up */
    int64_t end;
} TestFuzzRun;

void test_fuzz_begin(TestFuzzRun *r, const char *name);
/* Whether to run another round (counted). */
bool test_fuzz_more(TestFuzzRun *r);
/* Logs the seed and round count that replay this run. */
void test_fuzz_end(const TestFuzzRun *r);

#endif
