// Address pools and MAC derivation for nic tags. Pure: the store holds the
// pool lock and the list of taken addresses, this only decides.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "core/net/addr.hpp"
#include "core/sys/result.hpp"

namespace zonekit::net {

struct Pool {
  Cidr subnet;                    // network form ("10.0.0.0/24")
  std::optional<IpAddr> gateway;  // inside subnet, never handed out
  IpAddr first, last;             // allocation range, inclusive, inside subnet
};

// subnet: "10.0.0.0/24" (host bits must be zero). gateway: inside the
// subnet, not its network or broadcast address. range: "FIRST-LAST" inside
// the subnet, FIRST <= LAST. Default range: the subnet without its network
// address and (v4) broadcast address; /31 and /32 (and /127, /128) use every
// address. Errors are Invalid and name the field: "range: 10.1.0.5 is
// outside subnet 10.0.0.0/24".
Result<Pool> make_pool(const Cidr& subnet, const std::optional<IpAddr>& gateway,
                       std::optional<std::string_view> range = std::nullopt);
// The same from strings ("" gateway / range = none).
Result<Pool> make_pool(std::string_view subnet, std::string_view gateway = {},
                       std::string_view range = {});

// Inside [first, last] and not the gateway: an address a zone may hold.
bool pool_allows(const Pool& pool, const IpAddr& ip);

// The lowest address of the range that is not taken and not the gateway;
// nullopt when the pool is full.
std::optional<IpAddr> next_free(const Pool& pool, const std::set<IpAddr>& taken);
// Taken given as strings, plain ("10.0.0.5") or with prefix ("10.0.0.5/24");
// unparsable entries are ignored.
std::optional<IpAddr> next_free(const Pool& pool, const std::set<std::string>& taken);

// "10.0.0.5/24": the address with the pool's prefix, as stored in NicSpec.ips.
std::string with_prefix(const Pool& pool, const IpAddr& ip);

// A locally administered unicast MAC (first octet: bit 1 set, bit 0 clear)
// derived from FNV-1a-64 over "uuid/index/attempt", finished with the
// splitmix64 mixer; bytes 0..5 are the top 48 bits of the result. Stable
// across releases: changing it would change MACs of zones created later
// only, but tests pin it anyway. Raise attempt to resolve a collision.
std::string stable_mac(const std::string& zone_uuid, uint32_t nic_index, uint32_t attempt = 0);

}  // namespace zonekit::net
