#!/usr/bin/env python3
"""Reads the Google Benchmark JSON files of one run (one per runtime and
round), prints the table (workload x runtime: median time and ratio to
wsched), the spread (min .. max), the derived figures, the fresh-process
runs (cold/) and the targets of issues 4, 10 and 11, and draws the plots
with gnuplot.

usage: report.py RESULTS_DIR
"""
import glob
import json
import os
import re
import subprocess
import sys

RUNTIMES = ["wsched", "mutex", "tbb", "omp-gcc", "omp-clang", "seq"]
RECURSIVE = ["fib30", "fib35", "nqueens12", "uts", "uts-crit", "skynet", "matmul1024"]
# also report p99_us, each instance's 99th percentile; handoff (seq only) is
# the machine's floor under wake: one futex wake of a thread parked on the
# waker's CPU
LATENCY = ["roundtrip", "wake", "busy", "burst", "handoff"]
WORKLOADS = RECURSIVE + ["ext", "ext-group"] + LATENCY + ["pfor-auto", "pfor-10k"]
COLD = ["ext", "ext-group"]  # also run once per fresh process (cold/*.json)
UNIT = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
NAME = re.compile(r"^([^/]+)/([^/]+)/workers:(\d+)")


def load(folder):
    """(cases, notes, context) of the in-process runs, one file per runtime
    and round (RUNTIME-K.json): see summarize."""
    return summarize(glob.glob(os.path.join(folder, "*.json")))


def load_cold(folder):
    """The cases of the fresh-process runs: one iteration per file, each file
    from a fresh process."""
    return summarize(glob.glob(os.path.join(folder, "cold", "*.json")))[0]


def summarize(paths):
    """{(workload, runtime, workers): {median, min, max, runs, items, p99}}
    in seconds over the iterations the files hold (one per repetition; p99:
    the median of each one's p99_us), the runtimes' notes and a context."""
    notes, context, runs = {}, None, {}
    for path in sorted(paths):
        with open(path) as f:
            doc = json.load(f)
        ctx = doc.get("context", {})
        context = context or ctx
        if ctx.get("runtime_note"):
            notes[ctx["runtime"]] = ctx["runtime_note"]
        for b in doc.get("benchmarks", []):
            m = NAME.match(b["name"])
            if not m or b.get("error_occurred") or b.get("run_type") != "iteration":
                continue
            r = runs.setdefault((m.group(1), m.group(2), int(m.group(3))),
                                {"t": [], "p99": [], "items": None})
            r["t"].append(b["real_time"] * UNIT[b.get("time_unit", "ns")])
            if "p99_us" in b:
                r["p99"].append(b["p99_us"] * 1e-6)
            r["items"] = b.get("items", r["items"])
    cases = {}
    for key, r in runs.items():
        t = sorted(r["t"])
        case = cases[key] = {"median": mid(t), "min": t[0], "max": t[-1], "runs": len(t)}
        if r["items"] is not None:
            case["items"] = r["items"]
        if r["p99"]:
            case["p99"] = mid(sorted(r["p99"]))
    return cases, notes, context or {}


def mid(v):
    """The median of the sorted list v (the mean of the middle two for an
    even length, as Google Benchmark's aggregates)."""
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def fmt_time(s):
    if s is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def median(cases, w, rt, p, stat="median"):
    c = cases.get((w, rt, 1 if rt == "seq" else p))
    return c.get(stat) if c else None


def with_p99(cases, w, rt, p):
    """The median and, when the case reports it, the p99, as text."""
    t, q = median(cases, w, rt, p), median(cases, w, rt, p, "p99")
    return fmt_time(t) + ("" if q is None else f" (p99 {fmt_time(q)})")


def table(cases, runtimes, rows, cell):
    head = ["workload"] + runtimes
    body = [[label] + [cell(w, rt, p) for rt in runtimes] for label, w, p in rows]
    widths = [max(len(r[i]) for r in [head] + body) for i in range(len(head))]
    line = lambda r: "  ".join(x.ljust(widths[i]) if i == 0 else x.rjust(widths[i])
                               for i, x in enumerate(r))
    out = [line(head), "  ".join("-" * n for n in widths)]
    return "\n".join(out + [line(r) for r in body])


