/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the state stream's values, little-endian, and the
 * reader's bounds: a read past the section's end is a truncated stream,
 * never a read past the buffer.
 */
#include <stdarg.h>
#include <string.h>
#include "state/state.h"

void rdo_out_bytes(RdoOut *o, const void *p, size_t len)
{
    g_byte_array_append(o->b, p, len);
}

void rdo_out_u8(RdoOut *o, uint8_t v)
{
    rdo_out_bytes(o, &v, 1);
}

void rdo_out_u16(RdoOut *o, uint16_t v)
{
    uint8_t b[2] = { v, v >> 8 };

    rdo_out_bytes(o, b, 2);
}

void rdo_out_u32(RdoOut *o, uint32_t v)
{
    rdo_out_u16(o, v);
    rdo_out_u16(o, v >> 16);
}

void rdo_out_u64(RdoOut *o, uint64_t v)
{
    rdo_out_u32(o, v);
    rdo_out_u32(o, v >> 32);
}

void rdo_out_ring(RdoOut *o, const RdoRing *r)
{
    rdo_out_u64(o, r->addr);
    rdo_out_u8(o, r->log_size);
    rdo_out_u8(o, r->stride_shift);
    rdo_out_u8(o, r->flags);
}

void rdo_out_section(RdoOut *o, uint16_t tag, uint16_t flags)
{
    o->sect = o->b->len;
    rdo_out_u16(o, tag);
    rdo_out_u16(o, flags);
    rdo_out_u32(o, 0);          /* the length, once known */
}

void rdo_out_section_end(RdoOut *o)
{
    uint32_t len = o->b->len - o->sect - 8;
    uint8_t *p = o->b->data + o->sect + 4;

    p[0] = len;
    p[1] = len >> 8;
    p[2] = len >> 16;
    p[3] = len >> 24;
}

static bool in_vfail(RdoIn *in, const char *fmt, va_list ap)
{
    if (!in->err) {
        char *msg = g_strdup_vprintf(fmt, ap);

        in->err = g_strdup_printf("%s: %s", in->sect ? in->sect : "stream", msg);
        g_free(msg);
    }
    return false;
}

bool rdo_in_fail(RdoIn *in, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    in_vfail(in, fmt, ap);
    va_end(ap);
    return false;
}

bool rdo_in_check(RdoIn *in, bool ok, const char *fmt, ...)
{
    va_list ap;

    if (!ok) {
        va_start(ap, fmt);
        in_vfail(in, fmt, ap);
        va_end(ap);
    }
    return ok;
}

void rdo_in_bytes(RdoIn *in, void *p, size_t len)
{
    if (in->err || len > in->end - in->pos) {
        if (!in->err) {
            rdo_in_fail(in, "truncated (%zu bytes wanted at offset %zu, "
                        "%zu left)", len, in->pos, in->end - in->pos);
        }
        memset(p, 0, len);
        return;
    }
    memcpy(p, in->p + in->pos, len);
    in->pos += len;
}

uint8_t rdo_in_u8(RdoIn *in)
{
    uint8_t v;

    rdo_in_bytes(in, &v, 1);
    return v;
}

uint16_t rdo_in_u16(RdoIn *in)
{
    uint8_t b[2];

    rdo_in_bytes(in, b, 2);
    return b[0] | b[1] << 8;
}

uint32_t rdo_in_u32(RdoIn *in)
{
    uint32_t lo = rdo_in_u16(in);

    return lo | (uint32_t)rdo_in_u16(in) << 16;
}

uint64_t rdo_in_u64(RdoIn *in)
{
    uint64_t lo = rdo_in_u32(in);

    return lo | (uint64_t)rdo_in_u32(in) << 32;
}

bool rdo_in_bool(RdoIn *in)
{
    uint8_t v = rdo_in_u8(in);

    rdo_in_check(in, v <= 1, "a flag of value %u", v);
    return v == 1;
}

void rdo_in_ring(RdoIn *in, RdoRing *r)
{
    r->addr = rdo_in_u64(in);
    r->log_size = rdo_in_u8(in);
    r->stride_shift = rdo_in_u8(in);
    r->flags = rdo_in_u8(in);
}

uint32_t rdo_in_count(RdoIn *in, uint32_t max, size_t item, const char *what)
{
    uint32_t n = rdo_in_u32(in);

    if (!rdo_in_check(in, n <= max && (uint64_t)n * item <= in->end - in->pos,
                      "%u %s (at most %u, %zu bytes left)", n, what, max,
                      in->end - in->pos)) {
        return 0;
    }
    return n;
}

uint32_t rdo_in_index(RdoIn *in, uint32_t limit, const char *what)
{
    uint32_t i = rdo_in_u32(in);

    if (!rdo_in_check(in, i < limit, "%s %u out of range (%u)", what, i, limit)) {
        return 0;
    }
    return i;
}

/* A time of the clock `per_ns` units to the nanosecond: 0 (none), or at
 * most RDO_STATE_HORIZON_NS beyond the loading host's clock. */
static uint64_t in_time(RdoIn *in, const char *what, uint64_t per_ns,
                        const char *unit)
{
    uint64_t t = rdo_in_u64(in);

    if (!rdo_in_check(in, t / per_ns <= in->now_ns + RDO_STATE_HORIZON_NS,
                      "%s at %" G_GUINT64_FORMAT " %s, beyond the clock (%"
                      G_GUINT64_FORMAT " ns) by more than a minute", what, t,
                      unit, in->now_ns)) {
        return 0;
    }
    return t;
}

uint64_t rdo_in_time_ns(RdoIn *in, const char *what)
{
    return in_time(in, what, 1, "ns");
}

uint64_t rdo_in_time_ps(RdoIn *in, const char *what)
{
    return in_time(in, what, 1000, "ps");
}

void rdo_out_life(RdoOut *o, const RdoWrLife *l)
{
    rdo_out_u32(o, l->qpn);
    rdo_out_u32(o, l->wqe_index);
    rdo_out_u64(o, l->wr_id);
    rdo_out_u32(o, l->msg_len);
    rdo_out_u8(o, l->opcode);
    rdo_out_u8(o, l->pushed);
    rdo_out_u64(o, l->db_ps);
    rdo_out_u64(o, l->wqe_ps);
    rdo_out_u64(o, l->sched_ps);
    rdo_out_u64(o, l->ctx_ps);
    rdo_out_u64(o, l->tx_first_ps);
    rdo_out_u64(o, l->tx_last_ps);
    rdo_out_u64(o, l->ack_ps);
    rdo_out_u64(o, l->cqe_ps);
}

void rdo_in_life(RdoIn *in, RdoWrLife *l)
{
    l->qpn = rdo_in_u32(in);
    l->wqe_index = rdo_in_u32(in);
    l->wr_id = rdo_in_u64(in);
    l->msg_len = rdo_in_u32(in);
    l->opcode = rdo_in_u8(in);
    l->pushed = rdo_in_bool(in);
    l->db_ps = rdo_in_u64(in);
    l->wqe_ps = rdo_in_u64(in);
    l->sched_ps = rdo_in_u64(in);
    l->ctx_ps = rdo_in_u64(in);
    l->tx_first_ps = rdo_in_u64(in);
    l->tx_last_ps = rdo_in_u64(in);
    l->ack_ps = rdo_in_u64(in);
    l->cqe_ps = rdo_in_u64(in);
}
