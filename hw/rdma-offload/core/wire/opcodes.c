/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rdma-offload core: the RoCEv2 opcode table and the segmentation of a
 * message into packets. The table is the one place that says which
 * extension headers an opcode carries, so the builder, the parser and the
 * segmentation cannot disagree about it.
 */
#include "wire.h"

#define EXT_LEN(e) \
    (((e) & RDO_EXT_DETH ? RDO_DETH_LEN : 0) + \
     ((e) & RDO_EXT_RETH ? RDO_RETH_LEN : 0) + \
     ((e) & RDO_EXT_ATOMIC ? RDO_ATOMIC_ETH_LEN : 0) + \
     ((e) & RDO_EXT_AETH ? RDO_AETH_LEN : 0) + \
     ((e) & RDO_EXT_ATOMIC_ACK ? RDO_ATOMIC_ACK_ETH_LEN : 0) + \
     ((e) & RDO_EXT_IMM ? RDO_IMMDT_LEN : 0) + \
     ((e) & RDO_EXT_IETH ? RDO_IETH_LEN : 0) + \
     ((e) & RDO_EXT_CNP ? RDO_CNP_RESV_LEN : 0))

#define NONE        0
#define RETH        RDO_EXT_RETH
#define AETH        RDO_EXT_AETH
#define DETH        RDO_EXT_DETH
#define IMM         RDO_EXT_IMM
#define IETH        RDO_EXT_IETH
#define DATA        true
#define NO_DATA     false
#define REQ         false
#define RESP        true

#define OP(transport, op, ext_, pos_, payload_, response_) \
    [RDO_TRANSPORT_##transport | RDO_OP_##op] = { \
        .name = #transport "_" #op, \
        .ext = (ext_), \
        .ext_len = EXT_LEN(ext_), \
        .pos = RDO_POS_##pos_, \
        .payload = (payload_), \
        .response = (response_), \
    }

/* Sends and RDMA writes exist on RC and UC alike. */
#define SEND_AND_WRITE(t) \
    OP(t, SEND_FIRST, NONE, FIRST, DATA, REQ), \
    OP(t, SEND_MIDDLE, NONE, MIDDLE, DATA, REQ), \
    OP(t, SEND_LAST, NONE, LAST, DATA, REQ), \
    OP(t, SEND_LAST_IMM, IMM, LAST, DATA, REQ), \
    OP(t, SEND_ONLY, NONE, ONLY, DATA, REQ), \
    OP(t, SEND_ONLY_IMM, IMM, ONLY, DATA, REQ), \
    OP(t, WRITE_FIRST, RETH, FIRST, DATA, REQ), \
    OP(t, WRITE_MIDDLE, NONE, MIDDLE, DATA, REQ), \
    OP(t, WRITE_LAST, NONE, LAST, DATA, REQ), \
    OP(t, WRITE_LAST_IMM, IMM, LAST, DATA, REQ), \
    OP(t, WRITE_ONLY, RETH, ONLY, DATA, REQ), \
    OP(t, WRITE_ONLY_IMM, RETH | IMM, ONLY, DATA, REQ)

static const RdoWireOpInfo op_table[256] = {
    SEND_AND_WRITE(RC),
    OP(RC, READ_REQUEST, RETH, ONLY, NO_DATA, REQ),
    OP(RC, READ_RESPONSE_FIRST, AETH, FIRST, DATA, RESP),
    OP(RC, READ_RESPONSE_MIDDLE, NONE, MIDDLE, DATA, RESP),
    OP(RC, READ_RESPONSE_LAST, AETH, LAST, DATA, RESP),
    OP(RC, READ_RESPONSE_ONLY, AETH, ONLY, DATA, RESP),
    OP(RC, ACKNOWLEDGE, AETH, ONLY, NO_DATA, RESP),
    OP(RC, ATOMIC_ACKNOWLEDGE, AETH | RDO_EXT_ATOMIC_ACK, ONLY, NO_DATA, RESP),
    OP(RC, COMPARE_SWAP, RDO_EXT_ATOMIC, ONLY, NO_DATA, REQ),
    OP(RC, FETCH_ADD, RDO_EXT_ATOMIC, ONLY, NO_DATA, REQ),
    OP(RC, SEND_LAST_INV, IETH, LAST, DATA, REQ),
    OP(RC, SEND_ONLY_INV, IETH, ONLY, DATA, REQ),
    /* SEND with invalidate and immediate: vendor opcodes (wire.h). */
    [RDO_TRANSPORT_RC_VENDOR | RDO_OP_SEND_LAST_INV] = {
        .name = "RC_VENDOR_SEND_LAST_INV_IMM", .ext = IMM | IETH,
        .ext_len = EXT_LEN(IMM | IETH), .pos = RDO_POS_LAST,
        .payload = DATA, .response = REQ,
    },
    [RDO_TRANSPORT_RC_VENDOR | RDO_OP_SEND_ONLY_INV] = {
        .name = "RC_VENDOR_SEND_ONLY_INV_IMM", .ext = IMM | IETH,
        .ext_len = EXT_LEN(IMM | IETH), .pos = RDO_POS_ONLY,
        .payload = DATA, .response = REQ,
    },

    SEND_AND_WRITE(UC),

    OP(UD, SEND_ONLY, DETH, ONLY, DATA, REQ),
    OP(UD, SEND_ONLY_IMM, DETH | IMM, ONLY, DATA, REQ),

    /* Congestion notification: no transport's request or response. */
    [RDO_OPCODE_CNP] = {
        .name = "CNP", .ext = RDO_EXT_CNP, .ext_len = EXT_LEN(RDO_EXT_CNP),
        .pos = RDO_POS_ONLY, .payload = NO_DATA, .response = REQ,
    },
};

