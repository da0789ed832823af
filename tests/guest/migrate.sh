#!/usr/bin/env bash
# shellcheck disable=SC2317 # check functions are called through check()
# Guest test: live migration of the adapter under traffic. Guest A (the
# adapter) connects an RC QP to guest B (tests/guest/peer-test), asks for a
# migration (run-guest --migrate: a second QEMU on this host, -incoming
# defer, QMP migrate over a Unix socket; the old QEMU quits) and at once
# streams for STREAM_MS: 4 MiB RDMA WRITEs of a new pattern each time with
# an RDMA READ of it back behind each, every byte checked, so that the
# migration catches both in flight. Then, on the migrated device, the
# full round (SEND, WRITE, WRITE_WITH_IMM, READ of 4 MiB, atomics, FRWR
# WRITE and READ, a UD SEND, every byte checked on both sides). Six
# migrations (three there and back) in one run, once against B with the
# adapter and once against B with soft-RoCE (rxe). Asserted: every
# migration completes, the stream and the round pass their data checks
# with no error completion, the RC QPs are in RTS after each round on both
# sides, both kernels stay healthy. Then stock perftest across a
# migration: ib_write_bw and ib_read_bw (64 KiB, PERF_S seconds) between A
# and B, their QP numbers traded over the control network (--ctl-net, a
# virtio-net whose stream netdev reconnects to the new QEMU), A migrated
# while the tool's QP is in RTS and its traffic flows; asserted: both sides
# exit 0 with a bandwidth figure and no error line, and the QPs are still in
# RTS on A (RTR on B: perftest's bw server stays there) after the
# migration. Reported: downtime, total time, the
# stream's volume, retransmissions, perftest's bandwidth.
#   RDO_MIGRATE_ROUNDS (default 6): kernel-verbs migrations in each run
#   RDO_MIGRATE_PERF (default "ib_write_bw ib_read_bw"): perftest tools,
#   each run across one more migration
set -uo pipefail
# shellcheck source=tests/guest/peer-lib.sh
source "$(dirname "$0")/peer-lib.sh"
SIZE=4194304
STREAM_MS=3000
ROUNDS=${RDO_MIGRATE_ROUNDS:-6}
MEM=256
PERF_TOOLS=${RDO_MIGRATE_PERF-ib_write_bw ib_read_bw}
PERF_S=12

# Guest A: /bin/peer again, asking once more when no answer comes: an
# answer the relay sent to the QEMU that A just left is lost with it.
read -r -d '' A_PEER <<'EOF'
peer() {
    op=$1 key=$2
    shift 2
    stty -F /dev/ttyS2 raw -echo 2>/dev/null || return 1
    exec 3<>/dev/ttyS2
    while read -t 0.2 -r _ _ <&3; do :; done
    tries=0
    while [ $tries -lt 300 ]; do
        if [ "$op" = put ]; then printf 'put %s %s\n' "$key" "$*" >&3
        else printf 'get %s\n' "$key" >&3; fi
        if read -t 2 -r r v <&3; then
            if [ "$op" = put ] && [ "$r" = ok ]; then exec 3<&-; return 0; fi
            if [ "$op" = get ] && [ "$r" = val ]; then exec 3<&-; echo "$v"; return 0; fi
            [ "$r" = gone ] && break
        fi
        tries=$((tries + 1))
    done
    exec 3<&-
    return 1
}
# rts KEY: how many RC QPs are in RTS, and how many are not.
rts() {
    rdma res show qp > /tmp/qp
    echo "$1.rts=$(grep -c 'type RC state RTS' /tmp/qp)"
    echo "$1.not_rts=$(grep 'type RC' /tmp/qp | grep -vc 'state RTS')"
}
EOF

