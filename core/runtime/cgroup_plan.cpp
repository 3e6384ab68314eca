// Pure mapping from the manifest's limits to cgroup files.
//
// Units follow vmadm: max_physical_memory and max_swap in bytes here (the
// plan layer converted MiB), max_swap being the memory+swap ceiling;
// cpu_cap in percent of one CPU; cpu_shares and zfs_io_priority relative
// weights whose default is 100. A zero memory or pids limit means
// "unlimited". Which write goes on the zone's node and which on its
// payload leaf: see cgroup.hpp.
//
// memory.oom.group is written as 0: when a zone exceeds its memory the
// kernel kills the biggest task (the hog) and the zone keeps running, as a
// SmartOS zone does; killing the whole zone is a policy the supervisor can
// still apply by watching memory.events.
#include <algorithm>
#include <cstdint>
#include <utility>
#include <string>

#include "core/runtime/cgroup.hpp"

namespace zonekit::cgroup {
namespace {

constexpr uint64_t kCpuPeriodUs = 100000;

std::string num(uint64_t v) { return std::to_string(v); }

uint64_t clamp(uint64_t v, uint64_t lo, uint64_t hi) { return std::clamp(v, lo, hi); }

uint64_t cpu_quota_us(uint32_t cap_percent) { return uint64_t{cap_percent} * kCpuPeriodUs / 100; }

// The memory+swap ceiling, never below the memory limit.
uint64_t memsw_bytes(const CgroupLimits& l) { return std::max(l.swap_bytes, l.memory_bytes); }

}  // namespace

std::vector<FileWrite> plan_v2(const CgroupLimits& l) {
  std::vector<FileWrite> w;
  w.push_back({"payload/memory.max", l.memory_bytes ? num(l.memory_bytes) : "max"});
  // v2 limits swap alone; vmadm's max_swap includes memory.
  w.push_back({"payload/memory.swap.max",
               l.memory_bytes ? num(l.swap_bytes > l.memory_bytes ? l.swap_bytes - l.memory_bytes : 0) : "max"});
  w.push_back({"payload/memory.oom.group", "0"});
  w.push_back({"payload/pids.max", l.pids_max ? num(l.pids_max) : "max"});
  const std::string cpu_max =
      (l.cpu_cap_percent ? num(cpu_quota_us(l.cpu_cap_percent)) : std::string("max")) + " " + num(kCpuPeriodUs);
  w.push_back({"cpu.max", cpu_max});
  w.push_back({"payload/cpu.max", cpu_max});
  w.push_back({"cpu.weight", num(clamp(l.cpu_shares, 1, 10000))});
  w.push_back({"io.weight", num(clamp(l.io_priority, 1, 10000))});
  w.push_back({"io.bfq.weight", num(clamp(l.io_priority, 1, 1000))});
  return w;
}

std::vector<FileWrite> plan_v1(const CgroupLimits& l) {
  std::vector<FileWrite> w;
  // Limit first: right at create and when lowering; a live update that
  // raises the limit above the current ceiling uses the overload below.
  w.push_back({"memory/payload/memory.limit_in_bytes", l.memory_bytes ? num(l.memory_bytes) : "-1"});
  w.push_back({"memory/payload/memory.memsw.limit_in_bytes", l.memory_bytes ? num(memsw_bytes(l)) : "-1"});
  w.push_back({"pids/payload/pids.max", l.pids_max ? num(l.pids_max) : "max"});
  // v1 refuses a child's quota above its parent's: payload's goes to
  // unlimited (the node's still bounds it), then the node's, then payload's.
  const std::string quota = l.cpu_cap_percent ? num(cpu_quota_us(l.cpu_cap_percent)) : "-1";
  w.push_back({"cpu/payload/cpu.cfs_quota_us", "-1"});
  w.push_back({"cpu/cpu.cfs_period_us", num(kCpuPeriodUs)});
  w.push_back({"cpu/cpu.cfs_quota_us", quota});
  w.push_back({"cpu/payload/cpu.cfs_period_us", num(kCpuPeriodUs)});
  w.push_back({"cpu/payload/cpu.cfs_quota_us", quota});
  // cpu.shares: 1024 is the kernel's default weight, vmadm's is 100.
  w.push_back({"cpu/cpu.shares", num(clamp(uint64_t{l.cpu_shares} * 1024 / 100, 2, 262144))});
  // blkio.weight (CFQ, default 500) and blkio.bfq.weight (BFQ, default 100);
  // the driver writes whichever the kernel offers.
  w.push_back({"blkio/blkio.weight", num(clamp(uint64_t{l.io_priority} * 5, 10, 1000))});
  w.push_back({"blkio/blkio.bfq.weight", num(clamp(l.io_priority, 1, 1000))});
  return w;
}

std::vector<FileWrite> plan_v1(const CgroupLimits& l, uint64_t current_memsw_bytes) {
  auto w = plan_v1(l);
  // Raising the limit above the current ceiling: raise the ceiling first.
  // Otherwise (lowering, or within the ceiling) the limit goes first, so the
  // ceiling never drops below it.
  const uint64_t new_limit = l.memory_bytes ? l.memory_bytes : UINT64_MAX;
  if (new_limit > current_memsw_bytes) std::swap(w[0], w[1]);
  return w;
}

}  // namespace zonekit::cgroup

namespace zonekit::cgroup {

namespace {

// Each line's words, in order.
std::vector<std::string> line_words(const std::string& line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    size_t j = line.find_first_of(" \t", i);
    if (j == std::string::npos) j = line.size();
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

uint64_t to_u64(const std::string& s) {
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + uint64_t(c - '0');
  }
  return v;
}

template <class F>
void each_line(const std::string& text, F f) {
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find('\n', i);
    if (j == std::string::npos) j = text.size();
    f(line_words(text.substr(i, j - i)));
    i = j + 1;
  }
}

}  // namespace

IoBytes parse_io_stat(const std::string& text) {
  IoBytes b;
  each_line(text, [&](const std::vector<std::string>& w) {
    for (size_t k = 1; k < w.size(); ++k) {
      if (w[k].starts_with("rbytes=")) b.read += to_u64(w[k].substr(7));
      if (w[k].starts_with("wbytes=")) b.write += to_u64(w[k].substr(7));
    }
  });
  return b;
}

IoBytes parse_blkio_service_bytes(const std::string& text) {
  IoBytes b;
  each_line(text, [&](const std::vector<std::string>& w) {
    if (w.size() != 3) return;  // "Total N" has two words
    if (w[1] == "Read") b.read += to_u64(w[2]);
    if (w[1] == "Write") b.write += to_u64(w[2]);
  });
  return b;
}

}  // namespace zonekit::cgroup
