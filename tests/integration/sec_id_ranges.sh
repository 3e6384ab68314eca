#!/usr/bin/env bash
# Zone id ranges stay clear of every id the host uses: the default lies in
# systemd's unused block; create refuses a configuration that overlaps a
# subordinate range or systemd's ranges; boot refuses a zone whose range
# holds a host account made later. (The host files are replaced only in
# this test's private mount namespace.)
. "$(dirname "$0")/../lib/harness.sh"

echo '{"alias": "z1"}' | zoneadm create -f - >/dev/null
base=$(zoneadm get z1 | jq -r .uid_base)
expect_eq "$base" 1879048192 "default uid_base"

# A subordinate range over the next zone's ids: create is refused.
cp /etc/subuid "$ZK_TMP/subuid" 2>/dev/null || : >"$ZK_TMP/subuid"
echo "mallory:$((base + 65536)):65536" >>"$ZK_TMP/subuid"
[ -e /etc/subuid ] || touch /etc/subuid 2>/dev/null || zk_fail "no /etc/subuid to cover"
mount --bind "$ZK_TMP/subuid" /etc/subuid
expect_rc 2 zoneadm create -f - <<<'{"alias": "z2"}'
expect_contains "$ZK_TMP/err" "zoneadm: zonekit.toml: [ids] first = 1879048192, ranges = 4094 (ids 1879048192-2147352575) overlap /etc/subuid: mallory:$((base + 65536)):65536"
umount /etc/subuid

# zonekit's first default lay in systemd's container range: refused now.
printf '[ids]\nfirst = 1048576\n' >"$ZONEKIT_CONFIG"
expect_rc 2 zoneadm create -f - <<<'{"alias": "z2"}'
expect_contains "$ZK_TMP/err" "overlap systemd's container id range (524288-1879048191)"
rm "$ZONEKIT_CONFIG"

# A host account made later with the zone's root uid: boot is refused,
# naming it, and the zone did not start.
cp /etc/passwd "$ZK_TMP/passwd"
echo "intruder:x:$base:$base::/nonexistent:/bin/false" >>"$ZK_TMP/passwd"
mount --bind "$ZK_TMP/passwd" /etc/passwd
expect_rc 1 zoneadm boot z1
expect_contains "$ZK_TMP/err" "zoneadm: zone z1: boot: the zone's ids $base-$((base + 65535)) include host user intruder (uid $base in /etc/passwd)"
expect_eq "$(zoneadm list -H -o state alias=z1)" stopped "state after the refused boot"
umount /etc/passwd
zoneadm boot z1
zoneadm delete z1
