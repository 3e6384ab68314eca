#include "core/runtime/cgroup_systemd.hpp"

#include <unistd.h>

#include <cstdint>

#include "core/runtime/cgroup_driver_util.hpp"
#include "core/runtime/cgroup_fs.hpp"
#include "core/sys/fs.hpp"

namespace zonekit::cgroup::systemd {

using dbus::Value;

namespace {

constexpr int kJobTimeoutMs = 30000;
constexpr const char* kProperties = "org.freedesktop.DBus.Properties";

Value prop(const std::string& name, Value v) { return Value::tuple({Value::str(name), Value::variant(std::move(v))}); }

// A D-Bus error of call on unit: "StartTransientUnit zonekit-<uuid>.scope:
// org.freedesktop.systemd1.UnitExists: ...".
Error on(Error e, const std::string& member, const std::string& unit) {
  e.op = member;
  e.object = unit;
  return e;
}

std::string parent_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

}  // namespace

std::string unit_name(const std::string& uuid) { return "zonekit-" + uuid + ".scope"; }

std::string node_path(const std::string& uuid) {
  return std::string(kSlice) + "/" + unit_name(uuid) + "/" + kNode;
}

Result<ScopePlan> plan_scope(const ZoneSpec& spec, pid_t supervisor) {
  ScopePlan p;
  p.unit = unit_name(spec.uuid);
  p.slice = kSlice;
  p.scope_path = p.slice + "/" + p.unit;
  p.node_path = p.scope_path + "/" + kNode;
  if (spec.cgroup_unit != p.unit || spec.cgroup_path != p.node_path)
    return fail("zone " + spec.name + ": cgroup unit '" + spec.cgroup_unit + "' and path '" + spec.cgroup_path +
                    "' are not " + p.unit + " and " + p.node_path,
                ErrorKind::Invalid);
  if (supervisor <= 0) return fail("zone " + spec.name + ": no supervisor pid for " + p.unit, ErrorKind::Invalid);
  p.properties = {
      {"Description", Value::str("zonekit zone " + spec.name)},
      {"Slice", Value::str(p.slice)},
      // The scope's subtree is ours: its cgroup.procs and
      // cgroup.subtree_control, and everything below.
      {"Delegate", Value::boolean(true)},
      // Gone when it ends, failed or not: no unit is left to reset.
      {"CollectMode", Value::str("inactive-or-failed")},
      // The zone's pids limit is its payload's pids.max (max_lwps), not
      // systemd's DefaultTasksMax on the scope.
      {"TasksMax", Value::u64(UINT64_MAX)},
      // zoneadmd: it then moves itself into the supervisor leaf. No AddRef:
      // the scope must not outlive its processes for our connection's sake
      // (zoneadmd does not keep one open), and it has a process from its
      // first moment. KillMode stays control-group: stopping the scope
      // (cleanup, the host's shutdown) kills the whole zone.
      {"PIDs", Value::array("u", {Value::u32(static_cast<uint32_t>(supervisor))})},
  };
  return p;
}

dbus::Call start_transient_unit(const ScopePlan& plan) {
  std::vector<Value> props;
  for (const auto& [name, v] : plan.properties) props.push_back(prop(name, v));
  dbus::Call c;
  c.member = "StartTransientUnit";
  c.args = {Value::str(plan.unit), Value::str("fail"), Value::array("(sv)", std::move(props)),
            Value::array("(sa(sv))", {})};
  return c;
}

dbus::Call stop_unit(const std::string& unit) {
  dbus::Call c;
  c.member = "StopUnit";
  c.args = {Value::str(unit), Value::str("replace")};
  return c;
}

dbus::Call reset_failed_unit(const std::string& unit) {
  dbus::Call c;
  c.member = "ResetFailedUnit";
  c.args = {Value::str(unit)};
  return c;
}

dbus::Call get_unit(const std::string& unit) {
  dbus::Call c;
  c.member = "GetUnit";
  c.args = {Value::str(unit)};
  return c;
}

dbus::Call get_property(const std::string& object, const std::string& interface, const std::string& property) {
  dbus::Call c;
  c.path = object;
  c.interface = kProperties;
  c.member = "Get";
  c.args = {Value::str(interface), Value::str(property)};
  return c;
}

namespace {

// The first value of a reply, of type t (a variant's content for 'v').
Result<std::string> first_text(const std::vector<Value>& reply, char t, const std::string& what) {
  if (!reply.empty()) {
    const Value* v = &reply[0];
    if (v->type == 'v' && !v->items.empty()) v = &v->items[0];
    if (v->type == t) return v->text;
  }
  return fail("systemd: unexpected reply to " + what);
}

}  // namespace

Result<std::string> Scopes::start_once(const ScopePlan& plan) {
  auto reply = bus_->call(start_transient_unit(plan));
  if (!reply) return std::unexpected(on(std::move(reply.error()), "StartTransientUnit", plan.unit));
  return first_text(*reply, 'o', "StartTransientUnit " + plan.unit);
}

Result<void> Scopes::start(const ScopePlan& plan) {
  auto job = start_once(plan);
  if (!job && dbus::is_bus_error(job.error(), "org.freedesktop.systemd1.UnitExists")) {
    // The scope of an earlier boot, not yet collected (its zoneadmd just
    // exited) or kept by a leftover process: stopped like any leftover.
    ZK_TRYV(stop(plan.unit));
    job = start_once(plan);
  }
  if (!job) return std::unexpected(std::move(job.error()));
  auto result = ZK_TRYC(bus_->wait_job(*job, kJobTimeoutMs), "start " + plan.unit);
  if (result != "done") return fail("systemd: start " + plan.unit + ": job " + result);
  auto cg = ZK_TRY(control_group(plan.unit));
  if (cg != "/" + plan.scope_path)
    return fail("systemd: " + plan.unit + " is at " + cg + ", not /" + plan.scope_path +
                " (is systemd's cgroup root not /sys/fs/cgroup?)");
  return {};
}

Result<void> Scopes::stop(const std::string& unit) {
  auto reply = bus_->call(stop_unit(unit));
  if (!reply) {
    if (dbus::is_bus_error(reply.error(), "org.freedesktop.systemd1.NoSuchUnit")) return {};
    return std::unexpected(on(std::move(reply.error()), "StopUnit", unit));
  }
  auto job = ZK_TRY(first_text(*reply, 'o', "StopUnit " + unit));
  auto result = ZK_TRYC(bus_->wait_job(job, kJobTimeoutMs), "stop " + unit);
  if (result != "done") return fail("systemd: stop " + unit + ": job " + result);
  auto reset = bus_->call(reset_failed_unit(unit));
  if (!reset && !dbus::is_bus_error(reset.error(), "org.freedesktop.systemd1.NoSuchUnit"))
    return std::unexpected(on(std::move(reset.error()), "ResetFailedUnit", unit));
  return {};
}

Result<std::string> Scopes::control_group(const std::string& unit) {
  auto reply = bus_->call(get_unit(unit));
  if (!reply) return std::unexpected(on(std::move(reply.error()), "GetUnit", unit));
  auto object = ZK_TRY(first_text(*reply, 'o', "GetUnit " + unit));
  auto cg = bus_->call(get_property(object, "org.freedesktop.systemd1.Scope", "ControlGroup"));
  if (!cg) return std::unexpected(on(std::move(cg.error()), "Get ControlGroup", unit));
  return first_text(*cg, 's', "Get ControlGroup " + unit);
}

Result<bool> use_systemd(const std::string& setting, bool booted, bool unified) {
  if (setting == "cgroupfs") return false;
  if (setting == "auto") return booted && unified;
  if (setting != "systemd")
    return fail("cgroup manager '" + setting + "': must be auto, systemd or cgroupfs", ErrorKind::Invalid);
  if (!booted) return fail("cgroup manager systemd: systemd is not pid 1 here (no /run/systemd/system)");
  if (!unified)
    return fail("cgroup manager systemd: /sys/fs/cgroup is not a pure cgroup2 hierarchy (use cgroupfs on v1 or "
                "hybrid hosts)");
  return true;
}

Result<bool> use_systemd_here(const std::string& setting, const std::string& cgroup_root) {
  return use_systemd(setting, fs::exists("/run/systemd/system"),
                     detail::file_exists(cgroup_root, "", "cgroup.controllers"));
}

namespace {

class ScopeDriver final : public Driver {
 public:
  ScopeDriver(const ZoneSpec& spec, std::string root, BusFactory connect)
      : spec_(spec),
        root_(std::move(root)),
        scope_(parent_of(spec.cgroup_path)),
        connect_(connect ? std::move(connect) : BusFactory(dbus::connect_system)),
        v2_(make_v2(root_, scope_)) {}

