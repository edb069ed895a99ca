"""Assembles docs/performance.md from the files bench/compare_r.sh leaves in its work folder."""
import json
import platform
import statistics
import subprocess
import sys

work, sizes = sys.argv[1], [int(float(s)) for s in sys.argv[2:]]
# The fastest fread + survfit on 10^7 rows seen on this machine (3 December 2026), against which a run's ratio
# is also given: R's times vary from run to run by up to twice.
FASTEST_R_SECONDS = 35.77


def medians(paths):
    """The median of each benchmark's repetitions over all the processes' files, in seconds."""
    times = {}
    for path in paths:
        for b in json.load(open(path))["benchmarks"]:
            if b.get("run_type") == "iteration":
                times.setdefault(b["run_name"], []).append(b["real_time"] / 1000.0)
    return {name: statistics.median(seconds) for name, seconds in times.items()}


def process(path):
    """A prrt process's runs (a line "seconds kilobytes" each): the median time and the largest peak memory."""
    runs = [tuple(map(float, line.split()[-2:])) for line in open(path) if line.strip()]
    seconds = sorted(s for s, _ in runs)
    return seconds[len(seconds) // 2], max(kb for _, kb in runs)


bench = medians([f"{work}/bench_all_{run}.json" for run in (1, 2, 3)])
bench_1 = medians([f"{work}/bench_one_{run}.json" for run in (1, 2, 3)])  # PRRT_THREADS=1


def ratio(r, p):
    return f"{r / p:.0f}×" if r and p else "—"


cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True,
                     text=True).stdout.strip()
r_version = subprocess.run(["Rscript", "-e", "cat(R.version.string, 'survival', format(packageVersion('survival')))"],
                           capture_output=True, text=True).stdout.strip()
print("# Performance: prrt against R, same machine, same run\n")
print(f"Written by `bench/compare_r.sh` on {platform.node()} ({cpu}, {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores); "
      f"{r_version}. Data: 3 groups, exponential (continuous) times, about 30% censored, 3 covariates "
      "(`bench/make_data.R`, seed 42). Timings are wall-clock seconds; the ratios are what to read, the "
      "seconds vary with the machine. prrt is measured first and R after it: following R's runs of several "
      "gigabytes this virtual machine is slower for a while, which made prrt's times up to twice as long when "
      "it ran second.\n")
print("## The computation (data already in memory)\n")
print("R: `system.time()` of the call on a data.table (one run). prrt: Google Benchmark "
      "(`build/bench/stats_bench`), the median of nine repetitions, three in each of three processes, on all "
      "cores (sorting and building the tables use them; R's survival uses one). On this virtual machine a whole "
      "process can run slow (Cox at 10^6 rows took 161, 168, 253 and 458 ms in four processes one after "
      "another on 4 December 2026), hence the three. The first repetition in a process pays the virtual "
      "machine's first touch of the memory, which varies from run to run (at 10^7 rows, 1–2 s on top for the "
      "full table). The last table gives the same on one thread (`PRRT_THREADS=1`).\n")
