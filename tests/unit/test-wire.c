/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the RoCEv2 wire layer: the public ICRC test vector, build
 * and parse round trips for every opcode, the parser's error codes,
 * segmentation, PSN arithmetic, and corrupted frames by the thousand (run
 * under ASan/UBSan, every frame in a heap block of exactly its size).
 *
 *   test-wire --pcap FILE          writes a capture of a made-up
 *                                  conversation and prints "frame opcode"
 *                                  for each RoCE frame in it
 *   test-wire --pcap-vector FILE   writes the test-vector frame
 * (used by tests/tools/roce-check.sh).
 */
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <zlib.h>

#include "wire/wire.h"

/* The scapy test vector (roce-wire.md): UC SEND_ONLY over IPv4. */
static const uint8_t vector_frame[] = {
    0x24, 0x8a, 0x07, 0xa8, 0xfa, 0x22, 0x24, 0x8a, 0x07, 0xa8, 0xfa, 0x22,
    0x08, 0x00,
    0x45, 0x01, 0x00, 0x40, 0x04, 0x78, 0x40, 0x00, 0x40, 0x11, 0xb4, 0xd5,
    0xc0, 0xa8, 0x00, 0x07, 0xc0, 0xa8, 0x00, 0x07,
    0xc0, 0x00, 0x12, 0xb7, 0x00, 0x2c, 0xac, 0xa2,
    0x24, 0x60, 0xff, 0xff, 0x00, 0x00, 0x00, 0xd3, 0x00, 0xcf, 0x17, 0x10,
    0x46, 0x30, 0x81, 0x8b, 0xe2, 0x89, 0x35, 0xd9, 0x0e, 0x9a, 0x95, 0x50,
    0x54, 0x01, 0xbe, 0x88, 0x5e, 0x50, 0x00, 0x00,
    0x78, 0xf3, 0x53, 0xf3,
};
#define VECTOR_L3_OFF       14
#define VECTOR_UDP_CSUM_OFF 40
#define VECTOR_PAYLOAD_OFF  54
#define VECTOR_PAYLOAD_LEN  18
#define VECTOR_ICRC         0xf353f378u

static const uint32_t mtus[] = { 256, 512, 1024, 2048, 4096 };

/* Payload bytes for every test: a pattern that makes misplaced data show. */
static uint8_t pattern[16384];

static void init_pattern(void)
{
    for (size_t i = 0; i < sizeof(pattern); i++) {
        pattern[i] = (uint8_t)(i * 7 + (i >> 8) + 3);
    }
}

static void set_ipv4_gid(uint8_t gid[16], uint8_t a, uint8_t b, uint8_t c,
                         uint8_t d)
{
    static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

    memcpy(gid, mapped, sizeof(mapped));
    gid[12] = a;
    gid[13] = b;
    gid[14] = c;
    gid[15] = d;
}

static void set_ipv6_gid(uint8_t gid[16], uint16_t last)
{
    static const uint8_t ula[16] = { 0xfd, 0x00, 0x0d, 0x0a };

    memcpy(gid, ula, sizeof(ula));
    gid[14] = (uint8_t)(last >> 8);
    gid[15] = (uint8_t)last;
}

/* A packet with every field, extension headers included, set to something. */
static RdoWirePacket sample_packet(uint8_t opcode, bool ipv6, bool vlan,
                                   uint32_t payload_len)
{
    RdoWirePacket p = {
        .dst_mac = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 },
        .src_mac = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef },
        .vlan = vlan,
        .vlan_tci = vlan ? 0x6005 : 0,
        .traffic_class = 0x6a,
        .hop_limit = 64,
        .flow_label = ipv6 ? 0xabcde : 0,
        .ip_id = ipv6 ? 0 : 0x1234,
        .udp_sport = 0xd001,
        .opcode = opcode,
        .se = true,
        .mig_req = true,
        .ack_req = true,
        .becn = true,
        .pkey = RDO_PKEY_DEFAULT,
        .dest_qp = 0xa1b2c3,
        .psn = 0xfffffe,
        .deth = { .qkey = 0x80010002, .src_qp = 0x123456 },
        .reth = { .va = 0x0123456789abcdefull, .rkey = 0xfeedf00d,
                  .dma_len = 0x87654321 },
        .atomic = { .va = 0x1122334455667788ull, .rkey = 0x99aabbcc,
                    .swap_add = 0xdeadbeefcafef00dull,
                    .compare = 0x0f1e2d3c4b5a6978ull },
        .aeth = { .syndrome = RDO_AETH_ACK, .msn = 0xc0ffee },
        .atomic_ack_orig = 0xa5a5a5a55a5a5a5aull,
        .imm = 0x01020304,
        .ieth_rkey = 0x0badcafe,
        .payload = payload_len ? pattern : NULL,
        .payload_len = payload_len,
    };

    if (ipv6) {
        set_ipv6_gid(p.src_gid, 1);
        set_ipv6_gid(p.dst_gid, 2);
    } else {
        set_ipv4_gid(p.src_gid, 10, 0, 0, 1);
        set_ipv4_gid(p.dst_gid, 10, 0, 0, 2);
    }
    return p;
}

static GBytes *build_frame(const RdoWirePacket *p)
{
    int len = rdo_wire_frame_len(p);
    uint8_t *buf;

    g_assert_cmpint(len, >, 0);
    buf = g_malloc(len);
    g_assert_cmpint(rdo_wire_build(p, buf, len), ==, len);
    return g_bytes_new_take(buf, len);
}

/*
 * Parses a copy of the frame in a heap block of exactly len bytes, so that
 * ASan sees any read past its end. Only the result and offsets are kept.
 */
static int parse_exact(const uint8_t *frame, size_t len, RdoWireParsed *out)
{
    uint8_t *copy = g_memdup2(frame, len);     /* NULL if len is 0 */
    int err = rdo_wire_parse(copy, len, out);
    if (!err) {
        g_assert_cmpuint(out->len, <=, len);
        g_assert_cmpuint(out->icrc_off + RDO_ICRC_LEN, ==, out->len);
        g_assert_cmpuint(out->payload_off + out->pkt.payload_len +
                         out->pad_count, ==, out->icrc_off);
        g_assert_true(out->pkt.payload == copy + out->payload_off);
        g_assert_nonnull(out->op);
    }
    out->pkt.payload = NULL;
    g_free(copy);
    return err;
}

