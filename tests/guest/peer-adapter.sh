#!/usr/bin/env bash
# shellcheck disable=SC2317 # check functions are called through check()
# Guest test: two guests, each with the adapter and the driver, on one
# Ethernet (run-guest --peer adapter). Kernel verbs through ib_core
# (tests/guest/peer-test): RC SEND, RDMA WRITE, WRITE_WITH_IMM and RDMA
# READ of 1 MiB, an inline SEND_WITH_IMM, a UD SEND_WITH_IMM (GRH, source
# QP), a WRITE and a READ through a fast-registered (FRWR) MR of scattered
# pages, each way, data checked on both sides; the peer's MAC resolved by ib_core from its GID; a send PSN that
# wraps; a bad rkey (REM_ACCESS_ERR, both QPs to ERR, later work flushed);
# rmmod of the driver under live QPs, a round at path MTU 4096 after
# insmod, rmmod with RDMA WRITEs in flight three times, a fatal error
# (recovery) with one in flight, and unloading the test module with live
# objects; both kernels stay healthy and the driver's self-test still
# passes. Both adapters mark 2% of what they send CE (fault-ce-ppm, as a
# congested switch would): each answers the other's marks with CNPs and
# takes the other's CNPs (hw_counters), with every check above unchanged.
# Two guest boots at once.
set -uo pipefail
# shellcheck source=tests/guest/peer-lib.sh
source "$(dirname "$0")/peer-lib.sh"
SIZE=1048576
FIRES=3

# cc KEY: congestion control's hw_counters (past ib_core's 10 ms cache).
read -r -d '' CC_FUNC <<'EOF'
cc() {
    sleep 0.1
    for c in np_ecn_marked_roce_packets np_cnp_sent rp_cnp_handled; do
        echo "$1.cc.$c=$(cat /sys/class/infiniband/rdo0/ports/1/hw_counters/$c)"
    done
}
EOF
read -r -d '' A_BODY <<EOF
size=$SIZE fires=$FIRES
EOF
read -r -d '' A_BODY2 <<'EOF'
ko=/lib/modules/$(uname -r)/$(grep 'rdma_offload.ko$' /etc/rdo-modules)
round r1 rdo0 client size=$size psn=0xfffe00
pt r1.bad badrkey
counters r1
cc r1
round r2 rdo0 server size=$size
# The driver goes away under a connected QP: the test module lets go.
rmmod rdma_offload; echo "reload.rmmod_rc=$?"
echo "reload.info=$(cat $T/info)"
insmod $ko; echo "reload.insmod_rc=$?"
sh /peer-net.sh; echo "reload.net_rc=$?"
ip link set eth0 mtu 9000
round r3 rdo0 client size=$size
# A WRITE in flight to a QP B does not have, then rmmod, a few times.
bogus=$(peer get r3.B | sed 's/qpn=[0-9]*/qpn=1000/')
ok=0
while [ $ok -lt $fires ]; do
    pt f$ok.setup setup rdo0 size=$size
    pt f$ok.connect connect $bogus
    pt f$ok.fire fire
    rmmod rdma_offload || break
    insmod $ko || break
    sh /peer-net.sh > /dev/null || break
    ok=$((ok + 1))
