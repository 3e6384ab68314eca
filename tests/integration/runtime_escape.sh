#!/usr/bin/env bash
# Escape attempts from inside a zone, as the zone's root. Each one must fail
# inside the zone AND leave the host unchanged (checked after every attempt).
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/zonectl.sh"

command -v cc >/dev/null || { echo "SKIP: no C compiler for the probe" >&2; exit 77; }
mkdir -p "$ZK_TMP/probe"
cc -O -o "$ZK_TMP/probe/escape_probe" "$ZK_SOURCE/tests/integration/probe/escape_probe.c"

U=cccccccc-0000-4000-8000-000000000001
run=$(ZK_PIDS=100 ZK_SPEC_EXTRA="\"filesystems\":[{\"source\":\"$ZK_TMP/probe\",\"target\":\"/opt/probe\",\"read_only\":true}]," \
  zk_write_spec $U 7)
expect_rc 0 zonectl boot "$run"
read -r _ init _ < <(zonectl status "$run")

# Host state to compare against.
echo "host-only secret" >"$ZK_TMP/host-secret"
sleep 1000 </dev/null >/dev/null 2>&1 &
victim=$!
kill_victim() { kill "$victim" 2>/dev/null; }
ZK_EXTRA_CLEANUP=kill_victim
host_name=$(hostname)
host_mounts=$(wc -l </proc/self/mountinfo)
zoneadmd_sum=$(md5sum <"$ZK_ZONEADMD")
pids_file=$(ls /sys/fs/cgroup/pids/"$ZONEKIT_CGROUP_PARENT"/$U/payload/pids.max 2>/dev/null ||
            ls /sys/fs/cgroup/"$ZONEKIT_CGROUP_PARENT"/$U/payload/pids.max)
t0=$(date +%s)

host_unchanged() {
  local what=$1
  [ "$(hostname)" == "$host_name" ] || zk_fail "$what: host hostname changed to $(hostname)"
  [ "$(cat /proc/sys/kernel/hostname)" == "$host_name" ] || zk_fail "$what: host kernel hostname changed"
  local now; now=$(date +%s)
  [ $((now - t0)) -ge 0 ] && [ $((now - t0)) -lt 600 ] || zk_fail "$what: host clock moved ($now)"
  kill -0 $victim 2>/dev/null || zk_fail "$what: host process killed"
  grep -q '^TracerPid:[[:space:]]*0$' /proc/$victim/status || zk_fail "$what: host process traced"
  [ ! -e /usr/zk-escape ] || zk_fail "$what: wrote to host /usr"
  [ "$(wc -l </proc/self/mountinfo)" == "$host_mounts" ] || zk_fail "$what: host mounts changed"
  [ "$(md5sum <"$ZK_ZONEADMD")" == "$zoneadmd_sum" ] || zk_fail "$what: zoneadmd binary changed"
  [ "$(cat "$pids_file")" == 100 ] || zk_fail "$what: zone pids limit changed"
  [ "$(cat "$ZK_TMP/host-secret")" == "host-only secret" ] || zk_fail "$what: host file changed"
  [ "$(zonectl status "$run" | cut -d' ' -f1,2)" == "running $init" ] || zk_fail "$what: zone init died"
}

attempts=0
# probe ATTEMPT [ARG]: the probe must report "blocked:".
probe() {
  local out rc=0
  out=$(zlogin $U /opt/probe/escape_probe "$@" 2>&1) || rc=$?
  [ $rc -eq 0 ] && [[ "$out" == blocked:* ]] || zk_fail "escape attempt '$*' was not blocked: rc=$rc $out"
  printf '  %-40s %s\n' "$*" "$out"
  host_unchanged "$*"
  attempts=$((attempts + 1))
}
# denied DESCRIPTION CMD...: the command must fail inside the zone.
denied() {
  local what=$1 rc=0; shift
  zlogin $U "$@" >"$ZK_TMP/out" 2>&1 || rc=$?
  [ $rc -ne 0 ] || { cat "$ZK_TMP/out" >&2; zk_fail "escape attempt '$what' succeeded"; }
  printf '  %-40s failed (rc %d)\n' "$what" $rc
  host_unchanged "$what"
  attempts=$((attempts + 1))
}

