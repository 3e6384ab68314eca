#include "core/ops/apply.hpp"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>

#include <fmt/format.h>

#include "core/image/image_store.hpp"
#include "core/manifest/syntax.hpp"
#include "core/manifest/validate.hpp"
#include "core/ops/cli_util.hpp"
#include "core/ops/host_checks.hpp"
#include "core/ops/nictags.hpp"
#include "core/ops/summary.hpp"
#include "core/ops/zone_quota.hpp"
#include "core/ops/zones.hpp"
#include "core/sys/fault.hpp"
#include "core/sys/fs.hpp"

namespace zonekit::ops {

using nlohmann::json;
using apply::Item;
using apply::Status;
using apply::Step;

namespace {

constexpr size_t kMaxFiles = 10000;
constexpr size_t kMaxFileBytes = (1 << 20) | 1;  // the parser names the 1 MiB limit

bool is_manifest_name(const std::string& n) {
  return n[0] != '.' && (n.ends_with(".json") || n.ends_with(".yaml") || n.ends_with(".yml"));
}

std::string dir_name_of(const std::string& path) {
  char real[PATH_MAX];
  if (!::realpath(path.c_str(), real)) return "";
  std::string r = real;
  return r == "/" ? "" : r.substr(r.rfind('/') + 1);
}

// Unfinished replaces: <root>/apply/replace-<uuid>.json, each the manifest
// that recreates the zone with its identity. Written before the zone is
// deleted, removed once it exists again.
std::string pending_dir(const store::Store& st) { return st.paths().root + "/apply"; }
std::string pending_file(const store::Store& st, const std::string& uuid) {
  return pending_dir(st) + "/replace-" + uuid + ".json";
}

store::NicTag tag_from(const json& j) {
  store::NicTag t;
  t.name = j["name"];
  t.bridge = j["bridge"];
  t.subnet = j["subnet"];
  t.gateway = j["gateway"];
  t.range = j["range"];
  t.mtu = j["mtu"];
  t.vlan_id = j["vlan_id"];
  t.nat = j["nat"];
  t.origin = "store";
  return t;
}

std::string past(Step s) {
  switch (s) {
    case Step::CreateTag:
    case Step::Create: return "created";
    case Step::UpdateTag:
    case Step::Update: return "updated";
    case Step::ImportImage: return "imported";
    case Step::Replace: return "replaced";
    case Step::Halt: return "halted";
    case Step::Boot: return "booted";
    case Step::Delete: return "deleted";
  }
  return "";
}

std::string label(const Item& it) { return fmt::format("{} {}", apply::kind_name(it.kind), it.name); }

// {uuid, alias, ips, macs} of a zone as stored now (null when it is gone).
json zone_result(const store::Store& st, const std::string& uuid) {
  if (uuid.empty()) return nullptr;
  auto rec = st.load(uuid);
  if (!rec || !rec->doc.is_object()) return nullptr;
  json ips = json::array(), macs = json::array();
  for (const auto& n : rec->doc.value("nics", json::array())) {
    if (n.contains("mac")) macs.push_back(n["mac"]);
    for (const auto& ip : n.value("ips", json::array())) ips.push_back(ip);
  }
  json r = {{"uuid", uuid}, {"ips", ips}, {"macs", macs}, {"state", state_of(st, *rec, nullptr)}};
  if (rec->doc.contains("alias")) r["alias"] = rec->doc["alias"];
  return r;
}

class Executor {
 public:
  Executor(store::Store& st, const apply::Plan& plan, const std::string& zoneadmd,
           const std::function<void(const std::string&)>& note)
      : st_(st), plan_(plan), zoneadmd_(zoneadmd), note_(note) {
    size_t n = plan.items.size();
    out_.status.resize(n);
    out_.error.resize(n);
    out_.result.resize(n);
    uuids_.resize(n);
    for (size_t i = 0; i < n; ++i) {
      out_.status[i].assign(plan.items[i].steps.size(), Status::Planned);
      uuids_[i] = plan.items[i].uuid;
    }
  }

