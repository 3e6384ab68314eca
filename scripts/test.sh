#!/usr/bin/env bash
# Install, build, and run every test (unit tests need no root; integration
# tests run as root inside private namespaces and skip otherwise). Then the
# sanitizer job: one clang build with ASan+UBSan runs the unit tests again
# and every libFuzzer target for ZK_FUZZ_SECONDS (default 60) each.
#   scripts/test.sh [ctest args...]   (with args, or ZK_QUICK=1: ctest only)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
ctest --test-dir build --output-on-failure -j2 "$@"
if [ $# -eq 0 ] && [ "${ZK_QUICK:-0}" != 1 ]; then
  ./scripts/fuzz.sh --unit "${ZK_FUZZ_SECONDS:-60}"
fi
