#include "core/manifest/validate.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include "core/manifest/syntax.hpp"

namespace zonekit::manifest {

using json = nlohmann::json;

namespace {

// ---------------------------------------------------------------- helpers

std::string key_path(const std::string& parent, const std::string& key) {
  static const std::regex ident(R"([A-Za-z_][A-Za-z0-9_-]*)");
  if (std::regex_match(key, ident)) return parent.empty() ? key : parent + "." + key;
  return parent + "[" + json(key).dump(-1, ' ', false, json::error_handler_t::replace) + "]";
}
std::string index_path(const std::string& parent, size_t i) {
  return parent + "[" + std::to_string(i) + "]";
}
std::string join_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}
std::string last_segment(const std::string& path) {
  size_t dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

std::optional<int64_t> as_int(const json& v) {
  if (v.is_number_integer() && !v.is_number_unsigned()) return v.get<int64_t>();
  if (v.is_number_unsigned() && v.get<uint64_t>() <= uint64_t(INT64_MAX)) return int64_t(v.get<uint64_t>());
  return std::nullopt;
}

// Lexically cleaned absolute path: "//srv/./x/" -> "/srv/x". Assumes no "..".
std::string clean_path(std::string_view p) {
  std::string out;
  size_t i = 0;
  while (i < p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    std::string_view part = p.substr(i, j - i);
    if (!part.empty() && part != ".") out += "/" + std::string(part);
    i = j + 1;
  }
  return out.empty() ? "/" : out;
}

bool has_dotdot(std::string_view p) {
  size_t i = 0;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    if (p.substr(i, j - i) == "..") return true;
    i = j + 1;
  }
  return false;
}

// C0 controls and DEL: terminal escapes have no place in names and paths.
bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return (unsigned char)c < 0x20 || c == 0x7f; });
}

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string canonical_value(const Property& p, const std::string& v) {
  for (const auto& [from, to] : p.aliases)
    if (from == v) return to;
  return v;
}

// Kinds of special update members (vmadm shapes).
enum class Special { SetMap, RemoveMap, AddItems, UpdateItems, RemoveItems };
struct SpecialKey {
  std::string name;
  std::string target;  // the property it changes
  Special kind;
};
const std::vector<SpecialKey>& specials() {
  static const std::vector<SpecialKey> table = [] {
    std::vector<SpecialKey> t;
    for (const auto& p : schema()) {
      if (p.update == Update::ReadOnly || p.update == Update::CreateOnly) continue;
      if (p.type == Type::Map || p.type == Type::RouteMap) {
        t.push_back({"set_" + p.path, p.path, Special::SetMap});
        t.push_back({"remove_" + p.path, p.path, Special::RemoveMap});
      } else if (p.type == Type::ObjectList) {
        t.push_back({"add_" + p.path, p.path, Special::AddItems});
        t.push_back({"update_" + p.path, p.path, Special::UpdateItems});
        t.push_back({"remove_" + p.path, p.path, Special::RemoveItems});
      }
    }
    return t;
  }();
  return table;
}
const SpecialKey* find_special(std::string_view name) {
  for (const auto& s : specials())
    if (s.name == name) return &s;
  return nullptr;
}

// The sub-property that names an item of an ObjectList in updates.
std::string item_key_of(const std::string& list) { return list == "nics" ? "mac" : "target"; }

std::string item_key_value(const std::string& list, const json& item) {
  std::string key = item_key_of(list);
  if (!item.is_object() || !item.contains(key) || !item[key].is_string()) return "";
  std::string v = item[key].get<std::string>();
  return list == "nics" ? lower(v) : clean_path(v);
}

// ---------------------------------------------------------------- checker

class Checker {
 public:
  std::vector<Diagnostic> out;

  void add(const std::string& path, std::string message) { out.push_back({path, std::move(message)}); }

