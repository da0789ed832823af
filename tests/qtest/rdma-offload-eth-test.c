/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtests of the rdma-offload Ethernet function's queues through QEMU: the
 * capability and limits, CREATE/DESTROY_ETH_TXQ/RXQ with good and bad
 * arguments, a frame sent and a malformed TSO request completed with an
 * error on the queue's CQ, refused doorbells, and the counters in the
 * registers and in the QOM `counters` property; flow-steering rules and a
 * keyed RXQ through the command ring (their capability, a rule and its
 * refusals, the rule gone with its RXQ).
 */
#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/qgraph.h"
#include "libqos/libqos-malloc.h"
#include "libqos/rdma-offload.h"
#include "qobject/qdict.h"

#define TXQ_LOG     4
#define TXQ_SHIFT   7
#define RXQ_LOG     4

static struct rdo_cqp_cmd cmd_txq(uint32_t qn, uint64_t ring, uint8_t shift,
                                  uint32_t cqn)
{
    return rdo_cmd_create_eth_txq(qn, ring, TXQ_LOG, shift, cqn);
}

static struct rdo_cqp_cmd cmd_rxq(uint32_t qn, uint64_t ring, uint8_t flags,
                                  uint16_t usec, uint32_t cqn)
{
    return rdo_cmd_create_eth_rxq(qn, ring, RXQ_LOG, flags, usec, cqn);
}

static void test_eth_queue_commands(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    QRdoDriver drv;
    QRdoCompRing cq;
    uint64_t txq, rxq;

    qrdo_drv_start(&drv, d, alloc);
    g_assert_cmphex(qrdo_read(d, RDO_REG_CAPS_LO) & RDO_CAP_ETH_QUEUES, ==,
                    RDO_CAP_ETH_QUEUES);
    g_assert_cmphex(qrdo_read(d, RDO_REG_VERSION), ==,
                    RDO_VERSION_VALUE(RDO_VERSION_MAJOR, RDO_VERSION_MINOR));
    qrdo_drv_create_cq(&drv, 0, 0, 0, &cq);
    txq = qrdo_drv_alloc(&drv, 1u << (TXQ_LOG + TXQ_SHIFT));
    rxq = qrdo_drv_alloc(&drv, sizeof(struct rdo_eth_rx_wqe) << RXQ_LOG);

    qrdo_cmd_expect(&drv, cmd_txq(RDO_ETH_MAX_TXQ, txq, TXQ_SHIFT, 0),
                    RDO_CQP_BAD_INDEX);
    qrdo_cmd_expect(&drv, cmd_txq(0, txq, 5, 0), RDO_CQP_BAD_PARAM);
    qrdo_cmd_expect(&drv, cmd_txq(0, txq, TXQ_SHIFT, 7), RDO_CQP_NOT_FOUND);
    qrdo_cmd_expect(&drv, cmd_txq(0, txq + 8, TXQ_SHIFT, 0), RDO_CQP_BAD_PARAM);
    qrdo_cmd_expect(&drv, cmd_txq(0, txq, TXQ_SHIFT, 0), RDO_CQP_OK);
    qrdo_cmd_expect(&drv, cmd_txq(0, txq, TXQ_SHIFT, 0), RDO_CQP_EXISTS);
    qrdo_cmd_expect(&drv, cmd_rxq(0, rxq, RDO_ETH_RXQ_F_LRO, 0, 0), RDO_CQP_BAD_PARAM);
    qrdo_cmd_expect(&drv, cmd_rxq(0, rxq, RDO_ETH_RXQ_F_LRO, 1001, 0), RDO_CQP_BAD_PARAM);
    qrdo_cmd_expect(&drv, cmd_rxq(0, rxq, 0x40, 0, 0), RDO_CQP_BAD_RESERVED);
    qrdo_cmd_expect(&drv, cmd_rxq(0, rxq, RDO_ETH_RXQ_F_LRO, 20, 0), RDO_CQP_OK);
    /* The CQ is held by both queues. */
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_CQ, 0), RDO_CQP_IN_USE);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_ETH_TXQ, 0), RDO_CQP_OK);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_ETH_TXQ, 0), RDO_CQP_NOT_FOUND);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_ETH_RXQ, 0), RDO_CQP_OK);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_CQ, 0), RDO_CQP_OK);
    qrdo_drv_assert_alive(&drv);
}

