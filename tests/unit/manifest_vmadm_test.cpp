// vmadm payloads, whole: every property vmadm(8) documents is known to the
// schema; those zonekit does not act on are stored verbatim and named at
// create; keys vmadm does not know stay errors, with a hint.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/manifest/schema.hpp"
#include "core/manifest/validate.hpp"

using namespace zonekit::manifest;
using nlohmann::json;

namespace {

// The PROPERTIES section of vmadm(8) (smartos-live src/vm/man/vmadm.8.md).
const std::vector<std::string> kVmadmProperties = {
    "alias", "archive_on_delete", "autoboot", "billing_id", "bhyve_extra_opts", "boot", "boot_timestamp",
    "bootrom", "brand", "cpu_cap", "cpu_shares", "cpu_type", "create_timestamp", "server_uuid",
    "customer_metadata", "datasets", "delegate_dataset", "disks", "disk_driver", "do_not_inventory",
    "dns_domain", "filesystems", "filesystems.*.type", "filesystems.*.source", "filesystems.*.target",
    "filesystems.*.raw", "filesystems.*.options", "firewall_enabled", "flexible_disk_size", "free_space",
    "fs_allowed", "hostname", "hvm", "image_uuid", "internal_metadata", "internal_metadata_namespaces",
    "indestructible_delegated", "indestructible_zoneroot", "kernel_version", "limit_priv",
    "maintain_resolvers", "max_locked_memory", "max_lwps", "max_physical_memory", "max_swap",
    "mdata_exec_timeout", "nics", "nics.*.allow_dhcp_spoofing", "nics.*.allow_ip_spoofing",
    "nics.*.allow_mac_spoofing", "nics.*.allow_restricted_traffic", "nics.*.allow_unfiltered_promisc",
    "nics.*.blocked_outgoing_ports", "nics.*.allowed_ips", "nics.*.allowed_dhcp_cids", "nics.*.dhcp_server",
    "nics.*.gateway", "nics.*.gateways", "nics.*.interface", "nics.*.ip", "nics.*.ips", "nics.*.mac",
    "nics.*.model", "nics.*.mtu", "nics.*.netmask", "nics.*.network_uuid", "nics.*.nic_tag",
    "nics.*.primary", "nics.*.vlan_id", "nics.*.vrrp_primary_ip", "nics.*.vrrp_vrid", "nic_driver", "nowait",
    "owner_uuid", "package_name", "package_version", "pid", "qemu_opts", "qemu_extra_opts", "quota", "ram",
    "resolvers", "routes", "snapshots", "spice_opts", "spice_password", "spice_port", "state", "tmpfs",
    "transition_expire", "transition_to", "type", "uuid", "vcpus", "vga", "virtio09", "virtio1",
    "virtio_txburst", "virtio_txtimer", "vnc_password", "vnc_port", "zfs_data_compression",
    "zfs_data_recsize", "zfs_filesystem_limit", "zfs_io_priority", "zfs_root_compression",
    "zfs_root_recsize", "zfs_snapshot_limit", "zlog_max_size", "zlog_mode", "zone_state", "zonepath",
    "zonename", "zonedid", "zoneid", "zpool",
    // In vmadm get output (proptable), not in the man page.
    "max_msg_ids", "max_sem_ids", "max_shm_ids", "max_shm_memory", "last_modified", "exit_status",
    "exit_timestamp", "init_name", "restart_init", "v", "platform_buildstamp",
};

json value_for(const Property& p) {
  switch (p.type) {
    case Type::Bool: return true;
    case Type::Int: return std::max<int64_t>(p.min, 1);
    case Type::Uuid: return "930896af-bf8c-48d4-885c-6573a94b1853";
    case Type::List: return json::array({"x"});
    case Type::Any: return json::array({json{{"any", "thing"}}, 2});
    default: return "some text";
  }
}

}  // namespace

TEST_CASE("every property vmadm(8) documents is in the schema") {
  for (const auto& name : kVmadmProperties) {
    std::string path = name;
    for (size_t at; (at = path.find(".*.")) != std::string::npos;) path.replace(at, 3, "[].");
    CHECK_MESSAGE(find_property(path) != nullptr, name);
  }
}

TEST_CASE("stored-only properties are stored verbatim and named") {
  json doc = {{"alias", "z"}, {"nics", json::array({json{{"nic_tag", "admin"}}})},
              {"filesystems", json::array({json{{"source", "/srv"}, {"target", "/srv"}}})}};
  std::vector<std::string> expect;
  for (const auto& p : schema()) {
    if (!p.stored_only) continue;
    expect.push_back(p.path);
    size_t br = p.path.find("[].");
    if (br == std::string::npos) doc[p.path] = value_for(p);
    else doc[p.path.substr(0, br)][0][p.path.substr(br + 3)] = value_for(p);
  }
  auto diags = validate_create(doc);
  for (const auto& d : diags) CAPTURE(d.str());
  REQUIRE(diags.empty());
  json stored = normalize_create(doc);
  for (const auto& p : schema()) {
    if (!p.stored_only) continue;
    size_t br = p.path.find("[].");
    const json& got = br == std::string::npos ? stored[p.path] : stored[p.path.substr(0, br)][0][p.path.substr(br + 3)];
    CHECK_MESSAGE(got == value_for(p), p.path);
  }
  std::sort(expect.begin(), expect.end());
  CHECK(stored_only_keys(stored) == expect);
  // And they survive an update and an export.
  auto udiags = validate_update(stored, json{{"owner_uuid", "00000000-0000-0000-0000-000000000000"}});
  CHECK(udiags.empty());
  CHECK(export_manifest(stored)["billing_id"] == "some text");
}

TEST_CASE("vmadm read-only properties are accepted and not kept") {
  json doc = {{"alias", "z"}, {"type", "OS"}, {"hvm", false}, {"zoneid", 12}, {"zonedid", 34},
              {"v", 1}, {"snapshots", json::array()}, {"state", "running"}, {"zone_state", "running"}};
  REQUIRE(validate_create(doc).empty());
  json stored = normalize_create(doc);
  for (const char* k : {"type", "hvm", "zoneid", "zonedid", "v", "snapshots", "state", "zone_state"})
    CHECK_MESSAGE(!stored.contains(k), k);
  CHECK(stored_only_keys(stored).empty());
}

TEST_CASE("keys vmadm does not know stay errors, with the nearest name") {
  auto diags = validate_create(json{{"alias", "z"}, {"owner_uid", "x"}});
  REQUIRE(diags.size() == 1);
  CHECK(diags[0].str().find("unknown property (did you mean \"owner_uuid\"?)") != std::string::npos);
  diags = validate_create(json{{"alias", "z"}, {"nics", json::array({json{{"nic_tag", "a"}, {"modle", "virtio"}}})}});
  REQUIRE(diags.size() == 1);
  CHECK(diags[0].str().find("did you mean \"model\"") != std::string::npos);
  CHECK_FALSE(validate_create(json{{"frobnicate", true}}).empty());
}
