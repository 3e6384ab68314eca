// Zone capabilities: a short bounding set, nothing ambient or inheritable,
// and no_new_privs.
#pragma once

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

}  // namespace zonekit::caps
