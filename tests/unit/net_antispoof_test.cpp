#include <doctest/doctest.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "core/net/antispoof.hpp"
#include "core/net/zone_net.hpp"

using namespace zonekit;
using namespace zonekit::net;

namespace {

ZoneSpec two_nic_spec() {
  ZoneSpec s;
  s.uuid = "1b2e4f8a-0c3d-4e5f-8a9b-0c1d2e3f4a5b";
  s.name = "web01";
  NicSpec a;
  a.index = 0;
  a.zone_ifname = "net0";
  a.host_ifname = host_ifname(s.uuid, 0);
  a.bridge = "zkbr0";
  a.mac = "02:11:22:33:44:55";
  a.ips = {"10.0.0.5/24", "fd00::5/64"};
  a.allowed_ips = {"10.9.1.1", "10.9.0.0/16", "fd00:1::/64"};   // 10.9.1.1 is inside 10.9.0.0/16
  NicSpec b;
  b.index = 1;
  b.zone_ifname = "net1";
  b.host_ifname = host_ifname(s.uuid, 1);
  b.bridge = "zkbr1";
  b.mac = "02:11:22:33:44:66";
  b.ips = {"192.168.1.7/24"};
  b.allow_dhcp_spoofing = true;
  b.allow_mac_spoofing = true;
  s.nics = {a, b};
  return s;
}

const char* kExpected = R"NFT(table bridge zk_1b2e4f8a0c {
	counter n0_mac {
	}
	counter n0_arp {
	}
	counter n0_ip {
	}
	counter n0_ip6 {
	}
	counter n0_nd {
	}
	counter n0_ra {
	}
	counter n0_dhcp {
	}
	counter n0_other {
	}
	counter n1_mac {
	}
	counter n1_arp {
	}
	counter n1_ip {
	}
	counter n1_ip6 {
	}
	counter n1_nd {
	}
	counter n1_ra {
	}
	counter n1_dhcp {
	}
	counter n1_other {
	}

	chain prerouting {
		type filter hook prerouting priority -300; policy accept;
		iifname "zk1b2e4f8a0cn0" jump n0
		iifname "zk1b2e4f8a0cn1" jump n1
	}

	chain n0 {
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

	chain n1 {
		ether type arp jump n1_arp
		ether type ip jump n1_ip
		ether type ip6 jump n1_ip6
		counter name "n1_other" drop
	}

	chain n1_arp {
		arp htype != 1 counter name "n1_arp" drop
		arp ptype != ip counter name "n1_arp" drop
		arp hlen != 6 counter name "n1_arp" drop
		arp plen != 4 counter name "n1_arp" drop
		arp saddr ip != { 192.168.1.7 } counter name "n1_arp" drop
		accept
	}

	chain n1_ip {
		ip saddr != { 192.168.1.7 } counter name "n1_ip" drop
		accept
	}

	chain n1_ip6 {
		ip6 saddr :: icmpv6 type nd-neighbor-solicit @th,64,128 { 0xfe800000000000000000000000000000-0xfe80000000000000ffffffffffffffff } accept
		ip6 saddr :: icmpv6 type mld2-listener-report accept
		ip6 saddr != { fe80::/64 } counter name "n1_ip6" drop
		icmpv6 type nd-neighbor-advert @th,64,128 != { 0xfe800000000000000000000000000000-0xfe80000000000000ffffffffffffffff } counter name "n1_nd" drop
		accept
	}
}
)NFT";

}  // namespace

TEST_CASE("antispoof_ruleset: exact text for a 2-nic zone") {
  auto r = antispoof_ruleset(two_nic_spec());
  REQUIRE(r);
  CHECK(*r == kExpected);
}

TEST_CASE("antispoof_ruleset: a nic allowed to spoof IP and MAC is not filtered") {
  auto s = two_nic_spec();
  s.nics[1].allow_ip_spoofing = true;
  auto r = antispoof_ruleset(s);
  REQUIRE(r);
  CHECK(r->find("n1") == std::string::npos);
  CHECK(r->find("iifname \"zk1b2e4f8a0cn0\" jump n0\n") != std::string::npos);
}