  std::string name() const override { return "v2"; }

  Result<void> create(const std::string& path) override {
    ZK_TRYV(check(path));
    const pid_t self = getpid();
    if (!inside(self)) {
      // A reboot finds zoneadmd in the scope already; else it starts one.
      auto plan = ZK_TRYC(plan_scope(spec_, self), "cgroup " + path);
      auto* bus = ZK_TRYC(this->bus(), "cgroup " + path);
      ZK_TRYVC(Scopes(*bus).start(plan), "cgroup " + path);
    }
    // systemd put us in the scope's own cgroup: out of it, into the
    // supervisor leaf, before the scope enables controllers for its
    // children (no process in an inner node).
    ZK_TRYVC(detail::make_dirs(detail::join(root_, scope_), std::string(kNode) + "/" + kSupervisor),
             "cgroup " + path);
    if (directly_in_scope(self)) ZK_TRYV(v2_->attach_supervisor(path, self));
    return v2_->create(path);
  }

  Result<void> apply(const std::string& path, const CgroupLimits& l) override {
    ZK_TRYV(check(path));
    return v2_->apply(path, l);
  }
  Result<void> attach(const std::string& path, pid_t pid) override {
    ZK_TRYV(check(path));
    return v2_->attach(path, pid);
  }
  Result<void> attach_supervisor(const std::string& path, pid_t pid) override {
    ZK_TRYV(check(path));
    return v2_->attach_supervisor(path, pid);
  }
  Result<std::vector<pid_t>> pids(const std::string& path) override {
    ZK_TRYV(check(path));
    return v2_->pids(path);
  }
  Result<void> kill_all(const std::string& path) override {
    ZK_TRYV(check(path));
    return v2_->kill_all(path);
  }

