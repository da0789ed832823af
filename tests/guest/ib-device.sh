#!/usr/bin/env bash
# shellcheck disable=SC2317 # check functions are called through check()
# Guest test: the ib_device. rdo0 appears in /sys/class/infiniband and in
# `rdma link`, with a RoCEv2 port bound to the driver's net_device and GIDs
# from its MAC and IP addresses; the control path runs one completion EQ
# per CPU on vectors of their own; the driver's kernel-verbs self-test
# passes (PD, CQs, RC/UC/UD QPs through RTS, MR, LOCAL_INV, SEND, misuse
# of the data path, fast registration as kernel ULPs use it); hw_counters
# and `rdma statistic` show every device counter (the extended
# QUERY_COUNTERS blocks, the CM's), and they move under the self-test; a
# fatal error is recovered from; loading and unloading
# the module in a loop leaves the guest healthy. One guest boot; facts as
# key=value lines.
set -uo pipefail
# shellcheck source=tests/guest/lib.sh
source "$(dirname "$0")/lib.sh"
LOOPS=5

read -r -d '' GUEST_CMD <<EOF
loops=$LOOPS
EOF
read -r -d '' GUEST_BODY <<'EOF'
for d in /sys/bus/pci/devices/*; do
    [ "$(cat $d/vendor):$(cat $d/device)" = 0x1af4:0x10f0 ] && bdf=${d##*/}
done
D=/sys/kernel/debug/rdma_offload/$bdf
I=/sys/class/infiniband
P=$I/rdo0/ports/1
ko=/lib/modules/$(uname -r)/$(grep 'rdma_offload.ko$' /etc/rdo-modules)
ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
# wait_for FILE PATTERN: up to 10 s for a line matching PATTERN in FILE.
wait_for() {
    i=0
    while [ $i -lt 100 ] && ! grep -q "$2" "$1" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
}
echo "ibdevs=$(ls $I | tr '\n' ' ')"
echo "node_type=$(cat $I/rdo0/node_type)"
echo "link_layer=$(cat $P/link_layer)"
echo "port_state=$(cat $P/state)"
echo "gid0=$(cat $P/gids/0)"
echo "gid0_type=$(cat $P/gid_attrs/types/0)"
echo "gid0_ndev=$(cat $P/gid_attrs/ndevs/0)"
echo "mac=$(cat /sys/class/net/eth0/address)"
echo "rdma_link=$(rdma link show 2>&1)"
echo "rdma_dev=$(rdma dev show 2>&1)"
if ip link set eth0 mtu 9001 2>/dev/null; then echo mtu9001=taken; else echo mtu9001=refused; fi
ip link set eth0 mtu 9000; echo "mtu9000_rc=$?"
grep -E '^port_(active_)?mtu=' $D/state
ip link set eth0 up
ip addr add 10.0.0.1/24 dev eth0
wait_for "$P/gid_attrs/ndevs/1" eth0
sleep 1
echo "ipv4_gids=$(grep -l ffff:0a00:0001 $P/gids/* | wc -l)"
grep -E '^(num_eqs|eq[0-9]+)=' $D/state
echo "cpus=$(nproc)"
echo "nvme_rdma_ko=$(find /lib/modules/$(uname -r) -name 'nvme-rdma.ko*' | wc -l)"
# hw_counters: every name, and a few new ones around the self-test's traffic.
H=$P/hw_counters
HWC="cqp_cmds cqes dma_transfers dma_full_lines"
echo "hw.names=$(ls $H | grep -vx lifespan | sort | tr '\n' ' ')"
for c in $HWC sent_pkts; do echo "hw0.$c=$(cat $H/$c)"; done
t=$(ms); echo 1 > $D/selftest; echo "st1.ms=$(( $(ms) - t ))"
sleep 0.1   # past ib_core's 10 ms cache of the values
for c in $HWC sent_pkts; do echo "hw1.$c=$(cat $H/$c)"; done
echo "rdma_stat=$(rdma statistic show link rdo0/1 2>&1 | tr '\n' ' ')"
sed 's/^/st1./' $D/selftest
echo rubbish > $D/inject 2>/dev/null; echo "inject_rubbish_rc=$?"
echo fatal > $D/inject
wait_for $D/state '^recoveries=1'
wait_for $D/state '^ctrl_up=1'
grep -E '^(recoveries|ctrl_up|dead|port_mtu)=' $D/state | sed 's/^/rec./'
echo "rec.ibdevs=$(ls $I | tr '\n' ' ')"
echo 1 > $D/selftest
sed 's/^/st2./' $D/selftest
ok=0 times=
i=0
while [ $i -lt $loops ]; do
    rmmod rdma_offload || break
    [ -e $I/rdo0 ] && break
    t=$(ms); insmod $ko || break; times="$times $(( $(ms) - t ))"
    [ -e $I/rdo0 ] && [ -L /sys/bus/pci/drivers/rdma_offload/$bdf ] && ok=$((ok + 1))
    i=$((i + 1))
