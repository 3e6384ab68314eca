// The nf_tables netlink edge: how a batch is laid out (no root), and as
// root in a private network namespace, that a refused batch changes
// nothing and its error names the message and errno, and that big sets
// (split over several messages, a larger send buffer) go through.
#include <doctest/doctest.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <functional>

#include "core/net/antispoof.hpp"
#include "tests/unit/netns_child.hpp"
#include "core/net/nft_netlink.hpp"
#include "tests/unit/net_test_specs.hpp"

using namespace zonekit;
using namespace zonekit::net;

using netns_child::in_private_netns;
using netns_child::run;

namespace {

// (message type, elements in it) for each message of a batch.
std::vector<std::pair<int, size_t>> layout(const nft::Batch& b) {
  std::vector<std::pair<int, size_t>> out;
  auto* nlh = reinterpret_cast<const nlmsghdr*>(b.data().data());
  int left = int(b.data().size());
  while (mnl_nlmsg_ok(nlh, left)) {
    size_t elems = 0;
    if ((nlh->nlmsg_type & 0xff) == NFT_MSG_NEWSETELEM) {
      // The nests in NFTA_SET_ELEM_LIST_ELEMENTS, counted by hand:
      // libnftnl does not parse its own requests' element lists.
      auto* a = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, sizeof(nfgenmsg)));
      auto* end = static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh));
      for (; mnl_attr_ok(a, int(end - reinterpret_cast<const char*>(a))); a = mnl_attr_next(a)) {
        if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS) continue;
        auto* e = static_cast<const nlattr*>(mnl_attr_get_payload(a));
        auto* nest_end = reinterpret_cast<const char*>(a) + a->nla_len;
        for (; mnl_attr_ok(e, int(nest_end - reinterpret_cast<const char*>(e))); e = mnl_attr_next(e)) ++elems;
      }
    }
    out.emplace_back(nlh->nlmsg_type & 0xff, elems);
    nlh = mnl_nlmsg_next(nlh, &left);
  }
  return out;
}

// A zone allowed 10000 separate addresses (none adjacent): a batch of
// about 340 KB, more than a netlink socket's default send buffer.
ZoneSpec many_addresses_spec() {
  auto s = test::one_nic_spec();
  for (int i = 0; i < 10000; ++i)
    s.nics[0].allowed_ips.push_back("10.1." + std::to_string(i / 100) + "." + std::to_string(2 * (i % 100)));
  return s;
}


}  // namespace

TEST_CASE("batch: replacing a table is add, delete, then the new table") {
  auto t = antispoof_table(test::ip_spoofing_spec());
  REQUIRE(t);
  nft::Batch b;
  b.delete_table(t->family, t->name);
  b.add_table(*t);
  CHECK(!b.error());
  auto l = layout(b);
  // delete (2); table; 4 chains; 9 counters; 18 rules; the icmpv6 type set
  // of the RA rule and its elements (2).
  REQUIRE(l.size() == 2 + 1 + 4 + 9 + 18 + 2);
  CHECK(l[0].first == NFT_MSG_NEWTABLE);
  CHECK(l[1].first == NFT_MSG_DELTABLE);
  CHECK(l[2].first == NFT_MSG_NEWTABLE);
  for (size_t i = 3; i < 7; ++i) CHECK(l[i].first == NFT_MSG_NEWCHAIN);
  for (size_t i = 7; i < 16; ++i) CHECK(l[i].first == NFT_MSG_NEWOBJ);
}

TEST_CASE("batch: a big set is split over several element messages, before its rule") {
  auto t = antispoof_table(many_addresses_spec());
  REQUIRE(t);
  nft::Batch b;
  b.add_table(*t);
  REQUIRE(!b.error());
  // n0_arp's "arp saddr ip != { ... }" and n0_ip's "ip saddr": a plain set
  // of 10001 addresses (10.0.0.5 and the 10000) in 79 messages of <= 128.
  size_t msgs = 0, elems = 0;
  auto l = layout(b);
  for (size_t i = 0; i < l.size(); ++i) {
    if (l[i].first != NFT_MSG_NEWSETELEM) continue;
    ++msgs;
    elems += l[i].second;
    CHECK(l[i].second <= 128);
    if (i + 1 < l.size() && l[i + 1].first == NFT_MSG_NEWRULE) {
      if (elems == 10001) CHECK(msgs == 79);
      if (elems != 2 && elems != 10001) FAIL("a set with " << elems << " elements");
      msgs = elems = 0;
    }
  }
}

