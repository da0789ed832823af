// SPDX-License-Identifier: GPL-2.0
/*
 * rdma_offload: read-only state for tests and people, as
 * /sys/bus/pci/devices/<bdf>/rdma_offload/<attribute>. The driver core
 * creates the group after probe succeeds and removes it before remove().
 */
#include <linux/device.h>
#include <linux/sysfs.h>

#include "rdo.h"

static struct rdo_dev *to_rdo(struct device *dev)
{
	return dev_get_drvdata(dev);
}

static ssize_t hw_id_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "0x%08x\n", to_rdo(dev)->hw_id);
}
static DEVICE_ATTR_RO(hw_id);

static ssize_t hw_version_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	u32 v = to_rdo(dev)->hw_version;

	return sysfs_emit(buf, "%u.%u\n", v >> 16, v & 0xffff);
}
static DEVICE_ATTR_RO(hw_version);

static ssize_t caps_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "0x%016llx\n", to_rdo(dev)->caps);
}
static DEVICE_ATTR_RO(caps);

static ssize_t msix_vectors_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", to_rdo(dev)->num_vectors);
}
static DEVICE_ATTR_RO(msix_vectors);

static ssize_t irq_test_ok_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", to_rdo(dev)->irq_test_ok);
}
static DEVICE_ATTR_RO(irq_test_ok);

static ssize_t mac_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	return sysfs_emit(buf, "%pM\n", to_rdo(dev)->mac);
}
static DEVICE_ATTR_RO(mac);

static ssize_t scratch_test_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", to_rdo(dev)->scratch_ok ? "pass" : "fail");
}
static DEVICE_ATTR_RO(scratch_test);

static ssize_t db_pages_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%u\n", RDO_DB_INFO_NUM_PAGES(to_rdo(dev)->db_info));
}
static DEVICE_ATTR_RO(db_pages);

/* Read live from the device, unlike the values above. */
static ssize_t status_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "0x%08x\n", rdo_rd32(to_rdo(dev), RDO_REG_STATUS));
}
static DEVICE_ATTR_RO(status);

static struct attribute *rdo_dev_attrs[] = {
	&dev_attr_hw_id.attr,
	&dev_attr_hw_version.attr,
	&dev_attr_caps.attr,
	&dev_attr_msix_vectors.attr,
	&dev_attr_irq_test_ok.attr,
	&dev_attr_mac.attr,
	&dev_attr_scratch_test.attr,
	&dev_attr_db_pages.attr,
	&dev_attr_status.attr,
	NULL,
};

static const struct attribute_group rdo_dev_group = {
	.name = RDO_DRV_NAME,
	.attrs = rdo_dev_attrs,
};

const struct attribute_group *rdo_dev_groups[] = {
	&rdo_dev_group,
	NULL,
};
