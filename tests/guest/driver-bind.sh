#!/usr/bin/env bash
# shellcheck disable=SC2317 # check functions are called through check()
# Guest test: rdma_offload binds to the device, claims and maps its BARs,
# reads the ID register, sets up and tests MSI-X, and survives rmmod +
# insmod. One guest boot; the guest reports facts as key=value lines and
# this script checks them, printing TAP.
set -uo pipefail
# shellcheck source=tests/guest/lib.sh
source "$(dirname "$0")/lib.sh"

# Runs in the guest (busybox sh). Facts are prefixed by phase: boot. after
# the boot-time load, rmmod. after rmmod, insmod. after loading again.
read -r -d '' GUEST_CMD <<'EOF'
dev=
for d in /sys/bus/pci/devices/*; do
    if [ "$(cat $d/vendor)" = 0x1af4 ] && [ "$(cat $d/device)" = 0x10f0 ]; then
        dev=$d
        break
    fi
done
bdf=${dev##*/}
echo "bdf=$bdf"
echo "bar0=$(sed -n 1p $dev/resource | cut -d' ' -f1,2)"
echo "bar2=$(sed -n 3p $dev/resource | cut -d' ' -f1,2)"
facts() {
    p=$1
    if [ -L /sys/bus/pci/drivers/rdma_offload/$bdf ]; then l=yes; else l=no; fi
    echo "$p.driver_link=$l"
    l=$(readlink $dev/driver)
    echo "$p.driver=${l##*/}"
    for a in hw_id hw_version caps msix_vectors irq_test_ok mac scratch_test; do
        echo "$p.$a=$(cat $dev/rdma_offload/$a 2>/dev/null)"
    done
    echo "$p.msi_irqs=$(ls $dev/msi_irqs 2>/dev/null | wc -l)"
    echo "$p.proc_irqs=$(grep -c ' rdma_offload-[0-9]*$' /proc/interrupts)"
    echo "$p.iomem=$(grep ': rdma_offload$' /proc/iomem | awk '{print $1}' | tr '\n' ' ')"
    echo "$p.ioremap=$(sed -n 's/.*phys=\(0x[0-9a-f]*\) ioremap.*/\1/p' /proc/vmallocinfo | tr '\n' ' ')"
    echo "$p.lsmod=$(lsmod | grep -c '^rdma_offload ')"
}
facts boot
rmmod rdma_offload
echo "rmmod_rc=$?"
facts rmmod
insmod /lib/modules/$(uname -r)/$(grep 'rdma_offload.ko$' /etc/rdo-modules)
echo "insmod_rc=$?"
facts insmod
echo "summaries=$(dmesg | grep -cE 'rdma-offload (function|VF) [0-9]+, id 0x464f4452 version')"
echo "dmesg_bad=$(dmesg | grep -cE 'WARNING:|BUG:|Oops|Call Trace|general protection')"
echo "driver_errs=$(dmesg -r | grep -cE '^<[0-4]>\[[ 0-9.]*\] rdma_offload [0-9a-f]{4}:')"
echo finished=1
EOF

guest_run --timeout 300 --cmd "$GUEST_CMD"