TEST_CASE("batch: a malformed table is refused before anything is sent") {
  nft::Table t;
  t.name = "zk_x";
  t.chains.push_back({"c", std::nullopt, {{{nft::Verdict{nft::Verdict::Jump, "nowhere"}}}}});
  nft::Batch b;
  b.add_table(t);
  REQUIRE(b.error());
  CHECK(b.error()->message() == "nft: table zk_x is malformed: chain c rule 0: jump to nowhere");
  CHECK(b.messages() == 0);
  nft::Batch d;
  d.delete_table(nft::Family::Bridge, "zk_x; flush ruleset");
  REQUIRE(d.error());
  CHECK(d.error()->message() == "nft: \"zk_x; flush ruleset\" is not a table name");
}

TEST_CASE("live: a refused batch changes nothing; the error names the message") {
  if (geteuid() != 0) {
    MESSAGE("skipped: needs root");
    return;
  }
  in_private_netns([]() -> std::string {
    if (!run("ip link add zk1b2e4f8a0cn0 type veth peer name p0").empty()) return "no veth";
    auto ok = antispoof_table(test::one_nic_spec());
    if (!ok) return ok.error().message();
    // A bridge-family chain of type nat: the kernel has none (ENOENT).
    nft::Table bad;
    bad.name = "zk_bad";
    bad.chains.push_back({"pre", nft::Hook{"nat", 0, -300}, {}});
    auto nl = nft::Socket::open();
    if (!nl) return nl.error().message();
    nft::Batch b;
    b.add_table(*ok);
    b.add_table(bad);
    auto r = nl->commit(b);
    if (r) return "the batch was accepted";
    if (r.error().code != ENOENT || r.error().op != "nft add chain" || r.error().object != "bridge zk_bad pre")
      return "wrong error: " + r.error().message();
    // The good table in the same batch was not applied either.
    if (*nl->table_exists(nft::Family::Netdev, ok->name)) return "half a batch was applied";
    if (!run("nft list tables").empty()) return "tables left: " + run("nft list tables");
    // The socket is still usable after a failed batch.
    nft::Batch good;
    good.add_table(*ok);
    if (auto r2 = nl->commit(good); !r2) return r2.error().message();
    if (!*nl->table_exists(nft::Family::Netdev, ok->name)) return "table missing after commit";
    return {};
  });
}

TEST_CASE("live: a zone with thousands of allowed addresses") {
  if (geteuid() != 0) {
    MESSAGE("skipped: needs root");
    return;
  }
  in_private_netns([]() -> std::string {
    auto s = many_addresses_spec();
    if (!run("ip link add " + s.nics[0].host_ifname + " type veth peer name p0").empty()) return "no veth";
    if (auto r = apply_antispoof(s); !r) return r.error().message();
    if (auto r = apply_antispoof(s); !r) return "replace: " + r.error().message();
    auto list = run("nft list chain netdev zk_1b2e4f8a0c n0_ip");
    for (const char* want : {"10.0.0.5, 10.1.0.0, 10.1.0.2,", "10.1.99.196, 10.1.99.198 }"})
      if (list.find(want) == std::string::npos) return std::string("no \"") + want + "\" in\n" + list.substr(0, 2000);
    if (auto c = antispoof_counters(s.uuid); !c || c->size() != 9) return "counters";
    if (auto r = remove_antispoof(s.uuid); !r) return r.error().message();
    // Only the shared guard stays.
    auto left = run("nft list tables");
    return left == "table bridge zonekit_guard\n" ? "" : "tables left: " + left;
  });
}
