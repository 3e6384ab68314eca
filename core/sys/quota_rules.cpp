#include "core/sys/quota_rules.hpp"

#include <linux/dqblk_xfs.h>
#include <linux/magic.h>

#include <cerrno>

#include <fmt/format.h>

namespace zonekit::quota {

namespace {

constexpr uint64_t kZfsMagic = 0x2fc12fc1;  // not in linux/magic.h

// What would give the filesystem enforced project quotas.
std::string hint(const std::string& fs) {
  if (fs == "ext4")
    return " (ext4 needs the quota and project features, tune2fs -O quota,project, and the mount "
           "option prjquota)";
  if (fs == "xfs") return " (XFS needs the mount option prjquota)";
  return " (ext4 and XFS have them, mounted with prjquota)";
}

}  // namespace

Result<uint32_t> project_id(uint32_t uid_base) {
  if (uid_base == 0) return fail("uid_base 0 cannot be a project id (it is every untagged file's)");
  return uid_base;
}

Limits limits_for(uint64_t quota_gib, uint64_t block_size) {
  if (quota_gib == 0) return {};
  if (block_size == 0) block_size = 4096;
  return {quota_gib << 20, (quota_gib << 30) / block_size};
}

Support classify(const ProbeFacts& f) {
  if (!f.have_syscall) return {false, false, "the kernel has no quotactl_fd (Linux 5.14 or later has)"};
  if (f.state_errno == 0) {
    bool acct = f.state_flags & FS_QUOTA_PDQ_ACCT, enfd = f.state_flags & FS_QUOTA_PDQ_ENFD;
    if (enfd) return {true, true, ""};
    if (acct) return {true, false, f.fs_type + " counts project usage but does not enforce limits" + hint(f.fs_type)};
    return {false, false, "project quotas are off on " + f.fs_type + hint(f.fs_type)};
  }
  // No Q_XGETQSTATV: ask the generic quota code whether project quotas are
  // on; where it answers, quotaon enabled limits together with usage.
  if (f.info_errno == 0) return {true, true, ""};
  if (f.info_errno == ESRCH) return {false, false, "project quotas are off on " + f.fs_type + hint(f.fs_type)};
  // ext4 and XFS without quota operations: the kernel was built without.
  if (f.fs_type == "ext4")
    return {false, false, "this kernel has no quota support for ext4 (CONFIG_QUOTA and CONFIG_QFMT_V2)"};
  if (f.fs_type == "xfs") return {false, false, "this kernel has no quota support for xfs (CONFIG_XFS_QUOTA)"};
  if (f.fs_type == "zfs")  // its project quotas are set with zfs(8), not quotactl(2)
    return {false, false, "zfs keeps its project quotas out of reach of quotactl(2)"};
  return {false, false, f.fs_type + " has no project quotas" + hint(f.fs_type)};
}

std::string fs_type_name(uint64_t t) {
  switch (t) {
    case EXT4_SUPER_MAGIC: return "ext4";  // ext2 and ext3 share it; ext4 mounts them all
    case XFS_SUPER_MAGIC: return "xfs";
    case TMPFS_MAGIC: return "tmpfs";
    case RAMFS_MAGIC: return "ramfs";
    case BTRFS_SUPER_MAGIC: return "btrfs";
    case OVERLAYFS_SUPER_MAGIC: return "overlay";
    case F2FS_SUPER_MAGIC: return "f2fs";
    case FUSE_SUPER_MAGIC: return "fuse";
    case NFS_SUPER_MAGIC: return "nfs";
    case CIFS_SUPER_MAGIC:
    case SMB2_SUPER_MAGIC: return "cifs";
    case SQUASHFS_MAGIC: return "squashfs";
    case kZfsMagic: return "zfs";
  }
  return fmt::format("filesystem type {:#x}", t);
}

}  // namespace zonekit::quota
