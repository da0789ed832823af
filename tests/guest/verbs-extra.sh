#!/usr/bin/env bash
# Guest test: the user-space verbs beyond the stock tools, through the
# provider on rdo0 (tests/guest/progs/rdo-verbs-check.c), between two
# adapter guests. B joins a UD multicast group (an IPv4-mapped multicast
# GID, as rdma_cm's joins over RoCEv2 use) and A sends datagrams to it:
# each arrives byte-exact. On A, two RC QPs connected through the port:
# ibv_rereg_mr (new pages and rights; WRITE and READ through the new key,
# the old key refused), ibv_create_cq_ex polled with the extended calls,
# ibv_resize_cq with completions in flight, ibv_modify_cq moderation and a
# completion event, ibv_modify_srq limit -> SRQ_LIMIT_REACHED, a QP on the
# SRQ moved to ERR -> QP_LAST_WQE_REACHED. D15: 256 KiB WRITE, SEND and
# READ between malloc'd buffers at odd offsets whose pages are out of frame
# order, bytes and guards checked. Then the mean time of
# ibv_reg_mr with pipelined registration (the driver returns once REG_MR
# is queued) and without (module parameter pipelined_reg=0): the facts
# regtime.* of the note. On B, two threads of one context push small
# SENDs on two pairs at once (one push area): nothing crosses pairs. No
# On B also a buffer group (D10): 4 RC pairs whose receivers share an SRQ
# with partial buffers (rdodv.h), small SENDs packed several to a buffer,
# each completion's offset, length and bytes checked. No
# refused pipelined registration, no doorbell refused, no kernel warnings.
set -uo pipefail
# shellcheck source=tests/guest/lib.sh
source "$(dirname "$0")/lib.sh"

MGID=::ffff:239.1.2.3
MC_N=20
REG_N=${RDO_REGTIME_N:-40}
PR_N=300
PB_N=40         # SENDs per QP into the buffer group
SC_LEN=$((256 * 1024 + 777))

pair_lib=". /usr/share/rdma-offload/verbs-pair.sh"

read -r -d '' HEALTH <<'EOF_H'
echo "dmesg_bad=$(dmesg | grep -cE 'WARNING:|BUG:|Oops|Call Trace|general protection')"
grep -E '^(cqp_async_failed|cnt\.(db_errors|err_count|mr_stalls))=' /sys/kernel/debug/rdma_offload/*/state
echo finished=1
EOF_H

read -r -d '' A_CMD <<EOF_A
dev=\$(pair_dev); gidx=\$(pair_gid \$dev)
peer get mcast-ready >/dev/null
rdo-verbs-check mcast-send \$dev \$gidx $MGID $MC_N | sed 's/^/mc./'
peer put mcast-sent 1
rdo-verbs-check verbs \$dev \$gidx | sed 's/^/v./'
rdo-verbs-check scatter \$dev \$gidx | sed 's/^/sc./'
P=/sys/module/rdma_offload/parameters/pipelined_reg
echo "pipelined_default=\$(cat \$P)"
# Waiting first, so warming up favours it rather than the pipelined run.
echo 0 > \$P
rdo-verbs-check regtime \$dev $REG_N | sed 's/^/sync./'
echo 1 > \$P
rdo-verbs-check regtime \$dev $REG_N | sed 's/^/pipe./'
EOF_A

read -r -d '' B_CMD <<EOF_B
dev=\$(pair_dev); gidx=\$(pair_gid \$dev)
rdo-verbs-check mcast-recv \$dev \$gidx $MGID $MC_N 120 > /tmp/mc.out 2>&1 &
i=0
while ! grep -q mcast_ready /tmp/mc.out && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done
peer put mcast-ready 1
wait
sed 's/^/mc./' /tmp/mc.out
pushes() { sed -n 's/^cnt\.push_wqes=//p' /sys/kernel/debug/rdma_offload/*/state; }
p0=\$(pushes)
rdo-verbs-check push-race \$dev \$gidx $PR_N | sed 's/^/pr./'
echo "push_delta=\$((\$(pushes) - p0))"
rdo-verbs-check partial \$dev \$gidx $PB_N | sed 's/^/pb./'
peer get mcast-sent >/dev/null
EOF_B

