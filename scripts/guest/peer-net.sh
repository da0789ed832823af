#!/bin/sh
# /peer-net.sh of a two-guest run (scripts/run-guest --peer): this guest's
# side of the peer network. run-guest puts it, with its settings in
# /peer-net.conf, into the guest's per-run files and runs it before the
# command (it failing ends the run with status 99); run it again after
# reloading rdma_offload (the net_device is new). It brings the RDMA
# network's interface (found by its MAC) up with this guest's address, makes
# the other guest a permanent neighbour, loads and binds soft-RoCE on an rxe
# guest, sets up the control network's interface (--ctl-net) and waits for
# the IPv4 GID.
#
# /peer-net.conf (shell assignments, written by run-guest):
#   NET_IP NET_MAC      this guest's address and MAC on the RDMA network
#   NET_PEER_IP NET_PEER_MAC  the other guest's (empty: none)
#   NET_NEIGH           "IP MAC IP MAC ...": the guests of one segment
#                       (run-guest --segment), each a permanent neighbour
#                       (this guest's own pair is skipped)
#   NET_RXE             1: soft-RoCE (rxe0) on virtio-net, else 0
#   NET_GID             the IPv4-mapped GID of NET_IP to wait for
#   CTL_IP CTL_MAC      this guest's on the control network (empty: none)
#   NET2_IP NET2_MAC NET2_PEER_IP NET2_PEER_MAC NET2_GID  the same for the
#                       adapter's second port, cabled to a third guest
#                       (run-guest --peer2; empty: none)

NET_RXE=0
CTL_IP=
CTL_MAC=
NET2_IP=
NET_NEIGH=
# shellcheck source=/dev/null # written by run-guest
. /peer-net.conf

fail() { echo "peer-net: set-up failed: $*"; exit 1; }
wait_for() { i=0; while [ $i -lt 100 ] && ! eval "$1"; do sleep 0.1; i=$((i + 1)); done; eval "$1"; }
# The interface with MAC $1.
if_of() { grep -lx "$1" /sys/class/net/*/address 2>/dev/null | head -n1 | cut -d/ -f5; }
# link_up MAC IP PEER_IP PEER_MAC: the interface with MAC up with IP/24 and
# the peer (if any) a permanent neighbour; the interface in $d.
link_up() {
    m=$1
    # shellcheck disable=SC2016 # expanded by wait_for's eval
    wait_for '[ -n "$(if_of "$m")" ]' || fail "no interface with MAC $m"
    d=$(if_of "$m")
    ip link set "$d" up || fail "$d up"
    ip addr show dev "$d" | grep -q "inet $2/" || ip addr add "$2/24" dev "$d" || fail "address $2"
    [ -z "$3" ] || arp -i "$d" -s "$3" "$4" || fail "neighbour $3"
}

if [ "$NET_RXE" = 1 ] || [ -n "$CTL_IP" ]; then
    { modprobe virtio_pci && modprobe virtio_net; } || fail "virtio-net modules"
fi
# shellcheck disable=SC2153 # NET_IP is set by /peer-net.conf
link_up "$NET_MAC" "$NET_IP" "$NET_PEER_IP" "$NET_PEER_MAC"
dev=$d
# shellcheck disable=SC2086 # a list of words
set -- $NET_NEIGH
while [ $# -ge 2 ]; do
    [ "$1" = "$NET_IP" ] || arp -i "$dev" -s "$1" "$2" || fail "neighbour $1"
    shift 2
done
[ -z "$NET2_IP" ] || link_up "$NET2_MAC" "$NET2_IP" "$NET2_PEER_IP" "$NET2_PEER_MAC"
if [ "$NET_RXE" = 1 ]; then
    [ -e /sys/class/infiniband/rxe0 ] || { modprobe crc32_generic && modprobe rdma_rxe &&
        rdma link add rxe0 type rxe netdev "$dev"; } || fail "rxe0"
fi
if [ -n "$CTL_IP" ]; then
    # shellcheck disable=SC2016 # expanded by wait_for's eval
    wait_for '[ -n "$(if_of "$CTL_MAC")" ]' || fail "no interface with MAC $CTL_MAC"
    ctl=$(if_of "$CTL_MAC")
    ip link set "$ctl" up || fail "$ctl up"
    ip addr show dev "$ctl" | grep -q "inet $CTL_IP/" || ip addr add "$CTL_IP/24" dev "$ctl" || fail "control address"
fi
# shellcheck disable=SC2016 # expanded by wait_for's eval
wait_for 'grep -qs "$NET_GID" /sys/class/infiniband/*/ports/1/gids/*' || fail "no GID $NET_GID"
# shellcheck disable=SC2016 # expanded by wait_for's eval
[ -z "$NET2_IP" ] || wait_for 'grep -qs "$NET2_GID" /sys/class/infiniband/*/ports/2/gids/*' ||
    fail "no GID $NET2_GID on port 2"
