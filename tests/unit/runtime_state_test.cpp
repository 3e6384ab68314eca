#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "core/runtime/run_dir.hpp"
#include "core/runtime/supervisor_client.hpp"
#include "core/sys/fs.hpp"
#include "core/sys/proc_stat.hpp"

using namespace zonekit;
using namespace zonekit::runtime;

namespace {
std::string make_temp_dir() {
  char tmpl[] = "/tmp/zk-unit-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  return tmpl;
}

ZoneSpec valid_spec(const std::string& dir) {
  ZoneSpec s;
  s.uuid = "u1";
  s.name = "z1";
  s.run_dir = dir;
  s.zone_dir = dir + "/zone";
  s.cgroup_path = "zonekit/u1";
  s.ids.host_base = 100000;
  return s;
}
}  // namespace

TEST_CASE("validate_spec refuses what the runtime must never act on") {
  auto s = valid_spec("/run/x");
  CHECK(validate_spec(s));
  auto bad = s;
  bad.ids.host_base = 0;
  CHECK(validate_spec(bad).error().message() == "zone z1: invalid spec: ids must be a non-root range");
  bad = s;
  bad.cgroup_path = "zonekit/../../x";
  CHECK_FALSE(validate_spec(bad));
  bad = s;
  bad.cgroup_path = "/abs";
  CHECK_FALSE(validate_spec(bad));
  bad = s;
  bad.filesystems.push_back({"/srv", "/var/../../etc"});
  CHECK_FALSE(validate_spec(bad));
  bad = s;
  bad.init_argv = {"sbin/init"};
  CHECK(validate_spec(bad).error().message() == "zone z1: invalid spec: init must be an absolute path");
}

TEST_CASE("the supervisor lock is seen held without being taken") {
  auto dir = make_temp_dir();
  CHECK_FALSE(supervisor_lock_held(dir));
  {
    auto lock = acquire_supervisor_lock(dir);
    REQUIRE(lock);
    // Another open file description conflicts (OFD locks), so a second
    // supervisor in this very process is refused too.
    auto second = acquire_supervisor_lock(dir);
    REQUIRE_FALSE(second);
    CHECK(second.error().kind == ErrorKind::Busy);
    CHECK(second.error().message().find("another zoneadmd supervises this zone") != std::string::npos);
    // Held by another process: query from a child sees it.
    pid_t pid = fork();
    if (pid == 0) _exit(supervisor_lock_held(dir) ? 0 : 1);
    int status;
    waitpid(pid, &status, 0);
    CHECK(WEXITSTATUS(status) == 0);
  }
  CHECK_FALSE(supervisor_lock_held(dir));
  CHECK(fs::remove_tree(dir));
}

TEST_CASE("query: a dead supervisor that recorded 'running' never reads as running") {
  auto dir = make_temp_dir();
  RunState st;
  st.state = "running";
  st.zoneadmd_pid = 999999;  // no such process, lock not held
  st.init_pid = 999998;
  REQUIRE(write_state(dir, st));
  auto q = query(dir);
  REQUIRE(q);
  CHECK_FALSE(q->supervisor_alive);
  CHECK(q->state == "stopped");  // no spec: no cgroup leftovers to report
  CHECK(fs::remove_tree(dir));
}

TEST_CASE("query: a fresh run dir is stopped; failed is kept with its reason") {
  auto dir = make_temp_dir();
  auto q = query(dir);
  REQUIRE(q);
  CHECK(q->state == "stopped");
  RunState st;
  st.state = "failed";
  st.error = "boot failed: mount /proc: Permission denied";
  REQUIRE(write_state(dir, st));
  q = query(dir);
  CHECK(q->state == "failed");
  CHECK(q->run.error == st.error);
  CHECK(fs::remove_tree(dir));
}

TEST_CASE("proc_stat tells a live process by its start time") {
  auto me = sys::proc_stat(getpid());
  REQUIRE(me);
  CHECK(me->ppid == getppid());
  CHECK(sys::process_matches(getpid(), me->start_time));
  CHECK_FALSE(sys::process_matches(getpid(), me->start_time + 1));
  CHECK_FALSE(sys::process_matches(0, 0));
}

TEST_CASE("resolve_run_dir: uuid under ZONEKIT_RUN, nothing else") {
  auto dir = make_temp_dir();
  REQUIRE(fs::mkdir_p(dir + "/zones/u1"));
  REQUIRE(fs::write_file_atomic(dir + "/zones/u1/spec.json", "{}"));
  setenv("ZONEKIT_RUN", dir.c_str(), 1);
  CHECK(*resolve_run_dir("u1") == dir + "/zones/u1");
  CHECK(resolve_run_dir("u2").error().kind == ErrorKind::NotFound);
  CHECK(resolve_run_dir("../zones/u1").error().kind == ErrorKind::NotFound);
  unsetenv("ZONEKIT_RUN");
  CHECK(fs::remove_tree(dir));
}

#include "core/runtime/ctl_protocol.hpp"

TEST_CASE("ctl protocol: versioned commands, exact errors") {
  auto halt = parse_ctl_request("ZONEKIT1 HALT");
  REQUIRE(halt);
  CHECK(halt->command == CtlCommand::Halt);
  auto sd = parse_ctl_request("ZONEKIT1 SHUTDOWN 30");
  REQUIRE(sd);
  CHECK(sd->command == CtlCommand::Shutdown);
  CHECK(sd->grace_seconds == 30);
  CHECK(parse_ctl_request("ZONEKIT1 CONSOLE")->command == CtlCommand::Console);
  CHECK(parse_ctl_request("ZONEKIT1 STATUS")->command == CtlCommand::Status);
  CHECK(parse_ctl_request("ZONEKIT1 REBOOT")->command == CtlCommand::Reboot);
  CHECK(parse_ctl_request("HALT").error().message() == "unsupported protocol (want ZONEKIT1 ...)");
  CHECK(parse_ctl_request("ZONEKIT2 HALT").error().message() == "unsupported protocol (want ZONEKIT1 ...)");
  CHECK(parse_ctl_request("ZONEKIT1 SHUTDOWN").error().message() == "bad grace seconds ''");
  CHECK(parse_ctl_request("ZONEKIT1 SHUTDOWN -1").error().message() == "bad grace seconds '-1'");
  CHECK(parse_ctl_request("ZONEKIT1 SHUTDOWN 5x").error().message() == "bad grace seconds '5x'");
  CHECK(parse_ctl_request("ZONEKIT1 SHUTDOWN 86401").error().message() == "bad grace seconds '86401'");
  CHECK(parse_ctl_request("ZONEKIT1 HALT now").error().message() == "HALT takes no argument");
  CHECK(parse_ctl_request("ZONEKIT1 halt").error().message() == "unknown command 'halt'");
}
