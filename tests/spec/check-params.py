#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Keeps the property tables of docs/user-guide.md and docs/timing-model.md in
step with the device's one parameter table, RDO_CONFIG_PARAMS in
hw/rdma-offload/core/rdo-core.h (which drives the defaults, the checks and
the QOM properties): every row the docs give has the table's default and,
where the doc states a numeric range, the table's range. Every parameter
appears in one of the two docs. Prints TAP."""
import re
from pathlib import Path

top = Path(__file__).resolve().parents[2]
core_h = (top / "hw/rdma-offload/core/rdo-core.h").read_text()
docs = {n: (top / "docs" / n).read_text() for n in ("user-guide.md", "timing-model.md")}

defines = {}
# The table may use the hardware interface's limits (RDO_SRIOV_MAX_VFS).
regs_h = (top / "include/hw/rdma-offload/rdo-regs.h").read_text()
for text in (regs_h, core_h):
    for m in re.finditer(r"^#define\s+(RDO_\w+)\s+(.+?)\s*(?:/\*.*)?$", text, re.M):
        defines[m.group(1)] = m.group(2)
defines.update(RDO_CACHE_LRU="0", RDO_CACHE_FIFO="1", RDO_BUS_ARB_KIND="0",
               RDO_BUS_ARB_FIFO="1", RDO_BUS_ARB_RR="2", RDO_BUS_ARB_WEIGHTED="3",
               UINT32_MAX=str(2**32 - 1),
               UINT64_MAX=str(2**64 - 1))


def value(expr, depth=0):
    expr = expr.strip()
    for _ in range(5):
        expr = re.sub(r"\b(RDO_\w+|UINT\d+_MAX)\b",
                      lambda m: "(" + defines.get(m.group(1), m.group(1)) + ")", expr)
    expr = re.sub(r"(\d+)u(ll)?\b", r"\1", expr)
    return int(eval(expr, {}))   # the table's constants: integers and << *


body = core_h[core_h.index("#define RDO_CONFIG_PARAMS(X)"):]
body = body[:body.index("\n\n")].replace("\\\n", " ")
params = {}
for m in re.finditer(r'\bX\("([a-z0-9-]+)",\s*[\w.]+,\s*U(?:32|64),\s*([^,]+),\s*([^,]+),\s*([^,]+),', body):
    params[m.group(1)] = tuple(value(g) for g in m.groups()[1:])
for m in re.finditer(r'RDO_CYC_PARAM\(X,\s*"([a-z0-9-]+)",\s*\w+,\s*([^,]+),\s*([^,]+),', body):
    params[m.group(1)] = (value(m.group(2)), value(m.group(3)), 100000)

results = []


def check(ok, what):
    results.append((ok, what))


check(len(params) >= 40, f"RDO_CONFIG_PARAMS parsed ({len(params)} rows)")
seen = set()
for doc_name, text in docs.items():
    for line in text.split("\n"):
        if not line.startswith("| "):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3:
            continue
        names = [n.strip(" `") for n in cells[0].split(",")]
        if not all(n in params for n in names):
            continue
        defaults = [d.strip() for d in cells[1].split(",")]
        if len(defaults) == 1:
            defaults *= len(names)
        ranges = [r.strip() for r in cells[2].split(",")] if doc_name == "timing-model.md" else []
        for i, n in enumerate(names):
            seen.add(n)
            d, lo, hi = params[n]
            m = re.match(r"(\d+)", defaults[i] if i < len(defaults) else "")
            check(m is not None and int(m.group(1)) == d,
                  f"{doc_name}: {n} default {defaults[i] if i < len(defaults) else '?'} is the table's {d}")
            if doc_name == "timing-model.md" and i < len(ranges):
                r = re.fullmatch(r"(\d+)-(\d+)", ranges[i])
                if r:
                    check((int(r.group(1)), int(r.group(2))) == (lo, hi),
                          f"{doc_name}: {n} range {ranges[i]} is the table's {lo}-{hi}")
            if doc_name == "user-guide.md":
                r = re.search(r"\((?:power of two, )?(\d+)-(\d+)\)", cells[2])
                if r:
                    check((int(r.group(1)), int(r.group(2))) == (lo, hi),
                          f"{doc_name}: {n} range {r.group(0)} is the table's {lo}-{hi}")
for n in sorted(params):
    check(n in seen, f"{n} is documented in docs/user-guide.md or docs/timing-model.md")

print(f"1..{len(results)}")
for i, (ok, what) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {what}")
