#!/usr/bin/env bash
# Installs, from Debian's packages only, everything prrt needs to build and test.
# Idempotent: packages already present are left alone.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --fuzz   also clang (the libFuzzer targets, fuzz/run.sh)
#   scripts/install-deps.sh --dev    also R (golden files, benchmarks against R) and clang
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libboost-dev libeigen3-dev libcli11-dev libfmt-dev nlohmann-json3-dev libsqlite3-dev libtomlplusplus-dev
  libxlsxwriter-dev libsodium-dev libcpp-httplib-dev zlib1g-dev libgoogle-perftools-dev libabsl-dev
  chromium sqlite3
  libgtest-dev libgmock-dev libbenchmark-dev
)
if [[ "${1:-}" == "--fuzz" || "${1:-}" == "--dev" ]]; then
  packages+=(clang libclang-rt-14-dev)
fi
if [[ "${1:-}" == "--dev" ]]; then
  packages+=(r-base-core r-cran-survival r-cran-data.table r-cran-jsonlite r-cran-prodlim r-cran-cmprsk valgrind time wrk)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
