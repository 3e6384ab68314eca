// Zone cgroups behind one interface with two drivers: cgroup v2 (unified)
// and v1 (legacy/hybrid hosts). Every driver works under a root directory
// passed in (default /sys/fs/cgroup) so unit tests run against a fake tree.
//
// A zone's cgroup is a node, <parent>/<uuid> (ZoneSpec::cgroup_path), that
// holds no process itself (v2 refuses processes in a node that enables
// controllers for its children; systemd's delegation rules say the same)
// and two leaves, the same in every hierarchy:
//   payload     the zone: its init and everything below it, zlogin sessions
//   supervisor  zoneadmd and its helpers (provisioner, metadata writer,
//               attach warm-up)
// Where each limit goes, and why:
//   node     cpu cap and weight, io weight. zoneadmd's work for the zone
//            (relaying and logging a console flood, the metadata service)
//            comes out of the zone's own CPU share, not the host's. The cap
//            is on payload too: the zone sees it in its own cgroup (the
//            root of its cgroup namespace), where the JVM and Go look, and
//            the zone alone never exceeds it either.
//   payload  memory (limit, swap, OOM grouping): a zone at its limit
//            reclaims and OOM-kills among its own processes only; zoneadmd
//            neither stalls in the zone's reclaim nor is a candidate of its
//            OOM kill. zoneadmd's own few MiB (and the console log's page
//            cache, bounded by its rotation) count in the node, unlimited.
//            pids: max_lwps counts exactly the zone's processes and threads,
//            and zoneadmd can still fork its helpers for a zone at its limit.
//            devices: the zone's minimal /dev only, while zoneadmd, outside
//            that policy, still opens the host's /dev/ptmx and /dev/null.
// stats() follows the same split: cpu and io from the node (zoneadmd's
// relaying included), memory, swap, OOM kills and pids from payload, so
// each figure compares with its limit.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "core/plan/zone_spec.hpp"
#include "core/sys/result.hpp"

namespace zonekit::cgroup {

// The leaves of a zone's cgroup node (see above).
inline constexpr const char* kPayload = "payload";
inline constexpr const char* kSupervisor = "supervisor";

// One write of a limit: file relative to the zone's cgroup node (v2:
// "cpu.max", "payload/memory.max"), or "<controller>/" and that (v1:
// "cpu/cpu.shares", "memory/payload/memory.limit_in_bytes"), and the exact
// text written.
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
// (deny all, then allow each), for the payload leaf. create() applies them;
// v2 gets the same list as a BPF device program on payload.
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
  // path is a zone's node, relative to each hierarchy: "zonekit/<uuid>".
  // create: the node and both leaves (existing ones are fine), the device
  // policy on payload, before any process joins.
  virtual Result<void> create(const std::string& path) = 0;
  // The limits where the plan puts them (node or payload): at boot and on
  // a live update alike.
  virtual Result<void> apply(const std::string& path, const CgroupLimits& limits) = 0;
  // A zone process (init, a zlogin session) into payload.
  virtual Result<void> attach(const std::string& path, pid_t pid) = 0;
  // zoneadmd into the supervisor leaf.
  virtual Result<void> attach_supervisor(const std::string& path, pid_t pid) = 0;
  // Every process under the node, both leaves.
  virtual Result<std::vector<pid_t>> pids(const std::string& path) = 0;
  // Kill the zone (payload) and wait until it is empty; zoneadmd, in the
  // supervisor leaf, may call it on its own zone.
  virtual Result<void> kill_all(const std::string& path) = 0;
  // Kill everything under the node, supervisor leaf included: a zone whose
  // zoneadmd is dead (cleanup, recover), or after zoneadmd left (leave()).
  virtual Result<void> kill_everything(const std::string& path) = 0;
  // rmdir the leaves, then the node; missing is success. Needs the node
  // empty: zoneadmd leave()s its leaf first.
  virtual Result<void> destroy(const std::string& path) = 0;
  virtual bool exists(const std::string& path) = 0;  // the node
  virtual Result<Stats> stats(const std::string& path) = 0;
  // path's directory in each hierarchy (a node, the zones' parent; not a
  // leaf): the hierarchies the zone's cgroup namespace shows, and what
  // recover lists.
  virtual std::vector<std::string> dirs(const std::string& path) = 0;
  // The cgroup.procs file of the caller's own cgroup in one hierarchy
  // ("" if unknown): writing "0" there moves it to where it already is,
  // which costs what any move costs (see Supervisor's attach warm-up).
  virtual std::string own_procs_file() = 0;
  // The cgroup.procs files, one per hierarchy, of the cgroups that
  // /proc/<pid>/cgroup text puts a process in (a hierarchy the text does
  // not name: its root): where leave() takes zoneadmd back to.
  virtual std::vector<std::string> procs_files_of(const std::string& proc_cgroup) = 0;
  // zoneadmd's last step for its zone's cgroup, once kill_all() has
  // stopped the zone: here (cgroupfs) it leave()s for origin, kills what is
  // left under the node and removes it. The systemd driver keeps zoneadmd
  // in its leaf instead and lets the scope end with it
  // (cgroup_systemd.hpp).
  virtual Result<void> retire(const std::vector<std::string>& origin, const std::string& path, pid_t self);
};

// Move pid into each of origin's cgroup.procs files (procs_files_of(), read
// at zoneadmd's start), then check that it is out of the node path in every
// hierarchy: success means kill_everything(path) cannot hit it.
Result<void> leave(const std::vector<std::string>& origin, const std::string& path, pid_t pid);

// Owns a zone cgroup while a zone comes up (STYLE: reverse-order
// rollback): unless release()d, its destructor kills every process under
// the node and removes it. Errors on that path are ignored; the next
// boot/halt of the zone cleans up again.
class Guard {
 public:
  Guard(Driver& driver, std::string path) : driver_(&driver), path_(std::move(path)) {}
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;
  ~Guard() {
    if (!driver_) return;
    (void)driver_->kill_everything(path_);
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
// The driver of one zone's cgroup: the systemd driver when its spec names
// a scope (cgroup_unit; cgroup_systemd.hpp), else detect(). A zone keeps
// the manager it was booted with until it stops.
Result<std::unique_ptr<Driver>> for_zone(const ZoneSpec& spec, const std::string& root = "/sys/fs/cgroup");
// owned: the cgroup below which the driver may write (enable controllers,
// mkdir); "" is the whole hierarchy. The systemd driver passes its scope.
std::unique_ptr<Driver> make_v2(const std::string& root, const std::string& owned = "");
std::unique_ptr<Driver> make_v1(const std::string& root);

}  // namespace zonekit::cgroup
