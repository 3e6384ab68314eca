#!/usr/bin/env bash
# quota: a zone's writable layer is limited with the project quotas of the
# store's filesystem.
#  1. The test's tmpfs store cannot enforce one: quota above 0, or the
#     [quota] default a zone without quota gets, is refused at create and
#     update with the exact message; allowed in zonekit.toml, a zone with a
#     quota boots with a warning, one under the default without, and
#     zoneadm info says why it is unenforced.
#  2. ext4 without the quota features, XFS without prjquota: refused, with
#     the filesystem's reason.
#  3. ext4 with quota,project mounted prjquota (a loop device in the test's
#     mount namespace), and then XFS with prjquota: sparse and image zones
#     with quota 1 cannot write past 1 GiB from inside, nor with every
#     capability in the zone's user namespace (CAP_SYS_RESOURCE there does
#     not count); a zone without quota can; the zone cannot change its files' project id nor
#     link or rename them out; a full zone's manifest can still be updated;
#     update changes the limit at once; boot tags files an older zonekit
#     left untagged without following symlinks; delete clears the limit.
#     A zone without quota gets [quota] default: bytes and its share of
#     the inodes; one that used all of them halts and boots again, and the
#     other zones still write.
# Part 3 needs a kernel that can mount ext4 with prjquota (CONFIG_QUOTA and
# CONFIG_QFMT_V2); without one the test exits 77 after parts 1 and 2
# (scripts/vm-test.sh runs it under Debian's stock kernel). The XFS pass
# runs when mkfs.xfs is there and the kernel has CONFIG_XFS_QUOTA.
. "$(dirname "$0")/../lib/harness.sh"
. "$ZK_SOURCE/tests/lib/mkimage.sh"

if [ ! -e /dev/loop-control ] || ! losetup -f >/dev/null 2>&1; then
  echo "SKIP: $(basename "$0"): no loop devices" >&2
  exit 77
fi

loops=()
mounts=()
quota_cleanup() {
  local i
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    umount "${mounts[i]}" 2>/dev/null || umount -l "${mounts[i]}" 2>/dev/null
  done
  for i in "${loops[@]}"; do losetup -d "$i" 2>/dev/null; done
  return 0
}
ZK_EXTRA_CLEANUP=quota_cleanup

# fs_mount NAME SIZE MOUNT_OPTIONS MKFS...: a loop filesystem at $ZK_TMP/NAME;
# fails (leaving nothing mounted) when the kernel refuses the options.
fs_mount() {
  local name=$1 size=$2 opts=$3 loop
  shift 3
  truncate -s "$size" "$ZK_TMP/$name.img"
  "$@" "$ZK_TMP/$name.img" >/dev/null
  loop=$(losetup -f --show "$ZK_TMP/$name.img")
  loops+=("$loop")
  mkdir -p "$ZK_TMP/$name"
  mount -o "$opts" "$loop" "$ZK_TMP/$name" 2>"$ZK_TMP/mount.err" || return 1
  mounts+=("$ZK_TMP/$name")
}

fs_unmount() {  # fs_unmount NAME: unmount and detach the last filesystem
  umount "$ZK_TMP/$1"
  unset 'mounts[-1]'
  losetup -d "${loops[-1]}"
  unset 'loops[-1]'
}

create() { printf '%s\n' "$1" | zoneadm create -f -; }
# field ZONE KEY [info|get]: a top-level value of zoneadm info (or get)
field() {
  zoneadm "${3:-info}" "$1" | sed -n -e "s/^  \"$2\": \"\(.*\)\",\{0,1\}\$/\1/p" \
    -e "s/^  \"$2\": \([^\",]*\),\{0,1\}\$/\1/p"
}
zp() { field "$1" zonepath get; }
projid() { lsattr -pd "$1" | awk '{print $1}'; }
inherits() { lsattr -pd "$1" | awk '{print $2}' | grep -q P; }
reason_tmpfs="tmpfs has no project quotas (ext4 and XFS have them, mounted with prjquota)"
advice="set quota to 0, or allow unenforced quotas in zonekit.toml ([quota] allow_unenforced = true, the default)"
strict() { printf '[quota]\nallow_unenforced = false\n' >"$ZONEKIT_CONFIG"; }

