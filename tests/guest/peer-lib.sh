# shellcheck shell=bash
# Helpers of the two-guest tests (sourced, not run): the guest-side shell
# functions that drive the rdo_peer_test module (tests/guest/peer-test), and
# host-side checks of what they report. Facts come back as "A: key=value"
# and "B: key=value" lines, read into F[A.key] and F[B.key] by guest_run.
# shellcheck source=tests/guest/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Guest side (busybox sh), after ME=A|B OTHER=B|A.
read -r -d '' PEER_FUNCS <<'EOF'
T=/sys/kernel/debug/rdo_peer_test
modprobe rdo_peer_test || echo "modprobe_failed=1"
# pt KEY COMMAND...: one command of the test module; its report as KEY.*
pt() { k=$1; shift; echo "$*" > $T/ctl; echo "$k.rc=$?"; sed "s/^/$k./" $T/result; }
# counters KEY: the adapter's device counters as KEY.cnt.*, its protocol
# engines as KEY.engines and KEY.engineN ("qps Q faults F drops D")
counters() {
    for d in /sys/kernel/debug/rdma_offload/*; do
        [ -f $d/state ] && grep -E '^(cnt\.|engines=|engine[0-9]+=)' $d/state | sed "s/^/$1./"
    done
}
# round NAME DEV ROLE [SETUP ARGS]: set up, trade endpoints through the
# relay, connect, wait until both sides are connected, run as ROLE, wait
# until the other side has run too.
round() {
    n=$1 dev=$2 role=$3
    shift 3
    pt $n.setup setup $dev "$@"
    peer put $n.$ME "$(cat $T/info)"
    pt $n.connect connect $(peer get $n.$OTHER)
    peer put $n.$ME.ready 1
    peer get $n.$OTHER.ready > /dev/null
    pt $n.run run $role
    round_done $n
}
# round_done NAME: wait until the other side's run of round NAME is over too.
# Neither side destroys its QP (the next setup, rmmod) before the other has
# its last completion: the server's verdict SEND needs its ACK, and if that
# ACK is lost its retransmission must still find the client's QP.
round_done() {
    peer put $1.$ME.ran 1
    peer get $1.$OTHER.ran > /dev/null
}
EOF
PEER_FUNCS+=$'\n'$HEALTH_FUNCS
export PEER_FUNCS

# peer_script ME OTHER BODY: a guest's whole command.
peer_script() {
    printf 'ME=%s OTHER=%s\n%s\n%s\n' "$1" "$2" "$PEER_FUNCS" "$3"
}

# passed KEY: a command of the test module passed, every check ok.
passed() {
    eq "$(f "$1.rc")" 0 && eq "$(f "$1.result")" pass &&
        ! grep -qE "^${1%%.*}: ${1#*.}\.check\..*=FAIL" <<<"$output"
}
# both_ran: both guests reached the end.
both_ran() { eq "$run_rc" 0 && eq "$(f A.finished)$(f B.finished)" 11; }
# healthy G: no oops or warning in G's kernel log, no driver errors but
# those of an error injected on purpose.
healthy() {
    eq "$(f "$1.dmesg_bad") $(f "$1.driver_errs") $(f "$1.cq_errors")" "0 0 0"
}
# frwr_registered ROUND: IB_WR_REG_MR of each side's fast-registration MR
# completed as IB_WC_REG_MR at connect.
frwr_registered() {
    eq "$(f "A.$1.connect.check.frwr_reg") $(f "B.$1.connect.check.frwr_reg")" "ok ok"
}
# frwr_client G ROUND: G's RDMA WRITE into the peer's fast-registered MR
# and its RDMA READ back completed, the data read back right.
frwr_client() {
    local k="$1.$2.run.check"
    eq "$(f "$k.frwr_peer_length") $(f "$k.frwr_write") $(f "$k.frwr_read") $(f "$k.frwr_read_data")" \
        "ok ok ok ok"
}
# frwr_owner G ROUND: the client's bytes are in G's scattered pages, at the
# MR's offsets, and nothing beside them changed.
frwr_owner() { eq "$(f "$1.$2.run.check.frwr_owner_data")" ok; }
# transfer_figures G ROUND: the client's times for one round, for people.
transfer_figures() {
    echo "# $1 $2 (path MTU $(f "$1.$2.connect.path_mtu")): SEND $(f "$1.$2.run.send.us") us," \
        "WRITE $(f "$1.$2.run.write.us") us, READ $(f "$1.$2.run.read.us") us" \
        "for $(f "$1.$2.setup.size") bytes"
}
