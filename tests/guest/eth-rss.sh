#!/usr/bin/env bash
# shellcheck disable=SC2317 # check functions are called through check()
# Guest test of completions spread over CPUs: two adapter guests with 4
# vCPUs each (run-guest --peer adapter --smp 4). The Ethernet function has
# one queue pair per CPU (ethtool -l), each on its own completion vector.
# Phase 1, TCP: four 1 MiB streams A -> B, sender i pinned to CPU i (XPS
# sends on pair i), with fixed ports whose RSS hash (device rule: the n-th
# RXQ for hash mod 4) puts flow i, and its ACKs, on RXQ i of B (and of A);
# the data is checked by md5 (busybox nc cannot bind a client port: the
# ephemeral port range is narrowed to each one in turn). Phase 2, RDMA:
# four rounds of rdo_peer_test, round v with its CQ on completion vector
# v. In each phase, on each guest,
# the adapter's completion-vector interrupts (/proc/interrupts) grew on
# every CPU; per-queue packets (ethtool -S) grew on every queue. Then A's
# driver is reloaded with eth_queues=1: one pair, and TCP still works. B
# meanwhile goes to 2 pairs at run time (ethtool -L, interface up; 5 is
# refused), receives that stream on its first two RXQs only, and goes back
# to 4, where ping still works.
set -uo pipefail
# shellcheck source=tests/guest/peer-lib.sh
source "$(dirname "$0")/peer-lib.sh"

NCPU=4
# Source ports of flows 0..3 to ports 5100..5103: Toeplitz (default key)
# of 10.0.0.1:sport -> 10.0.0.2:dport and of the reverse, mod 4, is i.
SPORTS="41009 41008 41000 41001"

read -r -d '' RSS_FUNCS <<EOF
NCPU=$NCPU
SPORTS="$SPORTS"
EOF
read -r -d '' RSS_FUNCS2 <<'EOF'
# stats KEY: ethtool -S of eth0 as KEY.name=value
stats() { ethtool -S eth0 | sed -n "s/^ *\([a-z0-9_]*\): \([0-9]*\)$/$1.\1=\2/p"; }
# irqs KEY: the adapter's completion-vector interrupts (rdma_offload-1..)
# per CPU as KEY.cpuN, summed over the vectors.
irqs() {
    awk -v k="$1" 'NR == 1 { n = NF }
        / rdma_offload-[1-9][0-9]*$/ { for (i = 2; i <= n + 1; i++) s[i - 2] += $i }
        END { for (i = 0; i < n; i++) printf "%s.cpu%d=%d\n", k, i, s[i] }' /proc/interrupts
}
# affinity: the CPUs each completion vector is served on.
affinity() {
    grep ' rdma_offload-[1-9][0-9]*$' /proc/interrupts | while read -r irq rest; do
        echo "aff.${rest##* }=$(cat /proc/irq/${irq%:}/effective_affinity_list)"
    done
}
channels() {
    echo "$1=$(ethtool -l eth0 | awk '/^Combined:/ { printf "%s%s", s, $2; s = " " }')"
}
EOF
FUNCS="$RSS_FUNCS"$'\n'"$RSS_FUNCS2"

read -r -d '' A_BODY <<'EOF'
peer get B.up > /dev/null
channels channels
affinity
i=0
for sp in $SPORTS; do
    head -c 1048576 /dev/urandom > /tmp/f$i
    echo "send$i.md5=$(md5sum < /tmp/f$i | cut -d' ' -f1)"
    i=$((i + 1))
done
stats tcp0; irqs tcp0
peer get B.listening > /dev/null
# busybox nc cannot bind a client's port: the ephemeral range is narrowed
# to the one port for each connect.
range=$(cat /proc/sys/net/ipv4/ip_local_port_range)
i=0; pids=""
for sp in $SPORTS; do
    echo "$sp $sp" > /proc/sys/net/ipv4/ip_local_port_range
    taskset -c $i nc 10.0.0.2 $((5100 + i)) < /tmp/f$i &
    pids="$pids $!"
    t=0
    while [ $t -lt 100 ] && ! netstat -tn | grep -q ":$sp "; do sleep 0.1; t=$((t + 1)); done
    i=$((i + 1))
done
echo "$range" > /proc/sys/net/ipv4/ip_local_port_range
echo "ports=$(netstat -tn | sed -n 's/.* 10\.0\.0\.1:\([0-9]*\) *10\.0\.0\.2:51.*/\1/p' | sort | tr '\n' ' ')"
rc=0; for p in $pids; do wait $p || rc=1; done; echo "send.rc=$rc"
peer put A.sent 1
peer get B.received > /dev/null
stats tcp1; irqs tcp1
for v in 0 1 2 3; do
    round r$v rdo0 client size=65536 vector=$v
    peer get B.r$v.done > /dev/null
