// cgroup v1 driver: one hierarchy per mounted controller set under root
// (memory, pids, cpu or "cpu,cpuacct", cpuset, blkio, devices, freezer,
// name=systemd as "systemd", ...). A zone gets the same relative path in
// every hierarchy, so its processes are confined by all of them and a
// cgroup namespace unshared inside it hides the host's tree in each.
#include <algorithm>
#include <cstdint>

#include "core/runtime/cgroup.hpp"
#include "core/runtime/cgroup_driver_util.hpp"
#include "core/runtime/cgroup_fs.hpp"
#include "core/sys/fs.hpp"

namespace zonekit::cgroup {
namespace {

using namespace detail;

constexpr int kKillTimeoutMs = 10000;
constexpr int kFreezeTimeoutMs = 2000;

struct Hierarchy {
  std::string dir;                       // directory name under root
  std::vector<std::string> controllers;  // "cpu", "cpuacct" for "cpu,cpuacct"
};

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// v1 shows "unlimited" as a huge number; "-1" is how one writes it.
uint64_t v1_bytes(const std::string& text) {
  std::string t = trim(text);
  if (t == "-1" || t == "max") return UINT64_MAX;
  return parse_number(t);
}

// Every real directory under root that is a v1 hierarchy: it has
// cgroup.procs and, unlike the unified mount of a hybrid host, no
// cgroup.controllers. Symlinked aliases ("cpu" -> "cpu,cpuacct") are
// skipped; the real directory's name lists its controllers.
std::vector<Hierarchy> discover(const std::string& root) {
  std::vector<Hierarchy> out;
  auto fd = open_dir(root, "");
  if (!fd) return out;
  auto names = list_subdirs(fd->get(), root);
  if (!names) return out;
  for (auto& name : *names) {
    if (!file_exists(root, name, "cgroup.procs") || file_exists(root, name, "cgroup.controllers")) continue;
    Hierarchy h{name, {}};
    size_t start = 0;
    while (true) {
      size_t comma = name.find(',', start);
      h.controllers.push_back(name.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    out.push_back(std::move(h));
  }
  return out;
}

class V1Driver final : public Driver {
 public:
  explicit V1Driver(std::string root) : root_(std::move(root)), hierarchies_(discover(root_)) {}

  std::string name() const override { return "v1"; }

  Result<void> create(const std::string& path) override {
    auto parts = ZK_TRY(split_path(path));
    if (parts.empty()) return fail("cgroup v1: refusing to use the root cgroup", ErrorKind::Invalid);
    if (hierarchies_.empty()) return fail("cgroup v1: no hierarchies under " + root_, ErrorKind::NotFound);
    for (const char* c : {"memory", "pids"})
      if (!find(c)) return fail("cgroup v1: no '" + std::string(c) + "' hierarchy under " + root_);
    std::vector<std::pair<std::string, std::string>> created;  // (hierarchy root, path)
    auto undo = [&](Error e) -> Result<void> {
      rollback(created);
      return std::unexpected(std::move(e).wrap("cgroup " + path));
    };
    for (const auto& h : hierarchies_) {
      const std::string hroot = join(root_, h.dir);
      for (const std::string& rel : {path, leaf(path, kPayload), leaf(path, kSupervisor)}) {
        auto made = make_dirs(hroot, rel);
        if (!made) return undo(std::move(made.error()));
        for (auto& m : *made) created.emplace_back(hroot, m);
        auto init = init_levels(h, hroot, *split_path(rel));
        if (!init) return undo(std::move(init.error()));
      }
      if (auto r = limit_devices(h, hroot, path); !r) return undo(std::move(r.error()));
    }
    return {};
  }

  Result<void> apply(const std::string& path, const CgroupLimits& limits) override {
    ZK_TRYV(split_path(path));
    for (const auto& w : writes_for(path, limits)) {
      const auto slash = w.file.find('/');
      const std::string controller = w.file.substr(0, slash);
      const Hierarchy* h = find(controller);
      if (!h) {
        if (skippable(w, limits)) continue;
        return fail("cgroup " + path + ": set limits: no '" + controller + "' hierarchy under " + root_);
      }
      const std::string hroot = join(root_, h->dir);
      auto [dir, file] = locate(path, w.file.substr(slash + 1));
      if (skippable(w, limits) && !file_exists(hroot, dir, file)) continue;
      ZK_TRYVC(write_file(hroot, dir, file, w.value), "cgroup " + path + ": set limits");
    }
    return {};
  }

  Result<void> attach(const std::string& path, pid_t pid) override { return join_leaf(path, kPayload, pid); }

  Result<void> attach_supervisor(const std::string& path, pid_t pid) override {
    return join_leaf(path, kSupervisor, pid);
  }

  Result<std::vector<pid_t>> pids(const std::string& path) override {
    ZK_TRYV(split_path(path));
    std::vector<pid_t> out;
    for (const auto& h : hierarchies_) ZK_TRYV(collect_procs(join(root_, h.dir), path, out));
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
    ZK_TRYV(split_path(path));
    std::optional<Error> first;
    for (const auto& h : hierarchies_) {
      auto r = remove_tree(join(root_, h.dir), path);
      if (!r && !first) first = std::move(r.error());
    }
    if (first) return std::unexpected(std::move(*first).wrap("cgroup " + path + ": destroy"));
    return {};
  }

  bool exists(const std::string& path) override {
    if (!split_path(path)) return false;
    return std::any_of(hierarchies_.begin(), hierarchies_.end(),
                       [&](const Hierarchy& h) { return dir_exists(join(root_, h.dir), path); });
  }

  Result<Stats> stats(const std::string& path) override {
    ZK_TRYV(split_path(path));
    const std::string payload = leaf(path, kPayload);
    Stats s;
    if (const Hierarchy* m = find("memory")) {
      const std::string mroot = join(root_, m->dir);
      s.memory_current = parse_number(ZK_TRY(read_file(mroot, payload, "memory.usage_in_bytes")));
      if (auto oc = read_file(mroot, payload, "memory.oom_control")) s.oom_kills = keyed_value(*oc, "oom_kill");
      // memsw counts memory plus swap: the difference is what is swapped.
      if (auto memsw = read_file(mroot, payload, "memory.memsw.usage_in_bytes")) {
        uint64_t both = parse_number(*memsw);
        s.swap_current = both > s.memory_current ? both - s.memory_current : 0;
      }
    }
    if (const Hierarchy* p = find("pids"))
      s.pids_current = parse_number(ZK_TRY(read_file(join(root_, p->dir), payload, "pids.current")));
    if (const Hierarchy* c = find("cpuacct"))
      if (auto usage = read_file(join(root_, c->dir), path, "cpuacct.usage")) s.cpu_usage_ns = parse_number(*usage);
    if (const Hierarchy* b = find("blkio"))
      if (auto io = read_file(join(root_, b->dir), path, "blkio.throttle.io_service_bytes")) {
        IoBytes bytes = parse_blkio_service_bytes(*io);
        s.io_read_bytes = bytes.read;
        s.io_write_bytes = bytes.write;
      }
    return s;
  }

  std::vector<std::string> dirs(const std::string& path) override {
    std::vector<std::string> out;
    for (const auto& h : hierarchies_) out.push_back(join(join(root_, h.dir), path));
    return out;
  }

  std::string own_procs_file() override {
    const Hierarchy* h = find("pids");
    auto text = fs::read_file("/proc/self/cgroup", 1 << 16);
    auto own = text ? cgroup_of(*text, "pids") : std::nullopt;
    if (!h || !own) return "";
    return join(join(root_, h->dir), own->substr(1)) + "/cgroup.procs";
  }

  std::vector<std::string> procs_files_of(const std::string& proc_cgroup) override {
    std::vector<std::string> out;
    for (const auto& h : hierarchies_) {
      // A named hierarchy ("systemd") shows as "name=systemd".
      auto cg = cgroup_of(proc_cgroup, "name=" + h.dir);
      for (size_t i = 0; !cg && i < h.controllers.size(); ++i) cg = cgroup_of(proc_cgroup, h.controllers[i]);
      out.push_back(join(join(root_, h.dir), cg ? cg->substr(1) : "") + "/cgroup.procs");
    }
    return out;
  }

 private:
  const Hierarchy* find(const std::string& controller) const {
    for (const auto& h : hierarchies_)
      if (std::find(h.controllers.begin(), h.controllers.end(), controller) != h.controllers.end()) return &h;
    return nullptr;
  }

  Result<void> join_leaf(const std::string& path, const char* name, pid_t pid) {
    ZK_TRYV(split_path(path));
    for (const auto& h : hierarchies_)
      ZK_TRYVC(write_file(join(root_, h.dir), leaf(path, name), "cgroup.procs", std::to_string(pid)),
               "cgroup " + path + ": attach");
    return {};
  }

  // Every process in the cgroup rel and below it, then wait until it is
  // empty.
  Result<void> kill_tree(const std::string& rel) {
    const Hierarchy* freezer = find("freezer");
    if (freezer) {
      const std::string froot = join(root_, freezer->dir);
      if (file_exists(froot, rel, "freezer.state")) {
        // Frozen tasks can neither fork nor exit, so the pids we read stay
        // valid (no reuse) while we signal them; they die on thaw.
        ZK_TRYVC(write_file(froot, rel, "freezer.state", "FROZEN"), "cgroup " + rel + ": freeze");
        wait_for(
            [&] {
              auto s = read_file(froot, rel, "freezer.state");
              return s && trim(*s) == "FROZEN";
            },
            kFreezeTimeoutMs);
        auto frozen = pids(rel);
        if (frozen) kill_pids(*frozen);
        ZK_TRYVC(write_file(froot, rel, "freezer.state", "THAWED"), "cgroup " + rel + ": thaw");
      }
    }
    std::vector<pid_t> left;
    bool empty = wait_for(
        [&] {
          auto p = pids(rel);
          if (!p) return false;
          left = std::move(*p);
          kill_members(left, rel);
          return left.empty();
        },
        kKillTimeoutMs);
    if (!empty)
      return fail("cgroup " + rel + ": " + std::to_string(left.size()) + " processes still alive after SIGKILL");
    return {};
  }

  // Per level of the path: a new cpuset cgroup starts with no cpus and no
  // mems (attach then fails), so copy them from the parent; a memory cgroup
  // must be hierarchical for a parent's limit to cover it (always so on
  // kernels >= 5.11, where the file is fixed at 1).
  Result<void> init_levels(const Hierarchy& h, const std::string& hroot, const std::vector<std::string>& parts) {
    const bool cpuset = std::find(h.controllers.begin(), h.controllers.end(), "cpuset") != h.controllers.end();
    const bool memory = std::find(h.controllers.begin(), h.controllers.end(), "memory") != h.controllers.end();
    if (!cpuset && !memory) return {};
    std::string parent;
    for (const auto& part : parts) {
      const std::string level = parent.empty() ? part : parent + "/" + part;
      if (cpuset) {
        for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
          auto mine = ZK_TRY(read_file(hroot, level, file));
          if (!trim(mine).empty()) continue;
          auto theirs = trim(ZK_TRY(read_file(hroot, parent, file)));
          ZK_TRYV(write_file(hroot, level, file, theirs));
        }
      }
      if (memory && file_exists(hroot, level, "memory.use_hierarchy")) {
        auto v = read_file(hroot, level, "memory.use_hierarchy");
        if (v && trim(*v) == "0") (void)write_file(hroot, level, "memory.use_hierarchy", "1");
      }
      parent = level;
    }
    return {};
  }

  // Deny every device but the zone's few to payload, before any process
  // joins.
  Result<void> limit_devices(const Hierarchy& h, const std::string& hroot, const std::string& path) {
    if (std::find(h.controllers.begin(), h.controllers.end(), "devices") == h.controllers.end()) return {};
    for (const auto& w : plan_v1_devices()) {
      auto [dir, file] = locate(path, w.file.substr(w.file.find('/') + 1));
      ZK_TRYV(write_file(hroot, dir, file, w.value));
    }
    return {};
  }

  // The plan for this cgroup: ordered against its current memsw ceiling
  // when it has one (live update), else as planned.
  std::vector<FileWrite> writes_for(const std::string& path, const CgroupLimits& limits) {
    const Hierarchy* m = find("memory");
    if (!m) return plan_v1(limits);
    auto current = read_file(join(root_, m->dir), leaf(path, kPayload), "memory.memsw.limit_in_bytes");
    if (!current) return plan_v1(limits);
    return plan_v1(limits, v1_bytes(*current));
  }

  void rollback(const std::vector<std::pair<std::string, std::string>>& created) {
    for (auto it = created.rbegin(); it != created.rend(); ++it) (void)remove_tree(it->first, it->second);
  }

  std::string root_;
  std::vector<Hierarchy> hierarchies_;
};

}  // namespace

std::unique_ptr<Driver> make_v1(const std::string& root) { return std::make_unique<V1Driver>(root); }

}  // namespace zonekit::cgroup
