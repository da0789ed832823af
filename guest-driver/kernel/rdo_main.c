// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: PCI driver for the rdma-offload RDMA/RoCEv2 NIC.
 *
 * Probe brings the function up in this order, and remove (or a failing
 * probe) undoes it in reverse: enable the PCI function, claim its BARs, map
 * BAR0 (registers) and BAR2 (doorbells), check identity and interface
 * version, reset, test the scratch register, set up and test MSI-X vectors,
 * enable the device.
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
	rdev->db = pci_iomap_wc(pdev, RDO_BAR_DOORBELL, 0);
	if (!rdev->db) {
		dev_err(&pdev->dev, "cannot map doorbell BAR%d\n", RDO_BAR_DOORBELL);
		pci_iounmap(pdev, rdev->regs);
		rdev->regs = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void rdo_unmap_bars(struct rdo_dev *rdev)
{
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
	return 0;
}

/* Quiesce the device: no doorbells, no DMA, no interrupts. */
static void rdo_hw_quiesce(struct rdo_dev *rdev)
{
	rdo_hw_disable(rdev);
	/* Skip the reset when the device has gone away (reads all-ones). */
	if (rdo_rd32(rdev, RDO_REG_ID) == RDO_ID_MAGIC)
		rdo_hw_reset(rdev);
}

static int rdo_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct rdo_dev *rdev;
	int ret;

	rdev = kzalloc(sizeof(*rdev), GFP_KERNEL);
	if (!rdev)
		return -ENOMEM;
	rdev->pdev = pdev;
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

	dev_info(dev, "rdma-offload id 0x%08x version %u.%u caps 0x%llx, %u MSI-X vectors (%u passed self-test), %u doorbell pages, MAC %pM\n",
		 rdev->hw_id, rdev->hw_version >> 16, rdev->hw_version & 0xffff,
		 rdev->caps, rdev->num_vectors, rdev->irq_test_ok,
		 RDO_DB_INFO_NUM_PAGES(rdev->db_info), rdev->mac);
	return 0;

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

	rdo_hw_quiesce(rdev);
	rdo_irq_fini(rdev);
	rdo_unmap_bars(rdev);
	pci_clear_master(pdev);
	pci_release_regions(pdev);
	pci_disable_device(pdev);
	pci_set_drvdata(pdev, NULL);
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
	{ }
};
MODULE_DEVICE_TABLE(pci, rdo_pci_ids);

static struct pci_driver rdo_pci_driver = {
	.name = RDO_DRV_NAME,
	.id_table = rdo_pci_ids,
	.probe = rdo_probe,
	.remove = rdo_remove,
	.shutdown = rdo_shutdown,
	.dev_groups = rdo_dev_groups,
};
module_pci_driver(rdo_pci_driver);

MODULE_DESCRIPTION("rdma-offload RDMA/RoCEv2 NIC driver");
MODULE_LICENSE("GPL");