  // Checks one value against its property. Returns false when the value is
  // unusable (so cross-checks skip it).
  bool value(const Property& p, const json& v, const std::string& path) {
    switch (p.type) {
      case Type::Bool: return boolean(v, path);
      case Type::Int: return integer(p, v, path);
      case Type::List: return list(p, v, path);
      case Type::Map: return map(p, v, path);
      case Type::RouteMap: return routes(p, v, path);
      case Type::ObjectList: return object_list(p, v, path);
      default: return scalar(p, p.type, v, path);
    }
  }

  // Checks every member of an object whose properties are children(parent).
  // Returns false when obj is not an object.
  bool object(const json& obj, const std::string& parent, const std::string& path, bool allow_read_only) {
    if (!obj.is_object()) {
      add(path, quote(obj) + " is not an object");
      return false;
    }
    auto kids = children(parent);
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      const Property* p = nullptr;
      for (const Property* k : kids)
        if (last_segment(k->path) == it.key()) p = k;
      std::string at = key_path(path, it.key());
      if (!p || (!allow_read_only && p->update == Update::ReadOnly)) {
        std::vector<std::string> names;
        for (const Property* k : kids)
          if (allow_read_only || k->update != Update::ReadOnly) names.push_back(last_segment(k->path));
        unknown(at, it.key(), names);
        continue;
      }
      if (it.value().is_null()) continue;  // null = absent
      value(*p, it.value(), at);
    }
    for (const Property* k : kids)
      if (k->required && (!obj.contains(last_segment(k->path)) || obj[last_segment(k->path)].is_null()))
        add(join_path(path, last_segment(k->path)), "is required");
    return true;
  }

  void unknown(const std::string& at, const std::string& key, const std::vector<std::string>& names) {
    std::string near = nearest(key, names);
    add(at, near.empty() ? "unknown property" : "unknown property (did you mean \"" + near + "\"?)");
  }

 private:
  bool boolean(const json& v, const std::string& path) {
    if (v.is_boolean()) return true;
    if (v.is_string()) {
      std::string s = lower(v.get<std::string>());
      if (s == "true" || s == "false" || s == "yes" || s == "no" || s == "on" || s == "off") {
        bool t = s == "true" || s == "yes" || s == "on";
        add(path, quote(v) + " is not a boolean (write " + (t ? "true" : "false") + " without quotes)");
        return false;
      }
    }
    add(path, quote(v) + " is not a boolean");
    return false;
  }

  bool integer(const Property& p, const json& v, const std::string& path) {
    if (v.is_number_float()) {
      double d = v.get<double>();
      if (std::isfinite(d) && std::trunc(d) == d && std::abs(d) >= 9.2e18) {
        add(path, quote(v) + (d < 0 ? " is below the minimum " + std::to_string(p.min)
                                    : " is above the maximum " + std::to_string(p.max)));
      } else {
        add(path, quote(v) + " is not an integer");
      }
      return false;
    }
    if (v.is_number_unsigned() && !as_int(v)) {
      add(path, quote(v) + " is above the maximum " + std::to_string(p.max));
      return false;
    }
    if (v.is_string()) {
      add(path, quote(v) + " is not an integer" + integer_hint(p, v.get<std::string>()));
      return false;
    }
    auto i = as_int(v);
    if (!i) {
      add(path, quote(v) + " is not an integer");
      return false;
    }
    if (*i < p.min) {
      add(path, quote(v) + " is below the minimum " + std::to_string(p.min));
      return false;
    }
    if (*i > p.max) {
      add(path, quote(v) + " is above the maximum " + std::to_string(p.max));
      return false;
    }
    return true;
  }

  // "512M" for a MiB property -> " (max_physical_memory is in MiB: write 512)"
  static std::string integer_hint(const Property& p, const std::string& s) {
    static const std::regex re(R"(\s*([0-9]{1,12})\s*([KMGT]i?B?|[kmgt]i?b?)?\s*)");
    std::smatch m;
    if (!std::regex_match(s, m, re)) return "";
    if (!m[2].matched) return " (write " + m[1].str() + " without quotes)";
    if (p.unit != "MiB" && p.unit != "GiB") return "";
    static const std::string order = "kmgt";
    int have = int(order.find(char(std::tolower(m[2].str()[0]))));
    int want = p.unit == "MiB" ? 1 : 2;
    uint64_t n = std::stoull(m[1].str());
    for (int k = have; k > want; --k) n *= 1024;
    for (int k = have; k < want; ++k) n /= 1024;
    if (n == 0) return " (" + last_segment(p.path) + " is in " + p.unit + ")";
    return " (" + last_segment(p.path) + " is in " + p.unit + ": write " + std::to_string(n) + ")";
  }

  bool scalar(const Property& p, Type t, const json& v, const std::string& path) {
    if (!v.is_string()) {
      add(path, quote(v) + " is not a string");
      return false;
    }
    const std::string& s = v.get_ref<const std::string&>();
    for (const auto& [bad, why] : p.refused)
      if (lower(s) == bad) {
        add(path, quote(v) + " " + why);
        return false;
      }
    if (s.find('\0') != std::string::npos) {
      add(path, quote(v) + " contains a NUL character");
      return false;
    }
    if (s.find_first_of("\n\r") != std::string::npos) {
      add(path, quote(v) + " contains a line break");
      return false;
    }
    if (has_control(s)) {
      add(path, quote(v) + " contains a control character");
      return false;
    }
    bool length_rule = t == Type::String || t == Type::Alias || t == Type::Hostname || t == Type::DomainName ||
                       t == Type::Name || t == Type::AbsPath || t == Type::Command || t == Type::Timestamp;
    if (length_rule && p.type != Type::List) {
      if (int64_t(s.size()) < p.min) {
        add(path, s.empty() ? "must not be empty" : quote(v) + " is shorter than " + std::to_string(p.min) + " characters");
        return false;
      }
      if (int64_t(s.size()) > p.max) {
        add(path, quote(v) + " is longer than " + std::to_string(p.max) + " characters");
        return false;
      }
    }
    auto bad = [&](const std::string& what) {
      add(path, quote(v) + " " + what);
      return false;
    };
    switch (t) {
      case Type::String:
      case Type::Timestamp:
        return true;
      case Type::Uuid:
        return is_uuid(s) || bad("is not a UUID");
      case Type::Alias: {
        static const std::regex re(R"([A-Za-z0-9._-]+)");
        if (!std::regex_match(s, re)) return bad("may contain only A-Z, a-z, 0-9, '.', '_' and '-'");
        if (s.front() == '-') return bad("must not start with '-'");
        if (is_uuid(s)) return bad("looks like a UUID, which an alias must not");
        return true;
      }
      case Type::Hostname:
        return is_dns_name(s, 253) || bad("is not a valid host name (RFC 1123)");
      case Type::DomainName:
        return is_dns_name(s, 253) || bad("is not a valid domain name (RFC 1123)");
      case Type::Name: {
        static const std::regex re(R"([A-Za-z0-9_][A-Za-z0-9_.-]*)");
        return std::regex_match(s, re) || bad("is not a valid name (use A-Z, a-z, 0-9, '.', '_' and '-')");
      }
      case Type::Interface: {
        static const std::regex re(R"(net(0|[1-9][0-9]?))");
        return std::regex_match(s, re) || bad("is not an interface name (net0 to net99)");
      }
      case Type::Enum: {
        std::string c = canonical_value(p, s);
        if (std::find(p.choices.begin(), p.choices.end(), c) != p.choices.end()) return true;
        std::string list;
        for (size_t i = 0; i < p.choices.size(); ++i)
          list += (i == 0 ? "" : i + 1 == p.choices.size() ? " or " : ", ") + p.choices[i];
        return bad("is not " + std::string(p.choices.size() > 1 ? "one of " : "") + list);
      }
      case Type::Mac:
        if (!is_mac(s)) return bad("is not a MAC address");
        if (is_multicast_mac(s)) return bad("is a multicast MAC address");
        if (s == "00:00:00:00:00:00") return bad("is the all-zero MAC address");
        return true;
      case Type::Ip:
        return is_ip(s) || bad("is not an IPv4 or IPv6 address");
      case Type::Ipv4:
        return is_ipv4(s) || bad("is not an IPv4 address");
      case Type::Netmask:
        return netmask_prefix(s).has_value() || bad("is not an IPv4 netmask");
      case Type::Cidr:
        if (is_cidr(s)) return true;
        if (is_ip(s)) return bad("is not an IPv4 or IPv6 CIDR (the /prefix is missing)");
        return bad("is not an IPv4 or IPv6 CIDR");
      case Type::IpOrCidr:
        return parse_ip_prefix(s).has_value() || bad("is not an IPv4 or IPv6 address or CIDR");
      case Type::AbsPath:
        if (s.front() != '/') return bad("is not an absolute path");
        if (has_dotdot(s)) return bad("must not contain \"..\"");
        return true;
      case Type::Command: {
        std::string prog = s.substr(0, s.find_first_of(" \t"));
        if (prog.empty() || prog.front() != '/') return bad("must start with the absolute path of a program");
        if (has_dotdot(prog)) return bad("must not contain \"..\"");
        return true;
      }
      default:
        return bad("is not a valid value");
    }
  }

  bool list(const Property& p, const json& v, const std::string& path) {
    if (!v.is_array()) {
      add(path, quote(v) + " is not a list");
      return false;
    }
    if (!count(p, v, path)) return false;
    bool ok = true;
    std::map<std::string, size_t> seen;
    for (size_t i = 0; i < v.size(); ++i) {
      std::string at = index_path(path, i);
      if (!scalar(p, p.item, v[i], at)) {
        ok = false;
        continue;
      }
      std::string key = canonical_value(p, v[i].get<std::string>());
      if (p.item == Type::Cidr || p.item == Type::Ip || p.item == Type::IpOrCidr) key = std::string(address_part(key));
      auto [it, fresh] = seen.emplace(key, i);
      if (!fresh) {
        add(at, quote(v[i]) + " repeats " + index_path(path, it->second));
        ok = false;
      }
    }
    return ok;
  }

  bool count(const Property& p, const json& v, const std::string& path) {
    if (int64_t(v.size()) < p.min) {
      add(path, "must have at least " + std::to_string(p.min) + (p.min == 1 ? " entry" : " entries"));
      return false;
    }
    if (int64_t(v.size()) > p.max) {
      add(path, "has " + std::to_string(v.size()) + " entries; at most " + std::to_string(p.max) + " are allowed");
      return false;
    }
    return true;
  }

  bool map(const Property& p, const json& v, const std::string& path) {
    if (!v.is_object()) {
      add(path, quote(v) + " is not an object");
      return false;
    }
    if (!count(p, v, path)) return false;
    bool ok = true;
    for (auto it = v.begin(); it != v.end(); ++it) {
      std::string at = key_path(path, it.key());
      const std::string& k = it.key();
      if (k.empty() || k.size() > 128 || k.find('\0') != std::string::npos || has_control(k)) {
        add(at, "keys must be 1 to 128 characters on one line");
        ok = false;
        continue;
      }
      const json& x = it.value();
      if (x.is_string()) {
        if (x.get_ref<const std::string&>().find('\0') != std::string::npos) {
          add(at, quote(x) + " contains a NUL character");
          ok = false;
        }
      } else if (!(x.is_number() || x.is_boolean())) {
        add(at, quote(x) + " is not a string, number or boolean");
        ok = false;
      }
    }
    return ok;
  }

  bool routes(const Property& p, const json& v, const std::string& path) {
    if (!v.is_object()) {
      add(path, quote(v) + " is not an object");
      return false;
    }
    if (!count(p, v, path)) return false;
    bool ok = true;
    static const std::regex nic_ref(R"(nics\[(0|[1-9][0-9]?)\])");
    for (auto it = v.begin(); it != v.end(); ++it) {
      std::string at = key_path(path, it.key());
      if (!parse_ip_prefix(it.key())) {
        add(at, quote(json(it.key())) + " is not an IPv4 or IPv6 address or CIDR");
        ok = false;
      }
      const json& gw = it.value();
      if (!gw.is_string() || !(is_ip(gw.get<std::string>()) || std::regex_match(gw.get<std::string>(), nic_ref))) {
        add(at, quote(gw) + " is not a gateway address or nics[N]");
        ok = false;
      }
    }
    return ok;
  }

  bool object_list(const Property& p, const json& v, const std::string& path) {
    if (!v.is_array()) {
      add(path, quote(v) + " is not a list");
      return false;
    }
    if (!count(p, v, path)) return false;
    bool ok = true;
    for (size_t i = 0; i < v.size(); ++i) ok = object(v[i], p.path, index_path(path, i), false) && ok;
    return ok;
  }
};

