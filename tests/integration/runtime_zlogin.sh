#!/usr/bin/env bash
# zlogin: exec, users, environment, pty, console; the rootfs never follows
# symlinks the zone planted.
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/zonectl.sh"

U=dddddddd-0000-4000-8000-000000000001
mkdir -p "$ZK_TMP/share"
echo shared-data >"$ZK_TMP/share/file"
run=$(ZK_SPEC_EXTRA="\"filesystems\":[{\"source\":\"$ZK_TMP/share\",\"target\":\"/var/share\",\"read_only\":true}]," \
  zk_write_spec $U 8 /bin/sh)
expect_rc 0 zonectl boot "$run"

# environment: fixed and minimal, plus -e
expect_eq "$(FOO=leak zlogin -e A=1 -e B=two $U env | sort | tr '\n' ' ')" \
  "A=1 B=two HOME=/root LOGNAME=root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin SHELL=/bin/sh USER=root container=zonekit " \
  "zlogin environment"
expect_rc 2 zlogin -e NOEQUALS $U true
expect_rc 2 zlogin
expect_rc 3 zlogin no-such-zone true
expect_contains "$ZK_TMP/err" "zlogin: no-such-zone: No such zone"
# stdin passes through, exit codes and signals come back
expect_eq "$(echo piped | zlogin $U cat)" piped "stdin"
expect_rc 0 zlogin $U true
expect_rc 1 zlogin $U false
expect_rc 143 zlogin $U sh -c 'kill -TERM $$'
expect_rc 126 zlogin $U /etc/hostname
# users from the zone's own /etc/passwd
zlogin $U sh -c 'echo "app:x:1001:1001:App:/home/app:/bin/sh" >> /etc/passwd; echo "app:x:1001:" >> /etc/group; mkdir -p /home/app; chown 1001:1001 /home/app'
expect_eq "$(zlogin -l app $U sh -c 'id -u; id -g; pwd; grep CapEff /proc/self/status')" \
  "$(printf '1001\n1001\n/home/app\nCapEff:\t0000000000000000')" "zlogin -l app"
expect_eq "$(stat -c %u "$ZONEKIT_ROOT/zones/$U/root/home/app")" $((1000000 + 65536 * 8 + 1001)) "host uid of app's home"
expect_rc 1 zlogin -l nosuchuser $U true
expect_contains "$ZK_TMP/err" "no such user 'nosuchuser' in the zone's /etc/passwd"
# the zone's capabilities, no_new_privs and seccomp apply to zlogin
expect_eq "$(zlogin $U sh -c 'grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\t " " "')" \
  "$(printf 'NoNewPrivs: 1\nSeccomp: 2')" "confinement of zlogin"
# pty sessions: a tty in the zone's devpts, exit status preserved
expect_eq "$(zlogin -t $U sh -c 'tty; exit 0' </dev/null | tr -d '\r')" /dev/pts/0 "pty device"
expect_rc 5 zlogin -t $U sh -c 'exit 5' </dev/null
expect_eq "$(printf 'echo in-shell-$((6*7))\nexit\n' | zlogin $U 2>/dev/null | tr -d '\r' | grep -c in-shell-42)" 1 "login shell on a pty"

# the shared /usr works as on the host: alternatives and the linker cache
expect_eq "$(echo 'a b' | zlogin $U awk '{print $2}')" b "awk through /etc/alternatives"
zlogin $U cmp -s /etc/ld.so.cache - </etc/ld.so.cache || zk_fail "ld.so.cache differs from the host's"
# ... seen read-only from the host (live, never copied link by link to the zone's disk)
expect_eq "$(zlogin $U ls /etc/alternatives | wc -l)" "$(ls /etc/alternatives | wc -l)" "alternatives as the host's"
expect_rc 1 zlogin $U ln -s /bin/true /etc/alternatives/zk-planted
[ -z "$(find "$ZONEKIT_ROOT/zones/$U/root/etc/alternatives" -mindepth 1 2>/dev/null)" ] ||
  zk_fail "alternatives copied to the zone's disk"

# filesystems[]: read-only bind
expect_eq "$(zlogin $U cat /var/share/file)" shared-data "filesystems bind"
expect_rc 2 zlogin $U sh -c 'echo x > /var/share/file'
expect_contains "$ZK_TMP/err" "Read-only file system"

# console: a shell as init, driven through zlogin -C, detach with ~.
out=$( (printf 'echo console-$((6*7))\n'; sleep 1; printf '~.\n') | timeout 10 zlogin -C $U 2>&1 | tr -d '\r')
echo "$out" | grep -q '^console-42$' || zk_fail "console did not run the command: $out"
expect_contains "$run/console.log" "console-42"
read -r state _ _ < <(zonectl status "$run")
expect_eq "$state" running "zone after console detach"

# a symlink planted by the zone where a later boot binds or writes must not
# be followed: /var/share -> / and /etc/hostname -> /usr/bin/hostname
expect_rc 0 zonectl halt "$run"
ln -s / "$ZONEKIT_ROOT/zones/$U/root/var/evil"
run_fs=$(ZK_SPEC_EXTRA="\"filesystems\":[{\"source\":\"$ZK_TMP/share\",\"target\":\"/var/evil/escape\",\"read_only\":true}]," \
  zk_write_spec $U 8 /bin/sh)
expect_rc 1 zonectl boot "$run_fs"
expect_contains "$ZK_TMP/err" "bind filesystem $ZK_TMP/share on /var/evil/escape"
[ ! -e /escape ] || zk_fail "bind followed the zone's symlink to the host root"
rm "$ZONEKIT_ROOT/zones/$U/root/var/evil"
zk_write_spec $U 8 /bin/sh >/dev/null
ln -sf /usr/bin/hostname "$ZONEKIT_ROOT/zones/$U/root/etc/hostname"
# An empty seed, as a host crash after an unsynced first boot leaves it,
# is seeded again.
: >"$ZONEKIT_ROOT/zones/$U/root/etc/passwd"
expect_rc 0 zonectl boot "$run"
expect_eq "$(head -1 "$ZONEKIT_ROOT/zones/$U/root/etc/passwd")" "root:x:0:0:root:/root:/bin/sh" "an emptied /etc/passwd after a boot"
[ -L "$ZONEKIT_ROOT/zones/$U/root/etc/hostname" ] && zk_fail "/etc/hostname symlink kept"
expect_eq "$(zlogin $U cat /etc/hostname)" zone8 "regenerated /etc/hostname"
/usr/bin/hostname >/dev/null || zk_fail "host /usr/bin/hostname damaged"
expect_rc 0 zonectl halt "$run"
zk_assert_clean $U "$run"

# console.log is capped at 1 MiB, rotated once to console.log.0
U6=dddddddd-0000-4000-8000-000000000006
run6=$(zk_write_spec $U6 10 /bin/sh -c 'head -c 1300000 /dev/zero | tr \\\\0 x; echo; echo end-of-flood; exec /bin/sleep 1000')
expect_rc 0 zonectl boot "$run6"
for i in $(seq 100); do grep -q end-of-flood "$run6/console.log" 2>/dev/null && break; sleep 0.1; done
expect_contains "$run6/console.log" end-of-flood
[ -f "$run6/console.log.0" ] || zk_fail "console.log was not rotated"
[ "$(stat -c %s "$run6/console.log")" -le 1048576 ] || zk_fail "console.log above its cap"
[ "$(stat -c %s "$run6/console.log.0")" -le 1048576 ] || zk_fail "console.log.0 above the cap"
expect_rc 0 zonectl halt "$run6"
