// Golden test of the anti-spoofing tables, as root: in a private network
// namespace each spec's table is applied through apply_antispoof and `nft
// list` must print exactly the text below. That text was recorded once
// (nft 1.0.6) from the implementation that sent the rule text through
// libnftables, and checked against what the header of
// core/net/antispoof.hpp describes (nft prints one-element sets without
// braces); the flood limit's line (first in each nic chain, after the mark)
// was added later, as nft prints that rule text; the move from bridge
// prerouting to netdev ingress (the hook line and the mark in each nic's
// chain, base chains first) was made to the text and checked with nft by
// tests/unit/golden/record_antispoof_bytecode.sh, which records what nft
// compiles it to. Any other implementation must make the kernel hold the
// same tables.
#include <doctest/doctest.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <string>

#include "core/net/antispoof.hpp"
#include "core/net/zone_net.hpp"
#include "tests/unit/net_test_specs.hpp"
#include "tests/unit/netns_child.hpp"

using namespace zonekit;
using namespace zonekit::net;
using namespace zonekit::test;

namespace {

using Check = std::string;   // empty: passed; else what failed
using netns_child::in_private_netns;
using netns_child::run;

#define EXPECT_EQ(got, want)                                                             \
  do {                                                                                   \
    auto _g = (got);                                                                     \
    auto _w = (want);                                                                    \
    if (_g != _w)                                                                        \
      return std::string(__FILE__ ":") + std::to_string(__LINE__) + ": " #got             \
             " is\n" + _g + "\nexpected\n" + _w;                                         \
  } while (0)

struct Golden {
  const char* name;
  ZoneSpec spec;
  const char* listing;
};

const Golden kGolden[] = {
    {"one_nic", one_nic_spec(),
     R"NFT(table netdev zk_1b2e4f8a0c {
	counter n0_mac {
		packets 0 bytes 0
	}

	counter n0_arp {
		packets 0 bytes 0
	}

	counter n0_ip {
		packets 0 bytes 0
	}

	counter n0_ip6 {
		packets 0 bytes 0
	}

	counter n0_nd {
		packets 0 bytes 0
	}

	counter n0_ra {
		packets 0 bytes 0
	}

	counter n0_dhcp {
		packets 0 bytes 0
	}

	counter n0_other {
		packets 0 bytes 0
	}

	counter n0_flood {
		packets 0 bytes 0
	}

	chain n0 {
		type filter hook ingress device "zk1b2e4f8a0cn0" priority -500; policy accept;
		meta mark set meta mark | 0x02000000
		ether daddr & 01:00:00:00:00:00 == 01:00:00:00:00:00 limit rate over 300/second burst 300 packets counter name "n0_flood" drop
		ether saddr != 02:11:22:33:44:55 counter name "n0_mac" drop
		ether type arp jump n0_arp
		ether type ip jump n0_ip
		ether type ip6 jump n0_ip6
		counter name "n0_other" drop
	}

	chain n0_arp {
		arp htype != 1 counter name "n0_arp" drop
		arp ptype != ip counter name "n0_arp" drop
		arp hlen != 6 counter name "n0_arp" drop
		arp plen != 4 counter name "n0_arp" drop
		arp saddr ether != 02:11:22:33:44:55 counter name "n0_arp" drop
		arp saddr ip != 10.0.0.5 counter name "n0_arp" drop
		accept
	}

	chain n0_ip {
		udp sport 67 counter name "n0_dhcp" drop
		ip saddr != 10.0.0.5 counter name "n0_ip" drop
		accept
	}

	chain n0_ip6 {
		icmpv6 type { nd-router-advert, nd-redirect } counter name "n0_ra" drop
		udp sport 547 counter name "n0_dhcp" drop
		ip6 saddr :: icmpv6 type nd-neighbor-solicit @th,64,128 0xfe80000000000000001122fffe334455 accept
		ip6 saddr :: icmpv6 type mld2-listener-report accept
		ip6 saddr != fe80::11:22ff:fe33:4455 counter name "n0_ip6" drop
		icmpv6 type nd-neighbor-advert @th,64,128 != 0xfe80000000000000001122fffe334455 counter name "n0_nd" drop
		accept
	}
}
)NFT"},
    {"two_nics", two_nic_spec(),
     R"NFT(table netdev zk_1b2e4f8a0c {
	counter n0_mac {
		packets 0 bytes 0
	}

	counter n0_arp {
		packets 0 bytes 0
	}

	counter n0_ip {
		packets 0 bytes 0
	}

	counter n0_ip6 {
		packets 0 bytes 0
	}

	counter n0_nd {
		packets 0 bytes 0
	}

	counter n0_ra {
		packets 0 bytes 0
	}

	counter n0_dhcp {
		packets 0 bytes 0
	}

	counter n0_other {
		packets 0 bytes 0
	}

	counter n0_flood {
		packets 0 bytes 0
	}

	counter n1_mac {
		packets 0 bytes 0
	}

	counter n1_arp {
		packets 0 bytes 0
	}

	counter n1_ip {
		packets 0 bytes 0
	}

	counter n1_ip6 {
		packets 0 bytes 0
	}

	counter n1_nd {
		packets 0 bytes 0
	}

	counter n1_ra {
		packets 0 bytes 0
	}

	counter n1_dhcp {
		packets 0 bytes 0
	}

	counter n1_other {
		packets 0 bytes 0
	}

	counter n1_flood {
		packets 0 bytes 0
	}

	chain n0 {
		type filter hook ingress device "zk1b2e4f8a0cn0" priority -500; policy accept;
		meta mark set meta mark | 0x02000000
		ether daddr & 01:00:00:00:00:00 == 01:00:00:00:00:00 limit rate over 300/second burst 300 packets counter name "n0_flood" drop
		ether saddr != 02:11:22:33:44:55 counter name "n0_mac" drop
		ether type arp jump n0_arp
		ether type ip jump n0_ip
		ether type ip6 jump n0_ip6
		counter name "n0_other" drop
	}

	chain n1 {
		type filter hook ingress device "zk1b2e4f8a0cn1" priority -500; policy accept;
		meta mark set meta mark | 0x02000000
		ether daddr & 01:00:00:00:00:00 == 01:00:00:00:00:00 limit rate over 300/second burst 300 packets counter name "n1_flood" drop
		ether type arp jump n1_arp
		ether type ip jump n1_ip
		ether type ip6 jump n1_ip6
		counter name "n1_other" drop
	}

	chain n0_arp {
		arp htype != 1 counter name "n0_arp" drop
		arp ptype != ip counter name "n0_arp" drop
		arp hlen != 6 counter name "n0_arp" drop
		arp plen != 4 counter name "n0_arp" drop
		arp saddr ether != 02:11:22:33:44:55 counter name "n0_arp" drop
		arp saddr ip != { 10.0.0.5, 10.9.0.0/16 } counter name "n0_arp" drop
		accept
	}

	chain n0_ip {
		udp sport 67 counter name "n0_dhcp" drop
		ip saddr != { 10.0.0.5, 10.9.0.0/16 } counter name "n0_ip" drop
		accept
	}

	chain n0_ip6 {
		icmpv6 type { nd-router-advert, nd-redirect } counter name "n0_ra" drop
		udp sport 547 counter name "n0_dhcp" drop
		ip6 saddr :: icmpv6 type nd-neighbor-solicit @th,64,128 { 0xfd000000000000000000000000000005, 0xfd000001000000000000000000000000-0xfd00000100000000ffffffffffffffff, 0xfe80000000000000001122fffe334455 } accept
		ip6 saddr :: icmpv6 type mld2-listener-report accept
		ip6 saddr != { fd00::5, fd00:1::/64, fe80::11:22ff:fe33:4455 } counter name "n0_ip6" drop
		icmpv6 type nd-neighbor-advert @th,64,128 != { 0xfd000000000000000000000000000005, 0xfd000001000000000000000000000000-0xfd00000100000000ffffffffffffffff, 0xfe80000000000000001122fffe334455 } counter name "n0_nd" drop
		accept
	}

	chain n1_arp {
		arp htype != 1 counter name "n1_arp" drop
		arp ptype != ip counter name "n1_arp" drop
		arp hlen != 6 counter name "n1_arp" drop
		arp plen != 4 counter name "n1_arp" drop
		arp saddr ip != 192.168.1.7 counter name "n1_arp" drop
		accept
	}

	chain n1_ip {
		ip saddr != 192.168.1.7 counter name "n1_ip" drop
		accept
	}

	chain n1_ip6 {
		ip6 saddr :: icmpv6 type nd-neighbor-solicit @th,64,128 0xfe800000000000000000000000000000-0xfe80000000000000ffffffffffffffff accept
		ip6 saddr :: icmpv6 type mld2-listener-report accept
		ip6 saddr != fe80::/64 counter name "n1_ip6" drop
		icmpv6 type nd-neighbor-advert @th,64,128 != 0xfe800000000000000000000000000000-0xfe80000000000000ffffffffffffffff counter name "n1_nd" drop
		accept
	}
}
)NFT"},
    {"ip_spoofing", ip_spoofing_spec(),
     R"NFT(table netdev zk_1b2e4f8a0c {
	counter n0_mac {
		packets 0 bytes 0
	}

	counter n0_arp {
		packets 0 bytes 0
	}

	counter n0_ip {
		packets 0 bytes 0
	}

	counter n0_ip6 {
		packets 0 bytes 0
	}

	counter n0_nd {
		packets 0 bytes 0
	}

	counter n0_ra {
		packets 0 bytes 0
	}

	counter n0_dhcp {
		packets 0 bytes 0
	}

	counter n0_other {
		packets 0 bytes 0
	}

	counter n0_flood {
		packets 0 bytes 0
	}

	chain n0 {
		type filter hook ingress device "zk1b2e4f8a0cn0" priority -500; policy accept;
		meta mark set meta mark | 0x02000000
		ether daddr & 01:00:00:00:00:00 == 01:00:00:00:00:00 limit rate over 300/second burst 300 packets counter name "n0_flood" drop
		ether saddr != 02:11:22:33:44:55 counter name "n0_mac" drop
		ether type arp jump n0_arp
		ether type ip jump n0_ip
		ether type ip6 jump n0_ip6
		counter name "n0_other" drop
	}

	chain n0_arp {
		arp htype != 1 counter name "n0_arp" drop
		arp ptype != ip counter name "n0_arp" drop
		arp hlen != 6 counter name "n0_arp" drop
		arp plen != 4 counter name "n0_arp" drop
		arp saddr ether != 02:11:22:33:44:55 counter name "n0_arp" drop
		accept
	}

	chain n0_ip {
		udp sport 67 counter name "n0_dhcp" drop
		accept
	}

	chain n0_ip6 {
		icmpv6 type { nd-router-advert, nd-redirect } counter name "n0_ra" drop
		udp sport 547 counter name "n0_dhcp" drop
		accept
	}
}
)NFT"},
    {"mac_spoofing", mac_spoofing_spec(),
     R"NFT(table netdev zk_1b2e4f8a0c {
	counter n0_mac {
		packets 0 bytes 0
	}

	counter n0_arp {
		packets 0 bytes 0
	}

	counter n0_ip {
		packets 0 bytes 0
	}

	counter n0_ip6 {
		packets 0 bytes 0
	}

	counter n0_nd {
		packets 0 bytes 0
	}

	counter n0_ra {
		packets 0 bytes 0
	}

	counter n0_dhcp {
		packets 0 bytes 0
	}

	counter n0_other {
		packets 0 bytes 0
	}

	counter n0_flood {
		packets 0 bytes 0
	}

	chain n0 {
		type filter hook ingress device "zk1b2e4f8a0cn0" priority -500; policy accept;
		meta mark set meta mark | 0x02000000
		ether daddr & 01:00:00:00:00:00 == 01:00:00:00:00:00 limit rate over 300/second burst 300 packets counter name "n0_flood" drop
		ether type arp jump n0_arp
		ether type ip jump n0_ip
		ether type ip6 jump n0_ip6
		counter name "n0_other" drop
	}

	chain n0_arp {
		arp htype != 1 counter name "n0_arp" drop
		arp ptype != ip counter name "n0_arp" drop
		arp hlen != 6 counter name "n0_arp" drop
		arp plen != 4 counter name "n0_arp" drop
		arp saddr ip != 10.0.0.5 counter name "n0_arp" drop
		accept
	}

	chain n0_ip {
		udp sport 67 counter name "n0_dhcp" drop
		ip saddr != 10.0.0.5 counter name "n0_ip" drop
		accept
	}

	chain n0_ip6 {
		icmpv6 type { nd-router-advert, nd-redirect } counter name "n0_ra" drop
		udp sport 547 counter name "n0_dhcp" drop
		ip6 saddr :: icmpv6 type nd-neighbor-solicit @th,64,128 0xfe800000000000000000000000000000-0xfe80000000000000ffffffffffffffff accept
		ip6 saddr :: icmpv6 type mld2-listener-report accept
		ip6 saddr != fe80::/64 counter name "n0_ip6" drop
		icmpv6 type nd-neighbor-advert @th,64,128 != 0xfe800000000000000000000000000000-0xfe80000000000000ffffffffffffffff counter name "n0_nd" drop
		accept
	}
}
)NFT"},
    {"dhcp_spoofing", dhcp_spoofing_spec(),
     R"NFT(table netdev zk_1b2e4f8a0c {
	counter n0_mac {
		packets 0 bytes 0
	}

	counter n0_arp {
		packets 0 bytes 0
	}

	counter n0_ip {
		packets 0 bytes 0
	}

	counter n0_ip6 {
		packets 0 bytes 0
	}

	counter n0_nd {
		packets 0 bytes 0
	}

	counter n0_ra {
		packets 0 bytes 0
	}

	counter n0_dhcp {
		packets 0 bytes 0
	}

	counter n0_other {
		packets 0 bytes 0
	}

	counter n0_flood {
		packets 0 bytes 0
	}

	chain n0 {
		type filter hook ingress device "zk1b2e4f8a0cn0" priority -500; policy accept;
		meta mark set meta mark | 0x02000000
		ether daddr & 01:00:00:00:00:00 == 01:00:00:00:00:00 limit rate over 300/second burst 300 packets counter name "n0_flood" drop
		ether saddr != 02:11:22:33:44:55 counter name "n0_mac" drop
		ether type arp jump n0_arp
		ether type ip jump n0_ip
		ether type ip6 jump n0_ip6
		counter name "n0_other" drop
	}

	chain n0_arp {
		arp htype != 1 counter name "n0_arp" drop
		arp ptype != ip counter name "n0_arp" drop
		arp hlen != 6 counter name "n0_arp" drop
		arp plen != 4 counter name "n0_arp" drop
		arp saddr ether != 02:11:22:33:44:55 counter name "n0_arp" drop
		arp saddr ip != 10.0.0.5 counter name "n0_arp" drop
		accept
	}

	chain n0_ip {
		ip saddr != 10.0.0.5 counter name "n0_ip" drop
		accept
	}

	chain n0_ip6 {
		ip6 saddr :: icmpv6 type nd-neighbor-solicit @th,64,128 0xfe80000000000000001122fffe334455 accept
		ip6 saddr :: icmpv6 type mld2-listener-report accept
		ip6 saddr != fe80::11:22ff:fe33:4455 counter name "n0_ip6" drop
		icmpv6 type nd-neighbor-advert @th,64,128 != 0xfe80000000000000001122fffe334455 counter name "n0_nd" drop
		accept
	}
}
)NFT"},
    {"ipv6_cidrs", ipv6_cidrs_spec(),
     R"NFT(table netdev zk_1b2e4f8a0c {
	counter n0_mac {
		packets 0 bytes 0
	}

	counter n0_arp {
		packets 0 bytes 0
	}

	counter n0_ip {
		packets 0 bytes 0
	}

	counter n0_ip6 {
		packets 0 bytes 0
	}

	counter n0_nd {
		packets 0 bytes 0
	}

	counter n0_ra {
		packets 0 bytes 0
	}

	counter n0_dhcp {
		packets 0 bytes 0
	}

	counter n0_other {
		packets 0 bytes 0
	}

	counter n0_flood {
		packets 0 bytes 0
	}

	chain n0 {
		type filter hook ingress device "zk1b2e4f8a0cn0" priority -500; policy accept;
		meta mark set meta mark | 0x02000000
		ether daddr & 01:00:00:00:00:00 == 01:00:00:00:00:00 limit rate over 300/second burst 300 packets counter name "n0_flood" drop
		ether saddr != 02:11:22:33:44:55 counter name "n0_mac" drop
		ether type arp jump n0_arp
		ether type ip jump n0_ip
		ether type ip6 jump n0_ip6
		counter name "n0_other" drop
	}

	chain n0_arp {
		arp htype != 1 counter name "n0_arp" drop
		arp ptype != ip counter name "n0_arp" drop
		arp hlen != 6 counter name "n0_arp" drop
		arp plen != 4 counter name "n0_arp" drop
		arp saddr ether != 02:11:22:33:44:55 counter name "n0_arp" drop
		arp saddr ip != { 10.0.0.4-10.0.0.6, 10.9.0.0-10.10.0.255, 192.168.0.0/16 } counter name "n0_arp" drop
		accept
	}

	chain n0_ip {
		udp sport 67 counter name "n0_dhcp" drop
		ip saddr != { 10.0.0.4-10.0.0.6, 10.9.0.0-10.10.0.255, 192.168.0.0/16 } counter name "n0_ip" drop
		accept
	}

	chain n0_ip6 {
		icmpv6 type { nd-router-advert, nd-redirect } counter name "n0_ra" drop
		udp sport 547 counter name "n0_dhcp" drop
		ip6 saddr :: icmpv6 type nd-neighbor-solicit @th,64,128 { 0x20010db8000000000000000000000000-0x20010db8ffffffffffffffffffffffff, 0xfd000000000000000000000000000004-0xfd000000000000000000000000000006, 0xfd000001000000000000000000000000-0xfd0000010000ffffffffffffffffffff, 0xfe80000000000000001122fffe334455 } accept
		ip6 saddr :: icmpv6 type mld2-listener-report accept
		ip6 saddr != { 2001:db8::/32, fd00::4-fd00::6, fd00:1::/48, fe80::11:22ff:fe33:4455 } counter name "n0_ip6" drop
		icmpv6 type nd-neighbor-advert @th,64,128 != { 0x20010db8000000000000000000000000-0x20010db8ffffffffffffffffffffffff, 0xfd000000000000000000000000000004-0xfd000000000000000000000000000006, 0xfd000001000000000000000000000000-0xfd0000010000ffffffffffffffffffff, 0xfe80000000000000001122fffe334455 } counter name "n0_nd" drop
		accept
	}
}
)NFT"},
    {"ipv6_only", ipv6_only_spec(),
     R"NFT(table netdev zk_1b2e4f8a0c {
	counter n0_mac {
		packets 0 bytes 0
	}

	counter n0_arp {
		packets 0 bytes 0
	}

	counter n0_ip {
		packets 0 bytes 0
	}

	counter n0_ip6 {
		packets 0 bytes 0
	}

	counter n0_nd {
		packets 0 bytes 0
	}

	counter n0_ra {
		packets 0 bytes 0
	}

	counter n0_dhcp {
		packets 0 bytes 0
	}

	counter n0_other {
		packets 0 bytes 0
	}

	counter n0_flood {
		packets 0 bytes 0
	}

	chain n0 {
		type filter hook ingress device "zk1b2e4f8a0cn0" priority -500; policy accept;
		meta mark set meta mark | 0x02000000
		ether daddr & 01:00:00:00:00:00 == 01:00:00:00:00:00 limit rate over 300/second burst 300 packets counter name "n0_flood" drop
		ether saddr != 02:11:22:33:44:55 counter name "n0_mac" drop
		ether type arp jump n0_arp
		ether type ip jump n0_ip
		ether type ip6 jump n0_ip6
		counter name "n0_other" drop
	}

	chain n0_arp {
		arp htype != 1 counter name "n0_arp" drop
		arp ptype != ip counter name "n0_arp" drop
		arp hlen != 6 counter name "n0_arp" drop
		arp plen != 4 counter name "n0_arp" drop
		arp saddr ether != 02:11:22:33:44:55 counter name "n0_arp" drop
		counter name "n0_arp" drop
		accept
	}

	chain n0_ip {
		udp sport 67 counter name "n0_dhcp" drop
		counter name "n0_ip" drop
		accept
	}

	chain n0_ip6 {
		icmpv6 type { nd-router-advert, nd-redirect } counter name "n0_ra" drop
		udp sport 547 counter name "n0_dhcp" drop
		ip6 saddr :: icmpv6 type nd-neighbor-solicit @th,64,128 { 0xfd000000000000000000000000000005, 0xfe80000000000000001122fffe334455 } accept
		ip6 saddr :: icmpv6 type mld2-listener-report accept
		ip6 saddr != { fd00::5, fe80::11:22ff:fe33:4455 } counter name "n0_ip6" drop
		icmpv6 type nd-neighbor-advert @th,64,128 != { 0xfd000000000000000000000000000005, 0xfe80000000000000001122fffe334455 } counter name "n0_nd" drop
		accept
	}
}
)NFT"},
    {"trusted", trusted_spec(),
     R"NFT(table netdev zk_1b2e4f8a0c {
	counter n0_flood {
		packets 0 bytes 0
	}

	chain n0 {
		type filter hook ingress device "zk1b2e4f8a0cn0" priority -500; policy accept;
		meta mark set meta mark | 0x02000000
		ether daddr & 01:00:00:00:00:00 == 01:00:00:00:00:00 limit rate over 300/second burst 300 packets counter name "n0_flood" drop
	}
}
)NFT"},
    {"no_nics", spec_with({}),
     R"NFT(table netdev zk_1b2e4f8a0c {
}
)NFT"},
};

}  // namespace

