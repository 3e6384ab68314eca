#include "core/ops/recover.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "core/net/zone_net.hpp"
#include "core/ops/zones.hpp"
#include "core/runtime/cgroup.hpp"
#include "core/runtime/cgroup_systemd.hpp"
#include "core/runtime/run_dir.hpp"
#include "core/runtime/supervisor_client.hpp"
#include "core/sys/fs.hpp"
#include "core/sys/lock.hpp"

namespace zonekit::ops::recover {

namespace {

bool is_uuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(s[i])) || std::isupper(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}

// Subdirectories of dir (no symlinks), sorted; missing dir = none.
std::vector<std::string> subdirs(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (auto* e = readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    struct stat sb;
    if (lstat((dir + "/" + n).c_str(), &sb) == 0 && S_ISDIR(sb.st_mode)) out.push_back(n);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

// "zk0123456789n0" -> "0123456789"; "zk_0123456789" -> "0123456789".
std::string key_of_link(const std::string& link) {
  if (link.size() < 13 || !link.starts_with("zk")) return {};
  return link.substr(2, 10);
}
std::string key_of_table(const std::string& table) {
  if (table.size() != 13 || !table.starts_with("zk_")) return {};
  return table.substr(3, 10);
}

// "zonekit-<uuid>.scope" -> "<uuid>"; "" for any other name.
std::string uuid_of_scope(const std::string& unit) {
  const std::string pre = "zonekit-", post = ".scope";
  if (unit.size() <= pre.size() + post.size() || !unit.starts_with(pre) || !unit.ends_with(post)) return {};
  return unit.substr(pre.size(), unit.size() - pre.size() - post.size());
}

bool active(const std::string& state) {
  return state == "ready" || state == "running" || state == "shutting_down";
}

}  // namespace

std::string hex10(const std::string& uuid) {
  std::string hex;
  for (char c : uuid) {
    if (c != '-') hex += c;
    if (hex.size() == 10) break;
  }
  return hex;
}

std::vector<Action> plan(const Facts& f) {
  std::map<std::string, const ZoneFact*> by_uuid, by_key;
  for (const auto& z : f.zones) {
    by_uuid[z.uuid] = &z;
    by_key.emplace(hex10(z.uuid), &z);
  }
  // Why an object is debris: its zone is gone or not running.
  auto orphan_reason = [](const ZoneFact* z) {
    return z ? fmt::format("zone {} is not running", z->name) : std::string("no zone");
  };
  auto uuid_of = [](const ZoneFact* z) { return z ? z->uuid : std::string(); };
  auto find = [](const auto& map, const std::string& k) -> const ZoneFact* {
    auto it = map.find(k);
    return it == map.end() ? nullptr : it->second;
  };

  std::vector<Action> out;
  for (const auto& z : f.zones)
    if (z.supervisor_alive)
      out.push_back({Kind::Keep, z.uuid, z.uuid,
                     fmt::format("keep zone {} ({}, supervisor alive)", z.name,
                                 z.recorded_state.empty() ? "ready" : z.recorded_state)});
  for (const auto& z : f.zones)
    if (z.unsupervised)
      out.push_back({Kind::Adopt, z.uuid, z.uuid,
                     fmt::format("adopt zone {} ({}, supervisor dead): start a new zoneadmd", z.name,
                                 z.recorded_state)});
  for (const auto& c : f.cgroups) {
    if (!is_uuid(c)) continue;  // only names zonekit gives
    const ZoneFact* z = find(by_uuid, c);
    if (z && (z->supervisor_alive || z->unsupervised)) continue;
    out.push_back({Kind::RemoveCgroup, c, uuid_of(z),
                   fmt::format("kill and remove cgroup {}/{} ({})", f.cgroup_parent, c, orphan_reason(z))});
  }
  for (const auto& unit : f.scopes) {
    const std::string uuid = uuid_of_scope(unit);
    if (!is_uuid(uuid)) continue;
    const ZoneFact* z = find(by_uuid, uuid);
    if (z && (z->supervisor_alive || z->unsupervised)) continue;
    out.push_back({Kind::StopScope, unit, uuid_of(z), fmt::format("stop unit {} ({})", unit, orphan_reason(z))});
  }
  for (const auto& l : f.links) {
    std::string key = key_of_link(l);
    if (key.empty()) continue;
    const ZoneFact* z = find(by_key, key);
    if (z && (z->supervisor_alive || z->unsupervised)) continue;
    out.push_back({Kind::DeleteLink, l, uuid_of(z), fmt::format("delete veth {} ({})", l, orphan_reason(z))});
  }
  for (const auto& t : f.tables) {
    std::string key = key_of_table(t);
    if (key.empty()) continue;
    const ZoneFact* z = find(by_key, key);
    if (z && (z->supervisor_alive || z->unsupervised)) continue;
    out.push_back({Kind::DeleteTable, t, uuid_of(z),
                   fmt::format("delete nft table {} ({})", t, orphan_reason(z))});
  }
  for (const auto& z : f.zones)
    if (!z.supervisor_alive && !z.unsupervised && active(z.recorded_state))
      out.push_back({Kind::MarkStopped, z.uuid, z.uuid,
                     fmt::format("mark zone {} stopped (was {}, supervisor dead)", z.name, z.recorded_state)});
  for (const auto& z : f.zones)
    if (!z.supervisor_alive && z.run_state_unreadable)
      out.push_back({Kind::ResetRunState, z.uuid, z.uuid,
                     fmt::format("reset run state of zone {} (state.json unreadable)", z.name)});
  for (const auto& r : f.run_dirs) {
    if (!is_uuid(r) || by_uuid.contains(r)) continue;  // a stopped zone keeps its last state
    out.push_back({Kind::RemoveRunDir, r, "", fmt::format("remove run directory {} (no zone)", r)});
  }
  for (const auto& s : f.staging) {
    if (s.starts_with(".new-") && is_uuid(s.substr(5)))
      out.push_back({Kind::RemoveStaging, s, "", fmt::format("remove interrupted create {}", s)});
    else if (s.starts_with(".del-") && is_uuid(s.substr(5)))
      out.push_back({Kind::RemoveStaging, s, "", fmt::format("finish interrupted delete {}", s)});
  }
  for (const auto& z : f.zones)
    if (z.incomplete && !z.supervisor_alive)
      out.push_back({Kind::FinishDelete, z.uuid, z.uuid, fmt::format("finish interrupted delete of zone {}", z.name)});
  return out;
}

Result<Facts> gather(const store::Store& st) {
  Facts f;
  f.cgroup_parent = st.config().cgroup_parent;
  const auto& paths = st.paths();
  auto recs = ZK_TRY(st.list());
  for (const auto& r : recs) {
    ZoneFact z;
    z.uuid = r.uuid;
    z.name = r.doc.is_object() ? r.name() : r.uuid;
    z.corrupt = !r.error.empty();
    z.incomplete = r.incomplete;
    std::string run_dir = paths.run_zone_dir(r.uuid);
    auto q = runtime::query(run_dir);
    // A lock with no live zoneadmd behind it: a child of a killed zoneadmd
    // drops its copy within moments, a starting zoneadmd records itself
    // within moments. Wait (up to a second) to see which.
    for (int i = 0; i < 50 && q && q->lock_only; ++i) {
      ::usleep(20000);
      q = runtime::query(run_dir);
    }
    if (q) {
      z.supervisor_alive = q->supervisor_alive;
      z.unsupervised = q->unsupervised;
      z.recorded_state = q->supervisor_alive ? q->state : q->run.state;
    } else {
      // Unreadable state.json: the lock alone says whether someone owns it.
      z.supervisor_alive = runtime::supervisor_lock_held(run_dir);
      z.run_state_unreadable = true;
    }
    f.zones.push_back(std::move(z));
  }
  f.links = ZK_TRYC(net::list_zone_links(), "recover: list links");
  f.tables = ZK_TRYC(net::list_zone_tables(), "recover: list nft tables");
  auto drv = ZK_TRYC(cgroup::detect(), "recover: cgroup");
  std::set<std::string> cgs;
  for (const auto& dir : drv->dirs(f.cgroup_parent))
    for (const auto& n : subdirs(dir)) cgs.insert(n);
  f.cgroups.assign(cgs.begin(), cgs.end());
  // Scopes are listed wherever systemd runs, whatever zonekit.toml says
  // now: a zone booted under another setting leaves its own kind.
  if (fs::exists("/run/systemd/system"))
    for (const auto& n : subdirs(st.config().cgroup_root + "/" + cgroup::systemd::kSlice))
      if (!uuid_of_scope(n).empty()) f.scopes.push_back(n);
  f.run_dirs = subdirs(paths.run + "/zones");
  for (const auto& n : subdirs(paths.zones_dir()))
    if (n.starts_with(".new-") || n.starts_with(".del-")) f.staging.push_back(n);
  return f;
}

namespace {

struct Applier {
  store::Store& st;
  std::unique_ptr<cgroup::Driver> drv;
  std::map<std::string, std::optional<FileLock>> zone_locks;  // nullopt: busy, skip

  // The zone's lock without waiting (others take zone then alloc, we hold
  // alloc: waiting could deadlock), and its supervisor still dead.
  Result<void> claim(const std::string& uuid, const std::string& text) {
    if (uuid.empty()) return {};
    auto it = zone_locks.find(uuid);
    if (it == zone_locks.end()) {
      auto l = st.lock_zone(uuid, 0);
      it = zone_locks.emplace(uuid, l ? std::optional<FileLock>(std::move(*l)) : std::nullopt).first;
    }
    if (!it->second) return fail(text + ": skipped, zone is busy (run recover again)", ErrorKind::Busy);
    if (runtime::supervisor_lock_held(st.paths().run_zone_dir(uuid)))
      return fail(text + ": skipped, the zone's supervisor is alive", ErrorKind::Busy);
    return {};
  }

  Result<void> apply(const Action& a) {
    const auto& paths = st.paths();
    switch (a.kind) {
      case Kind::Keep:
        return {};
      case Kind::Adopt: {
        auto q = runtime::query_adopting(paths.run_zone_dir(a.uuid), libexec_path("zoneadmd"), 30 * 1000);
        return q ? Result<void>{} : fail(std::move(q.error()).wrap(a.text));
      }
      case Kind::RemoveCgroup: {
        ZK_TRYV(claim(a.uuid, a.text));
        std::string path = st.config().cgroup_parent + "/" + a.object;
        ZK_TRYVC(drv->kill_everything(path), a.text);
        return context(drv->destroy(path), a.text);
      }
      case Kind::StopScope: {
        ZK_TRYV(claim(a.uuid, a.text));
        ZoneSpec where;
        where.uuid = uuid_of_scope(a.object);
        where.name = a.uuid.empty() ? where.uuid : a.uuid;
        where.cgroup_unit = a.object;
        where.cgroup_path = cgroup::systemd::node_path(where.uuid);
        return context(cgroup::systemd::make_driver(where, st.config().cgroup_root)->destroy(where.cgroup_path),
                       a.text);
      }
      case Kind::DeleteLink:
        ZK_TRYV(claim(a.uuid, a.text));
        return context(net::delete_link(a.object), a.text);
      case Kind::DeleteTable:
        ZK_TRYV(claim(a.uuid, a.text));
        return context(net::delete_zone_table(a.object), a.text);
      case Kind::MarkStopped: {
        ZK_TRYV(claim(a.uuid, a.text));
        std::string run_dir = paths.run_zone_dir(a.uuid);
        auto rs = ZK_TRYC(runtime::read_state(run_dir), a.text);
        rs.state = "stopped";
        rs.init_pid = 0;
        ::unlink(runtime::RunPaths{run_dir}.ctl().c_str());
        runtime::stop_dead_keeper(run_dir, rs);
        return context(runtime::write_state(run_dir, rs), a.text);
      }
      case Kind::ResetRunState: {
        ZK_TRYV(claim(a.uuid, a.text));
        std::string state = runtime::RunPaths{paths.run_zone_dir(a.uuid)}.state();
        if (::unlink(state.c_str()) < 0 && errno != ENOENT) return fail(std::move(sys_error("unlink", state).error()).wrap(a.text));
        return {};
      }
      case Kind::RemoveRunDir:
        if (runtime::supervisor_lock_held(paths.run + "/zones/" + a.object))
          return fail(a.text + ": skipped, a supervisor holds it", ErrorKind::Busy);
        return context(fs::remove_tree(paths.run + "/zones/" + a.object), a.text);
      case Kind::RemoveStaging: {
        ZK_TRYVC(fs::remove_tree(paths.zones_dir() + "/" + a.object), a.text);
        if (a.object.starts_with(".del-")) ::unlink(paths.zone_lock(a.object.substr(5)).c_str());
        return {};
      }
      case Kind::FinishDelete: {
        ZK_TRYV(claim(a.uuid, a.text));
        std::string grave = paths.zones_dir() + "/.del-" + a.uuid;
        ZK_TRYVC(fs::remove_tree(grave), a.text);
        if (::rename(paths.zone_dir(a.uuid).c_str(), grave.c_str()) < 0)
          return fail(std::move(sys_error("rename", paths.zone_dir(a.uuid)).error()).wrap(a.text));
        ZK_TRYVC(fs::fsync_dir(paths.zones_dir()), a.text);
        ZK_TRYVC(fs::remove_tree(grave), a.text);
        ZK_TRYVC(fs::remove_tree(paths.run_zone_dir(a.uuid)), a.text);
        ::unlink(paths.zone_lock(a.uuid).c_str());
        return {};
      }
    }
    return {};
  }
};

}  // namespace

Result<Outcome> run(store::Store& st, bool dry_run) {
  auto alloc = ZK_TRYC(st.lock_alloc(120 * 1000), "recover");
  auto facts = ZK_TRY(gather(st));
  auto actions = plan(facts);
  Outcome out;
  if (dry_run) {
    for (const auto& a : actions) out.done.push_back(a.text);
    return out;
  }
  Applier ap{st, ZK_TRYC(cgroup::detect(), "recover: cgroup"), {}};
  for (const auto& a : actions) {
    if (auto r = ap.apply(a); !r)
      out.errors.push_back(r.error());
    else
      out.done.push_back(a.text);
  }
  return out;
}

}  // namespace zonekit::ops::recover