done
echo "loop.ok=$ok"
echo "loop.load_ms=$times"
echo "loop.irqs=$(grep -c ' rdma_offload-[0-9]*$' /proc/interrupts)"
echo 1 > $D/selftest
sed 's/^/st3./' $D/selftest
echo "dmesg_bad=$(dmesg | grep -cE 'WARNING:|BUG:|Oops|Call Trace|general protection')"
echo "driver_errs=$(dmesg -r | grep -E '^<[0-4]>\[[ 0-9.]*\] rdma_offload [0-9a-f]{4}:' | grep -cvE 'injected through debugfs')"
echo "injected_errs=$(dmesg -r | grep -cE '^<[0-4]>\[[ 0-9.]*\] rdma_offload [0-9a-f]{4}:.*injected through debugfs')"
echo finished=1
EOF

guest_run --timeout 600 --cmd "$GUEST_CMD"$'\n'"$GUEST_BODY"

# selftest PREFIX: the self-test passed, every check ok.
selftest() {
    eq "$(f "$1.result")" pass && eq "$(f "$1.failures")" 0 &&
        ! grep -q "^$1\.check\..*=FAIL" <<<"$output"
}
# The MAC as the interface identifier of an fe80:: GID (EUI-64).
mac_gid() {
    local m b0
    IFS=: read -ra m <<<"$1"
    b0=$(printf '%02x' $((16#${m[0]} ^ 2)))
    printf 'fe80:0000:0000:0000:%s%s:%sff:fe%s:%s%s' "$b0" "${m[1]}" "${m[2]}" \
        "${m[3]}" "${m[4]}" "${m[5]}"
}
# EQs: EQ 0 plus one per CPU, the completion EQs on distinct single CPUs.
eqs_spread() {
    local i cpus=() c
    eq "$(f num_eqs)" $(( $(f cpus) + 1 )) || return 1
    for ((i = 1; i <= $(f cpus); i++)); do
        c=$(sed -n 's/.* cpus \([0-9,-]*\) .*/\1/p' <<<"$(f "eq$i")")
        matches "$c" '^[0-9]+$' || return 1
        cpus+=("$c")
    done
    eq "$(printf '%s\n' "${cpus[@]}" | sort -u | wc -l)" "$(f cpus)"
}
send_outcome() {
    # Addressed to the port's own MAC, the SEND turns around inside the
    # device (its loopback) and reaches the posted receive.
    eq "$(f "$1.send.outcome")" delivered &&
        eq "$(f "$1.check.send_outcome")" ok
}
# The names rdo-cmd.h gives the counters: RDO_PORT_COUNTERS and
# RDO_PORT_COUNTERS_EXT's device counters (X, "name"; not the timing
# model's T), RDO_CM_COUNTERS ("cm_" field), sorted.
hw_names_expected() {
    local h
    h=$TOP/include/hw/rdma-offload/rdo-cmd.h
    { grep -oE '^\s+X\([a-z_0-9]+, "[a-z_0-9]+"\)' "$h" | sed 's/.*"\(.*\)".*/\1/'
      grep -oE '^\s+X\([a-z_0-9]+\)' "$h" | sed 's/.*X(\(.*\))/cm_\1/'
    } | sort | tr '\n' ' '
}
# Counters that moved by at least one over the self-test.
hw_moved() {
    local c
    for c in "$@"; do
        echo "# $c: $(f "hw0.$c") -> $(f "hw1.$c")"
        positive "$(( $(f "hw1.$c") - $(f "hw0.$c") ))" || return 1
    done
}
# rdma statistic shows the extended and the CM counters with values.
rdma_stat_ext() {
    matches "$(f rdma_stat)" '^link rdo0/1 sent_pkts [0-9]+ .* cm_mads_received [0-9]+ .* dma_head_pieces [0-9]+ .* fo_writeback_bytes [0-9]+'
}
loop_ok() { eq "$(f loop.ok)" "$LOOPS" && eq "$(f loop.irqs)" $(( $(f cpus) + 1 )); }

check "guest ran the test to the end (run-guest exit $run_rc)" ran_to_end
check "/sys/class/infiniband lists rdo0" eq "$(f ibdevs)" "rdo0 "
check "rdo0 is a CA with an Ethernet link layer" eq "$(f node_type): $(f link_layer)" "1: CA: Ethernet"
check "port 1 is ACTIVE" eq "$(f port_state)" "4: ACTIVE"
check "GID 0 is the MAC's link-local GID ($(f gid0))" eq "$(f gid0)" "$(mac_gid "$(f mac)")"
check "GID 0 is RoCE v2 on eth0" eq "$(f gid0_type) $(f gid0_ndev)" "RoCE v2 eth0"
check "an IPv4 address adds its ::ffff:a.b.c.d GID" eq "$(f ipv4_gids)" 1
check "rdma link show: rdo0/1 ACTIVE on eth0" matches "$(f rdma_link)" '^link rdo0/1 state ACTIVE physical_state LINK_UP netdev eth0'
check "rdma dev show: rdo0 is a CA" matches "$(f rdma_dev)" 'rdo0: node_type ca'
check "one completion EQ per CPU, each on its own CPU" eqs_spread
check "hw_counters: every counter of rdo-cmd.h's lists, CM and extended ones included ($(wc -w <<<"$(f hw.names)") names)" \
    eq "$(f hw.names)" "$(hw_names_expected)"
check "rdma statistic show lists the extended and the CM counters" rdma_stat_ext
check "hw_counters move under the self-test's traffic: sent_pkts, cqp_cmds, cqes, dma_transfers, dma_full_lines" \
    hw_moved sent_pkts cqp_cmds cqes dma_transfers dma_full_lines
check "self-test passes" selftest st1
check "self-test: completion events arrive on each completion vector" \
    eq "$(grep -c '^st1\.check\.cq[0-9]*_event_on_vector[0-9]*=ok' <<<"$output")" "$(f cpus)"
check "self-test: kernel partial buffers (rdo_ib_srq_set_partial): 3 SENDs packed in one buffer, give-back, next buffer, busy refused" \
    eq "$(f st1.check.partial_packed) $(f st1.check.partial_busy) $(f st1.partial.good)" "ok ok 5"
check "self-test: raw packet QPs: pairs [14, 16) past eth0's, a kernel raw QP refused, ETH+IPv4+TCP specs as one rule, 8 bad specs refused" \
    eq "$(f st1.raw.queues) $(f st1.raw.base) $(f st1.check.raw_queues_past_netdev) $(f st1.check.raw_qp_kernel_refused) $(f st1.check.raw_flow_rule) $(f st1.check.raw_flow_refused)" \
    "2 14 ok ok ok ok"
check "self-test: LOCAL_INV completes successfully" eq "$(f st1.local_inv.status)" success
check "self-test: device refuses a bad command, CQP goes on" \
    eq "$(f st1.bad_pd.status) $(f st1.check.cqp_alive_after)" "BAD_INDEX ok"
check "self-test: SEND to itself ends as the data path defines ($(f st1.send.outcome))" send_outcome st1
check "self-test: SEND_WITH_INV on a UC QP is refused with EINVAL ($(f st1.uc_send_inv.ret)), the QP stays in RTS" \
    eq "$(f st1.check.uc_send_inv_refused)" ok
check "self-test: an unregistered lkey completes with LOC_PROT_ERR, later work flushed" \
    eq "$(f st1.check.bad_lkey_completes) $(f st1.check.send_after_error_flushed)" "ok ok"
check "self-test: ULP capabilities (MEM_MGT_EXTENSIONS, $(f st1.fr.max_fast_reg_page_list_len) pages >= 512)" \
    eq "$(f st1.check.fr_ulp_caps)" ok
check "self-test: ib_alloc_mr + ib_map_mr_sg of scattered pages, IB_WR_REG_MR ($(f st1.fr.reg_mr.status))" \
    eq "$(f st1.check.fr_alloc_mr) $(f st1.check.fr_map_mr_sg) $(f st1.check.fr_reg_mr)" "ok ok ok"
check "self-test: RDMA WRITE through the fast-registered rkey lands byte-exact" \
    eq "$(f st1.check.fr_write) $(f st1.check.fr_write_data)" "ok ok"
check "self-test: LOCAL_INV, then the rkey fails ($(f st1.fr.write_after_inv.status)); dereg" \
    eq "$(f st1.check.fr_local_inv) $(f st1.check.fr_write_after_inv_fails) $(f st1.check.fr_dereg_mr)" "ok ok ok"
check "MTU 9000 reaches the port (active path MTU 4096), 9001 is refused" \
    eq "$(f mtu9000_rc) $(f mtu9001) $(f port_mtu) $(f port_active_mtu)" "0 refused 9000 5"
check "debugfs inject refuses what it does not know" eq "$(f inject_rubbish_rc)" 1
check "injected fatal error: recovered once, control path up" \
    eq "$(f rec.recoveries) $(f rec.ctrl_up) $(f rec.dead)" "1 1 0"
check "after recovery rdo0 is back, the port has the MTU again" \
    eq "$(f rec.ibdevs)$(f rec.port_mtu)" "rdo0 9000"
check "self-test passes after recovery" selftest st2
check "rmmod/insmod $LOOPS times: rebinds every time, IRQs not leaked" loop_ok
check "self-test passes after the load loop" selftest st3
check "no kernel warnings or oopses in dmesg" eq "$(f dmesg_bad)" 0
check "no driver errors or warnings but the injected one" eq "$(f driver_errs)" 0
check "the injected error was logged" positive "$(f injected_errs)"
if [ "$(f nvme_rdma_ko)" -gt 0 ] 2>/dev/null; then
    echo "# nvme-rdma.ko is in the guest image (loading it is out of this test's scope)"
else
    echo "# nvme-rdma.ko is not in the guest image; the self-test checks what its device check reads"
fi
echo "# module load times (ms):$(f loop.load_ms); self-test $(f st1.duration_us) us"

tap_end
