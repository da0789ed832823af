#!/usr/bin/env bash
# shellcheck disable=SC2317 # check functions are called through check()
# Guest test: two guests with the adapter, their Ethernet through
# rdo-hostile-peer (run-guest --hostile, tests/tools/hostile-peer.c), which
# forwards every frame and, at a fixed seed, sends each guest mutated,
# truncated and replayed copies of its RC frames, requests and responses
# forged for its live QPs (learned rkeys, addresses inside and outside the
# MR, PSNs done already or not yet due), CNPs (to live QPs or any QPN:
# counted, never an error) and non-RoCE garbage. Meanwhile
# the kernel-verbs test (tests/guest/peer-test) runs its data-checked
# rounds each way: RC SEND, WRITE, WRITE_IMM, READ of HOSTILE_SIZE bytes,
# atomics, FRWR. Every hostile frame is one the IBA says a responder or
# requester must not act on, so the rounds must pass bit-exact; the
# adapters count what they dropped; neither kernel warns and both QEMUs
# run to the end. HOSTILE_SEED, HOSTILE_RATE (per mille) and HOSTILE_SIZE
# change the run (a long run: a larger size and more rounds, HOSTILE_ROUNDS).
set -uo pipefail
# shellcheck source=tests/guest/peer-lib.sh
source "$(dirname "$0")/peer-lib.sh"
SEED=${HOSTILE_SEED:-7}
RATE=${HOSTILE_RATE:-100}
SIZE=${HOSTILE_SIZE:-131072}
ROUNDS=${HOSTILE_ROUNDS:-1}
TIMEOUT=${HOSTILE_TIMEOUT:-300}

read -r -d '' COMMON <<EOF
size=$SIZE rounds=$ROUNDS
EOF
# Round aN has A as client, bN has B.
read -r -d '' BODY <<'EOF'
first=client second=server
[ $ME = A ] || { first=server; second=client; }
counters start
i=0
while [ $i -lt $rounds ]; do
    round a$i rdo0 $first size=$size
    round b$i rdo0 $second size=$size
    i=$((i + 1))
done
counters end
peer put $ME.done 1
peer get $OTHER.done > /dev/null
health
EOF

guest_run --peer adapter --timeout "$TIMEOUT" --hostile "--seed $SEED --rate $RATE" \
    --cmd "$(peer_script A B "$COMMON"$'\n'"$BODY")" \
    --peer-cmd "$(peer_script B A "$COMMON"$'\n'"$BODY")"

# delta G COUNTER: how much G's counter rose during the rounds.
delta() { echo $(( $(f "$1.end.cnt.$2") - $(f "$1.start.cnt.$2") )); }
# cnps_taken: CNPs both adapters counted (they send none themselves
# unless a mutated copy came with CE).
CNP_CNT="rp_cnp_handled rp_cnp_coalesced rp_cnp_ignored"
cnps_taken() {
    local g c sum=0
    for g in A B; do
        for c in $CNP_CNT; do
            sum=$((sum + $(delta $g "$c")))
        done
    done
    echo "$sum"
}
# refused: frames both adapters dropped as bad, duplicate or unexpected,
# and the CNPs they took (which change at most a QP's rate).
refused() {
    local g c sum=0
    for g in A B; do
        for c in rx_icrc_errors rx_drops dup_requests $CNP_CNT; do
            sum=$((sum + $(delta $g "$c")))
        done
    done
    echo "$sum"
}
all_rounds() {
    local i=0 r
    while [ "$i" -lt "$ROUNDS" ]; do
        for r in "A.a$i.run" "B.a$i.run" "B.b$i.run" "A.b$i.run"; do
            passed "$r" || { echo "#   round $r failed"; return 1; }
        done
        frwr_owner B "a$i" && frwr_owner A "b$i" || return 1
        i=$((i + 1))
    done
}
# At least a quarter of the frames injected were counted as refused: the
# rest (garbage for the Ethernet function, answers a requester ignores,
# truncated frames the stack drops) leave no trace in these counters.
counted() {
    local injected refused
    injected=$(f hostile.injected)
    refused=$(refused)
    positive "$injected" || return 1
    [ $((refused * 4)) -ge "$injected" ] ||
        { echo "#   $refused refused of $injected injected"; return 1; }
}

check "both guests ran every round to the end (run-guest exit $run_rc)" both_ran
check "the hostile peer forwarded RC traffic and injected frames (seed $SEED)" \
    positive "$(f hostile.injected)"
every_kind() {
    local k
    for k in mutate truncate replay forge response garbage cnp; do
        positive "$(f "hostile.$k")" || return 1
    done
}
check "every kind was injected" every_kind
check "$ROUNDS round(s) each way: SEND, WRITE, WRITE_IMM, READ, atomics, FRWR bit-exact" all_rounds
check "the adapters counted refused frames (>= 1/4 of those injected)" counted
check "the CNPs were counted as CNPs (handled, coalesced or ignored)" positive "$(cnps_taken)"
check "guest A: no kernel warnings, driver errors or CQ errors" healthy A
check "guest B: no kernel warnings, driver errors or CQ errors" healthy B
echo "# hostile peer: seed $(f hostile.seed), $(f hostile.rate) per mille, $(f hostile.rc_frames) RC" \
     "frames seen, $(f hostile.injected) injected (mutate $(f hostile.mutate)," \
     "truncate $(f hostile.truncate), replay $(f hostile.replay), forge $(f hostile.forge)," \
     "response $(f hostile.response), garbage $(f hostile.garbage), cnp $(f hostile.cnp))"
for g in A B; do
    echo "# $g refused: rx_icrc_errors $(delta $g rx_icrc_errors), rx_drops $(delta $g rx_drops)," \
         "dup_requests $(delta $g dup_requests); naks_sent $(delta $g naks_sent)," \
         "retransmits $(delta $g retransmits), err_count $(delta $g err_count);" \
         "CNPs handled $(delta $g rp_cnp_handled), coalesced $(delta $g rp_cnp_coalesced)," \
         "ignored $(delta $g rp_cnp_ignored)"
done
echo "# refused in all: $(refused)"

tap_end
