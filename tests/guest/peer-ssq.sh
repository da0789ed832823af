#!/usr/bin/env bash
# shellcheck disable=SC2317 # check functions are called through check()
# Guest test: the shared send queue through the driver's kernel API
# (rdma_offload-verbs.h), two guests with the adapter (run-guest --peer
# adapter), driven by tests/guest/ssq-test. Guest A makes one SSQ feeding
# 8 RC connections to 8 QPs on guest B and posts an interleaved stream of
# SENDs, SEND_WITH_IMMs and RDMA WRITEs of 1 byte to 16 KiB over all of
# them: A's completions come in posting order, each naming its connection;
# B gets every message on the right QP, in order, bit-exact. Then: a bad
# rkey on one connection mid-stream (its work completes in SSQ order with
# REM_ACCESS_ERR and WR_FLUSH_ERR, the others go on); misuse refused with
# the documented errors (a WR naming a QP the SSQ does not feed: -EINVAL
# at post; destroying an SSQ that feeds connections: -EBUSY); a connection
# destroyed with work queued for it that the device has not even fetched
# (its peer answers nothing and its window is full; the SSQ goes on);
# rmmod of the driver with a live SSQ and WRITEs in flight. Both kernels
# stay healthy. Delayed notification through the kernel API
# (rdo_ib_qp_set_notify_delay): B's QPs get 1000 us before RTR, the run
# goes as before (its completion events printed), then 0 in RTS; A's
# connections get 1000 us in RTS; 4096 us and the SSQ itself are refused.
set -uo pipefail
# shellcheck source=tests/guest/peer-lib.sh
source "$(dirname "$0")/peer-lib.sh"
N=8

NF_US=1000
read -r -d '' SSQ_FUNCS <<EOF
n=$N NF_US=$NF_US
EOF
read -r -d '' SSQ_FUNCS2 <<'EOF'
S=/sys/kernel/debug/rdo_ssq_test
modprobe rdo_ssq_test || echo "ssq_modprobe_failed=1"
# sq KEY COMMAND...: one command of the SSQ test module; its report as KEY.*
sq() { k=$1; shift; echo "$*" > $S/ctl; echo "$k.rc=$?"; sed "s/^/$k./" $S/result; }
# ssq_round NAME ROLE [DELAY]: set up (with a notification delay of DELAY
# us on its QPs, given before connect), trade endpoints, connect, wait for
# the other.
ssq_round() {
    sq $1.setup setup rdo0 $2 n=$n
    [ -z "${3:-}" ] || sq $1.delay delay $3
    peer put $1.$ME "$(cat $S/info)"
    sq $1.connect connect $(peer get $1.$OTHER)
    peer put $1.$ME.ready 1
    peer get $1.$OTHER.ready > /dev/null
}
ssq_health() {
    echo "ssq_cq_events=$(dmesg | grep -c 'rdo_ssq_test: CQ event')"
    echo "ssq_destroy_refused=$(dmesg | grep -c 'rdo_ssq_test: destroy QP')"
    health
}
EOF

