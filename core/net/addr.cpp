#include "core/net/addr.hpp"

#include <arpa/inet.h>

#include <cstdio>

namespace zonekit::net {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Decimal without sign or leading zeros, at most max_digits long.
std::optional<unsigned> parse_small_decimal(std::string_view s, size_t max_digits) {
  if (s.empty() || s.size() > max_digits) return std::nullopt;
  if (s.size() > 1 && s[0] == '0') return std::nullopt;
  unsigned v = 0;
  for (char c : s) {
    if (!is_digit(c)) return std::nullopt;
    v = v * 10 + unsigned(c - '0');
  }
  return v;
}

std::optional<IpAddr> parse_v4(std::string_view s) {
  IpAddr ip;
  ip.family = AF_INET;
  for (int i = 0; i < 4; ++i) {
    auto dot = s.find('.');
    if ((i < 3) != (dot != std::string_view::npos)) return std::nullopt;
    auto part = s.substr(0, dot);
    auto v = parse_small_decimal(part, 3);
    if (!v || *v > 255) return std::nullopt;
    ip.bytes[i] = uint8_t(*v);
    s = i < 3 ? s.substr(dot + 1) : std::string_view{};
  }
  return ip;
}

std::optional<IpAddr> parse_v6(std::string_view s) {
  if (s.empty() || s.size() > 45) return std::nullopt;
  for (char c : s) {
    bool ok = is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
    if (!ok) return std::nullopt;
  }
  std::string z(s);
  IpAddr ip;
  ip.family = AF_INET6;
  if (inet_pton(AF_INET6, z.c_str(), ip.bytes.data()) != 1) return std::nullopt;
  return ip;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string IpAddr::str() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, bytes.data(), buf, sizeof buf);
  return buf;
}

std::string Cidr::str() const { return addr.str() + "/" + std::to_string(prefix); }

IpAddr Cidr::network() const {
  IpAddr n = addr;
  for (size_t i = 0; i < n.size(); ++i) {
    int bits = prefix - int(i) * 8;
    uint8_t mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : uint8_t(0xff << (8 - bits));
    n.bytes[i] &= mask;
  }
  return n;
}

IpAddr Cidr::last() const {
  IpAddr n = addr;
  for (size_t i = 0; i < n.size(); ++i) {
    int bits = prefix - int(i) * 8;
    uint8_t mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : uint8_t(0xff << (8 - bits));
    n.bytes[i] |= uint8_t(~mask);
  }
  return n;
}

bool Cidr::contains(const IpAddr& ip) const {
  if (ip.family != addr.family) return false;
  return Cidr{ip, prefix}.network() == network();
}

std::optional<IpAddr> parse_ip(std::string_view s) {
  if (s.find(':') != std::string_view::npos) return parse_v6(s);
  return parse_v4(s);
}

std::optional<Cidr> parse_cidr(std::string_view s) {
  auto slash = s.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto ip = parse_ip(s.substr(0, slash));
  if (!ip) return std::nullopt;
  auto p = parse_small_decimal(s.substr(slash + 1), 3);
  if (!p || int(*p) > ip->max_prefix()) return std::nullopt;
  return Cidr{*ip, int(*p)};
}

std::optional<Cidr> parse_ip_or_cidr(std::string_view s) {
  if (s.find('/') != std::string_view::npos) return parse_cidr(s);
  auto ip = parse_ip(s);
  if (!ip) return std::nullopt;
  return Cidr{*ip, ip->max_prefix()};
}

IpAddr offset(const IpAddr& ip, int64_t delta) {
  IpAddr r = ip;
  // Add a signed 64-bit delta to a big-endian number of size() bytes.
  uint64_t add = uint64_t(delta);
  uint64_t sign_fill = delta < 0 ? 0xff : 0;
  unsigned carry = 0;
  for (int i = int(r.size()) - 1, k = 0; i >= 0; --i, ++k) {
    unsigned b = k < 8 ? unsigned((add >> (8 * k)) & 0xff) : unsigned(sign_fill);
    unsigned sum = unsigned(r.bytes[i]) + b + carry;
    r.bytes[i] = uint8_t(sum & 0xff);
    carry = sum >> 8;
  }
  return r;
}

std::optional<Mac> parse_mac(std::string_view s) {
  if (s.size() != 17) return std::nullopt;
  Mac m{};
  for (int i = 0; i < 6; ++i) {
    int hi = hex_value(s[i * 3]), lo = hex_value(s[i * 3 + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    if (i < 5 && s[i * 3 + 2] != ':') return std::nullopt;
    m[i] = uint8_t(hi * 16 + lo);
  }
  return m;
}

std::string format_mac(const Mac& m) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return buf;
}

bool valid_ifname_strict(std::string_view s) {
  if (s.empty() || s.size() > 15) return false;
  for (char c : s)
    if (!(is_digit(c) || (c >= 'a' && c <= 'z'))) return false;
  return true;
}

bool valid_ifname(std::string_view s) {
  if (s.empty() || s.size() > 15 || s == "." || s == "..") return false;
  for (char c : s)
    if (!(is_digit(c) || (c >= 'a' && c <= 'z') || c == '_' || c == '-' || c == '.')) return false;
  return true;
}

}  // namespace zonekit::net
