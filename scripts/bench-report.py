#!/usr/bin/env python3
"""bench-report.py - the table of 'make bench', from its guests' output.

Usage: bench-report.py RUNS [--text FILE] [--host FILE] [--out FILE] [--doc FILE]
       bench-report.py --smoke RUNS

RUNS (build/bench/runs.txt) has one line per boot: KERNEL TAG SMP CONSOLE
[PLUGIN]. The console holds the guest's 'bench: phase=ID name=... ops=N
ipis=N ...' lines, the plugin file (tests/plugin/lazytlb-count.c) its
'phase=ID vcpu=all user_insns=N ...' lines. Prints the tables (per context
switch, per freed mm, per 1000 exits), the cost model and what differed
between two boots of one kernel (TAG and TAG-again), and writes them to
--out and, with the method and limits, to --doc (Markdown). --smoke checks the plugin's exact-count
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
    phases, tests, times = {}, [], []
    with open(console, errors="replace") as f:
        for line in f:
            if line.startswith("bench: phase="):
                d = kv(line)
                phases[int(d["phase"])] = {k: (num(v) if k != "name" else v) for k, v in d.items()}
            elif line.startswith("bench: plugin-test "):
                d = kv(line.split(" expect ")[0])
                e = kv(line.split(" expect ")[1])
                tests.append((int(d["phase"]), {k: int(v) for k, v in e.items()}))
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
        # The coherence model's test lines: all vCPUs' counts (the test's
        # threads run on several; nothing else touches those lines).
        total = run["counts"].get(pid, {})
        got = {k: (total.get(k, 0) if k.startswith(("xfer_", "miss_")) else got.get(k, 0)) for k in expect}
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


SWITCHES_PER_ROUND_TRIP = 4   # each end's CPU: task -> idle -> task, twice per round trip

# The cost model's per-event latencies (ns), each with its source. Published
# figures for named parts; where no arm64 figure was found, a labelled
# stand-in.
COST = [
    ("t_xfer", 46.0, "same-socket cache-line transfer: AWS Graviton3 (64 Neoverse V1), median "
     "compare-and-swap core to core, nviennot/core-to-core-latency README (Graviton2: 47 ns; "
     "Graviton4: 30-60 ns, chipsandcheese 'Arm's Neoverse V2, in AWS's Graviton 4', 2024-07-22)"),
    ("t_xfer_2s", 138.6, "cross-socket transfer: Graviton4 two sockets, average (chipsandcheese, same page)"),
    ("t_ipi", 1860.0, "IPI to a running CPU, send to handler: STAND-IN, no arm64 bare-metal figure found: "
     "AMD EPYC 7742 VM, PV_SEND_IPI (K. Huang, kvm list, 2021-11-08, with the ipi_benchmark of "
     "Y. Norov)"),
    ("t_ipi_idle", 7564.0, "IPI to an idle CPU, send to handler: STAND-IN: POWER9 in CEDE, median of 400 "
     "(G. Shenoy, '[PATCH v2] cpuidle/pseries: Fixup CEDE0 latency only for POWER10 onwards', "
     "2021-04-29); arm64's WFI state declares exit_latency 1 us (drivers/cpuidle/cpuidle-arm.c)"),
]


def c(p, key):
    return (p.get("counts") or {}).get(key, 0)


def lines(p, cls):
    """Transfers plus remote misses on the lines of class @cls."""
    return c(p, "xfer_" + cls) + c(p, "miss_" + cls)


def f(v, digits=2):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    return "%.*f" % (digits, v)


def runs_with(runs, name):
    """(run, phase) of every counted phase @name, the repeat boots left out."""
    return [(r, p) for r in runs if not r["tag"].endswith("-again")
            for p in r["phases"].values() if p["name"] == name and p.get("counts")]


def names(runs, prefix):
    out = []
    for r in runs:
        for p in sorted(r["phases"].values(), key=lambda q: q["phase"]):
            if p["name"].startswith(prefix) and p["name"] not in out:
                out.append(p["name"])
    return out


KERNELS = ("base", "refcount", "shootdown", "record", "unfiltered")
# the kernels that run the shootdown and keep the record
SHOOT = ("shootdown", "record", "unfiltered")


def korder(k):
    return KERNELS.index(k) if k in KERNELS else len(KERNELS)


def switch_table(runs):
    hdr = ["workload", "-smp", "kernel", "round trips", "mm_count line", "record lines", "mask lines", "csd lines",
           "other kernel lines", "kernel atomics", "DMB/DSB/ISB", "LDAR/STLR/LDAPR", "kernel insns"]
    rows = []
    for name in names(runs, "cs1_threads_") + names(runs, "cs1_procs_"):
        for r, p in sorted(runs_with(runs, name), key=lambda x: (x[0]["smp"], korder(x[0]["kernel"]))):
            sw = SWITCHES_PER_ROUND_TRIP * p["ops"]
            bar = sum(c(p, "kernel_" + b) for b in ("dmb", "dsb", "isb"))
            acq = sum(c(p, "kernel_" + b) for b in ("ldar", "stlr", "ldapr"))
            rec = f(lines(p, "record") / sw, 3) if r["kernel"] in SHOOT else "n/a"
            rows.append([name, r["smp"], r["kernel"], p["ops"], f(lines(p, "mmcount") / sw, 3),
                         rec, f(lines(p, "cpumask") / sw, 3), f(lines(p, "csd") / sw, 3),
                         f(lines(p, "kernel") / sw, 1), f(c(p, "kernel_atomics") / sw, 1),
                         f(bar / sw, 1), f(acq / sw, 1), f(c(p, "kernel_insns") / sw, 0)])
    return hdr, rows


EXITS = ("fork_exec_exit", "fork_exec_exit_par", "threads_exit_idle", "threads_exit_busy")


def free_table(runs):
    hdr = ["workload", "-smp", "kernel", "exits", "__mmdrop", "filter insns", "record misses",
           "record re-takes", "remote IPIs", "of which idle", "local runs", "found on the mm", "cond loop insns"]
    rows = []
    for name in EXITS:
        for r, p in sorted(runs_with(runs, name), key=lambda x: (korder(x[0]["kernel"]), x[0]["smp"])):
            if r["kernel"] not in SHOOT:
                continue
            n = c(p, "entry_mmdrop")
            if not n:
                continue
            rows.append([name, r["smp"], r["kernel"], p["ops"], n, f(c(p, "scan_insns") / n, 1),
                         f(c(p, "miss_record") / n, 2), f(c(p, "xfer_record") / n, 2),
                         f(c(p, "shoot_remote") / n, 2), f(c(p, "shoot_idle") / n, 2),
                         f(c(p, "shoot_local") / n, 2),
                         f(c(p, "entry_found") / n, 2) if "entry_found" in p["counts"] else "-",
                         f(c(p, "cond_insns") / n, 0)])
    return hdr, rows


def ipi_table(runs, smp):
    hdr = ["workload", "kernel", "exits", "shootdown IPIs /1000 exits", "idle wake-ups /1000 exits",
           "all fn-call IPIs /1000 exits", "kernel insns /exit", "vs refcount"]
    rows = []
    for name in EXITS + ("munmap_threads",):
        exits = name != "munmap_threads"
        got = {r["kernel"]: p for r, p in runs_with(runs, name) if r["smp"] == smp}
        ref = got.get("refcount")
        for k in sorted(got, key=korder):
            p = got[k]
            n = p["ops"]
            ki = c(p, "kernel_insns") / n
            rows.append([name if exits else name + " (per munmap)", k, n,
                         f(1000 * c(p, "shoot_remote") / n, 0) if exits else "-",
                         f(1000 * c(p, "shoot_idle") / n, 0) if exits else "-",
                         f(1000 * p["ipis"] / n, 0), f(ki, 0),
                         "x%.3f" % (ki / (c(ref, "kernel_insns") / ref["ops"])) if ref and c(ref, "kernel_insns") else "-"])
    return hdr, rows


GROUPS = [
    ("instructions", lambda k: k.endswith("_insns")),
    ("atomics", lambda k: k.endswith("_atomics")),
    ("barriers", lambda k: k.split("_")[-1] in ("dmb", "dsb", "isb", "ldar", "stlr", "ldapr")),
    ("line transfers and misses", lambda k: k.startswith(("xfer_", "miss_"))),
    ("shootdowns and entries", lambda k: k.startswith(("shoot_", "entry_"))),
]


def determinism(runs):
    """Pairs of runs of one kernel and tag (TAG, TAG-again): what differs,
    per group of counters, as the largest relative difference of a count
    of at least 100 in any phase."""
    out = []
    for r in runs:
        if not r["tag"].endswith("-again"):
            continue
        first = next((q for q in runs if q["kernel"] == r["kernel"] and q["tag"] == r["tag"][:-6]), None)
        if not first:
            continue
        same = diff = 0
        worst = {g: (0.0, "") for g, _ in GROUPS}
        for pid, p in r["phases"].items():
            q = first["phases"].get(pid)
            if not q or not p.get("counts") or not q.get("counts"):
                continue
            for k, v in p["counts"].items():
                w = q["counts"].get(k, 0)
                if v == w:
                    same += 1
                    continue
                diff += 1
                if max(abs(v), abs(w)) < 100:
                    continue
                rel = abs(v - w) / max(abs(v), abs(w))
                for g, match in GROUPS:
                    if match(k) and rel > worst[g][0]:
                        worst[g] = (rel, "%s %s: %d against %d" % (p["name"], k, w, v))
        out.append("  %s, -smp %d, booted twice: %d counts identical, %d differ" % (
            r["kernel"], r["smp"], same, diff))
        for g, _ in GROUPS:
            rel, where = worst[g]
            out.append("    %-26s %s" % (g + ":", "largest difference %.2f%% (%s)" % (100 * rel, where)
                                         if where else "no count of 100 or more differs"))
    return out


def cost_model(runs, smp):
    """Break-even lazy switches per mm lifetime, from the counts and COST."""
    t = {k: v for k, v, _ in COST}
    out = ["Cost model (a MODEL, not a measurement: the counts above times published per-event",
           "latencies; TCG has no caches and no timing of its own):"]
    for k, v, src in COST:
        out.append("  %-10s %8.1f ns  %s" % (k, v, src))
    sw = {}
    for name in names(runs, "cs1_threads_"):
        for r, p in runs_with(runs, name):
            if r["smp"] == smp:
                sw.setdefault(r["kernel"], []).append(lines(p, "mmcount") / (SWITCHES_PER_ROUND_TRIP * p["ops"]))
    ref = min(sw.get("refcount", [0]) or [0])
    shoot = max(sw.get("shootdown", [0]) or [0])
    # With one host thread, a vCPU drops (idle -> task) and grabs again
    # (task -> idle) in one turn: the line moves once per two switches.
    # On hardware other CPUs take it in between: up to once per switch.
    lo, hi = max(ref - shoot, 0), max(1.0 - shoot, 0) if ref > 0 else 0
    out.append("")
    out.append("  saved per lazy switch (cs1_threads, -smp %d): %.3f mm_count line transfers counted (refcount %.3f,"
               % (smp, lo, ref))
    out.append("  shootdown %.3f), up to %.3f on hardware where other CPUs take the line between a CPU's drop and"
               % (shoot, hi))
    out.append("  its next grab; = %.0f .. %.0f ns a switch on one socket, %.0f .. %.0f ns across sockets"
               % (lo * t["t_xfer"], hi * t["t_xfer"], lo * t["t_xfer_2s"], hi * t["t_xfer_2s"]))
    out.append("")
    out.append("  Per free, the freeing CPU reads the records of the CPUs in the mm's mm_cpumask() (of every")
    out.append("  online CPU for 'record'; the mask's own line, one for up to 512 CPUs, is counted with the")
    out.append("  other kernel lines: these mms are not marked) a miss each where changed, and the owner takes")
    out.append("  its line back: a transfer) and waits for the slowest of the IPIs it sent (sent together):")
    out.append("  one t_ipi if it sent any, the idle wake-up if any target was idle, at 1 us (arm64 WFI, as")
    out.append("  declared) or t_ipi_idle (POWER9 stand-in). Break-even: lazy switches in the mm's life above")
    out.append("  which SHOOTDOWN costs less than REFCOUNT, at the low and high saving per switch.")
    hdr = ["workload", "-smp", "kernel", "record lines", "IPIs", "to idle", "cost per free (ns)",
           "break-even switches per mm"]
    rows = []
    for name in EXITS:
        for r, p in sorted(runs_with(runs, name), key=lambda x: (x[0]["smp"], korder(x[0]["kernel"]))):
            if r["kernel"] not in ("shootdown", "record"):
                continue
            n = c(p, "entry_mmdrop")
            if not n:
                continue
            x = lines(p, "record") / n
            ipis = c(p, "shoot_remote") / n
            idle = c(p, "shoot_idle") / n
            # the fraction of frees that sent an IPI, and to an idle CPU, bounded by 1
            wait_lo = min(ipis, 1) * t["t_ipi"] + min(idle, 1) * 1000.0
            wait_hi = min(ipis, 1) * t["t_ipi"] + min(idle, 1) * t["t_ipi_idle"]
            clo = x * t["t_xfer"] + wait_lo
            chi = x * t["t_xfer"] + wait_hi
            if lo > 0:
                be = "%.0f .. %.0f" % (clo / (hi * t["t_xfer"]), chi / (lo * t["t_xfer"]))
            else:
                be = "-"
            rows.append([name, r["smp"], r["kernel"], f(x, 2), f(ipis, 2), f(idle, 2), "%.0f .. %.0f" % (clo, chi), be])
    out += ["  " + x for x in table(hdr, rows)]
    if lo > 0:
        out.append("")
        out.append("  REFCOUNT's mm_count line serialises the lazy switches of one mm machine-wide: at %.2f .. %.2f"
                   % (lo, hi))
        out.append("  transfers a switch it carries at most %.0f .. %.0f M switches/s on one socket (1 / (x t_xfer)),"
                   % (1e3 / (hi * t["t_xfer"]), 1e3 / (lo * t["t_xfer"])))
        out.append("  %.0f .. %.0f M across sockets, however many CPUs switch, before any queueing for the line;"
                   % (1e3 / (hi * t["t_xfer_2s"]), 1e3 / (lo * t["t_xfer_2s"])))
        out.append("  SHOOTDOWN's switches share no line. With each thread switching r times a second, T threads")
        out.append("  load the line to u = T r x t_xfer; REFCOUNT is capped where u reaches 1. At an assumed")
        out.append("  r = 250 k switches/s a thread (a 4 us round trip through idle; an ASSUMPTION, TCG gives no")
        out.append("  time), x = %.2f:" % ((lo + hi) / 2))
        hdr = ["threads", "u, one socket", "u, two sockets", "predicted gain, two sockets", "Desnoyers (2 x EPYC 9654)"]
        anchor = {12: "+0.8%", 24: "+3%", 48: "+12%", 96: "+21%", 192: "+28%"}
        rows = []
        x = (lo + hi) / 2
        for th in (12, 24, 48, 96, 192):
            u1 = th * 250e3 * x * t["t_xfer"] * 1e-9
            u2 = th * 250e3 * x * t["t_xfer_2s"] * 1e-9
            rows.append([th, f(u1, 2), f(u2, 2), "+%.0f%%" % (100 * (max(u2, 1) - 1)), anchor[th]])
        out += ["  " + y for y in table(hdr, rows)]
        out.append("  The cap alone predicts no gain until u reaches 1 and then a gain growing with the threads;")
        out.append("  the anchors show gains from 24 threads (queueing for the line starts well before u = 1,")
        out.append("  which this model leaves out) and smaller than the cap predicts at 192. Anchors:")
        out.append("  Desnoyers, '[RFC PATCH 0/4] sched+mm: Track lazy active mm existence with hazard")
        out.append("  pointers', 2024-10-01 (+3% at 24 .. +28% at 192 threads) and v2/v3 (within 0.8% up to 12;")
        out.append("  x86, 2 x EPYC 9654); Piggin's shoot-lazies on a 16-socket POWER8 (192 cores),")
        out.append("  context_switch1_threads: 1 M switches/s with the refcount, 118 M with shootdown")
        out.append("  ('[PATCH v7 5/5] powerpc/64s: enable MMU_LAZY_TLB_SHOOTDOWN', 2023-02-03): far below the")
        out.append("  cap of this model, as 16 sockets' transfers cost far more than two's.")
    return out


def report(runs, text_path, host_path):
    out = []
    smps = sorted({r["smp"] for r in runs if r["tag"].startswith("counts")})
    main_smp = smps[0] if smps else 0
    out.append("Per context switch, will-it-scale context_switch1 (pair k's ends on CPUs 2k and 2k+1, every")
    out.append("switch through the idle task; %d switches per round trip): cache-line transfers plus remote" % SWITCHES_PER_ROUND_TRIP)
    out.append("read misses on the lines named, and the kernel's atomics, barriers and instructions, per switch:")
    out += table(*switch_table(runs))
    out.append("  mm_count line: the benchmark mms' mm_count lines (REFCOUNT's lazy grab and drop); record lines:")
    out.append("  every CPU's lazy TLB record (SHOOTDOWN on arm64); csd lines: every CPU's call_single_queue,")
    out.append("  where remote wake-ups are queued, and the call_single_data of every CPU pair (function call")
    out.append("  IPIs; the wake-ups' own entries are in the task, counted with the other kernel lines);")
    out.append("  other kernel lines: every other line")
    out.append("  kernel code touched; 'n/a': the kernel has no record. A transfer is a store or atomic to a")
    out.append("  line another vCPU holds a copy of; a miss, a load of a line another vCPU wrote since.")
    out.append("  REFCOUNT's mm_count transfers stay at 0.5 a switch as pairs are added, and do not grow: one")
    out.append("  host thread runs the vCPUs in turn, and a vCPU drops its lazy reference (idle -> task) and")
    out.append("  takes the next (task -> idle) in one turn, so the line moves once per two switches however")
    out.append("  many pairs share it. On hardware other CPUs take the line between the two: up to one transfer")
    out.append("  a switch, and each waits for the line behind the others, which the cost model below bounds.")
    out.append("  _procs pairs have an mm each and share no mm_count line. The barrier columns count DMB, DSB,")
    out.append("  ISB and LDAR, STLR, LDAPR, not the ordering of LSE atomics (LDADDAL and the like); kernel")
    out.append("  insns: every vCPU's kernel instructions during the phase, per switch.")
    out.append("")
    out.append("Per __mmdrop() (an mm freed), by -smp: filter instructions, the scan's remote misses on the")
    out.append("record lines and the owners' transfers to take their line back, shootdown calls to other CPUs")
    out.append("(of which to a CPU idle in WFI) and on the freeing CPU:")
    out += table(*free_table(runs))
    out.append("  filter insns: about 15 per CPU asked (the mm's mm_cpumask() for shootdown, every online CPU")
    out.append("  for record and unfiltered); found on the mm: the")
    out.append("  calls of do_shoot_lazy_tlb() that found the CPU on the mm (the filter's precision).")
    out.append("  cond loop insns: on_each_cpu_cond_mask() and smp_call_function_many_cond() on the freeing")
    out.append("  CPU, including the wait for the IPIs' handlers, which with one host thread running the vCPUs")
    out.append("  in turn lasts until the targets' turns come: not an estimate of hardware cost.")
    out.append("  REFCOUNT kernels run no shootdown: their rows would be zeros and are left out.")
    for smp in smps:
        out.append("")
        out.append("Per workload at -smp %d: IPIs per 1000 exits (REFCOUNT sends no shootdown IPI):" % smp)
        out += table(*ipi_table(runs, smp))
    out.append("  all fn-call IPIs: the guest's /proc/interrupts, wake-ups included; munmap_threads: a thread")
    out.append("  per CPU maps, touches and unmaps 64 KiB in one mm (tlb_flush2_threads-style): TLB flushing")
    out.append("  is broadcast TLBI on arm64 and sends no IPI in any kernel.")
    out.append("")
    out += cost_model(runs, main_smp)
    out.append("")
    out.append("Repeatability (one host thread, -icount shift=4,sleep=off, -seed 1, no random seed in the")
    out.append("device tree, nokaslr norandmaps):")
    out += determinism(runs) or ["  (no repeated run)"]
    if text_path and os.path.exists(text_path):
        out.append("")
        out.append("Text, base against refcount (the series' options off):")
        objs = {"same": [], "differs": [], "new": [], "not-built": []}
        with open(text_path) as fh:
            for line in fh:
                w = line.split()
                if w[0] == "size":
                    out.append("  size %-9s text %s data %s bss %s" % (w[1], w[2], w[3], w[4]))
                elif w[0] == "object":
                    objs.setdefault(w[2], []).append(w[1])
        out.append("  objects the series touches: %d identical, %d differ%s, %d new%s" % (
            len(objs["same"]), len(objs["differs"]),
            " (%s)" % ", ".join(objs["differs"]) if objs["differs"] else "",
            len(objs["new"]), " (%s)" % ", ".join(objs["new"]) if objs["new"] else ""))
    times = {}
    for r in runs:
        if r["times"]:
            times.setdefault(r["kernel"], []).append(statistics.median(r["times"]))
    if times:
        out.append("")
        out.append("Wall clock (secondary: TCG time moves with the host's load), user -> kthread -> user round")
        out.append("trips per second on one CPU, median of each boot, then over interleaved boots:")
        hdr = ["kernel", "boots", "round trips/s", "vs base", "spread (max-min)/median"]
        rows = []
        b = statistics.median(times["base"]) if "base" in times else None
        for k in sorted(times, key=korder):
            m = statistics.median(times[k])
            rows.append([k, len(times[k]), "%.0f" % m, "x%.4f" % (m / b) if b else "-",
                         "%.1f%%" % (100 * (max(times[k]) - min(times[k])) / m)])
        out += table(hdr, rows)
    if host_path and os.path.exists(host_path):
        out.append("")
        with open(host_path) as fh:
            out += [x.rstrip("\n") for x in fh]
    return out


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

- Kernels, all with the series' debug options off and `NR_CPUS=64`, same
  QEMU settings: `base` (the bare base, REFCOUNT), `refcount` (the
  series, `CONFIG_ARM64_LAZY_TLB_SHOOTDOWN=n`), `shootdown` (the series,
  `=y`: the records of the CPUs in `mm_cpumask()`), `record` (`shootdown`
  with tests/bench/record.diff: no mask, every online CPU's record, the
  design before) and `unfiltered` (`shootdown` with
  tests/bench/unfiltered.diff: an IPI to every online CPU, as an arm64
  shootdown without mask or record would). REFCOUNT is what arm64 users run today: the
  baseline every cost is set against.
- Counted by a QEMU TCG plugin (tests/plugin/lazytlb-count.c, plugin API
  version 1 of QEMU 7.2), not by the kernel: per phase of the guest
  workload, instructions, atomics, barriers (DMB, DSB, ISB; LDAR, STLR,
  LDAPR), shootdown calls (on the freeing CPU, to other CPUs, and of those
  to a CPU idle in WFI), and a coherence model: a directory of the guest
  RAM's 64-byte lines (`LINE=` sets the size) by physical address, with
  the last writer and the set of vCPUs holding a copy of each, updated by
  every load and store of every vCPU. A transfer is a store or atomic to
  a line another vCPU holds; a miss, a load of a line another vCPU wrote
  since this vCPU's copy. The guest module names the lines it watches:
  the benchmark mms' `mm_count` and `mm_cpumask()`, every CPU's lazy TLB
  record, `call_single_queue` and `call_single_data`. The plugin's own
  tests (in `make check`) count exactly: 3556 instructions and 1150
  atomics, 21 barriers by kind, 200 transfers of a line two vCPUs store to
  in turn, one miss for each of 3 vCPUs reading a line another wrote, none
  for a private line.
- Repeatable: one host thread runs the vCPUs in turn
  (`-accel tcg,thread=single`), virtual time is the instruction count
  (`-icount shift=4,sleep=off`: 16 ns per instruction, idle time skipped),
  the guest's random numbers (RNDR of `-cpu max`) come from `-seed 1`, the
  device tree carries no random seed, the RTC starts at a fixed date, the
  guest runs `nokaslr norandmaps` and writes nothing out until the end.
  One core per vCPU (no SMT, as on Arm's server parts). The same kernel is
  booted twice; "Repeatability" gives what differed.
- Workloads (selftests/bench/): will-it-scale's `context_switch1` with
  threads (one mm) and processes (an mm each), pair k's ends on CPUs 2k
  and 2k+1, so that every switch goes through the idle task, which
  borrows the mm; fork/exec/exit of /bin/true, serially and one loop per
  CPU; a thread on every CPU and then exit, with the other CPUs left idle
  on the mm (`threads_exit_idle`), and again with every CPU made to run
  another process (which blocks again) before the exit
  (`threads_exit_busy`: the CPUs have moved on, the filter skips them);
  user -> kthread -> user round trips on one CPU (module lazytlb_kbench);
  a thread per CPU mapping and unmapping 64 KiB (tlb_flush2_threads).
  A process that had threads is freed after its exit, once an RCU grace
  period has passed (its private futex hash holds the mm: futex_ref_drop(),
  mmput_async()); the threads workloads wait 100 ms of virtual time after
  each exit so that the free sees the CPUs as the exit left them.

## Limits

- TCG has no caches: the coherence model counts transfers and misses,
  not their latency, and ignores capacity (a line stays held until
  another vCPU writes it), instruction fetches and `DC ZVA`. What the
  counts cost on hardware comes from the cost model, which is a model:
  published per-event latencies of named parts (cited in the table),
  with stand-ins from other architectures where no arm64 figure was
  found.
- Counts, not contention: each atomic moves a line at most once, however
  many CPUs wait for it. REFCOUNT's cost grows with the switching CPUs on
  hardware because they queue for one line; the counts show the line
  moving at every lazy switch, the cost model the ceiling that puts on
  the machine.
- One host thread runs the vCPUs in turn: a vCPU spinning on a lock or
  on an IPI's completion spins until its turn ends (at most until the next
  timer event). Instruction counts of code that waits for another CPU
  (the `cond loop` column, lock spinning under contention) measure that,
  not hardware; the counts of transfers and IPIs do not depend on it.
- Instruction counts are per translation block: a block cut short by a
  synchronous exception counts whole. A phase counts everything every
  vCPU ran during it (timer ticks, other tasks).
- The host: 2 cores; `make bench` runs one QEMU at a time, so a
  loaded host makes it slower, not different.
- Wall-clock rates are secondary: medians of interleaved boots without
  the plugin under MTTCG; TCG time moves with the host's load.

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