/* One TX WQE at `index` of the TXQ: a header and one SGE. */
static void post_tx(QRdoDriver *drv, uint64_t txq, uint32_t index,
                    const struct rdo_eth_tx_wqe *w, const struct rdo_sge *sge)
{
    uint64_t slot = txq + ((uint64_t)(index & ((1u << TXQ_LOG) - 1)) << TXQ_SHIFT);

    qtest_memwrite(drv->qts, slot, w, sizeof(*w));
    qtest_memwrite(drv->qts, slot + sizeof(*w), sge, sizeof(*sge));
    qrdo_db_write(drv->dev, 0, RDO_DB_ETH_TXQ, RDO_DB_VALUE(0, 0, index + 1));
}

static uint64_t qom_counter(QRdoDriver *drv, const char *name)
{
    QDict *r = qtest_qmp(drv->qts, "{ 'execute': 'qom-get', 'arguments': "
                         "{ 'path': '/machine/peripheral/" QRDO_TEST_ID "', "
                         "'property': 'counters' } }");
    uint64_t v = qdict_get_int(qdict_get_qdict(r, "return"), name);

    qobject_unref(r);
    return v;
}

static void test_eth_tx(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    QRdoDriver drv;
    QRdoCompRing cq;
    uint64_t txq, frame;
    uint8_t bytes[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                          0x52, 0x54, 0, 0, 0, 1, 0x08, 0x06 };
    struct rdo_eth_tx_wqe w = { .wr_id = 11, .num_sge = 1 };
    struct rdo_sge sge;
    struct rdo_eth_cqe c;
    struct rdo_cqe raw;

    qrdo_drv_start(&drv, d, alloc);
    qrdo_drv_create_cq(&drv, 0, 0, 0, &cq);
    txq = qrdo_drv_alloc(&drv, 1u << (TXQ_LOG + TXQ_SHIFT));
    frame = qrdo_drv_alloc(&drv, 4096);
    qtest_memwrite(drv.qts, frame, bytes, sizeof(bytes));
    qrdo_cmd_expect(&drv, cmd_txq(0, txq, TXQ_SHIFT, 0), RDO_CQP_OK);

    /* An ARP-sized broadcast frame goes out and completes. */
    sge = (struct rdo_sge){ frame, sizeof(bytes), 0 };
    post_tx(&drv, txq, 0, &w, &sge);
    g_assert_true(qrdo_cq_poll(&drv, &cq, &raw));
    memcpy(&c, &raw, sizeof(c));
    g_assert_cmpuint(c.opcode, ==, RDO_CQE_ETH_TX);
    g_assert_cmpuint(c.status, ==, RDO_WC_SUCCESS);
    g_assert_cmpuint(c.wr_id, ==, 11);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_CNT_ETH_TX_FRAMES), ==, 1);
    g_assert_cmpuint(qom_counter(&drv, "eth-tx-frames"), ==, 1);
    g_assert_cmpuint(qom_counter(&drv, "eth-tx-bytes"), ==, sizeof(bytes));

    /* TSO with MSS 0: an error completion, no frame, the queue goes on. */
    w = (struct rdo_eth_tx_wqe){ .wr_id = 12, .num_sge = 1,
                                 .flags = RDO_ETH_TX_F_TSO, .hdr_len = 14 };
    post_tx(&drv, txq, 1, &w, &sge);
    g_assert_true(qrdo_cq_poll(&drv, &cq, &raw));
    memcpy(&c, &raw, sizeof(c));
    g_assert_cmpuint(c.wr_id, ==, 12);
    g_assert_cmpuint(c.status, ==, RDO_WC_LOC_QP_OP_ERR);
    g_assert_cmpuint(c.vendor_err, ==, RDO_VENDOR_ERR_BAD_WQE);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_CNT_ETH_TX_ERRORS), ==, 1);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_CNT_ETH_TX_FRAMES), ==, 1);

    /* A doorbell beyond the ring is refused and recorded. */
    qrdo_db_write(d, 0, RDO_DB_ETH_TXQ, RDO_DB_VALUE(0, 0, 2 + (1u << TXQ_LOG) + 1));
    g_assert_cmpuint(qrdo_read(d, RDO_REG_ERR_LAST), ==, RDO_ERR_DB_BAD_OBJECT);
    sge.length = sizeof(bytes);
    w = (struct rdo_eth_tx_wqe){ .wr_id = 13, .num_sge = 1 };
    post_tx(&drv, txq, 2, &w, &sge);
    g_assert_true(qrdo_cq_poll(&drv, &cq, &raw));
    g_assert_cmpuint(raw.status, ==, RDO_WC_SUCCESS);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_CNT_ETH_TX_FRAMES), ==, 2);
    qrdo_drv_assert_alive(&drv);
}

