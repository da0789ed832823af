#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The hops of ib_send_lat's one-way trips from two QEMUs' traces
(scripts/lat-breakdown runs it; see there for what each hop is).

  analyse.py [--perftest RUN.LOG] [--size BYTES] TRACE-A TRACE-B

Each trace is QEMU's log backend with -msg timestamp=on
("TID@SEC.USEC:event args"), both from one host clock. Exit status 1 when
no trip could be followed."""
import argparse
import re
import statistics
import sys

LINE = re.compile(r"^(\d+)@(\d+)\.(\d+):rdma_offload_(\w+) ?(.*)$")
DB_SQ, DB_RQ, DB_CQ, DB_TRIG, DB_RAM = 0x000, 0x008, 0x010, 0x800, 0x038
# The post's mode by the doorbell that sends it: push RAM's trigger (the
# WQE went into RAM, no MMIO write), the MMIO push trigger (the WQE's
# words before it), the SQ doorbell (the WQE fetched). Each mode's
# perftest runs are tagged with its key and a round number.
MODES = [("push RAM", "ram", DB_RAM), ("MMIO push", "mmio", DB_TRIG),
         ("fetch", "fetch", DB_SQ)]
MODE_OF = {off: key for _, key, off in MODES}
# Ethernet, IPv4, UDP, BTH and ICRC around a SEND ONLY's payload.
ROCE_OVERHEAD = 14 + 20 + 8 + 12 + 4


def load(path):
    """The trace's events: dicts with t (us), tid, ev and its fields."""
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            m = LINE.match(line)
            if not m:
                continue
            e = {"t": int(m.group(2)) * 1000000 + int(m.group(3)),
                 "tid": int(m.group(1)), "ev": m.group(4)}
            args = m.group(5)
            if e["ev"] == "db_write":
                a = re.match(r"addr 0x([0-9a-f]+) size (\d+) val 0x([0-9a-f]+)", args)
                e["off"] = int(a.group(1), 16) & 0xfff
                e["val"] = int(a.group(3), 16)
            elif e["ev"] in ("tx_frame", "rx_frame"):
                e["len"] = int(re.match(r"len (\d+)", args).group(1))
            elif e["ev"] == "wr_life":
                e["args"] = args
            out.append(e)
    return out


def trips(tr, size):
    """One-way trips: sender, mode and the times of its hops' edges."""
    data = size + ROCE_OVERHEAD
    res = []
    rx_used = {0: -1, 1: -1}
    vcpus = [{o["tid"] for o in ev if o["ev"] == "db_write"} for ev in tr]
    for x in (0, 1):
        ev, other = tr[x], tr[1 - x]
        for i, e in enumerate(ev):
            if e["ev"] != "tx_frame" or e["len"] < data:
                continue
            # The doorbell or trigger that sent it, and the push's words.
            j = i - 1
            while j >= 0 and not (ev[j]["ev"] == "db_write" and ev[j]["off"] in MODE_OF):
                j -= 1
            if j < 0:
                continue
            trig = ev[j]
            first, words, k = trig, 0, j - 1
            while k >= 0 and trig["off"] == DB_TRIG:
                if ev[k]["ev"] == "db_write":
                    if ev[k]["off"] <= DB_TRIG:   # not a push word
                        break
                    first, words = ev[k], words + 1
                k -= 1
            # The frame's arrival on the other side.
            r = rx_used[1 - x] + 1
            while r < len(other) and not (other[r]["ev"] == "rx_frame" and other[r]["len"] >= data
                                          and other[r]["t"] >= e["t"]):
                r += 1
            if r >= len(other):
                continue
            rx_used[1 - x] = r
            # The receive's last DMA write (the CQE) before the receiver's
            # next doorbell (its poll of the CQ seeing the CQE).
            cqe, q = None, r + 1
            while q < len(other) and other[q]["ev"] != "db_write":
                if other[q]["ev"] == "dma_write":
                    cqe = other[q]
                q += 1
            if cqe is None or q >= len(other):
                continue
            # The device's wake-up in the main loop that took the doorbell.
            wake = next((o for o in reversed(ev[j + 1:i]) if o["ev"] == "wakeup"), None)
            res.append({"from": x, "mode": MODE_OF[trig["off"]], "words": words,
                        "first": first["t"], "trig": trig["t"], "tx": e["t"],
                        "wake": wake["t"] if wake else trig["t"],
                        "rx": other[r]["t"], "cqe": cqe["t"], "seen": other[q]["t"],
                        "tx_in_vcpu": e["tid"] in vcpus[x],
                        "rx_in_vcpu": other[r]["tid"] in vcpus[1 - x],
                        "events": (i - k) + (q - r)})
    res.sort(key=lambda t: t["first"])
    # The guest hop: this trip's CQE to the answer's first MMIO write.
    for a, b in zip(res, res[1:]):
        if b["from"] != a["from"] and b["first"] >= a["cqe"] and b["mode"] == a["mode"]:
            a["guest"] = b["first"] - a["cqe"]
            a["guest_seen"] = a["seen"] - a["cqe"]
    return res


