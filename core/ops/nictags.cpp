#include "core/ops/nictags.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/net/addr.hpp"
#include "core/net/ipam.hpp"
#include "core/net/zone_net.hpp"

namespace zonekit::ops {

using nlohmann::json;

namespace {

json or_null(const std::string& s) { return s.empty() ? json() : json(s); }

}  // namespace

json tag_json(const store::NicTag& t) {
  return {{"name", t.name},
          {"bridge", t.bridge},
          {"subnet", t.subnet},
          {"gateway", or_null(t.gateway)},
          {"range", or_null(t.range)},
          {"mtu", t.mtu},
          {"vlan_id", t.vlan_id},
          {"nat", t.nat},
          {"host_access", t.host_access},
          {"forward", t.forward},
          {"origin", t.origin}};
}

Result<std::vector<json>> tag_allocations(const store::Store& st, const std::string& name) {
  auto zones = ZK_TRY(st.list());
  std::vector<json> rows;
  for (const auto& z : zones) {
    if (!z.doc.is_object() || !z.doc.contains("nics") || !z.doc["nics"].is_array()) continue;
    for (const auto& n : z.doc["nics"]) {
      if (n.value("nic_tag", std::string()) != name) continue;
      json ip;
      if (n.contains("ips") && n["ips"].is_array() && !n["ips"].empty() && n["ips"][0].is_string()) {
        std::string s = n["ips"][0];
        ip = s.substr(0, s.find('/'));
      }
      rows.push_back({{"zone", z.name()},
                      {"uuid", z.uuid},
                      {"nic", n.value("interface", std::string())},
                      {"ip", ip},
                      {"mac", n.value("mac", std::string())}});
    }
  }
  return rows;
}

std::string forward_record(const store::Store& st) { return st.paths().run + "/ip_forward.before"; }

net::HostPolicy host_policy(const std::map<std::string, store::NicTag>& tags) {
  net::HostPolicy p;
  auto bridge_of = [&](const std::string& bridge) -> net::BridgePolicy& {
    for (auto& b : p.bridges)
      if (b.bridge == bridge) return b;
    p.bridges.push_back({});
    p.bridges.back().bridge = bridge;
    return p.bridges.back();
  };
  for (const auto& [name, t] : tags) {
    // A bridge name the kernel side refuses never gets a zone attached;
    // marked traffic from it would meet the final drop anyway.
    if (!net::valid_ifname(t.bridge)) continue;
    auto& b = bridge_of(t.bridge);
    for (const auto& item : t.host_access) {
      if (item == "all") b.host_all = true;
      else if (auto s = net::parse_host_service(item))
        b.host_services.insert(b.host_services.end(), s->begin(), s->end());
    }
    if (t.nat) {
      b.forward_world = true;
      if (auto c = net::parse_cidr(t.subnet); c && c->addr.is_v4()) b.masquerade.push_back({c->network(), c->prefix});
    }
    for (const auto& f : t.forward) {
      if (f == "world") b.forward_world = true;
      else if (auto it = tags.find(f); it != tags.end() && net::valid_ifname(it->second.bridge))
        b.forward_bridges.push_back(it->second.bridge);
    }
  }
  return p;
}

Result<void> ensure_tag_network(const store::Store& st) {
  auto tags = ZK_TRY(st.tags(true));
  return net::ensure_host_policy(host_policy(tags), forward_record(st));
}

namespace {

std::optional<net::Cidr> gateway_cidr(const store::NicTag& t) {
  if (t.gateway.empty()) return std::nullopt;
  auto pool = net::make_pool(t.subnet, t.gateway, t.range);
  if (!pool || !pool->gateway) return std::nullopt;
  return net::Cidr{*pool->gateway, pool->subnet.prefix};
}

Result<void> bring_up(const store::NicTag& t) {
  ZK_TRYVC(net::ensure_bridge(t.bridge, t.mtu, gateway_cidr(t)), "nic tag " + t.name);
  return {};
}

// changed: the tag added, updated or deleted; the NAT table that versions
// before the host policy made for it goes (its --no-nat or delete would
// leave it otherwise).
Result<void> apply_policy(const store::Store& st, const std::map<std::string, store::NicTag>& tags,
                          const std::string& changed) {
  return net::apply_host_policy(host_policy(tags), forward_record(st), {"zknat_" + changed});
}

Result<void> check_forward_targets(const std::map<std::string, store::NicTag>& tags, const store::NicTag& t) {
  for (const auto& f : t.forward)
    if (f != "world" && !tags.contains(f))
      return fail(fmt::format("nic tag {}: forward: no nic tag \"{}\"", t.name, f), ErrorKind::Invalid);
  return {};
}

// Take off what zonekit put up for a tag's old settings (bridge, gateway):
// kept where one of `tags` (the tag itself as it is now included) still
// uses the bridge or the same gateway on it.
Result<Notes> release(const store::NicTag& gone, const std::map<std::string, store::NicTag>& tags) {
  bool bridge_used = false, gateway_used = false;
  for (const auto& [name, o] : tags) {
    if (o.bridge != gone.bridge) continue;
    bridge_used = true;
    gateway_used = gateway_used || o.gateway == gone.gateway;
  }
  std::optional<net::IpAddr> gw;
  if (auto c = gateway_cidr(gone); c && !gateway_used) gw = c->addr;
  auto r = ZK_TRYC(net::release_bridge(gone.bridge, gw, bridge_used), "nic tag " + gone.name);
  Notes notes;
  if (!r.ports.empty()) {
    std::string ports;
    for (const auto& p : r.ports) ports += (ports.empty() ? "" : ", ") + p;
    notes.push_back(fmt::format("nic tag {}: bridge {} kept: {} still attached to it", gone.name, gone.bridge, ports));
  }
  return notes;
}

bool is_string_array(const json& j) {
  return j.is_array() && std::all_of(j.begin(), j.end(), [](const json& x) { return x.is_string(); });
}

// Zones whose nics on the tag took their gateway from it (old_gw, or none
// while the tag had none) get new_gw in their stored manifest, one zone
// lock at a time (the alloc lock is not held: zoneadm update takes the zone
// lock first). Returns "z1 (net0)" per nic changed, and zones it could not
// change.
Notes follow_gateway(store::Store& st, const std::string& tag, const std::string& old_gw, const std::string& new_gw) {
  Notes changed, failed;
  json from = old_gw.empty() ? json::array() : json::array({old_gw});
  json to = new_gw.empty() ? json::array() : json::array({new_gw});
  auto zones = st.list();
  if (!zones) return {fmt::format("nic tag {}: zones not updated: {}", tag, zones.error().message())};
  for (const auto& z : *zones) {
    if (!z.doc.is_object() || !z.doc.contains("nics") || z.incomplete) continue;
    auto lock = st.lock_zone(z.uuid, 120 * 1000);
    if (!lock) {
      failed.push_back(z.name() + " keeps its gateway: " + lock.error().message());
      continue;
    }
    auto rec = st.load(z.uuid);
    if (!rec || !rec->doc.contains("nics") || !rec->doc["nics"].is_array()) continue;
    json doc = rec->doc;
    std::vector<std::string> nics;
    for (auto& n : doc["nics"]) {
      if (n.value("nic_tag", std::string()) != tag) continue;
      json have = n.contains("gateways") ? n["gateways"] : json::array();
      if (!is_string_array(have) || have != from) continue;
      n["gateways"] = to;
      nics.push_back(n.value("interface", std::string("?")));
    }
    if (nics.empty()) continue;
    doc["last_modified"] = store::now_iso8601();
    if (auto w = st.write(z.uuid, doc); !w) {
      failed.push_back(z.name() + " keeps its gateway: " + w.error().message());
      continue;
    }
    for (const auto& n : nics) changed.push_back(z.name() + " (" + n + ")");
  }
  Notes notes;
  std::sort(changed.begin(), changed.end());
  if (!changed.empty()) {
    std::string list;
    for (const auto& c : changed) list += (list.empty() ? "" : ", ") + c;
    if (new_gw.empty())
      notes.push_back(fmt::format("nic tag {}: {} lose gateway {} and their default route at their next boot",
                                  tag, list, old_gw));
    else if (old_gw.empty())
      notes.push_back(fmt::format("nic tag {}: {} had no gateway and no default route; they get gateway {} "
                                  "at their next boot", tag, list, new_gw));
    else
      notes.push_back(fmt::format("nic tag {}: {} get gateway {} instead of {} at their next boot", tag, list,
                                  new_gw, old_gw));
  }
  for (const auto& f : failed) notes.push_back(fmt::format("nic tag {}: zone {}", tag, f));
  return notes;
}

}  // namespace

Result<void> add_tag(store::Store& st, const store::NicTag& tag) {
  auto lock = ZK_TRY(st.lock_alloc());
  auto tags = ZK_TRY(st.tags());
  if (tags.contains(tag.name))
    return fail(fmt::format("nic tag {} already exists ({})", tag.name, tags[tag.name].origin),
                ErrorKind::Failure);
  ZK_TRYV(store::validate_tag(tag));
  ZK_TRYV(check_forward_targets(tags, tag));
  ZK_TRYV(bring_up(tag));
  ZK_TRYV(st.put_tag(tag));
  tags[tag.name] = tag;
  return context(apply_policy(st, tags, tag.name), "nic tag " + tag.name);
}

Result<Notes> update_tag(store::Store& st, const std::string& name, const TagChange& c) {
  Notes notes;
  std::string old_gw, new_gw;
  {
    auto lock = ZK_TRY(st.lock_alloc());
    auto tags = ZK_TRY(st.tags());
    auto it = tags.find(name);
    if (it == tags.end()) return fail("nic tag " + name + ": No such nic tag", ErrorKind::NotFound);
    if (it->second.origin == "config")
      return fail("nic tag " + name + " is defined in the config file; change it there", ErrorKind::Failure);
    const store::NicTag old = it->second;
    store::NicTag t = old;
    if (c.bridge) t.bridge = *c.bridge;
    if (c.subnet) t.subnet = *c.subnet;
    if (c.gateway) t.gateway = *c.gateway;
    if (c.range) t.range = *c.range;
    if (c.mtu) t.mtu = *c.mtu;
    if (c.vlan_id) t.vlan_id = *c.vlan_id;
    if (c.nat) t.nat = *c.nat;
    if (c.host_access) t.host_access = *c.host_access;
    if (c.forward) t.forward = *c.forward;
    ZK_TRYV(store::validate_tag(t));
    ZK_TRYV(check_forward_targets(tags, t));
    // Addresses already handed out must stay inside the (new) subnet, and
    // the gateway must not be one of them (the bridge would share it).
    auto pool = ZK_TRY(net::make_pool(t.subnet, t.gateway, t.range));
    const bool gateway_changed = t.gateway != old.gateway;
    auto zones = ZK_TRY(st.list());
    for (const auto& z : zones) {
      if (!z.doc.is_object() || !z.doc.contains("nics") || !z.doc["nics"].is_array()) continue;
      for (const auto& n : z.doc["nics"]) {
        if (n.value("nic_tag", std::string()) != name || !n.contains("ips") || !n["ips"].is_array()) continue;
        std::string nic = n.value("interface", std::string("?"));
        for (const auto& s : n["ips"]) {
          auto ip = s.is_string() ? net::parse_cidr(s.get<std::string>()) : std::nullopt;
          if (!ip) continue;
          if (gateway_changed && pool.gateway && ip->addr == *pool.gateway)
            return fail(fmt::format("nic tag {}: gateway {} is the address of zone {} ({})", name, t.gateway,
                                    z.name(), nic),
                        ErrorKind::Busy);
          if (ip->addr.family == pool.subnet.addr.family && !pool.subnet.contains(ip->addr))
            return fail(fmt::format("nic tag {}: zone {} ({}) has {} outside the new subnet {}", name, z.name(),
                                    nic, ip->addr.str(), t.subnet));
        }
      }
    }
    tags[name] = t;
    // What the old settings put up and the new ones no longer use goes
    // first: deleting a bridge's primary address takes the secondaries of
    // its subnet with it (promote_secondaries is off by default).
    if (old.bridge != t.bridge || old.gateway != t.gateway)
      for (auto& n : ZK_TRY(release(old, tags))) notes.push_back(std::move(n));
    if (auto up = bring_up(t); !up) {
      (void)bring_up(old);
      return fail(std::move(up.error()));
    }
    ZK_TRYV(st.put_tag(t));
    ZK_TRYV(context(apply_policy(st, tags, name), "nic tag " + name));
    if (auto g = gateway_cidr(old)) old_gw = g->addr.str();
    if (pool.gateway) new_gw = pool.gateway->str();
  }
  if (old_gw != new_gw)
    for (auto& n : follow_gateway(st, name, old_gw, new_gw)) notes.push_back(std::move(n));
  return notes;
}

Result<Notes> delete_tag(store::Store& st, const std::string& name) {
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
  const store::NicTag gone = it->second;
  tags.erase(name);
  auto notes = ZK_TRY(release(gone, tags));
  ZK_TRYV(st.delete_tag(name));
  ZK_TRYV(context(apply_policy(st, tags, name), "nic tag " + name));
  return notes;
}

}  // namespace zonekit::ops
