#!/usr/bin/env bash
# shellcheck disable=SC2317 # check functions are called through check()
# Guest test of the Ethernet function: two guests with the adapter
# (run-guest --peer adapter). Ping, ARP after the permanent neighbour is
# removed, a 4 MiB TCP transfer A -> B verified by checksum with A's TSO
# and B's LRO counters moving (ethtool -S), LRO switched off and on under
# ethtool -K, RDMA (rdo_peer_test) alongside, 8 MiB from A's ordinary TCP
# socket received in user space on B through a raw packet QP with LRO
# (rdo_tcprx, tests/guest/progs/rdo-tcprx.c: every byte checked, the
# aggregation ratio, flows the driver refuses, a bad lkey's error
# completion), the raw QP's send side (TSO, inline, a bad lkey), raw QPs
# of one port (a multicast frame looped back to the other's flow and to a
# third QP with the same flow, a receive WR of three SGEs, flush
# completions at ERR, a move to ERR while another thread posts sends), and
# rmmod/insmod of the driver three times with a TCP stream running; both
# kernels stay healthy.
set -uo pipefail
# shellcheck source=tests/guest/peer-lib.sh
source "$(dirname "$0")/peer-lib.sh"

read -r -d '' ETH_FUNCS <<'EOF'
# stats KEY: ethtool -S of eth0 as KEY.name=value
stats() { ethtool -S eth0 | sed -n "s/^ *\([a-z_]*\): \([0-9]*\)$/$1.\1=\2/p"; }
EOF

read -r -d '' A_BODY <<'EOF'
peer get B.up > /dev/null       # B may boot later than A
ping -c 3 -W 5 10.0.0.2 > /tmp/ping 2>&1
echo "ping.received=$(sed -n 's/.* \([0-9]*\) packets received.*/\1/p' /tmp/ping)"
arp -i eth0 -d 10.0.0.2
ping -c 2 -W 5 10.0.0.2 > /dev/null 2>&1; echo "arp.ping_rc=$?"
echo "arp.state=$(ip neigh show 10.0.0.2 dev eth0 | awk '{print $NF}')"
echo "features=$(ethtool -k eth0 | grep -cE '^(tcp-segmentation-offload|large-receive-offload|tx-checksumming|rx-checksumming): on')"
head -c 4194304 /dev/urandom > /tmp/f
echo "send.md5=$(md5sum < /tmp/f | cut -d' ' -f1)"
stats before
peer get B.listening > /dev/null
nc 10.0.0.2 5001 < /tmp/f; echo "send.rc=$?"
peer put A.sent 1
stats after
round r1 rdo0 client size=262144
peer get B.r1.done > /dev/null
peer get B.tcprx.ready > /dev/null
rdo-tcprx send 10.0.0.2 5003 8388608 | sed 's/^/tcprx./'
peer get B.tcprx.done > /dev/null
ko=/lib/modules/$(uname -r)/$(grep 'rdma_offload.ko$' /etc/rdo-modules)
i=0
while [ $i -lt 3 ]; do
    nc 10.0.0.2 5002 < /dev/zero > /dev/null 2>&1 &
    sleep 2
    rmmod rdma_offload || break
    kill $! 2>/dev/null; wait $! 2>/dev/null
    insmod "$ko" || break
    sh /peer-net.sh > /dev/null || break
    i=$((i + 1))
done
echo "reload.ok=$i"
ping -c 2 -W 5 10.0.0.2 > /dev/null 2>&1; echo "reload.ping_rc=$?"
peer put A.done 1
health
EOF

