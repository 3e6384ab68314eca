#include "core/runtime/cgroup_driver_util.hpp"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <array>
#include <string_view>

#include "core/sys/fd.hpp"
#include "core/sys/fs.hpp"

namespace zonekit::cgroup::detail {

bool skippable(const FileWrite& w, const CgroupLimits& limits) {
  const std::string& file = w.file;
  if (w.value == "max" || w.value == "-1" || w.value == "max 100000") return true;
  if ((file == "cpu/cpu.cfs_period_us" || file == "cpu/payload/cpu.cfs_period_us") && limits.cpu_cap_percent == 0)
    return true;
  static constexpr std::array<std::string_view, 9> kOptional = {
      "payload/memory.swap.max",
      "payload/memory.oom.group",
      "cpu.weight",
      "io.weight",
      "io.bfq.weight",
      "memory/payload/memory.memsw.limit_in_bytes",
      "cpu/cpu.shares",
      "blkio/blkio.weight",
      "blkio/blkio.bfq.weight",
  };
  return std::find(kOptional.begin(), kOptional.end(), file) != kOptional.end();
}

std::pair<std::string, std::string> locate(const std::string& path, const std::string& file) {
  const size_t slash = file.rfind('/');
  if (slash == std::string::npos) return {path, file};
  return {path + "/" + file.substr(0, slash), file.substr(slash + 1)};
}

std::string leaf(const std::string& path, const char* name) { return path + "/" + name; }

void normalize_pids(std::vector<pid_t>& pids) {
  std::sort(pids.begin(), pids.end());
  pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
}

void kill_pids(const std::vector<pid_t>& pids) {
  for (pid_t pid : pids)
    if (pid > 0) ::kill(pid, SIGKILL);
}

namespace {

// Calls fn(controllers, path) for each "id:controllers:path" line of
// /proc/<pid>/cgroup text until fn returns true; whether one did.
template <class Fn>
bool any_cgroup_line(const std::string& proc_cgroup, Fn fn) {
  size_t pos = 0;
  while (pos < proc_cgroup.size()) {
    size_t nl = proc_cgroup.find('\n', pos);
    if (nl == std::string::npos) nl = proc_cgroup.size();
    std::string_view line(proc_cgroup.data() + pos, nl - pos);
    pos = nl + 1;
    size_t c1 = line.find(':');
    size_t c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) continue;
    if (fn(line.substr(c1 + 1, c2 - c1 - 1), line.substr(c2 + 1))) return true;
  }
  return false;
}

}  // namespace

bool in_cgroup(const std::string& proc_cgroup, const std::string& path) {
  std::string want = "/" + path;
  while (want.size() > 1 && want.back() == '/') want.pop_back();
  return any_cgroup_line(proc_cgroup, [&](std::string_view, std::string_view cg) {
    return cg == want || (cg.size() > want.size() && cg.starts_with(want) && cg[want.size()] == '/');
  });
}

std::optional<std::string> cgroup_of(const std::string& proc_cgroup, const std::string& controller) {
  std::optional<std::string> out;
  any_cgroup_line(proc_cgroup, [&](std::string_view list, std::string_view cg) {
    if (cg.empty() || cg[0] != '/') return false;
    bool match = controller.empty() && list.empty();
    while (!controller.empty() && !list.empty() && !match) {
      size_t comma = list.find(',');
      match = list.substr(0, comma) == controller;
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
    if (match) out = std::string(cg);
    return match;
  });
  return out;
}

void kill_members(const std::vector<pid_t>& pids, const std::string& path) {
  for (pid_t pid : pids) {
    if (pid <= 0) continue;
    UniqueFd fd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
    if (!fd) continue;  // gone
    auto text = fs::read_file("/proc/" + std::to_string(pid) + "/cgroup", 1 << 16);
    // Still alive after the read: /proc/<pid> was this very process.
    if (syscall(SYS_pidfd_send_signal, fd.get(), 0, nullptr, 0) < 0) continue;
    if (text && in_cgroup(*text, path)) syscall(SYS_pidfd_send_signal, fd.get(), SIGKILL, nullptr, 0);
  }
}

}  // namespace zonekit::cgroup::detail

namespace zonekit::cgroup {

Result<void> leave(const std::vector<std::string>& origin, const std::string& path, pid_t pid) {
  auto failed = [&](std::unexpected<Error> e) -> Result<void> {
    e.error().context.push_back("cgroup " + path + ": leave");
    return e;
  };
  if (origin.empty()) return failed(fail("no cgroup to go back to"));
  const std::string value = std::to_string(pid);
  for (const auto& file : origin) {
    UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return failed(sys_error("open", file));
    if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size()))
      return failed(sys_error("write", file));
  }
  auto text = fs::read_file("/proc/" + value + "/cgroup", 1 << 16);
  if (!text) return failed(std::unexpected(std::move(text.error())));
  if (detail::in_cgroup(*text, path)) return failed(fail("pid " + value + " is still inside"));
  return {};
}

}  // namespace zonekit::cgroup
