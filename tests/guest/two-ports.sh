#!/usr/bin/env bash
# shellcheck disable=SC2317 # check functions are called through check()
# Guest test: the second physical port (ports=2). One guest, its adapter's
# two ports cabled to each other through a QEMU hub (the cheapest honest
# topology: one boot; the ports meet only through the wire). The driver
# reports one ib_device with two ports, a net_device per port with the
# port's MAC, each port's GID table from its own netdev's addresses, and
# port counters of their own. Traffic on both ports at once, data checked
# (ibv_rc_pingpong --chk): a client on port 1 to a server on port 2 and a
# client on port 2 to a server on port 1, over the wire (the internal
# loopback counts nothing). Each port's net_device has its own Ethernet
# queue pairs, one per vCPU (ethtool -l), within its half of the device's
# queues; then port 2's net_device moves to a network namespace of its
# own (so the kernel cannot deliver locally) and 512 KiB go over TCP from
# it to port 1's, through the wire, md5-checked, sent on port 2's pairs;
# again after an injected fatal error (recovery re-creates both ports'
# pairs).
# A peer guest per port and a link taken down with set_link: port-peers.sh.
set -uo pipefail
# shellcheck source=tests/guest/lib.sh
source "$(dirname "$0")/lib.sh"
MAC2=52:54:00:00:02:02

read -r -d '' GUEST_BODY <<'EOF'
I=/sys/class/infiniband/rdo0
echo "phys_ports=$(ibv_devinfo -d rdo0 | sed -n 's/.*phys_port_cnt:[[:space:]]*//p')"
echo "netdevs=$(ls /sys/class/net | grep -v lo | tr '\n' ' ')"
echo "mac1=$(cat /sys/class/net/eth0/address)"
echo "mac2=$(cat /sys/class/net/eth1/address)"
echo "ndev1=$(cat $I/ports/1/gid_attrs/ndevs/0 2>/dev/null)"
echo "ndev2=$(cat $I/ports/2/gid_attrs/ndevs/0 2>/dev/null)"
ip link set eth0 up; ip addr add 10.0.1.1/24 dev eth0
ip link set eth1 up; ip addr add 10.0.2.1/24 dev eth1
# Each port's QPs resolve the other port's MAC by ARP out of their own
# port (ib_core binds the lookup to the GID's net_device). The request
# carries a source address of this same host, which Linux drops as a
# martian unless accept_local is on; without it the resolution only
# worked when both ports happened to ask each other at once.
sysctl -qw net.ipv4.conf.eth0.accept_local=1 net.ipv4.conf.eth1.accept_local=1
# gid_index PORT HEX: the index of the port's GID ending in HEX.
gid_index() {
    i=0
    while [ $i -lt 50 ]; do
        g=$(grep -l "$2\$" $I/ports/$1/gids/* 2>/dev/null | head -n 1)
        [ -n "$g" ] && { echo "${g##*/}"; return; }
        sleep 0.1; i=$((i + 1))
    done
}
g1=$(gid_index 1 0a00:0101)
g2=$(gid_index 2 0a00:0201)
echo "gid1=$g1"
echo "gid2=$g2"
echo "state1=$(cat $I/ports/1/state)"
echo "state2=$(cat $I/ports/2/state)"
sent2_0=$(cat $I/ports/2/hw_counters/sent_pkts)
pp() { ibv_rc_pingpong -d rdo0 -s 4096 -m 1024 -n 200 -c "$@" 2>&1; }
pp -i 2 -g "$g2" -p 18515 > /tmp/s2 & s2=$!
pp -i 1 -g "$g1" -p 18516 > /tmp/s1 & s1=$!
sleep 1
pp -i 1 -g "$g1" -p 18515 127.0.0.1 > /tmp/c1 & c1=$!
pp -i 2 -g "$g2" -p 18516 127.0.0.1 > /tmp/c2 & c2=$!
for p in s2 s1 c1 c2; do
    eval "wait \$$p"; echo "rc.$p=$?"
    echo "out.$p=$(grep -c 'bytes in' /tmp/$p)"
done
echo "sent2=$(( $(cat $I/ports/2/hw_counters/sent_pkts) - sent2_0 ))"
echo "rcvd2=$(cat $I/ports/2/hw_counters/rcvd_pkts)"
echo "rcvd1=$(cat $I/ports/1/hw_counters/rcvd_pkts)"
chan() { ethtool -l "$1" | awk '/^Combined:/ { printf "%s%s", s, $2; s = " " }'; }
echo "chan1=$(chan eth0)"
echo "chan2=$(chan eth1)"
unshare -n sleep 600 & ns=$!
sleep 0.5
N="nsenter -t $ns -n"
ip link set dev eth1 netns $ns && $N ip link set eth1 up &&
    $N ip addr add 10.0.3.2/24 dev eth1 && ip addr add 10.0.3.1/24 dev eth0