// ------------------------------------------------------- cross-property checks

const Property& prop(std::string_view path) { return *find_property(path); }

// The value a top-level Int property has in doc, given or defaulted.
std::optional<int64_t> effective_int(const json& doc, const std::string& key) {
  if (doc.contains(key) && !doc[key].is_null()) return as_int(doc[key]);
  const Property& p = prop(key);
  if (!p.default_value.is_null()) return as_int(p.default_value);
  if (!p.default_ref.empty()) {
    auto r = effective_int(doc, p.default_ref);
    if (r) return std::max(*r, p.min);
  }
  return std::nullopt;
}

bool given(const json& obj, const std::string& key) { return obj.contains(key) && !obj[key].is_null(); }

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

// The old single-address form must be complete and not mixed with the new.
void check_nic_form(Checker& c, const json& n, const std::string& at) {
  if (given(n, "ip") && given(n, "ips")) c.add(at + ".ip", "cannot be combined with ips");
  if (given(n, "ip") && !given(n, "netmask")) c.add(at + ".netmask", "is required with ip");
  if (given(n, "netmask") && !given(n, "ip")) c.add(at + ".netmask", "is only used with ip");
  if (given(n, "gateway") && given(n, "gateways")) c.add(at + ".gateway", "cannot be combined with gateways");
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
    if (!it.value().is_string()) continue;
    std::string gw = it.value().get<std::string>();
    if (std::regex_match(gw, m, nic_ref) && std::stoul(m[1].str()) >= nnics)
      c.add(key_path("routes", it.key()), quote(it.value()) + " names a nic that does not exist");
  }
}

