#!/usr/bin/env bash
# Tools test: scripts/console-check on guest consoles captured when a guest
# hung (console/lost-timer-rxe.log: the soft-RoCE peer of a CI run of
# rdmacm-examples, whose CPU 0 timer stopped in boot; lost-timer-adapter.log:
# an adapter peer, CPU 1; both trimmed), on a boot that panicked
# (panic-boot.log, rdinit=/nonexistent), on a clean boot, and on copies
# edited to move the failure after the command's start or to leave out the
# lost timer. Then scripts/run-guest with tests/tools/fake-qemu, which plays
# such a console for guest B of a --peer run and idles as a hung guest does:
# run-guest must stop the run and name the failure instead of waiting for
# its timeout (status 123 for a boot failure, 125 in the command, not 124),
# must print each guest's output while the guest still runs, and
# tests/guest/lib.sh's guest_run must boot once more after a boot
# failure only, once. Prints TAP.
source "$(dirname "$0")/../../scripts/lib.sh"
set +e

check=$TOP/scripts/console-check
logs=$TOP/tests/tools/console
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
source "$(dirname "$0")/tap.sh"

# verdict LOG EXPECTED-EXIT REGEX DESCRIPTION: console-check's exit status
# and its line.
verdict() {
    local out rc
    out=$("$check" "$2" 2>&1)
    rc=$?
    if [ "$rc" = "$3" ] && [[ $out =~ $4 ]]; then
        ok 0 "$1"
    else
        ok 1 "$1"
        echo "#   exit $rc, said: '$out'"
    fi
}
verdict "the rxe peer's lost timer: cpu 0, due at 3.6 s, in boot" "$logs/lost-timer-rxe.log" 0 \
    "^lost-timer boot lost timer: rcu_preempt's timer on cpu 0 did not fire from 3\.6 s on \(reported at 24\.6 s, the CPU idling in native_safe_halt"
verdict "the adapter peer's lost timer: cpu 1, due at 7.6 s, in boot" "$logs/lost-timer-adapter.log" 0 \
    "^lost-timer boot lost timer: rcu_preempt's timer on cpu 1 did not fire from 7\.6 s on"
verdict "a panic in boot" "$logs/panic-boot.log" 0 \
    "^panic boot kernel panic: VFS: Unable to mount root fs"
verdict "a clean boot and command: nothing" "$logs/clean-boot.log" 1 '^$'

# The command started at 2.0 s, before the timer was due (3.6 s).
sed '/Run \/init/a [    2.000000] rdo-run: command starts' "$logs/lost-timer-rxe.log" > "$dir/late.log"
verdict "the same lost timer after the command started: in the command" "$dir/late.log" 0 \
    "^lost-timer command .*after its command started at 2\.0 s$"
# ... and at 5.0 s, after it was due: in boot, though reported later.
sed '/Run \/init/a [    5.000000] rdo-run: command starts' "$logs/lost-timer-rxe.log" > "$dir/early.log"
verdict "a lost timer due before the command started is a boot failure" "$dir/early.log" 0 \
    "^lost-timer boot .*before its command started at 5\.0 s$"
# first_report LOG: LOG up to its second RCU stall report.
first_report() { awk '/rcu: INFO: rcu_/ { n++ } n == 2 { exit } { print }' "$1"; }
grep -v -e "timer wakeup didn't happen" -e "Possible timer handling" "$logs/lost-timer-rxe.log" > "$dir/stall.log"
verdict "an RCU stall alone, reported twice: from its grace period's start (t=5253 jiffies before 24.6 s)" "$dir/stall.log" 0 \
    "^rcu-stall boot RCU stall: rcu_preempt detected stalls from 3\.6 s on \(reported at 24\.6 s, again at 45\.6 s\)"
first_report "$dir/stall.log" > "$dir/stall-once.log"
verdict "an RCU stall reported once (a starved vCPU that may recover): nothing yet" "$dir/stall-once.log" 1 '^$'
grep -v "NMI backtrace for cpu" "$logs/lost-timer-rxe.log" > "$dir/busy.log"
first_report "$dir/busy.log" > "$dir/busy-once.log"
verdict "a lost timer reported once, its CPU not seen idling: nothing yet" "$dir/busy-once.log" 1 '^$'
verdict "... reported twice: the lost timer" "$dir/busy.log" 0 \
    "^lost-timer boot lost timer: rcu_preempt's timer on cpu 0 did not fire from 3\.6 s on \(reported at 24\.6 s\), before"
sed '/Kernel panic/i [    3.500000] rdo-run: command starts' "$logs/panic-boot.log" > "$dir/panic-late.log"
verdict "a panic after the command started: in the command" "$dir/panic-late.log" 0 "^panic command "