# --- 1. tmpfs: allowed with a warning by default, refused when strict -------
# On a tmpfs of its own: the harness's store is an ext4 under ZK_STORE_FS=ext4.
export ZONEKIT_ROOT=$ZK_TMP/tmpfs-store
mkdir -p "$ZONEKIT_ROOT"
strict
expect_rc 2 create '{"alias": "t1", "quota": 1}'
expect_eq "$(cat "$ZK_TMP/err")" "zoneadm: <stdin>: quota: cannot enforce 1 GiB on $ZONEKIT_ROOT/zones: $reason_tmpfs; $advice" "create on tmpfs"
expect_eq "$(zoneadm list -H | wc -l)" 0 "zones after a refused create"
expect_rc 2 create '{"alias": "t0"}'
expect_eq "$(cat "$ZK_TMP/err")" "zoneadm: <stdin>: quota: cannot enforce the default quota of 10 GiB ([quota] default in zonekit.toml) on $ZONEKIT_ROOT/zones: $reason_tmpfs; $advice" "create under the default on tmpfs"
create '{"alias": "t0", "quota": 0}' >/dev/null
t0=$(zp t0)
expect_rc 2 zoneadm update t0 quota=1
expect_eq "$(cat "$ZK_TMP/err")" "zoneadm: zone t0: update: quota: cannot enforce 1 GiB on $t0: $reason_tmpfs; $advice" "update on tmpfs"
expect_eq "$(field t0 quota get)" 0 "quota after a refused update"
rm "$ZONEKIT_CONFIG"   # the default: allowed
expect_rc 0 zoneadm update t0 quota=1
expect_rc 0 zoneadm boot t0
expect_eq "$(cat "$ZK_TMP/err")" "zoneadm: zone t0: quota of 1 GiB is not enforced on $t0/root: $reason_tmpfs" "boot warning"
expect_eq "$(field t0 quota_enforced)" false "info quota_enforced"
expect_eq "$(field t0 quota_reason)" "$reason_tmpfs" "info quota_reason"
zoneadm delete t0
# Under the default: no warning at boot, info says.
create '{"alias": "t2"}' >/dev/null
expect_rc 0 zoneadm boot t2
[ ! -s "$ZK_TMP/err" ] || zk_fail "boot under an unenforced default warned: $(cat "$ZK_TMP/err")"
expect_eq "$(field t2 quota_default)" 10 "info quota_default"
expect_eq "$(field t2 quota_enforced)" false "info quota_enforced under the default"
expect_eq "$(field t2 quota get)" "" "the default is not stored"
zoneadm delete t2

# --- 2. ext4 without project quotas: refused --------------------------------
fs_mount plain 1G defaults mkfs.ext4 -q -F || zk_fail "mount plain ext4: $(cat "$ZK_TMP/mount.err")"
export ZONEKIT_ROOT=$ZK_TMP/plain/root
strict
expect_rc 2 create '{"alias": "p1", "quota": 1}'
expect_eq "$(cat "$ZK_TMP/err")" "zoneadm: <stdin>: quota: cannot enforce 1 GiB on $ZONEKIT_ROOT/zones: project quotas are off on ext4 (ext4 needs the quota and project features, tune2fs -O quota,project, and the mount option prjquota); $advice" "create on plain ext4"
fs_unmount plain
# XFS mounted without prjquota: the reason depends on the kernel's support.
if command -v mkfs.xfs >/dev/null; then
  fs_mount plainxfs 1G defaults mkfs.xfs -q -f || zk_fail "mount plain XFS: $(cat "$ZK_TMP/mount.err")"
  export ZONEKIT_ROOT=$ZK_TMP/plainxfs/root
  expect_rc 2 create '{"alias": "p1", "quota": 1}'
  case "$(cat "$ZK_TMP/err")" in
    "zoneadm: <stdin>: quota: cannot enforce 1 GiB on $ZONEKIT_ROOT/zones: project quotas are off on xfs (XFS needs the mount option prjquota); $advice") ;;
    "zoneadm: <stdin>: quota: cannot enforce 1 GiB on $ZONEKIT_ROOT/zones: this kernel has no quota support for xfs (CONFIG_XFS_QUOTA); $advice") ;;
    *) cat "$ZK_TMP/err" >&2; zk_fail "create on plain XFS" ;;
  esac
  fs_unmount plainxfs
