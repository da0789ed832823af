#!/usr/bin/env bash
# Guest test: the RDMA connection manager over the adapter's GSI (QP 1).
# ib_core's MAD layer runs QP 1 on rdo0; stock perftest connects through
# librdmacm (ib_send_bw -R: CM REQ/REP/RTU as MADs on QP 1, then RC SENDs)
# between two adapter guests, and between the adapter and Linux soft-RoCE
# (the CM MADs of both stacks must agree on the wire).
set -uo pipefail
# shellcheck source=tests/guest/lib.sh
source "$(dirname "$0")/lib.sh"

# One side of ib_send_bw -R; prints bw=<MB/s average> and iters=<count>.
# verbs-pair.sh's `pair` runs it: with -R its server is ready once its
# rdma_cm ID listens, and only then does the client connect (a REQ that
# arrives before the listen is rejected, REJ with an invalid service ID,
# and ib_send_bw does not retry); it also runs the pair again when either
# side's perftest could not calibrate its clock (the other side's perftest,
# which would wait for it for ever, is stopped first), and once when the
# client's second connection came before the server's second listen (see
# docs/guest-driver.md). The server runs with -F: when its perftest cannot
# calibrate the clock (a busy host) it still ends its run and prints its
# iterations, with 0.00 as its figure, instead of failing after the data
# moved; the client's figure is the one checked, and its own clock
# complaint still runs the pair again.
perf() {   # device client|server
    local clock_ok=
    [ "$2" = server ] && clock_ok=" -F"
    cat <<EOF
. /usr/share/rdma-offload/verbs-pair.sh
modprobe rdma_ucm || echo modprobe=failed
rdma res show qp link $1/1 | grep -q 'lqpn 1 type GSI state RTS' && echo gsi=rts
PAIR_TIMEOUT=120
pair $2 cm ib_send_bw -R -d $1 -n 200 -s 4096$clock_ok; echo perf_rc=\$?
[ $2 = server ] && echo listening=\$PAIR_READY
awk '\$1 == 4096 { print "iters=" \$2; print "bw=" \$4 }' \$PAIR_OUT
# The host CM's MAD counts (retries, duplicates), for a failure's story.
for c in /sys/class/infiniband/$1/ports/1/cm_*/*; do
    v=\$(cat \$c); [ "\$v" = 0 ] || echo "cm| \${c#*/ports/1/}=\$v"
done
EOF
}

# reruns MODE: what verbs-pair.sh ran again or stopped, as a TAP comment
# (a passing run's output is not printed).
reruns() {
    local why
    why=$(printf '%s\n' "$output" | grep -E '^A: \[cm\] (again|stopped this side)' | sed 's/^A: \[cm\] //')
    [ -z "$why" ] || printf '%s\n' "$why" | sed "s/^/# $1: /"
}

guest_run --peer adapter --timeout 300 \
    --cmd "$(perf rdo0 client)" --peer-cmd "$(perf rdo0 server)"
adapter_rc=$run_rc
reruns "adapter <-> adapter"
check "adapter <-> adapter: B's server listened before A connected" eq "$(f B.listening)" 1
for s in A B; do
    check "adapter <-> adapter, $s: ib_core's GSI is QP 1 on rdo0, in RTS" eq "$(f $s.gsi)" rts
    check "adapter <-> adapter, $s: ib_send_bw -R connected and ran" \
        eq "$(f $s.perf_rc) $(f $s.iters)" "0 200"
done
check "adapter <-> adapter: it moved data" matches "$(f A.bw)" '^[0-9]*[1-9][0-9]*\.'
a_bw=$(f A.bw)
F=()

guest_run --peer rxe --timeout 300 \
    --cmd "$(perf rdo0 client)" --peer-cmd "$(perf rxe0 server)"
reruns "adapter -> rxe"
check "adapter -> rxe: B's server listened before A connected" eq "$(f B.listening)" 1
check "adapter -> rxe: ib_send_bw -R connected and ran on both" \
    eq "$(f A.perf_rc) $(f A.iters) $(f B.perf_rc) $(f B.iters)" "0 200 0 200"
check "adapter -> rxe: it moved data" matches "$(f A.bw)" '^[0-9]*[1-9][0-9]*\.'
echo "# ib_send_bw -R 4096 bytes: adapter<->adapter ${a_bw} MB/s, adapter->rxe $(f A.bw) MB/s"
[ "$adapter_rc" = 0 ] || run_rc=$adapter_rc
tap_end
