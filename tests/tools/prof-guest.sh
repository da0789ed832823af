#!/usr/bin/env bash
# Tools test: scripts/prof-guest.d/classify.py, the split of scripts/prof-guest's
# samples, on a made-up `perf script` text of two QEMUs (pids 100 and 200):
# a vCPU thread's samples in TCG-generated code (a perf map) and in a TCG
# helper, a main loop's samples in the device model, in QEMU's netdev, in
# the kernel under a socket send the device made and under ppoll, and other
# processes' (idle, a compiler). Checked: every class's share per QEMU and
# per thread, the innermost device frame, the other processes' shares;
# each QEMU's part as the tool makes it (ib_read_bw: A, the server, sends
# the data); and prof-guest refusing bad arguments before it boots anything.
# Prints TAP.
source "$(dirname "$0")/../../scripts/lib.sh"
set +e
source "$(dirname "$0")/tap.sh"

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
tool=$TOP/scripts/prof-guest.d/classify.py

# sample COMM PID/TID FRAME...: one sample, leaf first; a frame is
# "SYMBOL DSO".
sample() {
    local f
    printf '%s %s\n' "$1" "$2"
    shift 2
    for f in "$@"; do printf '\t    %x %s (%s)\n' $((RANDOM + 4096)) "${f% *}" "${f##* }"; done
    echo
}
# times N ARGS...: N samples alike.
times() { local i; for ((i = 0; i < $1; i++)); do sample "${@:2}"; done; }
{
    # QEMU 100: 10 samples. vCPU: 4 JIT, 2 helper; main loop: 2 device
    # (one with memcpy as leaf), 1 kernel under the device's send, 1 ppoll.
    times 4 "CPU 0/TCG" 100/101 "[unknown] /tmp/perf-100.map"
    times 2 "CPU 0/TCG" 100/101 "helper_lookup_tb_ptr+0x10 /usr/bin/qemu-system-x86_64" \
        "cpu_exec /usr/bin/qemu-system-x86_64"
    sample qemu-system-x86 100/100 "rdo_rx_frame+0x40 /usr/bin/qemu-system-x86_64" \
        "rdo_nc_receive /usr/bin/qemu-system-x86_64" "main_loop_wait /usr/bin/qemu-system-x86_64"
    sample qemu-system-x86 100/100 "__memcpy_avx512 /usr/lib/libc.so.6" \
        "rdo_qemu_dma_write /usr/bin/qemu-system-x86_64" "rdo_rx_frame /usr/bin/qemu-system-x86_64"
    sample qemu-system-x86 100/100 "_copy_from_iter [kernel.kallsyms]" \
        "unix_stream_sendmsg [kernel.kallsyms]" "__libc_sendmsg /usr/lib/libc.so.6" \
        "rdo_nic_send /usr/bin/qemu-system-x86_64"
    sample qemu-system-x86 100/100 "do_sys_poll [kernel.kallsyms]" "__ppoll /usr/lib/libc.so.6" \
        "main_loop_wait /usr/bin/qemu-system-x86_64"
    # QEMU 200: 4 samples in its main loop: netdev 2, main loop 1, glib 1.
    times 2 qemu-system-x86 200/200 "net_stream_send /usr/bin/qemu-system-x86_64" \
        "main_loop_wait /usr/bin/qemu-system-x86_64"
    sample qemu-system-x86 200/200 "timerlist_run_timers /usr/bin/qemu-system-x86_64" \
        "main_loop_wait /usr/bin/qemu-system-x86_64"
    sample qemu-system-x86 200/200 "g_hash_table_lookup /usr/lib/libglib-2.0.so.0"
    # Others: 4 idle, 2 cc1.
    times 4 swapper 0/0 "default_idle [kernel.kallsyms]"
    times 2 cc1 300/300 "ggc_alloc /usr/lib/cc1"
} > "$dir/script.txt"
# classify TOOL: the split of those samples into $dir/out.
classify() { /usr/bin/python3 "$tool" 100 200 "$1" < "$dir/script.txt" > "$dir/out" 2>&1; }
classify ib_write_bw
ok $? "classify reads the samples" || show "$dir/out"

# has TEXT: the output has a line that is TEXT once trimmed.
has() { sed 's/^ *//; s/ *$//' "$dir/out" | grep -qxF -- "$1"; }
check() {   # description, lines...
    local what=$1 line bad=0
    shift
    for line in "$@"; do has "$line" || { bad=1; echo "#   missing: $line"; }; done
    ok $bad "$what" || show "$dir/out"
}
check "all samples counted" "samples: 20 (all CPUs)"
check "QEMU A's share and classes" \
    "QEMU A (server, receives the WRITEs): 10 samples, 50.0% of all" \
    "40.0%  TCG-generated code" \
    "20.0%  TCG runtime (helpers, lookups, MMIO dispatch)" \
    "20.0%  device (hw/rdma-offload)" \
    "10.0%  kernel: socket syscalls" \
    "10.0%  kernel: poll/futex/schedule"
check "QEMU A's threads" \
    "thread CPU 0/TCG: 6 samples (60.0% of the QEMU)" \
    "66.7%  TCG-generated code" \
    "thread main loop: 4 samples (40.0% of the QEMU)" \
    "50.0%  device (hw/rdma-offload)" \
    "25.0%  kernel: socket syscalls"
check "the innermost device frame" "10.0%  rdo_rx_frame" "10.0%  rdo_qemu_dma_write" "10.0%  rdo_nic_send"
check "QEMU B's classes" \
    "QEMU B (client, sends the WRITEs): 4 samples, 20.0% of all" \
    "50.0%  netdev (net/)" \
    "25.0%  main loop (poll, glib, timers)" \
    "25.0%  libc/glib (other)"
check "other processes" "20.0%  idle (swapper)" "10.0%  other: cc1"

# Each guest's part follows the tool: with ib_read_bw the server (A)
# answers the READs, so it sends the data and B receives it.
classify ib_read_bw
check "ib_read_bw: A sends the READ responses, B receives them" \
    "QEMU A (server, sends the READ responses): 10 samples, 50.0% of all" \
    "QEMU B (client, sends the READs, receives the data): 4 samples, 20.0% of all"
classify ib_send_bw
check "ib_send_bw: A receives the SENDs, B sends them" \
    "QEMU A (server, receives the SENDs): 10 samples, 50.0% of all" \
    "QEMU B (client, sends the SENDs): 4 samples, 20.0% of all"
! classify ib_read_lat && grep -q "^usage: classify.py PID_A PID_B TOOL" "$dir/out"
ok $? "classify refuses a tool it has no parts for" || show "$dir/out"

# Bad arguments: refused before anything boots.
for args in "--peer foo" "--tool ib_send_lat" "--iters many"; do
    # shellcheck disable=SC2086 # the arguments are words
    "$TOP/scripts/prof-guest" $args --out "$dir/p" > "$dir/err" 2>&1
    rc=$?
    [ "$rc" != 0 ] && [ ! -e "$dir/p" ]
    ok $? "prof-guest refuses $args" || show "$dir/err"
done
exit "$failed"
