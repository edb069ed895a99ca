#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs the CSV fuzzer for SECONDS (default 300).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --fuzz
CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRRT_BUILD_FUZZERS=ON \
  -DPRRT_BUILD_TESTS=OFF -DPRRT_BUILD_BENCHMARKS=OFF
cmake --build build-fuzz --target csv_fuzzer
mkdir -p fuzz/corpus-work
build-fuzz/fuzz/csv_fuzzer -max_total_time="${1:-300}" -max_len=4096 fuzz/corpus-work fuzz/corpus
