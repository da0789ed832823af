/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdo-hostile-peer: a man in the middle of two QEMU stream netdevs.
 *
 * usage: rdo-hostile-peer [--seed N] [--rate PER_MILLE] [--kinds LIST]
 *                         [--stats FILE] SOCKET_A SOCKET_B
 *
 * Listens on two Unix sockets; each guest's QEMU connects its netdev
 * (-netdev stream,server=off,reconnect-ms=...) to one. Every frame is
 * forwarded to the other side unchanged, and the relay learns the live
 * RoCEv2 connections from what passes: the QPNs, the PSNs each side sends
 * and has acknowledged, the rkeys and VA ranges of RETHs. After a frame is
 * forwarded, with probability PER_MILLE/1000 (default 50), it sends the
 * same receiver one hostile frame of a kind chosen at random:
 *
 *   mutate    a copy of the frame with 1-3 bits flipped from the IP header
 *             on (never the PSN), ICRC recomputed
 *   truncate  a copy cut short
 *   replay    a RoCE frame sent earlier in the same direction, verbatim
 *   forge     a request to a live QP (WRITE, SEND, READ, atomic) with a
 *             learned rkey, an address inside or outside its MR, and a PSN
 *             just ahead of what the responder expects or already done
 *   response  an ACK, NAK or READ response to a live requester whose PSN
 *             is acknowledged already or far beyond anything it sent
 *   garbage   not RoCE: random EtherTypes, IPv4 with a bad checksum, UDP
 *             4791 with broken lengths, runts
 *   cnp       a CNP (anyone may send one) to a live QP of the receiver or
 *             to a QPN it may not have, BECN mostly set, sometimes itself
 *             marked CE; ICRC right. The receiver may slow the QP (DCQCN,
 *             within its bounds), but nothing may fail
 *
 * Only RC frames are copied, replayed and learned from: on UD and UC a
 * mutated copy or a replay may be a valid new message.
 *
 * Each hostile frame is built so that a correct responder or requester
 * must not act on it (a PSN it has done or does not expect yet, or a bad
 * frame), so the guests' transfers must still complete bit-exact: an
 * injected frame that changes the data or fails a transfer that the IBA
 * says must not fail is a device bug. (A forged request at exactly the
 * expected PSN would be a valid request: RoCE has no authentication.)
 *
 * Frames on a stream netdev are a 4-byte big-endian length and the
 * Ethernet frame (QEMU net/net.c, net_fill_rstate). The seed is printed at
 * start; at exit (SIGTERM, SIGINT, or both QEMUs gone) the counts of what
 * was forwarded and injected are printed as hostile.KEY=VALUE lines, and
 * written to FILE as well.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "wire/wire.h"

#define MAX_FRAME       (4096 + 65536)  /* QEMU's NET_BUFSIZE */
#define RING            64              /* frames kept per direction, for replays */
#define FLOWS           64
#define RKEYS           16

enum kind { K_MUTATE, K_TRUNCATE, K_REPLAY, K_FORGE, K_RESPONSE, K_GARBAGE, K_CNP,
            K__COUNT };
static const char *const kind_name[K__COUNT] = {
    "mutate", "truncate", "replay", "forge", "response", "garbage", "cnp",
};

typedef struct Side {
    int listen_fd;
    int fd;
    bool ever;                  /* has connected once */
    uint8_t buf[4 + MAX_FRAME];
    size_t have;
    uint8_t mac[RDO_ETH_ALEN];  /* learned from the frames sent to it */
    bool mac_known;
} Side;

/* What one side sends on one QP (dir: the receiving side). */
typedef struct Flow {
    bool used;
    int dir;
    uint32_t qpn;               /* the receiver's QPN */
    RdoWirePacket hdr;          /* addresses, UDP source port, P_Key */
    bool req_seen, resp_seen;
    uint32_t req_psn;           /* highest request PSN forwarded */
    uint32_t resp_psn;          /* highest response PSN forwarded */
} Flow;

typedef struct Rkey {
    uint32_t rkey;
    uint64_t va;
    uint32_t len;
} Rkey;

