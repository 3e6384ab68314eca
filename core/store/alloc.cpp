#include "core/store/alloc.hpp"

#include <sys/random.h>

#include <fmt/format.h>

#include "core/net/addr.hpp"
#include "core/net/ipam.hpp"
#include "core/plan/zone_spec.hpp"
#include "core/store/store.hpp"

namespace zonekit::store {

using nlohmann::json;

namespace {

std::string owner(const ZoneRecord& z, const std::string& what) {
  std::string name = z.doc.value("alias", std::string());
  if (name.empty()) name = z.uuid;
  return "zone " + name + (what.empty() ? "" : " (" + what + ")");
}

std::string address_only(const std::string& cidr) {
  auto slash = cidr.find('/');
  return slash == std::string::npos ? cidr : cidr.substr(0, slash);
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Result<void> invalid(const std::string& path, const std::string& msg) {
  return fail(path + ": " + msg, ErrorKind::Invalid);
}

}  // namespace

std::string random_uuid() {
  unsigned char b[16];
  size_t got = 0;
  while (got < sizeof b) {
    ssize_t n = getrandom(b + got, sizeof b - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  return fmt::format("{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-"
                     "{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
                     b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
                     b[13], b[14], b[15]);
}

Taken collect_taken(const std::vector<ZoneRecord>& zones, const std::string& except_uuid) {
  Taken t;
  for (const auto& z : zones) {
    if (z.uuid == except_uuid) continue;
    t.uuids[z.uuid] = owner(z, "");
    const json& d = z.doc;
    if (!d.is_object()) continue;
    if (d.contains("alias") && d["alias"].is_string()) t.aliases[d["alias"]] = owner(z, "");
    if (d.contains("uid_base") && d["uid_base"].is_number_unsigned())
      t.id_bases[d["uid_base"].get<uint32_t>()] = owner(z, "");
    if (!d.contains("nics") || !d["nics"].is_array()) continue;
    for (size_t i = 0; i < d["nics"].size(); ++i) {
      const json& n = d["nics"][i];
      if (!n.is_object()) continue;
      std::string where = fmt::format("nics[{}]", i);
      if (n.contains("mac") && n["mac"].is_string()) t.macs[lower(n["mac"])] = owner(z, where);
      if (n.contains("ips") && n["ips"].is_array())
        for (const auto& ip : n["ips"])
          if (ip.is_string()) t.ips[address_only(ip)] = owner(z, where);
      t.host_ifnames[host_ifname(z.uuid, static_cast<uint32_t>(i))] = owner(z, where);
    }
  }
  return t;
}

Result<void> assign_nic(json& nic, size_t index, const std::string& uuid,
                        const std::map<std::string, NicTag>& tags, Taken& taken,
                        const std::string& path_prefix) {
  const std::string path = fmt::format("{}[{}]", path_prefix, index);
  std::string tag_name = nic.value("nic_tag", std::string());
  auto tag_it = tags.find(tag_name);
  if (tag_it == tags.end()) {
    std::string known;
    for (const auto& [n, _] : tags) known += (known.empty() ? "" : ", ") + n;
    return invalid(path + ".nic_tag",
                   fmt::format("\"{}\" is not a nic tag on this host (known: {})", tag_name,
                               known.empty() ? "none; add one with nicadm add" : known));
  }
  const NicTag& tag = tag_it->second;
  auto pool = net::make_pool(tag.subnet, tag.gateway, tag.range);
  if (!pool) return fail(pool.error());

  // MAC: given (must be free) or derived from uuid+index, stepping on collision.
  if (nic.contains("mac")) {
    std::string mac = lower(nic["mac"].get<std::string>());
    if (auto it = taken.macs.find(mac); it != taken.macs.end())
      return invalid(path + ".mac", fmt::format("\"{}\" is already used by {}", mac, it->second));
    nic["mac"] = mac;
  } else {
    for (uint32_t attempt = 0;; ++attempt) {
      std::string mac = net::stable_mac(uuid, static_cast<uint32_t>(index), attempt);
      if (!taken.macs.contains(mac)) {
        nic["mac"] = mac;
        break;
      }
    }
  }
  taken.macs[nic["mac"]] = fmt::format("this zone ({})", path);

  // IPs: given ones must sit in the tag's subnet and be free; none given
  // means one address from the pool.
  if (nic.contains("ips") && nic["ips"].is_array() && !nic["ips"].empty()) {
    for (size_t k = 0; k < nic["ips"].size(); ++k) {
      std::string ip_path = fmt::format("{}.ips[{}]", path, k);
      std::string cidr = nic["ips"][k];
      auto parsed = net::parse_cidr(cidr);
      if (!parsed) return invalid(ip_path, fmt::format("\"{}\" is not a CIDR", cidr));
      std::string addr = parsed->addr.str();
      if (parsed->addr.family == pool->subnet.addr.family) {
        if (!pool->subnet.contains(parsed->addr))
          return invalid(ip_path, fmt::format("{} is outside nic tag {}'s subnet {}", addr, tag.name,
                                              tag.subnet));
        if (pool->gateway && *pool->gateway == parsed->addr)
          return invalid(ip_path, fmt::format("{} is the gateway of nic tag {}", addr, tag.name));
        if (parsed->addr == pool->subnet.network())
          return invalid(ip_path, fmt::format("{} is the network address of {}", addr, tag.subnet));
      }
      if (auto it = taken.ips.find(addr); it != taken.ips.end())
        return invalid(ip_path, fmt::format("{} is already used by {}", addr, it->second));
      taken.ips[addr] = fmt::format("this zone ({})", path);
    }
  } else {
    std::set<std::string> used;
    for (const auto& [ip, _] : taken.ips) used.insert(ip);
    auto ip = net::next_free(*pool, used);
    if (!ip)
      return fail(fmt::format("{}: nic tag {} has no free address left in {}", path, tag.name,
                              tag.range.empty() ? tag.subnet : tag.range),
                  ErrorKind::Failure);
    nic["ips"] = json::array({fmt::format("{}/{}", ip->str(), pool->subnet.prefix)});
    taken.ips[ip->str()] = fmt::format("this zone ({})", path);
    if (!nic.contains("gateways") && pool->gateway) nic["gateways"] = json::array({pool->gateway->str()});
  }
  if (!nic.contains("gateways")) nic["gateways"] = json::array();
  if (!nic.contains("mtu")) nic["mtu"] = tag.mtu;
  if (!nic.contains("vlan_id")) nic["vlan_id"] = tag.vlan_id;
  // core/net cannot put a zone port on a VLAN yet; refuse now, not at boot.
  if (nic["vlan_id"].get<int64_t>() != 0)
    return invalid(path + ".vlan_id", fmt::format("{}: VLANs are not supported yet", nic["vlan_id"].dump()));
  return {};
}

Result<void> assign_identity(json& doc, const std::string& new_uuid,
                             const std::map<std::string, NicTag>& tags, const Config& config,
                             Taken& taken) {
  if (!doc.contains("uuid")) doc["uuid"] = new_uuid;
  std::string uuid = doc["uuid"];
  if (auto it = taken.uuids.find(uuid); it != taken.uuids.end())
    return invalid("uuid", fmt::format("\"{}\" is already used by {}", uuid, it->second));
  // Host interface and filter table names carry the first 10 hex digits of
  // the uuid: two zones must never share them.
  std::string prefix = host_ifname(uuid, 0);
  for (const auto& [other, who] : taken.uuids)
    if (host_ifname(other, 0) == prefix)
      return invalid("uuid", fmt::format("\"{}\" shares its first 10 hex digits with {}", uuid, who));
  if (doc.contains("alias")) {
    std::string alias = doc["alias"];
    if (auto it = taken.aliases.find(alias); it != taken.aliases.end())
      return invalid("alias", fmt::format("\"{}\" is already used by {}", alias, it->second));
  }
  if (doc.contains("nics"))
    for (size_t i = 0; i < doc["nics"].size(); ++i)
      ZK_TRYV(assign_nic(doc["nics"][i], i, uuid, tags, taken));

  bool found = false;
  for (uint32_t k = 0; k < config.id_ranges; ++k) {
    uint64_t base = uint64_t(config.id_first) + uint64_t(k) * config.id_count;
    if (base + config.id_count > 0xFFFFFFFFull) break;
    if (!taken.id_bases.contains(static_cast<uint32_t>(base))) {
      doc["uid_base"] = static_cast<uint32_t>(base);
      found = true;
      break;
    }
  }
  if (!found) return fail("no free uid/gid range left for a new zone (raise ids.ranges)");
  return {};
}

}  // namespace zonekit::store
