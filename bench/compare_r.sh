#!/usr/bin/env bash
# prrt against R on the same machine in the same run; writes the table to docs/performance.md.
#   bench/compare_r.sh [N...]     default: 100000 1000000 10000000
# Needs scripts/install-deps.sh --dev (R, survival, data.table). Takes about 15 minutes at 10^7 rows.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-100000 1000000 10000000}")
read -r -a sizes <<<"${sizes[*]}"
scripts/install-deps.sh --dev
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRRT_BUILD_TESTS=ON -DPRRT_BUILD_BENCHMARKS=ON >/dev/null
cmake --build build --target prrt stats_bench >/dev/null
work=$(mktemp -d /tmp/prrt-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
Rscript bench/make_data.R "$work" "${sizes[@]}"
# Three repetitions in each of three processes (report.py takes the median of the nine: on this virtual
# machine a whole process can run slow), on all cores and on one (PRRT_THREADS=1).
bench_args=(--benchmark_format=json --benchmark_min_time=1 --benchmark_repetitions=3
  --benchmark_filter='BM_(KaplanMeier|KaplanMeierSummary|LogRank|Cox3|Cox3Robust)/')
for run in 1 2 3; do
  build/bench/stats_bench "${bench_args[@]}" >"$work/bench_all_$run.json" 2>/dev/null
  PRRT_THREADS=1 build/bench/stats_bench "${bench_args[@]}" >"$work/bench_one_$run.json" 2>/dev/null
done
# Each prrt process three times (report.py takes the median time and the largest peak memory).
for n in "${sizes[@]}"; do
  f="$work/surv_$n.csv"
  for run in 1 2 3; do
    /usr/bin/time -a -f '%e %M' -o "$work/km_$n.time" build/src/prrt stats km --input "$f" --time time \
      --event status --group group --summary --json >"$work/km_$n.json"
    # The whole table too, printed (JSON) and thrown away: what holding every row costs.
    /usr/bin/time -a -f '%e %M' -o "$work/kmt_$n.time" build/src/prrt stats km --input "$f" --time time \
      --event status --group group --json >/dev/null
    /usr/bin/time -a -f '%e %M' -o "$work/lr_$n.time" build/src/prrt stats logrank --input "$f" --time time \
      --event status --group group --json >"$work/lr_$n.json"
    # Cox where R's coxph is timed (to 10^6 rows): two normal covariates and a 0/1 one.
    if ((n <= 1000000)); then
      /usr/bin/time -a -f '%e %M' -o "$work/cox_$n.time" build/src/prrt stats cox --input "$f" --time time \
        --event status --covariates x1,x2,x3 --json >"$work/cox_$n.json"
    fi
  done
  stat -c %s "$f" >"$work/size_$n"
done
# R last: after its runs of several gigabytes the machine is slower for a while (the virtual machine takes
# back the freed memory), which measured prrt up to twice as slow when it ran second.
Rscript bench/compare_r.R "$work" "${sizes[@]}"
python3 bench/report.py "$work" "${sizes[@]}" >docs/performance.md
cat docs/performance.md
