// The pure nftables model: interval merging, nft's interval-set encoding,
// how one match compiles (the forms nft 1.0.6 uses), and check_table.
#include <doctest/doctest.h>

#include "core/net/nft_model.hpp"

using namespace zonekit::net::nft;

namespace {

Interval iv(Bytes from, Bytes to) { return {std::move(from), std::move(to)}; }
const Payload kSaddr{Base::Network, 12, 4, 12, 11};

}  // namespace

TEST_CASE("merge_intervals: overlapping, nested and adjacent ranges become one; gaps stay") {
  auto m = merge_intervals({iv({10, 9, 1, 1}, {10, 9, 1, 1}),      // inside the /16
                            iv({10, 9, 0, 0}, {10, 9, 255, 255}),
                            iv({10, 10, 0, 0}, {10, 10, 0, 127}),  // touches the /16
                            iv({10, 10, 0, 128}, {10, 10, 0, 255}),
                            iv({10, 0, 0, 6}, {10, 0, 0, 6}),
                            iv({10, 0, 0, 4}, {10, 0, 0, 5}),
                            iv({10, 0, 0, 8}, {10, 0, 0, 8})});    // one gap after .6
  CHECK(m == std::vector<Interval>{iv({10, 0, 0, 4}, {10, 0, 0, 6}), iv({10, 0, 0, 8}, {10, 0, 0, 8}),
                                   iv({10, 9, 0, 0}, {10, 10, 0, 255})});
  // Up to the top of the key space: no overflow when probing adjacency.
  m = merge_intervals({iv({255, 255, 255, 255}, {255, 255, 255, 255}), iv({240, 0, 0, 0}, {255, 255, 255, 255})});
  CHECK(m == std::vector<Interval>{iv({240, 0, 0, 0}, {255, 255, 255, 255})});
  CHECK(merge_intervals({}).empty());
}

TEST_CASE("interval_elements: nft's encoding of an interval set") {
  using E = Element;
  // Not starting at 0: a leading end marker at 0; each range is its start
  // and, flagged end, the value after it.
  CHECK(interval_elements({iv({10, 0, 0, 5}, {10, 0, 0, 5}), iv({10, 9, 0, 0}, {10, 9, 255, 255})}) ==
        std::vector<E>{{{0, 0, 0, 0}, true, false},
                       {{10, 0, 0, 5}, false, false},
                       {{10, 0, 0, 6}, true, false},
                       {{10, 9, 0, 0}, false, false},
                       {{10, 10, 0, 0}, true, false}});
  // Starting at 0: no marker; reaching the top: no end, flagged open.
  CHECK(interval_elements({iv({0, 0, 0, 0}, {0, 255, 255, 255}), iv({240, 0, 0, 0}, {255, 255, 255, 255})}) ==
        std::vector<E>{{{0, 0, 0, 0}, false, false}, {{1, 0, 0, 0}, true, false}, {{240, 0, 0, 0}, false, true}});
}

