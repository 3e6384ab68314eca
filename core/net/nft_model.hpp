// An nftables table as the kernel sees it: chains of rules made of
// nf_tables expressions (payload/meta/ct/fib loads into register 1,
// compares, lookups in anonymous sets, limits, named counters, a mark
// setter, verdicts). Pure data, built by the planners (antispoof,
// host_policy) and sent by nft_netlink in one transaction.
// The expressions are the ones nft 1.0.6 compiles the equivalent rule text
// to, so `nft list` prints our tables exactly as it printed the text rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace zonekit::net::nft {

using Bytes = std::vector<uint8_t>;   // network byte order, as on the wire

enum class Family : uint8_t { Ip, Bridge, Inet, Netdev };

enum class Base : uint8_t { Link, Network, Transport };

// Load len bytes at offset of a header into register 1. desc/field name the
// header field the way nft does (its proto_desc id and template index); only
// a set keyed by this load uses them, in the typeof userdata nft reads back.
struct Payload {
  Base base = Base::Network;
  uint32_t offset = 0;
  uint32_t len = 0;
  uint32_t desc = 0;
  uint32_t field = 0;
  bool operator==(const Payload&) const = default;
};

// Widths: Protocol 2, L4proto 1, NfProto 1, Iifname/Oifname 16 (IFNAMSIZ),
// Mark 4, IifType 2 (the input device's ARPHRD_* type; host byte order, as
// are the mark and the ct and fib results below).
enum class MetaKey : uint8_t { Protocol, L4proto, Iifname, Oifname, Mark, NfProto, IifType };
struct Meta {
  MetaKey key;
  bool operator==(const Meta&) const = default;
};

// Set the packet's meta key (only Mark) from register 1.
struct MetaSet {
  MetaKey key = MetaKey::Mark;
  bool operator==(const MetaSet&) const = default;
};

// Load the conntrack state bits (NF_CT_STATE_*) into register 1, 4 bytes.
struct CtState {
  bool operator==(const CtState&) const = default;
};

// "fib daddr . iif type": the address type (RTN_*) of the destination
// address on the input interface, into register 1, 4 bytes.
struct FibDaddrType {
  bool operator==(const FibDaddrType&) const = default;
};

// Packets per second with a burst, per rule; with over, it matches the
// packets beyond the rate ("limit rate over").
struct Limit {
  uint64_t rate = 0;
  uint32_t burst = 0;
  bool over = true;
  bool operator==(const Limit&) const = default;
};

// A compare shorter than an interface name load matches a name prefix
// (nft's iifname "zk*").
enum class CmpOp : uint8_t { Eq, Neq, Lte, Gte };
struct Cmp {
  CmpOp op;
  Bytes data;
  bool operator==(const Cmp&) const = default;
};

// register 1 = (register 1 & mask) ^ xor_value, over mask.size() bytes
// (an empty xor_value is all zeros).
struct Bitwise {
  Bytes mask;
  Bytes xor_value;
  bool operator==(const Bitwise&) const = default;
};

// from <= register 1 <= to (or not, with neq).
struct Range {
  bool neq = false;
  Bytes from, to;
  bool operator==(const Range&) const = default;
};

// Register 1 in (or, inverted, not in) Table::sets[set].
struct Lookup {
  size_t set = 0;
  bool invert = false;
  bool operator==(const Lookup&) const = default;
};

// Count the packet in the table's named counter.
struct CounterRef {
  std::string name;
  bool operator==(const CounterRef&) const = default;
};

struct Verdict {
  enum Kind : uint8_t { Accept, Drop, Jump, Return } kind = Accept;
  std::string chain;   // Jump
  bool operator==(const Verdict&) const = default;
};

struct Masquerade {
  bool operator==(const Masquerade&) const = default;
};

using Expr = std::variant<Payload, Meta, Cmp, Bitwise, Range, Lookup, CounterRef, Verdict, Masquerade, MetaSet,
                          CtState, FibDaddrType, Limit>;

struct Rule {
  std::vector<Expr> exprs;
};

// A base chain's hook; policy is always accept. A netdev chain's hook is
// on one device (hooknum 0: ingress), named here; other families' hooks
// name none.
struct Hook {
  std::string type;   // "filter", "nat"
  uint32_t hooknum = 0;
  int32_t priority = 0;
  std::string device;
};

struct Chain {
  std::string name;
  std::optional<Hook> hook;
  std::vector<Rule> rules;
};

// One element of a set as the kernel stores it. Interval sets hold the
// start of each range and, flagged end, the first value after it; a range
// that reaches the top of the key space has no end element and is flagged
// open instead (nft's encoding, which `nft list` decodes).
struct Element {
  Bytes key;
  bool end = false;
  bool open = false;
  bool operator==(const Element&) const = default;
};

// An anonymous constant set, owned by the rule that looks it up.
struct Set {
  uint32_t key_type = 0;   // nft datatype id: 4 integer, 7 ipv4_addr, 8 ipv6_addr, 13 inet_service,
                           // 29 icmpv6_type, 41 ifname
  Payload key;             // the load the set is matched against: key length and typeof
  bool interval = false;
  std::vector<Element> elements;
  // Userdata for nft to print the set as it prints its own: a typeof of the
  // key payload (off: nft goes by key_type alone, as for interface names
  // and ports), and the byte order (interface names are host order).
  bool typeof_key = true;
  bool host_order = false;
};

struct Table {
  Family family = Family::Bridge;
  std::string name;
  std::vector<std::string> counters;   // named counter objects
  std::vector<Chain> chains;           // base chains first
  std::vector<Set> sets;
};

// An inclusive range of keys of one width.
struct Interval {
  Bytes from, to;
  bool operator==(const Interval&) const = default;
};

// Sorted, with overlapping and adjacent intervals merged (all of one width).
std::vector<Interval> merge_intervals(std::vector<Interval> in);
// The elements of an interval set holding exactly these merged intervals.
std::vector<Element> interval_elements(const std::vector<Interval>& merged);

// Rule expressions matching register-1 payload p against values (single
// values, from == to, and ranges; any order, overlaps allowed), as nft
// compiles "p [!=] { ... }". Only single values: a compare for one, else a
// plain set. With ranges, everything merged: one range is a shorter load
// and a compare (a whole-byte prefix, if prefixes), a mask and a compare
// (any other prefix), or a range check; more are an interval set. Adds the
// set to table when one is needed.
std::vector<Expr> match(Table& table, const Payload& p, uint32_t key_type, std::vector<Interval> values, bool neq,
                        bool prefixes);

// A u32 or u16 as register data: host byte order (marks, ct state, fib
// results, device types).
Bytes host_u32(uint32_t v);
Bytes host_u16(uint16_t v);

// A table, chain or counter name: what nft's own syntax accepts unquoted
// ([a-z_][a-z0-9_-]*), at most 64 characters.
bool valid_name(const std::string& s);

// Checks a table is complete and consistent: names, jump targets, counter
// references, set indexes, register widths. Empty when it is; else what is
// wrong. The planners' output always passes; the fuzzer and tests hold them
// to it.
std::string check_table(const Table& t);

}  // namespace zonekit::net::nft