static void test_flow_rules(void *obj, void *data, QGuestAllocator *alloc)
{
    QRdmaOffload *d = obj;
    QRdoDriver drv;
    QRdoCompRing cq;
    struct rdo_cqp_cmd rxq, rule = rdo_cmd_new(RDO_CMD_CREATE_FLOW_RULE, 2);

    qrdo_drv_start(&drv, d, alloc);
    g_assert_cmphex(qrdo_read(d, RDO_REG_CAPS_LO) & RDO_CAP_FLOW_STEER, ==,
                    RDO_CAP_FLOW_STEER);
    g_assert_cmphex(qrdo_read(d, RDO_REG_CAPS_LO) & RDO_CAP_ETH_RX_SG, ==,
                    RDO_CAP_ETH_RX_SG);
    qrdo_drv_create_cq(&drv, 0, 0, 0, &cq);
    qrdo_drv_create_pd(&drv, 1);
    rxq = cmd_rxq(2, qrdo_drv_alloc(&drv, sizeof(struct rdo_eth_rx_wqe) << RXQ_LOG),
                  RDO_ETH_RXQ_F_KEYED, 0, 0);
    rxq.u.create_eth_rxq.pdn = 3;
    qrdo_cmd_expect(&drv, rxq, RDO_CQP_NOT_FOUND);
    rxq.u.create_eth_rxq.pdn = 1;
    /* No RXQ 2 yet: the rule has nowhere to go. */
    rule.u.flow_rule.match = RDO_FLOW_M_IP_PROTO | RDO_FLOW_M_DST_PORT;
    rule.u.flow_rule.ip_proto = 6;
    rule.u.flow_rule.dst_port = 5001;
    qrdo_cmd_expect(&drv, rule, RDO_CQP_NOT_FOUND);
    qrdo_cmd_expect(&drv, rxq, RDO_CQP_OK);
    qrdo_cmd_expect(&drv, rule, RDO_CQP_OK);
    qrdo_cmd_expect(&drv, rule, RDO_CQP_EXISTS);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_CNT_ETH_FLOW_RULES), ==, 1);
    /* The keyed RXQ holds its PD; the rule goes with the RXQ. */
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_PD, 1), RDO_CQP_IN_USE);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_ETH_RXQ, 2), RDO_CQP_OK);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_CNT_ETH_FLOW_RULES), ==, 0);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_FLOW_RULE, 0),
                    RDO_CQP_NOT_FOUND);
    qrdo_cmd_expect(&drv, rdo_cmd_new(RDO_CMD_DESTROY_PD, 1), RDO_CQP_OK);
    g_assert_cmpuint(qrdo_read(d, RDO_REG_CNT_ETH_STEERED), ==, 0);
    g_assert_cmpuint(qom_counter(&drv, "eth-steered"), ==, 0);
    g_assert_cmpuint(qom_counter(&drv, "eth-key-errors"), ==, 0);
    qrdo_drv_assert_alive(&drv);
}

static void rdo_eth_register_tests(void)
{
    qos_add_test("eth-queue-commands", "rdma-offload", test_eth_queue_commands, NULL);
    qos_add_test("eth-tx", "rdma-offload", test_eth_tx, NULL);
    qos_add_test("eth-flow-rules", "rdma-offload", test_flow_rules, NULL);
}

libqos_init(rdo_eth_register_tests);