typedef struct Frame {
    uint32_t len;
    uint8_t data[MAX_FRAME];
} Frame;

static Side sides[2];
static Flow flows[FLOWS];
static Rkey rkeys[2][RKEYS];
static unsigned nrkeys[2];
static Frame *ring[2];
static unsigned ring_next[2], ring_count[2];
static uint64_t rng;
static unsigned rate = 50;
static unsigned kinds = (1u << K__COUNT) - 1;
static uint64_t forwarded[2], roce_seen, injected[K__COUNT], fallback;
static volatile sig_atomic_t stop;

static uint64_t rnd(void)
{
    /* xorshift64*: reproducible from the seed, which is all it must be. */
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ull;
}

static uint32_t rnd_below(uint32_t n)
{
    return n ? (uint32_t)(rnd() % n) : 0;
}

static void die(const char *what)
{
    perror(what);
    exit(2);
}

static int listen_on(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    if (fd < 0) {
        die("socket");
    }
    if (strlen(path) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "socket path too long: %s\n", path);
        exit(2);
    }
    strcpy(sa.sun_path, path);
    unlink(path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 2) < 0) {
        die(path);
    }
    return fd;
}

static void send_frame(int to, const uint8_t *frame, uint32_t len)
{
    uint8_t hdr[4];
    const uint8_t *parts[2] = { hdr, frame };
    size_t lens[2] = { 4, len };

    if (sides[to].fd < 0 || len == 0 || len > MAX_FRAME) {
        return;
    }
    rdo_put_be32(hdr, len);
    for (int i = 0; i < 2; i++) {
        size_t off = 0;

        while (off < lens[i]) {
            ssize_t n = write(sides[to].fd, parts[i] + off, lens[i] - off);

            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                /* The QEMU went away; it may reconnect. */
                close(sides[to].fd);
                sides[to].fd = -1;
                return;
            }
            off += (size_t)n;
        }
    }
}

static Flow *flow_get(int dir, uint32_t qpn, bool create)
{
    Flow *free_slot = NULL;

    for (int i = 0; i < FLOWS; i++) {
        if (flows[i].used && flows[i].dir == dir && flows[i].qpn == qpn) {
            return &flows[i];
        }
        if (!flows[i].used && !free_slot) {
            free_slot = &flows[i];
        }
    }
    if (!create) {
        return NULL;
    }
    if (!free_slot) {
        /* Full: forget one at random; old QPs are as good as gone. */
        free_slot = &flows[rnd_below(FLOWS)];
    }
    memset(free_slot, 0, sizeof(*free_slot));
    free_slot->used = true;
    free_slot->dir = dir;
    free_slot->qpn = qpn;
    return free_slot;
}

static bool qpn_known(uint32_t qpn)
{
    for (int i = 0; i < FLOWS; i++) {
        if (flows[i].used && flows[i].qpn == qpn) {
            return true;
        }
    }
    return false;
}

static void rkey_learn(int dir, uint32_t rkey, uint64_t va, uint32_t len)
{
    Rkey *r = NULL;

    for (unsigned i = 0; i < nrkeys[dir]; i++) {
        if (rkeys[dir][i].rkey == rkey) {
            r = &rkeys[dir][i];
        }
    }
    if (!r) {
        r = nrkeys[dir] < RKEYS ? &rkeys[dir][nrkeys[dir]++] : &rkeys[dir][rnd_below(RKEYS)];
        r->rkey = rkey;
        r->va = va;
        r->len = len;
        return;
    }
    /* The MR spans at least every range seen through its rkey. */
    uint64_t end = r->va + r->len > va + len ? r->va + r->len : va + len;

    r->va = va < r->va ? va : r->va;
    r->len = (uint32_t)(end - r->va);
}

