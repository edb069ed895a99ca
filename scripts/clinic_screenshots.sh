#!/usr/bin/env bash
# Writes docs/clinic-{worklist,patient,cohort}.png: the clinic's pages on the demo's simulated registry, in
# Debian's headless chromium (after scripts/test.sh has installed playwright-core).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target prrt >/dev/null
(cd tests/e2e/clinic && npm ci --no-audit --no-fund >/dev/null)
node tests/e2e/clinic/screenshots.mjs "$PWD/build/src/prrt" "$PWD/docs"
