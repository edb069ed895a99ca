#!/usr/bin/env bash
# The main job on a fresh machine: install, build, then `prrt demo` — simulate a cohort of the paper's size,
# import it into SQLite, run the salvage-PRRT study and write the report (prrt-demo/report/report.html).
#   scripts/demo.sh [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRRT_BUILD_TESTS=OFF -DPRRT_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build --parallel "$(nproc)" --target prrt >/dev/null
build/src/prrt demo "$@"
