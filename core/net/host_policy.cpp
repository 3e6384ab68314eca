// The pure half of the host policy: HostPolicy -> the two nft tables. The
// I/O half is host_policy_apply.cpp.
#include "core/net/host_policy.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <charconv>

namespace zonekit::net {

namespace {

using nft::Bytes;
using nft::Cmp;
using nft::CmpOp;
using nft::Expr;
using nft::Meta;
using nft::MetaKey;
using nft::Payload;
using nft::Verdict;

std::unexpected<Error> invalid(std::string detail) { return fail(std::move(detail), ErrorKind::Invalid); }

// nft datatype ids (datatype.h) and protocol descriptions (proto.h).
constexpr uint32_t kTypeIpv4 = 7, kTypeInetService = 13, kTypeIcmp6Type = 29, kTypeIfname = 41;
constexpr Payload kIpSaddr{nft::Base::Network, 12, 4, 12, 11};
constexpr Payload kThDport{nft::Base::Transport, 2, 2};
constexpr Payload kThType{nft::Base::Transport, 0, 1};
constexpr Payload kIcmp6Type{nft::Base::Transport, 0, 1, 14, 1};
constexpr uint8_t kNfprotoIpv4 = 2, kNfprotoIpv6 = 10;   // NFPROTO_IPV4, NFPROTO_IPV6
constexpr uint32_t kRtnLocal = 2;                        // RTN_LOCAL
constexpr uint32_t kCtEstablishedRelated = 0x6;          // NF_CT_STATE_BIT(ESTABLISHED | RELATED)

std::vector<Expr> operator+(std::vector<Expr> a, const std::vector<Expr>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<Expr> meta_is(MetaKey k, Bytes v, CmpOp op = CmpOp::Eq) { return {Meta{k}, Cmp{op, std::move(v)}}; }

Bytes be16(uint16_t v) { return {uint8_t(v >> 8), uint8_t(v)}; }

Bytes ifname_key(const std::string& name) {
  Bytes b(16, 0);   // IFNAMSIZ, zero padded: an exact name
  std::copy(name.begin(), name.end(), b.begin());
  return b;
}

// "iifname/oifname [!=] { names }": a compare for one name, else a set.
std::vector<Expr> ifname_match(nft::Table& t, MetaKey key, std::vector<std::string> names, bool neq) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  if (names.size() == 1) return meta_is(key, ifname_key(names.front()), neq ? CmpOp::Neq : CmpOp::Eq);
  nft::Set set{kTypeIfname, Payload{nft::Base::Network, 0, 16}, false, {}};
  set.typeof_key = false;
  set.host_order = true;
  for (const auto& n : names) set.elements.push_back({ifname_key(n), false, false});
  t.sets.push_back(std::move(set));
  return {Meta{key}, nft::Lookup{t.sets.size() - 1, neq}};
}

// "meta mark & kZoneMark == kZoneMark"
std::vector<Expr> from_zone() {
  return {Meta{MetaKey::Mark}, nft::Bitwise{nft::host_u32(kZoneMark), {}}, Cmp{CmpOp::Eq, nft::host_u32(kZoneMark)}};
}

// "ct state established,related"
std::vector<Expr> established() {
  return {nft::CtState{}, nft::Bitwise{nft::host_u32(kCtEstablishedRelated), {}},
          Cmp{CmpOp::Neq, nft::host_u32(0)}};
}

std::vector<Expr> l4proto_is(uint8_t proto) { return meta_is(MetaKey::L4proto, {proto}); }

std::vector<Expr> then(std::vector<Expr> match, Verdict::Kind kind, std::string chain = {}) {
  match.push_back(Verdict{kind, std::move(chain)});
  return match;
}

void add_rule(nft::Chain& c, std::vector<Expr> exprs) { c.rules.push_back({std::move(exprs)}); }

nft::Table bridge_table() {
  nft::Table t;
  t.family = nft::Family::Bridge;
  t.name = kHostTable;
  // "iifname "zk*" meta mark set meta mark | kZoneMark" at bridge input
  // (frames going up to the host's stack), priority filter (-200).
  nft::Chain input{"input", nft::Hook{"filter", 1 /* NF_BR_LOCAL_IN */, -200}, {}};
  Bytes clear_bit = nft::host_u32(~kZoneMark);
  add_rule(input, {Meta{MetaKey::Iifname}, Cmp{CmpOp::Eq, Bytes{'z', 'k'}}, Meta{MetaKey::Mark},
                   nft::Bitwise{clear_bit, nft::host_u32(kZoneMark)}, nft::MetaSet{MetaKey::Mark}});
  t.chains.push_back(std::move(input));
  return t;
}

// The rules of b<i>_input: what zones of this bridge may reach on the host.
void host_access_rules(nft::Table& t, nft::Chain& c, const BridgePolicy& b) {
  if (b.host_all) {
    add_rule(c, then({}, Verdict::Accept));
    return;
  }
  // Only the bridge's own addresses: "fib daddr . iif type != local return".
  add_rule(c, {nft::FibDaddrType{}, Cmp{CmpOp::Neq, nft::host_u32(kRtnLocal)}, Verdict{Verdict::Return, {}}});
  std::vector<nft::Interval> ports[2];   // tcp, udp
  bool ping = false;
  for (const auto& s : b.host_services) {
    if (s.proto == IPPROTO_ICMP) ping = true;
    else ports[s.proto == IPPROTO_TCP ? 0 : 1].push_back({be16(s.first), be16(s.last)});
  }
  const uint8_t protos[2] = {IPPROTO_TCP, IPPROTO_UDP};
  for (int i = 0; i < 2; ++i) {
    if (ports[i].empty()) continue;
    auto rule = l4proto_is(protos[i]) + nft::match(t, kThDport, kTypeInetService, ports[i], false, false);
    if (auto* l = std::get_if<nft::Lookup>(&rule.back())) t.sets[l->set].typeof_key = false;   // "53, 7000-7010"
    add_rule(c, then(std::move(rule), Verdict::Accept));
  }
  if (ping) {
    add_rule(c, then(meta_is(MetaKey::NfProto, {kNfprotoIpv4}) + l4proto_is(IPPROTO_ICMP) +
                         std::vector<Expr>{kThType, Cmp{CmpOp::Eq, {8 /* echo-request */}}},
                     Verdict::Accept));
    add_rule(c, then(meta_is(MetaKey::NfProto, {kNfprotoIpv6}) + l4proto_is(IPPROTO_ICMPV6) +
                         std::vector<Expr>{kIcmp6Type, Cmp{CmpOp::Eq, {128 /* echo-request */}}},
                     Verdict::Accept));
  }
}

Result<nft::Table> inet_table(const HostPolicy& p) {
  nft::Table t;
  t.family = nft::Family::Inet;
  t.name = kHostTable;
  t.counters = {"input_drop", "forward_drop"};
  std::vector<std::string> all_bridges;
  std::vector<nft::Interval> nat_subnets;
  for (const auto& b : p.bridges) {
    all_bridges.push_back(b.bridge);
    for (const auto& c : b.masquerade) {
      if (!c.addr.is_v4()) return invalid("bridge " + b.bridge + ": NAT is IPv4 only");
      auto lo = c.network(), hi = c.last();
      nat_subnets.push_back({Bytes(lo.bytes.begin(), lo.bytes.begin() + 4), Bytes(hi.bytes.begin(), hi.bytes.begin() + 4)});
    }
  }
  // Base chains first (check_table wants them so).
  t.chains.push_back({"input", nft::Hook{"filter", 1 /* NF_INET_LOCAL_IN */, 0}, {}});
  add_rule(t.chains.back(), then(from_zone(), Verdict::Jump, "zone_input"));
  t.chains.push_back({"forward", nft::Hook{"filter", 2 /* NF_INET_FORWARD */, 0}, {}});
  add_rule(t.chains.back(), then(from_zone(), Verdict::Jump, "zone_forward"));
  if (!nat_subnets.empty()) {
    // "ip saddr { NAT subnets } oifname != { zonekit bridges } masquerade"
    nft::Chain post{"postrouting", nft::Hook{"nat", 4 /* NF_INET_POST_ROUTING */, 100}, {}};
    auto rule = meta_is(MetaKey::NfProto, {kNfprotoIpv4}) + nft::match(t, kIpSaddr, kTypeIpv4, nat_subnets, false, true) +
                ifname_match(t, MetaKey::Oifname, all_bridges, true);
    rule.push_back(nft::Masquerade{});
    add_rule(post, std::move(rule));
    t.chains.push_back(std::move(post));
  }

  nft::Chain zin{"zone_input", std::nullopt, {}};
  add_rule(zin, then(established(), Verdict::Accept));
  // Neighbour discovery and MLD to the host: router solicit, neighbour
  // solicit and advert, MLD query, report, done, MLDv2 report.
  nft::Set nd{kTypeIcmp6Type, kIcmp6Type, false, {}};
  for (uint8_t type : {130, 131, 132, 133, 135, 136, 143}) nd.elements.push_back({{type}, false, false});
  t.sets.push_back(std::move(nd));
  add_rule(zin, then(meta_is(MetaKey::NfProto, {kNfprotoIpv6}) + l4proto_is(IPPROTO_ICMPV6) +
                         std::vector<Expr>{kIcmp6Type, nft::Lookup{t.sets.size() - 1, false}},
                     Verdict::Accept));
  nft::Chain zfwd{"zone_forward", std::nullopt, {}};
  add_rule(zfwd, then(established(), Verdict::Accept));

  std::vector<nft::Chain> per_bridge;
  for (size_t i = 0; i < p.bridges.size(); ++i) {
    const auto& b = p.bridges[i];
    std::string prefix = "b" + std::to_string(i);
    if (b.host_all || !b.host_services.empty()) {
      add_rule(zin, then(ifname_match(t, MetaKey::Iifname, {b.bridge}, false), Verdict::Jump, prefix + "_input"));
      nft::Chain c{prefix + "_input", std::nullopt, {}};
      host_access_rules(t, c, b);
      per_bridge.push_back(std::move(c));
    }
    add_rule(zfwd, then(ifname_match(t, MetaKey::Iifname, {b.bridge}, false), Verdict::Jump, prefix + "_forward"));
    nft::Chain c{prefix + "_forward", std::nullopt, {}};
    // Back out of the same bridge: hairpin, and bridged traffic where
    // br_netfilter shows it to the inet hooks.
    add_rule(c, then(ifname_match(t, MetaKey::Oifname, {b.bridge}, false), Verdict::Accept));
    if (b.forward_world) add_rule(c, then(ifname_match(t, MetaKey::Oifname, all_bridges, true), Verdict::Accept));
    std::vector<std::string> to;
    for (const auto& other : b.forward_bridges)
      if (other != b.bridge) to.push_back(other);
    if (!to.empty()) add_rule(c, then(ifname_match(t, MetaKey::Oifname, to, false), Verdict::Accept));
    per_bridge.push_back(std::move(c));
  }
  add_rule(zin, {nft::CounterRef{"input_drop"}, Verdict{Verdict::Drop, {}}});
  add_rule(zfwd, {nft::CounterRef{"forward_drop"}, Verdict{Verdict::Drop, {}}});
  t.chains.push_back(std::move(zin));
  t.chains.push_back(std::move(zfwd));
  for (auto& c : per_bridge) t.chains.push_back(std::move(c));
  return t;
}

bool parse_port(std::string_view s, uint16_t& out) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v == 0 || v > 65535 || s.size() > 5) return false;
  out = uint16_t(v);
  return true;
}

}  // namespace

