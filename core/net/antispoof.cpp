#include "core/net/antispoof.hpp"

#include <libmnl/libmnl.h>
#include <malloc.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <nftables/libnftables.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <vector>

#include "core/net/addr.hpp"

namespace zonekit::net {

namespace {

std::unexpected<Error> invalid(std::string detail) { return fail(std::move(detail), ErrorKind::Invalid); }

// fe80::/64 with the EUI-64 interface id of mac (the kernel's default
// link-local; zone_net pins addr_gen_mode to eui64 on the zone end).
IpAddr eui64_link_local(const Mac& m) {
  IpAddr ip;
  ip.family = AF_INET6;
  ip.bytes = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, uint8_t(m[0] ^ 0x02), m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5]};
  return ip;
}

// Set elements: network form, sorted, without elements covered by a wider
// one (nft refuses overlapping intervals). Host prefixes print as addresses.
std::vector<std::string> set_elements(std::vector<Cidr> in) {
  for (auto& c : in) c.addr = c.network();
  std::sort(in.begin(), in.end(), [](const Cidr& a, const Cidr& b) {
    return a.prefix != b.prefix ? a.prefix < b.prefix : a.addr < b.addr;
  });
  std::vector<Cidr> kept;
  for (const auto& c : in) {
    bool covered = std::any_of(kept.begin(), kept.end(), [&](const Cidr& k) { return k.contains(c.addr); });
    if (!covered) kept.push_back(c);
  }
  std::sort(kept.begin(), kept.end(), [](const Cidr& a, const Cidr& b) { return a.addr < b.addr; });
  std::vector<std::string> out;
  for (const auto& c : kept) out.push_back(c.prefix == c.addr.max_prefix() ? c.addr.str() : c.str());
  return out;
}

// The same elements as 128-bit integers ("0x..." or "0x...-0x..."), for
// raw payload matches: nft 1.0.6 has no "icmpv6 taddr".
std::string hex128(const IpAddr& ip) {
  static const char* d = "0123456789abcdef";
  std::string s = "0x";
  for (size_t i = 0; i < 16; ++i) {
    s += d[ip.bytes[i] >> 4];
    s += d[ip.bytes[i] & 15];
  }
  return s;
}

std::vector<std::string> hex_elements(const std::vector<std::string>& elems) {
  std::vector<std::string> out;
  for (const auto& e : elems) {
    auto c = parse_ip_or_cidr(e);
    if (c->prefix == 128) out.push_back(hex128(c->addr));
    else out.push_back(hex128(c->network()) + "-" + hex128(c->last()));
  }
  return out;
}

std::string set_text(const std::vector<std::string>& elems) {
  std::string s = "{ ";
  for (size_t i = 0; i < elems.size(); ++i) s += (i ? ", " : "") + elems[i];
  return s + " }";
}

struct NicRules {
  std::string port;        // host ifname
  std::string chain;       // "n0"
  std::string mac;         // formatted, empty if MAC spoofing allowed
  bool check_ip = true;
  bool check_dhcp = true;
  std::vector<std::string> v4, v6;   // allowed sources (merged, canonical text)
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
  if (!nic.allow_mac_spoofing) r.mac = format_mac(*mac);
  r.check_ip = !nic.allow_ip_spoofing;
  r.check_dhcp = !nic.allow_dhcp_spoofing;
  std::vector<Cidr> v4, v6;
  for (const auto& s : nic.ips) {
    auto c = parse_cidr(s);
    if (!c) return invalid(field + ".ips: \"" + s + "\" is not an address with prefix");
    (c->addr.is_v4() ? v4 : v6).push_back(Cidr{c->addr, c->addr.max_prefix()});
  }
  for (const auto& s : nic.allowed_ips) {
    auto c = parse_ip_or_cidr(s);
    if (!c) return invalid(field + ".allowed_ips: \"" + s + "\" is not an address or CIDR");
    (c->addr.is_v4() ? v4 : v6).push_back(*c);
  }
  // Link-local: the EUI-64 address of the nic's MAC; any fe80::/64 source
  // when the zone may change its MAC (its link-local changes with it).
  if (nic.allow_mac_spoofing) v6.push_back(*parse_cidr("fe80::/64"));
  else v6.push_back(Cidr{eui64_link_local(*mac), 128});
  r.v4 = set_elements(v4);
  r.v6 = set_elements(v6);
  return r;
}

