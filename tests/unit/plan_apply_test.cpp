// zoneadm apply's pure half: documents x facts -> plan. Zones are "created"
// here as the store creates them (normalize, identity, hostname,
// timestamps) from the plan's own create manifests, so a second plan over
// the result must be empty.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include "core/manifest/validate.hpp"
#include "core/plan/apply_plan.hpp"
#include "core/store/alloc.hpp"

using namespace zonekit;
using nlohmann::json;
using apply::Step;

namespace {

apply::Document doc_of(const std::string& text, const std::string& source = "z.yaml") {
  auto r = apply::parse_document(text, source, "/sets/web");
  INFO(source);
  for (const auto& p : r.problems) INFO(p.str());
  REQUIRE(r.problems.empty());
  return r.doc;
}

// Problems one per line, so a failed CHECK shows them.
std::string problems_of(const apply::Plan& p) {
  std::string out;
  for (const auto& d : p.problems) out += d.str() + "\n";
  return out;
}
std::string lines(const std::vector<manifest::Diagnostic>& diags) {
  std::string out;
  for (const auto& d : diags) out += d.str() + "\n";
  return out;
}

struct Host {
  apply::Facts facts;
  int next = 1;
  Host() {
    store::NicTag lan;
    lan.name = "lan";
    lan.bridge = "zkbr0";
    lan.subnet = "10.9.0.0/24";
    lan.gateway = "10.9.0.1";
    lan.origin = "store";
    facts.tags["lan"] = lan;
  }
  // What ops::create does with a create manifest.
  std::string create(const json& payload, const std::string& state = "stopped") {
    json doc = manifest::normalize_create(payload);
    REQUIRE(manifest::validate_create(payload).empty());
    store::Taken taken = store::collect_taken(facts.zones);
    std::string uuid = fmt::format("{:08x}-1111-4111-8111-111111111111", next++);
    auto r = store::assign_identity(doc, uuid, facts.tags, facts.config, taken);
    REQUIRE(r);
    if (!doc.contains("hostname")) doc["hostname"] = manifest::default_hostname(doc);
    doc["create_timestamp"] = doc["last_modified"] = "2026-11-28T08:00:00.000Z";
    store::ZoneRecord rec;
    rec.uuid = doc["uuid"];
    rec.doc = doc;
    facts.zones.push_back(rec);
    facts.states[rec.uuid] = state;
    return rec.uuid;
  }
  store::ZoneRecord& zone(const std::string& uuid) {
    for (auto& z : facts.zones)
      if (z.uuid == uuid) return z;
    FAIL("no zone " << uuid);
    return facts.zones.front();
  }
  // Carry out a plan's creates and updates the way the store would.
  void carry_out(const apply::Plan& p) {
    for (const auto& it : p.items) {
      if (it.has(Step::Create)) create(it.payload, it.has(Step::Boot) ? "running" : "stopped");
      if (it.has(Step::Update)) {
        auto& z = zone(it.uuid);
        REQUIRE(manifest::validate_update(z.doc, it.payload).empty());
        z.doc = manifest::apply_update(z.doc, it.payload);
      }
      if (it.has(Step::Boot)) facts.states[it.uuid.empty() ? facts.zones.back().uuid : it.uuid] = "running";
      if (it.has(Step::Halt) && !it.has(Step::Boot)) facts.states[it.uuid] = "stopped";
    }
  }
};

const char* kWeb = R"(alias: web01
max_physical_memory: 512
state: running
nics:
  - nic_tag: lan
customer_metadata:
  role: web
  root_pw: hunter2
)";
const char* kDb = R"({"alias": "db01", "nics": [{"nic_tag": "lan"}], "filesystems": [{"source": "/srv", "target": "/srv"}]})";

apply::Options web_set() { return {.set = "web"}; }

}  // namespace

TEST_CASE("parse_document: zones, nic tags and images; apply keys are not manifest keys") {
  auto z = doc_of(kWeb);
  CHECK(z.kind == apply::Kind::Zone);
  CHECK(z.name == "web01");
  CHECK(z.state == std::optional<std::string>("running"));
  CHECK_FALSE(z.given.contains("state"));
  CHECK(z.doc["max_swap"] == 512);  // normalized: defaults written

  auto t = doc_of("kind: nictag\nname: lan\nbridge: zkbr0\nsubnet: 10.9.0.0/24\n");
  CHECK(t.kind == apply::Kind::NicTag);
  CHECK(t.doc == json{{"name", "lan"}, {"bridge", "zkbr0"}, {"subnet", "10.9.0.0/24"}, {"gateway", ""},
                      {"range", ""}, {"mtu", 1500}, {"vlan_id", 0}, {"nat", false}});

  auto i = doc_of("kind: image\nuuid: 934CFBE5-60C6-4A40-A33E-A33E62D33681\nsource: ../img/bb.tar\n");
  CHECK(i.kind == apply::Kind::Image);
  CHECK(i.name == "934cfbe5-60c6-4a40-a33e-a33e62d33681");
  CHECK(i.doc["source"] == "/sets/web/../img/bb.tar");
}

