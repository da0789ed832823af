/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Two adapters connected back to back, described once for every harness:
 * what each side brings up (GIDs, a PD, one CQ for everything, one big MR
 * over contiguous memory), how a QP slot is created and taken to RTS
 * towards the other side (or to itself through the port's loopback), and
 * how work requests, receive buffers and completions go through the rings.
 *
 * A harness supplies the few things that differ through RdoPairOps: how
 * to run a control command, allocate, read and write guest memory, and
 * write a doorbell. The unit tests implement them over the core
 * (tests/unit/test-pair.c, frames over an in-memory wire), the qtests over
 * libqos and the qtest protocol (tests/qtest/libqos/rdma-offload.c, two
 * devices on a hub). How time advances while waiting for completions is
 * the harness's own (pair_run_cqes, qrdo_pair_wait_cqes).
 *
 * A harness's side structure starts with RDO_PAIR_SIDE_EMBED, so its tests
 * read s->mr_key, s->qp[i] etc. directly and the shared code gets &s->rdo.
 */
#ifndef RDO_PAIR_SETUP_H
#define RDO_PAIR_SETUP_H

#include "rdo-cmd-build.h"

typedef struct RdoPairOps {
    /* Posts one command and waits for its completion; returns the status
     * (and the result, if `result`). */
    uint8_t (*cmd)(void *host, struct rdo_cqp_cmd *cmd, uint32_t *result);
    /* Zeroed guest memory, aligned to RDO_PAGE_SIZE. */
    uint64_t (*alloc)(void *host, uint64_t len);
    void (*write)(void *host, uint64_t addr, const void *buf, size_t len);
    void (*read)(void *host, uint64_t addr, void *buf, size_t len);
    /* A 64-bit write at `reg` of doorbell page `page`. */
    void (*doorbell)(void *host, uint16_t page, uint32_t reg, uint64_t value);
    /* RAM push (optional): `len` bytes at `offset` of doorbell page
     * `page`'s push page, written as plain memory. */
    void (*push_ram_write)(void *host, uint16_t page, uint32_t offset,
                           const void *buf, size_t len);
} RdoPairOps;

/* What a side consists of: object numbers and ring sizes. */
typedef struct RdoPairLayout {
    uint32_t pdn;
    uint32_t pd_flags;          /* RDO_PD_F_*: a kernel PD or not */
    uint32_t cqn;               /* the one CQ: every QP's send and receive CQ */
    uint8_t cq_log;
    uint16_t mod_count, mod_usec;   /* the CQ's interrupt moderation */
    uint32_t mr_index;          /* the MR: key RDO_MR_KEY(index, 0x40 + side) */
    uint64_t mr_iova;
    uint32_t mr_len;
    uint8_t sq_log, sq_shift;   /* each QP's rings */
    uint8_t rq_log, rq_shift;
    uint16_t max_inline;
    uint32_t qkey;              /* UD QPs (the GSI QP gets RDO_GSI_QKEY) */
    bool gid6;                  /* GID 1 too: 2001:db8::(1 + side) */
} RdoPairLayout;

/* A QP slot: QPN, type, rings in guest memory, WQEs posted. */
typedef struct RdoPairQp {
    uint32_t qpn;
    uint8_t type;
    uint64_t sq, rq;
    uint32_t sq_pi, rq_pi;
} RdoPairQp;

#define RDO_PAIR_SIDE_MEMBERS                                               \
    const RdoPairOps *ops;                                                  \
    void *host;                 /* the harness's, passed to ops */          \
    const RdoPairLayout *layout;                                            \
    uint8_t mac[6];             /* the port's MAC (the harness sets it) */  \
    uint8_t gid[16];            /* GID 0: ::ffff:10.0.0.(1 + side) */       \
    uint8_t gid6[16];           /* GID 1 with layout->gid6 */               \
    uint64_t cq;                /* the CQ's ring */                         \
    uint32_t cq_ci;             /* CQEs consumed */                         \
    uint64_t mr_list;           /* the MR's page list */                    \
    uint64_t mr_addr;           /* guest address of the MR's first byte */  \
    uint32_t mr_key;                                                        \
    RdoPairQp *qp;              /* slots, qp[0..nqp) */                     \
    uint32_t nqp;                                                           \
    bool qp_on_srq;             /* QPs created from now: receives from */   \
    uint32_t qp_srqn;           /* ... this SRQ, no RQ */

typedef struct RdoPairSide {
    RDO_PAIR_SIDE_MEMBERS
} RdoPairSide;

/* The shared part of a harness's side: as members, and as `rdo`. */
#define RDO_PAIR_SIDE_EMBED                                                 \
    union {                                                                 \
        RdoPairSide rdo;                                                    \
        struct { RDO_PAIR_SIDE_MEMBERS };                                   \
    }

/* Binds a side to its harness; the QP slots are the harness's storage. */
void rdo_pair_side_init(RdoPairSide *s, const RdoPairOps *ops, void *host,
                        const RdoPairLayout *layout, RdoPairQp *qp,
                        uint32_t nqp);
/* Side `k` (0 or 1) brings up its GIDs, PD, CQ and MR; asserts each. */
void rdo_pair_side_setup(RdoPairSide *s, int k);

/* One command; the same asserting it completes OK. */
uint8_t rdo_pair_cmd(RdoPairSide *s, struct rdo_cqp_cmd cmd, uint32_t *result);
void rdo_pair_cmd_ok(RdoPairSide *s, struct rdo_cqp_cmd cmd);
/* MODIFY_QP with the given attributes (NULL: none); returns the status. */
uint8_t rdo_pair_modify(RdoPairSide *s, uint32_t qpn, uint8_t state,
                        uint32_t mask, const struct rdo_cmd_modify_qp *attrs);

/* A shared receive queue of a side (stride: the layout's rq_shift). */
typedef struct RdoPairSrq {
    uint32_t srqn;
    uint8_t log_size;
    uint64_t ring;
    uint32_t pi;                /* WQEs posted */
} RdoPairSrq;

/* Creates SRQ `srqn` of 2^log_size entries in the side's PD; asserts it. */
void rdo_pair_create_srq(RdoPairSide *s, RdoPairSrq *q, uint32_t srqn,
                         uint8_t log_size);
/* A receive WQE of one SGE of the MR into the SRQ, then its doorbell. */
void rdo_pair_post_srq_recv(RdoPairSide *s, RdoPairSrq *q, uint64_t wr_id,
                            uint64_t iova, uint32_t len);

/* Where a connected QP sends, and its PSNs and timers. */
typedef struct RdoPairPath {
    const uint8_t *dmac;
    const uint8_t *dgid;
    uint8_t sgid_index;
    uint32_t dest_qpn;
    uint32_t sq_psn, rq_psn;
    uint8_t path_mtu;           /* RDO_MTU_* */
    uint8_t timeout;            /* retransmit timeout code (RC) */
    uint8_t traffic_class;      /* DSCP << 2 (the device sets ECN) */
    uint8_t port;               /* the QP's port (MODIFY_QP); 0: not given */
} RdoPairPath;

/* Slot `i` gets QP `qpn` of `type` (its rings; fed by the shared send
 * queue `ssq_qpn` if not 0). */
void rdo_pair_create_qp(RdoPairSide *s, int i, uint32_t qpn, uint8_t type,
                        uint32_t ssq_qpn);
/* The same, then RESET -> INIT -> RTR -> RTS along `path`: every access
 * right, retry counts 7, 4 reads and atomics each way, RNR timer code 1. */
void rdo_pair_connect_one(RdoPairSide *s, int i, uint32_t qpn, uint8_t type,
                          uint32_t ssq_qpn, const RdoPairPath *path);
/*
 * Slot `i` (QPN 2 + i, or the GSI QP if the slot's qpn says so) of both
 * sides, connected to each other over GID `sgid_index`; side a's requests
 * start just before the 24-bit PSN wraps. Side a's QP is fed by `ssq_qpn`
 * if not 0.
 */
void rdo_pair_connect(RdoPairSide *a, RdoPairSide *b, int i, uint8_t type,
                      uint8_t path_mtu, uint8_t timeout, uint8_t sgid_index,
                      uint32_t ssq_qpn);
/* Slots i and j of one side connected through the port's loopback. */
void rdo_pair_connect_loopback(RdoPairSide *s, int i, int j, uint8_t type,
                               uint8_t path_mtu, uint8_t timeout);
/* A shared send queue in slot i (QPN 2 + i), in RTS. */
void rdo_pair_create_ssq(RdoPairSide *s, int i);

/* The MR: guest address of an iova (asserted inside), write, read, fill
 * with the data pattern (rdo_pattern_byte). */
uint64_t rdo_pair_mr_addr(RdoPairSide *s, uint64_t iova);
void rdo_pair_write(RdoPairSide *s, uint64_t iova, const void *buf,
                    uint32_t len);
void rdo_pair_read(RdoPairSide *s, uint64_t iova, void *buf, uint32_t len);
void rdo_pair_fill(RdoPairSide *s, uint64_t iova, uint32_t len, uint32_t seed);
/* An SGE of the MR. */
struct rdo_sge rdo_pair_sge(RdoPairSide *s, uint64_t iova, uint32_t len);
/* The UD address of slot `i` of side `to`. */
struct rdo_ud_seg rdo_pair_ud_dest(RdoPairSide *to, int i);

/* Writes a send WQE into slot i's next SQ entry (rdo_build_send_slot): the
 * bytes the WQE uses, as the provider does, the entry's rest left as it
 * was; copies the entry as built (zero-padded) to `slot_out` if not NULL
 * (2^sq_shift bytes). */
void rdo_pair_write_wqe(RdoPairSide *s, int i, const struct rdo_send_wqe *w,
                        const struct rdo_sge *sge, int num_sge,
                        const struct rdo_ud_seg *ud, const void *inline_data,
                        uint8_t *slot_out);
/* The same, then the SQ doorbell. */
void rdo_pair_post_send(RdoPairSide *s, int i, const struct rdo_send_wqe *w,
                        const struct rdo_sge *sge, int num_sge,
                        const struct rdo_ud_seg *ud, const void *inline_data);
/* Inline push: the WQE written into the ring (for retransmissions) and the
 * push area of doorbell page 0, then the trigger. */
void rdo_pair_push_send(RdoPairSide *s, int i, const struct rdo_send_wqe *w,
                        const struct rdo_sge *sge, int num_sge);
/* RAM push: the WQE into the ring and into slot `slot` of doorbell page 0's
 * push page with its seal (prepare: returns the trigger, not written), then
 * the trigger. */
uint64_t rdo_pair_ram_push_prepare(RdoPairSide *s, int i,
                                   const struct rdo_send_wqe *w,
                                   const struct rdo_sge *sge, int num_sge,
                                   const void *inline_data, uint32_t slot);
void rdo_pair_ram_push_send(RdoPairSide *s, int i, const struct rdo_send_wqe *w,
                            const struct rdo_sge *sge, int num_sge,
                            uint32_t slot);
/* A receive WQE (SGEs up to the RQ's stride), then the RQ doorbell. */
void rdo_pair_post_recv_sges(RdoPairSide *s, int i, uint64_t wr_id,
                             const struct rdo_sge *sge, int num_sge);
void rdo_pair_post_recv(RdoPairSide *s, int i, uint64_t wr_id, uint64_t iova,
                        uint32_t len);

/* CQEs the device has written and software not consumed. */
uint32_t rdo_pair_cq_ready(RdoPairSide *s);
/* The next CQE, consumed (and the CQ doorbell); false if none. */
bool rdo_pair_poll(RdoPairSide *s, struct rdo_cqe *cqe);

/*
 * An MR over shuffled pages (zero copy over scattered memory): page i of
 * npages in slot (7i + 3) mod 2 npages of a pool twice its size, so no
 * page follows the one before it; the first byte `first` bytes into page
 * 0, the end `short_end` bytes before the end of the last page. The pool
 * starts with a guard pattern; `shadow` is what it must hold, so a check
 * of every byte finds data misplaced as well as data missing.
 */
#define RDO_SCAT_PAGES_MAX 64
typedef struct RdoScat {
    RdoPairSide *s;
    uint8_t shift;              /* pages of 2^shift bytes */
    uint32_t npages;
    uint64_t pool, pool_len;    /* guest memory, aligned to the page size */
    uint64_t pages[RDO_SCAT_PAGES_MAX];
    uint64_t list;              /* the page list in guest memory */
    uint64_t iova, length;
    uint32_t key;               /* once registered */
    uint8_t *shadow;            /* pool_len bytes */
} RdoScat;

void rdo_scat_init(RdoScat *r, RdoPairSide *s, uint32_t npages, uint8_t shift,
                   uint64_t iova_base, uint64_t first, uint64_t short_end);
void rdo_scat_free(RdoScat *r);
/* Registered with a REG_MR command as MR `index` (local write and every
 * remote right); sets key. */
void rdo_scat_reg(RdoScat *r, uint32_t index, uint8_t key);
/* Offset in the pool of the MR's byte at va (asserted inside the MR). */
uint64_t rdo_scat_off(const RdoScat *r, uint64_t va);
/* Bytes at [va, va + len) that the device will read: written to guest
 * memory (set) or the data pattern of `seed` (put). */
void rdo_scat_set(RdoScat *r, uint64_t va, const void *data, uint32_t len);
void rdo_scat_put(RdoScat *r, uint64_t va, uint32_t len, uint32_t seed);
/* The device must have written `data` at [va, va + len). */
void rdo_scat_expect(RdoScat *r, uint64_t va, const void *data, uint32_t len);
/* What [va, va + len) holds by the shadow (g_free it). */
uint8_t *rdo_scat_get(const RdoScat *r, uint64_t va, uint32_t len);
/* Every byte of the pool as the shadow says; g_error naming the first
 * that is not, and `what`. */
void rdo_scat_assert(const RdoScat *r, const char *what);

#endif
