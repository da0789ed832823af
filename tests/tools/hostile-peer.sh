#!/usr/bin/env bash
# Tools test: rdo-hostile-peer (tests/tools/hostile-peer.c), built with
# ASan and UBSan in the unit build, between two ends that
# tests/tools/hostile-peer-drive.py plays from the capture of a unit
# data-path test (a 1 MiB WRITE and READ at MTU 1024, and atomics): every
# frame comes out at the other end intact and in order; the extra frames
# are as many as it says it injected, of every kind at 1000 per mille;
# none at 0; forged frames whole, their ICRC right, aimed at live QPs;
# CNPs whole, ICRC right;
# the same seed gives the same bytes, another seed others.
# Prints TAP. Uses the unit build of ./scripts/test (RDO_UNIT_BUILD, or
# $CACHE/unit-build after ./scripts/test --suite unit).
source "$(dirname "$0")/../../scripts/lib.sh"
set +e

build=${RDO_UNIT_BUILD:-$CACHE/unit-build}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
source "$(dirname "$0")/tap.sh"

ninja -C "$build" tests/tools/rdo-hostile-peer tests/unit/test-datapath \
    >"$dir/ninja.log" 2>&1 || show "$dir/ninja.log"
relay=$build/tests/tools/rdo-hostile-peer
if [ ! -x "$relay" ]; then
    echo "Bail out! no $relay: run ./scripts/test --suite unit first"
    exit 1
fi
RDO_TEST_PCAP_DIR=$dir "$build/tests/unit/test-datapath" \
    -p /datapath/rc/write-read-mtu1024 -p /datapath/rc/atomics >"$dir/unit.log" 2>&1
ok $? "the data-path unit tests write their captures" || show "$dir/unit.log"
# One capture of both: the pcap header of the first, then the records.
{ cat "$dir/rc-write-read-1024.pcap"; tail -c +25 "$dir/rc-atomics.pcap"; } > "$dir/in.pcap"
frames=$(/usr/bin/python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read(); off = 24; n = 0
while off + 16 <= len(d):
    off += 16 + struct.unpack_from("<I", d, off + 8)[0]; n += 1
print(n)' "$dir/in.pcap")

# run NAME RELAY-OPTIONS...: the relay and the driver; NAME.out, NAME.stats.
run() {
    local name=$1
    shift
    rm -f "$dir/a.sock" "$dir/b.sock"
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        "$relay" "$@" --stats "$dir/$name.stats" "$dir/a.sock" "$dir/b.sock" \
        >/dev/null 2>"$dir/$name.relay.log" &
    local pid=$!
    timeout 120 /usr/bin/python3 "$TOP/tests/tools/hostile-peer-drive.py" \
        "$dir/in.pcap" "$dir/a.sock" "$dir/b.sock" "$dir/$name.out" 2>"$dir/$name.drive.log"
    local rc=$?
    wait "$pid"
    local rrc=$?
    if [ "$rc" != 0 ] || [ "$rrc" != 0 ]; then
        echo "# driver exit $rc, relay exit $rrc"
        show "$dir/$name.drive.log"
        show "$dir/$name.relay.log"
        return 1
    fi
}
stat() { sed -n "s/^hostile\.$2=//p" "$dir/$1.stats"; }
lines() { wc -l < "$dir/$1.out"; }

run clean --seed 1 --rate 0
ok $? "at rate 0: every frame forwarded intact and in order"
[ "$(lines clean)" = "$frames" ] && [ "$(stat clean injected)" = 0 ]
ok $? "at rate 0: nothing else ($(lines clean) frames out, $frames in)"

run s5 --seed 5 --rate 1000
ok $? "at 1000 per mille: every frame forwarded intact and in order (ASan, UBSan)"
injected=$(stat s5 injected)
[ "$(lines s5)" = $((frames + injected)) ]
ok $? "the extra frames are the $injected it says it injected ($(lines s5) out, $frames in)"
all=0
for k in mutate truncate replay forge response garbage cnp; do
    [ "$(stat s5 $k)" -gt 0 ] || { echo "# no $k"; all=1; }
done
ok $all "every kind injected: $(grep -E 'mutate|truncate|replay|forge|response|garbage|cnp' \
    "$dir/s5.stats" | sed 's/hostile\.//' | tr '\n' ' ')"

# Forged frames are built by the wire library: every one whole, with a
# right ICRC (roce-check's own computation) and IPv4 header checksum,
# aimed at a QP of the capture; CNPs (opcode 0x81, 16 reserved bytes) at
# any QP.
run forged --seed 9 --rate 1000 --kinds forge,response
ok $? "forged requests and responses only: frames forwarded intact"
run cnps --seed 10 --rate 1000 --kinds cnp
ok $? "CNPs only: frames forwarded intact"
# forged_ok NAME WANT MODE: the injected frames of run NAME (MODE live: at
# live QPs; cnp: CNPs at any QP); WANT of them. (A kind with nothing to
# aim at yet falls back to garbage, which is not.)
forged_ok() {
/usr/bin/python3 - "$TOP/scripts/roce-check" "$dir/$1.out" "$2" "$3" > "$dir/$1.log" <<'PY'
import importlib.machinery, importlib.util, sys
loader = importlib.machinery.SourceFileLoader("roce_check", sys.argv[1])
spec = importlib.util.spec_from_loader("roce_check", loader)
rc = importlib.util.module_from_spec(spec)
loader.exec_module(rc)
qpns, good, want, mode = set(), 0, int(sys.argv[3]), sys.argv[4]
lines = [l.split() for l in open(sys.argv[2])]
for side, hexf in lines:
    f = bytes.fromhex(hexf)
    if not side.endswith("+"):
        qpns.add(int.from_bytes(f[14 + 20 + 8 + 5:14 + 20 + 8 + 8], "big"))
for side, hexf in lines:
    if not side.endswith("+"):
        continue
    f = bytes.fromhex(hexf)
    end = 14 + int.from_bytes(f[16:18], "big")
    ok = (f[12:14] == b"\x08\x00" and end <= len(f) and
          rc.ipv4_checksum_ok(f[14:34]) and
          int.from_bytes(f[end - 4:end], "little") == rc.icrc(f[14:end - 4], 20))
    if mode == "cnp":
        ok = ok and f[14 + 20 + 8] == rc.CNP_OPCODE and end == 14 + 20 + 8 + 12 + 16 + 4
    else:
        ok = ok and int.from_bytes(f[14 + 20 + 8 + 5:14 + 20 + 8 + 8], "big") in qpns
    good += ok
print(f"{good} good of {want} forged")
sys.exit(good != want or want == 0)
PY
}
forged_ok forged $(($(stat forged forge) + $(stat forged response))) live
ok $? "every forged frame whole, its ICRC right, aimed at a live QP ($(tail -n1 "$dir/forged.log"))" ||
    show "$dir/forged.log"
forged_ok cnps "$(stat cnps cnp)" cnp
ok $? "every CNP whole, 62 bytes from the IP header on, its ICRC right ($(tail -n1 "$dir/cnps.log"))" ||
    show "$dir/cnps.log"

run s5again --seed 5 --rate 1000
cmp -s "$dir/s5.out" "$dir/s5again.out"
ok $? "the same seed injects the same bytes"
run s6 --seed 6 --rate 1000
cmp -s "$dir/s5.out" "$dir/s6.out"
ok $(($? == 0)) "another seed injects other bytes"

echo "1..$n"
exit "$failed"
