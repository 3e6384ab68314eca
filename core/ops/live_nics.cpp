#include "core/ops/live_nics.hpp"

#include <algorithm>
#include <map>

#include "core/net/zone_net.hpp"
#include "core/ops/nictags.hpp"
#include "core/ops/zones.hpp"
#include "core/runtime/run_dir.hpp"
#include "core/runtime/supervisor_client.hpp"

namespace zonekit::ops {

namespace {

// Whether the zone's link for this nic must be made again: anything the veth,
// its addresses or the routes depend on. Filter-only fields (spoofing flags,
// allowed_ips) need just the table replaced, which happens in every case.
bool link_differs(const NicSpec& a, const NicSpec& b) {
  return a.index != b.index || a.zone_ifname != b.zone_ifname || a.host_ifname != b.host_ifname ||
         a.bridge != b.bridge || a.mtu != b.mtu || a.vlan_id != b.vlan_id || a.ips != b.ips ||
         a.gateways != b.gateways || a.primary != b.primary;
}

}  // namespace

Result<bool> apply_nics_live(const store::Store& st, const nlohmann::json& before, const nlohmann::json& after) {
  std::string uuid = after.value("uuid", std::string());
  std::string run_dir = st.paths().run_zone_dir(uuid);
  auto q = ZK_TRY(runtime::query(run_dir));
  if (q.state != "running" || q.run.init_pid <= 1) return false;   // applies at next boot
  auto old_spec = ZK_TRY(spec_for(st, before));
  auto new_spec = ZK_TRY(spec_for(st, after));

  std::map<std::string, const NicSpec*> old_by_mac;
  for (const auto& n : old_spec.nics) old_by_mac[n.mac] = &n;
  std::map<std::string, const NicSpec*> new_by_mac;
  for (const auto& n : new_spec.nics) new_by_mac[n.mac] = &n;

  // Old links to remove: nics gone, or whose link changes (a nic that moved
  // to another index gets another name, so it is made again).
  std::vector<std::string> remove;
  for (const auto& n : old_spec.nics) {
    auto it = new_by_mac.find(n.mac);
    if (it == new_by_mac.end() || link_differs(n, *it->second)) remove.push_back(n.host_ifname);
  }
  // New links to make, and the nics that stay as they are.
  std::vector<uint32_t> add;
  ZoneSpec kept = new_spec;
  kept.nics.clear();
  for (const auto& n : new_spec.nics) {
    auto it = old_by_mac.find(n.mac);
    if (it == old_by_mac.end() || link_differs(*it->second, n))
      add.push_back(n.index);
    else
      kept.nics.push_back(n);
  }

  // Ports go first (the table then guards only the kept ones), then the new
  // ports come up behind a table that covers all of them, and behind the
  // host policy (a zone booted without nics may be the first).
  ZK_TRYV(net::detach_nics(kept, remove));
  if (!add.empty()) ZK_TRYV(ensure_tag_network(st));
  if (!add.empty())
    ZK_TRYV(net::attach_nics(new_spec, q.run.init_pid, add));
  else if (new_spec.nics.empty())
    ZK_TRYV(net::detach_zone(new_spec));          // no nic left: no table either
  else
    ZK_TRYV(net::detach_nics(new_spec, {}));      // table for the new filter fields
  // Cleanup after a supervisor crash reads the run dir's spec: keep it true,
  // and the cgroup where the zone's boot put it (the manager may have been
  // configured otherwise since).
  if (auto rec = runtime::read_spec(run_dir); rec && rec->uuid == new_spec.uuid) {
    new_spec.cgroup_path = rec->cgroup_path;
    new_spec.cgroup_unit = rec->cgroup_unit;
  }
  ZK_TRYV(runtime::write_spec(new_spec));
  return true;
}

}  // namespace zonekit::ops
