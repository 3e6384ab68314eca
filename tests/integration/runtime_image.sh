#!/usr/bin/env bash
# Image brand: the image's rootfs is the read-only lower layer (id-shifted
# into the zone's range), the zone writes into its own upper layer.
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/zonectl.sh"

# In the store's file system (ext4 under ZK_STORE_FS=ext4): Linux before 6.3
# cannot idmap a tmpfs.
img="$ZONEKIT_ROOT/test-image/rootfs"
mkdir -p "$img"/{bin,etc,root,tmp}
cp /bin/busybox "$img/bin/busybox"
for a in sh ls cat id echo hostname ps touch chown stat grep mount; do ln -s busybox "$img/bin/$a"; done
echo from-image >"$img/etc/motd"
chown -R 0:0 "$img"
img_sum=$(find "$img" -exec stat -c '%n %u %g %a %s' {} + | sort | md5sum)

U=eeeeeeee-0000-4000-8000-000000000001
run=$(ZK_SPEC_EXTRA="\"brand\":\"image\",\"image_rootfs\":\"$img\"," zk_write_spec $U 9)
expect_rc 0 zonectl boot "$run"
expect_eq "$(zlogin $U /bin/hostname)" zone9 "hostname in an image zone"
expect_eq "$(zlogin $U /bin/cat /etc/motd)" from-image "file from the image"
expect_eq "$(zlogin $U /bin/stat -c '%u:%g' /bin/busybox)" 0:0 "image files belong to the zone's root"
# the zone changes image files and adds its own; the image stays as it was
zlogin $U /bin/sh -c 'echo changed > /etc/motd; echo new > /root/new; chown 5:5 /root/new'
expect_eq "$(zlogin $U /bin/cat /etc/motd)" changed "changed file"
expect_eq "$(cat "$img/etc/motd")" from-image "image file on the host"
upper="$ZONEKIT_ROOT/zones/$U/overlay/upper"
expect_eq "$(stat -c '%u:%g' "$upper/root/new")" "$((1000000 + 65536 * 9 + 5)):$((1000000 + 65536 * 9 + 5))" "host ids of a zone file"
expect_eq "$(zlogin $U /bin/cat /etc/hostname)" zone9 "/etc/hostname"
[ ! -s "$upper/etc/hostname" ] || zk_fail "/etc/hostname was written to the writable layer"
expect_rc 1 zlogin $U /bin/touch /usr/x   # the host's /usr is not in an image zone
# changes survive a reboot; the image is untouched
expect_rc 0 zonectl reboot "$run"
expect_eq "$(zlogin $U /bin/cat /etc/motd)" changed "changed file after reboot"
expect_rc 0 zonectl halt "$run"
zk_assert_clean $U "$run"
expect_eq "$(find "$img" -exec stat -c '%n %u %g %a %s' {} + | sort | md5sum)" "$img_sum" "image tree"
