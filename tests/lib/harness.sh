# Integration test harness. Source it first thing from tests/integration/*.sh:
#   . "$(dirname "$0")/../lib/harness.sh"
# It skips (exit 77) when not root, re-executes the test inside private mount
# and network namespaces, points zonekit at a throwaway store on a tmpfs,
# and on exit (pass or fail) stops every zoneadmd the test started and
# removes the test's cgroups, so nothing is left on the host.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
  echo "SKIP: $(basename "$0") needs root" >&2
  exit 77
fi

: "${ZK_BUILD:?ZK_BUILD must point at the build directory}"
: "${ZK_SOURCE:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

if [ -z "${ZK_IN_NS:-}" ]; then
  export ZK_IN_NS=1
  exec unshare --mount --net --propagation private -- bash "$0" "$@"
fi

ZK_TMP=$(mktemp -d /tmp/zk-it.XXXXXX)
mount -t tmpfs -o mode=0755,size=2g zk-test "$ZK_TMP"
mkdir -p "$ZK_TMP/root" "$ZK_TMP/run"
# ZK_STORE_FS=ext4 puts the store on a loop-mounted ext4 (as /var/lib/zonekit
# on a Debian host) instead of the tmpfs; scripts/vm-test.sh sets it.
if [ "${ZK_STORE_FS:-tmpfs}" = ext4 ]; then
  truncate -s 1536m "$ZK_TMP/store.ext4"
  # Debian's defaults (journal, no project quotas), with an inode per 4 KiB:
  # hard_delete.sh fills a store with 3x10^5 files.
  mkfs.ext4 -q -F -i 4096 "$ZK_TMP/store.ext4"
  mount -o loop "$ZK_TMP/store.ext4" "$ZK_TMP/root"
  chmod 0755 "$ZK_TMP/root"
fi
export ZONEKIT_ROOT="$ZK_TMP/root" ZONEKIT_RUN="$ZK_TMP/run" ZONEKIT_CONFIG="$ZK_TMP/zonekit.toml"
export ZONEKIT_CGROUP_PARENT="zonekit-test-$$-$RANDOM"
export PATH="$ZK_BUILD/bin:$PATH"
ip link set lo up

zk_cgroup_dirs() {
  local h
  for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
    [ -d "$h$ZONEKIT_CGROUP_PARENT" ] && echo "$h$ZONEKIT_CGROUP_PARENT"
  done
  return 0
}

# The zones' cgroups still under the test's parent, on any layout.
zk_cgroups_left() {
  local d
  for d in $(zk_cgroup_dirs); do find "$d" -mindepth 1 -type d; done
  return 0
}

zk_cleanup() {
  local rc=$? f pid d p
  set +e
  # Stop supervisors by the pids they recorded (only processes we started).
  for f in "$ZONEKIT_RUN"/zones/*/state.json; do
    [ -f "$f" ] || continue
    pid=$(sed -n 's/.*"zoneadmd_pid": *\([0-9]*\).*/\1/p' "$f")
    [ -n "$pid" ] && [ "$pid" -gt 1 ] && kill -KILL "$pid" 2>/dev/null
  done
  # A supervisor whose state.json was garbled (or never written) is still
  # ours: its command line names this test's run dir.
  for f in /proc/[0-9]*/cmdline; do
    pid=${f#/proc/}; pid=${pid%/cmdline}
    if { tr '\0' ' ' < "$f"; } 2>/dev/null | grep -qF -- "--run-dir $ZONEKIT_RUN/"; then
      kill -KILL "$pid" 2>/dev/null
    fi
  done
  # A zone's systemd scope (zonekit.toml [cgroup] manager): systemd stops
  # it, killing what is left in it.
  for f in "$ZONEKIT_RUN"/zones/*/spec.json; do
    [ -f "$f" ] || continue
    d=$(sed -n 's/.*"cgroup_unit": *"\(zonekit-[0-9a-f-]*\.scope\)".*/\1/p' "$f")
    [ -n "$d" ] && systemctl stop "$d" 2>/dev/null
  done
  # Anything still in the test's cgroups belongs to the test: kill it.
  for d in $(zk_cgroup_dirs); do
    for i in 1 2 3 4 5 6 7 8 9 10; do
      p=$(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null)
      [ -z "$p" ] && break
      kill -KILL $p 2>/dev/null
      sleep 0.1
    done
    find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  ${ZK_EXTRA_CLEANUP:-true}
  mountpoint -q "$ZK_TMP/root" && umount -l "$ZK_TMP/root"
  umount -l "$ZK_TMP" 2>/dev/null
  rmdir "$ZK_TMP" 2>/dev/null
  case $rc in
    0) echo "PASS: $(basename "$0")" ;;
    77) echo "SKIP: $(basename "$0")" ;;
    *) echo "FAIL: $(basename "$0") (exit $rc)" ;;
  esac
  exit $rc
}
trap zk_cleanup EXIT

# `cmake --install` writes install_manifest.txt into the build tree: where
# that tree is read-only (scripts/vm-test.sh shares the host's root so), an
# overlay in the test's own mount namespace takes the write.
zk_writable_build() {
  [ -w "$ZK_BUILD" ] && return 0
  mkdir -p "$ZK_TMP/build-upper" "$ZK_TMP/build-work"
  mount -t overlay zk-build -o "lowerdir=$ZK_BUILD,upperdir=$ZK_TMP/build-upper,workdir=$ZK_TMP/build-work" "$ZK_BUILD"
}

# --- assertions -------------------------------------------------------------
zk_fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_eq ACTUAL EXPECTED [what]
expect_eq() { [ "$1" == "$2" ] || zk_fail "${3:-value}: expected '$2', got '$1'"; }
# expect_rc RC cmd...: run cmd, require its exit code
expect_rc() {
  local want=$1 got=0; shift
  "$@" >"$ZK_TMP/out" 2>"$ZK_TMP/err" || got=$?
  [ "$got" == "$want" ] || { cat "$ZK_TMP/out" "$ZK_TMP/err" >&2; zk_fail "'$*' exited $got, expected $want"; }
}
# expect_contains FILE TEXT
expect_contains() { grep -qF -- "$2" "$1" || { cat "$1" >&2; zk_fail "$1 lacks '$2'"; }; }
