#!/usr/bin/env bash
# prrt's exact r x c Fisher test against R's fisher.test (FEXACT) on the same machine in the same run; writes
# the table to docs/performance-fisher.md.
#   bench/fisher_bench.sh [R_TIMEOUT_SECONDS]     default 120 (R takes minutes on some of these tables)
# Needs scripts/install-deps.sh --dev (R).
set -euo pipefail
cd "$(dirname "$0")/.."
r_timeout=${1:-120}
scripts/install-deps.sh --dev
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target prrt >/dev/null
work=$(mktemp -d /tmp/prrt-fisher.XXXXXX)
trap 'rm -rf "$work"' EXIT

# name | table (rows split by ;). The 5 x 5 tables of n = 100 to 200 were drawn by R's r2dtable.
tables=(
  "4 x 4, n = 104 (R's Job satisfaction)|1,2,1,0;3,3,6,1;10,10,14,9;6,7,12,11"
  "2 x 9, n = 40|2,1,2,1,3,4,3,1,1;1,4,2,0,0,2,4,4,5"
  "6 x 4, n = 30|2,1,0,2;2,0,1,2;0,3,2,0;3,2,0,0;2,1,1,1;0,0,3,2"
  "5 x 5, n = 60|2,1,0,3,2;2,3,1,5,1;2,4,1,3,3;4,1,2,3,2;4,1,4,2,4"
  "5 x 5, n = 100|11,9,7,5,2;5,9,5,3,3;5,4,4,4,2;5,4,1,4,0;2,1,1,3,1"
  "5 x 5, n = 100|16,10,7,5,2;4,5,5,6,3;3,1,4,2,2;5,4,2,4,4;2,0,1,2,1"
  "5 x 5, n = 150|12,15,10,11,4;13,7,6,8,3;10,5,3,7,3;9,4,3,2,4;4,1,4,1,1"
  "5 x 5, n = 200, margins all 40|14,6,7,7,6;8,11,8,10,3;6,7,9,9,9;4,8,8,8,12;8,8,8,6,10"
  "5 x 5, n = 200|22,31,8,21,8;4,3,6,11,9;3,6,2,8,2;2,6,2,7,7;7,9,4,9,3"
  "4 x 2, n = 480,000, near independence|60000,60000;60100,59900;59950,60050;60000,60000"
  "3 x 3, n = 45,000, near independence|5000,5000,5000;5000,5025,4975;4995,5005,5000"
)

{
  echo "# Fisher's exact test, r x c: prrt against R"
  echo
  echo "\`bench/fisher_bench.sh\` on $(nproc) cores, $(date -u +%Y-%m-%d). prrt: the whole \`prrt stats fisher\` process"
  echo "(wall time and peak memory, the median of three runs; on all cores, and with PRRT_THREADS=1). R: \`fisher.test(x, workspace = 2e8)\`'s own time inside R (\`system.time\`),"
  echo "stopped after ${r_timeout} s. p-values to 10 significant digits."
  echo
  echo "| table | prrt p | prrt time | prrt, 1 thread | prrt memory | R p | R time | R / prrt |"
  echo "|---|---|---|---|---|---|---|---|"
  for entry in "${tables[@]}"; do
    name=${entry%%|*}
    table=${entry#*|}
    # prrt: the median of three runs (a single run of a fraction of a second is at the VM's mercy), on all
    # cores and on one.
    for threads in "$(nproc)" 1; do
      for run in 1 2 3; do
        if PRRT_THREADS=$threads /usr/bin/time -f '%e %M' -o "$work/time" build/src/prrt stats fisher \
          --table "$table" --json >"$work/out.json" 2>"$work/err"; then
          ours_p=$(python3 -c 'import json,sys; print("%.10g" % json.load(open(sys.argv[1]))["p"])' "$work/out.json")
        else
          ours_p="stopped at its limits"
        fi
        tail -n 1 "$work/time" >"$work/time_$run"  # after "Command exited with ..." when it stops
      done
      read -r seconds kb < <(sort -n "$work"/time_{1,2,3} | sed -n 2p)
      if [[ $threads == 1 ]]; then
        one_thread_s=$seconds
      else
        ours_s=$seconds ours_kb=$kb
      fi
    done
    r_code="x <- matrix(c(${table//;/,}), nrow = $(($(tr -cd ';' <<<"$table" | wc -c) + 1)), byrow = TRUE)
t <- system.time(p <- fisher.test(x, workspace = 2e8)\$p.value)[['elapsed']]
cat(sprintf('%.10g %.2f\n', p, t))"
    if timeout "$r_timeout" Rscript -e "$r_code" >"$work/r.out" 2>"$work/r.err"; then
      read -r r_p r_s <"$work/r.out"
      ratio=$(python3 -c "print('%.1f' % ($r_s / max($ours_s, 0.01)))")
      r_s="$r_s s"
    elif grep -q -i "workspace\|LDSTP\|LDKEY" "$work/r.err"; then
      r_p="out of workspace"; r_s="—"; ratio="—"
    else
      r_p="not finished"; r_s="> ${r_timeout} s"; ratio="> $(python3 -c "print('%.0f' % ($r_timeout / max($ours_s, 0.01)))")"
    fi
    echo "| $name | $ours_p | $ours_s s | $one_thread_s s | $((ours_kb / 1024)) MB | $r_p | $r_s | $ratio |"
  done
} >docs/performance-fisher.md
cat docs/performance-fisher.md
