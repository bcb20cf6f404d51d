#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# commands.py - every command and option the README and the docs show exists and works.
"""
Reads README.md, conformance/guest-image/README.md, docs/*.adoc and
docs/man/*.adoc, collects the command lines of their code blocks (and the
`make ...` of inline code), and checks them against the build in ${O:-build}:

  - every option of `migctl-vmm --help` has an entry in the man page, and
    every option the man page or a shown command uses is in --help;
  - every migctl-vmm command line parses (run with --help added), and the
    ones that boot an image or probe really run on /dev/kvm (a migration
    end point, which needs its partner, and the "ctl" form, which needs a
    running VMM, are checked against the usage only);
  - every QEMU command line boots the image and prints its KTAP;
  - every make target exists (make -n);
  - every program of the build tree that is shown exists, and shown test
    programs run with the arguments shown.

KTAP on stdout; exit 0 pass, 1 fail.
"""
import glob
import os
import re
import shlex
import subprocess
import sys
import tempfile

import ktap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.chdir(ROOT)
O = os.environ.get('O', 'build')
VMM = os.path.join(O, 'vmm', 'migctl-vmm')
SOURCES = (['README.md', 'conformance/guest-image/README.md'] +
           sorted(glob.glob('docs/*.adoc')) + sorted(glob.glob('docs/man/*.adoc')))
MAN_VMM = 'docs/man/migctl-vmm.1.adoc'
RUN_TIMEOUT = 180


def code_lines(path):
    """(line number, text) of every code line: AsciiDoc ---- blocks,
    Markdown fences and indented blocks. Continuation lines are joined."""
    out, block, fence = [], False, False
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    md = path.endswith('.md')
    pending, start = '', 0
    for i, line in enumerate(lines, 1):
        code = False
        if md:
            if line.startswith('```'):
                fence = not fence
                continue
            code = fence or (line.startswith('    ') or line.startswith('\t'))
        else:
            if line == '----':
                block = not block
                continue
            code = block
        if not code:
            continue
        text = line.strip()
        if not pending:
            start = i
        if text.endswith('\\'):
            pending += text[:-1] + ' '
            continue
        out.append((start, pending + text))
        pending = ''
    return out


def inline_code(path):
    """(line number, text) of every `inline code` span."""
    out = []
    with open(path, encoding='utf-8') as f:
        for i, line in enumerate(f, 1):
            out += [(i, m) for m in re.findall(r'`([^`]+)`', line)]
    return out


def split(cmd):
    """argv and environment assignments of a shell command line, or None."""
    try:
        words = shlex.split(cmd, comments=True)
    except ValueError:
        return None
    env = {}
    while words and re.match(r'^[A-Z_][A-Z0-9_]*=', words[0]):
        k, v = words.pop(0).split('=', 1)
        env[k] = v
    return (words, env) if words else None


def to_build(arg):
    """A path of the default build directory, in the build directory used."""
    return O + arg[len('build'):] if arg == 'build' or arg.startswith('build/') else arg


def commands():
    """Every shown command: (source:line, argv, env)."""
    out = []
    for src in SOURCES:
        for ln, text in code_lines(src):
            s = split(text)
            if s:
                out.append(('%s:%d' % (src, ln), s[0], s[1]))
    return out


def vmm_options(argv):
    opts = []
    for a in argv[1:]:
        if a == '--':
            break
        if a.startswith('-'):
            opts.append(a.split('=', 1)[0])
    return opts


