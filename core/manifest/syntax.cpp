#include "core/manifest/syntax.hpp"

#include <arpa/inet.h>

#include <cctype>

namespace zonekit::manifest {

namespace {
bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Decimal without sign or leading zeros, value <= max.
std::optional<unsigned> small_decimal(std::string_view s, unsigned max) {
  if (s.empty() || s.size() > 3) return std::nullopt;
  if (s.size() > 1 && s[0] == '0') return std::nullopt;
  unsigned v = 0;
  for (char c : s) {
    if (!is_digit(c)) return std::nullopt;
    v = v * 10 + unsigned(c - '0');
  }
  if (v > max) return std::nullopt;
  return v;
}

std::optional<uint32_t> parse_ipv4(std::string_view s) {
  uint32_t out = 0;
  int parts = 0;
  while (true) {
    size_t dot = s.find('.');
    auto v = small_decimal(s.substr(0, dot), 255);
    if (!v) return std::nullopt;
    out = (out << 8) | *v;
    ++parts;
    if (dot == std::string_view::npos) break;
    s = s.substr(dot + 1);
  }
  if (parts != 4) return std::nullopt;
  return out;
}
}  // namespace

bool is_ipv4(std::string_view s) { return parse_ipv4(s).has_value(); }

bool is_ipv6(std::string_view s) {
  if (s.empty() || s.size() > 45 || s.find(':') == std::string_view::npos) return false;
  for (char c : s)
    if (!(is_hex(c) || c == ':' || c == '.')) return false;
  unsigned char buf[16];
  std::string z(s);
  return inet_pton(AF_INET6, z.c_str(), buf) == 1;
}

std::optional<IpPrefix> parse_ip_prefix(std::string_view s) {
  IpPrefix out;
  size_t slash = s.find('/');
  std::string_view addr = s.substr(0, slash);
  if (is_ipv4(addr)) {
    out.v6 = false;
  } else if (is_ipv6(addr)) {
    out.v6 = true;
  } else {
    return std::nullopt;
  }
  out.address = std::string(addr);
  if (slash != std::string_view::npos) {
    auto p = small_decimal(s.substr(slash + 1), out.v6 ? 128 : 32);
    if (!p) return std::nullopt;
    out.prefix = int(*p);
  }
  return out;
}

bool is_cidr(std::string_view s) {
  auto p = parse_ip_prefix(s);
  return p && p->prefix >= 0;
}

std::optional<int> netmask_prefix(std::string_view s) {
  auto v = parse_ipv4(s);
  if (!v) return std::nullopt;
  uint32_t m = *v;
  int prefix = 0;
  while (prefix < 32 && (m & (0x80000000u >> prefix))) ++prefix;
  uint32_t expect = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  if (m != expect) return std::nullopt;
  return prefix;
}

bool is_mac(std::string_view s) {
  if (s.size() != 17) return false;
  for (size_t i = 0; i < 17; ++i) {
    if (i % 3 == 2) {
      if (s[i] != ':') return false;
    } else if (!is_hex(s[i])) {
      return false;
    }
  }
  return true;
}

bool is_multicast_mac(std::string_view s) {
  int first = std::stoi(std::string(s.substr(0, 2)), nullptr, 16);
  return (first & 1) != 0;
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < 36; ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
  }
  return true;
}

bool is_dns_name(std::string_view s, size_t max_len) {
  if (s.empty() || s.size() > max_len) return false;
  while (true) {
    size_t dot = s.find('.');
    std::string_view label = s.substr(0, dot);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-')) return false;
    if (dot == std::string_view::npos) return true;
    s = s.substr(dot + 1);
  }
}

std::string_view address_part(std::string_view s) { return s.substr(0, s.find('/')); }

bool is_valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) { ++i; continue; }
    if ((c & 0xE0) == 0xC0) n = 1, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) n = 2, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) n = 3, cp = c & 0x07;
    else return false;
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and out-of-range code points.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

}  // namespace zonekit::manifest
