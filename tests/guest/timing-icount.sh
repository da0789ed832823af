#!/usr/bin/env bash
# shellcheck disable=SC2317 # check functions are called through check()
# Guest test: determinism of the timing model under -icount. One guest
# boots twice with the same arguments: -icount shift=1,sleep=off, a fixed
# RTC and random seed, the adapter with timing=on on a port alone (a hub
# with no other member, so nothing outside times its frames). Its work
# goes through the port's internal loopback: the driver's self-test SENDs
# to itself, and stock ib_write_bw and ib_send_lat run server and client in
# the one guest (IPv6 off, so the kernel sends nothing on its own timers).
# Both runs must do the same work (packets, frames, link
# bytes, CQEs, WRs: identical) and every device counter, functional
# (CNT_*) and timing (TM_*: busy cycles, bus waits, doorbell-to-CQE
# cycles...), must agree within 0.5 %; how many are bit-identical is
# reported (usually all). Without record/replay QEMU's main loop may run
# a timer a few instructions apart from run to run, which moves the guest
# a little (one more CQ arm, now and then an interrupt more), and with it
# the device. TM_CYCLES, the virtual time of the read, and DB_WRITES, the
# guest's doorbells, are reported, not compared. One vCPU: with two,
# TCG's round-robin switches between them on a host-time kick.
set -uo pipefail
# shellcheck source=tests/guest/lib.sh
source "$(dirname "$0")/lib.sh"

read -r -d '' GUEST_CMD <<'EOF'
gid4=0000:0000:0000:0000:0000:ffff:0a00:0001
# No IPv6: its router solicitations go out on host-time timers, one more
# or less per run (a 70-byte frame and its send CQE on the Ethernet queue).
for c in all default eth0; do echo 1 > /proc/sys/net/ipv6/conf/$c/disable_ipv6; done
ip link set eth0 up && ip addr add 10.0.0.1/24 dev eth0
i=0
while [ $i -lt 100 ] && ! grep -qs $gid4 /sys/class/infiniband/rdo0/ports/1/gids/*; do
    sleep 0.1; i=$((i + 1))
done
gid=$(grep -l $gid4 /sys/class/infiniband/rdo0/ports/1/gids/* | head -n1 | sed 's|.*/||')
echo "gid=$gid"
D=$(ls -d /sys/kernel/debug/rdma_offload/*)
echo 1 > $D/selftest
sed -n 's/^\(result\|send\.outcome\)=/selftest.\1=/p' $D/selftest
# perf_run NAME TOOL ARGS: server in the background, client to 127.0.0.1.
perf_run() {
    n=$1; shift
    "$@" -d rdo0 -x $gid -F > /tmp/$n.server 2>&1 &
    sleep 1
    "$@" -d rdo0 -x $gid -F 127.0.0.1 > /tmp/$n.client 2>&1
    echo "$n.client_rc=$?"
    wait $!
    echo "$n.server_rc=$?"
}
perf_run write_bw ib_write_bw -s 65536 -n 200
perf_run send_lat ib_send_lat -s 64 -n 100
sed 's/^/timing./' $D/timing
grep '^cnt\.' $D/state
echo "dmesg_bad=$(dmesg | grep -cE 'WARNING:|BUG:|Oops|Call Trace|general protection')"
echo finished=1
EOF

# shellcheck disable=SC2054 # the commas belong to QEMU options
ARGS=(--timeout 300 --smp 1 --netdev hubport,hubid=0 --device-args ,timing=on
      --qemu-args '-icount shift=1,sleep=off -rtc base=2020-01-01T00:00:00,clock=vm -seed 1'
      --cmd "$GUEST_CMD")

# device_facts: the counters both runs must share, one per line. Not
# TM_CYCLES (the read's virtual time) nor DB_WRITES: how many doorbells
# the guest rang (CQ arms, polls that found nothing) is the guest's
# behaviour, and it moved by one between runs now and then.
device_facts() {
    printf '%s\n' "$output" | grep -E '^(timing\.tm\.|cnt\.)' |
        grep -vE '^(timing\.tm\.cycles|cnt\.db_writes)='
}

guest_run "${ARGS[@]}"
first_rc=$run_rc first_finished=$(f finished) first=$(device_facts)
first_cycles=$(f timing.tm.cycles)
guest_run "${ARGS[@]}"
second=$(device_facts)

run_twice() {
    eq "$first_rc $first_finished" "0 1" && ran_to_end
}
# compare_runs: each counter as "name first second", one per line.
compare_runs() {
    join -t= <(sort <<<"$first") <(sort <<<"$second") | tr '=' ' '
}
# Packets, frames, bytes on the link, completions: the work itself.
WORK='^(timing\.tm\.(link_frames|link_bytes|wr_done|rx_fifo_drops)|cnt\.(tx_packets|rx_packets|acks_sent|rx_placements|cqes|naks_sent|retransmits))$'
same_work() {
    local bad
    bad=$(compare_runs | awk -v re="$WORK" '$1 ~ re && $2 != $3')
    [ -z "$bad" ] || { printf '#   differs: %s\n' "$bad"; return 1; }
    [ "$(compare_runs | awk -v re="$WORK" '$1 ~ re' | wc -l)" = 11 ]
}
# Every counter within 0.5 % (or 2) of the other run's.
close_counters() {
    local bad
    bad=$(compare_runs | awk '{ d = $2 - $3; if (d < 0) d = -d;
        m = ($2 > $3 ? $2 : $3) * 0.005; if (d > 2 && d > m) print }')
    [ -z "$bad" ] || { printf '#   apart: %s\n' "$bad"; return 1; }
}
identical=$(compare_runs | awk '$2 == $3' | wc -l)
total=$(compare_runs | wc -l)
check "both boots ran the test to the end (run-guest exit $first_rc, $run_rc)" run_twice
check "the timing model is on (clock $(f timing.clock_mhz) MHz, $(f timing.link_gbps) Gbit/s)" \
    positive "$(f timing.clock_mhz)"
check "self-test passes; its SEND to itself comes back through the loopback" \
    eq "$(f selftest.result) $(f selftest.send.outcome)" "pass delivered"
check "ib_write_bw server and client in one guest over the loopback" \
    eq "$(f write_bw.client_rc) $(f write_bw.server_rc)" "0 0"
check "ib_send_lat server and client in one guest over the loopback" \
    eq "$(f send_lat.client_rc) $(f send_lat.server_rc)" "0 0"
check "work requests went through the model ($(f timing.tm.wr_done) WRs, $(f timing.tm.link_frames) frames)" \
    positive "$(f timing.tm.wr_done)"
check "all 23 TM_* work counters and the CNT_* counters were read" \
    eq "$(grep -c '^timing\.tm\.' <<<"$first")" 23
check "both runs: the same work (packets, frames, link bytes, CQEs, WRs)" same_work
check "both runs: every counter within 0.5 % ($identical of $total identical)" close_counters
check "no kernel warnings or oopses" eq "$(f dmesg_bad)" 0
echo "# TM_CYCLES at the read (virtual time): $first_cycles and $(f timing.tm.cycles)"
echo "# doorbell-to-CQE cycles of $(f timing.tm.wr_done) WRs: $(f timing.tm.wr_cycles), longest $(f timing.tm.wr_cycles_max)"
[ "$failed" = 0 ] || output=$(compare_runs | awk '$2 != $3' | sed 's/^/differs: /')

tap_end
