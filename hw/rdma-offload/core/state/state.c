/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: saving and loading the device's hard state (live
 * migration). The stream and its sections are described in state.h and
 * docs/architecture.md ("Hard and soft state"); each kind of object is one
 * section of the tables in objects.c, xport.c, timing.c, cm.c, moved.c,
 * flowq.c, failover.c and ethsteer.c.
 *
 * A load fills a reset core (core.c resets it before, and again after a
 * refusal) and says what the first problem it found was:
 * truncation, another format version, an unknown section, an index or a
 * size out of range, references between objects that do not hold.
 */
#include <string.h>
#include "state/state.h"

static const RdoSection *const section_tables[] = {
    rdo_state_object_sections,
    rdo_state_xport_sections,
    rdo_state_timing_sections,
    rdo_state_cm_sections,
    rdo_state_moved_sections,
    rdo_state_port2_sections,
    rdo_state_engine_sections,
    rdo_state_flowq_sections,
    rdo_state_failover_sections,
    rdo_state_steer_sections,
};

#define HEADER_LEN      12      /* magic, version, total length */
#define SECT_HDR_LEN    8       /* tag, flags, length */

static const RdoSection *section_of(uint16_t tag)
{
    for (size_t t = 0; t < G_N_ELEMENTS(section_tables); t++) {
        for (const RdoSection *s = section_tables[t]; s->tag; s++) {
            if (s->tag == tag) {
                return s;
            }
        }
    }
    return NULL;
}

uint8_t *rdo_state_save(RdoCore *core, size_t *len)
{
    RdoOut o = { .b = g_byte_array_new() };

    rdo_out_u32(&o, RDO_STATE_MAGIC);
    rdo_out_u32(&o, RDO_STATE_VERSION);
    rdo_out_u32(&o, 0);         /* total length, below */
    for (size_t t = 0; t < G_N_ELEMENTS(section_tables); t++) {
        for (const RdoSection *s = section_tables[t]; s->tag; s++) {
            if (!s->needed || s->needed(core)) {
                rdo_out_section(&o, s->tag, s->flags);
                s->save(core, &o);
                rdo_out_section_end(&o);
            }
        }
    }
    rdo_out_section(&o, 0, 0);
    rdo_out_section_end(&o);
    *len = o.b->len;
    for (int i = 0; i < 4; i++) {
        o.b->data[8 + i] = (uint8_t)(o.b->len >> (8 * i));
    }
    return g_byte_array_free(o.b, FALSE);
}

/* The sections, in tag order; false at the end tag or a problem. */
static bool load_section(RdoCore *core, RdoIn *in, uint16_t *last_tag,
                         uint8_t *seen)
{
    uint16_t tag = rdo_in_u16(in);
    uint16_t flags = rdo_in_u16(in);
    uint32_t len = rdo_in_u32(in);
    const RdoSection *s;

    if (!rdo_in_ok(in)) {
        return false;
    }
    if (!rdo_in_check(in, len <= in->end - in->pos, "section %u of %u bytes, "
                      "%zu left", tag, len, in->end - in->pos)) {
        return false;
    }
    if (tag == 0) {
        rdo_in_check(in, len == 0 && in->pos == in->end,
                     "%zu bytes after the end", in->end - in->pos);
        return false;
    }
    if (!rdo_in_check(in, tag > *last_tag, "section %u after section %u",
                      tag, *last_tag)) {
        return false;
    }
    *last_tag = tag;
    seen[tag / 8] |= 1u << (tag % 8);
    s = section_of(tag);
    if (!s) {
        /* From a newer version: dropped only if the writer says it may be. */
        rdo_in_check(in, flags & RDO_SECT_SKIPPABLE, "section %u unknown to "
                     "this version (and not skippable)", tag);
        in->pos += len;
        return rdo_in_ok(in);
    }
    {
        size_t outer = in->end;

        in->end = in->pos + len;
        in->sect = s->name;
        s->load(core, in);
        rdo_in_check(in, in->pos == in->end, "%zu bytes left over",
                     in->end - in->pos);
        in->sect = NULL;
        in->end = outer;
    }
    return rdo_in_ok(in);
}

bool rdo_state_load(RdoCore *core, const uint8_t *buf, size_t len, char **why)
{
    RdoIn in = { .p = buf, .end = len };
    uint16_t last_tag = 0;
    g_autofree uint8_t *seen = g_new0(uint8_t, 65536 / 8);
    uint32_t magic, version, total;

    in.now_ns = core->ops->now_ns(core->host);
    magic = rdo_in_u32(&in);
    version = rdo_in_u32(&in);
    total = rdo_in_u32(&in);
    if (rdo_in_ok(&in) &&
        rdo_in_check(&in, magic == RDO_STATE_MAGIC, "not a device state "
                     "(magic 0x%08x)", magic) &&
        rdo_in_check(&in, version == RDO_STATE_VERSION, "format version %u, "
                     "this device reads version %u", version,
                     RDO_STATE_VERSION) &&
        rdo_in_check(&in, total == len, "%u bytes long by its header, %zu "
                     "given", total, len)) {
        while (load_section(core, &in, &last_tag, seen)) {
        }
    }
    /* Sections always written must all be there. */
    for (size_t t = 0; t < G_N_ELEMENTS(section_tables) && rdo_in_ok(&in); t++) {
        for (const RdoSection *s = section_tables[t]; s->tag; s++) {
            bool here = seen[s->tag / 8] & (1u << (s->tag % 8));

            rdo_in_check(&in, here || (s->needed && !(s->flags & RDO_SECT_BY_CONFIG)) ||
                         (s->needed && !s->needed(core)),
                         "section %s missing", s->name);
        }
    }
    if (rdo_in_ok(&in)) {
        rdo_state_objects_check(core, &in);
    }
    if (rdo_in_ok(&in)) {
        rdo_state_xport_check(core, &in);
    }
    if (!rdo_in_ok(&in)) {
        if (why) {
            *why = in.err;
        } else {
            g_free(in.err);
        }
        return false;
    }
    /* Timers and pending work: the next wake-up finds what is due and
     * asks for the next one (control QP, transport timers, moderation,
     * send work, the timing model's releases). */
    if (core->st->enabled) {
        rdo_core_schedule(core, in.now_ns);
    }
    return true;
}
