// How the cost of programming one zone's anti-spoofing table depends on how
// many other zones have tables. In a network namespace of its own (made
// here, so the host's tables are never touched) it fills in tables for N
// zones through the library, each hooked to a host port of its own (a veth
// made here, as zoneadmd makes them), then times apply_antispoof +
// remove_antispoof of one more zone, and antispoof_counters of a filled-in
// one, at each N.
//   nft_scaling [REPS] [N...]        (default: 20 reps at 1 100 1000)
//   nft_scaling --fill N             N zones' ports and tables in the calling
//                                    network namespace, then exit (for
//                                    tests/integration/net_scale.sh)
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/net/antispoof.hpp"
#include "core/net/ipam.hpp"
#include "core/sys/netlink_route.hpp"

using namespace zonekit;
using Clock = std::chrono::steady_clock;

namespace {

std::string hex4(unsigned v) {
  char b[8];
  std::snprintf(b, sizeof b, "%x", v & 0xffff);
  return b;
}

ZoneSpec zone(unsigned i) {
  char uuid[40];
  std::snprintf(uuid, sizeof uuid, "%08x-00aa-4000-8000-000000000000", i);
  ZoneSpec s;
  s.uuid = uuid;
  s.name = uuid;
  NicSpec n;
  n.index = 0;
  n.zone_ifname = "net0";
  n.host_ifname = host_ifname(s.uuid, 0);
  n.bridge = "zkbr0";
  n.mac = net::stable_mac(s.uuid, 0);
  n.ips = {"10." + std::to_string(i >> 16 & 255) + "." + std::to_string(i >> 8 & 255) + "." +
               std::to_string(i & 255) + "/8",
           "fd00::" + hex4(i >> 16) + ":" + hex4(i) + "/64"};
  s.nics = {n};
  return s;
}

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

void must(const Result<void>& r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "nft_scaling: %s: %s\n", what, r.error().message().c_str());
    std::exit(1);
  }
}

netlink::RouteSocket route_socket() {
  auto nl = netlink::RouteSocket::open();
  if (!nl) {
    std::fprintf(stderr, "nft_scaling: %s\n", nl.error().message().c_str());
    std::exit(1);
  }
  return std::move(*nl);
}

// The zone's host port, a veth whose peer stays in this namespace too
// ("p" + the port's name without "zk": no zone link name), down.
void make_port(netlink::RouteSocket& nl, const ZoneSpec& z) {
  const std::string& port = z.nics[0].host_ifname;
  netlink::VethPeer peer;
  peer.name = "p" + port.substr(2);
  must(nl.create_veth(port, 1500, peer), "make port");
}

// One more zone: its port, then its table (the order zoneadmd keeps).
void add_zone(netlink::RouteSocket& nl, unsigned i) {
  auto z = zone(i);
  make_port(nl, z);
  must(net::apply_antispoof(z), "fill");
}

int fill(unsigned n) {
  auto nl = route_socket();
  auto t0 = Clock::now();
  for (unsigned i = 0; i < n; ++i) add_zone(nl, i);
  std::printf("nft_scaling: %u zones' ports and tables in %.0f ms\n", n, ms(Clock::now() - t0));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--fill") == 0) return fill(unsigned(std::atoi(argv[2])));
  if (unshare(CLONE_NEWNET) != 0) {
    std::perror("nft_scaling: unshare(CLONE_NEWNET) (needs root)");
    return 1;
  }
  int reps = argc > 1 ? std::atoi(argv[1]) : 20;
  std::vector<unsigned> sizes;
  for (int i = 2; i < argc; ++i) sizes.push_back(unsigned(std::atoi(argv[i])));
  if (sizes.empty()) sizes = {1, 100, 1000};
  std::sort(sizes.begin(), sizes.end());

  auto nl = route_socket();
  const ZoneSpec extra = zone(0xfffff);
  make_port(nl, extra);
  unsigned have = 0;
  double base_apply = 0, base_remove = 0, base_counters = 0;
  std::printf("%7s %10s %12s %12s %12s %8s %8s %8s %10s\n", "tables", "fill ms/t", "apply ms", "remove ms",
              "counters ms", "apply x", "remove x", "count x", "maxrss MiB");
  for (unsigned n : sizes) {
    auto f0 = Clock::now();
    unsigned added = 0;
    for (; have < n; ++have, ++added) add_zone(nl, have);
    double fill = added ? ms(Clock::now() - f0) / added : 0;
    std::vector<double> apply, remove, counters;
    for (int r = 0; r < reps; ++r) {
      auto t0 = Clock::now();
      must(net::apply_antispoof(extra), "apply");
      auto t1 = Clock::now();
      must(net::remove_antispoof(extra.uuid), "remove");
      auto t2 = Clock::now();
      auto c = net::antispoof_counters(zone(0).uuid);
      auto t3 = Clock::now();
      if (!c || c->size() != 9) {
        std::fprintf(stderr, "nft_scaling: counters: %s\n", c ? "wrong count" : c.error().message().c_str());
        return 1;
      }
      apply.push_back(ms(t1 - t0));
      remove.push_back(ms(t2 - t1));
      counters.push_back(ms(t3 - t2));
    }
    double a = median(apply), d = median(remove), c = median(counters);
    if (base_apply == 0) base_apply = a, base_remove = d, base_counters = c;
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    std::printf("%7u %10.2f %12.2f %12.2f %12.2f %8.2f %8.2f %8.2f %10.1f\n", n, fill, a, d, c, a / base_apply,
                d / base_remove, c / base_counters, ru.ru_maxrss / 1024.0);
    std::fflush(stdout);
  }
  return 0;
}
