#include "core/ops/zones.hpp"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <climits>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "core/image/image_store.hpp"
#include "core/manifest/parse.hpp"
#include "core/manifest/schema.hpp"
#include "core/manifest/validate.hpp"
#include "core/ops/host_checks.hpp"
#include "core/ops/live_nics.hpp"
#include "core/ops/nictags.hpp"
#include "core/ops/zone_quota.hpp"
#include "core/plan/zone_plan.hpp"
#include "core/runtime/cgroup_systemd.hpp"
#include "core/runtime/metadata_provision.hpp"
#include "core/runtime/supervisor_client.hpp"
#include "core/store/alloc.hpp"
#include "core/store/id_ranges.hpp"
#include "core/sys/fs.hpp"
#include "core/sys/fault.hpp"

namespace zonekit::ops {

using nlohmann::json;

namespace {

constexpr int kLockTimeoutMs = 120 * 1000;
constexpr int kAdoptTimeoutMs = 30 * 1000;

// What each command that acts on a zone goes by: a zone running without
// its zoneadmd (it died) first gets a new one that adopts it.
Result<runtime::ZoneStatus> acting_status(const std::string& run_dir) {
  return runtime::query_adopting(run_dir, libexec_path("zoneadmd"), kAdoptTimeoutMs);
}

Error invalid_from(const std::vector<manifest::Diagnostic>& diags) {
  Error e;
  e.kind = ErrorKind::Invalid;
  for (const auto& d : diags) e.detail += (e.detail.empty() ? "" : "\n") + d.str();
  return e;
}

// has_run_dir false: the zone has no runtime directory, so it is stopped
// and query() would only fail three lookups to say so.
Result<ZoneView> view_of(const store::Store& st, store::ZoneRecord rec, bool has_run_dir = true) {
  ZoneView v;
  v.uuid = rec.uuid;
  v.error = rec.error;
  v.doc = rec.doc.is_object() ? std::move(rec.doc) : json{{"uuid", rec.uuid}};
  rec.doc = json::object();  // state_of reads only uuid, error and incomplete
  json derived = json::object();
  v.state = has_run_dir || !rec.error.empty() || rec.incomplete ? state_of(st, rec, &derived) : "stopped";
  for (auto& [k, val] : derived.items()) v.doc[k] = val;
  if (v.error.empty() && derived.contains("error")) v.error = derived["error"];
  return v;
}

struct Locked {
  std::string uuid;
  FileLock lock;
  store::ZoneRecord rec;
};

Result<Locked> lock_and_load(const store::Store& st, const std::string& name) {
  Locked l;
  l.uuid = ZK_TRY(st.resolve(name));
  l.lock = ZK_TRY(st.lock_zone(l.uuid, kLockTimeoutMs));
  l.rec = ZK_TRY(st.load(l.uuid));
  return l;
}

std::string zone_label(const store::ZoneRecord& rec) { return "zone " + rec.name(); }

Result<void> refuse_incomplete(const store::ZoneRecord& rec, const std::string& op) {
  if (rec.incomplete)
    return fail(fmt::format("{}: {} operation is invalid for zones in state 'incomplete' (delete it)",
                            zone_label(rec), op),
                ErrorKind::Failure);
  return {};
}

}  // namespace

std::string libexec_path(const std::string& name) {
  if (const char* d = getenv("ZONEKIT_LIBEXEC"); d && *d) return std::string(d) + "/" + name;
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return name;
  std::string self(buf, static_cast<size_t>(n));
  std::string dir = self.substr(0, self.rfind('/'));
  return dir + "/../libexec/zonekit/" + name;
}

Result<json> load_manifest(const std::string& text, const std::string& source, const store::Store* host) {
  auto parsed = manifest::parse(text, source);
  if (!parsed.errors.empty()) return std::unexpected(invalid_from(parsed.errors));
  auto diags = manifest::validate_create(parsed.doc);
  if (!diags.empty()) {
    manifest::locate(diags, parsed);
    return std::unexpected(invalid_from(diags));
  }
  json doc = manifest::normalize_create(std::move(parsed.doc));
  if (host) {
    auto problems = host_problems(*host, doc);
    if (!problems.diags.empty()) {
      manifest::locate(problems.diags, parsed);
      Error e = invalid_from(problems.diags);
      if (problems.failure) e.kind = ErrorKind::Failure;
      return std::unexpected(std::move(e));
    }
  }
  return doc;
}

Result<json> create(store::Store& st, const std::string& text, const std::string& source) {
  // Every problem, of the manifest and of this host, before anything changes.
  json doc = ZK_TRY(load_manifest(text, source, &st));
  // The image must exist, and stay (imgadm delete takes this lock
  // exclusively), until the zone that uses it is published.
  std::optional<FileLock> image_lock;
  if (doc.contains("image_uuid")) {
    std::string img = doc["image_uuid"];
    auto missing = [&] {
      return fail(fmt::format("image_uuid: image {} is not imported (see imgadm list)", img),
                  ErrorKind::Invalid);
    };
    // Checked before locking too, so a bad manifest leaves the store untouched.
    if (!fs::exists(image::rootfs_path(st.paths().root, img))) return missing();
    image_lock = ZK_TRY(image::lock_store(st.paths().root, FileLock::Mode::Shared));
    if (!fs::exists(image::rootfs_path(st.paths().root, img))) return missing();
  }
  json stored = ZK_TRY(st.create(std::move(doc)));
  ZK_TRYV(apply_quota_after_create(st, stored));
  return stored;
}

std::string stored_only_note(const json& stored) {
  auto keys = manifest::stored_only_keys(stored);
  if (keys.empty()) return "";
  std::string name = stored.value("alias", stored.value("uuid", std::string()));
  std::string list;
  for (const auto& k : keys) list += (list.empty() ? "" : ", ") + k;
  return "zone " + name + ": stored but not acted on: " + list;
}

std::string state_of(const store::Store& st, const store::ZoneRecord& rec, json* derived) {
  if (!rec.error.empty()) return "corrupt";
  if (rec.incomplete) return "incomplete";
  auto q = runtime::query(st.paths().run_zone_dir(rec.uuid));
  if (!q) {
    if (derived) (*derived)["error"] = q.error().message() + " (zoneadm recover resets it)";
    return "unknown";
  }
  if (derived) {
    const RunState& r = q->run;
    if (q->state == "running" && r.init_pid > 0) (*derived)["pid"] = r.init_pid;
    if (!r.boot_timestamp.empty()) (*derived)["boot_timestamp"] = r.boot_timestamp;
    if (r.exit_status >= 0) (*derived)["exit_status"] = r.exit_status;
    if (!r.exit_timestamp.empty()) (*derived)["exit_timestamp"] = r.exit_timestamp;
    if (r.exit_code >= 0) (*derived)["exit_code"] = r.exit_code;
    if (r.exit_signal > 0) {
      const char* abbrev = sigabbrev_np(r.exit_signal);
      (*derived)["exit_signal"] = abbrev ? std::string("SIG") + abbrev : std::to_string(r.exit_signal);
    }
    if (r.boot_ms >= 0) (*derived)["boot_ms"] = r.boot_ms;
    // A running zone's zoneadmd: "running", or "none" when it died and no
    // command has adopted the zone since.
    if (q->state == "running" || q->state == "shutting_down")
      (*derived)["supervisor"] = q->unsupervised ? "none" : "running";
    if (r.adoptions > 0) (*derived)["adoptions"] = r.adoptions;
    if (!r.boot_timestamp.empty()) (*derived)["restarts"] = r.restarts;
    if (q->state == "failed" && !r.error.empty()) (*derived)["error"] = r.error;
    // This boot's metadata provisioning (runtime/metadata_provision.hpp).
    if (q->state == "running") {
      auto prov = runtime::read_provision_result(st.paths().run_zone_dir(rec.uuid));
      if (prov.user_script_exit >= 0) (*derived)["user_script_exit_status"] = prov.user_script_exit;
      if (!prov.error.empty()) (*derived)["provision_error"] = prov.error;
    }
  }
  return q->state;
}

Result<std::vector<ZoneView>> list(const store::Store& st) {
  auto recs = ZK_TRY(st.list());
  // One readdir instead of a failed lookup per stopped zone.
  std::set<std::string> run_dirs;
  for (auto& name : fs::list_dir(st.paths().run + "/zones")) run_dirs.insert(std::move(name));
  std::vector<ZoneView> out;
  out.reserve(recs.size());
  for (auto& r : recs) {
    bool has_run_dir = run_dirs.contains(r.uuid);
    out.push_back(ZK_TRY(view_of(st, std::move(r), has_run_dir)));
  }
  return out;
}

Result<ZoneView> view(const store::Store& st, const std::string& name) {
  std::string uuid = ZK_TRY(st.resolve(name));
  auto rec = ZK_TRY(st.load(uuid));
  auto v = ZK_TRY(view_of(st, rec));
  v.doc["state"] = v.state;
  v.doc["zonepath"] = st.paths().zone_dir(uuid);
  return v;
}

Result<ZoneSpec> spec_for(const store::Store& st, const json& doc) {
  HostFacts facts;
  std::string uuid = doc.value("uuid", std::string());
  facts.zone_dir = st.paths().zone_dir(uuid);
  facts.run_dir = st.paths().run_zone_dir(uuid);
  facts.cgroup_parent = st.config().cgroup_parent;
  facts.systemd_scope = ZK_TRY(cgroup::systemd::use_systemd_here(st.config().cgroup_manager, st.config().cgroup_root));
  facts.console_log_max = st.config().console_log_max;
  auto tags = ZK_TRY(st.tags(true));
  for (const auto& [name, t] : tags) facts.tag_bridges[name] = t.bridge;
  if (doc.contains("image_uuid") && doc["image_uuid"].is_string()) {
    facts.image_rootfs = image::rootfs_path(st.paths().root, doc["image_uuid"].get<std::string>());
    if (!fs::exists(facts.image_rootfs))
      return fail(fmt::format("image {} is not imported", doc["image_uuid"].get<std::string>()));
  }
  return plan_zone(doc, facts);
}

Result<UpdateResult> update(store::Store& st, const std::string& name, const json& payload) {
  auto l = ZK_TRY(lock_and_load(st, name));
  ZK_TRYV(refuse_incomplete(l.rec, "update"));
  auto diags = manifest::validate_update(l.rec.doc, payload);
  if (!diags.empty()) return std::unexpected(invalid_from(diags));
  json next = manifest::apply_update(l.rec.doc, payload);
  ZK_TRYV(check_fs_sources(st, next, false));

  UpdateResult res;
  res.changed = manifest::changed_keys(l.rec.doc, next);
  if (res.changed.empty()) return res;
  for (auto it = payload.begin(); it != payload.end(); ++it) {
    const auto* p = manifest::find_property(it.key());
    if (!p || p->type != manifest::Type::Map || !l.rec.doc.contains(it.key())) continue;
    std::vector<std::string> gone;
    for (auto m = l.rec.doc[it.key()].begin(); m != l.rec.doc[it.key()].end(); ++m)
      if (!next.contains(it.key()) || !next[it.key()].contains(m.key())) gone.push_back(m.key());
    if (!gone.empty()) res.dropped_keys.emplace_back(it.key(), std::move(gone));
  }
  bool quota_changed = std::find(res.changed.begin(), res.changed.end(), "quota") != res.changed.end();
  if (quota_changed) ZK_TRYVC(check_quota(st, next, st.paths().zone_dir(l.uuid)), zone_label(l.rec) + ": update");

  // NICs that are new or changed get their identity checked (and
  // allocated) against every other zone, under the allocation lock.
  std::optional<FileLock> alloc;
  if (next.contains("nics") && next["nics"] != l.rec.doc.value("nics", json::array())) {
    alloc = ZK_TRY(st.lock_alloc(kLockTimeoutMs));
    auto zones = ZK_TRY(st.list());
    store::Taken taken = store::collect_taken(zones, l.uuid);
    auto tags = ZK_TRY(st.tags(true));
    std::map<std::string, json> old_by_mac;
    for (const auto& n : l.rec.doc.value("nics", json::array()))
      if (n.contains("mac")) old_by_mac[n["mac"]] = n;
    // Unchanged NICs first, so new ones cannot take their addresses.
    for (size_t i = 0; i < next["nics"].size(); ++i) {
      json& n = next["nics"][i];
      auto it = n.contains("mac") ? old_by_mac.find(n["mac"]) : old_by_mac.end();
      if (it != old_by_mac.end() && it->second == n) {
        taken.macs[n["mac"]] = "this zone";
        for (const auto& ip : n.value("ips", json::array())) {
          std::string s = ip;
          taken.ips[s.substr(0, s.find('/'))] = "this zone";
        }
      }
    }
    for (size_t i = 0; i < next["nics"].size(); ++i) {
      json& n = next["nics"][i];
      auto it = n.contains("mac") ? old_by_mac.find(n["mac"]) : old_by_mac.end();
      if (it != old_by_mac.end() && it->second == n) continue;
      if (it != old_by_mac.end()) taken.macs.erase(n["mac"]);
      ZK_TRYV(store::assign_nic(n, i, l.uuid, tags, taken));
    }
    res.changed = manifest::changed_keys(l.rec.doc, next);
  }
  // The project's limit changes at once, running or not; set before the
  // write, so a failure leaves the zone as it was.
  if (quota_changed) (void)ZK_TRY(context(apply_quota(st, next), zone_label(l.rec) + ": update"));
  next["last_modified"] = store::now_iso8601();
  ZK_TRYV(context(st.write(l.uuid, next), zone_label(l.rec) + ": update"));
  fault::point("update.after_write");

  res.next_boot = manifest::reboot_keys(res.changed);
  bool limits_changed = res.next_boot.size() < res.changed.size();
  auto q = acting_status(st.paths().run_zone_dir(l.uuid));
  if (limits_changed && q && q->state == "running") {
    auto spec = ZK_TRY(spec_for(st, next));
    ZK_TRYV(context(runtime::apply_limits(spec.run_dir, spec.limits), zone_label(l.rec) + ": live update"));
    res.applied_live = true;
  }
  bool nics_changed = std::find(res.changed.begin(), res.changed.end(), "nics") != res.changed.end();
  if (nics_changed && q && q->state == "running") {
    bool live = ZK_TRY(context(apply_nics_live(st, l.rec.doc, next), zone_label(l.rec) + ": live nic update"));
    if (live) {
      std::erase(res.next_boot, std::string("nics"));
      res.applied_live = true;
    }
  }
  // Not running: everything simply applies at the next boot.
  res.running = q && q->state == "running";
  if (!res.running) res.next_boot.clear();
  return res;
}

Result<Note> boot(store::Store& st, const std::string& name, const std::string& zoneadmd) {
  auto l = ZK_TRY(lock_and_load(st, name));
  ZK_TRYV(refuse_incomplete(l.rec, "boot"));
  std::string run_dir = st.paths().run_zone_dir(l.uuid);
  auto q = ZK_TRY(acting_status(run_dir));
  if (q.state == "running") return Note{zone_label(l.rec) + " is already running"};
  // "ready": a zoneadmd still coming up or still exiting; runtime::boot
  // waits for it to settle.
  if (q.supervisor_alive && q.state != "ready")
    return fail(fmt::format("{}: boot operation is invalid for zones in state '{}'", zone_label(l.rec),
                            q.state),
                ErrorKind::Busy);
  ZK_TRYVC(check_fs_sources(st, l.rec.doc, true), zone_label(l.rec) + ": boot");
  ZK_TRYVC(check_search_access(st.paths()), zone_label(l.rec) + ": boot");
  auto spec = ZK_TRY(context(spec_for(st, l.rec.doc), zone_label(l.rec) + ": boot"));
  ZK_TRYVC(store::check_zone_ids(spec.ids.host_base, spec.ids.count, store::read_host_ids(false)),
           zone_label(l.rec) + ": boot");
  if (!spec.nics.empty()) ZK_TRYV(context(ensure_tag_network(st), zone_label(l.rec) + ": boot"));
  std::string warning = ZK_TRY(context(apply_quota(st, l.rec.doc), zone_label(l.rec) + ": boot"));
  // runtime::boot's errors already read "zone NAME: boot failed: ...".
  ZK_TRYV(runtime::boot(spec, zoneadmd, st.config().boot_timeout_s * 1000));
  return Note{warning.empty() ? warning : zone_label(l.rec) + ": " + warning};
}

Result<AutobootReport> boot_autoboot(store::Store& st, const std::string& zoneadmd,
                                     const std::function<void(size_t, size_t, const std::string&)>& progress) {
  auto recs = ZK_TRY(st.list());
  AutobootReport rep;
  std::vector<const store::ZoneRecord*> todo;
  for (const auto& r : recs) {
    if (!r.error.empty() || r.incomplete || !r.doc.value("autoboot", false)) continue;
    auto q = runtime::query(st.paths().run_zone_dir(r.uuid));
    if (q && q->state == "running") rep.already_running.push_back(r.name());
    else todo.push_back(&r);
  }
  for (size_t i = 0; i < todo.size(); ++i) {
    if (progress) progress(i + 1, todo.size(), todo[i]->name());
    auto res = boot(st, todo[i]->uuid, zoneadmd);
    if (!res) rep.failed.emplace_back(todo[i]->name(), res.error());
    else if (res->text.ends_with(" is already running")) rep.already_running.push_back(todo[i]->name());
    else rep.booted.push_back(todo[i]->name());
  }
  return rep;
}

Result<Note> halt(store::Store& st, const std::string& name) {
  auto l = ZK_TRY(lock_and_load(st, name));
  std::string run_dir = st.paths().run_zone_dir(l.uuid);
  auto q = ZK_TRY(acting_status(run_dir));
  if (!q.supervisor_alive) {
    // Nothing runs; still clean what a killed supervisor may have left.
    if (auto spec = spec_for(st, l.rec.doc)) (void)runtime::cleanup_dead(*spec);
    return Note{zone_label(l.rec) + " is not running"};
  }
  ZK_TRYV(context(runtime::halt(run_dir, 60 * 1000, libexec_path("zoneadmd")), zone_label(l.rec) + ": halt"));
  return Note{};
}

Result<Note> shutdown(store::Store& st, const std::string& name, int grace_seconds) {
  auto l = ZK_TRY(lock_and_load(st, name));
  std::string run_dir = st.paths().run_zone_dir(l.uuid);
  auto q = ZK_TRY(acting_status(run_dir));
  if (!q.supervisor_alive) return Note{zone_label(l.rec) + " is not running"};
  ZK_TRYV(context(runtime::shutdown(run_dir, grace_seconds, libexec_path("zoneadmd")),
                  zone_label(l.rec) + ": shutdown"));
  return Note{};
}

Result<Note> reboot(store::Store& st, const std::string& name, const std::string& zoneadmd) {
  {
    auto l = ZK_TRY(lock_and_load(st, name));
    ZK_TRYV(refuse_incomplete(l.rec, "reboot"));
    std::string run_dir = st.paths().run_zone_dir(l.uuid);
    auto q = ZK_TRY(acting_status(run_dir));
    // Halt, then boot from the stored manifest, so that changes waiting for
    // the next boot (hostname, nics, ...) take effect.
    if (q.supervisor_alive)
      ZK_TRYV(context(runtime::halt(run_dir, 60 * 1000, libexec_path("zoneadmd")), zone_label(l.rec) + ": reboot"));
  }
  return boot(st, name, zoneadmd);
}

Result<Note> remove(store::Store& st, const std::string& name, const fs::RemoveProgress& progress) {
  // A corrupt record (named by uuid) can still be deleted: it is the way out.
  Locked l;
  l.uuid = ZK_TRY(st.resolve(name));
  l.lock = ZK_TRY(st.lock_zone(l.uuid, kLockTimeoutMs));
  auto rec = st.load(l.uuid);
  if (!rec && rec.error().kind == ErrorKind::NotFound) return std::unexpected(rec.error());
  if (rec) l.rec = std::move(*rec);
  else l.rec.uuid = l.uuid;
  std::string run_dir = st.paths().run_zone_dir(l.uuid);
  auto q = acting_status(run_dir);
  if (q && q->supervisor_alive)
    ZK_TRYV(context(runtime::halt(run_dir, 60 * 1000, libexec_path("zoneadmd")), zone_label(l.rec) + ": halt"));
  if (l.rec.doc.is_object())
    if (auto spec = spec_for(st, l.rec.doc)) ZK_TRYV(context(runtime::cleanup_dead(*spec), zone_label(l.rec)));
  ZK_TRYV(fs::remove_tree(run_dir));
  ZK_TRYV(context(st.remove(l.uuid, progress), zone_label(l.rec) + ": delete"));
  if (l.rec.doc.is_object()) clear_quota(st, l.rec.doc);
  return Note{};
}

const std::vector<std::string>& zone_states() {
  static const std::vector<std::string> states = {"stopped",   "ready",      "running", "shutting_down",
                                                  "down",      "incomplete", "failed",  "corrupt",
                                                  "unknown"};
  return states;
}

Result<void> wait_state(const store::Store& st, const std::string& name, const std::string& state,
                        int timeout_s) {
  const auto& known = zone_states();
  if (state != "deleted" && state != "installed" && std::find(known.begin(), known.end(), state) == known.end()) {
    std::string list;
    for (const auto& s : known) list += s + ", ";
    std::string near = manifest::nearest(state, known);
    return fail("wait: --state " + state + ": unknown state" + (near.empty() ? "" : " (did you mean " + near + "?)") +
                "; one of " + list + "deleted",
                ErrorKind::Invalid);
  }
  std::string uuid = ZK_TRY(st.resolve(name));
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    auto rec = st.load(uuid);
    std::string cur = rec ? state_of(st, *rec, nullptr) : "deleted";
    if (cur == state || (state == "installed" && cur == "stopped")) return {};
    clock_gettime(CLOCK_MONOTONIC, &now);
    double elapsed = double(now.tv_sec - start.tv_sec) + double(now.tv_nsec - start.tv_nsec) / 1e9;
    if (timeout_s >= 0 && elapsed >= timeout_s)
      return fail(fmt::format("zone {}: still '{}' after {} s (waiting for '{}')", name, cur, timeout_s, state));
    struct timespec ts{0, 50 * 1000 * 1000};
    nanosleep(&ts, nullptr);
  }
}

}  // namespace zonekit::ops
