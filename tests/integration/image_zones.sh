#!/usr/bin/env bash
# Zones from an image: a busybox image (from Debian's busybox-static) is
# imported from a tar.gz and from an OCI layout; two zones from it boot on
# an overlay root; a file written in one is not visible in the other nor in
# the image; the image cannot be deleted while zones use it; afterwards
# nothing is left on disk.
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/mkimage.sh"

mkimage_rootfs "$ZK_TMP/rootfs" >/dev/null
mkimage_targz "$ZK_TMP/rootfs" "$ZK_TMP/bb.tar.gz" >/dev/null
mkimage_oci "$ZK_TMP/rootfs" "$ZK_TMP/oci" >/dev/null
img_tar=$(imgadm import "$ZK_TMP/bb.tar.gz" --name bb-tar --version 1)
img_oci=$(imgadm import "$ZK_TMP/oci" --name bb-oci --version 1)
nicadm add lan --bridge zkbr0 --subnet 10.55.0.0/24 --gateway 10.55.0.1

for z in one:$img_tar two:$img_tar three:$img_oci; do
  printf '{"alias": "%s", "image_uuid": "%s", "nics": [{"nic_tag": "lan"}]}\n' "${z%%:*}" "${z#*:}" |
    zoneadm create -f - >/dev/null
  zoneadm boot "${z%%:*}"
done
expect_eq "$(zoneadm list -H -o alias,brand,state -s alias | tr -s ' ')" "$(printf 'one image running\nthree image running\ntwo image running')" "zones"

# The zone's root is the image: busybox's own /bin, no host /usr.
expect_eq "$(zlogin one readlink /bin/sh)" busybox "image /bin/sh"
expect_rc 1 zlogin one test -e /usr/bin/dpkg
# The OCI image's second layer added etc/motd and whited out etc/removed.
zlogin three test -e /etc/motd || zk_fail "OCI layer 2 file missing"
expect_rc 1 zlogin three test -e /etc/removed

# Writes land in the zone's own layer only.
zlogin one sh -c 'echo secret > /root/mine; echo changed > /etc/motd-one'
expect_rc 1 zlogin two test -e /root/mine
expect_rc 1 zlogin two test -e /etc/motd-one
[ ! -e "$ZONEKIT_ROOT/images/$img_tar/rootfs/root/mine" ] || zk_fail "write reached the image"
# Image files keep their ownership inside the zone (idmapped lower layer).
expect_eq "$(zlogin two stat -c %u:%g /bin/busybox)" 0:0 "image file owner in the zone"
# Each zone's root is owned by the zone's own id range on the host.
u1=$(zoneadm get one | sed -n 's/.*"uid_base": *\([0-9]*\).*/\1/p')
u2=$(zoneadm get two | sed -n 's/.*"uid_base": *\([0-9]*\).*/\1/p')
[ "$u1" != "$u2" ] || zk_fail "zones share an id range"
expect_eq "$(stat -c %u "$ZONEKIT_ROOT/zones/$(zoneadm list -H -o uuid alias=one)/overlay/upper/root/mine")" "$u1" "owner of a zone file on the host"

# In use: refused, naming the zones.
expect_rc 1 imgadm delete bb-tar
expect_contains "$ZK_TMP/err" "one"
expect_contains "$ZK_TMP/err" "two"

for z in one two three; do zoneadm delete "$z"; done
imgadm delete bb-tar
imgadm delete bb-oci
expect_eq "$(imgadm list -H | wc -l)" 0 "images left"
expect_eq "$(find "$ZONEKIT_ROOT/zones" "$ZONEKIT_ROOT/images" -mindepth 1 -not -name '.lock' | wc -l)" 0 "files left in the store"