TEST_CASE("match: the forms nft compiles a match to") {
  Table t;
  t.name = "t";
  // One address: load and compare.
  auto e = match(t, kSaddr, 7, {iv({10, 0, 0, 5}, {10, 0, 0, 5})}, true, true);
  CHECK(e == std::vector<Expr>{kSaddr, Cmp{CmpOp::Neq, {10, 0, 0, 5}}});
  // A whole-byte prefix: a shorter load.
  e = match(t, kSaddr, 7, {iv({10, 9, 0, 0}, {10, 9, 255, 255})}, true, true);
  Payload two = kSaddr;
  two.len = 2;
  CHECK(e == std::vector<Expr>{two, Cmp{CmpOp::Neq, {10, 9}}});
  // Any other prefix (and /0): a mask.
  e = match(t, kSaddr, 7, {iv({10, 16, 0, 0}, {10, 31, 255, 255})}, false, true);
  CHECK(e == std::vector<Expr>{kSaddr, Bitwise{{255, 240, 0, 0}}, Cmp{CmpOp::Eq, {10, 16, 0, 0}}});
  e = match(t, kSaddr, 7, {iv({0, 0, 0, 0}, {255, 255, 255, 255})}, true, true);
  CHECK(e == std::vector<Expr>{kSaddr, Bitwise{{0, 0, 0, 0}}, Cmp{CmpOp::Neq, {0, 0, 0, 0}}});
  // A range that is no prefix, or any range where prefixes are not wanted.
  e = match(t, kSaddr, 7, {iv({10, 0, 0, 4}, {10, 0, 0, 6})}, true, true);
  CHECK(e == std::vector<Expr>{kSaddr, Range{true, {10, 0, 0, 4}, {10, 0, 0, 6}}});
  e = match(t, kSaddr, 7, {iv({10, 9, 0, 0}, {10, 9, 255, 255})}, false, false);
  CHECK(e == std::vector<Expr>{kSaddr, Cmp{CmpOp::Gte, {10, 9, 0, 0}}, Cmp{CmpOp::Lte, {10, 9, 255, 255}}});
  CHECK(t.sets.empty());
  // Ranges merged into one: the single-range forms.
  e = match(t, kSaddr, 7, {iv({10, 0, 0, 0}, {10, 0, 0, 127}), iv({10, 0, 0, 128}, {10, 0, 0, 255})}, true, true);
  Payload three = kSaddr;
  three.len = 3;
  CHECK(e == std::vector<Expr>{three, Cmp{CmpOp::Neq, {10, 0, 0}}});
  CHECK(t.sets.empty());
  // Only addresses, two or more: a plain set, neighbours kept apart,
  // duplicates dropped.
  e = match(t, kSaddr, 7,
            {iv({10, 0, 0, 6}, {10, 0, 0, 6}), iv({10, 0, 0, 5}, {10, 0, 0, 5}), iv({10, 0, 0, 6}, {10, 0, 0, 6})},
            false, true);
  REQUIRE(t.sets.size() == 1);
  CHECK(e == std::vector<Expr>{kSaddr, Lookup{0, false}});
  CHECK(!t.sets[0].interval);
  CHECK(t.sets[0].elements == std::vector<Element>{{{10, 0, 0, 5}, false, false}, {{10, 0, 0, 6}, false, false}});
  // With a range among them: an interval set of everything merged.
  e = match(t, kSaddr, 7, {iv({10, 0, 0, 5}, {10, 0, 0, 5}), iv({10, 9, 0, 0}, {10, 9, 255, 255})}, true, true);
  REQUIRE(t.sets.size() == 2);
  CHECK(e == std::vector<Expr>{kSaddr, Lookup{1, true}});
  CHECK(t.sets[1].interval);
  CHECK(t.sets[1].key.len == 4);
  CHECK(t.sets[1].elements.size() == 5);
}

