#!/usr/bin/env bash
# shellcheck disable=SC2317 # check functions are called through check()
# Guest test: determinism of the timing model under -icount. One guest
# boots twice with the same arguments: -icount shift=1,sleep=off, a fixed
# RTC and random seed, the adapter with timing=on on a port alone (a hub
# with no other member, so nothing outside times its frames). Its work
# goes through the port's internal loopback: the driver's self-test SENDs
# to itself, and stock ib_write_bw and ib_send_lat run server and client in
# the one guest (IPv6 off, so the kernel sends nothing on its own timers).
# Not ib_send_lat -e: this perftest (4.5-0.17) takes send and receive
# events from one channel and loses a race that -icount makes certain
# (docs/timing-model.md, "Under -icount"); the notify checks below take
# completions on events.
# Delayed notification per connection (D12), in virtual time, so that the
# counts do not hang on the host's load: rdo-verbs-check notify (two RC
# QPs through the port, receives taken on completion events) sends 100
# SENDs one after the other and 20 ping-pong round trips, without a
# delay, with RDO_NOTIFY_DELAY_US=200 and with that delay but every
# message solicited: with the delay the adapter's interrupts, EQEs and
# the completion events are under half of the two others', the CQEs the
# same, every message intact, and the one-way latency grows by at least
# half the delay, but not for solicited messages (figures printed).
# Both runs must do the same work (packets, frames, link
# bytes, CQEs, WRs: identical) and every device counter, functional
# (CNT_*) and timing (TM_*: busy cycles, bus waits, doorbell-to-CQE
# cycles...), must agree within 0.5 %; how many are bit-identical is
# reported (usually all), between two boots whose guest timelines agree
# (see MAX_BOOTS below). Without record/replay QEMU's main loop may run
# a timer a few instructions apart from run to run, which moves the guest
# a little (one more CQ arm, now and then an interrupt more), and with it
# the device. TM_CYCLES, the virtual time of the read, and DB_WRITES, the
# guest's doorbells, are reported, not compared. One vCPU: with two,
# TCG's round-robin switches between them on a host-time kick.
set -uo pipefail
# shellcheck source=tests/guest/lib.sh
source "$(dirname "$0")/lib.sh"

# Delayed notification: messages of the stream, ping-pong round trips, and
# the delay (us).
NF_N=100 NF_K=20 NF_US=200

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
# Delayed notification (D12) through the provider: the same stream and
# ping-pong without a delay, with RDO_NOTIFY_DELAY_US, and with it but
# every message solicited (which skips the delay).
nf_run() { env $2 rdo-verbs-check notify rdo0 $gid $NF_N $NF_K $3 | sed "s/^/nf.$1./"; }
nf_run d0 RDO_NOTIFY_DELAY_US= 0
nf_run d$NF_US RDO_NOTIFY_DELAY_US=$NF_US 0
nf_run s$NF_US RDO_NOTIFY_DELAY_US=$NF_US 1
sed 's/^/timing./' $D/timing
grep '^cnt\.' $D/state
echo "dmesg_bad=$(dmesg | grep -cE 'WARNING:|BUG:|Oops|Call Trace|general protection')"
echo finished=1
EOF

# shellcheck disable=SC2054 # the commas belong to QEMU options
ARGS=(--timeout 300 --smp 1 --netdev hubport,hubid=0 --device-args ,timing=on
      --qemu-args '-icount shift=1,sleep=off -rtc base=2020-01-01T00:00:00,clock=vm -seed 1'
      --cmd "NF_N=$NF_N NF_K=$NF_K NF_US=$NF_US"$'\n'"$GUEST_CMD")

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
# Host-time events (a main-loop timer run a few instructions apart) can
# move the guest's own timeline under -icount, and the device then does
# the same work at other moments (its caches, e.g. a held page-list line,
# hit or miss with it): seen as another virtual time at the counters'
# read. So the counters are compared between two boots whose timelines
# agree, booting again (up to MAX_BOOTS) until one matches a boot before
# it; failing that, the last two.
MAX_BOOTS=8
declare -A facts_at=()
first_cycles=$(f timing.tm.cycles) all_cycles=$(f timing.tm.cycles)
[ -z "$first_cycles" ] || facts_at[$first_cycles]=$first
boots=1 last=$first
while :; do
    guest_run "${ARGS[@]}"
    boots=$((boots + 1))
    second=$(device_facts)
    cycles=$(f timing.tm.cycles)
    all_cycles="$all_cycles $cycles"
    if [ -z "$cycles" ] || [ "$run_rc" != 0 ]; then
        break
    fi
    if [ -n "${facts_at[$cycles]+set}" ]; then
        first=${facts_at[$cycles]}
        break
    fi
    [ $boots -lt $MAX_BOOTS ] || { first=$last; break; }
    facts_at[$cycles]=$second
    last=$second
