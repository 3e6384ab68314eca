// An nftables table as the kernel sees it: chains of rules made of
// nf_tables expressions (payload/meta loads into register 1, compares,
// lookups in anonymous sets, named counters, verdicts). Pure data, built by
// the planners (antispoof, NAT) and sent by nft_netlink in one transaction.
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

enum class Family : uint8_t { Ip, Bridge };

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

enum class MetaKey : uint8_t { Protocol, L4proto, Iifname };   // widths 2, 1, 16 (IFNAMSIZ)
struct Meta {
  MetaKey key;
  bool operator==(const Meta&) const = default;
};

enum class CmpOp : uint8_t { Eq, Neq, Lte, Gte };
struct Cmp {
  CmpOp op;
  Bytes data;
  bool operator==(const Cmp&) const = default;
};

// register 1 = (register 1 & mask) ^ 0, over mask.size() bytes.
struct Bitwise {
  Bytes mask;
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
  enum Kind : uint8_t { Accept, Drop, Jump } kind = Accept;
  std::string chain;   // Jump
  bool operator==(const Verdict&) const = default;
};

struct Masquerade {
  bool operator==(const Masquerade&) const = default;
};

using Expr = std::variant<Payload, Meta, Cmp, Bitwise, Range, Lookup, CounterRef, Verdict, Masquerade>;

struct Rule {
  std::vector<Expr> exprs;
};

// A base chain's hook; policy is always accept.
struct Hook {
  std::string type;   // "filter", "nat"
  uint32_t hooknum = 0;
  int32_t priority = 0;
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
  uint32_t key_type = 0;   // nft datatype id: 4 integer, 7 ipv4_addr, 8 ipv6_addr, 29 icmpv6_type
  Payload key;             // the load the set is matched against: key length and typeof
  bool interval = false;
  std::vector<Element> elements;
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

// A table, chain or counter name: what nft's own syntax accepts unquoted
// ([a-z_][a-z0-9_-]*), at most 64 characters.
bool valid_name(const std::string& s);

// Checks a table is complete and consistent: names, jump targets, counter
// references, set indexes, register widths. Empty when it is; else what is
// wrong. The planners' output always passes; the fuzzer and tests hold them
// to it.
std::string check_table(const Table& t);

}  // namespace zonekit::net::nft
