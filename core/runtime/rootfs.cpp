#include "core/runtime/rootfs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/runtime/mount_plan.hpp"
#include "core/sys/fd.hpp"
#include "core/sys/fs.hpp"

namespace zonekit::runtime {

namespace {

// mkdir (if missing) owned by the zone's root; an existing entry must be a
// real directory.
Result<void> zone_owned_dir(const std::string& path, uid_t owner) {
  if (::mkdir(path.c_str(), 0755) == 0) {
    if (lchown(path.c_str(), owner, owner) < 0) return sys_error("chown", path);
    return {};
  }
  if (errno != EEXIST) return sys_error("mkdir", path);
  struct stat st;
  if (lstat(path.c_str(), &st) < 0) return sys_error("stat", path);
  if (!S_ISDIR(st.st_mode)) return fail(path + " is not a directory");
  return {};
}

Result<void> prepare_image_dirs(const ZoneSpec& spec) {
  struct stat st;
  if (spec.image_rootfs.empty() || spec.image_rootfs[0] != '/' ||
      stat(spec.image_rootfs.c_str(), &st) < 0 || !S_ISDIR(st.st_mode))
    return fail("image rootfs '" + spec.image_rootfs + "' is not a directory");
  // <zone_dir>/overlay is ours (host root); upper and work are the zone's.
  ZK_TRYV(fs::mkdir_p(spec.zone_dir + "/overlay", 0755));
  ZK_TRYV(zone_owned_dir(image_upper_dir(spec), spec.ids.host_base));
  ZK_TRYV(zone_owned_dir(image_work_dir(spec), spec.ids.host_base));
  ZK_TRYV(fs::mkdir_p(spec.run_dir + "/root", 0755));
  ZK_TRYV(fs::mkdir_p(image_lower_dir(spec), 0755));
  return {};
}

}  // namespace

Result<void> prepare_zone_dirs(const ZoneSpec& spec) {
  if (spec.zone_dir.empty() || spec.zone_dir[0] != '/') return fail("zone_dir must be absolute");
  if (spec.brand == "image") return prepare_image_dirs(spec);
  if (spec.brand != "sparse" && !spec.brand.empty())
    return fail("unknown brand '" + spec.brand + "'");
  std::string root = spec.zone_dir + "/root";
  ZK_TRYV(fs::mkdir_p(root, 0755));
  ZK_TRYV(fs::mkdir_p(spec.run_dir + "/root", 0755));
  UniqueFd rootfd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!rootfd) return sys_error("open", root);
  for (const auto& name : persistent_dirs(spec)) {
    std::string shown = root + "/" + name;
    mode_t mode = name == "root" ? 0700 : name == "tmp" ? 01777 : 0755;
    if (mkdirat(rootfd.get(), name.c_str(), mode) == 0) {
      if (fchownat(rootfd.get(), name.c_str(), spec.ids.host_base, spec.ids.host_base,
                   AT_SYMLINK_NOFOLLOW) < 0)
        return sys_error("chown", shown);
      if (fchmodat(rootfd.get(), name.c_str(), mode, 0) < 0) return sys_error("chmod", shown);
      continue;
    }
    if (errno != EEXIST) return sys_error("mkdir", shown);
    struct stat st;
    if (fstatat(rootfd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0)
      return sys_error("stat", shown);
    if (!S_ISDIR(st.st_mode)) return fail(shown + " is not a directory");
  }
  return {};
}

}  // namespace zonekit::runtime
