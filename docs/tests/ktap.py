# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# ktap.py - KTAP output for the docs' checks: the plan, one line per case, the totals.
"""
    import ktap
    ktap.plan(3)
    ktap.result(ok, 'case_name', ['a diagnostic line', ...])
    ktap.result(True, 'other_case', skip='why it cannot run here')
    sys.exit(ktap.totals())
"""

results = []


def plan(n):
    print('KTAP version 1')
    print('1..%d' % n)


def result(ok, name, diags=(), skip=None):
    """One case: its diagnostics first, then ok / not ok, or ok # SKIP with the reason."""
    for d in diags:
        print('# ' + d)
    n = len(results) + 1
    if skip:
        print('ok %d %s # SKIP %s' % (n, name, skip))
        results.append('skip')
    else:
        print('%s %d %s' % ('ok' if ok else 'not ok', n, name))
        results.append('pass' if ok else 'fail')


def totals():
    """The totals line; returns the exit status: 1 if a case failed."""
    fails = results.count('fail')
    print('# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0' %
          (results.count('pass'), fails, results.count('skip')))
    return 1 if fails else 0
