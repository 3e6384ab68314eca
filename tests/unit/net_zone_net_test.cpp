// The order attach_zone works in, pinned without root: every port made
// (down) before the filter that hooks their ingress, the filter before any
// port comes up, the zone side configured before its port joins the bridge.
#include <doctest/doctest.h>

#include "core/net/zone_net.hpp"

using namespace zonekit;
using namespace zonekit::net;

namespace {
ZoneSpec spec() {
  ZoneSpec s;
  s.uuid = "aaaa0001-0000-4000-8000-000000000001";
  s.name = "web01";
  NicSpec a;
  a.index = 0;
  a.zone_ifname = "net0";
  a.host_ifname = host_ifname(s.uuid, 0);
  a.bridge = "zkbr0";
  a.mac = "02:00:00:00:00:0a";
  a.ips = {"10.99.0.10/24", "fd99::10/64"};
  a.gateways = {"10.99.0.1", "fd99::1"};
  NicSpec b = a;
  b.index = 1;
  b.zone_ifname = "net1";
  b.host_ifname = host_ifname(s.uuid, 1);
  b.bridge = "zkbr1";
  b.mac = "02:00:00:00:00:0b";
  b.mtu = 9000;
  b.ips = {"10.98.0.10/24"};
  b.gateways = {"10.98.0.1"};
  b.primary = true;
  b.allow_ip_spoofing = b.allow_mac_spoofing = true;
  s.nics = {a, b};
  // The primary nic's gateway makes the v4 default route; a second
  // "default" of that family is skipped, one of another family is kept.
  s.routes = {{"10.97.0.0/16", "10.99.0.254"}, {"default", "10.99.0.1"}, {"default", "fd99::1"}};
  return s;
}
}  // namespace

TEST_CASE("describe_attach: the order of a boot") {
  auto steps = describe_attach(spec());
  REQUIRE(steps);
  CHECK(*steps == std::vector<std::string>{
                      "zone: lo up, ping_group_range 0 2147483647",
                      "host: bridge zkbr0 (create if missing, mtu 1500) with address 10.99.0.1/24",
                      "host: bridge zkbr0 (create if missing, mtu 1500) with address fd99::1/64",
                      "host: remove stale link zkaaaa000100n0 if present",
                      "host: veth zkaaaa000100n0 <-> zone net0 mac 02:00:00:00:00:0a mtu 1500",
                      "host: bridge zkbr1 (create if missing, mtu 9000) with address 10.98.0.1/24",
                      "host: remove stale link zkaaaa000100n1 if present",
                      "host: veth zkaaaa000100n1 <-> zone net1 mac 02:00:00:00:00:0b mtu 9000",
                      "filter: replace table netdev zk_aaaa000100 at the ingress of zkaaaa000100n0 zkaaaa000100n1",
                      "zone: net0 eui64 link-local, address 10.99.0.10/24, address fd99::10/64, up",
                      "host: zkaaaa000100n0 master zkbr0, up",
                      "zone: net1 eui64 link-local, address 10.98.0.10/24, up",
                      "host: zkaaaa000100n1 master zkbr1, up",
                      "zone: route default via 10.98.0.1 dev net1",
                      "zone: route 10.97.0.0/16 via 10.99.0.254",
                      "zone: route default via fd99::1",
                  });
}

TEST_CASE("describe_attach: adding one nic to a running zone") {
  auto steps = describe_attach(spec(), std::vector<uint32_t>{1});
  REQUIRE(steps);
  CHECK(steps->size() == 10);   // lo, bridge, stale, veth, filter, zone, port, 3 routes
  CHECK((*steps)[1] == "host: bridge zkbr1 (create if missing, mtu 9000) with address 10.98.0.1/24");
  CHECK((*steps)[3] == "host: veth zkaaaa000100n1 <-> zone net1 mac 02:00:00:00:00:0b mtu 9000");
  // The new table covers the running nic's port too (it replaces the old one).
  CHECK((*steps)[4] == "filter: replace table netdev zk_aaaa000100 at the ingress of zkaaaa000100n0 zkaaaa000100n1");
  CHECK((*steps)[6] == "host: zkaaaa000100n1 master zkbr1, up");
  CHECK(describe_attach(spec(), std::vector<uint32_t>{4}).error().message() ==
        "zone web01: network: no nic with index 4");
}

TEST_CASE("describe_attach: invalid specs are refused before any step") {
  auto s = spec();
  s.nics[1].zone_ifname = "net0";
  CHECK(describe_attach(s).error().message() ==
        "zone web01: network: nics[1]: host_ifname or zone_ifname used twice");
  s = spec();
  s.nics[0].gateways = {"10.99.0.1; rm"};
  CHECK(describe_attach(s).error().message() ==
        "zone web01: network: nics[0].gateways: \"10.99.0.1; rm\" is not an IP address");
  s = spec();
  s.routes = {{"10.97.0.0/16", "fd99::1"}};
  CHECK(describe_attach(s).error().message() ==
        "zone web01: network: routes[0]: destination and gateway are of different address families");
  s = spec();
  s.nics[0].mtu = 20;
  CHECK(describe_attach(s).error().message() == "zone web01: network: nics[0].mtu: 20 is out of range 68-65535");
}

TEST_CASE("detach_nics refuses names that are not this zone's host links") {
  auto s = spec();
  CHECK(detach_nics(s, {"eth0"}).error().message() == "zone web01: remove nics: \"eth0\" is not a host link of this zone");
  CHECK(detach_nics(s, {"zkbbbb000100n0"}).error().kind == ErrorKind::Invalid);
  CHECK(detach_nics(s, {"zkaaaa000100n"}).error().kind == ErrorKind::Invalid);
  CHECK(detach_nics(s, {"zkaaaa000100nx"}).error().kind == ErrorKind::Invalid);
}
