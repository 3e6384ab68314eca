// Anti-spoofing for zone nics: one nftables table per zone in the bridge
// family, hooked at bridge prerouting, so every frame a zone sends into a
// bridge (forwarded or for the host) passes it before anything else.
//
// Per protected nic (host port H, MAC M, own addresses A):
//   - source MAC must be M                        (unless allow_mac_spoofing)
//   - only ARP, IPv4 and IPv6 frames; 802.1Q and everything else dropped
//   - ARP: well-formed Ethernet/IPv4 only, sender MAC M, sender IP in A
//   - IPv4: source in A (0.0.0.0 too is dropped: no DHCP clients in zonekit)
//   - IPv6: source in A or the EUI-64 link-local of M (any fe80::/64 with
//     allow_mac_spoofing); neighbor adverts only for those targets; from ::
//     only DAD for those and MLD reports; no router adverts or redirects
//     (unless allow_dhcp_spoofing)
//   - no DHCPv4/DHCPv6 server replies (udp sport 67/547) unless allow_dhcp_spoofing
// allow_ip_spoofing lifts the address checks, allow_mac_spoofing the MAC
// checks; with both, the nic is not filtered at all. Every drop is counted
// in a named counter "n<index>_<reason>" (mac, arp, ip, ip6, nd, ra, dhcp,
// other) so tests and admins can see what was dropped.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/plan/zone_spec.hpp"
#include "core/sys/result.hpp"

namespace zonekit::net {

// "zk_" + the first 10 hex digits of the uuid; Invalid if the uuid does not
// start with 10 hex digits (dashes skipped).
Result<std::string> zone_table_name(const std::string& uuid);

// A nic's host_ifname must be a valid name and exactly host_ifname(uuid,
// index): zonekit only ever creates, filters or deletes host links it named.
Result<void> check_host_ifname(const NicSpec& nic, size_t pos, const std::string& uuid);

// The complete table definition ("table bridge zk_... { ... }"). Every name
// and address is validated and re-formatted from parsed values, so nothing
// from the spec reaches the rule text verbatim: Invalid on bad input,
// naming the field ("nics[0].mac: ...").
Result<std::string> antispoof_ruleset(const ZoneSpec& spec);

// Replace the zone's table atomically (one nft transaction: add, delete,
// define). Runs in the calling thread's network namespace.
Result<void> apply_antispoof(const ZoneSpec& spec);
// Remove the zone's table; success if it does not exist.
Result<void> remove_antispoof(const std::string& uuid);

// Packets dropped so far, per counter of the zone's table ("n0_ip" -> 3).
// NotFound if the zone has no table.
Result<std::map<std::string, uint64_t>> antispoof_counters(const std::string& uuid);

// Run an nft script through libnftables in one transaction; the error
// carries nft's own message. check_only: parse and validate, change nothing.
Result<std::string> nft_run(const std::string& script, bool check_only = false);

// Whether the bridge-family table exists (one netlink GETTABLE, no
// transaction, independent of how many zones exist).
// Deleting a table queues nf_tables' destroy work, and closing the nft
// socket then waits an RCU grace period (8-15 ms measured); callers delete
// only when there is a table, so booting a clean zone pays none of it.
Result<bool> bridge_table_exists(const std::string& table);

}  // namespace zonekit::net