TEST_CASE("parse_document: every problem, with file, line and the field") {
  auto r = apply::parse_document("kind: nictag\nname: lan\nbrige: zkbr0\nsubnet: 10.9.0.0/24\n", "t.yaml", "");
  CHECK(lines(r.problems) ==
        "t.yaml:3:1: brige: unknown property (did you mean \"bridge\"?)\n"
        "t.yaml: bridge: is required\n");
  r = apply::parse_document("max_physical_memory: 512\nstate: up\n", "z.yaml", "");
  CHECK(lines(r.problems) ==
        "z.yaml:2:1: state: \"up\" is not a state apply sets (running or stopped)\n"
        "z.yaml: a zone manifest needs an alias or a uuid: apply finds the zone by them\n");
  r = apply::parse_document("kind: vm\n", "k.yaml", "");
  CHECK(lines(r.problems) == "k.yaml:1:1: kind: \"vm\" is not a document kind (zone, nictag or image)\n");
  r = apply::parse_document("kind: image\nuuid: nope\n", "i.yaml", "");
  CHECK(lines(r.problems) == "i.yaml:2:1: uuid: \"nope\" is not a UUID\n");
  r = apply::parse_document("kind: nictag\nname: lan\nbridge: zkbr0\nsubnet: 10.9.0.0/33\n", "s.yaml", "");
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].path == "subnet");
}

TEST_CASE("an empty host: every zone is a create, tagged with the set; a second plan is empty") {
  Host h;
  std::vector<apply::Document> docs = {doc_of(kWeb, "web01.yaml"), doc_of(kDb, "db01.json"),
                                       doc_of("alias: cache01\n", "cache01.yaml")};
  h.facts.tags.clear();
  docs.insert(docs.begin(), doc_of("kind: nictag\nname: lan\nbridge: zkbr0\nsubnet: 10.9.0.0/24\ngateway: 10.9.0.1\n"));
  auto p = apply::make_plan(docs, h.facts, web_set());
  CHECK(problems_of(p) == "");
  REQUIRE(p.items.size() == 4);
  CHECK(p.items[0].steps == std::vector<Step>{Step::CreateTag});
  CHECK(p.items[1].steps == std::vector<Step>{Step::Create, Step::Boot});
  CHECK(p.items[2].steps == std::vector<Step>{Step::Create});
  CHECK(p.items[3].steps == std::vector<Step>{Step::Create});
  CHECK(p.items[1].payload["tags"]["apply_set"] == "web");
  CHECK(apply::summary(p) == "4 to create, 1 to boot");

  h.facts.tags["lan"] = store::NicTag{"lan", "zkbr0", "10.9.0.0/24", "10.9.0.1", "", 1500, 0, false, "store"};
  h.carry_out(p);
  auto again = apply::make_plan(docs, h.facts, web_set());
  CHECK(problems_of(again) == "");
  CHECK_FALSE(again.changes());
  CHECK(apply::summary(again) == "no changes (4 unchanged)");
  CHECK(apply::render_text(again, false).find("= zone web01: no change\n") != std::string::npos);
}

TEST_CASE("one edited property: one update, split into live and next boot, landing exactly on the manifest") {
  Host h;
  std::vector<apply::Document> docs = {doc_of(kWeb), doc_of(kDb, "db01.json")};
  h.carry_out(apply::make_plan(docs, h.facts, web_set()));
  std::string edited = std::string(kWeb) + "hostname: www\n";
  edited.replace(edited.find("512"), 3, "1024");
  docs[0] = doc_of(edited);
  auto p = apply::make_plan(docs, h.facts, web_set());
  CHECK(problems_of(p) == "");
  REQUIRE(p.items.size() == 2);
  CHECK(p.items[1].steps.empty());
  const auto& it = p.items[0];
  CHECK(it.steps == std::vector<Step>{Step::Update});
  std::vector<std::string> lines;
  for (const auto& c : it.changes) lines.push_back(c.key + " " + c.from.dump() + " " + c.to.dump() + " " + c.when);
  CHECK(lines == std::vector<std::string>{
                     "hostname \"web01\" \"www\" next boot",
                     "max_physical_memory 512 1024 live",
                     "max_locked_memory 512 1024 next boot",
                     "max_swap 512 1024 live",
                     "tmpfs 512 1024 next boot",
                 });
  h.carry_out(p);
  CHECK_FALSE(apply::make_plan(docs, h.facts, web_set()).changes());
}

