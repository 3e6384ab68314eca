#!/usr/bin/env bash
# A console flood is the zone's CPU, not the host's: zoneadmd sits in the
# zone's supervisor leaf, so what it spends relaying and logging the flood
# is counted in the zone's cgroup and held under the zone's cpu_cap.
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/zonectl.sh"

U=cccccccc-0000-4000-8000-000000000019
run=$(zk_write_spec $U 9)
# A tight cap: 20% of one CPU.
sed -i 's/"pids_max":200}/"pids_max":200,"cpu_cap_percent":20}/' "$run/spec.json"
expect_contains "$run/spec.json" '"cpu_cap_percent":20'
expect_rc 0 zonectl boot "$run"
read -r _ init _ < <(zonectl status "$run")
zad=$(zk_field "$run" zoneadmd_pid)

# cg HIERARCHY REL: a file of the zone's cgroup, in that v1 hierarchy or
# the unified one.
cg() {
  local h
  for h in "$1" "cpu,$1"; do
    [ -e "/sys/fs/cgroup/$h/$ZONEKIT_CGROUP_PARENT/$U/$2" ] && { echo "/sys/fs/cgroup/$h/$ZONEKIT_CGROUP_PARENT/$U/$2"; return; }
  done
  echo "/sys/fs/cgroup/$ZONEKIT_CGROUP_PARENT/$U/$2"
}
# usage_ns [LEAF/]: CPU time the kernel counted for the zone's node (or a leaf).
usage_ns() {
  local f
  f=$(cg cpuacct "${1:-}cpuacct.usage")
  if [ -f "$f" ]; then cat "$f"; return; fi
  f=$(cg . "${1:-}cpu.stat")
  echo $(( $(sed -n 's/^usage_usec //p' "$f") * 1000 ))
}
# zoneadmd's own CPU time (utime + stime), in ns.
zoneadmd_ns() {
  local -a f
  read -r -a f < <(sed 's/.*) //' "/proc/$zad/stat")
  echo $(( (f[11] + f[12]) * 1000000000 / $(getconf CLK_TCK) ))
}

# zoneadmd in the supervisor leaf, init in payload, nothing in the node.
sup=$(cg pids supervisor/cgroup.procs)
[ -f "$sup" ] || zk_fail "the zone's cgroup has no supervisor leaf ($sup)"
grep -qx "$zad" "$sup" || zk_fail "zoneadmd $zad is not in $sup: $(cat "$sup")"
grep -qx "$init" "$(cg pids payload/cgroup.procs)" || zk_fail "zone init $init is not in the payload leaf"
expect_eq "$(cat "$(cg pids cgroup.procs)")" "" "processes in the zone's node itself"

# The flood: the zone writes its console as fast as it can.
zlogin $U sh -c 'exec yes zonekit-console-flood-zonekit-console-flood >/dev/console' >/dev/null 2>&1 &
flood=$!
stop_flood() { kill "$flood" 2>/dev/null || true; }
ZK_EXTRA_CLEANUP=stop_flood
sleep 1
n0=$(usage_ns); s0=$(usage_ns supervisor/); z0=$(zoneadmd_ns); t0=$(date +%s%N)
sleep 3
n1=$(usage_ns); s1=$(usage_ns supervisor/); z1=$(zoneadmd_ns); t1=$(date +%s%N)
ms() { echo $(( $1 / 1000000 )); }
wall=$(ms $((t1 - t0))); node=$(ms $((n1 - n0))); leaf=$(ms $((s1 - s0))); zd=$(ms $((z1 - z0)))
echo "over ${wall} ms: zone ${node} ms CPU, its supervisor leaf ${leaf} ms, zoneadmd ${zd} ms"
[ -s "$run/console.log" ] || zk_fail "the flood never reached the console log"
# zoneadmd did relay (a 10 ms tick is the counters' grain) ...
[ "$zd" -ge 30 ] || zk_fail "zoneadmd spent only ${zd} ms on the flood"
# ... and that time is the zone's: in its supervisor leaf, within its node ...
[ "$leaf" -ge $((zd * 8 / 10 - 20)) ] || zk_fail "supervisor leaf ${leaf} ms < zoneadmd's ${zd} ms"
[ "$node" -ge "$leaf" ] || zk_fail "zone ${node} ms < its supervisor leaf ${leaf} ms"
# ... under the zone's 20% cap, zoneadmd's relaying included.
[ $((node * 100)) -le $((wall * 25)) ] || zk_fail "zone used ${node} ms of ${wall} ms, above its 20% cap"

stop_flood
wait "$flood" 2>/dev/null || true
expect_rc 0 zonectl halt "$run"
zk_assert_clean $U "$run"
expect_eq "$(zk_cgroups_left)" "" "cgroups left"
zk_wait_gone "$zad" || zk_fail "zoneadmd $zad still runs after halt"
exit 0
