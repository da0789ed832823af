/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rdma_offload: driver-wide definitions.
 *
 * One struct rdo_dev per PCI function. It is the root that later parts of
 * the driver (control queue, event queues, netdev, ib_device) hang off.
 */
#ifndef RDO_H
#define RDO_H

#include <linux/atomic.h>
#include <linux/etherdevice.h>
#include <linux/io.h>
#include <linux/pci.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "hw/rdma-offload/rdo-hw.h"

#define RDO_DRV_NAME		"rdma_offload"

struct rdo_dev;

/* One MSI-X vector and what its interrupt handler needs. */
struct rdo_vector {
	struct rdo_dev *rdev;
	unsigned int index;		/* MSI-X table entry */
	unsigned int irq;		/* Linux IRQ number */
	bool requested;
	atomic_t count;			/* interrupts seen */
	char name[32];			/* shown in /proc/interrupts */
};

struct rdo_dev {
	struct pci_dev *pdev;
	void __iomem *regs;		/* BAR0: register file */
	void __iomem *db;		/* BAR2: doorbell pages */
	resource_size_t db_len;

	/* Identity and geometry read from the device at probe. */
	u32 hw_id;
	u32 hw_version;
	u64 caps;
	u32 db_info;
	u32 hw_msix_vectors;		/* RDO_REG_MSIX_INFO */
	u8 mac[ETH_ALEN];

	/* Interrupts. */
	struct rdo_vector *vectors;
	unsigned int num_vectors;	/* allocated and requested */
	wait_queue_head_t irq_wait;
	unsigned int irq_test_ok;	/* vectors that passed the self-test */

	bool scratch_ok;
};

static inline u32 rdo_rd32(struct rdo_dev *rdev, u32 reg)
{
	return readl(rdev->regs + reg);
}

static inline void rdo_wr32(struct rdo_dev *rdev, u32 reg, u32 val)
{
	writel(val, rdev->regs + reg);
}

/* rdo_hw.c: register-level bring-up. */
int rdo_hw_check_identity(struct rdo_dev *rdev);
int rdo_hw_reset(struct rdo_dev *rdev);
int rdo_hw_scratch_test(struct rdo_dev *rdev);
void rdo_hw_read_config(struct rdo_dev *rdev);
int rdo_hw_enable(struct rdo_dev *rdev);
void rdo_hw_disable(struct rdo_dev *rdev);

/* rdo_irq.c: MSI-X vectors. */
int rdo_irq_init(struct rdo_dev *rdev);
void rdo_irq_fini(struct rdo_dev *rdev);
void rdo_irq_self_test(struct rdo_dev *rdev);

/* rdo_sysfs.c: read-only state under <pci device>/rdma_offload/. */
extern const struct attribute_group *rdo_dev_groups[];

#endif /* RDO_H */
