#!/bin/sh
# /usr/share/rdma-offload/rdma-core-suite.sh [-t SEC] [-r] DEV... (full
# image): rdma-core's own test suite (tests/run_tests.py over pyverbs,
# installed by scripts/build-rdma-core in /usr/share/doc/rdma-core/tests)
# against each RDMA device in turn, verbose, each run between the lines
#   @@rdma-core-suite begin DEV
#   @@rdma-core-suite end DEV rc=N
# (N: run_tests.py's status; -t SEC stops a run after SEC seconds). The
# suite runs its tests on one device, client and server in the same guest
# (loopback). With -r, each test that failed or erred runs once more on its
# own, its verbose output between
#   @@rdma-core-suite retry DEV TEST
#   @@rdma-core-suite retried DEV TEST rc=N
# (a few tests race an asynchronous device under TCG, see
# scripts/rdma-core-tests).
# Set-up first: rdma_ucm (the librdmacm tests), a few 2 MiB huge pages (the
# huge-page tests), rdo0's net_device up with 10.0.0.1/24, and for rxe0
# soft-RoCE bound to the virtio-net NIC with MAC 52:54:00:0c:00:01
# (10.0.1.1/24; scripts/rdma-core-tests adds it), never the adapter's own
# net_device. scripts/rdma-core-tests reads the output.
limit=0
retry=0
while [ $# -gt 0 ]; do
    case $1 in
    -t) limit=$2; shift 2 ;;
    -r) retry=1; shift ;;
    *) break ;;
    esac
done
fail() { echo "rdma-core-suite: set-up failed: $*"; exit 1; }
wait_for() { i=0; while [ $i -lt 100 ] && ! eval "$1"; do sleep 0.1; i=$((i + 1)); done; eval "$1"; }
if_of() { grep -lx "$1" /sys/class/net/*/address 2>/dev/null | head -n1 | cut -d/ -f5; }
# up IFACE ADDR DEV: the interface up with ADDR/24, DEV's IPv4 GID there.
up() {
    ip link set "$1" up || fail "$1 up"
    ip addr add "$2/24" dev "$1" || fail "address on $1"
    gid=$(echo "$2" | awk -F. '{ printf "0000:0000:0000:0000:0000:ffff:%02x%02x:%02x%02x", $1, $2, $3, $4 }')
    # shellcheck disable=SC2034 # used by wait_for's eval
    gids=/sys/class/infiniband/$3/ports/1/gids
    # shellcheck disable=SC2016 # expanded by wait_for's eval
    wait_for 'grep -qs "$gid" "$gids"/*' || fail "no GID $gid on $3"
}

modprobe rdma_ucm || fail "rdma_ucm"
echo 8 > /proc/sys/vm/nr_hugepages
for dev in "$@"; do
    case $dev in
    rxe*)
        [ -e "/sys/class/infiniband/$dev" ] && continue
        { modprobe virtio_pci && modprobe virtio_net && modprobe crc32_generic &&
          modprobe rdma_rxe; } || fail "soft-RoCE modules"
        # shellcheck disable=SC2016 # expanded by wait_for's eval
        wait_for '[ -n "$(if_of 52:54:00:0c:00:01)" ]' || fail "no virtio-net NIC for $dev"
        nic=$(if_of 52:54:00:0c:00:01)
        rdma link add "$dev" type rxe netdev "$nic" || fail "rdma link add $dev"
        up "$nic" 10.0.1.1 "$dev"
        ;;
    *)
        [ -d "/sys/class/infiniband/$dev/device/net" ] || fail "no $dev with a net_device"
        for nic in "/sys/class/infiniband/$dev/device/net"/*; do break; done
        up "${nic##*/}" 10.0.0.1 "$dev"
        ;;
    esac
done

cd /usr/share/doc/rdma-core/tests || fail "no rdma-core tests"
# suite DEV [TEST]: run_tests.py, whole or one test, within the time limit.
suite() {
    if [ "$limit" -gt 0 ]; then
        timeout "$limit" python3 run_tests.py --dev "$@" -v 2>&1
    else
        python3 run_tests.py --dev "$@" -v 2>&1
    fi
}
for dev in "$@"; do
    echo "@@rdma-core-suite begin $dev"
    suite "$dev" > /tmp/suite.out
    rc=$?
    cat /tmp/suite.out
    echo "@@rdma-core-suite end $dev rc=$rc"
    [ "$retry" = 1 ] || continue
    # unittest's summary names each: "ERROR: test_x (tests.test_mod.C.test_x)"
    sed -n 's/^\(ERROR\|FAIL\): test[a-z0-9_]* (\(tests\.[A-Za-z0-9_.]*\))$/\2/p' \
        /tmp/suite.out > /tmp/suite.failed
    while read -r t; do
        echo "@@rdma-core-suite retry $dev $t"
        suite "$dev" "$t" < /dev/null
        echo "@@rdma-core-suite retried $dev $t rc=$?"
    done < /tmp/suite.failed
done
