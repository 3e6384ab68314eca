#include "core/store/config.hpp"

#include <cstdlib>
#include <sstream>

#include <fmt/format.h>
#include <toml.hpp>

#include "core/net/addr.hpp"
#include "core/net/host_policy.hpp"
#include "core/net/ipam.hpp"
#include "core/sys/fs.hpp"

namespace zonekit::store {

namespace {

bool valid_ifname(const std::string& s) {
  if (s.empty() || s.size() > 15) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  return s != "." && s != "..";
}

bool valid_tag_name(const std::string& s) {
  if (s.empty() || s.size() > 31) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

}  // namespace

Result<void> validate_tag(const NicTag& t) {
  auto bad = [&](const std::string& what) {
    return fail(fmt::format("nic tag {}: {}", t.name, what), ErrorKind::Invalid);
  };
  if (!valid_tag_name(t.name))
    return fail(fmt::format("nic tag \"{}\": name must be 1-31 characters of [A-Za-z0-9_-]", t.name),
                ErrorKind::Invalid);
  if (!valid_ifname(t.bridge))
    return bad(fmt::format("bridge: \"{}\" is not a valid interface name (1-15 characters of [A-Za-z0-9._-])", t.bridge));
  auto pool = net::make_pool(t.subnet, t.gateway, t.range);
  if (!pool) return bad(pool.error().message());
  if (t.mtu < 576 || t.mtu > 9000) return bad(fmt::format("mtu: {} is outside 576..9000", t.mtu));
  if (t.vlan_id != 0) return bad(fmt::format("vlan_id: {}: VLANs are not supported yet", t.vlan_id));
  if (t.host_access.size() > 64) return bad("host_access: more than 64 items");
  for (const auto& item : t.host_access) {
    if (item == "all" && t.host_access.size() > 1) return bad("host_access: \"all\" stands alone");
    if (item == "all") continue;
    if (auto s = net::parse_host_service(item); !s) return bad("host_access: " + s.error().message());
  }
  if (t.forward.size() > 64) return bad("forward: more than 64 items");
  for (const auto& item : t.forward)
    if (item != "world" && !valid_tag_name(item))
      return bad(fmt::format("forward: \"{}\" is neither \"world\" nor a nic tag name", item));
  return {};
}

Result<Config> parse_config(const std::string& text, const std::string& source) {
  Config c;
  try {
    std::istringstream in(text);
    auto data = toml::parse(in, source);
    if (data.contains("ids")) {
      const auto& ids = toml::find(data, "ids");
      if (ids.contains("first")) c.id_first = toml::find<uint32_t>(ids, "first");
      if (ids.contains("ranges")) c.id_ranges = toml::find<uint32_t>(ids, "ranges");
    }
    if (data.contains("cgroup")) {
      const auto& cg = toml::find(data, "cgroup");
      if (cg.contains("parent")) c.cgroup_parent = toml::find<std::string>(cg, "parent");
      if (cg.contains("root")) c.cgroup_root = toml::find<std::string>(cg, "root");
      if (cg.contains("manager")) c.cgroup_manager = toml::find<std::string>(cg, "manager");
    }
    if (data.contains("boot")) {
      const auto& b = toml::find(data, "boot");
      if (b.contains("timeout")) c.boot_timeout_s = toml::find<int>(b, "timeout");
    }
    if (data.contains("console")) {
      const auto& con = toml::find(data, "console");
      if (con.contains("log_max_size")) {
        auto v = toml::find<int64_t>(con, "log_max_size");
        if (v < 4096 || v > (int64_t{1} << 30))
          return fail(source + ": [console] log_max_size: " + std::to_string(v) + " is outside 4096..1073741824",
                      ErrorKind::Invalid);
        c.console_log_max = uint64_t(v);
      }
    }
    if (data.contains("quota")) {
      const auto& q = toml::find(data, "quota");
      if (q.contains("allow_unenforced")) c.quota_allow_unenforced = toml::find<bool>(q, "allow_unenforced");
      if (q.contains("default")) {
        auto gib = toml::find<int64_t>(q, "default");
        if (gib < 0 || gib > 1048576)
          return fail(fmt::format("{}: quota.default: {} is outside 0..1048576 (GiB)", source, gib), ErrorKind::Invalid);
        c.quota_default_gib = static_cast<uint64_t>(gib);
      }
    }
    if (data.contains("store")) {
      const auto& st = toml::find(data, "store");
      if (st.contains("reserve")) {
        auto pct = toml::find<int64_t>(st, "reserve");
        if (pct < 0 || pct > 50)
          return fail(fmt::format("{}: store.reserve: {} is outside 0..50 (percent)", source, pct), ErrorKind::Invalid);
        c.store_reserve_percent = static_cast<unsigned>(pct);
      }
    }
    if (data.contains("nic_tags")) {
      for (const auto& [name, v] : toml::find<toml::table>(data, "nic_tags")) {
        NicTag t;
        t.name = name;
        t.origin = "config";
        t.bridge = toml::find<std::string>(v, "bridge");
        t.subnet = toml::find<std::string>(v, "subnet");
        if (v.contains("gateway")) t.gateway = toml::find<std::string>(v, "gateway");
        if (v.contains("range")) t.range = toml::find<std::string>(v, "range");
        if (v.contains("mtu")) t.mtu = toml::find<uint32_t>(v, "mtu");
        if (v.contains("vlan_id")) t.vlan_id = toml::find<uint16_t>(v, "vlan_id");
        if (v.contains("nat")) t.nat = toml::find<bool>(v, "nat");
        if (v.contains("host_access")) t.host_access = toml::find<std::vector<std::string>>(v, "host_access");
        if (v.contains("forward")) t.forward = toml::find<std::vector<std::string>>(v, "forward");
        ZK_TRYVC(validate_tag(t), source);
        c.nic_tags[name] = t;
      }
    }
  } catch (const std::exception& e) {
    return fail(std::string(e.what()), ErrorKind::Invalid);
  }
  if (c.cgroup_parent.empty() || c.cgroup_parent.find("..") != std::string::npos ||
      c.cgroup_parent.find('\n') != std::string::npos || c.cgroup_parent.front() == '/')
    return fail(source + ": cgroup.parent: must be a relative path without \"..\"", ErrorKind::Invalid);
  if (c.cgroup_manager != "auto" && c.cgroup_manager != "systemd" && c.cgroup_manager != "cgroupfs")
    return fail(source + ": cgroup.manager: \"" + c.cgroup_manager + "\" is not auto, systemd or cgroupfs",
                ErrorKind::Invalid);
  return c;
}

Result<Config> load_config(const std::string& path) {
  Config c;
  auto text = fs::read_file(path, 1 << 20);
  if (text) {
    c = ZK_TRY(parse_config(*text, path));
  } else if (text.error().kind != ErrorKind::NotFound) {
    return std::unexpected(text.error());
  }
  if (const char* p = std::getenv("ZONEKIT_CGROUP_PARENT"); p && *p) c.cgroup_parent = p;
  if (const char* m = std::getenv("ZONEKIT_CGROUP_MANAGER"); m && *m) {
    if (std::string(m) != "auto" && std::string(m) != "systemd" && std::string(m) != "cgroupfs")
      return fail(std::string("ZONEKIT_CGROUP_MANAGER: \"") + m + "\" is not auto, systemd or cgroupfs",
                  ErrorKind::Invalid);
    c.cgroup_manager = m;
  }
  return c;
}

}  // namespace zonekit::store
