/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command, WQE and ring-slot builders shared by the tests (rdo-cmd-build.h). */
#include <string.h>
#include "rdo-cmd-build.h"

struct rdo_cqp_cmd rdo_cmd_new(uint8_t opcode, uint32_t obj)
{
    struct rdo_cqp_cmd cmd;

    memset(&cmd, 0, sizeof(cmd));
    cmd.opcode = opcode;
    cmd.obj = obj;
    return cmd;
}

struct rdo_cqp_cmd rdo_cmd_query(uint8_t opcode, uint32_t obj,
                                 uint64_t out_addr)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_new(opcode, obj);

    cmd.out_addr = out_addr;
    return cmd;
}

struct rdo_cqp_cmd rdo_cmd_set_port(uint32_t mask, uint32_t mtu,
                                    const uint8_t *mac)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_new(RDO_CMD_SET_PORT, 0);

    cmd.u.set_port.mask = mask;
    cmd.u.set_port.mtu = mtu;
    if (mac) {
        memcpy(cmd.u.set_port.mac, mac, 6);
    }
    return cmd;
}

struct rdo_cqp_cmd rdo_cmd_set_gid(uint32_t index, const uint8_t *gid,
                                   uint8_t valid)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_new(RDO_CMD_SET_GID, index);

    memcpy(cmd.u.set_gid.gid, gid, 16);
    cmd.u.set_gid.valid = valid;
    return cmd;
}

struct rdo_cqp_cmd rdo_cmd_create_pd(uint32_t pdn, uint32_t flags)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_new(RDO_CMD_CREATE_PD, pdn);

    cmd.u.create_pd.flags = flags;
    return cmd;
}

struct rdo_cqp_cmd rdo_cmd_create_eq(uint32_t eqn, uint64_t ring,
                                     uint8_t log_size, uint16_t vector)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_new(RDO_CMD_CREATE_EQ, eqn);

    cmd.u.create_eq.ring_addr = ring;
    cmd.u.create_eq.log_size = log_size;
    cmd.u.create_eq.vector = vector;
    return cmd;
}

struct rdo_cqp_cmd rdo_cmd_create_cq(uint32_t cqn, uint64_t ring,
                                     uint8_t log_size, uint32_t eqn,
                                     uint16_t db_page)
{
    return rdo_cmd_create_cq_moderated(cqn, ring, log_size, eqn, db_page, 0, 0);
}

struct rdo_cqp_cmd rdo_cmd_create_cq_moderated(uint32_t cqn, uint64_t ring,
                                               uint8_t log_size, uint32_t eqn,
                                               uint16_t db_page,
                                               uint16_t mod_count,
                                               uint16_t mod_usec)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_new(RDO_CMD_CREATE_CQ, cqn);

    cmd.u.create_cq.ring_addr = ring;
    cmd.u.create_cq.log_size = log_size;
    cmd.u.create_cq.eqn = eqn;
    cmd.u.create_cq.db_page = db_page;
    cmd.u.create_cq.moderation_count = mod_count;
    cmd.u.create_cq.moderation_usec = mod_usec;
    return cmd;
}

struct rdo_cqp_cmd rdo_cmd_modify_cq(uint32_t cqn, uint16_t mod_count,
                                     uint16_t mod_usec)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_new(RDO_CMD_MODIFY_CQ, cqn);

    cmd.u.modify_cq.moderation_count = mod_count;
    cmd.u.modify_cq.moderation_usec = mod_usec;
    return cmd;
}

struct rdo_cqp_cmd rdo_cmd_resize_cq(uint32_t cqn, uint64_t ring,
                                     uint8_t log_size)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_new(RDO_CMD_RESIZE_CQ, cqn);

    cmd.u.resize_cq.ring_addr = ring;
    cmd.u.resize_cq.log_size = log_size;
    return cmd;
}

struct rdo_cqp_cmd rdo_cmd_modify_srq(uint32_t srqn, uint16_t limit)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_new(RDO_CMD_MODIFY_SRQ, srqn);

    cmd.u.modify_srq.limit = limit;
    return cmd;
}

struct rdo_cqp_cmd rdo_cmd_create_srq(uint32_t srqn, uint64_t ring,
                                      uint8_t log_size, uint8_t wqe_shift,
                                      uint32_t pdn)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_new(RDO_CMD_CREATE_SRQ, srqn);

    cmd.u.create_srq.ring_addr = ring;
    cmd.u.create_srq.log_size = log_size;
    cmd.u.create_srq.wqe_shift = wqe_shift;
    cmd.u.create_srq.pdn = pdn;
    return cmd;
}

