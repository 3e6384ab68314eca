// cgroup drivers against a fake cgroupfs: plain files and directories in a
// temp dir. The fake does not create a cgroup's files on mkdir as the
// kernel does, so tests lay down the files "the kernel" would have.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <sstream>

#include "core/runtime/cgroup.hpp"
#include "core/runtime/cgroup_driver_util.hpp"
#include "core/sys/fs.hpp"

using namespace zonekit;
using cgroup::FileWrite;

namespace {

struct TempTree {
  std::string root;
  TempTree() {
    char tmpl[] = "/tmp/zk-cgfake-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    root = tmpl;
  }
  ~TempTree() { (void)fs::remove_tree(root); }
  std::string path(const std::string& rel) const { return root + "/" + rel; }
  void put(const std::string& rel, const std::string& content) const {
    auto p = path(rel);
    REQUIRE(fs::mkdir_p(p.substr(0, p.rfind('/'))));
    std::ofstream(p) << content;
  }
  void dir(const std::string& rel) const { REQUIRE(fs::mkdir_p(path(rel))); }
  std::string get(const std::string& rel) const {
    std::ifstream in(path(rel));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  bool has(const std::string& rel) const { return fs::exists(path(rel)); }
};

CgroupLimits limits_512m() {
  CgroupLimits l;
  l.memory_bytes = 512ull << 20;
  l.swap_bytes = 1024ull << 20;
  l.pids_max = 300;
  l.cpu_cap_percent = 150;
  l.cpu_shares = 200;
  l.io_priority = 50;
  return l;
}

// A unified (v2) root with the controllers a kernel offers.
void make_v2_root(const TempTree& t) {
  t.put("cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
  t.put("cgroup.subtree_control", "");
  t.put("cgroup.procs", "1\n");
}

// Files the kernel creates in a new v2 cgroup (io.bfq.weight left out: a
// kernel without BFQ).
void make_v2_cgroup(const TempTree& t, const std::string& rel) {
  for (const char* f : {"cgroup.procs", "cgroup.kill", "cgroup.freeze", "memory.max", "memory.swap.max",
                        "memory.oom.group", "pids.max", "cpu.max", "cpu.weight", "io.weight"})
    t.put(rel + "/" + f, "");
  t.put(rel + "/cgroup.controllers", "cpu io memory pids\n");
  t.put(rel + "/cgroup.subtree_control", "");
  t.put(rel + "/cgroup.events", "populated 0\nfrozen 0\n");
}

// A zone's node and its two leaves, as create() leaves them.
void make_v2_zone(const TempTree& t, const std::string& rel) {
  for (const std::string& r : {rel, rel + "/payload", rel + "/supervisor"}) make_v2_cgroup(t, r);
}

const char* kV1Hierarchies[] = {"blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "memory", "pids", "systemd"};

void make_v1_root(const TempTree& t) {
  for (const char* h : kV1Hierarchies) t.put(std::string(h) + "/cgroup.procs", "1\n");
  t.put("cpuset/cpuset.cpus", "0-1\n");
  t.put("cpuset/cpuset.mems", "0\n");
  // The hybrid host's cgroup2 mount is not a v1 hierarchy.
  t.put("unified/cgroup.procs", "");
  t.put("unified/cgroup.controllers", "hugetlb\n");
}

// A zone's node and leaves in every hierarchy, with the files the tests
// look at (the kernel makes every controller's files in each of the three).
void make_v1_zone(const TempTree& t, const std::string& rel, const std::string& memsw) {
  for (const std::string& r : {rel, rel + "/payload", rel + "/supervisor"}) {
    for (const char* h : kV1Hierarchies) t.put(std::string(h) + "/" + r + "/cgroup.procs", "");
    t.put("memory/" + r + "/memory.limit_in_bytes", "9223372036854771712\n");
    t.put("memory/" + r + "/memory.memsw.limit_in_bytes", memsw);
    t.put("pids/" + r + "/pids.max", "max\n");
    t.put("cpu/" + r + "/cpu.cfs_period_us", "100000\n");
    t.put("cpu/" + r + "/cpu.cfs_quota_us", "-1\n");
    t.put("cpu/" + r + "/cpu.shares", "1024\n");
    t.put("blkio/" + r + "/blkio.bfq.weight", "100\n");  // BFQ kernel: no blkio.weight
    t.put("freezer/" + r + "/freezer.state", "THAWED\n");
  }
}

}  // namespace

TEST_CASE("cgroup plan_v2: exact writes") {
  CHECK(cgroup::plan_v2(limits_512m()) == std::vector<FileWrite>{
                                              {"payload/memory.max", "536870912"},
                                              {"payload/memory.swap.max", "536870912"},
                                              {"payload/memory.oom.group", "0"},
                                              {"payload/pids.max", "300"},
                                              {"cpu.max", "150000 100000"},
                                              {"payload/cpu.max", "150000 100000"},
                                              {"cpu.weight", "200"},
                                              {"io.weight", "50"},
                                              {"io.bfq.weight", "50"},
                                          });
}

TEST_CASE("cgroup plan_v2: defaults, uncapped cpu, swap below memory, clamps") {
  CgroupLimits l;  // 256M memory, 256M memory+swap, 2000 pids
  CHECK(cgroup::plan_v2(l) == std::vector<FileWrite>{
                                  {"payload/memory.max", "268435456"},
                                  {"payload/memory.swap.max", "0"},
                                  {"payload/memory.oom.group", "0"},
                                  {"payload/pids.max", "2000"},
                                  {"cpu.max", "max 100000"},
                                  {"payload/cpu.max", "max 100000"},
                                  {"cpu.weight", "100"},
                                  {"io.weight", "100"},
                                  {"io.bfq.weight", "100"},
                              });
  l.swap_bytes = 1;  // below memory: no swap at all
  l.memory_bytes = 0;
  l.pids_max = 0;
  l.cpu_shares = 0;
  l.io_priority = 50000;
  auto w = cgroup::plan_v2(l);
  CHECK(w[0] == FileWrite{"payload/memory.max", "max"});
  CHECK(w[1] == FileWrite{"payload/memory.swap.max", "max"});
  CHECK(w[3] == FileWrite{"payload/pids.max", "max"});
  CHECK(w[6] == FileWrite{"cpu.weight", "1"});
  CHECK(w[7] == FileWrite{"io.weight", "10000"});
  CHECK(w[8] == FileWrite{"io.bfq.weight", "1000"});
}

TEST_CASE("cgroup plan_v1: exact writes") {
  CHECK(cgroup::plan_v1(limits_512m()) == std::vector<FileWrite>{
                                              {"memory/payload/memory.limit_in_bytes", "536870912"},
                                              {"memory/payload/memory.memsw.limit_in_bytes", "1073741824"},
                                              {"pids/payload/pids.max", "300"},
                                              {"cpu/payload/cpu.cfs_quota_us", "-1"},
                                              {"cpu/cpu.cfs_period_us", "100000"},
                                              {"cpu/cpu.cfs_quota_us", "150000"},
                                              {"cpu/payload/cpu.cfs_period_us", "100000"},
                                              {"cpu/payload/cpu.cfs_quota_us", "150000"},
                                              {"cpu/cpu.shares", "2048"},
                                              {"blkio/blkio.weight", "250"},
                                              {"blkio/blkio.bfq.weight", "50"},
                                          });
  CgroupLimits l;
  l.swap_bytes = 0;  // memsw never below the limit
  l.cpu_shares = 1;  // 1 * 1024 / 100 = 10
  l.io_priority = 1;
  auto w = cgroup::plan_v1(l);
  CHECK(w[0] == FileWrite{"memory/payload/memory.limit_in_bytes", "268435456"});
  CHECK(w[1] == FileWrite{"memory/payload/memory.memsw.limit_in_bytes", "268435456"});
  CHECK(w[5] == FileWrite{"cpu/cpu.cfs_quota_us", "-1"});
  CHECK(w[7] == FileWrite{"cpu/payload/cpu.cfs_quota_us", "-1"});
  CHECK(w[8] == FileWrite{"cpu/cpu.shares", "10"});
  CHECK(w[9] == FileWrite{"blkio/blkio.weight", "10"});
  l.cpu_shares = 0;
  l.memory_bytes = 0;
  w = cgroup::plan_v1(l);
  CHECK(w[0] == FileWrite{"memory/payload/memory.limit_in_bytes", "-1"});
  CHECK(w[1] == FileWrite{"memory/payload/memory.memsw.limit_in_bytes", "-1"});
  CHECK(w[8] == FileWrite{"cpu/cpu.shares", "2"});
}

TEST_CASE("cgroup plan_v1 live update: memsw first only when raising past the current ceiling") {
  const auto l = limits_512m();  // limit 512M, memsw 1G
  auto lower = cgroup::plan_v1(l, 2048ull << 20);
  CHECK(lower[0].file == "memory/payload/memory.limit_in_bytes");
  CHECK(lower[1].file == "memory/payload/memory.memsw.limit_in_bytes");
  auto equal = cgroup::plan_v1(l, 512ull << 20);
  CHECK(equal[0].file == "memory/payload/memory.limit_in_bytes");
  auto raise = cgroup::plan_v1(l, 256ull << 20);
  CHECK(raise[0] == FileWrite{"memory/payload/memory.memsw.limit_in_bytes", "1073741824"});
  CHECK(raise[1] == FileWrite{"memory/payload/memory.limit_in_bytes", "536870912"});
  CgroupLimits unlimited;
  unlimited.memory_bytes = 0;
  CHECK(cgroup::plan_v1(unlimited, 1ull << 30)[0].file == "memory/payload/memory.memsw.limit_in_bytes");
  CHECK(cgroup::plan_v1(unlimited, UINT64_MAX)[0].file == "memory/payload/memory.limit_in_bytes");
}

TEST_CASE("cgroup detect: unified root is v2, a hybrid or legacy root is v1") {
  TempTree v2;
  make_v2_root(v2);
  auto d2 = cgroup::detect(v2.root);
  REQUIRE(d2);
  CHECK((*d2)->name() == "v2");

  TempTree v1;
  make_v1_root(v1);
  auto d1 = cgroup::detect(v1.root);
  REQUIRE(d1);
  CHECK((*d1)->name() == "v1");

  TempTree empty;
  auto none = cgroup::detect(empty.root);
  REQUIRE_FALSE(none);
  CHECK(none.error().message() == "cgroup: no v1 hierarchies and no cgroup2 at " + empty.root);
  CHECK_FALSE(cgroup::detect(empty.root + "/missing"));
}

TEST_CASE("cgroup v2: create makes the node and two leaves, controllers enabled down to the node") {
  TempTree t;
  make_v2_root(t);
  t.put("zk-test/cgroup.controllers", "cpu io memory pids\n");
  t.put("zk-test/cgroup.subtree_control", "memory\n");  // some already enabled
  // The kernel's files of the node (the fake makes none on mkdir).
  t.put("zk-test/zone1/cgroup.controllers", "cpu io memory pids\n");
  t.put("zk-test/zone1/cgroup.subtree_control", "");
  auto d = cgroup::make_v2(t.root);
  REQUIRE(d->create("zk-test/zone1"));
  CHECK(t.get("cgroup.subtree_control") == "+cpu +io +memory +pids");
  CHECK(t.get("zk-test/cgroup.subtree_control") == "+cpu +io +pids");
  CHECK(t.get("zk-test/zone1/cgroup.subtree_control") == "+cpu +io +memory +pids");
  CHECK(t.has("zk-test/zone1/payload"));
  CHECK(t.has("zk-test/zone1/supervisor"));
  CHECK(d->exists("zk-test/zone1"));
  CHECK(d->dirs("zk-test/zone1") == std::vector<std::string>{t.root + "/zk-test/zone1"});
  // Again (zoneadmd after zoneadm boot's create, a reboot): nothing to do.
  t.put("zk-test/zone1/cgroup.subtree_control", "cpu io memory pids\n");
  REQUIRE(d->create("zk-test/zone1"));
  CHECK(t.get("zk-test/zone1/cgroup.subtree_control") == "cpu io memory pids\n");
}

TEST_CASE("cgroup v2: apply puts cpu and io on the node, memory and pids on payload") {
  TempTree t;
  make_v2_root(t);
  make_v2_zone(t, "zk-test/zone1");
  auto d = cgroup::make_v2(t.root);
  REQUIRE(d->apply("zk-test/zone1", limits_512m()));
  CHECK(t.get("zk-test/zone1/payload/memory.max") == "536870912");
  CHECK(t.get("zk-test/zone1/payload/memory.swap.max") == "536870912");
  CHECK(t.get("zk-test/zone1/payload/memory.oom.group") == "0");
  CHECK(t.get("zk-test/zone1/payload/pids.max") == "300");
  CHECK(t.get("zk-test/zone1/cpu.max") == "150000 100000");
  CHECK(t.get("zk-test/zone1/payload/cpu.max") == "150000 100000");  // the zone sees its cap
  CHECK(t.get("zk-test/zone1/cpu.weight") == "200");
  CHECK(t.get("zk-test/zone1/io.weight") == "50");
  CHECK_FALSE(t.has("zk-test/zone1/io.bfq.weight"));  // optional and absent: skipped
  // Nothing else: the node's memory and pids, payload's weights, the supervisor leaf.
  for (const char* f : {"zk-test/zone1/memory.max", "zk-test/zone1/pids.max", "zk-test/zone1/payload/io.weight",
                        "zk-test/zone1/payload/cpu.weight", "zk-test/zone1/supervisor/memory.max",
                        "zk-test/zone1/supervisor/pids.max", "zk-test/zone1/supervisor/cpu.max"})
    CHECK_MESSAGE(t.get(f) == "", f);
}

TEST_CASE("cgroup v2: attach joins payload, attach_supervisor the supervisor leaf, never the node") {
  TempTree t;
  make_v2_root(t);
  make_v2_zone(t, "zk-test/zone1");
  auto d = cgroup::make_v2(t.root);
  REQUIRE(d->attach("zk-test/zone1", 4242));
  REQUIRE(d->attach_supervisor("zk-test/zone1", 99));
  CHECK(t.get("zk-test/zone1/payload/cgroup.procs") == "4242");
  CHECK(t.get("zk-test/zone1/supervisor/cgroup.procs") == "99");
  CHECK(t.get("zk-test/zone1/cgroup.procs") == "");
  CHECK(*d->pids("zk-test/zone1") == std::vector<pid_t>{99, 4242});  // the whole node
  auto missing = d->attach("zk-test/zone2", 1);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message() ==
        "cgroup zk-test/zone2: attach: open " + t.root + "/zk-test/zone2: No such file or directory");
}

TEST_CASE("cgroup v2: a missing required controller or file is an error naming it") {
  TempTree t;
  t.put("cgroup.controllers", "cpu io\n");
  t.put("cgroup.subtree_control", "");
  auto d = cgroup::make_v2(t.root);
  auto r = d->create("zk-test/zone1");
  REQUIRE_FALSE(r);
  CHECK(r.error().message() ==
        "cgroup zk-test/zone1: cgroup v2: controller 'memory' is not available in " + t.root);
  CHECK_FALSE(t.has("zk-test"));  // rolled back

  TempTree t2;
  make_v2_root(t2);
  t2.dir("zone1");
  t2.put("zone1/payload/memory.max", "");
  auto d2 = cgroup::make_v2(t2.root);
  auto a = d2->apply("zone1", CgroupLimits{});
  REQUIRE_FALSE(a);
  CHECK(a.error().message() ==
        "cgroup zone1: set limits: open " + t2.root + "/zone1/payload/pids.max: No such file or directory");
}

TEST_CASE("cgroup v2: pids are collected from the subtree, kill_all uses cgroup.kill or the freezer") {
  TempTree t;
  make_v2_root(t);
  make_v2_cgroup(t, "zone1");
  t.put("zone1/cgroup.procs", "34\n12\n");
  t.put("zone1/inner/cgroup.procs", "56\n12\n");
  auto d = cgroup::make_v2(t.root);
  auto p = d->pids("zone1");
  REQUIRE(p);
  CHECK(*p == std::vector<pid_t>{12, 34, 56});

  // kill_all: the zone (payload) only; zoneadmd's leaf and the node stay.
  make_v2_zone(t, "zone2");
  REQUIRE(d->kill_all("zone2"));
  CHECK(t.get("zone2/payload/cgroup.kill") == "1");
  CHECK(t.get("zone2/supervisor/cgroup.kill") == "");
  CHECK(t.get("zone2/cgroup.kill") == "");
  // kill_everything: the node, which the kernel applies to its subtree.
  REQUIRE(d->kill_everything("zone2"));
  CHECK(t.get("zone2/cgroup.kill") == "1");

  make_v2_zone(t, "zone3");
  REQUIRE(unlink(t.path("zone3/payload/cgroup.kill").c_str()) == 0);  // kernel < 5.14
  t.put("zone3/payload/cgroup.events", "populated 0\nfrozen 1\n");
  REQUIRE(d->kill_all("zone3"));
  CHECK(t.get("zone3/payload/cgroup.freeze") == "0");  // frozen, then thawed
  CHECK(t.get("zone3/cgroup.freeze") == "");
  CHECK(d->kill_all("missing"));
  CHECK(d->kill_everything("missing"));
}

TEST_CASE("cgroup v2: stats: memory and pids from payload, cpu and io from the node") {
  TempTree t;
  make_v2_root(t);
  t.put("zone1/payload/memory.current", "123456\n");
  t.put("zone1/payload/pids.current", "7\n");
  t.put("zone1/payload/memory.events", "low 0\nhigh 0\nmax 4\noom 2\noom_kill 2\noom_group_kill 0\n");
  // The node's own figures include zoneadmd: not what the limits compare with.
  t.put("zone1/memory.current", "999999\n");
  t.put("zone1/pids.current", "9\n");
  t.put("zone1/memory.events", "oom_kill 5\n");
  auto s = cgroup::make_v2(t.root)->stats("zone1");
  REQUIRE(s);
  CHECK(s->memory_current == 123456);
  CHECK(s->pids_current == 7);
  CHECK(s->oom_kills == 2);
  // The optional counters read 0 where the kernel has no file.
  CHECK(s->cpu_usage_ns == 0);
  CHECK(s->swap_current == 0);
  t.put("zone1/payload/memory.swap.current", "8192\n");
  t.put("zone1/cpu.stat", "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n");
  t.put("zone1/payload/cpu.stat", "usage_usec 1000\n");
  t.put("zone1/io.stat", "8:0 rbytes=1000 wbytes=2000 rios=1 wios=2 dbytes=0 dios=0\n"
                         "253:1 rbytes=10 wbytes=20 rios=1 wios=1 dbytes=0 dios=0\n");
  s = cgroup::make_v2(t.root)->stats("zone1");
  REQUIRE(s);
  CHECK(s->swap_current == 8192);
  CHECK(s->cpu_usage_ns == 1500000000ull);
  CHECK(s->io_read_bytes == 1010);
  CHECK(s->io_write_bytes == 2020);
  CHECK_FALSE(cgroup::make_v2(t.root)->stats("../zone1"));
}

TEST_CASE("cgroup counters' parsers") {
  CHECK(cgroup::parse_io_stat("").read == 0);
  CHECK(cgroup::parse_io_stat("8:0 rbytes=5 wbytes=x\n").read == 5);
  CHECK(cgroup::parse_io_stat("8:0 rbytes=5 wbytes=x\n").write == 0);
  auto b = cgroup::parse_blkio_service_bytes("8:0 Read 100\n8:0 Write 200\n8:0 Sync 300\n8:0 Async 0\n"
                                             "8:0 Total 300\n8:16 Read 1\n8:16 Write 2\nTotal 303\n");
  CHECK(b.read == 101);
  CHECK(b.write == 202);
}

TEST_CASE("cgroup: destroy removes the subtree deepest first; missing is success") {
  TempTree t;
  make_v2_root(t);
  // (The fake's directories hold no files: rmdir of a real cgroup ignores
  // its kernel files, a plain directory would not.)
  t.dir("zk-test/zone1/a/b");
  t.dir("zk-test/zone1/c");
  t.dir("zk-test/zone2");
  auto d = cgroup::make_v2(t.root);
  REQUIRE(d->destroy("zk-test/zone1"));
  CHECK_FALSE(t.has("zk-test/zone1"));
  CHECK(t.has("zk-test/zone2"));
  CHECK(d->destroy("zk-test/zone1"));
  CHECK(d->destroy("nothere/either"));
  CHECK_FALSE(d->exists("zk-test/zone1"));
}

TEST_CASE("cgroup: unsafe relative paths are refused") {
  TempTree t;
  make_v2_root(t);
  auto d = cgroup::make_v2(t.root);
  auto msg = [&](const std::string& path) {
    auto r = d->create(path);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ErrorKind::Invalid);
    return r.error().message();
  };
  CHECK(msg("../escape") == "cgroup path '../escape': '.' or '..' component");
  CHECK(msg("a/../../b") == "cgroup path 'a/../../b': '.' or '..' component");
  CHECK(msg("/abs") == "cgroup path '/abs': must be relative");
  CHECK(msg("a//b") == "cgroup path 'a//b': empty component");
  CHECK(msg("a/") == "cgroup path 'a/': empty component");
  CHECK(msg("a\nb") == "cgroup path 'a\nb': contains a newline or NUL");
  CHECK(msg(std::string("a\0b", 3)) == std::string("cgroup path 'a\0b': contains a newline or NUL", 44));
  CHECK(msg("") == "cgroup v2: refusing to use the root cgroup");
  CHECK_FALSE(d->apply("../x", CgroupLimits{}));
  CHECK_FALSE(d->attach("a/../b", 1));
  CHECK_FALSE(d->attach_supervisor("a/../b", 1));
  CHECK_FALSE(d->attach(".", 1));
  CHECK_FALSE(d->kill_all("a/../b"));
  CHECK_FALSE(d->kill_everything("a/../b"));
  CHECK_FALSE(d->destroy(".."));
  CHECK_FALSE(cgroup::make_v1(t.root)->destroy("a/./b"));
  CHECK_FALSE(cgroup::make_v1(t.root)->kill_all("../b"));
  CHECK_FALSE(cgroup::make_v1(t.root)->attach_supervisor("../b", 1));
}

TEST_CASE("cgroup: symlinks below the root are never followed") {
  TempTree t;
  make_v2_root(t);
  TempTree outside;
  outside.put("victim/memory.max", "untouched");
  REQUIRE(symlink(outside.path("victim").c_str(), t.path("zk-link").c_str()) == 0);
  auto d = cgroup::make_v2(t.root);
  auto r = d->apply("zk-link", CgroupLimits{});
  REQUIRE_FALSE(r);
  CHECK(r.error().message() ==
        "cgroup zk-link: set limits: open " + t.root + "/zk-link: Not a directory");
  CHECK_FALSE(d->create("zk-link/zone"));
  CHECK(d->destroy("zk-link").error().message() ==
        "cgroup zk-link: destroy: open " + t.root + "/zk-link: Not a directory");
  CHECK(outside.get("victim/memory.max") == "untouched");

  // A symlinked file inside a real directory: also refused.
  make_v2_zone(t, "zone1");
  REQUIRE(unlink(t.path("zone1/payload/pids.max").c_str()) == 0);
  REQUIRE(symlink(outside.path("victim/memory.max").c_str(), t.path("zone1/payload/pids.max").c_str()) == 0);
  CHECK_FALSE(d->apply("zone1", CgroupLimits{}));
  CHECK(outside.get("victim/memory.max") == "untouched");
}

TEST_CASE("cgroup v1: create makes the node and its leaves in every hierarchy, seeds cpuset, limits payload's devices") {
  TempTree t;
  make_v1_root(t);
  // The kernel gives a new cpuset cgroup empty cpus/mems.
  for (const char* r : {"zk-test", "zk-test/zone1", "zk-test/zone1/payload", "zk-test/zone1/supervisor"}) {
    t.put("cpuset/" + std::string(r) + "/cpuset.cpus", "\n");
    t.put("cpuset/" + std::string(r) + "/cpuset.mems", "\n");
  }
  t.put("devices/zk-test/zone1/payload/devices.deny", "");
  t.put("devices/zk-test/zone1/payload/devices.allow", "");
  auto d = cgroup::make_v1(t.root);
  CHECK(d->name() == "v1");
  REQUIRE(d->create("zk-test/zone1"));
  std::vector<std::string> expect_dirs;
  for (const char* h : kV1Hierarchies) {
    expect_dirs.push_back(t.root + "/" + h + "/zk-test/zone1");
    CHECK(t.has(std::string(h) + "/zk-test/zone1/payload"));
    CHECK(t.has(std::string(h) + "/zk-test/zone1/supervisor"));
  }
  CHECK(d->dirs("zk-test/zone1") == expect_dirs);
  CHECK_FALSE(t.has("unified/zk-test"));
  for (const char* r : {"zk-test", "zk-test/zone1", "zk-test/zone1/payload", "zk-test/zone1/supervisor"}) {
    CHECK(t.get("cpuset/" + std::string(r) + "/cpuset.cpus") == "0-1");
    CHECK(t.get("cpuset/" + std::string(r) + "/cpuset.mems") == "0");
  }
  CHECK(t.get("devices/zk-test/zone1/payload/devices.deny") == "a");
  CHECK(t.get("devices/zk-test/zone1/payload/devices.allow") == "c 136:* rwm");  // the last of the list
  // zoneadmd's leaf and the node keep the host's devices.
  CHECK_FALSE(t.has("devices/zk-test/zone1/devices.deny"));
  CHECK_FALSE(t.has("devices/zk-test/zone1/supervisor/devices.deny"));
}

TEST_CASE("cgroup plan_v1_devices: deny all, then the zone's minimal /dev") {
  CHECK(cgroup::plan_v1_devices() == std::vector<FileWrite>{
                                         {"devices/payload/devices.deny", "a"},
                                         {"devices/payload/devices.allow", "c 1:3 rwm"},
                                         {"devices/payload/devices.allow", "c 1:5 rwm"},
                                         {"devices/payload/devices.allow", "c 1:7 rwm"},
                                         {"devices/payload/devices.allow", "c 1:8 rwm"},
                                         {"devices/payload/devices.allow", "c 1:9 rwm"},
                                         {"devices/payload/devices.allow", "c 5:0 rwm"},
                                         {"devices/payload/devices.allow", "c 5:1 rwm"},
                                         {"devices/payload/devices.allow", "c 5:2 rwm"},
                                         {"devices/payload/devices.allow", "c 136:* rwm"},
                                     });
}

TEST_CASE("cgroup v1: apply writes the plan into each controller's hierarchy, attach joins all") {
  TempTree t;
  make_v1_root(t);
  auto d = cgroup::make_v1(t.root);
  make_v1_zone(t, "zone1", "9223372036854771712\n");
  REQUIRE(d->apply("zone1", limits_512m()));
  CHECK(t.get("memory/zone1/payload/memory.limit_in_bytes") == "536870912");
  CHECK(t.get("memory/zone1/payload/memory.memsw.limit_in_bytes") == "1073741824");
  CHECK(t.get("pids/zone1/payload/pids.max") == "300");
  CHECK(t.get("cpu/zone1/cpu.cfs_period_us") == "100000");
  CHECK(t.get("cpu/zone1/cpu.cfs_quota_us") == "150000");
  CHECK(t.get("cpu/zone1/payload/cpu.cfs_quota_us") == "150000");  // the zone sees its cap
  CHECK(t.get("cpu/zone1/cpu.shares") == "2048");
  CHECK(t.get("blkio/zone1/blkio.bfq.weight") == "50");
  CHECK_FALSE(t.has("blkio/zone1/blkio.weight"));
  // The node's memory and pids, payload's weights, the supervisor leaf: as the kernel made them.
  CHECK(t.get("memory/zone1/memory.limit_in_bytes") == "9223372036854771712\n");
  CHECK(t.get("pids/zone1/pids.max") == "max\n");
  CHECK(t.get("cpu/zone1/payload/cpu.shares") == "1024\n");
  CHECK(t.get("cpu/zone1/supervisor/cpu.cfs_quota_us") == "-1\n");
  CHECK(t.get("pids/zone1/supervisor/pids.max") == "max\n");
  CHECK(t.get("memory/zone1/supervisor/memory.limit_in_bytes") == "9223372036854771712\n");

  REQUIRE(d->attach("zone1", 777));
  REQUIRE(d->attach_supervisor("zone1", 55));
  for (const char* h : kV1Hierarchies) {
    CHECK(t.get(std::string(h) + "/zone1/payload/cgroup.procs") == "777");
    CHECK(t.get(std::string(h) + "/zone1/supervisor/cgroup.procs") == "55");
    CHECK(t.get(std::string(h) + "/zone1/cgroup.procs") == "");
  }
  t.put("pids/zone1/payload/cgroup.procs", "5\n6\n");
  t.put("memory/zone1/payload/cgroup.procs", "6\n7\n");
  CHECK(*d->pids("zone1") == std::vector<pid_t>{5, 6, 7, 55, 777});  // union of all hierarchies and leaves
}

TEST_CASE("cgroup v1: co-mounted controllers (cpu,cpuacct) are one hierarchy") {
  TempTree t;
  for (const char* h : {"memory", "pids", "cpu,cpuacct"}) t.put(std::string(h) + "/cgroup.procs", "");
  REQUIRE(symlink("cpu,cpuacct", t.path("cpu").c_str()) == 0);
  REQUIRE(symlink("cpu,cpuacct", t.path("cpuacct").c_str()) == 0);
  auto d = cgroup::make_v1(t.root);
  REQUIRE(d->create("zone1"));
  CHECK(d->dirs("zone1") ==
        std::vector<std::string>{t.root + "/cpu,cpuacct/zone1", t.root + "/memory/zone1", t.root + "/pids/zone1"});
  t.put("cpu,cpuacct/zone1/cpu.cfs_period_us", "");
  t.put("cpu,cpuacct/zone1/cpu.cfs_quota_us", "");
  t.put("cpu,cpuacct/zone1/cpu.shares", "");
  t.put("cpu,cpuacct/zone1/payload/cpu.cfs_period_us", "");
  t.put("cpu,cpuacct/zone1/payload/cpu.cfs_quota_us", "");
  t.put("memory/zone1/payload/memory.limit_in_bytes", "");
  t.put("pids/zone1/payload/pids.max", "");
  REQUIRE(d->apply("zone1", limits_512m()));  // no blkio, no memsw: both optional
  CHECK(t.get("cpu,cpuacct/zone1/cpu.cfs_quota_us") == "150000");
  CHECK(t.get("memory/zone1/payload/memory.limit_in_bytes") == "536870912");
}

TEST_CASE("cgroup v1: kill_all freezes, signals and thaws payload; destroy clears every hierarchy") {
  TempTree t;
  make_v1_root(t);
  auto d = cgroup::make_v1(t.root);
  t.put("freezer/zone1/freezer.state", "THAWED\n");
  t.put("freezer/zone1/payload/freezer.state", "THAWED\n");
  REQUIRE(d->kill_all("zone1"));
  CHECK(t.get("freezer/zone1/payload/freezer.state") == "THAWED");  // frozen, then thawed
  CHECK(t.get("freezer/zone1/freezer.state") == "THAWED\n");        // the node: untouched
  REQUIRE(d->kill_everything("zone1"));
  CHECK(t.get("freezer/zone1/freezer.state") == "THAWED");

  for (const char* h : kV1Hierarchies) {
    t.dir(std::string(h) + "/zk/zone2/payload");
    t.dir(std::string(h) + "/zk/zone2/supervisor");
  }
  REQUIRE(d->destroy("zk/zone2"));
  for (const char* h : kV1Hierarchies) {
    CHECK_FALSE(t.has(std::string(h) + "/zk/zone2"));
    CHECK(t.has(std::string(h) + "/zk"));
  }
  CHECK_FALSE(d->exists("zk/zone2"));
  CHECK(d->destroy("zk/zone2"));
}

TEST_CASE("cgroup v1: stats and a missing required hierarchy") {
  TempTree t;
  make_v1_root(t);
  t.put("memory/zone1/payload/memory.usage_in_bytes", "4096\n");
  t.put("memory/zone1/payload/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
  t.put("pids/zone1/payload/pids.current", "9\n");
  t.put("memory/zone1/payload/memory.memsw.usage_in_bytes", "6144\n");
  t.put("cpuacct/zone1/cpuacct.usage", "777\n");
  t.put("cpuacct/zone1/payload/cpuacct.usage", "111\n");
  t.put("memory/zone1/memory.usage_in_bytes", "99999\n");  // zoneadmd's included: not compared with limits
  t.put("pids/zone1/pids.current", "11\n");
  t.put("blkio/zone1/blkio.throttle.io_service_bytes", "8:0 Read 5\n8:0 Write 6\n8:0 Total 11\nTotal 11\n");
  auto s = cgroup::make_v1(t.root)->stats("zone1");
  REQUIRE(s);
  CHECK(s->memory_current == 4096);
  CHECK(s->swap_current == 2048);
  CHECK(s->pids_current == 9);
  CHECK(s->oom_kills == 3);
  CHECK(s->cpu_usage_ns == 777);
  CHECK(s->io_read_bytes == 5);
  CHECK(s->io_write_bytes == 6);

  TempTree only_cpu;
  only_cpu.put("cpu/cgroup.procs", "");
  auto r = cgroup::make_v1(only_cpu.root)->create("zone1");
  REQUIRE_FALSE(r);
  CHECK(r.error().message() == "cgroup v1: no 'memory' hierarchy under " + only_cpu.root);
}

TEST_CASE("cgroup v2: without a cpu controller an uncapped zone still applies, a capped one fails") {
  TempTree t;
  make_v2_root(t);
  for (const char* f : {"cgroup.procs", "memory.max", "pids.max"}) t.put(std::string("zone1/payload/") + f, "");
  auto d = cgroup::make_v2(t.root);
  CgroupLimits l;
  REQUIRE(d->apply("zone1", l));
  CHECK(t.get("zone1/payload/memory.max") == "268435456");
  CHECK(t.get("zone1/payload/pids.max") == "2000");
  l.cpu_cap_percent = 100;
  auto r = d->apply("zone1", l);
  REQUIRE_FALSE(r);
  CHECK(r.error().message() ==
        "cgroup zone1: set limits: open " + t.root + "/zone1/cpu.max: No such file or directory");
}

TEST_CASE("cgroup v1: without a cpu hierarchy an uncapped zone still applies, a capped one fails") {
  TempTree t;
  for (const char* h : {"memory", "pids"}) t.put(std::string(h) + "/cgroup.procs", "");
  t.put("memory/zone1/payload/memory.limit_in_bytes", "");
  t.put("pids/zone1/payload/pids.max", "");
  auto d = cgroup::make_v1(t.root);
  CgroupLimits l;
  REQUIRE(d->apply("zone1", l));
  CHECK(t.get("memory/zone1/payload/memory.limit_in_bytes") == "268435456");
  l.cpu_cap_percent = 100;
  auto r = d->apply("zone1", l);
  REQUIRE_FALSE(r);
  CHECK(r.error().message() == "cgroup zone1: set limits: no 'cpu' hierarchy under " + t.root);
}

TEST_CASE("cgroup Guard: kills and removes unless released") {
  TempTree t;
  make_v2_root(t);
  auto d = cgroup::make_v2(t.root);
  t.dir("zk/zone1");
  t.dir("zk/zone2");
  {
    cgroup::Guard g(*d, "zk/zone1");
  }
  CHECK_FALSE(t.has("zk/zone1"));
  {
    cgroup::Guard g(*d, "zk/zone2");
    g.release();
  }
  CHECK(t.has("zk/zone2"));
}

TEST_CASE("cgroup in_cgroup: membership from /proc/<pid>/cgroup, in any hierarchy, subtree included") {
  using zonekit::cgroup::detail::in_cgroup;
  const std::string v1 = "12:pids:/zk/abc\n11:freezer:/zk/abc/sub\n1:name=systemd:/user.slice\n";
  CHECK(in_cgroup(v1, "zk/abc"));
  CHECK(in_cgroup("0::/zk/abc\n", "zk/abc"));
  CHECK(in_cgroup("0::/zk/abc/inner\n", "zk/abc/"));
  CHECK_FALSE(in_cgroup("0::/zk/abcd\n", "zk/abc"));
  CHECK_FALSE(in_cgroup("0::/zk\n", "zk/abc"));
  CHECK_FALSE(in_cgroup("5:memory:/other/zk/abc\n", "zk/abc"));
  CHECK_FALSE(in_cgroup("garbage without colons\n", "zk/abc"));
  CHECK_FALSE(in_cgroup("", "zk/abc"));
}

TEST_CASE("cgroup cgroup_of: one controller's path, or the unified one") {
  using zonekit::cgroup::detail::cgroup_of;
  const std::string text = "12:pids:/user.slice/a\n4:cpu,cpuacct:/b\n1:name=systemd:/c\n0::/d/e\n";
  CHECK(cgroup_of(text, "pids") == "/user.slice/a");
  CHECK(cgroup_of(text, "cpuacct") == "/b");
  CHECK(cgroup_of(text, "cpu") == "/b");
  CHECK(cgroup_of(text, "") == "/d/e");
  CHECK(cgroup_of("7:pids:/\n", "pids") == "/");
  CHECK_FALSE(cgroup_of(text, "memory"));
  CHECK_FALSE(cgroup_of(text, "cpuac"));
  CHECK_FALSE(cgroup_of("8:pids:relative\n", "pids"));
  CHECK_FALSE(cgroup_of("garbage\n", ""));
  CHECK_FALSE(cgroup_of("", "pids"));
}

TEST_CASE("cgroup procs_files_of: where a process stands, per hierarchy, to go back there") {
  TempTree v2;
  make_v2_root(v2);
  auto d2 = cgroup::make_v2(v2.root);
  CHECK(d2->procs_files_of("0::/user.slice/admin\n") ==
        std::vector<std::string>{v2.root + "/user.slice/admin/cgroup.procs"});
  CHECK(d2->procs_files_of("0::/\n") == std::vector<std::string>{v2.root + "/cgroup.procs"});
  CHECK(d2->procs_files_of("") == std::vector<std::string>{v2.root + "/cgroup.procs"});  // unknown: the root

  TempTree v1;
  make_v1_root(v1);
  auto d1 = cgroup::make_v1(v1.root);
  // One line per hierarchy as /proc/<pid>/cgroup has them; a named
  // hierarchy as "name=systemd"; blkio not named at all.
  const std::string text =
      "9:name=systemd:/s\n8:pids:/p\n6:freezer:/\n5:devices:/d\n4:memory:/m/n\n3:cpuset:/\n2:cpuacct:/ca\n"
      "1:cpu:/c\n0::/\n";
  std::vector<std::string> want;
  for (const auto& [h, rel] : std::vector<std::pair<std::string, std::string>>{
           {"blkio", ""}, {"cpu", "/c"}, {"cpuacct", "/ca"}, {"cpuset", ""}, {"devices", "/d"},
           {"freezer", ""}, {"memory", "/m/n"}, {"pids", "/p"}, {"systemd", "/s"}})
    want.push_back(v1.root + "/" + h + rel + "/cgroup.procs");
  CHECK(d1->procs_files_of(text) == want);
}

TEST_CASE("cgroup leave: writes the pid back, then succeeds only once it is out of the node") {
  TempTree t;
  t.put("back/cgroup.procs", "");
  // Not in "zk-none/zone": success, and the pid went where it was told.
  REQUIRE(cgroup::leave({t.path("back/cgroup.procs")}, "zk-none/zone", getpid()));
  CHECK(t.get("back/cgroup.procs") == std::to_string(getpid()));
  auto none = cgroup::leave({}, "zk-none/zone", getpid());
  REQUIRE_FALSE(none);
  CHECK(none.error().message() == "cgroup zk-none/zone: leave: no cgroup to go back to");
  auto gone = cgroup::leave({t.path("missing/cgroup.procs")}, "zk-none/zone", getpid());
  REQUIRE_FALSE(gone);
  CHECK(gone.error().message() ==
        "cgroup zk-none/zone: leave: open " + t.path("missing/cgroup.procs") + ": No such file or directory");
  // Still in the cgroup after the writes (a fake origin moved nothing): a
  // failure, so the caller does not kill_everything itself.
  auto self = fs::read_file("/proc/self/cgroup");
  REQUIRE(self);
  std::string mine;
  for (const char* c : {"", "pids", "memory", "cpu"})
    if (auto cg = cgroup::detail::cgroup_of(*self, c); cg && *cg != "/") mine = cg->substr(1);
  if (mine.empty()) return;  // every hierarchy at its root here: nothing to be inside of
  auto inside = cgroup::leave({t.path("back/cgroup.procs")}, mine, getpid());
  REQUIRE_FALSE(inside);
  CHECK(inside.error().message() ==
        "cgroup " + mine + ": leave: pid " + std::to_string(getpid()) + " is still inside");
}
