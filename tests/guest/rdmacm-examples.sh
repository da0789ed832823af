#!/usr/bin/env bash
# Guest test: rdma-core's librdmacm example programs, as a user runs them,
# between two adapter guests (A serves, B connects) and between the adapter
# and Linux soft-RoCE both ways (A's rdo0 serves rxe0 on B, then B's rxe0
# serves rdo0 on A). Each program must exit 0 and print what it prints when
# data went through (rping validates every ping, rstream and riostream
# verify every byte); udaddy, ucmatose and mckey count completions without
# looking at their status, so the receiving side must also have counted at
# least as many packets as messages. mckey's "server" is a multicast
# receiver that joins a group and its "client" a sender that joins and
# sends to it. A client starts only once its server's rdma_cm ID is
# listening (rdma res show cm_id), or for mckey once the receiver's join
# came back (its QP is attached), not after a sleep.
#
# Then the adapter's offloaded listener (issue 17): on A, the rdo_cm_test
# module (tests/guest/cm-test) listens on RDMA CM port 7471 through the
# driver's kernel API with a pool of 16 QPs that the device recycles, and
# echoes rdma_client's 16 bytes; the stock rdma_client connects from B
# (the adapter, then soft-RoCE) 24 times in a row, then 16 at once. Each
# client must exit 0; A must have seen each connection established, its
# message echoed (a SEND that completed successfully was acknowledged,
# so it reached the client's receive; or, when the client's DREQ overtook
# its ACK, flushed after the client got it, as its exit 0 shows: the two
# together once per client) and disconnected, with the QP back
# in the pool; the device's CM counters (debugfs cm, CM_QUERY) and the
# listener's table must count exactly those 40 connections; and the host's
# ib_cm, loaded and bound to the GSI QP, must have received no REQ and no
# DREQ and sent no REP meanwhile.
#
# Then many connections with the soft-RoCE guest (RDO_CM_CONNS, default
# 256, 16 open at once; tests/guest/progs/rdo-cm-conns.c on B): B connects
# that many times to A's offloaded listener (a pool of 32 the device
# recycles), each connection's 16 bytes echoed and checked by B; then
# A's device connects that many times itself
# (rdo_cm_test's connect: the driver's rdo_cm_connect and
# rdo_cm_disconnect) to B's stock rdma_cm server, which echoes, and A
# checks each echo. The device's CM counters must have grown by exactly
# that many REQs and ends.
#
# Then the same from user space (RDO_CM_USER=0 leaves it out): A runs
# rdo-cm-serve (tests/guest/progs), which listens on port 7473 through the
# provider's rdodv_cm_* with 16 user QPs of its own that it puts back into
# the pool itself, the device's notifications in batches (up to 8, or
# 20 ms after the first: data then often comes before its event). B's
# rdo-cm-conns connects USER_CONNS (48) times, 8 at once, each REQ carrying
# "seed=N" as private data: the tool must have printed each connection
# with B's address and that private data, checked each message against its
# seed and echoed it, and B checked each echo. Two stock rdma_clients then
# connect to it too. Bad requests: an rdma_client to a port nobody listens
# on is refused (by the host's ib_cm: the device passes REQs for unknown
# service IDs to the GSI), and with a pool of 2 kept out (-k) the third
# rdma_client in a row is refused by the device (REJ, no QP). Last, the
# tool's active side (rdodv_cm_connect): A's device connects 16 QPs at
# once to B's rdo-cm-conns server, each sends its pattern, checks the
# echo and disconnects (rdodv_cm_disconnect).
# shellcheck disable=SC2317 # check functions are called through check()
set -uo pipefail
# shellcheck source=tests/guest/lib.sh
source "$(dirname "$0")/lib.sh"

# example NAME SERVER CLIENT SERVER-OK CLIENT-OK COUNT MIN-RX [READY]: one
# program pair. SERVER and CLIENT are commands ($ME_IP and $PEER_IP are the
# guest's and the other's address); COUNT lines of each side's output must
# match its -OK pattern (ERE) and each side must have received at least
# MIN-RX packets while it ran (N, or SERVER-N/CLIENT-N). The client starts
# once READY, a guest command run after the server started ($prog: its
# program, $pid: its process), succeeded; by default, once its rdma_cm ID
# listens.
NAMES=()
declare -A SRV CLI SRV_OK CLI_OK COUNT MIN_RX READY
example() {
    # RDMACM_EXAMPLES="NAME...": run only those (when working on one).
    [[ " ${RDMACM_EXAMPLES:-$1} " = *" $1 "* ]] || return 0
    NAMES+=("$1")
    SRV[$1]=$2 CLI[$1]=$3 SRV_OK[$1]=$4 CLI_OK[$1]=$5 COUNT[$1]=$6
    MIN_RX[$1.server]=${7%/*} MIN_RX[$1.client]=${7#*/}
    # shellcheck disable=SC2016 # expanded in the guest
    READY[$1]=${8:-'pair_cm_ready LISTEN $prog $pid'}
}
# RDMA READ and WRITE of a 5000-byte malloc'd buffer (two pages, unaligned).
example rping "rping -s -a \$ME_IP -v -S 5000" "rping -c -a \$PEER_IP -C 10 -v -V -S 5000" \
    '^server ping data: rdma-ping-[0-9]+: [A-Z]' '^ping data: rdma-ping-[0-9]+: [A-Z]' 10 20
