// The schema table is consistent with itself and with validation.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>

#include "core/manifest/schema.hpp"
#include "core/manifest/validate.hpp"

using namespace zonekit::manifest;
using json = nlohmann::json;

TEST_CASE("property paths are unique and nested ones have a list parent") {
  std::set<std::string> seen;
  for (const auto& p : schema()) {
    CAPTURE(p.path);
    CHECK(seen.insert(p.path).second);
    CHECK_FALSE(p.doc.empty());
    CHECK(p.doc.find('\n') == std::string::npos);
    CHECK_FALSE(p.doc.ends_with("."));
    if (auto br = p.path.find("[]."); br != std::string::npos) {
      const Property* parent = find_property(p.path.substr(0, br));
      REQUIRE(parent != nullptr);
      CHECK(parent->type == Type::ObjectList);
    }
  }
}

TEST_CASE("the properties the vmadm manifest names are all there") {
  for (const char* name :
       {"uuid", "alias", "hostname", "dns_domain", "brand", "autoboot", "image_uuid", "max_physical_memory",
        "max_locked_memory", "max_swap", "max_lwps", "cpu_cap", "cpu_shares", "zfs_io_priority", "quota", "tmpfs",
        "resolvers", "routes", "customer_metadata", "internal_metadata", "tags", "filesystems", "filesystems[].type",
        "filesystems[].source", "filesystems[].target", "filesystems[].options", "init_name", "restart_init", "nics",
        "nics[].interface", "nics[].nic_tag", "nics[].mac", "nics[].ips", "nics[].gateways", "nics[].ip",
        "nics[].netmask", "nics[].gateway", "nics[].primary", "nics[].mtu", "nics[].vlan_id",
        "nics[].allow_ip_spoofing", "nics[].allow_mac_spoofing", "nics[].allow_dhcp_spoofing", "nics[].allowed_ips",
        "create_timestamp", "last_modified", "state", "zone_state", "zonepath", "pid", "boot_timestamp",
        "exit_status", "exit_timestamp", "uid_base"}) {
    CAPTURE(name);
    CHECK(find_property(name) != nullptr);
  }
}

TEST_CASE("units and defaults follow vmadm") {
  auto p = [](const char* n) { return *find_property(n); };
  CHECK(p("max_physical_memory").unit == "MiB");
  CHECK(p("max_physical_memory").default_value == 256);
  CHECK(p("max_lwps").default_value == 2000);
  CHECK(p("cpu_shares").default_value == 100);
  CHECK(p("zfs_io_priority").default_value == 100);
  CHECK(p("quota").unit == "GiB");
  CHECK(p("cpu_cap").unit == "%");
  CHECK(p("cpu_cap").default_value.is_null());
  CHECK(p("max_locked_memory").default_ref == "max_physical_memory");
  CHECK(p("max_locked_memory").at_most == "max_physical_memory");
  CHECK(p("max_swap").at_least == "max_physical_memory");
  CHECK(p("max_swap").min == 256);
  CHECK(p("tmpfs").default_ref == "max_physical_memory");
  CHECK(p("restart_init").default_value == true);
  CHECK(p("nics[].vlan_id").max == 4094);
  CHECK(p("nics[].mtu").min == 576);
  CHECK(p("nics[].mtu").max == 9000);
  CHECK(p("brand").update == Update::CreateOnly);
  CHECK(p("nics[].mac").update == Update::CreateOnly);
  CHECK(p("uid_base").update == Update::ReadOnly);
}

TEST_CASE("references between properties name integer properties") {
  for (const auto& p : schema()) {
    CAPTURE(p.path);
    for (const std::string* ref : {&p.default_ref, &p.at_most, &p.at_least}) {
      if (ref->empty()) continue;
      const Property* r = find_property(*ref);
      REQUIRE(r != nullptr);
      CHECK(r->type == Type::Int);
      CHECK(p.type == Type::Int);
    }
    CHECK(p.min <= p.max);
    if (p.type == Type::Enum || (p.type == Type::List && p.item == Type::Enum)) CHECK_FALSE(p.choices.empty());
    if (p.required) CHECK(p.path.find("[].") != std::string::npos);
  }
}

