#!/usr/bin/env bash
# Guest test: user-space verbs meeting limits and rude processes, between
# two adapter guests whose adapters have 4 doorbell pages (3 for user
# contexts). Three perftest servers hold the three pages: a fourth
# ibv_open_device fails cleanly, and works again once they are gone. A
# client killed (SIGKILL) in the middle of a 64 KiB ib_write_bw: its
# objects are cleaned up by the kernel, and both sides run ib_write_bw
# again right after. No kernel warnings, no driver errors, no refused
# doorbells and no torn push: SIGKILL can land between the data words of
# the client's push and its trigger (under TCG each word is a slow MMIO
# exit), and the device must forget those bytes when the client's last QP
# on its page is destroyed, or the next client's first push on that page
# would be counted as torn.
set -uo pipefail
# shellcheck source=tests/guest/lib.sh
source "$(dirname "$0")/lib.sh"

# scripts/guest/verbs-pair.sh, installed in the guest by scripts/build-guest.
pair_lib=". /usr/share/rdma-offload/verbs-pair.sh"

# The end of both guests: health facts.
read -r -d '' HEALTH <<'EOF_H'
echo "dmesg_bad=$(dmesg | grep -cE 'WARNING:|BUG:|Oops|Call Trace|general protection')"
echo "driver_errs=$(dmesg -r | grep -cE '^<[0-4]>\[[ 0-9.]*\] rdma_offload [0-9a-f]{4}:')"
grep -E '^cnt\.(db_errors|err_count)=' /sys/kernel/debug/rdma_offload/*/state
echo "push_torn=$(cat /sys/class/infiniband/*/ports/1/hw_counters/push_torn 2>/dev/null | head -n 1)"
echo finished=1
EOF_H

read -r -d '' A_CMD <<'EOF_A'
dev=$(pair_dev); gid=$(pair_gid $dev)
# Three contexts held by servers waiting for clients that never come.
for p in 18600 18601 18602; do ib_write_bw -d $dev -x $gid -F -p $p >/dev/null 2>&1 & done
i=0
while [ $i -lt 300 ]; do
    n=0
    for p in 18600 18601 18602; do pair_listening $p && n=$((n + 1)); done
    [ $n = 3 ] && break
    sleep 0.1; i=$((i + 1))
done
echo "servers_listening=$n"
ibv_devinfo -d $dev >/dev/null 2>&1; echo "fourth_open=$?"
kill $(jobs -p) 2>/dev/null; wait
ibv_devinfo -d $dev >/dev/null 2>&1; echo "open_after=$?"
peer put pages-done 1
# (PAIR_WATCH=0: this shell asks `peer` while that server runs.)
PAIR_WATCH=0 pair server kill ib_write_bw -d {DEV} -x {GID} -s 65536 -n 100000 -F > /tmp/kill.out &
spid=$!
peer get killed >/dev/null
# The server sees its client's socket close; give it a moment, then make sure.
sleep 5; kill $spid 2>/dev/null; wait $spid
pair server again ib_write_bw -d {DEV} -x {GID} -s 65536 -n 200 -F; echo "again_rc=$?"
EOF_A

read -r -d '' B_CMD <<'EOF_B'
peer get pages-done >/dev/null
# A's side is verbs-pair.sh's `pair server`; this client is not `pair
# client`, so it waits for that server and releases it itself.
pair_await_server kill
ib_write_bw -d $(pair_dev) -x $(pair_gid $(pair_dev)) -s 65536 -n 100000 -F -p 18515 10.0.1.1 >/dev/null 2>&1 &
cpid=$!
sleep 3
kill -9 $cpid; wait $cpid; echo "client_killed=$?"
pair_release_server kill
peer put killed 1
pair client again ib_write_bw -d {DEV} -x {GID} -s 65536 -n 200 -F; echo "again_rc=$?"
EOF_B

# clean GUEST: no refused doorbell, no torn push, no guest error at all.
# shellcheck disable=SC2317 # called through check()
clean() {
    local db err torn
    db=$(f "$1.cnt.db_errors") err=$(f "$1.cnt.err_count") torn=$(f "$1.push_torn")
    if [ "$db $err $torn" = "0 0 0" ]; then
        return 0
    fi
    echo "#   db_errors '$db', err_count '$err', push_torn '$torn'"
    return 1
}
guest_run --peer adapter --ctl-net --timeout 400 --device-args ",doorbell-pages=4" \
    --cmd "$pair_lib"$'\n'"$A_CMD"$'\n'"$HEALTH" \
    --peer-cmd "$pair_lib"$'\n'"$B_CMD"$'\n'"$HEALTH"

check "both guests ran to the end" eq "$run_rc $(f A.finished) $(f B.finished)" "0 1 1"
check "three perftest servers hold the three user doorbell pages" eq "$(f A.servers_listening)" 3
check "a fourth context is refused" matches "$(f A.fourth_open)" '^[1-9][0-9]*$'
check "once they are gone a context opens again" eq "$(f A.open_after)" 0
check "the client was killed in the middle of its transfer" eq "$(f B.client_killed)" 137
check "ib_write_bw runs again on both sides after the kill" \
    eq "$(f A.again_rc) $(f B.again_rc)" "0 0"
for g in A B; do
    check "guest $g: no kernel warnings, no driver errors" \
        eq "$(f $g.dmesg_bad) $(f $g.driver_errs)" "0 0"
    check "adapter $g: no doorbell refused, no torn push, no driver mistake" clean "$g"
done
tap_end
