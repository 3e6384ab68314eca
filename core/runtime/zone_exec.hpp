// Run a command inside a running zone (zlogin): join every namespace of the
// zone's init through a pidfd (no pid-reuse race), its cgroup, its
// credentials, capabilities and seccomp filter.
#pragma once

#include <string>
#include <vector>

#include "core/sys/result.hpp"

namespace zonekit::runtime {

struct ExecOptions {
  std::vector<std::string> argv;   // empty: the user's login shell
  std::string user = "root";
  std::vector<std::string> env;    // extra VAR=VAL
  bool pty = false;                // allocate a pty in the zone's devpts
  std::string term;                // TERM for pty sessions
};

inline constexpr int kExecFailed = 127;      // command not found / could not join
inline constexpr int kExecNotRunnable = 126;  // found but not executable

// Returns the command's exit status: its code, or 128+signal. An error whose
// op is "exec" means the command could not be started (exit 127, or 126
// when code is EACCES, by convention).
Result<int> exec_in_zone(const std::string& run_dir, const ExecOptions& opts);

// passwd/group lookups inside the zone (pure, for tests).
struct ZoneUser {
  unsigned uid = 0, gid = 0;
  std::string name, home = "/", shell = "/bin/sh";
  std::vector<unsigned> groups;
};
bool parse_passwd_user(const std::string& passwd, const std::string& user, ZoneUser& out);
std::vector<unsigned> parse_group_members(const std::string& group, const std::string& user);

}  // namespace zonekit::runtime