TEST_CASE("a stopped zone's changes all wait for its boot") {
  Host h;
  std::vector<apply::Document> docs = {doc_of("alias: a1\nmax_lwps: 100\n")};
  h.carry_out(apply::make_plan(docs, h.facts, web_set()));
  docs[0] = doc_of("alias: a1\nmax_lwps: 200\n");
  auto p = apply::make_plan(docs, h.facts, web_set());
  REQUIRE(p.items[0].changes.size() == 1);
  CHECK(p.items[0].changes[0].when == "next boot");
}

TEST_CASE("properties that follow others are pinned, so one update lands on the manifest") {
  Host h;
  std::vector<apply::Document> docs = {doc_of("alias: a1\ntmpfs: 256\n")};
  h.carry_out(apply::make_plan(docs, h.facts, web_set()));
  docs[0] = doc_of("alias: a1\ntmpfs: 256\nmax_physical_memory: 512\n");
  auto p = apply::make_plan(docs, h.facts, web_set());
  REQUIRE(p.items[0].has(Step::Update));
  json after = manifest::apply_update(h.facts.zones[0].doc, p.items[0].payload);
  CHECK(after["tmpfs"] == 256);
  CHECK(after["max_physical_memory"] == 512);
  h.carry_out(p);
  CHECK_FALSE(apply::make_plan(docs, h.facts, web_set()).changes());
}

TEST_CASE("nics: allocated MACs and IPs are no difference; a new nic is added; a null removes a property") {
  Host h;
  std::vector<apply::Document> docs = {doc_of(kDb, "db01.json")};
  h.carry_out(apply::make_plan(docs, h.facts, web_set()));
  CHECK_FALSE(apply::make_plan(docs, h.facts, web_set()).changes());
  docs[0] = doc_of(R"({"alias": "db01", "nics": [{"nic_tag": "lan", "allowed_ips": ["10.9.0.99"]}, {"nic_tag": "lan"}],
                       "filesystems": [{"source": "/srv", "target": "/srv", "options": ["ro"]}]})");
  auto p = apply::make_plan(docs, h.facts, web_set());
  CHECK(problems_of(p) == "");
  const auto& pay = p.items[0].payload;
  CHECK(pay["add_nics"].size() == 1);
  CHECK(pay["update_nics"] == json::parse(R"([{"mac": ")" + h.facts.zones[0].doc["nics"][0]["mac"].get<std::string>() +
                                         R"(", "allowed_ips": ["10.9.0.99"]}])"));
  CHECK(pay["update_filesystems"] == json::parse(R"([{"target": "/srv", "options": ["ro"]}])"));
  h.carry_out(p);
  CHECK(h.facts.zones[0].doc["nics"].size() == 2);
  CHECK_FALSE(apply::make_plan(docs, h.facts, web_set()).changes());
  // A property the manifest says is null goes away.
  docs[0] = doc_of(R"({"alias": "db01", "nics": [{"nic_tag": "lan", "allowed_ips": null}, {"nic_tag": "lan"}],
                       "filesystems": [{"source": "/srv", "target": "/srv", "options": ["ro"]}], "cpu_cap": null})");
  p = apply::make_plan(docs, h.facts, web_set());
  REQUIRE(p.items[0].changes.size() == 1);
  CHECK(p.items[0].changes[0].key == "nics[net0].allowed_ips");
  h.carry_out(p);
  CHECK_FALSE(h.facts.zones[0].doc["nics"][0].contains("allowed_ips"));
  CHECK_FALSE(apply::make_plan(docs, h.facts, web_set()).changes());
}

