// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: register-level bring-up of the device (identity, reset,
 * scratch register, enable/disable) through BAR0.
 */
#include <linux/iopoll.h>

#include "rdo.h"

/* Generous bounds: the device is emulated, often under TCG. */
#define RDO_POLL_SLEEP_US	100
#define RDO_RESET_TIMEOUT_US	(2 * USEC_PER_SEC)
#define RDO_ENABLE_TIMEOUT_US	(100 * USEC_PER_MSEC)

#define RDO_VER_MAJOR(v)	((v) >> 16)
#define RDO_VER_MINOR(v)	((v) & 0xffff)

int rdo_hw_check_identity(struct rdo_dev *rdev)
{
	struct device *dev = &rdev->pdev->dev;

	rdev->hw_id = rdo_rd32(rdev, RDO_REG_ID);
	if (rdev->hw_id == ~0u) {
		dev_err(dev, "device not responding (ID register reads 0x%08x)\n",
			rdev->hw_id);
		return -ENODEV;
	}
	if (rdev->hw_id != RDO_ID_MAGIC) {
		dev_err(dev, "ID register is 0x%08x, expected 0x%08x: not an rdma-offload device\n",
			rdev->hw_id, RDO_ID_MAGIC);
		return -ENODEV;
	}

	rdev->hw_version = rdo_rd32(rdev, RDO_REG_VERSION);
	if (RDO_VER_MAJOR(rdev->hw_version) != RDO_VERSION_MAJOR) {
		dev_err(dev, "interface version %u.%u not supported (driver speaks %u.x)\n",
			RDO_VER_MAJOR(rdev->hw_version),
			RDO_VER_MINOR(rdev->hw_version), RDO_VERSION_MAJOR);
		return -ENODEV;
	}
	return 0;
}

int rdo_hw_reset(struct rdo_dev *rdev)
{
	struct device *dev = &rdev->pdev->dev;
	u32 val;
	int ret;

	rdo_wr32(rdev, RDO_REG_CONTROL, RDO_CONTROL_RESET);

	ret = readl_poll_timeout(rdev->regs + RDO_REG_CONTROL, val,
				 !(val & RDO_CONTROL_RESET),
				 RDO_POLL_SLEEP_US, RDO_RESET_TIMEOUT_US);
	if (ret) {
		dev_err(dev, "reset did not complete (CONTROL 0x%08x)\n", val);
		return ret;
	}

	ret = readl_poll_timeout(rdev->regs + RDO_REG_STATUS, val,
				 val & (RDO_STATUS_READY | RDO_STATUS_FATAL),
				 RDO_POLL_SLEEP_US, RDO_RESET_TIMEOUT_US);
	if (ret) {
		dev_err(dev, "device not ready after reset (STATUS 0x%08x)\n", val);
		return ret;
	}
	if (val & RDO_STATUS_FATAL) {
		dev_err(dev, "device reports a fatal error after reset (STATUS 0x%08x)\n",
			val);
		return -EIO;
	}
	return 0;
}

int rdo_hw_scratch_test(struct rdo_dev *rdev)
{
	static const u32 patterns[] = {
		0xa5a55a5a, 0x5a5aa5a5, 0xffffffff, 0x00000001, 0x80000000, 0,
	};
	struct device *dev = &rdev->pdev->dev;
	unsigned int i;
	u32 val;

	rdev->scratch_ok = false;

	val = rdo_rd32(rdev, RDO_REG_SCRATCH);
	if (val)
		dev_warn(dev, "scratch register is 0x%08x after reset, expected 0\n",
			 val);

	for (i = 0; i < ARRAY_SIZE(patterns); i++) {
		rdo_wr32(rdev, RDO_REG_SCRATCH, patterns[i]);
		val = rdo_rd32(rdev, RDO_REG_SCRATCH);
		if (val != patterns[i]) {
			dev_err(dev, "scratch register wrote 0x%08x, read back 0x%08x\n",
				patterns[i], val);
			return -EIO;
		}
	}

	rdev->scratch_ok = true;
	return 0;
}

void rdo_hw_read_config(struct rdo_dev *rdev)
{
	u32 mac_lo, mac_hi, fn;

	rdev->caps = rdo_rd32(rdev, RDO_REG_CAPS_LO) |
		     (u64)rdo_rd32(rdev, RDO_REG_CAPS_HI) << 32;
	rdev->db_info = rdo_rd32(rdev, RDO_REG_DB_INFO);
	rdev->hw_msix_vectors = rdo_rd32(rdev, RDO_REG_MSIX_INFO);
	rdev->hw_max_eq = rdo_rd32(rdev, RDO_REG_MAX_EQ);
	fn = rdo_rd32(rdev, RDO_REG_FUNCTION);
	rdev->fn = fn & RDO_FUNCTION_NUM_MASK;
	rdev->is_vf = fn & RDO_FUNCTION_VF;

	mac_lo = rdo_rd32(rdev, RDO_REG_MAC_LO);
	mac_hi = rdo_rd32(rdev, RDO_REG_MAC_HI);
	rdev->mac[0] = mac_lo & 0xff;
	rdev->mac[1] = (mac_lo >> 8) & 0xff;
	rdev->mac[2] = (mac_lo >> 16) & 0xff;
	rdev->mac[3] = (mac_lo >> 24) & 0xff;
	rdev->mac[4] = mac_hi & 0xff;
	rdev->mac[5] = (mac_hi >> 8) & 0xff;
}

int rdo_hw_enable(struct rdo_dev *rdev)
{
	u32 val;
	int ret;

	rdo_wr32(rdev, RDO_REG_CONTROL, RDO_CONTROL_ENABLE);
	ret = readl_poll_timeout(rdev->regs + RDO_REG_STATUS, val,
				 val & RDO_STATUS_ENABLED,
				 RDO_POLL_SLEEP_US, RDO_ENABLE_TIMEOUT_US);
	if (ret)
		dev_err(&rdev->pdev->dev, "device did not enable (STATUS 0x%08x)\n",
			val);
	return ret;
}

void rdo_hw_disable(struct rdo_dev *rdev)
{
	rdo_wr32(rdev, RDO_REG_CONTROL, 0);
}
