// The default zone seccomp filter, modelled on the well-known container
// default profile, built with libseccomp in the parent and loaded in the
// child (which then neither allocates nor talks to libseccomp).
#pragma once

#include <linux/filter.h>

#include <string>
#include <string>
#include <string_view>
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

// The instructions as bytes and back: zoneadmd keeps the program it gave
// the zone's init in the run dir, and zlogin loads that one (the same
// filter for every process of the zone, and no libseccomp compile per
// login). from_bytes refuses anything that is not a whole, non-empty
// program of at most BPF_MAXINSNS instructions.
std::string to_bytes(const Program& prog);
Result<Program> from_bytes(std::string_view bytes);

// Child side: load prog (requires no_new_privs already set). Async-signal-safe.
int load(Program& prog);  // 0 or -errno

}  // namespace zonekit::seccomp
