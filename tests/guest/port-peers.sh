#!/usr/bin/env bash
# shellcheck disable=SC2317 # check functions are called through check()
# Guest test: each of the adapter's two ports cabled to a different peer
# (run-guest --peer adapter --peer2 rxe): guest A's adapter has ports=2,
# guest B (the same adapter) is on port 1, guest C (virtio-net and Linux
# soft-RoCE) on port 2, each over its own wire. Steps:
#  - flow classes from the service level: RC pairs of A whose address
#    vectors carry SL 0, 3, 8 and 9 get flow classes 0, 3, 8 and 1 in the
#    device (rdma res show qp -dd), data intact (docs/guest-driver.md);
#  - ibv_rc_pingpong --chk on both ports at once, A the server of B on
#    port 1 and of C on port 2;
#  - port 1 carries ping-pong rounds with B back to back while port 2's
#    link goes down and up again (QMP set_link on A's netdev n1, asked for
#    by A through run-guest --link-control): every round passes, port 1
#    receives while port 2 is down, port 2 receives nothing then and its
#    ib port is DOWN (sysfs and ibv_devinfo) while port 1 stays ACTIVE;
#    user space (ibv_asyncwatch) sees IBV_EVENT_PORT_ERR and then
#    IBV_EVENT_PORT_ACTIVE for port 2 and no event for port 1;
#  - once port 2 is ACTIVE again, a new ping-pong with C on it passes;
#  - each port's own counters (ports/N/hw_counters) moved with its traffic.
set -uo pipefail
# shellcheck source=tests/guest/lib.sh
source "$(dirname "$0")/lib.sh"

# Guest side, all three guests (busybox sh).
read -r -d '' FUNCS <<'EOF'
I=/sys/class/infiniband
# gid_of DEV PORT HEX: the index of the port's GID that ends in HEX.
gid_of() {
    for f in $I/$1/ports/$2/gids/*; do
        grep -q "$3\$" "$f" 2>/dev/null && { echo "${f##*/}"; return; }
    done
}
# wait_for CONDITION: until the shell condition holds (at most 120 s).
wait_for() { i=0; while [ $i -lt 1200 ] && ! eval "$1"; do sleep 0.1; i=$((i + 1)); done; eval "$1"; }
# listening PORT: something listens on TCP port PORT.
listening() { awk -v p="$(printf ':%04X$' "$1")" '$2 ~ p && $4 == "0A" { f = 1 } END { exit !f }' /proc/net/tcp; }
# pp KEY ARGS...: ibv_rc_pingpong of 4 KiB messages, data checked (-c);
# KEY.rc, and KEY.ok (1: it printed its result); its output in /tmp/KEY.
pp() {
    pk=$1
    shift
    ibv_rc_pingpong -s 4096 -m 1024 -c "$@" > /tmp/$pk 2>&1
    echo "$pk.rc=$?"
    echo "$pk.ok=$(grep -c 'bytes in' /tmp/$pk)"
    grep -iE 'fail|error|invalid' /tmp/$pk | head -n 2 | sed "s/^/log: $pk: /"
}
EOF

read -r -d '' A_BODY <<'EOF'
g1=$(gid_of rdo0 1 0a00:0001)
g2=$(gid_of rdo0 2 0a00:0201)
echo "gids=$g1 $g2"
# The port 2 events reach user space: ibv_asyncwatch writes on the output
# terminal (a terminal, so line by line).
ibv_asyncwatch -d rdo0 > /dev/ttyS1 2>&1 & aw=$!
cnt() { cat $I/rdo0/ports/$1/hw_counters/$2; }
snap() { echo "cnt.$1=$(cnt 1 sent_pkts) $(cnt 1 rcvd_pkts) $(cnt 2 sent_pkts) $(cnt 2 rcvd_pkts)"; }
st() { cat $I/rdo0/ports/$1/state; }
# Requests to the relay one at a time: the loop below and this shell share
# its serial port, where an answer goes to whoever reads first.
plock() { until mkdir /tmp/peer.lock 2>/dev/null; do sleep 0.05; done; }
punlock() { rmdir /tmp/peer.lock; }
# Flow classes from service levels.
rdo-verbs-check sl rdo0 "$g1" 0 3 8 9 > /tmp/sl 2>&1 & slp=$!
wait_for 'grep -qs "^sl.ready=1" /tmp/sl || ! kill -0 $slp'
grep -v '^sl.ready' /tmp/sl
for s in 0 3 8 9; do
    c=
    for q in $(sed -n "s/^sl.$s.qpn=//p" /tmp/sl); do
        c="$c$(rdma -dd res show qp link rdo0/1 lqpn "$q" | sed -n 's/.*flow_class \([0-9]*\).*/\1/p') "
    done
    echo "sl.$s.classes=$c"