fi
rm "$ZONEKIT_CONFIG"

# --- 3. enforced: ext4 and XFS with prjquota --------------------------------
mkimage_rootfs "$ZK_TMP/rootfs" >/dev/null
mkimage_targz "$ZK_TMP/rootfs" "$ZK_TMP/bb.tar.gz" >/dev/null

# enforced FS: the whole scenario on the filesystem mounted at $ZK_TMP/FS.
enforced() {
  local fs=$1 mnt=$ZK_TMP/$1 img s_id i_id sp ip caps used share full="Disk quota exceeded"
  # XFS answers a full project with ENOSPC, as if it were a filesystem.
  [ "$fs" = xfs ] && full="No space left on device"
  export ZONEKIT_ROOT=$mnt/root
  mkdir -p "$mnt/shared"
  img=$(imgadm import "$ZK_TMP/bb.tar.gz" --name bb --version 1)
  create "{\"alias\": \"s1\", \"quota\": 1, \"tmpfs\": 0, \"filesystems\": [{\"type\": \"lofs\", \"source\": \"$mnt/shared\", \"target\": \"/shared\"}]}" >/dev/null
  create "{\"alias\": \"i1\", \"quota\": 1, \"image_uuid\": \"$img\"}" >/dev/null
  create '{"alias": "n0", "quota": 0}' >/dev/null
  for z in s1 i1 n0; do zoneadm boot $z; done
  s_id=$(field s1 uid_base get)
  i_id=$(field i1 uid_base get)
  sp=$(zp s1)
  ip=$(zp i1)

  # The writable layers carry the zone's project id, inherited by new files.
  expect_eq "$(projid "$sp/root")" "$s_id" "$fs: project of the sparse zone's tree"
  inherits "$sp/root" || zk_fail "$fs: $sp/root lacks PROJINHERIT"
  expect_eq "$(projid "$sp/root/var")" "$s_id" "$fs: project of a persistent dir"
  expect_eq "$(projid "$ip/overlay/upper")" "$i_id" "$fs: project of the image zone's upper layer"
  expect_eq "$(projid "$sp/zone.json")" 0 "$fs: zone.json stays outside the project"
  expect_eq "$(field s1 quota_enforced)" true "$fs: info quota_enforced"
  expect_eq "$(field s1 quota_limit_bytes)" $((1 << 30)) "$fs: info quota_limit_bytes"

  # Past the limit from inside: fails; below it: fine.
  expect_rc 1 zlogin s1 fallocate -l 1100M /root/big
  expect_contains "$ZK_TMP/err" "$full"
  zlogin s1 rm -f /root/big
  expect_rc 0 zlogin s1 fallocate -l 1000M /root/big
  expect_rc 1 zlogin s1 dd if=/dev/zero of=/var/more bs=1M count=64
  expect_contains "$ZK_TMP/err" "$full"
  used=$(field s1 quota_used_bytes)
  [ "$used" -gt $((1000 << 20)) ] && [ "$used" -le $((1 << 30)) ] || zk_fail "$fs: s1 uses $used bytes"
  # The zone's root lacks CAP_SYS_RESOURCE and cannot make a user namespace
  # to get it; a process given every capability in the zone's user
  # namespace (entered from the host) still cannot pass the limit: quota
  # checks capabilities in the host's.
  expect_rc 1 zlogin s1 unshare -r true
  in_userns() { nsenter -t "$(field s1 pid)" -U -S 0 -G 0 -- "$@"; }
  caps=$(in_userns sed -n 's/^CapEff:\t//p' /proc/self/status)
  (( (16#$caps >> 24) & 1 )) || zk_fail "$fs: no CAP_SYS_RESOURCE in the zone's user namespace ($caps)"
  expect_rc 1 in_userns dd if=/dev/zero of="$sp/root/root/ns" bs=1M count=64
  expect_contains "$ZK_TMP/err" "$full"
  # A full zone's manifest (outside the project) still updates.
  expect_rc 0 zoneadm update s1 autoboot=true
  zlogin s1 rm -f /root/big /var/more /root/ns

  # The zone cannot take its files out of the project.
  zlogin s1 sh -c 'echo x > /root/f; mkdir /root/d'
  expect_rc 1 zlogin s1 chattr -p 7 /root/f
  expect_rc 1 zlogin s1 chattr -P /root/d
  expect_rc 1 in_userns chattr -p 7 "$sp/root/root/f"
  expect_eq "$(projid "$sp/root/root/f")" "$s_id" "$fs: project of a file after chattr -p"
  inherits "$sp/root/root/d" || zk_fail "$fs: chattr -P from the zone removed PROJINHERIT"
  expect_rc 1 zlogin s1 ln /root/f /shared/f
  expect_rc 1 zlogin s1 perl -e 'rename("/root/f", "/shared/f") or do { print STDERR "$!\n"; exit 1 }'
  expect_contains "$ZK_TMP/err" "Invalid cross-device link"
  # On the host too, a file of another project cannot be linked in.
  echo y >"$mnt/shared/g"
  if ln "$mnt/shared/g" "$sp/root/root/g" 2>/dev/null; then zk_fail "$fs: hardlink into the project"; fi

  # The image zone: writes go through overlayfs into the limited upper layer.
  expect_rc 1 zlogin i1 fallocate -l 1100M /big
  expect_contains "$ZK_TMP/err" "$full"
  zlogin i1 rm -f /big
  expect_rc 0 zlogin i1 fallocate -l 1000M /big
  expect_rc 1 zlogin i1 dd if=/dev/zero of=/root/more bs=1M count=64
  expect_contains "$ZK_TMP/err" "$full"
  expect_eq "$(projid "$ip/overlay/upper/big")" "$i_id" "$fs: project of an image zone's file"
  zlogin i1 rm -f /big /root/more

  # No quota: no limit.
  expect_rc 0 zlogin n0 fallocate -l 1100M /root/big
  zlogin n0 rm /root/big
  expect_eq "$(field n0 quota_limit_bytes)" 0 "$fs: n0's limit"

  # update raises the limit of the running zone at once.
  expect_rc 0 zoneadm update s1 quota=2
  expect_eq "$(field s1 quota_limit_bytes)" $((2 << 30)) "$fs: limit after update"
  expect_rc 0 zlogin s1 fallocate -l 1500M /root/big2
  if command -v repquota >/dev/null; then
    expect_eq "$(repquota -P -n "$mnt" | awk -v id="#$s_id" '$1 == id {print $5}')" $((2 << 20)) "$fs: repquota hard limit"
  fi
  zlogin s1 rm -f /root/big2

  # A tree an older zonekit left untagged is tagged at boot, symlinks not
  # followed (the zone points one at a host file on the same filesystem).
  echo t >"$mnt/shared/target"
  zlogin s1 sh -c "echo k > /root/keep; ln -s $mnt/shared/target /root/evil"
  zoneadm halt s1
  chattr -R -p 0 "$sp/root" 2>/dev/null || true
  chattr -R -P "$sp/root" 2>/dev/null || true
  expect_eq "$(projid "$sp/root/root/keep")" 0 "$fs: untagged before boot"
  expect_rc 0 zoneadm boot s1
  expect_eq "$(projid "$sp/root/root/keep")" "$s_id" "$fs: a pre-existing file tagged at boot"
  expect_eq "$(projid "$sp/root/etc")" "$s_id" "$fs: a pre-existing dir tagged at boot"
  inherits "$sp/root/etc" || zk_fail "$fs: $sp/root/etc lacks PROJINHERIT after boot"
  expect_eq "$(projid "$mnt/shared/target")" 0 "$fs: a symlink's host target"

  # No quota in the manifest: [quota] default, blocks and the zone's share
  # of the inodes (ext4 here has about 16384 for 3 GiB: a third for 1 GiB).
  printf '[quota]\ndefault = 1\n' >"$ZONEKIT_CONFIG"
  create '{"alias": "d0"}' >/dev/null
  zoneadm boot d0
  expect_eq "$(field d0 quota_default)" 1 "$fs: info quota_default"
  expect_eq "$(field d0 quota_limit_bytes)" $((1 << 30)) "$fs: the default's limit"
  expect_rc 1 zlogin d0 fallocate -l 1100M /root/big
  expect_contains "$ZK_TMP/err" "$full"
  if [ "$fs" = ext4 ]; then
    share=$(( $(stat -f -c %c "$mnt") * (1 << 30) / ($(stat -f -c %b "$mnt") * $(stat -f -c %S "$mnt")) ))
    expect_eq "$(field d0 quota_limit_files)" "$share" "$fs: the default's share of the inodes"
    expect_rc 0 zlogin d0 perl -e 'for (my $i = 0;; $i++) { open(my $f, ">", "/var/i$i") or do { print STDERR "$i: $!\n"; exit 0 } }'
    expect_contains "$ZK_TMP/err" "$full"
    expect_rc 0 zlogin n0 sh -c 'for i in 1 2 3; do echo x > /root/after$i; done'
    expect_rc 0 zoneadm halt d0
    expect_rc 0 zoneadm boot d0
    expect_eq "$(zlogin d0 cat /etc/hostname)" d0 "$fs: d0's hostname with no inode left"
    expect_rc 0 zoneadm update d0 autoboot=true
    zlogin n0 rm -f /root/after1 /root/after2 /root/after3
  fi
  zoneadm delete d0
  rm "$ZONEKIT_CONFIG"

  # delete drops the limit: nothing is left for the next zone with this id.
  for z in s1 i1 n0; do zoneadm delete $z; done
  if command -v repquota >/dev/null; then
    expect_eq "$(repquota -P -n "$mnt" | awk -v a="#$s_id" -v b="#$i_id" '$1 == a || $1 == b')" "" "$fs: projects after delete"
  fi
  imgadm delete bb
  expect_eq "$(find "$ZONEKIT_ROOT/zones" "$ZONEKIT_ROOT/images" -mindepth 1 -not -name '.lock' | wc -l)" 0 "$fs: files left in the store"
  rm -rf "$mnt/shared"
  echo "quota.sh: $fs: enforced" >&2
}

if ! fs_mount ext4 3G prjquota mkfs.ext4 -q -F -N 16384 -O quota,project -E quotatype=prjquota; then
  echo "SKIP: $(basename "$0"): this kernel cannot mount ext4 with prjquota (no CONFIG_QFMT_V2?):" \
    "enforcement was not tested; scripts/vm-test.sh runs it under Debian's kernel" >&2
  exit 77
fi
enforced ext4
fs_unmount ext4

if command -v mkfs.xfs >/dev/null; then
  if fs_mount xfs 3G prjquota mkfs.xfs -q -f; then
    enforced xfs
    fs_unmount xfs
  else
    echo "note: this kernel cannot mount XFS with prjquota; XFS was not tested" >&2
  fi
else
  echo "note: mkfs.xfs is not installed; XFS was not tested" >&2
fi
