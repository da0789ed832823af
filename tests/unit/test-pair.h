/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Two adapter cores back to back over an in-memory wire: each one's frames
 * are handed to the other's receive path, virtual time advances to the
 * earliest wake-up either asks for. Each side has one PD, a CQ, a big MR
 * and QPs created on request. Frames can be written to a pcap file.
 * What each side brings up and how QPs connect is tests/common's
 * rdo-pair-setup (shared with the qtests); this file is its host over the
 * core, and the wire.
 */
#ifndef RDO_TEST_PAIR_H
#define RDO_TEST_PAIR_H

#include <stdio.h>
#include "test-driver.h"
#include "rdo-pair-setup.h"

#define PAIR_MR_IOVA    0x10000000ull
#define PAIR_SRC        PAIR_MR_IOVA                /* source buffers in each MR */
#define PAIR_DST        (PAIR_MR_IOVA + (2u << 20)) /* destination buffers */
#define PAIR_SEC        1000000000ull               /* a second of virtual time */
#define PAIR_MR_LEN     (4u << 20)
#define PAIR_SQ_LOG     6
#define PAIR_RQ_LOG     6
#define PAIR_CQ_LOG     10
#define PAIR_QPS        256     /* QP slots per side, at least */

#define PAIR_TIMEOUT    8       /* RC retransmit timeout code: ~1 ms */
#define PAIR_RESP_RES   4       /* max_dest_rd_atomic (rdo-pair-setup.c) */

typedef RdoPairQp PairQp;

/* mac, gid, cq, cq_ci, mr_list, mr_addr, mr_key, qp[]: rdo-pair-setup.h */
typedef struct PairSide {
    RDO_PAIR_SIDE_EMBED;
    TestDriver *d;
    PairQp *slots;              /* PAIR_QPS, or max-qp if that is more */
} PairSide;

typedef struct Pair Pair;

/*
 * Sees each frame on its way from side `from` (the capture shows it as
 * sent) and may change it in place (up to PAIR_FRAME_MAX bytes) or its
 * length; false drops it, *again delivers it twice.
 */
#define PAIR_FRAME_MAX  8192
typedef bool (*PairTamper)(Pair *p, int from, uint8_t *frame, size_t *len,
                           bool *again, void *opaque);

struct Pair {
    PairSide s[2];
    RdoPairLayout layout;
    FILE *pcap;
    uint64_t frames;            /* delivered */
    TestFrames passing;         /* a side's frames while they are delivered */
    PairTamper tamper;
    void *tamper_opaque;
};

/* A started pair; cfg applies to both sides (NULL: defaults). */
Pair *pair_new(const RdoConfig *cfg);
/* The same, each side with its own configuration. */
Pair *pair_new2(const RdoConfig *cfg0, const RdoConfig *cfg1);
/* The same, the CQs with interrupt moderation (count, microseconds). */
Pair *pair_new_moderated(const RdoConfig *cfg, uint16_t mod_count,
                         uint16_t mod_usec);
/* The same, each side's PD a kernel PD (the local DMA key works there). */
Pair *pair_new_kernel(const RdoConfig *cfg);
void pair_free(Pair *p);
/* The pair's object numbers and ring sizes (CQ moderation as given). */
RdoPairLayout pair_layout(uint16_t mod_count, uint16_t mod_usec);
/* One side on its own (a fabric of more than two): started, set up as
 * side `index` (MAC ...:1x, GID index + 1) with `layout`, which it keeps. */
void pair_side_init(PairSide *s, const RdoConfig *cfg,
                    const RdoPairLayout *layout, int index);
/* Frees a side made by pair_side_init (its driver and QP slots). */
void pair_side_free(PairSide *s);
/* The same on a driver of its own (a VF), its port MAC given. */
void pair_side_attach(PairSide *s, TestDriver *d, const uint8_t mac[6],
                      const RdoPairLayout *layout, int index);
/* Writes every frame to $RDO_TEST_PCAP_DIR/<name>.pcap if that is set. */
void pair_capture(Pair *p, const char *name);

/* Creates QP slot `i` on both sides (QPN 2 + i) and connects them. */
void pair_connect(Pair *p, int i, uint8_t type, uint8_t mtu_code);
/* The same, side 0's QP fed by the shared send queue ssq_qpn. */
void pair_connect_fed(Pair *p, int i, uint8_t type, uint8_t mtu_code,
                      uint32_t ssq_qpn);
/* Slots i and j of side 0 connected to each other through the port's
 * loopback (destination: side 0's own MAC and GID). */
void pair_connect_loopback(Pair *p, int i, int j, uint8_t type,
                           uint8_t mtu_code);
/* A shared send queue in slot i of side 0 (QPN 2 + i), in RTS. */
void pair_create_ssq(Pair *p, int i);
/* A shared send queue in slot i feeding RC connections in slots 0..n-1
 * (MTU 1024); returns its QPN. */
uint32_t pair_ssq_fan(Pair *p, int i, int n);
/* Modify with the given attributes; returns the command status. */
uint8_t pair_modify(PairSide *s, uint32_t qpn, uint8_t state, uint32_t mask,
                    const struct rdo_cmd_modify_qp *attrs);

/* Host pointer of a byte of a side's MR. */
uint8_t *pair_mr_ptr(PairSide *s, uint64_t iova);
void pair_fill(PairSide *s, uint64_t iova, uint32_t len, uint32_t seed);