echo "escape attempts:"
# file systems and mounts
probe mount_proc
probe mount_sysfs
probe mount_cgroup
probe bind_root
probe remount_usr_rw
probe pivot_root
probe umount /proc/kallsyms
probe unshare_mount
denied "write /proc/sys/kernel/hostname" sh -c 'echo escaped > /proc/sys/kernel/hostname'
denied "write /proc/sys/vm/drop_caches" sh -c 'echo 3 > /proc/sys/vm/drop_caches'
denied "write /proc/sysrq-trigger" sh -c 'echo h > /proc/sysrq-trigger'
denied "write /sys (ro sysfs)" sh -c 'echo 1 > /sys/kernel/mm/ksm/run'
denied "write host /usr" touch /usr/zk-escape
denied "remount / rw" mount -o remount,rw /
# kernel info leaks: masked files read as empty
denied "read /proc/kcore" sh -c 'head -c 16 /proc/kcore 2>/dev/null | grep -q .'
denied "read /proc/kallsyms" sh -c 'head -c 64 /proc/kallsyms | grep -q .'
denied "read /proc/keys" sh -c 'head -c 64 /proc/keys | grep -q .'
denied "read /proc/timer_list" sh -c 'head -c 64 /proc/timer_list | grep -q .'
denied "list /sys/firmware" sh -c 'ls -A /sys/firmware | grep -q .'
# devices
probe mknod
probe tiocsti
denied "open /dev/sda, /dev/mem, /dev/kmsg" sh -c 'cat /dev/sda || cat /dev/mem || cat /dev/kmsg'
# kernel modules, bpf, perf, keys, handles, clock, reboot
probe init_module
probe finit_module
probe bpf
probe perf_event_open
probe keyctl
probe add_key
probe open_by_handle_at
probe kexec_load
probe swapon
probe acct
probe iopl
probe userfaultfd
probe settimeofday
probe clock_settime
denied "date -s" date -s @86400
probe reboot
probe sethostname
denied "hostname escaped" hostname escaped
# other processes: host pids are invisible, the zone's init is untouchable
probe kill $victim
probe ptrace $victim
probe ptrace 1
probe setns /proc/$victim/ns/net
denied "see host pids in /proc" sh -c "test -e /proc/$victim || ps -e -o comm= | grep -qx -e sleep -e zoneadmd -e bash"
denied "write /proc/1/exe (zoneadmd image)" sh -c 'echo x >> /proc/1/exe'
denied "readlink /proc/1/exe (host path)" readlink /proc/1/exe
denied "open /proc/1/exe for reading" sh -c 'head -c 4 /proc/1/exe > /dev/null'
denied "read /proc/1/mem" sh -c 'head -c 1 /proc/1/mem'
denied "read /proc/1/environ" sh -c 'cat /proc/1/environ'
# host files through /proc/*/root, chroot tricks, leaked fds
denied "host file via /proc/1/root" cat "/proc/1/root$ZK_TMP/host-secret"
denied "host file via /proc/self/root/.." cat "/proc/self/root/../../..$ZK_TMP/host-secret"
probe open "$ZK_TMP/host-secret"
probe chroot_escape "$ZK_TMP/host-secret"
exec 7<"$ZK_TMP/host-secret"
denied "inherited fd 7 from zlogin" cat /proc/self/fd/7
exec 7<&-
denied "fds of init beyond stdio" sh -c 'ls /proc/1/fd 2>/dev/null | grep -qv -e "^0$" -e "^1$" -e "^2$"'

# the control socket is root's alone (mode 0600 and a peer uid check)
nobody_ctl=$(setpriv --reuid=65534 --regid=65534 --clear-groups zlogin -C $U </dev/null 2>&1 || true)
[[ "$nobody_ctl" == *"connect $run/ctl.sock: Permission denied"* ]] || zk_fail "ctl.sock open to others: $nobody_ctl"
expect_eq "$(stat -c %a "$run/ctl.sock")" 600 "ctl.sock mode"
# so is the fd keeper's (it hands out the zone's console and metadata doors)
expect_eq "$(stat -c %a "$run/keeper.sock")" 600 "keeper.sock mode"

echo "$attempts escape attempts blocked"
[ $attempts -ge 30 ] || zk_fail "only $attempts attempts"

# what the zone sees instead
expect_eq "$(zlogin $U ls /proc/self/fd | tr '\n' ' ')" "0 1 2 3 " "fds of a zlogin command"
expect_eq "$(zlogin $U ls /dev | tr '\n' ' ')" \
  "console fd full mqueue null ptmx pts random shm stderr stdin stdout tty ttyS1 urandom zero " "zone /dev"
expect_eq "$(zlogin $U hostname)" zone7 "zone hostname after attempts"
leak=$(zlogin $U cat /proc/self/cgroup /proc/1/cgroup | grep -v ':/$' || true)
[ -z "$leak" ] || zk_fail "the zone sees host cgroup paths: $leak"
for f in /sys /proc/sys /usr; do
  opts=$(zlogin $U /bin/busybox awk -v m="$f" '$5 == m { o = $6 } END { print o }' /proc/self/mountinfo)
  [[ "$opts" == ro,* ]] || zk_fail "$f is not read-only in the zone ($opts)"
done

kill $victim
expect_rc 0 zonectl halt "$run"
zk_assert_clean $U "$run"