done
stats rdma1; irqs rdma1
ko=/lib/modules/$(uname -r)/$(grep 'rdma_offload.ko$' /etc/rdo-modules)
rmmod rdma_offload && insmod "$ko" eth_queues=1 && sh /peer-net.sh > /dev/null
echo "reload.rc=$?"
channels one
irqs one0
head -c 262144 /dev/urandom > /tmp/g
echo "one.md5=$(md5sum < /tmp/g | cut -d' ' -f1)"
peer get B.one.listening > /dev/null
nc 10.0.0.2 5200 < /tmp/g; echo "one.rc=$?"
peer put A.one.sent 1
peer get B.one.received > /dev/null
stats one; irqs one1
peer put A.done 1
health
EOF

read -r -d '' B_BODY <<'EOF'
channels channels
affinity
stats tcp0; irqs tcp0
peer put B.up 1
# busybox nc quits when either input ends: keep its stdin open.
for i in 0 1 2 3; do sleep 600 | nc -l -p $((5100 + i)) > /tmp/r$i & done
sleep 600 | nc -l -p 5200 > /tmp/one &
sleep 1
peer put B.listening 1
peer get A.sent > /dev/null
t=0
while [ $t -lt 120 ]; do
    n=0
    for i in 0 1 2 3; do [ "$(wc -c < /tmp/r$i)" -ge 1048576 ] && n=$((n + 1)); done
    [ $n = 4 ] && break
    sleep 1; t=$((t + 1))
done
for i in 0 1 2 3; do echo "recv$i.md5=$(md5sum < /tmp/r$i | cut -d' ' -f1)"; done
stats tcp1; irqs tcp1
peer put B.received 1
for v in 0 1 2 3; do
    round r$v rdo0 server size=65536 vector=$v
    peer put B.r$v.done 1
done
stats rdma1; irqs rdma1
ethtool -L eth0 combined 2; echo "setl2.rc=$?"
ethtool -L eth0 combined 5 2> /dev/null; echo "setl5.rc=$?"
channels two
stats two0
peer put B.one.listening 1
peer get A.one.sent > /dev/null
t=0
while [ $t -lt 60 ] && [ "$(wc -c < /tmp/one)" -lt 262144 ]; do sleep 1; t=$((t + 1)); done
echo "one.md5=$(md5sum < /tmp/one | cut -d' ' -f1)"
stats two1
ethtool -L eth0 combined 4; echo "setl4.rc=$?"
channels four
ping -c 3 -W 5 10.0.0.1 > /dev/null; echo "four.ping=$?"
peer put B.one.received 1
peer get A.done > /dev/null
health
EOF

guest_run --peer adapter --smp $NCPU --timeout 420 \
    --cmd "$(peer_script A B "$FUNCS"$'\n'"$A_BODY")" \
    --peer-cmd "$(peer_script B A "$FUNCS"$'\n'"$B_BODY")"

# grew G FROM TO FMT N: G's FROM.KEY < TO.KEY for KEY = printf FMT i, i < N.
grew() {
    local i k b a bad=0
    for ((i = 0; i < $5; i++)); do
        # shellcheck disable=SC2059 # the format is the caller's
        k=$(printf "$4" "$i")
        b=$(f "$1.$2.$k") a=$(f "$1.$3.$k")
        if ! { [ -n "$b" ] && [ -n "$a" ] && [ "$a" -gt "$b" ]; }; then
            echo "#   $1 $k: $2 '$b', $3 '$a'"
            bad=1
        fi
    done
    return "$bad"
}
# per_cpu G FROM TO: the interrupts each CPU took in between, for people.
per_cpu() {
    local i s=""
    for ((i = 0; i < NCPU; i++)); do
        s+=" cpu$i=$(( ${F[$1.$3.cpu$i]:-0} - ${F[$1.$2.cpu$i]:-0} ))"
    done
    echo "#  $1 $2..$3:$s"
}
md5s_intact() {
    local i bad=0
    for i in 0 1 2 3; do
        { [ -n "$(f "A.send$i.md5")" ] && eq "$(f "B.recv$i.md5")" "$(f "A.send$i.md5")"; } ||
            bad=1
    done
    return "$bad"
}

check "both guests ran the test to the end (run-guest exit $run_rc)" both_ran
check "ethtool -l: 4 combined channels, 4 in use, on A and on B" \
    eq "$(f A.channels) / $(f B.channels)" "$NCPU $NCPU / $NCPU $NCPU"
