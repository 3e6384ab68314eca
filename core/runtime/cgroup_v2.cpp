// cgroup v2 driver: one unified hierarchy under root.
#include <algorithm>
#include <sstream>

#include "core/runtime/cgroup.hpp"
#include "core/runtime/cgroup_devices.hpp"
#include "core/runtime/cgroup_driver_util.hpp"
#include "core/runtime/cgroup_fs.hpp"
#include "core/sys/fs.hpp"

namespace zonekit::cgroup {
namespace {

using namespace detail;

// Controllers a zone uses, in the order they are enabled. memory and pids
// are required: without them a zone could exhaust the host.
constexpr const char* kWanted[] = {"cpu", "io", "memory", "pids"};
constexpr const char* kRequired[] = {"memory", "pids"};
constexpr int kKillTimeoutMs = 10000;
constexpr int kFreezeTimeoutMs = 2000;

std::vector<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

class V2Driver final : public Driver {
 public:
  V2Driver(std::string root, std::string owned) : root_(std::move(root)), owned_(std::move(owned)) {}

  std::string name() const override { return "v2"; }

  Result<void> create(const std::string& path) override {
    auto parts = ZK_TRY(split_path(path));
    if (parts.empty()) return fail("cgroup v2: refusing to use the root cgroup", ErrorKind::Invalid);
    // Only below owned_ (systemd's scope) do we mkdir and enable
    // controllers: the levels above are not ours.
    auto base = ZK_TRY(split_path(owned_));
    if (base.size() >= parts.size() || !std::equal(base.begin(), base.end(), parts.begin()))
      return fail("cgroup v2: " + path + " is not below " + owned_, ErrorKind::Invalid);
    if (!owned_.empty() && !dir_exists(root_, owned_))
      return fail("cgroup v2: " + join(root_, owned_) + " does not exist", ErrorKind::NotFound);
    std::vector<std::string> created;
    {
      std::string tail;
      for (size_t i = base.size(); i < parts.size(); ++i) tail = join_rel(tail, parts[i]);
      auto made = ZK_TRYC(make_dirs(join(root_, owned_), tail), "cgroup " + path);
      for (auto& m : made) created.push_back(join_rel(owned_, m));
    }
    auto undo = [&](Error e) -> Result<void> {
      rollback(created);
      return std::unexpected(std::move(e).wrap("cgroup " + path));
    };
    // Enable the controllers from the first level we own down to the node
    // itself, whose leaves then have them (it holds no process, so it may).
    std::string level = owned_;
    for (size_t i = base.size(); i <= parts.size(); ++i) {
      if (auto r = enable_controllers(level); !r) return undo(std::move(r.error()));
      if (i < parts.size()) level = join_rel(level, parts[i]);
    }
    for (const char* name : {kPayload, kSupervisor}) {
      auto made = make_dirs(join(root_, path), name);
      if (!made) return undo(std::move(made.error()));
      if (!made->empty()) created.push_back(leaf(path, name));
    }
    // Deny every device but the zone's few, before any process joins.
    const std::string payload = leaf(path, kPayload);
    auto dir = open_dir(root_, payload);
    if (!dir) return undo(std::move(dir.error()));
    if (auto r = attach_device_program(dir->get(), join(root_, payload)); !r) return undo(std::move(r.error()));
    return {};
  }

  Result<void> apply(const std::string& path, const CgroupLimits& limits) override {
    ZK_TRYV(split_path(path));
    for (const auto& w : plan_v2(limits)) {
      auto [dir, file] = locate(path, w.file);
      if (skippable(w, limits) && !file_exists(root_, dir, file)) continue;
      ZK_TRYVC(write_file(root_, dir, file, w.value), "cgroup " + path + ": set limits");
    }
    return {};
  }

  Result<void> attach(const std::string& path, pid_t pid) override { return join_leaf(path, kPayload, pid); }

  Result<void> attach_supervisor(const std::string& path, pid_t pid) override {
    return join_leaf(path, kSupervisor, pid);
  }

  std::string own_procs_file() override {
    auto text = fs::read_file("/proc/self/cgroup", 1 << 16);
    auto own = text ? cgroup_of(*text, "") : std::nullopt;
    return own ? join(root_, own->substr(1)) + "/cgroup.procs" : "";
  }

  std::vector<std::string> procs_files_of(const std::string& proc_cgroup) override {
    auto cg = cgroup_of(proc_cgroup, "");
    return {join(root_, cg ? cg->substr(1) : "") + "/cgroup.procs"};
  }

  Result<std::vector<pid_t>> pids(const std::string& path) override {
    ZK_TRYV(split_path(path));
    std::vector<pid_t> out;
    ZK_TRYV(collect_procs(root_, path, out));
    normalize_pids(out);
    return out;
  }

  Result<void> kill_all(const std::string& path) override {
    ZK_TRYV(split_path(path));
    return kill_tree(leaf(path, kPayload));
  }

