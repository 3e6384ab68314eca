#include "core/runtime/metadata_keys.hpp"

#include <algorithm>

namespace zonekit::runtime {

using nlohmann::json;

namespace {

MdAnswer found(std::string v) { return {MdCode::Success, std::move(v)}; }
MdAnswer failure(std::string why) { return {MdCode::Failure, std::move(why)}; }

const json& member(const json& doc, const char* key) {
  static const json null;
  if (!doc.is_object()) return null;
  auto it = doc.find(key);
  return it == doc.end() ? null : *it;
}

// "10.0.0.5/24" -> "255.255.255.0" (IPv4 only).
std::string netmask_of(int prefix) {
  uint32_t m = prefix <= 0 ? 0 : prefix >= 32 ? 0xffffffffu : ~((1u << (32 - prefix)) - 1);
  return std::to_string(m >> 24) + "." + std::to_string((m >> 16) & 255) + "." + std::to_string((m >> 8) & 255) +
         "." + std::to_string(m & 255);
}

json nics_view(const json& doc) {
  json out = json::array();
  const json& nics = member(doc, "nics");
  if (!nics.is_array()) return out;
  for (const auto& n : nics) {
    if (!n.is_object()) continue;
    json v = json::object();
    for (const char* k : {"interface", "mac", "nic_tag", "ips", "gateways", "primary", "mtu", "vlan_id"})
      if (n.contains(k)) v[k] = n[k];
    // The old single-address fields that guest tools (cloud-init) read.
    for (const auto& ip : n.value("ips", json::array())) {
      if (!ip.is_string()) continue;
      std::string s = ip;
      size_t slash = s.find('/');
      if (s.find(':') != std::string::npos || slash == std::string::npos) continue;
      v["ip"] = s.substr(0, slash);
      v["netmask"] = netmask_of(std::atoi(s.c_str() + slash + 1));
      break;
    }
    auto gws = n.value("gateways", json::array());
    if (!gws.empty() && gws[0].is_string()) v["gateway"] = gws[0];
    out.push_back(std::move(v));
  }
  return out;
}

json routes_view(const json& doc) {
  json out = json::array();
  const json& routes = member(doc, "routes");
  if (!routes.is_object()) return out;
  json nics = nics_view(doc);
  for (auto it = routes.begin(); it != routes.end(); ++it) {
    if (!it.value().is_string()) continue;
    std::string gw = it.value();
    json r = {{"linklocal", false}, {"dst", it.key()}, {"gateway", gw}};
    // "nics[N]": on-link through that nic; SmartOS gives its address.
    if (gw.starts_with("nics[")) {
      size_t idx = size_t(std::atoi(gw.c_str() + 5));
      r["linklocal"] = true;
      r["gateway"] = idx < nics.size() ? nics[idx].value("ip", std::string()) : std::string();
    }
    out.push_back(std::move(r));
  }
  return out;
}

// Keys "NS:rest" whose NS is one of internal_metadata_namespaces.
bool in_internal_namespace(const json& doc, std::string_view key, std::string* ns) {
  size_t colon = key.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string prefix(key.substr(0, colon));
  const json& list = member(doc, "internal_metadata_namespaces");
  if (!list.is_array()) return false;
  for (const auto& n : list)
    if (n.is_string() && n.get<std::string>() == prefix) {
      *ns = prefix;
      return true;
    }
  return false;
}

bool internal_key(const json& doc, std::string_view key, std::string* why) {
  std::string ns;
  if (key.starts_with("sdc:")) {
    *why = "Cannot update the \"sdc\" Namespace.";
    return true;
  }
  if (in_internal_namespace(doc, key, &ns)) {
    *why = "Cannot update the \"" + ns + "\" Namespace.";
    return true;
  }
  if (key.ends_with("_pw")) {
    *why = "Cannot update \"_pw\" keys: they belong to internal_metadata.";
    return true;
  }
  return false;
}

size_t map_bytes(const json& m) {
  size_t n = 0;
  if (!m.is_object()) return 0;
  for (auto it = m.begin(); it != m.end(); ++it) n += it.key().size() + metadata_text(it.value()).size();
  return n;
}

MdAnswer map_value(const json& doc, const char* map, std::string_view key) {
  const json& m = member(doc, map);
  if (!m.is_object()) return {};
  auto it = m.find(std::string(key));
  if (it == m.end() || it->is_null()) return {};
  return found(metadata_text(*it));
}

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n;
    uint32_t cp;
    if ((c >> 5) == 6) n = 1, cp = c & 0x1f;
    else if ((c >> 4) == 14) n = 2, cp = c & 0x0f;
    else if ((c >> 3) == 30) n = 3, cp = c & 0x07;
    else return false;
    if (i + n >= s.size()) return false;
    for (size_t k = 1; k <= n; ++k) {
      unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d >> 6) != 2) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    // Overlong forms, surrogates and code points past U+10FFFF.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += n + 1;
  }
  return true;
}

}  // namespace

