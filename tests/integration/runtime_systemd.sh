#!/usr/bin/env bash
# Under systemd (pid 1, pure cgroup2): a zone's cgroup is the transient
# scope zonekit-<uuid>.scope in machine.slice that zoneadmd asks systemd
# for (cgroup_systemd.hpp), with the zone's node and its limits inside it;
# a zoneadmd killed with SIGKILL leaves the scope running, and its
# successor joins the scope's supervisor leaf; halt leaves no unit and no
# cgroup. Skips on hosts without systemd (scripts/vm-test.sh --systemd runs
# it under Debian's kernel with systemd as pid 1).
if [ ! -d /run/systemd/system ] || [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
  echo "SKIP: $(basename "$0"): systemd is not pid 1 on a pure cgroup2 host" >&2
  exit 77
fi
. "$(dirname "$0")/../lib/harness.sh"
export ZONEKIT_CGROUP_MANAGER=systemd

printf '{"alias": "sd1", "max_physical_memory": 96, "max_lwps": 77, "cpu_cap": 50}\n' | zoneadm create -f - >/dev/null
U=$(zoneadm get sd1 | jq -r .uuid)
UNIT=zonekit-$U.scope
SCOPE=/sys/fs/cgroup/machine.slice/$UNIT
expect_rc 0 zoneadm boot sd1
spec=$ZONEKIT_RUN/zones/$U/spec.json
expect_eq "$(jq -r .cgroup_unit "$spec")" "$UNIT" "spec's unit"
expect_eq "$(jq -r .cgroup_path "$spec")" "machine.slice/$UNIT/zone" "spec's cgroup path"

show() { systemctl show -P "$1" "$UNIT"; }
expect_eq "$(show ActiveState)" active "unit state"
expect_eq "$(show Delegate)" yes "Delegate"
expect_eq "$(show Slice)" machine.slice "Slice"
expect_eq "$(show ControlGroup)" "/machine.slice/$UNIT" "ControlGroup"
expect_eq "$(show CollectMode)" inactive-or-failed "CollectMode"

# The zone's node inside the scope, its limits there; the scope holds no
# process and no limit of ours.
expect_eq "$(cat "$SCOPE/cgroup.procs")" "" "processes in the scope's own cgroup"
expect_eq "$(cat "$SCOPE/zone/cgroup.procs")" "" "processes in the zone's node"
expect_eq "$(cat "$SCOPE/zone/payload/memory.max")" $((96 << 20)) "memory.max in payload"
expect_eq "$(cat "$SCOPE/zone/payload/pids.max")" 77 "pids.max in payload"
expect_eq "$(cat "$SCOPE/zone/cpu.max")" "50000 100000" "cpu.max on the node"
expect_eq "$(cat "$SCOPE/memory.max")" max "scope's memory.max untouched"
zp=$(sed -n 's/.*"zoneadmd_pid": *\([0-9]*\).*/\1/p' "$ZONEKIT_RUN/zones/$U/state.json")
init=$(sed -n 's/.*"init_pid": *\([0-9]*\).*/\1/p' "$ZONEKIT_RUN/zones/$U/state.json")
grep -qx "0::/machine.slice/$UNIT/zone/supervisor" /proc/$zp/cgroup || zk_fail "zoneadmd not in the supervisor leaf: $(cat /proc/$zp/cgroup)"
grep -qx "0::/machine.slice/$UNIT/zone/payload" /proc/$init/cgroup || zk_fail "init not in payload: $(cat /proc/$init/cgroup)"
expect_eq "$(zlogin sd1 cat /sys/fs/cgroup/memory.max)" $((96 << 20)) "the zone sees its limit"
zoneadm info sd1 >"$ZK_TMP/info" || zk_fail "zoneadm info"
# zonestat reads the zone's counters where its spec puts the cgroup.
lwps=$(zonestat -j -z sd1 0.5 1 | jq -r '.[0].lwps')
[ "$lwps" != null ] && [ "$lwps" -ge 1 ] || zk_fail "zonestat measured no lwps in the scope ($lwps)"

# kill -9 of zoneadmd: the scope and the zone live on; the next command adopts.
kill -KILL "$zp"
for _ in $(seq 100); do kill -0 "$zp" 2>/dev/null || break; sleep 0.05; done
kill -0 "$init" || zk_fail "the zone died with its zoneadmd"
expect_eq "$(show ActiveState)" active "unit after kill -9"
expect_eq "$(zlogin sd1 echo adopted)" adopted "zlogin adopts"
zp2=$(sed -n 's/.*"zoneadmd_pid": *\([0-9]*\).*/\1/p' "$ZONEKIT_RUN/zones/$U/state.json")
[ "$zp2" != "$zp" ] || zk_fail "no new zoneadmd"
grep -qx "0::/machine.slice/$UNIT/zone/supervisor" /proc/$zp2/cgroup || zk_fail "adopting zoneadmd not in the supervisor leaf"

# Halt: no unit, no cgroup.
expect_rc 0 zoneadm halt sd1
[ ! -d "$SCOPE" ] || zk_fail "$SCOPE left after halt"
state=$(systemctl show -P LoadState "$UNIT")
expect_eq "$state" not-found "unit after halt"

# Boot again at once (the scope's name is free), then recover cleans the
# scope of a zone whose zoneadmd and init both died.
expect_rc 0 zoneadm boot sd1
zp=$(sed -n 's/.*"zoneadmd_pid": *\([0-9]*\).*/\1/p' "$ZONEKIT_RUN/zones/$U/state.json")
init=$(sed -n 's/.*"init_pid": *\([0-9]*\).*/\1/p' "$ZONEKIT_RUN/zones/$U/state.json")
keeper=$(sed -n 's/.*"keeper_pid": *\([0-9]*\).*/\1/p' "$ZONEKIT_RUN/zones/$U/state.json")
kill -KILL "$zp" "$init" "$keeper"
sleep 1
expect_rc 0 zoneadm recover
[ ! -d "$SCOPE" ] || zk_fail "$SCOPE left after recover"
expect_eq "$(systemctl show -P LoadState "$UNIT")" not-found "unit after recover"
expect_rc 0 zoneadm delete sd1
