#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# figures.py - README.md, docs/performance.adoc and bench/results/ show the figures of results.json.
"""
Checks that the published figures come from bench/results/results.json:

  - results_md_matches_results_json, summary_matches_results_json,
    readme_block_matches_results_json: `bench/report.py --refresh` renders
    results.md, summary.adoc and the README's block between
    <!-- bench:begin --> and <!-- bench:end --> from results.json into a
    temporary directory; the tree's copies must be the same text;
  - readme_block_has_every_migration_row: each migration case of
    results.json (size, workload, sev-sim) has its row in the README's block;
  - performance_includes_summary: docs/performance.adoc includes the
    generated summary's attributes, run, targets and per-benchmark tables;
  - bench_attributes_defined: every {bench-...} attribute the docs use is
    one summary.adoc defines (asciidoctor would print an unknown one as is);
  - no_hand_copied_figures: neither document holds the figures once copied
    into them by hand from earlier runs.

KTAP on stdout; exit 0 pass, 1 fail.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import ktap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.chdir(ROOT)
RESULTS = 'bench/results'
SUMMARY = RESULTS + '/summary.adoc'
BEGIN, END = '<!-- bench:begin -->', '<!-- bench:end -->'
TAGS = ('attributes', 'run', 'targets', 'migration', 'migration-standard', 'exits',
        'coalescing', 'statuslog', 'guestcost', 'firmware')
# Figures that were copied by hand into README.md and docs/performance.adoc
# from the runs before report.py generated them (each unique to a table row
# or sentence of that time).
HAND_COPIED = (
    '| 1.026 | 1.035', '| 1.019 | 1.026', 'a load\naverage of 2.7',
    '| 13.2 | 187', '| 6.2 | 96', '| 2.0 | 16', '96 µs elided and 187 µs',
    '| 65,624 | 2.0034', '| 67,108,992 | 2.0000', '32 ms and 8 MiB', '3.9 to\n  6.5 GB/s',
    '| 14 ms | 30 ms', '| 289 ms | 158 ms', '| 288 ms | 293 ms', '| 427 ms | 706 ms',
    '| 2,435 ms', '| 12,165 ms', '0.39 and 0.5 of QEMU', '(77 to 103 ms against 7 to 25 ms)',
    'load average 0.7 at the start', 'average 0.7 to 1.6', '| 1.03x | within 1.3x',
    '0.96x the total time (288 ms vs 293 ms)', '0.39x the total time (39 ms vs 92 ms)',
)


def read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


def first_difference(want, got):
    a, b = want.split('\n'), got.split('\n')
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            c = next((j for j, (p, q) in enumerate(zip(x, y)) if p != q), min(len(x), len(y)))
            c = max(c - 40, 0)
            return ['line %d differs from column %d:' % (i + 1, c + 1),
                    '  generated: ' + x[c:c + 120], '  in tree:   ' + y[c:c + 120]]
    return ['lengths differ: %d generated lines, %d in the tree' % (len(a), len(b))]


def readme_block(text):
    a, b = text.find(BEGIN), text.find(END)
    return text[a:b + len(END)] if 0 <= a < b else None


def main():
    ktap.plan(7)
    readme, perf = read('README.md'), read('docs/performance.adoc')
    with tempfile.TemporaryDirectory(prefix='migctl-figures.') as tmp:
        r = subprocess.run([sys.executable, 'bench/report.py', '--refresh', RESULTS,
                            '--out', tmp], capture_output=True, text=True)
        gen = {}
        for name in ('results.md', 'summary.adoc', 'README.md'):
            p = os.path.join(tmp, name)
            gen[name] = read(p) if r.returncode == 0 and os.path.exists(p) else None
    why = ['report.py --refresh failed: ' + (r.stderr.strip() or r.stdout.strip())[-300:]]
    for name, path, test in (('results.md', RESULTS + '/results.md',
                              'results_md_matches_results_json'),
                             ('summary.adoc', SUMMARY, 'summary_matches_results_json')):
        if gen[name] is None:
            ktap.result(False, test, why)
            continue
        have = read(path) if os.path.exists(path) else ''
        ktap.result(gen[name] == have, test,
                    [] if gen[name] == have else
                    ['%s is not what bench/report.py --refresh writes:' % path]
                    + first_difference(gen[name], have))
    block = readme_block(readme)
    if gen['README.md'] is None:
        ktap.result(False, 'readme_block_matches_results_json', why)
    elif block is None:
        ktap.result(False, 'readme_block_matches_results_json',
                    ['README.md has no %s ... %s block' % (BEGIN, END)])
    else:
        ok = gen['README.md'] == readme
        ktap.result(ok, 'readme_block_matches_results_json',
                    [] if ok else ['README.md is not what bench/report.py --refresh writes:']
                    + first_difference(gen['README.md'], readme))

    res = json.loads(read(RESULTS + '/results.json'))
    missing = []
    for c in res.get('migration', {}).get('cases', []):
        size = c['size_mib']
        ram = '%d MiB' % size if size < 1024 else '%d GiB' % (size // 1024)
        sev = 'on' if c['impl'] == 'ours-sevsim' else 'off'
        row = '| %s | %s | %s |' % (ram, c['workload'], sev)
        if c['impl'] != 'qemu' and row not in (block or ''):
            missing.append('no row "%s" in README.md\'s block' % row)
    ktap.result(not missing and block is not None, 'readme_block_has_every_migration_row', missing)

    inc = 'include::../bench/results/summary.adoc[tag=%s]'
    lack = ['docs/performance.adoc does not ' + inc % t for t in TAGS if inc % t not in perf]
    ktap.result(not lack, 'performance_includes_summary', lack)

    defined = set(re.findall(r'^:(bench-[a-z0-9-]+):', read(SUMMARY), re.M))
    unknown = []
    for path in sorted(os.listdir('docs')):
        if path.endswith('.adoc'):
            for a in sorted(set(re.findall(r'\{(bench-[a-z0-9-]+)\}',
                                           read(os.path.join('docs', path))))):
                if a not in defined:
                    unknown.append('docs/%s uses {%s}, which %s does not define'
                                   % (path, a, SUMMARY))
    ktap.result(not unknown, 'bench_attributes_defined', unknown)

    found = ['%s holds a hand-copied figure: %r' % (path, s)
             for path, text in (('README.md', readme), ('docs/performance.adoc', perf))
             for s in HAND_COPIED if s in text]
    ktap.result(not found, 'no_hand_copied_figures', found)
    return ktap.totals()


if __name__ == '__main__':
    sys.exit(main())