static void put_le(uint8_t *p, uint32_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static void fix_ipv4_csum(uint8_t *f, size_t l3)
{
    f[l3 + 10] = f[l3 + 11] = 0;
    rdo_put_be16(f + l3 + 10, rdo_csum_fold(rdo_csum_add(0, f + l3, RDO_IPV4_HLEN)));
}

/* Stores a correct ICRC in the last 4 bytes of [l3, end). */
static void reseal(uint8_t *f, size_t l3, size_t end)
{
    uint32_t icrc;

    g_assert_true(rdo_wire_icrc(f + l3, end - RDO_ICRC_LEN - l3, &icrc));
    put_le(f + end - RDO_ICRC_LEN, icrc, 4);
}

static void test_vector_parse(void)
{
    RdoWireParsed r;
    uint32_t icrc;

    g_assert_true(rdo_wire_icrc(vector_frame + VECTOR_L3_OFF,
                                sizeof(vector_frame) - VECTOR_L3_OFF -
                                RDO_ICRC_LEN, &icrc));
    g_assert_cmphex(icrc, ==, VECTOR_ICRC);

    g_assert_cmpint(rdo_wire_parse(vector_frame, sizeof(vector_frame), &r),
                    ==, 0);
    g_assert_cmphex(r.icrc, ==, VECTOR_ICRC);
    g_assert_false(r.ipv6);
    g_assert_cmphex(r.pkt.opcode, ==, RDO_TRANSPORT_UC | RDO_OP_SEND_ONLY);
    g_assert_cmpstr(r.op->name, ==, "UC_SEND_ONLY");
    g_assert_true(r.pkt.mig_req);
    g_assert_false(r.pkt.se);
    g_assert_false(r.pkt.ack_req);
    g_assert_cmphex(r.pkt.pkey, ==, 0xffff);
    g_assert_cmphex(r.pkt.dest_qp, ==, 0xd3);
    g_assert_cmphex(r.pkt.psn, ==, 0xcf1710);
    g_assert_cmpuint(r.pkt.udp_sport, ==, 49152);
    g_assert_cmpuint(r.pad_count, ==, 2);
    g_assert_cmpuint(r.pkt.payload_len, ==, VECTOR_PAYLOAD_LEN);
    g_assert_cmpuint(r.payload_off, ==, VECTOR_PAYLOAD_OFF);
    g_assert_cmpuint(r.len, ==, sizeof(vector_frame));
    g_assert_true(rdo_wire_gid_is_ipv4(r.pkt.src_gid));
    g_assert_cmpmem(r.pkt.src_gid + 12, 4, vector_frame + 26, 4);
}

/* Built from its fields, the vector's packet differs only in its UDP
 * checksum (0 from us, computed by scapy), which the ICRC does not cover. */
static void test_vector_build(void)
{
    RdoWirePacket p = {
        .dst_mac = { 0x24, 0x8a, 0x07, 0xa8, 0xfa, 0x22 },
        .src_mac = { 0x24, 0x8a, 0x07, 0xa8, 0xfa, 0x22 },
        .traffic_class = 0x01,
        .hop_limit = 64,
        .ip_id = 0x0478,
        .udp_sport = 0xc000,
        .opcode = RDO_TRANSPORT_UC | RDO_OP_SEND_ONLY,
        .mig_req = true,
        .pkey = 0xffff,
        .dest_qp = 0xd3,
        .psn = 0xcf1710,
        .payload = vector_frame + VECTOR_PAYLOAD_OFF,
        .payload_len = VECTOR_PAYLOAD_LEN,
    };
    uint8_t buf[sizeof(vector_frame)];

    set_ipv4_gid(p.src_gid, 192, 168, 0, 7);
    set_ipv4_gid(p.dst_gid, 192, 168, 0, 7);
    g_assert_cmpint(rdo_wire_frame_len(&p), ==, sizeof(vector_frame));
    g_assert_cmpint(rdo_wire_build(&p, buf, sizeof(buf)), ==, sizeof(buf));
    g_assert_cmphex(rdo_get_be16(buf + VECTOR_UDP_CSUM_OFF), ==, 0);
    memcpy(buf + VECTOR_UDP_CSUM_OFF, vector_frame + VECTOR_UDP_CSUM_OFF, 2);
    g_assert_cmpmem(buf, sizeof(buf), vector_frame, sizeof(vector_frame));
}

/*
 * The ICRC's CRC-32 (ISA-L or zlib, whichever the build linked) is zlib's
 * crc32(): the standard check value, then every length 0..4096 at aligned
 * and unaligned starts (each buffer in a heap block of exactly its size),
 * continued from a CRC at every split of a few buffers, and from a nonzero
 * start.
 */
/* RFC 1071's definition, a 16-bit word at a time, to check the fast sum. */
static uint16_t csum_by_words(const uint8_t *b, size_t len)
{
    uint32_t sum = 0;

    for (size_t i = 0; i < len; i += 2) {
        sum += (uint32_t)b[i] << 8 | (i + 1 < len ? b[i + 1] : 0);
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

static void test_csum_words(void)
{
    GRand *rand = g_rand_new_with_seed(21);
    uint8_t *src = g_malloc(2048 + 8);

    for (size_t i = 0; i < 2048 + 8; i++) {
        src[i] = (uint8_t)g_rand_int(rand);
    }
    /* All-ones bytes carry at every word: the folds must still agree. */
    memset(src + 1024, 0xff, 512);
    for (size_t off = 0; off < 8; off++) {
        for (size_t len = 0; len <= 2048; len++) {
            uint16_t want = csum_by_words(src + off, len);
            uint16_t got = rdo_csum_fold(rdo_csum_add(0, src + off, len));

            if (got != want) {
                g_error("checksum differs from RFC 1071: start %zu, length "
                        "%zu: %04x, want %04x", off, len, got, want);
            }
        }
    }
    /* A sum carried over two calls, the first of an even length. */
    g_assert_cmphex(rdo_csum_fold(rdo_csum_add(rdo_csum_add(0, src, 10),
                                               src + 10, 1013)), ==,
                    csum_by_words(src, 1023));
    g_free(src);
    g_rand_free(rand);
}

static void test_crc32_zlib(void)
{
    static const size_t offs[] = { 0, 1, 3, 5, 8 };
    GRand *rand = g_rand_new_with_seed(20);
    uint8_t *src = g_malloc(4096 + 8);

    g_test_message("CRC-32 from %s", rdo_wire_crc32_impl());
    g_assert_cmphex(rdo_wire_crc32(0, (const uint8_t *)"123456789", 9), ==,
                    0xcbf43926u);
    for (size_t i = 0; i < 4096 + 8; i++) {
        src[i] = (uint8_t)g_rand_int(rand);
    }
    for (size_t o = 0; o < G_N_ELEMENTS(offs); o++) {
        for (size_t len = 0; len <= 4096; len++) {
            uint8_t *b = g_malloc(offs[o] + len + 1);

            memcpy(b + offs[o], src, len);
            if (rdo_wire_crc32(0, b + offs[o], len) !=
                (uint32_t)crc32_z(0, b + offs[o], len)) {
                g_error("CRC-32 differs from zlib: start %zu, length %zu",
                        offs[o], len);
            }
            g_free(b);
        }
    }
    for (size_t len = 1; len <= 300; len += 37) {
        uint32_t whole = (uint32_t)crc32_z(0, src + 1, len);

        for (size_t k = 0; k <= len; k++) {
            g_assert_cmphex(rdo_wire_crc32(rdo_wire_crc32(0, src + 1, k),
                                           src + 1 + k, len - k), ==, whole);
        }
        g_assert_cmphex(rdo_wire_crc32(0x12345678u, src, len), ==,
                        (uint32_t)crc32_z(0x12345678u, src, len));
    }
    g_free(src);
    g_rand_free(rand);
}

/*
 * rdo_wire_icrc against a reference written from the specification's
 * words (roce-wire.md) by byte offsets, with zlib's crc32 over one masked
 * copy of the whole packet: 8 bytes of ones for the LRH, then the packet
 * with IPv4 TOS, TTL, header checksum (IPv6 traffic class, flow label, hop
 * limit), UDP checksum and BTH resv8a as ones. Random packets of IPv4 and
 * IPv6 with 0..4096 bytes after the BTH, at unaligned starts.
 */
static uint32_t icrc_reference(const uint8_t *ip, size_t len, bool ipv6)
{
    size_t ip_len = ipv6 ? 40 : 20;
    uint8_t *m = g_malloc(8 + len);
    uint32_t crc;

    memset(m, 0xff, 8);
    memcpy(m + 8, ip, len);
    if (ipv6) {
        m[8 + 0] |= 0x0f;           /* traffic class, flow label */
        memset(m + 8 + 1, 0xff, 3);
        m[8 + 7] = 0xff;            /* hop limit */
    } else {
        m[8 + 1] = 0xff;            /* TOS */
        m[8 + 8] = 0xff;            /* TTL */
        memset(m + 8 + 10, 0xff, 2); /* header checksum */
    }
    memset(m + 8 + ip_len + 6, 0xff, 2);    /* UDP checksum */
    m[8 + ip_len + 8 + 4] = 0xff;           /* BTH resv8a */
    crc = (uint32_t)crc32_z(0, m, 8 + len);
    g_free(m);
    return crc;
}

static void test_icrc_reference(void)
{
    GRand *rand = g_rand_new_with_seed(21);

    for (int v6 = 0; v6 <= 1; v6++) {
        size_t hlen = (v6 ? 40 : 20) + 8 + 12;

        for (size_t plen = 0; plen <= 4096; plen += (plen < 64 ? 1 : 61)) {
            size_t off = g_rand_int_range(rand, 0, 8);
            uint8_t *b = g_malloc(off + hlen + plen);
            uint8_t *ip = b + off;
            uint32_t icrc;

            for (size_t i = 0; i < hlen + plen; i++) {
                ip[i] = (uint8_t)g_rand_int(rand);
            }
            ip[0] = v6 ? (uint8_t)(0x60 | (ip[0] & 0x0f)) : RDO_IPV4_VER_IHL;
            g_assert_true(rdo_wire_icrc(ip, hlen + plen, &icrc));
            g_assert_cmphex(icrc, ==, icrc_reference(ip, hlen + plen, v6));
            g_free(b);
        }
    }
    g_rand_free(rand);
}

/* What parsing a's frame yields: a, less the fields its opcode lacks. */
static RdoWirePacket expected_after_parse(const RdoWirePacket *a, bool ipv6)
{
    const RdoWireOpInfo *op = rdo_wire_op_info(a->opcode);
    RdoWirePacket e = *a;

    if (ipv6) {
        e.ip_id = 0;
    } else {
        e.flow_label = 0;
    }
    if (!(op->ext & RDO_EXT_DETH)) {
        memset(&e.deth, 0, sizeof(e.deth));
    }
    if (!(op->ext & RDO_EXT_RETH)) {
        memset(&e.reth, 0, sizeof(e.reth));
    }
    if (!(op->ext & RDO_EXT_ATOMIC)) {
        memset(&e.atomic, 0, sizeof(e.atomic));
    }
    if (!(op->ext & RDO_EXT_AETH)) {
        memset(&e.aeth, 0, sizeof(e.aeth));
    }
    if (!(op->ext & RDO_EXT_ATOMIC_ACK)) {
        e.atomic_ack_orig = 0;
    }
    if (!(op->ext & RDO_EXT_IMM)) {
        e.imm = 0;
    }
    if (!(op->ext & RDO_EXT_IETH)) {
        e.ieth_rkey = 0;
    }
    return e;
}

static void assert_packet_equal(const RdoWirePacket *a, const RdoWirePacket *b)
{
    g_assert_cmpmem(a->dst_mac, RDO_ETH_ALEN, b->dst_mac, RDO_ETH_ALEN);
    g_assert_cmpmem(a->src_mac, RDO_ETH_ALEN, b->src_mac, RDO_ETH_ALEN);
    g_assert_cmpint(a->vlan, ==, b->vlan);
    g_assert_cmphex(a->vlan_tci, ==, b->vlan_tci);
    g_assert_cmpmem(a->src_gid, 16, b->src_gid, 16);
    g_assert_cmpmem(a->dst_gid, 16, b->dst_gid, 16);
    g_assert_cmphex(a->traffic_class, ==, b->traffic_class);
    g_assert_cmpint(a->becn, ==, b->becn);
    g_assert_cmpuint(a->hop_limit, ==, b->hop_limit);
    g_assert_cmphex(a->flow_label, ==, b->flow_label);
    g_assert_cmphex(a->ip_id, ==, b->ip_id);
    g_assert_cmphex(a->udp_sport, ==, b->udp_sport);
    g_assert_cmphex(a->opcode, ==, b->opcode);
    g_assert_cmpint(a->se, ==, b->se);
    g_assert_cmpint(a->mig_req, ==, b->mig_req);
    g_assert_cmpint(a->ack_req, ==, b->ack_req);
    g_assert_cmphex(a->pkey, ==, b->pkey);
    g_assert_cmphex(a->dest_qp, ==, b->dest_qp);
    g_assert_cmphex(a->psn, ==, b->psn);
    g_assert_cmphex(a->deth.qkey, ==, b->deth.qkey);
    g_assert_cmphex(a->deth.src_qp, ==, b->deth.src_qp);
    g_assert_cmphex(a->reth.va, ==, b->reth.va);
    g_assert_cmphex(a->reth.rkey, ==, b->reth.rkey);
    g_assert_cmphex(a->reth.dma_len, ==, b->reth.dma_len);
    g_assert_cmphex(a->atomic.va, ==, b->atomic.va);
    g_assert_cmphex(a->atomic.rkey, ==, b->atomic.rkey);
    g_assert_cmphex(a->atomic.swap_add, ==, b->atomic.swap_add);
    g_assert_cmphex(a->atomic.compare, ==, b->atomic.compare);
    g_assert_cmphex(a->aeth.syndrome, ==, b->aeth.syndrome);
    g_assert_cmphex(a->aeth.msn, ==, b->aeth.msn);
    g_assert_cmphex(a->atomic_ack_orig, ==, b->atomic_ack_orig);
    g_assert_cmphex(a->imm, ==, b->imm);
    g_assert_cmphex(a->ieth_rkey, ==, b->ieth_rkey);
    g_assert_cmpuint(a->payload_len, ==, b->payload_len);
    g_assert_cmpmem(a->payload, a->payload_len, b->payload, b->payload_len);
}

static void roundtrip_one(uint8_t opcode, bool ipv6, bool vlan,
                          uint32_t payload_len)
{
    const RdoWireOpInfo *op = rdo_wire_op_info(opcode);
    RdoWirePacket p = sample_packet(opcode, ipv6, vlan, payload_len);
    RdoWirePacket expect = expected_after_parse(&p, ipv6);
    size_t ip_len = ipv6 ? RDO_IPV6_HLEN : RDO_IPV4_HLEN;
    uint8_t pad = -payload_len & 3;
    size_t want_len = RDO_ETH_HLEN + (vlan ? RDO_VLAN_HLEN : 0) + ip_len +
                      RDO_UDP_HLEN + RDO_BTH_LEN + op->ext_len + payload_len +
                      pad + RDO_ICRC_LEN;
    GBytes *frame = build_frame(&p);
    size_t len;
    const uint8_t *f = g_bytes_get_data(frame, &len);
    uint8_t *short_buf, *padded;
    RdoWireParsed r;

    g_assert_cmpuint(len, ==, want_len);
    short_buf = g_malloc(len - 1);
    g_assert_cmpint(rdo_wire_build(&p, short_buf, len - 1), ==,
                    -RDO_WIRE_E_NO_SPACE);
    g_free(short_buf);
    g_assert_cmpint(rdo_wire_parse(f, len, &r), ==, 0);
    g_assert_true(r.op == op);
    g_assert_cmpint(r.ipv6, ==, ipv6);
    g_assert_cmpuint(r.pad_count, ==, pad);
    g_assert_cmpuint(r.len, ==, len);
    g_assert_true(r.pkt.payload == f + r.payload_off);
    assert_packet_equal(&r.pkt, &expect);

    /* Ethernet padding after the packet is not part of it. */
    padded = g_malloc0(len + 16);
    memcpy(padded, f, len);
    g_assert_cmpint(rdo_wire_parse(padded, len + 16, &r), ==, 0);
    g_assert_cmpuint(r.len, ==, len);
    g_assert_cmpuint(r.pkt.payload_len, ==, payload_len);
    g_free(padded);
    g_bytes_unref(frame);
}

/* Every opcode over IPv4 and IPv6, tagged or not, with edge payload sizes. */
static void test_roundtrip(void)
{
    static const uint32_t payload_lens[] = { 0, 1, 2, 3, 4, 5, 255, 4096 };
    unsigned opcodes = 0;

    for (unsigned opcode = 0; opcode < 256; opcode++) {
        const RdoWireOpInfo *op = rdo_wire_op_info(opcode);

        if (!op) {
            continue;
        }
        opcodes++;
        for (int v = 0; v < 4; v++) {
            bool ipv6 = v & 1, vlan = v & 2;

            if (!op->payload) {
                roundtrip_one(opcode, ipv6, vlan, 0);
                continue;
            }
            for (size_t i = 0; i < G_N_ELEMENTS(payload_lens); i++) {
                if (payload_lens[i] || op->pos == RDO_POS_ONLY) {
                    roundtrip_one(opcode, ipv6, vlan, payload_lens[i]);
                }
            }
        }
    }
    /* RC 23, UC 12, UD 2, the vendor SEND with invalidate and immediate,
     * and the CNP. */
    g_assert_cmpuint(opcodes, ==, 40);
}

/* The table against the opcode list of IBTA annex A17 / roce-wire.md. */
static void test_opcode_table(void)
{
    static const struct {
        uint8_t opcode;
        uint8_t ext;
        uint8_t ext_len;
        RdoWirePos pos;
        bool payload;
        bool response;
    } spot[] = {
        { 0x00, 0, 0, RDO_POS_FIRST, true, false },
        { 0x0b, RDO_EXT_RETH | RDO_EXT_IMM, 20, RDO_POS_ONLY, true, false },
        { 0x0c, RDO_EXT_RETH, 16, RDO_POS_ONLY, false, false },
        { 0x0e, 0, 0, RDO_POS_MIDDLE, true, true },
        { 0x0f, RDO_EXT_AETH, 4, RDO_POS_LAST, true, true },
        { 0x11, RDO_EXT_AETH, 4, RDO_POS_ONLY, false, true },
        { 0x12, RDO_EXT_AETH | RDO_EXT_ATOMIC_ACK, 12, RDO_POS_ONLY, false,
          true },
        { 0x14, RDO_EXT_ATOMIC, 28, RDO_POS_ONLY, false, false },
        { 0x16, RDO_EXT_IETH, 4, RDO_POS_LAST, true, false },
        { 0x26, RDO_EXT_RETH, 16, RDO_POS_FIRST, true, false },
        { 0x29, RDO_EXT_IMM, 4, RDO_POS_LAST, true, false },
        { 0x64, RDO_EXT_DETH, 8, RDO_POS_ONLY, true, false },
        { 0x65, RDO_EXT_DETH | RDO_EXT_IMM, 12, RDO_POS_ONLY, true, false },
        /* Vendor: ImmDt then IETH. */
        { 0xd6, RDO_EXT_IMM | RDO_EXT_IETH, 8, RDO_POS_LAST, true, false },
        { 0xd7, RDO_EXT_IMM | RDO_EXT_IETH, 8, RDO_POS_ONLY, true, false },
        /* CNP: 16 reserved bytes after the BTH, no payload. */
        { 0x81, RDO_EXT_CNP, 16, RDO_POS_ONLY, false, false },
    };
    static const uint8_t unknown[] = {
        0x15, 0x18, 0x1f, 0x2c, 0x2d, 0x33, 0x36, 0x40, 0x60, 0x66, 0x80,
        0x82, 0xc0, 0xd5, 0xd8, 0xff,
    };

    for (size_t i = 0; i < G_N_ELEMENTS(spot); i++) {
        const RdoWireOpInfo *op = rdo_wire_op_info(spot[i].opcode);

        g_assert_nonnull(op);
        g_assert_cmphex(op->ext, ==, spot[i].ext);
        g_assert_cmpuint(op->ext_len, ==, spot[i].ext_len);
        g_assert_cmpuint(op->pos, ==, spot[i].pos);
        g_assert_cmpint(op->payload, ==, spot[i].payload);
        g_assert_cmpint(op->response, ==, spot[i].response);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(unknown); i++) {
        g_assert_null(rdo_wire_op_info(unknown[i]));
    }
    g_assert_cmpstr(rdo_wire_op_info(0x03)->name, ==, "RC_SEND_LAST_IMM");
    g_assert_cmpstr(rdo_wire_op_info(0x2a)->name, ==, "UC_WRITE_ONLY");
    g_assert_cmpstr(rdo_wire_op_info(0x65)->name, ==, "UD_SEND_ONLY_IMM");
    g_assert_cmpstr(rdo_wire_op_info(0xd7)->name, ==, "RC_VENDOR_SEND_ONLY_INV_IMM");
}

static void test_build_invalid(void)
{
    uint8_t buf[8192];
    RdoWirePacket p;

    p = sample_packet(0x15, false, false, 0);
    g_assert_cmpint(rdo_wire_build(&p, buf, sizeof(buf)), ==,
                    -RDO_WIRE_E_BAD_OPCODE);
    p = sample_packet(RDO_OP_ACKNOWLEDGE, false, false, 4);
    g_assert_cmpint(rdo_wire_build(&p, buf, sizeof(buf)), ==,
                    -RDO_WIRE_E_BAD_LENGTH);
    p = sample_packet(RDO_OP_SEND_MIDDLE, false, false, 0);
    g_assert_cmpint(rdo_wire_build(&p, buf, sizeof(buf)), ==,
                    -RDO_WIRE_E_BAD_LENGTH);
    p = sample_packet(RDO_OP_SEND_ONLY, false, false, 70000);
    g_assert_cmpint(rdo_wire_frame_len(&p), ==, -RDO_WIRE_E_BAD_LENGTH);
    /*
     * The IPv4 total length is 16-bit: 44 bytes of headers and ICRC leave
     * room for 65491 bytes, of which 65488 with their pad fit.
     */
    p = sample_packet(RDO_OP_SEND_ONLY, false, false, 65488);
    p.payload = g_malloc0(p.payload_len + 1);
    g_assert_cmpint(rdo_wire_frame_len(&p), ==, RDO_ETH_HLEN + 65532);
    p.payload_len++;
    g_assert_cmpint(rdo_wire_frame_len(&p), ==, -RDO_WIRE_E_BAD_LENGTH);
    g_free((void *)p.payload);
    p = sample_packet(RDO_OP_SEND_ONLY, false, false, 8);
    p.payload = NULL;
    g_assert_cmpint(rdo_wire_build(&p, buf, sizeof(buf)), ==,
                    -RDO_WIRE_E_INVALID);
    p = sample_packet(RDO_OP_SEND_ONLY, false, false, 8);
    p.dest_qp = 0x1000000;
    g_assert_cmpint(rdo_wire_build(&p, buf, sizeof(buf)), ==,
                    -RDO_WIRE_E_INVALID);
    p = sample_packet(RDO_OP_SEND_ONLY, false, false, 8);
    p.psn = 0x1000000;
    g_assert_cmpint(rdo_wire_build(&p, buf, sizeof(buf)), ==,
                    -RDO_WIRE_E_INVALID);
    p = sample_packet(RDO_OP_SEND_ONLY, true, false, 8);
    p.flow_label = 0x100000;
    g_assert_cmpint(rdo_wire_build(&p, buf, sizeof(buf)), ==,
                    -RDO_WIRE_E_INVALID);
    /* An IPv4 source and an IPv6 destination make no packet. */
    p = sample_packet(RDO_OP_SEND_ONLY, false, false, 8);
    set_ipv6_gid(p.dst_gid, 2);
    g_assert_cmpint(rdo_wire_build(&p, buf, sizeof(buf)), ==,
                    -RDO_WIRE_E_INVALID);
    g_assert_cmpstr(rdo_wire_err_name(-RDO_WIRE_E_BAD_ICRC), ==, "bad ICRC");
    g_assert_cmpstr(rdo_wire_err_name(RDO_WIRE_E_TRUNCATED), ==, "truncated");
    g_assert_cmpstr(rdo_wire_err_name(-1000), ==, "unknown error");
}

/* A good RC frame, without VLAN tag, in a block of its own to break. */
static uint8_t *breakable_frame(uint8_t opcode, bool ipv6, uint32_t payload,
                                size_t *len)
{
    RdoWirePacket p = sample_packet(opcode, ipv6, false, payload);

    return g_bytes_unref_to_data(build_frame(&p), len);
}

#define L3          RDO_ETH_HLEN
#define L4_V4       (L3 + RDO_IPV4_HLEN)
#define BTH_V4      (L4_V4 + RDO_UDP_HLEN)
#define L4_V6       (L3 + RDO_IPV6_HLEN)

static int parse_err(const uint8_t *f, size_t len)
{
    RdoWireParsed r;

    return -parse_exact(f, len, &r);
}

/* Each error code, from a frame broken in one particular way. */
static void test_parse_errors_ipv4(void)
{
    RdoWireParsed r;
    size_t len;
    uint8_t *f;

    f = breakable_frame(RDO_OP_SEND_ONLY, false, 5, &len);
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_OK);
    g_assert_cmpint(parse_exact(f, len, &r), ==, 0);
    g_assert_cmpuint(r.pad_count, ==, 3);

    /* Other traffic. */
    rdo_put_be16(f + 12, 0x0806);
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_E_NOT_ROCE);
    rdo_put_be16(f + 12, RDO_ETHERTYPE_IPV4);
    f[L3 + 9] = 6;
    fix_ipv4_csum(f, L3);
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_E_NOT_ROCE);
    f[L3 + 9] = RDO_IPPROTO_UDP;
    rdo_put_be16(f + L3 + 6, RDO_IPV4_DF | 0x10);
    fix_ipv4_csum(f, L3);
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_E_NOT_ROCE);
    rdo_put_be16(f + L3 + 6, RDO_IPV4_DF);
    fix_ipv4_csum(f, L3);
    rdo_put_be16(f + L4_V4 + 2, 4790);
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_E_NOT_ROCE);
    rdo_put_be16(f + L4_V4 + 2, RDO_ROCE_UDP_PORT);
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_OK);

    /* Cut short. */
    g_assert_cmpint(parse_err(f, 0), ==, RDO_WIRE_E_TRUNCATED);
    g_assert_cmpint(parse_err(f, 13), ==, RDO_WIRE_E_TRUNCATED);
    g_assert_cmpint(parse_err(f, L3 + 19), ==, RDO_WIRE_E_TRUNCATED);
    g_assert_cmpint(parse_err(f, L4_V4 + 7), ==, RDO_WIRE_E_TRUNCATED);
    g_assert_cmpint(parse_err(f, len - 1), ==, RDO_WIRE_E_TRUNCATED);

    /* IP header. */
    f[L3] = 0x55;
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_E_BAD_IP);
    f[L3] = 0x44;
    fix_ipv4_csum(f, L3);
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_E_BAD_IP);
    /* With options the UDP header moves and its port is read there. */
    f[L3] = 0x46;
    memmove(f + L4_V4 + 4, f + L4_V4, len - L4_V4 - 4);
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_E_BAD_IP);
    g_free(f);
    f = breakable_frame(RDO_OP_SEND_ONLY, false, 5, &len);
    rdo_put_be16(f + L3 + 6, RDO_IPV4_MF);
    fix_ipv4_csum(f, L3);
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_E_BAD_IP);
    rdo_put_be16(f + L3 + 6, RDO_IPV4_DF);
    f[L3 + 8]--;            /* TTL: masked in the ICRC, not in the checksum */
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_E_BAD_IP_CSUM);
    fix_ipv4_csum(f, L3);
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_OK);

    /* Lengths. */
    rdo_put_be16(f + L3 + 2, RDO_IPV4_HLEN + RDO_UDP_HLEN - 1);
    fix_ipv4_csum(f, L3);
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_E_BAD_LENGTH);
    rdo_put_be16(f + L3 + 2, len - L3 - 4);
    fix_ipv4_csum(f, L3);
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_E_BAD_LENGTH);
    rdo_put_be16(f + L3 + 2, len - L3);
    rdo_put_be16(f + L4_V4 + 4, len - L4_V4 + 4);
    fix_ipv4_csum(f, L3);
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_E_BAD_LENGTH);
    g_free(f);

    /* Payload and pad not a whole number of words. */
    f = breakable_frame(RDO_OP_SEND_ONLY, false, 5, &len);
    rdo_put_be16(f + L3 + 2, len - L3 - 1);
    rdo_put_be16(f + L4_V4 + 4, len - L4_V4 - 1);
    fix_ipv4_csum(f, L3);
    reseal(f, L3, len - 1);
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_E_BAD_LENGTH);
    g_free(f);

    /* UDP too short for BTH and ICRC, then for the extension headers. */
    f = breakable_frame(RDO_OP_ACKNOWLEDGE, false, 0, &len);
    rdo_put_be16(f + L3 + 2, len - L3 - 8);
    rdo_put_be16(f + L4_V4 + 4, len - L4_V4 - 8);
    fix_ipv4_csum(f, L3);
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_E_BAD_LENGTH);
    g_free(f);
    f = breakable_frame(RDO_OP_ACKNOWLEDGE, false, 0, &len);
    f[BTH_V4] = RDO_OP_READ_REQUEST;
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_E_BAD_LENGTH);
    /* A pad with nothing to pad, and data on an opcode without any. */
    f[BTH_V4] = RDO_OP_ACKNOWLEDGE;
    f[BTH_V4 + 1] |= 1 << RDO_BTH_PAD_SHIFT;
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_E_BAD_LENGTH);
    g_free(f);
    f = breakable_frame(RDO_OP_SEND_ONLY, false, 8, &len);
    f[BTH_V4] = RDO_OP_ACKNOWLEDGE;
    reseal(f, L3, len);
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_E_BAD_LENGTH);
    g_free(f);
    /* FIRST, MIDDLE and LAST carry at least one byte. */
    f = breakable_frame(RDO_OP_SEND_ONLY, false, 0, &len);
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_OK);
    f[BTH_V4] = RDO_OP_SEND_LAST;
    reseal(f, L3, len);
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_E_BAD_LENGTH);
    g_free(f);

    /* Transport header: version, opcode, ICRC. */
    f = breakable_frame(RDO_OP_SEND_ONLY, false, 5, &len);
    f[BTH_V4 + 1] |= 1;
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_E_BAD_TVER);
    f[BTH_V4 + 1] &= ~RDO_BTH_TVER_MASK;
    f[BTH_V4] = 0x15;
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_E_BAD_OPCODE);
    f[BTH_V4] = 0x82;       /* next to the CNP: nothing */
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_E_BAD_OPCODE);
    f[BTH_V4] = RDO_OPCODE_CNP;     /* 8 bytes, not a CNP's 16 */
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_E_BAD_LENGTH);
    f[BTH_V4] = RDO_OP_SEND_ONLY;
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_OK);
    f[len - 1] ^= 0x80;
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_E_BAD_ICRC);
    f[len - 1] ^= 0x80;
    f[BTH_V4 + 1] &= ~RDO_BTH_PAD_MASK;     /* now 8 payload bytes */
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_E_BAD_ICRC);
    g_free(f);
}

