#!/usr/bin/env bash
# Boot, enter, halt, crash and recover a sparse zone through zoneadmd.
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/zonectl.sh"

U=aaaaaaaa-0000-4000-8000-000000000001
run=$(ZK_HOSTNAME=web01 zk_write_spec $U 1)

# boot -> running, with the init as the zone's pid 1 mapped to the zone's uid range
expect_rc 0 zonectl boot "$run"
read -r state init alive < <(zonectl status "$run")
expect_eq "$state $alive" "running alive" "status after boot"
expect_eq "$(ps -o uid= -p "$init" | tr -d ' ')" 1065536 "host uid of the zone init"
expect_eq "$(zlogin $U hostname)" web01 "zone hostname"
expect_eq "$(hostname)" "$(cat /proc/sys/kernel/hostname)" "host hostname"
[ "$(hostname)" != web01 ] || zk_fail "host hostname changed"
expect_eq "$(zlogin $U id -u)" 0 "uid in the zone"
expect_eq "$(zlogin $U cat /etc/hostname)" web01 "/etc/hostname"
expect_eq "$(zlogin $U grep -v '^#' /etc/resolv.conf)" "$(printf 'search example.test\nnameserver 192.0.2.53')" "resolv.conf"
expect_rc 7 zlogin $U sh -c 'exit 7'
expect_rc 137 zlogin $U sh -c 'kill -9 $$'
expect_rc 127 zlogin $U /no/such/command
expect_contains "$ZK_TMP/err" "exec /no/such/command: No such file or directory"
# only the zone's own processes, its init is pid 1 and it is "init"
out=$(zlogin $U ps -e -o pid=,comm=)
echo "$out" | grep -qx ' *1 init' || zk_fail "pid 1 is not init: $out"
expect_eq "$(echo "$out" | wc -l)" 2 "process count in the zone ($out)"
expect_eq "$(zlogin $U cat /proc/1/cmdline | tr -d '\0')" init "init cmdline hides host paths"
# ids are the zone's on disk too
expect_eq "$(stat -c %u "$ZONEKIT_ROOT/zones/$U/root/etc/hostname")" 1065536 "owner of /etc/hostname on the host"
# repeated boot of a running zone is fine; a second supervisor is refused
expect_rc 0 zonectl boot "$run"
expect_rc 1 "$ZK_ZONEADMD" --run-dir "$run"
expect_contains "$ZK_TMP/err" "another zoneadmd supervises this zone"

# admin changes to /etc survive a reboot, hostname is regenerated
zlogin $U sh -c 'echo custom > /etc/motd; echo wrong > /etc/hostname'
expect_rc 0 zonectl reboot "$run"
read -r state init2 alive < <(zonectl status "$run")
expect_eq "$state" running "state after reboot"
[ "$init2" != "$init" ] || zk_fail "reboot kept the same init"
zk_wait_gone "$init" || zk_fail "old init survived reboot"
expect_eq "$(zlogin $U cat /etc/motd)" custom "/etc/motd after reboot"
expect_eq "$(zlogin $U cat /etc/hostname)" web01 "/etc/hostname after reboot"

# halt leaves nothing
expect_rc 0 zonectl halt "$run"
expect_eq "$(zonectl status "$run")" "stopped 0 dead" "status after halt"
zk_wait_gone "$init2" || zk_fail "init survived halt"
zk_assert_clean $U "$run"
expect_rc 0 zonectl halt "$run"   # halting a stopped zone is fine

# SIGKILL of zoneadmd: the zone lives on (no parent-death signal on its
# init; the fd keeper holds its console), status says running without a
# supervisor, and the next boot starts a zoneadmd that adopts it
expect_rc 0 zonectl boot "$run"
read -r state init alive < <(zonectl status "$run")
zpid=$(zk_field "$run" zoneadmd_pid)
kpid=$(zk_field "$run" keeper_pid)
[ -n "$kpid" ] && [ "$kpid" -gt 0 ] || zk_fail "no fd keeper recorded"
grep -q "/$U/supervisor\$" "/proc/$kpid/cgroup" || zk_fail "keeper not in the zone's supervisor leaf: $(cat /proc/$kpid/cgroup)"
kill -KILL "$zpid"
zk_wait_gone "$zpid" || zk_fail "zoneadmd did not die"
sleep 0.3
kill -0 "$init" 2>/dev/null || zk_fail "zone init died with its supervisor"
expect_eq "$(zonectl status "$run")" "running $init dead" "status after SIGKILL of zoneadmd"
expect_eq "$(zlogin $U hostname)" web01 "zlogin while unsupervised"
expect_rc 0 zonectl boot "$run"
expect_eq "$(zonectl status "$run")" "running $init alive" "status after adoption"
grep -q "/$U/supervisor\$" "/proc/$(zk_field "$run" zoneadmd_pid)/cgroup" || zk_fail "adopting zoneadmd not in the supervisor leaf"
[ "$(zk_field "$run" zoneadmd_pid)" != "$zpid" ] || zk_fail "no new zoneadmd"
expect_eq "$(zk_field "$run" adoptions)" 1 "adoptions"
expect_eq "$(zk_field "$run" keeper_pid)" "$kpid" "the keeper is kept"
grep -q "adopted the running zone (init pid $init)" "$run/console.log" || zk_fail "no adoption note in the console log"
expect_rc 0 zonectl halt "$run"
zk_wait_gone "$init" || zk_fail "init survived halt after adoption"
zk_wait_gone "$kpid" || zk_fail "keeper survived halt"
zk_assert_clean $U "$run"

