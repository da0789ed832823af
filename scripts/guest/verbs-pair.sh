# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# Guest side of running stock RDMA tools between two guests (sourced by the
# busybox shell in each guest of `scripts/run-guest --peer ... --ctl-net`;
# scripts/demo, scripts/bench-guest and tests/guest/verbs-*.sh use it).
# scripts/build-guest installs it as /usr/share/rdma-offload/verbs-pair.sh.
#
# pair ROLE TAG TOOL ARGS...: run TOOL on this guest's RDMA device as the
# server (ROLE=server) or as the client of the other guest (ROLE=client);
# the exchange of QP numbers goes over the control network (10.0.1.x), the
# RDMA traffic over the RDMA network. TAG names this run for the other guest
# (the two must use the same TAG). {DEV} and {GID} in ARGS become the
# device and the index of its IPv4 RoCEv2 GID. The tool's output is printed
# behind "[TAG] "; the return status is the tool's. A run perftest could not
# report (see PAIR_CLOCK_FAILED) is run again.
# With -R among ARGS (perftest over the RDMA connection manager) the client
# connects to the other guest's RDMA-network address (10.0.0.x) and the
# server counts as ready once its rdma_cm ID listens; otherwise the address
# is the control network's (--ctl-net) and ready means its TCP port
# listens. After `pair server`, PAIR_READY is 1 if the last run's server
# was seen ready before its client was released. PAIR_TIMEOUT, if set, is
# the seconds each run of the tool may take.
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

# pair_once ROLE TAG ATTEMPT TOOL ARGS...: one run of the pair; its output is
# left in $PAIR_OUT, its status returned.
# shellcheck disable=SC2034 # PAIR_READY is for the caller of `pair server`
pair_once() {
    role=$1 tag=$2 attempt=$3 tool=$4
    shift 4
    dev=$(pair_dev)
    gid=$(pair_gid "$dev")
    if [ -z "$dev" ] || [ -z "$gid" ]; then
        echo "no RDMA device with an IPv4 GID" > "$PAIR_OUT"
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
        wait $pid
    else
        : > "$PAIR_OUT"
        peer get "ready-$tag.$attempt" >/dev/null || return 1
        # shellcheck disable=SC2086
        $limit $tool $args -p $PAIR_PORT "$(pair_peer_ip $net)" > "$PAIR_OUT" 2>&1
    fi
}

# perftest measures the CPU clock against gettimeofday before it reports
# and, when a vCPU descheduled on a busy host spoils that regression
# ("Correlation coefficient r^2: ... < 0.9"), prints 0.00 as its figure
# (with -F) or no report at all (without: status 1), although the run
# itself went well. Either side can be hit: the server says whether it
# was (clock-TAG.N), the client decides and asks for the whole run again,
# up to twice (again-TAG.N); the server follows its word.
PAIR_CLOCK_FAILED='Correlation coefficient r^2'

pair() {
    role=$1 tag=$2 tool=$3
    shift 3
    attempt=1
    while :; do
        pair_once "$role" "$tag" "$attempt" "$tool" "$@"
        rc=$?
        sed "s/^/[$tag] /" "$PAIR_OUT"
        echo "[$tag] $tool ($role) exit status $rc"
        clock=0
        grep -qF "$PAIR_CLOCK_FAILED" "$PAIR_OUT" && clock=1
        if [ "$role" = client ]; then
            # The server's word matters only after a good run here: a
            # tool's failure is not repeated, and the server of a client
            # that failed may never end.
            server_clock=0
            [ $rc = 0 ] && [ $clock = 0 ] &&
                { server_clock=$(peer get "clock-$tag.$attempt") || server_clock=0; }
            again=0
            [ $clock = 1 ] || [ "$server_clock" = 1 ] && [ "$attempt" -lt 3 ] && again=1
            peer put "again-$tag.$attempt" $again
        else
            peer put "clock-$tag.$attempt" $clock
            again=$(peer get "again-$tag.$attempt") || again=0
        fi
        [ "$again" = 1 ] || return $rc
        echo "[$tag] again: perftest could not measure the CPU clock (attempt $attempt)"
        attempt=$((attempt + 1))
    done
}

# For a client that is not `pair client` (a test's own, e.g. one it
# kills): pair_await_server TAG waits until the server of `pair server TAG`
# is ready; pair_release_server TAG then ends that server's pair after its
# first run.
pair_await_server() { peer get "ready-$1.1" >/dev/null; }
pair_release_server() { peer put "again-$1.1" 0; }
