#!/usr/bin/env bash
# shellcheck disable=SC2317 # check functions are called through check()
# Guest test: a device whose control QP never answers in time (each command
# takes 4 s of device time, the driver waits 300 ms). Probe must fail
# cleanly: a clear message, nothing left bound, registered or requested,
# the module unloads, and the kernel stays healthy.
set -uo pipefail
# shellcheck source=tests/guest/lib.sh
source "$(dirname "$0")/lib.sh"

read -r -d '' GUEST_CMD <<'EOF'
for d in /sys/bus/pci/devices/*; do
    [ "$(cat $d/vendor):$(cat $d/device)" = 0x1af4:0x10f0 ] && bdf=${d##*/}
done
ko=/lib/modules/$(uname -r)/$(grep 'rdma_offload.ko$' /etc/rdo-modules)
insmod $ko cqp_timeout_ms=300
echo "insmod_rc=$?"
if [ -L /sys/bus/pci/drivers/rdma_offload/$bdf ]; then echo bound=yes; else echo bound=no; fi
echo "ibdevs=$(ls /sys/class/infiniband | wc -l)"
echo "netdevs=$(ls /sys/class/net | grep -vc '^lo$')"
echo "irqs=$(grep -c ' rdma_offload-[0-9]*$' /proc/interrupts)"
echo "timeout_msg=$(dmesg | grep -c 'not answered in 300 ms')"
echo "probe_failed=$(dmesg | grep -c 'rdma_offload: probe of .* failed with error -110')"
rmmod rdma_offload
echo "rmmod_rc=$?"
echo "dmesg_bad=$(dmesg | grep -cE 'WARNING:|BUG:|Oops|Call Trace|general protection')"
echo finished=1
EOF

guest_run --timeout 300 --no-driver --device-args ',cqp-cmd-ns=4000000000' --cmd "$GUEST_CMD"

check "guest ran the test to the end (run-guest exit $run_rc)" ran_to_end
check "insmod succeeds (the module loads, the probe fails)" eq "$(f insmod_rc)" 0
check "the driver says which command timed out" positive "$(f timeout_msg)"
check "the probe failed: device not bound" eq "$(f bound) $(f probe_failed)" "no 1"
check "no ib_device, no net_device, no IRQs left" eq "$(f ibdevs) $(f netdevs) $(f irqs)" "0 0 0"
check "rmmod succeeds" eq "$(f rmmod_rc)" 0
check "no kernel warnings or oopses in dmesg" eq "$(f dmesg_bad)" 0

tap_end
