/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include "test-host.h"

/* An address below the memory wraps to beyond it (unsigned). */
static bool mem_range_ok(TestHost *h, uint64_t addr, size_t len)
{
    return addr - TEST_HOST_MEM_BASE <= h->mem_size &&
           len <= h->mem_size - (addr - TEST_HOST_MEM_BASE);
}

static int mem_read(TestHost *h, uint64_t addr, void *buf, size_t len)
{
    if (!mem_range_ok(h, addr, len)) {
        return -1;
    }
    memcpy(buf, h->mem + (addr - TEST_HOST_MEM_BASE), len);
    return 0;
}

static int mem_write(TestHost *h, uint64_t addr, const void *buf, size_t len)
{
    if (!mem_range_ok(h, addr, len)) {
        return -1;
    }
    memcpy(h->mem + (addr - TEST_HOST_MEM_BASE), buf, len);
    h->dma_writes++;
    return 0;
}

/*
 * A DMA noted in the test's log, then done. Out of line: logs are rare,
 * and with the note inline every DMA kept its arguments across it.
 */
static __attribute__((noinline)) int dma_logged(TestHost *h, uint64_t addr,
                                                void *buf, size_t len,
                                                bool write)
{
    TestDma d = { addr, len, write };

    g_array_append_val(h->dma_log, d);
    return write ? mem_write(h, addr, buf, len) : mem_read(h, addr, buf, len);
}

static int th_dma_read(void *host, uint64_t addr, void *buf, size_t len)
{
    TestHost *h = host;

    if (h->dma_log) {
        return dma_logged(h, addr, buf, len, false);
    }
    return mem_read(h, addr, buf, len);
}

static int th_dma_write(void *host, uint64_t addr, const void *buf, size_t len)
{
    TestHost *h = host;

    if (h->dma_log) {
        return dma_logged(h, addr, (void *)buf, len, true);
    }
    return mem_write(h, addr, buf, len);
}

static void th_raise_irq(void *host, unsigned vector)
{
    TestHost *h = host;

    g_assert_cmpuint(vector, <, TEST_HOST_IRQS);
    h->irqs[vector]++;
}

static void frames_add(TestFrames *f, const void *frame, size_t len)
{
    TestFrameAt at = { f->data->len, len, 0 };

    g_byte_array_append(f->data, frame, len);
    g_array_append_val(f->at, at);
}

static void th_send_frame(void *host, const void *frame, size_t len)
{
    frames_add(&((TestHost *)host)->frames, frame, len);
}

static void th_send_frame2(void *host, const void *frame, size_t len)
{
    frames_add(&((TestHost *)host)->frames2, frame, len);
}

static void th_send_frame_at(void *host, const void *frame, size_t len,
                             uint64_t when_ns)
{
    TestFrameRing *r = &((TestHost *)host)->timed;

    /* The host sends them in the order given: their times never go back. */
    g_assert_true(!r->count || r->back_ns <= when_ns);
    test_ring_push(r, frame, len, when_ns);
}

static void th_drop_frames(void *host)
{
    test_ring_reset(&((TestHost *)host)->timed);
}

void test_frames_init(TestFrames *f)
{
    f->data = g_byte_array_new();
    f->at = g_array_new(FALSE, FALSE, sizeof(TestFrameAt));
}

const uint8_t *test_frames_get(const TestFrames *f, guint i, size_t *len)
{
    const TestFrameAt *at;

    g_assert_cmpuint(i, <, f->at->len);
    at = &g_array_index(f->at, TestFrameAt, i);
    *len = at->len;
    return f->data->data + at->off;
}

void test_frames_reset(TestFrames *f)
{
    g_byte_array_set_size(f->data, 0);
    g_array_set_size(f->at, 0);
}

void test_ring_reset(TestFrameRing *r)
{
    r->head = r->tail = 0;
    r->first = r->count = 0;
    r->front_ns = r->back_ns = 0;
}

/* Room for len bytes at the tail, or at the start if the frames do not
 * wrap and it is free there; (size_t)-1 if neither. */
static size_t ring_place(const TestFrameRing *r, size_t len)
{
    if (!r->count) {
        return len <= r->size ? 0 : (size_t)-1;
    }
    if (r->tail >= r->head) {
        if (len <= r->size - r->tail) {
            return r->tail;
        }
        return len < r->head ? 0 : (size_t)-1;
    }
    /* Wrapped: the free bytes lie between the tail and the head. */
    return len < r->head - r->tail ? r->tail : (size_t)-1;
}

/* A larger ring holding the same frames from its start (rare: the ring
 * grows to the most bytes ever in flight, then stays). */