def perftest(path, size):
    """perftest's typical latency per mode (the median over the runs
    tagged ram1, ram2, ..., mmio1, ... or fetch1, ...; B is the client), in us."""
    out = {}
    try:
        text = open(path, errors="replace").read()
    except OSError:
        return out
    for m in re.finditer(r"^B: \[([a-z]+)\d*\]\s+(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", text, re.M):
        if int(m.group(2)) == size:
            out.setdefault(m.group(1), []).append(float(m.group(6)))
    return {k: statistics.median(v) for k, v in out.items()}


def med(v):
    return statistics.median(v) if v else float("nan")


def p90(v):
    return sorted(v)[int(0.9 * (len(v) - 1))] if v else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--perftest")
    ap.add_argument("--untraced")
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("traces", nargs=2)
    a = ap.parse_args()
    tr = [load(p) for p in a.traces]
    ts = trips(tr, a.size)
    pt = perftest(a.perftest, a.size) if a.perftest else {}
    un = perftest(a.untraced, a.size) if a.untraced else {}
    if not ts:
        print("no trips found in the traces", file=sys.stderr)
        return 1
    hops = [("mmio (push words to trigger)", lambda t: t["trig"] - t["first"]),
            ("dev tx (doorbell to netdev)", lambda t: t["tx"] - t["trig"]),
            ("  hand-off to the main loop", lambda t: t["wake"] - t["trig"]),
            ("netdev + host scheduling", lambda t: t["rx"] - t["tx"]),
            ("dev rx (frame to CQE)", lambda t: t["cqe"] - t["rx"]),
            ("guest (CQE to next post)", lambda t: t.get("guest")),
            ("  poll sees the CQE", lambda t: t.get("guest_seen"))]
    modes = [(key, key) for _, key, _ in MODES]
    sel = {}
    for name, key in modes:
        sel[name] = [t for t in ts if t["mode"] == key and "guest" in t]
    print(f"ib_send_lat {a.size} B one-way trip, host microseconds (median, p90)")
    print(f"{'hop':<30}" + "".join(f"{n + ' med':>11}{'p90':>7}" for n, _ in modes))
    total = {n: [] for n, _ in modes}
    for label, f in hops:
        row = f"{label:<30}"
        for n, _ in modes:
            v = [f(t) for t in sel[n] if f(t) is not None]
            row += f"{med(v):>11.1f}{p90(v):>7.0f}"
        print(row)
    for n, _ in modes:
        total[n] = [sum(f(t) for label, f in hops if not label.startswith(" ")) for t in sel[n]]
    print(f"{'one-way sum':<30}" + "".join(f"{med(total[n]):>11.1f}{p90(total[n]):>7.0f}" for n, _ in modes))
    print(f"{'round trip (2 x sum)':<30}" + "".join(f"{2 * med(total[n]):>11.1f}{'':>7}" for n, _ in modes))
    print(f"{'perftest t_typical (RTT/2)':<30}" + "".join(f"{pt.get(n, float('nan')):>11.2f}{'':>7}" for n, _ in modes))
    if un:
        print(f"{'  the same untraced':<30}" + "".join(f"{un.get(n, float('nan')):>11.2f}{'':>7}" for n, _ in modes))
    for n, _ in modes:
        s = sel[n]
        if not s:
            continue
        print(f"{n}: {len(s)} trips; MMIO writes a post {med([t['words'] + 1 for t in s]):.0f}; "
              f"frame sent in the vCPU thread {100 * sum(t['tx_in_vcpu'] for t in s) / len(s):.0f}%, "
              f"received in a vCPU thread {100 * sum(t['rx_in_vcpu'] for t in s) / len(s):.0f}%; "
              f"trace events a trip {med([t['events'] for t in s]):.0f}")
    life = [e for e in tr[0] + tr[1] if e["ev"] == "wr_life"]
    if life:
        d = []
        for e in life:
            m = re.search(r"doorbell (\d+) .* tx (\d+)\.\.(\d+) ack (\d+) cqe (\d+)", e["args"])
            if m and int(m.group(2)):
                d.append((int(m.group(2)) - int(m.group(1))) / 1e6)
        print(f"device model (timing=on): doorbell to first packet median {med(d):.3f} us "
              f"over {len(d)} work requests (simulated time)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
