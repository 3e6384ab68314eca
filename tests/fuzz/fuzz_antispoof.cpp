// The anti-spoofing table built from a zone spec whose strings are hostile
// (uuid, MACs, addresses, interface names: newline, ';', quotes, NUL,
// overlong). antispoof_table must refuse, or produce a table that passes
// check_table (every jump, counter and set reference resolves, every
// compare and set key has its register's width, sets are well-formed
// interval encodings), whose names are plain nft identifiers, whose hooks
// are each on one of this zone's own host links, and which the netlink
// batch builder accepts.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/net/antispoof.hpp"
#include "core/net/nft_netlink.hpp"
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

void check(const ZoneSpec& spec, const net::nft::Table& t) {
  if (!net::nft::check_table(t).empty()) abort();
  if (t.name != *net::zone_table_name(spec.uuid)) abort();
  // One base chain per nic, first, each at the ingress of exactly one of
  // this zone's host links (as zonekit names them), each port once.
  size_t hooked = 0;
  std::vector<std::string> ports;
  for (const auto& c : t.chains) {
    if (!c.hook) continue;
    ++hooked;
    if (c.hook->hooknum != 0 || c.hook->priority != -500) abort();
    bool ours = false;
    for (const auto& n : spec.nics) ours = ours || c.hook->device == host_ifname(spec.uuid, n.index);
    if (!ours || std::find(ports.begin(), ports.end(), c.hook->device) != ports.end()) abort();
    ports.push_back(c.hook->device);
  }
  if (hooked != spec.nics.size()) abort();
  net::nft::Batch b;
  b.add_table(t);
  if (b.error() || b.messages() == 0) abort();
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
    if (f & 8) n.allowed_ips = {r.take(), r.take(), r.take()};
    n.gateways = {r.take()};
    n.allow_ip_spoofing = f & 16;
    n.allow_mac_spoofing = f & 32;
    n.allow_dhcp_spoofing = f & 64;
    spec.nics.push_back(std::move(n));
  }
  auto table = net::antispoof_table(spec);
  if (table) check(spec, *table);
  (void)net::zone_table_name(spec.uuid);
  return 0;
}