# rsockets (RDMA WRITE with immediate), blocking calls, data verified.
example rstream "rstream -T b -T v -S 20000 -C 20" "rstream -s \$PEER_IP -T b -T v -S 20000 -C 20" \
    '^custom +19k +20 +1 +781k +[0-9.]+s +[0-9.]+' '^custom +19k +20 +1 +781k +[0-9.]+s +[0-9.]+' 1 20
# rsockets' riomap/riowrite into the peer's mapped buffer, data verified.
example riostream "riostream -T b -T v -S 20000 -C 20" "riostream -s \$PEER_IP -T b -T v -S 20000 -C 20" \
    '^custom +19k +20 +1 +781k +[0-9.]+s +[0-9.]+' '^custom +19k +20 +1 +781k +[0-9.]+s +[0-9.]+' 1 20
# UD QPs through rdma_cm (SIDR), 20 datagrams each way.
example udaddy "udaddy -C 20" "udaddy -s \$PEER_IP -C 20" \
    '^data transfers complete$' '^data transfers complete$' 1 20
# RC SENDs on a connection rdma_cm set up, 20 each way, then disconnect.
example ucmatose "ucmatose -C 20" "ucmatose -s \$PEER_IP -C 20" \
    '^data transfers complete$' '^data transfers complete$' 1 20
# The rdma_verbs.h API (rdma_create_ep, rdma_post_send/recv): one message each way.
example rdma_server "rdma_server" "rdma_client -s \$PEER_IP" \
    '^rdma_server: end 0$' '^rdma_client: end 0$' 1 1
# UD multicast through rdma_cm's join: the server joins 239.1.2.3 and waits
# for 20 datagrams (one receive WQE each), the client joins and sends 20.
# The receiver counts completions without looking at their status, so it
# must also have received 20 packets; the sender receives nothing it must
# count. Ready once the receiver has joined: mckey starts its event thread
# only after every join event came back, and librdmacm attaches the QP to
# the group before it returns that event (its stdout, a file, is block
# buffered, so its "joined" line shows up only at exit).
# shellcheck disable=SC2016 # expanded in the guest
example mckey "mckey -m 239.1.2.3 -b \$ME_IP -C 20" "mckey -s -m 239.1.2.3 -b \$ME_IP -C 20" \
    '^data transfers complete$' '^data transfers complete$' 1 20/0 'mc_joined $prog $pid'

# The offloaded listener's rounds: clients in a row, then at once (the pool).
OFF_SEQ=24 OFF_PAR=16
OFFLOAD=1
[[ -z ${RDMACM_EXAMPLES:-} || " $RDMACM_EXAMPLES " = *" offload "* ]] || OFFLOAD=0
# Many connections (soft-RoCE guest): RDO_CM_CONNS of them, CONNS_BATCH
# open at once: rxe0 to A's offloaded listener (a pool of CONNS_POOL,
# recycled), then A's device connecting to rxe0 (RDO_CM_ACTIVE=0 leaves
# that out).
CONNS=${RDO_CM_CONNS:-256} CONNS_BATCH=16 CONNS_POOL=32
ACTIVE=${RDO_CM_ACTIVE:-1}
MANY_PORT=7472   # the guest functions' too
# From user space (rdo-cm-serve): USER_CONNS connections, USER_BATCH at once,
# to a pool of USER_POOL.
USER=${RDO_CM_USER:-1}
USER_CONNS=48 USER_BATCH=8 USER_POOL=16
USER_PORT=7473   # the guest functions' too