// ------------------------------------------------------------- normalisation

// Writes schema defaults and canonical values into one object whose
// properties are children(parent).
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

}  // namespace

// ------------------------------------------------------------------ create

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

std::string default_hostname(const json& doc) {
  if (given(doc, "alias") && doc["alias"].is_string()) {
    std::string a = doc["alias"].get<std::string>();
    if (is_dns_name(a, 64)) return a;
  }
  if (given(doc, "uuid") && doc["uuid"].is_string()) return lower(doc["uuid"].get<std::string>());
  return "";
}

// ------------------------------------------------------------------ update

const std::vector<std::string>& update_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    for (const Property* p : children(""))
      if ((p->update == Update::Live || p->update == Update::NextBoot) && p->type != Type::ObjectList)
        k.push_back(p->path);
    for (const auto& s : specials()) k.push_back(s.name);
    return k;
  }();
  return keys;
}

std::vector<Diagnostic> validate_update(const json& stored, const json& payload) {
  Checker c;
  if (!payload.is_object()) {
    c.add("", "the update must be an object");
    return c.out;
  }
  for (auto it = payload.begin(); it != payload.end(); ++it) {
    const std::string& key = it.key();
    const json& v = it.value();
    std::string at = key_path("", key);
    if (const SpecialKey* s = find_special(key)) {
      const Property& target = prop(s->target);
      switch (s->kind) {
        case Special::SetMap:
          c.value(target, v, at);
          break;
        case Special::RemoveMap:
          if (!v.is_array()) {
            c.add(at, quote(v) + " is not a list of keys");
            break;
          }
          for (size_t i = 0; i < v.size(); ++i)
            if (!v[i].is_string()) c.add(index_path(at, i), quote(v[i]) + " is not a key");
          break;
        case Special::AddItems: {
          if (!v.is_array()) {
            c.add(at, quote(v) + " is not a list");
            break;
          }
          for (size_t i = 0; i < v.size(); ++i)
            if (c.object(v[i], s->target, index_path(at, i), false) && s->target == "nics")
              check_nic_form(c, v[i], index_path(at, i));
          break;
        }
        case Special::UpdateItems:
        case Special::RemoveItems: {
          if (!v.is_array()) {
            c.add(at, quote(v) + " is not a list");
            break;
          }
          std::string keyname = item_key_of(s->target);
          std::set<std::string> existing;
          if (given(stored, s->target))
            for (const auto& item : stored[s->target]) existing.insert(item_key_value(s->target, item));
          const Property& keyprop = prop(s->target + "[]." + keyname);
          for (size_t i = 0; i < v.size(); ++i) {
            std::string item_at = index_path(at, i);
            const json* keyval = &v[i];
            std::string keyval_at = item_at;
            if (s->kind == Special::UpdateItems) {
              if (!v[i].is_object()) {
                c.add(item_at, quote(v[i]) + " is not an object");
                continue;
              }
              if (!given(v[i], keyname)) {
                c.add(item_at + "." + keyname, "is required (it names the " +
                                                   std::string(s->target == "nics" ? "nic" : "filesystem") +
                                                   " to update)");
                continue;
              }
              keyval = &v[i][keyname];
              keyval_at = item_at + "." + keyname;
            }
            size_t before = c.out.size();
            c.value(keyprop, *keyval, keyval_at);
            if (c.out.size() != before) continue;
            json wrapped = {{keyname, *keyval}};
            if (!existing.contains(item_key_value(s->target, wrapped))) {
              c.add(keyval_at, "no " + std::string(s->target == "nics" ? "nic" : "filesystem") + " has " +
                                   keyname + " " + quote(*keyval));
              continue;
            }
            if (s->kind == Special::UpdateItems) {
              for (auto f = v[i].begin(); f != v[i].end(); ++f) {
                if (f.key() == keyname) continue;
                const Property* fp = find_property(s->target + "[]." + f.key());
                if (fp && fp->update == Update::CreateOnly)
                  c.add(key_path(item_at, f.key()), "cannot be changed after create");
              }
              json rest = v[i];
              rest.erase(keyname);
              for (auto f = rest.begin(); f != rest.end();) {
                const Property* fp = find_property(s->target + "[]." + f.key());
                if (fp && fp->update == Update::CreateOnly) f = rest.erase(f);
                else ++f;
              }
              // Required sub-properties are not required in a partial update.
              Checker partial;
              partial.object(rest, s->target, item_at, false);
              for (auto& d : partial.out)
                if (d.message != "is required") c.out.push_back(d);
              if (s->target == "nics") check_nic_form(c, v[i], item_at);
            }
          }
          break;
        }
      }
      continue;
    }
    const Property* p = find_property(key);
    if (!p || key.find_first_of(".[") != std::string::npos) {
      c.unknown(at, key, update_keys());
      continue;
    }
    if (p->update == Update::ReadOnly) {
      c.add(at, "is read-only (zonekit sets it)");
    } else if (p->update == Update::CreateOnly) {
      c.add(at, "cannot be changed after create");
    } else if (p->type == Type::ObjectList) {
      c.add(at, "cannot be replaced by an update; use add_" + key + ", update_" + key + " or remove_" + key);
    } else if (!v.is_null()) {
      c.value(*p, v, at);
    }
  }
  if (!c.out.empty()) return c.out;
  return validate_create(apply_update(stored, payload));
}

