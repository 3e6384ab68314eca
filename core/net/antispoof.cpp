// The pure half of anti-spoofing: ZoneSpec -> nft::Table. The I/O half is
// antispoof_apply.cpp.
#include "core/net/antispoof.hpp"

#include <algorithm>

#include "core/net/addr.hpp"

namespace zonekit::net {

namespace {

using nft::Base;
using nft::Bytes;
using nft::Cmp;
using nft::CmpOp;
using nft::CounterRef;
using nft::Expr;
using nft::Interval;
using nft::Limit;
using nft::Meta;
using nft::MetaKey;
using nft::Payload;
using nft::Verdict;

std::unexpected<Error> invalid(std::string detail) { return fail(std::move(detail), ErrorKind::Invalid); }

// The header fields the rules load. desc/field are nft's own ids for them
// (proto.h: PROTO_DESC_ARP 15, _IP 12, _IP6 13, _ICMPV6 14 and the field's
// template index), kept in the sets' typeof userdata as nft does.
constexpr Payload kEtherDaddr{Base::Link, 0, 6};
constexpr Payload kEtherSaddr{Base::Link, 6, 6};
constexpr Payload kEtherType{Base::Link, 12, 2};
constexpr Payload kArpHtype{Base::Network, 0, 2};
constexpr Payload kArpPtype{Base::Network, 2, 2};
constexpr Payload kArpHlen{Base::Network, 4, 1};
constexpr Payload kArpPlen{Base::Network, 5, 1};
constexpr Payload kArpSha{Base::Network, 8, 6};
constexpr Payload kArpSpa{Base::Network, 14, 4, 15, 7};
constexpr Payload kIpSaddr{Base::Network, 12, 4, 12, 11};
constexpr Payload kIp6Saddr{Base::Network, 8, 16, 13, 8};
constexpr Payload kL4Sport{Base::Transport, 0, 2};
constexpr Payload kIcmp6Type{Base::Transport, 0, 1, 14, 1};
// "@th,64,128": the ND target address (nft 1.0.6 has no "icmpv6 taddr").
constexpr Payload kNdTarget{Base::Transport, 8, 16};

// nft datatype ids (datatype.h) of set keys.
constexpr uint32_t kTypeInteger = 4, kTypeIpv4 = 7, kTypeIpv6 = 8, kTypeIcmp6Type = 29;

constexpr uint8_t kIcmp6NdRouterAdvert = 134, kIcmp6NdNeighborSolicit = 135, kIcmp6NdNeighborAdvert = 136,
                  kIcmp6NdRedirect = 137, kIcmp6Mld2Report = 143;
constexpr uint8_t kProtoUdp = 17, kProtoIcmp6 = 58;
constexpr uint16_t kArphrdEther = 1;
constexpr int32_t kIngressPriority = -500;   // before any hook an admin adds at the usual 0 ("filter")

Bytes be16(uint16_t v) { return {uint8_t(v >> 8), uint8_t(v)}; }

const Bytes kEthArp = be16(0x0806), kEthIp = be16(0x0800), kEthIp6 = be16(0x86dd);

// fe80::/64 with the EUI-64 interface id of mac (the kernel's default
// link-local; zone_net pins addr_gen_mode to eui64 on the zone end).
IpAddr eui64_link_local(const Mac& m) {
  IpAddr ip;
  ip.family = AF_INET6;
  ip.bytes = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, uint8_t(m[0] ^ 0x02), m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5]};
  return ip;
}

Interval interval(const Cidr& c) {
  auto lo = c.network(), hi = c.last();
  return {Bytes(lo.bytes.begin(), lo.bytes.begin() + lo.size()), Bytes(hi.bytes.begin(), hi.bytes.begin() + hi.size())};
}

struct NicRules {
  std::string port;        // host ifname
  std::string chain;       // "n0"
  std::optional<Mac> mac;  // nullopt if MAC spoofing allowed
  bool check_ip = true;
  bool check_dhcp = true;
  bool trusted = false;           // both spoofing flags: only the flood limit
  uint32_t broadcast_rate = 0;    // frames/s to group addresses; 0 = no limit
  std::vector<Interval> v4, v6;   // allowed sources (nft::match merges them)
};