TEST_CASE("every default and every example is a valid value") {
  // Build a one-property manifest for each, nested ones inside a minimal entry.
  auto wrap = [](const Property& p, const json& value) {
    auto br = p.path.find("[].");
    if (br == std::string::npos) return json{{p.path, value}};
    std::string list = p.path.substr(0, br), leaf = p.path.substr(br + 3);
    json entry = list == "nics" ? json{{"nic_tag", "demo"}} : json{{"source", "/srv"}, {"target", "/srv"}};
    entry[leaf] = value;
    if (leaf == "ip") entry["netmask"] = "255.255.255.0";
    if (leaf == "netmask") entry["ip"] = "10.0.0.5";
    return json{{list, json::array({entry})}};
  };
  for (const auto& p : schema()) {
    CAPTURE(p.path);
    for (const json* v : {&p.default_value, &p.example}) {
      if (v->is_null()) continue;
      json doc = wrap(p, *v);
      if (p.path == "image_uuid") doc["brand"] = "image";
      if (p.path == "routes") doc["nics"] = json::array({json{{"nic_tag", "demo"}}});
      if (p.path == "max_locked_memory" || p.path == "max_swap" || p.path == "tmpfs")
        doc["max_physical_memory"] = 512;
      CAPTURE(doc.dump());
      CHECK(validate_create(doc).empty());
    }
  }
}

TEST_CASE("find_property accepts the ways people write paths") {
  const Property* ips = find_property("nics[].ips");
  REQUIRE(ips != nullptr);
  CHECK(find_property("nics.ips") == ips);
  CHECK(find_property("nics[0].ips") == ips);
  CHECK(find_property("nics.0.ips") == ips);
  CHECK(find_property("nics[]") == find_property("nics"));
  CHECK(find_property("nics.bogus") == nullptr);
  CHECK(find_property("bogus") == nullptr);
  CHECK(find_property("") == nullptr);
  CHECK(schema_path("nics.0.ips.1") == "nics[].ips[]");
  CHECK(schema_path("filesystems[2].target") == "filesystems[].target");
}

TEST_CASE("children lists direct sub-properties in schema order") {
  auto fs = children("filesystems");
  REQUIRE(fs.size() == 5);  // type, source, target, options and vmadm's stored-only raw
  CHECK(fs[0]->path == "filesystems[].type");
  CHECK(fs[3]->path == "filesystems[].options");
  for (const Property* p : children("")) CHECK(p->path.find('.') == std::string::npos);
}

TEST_CASE("nearest suggests plausible typos only") {
  std::vector<std::string> names;
  for (const Property* p : children("")) names.push_back(p->path);
  CHECK(nearest("max_phisical_memory", names) == "max_physical_memory");
  CHECK(nearest("alais", names) == "alias");
  CHECK(nearest("Hostname", names) == "hostname");
  CHECK(nearest("cpu_shars", names) == "cpu_shares");
  CHECK(nearest("frobnicate", names) == "");
  CHECK(nearest("x", names) == "");
}

TEST_CASE("type and update names for docs") {
  CHECK(type_name(*find_property("nics[].ips")) == "list of IPv4 or IPv6 CIDRs");
  CHECK(type_name(*find_property("resolvers")) == "list of IPv4 or IPv6 addresses");
  CHECK(type_name(*find_property("filesystems[].options")) == "list of ro, rw, nodevice, nosuid or noexec");
  CHECK(type_name(*find_property("brand")) == "one of sparse, image");
  CHECK(update_name(Update::Live) == "live");
  CHECK(update_name(Update::NextBoot) == "next boot");
}

TEST_CASE("property_names lists schema paths for completion") {
  auto all = property_names(true);
  auto settable = property_names(false);
  CHECK(all.size() == schema().size());
  CHECK(std::find(settable.begin(), settable.end(), "nics[].ips") != settable.end());
  CHECK(std::find(settable.begin(), settable.end(), "uid_base") == settable.end());
  CHECK(std::find(all.begin(), all.end(), "uid_base") != all.end());
}
