// Project quota rules: project id, limits, and why a filesystem cannot
// enforce a quota.
#include <doctest/doctest.h>
#include <linux/dqblk_xfs.h>
#include <linux/magic.h>

#include <cerrno>

#include "core/sys/quota_rules.hpp"

using namespace zonekit;
using namespace zonekit::quota;

TEST_CASE("a zone's project id is its uid_base, never 0") {
  CHECK(*project_id(1048576) == 1048576u);
  CHECK(*project_id(1048576 + 65536 * 3999) == 1048576u + 65536u * 3999u);
  auto zero = project_id(0);
  REQUIRE_FALSE(zero);
  CHECK(zero.error().message() == "uid_base 0 cannot be a project id (it is every untagged file's)");
}

TEST_CASE("limits: GiB in 1 KiB quota blocks, the zone's share of the inodes") {
  // A filesystem that does not count inodes: one file per block.
  FsSpace nofiles{.block_size = 4096, .blocks = 1u << 20};
  CHECK(limits_for(0, nofiles) == Limits{});
  CHECK(limits_for(1, nofiles) == Limits{1u << 20, 262144});
  CHECK(limits_for(10, nofiles) == Limits{10u << 20, 2621440});
  CHECK(limits_for(1, FsSpace{.block_size = 1024}) == Limits{1u << 20, 1u << 20});
  CHECK(limits_for(1, FsSpace{}) == Limits{1u << 20, 262144});  // unknown block size: 4 KiB
  // ext4's default, one inode per 16 KiB: 4 GiB has 262144 inodes, a
  // 1 GiB quota a quarter of them, and quotas that fit fit in the inodes.
  FsSpace ext4{.block_size = 4096, .blocks = 1u << 20, .files = 262144};
  CHECK(limits_for(1, ext4) == Limits{1u << 20, 65536});
  CHECK(limits_for(4, ext4) == Limits{4u << 20, 262144});
  // Never more than one per block, however many inodes the filesystem has.
  FsSpace dense{.block_size = 4096, .blocks = 1u << 20, .files = 1u << 24};
  CHECK(limits_for(1, dense).inode_hard == 262144);
  // A tiny share is still one file, and huge filesystems do not overflow.
  CHECK(limits_for(1, FsSpace{.block_size = 4096, .blocks = uint64_t{1} << 40, .files = 1000}).inode_hard == 1);
  FsSpace huge{.block_size = 4096, .blocks = uint64_t{1} << 40, .files = uint64_t{1} << 38};
  CHECK(limits_for(1048576, huge) == Limits{uint64_t{1} << 40, uint64_t{1} << 36});  // the schema's max
}

TEST_CASE("below_reserve: space or inodes under the reserve, for zones") {
  FsSpace fs{.block_size = 4096, .blocks = 100000, .blocks_avail = 5000, .files = 1000, .files_free = 50};
  CHECK(below_reserve(fs, 5) == "");
  CHECK(below_reserve(fs, 0) == "");
  fs.blocks_avail = 4999;
  CHECK(below_reserve(fs, 5) ==
        "the store's filesystem has 19 MiB (4%) of its space free, less than the reserve of 5% ([store] reserve in "
        "zonekit.toml)");
  fs.blocks_avail = 50000;
  fs.files_free = 49;
  CHECK(below_reserve(fs, 5) ==
        "the store's filesystem has 49 inodes (4%) free, less than the reserve of 5% ([store] reserve in "
        "zonekit.toml)");
  fs.files = 0;  // btrfs: no inode count
  CHECK(below_reserve(fs, 5) == "");
}

TEST_CASE("classify: the filesystem's answer to Q_XGETQSTATV") {
  ProbeFacts f{.fs_type = "ext4"};
  f.state_flags = FS_QUOTA_PDQ_ACCT | FS_QUOTA_PDQ_ENFD;
  auto s = classify(f);
  CHECK(s.accounted);
  CHECK(s.enforced);
  CHECK(s.reason == "");

  f.state_flags = FS_QUOTA_PDQ_ACCT;
  s = classify(f);
  CHECK(s.accounted);
  CHECK_FALSE(s.enforced);
  CHECK(s.reason == "ext4 counts project usage but does not enforce limits (ext4 needs the quota and project "
                    "features, tune2fs -O quota,project, and the mount option prjquota)");

  f.fs_type = "xfs";
  f.state_flags = FS_QUOTA_UDQ_ACCT | FS_QUOTA_UDQ_ENFD;  // user quotas only
  s = classify(f);
  CHECK_FALSE(s.accounted);
  CHECK_FALSE(s.enforced);
  CHECK(s.reason == "project quotas are off on xfs (XFS needs the mount option prjquota)");
}

TEST_CASE("classify: filesystems without Q_XGETQSTATV") {
  ProbeFacts f{.fs_type = "tmpfs", .state_errno = ENOSYS, .info_errno = ENOSYS};
  auto s = classify(f);
  CHECK_FALSE(s.accounted);
  CHECK(s.reason == "tmpfs has no project quotas (ext4 and XFS have them, mounted with prjquota)");

  f = {.fs_type = "ext4", .state_errno = ENOSYS, .info_errno = ESRCH};  // a kernel without quota formats
  s = classify(f);
  CHECK_FALSE(s.enforced);
  CHECK(s.reason == "project quotas are off on ext4 (ext4 needs the quota and project features, tune2fs -O "
                    "quota,project, and the mount option prjquota)");

  f = {.fs_type = "ext4", .state_errno = ENOSYS, .info_errno = 0};  // quotaon'd the old way
  s = classify(f);
  CHECK(s.accounted);
  CHECK(s.enforced);

  f = {.fs_type = "xfs", .state_errno = ENOSYS, .info_errno = ENOSYS};
  CHECK(classify(f).reason == "this kernel has no quota support for xfs (CONFIG_XFS_QUOTA)");
  f = {.fs_type = "ext4", .state_errno = ENOSYS, .info_errno = ENOSYS};
  CHECK(classify(f).reason == "this kernel has no quota support for ext4 (CONFIG_QUOTA and CONFIG_QFMT_V2)");

  f = {.fs_type = "zfs", .state_errno = ENOSYS, .info_errno = ENOSYS};
  CHECK(classify(f).reason == "zfs keeps its project quotas out of reach of quotactl(2)");

  f = {.fs_type = "btrfs", .state_errno = ENOTTY, .info_errno = ENOTTY};
  CHECK(classify(f).reason == "btrfs has no project quotas (ext4 and XFS have them, mounted with prjquota)");

  f = {.fs_type = "ext4", .have_syscall = false, .state_errno = ENOSYS, .info_errno = ENOSYS};
  s = classify(f);
  CHECK_FALSE(s.accounted);
  CHECK(s.reason == "the kernel has no quotactl_fd (Linux 5.14 or later has)");
}

TEST_CASE("filesystem type names") {
  CHECK(fs_type_name(EXT4_SUPER_MAGIC) == "ext4");
  CHECK(fs_type_name(XFS_SUPER_MAGIC) == "xfs");
  CHECK(fs_type_name(TMPFS_MAGIC) == "tmpfs");
  CHECK(fs_type_name(BTRFS_SUPER_MAGIC) == "btrfs");
  CHECK(fs_type_name(OVERLAYFS_SUPER_MAGIC) == "overlay");
  CHECK(fs_type_name(0x2fc12fc1) == "zfs");
  CHECK(fs_type_name(0x12345678) == "filesystem type 0x12345678");
}
