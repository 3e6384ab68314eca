#include "core/plan/zone_spec.hpp"

namespace zonekit {

std::string host_ifname(const std::string& uuid, uint32_t nic_index) {
  std::string hex;
  for (char c : uuid) {
    if (c != '-') hex += c;
    if (hex.size() == 10) break;
  }
  return "zk" + hex + "n" + std::to_string(nic_index);
}

// Fields are optional on read (value() with the struct's default) so that a
// spec written by an older zoneadm still loads.
#define ZK_TO(f) j[#f] = v.f
#define ZK_FROM(f) v.f = j.value(#f, decltype(v.f){v.f})

void to_json(nlohmann::json& j, const IdRange& v) { ZK_TO(host_base); ZK_TO(count); }
void from_json(const nlohmann::json& j, IdRange& v) { ZK_FROM(host_base); ZK_FROM(count); }

void to_json(nlohmann::json& j, const FilesystemSpec& v) {
  ZK_TO(source); ZK_TO(target); ZK_TO(read_only); ZK_TO(nosuid); ZK_TO(nodev); ZK_TO(noexec);
}
void from_json(const nlohmann::json& j, FilesystemSpec& v) {
  ZK_FROM(source); ZK_FROM(target); ZK_FROM(read_only); ZK_FROM(nosuid); ZK_FROM(nodev); ZK_FROM(noexec);
}

void to_json(nlohmann::json& j, const CgroupLimits& v) {
  ZK_TO(memory_bytes); ZK_TO(swap_bytes); ZK_TO(locked_bytes); ZK_TO(pids_max);
  ZK_TO(cpu_cap_percent); ZK_TO(cpu_shares); ZK_TO(io_priority);
}
void from_json(const nlohmann::json& j, CgroupLimits& v) {
  ZK_FROM(memory_bytes); ZK_FROM(swap_bytes); ZK_FROM(locked_bytes); ZK_FROM(pids_max);
  ZK_FROM(cpu_cap_percent); ZK_FROM(cpu_shares); ZK_FROM(io_priority);
}

void to_json(nlohmann::json& j, const NicSpec& v) {
  ZK_TO(index); ZK_TO(zone_ifname); ZK_TO(host_ifname); ZK_TO(bridge); ZK_TO(nic_tag); ZK_TO(mac);
  ZK_TO(mtu); ZK_TO(vlan_id); ZK_TO(ips); ZK_TO(gateways); ZK_TO(primary);
  ZK_TO(allow_ip_spoofing); ZK_TO(allow_mac_spoofing); ZK_TO(allow_dhcp_spoofing); ZK_TO(allowed_ips);
  ZK_TO(broadcast_rate);
}
void from_json(const nlohmann::json& j, NicSpec& v) {
  ZK_FROM(index); ZK_FROM(zone_ifname); ZK_FROM(host_ifname); ZK_FROM(bridge); ZK_FROM(nic_tag);
  ZK_FROM(mac); ZK_FROM(mtu); ZK_FROM(vlan_id); ZK_FROM(ips); ZK_FROM(gateways); ZK_FROM(primary);
  ZK_FROM(allow_ip_spoofing); ZK_FROM(allow_mac_spoofing); ZK_FROM(allow_dhcp_spoofing);
  ZK_FROM(allowed_ips); ZK_FROM(broadcast_rate);
}

void to_json(nlohmann::json& j, const RouteSpec& v) { ZK_TO(destination); ZK_TO(gateway); }
void from_json(const nlohmann::json& j, RouteSpec& v) { ZK_FROM(destination); ZK_FROM(gateway); }

void to_json(nlohmann::json& j, const ZoneSpec& v) {
  ZK_TO(uuid); ZK_TO(name); ZK_TO(hostname); ZK_TO(dns_domain); ZK_TO(brand); ZK_TO(zone_dir);
  ZK_TO(run_dir); ZK_TO(image_rootfs); ZK_TO(cgroup_path); ZK_TO(cgroup_unit); ZK_TO(ids); ZK_TO(limits);
  ZK_TO(tmpfs_bytes); ZK_TO(quota_bytes); ZK_TO(init_argv); ZK_TO(restart_init);
  ZK_TO(filesystems); ZK_TO(nics); ZK_TO(routes); ZK_TO(resolvers); ZK_TO(console_log_max);
}
void from_json(const nlohmann::json& j, ZoneSpec& v) {
  ZK_FROM(uuid); ZK_FROM(name); ZK_FROM(hostname); ZK_FROM(dns_domain); ZK_FROM(brand);
  ZK_FROM(zone_dir); ZK_FROM(run_dir); ZK_FROM(image_rootfs); ZK_FROM(cgroup_path); ZK_FROM(cgroup_unit); ZK_FROM(ids);
  ZK_FROM(limits); ZK_FROM(tmpfs_bytes); ZK_FROM(quota_bytes); ZK_FROM(init_argv);
  ZK_FROM(restart_init); ZK_FROM(filesystems); ZK_FROM(nics); ZK_FROM(routes); ZK_FROM(resolvers);
  ZK_FROM(console_log_max);
}

void to_json(nlohmann::json& j, const RunState& v) {
  ZK_TO(state); ZK_TO(zoneadmd_pid); ZK_TO(zoneadmd_start_time); ZK_TO(init_pid);
  ZK_TO(init_start_time); ZK_TO(boot_timestamp); ZK_TO(exit_status); ZK_TO(exit_code); ZK_TO(exit_signal);
  ZK_TO(exit_timestamp); ZK_TO(error); ZK_TO(network_clean); ZK_TO(boot_ms); ZK_TO(restarts);
  ZK_TO(keeper_pid); ZK_TO(keeper_start_time); ZK_TO(adoptions);
}
void from_json(const nlohmann::json& j, RunState& v) {
  ZK_FROM(state); ZK_FROM(zoneadmd_pid); ZK_FROM(zoneadmd_start_time); ZK_FROM(init_pid);
  ZK_FROM(init_start_time); ZK_FROM(boot_timestamp); ZK_FROM(exit_status); ZK_FROM(exit_code);
  ZK_FROM(exit_signal); ZK_FROM(exit_timestamp); ZK_FROM(error); ZK_FROM(network_clean); ZK_FROM(boot_ms);
  ZK_FROM(restarts); ZK_FROM(keeper_pid); ZK_FROM(keeper_start_time); ZK_FROM(adoptions);
}

#undef ZK_TO
#undef ZK_FROM

}  // namespace zonekit
