#!/usr/bin/env bash
# Per-step latency of one sparse zone with a nic, on the default layout
# (store on the root file system, run dir on tmpfs) and on an all-tmpfs
# layout, with the fsyncs each step issues. Prints a table and the ratios
# the project tracks: first boot / later boot, and disk / tmpfs per step.
#
#   bench/steps.sh [--build DIR] [--runs N]
#
# Runs in a throwaway mount + network namespace made here; the disk store is
# a fresh directory under /var/tmp (the root file system on a Debian host),
# removed at the end. Nothing is left on the host.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=$(dirname "$BENCH_DIR")/build RUNS=10
while [ $# -gt 0 ]; do
  case $1 in
    --build) BUILD=$(cd "$2" && pwd); shift ;;
    --runs) RUNS=$2; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "steps.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" = 0 ] || { echo "steps.sh: needs root" >&2; exit 1; }
[ -x "$BUILD/bin/zoneadm" ] || { echo "steps.sh: no zoneadm in $BUILD/bin (build first)" >&2; exit 1; }
command -v strace >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq strace >/dev/null
if [ -z "${STEPS_IN_NS:-}" ]; then
  export STEPS_IN_NS=1
  exec unshare --mount --net --propagation private -- bash "$0" --build "$BUILD" --runs "$RUNS"
fi

export PATH=$BUILD/bin:$PATH ZONEKIT_CGROUP_PARENT="zonekit-bench-$$"
ip link set lo up
tmp=$(mktemp -d /tmp/zk-steps.XXXXXX) disk=$(mktemp -d /var/tmp/zk-steps.XXXXXX)
mount -t tmpfs zk-steps "$tmp"
chmod 0755 "$disk"
cleanup() {
  set +e
  for root in "$tmp/store" "$disk"; do
    for z in $(ZONEKIT_ROOT=$root zoneadm list -H -o uuid 2>/dev/null); do
      ZONEKIT_ROOT=$root zoneadm delete "$z" >/dev/null 2>&1
    done
  done
  for d in /sys/fs/cgroup/*/"$ZONEKIT_CGROUP_PARENT" /sys/fs/cgroup/"$ZONEKIT_CGROUP_PARENT"; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  umount -l "$tmp"; rmdir "$tmp"; rm -rf "$disk"
}
trap cleanup EXIT
cat >"$tmp/zonekit.toml" <<'TOML'
[nic_tags.bench]
bridge = "zkbench0"
subnet = "10.77.0.0/16"
gateway = "10.77.0.1"
TOML
export ZONEKIT_CONFIG=$tmp/zonekit.toml
echo '{"alias": "st", "brand": "sparse", "nics": [{"nic_tag": "bench"}]}' >"$tmp/zone.json"

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
# step NAME CMD...: add CMD's wall time to NAME's sum; with COUNT=1 run it
# under strace instead and record its fsyncs (that run is not timed). A
# boot is not counted: strace -f would follow the zone's zoneadmd, which
# outlives the command.
declare -A sum cnt
step() {
  local name=$1 t; shift
  if [ "${COUNT:-0}" = 1 ] && [[ $name == *boot ]]; then
    "$@" >/dev/null; cnt[$layout.$name]=-
  elif [ "${COUNT:-0}" = 1 ]; then
    strace -f -qq -c -o "$tmp/strace.out" -e trace=fsync,fdatasync,syncfs,sync_file_range "$@" >/dev/null
    cnt[$layout.$name]=$(awk '$NF ~ /^(fsync|fdatasync|syncfs|sync_file_range)$/ {n += $4} END {print n + 0}' "$tmp/strace.out")
  else
    t=$(date +%s%N); "$@" >/dev/null; sum[$layout.$name]=$(( ${sum[$layout.$name]:-0} + $(ms "$t") ))
  fi
}
cycle() {
  step create zoneadm create -f "$tmp/zone.json"
  step first_boot zoneadm boot st
  step zlogin zlogin st true
  step halt zoneadm halt st
  step boot zoneadm boot st
  zoneadm halt st >/dev/null
  step delete zoneadm delete st
}
STEPS="create first_boot boot zlogin halt delete"
for layout in disk tmpfs; do
  if [ $layout = disk ]; then export ZONEKIT_ROOT=$disk/store; else export ZONEKIT_ROOT=$tmp/store; fi
  export ZONEKIT_RUN=$tmp/run-$layout
  cycle  # warm-up
  for _ in $(seq "$RUNS"); do cycle; done
  COUNT=1 cycle
done

avg() { echo $(( ${sum[$1.$2]} / RUNS )); }
printf '%-11s %8s %8s %7s %8s %8s\n' step disk_ms tmpfs_ms ratio fsync_d fsync_t
for s in $STEPS; do
  d=$(avg disk "$s") t=$(avg tmpfs "$s")
  printf '%-11s %8d %8d %7s %8s %8s\n' "$s" "$d" "$t" "$(echo "scale=2; $d / $((t == 0 ? 1 : t))" | bc)" \
    "${cnt[disk.$s]}" "${cnt[tmpfs.$s]}"
done
for layout in disk tmpfs; do
  printf 'first boot / later boot (%s): %s\n' "$layout" \
    "$(echo "scale=2; $(avg $layout first_boot) / $(avg $layout boot)" | bc)"
done