json apply_update(const json& stored, const json& payload) {
  json doc = stored;
  auto set_primary_only = [](json& nics, size_t keep) {
    for (size_t i = 0; i < nics.size(); ++i) nics[i]["primary"] = i == keep;
  };
  for (auto it = payload.begin(); it != payload.end(); ++it) {
    const std::string& key = it.key();
    const json& v = it.value();
    if (const SpecialKey* s = find_special(key)) {
      json& target = doc[s->target];
      std::string keyname = item_key_of(s->target);
      switch (s->kind) {
        case Special::SetMap:
          if (!target.is_object()) target = json::object();
          for (auto m = v.begin(); m != v.end(); ++m) {
            if (m.value().is_null()) target.erase(m.key());
            else target[m.key()] = m.value();
          }
          break;
        case Special::RemoveMap:
          if (target.is_object())
            for (const auto& k : v) target.erase(k.get<std::string>());
          break;
        case Special::AddItems: {
          if (!target.is_array()) target = json::array();
          for (const auto& item : v) {
            json x = item;
            for (auto f = x.begin(); f != x.end();) f = f.value().is_null() ? x.erase(f) : std::next(f);
            target.push_back(x);
            if (s->target == "nics" && given(x, "primary") && x["primary"] == true)
              set_primary_only(target, target.size() - 1);
          }
          if (s->target == "nics") {
            // Name and default only the new ones; keep old nics untouched.
            std::set<std::string> used;
            for (const auto& n : target)
              if (given(n, "interface")) used.insert(n["interface"].get<std::string>());
            unsigned next = 0;
            for (auto& n : target) {
              normalise_nic_old_form(n);
              if (!given(n, "interface")) {
                while (used.contains("net" + std::to_string(next))) ++next;
                n["interface"] = "net" + std::to_string(next);
                used.insert(n["interface"].get<std::string>());
              }
              materialise(n, "nics");
            }
          } else {
            normalise_filesystems(target);
          }
          break;
        }
        case Special::UpdateItems:
          for (const auto& item : v) {
            std::string want = item_key_value(s->target, item);
            for (size_t i = 0; i < target.size(); ++i) {
              if (item_key_value(s->target, target[i]) != want) continue;
              for (auto f = item.begin(); f != item.end(); ++f) {
                if (f.key() == keyname) continue;
                const Property* fp = find_property(s->target + "[]." + f.key());
                if (fp && fp->update == Update::CreateOnly) continue;
                if (f.value().is_null()) target[i].erase(f.key());
                else target[i][f.key()] = f.value();
              }
              if (s->target == "nics") {
                // An old-form field replaces its new-form counterpart.
                if (given(item, "ip")) target[i].erase("ips");
                if (given(item, "gateway")) target[i].erase("gateways");
                normalise_nic_old_form(target[i]);
                if (given(item, "primary") && item["primary"] == true) set_primary_only(target, i);
              }
              materialise(target[i], s->target);
              if (s->target == "filesystems" && given(target[i], "target"))
                target[i]["target"] = clean_path(target[i]["target"].get<std::string>());
            }
          }
          break;
        case Special::RemoveItems: {
          std::set<std::string> gone;
          for (const auto& k : v) gone.insert(item_key_value(s->target, json{{keyname, k}}));
          json kept = json::array();
          for (const auto& item : target)
            if (!gone.contains(item_key_value(s->target, item))) kept.push_back(item);
          target = kept;
          break;
        }
      }
      if (s->target == "nics" && target.is_array() && !target.empty()) {
        bool any = false;
        for (const auto& n : target) any = any || (given(n, "primary") && n["primary"] == true);
        if (!any) target[0]["primary"] = true;
      }
      if ((target.is_array() || target.is_object()) && target.empty() && !given(stored, s->target))
        doc.erase(s->target);
      continue;
    }
    if (v.is_null()) doc.erase(key);
    else doc[key] = v;
  }
  // Properties whose default follows another keep following it when they
  // were at their default, and stay within their bounds.
  for (const auto& p : schema()) {
    if (p.type != Type::Int || payload.contains(p.path)) continue;
    if (!p.default_ref.empty() && payload.contains(p.default_ref) && given(stored, p.path)) {
      auto old_ref = effective_int(stored, p.default_ref);
      auto old_val = as_int(stored[p.path]);
      auto new_ref = effective_int(doc, p.default_ref);
      if (old_ref && old_val && new_ref && *old_val == std::max(*old_ref, p.min))
        doc[p.path] = std::max(*new_ref, p.min);
    }
    if (!given(doc, p.path) || !as_int(doc[p.path])) continue;
    int64_t v = *as_int(doc[p.path]);
    if (!p.at_most.empty()) {
      auto other = effective_int(doc, p.at_most);
      if (other && v > *other && !payload.contains(p.path)) doc[p.path] = *other;
    }
    if (!p.at_least.empty()) {
      auto other = effective_int(doc, p.at_least);
      if (other && v < *other && !payload.contains(p.path)) doc[p.path] = *other;
    }
  }
  materialise(doc, "");
  if (!given(doc, "hostname")) {
    std::string h = default_hostname(doc);
    if (!h.empty()) doc["hostname"] = h;
  }
  return doc;
}

