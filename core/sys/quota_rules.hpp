// Project quota rules, pure: which project id a zone gets, which kernel
// limits a quota in GiB means, and why a filesystem cannot enforce one.
// The syscalls are in project_quota.hpp.
#pragma once

#include <cstdint>
#include <string>

#include "core/sys/result.hpp"

namespace zonekit::quota {

// A zone's project id is its uid_base: unique among zones (the allocator
// never hands one base to two zones) and fixed for the zone's life, and an
// admin reading repquota -P sees the number zoneadm get shows. 0 is the
// project of every untagged file, so it is refused.
Result<uint32_t> project_id(uint32_t uid_base);

struct Limits {
  uint64_t block_hard_kib = 0;  // quotactl's unit (QIF_DQBLKSIZE, 1 KiB); 0 = none
  uint64_t inode_hard = 0;      // 0 = none
  bool operator==(const Limits&) const = default;
};

// A filesystem's size and what is free, as statfs(2) says.
struct FsSpace {
  uint64_t block_size = 0;    // f_bsize
  uint64_t blocks = 0;        // f_blocks
  uint64_t blocks_avail = 0;  // f_bavail: free for all but root
  uint64_t files = 0;         // f_files; 0: the filesystem does not count inodes (btrfs)
  uint64_t files_free = 0;    // f_ffree
};

// quota_gib 0 means no limit. Besides the bytes, the same share of the
// filesystem's inodes as of its space (1 GiB of a 10 GiB filesystem: a
// tenth of its inodes), and never more than one per block of the quota:
// empty files and short symlinks take no block, and without an inode
// limit one zone could use up the inodes of every other zone and of
// zonekit. Zones whose quotas fit in the filesystem then fit in its inodes.
Limits limits_for(uint64_t quota_gib, const FsSpace& fs);

// Why a store's filesystem is too full for another zone: less than
// reserve_percent of its space, or of its inodes, free for zones (root's
// reserved blocks do not count). "" when it is not.
std::string below_reserve(const FsSpace& fs, unsigned reserve_percent);

// What the kernel said about a filesystem, as read by project_quota.cpp.
struct ProbeFacts {
  std::string fs_type;        // fs_type_name() of statfs f_type
  bool have_syscall = true;   // quotactl_fd(2) exists (Linux >= 5.14)
  int state_errno = 0;        // Q_XGETQSTATV PRJQUOTA: 0 = answered
  uint16_t state_flags = 0;   // its FS_QUOTA_PDQ_ACCT / FS_QUOTA_PDQ_ENFD
  int info_errno = 0;         // Q_GETINFO PRJQUOTA, asked when Q_XGETQSTATV failed
};

struct Support {
  bool accounted = false;  // usage is counted per project: trees can be tagged
  bool enforced = false;   // writes past a hard limit fail with EDQUOT
  std::string reason;      // when not enforced: why, and what would do it
};

Support classify(const ProbeFacts& facts);

// "ext4", "xfs", "tmpfs", "btrfs", "overlay", ... or "filesystem type 0x..".
std::string fs_type_name(uint64_t f_type);

}  // namespace zonekit::quota
