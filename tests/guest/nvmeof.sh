#!/usr/bin/env bash
# shellcheck disable=SC2317 # check functions are called through check()
# Guest test: NVMe over Fabrics, RDMA transport, with the kernel's own
# upper-layer code (nvmet-rdma target, nvme-rdma host, nvme-cli, fio) in the
# full guest image. Three pairs: adapter target and adapter host; adapter
# target and soft-RoCE (rdma_rxe) host; soft-RoCE target and adapter host.
# The target exports a RAM disk (brd, so data reads back) through configfs
# on an RDMA port; the host connects, fio writes and verifies (crc32c) at
# 4 KiB random and 1 MiB sequential blocks, the host disconnects,
# reconnects and verifies the 1 MiB pass again (the data lives on the
# target), disconnects, and both sides unload their NVMe modules; neither
# kernel logs a warning or the driver an error. Data integrity is fio's
# verification; no timing is asserted.
set -uo pipefail
# shellcheck source=tests/guest/peer-lib.sh
source "$(dirname "$0")/peer-lib.sh"

DISK_MIB=32
outputs=
# fio jobs: random 4 KiB writes over 4 MiB, sequential 1 MiB writes over
# 16 MiB (at a distinct offset), each followed by reading back and checking.
V4K="--rw=randwrite --bs=4k --size=4m --iodepth=8 --verify=crc32c --verify_fatal=1"
V1M="--rw=write --bs=1m --offset=8m --size=16m --iodepth=4 --verify=crc32c --verify_fatal=1"

# Guest side, both roles; $ADDR is the target's address.
read -r -d '' COMMON <<'EOF'
. /usr/share/rdma-offload/nvmeof.sh
nvme_log() {
    echo "nvme_errs=$(dmesg | grep -iE 'nvme|nvmet' | grep -ciE 'error|fail|timeout|reset|reconnect|refus')"
    echo "frwr_refused=$(dmesg | grep -ciE 'fast.?reg|FRWR|memory registration')"
    dmesg | grep -iE 'nvme|nvmet|fast.?reg|FRWR|memory registration' |
        grep -iE 'error|fail|timeout|reset|reconnect|refus|fast.?reg|FRWR|registration' |
        head -n 8 | sed 's/^/log: /'
}
EOF
read -r -d '' TARGET <<EOF
nvmf_target \$ADDR $DISK_MIB; echo "target.rc=\$?"
peer put target.ready 1
peer get host.done > /dev/null
nvmf_target_down; echo "target.down_rc=\$?"
nvme_log
health
EOF
read -r -d '' HOST <<EOF
peer get target.ready > /dev/null
if nvmf_connect c1 \$ADDR; then
    d=\$(nvmf_dev)
    nvmf_fio v4k \$d $V4K
    nvmf_fio v1m \$d $V1M
    nvmf_disconnect d1
    if nvmf_connect c2 \$ADDR; then
        nvmf_fio again \$(nvmf_dev) $V1M --verify_only
        nvmf_disconnect d2
    fi
fi
rmmod nvme_rdma && rmmod nvme_fabrics && rmmod nvme_core; echo "host.rmmod_rc=\$?"
peer put host.done 1
nvme_log
health
EOF

# pair NAME T H TARGET-ADDR RUN-GUEST-ARGS...: one boot of two guests, the
# target in T (A or B) and the host in H; checks prefixed with NAME.
pair() {
    local name=$1 t=$2 h=$3 addr=$4 a b
    shift 4
    a="ADDR=$addr"$'\n'"$COMMON"$'\n'"$HEALTH_FUNCS"$'\n'
    b=$a
    if [ "$t" = A ]; then a+=$TARGET b+=$HOST; else a+=$HOST b+=$TARGET; fi
    F=()
    guest_run --image full --timeout 400 "$@" --cmd "$a" --peer-cmd "$b"
    outputs+="# $name"$'\n'"$output"$'\n'
    check "$name: both guests ran to the end (run-guest exit $run_rc)" both_ran
    check "$name: nvmet exports the RAM disk on an RDMA port at $addr:4420" eq "$(f "$t.target.rc")" 0
    check "$name: nvme connect -t rdma; the controller is on RDMA at the target" \
        eq "$(f "$h.c1.rc") $(f "$h.c1.transport") $(f "$h.c1.address")" \
        "0 rdma traddr=$addr,trsvcid=4420"
    check "$name: a namespace block device appeared" matches "$(f "$h.c1.dev")" '^nvme[0-9]+n1$'
    fio_ok "$name" "$h" v4k 4194304 "4 KiB random writes"
    fio_ok "$name" "$h" v1m 16777216 "1 MiB sequential writes"
    check "$name: disconnect took the controller down" \
        eq "$(f "$h.d1.rc") $(f "$h.d1.controllers")" "0 1"
    check "$name: after reconnecting, the 1 MiB data read back from the target verifies" \
        eq "$(f "$h.c2.rc") $(f "$h.again.rc") $(f "$h.again.error") $(f "$h.again.read_bytes")" \
        "0 0 0 16777216"
    check "$name: second disconnect" eq "$(f "$h.d2.rc") $(f "$h.d2.controllers")" "0 1"
    check "$name: host modules removed (nvme_rdma, nvme_fabrics, nvme_core)" \
        eq "$(f "$h.host.rmmod_rc")" 0
    check "$name: target taken down, nvmet_rdma, nvmet and brd removed" \
        eq "$(f "$t.target.down_rc")" 0
    for g in A B; do
        check "$name, guest $g: no kernel warning, driver or CQ error" healthy "$g"
        check "$name, guest $g: no NVMe error, reset or FRWR complaint in dmesg" \
            eq "$(f "$g.nvme_errs") $(f "$g.frwr_refused")" "0 0"
    done
    echo "# $name: 4 KiB verify pass $(f "$h.v4k.read_iops") IOPS reading back," \
        "1 MiB verify pass $(f "$h.v1m.read_MBps") MB/s reading back"
}

# fio_ok NAME G KEY BYTES WHAT: fio exited 0, its job had no error, wrote
# BYTES and read all of them back for verification, and said nothing of
# verification failures.
fio_ok() {
    local k="$2.$3"
    check "$1: fio $5, crc32c verified" \
        eq "$(f "$k.rc") $(f "$k.error") $(f "$k.verify_msgs")" "0 0 0"
    check "$1: fio $5: $4 bytes written and $4 read back" \
        eq "$(f "$k.write_bytes") $(f "$k.read_bytes")" "$4 $4"
}

pair "adapter <-> adapter" A B 10.0.0.1 --peer adapter
rc=$run_rc
pair "rxe host -> adapter target" A B 10.0.0.1 --peer rxe
[ "$rc" != 0 ] || rc=$run_rc
pair "adapter host -> rxe target" B A 10.0.0.2 --peer rxe
[ "$rc" != 0 ] || rc=$run_rc
run_rc=$rc
output=$outputs
tap_end