struct rdo_cqp_cmd rdo_cmd_create_qp(uint32_t qpn, uint8_t type,
                                     uint32_t pdn, uint32_t cqn,
                                     uint64_t sq_addr, uint64_t rq_addr)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_new(RDO_CMD_CREATE_QP, qpn);
    struct rdo_cmd_create_qp *a = &cmd.u.create_qp;

    a->type = type;
    a->pdn = pdn;
    a->send_cqn = cqn;
    a->recv_cqn = cqn;
    a->sq_addr = sq_addr;
    if (type != RDO_QPT_SSQ) {
        a->rq_addr = rq_addr;
    }
    rdo_cmd_qp_geometry(&cmd, RDO_CMD_SQ_LOG_SIZE, RDO_CMD_SQ_WQE_SHIFT,
                        RDO_CMD_RQ_LOG_SIZE, RDO_CMD_RQ_WQE_SHIFT);
    return cmd;
}

void rdo_cmd_qp_geometry(struct rdo_cqp_cmd *cmd, uint8_t sq_log_size,
                         uint8_t sq_wqe_shift, uint8_t rq_log_size,
                         uint8_t rq_wqe_shift)
{
    struct rdo_cmd_create_qp *a = &cmd->u.create_qp;

    a->sq_log_size = sq_log_size;
    a->sq_wqe_shift = sq_wqe_shift;
    if (a->type != RDO_QPT_SSQ) {
        a->rq_log_size = rq_log_size;
        a->rq_wqe_shift = rq_wqe_shift;
    }
}

struct rdo_cqp_cmd rdo_cmd_modify_qp(uint32_t qpn, uint8_t state,
                                     uint32_t mask)
{
    return rdo_cmd_modify_qp_attrs(qpn, state, mask, NULL);
}

struct rdo_cqp_cmd rdo_cmd_modify_qp_attrs(uint32_t qpn, uint8_t state,
                                           uint32_t mask,
                                           const struct rdo_cmd_modify_qp *attrs)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_new(RDO_CMD_MODIFY_QP, qpn);

    if (attrs) {
        cmd.u.modify_qp = *attrs;
    }
    cmd.u.modify_qp.state = state;
    cmd.u.modify_qp.mask = mask;
    return cmd;
}

uint32_t rdo_cmd_modify_mask(uint8_t type, uint8_t to)
{
    bool ud = type == RDO_QPT_UD, rc = type == RDO_QPT_RC;

    if (type == RDO_QPT_SSQ) {
        return 0;       /* needs no attributes */
    }
    switch (to) {
    case RDO_QPS_INIT:
        return ud ? RDO_QP_ATTR_QKEY : RDO_QP_ATTR_ACCESS;
    case RDO_QPS_RTR:
        return ud ? 0 : rc ? RDO_CMD_RC_RTR_MASK : RDO_CMD_UC_RTR_MASK;
    case RDO_QPS_RTS:
        return rc ? RDO_CMD_RC_RTS_MASK : RDO_QP_ATTR_SQ_PSN;
    }
    return 0;
}

struct rdo_cqp_cmd rdo_cmd_modify_qp_std(uint32_t qpn, uint8_t type,
                                         uint8_t to)
{
    static const uint8_t dmac[6] = { 0x52, 0x54, 0x00, 0x0f, 0xde, 0x02 };
    struct rdo_cqp_cmd cmd = rdo_cmd_modify_qp(qpn, to,
                                               rdo_cmd_modify_mask(type, to));
    struct rdo_cmd_modify_qp *m = &cmd.u.modify_qp;
    bool ud = type == RDO_QPT_UD, rc = type == RDO_QPT_RC;

    if (type == RDO_QPT_SSQ) {
        return cmd;     /* needs no attributes */
    }
    switch (to) {
    case RDO_QPS_INIT:
        m->qkey = 0x11111111;
        m->access = RDO_ACCESS_LOCAL_WRITE | RDO_ACCESS_REMOTE_READ;
        break;
    case RDO_QPS_RTR:
        if (ud) {
            break;
        }
        memcpy(m->dmac, dmac, 6);
        rdo_gid_v4(m->dgid, 2);
        m->sgid_index = 0;
        m->hop_limit = 64;
        m->path_mtu = RDO_MTU_4096;
        m->dest_qpn = 0x123;
        m->rq_psn = 0x100;
        m->max_dest_rd_atomic = 4;
        m->min_rnr_timer = 12;
        break;
    case RDO_QPS_RTS:
        m->sq_psn = 0x200;
        if (rc) {
            m->timeout = 14;
            m->retry_cnt = 7;
            m->rnr_retry = 6;
            m->max_rd_atomic = 4;
        }
        break;
    }
    return cmd;
}

