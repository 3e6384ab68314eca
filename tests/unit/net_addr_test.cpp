#include <doctest/doctest.h>

#include <set>

#include "core/net/addr.hpp"
#include "core/net/ipam.hpp"

using namespace zonekit;
using namespace zonekit::net;

TEST_CASE("parse_ip accepts canonical v4 and v6") {
  CHECK(parse_ip("10.0.0.5")->str() == "10.0.0.5");
  CHECK(parse_ip("0.0.0.0")->str() == "0.0.0.0");
  CHECK(parse_ip("255.255.255.255")->str() == "255.255.255.255");
  CHECK(parse_ip("fd00::5")->str() == "fd00::5");
  CHECK(parse_ip("FD00:0:0:0:0:0:0:5")->str() == "fd00::5");
  CHECK(parse_ip("::ffff:1.2.3.4")->is_v6());
  CHECK(parse_ip("10.0.0.5")->is_v4());
}

TEST_CASE("parse_ip is strict") {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.04", "256.1.1.1", "1.2.3.4 ",
                          " 1.2.3.4", "1..2.3", "1.2.3.", "+1.2.3.4", "1.2.3.4/24", "0x1.2.3.4",
                          "fe80::1%eth0", "fd00:::1", "1:2:3:4:5:6:7:8:9", "gggg::1", "1.2.3.1000"}) {
    INFO(bad);
    CHECK_FALSE(parse_ip(bad));
  }
}

TEST_CASE("parse_cidr, network, contains") {
  auto c = parse_cidr("10.0.0.5/24");
  REQUIRE(c);
  CHECK(c->str() == "10.0.0.5/24");
  CHECK(c->network().str() == "10.0.0.0");
  CHECK(c->last().str() == "10.0.0.255");
  CHECK(c->contains(*parse_ip("10.0.0.200")));
  CHECK_FALSE(c->contains(*parse_ip("10.0.1.1")));
  CHECK_FALSE(c->contains(*parse_ip("::a00:5")));
  auto odd = parse_cidr("172.16.5.9/13");
  CHECK(odd->network().str() == "172.16.0.0");
  CHECK(odd->last().str() == "172.23.255.255");
  auto v6 = parse_cidr("fd00:1:2:3::99/64");
  CHECK(v6->network().str() == "fd00:1:2:3::");
  CHECK(v6->contains(*parse_ip("fd00:1:2:3:ffff::1")));
  CHECK(parse_cidr("0.0.0.0/0")->contains(*parse_ip("8.8.8.8")));
  for (const char* bad : {"10.0.0.0", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/024", "10.0.0.0/-1",
                          "fd00::/129", "10.0.0.0/2 4", "/24"}) {
    INFO(bad);
    CHECK_FALSE(parse_cidr(bad));
  }
  CHECK(parse_ip_or_cidr("10.1.2.3")->str() == "10.1.2.3/32");
  CHECK(parse_ip_or_cidr("fd00::1")->str() == "fd00::1/128");
}

TEST_CASE("offset walks and wraps within the family") {
  CHECK(offset(*parse_ip("10.0.0.255"), 1).str() == "10.0.1.0");
  CHECK(offset(*parse_ip("10.0.1.0"), -1).str() == "10.0.0.255");
  CHECK(offset(*parse_ip("fd00::ffff:ffff"), 1).str() == "fd00::1:0:0");
  CHECK(offset(*parse_ip("fd00::1:0:0"), -1).str() == "fd00::ffff:ffff");
}

TEST_CASE("MAC parse and format") {
  auto m = parse_mac("02:AB:cd:00:01:ff");
  REQUIRE(m);
  CHECK(format_mac(*m) == "02:ab:cd:00:01:ff");
  CHECK(mac_is_assignable(*m));
  CHECK_FALSE(mac_is_assignable(*parse_mac("01:00:5e:00:00:01")));
  CHECK_FALSE(mac_is_assignable(*parse_mac("00:00:00:00:00:00")));
  for (const char* bad : {"", "02:ab:cd:00:01", "02:ab:cd:00:01:ff:", "02-ab-cd-00-01-ff",
                          "2:ab:cd:00:01:ff0", "02:ab:cd:00:01:fg", "02ab:cd:00:01:ff:"}) {
    INFO(bad);
    CHECK_FALSE(parse_mac(bad));
  }
}

TEST_CASE("ifname validation") {
  CHECK(valid_ifname_strict("zk0123456789n0"));
  CHECK_FALSE(valid_ifname_strict("zk0123456789n10x"));  // 16 chars
  CHECK_FALSE(valid_ifname_strict("eth0\"; flush"));
  CHECK_FALSE(valid_ifname_strict("Eth0"));
  CHECK_FALSE(valid_ifname_strict(""));
  CHECK(valid_ifname("br-lan.10"));
  CHECK_FALSE(valid_ifname(".."));
  CHECK_FALSE(valid_ifname("a/b"));
}

