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
//   - broadcast and multicast frames (group bit of the destination MAC)
//     beyond broadcast_rate per second, with a burst of as many, dropped
//     first: the bridge floods them to every port and the host (0: no limit)
// allow_ip_spoofing lifts the address checks, allow_mac_spoofing the MAC
// checks; with both, only the flood limit applies. Every drop is counted
// in a named counter "n<index>_<reason>" (mac, arp, ip, ip6, nd, ra, dhcp,
// other, flood) so tests and admins can see what was dropped.
// Limit: each table has its own base chain at bridge prerouting, and the
// kernel allows 1024 hooks at one hook point of a network namespace
// (MAX_HOOK_COUNT); the 1025th zone with a filtered nic fails to boot with
// "nft add chain ... prerouting: Argument list too long" (E2BIG).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/net/nft_model.hpp"
#include "core/plan/zone_spec.hpp"
#include "core/sys/result.hpp"

namespace zonekit::net {

namespace nft {
class Socket;
}

// "zk_" + the first 10 hex digits of the uuid; Invalid if the uuid does not
// start with 10 hex digits (dashes skipped).
Result<std::string> zone_table_name(const std::string& uuid);

// A nic's host_ifname must be a valid name and exactly host_ifname(uuid,
// index): zonekit only ever creates, filters or deletes host links it named.
Result<void> check_host_ifname(const NicSpec& nic, size_t pos, const std::string& uuid);

// The zone's table (bridge family, named zone_table_name), as the kernel
// will hold it. Every name and address is validated and taken from parsed
// values, so nothing from the spec reaches the kernel verbatim: Invalid on
// bad input, naming the field ("nics[0].mac: ..."). Each list of allowed
// addresses becomes a compare or an anonymous set as nft made it from the
// rule text: a plain set of addresses, or an interval set in which
// overlapping and adjacent ranges are merged. Pure.
Result<nft::Table> antispoof_table(const ZoneSpec& spec);

// Replace the zone's table atomically: one nf_tables transaction that adds,
// deletes and defines it (only defines it when there is none yet). Runs in
// the calling thread's network namespace; it reads no other zone's table.
Result<void> apply_antispoof(const ZoneSpec& spec);
// Remove the zone's table; success if it does not exist. The overload
// commits on the caller's socket and says whether there was a table:
// closing that socket right after a delete waits for the kernel to free
// the table's rules (a grace period).
Result<void> remove_antispoof(const std::string& uuid);
Result<bool> remove_antispoof(nft::Socket& nl, const std::string& uuid);

// Packets dropped so far, per counter of the zone's table ("n0_ip" -> 3):
// one dump of that table's counters. NotFound if the zone has no table.
Result<std::map<std::string, uint64_t>> antispoof_counters(const std::string& uuid);

// Whether the bridge-family table exists (one netlink GETTABLE, no
// transaction).
// Deleting a table queues nf_tables' destroy work, and closing the nft
// socket then waits an RCU grace period (8-15 ms measured); callers delete
// only when there is a table, so booting a clean zone pays none of it.
Result<bool> bridge_table_exists(const std::string& table);

}  // namespace zonekit::net