Result<std::vector<HostService>> parse_host_service(const std::string& item) {
  if (item == "dns") return std::vector<HostService>{{IPPROTO_TCP, 53, 53}, {IPPROTO_UDP, 53, 53}};
  if (item == "ping") return std::vector<HostService>{{IPPROTO_ICMP, 0, 0}};
  auto bad = [&] {
    return invalid("\"" + item + "\" is not a host service (all, none, dns, ping, tcp/PORT, udp/PORT, "
                   "tcp/FIRST-LAST or udp/FIRST-LAST)");
  };
  uint8_t proto;
  std::string_view rest(item);
  if (rest.starts_with("tcp/")) proto = IPPROTO_TCP;
  else if (rest.starts_with("udp/")) proto = IPPROTO_UDP;
  else return bad();
  rest.remove_prefix(4);
  HostService s{proto, 0, 0};
  auto dash = rest.find('-');
  if (!parse_port(rest.substr(0, dash), s.first)) return bad();
  s.last = s.first;
  if (dash != std::string_view::npos && (!parse_port(rest.substr(dash + 1), s.last) || s.last < s.first))
    return bad();
  return std::vector<HostService>{s};
}

bool HostPolicy::needs_forwarding() const {
  return std::any_of(bridges.begin(), bridges.end(),
                     [](const BridgePolicy& b) { return b.forward_world || !b.forward_bridges.empty(); });
}

Result<std::vector<nft::Table>> host_tables(const HostPolicy& policy) {
  std::vector<nft::Table> out;
  if (policy.bridges.empty()) return out;
  for (const auto& b : policy.bridges) {
    if (!valid_ifname(b.bridge)) return invalid("bridge: \"" + b.bridge + "\" is not a valid interface name");
    for (const auto& o : b.forward_bridges)
      if (!valid_ifname(o)) return invalid("bridge: \"" + o + "\" is not a valid interface name");
  }
  out.push_back(bridge_table());
  out.push_back(ZK_TRY(inet_table(policy)));
  return out;
}

}  // namespace zonekit::net