def run(argv, env=None, timeout=RUN_TIMEOUT):
    e = dict(os.environ)
    e.update(env or {})
    for k in ('MAKEFLAGS', 'MFLAGS', 'MAKELEVEL'):
        e.pop(k, None)
    try:
        p = subprocess.run(argv, env=e, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
        return p.returncode, p.stdout.decode(errors='replace'), p.stderr.decode(errors='replace')
    except subprocess.TimeoutExpired:
        return None, '', 'timeout after %d s' % timeout
    except OSError as err:
        return None, '', str(err)


def kvm_usable():
    return os.access('/dev/kvm', os.R_OK | os.W_OK)


def main():
    ktap.plan(7)
    if not os.access(VMM, os.X_OK):
        print('Bail out! %s is not built (run make)' % VMM)
        return 1
    rc, help_text, _ = run([VMM, '--help'])
    help_opts = set(re.findall(r'(?<![\w-])(--[a-z][a-z-]*|-[a-zA-Z])\b', help_text))
    with open(MAN_VMM, encoding='utf-8') as f:
        man = f.read()
    man_entries = set()
    for line in man.split('\n'):
        if line.rstrip().endswith('::'):
            man_entries |= set(re.findall(r'\*(--?[a-zA-Z][a-z-]*)\*', line))
    man_mentions = set(re.findall(r'\*(--[a-z][a-z-]*)\*', man))
    cmds = commands()
    vmm_all = [c for c in cmds if os.path.basename(c[1][0]) == 'migctl-vmm']
    # "migctl-vmm ctl SOCKET COMMAND" talks to a running VMM: it can only be
    # checked against the usage, not run on its own.
    vmm_ctl = [c for c in vmm_all if len(c[1]) > 1 and c[1][1] == 'ctl']
    vmm_cmds = [c for c in vmm_all if c not in vmm_ctl]

    # 1: the man page documents every option of --help.
    missing = sorted(help_opts - man_entries)
    ktap.result(rc == 0 and help_opts and not missing, 'help_options_in_man_page',
                ['--help lists %d options' % len(help_opts)] +
                ['%s is in --help but has no entry in %s' % (o, MAN_VMM) for o in missing])

    # 2: every option shown anywhere exists.
    shown = {}
    for o in man_mentions:
        shown.setdefault(o, MAN_VMM)
    for where, argv, _ in vmm_cmds:
        for o in vmm_options(argv):
            shown.setdefault(o, where)
    unknown = sorted(o for o in shown if o not in help_opts)
    ktap.result(not unknown, 'shown_options_in_help',
                ['%d options shown' % len(shown)] +
                ['%s (%s) is not an option of migctl-vmm' % (o, shown[o]) for o in unknown])

    # 3: every migctl-vmm command line parses: --help first, so nothing runs.
    diags = []
    for where, argv, env in vmm_cmds:
        args = [to_build(a) for a in argv[1:]]
        rc, out, err = run([VMM, '--help'] + args, env)
        if rc != 0 or not out.startswith('usage:'):
            diags.append('%s: %s: rejected: %s' % (where, ' '.join(argv), err.strip()))
    for where, argv, _ in vmm_ctl:
        if 'migctl-vmm ctl' not in help_text:
            diags.append('%s: %s: --help has no "ctl" form' % (where, ' '.join(argv)))
    ktap.result(vmm_cmds and not diags, 'vmm_commands_parse',
                ['%d migctl-vmm command lines' % len(vmm_all)] + diags)

    # 4: ... and run: a guest result (0, 1, 4), never a VMM failure (125).
    tmp = tempfile.mkdtemp(prefix='migctl-commands.')
    if not kvm_usable():
        ktap.result(True, 'vmm_commands_run', skip='/dev/kvm is not accessible')
    else:
        diags, ran = [], 0
        for where, argv, env in vmm_cmds:
            args = [to_build(a) for a in argv[1:]]
            if '--help' in args or '-h' in args or '--version' in args or '-V' in args:
                continue
            # A migration end point waits for its partner, and a Linux kernel
            # runs its initramfs until told to stop (vmm/tests/linux-boot.sh
            # boots one): parsed above only.
            if any(a.split('=', 1)[0] in ('--incoming', '--control', '--initrd') for a in args):
                continue
            for i, a in enumerate(args[:-1]):
                if a == '--serial' and args[i + 1] != 'stdio':
                    args[i + 1] = os.path.join(tmp, 'serial.txt')
            rc, out, err = run([VMM] + args, env)
            ran += 1
            ok = rc == 0 if '--probe' in args else rc in (0, 1, 4)
            if not ok:
                diags.append('%s: %s: exit status %s: %s' % (where, ' '.join(argv), rc,
                                                            err.strip()[-300:]))
        ktap.result(ran and not diags, 'vmm_commands_run', ['%d commands run' % ran] + diags)

    # 5: QEMU command lines boot the image and print its KTAP.
    qemu_cmds = [c for c in cmds if os.path.basename(c[1][0]).startswith('qemu-system-')]
    qemu = qemu_cmds and run(['sh', '-c', 'command -v ' + qemu_cmds[0][1][0]])[0] == 0
    if not qemu_cmds:
        ktap.result(True, 'qemu_commands_run', skip='no QEMU command shown')
    elif not qemu or not kvm_usable():
        ktap.result(True, 'qemu_commands_run', skip='QEMU or /dev/kvm not available')
    else:
        diags = []
        for where, argv, env in qemu_cmds:
            rc, out, err = run([to_build(a) for a in argv], env)
            if rc not in (1, 3, 9) or 'KTAP version 1' not in out or '# Totals' not in out:
                diags.append('%s: exit status %s, no complete KTAP: %s' %
                             (where, rc, err.strip()[-300:]))
        ktap.result(not diags, 'qemu_commands_run', ['%d commands run' % len(qemu_cmds)] + diags)

    # 6: make targets, from code lines and inline code.
    targets = {}
    for where, argv, _ in cmds:
        if argv[0] == 'make':
            for a in argv[1:]:
                if not a.startswith('-') and '=' not in a:
                    targets.setdefault(a, where)
                    break
    for src in SOURCES:
        for ln, text in inline_code(src):
            s = split(text)
            if s and s[0][0] == 'make':
                for a in s[0][1:]:
                    if not a.startswith('-') and '=' not in a:
                        targets.setdefault(a, '%s:%d' % (src, ln))
                        break
    diags = []
    for t, where in sorted(targets.items()):
        rc, _, err = run(['make', '-n', '--no-print-directory', 'O=' + O,
                          'DESTDIR=' + os.path.join(tmp, 'stage'), t])
        if rc != 0:
            diags.append('%s: make %s: %s' % (where, t, err.strip()[-200:]))
    ktap.result(targets and not diags, 'make_targets_exist',
                ['targets shown: ' + ' '.join(sorted(targets))] + diags)

    # 7: programs of the build tree: they exist; test programs run as shown.
    diags, n = [], 0
    for where, argv, env in cmds:
        if not argv[0].startswith('build/'):
            continue
        prog = to_build(argv[0])
        n += 1
        if not os.access(prog, os.X_OK):
            diags.append('%s: %s does not exist' % (where, prog))
        elif prog.endswith('_test'):
            rc, _, err = run([prog] + argv[1:], env)
            if rc != 0:
                diags.append('%s: %s: exit status %s' % (where, ' '.join(argv), rc))
    ktap.result(n and not diags, 'build_programs_exist', ['%d shown' % n] + diags)

    subprocess.run(['rm', '-rf', tmp])
    return ktap.totals()


if __name__ == '__main__':
    sys.exit(main())
