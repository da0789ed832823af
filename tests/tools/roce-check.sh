#!/usr/bin/env bash
# Tools test: scripts/roce-check on captures that the unit-test programs
# test-wire and test-cc write (a made-up conversation, the scapy test
# vector, CE-marked WRITEs and the CNPs they caused), on
# damaged copies of them, and tshark's reading of the same captures (a
# missing tshark fails). Prints TAP. Uses the unit build of ./scripts/test
# (RDO_UNIT_BUILD, or $CACHE/unit-build after ./scripts/test --suite unit).
source "$(dirname "$0")/../../scripts/lib.sh"
set +e

build=${RDO_UNIT_BUILD:-$CACHE/unit-build}
check=$TOP/scripts/roce-check
py=/usr/bin/python3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

source "$(dirname "$0")/tap.sh"

if [ -f "$build/build.ninja" ]; then
    ninja -C "$build" tests/unit/test-wire tests/unit/test-cc >"$dir/ninja.log" 2>&1 ||
        show "$dir/ninja.log"
fi
wire=$build/tests/unit/test-wire
if [ ! -x "$wire" ]; then
    echo "Bail out! no $wire: run ./scripts/test --suite unit first"
    exit 1
fi

# Rewrites a classic pcap: "drop K" leaves out frame K, "flip K OFF"
# inverts byte OFF of frame K, "header" keeps only the file header,
# "again D" appends the RoCE frames once more with every PSN moved by D and
# the ICRC made right (the same QP numbers used by new connections), "ecn K
# V" sets the ECN field of frame K (0: of every frame) to V, the IPv4 header
# checksum made right, "opcode OP" prints the number of the first frame with
# BTH opcode OP instead.
edit_pcap() {   # in, out, command...
    "$py" - "$check" "$@" <<'EOF'
import importlib.machinery, struct, sys
check, src, dst, cmd, *args = sys.argv[1:]
rc = importlib.machinery.SourceFileLoader("roce_check", check).load_module()
data = open(src, "rb").read()
out, off, number, again = bytearray(data[:24]), 24, 0, bytearray()
while off < len(data) and cmd != "header":
    incl = struct.unpack("<I", data[off + 8:off + 12])[0]
    rec = bytearray(data[off:off + 16 + incl])
    off += 16 + incl
    number += 1
    if cmd == "drop" and number == int(args[0]):
        continue
    if cmd == "flip" and number == int(args[0]):
        rec[16 + int(args[1])] ^= 0xFF
    if cmd == "opcode" and rc.classify(bytes(rec[16:])) and \
            rec[16 + 14 + 20 + 8] == int(args[0], 0):
        print(number)
        sys.exit(0)
    if cmd == "ecn" and int(args[0]) in (0, number) and rec[16 + 12:16 + 14] == b"\x08\x00":
        rec[16 + 15] = (rec[16 + 15] & 0xFC) | int(args[1])
        rec[16 + 24:16 + 26] = b"\0\0"
        s = sum(struct.unpack("!10H", bytes(rec[16 + 14:16 + 34])))
        s = (s & 0xFFFF) + (s >> 16)
        s = (s & 0xFFFF) + (s >> 16)
        rec[16 + 24:16 + 26] = struct.pack("!H", ~s & 0xFFFF)
    out += rec
    if cmd == "again" and rc.classify(bytes(rec[16:])):
        f, l3 = rec[16:], 14
        while f[l3 - 2:l3] in (b"\x81\x00", b"\x88\xa8"):
            l3 += 4                      # VLAN tags
        if f[l3 - 2:l3] == b"\x86\xdd":
            l4 = l3 + 40
            end = l4 + struct.unpack("!H", f[l3 + 4:l3 + 6])[0]
        else:
            l4 = l3 + (f[l3] & 0x0F) * 4
            end = l3 + struct.unpack("!H", f[l3 + 2:l3 + 4])[0]
        psn = int.from_bytes(f[l4 + 17:l4 + 20], "big") + int(args[0])
        f[l4 + 17:l4 + 20] = (psn % (1 << 24)).to_bytes(3, "big")
        f[end - 4:end] = rc.icrc(bytes(f[l3:end - 4]), l4 - l3).to_bytes(4, "little")
        rec[16:] = f
        again += rec
open(dst, "wb").write(out + again)
EOF
}

