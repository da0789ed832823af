/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libqos driver node for the rdma-offload adapter: finds the function on a
 * PCI bus, enables it and maps its register and doorbell BARs.
 */
#include "qemu/osdep.h"
#include "qemu/module.h"
#include "rdma-offload.h"

static void qrdo_found(QPCIDevice *dev, int devfn, void *data)
{
    QPCIDevice *out = data;

    *out = *dev;
    g_free(dev);
}

static void *qrdo_get_driver(void *obj, const char *interface)
{
    QRdmaOffload *d = obj;

    if (!g_strcmp0(interface, "rdma-offload")) {
        return d;
    }
    if (!g_strcmp0(interface, "pci-device")) {
        return &d->pci;
    }
    fprintf(stderr, "%s not present in rdma-offload\n", interface);
    g_assert_not_reached();
}

static void qrdo_start_hw(QOSGraphObject *obj)
{
    QRdmaOffload *d = (QRdmaOffload *)obj;

    qpci_device_enable(&d->pci);
    d->regs = qpci_iomap(&d->pci, RDO_BAR_REGS, &d->regs_size);
    d->doorbells = qpci_iomap(&d->pci, RDO_BAR_DOORBELL, &d->doorbells_size);
}

static void qrdo_destructor(QOSGraphObject *obj)
{
    QRdmaOffload *d = (QRdmaOffload *)obj;

    if (d->pci.msix_enabled) {
        qpci_msix_disable(&d->pci);
    }
    qpci_iounmap(&d->pci, d->regs);
    qpci_iounmap(&d->pci, d->doorbells);
}

static void *qrdo_create(void *pci_bus, QGuestAllocator *alloc, void *addr)
{
    QRdmaOffload *d = g_new0(QRdmaOffload, 1);
    QPCIAddress *address = addr;

    qpci_device_foreach(pci_bus, address->vendor_id, address->device_id,
                        qrdo_found, &d->pci);
    g_assert_nonnull(d->pci.bus);
    d->obj.get_driver = qrdo_get_driver;
    d->obj.start_hw = qrdo_start_hw;
    d->obj.destructor = qrdo_destructor;
    return &d->obj;
}

static void qrdo_register_nodes(void)
{
    QPCIAddress addr = {
        .vendor_id = RDO_PCI_VENDOR_ID,
        .device_id = RDO_PCI_DEVICE_ID,
    };
    QOSGraphEdgeOptions opts = {
        .extra_device_opts = "mac=" QRDO_TEST_MAC,
    };

    add_qpci_address(&opts, &addr);
    qos_node_create_driver("rdma-offload", qrdo_create);
    qos_node_consumes("rdma-offload", "pci-bus", &opts);
}

libqos_init(qrdo_register_nodes);
