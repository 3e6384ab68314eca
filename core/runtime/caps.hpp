// Zone capabilities: a short bounding set, nothing ambient or inheritable,
// and no_new_privs.
//
// Order in a zone's init (and in zlogin's child), once the uid/gid maps
// are written and every mount is done (mounting needs CAP_SYS_ADMIN):
//   setresgid/setresuid(0)  -> caps::apply_in_child() -> seccomp::load() -> execve
// For a non-root target user:
//   caps::drop_bounding_in_child() -> setgroups/setresgid/setresuid(user)
//   -> caps::apply_in_child() -> seccomp::load() -> execve
#pragma once

#include <cstdint>
#include <vector>

#include "core/sys/result.hpp"

namespace zonekit::caps {

// The capability numbers a zone keeps (CAP_CHOWN, ...).
const std::vector<int>& zone_set();

// Child side, after setting ids: drop every capability outside zone_set()
// from the bounding set, clear ambient and inheritable, set permitted and
// effective to zone_set(), and set no_new_privs. 0 or -errno. Does not
// allocate.
int apply_in_child();

// zone_set() as a bit mask (bit n = capability n), as /proc/<pid>/status
// shows it in CapBnd/CapPrm/CapEff.
uint64_t zone_mask();

// Child side: only drop every capability outside zone_set() from the
// bounding set. Needs CAP_SETPCAP, so a process that will switch to a
// non-root user calls this before setresuid() and apply_in_child() after
// (which then leaves the user with no capabilities at all). 0 or -errno.
// Does not allocate.
int drop_bounding_in_child();

}  // namespace zonekit::caps
