// The I/O half of anti-spoofing: the zone's table goes to the kernel in one
// nf_tables transaction over netlink (nft_netlink). Every call reads and
// writes only the zone's own table and the guard (libnftables, used before,
// loaded every zone's table into its cache on every call: 0.7 s per boot
// and 580 MiB at 1000 zones).
#include <cerrno>

#include "core/net/antispoof.hpp"
#include "core/net/nft_netlink.hpp"

namespace zonekit::net {

namespace {

using nft::Family;

// The zone's tables that exist: the netdev one, and a bridge one of before.
Result<std::vector<Family>> zone_tables(nft::Socket& nl, const std::string& table) {
  std::vector<Family> out;
  for (Family f : {Family::Netdev, Family::Bridge})
    if (ZK_TRY(nl.table_exists(f, table))) out.push_back(f);
  return out;
}

// Make the guard if it is missing, unless bridge tables of zones from
// before remain: their frames carry no mark. One GETTABLE when it is there.
Result<void> ensure_guard(nft::Socket& nl) {
  if (ZK_TRY(nl.table_exists(Family::Bridge, kGuardTable))) return {};
  for (const auto& name : ZK_TRY(nl.table_names(Family::Bridge)))
    if (name.starts_with("zk_")) return {};
  nft::Batch batch;
  batch.add_table(guard_table(), true);
  auto r = nl.commit(batch);
  if (!r && r.error().code != EEXIST) return r;   // EEXIST: a concurrent boot made it
  return {};
}

}  // namespace

Result<void> apply_antispoof(const ZoneSpec& spec) {
  auto table = ZK_TRY(antispoof_table(spec));
  const std::string ctx = "anti-spoofing table " + table.name;
  auto nl = ZK_TRYC(nft::Socket::open(), ctx);
  // An existing table is replaced by add + delete + define in one
  // transaction: no window without rules. A new one is only defined.
  nft::Batch batch;
  for (Family f : ZK_TRYC(zone_tables(nl, table.name), ctx)) batch.delete_table(f, table.name);
  batch.add_table(table);
  ZK_TRYVC(nl.commit(batch), ctx);
  // After the zone's table: retiring the last table of before lets the
  // guard be made right away.
  return context(ensure_guard(nl), "anti-spoofing guard table " + std::string(kGuardTable));
}

Result<bool> remove_antispoof(nft::Socket& nl, const std::string& uuid) {
  auto table = ZK_TRY(zone_table_name(uuid));
  const std::string ctx = "remove table " + table;
  auto families = ZK_TRYC(zone_tables(nl, table), ctx);
  if (families.empty()) return false;
  nft::Batch batch;
  for (Family f : families) batch.delete_table(f, table);
  ZK_TRYVC(nl.commit(batch), ctx);
  return true;
}

Result<void> remove_antispoof(const std::string& uuid) {
  auto nl = ZK_TRYC(nft::Socket::open(), "remove table of zone " + uuid);
  ZK_TRYV(remove_antispoof(nl, uuid));
  return {};
}

Result<std::map<std::string, uint64_t>> antispoof_counters(const std::string& uuid) {
  auto table = ZK_TRY(zone_table_name(uuid));
  auto nl = ZK_TRY(nft::Socket::open());
  // A dump of a missing table's objects is just empty; tell the two apart.
  // A zone of before has its counters, of the same names, in the bridge family.
  for (Family f : {Family::Netdev, Family::Bridge}) {
    auto counters = ZK_TRY(nl.counters(f, table));
    if (!counters.empty() || ZK_TRY(nl.table_exists(f, table))) return counters;
  }
  Error e;
  e.kind = ErrorKind::NotFound;
  e.op = "nft list counters";
  e.object = "table netdev " + table;
  e.code = ENOENT;
  return fail(std::move(e));
}

}  // namespace zonekit::net
