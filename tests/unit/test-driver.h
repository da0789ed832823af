/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A minimal driver for unit tests: starts the control path of a core on a
 * TestHost, posts control commands and runs virtual time until they
 * complete, reads CQEs and EQEs.
 */
#ifndef RDO_TEST_DRIVER_H
#define RDO_TEST_DRIVER_H

#include "test-host.h"
#include "rdo-cmd-build.h"

#define TD_CQP_LOG 4
#define TD_EQ0_LOG 6

typedef struct TestDriver {
    TestHost *h;
    uint64_t next_free;             /* bump allocator in guest memory */
    uint64_t cqp_ring, cqp_comp, eq0_ring;
    uint64_t qpc_pglist, mrc_pglist;
    uint32_t cqp_pi;
    uint32_t eq0_ci;
} TestDriver;

TestDriver *td_new(const RdoConfig *cfg);
/* A driver on VF n of the PF `pf`'s core (not enabled yet). */
TestDriver *td_new_vf(TestDriver *pf, uint32_t n);
/*
 * A started control path on the default configuration with 64 QPs, 128 MRs
 * and `cache_entries` lines in each context cache; asserts it started.
 */
TestDriver *td_started(uint32_t cache_entries);
/* A zeroed command (rdo_cmd_new) with a cookie made from the opcode. */
struct rdo_cqp_cmd td_cmd_of(uint8_t opcode, uint32_t obj);
void td_free(TestDriver *d);
/* Guest memory: zeroed, aligned allocation; host pointer for an address. */
uint64_t td_alloc(TestDriver *d, size_t len, size_t align);
void *td_ptr(TestDriver *d, uint64_t addr);
/* QP qpn's entry in the QP context store (QPC_ENTRY_SIZE bytes). */
void *td_qpc_entry(TestDriver *d, uint32_t qpn);
/* Write the control-path set-up registers; then also start it. */
void td_setup(TestDriver *d);
void td_start(TestDriver *d);
/* Runs the core's timers until nothing is scheduled or `limit_ns` passes. */
void td_run(TestDriver *d, uint64_t limit_ns);
/* Posts commands without waiting; returns the index of the first. */
uint32_t td_post(TestDriver *d, const struct rdo_cqp_cmd *cmd);
void td_ring_cqp(TestDriver *d);
/* Posts one command, runs until it completes, returns its completion. */
struct rdo_cqp_comp td_cmd(TestDriver *d, struct rdo_cqp_cmd *cmd);
struct rdo_cqp_comp td_comp(TestDriver *d, uint32_t index);
/* Next EQ 0 entry if the device wrote one (owner bit), else type 0. */
struct rdo_eqe td_eq0_next(TestDriver *d);

/* Object builders: run the command and assert its status. */
void td_create_pd(TestDriver *d, uint32_t pdn);
uint64_t td_create_cq(TestDriver *d, uint32_t cqn, uint8_t log_size,
                      uint32_t eqn, uint16_t db_page);
void td_create_qp(TestDriver *d, uint32_t qpn, uint8_t type, uint32_t pdn,
                  uint32_t cqn, uint64_t *sq, uint64_t *rq);
/* Moves a UD QP to RTS. */
void td_ud_to_rts(TestDriver *d, uint32_t qpn);
uint32_t td_reg_mr(TestDriver *d, uint32_t index, uint32_t pdn, uint64_t len,
                   uint16_t access, uint8_t *expect_status);

/* Doorbell write on page `page`. */
void td_doorbell(TestDriver *d, uint16_t page, uint32_t reg, uint64_t value);

#endif
