/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtests for the rdma-offload adapter on the q35 machine: as a PCI Express
 * endpoint behind a root port and as a root-complex integrated endpoint,
 * and the device's configuration properties. Behind a root port the device
 * is only realized: enumerating it needs firmware to number the bus.
 */
#include "qemu/osdep.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"

#define RDO_VENDOR 0x1af4
#define RDO_DEVICE 0x10f0

/* Finds the adapter anywhere in query-pci, bridges included. */
static QDict *find_device(QList *devices)
{
    QListEntry *e;

    QLIST_FOREACH_ENTRY(devices, e) {
        QDict *dev = qobject_to(QDict, qlist_entry_obj(e));
        QDict *id = qdict_get_qdict(dev, "id");
        QDict *bridge = qdict_get_qdict(dev, "pci_bridge");

        if (qdict_get_int(id, "vendor") == RDO_VENDOR &&
            qdict_get_int(id, "device") == RDO_DEVICE) {
            return dev;
        }
        if (bridge && qdict_haskey(bridge, "devices")) {
            QDict *found = find_device(qdict_get_qlist(bridge, "devices"));
            if (found) {
                return found;
            }
        }
    }
    return NULL;
}

static void check_realized(QTestState *qts)
{
    QDict *resp = qtest_qmp(qts, "{ 'execute': 'qom-get', 'arguments':"
                            " { 'path': '/machine/peripheral/rdo0',"
                            " 'property': 'realized' } }");

    g_assert_true(qdict_get_bool(resp, "return"));
    qobject_unref(resp);
}

/* The device is realized and, where firmware is not needed, enumerated. */
static void check_listed(const char *args, bool enumerated)
{
    QTestState *qts = qtest_init(args);
    QDict *resp = qtest_qmp(qts, "{ 'execute': 'query-pci' }");
    QList *buses = qdict_get_qlist(resp, "return");
    QDict *bus0 = qobject_to(QDict, qlist_peek(buses));
    QDict *dev = find_device(qdict_get_qlist(bus0, "devices"));

    check_realized(qts);
    if (enumerated) {
        g_assert_nonnull(dev);
        g_assert_cmpstr(qdict_get_str(dev, "qdev_id"), ==, "rdo0");
    }
    qobject_unref(resp);
    qtest_quit(qts);
}

static void test_q35_root_port(void)
{
    check_listed("-M q35 -device pcie-root-port,id=rp0,chassis=1 "
                 "-device rdma-offload,id=rdo0,bus=rp0", false);
}

static void test_q35_integrated(void)
{
    check_listed("-M q35 -device rdma-offload,id=rdo0", true);
}

static void test_pc(void)
{
    check_listed("-M pc -device rdma-offload,id=rdo0", true);
}

static void test_with_netdev(void)
{
    check_listed("-M q35 -netdev user,id=n0 "
                 "-device rdma-offload,id=rdo0,netdev=n0,mac=52:54:00:00:00:01", true);
}

/* Hot-plug into a root port: bad properties are refused with a message. */
static void test_properties(void)
{
    static const struct {
        const char *prop;
        int value;
        bool ok;
    } cases[] = {
        { "msix-vectors", 0, false }, { "msix-vectors", 4096, false },
        { "doorbell-pages", 0, false }, { "doorbell-pages", 3, false },
        { "doorbell-pages", 8192, false },
        { "fault-drop-ppm", 1000001, false }, { "fault-corrupt-ppm", 1000001, false },
        { "fault-dup-ppm", 1000001, false }, { "fault-reorder-ppm", 1000001, false },
        { "fault-burst", 1025, false }, { "fault-delay-ns", 1000000001, false },
        { "msix-vectors", 64, true },
    };
    QTestState *qts = qtest_init("-M q35 -device pcie-root-port,id=rp0,chassis=1");

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        QDict *resp = qtest_qmp(qts, "{ 'execute': 'device_add', 'arguments':"
                                " { 'driver': 'rdma-offload', 'bus': 'rp0',"
                                " 'id': 'hot', %s: %d } }",
                                cases[i].prop, cases[i].value);
        if (cases[i].ok) {
            g_assert_true(qdict_haskey(resp, "return"));
        } else {
            QDict *err = qdict_get_qdict(resp, "error");
            g_assert_nonnull(err);
            g_assert_nonnull(strstr(qdict_get_str(err, "desc"), cases[i].prop));
        }
        qobject_unref(resp);
    }
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/rdma-offload/q35/root-port", test_q35_root_port);
    qtest_add_func("/rdma-offload/q35/integrated", test_q35_integrated);
    qtest_add_func("/rdma-offload/pc/conventional-bus", test_pc);
    qtest_add_func("/rdma-offload/q35/netdev", test_with_netdev);
    qtest_add_func("/rdma-offload/q35/properties", test_properties);
    return g_test_run();
}
