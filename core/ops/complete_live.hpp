// The Live callbacks of shell completion, read from the store and the
// manifest schema. Errors (no store yet, unreadable zone) just mean fewer
// candidates: completion must never print an error into a prompt.
#pragma once

#include "core/ops/complete.hpp"

namespace zonekit::ops {

// zones: store zones (alias, else uuid), sorted, filtered by zone_state_fits(verb);
// tags: nic tags from the config and the store; properties: updatable
// top-level manifest properties (verb "update"), list fields (verb "list");
// option_values: zone states (--state), list fields (-o, -s), brands,
// json/yaml (--to). images is left empty (imgadm fills it).
Live store_live();

}  // namespace zonekit::ops