def report(folder, cases, notes, context, nproc):
    runtimes = [rt for rt in RUNTIMES if any(k[1] == rt for k in cases)]
    counts = sorted({1, nproc})
    rows = []
    for w in WORKLOADS:
        for p in counts:
            if any(k[0] == w and k[2] == p and k[1] != "seq" for k in cases):
                rows.append((f"{w} P={p}", w, p))
        if not any(k[0] == w and k[1] != "seq" for k in cases) and (w, "seq", 1) in cases:
            rows.append((w, w, 1))  # measured in seq only (handoff)

    def cell(w, rt, p, stat="median"):
        t = median(cases, w, rt, p, stat)
        base = median(cases, w, "wsched", p, stat)
        if t is None:
            return "-"
        ratio = f" x{t / base:.2f}" if base else ""
        return fmt_time(t) + ratio

    def spread(w, rt, p):
        c = cases.get((w, rt, 1 if rt == "seq" else p))
        if not c or "min" not in c:
            return "-"
        return f"{fmt_time(c['min'])} .. {fmt_time(c['max'])}"

    out = []
    out.append(f"machine: {context.get('host_name', '?')}, {context.get('num_cpus', '?')} CPUs "
               f"at {context.get('mhz_per_cpu', '?')} MHz; {context.get('date', '')}")
    noise = os.path.join(folder, "interference.txt")
    if os.path.exists(noise):
        with open(noise) as f:
            out.append(f.read().strip())
    out.append("\nMedian time (x ratio to wsched; < 1 is faster than wsched); "
               "P = workers, seq = one thread")
    out.append(table(cases, runtimes, rows, cell))
    out.append("\nSpread over the repetitions (min .. max)")
    out.append(table(cases, runtimes, rows, spread))
    lat = [r for r in rows if r[1] in LATENCY]
    if lat:
        out.append("\n99th percentile of each repetition's samples, median over the repetitions "
                   "(x ratio to wsched)")
        out.append(table(cases, runtimes, lat, lambda w, rt, p: cell(w, rt, p, "p99")))

    out.append("\nSpawn cost on one worker, ns per spawn = (1-worker time - seq time) / spawns"
               " (matmul left out: 4,680 spawns in 2 GFLOP)")
    cost_rows = [(w, w, 1) for w in RECURSIVE if w != "matmul1024"]

    def spawn_cost(w, rt, p):
        c, s = cases.get((w, rt, 1)), median(cases, w, "seq", 1)
        if not c or s is None or not c.get("items") or rt == "seq":
            return "-"
        return f"{(c['median'] - s) / c['items'] * 1e9:.1f}"
    par = [rt for rt in runtimes if rt != "seq"]
    out.append(table(cases, par, cost_rows, spawn_cost))

    top = max(counts)
    out.append(f"\nSpeedup at P={top} (1-worker time / {top}-worker time) and Mtasks/s at P={top}")

    def speedup(w, rt, p):
        t1, tp = median(cases, w, rt, 1), median(cases, w, rt, top)
        c = cases.get((w, rt, top))
        if t1 is None or tp is None or not c:
            return "-"
        rate = f" {c['items'] / tp / 1e6:.3g}M/s" if c.get("items") else ""
        return f"{t1 / tp:.2f}x{rate}"
    out.append(table(cases, par, [(w, w, 1) for w in RECURSIVE], speedup))

    out.append("\nTargets (issue 4)")
    out.extend(targets(cases, top))
    out.append("\nTargets (issue 10: fork-join inline)")
    out.extend(targets_inline(cases, top))
    cold = load_cold(folder)
    if cold:
        ps = sorted({k[2] for k in cold})
        rts = [rt for rt in RUNTIMES if any(k[1] == rt for k in cold)]
        out.append("\nFresh process per run (cold allocator, page faults included): "
                   "median (min .. max) of "
                   + str(max(c["runs"] for c in cold.values())) + " runs")
        for w in COLD:
            for p in ps:
                row = [f"{w}/P={p}".ljust(16)]
                for rt in rts:
                    c = cold.get((w, rt, p))
                    row.append(f"{rt} " + ("-" if not c else
                               f"{fmt_time(c['median'])} ({fmt_time(c['min'])} .. "
                               f"{fmt_time(c['max'])})"))
                out.append("  " + "   ".join(row))
        out.append("\nTargets (issue 11: work from any thread, fresh processes)")
        out.extend(targets_outside(cases, cold, ps, top))
    for rt in runtimes:
        if rt in notes:
            out.append(f"note {rt}: {notes[rt]}")
    return "\n".join(out)


