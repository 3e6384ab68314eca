#include "core/manifest/validate.hpp"

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "core/manifest/detail.hpp"
#include "core/manifest/syntax.hpp"

namespace zonekit::manifest {

using json = nlohmann::json;

namespace detail {

// The old single-address form must be complete and not mixed with the new.
void check_nic_form(Checker& c, const json& n, const std::string& at) {
  if (given(n, "ip") && given(n, "ips")) c.add(at + ".ip", "cannot be combined with ips");
  if (given(n, "ip") && !given(n, "netmask")) c.add(at + ".netmask", "is required with ip");
  if (given(n, "netmask") && !given(n, "ip")) c.add(at + ".netmask", "is only used with ip");
  if (given(n, "gateway") && given(n, "gateways")) c.add(at + ".gateway", "cannot be combined with gateways");
}

namespace {

void check_limits(Checker& c, const json& doc) {
  for (const auto& p : schema()) {
    if (p.type != Type::Int || !given(doc, p.path) || !as_int(doc[p.path])) continue;
    int64_t v = *as_int(doc[p.path]);
    if (v < p.min || v > p.max) continue;  // already reported
    if (!p.at_most.empty()) {
      auto other = effective_int(doc, p.at_most);
      if (other && v > *other)
        c.add(p.path, std::to_string(v) + " is above " + p.at_most + " (" + std::to_string(*other) + ")");
    }
    if (!p.at_least.empty()) {
      auto other = effective_int(doc, p.at_least);
      if (other && v < *other)
        c.add(p.path, std::to_string(v) + " is below " + p.at_least + " (" + std::to_string(*other) + ")");
    }
  }
}

void check_brand(Checker& c, const json& doc) {
  if (!given(doc, "brand") || !doc["brand"].is_string()) return;
  std::string brand = doc["brand"].get<std::string>();
  std::string canon = canonical_value(prop("brand"), brand);
  if (canon == kBrandImage && !given(doc, "image_uuid"))
    c.add("image_uuid", "is required for brand " + quote(json(brand)));
  if (canon == kBrandSparse && given(doc, "image_uuid"))
    c.add("image_uuid", "is not used by brand \"sparse\" (use brand \"image\", or remove image_uuid)");
}

void check_nics(Checker& c, const json& doc) {
  if (!given(doc, "nics") || !doc["nics"].is_array()) return;
  const json& nics = doc["nics"];
  std::map<std::string, size_t> macs, ifaces, addrs;
  std::optional<size_t> primary;
  auto dup = [&](std::map<std::string, size_t>& seen, const std::string& key, const std::string& at,
                 const json& shown, size_t i) {
    auto [it, fresh] = seen.emplace(key, i);
    if (!fresh) c.add(at, quote(shown) + " is also used by " + index_path("nics", it->second));
  };
  for (size_t i = 0; i < nics.size(); ++i) {
    const json& n = nics[i];
    if (!n.is_object()) continue;
    std::string at = index_path("nics", i);
    if (given(n, "mac") && n["mac"].is_string() && is_mac(n["mac"].get<std::string>()))
      dup(macs, lower(n["mac"].get<std::string>()), at + ".mac", n["mac"], i);
    if (given(n, "interface") && n["interface"].is_string())
      dup(ifaces, n["interface"].get<std::string>(), at + ".interface", n["interface"], i);
    if (given(n, "ips") && n["ips"].is_array())
      for (size_t k = 0; k < n["ips"].size(); ++k) {
        const json& ip = n["ips"][k];
        if (!ip.is_string() || !is_cidr(ip.get<std::string>())) continue;
        auto [it, fresh] = addrs.emplace(std::string(address_part(ip.get<std::string>())), i);
        if (!fresh && it->second != i)
          c.add(index_path(at + ".ips", k), quote(ip) + " is also used by " + index_path("nics", it->second));
      }
    if (given(n, "ip") && n["ip"].is_string() && is_ipv4(n["ip"].get<std::string>())) {
      auto [it, fresh] = addrs.emplace(n["ip"].get<std::string>(), i);
      if (!fresh && it->second != i) c.add(at + ".ip", quote(n["ip"]) + " is also used by " + index_path("nics", it->second));
    }
    if (given(n, "primary") && n["primary"] == true) {
      if (primary) c.add(at + ".primary", "only one nic may be primary (" + index_path("nics", *primary) + " is too)");
      else primary = i;
    }
    check_nic_form(c, n, at);
  }
}

bool under(const std::string& path, const std::string& dir) {
  return path == dir || path.starts_with(dir + "/");
}

void check_filesystems(Checker& c, const json& doc) {
  if (!given(doc, "filesystems") || !doc["filesystems"].is_array()) return;
  const json& fss = doc["filesystems"];
  std::map<std::string, size_t> targets;
  for (size_t i = 0; i < fss.size(); ++i) {
    const json& f = fss[i];
    if (!f.is_object()) continue;
    std::string at = index_path("filesystems", i);
    if (given(f, "target") && f["target"].is_string()) {
      std::string t = f["target"].get<std::string>();
      if (!t.empty() && t.front() == '/' && !has_dotdot(t)) {
        std::string clean = clean_path(t);
        if (clean == "/") {
          c.add(at + ".target", quote(f["target"]) + " cannot be a mount target");
        } else {
          for (std::string dir : {"/proc", "/sys", "/dev"})
            if (under(clean, dir))
              c.add(at + ".target", quote(f["target"]) + " is under " + dir + ", which zonekit manages");
        }
        auto [it, fresh] = targets.emplace(clean, i);
        if (!fresh)
          c.add(at + ".target", quote(f["target"]) + " is also used by " + index_path("filesystems", it->second));
      }
    }
    if (given(f, "options") && f["options"].is_array()) {
      bool ro = false, rw = false;
      for (const auto& o : f["options"]) {
        ro = ro || o == "ro";
        rw = rw || o == "rw";
      }
      if (ro && rw) c.add(at + ".options", "\"ro\" and \"rw\" cannot both be given");
    }
  }
}

void check_routes(Checker& c, const json& doc) {
  if (!given(doc, "routes") || !doc["routes"].is_object()) return;
  size_t nnics = given(doc, "nics") && doc["nics"].is_array() ? doc["nics"].size() : 0;
  static const std::regex nic_ref(R"(nics\[(0|[1-9][0-9]?)\])");
  for (auto it = doc["routes"].begin(); it != doc["routes"].end(); ++it) {
    std::smatch m;
    if (!it.value().is_string() || it.value().get_ref<const std::string&>().size() > 16) continue;
    std::string gw = it.value().get<std::string>();
    if (std::regex_match(gw, m, nic_ref) && std::stoul(m[1].str()) >= nnics)
      c.add(key_path("routes", it.key()), quote(it.value()) + " names a nic that does not exist");
  }
}


}  // namespace

void materialise(json& obj, const std::string& parent) {
  for (const Property* p : children(parent)) {
    std::string key = last_segment(p->path);
    if (obj.contains(key) && obj[key].is_null()) obj.erase(key);
    if (!obj.contains(key)) {
      if (!p->default_value.is_null()) {
        obj[key] = p->default_value;
      } else if (!p->default_ref.empty()) {
        auto r = effective_int(obj, p->default_ref);
        if (r) obj[key] = std::max(*r, p->min);
      }
      continue;
    }
    json& v = obj[key];
    if (p->type == Type::Enum && v.is_string()) v = canonical_value(*p, v.get<std::string>());
    if (p->type == Type::List && p->item == Type::Enum && v.is_array())
      for (auto& x : v)
        if (x.is_string()) x = canonical_value(*p, x.get<std::string>());
    if ((p->type == Type::Uuid || p->type == Type::Mac) && v.is_string()) v = lower(v.get<std::string>());
  }
}

// Old single-address nic form -> ips/gateways.
void normalise_nic_old_form(json& nic) {
  if (given(nic, "ip") && given(nic, "netmask")) {
    auto prefix = netmask_prefix(nic["netmask"].get<std::string>());
    nic["ips"] = json::array({nic["ip"].get<std::string>() + "/" + std::to_string(prefix.value_or(32))});
  }
  if (given(nic, "gateway") && !given(nic, "gateways")) nic["gateways"] = json::array({nic["gateway"]});
  nic.erase("ip");
  nic.erase("netmask");
  nic.erase("gateway");
}

void normalise_nics(json& nics) {
  std::set<std::string> used;
  for (auto& n : nics)
    if (given(n, "interface")) used.insert(n["interface"].get<std::string>());
  unsigned next = 0;
  bool have_primary = false;
  for (auto& n : nics) {
    normalise_nic_old_form(n);
    if (!given(n, "interface")) {
      while (used.contains("net" + std::to_string(next))) ++next;
      n["interface"] = "net" + std::to_string(next);
      used.insert(n["interface"].get<std::string>());
    }
    materialise(n, "nics");
    have_primary = have_primary || n["primary"] == true;
  }
  if (!have_primary && !nics.empty()) nics[0]["primary"] = true;
}

void normalise_filesystems(json& fss) {
  for (auto& f : fss) {
    materialise(f, "filesystems");
    if (given(f, "target")) f["target"] = clean_path(f["target"].get<std::string>());
  }
}

}  // namespace detail

using namespace detail;

std::vector<Diagnostic> validate_create(const json& doc) {
  Checker c;
  if (!doc.is_object()) {
    c.add("", "the manifest must be an object, not " +
                  std::string(doc.is_array() ? "a list" : doc.is_string() ? "a string" : "a " + std::string(doc.type_name())));
    return c.out;
  }
  // Top-level keys in schema order, unknown ones after, so output is stable.
  std::vector<std::string> names;
  for (const Property* p : children("")) names.push_back(p->path);
  std::vector<std::string> unknown;
  for (auto it = doc.begin(); it != doc.end(); ++it)
    if (std::find(names.begin(), names.end(), it.key()) == names.end()) unknown.push_back(it.key());
  for (const Property* p : children("")) {
    if (!given(doc, p->path)) continue;
    c.value(*p, doc[p->path], p->path);
  }
  for (const auto& k : unknown) c.unknown(key_path("", k), k, names);

  check_brand(c, doc);
  check_limits(c, doc);
  check_nics(c, doc);
  check_filesystems(c, doc);
  check_routes(c, doc);
  return c.out;
}

json normalize_create(json doc) {
  for (const Property* p : children(""))
    if (p->update == Update::ReadOnly) doc.erase(p->path);
  if (!given(doc, "brand")) doc["brand"] = given(doc, "image_uuid") ? kBrandImage : kBrandSparse;
  materialise(doc, "");
  if (given(doc, "nics")) normalise_nics(doc["nics"]);
  if (given(doc, "filesystems")) normalise_filesystems(doc["filesystems"]);
  if (!given(doc, "hostname")) {
    std::string h = default_hostname(doc);
    if (!h.empty()) doc["hostname"] = h;
  }
  return doc;
}

json export_manifest(const json& stored, bool keep_identity) {
  json out = stored;
  for (const Property* p : children(""))
    if (p->update == Update::ReadOnly) out.erase(p->path);
  if (!keep_identity) {
    out.erase("uuid");
    if (out.contains("nics") && out["nics"].is_array())
      for (auto& n : out["nics"])
        if (n.is_object()) n.erase("mac");
  }
  return out;
}

std::string default_hostname(const json& doc) {
  if (given(doc, "alias") && doc["alias"].is_string()) {
    std::string a = doc["alias"].get<std::string>();
    if (is_dns_name(a, 64)) return a;
  }
  if (given(doc, "uuid") && doc["uuid"].is_string()) return lower(doc["uuid"].get<std::string>());
  return "";
}

}  // namespace zonekit::manifest
