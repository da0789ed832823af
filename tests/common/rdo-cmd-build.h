/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Builders of what a driver hands the adapter: control-QP commands, work
 * requests, scatter/gather entries, UD address segments, ring slots. Pure
 * functions over the hardware-interface headers (include/hw/rdma-offload):
 * no QEMU, no core internals, no I/O. Shared by the unit tests (over the
 * core) and the qtests (over QEMU); tests/common/rdo-pair-setup.h builds
 * a two-adapter set-up from them.
 */
#ifndef RDO_CMD_BUILD_H
#define RDO_CMD_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hw/rdma-offload/rdo-hw.h"

/* Ring geometry rdo_cmd_create_qp gives a QP (rdo_cmd_qp_geometry changes it). */
#define RDO_CMD_SQ_LOG_SIZE     4
#define RDO_CMD_SQ_WQE_SHIFT    7       /* WQE header, UD segment, 2 SGEs */
#define RDO_CMD_RQ_LOG_SIZE     4
#define RDO_CMD_RQ_WQE_SHIFT    5

/* A zeroed command (cookie 0: the poster chooses one). */
struct rdo_cqp_cmd rdo_cmd_new(uint8_t opcode, uint32_t obj);
/* A query writing its answer to `out_addr`. */
struct rdo_cqp_cmd rdo_cmd_query(uint8_t opcode, uint32_t obj,
                                 uint64_t out_addr);
struct rdo_cqp_cmd rdo_cmd_set_port(uint32_t mask, uint32_t mtu,
                                    const uint8_t *mac);
struct rdo_cqp_cmd rdo_cmd_set_gid(uint32_t index, const uint8_t *gid,
                                   uint8_t valid);
/* flags: RDO_PD_F_* */
struct rdo_cqp_cmd rdo_cmd_create_pd(uint32_t pdn, uint32_t flags);
struct rdo_cqp_cmd rdo_cmd_create_eq(uint32_t eqn, uint64_t ring,
                                     uint8_t log_size, uint16_t vector);
struct rdo_cqp_cmd rdo_cmd_create_cq(uint32_t cqn, uint64_t ring,
                                     uint8_t log_size, uint32_t eqn,
                                     uint16_t db_page);
/* The same with interrupt moderation (completions, microseconds). */
struct rdo_cqp_cmd rdo_cmd_create_cq_moderated(uint32_t cqn, uint64_t ring,
                                               uint8_t log_size, uint32_t eqn,
                                               uint16_t db_page,
                                               uint16_t mod_count,
                                               uint16_t mod_usec);
/* New interrupt moderation of a CQ. */
struct rdo_cqp_cmd rdo_cmd_modify_cq(uint32_t cqn, uint16_t mod_count,
                                     uint16_t mod_usec);
/* CQ `cqn` onto a new contiguous ring (result: the old ring's end). */
struct rdo_cqp_cmd rdo_cmd_resize_cq(uint32_t cqn, uint64_t ring,
                                     uint8_t log_size);
/* Arms the SRQ limit (0: disarms). */
struct rdo_cqp_cmd rdo_cmd_modify_srq(uint32_t srqn, uint16_t limit);
struct rdo_cqp_cmd rdo_cmd_create_srq(uint32_t srqn, uint64_t ring,
                                      uint8_t log_size, uint8_t wqe_shift,
                                      uint32_t pdn);
/* Geometry RDO_CMD_{SQ,RQ}_*; one CQ for both queues; an SSQ gets no RQ. */
struct rdo_cqp_cmd rdo_cmd_create_qp(uint32_t qpn, uint8_t type,
                                     uint32_t pdn, uint32_t cqn,
                                     uint64_t sq_addr, uint64_t rq_addr);
/* Ring sizes of a CREATE_QP (the RQ's left alone for an SSQ). */
void rdo_cmd_qp_geometry(struct rdo_cqp_cmd *cmd, uint8_t sq_log_size,
                         uint8_t sq_wqe_shift, uint8_t rq_log_size,
                         uint8_t rq_wqe_shift);
struct rdo_cqp_cmd rdo_cmd_modify_qp(uint32_t qpn, uint8_t state,
                                     uint32_t mask);
/* The same carrying `attrs` (NULL: none); state and mask as given. */
struct rdo_cqp_cmd rdo_cmd_modify_qp_attrs(uint32_t qpn, uint8_t state,
                                           uint32_t mask,
                                           const struct rdo_cmd_modify_qp *attrs);
/*
 * The attributes a QP of `type` needs to go from the state before `to` in
 * RESET->INIT->RTR->RTS (fixed, valid values; RC and UC use GID entry 0).
 */
struct rdo_cqp_cmd rdo_cmd_modify_qp_std(uint32_t qpn, uint8_t type,
                                         uint8_t to);
/* The masks of the connected transitions (ibverbs' required attributes). */
#define RDO_CMD_UC_RTR_MASK (RDO_QP_ATTR_AV | RDO_QP_ATTR_PATH_MTU | \
                             RDO_QP_ATTR_DEST_QPN | RDO_QP_ATTR_RQ_PSN)
