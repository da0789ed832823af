#!/usr/bin/env python3
# classify.py PID_A PID_B TOOL: reads `perf script -F pid,tid,comm,ip,sym,dso`
# (with call chains) on stdin and splits the samples of the two QEMUs (A
# the perftest server, B its client; TOOL, the perftest that ran, names
# each one's part) by thread and by what they ran; every other process is
# summed by name (swapper: idle). A sample's class is decided by its leaf
# frame, except that any frame of the device model (rdo_*, rdma_offload_*)
# or of QEMU's network layer in the chain names it (inclusive): see
# classify().
import collections
import re
import sys

# What each guest does in a perftest bandwidth run (A the server, B the
# client): with ib_read_bw the client reads, so the server sends the data.
ROLES = {
    "ib_write_bw": ("server, receives the WRITEs", "client, sends the WRITEs"),
    "ib_send_bw": ("server, receives the SENDs", "client, sends the SENDs"),
    "ib_read_bw": ("server, sends the READ responses", "client, sends the READs, receives the data"),
}
if len(sys.argv) != 4 or sys.argv[3] not in ROLES:
    sys.exit(f"usage: classify.py PID_A PID_B TOOL ({', '.join(ROLES)})")
QEMU = {sys.argv[1]: "A", sys.argv[2]: "B"}
ROLE = dict(zip("AB", ROLES[sys.argv[3]]))
DEVICE = re.compile(r"^(rdo_|rdma_offload|rdo[A-Z])")
NETDEV = re.compile(r"^(qemu_send_packet|qemu_sendv_packet|qemu_net_queue|net_stream|net_socket|"
                    r"qemu_deliver_packet|qemu_flush_queued_packets|nc_sendv_compat|net_hub|"
                    r"qemu_receive_packet|virtio_net|net_tx_pkt|net_rx_pkt)")
MAINLOOP = re.compile(r"^(main_loop_wait|os_host_main_loop_wait|qemu_poll_ns|g_main_context|"
                      r"aio_dispatch|aio_ctx|aio_poll|glib_pollfds|timerlistgroup_run|qemu_clock_run)")
TCG_RT = re.compile(r"^(helper_|tb_|qht_|cpu_exec|cpu_loop|tcg_|translator_|gen_|disas_|"
                    r"get_page_addr_code|probe_access|cpu_get_tb_cpu_state|rr_cpu|mttcg_|"
                    r"cpu_ld|cpu_st|store_helper|load_helper|do_ld|do_st|mmu_lookup|tlb_|"
                    r"x86_cpu|cpu_handle|cpu_tb_exec|cpu_io_recompile|io_readx|io_writex|do_ld_mmio|do_st_mmio|"
                    r"int_ld|int_st|mmio_|memory_region_dispatch|flatview_|address_space_|"
                    r"cpu_x86|x86_|apic_|qemu_mutex|bql|qemu_cond|qemu_event|qemu_sem|"
                    r"cpu_physical_memory|do_interrupt|raise_interrupt|seg_helper|cc_compute|compute_|qemu_xxhash|"
                    r"icount_|page_|get_physical_address|mmu_translate)")
SYSNET = re.compile(r"(sendmsg|recvmsg|sys_write|sys_read|sys_writev|sys_readv|unix_stream|sock_)")
SYSPOLL = re.compile(r"(ppoll|do_sys_poll|futex|epoll|schedule|select)")