guest_run --peer adapter --timeout 600 \
    --cmd "$pair_lib"$'\n'"$A_CMD"$'\n'"$HEALTH" \
    --peer-cmd "$pair_lib"$'\n'"$B_CMD"$'\n'"$HEALTH"

check "both guests ran to the end" eq "$run_rc $(f A.finished) $(f B.finished)" "0 1 1"
check "multicast: B attached its UD QP to $MGID" eq "$(f B.mc.mcast.attach_rc)" 0
check "multicast: A sent $MC_N datagrams to the group" eq "$(f A.mc.mcast.sent)" "$MC_N"
check "multicast: B received all $MC_N, byte-exact" \
    eq "$(f B.mc.mcast.received) $(f B.mc.mcast.good)" "$MC_N $MC_N"
check "multicast: B detached" eq "$(f B.mc.mcast.detach_rc)" 0

check "rereg: WRITE through the first key" \
    eq "$(f A.v.rereg.write1) $(f A.v.rereg.data1)" "success -1"
check "rereg: ibv_rereg_mr (translation and access) gives a new key" \
    eq "$(f A.v.rereg.rc) $(f A.v.rereg.new_key)" "0 1"
check "rereg: WRITE through the new key lands in the new pages only" \
    eq "$(f A.v.rereg.write2) $(f A.v.rereg.data2) $(f A.v.rereg.old_pages_kept)" \
    "success -1 -1"
check "rereg: READ through the new key (read right added)" \
    eq "$(f A.v.rereg.read) $(f A.v.rereg.read_data)" "success -1"
check "rereg: the old key is refused" eq "$(f A.v.rereg.old_key)" "remote access error"
check "ibv_create_cq_ex: 4 receives polled with the extended calls, fields right" \
    eq "$(f A.v.cqex.created) $(f A.v.cqex.polled) $(f A.v.cqex.good)" "1 4 4"
check "ibv_resize_cq 8 -> 64 with completions in flight" \
    eq "$(f A.v.resize.rc) $(f A.v.resize.polled_in_order) $(f A.v.resize.data_ok)" "0 26 1"
check "ibv_resize_cq: the CQ has at least 64 entries" \
    matches "$(f A.v.resize.cqe)" '^(6[4-9]|[7-9][0-9]|[1-9][0-9]{2,})$'
check "ibv_modify_cq moderation; a completion event still comes" \
    eq "$(f A.v.modify_cq.rc) $(f A.v.modify_cq.event) $(f A.v.modify_cq.event_cq) $(f A.v.modify_cq.polled)" \
    "0 1 1 ok"
check "SRQ: ibv_modify_srq limit, 5 SENDs received" \
    eq "$(f A.v.srq.modify_rc) $(f A.v.srq.completions_ok)" "0 10"
check "SRQ: IBV_EVENT_SRQ_LIMIT_REACHED, limit disarmed" \
    eq "$(f A.v.srq.limit_event) $(f A.v.srq.limit_after)" "1 0"
check "SRQ: QP to ERR gives IBV_EVENT_QP_LAST_WQE_REACHED" \
    eq "$(f A.v.srq.err_rc) $(f A.v.srq.last_wqe_event)" "0 1"
check "the verbs program ran to its end" eq "$(f A.v.checks_done)" 1

check "push race: two threads' pushed SENDs on two pairs of one context, all arrived, none failed" \
    eq "$(f B.pr.push_race.received) $(f B.pr.push_race.errors) $(f B.pr.push_race.timed_out)" \
    "$((2 * PR_N)) 0 0"
check "push race: every message on its own pair, in order, intact (no WQE taken from the other QP's push)" \
    eq "$(f B.pr.push_race.wrong)" 0
# A push the device has not taken when the QP's next one comes is fetched
# from the ring instead (one pushed copy per QP): not every SEND counts.
# Through push RAM (the provider's default where the device has it) a
# post is no MMIO exit a word, so the threads post faster than the
# device's main loop takes the copies and more are overtaken: 130 of 600
# were taken in one run, against over a quarter through the MMIO area.
check "push race: the path was taken (CNT_PUSH_WQES rose by at least a tenth of $((2 * PR_N)))" \
    test "$(f B.push_delta)" -ge $((2 * PR_N / 10)) 2>/dev/null