std::string metadata_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  return {};
}

MdAnswer metadata_get(const json& doc, std::string_view key) {
  if (key.starts_with("sdc:")) {
    std::string_view k = key.substr(4);
    if (k == "uuid" || k == "zonename") return member(doc, "uuid").is_string() ? found(member(doc, "uuid")) : MdAnswer{};
    if (k == "nics") return found(nics_view(doc).dump());
    if (k == "routes") return found(routes_view(doc).dump());
    if (k == "resolvers") {
      const json& r = member(doc, "resolvers");
      return found((r.is_array() ? r : json::array()).dump());
    }
    if (k == "tags") {
      const json& t = member(doc, "tags");
      return found((t.is_object() ? t : json::object()).dump());
    }
    if (k == "operator-script") return map_value(doc, "internal_metadata", "operator-script");
    for (const char* scalar : {"alias", "hostname", "dns_domain", "brand", "owner_uuid", "billing_id",
                               "package_name", "package_version", "server_uuid", "datacenter_name"}) {
      if (k != scalar) continue;
      const json& v = member(doc, scalar);
      if (v.is_null() || v.is_object() || v.is_array()) return {};
      return found(metadata_text(v));
    }
    return {};
  }
  std::string ns;
  if (key.ends_with("_pw") || in_internal_namespace(doc, key, &ns))
    return map_value(doc, "internal_metadata", key);
  return map_value(doc, "customer_metadata", key);
}

MdAnswer metadata_keys(const json& doc) {
  std::string out;
  const json& m = member(doc, "customer_metadata");
  if (m.is_object())
    for (auto it = m.begin(); it != m.end(); ++it) {
      if (it.value().is_null()) continue;
      out += it.key();
      out += '\n';
    }
  if (!out.empty()) out.pop_back();
  return found(std::move(out));
}

MdAnswer metadata_check_write(const json& doc, const MdWrite& w) {
  std::string why;
  if (w.key.empty() || w.key.size() > kMaxMetadataKey)
    return failure("key must be 1 to " + std::to_string(kMaxMetadataKey) + " bytes");
  if (std::any_of(w.key.begin(), w.key.end(), [](char c) { return (unsigned char)c < 0x20 || c == 0x7f; }))
    return failure("key must not contain control characters");
  if (!valid_utf8(w.key)) return failure("key must be UTF-8 text");
  if (internal_key(doc, w.key, &why)) return failure(why);
  if (w.remove) return found("");
  if (w.value.size() > kMaxPutValue)
    return failure("value is " + std::to_string(w.value.size()) + " bytes; at most " + std::to_string(kMaxPutValue));
  if (w.value.find('\0') != std::string::npos) return failure("value must not contain NUL bytes");
  if (!valid_utf8(w.value)) return failure("value must be UTF-8 text");
  const json& m = member(doc, "customer_metadata");
  bool exists = m.is_object() && m.contains(w.key);
  size_t keys = m.is_object() ? m.size() : 0;
  if (!exists && keys + 1 > kMaxMetadataKeys)
    return failure("customer_metadata has " + std::to_string(keys) + " keys; at most " +
                   std::to_string(kMaxMetadataKeys));
  size_t total = map_bytes(m) + w.key.size() + w.value.size();
  if (exists) total -= w.key.size() + metadata_text(m[w.key]).size();
  if (total > kMaxCustomerMetadata)
    return failure("customer_metadata would hold " + std::to_string(total) + " bytes; at most " +
                   std::to_string(kMaxCustomerMetadata));
  return found("");
}

json metadata_apply_write(json doc, const MdWrite& w) {
  if (!doc.is_object()) return doc;
  json& m = doc["customer_metadata"];
  if (!m.is_object()) m = json::object();
  if (w.remove) m.erase(w.key);
  else m[w.key] = w.value;
  return doc;
}

}  // namespace zonekit::runtime