done
echo "fire.ok=$ok"
# A fatal error (recovery) with a WRITE in flight.
D=$(ls -d /sys/kernel/debug/rdma_offload/*)
pt x.setup setup rdo0 size=$size
pt x.connect connect $bogus
pt x.fire fire
echo fatal > $D/inject
i=0
while [ $i -lt 100 ] && ! grep -q '^recoveries=1' $D/state; do sleep 0.1; i=$((i + 1)); done
while [ $i -lt 100 ] && ! grep -q '^ctrl_up=1' $D/state; do sleep 0.1; i=$((i + 1)); done
grep -E '^(recoveries|ctrl_up|dead)=' $D/state | sed 's/^/recover./'
echo "recover.info=$(cat $T/info)"
sh /peer-net.sh; echo "recover.net_rc=$?"
pt u.setup setup rdo0 size=$size
pt u.connect connect $bogus
pt u.fire fire
rmmod rdo_peer_test; echo "unload.rc=$?"
peer put A.done 1
echo 1 > $D/selftest
sed 's/^/st./' $D/selftest
health
EOF

read -r -d '' B_BODY <<EOF
size=$SIZE
EOF
read -r -d '' B_BODY2 <<'EOF'
round r1 rdo0 server size=$size
pt r1.bad expect_error
counters r1
cc r1
round r2 rdo0 client size=$size psn=0xffff80
ip link set eth0 mtu 9000
round r3 rdo0 server size=$size
peer get A.done > /dev/null
counters end
health
EOF

guest_run --peer adapter --timeout 300 \
    --device-args ',fault-seed=16,fault-ce-ppm=20000' \
    --cmd "$(peer_script A B "$A_BODY"$'\n'"$CC_FUNC"$'\n'"$A_BODY2")" \
    --peer-cmd "$(peer_script B A "$B_BODY"$'\n'"$CC_FUNC"$'\n'"$B_BODY2")"

cnt() { f "$1.cnt.$2"; }
ce_counted() {
    positive "$(f A.r1.cc.np_ecn_marked_roce_packets)" &&
        positive "$(f B.r1.cc.np_ecn_marked_roce_packets)"
}
cnps_taken() { positive "$(f B.r1.cc.np_cnp_sent)" && positive "$(f A.r1.cc.rp_cnp_handled)"; }
no_icrc_errors() { eq "$(f A.r1.cnt.rx_icrc_errors) $(f B.r1.cnt.rx_icrc_errors)" "0 0"; }
nak_counted() { positive "$(f A.r1.cnt.naks_received)" && positive "$(f B.r1.cnt.naks_sent)"; }
mtu4096() { eq "$(f A.r3.connect.path_mtu) $(f B.r3.connect.path_mtu)" "4096 4096"; }
reloaded() {
    eq "$(f A.reload.rmmod_rc) $(f A.reload.insmod_rc) $(f A.reload.net_rc)" "0 0 0" &&
        eq "$(f A.reload.info)" ""
}
selftest() { eq "$(f A.st.result) $(f A.st.failures)" "pass 0"; }
recovered() {
    eq "$(f A.recover.recoveries) $(f A.recover.ctrl_up) $(f A.recover.dead)" "1 1 0" &&
        eq "$(f A.recover.info)" "" && eq "$(f A.recover.net_rc)" 0 && passed A.u.setup
}

check "both guests ran the test to the end (run-guest exit $run_rc)" both_ran
check "test module set up on rdo0 in both guests" \
    eq "$(f A.r1.setup.device) $(f B.r1.setup.device)" "rdo0 rdo0"
check "ib_core resolved each peer's MAC from its GID" \
    eq "$(f A.r1.connect.dmac) $(f B.r1.connect.dmac)" "52:54:00:0a:00:02 52:54:00:0a:00:01"
check "path MTU 1024 at Ethernet MTU 1500" eq "$(f A.r1.connect.path_mtu)" 1024
check "A -> B: SEND, WRITE, WRITE_IMM, READ, inline SEND_IMM; A's checks pass" passed A.r1.run
check "A -> B: B received the SEND, the WRITE and 'done' intact" passed B.r1.run
check "A -> B: B's verdict reached A (all four parts)" eq "$(f A.r1.run.peer_verdict)" 15
check "UD A -> B: GRH with A's IPv4 header, A's UD QP as source" \
    eq "$(f B.r1.run.check.ud_grh_ipv4) $(f B.r1.run.check.ud_recv_fields)" "ok ok"
check "atomics A -> B: CMP_SWP and FETCH_ADD return the old values, the sum reads back" \
    eq "$(f A.r1.run.check.atomic_values)" ok
check "fast registration: REG_MR of a scattered, unaligned MR completes on both sides" \
    frwr_registered r1
check "FRWR A -> B: WRITE and READ through B's fast-registered rkey, data read back right" \
    frwr_client A r1
check "FRWR A -> B: the data landed in B's scattered pages, nothing beside them" frwr_owner B r1
check "bad rkey: REM_ACCESS_ERR, later work flushed, A's QP in ERR" passed A.r1.bad
check "bad rkey: B's QP in ERR, its receives flushed" passed B.r1.bad
check "the NAK is counted on both sides" nak_counted
check "no ICRC errors on either side" no_icrc_errors
check "CE marks reach both sides, counted in hw_counters" ce_counted
check "B answers A's CE-marked requests with CNPs; A's DCQCN takes them" cnps_taken
check "B -> A: B's operations complete, READ data right" passed B.r2.run
check "B -> A: A received everything intact" passed A.r2.run
check "FRWR B -> A: WRITE and READ through A's fast-registered rkey, data read back right" \
    frwr_client B r2
check "FRWR B -> A: the data landed in A's scattered pages, nothing beside them" frwr_owner A r2
check "rmmod under a connected QP; insmod; network back" reloaded
check "after reload, path MTU 4096 at Ethernet MTU 9000" mtu4096
check "after reload, A -> B at MTU 4096: A's checks pass" passed A.r3.run
check "after reload, A -> B at MTU 4096: B's checks pass" passed B.r3.run
check "rmmod with a WRITE in flight, $FIRES times" eq "$(f A.fire.ok)" "$FIRES"
check "frames to a QP that does not exist are dropped by B" positive "$(f B.end.cnt.rx_drops)"
check "fatal error with a WRITE in flight: recovered, objects let go, usable again" recovered
check "rmmod of the test module with live objects" eq "$(f A.unload.rc)" 0
check "the driver's self-test passes afterwards" selftest
check "guest A: no kernel warnings, driver errors or CQ errors" healthy A
check "guest A: the injected error was logged" positive "$(f A.injected_errs)"
check "guest B: no kernel warnings, driver errors or CQ errors" healthy B
for r in r1 r3; do transfer_figures A $r; done
transfer_figures B r2
echo "# A: $(cnt A.r1 tx_packets) packets sent, $(cnt A.r1 retransmits) retransmits in round 1"

tap_end