static void test_parse_errors_ipv6(void)
{
    size_t len;
    uint8_t *f = breakable_frame(RDO_OP_SEND_ONLY, true, 5, &len);

    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_OK);
    g_assert_cmpint(parse_err(f, L3 + 39), ==, RDO_WIRE_E_TRUNCATED);
    g_assert_cmpint(parse_err(f, L4_V6 + 7), ==, RDO_WIRE_E_TRUNCATED);
    g_assert_cmpint(parse_err(f, len - 4), ==, RDO_WIRE_E_TRUNCATED);
    f[L3] = 0x46;
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_E_BAD_IP);
    f[L3] = 0x66;
    f[L3 + 6] = 0;          /* hop-by-hop options first */
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_E_NOT_ROCE);
    f[L3 + 6] = RDO_IPPROTO_UDP;
    rdo_put_be16(f + L3 + 4, RDO_UDP_HLEN - 1);
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_E_BAD_LENGTH);
    rdo_put_be16(f + L3 + 4, len - L4_V6 - 4);
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_E_BAD_LENGTH);
    rdo_put_be16(f + L3 + 4, len - L4_V6);
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_OK);
    /* No header checksum: a changed hop limit is masked out of the ICRC. */
    f[L3 + 7] = 1;
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_OK);
    /* Addresses are covered. */
    f[L3 + 39] ^= 1;
    g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_E_BAD_ICRC);
    g_free(f);

    /* A VLAN tag with nothing after it. */
    f = breakable_frame(RDO_OP_SEND_ONLY, true, 5, &len);
    rdo_put_be16(f + 12, RDO_ETHERTYPE_VLAN);
    g_assert_cmpint(parse_err(f, RDO_ETH_HLEN + 3), ==, RDO_WIRE_E_TRUNCATED);
    g_free(f);
}

