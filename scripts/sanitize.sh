#!/bin/bash
# Build with AddressSanitizer + UndefinedBehaviorSanitizer into build-asan
# and run the unit tests there.
#   scripts/sanitize.sh [ctest args...]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build-asan
cmake -S "$here" -B "$build" -G Ninja -DZONEKIT_SANITIZE=ON -DZONEKIT_WERROR=ON >/dev/null
cmake --build "$build" -j"${ZK_JOBS:-2}"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$build" -L unit --output-on-failure "$@"
