#!/usr/bin/env bash
# Install, build, and run every test (unit tests need no root; integration
# tests run as root inside private namespaces and skip otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
ctest --test-dir build --output-on-failure -j2 "$@"