/*
 * A small frame of each opcode, IPv4 and IPv6 alternately, some tagged;
 * short payloads keep the per-bit tests fast.
 */
static GPtrArray *sample_frames(void)
{
    GPtrArray *frames = g_ptr_array_new_with_free_func(
        (GDestroyNotify)g_bytes_unref);
    unsigned n = 0;

    for (unsigned opcode = 0; opcode < 256; opcode++) {
        const RdoWireOpInfo *op = rdo_wire_op_info(opcode);
        RdoWirePacket p;

        if (!op) {
            continue;
        }
        p = sample_packet(opcode, n & 1, n % 3 == 0,
                          op->payload ? n % 23 + 1 : 0);
        g_ptr_array_add(frames, build_frame(&p));
        n++;
    }
    return frames;
}

/* Every proper prefix of a frame is refused, and read within its bounds. */
static void test_robust_truncate(void)
{
    GPtrArray *frames = sample_frames();

    for (unsigned i = 0; i < frames->len; i++) {
        size_t len;
        const uint8_t *f = g_bytes_get_data(frames->pdata[i], &len);

        g_assert_cmpint(parse_err(f, len), ==, RDO_WIRE_OK);
        for (size_t cut = 0; cut < len; cut++) {
            g_assert_cmpint(parse_err(f, cut), !=, RDO_WIRE_OK);
        }
    }
    g_ptr_array_unref(frames);
}