Result<NicRules> nic_rules(const NicSpec& nic, size_t pos, const std::string& uuid) {
  std::string field = "nics[" + std::to_string(pos) + "]";
  NicRules r;
  ZK_TRYV(check_host_ifname(nic, pos, uuid));
  r.port = nic.host_ifname;
  r.chain = "n" + std::to_string(nic.index);
  auto mac = parse_mac(nic.mac);
  if (!mac || !mac_is_assignable(*mac))
    return invalid(field + ".mac: \"" + nic.mac + "\" is not a unicast MAC address");
  if (!nic.allow_mac_spoofing) r.mac = *mac;
  r.check_ip = !nic.allow_ip_spoofing;
  r.check_dhcp = !nic.allow_dhcp_spoofing;
  r.trusted = nic.allow_ip_spoofing && nic.allow_mac_spoofing;
  r.broadcast_rate = nic.broadcast_rate;
  for (const auto& s : nic.ips) {
    auto c = parse_cidr(s);
    if (!c) return invalid(field + ".ips: \"" + s + "\" is not an address with prefix");
    (c->addr.is_v4() ? r.v4 : r.v6).push_back(interval(Cidr{c->addr, c->addr.max_prefix()}));
  }
  for (const auto& s : nic.allowed_ips) {
    auto c = parse_ip_or_cidr(s);
    if (!c) return invalid(field + ".allowed_ips: \"" + s + "\" is not an address or CIDR");
    (c->addr.is_v4() ? r.v4 : r.v6).push_back(interval(*c));
  }
  // Link-local: the EUI-64 address of the nic's MAC; any fe80::/64 source
  // when the zone may change its MAC (its link-local changes with it).
  if (nic.allow_mac_spoofing) r.v6.push_back(interval(*parse_cidr("fe80::/64")));
  else r.v6.push_back(interval(Cidr{eui64_link_local(*mac), 128}));
  return r;
}

// Builds one chain's rules; every drop is counted in "<chain>_<reason>".
class ChainBuilder {
 public:
  ChainBuilder(nft::Table& t, const std::string& nic, const std::string& name,
               std::optional<nft::Hook> hook = std::nullopt)
      : t_(t), nic_(nic) {
    t_.chains.push_back({name, std::move(hook), {}});
    index_ = t_.chains.size() - 1;
  }
  void add(std::vector<Expr> exprs) { t_.chains[index_].rules.push_back({std::move(exprs)}); }
  void drop(std::vector<Expr> match, const std::string& reason) {
    match.push_back(CounterRef{nic_ + "_" + reason});
    match.push_back(Verdict{Verdict::Drop, {}});
    add(std::move(match));
  }
  void jump(std::vector<Expr> match, const std::string& chain) {
    match.push_back(Verdict{Verdict::Jump, chain});
    add(std::move(match));
  }
  void accept(std::vector<Expr> match = {}) {
    match.push_back(Verdict{Verdict::Accept, {}});
    add(std::move(match));
  }

 private:
  nft::Table& t_;
  std::string nic_;
  size_t index_ = 0;
};

