#!/usr/bin/env bash
# Tools test: scripts/bench-guest's report over rounds (--report-only on
# logs written here in perftest's format, as verbs-pair.sh tags them): each
# config's row is the median of its rounds, "adapter is" the ratio of the
# medians (not of the means, not of one round), the range of the rounds'
# own ratios follows, a retried run counts by its last attempt, and a row
# missing from a round makes the exit status 1 and is named.
# Prints TAP.
source "$(dirname "$0")/../../scripts/lib.sh"
set +e

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
source "$(dirname "$0")/tap.sh"

# bw FILE TAG AVG: a bandwidth row (peak AVG+1) into FILE.
bw() {
    printf 'B: [%s]  #bytes     #iterations    BW peak[MB/sec]    BW average[MB/sec]   MsgRate[Mpps]\n' "$2" >>"$1"
    printf 'B: [%s]  %s       2000             %s             %s \t\t   0.025797\n' \
        "$2" "${2#*.}" "$(($3 + 1)).00" "$3.00" >>"$1"
}
# lat FILE TAG TYPICAL: a latency row (min 40, average TYPICAL+5) into FILE.
lat() {
    printf 'B: [%s]  #bytes #iterations    t_min[usec]    t_max[usec]  t_typical[usec]    t_avg[usec]    t_stdev[usec]   99%% percentile[usec]   99.9%% percentile[usec] \n' "$2" >>"$1"
    printf 'B: [%s]  %s      500          40.00          4805.70      %s    \t       %s      \t434.33 \t\t2502.94 \t\t4805.70\n' \
        "$2" "${2#*.}" "$3.00" "$(($3 + 5)).00" >>"$1"
}
# round R ADAPTER_BW RXE_BW ADAPTER_LAT NOPUSH_LAT RXE_LAT: round R's logs.
round() {
    bw "$dir/adapter.$1.log" ib_write_bw.4096 "$2"
    lat "$dir/adapter.$1.log" ib_send_lat.64 "$4"
    lat "$dir/adapter-nopush.$1.log" ib_send_lat.64 "$5"
    bw "$dir/rxe.$1.log" ib_write_bw.4096 "$3"
    lat "$dir/rxe.$1.log" ib_send_lat.64 "$6"
}
report() {
    "$TOP/scripts/bench-guest" --only perftest --out "$dir" --report-only >"$dir/out" 2>&1
    rc=$?
}
# field PYTHON-EXPR: a value of the JSON (j is the document, row(test) a row).
field() {
    python3 -c "import json, sys
j = json.load(open('$dir/guest-bench.json'))
row = lambda t: next(r for r in j['results'] if r['test'] == t)
print($1)"
}

# Three rounds: the adapter's medians are 200 MB/s and 70 us, soft-RoCE's
# 20 MB/s and 420 us: 10.0x and 6.0x; the means would give 8.6x and 7.0x
# (bandwidth 200/23.3; latency 490/70), round 1 alone 5.0x and 5.8x.
round 1 100 20 60 65 350
round 2 300 10 80 75 700
round 3 200 40 70 70 420
report
ok "$rc" "three complete rounds: exit status 0" || show "$dir/out"
grep -qE '^ib_write_bw +4096 +200\.0 +- +20\.0 +10\.0x +MB/s +5\.0x-30\.0x$' "$dir/out"
ok $? "bandwidth: the medians, their ratio and the rounds' range (5.0x-30.0x)" || show "$dir/out"
grep -qE '^ib_send_lat +64 +70\.0 +70\.0 +420\.0 +6\.0x +us +5\.8x-8\.8x$' "$dir/out"
ok $? "latency: rxe/adapter of the medians, the push-off median beside it" || show "$dir/out"
[ "$(field "row('ib_write_bw')['adapter']['bw_avg_MBps'], row('ib_write_bw')['adapter_advantage'], j['rounds']")" = "200.0 10.0 3" ]
ok $? "the JSON has the medians, the ratio and the round count" || cat "$dir/guest-bench.json"
[ "$(field "row('ib_send_lat')['advantage_per_round'], [r['lat_typical_us'] for r in row('ib_send_lat')['rounds']['rxe']]")" \
    = "[5.83, 8.75, 6.0] [350.0, 700.0, 420.0]" ]
ok $? "the JSON keeps every round's figures and ratios" || cat "$dir/guest-bench.json"

# A pair verbs-pair.sh ran again prints the row twice: the last attempt counts.
bw "$dir/adapter.3.log" ib_write_bw.4096 500
report
grep -qE '^ib_write_bw +4096 +300\.0 ' "$dir/out"
ok $? "a retried run counts by its last attempt (median of 100, 300, 500)" || show "$dir/out"

# Round 2 of soft-RoCE lost its latency row (perftest failed three times).
: >"$dir/rxe.2.log"
bw "$dir/rxe.2.log" ib_write_bw.4096 10
report
[ "$rc" = 1 ] && grep -q '^missing: ib_send_lat.64 (rxe: 2 of 3 rounds)$' "$dir/out"
ok $? "a row missing from a round: exit status 1, and named" || show "$dir/out"
grep -qE '^ib_send_lat +64 +70\.0 +70\.0 +385\.0 +5\.5x ' "$dir/out"
ok $? "the rounds that have the row still give its median (350, 420)" || show "$dir/out"

# One round (--rounds 1, or --quick): no range column.
rm -f "$dir"/*.[23].log
report
ok "$rc" "one round: exit status 0" || show "$dir/out"
grep -qE '^ib_write_bw +4096 +100\.0 +- +20\.0 +5\.0x +MB/s$' "$dir/out"
ok $? "one round: its figures, no range" || show "$dir/out"

echo "1..$n"
exit "$failed"