constexpr const char* kGuardListing = R"NFT(table bridge zonekit_guard {
	counter unfiltered {
		packets 0 bytes 0
	}

	chain prerouting {
		type filter hook prerouting priority dstnat; policy accept;
		iifname "zk*" meta mark & 0x02000000 == 0x00000000 counter name "unfiltered" drop
		iifname "zk*" meta mark set meta mark & 0xfdffffff
	}
}
)NFT";

TEST_CASE("golden: nft lists every table exactly as it listed the text rules") {
  if (geteuid() != 0) {
    MESSAGE("skipped: needs root");
    return;
  }
  in_private_netns([]() -> Check {
    // The host ports the chains hook (netdev chains need their device).
    for (const char* port : {"zk1b2e4f8a0cn0", "zk1b2e4f8a0cn1", "zk9999000000n0"})
      EXPECT(run(std::string("ip link add ") + port + " type veth peer name p" + port).empty());
    // Another zone's table is there all along and must stay as it is.
    auto other = one_nic_spec();
    other.uuid = "99990000-0000-4000-8000-000000000000";
    other.nics[0].host_ifname = host_ifname(other.uuid, 0);
    EXPECT_OK(apply_antispoof(other));
    const std::string other_listing = run("nft list table netdev zk_9999000000");
    // The first filter made the guard.
    EXPECT_EQ(run("nft list table bridge zonekit_guard"), std::string(kGuardListing));
    for (const auto& g : kGolden) {
      const std::string list = "nft list table netdev zk_1b2e4f8a0c";
      EXPECT_OK(apply_antispoof(g.spec));
      EXPECT_EQ(std::string(g.name) + ":\n" + run(list), std::string(g.name) + ":\n" + g.listing);
      // Replacing (add, delete, define in one batch) gives the same table.
      EXPECT_OK(apply_antispoof(g.spec));
      EXPECT_EQ(std::string(g.name) + " replaced:\n" + run(list), std::string(g.name) + " replaced:\n" + g.listing);
      auto counters = antispoof_counters(g.spec.uuid);
      EXPECT_OK(counters);
      size_t expected = 0;   // 8 reasons per filtered nic, and flood for every one
      for (const auto& n : g.spec.nics) expected += (n.allow_ip_spoofing && n.allow_mac_spoofing ? 0 : 8) + 1;
      EXPECT(counters->size() == expected);
      for (const auto& [name, packets] : *counters) EXPECT(packets == 0);
      EXPECT_OK(remove_antispoof(g.spec.uuid));
      EXPECT_OK(remove_antispoof(g.spec.uuid));
      EXPECT(run(list).find("No such file or directory") != std::string::npos);
      EXPECT(antispoof_counters(g.spec.uuid).error().kind == ErrorKind::NotFound);
    }
    EXPECT_EQ(run("nft list table netdev zk_9999000000"), other_listing);
    EXPECT(antispoof_counters(other.uuid)->size() == 9);
    EXPECT((*list_zone_tables() == std::vector<std::string>{"zk_9999000000"}));
    EXPECT_OK(delete_zone_table("zk_9999000000"));
    EXPECT_OK(delete_zone_table("zk_9999000000"));
    EXPECT(list_zone_tables()->empty());
    // The guard stays: it is shared, and without zones it has nothing to do.
    EXPECT_EQ(run("nft list table bridge zonekit_guard"), std::string(kGuardListing));
    return {};
  });
}