read -r -d '' B_BODY <<'EOF'
peer put B.up 1
# busybox nc quits when either input ends: keep its stdin open, and wait
# for the whole file (A's nc returns once the data is in its socket).
sleep 600 | nc -l -p 5001 > /tmp/r &
sleep 1
peer put B.listening 1
peer get A.sent > /dev/null
i=0
while [ $i -lt 120 ] && [ "$(wc -c < /tmp/r)" -lt 4194304 ]; do sleep 1; i=$((i + 1)); done
echo "recv.md5=$(md5sum < /tmp/r | cut -d' ' -f1)"
stats rx
ethtool -K eth0 lro off; echo "lro_off.rc=$?"
echo "lro_off.state=$(ethtool -k eth0 | sed -n 's/^large-receive-offload: \([a-z]*\).*/\1/p')"
ethtool -K eth0 lro on; echo "lro_on.rc=$?"
round r1 rdo0 server size=262144
peer put B.r1.done 1
# rdo_tcprx: A's stream to port 5003 steered to a raw packet QP of B's.
hwc=/sys/class/infiniband/rdo0/ports/1/hw_counters/rx_steered_frames
steered0=$(cat $hwc)
rdo-tcprx recv eth0 5003 8388608 > /tmp/tcprx 2>&1 &
i=0
while [ $i -lt 60 ] && ! grep -q '^ready=1' /tmp/tcprx; do sleep 1; i=$((i + 1)); done
peer put B.tcprx.ready 1
wait $!; echo "tcprx.rc=$?"
sed 's/^/tcprx./' /tmp/tcprx
echo "tcprx.steered=$(( $(cat $hwc) - steered0 ))"
# The provider's send side: TSO, inline and a bad lkey on a raw QP of B's.
tso_segs() { ethtool -S eth0 | sed -n 's/^ *hw_tso_segments: //p'; }
tso0=$(tso_segs)
for api in tso tso-wr; do
    rdo-tcprx $api rdo0 "$(cat /sys/class/net/eth0/address)" 10.0.0.2 \
        "$(awk '$1 == "10.0.0.1" {print $4}' /proc/net/arp)" 10.0.0.1 8192 1448 2>&1 |
        sed "s/^/raw$(echo $api | tr -d -)./"
    echo "raw$(echo $api | tr -d -).hw_tso=$(( $(tso_segs) - tso0 ))"
    tso0=$(tso_segs)
