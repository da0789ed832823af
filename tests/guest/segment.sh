#!/usr/bin/env bash
# shellcheck disable=SC2317 # check functions are called through check()
# Guest test: many guests on one Ethernet segment (run-guest --segment).
# RDO_SEGMENT_GUESTS guests (default 4: A, B, C with the adapter, the last
# one, D, with virtio-net and Linux soft-RoCE) are plugged into one VDE
# switch (vde_switch). Every ordered pair (X, Y) runs one round of the
# kernel-verbs test (tests/guest/peer-test) over RC, X the client: SEND,
# RDMA WRITE and WRITE_WITH_IMM, RDMA READ back checked byte by byte,
# atomics, a WRITE and a READ through Y's fast-registered MR of scattered
# pages, a UD datagram; Y checks what arrived and answers with its verdict.
# The pairs run in a round-robin schedule, disjoint pairs at the same time,
# so the switch carries several conversations at once. Asserts: every
# check of every round on both sides, each side's neighbour resolved to the
# other's MAC, path MTU 1024 (the switch carries standard frames only), no
# ICRC or transmit errors on the adapters, no retries exhausted on rxe, no
# kernel warnings, driver or CQ errors anywhere, and the switch learnt every
# guest's MAC and took frames in on every port.
#
# Four TCG guests (one vCPU, 256 MiB each) took 44 to 78 s of run-guest on
# the 2-core development machine. RDO_SEGMENT_GUESTS=2..8 and RDO_SEGMENT_RXE=0
# (all adapters) vary it.
set -uo pipefail
# shellcheck source=tests/guest/peer-lib.sh
source "$(dirname "$0")/peer-lib.sh"

N=${RDO_SEGMENT_GUESTS:-4}
RXE=${RDO_SEGMENT_RXE:-1}
SIZE=262144
LETTERS=(A B C D E F G H)
G=("${LETTERS[@]:0:N}")

# schedule: the ordered pairs in rounds where each guest meets one other
# (the circle method; with an odd count a "-" sits out), as the guests read
# it: rounds separated by spaces, a round's pairs by commas.
schedule() {
    local -a p=("${G[@]}")
    local m r i out='' slot a b
    [ $((N % 2)) = 0 ] || p+=(-)
    m=${#p[@]}
    for ((r = 0; r < m - 1; r++)); do
        slot=''
        for ((i = 0; i < m / 2; i++)); do
            a=${p[i]} b=${p[m - 1 - i]}
            slot+="${slot:+,}$a$b"
        done
        out+="${out:+ }$slot"
        # Keep the first in place, turn the others one step.
        p=("${p[0]}" "${p[m - 1]}" "${p[@]:1:m - 2}")
    done
    echo "$out"
}
SCHED=$(schedule)

# Guest side: each pair XY of each slot meets twice, X the client of round
# rXY first, then Y the client of rYX.
read -r -d '' BODY <<'EOF'
dev=rdo0
[ -e /sys/class/infiniband/rxe0 ] && dev=rxe0
echo "dev=$dev"
for slot in $SCHED; do
    for p in $(echo "$slot" | tr , ' '); do
        x=${p%?} y=${p#?}
        [ "$x" != - ] && [ "$y" != - ] || continue
        case $ME in
        "$x") OTHER=$y
              round r$x$y $dev client size=$size
              round r$y$x $dev server size=$size ;;
        "$y") OTHER=$x
              round r$x$y $dev server size=$size
              round r$y$x $dev client size=$size ;;
        esac
    done
done
counters end
if [ $dev = rxe0 ]; then
    for c in /sys/class/infiniband/rxe0/ports/1/hw_counters/*; do
        echo "rxe.${c##*/}=$(cat $c)"
    done
fi
# The relay ends every wait once a guest has gone: end together.
peer put end.$ME 1
for g in $GUESTS; do peer get end.$g > /dev/null; done
health
EOF

args=(--segment "$N" --mem 256 --smp 1 --timeout 900)
[ "$RXE" = 1 ] && args+=(--segment-rxe)
start=$SECONDS
guest_run "${args[@]}" \
    --cmd "$PEER_FUNCS"$'\n'"size=$SIZE SCHED=\"$SCHED\""$'\n'"$BODY"