TEST_CASE("make_pool defaults and validation") {
  auto p = make_pool("10.0.0.0/24", "10.0.0.1");
  REQUIRE(p);
  CHECK(p->first.str() == "10.0.0.1");
  CHECK(p->last.str() == "10.0.0.254");
  CHECK(p->gateway->str() == "10.0.0.1");

  auto e = make_pool("10.0.0.5/24");
  REQUIRE_FALSE(e);
  CHECK(e.error().kind == ErrorKind::Invalid);
  CHECK(e.error().message() == "subnet: 10.0.0.5/24 has host bits set (did you mean 10.0.0.0/24?)");
  CHECK(make_pool("10.0.0.0/24", "10.0.1.1").error().message() ==
        "gateway: 10.0.1.1 is outside subnet 10.0.0.0/24");
  CHECK(make_pool("10.0.0.0/24", "10.0.0.255").error().message() ==
        "gateway: 10.0.0.255 is the broadcast address of 10.0.0.0/24");
  CHECK(make_pool("10.0.0.0/24", "", "10.0.0.10-10.0.1.5").error().message() ==
        "range: 10.0.1.5 is outside subnet 10.0.0.0/24");
  CHECK(make_pool("10.0.0.0/24", "", "10.0.0.20-10.0.0.10").error().message() ==
        "range: 10.0.0.20 is after 10.0.0.10");
  CHECK(make_pool("10.0.0.0/24", "", "10.0.0.20").error().message() ==
        "range: \"10.0.0.20\" is not FIRST-LAST");
  CHECK(make_pool("10.0.0.0/33").error().message() ==
        "subnet: \"10.0.0.0/33\" is not a CIDR (e.g. 10.0.0.0/24)");
  CHECK(make_pool("10.0.0.1/32", "10.0.0.1").error().message() ==
        "subnet 10.0.0.1/32 leaves no address to allocate");
  auto p31 = make_pool("10.0.0.0/31");
  CHECK(p31->first.str() == "10.0.0.0");
  CHECK(p31->last.str() == "10.0.0.1");
  auto v6 = make_pool("fd00::/64", "fd00::1");
  CHECK(v6->first.str() == "fd00::1");
  CHECK(v6->last.str() == "fd00::ffff:ffff:ffff:ffff");
}

TEST_CASE("next_free: lowest free, gateway skipped, ranges, full pool") {
  auto p = *make_pool("10.0.0.0/29", "10.0.0.1");   // usable .1-.6, gateway .1
  std::set<std::string> taken;
  std::vector<std::string> got;
  while (auto ip = next_free(p, taken)) {
    got.push_back(ip->str());
    taken.insert(with_prefix(p, *ip));
  }
  CHECK(got == std::vector<std::string>{"10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"});
  CHECK(*taken.begin() == "10.0.0.2/29");
  // A hole is refilled first; plain and prefixed forms both count as taken.
  taken.erase("10.0.0.4/29");
  CHECK(next_free(p, taken)->str() == "10.0.0.4");
  CHECK(next_free(p, std::set<std::string>{"10.0.0.2", "10.0.0.3/29", "junk"})->str() == "10.0.0.4");

  auto r = *make_pool("10.0.0.0/24", "10.0.0.1", "10.0.0.100-10.0.0.101");
  CHECK(next_free(r, std::set<IpAddr>{})->str() == "10.0.0.100");
  CHECK(next_free(r, std::set<IpAddr>{*parse_ip("10.0.0.100")})->str() == "10.0.0.101");
  CHECK_FALSE(next_free(r, std::set<IpAddr>{*parse_ip("10.0.0.100"), *parse_ip("10.0.0.101")}));
  CHECK(pool_allows(r, *parse_ip("10.0.0.100")));
  CHECK_FALSE(pool_allows(r, *parse_ip("10.0.0.102")));
  CHECK_FALSE(pool_allows(p, *parse_ip("10.0.0.1")));   // gateway

  auto g = *make_pool("10.0.0.0/24", "10.0.0.100", "10.0.0.100-10.0.0.101");
  CHECK(next_free(g, std::set<IpAddr>{})->str() == "10.0.0.101");

  auto v6 = *make_pool("fd00::/64", "fd00::1");
  CHECK(next_free(v6, std::set<std::string>{"fd00::2/64"})->str() == "fd00::3");
  CHECK(with_prefix(v6, *parse_ip("fd00::3")) == "fd00::3/64");
}

TEST_CASE("stable_mac: pinned, deterministic, locally administered unicast, distinct") {
  const std::string uuid = "1b2e4f8a-0c3d-4e5f-8a9b-0c1d2e3f4a5b";
  auto m = stable_mac(uuid, 0);
  CHECK(m == "92:7f:4e:52:3a:9b");   // pinned: stored MACs must never depend on a release
  CHECK(stable_mac(uuid, 1) == "82:35:7b:7b:b8:52");
  CHECK(m == stable_mac(uuid, 0));
  CHECK(m != stable_mac(uuid, 1));
  CHECK(m != stable_mac(uuid, 0, 1));
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    char u[37];
    std::snprintf(u, sizeof u, "%08x-0000-4000-8000-%012x", i * 2654435761u, i);
    auto s = stable_mac(u, 0);
    auto parsed = parse_mac(s);
    REQUIRE(parsed);
    CHECK(((*parsed)[0] & 0x03) == 0x02);
    seen.insert(s);
  }
  CHECK(seen.size() == 10000);
}
