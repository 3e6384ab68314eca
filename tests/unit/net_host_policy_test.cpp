// The host policy (shield, forward filter, NAT): parsing of host services,
// the tables planned from a policy and from nic tags, and, as root in a
// private network namespace, what nft lists once they are applied and how
// ensure_host_policy creates without replacing.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "core/net/host_policy.hpp"
#include "core/ops/nictags.hpp"
#include "tests/unit/netns_child.hpp"

using namespace zonekit;
using namespace zonekit::net;

namespace {

const nft::Chain* chain(const nft::Table& t, const std::string& name) {
  for (const auto& c : t.chains)
    if (c.name == name) return &c;
  return nullptr;
}

BridgePolicy bridge(std::string name) {
  BridgePolicy b;
  b.bridge = std::move(name);
  return b;
}

// Two bridges: zkbr0 with services, forwarding to zkbr1; zkbr1 NATed with
// the whole host open.
HostPolicy sample() {
  HostPolicy p;
  auto a = bridge("zkbr0");
  for (const char* s : {"dns", "tcp/7000-7010", "ping", "udp/99"}) {
    auto v = parse_host_service(s);
    a.host_services.insert(a.host_services.end(), v->begin(), v->end());
  }
  a.forward_bridges = {"zkbr1"};
  auto b = bridge("zkbr1");
  b.host_all = true;
  b.forward_world = true;
  b.masquerade = {*parse_cidr("10.67.0.0/24")};
  p.bridges = {a, b};
  return p;
}

store::NicTag tag(std::string name, std::string bridge, std::string subnet) {
  store::NicTag t;
  t.name = std::move(name);
  t.bridge = std::move(bridge);
  t.subnet = std::move(subnet);
  t.origin = "store";
  return t;
}

}  // namespace

TEST_CASE("parse_host_service: services, ports and ranges; anything else is refused") {
  using S = std::vector<HostService>;
  CHECK(*parse_host_service("dns") == S{{IPPROTO_TCP, 53, 53}, {IPPROTO_UDP, 53, 53}});
  CHECK(*parse_host_service("ping") == S{{IPPROTO_ICMP, 0, 0}});
  CHECK(*parse_host_service("tcp/22") == S{{IPPROTO_TCP, 22, 22}});
  CHECK(*parse_host_service("udp/5000-5010") == S{{IPPROTO_UDP, 5000, 5010}});
  CHECK(*parse_host_service("tcp/65535") == S{{IPPROTO_TCP, 65535, 65535}});
  for (const char* bad : {"", "all", "none", "tcp/", "tcp/0", "tcp/65536", "tcp/99999", "tcp/22-21", "tcp/22-",
                          "tcp/-22", "tcp/+22", "tcp/22 ", "sctp/22", "TCP/22", "tcp/022222", "udp/1-70000"}) {
    CAPTURE(bad);
    auto r = parse_host_service(bad);
    REQUIRE(!r);
    CHECK(r.error().kind == ErrorKind::Invalid);
  }
  CHECK(parse_host_service("tcp/99999").error().message() ==
        "\"tcp/99999\" is not a host service (all, none, dns, ping, tcp/PORT, udp/PORT, tcp/FIRST-LAST or "
        "udp/FIRST-LAST)");
}

