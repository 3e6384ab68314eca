// Internal to the cgroup drivers: which planned writes may be skipped when
// the kernel does not offer the file, and helpers shared by v1 and v2.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/runtime/cgroup.hpp"

namespace zonekit::cgroup::detail {

// Whether a planned write may be skipped when the kernel does not offer
// its file (or, on v1, its hierarchy): files that only refine a zone's
// limits (swap accounting, OOM grouping, io and cpu weights), and any write
// that only says "unlimited" (a cpu cap of 0 with no cpu controller). A
// memory, pids or cpu limit that the kernel cannot enforce is an error.
bool skippable(const FileWrite& write, const CgroupLimits& limits);

// A planned file relative to a zone's node ("payload/memory.max",
// "cpu.max") as (the directory that holds it, relative to the hierarchy;
// its name): ("<path>/payload", "memory.max").
std::pair<std::string, std::string> locate(const std::string& path, const std::string& file);

// A leaf of the zone node path: "<path>/payload".
std::string leaf(const std::string& path, const char* name);

// Sort and deduplicate.
void normalize_pids(std::vector<pid_t>& pids);

// SIGKILL each pid (ignoring ones already gone). Only for pids read from
// a frozen cgroup: those cannot exit, so no pid can have been reused.
void kill_pids(const std::vector<pid_t>& pids);

// SIGKILL each pid that, pinned by a pidfd, is still a member of cgroup
// path: a pid read from a live cgroup may exit and be reused by a host
// process before the signal lands.
void kill_members(const std::vector<pid_t>& pids, const std::string& path);

// Whether /proc/<pid>/cgroup text puts the process in path (or below it)
// in any hierarchy ("7:freezer:/zonekit/z1", "0::/zonekit/z1/sub").
bool in_cgroup(const std::string& proc_cgroup, const std::string& path);

// The cgroup path that /proc/<pid>/cgroup text gives for one v1 controller
// ("pids" matches "8:pids:/a" and "4:cpu,cpuacct:/a"), or for the v2
// hierarchy when controller is empty ("0::/a"). nullopt when absent.
std::optional<std::string> cgroup_of(const std::string& proc_cgroup, const std::string& controller);

}  // namespace zonekit::cgroup::detail