TEST_CASE("antispoof_ruleset: no IPv4 address means no IPv4 or ARP at all") {
  auto s = two_nic_spec();
  s.nics.resize(1);
  s.nics[0].ips = {"fd00::5/64"};
  s.nics[0].allowed_ips = {};
  auto r = antispoof_ruleset(s);
  REQUIRE(r);
  CHECK(r->find("\tchain n0_ip {\n\t\tudp sport 67 counter name \"n0_dhcp\" drop\n"
                "\t\tcounter name \"n0_ip\" drop\n\t\taccept\n\t}\n") != std::string::npos);
  CHECK(r->find("\t\tarp saddr ether != 02:11:22:33:44:55 counter name \"n0_arp\" drop\n"
                "\t\tcounter name \"n0_arp\" drop\n") != std::string::npos);
}

TEST_CASE("antispoof_ruleset: hostile spec values never reach the rule text") {
  auto s = two_nic_spec();
  s.nics[0].host_ifname = "zk\" accept; #";
  CHECK(antispoof_ruleset(s).error().message() ==
        "nics[0].host_ifname: \"zk\" accept; #\" is not a valid interface name");
  s = two_nic_spec();
  s.nics[0].mac = "01:00:5e:00:00:01";
  CHECK(antispoof_ruleset(s).error().message() == "nics[0].mac: \"01:00:5e:00:00:01\" is not a unicast MAC address");
  s = two_nic_spec();
  s.nics[1].ips = {"10.0.0.5/24 } accept"};
  CHECK(antispoof_ruleset(s).error().message() ==
        "nics[1].ips: \"10.0.0.5/24 } accept\" is not an address with prefix");
  s = two_nic_spec();
  s.nics[0].allowed_ips = {"0.0.0.0/0; flush ruleset"};
  CHECK(antispoof_ruleset(s).error().kind == ErrorKind::Invalid);
  s = two_nic_spec();
  s.uuid = "../etc";
  CHECK(antispoof_ruleset(s).error().message() == "uuid: \"../etc\" does not start with 10 lower-case hex digits");
  s = two_nic_spec();
  s.nics[1].index = 0;
  s.nics[1].host_ifname = s.nics[0].host_ifname;
  CHECK(antispoof_ruleset(s).error().message() == "nics[1]: index or host_ifname used twice");
  // Only the name zonekit derives for this zone and nic is accepted.
  s = two_nic_spec();
  s.nics[1].host_ifname = "eth0";
  CHECK(antispoof_ruleset(s).error().message() ==
        "nics[1].host_ifname: \"eth0\" is not this zone's host link name (zk1b2e4f8a0cn1)");
}

TEST_CASE("zone_table_name and nat_ruleset") {
  CHECK(*zone_table_name("1b2e4f8a-0c3d-4e5f-8a9b-0c1d2e3f4a5b") == "zk_1b2e4f8a0c");
  CHECK(*nat_ruleset("lan", *parse_cidr("10.99.0.7/24")) ==
        "table ip zknat_lan {\n"
        "\tchain postrouting {\n"
        "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
        "\t\tip saddr 10.99.0.0/24 ip daddr != 10.99.0.0/24 masquerade\n"
        "\t}\n"
        "}\n");
  CHECK(nat_ruleset("l an", *parse_cidr("10.0.0.0/8")).error().kind == ErrorKind::Invalid);
  CHECK(nat_ruleset("lan", *parse_cidr("fd00::/64")).error().message() == "nic tag lan: NAT is IPv4 only");
}

// nft needs netlink even for --check, so this runs only as root, in a
// child with its own network namespace.
TEST_CASE("the generated rulesets pass nft --check") {
  if (geteuid() != 0) {
    MESSAGE("skipped: needs root");
    return;
  }
  auto rules = *antispoof_ruleset(two_nic_spec());
  auto nat = *nat_ruleset("lan", *parse_cidr("10.99.0.0/24"));
  std::string path = "/tmp/zk-net-antispoof-" + std::to_string(getpid()) + ".nft";
  std::ofstream(path) << rules << nat;
  fflush(nullptr);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (unshare(CLONE_NEWNET) != 0) _exit(90);
    // Both the nft binary and our libnftables path (dry run) must accept it.
    if (std::system(("nft -c -f " + path).c_str()) != 0) _exit(1);
    if (!nft_run(rules + nat, true)) _exit(2);
    _exit(0);
  }
  int st = 0;
  REQUIRE(waitpid(pid, &st, 0) == pid);
  unlink(path.c_str());
  CHECK(WIFEXITED(st));
  CHECK(WEXITSTATUS(st) == 0);
}