done
rdma -dd res show qp link rdo0/1 | grep -m 2 flow_class | sed 's/^/log: /'
kill $slp
# Both ports at once.
snap 0
pp p1.s -d rdo0 -i 1 -g "$g1" -n 200 -p 18515 & s1=$!
pp p2.s -d rdo0 -i 2 -g "$g2" -n 200 -p 18516 & s2=$!
wait_for 'listening 18515 && listening 18516'
peer put go1 1
wait $s1 $s2
snap 1
# Port 1: rounds with B back to back until port 2 has gone down and up.
: > /tmp/flapping
(k=1
 while [ -e /tmp/flapping ]; do
     pp l$k.s -d rdo0 -i 1 -g "$g1" -n 100 -p 18517 & sp=$!
     wait_for 'listening 18517'
     plock; peer put l$k go; punlock
     wait $sp
     k=$((k + 1))
 done
 peer put l$k stop
 echo "rounds=$((k - 1))") & loop=$!
wait_for 'grep -qs "remote address" /tmp/l1.s'
snap 2
plock
peer put link "1 n1 off"
echo "link.off=$(peer get linked.1)"
punlock
wait_for '[ "$(st 2)" = "1: DOWN" ]'
echo "down.state=$(st 1)|$(st 2)"
echo "down.devinfo=$(ibv_devinfo -d rdo0 -i 2 | sed -n 's/^[[:space:]]*state:[[:space:]]*//p')"
snap 3
# Port 1 keeps receiving while port 2 is down.
r=$(cnt 1 rcvd_pkts)
wait_for '[ "$(cnt 1 rcvd_pkts)" -gt $((r + 100)) ]'
echo "down.still=$(st 2)"
snap 4
plock
peer put link "2 n1 on"
echo "link.on=$(peer get linked.2)"
punlock
wait_for '[ "$(st 2)" = "4: ACTIVE" ]'
echo "up.state=$(st 1)|$(st 2)"
rm /tmp/flapping
wait $loop
# Port 2 again, a new transfer.
pp p3.s -d rdo0 -i 2 -g "$g2" -n 200 -p 18518 & s3=$!
wait_for 'listening 18518'
peer put go3 1
wait $s3
snap 5
sleep 0.5
kill $aw
peer put done 1
health
EOF

read -r -d '' B_BODY <<'EOF'
g=$(gid_of rdo0 1 0a00:0002)
peer get go1 > /dev/null
pp p1.c -d rdo0 -g "$g" -n 200 -p 18515 10.0.0.1
k=1
while [ "$(peer get l$k)" = go ]; do
    pp l$k.c -d rdo0 -g "$g" -n 100 -p 18517 10.0.0.1
    k=$((k + 1))
done
echo "rounds=$((k - 1))"
# The relay ends every wait once a guest has gone: end together.
peer get done > /dev/null
health
EOF

read -r -d '' C_BODY <<'EOF'
g=$(gid_of rxe0 1 0a00:0203)
echo "dev=$(ls $I | tr '\n' ' ')"
peer get go1 > /dev/null
pp p2.c -d rxe0 -g "$g" -n 200 -p 18516 10.0.2.1
peer get go3 > /dev/null
pp p3.c -d rxe0 -g "$g" -n 200 -p 18518 10.0.2.1
peer get done > /dev/null
health
EOF

guest_run --timeout 900 --peer adapter --peer2 rxe --link-control \
    --cmd "$HEALTH_FUNCS"$'\n'"$FUNCS"$'\n'"$A_BODY" \
    --peer-cmd "$HEALTH_FUNCS"$'\n'"$FUNCS"$'\n'"$B_BODY" \
    --peer2-cmd "$HEALTH_FUNCS"$'\n'"$FUNCS"$'\n'"$C_BODY"