print("| rows | R survfit | prrt KM (table) | ratio | prrt KM (medians only) | ratio | R survdiff | prrt log-rank | ratio | R coxph (3 cov.) | prrt Cox | ratio |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
rows = {}
for n in sizes:
    r = json.load(open(f"{work}/r_{n}.json"))
    rows[n] = r
    km = bench.get(f"BM_KaplanMeier/{n}")
    kms = bench.get(f"BM_KaplanMeierSummary/{n}")
    lr = bench.get(f"BM_LogRank/{n}")
    cox = bench.get(f"BM_Cox3/{n}")
    fmt = lambda v: f"{v:.3f}" if v is not None else "—"
    print(f"| {n:,} | {fmt(r['survfit_s'])} | {fmt(km)} | {ratio(r['survfit_s'], km)} | {fmt(kms)} | "
          f"{ratio(r['survfit_s'], kms)} | {fmt(r['survdiff_s'])} | {fmt(lr)} | {ratio(r['survdiff_s'], lr)} | "
          f"{fmt(r['coxph_s'])} | {fmt(cox)} | {ratio(r['coxph_s'], cox)} |")
print("\nOn one thread (`PRRT_THREADS=1`):\n")
print("| rows | prrt KM (table) | ratio | prrt KM (medians only) | ratio | prrt log-rank | ratio | prrt Cox | ratio |")
print("|---|---|---|---|---|---|---|---|---|")
for n in sizes:
    r = rows[n]
    km, kms = bench_1.get(f"BM_KaplanMeier/{n}"), bench_1.get(f"BM_KaplanMeierSummary/{n}")
    lr, cox = bench_1.get(f"BM_LogRank/{n}"), bench_1.get(f"BM_Cox3/{n}")
    fmt = lambda v: f"{v:.3f}" if v is not None else "—"
    print(f"| {n:,} | {fmt(km)} | {ratio(r['survfit_s'], km)} | {fmt(kms)} | {ratio(r['survfit_s'], kms)} | "
          f"{fmt(lr)} | {ratio(r['survdiff_s'], lr)} | {fmt(cox)} | {ratio(r['coxph_s'], cox)} |")
print("\nCox with the robust variance, each row its own cluster (R's `coxph(robust = TRUE)`, prrt's `--robust`: the "
      "fit plus the score residuals at the estimate and at 0), on all cores and the same data:\n")
print("| rows | R coxph | R coxph, robust | R's cost of robust | prrt Cox | prrt Cox, robust | prrt's cost of robust | "
      "ratio (robust) |")
print("|---|---|---|---|---|---|---|---|")
for n in sizes:
    r = rows[n]
    cox, coxr = bench.get(f"BM_Cox3/{n}"), bench.get(f"BM_Cox3Robust/{n}")
    if not (cox and coxr):
        continue
    r_cox, r_coxr = r.get("coxph_s"), r.get("coxph_robust_s")
    fmt = lambda v: f"{v:.3f}" if v is not None else "—"
    r_cost = f"{r_coxr / r_cox:.1f}×" if r_cox and r_coxr else "—"
    print(f"| {n:,} | {fmt(r_cox)} | {fmt(r_coxr)} | {r_cost} | {cox:.3f} | {coxr:.3f} | {coxr / cox:.1f}× | "
          f"{ratio(r_coxr, coxr)} |")
print("\nR's robust fit is timed at 10^5 rows only: survival 3.5-3 computes the score residuals in O(n²) time (its "
      "C code was made O(np) in April 2023, after the version Debian 12 ships), so at 10^6 it would take the better "
      "part of an hour.")
print("\n## The whole command on a CSV file\n")
print("R: `fread` + `survfit` (or + `survdiff`). prrt: the process `prrt stats km --summary --json` "
      "(or `prrt stats logrank --json`), timed and its peak resident memory measured by `/usr/bin/time`; and "
      "`prrt stats km --json` without `--summary`, every row of the table printed (to /dev/null; R's time does "
      "not include printing its table); each prrt process run three times, the median time and the largest peak "
      "memory shown, R's once (its runs take minutes). Input columns = 13 bytes a row (time 8, event 1, group 4). "
      "On this virtual machine R's times vary from run to run by up to twice: in the runs of 2 and 3 December "
      "2026, `survfit` on 10^7 rows took 34 to 79 s and `survdiff` 28 to 56 s, so a ratio close to a target can "
      "fall on either side of it in one run" +
      (f"; against the fastest `fread` + `survfit` seen at 10^7 rows, {FASTEST_R_SECONDS:.1f} s, the whole table "
       f"printed by this run's prrt is {FASTEST_R_SECONDS / process(f'{work}/kmt_10000000.time')[0]:.1f}× faster"
       if 10000000 in sizes else "") + ".\n")
print("| rows | CSV size | R fread + survfit | prrt stats km | ratio | R fread + survdiff | prrt stats logrank | ratio | prrt peak memory | input columns | memory / columns | prrt stats km, whole table | ratio | its peak memory | memory / columns |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for n in sizes:
    r = rows[n]
    km_s, km_kb = process(f"{work}/km_{n}.time")
    lr_s, lr_kb = process(f"{work}/lr_{n}.time")
    kmt_s, kmt_kb = process(f"{work}/kmt_{n}.time")
    size_mb = int(open(f"{work}/size_{n}").read()) / 1e6
    cols_mb = n * 13 / 1e6
    peak_mb = max(km_kb, lr_kb) / 1e3
    print(f"| {n:,} | {size_mb:.0f} MB | {r['fread_s'] + r['survfit_s']:.2f} | {km_s:.2f} | "
          f"{ratio(r['fread_s'] + r['survfit_s'], km_s)} | {r['fread_s'] + r['survdiff_s']:.2f} | {lr_s:.2f} | "
          f"{ratio(r['fread_s'] + r['survdiff_s'], lr_s)} | {peak_mb:.0f} MB | {cols_mb:.0f} MB | {peak_mb / cols_mb:.1f} | "
          f"{kmt_s:.2f} | {ratio(r['fread_s'] + r['survfit_s'], kmt_s)} | {kmt_kb / 1e3:.0f} MB | {kmt_kb / 1e3 / cols_mb:.1f} |")
cox_sizes = [n for n in sizes if rows[n]["coxph_s"]]
if cox_sizes:
    print("\n`prrt stats cox --covariates x1,x2,x3 --json` (two normal covariates and a 0/1 one; a covariate "
          "column is numbers or labels as the file has it, as R's `fread` decides), timed as above, against R's "
          "`fread` + `coxph` (Efron ties, both). Input columns = 33 bytes a row (time, event and the three "
          "covariates).\n")
    print("| rows | R fread + coxph | prrt stats cox | ratio | prrt peak memory | input columns | memory / columns |")
    print("|---|---|---|---|---|---|---|")
    for n in cox_sizes:
        r = rows[n]
        cox_s, cox_kb = process(f"{work}/cox_{n}.time")
        cols_mb = n * 33 / 1e6
        print(f"| {n:,} | {r['fread_s'] + r['coxph_s']:.2f} | {cox_s:.2f} | {ratio(r['fread_s'] + r['coxph_s'], cox_s)} | "
              f"{cox_kb / 1e3:.0f} MB | {cols_mb:.0f} MB | {cox_kb / 1e3 / cols_mb:.1f} |")
print("\n## Same answers\n")
for n in sizes:
    r = rows[n]
    km = json.load(open(f"{work}/km_{n}.json"))
    lr = json.load(open(f"{work}/lr_{n}.json"))
    ours = [g["median"] for g in km["groups"]]
    print(f"- {n:,} rows: medians R {r['median']} / prrt {ours}; log-rank χ² R {r['chisq']:.10g} / prrt {lr['chisq']:.10g}")
    if r.get("coef"):
        cox = json.load(open(f"{work}/cox_{n}.json"))
        ours_coef = [float(f"{c['coef']:.10g}") for c in cox["coefficients"]]
        print(f"  Cox coefficients R {[float(f'{c:.10g}') for c in r['coef']]} / prrt {ours_coef}")

# The targets of issue #2, from the largest size measured.
n = max(sizes)
r = rows[n]
cox_n = max((m for m in sizes if rows[m]["coxph_s"]), default=None)
km_s, km_kb = process(f"{work}/km_{n}.time")
memory_ratio = km_kb / 1e3 / (n * 13 / 1e6)
kmt_s, kmt_kb = process(f"{work}/kmt_{n}.time")
whole_table_memory_ratio = kmt_kb / 1e3 / (n * 13 / 1e6)
checks = [
    ("KM (the full table) ≥ 50× faster than R's survfit", f"{r['survfit_s'] / bench[f'BM_KaplanMeier/{n}']:.0f}×",
     r['survfit_s'] / bench[f'BM_KaplanMeier/{n}'] >= 50),
    ("KM (medians only, `--summary`) ≥ 50× faster than R's survfit",
     f"{r['survfit_s'] / bench[f'BM_KaplanMeierSummary/{n}']:.0f}×",
     r['survfit_s'] / bench[f'BM_KaplanMeierSummary/{n}'] >= 50),
    ("log-rank ≥ 50× faster than R's survdiff", f"{r['survdiff_s'] / bench[f'BM_LogRank/{n}']:.0f}×",
     r['survdiff_s'] / bench[f'BM_LogRank/{n}'] >= 50),
    ("`prrt stats km` process ≥ 10× faster than fread + survfit", f"{(r['fread_s'] + r['survfit_s']) / km_s:.0f}×",
     (r['fread_s'] + r['survfit_s']) / km_s >= 10),
    ("`prrt stats km --json` process, every row of the table printed, ≥ 10× faster than fread + survfit",
     f"{(r['fread_s'] + r['survfit_s']) / kmt_s:.0f}×", (r['fread_s'] + r['survfit_s']) / kmt_s >= 10),
    ("peak memory ≤ 2 × the input columns (`--summary`)", f"{memory_ratio:.1f}×", memory_ratio <= 2),
    ("peak memory ≤ 2 × the input columns (the whole table printed)", f"{whole_table_memory_ratio:.1f}×",
     whole_table_memory_ratio <= 2),
]
if cox_n:
    ratio_cox = rows[cox_n]["coxph_s"] / bench[f"BM_Cox3/{cox_n}"]
    checks.append((f"Cox (3 covariates, {cox_n:,} rows) ≥ 20× faster than coxph", f"{ratio_cox:.0f}×", ratio_cox >= 20))
print(f"\n## Against the targets of issue #2 ({n:,} rows)\n")
print("| target | measured | met |")
print("|---|---|---|")
for what, measured, met in checks:
    print(f"| {what} | {measured} | {'yes' if met else 'no'} |")
print("\nReproduce: `bench/compare_r.sh` (about 15 minutes; needs `scripts/install-deps.sh --dev`).")
print("\nThe exact r × c Fisher test against R's FEXACT: [performance-fisher.md](performance-fisher.md)"
      " (`bench/fisher_bench.sh`),\nand on 24 random 5 × 5 tables of n = 200: "
      "[performance-fisher-n200.md](performance-fisher-n200.md)\n(`bench/fisher_n200_sweep.sh`).")
