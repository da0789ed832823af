#!/usr/bin/env bash
# Tools test: scripts/guest/verbs-pair.sh, the guests' side of running a
# stock tool between two guests, in the busybox shell the guests use. Two
# shells on this host play server and client; /bin/peer's key store is a
# directory, the tool a stand-in that prints perftest's clock complaint the
# first FAILS times. Checked: a clean run is run once; a run whose client
# or server could not measure the clock is run again on both sides, at
# most three times in all, and the last status is returned; the tool's
# own failure is returned and not repeated; a client without a device
# still releases the server; with -R (rdma_cm) the client goes to the
# RDMA network's address and the server waits for its rdma_cm ID to
# listen; pair_irqs sums a made-up /proc/interrupts. Prints TAP.
source "$(dirname "$0")/../../scripts/lib.sh"
set +e

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
source "$(dirname "$0")/tap.sh"
# The guests' shell if this host has it, else the system's.
sh_cmd=(sh)
command -v busybox >/dev/null && sh_cmd=(busybox sh)

# The stand-ins, sourced after verbs-pair.sh by both shells.
cat > "$dir/stubs.sh" <<'EOF'
peer() {   # put KEY VALUE | get KEY | try KEY, through files; get gives up after 20 s
    if [ "$1" = put ]; then echo "$3" > "$KV/$2.tmp" && mv "$KV/$2.tmp" "$KV/$2"; return; fi
    if [ "$1" = try ]; then cat "$KV/$2" 2>/dev/null; return; fi
    i=0
    until [ -f "$KV/$2" ]; do
        [ $i -lt 200 ] || return 1
        sleep 0.1; i=$((i + 1))
    done
    cat "$KV/$2"
}
pair_dev() { [ "$NODEV" = 1 ] || echo rdo0; }
pair_gid() { echo 3; }
pair_listening() { true; }
pair_cm_ready() { echo "$1 $2" > "$KV/cm_ready.$ROLE"; }
ip() { :; }
fake_perftest() {   # counts its runs; fails FAILS times (on SIDE) as KIND says
    n=$(($(cat "$KV/runs.$ROLE" 2>/dev/null || echo 0) + 1))
    echo $n > "$KV/runs.$ROLE"
    echo "args: $*"
    if [ "$ROLE" = "$SIDE" ] && [ "$n" -le "$FAILS" ]; then
        case $KIND in
        clock) echo "Correlation coefficient r^2: 0.41 < 0.9"
               echo " 65536      1000             0.00               0.00" ;;
        rej8) echo "RDMA CM event error:"
              echo "Event: RDMA_CM_EVENT_REJECTED; error: 8." ;;
        *) echo " Failed to exchange data between server and clients" ;;
        esac
        return "$FAIL_RC"
    fi
    echo " 65536      1000             123.45             120.00"
    if [ "$HANG" = 1 ] && [ "$n" -le "$FAILS" ]; then
        # Its partner failed: perftest's last handshake waits for ever
        # (here 100 s, beyond the test's limit of 60 s a side).
        i=0
        while [ $i -lt 1000 ]; do sleep 0.1; i=$((i + 1)); done
        echo "hang ended"
    fi
    return "$STATUS"
}
EOF

