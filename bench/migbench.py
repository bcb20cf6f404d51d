#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# migbench.py - live migration over loopback TCP: migctl-vmm (sev-sim off and on) against QEMU.
"""Usage: migbench.py --vmm VMM --image IMAGE [options] > migration.json

For each guest size and workload, boots the conformance image's `dirty`
scenario (test=dirty dirty.mib=N: ring-3 stores to N MiB round-robin;
N = 0 idles in HLT; the `fill` workload first writes all RAM above the
image once with non-zero bytes, dirty.fill=M, then idles, so that every
VMM and sev-sim on and off move the same contents) under each VMM,
migrates it once over TCP on
127.0.0.1 to a fresh destination of the same size, and records what the
source reports: total time, downtime, bytes sent and rounds. Downtime is
the same span for both: from the source pausing the guest to the
destination running it (QEMU: its STOP and RESUME events; QEMU's own
figure, which ends on the source, is kept as downtime_reported_ms). The
guest reports its own write rate on its console, the same under either
VMM (guest_rate_pages_s: during the migration; _before_: the warm-up).
The VMMs:

  ours         migctl-vmm --control SOCK, `migctl-vmm ctl SOCK migrate --wait`,
               destination `--incoming tcp:...`; the reply carries the stats;
               both with --migrate-insecure (plaintext, as QEMU's tcp:)
  ours-sevsim  the same with --sev-sim on both sides (the guest opts in,
               all RAM starts private: every non-zero page is sealed); for
               fill, --sev-sim-window is the upper half of the filled range,
               so that both runs move the same contents
  qemu         qemu-system-x86_64 -accel kvm, destination `-incoming tcp:...`,
               driven through a QMP unix socket: migrate-set-parameters,
               migrate, query-migrate until completed

The repetitions are interleaved, so a ratio compares runs made moments
apart, and each repetition starts one implementation later than the one
before (ours, ours-sevsim, qemu; ours-sevsim, qemu, ours; ...), so that
none always runs right after the same other one: a run inherits the
host's state of the memory the one before it freed, which decides what
its first-touch faults cost on the test machine (docs/performance.adoc).
Python 3 standard library only; the JSON document goes to stdout,
progress to stderr.
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

MIB = 1 << 20
DOWNTIME_MS = 300          # migctl-vmm's default --downtime-ms; QEMU's downtime-limit set to it
QEMU_MAX_BANDWIDTH = 1 << 40   # bytes/s: "unlimited", as migctl-vmm has no bandwidth limit
# Under software emulation (scripts/kvm-run) everything is MIGCTL_SLOW times slower.
SLOW = max(1, int(os.environ.get("MIGCTL_SLOW", "1") or 1))
BOOT_TIMEOUT = 60 * SLOW   # s until the guest prints that its workload runs
MIGRATE_TIMEOUT = 120 * SLOW   # s a migration may take before it counts as not converging
IMPLS = ("ours", "ours-sevsim", "qemu")


def log(msg):
    print(f"migbench: {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mem_available():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def wait_for(pred, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {what}")


def file_has(path, text):
    try:
        with open(path, errors="replace") as f:
            return text in f.read()
    except FileNotFoundError:
        return False


class Procs:
    """The processes of one run; all are ended when the run is over."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.procs = []
        self.by_name = {}

    def start(self, name, argv):
        out = open(os.path.join(self.tmp, name + ".out"), "w")
        err = open(os.path.join(self.tmp, name + ".err"), "w")
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        out.close()
        err.close()
        self.procs.append(p)
        self.by_name[name] = p
        return p

    def path(self, name, ext):
        return os.path.join(self.tmp, f"{name}.{ext}")

    def tail(self, name, ext="err", n=3):
        try:
            with open(self.path(name, ext), errors="replace") as f:
                return " | ".join(f.read().strip().splitlines()[-n:])
        except FileNotFoundError:
            return ""

    def end(self):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def workload_started(procs, name):
    # The line after the opt-in and the fill: the guest idles or dirties now.
    out = procs.path(name, "out")
    if file_has(out, "# dirty: idle") or file_has(out, "# dirty: writing"):
        return True
    p = procs.by_name.get(name)
    if p is not None and p.poll() is not None:
        raise RuntimeError(f"the guest ended before its workload ran (exit {p.returncode}): "
                           f"{procs.tail(name, 'out')}")
    return False


