#!/usr/bin/env bash
# Guest test: two VFs of guest A's adapter, each with a connection to
# guest B at the same time; B is the adapter in one run and soft-RoCE in
# the other. A enables 2 VFs (sriov-max-vfs=2), gives their net_devices
# 10.0.0.11 and 10.0.0.12 (the PF keeps 10.0.0.1); on B two servers of
# tests/guest/progs/rdo-sriov-check.c. Each VF's client, for ROUNDS rounds,
# WRITEs a new pattern into its server's buffer and READs it back, checked;
# each server checks the last round's bytes in its buffer. Frames leave
# and enter A through the one port, the switch picking the VF by MAC.
# Then a connection from VF 1 to B is moved VF 1 -> VF 2 -> VF 1 ... in the
# middle of a stream both ways (tests/guest/vfmove-test: kernel RC QPs,
# every message checked byte for byte and in order, at both ends; A's PD
# holds two MRs, one of them the lkey of half of each send), at
# other points of the stream in each run; each move holds the queues
# quiesced a while (the driver's test-only move_hold_ms), so A posts sends
# and receives during every move. B, the remote peer, sees no error
# completion, no event, its QP in RTS throughout, no retry exhausted:
# retransmissions at most. No kernel warnings or driver errors on either
# side.
set -uo pipefail
# shellcheck source=tests/guest/lib.sh
source "$(dirname "$0")/lib.sh"

ROUNDS=${RDO_SRIOV_ROUNDS:-20}
VM_MIB=${RDO_SRIOV_MOVE_MIB:-16}	# each way
VM_HOLD=${RDO_SRIOV_MOVE_HOLD_MS:-20}
pair_lib=". /usr/share/rdma-offload/verbs-pair.sh"

