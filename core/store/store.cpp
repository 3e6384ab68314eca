#include "core/store/store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <system_error>
#include <thread>

#include <fmt/format.h>

#include "core/manifest/validate.hpp"
#include "core/store/alloc.hpp"
#include "core/store/id_ranges.hpp"
#include "core/sys/fd.hpp"
#include "core/sys/fs.hpp"
#include "core/sys/fault.hpp"

namespace zonekit::store {

using nlohmann::json;

namespace {

bool looks_like_uuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}

// zones_fd: the open zones directory, so each record costs no walk of the
// store's path.
ZoneRecord read_record(const Paths& paths, int zones_fd, const std::string& uuid) {
  ZoneRecord r;
  r.uuid = uuid;
  struct stat st;
  r.incomplete = fstatat(zones_fd, (uuid + "/incomplete").c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
  auto text = fs::read_file_at(zones_fd, uuid + "/zone.json", 4 << 20, paths.zone_file(uuid));
  if (!text) {
    r.error = text.error().message();
    return r;
  }
  json doc = json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    r.error = paths.zone_file(uuid) + ": not a JSON object (corrupt zone record)";
    return r;
  }
  if (auto it = doc.find("uuid"); it == doc.end() || !it->is_string() || *it != uuid) {
    r.error = paths.zone_file(uuid) + ": uuid does not match its directory";
    return r;
  }
  // Wrong types would otherwise surface as exceptions deep in the tools.
  if (auto diags = manifest::validate_create(doc); !diags.empty()) {
    r.error = paths.zone_file(uuid) + ": " + diags.front().str() + " (corrupt zone record)";
    return r;
  }
  r.doc = std::move(doc);
  return r;
}

}  // namespace

std::string ZoneRecord::name() const {
  if (doc.is_object()) {
    auto it = doc.find("alias");
    if (it != doc.end() && it->is_string()) return *it;
  }
  return uuid;
}

std::string now_iso8601() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

Result<Store> Store::open(Paths paths) {
  auto config = ZK_TRY(load_config(paths.config));
  // The zones' user namespaces must be able to traverse to their own
  // directories (0711: search, no listing); locks and tags stay private.
  for (const auto& dir : {paths.root, paths.zones_dir()}) {
    ZK_TRYVC(fs::mkdir_p(dir, 0711), "open store");
  }
  for (const auto& dir : {paths.locks_dir(), paths.tags_dir()}) {
    ZK_TRYVC(fs::mkdir_p(dir, 0700), "open store");
  }
  return Store(std::move(paths), std::move(config));
}

Result<FileLock> Store::lock_zone(const std::string& uuid, int timeout_ms) const {
  return context(FileLock::acquire(paths_.zone_lock(uuid), FileLock::Mode::Exclusive, timeout_ms),
                 "lock zone " + uuid);
}

Result<FileLock> Store::lock_alloc(int timeout_ms) const {
  return context(FileLock::acquire(paths_.alloc_lock(), FileLock::Mode::Exclusive, timeout_ms),
                 "lock store");
}

