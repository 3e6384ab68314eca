// Identity allocation, pure: given what other zones hold and the nic tags,
// decide a new zone's uuid-bound identity (MACs, IPs, uid/gid range).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/store/config.hpp"
#include "core/sys/result.hpp"

namespace zonekit::store {

struct ZoneRecord;

// Everything already taken, each mapped to who holds it ("zone web01
// nics[0]"), so conflicts name the holder.
struct Taken {
  std::map<std::string, std::string> uuids;
  std::map<std::string, std::string> aliases;
  std::map<std::string, std::string> macs;      // lower-case aa:bb:..
  std::map<std::string, std::string> ips;       // address without prefix
  std::map<uint32_t, std::string> id_bases;
  std::map<std::string, std::string> host_ifnames;
};

Taken collect_taken(const std::vector<ZoneRecord>& zones, const std::string& except_uuid = "");

// Fill in the identity of one NIC (doc["nics"][index]) of zone uuid:
// mac, ips (from the tag's pool when absent), gateways, mtu, vlan_id.
// Checks given values against the pool and every other zone. Adds what it
// takes to `taken` so the next NIC sees it.
Result<void> assign_nic(nlohmann::json& nic, size_t index, const std::string& uuid,
                        const std::map<std::string, NicTag>& tags, Taken& taken,
                        const std::string& path_prefix = "nics");

// Assign uuid (if absent), alias uniqueness, every NIC, and uid_base.
// new_uuid is used when doc has no uuid.
Result<void> assign_identity(nlohmann::json& doc, const std::string& new_uuid,
                             const std::map<std::string, NicTag>& tags, const Config& config,
                             Taken& taken);

// A fresh random (version 4) uuid.
std::string random_uuid();

}  // namespace zonekit::store
