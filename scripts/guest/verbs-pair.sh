# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# Guest side of running stock RDMA tools between two guests (sourced by the
# busybox shell in each guest of `scripts/run-guest --peer ... --ctl-net`;
# scripts/demo, scripts/bench-guest, scripts/prof-guest and
# tests/guest/verbs-*.sh use it).
# scripts/build-guest installs it as /usr/share/rdma-offload/verbs-pair.sh.
#
# pair ROLE TAG TOOL ARGS...: run TOOL on this guest's RDMA device as the
# server (ROLE=server) or as the client of the other guest (ROLE=client);
# the exchange of QP numbers goes over the control network (10.0.1.x), the
# RDMA traffic over the RDMA network. TAG names this run for the other guest
# (the two must use the same TAG). {DEV} and {GID} in ARGS become the
# device and the index of its IPv4 RoCEv2 GID. The tool's output is printed
# behind "[TAG] "; the return status is the tool's. A run perftest could not
# report (see PAIR_CLOCK_FAILED) is run again, and so, once, is a run whose
# rdma_cm connect came before the server's listen (PAIR_CM_NO_LISTENER).
# When one side's run fails, the other side's tool is stopped (pair_watch)
# rather than left waiting for its partner: a caller that runs `pair` in
# the background while it uses `peer` itself sets PAIR_WATCH=0, for a
# guest's peer port takes one request at a time.
# With -R among ARGS (perftest over the RDMA connection manager) the client
# connects to the other guest's RDMA-network address (10.0.0.x) and the
# server counts as ready once its rdma_cm ID listens; otherwise the address
# is the control network's (--ctl-net) and ready means its TCP port
# listens. After `pair server`, PAIR_READY is 1 if the last run's server
# was seen ready before its client was released. PAIR_TIMEOUT, if set, is
# the seconds each run of the tool may take.
# pair_irqs counts the guest's interrupts (snapshots around a run).
# Needs /bin/peer (run-guest --peer).

PAIR_PORT=18515
# Where the last run's output is left (tests/guest/migrate.sh reads it).
PAIR_OUT=${PAIR_OUT:-/tmp/pair.out}

