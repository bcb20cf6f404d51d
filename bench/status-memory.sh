#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# status-memory.sh - the destination's peak memory for receiving STATUS, written as Markdown.
#
# usage: bench/status-memory.sh [GIB[:STRIDE]...]
#
# Runs $O/bench/statusbench (default O=build; cases default to 1, 64 and
# 1024 GiB with every page a shared run, and 1024 GiB with every other
# page shared) and writes $STATUS_MEM_OUT (default
# bench/results/status-memory.md) with the commit, the date and the
# machine. No KVM is used: the receive path is library code. The 1 TiB
# cases hold about 4 GiB in the receiver; a case that does not fit in
# MemAvailable less 2 GiB is left out and said so. Not part of `make
# bench`, which should not take 4 GiB of a shared machine unasked.
set -eu
cd "$(dirname "$0")/.."
O=${O:-build}
out=${STATUS_MEM_OUT:-bench/results/status-memory.md}
raw=$(mktemp /tmp/migctl-statusmem.XXXXXX)
trap 'rm -f "$raw"' EXIT INT TERM

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain -- vmm host bench 2>/dev/null | grep -v '^??' | head -n 1 || true)
rc=0
"$O/bench/statusbench" "$@" >"$raw" || rc=$?
model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
python3 - "$raw" "$out" "$commit${dirty:+ (with uncommitted changes)}" \
	"$(date -u +%Y-%m-%d)" "$(nproc)" "$model" "$(uname -r)" \
	"$(sed -n 's/^MemTotal:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/meminfo)" <<'PY'
import json, sys
raw, out, commit, date, cores, model, kernel, mem = sys.argv[1:]
doc = json.load(open(raw))

def size(gib):
    return "%d TiB" % (gib // 1024) if gib % 1024 == 0 else "%d GiB" % gib

def mib(kib):
    return "%.1f MiB" % (kib / 1024.0)

rows = []
for c in doc["cases"]:
    st_kib = c["status_bytes"] / 1024.0
    guest = size(c["guest_gib"])
    guest += {1: ", every page shared", 2: ", every other page shared"}.get(
        c["stride"], ", 1 page in %d shared" % c["stride"])
    rows.append("| %s | %s | %s | %s | %s | %.4f | %+d KiB | %s | %d | %.1f / %.1f |" % (
        guest, mib(st_kib), mib(c["log_bytes"] / 1024.0),
        mib(c["peak_extra_recv_kib"]), mib(c["peak_extra_apply_kib"]),
        c["ratio_apply"], round(c["peak_extra_apply_kib"] - st_kib),
        mib(c["vmpeak_extra_kib"]), c["malloc_staging_bytes"], c["recv_s"], c["apply_s"]))
cases = doc["cases"]
if cases:
    big = max(cases, key=lambda c: c["status_bytes"])
    beyond = max(c["peak_extra_apply_kib"] - c["status_bytes"] / 1024.0 for c in cases)
    staged = max(c["malloc_staging_bytes"] for c in cases)
    verdict = ("**Measured: peak extra memory is the STATUS section plus at most %d KiB, "
               "whatever the size (%s for %s of STATUS at %s: %.4f times the section); "
               "staging allocated %s. A second copy would add the section's size "
               "again.**" % (round(beyond), mib(big["peak_extra_apply_kib"]),
                             mib(big["status_bytes"] / 1024.0), size(big["guest_gib"]),
                             big["ratio_apply"],
                             "0 bytes in every case" if staged == 0 else
                             "up to %d bytes" % staged))
else:
    verdict = "**No case ran: see the program's messages.**"
with open(out, "w") as f:
    f.write("""# Receiving STATUS: the destination's peak memory

Written by `bench/status-memory.sh` on %s at commit %s.
No KVM: library code (`bench/statusbench.c`).

- host: %s CPUs, %s, Linux %s, %d GiB RAM (shared with other jobs)
- what runs: the receive path of `migctl-vmm --incoming` for STATUS:
  `migrate_reader` over `migrate_io_fd` on a socket, staging by
  `migrate_staged_status_recv()`, then `migrate_staged_apply_status()`,
  which loads the log into the host library's S. The sender, another
  process, generates the stream as it writes it; no guest RAM is
  allocated anywhere (the stream has no RAM pages; the guest size is the
  layout in CONFIG and the engine's log).
- peak extra: the receiver's VmHWM minus its VmRSS just before the stream
  (reset with `clear_refs` 5), after END (received) and after the log is
  loaded. The engine's own log, S and C (2 bits a page), is resident
  before the baseline, as on any destination. "beyond STATUS" is peak
  extra minus the STATUS section's size: the reader's 64 KiB input
  buffer, its buffer for later sections, and code run for the first time.
- STATUS with every page shared is the largest the reader accepts (32 + 16
  bytes a page: 4 GiB for 1 TiB); every other page shared is the most runs
  a source's own encoding has.

**Requirement: receiving STATUS for a 1 TiB guest needs no second copy;
peak extra memory at most the log's own size.**

| guest | STATUS | engine's log | peak extra, received | peak extra, loaded | peak / STATUS | beyond STATUS | VmPeak rise | bytes malloc'd by staging | seconds receive / load |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
%s

%s

Seconds are wall time on a shared 2-core machine, for orientation only.
""" % (date, commit, cores, model, kernel, int(mem) // (1 << 20), "\n".join(rows), verdict))
print("status-memory: wrote %s" % out)
PY
exit "$rc"
