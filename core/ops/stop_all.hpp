// Stop every running zone at once (host shutdown): `zoneadm shutdown --all`
// asks each zone's init to stop and halts the zones still running after
// the grace period; `zoneadm halt --all` kills them at once. Zones are
// stopped in parallel, each by a child process running the same operation
// as the single-zone verb (its lock, its waits), at most kParallel at once.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/store/store.hpp"
#include "core/sys/result.hpp"

namespace zonekit::ops {

struct StopAllReport {
  std::vector<std::string> stopped;
  std::vector<std::pair<std::string, std::string>> failed;  // zone, message
};

// grace_seconds < 0: halt. progress(done, total) after each zone.
Result<StopAllReport> stop_all(store::Store& st, int grace_seconds,
                               const std::function<void(size_t, size_t)>& progress);

// "shutdown: 3 stopped (a, b, c), 1 failed (d)"; "...: no zone is running".
std::string stop_all_summary(const std::string& verb, const StopAllReport& r);

}  // namespace zonekit::ops