/* Learn what a RoCE frame going to side dir says about the connection. */
static void learn(int dir, const RdoWireParsed *p)
{
    const RdoWirePacket *pkt = &p->pkt;
    Flow *f = flow_get(dir, pkt->dest_qp, true);

    f->hdr = *pkt;
    f->hdr.payload = NULL;
    f->hdr.payload_len = 0;
    if (p->op->response) {
        if (!f->resp_seen || rdo_psn_cmp(pkt->psn, f->resp_psn) > 0) {
            f->resp_psn = pkt->psn;
        }
        f->resp_seen = true;
    } else {
        if (!f->req_seen || rdo_psn_cmp(pkt->psn, f->req_psn) > 0) {
            f->req_psn = pkt->psn;
        }
        f->req_seen = true;
    }
    if (p->op->ext & RDO_EXT_RETH && pkt->reth.dma_len) {
        rkey_learn(dir, pkt->reth.rkey, pkt->reth.va, pkt->reth.dma_len);
    }
    if (p->op->ext & RDO_EXT_ATOMIC) {
        rkey_learn(dir, pkt->atomic.rkey, pkt->atomic.va, 8);
    }
    memcpy(sides[dir].mac, pkt->dst_mac, RDO_ETH_ALEN);
    sides[dir].mac_known = true;
}

/* A flow to side dir with requests (want_req) or responses seen. */
static Flow *pick_flow(int dir, bool want_req)
{
    Flow *cand[FLOWS];
    unsigned n = 0;

    for (int i = 0; i < FLOWS; i++) {
        if (flows[i].used && flows[i].dir == dir &&
            (want_req ? flows[i].req_seen : flows[i].resp_seen)) {
            cand[n++] = &flows[i];
        }
    }
    return n ? cand[rnd_below(n)] : NULL;
}

/* The ICRC (and the IPv4 header checksum) of a frame whose bytes changed. */
static void reseal(uint8_t *f, const RdoWireParsed *p)
{
    uint32_t icrc;

    if (!p->ipv6) {
        uint8_t *ip = f + p->l3_off;

        rdo_put_be16(ip + 10, 0);
        rdo_put_be16(ip + 10, rdo_csum_fold(rdo_csum_add(0, ip, RDO_IPV4_HLEN)));
    }
    if (rdo_wire_icrc(f + p->l3_off, p->icrc_off - p->l3_off, &icrc)) {
        for (int i = 0; i < 4; i++) {
            f[p->icrc_off + i] = (uint8_t)(icrc >> (8 * i));
        }
    }
}

static bool inject_mutate(int dir, const uint8_t *frame, uint32_t len)
{
    static uint8_t f[MAX_FRAME];
    RdoWireParsed p;
    size_t psn_off;

    if (rdo_wire_parse(frame, len, &p) < 0) {
        return false;
    }
    memcpy(f, frame, len);
    psn_off = p.bth_off + 9;
    for (unsigned flips = 1 + rnd_below(3); flips; flips--) {
        size_t at;

        do {
            at = p.l3_off + rnd_below((uint32_t)(p.icrc_off - p.l3_off));
        } while (at >= psn_off && at < psn_off + 3);
        f[at] ^= (uint8_t)(1u << rnd_below(8));
    }
    /* A copy redirected to another live QP could land on its expected PSN. */
    uint32_t qpn = rdo_get_be24(f + p.bth_off + 5);

    if (qpn != p.pkt.dest_qp && qpn_known(qpn)) {
        rdo_put_be24(f + p.bth_off + 5, p.pkt.dest_qp);
    }
    reseal(f, &p);
    send_frame(dir, f, len);
    return true;
}

static bool inject_replay(int dir)
{
    if (!ring_count[dir]) {
        return false;
    }
    unsigned back = 1 + rnd_below(ring_count[dir]);
    const Frame *fr = &ring[dir][(ring_next[dir] + RING - back) % RING];

    send_frame(dir, fr->data, fr->len);
    return true;
}

/* A PSN a responder that has taken psn must not act on: ahead by 2-33,
 * or done already (behind by 1-256). */
static uint32_t stray_psn(uint32_t psn)
{
    if (rnd() & 1) {
        return rdo_psn_add(psn, 2 + rnd_below(32));
    }
    return rdo_psn_add(psn, RDO_PSN_MASK + 1 - 1 - rnd_below(256));
}