/*
 * Bytes that no check covers: MAC addresses, the VLAN TCI, the UDP
 * checksum, the BTH resv8a byte and, on IPv6, traffic class, flow label and
 * hop limit. IPv4 TOS, TTL and checksum are outside the ICRC but inside the
 * IP header checksum.
 */
static bool byte_unprotected(const RdoWireParsed *r, size_t off)
{
    if (off < 12 || (r->pkt.vlan && (off == 14 || off == 15))) {
        return true;
    }
    if (r->ipv6 && (off == r->l3_off + 1 || off == r->l3_off + 2 ||
                    off == r->l3_off + 3 || off == r->l3_off + 7)) {
        return true;
    }
    return off == r->l4_off + 6 || off == r->l4_off + 7 ||
           off == r->bth_off + 4;
}

static bool bit_unprotected(const RdoWireParsed *r, size_t off, int bit)
{
    /* The IPv6 version nibble is covered, the traffic class nibble not. */
    if (r->ipv6 && off == r->l3_off) {
        return bit < 4;
    }
    return byte_unprotected(r, off);
}

/* Any flipped bit that a check covers gets the frame refused. */
static void test_robust_bitflip(void)
{
    GPtrArray *frames = sample_frames();

    for (unsigned i = 0; i < frames->len; i++) {
        size_t len;
        const uint8_t *data = g_bytes_get_data(frames->pdata[i], &len);
        uint8_t *f = g_memdup2(data, len);
        RdoWireParsed orig;

        g_assert_cmpint(rdo_wire_parse(f, len, &orig), ==, 0);
        for (size_t off = 0; off < len; off++) {
            for (int bit = 0; bit < 8; bit++) {
                int err;

                f[off] ^= 1 << bit;
                err = parse_err(f, len);
                f[off] ^= 1 << bit;
                if (off >= orig.icrc_off) {
                    g_assert_cmpint(err, ==, RDO_WIRE_E_BAD_ICRC);
                } else if (!bit_unprotected(&orig, off, bit)) {
                    g_assert_cmpint(err, !=, RDO_WIRE_OK);
                }
            }
        }
        g_free(f);
    }
    g_ptr_array_unref(frames);
}

/*
 * Random damage by the thousand, from a fixed seed so that any failure
 * repeats: (a) a few bytes overwritten, refused if any of them is covered;
 * (b) random header bytes with checksum and ICRC made valid again, so the
 * length checks behind the CRCs get exercised; (c) random lengths and
 * random garbage. Accepted frames must satisfy parse_exact()'s invariants.
 */