# run_pair NAME FAILS STATUS [NODEV [SIDE [ARGS]]]: both sides of one pair
# run, the tool complaining about the clock FAILS times on SIDE (client);
# NODEV 1 or client: the client has no device, server: the server. With
# KIND (clock, rej8: rdma_cm's REJ for want of a listener, other) the
# failing runs fail so, with status FAIL_RC (STATUS); with HANG=1 the
# partner of a failing run then waits for ever. Leaves NAME.server,
# NAME.client (output), NAME.rc.{server,client} and the server's PAIR_READY
# in NAME/ready.
run_pair() {
    local name=$1 role
    mkdir -p "$dir/$name"
    for role in server client; do
        local nodev=0 without=${4:-0}
        [ "$without" = 1 ] && without=client
        [ "$without" = "$role" ] && nodev=1
        KV=$dir/$name FAILS=$2 STATUS=$3 ROLE=$role NODEV=$nodev SIDE=${5:-client} \
            KIND=${KIND:-clock} FAIL_RC=${FAIL_RC:-$3} HANG=${HANG:-0} PAIR_OUT=$dir/$name/out.$role timeout 60 "${sh_cmd[@]}" -c \
            ". '$TOP/scripts/guest/verbs-pair.sh'; . '$dir/stubs.sh';
             pair $role bw.1 fake_perftest -d {DEV} -x {GID} -s 65536 ${6:-}; rc=\$?
             [ $role = server ] && echo \"\$PAIR_READY\" > '$dir/$name/ready'; exit \$rc" \
            > "$dir/$name.$role" 2>&1 &
        eval "pid_$role=\$!"
    done
    # shellcheck disable=SC2154 # set by the eval above
    wait "$pid_server"; echo $? > "$dir/$name.rc.server"
    # shellcheck disable=SC2154
    wait "$pid_client"; echo $? > "$dir/$name.rc.client"
}
runs() { cat "$dir/$1/runs.$2" 2>/dev/null || echo 0; }
rc() { cat "$dir/$1.rc.$2"; }
agains() { grep -c '^\[bw.1\] again: ' "$dir/$1.$2"; }

run_pair clean 0 0
[ "$(runs clean server) $(runs clean client)" = "1 1" ]
ok $? "a clean run runs once on each side" || show "$dir/clean.client"
[ "$(rc clean server) $(rc clean client)" = "0 0" ]
ok $? "a clean run returns the tool's status 0 on both sides"
grep -q '^\[bw.1\] args: -d rdo0 -x 3 -s 65536 -p 18515 10.0.1.1$' "$dir/clean.client"
ok $? "the client's tool got {DEV}, {GID}, the port and the server's address" ||
    show "$dir/clean.client"
grep -q '^\[bw.1\] fake_perftest (server) exit status 0$' "$dir/clean.server"
ok $? "the server's output and status are printed behind the tag" || show "$dir/clean.server"

run_pair clock2 2 0
[ "$(runs clock2 server) $(runs clock2 client)" = "3 3" ]
ok $? "two clock complaints: the pair runs three times on both sides" || show "$dir/clock2.client"
[ "$(agains clock2 client) $(agains clock2 server)" = "2 2" ]
ok $? "both sides say why they run again, each time"
[ "$(grep '^\[bw.1\]  65536' "$dir/clock2.client" | tail -n1 | awk '{print $4}')" = 123.45 ]
ok $? "the client's last result row is the good run's"
[ "$(rc clock2 server) $(rc clock2 client)" = "0 0" ]
ok $? "and both return 0"

run_pair clock5 5 0
[ "$(runs clock5 server) $(runs clock5 client)" = "3 3" ]
ok $? "a clock that never measures: three runs in all, then it stops" || show "$dir/clock5.client"
[ "$(agains clock5 client)" = 2 ] && grep -q 'Correlation coefficient' "$dir/clock5/out.client"
ok $? "the last run's complaint stays in the output for the test to see"

run_pair failing 0 7
[ "$(runs failing server) $(runs failing client) $(rc failing client)" = "1 1 7" ]
ok $? "the tool's own failure (status 7) is returned, not repeated"

run_pair nodev 0 0 1
[ "$(rc nodev client) $(rc nodev server)" = "1 0" ]
ok $? "a client with no device fails, and its server is released, not hung" ||
    show "$dir/nodev.server"
grep -q '^\[bw.1\] no RDMA device with an IPv4 GID$' "$dir/nodev.client"
ok $? "the client says it has no device" || show "$dir/nodev.client"

