// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: the port's hardware counters, for `rdma statistic` and
 * /sys/class/infiniband/<dev>/ports/1/hw_counters. ib_core asks for them
 * at most every RDMA_HW_STATS_DEFAULT_LIFESPAN ms; each read is one
 * QUERY_COUNTERS command (64-bit counters since the device's last reset).
 * The counters and their names are rdo-cmd.h's lists: RDO_PORT_COUNTERS
 * (rxe's and mlx5's names where the meaning is the same), then, when the
 * device writes the extended result, the CM's (RDO_CM_COUNTERS, "cm_"
 * and the field) and RDO_PORT_COUNTERS_EXT's device counters. Not its
 * timing-model ones (T): ib_core sends every counter of a port in one
 * netlink message of at most a page less the skb's overhead, so above
 * some 90 counters `rdma statistic show` fails with EMSGSIZE (the TM_*
 * registers have them; tests/unit/test-cqp.c checks the budget).
 */
#include "rdo_ib.h"

/* One descriptor per counter, in wire order; priv: its byte offset. */
#define RDO_STAT_AT(block, field, n) { .name = n, \
	.priv = (const void *)offsetof(struct rdo_counters_all, block.field) },
#define RDO_STAT(field, n)	RDO_STAT_AT(port, field, n)
#define RDO_STAT_CM(field)	RDO_STAT_AT(cm, field, "cm_" #field)
#define RDO_STAT_EXT(field, n)	RDO_STAT_AT(ext, field, n)
#define RDO_STAT_NONE(field, n)

static const struct rdma_stat_desc rdo_stat_descs[] = {
	RDO_PORT_COUNTERS(RDO_STAT)
	RDO_CM_COUNTERS(RDO_STAT_CM)
	RDO_PORT_COUNTERS_EXT(RDO_STAT_EXT, RDO_STAT_NONE)
};

/*
 * How many of the descriptors the device fills, from the bytes it writes:
 * a device before the extension writes block 0 only (and answers 0).
 */
static unsigned int rdo_stats_count(u32 len)
{
	unsigned int n = RDO_PORT_COUNTERS_N;

	if (len >= offsetofend(struct rdo_counters_all, cm))
		n += RDO_CM_COUNTERS_N;
	if (len >= offsetofend(struct rdo_counters_all, ext))
		n = ARRAY_SIZE(rdo_stat_descs);
	return n;
}

/*
 * One QUERY_COUNTERS of `len` bytes (0: block 0, as older drivers ask) of
 * port `port`: port 2's are its own packet counters, the rest zero.
 */
static int rdo_query_counters(struct rdo_dev *rdev, u32 port, u32 len,
			      struct rdo_counters_all *c, u32 *written)
{
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_QUERY_COUNTERS,
				   .obj = rdo_port_obj(port) };

	cmd.u.query_counters.out_len = len;
	*written = 0;
	return rdo_cqp_exec(rdev, &cmd, written, c, len ? len : sizeof(c->port));
}

struct rdma_hw_stats *rdo_alloc_hw_port_stats(struct ib_device *ibdev,
					      u32 port)
{
	struct rdo_dev *rdev = to_rdev(ibdev);
	struct rdo_counters_all *c = kzalloc(sizeof(*c), GFP_KERNEL);
	u32 written;

	/* Ask for everything; the answer says which blocks the device has. */
	rdev->counters_len = 0;
	if (c && !rdo_query_counters(rdev, 1, RDO_COUNTERS_LEN, c, &written) &&
	    written > sizeof(c->port))
		rdev->counters_len = min_t(u32, written, RDO_COUNTERS_LEN);
	kfree(c);
	return rdma_alloc_hw_stats_struct(rdo_stat_descs,
					  rdo_stats_count(rdev->counters_len),
					  RDMA_HW_STATS_DEFAULT_LIFESPAN);
}

int rdo_get_hw_stats(struct ib_device *ibdev, struct rdma_hw_stats *stats,
		     u32 port, int index)
{
	struct rdo_dev *rdev = to_rdev(ibdev);
	struct rdo_counters_all *c;
	unsigned int i, n = min_t(unsigned int, stats->num_counters,
				  rdo_stats_count(rdev->counters_len));
	u32 written;
	int ret;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	ret = rdo_query_counters(rdev, port, rdev->counters_len, c, &written);
	for (i = 0; !ret && i < n; i++)
		stats->value[i] = *(u64 *)((u8 *)c +
					   (uintptr_t)rdo_stat_descs[i].priv);
	kfree(c);
	return ret ? ret : n;
}
