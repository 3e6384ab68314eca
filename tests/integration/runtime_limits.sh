#!/usr/bin/env bash
# cgroup limits on a running zone: OOM inside the zone, fork bomb at
# max_lwps, live update.
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/zonectl.sh"

U=bbbbbbbb-0000-4000-8000-000000000001
run=$(ZK_MEM=$((64 << 20)) ZK_PIDS=40 zk_write_spec $U 6)
expect_rc 0 zonectl boot "$run"
read -r _ init _ < <(zonectl status "$run")

# the cgroup file that holds a limit (v1 or v2 layout): memory and pids
# are the zone's payload leaf's, zoneadmd's leaf beside it is not limited
cg_file() {  # cg_file v1-controller v1-file v2-file
  local d=/sys/fs/cgroup/$1/$ZONEKIT_CGROUP_PARENT/$U/payload
  if [ -f "$d/$2" ]; then echo "$d/$2"; else echo "/sys/fs/cgroup/$ZONEKIT_CGROUP_PARENT/$U/payload/$3"; fi
}
mem=$(cg_file memory memory.limit_in_bytes memory.max)
pids=$(cg_file pids pids.max pids.max)
expect_eq "$(cat "$mem")" $((64 << 20)) "memory limit at boot"
expect_eq "$(cat "$pids")" 40 "pids limit at boot"

# a memory hog is OOM-killed; the zone and its init stay up
expect_rc 137 zlogin $U perl -e '$x = "a" x (256 * 1024 * 1024); print "survived\n"'
read -r state init2 alive < <(zonectl status "$run")
expect_eq "$state $init2 $alive" "running $init alive" "zone after OOM"
expect_eq "$(zlogin $U echo up)" up "zlogin after OOM"

# a fork bomb stops at max_lwps, the host keeps its pids, halt still works
zlogin $U sh -c 'while :; do /bin/sleep 100 & done' >/dev/null 2>&1 &
bomb=$!
# Until the bomb reaches the limit (seconds here, longer under emulation).
for _ in $(seq 1 100); do
  sleep 0.2
  cur=$(cat "$(dirname "$pids")/pids.current")
  [ "$cur" -ge 35 ] && break
done
sleep 0.5
cur=$(cat "$(dirname "$pids")/pids.current")
[ "$cur" -le 40 ] || zk_fail "pids.current $cur above max_lwps 40"
[ "$cur" -ge 35 ] || zk_fail "fork bomb did not reach max_lwps (pids.current $cur)"
base=$((1000000 + 65536 * 6))
zone_procs=$(ps -e -o uid= | awk -v b=$base '$1 >= b && $1 < b + 65536' | wc -l)
[ "$zone_procs" -le 40 ] || zk_fail "$zone_procs host processes run with the zone's uids"
start=$(date +%s)
expect_rc 0 zonectl halt "$run"
[ $(( $(date +%s) - start )) -le 10 ] || zk_fail "halt took too long under a fork bomb"
wait $bomb 2>/dev/null || true
zk_assert_clean $U "$run"

# live update of a running zone's limits
expect_rc 0 zonectl boot "$run"
expect_rc 0 zonectl limits "$run" memory_bytes=$((96 << 20)) swap_bytes=$((96 << 20)) pids_max=77
expect_eq "$(cat "$mem")" $((96 << 20)) "memory limit after update"
expect_eq "$(cat "$pids")" 77 "pids limit after update"
expect_contains "$run/spec.json" '"pids_max": 77'
expect_rc 0 zonectl halt "$run"
zk_assert_clean $U "$run"
