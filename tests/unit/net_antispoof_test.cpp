// The anti-spoofing table, without root: its structure, refusal of hostile
// specs, and the netlink batch it becomes, printed by libnftnl exactly as
// nft 1.0.6 printed the batch it compiled from the old rule text
// (tests/unit/golden/antispoof_bytecode.txt). The kernel-side proof is
// net_antispoof_golden_test.
#include <doctest/doctest.h>
#include <libmnl/libmnl.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "core/net/antispoof.hpp"
#include "core/net/nft_netlink.hpp"
#include "core/net/zone_net.hpp"
#include "tests/unit/net_test_specs.hpp"

using namespace zonekit;
using namespace zonekit::net;
using namespace zonekit::test;

namespace {

// The rules and sets of a batch as `nft --debug=netlink` prints them. Two
// quirks of parsing requests back with libnftnl (the kernel has neither)
// are undone: libnftnl numbers a request's set elements 1, 2, ... but
// parses only NFTA_LIST_ELEM (1); and it writes objref names without a NUL,
// so a name of 4n bytes parses back with the next byte stuck to it.
std::string render(const nft::Batch& b, const nft::Table& t) {
  std::string out;
  std::vector<char> text(1 << 20);
  auto* nlh = reinterpret_cast<const nlmsghdr*>(b.data().data());
  int left = int(b.data().size());
  while (mnl_nlmsg_ok(nlh, left)) {
    std::vector<char> copy(reinterpret_cast<const char*>(nlh), reinterpret_cast<const char*>(nlh) + nlh->nlmsg_len);
    auto* msg = reinterpret_cast<nlmsghdr*>(copy.data());
    switch (nlh->nlmsg_type & 0xff) {
      case NFT_MSG_NEWRULE: {
        nftnl_rule* r = nftnl_rule_alloc();
        REQUIRE(nftnl_rule_nlmsg_parse(msg, r) >= 0);
        nftnl_rule_snprintf(text.data(), text.size(), r, NFTNL_OUTPUT_DEFAULT, 0);
        nftnl_rule_free(r);
        std::string s = text.data();
        for (const auto& name : t.counters) {
          if (name.size() % 4) continue;
          for (size_t at = 0; (at = s.find(" name " + name, at)) != std::string::npos; at += name.size())
            s.erase(at + 6 + name.size(), 1);
        }
        out += s + "\n";
        break;
      }
      case NFT_MSG_NEWSET:
      case NFT_MSG_NEWSETELEM: {
        nftnl_set* s = nftnl_set_alloc();
        if ((nlh->nlmsg_type & 0xff) == NFT_MSG_NEWSET) {
          REQUIRE(nftnl_set_nlmsg_parse(msg, s) >= 0);
        } else {
          auto* a = static_cast<nlattr*>(mnl_nlmsg_get_payload_offset(msg, sizeof(nfgenmsg)));
          auto* end = static_cast<char*>(mnl_nlmsg_get_payload_tail(msg));
          for (; mnl_attr_ok(a, int(end - reinterpret_cast<char*>(a))); a = mnl_attr_next(a)) {
            if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS) continue;
            auto* e = static_cast<nlattr*>(mnl_attr_get_payload(a));
            auto* nest_end = reinterpret_cast<char*>(a) + a->nla_len;
            for (; mnl_attr_ok(e, int(nest_end - reinterpret_cast<char*>(e))); e = mnl_attr_next(e))
              e->nla_type = NLA_F_NESTED | NFTA_LIST_ELEM;
          }
          REQUIRE(nftnl_set_elems_nlmsg_parse(msg, s) >= 0);
        }
        nftnl_set_snprintf(text.data(), text.size(), s, NFTNL_OUTPUT_DEFAULT, 0);
        nftnl_set_free(s);
        out += std::string(text.data()) + "\n";
        break;
      }
      default:
        break;
    }
    nlh = mnl_nlmsg_next(nlh, &left);
  }
  return out;
}