# hexnum 0x...: the number in decimal.
hexnum() { printf '%d' "$((16#${1#0x}))"; }
# bar_in_iomem PHASE BAR: the BAR's range appears as rdma_offload's in /proc/iomem.
bar_in_iomem() {
    local start end r s e
    read -r start end <<<"$(f "$2")"
    [ -n "$start" ] || return 1
    for r in $(f "$1.iomem"); do
        s=${r%-*} e=${r#*-}
        [ "$(hexnum "$s")" = "$(hexnum "$start")" ] &&
            [ "$(hexnum "$e")" = "$(hexnum "$end")" ] && return 0
    done
    return 1
}
# bar_ioremapped PHASE BAR: an ioremap of the BAR's start is in vmallocinfo.
bar_ioremapped() {
    local start p
    read -r start _ <<<"$(f "$2")"
    [ -n "$start" ] || return 1
    for p in $(f "$1.ioremap"); do
        [ "$(hexnum "$p")" = "$(hexnum "$start")" ] && return 0
    done
    return 1
}
valid_mac() {
    if [[ $1 =~ ^[0-9a-f]{2}(:[0-9a-f]{2}){5}$ ]] && [ "$1" != 00:00:00:00:00:00 ]; then
        return 0
    fi
    echo "#   bad MAC '$1'"
    return 1
}
bound() {
    eq "$(f "$1.driver_link")" yes && eq "$(f "$1.driver")" rdma_offload && eq "$(f "$1.lsmod")" 1
}
unbound() {
    eq "$(f "$1.driver_link")" no && eq "$(f "$1.driver")" "" && eq "$(f "$1.lsmod")" 0
}

# Checks made of several facts.
device_found() { [ -n "$(f bdf)" ] || { echo "#   no 1af4:10f0 device in the guest"; return 1; }; }
bars_mapped() { bar_ioremapped "$1" bar0 && bar_ioremapped "$1" bar2; }
version_ok() { [[ $(f "$1.hw_version") =~ ^0\.[0-9]+$ ]] || { echo "#   version '$(f "$1.hw_version")'"; return 1; }; }
msix_enabled() { positive "$(f "$1.msix_vectors")" && eq "$(f "$1.msi_irqs")" "$(f "$1.msix_vectors")"; }
irqs_tested() { positive "$(f "$1.irq_test_ok")" && eq "$(f "$1.irq_test_ok")" "$(f "$1.msix_vectors")"; }
irqs_listed() { positive "$(f "$1.proc_irqs")" && eq "$(f "$1.proc_irqs")" "$(f "$1.msix_vectors")"; }
vectors_ok() { msix_enabled "$1" && irqs_tested "$1" && irqs_listed "$1"; }
rmmod_unbound() { eq "$(f rmmod_rc)" 0 && unbound rmmod; }
rmmod_released() {
    eq "$(f rmmod_rc)" 0 && eq "$(f rmmod.proc_irqs)" 0 && eq "$(f rmmod.msi_irqs)" 0 &&
        eq "$(f rmmod.iomem)" "" && ! bar_ioremapped rmmod bar0 && ! bar_ioremapped rmmod bar2
}
insmod_bound() { eq "$(f insmod_rc)" 0 && bound insmod; }
insmod_mapped() {
    bar_in_iomem insmod bar0 && bar_in_iomem insmod bar2 && bars_mapped insmod &&
        eq "$(f insmod.hw_id)" 0x464f4452
}

check "guest ran the test to the end (run-guest exit $run_rc)" ran_to_end
check "rdma-offload PCI device present ($(f bdf))" device_found
check "driver bound: /sys/bus/pci/drivers/rdma_offload/$(f bdf) and lsmod" bound boot
check "BAR0 claimed by rdma_offload in /proc/iomem" bar_in_iomem boot bar0
check "BAR2 claimed by rdma_offload in /proc/iomem" bar_in_iomem boot bar2
check "BAR0 and BAR2 ioremapped (/proc/vmallocinfo)" bars_mapped boot
check "ID register read: hw_id is RDO_ID_MAGIC" eq "$(f boot.hw_id)" 0x464f4452
check "interface version major 0 accepted" version_ok boot
check "scratch register test passed" eq "$(f boot.scratch_test)" pass
check "MSI-X enabled: msix_vectors > 0 and equal to the device's msi_irqs" msix_enabled boot
check "every MSI-X vector fired on IRQ_TEST (irq_test_ok = msix_vectors)" irqs_tested boot
check "/proc/interrupts lists one rdma_offload-N per vector" irqs_listed boot
check "MAC address read ($(f boot.mac))" valid_mac "$(f boot.mac)"
check "rmmod rdma_offload succeeded and unbound the device" rmmod_unbound
check "rmmod released IRQs, MSI-X vectors, BARs and mappings" rmmod_released
check "insmod again rebinds the device" insmod_bound
check "after insmod: BARs claimed and mapped, hw_id read" insmod_mapped
check "after insmod: MSI-X vectors allocated and all fired" vectors_ok insmod
check "driver logged its summary line at each probe" eq "$(f summaries)" 2
check "no kernel warnings or oopses in dmesg" eq "$(f dmesg_bad)" 0
check "no error or warning messages from the driver in dmesg" eq "$(f driver_errs)" 0

tap_end