echo "netns.rc=$?"
# txsum: the packets port 2's net_device sent, over its pairs.
txsum() { $N ethtool -S eth1 | awk '/ tx[0-9]+_packets:/ { s += $2 } END { print s + 0 }'; }
# tcp2 KEY BYTES TCPPORT: BYTES over TCP, port 2's net_device -> port 1's.
tcp2() {
    tx0=$(txsum)
    head -c "$2" /dev/urandom > /tmp/$1.in
    echo "$1.sent=$(md5sum < /tmp/$1.in | cut -d' ' -f1)"
    # busybox nc quits when either input ends: keep the server's stdin open.
    sleep 600 | nc -l -p "$3" > /tmp/$1.out &
    sleep 1
    $N nc 10.0.3.1 "$3" < /tmp/$1.in; echo "$1.rc=$?"
    t=0
    while [ $t -lt 60 ] && [ "$(wc -c < /tmp/$1.out)" -lt "$2" ]; do sleep 1; t=$((t + 1)); done
    echo "$1.recv=$(md5sum < /tmp/$1.out | cut -d' ' -f1)"
    echo "$1.tx=$(( $(txsum) - tx0 ))"
}
tcp2 tcp2 524288 5300
# A fatal error: recovery re-creates both ports' queue pairs.
for d in /sys/bus/pci/devices/*; do
    [ "$(cat $d/vendor):$(cat $d/device)" = 0x1af4:0x10f0 ] && bdf=${d##*/}
done
D=/sys/kernel/debug/rdma_offload/$bdf
echo fatal > $D/inject
i=0
while [ $i -lt 100 ]; do
    grep -q '^recoveries=1' $D/state && grep -q '^ctrl_up=1' $D/state && break
    sleep 0.1; i=$((i + 1))
done
grep -E '^(recoveries|ctrl_up)=' $D/state | sed 's/^/rec./'
restarts() { awk '/ queue_restarts:/ { print $2 }'; }
echo "rec.restarts=$(ethtool -S eth0 | restarts) $($N ethtool -S eth1 | restarts)"
tcp2 rec 262144 5301
health
EOF

guest_run --timeout 300 --netdev hubport,hubid=0 \
    --device-args ",ports=2,netdev2=n1,mac2=$MAC2" \
    --qemu-args "-netdev hubport,id=n1,hubid=0" \
    --cmd "$HEALTH_FUNCS"$'\n'"$GUEST_BODY"

pp_ok() { eq "$(f "rc.$1")" 0 && eq "$(f "out.$1")" 1; }
check "the guest ran to the end (run-guest exit $run_rc)" ran_to_end
check "one ib_device with two ports" eq "$(f phys_ports)" 2
check "a net_device per port" eq "$(f netdevs)" "eth0 eth1 "
check "port 2's netdev has mac2" eq "$(f mac2)" "$MAC2"
check "each port's GIDs from its own netdev" eq "$(f ndev1) $(f ndev2)" "eth0 eth1"
check "port 2's IPv4 GID in its table" matches "$(f gid2)" '^[0-9]+$'
check "port 1's IPv4 GID in its table" matches "$(f gid1)" '^[0-9]+$'
check "both ports active" eq "$(f state1) $(f state2)" "4: ACTIVE 4: ACTIVE"
check "port 1 -> port 2 server, data checked" pp_ok s2
check "port 1 -> port 2 client" pp_ok c1
check "port 2 -> port 1 server, data checked" pp_ok s1
check "port 2 -> port 1 client" pp_ok c2
check "port 2 counts its own packets" positive "$(f sent2)"
check "port 2 received over the wire" positive "$(f rcvd2)"
check "ethtool -l: port 1's net_device has a pair per vCPU (2 of 2)" eq "$(f chan1)" "2 2"
check "ethtool -l: port 2's net_device has a pair per vCPU (2 of 2)" eq "$(f chan2)" "2 2"
check "port 2's net_device in a namespace of its own" eq "$(f netns.rc)" 0
# tcp2_ok KEY: the transfer's bytes arrived (md5) and its client ended well.
tcp2_ok() {
    matches "$(f "$1.sent")" '^[0-9a-f]{32}$' &&
        eq "$(f "$1.recv"):$(f "$1.rc")" "$(f "$1.sent"):0"
}
check "512 KiB over TCP, port 2's net_device -> port 1's, intact (md5)" tcp2_ok tcp2
check "port 2's net_device sent them on its own queue pairs" positive "$(f tcp2.tx)"
check "injected fatal error: recovered once, control path up" \
    eq "$(f rec.recoveries) $(f rec.ctrl_up)" "1 1"
check "both ports' queue pairs re-created by the recovery (queue_restarts)" \
    eq "$(f rec.restarts)" "1 1"
check "after recovery: 256 KiB over TCP, port 2 -> port 1, intact (md5)" tcp2_ok rec
check "after recovery: sent on port 2's queue pairs" positive "$(f rec.tx)"
check "no kernel warnings" eq "$(f dmesg_bad)" 0
check "no driver errors but the injected one" eq "$(f driver_errs)" 0
check "the injected error was logged" positive "$(f injected_errs)"
tap_end
