#!/usr/bin/env bash
# The exact r x c Fisher test on random 5 x 5 tables of n = 200, prrt against R's fisher.test (FEXACT) on the
# same machine in the same run; writes docs/performance-fisher-n200.md. The tables are drawn by R with a fixed
# seed: margins from gamma shares (shape 0.5 to 3.5, so from lopsided to even), cells by r2dtable. Where prrt
# stops at its default limits, it is run again with them raised, to say what the exact p costs.
#   bench/fisher_n200_sweep.sh [TABLES] [R_TIMEOUT_SECONDS] [RAISED_TIMEOUT_SECONDS]   default 24, 30, 180
# Needs scripts/install-deps.sh --dev (R). About half an hour on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-24}
r_timeout=${2:-30}
raised_timeout=${3:-180}
scripts/install-deps.sh --dev
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target prrt >/dev/null
work=$(mktemp -d /tmp/prrt-fisher-n200.XXXXXX)
trap 'rm -rf "$work"' EXIT

Rscript - "$count" >"$work/tables" <<'EOF'
count <- as.integer(commandArgs(trailingOnly = TRUE)[1])
set.seed(2026)
for (k in seq_len(count)) {
  shape <- 0.5 + (k %% 4)
  r <- as.vector(rmultinom(1, 200, rgamma(5, shape)))
  c <- as.vector(rmultinom(1, 200, rgamma(5, shape)))
  r[r == 0] <- 1
  c[c == 0] <- 1
  d <- sum(r) - sum(c)  # the ones added to empty margins, taken back from the largest
  if (d > 0) c[which.max(c)] <- c[which.max(c)] + d else r[which.max(r)] <- r[which.max(r)] - d
  x <- r2dtable(1, r, c)[[1]]
  cat(paste(apply(x, 1, paste, collapse = ","), collapse = ";"), "\n", sep = "")
}
EOF

json_p() { python3 -c 'import json,sys; print("%.10g" % json.load(open(sys.argv[1]))["p"])' "$1"; }
# Runs prrt on table $1 with the further arguments; sets run_p ("stopped" past the limits, "timed out"), run_s
# and run_mb.
run_prrt() {
  local table=$1 limit=$2
  shift 2
  if timeout "$limit" /usr/bin/time -f '%e %M' -o "$work/time" build/src/prrt stats fisher --table "$table" \
    --json "$@" >"$work/out.json" 2>"$work/err"; then
    run_p=$(json_p "$work/out.json")
  elif grep -q "beyond the exact network algorithm" "$work/err"; then
    run_p="stopped"
  else
    run_p="timed out"
  fi
  if [[ $run_p == "timed out" ]]; then
    run_s="> $limit" run_mb="—"
  else
    read -r run_s kb < <(tail -n 1 "$work/time")  # after "Command exited with ..." when it stops
    run_mb=$((kb / 1024))
  fi
}

under_second=0 finished=0 finished_raised=0 r_finished=0
{
  echo "# Fisher's exact test on random 5 x 5 tables of n = 200: prrt against R"
  echo
  echo "\`bench/fisher_n200_sweep.sh\` on $(nproc) cores, $(date -u +%Y-%m-%d): $count tables drawn by R"
  echo "(\`set.seed(2026)\`; margins from gamma shares of shape 0.5 to 3.5, cells by \`r2dtable\`). prrt: the whole"
  echo "\`prrt stats fisher\` process on all cores, one run, wall time and peak memory, with its default limits and,"
  echo "where it stops at them, with \`--max-kept 200000000 --max-made 100000000000\` (stopped after"
  echo "${raised_timeout} s). R: \`fisher.test(x, workspace = 2e8)\`'s own time inside R, stopped after ${r_timeout} s."
  echo
  echo "| # | table | prrt p | prrt time | prrt memory | raised limits: p | time | memory | R p | R time |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  i=0
  while read -r table; do
    i=$((i + 1))
    run_prrt "$table" 600
    ours_p=$run_p ours_s="$run_s s" ours_mb="$run_mb MB"
    raised_p="" raised_s="" raised_mb=""
    if [[ $ours_p == stopped ]]; then
      ours_p="stopped at its limits"
      run_prrt "$table" "$raised_timeout" --max-kept 200000000 --max-made 100000000000
      raised_p=$run_p raised_s="$run_s s" raised_mb="$run_mb MB"
      [[ $raised_p =~ ^[0-9] ]] && finished_raised=$((finished_raised + 1))
    else
      finished=$((finished + 1))
      python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 1 else 1)" "$run_s" && under_second=$((under_second + 1))
    fi
    r_code="x <- matrix(c(${table//;/,}), nrow = 5, byrow = TRUE)
t <- system.time(p <- fisher.test(x, workspace = 2e8)\$p.value)[['elapsed']]
cat(sprintf('%.10g %.2f\n', p, t))"
    if timeout "$r_timeout" Rscript -e "$r_code" >"$work/r.out" 2>"$work/r.err"; then
      read -r r_p r_s <"$work/r.out"
      r_s="$r_s s"
      r_finished=$((r_finished + 1))
    elif grep -q -i "workspace\|LDSTP\|LDKEY" "$work/r.err"; then
      r_p="out of workspace" r_s="—"
    else
      r_p="not finished" r_s="> ${r_timeout} s"
    fi
    echo "| $i | \`$table\` | $ours_p | $ours_s | $ours_mb | $raised_p | $raised_s | $raised_mb | $r_p | $r_s |"
  done <"$work/tables"
  echo
  echo "prrt with its default limits: $finished of $count finished, $under_second of them in under a second;"
  echo "$finished_raised more finished with the limits raised. R: $r_finished of $count finished in ${r_timeout} s."
} >docs/performance-fisher-n200.md
cat docs/performance-fisher-n200.md
