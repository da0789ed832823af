#!/usr/bin/env bash
# shellcheck disable=SC2317 # check functions are called through check()
# Guest test: wire interop with Linux soft-RoCE. Guest A has the adapter,
# guest B virtio-net with rdma_rxe (run-guest --peer rxe); the same
# kernel-verbs test (tests/guest/peer-test) runs on rdo0 and on rxe0. Each
# side is client once and server once, at path MTU 1024 and 4096: RC SEND,
# RDMA WRITE, WRITE_WITH_IMM and RDMA READ of 1 MiB, compare-and-swap and
# fetch-and-add, a WRITE and a READ through the peer's fast-registered
# (FRWR) MR of scattered pages, an inline
# SEND_WITH_IMM, a UD SEND_WITH_IMM (GRH, source QP), data checked by both;
# a send PSN that wraps on each side; a bad rkey each way (the adapter's NAK
# understood by rxe and rxe's by the adapter). rxe counts no retries
# exhausted and no send errors. Throughout, the adapter's two protocol
# engines fault now and then (failover=1, engines=2, seeded engine faults):
# each fault is recovered from the hard state in guest memory, and every
# check above holds through them (issue 15).
set -uo pipefail
# shellcheck source=tests/guest/peer-lib.sh
source "$(dirname "$0")/peer-lib.sh"
SIZE=1048576

read -r -d '' A_BODY <<'EOF'
round r1 rdo0 client size=$size psn=0xfffe00
pt r1.bad badrkey
round r2 rdo0 server size=$size
pt r2.bad expect_error
ip link set eth0 mtu 9000
round r3 rdo0 client size=$size
round r4 rdo0 server size=$size
counters end
health
EOF

read -r -d '' B_BODY <<'EOF'
round r1 rxe0 server size=$size
pt r1.bad expect_error
round r2 rxe0 client size=$size psn=0xffff80
pt r2.bad badrkey
ip link set eth0 mtu 9000
round r3 rxe0 server size=$size
round r4 rxe0 client size=$size
for c in /sys/class/infiniband/rxe0/ports/1/hw_counters/*; do
    echo "rxe.${c##*/}=$(cat $c)"
done
health
EOF

guest_run --peer rxe --timeout 300 \
    --device-args ',failover=1,engines=2,fault-engine-ppm=1000,fault-seed=27' \
    --cmd "$(peer_script A B "size=$SIZE"$'\n'"$A_BODY")" \
    --peer-cmd "$(peer_script B A "size=$SIZE"$'\n'"$B_BODY")"

# Retransmissions depend on timing (a starved QEMU answers late), so only
# failures are asserted; the retry and sequence counters are reported.
rxe_clean() {
    local c
    for c in retry_exceeded_err retry_rnr_exceeded_err send_err; do
        eq "$(f "B.rxe.$c")" 0 || { echo "#   rxe counter $c"; return 1; }
    done
}
both_passed() { passed "A.$1" && passed "B.$1"; }
paths() { eq "$(f "A.$1.connect.path_mtu") $(f "B.$1.connect.path_mtu")" "$2 $2"; }

check "both guests ran the test to the end (run-guest exit $run_rc)" both_ran
check "the test runs on rdo0 in A and rxe0 in B" \
    eq "$(f A.r1.setup.device) $(f B.r1.setup.device)" "rdo0 rxe0"
check "ib_core resolved each peer's MAC from its GID" \
    eq "$(f A.r1.connect.dmac) $(f B.r1.connect.dmac)" "52:54:00:0a:00:02 52:54:00:0a:00:01"
check "path MTU 1024 at Ethernet MTU 1500 on both" paths r1 1024
check "adapter -> rxe: the adapter's operations complete, READ data right" passed A.r1.run
check "adapter -> rxe: rxe received the SEND, the WRITE and 'done' intact" passed B.r1.run
check "adapter -> rxe: rxe's verdict reached the adapter" eq "$(f A.r1.run.peer_verdict)" 15
check "UD adapter -> rxe: rxe sees the adapter's IPv4 header and UD QP" \
    eq "$(f B.r1.run.check.ud_grh_ipv4) $(f B.r1.run.check.ud_recv_fields)" "ok ok"
check "UD rxe -> adapter: the adapter's GRH holds rxe's IPv4 header" \
    eq "$(f A.r2.run.check.ud_grh_ipv4) $(f A.r2.run.check.ud_recv_fields)" "ok ok"