# SIGKILL of zoneadmd and of its keeper: the zone still runs; halt adopts
# it (without its console) and stops it
expect_rc 0 zonectl boot "$run"
read -r state init alive < <(zonectl status "$run")
zpid=$(zk_field "$run" zoneadmd_pid)
kpid=$(zk_field "$run" keeper_pid)
kill -KILL "$zpid" "$kpid"; zk_wait_gone "$zpid"; zk_wait_gone "$kpid"
kill -0 "$init" 2>/dev/null || zk_fail "zone init died with its supervisor and keeper"
expect_rc 0 zonectl halt "$run"
grep -q "keeper gone" "$run/console.log" || zk_fail "no note of the lost keeper"
zk_wait_gone "$init" || zk_fail "init survived halt"
zk_assert_clean $U "$run"

# zoneadmd killed during boot, right after the clone: the unfinished zone
# dies with it (parent-death signal), nothing is adopted
expect_rc 1 env ZONEKIT_FAULT=boot.after_clone zonectl boot "$run"
# (the dying child holds zoneadmd's lock until its parent-death signal lands)
for i in $(seq 100); do read -r state _ alive < <(zonectl status "$run"); [ "$state" != ready ] && break; sleep 0.05; done
[ "$state" == down ] || [ "$state" == stopped ] || zk_fail "state after a killed boot: $state"
expect_rc 0 zonectl halt "$run"
zk_assert_clean $U "$run"

# SIGTERM to zoneadmd is a halt
expect_rc 0 zonectl boot "$run"
zpid=$(zk_field "$run" zoneadmd_pid)
kill -TERM "$zpid"
zk_wait_gone "$zpid" || zk_fail "zoneadmd ignored SIGTERM"
expect_eq "$(zonectl status "$run")" "stopped 0 dead" "status after SIGTERM to zoneadmd"
zk_assert_clean $U "$run"

# concurrent boots start one supervisor; concurrent halts both succeed
for i in 1 2 3; do
  zonectl boot "$run" & b1=$!; zonectl boot "$run" & b2=$!; zonectl boot "$run" & b3=$!
  wait $b1 || zk_fail "concurrent boot 1"; wait $b2 || zk_fail "concurrent boot 2"; wait $b3 || zk_fail "concurrent boot 3"
  [ "$(pgrep -c -f "zoneadmd --run-dir $run( |$)")" == 1 ] || zk_fail "not exactly one zoneadmd"
  zonectl halt "$run" & h1=$!; zonectl halt "$run" & h2=$!
  wait $h1 || zk_fail "concurrent halt 1"; wait $h2 || zk_fail "concurrent halt 2"
  zk_assert_clean $U "$run"
done

# shutdown: the built-in init exits 0 on SIGTERM
expect_rc 0 zonectl boot "$run"
expect_rc 0 zonectl shutdown "$run" 5
expect_eq "$(zk_field "$run" exit_status)" 0 "exit status of init after shutdown"
zk_assert_clean $U "$run"

# a failed boot says why, and leaves nothing
U2=aaaaaaaa-0000-4000-8000-000000000002
run2=$(zk_write_spec $U2 2 /no/init)
expect_rc 1 zonectl boot "$run2"
expect_contains "$ZK_TMP/err" "exec /no/init: No such file or directory"
expect_eq "$(zonectl status "$run2" | cut -d' ' -f1)" failed "state after failed boot"
zk_assert_clean $U2 "$run2"

# a nic the network layer refuses (no host name): boot fails, nothing is left
U3=aaaaaaaa-0000-4000-8000-000000000003
run3=$(ZK_SPEC_EXTRA='"nics":[{"index":0,"zone_ifname":"net0"}],' zk_write_spec $U3 3)
expect_rc 1 zonectl boot "$run3"
expect_contains "$ZK_TMP/err" "is not a valid interface name"
zk_assert_clean $U3 "$run3"

# a real init: console output is captured; shutdown escalates to SIGKILL
U4=aaaaaaaa-0000-4000-8000-000000000004
run4=$(zk_write_spec $U4 4 /bin/sh -c 'echo hello-console; exec /bin/sleep 1000')
expect_rc 0 zonectl boot "$run4"
for i in $(seq 50); do grep -q hello-console "$run4/console.log" && break; sleep 0.05; done
expect_contains "$run4/console.log" hello-console
start=$(date +%s%N)
expect_rc 0 zonectl shutdown "$run4" 1
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -ge 900 ] || zk_fail "shutdown did not wait for the grace period ($ms ms)"
expect_eq "$(zk_field "$run4" exit_status)" 137 "init killed after grace"

# restart_init: an init that keeps exiting is restarted, then the zone fails
U5=aaaaaaaa-0000-4000-8000-000000000005
run5=$(ZK_RESTART=true zk_write_spec $U5 5 /bin/sh -c 'sleep 0.1; exit 3')
expect_rc 0 zonectl boot "$run5"
for i in $(seq 100); do [ "$(zonectl status "$run5" | cut -d' ' -f1)" == failed ] && break; sleep 0.1; done
expect_eq "$(zonectl status "$run5" | cut -d' ' -f1)" failed "state after restart storm"
expect_contains "$run5/state.json" "init exited 5 times within 60s"
expect_eq "$(zk_field "$run5" exit_status)" 3 "last init exit status"
zk_assert_clean $U5 "$run5"