static void test_robust_random(void)
{
    GPtrArray *frames = sample_frames();
    GRand *rand = g_rand_new_with_seed(4791);
    unsigned accepted_resealed = 0;

    for (int iter = 0; iter < 30000; iter++) {
        size_t len;
        const uint8_t *orig = g_bytes_get_data(
            frames->pdata[g_rand_int_range(rand, 0, frames->len)], &len);
        size_t size = len + 64;
        uint8_t *f = g_malloc0(size);
        RdoWireParsed meta, r;
        bool covered = false;
        uint32_t icrc;
        int changes = g_rand_int_range(rand, 1, 5);
        int err;

        memcpy(f, orig, len);
        g_assert_cmpint(rdo_wire_parse(orig, len, &meta), ==, 0);
        switch (iter % 3) {
        case 0:
            for (int c = 0; c < changes; c++) {
                f[g_rand_int_range(rand, 0, len)] = g_rand_int_range(rand, 0, 256);
            }
            /* What differs in the end (a byte may be changed back). */
            for (size_t off = 0; off < len; off++) {
                for (int bit = 0; bit < 8; bit++) {
                    if (((f[off] ^ orig[off]) >> bit & 1) &&
                        !bit_unprotected(&meta, off, bit)) {
                        covered = true;
                    }
                }
            }
            err = parse_exact(f, len, &r);
            if (covered) {
                g_assert_cmpint(err, !=, 0);
            }
            break;
        case 1:
            for (int c = 0; c < changes; c++) {
                f[g_rand_int_range(rand, meta.l3_off, meta.payload_off)] =
                    g_rand_int_range(rand, 0, 256);
            }
            if (!meta.ipv6) {
                fix_ipv4_csum(f, meta.l3_off);
            }
            if (rdo_wire_icrc(f + meta.l3_off,
                              len - RDO_ICRC_LEN - meta.l3_off, &icrc)) {
                put_le(f + len - RDO_ICRC_LEN, icrc, 4);
            }
            if (parse_exact(f, len, &r) == 0) {
                accepted_resealed++;
            }
            break;
        default:
            len = g_rand_int_range(rand, 0, size + 1);
            for (size_t off = g_rand_int_range(rand, 0, len + 1); off < len;
                 off++) {
                f[off] = g_rand_int_range(rand, 0, 256);
            }
            parse_exact(f, len, &r);
        }
        g_free(f);
    }
    if (g_test_verbose()) {
        g_test_message("%u resealed frames accepted", accepted_resealed);
    }
    g_rand_free(rand);
    g_ptr_array_unref(frames);
}

static void check_segments(uint8_t transport, RdoWireMsg msg,
                           uint32_t msg_len, uint32_t mtu)
{
    uint32_t count = rdo_wire_seg_count(msg_len, mtu);
    uint32_t next = 0;
    RdoWireSeg seg;

    g_assert_cmpuint(count, ==,
                     msg_len ? ((uint64_t)msg_len + mtu - 1) / mtu : 1);
    for (uint32_t i = 0; i < count; i++) {
        const RdoWireOpInfo *op;

        /* For a huge message the middle is all alike: skip most of it. */
        if (i == 4 && count > 64) {
            i = count - 4;
            next = i * mtu;
        }
        g_assert_cmpint(rdo_wire_seg(transport, msg, msg_len, mtu, i, &seg),
                        ==, 0);
        op = rdo_wire_op_info(seg.opcode);
        g_assert_nonnull(op);
        /* A SEND with invalidate and immediate ends in a vendor opcode. */
        if (msg == RDO_MSG_SEND_INV_IMM &&
            (op->pos == RDO_POS_LAST || op->pos == RDO_POS_ONLY)) {
            g_assert_cmphex(seg.opcode & RDO_TRANSPORT_MASK, ==,
                            RDO_TRANSPORT_RC_VENDOR);
        } else {
            g_assert_cmphex(seg.opcode & RDO_TRANSPORT_MASK, ==, transport);
        }
        g_assert_cmpuint(seg.offset, ==, next);
        g_assert_true(op->payload);
        if (count == 1) {
            g_assert_cmpuint(op->pos, ==, RDO_POS_ONLY);
            g_assert_cmpuint(seg.len, ==, msg_len);
        } else if (i == 0) {
            g_assert_cmpuint(op->pos, ==, RDO_POS_FIRST);
            g_assert_cmpuint(seg.len, ==, mtu);
        } else if (i == count - 1) {
            g_assert_cmpuint(op->pos, ==, RDO_POS_LAST);
            g_assert_cmpuint(seg.len, >=, 1);
            g_assert_cmpuint(seg.len, <=, mtu);
        } else {
            g_assert_cmpuint(op->pos, ==, RDO_POS_MIDDLE);
            g_assert_cmpuint(seg.len, ==, mtu);
        }
        next += seg.len;
    }
    g_assert_cmpuint(next, ==, msg_len);
    g_assert_cmpint(rdo_wire_seg(transport, msg, msg_len, mtu, count, &seg),
                    ==, -RDO_WIRE_E_INVALID);
}

/* Opcodes at each position: FIRST, MIDDLE, LAST, ONLY. */
static const uint8_t seg_opcodes[RDO_MSG__COUNT][4] = {
    [RDO_MSG_SEND] = { 0x00, 0x01, 0x02, 0x04 },
    [RDO_MSG_SEND_IMM] = { 0x00, 0x01, 0x03, 0x05 },
    [RDO_MSG_SEND_INV] = { 0x00, 0x01, 0x16, 0x17 },
    [RDO_MSG_SEND_INV_IMM] = { 0x00, 0x01, 0xd6, 0xd7 },
    [RDO_MSG_WRITE] = { 0x06, 0x07, 0x08, 0x0a },
    [RDO_MSG_WRITE_IMM] = { 0x06, 0x07, 0x09, 0x0b },
    [RDO_MSG_READ_RESPONSE] = { 0x0d, 0x0e, 0x0f, 0x10 },
};

static void test_seg_edges(void)
{
    RdoWireSeg seg;

    for (size_t m = 0; m < G_N_ELEMENTS(mtus); m++) {
        uint32_t mtu = mtus[m];
        const uint32_t lens[] = {
            0, 1, mtu - 1, mtu, mtu + 1, 2 * mtu, 2 * mtu + 1, 37 * mtu,
            37 * mtu + 5, RDO_WIRE_MSG_MAX - 1, RDO_WIRE_MSG_MAX,
        };

        for (int msg = 0; msg < RDO_MSG__COUNT; msg++) {
            for (size_t l = 0; l < G_N_ELEMENTS(lens); l++) {
                check_segments(RDO_TRANSPORT_RC, msg, lens[l], mtu);
                if (msg != RDO_MSG_SEND_INV && msg != RDO_MSG_SEND_INV_IMM &&
                    msg != RDO_MSG_READ_RESPONSE) {
                    check_segments(RDO_TRANSPORT_UC, msg, lens[l], mtu);
                }
                if ((msg == RDO_MSG_SEND || msg == RDO_MSG_SEND_IMM) &&
                    lens[l] <= mtu) {
                    check_segments(RDO_TRANSPORT_UD, msg, lens[l], mtu);
                }
            }
        }
        g_assert_cmpuint(rdo_wire_seg_count(RDO_WIRE_MSG_MAX, mtu), ==,
                         RDO_WIRE_MSG_MAX / mtu);
    }

    /* The opcodes themselves, for a 3-packet and a 1-packet RC message. */
    for (int msg = 0; msg < RDO_MSG__COUNT; msg++) {
        for (uint32_t i = 0; i < 3; i++) {
            g_assert_cmpint(rdo_wire_seg(RDO_TRANSPORT_RC, msg, 600, 256, i,
                                         &seg), ==, 0);
            g_assert_cmphex(seg.opcode, ==, seg_opcodes[msg][i]);
        }
        g_assert_cmpuint(seg.len, ==, 600 - 512);
        g_assert_cmpint(rdo_wire_seg(RDO_TRANSPORT_RC, msg, 0, 256, 0, &seg),
                        ==, 0);
        g_assert_cmphex(seg.opcode, ==, seg_opcodes[msg][RDO_POS_ONLY]);
        g_assert_cmpuint(seg.len, ==, 0);
    }
    /* UC and UD use the same operations with their transport bits. */
    g_assert_cmpint(rdo_wire_seg(RDO_TRANSPORT_UC, RDO_MSG_WRITE_IMM, 256, 256,
                                 0, &seg), ==, 0);
    g_assert_cmphex(seg.opcode, ==, 0x2b);
    g_assert_cmpint(rdo_wire_seg(RDO_TRANSPORT_UD, RDO_MSG_SEND_IMM, 256, 256,
                                 0, &seg), ==, 0);
    g_assert_cmphex(seg.opcode, ==, 0x65);
    /* No SEND with invalidate (and immediate) on UC. */
    g_assert_cmpint(rdo_wire_seg(RDO_TRANSPORT_UC, RDO_MSG_SEND_INV_IMM, 256,
                                 256, 0, &seg), ==, -RDO_WIRE_E_INVALID);
}