Result<std::vector<ZoneRecord>> Store::list() const {
  UniqueFd zones(::open(paths_.zones_dir().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!zones) return sys_error("open", paths_.zones_dir());
  std::vector<std::string> uuids;
  for (auto& name : fs::list_dir(paths_.zones_dir()))
    if (name[0] != '.' && looks_like_uuid(name)) uuids.push_back(std::move(name));
  std::vector<ZoneRecord> out(uuids.size());
  // Reading is parse-and-validate bound: large stores use every CPU (a
  // listing of 1000 zones is a command admins run in loops).
  unsigned helpers = uuids.size() < 128 ? 0 : std::clamp(std::thread::hardware_concurrency(), 1u, 4u) - 1;
  std::atomic<size_t> next{0};
  auto read_some = [&] {
    for (size_t i; (i = next.fetch_add(1)) < uuids.size();) out[i] = read_record(paths_, zones.get(), uuids[i]);
  };
  std::vector<std::thread> threads;
  try {
    for (unsigned w = 0; w < helpers; ++w) threads.emplace_back(read_some);
  } catch (const std::system_error&) {
    // No thread to spare (pids limit): this one reads the rest.
  }
  read_some();
  for (auto& t : threads) t.join();
  return out;
}

Result<ZoneRecord> Store::load(const std::string& uuid) const {
  struct stat st;
  if (!looks_like_uuid(uuid) || lstat(paths_.zone_dir(uuid).c_str(), &st) < 0 || !S_ISDIR(st.st_mode))
    return fail(uuid + ": No such zone", ErrorKind::NotFound);
  UniqueFd zones(::open(paths_.zones_dir().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!zones) return sys_error("open", paths_.zones_dir());
  ZoneRecord r = read_record(paths_, zones.get(), uuid);
  if (!r.error.empty()) return fail(fmt::format("zone {}: {}", uuid, r.error));
  return r;
}

namespace {

// What an alias may be (manifest Type::Alias): safe as a file name part.
bool alias_like(const std::string& s) {
  if (s.empty() || s.size() > 64 || s[0] == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

}  // namespace

void Store::note_alias(const json& doc) const {
  if (!doc.is_object() || !doc.contains("alias") || !doc["alias"].is_string() || !doc.contains("uuid") ||
      !doc["uuid"].is_string())
    return;
  const std::string alias = doc["alias"], uuid = doc["uuid"];
  if (!alias_like(alias) || !looks_like_uuid(uuid)) return;
  // A hint is only ever a hint: failures here cost a slower lookup.
  if (::mkdir(paths_.aliases_dir().c_str(), 0700) < 0 && errno != EEXIST) return;
  const std::string hint = paths_.aliases_dir() + "/a-" + alias;
  const std::string tmp = paths_.aliases_dir() + "/.tmp-" + std::to_string(getpid()) + "-" + alias;
  ::unlink(tmp.c_str());
  if (::symlink(uuid.c_str(), tmp.c_str()) < 0) return;
  if (::rename(tmp.c_str(), hint.c_str()) < 0) ::unlink(tmp.c_str());
}

std::optional<std::string> Store::alias_hint(const std::string& name) const {
  if (!alias_like(name)) return std::nullopt;
  char buf[64];
  const std::string hint = paths_.aliases_dir() + "/a-" + name;
  ssize_t n = ::readlink(hint.c_str(), buf, sizeof buf);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof buf) return std::nullopt;
  std::string uuid(buf, static_cast<size_t>(n));
  if (!looks_like_uuid(uuid)) return std::nullopt;
  return uuid;
}

Result<std::string> Store::resolve(const std::string& name) const {
  if (name.empty()) return fail("empty zone name", ErrorKind::Invalid);
  // A full uuid names its directory: no need to read every manifest.
  struct stat st;
  if (looks_like_uuid(name) && lstat(paths_.zone_dir(name).c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    return name;
  // An alias with a hint: one manifest read and one readdir, whatever the
  // number of zones. The hint counts only if that zone still has the alias
  // and no other zone's uuid starts with the name (the rule below).
  if (auto hinted = alias_hint(name)) {
    auto z = load(*hinted);
    if (z && z->doc.is_object() && z->doc.value("alias", std::string()) == name) {
      bool other_prefix = false;
      for (const auto& d : fs::list_dir(paths_.zones_dir()))
        if (d[0] != '.' && d != *hinted && d.compare(0, name.size(), name) == 0) other_prefix = true;
      if (!other_prefix) return *hinted;
    }
  }
  auto zones = ZK_TRY(list());
  std::vector<std::string> by_prefix;
  std::string by_alias;
  for (const auto& z : zones) {
    if (z.uuid == name) return z.uuid;
    if (z.doc.is_object() && z.doc.value("alias", std::string()) == name) by_alias = z.uuid;
    if (z.uuid.compare(0, name.size(), name) == 0) by_prefix.push_back(z.uuid);
  }
  // An alias that is also another zone's uuid prefix must not silently win
  // (a zone could name itself after a neighbour's short uuid).
  if (!by_alias.empty() && (by_prefix.empty() || (by_prefix.size() == 1 && by_prefix[0] == by_alias))) {
    for (const auto& z : zones)
      if (z.uuid == by_alias) note_alias(z.doc);  // missing or stale: the next lookup is fast
    return by_alias;
  }
  if (!by_alias.empty()) by_prefix.insert(by_prefix.begin(), by_alias);
  if (by_prefix.size() == 1) return by_prefix[0];
  if (by_prefix.size() > 1) {
    std::string list;
    for (const auto& u : by_prefix) list += (list.empty() ? "" : ", ") + u;
    return fail(fmt::format("{}: ambiguous zone name, matches {}", name, list), ErrorKind::Invalid);
  }
  return fail(name + ": No such zone", ErrorKind::NotFound);
}

void Store::sweep_stale() const {
  for (const auto& name : fs::list_dir(paths_.zones_dir())) {
    if (name.rfind(".new-", 0) == 0 || name.rfind(".del-", 0) == 0)
      (void)fs::remove_tree(paths_.zones_dir() + "/" + name);
  }
  fs::remove_stale_temps(paths_.zones_dir());
  fs::remove_stale_temps(paths_.tags_dir());
  for (const auto& name : fs::list_dir(paths_.aliases_dir()))
    if (name.rfind(".tmp-", 0) == 0) ::unlink((paths_.aliases_dir() + "/" + name).c_str());
}

Result<json> Store::create(json doc) {
  auto lock = ZK_TRY(lock_alloc());
  sweep_stale();
  auto zones = ZK_TRY(list());
  for (const auto& z : zones)
    if (!z.error.empty())
      return fail(fmt::format("zone {} cannot be read ({}); refusing to allocate identity until it is "
                              "repaired or deleted",
                              z.uuid, z.error));
  auto all_tags = ZK_TRY(tags(true));
  Taken taken = collect_taken(zones);
  ZK_TRYVC(check_id_config(config_, read_host_ids(true)), "zonekit.toml");
  ZK_TRYV(assign_identity(doc, random_uuid(), all_tags, config_, taken));
  std::string uuid = doc["uuid"];
  if (!doc.contains("hostname")) doc["hostname"] = manifest::default_hostname(doc);
  std::string now = now_iso8601();
  doc["create_timestamp"] = now;
  doc["last_modified"] = now;

  // Assemble under a dot-name no reader looks at, then publish with one
  // rename: a create killed at any instant leaves no zone or a whole one.
  std::string staging = paths_.zones_dir() + "/.new-" + uuid;
  // root:<zone root> 0710: the zone's own user namespace gets in through
  // the group, no other host user does (a setuid file the zone plants in
  // its persistent dirs must not be reachable from the host).
  ZK_TRYV(fs::mkdir_p(staging, 0700));
  uint32_t zone_gid = doc["uid_base"].get<uint32_t>();
  bool root = geteuid() == 0;  // an unprivileged store (unit tests) keeps its owner
  if ((root && ::chown(staging.c_str(), 0, zone_gid) < 0) || ::chmod(staging.c_str(), 0710) < 0) {
    auto e = sys_error("chown", staging);
    (void)fs::remove_tree(staging);
    return e;
  }
  fault::point("create.after_intent");
  auto cleanup = [&](Error e) -> Result<json> {
    (void)fs::remove_tree(staging);
    return std::unexpected(std::move(e));
  };
  if (auto r = fs::write_file_atomic(staging + "/zone.json", doc.dump(2) + "\n", 0600); !r)
    return cleanup(r.error());
  fault::point("create.after_staging");
  if (::rename(staging.c_str(), paths_.zone_dir(uuid).c_str()) < 0)
    return cleanup(sys_error("rename", paths_.zone_dir(uuid)).error());
  fault::point("create.after_publish");
  ZK_TRYV(fs::fsync_dir(paths_.zones_dir()));
  note_alias(doc);
  return doc;
}

Result<void> Store::write(const std::string& uuid, const json& doc) {
  ZK_TRYV(fs::write_file_atomic(paths_.zone_file(uuid), doc.dump(2) + "\n", 0600));
  note_alias(doc);
  return {};
}

Result<void> Store::remove(const std::string& uuid, const fs::RemoveProgress& progress) {
  auto lock = ZK_TRY(lock_alloc());
  if (auto rec = load(uuid); rec && rec->doc.is_object()) {
    std::string alias = rec->doc.value("alias", std::string());
    if (alias_hint(alias) == uuid) ::unlink((paths_.aliases_dir() + "/a-" + alias).c_str());
  }
  // The marker makes an interrupted delete visible as "incomplete". On a
  // full store (no block or inode left for it) the delete that frees the
  // store goes on without: the rename below publishes it either way. It is
  // not fsynced: nothing of the zone is removed before the rename, so a
  // marker a power loss takes back leaves the whole zone, as it was.
  if (auto r = fs::replace_file(paths_.incomplete_marker(uuid), "delete\n", 0600);
      !r && r.error().code != ENOSPC && r.error().code != EDQUOT)
    return r;
  fault::point("delete.after_mark");
  std::string graveyard = paths_.zones_dir() + "/.del-" + uuid;
  const std::string left = "its files are left in " + graveyard + " (zoneadm recover removes them)";
  ZK_TRYVC(fs::remove_tree(graveyard), left);
  if (::rename(paths_.zone_dir(uuid).c_str(), graveyard.c_str()) < 0)
    return sys_error("rename", paths_.zone_dir(uuid));
  fault::point("delete.after_rename");
  ZK_TRYV(fs::fsync_dir(paths_.zones_dir()));
  ZK_TRYVC(fs::remove_tree(graveyard, progress), left);
  ::unlink(paths_.zone_lock(uuid).c_str());
  return {};
}

Result<std::map<std::string, NicTag>> Store::tags(bool skip_corrupt) const {
  std::map<std::string, NicTag> out = config_.nic_tags;
  for (const auto& file : fs::list_dir(paths_.tags_dir())) {
    if (file[0] == '.' || file.size() < 6 || file.substr(file.size() - 5) != ".json") continue;
    std::string path = paths_.tags_dir() + "/" + file;
    auto text = fs::read_file(path, 1 << 20);
    if (!text) {
      if (skip_corrupt) continue;
      return std::unexpected(text.error());
    }
    json j = json::parse(*text, nullptr, false);
    auto str = [&](const char* k) { return j.contains(k) ? j[k].is_string() : true; };
    auto num = [&](const char* k) { return j.contains(k) ? j[k].is_number_unsigned() : true; };
    auto strs = [&](const char* k) {
      if (!j.contains(k)) return true;
      if (!j[k].is_array()) return false;
      return std::all_of(j[k].begin(), j[k].end(), [](const json& x) { return x.is_string(); });
    };
    if (j.is_discarded() || !j.is_object() || !str("name") || !str("bridge") || !str("subnet") ||
        !str("gateway") || !str("range") || !num("mtu") || !num("vlan_id") ||
        (j.contains("nat") && !j["nat"].is_boolean()) || !strs("host_access") || !strs("forward")) {
      if (skip_corrupt) continue;
      return fail(path + ": corrupt nic tag record");
    }
    NicTag t;
    t.name = j.value("name", std::string());
    t.bridge = j.value("bridge", std::string());
    t.subnet = j.value("subnet", std::string());
    t.gateway = j.value("gateway", std::string());
    t.range = j.value("range", std::string());
    t.mtu = j.value("mtu", 1500u);
    t.vlan_id = j.value("vlan_id", uint16_t{0});
    t.nat = j.value("nat", false);
    t.host_access = j.value("host_access", std::vector<std::string>{});
    t.forward = j.value("forward", std::vector<std::string>{});
    t.origin = "store";
    if (out.contains(t.name)) continue;  // the config file wins
    out[t.name] = t;
  }
  return out;
}

Result<void> Store::put_tag(const NicTag& t) {
  ZK_TRYV(validate_tag(t));
  json j = {{"name", t.name}, {"bridge", t.bridge}, {"subnet", t.subnet}, {"gateway", t.gateway},
            {"range", t.range}, {"mtu", t.mtu},     {"vlan_id", t.vlan_id}, {"nat", t.nat},
            {"host_access", t.host_access}, {"forward", t.forward}};
  return fs::write_file_atomic(paths_.tags_dir() + "/" + t.name + ".json", j.dump(2) + "\n", 0600);
}

Result<void> Store::delete_tag(const std::string& name) {
  std::string path = paths_.tags_dir() + "/" + name + ".json";
  if (::unlink(path.c_str()) < 0) {
    if (errno == ENOENT) return fail("nic tag " + name + ": No such nic tag", ErrorKind::NotFound);
    return sys_error("unlink", path);
  }
  return fs::fsync_dir(paths_.tags_dir());
}

}  // namespace zonekit::store