def targets(cases, p2):
    res = []

    def check(name, ok, detail):
        state = "n/a " if ok is None else ("PASS" if ok else "MISS")
        res.append(f"  [{state}] {name}: {detail}")

    def cost(rt):
        c, s = cases.get(("fib35", rt, 1)), median(cases, "fib35", "seq", 1)
        if not c or s is None or not c.get("items"):
            return None
        return (c["median"] - s) / c["items"] * 1e9

    w, t, m = cost("wsched"), cost("tbb"), cost("mutex")
    if None in (w, t, m):
        check("spawn cost fib(35)", None, "missing data")
    else:
        check("spawn cost fib(35), 1 worker <= 2 ns, >= 20x cheaper than tbb and mutex",
              w <= 2 and w * 20 <= t and w * 20 <= m,
              f"wsched {w:.2f} ns, tbb {t:.1f} ns ({t / w:.0f}x), "
              f"mutex {m:.1f} ns ({m / w:.0f}x)")
    t1, t2 = median(cases, "fib35", "wsched", 1), median(cases, "fib35", "wsched", 2)
    check("fib(35) speedup at 2 workers >= 1.9x", None if None in (t1, t2) else t1 / t2 >= 1.9,
          "-" if None in (t1, t2) else f"{t1 / t2:.3f}x")
    for wl in ("nqueens12", "uts", "skynet"):
        a, b = median(cases, wl, "wsched", 2), median(cases, wl, "tbb", 2)
        check(f"{wl} at 2 workers >= 3x faster than tbb", None if None in (a, b) else b / a >= 3,
              "-" if None in (a, b) else f"{b / a:.2f}x")
    mm = {rt: median(cases, "matmul1024", rt, p2) for rt in RUNTIMES if rt != "seq"}
    mm = {k: v for k, v in mm.items() if v is not None}
    if "wsched" in mm:
        best = min(mm.values())
        check(f"matmul(1024) at P={p2} within 5% of the best", mm["wsched"] <= best * 1.05,
              f"wsched {fmt_time(mm['wsched'])}, best {fmt_time(best)} "
              f"({min(mm, key=mm.get)}), +{(mm['wsched'] / best - 1) * 100:.1f}%")
    e = {rt: median(cases, "ext", rt, p2) for rt in ("wsched", "mutex", "tbb")}
    if None not in e.values():
        check("ext(1M) >= 5x mutex throughput and >= tbb's",
              e["mutex"] / e["wsched"] >= 5 and e["wsched"] <= e["tbb"],
              f"{e['mutex'] / e['wsched']:.2f}x mutex, {e['tbb'] / e['wsched']:.2f}x tbb")
    r = {rt: median(cases, "roundtrip", rt, p2) for rt in ("wsched", "mutex")}
    if None not in r.values():
        check("future round trip median < 20 us and no worse than mutex",
              r["wsched"] < 20e-6 and r["wsched"] <= r["mutex"],
              f"wsched {fmt_time(r['wsched'])}, mutex {fmt_time(r['mutex'])}")
    for w, who in (("wake", "a thread that waits"), ("busy", "a thread that goes on computing")):
        k = median(cases, w, "wsched", p2)
        check(f"work posted to a parked pool by {who} starts within 50 us, median (API.md)",
              None if k is None else k < 50e-6, with_p99(cases, w, "wsched", p2))
    return res


