#include "core/net/nft_model.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

namespace zonekit::net::nft {

namespace {

// b + 1 in place (big-endian); false if it wrapped (b was all ones).
bool increment(Bytes& b) {
  for (size_t i = b.size(); i-- > 0;)
    if (++b[i] != 0) return true;
  return false;
}

bool all(const Bytes& b, uint8_t v) {
  return std::all_of(b.begin(), b.end(), [v](uint8_t x) { return x == v; });
}

// The prefix length if [from, to] is exactly one prefix, else -1.
int prefix_of(const Bytes& from, const Bytes& to) {
  int bits = int(from.size()) * 8;
  int len = bits;
  // Host bits: where from has 0 and to has 1, from the right, contiguously.
  for (int i = bits - 1; i >= 0; --i) {
    uint8_t m = uint8_t(0x80 >> (i % 8));
    bool f = from[size_t(i / 8)] & m, t = to[size_t(i / 8)] & m;
    if (!f && t) len = i;
    else break;
  }
  for (int i = 0; i < len; ++i) {
    uint8_t m = uint8_t(0x80 >> (i % 8));
    if ((from[size_t(i / 8)] & m) != (to[size_t(i / 8)] & m)) return -1;
  }
  return len;
}

size_t meta_width(MetaKey k) {
  switch (k) {
    case MetaKey::Protocol: return 2;
    case MetaKey::L4proto: return 1;
    case MetaKey::Iifname:
    case MetaKey::Oifname: return 16;
    case MetaKey::Mark: return 4;
    case MetaKey::NfProto: return 1;
    case MetaKey::IifType: return 2;
  }
  return 0;
}

constexpr size_t kMaxExprs = 32;   // nft_netlink sizes a rule's message by it

// An interface name as the kernel takes it (dev_valid_name).
bool valid_device(const std::string& s) {
  if (s.empty() || s.size() >= 16 || s == "." || s == "..") return false;
  return std::none_of(s.begin(), s.end(), [](char c) { return c == '/' || c == ':' || c <= ' ' || c == 0x7f; });
}

}  // namespace

Bytes host_u32(uint32_t v) {
  Bytes b(4);
  std::memcpy(b.data(), &v, 4);
  return b;
}

Bytes host_u16(uint16_t v) {
  Bytes b(2);
  std::memcpy(b.data(), &v, 2);
  return b;
}

bool valid_name(const std::string& s) {
  if (s.empty() || s.size() > 64 || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_')) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  return true;
}

std::vector<Interval> merge_intervals(std::vector<Interval> in) {
  std::sort(in.begin(), in.end(), [](const Interval& a, const Interval& b) { return a.from < b.from; });
  std::vector<Interval> out;
  for (auto& iv : in) {
    if (!out.empty()) {
      Bytes after = out.back().to;
      // Overlapping or adjacent (iv starts at most one past the last end).
      if (!increment(after) || iv.from <= after) {
        if (iv.to > out.back().to) out.back().to = iv.to;
        continue;
      }
    }
    out.push_back(std::move(iv));
  }
  return out;
}

std::vector<Element> interval_elements(const std::vector<Interval>& merged) {
  std::vector<Element> out;
  if (merged.empty()) return out;
  if (!all(merged.front().from, 0)) out.push_back({Bytes(merged.front().from.size(), 0), true, false});
  for (const auto& iv : merged) {
    Bytes end = iv.to;
    if (increment(end)) {
      out.push_back({iv.from, false, false});
      out.push_back({std::move(end), true, false});
    } else {
      out.push_back({iv.from, false, true});   // up to the top: no end element
    }
  }
  return out;
}

std::vector<Expr> match(Table& table, const Payload& p, uint32_t key_type, std::vector<Interval> values, bool neq,
                        bool prefixes) {
  std::vector<Expr> out{p};
  CmpOp op = neq ? CmpOp::Neq : CmpOp::Eq;
  bool ranges = std::any_of(values.begin(), values.end(), [](const Interval& v) { return v.from != v.to; });
  if (!ranges) {
    // nft keeps single values apart (no merging of neighbours) in a plain set.
    std::vector<Bytes> keys;
    for (auto& v : values) keys.push_back(std::move(v.from));
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    if (keys.size() == 1) {
      out.push_back(Cmp{op, std::move(keys.front())});
      return out;
    }
    Set set{key_type, p, false, {}};
    for (auto& k : keys) set.elements.push_back({std::move(k), false, false});
    table.sets.push_back(std::move(set));
    out.push_back(Lookup{table.sets.size() - 1, neq});
    return out;
  }
  auto merged = merge_intervals(std::move(values));
  if (merged.size() > 1) {
    table.sets.push_back(Set{key_type, p, true, interval_elements(merged)});
    out.push_back(Lookup{table.sets.size() - 1, neq});
    return out;
  }
  auto& [from, to] = merged.front();
  int plen = prefixes ? prefix_of(from, to) : -1;
  if (plen > 0 && plen % 8 == 0) {
    // A whole-byte prefix: load only its bytes.
    std::get<Payload>(out.front()).len = uint32_t(plen / 8);
    out.push_back(Cmp{op, Bytes(from.begin(), from.begin() + plen / 8)});
  } else if (plen >= 0) {
    Bytes mask(from.size(), 0);
    for (int i = 0; i < plen; ++i) mask[size_t(i / 8)] |= uint8_t(0x80 >> (i % 8));
    out.push_back(Bitwise{std::move(mask)});
    out.push_back(Cmp{op, std::move(from)});
  } else if (neq) {
    out.push_back(Range{true, std::move(from), std::move(to)});
  } else {
    out.push_back(Cmp{CmpOp::Gte, std::move(from)});
    out.push_back(Cmp{CmpOp::Lte, std::move(to)});
  }
  return out;
}

std::string check_table(const Table& t) {
  if (!valid_name(t.name)) return "table name \"" + t.name + "\"";
  std::set<std::string> counters(t.counters.begin(), t.counters.end());
  if (counters.size() != t.counters.size()) return "a counter name used twice";
  for (const auto& c : t.counters)
    if (!valid_name(c)) return "counter name \"" + c + "\"";
  std::map<std::string, bool> chains;   // name -> is a base chain
  bool regular_seen = false;
  for (const auto& c : t.chains) {
    if (!valid_name(c.name) || chains.contains(c.name)) return "chain name \"" + c.name + "\"";
    if (c.hook && regular_seen) return "base chain " + c.name + " after a regular one";
    if (c.hook && (c.hook->type != "filter" && c.hook->type != "nat")) return "chain " + c.name + ": hook type";
    // A netdev hook needs its device (an interface name); no other has one.
    if (c.hook && (t.family == Family::Netdev) != !c.hook->device.empty()) return "chain " + c.name + ": hook device";
    if (c.hook && !c.hook->device.empty() && !valid_device(c.hook->device)) return "chain " + c.name + ": hook device";
    regular_seen = regular_seen || !c.hook;
    chains[c.name] = c.hook.has_value();
  }
  std::vector<int> set_uses(t.sets.size(), 0);
  for (const auto& c : t.chains) {
    for (size_t r = 0; r < c.rules.size(); ++r) {
      std::string where = "chain " + c.name + " rule " + std::to_string(r) + ": ";
      const auto& ex = c.rules[r].exprs;
      if (ex.empty() || ex.size() > kMaxExprs) return where + "no expressions, or too many";
      size_t width = 0;   // bytes of register 1 loaded; 0 = nothing loaded
      bool name_load = false;   // width is an interface name: shorter compares match a prefix
      for (size_t i = 0; i < ex.size(); ++i) {
        bool last = i + 1 == ex.size();
        const Expr& e = ex[i];
        if (auto* p = std::get_if<Payload>(&e)) {
          if (p->len == 0 || p->len > 16) return where + "payload length";
          width = p->len;
          name_load = false;
        } else if (auto* m = std::get_if<Meta>(&e)) {
          width = meta_width(m->key);
          name_load = m->key == MetaKey::Iifname || m->key == MetaKey::Oifname;
        } else if (std::holds_alternative<CtState>(e) || std::holds_alternative<FibDaddrType>(e)) {
          width = 4;
          name_load = false;
        } else if (auto* cmp = std::get_if<Cmp>(&e)) {
          bool prefix = name_load && !cmp->data.empty() && cmp->data.size() < width;
          if (width == 0 || (cmp->data.size() != width && !prefix)) return where + "compare width";
        } else if (auto* b = std::get_if<Bitwise>(&e)) {
          if (width == 0 || b->mask.size() != width) return where + "mask width";
          if (!b->xor_value.empty() && b->xor_value.size() != width) return where + "xor width";
        } else if (auto* ms = std::get_if<MetaSet>(&e)) {
          if (ms->key != MetaKey::Mark || width != 4) return where + "meta set of a 4-byte mark only";
        } else if (auto* lim = std::get_if<Limit>(&e)) {
          if (lim->rate == 0) return where + "limit rate 0";
        } else if (auto* rg = std::get_if<Range>(&e)) {
          if (width == 0 || rg->from.size() != width || rg->to.size() != width || rg->to < rg->from)
            return where + "range";
        } else if (auto* l = std::get_if<Lookup>(&e)) {
          if (l->set >= t.sets.size()) return where + "no such set";
          if (width == 0 || t.sets[l->set].key.len != width) return where + "set key width";
          ++set_uses[l->set];
        } else if (auto* cr = std::get_if<CounterRef>(&e)) {
          if (!counters.contains(cr->name)) return where + "no counter " + cr->name;
        } else if (auto* v = std::get_if<Verdict>(&e)) {
          if (!last) return where + "verdict before the end";
          if (v->kind == Verdict::Jump) {
            auto it = chains.find(v->chain);
            if (it == chains.end() || it->second) return where + "jump to " + v->chain;
          }
        } else if (std::holds_alternative<Masquerade>(e)) {
          if (!c.hook || c.hook->type != "nat") return where + "masquerade outside a nat chain";
        }
      }
    }
  }
  for (size_t s = 0; s < t.sets.size(); ++s) {
    const auto& set = t.sets[s];
    std::string where = "set " + std::to_string(s) + ": ";
    if (set_uses[s] != 1) return where + "not used by exactly one rule";
    if (set.elements.empty()) return where + "empty";
    for (size_t i = 0; i < set.elements.size(); ++i) {
      const auto& e = set.elements[i];
      if (e.key.size() != set.key.len) return where + "element width";
      if (i > 0 && !(set.elements[i - 1].key < e.key)) return where + "elements not strictly ascending";
      if (!set.interval && (e.end || e.open)) return where + "interval flags in a plain set";
      if (set.interval && i > 0 && e.end == set.elements[i - 1].end) return where + "starts and ends do not alternate";
      if (e.open && i + 1 != set.elements.size()) return where + "open range before the end";
    }
    if (set.interval && set.elements.back().end == false && !set.elements.back().open)
      return where + "last range has no end";
  }
  return {};
}

}  // namespace zonekit::net::nft
