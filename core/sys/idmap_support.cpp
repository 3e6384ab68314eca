#include "core/sys/idmap_support.hpp"

#include <cstdio>

namespace zonekit::sys {

namespace {

struct IdmapSince {
  const char* fs;
  int since;  // kernel_version_code of the first release that idmaps it
};

// From each file system's FS_ALLOW_IDMAP commit in Linux.
constexpr IdmapSince kIdmapSince[] = {
    {"ext4", 512}, {"xfs", 512}, {"btrfs", 515}, {"f2fs", 518}, {"overlay", 519}, {"tmpfs", 603},
};

std::string version_text(int code) { return std::to_string(code / 100) + "." + std::to_string(code % 100); }

}  // namespace

int kernel_version_code(const std::string& release) {
  int major = 0, minor = 0;
  if (std::sscanf(release.c_str(), "%d.%d", &major, &minor) != 2 || major < 0 || minor < 0 || minor > 99) return 0;
  return major * 100 + minor;
}

std::string idmap_refusal(const std::string& fs_type, const std::string& release) {
  const std::string where = "the store is on " + fs_type + ", which Linux " + release + " cannot idmap";
  const std::string fix = "; keep the store (ZONEKIT_ROOT, default /var/lib/zonekit) on ext4 or xfs, which Linux idmaps since 5.12";
  for (const auto& f : kIdmapSince)
    if (fs_type == f.fs) {
      int running = kernel_version_code(release);
      if (running != 0 && running < f.since)
        return where + " (" + fs_type + " since Linux " + version_text(f.since) + ")" + fix;
      return "the kernel refused to idmap " + fs_type + fix;
    }
  return where + " (" + fs_type + " cannot be idmapped)" + fix;
}

}  // namespace zonekit::sys