static void ring_grow(TestFrameRing *r, size_t len)
{
    size_t size = MAX(MAX(2 * r->size, 64 * 1024), 2 * len);
    guint at_size = MAX(2 * r->at_size, 64);
    uint8_t *data = g_malloc(size);
    TestFrameAt *at = g_new(TestFrameAt, at_size);
    size_t off = 0;

    for (guint i = 0; i < r->count; i++) {
        TestFrameAt a = r->at[(r->first + i) & (r->at_size - 1)];

        memcpy(data + off, r->data + a.off, a.len);
        a.off = off;
        at[i] = a;
        off += a.len;
    }
    g_free(r->data);
    g_free(r->at);
    r->data = data;
    r->size = size;
    r->at = at;
    r->at_size = at_size;
    r->first = 0;
    r->head = 0;
    r->tail = off;
}

/* The cases test_ring_push leaves out: the first frame of an empty ring
 * that never held any, a frame going to the start, growth. */
void test_ring_push_slow(TestFrameRing *r, const void *frame, size_t len,
                         uint64_t when_ns)
{
    size_t off = ring_place(r, len);

    if (off == (size_t)-1 || r->count == r->at_size) {
        ring_grow(r, len);
        off = ring_place(r, len);
        g_assert_true(off != (size_t)-1);
    }
    test_ring_put(r, off, frame, len, when_ns);
}

/* test_ring_pop of the last frame: the ring starts over at its start. */
void test_ring_pop_empty(TestFrameRing *r)
{
    g_assert_cmpuint(r->count, ==, 1);
    test_ring_reset(r);
}

void test_ring_destroy(TestFrameRing *r)
{
    g_free(r->data);
    g_free(r->at);
}

void test_frames_destroy(TestFrames *f)
{
    g_byte_array_unref(f->data);
    g_array_unref(f->at);
}

static uint64_t th_now_ns(void *host)
{
    return ((TestHost *)host)->now_ns;
}

/* Like QEMU's timer in the glue: the earliest request wins. */
static void th_schedule(void *host, uint64_t when_ns)
{
    TestHost *h = host;

    if (!h->wakeup_ns || when_ns < h->wakeup_ns) {
        h->wakeup_ns = when_ns;
    }
}

static void th_guest_error(void *host, const RdoGuestError *e)
{
    TestHost *h = host;

    h->last_error = e->reg_err;
    h->last_class = e->cls;
    h->last_obj = e->obj;
    h->class_count[e->cls]++;
    g_ptr_array_add(h->errors, g_strdup(e->what));
    if (g_test_verbose()) {
        g_test_message("guest error %s %s %u at 0x%llx: %s",
                       rdo_guest_err_name(e->cls), rdo_obj_kind_name(e->kind),
                       e->obj, (unsigned long long)e->addr, e->what);
    }
}

static void th_xport_event(void *host, const RdoXportEvent *e)
{
    TestHost *h = host;

    h->xport_events[e->type]++;
    if (g_test_verbose()) {
        g_test_message("qp %u: %s psn %u value %u", e->qpn,
                       rdo_xport_event_name(e->type), e->psn, e->value);
    }
}

static void th_fatal(void *host, enum rdo_fatal_cause cause, const char *what)
{
    TestHost *h = host;

    h->fatal_calls++;
    h->last_fatal = cause;
}

static void th_stage(void *host, const RdoStageSpan *span)
{
    TestHost *h = host;

    h->stage_calls++;
    if (h->spans) {
        g_array_append_val(h->spans, *span);
    }
}

/* Spans are taken while a test collects them. */
static bool th_stage_on(void *host)
{
    TestHost *h = host;

    return h->spans != NULL;
}

static void th_wr_life(void *host, const RdoWrLife *life)
{
    TestHost *h = host;

    if (h->lives) {
        g_array_append_val(h->lives, *life);
    }
}

/* The PF's push pages; a VF host has none (as QEMU's VFs). */
static const uint8_t *th_push_ram(void *host)
{
    TestHost *h = host;

    return h->push_ram;
}

#define TEST_HOST_OPS                       \
    .dma_read = th_dma_read,                \
    .dma_write = th_dma_write,              \
    .raise_irq = th_raise_irq,              \
    .send_frame = th_send_frame,            \
    .send_frame2 = th_send_frame2,          \
    .now_ns = th_now_ns,                    \
    .schedule = th_schedule,                \
    .guest_error = th_guest_error,          \
    .xport_event = th_xport_event,          \
    .fatal = th_fatal,                      \
    .stage = th_stage,                      \
    .stage_on = th_stage_on,                \
    .wr_life = th_wr_life,                  \
    .push_ram = th_push_ram

static const RdoHostOps test_host_ops = { TEST_HOST_OPS };
static const RdoHostOps test_host_timed_ops = {
    TEST_HOST_OPS,
    .send_frame_at = th_send_frame_at,
    .drop_frames = th_drop_frames,
};

void test_host_timed_frames(TestHost *h)
{
    h->core.ops = &test_host_timed_ops;
}