echo "# push race: $(f B.push_delta) of $((2 * PR_N)) SENDs taken from the push area"
check "D15: WRITE, SEND and READ of $SC_LEN bytes over scattered malloc'd pages completed" \
    eq "$(f A.sc.scatter.write) $(f A.sc.scatter.send) $(f A.sc.scatter.recv) $(f A.sc.scatter.recv_len) $(f A.sc.scatter.read)" \
    "success success success $SC_LEN success"
check "D15: every byte right, guard bytes around (and between the SGEs) intact" \
    eq "$(f A.sc.scatter.write_data) $(f A.sc.scatter.send_data) $(f A.sc.scatter.read_data)" "1 1 1"
sc_pages=$(f A.sc.scatter.pages); sc_breaks=$(f A.sc.scatter.frame_breaks)
check "D15: the buffer's pages are out of frame order (at least a quarter of $sc_pages)" \
    test "$sc_breaks" -ge $((sc_pages / 4)) 2>/dev/null
echo "# D15: $sc_breaks of $sc_pages adjacent pages not adjacent in memory"
check "D10: SRQ_PARTIAL through the provider: bad shift and 5 SGEs refused, on" \
    eq "$(f B.pb.partial.rdo) $(f B.pb.partial.bad_shift) $(f B.pb.partial.five_sge) $(f B.pb.partial.on)" \
    "1 22 22 0"
pb_total=$((4 * PB_N + 1))
check "D10: $pb_total SENDs of 4 QPs into the group, none lost, every completion right (offset, length, bytes)" \
    eq "$(f B.pb.partial.timed_out) $(f B.pb.partial.messages) $(f B.pb.partial.send_errors) $(f B.pb.partial.bad)" \
    "0 $pb_total 0 0"
check "D10: the multi-packet SEND took a buffer of its own, then SRQ_PARTIAL could be turned off" \
    eq "$(f B.pb.partial.big_done) $(f B.pb.partial.off)" "1 0"
check "D10: SRQ_PARTIAL refused (EBUSY) while the device holds a buffer" \
    eq "$(f B.pb.partial.busy_rc)" "$([ "$(f B.pb.partial.in_use)" = 1 ] && echo 16 || echo 0)"
check "D10: an SRQ slot stays taken until its buffer's BUF_DONE (2 slots: a third buffer ENOMEM, completions still name the first)" \
    eq "$(f B.pb.partial.slot_refused) $(f B.pb.partial.slot_kept)" "12 1"
pb_bufs=$(f B.pb.partial.buffers_used)
check "D10: packed: at most a quarter as many buffers as messages" \
    test "$pb_bufs" -le $((pb_total / 4)) 2>/dev/null
echo "# D10: $pb_total messages in $pb_bufs buffers ($(f B.pb.partial.msgs_per_buffer) a buffer;" \
    "one buffer per message would take $pb_total), $(f B.pb.partial.completions) completions," \
    "$(f B.pb.partial.zero_done) of them 0-byte give-backs"
check "pipelined registration is the default" eq "$(f A.pipelined_default)" Y
for sz in 4096 65536 1048576; do
    check "ibv_reg_mr of $sz bytes timed, pipelined and not" \
        matches "$(f A.pipe.regtime.$sz.reg_us) $(f A.sync.regtime.$sz.reg_us)" \
        '^[0-9.]+ [0-9.]+$'
    echo "# ibv_reg_mr $sz B: pipelined $(f A.pipe.regtime.$sz.reg_us) us," \
        "waiting $(f A.sync.regtime.$sz.reg_us) us;" \
        "ibv_dereg_mr $(f A.pipe.regtime.$sz.dereg_us) / $(f A.sync.regtime.$sz.dereg_us) us"
done
for g in A B; do
    check "guest $g: no kernel warnings" eq "$(f $g.dmesg_bad)" 0
    check "adapter $g: no refused pipelined registration, no doorbell refused" \
        eq "$(f $g.cqp_async_failed) $(f $g.cnt.db_errors)" "0 0"
done
check "adapter B: no driver mistake" eq "$(f B.cnt.err_count)" 0
tap_end
