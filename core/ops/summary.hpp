// The lines zoneadm prints after a change, so that scripts and people read
// the same thing every time: each zone or key named once, in a fixed order.
#pragma once

#include <string>
#include <vector>

#include "core/ops/zones.hpp"

namespace zonekit::ops {

// `zoneadm update`: every changed key named once, applied live or at next
// boot (running zone), or simply updated (a zone that is not running); and
// the map keys a whole-map value dropped.
std::vector<std::string> update_summary(const std::string& zone, const UpdateResult& r);

// `zoneadm boot --autoboot`: "autoboot: 2 booted (a, b), 1 already running
// (c), 1 failed (d)"; "autoboot: no zone has autoboot set" when empty.
std::string autoboot_summary(const AutobootReport& r);

// Names in one line, sorted: "a, b, c" (at most `max`, then "and N more").
std::string name_list(std::vector<std::string> names, size_t max = 10);

}  // namespace zonekit::ops
