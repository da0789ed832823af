#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Keeps docs/programming-model.md and include/hw/rdma-offload/rdo-regs.h in
step: every register (name, offset, access), every error code and every
catastrophic-error cause must be the same in both. Prints TAP."""
import re
import sys
from pathlib import Path

top = Path(__file__).resolve().parents[2]
header = (top / "include/hw/rdma-offload/rdo-regs.h").read_text()
doc = (top / "docs/programming-model.md").read_text()


def doc_table(marker):
    """Rows of the markdown table that follows an HTML comment marker."""
    rows = []
    lines = doc.split("\n")
    start = next(i for i, l in enumerate(lines) if marker in l)
    for line in lines[start + 1:]:
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[0] in ("offset", "code") or set(cells[0]) <= set("-"):
            continue
        rows.append(cells)
    return rows


results = []


def check_tables(kind, hdr, doc):
    diffs = [f"# {kind} {n}: header {hdr.get(n)}, doc {doc.get(n)}"
             for n in sorted(set(hdr) | set(doc)) if hdr.get(n) != doc.get(n)]
    ok = bool(hdr) and bool(doc) and not diffs
    results.append((ok, f"{kind}s: {len(hdr)} in rdo-regs.h, {len(doc)} in the doc, "
                        f"{len(diffs)} differ", diffs))


hdr_regs = {m[0]: (int(m[1], 16), m[2]) for m in re.findall(
    r"#define RDO_REG_(\w+)\s+(0x[0-9a-fA-F]+)\s*/\*\s*(RO|RW|WO)\b", header)}
doc_regs = {r[1]: (int(r[0], 16), r[2]) for r in doc_table("register-table")}
check_tables("register", hdr_regs, doc_regs)

hdr_errs = {m[0]: int(m[1]) for m in re.findall(
    r"RDO_ERR_(\w+)\s*=\s*(\d+)", header)}
doc_errs = {r[1]: int(r[0]) for r in doc_table("error-table")}
check_tables("error code", hdr_errs, doc_errs)

hdr_fatal = {m[0]: int(m[1]) for m in re.findall(
    r"RDO_FATAL_(\w+)\s*=\s*(\d+)", header) if m[0] != "NONE"}
doc_fatal = {r[1]: int(r[0]) for r in doc_table("fatal-table")}
check_tables("fatal cause", hdr_fatal, doc_fatal)

print(f"1..{len(results)}")
for i, (ok, what, diffs) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {what}")
    print("\n".join(diffs)) if diffs else None
sys.exit(0 if all(r[0] for r in results) else 1)