static void send_built(int dir, RdoWirePacket *pkt)
{
    static uint8_t f[MAX_FRAME];
    int len = rdo_wire_build(pkt, f, sizeof(f));

    if (len > 0) {
        send_frame(dir, f, (uint32_t)len);
    }
}

static bool inject_forge(int dir)
{
    static const uint8_t ops[] = {
        RDO_OP_WRITE_ONLY, RDO_OP_WRITE_FIRST, RDO_OP_WRITE_ONLY_IMM, RDO_OP_SEND_ONLY,
        RDO_OP_SEND_FIRST, RDO_OP_READ_REQUEST, RDO_OP_COMPARE_SWAP, RDO_OP_FETCH_ADD,
    };
    uint8_t payload[512];
    Flow *f = pick_flow(dir, true);
    RdoWirePacket pkt;
    Rkey r = { .rkey = (uint32_t)rnd(), .va = rnd(), .len = 4096 };
    uint64_t va;

    if (!f) {
        return false;
    }
    if (nrkeys[dir]) {
        r = rkeys[dir][rnd_below(nrkeys[dir])];
    }
    switch (rnd_below(3)) {
    case 0:     /* inside the MR */
        va = r.va + rnd_below(r.len);
        break;
    case 1:     /* just past its end */
        va = r.va + r.len + rnd_below(4096);
        break;
    default:    /* just before it */
        va = r.va - 1 - rnd_below(4096);
        break;
    }
    pkt = f->hdr;
    pkt.opcode = RDO_TRANSPORT_RC | ops[rnd_below(sizeof(ops))];
    pkt.psn = stray_psn(f->req_psn);
    pkt.ack_req = true;
    pkt.se = false;
    pkt.payload = NULL;
    pkt.payload_len = 0;
    const RdoWireOpInfo *op = rdo_wire_op_info(pkt.opcode);

    if (op->payload) {
        for (unsigned i = 0; i < sizeof(payload); i++) {
            payload[i] = (uint8_t)rnd();
        }
        pkt.payload = payload;
        pkt.payload_len = pkt.opcode == RDO_OP_WRITE_FIRST || pkt.opcode == RDO_OP_SEND_FIRST ?
                          256 : 1 + rnd_below(sizeof(payload));
    }
    pkt.reth = (RdoReth){ .va = va, .rkey = r.rkey,
                          .dma_len = pkt.opcode == RDO_OP_READ_REQUEST ?
                                     1 + rnd_below(8192) : pkt.payload_len };
    if (pkt.opcode == RDO_OP_WRITE_FIRST) {
        pkt.reth.dma_len = 4096;
    }
    pkt.atomic = (RdoAtomicEth){ .va = va & ~7ull, .rkey = r.rkey,
                                 .swap_add = rnd(), .compare = rnd() };
    pkt.imm = (uint32_t)rnd();
    send_built(dir, &pkt);
    return true;
}

static bool inject_response(int dir)
{
    static const uint8_t syndromes[] = {
        RDO_AETH_ACK, RDO_AETH_NAK_PSN_SEQ, RDO_AETH_NAK_INV_REQ,
        RDO_AETH_NAK_REM_ACCESS, RDO_AETH_NAK_REM_OP, RDO_AETH_TYPE_RNR_NAK | 1,
    };
    uint8_t payload[256];
    Flow *f = pick_flow(dir, false);
    RdoWirePacket pkt;

    if (!f) {
        return false;
    }
    pkt = f->hdr;
    /* Acknowledged already, or far beyond anything sent. */
    pkt.psn = rnd() & 1 ? rdo_psn_add(f->resp_psn, RDO_PSN_MASK - rnd_below(256))
                        : rdo_psn_add(f->resp_psn, 0x200000 + rnd_below(0x100000));
    pkt.payload = NULL;
    pkt.payload_len = 0;
    pkt.aeth = (RdoAeth){ .syndrome = syndromes[rnd_below(sizeof(syndromes))],
                          .msn = (uint32_t)rnd() & RDO_PSN_MASK };
    switch (rnd_below(4)) {
    case 0:
    case 1:
        pkt.opcode = RDO_OP_ACKNOWLEDGE;
        break;
    case 2:
        pkt.opcode = RDO_OP_ATOMIC_ACKNOWLEDGE;
        pkt.aeth.syndrome = RDO_AETH_ACK;
        pkt.atomic_ack_orig = rnd();
        break;
    default:
        pkt.opcode = RDO_OP_READ_RESPONSE_ONLY;
        pkt.aeth.syndrome = RDO_AETH_ACK;
        for (unsigned i = 0; i < sizeof(payload); i++) {
            payload[i] = (uint8_t)rnd();
        }
        pkt.payload = payload;
        pkt.payload_len = 1 + rnd_below(sizeof(payload));
        break;
    }
    send_built(dir, &pkt);
    return true;
}

