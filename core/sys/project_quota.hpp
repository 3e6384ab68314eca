// Project quotas through the kernel: probe a filesystem, tag a directory
// tree with a project id (FS_IOC_FSSETXATTR), set and read a project's
// limits and usage (quotactl_fd(2)). The rules are in quota_rules.hpp.
#pragma once

#include <cstdint>
#include <string>

#include "core/sys/quota_rules.hpp"
#include "core/sys/result.hpp"

namespace zonekit::quota {

// What the filesystem holding dir can do. Never fails: a directory that
// cannot be opened is reported as not accounted, with the reason.
Support probe(const std::string& dir);

struct TagResult {
  bool walked = false;   // false: dir already had the id and PROJINHERIT
  uint64_t tagged = 0;   // directories and regular files whose id changed
  uint64_t skipped = 0;  // symlinks, fifos, sockets, devices, other mounts
};

// Give dir and every directory and regular file below it on the same
// filesystem project id `id`; directories also get PROJINHERIT, so what is
// created in them later inherits the id. Never follows a symlink. dir
// itself is tagged last, so dir carrying the id means the walk finished
// once, and later boots skip it. Symlinks, fifos and sockets that existed
// before the first walk keep their old id (ioctls need an open file).
Result<TagResult> tag_tree(const std::string& dir, uint32_t id);

// Project id and PROJINHERIT of one directory.
struct DirProject {
  uint32_t id = 0;
  bool inherit = false;
};
Result<DirProject> dir_project(const std::string& dir);

Result<void> set_limits(const std::string& dir, uint32_t id, const Limits& limits);

struct Usage {
  uint64_t bytes = 0;
  uint64_t files = 0;
  uint64_t byte_limit = 0;  // 0 = none
  uint64_t file_limit = 0;  // 0 = none
};
Result<Usage> usage(const std::string& dir, uint32_t id);

// statfs of dir's filesystem.
Result<FsSpace> space(const std::string& dir);

}  // namespace zonekit::quota
