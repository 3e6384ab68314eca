#include "core/net/ipam.hpp"

namespace zonekit::net {

namespace {

std::unexpected<Error> invalid(std::string detail) {
  return fail(std::move(detail), ErrorKind::Invalid);
}

}  // namespace

Result<Pool> make_pool(const Cidr& subnet, const std::optional<IpAddr>& gateway,
                       std::optional<std::string_view> range) {
  if (subnet.network() != subnet.addr)
    return invalid("subnet: " + subnet.str() + " has host bits set (did you mean " +
                   Cidr{subnet.network(), subnet.prefix}.str() + "?)");
  Pool p;
  p.subnet = subnet;
  IpAddr net = subnet.network(), bcast = subnet.last();
  bool tiny = subnet.prefix >= subnet.addr.max_prefix() - 1;
  if (tiny) {
    p.first = net;
    p.last = bcast;
  } else {
    p.first = offset(net, 1);
    p.last = subnet.addr.is_v4() ? offset(bcast, -1) : bcast;
  }
  if (gateway) {
    if (!subnet.contains(*gateway))
      return invalid("gateway: " + gateway->str() + " is outside subnet " + subnet.str());
    if (!tiny && (*gateway == net || (subnet.addr.is_v4() && *gateway == bcast)))
      return invalid("gateway: " + gateway->str() + " is the " +
                     (*gateway == net ? "network" : "broadcast") + " address of " + subnet.str());
    p.gateway = gateway;
  }
  if (range && !range->empty()) {
    auto dash = range->find('-');
    if (dash == std::string_view::npos)
      return invalid("range: \"" + std::string(*range) + "\" is not FIRST-LAST");
    auto first = parse_ip(range->substr(0, dash));
    auto last = parse_ip(range->substr(dash + 1));
    if (!first || !last)
      return invalid("range: \"" + std::string(*range) + "\" is not FIRST-LAST");
    for (const auto* a : {&*first, &*last})
      if (!subnet.contains(*a))
        return invalid("range: " + a->str() + " is outside subnet " + subnet.str());
    if (*last < *first)
      return invalid("range: " + first->str() + " is after " + last->str());
    p.first = *first;
    p.last = *last;
  }
  if (p.first > p.last || (p.first == p.last && p.gateway == p.first))
    return invalid("subnet " + subnet.str() + " leaves no address to allocate");
  return p;
}

Result<Pool> make_pool(std::string_view subnet, std::string_view gateway, std::string_view range) {
  auto c = parse_cidr(subnet);
  if (!c) return invalid("subnet: \"" + std::string(subnet) + "\" is not a CIDR (e.g. 10.0.0.0/24)");
  std::optional<IpAddr> gw;
  if (!gateway.empty()) {
    gw = parse_ip(gateway);
    if (!gw) return invalid("gateway: \"" + std::string(gateway) + "\" is not an IP address");
  }
  return make_pool(*c, gw, range.empty() ? std::nullopt : std::optional(range));
}

bool pool_allows(const Pool& pool, const IpAddr& ip) {
  if (ip.family != pool.first.family) return false;
  if (ip < pool.first || pool.last < ip) return false;
  return !(pool.gateway && *pool.gateway == ip);
}

std::optional<IpAddr> next_free(const Pool& pool, const std::set<IpAddr>& taken) {
  // Walk up from first; each step skips one taken address or the gateway,
  // so this ends after at most taken.size() + 2 steps even for huge v6 pools.
  IpAddr ip = pool.first;
  auto it = taken.lower_bound(ip);
  while (true) {
    while (it != taken.end() && *it < ip) ++it;
    bool busy = (it != taken.end() && *it == ip) || (pool.gateway && *pool.gateway == ip);
    if (!busy) return ip;
    if (ip == pool.last) return std::nullopt;
    ip = offset(ip, 1);
  }
}

std::optional<IpAddr> next_free(const Pool& pool, const std::set<std::string>& taken) {
  std::set<IpAddr> ips;
  for (const auto& s : taken)
    if (auto c = parse_ip_or_cidr(s)) ips.insert(c->addr);
  return next_free(pool, ips);
}

std::string with_prefix(const Pool& pool, const IpAddr& ip) {
  return Cidr{ip, pool.subnet.prefix}.str();
}

std::string stable_mac(const std::string& zone_uuid, uint32_t nic_index, uint32_t attempt) {
  std::string key = zone_uuid + "/" + std::to_string(nic_index) + "/" + std::to_string(attempt);
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : key) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  h += 0x9e3779b97f4a7c15ull;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
  h ^= h >> 31;
  Mac m;
  for (int i = 0; i < 6; ++i) m[i] = uint8_t(h >> (56 - 8 * i));
  m[0] = uint8_t((m[0] & 0xfc) | 0x02);
  return format_mac(m);
}

}  // namespace zonekit::net
