#include "core/ops/nictags.hpp"

#include <fmt/format.h>

#include "core/net/addr.hpp"
#include "core/net/ipam.hpp"
#include "core/net/zone_net.hpp"

namespace zonekit::ops {

using nlohmann::json;

json tag_json(const store::NicTag& t) {
  return {{"name", t.name},   {"bridge", t.bridge}, {"subnet", t.subnet},   {"gateway", t.gateway},
          {"range", t.range}, {"mtu", t.mtu},       {"vlan_id", t.vlan_id}, {"nat", t.nat},
          {"origin", t.origin}};
}

Result<std::vector<json>> tag_allocations(const store::Store& st, const std::string& name) {
  auto zones = ZK_TRY(st.list());
  std::vector<json> rows;
  for (const auto& z : zones) {
    if (!z.doc.is_object() || !z.doc.contains("nics") || !z.doc["nics"].is_array()) continue;
    for (const auto& n : z.doc["nics"]) {
      if (n.value("nic_tag", std::string()) != name) continue;
      std::string ip;
      if (n.contains("ips") && n["ips"].is_array() && !n["ips"].empty()) ip = n["ips"][0];
      rows.push_back({{"zone", z.name()},
                      {"uuid", z.uuid},
                      {"nic", n.value("interface", std::string())},
                      {"ip", ip},
                      {"mac", n.value("mac", std::string())}});
    }
  }
  return rows;
}

namespace {

Result<void> bring_up(const store::NicTag& t) {
  std::optional<net::Cidr> gw;
  if (!t.gateway.empty()) {
    auto pool = ZK_TRY(net::make_pool(t.subnet, t.gateway, t.range));
    net::Cidr c;
    c.addr = *pool.gateway;
    c.prefix = pool.subnet.prefix;
    gw = c;
  }
  ZK_TRYVC(net::ensure_bridge(t.bridge, t.mtu, gw), "nic tag " + t.name);
  if (t.nat) {
    auto subnet = net::parse_cidr(t.subnet);
    if (subnet) ZK_TRYVC(net::set_nat(t.name, *subnet, true), "nic tag " + t.name);
  }
  return {};
}

}  // namespace

Result<void> add_tag(store::Store& st, const store::NicTag& tag) {
  auto lock = ZK_TRY(st.lock_alloc());
  auto tags = ZK_TRY(st.tags());
  if (tags.contains(tag.name))
    return fail(fmt::format("nic tag {} already exists ({})", tag.name, tags[tag.name].origin),
                ErrorKind::Failure);
  ZK_TRYV(store::validate_tag(tag));
  ZK_TRYV(bring_up(tag));
  return st.put_tag(tag);
}

Result<void> update_tag(store::Store& st, const std::string& name, const TagChange& c) {
  auto lock = ZK_TRY(st.lock_alloc());
  auto tags = ZK_TRY(st.tags());
  auto it = tags.find(name);
  if (it == tags.end()) return fail("nic tag " + name + ": No such nic tag", ErrorKind::NotFound);
  if (it->second.origin == "config")
    return fail("nic tag " + name + " is defined in the config file; change it there", ErrorKind::Failure);
  store::NicTag t = it->second;
  if (c.bridge) t.bridge = *c.bridge;
  if (c.subnet) t.subnet = *c.subnet;
  if (c.gateway) t.gateway = *c.gateway;
  if (c.range) t.range = *c.range;
  if (c.mtu) t.mtu = *c.mtu;
  if (c.vlan_id) t.vlan_id = *c.vlan_id;
  if (c.nat) t.nat = *c.nat;
  ZK_TRYV(store::validate_tag(t));
  // Addresses already handed out must stay inside the (new) subnet.
  auto pool = ZK_TRY(net::make_pool(t.subnet, t.gateway, t.range));
  for (const auto& row : ZK_TRY(tag_allocations(st, name))) {
    auto ip = net::parse_cidr(row["ip"].get<std::string>());
    if (ip && ip->addr.family == pool.subnet.addr.family && !pool.subnet.contains(ip->addr))
      return fail(fmt::format("nic tag {}: zone {} ({}) has {} outside the new subnet {}", name,
                              row["zone"].get<std::string>(), row["nic"].get<std::string>(),
                              ip->addr.str(), t.subnet));
  }
  ZK_TRYV(bring_up(t));
  return st.put_tag(t);
}

Result<void> delete_tag(store::Store& st, const std::string& name) {
  auto lock = ZK_TRY(st.lock_alloc());
  auto tags = ZK_TRY(st.tags());
  auto it = tags.find(name);
  if (it == tags.end()) return fail("nic tag " + name + ": No such nic tag", ErrorKind::NotFound);
  if (it->second.origin == "config")
    return fail("nic tag " + name + " is defined in the config file; remove it there");
  auto rows = ZK_TRY(tag_allocations(st, name));
  if (!rows.empty()) {
    std::string users;
    for (const auto& r : rows) {
      std::string z = r["zone"];
      if (users.find(z) == std::string::npos) users += (users.empty() ? "" : ", ") + z;
    }
    return fail(fmt::format("nic tag {} is in use by {}", name, users), ErrorKind::Busy);
  }
  if (it->second.nat)
    if (auto subnet = net::parse_cidr(it->second.subnet)) (void)net::set_nat(name, *subnet, false);
  return st.delete_tag(name);
}

}  // namespace zonekit::ops
