#include "core/runtime/userns_owner.hpp"

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace zonekit::runtime {

Result<NamespaceOwner> NamespaceOwner::become(uid_t owner) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct caps[2]{};
  if (syscall(SYS_capget, &header, caps) < 0) return sys_error("capget", "self");
  // Real and saved uid stay 0, so the permitted set survives; only the
  // effective set is cleared by an effective uid leaving 0.
  if (::setresuid(static_cast<uid_t>(-1), owner, static_cast<uid_t>(-1)) < 0)
    return sys_error("setresuid", "euid " + std::to_string(owner));
  NamespaceOwner guard;
  guard.active_ = true;
  for (auto& c : caps) c.effective = c.permitted;
  header = {_LINUX_CAPABILITY_VERSION_3, 0};
  // With CAP_SYS_ADMIN effective the clone is a privileged one, allowed
  // where unprivileged user namespaces are not (Debian's sysctl, Ubuntu's
  // AppArmor restriction).
  if (syscall(SYS_capset, &header, caps) < 0) return sys_error("capset", "effective set");
  return guard;
}

NamespaceOwner::~NamespaceOwner() {
  // An effective uid returning to 0 gives back the whole permitted set.
  if (active_) (void)!::setresuid(static_cast<uid_t>(-1), 0, static_cast<uid_t>(-1));
}

}  // namespace zonekit::runtime
