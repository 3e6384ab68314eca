#include "core/net/zone_net.hpp"

#include <fcntl.h>
#include <linux/if_link.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <system_error>
#include <thread>

#include "core/net/antispoof.hpp"
#include "core/net/ipam.hpp"
#include "core/net/nft_netlink.hpp"
#include "core/sys/release_in_child.hpp"
#include "core/sys/fd.hpp"
#include "core/sys/netlink_route.hpp"
#include "core/sys/fault.hpp"

namespace zonekit::net {

namespace {

using netlink::RouteSocket;
using netlink::WireAddr;

std::unexpected<Error> invalid(std::string detail) { return fail(std::move(detail), ErrorKind::Invalid); }

WireAddr wire(const IpAddr& ip, int prefix = 0) {
  WireAddr w;
  w.family = ip.family;
  w.bytes = ip.bytes;
  w.prefix = prefix;
  return w;
}

// IFA_PROTO of the gateway addresses zonekit puts on bridges ('z'): what
// release_bridge may take off again.
constexpr uint8_t kAddrProto = 0x7a;

// The MAC ensure_bridge gives a bridge it creates: also how a bridge
// zonekit made is told from one the admin made.
Mac bridge_mac(const std::string& name) { return *parse_mac(stable_mac("bridge:" + name, 0)); }

// Undo actions run in reverse order unless release()d: the transaction of
// attach_zone.
class Rollback {
 public:
  Rollback() = default;
  Rollback(const Rollback&) = delete;
  Rollback& operator=(const Rollback&) = delete;
  ~Rollback() {
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) (*it)();
  }
  void add(std::function<void()> f) { undo_.push_back(std::move(f)); }
  void release() { undo_.clear(); }