done
# Three raw QPs of B's port: loopback to a flow (and to the same flow of a
# third QP), scattered receives, flushes. The driver sets two Ethernet
# queue pairs aside for raw QPs by default: reload it with three.
ko=/lib/modules/$(uname -r)/$(grep 'rdma_offload.ko$' /etc/rdo-modules)
rmmod rdma_offload && insmod "$ko" raw_queues=3 && sh /peer-net.sh > /dev/null
echo "raw3.rc=$?"
rdo-tcprx local rdo0 2>&1 | sed 's/^/rawlocal./'
# A raw QP to ERR while another thread posts sends: no doorbell may reach a
# queue the move already destroyed.
db_errors() { sed -n 's/^cnt\.db_errors=//p' /sys/kernel/debug/rdma_offload/*/state | head -n1; }
dbe0=$(db_errors)
rdo-tcprx race rdo0 40 2>&1 | sed 's/^/raw/'
echo "rawrace.db_errors=$(( $(db_errors) - dbe0 ))"
peer put B.tcprx.done 1
( while [ ! -e /tmp/stop ]; do nc -l -p 5002 > /dev/null 2>&1; done ) &
peer get A.done > /dev/null
touch /tmp/stop
health
EOF

guest_run --peer adapter --timeout 580 \
    --cmd "$(peer_script A B "$ETH_FUNCS"$'\n'"$A_BODY")" \
    --peer-cmd "$(peer_script B A "$ETH_FUNCS"$'\n'"$B_BODY")"

moved() {   # G KEY: a counter of G grew between "before" and "after"
    local b a
    b=$(f "$1.before.$2") a=$(f "$1.after.$2")
    { [ -n "$b" ] && [ -n "$a" ] && [ "$a" -gt "$b" ]; } ||
        { echo "#   $1 $2: before '$b', after '$a'"; return 1; }
}

check "both guests ran the test to the end (run-guest exit $run_rc)" both_ran
check "ping A -> B over the adapter" eq "$(f A.ping.received)" 3
arp_learned() { { eq "$(f A.arp.ping_rc)" 0 && [ -n "$(f A.arp.state)" ] &&
                   [ "$(f A.arp.state)" != PERMANENT ]; } ||
                 { echo "#   neighbour state '$(f A.arp.state)'"; return 1; }; }
check "ARP resolves B once the permanent neighbour is gone" arp_learned
check "TSO, LRO, TX and RX checksum offload are on" eq "$(f A.features)" 4
check "4 MiB over TCP A -> B arrive intact (md5)" \
    eq "$(f B.recv.md5)" "$(f A.send.md5)"
check "A's nc exited cleanly" eq "$(f A.send.rc)" 0
check "A's device cut TSO segments" moved A hw_tso_segments
check "A's driver handed TSO work requests" moved A tx_tso_packets
check "A's device inserted checksums" moved A hw_tx_csum
check "B's device coalesced segments (LRO)" positive "$(f B.rx.hw_lro_segments)"
check "B's driver received LRO aggregates" positive "$(f B.rx.rx_lro_packets)"
check "B's device verified TCP checksums" positive "$(f B.rx.hw_rx_csum_ok)"
check "no bad checksums and no receive errors on B" \
    eq "$(f B.rx.hw_rx_csum_bad) $(f B.rx.hw_rx_errors) $(f B.rx.rx_errors)" "0 0 0"
check "ethtool -K lro off/on re-creates the receive queue" \
    eq "$(f B.lro_off.rc) $(f B.lro_off.state) $(f B.lro_on.rc)" "0 off 0"
check "RDMA alongside: A's operations pass" passed A.r1.run
check "RDMA alongside: B received everything intact" passed B.r1.run
check "A's socket sent 8 MiB to B's raw packet QP" eq "$(f A.tcprx.send.bytes)" 8388608
check "B refuses a flow on UDP 4791 (EINVAL) and a partial mask (EOPNOTSUPP)" \
    eq "$(f B.tcprx.refuse.udp4791) $(f B.tcprx.refuse.partial_mask)" "EINVAL EOPNOTSUPP"
check "rdo_tcprx received the 8 MiB in order, every byte right, and closed" \
    eq "$(f B.tcprx.rc) $(f B.tcprx.bytes) $(f B.tcprx.data_ok) $(f B.tcprx.closed)" "0 8388608 1 1"
ratio_above_1() { [ "$(f B.tcprx.ratio_x100)" -gt 100 ] 2>/dev/null ||
                  { echo "#   ratio x100 '$(f B.tcprx.ratio_x100)'"; return 1; }; }
check "LRO: more wire segments than receive completions" ratio_above_1
check "LRO aggregates reached user space (RDODV_WC_LRO)" positive "$(f B.tcprx.lro_completions)"
check "the buffer with a bad lkey completed with LOC_PROT_ERR" \
    eq "$(f B.tcprx.rx_errors) $(f B.tcprx.first_rx_error)" "1 local protection error"
check "B's device steered the flow's frames (rx_steered_frames grew)" positive "$(f B.tcprx.steered)"
tso_cut() { [ "$(f "$1.hw_tso")" -ge "$(f "$1.tso.segments")" ] 2>/dev/null ||
            { echo "#   hw_tso_segments +'$(f "$1.hw_tso")', wanted $(f "$1.tso.segments")"; return 1; }; }
# The same three WRs through ibv_post_send (rawtso) and the ibv_wr_* API
# (rawtsowr); wr_id 11, 12, 13.
for api in tso tso-wr; do
    k=B.raw${api//-/}
    check "raw QP ($api): IBV_WR_TSO of 54 + 8192 bytes completes as IBV_WC_TSO" \
        eq "$(f "$k.tso.status") $(f "$k.tso.opcode") $(f "$k.tso.byte_len") $(f "$k.tso.wr_id")" \
        "success TSO 8246 11"
    check "raw QP ($api): B's device cut the TSO send into MSS frames" tso_cut "$k"
    check "raw QP ($api): an inline frame (bounce MR) is sent" \
        eq "$(f "$k.inline.status") $(f "$k.inline.opcode") $(f "$k.inline.byte_len") $(f "$k.inline.wr_id")" \
        "success SEND 60 12"
    check "raw QP ($api): a send with a bad lkey completes with LOC_PROT_ERR" \
        eq "$(f "$k.bad_lkey.status") $(f "$k.bad_lkey.wr_id")" "local protection error 13"
done
check "raw QP, WR API: a TSO header over max_tso_header and a WR without data are refused (EINVAL)" \
    eq "$(f B.rawtsowr.wr.big_hdr_rc) $(f B.rawtsowr.wr.no_data_rc)" "22 22"
check "B reloaded with raw_queues=3" eq "$(f B.raw3.rc)" 0
check "raw QP with max_recv_sge 3 is created (a 64-byte scatter RQ: 3 SGEs)" \
    eq "$(f B.rawlocal.server.max_recv_sge)" 3
check "raw QPs of one port: a multicast frame loops back to the other QP's flow, scattered over 3 SGEs" \
    eq "$(f B.rawlocal.sg.status) $(f B.rawlocal.sg.byte_len) $(f B.rawlocal.sg.bytes_ok)" "success 192 1"
check "a third raw QP with the same flow gets its own copy of the frame" \
    eq "$(f B.rawlocal.dup.status) $(f B.rawlocal.dup.byte_len) $(f B.rawlocal.dup.bytes_ok)" "success 192 1"
check "raw QP to ERR: the filled receive first, then IBV_WC_WR_FLUSH_ERR in posting order" \
    eq "$(f B.rawlocal.flush.wcs)" "100:ok,101:flush,102:flush"
check "raw QP in ERR: a receive and a send posted then are flushed, nothing more" \
    eq "$(f B.rawlocal.flush.posted_recv) $(f B.rawlocal.flush.posted_send) [$(f B.rawlocal.flush.after)]" \
    "103:flush 200:flush []"
check "raw QP: RESET..RTS receives again (flow kept, rings from 0)" \
    eq "$(f B.rawlocal.again.status) $(f B.rawlocal.again.wr_id) $(f B.rawlocal.again.bytes_ok)" "success 300 1"
check "raw loopback: 3 frames counted (raw_looped_frames), none to the sender" \
    eq "$(f B.rawlocal.looped) [$(f B.rawlocal.client.extra)]" "3 []"
check "raw QP to ERR while a thread posts sends, 40 times: each send completes once, good or flushed" \
    eq "$(f B.rawrace.rounds) $(f B.rawrace.lost) $(f B.rawrace.other) $(f B.rawrace.refused)" "40 0 0 0"
check "... and sends were in flight at the moves (some flushed)" positive "$(f B.rawrace.flushed)"
check "... and no doorbell reached a queue the move had destroyed (db_errors)" \
    eq "$(f B.rawrace.db_errors)" 0
check "rmmod/insmod three times with a TCP stream running" eq "$(f A.reload.ok)" 3
check "ping works after the reloads" eq "$(f A.reload.ping_rc)" 0
check "guest A: no kernel warnings, driver errors or CQ errors" healthy A
check "guest B: no kernel warnings, driver errors or CQ errors" healthy B
echo "# A: $(( $(f A.after.hw_tso_segments) - $(f A.before.hw_tso_segments) )) TSO segments" \
     "from $(( $(f A.after.tx_tso_packets) - $(f A.before.tx_tso_packets) )) TSO sends;" \
     "B: $(f B.rx.hw_lro_segments) segments coalesced into $(f B.rx.rx_lro_packets) LRO buffers"
echo "# rdo_tcprx: $(f B.tcprx.segments) segments in $(f B.tcprx.completions) completions" \
     "(ratio $(f B.tcprx.ratio), $(f B.tcprx.lro_completions) LRO), $(f B.tcprx.acks) segments sent," \
     "dup $(f B.tcprx.dup), out of order $(f B.tcprx.ooo), $(f B.tcprx.us) us," \
     "$(f B.tcprx.steered) frames steered"

tap_end