static bool inject_cnp(int dir)
{
    Flow *f = pick_flow(dir, rnd() & 1);
    RdoWirePacket pkt;

    if (!f) {
        return false;
    }
    pkt = f->hdr;               /* the peer's addresses and UDP port */
    pkt.opcode = RDO_OPCODE_CNP;
    pkt.becn = rnd_below(8) != 0;
    pkt.se = pkt.ack_req = pkt.mig_req = false;
    pkt.psn = 0;
    pkt.payload = NULL;
    pkt.payload_len = 0;
    if (!rnd_below(4)) {
        pkt.dest_qp = (uint32_t)rnd() & RDO_PSN_MASK;
    }
    if (!rnd_below(4)) {
        pkt.traffic_class |= RDO_ECN_CE;
    }
    send_built(dir, &pkt);
    return true;
}

static bool inject_garbage(int dir)
{
    static uint8_t f[2048];
    uint32_t len = 14 + rnd_below(600);
    uint8_t *ip = f + 14;

    for (uint32_t i = 0; i < sizeof(f); i++) {
        f[i] = (uint8_t)rnd();
    }
    if (sides[dir].mac_known && rnd_below(4)) {
        memcpy(f, sides[dir].mac, RDO_ETH_ALEN);
    }
    f[6] &= 0xFE;               /* a unicast source */
    switch (rnd_below(5)) {
    case 0:                     /* a runt */
        len = 1 + rnd_below(60);
        break;
    case 1:                     /* some other EtherType */
        break;
    case 2:                     /* IPv4 UDP 4791 with a bad header checksum */
    case 3:                     /* ... or a good one, random lengths */
        rdo_put_be16(f + 12, RDO_ETHERTYPE_IPV4);
        len = 14 + 20 + 8 + 12 + rnd_below(400);
        ip[0] = RDO_IPV4_VER_IHL;
        ip[1] = 0;
        rdo_put_be16(ip + 2, (uint16_t)(rnd() & 1 ? len - 14 : rnd()));
        rdo_put_be16(ip + 6, RDO_IPV4_DF);
        ip[9] = RDO_IPPROTO_UDP;
        rdo_put_be16(ip + 20 + 2, RDO_ROCE_UDP_PORT);
        rdo_put_be16(ip + 20 + 4, (uint16_t)rnd());
        rdo_put_be16(ip + 10, 0);
        rdo_put_be16(ip + 10, rdo_csum_fold(rdo_csum_add(0, ip, 20)));
        if (rnd() & 1) {
            ip[10] ^= 1 << rnd_below(8);
        }
        break;
    default:                    /* IPv6 UDP, cut inside its headers */
        rdo_put_be16(f + 12, RDO_ETHERTYPE_IPV6);
        ip[0] = 0x60;
        ip[6] = RDO_IPPROTO_UDP;
        rdo_put_be16(ip + 40 + 2, RDO_ROCE_UDP_PORT);
        len = 14 + rnd_below(40 + 8 + 12 + 16);
        break;
    }
    send_frame(dir, f, len ? len : 1);
    return true;
}

