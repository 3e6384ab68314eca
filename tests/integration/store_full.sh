#!/usr/bin/env bash
# A full store (issue 19): one zone fills the store's filesystem, its
# blocks, then its inodes, and zonekit goes on.
#  1. tmpfs store (size= and nr_inodes= are its only bound; no project
#     quotas): the per-boot /etc files live on a tmpfs of their own, mounted
#     on /etc/hostname, hosts, resolv.conf (editable, not renamable), and
#     take nothing of the zone's disk; with the store full of blocks, and
#     then of inodes, list/get/info/halt/boot/delete work, boot warns below
#     the reserve, a zone's first boot leaves out /etc/passwd and boots,
#     create is refused below [store] reserve; the other zones cannot write
#     (nothing can stop that without project quotas: quota.sh tests them).
#  2. plain ext4 (no project quotas): root's reserved blocks are zonekit's
#     reserve; a zone fills what it may, update still writes the manifest.
. "$(dirname "$0")/../lib/harness.sh"

create() { printf '%s\n' "$1" | zoneadm create -f -; }
zp() { zoneadm list -H -p -o zonepath alias="$1"; }
state() { zoneadm list -H -p -o state alias="$1"; }
below="less than the reserve of 5% ([store] reserve in zonekit.toml)"

# --- 1. tmpfs ----------------------------------------------------------------
small=$ZK_TMP/small
mkdir -p "$small"
mount -t tmpfs -o size=40m,nr_inodes=4000,mode=0755 zk-small "$small"
export ZONEKIT_ROOT=$small/root
mkdir -p "$ZONEKIT_ROOT"

create '{"alias": "hog", "hostname": "alpha", "resolvers": ["192.0.2.53"]}' >/dev/null
create '{"alias": "other"}' >/dev/null
create '{"alias": "late", "hostname": "gamma"}' >/dev/null  # first booted once the store is full
zoneadm boot hog
zoneadm boot other

# The per-boot files: mounted, editable, nothing of them on the zone's disk
# nor in /run.
expect_eq "$(zlogin hog cat /etc/hostname)" alpha "hog's /etc/hostname"
expect_eq "$(zlogin hog grep -c 192.0.2.53 /etc/resolv.conf)" 1 "hog's resolv.conf"
zlogin hog sh -c 'echo "192.0.2.9 extra" >> /etc/hosts'
expect_eq "$(zlogin hog grep -c extra /etc/hosts)" 1 "an edit of /etc/hosts"
expect_rc 1 zlogin hog mv /etc/hosts /etc/hosts.old
expect_contains "$ZK_TMP/err" "busy"
[ ! -s "$(zp hog)/root/etc/hostname" ] || zk_fail "/etc/hostname was written to hog's disk"
[ ! -s "$(zp hog)/root/etc/hosts" ] || zk_fail "/etc/hosts was written to hog's disk"
expect_rc 1 zlogin hog test -e /run/.zonekit-etc
expect_rc 0 zlogin hog test -s /etc/passwd

