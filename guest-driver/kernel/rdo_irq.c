// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: MSI-X vectors. Vector 0 serves EQ 0 (control and async
 * events); vectors 1..n serve the completion EQs, one per online CPU as far
 * as the device's vectors and EQs go, with their affinity spread across the
 * CPUs by the IRQ core (managed affinity). Each handler counts (the
 * probe-time IRQ_TEST self-test checks that) and consumes its EQ.
 */
#include <linux/interrupt.h>
#include <linux/slab.h>

#include "rdo.h"

#define RDO_IRQ_TEST_TIMEOUT	HZ

static irqreturn_t rdo_irq_handler(int irq, void *data)
{
	struct rdo_vector *vec = data;
	struct rdo_eq *eq = READ_ONCE(vec->eq);

	atomic_inc(&vec->count);
	if (eq)
		rdo_eq_process(eq);
	wake_up(&vec->rdev->irq_wait);
	return IRQ_HANDLED;
}

static void rdo_irq_free_vectors(struct rdo_dev *rdev, unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		struct rdo_vector *vec = &rdev->vectors[i];

		if (vec->requested)
			free_irq(vec->irq, vec);
		vec->requested = false;
	}
}

int rdo_irq_init(struct rdo_dev *rdev)
{
	struct irq_affinity affd = { .pre_vectors = 1 };
	struct pci_dev *pdev = rdev->pdev;
	struct device *dev = &pdev->dev;
	unsigned int want = rdev->hw_msix_vectors;
	unsigned int i, got;
	int ret;

	init_waitqueue_head(&rdev->irq_wait);

	if (!(rdev->caps & RDO_CAP_MSIX) || !want) {
		dev_err(dev, "device offers no MSI-X vectors (caps 0x%llx, MSIX_INFO %u)\n",
			rdev->caps, want);
		return -ENODEV;
	}
	ret = pci_msix_vec_count(pdev);
	if (ret < 0) {
		dev_err(dev, "no MSI-X capability: %d\n", ret);
		return ret;
	}
	if (want > (unsigned int)ret) {
		dev_warn(dev, "MSIX_INFO says %u vectors but the MSI-X table has %d\n",
			 want, ret);
		want = ret;
	}

	/* EQ 0 plus a completion EQ per online CPU, within MAX_EQ. */
	want = min3(want, num_online_cpus() + 1, max(rdev->hw_max_eq, 1u));
	ret = pci_alloc_irq_vectors_affinity(pdev, 1, want,
					     PCI_IRQ_MSIX | PCI_IRQ_AFFINITY, &affd);
	if (ret < 0) {
		dev_err(dev, "cannot allocate MSI-X vectors: %d\n", ret);
		return ret;
	}
	got = ret;
	if (got < want)
		dev_warn(dev, "got %u of %u MSI-X vectors\n", got, want);

	rdev->vectors = kcalloc(got, sizeof(*rdev->vectors), GFP_KERNEL);
	rdev->eqs = kcalloc(got, sizeof(*rdev->eqs), GFP_KERNEL);
	if (!rdev->vectors || !rdev->eqs) {
		ret = -ENOMEM;
		goto err_free_vectors;
	}

	for (i = 0; i < got; i++) {
		struct rdo_vector *vec = &rdev->vectors[i];

		vec->rdev = rdev;
		vec->index = i;
		vec->irq = pci_irq_vector(pdev, i);
		atomic_set(&vec->count, 0);
		snprintf(vec->name, sizeof(vec->name), RDO_DRV_NAME "-%u", i);
		ret = request_irq(vec->irq, rdo_irq_handler, 0, vec->name, vec);
		if (ret) {
			dev_err(dev, "cannot request IRQ %u for vector %u: %d\n",
				vec->irq, i, ret);
			goto err_free_irqs;
		}
		vec->requested = true;
	}
	rdev->num_vectors = got;
	return 0;

err_free_irqs:
	rdo_irq_free_vectors(rdev, i);
err_free_vectors:
	kfree(rdev->vectors);
	kfree(rdev->eqs);
	rdev->vectors = NULL;
	rdev->eqs = NULL;
	pci_free_irq_vectors(pdev);
	return ret;
}

void rdo_irq_fini(struct rdo_dev *rdev)
{
	rdo_irq_free_vectors(rdev, rdev->num_vectors);
	kfree(rdev->vectors);
	kfree(rdev->eqs);
	rdev->vectors = NULL;
	rdev->eqs = NULL;
	rdev->num_vectors = 0;
	pci_free_irq_vectors(rdev->pdev);
}

/*
 * Ask the device to raise each vector in turn and wait for its handler to
 * run. Failures are reported and counted, not fatal: irq_test_ok in sysfs
 * tells tests how many vectors work.
 */
void rdo_irq_self_test(struct rdo_dev *rdev)
{
	struct device *dev = &rdev->pdev->dev;
	unsigned int i;

	rdev->irq_test_ok = 0;
	if (!(rdev->caps & RDO_CAP_IRQ_TEST)) {
		dev_info(dev, "device has no interrupt self-test; skipped\n");
		return;
	}

	for (i = 0; i < rdev->num_vectors; i++) {
		struct rdo_vector *vec = &rdev->vectors[i];
		int before = atomic_read(&vec->count);

		rdo_wr32(rdev, RDO_REG_IRQ_TEST, i);
		if (wait_event_timeout(rdev->irq_wait,
				       atomic_read(&vec->count) != before,
				       RDO_IRQ_TEST_TIMEOUT))
			rdev->irq_test_ok++;
		else
			dev_err(dev, "MSI-X vector %u (IRQ %u) did not fire on IRQ_TEST\n",
				i, vec->irq);
	}
}
