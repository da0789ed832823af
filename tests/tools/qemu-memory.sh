#!/usr/bin/env bash
# Tools test: the QEMU resident memory bench (scripts/bench.d/
# rdma-offload-memory, run by scripts/bench with 1,024 and 65,536 QPs) at a
# small size, so that it keeps working: with max-qp 64, 62 QPs are created,
# connected in pairs through the adapter's loopback and each completes one
# RDMA WRITE, in functional and in timing mode; every RSS reading is there
# and the report script turns them into its table. Prints TAP.
source "$(dirname "$0")/../../scripts/lib.sh"
set +e

qemu=${RDO_QEMU_BUILD:-$QEMU_BUILD}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
source "$(dirname "$0")/tap.sh"

QTEST_QEMU_BINARY=$qemu/qemu-system-x86_64 timeout 300 \
    "$qemu/tests/qtest/rdma-offload-memory" 64 > "$dir/out" 2> "$dir/err"
ok $? "rdma-offload-memory 64 exits 0 (every WRITE completed)" || show "$dir/err"
fields() {   # timing: the row's qps, writes_ok and whether every RSS is positive
    /usr/bin/python3 - "$dir/out" "$1" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    if not line.startswith("{"):
        continue        # libqtest's own lines
    r = json.loads(line)
    if r["timing"] == (sys.argv[2] == "on"):
        rss = all(r[k] > 0 for k in ("rss_kb_none", "rss_kb_adapter", "rss_kb_ready", "rss_kb_qps"))
        print(r["max_qp"], r["qps"], r["writes_ok"], rss)
PY
}
for t in off on; do
    got=$(fields $t)
    [ "$got" = "64 62 62 True" ]
    ok $? "timing $t: 62 QPs, 62 WRITEs completed well, four RSS readings" ||
        echo "#   got '$got'"
done
/usr/bin/python3 "$TOP/scripts/bench-memory-report" "$dir/out" --out "$dir/report" > "$dir/table"
ok $? "the report prints its table" || show "$dir/table"
grep -q 'per QP' "$dir/table" && [ "$(grep -c '^ *64 ' "$dir/table")" = 2 ] &&
    [ -s "$dir/report/qemu-memory.json" ]
ok $? "with a row per mode and qemu-memory.json" || show "$dir/table"

echo "1..$n"
exit $failed
