// Zone cgroups behind one interface with two drivers: cgroup v2 (unified)
// and v1 (legacy/hybrid hosts). Every driver works under a root directory
// passed in (default /sys/fs/cgroup) so unit tests run against a fake tree.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "core/plan/zone_spec.hpp"
#include "core/sys/result.hpp"

namespace zonekit::cgroup {

// One write of a limit: file relative to the zone's cgroup directory (v2)
// or "<controller>/<file>" (v1), and the exact text written.
struct FileWrite {
  std::string file;
  std::string value;
  bool operator==(const FileWrite&) const = default;
};

// Pure: what to write for these limits. Tests pin the exact text.
std::vector<FileWrite> plan_v2(const CgroupLimits& limits);
std::vector<FileWrite> plan_v1(const CgroupLimits& limits);
// v1 live update: the same writes, ordered so the kernel's rule
// memsw >= limit holds after each one, given the cgroup's current
// memory.memsw.limit_in_bytes (UINT64_MAX when unlimited).
std::vector<FileWrite> plan_v1(const CgroupLimits& limits, uint64_t current_memsw_bytes);

// Devices a zone may use (everything else is denied by the cgroup): type
// 'c' or 'b', major, minor (-1 = any).
struct DeviceRule {
  char type;
  int64_t major;
  int64_t minor;
};
const std::vector<DeviceRule>& zone_devices();
// Pure: the v1 devices controller writes for zone_devices(), in order
// (deny all, then allow each). create() applies them; v2 gets the same
// list as a BPF device program.
std::vector<FileWrite> plan_v1_devices();

// What the kernel counts for a zone cgroup (zonestat, zoneadm info). The
// counters (cpu, io) only grow; rates come from two samples.
struct Stats {
  uint64_t memory_current = 0;    // bytes, page cache included (both drivers)
  uint64_t swap_current = 0;      // bytes; 0 where swap is not accounted
  uint64_t pids_current = 0;      // processes and threads
  uint64_t oom_kills = 0;
  uint64_t cpu_usage_ns = 0;      // CPU time used since the cgroup was made
  uint64_t io_read_bytes = 0;     // block I/O since the cgroup was made
  uint64_t io_write_bytes = 0;
};

// Pure parsers of the counters' files.
struct IoBytes {
  uint64_t read = 0, write = 0;
};
// v2 io.stat: "8:0 rbytes=1 wbytes=2 rios=..." per device, summed.
IoBytes parse_io_stat(const std::string& text);
// v1 blkio.throttle.io_service_bytes: "8:0 Read 1" ... "Total N", summed
// over devices (the Total lines left out).
IoBytes parse_blkio_service_bytes(const std::string& text);

class Driver {
 public:
  virtual ~Driver() = default;
  virtual std::string name() const = 0;  // "v2" or "v1"
  // path is relative to each hierarchy, e.g. "zonekit/<uuid>".
  virtual Result<void> create(const std::string& path) = 0;
  virtual Result<void> apply(const std::string& path, const CgroupLimits& limits) = 0;
  virtual Result<void> attach(const std::string& path, pid_t pid) = 0;
  virtual Result<std::vector<pid_t>> pids(const std::string& path) = 0;
  virtual Result<void> kill_all(const std::string& path) = 0;   // every process, then wait empty
  virtual Result<void> destroy(const std::string& path) = 0;    // rmdir; missing is success
  virtual bool exists(const std::string& path) = 0;
  virtual Result<Stats> stats(const std::string& path) = 0;
  // The directory a process must be in to be "in" the zone cgroup for
  // setns(CLONE_NEWCGROUP)/zlogin: one per hierarchy.
  virtual std::vector<std::string> dirs(const std::string& path) = 0;
  // The cgroup.procs file of the caller's own cgroup in one hierarchy
  // ("" if unknown): writing "0" there moves it to where it already is,
  // which costs what any move costs (see Supervisor's attach warm-up).
  virtual std::string own_procs_file() = 0;
};

// Owns a zone cgroup while a zone comes up (STYLE: reverse-order
// rollback): unless release()d, its destructor kills every process in the
// cgroup and removes it. Errors on that path are ignored; the next
// boot/halt of the zone cleans up again.
class Guard {
 public:
  Guard(Driver& driver, std::string path) : driver_(&driver), path_(std::move(path)) {}
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;
  ~Guard() {
    if (!driver_) return;
    (void)driver_->kill_all(path_);
    (void)driver_->destroy(path_);
  }
  void release() { driver_ = nullptr; }

 private:
  Driver* driver_;
  std::string path_;
};

// Pick the driver the host has: unified v2 if root is cgroup2 with the
// controllers we need, else v1 hierarchies under root.
Result<std::unique_ptr<Driver>> detect(const std::string& root = "/sys/fs/cgroup");
std::unique_ptr<Driver> make_v2(const std::string& root);
std::unique_ptr<Driver> make_v1(const std::string& root);

}  // namespace zonekit::cgroup