run_pair server2 2 0 0 server
[ "$(runs server2 server) $(runs server2 client)" = "3 3" ]
ok $? "two clock complaints on the server's side: three runs on both sides" ||
    show "$dir/server2.server"
[ "$(agains server2 client) $(agains server2 server) $(rc server2 server)" = "2 2 0" ]
ok $? "the client asked for them, and the server's last run's status is returned"

# The other side's failure stops a tool that would wait for it (pair_watch).
stopped() { grep -c "^\[bw.1\] stopped this side's fake_perftest: the $2's run failed" "$dir/$1.$3"; }
hung() { grep -c 'hang ended' "$dir/$1.$2"; }

KIND=clock FAIL_RC=1 HANG=1 run_pair srvclock 1 0 0 server "-R -n 200"
[ "$(runs srvclock server) $(runs srvclock client)" = "2 2" ]
ok $? "a server whose clock failed (status 1, no report) while its client waits: two runs" ||
    show "$dir/srvclock.client"
[ "$(stopped srvclock server client) $(hung srvclock client)" = "1 0" ]
ok $? "the waiting client was stopped, not left to its end, and said why" ||
    show "$dir/srvclock.client"
grep -q '^\[bw.1\] again: perftest could not measure the CPU clock (server) (attempt 1)$' \
    "$dir/srvclock.client" && [ "$(agains srvclock server)" = 1 ]
ok $? "the client read the server's complaint and both ran again" || show "$dir/srvclock.client"
[ "$(rc srvclock server) $(rc srvclock client)" = "0 0" ]
ok $? "the second run is the result: both return 0"

KIND=clock FAIL_RC=1 HANG=1 run_pair srvclock5 5 0 0 server "-R -n 200"
[ "$(runs srvclock5 server) $(runs srvclock5 client) $(stopped srvclock5 server client)" = "3 3 3" ]
ok $? "a server whose clock never measures: three runs, the client stopped each time" ||
    show "$dir/srvclock5.client"
[ "$(rc srvclock5 server)" = 1 ] && [ "$(rc srvclock5 client)" != 0 ] &&
    [ "$(grep -c '^\[bw.1\] Correlation coefficient' "$dir/srvclock5.server")" = 3 ]
ok $? "both then fail, and the server's complaint of every run is printed" ||
    show "$dir/srvclock5.server"

KIND=other FAIL_RC=1 HANG=1 run_pair srvfail 1 0 0 server "-R -n 200"
[ "$(runs srvfail server) $(runs srvfail client) $(rc srvfail server)" = "1 1 1" ] &&
    [ "$(rc srvfail client)" != 0 ]
ok $? "a server's own failure stops its waiting client, is not run again, fails both" ||
    show "$dir/srvfail.client"
[ "$(stopped srvfail server client) $(hung srvfail client)" = "1 0" ]
ok $? "and the client says it stopped for the server" || show "$dir/srvfail.client"

KIND=clock FAIL_RC=1 HANG=1 run_pair cliclock 1 0 0 client
[ "$(runs cliclock server) $(runs cliclock client) $(rc cliclock server) $(rc cliclock client)" = \
    "2 2 0 0" ]
ok $? "a client whose clock failed while its server waits: two runs, both return 0" ||
    show "$dir/cliclock.server"
[ "$(stopped cliclock client server) $(hung cliclock server)" = "1 0" ]
ok $? "the waiting server was stopped, not left to its end" || show "$dir/cliclock.server"

KIND=rej8 FAIL_RC=139 HANG=1 run_pair rej8 1 0 0 client "-R -n 200"
[ "$(runs rej8 server) $(runs rej8 client) $(rc rej8 server) $(rc rej8 client)" = "2 2 0 0" ]
ok $? "a client rejected for want of a listener (REJ reason 8): run again, both return 0" ||
    show "$dir/rej8.client"
