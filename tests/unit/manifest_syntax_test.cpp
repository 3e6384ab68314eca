// Strict syntax of addresses, names and text.
#include <doctest/doctest.h>

#include "core/manifest/syntax.hpp"

using namespace zonekit::manifest;

TEST_CASE("IPv4 is dotted decimal without leading zeros") {
  for (const char* ok : {"0.0.0.0", "10.0.0.5", "255.255.255.255", "192.0.2.1"}) CHECK_MESSAGE(is_ipv4(ok), ok);
  for (const char* bad : {"10.0.0.300", "10.0.0", "10.0.0.5.6", "010.0.0.5", "10.0.0.05", "10..0.5", " 10.0.0.5",
                          "10.0.0.5 ", "+1.0.0.5", "0x0a.0.0.5", "", "1.2.3.4/24", "1.2.3.-4"})
    CHECK_MESSAGE(!is_ipv4(bad), bad);
}

TEST_CASE("IPv6 via inet_pton, no zone index") {
  for (const char* ok : {"::", "::1", "fd00::5", "2001:db8::1:2", "::ffff:192.0.2.1", "FD00::A"}) CHECK_MESSAGE(is_ipv6(ok), ok);
  for (const char* bad : {"fd00::5%eth0", ":::", "fd00::5::1", "12345::1", "g::1", "fd00::5/64", ""})
    CHECK_MESSAGE(!is_ipv6(bad), bad);
}

TEST_CASE("CIDR prefixes are bounded per family") {
  for (const char* ok : {"10.0.0.5/24", "0.0.0.0/0", "10.0.0.5/32", "fd00::5/64", "fd00::/128"}) CHECK_MESSAGE(is_cidr(ok), ok);
  for (const char* bad : {"10.0.0.5", "10.0.0.5/33", "10.0.0.5/024", "10.0.0.5/", "10.0.0.5/-1", "fd00::5/129",
                          "10.0.0.300/24", "10.0.0.5/24/1"})
    CHECK_MESSAGE(!is_cidr(bad), bad);
  auto p = parse_ip_prefix("fd00::5/64");
  REQUIRE(p);
  CHECK(p->v6);
  CHECK(p->prefix == 64);
  CHECK(p->address == "fd00::5");
  CHECK(parse_ip_prefix("10.0.0.5")->prefix == -1);
}

TEST_CASE("netmasks must be contiguous") {
  CHECK(netmask_prefix("255.255.255.0") == 24);
  CHECK(netmask_prefix("255.255.0.0") == 16);
  CHECK(netmask_prefix("0.0.0.0") == 0);
  CHECK(netmask_prefix("255.255.255.255") == 32);
  CHECK(netmask_prefix("255.255.255.252") == 30);
  CHECK_FALSE(netmask_prefix("255.0.255.0"));
  CHECK_FALSE(netmask_prefix("0.255.255.255"));
  CHECK_FALSE(netmask_prefix("255.255.255.1"));
}

TEST_CASE("MACs, uuids and DNS names") {
  CHECK(is_mac("02:ab:CD:00:00:01"));
  CHECK_FALSE(is_mac("02-ab-cd-00-00-01"));
  CHECK_FALSE(is_mac("2:ab:cd:00:00:01"));
  CHECK(is_multicast_mac("01:00:5e:00:00:01"));
  CHECK_FALSE(is_multicast_mac("02:00:5e:00:00:01"));
  CHECK(is_uuid("6f1c5b22-0c3e-4e0a-9d57-3d0f3a1c2b4e"));
  CHECK_FALSE(is_uuid("6f1c5b22-0c3e-4e0a-9d57-3d0f3a1c2b4"));
  CHECK_FALSE(is_uuid("6f1c5b22x0c3e-4e0a-9d57-3d0f3a1c2b4e"));
  CHECK(is_dns_name("web01.example.com", 253));
  CHECK(is_dns_name(std::string(63, 'a'), 253));
  CHECK_FALSE(is_dns_name(std::string(64, 'a'), 253));
  CHECK_FALSE(is_dns_name("web..example", 253));
  CHECK_FALSE(is_dns_name("web-.example", 253));
  CHECK_FALSE(is_dns_name("web.example.", 253));
  CHECK_FALSE(is_dns_name("we_b", 253));
  CHECK_FALSE(is_dns_name("", 253));
}

TEST_CASE("UTF-8 validity") {
  CHECK(is_valid_utf8("caf\xc3\xa9"));
  CHECK(is_valid_utf8("\xf0\x9f\x98\x80"));
  CHECK_FALSE(is_valid_utf8("caf\xe9"));
  CHECK_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // beyond U+10FFFF
  CHECK_FALSE(is_valid_utf8("\xe2\x82"));          // truncated
}
