// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: PCI driver for the rdma-offload RDMA/RoCEv2 NIC.
 *
 * Probe brings the function up in this order, and remove (or a failing
 * probe) undoes it in reverse: enable the PCI function, claim its BARs, map
 * BAR0 (registers) and BAR2 page 0 (the kernel's doorbells), check identity
 * and interface version, reset, test the scratch register, set up and test
 * MSI-X vectors, enable the device, register the net_device, start the
 * control path (CQP, EQs), register the ib_device.
 *
 * A fatal device error resets the device at once and schedules recovery:
 * unregister the ib_device, free the control path, start it again. A
 * Function Level Reset does the same around the reset.
 *
 * The PF's and the VFs' (SR-IOV, rdo_sriov.c) functions are driven alike:
 * FUNCTION says which one this is.
 */
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "rdo.h"

static int rdo_check_bars(struct pci_dev *pdev)
{
	if (!(pci_resource_flags(pdev, RDO_BAR_REGS) & IORESOURCE_MEM) ||
	    pci_resource_len(pdev, RDO_BAR_REGS) < RDO_BAR_REGS_SIZE) {
		dev_err(&pdev->dev, "BAR%d is not a memory BAR of at least %#x bytes\n",
			RDO_BAR_REGS, RDO_BAR_REGS_SIZE);
		return -ENODEV;
	}
	if (!(pci_resource_flags(pdev, RDO_BAR_DOORBELL) & IORESOURCE_MEM) ||
	    pci_resource_len(pdev, RDO_BAR_DOORBELL) < RDO_DB_PAGE_SIZE) {
		dev_err(&pdev->dev, "BAR%d is not a memory BAR of at least %#x bytes\n",
			RDO_BAR_DOORBELL, RDO_DB_PAGE_SIZE);
		return -ENODEV;
	}
	return 0;
}

static int rdo_map_bars(struct rdo_dev *rdev)
{
	struct pci_dev *pdev = rdev->pdev;

	rdev->regs = pci_iomap(pdev, RDO_BAR_REGS, RDO_BAR_REGS_SIZE);
	if (!rdev->regs) {
		dev_err(&pdev->dev, "cannot map register BAR%d\n", RDO_BAR_REGS);
		return -ENOMEM;
	}
	rdev->db_len = pci_resource_len(pdev, RDO_BAR_DOORBELL);
	/* Page 0 only, uncached: the kernel's doorbells. */
	rdev->db = pci_iomap(pdev, RDO_BAR_DOORBELL, RDO_DB_PAGE_SIZE);
	if (!rdev->db) {
		dev_err(&pdev->dev, "cannot map doorbell BAR%d\n", RDO_BAR_DOORBELL);
		pci_iounmap(pdev, rdev->regs);
		rdev->regs = NULL;
		return -ENOMEM;
	}
	return 0;
}

/*
 * Push RAM: the push pages follow the doorbell pages in BAR 2. Page 0's is
 * the kernel QPs', mapped write-combined: the WQE goes there as memory
 * stores, then only the trigger is a doorbell write. Without it (no
 * capability, or a layout this driver does not know) pushes use the MMIO
 * push area.
 */
static void rdo_map_push_ram(struct rdo_dev *rdev)
{
	u32 pages = RDO_DB_INFO_NUM_PAGES(rdev->db_info);
	u32 info, first;

	if (!(rdev->caps & RDO_CAP_PUSH_RAM))
		return;
	info = rdo_rd32(rdev, RDO_REG_PUSH_RAM_INFO);
	first = RDO_PUSH_RAM_INFO_FIRST_PAGE(info);
	if (RDO_PUSH_RAM_INFO_SLOT_SHIFT(info) != RDO_PUSH_RAM_SLOT_SHIFT ||
	    first < pages ||
	    ((u64)first + pages) << RDO_DB_PAGE_SHIFT > rdev->db_len) {
		dev_warn(&rdev->pdev->dev, "push RAM info 0x%x not usable, pushing through MMIO\n",
			 info);
		return;
	}
	rdev->push_ram = ioremap_wc(pci_resource_start(rdev->pdev, RDO_BAR_DOORBELL) +
				    ((resource_size_t)first << RDO_DB_PAGE_SHIFT),
				    RDO_DB_PAGE_SIZE);
	if (rdev->push_ram)
		rdev->push_ram_first = first;
}

static void rdo_unmap_bars(struct rdo_dev *rdev)
{
	if (rdev->push_ram)
		iounmap(rdev->push_ram);
	rdev->push_ram = NULL;
	rdev->push_ram_first = 0;
	pci_iounmap(rdev->pdev, rdev->db);
	pci_iounmap(rdev->pdev, rdev->regs);
	rdev->db = NULL;
	rdev->regs = NULL;
}

/* Registers are mapped; bring the device itself up. */
static int rdo_hw_init(struct rdo_dev *rdev)
{
	int ret;

	ret = rdo_hw_check_identity(rdev);
	if (ret)
		return ret;
	ret = rdo_hw_reset(rdev);
	if (ret)
		return ret;
	ret = rdo_hw_scratch_test(rdev);
	if (ret)
		return ret;
	rdo_hw_read_config(rdev);
	rdo_map_push_ram(rdev);
	return 0;
}

/* Device still there? A surprise-removed function reads all-ones. */
static bool rdo_present(struct rdo_dev *rdev)
{
	return rdo_rd32(rdev, RDO_REG_ID) == RDO_ID_MAGIC;
}

/* Quiesce the device: no doorbells, no DMA, no interrupts. */
static void rdo_hw_quiesce(struct rdo_dev *rdev)
{
	rdo_hw_disable(rdev);
	if (rdo_present(rdev))
		rdo_hw_reset(rdev);
}

/* Each port's attributes (QUERY_PORT names the port in obj). */
int rdo_query_port(struct rdo_dev *rdev)
{
	u32 port;
	int ret = 0;

	for (port = 1; port <= rdev->ports && !ret; port++) {
		struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_QUERY_PORT,
					   .obj = rdo_port_obj(port) };
		struct rdo_port_attr pa;

		ret = rdo_cqp_exec(rdev, &cmd, NULL, &pa, sizeof(pa));
		if (!ret)
			*(port == 2 ? &rdev->port2 : &rdev->port) = pa;
	}
	return ret;
}