static void test_seg_invalid(void)
{
    RdoWireSeg seg;

    g_assert_false(rdo_wire_mtu_valid(0));
    g_assert_false(rdo_wire_mtu_valid(128));
    g_assert_false(rdo_wire_mtu_valid(1000));
    g_assert_false(rdo_wire_mtu_valid(1500));
    g_assert_false(rdo_wire_mtu_valid(8192));
    for (size_t m = 0; m < G_N_ELEMENTS(mtus); m++) {
        g_assert_true(rdo_wire_mtu_valid(mtus[m]));
    }
    g_assert_cmpuint(rdo_wire_seg_count(100, 1000), ==, 0);
    g_assert_cmpuint(rdo_wire_seg_count(RDO_WIRE_MSG_MAX + 1, 4096), ==, 0);
    g_assert_cmpint(rdo_wire_seg(RDO_TRANSPORT_RC, RDO_MSG_SEND, 100, 1000, 0,
                                 &seg), ==, -RDO_WIRE_E_INVALID);
    g_assert_cmpint(rdo_wire_seg(RDO_TRANSPORT_RC, RDO_MSG_SEND,
                                 RDO_WIRE_MSG_MAX + 1, 4096, 0, &seg), ==,
                    -RDO_WIRE_E_INVALID);
    g_assert_cmpint(rdo_wire_seg(RDO_TRANSPORT_RC, RDO_MSG__COUNT, 100, 1024,
                                 0, &seg), ==, -RDO_WIRE_E_INVALID);
    g_assert_cmpint(rdo_wire_seg(0x40, RDO_MSG_SEND, 100, 1024, 0, &seg), ==,
                    -RDO_WIRE_E_INVALID);
    g_assert_cmpint(rdo_wire_seg(0x01, RDO_MSG_SEND, 100, 1024, 0, &seg), ==,
                    -RDO_WIRE_E_INVALID);
    /* What a transport cannot carry. */
    g_assert_cmpint(rdo_wire_seg(RDO_TRANSPORT_UD, RDO_MSG_SEND, 1025, 1024, 0,
                                 &seg), ==, -RDO_WIRE_E_INVALID);
    g_assert_cmpint(rdo_wire_seg(RDO_TRANSPORT_UD, RDO_MSG_WRITE, 10, 1024, 0,
                                 &seg), ==, -RDO_WIRE_E_INVALID);
    g_assert_cmpint(rdo_wire_seg(RDO_TRANSPORT_UC, RDO_MSG_READ_RESPONSE, 10,
                                 1024, 0, &seg), ==, -RDO_WIRE_E_INVALID);
    g_assert_cmpint(rdo_wire_seg(RDO_TRANSPORT_UC, RDO_MSG_SEND_INV, 10, 1024,
                                 0, &seg), ==, -RDO_WIRE_E_INVALID);
    /* UC sends with invalidate fail only where the invalidate would go. */
    g_assert_cmpint(rdo_wire_seg(RDO_TRANSPORT_UC, RDO_MSG_SEND_INV, 3000,
                                 1024, 0, &seg), ==, 0);
    g_assert_cmpint(rdo_wire_seg(RDO_TRANSPORT_UC, RDO_MSG_SEND_INV, 3000,
                                 1024, 2, &seg), ==, -RDO_WIRE_E_INVALID);
}

static void test_psn(void)
{
    g_assert_cmphex(rdo_psn_add(0xffffff, 1), ==, 0);
    g_assert_cmphex(rdo_psn_add(0xfffff0, 0x20), ==, 0x10);
    g_assert_cmphex(rdo_psn_add(5, 0xffffff), ==, 4);
    g_assert_cmphex(rdo_psn_add(0x123456, 0), ==, 0x123456);

    g_assert_cmpint(rdo_psn_diff(0, 0xffffff), ==, 1);
    g_assert_cmpint(rdo_psn_diff(0xffffff, 0), ==, -1);
    g_assert_cmpint(rdo_psn_diff(0x10, 0xfffff0), ==, 0x20);
    g_assert_cmpint(rdo_psn_diff(0x7fffff, 0), ==, 0x7fffff);
    g_assert_cmpint(rdo_psn_diff(0x800000, 0), ==, -0x800000);
    g_assert_cmpint(rdo_psn_diff(0, 0x800000), ==, -0x800000);
    g_assert_cmpint(rdo_psn_diff(0x800001, 1), ==, -0x800000);
    g_assert_cmpint(rdo_psn_diff(0x800001, 2), ==, 0x7fffff);

    g_assert_cmpint(rdo_psn_cmp(0, 0xffffff), >, 0);
    g_assert_cmpint(rdo_psn_cmp(0xffffff, 0), <, 0);
    g_assert_cmpint(rdo_psn_cmp(0xabcdef, 0xabcdef), ==, 0);
    g_assert_cmpint(rdo_psn_cmp(0x7ffffe, 0xffffff), >, 0);
    g_assert_cmpint(rdo_psn_cmp(0x7fffff, 0xffffff), <, 0);
    /* Walking across the wrap, each PSN is after the one before. */
    for (uint32_t psn = 0xfffff0, i = 0; i < 32; i++) {
        uint32_t next = rdo_psn_add(psn, 1);

        g_assert_cmpint(rdo_psn_cmp(next, psn), >, 0);
        g_assert_cmpint(rdo_psn_cmp(psn, next), <, 0);
        g_assert_cmpint(rdo_psn_diff(rdo_psn_add(psn, 1000), psn), ==, 1000);
        psn = next;
    }
}

/*
 * A made-up exchange that exercises the checker: RC between two IPv4 hosts
 * (SEND, WRITE with immediate, READ, atomic, SEND with invalidate, a lost
 * packet with its NAK and go-back-N retransmission), UC across the PSN
 * wrap, UD and tagged RC over IPv6, and one UDP frame that is not RoCE.
 */
static RdoWirePacket flow_template(bool ipv6, bool reverse, uint32_t dest_qp)
{
    RdoWirePacket p = sample_packet(RDO_OP_SEND_ONLY, ipv6, false, 0);
    uint8_t mac[RDO_ETH_ALEN], gid[16];

    if (reverse) {
        memcpy(mac, p.src_mac, sizeof(mac));
        memcpy(p.src_mac, p.dst_mac, sizeof(mac));
        memcpy(p.dst_mac, mac, sizeof(mac));
        memcpy(gid, p.src_gid, sizeof(gid));
        memcpy(p.src_gid, p.dst_gid, sizeof(gid));
        memcpy(p.dst_gid, gid, sizeof(gid));
    }
    p.se = false;
    p.mig_req = true;
    p.ack_req = true;
    p.dest_qp = dest_qp;
    p.psn = 0;
    p.aeth.msn = 0;
    return p;
}

static void conv_packet(GPtrArray *frames, const RdoWirePacket *tmpl,
                        uint8_t opcode, uint32_t psn)
{
    RdoWirePacket p = *tmpl;

    p.opcode = opcode;
    p.psn = psn;
    g_ptr_array_add(frames, build_frame(&p));
}

/* Sends a message as its packets from psn on; returns the PSN after it. */
static uint32_t conv_message(GPtrArray *frames, const RdoWirePacket *tmpl,
                             uint8_t transport, RdoWireMsg msg, uint32_t len,
                             uint32_t mtu, uint32_t psn)
{
    uint32_t count = rdo_wire_seg_count(len, mtu);

    g_assert_cmpuint(len, <=, sizeof(pattern));
    for (uint32_t i = 0; i < count; i++) {
        RdoWirePacket p = *tmpl;
        RdoWireSeg seg;

        g_assert_cmpint(rdo_wire_seg(transport, msg, len, mtu, i, &seg), ==, 0);
        p.opcode = seg.opcode;
        p.psn = psn;
        p.payload = pattern + seg.offset;
        p.payload_len = seg.len;
        p.ack_req = tmpl->ack_req && i == count - 1;
        g_ptr_array_add(frames, build_frame(&p));
        psn = rdo_psn_add(psn, 1);
    }
    return psn;
}