# 1. A good capture passes, with what the conversation contains.
"$wire" --pcap "$dir/good.pcap" >"$dir/good.opcodes"
ok $? "test-wire writes a capture"
frames=$(wc -l <"$dir/good.opcodes")
"$check" "$dir/good.pcap" >"$dir/good.out" 2>&1
rc=$?
grep -q "^OK: $frames RoCEv2 packets" "$dir/good.out" && [ $rc -eq 0 ]
ok $? "roce-check passes the capture ($frames RoCEv2 packets)" || show "$dir/good.out"
grep -q "38 frames, $frames RoCEv2 packets, 1 other" "$dir/good.out"
ok $? "roce-check tells RoCEv2 from other UDP" || show "$dir/good.out"
grep -q "QP 0x000022: .*path MTU 1024, .*2 retransmitted (frames 22 23)" "$dir/good.out"
ok $? "go-back-N retransmissions are reported, not errors" || show "$dir/good.out"
grep -q "QP 0x000033: .*PSN 0xfffffe..0x000001" "$dir/good.out"
ok $? "PSNs across the 2^24 wrap are in order" || show "$dir/good.out"
grep -q "QP 0x000044 from QP 0x000055: 2 packets" "$dir/good.out"
ok $? "UD flows are told apart by source QP" || show "$dir/good.out"
"$check" --quiet "$dir/good.pcap" >"$dir/quiet.out" 2>&1 &&
    [ "$(cat "$dir/quiet.out")" = "OK: $frames RoCEv2 packets" ]
ok $? "--quiet prints only the result" || show "$dir/quiet.out"

# 2. Damage is found: one byte of payload, a missing packet.
edit_pcap "$dir/good.pcap" "$dir/flip.pcap" flip 2 100
"$check" "$dir/flip.pcap" >"$dir/flip.out" 2>&1
rc=$?
grep -q "frame 2: bad ICRC" "$dir/flip.out" && [ $rc -eq 1 ]
ok $? "a flipped payload byte fails with a bad ICRC" || show "$dir/flip.out"
edit_pcap "$dir/good.pcap" "$dir/drop.pcap" drop 2
"$check" "$dir/drop.pcap" >"$dir/drop.out" 2>&1
rc=$?
grep -q "frame 2: PSN 0x000102 skips ahead, expected 0x000101" "$dir/drop.out" &&
    [ $rc -eq 1 ]
ok $? "a missing packet fails as a PSN skipping ahead" || show "$dir/drop.out"
edit_pcap "$dir/good.pcap" "$dir/ipsum.pcap" flip 1 24
"$check" "$dir/ipsum.pcap" >"$dir/ipsum.out" 2>&1
rc=$?
grep -q "frame 1: bad IPv4 header checksum" "$dir/ipsum.out" &&
    ! grep -q "frame 1: bad ICRC" "$dir/ipsum.out" && [ $rc -eq 1 ]
ok $? "a damaged IPv4 checksum fails, outside the ICRC" || show "$dir/ipsum.out"

edit_pcap "$dir/good.pcap" "$dir/again.pcap" again $((0x400000))
"$check" "$dir/again.pcap" >"$dir/again.out" 2>&1
rc=$?
grep -q "QP 0x000022: .*1 new connection(s) on the QP number" "$dir/again.out" &&
    grep -q "^OK: $((frames * 2)) RoCEv2 packets" "$dir/again.out" && [ $rc -eq 0 ]
ok $? "QP numbers used again by new connections are not PSN errors" || show "$dir/again.out"

# 3. The public test vector.
"$wire" --pcap-vector "$dir/vector.pcap" >"$dir/vector.opcodes"
"$check" "$dir/vector.pcap" >"$dir/vector.out" 2>&1
rc=$?
grep -q "0x24 UC_SEND_ONLY" "$dir/vector.out" &&
    grep -q "^OK: 1 RoCEv2 packets" "$dir/vector.out" && [ $rc -eq 0 ]
ok $? "roce-check passes the scapy test vector" || show "$dir/vector.out"

# 4. CNPs and ECN: the capture of CE-marked WRITEs and the CNPs they caused.
"$build/tests/unit/test-cc" --pcap-cnp "$dir/cnp.pcap" >"$dir/cnp.log" 2>&1
ok $? "test-cc writes a capture with CNPs" || show "$dir/cnp.log"
"$check" "$dir/cnp.pcap" >"$dir/cnp.out" 2>&1
rc=$?
grep -q "3  0x81 CNP" "$dir/cnp.out" &&
    grep -q "10.0.0.2 -> 10.0.0.1 for QP 0x000002: 3" "$dir/cnp.out" &&
    grep -q "^OK: " "$dir/cnp.out" && [ $rc -eq 0 ]