def targets_inline(cases, p2):
    res = []

    def check(name, ok, detail):
        state = "n/a " if ok is None else ("PASS" if ok else "MISS")
        res.append(f"  [{state}] {name}: {detail}")

    c, s = cases.get(("fib35", "wsched", 1)), median(cases, "fib35", "seq", 1)
    if not c or s is None or not c.get("items"):
        check("spawn cost fib(35), 1 worker <= 1.2 ns", None, "missing data")
    else:
        cost = (c["median"] - s) / c["items"] * 1e9
        check("spawn cost fib(35), 1 worker <= 1.2 ns", cost <= 1.2, f"{cost:.2f} ns")
    for wl, limit in (("skynet", 2.6), ("uts", 0.70)):
        t, s = median(cases, wl, "wsched", p2), median(cases, wl, "seq", 1)
        check(f"{wl} at P={p2} <= {limit:.2f} x seq", None if None in (t, s) else t <= limit * s,
              "-" if None in (t, s) else f"{t / s:.2f} x seq ({fmt_time(t)}, seq {fmt_time(s)})")
    t1, t2 = median(cases, "fib35", "wsched", 1), median(cases, "fib35", "wsched", p2)
    check(f"fib(35) speedup at P={p2} >= 1.9x", None if None in (t1, t2) else t1 / t2 >= 1.9,
          "-" if None in (t1, t2) else f"{t1 / t2:.3f}x")
    counts = sorted({k[2] for k in cases if k[0] == "uts-crit" and k[1] == "wsched"})
    check("uts-crit completes at every worker count", bool(counts) or None,
          ", ".join(f"P={p} {fmt_time(median(cases, 'uts-crit', 'wsched', p))}" for p in counts)
          or "missing data")
    for wl in ("nqueens12", "matmul1024"):
        t, s = median(cases, wl, "wsched", p2), median(cases, wl, "seq", 1)
        res.append(f"  [info] {wl} at P={p2}: "
                   + ("-" if None in (t, s) else f"{fmt_time(t)} ({t / s:.2f} x seq); "
                      "compare with the run before the change"))
    return res


def targets_outside(cases, cold, ps, p2):
    res = []

    def check(name, ok, detail):
        state = "n/a " if ok is None else ("PASS" if ok else "MISS")
        res.append(f"  [{state}] {name}: {detail}")

    def c(w, rt, p):
        x = cold.get((w, rt, p))
        return x["median"] if x else None

    for p in ps:
        w, t, m = c("ext", "wsched", p), c("ext", "tbb", p), c("ext", "mutex", p)
        check(f"ext(1M) P={p} <= 0.8 x tbb", None if None in (w, t) else w <= 0.8 * t,
              "-" if None in (w, t) else f"{w / t:.2f} x tbb ({fmt_time(w)}, tbb {fmt_time(t)})")
        check(f"ext(1M) P={p} >= 5x mutex throughput", None if None in (w, m) else m >= 5 * w,
              "-" if None in (w, m) else f"{m / w:.2f}x ({fmt_time(m)} / {fmt_time(w)})")
        g = c("ext-group", "wsched", p)
        check(f"ext(1M) through ws_group_post P={p} >= 8x mutex",
              None if None in (g, m) else m >= 8 * g,
              "-" if None in (g, m) else f"{m / g:.2f}x ({fmt_time(m)} / {fmt_time(g)})")
    k = median(cases, "wake", "wsched", p2)
    check("wake-up of a parked pool median <= 8 us", None if k is None else k <= 8e-6,
          with_p99(cases, "wake", "wsched", p2))
    f = median(cases, "handoff", "seq", 1)
    res.append("  [info] the machine's floor under wake (one futex wake of a thread parked on "
               "the poster's CPU, timed the same way): "
               + ("-" if f is None else with_p99(cases, "handoff", "seq", 1)
                  + ("" if k is None else f"; wsched's wake is {fmt_time(k - f)} above it")))
    for w, what in (("busy", "one task posted to a parked pool by a thread that goes on computing,"
                               " until it starts"),
                    ("burst", f"burst of P={p2} tasks to a parked pool, until the last one starts")):
        rts = [rt for rt in ("wsched", "mutex", "tbb") if median(cases, w, rt, p2) is not None]
        res.append(f"  [info] {what}: "
                   + (", ".join(f"{rt} {with_p99(cases, w, rt, p2)}" for rt in rts) or "-"))
    return res


