#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (the library instrumented too) and runs each for SECONDS (default
# 300) from its seed corpus fuzz/corpus/TARGET, what it finds kept in fuzz/corpus-work/TARGET. The mutations
# follow FUZZ_SEED (default 1), so a run can be repeated; set another to explore further.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --fuzz
CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRRT_BUILD_FUZZERS=ON \
  -DPRRT_BUILD_TESTS=OFF -DPRRT_BUILD_BENCHMARKS=OFF
targets=(csv_fuzzer stats_fuzzer registry_fuzzer protocol_fuzzer)
cmake --build build-fuzz --target "${targets[@]}"
for target in "${targets[@]}"; do
  mkdir -p "fuzz/corpus-work/$target"
  echo "== $target"
  "build-fuzz/fuzz/$target" -seed="${FUZZ_SEED:-1}" -max_total_time="${1:-300}" -max_len=4096 \
    "fuzz/corpus-work/$target" "fuzz/corpus/$target"
done
