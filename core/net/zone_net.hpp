// Zone networking from the host side: bridges, veth pairs, addresses and
// routes inside the zone's network namespace, anti-spoofing tables, NAT.
// Called by zoneadmd after it cloned the zone's init (its netns exists, init
// waits) and at teardown. Everything goes through netlink (rtnetlink, and
// nf_tables via nft_netlink) in the calling thread's network namespace (the
// host's, in production); the zone's namespace is reached through
// /proc/<pid>/ns/net without moving the calling thread.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "core/net/addr.hpp"
#include "core/plan/zone_spec.hpp"
#include "core/sys/result.hpp"

namespace zonekit::net {

// Create bridge `name` if missing (MTU mtu, a fixed MAC derived from the
// name so the gateway's MAC never changes as ports come and go) and set it
// up. An existing bridge is used as it is: only gateway_addr is added if it
// is given and not there yet. Safe against a concurrent creator.
// The gateway address is marked as zonekit's (IFA_PROTO), for release_bridge.
Result<void> ensure_bridge(const std::string& name, uint32_t mtu, const std::optional<Cidr>& gateway_addr);

// Undo ensure_bridge for a tag that goes away or moves: a bridge zonekit
// made (its MAC says so) is deleted unless keep_bridge (another tag uses
// it) or ports are still attached; otherwise only the gateway address comes
// off, and only if zonekit put it there (kernels before 6.1 do not keep
// that mark: the address stays). A missing bridge is no error.
struct BridgeRelease {
  bool bridge_deleted = false;
  bool address_removed = false;
  std::vector<std::string> ports;   // attached ports that kept a zonekit bridge
};
Result<BridgeRelease> release_bridge(const std::string& name, const std::optional<IpAddr>& gateway,
                                     bool keep_bridge);

// Bring up every nic of spec in the zone whose init is init_pid, in this order
// per zone: validate the whole spec, lo up in the zone, then per nic: bridge
// (ensure_bridge with the nic's gateways that fall inside its subnets), a
// stale host veth of the same name removed, veth pair created with the peer
// directly in the zone's netns already named zone_ifname with the nic's MAC
// and MTU (the host end down); then the anti-spoofing table, hooked to the
// host ends; then per nic, inside the zone: addr_gen_mode eui64, addresses,
// link up, and on the host: host end enslaved and up; then the default
// route(s) via the primary nic's first gateway of each family, then
// spec.routes.
// All or nothing: on failure the veths made so far and the table are removed.
Result<void> attach_zone(const ZoneSpec& spec, pid_t init_pid);

// The steps attach_zone (only = nullopt) or attach_nics would take, one line
// each, in order; pure (for --dry-run and to pin the order in tests).
Result<std::vector<std::string>> describe_attach(const ZoneSpec& spec,
                                                 const std::optional<std::vector<uint32_t>>& only = std::nullopt);

// A running zone gains nics: spec is the zone's new spec (old and new nics);
// the nics with these NicSpec::index values are brought up as at boot, the
// anti-spoofing table replaced for all of them once their veths exist
// (routes that are already there are kept). On failure the new veths are
// removed; the new table stays (it still guards the old ports).
Result<void> attach_nics(const ZoneSpec& spec, pid_t init_pid, const std::vector<uint32_t>& nic_indexes);
// A running zone loses nics: their host veths are deleted, then the table is
// replaced for spec, the zone's new spec without them. Idempotent.
Result<void> detach_nics(const ZoneSpec& spec, const std::vector<std::string>& host_ifnames);

// Remove the zone's host veths (the zone ends go with them) and its
// anti-spoofing table. Idempotent; bridges stay.
Result<void> detach_zone(const ZoneSpec& spec);

// For crash recovery: host links named "zk..." that are veths (zone host ends),
// and nft tables named "zk_..." of the netdev family, or the bridge family
// (zones from before; sorted, each name once; one GETTABLE dump a family).
Result<std::vector<std::string>> list_zone_links();
Result<std::vector<std::string>> list_zone_tables();
// Delete one zone host link by name (only a veth named "zk..."; anything
// else is refused as Invalid); success if it does not exist.
Result<void> delete_link(const std::string& name);
// Delete one zone table by name ("zk_0123456789"), of either family;
// success if missing.
Result<void> delete_zone_table(const std::string& table);

}  // namespace zonekit::net