static GPtrArray *conversation(void)
{
    GPtrArray *frames = g_ptr_array_new_with_free_func(
        (GDestroyNotify)g_bytes_unref);
    RdoWirePacket req = flow_template(false, false, 0x22);
    RdoWirePacket rsp = flow_template(false, true, 0x11);
    RdoWirePacket other;
    uint32_t psn = 0x100, lost;
    GBytes *frame;
    uint8_t *bytes;
    size_t len;

    psn = conv_message(frames, &req, RDO_TRANSPORT_RC, RDO_MSG_SEND, 3000,
                       1024, psn);
    rsp.aeth = (RdoAeth){ .syndrome = RDO_AETH_ACK, .msn = 1 };
    conv_packet(frames, &rsp, RDO_OP_ACKNOWLEDGE, psn - 1);
    req.reth = (RdoReth){ .va = 0x7f0000001000, .rkey = 0x1234,
                          .dma_len = 5000 };
    psn = conv_message(frames, &req, RDO_TRANSPORT_RC, RDO_MSG_WRITE_IMM,
                       5000, 1024, psn);
    /* A READ request takes one PSN for each response packet. */
    req.reth.dma_len = 2500;
    conv_packet(frames, &req, RDO_OP_READ_REQUEST, psn);
    rsp.aeth.msn = 3;
    rsp.ack_req = false;
    psn = conv_message(frames, &rsp, RDO_TRANSPORT_RC, RDO_MSG_READ_RESPONSE,
                       2500, 1024, psn);
    req.atomic = (RdoAtomicEth){ .va = 0x7f0000002000, .rkey = 0x1234,
                                 .swap_add = 1, .compare = 0 };
    conv_packet(frames, &req, RDO_OP_COMPARE_SWAP, psn);
    rsp.aeth.msn = 4;
    conv_packet(frames, &rsp, RDO_OP_ATOMIC_ACKNOWLEDGE, psn);
    psn = rdo_psn_add(psn, 1);
    req.ieth_rkey = 0x5678;
    psn = conv_message(frames, &req, RDO_TRANSPORT_RC, RDO_MSG_SEND_INV, 0,
                       1024, psn);
    /* The packet at "lost" does not arrive: NAK, then go back to it. */
    psn = conv_message(frames, &req, RDO_TRANSPORT_RC, RDO_MSG_SEND, 100, 1024,
                       psn);
    lost = psn;
    psn = conv_message(frames, &req, RDO_TRANSPORT_RC, RDO_MSG_SEND_IMM, 200,
                       1024, psn);
    psn = conv_message(frames, &req, RDO_TRANSPORT_RC, RDO_MSG_SEND, 300, 1024,
                       psn);
    rsp.aeth = (RdoAeth){ .syndrome = RDO_AETH_NAK_PSN_SEQ, .msn = 6 };
    conv_packet(frames, &rsp, RDO_OP_ACKNOWLEDGE, lost);
    conv_message(frames, &req, RDO_TRANSPORT_RC, RDO_MSG_SEND_IMM, 200, 1024,
                 lost);
    conv_message(frames, &req, RDO_TRANSPORT_RC, RDO_MSG_SEND, 300, 1024,
                 rdo_psn_add(lost, 1));
    psn = conv_message(frames, &req, RDO_TRANSPORT_RC, RDO_MSG_SEND, 4096,
                       1024, psn);
    rsp.aeth = (RdoAeth){ .syndrome = RDO_AETH_ACK, .msn = 9 };
    conv_packet(frames, &rsp, RDO_OP_ACKNOWLEDGE, rdo_psn_add(psn, -1));

    /* UC across the PSN wrap. */
    req = flow_template(false, false, 0x33);
    req.ack_req = false;
    req.reth = (RdoReth){ .va = 0x10000, .rkey = 0x99, .dma_len = 3000 };
    psn = conv_message(frames, &req, RDO_TRANSPORT_UC, RDO_MSG_WRITE, 3000,
                       1024, 0xfffffe);
    conv_message(frames, &req, RDO_TRANSPORT_UC, RDO_MSG_SEND, 10, 1024, psn);

    /* UD over IPv6. */
    req = flow_template(true, false, 0x44);
    req.ack_req = false;
    req.deth = (RdoDeth){ .qkey = 0x11111111, .src_qp = 0x55 };
    psn = conv_message(frames, &req, RDO_TRANSPORT_UD, RDO_MSG_SEND, 100,
                       4096, 7);
    conv_message(frames, &req, RDO_TRANSPORT_UD, RDO_MSG_SEND_IMM, 0, 4096,
                 psn);

    /* RC over IPv6 with an 802.1Q tag, path MTU 2048. */
    req = flow_template(true, false, 0x66);
    req.vlan = true;
    req.vlan_tci = 0x3064;
    rsp = flow_template(true, true, 0x77);
    rsp.vlan = true;
    rsp.vlan_tci = 0x3064;
    psn = conv_message(frames, &req, RDO_TRANSPORT_RC, RDO_MSG_SEND_IMM, 5000,
                       2048, 0x500);
    rsp.aeth = (RdoAeth){ .syndrome = RDO_AETH_ACK, .msn = 1 };
    conv_packet(frames, &rsp, RDO_OP_ACKNOWLEDGE, rdo_psn_add(psn, -1));

    /* The same UDP datagram to another port is ordinary traffic. */
    other = flow_template(false, false, 0x22);
    frame = build_frame(&other);
    bytes = g_bytes_unref_to_data(frame, &len);
    rdo_put_be16(bytes + L4_V4 + 2, 53);
    g_ptr_array_insert(frames, 3, g_bytes_new_take(bytes, len));
    return frames;
}

static void test_conversation(void)
{
    GPtrArray *frames = conversation();
    unsigned roce = 0;

    for (unsigned i = 0; i < frames->len; i++) {
        size_t len;
        const uint8_t *f = g_bytes_get_data(frames->pdata[i], &len);
        int err = parse_err(f, len);

        if (err == RDO_WIRE_OK) {
            roce++;
        } else {
            g_assert_cmpint(err, ==, RDO_WIRE_E_NOT_ROCE);
        }
    }
    g_assert_cmpuint(roce, ==, frames->len - 1);
    g_ptr_array_unref(frames);
}

/*
 * Writes frames as a classic little-endian pcap (Ethernet, microseconds)
 * and prints "frame-number opcode" for each RoCE frame.
 */
static int write_pcap(const char *path, GPtrArray *frames)
{
    uint8_t hdr[24] = { 0 }, rec[16];
    FILE *out = fopen(path, "wb");
    bool ok;

    if (!out) {
        perror(path);
        return 1;
    }
    put_le(hdr, 0xa1b2c3d4, 4);
    put_le(hdr + 4, 2, 2);
    put_le(hdr + 6, 4, 2);
    put_le(hdr + 16, 65535, 4);
    put_le(hdr + 20, 1, 4);         /* LINKTYPE_ETHERNET */
    ok = fwrite(hdr, sizeof(hdr), 1, out) == 1;
    for (unsigned i = 0; i < frames->len && ok; i++) {
        size_t len;
        const uint8_t *f = g_bytes_get_data(frames->pdata[i], &len);
        RdoWireParsed r;

        put_le(rec, 1700000000, 4);
        put_le(rec + 4, i * 10, 4);
        put_le(rec + 8, len, 4);
        put_le(rec + 12, len, 4);
        ok = fwrite(rec, sizeof(rec), 1, out) == 1 &&
             fwrite(f, len, 1, out) == 1;
        if (rdo_wire_parse(f, len, &r) == 0) {
            printf("%u %u\n", i + 1, r.pkt.opcode);
        }
    }
    if (fclose(out) || !ok) {
        perror(path);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    init_pattern();
    if (argc == 3 && !strcmp(argv[1], "--pcap")) {
        GPtrArray *frames = conversation();
        int rc = write_pcap(argv[2], frames);

        g_ptr_array_unref(frames);
        return rc;
    }
    if (argc == 3 && !strcmp(argv[1], "--pcap-vector")) {
        GPtrArray *frames = g_ptr_array_new_with_free_func(
            (GDestroyNotify)g_bytes_unref);
        int rc;

        g_ptr_array_add(frames, g_bytes_new_static(vector_frame,
                                                   sizeof(vector_frame)));
        rc = write_pcap(argv[2], frames);
        g_ptr_array_unref(frames);
        return rc;
    }

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/wire/icrc/vector-parse", test_vector_parse);
    g_test_add_func("/wire/icrc/vector-build", test_vector_build);
    g_test_add_func("/wire/icrc/crc32-zlib", test_crc32_zlib);
    g_test_add_func("/wire/csum/words", test_csum_words);
    g_test_add_func("/wire/icrc/reference", test_icrc_reference);
    g_test_add_func("/wire/opcode-table", test_opcode_table);
    g_test_add_func("/wire/roundtrip", test_roundtrip);
    g_test_add_func("/wire/build/invalid", test_build_invalid);
    g_test_add_func("/wire/parse/errors-ipv4", test_parse_errors_ipv4);
    g_test_add_func("/wire/parse/errors-ipv6", test_parse_errors_ipv6);
    g_test_add_func("/wire/parse/conversation", test_conversation);
    g_test_add_func("/wire/seg/edges", test_seg_edges);
    g_test_add_func("/wire/seg/invalid", test_seg_invalid);
    g_test_add_func("/wire/psn", test_psn);
    g_test_add_func("/wire/robust/truncate", test_robust_truncate);
    g_test_add_func("/wire/robust/bitflip", test_robust_bitflip);
    g_test_add_func("/wire/robust/random", test_robust_random);
    return g_test_run();
}
