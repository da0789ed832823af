/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The offloaded CM's unit tests' harness (test-cm.c, the passive side;
 * test-cm-active.c, the active side and device to device): MADs built
 * byte by byte from the IB spec, independently of the device's encoder;
 * side B listens with a pool, side A plays the client.
 */
#ifndef CM_HARNESS_H
#define CM_HARNESS_H

#include <inttypes.h>
#include <string.h>
#include "test-pair.h"
#include "wire/wire.h"

#define SID_PORT        7471
#define SID             (0x0000000001060000ull | SID_PORT)  /* RDMA_PS_TCP */
#define TABLE_LOG       4
#define POOL            4
#define A_PORT          0xbeef
#define CM_TMO          8       /* 4.096 us << 8: about 1 ms per REP */

/* MAD fields, big-endian. */
static inline void be16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
static inline void be24(uint8_t *p, uint32_t v) { p[0] = v >> 16; p[1] = v >> 8; p[2] = v; }
static inline void be32(uint8_t *p, uint32_t v) { be16(p, v >> 16); be16(p + 2, v); }
static inline void be64(uint8_t *p, uint64_t v) { be32(p, v >> 32); be32(p + 4, v); }
static inline uint32_t get24(const uint8_t *p) { return p[0] << 16 | p[1] << 8 | p[2]; }
static inline uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | get24(p + 1); }
static inline uint16_t get16(const uint8_t *p) { return p[0] << 8 | p[1]; }

typedef struct Mad {
    uint8_t b[256];
} Mad;

typedef struct Cm {
    Pair *p;
    PairSide *a, *b;
    uint64_t table, ci_addr;    /* B's notification table, its CI word */
    GArray *from_b;             /* Mad: what B sent A's GSI */
    bool drop_b;                /* B's MADs lost on the wire */
    bool pass_b;                /* B's MADs reach A (A's own CM) */
    uint16_t drop_a_attr;       /* A's next MAD of this attribute is lost */
    uint64_t a_table, a_ci;     /* A's listener, for its active side */
    uint32_t a_read;
    uint32_t entries_read;
} Cm;

typedef struct Req {
    uint32_t comm_id, qpn, psn;
    uint64_t sid;
    uint8_t resp_res, init_depth, mtu, transport, retries;
    uint8_t cm_tmo;             /* how long B waits for our RTU (code) */
    uint8_t ip_version;         /* of the RDMA CM header: 4 */
    uint8_t cma_version;        /* 0 */
    const uint8_t *dst_ip;      /* 4 bytes; NULL: B's */
} Req;

void mad_hdr(Mad *m, uint16_t attr, uint64_t tid);
uint8_t *mad_data(Mad *m);
Req req_default(uint32_t n);
Mad req_mad(Cm *t, const Req *r);
int mad_frame(Cm *t, const Mad *m, uint32_t len, uint8_t *frame,
              size_t size);
void send_mad_len(Cm *t, const Mad *m, uint32_t len);
void send_mad(Cm *t, const Mad *m);
struct rdo_cm_counters side_counters(PairSide *s);
struct rdo_cm_counters cm_counters(Cm *t);
struct rdo_cmd_cm_listen listen_args(Cm *t, uint8_t flags);
uint8_t cm_cmd(PairSide *s, uint8_t op, uint32_t obj, const void *args,
               size_t len);
uint8_t pool_add(Cm *t, uint32_t qpn);
/* B listens on SID with POOL QPs (slots 0.., QPN 2..) each with one
 * receive posted before any connection. */
Cm *cm_new(const RdoConfig *cfg, uint8_t flags, uint16_t notify_count,
           uint16_t notify_usec);
void cm_free(Cm *t);
Mad *last_from_b(Cm *t);
struct rdo_cm_entry *cm_entry_at(Cm *t, uint32_t i);
struct rdo_cm_entry *next_entry(Cm *t);
int cm_events(Cm *t, uint32_t *last);
uint32_t a_connect(Cm *t, const Req *r, const Mad *rep);
void send_rtu(Cm *t, const Req *r, const Mad *rep);
uint32_t cm_connect_one(Cm *t, const Req *r);
void move_data(Cm *t, int n, uint32_t bq);
Mad dreq_mad(const Req *r, const Mad *rep, uint32_t qpn);
void a_listen(Cm *t);
struct rdo_cm_entry *a_next_entry(Cm *t);
uint8_t side_cm_connect(PairSide *from, PairSide *to, int n, uint64_t sid,
                        uint8_t plen, uint8_t max_retries);
uint8_t a_cm_connect(Cm *t, int n, uint64_t sid, uint8_t plen,
                     uint8_t max_retries);

#endif /* CM_HARNESS_H */