def classify(frames):
    """frames: list of (sym, dso), leaf first."""
    syms = [s for s, _ in frames]
    leaf_sym, leaf_dso = frames[0] if frames else ("[unknown]", "[unknown]")
    kernel = "kernel" in leaf_dso
    if kernel:
        if any(SYSNET.search(s) for s in syms):
            return "kernel: socket syscalls"
        if any(SYSPOLL.search(s) for s in syms):
            return "kernel: poll/futex/schedule"
        return "kernel: other"
    if any(DEVICE.match(s) for s in syms):
        return "device (hw/rdma-offload)"
    if any(NETDEV.match(s) for s in syms):
        return "netdev (net/)"
    if leaf_sym == "[unknown]" and leaf_dso in ("[unknown]", "") or leaf_dso.startswith("[JIT") \
            or leaf_dso.startswith("/tmp/perf-"):
        return "TCG-generated code"
    if TCG_RT.match(leaf_sym):
        return "TCG runtime (helpers, lookups, MMIO dispatch)"
    if any(MAINLOOP.match(s) for s in syms):
        return "main loop (poll, glib, timers)"
    if "libc" in leaf_dso or "libglib" in leaf_dso:
        return "libc/glib (other)"
    return "QEMU other"


def main():
    per_thread = collections.Counter()
    per_guest = collections.Counter()
    leaf_syms = collections.defaultdict(collections.Counter)
    dev_syms = collections.defaultdict(collections.Counter)
    others = collections.Counter()
    guest_total = collections.Counter()
    total = 0
    head = None
    frames = []

    def flush():
        nonlocal total
        if head is None:
            return
        comm, pid, tid = head
        total += 1
        g = QEMU.get(pid)
        if g is None:
            others["idle (swapper)" if pid == "0" else "other: " + comm] += 1
            return
        c = classify(frames)
        tname = "main loop" if tid == pid else comm
        per_thread[(g, tname, c)] += 1
        per_guest[(g, c)] += 1
        guest_total[g] += 1
        guest_total[(g, tname)] += 1
        if frames:
            leaf_syms[g][frames[0][0] + " (" + frames[0][1].split("/")[-1] + ")"] += 1
        for s, _ in frames:
            if DEVICE.match(s):
                dev_syms[g][s] += 1
                break

    for line in sys.stdin:
        if not line.strip():
            flush()
            head, frames = None, []
            continue
        if not line[0].isspace():
            flush()
            frames = []
            m = re.match(r"^\s*(.*?)\s+(\d+)/(\d+)\s*$", line.rstrip())
            if m:
                head = (m.group(1), m.group(2), m.group(3))
            else:
                head = None
            continue
        m = re.match(r"^\s*([0-9a-f]+)\s+(.*?)\s+\((.*)\)\s*$", line.rstrip())
        if m:
            sym = re.sub(r"\+0x[0-9a-f]+$", "", m.group(2))
            frames.append((sym, m.group(3)))
    flush()

    print(f"samples: {total} (all CPUs)")
    for g in ("A", "B"):
        n = guest_total[g]
        print(f"\nQEMU {g} ({ROLE[g]}): {n} samples, {100.0 * n / max(total, 1):.1f}% of all")
        for (gg, c), k in sorted(per_guest.items(), key=lambda x: -x[1]):
            if gg == g:
                print(f"  {100.0 * k / max(n, 1):5.1f}%  {c}")
        threads = sorted({t for (gg, t, _) in per_thread if gg == g})
        for t in threads:
            tn = guest_total[(g, t)]
            print(f"  thread {t}: {tn} samples ({100.0 * tn / max(n, 1):.1f}% of the QEMU)")
            for (gg, tt, c), k in sorted(per_thread.items(), key=lambda x: -x[1]):
                if gg == g and tt == t:
                    print(f"      {100.0 * k / max(tn, 1):5.1f}%  {c}")
        print("  top leaf symbols:")
        for s, k in leaf_syms[g].most_common(25):
            print(f"      {100.0 * k / max(n, 1):5.1f}%  {s}")
        print("  device model, innermost rdo_* frame:")
        for s, k in dev_syms[g].most_common(15):
            print(f"      {100.0 * k / max(n, 1):5.1f}%  {s}")
    print("\nother processes:")
    for c, k in others.most_common(12):
        print(f"  {100.0 * k / max(total, 1):5.1f}%  {c}")


main()