  Result<void> kill_everything(const std::string& path) override {
    ZK_TRYV(split_path(path));
    return kill_tree(path);
  }

  Result<void> destroy(const std::string& path) override {
    ZK_TRYVC(remove_tree(root_, path), "cgroup " + path + ": destroy");
    return {};
  }

  bool exists(const std::string& path) override { return split_path(path) && dir_exists(root_, path); }

  Result<Stats> stats(const std::string& path) override {
    ZK_TRYV(split_path(path));
    const std::string payload = leaf(path, kPayload);
    Stats s;
    s.memory_current = parse_number(ZK_TRY(read_file(root_, payload, "memory.current")));
    s.pids_current = parse_number(ZK_TRY(read_file(root_, payload, "pids.current")));
    if (auto ev = read_file(root_, payload, "memory.events")) s.oom_kills = keyed_value(*ev, "oom_kill");
    if (auto sw = read_file(root_, payload, "memory.swap.current")) s.swap_current = parse_number(*sw);
    if (auto cpu = read_file(root_, path, "cpu.stat")) s.cpu_usage_ns = keyed_value(*cpu, "usage_usec") * 1000;
    if (auto io = read_file(root_, path, "io.stat")) {
      IoBytes b = parse_io_stat(*io);
      s.io_read_bytes = b.read;
      s.io_write_bytes = b.write;
    }
    return s;
  }

  std::vector<std::string> dirs(const std::string& path) override { return {join(root_, path)}; }

 private:
  static std::string join_rel(const std::string& a, const std::string& b) { return a.empty() ? b : a + "/" + b; }

  Result<void> join_leaf(const std::string& path, const char* name, pid_t pid) {
    ZK_TRYV(split_path(path));
    ZK_TRYVC(write_file(root_, leaf(path, name), "cgroup.procs", std::to_string(pid)),
             "cgroup " + path + ": attach");
    return {};
  }

  // Every process in the cgroup rel and below it, then wait until it is empty.
  Result<void> kill_tree(const std::string& rel) {
    if (!dir_exists(root_, rel)) return {};
    const bool has_kill = file_exists(root_, rel, "cgroup.kill");
    const bool has_freeze = file_exists(root_, rel, "cgroup.freeze");
    if (has_kill) {
      // Kernel >= 5.14: the kernel kills the whole subtree, race-free.
      ZK_TRYVC(write_file(root_, rel, "cgroup.kill", "1"), "cgroup " + rel + ": kill");
    } else if (has_freeze) {
      // Freeze so nothing forks or exits (pid reuse) while we signal.
      ZK_TRYVC(write_file(root_, rel, "cgroup.freeze", "1"), "cgroup " + rel + ": freeze");
      wait_for([&] { return events_value(rel, "frozen") == 1; }, kFreezeTimeoutMs);
      kill_pids(ZK_TRY(pids(rel)));
      ZK_TRYVC(write_file(root_, rel, "cgroup.freeze", "0"), "cgroup " + rel + ": thaw");
    }
    std::vector<pid_t> left;
    bool empty = wait_for(
        [&] {
          auto p = pids(rel);
          if (!p) return false;
          left = std::move(*p);
          kill_members(left, rel);  // stragglers when neither kill nor freeze exist
          return left.empty();
        },
        kKillTimeoutMs);
    if (!empty)
      return fail("cgroup " + rel + ": " + std::to_string(left.size()) + " processes still alive after SIGKILL");
    return {};
  }

  uint64_t events_value(const std::string& path, const std::string& key) {
    auto ev = read_file(root_, path, "cgroup.events");
    return ev ? keyed_value(*ev, key) : 0;
  }

  Result<void> enable_controllers(const std::string& level) {
    auto available = words(ZK_TRY(read_file(root_, level, "cgroup.controllers")));
    auto enabled = words(ZK_TRY(read_file(root_, level, "cgroup.subtree_control")));
    for (const char* c : kRequired)
      if (!contains(available, c))
        return fail("cgroup v2: controller '" + std::string(c) + "' is not available in " + join(root_, level));
    std::string request;
    for (const char* c : kWanted) {
      if (!contains(available, c) || contains(enabled, c)) continue;
      request += (request.empty() ? "+" : " +") + std::string(c);
    }
    if (request.empty()) return {};
    return write_file(root_, level, "cgroup.subtree_control", request);
  }

  void rollback(const std::vector<std::string>& created) {
    for (auto it = created.rbegin(); it != created.rend(); ++it) (void)remove_tree(root_, *it);
  }

  std::string root_;
  std::string owned_;  // "" or the cgroup (systemd's scope) below which we write
};

}  // namespace

std::unique_ptr<Driver> make_v2(const std::string& root, const std::string& owned) {
  return std::make_unique<V2Driver>(root, owned);
}

}  // namespace zonekit::cgroup