  apply::Outcome run() {
    static const std::vector<std::vector<Step>> phases = {
        {Step::CreateTag, Step::UpdateTag}, {Step::ImportImage}, {Step::Replace, Step::Create},
        {Step::Update}, {Step::Halt}, {Step::Boot}, {Step::Delete}};
    bool stopped = false;
    for (const auto& phase : phases) {
      for (size_t i = 0; i < plan_.items.size() && !stopped; ++i) {
        const Item& it = plan_.items[i];
        for (size_t k = 0; k < it.steps.size() && !stopped; ++k) {
          if (std::find(phase.begin(), phase.end(), it.steps[k]) == phase.end()) continue;
          auto r = step(i, it.steps[k]);
          if (r) {
            out_.status[i][k] = Status::Done;
            continue;
          }
          out_.status[i][k] = Status::Failed;
          out_.error[i] = r.error().message();
          stopped = true;
        }
      }
    }
    for (auto& steps : out_.status)
      for (auto& s : steps)
        if (s == Status::Planned) s = Status::NotDone;
    for (size_t i = 0; i < plan_.items.size(); ++i)
      if (plan_.items[i].kind == apply::Kind::Zone && !plan_.items[i].has(Step::Delete))
        out_.result[i] = zone_result(st_, uuids_[i]);
    return std::move(out_);
  }

 private:
  void note(const Item& it, const std::string& text) {
    if (note_) note_(label(it) + ": " + text);
  }

  Result<void> step(size_t i, Step s) {
    const Item& it = plan_.items[i];
    const json& p = it.payload;
    switch (s) {
      case Step::CreateTag:
        ZK_TRYV(add_tag(st_, tag_from(p)));
        note(it, "created");
        return {};
      case Step::UpdateTag: {
        TagChange c;
        for (const auto& ch : it.changes) {
          const json& v = p[ch.key];
          if (ch.key == "bridge") c.bridge = v;
          else if (ch.key == "subnet") c.subnet = v;
          else if (ch.key == "gateway") c.gateway = v;
          else if (ch.key == "range") c.range = v;
          else if (ch.key == "mtu") c.mtu = v.get<uint32_t>();
          else if (ch.key == "vlan_id") c.vlan_id = v.get<uint16_t>();
          else if (ch.key == "nat") c.nat = v.get<bool>();
        }
        ZK_TRYV(update_tag(st_, it.name, c));
        note(it, "updated");
        return {};
      }
      case Step::ImportImage: {
        image::ImportOptions opts;
        opts.uuid = p["uuid"];
        opts.name = p.value("name", std::string());
        opts.version = p.value("version", std::string());
        ZK_TRYV(image::import(st_.paths().root, p["source"].get<std::string>(), opts));
        note(it, "imported");
        return {};
      }
      case Step::Create: {
        json stored = ZK_TRY(create(st_, p.dump(), it.source));
        uuids_[i] = stored["uuid"];
        // An unfinished replace this create finished.
        if (::unlink(pending_file(st_, uuids_[i]).c_str()) == 0) (void)fs::fsync_dir(pending_dir(st_));
        note(it, "created " + uuids_[i]);
        return {};
      }
      case Step::Replace: {
        // The manifest that recreates the zone is on disk before the zone
        // is deleted: a kill in between leaves it for the next apply.
        ZK_TRYV(fs::mkdir_p(pending_dir(st_), 0700));
        ZK_TRYV(fs::write_file_atomic(pending_file(st_, it.uuid), p.dump(2) + "\n", 0600));
        fault::point("apply.replace.after_intent");
        auto gone = remove(st_, it.uuid);
        if (!gone && gone.error().kind != ErrorKind::NotFound) return std::unexpected(gone.error());
        fault::point("apply.replace.after_delete");
        json stored = ZK_TRY(create(st_, p.dump(), it.source));
        uuids_[i] = stored["uuid"];
        ::unlink(pending_file(st_, it.uuid).c_str());
        (void)fs::fsync_dir(pending_dir(st_));
        note(it, "replaced (uuid " + uuids_[i] + " kept)");
        return {};
      }
      case Step::Update: {
        UpdateResult r = ZK_TRY(update(st_, uuids_[i], p));
        if (note_)
          for (const auto& line : update_summary(it.name, r)) note_(line);
        return {};
      }
      case Step::Halt: {
        ZK_TRYV(halt(st_, uuids_[i]));
        note(it, "halted");
        return {};
      }
      case Step::Boot: {
        Note n = ZK_TRY(boot(st_, uuids_[i], zoneadmd_));
        note(it, n.text.empty() ? "booted" : "booted (" + n.text + ")");
        return {};
      }
      case Step::Delete: {
        ZK_TRYV(remove(st_, uuids_[i]));
        note(it, "deleted");
        return {};
      }
    }
    return {};
  }

