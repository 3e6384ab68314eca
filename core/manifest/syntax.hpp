// Strict syntax checks for manifest values. Pure functions, no allocation of
// resources; other modules (net, store) may use them too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zonekit::manifest {

// Dotted quad, each part 0..255 in decimal without leading zeros.
bool is_ipv4(std::string_view s);
// RFC 4291 text form (inet_pton), no zone index.
bool is_ipv6(std::string_view s);
inline bool is_ip(std::string_view s) { return is_ipv4(s) || is_ipv6(s); }
// ADDRESS/PREFIX with prefix 0..32 (IPv4) or 0..128 (IPv6), no leading zeros.
bool is_cidr(std::string_view s);
// Contiguous IPv4 netmask; returns the prefix length.
std::optional<int> netmask_prefix(std::string_view s);
// Six colon-separated pairs of hex digits.
bool is_mac(std::string_view s);
bool is_multicast_mac(std::string_view s);  // assumes is_mac
bool is_uuid(std::string_view s);
// RFC 1123 labels (1..63 of [A-Za-z0-9-], no leading/trailing '-'), dot
// separated, total <= max_len.
bool is_dns_name(std::string_view s, size_t max_len);
// The address part of "a/b" (or the whole string).
std::string_view address_part(std::string_view ip_or_cidr);
// Address and prefix; prefix -1 when there is none.
struct IpPrefix {
  std::string address;
  int prefix = -1;
  bool v6 = false;
};
std::optional<IpPrefix> parse_ip_prefix(std::string_view s);
bool is_valid_utf8(std::string_view s);

}  // namespace zonekit::manifest
