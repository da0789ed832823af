#!/usr/bin/env bash
# Tools test: scripts/rdo-timeline on what the adapter itself records. The
# qtest /rdma-offload/net/timing-determinism (timing=on: a 1 MiB WRITE,
# then 16 SENDs) runs with QEMU tracing rdma_offload_stage to a file and
# prints both adapters' wr-lifecycle; the tool turns them into Trace Event
# Format JSON. Checked: one work-request slice per lifecycle record, on its
# QP's tracks, from doorbell to CQE (at clock-mhz 1000, a cycle is 1 ns);
# each stage slice inside its request, the stages in order and adding up
# to it; the 1 MiB WRITE's "link" stage at least its wire time; overlapping
# requests on separate lanes (no two slices of a track overlap); one slice
# per rdma_offload_stage line; bad input refused with a message.
# Prints TAP. Uses the QEMU build of ./scripts/test (RDO_QEMU_BUILD, or
# $CACHE/qemu-build).
source "$(dirname "$0")/../../scripts/lib.sh"
set +e

build=${RDO_QEMU_BUILD:-$CACHE/qemu-build}
tool=$TOP/scripts/rdo-timeline
py=/usr/bin/python3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
source "$(dirname "$0")/tap.sh"

qtest=$build/tests/qtest/rdma-offload-net-test
if [ ! -x "$qtest" ]; then
    echo "Bail out! no $qtest: run ./scripts/test --suite qtest first"
    exit 1
fi
QTEST_QEMU_BINARY=$build/qemu-system-x86_64 \
    QTEST_TRACE="enable=rdma_offload_stage,file=$dir/trace.log" \
    timeout 600 "$qtest" -p /x86_64/rdma-offload/net/timing-determinism --verbose \
    >"$dir/qtest.log" 2>&1
ok $? "the timing qtest runs with the stage trace on" || show "$dir/qtest.log"
sed -n 's/^# A\.wr-lifecycle=//p' "$dir/qtest.log" | head -n 1 > "$dir/a.json"
sed -n 's/^# B\.wr-lifecycle=//p' "$dir/qtest.log" | head -n 1 > "$dir/b.json"

"$tool" --lifecycle "A=$dir/a.json" --lifecycle "B=$dir/b.json" \
    --trace "qemu=$dir/trace.log" -o "$dir/tl.json" 2>"$dir/tool.log"
ok $? "rdo-timeline converts the lifecycle logs and the trace" || show "$dir/tool.log"

$py - "$dir/a.json" "$dir/trace.log" "$dir/tl.json" >"$dir/check.log" 2>&1 <<'PYEOF'
import json, re, sys
life = json.load(open(sys.argv[1]))["records"]
stages = sum(1 for l in open(sys.argv[2]) if "rdma_offload_stage " in l)
tl = json.load(open(sys.argv[3]))
ev = tl["traceEvents"]
procs = {e["pid"]: e["args"]["name"] for e in ev
         if e["ph"] == "M" and e["name"] == "process_name"}
tracks = {(e["pid"], e["tid"]): e["args"]["name"] for e in ev
          if e["ph"] == "M" and e["name"] == "thread_name"}
xs = [e for e in ev if e["ph"] == "X"]
bad = []
def need(cond, what):
    if not cond:
        bad.append(what)
a = [p for p, n in procs.items() if n == "A"]
need(len(a) == 1, "one process A")
a = a[0] if a else None
order = ["fetch", "queue", "context", "build", "link", "ack wait", "complete"]
reqs = [e for e in xs if e["pid"] == a and e["name"] not in order]
need(len(life) == 17, "17 lifecycle records (got %d)" % len(life))
need(len(reqs) == len(life), "%d request slices for %d records" % (len(reqs), len(life)))
for r, e in zip(sorted(life, key=lambda r: r["doorbell"]), sorted(reqs, key=lambda e: e["ts"])):
    need(abs(e["ts"] - r["doorbell"] / 1000.0) < 1e-6 and
         abs(e["ts"] + e["dur"] - r["cqe"] / 1000.0) < 1e-6,
         "request %s spans doorbell..cqe" % r["wr-id"])
    need(tracks[(a, e["tid"])].startswith("QP %d" % r["qpn"]), "request on its QP's track")
    inner = sorted((x for x in xs if x["pid"] == a and x["tid"] == e["tid"] and
                    x["name"] in order and e["ts"] <= x["ts"] <= e["ts"] + e["dur"]),
                   key=lambda x: x["ts"])
    names = [x["name"] for x in inner]
    need(names == sorted(names, key=order.index) and len(names) >= 5,
         "stages of request %s in order: %s" % (r["wr-id"], names))
    need(abs(sum(x["dur"] for x in inner) - e["dur"]) < 1e-6,
         "stages of request %s add up to it" % r["wr-id"])
    if r["bytes"] == 1 << 20:
        link = [x for x in inner if x["name"] == "link"]
        # 1 MiB at 100 Gbit/s: 83,886 ns on the wire at least.
        need(link and link[0]["dur"] >= 83.886, "the 1 MiB WRITE's link stage")
lanes = {}
for e in xs:
    lanes.setdefault((e["pid"], e["tid"]), []).append(e)
for key, l in lanes.items():
    tops = sorted((e for e in l if e["name"] not in order), key=lambda e: e["ts"])
    for x, y in zip(tops, tops[1:]):
        need(x["ts"] + x["dur"] <= y["ts"] + 1e-9,
             "slices of track %s do not overlap" % tracks[key])
q = [p for p, n in procs.items() if n == "qemu"]
need(len(q) == 1 and stages > 0 and
     sum(1 for e in xs if e["pid"] == q[0]) == stages,
     "one slice per rdma_offload_stage line (%d lines)" % stages)
print("requests %d, stage lines %d, tracks %d" % (len(reqs), stages, len(tracks)))
for b in bad[:10]:
    print("bad: " + b)
sys.exit(1 if bad else 0)
PYEOF
ok $? "the timeline: requests, their stages and tracks as recorded" || show "$dir/check.log"
sed 's/^/# /' "$dir/check.log" | head -n 3

# Bad input: refused with a message, nothing written.
echo '{"records": [{"bytes": 1}]}' > "$dir/noqpn.json"
echo 'not json' > "$dir/garbage.json"
echo 'rdma_offload_other x' > "$dir/empty.log"
for bad in "--lifecycle A=$dir/noqpn.json" "--lifecycle A=$dir/garbage.json" \
    "--trace A=$dir/empty.log" "--lifecycle A=$dir/missing.json" "--lifecycle nofile" \
    "--qmp A=$dir/nosock:rdo0" "--qmp A=rdo0"; do
    rm -f "$dir/out.json"
    # shellcheck disable=SC2086 # the options are words
    "$tool" $bad -o "$dir/out.json" >"$dir/bad.log" 2>&1
    rc=$?
    [ "$rc" != 0 ] && [ -s "$dir/bad.log" ] && [ ! -e "$dir/out.json" ]
    ok $? "refused with a message: $bad" || { echo "# exit $rc"; show "$dir/bad.log"; }
done
echo "1..$n"
exit $failed
