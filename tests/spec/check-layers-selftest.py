#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check-layers.py can fail: on a copy of the tree with a deliberate upward
call, an upward include and a new cycle inside a folder, it must report
each of them (TAP)."""
import os
import shutil
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECK = os.path.join(TOP, 'tests', 'spec', 'check-layers.py')

CASES = [
    # (file to change, text appended, what the report must say)
    ('xport/tx.c',
     '\nvoid rdo_selftest_up(RdoCore *core)\n{\n    rdo_sq_run(core);\n}\n',
     'xport/tx.c: uses rdo_sq_run of sched/sched.c'),
    ('ctx/qp.c', '\n#include "ctrl/ctrl.h"\n',
     'ctx/qp.c: includes ctrl/ctrl.h'),
    ('eth/tx.c',
     '\nvoid rdo_selftest_side(RdoCore *core)\n{\n    rdo_tx_packet(core, NULL);\n}\n',
     'eth/tx.c: uses rdo_tx_packet of xport/packet.c'),
    ('wire/wire.c', '\n#include "rdo-internal.h"\n',
     'wire/wire.c: wire/ includes rdo-internal.h'),
    ('timing/bus.c',
     '\nvoid rdo_selftest_cycle(RdoCore *core)\n{\n    rdo_raise_irq(core, 0);\n}\n',
     'files calling each other in a cycle: timing/bus.c, timing/irq.c'),
]


def run(root):
    p = subprocess.run([sys.executable, CHECK, root], capture_output=True, text=True)
    return p.returncode, p.stdout


print(f'1..{len(CASES) + 1}')
rc, out = run(TOP)
print(('ok' if rc == 0 else 'not ok') + ' 1 - the tree as it is passes')
for i, (rel, extra, expect) in enumerate(CASES, 2):
    with tempfile.TemporaryDirectory() as tmp:
        for sub in ('docs', os.path.join('hw', 'rdma-offload', 'core')):
            shutil.copytree(os.path.join(TOP, sub), os.path.join(tmp, sub))
        path = os.path.join(tmp, 'hw', 'rdma-offload', 'core', rel)
        with open(path, 'a', encoding='utf-8') as f:
            f.write(extra)
        rc, out = run(tmp)
    good = rc != 0 and expect in out
    print(('ok' if good else 'not ok') + f' {i} - reported: {expect}')
    if not good:
        print('#   ' + out.replace('\n', '\n#   '))
