#include "core/runtime/network_hook.hpp"

#include "core/net/zone_net.hpp"

namespace zonekit::runtime {

Result<void> setup_network_from_parent(const ZoneSpec& spec, pid_t init_pid) {
  if (spec.nics.empty()) return {};
  return context(net::attach_zone(spec, init_pid), "zone " + spec.name + ": network");
}

Result<void> teardown_network(const ZoneSpec& spec) {
  // Even without nics: a zone that gained nics live (zoneadm update) has a
  // filter table its boot-time spec does not know of.
  return context(net::detach_zone(spec), "zone " + spec.name + ": network teardown");
}

}  // namespace zonekit::runtime