# The dirtying task's own report (conformance/guest-image/sc-dirty.c).
RATE_LINE = re.compile(r"# dirty: rate \d+ pages/s \((\d+) pages in (\d+) us\)")


def console_size(procs, name):
    try:
        return os.path.getsize(procs.path(name, "out"))
    except OSError:
        return 0


def guest_rates(procs, name, at):
    """The guest's write rate in pages/s before and after byte @at of its console.

    The source's console from the migration's start holds what the guest
    wrote under the VMM's dirty logging until the pause; before it, its
    rate undisturbed. The same figure under either VMM.
    """
    spans = ([0, 0], [0, 0])
    with open(procs.path(name, "out"), "rb") as f:
        head, tail = f.read(at), f.read()
    # A line cut at @at counts for neither.
    for i, text in enumerate((head.rsplit(b"\n", 1)[0], tail.split(b"\n", 1)[-1])):
        for m in RATE_LINE.finditer(text.decode(errors="replace")):
            spans[i][0] += int(m.group(1))
            spans[i][1] += int(m.group(2))
    return tuple(p * 1000000 // us if us else None for p, us in spans)


# --- migctl-vmm ------------------------------------------------------------

def proc_cpu_ms(pid):
    """User and system CPU of a process and all its threads, in ms (also once it exited)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def guest_args(dirty_mib, fill_mib):
    return ["cpus=1", "test=dirty", f"dirty.mib={dirty_mib}"] + \
        ([f"dirty.fill={fill_mib}"] if fill_mib else [])


def boot_timeout(fill_mib):
    # A guest's first write to each page faults into the host: about 7 s per
    # GiB on this PVM-style KVM (and its load); allow a second per 16 MiB.
    return BOOT_TIMEOUT + fill_mib // 16


def fill_mib_for(size_mib):
    """RAM above the image, less a margin, below 2 GiB: above that QEMU's q35
    machine has its PCI hole once RAM exceeds 2.75 GiB (migctl-vmm's first
    bank ends at 3 GiB), and both VMMs must be given the same contents."""
    return min(size_mib, 2048) - 16


# Where the conformance image's dirty scenario starts its fill: its end,
# aligned up to 2 MiB (run_ours() checks the guest's own line).
FILL_BASE_MIB = 4


def sevsim_window_for(fill_mib):
    """The sev-sim window of a fill run: the upper half of the filled range,
    2 MiB aligned, so that every window page holds the fill's contents. The
    default window (the upper half of the first RAM bank) reaches past the
    fill, and its untouched pages would be sealed from zeros: work the run
    without sev-sim does not do (ZERO markers there), not like work."""
    end = (FILL_BASE_MIB + fill_mib) // 2 * 2
    size = fill_mib // 2 // 2 * 2
    return f"{(end - size) << 20:#x}:{size}M"


def run_ours(a, size_mib, dirty_mib, fill_mib, sevsim, procs):
    port = free_port()
    uri = f"tcp:127.0.0.1:{port}"
    # In the clear, as QEMU's tcp: migration: like for like (bench/securebench
    # measures what the protected channel adds).
    common = ["--memory", f"{size_mib}M", "--cpus", "1", "--migrate-insecure",
              "--downtime-ms", str(a.downtime_ms)] + \
        (["--sev-sim"] if sevsim else []) + \
        (["--sev-sim-window", sevsim_window_for(fill_mib)] if sevsim and fill_mib else [])
    dsock, ssock = procs.path("dst", "sock"), procs.path("src", "sock")
    dst = procs.start("dst", [a.vmm, "--incoming", uri, "--control", dsock] + common)
    wait_for(lambda: file_has(procs.path("dst", "err"), "waiting for a migration"), 30 * SLOW,
             "the destination to listen")
    src = procs.start("src", [a.vmm, "--control", ssock] + common +
                      [a.image, "--"] + guest_args(dirty_mib, fill_mib))
    wait_for(lambda: workload_started(procs, "src"), boot_timeout(fill_mib),
             "the source's workload")
    if fill_mib and not file_has(procs.path("src", "out"), f"from {FILL_BASE_MIB << 20:#x}"):
        raise RuntimeError(f"the fill does not start at {FILL_BASE_MIB} MiB, where the sev-sim "
                           f"window assumes it: {procs.tail('src', 'out')}")
    time.sleep(a.warmup)
    # Both ends' CPU over the migration: robust where other work shares the CPUs.
    cpu0 = [proc_cpu_ms(src.pid), proc_cpu_ms(dst.pid)]
    at = console_size(procs, "src")
    r = subprocess.run([a.vmm, "ctl", ssock, "migrate", "--wait", uri], capture_output=True,
                       text=True, timeout=MIGRATE_TIMEOUT + 60)
    try:
        reply = json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise RuntimeError(f"migctl-vmm ctl: {r.stdout.strip()} {r.stderr.strip()}")
    if reply.get("status") != "completed":
        raise RuntimeError(f"migration {reply.get('status')}: {reply.get('error', reply)}")
    cpu1 = [proc_cpu_ms(src.pid), proc_cpu_ms(dst.pid)]
    cpu = None if None in cpu0 + cpu1 else sum(cpu1) - sum(cpu0)
    st = reply["stats"]
    # The destination runs the guest now: its control socket says so.
    wait_for(lambda: os.path.exists(dsock), 10 * SLOW, "the destination's control socket")
    q = subprocess.run([a.vmm, "ctl", dsock, "query-status"], capture_output=True, text=True,
                       timeout=10 * SLOW)
    if '"status":"running"' not in q.stdout:
        raise RuntimeError(f"the destination does not run: {q.stdout.strip()}")
    # The source ends after a migration: its console is complete then.
    src.wait(timeout=30 * SLOW)
    before, during = guest_rates(procs, "src", at)
    return {"guest_rate_before_pages_s": before, "guest_rate_pages_s": during,
            "total_ms": st["total_ms"], "downtime_ms": st["downtime_ms"], "bytes": st["bytes"],
            "cpu_ms": cpu,
            "rounds": st["rounds"], "pages_zero": st["pages_zero"], "pages_raw": st["pages_raw"],
            "pages_private": st["pages_private"], "remaining_pages": st["remaining"],
            "dirty_rate_pages_s": st["dirty_rate"], "bandwidth_bytes_s": st.get("bandwidth"),
            "expected_downtime_ms": st.get("expected_downtime_ms"),
            "final_round_ms": st.get("final_round_ms"), "throttle_pct": st.get("throttle_pct"),
            "converged": st.get("converged"), "destination_running": True}


# --- QEMU over QMP -----------------------------------------------------------

class Qmp:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(30)
        self.s.connect(path)
        self.f = self.s.makefile("rwb")
        self.events = []
        self._read()                      # the greeting
        self.cmd("qmp_capabilities")

    def _read(self):
        while True:
            line = self.f.readline()
            if not line:
                raise RuntimeError("QMP connection closed")
            msg = json.loads(line)
            if "event" not in msg:
                return msg
            self.events.append(msg)

    def event_us(self, name):
        """The host clock (µs since the epoch) of the last event @name seen, or None."""
        for e in reversed(self.events):
            if e["event"] == name:
                t = e["timestamp"]
                return t["seconds"] * 1000000 + t["microseconds"]
        return None

    def cmd(self, name, **args):
        self.f.write(json.dumps({"execute": name, "arguments": args}).encode() + b"\n")
        self.f.flush()
        msg = self._read()
        if "error" in msg:
            raise RuntimeError(f"QMP {name}: {msg['error'].get('desc', msg['error'])}")
        return msg["return"]

    def close(self):
        self.s.close()


def qemu_argv(a, size_mib, qmp, extra):
    return [a.qemu, "-accel", "kvm", "-cpu", "host,-arch-capabilities", "-M", "q35",
            "-m", f"{size_mib}M", "-smp", "1", "-nodefaults", "-display", "none",
            "-no-reboot", "-serial", "stdio",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
            "-qmp", f"unix:{qmp},server=on,wait=off"] + extra


def run_qemu(a, size_mib, dirty_mib, fill_mib, procs):
    port = free_port()
    dqmp, sqmp = procs.path("dst", "qmp"), procs.path("src", "qmp")
    kernel = ["-kernel", a.image, "-append", " ".join(guest_args(dirty_mib, fill_mib))]
    procs.start("dst", qemu_argv(a, size_mib, dqmp, kernel +
                                 ["-incoming", f"tcp:127.0.0.1:{port}"]))
    procs.start("src", qemu_argv(a, size_mib, sqmp, kernel))
    wait_for(lambda: os.path.exists(dqmp) and os.path.exists(sqmp), 30 * SLOW,
             "QEMU's QMP sockets")
    wait_for(lambda: workload_started(procs, "src"), boot_timeout(fill_mib),
             "the source's workload")
    time.sleep(a.warmup)
    src, dst = Qmp(sqmp), Qmp(dqmp)
    try:
        src.cmd("migrate-set-parameters", **{"downtime-limit": a.downtime_ms,
                                             "max-bandwidth": QEMU_MAX_BANDWIDTH})
        at = console_size(procs, "src")
        src.cmd("migrate", uri=f"tcp:127.0.0.1:{port}")
        end = time.monotonic() + MIGRATE_TIMEOUT
        # QEMU reports its dirty rate and expected downtime only while it
        # runs (0 until a sync period ended): the last values seen polling.
        seen = {}
        while True:
            q = src.cmd("query-migrate")
            if q.get("status") in ("completed", "failed", "cancelled"):
                break
            for k, v in (("dirty", q.get("ram", {}).get("dirty-pages-rate")),
                         ("expected", q.get("expected-downtime"))):
                if v:
                    seen[k] = v
            if time.monotonic() > end:
                src.cmd("migrate_cancel")
                ram = q.get("ram", {})
                raise RuntimeError(f"did not converge in {MIGRATE_TIMEOUT} s "
                                   f"({ram.get('dirty-sync-count')} rounds, "
                                   f"{ram.get('transferred', 0) / MIB:.0f} MiB sent)")
            time.sleep(0.05)
        if q["status"] != "completed":
            raise RuntimeError(f"migration {q['status']}: {q.get('error-desc', '')}")
        wait_for(lambda: dst.cmd("query-status").get("status") == "running", 10 * SLOW,
                 "the destination to run")
        ram = q["ram"]
        # Paused since the end: its console holds all it wrote on this side.
        before, during = guest_rates(procs, "src", at)
        # The guest stood still from the source's STOP to the destination's
        # RESUME: what migctl-vmm's downtime_ms covers (the pause to the
        # destination's DONE, sent as it starts the vCPUs). QEMU's own
        # downtime ends when the source has sent everything.
        stop, resume = src.event_us("STOP"), dst.event_us("RESUME")
        if stop is None or resume is None or resume < stop:
            raise RuntimeError(f"no STOP then RESUME event: {stop}, {resume}")
        return {"guest_rate_before_pages_s": before, "guest_rate_pages_s": during,
                "total_ms": q["total-time"], "downtime_ms": (resume - stop) / 1000,
                "downtime_reported_ms": q["downtime"],
                "setup_ms": q.get("setup-time"), "bytes": ram["transferred"],
                "rounds": ram["dirty-sync-count"], "pages_zero": ram.get("duplicate"),
                "pages_raw": ram.get("normal"),
                "dirty_rate_pages_s": ram.get("dirty-pages-rate") or seen.get("dirty", 0),
                "expected_downtime_ms": seen.get("expected"), "destination_running": True}
    finally:
        src.close()
        dst.close()


# --- the matrix ----------------------------------------------------------------

def one_run(a, impl, size_mib, dirty_mib, fill_mib):
    tmp = tempfile.mkdtemp(prefix="migbench.")
    procs = Procs(tmp)
    try:
        if impl == "qemu":
            return run_qemu(a, size_mib, dirty_mib, fill_mib, procs)
        return run_ours(a, size_mib, dirty_mib, fill_mib, impl == "ours-sevsim", procs)
    except (RuntimeError, subprocess.TimeoutExpired, OSError, KeyError) as e:
        return {"error": f"{e}; source: {procs.tail('src')}; destination: {procs.tail('dst')}"}
    finally:
        procs.end()
        shutil.rmtree(tmp, ignore_errors=True)


FIGURES = ("total_ms", "downtime_ms", "bytes", "rounds", "dirty_rate_pages_s",
           "guest_rate_pages_s", "guest_rate_before_pages_s", "downtime_reported_ms")


def median_of(values):
    """The median of the figures a run has (an idle guest reports no rate)."""
    have = [v for v in values if v is not None]
    return statistics.median(have) if have else None


def summarise(case):
    ok = [r for r in case["runs"] if "error" not in r]
    case["ok_runs"] = len(ok)
    case["median"] = {k: median_of(r.get(k) for r in ok) for k in FIGURES} if ok else None
    if not ok and case["runs"]:
        case["why"] = case["runs"][0]["error"]


def ratios(cases):
    """ours / qemu for each figure, per repetition (runs made moments apart), then the median."""
    out = []
    by = {(c["size_mib"], c["workload"], c["impl"]): c for c in cases}
    for (size, wl, impl), c in by.items():
        if impl == "qemu" or (size, wl, "qemu") not in by:
            continue
        q = by[(size, wl, "qemu")]
        if "skipped" in c or "skipped" in q:
            continue
        r = {"size_mib": size, "workload": wl, "impl": impl}
        for k in FIGURES:
            vals = [o[k] / p[k] for o, p in zip(c["runs"], q["runs"])
                    if "error" not in o and "error" not in p and o.get(k) is not None
                    and p.get(k)]
            r[k] = statistics.median(vals) if vals else None
        out.append(r)
    return out


def ratios_sevsim(cases):
    """ours-sevsim / ours for each figure, per repetition, then the median.

    On the fill workload both runs move the same non-zero contents: that
    ratio is the cost of sev-sim's firmware path on like work (issue 17).
    On idle the runs differ in kind (zero pages without sev-sim, the
    window's ciphertext with it) and the ratio says little."""
    out = []
    by = {(c["size_mib"], c["workload"], c["impl"]): c for c in cases}
    for (size, wl, impl), c in by.items():
        p = by.get((size, wl, "ours"))
        if impl != "ours-sevsim" or not p or "skipped" in c or "skipped" in p:
            continue
        r = {"size_mib": size, "workload": wl}
        for k in FIGURES + ("cpu_ms",):
            vals = [o[k] / q[k] for o, q in zip(c["runs"], p["runs"])
                    if "error" not in o and "error" not in q and o.get(k) is not None and q.get(k)]
            r[k] = statistics.median(vals) if vals else None
        out.append(r)
    return out


def qemu_version(qemu):
    try:
        return subprocess.run([qemu, "--version"], capture_output=True, text=True,
                              timeout=10).stdout.splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return None


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--vmm", required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--qemu", default=shutil.which("qemu-system-x86_64"))
    p.add_argument("--sizes", default="256,1024,4096", help="guest sizes in MiB")
    p.add_argument("--reps", type=int, default=5, help="repetitions up to 1 GiB")
    p.add_argument("--reps-big", type=int, default=5, help="repetitions above 1 GiB")
    p.add_argument("--dirty-mib", type=int, default=32, help="MiB the dirtying guest writes")
    p.add_argument("--warmup", type=float, default=2.0, help="s the workload runs first")
    p.add_argument("--downtime-ms", type=int, default=DOWNTIME_MS,
                   help="the downtime target of both VMMs (QEMU's downtime-limit)")
    p.add_argument("--impls", default=",".join(IMPLS),
                   help="which VMMs, comma-separated (" + ", ".join(IMPLS) + ")")
    p.add_argument("--workloads", default="idle,dirty,fill",
                   help="comma-separated: idle, dirty, fill")
    return p.parse_args()


def machine(a):
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    here = os.path.dirname(os.path.abspath(__file__))
    git = subprocess.run(["git", "-C", here, "describe", "--always", "--dirty=+"],
                         capture_output=True, text=True)
    kvm = next((m for m in ("kvm_pvm", "kvm_amd", "kvm_intel")
                if os.path.isdir(f"/sys/module/{m}")), "none")
    return {"cpu_model": model, "cores": os.cpu_count(), "kernel": platform.release(),
            "kvm_module": kvm, "commit": git.stdout.strip() or "unknown",
            # scripts/kvm-run says so inside its VM (software emulation).
            "kvm_platform": os.environ.get("MIGCTL_KVM_PLATFORM", "native"),
            "qemu_version": qemu_version(a.qemu) if a.qemu else None,
            "mem_available_mib": mem_available() // MIB}


def main():
    a = parse_args()
    sizes = [int(s) for s in a.sizes.split(",")]
    impls = [i for i in a.impls.split(",") if i in IMPLS and (a.qemu or i != "qemu")]
    workloads = a.workloads.split(",")
    doc = {"machine": machine(a), "loadavg_start": loadavg(),
           "settings": {"downtime_target_ms": a.downtime_ms,
                        "qemu_max_bandwidth": QEMU_MAX_BANDWIDTH,
                        "migctl_vmm_max_rounds": 30, "cpus": 1, "dirty_mib": a.dirty_mib,
                        "warmup_s": a.warmup, "transport": "tcp:127.0.0.1",
                        "migctl_vmm_channel": "plaintext (--migrate-insecure)",
                        "qemu_machine": "q35", "qemu": a.qemu, "workloads": workloads,
                        "impls": impls},
           "cases": []}
    if not a.qemu:
        doc["qemu_missing"] = "qemu-system-x86_64 not found"
    for size in sizes:
        reps = a.reps if size <= 1024 else a.reps_big
        # Source and destination of one run live at once; leave 1 GiB to the rest.
        need, avail = 2 * size * MIB + (1 << 30), mem_available()
        for wl, dirty, fill in (("idle", 0, 0), ("dirty", a.dirty_mib, 0),
                                ("fill", 0, fill_mib_for(size))):
            if wl not in workloads:
                continue
            cases = [{"size_mib": size, "workload": wl, "dirty_mib": dirty, "fill_mib": fill,
                      "impl": i, "runs": []} for i in impls]
            doc["cases"] += cases
            if avail < need:
                for c in cases:
                    c["skipped"] = (f"not enough free memory: {avail // MIB} MiB available, "
                                    f"{need // MIB} MiB needed")
                log(f"{size} MiB {wl}: skipped: {cases[0]['skipped']}")
                continue
            for rep in range(reps):
                turn = rep % len(cases)
                for c in cases[turn:] + cases[:turn]:
                    r = one_run(a, c["impl"], size, dirty, fill)
                    c["runs"].append(r)
                    log(f"{size} MiB {wl} {c['impl']} #{rep + 1}: " +
                        (r["error"] if "error" in r else
                         ", ".join(f"{k}={r.get(k)}" for k in FIGURES + ("cpu_ms",))))
            for c in cases:
                summarise(c)
    doc["ratios_ours_over_qemu"] = ratios(doc["cases"])
    doc["ratios_sevsim_over_plain"] = ratios_sevsim(doc["cases"])
    doc["loadavg_end"] = loadavg()
    json.dump(doc, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