pp_ok() { eq "$(f "$1.rc") $(f "$1.ok")" "0 1"; }
# cnt_delta FROM TO I: counter I (1 port 1 sent, 2 port 1 received, 3 and
# 4 port 2's) from snapshot FROM to TO.
cnt_delta() {
    local -a a b
    read -ra a <<<"$(f "A.cnt.$1")"
    read -ra b <<<"$(f "A.cnt.$2")"
    echo $((${b[$3 - 1]:-0} - ${a[$3 - 1]:-0}))
}
# events TYPE PORT: how many IBV_EVENT_TYPE for PORT ibv_asyncwatch saw.
events() { grep -c "^A: *event_type IBV_EVENT_$1 ([0-9]*), port $2" <<<"$output"; }
rounds_ok() {
    local k r
    r=$(f A.rounds)
    if ! positive "$r" || ! eq "$(f B.rounds)" "$r"; then return 1; fi
    for ((k = 1; k <= r; k++)); do
        if ! pp_ok "A.l$k.s" || ! pp_ok "B.l$k.c"; then
            echo "#   round $k"
            return 1
        fi
    done
}
all_ran() {
    eq "$run_rc" 0 && eq "$(f A.finished) $(f B.finished) $(f C.finished)" "1 1 1"
}

check "three guests ran to the end (run-guest exit $run_rc)" all_ran
check "C is a soft-RoCE guest" eq "$(f C.dev)" "rxe0 "
check "A has its IPv4 GIDs on both ports" matches "$(f A.gids)" '^[0-9]+ [0-9]+$'
for s in 0 3 8 9; do
    check "SL $s: the WRITE completes, data intact, ibv_query_qp gives SL $s" \
        eq "$(f "A.sl.$s.write") $(f "A.sl.$s.first_bad") $(f "A.sl.$s.query")" "success -1 $s"
done
check "SL 0: both QPs stay flows of their own (class 0)" eq "$(f A.sl.0.classes)" "0 0 "
check "SL 3: flow class 3" eq "$(f A.sl.3.classes)" "3 3 "
check "SL 8: flow class 8" eq "$(f A.sl.8.classes)" "8 8 "
check "SL 9 wraps onto flow class 1" eq "$(f A.sl.9.classes)" "1 1 "
check "port 1: B's client, data checked" pp_ok B.p1.c
check "port 1: A's server, data checked" pp_ok A.p1.s
check "port 2: C's (rxe) client, data checked" pp_ok C.p2.c
check "port 2: A's server, data checked" pp_ok A.p2.s
check "both at once: port 1 sent and received" \
    eq "$(positive "$(cnt_delta 0 1 1)" && positive "$(cnt_delta 0 1 2)" && echo y)" y
check "both at once: port 2 sent and received" \
    eq "$(positive "$(cnt_delta 0 1 3)" && positive "$(cnt_delta 0 1 4)" && echo y)" y
check "set_link n1 off answered" eq "$(f A.link.off)" ok
check "port 2 DOWN, port 1 still ACTIVE (sysfs)" eq "$(f A.down.state)" "4: ACTIVE|1: DOWN"
check "ibv_devinfo: port 2 PORT_DOWN" matches "$(f A.down.devinfo)" '^PORT_DOWN'
check "port 1 received while port 2 was down" positive "$(cnt_delta 3 4 2)"
check "port 2 received nothing while down" eq "$(cnt_delta 3 4 4)" 0
check "port 2 stayed DOWN meanwhile" eq "$(f A.down.still)" "1: DOWN"
check "set_link n1 on answered" eq "$(f A.link.on)" ok
check "port 2 ACTIVE again, port 1 too" eq "$(f A.up.state)" "4: ACTIVE|4: ACTIVE"
check "port 1's rounds across the flap all passed, both sides (data checked)" rounds_ok
check "user space saw one PORT_ERR, for port 2" eq "$(events PORT_ERR 2) $(events PORT_ERR 1)" "1 0"
check "user space saw one PORT_ACTIVE, for port 2" eq "$(events PORT_ACTIVE 2) $(events PORT_ACTIVE 1)" "1 0"
check "port 2 after the flap: C's client, data checked" pp_ok C.p3.c
check "port 2 after the flap: A's server, data checked" pp_ok A.p3.s
check "port 2 after the flap: sent and received" \
    eq "$(positive "$(cnt_delta 4 5 3)" && positive "$(cnt_delta 4 5 4)" && echo y)" y
check "no kernel warnings (A, B, C)" eq "$(f A.dmesg_bad) $(f B.dmesg_bad) $(f C.dmesg_bad)" "0 0 0"
check "no driver errors (A, B)" eq "$(f A.driver_errs) $(f B.driver_errs)" "0 0"
echo "# port 1 rounds across port 2's flap: $(f A.rounds); packets port 1 received" \
    "while port 2 was down: $(cnt_delta 3 4 2)"
tap_end
