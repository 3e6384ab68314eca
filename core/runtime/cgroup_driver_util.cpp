#include "core/runtime/cgroup_driver_util.hpp"

#include <csignal>

#include <algorithm>
#include <array>
#include <string_view>

namespace zonekit::cgroup::detail {

bool skippable(const FileWrite& w, const CgroupLimits& limits) {
  const std::string& file = w.file;
  if (w.value == "max" || w.value == "-1" || w.value == "max 100000") return true;
  if (file == "cpu/cpu.cfs_period_us" && limits.cpu_cap_percent == 0) return true;
  static constexpr std::array<std::string_view, 9> kOptional = {
      "memory.swap.max",
      "memory.oom.group",
      "cpu.weight",
      "io.weight",
      "io.bfq.weight",
      "memory/memory.memsw.limit_in_bytes",
      "cpu/cpu.shares",
      "blkio/blkio.weight",
      "blkio/blkio.bfq.weight",
  };
  return std::find(kOptional.begin(), kOptional.end(), file) != kOptional.end();
}

void normalize_pids(std::vector<pid_t>& pids) {
  std::sort(pids.begin(), pids.end());
  pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
}

void kill_pids(const std::vector<pid_t>& pids) {
  for (pid_t pid : pids)
    if (pid > 0) ::kill(pid, SIGKILL);
}

}  // namespace zonekit::cgroup::detail
