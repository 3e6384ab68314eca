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
  WaitParent = 1, SetIds, Hostname, MountPrivate, Mounts, Pivot, SeedEtc, Rlimits, Fds,
  Session, Caps, Seccomp, Exec,
};
const char* child_step_name(ChildStep step);

enum class ChildMsgType : int32_t { Continue = 1, Error = 2, Started = 3 };
struct ChildMsg {
  ChildMsgType type;
  ChildStep step;
  int32_t err;    // errno
  int32_t index;  // mount step index for ChildStep::Mounts
};

struct FileSeed {
  std::string path;      // inside the zone
  std::string content;
  bool regenerate;       // true: rewritten at each boot; false: only if absent
};

// Everything the child needs, prepared by the parent before clone.
struct ChildConfig {
  std::string root;                 // mount point of the new root (private to the child)
  std::string hostname;
  std::string domainname;
  std::vector<MountStep> mounts;
  std::vector<FileSeed> files;
  std::vector<std::string> argv;    // empty: built-in init
  std::vector<std::string> env;
  int sync_fd = -1;
  int console_fd = -1;
  seccomp::Program* seccomp = nullptr;
  char* title = nullptr;            // argv area to overwrite for the built-in init
  size_t title_len = 0;
};

// Files seeded into the zone's /etc at boot.
Result<std::vector<FileSeed>> etc_files(const ZoneSpec& spec);
// The fixed environment of a zone's init.
std::vector<std::string> init_env();

[[noreturn]] void zone_child_main(ChildConfig& cfg);

// pid 1 of a zone with no init of its own: reaps orphans, exits 0 on
// SIGTERM, SIGPWR or SIGINT.
[[noreturn]] void builtin_init();

}  // namespace zonekit::runtime
