#!/usr/bin/env bash
# Guest test: soak under loss. Two adapter guests whose transmitters drop
# 5 % of their frames, reorder 2 % and duplicate 2 % (fault-*, seeded).
#   1. Kernel verbs (tests/guest/peer-test): ROUNDS rounds of SEND, WRITE,
#      WRITE_WITH_IMM and READ of SIZE bytes, the roles swapped each round,
#      every byte checked by the module on both sides.
#   2. The stock RC tools back to back, PASSES passes (ibv_rc_pingpong,
#      ibv_srq_pingpong, ib_write/read/send_bw, ib_write/read/send_lat,
#      ib_atomic_lat; UD is left out, it is not meant to survive loss); in
#      the middle pass A's driver is unloaded and loaded again between two
#      tools. Every run exits 0, but for the pingpong end race: each side
#      of ibv_*_pingpong exits as soon as it has every message and its own
#      SENDs are acknowledged, with no closing handshake (perftest has
#      one), destroying its QPs; if the ACK of the other side's last SEND
#      on a QP was lost, that side's retransmission finds no QP and its
#      SEND ends in "transport retry counter exceeded", as it would on any
#      lossy fabric. That, and nothing else, is allowed of one side whose
#      peer exited 0 (which it only does with every message received):
#      never of both in one run. Mostly the server (srq_pingpong's 16 QPs
#      hit it in 3 of 4 runs); the client's last SEND is answered by the
#      server's, so its race needs that ACK lost too (2 in 30 passes).
# What the drivers hold (debugfs in_use: PDs, CQs, QPs, SRQs, MRs, pinned
# pages) is back at its starting value at the end; the faults did happen
# (retransmits and duplicates counted); no kernel warnings, no driver
# errors.
# The suite runs a short soak (the defaults); the long one of issue 19:
#   RDO_SOAK_ROUNDS=64 RDO_SOAK_SIZE=4194304 RDO_SOAK_PASSES=9 \
#   RDO_SOAK_TIMEOUT=7200 tests/guest/soak.sh
# moves 64 x 4 x 4 MiB = 1 GiB through the kernel rounds alone.
# To chase one tool's rare failure: RDO_SOAK_TOOLS (tags of the mix, e.g.
# "read_bw write_bw") keeps only those tools; RDO_SOAK_TRACE=DIR writes
# each adapter's transport events (timeouts, retransmits, NAKs,
# duplicates) as QEMU trace logs DIR/A.trace and DIR/B.trace.
set -uo pipefail
# shellcheck source=tests/guest/peer-lib.sh
source "$(dirname "$0")/peer-lib.sh"

ROUNDS=${RDO_SOAK_ROUNDS:-2}
SIZE=${RDO_SOAK_SIZE:-1048576}
PASSES=${RDO_SOAK_PASSES:-1}
TIMEOUT=${RDO_SOAK_TIMEOUT:-400}
FAULTS=",fault-seed=11,fault-drop-ppm=50000,fault-reorder-ppm=20000,fault-dup-ppm=20000"

# The stock tools of one pass: tag and command, as scripts/demo names them.
MIX=(
    "rc ibv_rc_pingpong -d {DEV} -g {GID} -n 100 -s 4096"
    "srq ibv_srq_pingpong -d {DEV} -g {GID} -n 100 -s 4096"
    "write_bw ib_write_bw -d {DEV} -x {GID} -s 65536 -n 200 -F"
    "read_bw ib_read_bw -d {DEV} -x {GID} -s 65536 -n 200 -F"
    "send_bw ib_send_bw -d {DEV} -x {GID} -s 65536 -n 200 -F"
    "write_lat ib_write_lat -d {DEV} -x {GID} -s 64 -n 200 -F"
    "read_lat ib_read_lat -d {DEV} -x {GID} -s 64 -n 200 -F"
    "send_lat ib_send_lat -d {DEV} -x {GID} -s 64 -n 200 -F"
    "atomic_lat ib_atomic_lat -d {DEV} -x {GID} -n 200 -F"
)