wall=$((SECONDS - start))

mac_of() { printf '52:54:00:0a:00:%02x' "$(($1 + 1))"; }
is_rxe() { [ "$RXE" = 1 ] && [ "$1" = $((N - 1)) ]; }
all_ran() {
    local g
    eq "$run_rc" 0 || return 1
    for g in "${G[@]}"; do eq "$(f "$g.finished")" 1 || return 1; done
}
devices() {
    local i want='' got=''
    for ((i = 0; i < N; i++)); do
        if is_rxe "$i"; then want+="rxe0 "; else want+="rdo0 "; fi
        got+="$(f "${G[i]}.dev") "
    done
    eq "$got" "$want"
}
# round_ok X Y I J: round rXY (X the client, guest numbers I and J) passed
# every command on both sides, each side's neighbour is the other's MAC, the
# path MTU is 1024 and the server's verdict reached the client.
round_ok() {
    local r=r$1$2 k
    for k in setup connect run; do
        passed "$1.$r.$k" || { echo "#   $1: $r.$k"; return 1; }
        passed "$2.$r.$k" || { echo "#   $2: $r.$k"; return 1; }
    done
    eq "$(f "$1.$r.connect.dmac") $(f "$2.$r.connect.dmac")" "$(mac_of "$4") $(mac_of "$3")" &&
        eq "$(f "$1.$r.connect.path_mtu") $(f "$2.$r.connect.path_mtu")" "1024 1024" &&
        eq "$(f "$1.$r.run.peer_verdict")" 15
}
switch_macs() {
    local i want=''
    for ((i = 0; i < N; i++)); do want+="${want:+ }$(mac_of "$i")"; done
    eq "$(f switch.macs)" "$want"
}
switch_ports() {
    local p
    eq "$(f switch.ports)" "$N" || return 1
    # shellcheck disable=SC2046 # one count a port
    set -- $(f switch.in_pkts)
    eq "$#" "$N" || return 1
    for p in "$@"; do positive "$p" || return 1; done
}
adapter_clean() { eq "$(f "$1.end.cnt.rx_icrc_errors") $(f "$1.end.cnt.tx_errors")" "0 0"; }
rxe_clean() {
    local c
    for c in retry_exceeded_err retry_rnr_exceeded_err send_err; do
        eq "$(f "$1.rxe.$c")" 0 || { echo "#   rxe counter $c"; return 1; }
    done
}

check "$N guests ran to the end (run-guest exit $run_rc)" all_ran
check "devices: the adapter$([ "$RXE" = 1 ] && echo ", soft-RoCE on the last guest")" devices
for ((i = 0; i < N; i++)); do
    for ((j = 0; j < N; j++)); do
        [ "$i" != "$j" ] || continue
        x=${G[i]} y=${G[j]}
        check "$x -> $y: SEND, WRITE, READ back, atomics, FRWR, UD; every check on both sides" \
            round_ok "$x" "$y" "$i" "$j"
    done
done
check "the switch learnt every guest's MAC" switch_macs
check "the switch took frames in on every guest's port" switch_ports
for ((i = 0; i < N; i++)); do
    g=${G[i]}
    if is_rxe "$i"; then
        check "$g (rxe): no retries exhausted, no send errors" rxe_clean "$g"
    else
        check "$g: no ICRC errors received, no transmit errors" adapter_clean "$g"
        check "$g: packets received" positive "$(f "$g.end.cnt.rx_packets")"
    fi
    check "$g: no kernel warnings, driver errors or CQ errors" healthy "$g"
done
echo "# $N guests, schedule $SCHED, $SIZE bytes a transfer: run-guest took ${wall}s;" \
    "switch frames in per port: $(f switch.in_pkts)"
for ((i = 0; i < N; i++)); do
    g=${G[i]}
    is_rxe "$i" || echo "# $g: $(f "$g.end.cnt.tx_packets") packets sent," \
        "$(f "$g.end.cnt.retransmits") retransmits ($(f "$g.end.cnt.timeouts") timeouts," \
        "$(f "$g.end.cnt.naks_received") NAKs received), $(f "$g.end.cnt.rx_drops") frames dropped," \
        "$(f "$g.end.cnt.dup_requests") duplicate requests"
done
tap_end
