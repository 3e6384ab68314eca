#!/usr/bin/env bash
# Install dependencies (Debian packages) and build zonekit into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build -G Ninja -DZONEKIT_WERROR=ON ${ZONEKIT_CMAKE_ARGS:-} >/dev/null
cmake --build build -j"$(nproc)"