struct rdo_cqp_cmd rdo_cmd_reg_mr(uint32_t index, uint8_t key, uint32_t pdn,
                                  uint64_t iova, uint64_t length,
                                  uint64_t page_list, uint32_t num_pages)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_new(RDO_CMD_REG_MR, index);
    struct rdo_cmd_reg_mr *a = &cmd.u.reg_mr;

    a->iova = iova;
    a->length = length;
    a->page_list = page_list;
    a->num_pages = num_pages;
    a->page_shift = RDO_PAGE_SHIFT;
    a->key = key;
    a->access = RDO_ACCESS_LOCAL_WRITE;
    a->pdn = pdn;
    return cmd;
}

struct rdo_cqp_cmd rdo_cmd_alloc_mr(uint32_t index, uint8_t key, uint32_t pdn,
                                    uint32_t max_pages, uint16_t max_access)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_new(RDO_CMD_ALLOC_MR, index);

    cmd.u.alloc_mr.pdn = pdn;
    cmd.u.alloc_mr.max_pages = max_pages;
    cmd.u.alloc_mr.max_access = max_access;
    cmd.u.alloc_mr.key = key;
    return cmd;
}

struct rdo_cqp_cmd rdo_cmd_alloc_mw(uint32_t index, uint8_t key, uint32_t pdn,
                                    uint8_t type)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_new(RDO_CMD_ALLOC_MW, index);

    cmd.u.alloc_mw.pdn = pdn;
    cmd.u.alloc_mw.type = type;
    cmd.u.alloc_mw.key = key;
    return cmd;
}

struct rdo_cqp_cmd rdo_cmd_create_eth_txq(uint32_t qn, uint64_t ring,
                                          uint8_t log_size, uint8_t wqe_shift,
                                          uint32_t cqn)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_new(RDO_CMD_CREATE_ETH_TXQ, qn);

    cmd.u.create_eth_txq.ring_addr = ring;
    cmd.u.create_eth_txq.log_size = log_size;
    cmd.u.create_eth_txq.wqe_shift = wqe_shift;
    cmd.u.create_eth_txq.cqn = cqn;
    return cmd;
}

struct rdo_cqp_cmd rdo_cmd_create_eth_rxq(uint32_t qn, uint64_t ring,
                                          uint8_t log_size, uint8_t flags,
                                          uint16_t lro_usec, uint32_t cqn)
{
    struct rdo_cqp_cmd cmd = rdo_cmd_new(RDO_CMD_CREATE_ETH_RXQ, qn);

    cmd.u.create_eth_rxq.ring_addr = ring;
    cmd.u.create_eth_rxq.log_size = log_size;
    cmd.u.create_eth_rxq.flags = flags;
    cmd.u.create_eth_rxq.lro_usec = lro_usec;
    cmd.u.create_eth_rxq.cqn = cqn;
    return cmd;
}

struct rdo_send_wqe rdo_wqe(uint8_t opcode, uint64_t wr_id)
{
    struct rdo_send_wqe w;

    memset(&w, 0, sizeof(w));
    w.opcode = opcode;
    w.wr_id = wr_id;
    w.flags = RDO_WQE_F_SIGNALED;
    return w;
}

struct rdo_send_wqe rdo_wqe_local_inv(uint64_t wr_id, uint32_t key)
{
    struct rdo_send_wqe w = rdo_wqe(RDO_WR_LOCAL_INV, wr_id);

    w.imm_or_rkey = key;
    return w;
}

struct rdo_send_wqe rdo_wqe_reg_mr(uint64_t wr_id, uint32_t key, uint64_t iova,
                                   uint64_t length, uint64_t page_list,
                                   uint32_t num_pages, uint8_t page_shift,
                                   uint16_t access)
{
    struct rdo_reg_mr_wqe r;
    struct rdo_send_wqe w;

    memset(&r, 0, sizeof(r));
    r.wr_id = wr_id;
    r.opcode = RDO_WR_REG_MR;
    r.flags = RDO_WQE_F_SIGNALED;
    r.page_shift = page_shift;
    r.key = key;
    r.iova = iova;
    r.num_pages = num_pages;
    r.access = access;
    r.length = length;
    r.page_list = page_list;
    memcpy(&w, &r, sizeof(w));
    return w;
}

