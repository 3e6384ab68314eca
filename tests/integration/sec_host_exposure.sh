#!/usr/bin/env bash
# What a hostile manifest or zone could reach on the host: kernel views and
# zonekit's own state are refused as filesystems[] sources (also through a
# symlink, checked at boot), and a zone's persistent dirs are closed to
# other host users (a setuid file planted by the zone is unreachable).
. "$(dirname "$0")/../lib/harness.sh"

for src in /proc /sys/kernel /dev /run "$ZONEKIT_ROOT" "$ZONEKIT_RUN/zones" / /etc/zonekit; do
  printf '{"alias": "x", "filesystems": [{"type": "lofs", "source": "%s", "target": "/mnt/h"}]}\n' "$src" > "$ZK_TMP/m.json"
  expect_rc 2 zoneadm create -f "$ZK_TMP/m.json"
  expect_contains "$ZK_TMP/err" "filesystems[0].source"
done
expect_eq "$(zoneadm list -H | wc -l)" 0 "zones created from refused manifests"

# A harmless-looking source that is a symlink to /proc is refused at boot.
ln -s /proc "$ZK_TMP/innocent"
printf '{"alias": "sneaky", "filesystems": [{"type": "lofs", "source": "%s", "target": "/mnt/h"}]}\n' "$ZK_TMP/innocent" | zoneadm create -f - >/dev/null
expect_rc 2 zoneadm boot sneaky
expect_contains "$ZK_TMP/err" 'resolves to "/proc"'
zoneadm delete sneaky

echo '{"alias": "z"}' | zoneadm create -f - >/dev/null
zoneadm boot z
uuid=$(zoneadm list -H -o uuid alias=z)
zd="$ZONEKIT_ROOT/zones/$uuid"
expect_eq "$(stat -c '%a %u' "$zd")" "710 0" "zone dir mode and owner"
zlogin z sh -c 'cp /bin/busybox /var/suid-bb && chmod 4755 /var/suid-bb'
[ -u "$zd/root/var/suid-bb" ] || zk_fail "setup: planted file is not setuid"
if command -v setpriv >/dev/null; then
  rc=0
  setpriv --reuid=65534 --regid=65534 --clear-groups "$zd/root/var/suid-bb" id >/dev/null 2>&1 || rc=$?
  [ "$rc" != 0 ] || zk_fail "another host user ran the zone's setuid file"
  rc=0
  setpriv --reuid=65534 --regid=65534 --clear-groups ls "$zd" >/dev/null 2>&1 || rc=$?
  [ "$rc" != 0 ] || zk_fail "another host user can list the zone dir"
fi
