#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
Reads the output of scripts/guest/rdma-core-suite.sh (rdma-core's
run_tests.py -v per device, between @@rdma-core-suite markers) on stdin and
prints, side by side per device, each test module's passed / failed /
errors / skipped, the totals, the tests whose outcome differs between the
devices and every device's skip reasons with their counts. A test that
failed or erred and was run again alone (rdma-core-suite.sh -r) has that
outcome next to it; DEV.unresolved counts those that did not pass again.
With --facts, KEY=VALUE lines instead (DEV.passed, DEV.failed, DEV.errors,
DEV.skipped, DEV.ran, DEV.complete, DEV.rc, DEV.unresolved, DEV.fail.N and
DEV.skip.N), for tests.

unittest's verbose output names each test as "test_x (tests.test_mod.Class.
test_x)", the first line of its docstring on the next line if it has one,
then " ... " and the outcome; what the test's child processes print may
come in between, so the outcome is the first one found after the name.
"""
import argparse
import re
import sys
from collections import Counter, OrderedDict

NAME = re.compile(r'^(test\w*) \((tests\.(\w+)\.[\w.]+)\)')
OUTCOME = re.compile(r"(?:^| \.\.\. )(ok|FAIL|ERROR|skipped '(.*)'|skipped \"(.*)\"|"
                     r"expected failure|unexpected success)$")
KINDS = {'ok': 'passed', 'FAIL': 'failed', 'ERROR': 'errors', 'skipped': 'skipped',
         'expected': 'passed', 'unexpected': 'failed'}
COLUMNS = ('passed', 'failed', 'errors', 'skipped')
BEGIN = re.compile(r'^@@rdma-core-suite begin (\S+)$')
END = re.compile(r'^@@rdma-core-suite end (\S+) rc=(\d+)$')
RETRY = re.compile(r'^@@rdma-core-suite retry (\S+) (\S+)$')
RETRIED = re.compile(r'^@@rdma-core-suite retried (\S+) (\S+) rc=(\d+)$')
RAN = re.compile(r'^Ran (\d+) tests? in ')


class Run:
    """One device's run: outcome and reason per test id, in order."""

    def __init__(self):
        self.tests = OrderedDict()
        self.ran = None         # unittest's own count, if it got that far
        self.rc = None
        self.retries = OrderedDict()    # test id: outcome when run again alone

    def feed(self, lines):
        current = None
        for line in lines:
            m = RAN.match(line)
            if m:
                self.ran = int(m.group(1))
            m = NAME.match(line)
            if m:
                current = m.group(2)
            if current is None:
                continue
            m = OUTCOME.search(line)
            if m:
                word = m.group(1).split(' ')[0]
                self.tests[current] = (KINDS[word], m.group(2) or m.group(3) or '')
                current = None

    def complete(self):
        return self.ran is not None and self.ran == len(self.tests)

    def unresolved(self):
        """Tests that failed or erred and did not pass when run again."""
        return [t for t, (kind, _) in self.tests.items()
                if kind in ('failed', 'errors') and self.retries.get(t) != 'passed']

    def count(self, module=None):
        c = Counter(kind for test, (kind, _) in self.tests.items()
                    if module is None or module_of(test) == module)
        return [c[k] for k in COLUMNS]


def module_of(test):
    return test.split('.')[1]


def read_runs(stream):
    runs = OrderedDict()
    dev = None
    retry = None        # (device, test) of a retry block
    lines = []
    for raw in stream:
        line = raw.rstrip('\r\n')
        m = BEGIN.match(line)
        if m:
            dev, lines = m.group(1), []
            runs[dev] = Run()
            continue
        m = END.match(line)
        if m and dev == m.group(1):
            runs[dev].feed(lines)
            runs[dev].rc = int(m.group(2))
            dev = None
            continue
        m = RETRY.match(line)
        if m and m.group(1) in runs:
            retry, lines = (m.group(1), m.group(2)), []
            continue
        m = RETRIED.match(line)
        if m and retry == (m.group(1), m.group(2)):
            again = Run()
            again.feed(lines)
            runs[retry[0]].retries[retry[1]] = \
                again.tests.get(retry[1], ('missing', ''))[0]
            retry = None
            continue
        if dev is not None or retry is not None:
            lines.append(line)
    if dev is not None:           # the guest stopped inside a run
        runs[dev].feed(lines)
    return runs


