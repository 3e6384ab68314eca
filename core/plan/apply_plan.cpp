// The diff behind zoneadm apply: documents x facts -> Plan. See apply_plan.hpp.
#include "core/plan/apply_plan.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "core/manifest/schema.hpp"
#include "core/manifest/validate.hpp"
#include "core/store/alloc.hpp"

namespace zonekit::apply {

using nlohmann::json;
using manifest::Diagnostic;
using manifest::Property;
using manifest::Update;

namespace {

bool present(const json& j, const std::string& k) { return j.is_object() && j.contains(k) && !j[k].is_null(); }

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_secret(std::string_view member) {
  return member == "user-script" || (member.size() > 3 && member.ends_with("_pw"));
}

std::string when_of(const Property* p, bool running) {
  if (p && p->update == Update::CreateOnly) return "create only";
  if (!running) return "next boot";
  return p && p->update == Update::Live ? "live" : "next boot";
}

struct ZoneDiff {
  std::vector<Change> changes;
  json payload = json::object();
  std::vector<std::string> create_only;
};

// Maps change member by member, so a plan says which key changed.
void map_changes(const std::string& key, const json& from, const json& to, const std::string& when,
                 std::vector<Change>& out) {
  json f = from.is_object() ? from : json::object();
  json t = to.is_object() ? to : json::object();
  std::set<std::string> members;
  for (auto it = f.begin(); it != f.end(); ++it) members.insert(it.key());
  for (auto it = t.begin(); it != t.end(); ++it) members.insert(it.key());
  for (const auto& m : members) {
    json a = f.contains(m) ? f[m] : json(), b = t.contains(m) ? t[m] : json();
    if (a == b) continue;
    std::string at = key + "." + m;
    out.push_back({at, mask(at, a), mask(at, b), when});
  }
}

// nics are matched by interface (net0, net1, ... in manifest order); only
// what the manifest's nic says is compared, so allocated MACs and IPs are
// never differences.
void diff_nics(const json& given, const json& to, const json& from, const std::string& when, ZoneDiff& z) {
  json want = to.is_array() ? to : json::array();
  json have = from.is_array() ? from : json::array();
  const json* given_nics = given.contains("nics") && given["nics"].is_array() ? &given["nics"] : nullptr;
  std::map<std::string, size_t> have_by_if;
  for (size_t i = 0; i < have.size(); ++i) have_by_if[have[i].value("interface", std::string())] = i;
  std::set<std::string> seen;
  json add = json::array(), upd = json::array(), rem = json::array();
  for (size_t i = 0; i < want.size(); ++i) {
    const json& w = want[i];
    std::string ifname = w.value("interface", std::string());
    std::string at = "nics[" + ifname + "]";
    auto it = have_by_if.find(ifname);
    if (it == have_by_if.end()) {
      add.push_back(w);
      z.changes.push_back({at, nullptr, w, when});
      continue;
    }
    seen.insert(ifname);
    const json& h = have[it->second];
    json u = {{"mac", h.value("mac", std::string())}};
    for (auto f = w.begin(); f != w.end(); ++f) {
      if (f.key() == "interface") continue;
      json hv = h.contains(f.key()) ? h[f.key()] : json();
      if (hv == f.value()) continue;
      const Property* fp = manifest::find_property("nics[]." + f.key());
      if (fp && fp->update == Update::CreateOnly) {
        z.create_only.push_back(at + "." + f.key());
        z.changes.push_back({at + "." + f.key(), hv, f.value(), "create only"});
        continue;
      }
      u[f.key()] = f.value();
      z.changes.push_back({at + "." + f.key(), hv, f.value(), when});
    }
    // `key: null` in the manifest's nic removes what the store has.
    if (given_nics && i < given_nics->size() && (*given_nics)[i].is_object())
      for (auto f = (*given_nics)[i].begin(); f != (*given_nics)[i].end(); ++f) {
        const Property* fp = manifest::find_property("nics[]." + f.key());
        if (!f.value().is_null() || !fp || fp->deprecated || fp->update == Update::CreateOnly) continue;
        if (!h.contains(f.key()) || w.contains(f.key())) continue;
        u[f.key()] = nullptr;
        z.changes.push_back({at + "." + f.key(), h[f.key()], nullptr, when});
      }
    if (u.size() > 1) upd.push_back(u);
  }
  for (const auto& h : have) {
    std::string ifname = h.value("interface", std::string());
    if (seen.contains(ifname)) continue;
    rem.push_back(h.value("mac", std::string()));
    z.changes.push_back({"nics[" + ifname + "]", h, nullptr, when});
  }
  if (!add.empty()) z.payload["add_nics"] = add;
  if (!upd.empty()) z.payload["update_nics"] = upd;
  if (!rem.empty()) z.payload["remove_nics"] = rem;
}

// filesystems are matched by target; they hold nothing derived, so the
// manifest's item is the whole truth.
void diff_filesystems(const json& to, const json& from, const std::string& when, ZoneDiff& z) {
  json want = to.is_array() ? to : json::array();
  json have = from.is_array() ? from : json::array();
  std::map<std::string, const json*> have_by_target;
  for (const auto& h : have) have_by_target[h.value("target", std::string())] = &h;
  std::set<std::string> seen;
  json add = json::array(), upd = json::array(), rem = json::array();
  for (const auto& w : want) {
    std::string target = w.value("target", std::string());
    std::string at = "filesystems[" + target + "]";
    seen.insert(target);
    auto it = have_by_target.find(target);
    if (it == have_by_target.end()) {
      add.push_back(w);
      z.changes.push_back({at, nullptr, w, when});
      continue;
    }
    const json& h = *it->second;
    if (h == w) continue;
    json u = {{"target", target}};
    std::set<std::string> keys;
    for (auto f = w.begin(); f != w.end(); ++f) keys.insert(f.key());
    for (auto f = h.begin(); f != h.end(); ++f) keys.insert(f.key());
    for (const auto& k : keys) {
      json a = h.contains(k) ? h[k] : json(), b = w.contains(k) ? w[k] : json();
      if (a == b) continue;
      u[k] = b;
      z.changes.push_back({at + "." + k, a, b, when});
    }
    upd.push_back(u);
  }
  for (const auto& h : have) {
    std::string target = h.value("target", std::string());
    if (seen.contains(target)) continue;
    rem.push_back(target);
    z.changes.push_back({"filesystems[" + target + "]", h, nullptr, when});
  }
  if (!add.empty()) z.payload["add_filesystems"] = add;
  if (!upd.empty()) z.payload["update_filesystems"] = upd;
  if (!rem.empty()) z.payload["remove_filesystems"] = rem;
}

ZoneDiff diff_zone(const json& given, const json& want, const json& stored, bool running) {
  ZoneDiff z;
  for (const Property* p : manifest::children("")) {
    const std::string& key = p->path;
    if (p->update == Update::ReadOnly || key == "uuid") continue;
    bool said_null = given.contains(key) && given[key].is_null();
    if (!want.contains(key) && !said_null) continue;
    json to = want.contains(key) ? want[key] : json();
    json from = stored.contains(key) ? stored[key] : json();
    std::string when = when_of(p, running);
    if (p->type == manifest::Type::ObjectList) {
      if (key == "nics") diff_nics(given, to, from, when, z);
      else diff_filesystems(to, from, when, z);
      continue;
    }
    if (to == from) continue;
    if (p->update == Update::CreateOnly) {
      z.create_only.push_back(key);
      z.changes.push_back({key, mask(key, from), mask(key, to), "create only"});
      continue;
    }
    z.payload[key] = to;
    if (p->type == manifest::Type::Map || p->type == manifest::Type::RouteMap) map_changes(key, from, to, when, z.changes);
    else z.changes.push_back({key, mask(key, from), mask(key, to), when});
  }
  return z;
}

// Some properties follow others in an update (max_swap follows
// max_physical_memory when it was at its default): pin every key the
// manifest says, so one update lands exactly on the manifest.
void pin_followers(json& payload, const json& stored, const json& want) {
  for (int round = 0; round < 4; ++round) {
    json next = manifest::apply_update(stored, payload);
    bool pinned = false;
    for (auto it = want.begin(); it != want.end(); ++it) {
      const Property* p = manifest::find_property(it.key());
      if (!p || p->type == manifest::Type::ObjectList || p->update == Update::CreateOnly ||
          p->update == Update::ReadOnly || payload.contains(it.key()))
        continue;
      json have = next.contains(it.key()) ? next[it.key()] : json();
      if (have != it.value()) {
        payload[it.key()] = it.value();
        pinned = true;
      }
    }
    if (!pinned) return;
  }
}

// A zone to create again keeping its identity: base (the stored zone, or
// an unfinished replace) with the manifest's values over it. A nic keeps
// its MAC, and its IPs while it stays on the same nic tag.
json merge_identity(const json& base, const json& want, const json& given) {
  json out = manifest::export_manifest(base, true);
  for (auto it = want.begin(); it != want.end(); ++it) {
    if (it.key() != "nics" || !out.contains("nics") || !out["nics"].is_array()) {
      out[it.key()] = it.value();
      continue;
    }
    json nics = json::array();
    for (const auto& w : it.value()) {
      json n = w;
      for (const auto& b : out["nics"]) {
        if (b.value("interface", std::string()) != w.value("interface", std::string())) continue;
        bool same_tag = b.value("nic_tag", std::string()) == w.value("nic_tag", std::string());
        n = b;
        if (!same_tag)
          for (const char* k : {"ips", "gateways", "mtu"}) n.erase(k);
        for (auto f = w.begin(); f != w.end(); ++f) n[f.key()] = f.value();
      }
      nics.push_back(n);
    }
    out["nics"] = nics;
  }
  if (given.is_object())
    for (auto it = given.begin(); it != given.end(); ++it)
      if (it.value().is_null() && !want.contains(it.key())) out.erase(it.key());
  return out;
}

// "nics[0].mac: \"..\" is already used by zone web01" -> {path, message}.
Diagnostic diag_of(const Error& e) {
  std::string m = e.message();
  auto colon = m.find(": ");
  bool has_path = colon != std::string::npos && m.find(' ') > colon;
  if (has_path) return {m.substr(0, colon), m.substr(colon + 2)};
  return {"", m};
}

json tag_fields(const store::NicTag& t) {
  return {{"name", t.name},   {"bridge", t.bridge}, {"subnet", t.subnet},   {"gateway", t.gateway},
          {"range", t.range}, {"mtu", t.mtu},       {"vlan_id", t.vlan_id}, {"nat", t.nat}};
}

store::NicTag tag_of(const json& j) {
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

class Planner {
 public:
  Planner(const std::vector<Document>& docs, const Facts& facts, const Options& opt)
      : docs_(docs), facts_(facts), opt_(opt) {}

  Plan run() {
    plan_.set = opt_.set;
    collect_names();
    plan_tags();
    plan_images();
    plan_zones();
    if (opt_.prune) plan_prunes();
    check_identities();
    return std::move(plan_);
  }

 private:
  void problem(const Document& d, const std::string& path, const std::string& message) {
    std::vector<Diagnostic> one = {{path, message}};
    manifest::Parsed where;
    where.source = d.source;
    where.positions = d.positions;
    manifest::locate(one, where);
    plan_.problems.push_back(one.front());
  }

  // Names every document declares, valid or not; duplicates are problems.
  void collect_names() {
    for (const auto& d : docs_) {
      auto claim = [&](std::map<std::string, const Document*>& seen, const std::string& key,
                       const std::string& path, const std::string& what) {
        if (key.empty()) return;
        auto [it, fresh] = seen.emplace(key, &d);
        if (!fresh) problem(d, path, fmt::format("{} \"{}\" is also declared in {}", what, key, it->second->source));
      };
      switch (d.kind) {
        case Kind::NicTag: claim(tag_docs_, d.name, "name", "nic tag"); break;
        case Kind::Image: claim(image_docs_, d.name, "uuid", "image"); break;
        case Kind::Zone:
          if (present(d.given, "uuid") && d.given["uuid"].is_string())
            claim(zone_uuids_, lower(d.given["uuid"].get<std::string>()), "uuid", "zone uuid");
          if (present(d.given, "alias") && d.given["alias"].is_string())
            claim(zone_aliases_, d.given["alias"].get<std::string>(), "alias", "zone alias");
          break;
      }
    }
  }

  bool first_of(const std::map<std::string, const Document*>& seen, const Document& d) const {
    auto it = seen.find(d.name);
    return it != seen.end() && it->second == &d;
  }

  void plan_tags() {
    tags_ = facts_.tags;
    for (const auto& d : docs_) {
      if (d.kind != Kind::NicTag || !d.ok || !first_of(tag_docs_, d)) continue;
      Item it;
      it.kind = Kind::NicTag;
      it.name = d.name;
      it.source = d.source;
      it.payload = d.doc;
      auto have = facts_.tags.find(d.name);
      if (have == facts_.tags.end()) {
        it.steps = {Step::CreateTag};
        for (auto f = d.doc.begin(); f != d.doc.end(); ++f)
          if (f.key() != "name") it.changes.push_back({f.key(), nullptr, f.value(), ""});
      } else {
        json old = tag_fields(have->second);
        for (auto f = d.doc.begin(); f != d.doc.end(); ++f)
          if (old[f.key()] != f.value()) it.changes.push_back({f.key(), old[f.key()], f.value(), ""});
        if (!it.changes.empty()) {
          if (have->second.origin == "config")
            problem(d, "", fmt::format("nic tag {} is defined in the host's zonekit.toml; change it there", d.name));
          it.steps = {Step::UpdateTag};
        }
      }
      tags_[d.name] = tag_of(d.doc);
      plan_.items.push_back(std::move(it));
    }
  }

  void plan_images() {
    for (const auto& d : docs_) {
      if (d.kind != Kind::Image || !d.ok || !first_of(image_docs_, d)) continue;
      Item it;
      it.kind = Kind::Image;
      it.name = d.name;
      it.source = d.source;
      it.payload = d.doc;
      if (!facts_.images.contains(d.name)) {
        if (d.doc["source"].is_null())
          problem(d, "source", fmt::format("is required: image {} is not imported on this host", d.name));
        it.steps = {Step::ImportImage};
        for (auto f = d.doc.begin(); f != d.doc.end(); ++f)
          if (!f.value().is_null() && f.value() != "") it.changes.push_back({f.key(), nullptr, f.value(), ""});
      }
      plan_.items.push_back(std::move(it));
    }
  }

  const store::ZoneRecord* zone_by_uuid(const std::string& uuid) const {
    for (const auto& z : facts_.zones)
      if (z.uuid == uuid) return &z;
    return nullptr;
  }
  const store::ZoneRecord* zone_by_alias(const std::string& alias) const {
    for (const auto& z : facts_.zones)
      if (z.doc.is_object() && z.doc.value("alias", std::string()) == alias) return &z;
    return nullptr;
  }
  const json* pending_for(const std::string& uuid, const std::string& alias) const {
    for (const auto& p : facts_.pending) {
      if (!uuid.empty() && p.value("uuid", std::string()) == uuid) return &p;
      if (uuid.empty() && !alias.empty() && p.value("alias", std::string()) == alias) return &p;
    }
    return nullptr;
  }
  std::string state_of(const std::string& uuid) const {
    auto it = facts_.states.find(uuid);
    return it == facts_.states.end() ? "stopped" : it->second;
  }

  // Every nic tag the zone's nics name exists, or is declared by the set.
  void check_nic_tags(const Document& d, const json& want) {
    if (!want.contains("nics") || !want["nics"].is_array()) return;
    for (size_t i = 0; i < want["nics"].size(); ++i) {
      std::string tag = want["nics"][i].value("nic_tag", std::string());
      if (tags_.contains(tag) || tag_docs_.contains(tag)) continue;
      std::string known;
      for (const auto& [n, _] : tags_) known += (known.empty() ? "" : ", ") + n;
      problem(d, fmt::format("nics[{}].nic_tag", i),
              fmt::format("\"{}\" is not a nic tag on this host nor in the set (known: {})", tag,
                          known.empty() ? "none" : known));
    }
  }

  void plan_zones() {
    for (const auto& d : docs_) {
      if (d.kind != Kind::Zone || !d.ok) continue;
      std::string uuid = d.doc.value("uuid", std::string()), alias = d.doc.value("alias", std::string());
      auto owns = [&](const std::map<std::string, const Document*>& seen, const std::string& key) {
        auto f = seen.find(key);
        return key.empty() || (f != seen.end() && f->second == &d);
      };
      if (!owns(zone_uuids_, uuid) || !owns(zone_aliases_, alias)) continue;  // a duplicate: reported
      const store::ZoneRecord* s = uuid.empty() ? zone_by_alias(alias) : zone_by_uuid(uuid);
      if (!alias.empty()) {
        const store::ZoneRecord* holder = zone_by_alias(alias);
        if (holder && s != holder) {
          problem(d, "alias", fmt::format("\"{}\" is used by zone {}, not by the manifest's uuid {}", alias,
                                          holder->uuid, uuid));
          continue;
        }
      }
      if (s && !s->error.empty()) {
        problem(d, "", fmt::format("zone {} cannot be read ({}); repair or delete it", s->uuid, s->error));
        plan_.host_failure = true;
        continue;
      }
      if (present(d.given, "tags") && d.given["tags"].contains(kSetTag) &&
          d.given["tags"][kSetTag] != json(opt_.set))
        problem(d, fmt::format("tags.{}", kSetTag),
                fmt::format("is set by zoneadm apply to the name of the set (\"{}\")", opt_.set));
      Item it;
      it.kind = Kind::Zone;
      it.name = d.name;
      it.source = d.source;
      it.state_to = d.state.value_or("");
      if (s) {
        matched_.insert(s->uuid);
        plan_existing(d, *s, it);
      } else {
        plan_create(d, uuid, alias, it);
      }
      plan_.items.push_back(std::move(it));
      if (it_is_create_) create_docs_.emplace_back(plan_.items.size() - 1, &d);
      it_is_create_ = false;
    }
  }

  void plan_create(const Document& d, const std::string& uuid, const std::string& alias, Item& it) {
    json create = d.doc;
    if (const json* p = pending_for(uuid, alias)) {
      create = merge_identity(*p, d.doc, d.given);
      it.note = "finishing an interrupted replace: keeps uuid, MACs and IPs";
    }
    if (!create.contains("tags") || !create["tags"].is_object()) create["tags"] = json::object();
    create["tags"][kSetTag] = opt_.set;
    if (present(create, "image_uuid")) {
      std::string img = create["image_uuid"];
      if (!facts_.images.contains(img) && !image_docs_.contains(img))
        problem(d, "image_uuid", fmt::format("image {} is not imported, and the set declares no image with that uuid", img));
    }
    check_nic_tags(d, create);
    it.uuid = create.value("uuid", std::string());
    it.steps = {Step::Create};
    if (it.state_to == "running") it.steps.push_back(Step::Boot);
    for (auto f = d.given.begin(); f != d.given.end(); ++f)
      if (!f.value().is_null()) {
        const json& v = d.doc.contains(f.key()) ? d.doc[f.key()] : f.value();
        it.changes.push_back({f.key(), nullptr, mask(f.key(), v), ""});
      }
    it.payload = std::move(create);
    it_is_create_ = true;
  }

  void plan_existing(const Document& d, const store::ZoneRecord& s, Item& it) {
    it.uuid = s.uuid;
    if (it.name.empty() || it.name == s.uuid) it.name = s.name();
    std::string state = state_of(s.uuid);
    it.state_from = state;
    bool running = state == "running";
    json want = d.doc;
    if (!present(d.given, "hostname")) {
      // The default host name follows the alias the zone will have.
      json h = {{"uuid", s.uuid}};
      if (present(want, "alias")) h["alias"] = want["alias"];
      else if (present(s.doc, "alias")) h["alias"] = s.doc["alias"];
      want["hostname"] = manifest::default_hostname(h);
    }
    if (present(want, "tags") && present(s.doc, "tags") && s.doc["tags"].contains(kSetTag))
      want["tags"][kSetTag] = s.doc["tags"][kSetTag];
    check_nic_tags(d, want);
    ZoneDiff z = diff_zone(d.given, want, s.doc, running);
    it.changes = z.changes;
    if (s.incomplete || !z.create_only.empty()) {
      if (!s.incomplete && !opt_.replace) {
        std::string keys;
        for (const auto& k : z.create_only) keys += (keys.empty() ? "" : ", ") + k;
        it.refused = keys + " cannot change after create; --replace deletes and recreates the zone, keeping its "
                            "uuid, MACs and IPs";
        return;
      }
      json create = merge_identity(s.doc, want, d.given);
      for (auto& diag : manifest::validate_create(create)) problem(d, diag.path, diag.message);
      it.payload = std::move(create);
      it.steps = {Step::Replace};
      it.note = s.incomplete ? "the zone is incomplete (an interrupted delete): it is created again"
                             : "deletes and recreates the zone, keeping its uuid, MACs and IPs";
      if (it.state_to == "running" || (it.state_to.empty() && running)) it.steps.push_back(Step::Boot);
      replaced_.insert(s.uuid);
      it_is_create_ = true;
      return;
    }
    if (!z.payload.empty()) {
      auto diags = manifest::validate_update(s.doc, z.payload);
      if (!diags.empty()) {
        for (auto& diag : diags) problem(d, diag.path, diag.message);
      } else {
        pin_followers(z.payload, s.doc, want);
        ZoneDiff after = diff_zone(d.given, want, manifest::apply_update(s.doc, z.payload), running);
        if (!after.changes.empty())
          problem(d, after.changes.front().key, "an update cannot bring the zone to the manifest's value");
      }
      it.payload = z.payload;
      it.steps.push_back(Step::Update);
    }
    if (it.state_to == "running" && state != "running") {
      // failed, down, ready ...: clean up what is left before booting.
      if (state != "stopped") it.steps.push_back(Step::Halt);
      it.steps.push_back(Step::Boot);
    }
    if (it.state_to == "stopped" && state != "stopped") it.steps.push_back(Step::Halt);
  }

  // --prune: zones this set created (tags.apply_set) that no document names.
  void plan_prunes() {
    for (const auto& z : facts_.zones) {
      if (!z.doc.is_object() || matched_.contains(z.uuid)) continue;
      const json tags = z.doc.value("tags", json::object());
      if (!tags.is_object() || !tags.contains(kSetTag) || tags[kSetTag] != json(opt_.set)) continue;
      if (zone_uuids_.contains(z.uuid) || zone_aliases_.contains(z.doc.value("alias", std::string()))) continue;
      Item it;
      it.kind = Kind::Zone;
      it.name = z.name();
      it.uuid = z.uuid;
      it.state_from = state_of(z.uuid);
      it.steps = {Step::Delete};
      it.note = fmt::format("pruned: set {} no longer has it", opt_.set);
      plan_.items.push_back(std::move(it));
    }
  }

  // The identity each new zone will get, decided in order as the store
  // would, so that a full pool, a taken address or alias is a problem
  // before anything changes.
  void check_identities() {
    if (create_docs_.empty()) return;
    std::vector<store::ZoneRecord> others;
    for (const auto& z : facts_.zones) {
      if (!z.error.empty()) {
        problem(*create_docs_.front().second, "",
                fmt::format("zone {} cannot be read ({}); refusing to allocate identity until it is repaired or "
                            "deleted",
                            z.uuid, z.error));
        plan_.host_failure = true;
        return;
      }
      if (!replaced_.contains(z.uuid)) others.push_back(z);
    }
    store::Taken taken = store::collect_taken(others);
    uint32_t n = 0;
    for (const auto& [index, d] : create_docs_) {
      json doc = plan_.items[index].payload;
      bool unknown_tag = false;
      for (const auto& nic : doc.value("nics", json::array()))
        unknown_tag = unknown_tag || !tags_.contains(nic.value("nic_tag", std::string()));
      if (unknown_tag) continue;  // reported, or its tag's document is invalid
      std::string placeholder = fmt::format("{:08x}-0000-4000-8000-000000000000", 0xfffff000u + (n++ & 0xfffu));
      auto r = store::assign_identity(doc, placeholder, tags_, facts_.config, taken);
      if (!r) {
        auto g = diag_of(r.error());
        problem(*d, g.path, g.message);
        if (r.error().kind != ErrorKind::Invalid) plan_.host_failure = true;
        continue;
      }
      std::string who = "zone " + d->name + " (" + d->source + ")";
      taken.uuids[doc["uuid"].get<std::string>()] = who;
      if (present(doc, "alias")) taken.aliases[doc["alias"].get<std::string>()] = who;
      taken.id_bases[doc["uid_base"].get<uint32_t>()] = who;
    }
  }

  const std::vector<Document>& docs_;
  const Facts& facts_;
  const Options& opt_;
  Plan plan_;
  std::map<std::string, const Document*> tag_docs_, image_docs_, zone_uuids_, zone_aliases_;
  std::map<std::string, store::NicTag> tags_;  // after the tag steps
  std::set<std::string> matched_, replaced_;
  std::vector<std::pair<size_t, const Document*>> create_docs_;
  bool it_is_create_ = false;
};

}  // namespace

std::string_view step_name(Step s) {
  switch (s) {
    case Step::CreateTag: return "create";
    case Step::UpdateTag: return "update";
    case Step::ImportImage: return "import";
    case Step::Replace: return "replace";
    case Step::Create: return "create";
    case Step::Update: return "update";
    case Step::Halt: return "halt";
    case Step::Boot: return "boot";
    case Step::Delete: return "delete";
  }
  return "";
}

bool Item::has(Step s) const { return std::find(steps.begin(), steps.end(), s) != steps.end(); }

bool Plan::refused() const {
  return std::any_of(items.begin(), items.end(), [](const Item& i) { return !i.refused.empty(); });
}

bool Plan::changes() const {
  return std::any_of(items.begin(), items.end(), [](const Item& i) { return !i.steps.empty(); });
}

json mask(std::string_view key, const json& value) {
  if (value.is_null()) return value;
  if (key == "customer_metadata" || key == "internal_metadata") {
    if (!value.is_object()) return value;
    json out = value;
    for (auto it = out.begin(); it != out.end(); ++it)
      if (is_secret(it.key())) it.value() = "(secret)";
    return out;
  }
  for (std::string_view map : {"customer_metadata.", "internal_metadata."})
    if (key.starts_with(map) && is_secret(key.substr(map.size()))) return "(secret)";
  return value;
}

Plan make_plan(const std::vector<Document>& docs, const Facts& facts, const Options& opt) {
  return Planner(docs, facts, opt).run();
}

}  // namespace zonekit::apply
