// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: debugfs, /sys/kernel/debug/rdma_offload/<bdf>/:
 *   state     control path, EQs (vector, IRQ, CPUs, events), counters,
 *             the protocol engines (failover, per engine QPs, faults, drops)
 *   selftest  write 1: run the kernel-verbs self-test; read: its report
 *   inject    write "fatal": treat the device as failed (reset, recovery)
 *   timing    the timing model's TM_* counters (device cycles, bus, link),
 *             "timing=off" when the device runs without the model
 *   cm        the offloaded CM's counters (CM_QUERY) and the driver's
 *             listeners (rdo_cm.c)
 */
#include <linux/debugfs.h>
#include <linux/interrupt.h>
#include <linux/seq_file.h>

#include "rdo.h"

static struct dentry *rdo_dbg_root;

void rdo_debugfs_register(void)
{
	rdo_dbg_root = debugfs_create_dir(RDO_DRV_NAME, NULL);
}

void rdo_debugfs_unregister(void)
{
	debugfs_remove_recursive(rdo_dbg_root);
	rdo_dbg_root = NULL;
}

static const struct {
	const char *name;
	u32 reg;
} rdo_counters[] = {
	{ "cqp_cmds", RDO_REG_CNT_CQP_CMDS },
	{ "cqp_errors", RDO_REG_CNT_CQP_ERRORS },
	{ "mr_stalls", RDO_REG_CNT_MR_STALLS },
	{ "qpc_hits", RDO_REG_CNT_QPC_HITS },
	{ "qpc_misses", RDO_REG_CNT_QPC_MISSES },
	{ "mrc_hits", RDO_REG_CNT_MRC_HITS },
	{ "mrc_misses", RDO_REG_CNT_MRC_MISSES },
	{ "eqes", RDO_REG_CNT_EQES },
	{ "cqes", RDO_REG_CNT_CQES },
	{ "eq_overflows", RDO_REG_CNT_EQ_OVERFLOWS },
	{ "db_errors", RDO_REG_CNT_DB_ERRORS },
	{ "tx_packets", RDO_REG_CNT_TX_PACKETS },
	{ "rx_packets", RDO_REG_CNT_RX_PACKETS },
	{ "rx_icrc_errors", RDO_REG_CNT_RX_ICRC_ERRORS },
	{ "rx_drops", RDO_REG_CNT_RX_DROPS },
	{ "retransmits", RDO_REG_CNT_RETRANSMITS },
	{ "timeouts", RDO_REG_CNT_TIMEOUTS },
	{ "naks_sent", RDO_REG_CNT_NAKS_SENT },
	{ "naks_received", RDO_REG_CNT_NAKS_RECEIVED },
	{ "acks_sent", RDO_REG_CNT_ACKS_SENT },
	{ "dup_requests", RDO_REG_CNT_DUP_REQUESTS },
	{ "rx_placements", RDO_REG_CNT_RX_PLACEMENTS },
	{ "tx_errors", RDO_REG_CNT_TX_ERRORS },
	{ "eth_rx_frames", RDO_REG_CNT_ETH_RX_FRAMES },
	{ "push_wqes", RDO_REG_CNT_PUSH_WQES },
	{ "np_ecn_marked", RDO_REG_CNT_NP_ECN_MARKED },
	{ "np_cnp_sent", RDO_REG_CNT_NP_CNP_SENT },
	{ "rp_cnp_handled", RDO_REG_CNT_RP_CNP_HANDLED },
	{ "rp_cnp_ignored", RDO_REG_CNT_RP_CNP_IGNORED },
	{ "rp_cnp_coalesced", RDO_REG_CNT_RP_CNP_COALESCED },
	{ "isolation", RDO_REG_CNT_ISOLATION },
	{ "qp_moved_out", RDO_REG_CNT_QP_MOVED_OUT },
	{ "qp_moved_in", RDO_REG_CNT_QP_MOVED_IN },
	{ "fo_recoveries", RDO_REG_FO_RECOVERIES },
	{ "fo_qps", RDO_REG_FO_QPS },
	{ "fo_fatal", RDO_REG_FO_FATAL },
	{ "fo_drops", RDO_REG_FO_DROPS },
	{ "fo_blackout", RDO_REG_FO_BLACKOUT },
	{ "fo_wb_bytes", RDO_REG_FO_WB_BYTES },
	{ "db_writes", RDO_REG_DB_WRITES },
	{ "err_count", RDO_REG_ERR_COUNT },
	{ "err_last", RDO_REG_ERR_LAST },
};

static const char *const rdo_use_names[RDO_USE__N] = {
	[RDO_USE_PD] = "pd", [RDO_USE_CQ] = "cq", [RDO_USE_QP] = "qp",
	[RDO_USE_SRQ] = "srq", [RDO_USE_MR] = "mr",
	[RDO_USE_PINNED_PAGES] = "pinned_pages",
};

