// IP addresses, prefixes and MAC addresses: strict parsing and canonical
// formatting. Pure; used by the store (IPAM, validation) and by the network
// apply code, which only ever puts re-formatted values into netlink messages
// and nft rule text.
#pragma once

#include <sys/socket.h>

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zonekit::net {

struct IpAddr {
  int family = AF_INET;                  // AF_INET or AF_INET6
  std::array<uint8_t, 16> bytes{};       // v4 uses bytes[0..3], the rest stay 0

  bool is_v4() const { return family == AF_INET; }
  bool is_v6() const { return family == AF_INET6; }
  size_t size() const { return is_v4() ? 4 : 16; }
  int max_prefix() const { return is_v4() ? 32 : 128; }
  // "10.0.0.5", "fd00::5" (RFC 5952 form, as inet_ntop writes it).
  std::string str() const;

  auto operator<=>(const IpAddr&) const = default;  // family first, then numeric
  bool operator==(const IpAddr&) const = default;
};

struct Cidr {
  IpAddr addr;                           // as written (host bits kept: "10.0.0.5/24")
  int prefix = 0;

  std::string str() const;               // "10.0.0.5/24"
  IpAddr network() const;                // host bits cleared
  IpAddr last() const;                   // host bits set (v4: broadcast)
  bool contains(const IpAddr& ip) const; // same family and inside the prefix
  bool operator==(const Cidr&) const = default;
};

// Strict: v4 is exactly four decimal octets 0-255 without leading zeros
// ("1.2.3", "01.2.3.4", "1.2.3.4 " are refused); v6 is inet_pton's form
// without zone ids.
std::optional<IpAddr> parse_ip(std::string_view s);
// "ADDR/PREFIX", prefix decimal without leading zeros, <= 32 or <= 128.
std::optional<Cidr> parse_cidr(std::string_view s);
// A CIDR, or a plain address taken as a host prefix (/32, /128).
std::optional<Cidr> parse_ip_or_cidr(std::string_view s);

// The address offset by delta (wraps within the family's width; callers
// bound it by a Cidr). Used to walk ranges.
IpAddr offset(const IpAddr& ip, int64_t delta);

using Mac = std::array<uint8_t, 6>;
// "aa:bb:cc:dd:ee:ff" (either case, exactly six two-digit groups).
std::optional<Mac> parse_mac(std::string_view s);
std::string format_mac(const Mac& mac);  // lower case
inline bool mac_is_unicast(const Mac& m) { return (m[0] & 1) == 0; }
inline bool mac_is_zero(const Mac& m) { return m == Mac{}; }
// A usable interface MAC: unicast and not all zero.
inline bool mac_is_assignable(const Mac& m) { return mac_is_unicast(m) && !mac_is_zero(m); }

// Linux interface names zonekit creates or accepts from a spec: [a-z0-9]
// (plus '_', '-' and '.' for bridges that already exist), 1-15 chars. Names
// that reach nft rule text must pass the strict form.
bool valid_ifname_strict(std::string_view s);   // [a-z0-9]{1,15}
bool valid_ifname(std::string_view s);          // [a-z0-9_.-]{1,15}, not "." or ".."

}  // namespace zonekit::net