#define RDO_CMD_RC_RTR_MASK (RDO_CMD_UC_RTR_MASK | \
                             RDO_QP_ATTR_MAX_DEST_RD_ATOMIC | \
                             RDO_QP_ATTR_MIN_RNR_TIMER)
#define RDO_CMD_RC_RTS_MASK (RDO_QP_ATTR_SQ_PSN | RDO_QP_ATTR_TIMEOUT | \
                             RDO_QP_ATTR_RETRY_CNT | RDO_QP_ATTR_RNR_RETRY | \
                             RDO_QP_ATTR_MAX_RD_ATOMIC)
/* The mask of a step INIT, RTR or RTS of a QP of `type`. */
uint32_t rdo_cmd_modify_mask(uint8_t type, uint8_t to);
/* page_shift 12, local write access. */
struct rdo_cqp_cmd rdo_cmd_reg_mr(uint32_t index, uint8_t key, uint32_t pdn,
                                  uint64_t iova, uint64_t length,
                                  uint64_t page_list, uint32_t num_pages);
/* An empty MR for fast registration: up to max_pages pages, max_access rights. */
struct rdo_cqp_cmd rdo_cmd_alloc_mr(uint32_t index, uint8_t key, uint32_t pdn,
                                    uint32_t max_pages, uint16_t max_access);
/* A memory window of `type` (RDO_MW_TYPE_1 or _2) at `index` of PD pdn. */
struct rdo_cqp_cmd rdo_cmd_alloc_mw(uint32_t index, uint8_t key, uint32_t pdn,
                                    uint8_t type);
struct rdo_cqp_cmd rdo_cmd_create_eth_txq(uint32_t qn, uint64_t ring,
                                          uint8_t log_size, uint8_t wqe_shift,
                                          uint32_t cqn);
struct rdo_cqp_cmd rdo_cmd_create_eth_rxq(uint32_t qn, uint64_t ring,
                                          uint8_t log_size, uint8_t flags,
                                          uint16_t lro_usec, uint32_t cqn);

/* Work requests: a signaled WQE; LOCAL_INV of `key`; an SGE. */
struct rdo_send_wqe rdo_wqe(uint8_t opcode, uint64_t wr_id);
struct rdo_send_wqe rdo_wqe_local_inv(uint64_t wr_id, uint32_t key);
struct rdo_sge rdo_sge(uint64_t addr, uint32_t length, uint32_t lkey);
/*
 * A signaled REG_MR (struct rdo_reg_mr_wqe, returned in the shape of a send
 * WQE to post like any other): MR `key` (its new key) over num_pages pages
 * of 2^page_shift bytes listed at page_list, [iova, iova + length), access.
 */
struct rdo_send_wqe rdo_wqe_reg_mr(uint64_t wr_id, uint32_t key, uint64_t iova,
                                   uint64_t length, uint64_t page_list,
                                   uint32_t num_pages, uint8_t page_shift,
                                   uint16_t access);
/*
 * A signaled BIND_MW (struct rdo_bind_mw_wqe, in the shape of a send WQE):
 * the window with key mw_key, afterwards with tag new_tag, on
 * [addr, addr + length) of MR mr_key, granting `access`.
 */
struct rdo_send_wqe rdo_wqe_bind_mw(uint64_t wr_id, uint32_t mw_key,
                                    uint8_t new_tag, uint32_t mr_key,
                                    uint64_t addr, uint64_t length,
                                    uint16_t access);
/* The UD address of QP `qpn` behind (mac, gid), hop limit 64. */
struct rdo_ud_seg rdo_ud_dest(uint32_t qpn, uint32_t qkey, const uint8_t *mac,
                              const uint8_t *gid);

/*
 * A send-queue slot of `slot_size` bytes: the header, the UD segment if
 * any, then the SGEs (num_sge set from `num_sge`) or, with
 * RDO_WQE_F_INLINE, `inline_len` bytes of `inline_data` (if not NULL),
 * the rest zero. Returns the bytes the WQE uses, what the provider writes
 * into a ring slot (inline data padded to 8 bytes); 0 if it does not fit.
 */
size_t rdo_build_send_slot(uint8_t *slot, size_t slot_size,
                           const struct rdo_send_wqe *w,
                           const struct rdo_sge *sge, int num_sge,
                           const struct rdo_ud_seg *ud, const void *inline_data);
/* A receive-queue slot: header and SGEs; false if it does not fit. */
bool rdo_build_recv_slot(uint8_t *slot, size_t slot_size, uint64_t wr_id,
                         const struct rdo_sge *sge, int num_sge);

/* Address of entry `index` of a ring of 2^log_size entries of 2^shift bytes. */
uint64_t rdo_ring_slot(uint64_t base, uint32_t index, uint32_t log_size,
                       uint32_t shift);

/* ::ffff:10.0.0.last (IPv4-mapped) and 2001:db8::last (IPv6). */
void rdo_gid_v4(uint8_t gid[16], uint8_t last);
void rdo_gid_v6(uint8_t gid[16], uint8_t last);
/* The tests' data pattern: byte `i` of a buffer filled with `seed`. */
uint8_t rdo_pattern_byte(uint32_t i, uint32_t seed);

#endif
