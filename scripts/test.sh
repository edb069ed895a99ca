#!/usr/bin/env bash
# Installs what the tests need (Debian packages; playwright-core from npm for the browser test, which drives
# Debian's chromium), builds, and runs every test. Used by .ci/run.
#   scripts/test.sh             the suite in a release build (build/)
#   PRRT_SANITIZE=1 scripts/test.sh   the same under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)
#   PRRT_SANITIZE=thread scripts/test.sh   the same under ThreadSanitizer (build-tsan/)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
command -v npm >/dev/null || { echo "scripts/test.sh: npm (with Node.js 20) is needed for the browser test" >&2; exit 1; }
(cd tests/e2e/clinic && npm ci --no-audit --no-fund --loglevel=error)
sanitize=${PRRT_SANITIZE:-0}
if [[ "$sanitize" == 1 ]]; then
  dir=build-asan
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPRRT_SANITIZE=ON -DPRRT_BUILD_TESTS=ON -DPRRT_BUILD_BENCHMARKS=OFF
elif [[ "$sanitize" == thread ]]; then
  dir=build-tsan
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRRT_SANITIZE_THREAD=ON -DPRRT_BUILD_TESTS=ON \
    -DPRRT_BUILD_BENCHMARKS=OFF
else
  dir=build
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRRT_BUILD_TESTS=ON -DPRRT_BUILD_BENCHMARKS=ON
fi
cmake --build "$dir" --parallel "$(nproc)"
# Under the sanitizers the calibration test (200,000 simulated patients, about a minute in the release build)
# is left out: the smaller simulator and study tests run the same code there.
exclude=()
[[ "$sanitize" != 0 ]] && exclude=(-E 'SimulatorCalibration')
ctest --test-dir "$dir" --output-on-failure --parallel "$(nproc)" "${exclude[@]}"
