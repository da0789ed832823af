#!/usr/bin/env bash
# Guest test: ./scripts/demo, stock ibverbs tools and perftest between two
# adapter guests through libibverbs and the rdma_offload provider (user
# rings, the process's doorbell page, pushed WQEs, CQs polled in user
# space). Every run succeeds with a result; both adapters took pushed WQEs
# and doorbells on the processes' pages and refused none, with no driver
# mistakes; the port's hw_counters (rdma statistic) moved with the traffic,
# as the device's own counters say.
set -uo pipefail
# shellcheck source=tests/guest/verbs-lib.sh
source "$(dirname "$0")/verbs-lib.sh"

demo_run --peer adapter
check "the demo exits 0" eq "$run_rc" 0
for tag in rc rc_wr ud srq write_bw read_lat send_bw send_lat; do
    check "${RUN_DESC[$tag]}: ok, with a result" summary_ok "$tag.1"
done
for g in A B; do
    check "adapter $g took pushed WQEs" positive "$(f $g.cnt.push_wqes)"
    check "adapter $g: no doorbell refused, no driver mistake" \
        eq "$(f $g.cnt.db_errors) $(f $g.cnt.err_count)" "0 0"
    check "adapter $g: hw_counters sent_pkts/rcvd_pkts are the device's packets" \
        eq "$(f $g.hw.sent_pkts) $(f $g.hw.rcvd_pkts)" \
        "$(f $g.cnt.tx_packets) $(f $g.cnt.rx_packets)"
    check "adapter $g: hw_counters moved" positive "$(f $g.hw.sent_pkts)"
    check "adapter $g: hw_counters has the error counters" \
        matches "$(f $g.hw.local_ack_timeout_err) $(f $g.hw.rcvd_rnr_err)" \
        '^[0-9]+ [0-9]+$'
done
printf '%s\n' "$summary" | sed 's/^/# /'
tap_end
