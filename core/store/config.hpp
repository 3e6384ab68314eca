// Host configuration: /etc/zonekit/zonekit.toml (optional; built-in
// defaults serve). See zonekit.toml(5).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/sys/result.hpp"

namespace zonekit::store {

struct NicTag {
  std::string name;
  std::string bridge;
  std::string subnet;       // CIDR
  std::string gateway;      // address on the bridge, may be empty
  std::string range;        // "FIRST-LAST", empty = whole subnet
  uint32_t mtu = 1500;
  uint16_t vlan_id = 0;
  bool nat = false;
  // What zones on the tag may reach on the host: empty (nothing), {"all"},
  // or services ("dns", "ping", "tcp/22", "udp/5000-5010") on the bridge's
  // own addresses. See net::parse_host_service.
  std::vector<std::string> host_access;
  // Where the host forwards the zones' traffic: "world" (interfaces that
  // are no zonekit bridge; implied by nat) and names of other tags.
  std::vector<std::string> forward;
  std::string origin;       // "config" or "store"
};

struct Config {
  // Zones' uid/gid ranges: systemd's unused block (see id_ranges.hpp).
  uint32_t id_first = 0x70000000;          // first host uid handed to a zone
  uint32_t id_count = 65536;               // ids per zone
  uint32_t id_ranges = 4094;               // how many zones can get a range
  std::string cgroup_parent = "zonekit";   // cgroups live at <hierarchy>/<parent>/<uuid>
  std::string cgroup_root = "/sys/fs/cgroup";
  // Who makes the zones' cgroups: "systemd" (a transient scope per zone in
  // machine.slice, over D-Bus), "cgroupfs" (zonekit, under cgroup_parent),
  // or "auto": systemd where it is pid 1 and cgroup v2 is the one hierarchy.
  std::string cgroup_manager = "auto";
  int boot_timeout_s = 30;
  // A zone whose quota the store's filesystem cannot enforce: run with a
  // warning (true, the default: vmadm payloads carry a quota routinely and
  // most hosts have no project quotas), or refused at create, update and
  // boot (false).
  bool quota_allow_unenforced = true;
  // Each zone's console log rotates at this size, keeping one older file
  // (zlog_max_size in a manifest overrides it for that zone).
  uint64_t console_log_max = 1 << 20;
  // The quota (GiB) of a zone whose manifest sets none; 0: no bound.
  // vmadm's default. Applied at each boot, so a change reaches such zones
  // at their next boot.
  uint64_t quota_default_gib = 10;
  // Percent of the store filesystem's space and of its inodes that create
  // leaves free for the zones already there and for zonekit (boot warns
  // below it). 0: no check.
  unsigned store_reserve_percent = 5;
  std::map<std::string, NicTag> nic_tags;  // from [nic_tags.NAME]
};

// Parse the TOML text. Errors name the file, line and key.
Result<Config> parse_config(const std::string& text, const std::string& source);

// Load from path (missing file = defaults), then apply env overrides
// (ZONEKIT_CGROUP_PARENT, ZONEKIT_CGROUP_MANAGER).
Result<Config> load_config(const std::string& path);

// Check a tag's fields (name, bridge ifname, subnet, gateway in subnet,
// range inside subnet, mtu). Messages name the field.
Result<void> validate_tag(const NicTag& tag);

}  // namespace zonekit::store
