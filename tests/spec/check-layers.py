#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The core's layers: calls and includes go one way.

docs/architecture.md draws the layers of hw/rdma-offload/core/ between the
markers `<!-- layers:begin -->` and `<!-- layers:end -->`, top to bottom,
one layer a line: the folders (`xport/`) or root files (`core.c`) it holds,
then what it is for. Folders on one line are siblings: neither may use the
other. This check reads that drawing and the C sources (stdlib only, no
compiler) and fails, as TAP, on:

- a call to (or any use of) a function defined in a layer above the
  caller's, or in a sibling;
- an #include of a header in a layer above, or in a sibling;
- a cycle of calls between files of one folder, unless it is listed in
  INTRA_FOLDER_CYCLES below with the reason it is still there;
- a file of the core that no layer names; wire/ including anything of the
  core outside wire/ (it is pure functions on bytes) but the headers of
  WIRE_MAY_INCLUDE.

Usage: check-layers.py [ROOT]   (default: the repository holding this file)
"""
import os
import re
import sys

# Headers outside wire/ that wire/ may include, each with its reason.
WIRE_MAY_INCLUDE = {
    # Compiler attributes only (where code is placed): no state, no code.
    'rdo-attrs.h',
}

# Cycles between files of one folder that are known and accepted for now,
# each with its reason. The set of files in a cycle must match exactly: a
# new file joining a cycle, or a new cycle, fails.
INTRA_FOLDER_CYCLES = {
    # none today
}

ROOT_HEADERS = ('rdo-core.h', 'rdo-internal.h')


def strip_c(text):
    """Comments, strings and character literals out; newlines kept."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append('\n' * text.count('\n', i, j))
            i = j
        elif text.startswith('//', i):
            j = text.find('\n', i)
            i = n if j < 0 else j
        elif c in '"\'':
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == '\\' else 1
            out.append(c + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return ''.join(out)


IDENT = re.compile(r'[A-Za-z_]\w*')
KEYWORDS = {'if', 'while', 'for', 'switch', 'return', 'sizeof', 'do',
            'else', 'case', 'defined', '__attribute__', 'typeof'}


def functions(code):
    """(name, is_static, body) for each function defined at top level."""
    found = []
    depth = 0
    i, n = 0, len(code)
    stmt_start = 0
    while i < n:
        c = code[i]
        if c == '#' and (i == 0 or code[i - 1] == '\n') and depth == 0:
            j = i
            while True:
                j = code.find('\n', j)
                if j < 0 or code[j - 1] != '\\':
                    break
                j += 1
            i = n if j < 0 else j + 1
            stmt_start = i
            continue
        if c == '{':
            if depth == 0:
                head = code[stmt_start:i]
                m = re.search(r'(\w+)\s*\(([^()]|\([^()]*\))*\)\s*$', head)
                if m and m.group(1) not in KEYWORDS and '=' not in head:
                    end = match_brace(code, i)
                    found.append((m.group(1), re.search(r'\bstatic\b', head) is not None,
                                  code[i:end]))
                    i = end
                    stmt_start = i
                    continue
            depth += 1
        elif c == '}':
            depth -= 1
            if depth == 0:
                stmt_start = i + 1
        elif c == ';' and depth == 0:
            stmt_start = i + 1
        i += 1
    return found


def match_brace(code, i):
    depth = 0
    for j in range(i, len(code)):
        if code[j] == '{':
            depth += 1
        elif code[j] == '}':
            depth -= 1
            if depth == 0:
                return j + 1
    return len(code)


def read_layers(doc):
    text = open(doc, encoding='utf-8').read()
    m = re.search(r'<!-- layers:begin -->(.*?)<!-- layers:end -->', text, re.S)
    if not m:
        sys.exit('Bail out! no layer drawing in ' + doc)
    layers = []
    for line in m.group(1).splitlines():
        members = []
        for word in line.split():
            if word.endswith('/') or word.endswith('.c') or word.endswith('.h'):
                members.append(word)
            else:
                break
        if members:
            layers.append(members)
    # Top to bottom in the drawing; rank 0 is the bottom. A folder is a
    # unit of its own; root files on one line are one unit together.
    rank = {}
    for r, members in enumerate(reversed(layers)):
        root = ' '.join(m for m in members if not m.endswith('/'))
        for mem in members:
            rank[mem] = r
            if not mem.endswith('/'):
                UNIT[mem] = root
                rank[root] = r
    return rank


UNIT = {}


def unit_of(rel, rank):
    """The layer unit (a folder/, or the root files of one line) of a file."""
    if '/' in rel:
        folder = rel.split('/')[0] + '/'
        return folder if folder in rank else None
    return UNIT.get(rel)


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    core = os.path.join(top, 'hw', 'rdma-offload', 'core')
    rank = read_layers(os.path.join(top, 'docs', 'architecture.md'))

    files = []
    for d, _, names in os.walk(core):
        for name in names:
            if name.endswith(('.c', '.h')):
                files.append(os.path.relpath(os.path.join(d, name), core))
    files.sort()

    problems = []
    defs = {}            # name -> file (non-static, or static inline in a header)
    local = {}           # file -> set of its static function names
    bodies = {}          # file -> list of bodies
    includes = {}
    for rel in files:
        if unit_of(rel, rank) is None:
            problems.append(f'{rel}: in no layer of the drawing')
            continue
        raw = open(os.path.join(core, rel), encoding='utf-8').read()
        code = strip_c(raw)
        includes[rel] = re.findall(r'^\s*#\s*include\s+"([^"]+)"', raw, re.M)
        local[rel] = set()
        bodies[rel] = []
        for name, static, body in functions(code):
            bodies[rel].append(body)
            if static and rel.endswith('.c'):
                local[rel].add(name)
            elif name in defs and defs[name] != rel:
                problems.append(f'{rel}: {name} is defined in {defs[name]} too')
            else:
                defs[name] = rel

    def allowed(src, dst):
        us, ud = unit_of(src, rank), unit_of(dst, rank)
        if us == ud:
            return True
        return rank[ud] < rank[us]

    # Calls (and any other use of a function's name).
    edges = {}
    for rel, blist in bodies.items():
        for body in blist:
            for name in set(IDENT.findall(body)):
                if name in local[rel] or name not in defs:
                    continue
                dst = defs[name]
                if dst == rel:
                    continue
                if dst.endswith('.c'):
                    edges.setdefault(rel, {}).setdefault(dst, set()).add(name)
                if not allowed(rel, dst):
                    problems.append(f'{rel}: uses {name} of {dst}, a layer above '
                                    f'or a sibling ({unit_of(rel, rank)} -> {unit_of(dst, rank)})')

    # Includes.
    for rel, incs in includes.items():
        for inc in incs:
            here = os.path.normpath(os.path.join(os.path.dirname(rel), inc))
            cand = [here, os.path.normpath(inc)]
            target = next((c for c in cand if c in includes), None)
            if target is None:
                continue    # the hardware-interface headers, system headers
            if rel.startswith('wire/') and not target.startswith('wire/') \
                    and target not in WIRE_MAY_INCLUDE:
                problems.append(f'{rel}: wire/ includes {target} (wire/ is pure)')
            elif target in ROOT_HEADERS or allowed(rel, target):
                continue
            else:
                problems.append(f'{rel}: includes {target}, a layer above or a sibling')

    # Cycles between files of one folder (Tarjan's strongly connected parts).
    index, low, stack, on, sccs = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, {}):
            if unit_of(w, rank) != unit_of(v, rank):
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(frozenset(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    for comp in sccs:
        if comp not in INTRA_FOLDER_CYCLES:
            problems.append('files calling each other in a cycle: ' +
                            ', '.join(sorted(comp)))
    for comp in INTRA_FOLDER_CYCLES:
        if comp not in sccs:
            problems.append('INTRA_FOLDER_CYCLES lists a cycle that is gone or '
                            'changed (update the list): ' + ', '.join(sorted(comp)))

    problems = sorted(set(problems))
    checks = [('every core file is in a layer, calls and includes go down',
               problems)]
    print(f'1..{len(checks)}')
    for i, (what, probs) in enumerate(checks, 1):
        if probs:
            print(f'not ok {i} - {what}')
            for p in probs:
                print('#   ' + p)
        else:
            print(f'ok {i} - {what} ({len(files)} files, '
                  f'{sum(len(d) for d in edges.values())} file-to-file call edges)')
    return 1 if any(p for _, p in checks) else 0


if __name__ == '__main__':
    sys.exit(main())
