#!/usr/bin/env bash
# Guest test: ./scripts/demo --peer rxe, the same stock tools between an
# adapter guest and a soft-RoCE (rdma_rxe on virtio-net) guest, each side
# the server once and the client once. Every run succeeds; the capture of
# the adapter's port passes ./scripts/roce-check and has RoCEv2 requests in
# both directions.
set -uo pipefail
# shellcheck source=tests/guest/verbs-lib.sh
source "$(dirname "$0")/verbs-lib.sh"

pcap=$(mktemp --suffix=.pcap)
trap 'rm -f "$errfile" "$pcap"' EXIT
demo_run --peer rxe --pcap "$pcap"
check "the demo exits 0 (its roce-check included)" eq "$run_rc" 0
for round in 1 2; do
    who=$([ $round = 1 ] && echo "rxe client" || echo "adapter client")
    for tag in rc rc_wr ud srq write_bw read_lat send_bw send_lat; do
        check "${RUN_DESC[$tag]}, $who: ok, with a result" summary_ok "$tag.$round"
    done
done
check "the capture passes roce-check" "$TOP/scripts/roce-check" --quiet "$pcap"
# requests_from IP: RoCEv2 requests the capture has from IP.
requests_from() {
    "$TOP/scripts/roce-check" "$pcap" |
        awk -v ip="$1" '$1 == ip && $2 == "->" { for (i = 1; i < NF; i++) if ($(i + 1) ~ /^requests/) s += $i } END { print s + 0 }'
}
check "requests from the adapter (10.0.0.1) in the capture" positive "$(requests_from 10.0.0.1)"
check "requests from rxe (10.0.0.2) in the capture" positive "$(requests_from 10.0.0.2)"
check "adapter A: no doorbell refused, no driver mistake" \
    eq "$(f A.cnt.db_errors) $(f A.cnt.err_count)" "0 0"
printf '%s\n' "$summary" | sed 's/^/# /'
tap_end