TEST_CASE("check_table: what the netlink edge relies on") {
  Table t;
  t.name = "zk_0123456789";
  t.counters = {"n0_ip"};
  t.chains.push_back({"pre", Hook{"filter", 0, -300}, {}});
  t.chains.push_back({"n0", std::nullopt, {}});
  t.chains[0].rules.push_back({{Meta{MetaKey::Iifname}, Cmp{CmpOp::Eq, Bytes(16, 'a')}, Verdict{Verdict::Jump, "n0"}}});
  t.chains[1].rules.push_back({{kSaddr, Cmp{CmpOp::Neq, {1, 2, 3, 4}}, CounterRef{"n0_ip"}, Verdict{Verdict::Drop, {}}}});
  CHECK(check_table(t) == "");

  auto bad = t;
  bad.name = "a b";
  CHECK(check_table(bad) == "table name \"a b\"");
  bad = t;
  bad.chains[1].rules[0].exprs[1] = Cmp{CmpOp::Neq, {1, 2, 3}};
  CHECK(check_table(bad) == "chain n0 rule 0: compare width");
  bad = t;
  bad.chains[1].rules[0].exprs[2] = CounterRef{"n9_ip"};
  CHECK(check_table(bad) == "chain n0 rule 0: no counter n9_ip");
  bad = t;
  bad.chains[0].rules[0].exprs[2] = Verdict{Verdict::Jump, "pre"};   // a base chain
  CHECK(check_table(bad) == "chain pre rule 0: jump to pre");
  bad = t;
  bad.chains[1].rules[0].exprs = {Verdict{Verdict::Accept, {}}, CounterRef{"n0_ip"}};
  CHECK(check_table(bad) == "chain n0 rule 0: verdict before the end");
  bad = t;
  bad.chains[1].rules[0].exprs[0] = Lookup{0, false};
  CHECK(check_table(bad) == "chain n0 rule 0: no such set");
  bad = t;
  bad.sets.push_back(Set{7, kSaddr, true, interval_elements({iv({1, 0, 0, 0}, {1, 0, 0, 0})})});
  CHECK(check_table(bad) == "set 0: not used by exactly one rule");
  bad = t;
  bad.chains[1].rules[0].exprs.insert(bad.chains[1].rules[0].exprs.begin(), Masquerade{});
  CHECK(check_table(bad) == "chain n0 rule 0: masquerade outside a nat chain");
}

TEST_CASE("check_table: name prefixes, marks, limits and the other loads") {
  Table t;
  t.name = "zonekit";
  t.chains.push_back({"input", Hook{"filter", 1, -200}, {}});
  // iifname "zk*" meta mark set meta mark | 0x01000000
  t.chains[0].rules.push_back({{Meta{MetaKey::Iifname}, Cmp{CmpOp::Eq, {'z', 'k'}}, Meta{MetaKey::Mark},
                                Bitwise{host_u32(~0x01000000u), host_u32(0x01000000)}, MetaSet{MetaKey::Mark}}});
  // ct state established,related accept; fib ... return; a limit
  t.chains[0].rules.push_back({{CtState{}, Bitwise{host_u32(6), {}}, Cmp{CmpOp::Neq, host_u32(0)},
                                Verdict{Verdict::Accept, {}}}});
  t.chains[0].rules.push_back({{FibDaddrType{}, Cmp{CmpOp::Neq, host_u32(2)}, Verdict{Verdict::Return, {}}}});
  t.chains[0].rules.push_back({{Payload{Base::Link, 0, 6}, Limit{300, 300, true}, Verdict{Verdict::Drop, {}}}});
  CHECK(check_table(t) == "");

  auto bad = t;   // a shorter compare is a prefix only for interface names
  bad.chains[0].rules[3].exprs.insert(bad.chains[0].rules[3].exprs.begin() + 1, Cmp{CmpOp::Eq, {1}});
  CHECK(check_table(bad) == "chain input rule 3: compare width");
  bad = t;        // the mark is 4 bytes
  bad.chains[0].rules[0].exprs[2] = Meta{MetaKey::L4proto};
  CHECK(check_table(bad) == "chain input rule 0: mask width");
  bad = t;
  bad.chains[0].rules[0].exprs[3] = Bitwise{host_u32(0), {1, 2}};
  CHECK(check_table(bad) == "chain input rule 0: xor width");
  bad = t;
  bad.chains[0].rules[0].exprs.erase(bad.chains[0].rules[0].exprs.begin() + 2, bad.chains[0].rules[0].exprs.begin() + 4);
  CHECK(check_table(bad) == "chain input rule 0: meta set of a 4-byte mark only");
  bad = t;
  bad.chains[0].rules[3].exprs[1] = Limit{0, 0, true};
  CHECK(check_table(bad) == "chain input rule 3: limit rate 0");
  CHECK(host_u32(0x01000000) == Bytes{0, 0, 0, 1});   // host order (this is a little-endian test host)
}
