#!/usr/bin/env bash
# The cohort explorer's answer time: `prrt serve` on a simulated registry of N patients (default 100,000), each
# /api/km query asked 20 times over loopback after log-in; writes docs/performance-server.md.
#   bench/server_bench.sh [N]
# Issue #6's target: under 200 ms for 100,000 patients.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target prrt >/dev/null
work=$(mktemp -d /tmp/prrt-server-bench.XXXXXX)
port=$((20000 + RANDOM % 20000))
cleanup() { [[ -n ${pid:-} ]] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
build/src/prrt simulate --patients "$n" --seed 7 --db "$work/r.db" >/dev/null 2>&1
build/src/prrt user add --db "$work/r.db" --name bench --role viewer --password 'bench password' >/dev/null
start=$(date +%s.%N)
build/src/prrt serve --db "$work/r.db" --port "$port" 2>/dev/null &
pid=$!
until curl -sf "http://127.0.0.1:$port/api/health" >/dev/null; do sleep 0.2; done
ready=$(echo "$(date +%s.%N) - $start" | bc)
curl -sf -c "$work/jar" -H 'Content-Type: application/json' -d '{"user":"bench","password":"bench password"}' \
  "http://127.0.0.1:$port/api/login" >/dev/null
queries=("endpoint=os&group=cohort" "endpoint=pfs_i&group=tumour" "endpoint=pfs_r&group=grade"
         "endpoint=os&group=cohort&tumour=midgut,pancreatic")
{
  echo "# The cohort explorer's answer time (\`prrt serve\`, \`GET /api/km\`)"
  echo
  echo "Written by \`bench/server_bench.sh $n\` on $(hostname) ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores):"
  echo "a simulated registry of $n patients (seed 7); the server started in ${ready%.*} s (it derives every"
  echo "patient's endpoints once); each query asked 20 times with curl over loopback after log-in. The answer is"
  echo "the whole Kaplan–Meier table of every group (the JSON of \`prrt stats km\`) plus the log-rank test."
  echo
  echo "| query | answer size | median | slowest | under 200 ms |"
  echo "|---|---|---|---|---|"
  for q in "${queries[@]}"; do
    times=()
    for _ in $(seq 20); do
      times+=("$(curl -sf -b "$work/jar" -o "$work/answer.json" -w '%{time_total}' "http://127.0.0.1:$port/api/km?$q")")
    done
    sorted=$(printf '%s\n' "${times[@]}" | sort -g)
    median=$(echo "$sorted" | sed -n 10p)
    slowest=$(echo "$sorted" | tail -1)
    size=$(stat -c %s "$work/answer.json")
    ok=$(echo "$slowest < 0.2" | bc)
    printf '| `%s` | %s kB | %.0f ms | %.0f ms | %s |\n' "$q" $((size / 1024)) "$(echo "$median * 1000" | bc)" \
      "$(echo "$slowest * 1000" | bc)" "$([[ $ok == 1 ]] && echo yes || echo no)"
  done
  echo
  echo "Reproduce: \`bench/server_bench.sh $n\`."
} > docs/performance-server.md
cat docs/performance-server.md
