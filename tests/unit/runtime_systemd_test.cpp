// The systemd cgroup manager without a systemd: the zone's placement plan,
// and the D-Bus conversation zonekit holds with systemd about a zone's
// scope, against a recording bus. The conversations are pinned as golden
// text (tests/unit/golden/systemd_scope.txt): every method, its signature
// and its arguments, as core/runtime/dbus_sdbus.cpp marshals them, with the
// replies the fake plays (systemd 252's, as documented in
// org.freedesktop.systemd1(5)). Set ZK_UPDATE_GOLDEN=1 to rewrite the file
// after a deliberate change, and read the diff.
#include <doctest/doctest.h>

#include <cstdlib>
#include <deque>
#include <fstream>
#include <map>
#include <sstream>

#include "core/ops/recover.hpp"
#include "core/plan/zone_plan.hpp"
#include "core/runtime/cgroup_systemd.hpp"
#include "core/runtime/run_dir.hpp"
#include "core/store/config.hpp"

using namespace zonekit;
using namespace zonekit::cgroup::systemd;
using dbus::Value;

namespace {

const std::string kUuid = "1b2e4f8a-0c3d-4e5f-8a9b-0c1d2e3f4a5b";
const std::string kUnit = "zonekit-1b2e4f8a-0c3d-4e5f-8a9b-0c1d2e3f4a5b.scope";
const std::string kUnitObject = "/org/freedesktop/systemd1/unit/zonekit_2d1b2e4f8a_2d0c3d_2d4e5f_2d8a9b_2d0c1d2e3f4a5b_2escope";

ZoneSpec scoped_spec() {
  ZoneSpec s;
  s.uuid = kUuid;
  s.name = "web01";
  s.cgroup_unit = unit_name(kUuid);
  s.cgroup_path = node_path(kUuid);
  return s;
}

// A bus that records what is said and plays scripted replies.
struct FakeBus final : dbus::Bus {
  std::string log;
  std::deque<Result<std::vector<Value>>> replies;
  std::map<std::string, std::string> jobs;  // job -> JobRemoved result

  Result<std::vector<Value>> call(const dbus::Call& c) override {
    log += dbus::render(c);
    if (replies.empty()) {
      log += "< (no reply scripted)\n";
      return fail("no reply scripted");
    }
    auto r = std::move(replies.front());
    replies.pop_front();
    if (!r) {
      log += "< error " + r.error().detail + "\n";
    } else {
      std::string vals;
      for (const auto& v : *r) vals += (vals.empty() ? "" : ", ") + dbus::render(v);
      log += "< (" + dbus::signature(*r) + ")" + (vals.empty() ? "" : " " + vals) + "\n";
    }
    return r;
  }

  Result<std::string> wait_job(const std::string& job, int) override {
    auto it = jobs.find(job);
    if (it == jobs.end()) return fail("no JobRemoved for " + job);
    log += "~ JobRemoved " + job + " " + it->second + "\n";
    return it->second;
  }