TEST_CASE("a create-only change is refused without --replace; with it the zone keeps uuid, MACs and IPs") {
  Host h;
  std::vector<apply::Document> docs = {doc_of(kWeb)};
  h.carry_out(apply::make_plan(docs, h.facts, web_set()));
  const json old = h.facts.zones[0].doc;
  docs[0] = doc_of(std::string(kWeb) + "image_uuid: 934cfbe5-60c6-4a40-a33e-a33e62d33681\n");
  h.facts.images.insert("934cfbe5-60c6-4a40-a33e-a33e62d33681");
  auto p = apply::make_plan(docs, h.facts, web_set());
  CHECK(p.refused());
  CHECK(p.items[0].steps.empty());
  CHECK(p.items[0].refused.starts_with("brand, image_uuid cannot change after create"));
  CHECK(apply::render_text(p, false).find("! zone web01: replace refused") != std::string::npos);

  auto r = apply::make_plan(docs, h.facts, {.set = "web", .replace = true});
  CHECK(problems_of(r) == "");
  CHECK_FALSE(r.refused());
  const auto& it = r.items[0];
  CHECK(it.steps == std::vector<Step>{Step::Replace, Step::Boot});
  CHECK(it.payload["uuid"] == old["uuid"]);
  CHECK(it.payload["nics"][0]["mac"] == old["nics"][0]["mac"]);
  CHECK(it.payload["nics"][0]["ips"] == old["nics"][0]["ips"]);
  CHECK(it.payload["brand"] == "image");
  CHECK(it.payload["tags"]["apply_set"] == "web");
  CHECK_FALSE(it.payload.contains("uid_base"));
  CHECK(manifest::validate_create(it.payload).empty());
}

TEST_CASE("an interrupted replace is finished from its saved manifest, keeping the identity") {
  Host h;
  json intent = {{"uuid", "00000042-1111-4111-8111-111111111111"}, {"alias", "web01"},
                 {"nics", {{{"interface", "net0"}, {"nic_tag", "lan"}, {"mac", "02:08:20:00:00:42"}, {"ips", {"10.9.0.42/24"}}}}}};
  h.facts.pending.push_back(intent);
  auto p = apply::make_plan({doc_of(kWeb)}, h.facts, web_set());
  CHECK(problems_of(p) == "");
  const auto& it = p.items[0];
  CHECK(it.steps == std::vector<Step>{Step::Create, Step::Boot});
  CHECK(it.payload["uuid"] == intent["uuid"]);
  CHECK(it.payload["nics"][0]["mac"] == "02:08:20:00:00:42");
  CHECK(it.payload["nics"][0]["ips"] == json{"10.9.0.42/24"});
  CHECK(it.payload["max_physical_memory"] == 512);
}

TEST_CASE("--prune deletes only zones this set created that it no longer has") {
  Host h;
  h.carry_out(apply::make_plan({doc_of(kWeb), doc_of(kDb, "db01.json")}, h.facts, web_set()));
  h.carry_out(apply::make_plan({doc_of("alias: other01\n")}, h.facts, {.set = "other"}));
  h.create(json{{"alias", "manual01"}});
  std::vector<apply::Document> docs = {doc_of(kWeb)};
  CHECK_FALSE(apply::make_plan(docs, h.facts, web_set()).changes());
  auto p = apply::make_plan(docs, h.facts, {.set = "web", .prune = true});
  std::vector<std::string> deleted;
  for (const auto& it : p.items)
    if (it.has(Step::Delete)) deleted.push_back(it.name);
  CHECK(deleted == std::vector<std::string>{"db01"});
}

TEST_CASE("run states: boot, halt, and a failed zone is cleaned before it boots") {
  Host h;
  h.create(json{{"alias", "a"}});
  h.create(json{{"alias", "b"}}, "running");
  h.create(json{{"alias", "c"}}, "failed");
  h.create(json{{"alias", "d"}}, "running");
  auto p = apply::make_plan({doc_of("alias: a\nstate: running\n"), doc_of("alias: b\nstate: stopped\n"),
                             doc_of("alias: c\nstate: running\n"), doc_of("alias: d\n")},
                            h.facts, web_set());
  CHECK(problems_of(p) == "");
  CHECK(p.items[0].steps == std::vector<Step>{Step::Boot});
  CHECK(p.items[1].steps == std::vector<Step>{Step::Halt});
  CHECK(p.items[2].steps == std::vector<Step>{Step::Halt, Step::Boot});
  CHECK(p.items[3].steps.empty());  // no state: the run state stays as it is
}

TEST_CASE("secrets are masked in the text and the JSON plan") {
  Host h;
  std::vector<apply::Document> docs = {doc_of(kWeb)};
  auto p = apply::make_plan(docs, h.facts, web_set());
  CHECK(apply::to_json(p, true).dump().find("hunter2") == std::string::npos);
  h.carry_out(p);
  std::string edited = kWeb;
  edited.replace(edited.find("hunter2"), 7, "s3cret!");
  edited += "  user-script: \"#!/bin/sh\\necho token=abc\"\n";
  docs[0] = doc_of(edited);
  p = apply::make_plan(docs, h.facts, web_set());
  std::string text = apply::render_text(p, false), js = apply::to_json(p, true).dump();
  for (const char* secret : {"hunter2", "s3cret!", "token=abc"}) {
    CHECK(text.find(secret) == std::string::npos);
    CHECK(js.find(secret) == std::string::npos);
  }
  CHECK(text.find("customer_metadata.root_pw: \"(secret)\" -> \"(secret)\" (live)") != std::string::npos);
  CHECK(text.find("customer_metadata.user-script: (none) -> \"(secret)\" (live)") != std::string::npos);
  // The payload itself carries the real value.
  CHECK(p.items[0].payload["customer_metadata"]["root_pw"] == "s3cret!");
}

