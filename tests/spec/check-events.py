#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Guest-error classes and transport events agree with their trace events.

hw/rdma-offload/core/rdo-core.h lists every class of guest mistake
(RDO_GUEST_ERRORS) and every transport event (RDO_XPORT_EVENTS). Checks, as
TAP, that each has its own trace event in hw/rdma-offload/trace-events with
the typed fields the glue passes, that no trace event is left without its
row, that every class and event is raised somewhere in the core, and that
the core reports mistakes only through rdo_guest_error() with a class.
"""
import os
import re
import sys

TOP = sys.argv[1] if len(sys.argv) > 1 else \
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HW = os.path.join(TOP, 'hw', 'rdma-offload')
header = open(os.path.join(HW, 'core', 'rdo-core.h'), encoding='utf-8').read()
events = open(os.path.join(HW, 'trace-events'), encoding='utf-8').read()


def macro(name):
    m = re.search(r'#define ' + name + r'\(X\)((?:.*\\\n)*.*\n)', header)
    if not m:
        sys.exit(f'Bail out! {name} not found in rdo-core.h')
    return re.findall(r'X\(([^)]*)\)', m.group(1))


kinds = dict(tuple(w.strip() for w in row.split(',')) for row in macro('RDO_OBJECT_KINDS'))
classes = [tuple(w.strip() for w in row.split(',')) for row in macro('RDO_GUEST_ERRORS')]
xevents = [tuple(w.strip() for w in row.split(',')) for row in macro('RDO_XPORT_EVENTS')]
trace = dict(re.findall(r'^(rdma_offload_\w+)\(([^)]*)\)', events, re.M))

core_src = ''
for d, _, names in os.walk(os.path.join(HW, 'core')):
    for n in names:
        if n.endswith('.c'):
            core_src += open(os.path.join(d, n), encoding='utf-8').read()

results = []


def check(what, problems):
    results.append((what, problems))


probs = []
for ident, name, kind, _reg in classes:
    want = f'uint32_t {kinds[kind]}, uint64_t addr, const char *what'
    got = trace.get('rdma_offload_err_' + name)
    if got is None:
        probs.append(f'class {ident}: no trace event rdma_offload_err_{name}')
    elif got != want:
        probs.append(f'rdma_offload_err_{name}({got}): want ({want})')
names = {'rdma_offload_err_' + c[1] for c in classes}
probs += [f'trace event {t} has no RDO_GUEST_ERRORS row' for t in trace
          if t.startswith('rdma_offload_err_') and t not in names]
check(f'{len(classes)} guest-error classes, one typed trace event each', probs)

probs = []
for ident, name, value in xevents:
    want = f'uint32_t qpn, uint32_t psn, uint32_t {value}'
    got = trace.get('rdma_offload_' + name)
    if got is None:
        probs.append(f'event {ident}: no trace event rdma_offload_{name}')
    elif got != want:
        probs.append(f'rdma_offload_{name}({got}): want ({want})')
check(f'{len(xevents)} transport events, one typed trace event each', probs)

probs = [f'class RDO_GE_{c[0]} is never reported' for c in classes
         if not re.search(r'\bRDO_GE_' + c[0] + r'\b', core_src)]
probs += [f'event RDO_XE_{e[0]} is never raised' for e in xevents
          if not re.search(r'\bRDO_XE_' + e[0] + r'\b', core_src)]
if 'rdo_core_guest_error' in core_src:
    probs.append('the core calls rdo_core_guest_error (use rdo_guest_error with a class)')
check('every class and event is raised by the core, always with a class', probs)

glue = open(os.path.join(HW, 'rdma-offload.c'), encoding='utf-8').read()
m = re.search(r'static void rdo_qemu_guest_error\(.*?\n\}\n', glue, re.S)
probs = []
if not m or 'LOG_GUEST_ERROR' not in m.group(0) or 'RDO_GUEST_ERRORS(' not in m.group(0):
    probs.append('the glue\'s guest_error must log LOG_GUEST_ERROR and trace per class')
check('the glue logs LOG_GUEST_ERROR and emits the class\'s trace event', probs)

print(f'1..{len(results)}')
for i, (what, p) in enumerate(results, 1):
    print(('not ok' if p else 'ok') + f' {i} - {what}')
    for line in p:
        print('#   ' + line)
sys.exit(1 if any(p for _, p in results) else 0)
