#!/usr/bin/env bash
# vmadm payloads, whole: the OS-VM examples of vmadm(8) (create, and the
# updates that follow it) work unchanged, a Triton-style payload with the
# keys that mean nothing here is stored verbatim and said so once, vmadm's
# list fields work, and zonecfg export round-trips the zones.
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/mkimage.sh"
FIX=$ZK_SOURCE/tests/fixtures/vmadm
EXAMPLE_IMAGE=47e6af92-daf0-11e0-ac11-473ca1173ab0

# The examples name an image by uuid: a test image, relabelled to that uuid
# in the throwaway store, plays the part of the imported base image.
mkimage_rootfs "$ZK_TMP/rootfs" >/dev/null
mkimage_targz "$ZK_TMP/rootfs" "$ZK_TMP/bb.tar.gz" >/dev/null
img=$(imgadm import "$ZK_TMP/bb.tar.gz" --name base --version 1)
mv "$ZONEKIT_ROOT/images/$img" "$ZONEKIT_ROOT/images/$EXAMPLE_IMAGE"
sed -i "s/$img/$EXAMPLE_IMAGE/" "$ZONEKIT_ROOT/images/$EXAMPLE_IMAGE/image.json"
expect_eq "$(imgadm list -H -o uuid)" "$EXAMPLE_IMAGE" "example image"
nicadm add external --bridge zkext0 --subnet 10.2.0.0/16 --gateway 10.2.121.1 >/dev/null

# Example 2: create an OS VM, verbatim.
expect_rc 0 zoneadm create -f "$FIX/example2-create-os.json"
uuid=$(cat "$ZK_TMP/out")
expect_eq "$(zoneadm list -p -o type,ram,alias,nics.0.ip,brand alias=zone70)" "OS:256:zone70:10.2.121.70:image" \
  "vmadm list fields"
expect_eq "$(zoneadm list -p -o uuid,type,ram,state,alias alias=zone70)" "$uuid:OS:256:stopped:zone70" "vmadm default columns"
mac=$(zoneadm list -H -o nics.0.mac alias=zone70)
[[ "$mac" =~ ^[0-9a-f]{2}(:[0-9a-f]{2}){5}$ ]] || zk_fail "nics.0.mac: $mac"
expect_eq "$(zoneadm list -H -o alias nics.0.ip=10.2.121.70)" zone70 "filter on nics.0.ip"
zoneadm boot zone70
expect_eq "$(zlogin zone70 cat /etc/os-release | head -1)" "ID=zonekit-busybox" "example 2 zone runs its image"

# Examples 7, 9, 10, 11, 12: the updates of vmadm(8) on that zone.
zoneadm update "$uuid" quota=40 2>/dev/null
expect_eq "$(zoneadm list -H -o quota alias=zone70)" 40 "example 7"
zoneadm update "$uuid" -f "$FIX/example9-add-nic.json" 2>/dev/null
expect_eq "$(zoneadm list -H -o nics.1.ip alias=zone70)" 10.2.121.71 "example 9"
expect_eq "$(zoneadm list -H -o nics.1.mac alias=zone70)" b2:1e:ba:a5:6e:71 "example 9 mac"
zoneadm update "$uuid" -f "$FIX/example10-update-nic.json" 2>/dev/null
expect_eq "$(zoneadm list -H -o nics.1.ip alias=zone70)" 10.2.121.72 "example 10"
zoneadm update "$uuid" -f "$FIX/example11-remove-nic.json" 2>/dev/null
expect_eq "$(zoneadm list -H -o nics.1.ip alias=zone70)" - "example 11"
zoneadm update "$uuid" -f "$FIX/example12-add-filesystem.json" 2>/dev/null
zoneadm get zone70 >"$ZK_TMP/get"
expect_contains "$ZK_TMP/get" '"target": "/var/log"'
zoneadm halt zone70

# A Triton payload: every key it carries is accepted; those zonekit does
# not act on are stored verbatim, shown by get, and named once at create.
expect_rc 0 zoneadm create -f "$FIX/triton-os.json"
expect_contains "$ZK_TMP/err" "zone triton01: stored but not acted on: archive_on_delete, billing_id, delegate_dataset, do_not_inventory, firewall_enabled, fs_allowed, indestructible_delegated, indestructible_zoneroot, limit_priv, maintain_resolvers, mdata_exec_timeout, nics[].allow_restricted_traffic, nics[].model, nics[].network_uuid, nics[].vrrp_vrid, owner_uuid, package_name, package_version, server_uuid, zfs_data_compression, zfs_filesystem_limit, zfs_root_compression, zfs_snapshot_limit, zpool"
expect_eq "$(grep -c 'stored but not acted on' "$ZK_TMP/err")" 1 "said once"
zoneadm get triton01 >"$ZK_TMP/get"
for kv in '"owner_uuid": "930896af-bf8c-48d4-885c-6573a94b1853"' '"package_name": "g4-highcpu-128M"' \
          '"firewall_enabled": true' '"zlog_max_size": 1073741824' '"limit_priv": "default,dtrace_proc,dtrace_user"' \
          '"server_uuid": "44454c4c-3200-1042-8053-b4c04f383432"' '"model": "virtio"'; do
  expect_contains "$ZK_TMP/get" "$kv"
done
expect_eq "$(zoneadm list -p -o customer_metadata.env,tags.role alias=triton01)" "prod:db" "customer_metadata.KEY and tags.KEY"
zoneadm boot triton01
expect_eq "$(zlogin triton01 /native/usr/sbin/mdata-get sdc:operator-script)" true "sdc:operator-script"
expect_eq "$(zlogin triton01 /native/usr/sbin/mdata-get sdc:nics | grep -o '"ip":"[0-9.]*"')" '"ip":"10.2.121.80"' "sdc:nics"
zoneadm halt triton01

# An unknown key is still refused, with the nearest name.
sed 's/"owner_uuid"/"owner_uid"/' "$FIX/triton-os.json" >"$ZK_TMP/typo.json"
expect_rc 2 zoneadm create -f "$ZK_TMP/typo.json"
expect_contains "$ZK_TMP/err" 'owner_uid: unknown property (did you mean "owner_uuid"?)'

# zonecfg export round-trips both zones: delete, re-create from the export,
# and the stored manifests match (but for timestamps, the last run and the
# uid range, which is allocated anew).
for z in zone70 triton01; do
  zonecfg export $z >"$ZK_TMP/$z.json"
  zoneadm get $z | grep -v -e '"create_timestamp"' -e '"last_modified"' -e '"state"' -e '"zonepath"' -e '"boot_timestamp"' -e '"exit_' -e '"boot_ms"' -e '"restarts"' -e '"uid_base"' >"$ZK_TMP/$z.before"
  zoneadm delete $z
  zoneadm create -f "$ZK_TMP/$z.json" >/dev/null 2>&1
  zoneadm get $z | grep -v -e '"create_timestamp"' -e '"last_modified"' -e '"state"' -e '"zonepath"' -e '"boot_timestamp"' -e '"exit_' -e '"boot_ms"' -e '"restarts"' -e '"uid_base"' >"$ZK_TMP/$z.after"
  diff -u "$ZK_TMP/$z.before" "$ZK_TMP/$z.after" || zk_fail "$z: export did not round-trip"
  zoneadm delete $z
done