 private:
  std::vector<std::function<void()>> undo_;
};

// A nic with everything parsed and checked.
struct NicPlan {
  const NicSpec* spec = nullptr;
  Mac mac{};
  std::vector<Cidr> ips;
  std::vector<IpAddr> gateways;
  std::vector<Cidr> bridge_addrs;   // gateways that fall inside one of ips' subnets
};

struct RoutePlan {
  std::optional<Cidr> dst;   // nullopt = default
  IpAddr gateway;
  int oif_nic = -1;          // index into nics, or -1
};

Result<std::vector<NicPlan>> plan_nics(const ZoneSpec& spec) {
  std::vector<NicPlan> out;
  for (size_t i = 0; i < spec.nics.size(); ++i) {
    const auto& nic = spec.nics[i];
    std::string field = "nics[" + std::to_string(i) + "]";
    NicPlan p;
    p.spec = &nic;
    ZK_TRYV(check_host_ifname(nic, i, spec.uuid));
    if (!valid_ifname_strict(nic.zone_ifname) || nic.zone_ifname == "lo")
      return invalid(field + ".zone_ifname: \"" + nic.zone_ifname + "\" is not a valid interface name");
    if (!valid_ifname(nic.bridge))
      return invalid(field + ".bridge: \"" + nic.bridge + "\" is not a valid interface name");
    auto mac = parse_mac(nic.mac);
    if (!mac || !mac_is_assignable(*mac))
      return invalid(field + ".mac: \"" + nic.mac + "\" is not a unicast MAC address");
    p.mac = *mac;
    // A VLAN needs bridge VLAN filtering (the port as an access port), which
    // the kernels we test on lack; refuse rather than silently not isolate.
    if (nic.vlan_id != 0)
      return invalid(field + ".vlan_id: " + std::to_string(nic.vlan_id) + ": VLANs are not supported yet");
    if (nic.mtu < 68 || nic.mtu > 65535)
      return invalid(field + ".mtu: " + std::to_string(nic.mtu) + " is out of range 68-65535");
    for (const auto& s : nic.ips) {
      auto c = parse_cidr(s);
      if (!c) return invalid(field + ".ips: \"" + s + "\" is not an address with prefix");
      p.ips.push_back(*c);
    }
    for (const auto& s : nic.gateways) {
      auto g = parse_ip(s);
      if (!g) return invalid(field + ".gateways: \"" + s + "\" is not an IP address");
      p.gateways.push_back(*g);
      for (const auto& c : p.ips)
        if (c.contains(*g) && c.addr != *g) {
          p.bridge_addrs.push_back(Cidr{*g, c.prefix});
          break;
        }
    }
    for (const auto& o : out)
      if (o.spec->host_ifname == nic.host_ifname || o.spec->zone_ifname == nic.zone_ifname)
        return invalid(field + ": host_ifname or zone_ifname used twice");
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::vector<RoutePlan>> plan_routes(const ZoneSpec& spec, const std::vector<NicPlan>& nics) {
  std::vector<RoutePlan> out;
  int primary = -1;
  for (size_t i = 0; i < nics.size(); ++i)
    if (nics[i].spec->primary) {
      primary = int(i);
      break;
    }
  if (primary < 0 && !nics.empty()) primary = 0;
  bool have_default[2] = {false, false};
  if (primary >= 0)
    for (const auto& g : nics[primary].gateways) {
      bool& have = have_default[g.is_v4() ? 0 : 1];
      if (have) continue;
      have = true;
      out.push_back(RoutePlan{std::nullopt, g, primary});
    }
  for (size_t i = 0; i < spec.routes.size(); ++i) {
    const auto& r = spec.routes[i];
    std::string field = "routes[" + std::to_string(i) + "]";
    auto gw = parse_ip(r.gateway);
    if (!gw) return invalid(field + ".gateway: \"" + r.gateway + "\" is not an IP address");
    RoutePlan p{std::nullopt, *gw, -1};
    if (r.destination != "default") {
      auto dst = parse_ip_or_cidr(r.destination);
      if (!dst) return invalid(field + ".destination: \"" + r.destination + "\" is not a CIDR or \"default\"");
      if (dst->addr.family != gw->family)
        return invalid(field + ": destination and gateway are of different address families");
      dst->addr = dst->network();
      p.dst = *dst;
    } else if (have_default[gw->is_v4() ? 0 : 1]) {
      continue;   // the primary nic's gateway already is the default route
    }
    out.push_back(p);
  }
  return out;
}

Result<UniqueFd> open_netns(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return sys_error("open", path);
  return fd;
}

Result<netlink::LinkInfo> must_find(RouteSocket& nl, const std::string& name) {
  auto l = ZK_TRY(nl.find_link(name));
  if (!l) return sys_error("find link", name, ENODEV);
  return *l;
}

// Delete a host link zonekit made: named "zk..." and a veth. Missing is fine.
Result<void> delete_zone_link(RouteSocket& nl, const std::string& name) {
  auto link = ZK_TRY(nl.find_link(name));
  if (!link) return {};
  if (!name.starts_with("zk") || link->kind != "veth")
    return invalid("link " + name + " exists and is not a zone veth; not touching it");
  auto r = nl.delete_link(name);
  if (!r && r.error().kind == ErrorKind::NotFound) return {};
  return r;
}

// Let every group of the zone open unprivileged ICMP sockets (busybox ping
// works without CAP_NET_RAW, which zones do not have). The sysctl is per
// netns and /proc/sys/net resolves to the netns of the opening thread, so a
// short-lived thread joins the zone's netns to write it; the zone's own
// /proc/sys is read-only.
Result<void> allow_unprivileged_ping(int netns_fd) {
  static constexpr char kPath[] = "/proc/sys/net/ipv4/ping_group_range";
  static constexpr char kValue[] = "0 2147483647\n";
  int err = 0;
  const char* what = "";
  try {
    std::thread t([&] {
      if (::setns(netns_fd, CLONE_NEWNET) < 0) {
        err = errno;
        what = "setns";
        return;
      }
      UniqueFd fd(::open(kPath, O_WRONLY | O_CLOEXEC));
      if (!fd) {
        err = errno;
        what = "open";
        return;
      }
      if (::write(fd.get(), kValue, sizeof kValue - 1) != ssize_t(sizeof kValue - 1)) {
        err = errno ? errno : EIO;
        what = "write";
      }
    });
    t.join();
  } catch (const std::system_error& e) {
    return sys_error("start thread", "for zone netns sysctl", e.code().value());
  }
  if (err) return sys_error(what, std::string("zone ") + kPath, err);
  return {};
}

// The part of attach that runs against the zone's namespace.
Result<void> configure_zone_side(RouteSocket& zn, const NicPlan& nic) {
  const auto& name = nic.spec->zone_ifname;
  auto link = ZK_TRY(must_find(zn, name));
  // Pin the link-local address to the EUI-64 form the anti-spoofing rules
  // allow. Best effort: a kernel without IPv6 refuses, and then there is no
  // link-local to pin.
  netlink::LinkChange mode;
  mode.ipv6_addr_gen_mode = IN6_ADDR_GEN_MODE_EUI64;
  (void)zn.change_link(link.index, name, mode);
  for (const auto& c : nic.ips) {
    auto r = zn.add_address(link.index, name, wire(c.addr, c.prefix));
    if (!r && r.error().code != EEXIST) return r;
  }
  netlink::LinkChange up;
  up.up = true;
  return zn.change_link(link.index, name, up);
}

}  // namespace

Result<void> ensure_bridge(const std::string& name, uint32_t mtu, const std::optional<Cidr>& gateway_addr) {
  if (!valid_ifname(name)) return invalid("bridge: \"" + name + "\" is not a valid interface name");
  auto nl = ZK_TRYC(RouteSocket::open(), "bridge " + name);
  auto link = ZK_TRYC(nl.find_link(name), "bridge " + name);
  if (!link) {
    auto made = nl.create_bridge(name, mtu, bridge_mac(name));
    if (!made && made.error().code != EEXIST) return made;
    link = ZK_TRYC(nl.find_link(name), "bridge " + name);
    if (!link) return sys_error("find link", name, ENODEV);
    if (made) {
      netlink::LinkChange up;
      up.up = true;
      ZK_TRYV(nl.change_link(link->index, name, up));
    }
  }
  if (link->kind != "bridge")
    return invalid("bridge " + name + ": a link of that name exists and is not a bridge");
  if (gateway_addr) {
    auto have = ZK_TRYC(nl.list_addresses(link->index), "bridge " + name);
    for (const auto& a : have)
      if (a.family == gateway_addr->addr.family && a.bytes == gateway_addr->addr.bytes) return {};
    auto w = wire(gateway_addr->addr, gateway_addr->prefix);
    w.proto = kAddrProto;
    auto r = nl.add_address(link->index, name, w);
    if (!r && r.error().code != EEXIST) return r;
  }
  return {};
}

Result<BridgeRelease> release_bridge(const std::string& name, const std::optional<IpAddr>& gateway,
                                     bool keep_bridge) {
  BridgeRelease out;
  if (!valid_ifname(name)) return invalid("bridge: \"" + name + "\" is not a valid interface name");
  const std::string ctx = "bridge " + name;
  auto nl = ZK_TRYC(RouteSocket::open(), ctx);
  auto link = ZK_TRYC(nl.find_link(name), ctx);
  if (!link || link->kind != "bridge") return out;
  if (!keep_bridge && link->mac && *link->mac == bridge_mac(name)) {
    auto links = ZK_TRYC(nl.list_links(), ctx);
    for (const auto& l : links)
      if (l.master == link->index) out.ports.push_back(l.name);
    if (out.ports.empty()) {
      auto r = nl.delete_link(name);
      if (!r && r.error().kind != ErrorKind::NotFound) return fail(std::move(r.error()).wrap(ctx));
      out.bridge_deleted = true;
      return out;
    }
  }
  if (!gateway) return out;
  for (const auto& a : ZK_TRYC(nl.list_addresses(link->index), ctx)) {
    if (a.family != gateway->family || a.bytes != gateway->bytes || a.proto != kAddrProto) continue;
    auto r = nl.delete_address(link->index, name, a);
    if (!r && r.error().kind != ErrorKind::NotFound) return fail(std::move(r.error()).wrap(ctx));
    out.address_removed = true;
  }
  return out;
}

namespace {

// only: nic indexes (NicSpec::index) to bring up; nullopt = all, as at boot.
// One step of bringing a zone's network up; the order is the contract
// (every port made down, then the filter hooked to the ports, then each port
// enslaved and up only once the zone side is configured), so it is planned
// purely and pinned by tests.
struct Step {
  enum class Kind { Filter, Loopback, Bridge, RemoveStale, Veth, ZoneLink, Port, Route };
  Kind kind;
  size_t item = 0;                   // index into nics (or routes for Route)
  std::optional<Cidr> bridge_addr;   // Bridge
};

struct AttachPlan {
  std::vector<NicPlan> nics;
  std::vector<RoutePlan> routes;
  std::vector<Step> steps;
  bool live = false;                 // adding nics to a running zone
};

Result<AttachPlan> plan_attach(const ZoneSpec& spec, const std::optional<std::vector<uint32_t>>& only) {
  AttachPlan p;
  p.nics = ZK_TRY(plan_nics(spec));
  p.routes = ZK_TRY(plan_routes(spec, p.nics));
  ZK_TRY(antispoof_table(spec));   // validates everything the table needs
  if (only)
    for (auto idx : *only)
      if (std::none_of(spec.nics.begin(), spec.nics.end(), [&](const NicSpec& n) { return n.index == idx; }))
        return invalid("no nic with index " + std::to_string(idx));
  p.live = only.has_value();
  using K = Step::Kind;
  std::vector<size_t> up;   // the nics to bring up
  for (size_t i = 0; i < p.nics.size(); ++i)
    if (!only || std::find(only->begin(), only->end(), p.nics[i].spec->index) != only->end()) up.push_back(i);
  p.steps.push_back({K::Loopback});
  for (size_t i : up) {
    const auto& nic = p.nics[i];
    if (nic.bridge_addrs.empty()) p.steps.push_back({K::Bridge, i, std::nullopt});
    for (const auto& a : nic.bridge_addrs) p.steps.push_back({K::Bridge, i, a});
    p.steps.push_back({K::RemoveStale, i});
    p.steps.push_back({K::Veth, i});
  }
  // The filter hooks each port's ingress, so the ports must exist; they are
  // down and unbridged, and a veth whose host end is down delivers nothing.
  p.steps.push_back({K::Filter});
  for (size_t i : up) {
    p.steps.push_back({K::ZoneLink, i});
    p.steps.push_back({K::Port, i});
  }
  for (size_t r = 0; r < p.routes.size(); ++r) p.steps.push_back({K::Route, r});
  return p;
}

std::string describe(const ZoneSpec& spec, const AttachPlan& p, const Step& st) {
  using K = Step::Kind;
  auto table = zone_table_name(spec.uuid).value_or("?");
  switch (st.kind) {
    case K::Filter: {
      std::string ports;
      for (const auto& n : p.nics) ports += " " + n.spec->host_ifname;
      return "filter: replace table netdev " + table + " at the ingress of" + (ports.empty() ? " nothing" : ports);
    }
    case K::Loopback:
      return "zone: lo up, ping_group_range 0 2147483647";
    default:
      break;
  }
  if (st.kind == K::Route) {
    const auto& r = p.routes[st.item];
    std::string line = "zone: route " + (r.dst ? r.dst->str() : std::string("default")) + " via " + r.gateway.str();
    if (r.oif_nic >= 0) line += " dev " + p.nics[size_t(r.oif_nic)].spec->zone_ifname;
    return line;
  }
  const auto& n = *p.nics[st.item].spec;
  switch (st.kind) {
    case K::Bridge:
      return "host: bridge " + n.bridge + " (create if missing, mtu " + std::to_string(n.mtu) + ")" +
             (st.bridge_addr ? " with address " + st.bridge_addr->str() : std::string());
    case K::RemoveStale:
      return "host: remove stale link " + n.host_ifname + " if present";
    case K::Veth:
      return "host: veth " + n.host_ifname + " <-> zone " + n.zone_ifname + " mac " + format_mac(p.nics[st.item].mac) +
             " mtu " + std::to_string(n.mtu);
    case K::ZoneLink: {
      std::string line = "zone: " + n.zone_ifname + " eui64 link-local";
      for (const auto& c : p.nics[st.item].ips) line += ", address " + c.str();
      return line + ", up";
    }
    case K::Port:
      return "host: " + n.host_ifname + " master " + n.bridge + ", up";
    default:
      return "?";
  }
}

Result<void> attach(const ZoneSpec& spec, pid_t init_pid, const std::optional<std::vector<uint32_t>>& only) {
  auto ctx = "zone " + spec.name + ": network";
  auto do_attach = [&]() -> Result<void> {
    auto plan = ZK_TRY(plan_attach(spec, only));
    auto netns = ZK_TRY(open_netns(init_pid));
    auto host = ZK_TRY(RouteSocket::open());
    auto zone = ZK_TRY(RouteSocket::open_in_netns(netns.get()));
    Rollback undo;
    using K = Step::Kind;
    for (const auto& st : plan.steps) {
      switch (st.kind) {
        case K::Filter:
          // Every port of the zone exists now (the new ones down), so each
          // gets its chain in the one transaction.
          ZK_TRYV(apply_antispoof(spec));
          // At boot a failure takes the table away with the zone. When nics
          // are added to a running zone the new table still guards the old
          // ports and must stay; the chain of a port undone goes with it.
          if (!plan.live) undo.add([uuid = spec.uuid] { (void)remove_antispoof(uuid); });
          fault::point("boot.after_filter");
          break;
        case K::Loopback:
          if (auto lo = ZK_TRY(zone.find_link("lo"))) {
            netlink::LinkChange up;
            up.up = true;
            ZK_TRYV(zone.change_link(lo->index, "lo", up));
          }
          ZK_TRYV(allow_unprivileged_ping(netns.get()));
          break;
        case K::Bridge: {
          const auto& n = *plan.nics[st.item].spec;
          ZK_TRYV(ensure_bridge(n.bridge, n.mtu, st.bridge_addr));
          break;
        }
        case K::RemoveStale: {
          // A veth with this zone's host name can only be ours, left by a crash.
          ZK_TRYV(delete_zone_link(host, plan.nics[st.item].spec->host_ifname));
          break;
        }
        case K::Veth: {
          const auto& n = *plan.nics[st.item].spec;
          netlink::VethPeer peer;
          peer.name = n.zone_ifname;
          peer.mac = plan.nics[st.item].mac;
          peer.mtu = n.mtu;
          peer.netns_fd = netns.get();
          ZK_TRYV(host.create_veth(n.host_ifname, n.mtu, peer));
          undo.add([name = n.host_ifname] {
            if (auto nl = RouteSocket::open()) (void)nl->delete_link(name);
          });
          fault::point("boot.after_veth");
          break;
        }
        case K::ZoneLink:
          ZK_TRYV(configure_zone_side(zone, plan.nics[st.item]));
          break;
        case K::Port: {
          const auto& n = *plan.nics[st.item].spec;
          auto bridge = ZK_TRY(must_find(host, n.bridge));
          auto port = ZK_TRY(must_find(host, n.host_ifname));
          netlink::LinkChange attach;
          attach.master = bridge.index;
          attach.up = true;
          ZK_TRYV(host.change_link(port.index, n.host_ifname, attach));
          break;
        }
        case K::Route: {
          const auto& r = plan.routes[st.item];
          std::optional<WireAddr> dst;
          if (r.dst) dst = wire(r.dst->addr, r.dst->prefix);
          int oif = 0;
          if (r.oif_nic >= 0) {
            auto link = ZK_TRY(zone.find_link(plan.nics[size_t(r.oif_nic)].spec->zone_ifname));
            if (!link) {
              if (plan.live) break;   // primary nic absent: nothing to route via yet
              return sys_error("find link", plan.nics[size_t(r.oif_nic)].spec->zone_ifname, ENODEV);
            }
            oif = link->index;
          }
          auto added = zone.add_route(r.gateway.family, dst, wire(r.gateway), oif);
          if (!added && added.error().code != EEXIST)
            return context(std::move(added), "via " + r.gateway.str());
          break;
        }
      }
    }
    undo.release();
    return {};
  };
  return context(do_attach(), ctx);
}

}  // namespace

Result<void> attach_zone(const ZoneSpec& spec, pid_t init_pid) { return attach(spec, init_pid, std::nullopt); }

Result<void> attach_nics(const ZoneSpec& spec, pid_t init_pid, const std::vector<uint32_t>& nic_indexes) {
  return attach(spec, init_pid, nic_indexes);
}

Result<std::vector<std::string>> describe_attach(const ZoneSpec& spec,
                                                 const std::optional<std::vector<uint32_t>>& only) {
  auto plan = plan_attach(spec, only);
  if (!plan) return context(Result<std::vector<std::string>>(std::unexpected(plan.error())),
                            "zone " + spec.name + ": network");
  std::vector<std::string> out;
  for (const auto& st : plan->steps) out.push_back(describe(spec, *plan, st));
  return out;
}

Result<void> detach_nics(const ZoneSpec& spec, const std::vector<std::string>& host_ifnames) {
  auto ctx = "zone " + spec.name + ": remove nics";
  auto prefix = host_ifname(spec.uuid, 0);
  prefix.pop_back();   // "zk0123456789n"
  for (const auto& name : host_ifnames) {
    bool ours = valid_ifname_strict(name) && name.size() > prefix.size() && name.starts_with(prefix) &&
                name.find_first_not_of("0123456789", prefix.size()) == std::string::npos;
    if (!ours) return invalid(ctx + ": \"" + name + "\" is not a host link of this zone");
  }
  auto nl = RouteSocket::open();
  if (!nl) return context(Result<void>(std::unexpected(nl.error())), ctx);
  for (const auto& name : host_ifnames) ZK_TRYV(context(delete_zone_link(*nl, name), ctx));
  // Ports are gone first, so no port is ever without its rules.
  return context(apply_antispoof(spec), ctx);
}

Result<void> detach_zone(const ZoneSpec& spec) {
  auto ctx = "zone " + spec.name + ": network teardown";
  if (auto t = zone_table_name(spec.uuid); !t) return context(Result<void>(std::unexpected(t.error())), ctx);
  auto nl = RouteSocket::open();
  if (!nl) return context(Result<void>(std::unexpected(nl.error())), ctx);
  std::optional<Error> first;
  // The veths go first (the zone is cut off before its filter goes).
  for (const auto& nic : spec.nics) {
    // The name is derived again, never taken from the spec as it is.
    auto r = delete_zone_link(*nl, host_ifname(spec.uuid, nic.index));
    if (!r && !first) first = r.error();
  }
  // Closing the socket that deleted a table waits until the kernel freed
  // its rules (a grace period, ~10 ms): that close is left to a child.
  auto nft_sock = nft::Socket::open();
  auto t = nft_sock ? remove_antispoof(*nft_sock, spec.uuid) : Result<bool>(std::unexpected(nft_sock.error()));
  if (!t && !first) first = t.error();
  if (nft_sock && t && *t) {
    ReleaseInChild last_close(nft_sock->fd());
    nft::Socket ours = std::move(*nft_sock);  // closed first, at the end of this block
  }
  if (first) return context(Result<void>(std::unexpected(*first)), ctx);
  return {};
}

Result<std::vector<std::string>> list_zone_links() {
  auto nl = ZK_TRY(RouteSocket::open());
  auto links = ZK_TRY(nl.list_links());
  std::vector<std::string> out;
  for (const auto& l : links)
    if (l.name.starts_with("zk") && l.kind == "veth") out.push_back(l.name);
  return out;
}

Result<std::vector<std::string>> list_zone_tables() {
  auto nl = ZK_TRY(nft::Socket::open());
  std::vector<std::string> out;
  // netdev: the zone tables; bridge: those of zones from before.
  for (auto family : {nft::Family::Netdev, nft::Family::Bridge})
    for (auto& n : ZK_TRY(nl.table_names(family)))
      if (n.starts_with("zk_")) out.push_back(std::move(n));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result<void> delete_link(const std::string& name) {
  if (!valid_ifname_strict(name)) return invalid("\"" + name + "\" is not a valid interface name");
  auto nl = ZK_TRY(RouteSocket::open());
  return delete_zone_link(nl, name);
}

Result<void> delete_zone_table(const std::string& table) {
  if (!table.starts_with("zk_") || !valid_ifname_strict(table.substr(3)))
    return invalid("\"" + table + "\" is not a zone table name");
  auto nl = ZK_TRY(nft::Socket::open());
  nft::Batch batch;
  for (auto family : {nft::Family::Netdev, nft::Family::Bridge})
    if (ZK_TRY(nl.table_exists(family, table))) batch.delete_table(family, table);
  return nl.commit(batch);   // nothing to send when neither exists
}

}  // namespace zonekit::net
