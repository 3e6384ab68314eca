#include "core/runtime/network_hook.hpp"

namespace zonekit::runtime {

Result<void> setup_network_from_parent(const ZoneSpec& spec, pid_t) {
  if (spec.nics.empty()) return {};
  return fail("zone " + spec.name + ": networking not built in (zone has " +
              std::to_string(spec.nics.size()) + " nics)");
}

Result<void> teardown_network(const ZoneSpec&) { return {}; }

}  // namespace zonekit::runtime
