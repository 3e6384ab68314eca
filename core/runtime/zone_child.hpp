// The zone's first process, from clone(2) to execve of init. Runs in a copy
// of zoneadmd's memory (zoneadmd is single-threaded, so the copy is
// consistent); it never prints: failures go back to the parent over the sync
// socket as a typed ChildMsg, then the child _exits with kChildFailExit.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/runtime/mount_plan.hpp"
#include "core/runtime/seccomp.hpp"

namespace zonekit::runtime {

inline constexpr int kChildFailExit = 125;  // reserved: the child failed before init ran

enum class ChildStep : int32_t {
  WaitParent = 1, AttachImage, SetIds, CgroupNs, Hostname, MountPrivate, Mounts, Pivot, SeedEtc, Rlimits, Fds,
  Session, Caps, Seccomp, Exec,
};
const char* child_step_name(ChildStep step);

// Parent: Continue (build the root), then Attached (in the zone's cgroup:
// go on to exec). Child: Built (root ready) after Continue; after
// Attached, Started (built-in init) or Exec just before execve, whose
// close-on-exec then ends the socket (EOF without Exec: it died); Error at
// any step.
enum class ChildMsgType : int32_t { Continue = 1, Error = 2, Started = 3, Attached = 4, Built = 5, Exec = 6 };
struct ChildMsg {
  ChildMsgType type;
  ChildStep step;
  int32_t err;    // errno
  int32_t index;  // mount step index for ChildStep::Mounts
};

struct FileSeed {
  std::string path;      // inside the zone, directly under /etc
  std::string content;   // file content, or the target of a symlink
  // true: written anew at each boot on a tmpfs and mounted on path (never
  // on the zone's disk); false: written to the zone's disk only if absent
  // (and left out while the disk is full).
  bool regenerate;
  char type = 'f';       // 'f' file, 'd' directory, 'l' symlink (never regenerated)
};

// Everything the child needs, prepared by the parent before clone.
struct ChildConfig {
  std::string root;                 // mount point of the new root (private to the child)
  std::string lower;                // image brand: where to attach the id-shifted image
  std::string hostname;
  std::string domainname;
  std::vector<MountStep> mounts;
  std::vector<FileSeed> files;
  std::vector<std::string> argv;    // empty: built-in init
  std::vector<std::string> env;
  int sync_fd = -1;
  seccomp::Program* seccomp = nullptr;
  char* title = nullptr;            // argv area to overwrite for the built-in init
  size_t title_len = 0;
  int init_exe_fd = -1;             // zkinit, run as the built-in init (else zoneadmd's image serves)
  uint64_t memlock_bytes = 0;       // RLIMIT_MEMLOCK (max_locked_memory); 0 = leave as inherited
  // The zone's own cgroup, read-only at /sys/fs/cgroup once it is in its
  // cgroup namespace, where container-aware software reads its limits:
  // {"cgroup2"} on v2, the v1 hierarchies' option strings ("memory",
  // "cpu,cpuacct") on v1, empty for none.
  std::vector<std::string> cgroup_views;
};

// Files seeded into the zone's /etc at boot; for the sparse brand also the
// host's /etc/ld.so.cache (the shared /usr's index), at each boot.
Result<std::vector<FileSeed>> etc_files(const ZoneSpec& spec);
// Sparse brand: the /etc/alternatives symlinks the shared /usr expects,
// taken from the host (parent side), created only when absent.
std::vector<FileSeed> host_etc_files();
// Identity of those host files (inode, size, mtime): when it equals the one
// recorded at the zone's last boot, the seeding is skipped (hundreds of
// alternatives links on a busy host cost milliseconds per boot).
std::string host_etc_fingerprint();

// The fixed environment of a zone's init.
std::vector<std::string> init_env();

[[noreturn]] void zone_child_main(ChildConfig& cfg);

// pid 1 of a zone with no init of its own is zkinit (cmd/zkinit), which
// the child executes through ChildConfig::init_exe_fd after pivot_root,
// never by a path the zone could name. Without it, the child itself runs
// the same loop (init_loop.hpp) in zoneadmd's image, non-dumpable, so that
// the zone's root cannot open /proc/1/exe, mem or environ or ptrace it (the
// owning user namespace of that mm is the host's); its argv area is
// overwritten so /proc/1/cmdline reads "init" either way.

}  // namespace zonekit::runtime