static void maybe_inject(int dir, const uint8_t *frame, uint32_t len, bool roce)
{
    enum kind k;
    bool done;

    if (rnd_below(1000) >= rate) {
        return;
    }
    do {
        k = (enum kind)rnd_below(K__COUNT);
    } while (!(kinds & (1u << k)));
    switch (k) {
    case K_MUTATE:
        done = roce && inject_mutate(dir, frame, len);
        break;
    case K_TRUNCATE:
        done = len > 1;
        if (done) {
            send_frame(dir, frame, 1 + rnd_below(len - 1));
        }
        break;
    case K_REPLAY:
        done = inject_replay(dir);
        break;
    case K_FORGE:
        done = inject_forge(dir);
        break;
    case K_RESPONSE:
        done = inject_response(dir);
        break;
    case K_CNP:
        done = inject_cnp(dir);
        break;
    default:
        done = false;
        break;
    }
    if (!done) {
        /* Nothing learned yet for that kind: garbage does not need it. */
        if (k != K_GARBAGE) {
            fallback++;
        }
        k = K_GARBAGE;
        inject_garbage(dir);
    }
    injected[k]++;
}

/* One frame from side `from`: forward it, learn from it, maybe attack. */
static void relay(int from, const uint8_t *frame, uint32_t len)
{
    int to = !from;
    RdoWireParsed p;
    bool roce = rdo_wire_parse(frame, len, &p) == 0;

    send_frame(to, frame, len);
    forwarded[from]++;
    /* UD and UC may deliver a mutated copy or a replay as a new
     * message: only RC is held to "must not act on it". */
    roce = roce && ((p.pkt.opcode & RDO_TRANSPORT_MASK) == RDO_TRANSPORT_RC ||
                    (p.pkt.opcode & RDO_TRANSPORT_MASK) == RDO_TRANSPORT_RC_VENDOR);
    if (roce) {
        roce_seen++;
        learn(to, &p);
        Frame *slot = &ring[to][ring_next[to]];

        memcpy(slot->data, frame, len);
        slot->len = len;
        ring_next[to] = (ring_next[to] + 1) % RING;
        if (ring_count[to] < RING) {
            ring_count[to]++;
        }
    }
    maybe_inject(to, frame, len, roce);
}

static void drop_side(int s)
{
    close(sides[s].fd);
    sides[s].fd = -1;
    sides[s].have = 0;
}

static void read_side(int s)
{
    Side *sd = &sides[s];
    ssize_t n = read(sd->fd, sd->buf + sd->have, sizeof(sd->buf) - sd->have);

    if (n <= 0) {
        if (n < 0 && errno == EINTR) {
            return;
        }
        drop_side(s);
        return;
    }
    sd->have += (size_t)n;
    while (sd->have >= 4) {
        uint32_t len = rdo_get_be32(sd->buf);

        if (len > MAX_FRAME) {
            fprintf(stderr, "hostile-peer: side %c sent a %" PRIu32 "-byte frame\n",
                    'A' + s, len);
            drop_side(s);
            return;
        }
        if (sd->have < 4 + (size_t)len) {
            break;
        }
        relay(s, sd->buf + 4, len);
        sd->have -= 4 + len;
        memmove(sd->buf, sd->buf + 4 + len, sd->have);
    }
}

static void print_stats(FILE *out, uint64_t seed)
{
    uint64_t total = 0;

    for (int k = 0; k < K__COUNT; k++) {
        total += injected[k];
    }
    fprintf(out, "hostile.seed=%" PRIu64 "\nhostile.rate=%u\n", seed, rate);
    fprintf(out, "hostile.forwarded_a_to_b=%" PRIu64 "\nhostile.forwarded_b_to_a=%" PRIu64 "\n",
            forwarded[0], forwarded[1]);
    fprintf(out, "hostile.rc_frames=%" PRIu64 "\nhostile.injected=%" PRIu64 "\n",
            roce_seen, total);
    for (int k = 0; k < K__COUNT; k++) {
        fprintf(out, "hostile.%s=%" PRIu64 "\n", kind_name[k], injected[k]);
    }
    fprintf(out, "hostile.fallback_to_garbage=%" PRIu64 "\n", fallback);
    fflush(out);
}