/*
 * The protocol engines (ENG_*: one at a time through ENG_SELECT, which is
 * put back; FO_INJECT also names the selected engine). Under life_lock.
 */
static void rdo_engines_show(struct seq_file *m, struct rdo_dev *rdev)
{
	u32 info = rdo_rd32(rdev, RDO_REG_FO_INFO);
	u32 n = min_t(u32, RDO_FO_INFO_ENGINES(info), RDO_ENGINES_MAX);
	u32 sel = rdo_rd32(rdev, RDO_REG_ENG_SELECT);
	u32 e;

	seq_printf(m, "failover=%d\n", !!(info & RDO_FO_INFO_ON));
	seq_printf(m, "engines=%u\n", n);
	for (e = 0; e < n; e++) {
		rdo_wr32(rdev, RDO_REG_ENG_SELECT, e);
		seq_printf(m, "engine%u=qps %u faults %u drops %u\n", e,
			   rdo_rd32(rdev, RDO_REG_ENG_QPS),
			   rdo_rd32(rdev, RDO_REG_ENG_FAULTS),
			   rdo_rd32(rdev, RDO_REG_ENG_DROPS));
	}
	if (n)
		rdo_wr32(rdev, RDO_REG_ENG_SELECT, sel);
}

static int rdo_state_show(struct seq_file *m, void *v)
{
	struct rdo_dev *rdev = m->private;
	const struct cpumask *mask;
	unsigned int i;

	mutex_lock(&rdev->life_lock);
	seq_printf(m, "function=%u\n", rdev->fn);
	seq_printf(m, "vf=%d\n", rdev->is_vf);
	/* BAR 2 page of push page 0; 0: no push RAM mapped (MMIO push). */
	seq_printf(m, "push_ram_first=%u\n", rdev->push_ram_first);
	seq_printf(m, "ctrl_up=%d\n", test_bit(RDO_F_CTRL_UP, &rdev->flags));
	seq_printf(m, "dead=%d\n", rdo_dead(rdev));
	seq_printf(m, "recoveries=%u\n", rdev->recoveries);
	seq_printf(m, "usable_qps=%u\n", rdev->usable_qps);
	seq_printf(m, "usable_mrs=%u\n", rdev->usable_mrs);
	seq_printf(m, "port_mtu=%u\n", rdev->port.eth_mtu);
	seq_printf(m, "port_active_mtu=%u\n", rdev->port.active_mtu);
	seq_printf(m, "cqp_done=%llu\n", rdev->cqp.cmds_done);
	seq_printf(m, "cqp_failed=%llu\n", rdev->cqp.cmds_failed);
	seq_printf(m, "cqp_async_failed=%llu\n", rdev->cqp.async_failed);
	seq_printf(m, "cqp_timeouts=%llu\n", rdev->cqp.timeouts);
	seq_printf(m, "async_events=%llu\n", rdev->async_events);
	seq_printf(m, "engine_recoveries=%llu\n", rdev->engine_recoveries);
	seq_printf(m, "qps_arrived=%llu\n", rdev->qps_arrived);
	seq_printf(m, "move_drained=%llu\n", rdev->move_drained);
	seq_printf(m, "stray_cq_events=%lld\n", atomic64_read(&rdev->stray_cq_events));
	for (i = 0; i < RDO_USE__N; i++)
		seq_printf(m, "in_use.%s=%ld\n", rdo_use_names[i],
			   atomic_long_read(&rdev->in_use[i]));
	seq_printf(m, "num_eqs=%u\n", test_bit(RDO_F_CTRL_UP, &rdev->flags) ?
		   rdev->num_eqs : 0);
	for (i = 0; test_bit(RDO_F_CTRL_UP, &rdev->flags) && i < rdev->num_eqs; i++) {
		struct rdo_eq *eq = &rdev->eqs[i];

		mask = pci_irq_get_affinity(rdev->pdev, eq->vector);
		seq_printf(m, "eq%u=vector %u irq %u cpus %*pbl events %llu interrupts %d\n",
			   i, eq->vector, rdev->vectors[eq->vector].irq,
			   cpumask_pr_args(mask ? mask : cpu_possible_mask),
			   eq->events, atomic_read(&rdev->vectors[eq->vector].count));
	}
	for (i = 0; i < ARRAY_SIZE(rdo_counters); i++)
		seq_printf(m, "cnt.%s=%u\n", rdo_counters[i].name,
			   rdo_rd32(rdev, rdo_counters[i].reg));
	if (!rdo_dead(rdev))
		rdo_engines_show(m, rdev);
	mutex_unlock(&rdev->life_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rdo_state);

/* The TM_* counter pairs, in register order (docs/programming-model.md). */
static const char *const rdo_tm_counters[] = {
	"cycles", "tx_busy_cycles", "rx_busy_cycles", "link_busy_cycles",
	"link_frames", "link_bytes", "pcie_up_bytes", "pcie_down_bytes",
	"pcie_tlps", "dma_split_pieces", "ctx_fetches", "ctx_prefetches",
	"ctx_wait_cycles", "wqe_fetches", "sched_visits", "sched_reordered",
	"sched_grouped", "irqs", "wr_done", "wr_cycles", "wr_cycles_max",
	"rx_fifo_max", "rx_fifo_drops", "bus_wait_cycles",
};

/* A 64-bit counter read as LO then HI; HI again catches a carry between. */
static u64 rdo_rd_pair(struct rdo_dev *rdev, u32 lo_reg)
{
	u32 hi, lo;

	do {
		hi = rdo_rd32(rdev, lo_reg + 4);
		lo = rdo_rd32(rdev, lo_reg);
	} while (hi != rdo_rd32(rdev, lo_reg + 4));
	return (u64)hi << 32 | lo;
}

static int rdo_timing_show(struct seq_file *m, void *v)
{
	struct rdo_dev *rdev = m->private;
	unsigned int i;

	BUILD_BUG_ON(RDO_REG_TM_CYCLES_LO + 8 * ARRAY_SIZE(rdo_tm_counters) !=
		     RDO_REG_TM_LAST + 4);
	mutex_lock(&rdev->life_lock);
	if (rdo_dead(rdev) || !(rdo_rd32(rdev, RDO_REG_TM_INFO) & 1)) {
		seq_puts(m, rdo_dead(rdev) ? "dead=1\n" : "timing=off\n");
		goto out;
	}
	seq_printf(m, "clock_mhz=%u\n", rdo_rd32(rdev, RDO_REG_TM_CLOCK_MHZ));
	seq_printf(m, "link_gbps=%u\n", rdo_rd32(rdev, RDO_REG_TM_LINK_GBPS));
	seq_printf(m, "lookahead=%u\n", rdo_rd32(rdev, RDO_REG_TM_LOOKAHEAD));
	for (i = 0; i < ARRAY_SIZE(rdo_tm_counters); i++)
		seq_printf(m, "tm.%s=%llu\n", rdo_tm_counters[i],
			   rdo_rd_pair(rdev, RDO_REG_TM_CYCLES_LO + 8 * i));
out:
	mutex_unlock(&rdev->life_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rdo_timing);

static ssize_t rdo_selftest_read(struct file *f, char __user *buf, size_t len,
				 loff_t *pos)
{
	struct rdo_dev *rdev = f->private_data;
	ssize_t ret;

	mutex_lock(&rdev->selftest_lock);
	if (!rdev->selftest_log)
		ret = simple_read_from_buffer(buf, len, pos, "result=none\n", 12);
	else
		ret = simple_read_from_buffer(buf, len, pos, rdev->selftest_log,
					      rdev->selftest_len);
	mutex_unlock(&rdev->selftest_lock);
	return ret;
}

static ssize_t rdo_selftest_write(struct file *f, const char __user *buf,
				  size_t len, loff_t *pos)
{
	struct rdo_dev *rdev = f->private_data;
	bool run;
	int ret;

	ret = kstrtobool_from_user(buf, len, &run);
	if (ret)
		return ret;
	if (run)
		rdo_selftest_run(rdev);	/* the report tells pass or fail */
	return len;
}

static const struct file_operations rdo_selftest_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = rdo_selftest_read,
	.write = rdo_selftest_write,
	.llseek = default_llseek,
};

static ssize_t rdo_inject_write(struct file *f, const char __user *buf,
				size_t len, loff_t *pos)
{
	struct rdo_dev *rdev = f->private_data;
	char cmd[16] = {};

	if (len >= sizeof(cmd) || copy_from_user(cmd, buf, len))
		return -EINVAL;
	if (!sysfs_streq(cmd, "fatal"))
		return -EINVAL;
	rdo_dev_fatal(rdev, "injected through debugfs");
	return len;
}

static const struct file_operations rdo_inject_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = rdo_inject_write,
	.llseek = noop_llseek,
};

void rdo_debugfs_init(struct rdo_dev *rdev)
{
	if (IS_ERR_OR_NULL(rdo_dbg_root))
		return;
	rdev->dbg = debugfs_create_dir(pci_name(rdev->pdev), rdo_dbg_root);
	debugfs_create_file("state", 0400, rdev->dbg, rdev, &rdo_state_fops);
	debugfs_create_file("selftest", 0600, rdev->dbg, rdev, &rdo_selftest_fops);
	debugfs_create_file("inject", 0200, rdev->dbg, rdev, &rdo_inject_fops);
	debugfs_create_file("timing", 0400, rdev->dbg, rdev, &rdo_timing_fops);
	rdo_cm_debugfs(rdev);
}

void rdo_debugfs_fini(struct rdo_dev *rdev)
{
	debugfs_remove_recursive(rdev->dbg);
	rdev->dbg = NULL;
}