  store::Store& st_;
  const apply::Plan& plan_;
  std::string zoneadmd_;
  std::function<void(const std::string&)> note_;
  apply::Outcome out_;
  std::vector<std::string> uuids_;
};

}  // namespace

ManifestSet read_set(const std::vector<std::string>& paths) {
  ManifestSet set;
  auto unreadable = [&](const std::string& source, const Error& e) {
    manifest::Diagnostic d;
    d.source = source;
    d.message = e.message();
    set.problems.push_back(d);
    set.unreadable = true;
  };
  auto add = [&](const std::string& source, const std::string& dir, const std::string& text) {
    auto r = apply::parse_document(text, source, dir);
    set.problems.insert(set.problems.end(), r.problems.begin(), r.problems.end());
    set.docs.push_back(std::move(r.doc));
  };
  for (const auto& path : paths) {
    if (path == "-") {
      auto text = cli::read_input("-");
      if (!text) unreadable("<stdin>", text.error());
      else add("<stdin>", "", *text);
      continue;
    }
    struct stat sb;
    if (::stat(path.c_str(), &sb) < 0) {
      unreadable(path, sys_error("stat", path).error());
      continue;
    }
    if (S_ISDIR(sb.st_mode)) {
      if (set.default_name.empty()) set.default_name = dir_name_of(path);
      std::string dir = path.ends_with("/") && path.size() > 1 ? path.substr(0, path.size() - 1) : path;
      for (const auto& name : fs::list_dir(dir)) {
        if (!is_manifest_name(name)) continue;
        std::string file = dir + "/" + name;
        if (::stat(file.c_str(), &sb) < 0 || !S_ISREG(sb.st_mode)) continue;
        if (set.docs.size() >= kMaxFiles) {
          unreadable(dir, fail(fmt::format("more than {} manifests", kMaxFiles)).error());
          break;
        }
        auto text = fs::read_file(file, kMaxFileBytes);
        if (!text) unreadable(file, text.error());
        else add(file, dir, *text);
      }
      continue;
    }
    size_t slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
    if (set.default_name.empty()) set.default_name = dir_name_of(dir);
    auto text = fs::read_file(path, kMaxFileBytes);
    if (!text) unreadable(path, text.error());
    else add(path, dir, *text);
  }
  return set;
}

std::string check_set_name(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 64 && name[0] != '-' &&
            std::all_of(name.begin(), name.end(), [](char c) {
              return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                     c == '_' || c == '-';
            });
  return ok ? "" : fmt::format("set name \"{}\" must be 1-64 characters of [A-Za-z0-9._-]", name);
}

Result<apply::Facts> gather_facts(const store::Store& st) {
  apply::Facts f;
  f.zones = ZK_TRY(st.list());
  for (const auto& z : f.zones)
    if (z.error.empty()) f.states[z.uuid] = state_of(st, z, nullptr);
  f.tags = ZK_TRY(st.tags(true));
  // Straight from the directory: image::list would create the image
  // store's lock file, and a dry run changes nothing.
  std::string images = st.paths().images_dir();
  for (const auto& name : fs::list_dir(images))
    if (image::is_uuid(name) && fs::exists(images + "/" + name + "/image.json")) f.images.insert(name);
  for (const auto& name : fs::list_dir(pending_dir(st))) {
    if (!name.starts_with("replace-") || !name.ends_with(".json")) continue;
    auto text = fs::read_file(pending_dir(st) + "/" + name, 1 << 20);
    if (!text) continue;
    json j = json::parse(*text, nullptr, false);
    if (j.is_object() && j.contains("uuid") && manifest::validate_create(j).empty()) f.pending.push_back(j);
  }
  f.config = st.config();
  return f;
}

void check_host(const store::Store& st, const apply::Facts& facts, apply::Plan& plan) {
  auto add = [&](const Item& it, const Result<void>& r, const std::string& path = "") {
    if (r) return;
    manifest::Diagnostic d;
    d.source = it.source;
    std::string m = r.error().message();
    size_t colon = m.find(": ");
    if (path.empty() && colon != std::string::npos && m.find(' ') > colon) {
      d.path = m.substr(0, colon);
      d.message = m.substr(colon + 2);
    } else {
      d.path = path;
      d.message = m;
    }
    plan.problems.push_back(d);
    if (r.error().kind != ErrorKind::Invalid) plan.host_failure = true;
  };
  bool creates = false;
  for (const auto& it : plan.items) {
    if (it.has(Step::ImportImage)) {
      std::string src = it.payload.value("source", std::string());
      struct stat sb;
      if (!src.empty() && ::stat(src.c_str(), &sb) < 0) {
        Result<void> missing = sys_error("stat", src);
        add(it, missing, "source");
      }
    }
    if (it.has(Step::Create) || it.has(Step::Replace)) {
      creates = true;
      add(it, check_fs_sources(st, it.payload, false));
      add(it, check_quota(st, it.payload, st.paths().zones_dir()));
    }
    if (it.has(Step::Update)) {
      for (const auto& z : facts.zones) {
        if (z.uuid != it.uuid || !z.doc.is_object() || !manifest::validate_update(z.doc, it.payload).empty()) continue;
        json next = manifest::apply_update(z.doc, it.payload);
        add(it, check_fs_sources(st, next, false));
        if (next.value("quota", 0) != z.doc.value("quota", 0)) add(it, check_quota(st, next, st.paths().zone_dir(z.uuid)));
      }
    }
  }
  if (creates) {
    if (auto r = check_search_access(st.paths()); !r) {
      manifest::Diagnostic d;
      d.message = r.error().message();
      plan.problems.push_back(d);
      plan.host_failure = true;
    }
  }
}

Result<FileLock> lock_apply(const store::Store& st) {
  return context(FileLock::acquire(st.paths().locks_dir() + "/apply.lock", FileLock::Mode::Exclusive, 10 * 60 * 1000),
                 "lock the store for apply");
}

apply::Outcome execute(store::Store& st, const apply::Plan& plan, const std::string& zoneadmd,
                       const std::function<void(const std::string&)>& note) {
  return Executor(st, plan, zoneadmd, note).run();
}

apply::Outcome planned_outcome(const store::Store& st, const apply::Plan& plan) {
  apply::Outcome out;
  for (const auto& it : plan.items) {
    out.status.emplace_back(it.steps.size(), Status::Planned);
    out.error.emplace_back();
    out.result.push_back(it.kind == apply::Kind::Zone ? zone_result(st, it.uuid) : json());
  }
  return out;
}

std::string done_summary(const apply::Plan& plan, const apply::Outcome& out) {
  std::map<std::string, int> n;
  for (size_t i = 0; i < plan.items.size(); ++i)
    for (size_t k = 0; k < plan.items[i].steps.size(); ++k)
      if (out.status[i][k] == Status::Done) ++n[past(plan.items[i].steps[k])];
  std::string s;
  // In the order the steps run.
  for (const char* w : {"created", "imported", "replaced", "updated", "halted", "booted", "deleted"})
    if (n[w]) s += fmt::format("{}{} {}", s.empty() ? "" : ", ", n[w], w);
  return s.empty() ? "nothing done" : s;
}

std::string not_done_list(const apply::Plan& plan, const apply::Outcome& out) {
  std::vector<std::string> items;
  for (size_t i = 0; i < plan.items.size(); ++i)
    for (size_t k = 0; k < plan.items[i].steps.size(); ++k)
      if (out.status[i][k] == Status::NotDone || out.status[i][k] == Status::Failed)
        items.push_back(label(plan.items[i]) + " " + std::string(apply::step_name(plan.items[i].steps[k])));
  std::string s;
  for (const auto& x : items) s += (s.empty() ? "" : ", ") + x;
  return s;
}

bool failed(const apply::Outcome& out) {
  for (const auto& steps : out.status)
    for (auto s : steps)
      if (s == Status::Failed) return true;
  return false;
}

}  // namespace zonekit::ops
