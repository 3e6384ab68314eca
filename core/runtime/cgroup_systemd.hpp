// Zone cgroups on a host where systemd is pid 1 and cgroup v2 is the one
// hierarchy ("Control Group APIs and Delegation"): systemd owns the tree,
// so zonekit asks it for one transient scope per zone in machine.slice, as
// systemd-nspawn, runc and crun do, and works only inside it.
//
//   machine.slice/                         systemd's
//     zonekit-<uuid>.scope/                systemd's unit, Delegate=yes:
//                                          we write only its cgroup.procs
//                                          and cgroup.subtree_control
//       zone/                              the zone's node (limits: cpu, io)
//         payload/                         the zone (memory, pids, devices)
//         supervisor/                      zoneadmd, its helpers, the keeper
//
// Why a node inside the scope rather than the scope as the node: the
// scope's own attribute files (cpu.max, io.weight ...) are systemd's, which
// rewrites them from the unit's properties (on daemon-reload, too). Setting
// the node's limits as unit properties instead would split every limit
// between D-Bus calls and file writes, and make live updates and both
// drivers differ; inside the delegated subtree the v2 driver does what it
// does everywhere, and systemd never touches it. What the scope holds
// itself: no limit at all (TasksMax=infinity, so systemd's DefaultTasksMax
// does not cap a zone below its max_lwps), and no process once zoneadmd
// has moved into supervisor/.
//
// The scope is made by zoneadmd over D-Bus (StartTransientUnit, PIDs=
// [zoneadmd]): its unit is "zonekit-<uuid>.scope", so `systemctl status
// zonekit-<uuid>.scope` shows the zone's processes and `systemd-cgls
// /machine.slice` the tree. It ends when its last process does: zoneadmd's
// exit after a halt (CollectMode=inactive-or-failed: a failed scope is
// garbage-collected too, never left for `systemctl reset-failed`). A zone
// whose zoneadmd died is cleaned up with StopUnit (systemd kills what is
// left and removes the cgroup), never by rmdir of systemd's directories.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/plan/zone_spec.hpp"
#include "core/runtime/cgroup.hpp"
#include "core/runtime/dbus.hpp"
#include "core/sys/result.hpp"

namespace zonekit::cgroup::systemd {

inline constexpr const char* kSlice = "machine.slice";
inline constexpr const char* kNode = "zone";  // the zone's node inside its scope

// Where a zone's cgroup lives under systemd, and what systemd is told.
struct ScopePlan {
  std::string unit;        // "zonekit-<uuid>.scope"
  std::string slice;       // "machine.slice"
  std::string scope_path;  // "machine.slice/zonekit-<uuid>.scope" (relative to the cgroup2 root)
  std::string node_path;   // scope_path + "/zone": ZoneSpec::cgroup_path
  std::vector<std::pair<std::string, dbus::Value>> properties;  // StartTransientUnit's, in order
};

// Pure: the unit of a zone, and the zone's node under it (what plan_zone
// records in the spec).
std::string unit_name(const std::string& uuid);
std::string node_path(const std::string& uuid);

// Pure: the placement of a zone's cgroup whose spec names a scope
// (cgroup_unit), with supervisor (zoneadmd) as the scope's first process.
// Fails on a spec whose unit and path do not belong together.
Result<ScopePlan> plan_scope(const ZoneSpec& spec, pid_t supervisor);

// Pure: the calls, exactly as sent.
dbus::Call start_transient_unit(const ScopePlan& plan);
dbus::Call stop_unit(const std::string& unit);
dbus::Call reset_failed_unit(const std::string& unit);
dbus::Call get_unit(const std::string& unit);
dbus::Call get_property(const std::string& object, const std::string& interface, const std::string& property);

// The conversation with systemd about one zone's scope.
class Scopes {
 public:
  explicit Scopes(dbus::Bus& bus) : bus_(&bus) {}
  // Start the scope (systemd moves the supervisor in) and wait for its
  // job; check that systemd put it where the plan says. A unit of the same
  // name left from an earlier boot (still being collected) is stopped and
  // the start tried once more.
  Result<void> start(const ScopePlan& plan);
  // Stop the unit (systemd kills its processes and removes its cgroup) and
  // wait for the job, then forget a failed state. A unit systemd does not
  // know (already collected) is success.
  Result<void> stop(const std::string& unit);
  // The unit's ControlGroup ("/machine.slice/zonekit-<uuid>.scope");
  // NotFound when systemd does not know the unit.
  Result<std::string> control_group(const std::string& unit);

 private:
  Result<std::string> start_once(const ScopePlan& plan);
  dbus::Bus* bus_;
};

// Pure: whether zonekit should use systemd for a host: setting is
// "auto", "systemd" or "cgroupfs" (zonekit.toml [cgroup] manager);
// booted: systemd is pid 1 (/run/systemd/system exists, as sd_booted());
// unified: /sys/fs/cgroup is cgroup2 itself. "systemd" on a host that
// cannot have it is an error naming what is missing.
Result<bool> use_systemd(const std::string& setting, bool booted, bool unified);
// The same against this host.
Result<bool> use_systemd_here(const std::string& setting, const std::string& cgroup_root = "/sys/fs/cgroup");

using BusFactory = std::function<Result<std::unique_ptr<dbus::Bus>>()>;

// The driver for a zone whose spec names a scope: the v2 driver confined
// to the scope's subtree, with the scope's start and stop over the bus
// (connected when first needed, through connect; default the system bus).
std::unique_ptr<Driver> make_driver(const ZoneSpec& spec, const std::string& root = "/sys/fs/cgroup",
                                    BusFactory connect = {});

}  // namespace zonekit::cgroup::systemd
