// Internal to the cgroup drivers: which planned writes may be skipped when
// the kernel does not offer the file, and helpers shared by v1 and v2.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace zonekit::cgroup::detail {

// Files that only refine a zone's limits (swap accounting, OOM grouping, io
// and cpu weights): absent on some kernels or disabled controllers, so a
// missing one is skipped. memory, pids and the cpu cap are required.
bool optional_file(const std::string& file);

// Sort and deduplicate.
void normalize_pids(std::vector<pid_t>& pids);

// SIGKILL each pid (ignoring ones already gone).
void kill_pids(const std::vector<pid_t>& pids);

}  // namespace zonekit::cgroup::detail