  Result<void> kill_everything(const std::string& path) override {
    ZK_TRYV(check(path));
    if (inside(getpid())) return fail("cgroup " + path + ": kill everything: the caller is inside", ErrorKind::Busy);
    return v2_->kill_everything(path);
  }

  // Outside the scope (cleanup of a dead zoneadmd, recover, after a halt):
  // systemd stops it, killing what is left, and removes its cgroup.
  // zoneadmd inside it only removes the payload leaf; the scope ends with
  // zoneadmd (retire()).
  Result<void> destroy(const std::string& path) override {
    ZK_TRYV(check(path));
    if (inside(getpid())) return v2_->destroy(detail::leaf(path, kPayload));
    auto* bus = ZK_TRYC(this->bus(), "cgroup " + path + ": destroy");
    ZK_TRYVC(Scopes(*bus).stop(spec_.cgroup_unit), "cgroup " + path + ": destroy");
    // The job is done when systemd has removed the cgroup; a moment's
    // grace for a scope that was being collected as we asked.
    if (!detail::wait_for([&] { return !detail::dir_exists(root_, scope_); }, 2000))
      return fail("cgroup " + path + ": destroy: " + spec_.cgroup_unit + " stopped, but " +
                  detail::join(root_, scope_) + " is still there");
    return {};
  }

  // zoneadmd's last word: the zone is dead (kill_all). Its helpers in the
  // supervisor leaf go too; zoneadmd stays (moving it into another unit's
  // cgroup is not ours to do) and the scope, empty at its exit, is
  // stopped and collected by systemd.
  Result<void> retire(const std::vector<std::string>&, const std::string& path, pid_t self) override {
    ZK_TRYV(check(path));
    auto left = ZK_TRY(v2_->pids(path));
    std::erase(left, self);
    detail::kill_members(left, path);
    return v2_->destroy(detail::leaf(path, kPayload));
  }

  bool exists(const std::string& path) override { return check(path) && detail::dir_exists(root_, scope_); }
  Result<Stats> stats(const std::string& path) override {
    ZK_TRYV(check(path));
    return v2_->stats(path);
  }
  std::vector<std::string> dirs(const std::string& path) override { return v2_->dirs(path); }
  std::string own_procs_file() override { return v2_->own_procs_file(); }
  std::vector<std::string> procs_files_of(const std::string& proc_cgroup) override {
    return v2_->procs_files_of(proc_cgroup);
  }

 private:
  Result<void> check(const std::string& path) const {
    if (path != spec_.cgroup_path || scope_.empty())
      return fail("cgroup " + path + ": not the node of " + spec_.cgroup_unit, ErrorKind::Invalid);
    return {};
  }

  std::optional<std::string> own_cgroup(pid_t pid) const {
    auto text = fs::read_file("/proc/" + std::to_string(pid) + "/cgroup", 1 << 16);
    return text ? detail::cgroup_of(*text, "") : std::nullopt;
  }
  bool inside(pid_t pid) const {
    auto cg = own_cgroup(pid);
    const std::string s = "/" + scope_;
    return cg && (*cg == s || cg->starts_with(s + "/"));
  }
  bool directly_in_scope(pid_t pid) const {
    auto cg = own_cgroup(pid);
    return cg && *cg == "/" + scope_;
  }

  Result<dbus::Bus*> bus() {
    if (!bus_) bus_ = ZK_TRY(connect_());
    return bus_.get();
  }

  ZoneSpec spec_;
  std::string root_;
  std::string scope_;  // "machine.slice/zonekit-<uuid>.scope"
  BusFactory connect_;
  std::unique_ptr<Driver> v2_;
  std::unique_ptr<dbus::Bus> bus_;
};

}  // namespace

std::unique_ptr<Driver> make_driver(const ZoneSpec& spec, const std::string& root, BusFactory connect) {
  return std::make_unique<ScopeDriver>(spec, root, std::move(connect));
}

}  // namespace zonekit::cgroup::systemd