ok $? "roce-check passes CNPs (opcode 0x81) and names their QP" || show "$dir/cnp.out"
cnp=$(edit_pcap "$dir/cnp.pcap" /dev/null opcode 0x81)
edit_pcap "$dir/cnp.pcap" "$dir/becn.pcap" flip "$cnp" 46
"$check" "$dir/becn.pcap" >"$dir/becn.out" 2>&1
rc=$?
grep -q "frame $cnp: CNP without BECN" "$dir/becn.out" && [ $rc -eq 1 ]
ok $? "a CNP without BECN fails (BECN is outside the ICRC)" || show "$dir/becn.out"
edit_pcap "$dir/cnp.pcap" "$dir/resv.pcap" flip "$cnp" 60
"$check" "$dir/resv.pcap" >"$dir/resv.out" 2>&1
[ $? -eq 1 ] && grep -q "frame $cnp: bad ICRC" "$dir/resv.out"
ok $? "a CNP with damaged reserved bytes fails" || show "$dir/resv.out"
edit_pcap "$dir/good.pcap" "$dir/notect.pcap" ecn 0 0
edit_pcap "$dir/notect.pcap" "$dir/ce.pcap" ecn 2 3
"$check" "$dir/notect.pcap" >"$dir/notect.out" 2>&1 &&
    grep -q "ECN Not-ECT" "$dir/notect.out"
ok $? "a capture without ECN passes" || show "$dir/notect.out"
"$check" "$dir/ce.pcap" >"$dir/ce.out" 2>&1
rc=$?
grep -q "frame 2: CE mark on a flow that is not ECN-capable" "$dir/ce.out" && [ $rc -eq 1 ]
ok $? "a CE mark on a flow that is not ECN-capable fails" || show "$dir/ce.out"
edit_pcap "$dir/good.pcap" "$dir/ect.pcap" ecn 2 3
"$check" "$dir/ect.pcap" >"$dir/ect.out" 2>&1 && grep -q "CE 1" "$dir/ect.out"
ok $? "a CE mark on an ECN-capable flow passes and is counted" || show "$dir/ect.out"

# The public CNP example (RoCEv2 annex A17.9.3 format, as a ConnectX
# sends it: NVIDIA's "RoCEv2 CNP Packet Format Example") passes as it is.
"$py" - "$dir/cnp-vector.pcap" <<'EOF'
import struct, sys
ip = bytes.fromhex("4589003c98c640002011692716161608161616"
                   "07dbae12b7002800008100ffff400000d2000000"
                   "0000000000000000000000000000000000dafc1bef")
frame = bytes.fromhex("020000000007020000000008") + b"\x08\x00" + ip
hdr = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
rec = struct.pack("<IIII", 0, 0, len(frame), len(frame))
open(sys.argv[1], "wb").write(hdr + rec + frame)
EOF
"$check" "$dir/cnp-vector.pcap" >"$dir/cnp-vector.out" 2>&1
rc=$?
grep -q "1  0x81 CNP" "$dir/cnp-vector.out" &&
    grep -q "for QP 0x0000d2: 1 (its traffic is not in the capture)" "$dir/cnp-vector.out" &&
    [ $rc -eq 0 ]
ok $? "roce-check passes the public CNP example" || show "$dir/cnp-vector.out"

# 5. No RoCE at all.
edit_pcap "$dir/good.pcap" "$dir/empty.pcap" header
"$check" "$dir/empty.pcap" >"$dir/empty.out" 2>&1
[ $? -eq 1 ] && grep -q "no RoCEv2 packets" "$dir/empty.out"
ok $? "a capture without RoCE fails" || show "$dir/empty.out"
"$check" --allow-empty "$dir/empty.pcap" >"$dir/empty.out" 2>&1
ok $? "... unless --allow-empty" || show "$dir/empty.out"
"$check" "$dir/nonexistent.pcap" >"$dir/missing.out" 2>&1
[ $? -eq 2 ]
ok $? "an unreadable file exits with 2" || show "$dir/missing.out"

# 6. tshark dissects the same opcodes (RoCEv2 is its "infiniband" over UDP
#    4791; it does not check the ICRC), and its pcapng reads the same.
if command -v tshark >/dev/null && command -v editcap >/dev/null; then
    for c in good vector; do
        tshark -r "$dir/$c.pcap" -d udp.port==4791,infiniband -T fields \
            -e frame.number -e infiniband.bth.opcode 2>"$dir/tshark.err" |
            awk 'NF == 2 { print $1, $2 }' >"$dir/$c.tshark"
        cmp -s "$dir/$c.tshark" "$dir/$c.opcodes"
        ok $? "tshark dissects the $c capture with the same opcodes" ||
            { diff "$dir/$c.opcodes" "$dir/$c.tshark" | show /dev/stdin; show "$dir/tshark.err"; }
    done
    editcap -F pcapng "$dir/good.pcap" "$dir/good.pcapng" >"$dir/editcap.out" 2>&1
    "$check" --quiet "$dir/good.pcapng" >"$dir/pcapng.out" 2>&1 &&
        [ "$(cat "$dir/pcapng.out")" = "OK: $frames RoCEv2 packets" ]
    ok $? "roce-check reads pcapng" || show "$dir/pcapng.out"
else
    # Not a skip: the check would pass without checking anything.
    ok 1 "tshark is installed (./scripts/setup installs it)"
fi

echo "1..$n"
exit $failed
