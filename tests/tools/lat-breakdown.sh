#!/usr/bin/env bash
# Tools test: scripts/lat-breakdown.d/analyse.py, the hop arithmetic of
# scripts/lat-breakdown, on two made-up QEMU traces of a ping-pong whose
# hops are known: trips pushed through push RAM (the trigger alone), pushed
# through the MMIO push area (3 WQE words and the trigger) and fetched
# ones (an SQ doorbell), ACKs in between, the device's work in a main-loop
# thread and the guest's doorbells in a vCPU thread, both QEMUs' lines in
# one host clock. Checked: every hop's median, the one-way sum, perftest's
# figures taken from its output, and traces without trips refused.
# Prints TAP.
source "$(dirname "$0")/../../scripts/lib.sh"
set +e
source "$(dirname "$0")/tap.sh"

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
tool=$TOP/scripts/lat-breakdown.d/analyse.py

/usr/bin/python3 - "$dir" <<'PYEOF'
import sys
d = sys.argv[1]
out = {0: open(d + "/a.log", "w"), 1: open(d + "/b.log", "w")}
VCPU, MAIN = {0: 101, 1: 201}, {0: 100, 1: 200}
def ev(side, t, tid, what):
    # 1,796,000,000 s: a wall-clock second with a carry in the microseconds.
    out[side].write("%d@%d.%06d:rdma_offload_%s\n" % (tid, 1796000000 + t // 1000000, t % 1000000, what))
t = 999000
side = 0
for i in range(60):
    mode = ("ram", "mmio", "fetch")[i // 20]
    o = 1 - side
    # The sender's post: the RAM trigger, 3 words and the MMIO trigger 1 us
    # apart, or a doorbell.
    if mode == "mmio":
        for w in range(3):
            ev(side, t + w, VCPU[side], "db_write addr 0x%x size 8 val 0x0" % (0x1808 + 8 * w))
        t += 3                                                 # mmio 3
        ev(side, t, VCPU[side], "db_write addr 0x1800 size 8 val 0x%x03000002" % i)
    elif mode == "ram":
        ev(side, t, VCPU[side], "db_write addr 0x1038 size 8 val 0x%x0a000002" % i)
    else:
        ev(side, t, VCPU[side], "db_write addr 0x1000 size 8 val 0x%x00000002" % i)
    ev(side, t + 10, MAIN[side], "wakeup now 5 ns")            # hand-off 10
    ev(side, t + 11, MAIN[side], "dma_read addr 0x1000 len 64 result 0")
    ev(side, t + 15, MAIN[side], "tx_frame len 122")           # dev tx 15
    ev(o, t + 45, MAIN[o], "rx_frame len 122")                 # netdev 30
    ev(o, t + 47, MAIN[o], "dma_write addr 0x2000 len 64 result 0")
    ev(o, t + 50, MAIN[o], "dma_write addr 0x3000 len 32 result 0")  # dev rx 5
    ev(o, t + 51, MAIN[o], "tx_frame len 62")                  # its ACK
    ev(side, t + 60, MAIN[side], "rx_frame len 62")
    ev(side, t + 61, MAIN[side], "dma_write addr 0x4000 len 32 result 0")
    ev(o, t + 62, VCPU[o], "db_write addr 0x1010 size 8 val 0x0")   # seen 12
    t += {"ram": 65, "mmio": 70, "fetch": 75}[mode]            # guest 15 / 20 / 25
    side = o
PYEOF
cat > "$dir/run.log" <<'EOF'
B: [ram1]  #bytes #iterations    t_min[usec]    t_max[usec]  t_typical[usec]    t_avg[usec]
B: [ram1]  64       300          30.10          900.00       41.00              45.00
B: [ram2]  64       300          30.10          900.00       43.00              45.00
B: [mmio1]  64       300          30.10          900.00       44.00              45.00
B: [fetch1]  64       300          30.10          900.00       38.50              45.00
EOF

/usr/bin/python3 "$tool" --perftest "$dir/run.log" "$dir/a.log" "$dir/b.log" > "$dir/out" 2>&1
ok $? "the analyser reads the traces" || show "$dir/out"
# row LABEL: the push RAM, MMIO push and fetch medians of that row.
row() { grep -F "$1" "$dir/out" | head -n1 | awk '{ print $(NF-5), $(NF-3), $(NF-1) }'; }
check_row() {
    local got
    got=$(row "$1")
    [ "$got" = "$2" ]
    ok $? "$1: $2 (got '$got')"
}
check_row "mmio (push words" "0.0 3.0 0.0"
check_row "dev tx (doorbell" "15.0 15.0 15.0"
check_row "hand-off to the main loop" "10.0 10.0 10.0"
check_row "netdev + host" "30.0 30.0 30.0"
check_row "dev rx (frame to CQE)" "5.0 5.0 5.0"
check_row "guest (CQE to next post)" "15.0 20.0 25.0"
check_row "poll sees the CQE" "12.0 12.0 12.0"
check_row "one-way sum" "65.0 73.0 75.0"
got=$(grep -F "perftest t_typical" "$dir/out" | awk '{ print $(NF-2), $(NF-1), $NF }')
[ "$got" = "42.00 44.00 38.50" ]
ok $? "perftest's typical latency, the median over the rounds (got '$got')"
grep -q "^ram: 19 trips; MMIO writes a post 1;" "$dir/out" &&
    grep -q "^mmio: 19 trips; MMIO writes a post 4;" "$dir/out" &&
    grep -q "^fetch: 19 trips; MMIO writes a post 1;.*sent in the vCPU thread 0%" "$dir/out"
ok $? "trips of each mode counted, the posts' MMIO writes and the thread" || show "$dir/out"

: > "$dir/empty.log"
/usr/bin/python3 "$tool" "$dir/empty.log" "$dir/b.log" > "$dir/out2" 2>&1
[ $? = 1 ] && grep -q "no trips" "$dir/out2"
ok $? "traces without trips are refused" || show "$dir/out2"
echo "1..$n"
exit $failed
