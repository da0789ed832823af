/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libqos driver node for the rdma-offload adapter, and a small test driver. */
#ifndef QGRAPH_RDMA_OFFLOAD_H
#define QGRAPH_RDMA_OFFLOAD_H

#include "qgraph.h"
#include "pci.h"
#include "libqos-malloc.h"
#include "libqos.h"
#include "qobject/qdict.h"
#include "hw/rdma-offload/rdo-hw.h"
/* Shared with the unit tests (tests/common, overlaid next to this file). */
#include "rdo-cmd-build.h"
#include "rdo-pair-setup.h"

/* QOM id (/machine/peripheral/ID) the qgraph edge gives the device. */
#define QRDO_TEST_ID        "rdo0"
/* MAC given to the device by the qgraph edge, checked by the tests. */
#define QRDO_TEST_MAC       "52:54:00:0f:de:01"
#define QRDO_TEST_MAC_LO    0x0f005452u
#define QRDO_TEST_MAC_HI    0x01deu

typedef struct QRdmaOffload {
    QOSGraphObject obj;
    QPCIDevice pci;
    QPCIBar regs;
    QPCIBar doorbells;          /* BAR 2: doorbell pages, then push RAM */
    uint64_t regs_size;
    uint64_t doorbells_size;    /* the doorbell pages (DB_INFO) */
    uint64_t bar2_size;         /* all of BAR 2 */
    uint64_t push_ram_off;      /* push page 0's offset in BAR 2; 0: none */
} QRdmaOffload;

static inline uint32_t qrdo_read(QRdmaOffload *d, uint32_t reg)
{
    return qpci_io_readl(&d->pci, d->regs, reg);
}

static inline void qrdo_write(QRdmaOffload *d, uint32_t reg, uint32_t val)
{
    qpci_io_writel(&d->pci, d->regs, reg, val);
}

/*
 * A small driver for tests: starts the control path in guest memory, posts
 * control commands and steps the virtual clock until they complete, reads
 * CQEs and EQEs, posts send WQEs and rings doorbells.
 */

/* Device defaults the tests rely on (properties cqp-cmd-ns, cqp-page-ns). */
#define QRDO_CQP_CMD_NS         1000
#define QRDO_CQP_PAGE_NS        10

/* An address no guest RAM or device answers to. */
#define QRDO_UNMAPPED_ADDR      0xffff000000000000ull

/* Sizes the driver uses unless a test changes them before qrdo_drv_setup. */
#define QRDO_CQP_LOG_SIZE       5       /* 32 commands */
#define QRDO_EQ0_LOG_SIZE       6       /* 64 events */
#define QRDO_QPC_PAGES          4       /* 64 QPs */
#define QRDO_MRC_PAGES          2       /* 128 MRs */
#define QRDO_CQ_LOG_SIZE        6
/* The QP ring geometry of rdo_cmd_create_qp. */
#define QRDO_SQ_LOG_SIZE        RDO_CMD_SQ_LOG_SIZE
#define QRDO_SQ_WQE_SHIFT       RDO_CMD_SQ_WQE_SHIFT
#define QRDO_RQ_LOG_SIZE        RDO_CMD_RQ_LOG_SIZE
#define QRDO_RQ_WQE_SHIFT       RDO_CMD_RQ_WQE_SHIFT

/*
 * A completion-type ring (CQP completions, an EQ, a CQ): software owns an
 * entry when the owner bit at `owner_off` matches the pass it expects.
 */
typedef struct QRdoCompRing {
    uint64_t addr;
    uint32_t log_size;
    uint32_t stride;
    uint32_t owner_off;         /* offsetof(entry, owner) */
    uint32_t ci;                /* entries consumed */
} QRdoCompRing;

typedef struct QRdoDriver {
    QRdmaOffload *dev;
    QTestState *qts;
    QGuestAllocator *alloc;
    /* Control path set-up (what qrdo_drv_setup writes). */
    uint32_t cqp_log_size;
    uint64_t cqp_ring;
    QRdoCompRing cqp_comp;
    QRdoCompRing eq0;
    uint32_t qpc_pages, mrc_pages;
    uint64_t qpc_pglist, mrc_pglist;
    /* Commands written into the ring, and the next cookie. */
    uint32_t cqp_pi;
    uint64_t next_cookie;
} QRdoDriver;

