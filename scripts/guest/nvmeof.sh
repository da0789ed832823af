#!/bin/sh
# /usr/share/rdma-offload/nvmeof.sh of the full guest image (scripts/build-guest
# --image full): NVMe over Fabrics with the RDMA transport between two
# guests, for tests/guest/nvmeof.sh and scripts/bench-guest. Source it from
# a run's commands; the functions print KEY=VALUE facts and return non-zero
# when a step fails. The target is the kernel's nvmet (configured through
# configfs), the host nvme-rdma through nvme-cli, I/O by fio.

NVMF_NQN=nqn.2024-01.org.rdma-offload:nvmeof
NVMF_HOSTNQN=nqn.2014-08.org.nvmexpress:uuid:$(cat /proc/sys/kernel/random/uuid)
NVMF_SVCID=4420
NVMF_SUBSYS=/sys/kernel/config/nvmet/subsystems/$NVMF_NQN
NVMF_PORT=/sys/kernel/config/nvmet/ports/1

# nvmf_target ADDR MIB: a RAM disk (brd, /dev/ram0, MIB MiB: it keeps what
# is written, unlike null_blk, so fio can verify) exported as namespace 1 of
# $NVMF_NQN to any host on an RDMA port at ADDR:$NVMF_SVCID.
nvmf_target() {
    modprobe nvmet_rdma && modprobe brd rd_nr=1 rd_size=$(($2 * 1024)) || return 1
    grep -q ' /sys/kernel/config ' /proc/mounts ||
        mount -t configfs configfs /sys/kernel/config || return 1
    mkdir "$NVMF_SUBSYS" && echo 1 > "$NVMF_SUBSYS/attr_allow_any_host" &&
        mkdir "$NVMF_SUBSYS/namespaces/1" &&
        printf /dev/ram0 > "$NVMF_SUBSYS/namespaces/1/device_path" &&
        echo 1 > "$NVMF_SUBSYS/namespaces/1/enable" &&
        mkdir "$NVMF_PORT" && echo rdma > "$NVMF_PORT/addr_trtype" &&
        echo ipv4 > "$NVMF_PORT/addr_adrfam" && echo "$1" > "$NVMF_PORT/addr_traddr" &&
        echo "$NVMF_SVCID" > "$NVMF_PORT/addr_trsvcid" &&
        ln -s "$NVMF_SUBSYS" "$NVMF_PORT/subsystems/$NVMF_NQN"
}

# nvmf_target_down: the port and the subsystem taken down, the target's
# modules and the RAM disk unloaded.
nvmf_target_down() {
    rm "$NVMF_PORT/subsystems/$NVMF_NQN" && rmdir "$NVMF_PORT" &&
        echo 0 > "$NVMF_SUBSYS/namespaces/1/enable" &&
        rmdir "$NVMF_SUBSYS/namespaces/1" && rmdir "$NVMF_SUBSYS" &&
        rmmod nvmet_rdma && rmmod nvmet && rmmod brd
}

# nvmf_connect KEY ADDR: nvme connect over RDMA to ADDR; KEY.rc, KEY.dev
# (the namespace's block device), KEY.transport and KEY.address (what the
# controller says it is connected through).
nvmf_connect() {
    modprobe nvme_rdma || { echo "$1.rc=modprobe"; return 1; }
    nvme connect -t rdma -a "$2" -s "$NVMF_SVCID" -n "$NVMF_NQN" -q "$NVMF_HOSTNQN"
    set -- "$1" "$2" $?
    echo "$1.rc=$3"
    [ "$3" = 0 ] || return 1
    i=0
    while [ $i -lt 100 ] && [ -z "$(nvmf_dev)" ]; do sleep 0.1; i=$((i + 1)); done
    echo "$1.dev=$(nvmf_dev)"
    for c in /sys/class/nvme/nvme*; do
        [ "$(cat "$c/subsysnqn" 2>/dev/null)" = "$NVMF_NQN" ] || continue
        echo "$1.transport=$(cat "$c/transport")"
        echo "$1.address=$(cat "$c/address")"
    done
    [ -n "$(nvmf_dev)" ]
}

# nvmf_dev: the block device of namespace 1 of $NVMF_NQN (empty: none).
nvmf_dev() {
    for s in /sys/class/nvme-subsystem/*; do
        [ "$(cat "$s/subsysnqn" 2>/dev/null)" = "$NVMF_NQN" ] || continue
        for n in "$s"/nvme*n1; do [ -e "$n" ] && basename "$n"; done
    done
}

# nvmf_disconnect KEY: nvme disconnect; KEY.rc and KEY.controllers (how
# many it took down).
nvmf_disconnect() {
    out=$(nvme disconnect -n "$NVMF_NQN")
    set -- "$1" $?
    echo "$1.rc=$2"
    echo "$1.controllers=$(echo "$out" | sed -n 's/.*disconnected \([0-9]*\) controller.*/\1/p')"
    [ "$2" = 0 ]
}

# nvmf_fio KEY DEV FIO-OPTION...: fio on /dev/DEV (libaio, O_DIRECT), JSON
# output read by python3: KEY.rc (fio's exit status), KEY.error (the job's
# error number), KEY.read_bytes, KEY.write_bytes, KEY.read_iops,
# KEY.read_MBps, KEY.write_MBps, KEY.verify_msgs (fio's "verify" complaints).
nvmf_fio() {
    k=$1 dev=$2
    shift 2
    fio --name="$k" --filename="/dev/$dev" --ioengine=libaio --direct=1 \
        --eta=never --output-format=json --output="/tmp/$k.json" "$@" 2> "/tmp/$k.err"
    echo "$k.rc=$?"
    echo "$k.verify_msgs=$(grep -ci verify "/tmp/$k.err")"
    python3 - "$k" "/tmp/$k.json" <<'PY'
import json, sys
key, path = sys.argv[1], sys.argv[2]
try:
    job = json.load(open(path))["jobs"][0]
except (OSError, ValueError, KeyError, IndexError) as e:
    print(f"{key}.json=unreadable ({e})")
    sys.exit(0)
print(f"{key}.error={job['error']}")
for d in ("read", "write"):
    print(f"{key}.{d}_bytes={job[d]['io_bytes']}")
    print(f"{key}.{d}_MBps={job[d]['bw_bytes'] / 1e6:.2f}")
print(f"{key}.read_iops={job['read']['iops']:.0f}")
PY
}
