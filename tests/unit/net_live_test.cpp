// Root-only tests of zone networking against the real kernel. Every test
// case forks a child that first unshares its network namespace, so each
// bridge, veth and nft table lives in a private namespace and vanishes with
// the child; the host's namespace is never touched. Fake zones are
// grandchildren in their own new network namespaces. Test code may run
// ip, nft, nsenter and busybox to observe and to make traffic.
#include <doctest/doctest.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <vector>
#include <ctime>
#include <string>

#include "core/net/antispoof.hpp"
#include "core/net/host_policy.hpp"
#include "core/net/ipam.hpp"
#include "core/net/zone_net.hpp"
#include "tests/unit/netns_child.hpp"

using namespace zonekit;
using namespace zonekit::net;

namespace {

using Check = std::string;   // empty: passed; else what failed
using netns_child::run;

// Run fn in a child in a fresh network namespace whose lo is up.
void in_private_netns(const std::function<Check()>& fn) {
  netns_child::in_private_netns([&] {
    std::system("ip link set lo up");
    return fn();
  });
}

bool ok(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }
bool has(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

// A process sitting in its own new network namespace: the zone's init as
// zoneadmd sees it before it runs.
struct FakeZone {
  pid_t pid = -1;
  explicit FakeZone(int flags = CLONE_NEWNET) {
    int p[2];
    if (pipe(p) != 0) return;
    pid = fork();
    if (pid == 0) {
      close(p[0]);
      if (unshare(flags) != 0) _exit(91);
      (void)!write(p[1], "x", 1);
      for (;;) pause();
    }
    close(p[1]);
    char c;
    if (read(p[0], &c, 1) != 1) pid = -1;
    close(p[0]);
  }
  ~FakeZone() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
  std::string in() const { return "nsenter -t " + std::to_string(pid) + " -n "; }
};

ZoneSpec zone_spec(const std::string& uuid, const std::string& ip4, const std::string& ip6 = "") {
  ZoneSpec s;
  s.uuid = uuid;
  s.name = "z" + uuid.substr(0, 4);
  NicSpec n;
  n.index = 0;
  n.zone_ifname = "net0";
  n.host_ifname = host_ifname(uuid, 0);
  n.bridge = "zkbr0";
  n.nic_tag = "test";
  n.mac = stable_mac(uuid, 0);
  n.mtu = 1500;
  n.ips = {ip4 + "/24"};
  n.gateways = {"10.99.0.1"};
  if (!ip6.empty()) {
    n.ips.push_back(ip6 + "/64");
    n.gateways.push_back("fd99::1");
  }
  n.primary = true;
  s.nics = {n};
  return s;
}

// Read through the library (antispoof_counters) and cross-checked with nft.
long counter(const std::string& uuid, const std::string& name) {
  auto all = antispoof_counters(uuid);
  if (!all || !all->contains(name)) return -1;
  auto out = run("nft list counter netdev " + *zone_table_name(uuid) + " " + name);
  auto p = out.find("packets ");
  if (p == std::string::npos || std::stol(out.substr(p + 8)) != long(all->at(name))) return -2;
  return long(all->at(name));
}

const char* kUuidA = "aaaa0001-0000-4000-8000-000000000001";
const char* kUuidB = "bbbb0002-0000-4000-8000-000000000002";

}  // namespace

TEST_CASE("live: attach_zone configures both ends, zones talk, detach cleans up") {
  if (geteuid() != 0) {
    MESSAGE("skipped: needs root");
    return;
  }
  in_private_netns([]() -> Check {
    FakeZone a, b;
    EXPECT(a.pid > 0 && b.pid > 0);
    auto sa = zone_spec(kUuidA, "10.99.0.10", "fd99::10");
    auto sb = zone_spec(kUuidB, "10.99.0.11", "fd99::11");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    EXPECT_OK(attach_zone(sa, a.pid));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fprintf(stderr, "[net_live] first attach (bridge created, v4+v6) in %.1f ms\n",
            (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    EXPECT_OK(attach_zone(sb, b.pid));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fprintf(stderr, "[net_live] second attach in %.1f ms\n",
            (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);

    // Zone side: name, MAC, MTU, addresses, routes, lo.
    auto link = run(a.in() + "ip -o link show net0");
    EXPECT(has(link, "link/ether " + sa.nics[0].mac));
    EXPECT(has(link, "mtu 1500"));
    EXPECT(has(link, "state UP") || has(link, ",UP"));
    auto addrs = run(a.in() + "ip -o addr show dev net0");
    EXPECT(has(addrs, "inet 10.99.0.10/24"));
    EXPECT(has(addrs, "inet6 fd99::10/64"));
    EXPECT(has(run(a.in() + "ip -o link show lo"), "UP"));
    EXPECT(has(run(a.in() + "ip route show default"), "default via 10.99.0.1 dev net0"));
    EXPECT(has(run(a.in() + "ip -6 route show default"), "default via fd99::1 dev net0"));
    EXPECT(run(a.in() + "ip -o link show").find("zk") == std::string::npos);

    // Host side: bridge with the gateway, port enslaved and up.
    auto port = run("ip -o link show " + sa.nics[0].host_ifname);
    EXPECT(has(port, "master zkbr0"));
    EXPECT(has(port, "UP"));
    EXPECT(has(run("ip -o addr show dev zkbr0"), "inet 10.99.0.1/24"));
    EXPECT(has(run("ip -o -d link show zkbr0"), "bridge"));

    // The gateway on the bridge answers; zones reach each other over TCP.
    EXPECT(ok(a.in() + "busybox ping -c1 -W2 10.99.0.1"));
    EXPECT(ok(b.in() + "busybox ping -c1 -W2 10.99.0.1"));
    EXPECT(ok(a.in() + "busybox ping -c1 -W2 10.99.0.11"));
    EXPECT(ok(a.in() + "busybox ping -6 -c1 -W2 fd99::11"));
    std::string got = "/tmp/zk-net-live-" + std::to_string(getpid());
    struct Unlink {
      std::string path;
      ~Unlink() { unlink(path.c_str()); }
    } unlink_got{got};
    std::system(("timeout 60 " + b.in() + "busybox nc -l -p 5000 > " + got + " &").c_str());
    // Send only once b listens (port 5000 = 0x1388, state 0A, v4 or v6): a probing
    // connect would be the one connection the listener accepts. Slow
    // (sanitizer) builds on a busy host need the generous waits.
    bool listening = false;
    for (int i = 0; i < 200 && !listening; ++i) {
      auto socks = run(b.in() + "cat /proc/net/tcp /proc/net/tcp6");
      listening = has(socks, ":1388 00000000:0000 0A") ||
                  has(socks, ":1388 00000000000000000000000000000000:0000 0A");
      if (!listening) usleep(50000);
    }
    EXPECT(listening);
    EXPECT(ok("echo hello-from-a | " + a.in() + "busybox nc -w 5 10.99.0.11 5000"));
    for (int i = 0; i < 200 && run("cat " + got) != "hello-from-a\n"; ++i) usleep(100000);
    EXPECT(run("cat " + got) == "hello-from-a\n");
    // Legitimate traffic was not dropped by anti-spoofing.
    EXPECT(counter(kUuidA, "n0_ip") == 0);
    EXPECT(counter(kUuidA, "n0_mac") == 0);
    EXPECT(counter(kUuidA, "n0_ip6") == 0);

    // Enumeration for crash recovery.
    auto links = list_zone_links();
    EXPECT_OK(links);
    EXPECT((*links == std::vector<std::string>{sa.nics[0].host_ifname, sb.nics[0].host_ifname}));
    auto tables = list_zone_tables();
    EXPECT_OK(tables);
    EXPECT((*tables == std::vector<std::string>{"zk_aaaa000100", "zk_bbbb000200"}));

    // Teardown: veths (both ends) and the table go, the bridge stays; twice is fine.
    EXPECT_OK(detach_zone(sa));
    EXPECT_OK(detach_zone(sa));
    EXPECT(!ok("ip link show " + sa.nics[0].host_ifname));
    EXPECT(!ok(a.in() + "ip link show net0"));
    EXPECT(!ok("nft list table netdev zk_aaaa000100"));
    EXPECT(antispoof_counters(kUuidA).error().kind == ErrorKind::NotFound);
    EXPECT(antispoof_counters(kUuidB)->size() == 9);
    EXPECT(ok("ip link show zkbr0"));
    EXPECT(ok(b.in() + "busybox ping -c1 -W2 10.99.0.1"));
    EXPECT((*list_zone_tables() == std::vector<std::string>{"zk_bbbb000200"}));
    return {};
  });
}

TEST_CASE("live: a zone that spoofs an IP or its MAC gets nothing through; the other is unaffected") {
  if (geteuid() != 0) {
    MESSAGE("skipped: needs root");
    return;
  }
  in_private_netns([]() -> Check {
    FakeZone a, b;
    EXPECT(a.pid > 0 && b.pid > 0);
    auto sa = zone_spec(kUuidA, "10.99.0.10");
    auto sb = zone_spec(kUuidB, "10.99.0.11");
    EXPECT_OK(attach_zone(sa, a.pid));
    EXPECT_OK(attach_zone(sb, b.pid));
    EXPECT(ok(a.in() + "busybox ping -c1 -W2 10.99.0.1"));
    EXPECT(ok(b.in() + "busybox ping -c1 -W2 10.99.0.1"));

    // A foreign address: frames leave A but die at the bridge port.
    EXPECT(ok(a.in() + "ip addr add 10.99.0.50/24 dev net0"));
    long ip0 = counter(kUuidA, "n0_ip"), arp0 = counter(kUuidA, "n0_arp");
    EXPECT(!ok(a.in() + "busybox ping -c2 -W2 -I 10.99.0.50 10.99.0.1"));
    EXPECT(!ok(a.in() + "busybox ping -c2 -W2 -I 10.99.0.50 10.99.0.11"));
    EXPECT(counter(kUuidA, "n0_ip") + counter(kUuidA, "n0_arp") > ip0 + arp0);
    EXPECT(has(run("ip neigh show 10.99.0.50"), "10.99.0.50") == false ||
           !has(run("ip neigh show 10.99.0.50"), "REACHABLE"));

    // B's address, from A: dropped, and B keeps its identity.
    EXPECT(ok(a.in() + "ip addr add 10.99.0.11/32 dev net0"));
    long ip1 = counter(kUuidA, "n0_ip"), arp1 = counter(kUuidA, "n0_arp");
    EXPECT(!ok(a.in() + "busybox ping -c2 -W2 -I 10.99.0.11 10.99.0.1"));
    // Gratuitous ARP claiming B's address (busybox arping -U does not wait for an answer).
    run(a.in() + "busybox arping -c2 -w2 -U -s 10.99.0.11 -I net0 10.99.0.1");
    EXPECT(counter(kUuidA, "n0_ip") + counter(kUuidA, "n0_arp") > ip1 + arp1);
    EXPECT(ok("busybox ping -c1 -W2 10.99.0.11"));
    EXPECT(has(run("ip neigh show 10.99.0.11"), sb.nics[0].mac));
    EXPECT(ok(b.in() + "busybox ping -c1 -W2 10.99.0.1"));
    EXPECT(counter(kUuidB, "n0_ip") == 0 && counter(kUuidB, "n0_mac") == 0 && counter(kUuidB, "n0_arp") == 0);
    EXPECT(ok(a.in() + "ip addr del 10.99.0.11/32 dev net0"));
    EXPECT(ok(a.in() + "ip addr del 10.99.0.50/24 dev net0"));
    EXPECT(ok(a.in() + "busybox ping -c1 -W2 10.99.0.1"));   // own identity still works

    // A new MAC: nothing gets through.
    EXPECT(ok(a.in() + "ip link set net0 address 02:de:ad:be:ef:01"));
    EXPECT(ok(a.in() + "ip neigh flush all"));
    long mac0 = counter(kUuidA, "n0_mac");
    EXPECT(!ok(a.in() + "busybox ping -c2 -W2 10.99.0.1"));
    EXPECT(!ok(a.in() + "busybox ping -c2 -W2 10.99.0.11"));
    EXPECT(counter(kUuidA, "n0_mac") > mac0);
    EXPECT(ok(b.in() + "busybox ping -c1 -W2 10.99.0.1"));
    EXPECT(ok(b.in() + "ip link set net0 address " + sb.nics[0].mac));   // unchanged, still fine
    return {};
  });
}

TEST_CASE("live: a failed attach leaves nothing behind") {
  if (geteuid() != 0) {
    MESSAGE("skipped: needs root");
    return;
  }
  in_private_netns([]() -> Check {
    FakeZone a;
    EXPECT(a.pid > 0);
    // Bad input is refused before anything changes.
    auto bad = zone_spec(kUuidA, "10.99.0.10");
    bad.nics[0].host_ifname = "x\" accept #";
    auto rb = attach_zone(bad, a.pid);
    EXPECT(!rb);
    EXPECT(rb.error().kind == ErrorKind::Invalid);
    EXPECT(rb.error().message() ==
           "zone zaaaa: network: nics[0].host_ifname: \"x\" accept #\" is not a valid interface name");
    EXPECT(!ok("ip link show zkbr0"));
    EXPECT(!ok("nft list table netdev zk_aaaa000100"));
    auto vlan = zone_spec(kUuidA, "10.99.0.10");
    vlan.nics[0].vlan_id = 10;
    EXPECT(attach_zone(vlan, a.pid).error().message() ==
           "zone zaaaa: network: nics[0].vlan_id: 10: VLANs are not supported yet");
    EXPECT(!ok("ip link show zkbr0"));

    auto s = zone_spec(kUuidA, "10.99.0.10");
    NicSpec second = s.nics[0];
    second.index = 1;
    second.zone_ifname = "net1";
    second.host_ifname = host_ifname(kUuidA, 1);
    second.mac = stable_mac(kUuidA, 1);
    second.bridge = "notabridge0";   // exists, but is a dummy: attach must fail here
    second.primary = false;
    second.ips = {"10.98.0.10/24"};
    second.gateways = {};
    s.nics.push_back(second);
    EXPECT(ok("ip link add notabridge0 type veth peer name nb1"));
    auto r = attach_zone(s, a.pid);
    EXPECT(!r);
    EXPECT(r.error().message() ==
           "zone zaaaa: network: bridge notabridge0: a link of that name exists and is not a bridge");
    EXPECT(!ok("ip link show " + s.nics[0].host_ifname));
    EXPECT(!ok(a.in() + "ip link show net0"));
    EXPECT(!ok("nft list table netdev zk_aaaa000100"));
    EXPECT(list_zone_links()->empty());
    // Host links that are not zone veths are never deleted.
    EXPECT(delete_link("notabridge0").error().message() ==
           "link notabridge0 exists and is not a zone veth; not touching it");
    EXPECT(ok("ip link show notabridge0"));
    EXPECT(ok("ip link add zkbr9 type bridge"));
    EXPECT(delete_link("zkbr9").error().kind == ErrorKind::Invalid);
    EXPECT_OK(delete_link("zkaaaa000100n5"));   // missing is fine
    return {};
  });
}

TEST_CASE("live: the host policy shields the host, masquerades to the outside, and stops") {
  if (geteuid() != 0) {
    MESSAGE("skipped: needs root");
    return;
  }
  in_private_netns([]() -> Check {
    // "outside": a namespace reachable from the host at 203.0.113.0/24 with
    // no route back to the zones' subnet, so only masqueraded packets return.
    FakeZone zone, outside;
    EXPECT(zone.pid > 0 && outside.pid > 0);
    EXPECT(ok("ip link add out0 type veth peer name eth0 netns " + std::to_string(outside.pid)));
    EXPECT(ok("ip addr add 203.0.113.1/24 dev out0 && ip link set out0 up"));
    EXPECT(ok(outside.in() + "sh -c 'ip addr add 203.0.113.2/24 dev eth0 && ip link set eth0 up'"));
    EXPECT_OK(attach_zone(zone_spec(kUuidA, "10.99.0.10"), zone.pid));
    EXPECT(ok(zone.in() + "busybox ping -c1 -W2 10.99.0.1"));   // no policy yet: a plain bridge
    EXPECT(!ok(zone.in() + "busybox ping -c1 -W2 203.0.113.2"));
    char dir[] = "/tmp/zk-policy.XXXXXX";
    EXPECT(mkdtemp(dir));
    const std::string record = std::string(dir) + "/ip_forward.before";

    HostPolicy p;
    p.bridges.push_back({});
    p.bridges[0].bridge = "zkbr0";
    p.bridges[0].forward_world = true;
    p.bridges[0].masquerade = {*parse_cidr("10.99.0.0/24")};
    EXPECT_OK(apply_host_policy(p, record));
    EXPECT(ok(zone.in() + "busybox ping -c1 -W2 203.0.113.2"));
    EXPECT(!ok(zone.in() + "busybox ping -c1 -W1 10.99.0.1"));   // the host itself: shielded
    EXPECT(!ok(zone.in() + "busybox ping -c1 -W1 203.0.113.1")); // ... on every address
    auto drops = host_policy_counters();
    EXPECT_OK(drops);
    EXPECT(drops->at("input_drop") >= 2);
    EXPECT_OK(apply_host_policy(p, record));                       // replaced, the same
    EXPECT(has(run("nft list table inet zonekit"),
               "ip saddr 10.99.0.0/24 oifname != \"zkbr0\" masquerade"));
    EXPECT(run("cat /proc/sys/net/ipv4/ip_forward") == "1\n");
    EXPECT(run("cat " + record) == "0\n");

    p.bridges[0].host_services = *parse_host_service("ping");
    EXPECT_OK(apply_host_policy(p, record));
    EXPECT(ok(zone.in() + "busybox ping -c1 -W2 10.99.0.1"));     // on the bridge's address
    EXPECT(!ok(zone.in() + "busybox ping -c1 -W1 203.0.113.1"));  // not elsewhere

    p.bridges[0].forward_world = false;
    p.bridges[0].masquerade.clear();
    EXPECT_OK(apply_host_policy(p, record));
    EXPECT(!ok(zone.in() + "busybox ping -c1 -W2 203.0.113.2"));
    EXPECT(run("cat /proc/sys/net/ipv4/ip_forward") == "0\n");
    EXPECT(!ok("test -e " + record));
    EXPECT_OK(apply_host_policy(HostPolicy{}, record));
    EXPECT(!ok("nft list table inet zonekit"));
    EXPECT(!ok("nft list table bridge zonekit"));
    EXPECT(ok(zone.in() + "busybox ping -c1 -W2 10.99.0.1"));
    rmdir(dir);
    return {};
  });
}

TEST_CASE("live: ten zones attached in parallel share one bridge") {
  if (geteuid() != 0) {
    MESSAGE("skipped: needs root");
    return;
  }
  in_private_netns([]() -> Check {
    constexpr int kZones = 10;
    std::vector<std::unique_ptr<FakeZone>> zones;
    std::vector<ZoneSpec> specs;
    for (int i = 0; i < kZones; ++i) {
      zones.push_back(std::make_unique<FakeZone>());
      EXPECT(zones.back()->pid > 0);
      char uuid[40];
      std::snprintf(uuid, sizeof uuid, "cc%08x-0000-4000-8000-000000000000", i);
      specs.push_back(zone_spec(uuid, "10.99.0." + std::to_string(20 + i)));
    }
    // One process per zone, as zoneadmd would be, all racing to create zkbr0.
    std::vector<pid_t> kids;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < kZones; ++i) {
      pid_t p = fork();
      if (p == 0) {
        auto r = attach_zone(specs[i], zones[i]->pid);
        if (!r) fprintf(stderr, "attach %d: %s\n", i, r.error().message().c_str());
        _exit(r ? 0 : 1);
      }
      kids.push_back(p);
    }
    for (pid_t p : kids) {
      int st = 0;
      waitpid(p, &st, 0);
      EXPECT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
    fprintf(stderr, "[net_live] %d zones attached in parallel in %.1f ms\n", kZones, ms);
    EXPECT(list_zone_links()->size() == size_t(kZones));
    EXPECT(list_zone_tables()->size() == size_t(kZones));
    for (int i = 0; i < kZones; ++i) {
      EXPECT(has(run("ip -o link show " + specs[i].nics[0].host_ifname), "master zkbr0"));
      EXPECT(ok(zones[i]->in() + "busybox ping -c1 -W2 10.99.0." + std::to_string(20 + (i + 1) % kZones)));
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (const auto& s : specs) EXPECT_OK(detach_zone(s));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
    fprintf(stderr, "[net_live] %d zones detached serially in %.1f ms\n", kZones, ms);
    EXPECT(list_zone_links()->empty());
    EXPECT(list_zone_tables()->empty());
    return {};
  });
}

TEST_CASE("live: nics added to and removed from a running zone") {
  if (geteuid() != 0) {
    MESSAGE("skipped: needs root");
    return;
  }
  in_private_netns([]() -> Check {
    FakeZone a;
    EXPECT(a.pid > 0);
    auto before = zone_spec(kUuidA, "10.99.0.10");
    EXPECT_OK(attach_zone(before, a.pid));
    auto after = before;
    NicSpec n1 = before.nics[0];
    n1.index = 1;
    n1.zone_ifname = "net1";
    n1.host_ifname = host_ifname(kUuidA, 1);
    n1.mac = stable_mac(kUuidA, 1);
    n1.bridge = "zkbr1";
    n1.ips = {"10.98.0.10/24"};
    n1.gateways = {"10.98.0.1"};
    n1.primary = false;
    after.nics.push_back(n1);
    after.routes = {{"10.97.0.0/16", "10.98.0.1"}};
    EXPECT(attach_nics(after, a.pid, {7}).error().message() == "zone zaaaa: network: no nic with index 7");
    EXPECT_OK(attach_nics(after, a.pid, {1}));
    EXPECT(has(run(a.in() + "ip -o addr show dev net1"), "inet 10.98.0.10/24"));
    EXPECT(has(run(a.in() + "ip route show 10.97.0.0/16"), "via 10.98.0.1 dev net1"));
    EXPECT(has(run(a.in() + "ip route show default"), "default via 10.99.0.1 dev net0"));
    EXPECT(ok(a.in() + "busybox ping -c1 -W2 10.98.0.1"));
    EXPECT(ok(a.in() + "busybox ping -c1 -W2 10.99.0.1"));
    EXPECT(has(run("nft list table netdev zk_aaaa000100"), "hook ingress device \"" + n1.host_ifname + "\""));
    // The new port is guarded too.
    EXPECT(ok(a.in() + "ip addr add 10.98.0.66/24 dev net1"));
    EXPECT(!ok(a.in() + "busybox ping -c1 -W2 -I 10.98.0.66 10.98.0.1"));
    EXPECT(counter(kUuidA, "n1_ip") + counter(kUuidA, "n1_arp") > 0);

    EXPECT_OK(detach_nics(before, {n1.host_ifname}));
    EXPECT_OK(detach_nics(before, {n1.host_ifname}));
    EXPECT(!ok(a.in() + "ip link show net1"));
    EXPECT(!has(run("nft list table netdev zk_aaaa000100"), "chain n1"));
    EXPECT(ok(a.in() + "busybox ping -c1 -W2 10.99.0.1"));
    EXPECT(has(run("nft list table netdev zk_aaaa000100"), "hook ingress device \"zkaaaa000100n0\""));
    return {};
  });
}

TEST_CASE("live: a zone in its own user namespace (netns owned by it) is attached the same way") {
  if (geteuid() != 0) {
    MESSAGE("skipped: needs root");
    return;
  }
  in_private_netns([]() -> Check {
    FakeZone a(CLONE_NEWUSER | CLONE_NEWNET);
    EXPECT(a.pid > 0);
    auto sa = zone_spec(kUuidA, "10.99.0.10");
    EXPECT_OK(attach_zone(sa, a.pid));
    EXPECT(has(run(a.in() + "ip -o addr show dev net0"), "inet 10.99.0.10/24"));
    EXPECT(ok(a.in() + "busybox ping -c1 -W2 10.99.0.1"));
    EXPECT_OK(detach_zone(sa));
    EXPECT(!ok(a.in() + "ip link show net0"));
    return {};
  });
}

namespace {

// Packets of a named counter, as nft lists it; -1 if there is none.
long nft_counter(const std::string& family_table, const std::string& name) {
  auto out = run("nft list counter " + family_table + " " + name);
  auto p = out.find("packets ");
  return p == std::string::npos ? -1 : std::stol(out.substr(p + 8));
}

double seconds_since(const struct timespec& t0) {
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  return double(t1.tv_sec - t0.tv_sec) + double(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

}  // namespace

TEST_CASE("live: replacing a zone's table under a flood leaves no instant without its filter") {
  if (geteuid() != 0) {
    MESSAGE("skipped: needs root");
    return;
  }
  in_private_netns([]() -> Check {
    FakeZone a;
    EXPECT(a.pid > 0);
    auto spec = zone_spec(kUuidA, "10.99.0.10");
    EXPECT_OK(attach_zone(spec, a.pid));
    // The spoofed frames that arrive at the port (before its filter), and
    // those that get past the filter and the guard (bridge prerouting, after
    // both). The zone's own counters start again with each table.
    EXPECT(ok("nft add table netdev watch && nft add counter netdev watch arrived && "
              "nft add chain netdev watch in '{ type filter hook ingress device zkaaaa000100n0 priority -1000; }' && "
              "nft add rule netdev watch in ip saddr 10.99.0.50 counter name arrived"));
    EXPECT(ok("nft add table bridge watch && nft add counter bridge watch spoofed && "
              "nft add chain bridge watch pre '{ type filter hook prerouting priority 0; }' && "
              "nft add rule bridge watch pre ip saddr 10.99.0.50 counter name spoofed"));
    // No ARP on the way: echo requests go out at once, from the zone's own
    // address and from a spoofed one, as fast as they can for 3 s.
    auto bridge = run("ip -o link show zkbr0");
    auto at = bridge.find("link/ether ");
    EXPECT(at != std::string::npos);
    auto mac = bridge.substr(at + 11, 17);
    EXPECT(ok(a.in() + "ip neigh replace 10.99.0.1 lladdr " + mac + " dev net0 nud permanent"));
    EXPECT(ok(a.in() + "ip addr add 10.99.0.50/32 dev net0"));
    std::string own = "/tmp/zk-net-live-flood-" + std::to_string(getpid());
    struct Unlink {
      std::string path;
      ~Unlink() { unlink(path.c_str()); }
    } unlink_own{own};
    std::system(("timeout 20 " + a.in() + "ping -q -f -i 0.002 -w 3 -I 10.99.0.50 10.99.0.1 >/dev/null 2>&1 &").c_str());
    std::system(("timeout 20 " + a.in() + "ping -q -f -w 3 10.99.0.1 >" + own + " 2>&1 &").c_str());
    usleep(200000);
    // Replace the table as fast as it goes, its rules changing each time.
    int replaced = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (seconds_since(t0) < 2.5) {
      auto s = spec;
      if (replaced % 2) s.nics[0].allowed_ips = {"10.99.0.60"};
      EXPECT_OK(apply_antispoof(s));
      ++replaced;
    }
    std::string stats;
    for (int i = 0; i < 200 && !has(stats, "received"); ++i, usleep(100000)) stats = run("cat " + own);
    auto summary = stats.find("---");
    fprintf(stderr, "[net_live] %d table replacements under a flood of %ld spoofed frames; own address: %s",
            replaced, nft_counter("netdev watch", "arrived"),
            stats.substr(summary == std::string::npos ? 0 : summary).c_str());
    EXPECT(replaced >= 20);
    EXPECT(nft_counter("bridge watch", "spoofed") == 0);
    // Every frame met a filter: the guard never saw one without the mark.
    EXPECT(nft_counter("bridge zonekit_guard", "unfiltered") == 0);
    EXPECT(nft_counter("netdev watch", "arrived") > 100);
    auto rx = stats.find(" received");
    EXPECT(rx != std::string::npos);
    auto comma = stats.rfind(", ", rx);
    EXPECT(std::stol(stats.substr(comma + 2)) > 100);
    return {};
  });
}

TEST_CASE("live: a zone's bridge table of before goes with its next filter; the guard waits for the last") {
  if (geteuid() != 0) {
    MESSAGE("skipped: needs root");
    return;
  }
  in_private_netns([]() -> Check {
    // Two zones booted by an earlier version: a bridge table each, with the
    // counters of the same names.
    for (const char* hex : {"aaaa000100", "bbbb000200"}) {
      std::string t = std::string("bridge zk_") + hex;
      EXPECT(ok("nft add table " + t + " && nft add counter " + t + " n0_ip && nft add chain " + t +
                " prerouting '{ type filter hook prerouting priority -300; }'"));
      EXPECT(ok(std::string("ip link add zk") + hex + "n0 type veth peer name p" + hex));
    }
    const char* kUuidC = "cccc0003-0000-4000-8000-000000000003";
    EXPECT(ok("ip link add zkcccc000300n0 type veth peer name pc"));
    // A zone of now boots meanwhile: its table, but no guard yet (it would
    // cut the other two off: their frames carry no mark).
    EXPECT_OK(apply_antispoof(zone_spec(kUuidC, "10.99.0.12")));
    EXPECT(!ok("nft list table bridge zonekit_guard"));
    EXPECT((*list_zone_tables() == std::vector<std::string>{"zk_aaaa000100", "zk_bbbb000200", "zk_cccc000300"}));
    EXPECT(antispoof_counters(kUuidB)->size() == 1);   // read where it is
    // A's filter applied again (an update after the upgrade): its bridge
    // table goes in the same transaction.
    EXPECT_OK(apply_antispoof(zone_spec(kUuidA, "10.99.0.10")));
    EXPECT(ok("nft list table netdev zk_aaaa000100"));
    EXPECT(!ok("nft list table bridge zk_aaaa000100"));
    EXPECT(!ok("nft list table bridge zonekit_guard"));   // B is left
    // B halts: its table of before is removed; the next filter makes the guard.
    EXPECT_OK(remove_antispoof(kUuidB));
    EXPECT(!ok("nft list table bridge zk_bbbb000200"));
    EXPECT(antispoof_counters(kUuidB).error().kind == ErrorKind::NotFound);
    EXPECT_OK(apply_antispoof(zone_spec(kUuidA, "10.99.0.10")));
    EXPECT(ok("nft list table bridge zonekit_guard"));
    // Recovery deletes a name in both families.
    EXPECT(ok("nft add table bridge zk_dddd000400 && nft add table netdev zk_dddd000400"));
    EXPECT((*list_zone_tables() == std::vector<std::string>{"zk_aaaa000100", "zk_cccc000300", "zk_dddd000400"}));
    EXPECT_OK(delete_zone_table("zk_dddd000400"));
    EXPECT(!ok("nft list table bridge zk_dddd000400") && !ok("nft list table netdev zk_dddd000400"));
    return {};
  });
}