# run-guest with the stand-in QEMU: B plays LOG on boot 1 (FAKE_QEMU_FAIL_BOOTS).
export RDO_QEMU_BIN=$TOP/tests/tools/fake-qemu
run() {   # LOG BOOTS-THAT-FAIL: run-guest --peer rxe, its status in $rc, stderr in $dir/err
    rm -f "$dir/boots"
    FAKE_QEMU_DIR=$dir FAKE_QEMU_FAIL_LOG=$1 FAKE_QEMU_FAIL_BOOTS=$2 \
        "$TOP/scripts/run-guest" --peer rxe --timeout 120 >"$dir/out" 2>"$dir/err"
    rc=$?
}
run "$logs/lost-timer-rxe.log" 1
grep -q "B: the guest's kernel failed (lost-timer, in its boot phase), run-guest stopped the run: lost timer: rcu_preempt's timer on cpu 0" "$dir/err" &&
    grep -q "A: stopped by run-guest: guest B's kernel failed" "$dir/err"
ok $? "run-guest stops a run whose guest B lost its timer in boot, names it, and says why A stopped" || show "$dir/err"
[ "$rc" = 123 ]
ok $? "... with status 123, not the timeout's 124 (got $rc)"
run "$dir/late.log" 1
grep -q "B: the guest's kernel failed (lost-timer, in its command phase)" "$dir/err" && [ "$rc" = 125 ]
ok $? "a lost timer in the command: stopped at once too, status 125 (got $rc)" || show "$dir/err"
run "$logs/panic-boot.log" 1
grep -q "B: the guest's kernel failed (panic, in its boot phase)" "$dir/err" && [ "$rc" = 123 ]
ok $? "a panic in boot: named, status 123 (got $rc)" || show "$dir/err"
run "$logs/lost-timer-rxe.log" ""
[ "$rc" = 0 ] && grep -q "^B: fake.ok=1" "$dir/out" && ! grep -q "kernel failed" "$dir/err"
ok $? "the stand-in's clean run passes (status $rc)" || show "$dir/err"
# Each guest's output is printed as it comes, not when its QEMU ends (what
# scripts/prof-guest waits for): the guests hold their end until $dir/hold.
rm -f "$dir/boots" "$dir/hold"
FAKE_QEMU_DIR=$dir FAKE_QEMU_HOLD=$dir/hold "$TOP/scripts/run-guest" --peer rxe --timeout 120 \
    >"$dir/out" 2>"$dir/err" &
rg=$!
for _ in $(seq 100); do [ "$(grep -c "^[AB]: fake.ok=1" "$dir/out")" = 2 ] && break; sleep 0.1; done
[ "$(grep -c "^[AB]: fake.ok=1" "$dir/out")" = 2 ] && kill -0 "$rg" && [ ! -e "$dir/hold" ]
ok $? "run-guest prints both guests' output while they run" || show "$dir/out"
touch "$dir/hold"
wait "$rg"
ok $? "... and ends well once they do" || show "$dir/err"

# guest_run (tests/guest/lib.sh): a boot failure is booted once more, once.
guest_lib() {   # LOG BOOTS-THAT-FAIL: guest_run --peer rxe in a subshell; boots, run_rc and its log
    rm -f "$dir/boots"
    FAKE_QEMU_DIR=$dir FAKE_QEMU_FAIL_LOG=$1 FAKE_QEMU_FAIL_BOOTS=$2 bash -c '
        source "$1/tests/guest/lib.sh"
        guest_run --peer rxe --timeout 120
        echo "run_rc=$run_rc fake=$(f B.fake.ok)"' _ "$TOP" > "$dir/lib.out" 2>&1
    boots=$(cat "$dir/boots" 2>/dev/null)
}
guest_lib "$logs/lost-timer-rxe.log" 1
grep -q "^run_rc=0 fake=1$" "$dir/lib.out" && [ "$boots" = 2 ] &&
    grep -q "^# booting once more" "$dir/lib.out" &&
    grep -q "^#  | .*B: the guest's kernel failed (lost-timer, in its boot phase)" "$dir/lib.out"
ok $? "guest_run boots once more after B's lost timer in boot, and logs why (boots: $boots)" || show "$dir/lib.out"
guest_lib "$logs/lost-timer-rxe.log" "1 2"
grep -q "^run_rc=123 fake=$" "$dir/lib.out" && [ "$boots" = 2 ]
ok $? "a second boot failure stands: status 123 after two boots (boots: $boots)" || show "$dir/lib.out"
# A command whose own status is 123 (as xargs's can be) is no boot failure.
rm -f "$dir/boots"
FAKE_QEMU_DIR=$dir FAKE_QEMU_STATUS=123 bash -c '
    source "$1/tests/guest/lib.sh"
    guest_run --cmd "exit 123" --timeout 120
    echo "run_rc=$run_rc"' _ "$TOP" > "$dir/lib.out" 2>&1
grep -q "^run_rc=123$" "$dir/lib.out" && [ "$(cat "$dir/boots")" = 1 ] && ! grep -q "booting once more" "$dir/lib.out"
ok $? "a command's own status 123 is not booted again" || show "$dir/lib.out"
guest_lib "$dir/late.log" 1
grep -q "^run_rc=125 fake=$" "$dir/lib.out" && [ "$boots" = 1 ] && ! grep -q "booting once more" "$dir/lib.out"
ok $? "a failure in the command is not booted again (boots: $boots)" || show "$dir/lib.out"

echo "1..$n"
exit "$failed"
