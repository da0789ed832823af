#!/usr/bin/env bash
# Tools test: scripts/run-guest --vcpu-nice and --vcpu-sched with
# tests/tools/fake-qemu, whose threads are named "CPU n/TCG" as QEMU's
# vCPU threads are (-name ...,debug-threads=on) and which reports their nice
# and policy: run-guest must set both on every vCPU thread of every guest
# (a nice never below its own) and leave the main thread (QEMU's main loop)
# at its own; without the options it must leave QEMU's threads alone.
# Prints TAP.
source "$(dirname "$0")/../../scripts/lib.sh"
set +e

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
source "$(dirname "$0")/tap.sh"
export RDO_QEMU_BIN=$TOP/tests/tools/fake-qemu FAKE_QEMU_DIR=$dir
unset RDO_VCPU_NICE RDO_VCPU_SCHED
# The nice this test (so run-guest) runs at, and N or it if higher.
base=$(nice)
[ "$base" -lt 19 ] || echo "# at nice 19 the vCPUs inherit 19: the nice checks cannot fail here"
at_least() { if [ "$1" -gt "$base" ]; then echo "$1"; else echo "$base"; fi; }

# run ARGS...: run-guest with ARGS, its output in $dir/out, status in $rc.
run() {
    "$TOP/scripts/run-guest" --timeout 60 "$@" >"$dir/out" 2>"$dir/err"
    rc=$?
}
# expect DESCRIPTION LINES: the run ended well and printed exactly LINES
# (newline-separated) among its fake.vcpu/fake.main lines.
expect() {
    local got
    got=$(grep -E '^(.: )?fake\.(vcpu[0-9]+|main)=' "$dir/out" | sort)
    if [ "$rc" = 0 ] && [ "$got" = "$(sort <<<"$2")" ]; then
        ok 0 "$1"
    else
        ok 1 "$1"
        echo "#   status $rc, expected:"
        printf '#     %s\n' "$2"
        echo "#   got:"; show "$dir/out"; show "$dir/err"
    fi
}

run --peer adapter --smp 2 --vcpu-nice 7 --vcpu-sched batch
expect "two guests, nice 7 and SCHED_BATCH on both vCPU threads of each, main threads untouched" \
"A: fake.vcpu0=$(at_least 7) 3
A: fake.vcpu1=$(at_least 7) 3
A: fake.main=$base 0
B: fake.vcpu0=$(at_least 7) 3
B: fake.vcpu1=$(at_least 7) 3
B: fake.main=$base 0"

RDO_VCPU_NICE=19 run --smp 1
expect "one guest, nice 19 from RDO_VCPU_NICE, policy left alone" \
"fake.vcpu0=19 0
fake.main=$base 0"

run --smp 1 --vcpu-sched idle
expect "one guest, SCHED_IDLE alone: nice left at run-guest's own" \
"fake.vcpu0=$base 5
fake.main=$base 0"

run --peer rxe --smp 2
expect "without the options: no debug-threads names, nothing reported" ""

run --vcpu-nice 20
[ "$rc" != 0 ] && grep -q -- "--vcpu-nice wants 0 to 19" "$dir/err"
ok $? "--vcpu-nice 20 is refused" || show "$dir/err"
run --vcpu-sched fifo
[ "$rc" != 0 ] && grep -q -- "--vcpu-sched wants other, batch or idle" "$dir/err"
ok $? "--vcpu-sched fifo is refused" || show "$dir/err"

echo "1..$n"
exit "$failed"
