#!/usr/bin/env bash
# The zone lifecycle through zoneadm: states in list, repeated requests
# succeed with a note, illumos argument order, live update of limits,
# shutdown/reboot/wait, info, failed boots, delete of a running zone.
. "$(dirname "$0")/../lib/harness.sh"

zoneadm create -f - >/dev/null <<'YAML'
alias: web
hostname: web01
max_physical_memory: 128
max_lwps: 100
resolvers: [192.0.2.53]
YAML
expect_eq "$(zoneadm list -H -o state alias=web)" stopped "state after create"
zoneadm -z web boot
expect_eq "$(zoneadm list -H -o state alias=web)" running "state after boot"
expect_rc 0 zoneadm boot web
expect_contains "$ZK_TMP/err" "zone web is already running"
expect_eq "$(zlogin web hostname)" web01 "hostname"
expect_rc 7 zlogin web sh -c 'exit 7'

# info and get carry the runtime view.
zoneadm info web > "$ZK_TMP/info"
expect_contains "$ZK_TMP/info" '"state": "running"'
expect_contains "$ZK_TMP/info" '"pid": '
pid=$(sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' "$ZK_TMP/info")
[ -d "/proc/$pid" ] || zk_fail "info pid $pid is not a process"

# Live update: memory limit reaches the cgroup; no-op update says so.
zoneadm update web max_physical_memory=192 2>"$ZK_TMP/err"
expect_contains "$ZK_TMP/err" "applied live"
uuid=$(zoneadm list -H -o uuid alias=web)
mem=/sys/fs/cgroup/memory/$ZONEKIT_CGROUP_PARENT/$uuid/payload/memory.limit_in_bytes
[ -f "$mem" ] || mem=/sys/fs/cgroup/$ZONEKIT_CGROUP_PARENT/$uuid/payload/memory.max
expect_eq "$(cat "$mem")" $((192 * 1024 * 1024)) "live memory limit"
expect_rc 0 zoneadm update web max_physical_memory=192
expect_contains "$ZK_TMP/err" "no changes"
expect_rc 2 zoneadm update web brand=image
expect_contains "$ZK_TMP/err" "brand"
expect_rc 2 zoneadm update web max_phisical_memory=1
expect_contains "$ZK_TMP/err" 'did you mean "max_physical_memory"'
zoneadm update web hostname=web02 2>"$ZK_TMP/err"
expect_contains "$ZK_TMP/err" "next boot"

# reboot gives a fresh init and applies next-boot changes.
zoneadm reboot web
zoneadm wait web --state running --timeout 10
expect_eq "$(zlogin web hostname)" web02 "hostname after reboot"
newpid=$(zoneadm info web | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
[ "$newpid" != "$pid" ] || zk_fail "reboot kept the same init"

# shutdown is graceful (the built-in init exits on SIGTERM).
zoneadm shutdown web -t 5
expect_eq "$(zoneadm list -H -o state alias=web)" stopped "state after shutdown"
expect_rc 0 zoneadm halt web
expect_contains "$ZK_TMP/err" "zone web is not running"
expect_rc 0 zoneadm wait web --state stopped --timeout 1
expect_rc 1 zoneadm wait web --state running --timeout 1

# A zone whose init cannot start ends 'failed' with the reason kept.
zoneadm create -f - >/dev/null <<'JSON'
{"alias": "broken", "init_name": "/no/such/init", "restart_init": false}
JSON
expect_rc 1 zoneadm boot broken
expect_eq "$(zoneadm list -H -o state alias=broken)" failed "state of a failed boot"
zoneadm info broken > "$ZK_TMP/info"
expect_contains "$ZK_TMP/info" '"error"'

# Names: unknown -> exit 3; uuid prefix works; delete of a running zone.
expect_rc 3 zoneadm boot nosuchzone
zoneadm boot "${uuid:0:8}"
zoneadm delete web
expect_eq "$(zoneadm list -H -o alias)" broken "zones left"
zoneadm delete broken
expect_eq "$(zoneadm list -H | wc -l)" 0 "zones left after delete"
# Nothing of the zones remains in the cgroup tree.
left=$(zk_cgroups_left | wc -l)
expect_eq "$left" 0 "zone cgroups left"

# halt --all (host shutdown) stops every running zone and keeps autoboot.
for z in a1 a2; do printf '{"alias": "%s", "autoboot": true}\n' $z | zoneadm create -f - >/dev/null; done
zoneadm boot --autoboot
expect_eq "$(zoneadm list -H -o state -s alias | tr '\n' ' ')" "running running " "after boot --autoboot"
zoneadm halt --all
expect_eq "$(zoneadm list -H -o state,autoboot -s alias | tr -s ' ' | tr '\n' ' ')" "stopped true stopped true " "after halt --all"
expect_rc 2 zoneadm halt
expect_rc 2 zoneadm halt a1 --all
