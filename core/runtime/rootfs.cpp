#include "core/runtime/rootfs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/runtime/mount_plan.hpp"
#include "core/sys/fd.hpp"
#include "core/sys/fs.hpp"

namespace zonekit::runtime {

Result<void> prepare_zone_dirs(const ZoneSpec& spec) {
  if (spec.brand != "sparse" && !spec.brand.empty())
    return fail("brand '" + spec.brand + "' not built yet (only sparse)");
  if (spec.zone_dir.empty() || spec.zone_dir[0] != '/') return fail("zone_dir must be absolute");
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