  void reply(std::vector<Value> v) { replies.push_back(std::move(v)); }
  void error(const std::string& name, const std::string& msg) {
    replies.push_back(std::unexpected(dbus::bus_error(name, msg)));
  }
};

std::string job(int n) { return "/org/freedesktop/systemd1/job/" + std::to_string(n); }

std::string result_line(const Result<void>& r) { return r ? "= ok\n" : "= error: " + r.error().message() + "\n"; }

// Every scenario's conversation, in the order of the golden file.
std::string conversations() {
  std::string out;
  const ScopePlan plan = *plan_scope(scoped_spec(), 4242);
  {
    out += "## boot: zoneadmd 4242 asks for its zone's scope\n";
    FakeBus bus;
    bus.reply({Value::object_path(job(7))});
    bus.jobs[job(7)] = "done";
    bus.reply({Value::object_path(kUnitObject)});
    bus.reply({Value::variant(Value::str("/machine.slice/" + kUnit))});
    auto r = Scopes(bus).start(plan);
    out += bus.log + result_line(r) + "\n";
  }
  {
    out += "## boot right after a halt: the last boot's scope is still being collected\n";
    FakeBus bus;
    bus.error("org.freedesktop.systemd1.UnitExists", "Unit " + kUnit + " already exists.");
    bus.reply({Value::object_path(job(8))});
    bus.jobs[job(8)] = "done";
    bus.error("org.freedesktop.systemd1.NoSuchUnit", "Unit " + kUnit + " not loaded.");
    bus.reply({Value::object_path(job(9))});
    bus.jobs[job(9)] = "done";
    bus.reply({Value::object_path(kUnitObject)});
    bus.reply({Value::variant(Value::str("/machine.slice/" + kUnit))});
    auto r = Scopes(bus).start(plan);
    out += bus.log + result_line(r) + "\n";
  }
  {
    out += "## boot where systemd's cgroup root is elsewhere (systemd in a container): refused\n";
    FakeBus bus;
    bus.reply({Value::object_path(job(10))});
    bus.jobs[job(10)] = "done";
    bus.reply({Value::object_path(kUnitObject)});
    bus.reply({Value::variant(Value::str("/payload/machine.slice/" + kUnit))});
    auto r = Scopes(bus).start(plan);
    out += bus.log + result_line(r) + "\n";
  }
  {
    out += "## boot refused by D-Bus policy: the error names the unit and the D-Bus error\n";
    FakeBus bus;
    bus.error("org.freedesktop.DBus.Error.AccessDenied", "Access denied");
    auto r = Scopes(bus).start(plan);
    out += bus.log + result_line(r) + "\n";
  }
  {
    out += "## the scope's job fails\n";
    FakeBus bus;
    bus.reply({Value::object_path(job(11))});
    bus.jobs[job(11)] = "failed";
    auto r = Scopes(bus).start(plan);
    out += bus.log + result_line(r) + "\n";
  }
  {
    out += "## cleanup of a zone whose zoneadmd died: systemd stops the scope\n";
    FakeBus bus;
    bus.reply({Value::object_path(job(12))});
    bus.jobs[job(12)] = "done";
    bus.reply({});
    auto r = Scopes(bus).stop(kUnit);
    out += bus.log + result_line(r) + "\n";
  }
  {
    out += "## cleanup after a halt: systemd has collected the scope already\n";
    FakeBus bus;
    bus.error("org.freedesktop.systemd1.NoSuchUnit", "Unit " + kUnit + " not loaded.");
    auto r = Scopes(bus).stop(kUnit);
    out += bus.log + result_line(r);
  }
  return out;
}

}  // namespace

TEST_CASE("systemd: the placement plan of a zone's scope") {
  auto plan = plan_scope(scoped_spec(), 4242);
  REQUIRE(plan);
  CHECK(plan->unit == kUnit);
  CHECK(plan->slice == "machine.slice");
  CHECK(plan->scope_path == "machine.slice/" + kUnit);
  CHECK(plan->node_path == "machine.slice/" + kUnit + "/zone");
  std::string props;
  for (const auto& [name, v] : plan->properties) props += name + "=" + dbus::render(v) + "\n";
  CHECK(props ==
        "Description=\"zonekit zone web01\"\n"
        "Slice=\"machine.slice\"\n"
        "Delegate=true\n"
        "CollectMode=\"inactive-or-failed\"\n"
        "TasksMax=uint64 18446744073709551615\n"
        "PIDs=[uint32 4242]\n");

  ZoneSpec wrong = scoped_spec();
  wrong.cgroup_path = "zonekit/" + kUuid;
  auto bad = plan_scope(wrong, 4242);
  REQUIRE(!bad);
  CHECK(bad.error().message().find("are not " + kUnit) != std::string::npos);
  CHECK(!plan_scope(scoped_spec(), 0));
}

TEST_CASE("systemd: plan_zone puts a zone in its scope when the host uses systemd") {
  nlohmann::json doc = {{"uuid", kUuid}, {"alias", "web01"}, {"uid_base", 0x70010000}};
  HostFacts facts;
  facts.zone_dir = "/z/" + kUuid;
  facts.run_dir = "/r/" + kUuid;
  auto fs = plan_zone(doc, facts);
  REQUIRE(fs);
  CHECK(fs->cgroup_path == "zonekit/" + kUuid);
  CHECK(fs->cgroup_unit.empty());
  facts.systemd_scope = true;
  auto sd = plan_zone(doc, facts);
  REQUIRE(sd);
  CHECK(sd->cgroup_unit == kUnit);
  CHECK(sd->cgroup_path == "machine.slice/" + kUnit + "/zone");
  CHECK(runtime::validate_spec(*sd));
  CHECK(plan_scope(*sd, 1));
  ZoneSpec forged = *sd;
  forged.cgroup_unit = "ssh.service";
  CHECK(!runtime::validate_spec(forged));
}