check "four 1 MiB TCP streams A -> B arrive intact (md5)" md5s_intact
check "A's pinned senders exited cleanly" eq "$(f A.send.rc)" 0
check "the four flows used the chosen source ports" eq "$(f A.ports)" "41000 41001 41008 41009 "
check "A sent on every TX queue (XPS: CPU i -> pair i)" grew A tcp0 tcp1 tx%d_packets $NCPU
check "B received on every RX queue (RSS: hash mod 4)" grew B tcp0 tcp1 rx%d_packets $NCPU
check "A's ACKs came back on every RX queue" grew A tcp0 tcp1 rx%d_packets $NCPU
check "TCP: A's adapter interrupts grew on every CPU" grew A tcp0 tcp1 cpu%d $NCPU
check "TCP: B's adapter interrupts grew on every CPU" grew B tcp0 tcp1 cpu%d $NCPU
for v in 0 1 2 3; do
    check "RDMA on completion vector $v: A's operations pass" passed "A.r$v.run"
    check "RDMA on completion vector $v: B received everything intact" passed "B.r$v.run"
done
check "RDMA: A's adapter interrupts grew on every CPU" grew A tcp1 rdma1 cpu%d $NCPU
check "RDMA: B's adapter interrupts grew on every CPU" grew B tcp1 rdma1 cpu%d $NCPU
check "no receive errors or bad checksums on B" \
    eq "$(f B.rdma1.rx_errors) $(f B.rdma1.hw_rx_csum_bad)" "0 0"
check "A reloaded with eth_queues=1" eq "$(f A.reload.rc)" 0
check "eth_queues=1: ethtool -l shows 1 channel in use of 1" eq "$(f A.one)" "1 1"
check "eth_queues=1: 256 KiB over TCP A -> B intact" \
    eq "$(f B.one.md5):$(f A.one.rc)" "$(f A.one.md5):0"
check "ethtool -L combined 2 on B while up: 2 of 4 in use; 5 refused" \
    eq "$(f B.setl2.rc) $(f B.two)$([ "$(f B.setl5.rc)" = 0 ] && echo ' taken')" "0 4 2"
two_queues() {
    [ $(( $(f B.two1.rx0_packets) + $(f B.two1.rx1_packets) )) -gt \
      $(( $(f B.two0.rx0_packets) + $(f B.two0.rx1_packets) )) ] 2>/dev/null &&
        eq "$(f B.two0.rx2_packets) $(f B.two0.rx3_packets)" \
           "$(f B.two1.rx2_packets) $(f B.two1.rx3_packets)"
}
check "B with 2 pairs received the 256 KiB stream (intact, above) on RXQs 0-1 only" two_queues
check "ethtool -L combined 4 on B again: 4 in use, ping A" \
    eq "$(f B.setl4.rc) $(f B.four) $(f B.four.ping)" "0 4 4 0"
one_queue() { positive "$(f A.one.tx0_packets)" && eq "$(f A.one.tx1_packets)" ""; }
check "eth_queues=1: ethtool -S has queue 0 only, and it sent" one_queue
cpu0_only() {
    grew A one0 one1 cpu%d 1 &&
        eq "$(f A.one0.cpu1) $(f A.one0.cpu2) $(f A.one0.cpu3)" \
           "$(f A.one1.cpu1) $(f A.one1.cpu2) $(f A.one1.cpu3)"
}
check "eth_queues=1: A's interrupts on CPU 0 only (vector 1)" cpu0_only
check "guest A: no kernel warnings, driver errors or CQ errors" healthy A
check "guest B: no kernel warnings, driver errors or CQ errors" healthy B
echo "# completion-vector interrupts per CPU:"
for g in A B; do
    per_cpu $g tcp0 tcp1
    per_cpu $g tcp1 rdma1
done
per_cpu A one0 one1
# per_queue G FMT: G's per-queue packets over the TCP phase, for people.
per_queue() {
    local i k s=""
    for ((i = 0; i < NCPU; i++)); do
        # shellcheck disable=SC2059 # the format is the caller's
        k=$(printf "$2" "$i")
        s+=" $k=$(( ${F[$1.tcp1.$k]:-0} - ${F[$1.tcp0.$k]:-0} ))"
    done
    echo "#  $1:$s"
}
echo "# packets per queue over the TCP phase:"
per_queue A 'tx%d_packets'
per_queue B 'rx%d_packets'
echo "# vector affinity A: $(grep -o '^A: aff\.[^ ]*' <<<"$output" | sed 's/^A: aff\.//' | tr '\n' ' ')"

tap_end