TEST_CASE("conflicts and host limits are problems before anything runs") {
  Host h;
  h.facts.tags["lan"].range = "10.9.0.10-10.9.0.11";  // two addresses
  h.create(json{{"alias", "taken"}});
  std::vector<apply::Document> docs = {
      doc_of("alias: a\nnics: [{nic_tag: lan}]\n", "a.yaml"),
      doc_of("alias: b\nnics: [{nic_tag: lan}]\n", "b.yaml"),
      doc_of("alias: c\nnics: [{nic_tag: lan}]\n", "c.yaml"),
      doc_of("alias: a\n", "a2.yaml"),
      doc_of("alias: d\nnics: [{nic_tag: wan}]\n", "d.yaml"),
      doc_of("uuid: 6f1c5b22-0c3e-4e0a-9d57-3d0f3a1c2b4e\nalias: taken\n", "e.yaml"),
  };
  auto p = apply::make_plan(docs, h.facts, web_set());
  CHECK(problems_of(p) ==
        "a2.yaml:1:1: alias: zone alias \"a\" is also declared in a.yaml\n"
        "d.yaml:2:9: nics[0].nic_tag: \"wan\" is not a nic tag on this host nor in the set (known: lan)\n"
        "e.yaml:2:1: alias: \"taken\" is used by zone 00000001-1111-4111-8111-111111111111, not by "
        "the manifest's uuid 6f1c5b22-0c3e-4e0a-9d57-3d0f3a1c2b4e\n"
        "c.yaml:2:8: nics[0]: nic tag lan has no free address left in 10.9.0.10-10.9.0.11\n");
  CHECK(p.host_failure);
}

TEST_CASE("nic tags: created, updated field by field, unchanged; images imported once") {
  Host h;
  auto t = doc_of("kind: nictag\nname: lan\nbridge: zkbr0\nsubnet: 10.9.0.0/24\ngateway: 10.9.0.1\nmtu: 9000\n");
  auto i = doc_of("kind: image\nuuid: 934cfbe5-60c6-4a40-a33e-a33e62d33681\nsource: bb.tar\n");
  auto p = apply::make_plan({t, i}, h.facts, web_set());
  CHECK(p.items[0].steps == std::vector<Step>{Step::UpdateTag});
  REQUIRE(p.items[0].changes.size() == 1);
  CHECK(p.items[0].changes[0].key == "mtu");
  CHECK(p.items[1].steps == std::vector<Step>{Step::ImportImage});
  h.facts.tags["lan"].mtu = 9000;
  h.facts.images.insert("934cfbe5-60c6-4a40-a33e-a33e62d33681");
  CHECK_FALSE(apply::make_plan({t, i}, h.facts, web_set()).changes());
  h.facts.tags["lan"].origin = "config";
  h.facts.tags["lan"].mtu = 1500;
  auto c = apply::make_plan({t}, h.facts, web_set());
  REQUIRE(c.problems.size() == 1);
  CHECK(c.problems[0].message == "nic tag lan is defined in the host's zonekit.toml; change it there");
}

TEST_CASE("the JSON plan: format, actions, changes, summary") {
  Host h;
  auto p = apply::make_plan({doc_of(kWeb, "web01.yaml")}, h.facts, web_set());
  json j = apply::to_json(p, true);
  CHECK(j["format"] == 1);
  CHECK(j["set"] == "web");
  CHECK(j["dry_run"] == true);
  CHECK(j["changed"] == true);
  CHECK(j["summary"] == json{{"create", 1}, {"boot", 1}});
  CHECK(j["items"][0]["kind"] == "zone");
  CHECK(j["items"][0]["name"] == "web01");
  CHECK(j["items"][0]["file"] == "web01.yaml");
  CHECK(j["items"][0]["actions"] == json{"create", "boot"});
  CHECK(j["items"][0]["state"] == json{{"from", nullptr}, {"to", "running"}});
  CHECK(j["problems"] == json::array());
  CHECK(apply::render_text(p, true).find("\033[32m+ zone web01: create, boot\033[0m") != std::string::npos);
}