/* A QP the driver created, with its rings. */
typedef struct QRdoQp {
    uint32_t qpn;
    uint8_t type;
    uint16_t db_page;
    uint64_t sq_addr, rq_addr;
    uint32_t sq_log_size, sq_wqe_shift;
    uint32_t sq_pi;             /* WQEs written */
} QRdoQp;

/* A device found on the bus without qgraph: BARs mapped (start_hw), and undone. */
void qrdo_device_attach(QRdmaOffload *d, QPCIDevice *pci);
void qrdo_device_detach(QRdmaOffload *d);

/* Guest memory, page-aligned and zeroed. */
uint64_t qrdo_drv_alloc(QRdoDriver *drv, size_t size);
/* A list of `n` freshly allocated pages; returns the list's address. */
uint64_t qrdo_drv_alloc_page_list(QRdoDriver *drv, uint32_t n);

/*
 * Start-up in steps: init allocates the rings and stores with the default
 * sizes (a test may change the fields, then call setup), setup writes the
 * set-up registers, enable sets CONTROL = ENABLE | CQP_ENABLE and returns
 * STATUS.CQP_READY. qrdo_drv_start does all three and asserts success.
 */
void qrdo_drv_init(QRdoDriver *drv, QRdmaOffload *d, QGuestAllocator *alloc);
void qrdo_drv_setup(QRdoDriver *drv);
bool qrdo_drv_enable(QRdoDriver *drv);
void qrdo_drv_start(QRdoDriver *drv, QRdmaOffload *d, QGuestAllocator *alloc);

/* Virtual time. */
void qrdo_drv_step(QRdoDriver *drv, int64_t ns);

/* Completion-type rings. */
void qrdo_ring_init(QRdoCompRing *r, uint64_t addr, uint32_t log_size,
                    uint32_t stride, uint32_t owner_off);
/* The next entry if software owns it (copied to `entry`, consumed). */
bool qrdo_ring_poll(QTestState *qts, QRdoCompRing *r, void *entry);
/* A CQ or EQ ring allocated in guest memory. */
void qrdo_drv_alloc_cq_ring(QRdoDriver *drv, QRdoCompRing *r, uint32_t log_size);
void qrdo_drv_alloc_eq_ring(QRdoDriver *drv, QRdoCompRing *r, uint32_t log_size);
bool qrdo_cq_poll(QRdoDriver *drv, QRdoCompRing *cq, struct rdo_cqe *cqe);
bool qrdo_eq_poll(QRdoDriver *drv, QRdoCompRing *eq, struct rdo_eqe *eqe);

/* Control QP. */
/* Writes a command into the next slot (a zero cookie gets a unique one). */
void qrdo_cqp_write(QRdoDriver *drv, struct rdo_cqp_cmd *cmd);
/* Tells the device how many commands were written (CQP_PI). */
void qrdo_cqp_ring(QRdoDriver *drv);
bool qrdo_cqp_poll(QRdoDriver *drv, struct rdo_cqp_comp *comp);
/* Steps the clock until the next completion arrives; asserts it does. */
struct rdo_cqp_comp qrdo_cqp_wait(QRdoDriver *drv);
/* Posts one command and waits; checks cookie and opcode; returns status. */
uint8_t qrdo_cmd_exec(QRdoDriver *drv, struct rdo_cqp_cmd *cmd,
                      uint32_t *result);
/* The same, asserting the status. */
void qrdo_cmd_expect(QRdoDriver *drv, struct rdo_cqp_cmd cmd, uint8_t status);
/* A NOP completes with OK: the control path still works. */
void qrdo_drv_assert_alive(QRdoDriver *drv);

/* Command builders: rdo_cmd_* (tests/common/rdo-cmd-build.h). */

/* Object helpers: run the command and assert OK. */
void qrdo_drv_create_pd(QRdoDriver *drv, uint32_t pdn);
void qrdo_drv_create_cq(QRdoDriver *drv, uint32_t cqn, uint32_t eqn,
                        uint16_t db_page, QRdoCompRing *cq);
void qrdo_drv_create_qp(QRdoDriver *drv, QRdoQp *qp, uint32_t qpn,
                        uint8_t type, uint32_t pdn, uint32_t cqn);
