#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""docs/security.md: every CVE row names tests, and each test it names is
registered in tests/unit or tests/qtest (a renamed or removed test would
leave the table pointing at nothing). Prints TAP."""
import pathlib
import re
import sys

TOP = pathlib.Path(__file__).resolve().parents[2]
QOS_PREFIX = "/x86_64/pc/i440FX-pcihost/pci-bus-pc/pci-bus/rdma-offload/rdma-offload-tests/"


def registered():
    """Test paths as the docs write them: unit paths, /x86_64/... qtests,
    qos:NAME for the qgraph tests."""
    paths = set()
    for f in (TOP / "tests/unit").glob("*.c"):
        paths.update(re.findall(r'add_func\(\s*"(/[^"]+)"', f.read_text()))
    for f in (TOP / "tests/qtest").glob("*.c"):
        text = f.read_text()
        paths.update("/x86_64" + p for p in
                     re.findall(r'qtest_add_func\(\s*"(/[^"]+)"', text))
        paths.update("qos:" + p for p in
                     re.findall(r'qos_add_test\(\s*"([^"]+)"', text))
    return paths


def main():
    doc = (TOP / "docs/security.md").read_text()
    known = registered()
    rows = [line for line in doc.splitlines() if line.startswith("| CVE-")]
    results = []
    if not rows:
        results.append((False, "docs/security.md has CVE rows", ""))
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        cve, tests = cells[0], cells[-1]
        named = re.findall(r"`((?:/|qos:)[^`\s]+)`", tests)
        missing = [t for t in named if t not in known]
        ok = bool(named) and not missing
        why = ("names no test" if not named else
               "not registered: " + ", ".join(missing) if missing else "")
        results.append((ok, f"{cve}: {len(named)} tests, each registered", why))
    print(f"1..{len(results)}")
    for i, (ok, name, why) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {name}")
        if why:
            print(f"# {why}")
    return 0 if all(r[0] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