read -r -d '' A_BODY <<'EOF'
ko=/lib/modules/$(uname -r)/$(grep 'rdma_offload.ko$' /etc/rdo-modules)
ssq_round s1 client
sq s1.cdelay delay $NF_US
sq s1.run run
peer get s1.B.checked > /dev/null
sq s1.bad badrkey
sq s1.misuse misuse
sq s1.drain drain
peer put s1.A.done 1
# The driver goes away under a live SSQ with WRITEs in flight.
ssq_round s2 client
sq s2.fire fire
rmmod rdma_offload; echo "reload.rmmod_rc=$?"
echo "reload.info=$(cat $S/info)"
insmod $ko; echo "reload.insmod_rc=$?"
sh /peer-net.sh; echo "reload.net_rc=$?"
peer put A.done 1
D=$(ls -d /sys/kernel/debug/rdma_offload/*)
echo 1 > $D/selftest
sed 's/^/st./' $D/selftest
ssq_health
EOF

read -r -d '' B_BODY <<'EOF'
ssq_round s1 server $NF_US
sq s1.run run
sq s1.delay_rts delay 0
peer put s1.B.checked 1
sq s1.err expect_error
peer get s1.A.done > /dev/null
ssq_round s2 server
peer get A.done > /dev/null
ssq_health
EOF

FUNCS="$SSQ_FUNCS"$'\n'"$SSQ_FUNCS2"
guest_run --peer adapter --timeout 300 \
    --cmd "$(peer_script A B "$FUNCS"$'\n'"$A_BODY")" \
    --peer-cmd "$(peer_script B A "$FUNCS"$'\n'"$B_BODY")"

reloaded() {
    eq "$(f A.reload.rmmod_rc) $(f A.reload.insmod_rc) $(f A.reload.net_rc)" "0 0 0" &&
        eq "$(f A.reload.info)" ""
}
selftest() { eq "$(f A.st.result) $(f A.st.failures)" "pass 0"; }
ssq_healthy() { healthy "$1" && eq "$(f "$1.ssq_cq_events") $(f "$1.ssq_destroy_refused")" "0 0"; }
misuse() {
    local c
    for c in fed_by_plain_qp fed_by_nothing both_flags fed_with_send_queue \
             ssq_with_receive_queue; do
        eq "$(f "A.s1.misuse.$c")" -22 || return 1
    done
    eq "$(f A.s1.misuse.unknown_private_flag)" -95
}

check "both guests ran the test to the end (run-guest exit $run_rc)" both_ran
check "SSQ and $N connections on A, $N QPs on B" \
    eq "$(f A.s1.setup.result) $(f B.s1.setup.result) $(f A.s1.setup.n)" "pass pass $N"
check "A: $((4 * N)) messages through the SSQ; completions in posting order, each on its connection" \
    passed A.s1.run
check "A: the per-connection 'done' completions in order too" \
    eq "$(f A.s1.run.check.done)" ok
check "B: every SEND on its QP, in order, bit-exact (byte counts, immediates)" \
    eq "$(f B.s1.run.check.recv_order) $(f B.s1.run.check.send_data)" "ok ok"
check "B: every WRITE's data in place once its connection said done" \
    eq "$(f B.s1.run.check.write_data)" ok
check "B: all $N QPs received (and nothing unexpected)" passed B.s1.run
check "bad rkey: REM_ACCESS_ERR, then flushes, in SSQ order; other connections succeed" \
    eq "$(f A.s1.bad.check.badrkey_chain)" ok
check "bad rkey: only that connection in ERR; the SSQ goes on" passed A.s1.bad
check "bad rkey: B's QP in ERR with its receives flushed, the others not" passed B.s1.err
check "create misuse refused: -EINVAL for bad flags/caps/source_qpn, -EOPNOTSUPP unknown flag" misuse
check "post naming a QP the SSQ does not feed (plain RC, none, the SSQ, another SSQ's): -EINVAL, bad_wr set" \
    eq "$(f A.s1.misuse.post_names_plain_qp) $(f A.s1.misuse.post_names_no_qp) $(f A.s1.misuse.post_names_the_ssq) $(f A.s1.misuse.check.post_names_other_ssqs_conn)" "-22 -22 -22 ok"
check "post on a connection itself, or naming one not in RTS: -EINVAL" \
    eq "$(f A.s1.misuse.check.post_on_connection) $(f A.s1.misuse.check.post_names_conn_in_reset)" "ok ok"
check "a chain with a bad second request: -EINVAL at it, the first completes" \
    eq "$(f A.s1.misuse.check.chain_bad_second) $(f A.s1.misuse.check.chain_first_done)" "ok ok"
check "destroying an SSQ that feeds connections: -EBUSY, the SSQ still works" \
    eq "$(f A.s1.misuse.destroy_ssq) $(f A.s1.misuse.check.ssq_after_refusals)" "-16 ok"
check "all misuse checks pass" passed A.s1.misuse
check "a connection destroyed with unfetched work queued on the SSQ; the request behind it succeeds" \
    eq "$(f A.s1.drain.destroy_busy_conn) $(f A.s1.drain.check.ssq_after_drain)" "0 ok"
check "SSQ destroyed once its connections were (-EBUSY before)" \
    eq "$(f A.s1.drain.check.ssq_busy_while_feeding) $(f A.s1.drain.destroy_ssq_last)" "ok 0"
check "drain checks pass" passed A.s1.drain
# rdo_ib_qp_set_notify_delay: the delay set, 4096 refused (-EINVAL).
delay_ok() { eq "$(f "$1.check.delay_set") $(f "$1.delay.too_big")" "ok -22"; }
delay_b() { delay_ok B.s1.delay && delay_ok B.s1.delay_rts; }
delay_a() { delay_ok A.s1.cdelay && eq "$(f A.s1.cdelay.delay.on_ssq)" -22; }
check "kernel API: B's $N QPs take a $NF_US us notification delay before RTR, 0 in RTS; 4096 refused" \
    delay_b
check "kernel API: A's connections take a delay in RTS; the SSQ itself refused" delay_a
check "rmmod with a live SSQ and WRITEs in flight; insmod; network back" reloaded
check "the driver's self-test passes afterwards" selftest
check "guest A: no kernel warnings, driver errors, CQ errors or refused destroys" ssq_healthy A
check "guest B: no kernel warnings, driver errors, CQ errors or refused destroys" ssq_healthy B
echo "# B: $(f B.s1.run.recv.messages) messages (and $N 'done') took $(f B.s1.run.recv.cq_events)" \
    "completion events with a notification delay of $NF_US us on its QPs"
echo "# A: $(f A.s1.run.stream.completions) signaled completions of $(f A.s1.run.stream.messages) messages;" \
    "destroying the stuck connection took $(f A.s1.drain.destroy_busy_conn.ms) ms"

tap_end
