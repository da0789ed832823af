#!/usr/bin/env bash
# Guest test: two VFs of guest A's adapter, each with a connection to
# guest B at the same time; B is the adapter in one run and soft-RoCE in
# the other. A enables 2 VFs (sriov-max-vfs=2), gives their net_devices
# 10.0.0.11 and 10.0.0.12 (the PF keeps 10.0.0.1); on B two servers of
# tests/guest/progs/rdo-sriov-check.c. Each VF's client, for ROUNDS rounds,
# WRITEs a new pattern into its server's buffer and READs it back, checked;
# each server checks the last round's bytes in its buffer. Frames leave
# and enter A through the one port, the switch picking the VF by MAC. No
# kernel warnings or driver errors on either side.
set -uo pipefail
# shellcheck source=tests/guest/lib.sh
source "$(dirname "$0")/lib.sh"

ROUNDS=${RDO_SRIOV_ROUNDS:-20}
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
arp -an | sed 's/^/log: /'
health
EOF

for peer in adapter rxe; do
    F=()
    guest_run --peer $peer --ctl-net --device-args ',sriov-max-vfs=2' \
        --mem 768 --timeout 900 \
        --cmd "$pair_lib"$'\n'"$A_CMD" --peer-cmd "$pair_lib"$'\n'"$B_CMD"
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