/* Port 2 exists if QUERY_DEVICE says so (an older device leaves 0). */
static void rdo_ports_init(struct rdo_dev *rdev)
{
	u32 lo, hi;

	rdev->ports = rdev->attr.phys_ports == 2 && !rdev->is_vf ? 2 : 1;
	if (rdev->ports < 2)
		return;
	lo = rdo_rd32(rdev, RDO_REG_PORT2_MAC_LO);
	hi = rdo_rd32(rdev, RDO_REG_PORT2_MAC_HI);
	rdev->mac2[0] = lo & 0xff;
	rdev->mac2[1] = (lo >> 8) & 0xff;
	rdev->mac2[2] = (lo >> 16) & 0xff;
	rdev->mac2[3] = lo >> 24;
	rdev->mac2[4] = hi & 0xff;
	rdev->mac2[5] = (hi >> 8) & 0xff;
}

static int rdo_query_device(struct rdo_dev *rdev)
{
	struct rdo_cqp_cmd cmd = { .opcode = RDO_CMD_QUERY_DEVICE };

	return rdo_cqp_exec(rdev, &cmd, NULL, &rdev->attr, sizeof(rdev->attr));
}

/*
 * The control path: CQP and EQ 0 (registers), the completion EQs, the
 * device's and the port's attributes. The device is reset and enabled.
 */
static int rdo_ctrl_up(struct rdo_dev *rdev)
{
	struct device *dev = &rdev->pdev->dev;
	int ret;

	if (!(rdev->caps & RDO_CAP_CQP)) {
		dev_err(dev, "device has no control path (caps 0x%llx)\n", rdev->caps);
		return -ENODEV;
	}
	rdev->num_eqs = min(rdev->num_vectors, max(rdev->hw_max_eq, 1u));
	ret = rdo_cqp_start(rdev);
	if (ret)
		return ret;
	ret = rdo_eqs_create(rdev);
	if (!ret)
		ret = rdo_query_device(rdev);
	if (!ret) {
		rdo_ports_init(rdev);
		ret = rdo_query_port(rdev);
	}
	if (ret) {
		dev_err(dev, "control path bring-up failed: %d\n", ret);
		goto err;
	}
	return 0;
err:
	rdo_eqs_destroy(rdev);
	clear_bit(RDO_F_CTRL_UP, &rdev->flags);
	if (rdo_present(rdev))
		rdo_hw_reset(rdev);
	rdo_cqp_free(rdev);
	return ret;
}

