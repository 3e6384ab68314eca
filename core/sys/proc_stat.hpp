// Facts about a process from /proc/<pid>/stat, to tell a live process from a
// recycled pid.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "core/sys/result.hpp"

namespace zonekit::sys {

struct ProcStat {
  char state = '?';          // R S D Z T ...
  pid_t ppid = 0;
  uint64_t start_time = 0;   // field 22, clock ticks since boot
};

Result<ProcStat> proc_stat(pid_t pid);

// True when pid runs (not a zombie) and started at start_time.
bool process_matches(pid_t pid, uint64_t start_time);

}  // namespace zonekit::sys