def plot(cases, folder, nproc):
    """time.png: time per workload by runtime at P = nproc (log scale);
    speedup.png: speedup against worker count, one panel per workload."""
    runtimes = [rt for rt in RUNTIMES if any(k[1] == rt for k in cases)]
    with open(os.path.join(folder, "time.dat"), "w") as f:
        f.write("workload " + " ".join(runtimes) + "\n")
        for w in WORKLOADS:
            vals = [median(cases, w, rt, nproc) for rt in runtimes]
            if any(v is not None for v in vals):
                f.write(w + " " + " ".join("?" if v is None else f"{v * 1e3:.6g}"
                                           for v in vals) + "\n")
    scaling = [w for w in RECURSIVE + ["pfor-auto", "pfor-10k"]
               if any(k[0] == w and k[2] > 1 for k in cases)]
    par = [rt for rt in runtimes if rt != "seq"]
    with open(os.path.join(folder, "speedup.dat"), "w") as f:
        for w in scaling:
            f.write(f"# {w}\nP " + " ".join(par) + "\n")
            for p in range(1, nproc + 1):
                row = []
                for rt in par:
                    t1, tp = median(cases, w, rt, 1), median(cases, w, rt, p)
                    row.append("?" if None in (t1, tp) else f"{t1 / tp:.4g}")
                f.write(f"{p} " + " ".join(row) + "\n")
            f.write("\n\n")
    cols = 3
    rows = (len(scaling) + cols - 1) // cols
    gp = [
        "set terminal pngcairo size 1200,600 font ',10'",
        "set output 'time.png'",
        f"set title 'Median time per workload, P = {nproc} workers (seq: one thread); log scale'",
        "set style data histograms", "set style histogram clustered gap 1",
        "set style fill solid 0.8 border -1", "set logscale y", "set ylabel 'ms'",
        "set xtics rotate by -30", "set key outside right", "set grid ytics",
        "plot for [i=2:%d] 'time.dat' using i:xtic(1) title columnheader(i)" % (len(runtimes) + 1),
        "unset output",
    ]
    if scaling:  # a --filter may leave no scaling workload
        gp += [
            f"set terminal pngcairo size 1200,{350 * rows} font ',10'",
            "set output 'speedup.png'", "unset logscale", "set style data linespoints",
            "unset xtics", "set xtics 1", "set key inside left top",
            f"set multiplot layout {rows},{cols} "
            "title 'Speedup (1-worker time / P-worker time) against workers P'",
        ]
    for i, w in enumerate(scaling):
        gp += [f"set title '{w}'", "set xlabel 'P'", "set ylabel 'speedup'",
               f"set xrange [1:{max(nproc, 2)}]", "set yrange [0:*]",
               "plot for [c=2:%d] 'speedup.dat' index %d using 1:c title columnheader(c), "
               "x title 'ideal' dt 2 lc 'gray'" % (len(par) + 1, i)]
    if scaling:
        gp += ["unset multiplot"]
    with open(os.path.join(folder, "plot.gp"), "w") as f:
        f.write("\n".join(gp) + "\n")
    try:
        subprocess.run(["gnuplot", "plot.gp"], cwd=folder, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"gnuplot failed: {e}", file=sys.stderr)
        return False
    return True


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    folder = sys.argv[1]
    cases, notes, context = load(folder)
    if not cases:
        sys.exit(f"no results in {folder}")
    nproc = max(k[2] for k in cases)
    text = report(folder, cases, notes, context, nproc)
    with open(os.path.join(folder, "table.txt"), "w") as f:
        f.write(text + "\n")
    print(text)
    if plot(cases, folder, nproc):
        print(f"\nplots: {folder}/time.png {folder}/speedup.png")


if __name__ == "__main__":
    main()