/* Posting work: returns the WQE's ring slot. */
void pair_post_send(PairSide *s, int i, const struct rdo_send_wqe *w,
                    const struct rdo_sge *sge, int num_sge,
                    const struct rdo_ud_seg *ud);
/* A signalled RDMA WRITE or READ on side 0's QP slot i: `len` bytes at
 * iova `src` of side 0's MR, at `dst` of side 1's. */
void pair_post_rdma(Pair *p, int i, uint8_t opcode, uint64_t wr_id,
                    uint64_t src, uint64_t dst, uint32_t len);
void pair_post_recv(PairSide *s, int i, uint64_t wr_id, uint64_t iova,
                    uint32_t len);
/* A receive WQE of up to 3 SGEs (the ring's 64-byte stride). */
void pair_post_recv_sges(PairSide *s, int i, uint64_t wr_id,
                         const struct rdo_sge *sge, int num_sge);

/* Inline push: the WQE written into the push area of the doorbell page
 * (and the ring, for retransmissions), then the trigger. */
void pair_push_send(PairSide *s, int i, const struct rdo_send_wqe *w,
                    const struct rdo_sge *sge, int num_sge);
/* One step: deliver frames, or advance time to the next wake-up (not past
 * `end`); false if there was nothing to do. */
bool pair_step(Pair *p, uint64_t end);
/* Steps (at least one) until side s's device has written its host's
 * memory since that counted `writes` (TestHost.dma_writes: a CQE comes
 * only by such a write), each step ending at most limit_ns after side 0's
 * clock; false if a step had nothing to do. A bench's loop waiting for
 * completions, without a return to it at every step; a step that moves
 * the clock to a timed frame's time delivers it too (pair_step leaves
 * that to the next step: its caller may post or poll in between). */
bool pair_step_until_write(Pair *p, const PairSide *s, uint64_t writes,
                           uint64_t limit_ns);
/* Completions waiting on a side's CQ. */
uint32_t pair_cq_ready(PairSide *s);

/* Delivers frames and runs both cores until `cqes` more completions are
 * on side `who`'s CQ or `limit_ns` of virtual time passed. */
bool pair_run_cqes(Pair *p, int who, uint32_t cqes, uint64_t limit_ns);
/* Runs until nothing is left to do (or limit_ns). */
void pair_run(Pair *p, uint64_t limit_ns);
/* The next CQE of a side, consumed; wr_id PAIR_NO_CQE if none. */
#define PAIR_NO_CQE UINT64_MAX
struct rdo_cqe pair_poll(PairSide *s);
/* The same; a completion must be a success with wr_id below `below`
 * (g_error naming it otherwise). */
struct rdo_cqe pair_poll_success(PairSide *s, uint64_t below);
uint32_t pair_cnt(PairSide *s, uint32_t reg);
/* QUERY_QP of side s's QP qpn (which must succeed). */
struct rdo_qp_attr pair_query_qp(PairSide *s, uint32_t qpn);

/* An SGE of side `s`'s MR. */
struct rdo_sge pair_sge_of(PairSide *s, uint64_t iova, uint32_t len);
/* Polls side `s`'s CQ and checks the completion. */
void pair_expect_cqe(PairSide *s, uint64_t wr_id, uint8_t opcode,
                     uint8_t status);
/* A FETCH_ADD of 0x0101... on 0x1111... ran once: A got 0x1111... at
 * a_iova of its MR, B's word at b_iova is 0x1212.... */
void pair_assert_fetch_add_once(PairSide *a, uint64_t a_iova, PairSide *b,
                                uint64_t b_iova);
/* The bytes at a_iova of A's MR and b_iova of B's MR are the same. */
void pair_assert_same(PairSide *a, uint64_t a_iova, PairSide *b,
                      uint64_t b_iova, uint32_t len);

/*
 * Side 0 connects slot i (RC) and posts `w` and a SEND behind it: `w`
 * completes with (opcode, status, vendor_err) and raises guest-error
 * class `cls` once, the SEND is flushed (the QP went to ERR). `what`
 * names the case in the test's log.
 */
void pair_expect_refused(Pair *p, int i, const char *what,
                         struct rdo_send_wqe w, uint8_t opcode, uint8_t status,
                         uint32_t vendor_err, enum rdo_guest_err cls);

/*
 * A region over pages of a side scattered in its memory (every other page
 * of a run, backwards) with a malloc-like iova (offset 0x123 in its first
 * page), as user memory is: for fast registrations and MRs that windows
 * bind to. The tests check bytes through it.
 */
#define PAIR_REGION_PAGES 8
typedef struct PairRegion {
    uint32_t key;               /* the key it is registered with */
    uint64_t pages[PAIR_REGION_PAGES];  /* guest addresses, out of order */
    uint64_t list;              /* the page list in guest memory */
    uint64_t iova, length;
} PairRegion;
/* Allocates the pages and the list; sets iova and length, not key. */
void pair_region_pages(PairSide *s, PairRegion *r);
/* Host pointer of the byte at va of the region. */
uint8_t *pair_region_ptr(PairSide *s, const PairRegion *r, uint64_t va);
/* The bytes at a_iova of A's MR and va of B's region are the same. */
void pair_region_check(PairSide *a, uint64_t a_iova, PairSide *b,
                       const PairRegion *r, uint64_t va, uint32_t len);

#endif