RDO_HOT
const RdoWireOpInfo *rdo_wire_op_info(uint8_t opcode)
{
    return op_table[opcode].name ? &op_table[opcode] : NULL;
}

/* The operation of each position of a message, in RdoWirePos order. */
static const uint8_t msg_ops[RDO_MSG__COUNT][4] = {
    [RDO_MSG_SEND] = {
        RDO_OP_SEND_FIRST, RDO_OP_SEND_MIDDLE,
        RDO_OP_SEND_LAST, RDO_OP_SEND_ONLY,
    },
    [RDO_MSG_SEND_IMM] = {
        RDO_OP_SEND_FIRST, RDO_OP_SEND_MIDDLE,
        RDO_OP_SEND_LAST_IMM, RDO_OP_SEND_ONLY_IMM,
    },
    [RDO_MSG_SEND_INV] = {
        RDO_OP_SEND_FIRST, RDO_OP_SEND_MIDDLE,
        RDO_OP_SEND_LAST_INV, RDO_OP_SEND_ONLY_INV,
    },
    /* Its last packet is a vendor opcode (of RC; other transports fail). */
    [RDO_MSG_SEND_INV_IMM] = {
        RDO_OP_SEND_FIRST, RDO_OP_SEND_MIDDLE,
        RDO_TRANSPORT_RC_VENDOR | RDO_OP_SEND_LAST_INV,
        RDO_TRANSPORT_RC_VENDOR | RDO_OP_SEND_ONLY_INV,
    },
    [RDO_MSG_WRITE] = {
        RDO_OP_WRITE_FIRST, RDO_OP_WRITE_MIDDLE,
        RDO_OP_WRITE_LAST, RDO_OP_WRITE_ONLY,
    },
    [RDO_MSG_WRITE_IMM] = {
        RDO_OP_WRITE_FIRST, RDO_OP_WRITE_MIDDLE,
        RDO_OP_WRITE_LAST_IMM, RDO_OP_WRITE_ONLY_IMM,
    },
    [RDO_MSG_READ_RESPONSE] = {
        RDO_OP_READ_RESPONSE_FIRST, RDO_OP_READ_RESPONSE_MIDDLE,
        RDO_OP_READ_RESPONSE_LAST, RDO_OP_READ_RESPONSE_ONLY,
    },
};

RDO_HOT
bool rdo_wire_mtu_valid(uint32_t mtu)
{
    return mtu >= 256 && mtu <= 4096 && !(mtu & (mtu - 1));
}

RDO_HOT
uint32_t rdo_wire_seg_count(uint32_t msg_len, uint32_t mtu)
{
    if (!rdo_wire_mtu_valid(mtu) || msg_len > RDO_WIRE_MSG_MAX) {
        return 0;
    }
    return msg_len ? (uint32_t)(((uint64_t)msg_len + mtu - 1) / mtu) : 1;
}

RDO_HOT
int rdo_wire_seg(uint8_t transport, RdoWireMsg msg, uint32_t msg_len,
                 uint32_t mtu, uint32_t index, RdoWireSeg *seg)
{
    uint32_t count = rdo_wire_seg_count(msg_len, mtu);
    RdoWirePos pos;
    uint8_t opcode;

    if (transport != RDO_TRANSPORT_RC && transport != RDO_TRANSPORT_UC &&
        transport != RDO_TRANSPORT_UD) {
        return -RDO_WIRE_E_INVALID;
    }
    if ((unsigned)msg >= RDO_MSG__COUNT || index >= count) {
        return -RDO_WIRE_E_INVALID;
    }
    if (count == 1) {
        pos = RDO_POS_ONLY;
    } else if (index == 0) {
        pos = RDO_POS_FIRST;
    } else if (index == count - 1) {
        pos = RDO_POS_LAST;
    } else {
        pos = RDO_POS_MIDDLE;
    }
    /* The table says which transports have which operations. */
    opcode = transport | msg_ops[msg][pos];
    if (!rdo_wire_op_info(opcode)) {
        return -RDO_WIRE_E_INVALID;
    }
    seg->opcode = opcode;
    seg->offset = index * mtu;
    seg->len = msg_len - seg->offset < mtu ? msg_len - seg->offset : mtu;
    return 0;
}
