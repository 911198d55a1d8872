#!/usr/bin/env python3
"""bench-report.py - the table of 'make bench', from its guests' output.

Usage: bench-report.py RUNS [--text FILE] [--host FILE] [--out FILE] [--doc FILE]
       bench-report.py --smoke RUNS

RUNS (build/bench/runs.txt) has one line per boot: KERNEL TAG SMP CONSOLE
[PLUGIN]. The console holds the guest's 'bench: phase=ID name=... ops=N
ipis=N ...' lines, the plugin file (tests/plugin/lazytlb-count.c) its
'phase=ID vcpu=all user_insns=N ...' lines. Prints the table (rows:
workload x kernel; counts per operation and ratios to 'base'), the targets
of the benchmark with their verdicts, and writes them to --out and, with
the method, to --doc (Markdown). --smoke checks the plugin's exact-count
test and the round trips of one kernel instead and prints PASS/FAIL rows
and 'N passed, N failed'.
"""
import argparse
import os
import re
import statistics
import sys

KV = re.compile(r"(\w+)=(\S+)")


def kv(line):
    return {k: v for k, v in KV.findall(line)}


def num(v):
    try:
        return int(v)
    except ValueError:
        return float(v)


def read_run(console, plugin):
    """Phases {id: {name, ops, ipis, ..., counts}} and the plugin tests."""
    phases, tests, times, batches = {}, [], [], []
    with open(console, errors="replace") as f:
        for line in f:
            if line.startswith("bench: phase="):
                d = kv(line)
                phases[int(d["phase"])] = {k: (num(v) if k != "name" else v) for k, v in d.items()}
            elif line.startswith("bench: plugin-test "):
                d = kv(line.split(" expect ")[0])
                e = kv(line.split(" expect ")[1])
                tests.append((int(d["phase"]), {k: int(v) for k, v in e.items()}))
            elif line.startswith("bench: batches "):
                d = kv(line)
                batches.append((d["name"], int(d["first"]), int(d["count"]), int(d["per"])))
            elif line.startswith("bench: time "):
                times.append(float(kv(line)["per_sec"]))
    counts, vcpus = {}, {}
    if plugin:
        if not os.path.exists(plugin):
            sys.exit("bench-report.py: no plugin output %s: was QEMU started with the plugin?" % plugin)
        with open(plugin) as f:
            for line in f:
                if line.startswith("phase="):
                    d = kv(line)
                    c = {k: int(v) for k, v in d.items() if k not in ("phase", "vcpu")}
                    if d["vcpu"] == "all":
                        counts[int(d["phase"])] = c
                    else:
                        vcpus.setdefault(int(d["phase"]), {})[int(d["vcpu"])] = c
    for i, p in phases.items():
        p["counts"] = counts.get(i)
    # Batches: the median batch's counts per operation.
    for name, first, count, per in batches:
        got = [counts[i] for i in range(first, first + count) if i in counts]
        p = next((q for q in phases.values() if q["name"] == name), None)
        if not got or not p:
            continue
        ins = sorted((c["user_insns"] + c["kernel_insns"]) / per for c in got)
        kat = sorted(c["kernel_atomics"] / per for c in got)
        p["batch"] = dict(n=len(got), per=per, insns=statistics.median(ins), insns_min=ins[0],
                          insns_q1=ins[len(ins) // 4], insns_q3=ins[(3 * len(ins)) // 4],
                          kernel_atomics=statistics.median(kat))
    return phases, tests, counts, times, vcpus


def load(runs_path):
    runs = []
    with open(runs_path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 4:
                continue
            k, tag, smp, console = parts[:4]
            plugin = parts[4] if len(parts) > 4 else None
            phases, tests, counts, times, vcpus = read_run(console, plugin)
            runs.append(dict(kernel=k, tag=tag, smp=int(smp), phases=phases, tests=tests,
                             counts=counts, times=times, console=console, vcpus=vcpus))
    return runs


def check_tests(run, rows):
    """The plugin's exact-count phases: PASS/FAIL rows."""
    if not run["tests"]:
        rows.append((False, "bench:plugin/exact", "no plugin-test lines in %s" % run["console"]))
    for pid, expect in run["tests"]:
        # The vCPU that ran the program: the one that ended the phase
        # (others may run other tasks meanwhile, e.g. init copying output).
        got = [c for c in run["vcpus"].get(pid, {}).values() if c.get("markers")]
        name = "bench:plugin/phase_%d_exact" % pid
        if len(got) != 1:
            rows.append((False, name, "the plugin printed no counts for phase %d" % pid if not got else
                         "phase %d ended on %d vCPUs" % (pid, len(got))))
            continue
        got = got[0]
        bad = ["%s %d, expected %d" % (k, got.get(k, -1), v) for k, v in expect.items() if got.get(k) != v]
        rows.append((not bad, name, "; ".join(bad) if bad else
                     ", ".join("%s %d" % (k, v) for k, v in expect.items())))


def smoke(runs):
    rows = []
    for run in runs:
        check_tests(run, rows)
        rt = run["phases"].get(10)
        if not rt or not rt.get("counts"):
            rows.append((False, "bench:round_trip/counted", "no counted round trip phase in %s" % run["console"]))
            continue
        c, ops = rt["counts"], rt["ops"]
        line = c["line_atomics"] / ops
        rows.append((ops > 0 and c["kernel_insns"] > 0, "bench:round_trip/counted",
                     "%d round trips, %.0f kernel instructions each" % (ops, c["kernel_insns"] / ops)))
        # REFCOUNT: mmgrab() to the kthread, mmdrop() back.
        rows.append((abs(line - 2) < 0.05, "bench:round_trip/mm_count_line_atomics",
                     "%.3f per round trip on %s (REFCOUNT: 2)" % (line, run["kernel"])))
    npass = sum(1 for ok, _, _ in rows if ok)
    for ok, name, note in rows:
        print("%s %s  %s" % ("PASS" if ok else "FAIL", name, note))
    print("%d passed, %d failed" % (npass, len(rows) - npass))
    return 0 if npass == len(rows) else 1


def per_op(p, key):
    b = p.get("batch")
    if b and key in ("insns", "kernel_atomics"):
        return b[key]
    c = p.get("counts")
    if not c or not p["ops"]:
        return None
    if key == "insns":
        return (c["user_insns"] + c["kernel_insns"]) / p["ops"]
    return c[key] / p["ops"]


def ipis_per_free(p):
    """Function call IPIs per mm freed (__mmdrop() calls the plugin saw)."""
    c = p.get("counts")
    if not c or not c.get("entry_mmdrop"):
        return None
    return p["ipis"] / c["entry_mmdrop"]


def per_free(p, key):
    """entry_KEY per mm freed: 'shoot', the CPUs do_shoot_lazy_tlb() ran on
    (by IPI or locally); 'found', those of them that were on the mm."""
    c = p.get("counts")
    if not c or not c.get("entry_mmdrop") or ("entry_" + key) not in c:
        return None
    return c["entry_" + key] / c["entry_mmdrop"]


def fmt(v, digits=1):
    if v is None:
        return "-"
    if isinstance(v, float) and abs(v) < 10 and digits < 3:
        return "%.*f" % (max(digits, 2), v)
    return "%.*f" % (digits, v) if isinstance(v, float) else str(v)


def ratio(v, b):
    if v is None or b is None or b == 0:
        return "-"
    return "x%.4f" % (v / b)


def report(runs, text_path, host_path):
    out = []
    counted = [r for r in runs if r["tag"] == "counts"]
    kernels = [r["kernel"] for r in counted]
    by = {r["kernel"]: r for r in counted}
    smp = counted[0]["smp"] if counted else 0
    names = []
    for r in counted:
        for i in sorted(r["phases"]):
            n = r["phases"][i]["name"]
            if n not in names:
                names.append(n)
    hdr = ("workload", "kernel", "ops", "insns/op", "vs base", "kernel insns/op", "kernel atomics/op",
           "vs base", "mm_count line atomics/op", "fn-call IPIs/op", "__mmdrop/op", "IPIs/__mmdrop",
           "CPUs shot/__mmdrop", "found on mm/__mmdrop")
    rows = []
    for n in names:
        base = None
        for k in kernels:
            p = next((q for q in by[k]["phases"].values() if q["name"] == n), None)
            if not p:
                continue
            ins, kat = per_op(p, "insns"), per_op(p, "kernel_atomics")
            if k == "base":
                base = (ins, kat)
            line = per_op(p, "line_atomics") if n == "round_trip" else None
            exits = n in ("fork_exec_exit", "migrate_exit")
            rows.append((n, k, str(p["ops"]), fmt(ins), ratio(ins, base[0]) if base else "-",
                         fmt(per_op(p, "kernel_insns")), fmt(kat, 2), ratio(kat, base[1]) if base else "-",
                         fmt(line, 3), fmt(p["ipis"] / p["ops"], 3),
                         fmt(per_op(p, "entry_mmdrop"), 2) if exits else "-",
                         fmt(ipis_per_free(p), 3) if exits else "-",
                         fmt(per_free(p, "shoot"), 3) if exits else "-",
                         fmt(per_free(p, "found"), 3) if exits else "-"))
    out.append("Counted by the QEMU plugin, -smp %d (per operation; ratios to base):" % smp)
    out += table(hdr, rows)
    out.append("  pipe_*, fork_exec_exit, migrate_exit: all vCPUs' instructions over the phase. With 8 vCPU "
               "threads on %s host cores, a vCPU that waits for a lock whose holder's thread the host has "
               "descheduled spins for the host's time slice: the same run twice gave 51 and 267 million kernel "
               "instructions for pipe_threads_2 on one kernel. Their instruction ratios are noise, not the series "
               "(user -> user switches never take the lazy path); their atomics per op and the shootdown counts "
               "are the figures." % (os.cpu_count() or "?"))
    for k in kernels:
        p = phase(by, k, "round_trip")
        b = p and p.get("batch")
        if b:
            out.append("  round_trip %-10s insns/op and kernel atomics/op: median of %d batches of %d "
                       "(insns quartiles %.1f .. %.1f, min %.1f); the other columns: all %d round trips"
                       % (k, b["n"], b["per"], b["insns_q1"], b["insns_q3"], b["insns_min"], p["ops"]))

    # The per-free scan.
    scans = sorted((r for r in runs if r["tag"].startswith("scan")), key=lambda r: r["smp"])
    scan_pts = []
    if scans:
        out.append("")
        out.append("Per-free scan (shootdown, NR_CPUS=64): instructions in the shootdown filter "
                   "(lazy_tlb_cpu_may_hold, arch_lazy_tlb_cpu_may_hold) per __mmdrop():")
        srows = []
        for r in scans:
            for i in sorted(r["phases"]):
                p = r["phases"][i]
                c = p.get("counts") or {}
                frees = c.get("entry_mmdrop", 0)
                per = c.get("scan_insns", 0) / frees if frees else None
                srows.append((p["name"], str(r["smp"]), str(p["ops"]), str(frees), fmt(per),
                              fmt(per_free(p, "shoot"), 3), fmt(per_free(p, "found"), 3)))
                if p["name"] == "fork_exec_exit" and per is not None:
                    scan_pts.append((r["smp"], per))
        out += table(("workload", "-smp", "exits", "__mmdrop calls", "filter insns/__mmdrop",
                      "CPUs shot/__mmdrop", "found on mm/__mmdrop"), srows)
        if len(scan_pts) >= 2:
            xs, ys = [x for x, _ in scan_pts], [y for _, y in scan_pts]
            mx, my = statistics.mean(xs), statistics.mean(ys)
            slope = sum((x - mx) * (y - my) for x, y in scan_pts) / sum((x - mx) ** 2 for x in xs)
            out.append("slope (least squares, fork_exec_exit): %.1f instructions per __mmdrop() per CPU" % slope)

    # Wall clock.
    timed = [r for r in runs if r["tag"].startswith("time")]
    trows = []
    if timed:
        out.append("")
        out.append("Wall clock (secondary: TCG time is noisy): user -> kthread -> user round trips per "
                   "second, median of each boot's rounds, then median over interleaved boots:")
        per_k = {}
        for r in timed:
            if r["times"]:
                per_k.setdefault(r["kernel"], []).append(statistics.median(r["times"]))
        b = statistics.median(per_k["base"]) if "base" in per_k else None
        for k, v in per_k.items():
            m = statistics.median(v)
            trows.append((k, str(len(v)), "%.0f" % m, ratio(m, b),
                          "%.1f%%" % (100 * (max(v) - min(v)) / m) if m else "-"))
        out += table(("kernel", "boots", "round trips/s", "vs base", "spread (max-min)/median"), trows)

    # Text.
    text = []
    if text_path and os.path.exists(text_path):
        with open(text_path) as f:
            text = [l.split() for l in f if l.strip()]
    if text:
        out.append("")
        out.append("Text, base against refcount (the series' options off):")
        for t in text:
            if t[0] == "size":
                out.append("  size %-9s text %s data %s bss %s" % (t[1], t[2], t[3], t[4]))
        objs = [t for t in text if t[0] == "object"]
        same = [t[1] for t in objs if t[2] == "same"]
        diff = ["%s (%s lines)" % (t[1], t[3]) for t in objs if t[2] == "differs"]
        new = [t[1] for t in objs if t[2] == "new"]
        out.append("  objects the series touches: %d identical, %d differ%s, %d new (%s)" % (
            len(same), len(diff), (": " + ", ".join(diff)) if diff else "", len(new), ", ".join(new) or "none"))

    # Targets.
    out.append("")
    out.append("Targets:")
    out += targets(by, scan_pts, text)
    if host_path and os.path.exists(host_path):
        with open(host_path) as f:
            out.append("")
            out += [l.rstrip("\n") for l in f]
    return out


def phase(by, k, name):
    r = by.get(k)
    if not r:
        return None
    return next((q for q in r["phases"].values() if q["name"] == name), None)


def targets(by, scan_pts, text):
    t = []

    def row(ok, what):
        t.append("  %-8s %s" % ({True: "met", False: "NOT MET", None: "n/a"}[ok], what))

    rt = {k: phase(by, k, "round_trip") for k in by}
    line = {k: per_op(p, "line_atomics") for k, p in rt.items() if p}
    ins = {k: per_op(p, "insns") for k, p in rt.items() if p}
    if "shootdown" in line:
        row(line["shootdown"] < 0.01 and abs(line.get("refcount", 2) - 2) < 0.05,
            "mm_count line atomics per lazy round trip: shootdown %.3f (target 0), refcount %s (2)" % (
                line["shootdown"], fmt(line.get("refcount"), 3)))
    else:
        row(None, "mm_count line atomics per round trip: no shootdown run")
    if "shootdown" in ins and "refcount" in ins:
        row(ins["shootdown"] < ins["refcount"],
            "instructions per round trip: shootdown %.1f below refcount %.1f (%s)" % (
                ins["shootdown"], ins["refcount"], ratio(ins["shootdown"], ins["refcount"])))
    if "refcount" in ins and "base" in ins:
        d = abs(ins["refcount"] / ins["base"] - 1)
        row(d <= 0.001, "instructions per round trip: refcount %.1f equal to base %.1f within 0.1%% (off by %.3f%%)" % (
            ins["refcount"], ins["base"], 100 * d))
    for w in ("fork_exec_exit", "migrate_exit"):
        s, u = phase(by, "shootdown", w), phase(by, "unfiltered", w)
        shot, found = (per_free(s, "shoot"), per_free(s, "found")) if s else (None, None)
        if shot is not None and found is not None:
            row(shot <= found + 0.01, "%s: shootdown reached %.3f CPUs per mm freed and found %.3f of them on the mm "
                "(target: no CPU reached that did not hold it)" % (w, shot, found))
        ushot = per_free(u, "shoot") if u else None
        if shot is not None and ushot is not None:
            row(None if w != "fork_exec_exit" else ushot >= 4 * shot,
                "%s: unfiltered reached %.3f CPUs per mm freed, %s the filtered %.3f%s" % (
                    w, ushot, ("x%.1f" % (ushot / shot)) if shot else "against none for", shot,
                    " (target: at least x4)" if w == "fork_exec_exit" else
                    " (the worst case: the mm ran on every CPU, so every CPU may hold it)"))
        if s and u and ipis_per_free(s) is not None and ipis_per_free(u) is not None:
            row(None, "%s: function call IPIs of /proc/interrupts per mm freed: shootdown %.3f, unfiltered %.3f, "
                "base %s (all IPIs, not only shootdowns)" % (
                    w, ipis_per_free(s), ipis_per_free(u), fmt(ipis_per_free(phase(by, "base", w)) if phase(by, "base", w) else None, 3)))
    if scan_pts:
        row(None, "per-free scan: " + ", ".join("%d CPUs %.0f" % p for p in scan_pts) +
            " instructions per __mmdrop() (reported, no bound set)")
    objs = [x for x in text if x[0] == "object"]
    sizes = {x[1]: x[2] for x in text if x[0] == "size"}
    if objs:
        # New files are the series' own (test_lazy_tlb.o, a module here);
        # what must not change is the code of the files it touches, and
        # vmlinux.
        same = not any(x[2] == "differs" for x in objs)
        row(same and sizes.get("base") == sizes.get("refcount"),
            "zero text change with the options off: the objects the series touches %s, vmlinux text %s -> %s" % (
                "identical" if same else "differ", sizes.get("base"), sizes.get("refcount")))
    return t


def table(hdr, rows):
    w = [max(len(str(x)) for x in col) for col in zip(hdr, *rows)] if rows else [len(h) for h in hdr]
    lines = ["| " + " | ".join(h.ljust(n) for h, n in zip(hdr, w)) + " |",
             "|" + "|".join("-" * (n + 2) for n in w) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(str(x).ljust(n) for x, n in zip(r, w)) + " |")
    return lines


DOC_HEAD = """# Performance: counted by the emulator

Generated by `make bench` (scripts/bench.sh, scripts/bench-report.py); do
not edit by hand, run it again.

## Method

- Kernels, all with the series' debug options off, same QEMU settings:
  `base` (the bare base, REFCOUNT), `refcount` (the series,
  `CONFIG_ARM64_LAZY_TLB_SHOOTDOWN=n`), `shootdown` (the series, `=y`) and
  `unfiltered` (`shootdown` with tests/bench/unfiltered.diff: the filter
  says yes for every online CPU, as a naive arm64 shootdown would).
- Counted by a QEMU TCG plugin (tests/plugin/lazytlb-count.c, plugin API
  version 1 of QEMU 7.2), not by the kernel: per phase of the guest
  workload, instructions (user and kernel), the kernel's atomic
  read-modify-write instructions (LSE and LL/SC), and those whose address
  is on the cache line of the benchmark process's `mm_count` (the guest
  module names it to the plugin). Phase markers are atomics on the zero
  register that change nothing. The plugin's own test counts a guest
  program of 3556 instructions and 1150 atomics exactly (make check).
- Function call IPIs come from the guest's `/proc/interrupts`; "bound" is
  the number of CPUs other than its last one that an exiting mm ran on:
  no more can hold it lazily.
- Workloads (selftests/bench/): user -> kthread -> user round trips on one
  CPU (the out-of-tree module lazytlb_kbench, built against every kernel);
  a will-it-scale `context_switch1`-style pipe ping-pong between processes
  and between threads with 1, 2, 4 and 8 pairs, pair k on CPU k; a
  fork/exec/exit storm; processes that run on every CPU and then exit.
- Instruction counts are per translation block: a block cut short by a
  synchronous exception counts whole. Kernel counts include whatever else
  the guest ran during the phase (timer ticks, other CPUs' work), and,
  with more vCPU threads than host cores, spinning on locks whose
  holder's vCPU the host has descheduled: the round trips, on one CPU,
  are taken as the median of 200 batches of 10; the multi-task rows'
  instruction counts vary by several times from run to run and are shown
  for their atomics and IPIs.
- Wall-clock rates are secondary: medians of interleaved boots, TCG time
  moves with the host's load.

## Results

```
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs")
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--text")
    ap.add_argument("--host")
    ap.add_argument("--out")
    ap.add_argument("--doc")
    a = ap.parse_args()
    runs = load(a.runs)
    if not runs:
        sys.exit("bench-report.py: no runs in %s" % a.runs)
    if a.smoke:
        return smoke(runs)
    rows = []
    for r in runs:
        if r["tests"]:
            check_tests(r, rows)
    out = report(runs, a.text, a.host)
    if rows:
        out.append("")
        out += ["plugin self-test: %s %s  %s" % ("PASS" if ok else "FAIL", n, note) for ok, n, note in rows]
    print("\n".join(out))
    if a.out:
        with open(a.out, "w") as f:
            f.write("\n".join(out) + "\n")
    if a.doc:
        tmp = a.doc + ".tmp"
        with open(tmp, "w") as f:
            f.write(DOC_HEAD + "\n".join(out) + "\n```\n")
        os.replace(tmp, a.doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
