#include <doctest/doctest.h>

#include "core/ops/recover.hpp"
#include "core/sys/fault.hpp"

using namespace zonekit;
using namespace zonekit::ops::recover;

namespace {

const std::string kWeb = "0123abcd-ef01-4234-8567-89abcdef0123";   // key 0123abcdef
const std::string kDb = "fedcba98-7654-4321-8fed-cba987654321";    // key fedcba9876
const std::string kGone = "11111111-2222-4333-8444-555555555555";  // key 1111111122

std::vector<std::string> texts(const std::vector<Action>& actions) {
  std::vector<std::string> out;
  for (const auto& a : actions) out.push_back(a.text);
  return out;
}

}  // namespace

TEST_CASE("recover: hex10 is the key veth and table names carry") {
  CHECK(hex10(kWeb) == "0123abcdef");
  CHECK(hex10(kGone) == "1111111122");
  CHECK(hex10("abc") == "abc");
}

TEST_CASE("recover: nothing on the host and a stopped zone: empty plan") {
  Facts f;
  f.cgroup_parent = "zonekit";
  f.zones = {{kWeb, "web", false, false, false, "stopped"}};
  f.run_dirs = {kWeb};  // a stopped zone keeps its last state (exit status, error)
  CHECK(plan(f).empty());
}

TEST_CASE("recover: a running zone is kept with everything it owns") {
  Facts f;
  f.cgroup_parent = "zonekit";
  f.zones = {{kWeb, "web", false, false, true, "running"}};
  f.links = {"zk0123abcdefn0", "zk0123abcdefn1"};
  f.tables = {"zk_0123abcdef"};
  f.cgroups = {kWeb};
  f.run_dirs = {kWeb};
  auto p = plan(f);
  REQUIRE(p.size() == 1);
  CHECK(p[0].kind == Kind::Keep);
  CHECK(p[0].text == "keep zone web (running, supervisor alive)");
}

TEST_CASE("recover: a zone running without its zoneadmd is adopted and keeps everything it owns") {
  Facts f;
  f.cgroup_parent = "zonekit";
  f.zones = {{kWeb, "web", false, false, false, "running", false, true}};
  f.links = {"zk0123abcdefn0"};
  f.tables = {"zk_0123abcdef"};
  f.cgroups = {kWeb};
  f.run_dirs = {kWeb};
  auto p = plan(f);
  REQUIRE(p.size() == 1);
  CHECK(p[0].kind == Kind::Adopt);
  CHECK(p[0].uuid == kWeb);
  CHECK(p[0].text == "adopt zone web (running, supervisor dead): start a new zoneadmd");
}

TEST_CASE("recover: debris of a dead supervisor and of a vanished zone, in order") {
  Facts f;
  f.cgroup_parent = "zk-test";
  f.zones = {{kWeb, "web", false, false, false, "running"},
             {kDb, "db", false, false, true, "running"}};
  f.links = {"zk0123abcdefn0", "zk1111111122n0", "zkfedcba9876n0", "zkshort", "eth0"};
  f.tables = {"zk_0123abcdef", "zk_1111111122", "zk_fedcba9876", "zk_bogus"};
  f.cgroups = {kDb, kGone, kWeb, "not-a-uuid"};
  f.run_dirs = {kDb, kGone, kWeb, "junk"};
  f.staging = {".del-" + kGone, ".new-" + kGone, ".new-evil"};
  auto p = plan(f);
  CHECK(texts(p) == std::vector<std::string>{
                        "keep zone db (running, supervisor alive)",
                        "kill and remove cgroup zk-test/" + kGone + " (no zone)",
                        "kill and remove cgroup zk-test/" + kWeb + " (zone web is not running)",
                        "delete veth zk0123abcdefn0 (zone web is not running)",
                        "delete veth zk1111111122n0 (no zone)",
                        "delete nft table zk_0123abcdef (zone web is not running)",
                        "delete nft table zk_1111111122 (no zone)",
                        "mark zone web stopped (was running, supervisor dead)",
                        "remove run directory " + kGone + " (no zone)",
                        "finish interrupted delete .del-" + kGone,
                        "remove interrupted create .new-" + kGone,
                    });
  // Objects tied to a store zone carry its uuid so apply can lock it.
  CHECK(p[2].uuid == kWeb);
  CHECK(p[1].uuid.empty());
  CHECK(p[3].object == "zk0123abcdefn0");
}

