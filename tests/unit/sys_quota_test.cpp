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

TEST_CASE("limits: GiB in 1 KiB quota blocks, one file per filesystem block") {
  CHECK(limits_for(0, 4096) == Limits{});
  CHECK(limits_for(1, 4096) == Limits{1u << 20, 262144});
  CHECK(limits_for(10, 4096) == Limits{10u << 20, 2621440});
  CHECK(limits_for(1, 1024) == Limits{1u << 20, 1u << 20});
  CHECK(limits_for(1, 0) == Limits{1u << 20, 262144});  // unknown block size: 4 KiB
  CHECK(limits_for(1048576, 4096).block_hard_kib == uint64_t{1} << 40);  // the schema's max
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