// name -> section of the recorded nft output.
std::map<std::string, std::string> recorded() {
  std::ifstream in(ZONEKIT_SOURCE_DIR "/tests/unit/golden/antispoof_bytecode.txt");
  std::map<std::string, std::string> out;
  std::string line, name;
  while (std::getline(in, line)) {
    if (line.starts_with("#")) continue;
    if (line.starts_with("=== ")) {
      name = line.substr(4);
      out[name];
      continue;
    }
    out[name] += line + "\n";
  }
  return out;
}

const nft::Chain* chain(const nft::Table& t, const std::string& name) {
  for (const auto& c : t.chains)
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace

TEST_CASE("antispoof_table: the batch is, expression by expression, what nft compiled from the text rules") {
  auto golden = recorded();
  std::pair<const char*, ZoneSpec> cases[] = {
      {"one_nic", one_nic_spec()},           {"two_nics", two_nic_spec()},
      {"ip_spoofing", ip_spoofing_spec()},   {"mac_spoofing", mac_spoofing_spec()},
      {"dhcp_spoofing", dhcp_spoofing_spec()}, {"ipv6_cidrs", ipv6_cidrs_spec()},
      {"ipv6_only", ipv6_only_spec()},       {"trusted", trusted_spec()},
      {"no_nics", spec_with({})},
  };
  REQUIRE(golden.size() == std::size(cases));
  for (auto& [name, spec] : cases) {
    CAPTURE(name);
    auto t = antispoof_table(spec);
    REQUIRE(t);
    CHECK(nft::check_table(*t) == "");
    nft::Batch b;
    b.add_table(*t);
    CHECK(render(b, *t) == golden.at(name));
  }
}

TEST_CASE("antispoof_table: tables, chains and counters of a 2-nic zone") {
  auto t = antispoof_table(two_nic_spec());
  REQUIRE(t);
  CHECK(t->family == nft::Family::Netdev);
  CHECK(t->name == "zk_1b2e4f8a0c");
  std::vector<std::string> names;
  for (const auto& c : t->chains) names.push_back(c.name);
  CHECK(names == std::vector<std::string>{"n0", "n1", "n0_arp", "n0_ip", "n0_ip6", "n1_arp", "n1_ip", "n1_ip6"});
  // Each nic's chain at the ingress of its own host port, nothing else hooked.
  for (size_t i = 0; i < 2; ++i) {
    REQUIRE(t->chains[i].hook);
    CHECK(t->chains[i].hook->type == "filter");
    CHECK(t->chains[i].hook->hooknum == 0);
    CHECK(t->chains[i].hook->priority == -500);
    CHECK(t->chains[i].hook->device == "zk1b2e4f8a0cn" + std::to_string(i));
  }
  for (size_t i = 2; i < t->chains.size(); ++i) CHECK(!t->chains[i].hook);
  CHECK(t->counters.size() == 18);
  CHECK(t->counters.front() == "n0_mac");
  CHECK(t->counters[8] == "n0_flood");
  CHECK(t->counters.back() == "n1_flood");
  // Every nic chain marks the frame first (the guard lets only marked ones
  // into a bridge): meta mark set meta mark | 0x02000000.
  for (const char* c : {"n0", "n1"})
    CHECK(chain(*t, c)->rules.front().exprs ==
          std::vector<nft::Expr>{nft::Meta{nft::MetaKey::Mark},
                                 nft::Bitwise{nft::host_u32(~kFilteredMark), nft::host_u32(kFilteredMark)},
                                 nft::MetaSet{nft::MetaKey::Mark}});
  // nic 1 may spoof its MAC: no MAC rule in its chain; the mark, the flood
  // limit, 3 jumps and the drop.
  CHECK(chain(*t, "n1")->rules.size() == 6);
  CHECK(chain(*t, "n0")->rules.size() == 7);
  // allow_dhcp_spoofing: no RA/redirect or DHCPv6 rule on nic 1.
  CHECK(chain(*t, "n1_ip6")->rules.size() == 5);
  CHECK(chain(*t, "n0_ip6")->rules.size() == 7);
}

TEST_CASE("guard_table: one bridge prerouting chain that drops unmarked frames of zone ports") {
  auto t = guard_table();
  CHECK(nft::check_table(t) == "");
  CHECK(t.family == nft::Family::Bridge);
  CHECK(t.name == "zonekit_guard");
  CHECK(t.counters == std::vector<std::string>{"unfiltered"});
  REQUIRE(t.chains.size() == 1);
  REQUIRE(t.chains[0].hook);
  CHECK(t.chains[0].hook->hooknum == 0);   // NF_BR_PRE_ROUTING
  CHECK(t.chains[0].hook->priority == -300);
  REQUIRE(t.chains[0].rules.size() == 2);
  const auto& drop = t.chains[0].rules[0].exprs;
  CHECK(std::get<nft::Cmp>(drop[1]).data == nft::Bytes{'z', 'k'});   // a name prefix
  CHECK(std::get<nft::Bitwise>(drop[3]).mask == nft::host_u32(kFilteredMark));
  CHECK(std::get<nft::Cmp>(drop[4]) == nft::Cmp{nft::CmpOp::Eq, nft::host_u32(0)});
  CHECK(std::get<nft::Verdict>(drop.back()).kind == nft::Verdict::Drop);
  // The bit is cleared on what passes.
  const auto& clear = t.chains[0].rules[1].exprs;
  CHECK(std::get<nft::Bitwise>(clear[3]).mask == nft::host_u32(~kFilteredMark));
  CHECK(std::holds_alternative<nft::MetaSet>(clear.back()));
}

TEST_CASE("antispoof_table: allowed_ips are merged before they become set elements") {
  auto t = antispoof_table(ipv6_cidrs_spec());
  REQUIRE(t);
  // "ip saddr != { ... }" in n0_ip: its set holds 10.0.0.4-10.0.0.6 (10.0.0.5,
  // 10.0.0.4/31, 10.0.0.6), 10.9.0.0-10.10.0.255 (a /16, a /24 and an address
  // inside it, two touching /25s) and 192.168.0.0/16.
  const auto& rule = chain(*t, "n0_ip")->rules[1];
  auto* lookup = std::get_if<nft::Lookup>(&rule.exprs[3]);
  REQUIRE(lookup);
  CHECK(lookup->invert);
  const auto& set = t->sets[lookup->set];
  CHECK(set.interval);
  CHECK(set.key_type == 7);
  using E = nft::Element;
  CHECK(set.elements == std::vector<E>{{{0, 0, 0, 0}, true, false},
                                       {{10, 0, 0, 4}, false, false},
                                       {{10, 0, 0, 7}, true, false},
                                       {{10, 9, 0, 0}, false, false},
                                       {{10, 10, 1, 0}, true, false},
                                       {{192, 168, 0, 0}, false, false},
                                       {{192, 169, 0, 0}, true, false}});
}

TEST_CASE("antispoof_table: a nic allowed to spoof IP and MAC has only the mark and the flood limit") {
  auto s = two_nic_spec();
  s.nics[1].allow_ip_spoofing = true;
  auto t = antispoof_table(s);
  REQUIRE(t);
  REQUIRE(chain(*t, "n1"));
  CHECK(chain(*t, "n1")->rules.size() == 2);
  CHECK(chain(*t, "n1_ip") == nullptr);
  CHECK(t->counters.size() == 10);
  CHECK(t->counters.back() == "n1_flood");
  // ... and with broadcast_rate 0, only the mark: its frames still reach
  // the bridge past the guard.
  s.nics[1].broadcast_rate = 0;
  t = antispoof_table(s);
  REQUIRE(t);
  REQUIRE(chain(*t, "n1"));
  CHECK(chain(*t, "n1")->hook->device == "zk1b2e4f8a0cn1");
  CHECK(chain(*t, "n1")->rules.size() == 1);
  CHECK(t->counters.size() == 9);
}

TEST_CASE("antispoof_table: broadcast and multicast frames beyond broadcast_rate are dropped first") {
  auto s = one_nic_spec();
  s.nics[0].broadcast_rate = 50;
  auto t = antispoof_table(s);
  REQUIRE(t);
  const auto& first = chain(*t, "n0")->rules[1].exprs;   // right after the mark
  // meta iiftype ether ether daddr & 01:00:00:00:00:00 == 01:00:00:00:00:00
  //   limit rate over 50/second burst 50 packets
  REQUIRE(first.size() == 8);
  CHECK(std::get<nft::Meta>(first[0]) == nft::Meta{nft::MetaKey::IifType});
  CHECK(std::get<nft::Cmp>(first[1]) == nft::Cmp{nft::CmpOp::Eq, nft::host_u16(1)});
  CHECK(std::get<nft::Payload>(first[2]) == nft::Payload{nft::Base::Link, 0, 6});
  CHECK(std::get<nft::Bitwise>(first[3]).mask == nft::Bytes{1, 0, 0, 0, 0, 0});
  CHECK(std::get<nft::Cmp>(first[4]) == nft::Cmp{nft::CmpOp::Eq, {1, 0, 0, 0, 0, 0}});
  CHECK(std::get<nft::Limit>(first[5]) == nft::Limit{50, 50, true});
  CHECK(std::get<nft::CounterRef>(first[6]).name == "n0_flood");
  CHECK(std::get<nft::Verdict>(first[7]).kind == nft::Verdict::Drop);
  s.nics[0].broadcast_rate = 0;
  t = antispoof_table(s);
  REQUIRE(t);
  CHECK(chain(*t, "n0")->rules.size() == 6);
  CHECK(std::find(t->counters.begin(), t->counters.end(), "n0_flood") == t->counters.end());
}

TEST_CASE("antispoof_table: no IPv4 address means no IPv4 or ARP at all") {
  auto t = antispoof_table(ipv6_only_spec());
  REQUIRE(t);
  // The last drop of n0_ip is a bare counted drop, so is the last of n0_arp.
  const auto& ip = chain(*t, "n0_ip")->rules;
  REQUIRE(ip.size() == 3);
  CHECK(ip[1].exprs.size() == 2);
  CHECK(std::get<nft::CounterRef>(ip[1].exprs[0]).name == "n0_ip");
  const auto& arp = chain(*t, "n0_arp")->rules;
  REQUIRE(arp.size() == 7);
  CHECK(arp[5].exprs.size() == 2);
}

TEST_CASE("antispoof_table: hostile spec values are refused, naming the field") {
  auto s = two_nic_spec();
  s.nics[0].host_ifname = "zk\" accept; #";
  CHECK(antispoof_table(s).error().message() ==
        "nics[0].host_ifname: \"zk\" accept; #\" is not a valid interface name");
  s = two_nic_spec();
  s.nics[0].mac = "01:00:5e:00:00:01";
  CHECK(antispoof_table(s).error().message() == "nics[0].mac: \"01:00:5e:00:00:01\" is not a unicast MAC address");
  s = two_nic_spec();
  s.nics[1].ips = {"10.0.0.5/24 } accept"};
  CHECK(antispoof_table(s).error().message() ==
        "nics[1].ips: \"10.0.0.5/24 } accept\" is not an address with prefix");
  s = two_nic_spec();
  s.nics[0].allowed_ips = {"0.0.0.0/0; flush ruleset"};
  CHECK(antispoof_table(s).error().message() ==
        "nics[0].allowed_ips: \"0.0.0.0/0; flush ruleset\" is not an address or CIDR");
  s = two_nic_spec();
  s.uuid = "../etc";
  CHECK(antispoof_table(s).error().message() == "uuid: \"../etc\" does not start with 10 lower-case hex digits");
  s = two_nic_spec();
  s.nics[1].index = 0;
  s.nics[1].host_ifname = s.nics[0].host_ifname;
  CHECK(antispoof_table(s).error().message() == "nics[1]: index or host_ifname used twice");
  // Only the name zonekit derives for this zone and nic is accepted.
  s = two_nic_spec();
  s.nics[1].host_ifname = "eth0";
  CHECK(antispoof_table(s).error().message() ==
        "nics[1].host_ifname: \"eth0\" is not this zone's host link name (zk1b2e4f8a0cn1)");
  CHECK(antispoof_table(s).error().kind == ErrorKind::Invalid);
}

TEST_CASE("zone_table_name") {
  CHECK(*zone_table_name("1b2e4f8a-0c3d-4e5f-8a9b-0c1d2e3f4a5b") == "zk_1b2e4f8a0c");
}
