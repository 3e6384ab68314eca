#include "core/sys/quota_rules.hpp"

#include <linux/dqblk_xfs.h>
#include <linux/magic.h>

#include <algorithm>
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

Limits limits_for(uint64_t quota_gib, const FsSpace& fs) {
  if (quota_gib == 0) return {};
  const uint64_t bsize = fs.block_size ? fs.block_size : 4096;
  const uint64_t bytes = quota_gib << 30;
  uint64_t inodes = bytes / bsize;
  if (fs.files > 0 && fs.blocks > 0) {
    // files * bytes / (blocks * bsize), in 128 bits: an exabyte filesystem
    // with billions of inodes overflows 64.
    using u128 = unsigned __int128;
    u128 share = static_cast<u128>(fs.files) * bytes / (static_cast<u128>(fs.blocks) * bsize);
    inodes = std::max<uint64_t>(1, static_cast<uint64_t>(std::min<u128>(share, inodes)));
  }
  return {quota_gib << 20, inodes};
}

std::string below_reserve(const FsSpace& fs, unsigned reserve_percent) {
  if (reserve_percent == 0) return "";
  auto below = [&](uint64_t free, uint64_t total) {
    return total > 0 && static_cast<unsigned __int128>(free) * 100 < static_cast<unsigned __int128>(total) * reserve_percent;
  };
  auto percent = [](uint64_t free, uint64_t total) { return static_cast<unsigned>(free * 100.0 / total); };
  const std::string tail = fmt::format(", less than the reserve of {}% ([store] reserve in zonekit.toml)", reserve_percent);
  if (below(fs.blocks_avail, fs.blocks))
    return fmt::format("the store's filesystem has {} MiB ({}%) of its space free{}",
                       fs.blocks_avail * fs.block_size >> 20, percent(fs.blocks_avail, fs.blocks), tail);
  if (below(fs.files_free, fs.files))
    return fmt::format("the store's filesystem has {} inodes ({}%) free{}", fs.files_free,
                       percent(fs.files_free, fs.files), tail);
  return "";
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