done

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
# Delayed notification: nf TAG PHASE KEY, e.g. nf d0 stream irqs.
nf() { f "nf.$1.notify.$2.$3"; }
# nf_intact TAG PHASE: every message of the run arrived, in order, intact.
nf_intact() {
    eq "$(nf "$1" "$2" received) $(nf "$1" "$2" bad) $(nf "$1" pp received) $(nf "$1" pp bad)" \
        "$NF_N 0 $((2 * NF_K)) 0"
}
# under_half A B: A is a count, B a positive count, and 2A < B.
under_half() {
    if ! [[ $1 =~ ^[0-9]+$ ]] || ! positive "$2" || [ $((2 * $1)) -ge "$2" ]; then
        echo "#   $1 is not under half of $2"
        return 1
    fi
}
# nf_fewer KEY: the delayed stream's KEY (irqs, eqes, events) under half
# the undelayed one's, and under half the solicited one's (which skips it).
nf_fewer() {
    under_half "$(nf "d$NF_US" stream "$1")" "$(nf d0 stream "$1")" &&
        under_half "$(nf "d$NF_US" stream "$1")" "$(nf "s$NF_US" solicited "$1")"
}
# The ping-pong's one-way latency in virtual time (-icount): each receive
# waits out the delay, unless solicited.
lat() { nf "$1" pp lat_us; }
nf_latency() {
    awk -v z="$(lat d0)" -v d="$(lat "d$NF_US")" -v s="$(lat "s$NF_US")" -v us="$NF_US" \
        'BEGIN { exit !(z > 0 && d >= z + us / 2 && s < z + us / 2) }' ||
        { echo "#   latency $(lat d0) / $(lat "d$NF_US") / $(lat "s$NF_US") us"; return 1; }
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
check "two boots of one timeline ($boots boots): every counter within 0.5 % ($identical of $total identical)" close_counters
check "no kernel warnings or oopses" eq "$(f dmesg_bad)" 0
for t in d0 "d$NF_US"; do
    check "notify ($t): $NF_N SENDs and $NF_K round trips arrived intact, in order" nf_intact $t stream
done
check "notify (s$NF_US): $NF_N solicited SENDs and $NF_K round trips arrived intact" \
    nf_intact "s$NF_US" solicited
check "notify: the same completions with a delay ($(nf "d$NF_US" stream cqes) CQEs for $NF_N SENDs)" \
    eq "$(nf "d$NF_US" stream cqes)" "$(nf d0 stream cqes)"
for k in irqs eqes events; do
    check "notify: RDO_NOTIFY_DELAY_US=$NF_US, under half the $k of no delay and of solicited SENDs" \
        nf_fewer $k
done
check "notify: the delay adds at least half of it to the latency, solicited messages skip it" nf_latency
echo "# TM_CYCLES at the read (virtual time), boot by boot: $all_cycles"
echo "# doorbell-to-CQE cycles of $(f timing.tm.wr_done) WRs: $(f timing.tm.wr_cycles), longest $(f timing.tm.wr_cycles_max)"
echo "# delayed notification, $NF_N SENDs of 64 B, each after the ACK of the one before:" \
    "interrupts $(nf d0 stream irqs) without a delay, $(nf "d$NF_US" stream irqs) with $NF_US us," \
    "$(nf "s$NF_US" solicited irqs) with $NF_US us and solicited; completion events" \
    "$(nf d0 stream events) / $(nf "d$NF_US" stream events) / $(nf "s$NF_US" solicited events);" \
    "CQEs $(nf d0 stream cqes) / $(nf "d$NF_US" stream cqes) / $(nf "s$NF_US" solicited cqes)"
echo "# ping-pong one-way latency on events (virtual time): $(lat d0) us without a delay," \
    "$(lat "d$NF_US") us with $NF_US us, $(lat "s$NF_US") us with $NF_US us and solicited"
[ "$failed" = 0 ] || output=$(compare_runs | awk '$2 != $3' | sed 's/^/differs: /')

tap_end
