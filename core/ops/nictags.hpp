// nic tags: a tag names a host bridge and an address pool.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/store/store.hpp"

namespace zonekit::ops {

struct TagChange {              // nicadm update: only what was given
  std::optional<std::string> bridge, subnet, gateway, range;
  std::optional<uint32_t> mtu;
  std::optional<uint16_t> vlan_id;
  std::optional<bool> nat;
};

// Add a tag and bring up its bridge (created if missing, used as it is
// otherwise; the gateway address is added to it).
Result<void> add_tag(store::Store& st, const store::NicTag& tag);
Result<void> update_tag(store::Store& st, const std::string& name, const TagChange& change);
// Refused (Busy) while any zone has a NIC on it, naming the zones.
Result<void> delete_tag(store::Store& st, const std::string& name);

nlohmann::json tag_json(const store::NicTag& t);
// Rows {zone, uuid, nic, ip, mac} of every NIC on the tag.
Result<std::vector<nlohmann::json>> tag_allocations(const store::Store& st, const std::string& name);

}  // namespace zonekit::ops