TEST_CASE("host_tables: the mark table, and one inet table whose base chains look at marked packets only") {
  auto tables = host_tables(sample());
  REQUIRE(tables);
  REQUIRE(tables->size() == 2);
  const auto& br = (*tables)[0];
  const auto& in = (*tables)[1];
  CHECK(br.family == nft::Family::Bridge);
  CHECK(in.family == nft::Family::Inet);
  CHECK(br.name == "zonekit");
  CHECK(in.name == "zonekit");
  CHECK(nft::check_table(br) == "");
  CHECK(nft::check_table(in) == "");
  // A fixed number of hooks, whatever the number of zones: one in the
  // bridge family, three (input, forward, NAT postrouting) in inet.
  auto hooks = [](const nft::Table& t) {
    return std::count_if(t.chains.begin(), t.chains.end(), [](const nft::Chain& c) { return c.hook.has_value(); });
  };
  CHECK(hooks(br) == 1);
  CHECK(hooks(in) == 3);
  std::vector<std::string> names;
  for (const auto& c : in.chains) names.push_back(c.name);
  CHECK(names == std::vector<std::string>{"input", "forward", "postrouting", "zone_input", "zone_forward", "b0_input",
                                          "b0_forward", "b1_input", "b1_forward"});
  // Base chains jump only for packets with the zone mark.
  for (const char* base : {"input", "forward"}) {
    const auto& rules = chain(in, base)->rules;
    REQUIRE(rules.size() == 1);
    CHECK(std::get<nft::Meta>(rules[0].exprs[0]).key == nft::MetaKey::Mark);
    CHECK(std::get<nft::Cmp>(rules[0].exprs[2]).data == nft::host_u32(kZoneMark));
  }
  // The last word of both filters is a counted drop.
  for (const char* c : {"zone_input", "zone_forward"}) {
    const auto& last = chain(in, c)->rules.back().exprs;
    CHECK(std::holds_alternative<nft::CounterRef>(last[0]));
    CHECK(std::get<nft::Verdict>(last.back()).kind == nft::Verdict::Drop);
  }
  // No NAT, nothing opened: no postrouting chain, no per-bridge input chain.
  HostPolicy closed;
  closed.bridges = {bridge("zkbr0")};
  tables = host_tables(closed);
  REQUIRE(tables);
  CHECK(chain((*tables)[1], "postrouting") == nullptr);
  CHECK(chain((*tables)[1], "b0_input") == nullptr);
  CHECK(chain((*tables)[1], "zone_input")->rules.size() == 3);   // established, ND, drop
  CHECK(!closed.needs_forwarding());
  CHECK(sample().needs_forwarding());
  // No bridges: no tables. A bad name: refused.
  CHECK(host_tables(HostPolicy{})->empty());
  closed.bridges[0].bridge = "br0\" accept";
  CHECK(host_tables(closed).error().kind == ErrorKind::Invalid);
}

TEST_CASE("ops::host_policy: per bridge the union of its tags; nat forwards to the world") {
  std::map<std::string, store::NicTag> tags;
  tags["a"] = tag("a", "zkbr0", "10.66.0.0/24");
  tags["a"].host_access = {"dns"};
  tags["a"].forward = {"b", "nosuch"};
  tags["a2"] = tag("a2", "zkbr0", "10.69.0.0/24");
  tags["a2"].host_access = {"all"};
  tags["b"] = tag("b", "zkbr1", "10.67.0.0/24");
  tags["b"].nat = true;
  tags["c"] = tag("c", "Bad.Name", "10.68.0.0/24");   // never gets a zone attached
  auto p = ops::host_policy(tags);
  REQUIRE(p.bridges.size() == 2);
  CHECK(p.bridges[0].bridge == "zkbr0");
  CHECK(p.bridges[0].host_all);
  CHECK(p.bridges[0].host_services.size() == 2);
  CHECK(!p.bridges[0].forward_world);
  CHECK(p.bridges[0].forward_bridges == std::vector<std::string>{"zkbr1"});
  CHECK(p.bridges[0].masquerade.empty());
  CHECK(p.bridges[1].bridge == "zkbr1");
  CHECK(p.bridges[1].forward_world);
  CHECK(p.bridges[1].masquerade == std::vector<Cidr>{*parse_cidr("10.67.0.0/24")});
  CHECK(!p.bridges[1].host_all);
  CHECK(p.bridges[1].host_services.empty());
  tags["b"].nat = false;
  tags["b"].forward = {"world"};
  p = ops::host_policy(tags);
  CHECK(p.bridges[1].forward_world);
  CHECK(p.bridges[1].masquerade.empty());
}