struct rdo_send_wqe rdo_wqe_bind_mw(uint64_t wr_id, uint32_t mw_key,
                                    uint8_t new_tag, uint32_t mr_key,
                                    uint64_t addr, uint64_t length,
                                    uint16_t access)
{
    struct rdo_bind_mw_wqe b;
    struct rdo_send_wqe w;

    memset(&b, 0, sizeof(b));
    b.wr_id = wr_id;
    b.opcode = RDO_WR_BIND_MW;
    b.flags = RDO_WQE_F_SIGNALED;
    b.new_tag = new_tag;
    b.mw_key = mw_key;
    b.addr = addr;
    b.mr_key = mr_key;
    b.access = access;
    b.length = length;
    memcpy(&w, &b, sizeof(w));
    return w;
}

struct rdo_sge rdo_sge(uint64_t addr, uint32_t length, uint32_t lkey)
{
    return (struct rdo_sge){ .addr = addr, .length = length, .lkey = lkey };
}

struct rdo_ud_seg rdo_ud_dest(uint32_t qpn, uint32_t qkey, const uint8_t *mac,
                              const uint8_t *gid)
{
    struct rdo_ud_seg ud;

    memset(&ud, 0, sizeof(ud));
    ud.dest_qpn = qpn;
    ud.qkey = qkey;
    memcpy(ud.dmac, mac, 6);
    memcpy(ud.dgid, gid, 16);
    ud.hop_limit = 64;
    return ud;
}

size_t rdo_build_send_slot(uint8_t *slot, size_t slot_size,
                           const struct rdo_send_wqe *w,
                           const struct rdo_sge *sge, int num_sge,
                           const struct rdo_ud_seg *ud, const void *inline_data)
{
    struct rdo_send_wqe h = *w;
    size_t off = sizeof(h), used;

    if (slot_size < off) {
        return 0;
    }
    memset(slot, 0, slot_size);
    if (ud) {
        if (off + sizeof(*ud) > slot_size) {
            return 0;
        }
        memcpy(slot + off, ud, sizeof(*ud));
        off += sizeof(*ud);
    }
    if (h.flags & RDO_WQE_F_INLINE) {
        if (inline_data) {
            if (off + h.inline_len > slot_size) {
                return 0;
            }
            memcpy(slot + off, inline_data, h.inline_len);
        }
        /* The provider's (rdo_build_send): the data padded to 8 bytes; a
         * length past the slot (a test of the device's check) writes it
         * all. */
        used = off + ((h.inline_len + 7ull) & ~7ull);
        used = used < slot_size ? used : slot_size;
    } else {
        if (num_sge < 0 || off + (size_t)num_sge * sizeof(*sge) > slot_size) {
            return 0;
        }
        h.num_sge = num_sge;
        if (num_sge) {
            memcpy(slot + off, sge, num_sge * sizeof(*sge));
        }
        used = off + (size_t)num_sge * sizeof(*sge);
    }
    memcpy(slot, &h, sizeof(h));
    return used;
}

bool rdo_build_recv_slot(uint8_t *slot, size_t slot_size, uint64_t wr_id,
                         const struct rdo_sge *sge, int num_sge)
{
    struct rdo_recv_wqe h;

    if (num_sge < 0 || sizeof(h) + (size_t)num_sge * sizeof(*sge) > slot_size) {
        return false;
    }
    memset(&h, 0, sizeof(h));
    h.wr_id = wr_id;
    h.num_sge = num_sge;
    memset(slot, 0, slot_size);
    memcpy(slot, &h, sizeof(h));
    if (num_sge) {
        memcpy(slot + sizeof(h), sge, num_sge * sizeof(*sge));
    }
    return true;
}

uint64_t rdo_ring_slot(uint64_t base, uint32_t index, uint32_t log_size,
                       uint32_t shift)
{
    return base + ((uint64_t)(index & ((1u << log_size) - 1)) << shift);
}

void rdo_gid_v4(uint8_t gid[16], uint8_t last)
{
    memset(gid, 0, 16);
    gid[10] = gid[11] = 0xff;
    gid[12] = 10;
    gid[15] = last;
}

void rdo_gid_v6(uint8_t gid[16], uint8_t last)
{
    memset(gid, 0, 16);
    gid[0] = 0x20;
    gid[1] = 0x01;
    gid[2] = 0x0d;
    gid[3] = 0xb8;
    gid[15] = last;
}

uint8_t rdo_pattern_byte(uint32_t i, uint32_t seed)
{
    return (uint8_t)((i * 131u + seed * 7u) ^ (i >> 9) ^ (seed >> 3));
}
