#include "core/ops/zone_fields.hpp"

namespace zonekit::ops {

using nlohmann::json;

const std::vector<FieldInfo>& zone_fields() {
  static const std::vector<FieldInfo> f = {
      {"uuid", "UUID"},
      {"type", "TYPE"},
      {"alias", "ALIAS"},
      {"brand", "BRAND"},
      {"ram", "RAM", true},
      {"state", "STATE"},
      {"supervisor", "SUPERVISOR"},
      {"ip", "IP"},
      {"mac", "MAC"},
      {"nic_tag", "NIC_TAG"},
      {"hostname", "HOSTNAME"},
      {"dns_domain", "DOMAIN"},
      {"autoboot", "AUTOBOOT"},
      {"image_uuid", "IMAGE_UUID"},
      {"max_physical_memory", "MAX_PHYS", true},
      {"max_locked_memory", "MAX_LOCKED", true},
      {"max_swap", "MAX_SWAP", true},
      {"max_lwps", "MAX_LWP", true},
      {"cpu_cap", "CPU_CAP", true},
      {"cpu_shares", "CPU_SHARE", true},
      {"zfs_io_priority", "IO_PRIORITY", true},
      {"quota", "QUOTA", true},
      {"tmpfs", "TMPFS", true},
      {"uid_base", "UID_BASE", true},
      {"pid", "PID", true},
      {"exit_status", "EXIT", true},
      {"create_timestamp", "CREATED"},
      {"last_modified", "MODIFIED"},
      {"boot_timestamp", "BOOTED"},
      {"zonepath", "ZONEPATH"},
      {"tags.", "TAGS"},
      {"customer_metadata.", "CUSTOMER_METADATA"},
      {"internal_metadata.", "INTERNAL_METADATA"},
      {"nics.", "NICS"},
  };
  return f;
}

const std::vector<std::string>& default_zone_columns() {
  static const std::vector<std::string> c = {"uuid", "alias", "brand", "ram", "state", "ip"};
  return c;
}

namespace {

const json* primary_nic(const json& row) {
  auto it = row.find("nics");
  if (it == row.end() || !it->is_array() || it->empty()) return nullptr;
  for (const auto& n : *it)
    if (n.value("primary", false)) return &n;
  return &(*it)[0];
}

// vmadm's nic fields: "ip" is the nic's first IPv4 address, without prefix.
json nic_field(const json& nic, const std::string& key) {
  if (!nic.is_object()) return json();
  if (key == "ip") {
    for (const auto& ip : nic.value("ips", json::array())) {
      if (!ip.is_string()) continue;
      std::string s = ip;
      if (s.find(':') == std::string::npos) return s.substr(0, s.find('/'));
    }
    return json();
  }
  if (key == "gateway") {
    auto gws = nic.value("gateways", json::array());
    return gws.empty() ? json() : gws[0];
  }
  auto it = nic.find(key);
  return it == nic.end() ? json() : *it;
}

}  // namespace

json zone_field(const json& row, const std::string& field) {
  if (field == "ram") return row.value("max_physical_memory", json());
  if (field == "type") return "OS";  // vmadm: OS, LX, KVM, BHYV; every zone here is an OS container
  if (field.starts_with("nics.")) {
    // nics.N.KEY
    std::string rest = field.substr(5);
    size_t dot = rest.find('.');
    if (dot == std::string::npos || dot == 0 || dot > 3) return json();
    size_t idx = 0;
    for (size_t i = 0; i < dot; ++i) {
      if (rest[i] < '0' || rest[i] > '9') return json();
      idx = idx * 10 + size_t(rest[i] - '0');
    }
    auto nics = row.find("nics");
    if (nics == row.end() || !nics->is_array() || idx >= nics->size()) return json();
    return nic_field((*nics)[idx], rest.substr(dot + 1));
  }
  if (field == "ip" || field == "mac" || field == "nic_tag") {
    const json* nic = primary_nic(row);
    if (!nic) return json();
    if (field == "ip") {
      auto ips = nic->value("ips", json::array());
      if (ips.empty() || !ips[0].is_string()) return json();
      std::string s = ips[0];
      return s.substr(0, s.find('/'));
    }
    return nic->value(field, json());
  }
  for (const char* prefix : {"tags.", "customer_metadata.", "internal_metadata."}) {
    std::string p = prefix;
    if (field.compare(0, p.size(), p) == 0) {
      auto obj = row.find(p.substr(0, p.size() - 1));
      if (obj == row.end() || !obj->is_object()) return json();
      return obj->value(field.substr(p.size()), json());
    }
  }
  auto it = row.find(field);
  return it == row.end() ? json() : *it;
}

}  // namespace zonekit::ops
