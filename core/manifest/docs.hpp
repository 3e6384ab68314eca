// Documentation generated from schema(): the `zonecfg template` starting
// point, the zone-manifest(5) man page and `zoneadm explain`.
#pragma once

#include <string>
#include <string_view>

namespace zonekit::manifest {

// A commented YAML manifest for the brand ("sparse", "image", or a vmadm
// alias of image). Uncommented lines form a valid manifest. "" when the
// brand is not one zonekit runs.
std::string template_yaml(std::string_view brand);

// zone-manifest(5) in mdoc: every property with type, unit, default,
// create-only/updatable and live/next boot, the update members and examples.
std::string manpage_mdoc();

// One property described for `zoneadm explain` ("nics.ips", "nics[0].ips",
// "nics[].ips", "set_tags" all work). "" when the path names nothing.
std::string explain(std::string_view path);

}  // namespace zonekit::manifest
