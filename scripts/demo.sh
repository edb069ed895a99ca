#!/usr/bin/env bash
# The main job on a fresh machine: install, build, and analyse the bundled example data set
# (Kaplan–Meier by group with medians and 95% CIs, then the log-rank test).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRRT_BUILD_TESTS=OFF -DPRRT_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build --parallel "$(nproc)" --target prrt >/dev/null
example=data/example/veteran.csv
echo "Kaplan–Meier survival by treatment arm ($example)"
build/src/prrt stats km --input "$example" --time time --event status --group trt
echo "Log-rank test"
build/src/prrt stats logrank --input "$example" --time time --event status --group trt
