#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# snippets.py - the docs quote real code, name real files and link to real documents.
"""
Checks of docs/*.adoc against the source tree:

  - quoted_code_matches_sources: a code block preceded by a comment line
    "// from: PATH" quotes PATH: its lines ("..." marks an omission) occur
    in PATH in the same order, compared without leading and trailing
    white space;
  - file_references_exist: every source path named in inline code exists
    (a program may be named by its source file without the .c);
  - scenario_table_matches_covers: the scenario table of conformance.adoc
    has one row per scenario of the guest image, with the rules of its
    "Covers:" line, or "-" for a workload with none;
  - cross_references_resolve: every xref: names a document of docs/ (and
    an anchor that document defines), every link: an HTML file the docs
    build produces.

KTAP on stdout; exit 0 pass, 1 fail.
"""
import glob
import os
import re
import sys

import ktap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.chdir(ROOT)
DOCS = sorted(glob.glob('docs/*.adoc')) + sorted(glob.glob('docs/man/*.adoc'))
# Source directories a path in the docs may point into.
TREE = ('spec/', 'guest/', 'host/', 'vmm/', 'conformance/', 'docs/', 'scripts/', 'include/')


def read(path):
    with open(path, encoding='utf-8') as f:
        return f.read().split('\n')


def quoted_blocks(path):
    """(line, source path, [lines]) for each block after "// from: PATH"."""
    lines, out, i = read(path), [], 0
    while i < len(lines):
        m = re.match(r'^// from: (\S+)\s*$', lines[i])
        i += 1
        if not m:
            continue
        start = i
        while i < len(lines) and lines[i] != '----':
            i += 1
        j = i + 1
        while j < len(lines) and lines[j] != '----':
            j += 1
        out.append((start, m.group(1), lines[i + 1:j]))
        i = j + 1
    return out


def check_quotes():
    diags, n = [], 0
    for doc in DOCS:
        for ln, src, block in quoted_blocks(doc):
            n += 1
            if not os.path.isfile(src):
                diags.append('%s:%d: %s does not exist' % (doc, ln, src))
                continue
            have = [s.strip() for s in read(src)]
            pos = 0
            for want in (b.strip() for b in block):
                if not want or want == '...':
                    continue
                try:
                    pos = have.index(want, pos) + 1
                except ValueError:
                    diags.append('%s:%d: not in %s (in this order): %s' % (doc, ln, src, want))
                    break
    ktap.result(n > 0 and not diags, 'quoted_code_matches_sources',
                ['%d quoted blocks' % n] + diags)


def check_paths():
    diags, seen = [], set()
    for doc in DOCS:
        for ln, line in enumerate(read(doc), 1):
            for span in re.findall(r'`([^`]+)`', line):
                for p in re.findall(r'[\w./-]+', span):
                    if not p.startswith(TREE) or '*' in span or p in seen:
                        continue
                    seen.add(p)
                    # A test program may be named by its source without .c.
                    if not any(os.path.exists(p.rstrip('/') + ext) for ext in ('', '.c')):
                        diags.append('%s:%d: %s does not exist' % (doc, ln, p))
    ktap.result(seen and not diags, 'file_references_exist',
                ['%d source paths named' % len(seen)] + diags)


def check_scenarios():
    covers = {}
    for src in glob.glob('conformance/guest-image/sc-*.c'):
        rules = None
        for line in read(src):
            m = re.search(r'Covers: (.*?)\s*\*/', line)
            if m:
                rules = m.group(1)
            m = re.search(r'\.name = "([^"]+)"', line)
            if m:
                covers[m.group(1)] = rules
    rows = {}
    for line in read('docs/conformance.adoc'):
        m = re.match(r'^\| `([a-z0-9-]+)` \|.*\| ([GHV]-[0-9, GHV-]+|-)$', line)
        if m:
            # "-": a workload that is no conformance test (no Covers: line)
            rows[m.group(1)] = None if m.group(2) == '-' else m.group(2)
    diags = ['scenario %s has no row' % s for s in sorted(set(covers) - set(rows))]
    diags += ['row %s names no scenario' % s for s in sorted(set(rows) - set(covers))]
    diags += ['%s: the table says %s, the code covers %s' % (s, rows[s], covers[s])
              for s in sorted(set(rows) & set(covers)) if rows[s] != covers[s]]
    ktap.result(covers and not diags, 'scenario_table_matches_covers',
                ['%d scenarios' % len(covers)] + diags)


def anchors(path):
    text = '\n'.join(read(path))
    ids = set(re.findall(r'\[\[([\w-]+)(?:,[^\]]*)?\]\]', text))
    ids |= set(re.findall(r'^\[#([\w-]+)', text, re.M))
    return ids


def check_xrefs():
    diags, n = [], 0
    for doc in DOCS:
        for ln, line in enumerate(read(doc), 1):
            for target, anchor in re.findall(r'xref:([\w.-]+\.adoc)(?:#([\w-]+))?\[', line):
                n += 1
                path = next((p for p in ('docs/' + target, 'docs/man/' + target)
                             if os.path.isfile(p)), None)
                if not path:
                    diags.append('%s:%d: xref to missing %s' % (doc, ln, target))
                elif anchor and anchor not in anchors(path):
                    diags.append('%s:%d: %s has no anchor %s' % (doc, ln, target, anchor))
            for target in re.findall(r'link:([\w.-]+\.html)\[', line):
                n += 1
                # migctl.html is the spec, copied beside the docs.
                src = 'spec/migctl.adoc' if target == 'migctl.html' else \
                      'docs/' + target[:-len('.html')] + '.adoc'
                if not os.path.isfile(src):
                    diags.append('%s:%d: link to %s, which no source renders' % (doc, ln, target))
    ktap.result(n > 0 and not diags, 'cross_references_resolve', ['%d references' % n] + diags)


def main():
    ktap.plan(4)
    check_quotes()
    check_paths()
    check_scenarios()
    check_xrefs()
    return ktap.totals()


if __name__ == '__main__':
    sys.exit(main())