# Blocks: hog fills the store.
expect_rc 1 zlogin hog dd if=/dev/zero of=/var/fill bs=1M
expect_contains "$ZK_TMP/err" "No space left on device"
[ "$(stat -f -c %a "$small")" -le 1 ] || zk_fail "free blocks after hog filled the store: $(stat -f -c %a "$small")"
expect_rc 1 zlogin other dd if=/dev/zero of=/var/x bs=4k count=1  # no bound per zone on tmpfs
full_checks() {  # full_checks WHAT: zonekit on the full store
  local what=$1
  expect_rc 0 zoneadm list
  expect_rc 0 zoneadm get hog
  expect_rc 0 zoneadm info hog
  expect_rc 0 zoneadm halt hog
  expect_rc 0 zoneadm boot hog
  expect_contains "$ZK_TMP/err" "zoneadm: zone hog: the store's filesystem has "
  expect_contains "$ZK_TMP/err" "$below"
  expect_eq "$(zlogin hog cat /etc/hostname)" alpha "$what: hog's /etc/hostname after boot"
  expect_eq "$(zlogin hog grep -c extra /etc/hosts)" 0 "$what: hog's /etc/hosts is written anew"
  expect_eq "$(zlogin hog grep -c 192.0.2.53 /etc/resolv.conf)" 1 "$what: hog's resolv.conf"
  zlogin hog sh -c 'echo "192.0.2.9 extra" >> /etc/hosts' || zk_fail "$what: edit /etc/hosts"
  expect_rc 0 zoneadm halt other
  expect_rc 0 zoneadm boot other
  expect_eq "$(state other)" running "$what: other"
  expect_rc 1 create '{"alias": "extra"}'
  expect_contains "$ZK_TMP/err" "zoneadm: <stdin>: the store's filesystem has "
  expect_contains "$ZK_TMP/err" "$below; refusing to create a zone (delete zones or data, or lower the reserve)"
}
full_checks blocks
# A zone's first boot on the full store: no room for /etc/passwd (left out,
# written by a later boot), the per-boot files are there.
expect_rc 0 zoneadm boot late
expect_eq "$(state late)" running "late booted on the full store"
expect_eq "$(nsenter -t "$(zoneadm list -H -p -o pid alias=late)" -m cat /etc/hostname)" gamma "late's hostname"
[ ! -e "$(zp late)/root/etc/passwd" ] || zk_fail "a partial /etc/passwd was left"
zoneadm halt late

# Inodes: hog frees its blocks, then takes every inode.
zlogin hog rm /var/fill
expect_rc 0 zlogin hog perl -e 'for (my $i = 0;; $i++) { open(my $f, ">", "/var/i$i") or do { print STDERR "$!\n"; exit 0 } }'
expect_contains "$ZK_TMP/err" "No space left on device"
expect_eq "$(stat -f -c %d "$small")" 0 "free inodes after hog took them"
expect_rc 1 zlogin other touch /var/y
full_checks inodes

# Delete the hog on the full store (no inode for its incomplete marker).
expect_rc 0 zoneadm delete hog
[ "$(stat -f -c %d "$small")" -gt 3000 ] || zk_fail "inodes not freed by delete"
expect_rc 0 zoneadm boot late
expect_rc 0 zlogin late test -s /etc/passwd  # written now that there is room
for z in other late; do zoneadm delete $z; done
umount "$small"
export ZONEKIT_ROOT=$ZK_TMP/root

# --- 2. plain ext4: root's reserved blocks ------------------------------------
if [ ! -e /dev/loop-control ] || ! losetup -f >/dev/null 2>&1; then
  echo "SKIP: $(basename "$0"): no loop devices for part 2" >&2
  exit 77
fi
loop=""
ext4_cleanup() {
  umount "$ZK_TMP/e4" 2>/dev/null || umount -l "$ZK_TMP/e4" 2>/dev/null
  [ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
  return 0
}
ZK_EXTRA_CLEANUP=ext4_cleanup
truncate -s 96M "$ZK_TMP/e4.img"
mkfs.ext4 -q -F -m 5 "$ZK_TMP/e4.img"
loop=$(losetup -f --show "$ZK_TMP/e4.img")
mkdir -p "$ZK_TMP/e4"
mount "$loop" "$ZK_TMP/e4"
export ZONEKIT_ROOT=$ZK_TMP/e4/root
create '{"alias": "e1", "hostname": "e1"}' >/dev/null
zoneadm boot e1
expect_rc 1 zlogin e1 dd if=/dev/zero of=/var/fill bs=1M
expect_contains "$ZK_TMP/err" "No space left on device"
[ "$(stat -f -c %a "$ZK_TMP/e4")" -lt 2048 ] || zk_fail "blocks free for non-root after e1 filled ext4: $(stat -f -c %a "$ZK_TMP/e4")"
[ "$(stat -f -c %f "$ZK_TMP/e4")" -gt 1000 ] || zk_fail "root's reserve was used by the zone"
expect_rc 0 zoneadm update e1 autoboot=true
expect_rc 0 zoneadm halt e1
expect_rc 0 zoneadm boot e1
expect_contains "$ZK_TMP/err" "$below"
expect_eq "$(zlogin e1 cat /etc/hostname)" e1 "e1's hostname on the full ext4"
expect_rc 0 zoneadm delete e1
umount "$ZK_TMP/e4"
losetup -d "$loop"
loop=""
