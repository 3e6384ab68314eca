// Internal to the cgroup drivers: which planned writes may be skipped when
// the kernel does not offer the file, and helpers shared by v1 and v2.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/runtime/cgroup.hpp"

namespace zonekit::cgroup::detail {

// Whether a planned write may be skipped when the kernel does not offer
// its file (or, on v1, its hierarchy): files that only refine a zone's
// limits (swap accounting, OOM grouping, io and cpu weights), and any write
// that only says "unlimited" (a cpu cap of 0 with no cpu controller). A
// memory, pids or cpu limit that the kernel cannot enforce is an error.
bool skippable(const FileWrite& write, const CgroupLimits& limits);

// Sort and deduplicate.
void normalize_pids(std::vector<pid_t>& pids);

// SIGKILL each pid (ignoring ones already gone).
void kill_pids(const std::vector<pid_t>& pids);

}  // namespace zonekit::cgroup::detail