void emit_nic(std::string& t, const NicRules& r) {
  const std::string c = r.chain;
  auto drop = [&](const std::string& counter) { return " counter name \"" + c + "_" + counter + "\" drop\n"; };
  t += "\tchain " + c + " {\n";
  if (!r.mac.empty()) t += "\t\tether saddr != " + r.mac + drop("mac");
  t += "\t\tether type arp jump " + c + "_arp\n";
  t += "\t\tether type ip jump " + c + "_ip\n";
  t += "\t\tether type ip6 jump " + c + "_ip6\n";
  t += "\t\t" + drop("other").substr(1);
  t += "\t}\n\n";

  t += "\tchain " + c + "_arp {\n";
  t += "\t\tarp htype != 1" + drop("arp");
  t += "\t\tarp ptype != ip" + drop("arp");
  t += "\t\tarp hlen != 6" + drop("arp");
  t += "\t\tarp plen != 4" + drop("arp");
  if (!r.mac.empty()) t += "\t\tarp saddr ether != " + r.mac + drop("arp");
  if (r.check_ip) {
    if (r.v4.empty()) t += "\t\t" + drop("arp").substr(1);
    else t += "\t\tarp saddr ip != " + set_text(r.v4) + drop("arp");
  }
  t += "\t\taccept\n\t}\n\n";

  t += "\tchain " + c + "_ip {\n";
  if (r.check_dhcp) t += "\t\tudp sport 67" + drop("dhcp");
  if (r.check_ip) {
    if (r.v4.empty()) t += "\t\t" + drop("ip").substr(1);
    else t += "\t\tip saddr != " + set_text(r.v4) + drop("ip");
  }
  t += "\t\taccept\n\t}\n\n";

  t += "\tchain " + c + "_ip6 {\n";
  if (r.check_dhcp) {
    t += "\t\ticmpv6 type { nd-router-advert, nd-redirect }" + drop("ra");
    t += "\t\tudp sport 547" + drop("dhcp");
  }
  if (r.check_ip) {
    // Unspecified source: only duplicate address detection for its own
    // addresses and MLD reports sent before the link-local address is ready.
    t += "\t\tip6 saddr :: icmpv6 type nd-neighbor-solicit @th,64,128 " + set_text(hex_elements(r.v6)) + " accept\n";
    t += "\t\tip6 saddr :: icmpv6 type mld2-listener-report accept\n";
    t += "\t\tip6 saddr != " + set_text(r.v6) + drop("ip6");
    t += "\t\ticmpv6 type nd-neighbor-advert @th,64,128 != " + set_text(hex_elements(r.v6)) + drop("nd");
  }
  t += "\t\taccept\n\t}\n";
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

Result<std::string> antispoof_ruleset(const ZoneSpec& spec) {
  auto table = ZK_TRY(zone_table_name(spec.uuid));
  std::vector<NicRules> nics;
  for (size_t i = 0; i < spec.nics.size(); ++i) {
    const auto& nic = spec.nics[i];
    auto r = ZK_TRY(nic_rules(nic, i, spec.uuid));
    if (nic.allow_ip_spoofing && nic.allow_mac_spoofing) continue;   // trusted: no filter
    for (const auto& other : nics)
      if (other.chain == r.chain || other.port == r.port)
        return invalid("nics[" + std::to_string(i) + "]: index or host_ifname used twice");
    nics.push_back(std::move(r));
  }
  static const char* kReasons[] = {"mac", "arp", "ip", "ip6", "nd", "ra", "dhcp", "other"};
  std::string t = "table bridge " + table + " {\n";
  for (const auto& r : nics)
    for (const char* why : kReasons) t += "\tcounter " + r.chain + "_" + why + " {\n\t}\n";
  if (!nics.empty()) t += "\n";
  t += "\tchain prerouting {\n";
  t += "\t\ttype filter hook prerouting priority -300; policy accept;\n";
  for (const auto& r : nics) t += "\t\tiifname \"" + r.port + "\" jump " + r.chain + "\n";
  t += "\t}\n";
  for (const auto& r : nics) {
    t += "\n";
    emit_nic(t, r);
  }
  t += "}\n";
  return t;
}

namespace {
Result<std::string> nft_run_once(const std::string& script, bool check_only) {
  std::unique_ptr<nft_ctx, void (*)(nft_ctx*)> ctx(nft_ctx_new(NFT_CTX_DEFAULT), nft_ctx_free);
  if (!ctx) return fail("nft: cannot create libnftables context");
  nft_ctx_buffer_output(ctx.get());
  nft_ctx_buffer_error(ctx.get());
  if (check_only) nft_ctx_set_dry_run(ctx.get(), true);
  int rc = nft_run_cmd_from_buffer(ctx.get(), script.c_str());
  if (rc != 0) {
    std::string err = nft_ctx_get_error_buffer(ctx.get());
    while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
    return fail("nft: " + (err.empty() ? std::string("command failed") : err));
  }
  return std::string(nft_ctx_get_output_buffer(ctx.get()));
}
}  // namespace

Result<std::string> nft_run(const std::string& script, bool check_only) {
  auto r = nft_run_once(script, check_only);
  // libnftables' cache holds every table's rules while it runs; give that
  // heap back, or each long-lived zoneadmd keeps O(running zones) memory.
  malloc_trim(0);
  return r;
}

Result<std::map<std::string, uint64_t>> antispoof_counters(const std::string& uuid) {
  auto table = ZK_TRY(zone_table_name(uuid));
  auto listed = nft_run("list counters table bridge " + table);
  if (!listed) {
    if (listed.error().message().find("No such file or directory") != std::string::npos)
      listed.error().kind = ErrorKind::NotFound;
    return std::unexpected(std::move(listed.error()));
  }
  // "\tcounter n0_mac {\n\t\tpackets 3 bytes 180\n\t}"
  std::map<std::string, uint64_t> out;
  const std::string& text = *listed;
  size_t pos = 0;
  while ((pos = text.find("counter ", pos)) != std::string::npos) {
    pos += 8;
    auto brace = text.find(" {", pos);
    auto packets = text.find("packets ", pos);
    if (brace == std::string::npos || packets == std::string::npos) break;
    std::string name = text.substr(pos, brace - pos);
    out[name] = std::strtoull(text.c_str() + packets + 8, nullptr, 10);
    pos = packets;
  }
  return out;
}

Result<bool> bridge_table_exists(const std::string& table) {
  // One NFT_MSG_GETTABLE for this name. libnftables' "list tables" would
  // fill its cache with every zone's rules: O(zones) time and memory.
  std::unique_ptr<mnl_socket, int (*)(mnl_socket*)> nl(mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC),
                                                       mnl_socket_close);
  if (!nl) return sys_error("socket", "netlink netfilter");
  if (mnl_socket_bind(nl.get(), 0, MNL_SOCKET_AUTOPID) < 0) return sys_error("bind", "netlink netfilter");
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  nlh->nlmsg_seq = 1;
  auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
  nfg->nfgen_family = NFPROTO_BRIDGE;
  nfg->version = NFNETLINK_V0;
  nfg->res_id = 0;
  mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, table.c_str());
  if (mnl_socket_sendto(nl.get(), nlh, nlh->nlmsg_len) < 0) return sys_error("send", "nft get table " + table);
  const unsigned portid = mnl_socket_get_portid(nl.get());
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(nl.get(), buf.data(), buf.size());
    if (n < 0) return sys_error("recv", "nft get table " + table);
    int r = mnl_cb_run(buf.data(), size_t(n), 1, portid, nullptr, nullptr);
    if (r == MNL_CB_STOP) return true;  // the table, then the ack
    if (r < 0) {
      if (errno == ENOENT) return false;
      return sys_error("nft get table", table);
    }
  }
}

Result<void> apply_antispoof(const ZoneSpec& spec) {
  auto table = ZK_TRY(zone_table_name(spec.uuid));
  auto rules = ZK_TRY(antispoof_ruleset(spec));
  // An existing table is replaced by add + delete + rules in one
  // transaction: no window without rules. A new one is only added.
  std::string script = rules;
  if (ZK_TRY(bridge_table_exists(table)))
    script = "add table bridge " + table + "\ndelete table bridge " + table + "\n" + rules;
  ZK_TRYC(nft_run(script), "anti-spoofing table " + table);
  return {};
}

Result<void> remove_antispoof(const std::string& uuid) {
  auto table = ZK_TRY(zone_table_name(uuid));
  if (!ZK_TRY(bridge_table_exists(table))) return {};
  ZK_TRYC(nft_run("add table bridge " + table + "\ndelete table bridge " + table + "\n"),
          "remove table " + table);
  return {};
}

}  // namespace zonekit::net
