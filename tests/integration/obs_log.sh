#!/usr/bin/env bash
# zoneadm log and info: the console log holds the init's output and
# zonekit's own lines, -n tails it, -f follows across a reboot, a 1 GB
# console flood stays under the zone's cap (zlog_max_size), the file is
# root's alone, a terminal never gets the zone's control characters, and
# info reports the last boot, the last exit of init, restarts and usage.
. "$(dirname "$0")/../lib/harness.sh"

zoneadm create -f - >/dev/null <<'JSON'
{"alias": "talk", "init_name": ["/bin/sh", "-c", "echo said-$$; printf 'esc \\033[31mred\\n'; exec sleep 1000"]}
JSON
zoneadm boot talk
for i in $(seq 50); do zoneadm log talk | grep -q 'esc' && break; sleep 0.1; done
zoneadm log talk >"$ZK_TMP/log1"
grep -q '^\[zonekit [0-9T:-]*Z\] zone booted: init pid [0-9]* in [0-9]* ms$' "$ZK_TMP/log1" || { cat "$ZK_TMP/log1"; zk_fail "no boot line"; }
grep -q '^said-1' "$ZK_TMP/log1" || zk_fail "the init's output is missing"
expect_eq "$(zoneadm log talk -n 1 | tr -d '\r')" "$(printf 'esc \033[31mred')" "log -n 1 (raw to a pipe)"
expect_eq "$(zoneadm log talk -n 0 | wc -c)" 0 "log -n 0"
# On a terminal the zone's escape sequences are defused.
script -qc "zoneadm log talk -n 1" /dev/null >"$ZK_TMP/tty" </dev/null
grep -q 'esc ?\[31mred' "$ZK_TMP/tty" || { od -c "$ZK_TMP/tty" | head; zk_fail "escape reached the terminal"; }
uuid=$(zoneadm get talk | jq -r .uuid)
expect_eq "$(stat -c '%a %U' "$ZONEKIT_RUN/zones/$uuid/console.log")" "600 root" "console.log mode and owner"

# -f follows across a reboot: the new boot's lines arrive.
zoneadm log talk -f -n 0 >"$ZK_TMP/follow" &
follower=$!
sleep 0.5
zoneadm reboot talk
for i in $(seq 100); do grep -q '^said-1' "$ZK_TMP/follow" && break; sleep 0.1; done
kill "$follower"; wait "$follower" 2>/dev/null || true
expect_contains "$ZK_TMP/follow" "zone booted: init pid"
expect_contains "$ZK_TMP/follow" "init was killed by SIGKILL"
grep -q '^said-1' "$ZK_TMP/follow" || { cat "$ZK_TMP/follow"; zk_fail "-f did not follow the reboot"; }

# info: last boot, its duration, the last exit of init, restarts, usage.
zoneadm info talk >"$ZK_TMP/info"
expect_eq "$(jq -r '.exit_signal' "$ZK_TMP/info")" SIGKILL "exit_signal after reboot"
expect_eq "$(jq -r '.restarts' "$ZK_TMP/info")" 0 "restarts after reboot"
jq -e '.boot_ms >= 0 and (.boot_timestamp | length) > 0 and .usage.lwps >= 1 and .usage.memory_bytes > 0' \
  "$ZK_TMP/info" >/dev/null || { cat "$ZK_TMP/info"; zk_fail "info lacks boot or usage"; }
# An init that exits is restarted, and counted.
zoneadm create -f - >/dev/null <<'JSON'
{"alias": "flaky", "init_name": ["/bin/sh", "-c", "[ -e /root/once ] && exec sleep 1000; touch /root/once; exit 3"]}
JSON
zoneadm boot flaky
for i in $(seq 50); do [ "$(zoneadm info flaky | jq -r .restarts)" = 1 ] && break; sleep 0.1; done
zoneadm info flaky >"$ZK_TMP/info2"
expect_eq "$(jq -r '[.restarts, .exit_code] | @tsv' "$ZK_TMP/info2")" "$(printf '1\t3')" "restarts and exit code"
expect_contains <(zoneadm log flaky) "init exited with code 3"
expect_contains <(zoneadm log flaky) "restarting init (restart_init)"
zoneadm halt flaky
expect_eq "$(jq -r '.usage' <(zoneadm info flaky))" null "usage of a stopped zone"

# A 1 GB flood stays under the cap: console.log and one console.log.0.
zoneadm create -f - >/dev/null <<'JSON'
{"alias": "flood", "zlog_max_size": 65536,
 "init_name": ["/bin/sh", "-c", "head -c 1000000000 /dev/zero | tr '\\0' x; echo; echo end-of-flood; exec sleep 1000"]}
JSON
zoneadm boot flood
for i in $(seq 1800); do zoneadm log flood -n 2 | grep -q end-of-flood && break; sleep 0.1; done
zoneadm log flood -n 2 | grep -q end-of-flood || zk_fail "the flood did not end in 180 s"
fdir=$ZONEKIT_RUN/zones/$(zoneadm get flood | jq -r .uuid)
for f in console.log console.log.0; do
  [ "$(stat -c %s "$fdir/$f")" -le 65536 ] || zk_fail "$f is $(stat -c %s "$fdir/$f") bytes, above the 65536 cap"
done
[ "$(zoneadm log flood | wc -c)" -le 131072 ] || zk_fail "the log is above twice the cap"
