// nic tags: a tag names a host bridge and an address pool, and says what
// its zones may reach beyond the bridge (host access, forwarding, NAT).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/net/host_policy.hpp"
#include "core/store/store.hpp"

namespace zonekit::ops {

struct TagChange {              // nicadm update: only what was given
  std::optional<std::string> bridge, subnet, gateway, range;
  std::optional<uint32_t> mtu;
  std::optional<uint16_t> vlan_id;
  std::optional<bool> nat;
  std::optional<std::vector<std::string>> host_access, forward;
};

// Lines for the admin ("zone z1 (net0) gets gateway ...") next to success.
using Notes = std::vector<std::string>;

// Add a tag and bring up its bridge (created if missing, used as it is
// otherwise; the gateway address is added to it), then the host policy.
Result<void> add_tag(store::Store& st, const store::NicTag& tag);
// A new gateway must not be an address a zone holds (refused, naming the
// zone). Zones whose gateway came from the tag (none while the tag had
// none, or the old one) get the new one in their stored manifest: their
// default route follows at their next boot. The old gateway address comes
// off the bridge if zonekit put it there.
Result<Notes> update_tag(store::Store& st, const std::string& name, const TagChange& change);
// Refused (Busy) while any zone has a NIC on it, naming the zones. Removes
// what zonekit made for the tag: the bridge if zonekit created it (else only
// the gateway address zonekit added) and the tag's part of the host policy.
Result<Notes> delete_tag(store::Store& st, const std::string& name);

// The host policy of a set of tags (pure): per bridge, the union of what
// its tags allow; nat implies forwarding to the world.
net::HostPolicy host_policy(const std::map<std::string, store::NicTag>& tags);
// Before a zone with nics boots: the host policy's tables exist (after a
// host reboot they do not) and forwarding is on where a tag needs it.
Result<void> ensure_tag_network(const store::Store& st);
// Where zonekit notes the ip_forward value it found before turning it on.
std::string forward_record(const store::Store& st);

// A missing value (no gateway, no range, no address) is null: "-" in
// tables, empty with -p, null with -j.
nlohmann::json tag_json(const store::NicTag& t);
// Rows {zone, uuid, nic, ip, mac} of every NIC on the tag; ip is the bare
// first address, as zoneadm list shows it.
Result<std::vector<nlohmann::json>> tag_allocations(const store::Store& st, const std::string& name);

}  // namespace zonekit::ops
