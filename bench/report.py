#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# report.py - turns the benchmarks' JSON into results.md, results.json and gnuplot plots.
"""Usage: report.py RAW_DIR RESULTS_DIR
       report.py --refresh [RESULTS_DIR] [--out DIR]

RAW_DIR holds one JSON document per benchmark (exits.json, guestlib.json,
statuslog.json, migration.json, firmware.json) besides machine.json, probe.txt
and loadavg_end.txt. Each
entry of SECTIONS turns one of them into a Markdown section and the data
files of its plot; a section whose input is missing is left out. A new
benchmark adds its program to run.sh, a function here, an entry in
SECTIONS and a plots/*.gp script. results.json holds every input under
its file name (without .json), the machine and a summary.

Besides results.md it writes summary.adoc (the figures and the targets that
docs/performance.adoc includes) and rewrites the block of README.md between
<!-- bench:begin --> and <!-- bench:end --> when RESULTS_DIR is this tree's
bench/results. Everything is rendered from results.json alone, so that
--refresh rebuilds the same files from a published results.json without
running anything (no plots are drawn; the existing PNGs stay). --out DIR
writes the three files to DIR instead (README.md there is a full copy), for
docs/tests/figures.py to compare.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile

EXIT_TARGET = 1.1   # targets: notification within 1.1x of the bare exit it rides on


def load(raw, name):
    path = os.path.join(raw, name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


NOT_IN_RUN = "not in this run"


def fmt(v, digits=3):
    if v is None:
        return "n/a"
    if isinstance(v, str):
        return v
    if isinstance(v, int):
        return f"{v:,}".replace(",", "\u202f")
    if v == 0:
        return "0"
    if abs(v) >= 1000:
        return f"{v:,.0f}".replace(",", "\u202f")
    return f"{v:.{digits}g}"


def ratio(v):
    return "n/a" if v is None else f"{v:.3f}"


def table(head, rows):
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out) + "\n"


def write_dat(path, rows):
    with open(path, "w") as f:
        for r in rows:
            f.write(" ".join(str(c) for c in r) + "\n")


# --- Item 1: exits ---------------------------------------------------------

EXIT_ROWS = [
    ("loop_empty", "guest loop only"),
    ("loop_nop", "guest loop + 1 NOP"),
    ("kernel_msr", "MSR handled in KVM"),
    ("port_io", "port I/O exit, empty handler"),
    ("bare_msr_exit", "bare MSR exit, empty handler"),
    ("vmm_msr_empty", "migctl-vmm loop, empty handler"),
    ("bare_msr_psc", "minimal loop + host library"),
    ("vmm_msr_psc", "**migctl-vmm, MSR transport**"),
    ("bare_hc_exit", "bare hypercall exit, empty handler"),
    ("vmm_hc", "**migctl-vmm, hypercall transport**"),
    ("user_loop_empty", "ring-3 guest loop only (native)"),
    ("user_port_io", "port I/O exit from ring 3 (IOPL 3)"),
]


def section_exits(d, ctx):
    cases = d["cases"]
    loops = {"": cases["loop_empty"]["ns_per_iter"]["median"],
             "user_": cases["user_loop_empty"]["ns_per_iter"]["median"]}
    rows, dat = [], []
    for key, label in EXIT_ROWS:
        if key not in cases:
            continue    # the hypercall cases run only where hypercall exits work
        c = cases[key]
        ns = c["ns_per_iter"]
        exits = c["exits_per_iter"]
        loop = loops["user_" if key.startswith("user_") else ""]
        net = ns["median"] - loop if not key.endswith("loop_empty") else None
        rows.append([label, f"`{key}`", fmt(ns["median"]), fmt(net),
                     f"{fmt(ns['min'])}\u2013{fmt(ns['max'])}",
                     fmt(exits) if exits is not None else "1 (protocol)" if
                     c["host_calls_per_iter"] else "\u2013"])
        if not key.startswith("user_"):     # ring 3 has its own scale: table only
            dat.append([f'"{key}"', ns["median"], max(ns["median"] - loop, 0)])
    pr = d["probe"]
    if not pr["hypercall"]:
        rows.append(["hypercall transport (KVM_EXIT_HYPERCALL)", "\u2013",
                     "not measurable here", "\u2013", "\u2013",
                     f"probe: {pr['hypercall_why']} with {pr['insn']}"])
    write_dat(os.path.join(ctx["raw"], "exits.dat"), dat)
    r = d["ratios"]
    ours = r["vmm_psc_over_bare_exit"]
    verdict = "met" if ours["net"]["median"] <= EXIT_TARGET else "MISSED"
    ratio_rows = [
        [f"migctl-vmm MSR transport / bare MSR exit (**target \u2264 {EXIT_TARGET:g}**)",
         ratio(ours["raw"]["median"]), ratio(ours["net"]["median"]), verdict],
        [f"migctl-vmm hypercall transport / bare hypercall exit (**target \u2264 {EXIT_TARGET:g}**)"]
        + ([ratio(r["vmm_hc_over_bare_hc"]["raw"]["median"]),
            ratio(r["vmm_hc_over_bare_hc"]["net"]["median"]),
            "met" if r["vmm_hc_over_bare_hc"]["net"]["median"] <= EXIT_TARGET else "MISSED"]
           if "vmm_hc_over_bare_hc" in r else
           ["\u2013", "\u2013", "not measurable: " + pr["hypercall_why"]]),
        ["migctl-vmm MSR transport / migctl-vmm loop, empty handler (host library's share)",
         ratio(r["vmm_psc_over_vmm_empty"]["raw"]["median"]),
         ratio(r["vmm_psc_over_vmm_empty"]["net"]["median"]), ""],
        ["minimal loop + host library / bare MSR exit",
         ratio(r["bare_psc_over_bare_exit"]["raw"]["median"]),
         ratio(r["bare_psc_over_bare_exit"]["net"]["median"]), ""],
        ["migctl-vmm loop, empty handler / bare MSR exit (VMM loop's share)",
         ratio(r["vmm_empty_over_bare_exit"]["raw"]["median"]),
         ratio(r["vmm_empty_over_bare_exit"]["net"]["median"]), ""],
        ["bare MSR exit / port I/O exit",
         ratio(r["bare_exit_over_port_io"]["raw"]["median"]),
         ratio(r["bare_exit_over_port_io"]["net"]["median"]), ""],
    ]
    el = cases["lib_elided"]
    on = cases["lib_on"]
    elided_rows = [
        ["host offers nothing (`lib_elided`)", fmt(el["exits_per_iter"]),
         fmt(el["host_calls_per_iter"]), fmt(el["lib"]["elided"]),
         "met" if el["exits_per_iter"] == 0 else "MISSED"],
        ["v2 host, MSR transport (`lib_on`)", fmt(on["exits_per_iter"]),
         fmt(on["host_calls_per_iter"]), fmt(on["lib"]["elided"]), ""],
    ]
    ctx["summary"]["exit_ratio"] = ours["net"]["median"]
    ctx["summary"]["elided_exits_per_call"] = el["exits_per_iter"]
    n = cases["vmm_msr_psc"]["iters"]
    return (
        "## Status notification round trip on KVM\n\n"
        f"One guest loop of {n:,} iterations per case, timed on the host between two "
        "marker port writes by the CPU time of the thread that runs the vCPU (user, "
        "system and guest time; wall times are in results.json); ring-0 guest code is "
        "emulated on this KVM, so every case "
        "includes the loop's own cost (`loop_empty`); *net* subtracts it (for the ring-3 "
        "rows, `user_loop_empty`). WRMSR needs ring 0; the ring-3 port I/O row shows "
        "that an exit from natively run ring-3 code is not cheaper here. Medians of "
        f"{cases['loop_empty']['ns_per_iter']['n']} interleaved rounds.\n\n"
        + table(["path", "case", "ns / iteration", "net of loop (ns)", "min\u2013max (ns)",
                 "exits / iteration"], rows)
        + "\nRatios, taken within each round (median over rounds):\n\n"
        + table(["ratio", "raw", "net of loop", "target"], ratio_rows)
        + "\nElided path, `migctl_guest_set_status()` in the guest, every KVM exit counted "
          "by the minimal loop between the marks:\n\n"
        + table(["host", "KVM exits / call", "host calls / call", "elided calls",
                 "target (0 exits)"], elided_rows)
        + "\n")


# --- Item 2: coalescing ----------------------------------------------------

HOSTS = [("v1_hypercall", "v1 hypercall"), ("v2_msr", "v2 MSR"),
         ("v2_msr_list", "v2 MSR + lists"), ("v2_hypercall_list", "v2 hypercall + lists")]


def section_coalescing(d, ctx):
    rows, dat = [], []
    patterns = []
    for r in d["coalescing"]:
        if r["pattern"] not in patterns:
            patterns.append(r["pattern"])
    for i, p in enumerate(patterns):
        by = {(r["host"], r["api"]): r for r in d["coalescing"] if r["pattern"] == p}
        first = by[("v2_msr", "batch")]
        row = [f"`{p}`", first["what"], fmt(first["pages"])]
        datrow = [i, f'"{p}"']
        for h, _ in HOSTS:
            r = by[(h, "batch")]
            row.append(f"{fmt(r['host_calls'])} ({fmt(r['calls_per_page'])})")
            datrow.append(r["calls_per_page"])
        r = by[("v2_msr", "direct")]
        row.append(f"{fmt(r['host_calls'])} ({fmt(r['calls_per_page'])})")
        datrow.append(r["calls_per_page"])
        row.append(f"{fmt(first['pages'])} (1)")
        rows.append(row)
        dat.append(datrow)
    write_dat(os.path.join(ctx["raw"], "coalescing.dat"), dat)
    contig = [r for r in d["coalescing"]
              if r["pattern"].startswith("contiguous") and r["api"] == "batch"]
    ctx["summary"]["contiguous_calls"] = max(r["host_calls"] for r in contig)
    return (
        "## Coalescing: host calls per converted page\n\n"
        "The guest library in-process against a simulated host that counts calls "
        "(`bench/simplat.c`). Each cell: host calls (calls per converted page). "
        "Batch API = `migctl_guest_batch_add()` per request and one flush; direct = "
        "`migctl_guest_set_status()` per request. A page converted twice counts twice.\n\n"
        + table(["pattern", "what", "pages converted"] + [f"batch, {n}" for _, n in HOSTS]
                + ["direct, v2 MSR", "one call per 4 KiB page"], rows)
        + "\n")


# --- Item 3: status log ----------------------------------------------------

def section_statuslog(d, ctx):
    size_rows, scan_rows, dat = [], [], []
    for z in d["sizes"]:
        g = z["ram_gib"]
        name = f"{g} GiB" if g < 1024 else f"{g // 1024} TiB"
        med = lambda k: z[k]["median"]
        size_rows.append([name, fmt(z["ram_pages"]), fmt(z["log_bytes"]),
                          fmt(z["log_bytes_per_gib"]), f"{z['log_bits_per_page']:.4f}",
                          fmt(med("create_ms")), fmt(med("set_1page_ns")),
                          fmt(med("set_2mib_ns")), fmt(med("set_all_ram_ms"))])
        scan_rows.append([name, fmt(z["c_bytes"]), fmt(med("fetch_full_ms")),
                          fmt(z["fetch_full_gbps"]), fmt(z["fetch_sparse_gbps"]),
                          fmt(z["memcpy_gbps"]), ratio(z["scan_over_memcpy_full"]),
                          ratio(z["scan_over_memcpy_sparse"]),
                          ratio(z["model_over_memcpy_sparse"]),
                          fmt(z["stream_bytes"]), fmt(med("save_ms")), fmt(med("load_ms"))])
        dat.append([g, z["fetch_full_gbps"], z["fetch_sparse_gbps"], z["model_sparse_gbps"],
                    z["memcpy_gbps"], med("create_ms"), med("set_all_ram_ms"),
                    med("fetch_full_ms"), med("save_ms"), med("load_ms"), med("memcpy_ms")])
    write_dat(os.path.join(ctx["raw"], "statuslog.dat"), dat)
    big = d["sizes"][-1]
    ctx["summary"]["log_bits_per_page"] = big["log_bits_per_page"]
    ctx["summary"]["scan_over_memcpy_1tib"] = big["scan_over_memcpy_full"]
    sr = d["shared_run"]
    return (
        "## Status log at scale (in-process)\n\n"
        "The host library's log (`host/statuslog.h`) for migctl-vmm's RAM layout of each "
        "size (legacy hole, 3\u20134 GiB hole), timed by thread CPU time. Updates: "
        "200,000 single pages and 20,000 2 MiB ranges at random places, then all RAM "
        "in one call per bank.\n\n"
        + table(["RAM", "pages", "log bytes", "bytes / GiB", "bits / page", "create (ms)",
                 "set 1 page (ns)", "set 2 MiB (ns)", "set all RAM (ms)"], size_rows)
        + "\nSync scan = fetch-and-clear of the changed set C over all banks (C full after "
          f"the all-RAM update; sparse = {d['sparse_changed_per_gib']} changed pages per GiB). "
          "memcpy copies as many bytes as C has, in the same run; ratios are memcpy time "
          "over scan time. *Model* is a fetch that reads each word and exchanges only "
          "non-zero ones (not the library's code; what the sparse case could cost). "
          f"Stream: S with one {sr['len_pages']}-page shared run every {sr['every_pages']} "
          "pages, encoded (`save`) and decoded into a fresh log (`load`).\n\n"
        + table(["RAM", "C bytes", "scan full (ms)", "scan full GB/s", "scan sparse GB/s",
                 "memcpy GB/s", "scan / memcpy full", "scan / memcpy sparse",
                 "model / memcpy sparse", "stream bytes", "save (ms)", "load (ms)"], scan_rows)
        + "\n")


# --- Item 4: live migration ------------------------------------------------

# (key, name, divisor): dirty_rate_pages_s / 256 is MiB/s of 4 KiB pages.
MIG_FIGS = [("total_ms", "total (ms)", 1), ("downtime_ms", "downtime (ms)", 1),
            ("bytes", "sent (MiB)", 1 << 20), ("rounds", "rounds", 1),
            ("dirty_rate_pages_s", "dirty rate (MiB/s)", 256),
            ("guest_rate_pages_s", "guest writes (MiB/s)", 256)]
WORKLOADS = ("idle", "dirty", "fill")


def mig_keys(d):
    """(size, workload) of every row: each size of the run with every workload, run or not.

    A run on the standard-KVM platform (its settings say which workloads it
    ran) has rows for those alone."""
    sizes = []
    for c in d["cases"]:
        if c["size_mib"] not in sizes:
            sizes.append(c["size_mib"])
    wls = d["settings"].get("workloads", WORKLOADS) if mig_is_standard(d) else WORKLOADS
    return [(z, wl) for z in sizes for wl in wls]


def mig_is_standard(d):
    return d["machine"].get("kvm_platform") == "emulated"


def mig_impls(d):
    """(impl, sev-sim) of every row of a size and workload."""
    have = {c["impl"] for c in d["cases"]}
    return [(i, sev) for i, sev in (("ours", "off"), ("ours-sevsim", "on"))
            if i in have or not mig_is_standard(d)]


def mig_platform(m):
    """Where a migration run ran: for the standard-KVM platform, what it was."""
    return (f"{m.get('kvm_module', 'kvm')} in Linux {m['kernel']} under QEMU software "
            f"emulation (scripts/kvm-run), {m['cores']} vCPU(s), {m['cpu_model']}, "
            f"commit `{m.get('commit', 'unknown')}`")


def mig_med(c, k, scale=1):
    """A case's median figure; NOT_IN_RUN where the run predates the field.

    A figure the runs record but migbench.py did not summarise is the
    median of the runs that have it."""
    if c is None or not c.get("median"):
        return None
    v = c["median"].get(k, NOT_IN_RUN)
    if v is NOT_IN_RUN:
        have = [r[k] for r in c["runs"] if "error" not in r and r.get(k) is not None]
        if not any(k in r for r in c["runs"]):
            return NOT_IN_RUN
        v = statistics.median(have) if have else None
    return None if v is None else v / scale


def mig_why(c):
    """Why a case has no figures, or None."""
    if c is None:
        return NOT_IN_RUN
    if "skipped" in c:
        return "skipped: " + c["skipped"]
    if not c.get("median"):
        return "failed: " + c.get("why", "no run completed")
    return None


def mig_size(mib):
    return f"{mib} MiB" if mib < 1024 else f"{mib // 1024} GiB"


def paired(a, b, k):
    """Median of a/b over repetitions made moments apart (both runs completed)."""
    v = [x[k] / y[k] for x, y in zip(a["runs"], b["runs"])
         if "error" not in x and "error" not in y and y[k]]
    return statistics.median(v) if v else None


def section_migration(d, ctx, standard=False):
    by = {(c["size_mib"], c["workload"], c["impl"]): c for c in d["cases"]}
    rat = {(r["size_mib"], r["workload"], r["impl"]): r for r in d["ratios_ours_over_qemu"]}
    keys = mig_keys(d)
    med, why = mig_med, mig_why
    rows, dat = [], []
    for size, wl in keys:
        for impl, sev in mig_impls(d):
            c, q = by.get((size, wl, impl)), by.get((size, wl, "qemu"))
            mib = c and (c.get("dirty_mib") or c.get("fill_mib"))
            row = [mig_size(size), wl + (f" ({mib} MiB)" if mib else ""), sev]
            if why(c):
                rows.append(row + [why(c)] + [""] * (3 * len(MIG_FIGS)))
                continue
            qok = impl == "ours" and not why(q)
            for k, _, scale in MIG_FIGS:
                r = rat.get((size, wl, impl), {}).get(k) if qok else None
                row += [fmt(med(c, k, scale)),
                        fmt(med(q, k, scale)) if qok else "n/a" if impl != "ours" else why(q),
                        "n/a" if r is None else f"{r:.3g}" if r < 1000 else fmt(round(r))]
            row.append(fmt(med(q, "downtime_reported_ms")) if qok else "n/a")
            row.append(f"{c['ok_runs']}/{len(c['runs'])}")
            rows.append(row)
        if not any(by.get((size, wl, impl)) for impl in ("ours", "ours-sevsim", "qemu")):
            continue    # the plot shows what ran
        vals = [med(by.get((size, wl, impl)), k, 1) for k in ("total_ms", "downtime_ms")
                for impl in ("ours", "ours-sevsim", "qemu")]
        dat.append([len(dat), f'"{mig_size(size)} {wl}"'] +
                   ["-" if v is None else max(v, 0.5) for v in vals])
    if not standard:
        write_dat(os.path.join(ctx["raw"], "migration.dat"), dat)
    head = ["RAM", "workload", "sev-sim"]
    for _, name, _ in MIG_FIGS:
        head += [f"{name} ours", f"{name} QEMU", "ours / QEMU"]
    head += ["QEMU's own downtime (ms)", "runs ok"]
    s = d["settings"]
    m = d["machine"]
    if standard:
        return (
            "## Live migration on a standard KVM\n\n"
            f"The same benchmark run inside one VM of the standard-KVM platform: "
            f"{mig_platform(m)}; QEMU {m.get('qemu_version') or 'missing'} with "
            "`-accel kvm` inside that VM, interleaved with migctl-vmm as above (workloads: "
            f"{', '.join(s.get('workloads', WORKLOADS))}). Every guest instruction of the "
            "nested guest, and every instruction of both VMMs, runs under software emulation, "
            "so absolute times are many times those of a machine's own KVM and say nothing "
            "about either VMM on hardware; the ratios compare two VMMs under the same "
            "emulation, moments apart. Load average inside the VM at start / end: "
            f"{d['loadavg_start'][0]} / {d['loadavg_end'][0]}.\n\n"
            + table(head, rows) + "\n")
    for r in d["ratios_ours_over_qemu"]:
        if r["impl"] == "ours" and r["workload"] == "dirty" and r["total_ms"] is not None:
            ctx["summary"][f"migration_{r['size_mib']}mib_dirty_total_over_qemu"] = r["total_ms"]
    return (
        "## Live migration over loopback TCP: migctl-vmm against QEMU\n\n"
        "The conformance image's `dirty` scenario (`test=dirty dirty.mib=N`: ring-3 stores, "
        "one per page, round-robin over N MiB; idle = `dirty.mib=0`, the guest halts; fill = "
        "`dirty.mib=0 dirty.fill=M`, all M MiB above the image written once with non-zero "
        "bytes, then idle, so that sev-sim on and off move the same contents) with 1 "
        "vCPU, migrated once per run over TCP on 127.0.0.1 to a fresh destination of the same "
        f"size, after the workload ran {s['warmup_s']:g} s. migctl-vmm: `--control` and "
        "`migctl-vmm ctl SOCK migrate --wait`, figures from the reply's stats. QEMU "
        f"({m.get('qemu_version') or 'missing'}, `-accel kvm -M q35`): QMP `migrate`, "
        "`query-migrate` until completed; total-time, ram.transferred and "
        "dirty-sync-count as rounds. Downtime is the same span for both: from the source "
        "pausing the guest to the destination running it (migctl-vmm: the pause to the "
        "destination's DONE, which it sends as it starts the vCPUs; QEMU: the source's STOP "
        "event to the destination's RESUME event, both stamped by the host clock). QEMU's "
        "own downtime figure ends when the source has sent everything: it is in the "
        "second-to-last column. *Guest writes* is the dirtying guest's own report on its "
        "console (pages it wrote per second while the source ran it during the migration), "
        "the same measure under both VMMs. Both sides: downtime target "
        f"{s['downtime_target_ms']} ms (QEMU `downtime-limit`), no bandwidth limit "
        f"(QEMU `max-bandwidth` {s['qemu_max_bandwidth']:.3g} B/s); migctl-vmm stops "
        f"pre-copy after {s['migctl_vmm_max_rounds']} rounds, QEMU never does. sev-sim on: "
        "migctl-vmm only (QEMU has none). Medians over the runs; ratios are taken between "
        "runs made moments apart (interleaved), median over repetitions. Load average at "
        f"start / end: {d['loadavg_start'][0]} / {d['loadavg_end'][0]}.\n\n"
        + table(head, rows) + "\n")


# --- Item 5: guest-side cost ----------------------------------------------

def section_guestcost(gl, ctx):
    ex = ctx["docs"].get("exits.json")
    rows, dat = [], []
    gc = gl["guest_cost"]
    for k in ["on_msr", "on_hypercall", "opted_out", "elided", "off"]:
        m = gc[k]
        rows.append(["in-process, free exits", f"`{k}`", m["what"], fmt(m["ns_per_call"]["median"]),
                     f"{fmt(m['ns_per_call']['min'])}\u2013{fmt(m['ns_per_call']['max'])}",
                     fmt(m["host_calls_per_iter"])])
        dat.append([f'"{k}"', m["ns_per_call"]["median"]])
    write_dat(os.path.join(ctx["raw"], "guestcost.dat"), dat)
    gdat = []
    if ex:
        c = ex["cases"]
        for k, what in [("lib_on", "v2 host, MSR transport, real exit"),
                        ("lib_elided", "host offers nothing: elided"),
                        ("lib_off", "no-op hook: protocol compiled out"),
                        ("lib_on_vmm", "v2 host, through migctl-vmm's vCPU thread")]:
            m = c[k]["ns_per_iter"]
            rows.append(["in the guest on KVM (ring 0 emulated)", f"`{k}`", what,
                         fmt(m["median"]), f"{fmt(m['min'])}\u2013{fmt(m['max'])}",
                         fmt(c[k]["host_calls_per_iter"])])
            gdat.append([f'"{k}"', m["median"] / 1000.0])
        write_dat(os.path.join(ctx["raw"], "guestcost_kvm.dat"), gdat)
    on, el, off = (gc[k]["ns_per_call"]["median"] for k in ("on_msr", "elided", "off"))
    ctx["summary"]["guest_on_ns"] = on
    ctx["summary"]["guest_elided_ns"] = el
    return (
        "## Guest-side cost of a status change\n\n"
        "One `migctl_guest_set_status()` of one page, alternating private and shared. "
        "*In-process*: the library built for user space (`build/guest/hosted`) against "
        "the simulated host whose exits are plain function calls, so the figure is the "
        f"library's own cost ({gc['iters']:,} calls per round, thread CPU time). *In the "
        "guest*: the same call in the benchmark guest image, timed on the host between "
        "marks by the vCPU thread's CPU time; there the "
        "library runs in emulated ring 0 and `lib_on` includes a real MSR exit. "
        "`off` and `lib_off` call the embedder's no-op hook instead, as a kernel built "
        "without the protocol would.\n\n"
        + table(["where", "mode", "what", "ns / call", "min\u2013max (ns)",
                 "host calls / call"], rows)
        + f"\nIn-process: on = {fmt(on)} ns, elided = {fmt(el)} ns, off = {fmt(off)} ns "
          f"per call; the elided path costs {fmt(el - off)} ns more than no call at all.\n\n")


BUSY_NOTE = (" \u2014 other work shared the CPUs: thread CPU times leave out "
             "preemption, not cache and memory contention")


def machine_section(m, probe, load_end):
    busy = max(m["loadavg_start"], float(load_end or 0)) > m["cores"] / 2
    rows = [["CPU", m["cpu_model"]], ["cores", m["cores"]], ["kernel", m["kernel"]],
            ["KVM", m["kvm_module"] + (" (PVM-style: ring-0 guest code emulated, no "
                                         "hardware virtualization)" if m["kvm_module"] == "kvm_pvm"
                                         else "")],
            ["host is itself a guest", "yes" if m["host_is_a_guest"] else "no"],
            ["memory", f"{m['mem_kib'] // 1024} MiB"], ["compiler", m["compiler"]],
            ["commit", m["commit"]], ["date", m["date"]]]
    if m.get("qemu_version"):
        rows.append(["QEMU (migration benchmark)", m["qemu_version"]])
    rows += [["load average (1 min) before / after",
              f"{m['loadavg_start']} / {load_end}" + (BUSY_NOTE if busy else "")],
             ["rounds", f"{m['rounds']} (medians)" + (" \u2014 QUICK RUN, not for publishing"
                                                      if m["scale"] != 1 else "")]]
    if probe:
        for line in probe.strip().splitlines():
            k, _, v = line.partition(": ")
            rows.append([f"probe: {k}", v])
    return "## Machine\n\n" + table(["", ""], rows) + "\n"


def plot(ctx, name):
    here = os.path.dirname(os.path.abspath(__file__))
    script = os.path.join(here, "plots", name + ".gp")
    subprocess.run(["gnuplot", "-e", f"dat='{ctx['raw']}'; out='{ctx['out']}'", script],
                   check=True)


# The results in order: (input in RAW_DIR, section function, plot script or None).
# A section whose input is missing (no /dev/kvm, say) is left out.
# --- sev-sim's firmware path ------------------------------------------------

def section_firmware(d, ctx):
    m = {k: d[k]["median"] for k in d if isinstance(d[k], dict) and "median" in d[k]}
    rows = [["export (decrypt under K, seal)", fmt(m["export_ns_per_page"]), "one thread"],
            ["import (open, encrypt under K')", fmt(m["import_ns_per_page"]), "one thread"],
            ["pipeline, source CPU", fmt(m["path_source_cpu_ns_per_page"]),
             "export + TCP send"],
            ["pipeline, destination CPU", fmt(m["path_destination_cpu_ns_per_page"]),
             "TCP receive + import"],
            ["RAW pages, source + destination CPU",
             fmt(m["raw_source_cpu_ns_per_page"] + m["raw_destination_cpu_ns_per_page"]),
             "the same pipeline without the firmware path"]]
    v = m["path_gbps_2_cores_by_cpu"]
    ctx["summary"]["firmware_path_gbps_2_cores_by_cpu"] = v
    ctx["summary"]["firmware_path_gbps_wall"] = m["path_gbps"]
    return (
        "## sev-sim's firmware path\n\n"
        f"`fwbench`: {d['pages']} private pages of random guest memory, per page: "
        "`sevsim_fw_export()` and `sevsim_fw_import()` alone, then both ends at once through "
        "loopback TCP (one thread each, as migctl-vmm's send and receive loops). Medians.\n\n"
        + table(["step", "ns per page", "what"], rows)
        + "\nEnd to end on 2 cores by CPU (2 \u00d7 4096 bytes over both ends' CPU per page): "
        f"{v:.3g} GB/s, target \u2265 1 GB/s: {'met' if v >= 1 else 'MISSED'}. Wall clock: "
        f"{m['path_gbps']:.3g} GB/s (RAW {m['raw_gbps']:.3g} GB/s), which a shared machine's "
        "load lowers.\n\n")


def section_migration_standard(d, ctx):
    return section_migration(d, ctx, standard=True)


# (input, section, summary.adoc tag, has a plot)
SECTIONS = [
    ("exits.json", section_exits, "exits", True),
    ("guestlib.json", section_coalescing, "coalescing", True),
    ("statuslog.json", section_statuslog, "statuslog", True),
    ("guestlib.json", section_guestcost, "guestcost", True),
    ("migration.json", section_migration, "migration", True),
    ("migration-standard.json", section_migration_standard, "migration-standard", False),
    ("firmware.json", section_firmware, "firmware", False),
]
MIG_TAGS = {"migration": "migration", "migration-standard": "migration_standard"}


# --- Targets, summary.adoc and the README's block ----------------------------
# The targets of docs/performance.adoc ("Targets"), judged against one run.

MET, MISSED, UNMEASURED = "met", "missed", "not measured"
MIG_TOTAL, MIG_DOWN, MIG_BYTES = 1.1, 1.0, 1.0     # ours / QEMU, every migration row
SEVSIM_LIKE_WORK = 1.5                              # sev-sim on / off, fill rows
FW_GBPS = 1.0                                       # firmware path, 2 cores by CPU
SCAN_OVER_MEMCPY = 0.8                              # status log scan at 1 TiB
LOG_BITS = 2.0                                      # status log bits per 4 KiB page


def verdict(v, ok):
    return UNMEASURED if v is None else MET if ok(v) else MISSED


def x(v):
    return f"{v:.3g}\u00d7"


def targets(res):
    """[target, measured, verdict] for every target, from results.json alone."""
    rows = []
    ex = res.get("exits")
    if ex:
        v = ex["ratios"]["vmm_psc_over_bare_exit"]["net"]["median"]
        rows.append([f"status notification, MSR transport / bare MSR exit \u2264 {EXIT_TARGET:g}",
                     ratio(v), verdict(v, lambda v: v <= EXIT_TARGET)])
        hc = ex["ratios"].get("vmm_hc_over_bare_hc")
        v = hc["net"]["median"] if hc else None
        rows.append([f"status notification, hypercall transport / bare hypercall exit "
                     f"\u2264 {EXIT_TARGET:g}",
                     ratio(v) if hc else "not measurable: " + ex["probe"]["hypercall_why"],
                     verdict(v, lambda v: v <= EXIT_TARGET)])
        v = ex["cases"]["lib_elided"]["exits_per_iter"]
        rows.append(["elided notification: 0 KVM exits", f"{fmt(v)} exits per call",
                     verdict(v, lambda v: v == 0)])
    else:
        rows.append([f"status notification / bare exit \u2264 {EXIT_TARGET:g}, elided: 0 exits",
                     "no exit benchmark in this run", UNMEASURED])
    gl = res.get("guestlib")
    if gl:
        v = max(r["host_calls"] for r in gl["coalescing"]
                if r["pattern"].startswith("contiguous") and r["api"] == "batch")
        rows.append(["a contiguous conversion: 1 host call", f"{v} (most, any host)",
                     verdict(v, lambda v: v == 1)])
    else:
        rows.append(["a contiguous conversion: 1 host call", "no guest library benchmark in "
                     "this run", UNMEASURED])
    sl = res.get("statuslog")
    big = sl["sizes"][-1] if sl else None
    name = big and (f"{big['ram_gib']} GiB" if big["ram_gib"] < 1024 else
                    f"{big['ram_gib'] // 1024} TiB")
    if big:
        v = big["log_bits_per_page"]
        worst = max(sl["sizes"], key=lambda z: z["log_bits_per_page"])
        rows.append([f"status log \u2264 {LOG_BITS:g} bits per 4 KiB page, at {name}",
                     f"{v:.4f} ({worst['log_bits_per_page']:.4f} at {worst['ram_gib']} GiB, "
                     "the header included)", verdict(v, lambda v: v <= LOG_BITS)])
        for k, what in (("scan_over_memcpy_full", "full"), ("scan_over_memcpy_sparse", "sparse")):
            v = big[k]
            rows.append([f"status log scan \u2265 {SCAN_OVER_MEMCPY:g} of memcpy, {what} "
                         f"changed set, at {name}", ratio(v),
                         verdict(v, lambda v: v >= SCAN_OVER_MEMCPY)])
    else:
        rows.append(["status log bits per page and scan / memcpy", "no status log benchmark in "
                     "this run", UNMEASURED])
    mig = res.get("migration")
    goal = (f"total \u2264 {MIG_TOTAL:g}\u00d7, downtime \u2264 {MIG_DOWN:g}\u00d7, "
            f"bytes \u2264 {MIG_BYTES:g}\u00d7 QEMU's")
    if mig:
        by = {(c["size_mib"], c["workload"], c["impl"]): c for c in mig["cases"]}
        rat = {(r["size_mib"], r["workload"], r["impl"]): r
               for r in mig["ratios_ours_over_qemu"]}
        for size, wl in mig_keys(mig):
            c, q = by.get((size, wl, "ours")), by.get((size, wl, "qemu"))
            what = f"migration, {mig_size(size)} {wl}: {goal}"
            if mig_why(c) or mig_why(q):
                rows.append([what, mig_why(c) or "QEMU: " + mig_why(q), UNMEASURED])
                continue
            r = rat.get((size, wl, "ours"), {})
            vals = [(n, r.get(k), lim) for n, k, lim in
                    (("total", "total_ms", MIG_TOTAL), ("downtime", "downtime_ms", MIG_DOWN),
                     ("bytes", "bytes", MIG_BYTES))]
            if any(v is None for _, v, _ in vals):
                rows.append([what, "no paired runs", UNMEASURED])
                continue
            miss = [n for n, v, lim in vals if v > lim]
            rows.append([what, ", ".join(f"{n} {x(v)}" for n, v, _ in vals),
                         MISSED + " (" + ", ".join(miss) + ")" if miss else MET])
        fills = [(size, by.get((size, "fill", "ours-sevsim")), by.get((size, "fill", "ours")))
                 for size, wl in mig_keys(mig) if wl == "fill"]
        for size, on, off in fills:
            what = (f"sev-sim on / off on like work ({mig_size(size)} fill), total "
                    f"\u2264 {SEVSIM_LIKE_WORK:g}")
            if mig_why(on) or mig_why(off):
                rows.append([what, mig_why(on) or mig_why(off), UNMEASURED])
                continue
            v = paired(on, off, "total_ms")
            rows.append([what, "n/a" if v is None else x(v),
                         verdict(v, lambda v: v <= SEVSIM_LIKE_WORK)])
    else:
        rows.append([f"migration, every row: {goal}; sev-sim on like work "
                     f"\u2264 {SEVSIM_LIKE_WORK:g}", "no migration benchmark in this run",
                     UNMEASURED])
    fw = res.get("firmware")
    v = fw["path_gbps_2_cores_by_cpu"]["median"] if fw else None
    rows.append([f"sev-sim firmware path \u2265 {FW_GBPS:g} GB/s on 2 cores by CPU",
                 f"{v:.3g} GB/s" if fw else "no firmware benchmark in this run",
                 verdict(v, lambda v: v >= FW_GBPS)])
    return rows


def kvm_kind(m):
    k = m["kvm_module"]
    if k == "kvm_pvm":
        return ("kvm_pvm, a PVM-style KVM (ring-0 guest code emulated, no hardware "
                "virtualization, no hypercall exits)")
    return f"{k}, a standard KVM" + (" (the host is itself a VM: under software emulation "
                                     "absolute times grow many times over, ratios to QEMU "
                                     "in the same VM still compare)"
                                     if m.get("host_is_a_guest") else "")


def run_facts(res):
    """(label, value) of the run every figure comes from."""
    m = res["machine"]
    facts = [("commit", m["commit"]), ("date", m["date"]), ("KVM", kvm_kind(m)),
             ("machine", f"{m['cpu_model']}, {m['cores']} cores, Linux {m['kernel']}"
              + (", itself a VM" if m["host_is_a_guest"] else "")),
             ("load average (1 min) before / after",
              f"{m['loadavg_start']} / {m.get('loadavg_end', 'n/a')} on {m['cores']} cores"),
             ("rounds", f"{m['rounds']}" + (" (QUICK RUN, not for publishing)"
                                           if m["scale"] != 1 else ""))]
    mig = res.get("migration")
    if mig:
        facts.append(("migration load average before / after",
                      f"{mig['loadavg_start'][0]} / {mig['loadavg_end'][0]}"))
        facts.append(("QEMU", m.get("qemu_version") or "not installed"))
    return facts


def mig_summary_rows(mig):
    """Every migration row: ours against QEMU, "a / b" per figure."""
    by = {(c["size_mib"], c["workload"], c["impl"]): c for c in mig["cases"]}
    rows = []
    for size, wl in mig_keys(mig):
        q = by.get((size, wl, "qemu"))
        for impl, sev in mig_impls(mig):
            c = by.get((size, wl, impl))
            row = [mig_size(size), wl, sev]
            if mig_why(c):
                rows.append(row + [mig_why(c)] + [""] * (len(MIG_FIGS) - 1))
                continue
            for k, _, scale in MIG_FIGS:
                ours = fmt(mig_med(c, k, scale))
                theirs = ("\u2013" if impl != "ours" else mig_why(q) or
                          fmt(mig_med(q, k, scale)))
                row.append(ours if ours == NOT_IN_RUN and theirs in (NOT_IN_RUN, "\u2013")
                           else f"{ours} / {theirs}")
            rows.append(row)
    return rows


MIG_SUMMARY_HEAD = ["RAM", "workload", "sev-sim", "total (ms)", "downtime (ms)", "sent (MiB)",
                    "rounds", "dirty rate (MiB/s)", "guest writes (MiB/s)"]


def adoc_table(head, rows, cols=None):
    esc = lambda c: str(c).replace("|", "\\|")
    out = [f'[%header,cols="{cols or ",".join("1" for _ in head)}"]', "|==="]
    out.append(" ".join("| " + esc(h) for h in head))
    out.append("")
    out += [" ".join("| " + esc(c) for c in r) for r in rows]
    out.append("|===")
    return "\n".join(out) + "\n"


def attributes(res, tg):
    """bench-* attributes for prose that cites a figure of the run."""
    m = res["machine"]
    a = {"bench-commit": m["commit"], "bench-date": m["date"], "bench-kvm": kvm_kind(m),
         "bench-load": f"{m['loadavg_start']} / {m.get('loadavg_end', 'n/a')}",
         "bench-targets-met": sum(1 for t in tg if t[2] == MET),
         "bench-targets-missed": sum(1 for t in tg if t[2].startswith(MISSED)),
         "bench-targets-unmeasured": sum(1 for t in tg if t[2] == UNMEASURED)}
    ex = res.get("exits")
    if ex:
        a["bench-exit-ratio"] = ratio(ex["ratios"]["vmm_psc_over_bare_exit"]["net"]["median"])
        a["bench-exit-ratio-raw"] = ratio(ex["ratios"]["vmm_psc_over_bare_exit"]["raw"]["median"])
    gl = res.get("guestlib")
    if gl:
        gc = gl["guest_cost"]
        for k in ("on_msr", "elided", "off"):
            a[f"bench-guest-{k.replace('_', '-')}-ns"] = fmt(gc[k]["ns_per_call"]["median"])
    if ex and gl:
        for k in ("lib_on", "lib_elided", "lib_off"):
            a[f"bench-guest-{k.replace('_', '-')}-us"] = \
                fmt(ex["cases"][k]["ns_per_iter"]["median"] / 1000)
    sl = res.get("statuslog")
    if sl:
        big = sl["sizes"][-1]
        a["bench-scan-full"] = ratio(big["scan_over_memcpy_full"])
        a["bench-scan-sparse"] = ratio(big["scan_over_memcpy_sparse"])
        a["bench-memcpy-gbps"] = fmt(big["memcpy_gbps"])
        a["bench-save-ms"] = fmt(big["save_ms"]["median"])
        a["bench-load-ms"] = fmt(big["load_ms"]["median"])
        a["bench-stream-mib"] = fmt(big["stream_bytes"] / (1 << 20))
    return a


def tagged(tag, text):
    return f"// tag::{tag}[]\n{text.rstrip()}\n// end::{tag}[]\n\n"


def md_tables_to_adoc(md):
    """The Markdown tables of a results.md section as AsciiDoc tables."""
    tables, cur = [], []
    for line in md.split("\n") + [""]:
        if line.startswith("|"):
            cur.append([c.strip() for c in line.strip()[1:-1].split(" | ")])
        elif cur:
            head, rows = cur[0], [r for r in cur[2:]]
            tables.append(adoc_table(head, rows))
            cur = []
    return tables


def summary_adoc(res, tg, sections):
    m = res["machine"]
    out = ["// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause\n"
           "// Generated by bench/report.py from bench/results/results.json: do not edit.\n"
           "// make bench, or bench/report.py --refresh, rewrites it; docs/performance.adoc\n"
           "// includes its tagged regions, docs/tests/figures.py compares it.\n\n"]
    out.append(tagged("attributes", "".join(f":{k}: {v}\n" for k, v in
                                            attributes(res, tg).items())))
    out.append(tagged("run", "The run these figures come from "
                      f"(measured on {kvm_kind(m)}):\n\n" +
                      adoc_table(["what", "value"], run_facts(res), "1,3")))
    for name, _, tag, _ in SECTIONS:
        if tag in MIG_TAGS:
            continue
        if tag not in sections:     # the tag exists either way: the include finds it
            out.append(tagged(tag, f"Not in this run: no {name} (commit `{m['commit']}`).\n"))
            continue
        out.append(tagged(tag, f"Measured on {kvm_kind(m)}, commit `{m['commit']}` "
                          "(bench/results/results.md has every column):\n\n" +
                          "\n".join(md_tables_to_adoc(sections[tag]))))
    mig = res.get("migration")
    if mig:
        out.append(tagged("migration",
                          "Every migration row, migctl-vmm / QEMU (\u2013: QEMU has no "
                          f"sev-sim), medians; measured on {kvm_kind(m)}, commit "
                          f"`{m['commit']}`:\n\n" +
                          adoc_table(MIG_SUMMARY_HEAD, mig_summary_rows(mig),
                                     "1,1,1,2,2,2,2,2,2")))
    else:
        out.append(tagged("migration", "No migration benchmark in this run.\n"))
    std = res.get("migration_standard")
    if std:
        out.append(tagged("migration-standard",
                          "The same benchmark on a standard KVM, "
                          f"{mig_platform(std['machine'])}; "
                          "migctl-vmm / QEMU, medians:\n\n" +
                          adoc_table(MIG_SUMMARY_HEAD, mig_summary_rows(std),
                                     "1,1,1,2,2,2,2,2,2")))
    else:
        out.append(tagged("migration-standard",
                          "No migration benchmark on a standard KVM in this run.\n"))
    out.append(tagged("targets", f"Judged against the run of commit `{m['commit']}` "
                      f"({kvm_kind(m)}):\n\n" +
                      adoc_table(["target", "measured", "verdict"], tg, "4,3,1")))
    return "".join(out).rstrip() + "\n"


README_BEGIN, README_END = "<!-- bench:begin -->", "<!-- bench:end -->"


def readme_block(res, tg):
    m = res["machine"]
    out = [README_BEGIN,
           "<!-- Generated by bench/report.py from bench/results/results.json: do not edit. -->",
           "", f"From `make bench` at commit `{m['commit']}` ({m['date']}), measured on "
           f"{kvm_kind(m)}: {m['cpu_model']}, {m['cores']} cores, Linux {m['kernel']}"
           + (", itself a VM" if m["host_is_a_guest"] else "")
           + f"; load average {m['loadavg_start']} before, {m.get('loadavg_end', 'n/a')} after.",
           "", "Targets (docs/performance.adoc, \"Targets\"):", "",
           table(["target", "measured", "verdict"], tg)]
    mig = res.get("migration")
    if mig:
        out += ["Live migration over loopback TCP, every row, migctl-vmm / QEMU "
                f"({m.get('qemu_version') or 'QEMU not installed'}); \u2013: QEMU has no "
                "sev-sim:", "", table(MIG_SUMMARY_HEAD, mig_summary_rows(mig))]
    std = res.get("migration_standard")
    if std:
        out += [f"The same on a standard KVM, {mig_platform(std['machine'])}: absolute "
                "times are those of emulation, the ratios compare:", "",
                table(MIG_SUMMARY_HEAD, mig_summary_rows(std))]
    out.append(README_END)
    return "\n".join(out)


def with_readme_block(text, block):
    a, b = text.find(README_BEGIN), text.find(README_END)
    if a < 0 or b < a:
        raise SystemExit(f"report: README.md has no {README_BEGIN} ... {README_END} block")
    return text[:a] + block + text[b + len(README_END):]


def res_key(name):
    """The key of an input in results.json: migration-standard.json, migration_standard."""
    return name[:-5].replace("-", "_")


def render(res, raw):
    """results.md, summary.adoc and the README block from results.json alone."""
    ctx = {"raw": raw, "summary": {}, "plots": [], "docs": {}, "md": {}}
    for name, _, _, _ in SECTIONS:
        if res_key(name) in res:
            ctx["docs"][name] = res[res_key(name)]
    m = res["machine"]
    md = ["# migctl benchmark results\n\n",
          "Generated by `make bench` (bench/run.sh, bench/report.py); "
          "docs/performance.adoc explains each figure and its limits.\n\n",
          machine_section(m, res.get("probe"), m.get("loadavg_end"))]
    for name, section, tag, has_plot in SECTIONS:
        if name not in ctx["docs"]:
            continue
        text = section(ctx["docs"][name], ctx)
        md.append(text)
        ctx["md"][tag] = text
        if has_plot:
            ctx["plots"].append(tag)
    tg = targets(res)
    md.append("## Targets\n\nFrom docs/performance.adoc (\"Targets\"), judged against this "
              "run:\n\n" + table(["target", "measured", "verdict"], tg) + "\n")
    sections = {tag: text for tag, text in ctx["md"].items() if tag not in MIG_TAGS}
    md.append("## Plots\n\n" + "".join(f"![{p}.png]({p}.png)\n\n" for p in ctx["plots"]))
    return ("".join(md).rstrip() + "\n", summary_adoc(res, tg, sections), readme_block(res, tg),
            ctx)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def write_outputs(res, raw, results_dir, out_dir):
    md, adoc, block, ctx = render(res, raw)
    write(os.path.join(out_dir, "results.md"), md)
    write(os.path.join(out_dir, "summary.adoc"), adoc)
    here = os.path.dirname(os.path.abspath(__file__))
    readme = os.path.join(os.path.dirname(here), "README.md")
    if os.path.realpath(results_dir) != os.path.realpath(os.path.join(here, "results")):
        return ctx      # results elsewhere: the README keeps the published figures
    with open(readme) as f:
        text = with_readme_block(f.read(), block)
    write(readme if out_dir == results_dir else os.path.join(out_dir, "README.md"), text)
    return ctx


def refresh(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    results_dir, out_dir = os.path.join(here, "results"), None
    i = 0
    while i < len(argv):
        if argv[i] == "--out" and i + 1 < len(argv):
            out_dir = argv[i + 1]
            i += 2
        elif not argv[i].startswith("-"):
            results_dir = argv[i]
            i += 1
        else:
            raise SystemExit(__doc__)
    with open(os.path.join(results_dir, "results.json")) as f:
        res = json.load(f)
    with tempfile.TemporaryDirectory(prefix="report.") as raw:
        write_outputs(res, raw, results_dir, out_dir or results_dir)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--refresh":
        refresh(sys.argv[2:])
        return
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    raw, out = sys.argv[1], sys.argv[2]
    machine = load(raw, "machine.json")
    res = {"machine": machine, "probe": None}
    if os.path.exists(os.path.join(raw, "probe.txt")):
        with open(os.path.join(raw, "probe.txt")) as f:
            res["probe"] = f.read()
    if os.path.exists(os.path.join(raw, "loadavg_end.txt")):
        with open(os.path.join(raw, "loadavg_end.txt")) as f:
            machine["loadavg_end"] = float(f.read().strip())
    for name, _, _, _ in SECTIONS:
        doc = load(raw, name)
        if doc is None:
            print(f"report: no {name}: its section is left out", file=sys.stderr)
        elif res_key(name) not in res:
            res[res_key(name)] = doc
    if "migration" in res:
        machine["qemu_version"] = res["migration"]["machine"].get("qemu_version")
    # results.json first, then everything else from its text: --refresh renders the same.
    _, _, _, ctx = render(res, raw)
    res["summary"] = ctx["summary"]
    text = json.dumps(res, indent=1) + "\n"
    write(os.path.join(out, "results.json"), text)
    ctx = write_outputs(json.loads(text), raw, out, out)
    for name in ctx["plots"]:
        plot(ctx | {"out": out}, name)


if __name__ == "__main__":
    main()
