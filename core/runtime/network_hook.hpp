// The one place where zoneadmd hands a booting zone to the network layer.
#pragma once

#include <sys/types.h>

#include "core/plan/zone_spec.hpp"
#include "core/sys/result.hpp"

namespace zonekit::runtime {

// Parent side, after the child's user namespace maps are written and before
// it is told to continue: create veths, move them into the child's netns.
Result<void> setup_network_from_parent(const ZoneSpec& spec, pid_t init_pid);

// After the zone is gone: remove what setup created (host ends of veths...).
Result<void> teardown_network(const ZoneSpec& spec);

}  // namespace zonekit::runtime