std::vector<std::string> changed_keys(const json& before, const json& after) {
  std::set<std::string> keys;
  for (auto it = before.begin(); it != before.end(); ++it) keys.insert(it.key());
  for (auto it = after.begin(); it != after.end(); ++it) keys.insert(it.key());
  std::vector<std::string> out;
  for (const auto& k : keys) {
    bool a = before.contains(k), b = after.contains(k);
    if (a != b || (a && before[k] != after[k])) out.push_back(k);
  }
  return out;
}

Update change_kind(std::string_view key) {
  const Property* p = find_property(key);
  return p ? p->update : Update::NextBoot;
}

std::vector<std::string> reboot_keys(const std::vector<std::string>& changed) {
  std::vector<std::string> out;
  for (const auto& k : changed) {
    Update u = change_kind(k);
    if (u == Update::NextBoot || u == Update::CreateOnly) out.push_back(k);
  }
  return out;
}

bool add_assignment(json& payload, std::string_view arg, std::vector<Diagnostic>& errors) {
  size_t eq = arg.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    errors.push_back({std::string(arg), "expected key=value"});
    return false;
  }
  std::string key(arg.substr(0, eq));
  std::string text(arg.substr(eq + 1));
  json value;
  const Property* p = find_property(key);
  if (text == "null") {
    value = nullptr;
  } else if (!text.empty() && (text.front() == '{' || text.front() == '[')) {
    value = json::parse(text, nullptr, false);
    if (value.is_discarded()) {
      errors.push_back({key, quote(json(text)) + " is not valid JSON"});
      return false;
    }
  } else if (p && p->type == Type::Int) {
    int64_t i;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
    value = (ec == std::errc() && ptr == text.data() + text.size()) ? json(i) : json(text);
  } else if (p && p->type == Type::Bool && (text == "true" || text == "false")) {
    value = text == "true";
  } else if (p && p->type == Type::List) {
    value = json::array();
    size_t i = 0;
    while (i <= text.size() && !text.empty()) {
      size_t j = text.find(',', i);
      if (j == std::string::npos) j = text.size();
      value.push_back(text.substr(i, j - i));
      i = j + 1;
    }
  } else {
    value = text;
  }
  if (payload.contains(key)) {
    errors.push_back({key, "is given twice"});
    return false;
  }
  payload[key] = value;
  return true;
}

}  // namespace zonekit::manifest
