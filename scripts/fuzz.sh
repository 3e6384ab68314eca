#!/bin/bash
# Build the libFuzzer targets with clang (+ ASan/UBSan) into build-fuzz and
# run each for SECONDS (default 60). Corpora live in build-fuzz/corpus/<target>
# (seeded from manifests/ and tests/fuzz/seeds/<target>/); crashes are
# written to build-fuzz/crashes/ and make the script fail. Inputs in
# tests/fuzz/regressions/<target>/ (past findings) are replayed first.
# With --unit, the same instrumented build also runs the unit tests first
# (the CI's sanitizer job: scripts/test.sh runs `fuzz.sh --unit 60`).
#   scripts/fuzz.sh [--unit] [SECONDS] [TARGET...]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
unit=0
if [ "${1:-}" = --unit ]; then unit=1; shift; fi
secs=${1:-60}
shift || true
cxx=${ZK_CLANG:-}
if [ -z "$cxx" ]; then
  for c in clang++-19 clang++-18 clang++-17 clang++; do
    command -v "$c" >/dev/null && { cxx=$c; break; }
  done
fi
if [ -z "$cxx" ]; then
  # clang 14 lacks std::expected with g++ 12's libstdc++; Debian 12 has 19.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang-19 libclang-rt-19-dev >/dev/null
  cxx=clang++-19
fi
build=$here/build-fuzz
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DZONEKIT_FUZZ=ON -DZONEKIT_SANITIZE=ON >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in "$here"/tests/fuzz/fuzz_*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi
if [ $unit = 1 ]; then
  # Everything, so the unit tests (which need the tools' libraries) build too.
  cmake --build "$build" -j"${ZK_JOBS:-2}"
  echo "== unit tests under ASan+UBSan"
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    ctest --test-dir "$build" -L unit --output-on-failure -j2
else
  cmake --build "$build" -j"${ZK_JOBS:-2}" --target "${targets[@]}"
fi
mkdir -p "$build/crashes"
rc=0
for t in "${targets[@]}"; do
  corpus=$build/corpus/$t
  mkdir -p "$corpus"
  [ -d "$here/tests/fuzz/seeds/$t" ] && cp -n "$here/tests/fuzz/seeds/$t"/* "$corpus"/ 2>/dev/null || true
  case $t in fuzz_manifest|fuzz_store_load) cp -n "$here"/manifests/* "$corpus"/ 2>/dev/null || true ;; esac
  # Inputs that once crashed: must pass before fuzzing starts.
  if [ -d "$here/tests/fuzz/regressions/$t" ]; then
    "$build/fuzz/$t" "$here/tests/fuzz/regressions/$t"/* > "$build/$t.regressions.log" 2>&1 ||
      { echo "$t: a regression input fails again (see $build/$t.regressions.log)"; rc=1; continue; }
  fi
  echo "== $t: ${secs}s"
  if ! "$build/fuzz/$t" -max_total_time="$secs" -print_final_stats=1 \
       -artifact_prefix="$build/crashes/$t-" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
       "$corpus" > "$build/$t.log" 2>&1; then
    echo "$t: FINDING (see $build/$t.log and $build/crashes/)"
    rc=1
  fi
  grep -E "^stat::(number_of_executed_units|peak_rss_mb)|^#[0-9]+.*DONE" "$build/$t.log" || true
  grep -oE "cov: [0-9]+ ft: [0-9]+ corp: [0-9]+" "$build/$t.log" | tail -1 || true
done
exit $rc