def table(runs):
    devs = list(runs)
    modules = sorted({module_of(t) for r in runs.values() for t in r.tests})
    width = max([len(m) for m in modules] + [len('total')])
    cell = '{:>6} {:>6} {:>6} {:>7}'
    head = ' | '.join(cell.format(*('pass', 'fail', 'error', 'skip')) for _ in devs)
    top = ' | '.join('{:^28}'.format(d) for d in devs)
    out = ['{:<{w}}   {}'.format('', top, w=width),
           '{:<{w}}   {}'.format('module', head, w=width)]
    out.append('-' * len(out[-1]))
    for m in modules:
        row = ' | '.join(cell.format(*runs[d].count(m)) for d in devs)
        out.append('{:<{w}}   {}'.format(m, row, w=width))
    out.append('-' * len(out[2]))
    row = ' | '.join(cell.format(*runs[d].count()) for d in devs)
    out.append('{:<{w}}   {}'.format('total', row, w=width))
    for d in devs:
        r = runs[d]
        state = 'complete' if r.complete() else 'INCOMPLETE'
        out.append(f'{d}: {len(r.tests)} tests reported, unittest ran '
                   f'{r.ran if r.ran is not None else "?"}, exit {r.rc}, {state}')
    if len(devs) > 1:
        diff = []
        ids = OrderedDict((t, None) for r in runs.values() for t in r.tests)
        for t in ids:
            got = [runs[d].tests.get(t, ('missing', ''))[0] for d in devs]
            if len(set(got)) > 1:
                diff.append(f'  {t}: ' + ', '.join(f'{d} {g}' for d, g in zip(devs, got)))
        out.append(f'\nOutcomes that differ ({len(diff)}):')
        out.extend(diff or ['  none'])
    for d in devs:
        bad = [f'  {"FAIL" if k == "failed" else "ERROR"} {t}' +
               (f' (run again alone: {runs[d].retries[t]})' if t in runs[d].retries else '')
               for t, (k, _) in runs[d].tests.items() if k in ('failed', 'errors')]
        if bad:
            out.append(f'\n{d} failures and errors ({len(bad)}):')
            out.extend(bad)
        reasons = Counter(why for kind, why in runs[d].tests.values() if kind == 'skipped')
        out.append(f'\n{d} skip reasons ({sum(reasons.values())} skips):')
        out.extend(f'  {n:4} {why}' for why, n in reasons.most_common())
    return '\n'.join(out)


def facts(runs):
    out = []
    for d, r in runs.items():
        for k, v in zip(COLUMNS, r.count()):
            out.append(f'{d}.{k}={v}')
        out.append(f'{d}.ran={r.ran if r.ran is not None else ""}')
        out.append(f'{d}.complete={int(r.complete())}')
        out.append(f'{d}.rc={r.rc if r.rc is not None else ""}')
        out.append(f'{d}.unresolved={len(r.unresolved())}')
        i = 0
        for t, (kind, why) in r.tests.items():
            if kind in ('failed', 'errors'):
                i += 1
                again = r.retries.get(t, 'not run')
                out.append(f'{d}.fail.{i}={kind} {t} (run again alone: {again})')
        for i, (why, n) in enumerate(Counter(
                why for kind, why in r.tests.values() if kind == 'skipped').most_common(), 1):
            out.append(f'{d}.skip.{i}={n} {why}')
    return '\n'.join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--facts', action='store_true', help='KEY=VALUE lines, not the table')
    args = ap.parse_args()
    runs = read_runs(sys.stdin)
    if not runs:
        print('no rdma-core-suite run in the input', file=sys.stderr)
        return 1
    print(facts(runs) if args.facts else table(runs))
    return 0


if __name__ == '__main__':
    sys.exit(main())
