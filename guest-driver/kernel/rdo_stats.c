// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: the port's hardware counters, for `rdma statistic` and
 * /sys/class/infiniband/<dev>/ports/1/hw_counters. ib_core asks for them
 * at most every RDMA_HW_STATS_DEFAULT_LIFESPAN ms; each read is one
 * QUERY_COUNTERS command (64-bit counters since the device's last reset).
 * The counters and their names are RDO_PORT_COUNTERS (rdo-cmd.h): rxe's
 * and mlx5's names where the meaning is the same.
 */
#include "rdo_ib.h"

/* One descriptor per port counter, in wire order (rdo-cmd.h's list). */
#define RDO_STAT(field, n) { .name = n, \
	.priv = (const void *)offsetof(struct rdo_port_counters, field) },

static const struct rdma_stat_desc rdo_stat_descs[] = {
	RDO_PORT_COUNTERS(RDO_STAT)
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