# Both guests, for perftest: perf_states KEY TOOL: the states of TOOL's RC
# QPs; perf_end KEY RC: the tool's exit status,
# bandwidth (MB/s average) and error lines.
read -r -d '' PERF_FUNCS <<'EOF'
. /usr/share/rdma-offload/verbs-pair.sh
perf_states() {
    echo "$1.states=$(rdma res show qp | grep "type RC .*comm $2" | sed 's/.* state \([A-Z]*\).*/\1/' | tr '\n' ' ')"
}
perf_end() {
    echo "$1.rc=$2"
    echo "$1.bw=$(awk '$1 == 65536 && $2 ~ /^[0-9]+$/ { v = $4 } END { print v }' /tmp/pair.out)"
    echo "$1.errors=$(grep -ciE 'error|fail|couldn' /tmp/pair.out)"
    grep -iE 'error|fail|couldn' /tmp/pair.out | head -3 | sed "s/^/# $1: /"
}
# -u 17: a 0.5 s ACK timeout, as the kernel module's stream uses. perftest's
# own 67 ms (-u 14) times 7 retries is shorter than a TCG migration's
# switch-over can be: once against soft-RoCE A's QP gave up (retry
# exceeded) right after a migration that completed. -D last: the caller
# puts the seconds after it.
PERF_ARGS="-d {DEV} -x {GID} -s 65536 -F -u 17 -D"
EOF

# A: each round connected, then the migration asked for and the stream
# started at once; it lasts beyond the migration, which the round then
# waits for before its full run.
read -r -d '' A_BODY <<'EOF'
i=1
while [ $i -le $rounds ]; do
    n=m$i
    pt $n.setup setup rdo0 size=$size
    peer put $n.A "$(cat $T/info)"
    pt $n.connect connect $(peer get $n.B)
    peer put $n.A.ready 1
    peer get $n.B.ready > /dev/null
    peer put migrate $i
    pt $n.stream stream $stream_ms
    echo "$n.migrated=$(peer get migrated.$i)"
    pt $n.run run client
    round_done $n
    rts $n
    counters $n
    peer put $n.A.done 1
    i=$((i + 1))
done
# Stock perftest: migrate once the tool's QP is in RTS, look at the QPs
# again once the migration is over (the tool still runs: PERF_S is well
# beyond a migration's few seconds), then let the tool end. (PAIR_WATCH=0:
# this shell asks `peer` meanwhile, and a guest's peer port takes one
# request at a time.)
for tool in $perf_tools; do
    n=pf$i
    PAIR_WATCH=0 pair client $n $tool $PERF_ARGS $perf_s > /dev/null &
    p=$!
    k=0
    until rdma res show qp | grep -q "state RTS.*comm $tool"; do
        kill -0 $p 2>/dev/null && [ $k -lt 300 ] || break
        sleep 0.2
        k=$((k + 1))
    done
    sleep 1
    peer put migrate $i
    echo "$n.migrated=$(peer get migrated.$i)"
    perf_states $n $tool
    peer put $n.migrated_seen 1
    wait $p
    perf_end $n $?
    peer put $n.A.done 1
    i=$((i + 1))
done
health
EOF

read -r -d '' B_BODY <<'EOF'
i=1
while [ $i -le $rounds ]; do
    round m$i $dev server size=$size
    peer get m$i.A.done > /dev/null
    rts m$i
    i=$((i + 1))
done
for tool in $perf_tools; do
    n=pf$i
    PAIR_WATCH=0 pair server $n $tool $PERF_ARGS $perf_s > /dev/null &
    p=$!
    peer get $n.migrated_seen > /dev/null
    perf_states $n $tool
    wait $p
    perf_end $n $?
    peer get $n.A.done > /dev/null
    i=$((i + 1))
done
[ $dev = rxe0 ] && for c in /sys/class/infiniband/rxe0/ports/1/hw_counters/*; do
    echo "rxe.${c##*/}=$(cat $c)"
done
counters end
health
EOF

