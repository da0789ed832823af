#!/usr/bin/env bash
# Guest test: resource exhaustion from user space, on one adapter guest
# whose adapter has small limits (tests/guest/progs/rdo-exhaust.c). While
# a survivor process moves checked data through the port all along:
#   - A takes every PD, CQ, SRQ, QP and MR it can: each kind ends in a
#     clean error (ENOSPC or ENOMEM), and another process then cannot get
#     even a PD, with a clean error too;
#   - A is killed (SIGKILL) holding all of it, and a churner creating and
#     destroying PD, CQ, QP and MR in a loop is killed mid-loop;
#   - D takes everything again and gets exactly as many of each kind as A
#     did (nothing leaked in the driver or the device), then frees it all
#     itself without a failed destroy;
#   - a process without CAP_IPC_LOCK pins 64 KiB MRs up to its
#     RLIMIT_MEMLOCK and gets ENOMEM there.
# The driver's in_use counts (debugfs: PDs, CQs, QPs, SRQs, MRs, pinned
# pages) are back at their starting values after each step; no kernel
# warnings, no driver errors, no refused doorbells.
set -uo pipefail
# shellcheck source=tests/guest/lib.sh
source "$(dirname "$0")/lib.sh"

LIMITS=",max-qp=64,max-cq=48,max-pd=24,max-srq=16,max-mr=160"
MEMLOCK_KIB=1024

read -r -d '' GUEST_CMD <<'EOF_G'
. /usr/share/rdma-offload/verbs-pair.sh
ip link set eth0 up && ip addr add 10.0.0.1/24 dev eth0
dev=$(pair_dev); gidx=$(pair_gid $dev)
i=0; while [ -z "$gidx" ] && [ $i -lt 100 ]; do sleep 0.1; gidx=$(pair_gid $dev); i=$((i + 1)); done
# wait_for FILE KEY: until FILE has a KEY= line (60 s at most).
wait_for() { i=0; while ! grep -q "^$2=" "$1" && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done; }
echo "use_base=$(in_use)"
rdo-exhaust survivor $dev $gidx 3000 > /tmp/sv.out 2>&1 &
sv=$!
wait_for /tmp/sv.out survivor_ready
echo "use_survivor=$(in_use)"
rdo-exhaust fill $dev 100000 /tmp/never > /tmp/a.out 2>&1 &
a=$!
wait_for /tmp/a.out holding
sed 's/^/A./' /tmp/a.out
touch /tmp/now; rdo-exhaust fill $dev 1 /tmp/now > /tmp/b.out 2>&1; echo "B.rc=$?"
sed 's/^/B./' /tmp/b.out
kill -9 $a; wait $a 2>/dev/null
sleep 1
echo "use_after_kill=$(in_use)"
rdo-exhaust churn $dev > /tmp/c.out 2>&1 &
c=$!
wait_for /tmp/c.out churn
sleep 2
kill -9 $c; wait $c 2>/dev/null
echo "C.rounds=$(sed -n 's/^churn=//p' /tmp/c.out | tail -n 1)"
grep '^error=' /tmp/c.out | sed 's/^/C./'
sleep 1
echo "use_after_churn=$(in_use)"
rdo-exhaust fill $dev 100000 /tmp/release > /tmp/d.out 2>&1 &
d=$!
wait_for /tmp/d.out holding
touch /tmp/release
wait $d; echo "D.rc=$?"
sed 's/^/D./' /tmp/d.out
echo "use_after_free=$(in_use)"
rdo-exhaust memlock $dev MEMLOCK_KIB > /tmp/m.out 2>&1; echo "M.rc=$?"
sed 's/^/M./' /tmp/m.out
kill -TERM $sv; wait $sv; echo "S.rc=$?"
sed 's/^/S./' /tmp/sv.out
echo "use_end=$(in_use)"
grep -E '^cnt\.(db_errors|err_count)=' /sys/kernel/debug/rdma_offload/*/state
health
EOF_G
GUEST_CMD=${GUEST_CMD//MEMLOCK_KIB/$MEMLOCK_KIB}

guest_run --timeout 300 --netdev hubport,hubid=0 --device-args "$LIMITS" \
    --cmd "$HEALTH_FUNCS"$'\n'"$GUEST_CMD"

check "the guest ran to the end" ran_to_end
# clean_limit KIND: A made some, and stopped on ENOSPC (28) or ENOMEM (12).
# shellcheck disable=SC2317 # called through check()
clean_limit() {
    positive "$(f "A.$1_made")" && matches "$(f "A.$1_errno")" '^(12|28)$'
}
for k in pd cq srq qp mr; do
    check "A took $k up to the limit: $(f "A.${k}_made"), then a clean error ($(f "A.${k}_errno"))" \
        clean_limit $k
    check "D got exactly as many ${k}s as A (nothing leaked)" \
        eq "$(f "D.${k}_made")" "$(f "A.${k}_made")"
done
check "with everything taken, another process gets a clean error for its first PD or CQ" \
    eq "$(f B.rc) $(f B.first_errno | sed -E 's/^(12|28)$/clean/')" "2 clean"
check "the churner ran rounds before it was killed, without an error" \
    eq "$(positive "$(f C.rounds)" >/dev/null && echo yes) $(f C.error)" "yes "
check "D freed everything itself: no failed destroy" \
    eq "$(f D.rc) $(f D.destroy_errors) $(f D.released)" "0 0 1"
check "pinning 64 KiB MRs without CAP_IPC_LOCK stops at RLIMIT_MEMLOCK ($MEMLOCK_KIB KiB) with ENOMEM" \
    eq "$(f M.rc) $(f M.memlock_errno)" "0 12"
# shellcheck disable=SC2317 # called through check()
memlock_count() {
    local n
    n=$(f M.memlock_mrs)
    if [[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le $((MEMLOCK_KIB / 64)) ]; then
        return 0
    fi
    echo "#   $n MRs of 64 KiB under a $MEMLOCK_KIB KiB limit"
    return 1
}
check "... after at least one and at most $((MEMLOCK_KIB / 64)) MRs ($(f M.memlock_mrs))" memlock_count
check "the survivor moved checked data all along ($(f S.survivor_ops) operations), no error" \
    eq "$(f S.rc) $(positive "$(f S.survivor_ops)" >/dev/null && echo yes) $(f S.error)" "0 yes "
check "in use after A's kill = with the survivor" eq "$(f use_after_kill)" "$(f use_survivor)"
check "in use after the churner's kill = with the survivor" eq "$(f use_after_churn)" "$(f use_survivor)"
check "in use after D freed all = with the survivor" eq "$(f use_after_free)" "$(f use_survivor)"
check "in use at the end = at the start" eq "$(f use_end)" "$(f use_base)"
check "the survivor's objects were counted (in use grew by them)" \
    test "$(f use_survivor)" != "$(f use_base)"
check "no kernel warnings, no driver errors" eq "$(f dmesg_bad) $(f driver_errs)" "0 0"
check "no doorbell refused, no driver mistake" eq "$(f cnt.db_errors) $(f cnt.err_count)" "0 0"
tap_end