read -r -d '' A_CMD <<EOF
$HEALTH_FUNCS
D=/sys/kernel/debug/rdma_offload
# The VFs answer ARP for their own addresses only (several interfaces of
# one host on one Ethernet; see tests/guest/sriov.sh).
for k in accept_local=1 arp_ignore=1 rp_filter=0; do
    echo \${k#*=} > /proc/sys/net/ipv4/conf/all/\${k%=*}
done
PF=\$(grep -l 0x10f0 /sys/bus/pci/devices/*/device | head -n1 | cut -d/ -f6)
echo 2 > /sys/bus/pci/devices/\$PF/sriov_numvfs; echo "numvfs_rc=\$?"
i=0
while [ \$(ls /sys/class/infiniband | wc -l) -lt 3 ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done
for ib in \$(ls /sys/class/infiniband); do
    bdf=\$(basename \$(readlink /sys/class/infiniband/\$ib/device))
    fn=\$(sed -n 's/^function=//p' \$D/\$bdf/state)
    [ "\$fn" = 0 ] && continue
    nd=\$(ls /sys/class/infiniband/\$ib/device/net | head -n1)
    ip link set \$nd up
    ip addr add 10.0.0.1\$fn/24 dev \$nd
    eval dev_\$fn=\$ib bdf_\$fn=\$bdf
done
# The GID ::ffff:10.0.0.1N of VF N.
for fn in 1 2; do
    eval dev=\\\$dev_\$fn
    i=0
    while [ \$i -lt 100 ]; do
        g=\$(grep -l "0000:ffff:0a00:000\$(printf %x \$((10 + fn)))" /sys/class/infiniband/\$dev/ports/1/gids/* | head -n1)
        [ -n "\$g" ] && break
        sleep 0.1; i=\$((i + 1))
    done
    eval g_\$fn=\$(basename "\$g")
done
echo "gids=\$g_1,\$g_2"
peer get servers-ready > /dev/null
rdo-sriov-check client \$dev_1 \$g_1 10.0.1.2 18601 $ROUNDS > /tmp/c1 2>&1 &
p1=\$!
rdo-sriov-check client \$dev_2 \$g_2 10.0.1.2 18602 $ROUNDS > /tmp/c2 2>&1 &
p2=\$!
wait \$p1; echo "v1.rc=\$?"
wait \$p2; echo "v2.rc=\$?"
sed 's/^/v1./' /tmp/c1
sed 's/^/v2./' /tmp/c2
for fn in 1 2; do
    eval bdf=\\\$bdf_\$fn
    grep -E '^cnt\.(tx_packets|rx_packets|rx_drops|eth_rx_frames)=' \$D/\$bdf/state | sed "s/^/f\$fn./"
done
# The connection that moves: A's end on VF 1, B's on its device.
t0=\$(date +%s)
modprobe rdo_vfmove_test || echo "vm_modprobe_failed=1"
echo $VM_HOLD > /sys/module/rdma_offload/parameters/move_hold_ms
V=/sys/kernel/debug/rdo_vfmove_test
vm() { k=\$1; shift; echo "\$*" > \$V/ctl; echo "\$k.rc=\$?"; sed "s/^/\$k./" \$V/result; }
mvcnt() {
    for fn in 1 2; do
        eval bdf=\\\$bdf_\$fn
        grep -E '^cnt\.(isolation|err_count|qp_moved_out|qp_moved_in)=|^move_drained=|^in_use\.mr=' \$D/\$bdf/state | sed "s/^/\$1\$fn./"
    done
}
mvcnt mb
vm open open a \$dev_1 mib=$VM_MIB mr=1
peer put mv.A "\$(cat \$V/info)"
vm conn connect \$(peer get mv.B)
peer put mv.A.ready 1
peer get mv.B.ready > /dev/null
vm mv stream to=\$dev_2 moves=\$VM_MOVES
# B's end stays until A's stream ended too (its last ACKs), and A's.
peer put mv.A.done 1
peer get mv.B.done > /dev/null
echo teardown > \$V/ctl
echo "mv_secs=\$((\$(date +%s) - t0))"
mvcnt ma
# What the neighbour tables say, for a failure's report.
arp -an | sed 's/^/log: /'
health
EOF

read -r -d '' B_CMD <<EOF
$HEALTH_FUNCS
dev=\$(pair_dev); gid=\$(pair_gid \$dev)
rdo-sriov-check serve \$dev \$gid 18601 $ROUNDS > /tmp/s1 2>&1 &
p1=\$!
rdo-sriov-check serve \$dev \$gid 18602 $ROUNDS > /tmp/s2 2>&1 &
p2=\$!
i=0
while ! { grep -q listening /tmp/s1 && grep -q listening /tmp/s2; } && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done
peer put servers-ready 1
wait \$p1; echo "s1.rc=\$?"
wait \$p2; echo "s2.rc=\$?"
sed 's/^/s1./' /tmp/s1
sed 's/^/s2./' /tmp/s2
# B's end of the connection A moves; B's counters around its stream.
modprobe rdo_vfmove_test || echo "vm_modprobe_failed=1"
V=/sys/kernel/debug/rdo_vfmove_test
vm() { k=\$1; shift; echo "\$*" > \$V/ctl; echo "\$k.rc=\$?"; sed "s/^/\$k./" \$V/result; }
bcnt() {
    for c in /sys/class/infiniband/\$dev/ports/1/hw_counters/*; do
        echo "\$1.\$(basename \$c)=\$(cat \$c)"
    done
    for d in /sys/kernel/debug/rdma_offload/*; do
        [ -f \$d/state ] && grep -E '^cnt\.(retransmits|timeouts|naks_sent|tx_errors|err_count)=' \$d/state | sed "s/^/\$1./"
    done
}
vm open open b \$dev mib=$VM_MIB
peer put mv.B "\$(cat \$V/info)"
vm conn connect \$(peer get mv.A)
peer put mv.B.ready 1
peer get mv.A.ready > /dev/null
bcnt mb
vm mv stream
peer put mv.B.done 1
peer get mv.A.done > /dev/null
bcnt ma
echo teardown > \$V/ctl
arp -an | sed 's/^/log: /'
health
EOF

# delta G KEY: how much guest G's KEY grew over the moving stream.
delta() { echo $(( $(f "$1.ma.$2") - $(f "$1.mb.$2") )); }
# vdelta FN KEY: the same of A's function FN.
vdelta() { echo $(( $(f "A.ma$1.$2") - $(f "A.mb$1.$2") )); }
# moves_ok K: A's K moves each returned 0.
moves_ok() {
    local i r=""
    for ((i = 0; i < $1; i++)); do r+="$(f "A.mv.move$i")"; done
    eq "$r" "$(printf '0%.0s' $(seq "$1"))"
}

# The moves come at K evenly spaced points of A's stream: other points in
# each run (1/4, 2/4, 3/4 of it; then 1/5 ... 4/5).
for peer in adapter rxe; do
    F=()
    case $peer in adapter) K=3 ;; rxe) K=4 ;; esac
    guest_run --peer $peer --ctl-net --device-args ',sriov-max-vfs=2' \
        --mem 768 --timeout 900 \
        --cmd "$pair_lib"$'\n'"VM_MOVES=$K"$'\n'"$A_CMD" \
        --peer-cmd "$pair_lib"$'\n'"$B_CMD"
    check "B $peer: both guests ran to the end" \
        eq "$run_rc $(f A.finished) $(f B.finished)" "0 1 1"
    check "B $peer: A enabled 2 VFs and found their GIDs" \
        eq "$(f A.numvfs_rc) $(matches "$(f A.gids)" '^[0-9]+,[0-9]+$' && echo y)" "0 y"
    for v in 1 2; do
        check "B $peer: VF $v's keys carry its number" eq "$(f A.v$v.fn)" $v
        check "B $peer: VF $v: $ROUNDS rounds of WRITE and READ back, checked" \
            eq "$(f A.v$v.rc) $(f A.v$v.rounds_ok)" "0 $ROUNDS"
        check "B $peer: VF $v's server holds the last round's bytes" \
            eq "$(f B.s$v.rc) $(f B.s$v.final_data) $(f A.v$v.server_verdict)" "0 -1 1"
        check "B $peer: VF $v sent and received through the port" \
            eq "$(positive "$(f A.f$v.cnt.tx_packets)" && positive "$(f A.f$v.cnt.rx_packets)" && echo y)" y
    done
    check "B $peer: moved connection: the module on both sides, connected" \
        eq "$(f A.vm_modprobe_failed)$(f B.vm_modprobe_failed)$(f A.open.rc)$(f B.open.rc)$(f A.conn.rc)$(f B.conn.rc)" "0000"
    check "B $peer: moved connection: $K moves VF 1 <-> VF 2 mid-stream, each done" \
        eq "$(f A.mv.rc) $(f A.mv.moves) $(moves_ok "$K" && echo y)" "0 $K y"
    check "B $peer: moved connection: $VM_MIB MiB each way, bit-exact and in order at both ends" \
        eq "$(f B.mv.check.a_to_b_bit_exact) $(f A.mv.check.b_to_a_bit_exact) $(f A.mv.check.completions_in_order) $(f B.mv.check.completions_in_order)" \
        "ok ok ok ok"
    check "B $peer: moved connection: A posted sends and receives during the moves" \
        eq "$(positive "$(f A.mv.posted_during_moves)" && positive "$(f A.mv.recv_posted_during_moves)" && echo y)" y
    check "B $peer: moved connection: no error completion, no fatal event at either end" \
        eq "$(f A.mv.check.no_error_completions) $(f B.mv.check.no_error_completions) $(f A.mv.check.no_fatal_events) $(f B.mv.check.no_fatal_events)" \
        "ok ok ok ok"
    check "B $peer: moved connection: B's QP in RTS at the end, A's on VF $((1 + K % 2))" \
        eq "$(f B.mv.check.peer_qp_rts) $(f A.mv.check.moved_qp_rts) $(f B.mv.result) $(f A.mv.result)" "ok ok pass pass"
    # VF 1 gives it on the odd moves, takes it back on the even ones.
    check "B $peer: moved connection: VF 1 out/in $(((K + 1) / 2))/$((K / 2)), VF 2 out/in $((K / 2))/$(((K + 1) / 2))" \
        eq "$(vdelta 1 cnt.qp_moved_out)/$(vdelta 1 cnt.qp_moved_in) $(vdelta 2 cnt.qp_moved_out)/$(vdelta 2 cnt.qp_moved_in)" \
        "$(((K + 1) / 2))/$((K / 2)) $((K / 2))/$(((K + 1) / 2))"
    check "B $peer: moved connection: one completion event for each arm of A's CQ before a move, none lost or doubled" \
        eq "$(f A.mv.check.one_event_per_arm) $(f A.mv.arms)" "ok $K"
    # A's PD has 2 MRs (the global rkey's, the sends' second halves' lkey,
    # and a fast-registration MR): they moved, and were deregistered
    # through VF $((1 + K % 2)) at the end.
    check "B $peer: moved connection: A's PD's 2 MRs moved with it; their indexes back where they were" \
        eq "$(vdelta 1 in_use.mr) $(vdelta 2 in_use.mr)" "0 0"
    check "B $peer: moved connection: no refusal or guest error in A's VFs" \
        eq "$(vdelta 1 cnt.isolation)$(vdelta 2 cnt.isolation)$(vdelta 1 cnt.err_count)$(vdelta 2 cnt.err_count)" "0000"
    if [ $peer = rxe ]; then
        check "B rxe: moved connection: rxe counted no exhausted retry and no send error" \
            eq "$(delta B retry_exceeded_err) $(delta B retry_rnr_exceeded_err) $(delta B send_err)" "0 0 0"
        retx="completer_retry_err $(delta B completer_retry_err), duplicate_request $(delta B duplicate_request), out_of_seq_request $(delta B out_of_seq_request)"
    else
        check "B adapter: moved connection: B's adapter counted no transmit or guest error" \
            eq "$(delta B cnt.tx_errors) $(delta B cnt.err_count)" "0 0"
        retx="retransmits $(delta B cnt.retransmits), timeouts $(delta B cnt.timeouts), NAKs sent $(delta B cnt.naks_sent)"
    fi
    echo "# B $peer: moved connection: posted during the moves $(f A.mv.posted_during_moves) sends," \
        "$(f A.mv.recv_posted_during_moves) receives; events a move delivered from the source's EQs" \
        "$(vdelta 1 move_drained) (VF 1), $(vdelta 2 move_drained) (VF 2); B's $retx;" \
        "$(f A.mv_secs) s"
    for g in A B; do
        check "B $peer: guest $g: no kernel warnings, no driver errors" \
            eq "$(f $g.dmesg_bad) $(f $g.driver_errs)" "0 0"
    done
    # A failed run's output, before the next run replaces it.
    if [ "$failed" != 0 ] || [ "$run_rc" != 0 ]; then
        printf '%s\n' "$output" | grep -vE '^[AB]: (v[12]\.round|log: $)' | sed 's/^/# /'
    fi
done
tap_end
