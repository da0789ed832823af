#!/usr/bin/env bash
# Tools test: the captures of real traffic pass scripts/roce-check and are
# dissected by tshark as RoCE. The captures come from the unit tests
# (tests/unit/test-pair.c, two cores back to back; test-cc's CE-marked
# WRITEs and their CNPs; the incast bench's switch port, CE marks and
# CNPs of four senders with DCQCN), the qtests (two adapters
# in QEMU, filter-dump on a netdev; qtest-ecn: fault-ce-ppm's marks and
# the peer's CNPs) and the demo. ./scripts/test points
# RDO_TEST_PCAP_DIR of its unit and qtest suites at RDO_CAPTURE_DIR; what is
# missing there (a suite not run) is made here. Captures named loss-* are of
# runs with injected faults: roce-check --lossy, and the loss must show.
# Prints TAP.
source "$(dirname "$0")/../../scripts/lib.sh"
set +e

unit=${RDO_UNIT_BUILD:-$CACHE/unit-build}
qemu=${RDO_QEMU_BUILD:-$QEMU_BUILD}
check=$TOP/scripts/roce-check
dir=${RDO_CAPTURE_DIR:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -n "$dir" ] || dir=$tmp/captures
mkdir -p "$dir"

source "$(dirname "$0")/tap.sh"

# Each test case of a GLib program on its own, as ./scripts/test does.
run_cases() {   # program
    local rc=0
    for path in $("$1" -l); do
        RDO_TEST_PCAP_DIR=$dir timeout --kill-after=10 300 "$1" -p "$path" \
            >>"$tmp/run.log" 2>&1 || rc=1
    done
    return $rc
}

# 1. Make the captures that are not there yet.
if [ ! -f "$dir/rc-send.pcap" ]; then
    run_cases "$unit/tests/unit/test-datapath"
    ok $? "the unit data-path tests write their captures" || show "$tmp/run.log"
fi
if [ ! -f "$dir/cc-cnp.pcap" ]; then
    run_cases "$unit/tests/unit/test-cc"
    ok $? "the unit congestion-control tests write their captures" ||
        show "$tmp/run.log"
fi
if [ ! -f "$dir/incast-dcqcn.pcap" ]; then
    ninja -C "$unit" tests/unit/bench-incast >>"$tmp/run.log" 2>&1
    timeout --kill-after=10 300 "$unit/tests/unit/bench-incast" \
        --pcap "$dir/incast-dcqcn.pcap" >>"$tmp/run.log" 2>&1
    ok $? "the incast bench writes its capture" || show "$tmp/run.log"
fi
if [ ! -f "$dir/qtest-write-read-1m.pcap" ]; then
    QTEST_QEMU_BINARY=$qemu/qemu-system-x86_64 \
        run_cases "$qemu/tests/qtest/rdma-offload-net-test"
    ok $? "the data-path qtests write their captures" || show "$tmp/run.log"
fi
if [ ! -f "$dir/demo.pcap" ]; then
    QTEST_QEMU_BINARY=$qemu/qemu-system-x86_64 timeout --kill-after=10 300 \
        "$qemu/tests/qtest/rdma-offload-demo" --pcap "$dir/demo.pcap" \
        >"$tmp/demo.log" 2>&1
    ok $? "the demo writes its capture" || show "$tmp/demo.log"
fi
for want in rc-send loss-1pct cc-cnp incast-dcqcn qtest-write-read-1m \
            qtest-send-variants loss-qtest qtest-ecn demo; do
    [ -s "$dir/$want.pcap" ]
    ok $? "capture $want.pcap is there"
done

# 2. roce-check and tshark on every capture.
have_tshark=0
if command -v tshark >/dev/null; then
    have_tshark=1
else
    ok 1 "tshark is installed (./scripts/setup installs it)"
fi
for f in "$dir"/*.pcap; do
    [ -f "$f" ] || continue
    name=$(basename "$f" .pcap)
    opts=()
    case $name in loss-*) opts=(--lossy) ;; esac
    "$check" "${opts[@]}" "$f" >"$tmp/check.out" 2>&1
    ok $? "roce-check ${opts[*]} $name" || show "$tmp/check.out"
    case $name in
    cc-cnp|incast-dcqcn|qtest-ecn)
        grep -q "0x81 CNP" "$tmp/check.out" && grep -q "^CNPs:" "$tmp/check.out"
        ok $? "$name has CNPs that roce-check checked" || show "$tmp/check.out"
        ;;
    esac
    case $name in
    incast-dcqcn|qtest-ecn)
        grep -q "ECN ECT(0) [0-9]* CE [0-9]*" "$tmp/check.out"
        ok $? "$name shows the switch's CE marks" || show "$tmp/check.out"
        ;;
    esac
    roce=$(sed -n 's/.* frames, \([0-9]*\) RoCEv2 packets,.*/\1/p' "$tmp/check.out")
    damaged=0
    if [ ${#opts[@]} -gt 0 ]; then
        lost=$(sed -n 's/^lossy link: \([0-9]*\) PSNs lost, \([0-9]*\) frames damaged.*/\1 \2/p' \
               "$tmp/check.out")
        damaged=${lost#* }
        [ -n "$lost" ] && [ "$lost" != "0 0" ]
        ok $? "$name shows the injected faults ($lost: PSNs lost, frames damaged)" ||
            show "$tmp/check.out"
    fi
    [ $have_tshark = 1 ] || continue
    # tshark knows UDP port 4791 as RoCEv2 without being told; it does
    # not check the ICRC. Every RoCEv2 frame must get a BTH opcode.
    tshark -r "$f" -Y infiniband -T fields -e infiniband.bth.opcode \
        2>"$tmp/tshark.err" | grep -c . >"$tmp/tshark.count"
    dissected=$(cat "$tmp/tshark.count")
    [ -n "$roce" ] && [ "$roce" -gt 0 ] &&
        [ "$dissected" -ge $((roce - damaged)) ] && [ "$dissected" -le "$roce" ]
    ok $? "tshark dissects $name as RoCE ($dissected of $roce frames)" ||
        show "$tmp/tshark.err"
done

echo "1..$n"
exit $failed
