#include "core/ops/live_nics.hpp"

namespace zonekit::ops {

Result<bool> apply_nics_live(const store::Store&, const nlohmann::json&, const nlohmann::json&) {
  // Not done live yet: the stored manifest changed, the zone picks the new
  // NICs up at its next boot (update reports "nics" as next-boot).
  return false;
}

}  // namespace zonekit::ops