static void on_signal(int sig)
{
    stop = 1;
}

static unsigned parse_kinds(const char *list)
{
    unsigned mask = 0;
    char *copy = strdup(list), *save = NULL;

    for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        int k;

        for (k = 0; k < K__COUNT && strcmp(w, kind_name[k]); k++) {
        }
        if (k == K__COUNT) {
            fprintf(stderr, "unknown kind %s\n", w);
            exit(2);
        }
        mask |= 1u << k;
    }
    free(copy);
    if (!mask) {
        fprintf(stderr, "--kinds: none given\n");
        exit(2);
    }
    return mask;
}

static void usage(void)
{
    fprintf(stderr, "usage: rdo-hostile-peer [--seed N] [--rate PER_MILLE] [--kinds LIST]\n"
                    "                        [--stats FILE] SOCKET_A SOCKET_B\n"
                    "kinds: mutate,truncate,replay,forge,response,garbage,cnp (default all)\n");
    exit(2);
}

int main(int argc, char **argv)
{
    uint64_t seed = 1;
    const char *stats = NULL;
    struct sigaction sa = { .sa_handler = on_signal };
    int i;

    for (i = 1; i < argc && argv[i][0] == '-'; i += 2) {
        if (i + 1 >= argc) {
            usage();
        }
        if (!strcmp(argv[i], "--seed")) {
            seed = strtoull(argv[i + 1], NULL, 0);
        } else if (!strcmp(argv[i], "--rate")) {
            rate = (unsigned)strtoul(argv[i + 1], NULL, 0);
        } else if (!strcmp(argv[i], "--kinds")) {
            kinds = parse_kinds(argv[i + 1]);
        } else if (!strcmp(argv[i], "--stats")) {
            stats = argv[i + 1];
        } else {
            usage();
        }
    }
    if (argc - i != 2 || rate > 1000) {
        usage();
    }
    rng = seed * 0x9E3779B97F4A7C15ull + 1;     /* never 0 */
    ring[0] = calloc(RING, sizeof(Frame));
    ring[1] = calloc(RING, sizeof(Frame));
    if (!ring[0] || !ring[1]) {
        die("calloc");
    }
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    for (int s = 0; s < 2; s++) {
        sides[s].listen_fd = listen_on(argv[i + s]);
        sides[s].fd = -1;
    }
    fprintf(stderr, "hostile-peer: seed %" PRIu64 ", %u per mille\n", seed, rate);

    while (!stop) {
        struct pollfd pfd[4];
        int n;

        /* Until both ends have come, frames wait in their socket: the
         * first ones would be lost on a link with one end. */
        bool link = sides[0].ever && sides[1].ever;

        for (int s = 0; s < 2; s++) {
            pfd[s] = (struct pollfd){ .fd = sides[s].listen_fd, .events = POLLIN };
            pfd[2 + s] = (struct pollfd){ .fd = link ? sides[s].fd : -1, .events = POLLIN };
        }
        if (sides[0].ever && sides[1].ever && sides[0].fd < 0 && sides[1].fd < 0) {
            break;              /* both QEMUs have ended */
        }
        n = poll(pfd, 4, -1);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            die("poll");
        }
        for (int s = 0; s < 2; s++) {
            if (pfd[s].revents & POLLIN) {
                int fd = accept(sides[s].listen_fd, NULL, NULL);

                if (fd >= 0) {
                    /* A reconnecting QEMU replaces its old connection. */
                    if (sides[s].fd >= 0) {
                        drop_side(s);
                    }
                    sides[s].fd = fd;
                    sides[s].ever = true;
                }
            }
            /* Only the connection polled: a new one may have no data. */
            if (sides[s].fd >= 0 && sides[s].fd == pfd[2 + s].fd &&
                pfd[2 + s].revents & (POLLIN | POLLHUP | POLLERR)) {
                read_side(s);
            }
        }
    }
    print_stats(stdout, seed);
    if (stats) {
        FILE *f = fopen(stats, "w");

        if (f) {
            print_stats(f, seed);
            fclose(f);
        }
    }
    return 0;
}
