// The host's side of zone networking, one policy for all zones: what of
// the host's own stack zones may reach (the shield), where the host
// forwards their traffic, and outbound NAT. Two nft tables, each with a
// fixed number of base chains whatever the number of zones:
//
//   table bridge zonekit   input hook: every frame a zone port ("zk*")
//                          hands up to the host's stack gets kZoneMark in
//                          its packet mark (the inet hooks no longer see
//                          the port, only the bridge)
//   table inet zonekit     for marked packets only, so traffic of an
//                          admin's bridge ports and uplinks is never touched:
//     input      established/related (answers to the host) and IPv6
//                neighbour discovery and MLD pass; then per bridge what its
//                tags allow: everything ("all"), or services on the bridge's
//                own addresses; the rest is dropped (counter input_drop).
//                Every host address is covered, v4 and v6: link-local,
//                other interfaces' and 0.0.0.0 listeners alike. ARP is not
//                IP and never reaches these hooks, so zones always resolve
//                their gateway.
//     forward    established/related pass; then per bridge: to the same
//                bridge, to interfaces that are no zonekit bridge ("world",
//                implied by NAT), to the bridges of the tags named; the
//                rest is dropped (counter forward_drop)
//     postrouting (nat) the NAT subnets masqueraded when they leave through
//                an interface that is no zonekit bridge
//
// net.ipv4.ip_forward is turned on while a tag needs forwarding; the value
// zonekit found is kept in a record file and put back when none needs it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/net/addr.hpp"
#include "core/net/nft_model.hpp"
#include "core/sys/result.hpp"

namespace zonekit::net {

// The packet mark bit of traffic from zone ports.
inline constexpr uint32_t kZoneMark = 0x01000000;
inline constexpr const char* kHostTable = "zonekit";

// One item of a tag's host access: "dns" (tcp and udp 53), "ping" (ICMP and
// ICMPv6 echo), "tcp/PORT", "udp/PORT", or a range "tcp/FIRST-LAST". Invalid
// with a message naming the item otherwise.
struct HostService {
  uint8_t proto = 0;   // IPPROTO_TCP, IPPROTO_UDP, or IPPROTO_ICMP for echo (v4 and v6)
  uint16_t first = 0, last = 0;
  bool operator==(const HostService&) const = default;
};
Result<std::vector<HostService>> parse_host_service(const std::string& item);

// What zones behind one bridge may do beyond it (the union of the tags on
// that bridge).
struct BridgePolicy {
  std::string bridge;
  bool host_all = false;                     // the whole host stack, every address
  std::vector<HostService> host_services;    // on the bridge's own addresses only
  bool forward_world = false;                // to interfaces that are no zonekit bridge
  std::vector<std::string> forward_bridges;  // to these zonekit bridges
  std::vector<Cidr> masquerade;              // IPv4 subnets NATed to the world
};

struct HostPolicy {
  std::vector<BridgePolicy> bridges;
  // Some bridge forwards anywhere: ip_forward must be on.
  bool needs_forwarding() const;
};

// The two tables (bridge zonekit, inet zonekit); none when the policy has
// no bridges. Invalid when a bridge name is not an interface name. Pure.
Result<std::vector<nft::Table>> host_tables(const HostPolicy& policy);

// Replace both tables with the policy's in one transaction (remove them when
// it has none), then turn forwarding on, or put back what zonekit changed
// when nothing needs it any more. For nicadm, with the tags locked.
// retired_ip_tables: tables of family ip that earlier versions made (a
// tag's "zknat_TAG"), removed in the same transaction.
Result<void> apply_host_policy(const HostPolicy& policy, const std::string& forward_record,
                               const std::vector<std::string>& retired_ip_tables = {});
// At zone boot (after a host reboot nothing is there): create a missing
// table, never replace one (nicadm keeps them current), and turn forwarding
// on if needed. Safe against concurrent boots.
Result<void> ensure_host_policy(const HostPolicy& policy, const std::string& forward_record);

// Packets dropped so far by the shield and the forward filter:
// {"input_drop": n, "forward_drop": m}; empty without the table.
Result<std::map<std::string, uint64_t>> host_policy_counters();

}  // namespace zonekit::net
