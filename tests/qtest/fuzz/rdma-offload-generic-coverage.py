#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The device's share of a generic-fuzzer corpus's coverage, per layer.

Reads what `qemu-fuzz-x86_64 ... -runs=0 -print_coverage=1 CORPUS` prints
(libFuzzer's COVERED_FUNC / UNCOVERED_FUNC lines, edges per function) and
sums the functions under hw/rdma-offload/ by folder: libFuzzer's own `cov`
counts every instrumented edge of QEMU's hw/ and net/ code, which says
little about how deep into the adapter the inputs go.

  rdma-offload-generic-coverage.py FILE [--verbose] [--require FUNC]...
                                   [--require-layer LAYER=N]...

--require FUNC: the function must be covered; --require-layer core/wire=N:
at least N functions of that folder covered. Exit status 1 if one is not
(scripts/fuzz --generic checks this way that its seeds reach the wire).
"""
import argparse
import collections
import re
import sys

LINE = re.compile(r'(UN)?COVERED_FUNC: hits: \d+ edges: (\d+)/(\d+) (\S+) (\S+):\d+')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('file')
    ap.add_argument('--verbose', action='store_true')
    ap.add_argument('--require', action='append', default=[])
    ap.add_argument('--require-layer', action='append', default=[])
    args = ap.parse_args()
    per = collections.defaultdict(lambda: [0, 0, 0, 0])
    covered = set()
    with open(args.file, errors='replace') as f:
        for line in f:
            m = LINE.match(line)
            if not m or '/hw/rdma-offload/' not in m.group(5):
                continue
            if m.group(1) is None:
                covered.add(m.group(4))
            rel = m.group(5).split('/hw/rdma-offload/', 1)[1]
            layer = rel.rsplit('/', 1)[0] if '/' in rel else 'glue'
            c = per[layer]
            c[0] += m.group(1) is None
            c[1] += 1
            c[2] += int(m.group(2))
            c[3] += int(m.group(3))
    if not per:
        print('device coverage: none found (was the corpus run with -print_coverage=1?)')
        return 1
    total = [sum(c[i] for c in per.values()) for i in range(4)]
    print(f'device coverage: {total[2]} of {total[3]} edges, '
          f'{total[0]} of {total[1]} functions')
    if args.verbose:
        for layer, c in sorted(per.items()):
            print(f'  {layer:14} {c[2]:5} of {c[3]:5} edges, {c[0]:3} of {c[1]:3} functions')
    missing = [f'function {f} not reached' for f in args.require if f not in covered]
    for req in args.require_layer:
        layer, n = req.split('=')
        if per[layer][0] < int(n):
            missing.append(f'{layer}: {per[layer][0]} functions reached, {n} required')
    for what in missing:
        print(f'MISSING: {what}')
    return 1 if missing else 0


if __name__ == '__main__':
    sys.exit(main())