why='the server did not listen yet for perftest.s second rdma_cm connection (REJ reason 8) (attempt 1)'
grep -q "^\[bw.1\] again: $why\$" "$dir/rej8.client" &&
    grep -q "^\[bw.1\] again: $why\$" "$dir/rej8.server" && [ "$(hung rej8 server)" = 0 ]
ok $? "both sides say why; the server that waited for a connect was stopped" ||
    show "$dir/rej8.server"

KIND=rej8 FAIL_RC=139 HANG=1 run_pair rej8x2 2 0 0 client "-R -n 200"
[ "$(runs rej8x2 server) $(runs rej8x2 client) $(rc rej8x2 client)" = "2 2 139" ] &&
    [ "$(rc rej8x2 server)" != 0 ]
ok $? "a second REJ is not run again: the client's status stands" || show "$dir/rej8x2.client"

run_pair srvnodev 0 0 server
[ "$(rc srvnodev server) $(rc srvnodev client) $(runs srvnodev client)" = "1 1 0" ]
ok $? "a server with no device releases its client, which does not run its tool" ||
    show "$dir/srvnodev.client"
grep -q '^\[bw.1\] the server could not start its tool$' "$dir/srvnodev.client"
ok $? "and the client says so" || show "$dir/srvnodev.client"

run_pair cm 0 0 0 client "-R -n 200"
grep -q '^\[bw.1\] args: -d rdo0 -x 3 -s 65536 -R -n 200 -p 18515 10.0.0.1$' "$dir/cm.client"
ok $? "with -R the client goes to the RDMA network's address" || show "$dir/cm.client"
[ "$(cat "$dir/cm/cm_ready.server" 2>/dev/null) $(cat "$dir/cm/ready")" = "LISTEN fake_perftest 1" ]
ok $? "and the server is ready when its program's rdma_cm ID listens (PAIR_READY 1)" ||
    show "$dir/cm.server"
[ ! -e "$dir/clean/cm_ready.server" ] && [ "$(cat "$dir/clean/ready")" = 1 ]
ok $? "without -R the server waits for its TCP port, not an rdma_cm ID"

for words in "ib_send_bw -R:ib_send_bw" "timeout 120 ib_send_bw -R:ib_send_bw" \
    "env RDO_PUSH_MAX=0 /usr/bin/ib_send_lat -s 64:ib_send_lat"; do
    got=$("${sh_cmd[@]}" -c ". '$TOP/scripts/guest/verbs-pair.sh'; pair_prog ${words%%:*}")
    [ "$got" = "${words#*:}" ]
    ok $? "pair_prog finds the program in '${words%%:*}'" || echo "#   got '$got'"
done

# pair_irqs on a made-up /proc/interrupts of two CPUs: numbered lines only
# (not NMI, LOC), each summed over both CPUs (not over the "2-edge" field
# after them), by the handler's name in the last field.
cat > "$dir/interrupts" <<'EOF'
           CPU0       CPU1
  0:         44          1   IO-APIC   2-edge      timer
 24:        100         23  PCI-MSIX-0000:00:03.0    0-edge      rdma_offload-0
 25:          5          7  PCI-MSIX-0000:00:03.0    1-edge      rdma_offload-1
 26:       1000          2  PCI-MSIX-0000:00:04.0    0-edge      virtio0-input.0
NMI:          3          4   Non-maskable interrupts
LOC:      12345      23456   Local timer interrupts
ERR:          0
EOF
got=$(PAIR_INTERRUPTS=$dir/interrupts "${sh_cmd[@]}" -c \
    ". '$TOP/scripts/guest/verbs-pair.sh'; pair_irqs t.all= t.rdo=^rdma_offload- t.virtio=^virtio t.none=^mlx5" |
    tr '\n' ' ')
[ "$got" = "t.all=1182 t.rdo=135 t.virtio=1002 t.none=0 " ]
ok $? "pair_irqs sums each handler's numbered lines over the CPUs" || echo "#   got '$got'"

echo "1..$n"
exit $failed
