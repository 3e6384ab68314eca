#include "core/ops/host_checks.hpp"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include "core/image/image_store.hpp"
#include "core/ops/zone_quota.hpp"
#include "core/store/alloc.hpp"
#include "core/sys/fs.hpp"

namespace zonekit::ops {

using nlohmann::json;

namespace {

// "nics[0].mac: \"..\" is already used by zone web01" -> {path, message}.
manifest::Diagnostic diag_of(const Error& e) {
  std::string m = e.message();
  auto colon = m.find(": ");
  bool has_path = colon != std::string::npos && m.find(' ') > colon;
  if (has_path) return {m.substr(0, colon), m.substr(colon + 2)};
  return {"", m};
}

// Each directory from / down to dir (inclusive), as far as they exist.
std::vector<DirMode> chain_to(const std::string& dir) {
  std::vector<DirMode> out;
  std::string cur;
  size_t i = 0;
  while (i < dir.size()) {
    size_t j = dir.find('/', i + 1);
    if (j == std::string::npos) j = dir.size();
    cur = dir.substr(0, j);
    i = j;
    struct stat st;
    if (::stat(cur.c_str(), &st) < 0) break;
    out.push_back({cur, static_cast<unsigned>(st.st_mode & 07777)});
  }
  return out;
}

}  // namespace

std::string first_unsearchable(const std::vector<DirMode>& chain) {
  for (const auto& d : chain)
    if (!(d.mode & S_IXOTH))
      return fmt::format("{} (mode {:04o}) is not searchable by others, and a zone's ids reach it only as "
                         "others; make it so (chmod o+x {}) or move the store",
                         d.dir, d.mode, d.dir);
  return "";
}

Result<void> check_search_access(const store::Paths& paths) {
  for (const std::string& top : {paths.zones_dir(), paths.run + "/zones"}) {
    char real[PATH_MAX];
    std::string dir = ::realpath(top.c_str(), real) ? real : top;
    if (auto what = first_unsearchable(chain_to(dir)); !what.empty()) return fail(what);
  }
  return {};
}

Result<void> check_fs_sources(const store::Store& st, const json& doc, bool resolve) {
  if (!doc.contains("filesystems") || !doc["filesystems"].is_array()) return {};
  std::vector<std::string> denied = {"/proc", "/sys", "/dev", "/run", "/var/run", "/boot",
                                     "/etc/zonekit", st.paths().root, st.paths().run};
  auto under = [](const std::string& path, const std::string& dir) {
    if (dir == "/") return true;
    return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                           path[dir.size()] == '/');
  };
  for (size_t i = 0; i < doc["filesystems"].size(); ++i) {
    std::string src = doc["filesystems"][i].value("source", std::string());
    std::string real = src;
    if (resolve) {
      char buf[PATH_MAX];
      if (::realpath(src.c_str(), buf)) real = buf;
    }
    bool bad = real == "/";
    for (const auto& d : denied) bad = bad || under(real, d) || (resolve && under(src, d));
    if (bad)
      return fail(fmt::format("filesystems[{}].source: \"{}\"{} is a host path zones may not mount "
                              "(/, /proc, /sys, /dev, /run, /boot, zonekit's store and config)",
                              i, src, real == src ? "" : " (resolves to \"" + real + "\")"),
                  ErrorKind::Invalid);
  }
  return {};
}

HostProblems host_problems(const store::Store& st, const json& doc) {
  HostProblems res;
  auto& out = res.diags;
  auto add = [&](const Result<void>& r) {
    if (r) return;
    out.push_back(diag_of(r.error()));
    if (r.error().kind != ErrorKind::Invalid) res.failure = true;
  };
  auto zones = st.list();
  auto tags = st.tags(true);
  if (!zones || !tags) {
    add(zones ? Result<void>(std::unexpected(tags.error())) : Result<void>(std::unexpected(zones.error())));
    return res;
  }
  for (const auto& z : *zones)
    if (!z.error.empty()) {
      // As create would: no identity is decided beside a zone nobody can read.
      add(fail(fmt::format("zone {} cannot be read ({}); refusing to allocate identity until it is repaired or "
                           "deleted",
                           z.uuid, z.error)));
      return res;
    }
  store::Taken taken = store::collect_taken(*zones);
  if (doc.contains("uuid") && doc["uuid"].is_string())
    if (auto it = taken.uuids.find(doc["uuid"]); it != taken.uuids.end())
      out.push_back({"uuid", fmt::format("\"{}\" is already used by {}", doc["uuid"].get<std::string>(), it->second)});
  if (doc.contains("alias") && doc["alias"].is_string())
    if (auto it = taken.aliases.find(doc["alias"]); it != taken.aliases.end())
      out.push_back(
          {"alias", fmt::format("\"{}\" is already used by {}", doc["alias"].get<std::string>(), it->second)});
  if (doc.contains("nics") && doc["nics"].is_array()) {
    std::string uuid = doc.value("uuid", std::string("00000000-0000-4000-8000-000000000000"));
    for (size_t i = 0; i < doc["nics"].size(); ++i) {
      json nic = doc["nics"][i];
      add(store::assign_nic(nic, i, uuid, *tags, taken));
    }
  }
  if (doc.contains("image_uuid") && doc["image_uuid"].is_string()) {
    std::string img = doc["image_uuid"];
    if (!fs::exists(image::rootfs_path(st.paths().root, img)))
      out.push_back({"image_uuid", fmt::format("image {} is not imported (see imgadm list)", img)});
  }
  add(check_fs_sources(st, doc, false));
  add(check_quota(st, doc, st.paths().zones_dir()));
  add(check_store_space(st));
  add(check_search_access(st.paths()));
  return res;
}

}  // namespace zonekit::ops