TEST_CASE("recover: an interrupted delete is finished; a live one is not touched") {
  Facts f;
  f.cgroup_parent = "zonekit";
  f.zones = {{kWeb, "web", false, true, false, ""}, {kDb, "db", false, true, true, "running"}};
  auto p = plan(f);
  CHECK(texts(p) == std::vector<std::string>{"keep zone db (running, supervisor alive)",
                                             "finish interrupted delete of zone web"});
  CHECK(p[1].kind == Kind::FinishDelete);
}

TEST_CASE("recover: a corrupt zone's own debris is cleaned, the zone itself kept") {
  Facts f;
  f.cgroup_parent = "zonekit";
  f.zones = {{kWeb, kWeb, true, false, false, ""}};
  f.links = {"zk0123abcdefn0"};
  f.run_dirs = {kWeb};
  CHECK(texts(plan(f)) == std::vector<std::string>{"delete veth zk0123abcdefn0 (zone " + kWeb + " is not running)"});
}

TEST_CASE("recover: an unreadable state.json of a stopped zone is reset") {
  Facts f;
  f.cgroup_parent = "zonekit";
  ZoneFact z{kWeb, "web", false, false, false, ""};
  z.run_state_unreadable = true;
  f.zones = {z};
  f.run_dirs = {kWeb};
  auto p = plan(f);
  CHECK(texts(p) == std::vector<std::string>{"reset run state of zone web (state.json unreadable)"});
  CHECK(p[0].kind == Kind::ResetRunState);
  f.zones[0].supervisor_alive = true;  // a live supervisor owns it: kept
  CHECK(texts(plan(f)) == std::vector<std::string>{"keep zone web (ready, supervisor alive)"});
}

TEST_CASE("recover: a supervisor starting up (ready) is kept") {
  Facts f;
  f.cgroup_parent = "zonekit";
  f.zones = {{kWeb, "web", false, false, true, "ready"}};
  f.cgroups = {kWeb};
  CHECK(texts(plan(f)) == std::vector<std::string>{"keep zone web (ready, supervisor alive)"});
}

TEST_CASE("fault: no ZONEKIT_FAULT, or another name: point returns") {
  unsetenv("ZONEKIT_FAULT");
  fault::point("create.after_intent");
  CHECK(fault::env_entry() == nullptr);
  setenv("ZONEKIT_FAULT", "delete.after_mark", 1);
  fault::point("create.after_intent");
  fault::point("delete.after_mar");
  REQUIRE(fault::env_entry() != nullptr);
  CHECK(std::string(fault::env_entry()) == "ZONEKIT_FAULT=delete.after_mark");
  unsetenv("ZONEKIT_FAULT");
}

// Regressions for records a crash or a hostile hand can leave: each is
// "corrupt" (an error naming zone.json), never an exception.
#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>

#include "core/sys/fs.hpp"

TEST_CASE("store: zone.json with wrong types is a corrupt record") {
  char tmpl[] = "/tmp/zk-recover-test-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  store::Paths p;
  p.root = std::string(tmpl) + "/root";
  p.run = std::string(tmpl) + "/run";
  p.config = std::string(tmpl) + "/none.toml";
  REQUIRE(fs::mkdir_p(p.zone_dir(kWeb), 0700));
  auto st = store::Store::open(p);
  REQUIRE(st);
  for (const char* text : {R"({"uuid": 7})", R"({"uuid": ["x"], "alias": 5})",
                           R"({"uuid": "0123abcd-ef01-4234-8567-89abcdef0123", "alias": 5, "autoboot": "yes"})",
                           R"({"uuid": "0123abcd-ef01-4234-8567-89abcdef0123", "nics": "eth0"})", "[]", ""}) {
    CAPTURE(text);
    std::ofstream(p.zone_file(kWeb)) << text;
    auto recs = st->list();
    REQUIRE(recs);
    REQUIRE(recs->size() == 1);
    CHECK_FALSE((*recs)[0].error.empty());
    CHECK((*recs)[0].error.find("zone.json") != std::string::npos);
    CHECK_FALSE(st->load(kWeb));
  }
  (void)fs::remove_tree(tmpl);
}