// Concatenate expression lists.
std::vector<Expr> operator+(std::vector<Expr> a, const std::vector<Expr>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<Expr> is(const Payload& p, Bytes value, CmpOp op = CmpOp::Eq) { return {p, Cmp{op, std::move(value)}}; }
std::vector<Expr> meta_is(MetaKey k, Bytes value) { return {Meta{k}, Cmp{CmpOp::Eq, std::move(value)}}; }

// The dependencies nft 1.0.6 puts in front of a match in the netdev family,
// reproduced so the kernel holds what nft compiles from the rule text (and
// `nft list` prints that text): a link-layer load needs an Ethernet device,
// a network-layer one the frame's protocol.
const std::vector<Expr> kIsEther = {Meta{MetaKey::IifType}, Cmp{CmpOp::Eq, nft::host_u16(kArphrdEther)}};
const std::vector<Expr> kIsArp = meta_is(MetaKey::Protocol, kEthArp);
const std::vector<Expr> kProtoIp = meta_is(MetaKey::Protocol, kEthIp);
const std::vector<Expr> kProtoIp6 = meta_is(MetaKey::Protocol, kEthIp6);
const std::vector<Expr> kL4Udp = meta_is(MetaKey::L4proto, {kProtoUdp});
const std::vector<Expr> kL4Icmp6 = meta_is(MetaKey::L4proto, {kProtoIcmp6});

std::vector<Expr> ether_is(const Payload& p, Bytes value, CmpOp op = CmpOp::Eq) { return kIsEther + is(p, std::move(value), op); }

// "meta mark set meta mark | kFilteredMark": what the guard looks for.
std::vector<Expr> mark_filtered() {
  return {Meta{MetaKey::Mark}, nft::Bitwise{nft::host_u32(~kFilteredMark), nft::host_u32(kFilteredMark)},
          nft::MetaSet{MetaKey::Mark}};
}

Bytes mac_bytes(const Mac& m) { return Bytes(m.begin(), m.end()); }

// "ether daddr & 01:00:00:00:00:00 == 01:00:00:00:00:00": broadcast and
// multicast frames (the group bit), as nft compiles it.
std::vector<Expr> to_group_address() {
  Bytes group{1, 0, 0, 0, 0, 0};
  return kIsEther + std::vector<Expr>{kEtherDaddr, nft::Bitwise{group, {}}, Cmp{CmpOp::Eq, group}};
}

// The nic's base chain, at the ingress hook of its host port.
void emit_base(nft::Table& t, const NicRules& r) {
  const std::string& c = r.chain;
  ChainBuilder b(t, c, c, nft::Hook{"filter", 0 /* NF_NETDEV_INGRESS */, kIngressPriority, r.port});
  // The mark first: a frame that leaves this chain by any verdict but drop
  // has been through it, and the guard lets only such frames into a bridge.
  b.add(mark_filtered());
  // Then, before any other check: the bridge floods these to every port
  // and the host, so one zone must not be able to send them without bound.
  if (r.broadcast_rate)
    b.drop(to_group_address() + std::vector<Expr>{Limit{r.broadcast_rate, r.broadcast_rate, true}}, "flood");
  if (r.trusted) return;
  if (r.mac) b.drop(ether_is(kEtherSaddr, mac_bytes(*r.mac), CmpOp::Neq), "mac");
  // An 802.1Q/802.1ad tag reads as the ether type here even when the
  // device carries it outside the frame (nft rebuilds the header): tagged
  // frames end in "other".
  b.jump(ether_is(kEtherType, kEthArp), c + "_arp");
  b.jump(ether_is(kEtherType, kEthIp), c + "_ip");
  b.jump(ether_is(kEtherType, kEthIp6), c + "_ip6");
  b.drop({}, "other");
}

// The chains the base chain jumps to, per protocol.
void emit_protocols(nft::Table& t, const NicRules& r) {
  if (r.trusted) return;
  const std::string& c = r.chain;
  {
    ChainBuilder b(t, c, c + "_arp");
    b.drop(kIsArp + is(kArpHtype, be16(1), CmpOp::Neq), "arp");
    b.drop(kIsArp + is(kArpPtype, kEthIp, CmpOp::Neq), "arp");
    b.drop(kIsArp + is(kArpHlen, {6}, CmpOp::Neq), "arp");
    b.drop(kIsArp + is(kArpPlen, {4}, CmpOp::Neq), "arp");
    if (r.mac) b.drop(kIsArp + is(kArpSha, mac_bytes(*r.mac), CmpOp::Neq), "arp");
    if (r.check_ip) {
      if (r.v4.empty()) b.drop({}, "arp");
      else b.drop(kIsArp + nft::match(t, kArpSpa, kTypeIpv4, r.v4, true, true), "arp");
    }
    b.accept();
  }
  {
    ChainBuilder b(t, c, c + "_ip");
    if (r.check_dhcp) b.drop(kL4Udp + is(kL4Sport, be16(67)), "dhcp");
    if (r.check_ip) {
      if (r.v4.empty()) b.drop({}, "ip");
      else b.drop(kProtoIp + nft::match(t, kIpSaddr, kTypeIpv4, r.v4, true, true), "ip");
    }
    b.accept();
  }
  {
    ChainBuilder b(t, c, c + "_ip6");
    if (r.check_dhcp) {
      nft::Set types{kTypeIcmp6Type, kIcmp6Type, false, {{{kIcmp6NdRouterAdvert}}, {{kIcmp6NdRedirect}}}};
      t.sets.push_back(std::move(types));
      b.drop(kProtoIp6 + kL4Icmp6 + std::vector<Expr>{kIcmp6Type, nft::Lookup{t.sets.size() - 1, false}}, "ra");
      b.drop(kL4Udp + is(kL4Sport, be16(547)), "dhcp");
    }
    if (r.check_ip) {
      // Unspecified source: only duplicate address detection for its own
      // addresses and MLD reports sent before the link-local address is ready.
      auto from_unspecified = kProtoIp6 + is(kIp6Saddr, Bytes(16, 0)) + kL4Icmp6;
      b.accept(from_unspecified + is(kIcmp6Type, {kIcmp6NdNeighborSolicit}) +
               nft::match(t, kNdTarget, kTypeInteger, r.v6, false, false));
      b.accept(from_unspecified + is(kIcmp6Type, {kIcmp6Mld2Report}));
      b.drop(kProtoIp6 + nft::match(t, kIp6Saddr, kTypeIpv6, r.v6, true, true), "ip6");
      b.drop(kProtoIp6 + kL4Icmp6 + is(kIcmp6Type, {kIcmp6NdNeighborAdvert}) +
                 nft::match(t, kNdTarget, kTypeInteger, r.v6, true, false),
             "nd");
    }
    b.accept();
  }
}

}  // namespace

