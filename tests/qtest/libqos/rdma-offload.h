/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libqos driver node for the rdma-offload adapter, and a small test driver. */
#ifndef QGRAPH_RDMA_OFFLOAD_H
#define QGRAPH_RDMA_OFFLOAD_H

#include "qgraph.h"
#include "pci.h"
#include "libqos-malloc.h"
#include "hw/rdma-offload/rdo-hw.h"

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
    QPCIBar doorbells;
    uint64_t regs_size;
    uint64_t doorbells_size;
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
#define QRDO_SQ_LOG_SIZE        4
#define QRDO_SQ_WQE_SHIFT       7       /* WQE header, UD segment, 2 SGEs */
#define QRDO_RQ_LOG_SIZE        4
#define QRDO_RQ_WQE_SHIFT       5

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

/* Command builders. */
struct rdo_cqp_cmd qrdo_cmd_new(uint8_t opcode, uint32_t obj);
struct rdo_cqp_cmd qrdo_cmd_query(uint8_t opcode, uint32_t obj,
                                  uint64_t out_addr);
struct rdo_cqp_cmd qrdo_cmd_set_port(uint32_t mask, uint32_t mtu,
                                     const uint8_t *mac);
struct rdo_cqp_cmd qrdo_cmd_set_gid(uint32_t index, const uint8_t *gid,
                                    uint8_t valid);
struct rdo_cqp_cmd qrdo_cmd_create_eq(uint32_t eqn, uint64_t ring,
                                      uint8_t log_size, uint16_t vector);
struct rdo_cqp_cmd qrdo_cmd_create_cq(uint32_t cqn, uint64_t ring,
                                      uint8_t log_size, uint32_t eqn,
                                      uint16_t db_page);
struct rdo_cqp_cmd qrdo_cmd_create_srq(uint32_t srqn, uint64_t ring,
                                       uint8_t log_size, uint8_t wqe_shift,
                                       uint32_t pdn);
/* Default ring sizes; an SSQ gets no RQ. */
struct rdo_cqp_cmd qrdo_cmd_create_qp(uint32_t qpn, uint8_t type,
                                      uint32_t pdn, uint32_t cqn,
                                      uint64_t sq_addr, uint64_t rq_addr);
struct rdo_cqp_cmd qrdo_cmd_modify_qp(uint32_t qpn, uint8_t state,
                                      uint32_t mask);
/*
 * The attributes a QP of `type` needs to go from the state before `to` in
 * RESET->INIT->RTR->RTS (fixed, valid values; RC and UC use GID entry 0).
 */
struct rdo_cqp_cmd qrdo_cmd_modify_qp_std(uint32_t qpn, uint8_t type,
                                          uint8_t to);
/* page_shift 12, local write access. */
struct rdo_cqp_cmd qrdo_cmd_reg_mr(uint32_t index, uint8_t key, uint32_t pdn,
                                   uint64_t iova, uint64_t length,
                                   uint64_t page_list, uint32_t num_pages);

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
struct rdo_send_wqe qrdo_wqe_local_inv(uint64_t wr_id, uint32_t key);

/* Doorbells and MSI-X. */
void qrdo_db_write(QRdmaOffload *d, uint32_t page, uint32_t reg,
                   uint64_t value);
void qrdo_msix_set(QRdmaOffload *d, uint16_t vector, uint64_t addr,
                   uint32_t data, bool masked);

/* Function Level Reset, then memory decoding, bus mastering and BARs again. */
void qrdo_flr(QRdmaOffload *d);
/* The host forces a catastrophic error (qom-set x-inject-fatal true). */
void qrdo_inject_fatal(QRdmaOffload *d);

#endif