# run PEER DEV: one run with B of that kind, its checks.
run() {
    local peer=$1 dev=$2 i
    F=()
    local vars="size=$SIZE rounds=$ROUNDS perf_tools='$PERF_TOOLS' perf_s=$PERF_S"
    guest_run --peer "$peer" --migrate --ctl-net --mem "$MEM" --timeout 800 \
        --cmd "$(peer_script A B "$vars stream_ms=$STREAM_MS"$'\n'"$A_PEER"$'\n'"$PERF_FUNCS"$'\n'"$A_BODY")" \
        --peer-cmd "$(peer_script B A "$vars dev=$dev"$'\n'"$A_PEER"$'\n'"$PERF_FUNCS"$'\n'"$B_BODY")"
    check "$peer: both guests ran to the end (run-guest exit $run_rc)" both_ran
    for i in $(seq "$ROUNDS"); do
        check "$peer: migration $i completed" \
            eq "$(f "A.mig.$i.status") $(f "A.m$i.migrated")" "completed completed"
        check "$peer: stream $i across the migration: every WRITE and READ completes, data checked, QP in RTS" \
            passed "A.m$i.stream"
        check "$peer: round $i after the migration: A's transfers complete, data checked" \
            passed "A.m$i.run"
        check "$peer: round $i: B received everything intact, its checks pass" passed "B.m$i.run"
        check "$peer: round $i: the RC QPs are in RTS on both sides afterwards" \
            eq "$(f "A.m$i.rts") $(f "A.m$i.not_rts") $(f "B.m$i.rts") $(f "B.m$i.not_rts")" \
            "1 0 1 0"
    done
    i=$ROUNDS
    for tool in $PERF_TOOLS; do
        i=$((i + 1))
        check "$peer: $tool across migration $i: the migration completed" \
            eq "$(f "A.mig.$i.status") $(f "A.pf$i.migrated")" "completed completed"
        check "$peer: $tool across migration $i: both sides exit 0 with a bandwidth and no error line" \
            eq "$(f "A.pf$i.rc") $(f "B.pf$i.rc") $(f "A.pf$i.errors") $(f "B.pf$i.errors")" "0 0 0 0"
        check "$peer: $tool across migration $i: bandwidth reported" positive "$(f "A.pf$i.bw" | tr -d .)"
        # A bw test's server never moves its QP beyond RTR (perftest).
        check "$peer: $tool across migration $i: afterwards its QP is still in RTS on A, in RTR on B" \
            eq "$(f "A.pf$i.states")/$(f "B.pf$i.states")" "RTS /RTR "
        echo "# $peer: $tool across migration $i: downtime $(f "A.mig.$i.downtime_ms") ms," \
            "total $(f "A.mig.$i.total_ms") ms; A $(f "A.pf$i.bw") MB/s, B $(f "B.pf$i.bw") MB/s"
    done
    check "$peer: guest A: no kernel warnings, driver errors or CQ errors" healthy A
    check "$peer: guest B: no kernel warnings, driver errors or CQ errors" healthy B
    for i in $(seq "$ROUNDS"); do
        echo "# $peer: migration $i: downtime $(f "A.mig.$i.downtime_ms") ms," \
            "total $(f "A.mig.$i.total_ms") ms, $(f "A.mig.$i.ram_kib") KiB RAM;" \
            "stream: $(f "A.m$i.stream.stream.mib") MiB in $(f "A.m$i.stream.stream.iters") WRITE+READ pairs," \
            "$(f "A.m$i.stream.stream.us") us; A's counters after it: $(f "A.m$i.cnt.tx_packets")" \
            "packets sent, $(f "A.m$i.cnt.retransmits") retransmits, $(f "A.m$i.cnt.timeouts") timeouts"
    done
}

run adapter rdo0
failed_adapter=$failed
run rxe rxe0
echo "# failures: $failed_adapter with the adapter peer, $((failed - failed_adapter)) with rxe"

tap_end