void qrdo_drv_set_gid0(QRdoDriver *drv);
/* RESET -> INIT -> RTR -> RTS. */
void qrdo_drv_qp_to_rts(QRdoDriver *drv, QRdoQp *qp);
struct rdo_qp_attr qrdo_drv_query_qp(QRdoDriver *drv, uint32_t qpn);
/* Registers `num_pages` fresh pages in `pdn`; returns the key. */
uint32_t qrdo_drv_reg_mr(QRdoDriver *drv, uint32_t index, uint8_t key,
                         uint32_t pdn, uint32_t num_pages);

/* Send queue. */
void qrdo_qp_write_wqe(QRdoDriver *drv, QRdoQp *qp,
                       const struct rdo_send_wqe *wqe);
void qrdo_qp_ring_sq(QRdoDriver *drv, QRdoQp *qp);

/* Doorbells and MSI-X. */
/* Plain stores into push page `page`'s bytes at `offset` (CAPS PUSH_RAM). */
void qrdo_push_ram_write(QRdmaOffload *d, uint32_t page, uint32_t offset,
                         const void *buf, size_t len);
void qrdo_db_write(QRdmaOffload *d, uint32_t page, uint32_t reg,
                   uint64_t value);
void qrdo_msix_set(QRdmaOffload *d, uint16_t vector, uint64_t addr,
                   uint32_t data, bool masked);

/*
 * Reads every write-only place of a function's BARs (the write-only
 * registers; each doorbell, the push trigger and push data on the first and
 * last doorbell page, at each access size): defined values (0), counted as
 * register mistakes only, the function unchanged. pvrdma's CVE-2018-20191
 * was a BAR region without a read handler (a NULL call in QEMU).
 */
void qrdo_assert_write_only_reads(QRdmaOffload *d);

/* Function Level Reset, then memory decoding, bus mastering and BARs again. */
void qrdo_flr(QRdmaOffload *d);
/* The host forces a catastrophic error (qom-set x-inject-fatal true). */
void qrdo_inject_fatal(QRdmaOffload *d);

/*
 * The data path: two adapters in one QEMU ("rdoA" in slot 4, "rdoB" in
 * slot 5 of an i440FX PC), their ports on the netdevs "n0" and "n1". By
 * default n0 and n1 are hubports of one hub: frames go from one adapter to
 * the other synchronously, inside QEMU's main loop, so a run depends only
 * on virtual time (qtest steps it) and not on sockets or host scheduling.
 * Each side has PD 1, one CQ (1) for everything, one big MR (index 1) over
 * contiguous guest memory, and QPs created and connected on request: the
 * set-up of tests/common/rdo-pair-setup.h (shared with the unit tests),
 * run here over the qtest protocol.
 */
#define QRDO_PAIR_MR_IOVA       0x10000000ull
#define QRDO_PAIR_MR_LEN        (4u << 20)
#define QRDO_PAIR_QPS           4
#define QRDO_PAIR_CQ_LOG        10
#define QRDO_PAIR_SQ_LOG        6
#define QRDO_PAIR_SQ_SHIFT      8       /* header, UD segment, SGEs, inline */
#define QRDO_PAIR_MAX_INLINE    128
#define QRDO_PAIR_RQ_LOG        6
#define QRDO_PAIR_RQ_SHIFT      5       /* header and one SGE */
#define QRDO_PAIR_QKEY          0x1234
/* Virtual time stepped between looks at a CQ. */
#define QRDO_PAIR_STEP_NS       20000

typedef RdoPairQp QRdoPairQp;

/*
 * mac, gid (GID 0: ::ffff:10.0.0.1 or .2), gid6 (GID 1: 2001:db8::1 or ::2),
 * cq, cq_ci, mr_addr (guest-physical address of the MR's start), mr_key,
 * qp[]: rdo-pair-setup.h.
 */
typedef struct QRdoSide {
    RDO_PAIR_SIDE_EMBED;
    const char *id;             /* QOM id: rdoA, rdoB */
    QRdmaOffload dev;
    QRdoDriver drv;
    QTestState *qts;
    QRdoPairQp slots[QRDO_PAIR_QPS];
} QRdoSide;

typedef struct QRdoPairOpts {
    /* -netdev options that create "n0" and "n1"; NULL: hubports of hub 0. */
    const char *netdevs;
    /* Extra -device options of each side (fault injection), or NULL. */
    const char *dev_opts[2];
    /* Capture file written by filter-dump on n0, or NULL. */
    const char *pcap;
} QRdoPairOpts;