TEST_CASE("host policy, as root: nft lists the tables as their rule text; ensure creates, never replaces") {
  if (geteuid() != 0) {
    MESSAGE("skipped: needs root");
    return;
  }
  netns_child::in_private_netns([]() -> std::string {
    using netns_child::run;
    char dir[] = "/tmp/zk-policy.XXXXXX";
    EXPECT(mkdtemp(dir));
    const std::string record = std::string(dir) + "/ip_forward.before";
    EXPECT_OK(apply_host_policy(sample(), record));
    const std::string bridge_listing =
        "table bridge zonekit {\n"
        "\tchain input {\n"
        "\t\ttype filter hook input priority filter; policy accept;\n"
        "\t\tiifname \"zk*\" meta mark set meta mark | 0x01000000\n"
        "\t}\n"
        "}\n";
    const std::string inet_listing =
        "table inet zonekit {\n"
        "\tcounter input_drop {\n"
        "\t\tpackets 0 bytes 0\n"
        "\t}\n"
        "\n"
        "\tcounter forward_drop {\n"
        "\t\tpackets 0 bytes 0\n"
        "\t}\n"
        "\n"
        "\tchain input {\n"
        "\t\ttype filter hook input priority filter; policy accept;\n"
        "\t\tmeta mark & 0x01000000 == 0x01000000 jump zone_input\n"
        "\t}\n"
        "\n"
        "\tchain forward {\n"
        "\t\ttype filter hook forward priority filter; policy accept;\n"
        "\t\tmeta mark & 0x01000000 == 0x01000000 jump zone_forward\n"
        "\t}\n"
        "\n"
        "\tchain postrouting {\n"
        "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
        "\t\tip saddr 10.67.0.0/24 oifname != { \"zkbr0\", \"zkbr1\" } masquerade\n"
        "\t}\n"
        "\n"
        "\tchain zone_input {\n"
        "\t\tct state established,related accept\n"
        "\t\ticmpv6 type { mld-listener-query, mld-listener-report, mld-listener-done, nd-router-solicit, "
        "nd-neighbor-solicit, nd-neighbor-advert, mld2-listener-report } accept\n"
        "\t\tiifname \"zkbr0\" jump b0_input\n"
        "\t\tiifname \"zkbr1\" jump b1_input\n"
        "\t\tcounter name \"input_drop\" drop\n"
        "\t}\n"
        "\n"
        "\tchain zone_forward {\n"
        "\t\tct state established,related accept\n"
        "\t\tiifname \"zkbr0\" jump b0_forward\n"
        "\t\tiifname \"zkbr1\" jump b1_forward\n"
        "\t\tcounter name \"forward_drop\" drop\n"
        "\t}\n"
        "\n"
        "\tchain b0_input {\n"
        "\t\tfib daddr . iif type != local return\n"
        "\t\ttcp dport { 53, 7000-7010 } accept\n"
        "\t\tudp dport { 53, 99 } accept\n"
        "\t\ticmp type echo-request accept\n"
        "\t\ticmpv6 type echo-request accept\n"
        "\t}\n"
        "\n"
        "\tchain b0_forward {\n"
        "\t\toifname \"zkbr0\" accept\n"
        "\t\toifname \"zkbr1\" accept\n"
        "\t}\n"
        "\n"
        "\tchain b1_input {\n"
        "\t\taccept\n"
        "\t}\n"
        "\n"
        "\tchain b1_forward {\n"
        "\t\toifname \"zkbr1\" accept\n"
        "\t\toifname != { \"zkbr0\", \"zkbr1\" } accept\n"
        "\t}\n"
        "}\n";
    auto got = run("nft list table bridge zonekit");
    if (got != bridge_listing) return "bridge table:\n" + got;
    got = run("nft list table inet zonekit");
    if (got != inet_listing) return "inet table:\n" + got;
    EXPECT(run("cat /proc/sys/net/ipv4/ip_forward") == "1\n");
    auto counters = host_policy_counters();
    EXPECT_OK(counters);
    EXPECT((*counters == std::map<std::string, uint64_t>{{"forward_drop", 0}, {"input_drop", 0}}));

    // ensure: tables there are kept as they are, even for another policy
    HostPolicy other;
    other.bridges = {bridge("zkbr7")};
    EXPECT_OK(ensure_host_policy(other, record));
    EXPECT(run("nft list table inet zonekit") == inet_listing);
    // one missing: only that one is made
    EXPECT(run("nft delete table bridge zonekit") == "");
    EXPECT_OK(ensure_host_policy(sample(), record));
    EXPECT(run("nft list table bridge zonekit") == bridge_listing);
    EXPECT(run("nft list table inet zonekit") == inet_listing);
    // nothing there (a host reboot): made from the policy given
    EXPECT_OK(apply_host_policy(HostPolicy{}, record));
    EXPECT(run("nft list tables") == "");
    EXPECT(run("cat /proc/sys/net/ipv4/ip_forward") == "0\n");
    EXPECT_OK(ensure_host_policy(other, record));
    EXPECT(run("nft list table inet zonekit").find("iifname \"zkbr7\" jump b0_forward") != std::string::npos);
    EXPECT(run("cat /proc/sys/net/ipv4/ip_forward") == "0\n");   // zkbr7 forwards nowhere
    EXPECT_OK(ensure_host_policy(sample(), record));                // the tables stay; forwarding goes on
    EXPECT(run("cat /proc/sys/net/ipv4/ip_forward") == "1\n");
    EXPECT_OK(apply_host_policy(HostPolicy{}, record));
    EXPECT(run("cat /proc/sys/net/ipv4/ip_forward") == "0\n");
    rmdir(dir);
    return {};
  });
}