/* Undo rdo_ctrl_up; the device is reset (and disabled) afterwards. */
static void rdo_ctrl_down(struct rdo_dev *rdev)
{
	if (!test_bit(RDO_F_CTRL_UP, &rdev->flags))
		return;
	rdo_netdev_queues_down(rdev);
	rdo_eqs_destroy(rdev);
	clear_bit(RDO_F_CTRL_UP, &rdev->flags);
	rdo_hw_quiesce(rdev);
	rdo_cqp_free(rdev);
}

/*
 * The device failed (catastrophic event, a command never answered): reset
 * it at once so it stops touching memory, fail everything in flight, and
 * let the recovery work rebuild. Any context, interrupts included.
 */
void rdo_dev_fatal(struct rdo_dev *rdev, const char *fmt, ...)
{
	va_list ap;

	if (test_and_set_bit(RDO_F_DEAD, &rdev->flags))
		return;
	va_start(ap, fmt);
	vsnprintf(rdev->fatal_reason, sizeof(rdev->fatal_reason), fmt, ap);
	va_end(ap);
	dev_err(&rdev->pdev->dev, "device failed: %s; resetting it\n",
		rdev->fatal_reason);
	rdo_wr32(rdev, RDO_REG_CONTROL, RDO_CONTROL_RESET);
	rdo_cqp_abort(rdev);
	if (!test_bit(RDO_F_NO_RECOVER, &rdev->flags) &&
	    !test_bit(RDO_F_REMOVING, &rdev->flags))
		schedule_work(&rdev->recover_work);
}

/* Control path, port and ib_device, in that order. */
static int rdo_up(struct rdo_dev *rdev)
{
	int ret;

	ret = rdo_ctrl_up(rdev);
	if (ret)
		return ret;
	ret = rdo_netdev_init_port2(rdev);
	if (ret) {
		rdo_ctrl_down(rdev);
		return ret;
	}
	rdo_netdev_link_update(rdev);
	ret = rdo_netdev_sync(rdev);
	/* Without Ethernet queues the port still carries RoCE: not fatal. */
	if (!ret)
		rdo_netdev_queues_restore(rdev);
	if (!ret)
		ret = rdo_ib_register(rdev);
	if (ret)
		rdo_ctrl_down(rdev);
	return ret;
}

/*
 * Bring the function up again after its control path went (recovery,
 * function reset); life_lock held. On failure it stays down.
 */
static int rdo_restart(struct rdo_dev *rdev, const char *why)
{
	int ret;

	set_bit(RDO_F_NO_RECOVER, &rdev->flags);
	clear_bit(RDO_F_DEAD, &rdev->flags);
	ret = rdo_hw_reset(rdev);
	if (!ret)
		ret = rdo_hw_enable(rdev);
	if (!ret)
		ret = rdo_up(rdev);
	clear_bit(RDO_F_NO_RECOVER, &rdev->flags);
	if (ret) {
		set_bit(RDO_F_DEAD, &rdev->flags);
		rdo_hw_quiesce(rdev);
		dev_err(&rdev->pdev->dev, "%s failed (%d); the device stays down until the driver is reloaded\n",
			why, ret);
	}
	rdo_netdev_link_update(rdev);
	return ret;
}

static void rdo_recover(struct work_struct *work)
{
	struct rdo_dev *rdev = container_of(work, struct rdo_dev, recover_work);
	struct device *dev = &rdev->pdev->dev;

	mutex_lock(&rdev->life_lock);
	if (test_bit(RDO_F_REMOVING, &rdev->flags) || !rdo_dead(rdev))
		goto out;
	rdev->recoveries++;
	dev_warn(dev, "recovering from: %s\n", rdev->fatal_reason);
	rdo_ib_fatal_event(rdev);
	rdo_ib_unregister(rdev);
	rdo_ctrl_down(rdev);

	if (!rdo_restart(rdev, "recovery"))
		dev_info(dev, "recovered (recovery %u)\n", rdev->recoveries);
out:
	mutex_unlock(&rdev->life_lock);
}