void test_host_untimed_frames(TestHost *h)
{
    h->core.ops = &test_host_ops;
}

void test_fuzz_begin(TestFuzzRun *r, const char *name)
{
    const char *env_s = g_getenv("RDO_FUZZ_SECONDS");
    const char *env_seed = g_getenv("RDO_FUZZ_SEED");
    const char *env_rounds = g_getenv("RDO_FUZZ_ROUNDS");
    uint64_t seconds = env_s ? g_ascii_strtoull(env_s, NULL, 0) : 2;

    *r = (TestFuzzRun){ .name = name };
    r->seed = env_seed ? g_ascii_strtoull(env_seed, NULL, 0) : g_random_int();
    r->max_rounds = env_rounds ? g_ascii_strtoull(env_rounds, NULL, 0) : 0;
    r->end = g_get_monotonic_time() + seconds * G_USEC_PER_SEC;
    g_test_message("%s: seed %u", name, r->seed);
}

bool test_fuzz_more(TestFuzzRun *r)
{
    if (r->max_rounds ? r->rounds >= r->max_rounds :
        r->rounds && g_get_monotonic_time() >= r->end) {
        return false;
    }
    r->rounds++;
    return true;
}

void test_fuzz_end(const TestFuzzRun *r)
{
    g_test_message("%s: seed %u, %" G_GUINT64_FORMAT " rounds (replay: "
                   "RDO_FUZZ_SEED=%u RDO_FUZZ_ROUNDS=%" G_GUINT64_FORMAT ")",
                   r->name, r->seed, r->rounds, r->seed, r->rounds);
}

RdoConfig test_host_default_config(void)
{
    static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
    RdoConfig cfg;

    const char *refill = g_getenv("RDO_TX_FIFO_REFILL_BYTES");

    rdo_config_defaults(&cfg);
    memcpy(cfg.mac, mac, sizeof(mac));
    cfg.has_port = true;
    /* The benches at another transmit FIFO threshold (scripts/sim-figures
     * at 0 shows the model before the threshold). */
    if (refill) {
        cfg.tm.tx_fifo_refill_bytes = g_ascii_strtoull(refill, NULL, 0);
    }
    return cfg;
}

/* Guest memory as QEMU allocates guest RAM: huge-page backed where the
 * host allows (rdo_bigmem_alloc0), so that the benches see the TLB misses
 * of the device inside QEMU, not those of a 4 KiB-paged heap block. */
static void test_host_mem_alloc(TestHost *h, size_t mem_size)
{
    uint64_t mapped = rdo_bigmem_mapped_bytes();

    h->mem = rdo_bigmem_alloc0(mem_size);
    h->mem_size = mem_size;
    h->mem_mapped = rdo_bigmem_mapped_bytes() - mapped;
}

TestHost *test_host_new(const RdoConfig *cfg, size_t mem_size)
{
    TestHost *h = g_new0(TestHost, 1);
    const char *why;

    g_assert_true(rdo_config_valid(cfg, &why));
    test_host_mem_alloc(h, mem_size);
    test_frames_init(&h->frames);
    test_frames_init(&h->frames2);
    h->errors = g_ptr_array_new_with_free_func(g_free);
    h->push_ram = g_malloc0((size_t)cfg->doorbell_pages * RDO_DB_PAGE_SIZE);
    rdo_core_init(&h->core, cfg, &test_host_ops, h);
    return h;
}

TestHost *test_host_new_vf(TestHost *pf, uint32_t n, size_t mem_size)
{
    TestHost *h = g_new0(TestHost, 1);

    test_host_mem_alloc(h, mem_size);
    h->now_ns = pf->now_ns;
    test_frames_init(&h->frames);
    test_frames_init(&h->frames2);
    h->errors = g_ptr_array_new_with_free_func(g_free);
    rdo_vf_init(&h->core, &pf->core, n, &test_host_ops, h);
    return h;
}

void test_host_free(TestHost *h)
{
    if (h->core.fn) {
        rdo_vf_destroy(&h->core);
    }
    rdo_core_destroy(&h->core);
    test_frames_destroy(&h->frames);
    test_frames_destroy(&h->frames2);
    test_ring_destroy(&h->timed);
    g_ptr_array_unref(h->errors);
    if (h->spans) {
        g_array_unref(h->spans);
    }
    if (h->lives) {
        g_array_unref(h->lives);
    }
    if (h->dma_log) {
        g_array_unref(h->dma_log);
    }
    g_free(h->push_ram);
    rdo_bigmem_free(h->mem, h->mem_size);
    g_free(h);
}

uint32_t test_reg_read(TestHost *h, uint32_t reg)
{
    return (uint32_t)rdo_core_reg_read(&h->core, reg, 4);
}

void test_reg_write(TestHost *h, uint32_t reg, uint32_t value)
{
    rdo_core_reg_write(&h->core, reg, value, 4);
}
