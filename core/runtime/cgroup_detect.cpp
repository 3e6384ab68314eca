// Which cgroup driver the host needs.
#include "core/runtime/cgroup.hpp"
#include "core/runtime/cgroup_fs.hpp"
#include "core/runtime/cgroup_systemd.hpp"

namespace zonekit::cgroup {

Result<std::unique_ptr<Driver>> detect(const std::string& root) {
  if (!detail::dir_exists(root, "")) return fail("cgroup: " + root + " does not exist", ErrorKind::NotFound);
  // Pure unified: cgroup2 mounted at root itself. A hybrid host has its
  // cgroup2 mount below root ("unified") and the controllers in v1.
  if (detail::file_exists(root, "", "cgroup.controllers")) return make_v2(root);
  auto v1 = make_v1(root);
  if (v1->dirs("x").empty()) return fail("cgroup: no v1 hierarchies and no cgroup2 at " + root, ErrorKind::NotFound);
  return v1;
}

Result<std::unique_ptr<Driver>> for_zone(const ZoneSpec& spec, const std::string& root) {
  if (spec.cgroup_unit.empty()) return detect(root);
  return systemd::make_driver(spec, root);
}

Result<void> Driver::retire(const std::vector<std::string>& origin, const std::string& path, pid_t self) {
  // Out of the supervisor leaf, so the node can go; a helper of ours
  // still in it goes with the rest.
  if (leave(origin, path, self)) (void)kill_everything(path);
  return destroy(path);
}

}  // namespace zonekit::cgroup
