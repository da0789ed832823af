#!/usr/bin/env bash
# Tools test: scripts/run-guest's network between two guests (scripts/
# net-pair) with tests/tools/fake-qemu, which reports its netdev
# (FAKE_QEMU_NET=1): by default each QEMU must get one end of a connected
# socketpair (each receives the other's letter), hold no other socket (not
# its peer's end: it would never see the peer close), and have the send
# buffer asked for; with --net-sndbuf 0 both get QEMU's own Unix socket
# path; a bad size is refused. Prints TAP.
source "$(dirname "$0")/../../scripts/lib.sh"
set +e

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
source "$(dirname "$0")/tap.sh"
export RDO_QEMU_BIN=$TOP/tests/tools/fake-qemu FAKE_QEMU_DIR=$dir FAKE_QEMU_NET=1
unset RDO_NET_SNDBUF RDO_NET_PAIR RDO_VCPU_NICE RDO_VCPU_SCHED

run() {
    "$TOP/scripts/run-guest" --timeout 60 "$@" >"$dir/out" 2>"$dir/err"
    rc=$?
}
# net G: guest G's fake.net line.
net() { sed -n "s/^$1: fake\.net=//p" "$dir/out"; }
# sndbuf G: the SO_SNDBUF guest G reported.
sndbuf() { net "$1" | sed -n 's/.* sndbuf=\([0-9]*\).*/\1/p'; }
# Root (CAP_NET_ADMIN) gets any size; others are capped at wmem_max.
wmem_max=$(cat /proc/sys/net/core/wmem_max)
expect_size() {
    if [ "$(id -u)" = 0 ] || [ "$1" -le "$wmem_max" ]; then echo "$1"; else echo "$wmem_max"; fi
}

run --peer adapter
a=$(net A) b=$(net B)
[ "$rc" = 0 ] && [[ $a = "fd got=B sockets=1 "* ]] && [[ $b = "fd got=A sockets=1 "* ]]
ok $? "two guests: each QEMU holds one end of a socketpair, connected to the other's" ||
    { show "$dir/out"; show "$dir/err"; }
# The kernel reports twice the size asked (its bookkeeping share).
want=$(expect_size 4194304)
[ "$(sndbuf A)" -ge "$want" ] && [ "$(sndbuf B)" -ge "$want" ]
ok $? "the default send buffer is 4 MiB on both ends (A $(sndbuf A), B $(sndbuf B), at least $want)"

RDO_NET_SNDBUF=65536 run --peer rxe
small_a=$(sndbuf A)
want=$(expect_size 65536)
[ "$rc" = 0 ] && [ -n "$small_a" ] && [ "$small_a" -ge "$want" ] && [ "$small_a" -lt 4194304 ]
ok $? "RDO_NET_SNDBUF=65536 (soft-RoCE peer) sets both ends' buffer: A $small_a" ||
    { show "$dir/out"; show "$dir/err"; }

run --peer adapter --net-sndbuf 0
[ "$rc" = 0 ] && [ "$(net A)" = path ] && [ "$(net B)" = path ]
ok $? "--net-sndbuf 0: QEMU's own Unix socket path" || { show "$dir/out"; show "$dir/err"; }

run --peer adapter --net-sndbuf 4k
[ "$rc" != 0 ] && grep -q -- "--net-sndbuf wants bytes" "$dir/err"
ok $? "--net-sndbuf 4k is refused" || show "$dir/err"

echo "1..$n"
exit "$failed"
