// The default zone seccomp filter, modelled on the well-known container
// default profile, built with libseccomp in the parent and loaded in the
// child (which then neither allocates nor talks to libseccomp).
#pragma once

#include <linux/filter.h>

#include <string>
#include <vector>

#include "core/sys/result.hpp"

namespace zonekit::seccomp {

struct Program {
  std::vector<sock_filter> insns;  // exported BPF covering native, x86 and x32
  sock_fprog fprog() { return sock_fprog{static_cast<unsigned short>(insns.size()), insns.data()}; }
  // Names in the profile that this libseccomp does not know (newer than
  // it); they are not denied. Empty with libseccomp 2.5.4.
  std::vector<std::string> unresolved;
};

// Build the default profile (parent side).
Result<Program> build_default();

// Child side: load prog (requires no_new_privs already set). Async-signal-safe.
int load(Program& prog);  // 0 or -errno

}  // namespace zonekit::seccomp
