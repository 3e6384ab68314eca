// Anti-spoofing for zone nics: one nftables table per zone in the netdev
// family, with one base chain per nic at the ingress hook of its host port
// (the host end of the zone's veth), so every frame a zone sends passes it
// before anything else on the host: before the bridge forwards it or the
// host receives it.
//
// Per nic (host port H, MAC M, own addresses A):
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
// other, flood) of the zone's table, so tests and admins see what was dropped.
//
// Why per-port netdev hooks. Each zone's table used to have its own base
// chain at bridge prerouting, and the kernel allows 1024 hooks at one hook
// point of a network namespace (MAX_HOOK_COUNT): the 1025th zone with a nic
// failed to boot (E2BIG), whatever its nic tag. The ingress hook list is per
// device, so each port carries one chain (two for an instant while a table
// is replaced) and there is no shared ceiling. The alternative, one shared
// bridge table jumping through a verdict map to per-zone chains, puts every
// zone's chains, sets and counters into one table: each commit that adds a
// jump has the kernel validate the whole table (every zone's chains), and
// set names are allocated by a scan of the table's sets, so one zone's boot
// would cost more with every zone, and counter names would need the zone in
// them. Per-zone tables keep the boot cost flat (bench/nft_scaling.sh) and
// the replace atomic: one transaction deletes and defines the zone's table,
// and the new chains' rules go live in the same generation as the old
// ones go.
//
// What the netdev hook changes, and how it is covered:
//   - The hook needs its device: a port's chain is made after its veth
//     exists and before it is up or bridged (zone_net orders the steps; a
//     veth whose host end is down delivers nothing). When a port goes away,
//     kernels before 6.16 drop its chain from the table (the table stays
//     until the zone's teardown removes it); later ones keep it.
//   - Ingress runs in the receive path of the port for every frame the veth
//     delivers, before the bridge's rx handler. VLAN tags the zone's stack
//     hands over out of band read as the ether type (nft rebuilds the
//     header) and are dropped as "other".
//   - The guard: tc ingress filters and a frame marked by an ifb device as
//     "skip classification" pass around the ingress hook. Neither is the
//     zone's to set on the host port, but a zone could let ifb mark its own
//     frames. So each nic chain first sets kFilteredMark in the frame's mark
//     (never set on arrival: a mark does not cross network namespaces), and
//     one shared table, bridge zonekit_guard (one base chain at bridge
//     prerouting, whatever the number of zones), drops frames from zone ports
//     ("zk*") without it, counting them in "unfiltered", and clears the bit
//     on the others. A port whose chain is missing (gone with its device on
//     old kernels, or a table removed by hand) is closed, not open.
//   - Tables of the bridge family from before (bridge zk_<hex>, of zones
//     that kept running across an upgrade) are retired when their zone's
//     filter is next applied or removed; while any is left the guard is not
//     made, as it would drop those zones' frames.
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

// The packet mark bit a nic chain sets on the frames it lets through.
inline constexpr uint32_t kFilteredMark = 0x02000000;
inline constexpr const char* kGuardTable = "zonekit_guard";

// "zk_" + the first 10 hex digits of the uuid; Invalid if the uuid does not
// start with 10 hex digits (dashes skipped).
Result<std::string> zone_table_name(const std::string& uuid);

// A nic's host_ifname must be a valid name and exactly host_ifname(uuid,
// index): zonekit only ever creates, filters or deletes host links it named.
Result<void> check_host_ifname(const NicSpec& nic, size_t pos, const std::string& uuid);

// The zone's table (netdev family, named zone_table_name), as the kernel
// will hold it: a base chain "n<index>" per nic, hooked at the ingress of
// its host port, then the per-protocol chains. Every name and address is
// validated and taken from parsed values, so nothing from the spec reaches
// the kernel verbatim: Invalid on bad input, naming the field
// ("nics[0].mac: ..."). Each list of allowed addresses becomes a compare or
// an anonymous set as nft made it from the rule text: a plain set of
// addresses, or an interval set in which overlapping and adjacent ranges
// are merged. Pure.
Result<nft::Table> antispoof_table(const ZoneSpec& spec);
// The guard table (bridge zonekit_guard). Pure.
nft::Table guard_table();

// Replace the zone's table atomically: one nf_tables transaction that
// deletes and defines it (only defines it when there is none yet), and
// deletes the zone's bridge-family table of before if there is one. Every
// nic's host port must exist. Makes the guard first if it is missing (see
// above). Runs in the calling thread's network namespace; it reads no other
// zone's table.
Result<void> apply_antispoof(const ZoneSpec& spec);
// Remove the zone's table (and one of before); success if there is none.
// The overload commits on the caller's socket and says whether there was a
// table: closing that socket right after a delete waits for the kernel to
// free the table's rules (a grace period).
Result<void> remove_antispoof(const std::string& uuid);
Result<bool> remove_antispoof(nft::Socket& nl, const std::string& uuid);

// Packets dropped so far, per counter of the zone's table ("n0_ip" -> 3):
// one dump of that table's counters. NotFound if the zone has no table.
Result<std::map<std::string, uint64_t>> antispoof_counters(const std::string& uuid);

}  // namespace zonekit::net