/*
 * Function Level Reset (sysfs `reset`, or a VF's reset by its owner):
 * everything of the function goes before the reset, and comes back after
 * it as after a recovery. On a VF the PF and the other VFs go on.
 */
static void rdo_reset_prepare(struct pci_dev *pdev)
{
	struct rdo_dev *rdev = pci_get_drvdata(pdev);

	cancel_work_sync(&rdev->recover_work);
	mutex_lock(&rdev->life_lock);
	set_bit(RDO_F_NO_RECOVER, &rdev->flags);
	rdo_ib_unregister(rdev);
	rdo_ctrl_down(rdev);
	mutex_unlock(&rdev->life_lock);
}

static void rdo_reset_done(struct pci_dev *pdev)
{
	struct rdo_dev *rdev = pci_get_drvdata(pdev);

	mutex_lock(&rdev->life_lock);
	if (!rdo_restart(rdev, "function reset"))
		dev_info(&pdev->dev, "up again after the function reset\n");
	mutex_unlock(&rdev->life_lock);
}

static const struct pci_error_handlers rdo_err_handler = {
	.reset_prepare = rdo_reset_prepare,
	.reset_done = rdo_reset_done,
};

static int rdo_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct rdo_dev *rdev;
	int ret;

	rdev = kzalloc(sizeof(*rdev), GFP_KERNEL);
	if (!rdev)
		return -ENOMEM;
	rdev->pdev = pdev;
	mutex_init(&rdev->life_lock);
	spin_lock_init(&rdev->push_lock);
	mutex_init(&rdev->selftest_lock);
	mutex_init(&rdev->ssq_lock);
	INIT_LIST_HEAD(&rdev->moved_in);
	rdo_cm_init(rdev);
	INIT_WORK(&rdev->recover_work, rdo_recover);
	ida_init(&rdev->pd_ida);
	ida_init(&rdev->cq_ida);
	ida_init(&rdev->qp_ida);
	ida_init(&rdev->mr_ida);
	ida_init(&rdev->srq_ida);
	ida_init(&rdev->db_ida);
	xa_init(&rdev->cq_xa);
	xa_init(&rdev->qp_xa);
	xa_init(&rdev->srq_xa);
	pci_set_drvdata(pdev, rdev);

	ret = pci_enable_device(pdev);
	if (ret) {
		dev_err(dev, "cannot enable PCI device: %d\n", ret);
		goto err_free;
	}
	ret = rdo_check_bars(pdev);
	if (ret)
		goto err_disable;
	ret = pci_request_regions(pdev, RDO_DRV_NAME);
	if (ret) {
		dev_err(dev, "cannot claim BARs: %d\n", ret);
		goto err_disable;
	}
	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (ret) {
		dev_err(dev, "no usable DMA configuration: %d\n", ret);
		goto err_release;
	}
	/* Bus mastering also carries MSI-X messages. */
	pci_set_master(pdev);

	ret = rdo_map_bars(rdev);
	if (ret)
		goto err_clear_master;
	ret = rdo_hw_init(rdev);
	if (ret)
		goto err_unmap;
	ret = rdo_irq_init(rdev);
	if (ret)
		goto err_quiesce;
	rdo_irq_self_test(rdev);
	ret = rdo_hw_enable(rdev);
	if (ret)
		goto err_irq;

	/* A failure while coming up fails the probe; no recovery yet. */
	set_bit(RDO_F_NO_RECOVER, &rdev->flags);
	ret = rdo_netdev_init(rdev);
	if (ret)
		goto err_irq;
	mutex_lock(&rdev->life_lock);
	ret = rdo_up(rdev);
	mutex_unlock(&rdev->life_lock);
	if (ret)
		goto err_netdev;
	clear_bit(RDO_F_NO_RECOVER, &rdev->flags);
	rdo_debugfs_init(rdev);
	rdo_sriov_debugfs(rdev);

	dev_info(dev, "rdma-offload %s %u, id 0x%08x version %u.%u caps 0x%llx, %u MSI-X vectors (%u passed self-test), %u doorbell pages, MAC %pM\n",
		 rdev->is_vf ? "VF" : "function", rdev->fn,
		 rdev->hw_id, rdev->hw_version >> 16, rdev->hw_version & 0xffff,
		 rdev->caps, rdev->num_vectors, rdev->irq_test_ok,
		 RDO_DB_INFO_NUM_PAGES(rdev->db_info), rdev->mac);
	dev_info(dev, "control path up: %u completion EQs, %u QPs, %u MRs usable; ib device %s, netdev %s\n",
		 rdo_comp_eqs(rdev), rdev->usable_qps, rdev->usable_mrs,
		 rdo_ib_name(rdev),
		 rdev->ndev ? netdev_name(rdev->ndev) : "-");
	return 0;