typedef struct QRdoPair {
    QOSState *qs;
    QTestState *qts;
    QRdoSide s[2];
} QRdoPair;

/* The QEMU command line of a pair (g_free it). */
char *qrdo_pair_cmdline(const QRdoPairOpts *o);
/* Boots QEMU with two started adapters (NULL: default options). */
QRdoPair *qrdo_pair_new(const QRdoPairOpts *o);
void qrdo_pair_free(QRdoPair *p);
/* $RDO_TEST_PCAP_DIR/<name>.pcap when that is set, else NULL (g_free it). */
char *qrdo_pcap_path(const char *name);

/*
 * Creates QP slot `i` (QPN 2 + i) of `type` on both sides and connects them
 * through RTS: path MTU code, retransmit timeout code (RC), retry counts 7.
 */
void qrdo_pair_connect(QRdoPair *p, int i, uint8_t type, uint8_t path_mtu,
                       uint8_t timeout);
/* The same over GID `sgid_index` (0: IPv4, 1: IPv6) of both sides. */
void qrdo_pair_connect_gid(QRdoPair *p, int i, uint8_t type, uint8_t path_mtu,
                           uint8_t timeout, uint8_t sgid_index);

/* The MR: guest-physical address of an iova, fill, read, compare. */
uint64_t qrdo_side_addr(QRdoSide *s, uint64_t iova);
void qrdo_side_fill(QRdoSide *s, uint64_t iova, uint32_t len, uint32_t seed);
void qrdo_side_read(QRdoSide *s, uint64_t iova, void *buf, uint32_t len);
void qrdo_side_write(QRdoSide *s, uint64_t iova, const void *buf, uint32_t len);
/* -1 if equal, else the offset of the first difference. */
int64_t qrdo_side_compare(QRdoSide *a, uint64_t a_iova, QRdoSide *b,
                          uint64_t b_iova, uint32_t len);
/* Registers another MR on the side (page-backed, `len` bytes at `iova`). */
uint32_t qrdo_side_reg_mr(QRdoSide *s, uint32_t index, uint8_t key,
                          uint64_t iova, uint32_t len, uint16_t access);

/* Work requests (rdo_wqe, rdo_wqe_local_inv: rdo-cmd-build.h). */
struct rdo_sge qrdo_side_sge(QRdoSide *s, uint64_t iova, uint32_t len);
/* A UD address of the other side's QP slot `i`. */
struct rdo_ud_seg qrdo_pair_ud_dest(QRdoPair *p, int to_side, int i);
/* Writes a send WQE (UD segment, SGEs or inline data) and rings the SQ. */
void qrdo_side_post_send(QRdoSide *s, int i, const struct rdo_send_wqe *w,
                         const struct rdo_sge *sge, int num_sge,
                         const struct rdo_ud_seg *ud, const void *inline_data);
void qrdo_side_post_recv(QRdoSide *s, int i, uint64_t wr_id, uint64_t iova,
                         uint32_t len);

/* CQEs: how many are ready; the next one, consumed (and the CQ doorbell). */
uint32_t qrdo_side_cqes_ready(QRdoSide *s);
bool qrdo_side_poll(QRdoSide *s, struct rdo_cqe *cqe);
/* The next CQE, which must exist; asserts its wr_id, opcode and status. */
struct rdo_cqe qrdo_side_expect(QRdoSide *s, uint64_t wr_id, uint8_t opcode,
                                uint8_t status);
/* Steps virtual time until side `k` has `n` CQEs ready, at most limit_ns. */
bool qrdo_pair_wait_cqes(QRdoPair *p, int k, uint32_t n, int64_t limit_ns);
/* Steps virtual time by `ns` (in QRDO_PAIR_STEP_NS steps). */
void qrdo_pair_run(QRdoPair *p, int64_t ns);

/* Counters through QOM (qom-get ID counters). */
QDict *qrdo_counters(QTestState *qts, const char *id);
/* A QOM property of the device that is a dictionary (timing-counters). */
QDict *qrdo_qom_dict(QTestState *qts, const char *id, const char *property);
uint64_t qrdo_counter(QTestState *qts, const char *id, const char *name);
#define qrdo_side_counter(s, name) qrdo_counter((s)->qts, (s)->id, (name))

#endif