check "atomics adapter -> rxe: CMP_SWP and FETCH_ADD return the old values, the sum reads back" \
    eq "$(f A.r1.run.check.atomic_values)" ok
check "atomics rxe -> adapter: the adapter executes them as rxe expects" \
    eq "$(f B.r2.run.check.atomic_values)" ok
check "fast registration: REG_MR completes on the adapter and on rxe" frwr_registered r1
check "FRWR adapter -> rxe: WRITE and READ through rxe's fast-registered rkey, data right" \
    frwr_client A r1
check "FRWR adapter -> rxe: the data landed in rxe's scattered pages, nothing beside them" \
    frwr_owner B r1
check "FRWR rxe -> adapter: WRITE and READ through the adapter's fast-registered rkey, data right" \
    frwr_client B r2
check "FRWR rxe -> adapter: the data landed in the adapter's scattered pages, nothing beside them" \
    frwr_owner A r2
check "bad rkey from the adapter: rxe NAKs, REM_ACCESS_ERR, flushes" passed A.r1.bad
check "bad rkey from the adapter: rxe's QP in ERR, receives flushed" passed B.r1.bad
check "rxe -> adapter: rxe's operations complete, READ data right" passed B.r2.run
check "rxe -> adapter: the adapter received everything intact" passed A.r2.run
check "bad rkey from rxe: the adapter NAKs, rxe sees REM_ACCESS_ERR" passed B.r2.bad
check "bad rkey from rxe: the adapter's QP in ERR, receives flushed" passed A.r2.bad
check "path MTU 4096 at Ethernet MTU 9000 on both" paths r3 4096
check "MTU 4096, adapter -> rxe: both sides' checks pass" both_passed r3.run
check "MTU 4096, rxe -> adapter: both sides' checks pass" both_passed r4.run
check "the adapter counted no ICRC errors and built every packet" \
    eq "$(f A.end.cnt.rx_icrc_errors) $(f A.end.cnt.tx_errors)" "0 0"
check "the adapter received rxe's packets" positive "$(f A.end.cnt.rx_packets)"
check "rxe counted no retries exhausted and no send errors" rxe_clean
fo_recovered() {
    positive "$(f A.end.cnt.fo_recoveries)" && eq "$(f A.end.cnt.fo_fatal)" 0
}
check "the adapter's engines faulted mid-traffic and each fault was recovered" fo_recovered
# debugfs (ENG_*): two engines, their faults adding up to the recoveries.
engines_shown() {
    local faults=0 e
    eq "$(f A.end.engines)" 2 || return 1
    for e in 0 1; do
        # shellcheck disable=SC2046 # "qps Q faults F drops D" split in words
        set -- $(f "A.end.engine$e")
        [ "$1 $3 $5" = "qps faults drops" ] || { echo "#   engine$e: $*"; return 1; }
        faults=$((faults + $4))
    done
    eq "$faults" "$(f A.end.cnt.fo_recoveries)"
}
check "debugfs shows both engines, their faults adding up to the recoveries" engines_shown
check "guest A: no kernel warnings, driver errors or CQ errors" healthy A
check "guest B: no kernel warnings or CQ errors" healthy B
for r in r1 r3; do transfer_figures A $r; done
for r in r2 r4; do transfer_figures B $r; done
echo "# adapter: $(f A.end.cnt.tx_packets) packets sent, $(f A.end.cnt.retransmits) retransmits," \
    "$(f A.end.cnt.dup_requests) duplicates, $(f A.end.cnt.naks_sent) NAKs sent;" \
    "rxe: $(f B.rxe.sent_pkts) sent, $(f B.rxe.rcvd_pkts) received," \
    "$(f B.rxe.duplicate_request) duplicates, $(f B.rxe.completer_retry_err) retries," \
    "$(f B.rxe.rcvd_seq_err) sequence NAKs received, $(f B.rxe.out_of_seq_request) out of sequence"
echo "# adapter engine faults recovered: $(f A.end.cnt.fo_recoveries)," \
    "QPs rebuilt $(f A.end.cnt.fo_qps), frames lost $(f A.end.cnt.fo_drops);" \
    "engine 0: $(f A.end.engine0), engine 1: $(f A.end.engine1)"

tap_end
