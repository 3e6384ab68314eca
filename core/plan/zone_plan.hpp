// plan_zone: stored manifest + host facts -> ZoneSpec. Pure: no I/O, so the
// whole mapping from vmadm properties to kernel settings is unit-tested.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "core/plan/zone_spec.hpp"
#include "core/sys/result.hpp"

namespace zonekit {

struct HostFacts {
  std::string zone_dir;                          // <root>/zones/<uuid>
  std::string run_dir;                           // <run>/zones/<uuid>
  std::string cgroup_parent = "zonekit";
  // The zone's cgroup in a systemd scope (resolved from zonekit.toml's
  // cgroup manager and the host): machine.slice/zonekit-<uuid>.scope/zone.
  bool systemd_scope = false;
  std::map<std::string, std::string> tag_bridges;  // nic tag -> bridge
  std::string image_rootfs;                      // image brand: the image's tree
  uint64_t console_log_max = 1 << 20;            // zonekit.toml [console] log_max_size
};

Result<ZoneSpec> plan_zone(const nlohmann::json& stored, const HostFacts& facts);

}  // namespace zonekit
