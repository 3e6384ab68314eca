// The I/O half of the host policy: its tables go to the kernel over
// nft_netlink, and net.ipv4.ip_forward of the calling thread's network
// namespace is turned on, or put back as zonekit found it.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "core/net/host_policy.hpp"
#include "core/net/nft_netlink.hpp"
#include "core/sys/fd.hpp"
#include "core/sys/fs.hpp"

namespace zonekit::net {

namespace {

constexpr char kIpForward[] = "/proc/sys/net/ipv4/ip_forward";

// "0" or "1" (anything but "0" reads as on).
Result<bool> read_ip_forward() {
  auto v = ZK_TRY(fs::read_file(kIpForward, 64));
  return !v.starts_with("0");
}

Result<void> write_ip_forward(bool on) {
  UniqueFd fd(::open(kIpForward, O_WRONLY | O_CLOEXEC));
  if (!fd) return sys_error("open", kIpForward);
  if (::write(fd.get(), on ? "1\n" : "0\n", 2) != 2) return sys_error("write", kIpForward);
  return {};
}

// Forwarding on when needed, recording the value found when zonekit is the
// one that changes it (the record is written before the change, so a crash
// in between leaves a record, never a change without one). restore: put a
// recorded value back when it is not needed.
Result<void> set_forwarding(bool needed, const std::string& record, bool restore) {
  const std::string ctx = "net.ipv4.ip_forward";
  if (needed) {
    if (ZK_TRYC(read_ip_forward(), ctx)) return {};   // on already (by zonekit or the admin)
    if (!fs::exists(record)) ZK_TRYVC(fs::replace_file(record, "0\n", 0644), ctx);
    return context(write_ip_forward(true), ctx);
  }
  if (!restore || !fs::exists(record)) return {};
  auto saved = ZK_TRYC(fs::read_file(record, 64), ctx);
  ZK_TRYVC(write_ip_forward(!saved.starts_with("0")), ctx);
  if (::unlink(record.c_str()) < 0 && errno != ENOENT) return sys_error("unlink", record);
  return {};
}

}  // namespace

Result<void> apply_host_policy(const HostPolicy& policy, const std::string& forward_record,
                               const std::vector<std::string>& retired_ip_tables) {
  const std::string ctx = "host network policy";
  auto tables = ZK_TRYC(host_tables(policy), ctx);
  auto nl = ZK_TRYC(nft::Socket::open(), ctx);
  // One transaction: no instant without the shield while it is replaced.
  nft::Batch batch;
  batch.delete_table(nft::Family::Bridge, kHostTable);
  batch.delete_table(nft::Family::Inet, kHostTable);
  for (const auto& name : retired_ip_tables) batch.delete_table(nft::Family::Ip, name);
  for (const auto& t : tables) batch.add_table(t);
  ZK_TRYVC(nl.commit(batch), ctx);
  return set_forwarding(policy.needs_forwarding(), forward_record, true);
}

Result<void> ensure_host_policy(const HostPolicy& policy, const std::string& forward_record) {
  const std::string ctx = "host network policy";
  auto tables = ZK_TRYC(host_tables(policy), ctx);
  if (tables.empty()) return {};
  auto nl = ZK_TRYC(nft::Socket::open(), ctx);
  // The filter before the mark: never a marked packet without its policy.
  for (auto it = tables.rbegin(); it != tables.rend(); ++it) {
    if (ZK_TRYC(nl.table_exists(it->family, it->name), ctx)) continue;
    nft::Batch batch;
    batch.add_table(*it, true);
    auto r = nl.commit(batch);
    if (!r && r.error().code != EEXIST) return context(std::move(r), ctx);   // EEXIST: a concurrent boot made it
  }
  return set_forwarding(policy.needs_forwarding(), forward_record, false);
}

Result<std::map<std::string, uint64_t>> host_policy_counters() {
  auto nl = ZK_TRY(nft::Socket::open());
  return nl.counters(nft::Family::Inet, kHostTable);
}

}  // namespace zonekit::net
