// Zone specs that exercise every branch of the anti-spoofing table, shared
// by the pure planning tests and the root-only golden test.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/plan/zone_spec.hpp"

namespace zonekit::test {

inline constexpr const char* kSpecUuid = "1b2e4f8a-0c3d-4e5f-8a9b-0c1d2e3f4a5b";

inline NicSpec spec_nic(uint32_t index, std::string mac, std::vector<std::string> ips) {
  NicSpec n;
  n.index = index;
  n.zone_ifname = "net" + std::to_string(index);
  n.host_ifname = host_ifname(kSpecUuid, index);
  n.bridge = "zkbr" + std::to_string(index);
  n.mac = std::move(mac);
  n.ips = std::move(ips);
  return n;
}

inline ZoneSpec spec_with(std::vector<NicSpec> nics) {
  ZoneSpec s;
  s.uuid = kSpecUuid;
  s.name = "web01";
  s.nics = std::move(nics);
  return s;
}

// One plain nic: an IPv4 address, the EUI-64 link-local for IPv6.
inline ZoneSpec one_nic_spec() { return spec_with({spec_nic(0, "02:11:22:33:44:55", {"10.0.0.5/24"})}); }

// Two nics: the first with v4+v6 and allowed_ips (10.9.1.1 is inside
// 10.9.0.0/16), the second may spoof its MAC and send DHCP/RA.
inline ZoneSpec two_nic_spec() {
  auto a = spec_nic(0, "02:11:22:33:44:55", {"10.0.0.5/24", "fd00::5/64"});
  a.allowed_ips = {"10.9.1.1", "10.9.0.0/16", "fd00:1::/64"};
  auto b = spec_nic(1, "02:11:22:33:44:66", {"192.168.1.7/24"});
  b.allow_dhcp_spoofing = true;
  b.allow_mac_spoofing = true;
  return spec_with({a, b});
}

inline ZoneSpec ip_spoofing_spec() {
  auto s = one_nic_spec();
  s.nics[0].allow_ip_spoofing = true;
  return s;
}

inline ZoneSpec mac_spoofing_spec() {
  auto s = one_nic_spec();
  s.nics[0].allow_mac_spoofing = true;
  return s;
}

inline ZoneSpec dhcp_spoofing_spec() {
  auto s = one_nic_spec();
  s.nics[0].allow_dhcp_spoofing = true;
  return s;
}

// IPv6 and IPv4 allowed_ips that overlap, nest and touch each other.
inline ZoneSpec ipv6_cidrs_spec() {
  auto n = spec_nic(0, "02:11:22:33:44:55", {"fd00::5/64", "10.0.0.5/24"});
  n.allowed_ips = {"fd00:1::/64",   "fd00:1::7",      "fd00:1::/48",     "2001:db8::/32", "2001:db8:1::1",
                   "fd00::4/127",   "fd00::6",        "10.9.0.0/16",     "10.9.1.0/24",   "10.9.1.1",
                   "10.10.0.0/25",  "10.10.0.128/25", "10.0.0.4/31",     "10.0.0.6",      "192.168.0.0/16"};
  return spec_with({n});
}

// Only IPv6: IPv4 and ARP are dropped outright.
inline ZoneSpec ipv6_only_spec() { return spec_with({spec_nic(0, "02:11:22:33:44:55", {"fd00::5/64"})}); }

// Both spoofing flags: the nic is not filtered, only its broadcast rate limited.
inline ZoneSpec trusted_spec() {
  auto s = one_nic_spec();
  s.nics[0].allow_ip_spoofing = s.nics[0].allow_mac_spoofing = true;
  return s;
}

}  // namespace zonekit::test
