// The nftables rule text built from a zone spec whose strings are hostile
// (uuid, MACs, addresses, interface names: newline, ';', quotes, NUL,
// overlong). antispoof_ruleset must refuse, or produce text in which no
// spec string could have injected a statement: every quoted name is a plain
// interface/counter name, ';' appears only in the chain's hook line, and
// braces balance.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/net/antispoof.hpp"
#include "core/plan/zone_spec.hpp"

using namespace zonekit;

namespace {

struct Reader {
  std::vector<std::string> parts;
  size_t next = 0;
  std::string take() { return next < parts.size() ? parts[next++] : std::string(); }
  uint8_t flags() {
    auto s = take();
    return s.empty() ? 0 : static_cast<uint8_t>(s[0]);
  }
};

bool safe_quoted(const std::string& s) {
  for (char c : s)
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == ':' || c == '/' || c == '-'))
      return false;
  return !s.empty() && s.size() <= 15;
}

void check(const std::string& text) {
  int depth = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(start, nl - start);
    start = nl + 1;
    size_t q = 0;
    while ((q = line.find('"', q)) != std::string::npos) {
      size_t e = line.find('"', q + 1);
      if (e == std::string::npos) abort();  // a quote left open on its line
      if (!safe_quoted(line.substr(q + 1, e - q - 1))) abort();
      q = e + 1;
    }
    size_t first = line.find_first_not_of('\t');
    if (line.find(';') != std::string::npos &&
        (first == std::string::npos || line.compare(first, 5, "type ") != 0))
      abort();
    for (char c : line) {
      if (c == '{') ++depth;
      if (c == '}' && --depth < 0) abort();
      if (c == '\0' || c == '\r') abort();
    }
  }
  if (depth != 0) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader r;
  std::string in(reinterpret_cast<const char*>(data), size);
  size_t start = 0;
  for (;;) {
    size_t z = in.find('\0', start);
    r.parts.push_back(in.substr(start, z == std::string::npos ? std::string::npos : z - start));
    if (z == std::string::npos) break;
    start = z + 1;
  }
  ZoneSpec spec;
  uint8_t top = r.flags();
  spec.uuid = (top & 1) ? r.take() : "1b2e4f8a-0c3d-4e5f-8a9b-0c1d2e3f4a5b";
  spec.name = "fuzz";
  size_t nics = 1 + (top >> 1) % 3;
  for (size_t i = 0; i < nics; ++i) {
    NicSpec n;
    uint8_t f = r.flags();
    n.index = (f & 0x80) ? static_cast<uint32_t>(f & 0x0f) : static_cast<uint32_t>(i);
    n.zone_ifname = "net" + std::to_string(i);
    n.host_ifname = (f & 1) ? r.take() : host_ifname(spec.uuid, n.index);
    n.bridge = (f & 2) ? r.take() : "zkbr0";
    n.mac = r.take();
    n.ips = {r.take()};
    if (f & 4) n.ips.push_back(r.take());
    if (f & 8) n.allowed_ips = {r.take(), r.take()};
    n.gateways = {r.take()};
    n.allow_ip_spoofing = f & 16;
    n.allow_mac_spoofing = f & 32;
    n.allow_dhcp_spoofing = f & 64;
    spec.nics.push_back(std::move(n));
  }
  auto text = net::antispoof_ruleset(spec);
  if (text) check(*text);
  (void)net::zone_table_name(spec.uuid);
  return 0;
}
