#include "core/plan/zone_plan.hpp"

#include <fmt/format.h>

namespace zonekit {

using nlohmann::json;

namespace {

uint64_t mib(const json& doc, const char* key, uint64_t fallback) {
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_number()) return fallback << 20;
  return it->get<uint64_t>() << 20;
}

template <class T>
T num(const json& doc, const char* key, T fallback) {
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_number()) return fallback;
  return it->get<T>();
}

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ' ' || c == '\t') {
      if (!cur.empty()) out.push_back(std::move(cur)), cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::vector<std::string> strings(const json& doc, const char* key) {
  std::vector<std::string> out;
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_array()) return out;
  for (const auto& v : *it)
    if (v.is_string()) out.push_back(v);
  return out;
}

}  // namespace

Result<ZoneSpec> plan_zone(const json& d, const HostFacts& facts) {
  if (!d.is_object()) return fail("stored manifest is not an object");
  ZoneSpec s;
  s.uuid = d.value("uuid", std::string());
  if (s.uuid.empty()) return fail("stored manifest has no uuid");
  s.name = d.value("alias", s.uuid);
  s.hostname = d.value("hostname", s.name);
  s.dns_domain = d.value("dns_domain", std::string("local"));
  s.brand = d.value("brand", std::string("sparse"));
  s.zone_dir = facts.zone_dir;
  s.run_dir = facts.run_dir;
  s.image_rootfs = facts.image_rootfs;
  if (s.brand == "image" && s.image_rootfs.empty()) return fail("image brand zone without an image");
  s.cgroup_path = facts.cgroup_parent + "/" + s.uuid;
  if (facts.systemd_scope) {
    // The names core/runtime/cgroup_systemd.hpp checks (plan_scope).
    s.cgroup_unit = "zonekit-" + s.uuid + ".scope";
    s.cgroup_path = "machine.slice/" + s.cgroup_unit + "/zone";
  }
  if (!d.contains("uid_base")) return fail("stored manifest has no uid_base");
  s.ids.host_base = d["uid_base"].get<uint32_t>();
  s.ids.count = 65536;

  CgroupLimits& l = s.limits;
  l.memory_bytes = mib(d, "max_physical_memory", 256);
  l.swap_bytes = mib(d, "max_swap", l.memory_bytes >> 20);
  l.locked_bytes = mib(d, "max_locked_memory", l.memory_bytes >> 20);
  l.pids_max = num<uint64_t>(d, "max_lwps", 2000);
  l.cpu_cap_percent = num<uint32_t>(d, "cpu_cap", 0);
  l.cpu_shares = num<uint32_t>(d, "cpu_shares", 100);
  l.io_priority = num<uint32_t>(d, "zfs_io_priority", 100);
  s.tmpfs_bytes = mib(d, "tmpfs", l.memory_bytes >> 20);
  s.quota_bytes = num<uint64_t>(d, "quota", 0) << 30;

  if (d.contains("init_name") && d["init_name"].is_string())
    s.init_argv = split_words(d["init_name"].get<std::string>());
  else if (d.contains("init_name") && d["init_name"].is_array())
    s.init_argv = strings(d, "init_name");
  s.restart_init = d.value("restart_init", true);
  s.console_log_max = facts.console_log_max;
  if (d.contains("zlog_max_size") && d["zlog_max_size"].is_number_unsigned())
    s.console_log_max = d["zlog_max_size"].get<uint64_t>();

  if (d.contains("filesystems") && d["filesystems"].is_array()) {
    for (const auto& f : d["filesystems"]) {
      FilesystemSpec fs;
      fs.source = f.value("source", std::string());
      fs.target = f.value("target", std::string());
      // nodev and nosuid always: a zone must never get host devices or
      // setuid binaries through a bind mount.
      fs.nodev = true;
      fs.nosuid = true;
      for (const auto& o : strings(f, "options")) {
        if (o == "ro") fs.read_only = true;
        if (o == "rw") fs.read_only = false;
        if (o == "noexec") fs.noexec = true;
      }
      s.filesystems.push_back(fs);
    }
  }

  if (d.contains("nics") && d["nics"].is_array()) {
    for (size_t i = 0; i < d["nics"].size(); ++i) {
      const json& n = d["nics"][i];
      NicSpec nic;
      nic.index = static_cast<uint32_t>(i);
      nic.zone_ifname = n.value("interface", fmt::format("net{}", i));
      nic.host_ifname = host_ifname(s.uuid, nic.index);
      nic.nic_tag = n.value("nic_tag", std::string());
      auto br = facts.tag_bridges.find(nic.nic_tag);
      if (br == facts.tag_bridges.end())
        return fail(fmt::format("nics[{}].nic_tag: \"{}\" is not a nic tag on this host", i, nic.nic_tag));
      nic.bridge = br->second;
      nic.mac = n.value("mac", std::string());
      nic.mtu = n.value("mtu", 1500u);
      nic.vlan_id = n.value("vlan_id", uint16_t{0});
      nic.ips = strings(n, "ips");
      nic.gateways = strings(n, "gateways");
      nic.primary = n.value("primary", false);
      nic.allow_ip_spoofing = n.value("allow_ip_spoofing", false);
      nic.allow_mac_spoofing = n.value("allow_mac_spoofing", false);
      nic.allow_dhcp_spoofing = n.value("allow_dhcp_spoofing", false);
      nic.allowed_ips = strings(n, "allowed_ips");
      nic.broadcast_rate = n.value("broadcast_rate", NicSpec{}.broadcast_rate);
      s.nics.push_back(nic);
    }
  }
  if (d.contains("routes") && d["routes"].is_object())
    for (const auto& [dst, gw] : d["routes"].items())
      if (gw.is_string()) s.routes.push_back({dst, gw.get<std::string>()});
  s.resolvers = strings(d, "resolvers");
  return s;
}

}  // namespace zonekit
