// zoneadmd: the per-zone supervisor. Parent of the zone's init, owner of its
// cgroup, console and control socket; records state in state.json.
#pragma once

#include <cstddef>
#include <string>

#include "core/sys/fd.hpp"

namespace zonekit::runtime {

// Control protocol: core/runtime/ctl_protocol.hpp.

// What zoneadm boot hands its zoneadmd; either may be empty.
struct SupervisorFds {
  UniqueFd notify;       // closed once the zone is first running, or failed
  UniqueFd attach_gate;  // read end of the attach warm-up (attach_warmup.hpp)
  // zoneadmd --adopt: take over the running zone of a zoneadmd that died
  // (its init, cgroup and network live on; fd_keeper.hpp holds its ptys).
  bool adopt = false;
};

// Supervise the zone whose spec is in run_dir/spec.json until it stops.
// Returns the process exit code; err_out gets a one-line message on failure.
int run_supervisor(const std::string& run_dir, SupervisorFds fds, std::string& err_out);

// zoneadmd's argv area: the built-in init overwrites its copy so that the
// zone's /proc/1/cmdline does not show host paths.
void set_title_area(char* start, size_t len);

// Restart rate limit for restart_init: at most this many restarts per window.
inline constexpr int kMaxRestarts = 5;
inline constexpr int kRestartWindowSeconds = 60;

}  // namespace zonekit::runtime
