// The value checker behind validate_create and validate_update.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <regex>
#include <set>

#include "core/manifest/detail.hpp"
#include "core/manifest/syntax.hpp"

namespace zonekit::manifest::detail {

using json = nlohmann::json;

std::string key_path(const std::string& parent, const std::string& key) {
  // Long keys are cut so that a hostile key cannot make a huge message.
  if (key.size() > 64) return parent + "[" + quote(json(key.substr(0, 60) + "...")) + "]";
  bool ident = !key.empty() && !std::isdigit(static_cast<unsigned char>(key[0])) && key[0] != '-' &&
               std::all_of(key.begin(), key.end(), [](char c) {
                 return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
               });
  if (ident) return parent.empty() ? key : parent + "." + key;
  return parent + "[" + quote(json(key)) + "]";
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
    if (!part.empty() && part != ".") {
      out += '/';
      out += part;
    }
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


// ["/bin/sh", "-c", "..."] for a string someone wrote for a shell: the
// program, then the rest as one argument when it looks like "-c '...'".
static std::string command_list_example(const std::string& s) {
  auto words_end = s.find_first_of(" \t");
  json ex = json::array({s.substr(0, words_end)});
  if (words_end != std::string::npos) {
    std::string rest = s.substr(s.find_first_not_of(" \t", words_end));
    if (rest.starts_with("-c ")) {
      ex.push_back("-c");
      rest = rest.substr(3);
    }
    if (rest.size() >= 2 && (rest.front() == '\'' || rest.front() == '"') && rest.back() == rest.front())
      rest = rest.substr(1, rest.size() - 2);
    ex.push_back(rest);
  }
  return ex.dump();
}

void Checker::add(const std::string& path, std::string message) { out.push_back({path, std::move(message)}); }

// Checks one value against its property. Returns false when the value is
// unusable (so cross-checks skip it).
bool Checker::value(const Property& p, const json& v, const std::string& path) {
  switch (p.type) {
    case Type::Bool: return boolean(v, path);
    case Type::Int: return integer(p, v, path);
    case Type::List: return list(p, v, path);
    case Type::Map: return map(p, v, path);
    case Type::RouteMap: return routes(p, v, path);
    case Type::ObjectList: return object_list(p, v, path);
    case Type::Command: return v.is_array() ? command_argv(p, v, path) : scalar(p, p.type, v, path);
    case Type::Any: return true;  // stored as given; the manifest's size limit bounds it
    default: return scalar(p, p.type, v, path);
  }
}

// A command as argv: the program's absolute path, then its arguments taken
// as they are (spaces, quotes and all).
bool Checker::command_argv(const Property& p, const json& v, const std::string& path) {
  if (v.empty()) {
    add(path, "must not be empty (give at least the program's absolute path)");
    return false;
  }
  if (v.size() > 256) {
    add(path, "has " + std::to_string(v.size()) + " words; at most 256");
    return false;
  }
  size_t total = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    std::string at = index_path(path, i);
    if (!v[i].is_string()) {
      add(at, quote(v[i]) + " is not a string");
      return false;
    }
    const auto& s = v[i].get_ref<const std::string&>();
    if (s.find('\0') != std::string::npos) {
      add(at, quote(v[i]) + " contains a NUL character");
      return false;
    }
    total += s.size() + 1;
  }
  if (int64_t(total) > p.max) {
    add(path, "is longer than " + std::to_string(p.max) + " characters in all");
    return false;
  }
  const auto& prog = v[0].get_ref<const std::string&>();
  if (prog.empty() || prog.front() != '/') {
    add(index_path(path, 0), quote(v[0]) + " is not the absolute path of a program");
    return false;
  }
  if (has_dotdot(prog) || has_control(prog)) {
    add(index_path(path, 0), quote(v[0]) + (has_dotdot(prog) ? " must not contain \"..\"" : " contains a control character"));
    return false;
  }
  return true;
}

// Checks every member of an object whose properties are children(parent).
// Returns false when obj is not an object.
bool Checker::object(const json& obj, const std::string& parent, const std::string& path, bool allow_read_only) {
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

void Checker::unknown(const std::string& at, const std::string& key, const std::vector<std::string>& names) {
  std::string near = nearest(key, names);
  add(at, near.empty() ? "unknown property" : "unknown property (did you mean \"" + near + "\"?)");
}

bool Checker::boolean(const json& v, const std::string& path) {
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

bool Checker::integer(const Property& p, const json& v, const std::string& path) {
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
std::string Checker::integer_hint(const Property& p, const std::string& s) {
  static const std::regex re(R"(\s*([0-9]{1,12})\s*([KMGT]i?B?|[kmgt]i?b?)?\s*)");
  std::smatch m;
  if (s.size() > 32) return "";  // std::regex recurses per character
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

bool Checker::scalar(const Property& p, Type t, const json& v, const std::string& path) {
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
                     t == Type::Name || t == Type::Interface || t == Type::AbsPath || t == Type::Command ||
                     t == Type::Timestamp;
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
      // The string form is split on blanks, with no quoting or escapes: a
      // string written for a shell would reach the program mangled.
      if (s.find_first_of("'\"\\") != std::string::npos)
        return bad("is split on blanks without quoting; give it as a list instead, e.g. " +
                   command_list_example(s));
      return true;
    }
    default:
      return bad("is not a valid value");
  }
}

bool Checker::list(const Property& p, const json& v, const std::string& path) {
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

bool Checker::count(const Property& p, const json& v, const std::string& path) {
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

bool Checker::map(const Property& p, const json& v, const std::string& path) {
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

bool Checker::routes(const Property& p, const json& v, const std::string& path) {
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
    bool ok_gw = gw.is_string() && gw.get_ref<const std::string&>().size() <= 16 &&
                 (is_ip(gw.get<std::string>()) || std::regex_match(gw.get<std::string>(), nic_ref));
    if (!ok_gw) {
      add(at, quote(gw) + " is not a gateway address or nics[N]");
      ok = false;
    }
  }
  return ok;
}

bool Checker::object_list(const Property& p, const json& v, const std::string& path) {
  if (!v.is_array()) {
    add(path, quote(v) + " is not a list");
    return false;
  }
  if (!count(p, v, path)) return false;
  bool ok = true;
  for (size_t i = 0; i < v.size(); ++i) ok = object(v[i], p.path, index_path(path, i), false) && ok;
  return ok;
}

const Property& prop(std::string_view path) { return *find_property(path); }

bool given(const json& obj, const std::string& key) { return obj.contains(key) && !obj[key].is_null(); }

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

}  // namespace zonekit::manifest::detail