err_netdev:
	rdo_netdev_fini(rdev);
err_irq:
	rdo_irq_fini(rdev);
err_quiesce:
	rdo_hw_quiesce(rdev);
err_unmap:
	rdo_unmap_bars(rdev);
err_clear_master:
	pci_clear_master(pdev);
err_release:
	pci_release_regions(pdev);
err_disable:
	pci_disable_device(pdev);
err_free:
	pci_set_drvdata(pdev, NULL);
	kfree(rdev);
	return ret;
}

static void rdo_remove(struct pci_dev *pdev)
{
	struct rdo_dev *rdev = pci_get_drvdata(pdev);

	/* The VFs first: their functions are the PF's. */
	if (!rdev->is_vf)
		pci_disable_sriov(pdev);
	set_bit(RDO_F_REMOVING, &rdev->flags);
	cancel_work_sync(&rdev->recover_work);
	rdo_debugfs_fini(rdev);
	mutex_lock(&rdev->life_lock);
	rdo_ib_unregister(rdev);
	rdo_ctrl_down(rdev);
	mutex_unlock(&rdev->life_lock);
	rdo_netdev_fini(rdev);
	rdo_hw_quiesce(rdev);
	rdo_irq_fini(rdev);
	rdo_unmap_bars(rdev);
	pci_clear_master(pdev);
	pci_release_regions(pdev);
	pci_disable_device(pdev);
	pci_set_drvdata(pdev, NULL);
	kfree(rdev->selftest_log);
	kfree(rdev);
}

static void rdo_shutdown(struct pci_dev *pdev)
{
	struct rdo_dev *rdev = pci_get_drvdata(pdev);

	if (rdev)
		rdo_hw_disable(rdev);
}

static const struct pci_device_id rdo_pci_ids[] = {
	{ PCI_DEVICE(RDO_PCI_VENDOR_ID, RDO_PCI_DEVICE_ID) },
	{ PCI_DEVICE(RDO_PCI_VENDOR_ID, RDO_PCI_VF_DEVICE_ID) },	/* same model */
	{ }
};
MODULE_DEVICE_TABLE(pci, rdo_pci_ids);

static struct pci_driver rdo_pci_driver = {
	.name = RDO_DRV_NAME,
	.id_table = rdo_pci_ids,
	.probe = rdo_probe,
	.remove = rdo_remove,
	.shutdown = rdo_shutdown,
	.sriov_configure = rdo_sriov_configure,
	.err_handler = &rdo_err_handler,
	.dev_groups = rdo_dev_groups,
};
static int __init rdo_init(void)
{
	int ret;

	rdo_debugfs_register();
	ret = pci_register_driver(&rdo_pci_driver);
	if (ret)
		rdo_debugfs_unregister();
	return ret;
}

static void __exit rdo_exit(void)
{
	pci_unregister_driver(&rdo_pci_driver);
	rdo_debugfs_unregister();
}

module_init(rdo_init);
module_exit(rdo_exit);

MODULE_DESCRIPTION("rdma-offload RDMA/RoCEv2 NIC driver");
MODULE_LICENSE("GPL");
