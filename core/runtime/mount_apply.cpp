#include "core/runtime/mount_apply.hpp"

#include <sys/mount.h>

namespace zonekit::runtime {

namespace {

std::string under(const std::string& root, const std::string& target) {
  return target == "/" ? root : root + target;
}

int apply_one(const MountStep& s, const std::string& root, sys::MountSyscalls& sys) {
  std::string t = under(root, s.target);
  switch (s.kind) {
    case MountKind::Fresh:
      return sys.mount_fresh(s.fstype.c_str(), s.source.c_str(), t.c_str(), s.flags, s.data.c_str());
    case MountKind::BindHost:
      return sys.bind(s.source.c_str(), t.c_str(), s.recursive, s.attrs);
    case MountKind::BindZone: {
      auto slash = s.source.rfind('/');
      std::string base = s.source.substr(0, slash);
      std::string name = s.source.substr(slash + 1);
      return sys.bind_beneath(base.c_str(), name.c_str(), t.c_str(), s.attrs);
    }
    case MountKind::BindUser:
      return sys.bind_in_root(s.source.c_str(), root.c_str(), s.target.c_str(), s.recursive,
                              s.attrs);
    case MountKind::Mkdir: return sys.mkdir(t.c_str(), s.mode);
    case MountKind::File: return sys.mkfile(t.c_str(), s.mode);
    case MountKind::Symlink: return sys.symlink(s.source.c_str(), t.c_str());
    case MountKind::MaskFile: {
      if (!sys.exists(t.c_str())) return 0;
      std::string null_dev = root + "/dev/null";
      return sys.bind(null_dev.c_str(), t.c_str(), false, kRdonly | kNosuid | kNoexec);
    }
    case MountKind::MaskDir:
      if (!sys.exists(t.c_str())) return 0;
      return sys.mount_fresh("tmpfs", "tmpfs", t.c_str(),
                             MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0555,size=4k");
    case MountKind::ReadOnly:
      if (!sys.exists(t.c_str())) return 0;
      return sys.bind(t.c_str(), t.c_str(), true, kRdonly | kNosuid | kNodev | kNoexec);
    case MountKind::SetAttr: return sys.set_attr(t.c_str(), s.attrs, false);
  }
  return -22;
}

}  // namespace

int apply_mounts(const std::vector<MountStep>& steps, const std::string& root,
                 sys::MountSyscalls& sys, int* failed_step) {
  for (size_t i = 0; i < steps.size(); ++i) {
    int r = apply_one(steps[i], root, sys);
    if (r < 0) {
      *failed_step = static_cast<int>(i);
      return r;
    }
  }
  return 0;
}

}  // namespace zonekit::runtime