# Guest side (busybox sh), after ME_IP and PEER_IP.
read -r -d '' CM_FUNCS <<'EOF'
. /usr/share/rdma-offload/verbs-pair.sh
modprobe rdma_ucm || echo modprobe_failed=1
DEV=$(ls /sys/class/infiniband | head -n1)
echo "dev=$DEV"
# RoCE packets this guest's device received.
rx_pkts() {
    c=/sys/class/infiniband/$DEV/ports/1/hw_counters/rcvd_pkts
    if [ -f $c ]; then cat $c; else
        sed -n 's/^cnt\.rx_packets=//p' /sys/kernel/debug/rdma_offload/*/state | head -n1
    fi
}
# mc_joined PROG PID: PROG (mckey, the only one running; PID or a child of
# it) has joined its group: its second thread runs.
mc_joined() {
    i=0
    until [ "$(ls /proc/$(pidof "$1" | cut -d' ' -f1)/task 2>/dev/null | wc -l)" -ge 2 ]; do
        kill -0 "$2" 2>/dev/null && [ $i -lt 300 ] || return 1
        sleep 0.1
        i=$((i + 1))
    done
}
# Offloaded listener. ibcm: host ib_cm's REQs and DREQs received and REPs
# sent on this device ("x" when it has no counters).
OFF_PORT=7471
C=/sys/kernel/debug/rdo_cm_test
ibcm() {
    d=/sys/class/infiniband/$DEV/ports/1
    for m in cm_rx_msgs/req cm_rx_msgs/dreq cm_tx_msgs/rep; do
        printf '%s ' "$(cat $d/$m 2>/dev/null || echo x)"
    done
}
# off_server TAG SEQ PAR: listen with a pool of PAR, wait for SEQ clients,
# then for SEQ + PAR; the module's checks, the device's counters.
off_server() {
    t=$1
    modprobe rdo_cm_test || echo "$t.modprobe_failed=1"
    echo "$t.ibcm0=$(ibcm)"
    echo "listen $DEV port=$OFF_PORT pool=$3 addr=$ME_IP" > $C/ctl
    echo "$t.listen.rc=$?"
    sed "s/^/$t.listen./" $C/result
    peer put $t.ready 1
    peer get $t.seq.done > /dev/null
    echo "wait $2" > $C/ctl
    echo "$t.seq.rc=$?"
    sed "s/^/$t.seq./" $C/result
    peer put $t.ready2 1
    peer get $t.par.done > /dev/null
    echo "wait $(($2 + $3))" > $C/ctl
    echo "$t.all.rc=$?"
    sed "s/^/$t.all./" $C/result
    sed "s/^/$t./" /sys/kernel/debug/rdma_offload/*/cm
    echo "$t.ibcm1=$(ibcm)"
    echo unlisten > $C/ctl
    echo "$t.unlisten.rc=$?"
    peer put $t.server.done 1
}
# off_client TAG SEQ PAR: SEQ stock rdma_clients one after the other, then
# PAR at once; how many exited 0 having printed "end 0".
off_client() {
    t=$1
    peer get $t.ready > /dev/null
    i=0 ok=0
    while [ $i -lt $2 ]; do
        timeout 30 rdma_client -s $PEER_IP -p $OFF_PORT > /tmp/oc.out 2>&1 &&
            grep -q '^rdma_client: end 0$' /tmp/oc.out && ok=$((ok + 1))
        i=$((i + 1))
    done
    echo "$t.seq_ok=$ok"
    [ $ok = $2 ] || cut -c1-120 /tmp/oc.out | sed "s/^/$t.seq| /"
    peer put $t.seq.done 1
    peer get $t.ready2 > /dev/null
    i=0
    while [ $i -lt $3 ]; do
        (timeout 60 rdma_client -s $PEER_IP -p $OFF_PORT > /tmp/oc.$i.out 2>&1
         echo $? > /tmp/oc.$i.rc) &
        i=$((i + 1))
    done
    wait
    echo "$t.par_exit0=$(cat /tmp/oc.*.rc | grep -c '^0$')"
    echo "$t.par_ok=$(grep -l '^rdma_client: end 0$' /tmp/oc.*.out | wc -l)"
    peer put $t.par.done 1
    peer get $t.server.done > /dev/null
}
# Many connections on RDMA CM port 7472 (rdo-cm-conns on the stock side,
# its 16 bytes per connection echoed and checked). cmcounts KEY: the
# device's CM counters as KEY.cm.NAME facts.
MANY_PORT=7472
cmcounts() { sed "s/^/$1./" /sys/kernel/debug/rdma_offload/*/cm; }
# many_server TAG N BATCH POOL: A's offloaded listener, a pool of POOL.
many_server() {
    t=$1
    modprobe rdo_cm_test || echo "$t.modprobe_failed=1"
    cmcounts $t.c0
    echo "$t.ibcm0=$(ibcm)"
    echo "listen $DEV port=$MANY_PORT pool=$4 addr=$ME_IP" > $C/ctl
    echo "$t.listen.rc=$?"
    sed "s/^/$t.listen./" $C/result
    peer put $t.ready 1
    peer get $t.client.done > /dev/null
    echo "wait $2" > $C/ctl
    echo "$t.wait.rc=$?"
    sed "s/^/$t.wait./" $C/result
    cmcounts $t.c1
    echo "$t.ibcm1=$(ibcm)"
    echo unlisten > $C/ctl
    peer put $t.server.done 1
}
# many_client TAG N BATCH POOL: rdo-cm-conns connects N times, BATCH at once.
many_client() {
    t=$1
    peer get $t.ready > /dev/null
    timeout 300 rdo-cm-conns client $PEER_IP $MANY_PORT $2 $3 > /tmp/mc.out 2>&1
    echo "$t.rc=$?"
    { grep -v _error= /tmp/mc.out; grep _error= /tmp/mc.out | head -n 5; } | sed "s/^/$t./"
    peer put $t.client.done 1
    peer get $t.server.done > /dev/null
}
# conns_serve TAG PORT N: rdo-cm-conns serves N connections on PORT; the
# peer hears TAG.ready once it listens.
conns_serve() {
    timeout 300 rdo-cm-conns server $2 $3 > /tmp/as.out 2>&1 &
    pid=$!
    pair_cm_ready LISTEN rdo-cm-conns $pid && echo "$1.ready=1"
    peer put $1.ready 1
    wait $pid
    echo "$1.rc=$?"
    { grep -v _error= /tmp/as.out; grep _error= /tmp/as.out | head -n 5; } | sed "s/^/$1./"
}
# active_server TAG N BATCH: rdo-cm-conns serves N connections.
active_server() {
    conns_serve $1 $MANY_PORT $2
    peer put $1.server.done 1
}
# active_client TAG N BATCH: A's device connects N times, BATCH at once
# (rdo_cm_test's connect), to the peer's address through its MAC.
active_client() {
    t=$1
    modprobe rdo_cm_test || echo "$t.modprobe_failed=1"
    cmcounts $t.c0
    mac=$(awk -v ip="$PEER_IP" '$1 == ip { print $4 }' /proc/net/arp)
    peer get $t.ready > /dev/null
    echo "connect $DEV addr=$ME_IP peer=$PEER_IP port=$MANY_PORT mac=$mac n=$2 batch=$3" > $C/ctl
    echo "$t.connect.rc=$?"
    sed "s/^/$t.connect./" $C/result
    cmcounts $t.c1
    echo unlisten > $C/ctl
    peer get $t.server.done > /dev/null
}
# The offloaded listener from user space: rdo-cm-serve on port 7473.
USER_PORT=7473 NOLISTEN_PORT=7479 ACTIVE_PORT=7474
# serve_start OUT ARGS...: rdo-cm-serve in the background until it listens.
serve_start() {
    out=$1
    shift
    rdo-cm-serve -d $DEV -a $ME_IP -p $USER_PORT "$@" > $out 2>&1 &
    spid=$!
    i=0
    until grep -q '^listening ' $out; do
        kill -0 $spid 2>/dev/null && [ $i -lt 300 ] || return 1
        sleep 0.1
        i=$((i + 1))
    done
}
# serve_stop TAG OUT: SIGTERM, then its facts and a few of its lines.
serve_stop() {
    kill -TERM $spid
    wait $spid
    echo "$1.rc=$?"
    grep -E '^[a-z_]+=' $2 | sed "s/^/$1./"
    grep -vE '^[a-z_]+=' $2 | head -n 4 | cut -c1-160 | sed "s/^/$1| /"
    grep -E '_error|stray|check_bad' $2 | head -n 5 | sed "s/^/$1| /"
}
# user_server TAG N BATCH POOL: rdo-cm-serve with a pool of POOL, the
# device's notifications in batches of up to 8 or 20 ms (so data often
# comes before its ESTABLISHED event); then with a pool of 2 kept out.
user_server() {
    t=$1
    cmcounts $t.c0
    echo "$t.ibcm0=$(ibcm)"
    serve_start /tmp/us.out -n $4 -b 8 -w 20000 && echo "$t.listening=1"
    peer put $t.ready 1
    peer get $t.client.done > /dev/null
    serve_stop $t /tmp/us.out
    echo "$t.seeded=$(grep -c "^established qpn=[0-9]* peer=$PEER_IP .* private=seed=[0-9]* " /tmp/us.out)"
    echo "$t.est_lines=$(grep -c '^established ' /tmp/us.out)"
    cmcounts $t.c1
    echo "$t.ibcm1=$(ibcm)"
    serve_start /tmp/uk.out -n 2 -k && echo "$t.k.listening=1"
    peer put $t.ready2 1
    peer get $t.client2.done > /dev/null
    serve_stop $t.k /tmp/uk.out
    cmcounts $t.c2
    # The active side: 16 connections at once to B's stock server.
    mac=$(awk -v ip="$PEER_IP" '$1 == ip { print $4 }' /proc/net/arp)
    peer get $t.a.ready > /dev/null
    timeout 120 rdo-cm-serve -d $DEV -a $ME_IP -C $PEER_IP -m "$mac" -p $ACTIVE_PORT -n 16 > /tmp/ua.out 2>&1
    echo "$t.a.rc=$?"
    sed "s/^/$t.a./" /tmp/ua.out | head -n 20
    cmcounts $t.c3
    peer put $t.server.done 1
}
# user_client TAG N BATCH: rdo-cm-conns (seeds as private data), two
# rdma_clients, one to a port nobody listens on; then three rdma_clients.
user_client() {
    t=$1
    peer get $t.ready > /dev/null
    RDO_CM_SEED=1 timeout 300 rdo-cm-conns client $PEER_IP $USER_PORT $2 $3 > /tmp/uc.out 2>&1
    echo "$t.rc=$?"
    { grep -v _error= /tmp/uc.out; grep _error= /tmp/uc.out | head -n 5; } | sed "s/^/$t./"
    i=0 ok=0
    while [ $i -lt 2 ]; do
        timeout 30 rdma_client -s $PEER_IP -p $USER_PORT > /tmp/oc.out 2>&1 &&
            grep -q '^rdma_client: end 0$' /tmp/oc.out && ok=$((ok + 1))
        i=$((i + 1))
    done
    echo "$t.stock_ok=$ok"
    timeout 30 rdma_client -s $PEER_IP -p $NOLISTEN_PORT > /tmp/oc.out 2>&1
    echo "$t.nolisten.rc=$?"
    echo "$t.nolisten.refused=$(grep -c '^rdma_connect: Connection refused' /tmp/oc.out)"
    peer put $t.client.done 1
    peer get $t.ready2 > /dev/null
    i=0 ok=0
    while [ $i -lt 3 ]; do
        timeout 30 rdma_client -s $PEER_IP -p $USER_PORT > /tmp/oc.$i.out 2>&1 &&
            grep -q '^rdma_client: end 0$' /tmp/oc.$i.out && ok=$((ok + 1))
        i=$((i + 1))
    done
    echo "$t.k.ok=$ok"
    echo "$t.k.refused=$(grep -c '^rdma_connect: Connection refused' /tmp/oc.2.out)"
    peer put $t.client2.done 1
    conns_serve $t.a $ACTIVE_PORT 16
    peer get $t.server.done > /dev/null
}
# ex TAG server|client READY OK-PATTERN COMMAND: one side of one example;
# facts TAG.rc, TAG.ok (lines matching OK), TAG.rx (packets received),
# the output as "TAG| line".
ex() {
    tag=$1 role=$2 ready=$3 ok=$4
    shift 4
    rx0=$(rx_pkts)
    if [ "$role" = server ]; then
        eval "timeout 90 $*" > /tmp/ex.out 2>&1 &
        pid=$!
        prog=$1
        eval "$ready" && echo "$tag.ready=1"
        peer put "$tag.ready" 1
        wait $pid
        rc=$?
    else
        peer get "$tag.ready" > /dev/null
        eval "timeout 60 $*" > /tmp/ex.out 2>&1
        rc=$?
    fi
    echo "$tag.rc=$rc"
    echo "$tag.ok=$(grep -cE "$ok" /tmp/ex.out)"
    echo "$tag.rx=$(($(rx_pkts) - rx0))"
    cut -c1-120 /tmp/ex.out | sed "s/^/$tag| /"
    # Both sides finish one example before the next starts.
    peer put "$tag.$role.done" 1
    [ "$role" = server ] && other=client || other=server
    peer get "$tag.$other.done" > /dev/null
}
EOF

# guest_script ME_IP PEER_IP ROUND:ROLE...: a guest's command, each round
# running every example in the given role.
guest_script() {
    local me=$1 peer=$2 r round role name cmd ok
    shift 2
    printf 'ME_IP=%s PEER_IP=%s\n%s\n' "$me" "$peer" "$CM_FUNCS"
    for r in "$@"; do
        round=${r%%:*} role=${r#*:}
        case $role in
            oserver|oclient)
                [ "$OFFLOAD" = 1 ] && printf 'off_%s %s %s %s\n' "${role#o}" "$round" "$OFF_SEQ" "$OFF_PAR"
                continue ;;
            user_*)
                [ "$OFFLOAD" = 1 ] && [ "$USER" = 1 ] &&
                    printf '%s %s %s %s %s\n' "$role" "$round" "$USER_CONNS" "$USER_BATCH" "$USER_POOL"
                continue ;;
            many_*|active_*)
                [ "$OFFLOAD" = 1 ] && { [ "$ACTIVE" = 1 ] || [ "${role%%_*}" = many ]; } &&
                    printf '%s %s %s %s %s\n' "$role" "$round" "$CONNS" "$CONNS_BATCH" "$CONNS_POOL"
                continue ;;
        esac
        for name in "${NAMES[@]}"; do
            if [ "$role" = server ]; then cmd=${SRV[$name]} ok=${SRV_OK[$name]}
            else cmd=${CLI[$name]} ok=${CLI_OK[$name]}; fi
            printf 'ex %q %s %q %q %s\n' "$round.$name" "$role" "${READY[$name]}" "$ok" "$cmd"
        done
    done
    # shellcheck disable=SC2016 # expanded in the guest
    echo 'echo "dmesg_bad=$(dmesg | grep -cE "WARNING:|BUG:|Oops|Call Trace")"'
    # shellcheck disable=SC2016
    echo 'echo "qp_errors=$(dmesg | grep -c "went to error")"'
    echo 'echo finished=1'
}

# side_ok G ROUND NAME ROLE: G ran its side of NAME in ROUND as it should.
side_ok() {
    local k="$1.$2.$3"
    [ "$4" = client ] || eq "$(f "$k.ready")" 1 || { echo "#   server not listening"; return 1; }
    eq "$(f "$k.rc") $(f "$k.ok")" "0 ${COUNT[$3]}" &&
        { [ "$(f "$k.rx")" -ge "${MIN_RX[$3.$4]}" ] 2>/dev/null ||
          { echo "#   received $(f "$k.rx") packets, want >= ${MIN_RX[$3.$4]}"; return 1; }; }
}
# round_checks ROUND SERVER-G SERVER-DEV CLIENT-G CLIENT-DEV
round_checks() {
    local name figures=
    for name in "${NAMES[@]}"; do
        check "$name, $3 ($2) serves $5 ($4): server side" side_ok "$2" "$1" "$name" server
        check "$name, $3 ($2) serves $5 ($4): client side" side_ok "$4" "$1" "$name" client
        figures+=" $name $(f "$2.$1.$name.rx")/$(f "$4.$1.$name.rx")"
    done
    echo "# packets received (server/client), $3 serves $5:$figures"
}
# ibcm_quiet KEY: ib_cm's counters (REQs, DREQs received, REPs sent) read
# and the same after the clients as before; the listener went away fine.
ibcm_quiet() {
    [[ -n $(f "$1.ibcm0") && $(f "$1.ibcm0") != *x* ]] ||
        { echo "#   no ib_cm counters: '$(f "$1.ibcm0")'"; return 1; }
    eq "$(f "$1.ibcm1") $(f "$1.unlisten.rc")" "$(f "$1.ibcm0") 0"
}
# answered KEY: the clients rdo_cm_test answered (echoed, or flushed after
# the client got it: see above).
answered() {
    local e s
    e=$(f "$1.echoed") s=$(f "$1.send_flushed")
    echo $((${e:-0} + ${s:-0}))
}
# off_checks ROUND WHAT: the offloaded listener on A served B's clients.
off_checks() {
    local k="A.$1" all=$((OFF_SEQ + OFF_PAR))
    [ "$OFFLOAD" = 1 ] || return 0
    check "offload, $2: rdo_cm_test listens on rdo0 port 7471, pool of $OFF_PAR QPs" \
        eq "$(f "$k.listen.rc") $(f "$k.listen.result") $(f "$k.listen.pool")" "0 pass $OFF_PAR"
    check "offload, $2: $OFF_SEQ stock rdma_clients in a row connect, exit 0" \
        eq "$(f "B.$1.seq_ok")" "$OFF_SEQ"
    check "offload, $2: each established, its 16 bytes echoed, disconnected, QP recycled" \
        eq "$(f "$k.seq.rc") $(f "$k.seq.result") $(answered "$k.seq")" "0 pass $OFF_SEQ"
    check "offload, $2: $OFF_PAR rdma_clients at once (the whole pool) connect, exit 0" \
        eq "$(f "B.$1.par_exit0") $(f "B.$1.par_ok")" "$OFF_PAR $OFF_PAR"
    check "offload, $2: all $all served (established, echoed, disconnected, recycled)" \
        eq "$(f "$k.all.rc") $(f "$k.all.result") $(answered "$k.all")" "0 pass $all"
    check "offload, $2: device CM counters: $all REQs, established, disconnected; no REJ, no entry lost" \
        eq "$(f "$k.cm.reqs") $(f "$k.cm.established") $(f "$k.cm.disconnected") $(f "$k.cm.rej_sent") $(f "$k.cm.aborted") $(f "$k.cm.entries_lost")" \
        "$all $all $all 0 0 0"
    check "offload, $2: the listener's table: $((2 * all)) entries read, $all ESTABLISHED, $all DISCONNECTED" \
        eq "$(f "$k.cm.entries") $(f "$k.listener.0.consumed") $(f "$k.listener.0.established") $(f "$k.listener.0.disconnected") $(f "$k.listener.0.stray")" \
        "$((2 * all)) $((2 * all)) $all $all 0"
    check "offload, $2: one event per batch (events <= entries, every one read)" \
        test "$(f "$k.cm.events")" -ge 1 -a "$(f "$k.cm.events")" -le "$((2 * all))" -a \
        "$(f "$k.listener.0.notified")" = "$((2 * all))"
    check "offload, $2: host ib_cm (loaded, on the GSI QP) received no REQ or DREQ, sent no REP" \
        ibcm_quiet "$k"
    echo "# offload, $2: $(f "$k.cm.events") CM events for $(f "$k.cm.entries") entries;" \
        "$(f "$k.cm.established_by_data") established by the first packet; ib_cm $(f "$k.ibcm1")"
}
# cmdelta KEY NAME: how much the device's CM counter NAME grew in round KEY.
cmdelta() { echo $(( ${F[$1.c1.cm.$2]:-0} - ${F[$1.c0.cm.$2]:-0} )); }
# many_checks ROUND: B's rdo-cm-conns connected CONNS times to A's listener.
many_checks() {
    local a="A.$1" b="B.$1" cnt=$CONNS w="rxe0 -> offloaded listener"
    [ "$OFFLOAD" = 1 ] || return 0
    check "$w: rdo_cm_test listens on rdo0 port $MANY_PORT, pool of $CONNS_POOL" \
        eq "$(f "$a.listen.rc") $(f "$a.listen.result") $(f "$a.listen.pool")" "0 pass $CONNS_POOL"
    check "$w: $cnt connections, $CONNS_BATCH at once, each one's 16 bytes echoed and checked" \
        eq "$(f "$b.rc") $(f "$b.conns") $(f "$b.echo_ok") $(f "$b.echo_bad") $(f "$b.errors")" \
        "0 $cnt $cnt 0 0"
    check "$w: A saw each established, echoed, disconnected, its QP recycled" \
        eq "$(f "$a.wait.rc") $(f "$a.wait.result") $(answered "$a.wait")" "0 pass $cnt"
    check "$w: the device counted $cnt REQs, established, disconnected; no REJ, abort, lost entry" \
        eq "$(cmdelta "$a" reqs) $(cmdelta "$a" established) $(cmdelta "$a" disconnected) $(cmdelta "$a" rej_sent) $(cmdelta "$a" aborted) $(cmdelta "$a" entries_lost)" \
        "$cnt $cnt $cnt 0 0 0"
    check "$w: host ib_cm (loaded, on the GSI QP) received no REQ or DREQ, sent no REP" \
        eq "$(f "$a.ibcm1")" "$(f "$a.ibcm0")"
    echo "# $w: $cnt connections in $(f "$b.ms") ms; $(cmdelta "$a" events) CM events"
}
# active_checks ROUND: A's device connected CONNS times to B's rdo-cm-conns.
active_checks() {
    local a="A.$1" b="B.$1" cnt=$CONNS w="rdo0 connects (offloaded) -> rxe0"
    [ "$OFFLOAD" = 1 ] && [ "$ACTIVE" = 1 ] || return 0
    check "$w: rdo-cm-conns listens on rxe0" eq "$(f "$b.ready")" 1
    check "$w: $cnt connections, $CONNS_BATCH at once, each sent 16 bytes, checked their echo, disconnected" \
        eq "$(f "$a.connect.rc") $(f "$a.connect.result") $(f "$a.connect.echo_ok")" "0 pass $cnt"
    check "$w: the stock server accepted, echoed and saw the end of each" \
        eq "$(f "$b.rc") $(f "$b.accepted") $(f "$b.established") $(f "$b.echoed") $(f "$b.disconnected") $(f "$b.errors")" \
        "0 $cnt $cnt $cnt $cnt 0"
    check "$w: the device sent $cnt REQs and $cnt DREQs, got $cnt REPs; no REJ, no abort" \
        eq "$(cmdelta "$a" reqs_sent) $(cmdelta "$a" dreqs_sent) $(cmdelta "$a" reps_received) $(cmdelta "$a" rej_received) $(cmdelta "$a" aborted)" \
        "$cnt $cnt $cnt 0 0"
    echo "# $w: $cnt connections in $(f "$a.connect.ms") ms"
}
# user_checks ROUND: B's stock clients to A's rdo-cm-serve.
user_checks() {
    local a="A.$1" b="B.$1" cnt=$USER_CONNS all=$((USER_CONNS + 2)) w="rxe0 -> rdo-cm-serve (user space)"
    [ "$OFFLOAD" = 1 ] && [ "$USER" = 1 ] || return 0
    check "$w: listens on rdo0 port $USER_PORT through rdodv_cm_listen, pool of $USER_POOL user QPs" \
        eq "$(f "$a.listening")" 1
    check "$w: $cnt connections, $USER_BATCH at once, each one's 16 bytes echoed and checked by B" \
        eq "$(f "$b.rc") $(f "$b.conns") $(f "$b.echo_ok") $(f "$b.echo_bad") $(f "$b.errors")" \
        "0 $cnt $cnt 0 0"
    check "$w: two stock rdma_clients connect and exit 0" eq "$(f "$b.stock_ok")" 2
    check "$w: the tool printed each with B's address and its seed as private data" \
        eq "$(f "$a.seeded") $(f "$a.est_lines")" "$cnt $all"
    check "$w: the tool checked each seeded message, answered all, saw each end; no error, no event lost" \
        eq "$(f "$a.rc") $(f "$a.established") $(f "$a.disconnected") $(f "$a.aborted") $(f "$a.checked") $(f "$a.check_bad") $(( $(f "$a.echoed") + $(f "$a.send_flushed") )) $(f "$a.errors") $(f "$a.lost")" \
        "0 $all $all 0 $cnt 0 $all 0 0"
    check "$w: the device counted $all REQs, established, disconnected; no REJ, abort, lost entry" \
        eq "$(cmdelta "$a" reqs) $(cmdelta "$a" established) $(cmdelta "$a" disconnected) $(cmdelta "$a" rej_sent) $(cmdelta "$a" aborted) $(cmdelta "$a" entries_lost)" \
        "$all $all $all 0 0 0"
    check "$w: one CM event per batch (events <= entries)" \
        test "$(cmdelta "$a" events)" -ge 1 -a "$(cmdelta "$a" events)" -le "$((2 * all))"
    check "$w: a REQ for a port nobody listens on is refused (host ib_cm's REJ; the device passed it on)" \
        eq "$(f "$b.nolisten.rc") $(f "$b.nolisten.refused") $(( ${F[$a.ibcm1]%% *} - ${F[$a.ibcm0]%% *} ))" "255 1 1"
    check "$w: pool of 2 kept out: 2 rdma_clients served, the third refused (REJ no QP)" \
        eq "$(f "$a.k.listening") $(f "$b.k.ok") $(f "$b.k.refused") $(( ${F[$a.c2.cm.rej_no_qp]:-0} - ${F[$a.c1.cm.rej_no_qp]:-0} ))" \
        "1 2 1 1"
    check "$w: ... and the tool saw just those 2, ended" \
        eq "$(f "$a.k.rc") $(f "$a.k.established") $(f "$a.k.disconnected") $(f "$a.k.errors")" "0 2 2 0"
    w="rdo-cm-serve connects (rdodv_cm_connect) -> rxe0"
    check "$w: 16 at once, each sent its pattern, checked the echo, disconnected" \
        eq "$(f "$a.a.rc") $(f "$a.a.established") $(f "$a.a.echo_ok") $(f "$a.a.disconnected") $(f "$a.a.aborted") $(f "$a.a.errors")" \
        "0 16 16 16 0 0"
    check "$w: the stock server accepted, echoed and saw the end of each" \
        eq "$(f "$b.a.ready") $(f "$b.a.rc") $(f "$b.a.accepted") $(f "$b.a.echoed") $(f "$b.a.disconnected") $(f "$b.a.errors")" \
        "1 0 16 16 16 0"
    check "$w: the device sent 16 REQs and DREQs, got 16 REPs" \
        eq "$(( ${F[$a.c3.cm.reqs_sent]:-0} - ${F[$a.c2.cm.reqs_sent]:-0} )) $(( ${F[$a.c3.cm.dreqs_sent]:-0} - ${F[$a.c2.cm.dreqs_sent]:-0} )) $(( ${F[$a.c3.cm.reps_received]:-0} - ${F[$a.c2.cm.reps_received]:-0} ))" \
        "16 16 16"
    echo "# $w: 16 connections in $(f "$a.a.ms") ms"
    w="rxe0 -> rdo-cm-serve (user space)"
    echo "# $w: $cnt connections in $(f "$b.ms") ms; $(cmdelta "$a" events) CM events for $((2 * all)) entries"
}
healthy() { eq "$(f "$1.finished") $(f "$1.dmesg_bad") $(f "$1.qp_errors")" "1 0 0"; }
rc_all=0
outputs=
# boot PEER A-ROUNDS B-ROUNDS: one run of two guests (B: run-guest --peer
# PEER); each guest's rounds are ROUND:ROLE words.
boot() {
    F=()
    # shellcheck disable=SC2086 # the rounds are words
    guest_run --peer "$1" --timeout 600 \
        --cmd "$(guest_script 10.0.0.1 10.0.0.2 $2)" \
        --peer-cmd "$(guest_script 10.0.0.2 10.0.0.1 $3)"
    [ "$run_rc" = 0 ] || rc_all=$run_rc
    outputs+=$output$'\n'
}

boot adapter "aa:server ao:oserver" "aa:client ao:oclient"
check "adapter <-> adapter: both guests ran to the end, rdo0 on each" \
    eq "$run_rc $(f A.dev) $(f B.dev)" "0 rdo0 rdo0"
round_checks aa A rdo0 B rdo0
off_checks ao "rdo0 serves rdo0"
check "adapter <-> adapter: no kernel warning, no QP went to error (A)" healthy A
check "adapter <-> adapter: no kernel warning, no QP went to error (B)" healthy B

boot rxe "ar:server ra:client ro:oserver mr:many_server ac:active_client us:user_server" \
    "ar:client ra:server ro:oclient mr:many_client ac:active_server us:user_client"
check "adapter <-> rxe: both guests ran to the end, rdo0 and rxe0" \
    eq "$run_rc $(f A.dev) $(f B.dev)" "0 rdo0 rxe0"
round_checks ar A rdo0 B rxe0
round_checks ra B rxe0 A rdo0
off_checks ro "rdo0 serves rxe0"
many_checks mr
active_checks ac
user_checks us
check "adapter <-> rxe: no kernel warning, no QP went to error (A)" healthy A
check "adapter <-> rxe: no kernel warning (B)" healthy B
run_rc=$rc_all
output=$outputs         # both runs' output, should a check fail
tap_end
