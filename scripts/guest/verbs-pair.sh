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

# pair_once ROLE TAG ATTEMPT TOOL ARGS...: one run of the pair; its output is
# left in $PAIR_OUT, its status returned.
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
    if [ "$role" = server ]; then
        # shellcheck disable=SC2086 # ARGS are words
        $tool $args -p $PAIR_PORT > "$PAIR_OUT" 2>&1 &
        pid=$!
        i=0
        while ! pair_listening $PAIR_PORT && kill -0 $pid 2>/dev/null && [ $i -lt 600 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        peer put "ready-$tag.$attempt" 1
        wait $pid
    else
        : > "$PAIR_OUT"
        peer get "ready-$tag.$attempt" >/dev/null || return 1
        peer_ip=10.0.1.1
        [ "$(ip -4 addr show | grep -c 'inet 10.0.1.1/')" = 1 ] && peer_ip=10.0.1.2
        # shellcheck disable=SC2086
        $tool $args -p $PAIR_PORT $peer_ip > "$PAIR_OUT" 2>&1
    fi
}

# perftest measures the CPU clock against gettimeofday before it reports
# and, when a vCPU descheduled on a busy host spoils that regression
# ("Correlation coefficient r^2: ... < 0.9"), prints 0.00 as its figure
# (with -F) although the run itself went well. The client then asks for the
# whole run again, up to twice; the server follows its word.
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
        if [ "$role" = client ]; then
            again=0
            grep -qF "$PAIR_CLOCK_FAILED" "$PAIR_OUT" && [ "$attempt" -lt 3 ] && again=1
            peer put "again-$tag.$attempt" $again
        else
            again=$(peer get "again-$tag.$attempt") || again=0
        fi
        [ "$again" = 1 ] || return $rc
        echo "[$tag] again: perftest could not measure the CPU clock (attempt $attempt)"
        attempt=$((attempt + 1))
    done
}