Result<void> check_host_ifname(const NicSpec& nic, size_t pos, const std::string& uuid) {
  std::string field = "nics[" + std::to_string(pos) + "].host_ifname";
  if (!valid_ifname_strict(nic.host_ifname))
    return invalid(field + ": \"" + nic.host_ifname + "\" is not a valid interface name");
  ZK_TRY(zone_table_name(uuid));   // the uuid gives the name: it must be hex
  auto expected = host_ifname(uuid, nic.index);
  if (nic.host_ifname != expected)
    return invalid(field + ": \"" + nic.host_ifname + "\" is not this zone's host link name (" + expected + ")");
  return {};
}

Result<std::string> zone_table_name(const std::string& uuid) {
  std::string hex;
  for (char c : uuid) {
    if (c == '-') continue;
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) break;
    hex += c;
    if (hex.size() == 10) return "zk_" + hex;
  }
  return invalid("uuid: \"" + uuid + "\" does not start with 10 lower-case hex digits");
}

Result<nft::Table> antispoof_table(const ZoneSpec& spec) {
  nft::Table t;
  t.family = nft::Family::Netdev;
  t.name = ZK_TRY(zone_table_name(spec.uuid));
  std::vector<NicRules> nics;
  for (size_t i = 0; i < spec.nics.size(); ++i) {
    auto r = ZK_TRY(nic_rules(spec.nics[i], i, spec.uuid));
    for (const auto& other : nics)
      if (other.chain == r.chain || other.port == r.port)
        return invalid("nics[" + std::to_string(i) + "]: index or host_ifname used twice");
    nics.push_back(std::move(r));
  }
  static const char* kReasons[] = {"mac", "arp", "ip", "ip6", "nd", "ra", "dhcp", "other"};
  for (const auto& r : nics) {
    if (!r.trusted)
      for (const char* why : kReasons) t.counters.push_back(r.chain + "_" + why);
    if (r.broadcast_rate) t.counters.push_back(r.chain + "_flood");
  }
  // Base chains first, as check_table wants them.
  for (const auto& r : nics) emit_base(t, r);
  for (const auto& r : nics) emit_protocols(t, r);
  return t;
}

nft::Table guard_table() {
  nft::Table t;
  t.family = nft::Family::Bridge;
  t.name = kGuardTable;
  t.counters = {"unfiltered"};
  // Bridge prerouting at -300 (nft's "dstnat" there), before the bridge
  // forwards a frame or hands it up to the host.
  nft::Chain pre{"prerouting", nft::Hook{"filter", 0 /* NF_BR_PRE_ROUTING */, -300, {}}, {}};
  const std::vector<Expr> from_zone_port = {Meta{MetaKey::Iifname}, Cmp{CmpOp::Eq, Bytes{'z', 'k'}}};
  const std::vector<Expr> mark_bit = {Meta{MetaKey::Mark}, nft::Bitwise{nft::host_u32(kFilteredMark), {}}};
  // "iifname "zk*" meta mark & kFilteredMark == 0 counter name "unfiltered" drop"
  pre.rules.push_back({from_zone_port + mark_bit +
                       std::vector<Expr>{Cmp{CmpOp::Eq, nft::host_u32(0)}, CounterRef{"unfiltered"},
                                         Verdict{Verdict::Drop, {}}}});
  // "iifname "zk*" meta mark set meta mark & ~kFilteredMark": the bit is
  // zonekit's business only; the host sees the frame's mark as the zone
  // sent it (always 0: a mark never crosses network namespaces).
  pre.rules.push_back({from_zone_port + std::vector<Expr>{Meta{MetaKey::Mark},
                                                          nft::Bitwise{nft::host_u32(~kFilteredMark), {}},
                                                          nft::MetaSet{MetaKey::Mark}}});
  t.chains.push_back(std::move(pre));
  return t;
}

}  // namespace zonekit::net
