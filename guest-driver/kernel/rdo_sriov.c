// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: SR-IOV. On the PF, `echo N > sriov_numvfs` comes here
 * (.sriov_configure): the driver divides the device among the PF and the N
 * VFs it enables (SET_VF_RESOURCES, below), then enables them; each VF is
 * probed by this same driver (PCI ID 0x10f1) and programmed as the PF is,
 * with its own ib_device and net_device. `echo 0` disables them.
 *
 * The split: each of the N enabled VFs gets an equal part, 1/(N+1), of the
 * device's QPs, CQs, PDs, MRs and SRQs; the VFs not enabled keep the least
 * a function may have (4 QPs, one CQ, PD and MR, no SRQ); the PF the rest.
 * EQs, GIDs and context-cache entries stay as the device's default split
 * made them (they are bounded by vectors and cache sets). The device takes
 * shares only while no VF is enabled, and the PF's own share changes at
 * once: a split that would cut the PF under an object it has (IN_USE)
 * leaves the shares as they were, with a warning, and the VFs are enabled
 * all the same. The PF's limits are then read again, so that it allocates
 * no number its share lost.
 *
 * debugfs <bdf>/vf_resources shows the shares (QUERY_VF_RESOURCES): on the
 * PF every function's, on a VF its own (a VF may read no other).
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "rdo.h"

/* The fields of a share that the driver's split divides, and their least. */
static const struct {
	size_t off;
	u32 least;
} rdo_split[] = {
	{ offsetof(struct rdo_vf_resources, qp), 4 },
	{ offsetof(struct rdo_vf_resources, cq), 1 },
	{ offsetof(struct rdo_vf_resources, pd), 1 },
	{ offsetof(struct rdo_vf_resources, mr), 1 },
	{ offsetof(struct rdo_vf_resources, srq), 0 },
};

static u32 *rdo_split_field(struct rdo_vf_resources *r, unsigned int i)
{
	return (u32 *)((u8 *)r + rdo_split[i].off);
}

static int rdo_vf_res_query(struct rdo_dev *rdev, u32 fn,
			    struct rdo_vf_resources *r)
{
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_QUERY_VF_RESOURCES,
				   .obj = fn };

	return rdo_cqp_exec(rdev, &cmd, NULL, r, sizeof(*r));
}

static int rdo_vf_res_set(struct rdo_dev *rdev, u32 vf,
			  const struct rdo_vf_resources *r)
{
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_SET_VF_RESOURCES,
				   .obj = vf };

	cmd.u.vf_res = *r;
	return rdo_cqp_exec(rdev, &cmd, NULL, NULL, 0);
}

/*
 * The PF's limits after its share changed: QP and MR numbers within the
 * share and the context stores, the other counts as QUERY_DEVICE says.
 */
static void rdo_sriov_pf_limits(struct rdo_dev *rdev)
{
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_QUERY_DEVICE };
	struct rdo_device_attr a;

	rdo_cqp_usable(rdev);
	if (rdo_cqp_exec(rdev, &cmd, NULL, &a, sizeof(a)))
		return;
	WRITE_ONCE(rdev->attr.max_cq, a.max_cq);
	WRITE_ONCE(rdev->attr.max_pd, a.max_pd);
	WRITE_ONCE(rdev->attr.max_srq, a.max_srq);
}

/* Divide the device for num_vfs VFs (see the top of the file). */
static int rdo_sriov_split(struct rdo_dev *rdev, unsigned int num_vfs)
{
	unsigned int total_vfs = pci_sriov_get_totalvfs(rdev->pdev);
	struct rdo_vf_resources *share, total = {};
	unsigned int fn, i;
	int ret;

	share = kcalloc(total_vfs + 1, sizeof(*share), GFP_KERNEL);
	if (!share)
		return -ENOMEM;
	for (fn = 0; fn <= total_vfs; fn++) {
		ret = rdo_vf_res_query(rdev, fn, &share[fn]);
		if (ret)
			goto out;
		for (i = 0; i < ARRAY_SIZE(rdo_split); i++)
			*rdo_split_field(&total, i) += *rdo_split_field(&share[fn], i);
	}
	/* Shrink the VFs left off first, so each step fits the device. */
	for (fn = total_vfs; fn >= 1; fn--) {
		struct rdo_vf_resources r = share[fn];

		for (i = 0; i < ARRAY_SIZE(rdo_split); i++) {
			u32 part = *rdo_split_field(&total, i) / (num_vfs + 1);

			*rdo_split_field(&r, i) = fn > num_vfs ? rdo_split[i].least :
						  max(part, rdo_split[i].least);
		}
		if (fn > num_vfs)
			ret = rdo_vf_res_set(rdev, fn, &r);
		else
			share[fn] = r;
		if (ret)
			goto out;
	}
	for (fn = 1; fn <= num_vfs && !ret; fn++)
		ret = rdo_vf_res_set(rdev, fn, &share[fn]);
out:
	rdo_sriov_pf_limits(rdev);
	kfree(share);
	return ret;
}

int rdo_sriov_configure(struct pci_dev *pdev, int num_vfs)
{
	struct rdo_dev *rdev = pci_get_drvdata(pdev);
	int ret;

	if (!num_vfs) {
		pci_disable_sriov(pdev);
		return 0;
	}
	if (pci_num_vf(pdev))
		return -EBUSY;		/* the sysfs rule: through 0 first */
	if (!(rdev->caps & RDO_CAP_SRIOV))
		return -EOPNOTSUPP;
	mutex_lock(&rdev->life_lock);
	ret = test_bit(RDO_F_CTRL_UP, &rdev->flags) && !rdo_dead(rdev) ?
	      rdo_sriov_split(rdev, num_vfs) : -EIO;
	mutex_unlock(&rdev->life_lock);
	if (ret)
		dev_warn(&pdev->dev, "resources for %d VFs not set (%d): the VFs keep their shares\n",
			 num_vfs, ret);
	ret = pci_enable_sriov(pdev, num_vfs);
	if (ret) {
		dev_err(&pdev->dev, "cannot enable %d VFs: %d\n", num_vfs, ret);
		return ret;
	}
	dev_info(&pdev->dev, "%d VFs enabled\n", num_vfs);
	return num_vfs;
}

static int rdo_vf_res_show(struct seq_file *m, void *v)
{
	struct rdo_dev *rdev = m->private;
	unsigned int fn, last = rdev->is_vf ? rdev->fn :
				 pci_sriov_get_totalvfs(rdev->pdev);
	struct rdo_vf_resources r;

	mutex_lock(&rdev->life_lock);
	for (fn = rdev->fn; fn <= last; fn++) {
		if (!test_bit(RDO_F_CTRL_UP, &rdev->flags) ||
		    rdo_vf_res_query(rdev, fn, &r))
			break;
		seq_printf(m, "fn%u qp=%u cq=%u eq=%u pd=%u mr=%u srq=%u gid=%u qpc_cache=%u mrc_cache=%u\n",
			   fn, r.qp, r.cq, r.eq, r.pd, r.mr, r.srq, r.gid,
			   r.qpc_cache, r.mrc_cache);
	}
	mutex_unlock(&rdev->life_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rdo_vf_res);

void rdo_sriov_debugfs(struct rdo_dev *rdev)
{
	if (rdev->caps & (RDO_CAP_SRIOV | RDO_CAP_VF))
		debugfs_create_file("vf_resources", 0400, rdev->dbg, rdev,
				    &rdo_vf_res_fops);
}