# This guest's RDMA device (rdo0, or rxe0 for soft-RoCE) and its GID index.
# shellcheck disable=SC2012 # sysfs names are plain words
pair_dev() { ls /sys/class/infiniband | head -n1; }
pair_gid() {
    for f in /sys/class/infiniband/"$1"/ports/1/gids/*; do
        grep -q '^0000:0000:0000:0000:0000:ffff:' "$f" && { basename "$f"; return; }
    done
}

# Is something listening on TCP port $1 (IPv4 or IPv6)?
pair_listening() {
    hex=$(printf ':%04X$' "$1")
    cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v p="$hex" '$2 ~ p && $4 == "0A" { f = 1 } END { exit !f }'
}

# pair_cm_ready STATE COMM PID: waits (up to 30 s, while process PID
# lives) until `rdma res show cm_id` lists an rdma_cm ID of program COMM in
# STATE: LISTEN for a server, which a client must see before it connects
# (a connect request nobody listens for yet is rejected, and perftest and
# librdmacm's examples do not retry). False if it never was.
pair_cm_ready() {
    c=$(echo "$2" | cut -c1-15)
    i=0
    until rdma res show cm_id | grep -q "state $1 .* comm $c "; do
        kill -0 "$3" 2>/dev/null && [ $i -lt 300 ] || return 1
        sleep 0.1
        i=$((i + 1))
    done
}

# pair_peer_ip NET: the other guest's address on NET (10.0.0 for RDMA,
# 10.0.1 for control): run-guest gives A .1 and B .2.
pair_peer_ip() {
    if ip -4 addr show | grep -q "inet $1\.1/"; then echo "$1.2"; else echo "$1.1"; fi
}

# pair_prog TOOL ARGS...: the program's name, past env, timeout and their
# arguments (what `rdma res` lists as its comm).
pair_prog() {
    for w in "$@"; do
        case $w in
        env | timeout | *=* | [0-9]*) ;;
        *) basename "$w"; return ;;
        esac
    done
}

# pair_watch PID OTHER TAG ATTEMPT: waits for this side's tool (PID) to end
# and, while it runs, looks every second whether the OTHER side's
# (client or server) run of this pair has ended (`pair` says so at once):
# when it failed, or its guest is gone, this side's tool is stopped, for a
# tool whose partner is gone can wait for it for ever (perftest's last
# handshake polls its CQ without end). PAIR_STOPPED says why it was (empty
# if it was not); the status is the tool's.
pair_watch() {
    PAIR_STOPPED=
    i=0
    while kill -0 "$1" 2>/dev/null; do
        if [ "${PAIR_WATCH:-1}" = 1 ] && [ $((i % 4)) = 3 ]; then
            other_end=$(peer try "done-$2-$3.$4")
            case $? in
            0) [ "${other_end%% *}" = 0 ] ||
                PAIR_STOPPED="the $2's run failed (exit status ${other_end%% *})" ;;
            2) PAIR_STOPPED="the $2's guest is gone" ;;
            esac
            if [ -n "$PAIR_STOPPED" ]; then
                kill "$1" 2>/dev/null
                break
            fi
        fi
        sleep 0.25
        i=$((i + 1))
    done
    wait "$1"
}

# pair_once ROLE TAG ATTEMPT TOOL ARGS...: one run of the pair; its output is
# left in $PAIR_OUT, its status returned.
# shellcheck disable=SC2034 # PAIR_READY is for the caller of `pair server`
pair_once() {
    role=$1 tag=$2 attempt=$3 tool=$4
    shift 4
    PAIR_STOPPED=
    dev=$(pair_dev)
    gid=$(pair_gid "$dev")
    if [ -z "$dev" ] || [ -z "$gid" ]; then
        echo "no RDMA device with an IPv4 GID" > "$PAIR_OUT"
        # Its client is not to wait for a server that never starts.
        [ "$role" = server ] && peer put "ready-$tag.$attempt" 0
        return 1
    fi
    args=$(echo "$*" | sed "s/{DEV}/$dev/g; s/{GID}/$gid/g")
    cm=0 net=10.0.1
    case " $args " in *" -R "*) cm=1 net=10.0.0 ;; esac
    limit=
    [ -n "${PAIR_TIMEOUT:-}" ] && limit="timeout $PAIR_TIMEOUT"
    if [ "$role" = server ]; then
        # shellcheck disable=SC2086 # ARGS are words
        $limit $tool $args -p $PAIR_PORT > "$PAIR_OUT" 2>&1 &
        pid=$!
        PAIR_READY=0
        if [ $cm = 1 ]; then
            # shellcheck disable=SC2086
            pair_cm_ready LISTEN "$(pair_prog $tool $args)" $pid && PAIR_READY=1
        else
            i=0
            while ! pair_listening $PAIR_PORT && kill -0 $pid 2>/dev/null && [ $i -lt 600 ]; do
                sleep 0.1
                i=$((i + 1))
            done
            pair_listening $PAIR_PORT && PAIR_READY=1
        fi
        peer put "ready-$tag.$attempt" 1
        pair_watch $pid client "$tag" "$attempt"
    else
        : > "$PAIR_OUT"
        ready=$(peer get "ready-$tag.$attempt") || return 1
        if [ "$ready" != 1 ]; then
            echo "the server could not start its tool" > "$PAIR_OUT"
            return 1
        fi
        # shellcheck disable=SC2086
        $limit $tool $args -p $PAIR_PORT "$(pair_peer_ip $net)" > "$PAIR_OUT" 2>&1 &
        pair_watch $! server "$tag" "$attempt"
    fi
}

# perftest measures the CPU clock against gettimeofday before it reports
# and, when a vCPU descheduled on a busy host spoils that regression
# ("Correlation coefficient r^2: ... < 0.9"), prints 0.00 as its figure
# (with -F) or no report at all (without: status 1, and its partner then
# waits in perftest's last handshake until pair_watch stops it), although
# the run itself went well. Either side can be hit.
PAIR_CLOCK_FAILED='Correlation coefficient r^2'
# perftest -R makes two rdma_cm connections, the second once both sides
# have synchronised over the first; the server listens for the second only
# then, and a client quicker than that has its REQ rejected, reason 8
# (invalid service ID). perftest prints the event as below; its retry then
# uses the IDs it has just destroyed (4.5-0.17: a segfault).
PAIR_CM_NO_LISTENER='Event: RDMA_CM_EVENT_REJECTED; error: 8.'

# Each side ends a run with done-ROLE-TAG.N ("STATUS CLOCK", CLOCK 1 when
# its perftest could not measure the clock); the client then decides
# whether the whole run goes again (again-TAG.N: "1 WHY" or 0), and the
# server follows its word: after a clock complaint of either side, up to
# three runs in all; after a REJ for want of the second listen, once.
# The last run's output and status are the result.
pair() {
    role=$1 tag=$2 tool=$3
    shift 3
    attempt=1 cm_again=0
    while :; do
        pair_once "$role" "$tag" "$attempt" "$tool" "$@"
        rc=$?
        clock=0
        grep -qF "$PAIR_CLOCK_FAILED" "$PAIR_OUT" && clock=1
        peer put "done-$role-$tag.$attempt" "$rc $clock"
        sed "s/^/[$tag] /" "$PAIR_OUT"
        # (a tool stopped mid-line)
        [ -z "$(tail -c 1 "$PAIR_OUT")" ] || echo
        echo "[$tag] $tool ($role) exit status $rc"
        [ -z "$PAIR_STOPPED" ] || echo "[$tag] stopped this side's $tool: $PAIR_STOPPED"
        if [ "$role" = client ]; then
            # The server's word is waited for only when its run has ended
            # or will: after a good run here, or one stopped for it.
            why=
            if [ $clock = 1 ]; then
                why="perftest could not measure the CPU clock (client)"
            elif [ $rc = 0 ] || [ -n "$PAIR_STOPPED" ]; then
                server_end=$(peer get "done-server-$tag.$attempt") || server_end=
                [ "${server_end#* }" = 1 ] && why="perftest could not measure the CPU clock (server)"
            elif [ $cm_again = 0 ] && grep -qF "$PAIR_CM_NO_LISTENER" "$PAIR_OUT"; then
                why="the server did not listen yet for perftest's second rdma_cm connection (REJ reason 8)"
                cm_again=1
            fi
            again=0
            [ -n "$why" ] && [ "$attempt" -lt 3 ] && again="1 $why"
            peer put "again-$tag.$attempt" "$again"
        else
            again=$(peer get "again-$tag.$attempt") || again=0
            why=${again#* }
        fi
        [ "${again%% *}" = 1 ] || return $rc
        echo "[$tag] again: $why (attempt $attempt)"
        attempt=$((attempt + 1))
    done
}

# For a client that is not `pair client` (a test's own, e.g. one it
# kills): pair_await_server TAG waits until the server of `pair server TAG`
# is ready; pair_release_server TAG then ends that server's pair after its
# first run.
pair_await_server() { peer get "ready-$1.1" >/dev/null; }
pair_release_server() { peer put "again-$1.1" 0; }

# pair_irqs NAME=PATTERN...: for each argument a line NAME=N, N the
# interrupts taken so far, summed over every CPU, by the numbered lines of
# /proc/interrupts whose handler (the last field) matches the awk regular
# expression PATTERN (empty: every line). NAME and PATTERN have no spaces.
# E.g. `pair_irqs rdo=^rdma_offload- all=` prints rdo=... and all=....
# PAIR_INTERRUPTS names another file to read (tests/tools/verbs-pair.sh).
pair_irqs() {
    awk -v spec="$*" 'BEGIN { n = split(spec, w, " ")
            for (j = 1; j <= n; j++) {
                k = index(w[j], "="); name[j] = substr(w[j], 1, k); pat[j] = substr(w[j], k + 1) } }
        $1 ~ /^[0-9]+:$/ { s = 0; for (i = 2; i <= NF; i++) { if ($i !~ /^[0-9]+$/) break; s += $i }
            for (j = 1; j <= n; j++) if ($NF ~ pat[j]) sum[j] += s }
        END { for (j = 1; j <= n; j++) printf "%s%d\n", name[j], sum[j] }' "${PAIR_INTERRUPTS:-/proc/interrupts}"
}
