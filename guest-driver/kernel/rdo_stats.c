// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: the port's hardware counters, for `rdma statistic` and
 * /sys/class/infiniband/<dev>/ports/1/hw_counters. ib_core asks for them
 * at most every RDMA_HW_STATS_DEFAULT_LIFESPAN ms; each read is one
 * QUERY_COUNTERS command (64-bit counters since the device's last reset).
 * Names follow rxe's and mlx5's where the meaning is the same.
 */
#include "rdo_ib.h"

#define RDO_STAT(n, field) { .name = n, \
	.priv = (const void *)offsetof(struct rdo_port_counters, field) }

static const struct rdma_stat_desc rdo_stat_descs[] = {
	RDO_STAT("sent_pkts", tx_packets),
	RDO_STAT("rcvd_pkts", rx_packets),
	RDO_STAT("rx_icrc_errors", rx_icrc_errors),
	RDO_STAT("rx_drops", rx_drops),
	RDO_STAT("acks_sent", acks_sent),
	RDO_STAT("naks_sent", naks_sent),
	RDO_STAT("naks_rcvd", naks_received),
	RDO_STAT("seq_naks_sent", seq_naks_sent),
	RDO_STAT("rcvd_seq_err", seq_naks_received),
	RDO_STAT("send_rnr_err", rnr_naks_sent),
	RDO_STAT("rcvd_rnr_err", rnr_naks_received),
	RDO_STAT("retransmits", retransmits),
	RDO_STAT("local_ack_timeout_err", timeouts),
	RDO_STAT("duplicate_request", dup_requests),
	RDO_STAT("duplicate_response", dup_responses),
	RDO_STAT("tx_errors", tx_errors),
};

struct rdma_hw_stats *rdo_alloc_hw_port_stats(struct ib_device *ibdev,
					      u32 port)
{
	return rdma_alloc_hw_stats_struct(rdo_stat_descs,
					  ARRAY_SIZE(rdo_stat_descs),
					  RDMA_HW_STATS_DEFAULT_LIFESPAN);
}

int rdo_get_hw_stats(struct ib_device *ibdev, struct rdma_hw_stats *stats,
		     u32 port, int index)
{
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_QUERY_COUNTERS };
	struct rdo_port_counters c;
	int i, ret;

	ret = rdo_cqp_exec(to_rdev(ibdev), &cmd, NULL, &c, sizeof(c));
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(rdo_stat_descs); i++)
		stats->value[i] = *(u64 *)((u8 *)&c +
					   (uintptr_t)rdo_stat_descs[i].priv);
	return ARRAY_SIZE(rdo_stat_descs);
}
