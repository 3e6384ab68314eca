// Host-side preparation of a sparse zone's persistent directories:
// <zone_dir>/root/{etc,var,root,home} owned by the zone's root (host uid
// ids.host_base). Their contents belong to the zone and are never followed
// from the host: files inside are written by the zone child after
// pivot_root (see zone_child.cpp), as the zone's root.
#pragma once

#include "core/plan/zone_spec.hpp"
#include "core/sys/result.hpp"

namespace zonekit::runtime {

Result<void> prepare_zone_dirs(const ZoneSpec& spec);

}  // namespace zonekit::runtime
