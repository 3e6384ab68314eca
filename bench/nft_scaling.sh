#!/usr/bin/env bash
# Does programming one zone's anti-spoofing table get slower as more zones
# have tables? Builds bench/nft_scaling.cpp and runs it as root in a
# throwaway network namespace: it fills in 1, 100, 1000 zone tables (each
# with its host port, a veth, as the netdev chains need) through the library
# and at each size times apply_antispoof + remove_antispoof of one more zone
# and antispoof_counters of one zone (medians), printing each against the
# first size. Flat ratios are the goal; sizes past 1024 show there is no
# ceiling. Leaves nothing behind: the ports and tables die with the
# namespace.
#   bench/nft_scaling.sh [REPS] [N...]      (default: 20 1 100 1000)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${ZK_BUILD:-$here/build}
if [ "$(id -u)" != 0 ]; then
  echo "nft_scaling: needs root (it makes a network namespace)" >&2
  exit 1
fi
[ -f "$build/CMakeCache.txt" ] || cmake -S "$here" -B "$build" -G Ninja >/dev/null
cmake --build "$build" --target nft_scaling >/dev/null
exec unshare --net -- "$build/bench/nft_scaling" "$@"