if [ -n "${RDO_SOAK_TOOLS:-}" ]; then
    kept=()
    for run in "${MIX[@]}"; do
        [[ " $RDO_SOAK_TOOLS " == *" ${run%% *} "* ]] && kept+=("$run")
    done
    [ ${#kept[@]} -gt 0 ] || { echo "RDO_SOAK_TOOLS: no tool of the mix in '$RDO_SOAK_TOOLS'" >&2; exit 2; }
    MIX=("${kept[@]}")
fi
TRACE_ARGS=()
if [ -n "${RDO_SOAK_TRACE:-}" ]; then
    mkdir -p "$RDO_SOAK_TRACE"
    events="-msg timestamp=on"
    for e in timeout retransmit nak_sent nak_received duplicate qp_error; do
        events+=" -trace enable=rdma_offload_$e"
    done
    TRACE_ARGS=(--qemu-args "$events -trace file=$RDO_SOAK_TRACE/A.trace"
                --peer-qemu-args "$events -trace file=$RDO_SOAK_TRACE/B.trace")
fi

# shellcheck disable=SC2016 # the $ expressions are the guest's
# mix_cmd ROLE ME: one guest's passes over the mix; A reloads its driver
# halfway through the middle pass, B waits for it there.
mix_cmd() {
    local role=$1 me=$2 pass run i mid tag failed
    mid=$(( (PASSES - 1) / 2 ))
    echo "fails=0"
    for ((pass = 0; pass < PASSES; pass++)); do
        i=0
        for run in "${MIX[@]}"; do
            if [ "$pass" = "$mid" ] && [ "$i" = $(( ${#MIX[@]} / 2 )) ]; then
                if [ "$me" = A ]; then
                    echo 'rmmod rdma_offload; echo "reload.rmmod_rc=$?"'
                    echo 'insmod $ko; echo "reload.insmod_rc=$?"'
                    echo 'sh /peer-net.sh > /dev/null; echo "reload.net_rc=$?"'
                    # The new ib_device's IPv4 GID comes from the address
                    # after a moment: the next tool needs it.
                    echo 'i=0; while [ -z "$(pair_gid $(pair_dev))" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done'
                    echo 'echo "reload.gid=$(pair_gid $(pair_dev))"'
                    echo 'peer put reloaded 1'
                else
                    echo 'peer get reloaded > /dev/null'
                fi
            fi
            tag=${run%% *}.$pass
            failed="fails=\$((fails + 1)); echo \"mix_failed.$tag=1\"; grep -iE 'fail|error|status|wr_id|unknown' /tmp/run.out | head -n 4 | sed 's/^/log: /'; sed 's/^/log: /' /tmp/run.out | tail -n 4"
            case "$role ${run#* }" in
            *" ibv_"*pingpong*)
                # The end race (above); that the peer exited 0 is checked
                # by mix_ok on the host.
                failed="if end_race_only; then echo \"mix_end_race.$tag=1\"; else $failed; fi" ;;
            esac
            echo "pair $role $tag ${run#* } > /tmp/run.out 2>&1 || { $failed; }"
            i=$((i + 1))
        done
    done
    echo 'echo "mix_fails=$fails"'
}

read -r -d '' COMMON <<'EOF'
. /usr/share/rdma-offload/verbs-pair.sh
ko=/lib/modules/$(uname -r)/$(grep 'rdma_offload.ko$' /etc/rdo-modules)
# A pingpong side's failures are only its SENDs' retries exceeded.
end_race_only() {
    exceeded='Failed status transport retry counter exceeded (12) for wr_id 2$'
    grep -q "$exceeded" /tmp/run.out && ! grep 'Failed status' /tmp/run.out | grep -qv "$exceeded"
}
echo "use_start=$(in_use)"
EOF
# shellcheck disable=SC2016 # the $ expressions are the guest's
# rounds ROLE-OF-EVEN-ROUNDS OTHER-ROLE: the kernel rounds, roles swapped.
rounds() {
    echo "i=0"
    echo "while [ \$i -lt $ROUNDS ]; do"
    echo "    if [ \$((i % 2)) = 0 ]; then r=$1; else r=$2; fi"
    echo "    round s\$i rdo0 \$r size=$SIZE"
    # Everything RC must pass; the round's one UD datagram may be lost
    # (UD is unreliable): the server's ud_recv, and the client's view of
    # the server's verdict without its UD bit (8 of 0xf), are allowed.
    echo "    bad=\$(grep '=FAIL\$' \$T/result | grep -vcE '^check\\.(ud_recv|peer_verdict)=')"
    echo "    pv=\$(sed -n 's/^peer_verdict=//p' \$T/result)"
    echo "    if [ \"\$bad\" = 0 ] && { [ -z \"\$pv\" ] || [ \$((pv & 7)) = 7 ]; }; then ok=\$((ok + 1)); fi"
    echo "    grep -q '^check.ud_recv=FAIL' \$T/result && echo \"ud_lost.s\$i=1\""
    echo "    i=\$((i + 1))"
    echo "done"
    echo 'echo "rounds_passed=$ok"'
}
read -r -d '' END <<'EOF'
counters end
rmmod rdo_peer_test
echo "use_end=$(in_use)"
health
EOF

A_CMD=$(peer_script A B "$COMMON"$'\n'"ok=0"$'\n'"$(rounds client server)"$'\n'"$(mix_cmd server A)"$'\n'"$END")
B_CMD=$(peer_script B A "$COMMON"$'\n'"ok=0"$'\n'"$(rounds server client)"$'\n'"$(mix_cmd client B)"$'\n'"$END")

guest_run --peer adapter --ctl-net --timeout "$TIMEOUT" --device-args "$FAULTS" "${TRACE_ARGS[@]}" \
    --cmd "$A_CMD" --peer-cmd "$B_CMD"

check "both guests ran to the end" both_ran
check "kernel verbs: $ROUNDS rounds of $SIZE-byte SEND/WRITE/WRITE_IMM/READ, data checked, all passed" \
    eq "$(f A.rounds_passed) $(f B.rounds_passed)" "$ROUNDS $ROUNDS"
# mix_ok: no tool failed on either side, and no pingpong run had its end
# race on both sides (the failed ones named if any).
# shellcheck disable=SC2317 # called through check()
mix_ok() {
    local both
    both=$(printf '%s\n' "$output" | sed -n 's/^[AB]: mix_end_race\.\([^=]*\)=1$/\1/p' | sort | uniq -d | tr '\n' ' ')
    [ "$(f A.mix_fails) $(f B.mix_fails)" = "0 0" ] && [ -z "$both" ] && return 0
    echo "#   failed: $(printf '%s\n' "$output" | sed -n 's/^\([AB]\): mix_failed\.\([^=]*\)=1$/\1 \2/p' | tr '\n' ' ')"
    [ -z "$both" ] || echo "#   end race on both sides: $both"
    return 1
}
races=$(printf '%s\n' "$output" | grep -c '^[AB]: mix_end_race\.')
check "the stock RC tools: ${#MIX[@]} x $PASSES runs, none failed (pingpong end races: $races)" mix_ok
check "A's driver was reloaded in the middle, its IPv4 GID back" \
    eq "$(f A.reload.rmmod_rc) $(f A.reload.insmod_rc) $(f A.reload.net_rc) $([ -n "$(f A.reload.gid)" ] && echo gid)" "0 0 0 gid"
for g in A B; do
    check "guest $g: what the driver holds is back at its start ($(f $g.use_end))" \
        eq "$(f $g.use_end)" "$(f $g.use_start)"
    # A only answers in the mix (the servers); with the kernel rounds or
    # the whole mix (pingpong servers send too) it retransmits as well.
    if [ $g = B ] || [ "$ROUNDS" -gt 0 ] || [ -z "${RDO_SOAK_TOOLS:-}" ]; then
        check "guest $g: the losses were repaired (retransmits counted: $(f $g.end.cnt.retransmits))" \
            positive "$(f $g.end.cnt.retransmits)"
    fi
    check "guest $g: duplicates arrived and were counted ($(f $g.end.cnt.dup_requests))" \
        positive "$(f $g.end.cnt.dup_requests)"
    check "guest $g: no kernel warnings, no driver errors" healthy $g
done
tap_end