TEST_CASE("systemd: which manager a host gets") {
  CHECK(*use_systemd("auto", true, true) == true);
  CHECK(*use_systemd("auto", true, false) == false);  // hybrid: cgroupfs as before
  CHECK(*use_systemd("auto", false, true) == false);  // no systemd (this kind of host, a container)
  CHECK(*use_systemd("cgroupfs", true, true) == false);
  CHECK(*use_systemd("systemd", true, true) == true);
  auto no_sd = use_systemd("systemd", false, true);
  REQUIRE(!no_sd);
  CHECK(no_sd.error().message() == "cgroup manager systemd: systemd is not pid 1 here (no /run/systemd/system)");
  auto hybrid = use_systemd("systemd", true, false);
  REQUIRE(!hybrid);
  CHECK(hybrid.error().message().find("not a pure cgroup2 hierarchy") != std::string::npos);
  CHECK(!use_systemd("openrc", true, true));
}

TEST_CASE("systemd: zonekit.toml [cgroup] manager") {
  auto c = store::parse_config("[cgroup]\nmanager = \"cgroupfs\"\n", "zonekit.toml");
  REQUIRE(c);
  CHECK(c->cgroup_manager == "cgroupfs");
  CHECK(store::parse_config("", "zonekit.toml")->cgroup_manager == "auto");
  auto bad = store::parse_config("[cgroup]\nmanager = \"sd\"\n", "zonekit.toml");
  REQUIRE(!bad);
  CHECK(bad.error().message() == "zonekit.toml: cgroup.manager: \"sd\" is not auto, systemd or cgroupfs");
}

TEST_CASE("systemd: D-Bus values render with their signatures") {
  auto v = Value::array("(sv)", {Value::tuple({Value::str("a\"b"), Value::variant(Value::boolean(false))})});
  CHECK(dbus::signature(v) == "a(sv)");
  CHECK(dbus::render(v) == "[(\"a\\\"b\", <false>)]");
  CHECK(dbus::render(Value::array("(sa(sv))", {})) == "@a(sa(sv)) []");
  CHECK(dbus::signature(start_transient_unit(*plan_scope(scoped_spec(), 1)).args) == "ssa(sv)a(sa(sv))");
  auto e = dbus::bus_error("org.freedesktop.systemd1.NoSuchUnit", "Unit x not loaded.");
  CHECK(e.kind == ErrorKind::NotFound);
  CHECK(dbus::is_bus_error(e, "org.freedesktop.systemd1.NoSuchUnit"));
  CHECK(!dbus::is_bus_error(e, "org.freedesktop.systemd1.NoSuch"));
}

TEST_CASE("systemd: the recorded D-Bus conversations (golden)") {
  const std::string path = std::string(ZONEKIT_SOURCE_DIR) + "/tests/unit/golden/systemd_scope.txt";
  const std::string got = conversations();
  if (const char* u = std::getenv("ZK_UPDATE_GOLDEN"); u && *u == '1') {
    std::ofstream(path) << got;
  }
  std::ifstream in(path);
  REQUIRE(in.good());
  std::stringstream want;
  want << in.rdbuf();
  CHECK(got == want.str());
}

TEST_CASE("recover: a scope whose zone is not running is stopped; a live zone's is kept") {
  using namespace zonekit::ops::recover;
  const std::string other = "11111111-2222-4333-8444-555555555555";
  Facts f;
  f.cgroup_parent = "zonekit";
  f.zones = {{kUuid, "web01", false, false, true, "running"}};
  f.scopes = {kUnit, "zonekit-" + other + ".scope", "zonekit-nope.scope"};
  auto p = plan(f);
  REQUIRE(p.size() == 2);
  CHECK(p[0].kind == Kind::Keep);
  CHECK(p[1].kind == Kind::StopScope);
  CHECK(p[1].object == "zonekit-" + other + ".scope");
  CHECK(p[1].text == "stop unit zonekit-" + other + ".scope (no zone)");
}
